//! A private PostgreSQL cluster, built from the installed server programs, for a machine
//! where no server is configured: `cargo xtask pg start|stop|status|url` manages it, and
//! the commands and tests fall back to it ([`resolve_default`]) when no URL is given and
//! nothing listens at the default address.
//!
//! # Where it lives
//!
//! In [`default_dir`]: `target/pg/` of the workspace (ignored by git), or the directory
//! of [`DIR_VAR`]. Inside:
//!
//! | path | what |
//! |---|---|
//! | `data/` | the data directory (`PGDATA`); it appears, renamed from `data.init-<pid>/`, only once `initdb` and the configuration are complete |
//! | `socket/` | the Unix socket, in a directory only the owner can enter (mode 0700) |
//! | `password` | the generated password of role `postgres` over TCP (mode 0600) |
//! | `port` | the port it last listened on |
//! | `server.log` | the server's log |
//! | `lock` | taken (`flock`) by every start and stop, so that two commands never start two servers |
//!
//! # Who gets in
//!
//! Its owner only. The socket trusts every local connection, but its directory is the
//! owner's alone; TCP listens on 127.0.0.1 and asks for the password (SCRAM), which sits in
//! a file only the owner can read. Root (CI, containers) runs it as an unprivileged
//! account, `postgres` by default ([`account::ACCOUNT_VAR`]), which owns the directory:
//! `initdb` and `postgres` refuse root.
//!
//! # Killed commands
//!
//! The server is started detached, in a process group of its own, and outlives the
//! command that started it: a command killed while the server starts leaves a server that
//! the next command waits for and uses, or that `pg stop` stops. A `postmaster.pid` left
//! by a killed server is recovered on the next start.
//!
//! The settings favour speed over durability (`fsync = off`): the cluster holds test and
//! development data that a seed recreates, and survives killed clients and servers, not a
//! crash of the machine.

use std::fs::{File, OpenOptions};
use std::io::Read;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub mod account;
pub mod binaries;
mod fallback;

pub use account::Account;
pub use binaries::{Binaries, MIN_MAJOR};
pub use fallback::{
    default_addr, default_url, listens, private, resolve_default, DEFAULT_ADDR, DEFAULT_ADDR_VAR,
};

/// The environment variable that moves the private cluster out of `target/pg/`.
pub const DIR_VAR: &str = "PM_PG_DIR";

/// The cluster's superuser, the role every URL of it names.
pub const ROLE: &str = "postgres";

/// How long a start may take before it is reported as failed.
const START_TIMEOUT: Duration = Duration::from_secs(120);

/// The longest Unix socket path (`sun_path` holds 108 bytes on Linux, 104 on macOS).
const MAX_SOCKET_PATH: usize = 103;

/// The directory of the private cluster: [`DIR_VAR`] if set, else `target/pg/` of the
/// workspace this crate was built in.
pub fn default_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os(DIR_VAR).filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    let crate_dir = Path::new(env!("CARGO_MANIFEST_DIR"));
    let workspace = crate_dir.ancestors().nth(2).unwrap_or(crate_dir);
    workspace.join("target").join("pg")
}

