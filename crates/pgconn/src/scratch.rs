//! Scratch PostgreSQL databases: for the tests of services that use the warehouse, for
//! this workspace's own tests (through `testdb`), and for tools that need a throwaway
//! database (codegen's `diesel print-schema`, the property gate, the benchmarks).
//!
//! Every test that touches PostgreSQL gets a database of its own, so tests never share
//! state and can run in parallel:
//!
//! ```no_run
//! use diesel::prelude::*;
//!
//! let db = pgconn::scratch::ScratchDb::migrated("my_test"); // created and migrated
//! let mut conn = db.conn();
//! diesel::sql_query("SELECT 1").execute(&mut conn).unwrap();
//! // dropped, WITH (FORCE), when `db` goes out of scope
//! ```
//!
//! # Which server
//!
//! [`server_url`] picks the server: `TEST_DATABASE_URL`, else `DATABASE_URL`, both also
//! read from a `.env` file (found by `dotenvy` in the working directory or a parent) with
//! the `dotenv` feature (which `testdb` turns on),
//! else [`DEFAULT_SERVER_URL`] if something listens at the default address (moved by
//! [`PM_PG_DEFAULT_ADDR`](crate::cluster::DEFAULT_ADDR_VAR)), else the private cluster
//! ([`crate::cluster`]), started if need be. Only the server matters: the scratch database
//! is created beside the URL's database, which is used (or, failing that, `postgres`) as
//! the maintenance connection that creates and drops it.
//!
//! # Failing, never skipping
//!
//! A test that cannot reach PostgreSQL **panics** with the (password-redacted) URL and
//! what to do ([`START_HINT`](crate::secrets::START_HINT)): a missing database is a broken
//! environment, not a reason to report green. Tools that prefer an error use
//! [`ScratchDb::create_on`] and [`ScratchDb::try_conn`].
//!
//! Passwords never appear in messages: every URL is shown through [`redact`].

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};

use diesel::pg::PgConnection;
use diesel::prelude::*;
use url::Url;

use crate::secrets::redact;

/// The server used when neither `TEST_DATABASE_URL` nor `DATABASE_URL` is set and
/// something listens at the default address (this URL's, unless
/// [`PM_PG_DEFAULT_ADDR`](crate::cluster::DEFAULT_ADDR_VAR) moves it).
pub const DEFAULT_SERVER_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// Longest identifier PostgreSQL keeps (`NAMEDATALEN - 1`).
const MAX_NAME_LEN: usize = 63;

static COUNTER: AtomicUsize = AtomicUsize::new(0);

/// The server URL for tests: `TEST_DATABASE_URL`, else `DATABASE_URL` (either may come
/// from `.env`), else the default server or the private cluster ([`try_server_url`]).
///
/// # Panics
/// When no URL is configured and the server at the default address refuses the user, or
/// nothing listens there and the private cluster cannot start: the message says why and
/// what to do.
pub fn server_url() -> String {
    try_server_url().unwrap_or_else(|err| panic!("{err}"))
}

/// The server URL for tests and tools: `TEST_DATABASE_URL`, else `DATABASE_URL` (either
/// may come from `.env`, with the `dotenv` feature), else [`DEFAULT_SERVER_URL`] at the default address if something
/// listens there and lets role `postgres` in, else the private cluster's `postgres`
/// database ([`cluster::resolve_default`](crate::cluster::resolve_default)). A server that
/// listens at the default address but refuses is an error, never bypassed. The fallback
/// is resolved once per process.
pub fn try_server_url() -> Result<String, crate::cluster::Error> {
    static FALLBACK: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    #[cfg(feature = "dotenv")]
    dotenvy::dotenv().ok();
    if let Some(url) = ["TEST_DATABASE_URL", "DATABASE_URL"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
    {
        return Ok(url);
    }
    if let Some(url) = FALLBACK.get() {
        return Ok(url.clone());
    }
    let url = crate::cluster::resolve_default(Some("postgres"), "postgres")?;
    Ok(FALLBACK.get_or_init(|| url).clone())
}

/// Why a scratch database could not be created or reached.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The server did not accept a connection.
    /// One line: libpq's reason and what to do about it (the command that starts the local
    /// server only when none answered), then where to point the tests instead.
    #[error(
        "cannot connect to PostgreSQL at {url}: {}; or point TEST_DATABASE_URL / DATABASE_URL at another server",
        crate::explain(&.error.to_string())
    )]
    Connect {
        /// The redacted URL.
        url: String,
        /// What libpq said.
        error: diesel::ConnectionError,
    },
    /// The URL is not a `postgres://` URL that names a database.
    #[error("invalid database URL {url}: {reason}")]
    Url {
        /// The redacted URL.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A statement failed.
    #[error("{action} failed on {url}: {error}")]
    Query {
        /// What was being done, e.g. `CREATE DATABASE "pm_test_1_0_x"`.
        action: String,
        /// The redacted URL of the connection.
        url: String,
        /// What the server said.
        error: diesel::result::Error,
    },
}

