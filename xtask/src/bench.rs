//! Benchmarks that print rows/s and peak memory (not timed tests).
//!
//! - `bench-sim`: generation alone, one thread, each configuration in a fresh process so
//!   that its peak resident memory (VmHWM) is its own.
//! - `bench-seed`: `seed` into a fresh database against `psql \copy` of the same rows,
//!   exported as CSV, into another fresh database.

use std::path::Path;
use std::process::Command;
use std::time::Instant;

use anyhow::{bail, Context, Result};

use warehouse::load::{self, SeedArgs};
use warehouse::target::Target;
use warehouse::world::WorldArgs;

/// Peak resident memory of this process, in MiB (Linux `VmHWM`).
pub fn peak_rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmHWM:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

/// `generate-only`: simulate every tenant on this thread, keep nothing, report.
pub fn generate_only(world: &WorldArgs) -> Result<()> {
    let world = world.resolve()?;
    let started = Instant::now();
    let mut rows = 0usize;
    for no in world.sim.tenants(world.shard) {
        for period in world.sim.tenant(no) {
            rows += period.len();
        }
    }
    let secs = started.elapsed().as_secs_f64();
    println!("rows={rows} secs={secs:.3} peak_mib={:.1}", peak_rss_mib());
    Ok(())
}

/// `bench-sim`.
pub fn sim() -> Result<()> {
    let exe = std::env::current_exe()?;
    println!(
        "{:<10} {:>6} {:>12} {:>9} {:>12} {:>10}",
        "profile", "scale", "rows", "seconds", "rows/s", "peak MiB"
    );
    for (profile, scale) in [("dev", 1), ("dev", 10), ("staging", 1), ("staging", 10)] {
        let out = Command::new(&exe)
            .args([
                "generate-only",
                "--profile",
                profile,
                "--scale",
                &scale.to_string(),
            ])
            .output()?;
        if !out.status.success() {
            bail!(
                "generate-only failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        let text = String::from_utf8_lossy(&out.stdout);
        let field = |name: &str| -> f64 {
            text.split_whitespace()
                .find_map(|kv| kv.strip_prefix(name)?.strip_prefix('=')?.parse().ok())
                .unwrap_or(0.0)
        };
        let (rows, secs, peak) = (field("rows"), field("secs"), field("peak_mib"));
        println!(
            "{profile:<10} {scale:>6} {rows:>12} {secs:>9.2} {:>12.0} {peak:>10.1}",
            rows / secs.max(1e-9)
        );
    }
    Ok(())
}

/// `bench-seed`.
pub fn seed(database_url: Option<&str>, profile: &str, scale: f64, jobs: u32) -> Result<()> {
    let server = Target::resolve(database_url)?;
    let pid = std::process::id();
    let seeded = server.with_database(&format!("pm_bench_seed_{pid}"));
    let copied = server.with_database(&format!("pm_bench_copy_{pid}"));
    let result = compare(&seeded, &copied, profile, scale, jobs);
    for db in [&seeded, &copied] {
        let mut admin = server.with_database("postgres").connect()?;
        use diesel::RunQueryDsl;
        diesel::sql_query(format!(
            "DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)",
            db.database()
        ))
        .execute(&mut admin)?;
    }
    result
}

fn compare(seeded: &Target, copied: &Target, profile: &str, scale: f64, jobs: u32) -> Result<()> {
    let world = WorldArgs {
        profile: profile.to_owned(),
        seed: 1,
        scale,
        shard: sim::Shard::ALL,
        as_of: None,
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
