//! `warmup_analytics`: one row per mailbox × billing period in which it ran warmup.

use chrono::{DateTime, Utc};
use diesel::pg::Pg;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::models::BillingAnalytics;
use crate::models::{CounterColumns, Counters};
use crate::schema::warmup_analytics;

/// A mailbox's warmup traffic in a period: mail exchanged with a warmup network that
/// opens and answers automatically. It is not billed, but it counts in the mailbox's row
/// (rule D3), whose `(mailbox_id, billing_id)` it always has (rule C4).
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
#[diesel(table_name = warmup_analytics, check_for_backend(Pg))]
#[diesel(belongs_to(BillingAnalytics, foreign_key = billing_id))]
pub struct WarmupAnalytics {
    /// Surrogate key.
    pub id: i64,
    /// The warming address, as in `mailbox_analytics`.
    pub mailbox_id: String,
    /// The company that owns the mailbox.
    pub company_id: String,
    /// The eight funnel counters, each `None` where the column is NULL.
    #[diesel(
        select_expression = <warmup_analytics::table as CounterColumns>::counter_columns(),
        select_expression_type = <warmup_analytics::table as CounterColumns>::Columns
    )]
    #[serde(flatten)]
    pub counters: Counters<Option<i32>>,
    /// Reputation as the warmup network measures it, 0–100.
    pub health_score: Option<i32>,
    /// How far the ramp has got, 0–100; 100 once warmed.
    pub progress_percentage: Option<i32>,
    /// The tenant's billing period.
    pub billing_id: Option<i64>,
    /// When the row was last aggregated, in simulated time.
    pub updated: Option<DateTime<Utc>>,
}

/// A `warmup_analytics` row to insert. The database assigns `id`.
#[derive(Debug, Clone, PartialEq, Eq, Insertable, Serialize, Deserialize)]
#[diesel(table_name = warmup_analytics, check_for_backend(Pg))]
pub struct NewWarmupAnalytics {
    /// See [`WarmupAnalytics::mailbox_id`].
    pub mailbox_id: String,
    /// See [`WarmupAnalytics::company_id`].
    pub company_id: String,
    /// The eight funnel counters.
    #[diesel(embed)]
    #[serde(flatten)]
    pub counters: Counters,
    /// See [`WarmupAnalytics::health_score`].
    pub health_score: i32,
    /// See [`WarmupAnalytics::progress_percentage`].
    pub progress_percentage: i32,
    /// See [`WarmupAnalytics::billing_id`].
    pub billing_id: i64,
    /// See [`WarmupAnalytics::updated`].
    pub updated: DateTime<Utc>,
}
