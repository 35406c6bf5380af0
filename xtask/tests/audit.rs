//! `cargo xtask audit` against deliberately broken warehouses: the same breakages the
//! in-memory evaluator is tested with, loaded with `psql \copy`, each caught as exactly
//! its own rule.

mod common;

use std::collections::BTreeSet;

use common::broken::{good_world, load};
use common::*;
use sim::rules::{breakage, RuleId};

/// The rule codes on the audit's FAIL lines.
fn failed_rules(run: &Run) -> BTreeSet<String> {
    run.stdout()
        .lines()
        .filter_map(|l| {
            let mut words = l.split_whitespace();
            let code = words.next()?;
            (words.next()? == "FAIL").then(|| code.to_owned())
        })
        .collect()
}

#[test]
fn a_clean_world_audits_clean() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("audit_clean");
    load(&db, &good_world(), dir.path());
    assert_audit_clean(&db);
}

#[test]
fn each_breakage_fails_exactly_its_rule() {
    let good = good_world();
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("audit_broken");
    for rule in RuleId::ALL {
        let mut rows = good.clone();
        if let Some(sql) = breakage::sql_only(rule) {
            assert!(!breakage::break_rows(&mut rows, rule), "{rule:?}");
            load(&db, &good, dir.path());
            exec(&db, sql);
        } else {
            assert!(
                breakage::break_rows(&mut rows, rule),
                "the world lacks what breaking {rule:?} needs"
            );
            load(&db, &rows, dir.path());
        }
        let run = audit(&db);
        assert!(
            !run.output.status.success(),
            "{rule:?} went unnoticed: {run}"
        );
        let expected = BTreeSet::from([rule.code()]);
        assert_eq!(failed_rules(&run), expected, "breaking {rule:?}: {run}");
        let summary = format!("1 of {} rules violated", RuleId::ALL.len());
        assert!(run.stderr().contains(&summary), "{run}");

        // The fast audit finds what one query per rule finds, to the examples, and its
        // screens send the broken rule, and only the rules that share its screen, to
        // their own queries.
        let mut conn = connect(db.url());
        let (fast, steps) = warehouse::audit::evaluate_timed(&mut conn).unwrap();
        let exact = warehouse::audit::evaluate_exact(&mut conn).unwrap();
        assert_eq!(fast, exact, "breaking {rule:?}");
        assert_queried(&steps, rule, "");
        // So does the audit that shares the probes with a helper connection.
        let mut helper = connect(db.url());
        let (helped, steps) =
            warehouse::audit::evaluate_with_helper(&mut conn, &mut helper).unwrap();
        assert_eq!(helped, exact, "breaking {rule:?}, with a helper");
        assert_queried(&steps, rule, ", with a helper");
    }
}

#[test]
fn the_screens_keys_without_unanchored_regexes_equal_the_rules_keys() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("audit_fast_keys");
    load(&db, &good_world(), dir.path());
    let differ = |rule: &str, fast: &str, rows: &str| {
        query_text(
            db.url(),
            &format!(
                "SELECT count(*)::text || ' of ' || (SELECT count(*) FROM {rows})::text AS v \
                 FROM {rows} WHERE ({rule}) IS DISTINCT FROM ({fast})"
            ),
        )
    };
    let steps = "(VALUES ('t00001-c1-cmp002-s1'), ('t00001-c1-cmp002-s12b'), ('s12'), \
                 ('-s3'), ('x-s3-'), ('x-s12-s3'), ('x-s3-x'), ('x-s3ab'), ('x-S3'), ('x-s'), \
                 ('x-s-3'), ('x--s3'), ('x-s03z'), (''), ('-'), ('x-s3é'), ('x-s3\n'), \
                 (NULL)) v(step_id)";
    let mailboxes = "(VALUES ('a@b.com'), ('A@B.COM'), ('a@b@c.org'), ('@x'), ('x@'), ('nobody'), \
                     (''), ('@'), ('é@É.fr'), (NULL)) v(mailbox_id)";
    let (position, domain) = (
        (
            sim::ids::STEP_POSITION_SQL,
            sim::rules::STEP_POSITION_FAST_SQL,
        ),
        (
            sim::ids::MAILBOX_DOMAIN_SQL,
            sim::rules::MAILBOX_DOMAIN_FAST_SQL,
        ),
    );
    let pairs = [
        (position, steps),
        (position, "sequence_step_analytics"),
        (domain, mailboxes),
        (domain, "mailbox_analytics"),
    ];
    for ((rule, fast), rows) in pairs {
        let found = differ(rule, fast, rows);
        assert!(found.starts_with("0 of "), "{rows}: {found} differ");
        assert!(!found.ends_with(" of 0"), "{rows}: nothing compared");
    }
}

