//! What the seed ledger says a warehouse holds, and with `verify`, whether the six tables
//! still match the ledger's per-tenant checksums (rows, ids, emails sent and whole-row
//! hashes of each table), as data. Both say when a bulk load left keys missing.

use crate::error::{fail, Result};
use crate::load::{bulk, ledger};
use crate::target::{db_step, Target};

pub use crate::load::ledger::RunRecord;

/// A warehouse as its ledger describes it.
#[derive(Debug)]
#[non_exhaustive]
pub struct Status {
    /// The warehouse, its URL with the password redacted.
    pub warehouse: String,
    /// Every recorded run, oldest first; empty when no seed is recorded.
    pub runs: Vec<RunRecord>,
    /// Why the keys are missing, when an interrupted bulk load left them so.
    pub keys_missing: Option<String>,
    /// Rows per table.
    pub rows: schema::PerTable<i64>,
    /// With `verify`: `Ok` when the tables match the ledger, else an
    /// [`Error::Tampered`](crate::Error::Tampered) naming the tables and tenants that differ.
    pub verified: Option<Result<()>>,
}

impl Status {
    /// Whether the warehouse passed the check that was asked for: one whose keys are
    /// missing cannot be checked, since a bulk load was cut short in the middle of its
    /// rows ([`Error::InterruptedBulkLoad`](crate::Error::InterruptedBulkLoad), exit 2),
    /// whatever the comparison found; otherwise a verified warehouse that differs from its
    /// ledger fails with [`Error::Tampered`](crate::Error::Tampered) (exit 1).
    pub fn verdict(self) -> Result<()> {
        match (self.verified, self.keys_missing) {
            (Some(_), Some(warning)) => fail!(InterruptedBulkLoad, "{warning}"),
            (Some(Err(tampered)), None) => Err(tampered),
            _ => Ok(()),
        }
    }

    /// Whether it was verified and matches its ledger, keys and all.
    pub fn is_verified(&self) -> bool {
        matches!(self.verified, Some(Ok(()))) && self.keys_missing.is_none()
    }
}

/// Reads the recorded seed runs and the six tables' row counts; with `verify`, compares
/// the tables with the ledger's per-tenant checksums (see [`Status::verdict`]).
pub fn read(database_url: Option<&str>, verify: bool) -> Result<Status> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    let runs = ledger::runs(&mut conn).map_err(db_step("reading the ledger"))?;
    let keys_missing = bulk::warning(&mut conn).map_err(db_step("checking the keys"))?;
    // Verifying reads every row, and counts them on the way.
    let (rows, verified) = if verify {
        let ledger::Compared { mismatch, rows } =
            ledger::compare(&mut conn).map_err(db_step("verifying the warehouse"))?;
        let verified = match mismatch.is_empty() {
            true => Ok(()),
            false => Err(mismatch.tampered(format!(
                "the six tables differ from the seed ledger: {mismatch}; \
                 `cargo xtask seed --reset` empties them and seeds anew"
            ))),
        };
        (rows, Some(verified))
    } else {
        let rows = ledger::table_counts(&mut conn).map_err(db_step("counting rows"))?;
        (rows, None)
    };
    Ok(Status {
        warehouse: target.to_string(),
        runs,
        keys_missing,
        rows,
        verified,
    })
}
