//! Reaching the workspace's PostgreSQL, below every crate that talks to it: which server
//! the tests and tools use ([`scratch::server_url`]), passwords kept out of every message
//! ([`secrets`]), a failed connection explained on one line ([`explain`]), and scratch
//! databases that a test creates and drops ([`scratch::ScratchDb`]), and a private
//! cluster built from the installed server programs for a machine where none is
//! configured ([`cluster`]).
//!
//! `warehouse` re-exports [`scratch`] and [`secrets`] under the same names, so a service
//! that depends on `warehouse` has them already; `schema`'s tests and `sourcegen` use this
//! crate without compiling the warehouse.
#![warn(missing_docs)]

pub mod cluster;
mod hint;
pub mod scratch;
pub mod secrets;

pub use hint::explain;
