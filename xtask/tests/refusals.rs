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
    let infinite = profile_file(
        dir.path(),
        "infinite.toml",
        &format!("{head}tenants = 1\nas_of = \"2025-02-01\"\n[sending]\ndomains_min = inf\n"),
    );
    let huge = profile_file(
        dir.path(),
        "huge.toml",
        &format!("{head}tenants = 1\nas_of = \"2025-02-01\"\n[sending]\ndomains_shape = 1e300\n"),
    );
    // A valid-looking profile whose tenant-months could not be generated in bounded
    // memory: 26 domains of 20 mailboxes at 10,000 emails a day each.
    let flood = profile_file(
        dir.path(),
        "flood.toml",
        &format!(
            "{head}tenants = 3\nas_of = \"2025-02-01\"\n[sending]\ndomains_max = 26\n\
             mailboxes_per_domain = [20, 20]\ndaily_limit = 10000\n"
        ),
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
        (
            vec!["--profile".into(), path(&infinite)],
            vec!["`sending.domains_min`", "inf"],
        ),
        (
            vec!["--profile".into(), path(&huge)],
            vec!["`sending.domains_shape`", "1e300"],
        ),
        (
            vec!["--profile".into(), path(&flood)],
            vec!["`sending.daily_limit`", "bounded memory"],
        ),
        (
            vec!["--profile".into(), path(&flood), "--dry-run".into()],
            vec!["`sending.daily_limit`", "bounded memory"],
        ),
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

/// Rows nobody seeded (a real tenant's, in a warehouse whose URL was left pointing at the
/// wrong database): the seed refuses to mix with them, and a reset deletes them only when
/// it is told the database's name.
#[test]
fn rows_nobody_seeded_are_refused_and_reset_only_on_confirmation() {
    let db = ScratchDb::migrated("foreign_rows");
    exec(
        &db,
        "INSERT INTO billing_analytics (tenant_id, period_start, period_end) \
         VALUES ('acme-real', '2025-01-01', '2025-02-01')",
    );
    let before = snapshot(db.url());
    let run = xtask(&["seed", "--database-url", db.url()]);
    let confirm = format!("--reset --confirm {}", db.name());
    let run = run.refused(&["billing_analytics: 1 row no seed recorded", &confirm]);
    assert!(!run.stderr().contains("t00000"), "{run}");
    let after = snapshot(db.url());
    assert_eq!(after.tables, before.tables, "the refused seed wrote: {run}");
    // Not even the ledger is created: the refusal rolls back everything.
    assert!(
        !ledger_exists(db.url()),
        "the refused seed created pm_seed: {run}"
    );
    // A reset names what it would delete and deletes nothing without the name.
    let reset = ["seed", "--database-url", db.url(), "--reset"];
    let needles = [
        "--reset would delete",
        "no seed ledger",
        "1 billing_analytics",
        &confirm,
    ];
    xtask(&reset).refused(&needles);
    let wrong = [&reset[..], &["--confirm", "postgres"]].concat();
    xtask(&wrong).refused(&["--confirm postgres does not name", db.name()]);
    assert_eq!(snapshot(db.url()).tables, before.tables);
    // Named, it goes ahead, although there is no ledger.
    let reset = seed(&db, &["--reset", "--confirm", db.name()]);
    assert!(reset.stderr().contains("reset: removed 1 rows"), "{reset}");
    assert_audit_clean(&db);
    xtask(&["status", "--database-url", db.url(), "--verify"]).success();
    // What a seed recorded, unchanged, it resets without a question.
    let again = seed(&db, &["--reset"]);
    assert!(again.stderr().contains("reset: removed"), "{again}");
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

/// Only a server that cannot be reached is a reason to ask whether PostgreSQL runs; a
/// missing role or database and a bad `sslmode` get their own hint.
#[test]
fn each_connection_failure_gets_its_own_hint() {
    let server = url::Url::parse(&testdb::server_url()).unwrap();
    let with = |user: &str, db: &str, query: &str| {
        let mut url = server.clone();
        url.set_username(user).unwrap();
        url.set_path(&format!("/{db}"));
        // Kept: the server's own parameters (a socket's `host`, as the private cluster's).
        let query = [server.query().unwrap_or(""), query]
            .iter()
            .filter(|q| !q.is_empty())
            .copied()
            .collect::<Vec<_>>()
            .join("&");
        url.set_query((!query.is_empty()).then_some(&query));
        url.to_string()
    };
    let user = server.username().to_owned();
    let running = "is PostgreSQL running";
    let cases = [
        (with("no_such_role_pm9", "postgres", ""), "no such role"),
        (with(&user, "no_such_db_pm9", ""), "no such database"),
        (
            with(&user, "postgres", "sslmode=bogus"),
            "sslmode must be one of",
        ),
    ];
    for (url, hint) in &cases {
        for task in ["audit", "status"] {
            let run = xtask(&[task, "--database-url", url]).refused(&["cannot connect", hint]);
            assert!(!run.stderr().contains(running), "{run}");
        }
    }
    let unreachable = "postgres://u@127.0.0.1:1/x";
    xtask(&["status", "--database-url", unreachable]).refused(&[running]);
}

/// `postgres://user:pw@/db?host=/socket/dir`: credentials without a host, which libpq
/// accepts, reach the server over its Unix socket.
#[test]
fn a_unix_socket_url_with_credentials_is_accepted() {
    let db = ScratchDb::migrated("socket_url");
    let server = url::Url::parse(db.url()).unwrap();
    let user = if server.username().is_empty() {
        "postgres"
    } else {
        server.username()
    };
    let socket = query_text(
        db.url(),
        "SELECT split_part(current_setting('unix_socket_directories'), ',', 1) AS v",
    );
    // The server's port too: the private cluster's socket is not named after 5432.
    let port = query_text(db.url(), "SELECT current_setting('port') AS v");
    let url = format!(
        "postgres://{user}:s3cretpw@/{}?host={socket}&port={port}",
        db.name()
    );
    let run = xtask(&["status", "--database-url", &url]).success();
    assert!(run.stdout().contains("no seed recorded"), "{run}");
    assert!(
        !(run.stdout() + &run.stderr()).contains("s3cretpw"),
        "{run}"
    );
}
