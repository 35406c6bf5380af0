//! `bench-seed`: `seed` into a fresh database against `psql \copy` of the same rows,
//! exported as CSV, into another fresh database.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use warehouse::load::{self, SeedArgs};
use warehouse::scratch::ScratchDb;
use warehouse::target::Target;
use warehouse::world::WorldArgs;

use crate::peak_rss_mib;

/// `bench-seed`.
pub fn seed(database_url: Option<&str>, profile: &str, scale: f64, jobs: u32) -> Result<()> {
    let server = Target::resolve(database_url)?;
    let seeded = ScratchDb::create_on(server.secret_url(), "bench_seed")?;
    let copied = ScratchDb::create_on(server.secret_url(), "bench_copy")?;
    compare(
        &Target::parse(seeded.url())?,
        &Target::parse(copied.url())?,
        profile,
        scale,
        jobs,
    )
}

fn compare(seeded: &Target, copied: &Target, profile: &str, scale: f64, jobs: u32) -> Result<()> {
    let world = WorldArgs {
        profile: profile.to_owned(),
        seed: 1,
        scale,
        shard: sim::Shard::ALL,
    };
    // (a) the seeder, into a database it creates and migrates itself.
    let report = load::run(&SeedArgs {
        database_url: Some(seeded.secret_url().to_owned()),
        world: world.clone(),
        jobs,
        reset: false,
        dry_run: false,
    })?;
    let seed_peak = peak_rss_mib();
    let seed_rate = report.total() as f64 / report.elapsed.as_secs_f64();

    // (b) psql \copy of the same rows, exported as CSV, into a freshly migrated database.
    let dir = std::env::temp_dir().join(format!("pm_bench_csv_{}", std::process::id()));
    warehouse::export::run(&world, &dir)?;
    let (mut conn, _) = copied.connect_or_create()?;
    schema::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("migrating failed: {e}"))?;
    drop(conn);
    let script = dir.join("load.psql");
    std::fs::write(&script, warehouse::export::psql_script(&dir))?;
    let started = Instant::now();
    psql(copied, &script)?;
    let copy_secs = started.elapsed().as_secs_f64();
    std::fs::remove_dir_all(&dir).ok();
    let copy_rate = report.total() as f64 / copy_secs;

    println!(
        "bench-seed: profile {profile}, {} rows, {jobs} loader connections",
        report.total()
    );
    println!(
        "  (a) cargo xtask seed : {:>8.2} s  {:>10.0} rows/s  peak {:.1} MiB",
        report.elapsed.as_secs_f64(),
        seed_rate,
        seed_peak
    );
    println!(
        "  (b) psql \\copy (CSV) : {:>8.2} s  {:>10.0} rows/s",
        copy_secs, copy_rate
    );
    println!("  ratio (a)/(b)        : {:.2}x", seed_rate / copy_rate);
    Ok(())
}

/// Runs a psql script against `target`, stopping at the first error.
pub fn psql(target: &Target, script: &Path) -> Result<()> {
    // The password goes through the environment: arguments are visible to `ps`.
    let (url, password) = target.split_password();
    let mut psql = Command::new("psql");
    if let Some(password) = password {
        psql.env("PGPASSWORD", password);
    }
    let status = psql
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &url, "-f"])
        .arg(script)
        .status()
        .context("cannot run psql")?;
    if !status.success() {
        bail!("psql failed on {target}");
    }
    Ok(())
}
