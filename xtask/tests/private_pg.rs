//! The private PostgreSQL cluster (`cargo xtask pg …`, and the fallback of the commands
//! when no URL is given and nothing listens at the default address), with real processes.
//!
//! Each test has a cluster of its own in a temporary directory (`PM_PG_DIR`) and moves the
//! default address to 127.0.0.1:1, where nothing listens (`PM_PG_DEFAULT_ADDR`), so that
//! the fallback is taken on a machine whose own server answers at 5432. A guard stops the
//! test's cluster even when the test fails. Run as root (as CI runs), the cluster runs as
//! `postgres`, and another OS user (`nobody`) is shown the door at the socket and the port.

mod common;

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::io::AsRawFd;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::Run;

/// Nothing listens on port 1 of the loopback address.
const NOWHERE: &str = "127.0.0.1:1";

/// A cluster directory of its own, stopped (and its server killed if need be) on drop.
struct Sandbox {
    _tmp: tempfile::TempDir,
    dir: PathBuf,
    addr: String,
}

impl Sandbox {
    fn new() -> Self {
        let tmp = tempfile::tempdir().unwrap();
        // Root runs the cluster as `postgres`, which must be able to enter the directory.
        std::fs::set_permissions(tmp.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let dir = tmp.path().join("pg");
        Self {
            _tmp: tmp,
            dir,
            addr: NOWHERE.to_owned(),
        }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = common::command(args);
        cmd.env("PM_PG_DIR", &self.dir)
            .env("PM_PG_DEFAULT_ADDR", &self.addr)
            .env_remove("TEST_DATABASE_URL")
            .env_remove("PGUSER");
        cmd
    }

    fn run(&self, args: &[&str]) -> Run {
        let output = self.command(args).output().expect("running xtask");
        Run::new(args, output)
    }

    /// The process id that `postmaster.pid` names, if any.
    fn pid(&self) -> Option<u32> {
        let text = std::fs::read_to_string(self.dir.join("data/postmaster.pid")).ok()?;
        text.lines().next()?.trim().parse().ok()
    }

    /// The URL `pg url` prints.
    fn url(&self, database: &str) -> String {
        let run = self.run(&["pg", "url", "--database", database]).success();
        run.stdout().trim().to_owned()
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.command(&["pg", "stop"]).output();
        if let Some(pid) = self.pid().filter(|p| alive(*p)) {
            let _ = Command::new("kill")
                .args(["-QUIT", &pid.to_string()])
                .status();
        }
    }
}

fn alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
        && !std::fs::read_to_string(format!("/proc/{pid}/stat")).is_ok_and(|s| {
            s.rsplit(')')
                .next()
                .unwrap_or("")
                .trim_start()
                .starts_with('Z')
        })
}

fn is_root() -> bool {
    // SAFETY: geteuid cannot fail.
    unsafe { libc::geteuid() == 0 }
}

