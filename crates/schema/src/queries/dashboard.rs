//! Dashboard resource counts: how many companies, campaigns, mailboxes, domains, leads
//! and warmups a tenant had in one billing period, broken down by status.
//!
//! The totals (emails sent, campaigns, mailboxes, domains, leads, warmups) are read from
//! the period's `billing_analytics` row, the hub, which rules B4–B9 make exact: a
//! dashboard never counts distinct leads or domains over the child tables. Only the
//! breakdowns by status, and the companies (which the hub does not count), read the
//! period's child rows, through the `billing_id` indexes of the second migration, so
//! their cost follows the tenant's period, not the warehouse.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use super::RawQuery;

/// One tenant's resources in one billing period.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize, Deserialize)]
pub struct DashboardCounts {
    /// The period's `billing_analytics` row.
    #[diesel(sql_type = BigInt)]
    pub billing_id: i64,
    /// The tenant.
    #[diesel(sql_type = Text)]
    pub tenant_id: String,
    /// The subscription billed; `None` during a trial.
    #[diesel(sql_type = Nullable<Text>)]
    pub subscription_id: Option<String>,
    /// First instant of the period.
    #[diesel(sql_type = Timestamptz)]
    pub period_start: DateTime<Utc>,
    /// First instant after the period.
    #[diesel(sql_type = Timestamptz)]
    pub period_end: DateTime<Utc>,
    /// Campaign emails sent in the period.
    #[diesel(sql_type = BigInt)]
    pub emails_sent: i64,
    /// Companies (workspaces) with a campaign or a mailbox in the period.
    #[diesel(sql_type = BigInt)]
    pub companies: i64,
    /// Campaigns that sent mail in the period.
    #[diesel(sql_type = BigInt)]
    pub campaigns: i64,
    /// … of which `active` at the end of the period.
    #[diesel(sql_type = BigInt)]
    pub campaigns_active: i64,
    /// … of which `paused`.
    #[diesel(sql_type = BigInt)]
    pub campaigns_paused: i64,
    /// … of which `completed`.
    #[diesel(sql_type = BigInt)]
    pub campaigns_completed: i64,
    /// Mailboxes that existed in the period.
    #[diesel(sql_type = BigInt)]
    pub mailboxes: i64,
    /// … of which still ramping up their warmup (`warmup_status = warming`).
    #[diesel(sql_type = BigInt)]
    pub mailboxes_warming: i64,
    /// … of which warmed up (`warmup_status = warmed`).
    #[diesel(sql_type = BigInt)]
    pub mailboxes_warmed: i64,
    /// … of which had warmup switched off (`warmup_status = paused`).
    #[diesel(sql_type = BigInt)]
    pub mailboxes_warmup_paused: i64,
    /// … of which may not send campaign mail yet (`campaign_status = warming`).
    #[diesel(sql_type = BigInt)]
    pub mailboxes_not_ready: i64,
    /// … of which sent campaign mail (`campaign_status = sending`).
    #[diesel(sql_type = BigInt)]
    pub mailboxes_sending: i64,
    /// … of which were ready but sent no campaign mail (`campaign_status = idle`).
    #[diesel(sql_type = BigInt)]
    pub mailboxes_idle: i64,
    /// Distinct sending domains of those mailboxes.
    #[diesel(sql_type = BigInt)]
    pub domains: i64,
    /// Mailboxes that ran warmup in the period (rows of `warmup_analytics`).
    #[diesel(sql_type = BigInt)]
    pub warmups: i64,
    /// Distinct leads mailed in the period.
    #[diesel(sql_type = BigInt)]
    pub leads: i64,
    /// Lead enrolments (lead × campaign) still in their sequence at the end of the period.
    #[diesel(sql_type = BigInt)]
    pub leads_active: i64,
    /// … that received every step without replying.
    #[diesel(sql_type = BigInt)]
    pub leads_completed: i64,
    /// … that replied.
    #[diesel(sql_type = BigInt)]
    pub leads_replied: i64,
    /// … that bounced.
    #[diesel(sql_type = BigInt)]
    pub leads_bounced: i64,
    /// … that unsubscribed.
    #[diesel(sql_type = BigInt)]
    pub leads_unsubscribed: i64,
    /// … that reported spam.
    #[diesel(sql_type = BigInt)]
    pub leads_spam_reported: i64,
}

