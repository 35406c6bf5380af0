//! `cargo xtask`: a thin command line over the `warehouse` library (seed, audit, export,
//! status, report) and the workspace's own automation (codegen, fixtures, the property gate,
//! benchmarks).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use warehouse::{audit, exit, export, load, report, status};

mod args;
mod codegen;
mod fixtures;
mod gate;
mod pg;
mod show;

/// Generation allocates a few short strings per row; mimalloc halves what glibc's
/// allocator costs there (measured with `cargo xtask bench-sim`).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Tasks for the PenguinMails analytics warehouse.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", version, about)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Fill a warehouse with a simulated world (default: the local dev warehouse).
    Seed(args::SeedArgs),
    /// Check every rule A1–E1 (and S1–S3) in SQL, on the whole warehouse or a scope of it.
    #[command(after_help = EXIT_CODES)]
    Audit(args::AuditArgs),
    /// Show what was seeded into a warehouse; `--verify` checks the six tables against it.
    #[command(after_help = EXIT_CODES)]
    Status {
        /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
        #[arg(long)]
        database_url: Option<String>,
        /// Also check, tenant by tenant, that the six tables hold what the ledger records.
        #[arg(long)]
        verify: bool,
    },
    /// Write the rows a seed would load as `<table>.csv` files, without a database.
    Export {
        /// Directory to write into.
        #[arg(long)]
        out: PathBuf,
        #[command(flatten)]
        world: args::WorldArgs,
        /// Threads generating tenants side by side; default: one per core. The files are
        /// the same bytes whatever the number.
        #[arg(long, default_value_t = load::default_jobs(), value_parser = clap::value_parser!(u32).range(1..=64))]
        jobs: u32,
    },
    /// Regenerate `crates/schema/src/schema.rs` (from `migrations/`, with the pinned
    /// diesel_cli) and `docs/rules.md` (from the rule catalog).
    Codegen {
        /// Fail, printing the diff, if the committed file is stale; write nothing.
        #[arg(long)]
        check: bool,
    },
    /// Regenerate `fixtures/` (six CSV files and a manifest) from `fixtures/profile.toml`.
    Fixtures {
        /// Fail, naming each stale file, if the committed fixtures would change; write nothing.
        #[arg(long)]
        check: bool,
    },
    /// Draw a warehouse: one self-contained HTML page of charts (funnel, benchmarks,
    /// tenant sizes, months, mailboxes, steps) and the audit.
    Report(args::ReportArgs),
    /// The property gate: random profiles over every knob and random seeds obey every
    /// rule, in memory and (for a share of the cases) seeded into PostgreSQL.
    Proptest(gate::GateArgs),
    /// Measure generation: rows/s and peak memory on one thread, dev and staging, scale 1 and 10.
    BenchSim,
    /// Measure loading: `seed --profile staging` against `psql \copy` of the same rows.
    BenchSeed {
        /// The server to create the two scratch databases on.
        #[arg(long)]
        database_url: Option<String>,
        /// Profile to load.
        #[arg(long, default_value = "staging")]
        profile: String,
        /// Scale of the profile.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Loader connections for the seed.
        #[arg(long, default_value_t = load::default_jobs())]
        jobs: u32,
    },
    /// Measure export: MB/s of `export` on one thread against `--jobs` threads, same rows.
    BenchExport {
        /// Profile to export.
        #[arg(long, default_value = "staging")]
        profile: String,
        /// Scale of the profile.
        #[arg(long, default_value_t = 1.0)]
        scale: f64,
        /// Threads of the parallel export (default: one per core).
        #[arg(long, default_value_t = load::default_jobs(), value_parser = clap::value_parser!(u32).range(1..=64))]
        jobs: u32,
        /// Exports of each kind, alternating; the medians are compared.
        #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=100))]
        rounds: u32,
    },
    /// Measure the audit against one full scan of the same warehouse, and scoped audits (the
    /// busiest month, the open month, the largest tenant) against the audit: ratios per round.
    BenchAudit {
        /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
        #[arg(long)]
        database_url: Option<String>,
        /// Rounds of scan, audit, scan.
        #[arg(long, default_value_t = 3)]
        rounds: u32,
    },
    /// Measure the nightly batch: one day of `seed --as-of` advance against a full seed
    /// as of the same day, printed as a ratio.
    BenchAdvance(args::BenchAdvanceArgs),
    /// Time every `schema::queries` function (p50, p95) for sample tenants and all tenants.
    BenchQueries(args::BenchQueriesArgs),
    /// The private PostgreSQL cluster (in `target/pg/`), which the commands and tests use
    /// when no URL is given and nothing listens at 127.0.0.1:5432.
    Pg {
        #[command(subcommand)]
        action: pg::PgAction,
    },
    /// Generate one profile on one thread and print rows, seconds and peak memory (used by bench-sim).
    #[command(hide = true)]
    GenerateOnly {
        #[command(flatten)]
        world: args::WorldArgs,
    },
}

