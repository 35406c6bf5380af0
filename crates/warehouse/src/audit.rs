//! `cargo xtask audit`: every rule of the catalog, evaluated in SQL against a live
//! warehouse, at about the cost of a few scans of it.
//!
//! In one repeatable-read transaction (one snapshot for every rule), the audit reads
//! `lead_analytics`, nearly all of a warehouse, in two passes ([`sim::rules::passes`]),
//! then asks each rule its screen ([`RuleId::screen`]), which reads only what the passes
//! kept and the five small tables. A screen is false only when the rule holds; where it
//! is true the rule's own query ([`RuleId::sql`]) gives the exact count and examples. So
//! a finding is always the rule's own query's answer, and [`evaluate_exact`], one query
//! per rule, is the reference the tests hold [`evaluate`] to.

use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Text};
use schema::Table;
use sim::rules::RuleId;

use crate::target::Target;

/// Offending keys printed per rule.
const SAMPLE: usize = 5;

/// Settings of the audit's transaction. JIT compilation costs more than it saves on
/// these one-off queries (about 0.7 s per pass on staging), and the per-(campaign,
/// period) groups of `lead_analytics` (16 MB on staging) should be hashed in memory,
/// not spilled in batches.
const SETTINGS: &str = "SET LOCAL jit = off; SET LOCAL work_mem = '128MB'";

/// One rule's result, as the SQL returns it.
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = Array<Text>)]
    keys: Vec<String>,
}

/// A screen's answer.
#[derive(QueryableByName)]
struct Screened {
    #[diesel(sql_type = Bool)]
    maybe: bool,
}

/// Rows read by a scan.
#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// Where an audit's time went: one step (a pass, a rule's screen, or a rule's own
/// query) and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// `pass …`, `screen B4` or `query B4`.
    pub step: String,
    /// Wall time of the step's statement.
    pub elapsed: Duration,
}

/// One rule's verdict.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    /// The rule.
    pub rule: RuleId,
    /// Rows or keys that break it; 0 when it holds.
    pub violations: i64,
    /// A few of the offending keys, sorted (`table#id`, or a logical key).
    pub examples: Vec<String>,
}

impl Finding {
    /// Whether the rule holds.
    pub fn holds(&self) -> bool {
        self.violations == 0
    }
}

/// The audit of a warehouse: every rule of the catalog, in catalog order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditReport {
    /// One finding per rule.
    pub findings: Vec<Finding>,
}

impl AuditReport {
    /// Whether every rule holds.
    pub fn is_clean(&self) -> bool {
        self.findings.iter().all(Finding::holds)
    }

    /// The rules that do not hold.
    pub fn violated(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.holds())
    }
}

/// Evaluates every rule of the catalog in SQL: the passes, every screen, and the own
/// query of each rule whose screen is true.
pub fn evaluate(conn: &mut PgConnection) -> Result<AuditReport> {
    evaluate_timed(conn).map(|(report, _)| report)
}

/// [`evaluate`], with the time of each step.
pub fn evaluate_timed(conn: &mut PgConnection) -> Result<(AuditReport, Vec<Timing>)> {
    conn.build_transaction()
        .repeatable_read()
        .run(evaluate_in_transaction)
}

/// [`evaluate_timed`] in the caller's open transaction, so that the audit shares its
/// snapshot (the report's figures and its audit describe the same warehouse). The
/// transaction must be able to create temporary tables: not `READ ONLY`.
pub fn evaluate_in_transaction(conn: &mut PgConnection) -> Result<(AuditReport, Vec<Timing>)> {
    {
        let mut timings = Vec::new();
        let mut timed = |step: String, f: &mut dyn FnMut() -> Result<()>| {
            let started = Instant::now();
            f()?;
            timings.push(Timing {
                step,
                elapsed: started.elapsed(),
            });
            anyhow::Ok(())
        };
        diesel::connection::SimpleConnection::batch_execute(conn, SETTINGS)?;
        for pass in sim::rules::passes() {
            timed(format!("pass {}", pass.name), &mut || {
                diesel::connection::SimpleConnection::batch_execute(conn, &pass.sql)
                    .with_context(|| format!("the pass over {} failed", pass.name))?;
                Ok(())
            })?;
        }
        let mut findings = Vec::new();
        for rule in RuleId::ALL {
            let mut maybe = false;
            timed(format!("screen {}", rule.code()), &mut || {
                maybe = diesel::sql_query(format!("SELECT {} AS maybe", rule.screen()))
                    .get_result::<Screened>(conn)
                    .with_context(|| format!("rule {} could not be screened", rule.code()))?
                    .maybe;
                Ok(())
            })?;
            let mut finding = Finding {
                rule,
                violations: 0,
                examples: Vec::new(),
            };
            if maybe {
                timed(format!("query {}", rule.code()), &mut || {
                    finding = exact(conn, rule)?;
                    Ok(())
                })?;
            }
            findings.push(finding);
        }
        Ok((AuditReport { findings }, timings))
    }
}

