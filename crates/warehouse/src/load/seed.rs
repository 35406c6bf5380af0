//! The seed run itself.

use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::error::{fail, Error, Result, Step};
use diesel::prelude::*;
use schema::PerTable;
use sim::ids::Table;
use sim::Shard;

use super::copy::TenantBuffers;
use super::{advance, bulk, guard, ledger};
use crate::progress::{Event, Observer};
use crate::target::{db_step, Target};
use crate::world::{World, WorldSpec};

/// What to seed, and where.
#[derive(Debug, Clone)]
pub struct SeedOptions {
    /// The warehouse (default: `DATABASE_URL`, or the local `penguinmails_dev`).
    pub database_url: Option<String>,
    /// Which world.
    pub world: WorldSpec,
    /// Loader connections (COPY streams) working side by side, 1 to 64 ([`default_jobs`]:
    /// one per core). The server's per-row work (the foreign-key check above all) is the
    /// bottleneck, so more streams than cores only add lock contention.
    pub jobs: u32,
    /// Empty the six tables (and the seed ledger) first. Without `confirm`, only a
    /// warehouse that holds nothing but what its ledger records, unchanged.
    pub reset: bool,
    /// With `reset`: the database's name, to delete what no seed recorded (rows added by
    /// hand or by a service, rows changed since they were seeded, a warehouse without a
    /// ledger) as well.
    pub confirm: Option<String>,
}

impl SeedOptions {
    /// `world` into the warehouse at `database_url`, with [`default_jobs`], no reset.
    pub fn new(database_url: Option<&str>, world: WorldSpec) -> Self {
        Self {
            database_url: database_url.map(str::to_owned),
            world,
            jobs: default_jobs(),
            reset: false,
            confirm: None,
        }
    }
}

/// One loader connection per core.
pub fn default_jobs() -> u32 {
    std::thread::available_parallelism().map_or(2, |n| n.get() as u32)
}

/// What a seed run did.
#[derive(Debug, Default, Clone, PartialEq)]
#[non_exhaustive]
pub struct SeedReport {
    /// Tenants loaded by this run.
    pub tenants: usize,
    /// Rows loaded by this run, per table.
    pub rows: PerTable<u64>,
    /// Wall time of the load.
    pub elapsed: Duration,
    /// Tenants another run of the same seed was loading when this one came to them.
    pub busy: Vec<u32>,
    /// Tenants another run of the same seed loaded.
    pub by_other: usize,
    /// Of `elapsed`, the time the bulk path spent building keys and indexes (zero on the
    /// transactional path).
    pub keys: Duration,
}

impl SeedReport {
    /// Rows of all tables.
    pub fn total(&self) -> u64 {
        self.rows.total()
    }
}

