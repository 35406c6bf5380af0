//! The migrations define exactly the tables of the design document, kept verbatim in
//! `docs/spec/olap_tables.sql`, plus the query indexes of the later migrations: the
//! catalog of a migrated database equals the catalog of a database that ran the spec
//! directly, then those migrations' `up.sql`, which add indexes and nothing else; and so
//! does a database that ran the `up.sql` files as plain SQL. Compared: tables, columns
//! (type, default, nullability, identity), constraints (primary, foreign with their
//! targets, unique), indexes and identity sequences; Diesel's bookkeeping table is left
//! out.

use std::path::{Path, PathBuf};

use similar_asserts::assert_eq;
use testdb::catalog::Catalog;
use testdb::ScratchDb;

const SPEC: &str = "docs/spec/olap_tables.sql";

/// The migrations after the seed's DDL, in order: indexes for `schema::queries`.
const INDEX_MIGRATIONS: [&str; 2] = [
    "2025-11-18-000000_index_billing_id_for_queries",
    "2025-11-19-000000_index_lead_engagement_tiers",
];

/// The indexes they add, as the catalog shows them (by name).
const QUERY_INDEXES: [&str; 7] = [
    "idx_campaign_analytics_billing_id: CREATE INDEX idx_campaign_analytics_billing_id ON public.campaign_analytics USING btree (billing_id)",
    "idx_lead_analytics_billing_id: CREATE INDEX idx_lead_analytics_billing_id ON public.lead_analytics USING btree (billing_id)",
    "idx_lead_analytics_engaged: CREATE INDEX idx_lead_analytics_engaged ON public.lead_analytics USING btree (billing_id) INCLUDE (lead_id, campaign_id, replied, clicked_tracked) WHERE ((replied <> 0) OR (clicked_tracked <> 0))",
    "idx_lead_analytics_lead_id_campaign_id: CREATE INDEX idx_lead_analytics_lead_id_campaign_id ON public.lead_analytics USING btree (lead_id, campaign_id)",
    "idx_mailbox_analytics_billing_id: CREATE INDEX idx_mailbox_analytics_billing_id ON public.mailbox_analytics USING btree (billing_id)",
    "idx_sequence_step_analytics_billing_id: CREATE INDEX idx_sequence_step_analytics_billing_id ON public.sequence_step_analytics USING btree (billing_id)",
    "idx_warmup_analytics_billing_id_mailbox_id: CREATE INDEX idx_warmup_analytics_billing_id_mailbox_id ON public.warmup_analytics USING btree (billing_id, mailbox_id)",
];

/// The workspace root: `crates/schema/../..`.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The DDL of the design document.
fn seed_ddl() -> String {
    let path = workspace_root().join(SPEC);
    std::fs::read_to_string(&path)
        .unwrap_or_else(|err| panic!("cannot read the spec {}: {err}", path.display()))
}

/// The `up.sql` files of `migrations/`, in the order Diesel runs them.
fn up_sql_files() -> Vec<PathBuf> {
    let dir = workspace_root().join("migrations");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|err| panic!("reading {}: {err}", dir.display()))
        .map(|entry| entry.unwrap().path().join("up.sql"))
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

fn migrated_catalog() -> Catalog {
    let db = ScratchDb::migrated("schema_details_migrated");
    let mut conn = db.conn();
    Catalog::read(&mut conn)
}

#[test]
fn spec_defines_six_tables_and_one_index() {
    let ddl = seed_ddl();
    assert_eq!(ddl.matches("CREATE TABLE ").count(), 6, "{ddl}");
    assert_eq!(ddl.matches("CREATE UNIQUE INDEX ").count(), 1, "{ddl}");
}

#[test]
fn migrations_define_exactly_the_seed_ddl_plus_query_indexes() {
    let seeded = ScratchDb::new("schema_details_seed");
    let conn = &mut seeded.conn();
    testdb::apply_sql(conn, SPEC, &seed_ddl());
    let expected = Catalog::read(conn);

    // Guard against comparing two empty or half-read catalogs.
    assert_eq!(expected.tables.len(), 6, "{expected:#?}");
    let foreign_keys = expected
        .constraints
        .iter()
        .filter(|c| c.ends_with("FOREIGN KEY (billing_id) REFERENCES billing_analytics(id)"))
        .count();
    assert_eq!(foreign_keys, 5, "{expected:#?}");
    let identities = expected
        .columns
        .iter()
        .filter(|c| c.contains(".id #1 bigint") && c.ends_with("identity=ALWAYS"))
        .count();
    assert_eq!(identities, 6, "{expected:#?}");
    assert!(
        expected.indexes.iter().any(|i| i.starts_with(
            "idx_billing_analytics_tenant_period: CREATE UNIQUE INDEX \
             idx_billing_analytics_tenant_period ON public.billing_analytics USING btree \
             (tenant_id, period_start, period_end)"
        )),
        "{expected:#?}"
    );

    for migration in INDEX_MIGRATIONS {
        let index_sql = workspace_root()
            .join("migrations")
            .join(migration)
            .join("up.sql");
        testdb::apply_sql_file(conn, &index_sql);
    }
    let with_indexes = Catalog::read(conn);
    assert_eq!(with_indexes.indexes_beyond(&expected), QUERY_INDEXES);
    assert!(
        expected
            .indexes
            .iter()
            .all(|i| with_indexes.indexes.contains(i)),
        "{with_indexes:#?}"
    );

    assert_eq!(migrated_catalog(), with_indexes);
}

#[test]
fn up_sql_files_as_plain_sql_define_the_same_catalog() {
    let files = up_sql_files();
    assert!(!files.is_empty(), "no migrations/*/up.sql");
    let plain = ScratchDb::new("schema_details_plain");
    let conn = &mut plain.conn();
    for file in &files {
        testdb::apply_sql_file(conn, file);
    }
    assert_eq!(Catalog::read(conn), migrated_catalog());
}
