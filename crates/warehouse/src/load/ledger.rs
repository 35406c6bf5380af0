//! The seed ledger: what was seeded, kept in the warehouse outside the six tables
//! (schema `pm_seed`).
//!
//! `pm_seed.runs` records each seed run (profile, seed, scale, shard, tool version, rows
//! per table, start and finish). `pm_seed.written` keeps what each run wrote for each
//! tenant (rows inserted or re-aggregated), so an advance does not erase what the runs
//! before it loaded. `pm_seed.tenants` records each loaded tenant and is
//! written in the same transaction as the tenant's rows, with the run that loaded it and
//! its [`Checksum`](super::checksum::Checksum), so it is exactly what the warehouse holds: a killed run is resumed by
//! skipping the tenants listed there, and a warehouse changed behind the ledger's back is
//! noticed by comparing checksums.
//!
//! Each tenant's row also keeps the checksum of its periods still open on its day: those
//! are what the next advance writes over, so that advance checks them alone before it
//! starts, through the `billing_id` indexes, and the whole warehouse once it is done.
//!
//! Both record the as-of day: a run's target, and the day each tenant's rows stand at. A
//! later run of the same seed at a later day advances each tenant from its own as-of day,
//! so shards (and killed runs) move forward independently.

use std::collections::HashMap;

use chrono::NaiveDate;

use crate::error::{fail, refuse, Error, Result};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Date, Double, Integer, Nullable, Text, Timestamptz};
use sim::ids::Table;

use super::advance::Written;
use super::checksum::{self, ledger_array, Mismatch};
use super::guard;
use crate::world::World;
use schema::cached::{Cached, Value};
use schema::PerTable;

/// Serialises ledger set-up, checks and resets between concurrent seeders.
const LOCK_KEY: i64 = 0x0050_454e_4755_494e; // "PENGUIN"

const DDL: &str = "
CREATE SCHEMA IF NOT EXISTS pm_seed;
CREATE TABLE IF NOT EXISTS pm_seed.runs (
    id           BIGSERIAL PRIMARY KEY,
    fingerprint  TEXT NOT NULL,
    profile      TEXT NOT NULL,
    seed         TEXT NOT NULL,
    scale        DOUBLE PRECISION NOT NULL,
    shard        TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    started_at   TIMESTAMPTZ NOT NULL,
    finished_at  TIMESTAMPTZ,
    pid          INTEGER NOT NULL,
    as_of        DATE NOT NULL
);
COMMENT ON TABLE pm_seed.runs IS 'cargo xtask seed runs; pid: the backend holding the warehouse lock for the run';
CREATE TABLE IF NOT EXISTS pm_seed.tenants (
    fingerprint TEXT NOT NULL,
    tenant_no   INTEGER NOT NULL,
    tenant_id   TEXT NOT NULL,
    rows        BIGINT[] NOT NULL,
    id_sums     BIGINT[] NOT NULL,
    sent_sums   BIGINT[] NOT NULL,
    run_id      BIGINT NOT NULL,
    as_of       DATE NOT NULL,
    open_rows      BIGINT[],
    open_id_sums   BIGINT[],
    open_sent_sums BIGINT[],
    open_since     DATE,
    hashes         BIGINT[],
    open_hashes    BIGINT[],
    chain_hashes   BIGINT[],
    open_chain_hashes BIGINT[],
    PRIMARY KEY (fingerprint, tenant_no)
);
ALTER TABLE pm_seed.tenants ADD COLUMN IF NOT EXISTS open_rows BIGINT[],
    ADD COLUMN IF NOT EXISTS open_id_sums BIGINT[], ADD COLUMN IF NOT EXISTS open_sent_sums BIGINT[],
    ADD COLUMN IF NOT EXISTS open_since DATE, ADD COLUMN IF NOT EXISTS hashes BIGINT[],
    ADD COLUMN IF NOT EXISTS open_hashes BIGINT[], ADD COLUMN IF NOT EXISTS chain_hashes BIGINT[],
    ADD COLUMN IF NOT EXISTS open_chain_hashes BIGINT[];
