//! The OS account the private cluster runs as: the current user, or, for root (CI,
//! containers), an unprivileged account, since `initdb` and `postgres` refuse root.

use std::ffi::CString;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;

use super::Error;

/// The environment variable naming the account root runs the cluster as (default
/// `postgres`, the account PostgreSQL's packages create).
pub const ACCOUNT_VAR: &str = "PM_PG_ACCOUNT";

/// Who owns and runs the cluster.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Account {
    /// The account's name (`postgres` for root), or `None` for the current user.
    pub name: Option<String>,
    /// Its user id.
    pub uid: u32,
    /// Its primary group id.
    pub gid: u32,
}

impl Account {
    /// The current user, or for root the account of [`ACCOUNT_VAR`] (default `postgres`).
    pub fn for_current_user() -> Result<Self, Error> {
        // SAFETY: geteuid and getegid cannot fail and touch no memory of ours.
        let (uid, gid) = unsafe { (libc::geteuid(), libc::getegid()) };
        if uid != 0 {
            return Ok(Self {
                name: None,
                uid,
                gid,
            });
        }
        let name = std::env::var(ACCOUNT_VAR)
            .ok()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| "postgres".to_owned());
        let (uid, gid) = lookup(&name).ok_or_else(|| Error::NoAccount { name: name.clone() })?;
        if uid == 0 {
            return Err(Error::NoAccount { name });
        }
        Ok(Self {
            name: Some(name),
            uid,
            gid,
        })
    }

    /// Whether the programs run as another account than the current one (root's case).
    pub fn switches(&self) -> bool {
        self.name.is_some()
    }

    /// `program`, to be run as this account.
    pub fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        if self.switches() {
            // std drops root's supplementary groups before setuid.
            cmd.uid(self.uid).gid(self.gid);
            cmd.env_remove("HOME");
        }
        cmd
    }

    /// Gives `path` to this account (when it is not the current user).
    pub fn own(&self, path: &Path) -> Result<(), Error> {
        if self.switches() {
            std::os::unix::fs::chown(path, Some(self.uid), Some(self.gid))
                .map_err(|e| Error::io("give to the cluster's account", path, e))?;
        }
        Ok(())
    }

    /// Fails unless this account can enter every existing ancestor of `dir`: a cluster
    /// under `/root` cannot run as `postgres`.
    pub fn check_reach(&self, dir: &Path) -> Result<(), Error> {
        if !self.switches() {
            return Ok(());
        }
        for ancestor in dir.ancestors().skip(1) {
            let Ok(meta) = std::fs::metadata(ancestor) else {
                continue;
            };
            let mode = meta.mode();
            let enters = if meta.uid() == self.uid {
                mode & 0o100 != 0
            } else if meta.gid() == self.gid {
                mode & 0o010 != 0
            } else {
                mode & 0o001 != 0
            };
            if !enters {
                return Err(Error::Unreachable {
                    dir: dir.to_path_buf(),
                    blocked: ancestor.to_path_buf(),
                    account: self.name.clone().unwrap_or_default(),
                });
            }
        }
        Ok(())
    }
}

/// The user and group ids of account `name`.
fn lookup(name: &str) -> Option<(u32, u32)> {
    let name = CString::new(name).ok()?;
    let mut buffer = vec![0 as libc::c_char; 16 * 1024];
    // SAFETY: getpwnam_r writes only into `record` and `buffer`, whose sizes it is given;
    // `found` is null or points at `record`.
    unsafe {
        let mut record: libc::passwd = std::mem::zeroed();
        let mut found: *mut libc::passwd = std::ptr::null_mut();
        let rc = libc::getpwnam_r(
            name.as_ptr(),
            &mut record,
            buffer.as_mut_ptr(),
            buffer.len(),
            &mut found,
        );
        (rc == 0 && !found.is_null()).then_some((record.pw_uid, record.pw_gid))
    }
}