/// The rules that share one screen of `lead_analytics`: a row of it that may break one of
/// them sends each to its own query, which decides.
const LEAD_ROW_SCREENED: [RuleId; 7] = {
    use RuleId::*;
    [A1, A2, A3, A4, A5, A8, S1]
};

/// That the audit ran the own query of `broken`, and of no rule but those that share
/// its screen.
fn assert_queried(steps: &[warehouse::audit::Timing], broken: RuleId, how: &str) {
    let queried = queried(steps);
    let own = format!("query {}", broken.code());
    assert!(
        queried.contains(&own),
        "breaking {broken:?}{how}: {steps:?}"
    );
    let siblings = if LEAD_ROW_SCREENED.contains(&broken) {
        &LEAD_ROW_SCREENED[..]
    } else {
        &[][..]
    };
    for step in &queried {
        assert!(
            *step == own
                || siblings
                    .iter()
                    .any(|r| *step == format!("query {}", r.code())),
            "breaking {broken:?}{how}: {step} ran too"
        );
    }
}

/// The rules the audit ran its own query for: those whose screen was true.
fn queried(steps: &[warehouse::audit::Timing]) -> Vec<String> {
    steps
        .iter()
        .filter(|t| t.step.starts_with("query "))
        .map(|t| t.step.clone())
        .collect()
}

#[test]
fn a_clean_world_runs_no_rule_query_and_timings_say_where_the_time_went() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("audit_timings");
    load(&db, &good_world(), dir.path());
    let mut conn = connect(db.url());
    let (report, steps) = warehouse::audit::evaluate_timed(&mut conn).unwrap();
    assert!(report.is_clean(), "{report:?}");
    assert_eq!(report, warehouse::audit::evaluate_exact(&mut conn).unwrap());
    assert!(queried(&steps).is_empty(), "{steps:?}");

    let run = xtask(&["audit", "--database-url", db.url(), "--timings"]).success();
    for line in [
        "audit timings (ms):",
        "probe lead_analytics per (campaign_id, billing_id)\n",
        "probe lead_analytics per billing_id [helper]",
        // The small tables' probes go to whichever connection is free first.
        "probe billing_analytics and its usage counts (B*)",
        "total",
    ] {
        assert!(run.stderr().contains(line), "{line}: {run}");
    }
}

/// The JSON report, as a CI system reads it: one object per rule, in catalog order.
fn json_report(db: &ScratchDb) -> (Run, Vec<serde_json::Value>) {
    let run = xtask(&["audit", "--database-url", db.url(), "--format", "json"]);
    let report: Vec<serde_json::Value> = serde_json::from_str(&run.stdout())
        .unwrap_or_else(|e| panic!("the report is not a JSON array ({e}): {run}"));
    let codes: Vec<&str> = report.iter().map(|r| r["rule"].as_str().unwrap()).collect();
    let catalog: Vec<String> = RuleId::ALL.iter().map(|r| r.code()).collect();
    assert_eq!(codes, catalog, "{run}");
    for (object, rule) in report.iter().zip(RuleId::ALL) {
        assert_eq!(object["statement"].as_str(), Some(rule.statement()));
    }
    (run, report)
}

#[test]
fn json_reports_every_rule_and_the_examples_of_a_violation() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("audit_json");
    load(&db, &good_world(), dir.path());
    let (run, report) = json_report(&db);
    assert!(run.output.status.success(), "{run}");
    assert!(report.iter().all(|r| r["violations"] == 0), "{run}");

    // Statuses this project has never heard of, written by another system: each breaks
    // the S rule of its column, once.
    exec(
        &db,
        "UPDATE lead_analytics SET status = 'snoozed' WHERE id = (SELECT min(id) FROM lead_analytics); \
         UPDATE campaign_analytics SET status = 'on hold' WHERE id = (SELECT min(id) FROM campaign_analytics); \
         UPDATE mailbox_analytics SET campaign_status = 'suspended' WHERE id = (SELECT min(id) FROM mailbox_analytics)",
    );
    let (run, report) = json_report(&db);
    assert!(!run.output.status.success(), "{run}");
    let broken: Vec<&serde_json::Value> = report.iter().filter(|r| r["violations"] != 0).collect();
    let rules: Vec<&str> = broken.iter().map(|r| r["rule"].as_str().unwrap()).collect();
    assert_eq!(rules, ["S1", "S2", "S3"], "{run}");
    for (rule, table) in broken.iter().zip(["lead", "campaign", "mailbox"]) {
        assert_eq!(rule["violations"], 1, "{run}");
        let example = rule["examples"][0].as_str().unwrap();
        assert!(
            example.starts_with(&format!("{table}_analytics#")),
            "{example}"
        );
    }
    assert!(run.stderr().contains("3 of 32 rules violated"), "{run}");
}
