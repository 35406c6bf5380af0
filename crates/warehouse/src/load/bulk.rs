//! The bulk path for an empty warehouse, in pg_restore order: the keys go, the heap is
//! loaded, the keys come back.
//!
//! Checking a foreign key and inserting into three b-tree indexes per row is most of what
//! the server does in a transactional seed; building an index from a sorted heap and
//! validating a foreign key with one anti-join cost a fraction of it. So when the six
//! tables are empty and the run loads the whole seed alone, [`drop_keys`] records every
//! primary key, unique index, query index and foreign key of the six tables, as the
//! catalog defines them (`pg_get_constraintdef`, `pg_get_indexdef`), in
//! `pm_seed.bulk_keys`, and drops them, in one transaction. The loaders then COPY tenant
//! by tenant as usual (each tenant and its ledger row still commit together, so a killed
//! heap load resumes where it stopped), and [`rebuild_keys`] builds them again from the
//! recorded definitions: each table's keys and indexes on its own connection, tables side
//! by side; then the foreign keys, added `NOT VALID` (a moment's lock) and validated side
//! by side (validation locks the referenced table only in `ROW SHARE` mode).
//!
//! The definitions are durable, so a run killed at any point leaves what the next run of
//! the same command needs: it loads the tenants the ledger lacks, builds what the
//! catalog lacks (or validates what is not validated yet), and deletes the record. The
//! catalog then equals the migrations' again.
//!
//! What stops other sessions writing while keys are missing: no table lock can, since
//! the seed writes through several sessions (every lock mode that blocks another
//! session's `INSERT` blocks the other loaders' too), and an advisory lock only stops
//! writers that ask for it, and vanishes with a killed run. So the drop installs a
//! statement trigger on each of the six tables that refuses `INSERT`, `UPDATE`, `DELETE`
//! and `TRUNCATE` unless the session set [`BYPASS`] (as the seed's own connections do).
//! It is durable like the definitions: it keeps refusing after a kill, until the run that
//! completes the rebuild drops it with the record.

use crate::error::{refuse, Result, Step};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, Bool, Text};
use sim::ids::Table;
use sim::Shard;

use crate::target::Target;

/// The session setting that lets the seed's own connections write while keys are missing.
pub const BYPASS: &str = "SET pm_seed.bulk_load = 'on'";

/// Memory for each index build; the sort of the largest table's keys fits in it.
const BUILD_MEMORY: &str = "SET maintenance_work_mem = '256MB'";

const DDL: &str = "
CREATE SCHEMA IF NOT EXISTS pm_seed;
CREATE TABLE IF NOT EXISTS pm_seed.bulk_keys (
    name       TEXT PRIMARY KEY,
    table_name TEXT NOT NULL,
    kind       TEXT NOT NULL CHECK (kind IN ('key', 'index', 'foreign')),
    definition TEXT NOT NULL
);
COMMENT ON TABLE pm_seed.bulk_keys IS 'keys and indexes of the six tables dropped by a bulk seed, as the catalog defined them; rebuilt and deleted by the run that finishes it';
CREATE OR REPLACE FUNCTION pm_seed.refuse_writes() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF current_setting('pm_seed.bulk_load', true) IS DISTINCT FROM 'on' THEN
        RAISE EXCEPTION 'bulk load in progress/interrupted: keys missing on %; run the same seed command to finish', TG_TABLE_NAME;
    END IF;
    RETURN NULL;
END $$;
";

/// The trigger that refuses other sessions' writes while keys are missing.
const GUARD: &str = "pm_seed_bulk_guard";

/// The keys and indexes of the six tables as the catalog defines them, with what each is:
/// a primary key or unique constraint, a plain or unique index, a foreign key; and the
/// statement that creates it.
const CATALOG_KEYS: &str = "
SELECT k.conname AS name, c.relname AS table_name, CASE k.contype WHEN 'f' THEN 'foreign' ELSE 'key' END AS kind,
       format('ALTER TABLE %I ADD CONSTRAINT %I %s', c.relname, k.conname, pg_get_constraintdef(k.oid)) AS definition,
       k.convalidated AS present
