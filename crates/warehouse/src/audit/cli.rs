//! `cargo xtask audit`: the options, and the report printed as text, JSON or JUnit XML.

use std::time::Duration;

use anyhow::Result;

use super::{evaluate_scope, junit, AuditReport, Months, Scope, Timing};
use crate::target::Target;

/// How `cargo xtask audit` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per rule, for people.
    Text,
    /// A JSON array with one object per rule (`rule`, `statement`, `violations`,
    /// `examples`), for scripts.
    Json,
    /// JUnit XML, for CI systems' test reports: one `<testsuite>` per rule family, one
    /// `<testcase>` per rule, a `<failure>` for each violated rule.
    Junit,
}

/// The options of `cargo xtask audit`.
#[derive(Debug, Clone, clap::Args)]
pub struct AuditArgs {
    /// The warehouse (default: `DATABASE_URL`, `.env`, or the local `penguinmails_dev`).
    #[arg(long)]
    pub database_url: Option<String>,
    /// `text` for people, `json` for scripts, `junit` (JUnit XML) for CI test reports.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
    /// Also print, on standard error, where the time went: each probe (a statement of
    /// screens), each rule's own query where a screen was true, and the total.
    #[arg(long)]
    pub timings: bool,
    /// Audit only this tenant's periods and their rows (B10 and C6 still compare its
    /// companies, campaigns and mailboxes with the other tenants').
    #[arg(long)]
    pub tenant: Option<String>,
    /// Audit only the periods starting in these months, `FROM..UNTIL` (YYYY-MM, both
    /// included, either end open: `2026-11..` is the open month of a warehouse as of a
    /// November day, and later ones); B2 and E1 still compare them with the others.
    #[arg(long, value_name = "FROM..UNTIL")]
    pub periods: Option<Months>,
}

impl AuditArgs {
    /// The scope the options name.
    pub fn scope(&self) -> Scope {
        Scope {
            tenant: self.tenant.clone(),
            periods: self.periods.unwrap_or_default(),
        }
    }
}

/// Runs `cargo xtask audit`: prints every rule's verdict and returns the report (the
/// command line exits 1 when a rule is violated, see [`AuditReport::verdict`]); with
/// `timings`, also where the time went (on standard error). An error means that the
/// audit could not run.
pub fn run(args: &AuditArgs) -> Result<AuditReport> {
    let target = Target::resolve(args.database_url.as_deref())?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    // Without its keys the warehouse is half-loaded: its rules would judge a moving target.
    if let Some(warning) = crate::load::bulk::warning(&mut conn)? {
        anyhow::bail!("{warning}");
    }
    let mut helper = target.connect()?;
    let scope = args.scope();
    let (report, steps) = evaluate_scope(&mut conn, Some(&mut helper), &scope)?;
    if args.timings {
        print_timings(&steps);
    }
    let findings = &report.findings;
    match args.format {
        Format::Json => {
            let report: Vec<serde_json::Value> = findings
                .iter()
                .map(|f| {
                    serde_json::json!({
                        "rule": f.rule.code(),
                        "statement": f.rule.statement(),
                        "violations": f.violations,
                        "examples": f.examples,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Junit => {
            let total = steps.last().map_or(Duration::ZERO, |t| t.elapsed);
            print!(
                "{}",
                junit::render(&report, &format!("audit of {target}, {scope}"), total)?
            );
        }
        Format::Text => {
            println!("audit of {target}");
            if !scope.is_whole() {
                println!("scope: {scope}");
            }
            for f in findings {
                let rule = f.rule;
                if f.holds() {
                    println!("  {:<4} ok    {}", rule.code(), rule.statement());
                } else {
                    println!(
                        "  {:<4} FAIL  {} — {} violation(s), e.g. {}",
                        rule.code(),
                        rule.statement(),
                        f.violations,
                        f.examples.join(", ")
                    );
                }
            }
            if report.is_clean() {
                println!("all {} rules hold", findings.len());
            }
        }
    }
    Ok(report)
}

/// Each probe, each rule's own query, and the audit's wall time.
fn print_timings(steps: &[Timing]) {
    eprintln!("audit timings (ms):");
    for t in steps {
        eprintln!("  {:>9.1}  {}", t.elapsed.as_secs_f64() * 1e3, t.step);
    }
}
