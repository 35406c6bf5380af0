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

use anyhow::{bail, Result};
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Bool, Text};

use schema::cached::{Cached, Value};

/// The warehouse lock.
const WAREHOUSE_KEY: i64 = 0x504d_5741_5245_484f; // "PMWAREHO"

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
    bail!("{holder} is running on this warehouse: {action}")
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
/// until its keys are rebuilt. `false`: another run shares the warehouse.
pub fn take_alone(conn: &mut PgConnection) -> QueryResult<bool> {
    Ok(diesel::sql_query(format!(
        "SELECT pg_try_advisory_lock({WAREHOUSE_KEY}) AS flag"
    ))
    .get_result::<Flag>(conn)?
    .flag)
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

/// Claims tenant `no` for the current transaction; with `wait`, blocks until another
/// run's claim ends. `false`: another run holds it.
pub fn claim_tenant(conn: &mut PgConnection, no: u32, wait: bool) -> QueryResult<bool> {
    let key = || vec![Value::Int4(TENANT_CLASS), Value::Int4(no as i32)];
    if wait {
        Cached::new("SELECT pg_advisory_xact_lock($1, $2)", key()).execute(conn)?;
        return Ok(true);
    }
    Ok(
        Cached::new("SELECT pg_try_advisory_xact_lock($1, $2) AS flag", key())
            .get_result::<Flag>(conn)?
            .flag,
    )
}
