//! Billing usage summary: what each tenant used in each billing period, for invoices,
//! quotas and revenue analytics.

use chrono::{DateTime, Utc};
use diesel::pg::{Pg, PgConnection};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use super::Scope;
use crate::models::BillingAnalytics;
use crate::schema::billing_analytics;

/// A tenant's usage in one billing period `[period_start, period_end)`.
///
/// The counts are those of its `billing_analytics` row, aggregated from the period's
/// activity rows (rules B4–B9); a `NULL` count, which a seeded warehouse never holds,
/// reads as 0.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BillingUsage {
    /// The `billing_analytics` row: the period's key in every child table.
    pub billing_id: i64,
    /// The tenant.
    pub tenant_id: String,
    /// The subscription billed; `None` during a trial.
    pub subscription_id: Option<String>,
    /// First instant of the period.
    pub period_start: DateTime<Utc>,
    /// First instant after the period.
    pub period_end: DateTime<Utc>,
    /// [`BillingAnalytics::emails_sent`]: campaign mail only.
    pub emails_sent: i32,
    /// [`BillingAnalytics::mailboxes_used`].
    pub mailboxes_used: i32,
    /// [`BillingAnalytics::domains_used`].
    pub domains_used: i32,
    /// [`BillingAnalytics::campaigns_used`].
    pub campaigns_used: i32,
    /// [`BillingAnalytics::leads_used`].
    pub leads_used: i32,
    /// [`BillingAnalytics::warmups_active`].
    pub warmups_active: i32,
    /// When the row was last aggregated: the period's figures are final once this is
    /// after `period_end`.
    pub updated: Option<DateTime<Utc>>,
}

impl BillingUsage {
    /// Whether the period is an unpaid trial.
    pub fn is_trial(&self) -> bool {
        self.subscription_id.is_none()
    }
}

impl From<BillingAnalytics> for BillingUsage {
    fn from(b: BillingAnalytics) -> Self {
        Self {
            billing_id: b.id,
            tenant_id: b.tenant_id,
            subscription_id: b.subscription_id,
            period_start: b.period_start,
            period_end: b.period_end,
            emails_sent: b.emails_sent.unwrap_or(0),
            mailboxes_used: b.mailboxes_used.unwrap_or(0),
            domains_used: b.domains_used.unwrap_or(0),
            campaigns_used: b.campaigns_used.unwrap_or(0),
            leads_used: b.leads_used.unwrap_or(0),
            warmups_active: b.warmups_active.unwrap_or(0),
            updated: b.updated,
        }
    }
}

/// The usage of every tenant and period in `scope`, by tenant, then period.
pub fn billing_usage(conn: &mut PgConnection, scope: &Scope) -> QueryResult<Vec<BillingUsage>> {
    let rows = billing_usage_query(scope).load(conn)?;
    Ok(rows.into_iter().map(BillingUsage::from).collect())
}

/// The query of [`billing_usage`], selecting [`BillingAnalytics`] rows.
pub type BillingUsageQuery<'a> = billing_analytics::BoxedQuery<
    'a,
    Pg,
    diesel::dsl::SqlTypeOf<diesel::dsl::AsSelect<BillingAnalytics, Pg>>,
>;

/// [`billing_usage`] as a query value for any connection, sync or async: loads
/// [`BillingAnalytics`] rows, each turned into a [`BillingUsage`] with `From`. It reads
/// the hub alone.
pub fn billing_usage_query(scope: &Scope) -> BillingUsageQuery<'_> {
    use billing_analytics::{period_start, tenant_id};
    let mut query = billing_analytics::table
        .select(BillingAnalytics::as_select())
        .into_boxed();
    if let Some(tenant) = &scope.tenant_id {
        query = query.filter(tenant_id.eq(tenant));
    }
    if let Some(from) = scope.periods.from {
        query = query.filter(period_start.ge(from));
    }
    if let Some(until) = scope.periods.until {
        query = query.filter(period_start.lt(until));
    }
    // Byte order for the text key, as the module promises, whatever the server's locale.
    let by_tenant = diesel::dsl::sql::<diesel::sql_types::Text>(r#"tenant_id COLLATE "C""#);
    query.order(by_tenant).then_order_by(period_start)
}
