//! The warehouse to work on: its URL (flag, `DATABASE_URL`, `.env`, or the local
//! default), connections with errors that say what to do, and never a password printed.

use crate::error::{fail, refuse, Error, Result};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error::DatabaseError};
use diesel::sql_types::{Bool, Text};
use sim::ids::Table;
use url::Url;

/// The local development warehouse, used when nothing else is configured and something
/// listens at the default address (this URL's, unless `PM_PG_DEFAULT_ADDR` moves it).
pub const DEFAULT_URL: &str = "postgres://127.0.0.1:5432/penguinmails_dev";

/// A PostgreSQL database, by URL.
#[derive(Debug, Clone)]
pub struct Target {
    url: Url,
}

#[derive(QueryableByName)]
struct Flag {
    #[diesel(sql_type = Bool)]
    flag: bool,
}

impl Target {
    /// `url`, else the environment's `DATABASE_URL` (the command line loads `.env` into it),
    /// else
    /// [`DEFAULT_URL`] if something listens at its address and lets the user in, else the
    /// private cluster's `penguinmails_dev` (started if need be; `pgconn::cluster`). A
    /// server that listens at the default address but refuses is an error, never bypassed.
    /// Rejects anything that is not a `postgres://` URL naming a database.
    pub fn resolve(flag: Option<&str>) -> Result<Self> {
        let raw = match flag {
            Some(url) => url.to_owned(),
            None => match std::env::var("DATABASE_URL")
                .ok()
                .filter(|v| !v.trim().is_empty())
            {
                Some(url) => url,
                None => pgconn::cluster::resolve_default(None, "penguinmails_dev")?,
            },
        };
        Self::parse(&raw)
    }

    /// Parses and checks a database URL.
    pub fn parse(raw: &str) -> Result<Self> {
        let url = Url::parse(raw)
            .or_else(|e| socket_url(raw).ok_or(e))
            .map_err(|e| {
                Error::Invalid(format!(
                    "invalid database URL {}: {e}",
                    crate::secrets::redact(raw)
                ))
            })?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            fail!(
                Invalid,
                "invalid database URL {}: the scheme must be postgres:// or postgresql://",
                crate::secrets::redact(raw)
            );
        }
        let target = Self { url };
        if target.database().is_empty() {
            fail!(
                Invalid,
                "invalid database URL {}: it names no database",
                target
            );
        }
        Ok(target)
    }

    /// The database name.
    pub fn database(&self) -> &str {
        self.url.path().trim_start_matches('/')
    }

    /// The same server, another database.
    pub fn with_database(&self, name: &str) -> Self {
        let mut url = self.url.clone();
        url.set_path(&format!("/{name}"));
        Self { url }
    }

    /// The full URL, password included: for libpq only, never for printing.
    pub fn secret_url(&self) -> &str {
        self.url.as_str()
    }

    /// The URL without its password, and the password: for handing to another program
    /// through its environment (`PGPASSWORD`) rather than its visible arguments.
    pub fn split_password(&self) -> (String, Option<String>) {
        let mut url = self.url.clone();
        let password = url.password().map(libpq_decode);
        // Only fails for URLs that cannot have credentials, which have no password.
        let _ = url.set_password(None);
        // libpq also takes it as a parameter (as in the socket form, see `socket_url`).
        let (params, rest): (Vec<&str>, Vec<&str>) = url
            .query()
            .unwrap_or("")
            .split('&')
            .filter(|pair| !pair.is_empty())
            .partition(|pair| pair.starts_with("password="));
        let password = password.or_else(|| {
            params
                .first()
                .map(|pair| libpq_decode(&pair["password=".len()..]))
        });
        let rest = rest.join("&");
        url.set_query((!rest.is_empty()).then_some(rest.as_str()));
        (url.to_string(), password)
    }

    /// Connects, or explains why not.
    pub fn connect(&self) -> Result<PgConnection> {
        PgConnection::establish(self.url.as_str()).map_err(|e| {
            let message = crate::secrets::scrub(&e.to_string(), self.url.as_str());
            Error::Connect(format!(
                "cannot connect to {self}: {}",
                pgconn::explain(&message)
            ))
        })
    }

    /// Refuses a database without the six tables (for the tasks that only read them).
    pub fn ensure_warehouse(&self, conn: &mut PgConnection) -> Result<()> {
        #[derive(QueryableByName)]
        struct Missing {
            #[diesel(sql_type = Text)]
            name: String,
        }
        let names: Vec<&str> = Table::ALL.iter().map(|t| t.name()).collect();
        let missing: Vec<String> = diesel::sql_query(
            "SELECT name FROM unnest($1::text[]) WITH ORDINALITY AS t(name, n) \
             WHERE to_regclass(format('public.%I', name)) IS NULL ORDER BY n",
        )
        .bind::<diesel::sql_types::Array<Text>, _>(&names)
        .load::<Missing>(conn)?
        .into_iter()
        .map(|m| m.name)
        .collect();
        if !missing.is_empty() {
            refuse!(
                NotAWarehouse,
                "{self} is not a warehouse: it lacks {}; create and fill it with \
                 `cargo xtask seed --database-url <this URL>`",
                missing.join(", ")
            );
        }
        Ok(())
    }

    /// Connects, creating the database first if the server says it does not exist.
    pub fn connect_or_create(&self) -> Result<(PgConnection, bool)> {
        match PgConnection::establish(self.url.as_str()) {
            Ok(conn) => Ok((conn, false)),
            Err(e)
                if e.to_string().contains("does not exist")
                    && e.to_string().contains("database") =>
            {
                let mut admin = self.with_database("postgres").connect()?;
                let name = self.database().replace('"', "\"\"");
                let created = match diesel::sql_query(format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut admin)
                {
                    Ok(_) => true,
                    // Another seeder (a concurrent shard) created it first: "already
                    // exists" once its CREATE committed, a unique violation on
                    // pg_database while both were in flight.
                    Err(e)
                        if e.to_string().contains("already exists")
                            || matches!(
                                e,
                                DatabaseError(DatabaseErrorKind::UniqueViolation, _)
                            ) =>
                    {
                        false
                    }
                    Err(e) => fail!(Other, "cannot create database {name:?} on {self}: {e}"),
                };
                Ok((self.connect()?, created))
            }
            Err(_) => self.connect().map(|c| (c, false)),
        }
    }

    /// Refuses a hot standby or a server whose transactions default to read-only.
    pub fn ensure_writable(&self, conn: &mut PgConnection) -> Result<()> {
        let standby = diesel::sql_query("SELECT pg_is_in_recovery() AS flag")
            .get_result::<Flag>(conn)?
            .flag;
        if standby {
            refuse!(
                ReadOnly,
                "{self} is a hot standby (read-only): point --database-url at the primary"
            );
        }
        let read_only =
            diesel::sql_query("SELECT current_setting('transaction_read_only') = 'on' AS flag")
                .get_result::<Flag>(conn)?
                .flag;
        if read_only {
            refuse!(
                ReadOnly,
                "{self} is read-only (default_transaction_read_only is on): \
                 seed a writable warehouse or turn the setting off"
            );
        }
        Ok(())
    }
}