const DASHBOARD: &str = "\
WITH p AS (
    SELECT id, tenant_id, subscription_id, period_start, period_end, emails_sent,
        campaigns_used, mailboxes_used, domains_used, leads_used, warmups_active
    FROM billing_analytics
    WHERE tenant_id = $1 AND ($2::timestamptz IS NULL OR period_start = $2)
    ORDER BY period_start DESC
    LIMIT 1
)
SELECT p.id AS billing_id, p.tenant_id, p.subscription_id, p.period_start, p.period_end,
    COALESCE(p.emails_sent, 0)::int8 AS emails_sent,
    COALESCE(p.campaigns_used, 0)::int8 AS campaigns,
    c.campaigns_active, c.campaigns_paused, c.campaigns_completed,
    COALESCE(p.mailboxes_used, 0)::int8 AS mailboxes,
    m.mailboxes_warming, m.mailboxes_warmed, m.mailboxes_warmup_paused,
    m.mailboxes_not_ready, m.mailboxes_sending, m.mailboxes_idle,
    COALESCE(p.domains_used, 0)::int8 AS domains,
    COALESCE(p.warmups_active, 0)::int8 AS warmups,
    COALESCE(p.leads_used, 0)::int8 AS leads,
    l.leads_active, l.leads_completed, l.leads_replied, l.leads_bounced,
    l.leads_unsubscribed, l.leads_spam_reported,
    (SELECT count(*) FROM (
        SELECT company_id FROM campaign_analytics WHERE billing_id = p.id
        UNION
        SELECT company_id FROM mailbox_analytics WHERE billing_id = p.id
    ) AS co) AS companies
FROM p
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status = 'active') AS campaigns_active,
        count(*) FILTER (WHERE status = 'paused') AS campaigns_paused,
        count(*) FILTER (WHERE status = 'completed') AS campaigns_completed
    FROM campaign_analytics WHERE billing_id = p.id
) AS c
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE warmup_status = 'warming') AS mailboxes_warming,
        count(*) FILTER (WHERE warmup_status = 'warmed') AS mailboxes_warmed,
        count(*) FILTER (WHERE warmup_status = 'paused') AS mailboxes_warmup_paused,
        count(*) FILTER (WHERE campaign_status = 'warming') AS mailboxes_not_ready,
        count(*) FILTER (WHERE campaign_status = 'sending') AS mailboxes_sending,
        count(*) FILTER (WHERE campaign_status = 'idle') AS mailboxes_idle
    FROM mailbox_analytics WHERE billing_id = p.id
) AS m
CROSS JOIN LATERAL (
    SELECT count(*) FILTER (WHERE status = 'active') AS leads_active,
        count(*) FILTER (WHERE status = 'completed') AS leads_completed,
        count(*) FILTER (WHERE status = 'replied') AS leads_replied,
        count(*) FILTER (WHERE status = 'bounced') AS leads_bounced,
        count(*) FILTER (WHERE status = 'unsubscribed') AS leads_unsubscribed,
        count(*) FILTER (WHERE status = 'spam_reported') AS leads_spam_reported
    FROM lead_analytics WHERE billing_id = p.id
) AS l";

/// The resource counts of `tenant_id` in the period that starts at `period_start`, or in
/// its latest period when `None`; `None` when the tenant has no such period.
///
/// A tenant's latest period is the current month, which may have little or no activity
/// yet: pass the start of an earlier period for a complete month.
pub fn dashboard_counts(
    conn: &mut PgConnection,
    tenant_id: &str,
    period_start: Option<DateTime<Utc>>,
) -> QueryResult<Option<DashboardCounts>> {
    dashboard_counts_query(tenant_id, period_start)
        .get_result(conn)
        .optional()
}

/// [`dashboard_counts`] as a query value for any connection, sync or async: at most one
/// [`DashboardCounts`] row (`get_result(..).optional()`).
pub fn dashboard_counts_query(
    tenant_id: &str,
    period_start: Option<DateTime<Utc>>,
) -> RawQuery<'_> {
    diesel::sql_query(DASHBOARD)
        .into_boxed()
        .bind::<Text, _>(tenant_id)
        .bind::<Nullable<Timestamptz>, _>(period_start)
}
