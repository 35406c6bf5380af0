//! `cargo xtask report`: a picture of a warehouse, seeded or not, as one self-contained
//! HTML page of charts and tables (`DIR/index.html`).

mod charts;
mod data;
mod page;

use std::fs;
use std::path::{Path, PathBuf};

use crate::error::{Result, Step};

use crate::target::Target;

/// The page written.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Written {
    /// `DIR/index.html`.
    pub path: PathBuf,
    /// How many charts it holds.
    pub charts: usize,
}

/// Reads the warehouse at `database_url` (default: `DATABASE_URL`, or the local
/// `penguinmails_dev`) and writes the page into `out`, under a temporary name first so
/// that a failed run never leaves half a page.
pub fn write(database_url: Option<&str>, out: &Path) -> Result<Written> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    // One snapshot for every figure, even while a seed is loading; the audit writes
    // nothing either.
    let warehouse = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(data::Warehouse::read)
        .step_with(|| format!("reading {target}"))?;
    let (html, charts) = page::render(&warehouse, &target.to_string())?;
    fs::create_dir_all(out).step_with(|| format!("cannot create {}", out.display()))?;
    let path = out.join("index.html");
    let partial = out.join(".index.html.partial");
    fs::write(&partial, html).step_with(|| format!("cannot write {}", partial.display()))?;
    fs::rename(&partial, &path).step_with(|| format!("cannot write {}", path.display()))?;
    Ok(Written { path, charts })
}
