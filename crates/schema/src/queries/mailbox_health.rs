//! Mailbox deliverability and health: each mailbox's campaign mail, bounce and complaint
//! rates, reputation and warmup, period by period.
//!
//! A `mailbox_analytics` row counts all the mail the mailbox sent, campaign and warmup
//! alike (rule D3). Warmup mail goes to a network that opens and answers it
//! automatically, so it would flatter every rate: the funnel here is the campaign mail
//! alone, the mailbox row minus its `warmup_analytics` row.

use chrono::{DateTime, Utc};
use diesel::pg::PgConnection;
use diesel::prelude::*;
use diesel::sql_types::{BigInt, Integer, Nullable, Text, Timestamptz};
use serde::{Deserialize, Serialize};

use super::{funnel_differences, funnel_rates, in_scope, scoped, Funnel, Rates, RawQuery, Scope};
use crate::models::{MailboxCampaignStatus, WarmupStatus};

/// One mailbox in one billing period.
#[derive(Debug, Clone, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct MailboxHealth {
    /// The tenant.
    #[diesel(sql_type = Text)]
    pub tenant_id: String,
    /// The period's `billing_analytics` row.
    #[diesel(sql_type = BigInt)]
    pub billing_id: i64,
    /// First instant of the period.
    #[diesel(sql_type = Timestamptz)]
    pub period_start: DateTime<Utc>,
    /// The company that owns the mailbox.
    #[diesel(sql_type = Text)]
    pub company_id: String,
    /// The mailbox: its email address.
    #[diesel(sql_type = Text)]
    pub mailbox_id: String,
    /// The address's domain: reputation is largely per sending domain.
    #[diesel(sql_type = Text)]
    pub domain: String,
    /// Sender reputation, 0–100.
    #[diesel(sql_type = Nullable<Integer>)]
    pub health_score: Option<i32>,
    /// Emails a day (campaign plus warmup) at the end of the period.
    #[diesel(sql_type = Nullable<Integer>)]
    pub current_volume: Option<i32>,
    /// Warmup state at the end of the period.
    #[diesel(sql_type = Nullable<Text>)]
    pub warmup_status: Option<WarmupStatus>,
    /// Part in campaign sending during the period.
    #[diesel(sql_type = Nullable<Text>)]
    pub campaign_status: Option<MailboxCampaignStatus>,
    /// Warmup ramp progress, 0–100; `None` when warmup did not run in the period.
    #[diesel(sql_type = Nullable<Integer>)]
    pub warmup_progress: Option<i32>,
    /// Warmup emails sent in the period.
    #[diesel(sql_type = BigInt)]
    pub warmup_sent: i64,
    /// All emails sent: campaign plus warmup.
    #[diesel(sql_type = BigInt)]
    pub total_sent: i64,
    /// The campaign mail's counters (mailbox row minus warmup row).
    #[diesel(embed)]
    pub campaign: Funnel,
    /// The campaign mail's rates: `bounce_rate` and `spam_rate` are what mailbox
    /// providers judge a sender by.
    #[diesel(embed)]
    pub rates: Rates,
}

const MAILBOX_HEALTH: &str = concat!(
    "SELECT f.*, ",
    funnel_rates!(),
    " FROM (
    SELECT b.tenant_id, m.billing_id, b.period_start, m.company_id, m.mailbox_id,
        ",
    crate::mailbox_domain_sql!("m.mailbox_id"),
    " AS domain,
        m.health_score, m.current_volume, m.warmup_status, m.campaign_status,
        w.progress_percentage AS warmup_progress,
        COALESCE(w.sent, 0)::int8 AS warmup_sent,
        COALESCE(m.sent, 0)::int8 AS total_sent,
        ",
    funnel_differences!("m", "w"),
    "
    FROM mailbox_analytics m
    JOIN billing_analytics b ON b.id = m.billing_id
    LEFT JOIN warmup_analytics w ON w.mailbox_id = m.mailbox_id AND w.billing_id = m.billing_id
    WHERE ",
    in_scope!("b"),
    "
) AS f
ORDER BY f.tenant_id COLLATE \"C\", f.period_start, f.mailbox_id COLLATE \"C\""
);

/// Every mailbox row in `scope`, by tenant, period, then mailbox.
pub fn mailbox_health(conn: &mut PgConnection, scope: &Scope) -> QueryResult<Vec<MailboxHealth>> {
    mailbox_health_query(scope).load(conn)
}

/// [`mailbox_health`] as a query value for any connection, sync or async: loads
/// [`MailboxHealth`] rows.
pub fn mailbox_health_query(scope: &Scope) -> RawQuery<'_> {
    scoped(MAILBOX_HEALTH, scope)
}
