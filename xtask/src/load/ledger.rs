//! The seed ledger: what was seeded, kept in the warehouse outside the six tables
//! (schema `pm_seed`).
//!
//! `pm_seed.runs` records each seed run (profile, seed, scale, shard, tool version, rows
//! per table, start and finish). `pm_seed.tenants` records each loaded tenant and is
//! written in the same transaction as the tenant's rows, so it is exactly what the
//! warehouse holds: a killed run is resumed by skipping the tenants listed there.

use anyhow::{bail, Result};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Double, Integer, Nullable, Text, Timestamptz};
use sim::ids::Table;

use crate::world::World;

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
    tenants      INTEGER NOT NULL DEFAULT 0,
    rows         BIGINT[] NOT NULL DEFAULT '{0,0,0,0,0,0}'
);
COMMENT ON TABLE pm_seed.runs IS 'cargo xtask seed runs; rows[] in the order billing, campaign, sequence_step, lead, mailbox, warmup';
CREATE TABLE IF NOT EXISTS pm_seed.tenants (
    fingerprint TEXT NOT NULL,
    tenant_no   INTEGER NOT NULL,
    tenant_id   TEXT NOT NULL,
    rows        BIGINT[] NOT NULL,
    PRIMARY KEY (fingerprint, tenant_no)
);
COMMENT ON TABLE pm_seed.tenants IS 'tenants loaded by cargo xtask seed, written in the tenant''s own transaction';
";

/// Takes the ledger lock for the current transaction.
pub fn lock(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_xact_lock({LOCK_KEY})")).execute(conn)?;
    Ok(())
}

/// Whether the ledger exists.
fn exists(conn: &mut PgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        e: bool,
    }
    Ok(
        diesel::sql_query("SELECT to_regclass('pm_seed.tenants') IS NOT NULL AS e")
            .get_result::<Exists>(conn)?
            .e,
    )
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

/// Rows per table of the six tables, in [`Table::ALL`] order.
pub fn table_counts(conn: &mut PgConnection) -> QueryResult<[i64; 6]> {
    let mut counts = [0; 6];
    for (i, t) in Table::ALL.into_iter().enumerate() {
        counts[i] = diesel::sql_query(format!("SELECT count(*) AS n FROM {}", t.name()))
            .get_result::<Count>(conn)?
            .n;
    }
    Ok(counts)
}

/// What the ledger says this seed already loaded: tenant numbers and rows per table.
pub struct Loaded {
    /// Tenant numbers already in the warehouse.
    pub tenants: Vec<u32>,
    /// Their rows per table.
    pub rows: [i64; 6],
}

/// Checks, under the ledger lock, that the warehouse holds nothing but earlier parts of
/// this same seed; then, unless the shard is complete already, creates the ledger if
/// needed and records the start of a run. A refusal writes nothing. Returns what is
/// already loaded and the run's id (`None`: nothing to do).
pub fn begin(conn: &mut PgConnection, world: &World) -> Result<(Loaded, Option<i64>)> {
    // The lock is taken before the transaction starts, so that its snapshot (one for the
    // ledger and the counts, though other shards commit meanwhile) sees every seeder that
    // held the lock before.
    diesel::sql_query(format!("SELECT pg_advisory_lock({LOCK_KEY})")).execute(conn)?;
    let checked = check_and_start(conn, world);
    diesel::sql_query(format!("SELECT pg_advisory_unlock({LOCK_KEY})")).execute(conn)?;
    checked
}

fn check_and_start(conn: &mut PgConnection, world: &World) -> Result<(Loaded, Option<i64>)> {
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
            bail!(
                "the warehouse holds another seed (profile {}, seed {}, scale {}): \
                 run again with --reset to replace it",
                o.profile,
                o.seed,
                o.scale
            );
        }
        let loaded = if ledger {
            loaded(conn, &world.fingerprint)?
        } else {
            Loaded {
                tenants: Vec::new(),
                rows: [0; 6],
            }
        };
        let present = table_counts(conn)?;
        let foreign: Vec<String> = Table::ALL
            .iter()
            .zip(present.iter().zip(loaded.rows))
            .filter(|(_, (have, ours))| **have != *ours)
            .map(|(t, (have, ours))| format!("{} rows in {} ({} seeded)", have, t.name(), ours))
            .collect();
        if !foreign.is_empty() {
            bail!(
                "the warehouse holds data this seed did not write: {}; \
                 run again with --reset to empty the six tables first",
                foreign.join(", ")
            );
        }
        let complete = world.sim.tenants(world.shard).all(|no| loaded.tenants.contains(&no));
        if complete {
            return Ok((loaded, None));
        }
        conn.batch_execute(DDL)?;
        let run: i64 = diesel::sql_query(
            "INSERT INTO pm_seed.runs (fingerprint, profile, seed, scale, shard, tool_version, started_at) \
             VALUES ($1, $2, $3, $4, $5, $6, now()) RETURNING id AS n",
        )
        .bind::<Text, _>(&world.fingerprint)
        .bind::<Text, _>(&world.profile_label)
        .bind::<Text, _>(world.sim.seed().to_string())
        .bind::<Double, _>(world.scale)
        .bind::<Text, _>(world.shard.to_string())
        .bind::<Text, _>(env!("CARGO_PKG_VERSION"))
        .get_result::<Count>(conn)?
        .n;
        Ok((loaded, Some(run)))
    })
}

