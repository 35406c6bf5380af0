//! `cargo xtask status`: what the seed ledger says the warehouse holds, and with
//! `--verify`, whether the six tables still match the ledger's per-tenant checksums (rows,
//! ids and emails sent of each table). Both say when a bulk load left keys missing.

use anyhow::{bail, Result};
use sim::ids::Table;

use crate::exit::CheckFailed;
use crate::load::{bulk, ledger};
use crate::target::{db_step, Target};

/// Prints the recorded seed runs and the six tables' row counts; with `verify`, compares
/// the tables with the ledger's per-tenant checksums and fails on any difference.
pub fn run(database_url: Option<&str>, verify: bool) -> Result<()> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    println!("warehouse {target}");
    let runs = ledger::runs(&mut conn).map_err(db_step("reading the ledger"))?;
    if runs.is_empty() {
        println!("no seed recorded");
    }
    for r in runs {
        let finished = match (r.finished_at, r.completed_by) {
            (Some(t), _) => format!("finished {t}"),
            (None, Some(by)) => format!("interrupted, completed by run {by}"),
            (None, None) => "did not finish (resumable)".to_owned(),
        };
        println!(
            "run {}: profile {} seed {} scale {} shard {} as of {} (xtask {}), started {}, {}; {} tenants, {} rows",
            r.id, r.profile, r.seed, r.scale, r.shard, r.as_of, r.tool_version, r.started_at, finished, r.tenants,
            r.rows.iter().sum::<i64>()
        );
    }
    let keys = bulk::warning(&mut conn).map_err(db_step("checking the keys"))?;
    if let Some(warning) = &keys {
        println!("{warning}");
    }
    let counts = ledger::table_counts(&mut conn).map_err(db_step("counting rows"))?;
    for (t, n) in Table::ALL.iter().zip(counts) {
        println!("  {:<26} {:>12} rows", t.name(), n);
    }
    if verify {
        let mismatch = ledger::compare(&mut conn).map_err(db_step("verifying the warehouse"))?;
        if !mismatch.is_empty() {
            return Err(CheckFailed(format!(
                "the six tables differ from the seed ledger: {mismatch}; \
                 `cargo xtask seed --reset` empties them and seeds anew"
            ))
            .into());
        }
        if let Some(warning) = keys {
            bail!("{warning}");
        }
        println!(
            "verified: every tenant's rows, ids and emails sent, table by table, match the seed ledger"
        );
    }
    Ok(())
}