FROM pg_constraint k JOIN pg_class c ON c.oid = k.conrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1) AND k.contype IN ('p', 'u', 'f')
UNION ALL
SELECT i.relname, c.relname, 'index', pg_get_indexdef(i.oid), true
FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class c ON c.oid = x.indrelid
WHERE c.relnamespace = 'public'::regnamespace AND c.relname = ANY($1)
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = x.indexrelid AND k.conrelid = x.indrelid)
ORDER BY table_name, kind, name";

/// Records the keys and indexes present in the catalog; those recorded by an interrupted
/// run stay as recorded.
fn record_sql() -> String {
    format!(
        "INSERT INTO pm_seed.bulk_keys (name, table_name, kind, definition) \
         SELECT name, table_name, kind, definition FROM ({CATALOG_KEYS}) k \
         ON CONFLICT (name) DO NOTHING"
    )
}

/// The recorded keys the catalog lacks (or, for a foreign key, has not validated yet).
const MISSING: &str = "
SELECT b.name, b.table_name, b.kind, b.definition,
       (k.oid IS NOT NULL OR to_regclass(format('public.%I', b.name)) IS NOT NULL) AS present
FROM pm_seed.bulk_keys b
LEFT JOIN pg_constraint k ON k.conname = b.name AND k.conrelid = to_regclass(format('public.%I', b.table_name))
-- A plain index is no constraint: it is missing when no relation has its name.
WHERE CASE WHEN b.kind = 'index' THEN to_regclass(format('public.%I', b.name)) IS NULL
           ELSE k.oid IS NULL OR NOT k.convalidated END
ORDER BY b.table_name, b.kind, b.name";

/// A key or index dropped by a bulk seed and not (completely) rebuilt yet.
#[derive(QueryableByName, Debug, Clone)]
pub struct Key {
    /// Constraint or index name.
    #[diesel(sql_type = Text)]
    pub name: String,
    /// Its table.
    #[diesel(sql_type = Text)]
    pub table_name: String,
    /// `key` (primary key or unique constraint), `index`, or `foreign`.
    #[diesel(sql_type = Text)]
    pub kind: String,
    /// The statement that creates it.
    #[diesel(sql_type = Text)]
    pub definition: String,
    /// In `missing`: a foreign key added `NOT VALID` that awaits validation. In
    /// [`catalog_keys`]: validated.
    #[diesel(sql_type = Bool)]
    pub present: bool,
}

impl Key {
    /// The statement that drops it.
    pub fn drop_statement(&self) -> String {
        if self.kind == "index" {
            format!("DROP INDEX IF EXISTS public.\"{}\"", self.name)
        } else {
            format!(
                "ALTER TABLE public.\"{}\" DROP CONSTRAINT IF EXISTS \"{}\"",
                self.table_name, self.name
            )
        }
    }
}

/// Every key and index of the six tables as the catalog defines them now, sorted by
/// table, kind and name: what the bulk path drops, and what it must leave behind.
pub fn catalog_keys(conn: &mut PgConnection) -> QueryResult<Vec<Key>> {
    diesel::sql_query(CATALOG_KEYS)
        .bind::<Array<Text>, _>(names())
        .load(conn)
}

fn names() -> Vec<&'static str> {
    Table::ALL.iter().map(|t| t.name()).collect()
}

/// The keys and indexes a bulk seed dropped that the catalog still lacks; empty when no
/// bulk seed is unfinished.
pub fn missing(conn: &mut PgConnection) -> QueryResult<Vec<Key>> {
    #[derive(QueryableByName)]
    struct Exists {
        #[diesel(sql_type = Bool)]
        flag: bool,
    }
    let recorded = diesel::sql_query("SELECT to_regclass('pm_seed.bulk_keys') IS NOT NULL AS flag")
        .get_result::<Exists>(conn)?
        .flag;
    if !recorded {
        return Ok(Vec::new());
    }
    diesel::sql_query(MISSING).load(conn)
}

