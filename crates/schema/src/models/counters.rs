//! The eight funnel counters every activity table carries, declared once, in
//! [`with_counters!`]: [`Counters`] is generated from that list, and so is the SQL that
//! sums them. The `New…` models embed `Counters` (`i32`), the read models
//! `Counters<Option<i32>>` (the columns are nullable), and the queries' sums are
//! `Counters<i64>` ([`Funnel`](crate::queries::Funnel)); the column lists and the
//! audit's SQL take the names from [`Counters::NAMES`].

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, QueryableByName};
use diesel::row::NamedRow;
use diesel::sql_types::BigInt;
use serde::{Deserialize, Serialize};

use crate::schema::{
    campaign_analytics, lead_analytics, mailbox_analytics, sequence_step_analytics,
    warmup_analytics,
};

/// The one list of the counters: `with_counters!([path::to::m] (args…))` calls
/// `path::to::m! { (args…) <each counter with its doc comment, comma-separated> }`, so that
/// the struct, its names and the SQL over the counters are generated from it and cannot
/// drift apart.
macro_rules! with_counters {
    ([$($m:tt)+] $args:tt) => {
        $($m)+! {
            $args
            /// Emails handed to the mail server.
            sent,
            /// Emails accepted by the recipient's server.
            delivered,
            /// Delivered emails whose tracking pixel loaded (inflated by Apple Mail Privacy
            /// Protection).
            opened_tracked,
            /// Opened emails with a tracked link click.
            clicked_tracked,
            /// Delivered emails answered by the lead.
            replied,
            /// Emails rejected by the recipient's server.
            bounced,
            /// Delivered emails after which the lead unsubscribed.
            unsubscribed,
            /// Delivered emails the lead marked as spam.
            spam_complaints,
        }
    };
}
pub(crate) use with_counters;

