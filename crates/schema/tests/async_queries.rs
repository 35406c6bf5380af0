//! The query values of `schema::queries` run on `diesel_async::AsyncPgConnection`, as an
//! async service runs them, and give the rows the sync helpers give (which `queries.rs`
//! checks against the CSV files) on the fixtures.

use diesel::OptionalExtension;
use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
use schema::models::BillingAnalytics;
use schema::queries::billing_usage::{billing_usage, billing_usage_query, BillingUsage};
use schema::queries::campaign_performance::{
    campaign_performance, campaign_performance_query, CampaignPerformance,
};
use schema::queries::dashboard::{dashboard_counts, dashboard_counts_query, DashboardCounts};
use schema::queries::lead_engagement::{
    lead_engagement, lead_engagement_query, LeadEngagement, LeadPage,
};
use schema::queries::step_comparison::{
    group_variants, step_comparison, step_variants_query, StepVariant,
};
use schema::queries::Scope;
use similar_asserts::assert_eq;
use testdb::ScratchDb;

#[tokio::test]
async fn query_values_run_on_diesel_async() {
    let db = ScratchDb::migrated("q_async");
    let mut sync = db.conn();
    schema::fixtures::load(&mut sync, schema::fixtures::DIR).unwrap();
    let mut conn = AsyncPgConnection::establish(db.url())
        .await
        .unwrap_or_else(|e| panic!("diesel-async cannot connect to {}: {e}", db.name()));
    let scope = Scope::tenant("t00008");

    let campaigns: Vec<CampaignPerformance> = campaign_performance_query(&scope)
        .load(&mut conn)
        .await
        .unwrap();
    assert!(!campaigns.is_empty());
    assert_eq!(campaigns, campaign_performance(&mut sync, &scope).unwrap());

    let usage: Vec<BillingUsage> = billing_usage_query(&Scope::all())
        .load::<BillingAnalytics>(&mut conn)
        .await
        .unwrap()
        .into_iter()
        .map(BillingUsage::from)
        .collect();
    assert!(usage.len() > 8, "{usage:#?}");
    assert_eq!(usage, billing_usage(&mut sync, &Scope::all()).unwrap());

    let dashboard: Option<DashboardCounts> = dashboard_counts_query("t00008", None)
        .get_result(&mut conn)
        .await
        .optional()
        .unwrap();
    assert!(dashboard.is_some());
    assert_eq!(
        dashboard,
        dashboard_counts(&mut sync, "t00008", None).unwrap()
    );
    let nobody: Option<DashboardCounts> = dashboard_counts_query("t99999", None)
        .get_result(&mut conn)
        .await
        .optional()
        .unwrap();
    assert_eq!(nobody, None);

    let variants: Vec<StepVariant> = step_variants_query(&Scope::all())
        .load(&mut conn)
        .await
        .unwrap();
    let steps = group_variants(variants);
    assert!(steps.iter().any(|s| s.is_ab_test()), "{steps:#?}");
    assert_eq!(steps, step_comparison(&mut sync, &Scope::all()).unwrap());

    // A prepared statement, run more than once on the connection (its first page and the
    // next, each twice), as on the sync one.
    let mut page = LeadPage::first(4);
    let mut pages: Vec<Vec<LeadEngagement>> = Vec::new();
    for _ in 0..2 {
        for _ in 0..2 {
            let rows: Vec<LeadEngagement> = lead_engagement_query(&scope, &page)
                .load(&mut conn)
                .await
                .unwrap();
            assert_eq!(rows, lead_engagement(&mut sync, &scope, &page).unwrap());
            pages.push(rows);
        }
        page = page.next(&pages[pages.len() - 1]).expect("a second page");
    }
    assert_ne!(pages[0], pages[2]);
}
