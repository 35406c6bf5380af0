//! The four status columns, as Rust enums stored as `TEXT`.
//!
//! The seed leaves these columns as free `TEXT`, and the operational systems that feed a
//! real warehouse know more states than the simulator writes (a `draft` campaign, an
//! `archived` one). So the enums are lossless and open-ended:
//!
//! - each lists the whole documented lifecycle of its column, and says which values the
//!   simulator writes;
//! - each is `#[non_exhaustive]`, so a service's `match` keeps a wildcard arm and a new
//!   lifecycle state is not a breaking change;
//! - any other text loads as `Other(text)` and is written back unchanged, so one odd row
//!   never fails a whole query. [`CampaignStatus::is_known`] tells the two apart, and
//!   [`CampaignStatus::parse_known`] is the strict parser for callers that want an error.
//!
//! The audit (rules S1–S3) treats a value outside the vocabulary as a violation.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

/// A status text outside the documented vocabulary, from a strict parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {column} value {value:?} (expected one of: {expected})")]
pub struct UnknownStatus {
    /// `table.column` the value belongs to.
    pub column: &'static str,
    /// The offending text.
    pub value: String,
    /// The accepted values, comma separated.
    pub expected: &'static str,
}

/// Defines a TEXT-backed status enum with its vocabulary, in one place per column.
macro_rules! text_enum {
    (
        $(#[$meta:meta])*
        $name:ident, column = $column:literal, simulated = [$($simulated:ident),+] {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, AsExpression, FromSqlRow, Serialize, Deserialize)]
        #[diesel(sql_type = Text)]
        #[serde(from = "String", into = "String")]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
            /// A value outside the vocabulary, kept exactly as it was stored.
            Other(String),
        }

        impl $name {
            /// Every value of the vocabulary, in lifecycle order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The values the simulator writes: what a simulated warehouse holds.
            pub const SIMULATED: &'static [Self] = &[$(Self::$simulated),+];
            /// The column this vocabulary belongs to, as `table.column`.
            pub const COLUMN: &'static str = $column;

            /// The text stored in the database.
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)+
                    Self::Other(text) => text,
                }
            }

            /// Whether the value is in the documented vocabulary (an `Other` built by hand
            /// with a known text, such as `Other("active")`, is known: values are their text).
            pub fn is_known(&self) -> bool {
                self.rank() < Self::ALL.len()
            }

            /// The value's place in the lifecycle; unknown values come last.
            fn rank(&self) -> usize {
                let text = self.as_str();
                Self::ALL.iter().position(|v| v.as_str() == text).unwrap_or(Self::ALL.len())
            }

            /// The strict parser: any text outside the vocabulary is an error that names
            /// the column and the value.
            pub fn parse_known(text: &str) -> Result<Self, UnknownStatus> {
                match Self::from(text) {
                    Self::Other(value) => Err(UnknownStatus {
                        column: $column,
                        value,
                        expected: concat!($($text, ", "),+).trim_end_matches(", "),
                    }),
                    known => Ok(known),
                }
            }
        }

        /// Values are their text: `Other("active")` equals `Active`, as in the database.
        impl PartialEq for $name {
            fn eq(&self, other: &Self) -> bool {
                self.as_str() == other.as_str()
            }
        }

        impl Eq for $name {}

        impl std::hash::Hash for $name {
            fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
                self.as_str().hash(state);
            }
        }

        /// Lifecycle order, then unknown values by text.
        impl Ord for $name {
            fn cmp(&self, other: &Self) -> std::cmp::Ordering {
                (self.rank(), self.as_str()).cmp(&(other.rank(), other.as_str()))
            }
        }

        impl PartialOrd for $name {
            fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
                Some(self.cmp(other))
            }
        }

        impl From<&str> for $name {
            fn from(text: &str) -> Self {
                match text {
                    $($text => Self::$variant,)+
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl From<String> for $name {
            fn from(text: String) -> Self {
                match Self::from(text.as_str()) {
                    Self::Other(_) => Self::Other(text),
                    known => known,
                }
            }
        }

        impl From<$name> for String {
            fn from(status: $name) -> Self {
                match status {
                    $name::Other(text) => text,
                    known => known.as_str().to_owned(),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = Infallible;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Ok(Self::from(s))
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                <String as FromSql<Text, Pg>>::from_sql(bytes).map(Self::from)
            }
        }
    };
}

text_enum! {
    /// `campaign_analytics.status`: where the campaign stood when its period row was last
    /// aggregated. The simulator writes `active`, `paused` and `completed`: a campaign has
    /// rows only for periods in which it sent mail, so it is never a `draft` or
    /// `scheduled` there, but an operational export may carry any state.
    CampaignStatus, column = "campaign_analytics.status",
        simulated = [Active, Paused, Completed] {
        /// Being written; sends nothing.
        Draft = "draft",
        /// Launch date set; sends nothing yet.
        Scheduled = "scheduled",
        /// Still enrolling or mailing leads.
        Active = "active",
        /// Stopped by its owner; leads in flight wait.
        Paused = "paused",
        /// Every enrolled lead has left the sequence; `completed_leads` equals the
        /// period's lead rows.
        Completed = "completed",
        /// Hidden from the dashboards after it ended.
        Archived = "archived",
    }
}

text_enum! {
    /// `lead_analytics.status`: the lead's state in the campaign at the end of the
    /// period. Each exit status agrees with the row's counters (rule S1): `replied` has
    /// `replied ≥ 1`, `bounced` has `bounced ≥ 1`, and so on; the others have no exit
    /// counter. The simulator writes every value but `pending` and `paused`.
    LeadStatus, column = "lead_analytics.status",
        simulated = [Active, Completed, Replied, Bounced, Unsubscribed, SpamReported] {
        /// Enrolled; no step is due yet.
        Pending = "pending",
        /// Still in the sequence: more steps are due.
        Active = "active",
        /// Held while its campaign is paused.
        Paused = "paused",
        /// Received every step without replying.
        Completed = "completed",
        /// Replied, and so left the sequence.
        Replied = "replied",
        /// An email hard-bounced, and so the lead left the sequence.
        Bounced = "bounced",
        /// Unsubscribed, and so left the sequence.
        Unsubscribed = "unsubscribed",
        /// Marked an email as spam, and so left the sequence.
        SpamReported = "spam_reported",
    }
}

impl LeadStatus {
    /// The counter an exit status implies (`replied` → `"replied"`, `spam_reported` →
    /// `"spam_complaints"`); `None` for the statuses of a lead still in, or through, the
    /// sequence, which imply that no exit counter is set. Rule S1, in memory and in SQL,
    /// is built from this.
    pub fn exit_counter(&self) -> Option<&'static str> {
        match Self::from(self.as_str()) {
            Self::Replied => Some("replied"),
            Self::Bounced => Some("bounced"),
            Self::Unsubscribed => Some("unsubscribed"),
            Self::SpamReported => Some("spam_complaints"),
            _ => None,
        }
    }
}

text_enum! {
    /// `mailbox_analytics.warmup_status`: the mailbox's warmup at the end of the period.
    /// The simulator writes all three.
    WarmupStatus, column = "mailbox_analytics.warmup_status",
        simulated = [Warming, Warmed, Paused] {
        /// Ramping up; its warmup row has `progress_percentage < 100`.
        Warming = "warming",
        /// Ramp finished; warmup continues at maintenance volume (`progress_percentage = 100`).
        Warmed = "warmed",
        /// Warmup switched off for the whole period: the mailbox has no warmup row.
        Paused = "paused",
    }
}

text_enum! {
    /// `mailbox_analytics.campaign_status`: the mailbox's part in campaign sending. The
    /// simulator writes every value but `paused`.
    MailboxCampaignStatus, column = "mailbox_analytics.campaign_status",
        simulated = [Warming, Sending, Idle] {
        /// Still warming up: not yet allowed to send campaign mail.
        Warming = "warming",
        /// Sent campaign mail in the period.
        Sending = "sending",
        /// Ready, but sent no campaign mail in the period.
        Idle = "idle",
        /// Taken out of campaign rotation by its owner.
        Paused = "paused",
    }
}
