//! `bench-queries` on a seeded `dev` warehouse (144k rows, enough for the planner to
//! prefer an index), and the plans of every one-tenant query of `schema::queries` on it:
//! each reaches the child tables through the query-index migrations' indexes and never
//! scans `lead_analytics` whole; the first page of `lead_engagement` reads the engaged
//! leads' partial index and then the keys' index, and leaves the full sum of the tenant's
//! rows unexecuted; the generic plan of its prepared statement (which PostgreSQL may
//! choose from the sixth run on a connection) also reads `lead_analytics` only through
//! those indexes. With those indexes dropped the check fails, so it is not vacuous.

mod common;

use chrono::{DateTime, Utc};
use common::{connect, xtask, ScratchDb};
use diesel::connection::SimpleConnection;
use diesel::pg::Pg;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;
use diesel::sql_types::{Text, Timestamptz};
use schema::queries::explain::{self, PlanLine};
use schema::queries::lead_engagement::{LeadEngagement, LeadPage};
use schema::queries::{
    billing_usage, campaign_performance, dashboard, lead_engagement, mailbox_health,
    step_comparison, Funnel, Periods, Scope,
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

/// The `down.sql` of the query-index migrations, last first.
const INDEX_MIGRATION_DOWN: &str = concat!(
    include_str!("../../migrations/2025-11-19-000000_index_lead_engagement_tiers/down.sql"),
    include_str!("../../migrations/2025-11-18-000000_index_billing_id_for_queries/down.sql"),
);

/// The indexes of `lead_analytics` a one-tenant plan may read it through.
const LEAD_INDEXES: [&str; 3] = [
    "idx_lead_analytics_billing_id",
    "idx_lead_analytics_engaged",
    "idx_lead_analytics_lead_id_campaign_id",
];

#[derive(QueryableByName)]
struct Busiest {
    #[diesel(sql_type = Text)]
    tenant_id: String,
    #[diesel(sql_type = Timestamptz)]
    period_start: DateTime<Utc>,
}

/// The tenant with the most lead rows (and its first period).
fn most_leads(conn: &mut PgConnection) -> Busiest {
    diesel::sql_query(
        "SELECT b.tenant_id, min(b.period_start) AS period_start \
         FROM lead_analytics l JOIN billing_analytics b ON b.id = l.billing_id \
         GROUP BY b.tenant_id ORDER BY count(*) DESC, b.tenant_id LIMIT 1",
    )
    .get_result(conn)
    .unwrap()
}

/// One scan of a table in a plan: node type, table, index, and whether it ran.
#[derive(Debug)]
struct Scan {
    node: String,
    table: String,
    index: Option<String>,
    /// Loops run, in an `EXPLAIN ANALYZE` plan; `None` in a planned one.
    loops: Option<u64>,
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
            loops: node["Actual Loops"].as_u64(),
        });
    }
    for child in node["Plans"].as_array().into_iter().flatten() {
        scans(child, out);
    }
}

/// The table scans of `query`'s plan (`EXPLAIN (FORMAT JSON)`).
fn plan<Q: QueryFragment<Pg>>(conn: &mut PgConnection, query: Q) -> Vec<Scan> {
    scans_of(explain::json(query).load(conn).expect("EXPLAIN failed"))
}

/// The table scans of the plan of a run of `query` (`EXPLAIN (ANALYZE, FORMAT JSON)`).
fn run_plan<Q: QueryFragment<Pg>>(conn: &mut PgConnection, query: Q) -> Vec<Scan> {
    scans_of(
        explain::analyze_json(query)
            .load(conn)
            .expect("EXPLAIN ANALYZE failed"),
    )
}

