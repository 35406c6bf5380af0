//! `cargo xtask report`: a picture of a warehouse, seeded or not, as one self-contained
//! HTML page of charts and tables (`DIR/index.html`).

mod charts;
mod data;
mod page;

use std::fs;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;

use crate::target::Target;

/// Options of `cargo xtask report`.
#[derive(Debug, Clone, Args)]
pub struct ReportArgs {
    /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
    #[arg(long)]
    pub database_url: Option<String>,
    /// Directory to write `index.html` into.
    #[arg(long, default_value = "report")]
    pub out: PathBuf,
}

/// Reads the warehouse and writes the page, under a temporary name first so that a
/// failed run never leaves half a page.
pub fn run(args: &ReportArgs) -> Result<()> {
    let target = Target::resolve(args.database_url.as_deref())?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    // One snapshot for every figure, even while a seed is loading; the audit writes
    // nothing either.
    let warehouse = conn
        .build_transaction()
        .repeatable_read()
        .read_only()
        .run(data::Warehouse::read)
        .with_context(|| format!("reading {target}"))?;
    let (html, charts) = page::render(&warehouse, &target.to_string())?;
    fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let path = args.out.join("index.html");
    let partial = args.out.join(".index.html.partial");
    fs::write(&partial, html).with_context(|| format!("cannot write {}", partial.display()))?;
    fs::rename(&partial, &path).with_context(|| format!("cannot write {}", path.display()))?;
    println!("wrote {} ({charts} charts)", path.display());
    Ok(())
}