/// Polls `done` every 20 ms until it holds, failing after `secs` seconds.
fn wait_for(what: &str, secs: u64, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(secs);
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// `psql URL -Atc SQL`, run as `user` (through runuser) when given.
fn psql(url: &str, sql: &str, user: Option<&str>, password: Option<&str>) -> Output {
    let mut cmd = match user {
        Some(user) => {
            let mut cmd = Command::new("runuser");
            cmd.args(["-u", user, "--", "psql"]);
            cmd
        }
        None => Command::new("psql"),
    };
    cmd.args(["-w", "-X", "-At", "-c", sql, url])
        .current_dir("/")
        .env_remove("PGPASSWORD")
        .env_remove("PGPASSFILE");
    if let Some(password) = password {
        cmd.env("PGPASSWORD", password);
    }
    cmd.output().expect("running psql")
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Start, status, url and stop; the cluster survives between commands; who owns what;
/// only its owner gets in, over the socket and over TCP.
#[test]
fn start_status_url_stop_and_only_the_owner_gets_in() {
    let pg = Sandbox::new();
    let status = pg.run(&["pg", "status"]).success();
    assert!(
        status.stdout().contains("no private PostgreSQL"),
        "{status}"
    );
    assert!(!pg.dir.exists(), "status created the cluster");

    let start = pg.run(&["pg", "start"]).success();
    assert!(
        start.stdout().contains("private PostgreSQL started"),
        "{start}"
    );
    let url = pg.url("postgres");
    assert!(
        start.stdout().contains(&format!(
            "psql '{}",
            &url[..url.find("/postgres?").unwrap()]
        )),
        "{start}"
    );
    let password = std::fs::read_to_string(pg.dir.join("password")).unwrap();
    let password = password.trim();
    assert_eq!(password.len(), 32);
    assert!(!start.stdout().contains(password) && !start.stderr().contains(password));
    let pid = pg.pid().expect("postmaster.pid");

    // Files: the owner's alone; as root, the `postgres` account's.
    let owner = if is_root() {
        let id = Command::new("id")
            .args(["-u", "postgres"])
            .output()
            .unwrap();
        String::from_utf8_lossy(&id.stdout)
            .trim()
            .parse::<u32>()
            .unwrap()
    } else {
        // SAFETY: geteuid cannot fail.
        unsafe { libc::geteuid() }
    };
    for (path, mode) in [
        ("", 0o700),
        ("data", 0o700),
        ("socket", 0o700),
        ("password", 0o600),
    ] {
        let meta = std::fs::metadata(pg.dir.join(path)).unwrap();
        assert_eq!(meta.mode() & 0o777, mode, "mode of {path:?}");
        assert_eq!(meta.uid(), owner, "owner of {path:?}");
    }

    // It survives: a second start finds it, status shows it.
    let again = pg.run(&["pg", "start"]).success();
    assert!(again.stdout().contains("already running"), "{again}");
    assert_eq!(pg.pid(), Some(pid));
    let status = pg.run(&["pg", "status"]).success();
    assert!(status.stdout().contains("running (PostgreSQL "), "{status}");
    assert!(status.stdout().contains(&format!("pid {pid}")), "{status}");

    // The owner: over the socket without a password, over TCP with the password only.
    let me = psql(&url, "SELECT current_user", None, None);
    assert_eq!(text(&me).trim(), "postgres", "{}", text(&me));
    let port = url.split(':').nth(2).unwrap().split('/').next().unwrap();
    let tcp = format!("postgres://postgres@127.0.0.1:{port}/postgres");
    let with_password = psql(&tcp, "SELECT 1", None, Some(password));
    assert_eq!(text(&with_password).trim(), "1", "{}", text(&with_password));
    let without = psql(&tcp, "SELECT 1", None, None);
    assert!(
        !without.status.success(),
        "TCP let a client in without the password"
    );
    assert!(text(&without).contains("password"), "{}", text(&without));
    let wrong = psql(&tcp, "SELECT 1", None, Some("not-the-password"));
    assert!(!wrong.status.success(), "TCP took a wrong password");

    // Another OS user: refused at the socket (its directory) and at the port (no
    // password, and the password file is not theirs to read).
    if is_root() {
        let socket = psql(&url, "SELECT 1", Some("nobody"), None);
        assert!(!socket.status.success(), "nobody got in over the socket");
        assert!(
            text(&socket).contains("Permission denied"),
            "{}",
            text(&socket)
        );
        let port = psql(&tcp, "SELECT 1", Some("nobody"), None);
        assert!(!port.status.success(), "nobody got in over TCP");
        assert!(text(&port).contains("password"), "{}", text(&port));
        let read = Command::new("runuser")
            .args(["-u", "nobody", "--", "cat"])
            .arg(pg.dir.join("password"))
            .output()
            .unwrap();
        assert!(!read.status.success(), "nobody read the password");
    } else {
        eprintln!("not root: the refusal of another OS user is checked through the modes above; CI (root) runs it with `nobody`");
    }

    let stop = pg.run(&["pg", "stop"]).success();
    assert!(stop.stdout().contains("stopped"), "{stop}");
    assert!(!alive(pid), "the server outlived pg stop");
    let status = pg.run(&["pg", "status"]).success();
    assert!(status.stdout().contains(": stopped"), "{status}");
    let stop = pg.run(&["pg", "stop"]).success();
    assert!(stop.stdout().contains("was not running"), "{stop}");
}

/// With no URL and nothing at the default address, a seed starts the private cluster,
/// says so with its URL, and seeds it; the second run has nothing to do; the other
/// commands use it too.
#[test]
fn a_seed_without_a_url_falls_back_to_the_private_cluster() {
    let pg = Sandbox::new();
    let args = ["seed", "--profile", "dev", "--scale", "0.1"];
    let first = pg.run(&args).success();
    assert!(
        first.stderr().contains(
            "no DATABASE_URL and no PostgreSQL at 127.0.0.1:1: using the private PostgreSQL"
        ),
        "{first}"
    );
    assert!(first.stderr().contains("(started)"), "{first}");
    let url = pg.url("penguinmails_dev");
    assert!(first.stderr().contains(&url), "{first}");
    let second = pg.run(&args).success();
    assert!(second.stderr().contains("nothing to do"), "{second}");
    assert!(second.stderr().contains("(running)"), "{second}");
    let tables = psql(
        &url,
        "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public' \
         AND table_name IN ('billing_analytics', 'campaign_analytics', 'lead_analytics', \
         'mailbox_analytics', 'sequence_step_analytics', 'warmup_analytics')",
        None,
        None,
    );
    assert_eq!(text(&tables).trim(), "6", "{}", text(&tables));
    pg.run(&["status", "--verify"]).success();
}

/// A given URL that fails never falls back, whether a flag or `DATABASE_URL` gave it.
#[test]
fn a_given_url_never_falls_back() {
    let pg = Sandbox::new();
    let url = format!("postgres://{NOWHERE}/penguinmails_dev");
    pg.run(&["status", "--database-url", &url])
        .refused(&["cannot connect", "Connection refused"]);
    let output = pg
        .command(&["seed", "--profile", "dev", "--scale", "0.1"])
        .env("DATABASE_URL", &url)
        .output()
        .unwrap();
    Run::new(&["seed"], output).refused(&["cannot connect", "Connection refused"]);
    assert!(!pg.dir.exists(), "a private cluster was made");
}

/// Something that listens at the default address but refuses: named, with the two ways
/// out, and no private cluster in its place.
#[test]
fn a_refusing_default_server_is_named_not_bypassed() {
    let mut pg = Sandbox::new();
    // A listener that closes every connection at once: it answers, and refuses.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    pg.addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            drop(stream);
        }
    });
    for args in [
        &["seed", "--profile", "dev", "--scale", "0.1"][..],
        &["status"],
    ] {
        pg.run(args).refused(&[
            &format!("PostgreSQL at {} answers but refuses", pg.addr),
            "set DATABASE_URL",
            "`cargo xtask pg start`, then `DATABASE_URL=$(cargo xtask pg url)`",
        ]);
    }
    assert!(!pg.dir.exists(), "a private cluster was made");
}

