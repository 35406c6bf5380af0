//! `cargo xtask status`: what the seed ledger says the warehouse holds.

use anyhow::Result;
use sim::ids::Table;

use crate::load::ledger;
use crate::target::Target;

/// Prints the recorded seed runs and the six tables' row counts.
pub fn run(database_url: Option<&str>) -> Result<()> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    println!("warehouse {target}");
    let runs = ledger::runs(&mut conn)?;
    if runs.is_empty() {
        println!("no seed recorded");
    }
    for r in runs {
        let finished = r
            .finished_at
            .map_or("did not finish (resumable)".to_owned(), |t| {
                format!("finished {t}")
            });
        println!(
            "run {}: profile {} seed {} scale {} shard {} (xtask {}), started {}, {}; {} tenants, {} rows",
            r.id, r.profile, r.seed, r.scale, r.shard, r.tool_version, r.started_at, finished, r.tenants,
            r.rows.iter().sum::<i64>()
        );
    }
    let counts = ledger::table_counts(&mut conn)?;
    for (t, n) in Table::ALL.iter().zip(counts) {
        println!("  {:<26} {:>12} rows", t.name(), n);
    }
    Ok(())
}
