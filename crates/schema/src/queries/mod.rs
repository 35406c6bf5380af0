//! Typed queries for the warehouse's use cases, one module each.
//!
//! | use case | function | one row per |
//! |---|---|---|
//! | billing usage summary | [`billing_usage`](billing_usage::billing_usage) | tenant × period |
//! | dashboard resource counts | [`dashboard_counts`](dashboard::dashboard_counts) | one tenant's period |
//! | tenant growth, for executive reports | [`tenant_growth`](tenant_growth::tenant_growth) | period |
//! | campaign performance | [`campaign_performance`](campaign_performance::campaign_performance) | campaign |
//! | mailbox deliverability and health | [`mailbox_health`](mailbox_health::mailbox_health) | mailbox × period |
//! | lead engagement, scoring and segmentation | [`lead_engagement`](lead_engagement::lead_engagement) | lead × campaign |
//! | step-level A/B comparison | [`step_comparison`](step_comparison::step_comparison) | campaign × step position |
//!
//! Each returns typed rows (`serde`-serialisable, for APIs), on a synchronous
//! `PgConnection`. Each also exists as a query value, `<function>_query` (a boxed Diesel
//! query, or for [`lead_engagement`](lead_engagement::lead_engagement), whose planning
//! costs a tenth of its run, a [`Cached`](crate::cached::Cached) statement prepared once
//! per connection), that the caller runs on its own connection: `RunQueryDsl` of
//! `diesel` on a `PgConnection`, or of `diesel_async` on an `AsyncPgConnection`;
//! [`explain`] wraps any of them in `EXPLAIN`.
//!
//! Dashboard totals and billing usage read the `billing_analytics` hub alone, whose
//! counts rules B4–B9 make exact; the queries that break a tenant's activity down read
//! the child tables through their `billing_id` indexes, so a one-tenant query costs what
//! the tenant holds, not what the warehouse holds. A page of
//! [`lead_engagement`](lead_engagement::lead_engagement) among the leads with a reply or
//! a click costs less still: what those rows hold (a partial index of them), plus the
//! full rows of the few leads that may be on the page.
//!
//! Every value a caller passes
//! is a bound parameter, never text spliced into SQL. Most take a [`Scope`]: a tenant
//! (or all) and a range of billing periods (or all); a query that sums over periods sums
//! over the periods in scope.
//!
//! Rows come in a documented order; text keys sort byte by byte (`COLLATE "C"`), so the
//! order is the same on every server whatever its locale.
//!
//! The rates of [`Rates`] are plain ratios in `0.0..=1.0`, `None` where the denominator
//! is zero, and are computed by PostgreSQL from the summed counters.
//!
//! ```no_run
//! use diesel::prelude::*;
//! use schema::queries::{campaign_performance::campaign_performance, Scope};
//!
//! # fn main() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let mut conn = PgConnection::establish("postgres://127.0.0.1:5432/penguinmails_dev")?;
//! for c in campaign_performance(&mut conn, &Scope::tenant("t00008"))? {
//!     println!("{}: {:?} replies per delivered email", c.campaign_id, c.rates.reply_rate);
//! }
//! # Ok(())
//! # }
//! ```
//!
//! The same query in an async service:
//!
//! ```no_run
//! use diesel_async::{AsyncConnection, AsyncPgConnection, RunQueryDsl};
//! use schema::queries::campaign_performance::{campaign_performance_query, CampaignPerformance};
//! use schema::queries::Scope;
//!
//! # async fn run() -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
//! let url = "postgres://127.0.0.1:5432/penguinmails_dev";
//! let mut async_conn = AsyncPgConnection::establish(url).await?;
//! let scope = Scope::tenant("t00008");
//! let rows: Vec<CampaignPerformance> =
//!     campaign_performance_query(&scope).load(&mut async_conn).await?;
//! # Ok(())
//! # }
//! ```

use chrono::{DateTime, Duration, Utc};
use diesel::pg::Pg;
use diesel::query_builder::{BoxedSqlQuery, SqlQuery};
use diesel::sql_types::{Double, Nullable, Text, Timestamptz};
use diesel::QueryableByName;
use serde::{Deserialize, Serialize};

use crate::cached::Value;

pub mod billing_usage;
pub mod campaign_performance;
pub mod dashboard;
pub mod explain;
pub mod lead_engagement;
pub mod mailbox_health;
pub mod step_comparison;
pub mod tenant_growth;

