//! `bench-queries` on a seeded `dev` warehouse (144k rows, enough for the planner to
//! prefer an index), and the plans of every one-tenant query of `schema::queries` on it:
//! each reaches the child tables through the query-index migration's indexes and never
//! scans `lead_analytics` whole. With those indexes dropped the check fails, so it is
//! not vacuous.

mod common;

use chrono::{DateTime, Utc};
use common::{connect, xtask, ScratchDb};
use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{Text, Timestamptz};
use schema::queries::explain::{self, PlanLine};
use schema::queries::lead_engagement::LeadPage;
use schema::queries::{
    billing_usage, campaign_performance, dashboard, lead_engagement, mailbox_health,
    step_comparison, Periods, Scope,
};

const QUERIES: [&str; 7] = [
    "dashboard_counts",
    "billing_usage",
    "campaign_performance",
    "mailbox_health",
    "lead_engagement",
    "step_comparison",
    "tenant_growth",
];

const CHILDREN: [&str; 5] = [
    "campaign_analytics",
    "mailbox_analytics",
    "lead_analytics",
    "warmup_analytics",
    "sequence_step_analytics",
];

const INDEX_MIGRATION_DOWN: &str =
    include_str!("../../migrations/2025-11-18-000000_index_billing_id_for_queries/down.sql");

#[derive(QueryableByName)]
struct Busiest {
    #[diesel(sql_type = Text)]
    tenant_id: String,
    #[diesel(sql_type = Timestamptz)]
    period_start: DateTime<Utc>,
}

/// One scan of a table in a plan: node type, table, index.
#[derive(Debug)]
struct Scan {
    node: String,
    table: String,
    index: Option<String>,
}

/// Tenants of the dev profile as of its default day (`seed --dry-run` says so too).
const DEV_TENANTS: usize = 35;

fn scans(node: &serde_json::Value, out: &mut Vec<Scan>) {
    if let Some(table) = node["Relation Name"].as_str() {
        out.push(Scan {
            node: node["Node Type"].as_str().unwrap_or_default().to_owned(),
            table: table.to_owned(),
            // A bitmap heap scan names its index on its Bitmap Index Scan child.
            index: node["Index Name"]
                .as_str()
                .or_else(|| node["Plans"][0]["Index Name"].as_str())
                .map(str::to_owned),
        });
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        scans(child, out);
    }
}

/// The table scans of `query`'s plan (`EXPLAIN (FORMAT JSON)`).
fn plan<Q: QueryFragment<Pg>>(conn: &mut PgConnection, query: Q) -> Vec<Scan> {
    let lines: Vec<PlanLine> = explain::json(query).load(conn).expect("EXPLAIN failed");
    let doc: serde_json::Value = serde_json::from_str(&lines[0].line).expect("plan JSON");
    let mut out = Vec::new();
    scans(&doc[0]["Plan"], &mut out);
    out
}

/// The child-table scans of each one-tenant query, for `tenant` in `period` and in all
/// its periods.
fn one_tenant_plans(
    conn: &mut PgConnection,
    tenant: &str,
    period: DateTime<Utc>,
) -> Vec<(String, Vec<Scan>)> {
    let mut plans = Vec::new();
    for (label, scope, start) in [
        (
            "one period",
            Scope::tenant(tenant).in_periods(Periods::starting(period)),
            Some(period),
        ),
        ("all periods", Scope::tenant(tenant), None),
    ] {
        let s = &scope;
        for (name, scans) in [
            (
                "dashboard_counts",
                plan(conn, dashboard::dashboard_counts_query(tenant, start)),
            ),
            (
                "billing_usage",
                plan(conn, billing_usage::billing_usage_query(s)),
            ),
            (
                "campaign_performance",
                plan(conn, campaign_performance::campaign_performance_query(s)),
            ),
            (
                "mailbox_health",
                plan(conn, mailbox_health::mailbox_health_query(s)),
            ),
            (
                "lead_engagement",
                plan(
                    conn,
                    lead_engagement::lead_engagement_query(s, &LeadPage::first(50)),
                ),
            ),
            (
                "step_comparison",
                plan(conn, step_comparison::step_variants_query(s)),
            ),
        ] {
            plans.push((format!("{name}, {tenant} {label}"), scans));
        }
    }
    plans
}