fn scans_of(lines: Vec<PlanLine>) -> Vec<Scan> {
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
/// the rows) other than through one of its query indexes, or, scoped to one period, a
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
            if is_lead
                && !s
                    .index
                    .as_deref()
                    .is_some_and(|i| LEAD_INDEXES.contains(&i))
            {
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
        "(SELECT count(*) FROM pg_indexes WHERE indexname LIKE 'idx\\_%\\_billing\\_id%' \
         OR indexname IN ('idx_lead_analytics_engaged', 'idx_lead_analytics_lead_id_campaign_id'))",
    ))
    .get_result(&mut conn)
    .unwrap();
    assert_eq!(
        indexes, 7,
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

    // The first page of the tenant with the most lead rows, over all its periods, as it
    // runs: it reads the engaged rows and the keys of the leads that may be on the page,
    // and never starts the full sum of its rows (the scan through billing_id).
    let largest = most_leads(&mut conn);
    let scope = Scope::tenant(&largest.tenant_id);
    let page = LeadPage::first(50);
    assert_eq!(
        lead_engagement::lead_engagement(&mut conn, &scope, &page)
            .unwrap()
            .iter()
            .filter(|l| l.funnel.replied > 0 || l.funnel.clicked_tracked > 0)
            .count(),
        50,
        "{}: a first page of engaged leads",
        largest.tenant_id
    );
    let ran = run_plan(
        &mut conn,
        lead_engagement::lead_engagement_query(&scope, &page),
    );
    let lead_loops = |index: &str| -> u64 {
        ran.iter()
            .filter(|s| s.table == "lead_analytics" && s.index.as_deref() == Some(index))
            .map(|s| s.loops.unwrap_or(0))
            .sum()
    };
    assert!(lead_loops("idx_lead_analytics_engaged") > 0, "{ran:#?}");
    assert!(
        lead_loops("idx_lead_analytics_lead_id_campaign_id") > 0,
        "{ran:#?}"
    );
    assert_eq!(lead_loops("idx_lead_analytics_billing_id"), 0, "{ran:#?}");
    assert_eq!(generic_plan_violations(&mut conn), Vec::<String>::new());

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

/// What is wrong with the generic plan of `lead_engagement`'s prepared statement (the
/// first page), by [`violations`]. The statement is prepared once per
/// connection, and from its sixth run on PostgreSQL may run it with one plan made for
/// any values: that plan must reach `lead_analytics` through its indexes too.
fn generic_plan_violations(conn: &mut PgConnection) -> Vec<String> {
    #[derive(QueryableByName)]
    struct Prepared {
        #[diesel(sql_type = Text)]
        name: String,
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        generic_plans: i64,
        #[diesel(sql_type = diesel::sql_types::Integer)]
        parameters: i32,
    }
    let prepared = |conn: &mut PgConnection| -> Vec<Prepared> {
        diesel::sql_query(
            "SELECT name, generic_plans, cardinality(parameter_types) AS parameters \
             FROM pg_prepared_statements \
             WHERE statement LIKE 'WITH engaged AS%' \
             AND statement NOT LIKE '%e.replied = $4::int8 AND%'",
        )
        .load(conn)
        .unwrap()
    };
    let (name, parameters) = match &prepared(conn)[..] {
        [first_page] => (first_page.name.clone(), first_page.parameters as usize),
        other => panic!("{} prepared first pages of lead_engagement", other.len()),
    };
    conn.batch_execute("SET plan_cache_mode = force_generic_plan")
        .unwrap();
    // A generic plan is made without the values, so any will do.
    let lines: Vec<PlanLine> = diesel::sql_query(format!(
        "EXPLAIN (FORMAT JSON) EXECUTE {name}({})",
        vec!["NULL"; parameters].join(", ")
    ))
    .load(conn)
    .expect("EXPLAIN EXECUTE failed");
    conn.batch_execute("RESET plan_cache_mode").unwrap();
    assert!(
        prepared(conn)[0].generic_plans > 0,
        "EXPLAIN EXECUTE did not make the generic plan"
    );
    let scans = scans_of(lines);
    assert!(
        scans.iter().any(|s| s.table == "lead_analytics"),
        "the generic plan reads no lead_analytics: {scans:#?}"
    );
    violations(&[("lead_engagement, generic plan".to_owned(), scans)])
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

/// A lead × campaign as the reference computes it: keys and summed counters.
#[derive(QueryableByName)]
struct ReferenceLead {
    #[diesel(sql_type = Text)]
    tenant_id: String,
    #[diesel(sql_type = Text)]
    lead_id: String,
    #[diesel(sql_type = Text)]
    campaign_id: String,
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    status: Option<String>,
    #[diesel(sql_type = Timestamptz)]
    first_period: DateTime<Utc>,
    #[diesel(sql_type = Timestamptz)]
    last_period: DateTime<Utc>,
    #[diesel(embed)]
    funnel: Funnel,
}

/// Every lead × campaign of `tenant` (all tenants when `None`), summed over all its rows
/// at once and sorted whole: the plain definition of `lead_engagement`'s rows and order,
/// without tiers, candidates or pages.
fn unpaged_reference(conn: &mut PgConnection, tenant: Option<&str>) -> Vec<ReferenceLead> {
    diesel::sql_query(
        "SELECT b.tenant_id, l.lead_id, l.campaign_id,
            (array_agg(l.status ORDER BY b.period_start DESC))[1] AS status,
            min(b.period_start) AS first_period, max(b.period_start) AS last_period,
            COALESCE(sum(l.sent), 0)::int8 AS sent,
            COALESCE(sum(l.delivered), 0)::int8 AS delivered,
            COALESCE(sum(l.opened_tracked), 0)::int8 AS opened_tracked,
            COALESCE(sum(l.clicked_tracked), 0)::int8 AS clicked_tracked,
            COALESCE(sum(l.replied), 0)::int8 AS replied,
            COALESCE(sum(l.bounced), 0)::int8 AS bounced,
            COALESCE(sum(l.unsubscribed), 0)::int8 AS unsubscribed,
            COALESCE(sum(l.spam_complaints), 0)::int8 AS spam_complaints
         FROM lead_analytics l JOIN billing_analytics b ON b.id = l.billing_id
         WHERE $1::text IS NULL OR b.tenant_id = $1
         GROUP BY b.tenant_id, l.lead_id, l.campaign_id
         ORDER BY sum(l.replied) DESC NULLS LAST, sum(l.clicked_tracked) DESC NULLS LAST,
            sum(l.opened_tracked) DESC NULLS LAST, b.tenant_id COLLATE \"C\",
            l.lead_id COLLATE \"C\", l.campaign_id COLLATE \"C\"",
    )
    .bind::<diesel::sql_types::Nullable<Text>, _>(tenant)
    .load(conn)
    .expect("the unpaged reference failed")
}

/// What the comparison compares of a row: keys, status and counters.
type Compared = (String, String, String, Option<String>, Funnel);

/// The reference's rows, compared.
fn reference_rows(rows: &[ReferenceLead]) -> Vec<Compared> {
    rows.iter()
        .map(|l| {
            (
                l.tenant_id.clone(),
                l.lead_id.clone(),
                l.campaign_id.clone(),
                l.status.clone(),
                l.funnel,
            )
        })
        .collect()
}

/// `lead_engagement`'s rows, compared.
fn as_reference(rows: &[LeadEngagement]) -> Vec<Compared> {
    rows.iter()
        .map(|l| {
            (
                l.tenant_id.clone(),
                l.lead_id.clone(),
                l.campaign_id.clone(),
                l.status.as_ref().map(ToString::to_string),
                l.funnel,
            )
        })
        .collect()
}

/// Pages of `size` through `scope`, at most `max_pages` of them.
fn pages(
    conn: &mut PgConnection,
    scope: &Scope,
    size: u32,
    max_pages: usize,
) -> Vec<LeadEngagement> {
    let mut rows = Vec::new();
    let mut page = Some(LeadPage::first(size));
    for _ in 0..max_pages {
        let Some(current) = page else { break };
        let got = lead_engagement::lead_engagement(conn, scope, &current).unwrap();
        assert!(got.len() <= size as usize, "a page longer than its limit");
        page = current.next(&got);
        rows.extend(got);
    }
    rows
}

#[test]
fn lead_engagement_pages_add_up_to_the_unpaged_order() {
    let db = ScratchDb::new("query_plans_pages");
    common::seed(&db, &["--profile", "dev"]);
    let mut conn = connect(db.url());
    diesel::sql_query("ANALYZE").execute(&mut conn).unwrap();

    // The tenant with the most lead rows, paged to its end with a page size that divides
    // nothing: its engaged leads, the page that crosses into the rest, and the rest.
    let largest = most_leads(&mut conn);
    let reference = unpaged_reference(&mut conn, Some(&largest.tenant_id));
    let engaged = reference
        .iter()
        .filter(|l| l.funnel.replied > 0 || l.funnel.clicked_tracked > 0)
        .count();
    assert!(
        engaged > 200 && engaged < reference.len(),
        "{engaged} of {}",
        reference.len()
    );
    let got = pages(
        &mut conn,
        &Scope::tenant(&largest.tenant_id),
        97,
        usize::MAX,
    );
    assert_eq!(as_reference(&got), reference_rows(&reference));
    for (l, r) in got.iter().zip(&reference) {
        assert_eq!(l.rates, l.funnel.rates(), "{l:?}");
        assert_eq!(
            (l.first_period, l.last_period),
            (r.first_period, r.last_period)
        );
    }

    // All tenants: the pages through the engaged leads and past them, against the head of
    // the reference.
    let reference = unpaged_reference(&mut conn, None);
    let engaged = reference
        .iter()
        .filter(|l| l.funnel.replied > 0 || l.funnel.clicked_tracked > 0)
        .count();
    let size = 499;
    let got = pages(&mut conn, &Scope::all(), size, engaged / size as usize + 3);
    assert!(got.len() > engaged, "{} rows, {engaged} engaged", got.len());
    assert_eq!(as_reference(&got), reference_rows(&reference[..got.len()]));
}
