//! `bench-advance`: what one day of the nightly batch costs against a full seed of the
//! same warehouse, both measured in this run, printed as a ratio.
//!
//! A warehouse seeded as of the day before (not timed) is advanced by one day (timed);
//! then a fresh database is seeded as of that day (timed). The two end equal (the
//! `warehouse` advance tests prove it); the ratio says what moving forward saves.

use std::time::Instant;

use anyhow::{ensure, Result};
use chrono::{Days, NaiveDate};
use clap::Args;
use diesel::RunQueryDsl;

use warehouse::load::{self, SeedArgs};
use warehouse::target::Target;
use warehouse::world::WorldArgs;

/// Options of `cargo xtask bench-advance`.
#[derive(Debug, Clone, Args)]
pub struct BenchAdvanceArgs {
    /// The server to create the two scratch databases on.
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
}

/// Runs the benchmark, dropping its scratch databases whatever happens.
pub fn run(args: &BenchAdvanceArgs) -> Result<()> {
    let server = Target::resolve(args.database_url.as_deref())?;
    let pid = std::process::id();
    let advanced = server.with_database(&format!("pm_bench_advance_{pid}"));
    let fresh = server.with_database(&format!("pm_bench_fresh_{pid}"));
    let result = measure(args, &advanced, &fresh);
    let mut admin = server.with_database("postgres").connect()?;
    for db in [&advanced, &fresh] {
        diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            db.database()
        ))
        .execute(&mut admin)?;
    }
    result
}

fn measure(args: &BenchAdvanceArgs, advanced: &Target, fresh: &Target) -> Result<()> {
    let seed = |target: &Target, as_of: NaiveDate| -> Result<f64> {
        let started = Instant::now();
        load::run(&SeedArgs {
            database_url: Some(target.secret_url().to_owned()),
            world: WorldArgs {
                as_of: Some(as_of),
                ..WorldArgs::whole(&args.profile, 1.0)
            },
            jobs: args.jobs,
            reset: false,
            dry_run: false,
        })?;
        Ok(started.elapsed().as_secs_f64())
    };
    let day_before = args.as_of - Days::new(1);
    ensure!(
        day_before >= sim::Profile::load(&args.profile)?.first_period,
        "--as-of must be after the profile's first period"
    );
    eprintln!("seeding {} as of {day_before} (not timed)", args.profile);
    seed(advanced, day_before)?;
    eprintln!("advancing it to {} (timed)", args.as_of);
    let advance = seed(advanced, args.as_of)?;
    eprintln!("seeding a fresh warehouse as of {} (timed)", args.as_of);
    let full = seed(fresh, args.as_of)?;
    println!(
        "{}: advance {day_before} -> {}: {advance:.2} s; full seed as of {}: {full:.2} s; \
         ratio {:.3} (target <= 0.2)",
        args.profile,
        args.as_of,
        args.as_of,
        advance / full
    );
    Ok(())
}