/// Why the private cluster could not be found, started, stopped or used.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No server programs anywhere.
    #[error(
        "no PostgreSQL server programs (initdb, pg_ctl, postgres) in `pg_config --bindir`, PATH, \
         /usr/lib/postgresql/*/bin or Homebrew's postgresql@*: install them (Debian/Ubuntu: \
         `sudo apt-get install postgresql`; macOS: `brew install postgresql@15`), none need run, \
         or point DATABASE_URL at a server"
    )]
    NotInstalled,
    /// Only versions older than [`MIN_MAJOR`].
    #[error(
        "the private PostgreSQL needs PostgreSQL {MIN_MAJOR} or later, found only {found}: \
         install a newer one (Debian/Ubuntu: `sudo apt-get install postgresql`; macOS: \
         `brew install postgresql@15`), or point DATABASE_URL at a server"
    )]
    TooOld {
        /// The versions found, and where.
        found: String,
    },
    /// The cluster's data directory was made by a version whose programs are gone.
    #[error(
        "the private cluster was made by PostgreSQL {major}, whose programs are gone (found: {found}): \
         reinstall them, or remove it with `cargo xtask pg stop` and `rm -r` of its directory"
    )]
    VersionGone {
        /// The data directory's major version.
        major: u32,
        /// The versions found, and where.
        found: String,
    },
    /// Root, and no unprivileged account to run the server as.
    #[error(
        "initdb and postgres refuse to run as root, and there is no unprivileged account {name:?} \
         to run the private cluster as: create one (`useradd --system postgres`) or name another \
         in {}",
        account::ACCOUNT_VAR
    )]
    NoAccount {
        /// The account looked for.
        name: String,
    },
    /// The account cannot enter a directory above the cluster's.
    #[error(
        "the private cluster's directory {} is out of reach of the account it runs as, {account}: \
         it cannot enter {}; set {DIR_VAR} to a directory it can reach", .dir.display(), .blocked.display()
    )]
    Unreachable {
        /// The cluster's directory.
        dir: PathBuf,
        /// The ancestor the account cannot enter.
        blocked: PathBuf,
        /// The account.
        account: String,
    },
    /// The socket's path is too long for a Unix socket.
    #[error(
        "the private cluster's socket path {} is too long for a Unix socket: set {DIR_VAR} to a shorter directory",
        .path.display()
    )]
    SocketPathTooLong {
        /// The socket's path.
        path: PathBuf,
    },
    /// A file system operation failed.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// On what.
        path: PathBuf,
        /// Why it failed.
        source: std::io::Error,
    },
    /// `initdb` or `pg_ctl` failed.
    #[error("{program} failed ({status}): {output}")]
    Program {
        /// The program and its first argument.
        program: String,
        /// Its exit status.
        status: String,
        /// What it printed, and the end of the server's log, on one line.
        output: String,
    },
    /// `pg url` of a cluster that does not exist yet.
    #[error("there is no private cluster in {} yet: `cargo xtask pg start` creates it", .dir.display())]
    Absent {
        /// The cluster's directory.
        dir: PathBuf,
    },
    /// Something listens at the default address but refuses the user.
    #[error(
        "PostgreSQL at {addr} answers but refuses {url}: {reason}. It is not used, and nothing \
         else is used in its place: set DATABASE_URL (TEST_DATABASE_URL for the tests) to a server \
         that lets you in, or use the private cluster explicitly: `cargo xtask pg start`, then \
         `DATABASE_URL=$(cargo xtask pg url)`"
    )]
    DefaultRefused {
        /// The default address.
        addr: String,
        /// The URL tried, redacted.
        url: String,
        /// Why, with libpq's hint, on one line.
        reason: String,
    },
}

impl Error {
    fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_path_buf(),
            source,
        }
    }
}

/// A private cluster's directory, and the account that runs it.
#[derive(Debug, Clone)]
pub struct Cluster {
    dir: PathBuf,
    account: Account,
}

/// What a private cluster is doing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Not created yet (no complete data directory).
    Absent,
    /// Created, no server running. `stale_pid` is the process a leftover
    /// `postmaster.pid` names (a killed server); the next start recovers it.
    Stopped {
        /// The dead server's process id, if it left its `postmaster.pid`.
        stale_pid: Option<u32>,
    },
    /// A server runs but is not ready yet (starting or stopping).
    Busy {
        /// The server's process id.
        pid: u32,
        /// What `postmaster.pid` says it is doing.
        state: String,
    },
    /// A server runs and accepts connections.
    Running(Running),
}

/// A running private cluster: where to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Running {
    /// The cluster's directory.
    pub dir: PathBuf,
    /// The server's process id.
    pub pid: u32,
    /// Its port, on 127.0.0.1 and in the socket's name.
    pub port: u16,
    /// Whether this call started it (rather than finding it running).
    pub started: bool,
}

impl Running {
    /// The directory of the Unix socket.
    pub fn socket_dir(&self) -> PathBuf {
        self.dir.join("socket")
    }