COMMENT ON TABLE pm_seed.tenants IS 'tenants loaded by cargo xtask seed, written in the tenant''s own transaction; per table (billing, campaign, sequence_step, lead, mailbox, warmup): rows, sum of id mod 1e9, sum of sent (emails_sent), exclusive or of every row''s chained column hashes (chain_hashes; null: not recorded; hashes, of hash_record_extended(row, 0), written by xtask 0.2 and older, is no longer written); as_of: the day the tenant''s rows stand at; open_*: the same of the periods still open on open_since, which an advance may overwrite (null: not recorded)';
CREATE TABLE IF NOT EXISTS pm_seed.written (
    run_id      BIGINT NOT NULL,
    tenant_no   INTEGER NOT NULL,
    rows        BIGINT[] NOT NULL,
    PRIMARY KEY (run_id, tenant_no)
);
COMMENT ON TABLE pm_seed.written IS 'what each run wrote, per tenant, in the tenant''s own transaction: rows inserted or re-aggregated per table (billing, campaign, sequence_step, lead, mailbox, warmup)';
";

/// Takes the ledger lock for the current transaction.
pub fn lock(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LOCK_KEY})")).execute(conn)?;
    Ok(())
}

/// Whether the ledger exists; refuses one written by an older xtask, without checksums or
/// as-of days.
fn exists(conn: &mut PgConnection) -> Result<bool> {
    #[derive(QueryableByName)]
    struct State {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ledger: bool,
        #[diesel(sql_type = diesel::sql_types::Bool)]
        current: bool,
    }
    let state = diesel::sql_query(
        "SELECT to_regclass('pm_seed.tenants') IS NOT NULL AS ledger, \
         to_regclass('pm_seed.written') IS NOT NULL AS current",
    )
    .get_result::<State>(conn)?;
    if state.ledger && !state.current {
        refuse!(
            OldLedger,
            "the seed ledger (pm_seed) was written by an older xtask, without what each run \
             wrote: run again with --reset"
        );
    }
    Ok(state.ledger)
}

