//! The exit codes of the checks, `audit` and `status --verify`, as a CI system or a
//! scheduler reads them: 0 when the warehouse passes, 1 when the check ran to its end and
//! found it wrong (rules violated, tables that differ from the ledger), 2 when the check
//! could not run (no connection, not a warehouse, keys missing mid-bulk-load, a failed
//! query). A nightly job can then page on 2 and file a ticket on 1, as with Soda's or
//! dbt's exit codes.
//!
//! The library says which by the error's variant ([`Error::is_check_failure`]), not by its
//! message.

use std::process::ExitCode;

use crate::error::Error;

/// The warehouse passes.
pub const PASSED: u8 = 0;
/// The check ran and found the warehouse wrong.
pub const FAILED: u8 = 1;
/// The check could not run.
pub const COULD_NOT_CHECK: u8 = 2;

/// The exit code of a check's outcome: [`PASSED`], [`FAILED`] for a violated rule or
/// tables that differ from the ledger, [`COULD_NOT_CHECK`] for any other error (or none
/// of this crate's).
pub fn code(outcome: Result<(), Option<&Error>>) -> ExitCode {
    ExitCode::from(match outcome {
        Ok(()) => PASSED,
        Err(Some(e)) if e.is_check_failure() => FAILED,
        Err(_) => COULD_NOT_CHECK,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_check_is_told_from_one_that_could_not_run() {
        let violated = Error::Violated("3 of 32 rules violated".into());
        assert_eq!(code(Err(Some(&violated))), ExitCode::from(FAILED));
        let connect = Error::Connect("connection refused".into());
        assert_eq!(code(Err(Some(&connect))), ExitCode::from(COULD_NOT_CHECK));
        assert_eq!(code(Err(None)), ExitCode::from(COULD_NOT_CHECK));
        assert_eq!(code(Ok(())), ExitCode::SUCCESS);
    }
}