    /// The file that holds the password of role `postgres` over TCP (readable by the
    /// owner only).
    pub fn password_file(&self) -> PathBuf {
        self.dir.join("password")
    }

    /// The URL of `database`, over the Unix socket, with no password:
    /// `postgres://postgres@localhost:PORT/DATABASE?host=SOCKET_DIR`. libpq connects to the
    /// socket named by `host` (the URL's host only makes it a URL that tools can edit).
    pub fn url(&self, database: &str) -> String {
        format!(
            "postgres://{ROLE}@localhost:{}/{database}?host={}",
            self.port,
            encode(&self.socket_dir().to_string_lossy())
        )
    }
}

/// `%XX` for every byte but letters, digits and `/._~-`, as libpq decodes parameters.
fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"/._~-".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

/// An exclusive `flock` on the cluster's lock file, released when dropped (or when the
/// process dies).
struct Lock(#[allow(dead_code)] File);

impl Cluster {
    /// The cluster in [`default_dir`].
    pub fn default_location() -> Result<Self, Error> {
        Self::new(default_dir())
    }

    /// The cluster in `dir` (made absolute), run by the current user or, for root, an
    /// unprivileged account.
    pub fn new(dir: impl Into<PathBuf>) -> Result<Self, Error> {
        let dir = dir.into();
        let dir = std::path::absolute(&dir).map_err(|e| Error::io("resolve", &dir, e))?;
        Ok(Self {
            dir,
            account: Account::for_current_user()?,
        })
    }

    /// The cluster's directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The account that owns and runs it.
    pub fn account(&self) -> &Account {
        &self.account
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.join("data")
    }

    /// The server's log.
    pub fn log_file(&self) -> PathBuf {
        self.dir.join("server.log")
    }

    /// The lock file that start and stop take.
    pub fn lock_file(&self) -> PathBuf {
        self.dir.join("lock")
    }

    /// The major version that made the data directory.
    fn data_major(&self) -> Option<u32> {
        std::fs::read_to_string(self.data_dir().join("PG_VERSION"))
            .ok()?
            .trim()
            .parse()
            .ok()
    }

    /// The programs: those of the data directory's version, or the newest supported.
    pub fn binaries(&self) -> Result<Binaries, Error> {
        Binaries::find(self.data_major())
    }

    /// What the cluster is doing, read from its files (`postmaster.pid`); takes no lock.
    pub fn status(&self) -> Result<Status, Error> {
        if !self.data_dir().is_dir() {
            return Ok(Status::Absent);
        }
        let pid_file = self.data_dir().join("postmaster.pid");
        let text = match std::fs::read_to_string(&pid_file) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(Status::Stopped { stale_pid: None })
            }
            Err(e) => return Err(Error::io("read", &pid_file, e)),
        };
        let lines: Vec<&str> = text.lines().collect();
        let Some(pid) = lines.first().and_then(|l| l.trim().parse::<u32>().ok()) else {
            // Being written, or truncated by a crash: no server we can name.
            return Ok(Status::Stopped { stale_pid: None });
        };
        if !alive(pid) {
            return Ok(Status::Stopped {
                stale_pid: Some(pid),
            });
        }
        let port = lines.get(3).and_then(|l| l.trim().parse::<u16>().ok());
        let state = lines.get(7).map(|l| l.trim()).unwrap_or("starting");
        match (state, port) {
            ("ready", Some(port)) => Ok(Status::Running(Running {
                dir: self.dir.clone(),
                pid,
                port,
                started: false,
            })),
            _ => Ok(Status::Busy {
                pid,
                state: state.to_owned(),
            }),
        }
    }

    /// The running cluster, or where it would listen when not (its last port), for `pg url`.
    pub fn last_address(&self) -> Result<Running, Error> {
        if let Status::Running(running) = self.status()? {
            return Ok(running);
        }
        let port = std::fs::read_to_string(self.dir.join("port"))
            .ok()
            .and_then(|p| p.trim().parse().ok())
            .ok_or_else(|| Error::Absent {
                dir: self.dir.clone(),
            })?;
        Ok(Running {
            dir: self.dir.clone(),
            pid: 0,
            port,
            started: false,
        })
    }

    /// Starts the cluster, creating it first if needed, and returns it once it accepts
    /// connections. A running cluster is returned as it is; one that a killed command left
    /// starting is waited for.
    pub fn start(&self) -> Result<Running, Error> {
        let _lock = self.lock()?;
        if !self.data_dir().is_dir() {
            self.init()?;
        }
        let deadline = Instant::now() + START_TIMEOUT;
        let mut attempts = 0;
        loop {
            match self.status()? {
                Status::Running(running) => return Ok(running),
                // Another command's server, starting or stopping: wait for it.
                Status::Busy { pid, state } => {
                    if Instant::now() > deadline {
                        return Err(Error::Program {
                            program: "postgres".to_owned(),
                            status: format!("pid {pid} still {state}"),
                            output: self.log_tail(),
                        });
                    }
                    std::thread::sleep(Duration::from_millis(100));
                }
                Status::Stopped { stale_pid } => {
                    if stale_pid.is_some() {
                        self.remove_stale_locks()?;
                    }
                    attempts += 1;
                    match self.pg_ctl_start() {
                        Ok(()) => {
                            if let Status::Running(mut running) = self.status()? {
                                running.started = true;
                                return Ok(running);
                            }
                        }
                        // The backends of a killed server still hold its shared memory
                        // for a moment; they leave once they see it gone.
                        Err(_) if attempts < 50 && self.log_tail().contains("still in use") => {
                            std::thread::sleep(Duration::from_millis(200));
                        }
                        // Another program took the port between our check and the bind:
                        // another one.
                        Err(_)
                            if attempts < 5
                                && self.log_tail().contains("Address already in use") =>
                        {
                            let _ = std::fs::remove_file(self.dir.join("port"));
                        }
                        Err(e) => return Err(e),
                    }
                }
                Status::Absent => unreachable!("the data directory was just made"),
            }
        }
    }

    /// Stops the cluster (fast shutdown: sessions are ended). Returns whether a server was
    /// running.
    pub fn stop(&self) -> Result<bool, Error> {
        if !self.dir.is_dir() {
            return Ok(false);
        }
        let _lock = self.lock()?;
        match self.status()? {
            Status::Absent | Status::Stopped { .. } => Ok(false),
            Status::Running(_) | Status::Busy { .. } => {
                let bin = self.binaries()?;
                let mut cmd = self.account.command(&bin.program("pg_ctl"));
                cmd.arg("stop")
                    .arg("-D")
                    .arg(self.data_dir())
                    .args(["-m", "fast", "-w", "-t", "60"]);
                self.run(cmd, "pg_ctl stop")?;
                Ok(true)
            }
        }
    }

    /// Takes the lock, creating the cluster's directory (mode 0700, the account's) first.
    fn lock(&self) -> Result<Lock, Error> {
        self.account.check_reach(&self.dir)?;
        if !self.dir.is_dir() {
            std::fs::create_dir_all(&self.dir)
                .map_err(|e| Error::io("create the private cluster's directory", &self.dir, e))?;
            std::fs::set_permissions(&self.dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io("set the mode of", &self.dir, e))?;
            self.account.own(&self.dir)?;
        }
        let path = self.lock_file();
        let file = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .mode(0o600)
            .open(&path)
            .map_err(|e| Error::io("open the lock file", &path, e))?;
        loop {
            // SAFETY: flock on a descriptor we own, which outlives the call.
            if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX) } == 0 {
                return Ok(Lock(file));
            }
            let err = std::io::Error::last_os_error();
            if err.kind() != std::io::ErrorKind::Interrupted {
                return Err(Error::io("lock", &path, err));
            }
        }
    }

    /// Removes the lock files of a server that is gone (`postmaster.pid`, and the socket's
    /// `.s.PGSQL.*`): postgres would take a zombie, or another process that reused the
    /// pid, for a server still running. Only under the lock.
    fn remove_stale_locks(&self) -> Result<(), Error> {
        let pid_file = self.data_dir().join("postmaster.pid");
        match std::fs::remove_file(&pid_file) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(Error::io("remove the stale", &pid_file, e)),
        }
        let socket_dir = self.dir.join("socket");
        if let Ok(entries) = std::fs::read_dir(&socket_dir) {
            for entry in entries.flatten() {
                if entry.file_name().to_string_lossy().starts_with(".s.PGSQL.") {
                    let _ = std::fs::remove_file(entry.path());
                }
            }
        }
        Ok(())
    }

    /// `initdb` into `data.init-<pid>/`, the configuration, then the rename to `data/`:
    /// a killed `initdb` leaves only a directory that the next start removes.
    fn init(&self) -> Result<(), Error> {
        let bin = Binaries::find(None)?;
        let socket_dir = self.dir.join("socket");
        let socket = socket_dir.join(".s.PGSQL.65535");
        if socket.as_os_str().len() > MAX_SOCKET_PATH {
            return Err(Error::SocketPathTooLong { path: socket });
        }
        // Leftovers of killed inits (their initdb may still run; it fails harmlessly).
        if let Ok(entries) = std::fs::read_dir(&self.dir) {
            for entry in entries.flatten() {
                if entry
                    .file_name()
                    .to_string_lossy()
                    .starts_with("data.init-")
                {
                    let _ = std::fs::remove_dir_all(entry.path());
                }
            }
        }
        let staging = self.dir.join(format!("data.init-{}", std::process::id()));
        for dir in [&staging, &socket_dir] {
            if !dir.is_dir() {
                std::fs::create_dir(dir).map_err(|e| Error::io("create", dir, e))?;
            }
            std::fs::set_permissions(dir, std::fs::Permissions::from_mode(0o700))
                .map_err(|e| Error::io("set the mode of", dir, e))?;
            self.account.own(dir)?;
        }
        let password_file = self.dir.join("password");
        write_private(&password_file, &format!("{}\n", random_password()?))?;
        self.account.own(&password_file)?;

        let mut cmd = self.account.command(&bin.program("initdb"));
        cmd.arg("-D")
            .arg(&staging)
            .args([
                "-U",
                ROLE,
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
            ])
            .arg(format!("--pwfile={}", password_file.display()))
            .args(["-E", "UTF8", "--no-locale", "--no-sync"]);
        self.run(cmd, "initdb")?;

        let conf = staging.join("postgresql.conf");
        let mut text = std::fs::read_to_string(&conf).map_err(|e| Error::io("read", &conf, e))?;
        text.push_str(&format!(
            "\n# The private cluster of `cargo xtask pg` (pgconn::cluster).\n\
             listen_addresses = '127.0.0.1'\n\
             unix_socket_directories = '{}'\n\
             unix_socket_permissions = 0700\n\
             password_encryption = 'scram-sha-256'\n\
             fsync = off\n\
             synchronous_commit = off\n\
             full_page_writes = off\n",
            socket_dir.display().to_string().replace('\'', "''")
        ));
        std::fs::write(&conf, text).map_err(|e| Error::io("write", &conf, e))?;
        let hba = staging.join("pg_hba.conf");
        std::fs::write(
            &hba,
            "# The private cluster: trust on its socket, whose directory only the owner can \
             enter;\n# a password (the file `password` beside the data directory) on TCP.\n\
             local all all trust\n\
             host all all 127.0.0.1/32 scram-sha-256\n",
        )
        .map_err(|e| Error::io("write", &hba, e))?;
        std::fs::rename(&staging, self.data_dir())
            .map_err(|e| Error::io("rename into place", &staging, e))?;
        Ok(())
    }

    /// `pg_ctl start`, detached: in a process group of its own, so that neither a killed
    /// command nor a Ctrl-C in its terminal reaches the server.
    fn pg_ctl_start(&self) -> Result<(), Error> {
        let bin = self.binaries()?;
        let port = self.port()?;
        let mut cmd = self.account.command(&bin.program("pg_ctl"));
        cmd.arg("start")
            .arg("-D")
            .arg(self.data_dir())
            .arg("-l")
            .arg(self.log_file())
            .args(["-w", "-t", &START_TIMEOUT.as_secs().to_string()])
            .args(["-o", &format!("-p {port}")])
            .process_group(0);
        self.run(cmd, "pg_ctl start")
    }

    /// The port to start on: the last one if it is free, else a new free one (recorded).
    fn port(&self) -> Result<u16, Error> {
        let path = self.dir.join("port");
        let last = std::fs::read_to_string(&path)
            .ok()
            .and_then(|p| p.trim().parse::<u16>().ok());
        if let Some(port) = last.filter(|p| std::net::TcpListener::bind(("127.0.0.1", *p)).is_ok())
        {
            return Ok(port);
        }
        let port = std::net::TcpListener::bind(("127.0.0.1", 0))
            .and_then(|l| l.local_addr())
            .map_err(|e| Error::io("find a free port on", Path::new("127.0.0.1"), e))?
            .port();
        std::fs::write(&path, format!("{port}\n")).map_err(|e| Error::io("write", &path, e))?;
        Ok(port)
    }

    /// Runs `cmd` (in the cluster's directory, stdin closed), failing with its output and
    /// the end of the server's log.
    fn run(&self, mut cmd: Command, program: &str) -> Result<(), Error> {
        cmd.current_dir(&self.dir).stdin(Stdio::null());
        let out = cmd.output().map_err(|e| Error::Program {
            program: program.to_owned(),
            status: "not run".to_owned(),
            output: e.to_string(),
        })?;
        if out.status.success() {
            return Ok(());
        }
        let printed = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        Err(Error::Program {
            program: program.to_owned(),
            status: out.status.to_string(),
            output: one_line(&format!("{printed} | server log: {}", self.log_tail())),
        })
    }

    /// The last lines of the server's log.
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(self.log_file()).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(5)..].join(" | ")
    }
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether process `pid` exists (as any user's) and is not a zombie: a killed server
/// whose parent is gone stays a zombie where init does not reap (some containers).
fn alive(pid: u32) -> bool {
    let Ok(raw) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists.
    let rc = unsafe { libc::kill(raw, 0) };
    let exists = rc == 0 || std::io::Error::last_os_error().raw_os_error() == Some(libc::EPERM);
    // Linux: the state after the command's closing parenthesis in /proc/PID/stat.
    let zombie = std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
        s.rsplit(')')
            .next()
            .is_some_and(|r| r.trim_start().starts_with('Z'))
    });
    exists && !zombie
}

