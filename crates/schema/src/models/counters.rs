//! The eight funnel counters every activity table carries, declared once: the `New…`
//! models embed [`Counters`], and the column lists and the audit's SQL take the names
//! from [`Counters::NAMES`].

use serde::{Deserialize, Serialize};

use crate::schema::{
    campaign_analytics, lead_analytics, mailbox_analytics, sequence_step_analytics,
    warmup_analytics,
};

/// Declares [`Counters`] and [`Counters::NAMES`] from one list, so that a field and its
/// name cannot drift apart.
macro_rules! counters {
    ($($(#[doc = $doc:literal])* $name:ident),+ $(,)?) => {
        /// The funnel counters of one activity row; field names are the column names.
        #[derive(
            Debug, Default, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize,
            diesel::Insertable,
        )]
        #[diesel(table_name = campaign_analytics)]
        #[diesel(table_name = sequence_step_analytics)]
        #[diesel(table_name = lead_analytics)]
        #[diesel(table_name = mailbox_analytics)]
        #[diesel(table_name = warmup_analytics)]
        pub struct Counters {
            $($(#[doc = $doc])* pub $name: i32,)+
        }

        impl Counters {
            /// The counter columns, in table order.
            pub const NAMES: [&'static str; 8] = [$(stringify!($name)),+];

            /// The counters in [`Counters::NAMES`] order.
            pub fn to_array(self) -> [i32; 8] {
                [$(self.$name),+]
            }
        }

        impl std::ops::AddAssign for Counters {
            fn add_assign(&mut self, other: Self) {
                $(self.$name += other.$name;)+
            }
        }
    };
}

counters!(
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
);

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
}
