//! What a seed tells as it goes, as values: the library never prints. A caller passes an
//! [`Observer`]; `cargo xtask` prints each [`Event`] on standard error (its `Display` is
//! the command line's message) and draws [`Event::Tenant`] as a progress bar. `&()`
//! observes nothing, for a service's tests that want quiet output.

use std::fmt;
use std::time::Duration;

use chrono::NaiveDate;

/// Receives a run's events, from the loader threads as well: hence `Sync`.
pub trait Observer: Sync {
    /// Called for each event, in the order they happen (tenant events of different loader
    /// threads interleave).
    fn event(&self, event: &Event);
}

/// Observes nothing.
impl Observer for () {
    fn event(&self, _: &Event) {}
}

/// Something a seed did or found, worth telling whoever runs it.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum Event {
    /// The database did not exist and was created.
    CreatedDatabase {
        /// Its name.
        database: String,
    },
    /// A migration was applied.
    AppliedMigration {
        /// Its version.
        version: String,
    },
    /// `--reset` removed these rows, per table in foreign-key order.
    Reset {
        /// Rows removed, per table.
        removed: schema::PerTable<i64>,
    },
    /// The run waited for the backends of a killed run to end before repairing anything.
    WaitedForKilledRun {
        /// Their process ids.
        pids: Vec<i32>,
    },
    /// Every tenant was in, but an interrupted bulk load left keys to rebuild.
    RebuildingInterruptedKeys,
    /// A run killed before it recorded its end was found complete, and recorded so.
    InterruptedRunFinished {
        /// Its id in the ledger.
        run: i64,
    },
    /// The warehouse already holds the whole seed (or shard) as of its day.
    NothingToDo {
        /// The database.
        database: String,
        /// Tenants of the shard, all loaded.
        tenants: usize,
        /// The shard (`I/N`).
        shard: String,
        /// The day they stand at.
        as_of: NaiveDate,
        /// The profile, as given.
        profile: String,
        /// The seed.
        seed: u64,
    },
    /// Tenants held as of an earlier day are brought forward.
    Advancing {
        /// The earliest day among them.
        from: NaiveDate,
        /// The day they are brought to.
        to: NaiveDate,
        /// Tenants to bring forward or add.
        tenants: usize,
    },
    /// An interrupted run of the same seed is resumed.
    Resuming {
        /// Tenants already loaded.
        already: usize,
        /// Tenants left to load.
        todo: usize,
    },
    /// The bulk path dropped the keys and loads the heap.
    BulkKeysDropped,
    /// A tenant was loaded (or found loaded by another run): `done` of `total`.
    Tenant {
        /// Tenants finished so far in this pass.
        done: u64,
        /// Tenants of this pass.
        total: u64,
        /// Rows this pass has loaded so far.
        rows: u64,
        /// Time since this pass began.
        elapsed: Duration,
    },
    /// This many tenants were being loaded by another run of the same seed: waited for.
    WaitingForOtherRun {
        /// How many.
        tenants: usize,
    },
    /// This many tenants were loaded by another run of the same seed.
    LoadedByOtherRun {
        /// How many.
        tenants: usize,
    },
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::CreatedDatabase { database } => write!(f, "created database {database}"),
            Event::AppliedMigration { version } => write!(f, "applied migration {version}"),
            Event::Reset { removed } => {
                let listed: Vec<String> = removed
                    .iter()
                    .map(|(t, n)| format!("{n} {}", t.name()))
                    .collect();
                write!(
                    f,
                    "reset: removed {} rows ({})",
                    removed.total(),
                    listed.join(", ")
                )
            }
            Event::WaitedForKilledRun { pids } => {
                let pids: Vec<String> = pids.iter().map(i32::to_string).collect();
                write!(
                    f,
                    "waited for {} backends of an interrupted run to end (pids {})",
                    pids.len(),
                    pids.join(", ")
                )
            }
            Event::RebuildingInterruptedKeys => f.write_str(
                "every tenant is loaded: rebuilding the keys of the interrupted bulk load",
            ),
            Event::InterruptedRunFinished { run } => write!(
                f,
                "run {run}, interrupted before it recorded its end, is complete: recorded as finished"
            ),
            Event::NothingToDo {
                database,
                tenants,
                shard,
                as_of,
                profile,
                seed,
            } => write!(
                f,
                "nothing to do: {database} already holds this seed's {tenants} tenants of shard \
                 {shard} as of {as_of} (profile {profile}, seed {seed})"
            ),
            Event::Advancing { from, to, tenants } => write!(
                f,
                "advancing from {from} to {to}: {tenants} tenants to bring forward or add"
            ),
            Event::Resuming { already, todo } => write!(
                f,
                "resuming: {already} tenants already loaded, {todo} to go"
            ),
            Event::BulkKeysDropped => f.write_str("bulk load: keys dropped, loading the heap"),
            Event::Tenant {
                done,
                total,
                rows,
                elapsed,
            } => {
                let rate = *rows as f64 / elapsed.as_secs_f64().max(1e-3);
                write!(f, "{done}/{total} tenants, {rows} rows, {rate:.0} rows/s")
            }
            Event::WaitingForOtherRun { tenants } => write!(
                f,
                "waiting for {tenants} tenants that another run of this seed is loading"
            ),
            Event::LoadedByOtherRun { tenants } => write!(
                f,
                "{tenants} tenants of this shard were loaded by another run of the same seed"
            ),
        }
    }
}