/// A range of billing periods, by `period_start`: `from` inclusive, `until` exclusive;
/// `None` leaves that end open.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Periods {
    /// The first period in range starts at or after this instant.
    pub from: Option<DateTime<Utc>>,
    /// Every period in range starts before this instant.
    pub until: Option<DateTime<Utc>>,
}

impl Periods {
    /// Every period.
    pub fn all() -> Self {
        Self::default()
    }

    /// The one period that starts at `period_start` (the 1st of a month, midnight UTC).
    pub fn starting(period_start: DateTime<Utc>) -> Self {
        Self {
            from: Some(period_start),
            // Periods are calendar months: nothing else starts within a day of it.
            until: Some(period_start + Duration::days(1)),
        }
    }

    /// The periods that start in `[from, until)`.
    pub fn between(from: DateTime<Utc>, until: DateTime<Utc>) -> Self {
        Self {
            from: Some(from),
            until: Some(until),
        }
    }
}

/// Which rows a query reads: one tenant or all, and a range of billing periods.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scope {
    /// Only this tenant's rows, or every tenant's.
    pub tenant_id: Option<String>,
    /// Only rows of these billing periods.
    pub periods: Periods,
}

impl Scope {
    /// Every tenant, every period.
    pub fn all() -> Self {
        Self::default()
    }

    /// One tenant, every period.
    pub fn tenant(tenant_id: impl Into<String>) -> Self {
        Self {
            tenant_id: Some(tenant_id.into()),
            periods: Periods::all(),
        }
    }

    /// The same tenants, limited to `periods`.
    pub fn in_periods(self, periods: Periods) -> Self {
        Self { periods, ..self }
    }
}

/// The condition of [`Scope`] on a `billing_analytics` alias, for [`scoped`] queries: it
/// uses the parameters `$1` (tenant), `$2` (from) and `$3` (until).
macro_rules! in_scope {
    ($b:literal) => {
        concat!(
            "($1::text IS NULL OR ",
            $b,
            ".tenant_id = $1) ",
            "AND ($2::timestamptz IS NULL OR ",
            $b,
            ".period_start >= $2) ",
            "AND ($3::timestamptz IS NULL OR ",
            $b,
            ".period_start < $3)"
        )
    };
}
pub(crate) use in_scope;

/// The eight counters of an activity table alias, summed, named as in the tables: the
/// columns of a [`Funnel`], generated from the one counter list.
macro_rules! funnel_sums {
    ($t:literal) => {
        $crate::models::with_counters!([$crate::queries::funnel_sums_of]($t))
    };
}
pub(crate) use funnel_sums;