/// Seeds (or advances, or resumes, or resets and seeds) the warehouse, telling `observer`
/// what it does as it goes.
pub fn run(args: &SeedOptions, observer: &dyn Observer) -> Result<SeedReport> {
    // Every input is checked before anything is touched.
    if !(1..=64).contains(&args.jobs) {
        fail!(
            Invalid,
            "invalid jobs {}: from 1 to 64 loader connections",
            args.jobs
        );
    }
    let world = args.world.resolve()?;
    let target = Target::resolve(args.database_url.as_deref())?;
    let (mut conn, created) = target.connect_or_create()?;
    target.ensure_writable(&mut conn)?;
    if created {
        observer.event(&Event::CreatedDatabase {
            database: target.database().to_owned(),
        });
    }
    guard::run_settings(&mut conn).map_err(db_step("setting up the connection"))?;
    // Held until the process ends: shared by the runs of one seed, exclusive for a reset.
    guard::lock_warehouse(&mut conn, args.reset).map_err(db_step("locking the warehouse"))?;
    let holder = guard::backend_pid(&mut conn)?;
    // This connection may empty tables whose keys an interrupted bulk load left missing.
    diesel::sql_query(bulk::BYPASS).execute(&mut conn)?;
    migrate(&mut conn, observer)?;
    // A run that would take the bulk path, which Citus cannot run, is refused before it
    // deletes or loads anything (on Citus the migrations are in place before any seed, so
    // the step above changed nothing).
    if bulk::has_citus(&mut conn)? {
        let interrupted = bulk::warning(&mut conn)
            .map_err(db_step("checking the keys"))?
            .is_some();
        let nothing_loaded =
            args.reset || ledger::table_counts(&mut conn)?.values().all(|&n| n == 0);
        bulk::refuse_on_citus(true, world.shard, interrupted, nothing_loaded)?;
    }
    if args.reset {
        wait_for_killed_runs(&mut conn, observer)?;
        let removed = ledger::reset(&mut conn, target.database(), args.confirm.as_deref())
            .map_err(db_step("resetting the warehouse"))?;
        observer.event(&Event::Reset { removed });
    }
    let pending = bulk::warning(&mut conn).map_err(db_step("checking the keys"))?;
    if let (Some(warning), false) = (&pending, world.shard == Shard::ALL) {
        fail!(
            InterruptedBulkLoad,
            "{warning} (the whole seed, without --shard)"
        );
    }
    let (done, run_id) = ledger::begin(&mut conn, &world, target.database())
        .map_err(db_step("checking the ledger"))?;
    if args.reset {
        // Only once this run is recorded: a different seed that took the shared lock in
        // between would find the warehouse emptied under it.
        guard::share_warehouse(&mut conn)?;
    }
    let todo: Vec<u32> = world
        .sim
        .tenants(world.shard)
        .filter(|no| done.get(no) != Some(&world.as_of()))
        .collect();
    let already = world.sim.tenants(world.shard).count() - todo.len();
    let behind = todo.iter().filter_map(|no| done.get(no)).min();
    let Some(run_id) = run_id else {
        if pending.is_some() {
            if !guard::take_alone(&mut conn).map_err(db_step("locking the warehouse"))? {
                fail!(
                    Busy,
                    "another run of this seed is running: wait for it to finish, then run again"
                );
            }
            wait_for_killed_runs(&mut conn, observer)?;
            observer.event(&Event::RebuildingInterruptedKeys);
            bulk::rebuild_keys(&target, &mut conn, args.jobs as usize)?;
        }
        // The ledger check of `begin` found the warehouse complete and as recorded: a run
        // killed before it recorded its end (in its final check, say) is complete too.
        // (An empty shard of a warehouse nobody seeded yet has no ledger to check.)
        if ledger::present(&mut conn)? {
            ledger::verify(&mut conn, &world).map_err(db_step("verifying the warehouse"))?;
            for run in ledger::interrupted(&mut conn, &world)? {
                ledger::finish(&mut conn, run).map_err(db_step("recording the run"))?;
                observer.event(&Event::InterruptedRunFinished { run });
            }
        }
        ledger::advance_sequences(&mut conn).map_err(db_step("advancing the id sequences"))?;
        observer.event(&Event::NothingToDo {
            database: target.database().to_owned(),
            tenants: already,
            shard: world.shard.to_string(),
            as_of: world.as_of(),
            profile: world.profile_label.clone(),
            seed: world.sim.seed(),
        });
        return Ok(SeedReport::default());
    };
    if let Some(&from) = behind {
        observer.event(&Event::Advancing {
            from,
            to: world.as_of(),
            tenants: todo.len(),
        });
    } else if already > 0 {
        observer.event(&Event::Resuming {
            already,
            todo: todo.len(),
        });
    }
    // The bulk path: the whole seed into empty tables (or finishing one that did), with
    // no other run of it sharing the warehouse; otherwise tenant by tenant, keys in place.
    let bulk = bulk::takes_bulk_path(world.shard, pending.is_some(), done.is_empty())
        && guard::take_alone(&mut conn).map_err(db_step("locking the warehouse"))?;
    if pending.is_some() && !bulk {
        fail!(
            Busy,
            "another run of this seed is running: wait for it to finish, then run again"
        );
    }
    if bulk {
        wait_for_killed_runs(&mut conn, observer)?;
        bulk::drop_keys(&mut conn)?;
        observer.event(&Event::BulkKeysDropped);
    }
    let loader = Loader {
        target: &target,
        world: &world,
        run: run_id,
        holder,
        jobs: args.jobs as usize,
        bulk,
        observer,
    };
    let mut report = loader.load(&todo, false)?;
    if !report.busy.is_empty() {
        observer.event(&Event::WaitingForOtherRun {
            tenants: report.busy.len(),
        });
        let waited = loader.load(&std::mem::take(&mut report.busy), true)?;
        report.tenants += waited.tenants;
        report.by_other += waited.by_other;
        for table in Table::ALL {
            report.rows[table] += waited.rows[table];
        }
        report.elapsed += waited.elapsed;
    }
    if bulk {
        let started = Instant::now();
        bulk::rebuild_keys(&target, &mut conn, args.jobs as usize)?;
        report.keys = started.elapsed();
        report.elapsed += report.keys;
    }
    ledger::verify(&mut conn, &world).map_err(db_step("verifying the warehouse"))?;
    ledger::finish(&mut conn, run_id).map_err(db_step("recording the run"))?;
    if report.by_other > 0 {
        observer.event(&Event::LoadedByOtherRun {
            tenants: report.by_other,
        });
    }
    Ok(report)
}

