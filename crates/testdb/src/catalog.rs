//! A comparable snapshot of what a database defines in its `public` schema.
//!
//! Two databases built differently (by the embedded migrations, by the seed DDL, by the
//! `up.sql` files run as plain SQL) must define the same tables; comparing their
//! [`Catalog`]s says so, and a failing comparison shows the differing lines.

use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::Text;

/// Diesel's bookkeeping table, which only migration runs create; never part of a
/// [`Catalog`].
pub const DIESEL_BOOKKEEPING: &str = "__diesel_schema_migrations";

/// What the `public` schema defines, as sorted lines of text, one kind per field.
/// Diesel's bookkeeping table is left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalog {
    /// Table names.
    pub tables: Vec<String>,
    /// `table.column #position type default=… nullable=… identity=…`.
    pub columns: Vec<String>,
    /// `table constraint: definition`: primary keys, foreign keys with their targets,
    /// unique and check constraints.
    pub constraints: Vec<String>,
    /// `index: pg_get_indexdef(…)`.
    pub indexes: Vec<String>,
    /// `sequence type start= increment= min= max= cache= cycle=`: the identity sequences.
    pub sequences: Vec<String>,
    /// `table: pg_get_triggerdef(…)` of the triggers a user created (not those that
    /// implement foreign keys): the migrations create none, and a bulk load's write guard
    /// must not outlive it.
    pub triggers: Vec<String>,
}

impl Catalog {
    /// The indexes `self` has and `base` lacks, once `self` is shown to differ from `base`
    /// in indexes only: what an index migration added (or, read the other way, removed).
    ///
    /// # Panics
    /// When tables, columns, constraints or sequences differ.
    pub fn indexes_beyond<'a>(&'a self, base: &Catalog) -> Vec<&'a str> {
        assert_eq!(self.tables, base.tables);
        assert_eq!(self.columns, base.columns);
        assert_eq!(self.constraints, base.constraints);
        assert_eq!(self.sequences, base.sequences);
        assert_eq!(self.triggers, base.triggers);
        self.indexes
            .iter()
            .filter(|i| !base.indexes.contains(i))
            .map(String::as_str)
            .collect()
    }

    /// Reads the snapshot of the database behind `conn`.
    ///
    /// # Panics
    /// When a catalog query fails.
    pub fn read(conn: &mut PgConnection) -> Self {
        Self {
            tables: lines(
                conn,
                "SELECT c.relname AS line FROM pg_class c
                 WHERE c.relnamespace = 'public'::regnamespace AND c.relkind IN ('r', 'p')
                   AND c.relname <> $1",
            ),
            columns: lines(
                conn,
                "SELECT format('%s.%s #%s %s default=%s nullable=%s identity=%s',
                               table_name, column_name, ordinal_position, data_type,
                               coalesce(column_default, '-'), is_nullable,
                               coalesce(identity_generation, '-')) AS line
                 FROM information_schema.columns
                 WHERE table_schema = 'public' AND table_name <> $1",
            ),
            constraints: lines(
                conn,
                "SELECT format('%s %s: %s', c.relname, k.conname,
                               pg_get_constraintdef(k.oid)) AS line
                 FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
                 WHERE c.relnamespace = 'public'::regnamespace AND c.relname <> $1",
            ),
            indexes: lines(
                conn,
                "SELECT format('%s: %s', indexname, indexdef) AS line FROM pg_indexes
                 WHERE schemaname = 'public' AND tablename <> $1",
            ),
            sequences: lines(
                conn,
                "SELECT format('%s %s start=%s increment=%s min=%s max=%s cache=%s cycle=%s',
                               sequencename, data_type, start_value, increment_by,
                               min_value, max_value, cache_size, cycle) AS line
                 FROM pg_sequences WHERE schemaname = 'public' AND sequencename <> $1",
            ),
            triggers: lines(
                conn,
                "SELECT format('%s: %s', c.relname, pg_get_triggerdef(t.oid)) AS line
                 FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
                 WHERE c.relnamespace = 'public'::regnamespace AND NOT t.tgisinternal
                   AND c.relname <> $1",
            ),
        }
    }

    /// True when the schema defines nothing at all.
    pub fn is_empty(&self) -> bool {
        self.tables.is_empty()
            && self.columns.is_empty()
            && self.constraints.is_empty()
            && self.indexes.is_empty()
            && self.sequences.is_empty()
            && self.triggers.is_empty()
    }
}

#[derive(QueryableByName)]
struct Line {
    #[diesel(sql_type = Text)]
    line: String,
}

/// Runs `sql` (one `line` column, `$1` bound to [`DIESEL_BOOKKEEPING`]) and returns the
/// lines sorted.
fn lines(conn: &mut PgConnection, sql: &str) -> Vec<String> {
    let mut lines: Vec<String> = diesel::sql_query(sql)
        .bind::<Text, _>(DIESEL_BOOKKEEPING)
        .load::<Line>(conn)
        .unwrap_or_else(|err| panic!("catalog query failed: {err}\n{sql}"))
        .into_iter()
        .map(|l| l.line)
        .collect();
    lines.sort();
    lines
}
