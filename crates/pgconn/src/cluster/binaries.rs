//! The installed PostgreSQL server programs (`initdb`, `pg_ctl`, `postgres`), found where
//! packages put them; the newest supported major version wins.

use std::path::{Path, PathBuf};
use std::process::Command;

use super::Error;

/// The oldest major version the seeder runs on (`client_connection_check_interval`,
/// `bit_xor`, `hash_record_extended`).
pub const MIN_MAJOR: u32 = 14;

/// One installation's server programs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Binaries {
    /// The directory holding `initdb`, `pg_ctl` and `postgres` (symbolic links resolved).
    pub dir: PathBuf,
    /// The major version, e.g. 15.
    pub major: u32,
    /// The full version, as `postgres --version` says it (`15.8`).
    pub version: String,
}

impl Binaries {
    /// The path of one of the programs (`pg_ctl`, `initdb`, `psql`, …).
    pub fn program(&self, name: &str) -> PathBuf {
        self.dir.join(name)
    }

    /// The newest supported installation among the usual places ([`search_path`]), or
    /// the one of major version `major` when given (a cluster's data directory only runs
    /// on the version that made it).
    pub fn find(major: Option<u32>) -> Result<Self, Error> {
        pick(&search_path(), major)
    }
}

/// Where to look, in this order: `pg_config --bindir`, every directory of `PATH`,
/// `/usr/lib/postgresql/*/bin` (Debian, Ubuntu), and Homebrew's
/// `/opt/homebrew/opt/postgresql@*/bin` and `/usr/local/opt/postgresql@*/bin`.
pub fn search_path() -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    if let Ok(out) = Command::new("pg_config").arg("--bindir").output() {
        if out.status.success() {
            let dir = String::from_utf8_lossy(&out.stdout).trim().to_owned();
            if !dir.is_empty() {
                dirs.push(PathBuf::from(dir));
            }
        }
    }
    if let Some(path) = std::env::var_os("PATH") {
        dirs.extend(std::env::split_paths(&path));
    }
    for (parent, prefix, suffix) in [
        ("/usr/lib/postgresql", "", "bin"),
        ("/opt/homebrew/opt", "postgresql", "bin"),
        ("/usr/local/opt", "postgresql", "bin"),
    ] {
        let Ok(entries) = std::fs::read_dir(parent) else {
            continue;
        };
        let mut found: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
            .map(|e| e.path().join(suffix))
            .collect();
        found.sort();
        dirs.extend(found);
    }
    dirs
}

/// The newest installation of a supported version among `dirs` (or the one of `major`).
pub fn pick(dirs: &[PathBuf], major: Option<u32>) -> Result<Binaries, Error> {
    let mut found: Vec<Binaries> = Vec::new();
    for dir in dirs {
        if let Some(bin) = probe(dir) {
            if !found.iter().any(|b| b.dir == bin.dir) {
                found.push(bin);
            }
        }
    }
    let wanted = |b: &&Binaries| match major {
        Some(m) => b.major == m,
        None => b.major >= MIN_MAJOR,
    };
    // The newest wins; among equals, the first found (pg_config's, then PATH's).
    let best = found
        .iter()
        .filter(wanted)
        .fold(None::<&Binaries>, |best, b| match best {
            Some(x) if x.major >= b.major => Some(x),
            _ => Some(b),
        });
    match (best, major) {
        (Some(b), _) => Ok(b.clone()),
        (None, _) if found.is_empty() => Err(Error::NotInstalled),
        (None, Some(m)) => Err(Error::VersionGone {
            major: m,
            found: describe(&found),
        }),
        (None, None) => Err(Error::TooOld {
            found: describe(&found),
        }),
    }
}

fn describe(found: &[Binaries]) -> String {
    found
        .iter()
        .map(|b| format!("{} in {}", b.version, b.dir.display()))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The installation in `dir`, if it holds the three programs and `postgres --version`
/// answers.
fn probe(dir: &Path) -> Option<Binaries> {
    let postgres = std::fs::canonicalize(dir.join("postgres")).ok()?;
    let dir = postgres.parent()?.to_path_buf();
    if !["initdb", "pg_ctl"].iter().all(|p| dir.join(p).is_file()) {
        return None;
    }
    let out = Command::new(&postgres).arg("--version").output().ok()?;
    let text = String::from_utf8_lossy(&out.stdout);
    let version = parse_version(&text)?;
    let major = version
        .chars()
        .take_while(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .ok()?;
    Some(Binaries {
        dir,
        major,
        version,
    })
}

/// `15.8` from `postgres (PostgreSQL) 15.8 (Debian 15.8-1.pgdg120+1)`.
fn parse_version(text: &str) -> Option<String> {
    let rest = text.split("(PostgreSQL)").nth(1)?;
    let version = rest.split_whitespace().next()?;
    version
        .chars()
        .next()
        .filter(char::is_ascii_digit)
        .map(|_| version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    /// A fake installation: `postgres --version` prints `version`.
    fn fake(root: &Path, name: &str, version: &str) -> PathBuf {
        let dir = root.join(name);
        std::fs::create_dir_all(&dir).unwrap();
        for program in ["initdb", "pg_ctl", "postgres"] {
            let path = dir.join(program);
            std::fs::write(
                &path,
                format!("#!/bin/sh\necho 'postgres (PostgreSQL) {version} (Fake)'\n"),
            )
            .unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        }
        std::fs::canonicalize(dir).unwrap()
    }

    fn temp() -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "pgconn-binaries-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn the_newest_supported_major_wins() {
        let root = temp();
        let v13 = fake(&root, "13", "13.16");
        let v15 = fake(&root, "15", "15.8");
        let v16 = fake(&root, "16", "16.4");
        let none = root.join("empty");
        let dirs = [none, v13.clone(), v15.clone(), v16.clone(), v15.clone()];
        let best = pick(&dirs, None).unwrap();
        assert_eq!((best.dir, best.major), (v16, 16));
        assert_eq!(best.version, "16.4");
        // A data directory made by 15 runs on 15's programs only.
        assert_eq!(pick(&dirs, Some(15)).unwrap().dir, v15);
        let gone = pick(&dirs, Some(14)).unwrap_err().to_string();
        assert!(
            gone.contains("PostgreSQL 14") && gone.contains("16.4"),
            "{gone}"
        );
        // Too old only.
        let old = pick(&[v13], None).unwrap_err().to_string();
        assert!(
            old.contains("13.16") && old.contains("14 or later"),
            "{old}"
        );
        std::fs::remove_dir_all(root).unwrap();
    }

    /// No programs at all: one message that says how to install them on Debian/Ubuntu and
    /// on macOS.
    #[test]
    fn no_installation_says_how_to_install_one() {
        let root = temp();
        let message = pick(&[root.join("nothing")], None).unwrap_err().to_string();
        assert_eq!(message.lines().count(), 1, "{message}");
        assert!(message.contains("apt-get install postgresql"), "{message}");
        assert!(message.contains("brew install postgresql@"), "{message}");
        assert!(message.contains("DATABASE_URL"), "{message}");
        std::fs::remove_dir_all(root).unwrap();
    }

    #[test]
    fn versions_are_read_from_postgres() {
        let debian = "postgres (PostgreSQL) 15.8 (Debian 15.8-1.pgdg120+1)\n";
        assert_eq!(parse_version(debian).as_deref(), Some("15.8"));
        assert_eq!(
            parse_version("postgres (PostgreSQL) 17beta1").as_deref(),
            Some("17beta1")
        );
        assert_eq!(parse_version("bash: postgres: not found"), None);
    }
}