/// What is wrong with `plans`: a scan of `lead_analytics` (the table that holds 95 % of
/// the rows) other than through its `billing_id` index, or, scoped to one period, a
/// sequential scan of any child table. Over all periods a small child table (a few
/// thousand rows at `dev` size) may rightly be read whole and hashed.
fn violations(plans: &[(String, Vec<Scan>)]) -> Vec<String> {
    let mut wrong = Vec::new();
    for (query, scans) in plans {
        for s in scans
            .iter()
            .filter(|s| CHILDREN.contains(&s.table.as_str()))
        {
            let is_lead = s.table == "lead_analytics";
            if is_lead && s.index.as_deref() != Some("idx_lead_analytics_billing_id") {
                wrong.push(format!("{query}: {} on lead_analytics", s.node));
            } else if s.node == "Seq Scan" && query.ends_with("one period") {
                wrong.push(format!("{query}: Seq Scan on {}", s.table));
            }
        }
    }
    wrong
}

/// `bench-queries --profile dev` on `db` (seeding it first), required to succeed.
fn bench_dev(db: &ScratchDb, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "bench-queries",
        "--database-url",
        db.url(),
        "--profile",
        "dev",
    ];
    args.extend_from_slice(extra);
    xtask(&args).success()
}

#[test]
fn bench_queries_times_every_query_and_one_tenant_plans_use_the_indexes() {
    let db = ScratchDb::new("query_plans");
    let run = bench_dev(&db, &["--runs", "3", "--report-runs", "1"]);
    let out = run.stdout();
    for scope in ["smallest", "median", "largest", "all tenants"] {
        for query in QUERIES {
            let reports = scope == "all tenants";
            // The dashboard is one tenant's; the growth report has no tenant scope.
            let timed = match query {
                "dashboard_counts" => !reports,
                "tenant_growth" => reports,
                _ => true,
            };
            if timed {
                let line = out
                    .lines()
                    .find(|l| l.starts_with(scope) && l.contains(query));
                let ms = line.and_then(|l| l.split_whitespace().last()?.parse::<f64>().ok());
                assert!(ms.is_some_and(|ms| ms > 0.0), "{scope} {query}: {run}");
            }
        }
    }

    // The before measurement drops the indexes in a transaction it never commits.
    let before = bench_dev(
        &db,
        &["--runs", "1", "--report-runs", "0", "--without-indexes"],
    );
    assert!(
        before.stdout().contains("WITHOUT the query indexes"),
        "{before}"
    );
    assert!(!before.stdout().contains("all tenants"), "{before}");
    let mut conn = connect(db.url());
    let indexes: i64 = diesel::select(diesel::dsl::sql::<diesel::sql_types::BigInt>(
        "(SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'idx\\_%\\_billing\\_id%')",
    ))
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(
        indexes, 5,
        "the query indexes did not survive --without-indexes"
    );

    // `bench-queries` analysed the warehouse; the plans see fresh statistics.
    let tenants: Vec<Busiest> = diesel::sql_query(
        "SELECT DISTINCT ON (tenant_id) tenant_id, period_start FROM billing_analytics \
         ORDER BY tenant_id, leads_used DESC, period_start",
    )
    .load(&mut conn)
    .unwrap();
    // The dev profile's tenants as of its default day.
    assert_eq!(tenants.len(), DEV_TENANTS);
    let mut plans = Vec::new();
    for t in &tenants {
        plans.extend(one_tenant_plans(&mut conn, &t.tenant_id, t.period_start));
    }
    let lead_scans = plans
        .iter()
        .flat_map(|(_, s)| s)
        .filter(|s| s.table == "lead_analytics")
        .count();
    assert!(
        lead_scans >= DEV_TENANTS * 2 * 2,
        "lead_analytics read too rarely: {lead_scans}"
    );
    assert_eq!(violations(&plans), Vec::<String>::new());

    // Without the indexes the same check fails: lead_analytics is scanned whole.
    conn.begin_test_transaction().unwrap();
    conn.batch_execute(INDEX_MIGRATION_DOWN).unwrap();
    let t = &tenants[0];
    let wrong = violations(&one_tenant_plans(&mut conn, &t.tenant_id, t.period_start));
    assert!(
        wrong
            .iter()
            .any(|w| w.contains("Seq Scan on lead_analytics")),
        "{wrong:#?}"
    );
}

#[test]
fn bench_queries_refuses_an_unknown_profile_before_connecting() {
    xtask(&[
        "bench-queries",
        "--database-url",
        "postgres://127.0.0.1:1/nowhere",
        "--profile",
        "no-such-profile",
    ])
    .refused(&["no-such-profile"]);
}
