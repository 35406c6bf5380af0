//! Who may work on a warehouse at once, with PostgreSQL advisory locks (which are per
//! database, so one key is one warehouse).
//!
//! A seed holds the warehouse lock on its main connection for its whole run: shared, so
//! that shards and reruns of the same seed load side by side; `--reset` takes it
//! exclusive, so it never empties tables under a running seed. A different seed cannot
//! share the warehouse either: the ledger check refuses it (under the ledger lock, the
//! first seed's run is recorded before the second looks). Both refuse at once rather than
//! wait: a reset or a second seed that silently queued behind an hour-long load would look
//! hung, and the operator is better placed to choose between waiting and stopping it.
//!
//! Within a seed, each tenant is claimed by its loader with a transaction-level lock, so
//! two runs of the same seed never load the same tenant: the second skips it, and at the
//! end waits for the claim to end (committed, or rolled back if that run died) before it
//! checks the ledger.
//!
//! A killed client leaves its server backends running until their statement ends: a
//! loader in the middle of a COPY, a key builder in the middle of a `CREATE INDEX`. So
//! every connection of a run holds the worker lock, shared ([`join_run`]), and asks the
//! server to check its client during long statements (`client_connection_check_interval`),
//! so that such a backend ends within a second or so of its client. Whatever repairs a
//! warehouse (a reset, the rebuild of an interrupted bulk load) first waits for the
//! worker lock exclusively ([`wait_for_workers`]): no backend of a killed run is still
//! writing when it starts. A loader also stops, at its next tenant, when the session that
//! holds its run's warehouse lock is gone ([`claim_tenant`]).

use crate::error::{fail, Result};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use schema::cached::{Cached, Value};

/// The warehouse lock.
const WAREHOUSE_KEY: i64 = 0x504d_5741_5245_484f; // "PMWAREHO"

/// The backends that hold the warehouse lock, as an SQL subquery.
pub fn warehouse_holders() -> String {
    format!(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND classid::int8 = {} AND objid::int8 = {} AND objsubid = 1",
        WAREHOUSE_KEY >> 32,
        WAREHOUSE_KEY & 0xffff_ffff
    )
}

/// The worker lock: held shared by every connection of a run for its session.
const WORKER_KEY: i64 = 0x504d_574f_524b_4552; // "PMWORKER"

/// Settings of every connection of a run. A backend whose client is gone notices within
/// a second, even in the middle of a statement, and ends. A database's default
/// `statement_timeout` (set for services) does not cut a seed's own long statements,
/// such as a key build or the final check, short.
const RUN_SETTINGS: &str = "SET client_connection_check_interval = '1s'; \
    SET statement_timeout = 0; SET application_name = 'cargo xtask seed'";

/// First half of each tenant's claim key (the second half is the tenant number).
const TENANT_CLASS: i32 = 0x504d_544e; // "PMTN"

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

/// Takes the warehouse lock for this session: exclusive for a `--reset`, shared otherwise.
/// Refuses, naming the seed that holds it, if that is not possible now.
pub fn lock_warehouse(conn: &mut PgConnection, exclusive: bool) -> Result<()> {
    let function = if exclusive {
        "pg_try_advisory_lock"
    } else {
        "pg_try_advisory_lock_shared"
    };
    let taken = diesel::sql_query(format!("SELECT {function}({WAREHOUSE_KEY}) AS flag"))
        .get_result::<Flag>(conn)?
        .flag;
    if taken {
        return Ok(());
    }
    let holder = match running_seed(conn, None)? {
        Some(seed) => format!("another seed ({seed})"),
        None => "another seed".to_owned(),
    };
    let action = if exclusive {
        "wait for it to finish, or stop it, then run --reset again"
    } else {
        "wait for it to finish, then run again"
    };
    fail!(Busy, "{holder} is running on this warehouse: {action}")
}

/// Makes `conn` a connection of the current run: the settings every connection of a run
/// has, and the worker lock, shared, for its session.
pub fn join_run(conn: &mut PgConnection) -> QueryResult<()> {
    conn.batch_execute(RUN_SETTINGS)?;
    diesel::sql_query(format!("SELECT pg_advisory_lock_shared({WORKER_KEY})")).execute(conn)?;
    Ok(())
}

/// The settings of a run's connections without the worker lock: for the run's main
/// connection, which waits for the workers of killed runs ([`wait_for_workers`]).
pub fn run_settings(conn: &mut PgConnection) -> QueryResult<()> {
    conn.batch_execute(RUN_SETTINGS)
}

/// Waits until no connection of any run (this one's have not started yet) is left
/// working: the backends of a killed run end with their statement, or within a second
/// of it where they checked their client. Returns the backends that were waited for.
/// Call with the warehouse lock held exclusively, so that no run starts meanwhile.
pub fn wait_for_workers(conn: &mut PgConnection) -> QueryResult<Vec<i32>> {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    let holders: Vec<Pid> = diesel::sql_query(
        "SELECT pid FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 1 AND granted \
         AND pid <> pg_backend_pid() ORDER BY pid",
    )
    .bind::<BigInt, _>(WORKER_KEY >> 32)
    .bind::<BigInt, _>(WORKER_KEY & 0xffff_ffff)
    .load(conn)?;
    if !holders.is_empty() {
        diesel::sql_query(format!("SELECT pg_advisory_lock({WORKER_KEY})")).execute(conn)?;
        diesel::sql_query(format!("SELECT pg_advisory_unlock({WORKER_KEY})")).execute(conn)?;
    }
    Ok(holders.into_iter().map(|p| p.pid).collect())
}