/// Whether the warehouse has a seed ledger (refusing one written by an older xtask).
pub fn present(conn: &mut PgConnection) -> Result<bool> {
    exists(conn)
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

#[derive(QueryableByName)]
struct Other {
    #[diesel(sql_type = Text)]
    profile: String,
    #[diesel(sql_type = Text)]
    seed: String,
    #[diesel(sql_type = Double)]
    scale: f64,
}

/// Rows per table of the six tables.
pub fn table_counts(conn: &mut PgConnection) -> QueryResult<PerTable<i64>> {
    PerTable::try_from_fn(|t| {
        Ok(
            diesel::sql_query(format!("SELECT count(*) AS n FROM {}", t.name()))
                .get_result::<Count>(conn)?
                .n,
        )
    })
}

/// Checks, under the ledger lock, that the warehouse holds nothing but earlier parts of
/// this same seed, exactly as the ledger recorded them; then, unless the shard is complete
/// already, creates the ledger if needed and records the start of a run. A refusal writes
/// nothing. Returns the tenants already loaded, with the day each stands at, and the run's
/// id (`None`: nothing to do). A warehouse only moves forward: a tenant of the shard
/// already past the run's as-of day is refused.
pub fn begin(
    conn: &mut PgConnection,
    world: &World,
    database: &str,
) -> Result<(Loaded, Option<i64>)> {
    // The lock is taken before the transaction starts, so that its snapshot (one for the
    // ledger and the tables, though other shards commit meanwhile) sees every seeder that
    // held the lock before.
    diesel::sql_query(format!("SELECT pg_advisory_lock({LOCK_KEY})")).execute(conn)?;
    let checked = check_and_start(conn, world, database);
    diesel::sql_query(format!("SELECT pg_advisory_unlock({LOCK_KEY})")).execute(conn)?;
    checked
}

fn check_and_start(
    conn: &mut PgConnection,
    world: &World,
    database: &str,
) -> Result<(Loaded, Option<i64>)> {
    conn.build_transaction().repeatable_read().run(|conn| {
        let ledger = exists(conn)?;
        let others: Vec<Other> = if !ledger {
            Vec::new()
        } else {
            diesel::sql_query(
            "SELECT profile, seed, scale FROM pm_seed.runs WHERE fingerprint <> $1 \
             UNION SELECT r.profile, r.seed, r.scale FROM pm_seed.tenants t JOIN pm_seed.runs r USING (fingerprint) \
             WHERE t.fingerprint <> $1 LIMIT 1",
        )
            .bind::<Text, _>(&world.fingerprint)
            .load(conn)?
        };
        if let Some(o) = others.first() {
            if let Some(seed) = guard::running_seed(conn, Some(&world.fingerprint))? {
                fail!(
Busy,
                    "another seed ({seed}) is running on this warehouse: wait for it to \
                     finish, then run again (with --reset to replace it)"
                );
            }
            refuse!(
AnotherSeed,
                "the warehouse holds another seed (profile {}, seed {}, scale {}): \
                 run again with --reset to replace it",
                o.profile,
                o.seed,
                o.scale
            );
        }
        if ledger {
            refuse_another_day(conn, world)?;
        }
        let loaded = if ledger {
            loaded(conn, &world.fingerprint)?
        } else {
            Loaded::new()
        };
        let later = world
            .sim
            .tenants(world.shard)
            .filter_map(|no| loaded.get(&no).copied())
            .filter(|&day| day > world.as_of())
            .max();
        if let Some(later) = later {
            refuse!(
BackInTime,
                "the warehouse holds this seed as of {later}, after {}: a warehouse only moves \
                 forward in time; run again with a later --as-of, or with --reset to seed anew",
                world.as_of()
            );
        }
        // An advance writes over the periods that were open on the tenants' days, and
        // only inserts elsewhere: checking those periods before is what keeps it from
        // writing over a change, and the whole warehouse is checked after it
        // ([`verify`]). Anything else is checked whole now.
        let advancing = world
            .sim
            .tenants(world.shard)
            .any(|no| loaded.get(&no).is_some_and(|&day| day < world.as_of()));
        let open = if advancing { compare_open(conn)? } else { None };
        let mismatch = match open {
            Some(open) => open,
            None => compare_in(conn, ledger)?.mismatch,
        };
        if !mismatch.is_empty() {
            // No reset is safe here: it would delete rows nobody can seed again.
            if loaded.is_empty() {
                refuse!(
UnrecordedRows,
                    "the warehouse holds rows no seed recorded ({mismatch}): this seed loads only \
                     into a warehouse that holds nothing else; to delete those rows and seed anew, \
                     run again with --reset --confirm {database}"
                );
            }
            return Err(mismatch.tampered(format!(
                "the warehouse no longer holds what its seed ledger records ({mismatch} differ): \
                 see `cargo xtask status --verify`; to delete the six tables' rows and seed anew, \
                 run again with --reset --confirm {database}"
            )));
        }
        let complete = world
            .sim
            .tenants(world.shard)
            .all(|no| loaded.get(&no) == Some(&world.as_of()));
        if complete {
            return Ok((loaded, None));
        }
        conn.batch_execute(DDL)?;
        let run: i64 = diesel::sql_query(
            // The next id after the largest, under the ledger lock, rather than the
            // sequence's: a crash can set a sequence back (its increments are logged
            // ahead, and a database cloned from a template copies it as it was), and
            // an id handed out twice would fail the run on `runs_pkey`.
            "INSERT INTO pm_seed.runs (id, fingerprint, profile, seed, scale, shard, tool_version, started_at, pid, as_of) \
             VALUES ((SELECT coalesce(max(id), 0) + 1 FROM pm_seed.runs), $1, $2, $3, $4, $5, $6, now(), pg_backend_pid(), $7) \
             RETURNING id AS n",
        )
        .bind::<Text, _>(&world.fingerprint)
        .bind::<Text, _>(&world.profile_label)
        .bind::<Text, _>(world.sim.seed().to_string())
        .bind::<Double, _>(world.scale)
        .bind::<Text, _>(world.shard.to_string())
        .bind::<Text, _>(env!("CARGO_PKG_VERSION"))
        .bind::<Date, _>(world.as_of())
        .get_result::<Count>(conn)?
        .n;
        Ok((loaded, Some(run)))
    })
}

/// Refuses a run while another run of the same seed, still holding the warehouse lock,
/// moves the warehouse to another day: each would find the other's tenants at a day it
/// did not expect.
fn refuse_another_day(conn: &mut PgConnection, world: &World) -> Result<()> {
    #[derive(QueryableByName)]
    struct Moving {
        #[diesel(sql_type = BigInt)]
        id: i64,
        #[diesel(sql_type = Date)]
        as_of: NaiveDate,
    }
    let moving: Vec<Moving> = diesel::sql_query(format!(
        "SELECT id, as_of FROM pm_seed.runs WHERE fingerprint = $1 AND finished_at IS NULL \
         AND as_of <> $2 AND pid IN ({}) ORDER BY id LIMIT 1",
        guard::warehouse_holders()
    ))
    .bind::<Text, _>(&world.fingerprint)
    .bind::<Date, _>(world.as_of())
    .load(conn)?;
    if let Some(m) = moving.first() {
        fail!(
            Busy,
            "another run of this seed (run {}) is moving the warehouse to {}: wait for it to \
             finish, then run again for {}",
            m.id,
            m.as_of,
            world.as_of()
        );
    }
    Ok(())
}

/// Unfinished runs of `fingerprint` as of `world`'s day, of its shard (of any shard when
/// it is the whole seed), whose session no longer holds the warehouse lock: killed
/// before they recorded their end. Called once the warehouse is known to hold that shard
/// complete and as recorded, which is all such a run had left to check.
pub fn interrupted(conn: &mut PgConnection, world: &World) -> QueryResult<Vec<i64>> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let ids: Vec<Id> = diesel::sql_query(format!(
        "SELECT id FROM pm_seed.runs WHERE fingerprint = $1 AND finished_at IS NULL \
         AND as_of = $2 AND ($3 = '1/1' OR shard = $3) AND pid NOT IN ({}) ORDER BY id",
        guard::warehouse_holders()
    ))
    .bind::<Text, _>(&world.fingerprint)
    .bind::<Date, _>(world.as_of())
    .bind::<Text, _>(world.shard.to_string())
    .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

/// What [`compare`] found in one snapshot.
pub struct Compared {
    /// Where the six tables differ from the ledger's checksums (all of them, when there
    /// is no ledger).
    pub mismatch: Mismatch,
    /// The rows of each table, as the checksums counted them.
    pub rows: PerTable<i64>,
}

/// Compares the six tables with the ledger in one consistent snapshot; the same pass
/// counts their rows.
pub fn compare(conn: &mut PgConnection) -> Result<Compared> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| {
            let ledger = exists(conn)?;
            compare_in(conn, ledger)
        })
}