/// [`funnel_sums!`] over the counter list that
/// [`with_counters!`](crate::models::with_counters) passes.
macro_rules! funnel_sums_of {
    (
        ($t:literal)
        $(#[doc = $d0:literal])* $first:ident
        $(, $(#[doc = $doc:literal])* $name:ident)* $(,)?
    ) => {
        concat!(
            "COALESCE(sum(", $t, ".", stringify!($first), "), 0)::int8 AS ", stringify!($first)
            $(, ", COALESCE(sum(", $t, ".", stringify!($name), "), 0)::int8 AS ",
            stringify!($name))*
        )
    };
}
pub(crate) use funnel_sums_of;

/// Each counter of table alias `$a` minus the same counter of `$b` (absent rows count as
/// zero), named as in the tables: the columns of a [`Funnel`].
macro_rules! funnel_differences {
    ($a:literal, $b:literal) => {
        $crate::models::with_counters!([$crate::queries::funnel_differences_of]($a, $b))
    };
}
pub(crate) use funnel_differences;

/// [`funnel_differences!`] over the counter list.
macro_rules! funnel_differences_of {
    (
        ($a:literal, $b:literal)
        $(#[doc = $d0:literal])* $first:ident
        $(, $(#[doc = $doc:literal])* $name:ident)* $(,)?
    ) => {
        concat!(
            "(COALESCE(", $a, ".", stringify!($first), ", 0) - COALESCE(", $b, ".",
            stringify!($first), ", 0))::int8 AS ", stringify!($first)
            $(, ", (COALESCE(", $a, ".", stringify!($name), ", 0) - COALESCE(", $b, ".",
            stringify!($name), ", 0))::int8 AS ", stringify!($name))*
        )
    };
}
pub(crate) use funnel_differences_of;

/// The [`Rates`] columns, computed from the [`Funnel`] columns of the `FROM` item.
macro_rules! funnel_rates {
    () => {
        concat!(
            "delivered::float8 / NULLIF(sent, 0) AS delivery_rate, ",
            "bounced::float8 / NULLIF(sent, 0) AS bounce_rate, ",
            "opened_tracked::float8 / NULLIF(delivered, 0) AS open_rate, ",
            "clicked_tracked::float8 / NULLIF(delivered, 0) AS click_rate, ",
            "replied::float8 / NULLIF(delivered, 0) AS reply_rate, ",
            "unsubscribed::float8 / NULLIF(delivered, 0) AS unsubscribe_rate, ",
            "spam_complaints::float8 / NULLIF(delivered, 0) AS spam_rate"
        )
    };
}
pub(crate) use funnel_rates;

/// A query in SQL with its parameters bound, for any connection: load it as the rows its
/// function names.
pub type RawQuery<'a> = BoxedSqlQuery<'a, Pg, SqlQuery>;

/// `sql` with the [`Scope`] bound as `$1`–`$3`; further parameters follow as `$4`….
pub(crate) fn scoped<'a>(sql: &str, scope: &'a Scope) -> RawQuery<'a> {
    diesel::sql_query(sql)
        .into_boxed()
        .bind::<Nullable<Text>, _>(scope.tenant_id.as_deref())
        .bind::<Nullable<Timestamptz>, _>(scope.periods.from)
        .bind::<Nullable<Timestamptz>, _>(scope.periods.until)
}

/// The values of `$1`–`$3` of [`scoped`], for a [`Cached`](crate::cached::Cached)
/// statement.
pub(crate) fn scope_values(scope: &Scope) -> Vec<Value> {
    vec![
        Value::NullText(scope.tenant_id.clone()),
        Value::NullTime(scope.periods.from),
        Value::NullTime(scope.periods.until),
    ]
}

/// The eight counters of the activity tables, summed over the rows a query groups
/// ([`Counters`](crate::models::Counters) of `bigint` sums, loaded by name).
pub type Funnel = crate::models::Counters<i64>;

/// Ratios of a [`Funnel`]; each is `None` when its denominator is zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, QueryableByName, Serialize, Deserialize)]
pub struct Rates {
    /// `delivered / sent`.
    #[diesel(sql_type = Nullable<Double>)]
    pub delivery_rate: Option<f64>,
    /// `bounced / sent`: above a few percent, mailbox providers start to distrust a sender.
    #[diesel(sql_type = Nullable<Double>)]
    pub bounce_rate: Option<f64>,
    /// `opened_tracked / delivered`.
    #[diesel(sql_type = Nullable<Double>)]
    pub open_rate: Option<f64>,
    /// `clicked_tracked / delivered`.
    #[diesel(sql_type = Nullable<Double>)]
    pub click_rate: Option<f64>,
    /// `replied / delivered`, the figure cold-email benchmarks quote.
    #[diesel(sql_type = Nullable<Double>)]
    pub reply_rate: Option<f64>,
    /// `unsubscribed / delivered`.
    #[diesel(sql_type = Nullable<Double>)]
    pub unsubscribe_rate: Option<f64>,
    /// `spam_complaints / delivered`: Gmail asks senders to stay below 0.1 %.
    #[diesel(sql_type = Nullable<Double>)]
    pub spam_rate: Option<f64>,
}

impl crate::models::Counters<i64> {
    /// The [`Rates`] of these counters: the Rust twin of the SQL every query computes its
    /// rates with, for callers that add funnels up (a whole warehouse, a segment).
    pub fn rates(&self) -> Rates {
        let ratio = |n: i64, d: i64| (d != 0).then(|| n as f64 / d as f64);
        Rates {
            delivery_rate: ratio(self.delivered, self.sent),
            bounce_rate: ratio(self.bounced, self.sent),
            open_rate: ratio(self.opened_tracked, self.delivered),
            click_rate: ratio(self.clicked_tracked, self.delivered),
            reply_rate: ratio(self.replied, self.delivered),
            unsubscribe_rate: ratio(self.unsubscribed, self.delivered),
            spam_rate: ratio(self.spam_complaints, self.delivered),
        }
    }
}
