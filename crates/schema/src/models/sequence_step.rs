//! `sequence_step_analytics`: one row per step × campaign × billing period.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::models::BillingAnalytics;
use crate::models::{CounterColumns, Counters};
use crate::schema::sequence_step_analytics;

/// One email of a campaign's sequence (one A/B variant, when the step has several) in a
/// period. The step rows of a campaign and period sum to its campaign row (rule D1).
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
#[diesel(table_name = sequence_step_analytics, check_for_backend(Pg))]
#[diesel(belongs_to(BillingAnalytics, foreign_key = billing_id))]
pub struct SequenceStepAnalytics {
    /// Surrogate key.
    pub id: i64,
    /// The step, or the step's variant, in the operational database.
    pub step_id: String,
    /// The campaign the step belongs to.
    pub campaign_id: String,
    /// The company that owns the campaign.
    pub company_id: String,
    /// The eight funnel counters, each `None` where the column is NULL.
    #[diesel(
        select_expression = <sequence_step_analytics::table as CounterColumns>::counter_columns(),
        select_expression_type = <sequence_step_analytics::table as CounterColumns>::Columns
    )]
    #[serde(flatten)]
    pub counters: Counters<Option<i32>>,
    /// The tenant's billing period.
    pub billing_id: Option<i64>,
    /// When the row was last aggregated, in simulated time.
    pub updated: Option<DateTime<Utc>>,
}

/// A `sequence_step_analytics` row to insert. The database assigns `id`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Serialize, Deserialize)]
#[diesel(table_name = sequence_step_analytics, check_for_backend(Pg))]
pub struct NewSequenceStepAnalytics {
    /// See [`SequenceStepAnalytics::step_id`].
    pub step_id: String,
    /// See [`SequenceStepAnalytics::campaign_id`].
    pub campaign_id: String,
    /// See [`SequenceStepAnalytics::company_id`].
    pub company_id: String,
    /// The eight funnel counters.
    #[diesel(embed)]
    #[serde(flatten)]
    pub counters: Counters,
    /// See [`SequenceStepAnalytics::billing_id`].
    pub billing_id: i64,
    /// See [`SequenceStepAnalytics::updated`].
    pub updated: DateTime<Utc>,
}