fn compare_in(conn: &mut PgConnection, ledger: bool) -> Result<Compared> {
    let recorded = if ledger {
        checksum::ledger(conn)?
    } else {
        Default::default()
    };
    if let Some(expected) = checksum::totals_of(&recorded) {
        let found = checksum::totals(conn, None)?;
        if found == expected {
            return Ok(Compared {
                mismatch: Mismatch::default(),
                rows: found.map(|(rows, _)| rows),
            });
        }
    }
    let found = checksum::warehouse(conn)?;
    let rows = PerTable::from_fn(|t| found.values().map(|c| c.rows[t]).sum());
    Ok(Compared {
        mismatch: Mismatch::between(&recorded, &found),
        rows,
    })
}

/// Where the periods open on the tenants' `open_since` days differ from the ledger's
/// checksums of them; `None` when the ledger did not record those (an older xtask's).
fn compare_open(conn: &mut PgConnection) -> Result<Option<Mismatch>> {
    #[derive(QueryableByName)]
    struct Recorded {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        open: bool,
    }
    let recorded = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_schema = 'pm_seed' \
         AND table_name = 'tenants' AND column_name = 'open_since') AS open",
    )
    .get_result::<Recorded>(conn)?;
    if !recorded.open {
        return Ok(None);
    }
    let Some(recorded) = checksum::ledger_open(conn)? else {
        return Ok(None);
    };
    let open = checksum::open_periods(conn)?;
    if let Some(expected) = checksum::totals_of(&recorded) {
        if checksum::totals(conn, Some(&open))? == expected {
            return Ok(Some(Mismatch::default()));
        }
    }
    let found = checksum::warehouse_open(conn, &open)?;
    Ok(Some(Mismatch::between(&recorded, &found)))
}

