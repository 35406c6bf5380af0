//! `lead_analytics`: one row per lead × campaign × billing period in which the lead was mailed.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::models::{BillingAnalytics, CounterColumns, Counters, LeadStatus};
use crate::schema::lead_analytics;

/// One lead's engagement with one campaign in a period. A lead gets at most one email per
/// step position, so `sent` never exceeds the campaign's number of steps (rule E1); the
/// lead rows of a campaign and period sum to its campaign row (rule D2).
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
#[diesel(table_name = lead_analytics, check_for_backend(Pg))]
#[diesel(belongs_to(BillingAnalytics, foreign_key = billing_id))]
pub struct LeadAnalytics {
    /// Surrogate key.
    pub id: i64,
    /// The prospect in the operational database.
    pub lead_id: String,
    /// The campaign the lead is enrolled in.
    pub campaign_id: String,
    /// The eight funnel counters, each `None` where the column is NULL.
    #[diesel(
        select_expression = <lead_analytics::table as CounterColumns>::counter_columns(),
        select_expression_type = <lead_analytics::table as CounterColumns>::Columns
    )]
    #[serde(flatten)]
    pub counters: Counters<Option<i32>>,
    /// The lead's state in the sequence at the end of the period; agrees with the counters.
    pub status: Option<LeadStatus>,
    /// The tenant's billing period.
    pub billing_id: Option<i64>,
    /// When the row was last aggregated, in simulated time.
    pub updated: Option<DateTime<Utc>>,
}

/// A `lead_analytics` row to insert. The database assigns `id`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Serialize, Deserialize)]
#[diesel(table_name = lead_analytics, check_for_backend(Pg))]
pub struct NewLeadAnalytics {
    /// See [`LeadAnalytics::lead_id`].
    pub lead_id: String,
    /// See [`LeadAnalytics::campaign_id`].
    pub campaign_id: String,
    /// The eight funnel counters.
    #[diesel(embed)]
    #[serde(flatten)]
    pub counters: Counters,
    /// See [`LeadAnalytics::status`].
    pub status: LeadStatus,
    /// See [`LeadAnalytics::billing_id`].
    pub billing_id: i64,
    /// See [`LeadAnalytics::updated`].
    pub updated: DateTime<Utc>,
}
