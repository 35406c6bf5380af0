//! The world: tenants, their companies, sending domains, mailboxes and campaigns.
//!
//! Everything here is decided up front for one tenant from its own random streams, before
//! any mail is simulated: the world of one tenant is small (dozens of mailboxes and
//! campaigns), while its activity is large and is streamed period by period.
//!
//! Nothing here depends on the as-of day except through whole months: a tenant's world
//! is drawn through the end of the open month (its growth and campaigns month by month,
//! each from a stream of its own), and what happens after the as-of day is simply not
//! visible yet (see the crate docs on time).

mod campaign;
mod company;
pub mod names;
mod plan;
mod population;
mod tenant;

pub use campaign::{Campaign, StepPosition};
pub use company::{Company, Mailbox};
pub use plan::Plan;
pub use population::{signups_bound, Population};
pub use tenant::Tenant;
