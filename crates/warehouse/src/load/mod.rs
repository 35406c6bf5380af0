//! `cargo xtask seed`: generate tenant by tenant and load each tenant, with its billing
//! rows, in one transaction over binary COPY.
//!
//! `--jobs` loader threads, each with its own connection, take tenants in turn, simulate
//! them period by period and stream them over COPY: while one generates, the others'
//! server backends load, so generation and loading overlap and the server runs several
//! COPY streams at once. Each loader holds a few MiB of encoded rows at most, whatever
//! the scale. An empty warehouse is loaded in bulk, its keys built afterwards (see `docs/bulk-load.md`).
//!
//! `--as-of` moves a warehouse forward in time: a tenant the ledger holds as of an earlier
//! day gets the nightly batch instead of a load (of the month open then, the rows a batch
//! since re-aggregated are written in place, the months since are inserted, closed months
//! are not touched; a tenant that had left only moves its day), in the same one
//! transaction with its ledger row. A killed run is resumed the same way, tenant by
//! tenant; a day earlier than the warehouse's is refused.

mod advance;
pub(crate) mod bulk;
pub(crate) mod checksum;
mod copy;
mod guard;
pub(crate) mod ledger;
mod row_hash;
mod seed;

/// The keys and indexes a bulk load drops and rebuilds, read from the catalog: for the
/// benchmark that compares the seed with a pg_restore-order load, and for tests that need
/// a warehouse whose keys an interrupted bulk load left missing ([`drop_keys`]).
pub use bulk::{catalog_keys, drop_keys, Key};
pub use seed::{default_jobs, dry_run, run, DryRun, SeedOptions, SeedReport};