/// Declares [`Counters`], its names and the columns of each activity table.
macro_rules! declare_counters {
    (($($table:ident),+) $($(#[doc = $doc:literal])* $name:ident),+ $(,)?) => {
        /// The funnel counters of one activity row, or of many added up; field names are
        /// the column names.
        ///
        /// `T` is what one counter holds: `i32` in the `New…` models, `Option<i32>` in the
        /// read models (the columns are nullable), `i64` for the sums the queries load
        /// ([`Funnel`](crate::queries::Funnel), loaded by name as `bigint`). Embedded
        /// with `#[serde(flatten)]`, the counters serialise as top-level fields.
        #[derive(
            Debug, Default, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
            diesel::Insertable, diesel::Queryable,
        )]
        $(#[diesel(table_name = $table)])+
        pub struct Counters<T = i32> {
            $(
                $(#[doc = $doc])*
                pub $name: T,
            )+
        }

        impl Counters {
            /// The counter columns, in table order.
            pub const NAMES: [&'static str; 8] = [$(stringify!($name)),+];
        }

        impl<T> Counters<T> {
            /// The counters in [`Counters::NAMES`] order.
            pub fn to_array(self) -> [T; 8] {
                [$(self.$name),+]
            }

            /// The counters with `f` applied to each, e.g. `new.counters.map(Some)` for
            /// the read model's counters of a row inserted as `new`.
            pub fn map<U>(self, mut f: impl FnMut(T) -> U) -> Counters<U> {
                Counters {
                    $($name: f(self.$name),)+
                }
            }
        }

        /// Loaded by name from `bigint` columns named as the counters: the sums of a query.
        impl<T, DB: Backend> QueryableByName<DB> for Counters<T>
        where
            T: FromSql<BigInt, DB>,
        {
            fn build<'a>(row: &impl NamedRow<'a, DB>) -> deserialize::Result<Self> {
                Ok(Self {
                    $($name: NamedRow::get::<BigInt, T>(row, stringify!($name))?,)+
                })
            }
        }

        impl<T: std::ops::AddAssign> std::ops::AddAssign for Counters<T> {
            fn add_assign(&mut self, other: Self) {
                $(self.$name += other.$name;)+
            }
        }

        impl_counter_columns!(($($name),+) $($table),+);
    };
}

/// Implements [`CounterColumns`] for each table, given the counter names.
macro_rules! impl_counter_columns {
    ($names:tt $($table:ident),+) => {
        $(impl_counter_columns!(@one $table $names);)+
    };
    (@one $table:ident ($($name:ident),+)) => {
        impl CounterColumns for $table::table {
            type Columns = ($($table::$name,)+);

            fn counter_columns() -> Self::Columns {
                ($($table::$name,)+)
            }
        }
    };
}

with_counters!([declare_counters](
    campaign_analytics,
    sequence_step_analytics,
    lead_analytics,
    mailbox_analytics,
    warmup_analytics
));

/// An activity table: one that carries the eight counters. A read model selects them
/// into its `Counters<Option<i32>>` with
/// `#[diesel(select_expression = <table as CounterColumns>::counter_columns(),
/// select_expression_type = <table as CounterColumns>::Columns)]`.
pub trait CounterColumns: diesel::Table {
    /// The counter columns, in [`Counters::NAMES`] order.
    type Columns;

    /// The counter columns as a select expression.
    fn counter_columns() -> Self::Columns;
}

impl<T: std::ops::AddAssign + Default> std::iter::Sum for Counters<T> {
    fn sum<I: Iterator<Item = Self>>(iter: I) -> Self {
        iter.fold(Self::default(), |mut total, c| {
            total += c;
            total
        })
    }
}

#[cfg(test)]
mod tests {
    use super::Counters;

    /// The embedded counters serialise as eight top-level fields, as the models did before
    /// they embedded them: JSON readers of the `New…` models see no nesting.
    #[test]
    fn counters_serialise_flat_in_the_new_models() {
        let counters = Counters {
            sent: 8,
            delivered: 7,
            opened_tracked: 6,
            clicked_tracked: 5,
            replied: 4,
            bounced: 1,
            unsubscribed: 2,
            spam_complaints: 3,
        };
        let new = crate::models::NewWarmupAnalytics {
            mailbox_id: "a@b.example".into(),
            company_id: "t00001-c1".into(),
            counters,
            health_score: 90,
            progress_percentage: 100,
            billing_id: 1,
            updated: chrono::DateTime::UNIX_EPOCH,
        };
        let json = serde_json::to_value(&new).unwrap();
        for (name, value) in Counters::NAMES.iter().zip(counters.to_array()) {
            assert_eq!(json[name], value, "{name}");
        }
        assert!(json.get("counters").is_none(), "{json}");
        let back: crate::models::NewWarmupAnalytics = serde_json::from_value(json).unwrap();
        assert_eq!(back, new);
    }

    /// The read models' counters serialise flat too, a NULL column as `null`.
    #[test]
    fn counters_serialise_flat_in_the_read_models() {
        let counters = Counters {
            sent: Some(3),
            delivered: Some(2),
            opened_tracked: None,
            ..Counters::default()
        };
        let row = crate::models::SequenceStepAnalytics {
            id: 1,
            step_id: "t00001-c1-k1-s1".into(),
            campaign_id: "t00001-c1-k1".into(),
            company_id: "t00001-c1".into(),
            counters,
            billing_id: Some(1),
            updated: None,
        };
        let json = serde_json::to_value(&row).unwrap();
        for (name, value) in Counters::NAMES.iter().zip(counters.to_array()) {
            assert_eq!(json[name], serde_json::json!(value), "{name}");
        }
        assert_eq!(json["opened_tracked"], serde_json::Value::Null);
        assert!(json.get("counters").is_none(), "{json}");
        let back: crate::models::SequenceStepAnalytics = serde_json::from_value(json).unwrap();
        assert_eq!(back, row);
    }
}
