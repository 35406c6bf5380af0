//! A PenguinMails analytics warehouse in PostgreSQL, as a library: seed it with a
//! simulated world, audit it against every rule, export it, draw it, and read what was
//! seeded. `cargo xtask` is a thin command line over this crate; other services use it
//! from their own integration tests.
//!
//! | module | what |
//! |---|---|
//! | [`load`] | seed a profile (or a shard of one) into a database: fresh, resumed, advanced to a later day, or after a reset; the seed ledger |
//! | [`audit`] | every rule of the catalog, evaluated in SQL, as a typed [`audit::AuditReport`] |
//! | [`export`] | the rows a seed would write, as CSV files, without a database; tenants generated on every core, the same bytes as one thread |
//! | [`exit`] | the exit codes of the checks: passed, failed, could not check |
//! | [`status`] | what the ledger says a warehouse holds, and whether it still does |
//! | [`report`] | one self-contained HTML page of charts |
//! | [`target`] | which database, connections with errors that say what to do |
//! | [`world`] | the options that pick a world: profile, seed, scale, shard, as-of day |
//! | [`secrets`] | passwords kept out of every message (from `pgconn`) |
//! | [`scratch`] | scratch databases a test creates and drops (from `pgconn`) |
//!
//! # Seeding a service's test database
//!
//! A service's integration test seeds the `dev` world (its size is in the README) into a
//! scratch database of its own and checks it, in a few lines:
//!
//! ```
//! use diesel::{Connection, PgConnection};
//! use warehouse::load::{self, SeedArgs};
//! use warehouse::world::WorldArgs;
//!
//! # fn main() -> anyhow::Result<()> {
//! let db = testdb::ScratchDb::new("warehouse_doc"); // or the service's own test database
//! let seeded = load::run(&SeedArgs {
//!     database_url: Some(db.url().to_owned()),
//!     world: WorldArgs {
//!         profile: "dev".into(),
//!         seed: 1,
//!         scale: 1.0,
//!         shard: sim::Shard::ALL,
//!         as_of: None,
//!     },
//!     jobs: 2,
//!     reset: false,
//!     confirm: None,
//!     dry_run: false,
//! })?;
//! assert_eq!(seeded.tenants, 35);
//!
//! let mut conn = PgConnection::establish(db.url())?;
//! let audit = warehouse::audit::evaluate(&mut conn)?;
//! assert!(audit.is_clean(), "{:?}", audit.violated().collect::<Vec<_>>());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

pub mod audit;
pub mod exit;
pub mod export;
pub mod load;
pub mod report;
pub mod status;
pub mod target;
pub mod world;

pub use pgconn::{scratch, secrets};