/// Every rule by its own query, one after the other: the slow reference [`evaluate`] is
/// tested against.
pub fn evaluate_exact(conn: &mut PgConnection) -> Result<AuditReport> {
    let findings = RuleId::ALL
        .iter()
        .map(|&rule| exact(conn, rule))
        .collect::<Result<_>>()?;
    Ok(AuditReport { findings })
}

/// One rule by its own query: the count of its violations and the first keys.
fn exact(conn: &mut PgConnection, rule: RuleId) -> Result<Finding> {
    let sql = format!(
        "WITH v AS ({}) SELECT (SELECT count(*) FROM v) AS count, \
         ARRAY(SELECT key FROM v ORDER BY key LIMIT {SAMPLE}) AS keys",
        rule.sql()
    );
    let row = diesel::sql_query(sql)
        .get_result::<Row>(conn)
        .map_err(|e| anyhow::anyhow!("rule {} could not be evaluated: {e}", rule.code()))?;
    Ok(Finding {
        rule,
        violations: row.count,
        examples: row.keys,
    })
}

/// One full sequential scan of the six tables, the audit's yardstick: every row, and
/// every column of it, since PostgreSQL deforms a row up to the last column it reads
/// and `updated` is the last column of each table. Returns the rows and the time.
pub fn scan(conn: &mut PgConnection) -> Result<(i64, Duration)> {
    let started = Instant::now();
    let mut rows = 0;
    for table in Table::ALL {
        debug_assert_eq!(table.columns().last(), Some(&"updated"));
        rows += diesel::sql_query(format!(
            "SELECT count(t.updated) AS rows FROM {} t",
            table.name()
        ))
        .get_result::<Counted>(conn)?
        .rows;
    }
    Ok((rows, started.elapsed()))
}

/// How `cargo xtask audit` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One line per rule, for people.
    Text,
    /// A JSON array with one object per rule (`rule`, `statement`, `violations`,
    /// `examples`), for CI systems.
    Json,
}

/// Runs `cargo xtask audit`: prints every rule and fails if any is violated; with
/// `timings`, also where the time went (on standard error).
pub fn run(database_url: Option<&str>, format: Format, timings: bool) -> Result<()> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    // Without its keys the warehouse is half-loaded: its rules would judge a moving target.
    if let Some(warning) = crate::load::bulk::warning(&mut conn)? {
        anyhow::bail!("{warning}");
    }
    let (report, steps) = evaluate_timed(&mut conn)?;
    if timings {
        print_timings(&steps);
    }
    let findings = &report.findings;
    let broken = report.violated().count();
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
        Format::Text => {
            println!("audit of {target}");
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
        }
    }
    if broken > 0 {
        anyhow::bail!("{broken} of {} rules violated", findings.len());
    }
    if format == Format::Text {
        println!("all {} rules hold", findings.len());
    }
    Ok(())
}

/// The passes and the rules' own queries one by one, the screens by rule family.
fn print_timings(steps: &[Timing]) {
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    eprintln!("audit timings (ms):");
    let mut screens: Vec<(char, Duration)> = Vec::new();
    for t in steps {
        match t.step.strip_prefix("screen ") {
            Some(code) => {
                let family = code.chars().next().unwrap_or('?');
                match screens.iter_mut().find(|(f, _)| *f == family) {
                    Some((_, d)) => *d += t.elapsed,
                    None => screens.push((family, t.elapsed)),
                }
            }
            None => eprintln!("  {:>9.1}  {}", ms(t.elapsed), t.step),
        }
    }
    for (family, d) in screens {
        eprintln!("  {:>9.1}  screens {family}*", ms(d));
    }
    let total: Duration = steps.iter().map(|t| t.elapsed).sum();
    eprintln!("  {:>9.1}  total", ms(total));
}
