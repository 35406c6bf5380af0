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
//! | [`progress`] | what a seed tells as it goes, as events for an observer: the library never prints |
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
//! scratch database of its own, moves it a day forward, reads what it holds, and tells
//! the warehouse's refusals apart by their variant. The library prints nothing: the
//! observer `&()` hears its progress and drops it.
//!
//! ```
//! use diesel::{Connection, PgConnection, RunQueryDsl};
//! use warehouse::load::{self, SeedOptions};
//! use warehouse::world::WorldSpec;
//! use warehouse::{status, Error, Refusal};
//!
//! # fn main() -> warehouse::Result<()> {
//! let db = warehouse::scratch::ScratchDb::new("warehouse_doc"); // or the service's own test database
//! let day = |d: &str| Some(d.parse().unwrap());
//! let dev = |as_of| WorldSpec { as_of, ..WorldSpec::whole("dev", 1.0) };
//!
//! // Seed `dev` as of one day, then advance it to the next, as the nightly batch would.
//! let seeded = load::run(&SeedOptions::new(Some(db.url()), dev(day("2026-11-17"))), &())?;
//! assert_eq!(seeded.tenants, 35);
//! let advanced = load::run(&SeedOptions::new(Some(db.url()), dev(day("2026-11-18"))), &())?;
//! assert!(advanced.total() > 0);
//!
//! // What the warehouse holds, as data, verified against the seed ledger.
//! let held = status::read(Some(db.url()), true)?;
//! assert_eq!(held.runs.len(), 2);
//! assert!(held.is_verified());
//!
//! // Another seed is refused, by variant, and nothing is written.
//! let other = WorldSpec { seed: 2, ..dev(day("2026-11-18")) };
//! match load::run(&SeedOptions::new(Some(db.url()), other), &()) {
//!     Err(Error::Refused { reason: Refusal::AnotherSeed, .. }) => {}
//!     outcome => panic!("expected a refusal, got {outcome:?}"),
//! }
//!
//! // A row changed behind the ledger's back is found, and named.
//! let mut conn = PgConnection::establish(db.url())?;
//! diesel::sql_query("UPDATE lead_analytics SET lead_id = lead_id || '-edited' WHERE id = (SELECT min(id) FROM lead_analytics)")
//!     .execute(&mut conn)?;
//! match status::read(Some(db.url()), true)?.verdict() {
//!     Err(Error::Tampered { tables, tenants, .. }) => {
//!         assert_eq!(tables, ["lead_analytics"]);
//!         assert_eq!(tenants.len(), 1);
//!     }
//!     outcome => panic!("expected the change to be found, got {outcome:?}"),
//! }
//!
//! // And the audit, as a typed report.
//! let audit = warehouse::audit::evaluate(&mut conn)?;
//! assert_eq!(audit.findings.len(), sim::rules::RuleId::ALL.len());
//! # Ok(())
//! # }
//! ```
#![warn(missing_docs)]

mod error;

pub mod audit;
pub mod exit;
pub mod export;
pub mod load;
pub mod progress;
pub mod report;
pub mod status;
pub mod target;
pub mod world;

pub use error::{Error, Refusal, Result};
pub use pgconn::{scratch, secrets};
