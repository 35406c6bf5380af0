//! `cargo xtask pg start|stop|status|url`: the private PostgreSQL cluster of
//! [`pgconn::cluster`], and the line the other commands print when they fall back to it.

use anyhow::Result;
use clap::Subcommand;
use pgconn::cluster::{self, Cluster, Running, Status};

/// The database the commands' URLs name by default.
const DEFAULT_DATABASE: &str = "penguinmails_dev";

/// What to do with the private cluster.
#[derive(Debug, Subcommand)]
pub enum PgAction {
    /// Create the cluster if needed and start it; print its URL.
    Start,
    /// Stop the cluster (fast shutdown); its data stays.
    Stop,
    /// Whether it exists and runs, its process, port and URL.
    Status,
    /// Print the URL of a database of the cluster (over its Unix socket, no password),
    /// for `DATABASE_URL=$(cargo xtask pg url)`.
    Url {
        /// The database the URL names.
        #[arg(long, default_value = DEFAULT_DATABASE)]
        database: String,
    },
}

/// Runs `cargo xtask pg …`.
pub fn run(action: &PgAction) -> Result<()> {
    let cluster = Cluster::default_location()?;
    let dir = cluster.dir().display();
    match action {
        PgAction::Start => {
            let running = cluster.start()?;
            let what = if running.started {
                "started"
            } else {
                "already running"
            };
            println!(
                "private PostgreSQL {what} in {dir} (pid {}, port {})",
                running.pid, running.port
            );
            println!("{}", connect_line(&running, DEFAULT_DATABASE));
        }
        PgAction::Stop => {
            if cluster.stop()? {
                println!("private PostgreSQL in {dir} stopped");
            } else {
                println!("private PostgreSQL in {dir} was not running");
            }
        }
        PgAction::Status => match cluster.status()? {
            Status::Absent => {
                println!("no private PostgreSQL in {dir} (`cargo xtask pg start` creates one)")
            }
            Status::Stopped { stale_pid } => {
                let stale = stale_pid
                    .map(|pid| format!("; its postmaster.pid names pid {pid}, which is gone (the next start recovers it)"))
                    .unwrap_or_default();
                println!("private PostgreSQL in {dir}: stopped{stale}");
            }
            Status::Busy { pid, state } => {
                println!("private PostgreSQL in {dir}: pid {pid}, {state}")
            }
            Status::Running(running) => {
                let version = cluster
                    .binaries()
                    .map(|b| format!("PostgreSQL {}, ", b.version))
                    .unwrap_or_default();
                println!(
                    "private PostgreSQL in {dir}: running ({version}pid {}, port {})",
                    running.pid, running.port
                );
                println!("{}", connect_line(&running, DEFAULT_DATABASE));
            }
        },
        PgAction::Url { database } => {
            let running = cluster.last_address()?;
            if running.pid == 0 {
                eprintln!(
                    "note: the private PostgreSQL in {dir} is not running: `cargo xtask pg start`"
                );
            }
            println!("{}", running.url(database));
        }
    }
    Ok(())
}

/// How to connect, over the socket and over TCP; no password is printed.
fn connect_line(running: &Running, database: &str) -> String {
    format!(
        "connect with: psql '{}'  (over TCP: 127.0.0.1:{}, user {}, the password in {})",
        running.url(database),
        running.port,
        cluster::ROLE,
        running.password_file().display()
    )
}

/// When a command that needs a server was given no URL (`flag`, `DATABASE_URL`, and for
/// the scratch-database tools `TEST_DATABASE_URL`) and nothing listens at the default
/// address: starts the private cluster (or finds it running) and says so, with its URL.
/// Everything else (a refusing server at the default address included) is left to the
/// command, which resolves the same way.
pub fn announce_fallback(flag: Option<&str>, scratch: bool, database: &str) -> Result<()> {
    dotenvy::dotenv().ok();
    let vars: &[&str] = if scratch {
        &["TEST_DATABASE_URL", "DATABASE_URL"]
    } else {
        &["DATABASE_URL"]
    };
    let configured = flag.is_some()
        || vars
            .iter()
            .any(|v| std::env::var(v).is_ok_and(|u| !u.trim().is_empty()));
    let addr = cluster::default_addr();
    if configured || cluster::listens(&addr) {
        return Ok(());
    }
    let running = cluster::private()?;
    let what = if running.started {
        "started"
    } else {
        "running"
    };
    eprintln!(
        "no DATABASE_URL and no PostgreSQL at {addr}: using the private PostgreSQL in {} ({what}); {}",
        running.dir.display(),
        connect_line(&running, database)
    );
    Ok(())
}
