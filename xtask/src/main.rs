//! `cargo xtask`: a thin command line over the `warehouse` library (seed, audit, export,
//! status, report) and the workspace's own automation (codegen, fixtures, the property gate,
//! benchmarks).

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use warehouse::{audit, export, load, report, status, world};

mod bench;
mod bench_advance;
mod bench_queries;
mod codegen;
mod fixtures;
mod gate;
mod generated;

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
    Seed(load::SeedArgs),
    /// Check every rule A1–E1 (and S1–S3) in SQL; fail if any is violated.
    Audit {
        /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
        #[arg(long)]
        database_url: Option<String>,
        /// `text` for people, `json` for CI systems.
        #[arg(long, value_enum, default_value = "text")]
        format: audit::Format,
    },
    /// Show what was seeded into a warehouse.
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
        world: world::WorldArgs,
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
    Report(report::ReportArgs),
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
    /// Measure the nightly batch: one day of `seed --as-of` advance against a full seed
    /// as of the same day, printed as a ratio.
    BenchAdvance(bench_advance::BenchAdvanceArgs),
    /// Time every `schema::queries` function (p50, p95) for sample tenants and all tenants.
    BenchQueries(bench_queries::BenchQueriesArgs),
    /// Generate one profile on one thread and print rows, seconds and peak memory (used by bench-sim).
    #[command(hide = true)]
    GenerateOnly {
        #[command(flatten)]
        world: world::WorldArgs,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Seed(args) => load::run(&args).map(drop),
        Task::Audit {
            database_url,
            format,
        } => audit::run(database_url.as_deref(), format),
        Task::Status {
            database_url,
            verify,
        } => status::run(database_url.as_deref(), verify),
        Task::Export { out, world } => export::run(&world, &out).map(|rows| {
            println!(
                "wrote {} rows to {}",
                rows.iter().sum::<u64>(),
                out.display()
            );
            println!(
                "load them into a migrated warehouse with psql:\n{}",
                export::psql_script(&out)
            );
        }),
        Task::Codegen { check } => codegen::run(check),
        Task::Fixtures { check } => fixtures::run(check),
        Task::Proptest(args) => gate::run(&args),
        Task::Report(args) => report::run(&args),
        Task::BenchSim => bench::sim(),
        Task::BenchSeed {
            database_url,
            profile,
            scale,
            jobs,
        } => bench::seed(database_url.as_deref(), &profile, scale, jobs),
        Task::BenchQueries(args) => bench_queries::run(&args),
        Task::BenchAdvance(args) => bench_advance::run(&args),
        Task::GenerateOnly { world } => bench::generate_only(&world),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            ExitCode::FAILURE
        }
    }
}
