//! The world: tenants, their companies, sending domains, mailboxes and campaigns.
//!
//! Everything here is decided up front for one tenant from its own random streams, before
//! any mail is simulated: the world of one tenant is small (dozens of mailboxes and
//! campaigns), while its activity is large and is streamed period by period.

mod campaign;
mod company;
pub mod names;
mod plan;
mod tenant;

pub use campaign::{Campaign, StepPosition};
pub use company::{Company, Mailbox};
pub use plan::Plan;
pub use tenant::Tenant;
