//! What went wrong, as a type a service can match: every operation of the crate returns
//! [`Result`]. Each variant's message is the one line the command line prints, with what
//! to do about it, and never a password.

/// An error of the warehouse library.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// An input is invalid (a profile, a scale, a URL, a directory, a number of jobs);
    /// nothing was touched.
    #[error("{0}")]
    Invalid(String),
    /// The server could not be reached, or refused the connection.
    #[error("{0}")]
    Connect(String),
    /// The warehouse refuses this run, for `reason`; nothing was written.
    #[error("{message}")]
    Refused {
        /// Why.
        reason: Refusal,
        /// What the command line prints.
        message: String,
    },
    /// Another run holds the warehouse, or the tenants this run came to.
    #[error("{0}")]
    Busy(String),
    /// The tables no longer hold what the seed ledger records: someone changed them
    /// behind its back.
    #[error("{message}")]
    Tampered {
        /// The tables that differ.
        tables: Vec<&'static str>,
        /// The tenants (`t00001`…) whose rows differ.
        tenants: Vec<String>,
        /// What the command line prints.
        message: String,
    },
    /// An interrupted bulk load left the warehouse's keys missing: the same seed
    /// command finishes it.
    #[error("{0}")]
    InterruptedBulkLoad(String),
    /// An audit found rules violated.
    #[error("{0}")]
    Violated(String),
    /// A profile could not be read or is invalid.
    #[error(transparent)]
    Profile(#[from] sim::ProfileError),
    /// A statement failed.
    #[error("{step}: {message}")]
    Database {
        /// What was being done.
        step: String,
        /// The server's message, on one line.
        message: String,
        /// The error itself.
        #[source]
        source: diesel::result::Error,
    },
    /// A file could not be read or written.
    #[error("{step}: {source}")]
    Io {
        /// What was being done.
        step: String,
        /// The error itself.
        #[source]
        source: std::io::Error,
    },
    /// Anything else, said in one line.
    #[error("{0}")]
    Other(String),
}

/// Why a warehouse refused a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// It holds another seed (another profile, seed, scale or data version).
    AnotherSeed,
    /// It holds rows no seed recorded, or has no ledger.
    UnrecordedRows,
    /// It is a hot standby, or its transactions are read-only.
    ReadOnly,
    /// The database does not hold the six tables.
    NotAWarehouse,
    /// It holds this seed as of a later day: a warehouse only moves forward.
    BackInTime,
    /// Its ledger was written by an older tool that this one cannot read.
    OldLedger,
    /// The run needs something this server lacks or forbids (Citus for the bulk path).
    Unsupported,
}

/// The crate's result.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// The same error, its message prefixed with what was being done (`step: …`); the
    /// variant is kept, so a caller matches the same way however deep it arose.
    pub(crate) fn during(self, step: impl std::fmt::Display) -> Self {
        let prefix = |m: String| format!("{step}: {m}");
        // A generic step is replaced by the one named; a named one is prefixed.
        let named = |inner: String, generic: &str| match inner == generic {
            true => step.to_string(),
            false => prefix(inner),
        };
        match self {
            Error::Invalid(m) => Error::Invalid(prefix(m)),
            Error::Connect(m) => Error::Connect(prefix(m)),
            Error::Refused { reason, message } => Error::Refused {
                reason,
                message: prefix(message),
            },
            Error::Busy(m) => Error::Busy(prefix(m)),
            Error::Tampered {
                tables,
                tenants,
                message,
            } => Error::Tampered {
                tables,
                tenants,
                message: prefix(message),
            },
            Error::InterruptedBulkLoad(m) => Error::InterruptedBulkLoad(prefix(m)),
            Error::Violated(m) => Error::Violated(prefix(m)),
            Error::Database {
                step: inner,
                message,
                source,
            } => Error::Database {
                step: named(inner, STATEMENT),
                message,
                source,
            },
            Error::Io {
                step: inner,
                source,
            } => Error::Io {
                step: named(inner, READ_WRITE),
                source,
            },
            Error::Profile(e) => Error::Other(prefix(e.to_string())),
            Error::Other(m) => Error::Other(prefix(m)),
        }
    }

    /// Whether a check ran to its end and found the warehouse wrong (exit 1), rather than
    /// failing to run (exit 2): rules violated, or tables that differ from the ledger.
    pub fn is_check_failure(&self) -> bool {
        matches!(self, Error::Violated(_) | Error::Tampered { .. })
    }
}

