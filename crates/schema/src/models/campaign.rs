//! `campaign_analytics`: one row per campaign × billing period in which it sent mail.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::models::{BillingAnalytics, CampaignStatus, CounterColumns, Counters};
use crate::schema::campaign_analytics;

/// A campaign's funnel in one period. Its counters are exactly the sums of its
/// `sequence_step_analytics` rows and of its `lead_analytics` rows for the same
/// `billing_id` (rules D1, D2).
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
#[diesel(table_name = campaign_analytics, check_for_backend(Pg))]
#[diesel(belongs_to(BillingAnalytics, foreign_key = billing_id))]
pub struct CampaignAnalytics {
    /// Surrogate key.
    pub id: i64,
    /// The campaign in the operational database; owned by one company forever.
    pub campaign_id: String,
    /// The company (workspace) that owns the campaign.
    pub company_id: String,
    /// The eight funnel counters, each `None` where the column is NULL.
    #[diesel(
        select_expression = <campaign_analytics::table as CounterColumns>::counter_columns(),
        select_expression_type = <campaign_analytics::table as CounterColumns>::Columns
    )]
    #[serde(flatten)]
    pub counters: Counters<Option<i32>>,
    /// Lifecycle state at aggregation time.
    pub status: Option<CampaignStatus>,
    /// Leads whose sequence ended in the period (finished, replied, bounced, unsubscribed
    /// or complained); never more than the period's lead rows (rule D4).
    pub completed_leads: Option<i32>,
    /// The tenant's billing period.
    pub billing_id: Option<i64>,
    /// When the row was last aggregated, in simulated time.
    pub updated: Option<DateTime<Utc>>,
}

/// A `campaign_analytics` row to insert. The database assigns `id`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Serialize, Deserialize)]
#[diesel(table_name = campaign_analytics, check_for_backend(Pg))]
pub struct NewCampaignAnalytics {
    /// See [`CampaignAnalytics::campaign_id`].
    pub campaign_id: String,
    /// See [`CampaignAnalytics::company_id`].
    pub company_id: String,
    /// The eight funnel counters.
    #[diesel(embed)]
    #[serde(flatten)]
    pub counters: Counters,
    /// See [`CampaignAnalytics::status`].
    pub status: CampaignStatus,
    /// See [`CampaignAnalytics::completed_leads`].
    pub completed_leads: i32,
    /// See [`CampaignAnalytics::billing_id`].
    pub billing_id: i64,
    /// See [`CampaignAnalytics::updated`].
    pub updated: DateTime<Utc>,
}
