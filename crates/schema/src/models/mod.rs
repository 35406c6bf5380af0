//! Typed rows of the six tables: a read model (`Queryable` + `Selectable`) and a `New…`
//! insertable for each, the [`Counters`] every activity model embeds (the read models as
//! `Counters<Option<i32>>`, selected with [`CounterColumns`]), and the status vocabularies.
//!
//! Load a read model with `as_select()` (or `as_returning()`): its counters are a nested
//! part of its select clause, so the table's flat default selection does not fit it.

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
pub(crate) use counters::with_counters;
pub use counters::{CounterColumns, Counters};
pub use lead::{LeadAnalytics, NewLeadAnalytics};
pub use mailbox::{MailboxAnalytics, NewMailboxAnalytics};
pub use sequence_step::{NewSequenceStepAnalytics, SequenceStepAnalytics};
pub use status::{CampaignStatus, LeadStatus, MailboxCampaignStatus, UnknownStatus, WarmupStatus};
pub use warmup::{NewWarmupAnalytics, WarmupAnalytics};
