//! The seed ledger knows what it loaded: a warehouse changed behind its back is refused by
//! `seed` and reported by `status --verify`; `--reset` works with or without a ledger.

mod common;

use common::*;

/// A seeded lead row swapped for a foreign one: the same number of rows per table, so
/// only the per-tenant checksums tell.
#[test]
fn a_tampered_warehouse_is_refused_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 3, "2025-06-15");
    let db = ScratchDb::new("tampered");
    seed(&db, &["--profile", profile]);
    let clean = xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    assert!(clean.stdout().contains("verified"), "{clean}");
    let before = counts(db.url());

    // The tenants of the deleted row and of the foreign one (its id comes after the
    // largest seeded id).
    let tenant = |sql: &str| {
        let sql = format!("SELECT 't' || lpad((({sql}) / 1000000000)::text, 5, '0') AS v");
        query_text(db.url(), &sql)
    };
    let deleted = tenant("SELECT min(id) FROM lead_analytics");
    let foreign = tenant("SELECT max(id) FROM lead_analytics");
    exec(
        &db,
        "DELETE FROM lead_analytics WHERE id = (SELECT min(id) FROM lead_analytics); \
         INSERT INTO lead_analytics (lead_id, campaign_id, sent, status, billing_id) \
         SELECT 'foreign', campaign_id, 1, 'active', billing_id FROM lead_analytics LIMIT 1;",
    );
    assert_eq!(counts(db.url()), before, "the swap changed a row count");
    let tampered = snapshot(db.url());

    let needles = ["lead_analytics", &deleted, &foreign, "--reset"];
    let rerun = xtask(&["seed", "--database-url", db.url(), "--profile", profile]);
    let rerun = rerun.refused(&needles);
    assert_eq!(
        snapshot(db.url()),
        tampered,
        "the refused seed wrote: {rerun}"
    );

    xtask(&["status", "--database-url", db.url(), "--verify"]).refused(&needles);
    // Without --verify, status only reports.
    xtask(&["status", "--database-url", db.url()]).success();

    seed(&db, &["--profile", profile, "--reset"]);
    xtask(&["status", "--database-url", db.url(), "--verify"]).success();
}

/// A row edited and moved under another tenant's period is its own tenant's difference:
/// the checksums count rows by their ids, whatever period they hang under.
#[test]
fn a_row_moved_to_another_tenants_period_is_counted_by_its_id() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 3, "2025-06-15");
    let db = ScratchDb::new("tampered_moved");
    seed(&db, &["--profile", profile]);
    let tenant = |sql: &str| {
        let sql = format!("SELECT 't' || lpad((({sql}) / 1000000000)::text, 5, '0') AS v");
        query_text(db.url(), &sql)
    };
    let (moved, host) = (
        tenant("SELECT max(id) FROM lead_analytics"),
        tenant("SELECT min(id) FROM billing_analytics"),
    );
    assert_ne!(moved, host);
    exec(
        &db,
        "UPDATE lead_analytics SET sent = sent + 1, \
         billing_id = (SELECT min(id) FROM billing_analytics) \
         WHERE id = (SELECT max(id) FROM lead_analytics)",
    );
    let verify = xtask(&["status", "--database-url", db.url(), "--verify"]);
    let verify = verify.refused(&["lead_analytics", &moved]);
    assert!(!verify.stderr().contains(&host), "{verify}");
}

/// A warehouse migrated by the seed of an empty shard has no ledger; `--reset` works
/// there too (and after rows nobody seeded: see `refusals.rs`).
#[test]
fn reset_works_where_an_empty_shard_left_no_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let one = &small_profile(dir.path(), 1, "2025-02-10");
    let db = ScratchDb::new("reset_empty_shard");
    let run = seed(&db, &["--profile", one, "--shard", "2/2"]);
    assert!(run.stderr().contains("nothing to do"), "{run}");
    assert!(!ledger_exists(db.url()));
    seed(&db, &["--profile", one, "--reset"]);
    assert_eq!(tenants_loaded(&db), 1);
}

#[test]
fn a_database_error_on_the_main_connection_is_one_line_with_context() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 2, "2025-03-10");
    let db = ScratchDb::new("ledger_broken");
    seed(&db, &["--profile", profile]);
    exec(
        &db,
        "ALTER TABLE pm_seed.tenants RENAME COLUMN id_sums TO broken",
    );
    xtask(&["seed", "--database-url", db.url(), "--profile", profile])
        .refused(&["checking the ledger: ", "id_sums"]);
}

#[test]
fn audit_and_status_name_what_a_non_warehouse_lacks() {
    let db = ScratchDb::new("not_a_warehouse");
    exec(&db, "CREATE TABLE billing_analytics (id int)");
    for task in ["audit", "status"] {
        let run = xtask(&[task, "--database-url", db.url()]);
        let run = run.refused(&["not a warehouse", "campaign_analytics", "cargo xtask seed"]);
        assert!(!run.stderr().contains("lacks billing_analytics"), "{run}");
    }
}
