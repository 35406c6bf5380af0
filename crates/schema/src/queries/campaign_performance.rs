//! Campaign performance: each campaign's funnel, with delivery, open, reply and bounce
//! rates, over the periods in scope.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use super::{funnel_rates, funnel_sums, in_scope, scoped, Funnel, Rates, RawQuery, Scope};
use crate::models::CampaignStatus;

/// One campaign's performance, summed over its periods in scope. A campaign that runs
/// across months has one `campaign_analytics` row per month; they add up here.
#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct CampaignPerformance {
    /// The tenant that owns the campaign.
    #[diesel(sql_type = Text)]
    pub tenant_id: String,
    /// The company (workspace) that owns it.
    #[diesel(sql_type = Text)]
    pub company_id: String,
    /// The campaign.
    #[diesel(sql_type = Text)]
    pub campaign_id: String,
    /// Its status in the latest period in scope.
    #[diesel(sql_type = Nullable<Text>)]
    pub status: Option<CampaignStatus>,
    /// Start of its first period in scope.
    #[diesel(sql_type = Timestamptz)]
    pub first_period: DateTime<Utc>,
    /// Start of its latest period in scope.
    #[diesel(sql_type = Timestamptz)]
    pub last_period: DateTime<Utc>,
    /// Periods in which it sent mail.
    #[diesel(sql_type = BigInt)]
    pub periods: i64,
    /// Leads whose sequence ended (finished, replied, bounced, unsubscribed or
    /// complained), summed over the periods.
    #[diesel(sql_type = BigInt)]
    pub completed_leads: i64,
    /// The summed counters.
    #[diesel(embed)]
    pub funnel: Funnel,
    /// Their rates.
    #[diesel(embed)]
    pub rates: Rates,
}

const CAMPAIGN_PERFORMANCE: &str = concat!(
    "SELECT f.*, ",
    funnel_rates!(),
    " FROM (
    SELECT b.tenant_id, c.company_id, c.campaign_id,
        (array_agg(c.status ORDER BY b.period_start DESC))[1] AS status,
        min(b.period_start) AS first_period,
        max(b.period_start) AS last_period,
        count(*) AS periods,
        COALESCE(sum(c.completed_leads), 0)::int8 AS completed_leads, ",
    funnel_sums!("c"),
    "
    FROM campaign_analytics c
    JOIN billing_analytics b ON b.id = c.billing_id
    WHERE ",
    in_scope!("b"),
    "
    GROUP BY b.tenant_id, c.company_id, c.campaign_id
) AS f
ORDER BY f.tenant_id COLLATE \"C\", f.campaign_id COLLATE \"C\""
);

/// Every campaign with mail in `scope`, by tenant, then campaign.
pub fn campaign_performance(
    conn: &mut PgConnection,
    scope: &Scope,
) -> QueryResult<Vec<CampaignPerformance>> {
    campaign_performance_query(scope).load(conn)
}

/// [`campaign_performance`] as a query value for any connection, sync or async: loads
/// [`CampaignPerformance`] rows.
pub fn campaign_performance_query(scope: &Scope) -> RawQuery<'_> {
    scoped(CAMPAIGN_PERFORMANCE, scope)
}