/// Before a seed reports success: every tenant of its shard is recorded, and the tables
/// hold exactly what the ledger records. Otherwise says what is missing or different.
pub fn verify(conn: &mut PgConnection, world: &World) -> Result<()> {
    let (missing, mismatch) =
        conn.build_transaction()
            .repeatable_read()
            .read_only()
            .run(|conn| -> Result<_> {
                let loaded = loaded(conn, &world.fingerprint)?;
                let missing: Vec<u32> = world
                    .sim
                    .tenants(world.shard)
                    .filter(|no| loaded.get(no) != Some(&world.as_of()))
                    .collect();
                Ok((missing, compare_in(conn, true)?.mismatch))
            })?;
    let mut problems = Vec::new();
    if !missing.is_empty() {
        problems.push(format!(
            "{} tenants of shard {} are not in the ledger as of {} ({})",
            missing.len(),
            world.shard,
            world.as_of(),
            checksum::list_tenants(&missing)
        ));
    }
    if !mismatch.is_empty() {
        problems.push(format!("the tables differ from the ledger in {mismatch}"));
    }
    if let Some(warning) = super::bulk::warning(conn)? {
        problems.push(warning);
    }
    if !problems.is_empty() {
        let message = format!(
            "the warehouse does not hold this seed after loading: {}; someone changed it \
             behind the ledger's back, during this run or (in a month an advance leaves as \
             it is) before it (see `cargo xtask status --verify`): run again, or with --reset",
            problems.join("; ")
        );
        return Err(match mismatch.is_empty() {
            true => Error::Other(message),
            false => mismatch.tampered(message),
        });
    }
    Ok(())
}

/// In the transaction of an advance of tenant `no`, before it writes: the rows of the
/// periods the tenant had open on its day still hold what the ledger recorded of them,
/// and are locked against other writers until the transaction ends. So a change made by
/// anyone before this moment is refused, never written over, and one tried after it
/// waits for the advance to commit (and is then found by the check after the run).
pub fn check_open_tenant(conn: &mut PgConnection, fingerprint: &str, no: u32) -> Result<()> {
    let Some(recorded) = checksum::ledger_open_tenant(conn, fingerprint, no)? else {
        return Ok(());
    };
    let found = checksum::tenant_open_locked(conn, fingerprint, no)?;
    let mismatch = Mismatch::between(
        &std::collections::BTreeMap::from([(no, recorded)]),
        &std::collections::BTreeMap::from([(no, found)]),
    );
    if !mismatch.is_empty() {
        return Err(mismatch.tampered(format!(
            "{} was changed behind the ledger's back before this run reached it ({mismatch} \
             differ in the periods it would write over): nothing of it was written over; see \
             `cargo xtask status --verify`",
            sim::ids::tenant_id(no)
        )));
    }
    Ok(())
}

/// Loaded tenants by number, with the as-of day their rows stand at.
pub type Loaded = HashMap<u32, NaiveDate>;

#[derive(QueryableByName)]
struct TenantDay {
    #[diesel(sql_type = Integer)]
    tenant_no: i32,
    #[diesel(sql_type = Date)]
    as_of: NaiveDate,
}

/// The tenants of `fingerprint` already loaded, and the day each stands at.
pub fn loaded(conn: &mut PgConnection, fingerprint: &str) -> QueryResult<Loaded> {
    let tenants: Vec<TenantDay> =
        diesel::sql_query("SELECT tenant_no, as_of FROM pm_seed.tenants WHERE fingerprint = $1")
            .bind::<Text, _>(fingerprint)
            .load(conn)?;
    Ok(tenants
        .iter()
        .map(|t| (t.tenant_no as u32, t.as_of))
        .collect())
}

/// The day tenant `no` of `fingerprint` stands at, if it is loaded, as of now (not of the
/// transaction's start, under the default isolation): asked after claiming the tenant.
pub fn loaded_as_of(
    conn: &mut PgConnection,
    fingerprint: &str,
    no: u32,
) -> QueryResult<Option<NaiveDate>> {
    let found: Vec<TenantDay> = Cached::new(
        "SELECT tenant_no, as_of FROM pm_seed.tenants WHERE fingerprint = $1 AND tenant_no = $2",
        vec![Value::Text(fingerprint.to_owned()), Value::Int4(no as i32)],
    )
    .load(conn)?;
    Ok(found.first().map(|t| t.as_of))
}

