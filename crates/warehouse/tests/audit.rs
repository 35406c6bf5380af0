//! The library's audit on a real warehouse: the fixtures hold every rule, and a broken
//! billing row is reported as exactly its rule, with the row as the example.

use sim::rules::RuleId;
use testdb::ScratchDb;

#[test]
fn the_audit_report_names_exactly_the_broken_rule() {
    let db = ScratchDb::migrated("warehouse_audit");
    let mut conn = db.conn();
    schema::fixtures::load(&mut conn, schema::fixtures::DIR).unwrap();

    let clean = warehouse::audit::evaluate(&mut conn).unwrap();
    assert_eq!(clean, warehouse::audit::evaluate_exact(&mut conn).unwrap());
    assert_eq!(clean.findings.len(), RuleId::ALL.len());
    assert!(
        clean.is_clean(),
        "{:?}",
        clean.violated().collect::<Vec<_>>()
    );

    testdb::apply_sql(
        &mut conn,
        "break B4",
        "UPDATE billing_analytics SET emails_sent = emails_sent + 1 \
         WHERE id = (SELECT min(id) FROM billing_analytics)",
    );
    let broken = warehouse::audit::evaluate(&mut conn).unwrap();
    assert_eq!(broken, warehouse::audit::evaluate_exact(&mut conn).unwrap());
    assert!(!broken.is_clean());
    let violated: Vec<_> = broken.violated().collect();
    assert_eq!(violated.len(), 1, "{violated:?}");
    assert_eq!(violated[0].rule, RuleId::B4);
    assert_eq!(violated[0].violations, 1);
    assert!(
        violated[0].examples[0].starts_with("billing_analytics#"),
        "{violated:?}"
    );
}

#[test]
fn a_scan_reads_every_row_of_the_six_tables() {
    let db = ScratchDb::migrated("warehouse_scan");
    let mut conn = db.conn();
    let manifest = schema::fixtures::load(&mut conn, schema::fixtures::DIR).unwrap();
    let (rows, _) = warehouse::audit::scan(&mut conn).unwrap();
    assert_eq!(rows, manifest.iter().map(|&(_, n)| n as i64).sum::<i64>());
}
