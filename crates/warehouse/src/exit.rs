//! The exit codes of the checks, `audit` and `status --verify`, as a CI system or a
//! scheduler reads them: 0 when the warehouse passes, 1 when the check ran to its end and
//! found it wrong (rules violated, tables that differ from the ledger), 2 when the check
//! could not run (no connection, not a warehouse, keys missing mid-bulk-load, a failed
//! query). A nightly job can then page on 2 and file a ticket on 1, as with Soda's or
//! dbt's exit codes.
//!
//! The library says which by a type, [`CheckFailed`], not by its message: every other
//! error is one the check could not get past.

use std::process::ExitCode;

/// The warehouse passes.
pub const PASSED: u8 = 0;
/// The check ran and found the warehouse wrong.
pub const FAILED: u8 = 1;
/// The check could not run.
pub const COULD_NOT_CHECK: u8 = 2;

/// A check that ran to its end and found the warehouse wrong: the message says what.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct CheckFailed(pub String);

/// The exit code of a check's outcome: [`PASSED`], [`FAILED`] for a [`CheckFailed`],
/// [`COULD_NOT_CHECK`] for any other error.
pub fn code(outcome: &anyhow::Result<()>) -> ExitCode {
    ExitCode::from(match outcome {
        Ok(()) => PASSED,
        Err(e) if e.downcast_ref::<CheckFailed>().is_some() => FAILED,
        Err(_) => COULD_NOT_CHECK,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_is_told_from_one_that_could_not_run() {
        let failed: anyhow::Result<()> = Err(CheckFailed("3 of 32 rules violated".into()).into());
        assert_eq!(code(&failed), ExitCode::from(FAILED));
        let wrapped = failed.map_err(|e| e.context("auditing"));
        assert_eq!(code(&wrapped), ExitCode::from(FAILED));
        assert_eq!(
            code(&Err(anyhow::anyhow!("connection refused"))),
            ExitCode::from(COULD_NOT_CHECK)
        );
        assert_eq!(code(&Ok(())), ExitCode::SUCCESS);
    }
}