/// The tenants of `fingerprint` already loaded.
pub fn loaded(conn: &mut PgConnection, fingerprint: &str) -> QueryResult<Loaded> {
    #[derive(QueryableByName)]
    struct T {
        #[diesel(sql_type = Integer)]
        tenant_no: i32,
        #[diesel(sql_type = Array<BigInt>)]
        rows: Vec<i64>,
    }
    let tenants: Vec<T> =
        diesel::sql_query("SELECT tenant_no, rows FROM pm_seed.tenants WHERE fingerprint = $1")
            .bind::<Text, _>(fingerprint)
            .load(conn)?;
    let mut rows = [0; 6];
    for t in &tenants {
        for (total, n) in rows.iter_mut().zip(&t.rows) {
            *total += n;
        }
    }
    Ok(Loaded {
        tenants: tenants.iter().map(|t| t.tenant_no as u32).collect(),
        rows,
    })
}

/// Records a loaded tenant; call inside the tenant's transaction.
pub fn record_tenant(
    conn: &mut PgConnection,
    fingerprint: &str,
    no: u32,
    tenant_id: &str,
    rows: [usize; 6],
) -> QueryResult<()> {
    diesel::sql_query("INSERT INTO pm_seed.tenants (fingerprint, tenant_no, tenant_id, rows) VALUES ($1, $2, $3, $4)")
        .bind::<Text, _>(fingerprint)
        .bind::<Integer, _>(no as i32)
        .bind::<Text, _>(tenant_id)
        .bind::<Array<BigInt>, _>(rows.map(|n| n as i64).to_vec())
        .execute(conn)?;
    Ok(())
}

/// Records the end of a run, and moves the identity sequences past the seeded ids so that
/// later inserts by services do not collide with them.
pub fn finish(
    conn: &mut PgConnection,
    run: i64,
    tenants: usize,
    rows: [u64; 6],
) -> QueryResult<()> {
    conn.transaction(|conn| {
        advance_sequences(conn)?;
        diesel::sql_query(
            "UPDATE pm_seed.runs SET finished_at = now(), tenants = $2, rows = $3 WHERE id = $1",
        )
        .bind::<BigInt, _>(run)
        .bind::<Integer, _>(tenants as i32)
        .bind::<Array<BigInt>, _>(rows.map(|n| n as i64).to_vec())
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

/// Empties the six tables and the ledger; returns the rows removed per table.
pub fn reset(conn: &mut PgConnection) -> Result<[i64; 6]> {
    Ok(conn.transaction(|conn| {
        lock(conn)?;
        let counts = table_counts(conn)?;
        let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
        diesel::sql_query(format!("TRUNCATE {} RESTART IDENTITY", names.join(", ")))
            .execute(conn)?;
        diesel::sql_query("TRUNCATE pm_seed.runs, pm_seed.tenants").execute(conn)?;
        QueryResult::Ok(counts)
    })?)
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
    /// Start.
    #[diesel(sql_type = Timestamptz)]
    pub started_at: chrono::DateTime<chrono::Utc>,
    /// Finish, if it finished.
    #[diesel(sql_type = Nullable<Timestamptz>)]
    pub finished_at: Option<chrono::DateTime<chrono::Utc>>,
    /// Tenants loaded by the run.
    #[diesel(sql_type = Integer)]
    pub tenants: i32,
    /// Rows loaded by the run, per table.
    #[diesel(sql_type = Array<BigInt>)]
    pub rows: Vec<i64>,
}

/// Every recorded run, oldest first; empty if the ledger does not exist.
pub fn runs(conn: &mut PgConnection) -> QueryResult<Vec<RunRecord>> {
    if !exists(conn)? {
        return Ok(Vec::new());
    }
    diesel::sql_query(
        "SELECT id, profile, seed, scale, shard, tool_version, started_at, finished_at, tenants, rows \
         FROM pm_seed.runs ORDER BY id",
    )
    .load(conn)
}
