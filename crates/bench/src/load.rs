//! `bench-seed`: the same rows loaded three ways, each into its own fresh database, in
//! one run:
//!
//! - (a) `psql \copy` of the rows, exported as CSV, with every key and index in place;
//! - (b) pg_restore order with psql: the keys and indexes dropped, the heap loaded by two
//!   `psql \copy` streams side by side, then each table's keys and indexes built (two
//!   streams side by side), the foreign keys added and the tables analyzed (the seed
//!   analyzes them too);
//! - (c) `seed`, into an empty database it creates and migrates itself (its bulk path).
//!
//! It also times `status --verify` of (c)'s warehouse, the check every run makes before
//! it reports success: verify/seed is the cost of that check beside a seed.
//!
//! Each method is timed from a migrated (or absent, for the seed) database to a loaded one
//! with every key: the ratios (b)/(c) and (a)/(c) say how the seeder compares with what
//! PostgreSQL itself can ingest. The keys and indexes after (b) and (c) are compared with
//! those of (a), i.e. the migrations'.

use std::path::Path;
use std::process::{Child, Command};
use std::time::Instant;

use anyhow::{bail, Context, Result};
use diesel::connection::SimpleConnection;
use diesel::PgConnection;
use schema::PerTable;
use sim::ids::Table;

use warehouse::load::{self, SeedOptions};
use warehouse::load::{catalog_keys, Key};
use warehouse::scratch::ScratchDb;
use warehouse::target::Target;
use warehouse::world::WorldSpec;

use crate::peak_rss_mib;

/// The parallel psql streams of (b), as in the measurement (`pg_restore -j 2`).
const STREAMS: usize = 2;

/// `bench-seed`.
pub fn seed(database_url: Option<&str>, profile: &str, scale: f64, jobs: u32) -> Result<()> {
    let server = Target::resolve(database_url)?;
    let seeded = ScratchDb::create_on(server.secret_url(), "bench_seed")?;
    let copied = ScratchDb::create_on(server.secret_url(), "bench_copy")?;
    let restored = ScratchDb::create_on(server.secret_url(), "bench_restore")?;
    let world = WorldSpec::whole(profile, scale);

    // (c) first, so that the peak memory is the seeder's alone.
    let seeded = Target::parse(seeded.url())?;
    let started = Instant::now();
    let report = load::run(
        &SeedOptions {
            jobs,
            ..SeedOptions::new(Some(seeded.secret_url()), world.clone())
        },
        &(),
    )?;
    let seed_secs = started.elapsed().as_secs_f64();
    let seed_peak = peak_rss_mib();
    let rows = report.total() as f64;
    let verify_secs = verify(&seeded)?;

    let dir = std::env::temp_dir().join(format!("pm_bench_csv_{}", std::process::id()));
    let per_table = warehouse::export::run(&world, &dir, jobs)?;
    // One `\copy` line per table, in `Table::ALL` (foreign-key) order.
    let script = warehouse::export::psql_script(&dir);
    let mut lines = script.lines();
    let copy_lines = PerTable::from_fn(|_| lines.next().expect("a line per table").to_owned());
    let measured = (|| -> Result<(f64, f64)> {
        let copied = Target::parse(copied.url())?;
        let restored = Target::parse(restored.url())?;
        let copy_secs = copy_with_keys(&copied, &dir, &copy_lines)?;
        let restore_secs = restore_order(&restored, &dir, &copy_lines, &per_table)?;
        let migrations = keys(&copied)?;
        for (what, target) in [("seed", &seeded), ("pg_restore order", &restored)] {
            let now = keys(target)?;
            let equal = now == migrations;
            println!(
                "  keys and indexes after {what} equal the migrations': {}",
                if equal { "yes" } else { "NO" }
            );
            if !equal {
                bail!("after {what}, keys and indexes differ from the migrations': {now:?}");
            }
        }
        Ok((copy_secs, restore_secs))
    })();
    std::fs::remove_dir_all(&dir).ok();
    let (copy_secs, restore_secs) = measured?;

    println!(
        "bench-seed: profile {profile}, scale {scale}, {rows} rows, {jobs} loader connections"
    );
    let line = |label: &str, secs: f64| {
        println!(
            "  {label:<44} {secs:>8.2} s {:>10.0} rows/s  {:>5.2}x of \\copy",
            rows / secs,
            copy_secs / secs
        );
    };
    line("(a) psql \\copy, every key in place", copy_secs);
    line(
        &format!("(b) pg_restore order, {STREAMS} psql streams"),
        restore_secs,
    );
    line("(c) cargo xtask seed (bulk path)", seed_secs);
    println!(
        "  of (c): load {:.2} s, keys and indexes {:.2} s; peak memory {seed_peak:.1} MiB",
        (report.elapsed - report.keys).as_secs_f64(),
        report.keys.as_secs_f64()
    );
    println!(
        "  restore/seed (b)/(c): {:.2}  (goal >= 1.0)",
        restore_secs / seed_secs
    );
    println!(
        "  status --verify of (c): {verify_secs:.2} s (median of {VERIFY_RUNS}); \
         verify/seed: {:.3}  (goal < 0.1)",
        verify_secs / seed_secs
    );
    Ok(())
}

/// Runs of `status --verify` whose median [`verify`] reports.
const VERIFY_RUNS: usize = 3;

/// The median time of `status --verify` on the seeded warehouse, which must pass.
fn verify(seeded: &Target) -> Result<f64> {
    let mut secs = Vec::with_capacity(VERIFY_RUNS);
    for _ in 0..VERIFY_RUNS {
        let started = Instant::now();
        let status = warehouse::status::read(Some(seeded.secret_url()), true)?;
        secs.push(started.elapsed().as_secs_f64());
        if !status.is_verified() {
            bail!(
                "the seeded warehouse does not verify: {:?}",
                status.verified
            );
        }
    }
    secs.sort_by(f64::total_cmp);
    Ok(secs[VERIFY_RUNS / 2])
}