/// Waits, saying so, for the backends of killed runs that are still working (a COPY or a
/// `CREATE INDEX` goes on after its client dies), so that nothing this run repairs is
/// raced by them. Call with the warehouse lock held exclusively.
fn wait_for_killed_runs(conn: &mut PgConnection, observer: &dyn Observer) -> Result<()> {
    let pids = guard::wait_for_workers(conn).map_err(db_step("waiting for a killed run"))?;
    if !pids.is_empty() {
        observer.event(&Event::WaitedForKilledRun { pids });
    }
    Ok(())
}

/// Applies pending migrations, one seeder at a time.
fn migrate(conn: &mut PgConnection, observer: &dyn Observer) -> Result<()> {
    let applied = conn
        .transaction(|conn| {
            ledger::lock(conn)?;
            schema::run_migrations(conn).map_err(diesel::result::Error::QueryBuilderError)
        })
        .step("applying migrations failed")?;
    for version in applied {
        observer.event(&Event::AppliedMigration {
            version: version.to_string(),
        });
    }
    Ok(())
}

/// What a loader needs to load tenants into the warehouse for a run.
struct Loader<'a> {
    target: &'a Target,
    world: &'a World,
    run: i64,
    /// The backend of the run's main connection, which holds its warehouse lock.
    holder: i32,
    jobs: usize,
    /// Loading into tables without keys: the write guard lets these connections through.
    bulk: bool,
    observer: &'a dyn Observer,
}

/// What became of one tenant.
enum Outcome {
    /// Loaded by this run: rows per table.
    Loaded(PerTable<usize>),
    /// Claimed by another run of the same seed right now.
    Busy,
    /// Loaded by another run of the same seed.
    Done,
}