/// Records a loaded (or advanced) tenant, its checksum and the day it stands at; call
/// inside the tenant's transaction.
pub fn record_tenant(
    conn: &mut PgConnection,
    run: i64,
    fingerprint: &str,
    no: u32,
    tenant_id: &str,
    written: &Written,
    as_of: NaiveDate,
) -> QueryResult<()> {
    let (sum, open) = (&written.sum, &written.open);
    Cached::new(
        "WITH w AS (INSERT INTO pm_seed.written (run_id, tenant_no, rows) VALUES ($7, $2, $9)) \
         INSERT INTO pm_seed.tenants (fingerprint, tenant_no, tenant_id, rows, id_sums, sent_sums, run_id, as_of, \
         open_rows, open_id_sums, open_sent_sums, open_since, hashes, open_hashes, chain_hashes, open_chain_hashes) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $10, $11, $12, $8, NULL, NULL, $13, $14) ON CONFLICT (fingerprint, tenant_no) DO UPDATE SET \
         rows = EXCLUDED.rows, id_sums = EXCLUDED.id_sums, sent_sums = EXCLUDED.sent_sums, \
         run_id = EXCLUDED.run_id, as_of = EXCLUDED.as_of, open_rows = EXCLUDED.open_rows, \
         open_id_sums = EXCLUDED.open_id_sums, open_sent_sums = EXCLUDED.open_sent_sums, \
         open_since = EXCLUDED.open_since, hashes = NULL, open_hashes = NULL, \
         chain_hashes = EXCLUDED.chain_hashes, open_chain_hashes = EXCLUDED.open_chain_hashes",
        vec![
            Value::Text(fingerprint.to_owned()),
            Value::Int4(no as i32),
            Value::Text(tenant_id.to_owned()),
            Value::Int8s(ledger_array(&sum.rows)),
            Value::Int8s(ledger_array(&sum.ids)),
            Value::Int8s(ledger_array(&sum.sent)),
            Value::Int8(run),
            Value::Date(as_of),
            Value::Int8s(ledger_array(&written.rows().map(|n| n as i64))),
            Value::Int8s(ledger_array(&open.rows)),
            Value::Int8s(ledger_array(&open.ids)),
            Value::Int8s(ledger_array(&open.sent)),
            Value::Int8s(ledger_array(&sum.hashes.unwrap_or_default())),
            Value::Int8s(ledger_array(&open.hashes.unwrap_or_default())),
        ],
    )
    .execute(conn)?;
    Ok(())
}

/// Moves a tenant whose rows did not change to the day `as_of`, for run `run` (which
/// wrote none of them); call inside the tenant's transaction. Its open periods stay
/// those of the day it was written (`open_since`): their rows are still the same.
pub fn move_tenant(
    conn: &mut PgConnection,
    run: i64,
    fingerprint: &str,
    no: u32,
    as_of: NaiveDate,
) -> QueryResult<()> {
    Cached::new(
        "WITH w AS (INSERT INTO pm_seed.written (run_id, tenant_no, rows) \
         VALUES ($1, $3, '{0,0,0,0,0,0}')) \
         UPDATE pm_seed.tenants SET as_of = $4, run_id = $1 WHERE fingerprint = $2 AND tenant_no = $3",
        vec![
            Value::Int8(run),
            Value::Text(fingerprint.to_owned()),
            Value::Int4(no as i32),
            Value::Date(as_of),
        ],
    )
    .execute(conn)?;
    Ok(())
}

/// Records the end of a run, and moves the identity sequences past the seeded ids so that
/// later inserts by services do not collide with them.
pub fn finish(conn: &mut PgConnection, run: i64) -> QueryResult<()> {
    conn.transaction(|conn| {
        advance_sequences(conn)?;
        diesel::sql_query("UPDATE pm_seed.runs SET finished_at = now() WHERE id = $1")
            .bind::<BigInt, _>(run)
            .execute(conn)?;
        Ok(())
    })
}

/// Moves each table's identity sequence past the largest id, so that rows inserted later
/// by services get fresh ids. Idempotent: also run by a seed that finds nothing to do,
/// in case the run that loaded the last tenant was killed before it finished.
pub fn advance_sequences(conn: &mut PgConnection) -> QueryResult<()> {
    conn.transaction(|conn| {
        lock(conn)?;
        for t in Table::ALL {
            let name = t.name();
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{name}', 'id'), \
                 greatest((SELECT max(id) FROM {name}), 1)) AS n"
            ))
            .execute(conn)?;
        }
        Ok(())
    })
}

