//! Helpers for the workspace's tests: scratch databases (re-exported from
//! [`pgconn::scratch`], which `warehouse` re-exports for services), catalog snapshots to compare
//! schemas, and plain-SQL application of spec files.
//!
//! ```no_run
//! use diesel::prelude::*;
//!
//! let db = testdb::ScratchDb::migrated("my_test"); // created and migrated
//! let mut conn = db.conn();
//! diesel::sql_query("SELECT 1").execute(&mut conn).unwrap();
//! // dropped, WITH (FORCE), when `db` goes out of scope
//! ```

use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::pg::PgConnection;

pub use pgconn::scratch::{server_url, Error, ScratchDb, DEFAULT_SERVER_URL};
pub use pgconn::secrets::{redact, scrub, START_HINT};

pub mod catalog;

/// Runs the SQL file at `path` as plain SQL (`batch_execute`), the way `psql -f` would,
/// without Diesel's migration bookkeeping.
///
/// # Panics
/// When the file cannot be read or a statement fails; the message names the file.
pub fn apply_sql_file(conn: &mut PgConnection, path: &Path) {
    let sql = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("reading {}: {err}", path.display()));
    apply_sql(conn, &path.display().to_string(), &sql);
}

/// Runs `sql` as plain SQL (`batch_execute`); `origin` names it in the panic message.
///
/// # Panics
/// When a statement fails.
pub fn apply_sql(conn: &mut PgConnection, origin: &str, sql: &str) {
    if let Err(err) = conn.batch_execute(sql) {
        panic!("applying {origin}: {err}");
    }
}
