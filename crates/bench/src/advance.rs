//! `bench-advance`: what one day of the nightly batch costs against a full seed of the
//! same warehouse, both measured in this run, printed as a ratio.
//!
//! A warehouse is seeded as of the day before (not timed) and kept as a template. Each
//! round copies it (not timed) and advances the copy by one day (timed), then seeds a
//! fresh database as of that day (timed). The two end equal (the `warehouse` advance
//! tests prove it); the ratio of each round, and their median, say what moving forward
//! saves. Rounds alternate the two, so a machine whose speed drifts slows both alike.

use std::time::Instant;

use anyhow::{ensure, Result};
use chrono::{Days, NaiveDate};
use diesel::RunQueryDsl;

use warehouse::load::{self, SeedOptions};
use warehouse::target::Target;
use warehouse::world::WorldSpec;

/// Options of `cargo xtask bench-advance`.
#[derive(Debug, Clone)]
pub struct BenchAdvanceArgs {
    /// The server to create the scratch databases on.
    pub database_url: Option<String>,
    /// Profile to load.
    pub profile: String,
    /// The day advanced to (the warehouse is first seeded as of the day before).
    pub as_of: NaiveDate,
    /// Loader connections, for both.
    pub jobs: u32,
    /// Rounds of (advance, full seed).
    pub rounds: u32,
}

/// Runs the benchmark, dropping its scratch databases whatever happens.
pub fn run(args: &BenchAdvanceArgs) -> Result<()> {
    let server = Target::resolve(args.database_url.as_deref())?;
    let pid = std::process::id();
    let dbs = Databases {
        before: server.with_database(&format!("pm_bench_before_{pid}")),
        advanced: server.with_database(&format!("pm_bench_advance_{pid}")),
        fresh: server.with_database(&format!("pm_bench_fresh_{pid}")),
        admin: server.with_database("postgres"),
    };
    let result = measure(args, &dbs);
    let mut admin = dbs.admin.connect()?;
    for db in [&dbs.before, &dbs.advanced, &dbs.fresh] {
        drop_database(&mut admin, db)?;
    }
    result
}

/// The warehouse as of the day before (the template), its copy that is advanced, the
/// fresh seed, and where databases are created.
struct Databases {
    before: Target,
    advanced: Target,
    fresh: Target,
    admin: Target,
}

fn drop_database(admin: &mut diesel::PgConnection, db: &Target) -> Result<()> {
    diesel::sql_query(format!(
        "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
        db.database()
    ))
    .execute(admin)?;
    Ok(())
}

fn measure(args: &BenchAdvanceArgs, dbs: &Databases) -> Result<()> {
    let seed = |target: &Target, as_of: NaiveDate| -> Result<f64> {
        let started = Instant::now();
        let world = WorldSpec {
            as_of: Some(as_of),
            ..WorldSpec::whole(&args.profile, 1.0)
        };
        load::run(
            &SeedOptions {
                jobs: args.jobs,
                ..SeedOptions::new(Some(target.secret_url()), world)
            },
            &(),
        )?;
        Ok(started.elapsed().as_secs_f64())
    };
    let day_before = args.as_of - Days::new(1);
    ensure!(
        day_before >= sim::Profile::load(&args.profile)?.first_period,
        "--as-of must be after the profile's first period"
    );
    eprintln!("seeding {} as of {day_before} (not timed)", args.profile);
    seed(&dbs.before, day_before)?;
    let mut admin = dbs.admin.connect()?;
    let mut ratios = Vec::new();
    for round in 1..=args.rounds {
        for db in [&dbs.advanced, &dbs.fresh] {
            drop_database(&mut admin, db)?;
        }
        diesel::sql_query(format!(
            "CREATE DATABASE \"{}\" TEMPLATE \"{}\"",
            dbs.advanced.database(),
            dbs.before.database()
        ))
        .execute(&mut admin)?;
        eprintln!("round {round}: advancing a copy to {} (timed)", args.as_of);
        let advance = seed(&dbs.advanced, args.as_of)?;
        eprintln!(
            "round {round}: seeding a fresh warehouse as of {} (timed)",
            args.as_of
        );
        let full = seed(&dbs.fresh, args.as_of)?;
        println!(
            "round {round}: advance {day_before} -> {}: {advance:.2} s; full seed: {full:.2} s; ratio {:.3}",
            args.as_of,
            advance / full
        );
        ratios.push(advance / full);
    }
    ratios.sort_by(f64::total_cmp);
    println!(
        "{}: one day of advance / full seed as of {}: median ratio {:.3} over {} rounds (target <= 0.2)",
        args.profile,
        args.as_of,
        ratios[ratios.len() / 2],
        ratios.len()
    );
    Ok(())
}
