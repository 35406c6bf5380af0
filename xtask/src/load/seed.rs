//! The seed run itself.

use std::collections::HashSet;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use clap::Args;
use diesel::prelude::*;
use indicatif::{ProgressBar, ProgressStyle};
use sim::ids::Table;

use super::copy::TenantBuffers;
use super::ledger;
use crate::target::Target;
use crate::world::{World, WorldArgs};

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
    #[arg(long, default_value_t = default_jobs(), value_parser = clap::value_parser!(u32).range(1..=64))]
    pub jobs: u32,
    /// Empty the six tables (and the seed ledger) first.
    #[arg(long)]
    pub reset: bool,
    /// Print the rows and bytes per table that would be written; touch nothing.
    #[arg(long)]
    pub dry_run: bool,
}

/// One loader connection per core.
pub fn default_jobs() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get() as u32)
}

/// What a seed run did.
#[derive(Debug, Default)]
pub struct SeedReport {
    /// Tenants loaded by this run.
    pub tenants: usize,
    /// Rows loaded by this run, per table.
    pub rows: [u64; 6],
    /// Wall time of the load.
    pub elapsed: Duration,
}

impl SeedReport {
    /// Rows of all tables.
    pub fn total(&self) -> u64 {
        self.rows.iter().sum()
    }
}

/// Runs `cargo xtask seed`.
pub fn run(args: &SeedArgs) -> Result<SeedReport> {
    // Every input is checked before anything is touched.
    let world = args.world.resolve()?;
    let target = Target::resolve(args.database_url.as_deref())?;
    if args.dry_run {
        return dry_run(&world);
    }
    let (mut conn, created) = target.connect_or_create()?;
    target.ensure_writable(&mut conn)?;
    if created {
        eprintln!("created database {}", target.database());
    }
    migrate(&mut conn)?;
    if args.reset {
        let removed = ledger::reset(&mut conn)?;
        let listed: Vec<String> = Table::ALL
            .iter()
            .zip(removed)
            .map(|(t, n)| format!("{n} {}", t.name()))
            .collect();
        eprintln!(
            "reset: removed {} rows ({})",
            removed.iter().sum::<i64>(),
            listed.join(", ")
        );
    }
    let (loaded, run_id) = ledger::begin(&mut conn, &world)?;
    let done: HashSet<u32> = loaded.tenants.into_iter().collect();
    let todo: Vec<u32> = world
        .sim
        .tenants(world.shard)
        .filter(|no| !done.contains(no))
        .collect();
    let already = world.sim.tenants(world.shard).count() - todo.len();
    let Some(run_id) = run_id else {
        ledger::advance_sequences(&mut conn)?;
        eprintln!(
            "nothing to do: {} already holds this seed's {already} tenants of shard {} (profile {}, seed {})",
            target.database(),
            world.shard,
            world.profile_label,
            world.sim.seed()
        );
        return Ok(SeedReport::default());
    };
    if already > 0 {
        eprintln!(
            "resuming: {already} tenants already loaded, {} to go",
            todo.len()
        );
    }
    let report = load(&target, &world, &todo, args.jobs as usize)?;
    ledger::finish(&mut conn, run_id, report.tenants, report.rows)?;
    print_summary(&report);
    Ok(report)
}

/// Applies pending migrations, one seeder at a time.
fn migrate(conn: &mut PgConnection) -> Result<()> {
    let applied = conn
        .transaction(|conn| {
            ledger::lock(conn)?;
            schema::run_migrations(conn).map_err(diesel::result::Error::QueryBuilderError)
        })
        .context("applying migrations failed")?;
    for version in applied {
        eprintln!("applied migration {version}");
    }
    Ok(())
}

/// Encoded rows a loader holds before it sends them: what bounds the seeder's memory,
/// whatever the scale and however large one tenant is.
const FLUSH_BYTES: usize = 4 << 20;