/// After a reset: keeps the warehouse lock shared, without a moment unlocked, so that
/// shards of the new seed may join.
pub fn share_warehouse(conn: &mut PgConnection) -> QueryResult<()> {
    diesel::sql_query(format!("SELECT pg_advisory_lock_shared({WAREHOUSE_KEY})")).execute(conn)?;
    diesel::sql_query(format!("SELECT pg_advisory_unlock({WAREHOUSE_KEY})")).execute(conn)?;
    Ok(())
}

/// Takes the warehouse lock exclusively as well, if no other session holds it (this
/// session's shared hold does not count): for a bulk load, which must be the only run
/// until its keys are rebuilt. It waits a few seconds for other holders to let go: the
/// main session of a run killed in the middle of a statement holds the lock until the
/// server notices its client is gone (within a second, with [`RUN_SETTINGS`]). `false`:
/// another run shares the warehouse.
pub fn take_alone(conn: &mut PgConnection) -> QueryResult<bool> {
    let taken = conn.transaction(|conn| {
        conn.batch_execute("SET LOCAL lock_timeout = '5s'")?;
        diesel::sql_query(format!("SELECT pg_advisory_lock({WAREHOUSE_KEY})")).execute(conn)
    });
    match taken {
        Ok(_) => Ok(true),
        Err(diesel::result::Error::DatabaseError(_, info))
            if info.message().contains("lock timeout") =>
        {
            Ok(false)
        }
        Err(e) => Err(e),
    }
}

/// `profile P, seed S` of an unfinished recorded run (of another fingerprint than
/// `except`) whose session holds the warehouse lock, if there is one.
pub fn running_seed(conn: &mut PgConnection, except: Option<&str>) -> QueryResult<Option<String>> {
    #[derive(QueryableByName)]
    struct Seed {
        #[diesel(sql_type = Text)]
        v: String,
    }
    let has_pid = diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_attribute WHERE attrelid = to_regclass('pm_seed.runs') \
         AND attname = 'pid' AND NOT attisdropped) AS flag",
    )
    .get_result::<Flag>(conn)?
    .flag;
    if !has_pid {
        return Ok(None);
    }
    let seeds: Vec<Seed> = diesel::sql_query(
        "SELECT format('profile %s, seed %s', profile, seed) AS v FROM pm_seed.runs \
         WHERE finished_at IS NULL AND fingerprint IS DISTINCT FROM $3 AND pid IN (SELECT pid FROM pg_locks WHERE locktype = 'advisory' \
         AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) \
         AND classid::int8 = $1 AND objid::int8 = $2 AND objsubid = 1 AND granted) \
         ORDER BY id DESC LIMIT 1",
    )
    .bind::<BigInt, _>(WAREHOUSE_KEY >> 32)
    .bind::<BigInt, _>(WAREHOUSE_KEY & 0xffff_ffff)
    .bind::<diesel::sql_types::Nullable<Text>, _>(except)
    .load(conn)?;
    Ok(seeds.into_iter().next().map(|s| s.v))
}

/// The backend of the run's main connection, which holds its warehouse lock.
pub fn backend_pid(conn: &mut PgConnection) -> QueryResult<i32> {
    #[derive(QueryableByName)]
    struct Pid {
        #[diesel(sql_type = diesel::sql_types::Integer)]
        pid: i32,
    }
    Ok(diesel::sql_query("SELECT pg_backend_pid() AS pid")
        .get_result::<Pid>(conn)?
        .pid)
}

/// Whether the warehouse lock of the run whose main connection is backend `holder` is
/// still held, asked by each loader before each tenant: a loader whose run lost it (its
/// main connection was ended) stops rather than write on unguarded.
const HOLDS_WAREHOUSE: &str = "EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' \
    AND pid = $3 AND classid::int8 = $4 AND objid::int8 = $5 AND objsubid = 1 AND granted \
    AND database = (SELECT oid FROM pg_database WHERE datname = current_database()))";

/// Claims tenant `no` for the current transaction, for the run whose warehouse lock
/// backend `holder` holds; with `wait`, blocks until another run's claim ends. `false`:
/// another run holds it. Fails if the run's warehouse lock is gone.
pub fn claim_tenant(conn: &mut PgConnection, no: u32, wait: bool, holder: i32) -> Result<bool> {
    #[derive(QueryableByName)]
    struct Claim {
        #[diesel(sql_type = Bool)]
        flag: bool,
        #[diesel(sql_type = Bool)]
        held: bool,
    }
    let function = if wait {
        "pg_advisory_xact_lock($1, $2) IS NOT NULL"
    } else {
        "pg_try_advisory_xact_lock($1, $2)"
    };
    let claim = Cached::new(
        format!("SELECT {function} AS flag, {HOLDS_WAREHOUSE} AS held"),
        vec![
            Value::Int4(TENANT_CLASS),
            Value::Int4(no as i32),
            Value::Int4(holder),
            Value::Int8(WAREHOUSE_KEY >> 32),
            Value::Int8(WAREHOUSE_KEY & 0xffff_ffff),
        ],
    )
    .get_result::<Claim>(conn)?;
    if !claim.held {
        fail!(
            Busy,
            "this run's warehouse lock is gone (its session, backend {holder}, was ended): \
             stopping; run the same command again to finish"
        );
    }
    Ok(claim.flag)
}
