//! `cargo xtask seed`: generate tenant by tenant and load each tenant, with its billing
//! rows, in one transaction over binary COPY.
//!
//! `--jobs` loader threads, each with its own connection, take tenants in turn, simulate
//! them period by period and stream them over COPY: while one generates, the others'
//! server backends load, so generation and loading overlap and the server runs several
//! COPY streams at once. Each loader holds a few MiB of encoded rows at most, whatever
//! the scale.

mod advance;
pub mod checksum;
pub mod copy;
mod guard;
pub mod ledger;
mod seed;

pub use seed::{default_jobs, run, SeedArgs, SeedReport};