/// Decodes `%XX` as libpq does in URLs, and nothing else: a `+` is a plus sign.
fn libpq_decode(text: &str) -> String {
    percent_encoding::percent_decode_str(text)
        .decode_utf8_lossy()
        .into_owned()
}

/// `postgres://user:pw@/db?host=/socket`, which libpq accepts (a Unix socket directory
/// given as a parameter) but a URL may not spell (credentials without a host): the same
/// target as `postgres:///db?host=/socket&user=user&password=pw`.
fn socket_url(raw: &str) -> Option<Url> {
    let (scheme, rest) = raw.split_once("://")?;
    let (credentials, tail) = rest.split_once("@/")?;
    if credentials.contains('/') {
        return None;
    }
    let mut url = Url::parse(&format!("{scheme}:///{tail}")).ok()?;
    if !url.query_pairs().any(|(k, _)| k == "host") {
        return None;
    }
    let (user, password) = match credentials.split_once(':') {
        Some((u, p)) => (u, Some(p)),
        None => (credentials, None),
    };
    // Kept percent-encoded as written: libpq decodes `%XX` in parameters, and only that
    // (a `+` stays a `+`), exactly as in the user part of a URL.
    let mut query = url.query().unwrap_or("").to_owned();
    for (key, value) in [("user", Some(user)), ("password", password)] {
        if let Some(value) = value.filter(|v| !v.is_empty()) {
            query.push_str(&format!("&{key}={value}"));
        }
    }
    url.set_query(Some(&query));
    Some(url)
}

/// For errors of a step on the main connection: a database error is named by the step
/// that failed; refusals and other errors pass as they are.
pub fn db_step<E: Into<Error>>(step: &'static str) -> impl Fn(E) -> Error {
    move |e| match e.into() {
        Error::Database {
            message, source, ..
        } => Error::Database {
            step: step.to_owned(),
            message,
            source,
        },
        other => other,
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&crate::secrets::redact(self.url.as_str()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credentials_before_a_socket_parameter_become_parameters() {
        let target = Target::parse("postgres://me:p%40ss@/wh?host=/run/pg").unwrap();
        assert_eq!(target.database(), "wh");
        let pairs: Vec<(String, String)> = target.url.query_pairs().into_owned().collect();
        let expected = [("host", "/run/pg"), ("user", "me"), ("password", "p@ss")];
        assert_eq!(pairs, expected.map(|(k, v)| (k.to_owned(), v.to_owned())));
        assert!(!target.to_string().contains("p%40ss"), "{target}");
        let (url, password) = target.split_password();
        assert_eq!(password.as_deref(), Some("p@ss"));
        assert_eq!(url, "postgres:///wh?host=/run/pg&user=me");
        // libpq decodes `%XX` only: a `+` in a password is a plus sign, in either place.
        let plus = Target::parse("postgres://me:a+b%20c@/wh?host=/run/pg").unwrap();
        assert_eq!(plus.split_password().1.as_deref(), Some("a+b c"));
        let param = Target::parse("postgres://h/wh?password=a+b&sslmode=disable").unwrap();
        let (url, password) = param.split_password();
        assert_eq!(password.as_deref(), Some("a+b"));
        assert_eq!(url, "postgres://h/wh?sslmode=disable");
        // Without a socket parameter the URL names no server: still refused.
        assert!(Target::parse("postgres://me:pw@/wh").is_err());
    }
}