/// The keys and indexes of `target`'s six tables.
fn keys(target: &Target) -> Result<Vec<(String, String, bool)>> {
    let mut conn = target.connect()?;
    Ok(catalog_keys(&mut conn)?
        .into_iter()
        .map(|k| (k.name, k.definition, k.present))
        .collect())
}

fn migrated(target: &Target) -> Result<PgConnection> {
    let (mut conn, _) = target.connect_or_create()?;
    schema::run_migrations(&mut conn).map_err(|e| anyhow::anyhow!("migrating failed: {e}"))?;
    Ok(conn)
}

/// (a): one psql, every table in foreign-key order, keys in place. Seconds.
fn copy_with_keys(target: &Target, dir: &Path, copy_lines: &PerTable<String>) -> Result<f64> {
    drop(migrated(target)?);
    let script = dir.join("copy.psql");
    let lines: Vec<&str> = copy_lines.values().map(String::as_str).collect();
    std::fs::write(&script, lines.join("\n"))?;
    let started = Instant::now();
    psql(target, &script)?.wait_ok(target)?;
    Ok(started.elapsed().as_secs_f64())
}

/// (b): keys dropped, heap by [`STREAMS`] psql streams, keys and indexes per table by
/// as many streams, then the foreign keys, then `ANALYZE`. Seconds.
fn restore_order(
    target: &Target,
    dir: &Path,
    copy_lines: &PerTable<String>,
    per_table: &PerTable<u64>,
) -> Result<f64> {
    let mut conn = migrated(target)?;
    let keys = catalog_keys(&mut conn)?;
    // Tables dealt to streams, largest first, each to the least loaded stream.
    let mut order = Table::ALL;
    order.sort_by_key(|&t| std::cmp::Reverse(per_table[t]));
    let mut streams: Vec<(u64, Vec<Table>)> = vec![(0, Vec::new()); STREAMS];
    for t in order {
        let lightest = streams.iter_mut().min_by_key(|(n, _)| *n).expect("streams");
        lightest.0 += per_table[t];
        lightest.1.push(t);
    }
    let statements = |t: Table, kind: &dyn Fn(&Key) -> bool| -> Vec<String> {
        keys.iter()
            .filter(|k| k.table_name == t.name() && kind(k))
            .map(|k| format!("{};", k.definition))
            .collect()
    };
    let started = Instant::now();
    let mut drops: Vec<&Key> = keys.iter().collect();
    drops.sort_by_key(|k| (k.kind != "foreign", k.kind == "index"));
    let drops: Vec<String> = drops.iter().map(|k| k.drop_statement()).collect();
    conn.batch_execute(&drops.join(";\n"))?;
    let heap: Vec<Vec<String>> = streams
        .iter()
        .map(|(_, tables)| tables.iter().map(|&t| copy_lines[t].clone()).collect())
        .collect();
    side_by_side(target, dir, "heap", &heap)?;
    let own: Vec<Vec<String>> = streams
        .iter()
        .map(|(_, tables)| {
            tables
                .iter()
                .flat_map(|&t| {
                    let mut s = statements(t, &|k| k.kind == "key");
                    s.extend(statements(t, &|k| k.kind == "index"));
                    s
                })
                .collect()
        })
        .collect();
    side_by_side(target, dir, "keys", &own)?;
    let foreign: Vec<String> = Table::ALL
        .into_iter()
        .flat_map(|t| statements(t, &|k| k.kind == "foreign"))
        .collect();
    side_by_side(target, dir, "foreign", &[foreign])?;
    // Statistics, as PostgreSQL's docs advise after a restore and as the seed does.
    let analyze: Vec<Vec<String>> = streams
        .iter()
        .map(|(_, tables)| {
            tables
                .iter()
                .map(|&t| format!("ANALYZE {};", t.name()))
                .collect()
        })
        .collect();
    side_by_side(target, dir, "analyze", &analyze)?;
    Ok(started.elapsed().as_secs_f64())
}

/// Runs one psql per script at once, and waits for all of them.
fn side_by_side(target: &Target, dir: &Path, label: &str, scripts: &[Vec<String>]) -> Result<()> {
    let running: Vec<Running> = scripts
        .iter()
        .enumerate()
        .map(|(i, lines)| {
            let script = dir.join(format!("{label}_{i}.psql"));
            std::fs::write(&script, lines.join("\n"))?;
            psql(target, &script)
        })
        .collect::<Result<_>>()?;
    for r in running {
        r.wait_ok(target)?;
    }
    Ok(())
}

/// A psql process.
pub struct Running(Child);

impl Running {
    /// Waits for it; fails unless it succeeded.
    pub fn wait_ok(mut self, target: &Target) -> Result<()> {
        if !self.0.wait()?.success() {
            bail!("psql failed on {target}");
        }
        Ok(())
    }
}

/// Starts a psql script against `target`, stopping at the first error.
pub fn psql(target: &Target, script: &Path) -> Result<Running> {
    // The password goes through the environment: arguments are visible to `ps`.
    let (url, password) = target.split_password();
    let mut psql = Command::new("psql");
    if let Some(password) = password {
        psql.env("PGPASSWORD", password);
    }
    let child = psql
        .args(["-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", &url, "-f"])
        .arg(script)
        .spawn()
        .context("cannot run psql")?;
    Ok(Running(child))
}