/// A command SIGKILLed while `initdb` runs, then one SIGKILLed while the server starts:
/// the next command recovers (a clean init; the detached server, used), and `pg stop`
/// leaves no server behind.
#[test]
fn a_command_killed_while_the_cluster_starts_leaves_no_orphan() {
    let pg = Sandbox::new();
    let spawn = || {
        pg.command(&["pg", "start"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap()
    };
    // Killed during initdb: its staging directory is there, data/ is not.
    let mut child = spawn();
    let staging = || {
        std::fs::read_dir(&pg.dir).is_ok_and(|entries| {
            entries
                .flatten()
                .any(|e| e.file_name().to_string_lossy().starts_with("data.init-"))
        })
    };
    wait_for("initdb's staging directory", 60, staging);
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(!pg.dir.join("data").exists(), "the kill came after initdb");
    let start = pg.run(&["pg", "start"]).success();
    assert!(start.stdout().contains("started"), "{start}");
    pg.run(&["pg", "stop"]).success();

    // Killed while the server starts: postmaster.pid is there.
    let mut child = spawn();
    wait_for("postmaster.pid", 60, || pg.pid().is_some());
    child.kill().unwrap();
    child.wait().unwrap();
    let pid = pg.pid().unwrap();
    let next = pg.run(&["pg", "start"]).success();
    assert!(
        next.stdout().contains(&format!("(pid {pid},")),
        "the next command did not use the server the killed one started: {next}"
    );
    pg.run(&["pg", "stop"]).success();
    assert!(!alive(pid), "a postmaster outlived pg stop");
    assert!(
        servers_of(&pg.dir).is_empty(),
        "processes left: {:?}",
        servers_of(&pg.dir)
    );
}

/// The processes whose command line names `dir` (a postmaster is started with `-D dir/data`).
fn servers_of(dir: &Path) -> Vec<u32> {
    let needle = dir.to_string_lossy().into_owned();
    std::fs::read_dir("/proc")
        .unwrap()
        .flatten()
        .filter_map(|e| e.file_name().to_string_lossy().parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read(format!("/proc/{pid}/cmdline"))
                .is_ok_and(|c| String::from_utf8_lossy(&c).contains(&needle))
                && alive(*pid)
        })
        .collect()
}

/// A server SIGKILLed leaves a stale `postmaster.pid`: status says so, and the next start
/// recovers it.
#[test]
fn a_stale_postmaster_pid_is_recovered() {
    let pg = Sandbox::new();
    pg.run(&["pg", "start"]).success();
    let pid = pg.pid().unwrap();
    Command::new("kill")
        .args(["-KILL", &pid.to_string()])
        .status()
        .unwrap();
    wait_for("the killed server to be gone", 30, || !alive(pid));
    assert_eq!(pg.pid(), Some(pid), "postmaster.pid went with the server");
    let status = pg.run(&["pg", "status"]).success();
    assert!(
        status
            .stdout()
            .contains(&format!("names pid {pid}, which is gone")),
        "{status}"
    );
    let start = pg.run(&["pg", "start"]).success();
    assert!(start.stdout().contains("started"), "{start}");
    let new = pg.pid().unwrap();
    assert_ne!(new, pid);
    let one = psql(&pg.url("postgres"), "SELECT 1", None, None);
    assert_eq!(text(&one).trim(), "1", "{}", text(&one));
}

/// Two commands at once start one cluster: both wait on the lock (seen in /proc/locks),
/// then one creates and starts it and the other finds it running.
#[test]
fn two_commands_at_once_start_one_cluster() {
    let pg = Sandbox::new();
    // The directory as the cluster makes it, and its lock, held here.
    std::fs::create_dir(&pg.dir).unwrap();
    std::fs::set_permissions(&pg.dir, std::fs::Permissions::from_mode(0o700)).unwrap();
    let lock_path = pg.dir.join("lock");
    let lock = File::create(&lock_path).unwrap();
    if is_root() {
        let chown = Command::new("chown")
            .arg("postgres:")
            .arg(&pg.dir)
            .status()
            .unwrap();
        assert!(chown.success());
    }
    // SAFETY: flock on a descriptor we own.
    assert_eq!(unsafe { libc::flock(lock.as_raw_fd(), libc::LOCK_EX) }, 0);
    let inode = std::fs::metadata(&lock_path).unwrap().ino();
    let children: Vec<_> = (0..2)
        .map(|_| {
            pg.command(&["pg", "start"])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    wait_for("two commands blocked on the lock", 60, || {
        let locks = File::open("/proc/locks").unwrap();
        BufReader::new(locks)
            .lines()
            .map_while(Result::ok)
            .filter(|l| l.contains("->") && l.contains(&format!(":{inode} ")))
            .count()
            == 2
    });
    drop(lock);
    let runs: Vec<Run> = children
        .into_iter()
        .map(|c| Run::new(&["pg", "start"], c.wait_with_output().unwrap()).success())
        .collect();
    let started = runs
        .iter()
        .filter(|r| r.stdout().contains("started"))
        .count();
    let found = runs
        .iter()
        .filter(|r| r.stdout().contains("already running"))
        .count();
    assert_eq!((started, found), (1, 1), "{}\n{}", runs[0], runs[1]);
    let pid = pg.pid().unwrap();
    for run in &runs {
        assert!(run.stdout().contains(&format!("(pid {pid},")), "{run}");
    }
    assert_eq!(servers_of(&pg.dir), vec![pid], "one server only");
}
