//! Helpers shared by the xtask integration tests: running the built binary, scratch
//! databases, profiles, `psql \copy`, and snapshots of a warehouse's content.
#![allow(dead_code)] // each test file uses its own subset

use std::fmt;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use sim::ids::Table;
pub use testdb::ScratchDb;

pub mod broken;

/// The built binary, run outside the workspace (no `.env`) and without `DATABASE_URL`, so
/// only the flags given say which warehouse it works on.
pub fn command(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_xtask"));
    cmd.args(args)
        .env_remove("DATABASE_URL")
        .current_dir(std::env::temp_dir());
    cmd
}

/// Runs `xtask args…` to completion.
pub fn xtask(args: &[&str]) -> Run {
    let output = command(args)
        .output()
        .unwrap_or_else(|e| panic!("cannot run xtask: {e}"));
    Run::new(args, output)
}

/// A finished xtask run; `Display` shows the command (passwords redacted) and its output.
pub struct Run {
    args: Vec<String>,
    pub output: Output,
}

impl Run {
    pub fn new(args: &[&str], output: Output) -> Self {
        let args = args
            .iter()
            .map(|a| {
                if a.contains("://") {
                    testdb::redact(a)
                } else {
                    (*a).to_owned()
                }
            })
            .collect();
        Self { args, output }
    }

    pub fn stdout(&self) -> String {
        String::from_utf8_lossy(&self.output.stdout).into_owned()
    }

    pub fn stderr(&self) -> String {
        String::from_utf8_lossy(&self.output.stderr).into_owned()
    }

    /// Panics, showing the run, unless it exited 0.
    pub fn success(self) -> Self {
        assert!(self.output.status.success(), "expected success: {self}");
        self
    }

    /// Panics unless the run failed with one clear error: a non-zero exit, stderr
    /// starting with the only `error:` line, which mentions every one of `needles`, and
    /// no panic.
    pub fn refused(self, needles: &[&str]) -> Self {
        assert!(!self.output.status.success(), "expected a refusal: {self}");
        let stderr = self.stderr();
        let first = stderr.lines().next().unwrap_or_default();
        assert!(first.starts_with("error: "), "no error line first: {self}");
        let errors = stderr.lines().filter(|l| l.contains("error")).count();
        assert_eq!(errors, 1, "expected one error line: {self}");
        assert!(!stderr.contains("panicked"), "it panicked: {self}");
        for needle in needles {
            assert!(first.contains(needle), "the error lacks {needle:?}: {self}");
        }
        self
    }
}

impl Run {
    /// Panics unless the run failed, after whatever progress it reported, with one
    /// clear error: a non-zero exit, one `error:` line mentioning every one of `needles`,
    /// and no panic.
    pub fn failed(self, needles: &[&str]) -> Self {
        assert!(!self.output.status.success(), "expected a failure: {self}");
        let stderr = self.stderr();
        let errors: Vec<&str> = stderr.lines().filter(|l| l.contains("error")).collect();
        assert_eq!(errors.len(), 1, "expected one error line: {self}");
        assert!(errors[0].starts_with("error: "), "{self}");
        assert!(!stderr.contains("panicked"), "it panicked: {self}");
        for needle in needles {
            assert!(
                errors[0].contains(needle),
                "the error lacks {needle:?}: {self}"
            );
        }
        self
    }
}

impl fmt::Display for Run {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "`xtask {}` exited with {}\n--- stdout\n{}--- stderr\n{}---",
            self.args.join(" "),
            self.output.status,
            self.stdout(),
            self.stderr()
        )
    }
}

/// `seed --database-url <db> <extra…>`, run to completion and required to succeed.
pub fn seed(db: &ScratchDb, extra: &[&str]) -> Run {
    let mut args = vec!["seed", "--database-url", db.url()];
    args.extend_from_slice(extra);
    xtask(&args).success()
}