impl Loader<'_> {
    /// Generates and loads `todo` with `jobs` loaders. Each loader takes the next tenant,
    /// simulates it period by period and streams it into its own transaction, sending a
    /// batch of COPYs whenever [`FLUSH_BYTES`] are encoded: while one loader generates, the
    /// other loaders' server backends are busy with their COPYs. With `wait`, a tenant that
    /// another run has claimed is waited for rather than skipped.
    fn load(&self, todo: &[u32], wait: bool) -> Result<SeedReport> {
        let started = Instant::now();
        let rows: PerTable<AtomicU64> = Default::default();
        let next = AtomicUsize::new(0);
        let by_other = AtomicUsize::new(0);
        let busy = Mutex::new(Vec::new());
        let done = AtomicU64::new(0);
        let first_error: Mutex<Option<Error>> = Mutex::new(None);
        std::thread::scope(|scope| {
            for _ in 0..self.jobs.min(todo.len()) {
                scope.spawn(|| {
                    let result = (|| -> Result<()> {
                        let mut conn = self.target.connect()?;
                        guard::join_run(&mut conn)?;
                        // A tenant's rows and its ledger row commit together, so a crash
                        // that forgets the last commits only makes the next run load those
                        // tenants again; not waiting for each WAL flush keeps small tenants
                        // cheap.
                        diesel::sql_query("SET synchronous_commit = off").execute(&mut conn)?;
                        if self.bulk {
                            diesel::sql_query(bulk::BYPASS).execute(&mut conn)?;
                        }
                        while first_error.lock().expect("error lock").is_none() {
                            let Some(&no) = todo.get(next.fetch_add(1, Ordering::Relaxed)) else {
                                return Ok(());
                            };
                            match self.load_tenant(&mut conn, no, wait)? {
                                Outcome::Loaded(counts) => {
                                    for (t, n) in counts {
                                        rows[t].fetch_add(n as u64, Ordering::Relaxed);
                                    }
                                }
                                Outcome::Busy => busy.lock().expect("busy lock").push(no),
                                Outcome::Done => {
                                    by_other.fetch_add(1, Ordering::Relaxed);
                                }
                            }
                            self.observer.event(&Event::Tenant {
                                done: done.fetch_add(1, Ordering::Relaxed) + 1,
                                total: todo.len() as u64,
                                rows: rows.values().map(|r| r.load(Ordering::Relaxed)).sum(),
                                elapsed: started.elapsed(),
                            });
                        }
                        Ok(())
                    })();
                    if let Err(e) = result {
                        first_error.lock().expect("error lock").get_or_insert(e);
                    }
                });
            }
        });
        if let Some(e) = first_error.into_inner().expect("error lock") {
            return Err(e);
        }
        let mut busy = busy.into_inner().expect("busy lock");
        busy.sort_unstable();
        let by_other = by_other.into_inner();
        Ok(SeedReport {
            tenants: todo.len() - busy.len() - by_other,
            rows: rows.map(AtomicU64::into_inner),
            elapsed: started.elapsed(),
            busy,
            by_other,
            keys: Duration::ZERO,
        })
    }

    /// Claims tenant `no` and, unless another run of the seed has it, loads it and its
    /// ledger row in one transaction.
    fn load_tenant(&self, conn: &mut PgConnection, no: u32, wait: bool) -> Result<Outcome> {
        let world = self.world;
        let activity = world.sim.tenant(no);
        let tenant_id = activity.tenant().id.clone();
        // READ COMMITTED whatever the role's default: the ledger is read after the claim's
        // lock wait, and must see what the run that held the claim committed.
        conn.build_transaction()
            .read_committed()
            .run(|conn| -> Result<Outcome> {
                if !guard::claim_tenant(conn, no, wait, self.holder)? {
                    return Ok(Outcome::Busy);
                }
                // Asked after the claim: a run that held it before has committed by now.
                let since = ledger::loaded_as_of(conn, &world.fingerprint, no)?;
                match since {
                    Some(day) if day == world.as_of() => return Ok(Outcome::Done),
                    Some(day) if day > world.as_of() => {
                        fail!(
                            Busy,
                            "another run moved it to {day}, after {}",
                            world.as_of()
                        )
                    }
                    _ => {}
                }
                // A tenant that had left by then is already final: only its day moves.
                if let (Some(day), Some(left)) = (since, activity.left_on()) {
                    if left <= day {
                        ledger::move_tenant(conn, self.run, &world.fingerprint, no, world.as_of())?;
                        return Ok(Outcome::Loaded(PerTable::default()));
                    }
                }
                if since.is_some() {
                    ledger::check_open_tenant(conn, &world.fingerprint, no)?;
                }
                let written = advance::write_tenant(conn, activity, since, world.as_of())?;
                ledger::record_tenant(
                    conn,
                    self.run,
                    &world.fingerprint,
                    no,
                    &tenant_id,
                    &written,
                    world.as_of(),
                )?;
                let counts = written.rows();
                Ok(Outcome::Loaded(counts))
            })
            .step_with(|| format!("loading tenant {tenant_id} failed"))
    }
}

/// What a seed would write, per table: generated and encoded, counted, and thrown away.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct DryRun {
    /// Tenants of the shard.
    pub tenants: usize,
    /// Rows per table.
    pub rows: PerTable<u64>,
    /// Bytes of binary COPY per table.
    pub bytes: PerTable<u64>,
}

/// What seeding `world` would write; connects to nothing.
pub fn dry_run(world: &WorldSpec) -> Result<DryRun> {
    let world = world.resolve()?;
    let mut rows = PerTable::<u64>::default();
    let mut bytes = PerTable::<u64>::default();
    let mut tenants = 0;
    for no in world.sim.tenants(world.shard) {
        // One period encoded at a time, as a loader holds at most a flush of them: the
        // dry run's memory is the seed's, not a whole tenant's encoded rows.
        for period in world.sim.tenant(no) {
            let mut buffers = TenantBuffers::default();
            buffers.add(&period);
            let (counted, encoded) = (buffers.rows(), buffers.bytes());
            for table in Table::ALL {
                rows[table] += counted[table] as u64;
                bytes[table] += encoded[table] as u64;
            }
        }
        tenants += 1;
    }
    Ok(DryRun {
        tenants,
        rows,
        bytes,
    })
}
