//! Typed rows of the six tables: a read model (`Queryable` + `Selectable`) and a `New…`
//! insertable for each, the [`Counters`] the `New…` activity models embed, and the status
//! vocabularies.

mod billing;
mod campaign;
mod counters;
mod lead;
mod mailbox;
mod sequence_step;
mod status;
mod warmup;

pub use billing::{BillingAnalytics, NewBillingAnalytics};
pub use campaign::{CampaignAnalytics, NewCampaignAnalytics};
pub use counters::Counters;
pub use lead::{LeadAnalytics, NewLeadAnalytics};
pub use mailbox::{MailboxAnalytics, NewMailboxAnalytics};
pub use sequence_step::{NewSequenceStepAnalytics, SequenceStepAnalytics};
pub use status::{CampaignStatus, LeadStatus, MailboxCampaignStatus, UnknownStatus, WarmupStatus};
pub use warmup::{NewWarmupAnalytics, WarmupAnalytics};