/// Starts `xtask args…` in the background, its output captured.
pub fn spawn(args: &[&str]) -> Spawned {
    let child = command(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawning xtask");
    Spawned {
        args: args.iter().map(|a| (*a).to_owned()).collect(),
        child,
    }
}

/// Starts `seed --database-url <db> <extra…>` in the background.
pub fn spawn_seed(db: &ScratchDb, extra: &[&str]) -> Spawned {
    let mut args = vec!["seed", "--database-url", db.url()];
    args.extend_from_slice(extra);
    spawn(&args)
}

/// An xtask process running in the background.
pub struct Spawned {
    args: Vec<String>,
    pub child: Child,
}

impl Spawned {
    /// Waits for it to end.
    pub fn finish(self) -> Run {
        let output = self.child.wait_with_output().expect("waiting for xtask");
        Run::new(
            &self.args.iter().map(String::as_str).collect::<Vec<_>>(),
            output,
        )
    }

    /// Sends `signal` (`KILL`, `INT`…).
    pub fn signal(&self, signal: &str) {
        let sent = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(sent.success(), "kill -{signal} failed");
    }

    /// Polls `ready` every 10 ms until it holds; panics if the process ends first or
    /// after two minutes.
    pub fn wait_until(&mut self, what: &str, mut ready: impl FnMut() -> bool) {
        let started = Instant::now();
        while !ready() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("xtask ended ({status}) before {what}");
            }
            assert!(
                started.elapsed() < Duration::from_secs(120),
                "no {what} yet"
            );
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

/// Tenants committed so far (0 while the ledger does not exist yet).
pub fn tenants_loaded(db: &ScratchDb) -> i64 {
    if !ledger_exists(db.url()) {
        return 0;
    }
    query_text(db.url(), "SELECT count(*)::text AS v FROM pm_seed.tenants")
        .parse()
        .unwrap()
}

/// `audit --database-url <db>`, run to completion (it may fail).
pub fn audit(db: &ScratchDb) -> Run {
    xtask(&["audit", "--database-url", db.url()])
}

/// Asserts that the audit of `db` passes every rule.
pub fn assert_audit_clean(db: &ScratchDb) {
    let run = audit(db).success();
    let all = format!("all {} rules hold", sim::rules::RuleId::ALL.len());
    assert!(run.stdout().contains(&all), "{run}");
}

/// A scratch database name that does not exist yet; whatever a test creates under it is
/// dropped with the returned guard.
pub fn absent_db(label: &str) -> ScratchDb {
    let db = ScratchDb::new(label);
    admin_sql(&format!("DROP DATABASE \"{}\" WITH (FORCE)", db.name()));
    assert!(!db_exists(db.name()));
    db
}

/// Whether the server has a database called `name`.
pub fn db_exists(name: &str) -> bool {
    #[derive(QueryableByName)]
    struct N {
        #[diesel(sql_type = BigInt)]
        n: i64,
    }
    let mut admin = connect(&testdb::server_url());
    diesel::sql_query("SELECT count(*) AS n FROM pg_database WHERE datname = $1")
        .bind::<Text, _>(name)
        .get_result::<N>(&mut admin)
        .expect("querying pg_database")
        .n
        > 0
}

/// Runs `sql` on the test server's maintenance database.
pub fn admin_sql(sql: &str) {
    testdb::apply_sql(&mut connect(&testdb::server_url()), sql, sql);
}

/// Runs `sql` in `db`.
pub fn exec(db: &ScratchDb, sql: &str) {
    testdb::apply_sql(&mut db.conn(), sql, sql);
}

/// The single text value `sql` returns in `url`'s database (a column named `v`).
pub fn query_text(url: &str, sql: &str) -> String {
    #[derive(QueryableByName)]
    struct V {
        #[diesel(sql_type = Text)]
        v: String,
    }
    diesel::sql_query(sql)
        .get_result::<V>(&mut connect(url))
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
        .v
}

pub fn connect(url: &str) -> PgConnection {
    PgConnection::establish(url)
        .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", testdb::redact(url)))
}

/// One table's content: its name, row count and the md5 of every row in id order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TableContent {
    pub table: &'static str,
    pub rows: i64,
    pub md5: String,
}

/// The content of the six tables, in foreign-key order.
pub fn content(url: &str) -> Vec<TableContent> {
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = BigInt)]
        n: i64,
        #[diesel(sql_type = Text)]
        h: String,
    }
    let mut conn = connect(url);
    Table::ALL
        .iter()
        .map(|t| {
            let sql = format!(
                "SELECT count(*) AS n, md5(coalesce(string_agg(t::text, ',' ORDER BY id), '')) AS h \
                 FROM {} t",
                t.name()
            );
            let sum = diesel::sql_query(&sql)
                .get_result::<Sum>(&mut conn)
                .unwrap_or_else(|e| panic!("{sql}: {e}"));
            TableContent {
                table: t.name(),
                rows: sum.n,
                md5: sum.h,
            }
        })
        .collect()
}

