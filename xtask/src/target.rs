//! The warehouse to work on: its URL (flag, `DATABASE_URL`, `.env`, or the local
//! default), connections with errors that say what to do, and never a password printed.

use anyhow::{bail, Result};
use diesel::prelude::*;
use diesel::result::{DatabaseErrorKind, Error::DatabaseError};
use diesel::sql_types::Bool;
use url::Url;

/// The local development warehouse, used when nothing else is configured.
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
    /// `--database-url`, else `DATABASE_URL` (from the environment or `.env`), else
    /// [`DEFAULT_URL`]. Rejects anything that is not a `postgres://` URL naming a database.
    pub fn resolve(flag: Option<&str>) -> Result<Self> {
        dotenvy::dotenv().ok();
        let raw = match flag {
            Some(url) => url.to_owned(),
            None => std::env::var("DATABASE_URL")
                .ok()
                .filter(|v| !v.trim().is_empty())
                .unwrap_or_else(|| DEFAULT_URL.to_owned()),
        };
        Self::parse(&raw)
    }

    /// Parses and checks a database URL.
    pub fn parse(raw: &str) -> Result<Self> {
        let url = Url::parse(raw)
            .map_err(|e| anyhow::anyhow!("invalid database URL {}: {e}", testdb::redact(raw)))?;
        if !matches!(url.scheme(), "postgres" | "postgresql") {
            bail!(
                "invalid database URL {}: the scheme must be postgres:// or postgresql://",
                testdb::redact(raw)
            );
        }
        let target = Self { url };
        if target.database().is_empty() {
            bail!("invalid database URL {}: it names no database", target);
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
        let password = url.password().map(|p| {
            url::form_urlencoded::parse(format!("p={p}").as_bytes())
                .next()
                .map_or_else(|| p.to_owned(), |(_, v)| v.into_owned())
        });
        // Only fails for URLs that cannot have credentials, which have no password.
        let _ = url.set_password(None);
        (url.to_string(), password)
    }

    /// Connects, or explains why not.
    pub fn connect(&self) -> Result<PgConnection> {
        PgConnection::establish(self.url.as_str()).map_err(|e| {
            // libpq's message spans lines; the error is one line.
            let message = testdb::scrub(&e.to_string(), self.url.as_str());
            let message = message.split_whitespace().collect::<Vec<_>>().join(" ");
            anyhow::anyhow!(
                "cannot connect to {self}: {message} (is PostgreSQL running? locally: {})",
                testdb::START_HINT
            )
        })
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
                    Err(e) => bail!("cannot create database {name:?} on {self}: {e}"),
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
            bail!("{self} is a hot standby (read-only): point --database-url at the primary");
        }
        let read_only =
            diesel::sql_query("SELECT current_setting('transaction_read_only') = 'on' AS flag")
                .get_result::<Flag>(conn)?
                .flag;
        if read_only {
            bail!(
                "{self} is read-only (default_transaction_read_only is on): \
                 seed a writable warehouse or turn the setting off"
            );
        }
        Ok(())
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&testdb::redact(self.url.as_str()))
    }
}
