//! `bench-queries`: the latency of every `schema::queries` function on a seeded warehouse,
//! for a few sample tenants and for all tenants, as p50 and p95 over repeated runs.
//!
//! Sample tenants are the smallest, the median and the largest by rows, each scoped to
//! its busiest period (most leads) and to all its periods. A run is what a service sees:
//! the query sent, executed, and its rows decoded into the typed structs.
//!
//! `--without-indexes` measures the same warehouse as it would be without the indexes of
//! the query-index migrations: it runs their `down.sql`, last first, inside a transaction
//! that is rolled back at the end, so the data, the statistics and the server are the
//! same and nothing is changed for good.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use chrono::{DateTime, Utc};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text, Timestamptz};
use schema::queries::explain::{self, PlanLine};
use schema::queries::lead_engagement::LeadPage;
use schema::queries::{
    billing_usage, campaign_performance, dashboard, lead_engagement, mailbox_health,
    step_comparison, tenant_growth, Periods, Scope,
};

use warehouse::load::{self, SeedOptions};
use warehouse::target::Target;
use warehouse::world::WorldSpec;

/// What takes away the indexes of the query-index migrations, for `--without-indexes`:
/// their `down.sql`, last first.
const INDEX_MIGRATION_DOWN: &str = concat!(
    include_str!("../../../migrations/2025-11-19-000000_index_lead_engagement_tiers/down.sql"),
    include_str!("../../../migrations/2025-11-18-000000_index_billing_id_for_queries/down.sql"),
);

