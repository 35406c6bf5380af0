//! `cargo xtask proptest`, the property gate, as CI runs it: it passes on the simulator as
//! it is, and a rule broken on purpose makes it fail with a shrunk profile.

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
    assert!(summary.contains("proptest: 24 cases passed"), "{run}");
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