/// A statement's error, its message on one line, under a generic step; the call site
/// names the step with `Step::step` where it can.
impl From<diesel::result::Error> for Error {
    fn from(source: diesel::result::Error) -> Self {
        Error::Database {
            step: STATEMENT.to_owned(),
            message: one_line(&source.to_string()),
            source,
        }
    }
}

/// A file's (or an in-memory writer's) error, under a generic step; the call site names
/// the step with `Step::step` where it can.
impl From<std::io::Error> for Error {
    fn from(source: std::io::Error) -> Self {
        Error::Io {
            step: READ_WRITE.to_owned(),
            source,
        }
    }
}

/// No server configured and none usable at the default address (or the private cluster
/// could not start): a connection problem, said as `pgconn` says it.
impl From<pgconn::cluster::Error> for Error {
    fn from(e: pgconn::cluster::Error) -> Self {
        Error::Connect(e.to_string())
    }
}

impl From<diesel::ConnectionError> for Error {
    fn from(e: diesel::ConnectionError) -> Self {
        Error::Connect(one_line(&e.to_string()))
    }
}

/// The step of a statement's error until a caller names it.
const STATEMENT: &str = "a statement failed";
/// The step of a file's error until a caller names it.
const READ_WRITE: &str = "reading or writing failed";

/// libpq's and the server's messages span lines; the errors here are one line.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Names the step that failed, as `anyhow`'s `context` would, keeping the error's type.
pub(crate) trait Step<T> {
    /// Prefixes the error with `step`.
    fn step(self, step: &str) -> Result<T>;
    /// Prefixes the error with the step `step()` names (built only on an error).
    fn step_with<S: std::fmt::Display>(self, step: impl FnOnce() -> S) -> Result<T>;
}

impl<T, E: Into<Error>> Step<T> for std::result::Result<T, E> {
    fn step(self, step: &str) -> Result<T> {
        self.map_err(|e| e.into().during(step))
    }
    fn step_with<S: std::fmt::Display>(self, step: impl FnOnce() -> S) -> Result<T> {
        self.map_err(|e| e.into().during(step()))
    }
}

/// Returns `Err(Error::$variant(format!(…)))`: the crate's `bail!`.
macro_rules! fail {
    ($variant:ident, $($arg:tt)+) => {
        return Err($crate::error::Error::$variant(format!($($arg)+)))
    };
}

/// Returns an [`Error::Refused`] for `$reason`, its message `format!(…)`.
macro_rules! refuse {
    ($reason:ident, $($arg:tt)+) => {
        return Err($crate::error::Error::Refused {
            reason: $crate::error::Refusal::$reason,
            message: format!($($arg)+),
        })
    };
}

pub(crate) use {fail, refuse};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_prefixes_the_message_and_keeps_the_variant() {
        let tampered: Result<()> = Err(Error::Tampered {
            tables: vec!["lead_analytics"],
            tenants: vec!["t00003".into()],
            message: "t00003 was changed".into(),
        });
        let err = tampered.step("loading tenant t00003").unwrap_err();
        assert_eq!(err.to_string(), "loading tenant t00003: t00003 was changed");
        assert!(matches!(&err, Error::Tampered { tenants, .. } if tenants == &["t00003"]));
        assert!(err.is_check_failure());
        let db: std::result::Result<(), _> = Err(diesel::result::Error::NotFound);
        let err = db.step("reading the ledger").unwrap_err();
        assert_eq!(err.to_string(), "reading the ledger: Record not found");
        assert!(!err.is_check_failure());
    }
}
