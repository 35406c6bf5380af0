//! The migrations go up, all the way down, and up again: the second `up` defines exactly
//! what the first did, and `down` leaves nothing but Diesel's bookkeeping table.

use diesel::migration::MigrationSource;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel_migrations::MigrationHarness;
use similar_asserts::assert_eq;
use testdb::catalog::{Catalog, DIESEL_BOOKKEEPING};
use testdb::ScratchDb;

#[derive(QueryableByName)]
struct Object {
    #[diesel(sql_type = Text)]
    object: String,
}

/// Everything in the `public` schema except Diesel's bookkeeping table (and its primary
/// key index and row types): relations of every kind, functions, and types.
fn leftovers(conn: &mut PgConnection) -> Vec<String> {
    diesel::sql_query(
        "SELECT format('relation %s (relkind %s)', relname, relkind) AS object
         FROM pg_class
         WHERE relnamespace = 'public'::regnamespace AND relname NOT IN ($1, $1 || '_pkey')
         UNION ALL
         SELECT format('function %s', proname) FROM pg_proc
         WHERE pronamespace = 'public'::regnamespace
         UNION ALL
         SELECT format('type %s', typname) FROM pg_type
         WHERE typnamespace = 'public'::regnamespace AND typname NOT IN ($1, '_' || $1)
         ORDER BY 1",
    )
    .bind::<Text, _>(DIESEL_BOOKKEEPING)
    .load::<Object>(conn)
    .unwrap()
    .into_iter()
    .map(|o| o.object)
    .collect()
}

fn applied_count(conn: &mut PgConnection) -> i64 {
    diesel::select(diesel::dsl::sql::<BigInt>(&format!(
        "(SELECT count(*) FROM {DIESEL_BOOKKEEPING})"
    )))
    .get_result(conn)
    .unwrap()
}

#[test]
fn up_down_up_gives_the_same_catalog_and_down_leaves_nothing() {
    let db = ScratchDb::new("migrations_up_down_up");
    let conn = &mut db.conn();

    let applied = schema::run_migrations(conn).unwrap();
    let defined = MigrationSource::<Pg>::migrations(&schema::MIGRATIONS).unwrap();
    assert_eq!(applied.len(), defined.len());
    let first = Catalog::read(conn);
    assert_eq!(first.tables.len(), 6, "{first:#?}");

    let reverted = conn.revert_all_migrations(schema::MIGRATIONS).unwrap();
    assert_eq!(reverted.len(), applied.len());
    assert_eq!(leftovers(conn), Vec::<String>::new());
    assert_eq!(applied_count(conn), 0);
    assert!(Catalog::read(conn).is_empty());

    let reapplied = schema::run_migrations(conn).unwrap();
    assert_eq!(reapplied, applied);
    assert_eq!(Catalog::read(conn), first);
}

#[test]
fn running_migrations_again_applies_nothing() {
    let db = ScratchDb::migrated("migrations_idempotent");
    let conn = &mut db.conn();
    let before = Catalog::read(conn);
    assert_eq!(schema::run_migrations(conn).unwrap(), Vec::<String>::new());
    assert_eq!(Catalog::read(conn), before);
}

#[test]
fn reverting_the_query_indexes_removes_only_them() {
    let db = ScratchDb::migrated("migrations_revert_indexes");
    let conn = &mut db.conn();
    // Each index migration, last first, takes away its own indexes and nothing else.
    let mut before = Catalog::read(conn);
    for (version, count, on) in [
        ("20251119000000", 2, "ON public.lead_analytics "),
        ("20251118000000", 5, "(billing_id"),
    ] {
        let reverted = conn.revert_last_migration(schema::MIGRATIONS).unwrap();
        assert_eq!(reverted.to_string(), version);
        let after = Catalog::read(conn);
        let removed = before.indexes_beyond(&after);
        assert_eq!(removed.len(), count, "{version}: {removed:#?}");
        assert!(removed.iter().all(|i| i.contains(on)), "{removed:#?}");
        assert!(after.indexes_beyond(&before).is_empty());
        before = after;
    }
}