/// "bulk load in progress/interrupted: keys missing on …" for `status` and `audit`, or
/// `None` when every key is in place and nothing of a bulk load is left: a run killed
/// after its last key was built, but before it dropped the write guard and the record,
/// leaves a warehouse that still refuses other sessions' writes.
pub fn warning(conn: &mut PgConnection) -> QueryResult<Option<String>> {
    let keys = missing(conn)?;
    if keys.is_empty() {
        if !leftover(conn)? {
            return Ok(None);
        }
        return Ok(Some(
            "bulk load interrupted as it finished: its write guard (triggers) is still on the \
             six tables; run the same seed command to finish"
                .to_owned(),
        ));
    }
    let mut tables: Vec<&str> = keys.iter().map(|k| k.table_name.as_str()).collect();
    tables.dedup();
    Ok(Some(format!(
        "bulk load in progress/interrupted: keys missing on {} ({} keys and indexes); \
         run the same seed command to finish",
        tables.join(", "),
        keys.len()
    )))
}

/// Whether a run that has the warehouse to itself takes the bulk path: a whole seed (no
/// `--shard`, which is `--shard 1/1`) into a warehouse that holds none of its tenants, or a
/// whole seed finishing a bulk load that was interrupted. A sharded run never does: its
/// pods share the warehouse, so each tenant goes in its own transaction, keys in place.
pub fn takes_bulk_path(shard: Shard, interrupted: bool, nothing_loaded: bool) -> bool {
    shard == Shard::ALL && (interrupted || nothing_loaded)
}

/// Refuses on a Citus database a run that would take the bulk path
/// ([`takes_bulk_path`]): Citus refuses triggers on distributed tables (unless
/// `citus.enable_unsafe_triggers`), and does not forward the session setting of
/// [`BYPASS`] to its workers, so neither the write guard nor the seed's own way past it
/// would work. Tenant by tenant (`--shard`) is the path that does.
pub fn refuse_on_citus(
    citus: bool,
    shard: Shard,
    interrupted: bool,
    nothing_loaded: bool,
) -> Result<()> {
    if citus && takes_bulk_path(shard, interrupted, nothing_loaded) {
        refuse!(
            Unsupported,
            "this database has the citus extension: the bulk path (keys dropped, guard \
             triggers, a session-level bypass) cannot run on Citus; seed it tenant by tenant \
             with --shard I/N and N of 2 or more (for example the Job's pods, or --shard 1/2 \
             then --shard 2/2)"
        );
    }
    Ok(())
}

/// Whether the database has the `citus` extension.
pub fn has_citus(conn: &mut PgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Citus {
        #[diesel(sql_type = Bool)]
        flag: bool,
    }
    Ok(diesel::sql_query(
        "SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'citus') AS flag",
    )
    .get_result::<Citus>(conn)?
    .flag)
}

/// Whether the record of dropped keys, or the write guard on any of the six tables, is
/// still there.
fn leftover(conn: &mut PgConnection) -> QueryResult<bool> {
    #[derive(QueryableByName)]
    struct Left {
        #[diesel(sql_type = Bool)]
        flag: bool,
    }
    Ok(diesel::sql_query(format!(
        "SELECT to_regclass('pm_seed.bulk_keys') IS NOT NULL OR EXISTS (SELECT 1 FROM pg_trigger \
         WHERE tgname = '{GUARD}' AND tgrelid::regclass::text = ANY($1)) AS flag"
    ))
    .bind::<Array<Text>, _>(names())
    .get_result::<Left>(conn)?
    .flag)
}