/// The checks' exit codes, under their `--help`.
const EXIT_CODES: &str = "Exit codes: 0 passed (every rule holds; the tables match the ledger), \
1 failed (rules violated; tables that differ from the ledger), 2 could not check (cannot \
connect, not a warehouse, keys missing mid-bulk-load, a failed query).";

impl Task {
    /// For a task that needs a server: its `--database-url`, whether it only creates scratch
    /// databases there (and so also reads `TEST_DATABASE_URL`), and the database it works on.
    fn server(&self) -> Option<(Option<&str>, bool, &'static str)> {
        const DEV: &str = "penguinmails_dev";
        let flag = match self {
            Task::Seed(args) if args.dry_run => return None,
            Task::Seed(args) => &args.database_url,
            Task::Audit(args) => &args.database_url,
            Task::Report(args) => &args.database_url,
            Task::Proptest(args) => &args.database_url,
            Task::BenchAdvance(args) => &args.database_url,
            Task::BenchQueries(args) => &args.database_url,
            Task::Status { database_url, .. }
            | Task::BenchSeed { database_url, .. }
            | Task::BenchAudit { database_url, .. } => database_url,
            Task::Codegen { .. } => return Some((None, true, "postgres")),
            _ => return None,
        };
        Some((flag.as_deref(), false, DEV))
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `DATABASE_URL` (and `TEST_DATABASE_URL`) may come from a `.env` file: the libraries
    // read only the environment.
    dotenvy::dotenv().ok();
    // No URL and no server at the default address: the private cluster, said once here.
    if let Some((flag, scratch, database)) = cli.task.server() {
        if let Err(err) = pg::announce_fallback(flag, scratch, database) {
            eprintln!("error: {err:#}");
            return if matches!(cli.task, Task::Audit(_) | Task::Status { .. }) {
                exit::code(Err(None))
            } else {
                ExitCode::FAILURE
            };
        }
    }
    // The checks exit 1 when they find the warehouse wrong and 2 when they cannot run
    // (`warehouse::exit`); every other task exits 1 on any error.
    let check = matches!(cli.task, Task::Audit(_) | Task::Status { .. });
    let result = run(cli.task);
    if let Err(err) = &result {
        eprintln!("error: {err:#}");
    }
    match (result, check) {
        (result, true) => exit::code(
            result
                .as_ref()
                .map(|_| ())
                .map_err(|e| e.downcast_ref::<warehouse::Error>()),
        ),
        (Ok(()), false) => ExitCode::SUCCESS,
        (Err(_), false) => ExitCode::FAILURE,
    }
}

/// Runs one task; the libraries' typed errors become `anyhow`'s here, at the top.
fn run(task: Task) -> anyhow::Result<()> {
    match task {
        Task::Seed(args) if args.dry_run => {
            let world = args.world.into();
            show::dry_run(&world, &load::dry_run(&world)?);
            Ok(())
        }
        Task::Seed(args) => {
            show::seed_summary(&load::run(&args.into(), &show::Terminal::default())?);
            Ok(())
        }
        Task::Audit(args) => {
            let scope = args.scope();
            let audited = audit::run(args.database_url.as_deref(), &scope)?;
            show::audit(&audited, &scope, args.format, args.timings)?;
            Ok(audited.report.verdict()?)
        }
        Task::Status {
            database_url,
            verify,
        } => {
            let status = status::read(database_url.as_deref(), verify)?;
            show::status(&status);
            Ok(status.verdict()?)
        }
        Task::Export { out, world, jobs } => {
            let rows = export::run(&world.into(), &out, jobs)?;
            println!("wrote {} rows to {}", rows.total(), out.display());
            println!(
                "load them into a migrated warehouse with psql:\n{}",
                export::psql_script(&out)
            );
            Ok(())
        }
        Task::Codegen { check } => codegen::run(check),
        Task::Fixtures { check } => fixtures::run(check),
        Task::Proptest(args) => gate::run(&args),
        Task::Report(args) => {
            let written = report::write(args.database_url.as_deref(), &args.out)?;
            println!(
                "wrote {} ({} charts)",
                written.path.display(),
                written.charts
            );
            Ok(())
        }
        Task::BenchSim => std::env::current_exe()
            .map_err(Into::into)
            .and_then(|exe| bench::generation::sim(&exe)),
        Task::BenchSeed {
            database_url,
            profile,
            scale,
            jobs,
        } => bench::load::seed(database_url.as_deref(), &profile, scale, jobs),
        Task::BenchExport {
            profile,
            scale,
            jobs,
            rounds,
        } => bench::export::run(&profile, scale, jobs, rounds),
        Task::BenchQueries(args) => bench::queries::run(&args.into()),
        Task::GenerateOnly { world } => bench::generation::generate_only(&world.into()),
        Task::BenchAudit {
            database_url,
            rounds,
        } => bench::audit::run(database_url.as_deref(), rounds),
        Task::BenchAdvance(args) => bench::advance::run(&args.into()),
        Task::Pg { action } => pg::run(&action),
    }
}
