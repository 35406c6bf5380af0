//! Tenant growth month over month, for executive reports: active, new and churned
//! tenants per billing period.
//!
//! A tenant is *active* in a period when it has a `billing_analytics` row for it (the
//! domain rules give one row per month in which the tenant was subscribed or trialling).
//! Month over month, every change is one of the counted movements, so for each period
//! after the first:
//!
//! ```text
//! active = previous active + new + returning − churned − expired_trials
//! ```
//!
//! The first period in the warehouse has no previous month to compare with: every tenant
//! active in it counts as new.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Nullable, Timestamptz};
use serde::{Deserialize, Serialize};

use super::{Periods, RawQuery};

/// The tenant base in one billing period and how it moved since the previous one.
#[derive(Debug, Clone, PartialEq, Eq, QueryableByName, Serialize, Deserialize)]
pub struct TenantGrowth {
    /// First instant of the period (the 1st of the month, midnight UTC).
    #[diesel(sql_type = Timestamptz)]
    pub period_start: DateTime<Utc>,
    /// Tenants with a billing row in the period.
    #[diesel(sql_type = BigInt)]
    pub active_tenants: i64,
    /// … of which paying (a subscription is billed).
    #[diesel(sql_type = BigInt)]
    pub paying_tenants: i64,
    /// … of which on a trial (no subscription).
    #[diesel(sql_type = BigInt)]
    pub trial_tenants: i64,
    /// Tenants whose first billing row is this period's: sign-ups.
    #[diesel(sql_type = BigInt)]
    pub new_tenants: i64,
    /// Tenants back after one or more months without a billing row.
    #[diesel(sql_type = BigInt)]
    pub returning_tenants: i64,
    /// Tenants on a trial last month that pay this month.
    #[diesel(sql_type = BigInt)]
    pub converted_trials: i64,
    /// Tenants that paid last month and have no row this month.
    #[diesel(sql_type = BigInt)]
    pub churned_tenants: i64,
    /// Tenants on a trial last month that have no row this month: trials that ended
    /// without converting.
    #[diesel(sql_type = BigInt)]
    pub expired_trials: i64,
    /// Campaign emails sent by all tenants in the period.
    #[diesel(sql_type = BigInt)]
    pub emails_sent: i64,
}

impl TenantGrowth {
    /// Tenants gained minus tenants lost since the previous period.
    pub fn net_change(&self) -> i64 {
        self.new_tenants + self.returning_tenants - self.churned_tenants - self.expired_trials
    }
}

// Months are computed in UTC (`AT TIME ZONE 'UTC'`), whatever the session's time zone:
// adding a month to a `timestamptz` would otherwise follow the session's DST shifts.
const TENANT_GROWTH: &str = "\
WITH r AS (
    SELECT tenant_id, period_start AT TIME ZONE 'UTC' AS month,
        subscription_id IS NOT NULL AS paid, COALESCE(emails_sent, 0) AS emails_sent
    FROM billing_analytics
), t AS (
    SELECT r.*,
        lag(month) OVER w AS prev_month,
        lag(paid) OVER w AS prev_paid,
        lead(month) OVER w AS next_month
    FROM r
    WINDOW w AS (PARTITION BY tenant_id ORDER BY month)
), months AS (
    SELECT generate_series(min(month), max(month), interval '1 month') AS month FROM r
)
SELECT m.month AT TIME ZONE 'UTC' AS period_start,
    count(*) FILTER (WHERE t.month = m.month) AS active_tenants,
    count(*) FILTER (WHERE t.month = m.month AND t.paid) AS paying_tenants,
    count(*) FILTER (WHERE t.month = m.month AND NOT t.paid) AS trial_tenants,
    count(*) FILTER (WHERE t.month = m.month AND t.prev_month IS NULL) AS new_tenants,
    count(*) FILTER (
        WHERE t.month = m.month AND t.prev_month < m.month - interval '1 month'
    ) AS returning_tenants,
    count(*) FILTER (
        WHERE t.month = m.month AND t.prev_month = m.month - interval '1 month'
            AND t.paid AND NOT t.prev_paid
    ) AS converted_trials,
    count(*) FILTER (
        WHERE t.month = m.month - interval '1 month' AND t.paid
            AND (t.next_month IS NULL OR t.next_month > m.month)
    ) AS churned_tenants,
    count(*) FILTER (
        WHERE t.month = m.month - interval '1 month' AND NOT t.paid
            AND (t.next_month IS NULL OR t.next_month > m.month)
    ) AS expired_trials,
    COALESCE(sum(t.emails_sent) FILTER (WHERE t.month = m.month), 0)::int8 AS emails_sent
FROM months m
LEFT JOIN t ON t.month IN (m.month, m.month - interval '1 month')
WHERE ($1::timestamptz IS NULL OR m.month >= $1 AT TIME ZONE 'UTC')
    AND ($2::timestamptz IS NULL OR m.month < $2 AT TIME ZONE 'UTC')
GROUP BY m.month
ORDER BY m.month";

/// One row per calendar month from the warehouse's first billing period to its last (a
/// month without any billing row included), limited to `periods`. Movements are measured
/// against the whole history, so the first month of a limited range still counts the
/// churn since the month before it.
pub fn tenant_growth(conn: &mut PgConnection, periods: &Periods) -> QueryResult<Vec<TenantGrowth>> {
    tenant_growth_query(periods).load(conn)
}

/// [`tenant_growth`] as a query value for any connection, sync or async: loads
/// [`TenantGrowth`] rows. It reads the hub alone.
pub fn tenant_growth_query(periods: &Periods) -> RawQuery<'static> {
    diesel::sql_query(TENANT_GROWTH)
        .into_boxed()
        .bind::<Nullable<Timestamptz>, _>(periods.from)
        .bind::<Nullable<Timestamptz>, _>(periods.until)
}