/// Records and drops every key and index of the six tables and installs the write guard,
/// in one transaction: afterwards either all of them are gone and recorded, or none.
pub fn drop_keys(conn: &mut PgConnection) -> Result<()> {
    conn.transaction(|conn| -> Result<()> {
        super::ledger::lock(conn)?;
        conn.batch_execute(DDL)?;
        diesel::sql_query(record_sql())
            .bind::<Array<Text>, _>(names())
            .execute(conn)?;
        let mut present: Vec<Key> = diesel::sql_query(
            "SELECT name, table_name, kind, definition, true AS present FROM pm_seed.bulk_keys",
        )
        .load(conn)?;
        // Foreign keys first: the primary key they reference cannot go before them.
        present.sort_by_key(|k| (k.kind != "foreign", k.kind == "index"));
        let mut sql = String::new();
        for k in present {
            sql += &k.drop_statement();
            sql += ";\n";
        }
        for table in names() {
            sql += &format!(
                "DROP TRIGGER IF EXISTS {GUARD} ON public.{table};\n\
                 CREATE TRIGGER {GUARD} BEFORE INSERT OR UPDATE OR DELETE OR TRUNCATE ON public.{table} \
                 FOR EACH STATEMENT EXECUTE FUNCTION pm_seed.refuse_writes();\n"
            );
        }
        conn.batch_execute(&format!("SET LOCAL client_min_messages = warning;\n{sql}"))?;
        Ok(())
    })
    .step("dropping the keys for the bulk load failed")
}

/// Builds every recorded key and index the catalog lacks, with up to `jobs` connections,
/// validates the foreign keys and analyzes the tables, then drops the write guard and the
/// record in one transaction.
pub fn rebuild_keys(target: &Target, conn: &mut PgConnection, jobs: usize) -> Result<()> {
    let keys = missing(conn)?;
    // Each table's keys and indexes, primary key first, on one connection; largest table
    // first, so that the longest build starts at once.
    let mut tables: Vec<(i64, Vec<String>)> = Vec::new();
    for t in Table::ALL {
        let mut own: Vec<&Key> = keys
            .iter()
            .filter(|k| k.table_name == t.name() && k.kind != "foreign")
            .collect();
        own.sort_by_key(|k| k.kind != "key");
        if !own.is_empty() {
            let size = heap_bytes(conn, t.name())?;
            tables.push((size, own.iter().map(|k| k.definition.clone()).collect()));
        }
    }
    tables.sort_by_key(|(size, _)| std::cmp::Reverse(*size));
    let tables: Vec<Vec<String>> = tables.into_iter().map(|(_, s)| s).collect();
    in_parallel(target, jobs, &tables, "building the keys")?;
    let foreign: Vec<&Key> = keys.iter().filter(|k| k.kind == "foreign").collect();
    for k in foreign.iter().filter(|k| !k.present) {
        // A moment's lock on both tables; the check of the rows comes below.
        diesel::sql_query(format!("{} NOT VALID", k.definition))
            .execute(conn)
            .step_with(|| format!("adding {} failed", k.name))?;
    }
    let validations: Vec<Vec<String>> = foreign
        .iter()
        .map(|k| {
            vec![format!(
                "ALTER TABLE public.\"{}\" VALIDATE CONSTRAINT \"{}\"",
                k.table_name, k.name
            )]
        })
        .collect();
    in_parallel(target, jobs, &validations, "validating the foreign keys")?;
    // Fresh statistics, as after any bulk load: without them the planner guesses (200
    // groups per column, a table's size from its last vacuum) until autovacuum gets to
    // the tables, if it runs at all.
    let analyses: Vec<Vec<String>> = Table::ALL
        .iter()
        .map(|t| vec![format!("ANALYZE public.\"{}\"", t.name())])
        .collect();
    in_parallel(target, jobs, &analyses, "analyzing the tables")?;
    conn.transaction(|conn| -> Result<()> {
        let mut sql = String::new();
        for table in names() {
            sql += &format!("DROP TRIGGER IF EXISTS {GUARD} ON public.{table};\n");
        }
        sql += "SET LOCAL client_min_messages = warning; \
                DROP TABLE IF EXISTS pm_seed.bulk_keys; DROP FUNCTION IF EXISTS pm_seed.refuse_writes();";
        conn.batch_execute(&sql)?;
        Ok(())
    })
    .step("finishing the bulk load failed")
}

