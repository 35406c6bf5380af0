//! The command line's options, all in one place: clap lives here, and each set converts
//! into the plain options of the library it drives.

use std::path::PathBuf;

use chrono::NaiveDate;
use clap::Args;
use sim::Shard;
use warehouse::audit::{Months, Scope};
use warehouse::load::{self, SeedOptions};
use warehouse::world::WorldSpec;

/// Which world to generate.
#[derive(Debug, Clone, Args)]
pub struct WorldArgs {
    /// `dev`, `staging`, or a path to a profile TOML file.
    #[arg(long, default_value = "dev")]
    pub profile: String,
    /// The seed: the same seed and profile always give the same rows.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// Multiplies the number of tenants (and so every row count).
    #[arg(long, default_value_t = 1.0, value_parser = parse_scale)]
    pub scale: f64,
    /// Only the tenants of shard I of N, e.g. `1/2`.
    #[arg(long, default_value = "1/1")]
    pub shard: Shard,
    /// The simulated "today" instead of the profile's `as_of`: a date (`2026-11-18`) or
    /// `today` (the UTC date when the run starts). A warehouse holding the same seed as of
    /// an earlier day is advanced to it.
    #[arg(long, value_parser = parse_as_of)]
    pub as_of: Option<NaiveDate>,
}

impl From<WorldArgs> for WorldSpec {
    fn from(a: WorldArgs) -> Self {
        WorldSpec {
            profile: a.profile,
            seed: a.seed,
            scale: a.scale,
            shard: a.shard,
            as_of: a.as_of,
        }
    }
}

/// `--scale`: a finite number above 0 (the library checks it too, for its other callers).
fn parse_scale(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(scale) if scale.is_finite() && scale > 0.0 => Ok(scale),
        _ => Err(format!("it must be a number above 0; got {text:?}")),
    }
}

/// `--as-of`: `today` is the UTC date now; anything else must be `YYYY-MM-DD`.
fn parse_as_of(text: &str) -> Result<NaiveDate, String> {
    if text == "today" {
        return Ok(chrono::Utc::now().date_naive());
    }
    text.parse()
        .map_err(|_| format!("expected a date like 2026-11-18, or `today`; got {text:?}"))
}

/// Options of `cargo xtask seed`.
#[derive(Debug, Clone, Args)]
pub struct SeedArgs {
    /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Which world.
    #[command(flatten)]
    pub world: WorldArgs,
    /// Loader connections (COPY streams) working side by side; default: one per core.
    /// The server's per-row work (the foreign-key check above all) is the bottleneck, so
    /// more streams than cores only add lock contention.
    #[arg(long, default_value_t = load::default_jobs(), value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
    /// Empty the six tables (and the seed ledger) first. Without `--confirm`, only a
    /// warehouse that holds nothing but what its ledger records, unchanged.
    #[arg(long)]
    pub reset: bool,
    /// With `--reset`: the database's name, to delete what no seed recorded (rows added
    /// by hand or by a service, rows changed since they were seeded, a warehouse without
    /// a ledger) as well.
    #[arg(long, value_name = "DATABASE", requires = "reset")]
    pub confirm: Option<String>,
    /// Print the rows and bytes per table that would be written; touch nothing.
    #[arg(long)]
    pub dry_run: bool,
}

impl From<SeedArgs> for SeedOptions {
    fn from(a: SeedArgs) -> Self {
        SeedOptions {
            jobs: a.jobs,
            reset: a.reset,
            confirm: a.confirm,
            ..SeedOptions::new(a.database_url.as_deref(), a.world.into())
        }
    }
}

/// How `cargo xtask audit` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per rule, for people.
    Text,
    /// A JSON array with one object per rule (`rule`, `statement`, `violations`,
    /// `examples`), for scripts.
    Json,
    /// JUnit XML, for CI systems' test reports: one `<testsuite>` per rule family, one
    /// `<testcase>` per rule, a `<failure>` for each violated rule.
    Junit,
}

