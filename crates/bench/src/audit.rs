//! `cargo xtask bench-audit`: the audit against one full scan of the same warehouse,
//! measured in the same run, as a ratio (the goal on staging: at most 5 scans).

use anyhow::{bail, Result};
use warehouse::audit;
use warehouse::target::Target;

/// Runs `rounds` of scan, audit (as `cargo xtask audit` does, with a helper connection),
/// scan, and prints each audit's ratio to the mean of
/// the two scans around it. Fails if the warehouse breaks a rule: a broken warehouse
/// also runs the broken rules' own queries, which is not the cost being measured.
pub fn run(database_url: Option<&str>, rounds: u32) -> Result<()> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    let mut helper = target.connect()?;
    println!("audit vs one full scan of the six tables, {target}");
    println!("  round  rows       scan ms  audit ms  audit/scan");
    for round in 1..=rounds {
        let (rows, before) = audit::scan(&mut conn)?;
        let started = std::time::Instant::now();
        let (report, _) = audit::evaluate_with_helper(&mut conn, &mut helper)?;
        let audited = started.elapsed();
        let (_, after) = audit::scan(&mut conn)?;
        if !report.is_clean() {
            bail!("the warehouse breaks a rule: run `cargo xtask audit` first");
        }
        let scan = (before + after) / 2;
        println!(
            "  {round:>5}  {rows:<9}  {:>7.0}  {:>8.0}  {:>9.2}x",
            scan.as_secs_f64() * 1e3,
            audited.as_secs_f64() * 1e3,
            audited.as_secs_f64() / scan.as_secs_f64()
        );
    }
    Ok(())
}
