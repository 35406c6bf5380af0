//! The server to use when no URL is given: the default address if something listens there
//! and lets the user in, the private cluster if nothing listens, and an error (never
//! another server) if something listens but refuses.

use std::net::{TcpStream, ToSocketAddrs};
use std::sync::Mutex;
use std::time::Duration;

use diesel::{Connection, PgConnection};

use super::{Cluster, Error, Running};
use crate::secrets::{redact, scrub};

/// The default address of the local server.
pub const DEFAULT_ADDR: &str = "127.0.0.1:5432";

/// The environment variable that moves the default address (`host:port`), for tests of
/// the fallback on a machine whose own server answers at [`DEFAULT_ADDR`].
pub const DEFAULT_ADDR_VAR: &str = "PM_PG_DEFAULT_ADDR";

/// [`DEFAULT_ADDR_VAR`] if set, else [`DEFAULT_ADDR`].
pub fn default_addr() -> String {
    std::env::var(DEFAULT_ADDR_VAR)
        .ok()
        .filter(|a| !a.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_ADDR.to_owned())
}

/// The URL of `database` at the default address, as `user` (libpq's default user, the
/// OS user's name, when `None`).
pub fn default_url(user: Option<&str>, database: &str) -> String {
    let user = user.map(|u| format!("{u}@")).unwrap_or_default();
    format!("postgres://{user}{}/{database}", default_addr())
}

/// Whether anything accepts a TCP connection at `addr` (`host:port`) within a second.
pub fn listens(addr: &str) -> bool {
    let Ok(addrs) = addr.to_socket_addrs() else {
        return false;
    };
    addrs
        .into_iter()
        .any(|a| TcpStream::connect_timeout(&a, Duration::from_secs(1)).is_ok())
}

/// The private cluster in its default directory, started if it is not running; started
/// once per process, then remembered.
pub fn private() -> Result<Running, Error> {
    static STARTED: Mutex<Option<Running>> = Mutex::new(None);
    let mut started = STARTED.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(running) = started.as_ref() {
        return Ok(running.clone());
    }
    let running = Cluster::default_location()?.start()?;
    *started = Some(running.clone());
    Ok(running)
}

/// The URL of `database` when no URL is configured:
///
/// - [`default_url`] when something listens at [`default_addr`] and lets `user` in (a
///   missing database is fine: a seed creates it);
/// - [`Error::DefaultRefused`] when something listens there but refuses the user: never
///   another server in its place;
/// - the private cluster's URL ([`private`]) when nothing listens.
pub fn resolve_default(user: Option<&str>, database: &str) -> Result<String, Error> {
    let addr = default_addr();
    if !listens(&addr) {
        return Ok(private()?.url(database));
    }
    let url = default_url(user, database);
    match PgConnection::establish(&url) {
        Ok(_) => Ok(url),
        Err(e) => {
            let message = e.to_string();
            if message.contains("database") && message.contains("does not exist") {
                return Ok(url);
            }
            Err(Error::DefaultRefused {
                addr,
                url: redact(&url),
                reason: crate::explain(&scrub(&message, &url)),
            })
        }
    }
}
