//! `mailbox_analytics`: one row per mailbox × billing period.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::models::{
    BillingAnalytics, CounterColumns, Counters, MailboxCampaignStatus, WarmupStatus,
};
use crate::schema::mailbox_analytics;

/// Everything one mailbox sent in a period: its campaign mail **and** its warmup mail, so
/// per company and period the mailbox rows sum to the campaign rows plus the warmup rows
/// (rule D3).
#[derive(
    Debug,
    Clone,
    PartialEq,
    Queryable,
    Selectable,
    Identifiable,
    Associations,
    Serialize,
    Deserialize,
)]
#[diesel(table_name = mailbox_analytics, check_for_backend(Pg))]
#[diesel(belongs_to(BillingAnalytics, foreign_key = billing_id))]
pub struct MailboxAnalytics {
    /// Surrogate key.
    pub id: i64,
    /// The sending address itself, e.g. `jordan@acme-outreach.io`; owned by one company forever.
    pub mailbox_id: String,
    /// The company (workspace) that owns the mailbox.
    pub company_id: String,
    /// The eight funnel counters, each `None` where the column is NULL.
    #[diesel(
        select_expression = <mailbox_analytics::table as CounterColumns>::counter_columns(),
        select_expression_type = <mailbox_analytics::table as CounterColumns>::Columns
    )]
    #[serde(flatten)]
    pub counters: Counters<Option<i32>>,
    /// Warmup state at the end of the period.
    pub warmup_status: Option<WarmupStatus>,
    /// Sender reputation, 0–100: rises with warmup, falls with bounces and complaints.
    pub health_score: Option<i32>,
    /// Emails a day (campaign plus warmup) at the end of the period.
    pub current_volume: Option<i32>,
    /// The tenant's billing period.
    pub billing_id: Option<i64>,
    /// The mailbox's part in campaign sending during the period.
    pub campaign_status: Option<MailboxCampaignStatus>,
    /// When the row was last aggregated, in simulated time.
    pub updated: Option<DateTime<Utc>>,
}

/// A `mailbox_analytics` row to insert. The database assigns `id`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Serialize, Deserialize)]
#[diesel(table_name = mailbox_analytics, check_for_backend(Pg))]
pub struct NewMailboxAnalytics {
    /// See [`MailboxAnalytics::mailbox_id`].
    pub mailbox_id: String,
    /// See [`MailboxAnalytics::company_id`].
    pub company_id: String,
    /// The eight funnel counters.
    #[diesel(embed)]
    #[serde(flatten)]
    pub counters: Counters,
    /// See [`MailboxAnalytics::warmup_status`].
    pub warmup_status: WarmupStatus,
    /// See [`MailboxAnalytics::health_score`].
    pub health_score: i32,
    /// See [`MailboxAnalytics::current_volume`].
    pub current_volume: i32,
    /// See [`MailboxAnalytics::billing_id`].
    pub billing_id: i64,
    /// See [`MailboxAnalytics::campaign_status`].
    pub campaign_status: MailboxCampaignStatus,
    /// See [`MailboxAnalytics::updated`].
    pub updated: DateTime<Utc>,
}
