//! `cargo xtask export`: the rows a seed would write, as one CSV file per table, without
//! a database.
//!
//! All or nothing: the files are written into a sibling staging directory, which is then
//! swapped with the target in one atomic `renameat2(RENAME_EXCHANGE)`. Whenever the export
//! is killed, `--out` holds either the previous complete export or the new one, never a
//! mix; what a killed export leaves (the staging directory) is removed by the next one.
//! Two exports to the same directory at once would share that staging directory, so an
//! export holds a lock file beside it for its whole run and a second one is refused.
//!
//! Tenants are generated on every core (`--jobs`) and written in tenant order (see
//! `export::ordered`): the files are byte-identical to a one-thread export.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use crate::error::{fail, Result, Step};
use rustix::fs::{flock, renameat_with, FlockOperation, RenameFlags, CWD};
use schema::PerTable;
use sim::csv::write_table;
use sim::ids::Table;

use crate::world::WorldSpec;

mod ordered;

/// Writes `<table>.csv` for the six tables into `out`, generating tenants on `jobs`
/// threads (the files are the same bytes for any number); returns rows per table.
pub fn run(world: &WorldSpec, out: &Path, jobs: u32) -> Result<PerTable<u64>> {
    if jobs == 0 {
        fail!(Invalid, "invalid --jobs 0: it must be at least 1");
    }
    let world = world.resolve()?;
    let out = std::path::absolute(out).step_with(|| format!("invalid --out {}", out.display()))?;
    let (Some(parent), Some(name)) = (out.parent(), out.file_name()) else {
        fail!(
            Invalid,
            "invalid --out {}: it must name a directory",
            out.display()
        );
    };
    check_target(&out)?;
    let lock_path = parent.join(format!(".{}.export-lock", name.to_string_lossy()));
    let lock = lock(&lock_path, &out)?;
    let staging = parent.join(format!(".{}.export-partial", name.to_string_lossy()));
    if staging.exists() {
        fs::remove_dir_all(&staging)
            .step_with(|| format!("cannot remove the leftover {}", staging.display()))?;
    }
    fs::create_dir_all(&staging).step_with(|| format!("cannot create {}", staging.display()))?;
    let rows = write_files(&world, &staging, jobs as usize)?;
    File::open(&staging)?.sync_all()?;
    if out.exists() {
        renameat_with(CWD, &staging, CWD, &out, RenameFlags::EXCHANGE)
            .map_err(std::io::Error::from)
            .step_with(|| format!("cannot swap {} into place", out.display()))?;
        // The staging directory now holds the previous export.
        fs::remove_dir_all(&staging)
            .step_with(|| format!("cannot remove the previous export {}", staging.display()))?;
    } else {
        fs::rename(&staging, &out)
            .step_with(|| format!("cannot move {} into place", out.display()))?;
    }
    // Removed while still held, so that no export can take a lock on a file about to go.
    fs::remove_file(&lock_path).step_with(|| format!("cannot remove {}", lock_path.display()))?;
    drop(lock);
    File::open(parent)?.sync_all()?;
    Ok(rows)
}

/// Takes the export lock of `out`, or refuses if another export holds it.
fn lock(path: &Path, out: &Path) -> Result<File> {
    use std::os::unix::fs::MetadataExt;
    loop {
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(path)
            .step_with(|| format!("cannot create {}", path.display()))?;
        if flock(&file, FlockOperation::NonBlockingLockExclusive).is_err() {
            fail!(
                Busy,
                "another export to {} is running: wait for it to finish",
                out.display()
            );
        }
        // The export that held it may have removed the file since we opened it: then the
        // lock is on a file nobody else will find, and we take the one now at `path`.
        let (held, current) = (file.metadata()?, fs::metadata(path));
        if current.is_ok_and(|c| (c.dev(), c.ino()) == (held.dev(), held.ino())) {
            return Ok(file);
        }
    }
}

/// The files an export directory may hold: its six CSV files, and the `.partial` files
/// that exports of earlier versions left when killed.
fn is_export_file(name: &str) -> bool {
    Table::ALL.iter().any(|t| {
        name == format!("{}.csv", t.name()) || name == format!(".{}.csv.partial", t.name())
    })
}

