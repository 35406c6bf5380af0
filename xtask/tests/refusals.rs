//! What `cargo xtask seed` refuses: each refusal exits non-zero with one clear error line
//! and writes nothing.

mod common;

use common::*;

#[test]
fn bad_input_leaves_a_seeded_warehouse_untouched() {
    let dir = tempfile::tempdir().unwrap();
    let good = &small_profile(dir.path(), 2, "2025-03-10");
    let db = ScratchDb::new("refusals");
    seed(&db, &["--profile", good]);
    let before = snapshot(db.url());

    let head = "name = \"bad\"\nfirst_period = \"2025-01-01\"\n";
    let unknown = profile_file(
        dir.path(),
        "unknown.toml",
        &format!("{head}tenants = 1\nas_of = \"2025-02-01\"\nbogus_key = 3\n"),
    );
    let no_tenants = profile_file(
        dir.path(),
        "zero.toml",
        &format!("{head}tenants = 0\nas_of = \"2025-02-01\"\n"),
    );
    let early = profile_file(
        dir.path(),
        "early.toml",
        &format!("{head}tenants = 1\nas_of = \"2024-12-31\"\n"),
    );
    let path = |p: &std::path::Path| p.to_str().unwrap().to_owned();
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            vec!["--profile".into(), good.into(), "--seed".into(), "2".into()],
            vec!["another seed", "--reset"],
        ),
        (vec!["--profile".into(), path(&unknown)], vec!["bogus_key"]),
        (
            vec!["--profile".into(), path(&no_tenants)],
            vec!["`tenants`"],
        ),
        (vec!["--profile".into(), path(&early)], vec!["`as_of`"]),
        (vec!["--shard".into(), "3/2".into()], vec!["--shard", "3/2"]),
        (vec!["--scale".into(), "0".into()], vec!["--scale"]),
        (vec!["--jobs".into(), "0".into()], vec!["--jobs"]),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["seed", "--database-url", db.url()];
        args.extend(extra.iter().map(String::as_str));
        let run = xtask(&args).refused(&needles);
        assert_eq!(snapshot(db.url()), before, "the refused seed wrote: {run}");
    }
}

#[test]
fn rows_nobody_seeded_are_refused() {
    let db = ScratchDb::migrated("foreign_rows");
    exec(
        &db,
        "INSERT INTO billing_analytics (tenant_id, period_start, period_end) \
         VALUES ('someone', '2025-01-01', '2025-02-01')",
    );
    let before = snapshot(db.url());
    let run = xtask(&["seed", "--database-url", db.url()]);
    let run = run.refused(&["billing_analytics", "--reset"]);
    let after = snapshot(db.url());
    assert_eq!(after.tables, before.tables, "the refused seed wrote: {run}");
    // Not even the ledger is created: the refusal rolls back everything.
    assert!(
        !ledger_exists(db.url()),
        "the refused seed created pm_seed: {run}"
    );
}

#[test]
fn malformed_and_unreachable_urls_are_refused_without_the_password() {
    let cases = [
        ("not-a-url", "invalid database URL"),
        ("mysql://x/y", "postgres://"),
        ("postgres://u:s3cretpw@127.0.0.1:1/", "names no database"),
        ("postgres://u:s3cretpw@[bad/x", "invalid database URL"),
        ("postgres://u:s3cretpw@127.0.0.1:1/x", "cannot connect"),
    ];
    for (url, needle) in cases {
        for task in ["seed", "audit", "status"] {
            let run = xtask(&[task, "--database-url", url]).refused(&[needle]);
            let printed = run.stdout() + &run.stderr();
            assert!(!printed.contains("s3cretpw"), "password printed: {run}");
        }
    }
}

#[test]
fn read_only_warehouse_is_refused_before_any_work() {
    let db = ScratchDb::new("read_only");
    admin_sql(&format!(
        "ALTER DATABASE \"{}\" SET default_transaction_read_only = on",
        db.name()
    ));
    xtask(&["seed", "--database-url", db.url()]).refused(&["read-only"]);
    let relations = query_text(
        db.url(),
        "SELECT count(*)::text AS v FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE n.nspname NOT IN ('pg_catalog', 'information_schema', 'pg_toast')",
    );
    assert_eq!(relations, "0", "the refused seed created relations");
    let schemas = query_text(
        db.url(),
        "SELECT count(*)::text AS v FROM pg_namespace WHERE nspname = 'pm_seed'",
    );
    assert_eq!(schemas, "0", "the refused seed created the ledger schema");
}