/// The size of a table's heap (the statistics do not know it yet right after a load).
fn heap_bytes(conn: &mut PgConnection, table: &str) -> QueryResult<i64> {
    #[derive(QueryableByName)]
    struct Size {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    Ok(
        diesel::sql_query("SELECT pg_relation_size(to_regclass($1)) AS n")
            .bind::<Text, _>(format!("public.{table}"))
            .get_result::<Size>(conn)?
            .n,
    )
}

/// Runs each group of statements in order on one connection, up to `jobs` groups at once.
fn in_parallel(target: &Target, jobs: usize, groups: &[Vec<String>], what: &str) -> Result<()> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..jobs.min(groups.len()))
            .map(|_| {
                scope.spawn(|| -> Result<()> {
                    let mut conn = target.connect()?;
                    super::guard::join_run(&mut conn)?;
                    conn.batch_execute(BUILD_MEMORY)?;
                    while let Some(group) =
                        groups.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                    {
                        for statement in group {
                            conn.batch_execute(statement)
                                .step_with(|| format!("{what}: {statement} failed"))?;
                        }
                    }
                    Ok(())
                })
            })
            .collect();
        workers
            .into_iter()
            .map(|w| w.join().expect("a key builder panicked"))
            .collect::<Result<Vec<()>>>()
    })?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shard(text: &str) -> Shard {
        text.parse().unwrap()
    }

    #[test]
    fn only_a_whole_seed_into_nothing_or_finishing_a_bulk_load_takes_the_bulk_path() {
        // (shard, interrupted, nothing loaded) -> bulk
        let cases = [
            ("1/1", false, true, true),
            ("1/1", true, false, true),
            ("1/1", true, true, true),
            ("1/1", false, false, false),
            ("1/2", false, true, false),
            ("2/2", true, true, false),
            ("3/7", false, false, false),
        ];
        for (text, interrupted, nothing_loaded, bulk) in cases {
            assert_eq!(
                takes_bulk_path(shard(text), interrupted, nothing_loaded),
                bulk,
                "--shard {text}, interrupted {interrupted}, nothing loaded {nothing_loaded}"
            );
        }
        assert_eq!(shard("1/1"), Shard::ALL, "no --shard is --shard 1/1");
    }

    #[test]
    fn the_bulk_path_is_refused_on_citus_naming_shard() {
        for (interrupted, nothing_loaded) in [(false, true), (true, false)] {
            let refused = refuse_on_citus(true, Shard::ALL, interrupted, nothing_loaded)
                .unwrap_err()
                .to_string();
            assert!(refused.contains("citus extension"), "{refused}");
            assert!(refused.contains("--shard I/N"), "{refused}");
            assert_eq!(refused.lines().count(), 1, "one message: {refused}");
        }
        // Plain PostgreSQL; an advance of a whole seed; any sharded run.
        refuse_on_citus(false, Shard::ALL, false, true).unwrap();
        refuse_on_citus(true, Shard::ALL, false, false).unwrap();
        refuse_on_citus(true, shard("1/2"), false, true).unwrap();
        refuse_on_citus(true, shard("2/2"), true, true).unwrap();
    }

    #[test]
    fn a_plain_postgresql_database_has_no_citus() {
        let db = crate::scratch::ScratchDb::new("bulk_citus");
        let mut conn = PgConnection::establish(db.url()).unwrap();
        assert!(!has_citus(&mut conn).unwrap());
    }
}
