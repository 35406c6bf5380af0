//! `cargo xtask export`: the rows a seed would write, as one CSV file per table, without
//! a database. Files are written under temporary names and renamed at the end, so an
//! interrupted export leaves no half-written `<table>.csv`.

use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use sim::columns::column_names;
use sim::csv::write_table;
use sim::ids::Table;

use crate::world::WorldArgs;

/// Writes `<table>.csv` for the six tables into `out`; returns rows per table.
pub fn run(world: &WorldArgs, out: &Path) -> Result<[u64; 6]> {
    let world = world.resolve()?;
    fs::create_dir_all(out).with_context(|| format!("cannot create {}", out.display()))?;
    let partial = |t: Table| out.join(format!(".{}.csv.partial", t.name()));
    let mut files: Vec<BufWriter<File>> = Table::ALL
        .iter()
        .map(|&t| -> Result<BufWriter<File>> {
            let path = partial(t);
            let mut w = BufWriter::with_capacity(
                1 << 20,
                File::create(&path).with_context(|| format!("cannot write {}", path.display()))?,
            );
            writeln!(w, "{}", column_names(t).join(","))?;
            Ok(w)
        })
        .collect::<Result<_>>()?;
    let mut rows = [0u64; 6];
    for no in world.sim.tenants(world.shard) {
        for period in world.sim.tenant(no) {
            for (i, t) in Table::ALL.into_iter().enumerate() {
                write_table(&period, t, false, &mut files[i])?;
                rows[i] += period.count(t) as u64;
            }
        }
    }
    for (file, t) in files.into_iter().zip(Table::ALL) {
        file.into_inner().map_err(|e| e.into_error())?.sync_all()?;
        let done: PathBuf = out.join(format!("{}.csv", t.name()));
        fs::rename(partial(t), &done)?;
    }
    Ok(rows)
}

/// The `psql` commands that load an export into a migrated warehouse, in foreign-key order.
pub fn psql_script(dir: &Path) -> String {
    Table::ALL
        .iter()
        .map(|t| {
            format!(
                "\\copy {} FROM '{}' CSV HEADER\n",
                t.name(),
                dir.join(format!("{}.csv", t.name())).display()
            )
        })
        .collect()
}
