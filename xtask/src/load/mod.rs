//! `cargo xtask seed`: generate tenant by tenant and load each tenant, with its billing
//! rows, in one transaction over binary COPY.
//!
//! One generator thread simulates and encodes tenants while `--jobs` loader threads, each
//! with its own connection, send them: generation and loading overlap, and the server
//! runs several COPY streams at once. Memory is bounded by the queue between them (a few
//! tenants), whatever the scale.

pub mod copy;
pub mod ledger;
mod seed;

pub use seed::{run, SeedArgs};