/// Options of `cargo xtask bench-queries`.
#[derive(Debug, Clone)]
pub struct BenchQueriesArgs {
    /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`);
    /// seeded first unless it already holds this seed.
    pub database_url: Option<String>,
    /// Which world.
    pub world: WorldSpec,
    /// Timed runs of each one-tenant query, after one warm-up run.
    pub runs: u32,
    /// Timed runs of each all-tenant report, without a warm-up (a report runs cold); 0
    /// skips them.
    pub report_runs: u32,
    /// Print each query's plan, `EXPLAIN (ANALYZE, BUFFERS)`, once per scope.
    pub explain: bool,
    /// Measure without the query-index migrations' indexes (dropped in a transaction that
    /// is rolled back).
    pub without_indexes: bool,
}

/// Rows of one `lead_engagement` page: what a screen of leads shows.
const LEAD_PAGE: u32 = 50;

/// A tenant picked for the benchmark.
#[derive(Debug, QueryableByName)]
struct Sample {
    #[diesel(sql_type = Text)]
    tenant_id: String,
    /// Rows of the tenant in all six tables.
    #[diesel(sql_type = BigInt)]
    rows: i64,
    /// Its period with the most leads.
    #[diesel(sql_type = Timestamptz)]
    busiest: DateTime<Utc>,
}

/// Every tenant with its rows, fewest first; the billing rows are counted too.
const TENANT_ROWS: &str = "\
WITH n AS (
    SELECT id AS billing_id, 1::int8 AS n FROM billing_analytics
    UNION ALL SELECT billing_id, count(*) FROM campaign_analytics GROUP BY billing_id
    UNION ALL SELECT billing_id, count(*) FROM mailbox_analytics GROUP BY billing_id
    UNION ALL SELECT billing_id, count(*) FROM lead_analytics GROUP BY billing_id
    UNION ALL SELECT billing_id, count(*) FROM warmup_analytics GROUP BY billing_id
    UNION ALL SELECT billing_id, count(*) FROM sequence_step_analytics GROUP BY billing_id
)
SELECT b.tenant_id, sum(n.n)::int8 AS rows,
    (array_agg(b.period_start ORDER BY b.leads_used DESC NULLS LAST, b.period_start DESC))[1]
        AS busiest
FROM n JOIN billing_analytics b ON b.id = n.billing_id
GROUP BY b.tenant_id
ORDER BY rows, b.tenant_id COLLATE \"C\"";

/// Something a [`Case`] does on the connection.
type OnConn<T> = Box<dyn Fn(&mut PgConnection) -> QueryResult<T>>;

/// A query to time: its name, a run that returns the rows it decoded, and its plan.
struct Case {
    name: &'static str,
    run: OnConn<usize>,
    plan: OnConn<Vec<PlanLine>>,
}

/// A [`Case`] that runs the sync function `$run` and explains the query value `$query`,
/// both called with `$arg` (a clone of it, owned by the closures).
macro_rules! case {
    ($name:literal, $arg:expr, |$a:ident| $run:expr, $query:expr) => {{
        let (for_run, for_plan) = ($arg.clone(), $arg.clone());
        Case {
            name: $name,
            run: Box::new(move |conn| {
                let $a = &for_run;
                $run(conn).map(|rows| rows.len())
            }),
            plan: Box::new(move |conn| {
                let $a = &for_plan;
                explain::analyze($query).load(conn)
            }),
        }
    }};
}

/// Every scoped query of `schema::queries`, on `scope`; with `next`, also the page of
/// `lead_engagement` after the first, where a cursor sits among leads that tie.
fn scoped_cases(scope: &Scope, next: Option<LeadPage>) -> Vec<Case> {
    let mut cases = vec![
        case!(
            "billing_usage",
            scope,
            |s| |c| billing_usage::billing_usage(c, s),
            billing_usage::billing_usage_query(s)
        ),
        case!(
            "campaign_performance",
            scope,
            |s| |c| campaign_performance::campaign_performance(c, s),
            campaign_performance::campaign_performance_query(s)
        ),
        case!(
            "mailbox_health",
            scope,
            |s| |c| mailbox_health::mailbox_health(c, s),
            mailbox_health::mailbox_health_query(s)
        ),
        case!(
            "lead_engagement",
            (scope.clone(), LeadPage::first(LEAD_PAGE)),
            |a| |c| lead_engagement::lead_engagement(c, &a.0, &a.1),
            lead_engagement::lead_engagement_query(&a.0, &a.1)
        ),
        case!(
            "step_comparison",
            scope,
            |s| |c| step_comparison::step_comparison(c, s),
            step_comparison::step_variants_query(s)
        ),
    ];
    if let Some(next) = next {
        let page = (scope.clone(), next);
        cases.insert(
            4,
            case!(
                "lead_engagement p2",
                page,
                |a| |c| lead_engagement::lead_engagement(c, &a.0, &a.1),
                lead_engagement::lead_engagement_query(&a.0, &a.1)
            ),
        );
    }
    cases
}

/// The page after the first of `lead_engagement` in `scope`, if there is one.
fn second_page(conn: &mut PgConnection, scope: &Scope) -> Result<Option<LeadPage>> {
    let first = LeadPage::first(LEAD_PAGE);
    let rows =
        lead_engagement::lead_engagement(conn, scope, &first).context("lead_engagement failed")?;
    Ok(first.next(&rows))
}

/// One tenant's dashboard in `period` (its latest when `None`).
fn dashboard_case(tenant: &str, period: Option<DateTime<Utc>>) -> Case {
    case!(
        "dashboard_counts",
        (tenant.to_owned(), period),
        |a| |c| dashboard::dashboard_counts(c, &a.0, a.1).map(Vec::from_iter),
        dashboard::dashboard_counts_query(&a.0, a.1)
    )
}

/// The executive report, which has no tenant scope.
fn growth_case(periods: Periods) -> Case {
    case!(
        "tenant_growth",
        periods,
        |p| |c| tenant_growth::tenant_growth(c, p),
        tenant_growth::tenant_growth_query(p)
    )
}

/// Runs `cargo xtask bench-queries`.
pub fn run(args: &BenchQueriesArgs) -> Result<()> {
    load::run(
        &SeedOptions::new(args.database_url.as_deref(), args.world.clone()),
        &(),
    )?;
    let target = Target::resolve(args.database_url.as_deref())?;
    let mut conn = target.connect()?;
    // Fresh statistics: a seed that just finished may not have been analysed yet.
    diesel::sql_query("ANALYZE")
        .execute(&mut conn)
        .context("ANALYZE failed")?;
    let tenants: Vec<Sample> = diesel::sql_query(TENANT_ROWS)
        .load(&mut conn)
        .context("counting rows per tenant failed")?;
    anyhow::ensure!(!tenants.is_empty(), "{target} holds no tenant");
    let (first, last) = (0, tenants.len() - 1);
    let samples = [
        ("smallest", &tenants[first]),
        ("median", &tenants[last / 2]),
        ("largest", &tenants[last]),
    ];

    if args.without_indexes {
        // Never committed: the connection is dropped with the transaction open.
        conn.begin_test_transaction()?;
        conn.batch_execute(INDEX_MIGRATION_DOWN)
            .context("dropping the query indexes failed")?;
    }
    println!(
        "bench-queries: {} tenants, profile {}, scale {}, seed {}, {} query indexes; \
         {} runs per one-tenant query, {} per report",
        tenants.len(),
        args.world.profile,
        args.world.scale,
        args.world.seed,
        if args.without_indexes {
            "WITHOUT the"
        } else {
            "with the"
        },
        args.runs,
        args.report_runs
    );
    println!(
        "{:<38} {:<21} {:>9} {:>10} {:>10}",
        "scope", "query", "rows", "p50 ms", "p95 ms"
    );
    for (label, t) in samples {
        let one = Periods::starting(t.busiest);
        let scopes = [
            (
                format!(
                    "{label} {} ({} rows), {}",
                    t.tenant_id,
                    t.rows,
                    t.busiest.format("%Y-%m")
                ),
                Scope::tenant(&t.tenant_id).in_periods(one),
                Some(t.busiest),
            ),
            (
                format!("{label} {}, all periods", t.tenant_id),
                Scope::tenant(&t.tenant_id),
                None,
            ),
        ];
        for (name, scope, period) in scopes {
            let next = second_page(&mut conn, &scope)?;
            let mut cases = scoped_cases(&scope, next);
            cases.insert(0, dashboard_case(&t.tenant_id, period));
            measure(&mut conn, &name, &cases, args.runs, true, args.explain)?;
        }
    }
    if args.report_runs > 0 {
        let mut all = scoped_cases(&Scope::all(), None);
        all.push(growth_case(Periods::all()));
        let scope = "all tenants, all periods";
        measure(
            &mut conn,
            scope,
            &all,
            args.report_runs,
            false,
            args.explain,
        )?;
    }
    Ok(())
}

/// Times each case `runs` times, after a warm-up run if `warm_up`, and prints a row per
/// case.
fn measure(
    conn: &mut PgConnection,
    scope: &str,
    cases: &[Case],
    runs: u32,
    warm_up: bool,
    explain: bool,
) -> Result<()> {
    for case in cases {
        let mut run = || -> Result<(usize, Duration)> {
            let started = Instant::now();
            let rows = (case.run)(conn).with_context(|| format!("{} failed", case.name))?;
            Ok((rows, started.elapsed()))
        };
        if warm_up {
            run()?;
        }
        let mut rows = 0;
        let mut times = Vec::with_capacity(runs as usize);
        for _ in 0..runs {
            let (n, time) = run()?;
            rows = n;
            times.push(time);
        }
        times.sort();
        println!(
            "{scope:<38} {:<21} {rows:>9} {:>10.2} {:>10.2}",
            case.name,
            ms(percentile(&times, 50)),
            ms(percentile(&times, 95))
        );
        if explain {
            for line in (case.plan)(conn).with_context(|| format!("EXPLAIN {}", case.name))? {
                println!("    {}", line.line);
            }
        }
    }
    Ok(())
}

/// The nearest-rank percentile `p` of sorted `times`.
fn percentile(times: &[Duration], p: usize) -> Duration {
    let rank = (times.len() * p).div_ceil(100).max(1);
    times[rank - 1]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_nearest_rank() {
        let times: Vec<Duration> = (1..=20).map(Duration::from_millis).collect();
        assert_eq!(percentile(&times, 50), Duration::from_millis(10));
        assert_eq!(percentile(&times, 95), Duration::from_millis(19));
        assert_eq!(percentile(&times[..1], 95), Duration::from_millis(1));
    }
}
