//! What the command line prints: the libraries return values and report progress as
//! events, and this module turns them into the terminal's lines and progress bar.

use std::sync::Mutex;
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use schema::Table;
use warehouse::audit::{junit, Audited, Scope, Timing};
use warehouse::load::{DryRun, SeedReport};
use warehouse::progress::{Event, Observer};
use warehouse::status::Status;
use warehouse::world::WorldSpec;

use crate::args::Format;

/// Prints a seed's events on standard error, and its tenants as a progress bar (cleared
/// when a pass ends).
#[derive(Default)]
pub struct Terminal {
    bar: Mutex<Option<ProgressBar>>,
}

impl Observer for Terminal {
    fn event(&self, event: &Event) {
        let mut bar = self.bar.lock().expect("progress bar lock");
        if let Event::Tenant {
            done,
            total,
            rows,
            elapsed,
        } = event
        {
            let bar = bar.get_or_insert_with(|| {
                ProgressBar::new(*total).with_style(
                    ProgressStyle::with_template(
                        "{bar:30} {pos}/{len} tenants {msg} [{elapsed_precise}]",
                    )
                    .expect("valid template"),
                )
            });
            let rate = *rows as f64 / elapsed.as_secs_f64().max(1e-3);
            bar.set_message(format!("{rows} rows, {rate:.0} rows/s"));
            bar.set_position(*done);
            if done == total {
                bar.finish_and_clear();
            }
            return;
        }
        if let Some(bar) = bar.take() {
            bar.finish_and_clear();
        }
        eprintln!("{event}");
    }
}

/// The rows per table a seed loaded, and its pace.
pub fn seed_summary(report: &SeedReport) {
    if report.total() == 0 && report.tenants == 0 {
        return;
    }
    let secs = report.elapsed.as_secs_f64().max(1e-6);
    println!("{:<26} {:>12}", "table", "rows");
    for (t, n) in report.rows.iter() {
        println!("{:<26} {:>12}", t.name(), n);
    }
    println!(
        "seeded {} tenants, {} rows in {:.2} s: {:.0} rows/s",
        report.tenants,
        report.total(),
        secs,
        report.total() as f64 / secs
    );
    if !report.keys.is_zero() {
        println!(
            "bulk load: keys and indexes built in {:.2} s of it",
            report.keys.as_secs_f64()
        );
    }
}

/// `seed --dry-run`'s table.
pub fn dry_run(world: &WorldSpec, dry: &DryRun) {
    println!(
        "dry run: profile {}, seed {}, scale {}, shard {}: {} tenants; nothing written",
        world.profile, world.seed, world.scale, world.shard, dry.tenants
    );
    println!("{:<26} {:>12} {:>14}", "table", "rows", "bytes (COPY)");
    for t in Table::ALL {
        println!("{:<26} {:>12} {:>14}", t.name(), dry.rows[t], dry.bytes[t]);
    }
    println!(
        "{:<26} {:>12} {:>14}",
        "total",
        dry.rows.total(),
        dry.bytes.total()
    );
}

/// `status`: the runs, the keys, the rows per table, and the verification's outcome.
pub fn status(status: &Status) {
    println!("warehouse {}", status.warehouse);
    if status.runs.is_empty() {
        println!("no seed recorded");
    }
    for r in &status.runs {
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
    if let Some(warning) = &status.keys_missing {
        println!("{warning}");
    }
    for (t, n) in status.rows.iter() {
        println!("  {:<26} {:>12} rows", t.name(), n);
    }
    if status.is_verified() {
        println!(
            "verified: every tenant's rows, every column of them, table by table, match the seed ledger"
        );
    }
}

/// `audit`: every rule's verdict in the chosen format; with `timings`, where the time
/// went (on standard error).
pub fn audit(audited: &Audited, scope: &Scope, format: Format, timings: bool) -> Result<()> {
    if timings {
        print_timings(&audited.timings);
    }
    let report = &audited.report;
    let findings = &report.findings;
    match format {
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
            let total = audited.timings.last().map_or(Duration::ZERO, |t| t.elapsed);
            let name = format!("audit of {}, {scope}", audited.warehouse);
            print!("{}", junit::render(report, &name, total)?);
        }
        Format::Text => {
            println!("audit of {}", audited.warehouse);
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
    Ok(())
}

/// Each probe, each rule's own query, and the audit's wall time.
fn print_timings(steps: &[Timing]) {
    eprintln!("audit timings (ms):");
    for t in steps {
        eprintln!("  {:>9.1}  {}", t.elapsed.as_secs_f64() * 1e3, t.step);
    }
}
