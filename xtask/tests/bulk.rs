//! The bulk path of `seed` into an empty warehouse: the same rows and the same catalog as
//! the tenant-by-tenant path and the migrations; killed during the heap load or during the
//! key rebuild, the same command completes it; meanwhile `status` and `audit` say that
//! keys are missing, and other sessions cannot write.
//!
//! The kills are synchronised on locks the test holds and the seed is seen waiting for in
//! `pg_locks`: a tenant's claim (the heap load cannot finish without that tenant) and a
//! share lock on `lead_analytics` (its primary key cannot be built under it).

mod common;

use common::*;
use diesel::connection::SimpleConnection;
use diesel::PgConnection;
use testdb::catalog::Catalog;

/// 108 tenants; two loaders and two key builders.
const ARGS: [&str; 6] = ["--profile", "dev", "--scale", "3", "--jobs", "2"];

/// First half of the seed's tenant claim keys ("PMTN").
const TENANT_CLASS: i64 = 0x504d_544e;

/// The tenant whose claim the test holds.
const HELD_TENANT: i64 = 7;

/// The same seed, loaded tenant by tenant with keys in place: as two shards, which never
/// take the bulk path.
fn reference() -> ScratchDb {
    let db = ScratchDb::new("bulk_reference");
    for shard in ["1/2", "2/2"] {
        let run = seed(&db, &[&ARGS[..], &["--shard", shard]].concat());
        assert!(!run.stderr().contains("bulk load"), "{run}");
    }
    db
}

fn catalog(db: &ScratchDb) -> Catalog {
    Catalog::read(&mut db.conn())
}

/// Holds `sql`'s locks in an open transaction until the connection is dropped.
fn hold(db: &ScratchDb, sql: &str) -> PgConnection {
    let mut conn = db.conn();
    conn.batch_execute(&format!("BEGIN; {sql}")).expect(sql);
    conn
}

/// Whether a session waits for a lock that `condition` (on `pg_locks`) describes.
fn waiting(db: &ScratchDb, condition: &str) -> bool {
    let sql =
        format!("SELECT (count(*) > 0)::text AS v FROM pg_locks WHERE NOT granted AND {condition}");
    query_text(db.url(), &sql) == "true"
}

