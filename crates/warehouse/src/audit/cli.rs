//! The audit of a warehouse named by its URL, as `cargo xtask audit` runs it: connected,
//! checked to be a warehouse with its keys, and evaluated over a scope with a helper
//! connection.

use crate::error::{fail, Result};

use super::{evaluate_scope, AuditReport, Scope, Timing};
use crate::target::Target;

/// An audit, with what it audited and where the time went.
#[derive(Debug)]
#[non_exhaustive]
pub struct Audited {
    /// Every rule's verdict.
    pub report: AuditReport,
    /// Each probe, each rule's own query where a screen was true, and the total.
    pub timings: Vec<Timing>,
    /// The warehouse, its URL with the password redacted.
    pub warehouse: String,
}

/// Audits `scope` of the warehouse at `database_url` (default: `DATABASE_URL`, or the
/// local `penguinmails_dev`). A violated rule is a finding, not an error
/// ([`AuditReport::verdict`]); an error means that the audit could not run.
pub fn run(database_url: Option<&str>, scope: &Scope) -> Result<Audited> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    // Without its keys the warehouse is half-loaded: its rules would judge a moving target.
    if let Some(warning) = crate::load::bulk::warning(&mut conn)? {
        fail!(InterruptedBulkLoad, "{warning}");
    }
    let mut helper = target.connect()?;
    let (report, timings) = evaluate_scope(&mut conn, Some(&mut helper), scope)?;
    Ok(Audited {
        report,
        timings,
        warehouse: target.to_string(),
    })
}
