//! `fixtures/`: the CSV files show every edge case and status value (read from the CSV
//! text alone, without the simulator), and `schema::fixtures::load` copies them into a
//! migrated database, all or nothing.

mod fixture_data;

use std::path::Path;

use diesel::prelude::*;
use diesel::sql_types::BigInt;
use fixture_data::Fixtures;
use schema::fixtures::{load, LoadError, DIR};
use schema::Table;
use testdb::ScratchDb;

/// The table names in load order.
fn tables() -> [&'static str; 6] {
    Table::ALL.map(Table::name)
}

fn fixtures() -> Fixtures {
    Fixtures::read(Path::new(DIR))
}

#[test]
fn fixtures_cover_every_edge_case_and_status_value() {
    let coverage = fixtures().coverage();
    let missing: Vec<&str> = coverage
        .iter()
        .filter(|(_, covered)| !covered)
        .map(|(case, _)| case.as_str())
        .collect();
    assert!(
        missing.is_empty(),
        "the fixtures lack: {missing:#?}\n(pick another seed in xtask/src/fixtures.rs, or \
         change fixtures/profile.toml, and run `cargo xtask fixtures`)"
    );
    // The seven edge cases (the trial in two kinds), a lead across periods, and
    // the 3 + 6 + 3 + 3 status values.
    assert_eq!(coverage.len(), 9 + 15, "{coverage:#?}");
}

#[test]
fn fixtures_stay_small() {
    let rows: usize = fixtures().tables().iter().map(|csv| csv.rows.len()).sum();
    assert!((500..=4000).contains(&rows), "{rows} rows");
}

fn count(conn: &mut PgConnection, table: &str) -> i64 {
    diesel::select(diesel::dsl::sql::<BigInt>(&format!(
        "(SELECT count(*) FROM {table})"
    )))
    .get_result(conn)
    .unwrap()
}

#[test]
fn load_copies_every_row_and_moves_the_sequences_past_them() {
    let db = ScratchDb::migrated("fixtures_load");
    let mut conn = db.conn();
    let loaded = load(&mut conn, DIR).unwrap();

    let expected = fixtures().tables().map(|csv| csv.rows.len());
    let names: Vec<&str> = loaded.iter().map(|(t, _)| *t).collect();
    assert_eq!(names, tables());
    for ((table, rows), expected) in loaded.iter().zip(expected) {
        assert_eq!(*rows, expected, "{table}");
        assert_eq!(count(&mut conn, table), expected as i64, "{table}");
    }

    // Rows inserted afterwards get fresh ids instead of colliding with the fixtures'.
    let max_id: i64 = diesel::select(diesel::dsl::sql::<BigInt>(
        "(SELECT max(id) FROM billing_analytics)",
    ))
    .get_result(&mut conn)
    .unwrap();
    let new_id: i64 = diesel::sql_query(
        "INSERT INTO billing_analytics (tenant_id, period_start, period_end) \
         VALUES ('t_new', '2026-01-01', '2026-02-01') RETURNING id",
    )
    .get_result::<NewId>(&mut conn)
    .unwrap()
    .id;
    assert_eq!(new_id, max_id + 1);
}

#[derive(QueryableByName)]
struct NewId {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

#[test]
fn loading_twice_fails_and_leaves_the_first_load_intact() {
    let db = ScratchDb::migrated("fixtures_twice");
    let mut conn = db.conn();
    load(&mut conn, DIR).unwrap();
    let before: Vec<i64> = tables().iter().map(|t| count(&mut conn, t)).collect();
    let err = load(&mut conn, DIR).unwrap_err();
    assert!(
        matches!(
            err,
            LoadError::Database {
                table: "billing_analytics",
                ..
            }
        ),
        "{err}"
    );
    let after: Vec<i64> = tables().iter().map(|t| count(&mut conn, t)).collect();
    assert_eq!(before, after);
}

#[test]
fn a_file_from_other_migrations_fails_naming_it_and_loads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    for table in tables() {
        let name = format!("{table}.csv");
        std::fs::copy(Path::new(DIR).join(&name), dir.path().join(&name)).unwrap();
    }
    // Two columns swapped: COPY would load them into each other's places.
    let mailbox = dir.path().join("mailbox_analytics.csv");
    let text = std::fs::read_to_string(&mailbox).unwrap();
    std::fs::write(
        &mailbox,
        text.replacen("sent,delivered", "delivered,sent", 1),
    )
    .unwrap();

    let db = ScratchDb::migrated("fixtures_header");
    let mut conn = db.conn();
    let err = load(&mut conn, dir.path()).unwrap_err();
    let message = err.to_string();
    assert!(matches!(
        err,
        LoadError::Header {
            table: "mailbox_analytics",
            ..
        }
    ));
    assert!(message.contains("mailbox_analytics.csv"), "{message}");
    assert!(message.contains("delivered,sent"), "{message}");
    for table in tables() {
        assert_eq!(count(&mut conn, table), 0, "{table} after a failed load");
    }

    std::fs::remove_file(&mailbox).unwrap();
    let err = load(&mut conn, dir.path()).unwrap_err();
    assert!(matches!(err, LoadError::Read { .. }), "{err}");
    assert!(err.to_string().contains("mailbox_analytics.csv"), "{err}");
}