/// Writes `text` into a new file that only its owner can read.
fn write_private(path: &Path, text: &str) -> Result<(), Error> {
    use std::io::Write;
    let _ = std::fs::remove_file(path);
    OpenOptions::new()
        .create_new(true)
        .write(true)
        .mode(0o600)
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| Error::io("write", path, e))
}

/// 32 hexadecimal digits from the system's random source.
fn random_password() -> Result<String, Error> {
    let path = Path::new("/dev/urandom");
    let mut bytes = [0u8; 16];
    File::open(path)
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| Error::io("read", path, e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_name_the_socket_and_no_password() {
        let running = Running {
            dir: PathBuf::from("/w s/target/pg"),
            pid: 1,
            port: 40123,
            started: false,
        };
        assert_eq!(
            running.url("penguinmails_dev"),
            "postgres://postgres@localhost:40123/penguinmails_dev?host=/w%20s/target/pg/socket"
        );
    }

    #[test]
    fn the_default_directory_is_the_workspace_target() {
        if std::env::var_os(DIR_VAR).is_none() {
            let dir = default_dir();
            assert!(dir.ends_with("target/pg"), "{}", dir.display());
            assert!(dir
                .parent()
                .unwrap()
                .parent()
                .unwrap()
                .join("Cargo.toml")
                .is_file());
        }
    }
}