/// Rows per table, in foreign-key order.
pub fn counts(url: &str) -> Vec<i64> {
    content(url).iter().map(|c| c.rows).collect()
}

/// Asserts that two warehouses hold the same rows, ids included.
pub fn assert_same_content(actual: &ScratchDb, expected: &ScratchDb, what: &str) {
    assert_eq!(content(actual.url()), content(expected.url()), "{what}");
}

/// The six tables and the seed ledger (runs and tenants, as text; empty when the
/// ledger does not exist): what a refused command must leave as it was.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub tables: Vec<TableContent>,
    pub ledger: String,
}

/// Whether `url`'s database has the seed ledger.
pub fn ledger_exists(url: &str) -> bool {
    let sql = "SELECT (to_regclass('pm_seed.tenants') IS NOT NULL)::text AS v";
    query_text(url, sql) == "true"
}

pub fn snapshot(url: &str) -> Snapshot {
    let ledger = if ledger_exists(url) {
        query_text(
            url,
            "SELECT coalesce((SELECT string_agg(r::text, E'\\n' ORDER BY id) FROM pm_seed.runs r), '') \
             || E'\\n' || coalesce((SELECT string_agg(t::text, E'\\n' ORDER BY t) \
             FROM pm_seed.tenants t), '') AS v",
        )
    } else {
        String::new()
    };
    Snapshot {
        tables: content(url),
        ledger,
    }
}

/// The rows per table of a seed summary or dry run on stdout: lines that start with a
/// table's name, second column. In foreign-key order.
pub fn reported_rows(stdout: &str) -> Vec<i64> {
    Table::ALL
        .iter()
        .map(|t| {
            let line = stdout
                .lines()
                .find(|l| l.split_whitespace().next() == Some(t.name()))
                .unwrap_or_else(|| panic!("no line for {} in:\n{stdout}", t.name()));
            line.split_whitespace().nth(1).unwrap().parse().unwrap()
        })
        .collect()
}

/// Writes a profile TOML into `dir` and returns its path.
pub fn profile_file(dir: &Path, file: &str, toml: &str) -> PathBuf {
    let path = dir.join(file);
    std::fs::write(&path, toml).expect("writing a profile");
    path
}

/// A small custom profile, `small.toml` in `dir`: `tenants` tenants from January 2025 to
/// `as_of`. Returns its path.
pub fn small_profile(dir: &Path, tenants: u32, as_of: &str) -> String {
    let toml = format!(
        "name = \"small\"\ntenants = {tenants}\nfirst_period = \"2025-01-01\"\nas_of = \"{as_of}\"\n"
    );
    let path = profile_file(dir, "small.toml", &toml);
    path.to_str().expect("a UTF-8 temporary path").to_owned()
}

/// The `psql` lines that load `<table>.csv` of `dir`, in foreign-key order (psql doubles
/// a quote inside a quoted file name).
pub fn copy_script(dir: &Path) -> Vec<String> {
    Table::ALL
        .iter()
        .map(|t| {
            let file = dir.join(format!("{}.csv", t.name()));
            let quoted = file.display().to_string().replace('\'', "''");
            format!("\\copy {} FROM '{quoted}' CSV HEADER", t.name())
        })
        .collect()
}

/// Loads `<table>.csv` of `dir` into `db` with `psql \copy`. `replica` first sets
/// `session_replication_role = replica` (superuser), so foreign keys are not enforced.
pub fn psql_copy(db: &ScratchDb, dir: &Path, replica: bool) {
    let mut script = String::new();
    if replica {
        script.push_str("SET session_replication_role = replica;\n");
    }
    for line in copy_script(dir) {
        script.push_str(&line);
        script.push('\n');
    }
    let flags = ["-X", "-q", "-v", "ON_ERROR_STOP=1", "-f", "-", "-d"];
    let mut child = Command::new("psql")
        .args(flags)
        .arg(db.url())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run psql: {e}"));
    child
        .stdin
        .take()
        .unwrap()
        .write_all(script.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "psql failed ({}):\n{script}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
}
