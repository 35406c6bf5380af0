//! `cargo xtask proptest`, the property gate, as CI runs it: it passes on the simulator as
//! it is, reporting what its cases exercised; a rule broken on purpose makes it fail with
//! a shrunk profile; and each bug planted in the simulator (`sim::planted`) fails it.

mod common;

use common::*;

/// `xtask proptest` with 24 cases of run seed 11 on the test server, plus `extra`.
fn gate(extra: &[&str]) -> Run {
    let server = testdb::server_url();
    let mut args = vec!["proptest", "--cases", "24", "--seed", "11"];
    args.extend_from_slice(&["--database-url", &server]);
    args.extend_from_slice(extra);
    xtask(&args)
}

#[test]
fn the_gate_passes_and_counts_its_cases() {
    let run = gate(&["--db-share", "0.3"]).success();
    let summary = run.stdout();
    assert!(
        summary.contains("proptest: 6 built-in cases passed"),
        "{run}"
    );
    assert!(
        summary.contains("proptest: 24 random cases passed"),
        "{run}"
    );
    assert!(
        summary.contains("cases: sequences reaching step 9"),
        "{run}"
    );
    assert!(
        !summary.contains(", 0 also seeded"),
        "no case went through PostgreSQL: {run}"
    );
}

#[test]
fn a_broken_rule_fails_the_gate_with_a_shrunk_profile() {
    let run = gate(&["--inject-breakage", "B4"]);
    assert!(!run.output.status.success(), "{run}");
    let out = run.stdout();
    assert!(out.contains("FAILED after"), "{run}");
    assert!(out.contains("B4 at billing_analytics#"), "{run}");
    let profile = out
        .split("--- profile (TOML) ---\n")
        .nth(1)
        .and_then(|rest| rest.split("--- end of profile ---").next())
        .unwrap_or_else(|| panic!("no profile printed: {run}"));
    let parsed = sim::Profile::parse(profile, "the printed profile")
        .unwrap_or_else(|e| panic!("the printed profile does not parse ({e}): {run}"));
    assert_eq!(parsed.tenants, 1, "not shrunk: {run}");
    assert!(
        run.stderr().starts_with("error: the property gate failed"),
        "{run}"
    );
}

/// The planted bugs, the rule each breaks, by the name `--plant-bug` takes.
const PLANTED: [(&str, &str); 4] = [
    ("bounced-third-step-delivered", "A2"),
    ("unopened-fifth-step-clicked", "A4"),
    ("step-totals-skip-fourth-step-variant-b", "D1"),
    ("mailbox-mail-skips-late-replies", "D3"),
];

#[test]
fn each_planted_bug_fails_the_gate_and_saves_nothing() {
    let regressions = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../proptest-regressions/profiles.txt");
    let before = std::fs::read(&regressions).ok();
    for (bug, rule) in PLANTED {
        let run = gate(&["--plant-bug", bug]);
        assert!(!run.output.status.success(), "{bug} passed the gate: {run}");
        assert!(run.stdout().contains(&format!("first {rule} at ")), "{run}");
    }
    assert_eq!(
        std::fs::read(&regressions).ok(),
        before,
        "a planted bug's failure was saved"
    );
}
