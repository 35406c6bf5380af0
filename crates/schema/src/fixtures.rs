//! The fixtures: a small, deterministic warehouse for other projects' tests.
//!
//! `fixtures/` at the root of this repository holds one `<table>.csv` per table (with a
//! header row, in the dialect of PostgreSQL's `COPY … CSV HEADER`) and a `manifest.toml`
//! that records the simulator profile and seed that generated them, the rows per table
//! and a content hash. `cargo xtask fixtures` regenerates them; the README's test command
//! fails when they are stale.
//!
//! The dataset is about 930 rows: thirteen tenants over five monthly periods (January to
//! May 2026), and it shows every edge case the domain rules allow, each at least once:
//!
//! - a period with zero activity (May: billing and mailbox rows, no mail);
//! - a tenant that churned, a trial tenant without a subscription, and one that converted;
//! - an agency with several companies;
//! - A/B variants of a sequence step (`…-s2a`, `…-s2b`);
//! - mailboxes still warming up, campaigns and leads that span periods;
//! - every value of the four status columns.
//!
//! # Loading them in a test
//!
//! ```no_run
//! use diesel::prelude::*;
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! // A fresh, empty database (for example one created per test).
//! let mut conn = PgConnection::establish("postgres://127.0.0.1:5432/my_service_test")?;
//! schema::run_migrations(&mut conn)?;
//! let loaded = schema::fixtures::load(&mut conn, schema::fixtures::DIR)?;
//! assert_eq!(loaded[0], ("billing_analytics", 30));
//! # Ok(())
//! # }
//! ```
//!
//! [`load`] copies the six files in foreign-key order in one transaction, so a failure
//! leaves the database as it was, and then moves each table's identity sequence past the
//! loaded ids, so that the test can insert rows of its own afterwards. Without Rust, the
//! same files load with `psql`, in the order of [`Table::ALL`]:
//!
//! ```sh
//! psql "$DATABASE_URL" -c "\copy billing_analytics FROM 'fixtures/billing_analytics.csv' CSV HEADER"
//! # … then campaign_analytics, sequence_step_analytics, lead_analytics,
//! # mailbox_analytics, warmup_analytics
//! ```

use std::path::{Path, PathBuf};

use diesel::pg::{CopyFormat, PgConnection};
use diesel::prelude::*;
use diesel::sql_types::Text;

use crate::Table;

/// The fixtures directory of this source tree (`<repository>/fixtures`), as an absolute
/// path fixed when the crate is compiled; it exists wherever the crate's source does
/// (a path or git dependency).
pub const DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../fixtures");

/// Why the fixtures could not be loaded. Nothing was loaded: [`load`] rolls back.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// A file could not be read.
    #[error("cannot read fixture {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A file's header does not name the table's columns, in table order: the file and
    /// the database are from different versions of the migrations.
    #[error(
        "{path}: the header does not match the columns of {table}\n  file:     {found}\n  \
         database: {expected}\n(are the database and the fixtures from the same migrations?)"
    )]
    Header {
        /// The file.
        path: PathBuf,
        /// The table.
        table: &'static str,
        /// The file's header line.
        found: String,
        /// The table's columns, comma separated.
        expected: String,
    },
    /// `COPY` or a statement around it failed; the message says which table.
    #[error("loading {table}: {source}")]
    Database {
        /// The table being loaded, or the step that failed.
        table: &'static str,
        /// What the server said.
        source: diesel::result::Error,
    },
}

impl From<diesel::result::Error> for LoadError {
    /// `BEGIN` or `COMMIT` failed.
    fn from(source: diesel::result::Error) -> Self {
        LoadError::Database {
            table: "the fixtures (BEGIN or COMMIT)",
            source,
        }
    }
}

/// Loads the six `<table>.csv` files of `dir` (usually [`DIR`]) into a migrated, empty
/// warehouse, in foreign-key order and in one transaction, then sets each table's
/// identity sequence to its largest `id`. Returns the rows copied per table, in
/// [`Table::ALL`] order.
///
/// The files keep their `id`s (`COPY` writes identity columns as given), so tests can
/// refer to rows by id. Loading twice into the same database fails on the primary keys
/// and changes nothing.
pub fn load(
    conn: &mut PgConnection,
    dir: impl AsRef<Path>,
) -> Result<Vec<(&'static str, usize)>, LoadError> {
    let dir = dir.as_ref();
    let files = Table::ALL
        .iter()
        .map(|&table| {
            let path = dir.join(format!("{}.csv", table.name()));
            std::fs::read(&path)
                .map(|bytes| (table, path.clone(), bytes))
                .map_err(|source| LoadError::Read { path, source })
        })
        .collect::<Result<Vec<_>, _>>()?;
    conn.transaction(|conn| {
        let mut loaded = Vec::with_capacity(files.len());
        for (table, path, bytes) in &files {
            let table = *table;
            check_header(conn, table.name(), path, bytes)?;
            let rows = table
                .copy_in(conn, CopyFormat::Csv, bytes)
                .map_err(|source| LoadError::Database {
                    table: table.name(),
                    source,
                })?;
            loaded.push((table.name(), rows));
        }
        for table in Table::ALL.map(Table::name) {
            // `table` is a name of `Table`, never input: identifiers cannot be bound.
            diesel::sql_query(format!(
                "SELECT setval(pg_get_serial_sequence('{table}', 'id'), max(id)) FROM {table}"
            ))
            .execute(conn)
            .map_err(|source| LoadError::Database { table, source })?;
        }
        Ok(loaded)
    })
}

#[derive(QueryableByName)]
struct ColumnName {
    #[diesel(sql_type = Text)]
    name: String,
}

/// Fails unless the first line of `bytes` lists `table`'s columns in table order: `COPY`
/// maps fields by position and skips the header unread.
fn check_header(
    conn: &mut PgConnection,
    table: &'static str,
    path: &Path,
    bytes: &[u8],
) -> Result<(), LoadError> {
    let columns: Vec<ColumnName> = diesel::sql_query(
        "SELECT column_name::text AS name FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name = $1 ORDER BY ordinal_position",
    )
    .bind::<Text, _>(table)
    .load(conn)
    .map_err(|source| LoadError::Database { table, source })?;
    let expected = columns
        .iter()
        .map(|c| c.name.as_str())
        .collect::<Vec<_>>()
        .join(",");
    let line = bytes.split(|&b| b == b'\n').next().unwrap_or_default();
    let found = String::from_utf8_lossy(line)
        .trim_end_matches('\r')
        .to_owned();
    if found == expected {
        Ok(())
    } else {
        Err(LoadError::Header {
            path: path.to_owned(),
            table,
            found,
            expected,
        })
    }
}