/// Waits until no other session is connected to `db`: the killed seed's backends have
/// ended (one waiting for a lock notices its client is gone only once it gets the lock).
fn wait_for_no_sessions(db: &ScratchDb) {
    let sql = "SELECT count(*)::text AS v FROM pg_stat_activity \
               WHERE datname = current_database() AND pid <> pg_backend_pid()";
    let started = std::time::Instant::now();
    while query_text(db.url(), sql) != "0" {
        assert!(
            started.elapsed().as_secs() < 120,
            "the killed seed's sessions remain"
        );
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// Starts the bulk seed of `db` holding one tenant's claim, and waits until every other
/// tenant is loaded and the seed waits for that one. Dropping the connection releases it.
fn seed_until_one_tenant_is_left(db: &ScratchDb) -> (PgConnection, Spawned) {
    let claim = hold(
        db,
        &format!("SELECT pg_advisory_xact_lock({TENANT_CLASS}::int4, {HELD_TENANT}::int4)"),
    );
    let mut child = spawn_seed(db, &ARGS);
    child.wait_until("the heap load waiting for the held tenant", || {
        waiting(
            db,
            &format!("locktype = 'advisory' AND classid::int8 = {TENANT_CLASS} AND objid::int8 = {HELD_TENANT}"),
        )
    });
    (claim, child)
}

/// Starts the bulk seed of `db`, lets its heap load finish while holding a share lock on
/// `table`, and kills the seed once it waits for that table exclusively (to build its
/// primary key, or to drop the record of its keys). Returns the connection that still
/// holds the lock.
fn kill_when_waiting_for(db: &ScratchDb, table: &str) -> PgConnection {
    let (claim, mut child) = seed_until_one_tenant_is_left(db);
    let held = hold(db, &format!("LOCK TABLE {table} IN ACCESS SHARE MODE"));
    drop(claim);
    child.wait_until(&format!("the seed waiting for {table}"), || {
        waiting(
            db,
            &format!(
                "locktype = 'relation' AND relation = '{table}'::regclass AND mode = 'AccessExclusiveLock'"
            ),
        )
    });
    child.signal("KILL");
    assert!(!child.finish().output.status.success());
    held
}

/// While keys are missing: `status` and `audit` say so, naming `table` among others;
/// other sessions cannot write.
fn assert_keys_missing(db: &ScratchDb, table: &str) {
    let status = xtask(&["status", "--database-url", db.url()]).success();
    let missing = "bulk load in progress/interrupted: keys missing on ";
    let out = status.stdout();
    let line = out.lines().find(|l| l.starts_with(missing));
    assert!(line.is_some_and(|l| l.contains(table)), "{status}");
    xtask(&["status", "--database-url", db.url(), "--verify"]).failed(&[missing, table]);
    audit(db).failed(&[missing, table, "run the same seed command to finish"]);
    let write = db.try_conn().unwrap().batch_execute(
        "INSERT INTO billing_analytics (tenant_id, period_start, period_end) VALUES ('x', now(), now())",
    );
    let refused = write.expect_err("a write into a table without keys went through");
    assert!(
        refused
            .to_string()
            .contains("keys missing on billing_analytics"),
        "{refused}"
    );
}

/// After the rerun: the reference's rows, the migrations' catalog, a clean audit and a
/// ledger that verifies.
fn assert_complete(db: &ScratchDb, reference: &ScratchDb, migrated: &Catalog, what: &str) {
    assert_same_content(db, reference, what);
    assert_eq!(&catalog(db), migrated, "{what}");
    assert_audit_clean(db);
    let status = xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    assert!(!status.stdout().contains("keys missing"), "{status}");
    assert!(!status.stdout().contains("did not finish"), "{status}");
}

#[test]
fn a_bulk_seed_loads_the_same_rows_and_ends_with_the_migrations_catalog() {
    let reference = reference();
    let migrated = catalog(&ScratchDb::migrated("bulk_migrated"));
    let db = ScratchDb::new("bulk_plain");
    let run = seed(&db, &ARGS);
    assert!(run.stderr().contains("bulk load: keys dropped"), "{run}");
    assert!(run.stdout().contains("keys and indexes built in"), "{run}");
    assert_complete(&db, &reference, &migrated, "a bulk seed against shards");
    // A warehouse that is not empty keeps the tenant-by-tenant path.
    let again = seed(&db, &["--profile", "dev", "--scale", "3", "--reset"]);
    assert!(
        again.stderr().contains("bulk load"),
        "after --reset: {again}"
    );
    let resumed = ScratchDb::new("bulk_not_empty");
    seed(&resumed, &[&ARGS[..], &["--shard", "1/2"]].concat());
    let rest = seed(&resumed, &ARGS);
    assert!(!rest.stderr().contains("bulk load"), "{rest}");
    assert_complete(
        &resumed,
        &reference,
        &migrated,
        "a shard, then the whole seed",
    );
}

#[test]
fn a_bulk_seed_killed_during_the_heap_load_completes_on_the_next_run() {
    let reference = reference();
    let migrated = catalog(&ScratchDb::migrated("bulk_heap_migrated"));
    let db = ScratchDb::new("bulk_heap_kill");
    let (claim, child) = seed_until_one_tenant_is_left(&db);
    assert_keys_missing(&db, "lead_analytics");
    child.signal("KILL");
    assert!(!child.finish().output.status.success());
    drop(claim);
    wait_for_no_sessions(&db);
    assert_keys_missing(&db, "lead_analytics");
    let loaded = tenants_loaded(&db);
    assert!(loaded > 0, "nothing was loaded before the kill");

    let rerun = seed(&db, &ARGS);
    let resuming = format!("resuming: {loaded} tenants already loaded");
    assert!(rerun.stderr().contains(&resuming), "{rerun}");
    assert!(
        rerun.stdout().contains("keys and indexes built in"),
        "{rerun}"
    );
    assert_complete(&db, &reference, &migrated, "after a kill in the heap load");
}

#[test]
fn a_bulk_seed_killed_during_the_key_rebuild_completes_on_the_next_run() {
    let reference = reference();
    let migrated = catalog(&ScratchDb::migrated("bulk_keys_migrated"));
    let db = ScratchDb::new("bulk_keys_kill");
    // Once the heap is loaded, building lead_analytics' primary key waits for this.
    let share = kill_when_waiting_for(&db, "lead_analytics");
    drop(share);
    wait_for_no_sessions(&db);
    // Every tenant is in; the foreign keys at least are still missing.
    assert_keys_missing(&db, "campaign_analytics");

    let rerun = seed(&db, &ARGS);
    assert!(
        rerun
            .stderr()
            .contains("rebuilding the keys of the interrupted bulk load"),
        "{rerun}"
    );
    assert_complete(
        &db,
        &reference,
        &migrated,
        "after a kill in the key rebuild",
    );
}

/// The race of the immediate rerun: the killed run's key builder is still in a `CREATE
/// INDEX` of lead_analytics (held by a lock of the test) when the rerun starts building the
/// same index.
#[test]
fn a_bulk_seed_killed_during_the_key_rebuild_is_completed_by_an_immediate_rerun() {
    let reference = reference();
    let migrated = catalog(&ScratchDb::migrated("bulk_race_migrated"));
    let db = ScratchDb::new("bulk_race_kill");
    let (claim, mut child) = seed_until_one_tenant_is_left(&db);
    // The primary key waits for `share`, and `row` queues behind it: once the key is
    // built, `row` is granted, and the next index (a share lock) waits for it.
    let share = hold(&db, "LOCK TABLE lead_analytics IN ACCESS SHARE MODE");
    drop(claim);
    let lead_lock = |mode: &str| {
        format!(
            "locktype = 'relation' AND relation = 'lead_analytics'::regclass AND mode = '{mode}'"
        )
    };
    child.wait_until("the primary key waiting", || {
        waiting(&db, &lead_lock("AccessExclusiveLock"))
    });
    let row = std::thread::spawn({
        let url = db.url().to_owned();
        move || {
            let mut conn = connect(&url);
            conn.batch_execute("BEGIN; LOCK TABLE lead_analytics IN ROW EXCLUSIVE MODE")
                .unwrap();
            conn
        }
    });
    child.wait_until("the test's lock queued", || {
        waiting(&db, &lead_lock("RowExclusiveLock"))
    });
    drop(share);
    let row = row.join().unwrap();
    child.wait_until("an index build waiting", || {
        waiting(&db, &lead_lock("ShareLock"))
    });
    let builder = query_text(
        db.url(),
        &format!(
            "SELECT pid::text AS v FROM pg_locks WHERE NOT granted AND {}",
            lead_lock("ShareLock")
        ),
    );
    child.signal("KILL");
    assert!(!child.finish().output.status.success());
    // The killed client's builder is still in its statement, waiting for the lock, until
    // the server notices its client is gone. The rerun starts at once: its own build of
    // the same index queues beside it, or it waits for the killed run's backends to end
    // (an advisory lock), or they have ended. Only the last is sure to be seen (the
    // others can pass between two polls), and it stays true once it is.
    let met = format!(
        "SELECT (count(*) = 2 OR NOT EXISTS (SELECT FROM pg_stat_activity WHERE pid = {builder}))::text AS v \
         FROM pg_locks WHERE NOT granted AND {}",
        lead_lock("ShareLock")
    );
    let mut rerun = spawn_seed(&db, &ARGS);
    rerun.wait_until("the rerun meeting the killed run's builder", || {
        query_text(db.url(), &met) == "true" || waiting(&db, "locktype = 'advisory'")
    });
    drop(row);
    let rerun = rerun.finish().success();
    assert!(!rerun.stderr().contains("duplicate key"), "{rerun}");
    assert_complete(
        &db,
        &reference,
        &migrated,
        "after a kill in the key rebuild and an immediate rerun",
    );
}

#[test]
fn a_bulk_seed_killed_as_it_drops_its_guard_is_finished_by_the_next_run() {
    let reference = reference();
    let migrated = catalog(&ScratchDb::migrated("bulk_guard_migrated"));
    let db = ScratchDb::new("bulk_guard_kill");
    // The record of dropped keys goes last, in the transaction that drops the guard: under
    // this lock every key is built and the guard is still on when the seed is killed.
    let record = kill_when_waiting_for(&db, "pm_seed.bulk_keys");
    drop(record);
    wait_for_no_sessions(&db);
    let status = xtask(&["status", "--database-url", db.url()]).success();
    assert!(status.stdout().contains("write guard"), "{status}");
    audit(&db).failed(&["write guard", "run the same seed command to finish"]);

    let rerun = seed(&db, &ARGS);
    assert!(
        rerun
            .stderr()
            .contains("rebuilding the keys of the interrupted bulk load"),
        "{rerun}"
    );
    assert_complete(&db, &reference, &migrated, "after a kill as the guard went");
}
