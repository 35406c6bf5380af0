//! The seed ledger knows what it loaded: a warehouse changed behind its back is refused by
//! `seed` (an advance: where it would write over the change) and reported by `status
//! --verify`; `--reset` works with or without a ledger.

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
    let deleted = tenant_of(&db, "SELECT min(id) FROM lead_analytics");
    let foreign = tenant_of(&db, "SELECT max(id) FROM lead_analytics");
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

    // A reset would delete a row no seed can give back: only on confirmation.
    let reset = [
        "seed",
        "--database-url",
        db.url(),
        "--profile",
        profile,
        "--reset",
    ];
    xtask(&reset).refused(&["--reset would delete", "differ", "--confirm", db.name()]);
    assert_eq!(snapshot(db.url()), tampered, "the refused reset deleted");
    seed(
        &db,
        &["--profile", profile, "--reset", "--confirm", db.name()],
    );
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
    let (moved, host) = (
        tenant_of(&db, "SELECT max(id) FROM lead_analytics"),
        tenant_of(&db, "SELECT min(id) FROM billing_analytics"),
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

/// The tenant key of the row `sql` selects the id of.
fn tenant_of(db: &ScratchDb, sql: &str) -> String {
    let sql = format!("SELECT 't' || lpad((({sql}) / 1000000000)::text, 5, '0') AS v");
    query_text(db.url(), &sql)
}

const EARLY: &str = "2025-06-10";
const LATE: &str = "2025-06-15";

/// The smallest id of a lead row in a period still open on `EARLY`.
const OPEN_LEAD: &str = "SELECT min(l.id) FROM lead_analytics l \
    JOIN billing_analytics b ON b.id = l.billing_id WHERE b.period_end > '2025-06-10'";
/// The smallest id of a lead row in a period that had closed by `EARLY`.
const CLOSED_LEAD: &str = "SELECT min(l.id) FROM lead_analytics l \
    JOIN billing_analytics b ON b.id = l.billing_id WHERE b.period_end <= '2025-06-10'";

/// An advance checks the periods it writes over (those open on the warehouse's day)
/// before it starts, and the whole warehouse after: a change there is refused with
/// nothing written; a change in a closed month, which it leaves as it is, fails the run
/// after it, named, and the changed row is still there.
#[test]
fn an_advance_refuses_a_change_it_would_write_over_and_names_the_others_after() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 3, LATE);
    let db = ScratchDb::new("advance_tampered");
    seed(&db, &["--profile", profile, "--as-of", EARLY]);
    let advance = || xtask(&["seed", "--database-url", db.url(), "--profile", profile]);

    let open = tenant_of(&db, OPEN_LEAD);
    exec(
        &db,
        &format!("UPDATE lead_analytics SET sent = sent + 1 WHERE id = ({OPEN_LEAD})"),
    );
    let tampered = snapshot(db.url());
    let refused = advance().refused(&["lead_analytics", &open, "--reset"]);
    assert_eq!(
        snapshot(db.url()),
        tampered,
        "the refused advance wrote: {refused}"
    );

    exec(
        &db,
        &format!(
            "UPDATE lead_analytics SET sent = sent - 1 WHERE id = ({OPEN_LEAD}); \
             UPDATE lead_analytics SET sent = sent + 100 WHERE id = ({CLOSED_LEAD})"
        ),
    );
    let closed_id = query_text(db.url(), &format!("SELECT ({CLOSED_LEAD})::text AS v"));
    let edited = query_text(
        db.url(),
        &format!("SELECT sent::text AS v FROM lead_analytics WHERE id = {closed_id}"),
    );
    let closed = tenant_of(&db, CLOSED_LEAD);
    advance().failed(&["lead_analytics", &closed, "--reset"]);
    let kept = query_text(
        db.url(),
        &format!("SELECT sent::text AS v FROM lead_analytics WHERE id = {closed_id}"),
    );
    assert_eq!(kept, edited, "the advance wrote over a closed month");
}

/// A row added by hand under an id that the advance gives a lead first mailed since (in
/// a closed period, where the check before the advance does not look) is not written
/// over: that tenant fails, whole, and the row is still there.
#[test]
fn an_advance_never_writes_over_a_row_of_another_grain() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 3, LATE);
    let (db, reference) = std::thread::scope(|scope| {
        let reference = scope.spawn(|| {
            let db = ScratchDb::new("advance_grain_reference");
            seed(&db, &["--profile", profile]);
            db
        });
        let db = ScratchDb::new("advance_grain");
        seed(&db, &["--profile", profile, "--as-of", EARLY]);
        (db, reference.join().expect("the reference seed failed"))
    });
    // The lead rows of the open periods that the later day adds.
    let later = query_text(
        reference.url(),
        &format!(
            "SELECT string_agg(l.id::text, ',') AS v FROM lead_analytics l \
             JOIN billing_analytics b ON b.id = l.billing_id \
             WHERE b.period_end > '{EARLY}' AND b.period_start <= '{EARLY}'"
        ),
    );
    let new_id = query_text(
        db.url(),
        &format!(
            "SELECT min(x)::text AS v FROM unnest('{{{later}}}'::int8[]) x \
             WHERE x NOT IN (SELECT id FROM lead_analytics)"
        ),
    );
    let tenant = tenant_of(&db, &new_id);
    exec(
        &db,
        &format!(
            "INSERT INTO lead_analytics (id, lead_id, campaign_id, sent, status, billing_id) \
             OVERRIDING SYSTEM VALUE SELECT {new_id}, 'by hand', l.campaign_id, 1, 'active', \
             l.billing_id FROM lead_analytics l JOIN billing_analytics b ON b.id = l.billing_id \
             WHERE b.period_end <= '{EARLY}' AND l.id / 1000000000 = {new_id} / 1000000000 \
             LIMIT 1"
        ),
    );
    xtask(&["seed", "--database-url", db.url(), "--profile", profile]).failed(&[
        &tenant,
        "lead_analytics",
        "another row",
        "--reset",
    ]);
    let kept = query_text(
        db.url(),
        &format!("SELECT lead_id AS v FROM lead_analytics WHERE id = {new_id}"),
    );
    assert_eq!(kept, "by hand");
    let day = query_text(
        db.url(),
        &format!(
            "SELECT as_of::text AS v FROM pm_seed.tenants \
             WHERE tenant_no = {new_id} / 1000000000"
        ),
    );
    assert_eq!(day, EARLY, "the tenant was advanced in part");
}