/// Generates and loads `todo` with `jobs` loaders. Each loader takes the next tenant,
/// simulates it period by period and streams it into its own transaction, sending a batch
/// of COPYs whenever [`FLUSH_BYTES`] are encoded: while one loader generates, the other
/// loaders' server backends are busy with their COPYs.
fn load(target: &Target, world: &World, todo: &[u32], jobs: usize) -> Result<SeedReport> {
    let started = Instant::now();
    let rows: [AtomicU64; 6] = Default::default();
    let next = AtomicUsize::new(0);
    let progress = ProgressBar::new(todo.len() as u64).with_style(
        ProgressStyle::with_template("{bar:30} {pos}/{len} tenants {msg} [{elapsed_precise}]")
            .expect("valid template"),
    );
    let first_error: Mutex<Option<anyhow::Error>> = Mutex::new(None);
    std::thread::scope(|scope| {
        for _ in 0..jobs.min(todo.len()) {
            scope.spawn(|| {
                let result = (|| -> Result<()> {
                    let mut conn = target.connect()?;
                    // A tenant's rows and its ledger row commit together, so a crash that
                    // forgets the last commits only makes the next run load those tenants
                    // again; not waiting for each WAL flush keeps small tenants cheap.
                    diesel::sql_query("SET synchronous_commit = off").execute(&mut conn)?;
                    while first_error.lock().expect("error lock").is_none() {
                        let Some(&no) = todo.get(next.fetch_add(1, Ordering::Relaxed)) else {
                            return Ok(());
                        };
                        let counts = load_tenant(&mut conn, world, no)?;
                        for (total, n) in rows.iter().zip(counts) {
                            total.fetch_add(n as u64, Ordering::Relaxed);
                        }
                        let total: u64 = rows.iter().map(|r| r.load(Ordering::Relaxed)).sum();
                        let rate = total as f64 / started.elapsed().as_secs_f64().max(1e-3);
                        progress.set_message(format!("{total} rows, {rate:.0} rows/s"));
                        progress.inc(1);
                    }
                    Ok(())
                })();
                if let Err(e) = result {
                    first_error.lock().expect("error lock").get_or_insert(e);
                }
            });
        }
    });
    progress.finish_and_clear();
    if let Some(e) = first_error.into_inner().expect("error lock") {
        return Err(e);
    }
    Ok(SeedReport {
        tenants: todo.len(),
        rows: rows.map(AtomicU64::into_inner),
        elapsed: started.elapsed(),
    })
}

/// Loads tenant `no` and its ledger row in one transaction; returns its rows per table.
fn load_tenant(conn: &mut PgConnection, world: &World, no: u32) -> Result<[usize; 6]> {
    let mut activity = world.sim.tenant(no);
    let tenant_id = activity.tenant().id.clone();
    conn.transaction(|conn| -> Result<[usize; 6]> {
        let mut buffers = TenantBuffers::default();
        let mut counts = [0; 6];
        for period in activity.by_ref() {
            buffers.add(&period);
            if buffers.bytes().iter().sum::<usize>() >= FLUSH_BYTES {
                buffers.flush(conn, &mut counts)?;
            }
        }
        buffers.flush(conn, &mut counts)?;
        ledger::record_tenant(conn, &world.fingerprint, no, &tenant_id, counts)?;
        Ok(counts)
    })
    .with_context(|| format!("loading tenant {tenant_id} failed"))
}

/// `--dry-run`: generate and encode, count, and print.
fn dry_run(world: &World) -> Result<SeedReport> {
    let mut rows = [0u64; 6];
    let mut bytes = [0u64; 6];
    let started = Instant::now();
    let mut tenants = 0;
    for no in world.sim.tenants(world.shard) {
        let mut buffers = TenantBuffers::default();
        for period in world.sim.tenant(no) {
            buffers.add(&period);
        }
        for i in 0..6 {
            rows[i] += buffers.rows()[i] as u64;
            bytes[i] += buffers.bytes()[i] as u64;
        }
        tenants += 1;
    }
    println!(
        "dry run: profile {}, seed {}, scale {}, shard {}: {tenants} tenants; nothing written",
        world.profile_label,
        world.sim.seed(),
        world.scale,
        world.shard
    );
    println!("{:<26} {:>12} {:>14}", "table", "rows", "bytes (COPY)");
    for (i, t) in Table::ALL.iter().enumerate() {
        println!("{:<26} {:>12} {:>14}", t.name(), rows[i], bytes[i]);
    }
    println!(
        "{:<26} {:>12} {:>14}",
        "total",
        rows.iter().sum::<u64>(),
        bytes.iter().sum::<u64>()
    );
    Ok(SeedReport {
        tenants,
        rows,
        elapsed: started.elapsed(),
    })
}

fn print_summary(report: &SeedReport) {
    let secs = report.elapsed.as_secs_f64().max(1e-6);
    println!("{:<26} {:>12}", "table", "rows");
    for (t, n) in Table::ALL.iter().zip(report.rows) {
        println!("{:<26} {:>12}", t.name(), n);
    }
    println!(
        "seeded {} tenants, {} rows in {:.2} s: {:.0} rows/s",
        report.tenants,
        report.total(),
        secs,
        report.total() as f64 / secs
    );
}