/// The options of `cargo xtask audit`.
#[derive(Debug, Clone, Args)]
pub struct AuditArgs {
    /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
    #[arg(long)]
    pub database_url: Option<String>,
    /// `text` for people, `json` for scripts, `junit` (JUnit XML) for CI test reports.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also print, on standard error, where the time went: each probe (a statement of
    /// screens), each rule's own query where a screen was true, and the total.
    #[arg(long)]
    pub timings: bool,
    /// Audit only this tenant's periods and their rows. B2, B10, C6 and E1 still read the
    /// rest of the warehouse where they need it (docs/rules.md, "Scoped audits").
    #[arg(long)]
    pub tenant: Option<String>,
    /// Audit only the periods starting in these months, `FROM..UNTIL` (YYYY-MM, both
    /// included, either end open: `2026-11..` is the open month of a warehouse as of a
    /// November day, and later ones); B2, B10, C6 and E1 still read the other periods
    /// where they need them.
    #[arg(long, value_name = "FROM..UNTIL")]
    pub periods: Option<Months>,
}

impl AuditArgs {
    /// The scope the options name.
    pub fn scope(&self) -> Scope {
        Scope {
            tenant: self.tenant.clone(),
            periods: self.periods.unwrap_or_default(),
        }
    }
}

/// Options of `cargo xtask report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Directory to write `index.html` into.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
}

/// Options of `cargo xtask bench-advance`.
#[derive(Debug, Clone, Args)]
pub struct BenchAdvanceArgs {
    /// The server to create the scratch databases on.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Profile to load.
    #[arg(long, default_value = "staging")]
    pub profile: String,
    /// The day advanced to (the warehouse is first seeded as of the day before).
    #[arg(long, default_value = "2026-11-18")]
    pub as_of: NaiveDate,
    /// Loader connections, for both.
    #[arg(long, default_value_t = load::default_jobs())]
    pub jobs: u32,
    /// Rounds of (advance, full seed).
    #[arg(long, default_value_t = 3, value_parser = clap::value_parser!(u32).range(1..=20))]
    pub rounds: u32,
}

impl From<BenchAdvanceArgs> for bench::advance::BenchAdvanceArgs {
    fn from(a: BenchAdvanceArgs) -> Self {
        Self {
            database_url: a.database_url,
            profile: a.profile,
            as_of: a.as_of,
            jobs: a.jobs,
            rounds: a.rounds,
        }
    }
}

/// Options of `cargo xtask bench-queries`.
#[derive(Debug, Clone, Args)]
pub struct BenchQueriesArgs {
    /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`);
    /// seeded first unless it already holds this seed.
    #[arg(long)]
    pub database_url: Option<String>,
    /// Which world.
    #[command(flatten)]
    pub world: WorldArgs,
    /// Timed runs of each one-tenant query, after one warm-up run.
    #[arg(long, default_value_t = 40, value_parser = clap::value_parser!(u32).range(1..))]
    pub runs: u32,
    /// Timed runs of each all-tenant report, without a warm-up (a report runs cold); 0
    /// skips them.
    #[arg(long, default_value_t = 5)]
    pub report_runs: u32,
    /// Print each query's plan, `EXPLAIN (ANALYZE, BUFFERS)`, once per scope.
    #[arg(long)]
    pub explain: bool,
    /// Measure without the query-index migrations' indexes (dropped in a transaction that
    /// is rolled back).
    #[arg(long)]
    pub without_indexes: bool,
}

impl From<BenchQueriesArgs> for bench::queries::BenchQueriesArgs {
    fn from(a: BenchQueriesArgs) -> Self {
        Self {
            database_url: a.database_url,
            world: a.world.into(),
            runs: a.runs,
            report_runs: a.report_runs,
            explain: a.explain,
            without_indexes: a.without_indexes,
        }
    }
}
