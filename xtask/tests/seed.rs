//! `cargo xtask seed` on a fresh warehouse: created, seeded once, idempotent, reported
//! by `status`, replaced by `--reset`, and previewed by `--dry-run`.

mod common;

use common::*;
use sim::ids::Table;

#[test]
fn seeding_twice_changes_nothing_the_second_time() {
    let db = absent_db("seed_twice");
    let first = seed(&db, &[]);
    let created = format!("created database {}", db.name());
    assert!(first.stderr().contains(&created), "{first}");
    let after_first = snapshot(db.url());
    let counts: Vec<i64> = after_first.tables.iter().map(|t| t.rows).collect();
    assert!(counts.iter().all(|&n| n > 0), "{counts:?}\n{first}");
    assert_eq!(reported_rows(&first.stdout()), counts, "{first}");

    let second = seed(&db, &[]);
    assert!(second.stderr().contains("nothing to do"), "{second}");
    assert_eq!(
        snapshot(db.url()),
        after_first,
        "the second seed wrote: {second}"
    );

    let status = xtask(&["status", "--database-url", db.url()]).success();
    let out = status.stdout();
    let runs: Vec<&str> = out.lines().filter(|l| l.starts_with("run ")).collect();
    assert_eq!(runs.len(), 1, "{status}");
    let dev = sim::Simulator::new(sim::Profile::load("dev").unwrap(), 1);
    let tenants = dev.tenants(sim::Shard::ALL).count();
    let total: i64 = counts.iter().sum();
    for part in [
        "profile dev seed 1 scale 1 shard 1/1 as of 2026-11-18",
        ", finished ",
        &format!("; {tenants} tenants, {total} rows"),
    ] {
        assert!(runs[0].contains(part), "no {part:?} in the run: {status}");
    }
    assert_eq!(reported_rows(&out), counts, "{status}");

    assert_audit_clean(&db);
}

#[test]
fn reset_replaces_the_seed_and_keeps_other_tables() {
    let dir = tempfile::tempdir().unwrap();
    let profile = &small_profile(dir.path(), 3, "2025-06-15");
    let db = ScratchDb::new("reset");
    seed(&db, &["--profile", profile]);
    let before = counts(db.url());
    exec(
        &db,
        "CREATE TABLE keep_me (x int); INSERT INTO keep_me VALUES (42);",
    );

    let reset = seed(&db, &["--profile", profile, "--seed", "2", "--reset"]);
    let stderr = reset.stderr();
    let total: i64 = before.iter().sum();
    assert!(
        stderr.contains(&format!("reset: removed {total} rows")),
        "{reset}"
    );
    for (t, n) in Table::ALL.iter().zip(&before) {
        let removed = format!("{n} {}", t.name());
        assert!(stderr.contains(&removed), "no {removed:?}: {reset}");
    }

    // What the warehouse holds now is exactly seed 2, as its dry run predicts.
    let dry = xtask(&["seed", "--dry-run", "--profile", profile, "--seed", "2"]).success();
    assert_eq!(counts(db.url()), reported_rows(&dry.stdout()), "{dry}");
    let status = xtask(&["status", "--database-url", db.url()]).success();
    let runs: Vec<String> = status
        .stdout()
        .lines()
        .filter(|l| l.starts_with("run "))
        .map(str::to_owned)
        .collect();
    assert_eq!(runs.len(), 1, "{status}");
    assert!(runs[0].contains(" seed 2 "), "{status}");
    assert_audit_clean(&db);

    let kept = query_text(
        db.url(),
        "SELECT string_agg(x::text, ',') AS v FROM keep_me",
    );
    assert_eq!(kept, "42");
}

#[test]
fn dry_run_prints_rows_and_bytes_and_creates_nothing() {
    let db = absent_db("dry_run");
    let run = xtask(&["seed", "--dry-run", "--database-url", db.url()]).success();
    let out = run.stdout();
    assert!(out.contains("nothing written"), "{run}");
    let mut sums = [0u64; 2];
    for t in Table::ALL {
        let line = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(t.name()))
            .unwrap_or_else(|| panic!("no row for {}: {run}", t.name()));
        let numbers: Vec<u64> = line
            .split_whitespace()
            .skip(1)
            .map(|n| n.parse().unwrap())
            .collect();
        assert_eq!(numbers.len(), 2, "rows and bytes expected: {line}");
        assert!(numbers.iter().all(|&n| n > 0), "{line}");
        sums[0] += numbers[0];
        sums[1] += numbers[1];
    }
    let total = format!("{} {}", sums[0], sums[1]);
    let total_line = out.lines().find(|l| l.starts_with("total")).unwrap_or("");
    assert!(
        total_line
            .split_whitespace()
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ")
            == total,
        "the total is not the sum: {run}"
    );
    assert!(!db_exists(db.name()), "the dry run created {}", db.name());
}