/// Empties the six tables and drops the ledger (the next run creates it afresh, in its
/// current form); returns the rows removed per table.
///
/// Without `confirm`, only what a seed can give back: a warehouse whose ledger records
/// every row and whose checksums still match (or one with no rows). Anything else (rows
/// no seed recorded, rows changed since, no ledger at all) is deleted only when `confirm`
/// names `database`; otherwise nothing is, and the refusal says what would be lost.
pub fn reset(
    conn: &mut PgConnection,
    database: &str,
    confirm: Option<&str>,
) -> Result<PerTable<i64>> {
    conn.transaction(|conn| {
        lock(conn)?;
        let counts = table_counts(conn)?;
        match confirm {
            Some(name) if name == database => {}
            Some(name) => fail!(
Invalid,
                "--confirm {name} does not name this warehouse's database ({database}): nothing was deleted"
            ),
            None => {
                if let Some(lost) = not_seeded(conn, &counts)? {
                    let listed: Vec<String> = counts
                        .iter()
                        .filter(|(_, &n)| n > 0)
                        .map(|(t, n)| format!("{n} {}", t.name()))
                        .collect();
                    refuse!(
UnrecordedRows,
                        "--reset would delete {lost}, with every row of the six tables ({}); \
                         nothing was deleted: to delete them all the same, run again with \
                         --reset --confirm {database}",
                        listed.join(", ")
                    );
                }
            }
        }
        let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
        diesel::sql_query(format!("TRUNCATE {} RESTART IDENTITY", names.join(", ")))
            .execute(conn)?;
        // No "does not exist, skipping" notices when there is no ledger.
        conn.batch_execute(
            "SET LOCAL client_min_messages = warning; \
             DROP TABLE IF EXISTS pm_seed.runs, pm_seed.tenants, pm_seed.written",
        )?;
        Ok(counts)
    })
}

/// What of the six tables no seed could load again, if anything: `None` when they are
/// empty, or hold exactly what the ledger records.
fn not_seeded(conn: &mut PgConnection, counts: &PerTable<i64>) -> Result<Option<String>> {
    if counts.values().all(|&n| n == 0) {
        return Ok(None);
    }
    if !exists(conn)? {
        return Ok(Some(
            "rows no seed recorded (there is no seed ledger)".to_owned(),
        ));
    }
    let mismatch = compare_in(conn, true)?.mismatch;
    Ok((!mismatch.is_empty())
        .then(|| format!("rows that differ from what the seed ledger records ({mismatch})")))
}

/// A row of `pm_seed.runs`, for `cargo xtask status`.
#[derive(QueryableByName, Debug)]
pub struct RunRecord {
    /// Run id.
    #[diesel(sql_type = BigInt)]
    pub id: i64,
    /// Profile as given.
    #[diesel(sql_type = Text)]
    pub profile: String,
    /// Seed.
    #[diesel(sql_type = Text)]
    pub seed: String,
    /// Scale.
    #[diesel(sql_type = Double)]
    pub scale: f64,
    /// Shard `I/N`.
    #[diesel(sql_type = Text)]
    pub shard: String,
    /// xtask version.
    #[diesel(sql_type = Text)]
    pub tool_version: String,
    /// The day the run seeded (or advanced) to.
    #[diesel(sql_type = Date)]
    pub as_of: NaiveDate,
    /// Start.
    #[diesel(sql_type = Timestamptz)]
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Finish, if it finished.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Tenants the run loaded or advanced (also if it was interrupted).
    #[diesel(sql_type = Integer)]
    pub tenants: i32,
    /// Rows the run wrote, per table: inserted, or re-aggregated by an advance.
    #[diesel(sql_type = Array<BigInt>)]
    pub rows: Vec<i64>,
    /// For a run that did not finish: the later run of the same seed and shard (or of the
    /// whole seed) that did.
    #[diesel(sql_type = Nullable<BigInt>)]
    pub completed_by: Option<i64>,
}

/// Every recorded run, oldest first, with what it loaded; empty if there is no ledger.
pub fn runs(conn: &mut PgConnection) -> Result<Vec<RunRecord>> {
    if !exists(conn)? {
        return Ok(Vec::new());
    }
    Ok(diesel::sql_query(
        "SELECT id, profile, seed, scale, shard, tool_version, as_of, started_at, finished_at, \
         (SELECT count(*)::int4 FROM pm_seed.written w WHERE w.run_id = r.id) AS tenants, \
         ARRAY(SELECT coalesce(sum(w.rows[i]), 0)::int8 FROM generate_series(1, 6) i \
               LEFT JOIN pm_seed.written w ON w.run_id = r.id GROUP BY i ORDER BY i) AS rows, \
         CASE WHEN finished_at IS NULL THEN (SELECT min(l.id) FROM pm_seed.runs l \
               WHERE l.id > r.id AND l.fingerprint = r.fingerprint AND l.finished_at IS NOT NULL \
               AND l.as_of >= r.as_of \
               AND (l.shard = r.shard OR l.shard = '1/1')) END AS completed_by \
         FROM pm_seed.runs r ORDER BY id",
    )
    .load(conn)?)
}
