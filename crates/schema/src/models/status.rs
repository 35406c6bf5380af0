//! The four status columns, as Rust enums stored as `TEXT`.
//!
//! The seed leaves these columns as free `TEXT`; the vocabularies below are the ones the
//! simulator writes and the audit accepts. Reading any other value is an error that names
//! the column and the value, so a consumer never silently mistakes a new status for an old
//! one.

use std::fmt;
use std::str::FromStr;

use diesel::deserialize::{self, FromSql, FromSqlRow};
use diesel::expression::AsExpression;
use diesel::pg::{Pg, PgValue};
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

/// A status column held a value outside its documented vocabulary.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown {column} value {value:?} (expected one of: {expected})")]
pub struct UnknownStatus {
    /// `table.column` the value was read from.
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
        $name:ident, column = $column:literal {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal, )+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[derive(AsExpression, FromSqlRow, Serialize, Deserialize)]
        #[diesel(sql_type = Text)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $( $(#[$vmeta])* $variant, )+
        }

        impl $name {
            /// Every value of the vocabulary, in lifecycle order.
            pub const ALL: &'static [Self] = &[$(Self::$variant),+];
            /// The column this vocabulary belongs to, as `table.column`.
            pub const COLUMN: &'static str = $column;

            /// The text stored in the database.
            pub const fn as_str(self) -> &'static str {
                match self { $(Self::$variant => $text,)+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = UnknownStatus;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok(Self::$variant),)+
                    _ => Err(UnknownStatus {
                        column: $column,
                        value: s.to_owned(),
                        expected: concat!($($text, ", "),+).trim_end_matches(", "),
                    }),
                }
            }
        }

        impl ToSql<Text, Pg> for $name {
            fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, Pg>) -> serialize::Result {
                <str as ToSql<Text, Pg>>::to_sql(self.as_str(), out)
            }
        }

        impl FromSql<Text, Pg> for $name {
            fn from_sql(bytes: PgValue<'_>) -> deserialize::Result<Self> {
                let text = <String as FromSql<Text, Pg>>::from_sql(bytes)?;
                Ok(text.parse()?)
            }
        }
    };
}

text_enum! {
    /// `campaign_analytics.status`: where the campaign stood when its period row was last
    /// aggregated. A campaign only has rows for periods in which it sent mail, so the
    /// pre-launch `draft` state never appears in the warehouse.
    CampaignStatus, column = "campaign_analytics.status" {
        /// Still enrolling or mailing leads.
        Active = "active",
        /// Stopped by its owner; leads in flight wait.
        Paused = "paused",
        /// Every enrolled lead has left the sequence; `completed_leads` equals the
        /// period's lead rows.
        Completed = "completed",
    }
}

text_enum! {
    /// `lead_analytics.status`: the lead's state in the campaign at the end of the
    /// period. Each terminal status agrees with the row's counters: `replied` has
    /// `replied ≥ 1`, `bounced` has `bounced ≥ 1`, and so on.
    LeadStatus, column = "lead_analytics.status" {
        /// Still in the sequence: more steps are due.
        Active = "active",
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

text_enum! {
    /// `mailbox_analytics.warmup_status`: the mailbox's warmup at the end of the period.
    WarmupStatus, column = "mailbox_analytics.warmup_status" {
        /// Ramping up; its warmup row has `progress_percentage < 100`.
        Warming = "warming",
        /// Ramp finished; warmup continues at maintenance volume (`progress_percentage = 100`).
        Warmed = "warmed",
        /// Warmup switched off for the whole period: the mailbox has no warmup row.
        Paused = "paused",
    }
}

text_enum! {
    /// `mailbox_analytics.campaign_status`: the mailbox's part in campaign sending.
    MailboxCampaignStatus, column = "mailbox_analytics.campaign_status" {
        /// Still warming up: not yet allowed to send campaign mail.
        Warming = "warming",
        /// Sent campaign mail in the period.
        Sending = "sending",
        /// Ready, but sent no campaign mail in the period.
        Idle = "idle",
    }
}