/// A uniquely named database, dropped (`WITH (FORCE)`) when the value is dropped.
///
/// Its name is `pm_test_<pid>_<counter>_<label>`, so parallel tests and processes never
/// collide, and a leftover of a killed run says which label made it.
pub struct ScratchDb {
    name: String,
    url: String,
    admin_url: String,
}

impl ScratchDb {
    /// Creates an empty scratch database on [`server_url`]'s server.
    ///
    /// # Panics
    /// When the server cannot be reached or refuses `CREATE DATABASE`; the message says
    /// how to start PostgreSQL.
    pub fn new(label: &str) -> Self {
        Self::create_on(&server_url(), label).unwrap_or_else(|err| panic!("{err}"))
    }

    /// Like [`ScratchDb::new`], then applies the warehouse migrations
    /// ([`schema::run_migrations`]).
    ///
    /// # Panics
    /// As [`ScratchDb::new`], or when a migration fails.
    pub fn migrated(label: &str) -> Self {
        let db = Self::new(label);
        if let Err(err) = schema::run_migrations(&mut db.conn()) {
            panic!("migrating scratch database {}: {err}", db.name);
        }
        db
    }

    /// Creates an empty scratch database on the server of `server_url`, reporting
    /// failures instead of panicking.
    pub fn create_on(server_url: &str, label: &str) -> Result<Self, Error> {
        let (mut admin, admin_url) = connect_admin(server_url)?;
        let name = unique_name(label);
        let url = with_database(&admin_url, &name)?;
        for sql in [
            // A previous process with our pid may have died before dropping it.
            format!(
                "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                quote_ident(&name)
            ),
            format!("CREATE DATABASE {}", quote_ident(&name)),
        ] {
            diesel::sql_query(&sql)
                .execute(&mut admin)
                .map_err(|error| Error::Query {
                    action: sql.clone(),
                    url: redact(&admin_url),
                    error,
                })?;
        }
        Ok(Self {
            name,
            url,
            admin_url,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The database's URL, password included: pass it to programs, print [`redact`]ed.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// A new connection to the database.
    ///
    /// # Panics
    /// When the connection fails.
    pub fn conn(&self) -> PgConnection {
        self.try_conn().unwrap_or_else(|err| panic!("{err}"))
    }

    /// A new connection to the database, or the reason there is none.
    pub fn try_conn(&self) -> Result<PgConnection, Error> {
        connect(&self.url)
    }
}

impl fmt::Debug for ScratchDb {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ScratchDb")
            .field("name", &self.name)
            .field("url", &redact(&self.url))
            .finish()
    }
}

impl Drop for ScratchDb {
    fn drop(&mut self) {
        let sql = format!(
            "DROP DATABASE IF EXISTS {} WITH (FORCE)",
            quote_ident(&self.name)
        );
        let dropped = connect(&self.admin_url).and_then(|mut admin| {
            diesel::sql_query(&sql)
                .execute(&mut admin)
                .map_err(|error| Error::Query {
                    action: sql.clone(),
                    url: redact(&self.admin_url),
                    error,
                })
        });
        if let Err(err) = dropped {
            // Panicking in drop could abort a test that is already unwinding.
            eprintln!("warning: scratch database {} left behind: {err}", self.name);
        }
    }
}

fn connect(url: &str) -> Result<PgConnection, Error> {
    PgConnection::establish(url).map_err(|error| Error::Connect {
        url: redact(url),
        error,
    })
}

/// Connects to the URL's own database, or to `postgres` when that one is missing (a
/// `DATABASE_URL` may name a warehouse that does not exist yet).
fn connect_admin(server_url: &str) -> Result<(PgConnection, String), Error> {
    match connect(server_url) {
        Ok(conn) => Ok((conn, server_url.to_owned())),
        Err(first) => {
            let fallback = with_database(server_url, "postgres")?;
            if fallback == server_url {
                return Err(first);
            }
            connect(&fallback)
                .map(|conn| (conn, fallback))
                .map_err(|_| first)
        }
    }
}

/// `url` naming the database `name` instead of its own.
fn with_database(url: &str, name: &str) -> Result<String, Error> {
    let mut parsed = Url::parse(url).map_err(|err| Error::Url {
        url: redact(url),
        reason: err.to_string(),
    })?;
    if !matches!(parsed.scheme(), "postgres" | "postgresql") {
        return Err(Error::Url {
            url: redact(url),
            reason: "expected a postgres:// URL".to_owned(),
        });
    }
    parsed.set_path(&format!("/{name}"));
    Ok(parsed.to_string())
}

fn unique_name(label: &str) -> String {
    let label: String = label
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    let count = COUNTER.fetch_add(1, Ordering::Relaxed);
    let mut name = format!("pm_test_{}_{count}_{label}", std::process::id());
    name.truncate(MAX_NAME_LEN);
    name
}

fn quote_ident(name: &str) -> String {
    format!("\"{}\"", name.replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secrets::{scrub, START_HINT};

    #[test]
    fn redact_hides_only_the_password() {
        assert_eq!(
            redact("postgres://alice:s3cret@db.internal:5433/wh?sslmode=require"),
            "postgres://alice:***@db.internal:5433/wh?sslmode=require"
        );
        assert_eq!(redact(DEFAULT_SERVER_URL), DEFAULT_SERVER_URL);
        assert!(!redact("postgres://a:b c@[::1").contains("b c"));
        let query = redact("postgres://db.internal/wh?user=bob&password=hunter22&sslmode=require");
        assert!(!query.contains("hunter22"), "{query}");
        assert!(
            query.contains("sslmode=require") && query.contains("user=bob"),
            "{query}"
        );
        assert_eq!(
            scrub("bad hunter22", "postgres://h/wh?password=hunter22"),
            "bad ***"
        );
    }

    #[test]
    fn scrub_removes_encoded_and_decoded_passwords() {
        let url = "postgres://alice:p%40ss@localhost/wh";
        let text = "could not connect: p%40ss and p@ss";
        assert_eq!(scrub(text, url), "could not connect: *** and ***");
        assert_eq!(scrub("unchanged", DEFAULT_SERVER_URL), "unchanged");
    }

    #[test]
    fn names_are_unique_valid_identifiers() {
        let long = "x".repeat(100);
        let a = unique_name("Round trip/billing");
        let b = unique_name("Round trip/billing");
        assert_ne!(a, b);
        assert!(a.ends_with("_round_trip_billing"), "{a}");
        assert_eq!(unique_name(&long).len(), MAX_NAME_LEN);
    }

    #[test]
    fn with_database_keeps_server_and_options() {
        assert_eq!(
            with_database("postgres://u:pw@h:1/wh?sslmode=disable", "scratch").unwrap(),
            "postgres://u:pw@h:1/scratch?sslmode=disable"
        );
        assert!(matches!(
            with_database("mysql://h/db", "x"),
            Err(Error::Url { .. })
        ));
    }

    // Port 1 on loopback: nothing listens there.
    const UNREACHABLE: &str = "postgres://alice:hunter2@127.0.0.1:1/postgres";

    #[test]
    fn unreachable_server_error_has_the_start_hint_and_no_password() {
        let message = ScratchDb::create_on(UNREACHABLE, "unreachable")
            .unwrap_err()
            .to_string();
        assert!(message.contains(START_HINT), "{message}");
        assert!(message.contains("alice:***@127.0.0.1:1"), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    /// A server that answers but refuses the role: one line that says so, without the
    /// question whether the server runs.
    #[test]
    fn a_refused_role_is_one_line_without_the_start_hint() {
        let mut url = Url::parse(&server_url()).unwrap();
        url.set_username("pm_no_such_role").unwrap();
        url.set_password(Some("hunter2")).unwrap();
        let message = ScratchDb::create_on(url.as_str(), "refused")
            .unwrap_err()
            .to_string();
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains("pm_no_such_role"), "{message}");
        assert!(!message.contains(START_HINT), "{message}");
        assert!(!message.contains("hunter2"), "{message}");
    }

    /// Runs itself again as a child whose `TEST_DATABASE_URL` points nowhere: the child's
    /// `ScratchDb::new` must panic (the test fails) rather than skip.
    #[test]
    fn new_panics_when_the_server_is_down() {
        if std::env::var_os("TESTDB_PANIC_PROBE").is_some() {
            ScratchDb::new("probe");
            return;
        }
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args([
                "scratch::tests::new_panics_when_the_server_is_down",
                "--exact",
            ])
            .args(["--nocapture", "--test-threads=1"])
            .env("TESTDB_PANIC_PROBE", "1")
            .env("TEST_DATABASE_URL", UNREACHABLE)
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(!out.status.success(), "the probe passed:\n{stdout}{stderr}");
        assert!(stdout.contains("1 failed"), "{stdout}");
        assert!(stderr.contains(START_HINT), "{stderr}");
        assert!(!stderr.contains("hunter2"), "{stderr}");
    }

    #[test]
    fn scratch_database_exists_until_dropped() {
        let db = ScratchDb::new("lifecycle");
        let name = db.name().to_owned();
        let exists = |conn: &mut PgConnection| -> bool {
            diesel::select(diesel::dsl::sql::<diesel::sql_types::Bool>(&format!(
                "EXISTS (SELECT 1 FROM pg_database WHERE datname = '{name}')"
            )))
            .get_result(conn)
            .unwrap()
        };
        let mut admin = PgConnection::establish(&server_url()).unwrap();
        assert!(exists(&mut admin));
        // An open connection must not keep the database alive.
        let _held = db.conn();
        drop(db);
        assert!(!exists(&mut admin));
    }
}