/// Refuses an `--out` that exists but is not an earlier export: swapping it out would
/// remove whatever else it holds.
fn check_target(out: &Path) -> Result<()> {
    if !out.exists() {
        return Ok(());
    }
    if !out.is_dir() {
        fail!(
            Invalid,
            "--out {} exists and is not a directory",
            out.display()
        );
    }
    let mut others = Vec::new();
    for entry in fs::read_dir(out).step_with(|| format!("cannot read {}", out.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if !is_export_file(&name) {
            others.push(name);
        }
    }
    if !others.is_empty() {
        others.sort();
        fail!(
            Invalid,
            "--out {} holds files that are not part of an export ({}): \
             choose an empty or new directory, or an earlier export",
            out.display(),
            others.join(", ")
        );
    }
    Ok(())
}

/// One tenant's rows as CSV lines, a buffer per table.
#[derive(Default)]
struct TenantCsv {
    tables: PerTable<Vec<u8>>,
    rows: PerTable<u64>,
}

/// Writes and syncs the six CSV files into `dir`. `jobs` threads generate and encode
/// whole tenants side by side; this thread appends each tenant's lines to the files in
/// tenant order, so the files are the same bytes whatever `jobs` is. At most two tenants
/// per thread are held at once (encoded or being encoded), so memory is bounded by the
/// largest tenants, not by the size of the world; their buffers are reused.
fn write_files(world: &crate::world::World, dir: &Path, jobs: usize) -> Result<PerTable<u64>> {
    let paths = PerTable::from_fn(|t| file(dir, t));
    let mut files = PerTable::try_from_fn(|t| -> Result<BufWriter<File>> {
        let path = &paths[t];
        let mut w = BufWriter::with_capacity(
            1 << 20,
            File::create(path).step_with(|| format!("cannot write {}", path.display()))?,
        );
        writeln!(w, "{}", t.columns().join(","))
            .step_with(|| format!("cannot write {}", path.display()))?;
        Ok(w)
    })?;
    let tenants: Vec<u32> = world.sim.tenants(world.shard).collect();
    let spare: Mutex<Vec<TenantCsv>> = Mutex::default();
    let mut rows = PerTable::<u64>::default();
    ordered::in_order(
        tenants.len(),
        jobs,
        2 * jobs,
        |i| {
            let reused = spare.lock().expect("spare lock").pop();
            encode(world, tenants[i], reused.unwrap_or_default())
        },
        |mut csv| {
            for t in Table::ALL {
                files[t]
                    .write_all(&csv.tables[t])
                    .step_with(|| format!("cannot write {}", paths[t].display()))?;
                rows[t] += csv.rows[t];
                csv.tables[t].clear();
            }
            spare.lock().expect("spare lock").push(csv);
            Ok(())
        },
    )?;
    for (t, file) in files {
        let path = &paths[t];
        file.into_inner()
            .map_err(|e| e.into_error())
            .and_then(|f| f.sync_all())
            .step_with(|| format!("cannot write {}", path.display()))?;
    }
    Ok(rows)
}

/// Tenant `no`'s rows as CSV, into `csv`'s (emptied) buffers.
fn encode(world: &crate::world::World, no: u32, mut csv: TenantCsv) -> Result<TenantCsv> {
    csv.rows = PerTable::default();
    for period in world.sim.tenant(no) {
        for t in Table::ALL {
            write_table(&period, t, false, &mut csv.tables[t])?;
            csv.rows[t] += period.count(t) as u64;
        }
    }
    Ok(csv)
}

fn file(dir: &Path, table: Table) -> PathBuf {
    dir.join(format!("{}.csv", table.name()))
}

/// The `psql` commands that load an export into a migrated warehouse, in foreign-key
/// order. psql takes the file name in single quotes, a quote in it doubled.
pub fn psql_script(dir: &Path) -> String {
    Table::ALL
        .iter()
        .map(|&t| {
            let path = file(dir, t).display().to_string().replace('\'', "''");
            format!("\\copy {} FROM '{path}' CSV HEADER\n", t.name())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_jobs_is_refused_before_anything_is_written() {
        let out = std::env::temp_dir().join(format!("pm_export_zero_jobs_{}", std::process::id()));
        let world = WorldSpec::whole("dev", 1.0);
        let err = run(&world, &out, 0).unwrap_err();
        assert!(err.to_string().contains("--jobs"), "{err}");
        assert!(!out.exists(), "{} was created", out.display());
    }
}
