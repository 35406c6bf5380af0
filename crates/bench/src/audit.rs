//! `cargo xtask bench-audit`: the audit against one full scan of the same warehouse, and
//! scoped audits against the full audit, all measured in the same run, as ratios (the
//! goals on staging: the audit at most 5 scans; one month, or the largest tenant, at
//! most 0.25 of the audit).

use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use diesel::prelude::*;
use diesel::sql_types::Text;
use warehouse::audit::{self, Months, Scope};
use warehouse::target::Target;

/// The scopes measured: the month with the most leads (a month of the warehouse at its
/// busiest), the open month (what the nightly job audits) and the tenant with the most
/// leads, chosen from `billing_analytics`'s usage counts.
fn scopes(conn: &mut PgConnection) -> Result<Vec<(&'static str, Scope)>> {
    #[derive(QueryableByName)]
    struct Picked {
        #[diesel(sql_type = Text)]
        busiest: String,
        #[diesel(sql_type = Text)]
        open: String,
        #[diesel(sql_type = Text)]
        tenant: String,
    }
    let month = "to_char(period_start AT TIME ZONE 'UTC', 'YYYY-MM')";
    let picked = diesel::sql_query(format!(
        "SELECT (SELECT {month} FROM billing_analytics GROUP BY 1 ORDER BY sum(leads_used) DESC LIMIT 1) AS busiest, \
         (SELECT max({month}) FROM billing_analytics) AS open, \
         (SELECT tenant_id FROM billing_analytics GROUP BY 1 ORDER BY sum(leads_used) DESC LIMIT 1) AS tenant"
    ))
    .get_result::<Picked>(conn)?;
    let months =
        |m: &str| -> Result<Months> { format!("{m}..{m}").parse().map_err(anyhow::Error::msg) };
    Ok(vec![
        (
            "busiest month",
            Scope {
                tenant: None,
                periods: months(&picked.busiest)?,
            },
        ),
        (
            "open month",
            Scope {
                tenant: None,
                periods: months(&picked.open)?,
            },
        ),
        (
            "largest tenant",
            Scope {
                tenant: Some(picked.tenant),
                periods: Months::default(),
            },
        ),
    ])
}

/// Runs `rounds` of scan, audit (as `cargo xtask audit` does, with a helper connection),
/// each scoped audit, scan; prints each audit's ratio to the mean of the two scans
/// around it, each scoped audit's ratio to the audit of the same round, and the median
/// of each ratio over the rounds. Fails if
/// the warehouse breaks a rule: a broken warehouse also runs the broken rules' own
/// queries, which is not the cost being measured.
pub fn run(database_url: Option<&str>, rounds: u32) -> Result<()> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    let mut helper = target.connect()?;
    let scopes = scopes(&mut conn)?;
    println!("audit vs one full scan of the six tables, scoped audits vs the audit, {target}");
    for (what, scope) in &scopes {
        println!("  {what}: {scope}");
    }
    let mut header = "  round  rows       scan ms  audit ms  audit/scan".to_owned();
    for (what, _) in &scopes {
        header.push_str(&format!("  {what:>14} ms  ratio"));
    }
    println!("{header}");
    let mut audited = |conn: &mut PgConnection, scope: &Scope| -> Result<Duration> {
        let started = Instant::now();
        let (report, _) = audit::evaluate_scope(conn, Some(&mut helper), scope)?;
        if !report.is_clean() {
            bail!("the warehouse breaks a rule: run `cargo xtask audit` first");
        }
        Ok(started.elapsed())
    };
    // Each round's ratios, per column: the audit's to the scan, then each scope's.
    let mut ratios: Vec<Vec<f64>> = vec![Vec::new(); 1 + scopes.len()];
    for round in 1..=rounds {
        let (rows, before) = audit::scan(&mut conn)?;
        let full = audited(&mut conn, &Scope::default())?;
        let mut line = String::new();
        for (i, (_, scope)) in scopes.iter().enumerate() {
            let part = audited(&mut conn, scope)?;
            let ratio = part.as_secs_f64() / full.as_secs_f64();
            ratios[1 + i].push(ratio);
            line.push_str(&format!(
                "  {:>17.0}  {ratio:>4.2}x",
                part.as_secs_f64() * 1e3
            ));
        }
        let (_, after) = audit::scan(&mut conn)?;
        let scan = (before + after) / 2;
        ratios[0].push(full.as_secs_f64() / scan.as_secs_f64());
        println!(
            "  {round:>5}  {rows:<9}  {:>7.0}  {:>8.0}  {:>9.2}x{line}",
            scan.as_secs_f64() * 1e3,
            full.as_secs_f64() * 1e3,
            full.as_secs_f64() / scan.as_secs_f64()
        );
    }
    let medians: Vec<f64> = ratios.iter_mut().map(|r| median(r)).collect();
    let mut line = format!(
        "  median                                 {:>9.2}x",
        medians[0]
    );
    for ratio in &medians[1..] {
        line.push_str(&format!("  {:>17}  {ratio:>4.2}x", ""));
    }
    println!("{line}");
    let verdict = |met: bool| if met { "met" } else { "NOT met" };
    println!(
        "  goals (medians): audit <= {AUDIT_GOAL:.2}x a scan: {}; each scope <= {SCOPE_GOAL:.2}x the audit: {}",
        verdict(medians[0] <= AUDIT_GOAL),
        verdict(medians[1..].iter().all(|r| *r <= SCOPE_GOAL)),
    );
    Ok(())
}

/// The audit's goal on staging, in full scans of the six tables.
const AUDIT_GOAL: f64 = 5.0;
/// A scoped audit's goal on staging (a month, the largest tenant), in full audits.
const SCOPE_GOAL: f64 = 0.25;

/// The median of `values` (the mean of the middle two for an even count).
fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => f64::NAN,
        _ if n % 2 == 1 => values[n / 2],
        _ => (values[n / 2 - 1] + values[n / 2]) / 2.0,
    }
}