/// Edits the numbers the ledger once kept (rows, ids, `sent`) cannot see: another column,
/// `sent` swapped between two rows, a row moved to another month of its tenant, a
/// `lead_id` edited. `status --verify` names each, and an advance over the open one
/// refuses it rather than write over it: one verdict.
#[test]
fn edits_of_any_column_are_found_by_verify_and_refused_by_an_advance() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 3, LATE);
    let db = ScratchDb::new("whole_rows");
    seed(&db, &["--profile", profile, "--as-of", EARLY]);
    let clean = snapshot(db.url());
    let verify = || xtask(&["status", "--database-url", db.url(), "--verify"]);
    let advance = || xtask(&["seed", "--database-url", db.url(), "--profile", profile]);
    let open = tenant_of(&db, OPEN_LEAD);
    let closed = tenant_of(&db, CLOSED_LEAD);
    let second_open = format!(
        "SELECT min(id) FROM lead_analytics WHERE id > ({OPEN_LEAD}) \
        AND billing_id = (SELECT billing_id FROM lead_analytics WHERE id = ({OPEN_LEAD})) \
        AND sent <> (SELECT sent FROM lead_analytics WHERE id = ({OPEN_LEAD}))"
    );
    let edits = [
        (
            "a status and its updated",
            format!(
                "UPDATE lead_analytics SET status = 'paused', updated = updated - interval '1 day' \
                 WHERE id = ({OPEN_LEAD})"
            ),
            &open,
            true,
        ),
        (
            "sent swapped between two rows",
            format!(
                "UPDATE lead_analytics l SET sent = o.sent FROM lead_analytics o \
                 WHERE (l.id, o.id) IN ((({OPEN_LEAD}), ({second_open})), (({second_open}), ({OPEN_LEAD})))"
            ),
            &open,
            true,
        ),
        (
            "an open row moved to a closed month of its tenant",
            format!(
                "UPDATE lead_analytics SET billing_id = (SELECT min(id) FROM billing_analytics \
                 WHERE id / 1000000000 = ({OPEN_LEAD}) / 1000000000) WHERE id = ({OPEN_LEAD})"
            ),
            &open,
            true,
        ),
        (
            "a lead_id in a closed month",
            format!("UPDATE lead_analytics SET lead_id = lead_id || 'x' WHERE id = ({CLOSED_LEAD})"),
            &closed,
            false,
        ),
    ];
    for (what, sql, tenant, in_open_month) in edits {
        exec(&db, &format!("BEGIN; {sql}; COMMIT;"));
        let changed = snapshot(db.url());
        assert_ne!(
            changed.tables, clean.tables,
            "{what}: the edit changed nothing"
        );
        let run = verify().refused(&["lead_analytics", tenant]);
        assert!(!run.stdout().contains("verified"), "{what}: {run}");
        // The advance refuses before it writes, or (a closed month, which it leaves as it
        // is) fails after; either way the edit is still there.
        let run = advance();
        assert!(!run.output.status.success(), "{what}: {run}");
        assert!(run.stderr().contains(tenant.as_str()), "{what}: {run}");
        if in_open_month {
            assert_eq!(
                snapshot(db.url()),
                changed,
                "{what}: the refused advance wrote"
            );
        }
        // Back to a clean warehouse at the earlier day for the next edit.
        seed(
            &db,
            &[
                "--profile",
                profile,
                "--as-of",
                EARLY,
                "--reset",
                "--confirm",
                db.name(),
            ],
        );
        assert_eq!(snapshot(db.url()).tables, clean.tables, "{what}: reseeded");
    }
}

/// A crash can set the runs' id sequence back (a database cloned from a template, then an
/// immediate-mode crash, did): the next run still gets an id of its own.
#[test]
fn a_run_id_sequence_set_back_does_not_fail_the_next_run() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 2, LATE);
    let db = ScratchDb::new("runs_sequence");
    seed(&db, &["--profile", profile, "--as-of", EARLY]);
    exec(&db, "SELECT setval('pm_seed.runs_id_seq', 1, false)");
    let run = seed(&db, &["--profile", profile]);
    assert!(!run.stderr().contains("runs_pkey"), "{run}");
    assert_eq!(
        query_text(
            db.url(),
            "SELECT string_agg(id::text, ',' ORDER BY id) AS v FROM pm_seed.runs"
        ),
        "1,2"
    );
}
