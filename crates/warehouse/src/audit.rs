//! `cargo xtask audit`: every rule of the catalog, evaluated in SQL against a live
//! warehouse, at about the cost of a few scans of it.
//!
//! In one repeatable-read, read-only transaction (one snapshot for every rule), the
//! audit asks the catalog's probes ([`sim::rules::probes`]): a few statements, two of
//! which read `lead_analytics`, nearly all of a warehouse, once each, and each returns
//! one screen per part of a rule. A screen is false only when that part of the rule
//! holds; where one is true the rule's own query ([`RuleId::sql`]) gives the exact count
//! and examples. So a finding is always the rule's own query's answer, and
//! [`evaluate_exact`], one query per rule, is the reference the tests hold [`evaluate`]
//! to. With a helper connection ([`evaluate_with_helper`]), the two connections ask the
//! probes at once, in the same snapshot: each starts with one of the two that read
//! `lead_analytics`. Nothing is written: the audit runs in a read-only transaction.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Text};
use schema::Table;
use sim::rules::{Probe, RuleId, PROBE_SETTINGS, PROBE_SETTINGS_UNDONE};

use crate::target::Target;

/// Offending keys printed per rule.
const SAMPLE: usize = 5;

/// Settings of the audit's transaction. JIT compilation costs more than it saves on
/// these one-off queries (about 0.7 s per pass on staging), and the per-(campaign,
/// period) groups of `lead_analytics` (16 MB on staging) should be hashed in memory,
/// not spilled in batches.
const SETTINGS: &str = "SET LOCAL jit = off; SET LOCAL work_mem = '128MB'";

/// Settings of each connection while two ask the probes: they keep two cores busy
/// already, and a parallel plan's workers only compete with them for those cores, and
/// add their partial and final aggregation to the work.
const ONE_PROCESS_EACH: &str = "SET LOCAL max_parallel_workers_per_gather = 0";

/// [`ONE_PROCESS_EACH`] undone, for the rules' own queries after the probes.
const ONE_PROCESS_EACH_UNDONE: &str = "SET LOCAL max_parallel_workers_per_gather TO DEFAULT";

/// One rule's result, as the SQL returns it.
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = Array<Text>)]
    keys: Vec<String>,
}

/// A probe's answer: one screen per part.
#[derive(QueryableByName)]
struct Screened {
    #[diesel(sql_type = Array<Bool>)]
    maybe: Vec<bool>,
}

/// The snapshot the helper shares.
#[derive(QueryableByName)]
struct Snapshot {
    #[diesel(sql_type = Text)]
    snapshot: String,
}

/// Rows read by a scan.
#[derive(QueryableByName)]
struct Counted {
    #[diesel(sql_type = BigInt)]
    rows: i64,
}

/// Where an audit's time went: one step (a probe, a rule's own query, or the whole
/// audit) and how long it took.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    /// `probe …` (`… [helper]` when the helper asked it), `query B4`, or `total`, the
    /// audit's wall time (the helper's probes overlap the others).
    pub step: String,
    /// Wall time of the step.
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

/// Evaluates every rule of the catalog in SQL: every probe, and the own query of each
/// rule one of whose screens is true.
pub fn evaluate(conn: &mut PgConnection) -> Result<AuditReport> {
    evaluate_timed(conn).map(|(report, _)| report)
}

/// [`evaluate`], with the time of each step.
pub fn evaluate_timed(conn: &mut PgConnection) -> Result<(AuditReport, Vec<Timing>)> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| evaluate_in_transaction(conn, None))
}

/// [`evaluate_timed`], with `helper` (another connection to the same warehouse, not in
/// a transaction) asking probes in the same snapshot while `conn` does: the same
/// report, sooner when a core is free.
pub fn evaluate_with_helper(
    conn: &mut PgConnection,
    helper: &mut PgConnection,
) -> Result<(AuditReport, Vec<Timing>)> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| evaluate_in_transaction(conn, Some(helper)))
}

/// [`evaluate_timed`] in the caller's open transaction, so that the audit shares its
/// snapshot (the report's figures and its audit describe the same warehouse). The
/// transaction must be `REPEATABLE READ` (or `SERIALIZABLE`) when there is a `helper`,
/// which imports its snapshot; it may be `READ ONLY`.
pub fn evaluate_in_transaction(
    conn: &mut PgConnection,
    helper: Option<&mut PgConnection>,
) -> Result<(AuditReport, Vec<Timing>)> {
    let started = Instant::now();
    conn.batch_execute(SETTINGS)?;
    let probes = sim::rules::probes();
    let (mut screens, mut timings) = match helper {
        None => ask(conn, &probes, &AtomicUsize::new(0), &[], "")?,
        Some(helper) => {
            let snapshot = diesel::sql_query("SELECT pg_export_snapshot() AS snapshot")
                .get_result::<Snapshot>(conn)
                .context("the audit could not share its snapshot")?
                .snapshot;
            // Each connection starts with one of the two probes of `lead_analytics`,
            // then takes the next of the others until none is left.
            let next = AtomicUsize::new(2);
            conn.batch_execute(ONE_PROCESS_EACH)?;
            let asked = std::thread::scope(|scope| {
                let helped = scope.spawn(|| {
                    helper
                        .build_transaction()
                        .repeatable_read()
                        .read_only()
                        .run(|helper| {
                            helper.batch_execute(&format!(
                                "SET TRANSACTION SNAPSHOT '{snapshot}'; {SETTINGS}; {ONE_PROCESS_EACH}"
                            ))?;
                            ask(helper, &probes, &next, &[1], " [helper]")
                        })
                });
                let (mut screens, mut timings) = ask(conn, &probes, &next, &[0], "")?;
                let (more, steps) = helped.join().expect("the audit's helper panicked")?;
                screens.extend(more);
                timings.extend(steps);
                anyhow::Ok((screens, timings))
            })?;
            conn.batch_execute(ONE_PROCESS_EACH_UNDONE)?;
            asked
        }
    };
    screens.sort();
    let mut findings = Vec::new();
    for rule in RuleId::ALL {
        let mut finding = Finding {
            rule,
            violations: 0,
            examples: Vec::new(),
        };
        if screens.iter().any(|&(r, maybe)| r == rule && maybe) {
            let queried = Instant::now();
            finding = exact(conn, rule)?;
            timings.push(Timing {
                step: format!("query {}", rule.code()),
                elapsed: queried.elapsed(),
            });
        }
        findings.push(finding);
    }
    timings.push(Timing {
        step: "total".into(),
        elapsed: started.elapsed(),
    });
    Ok((AuditReport { findings }, timings))
}

/// What a connection's probes said: each screen with its rule, and their times.
type Asked = (Vec<(RuleId, bool)>, Vec<Timing>);

/// Asks, on `conn` and under [`PROBE_SETTINGS`], the probes numbered `first`, then each
/// next one that `next` hands out: each screen with its rule, and the time of each
/// probe (its step named with `lane`).
fn ask(
    conn: &mut PgConnection,
    probes: &[Probe],
    next: &AtomicUsize,
    first: &[usize],
    lane: &str,
) -> Result<Asked> {
    conn.batch_execute(PROBE_SETTINGS)?;
    let mut screens = Vec::new();
    let mut timings = Vec::new();
    let handed = std::iter::from_fn(|| Some(next.fetch_add(1, Ordering::Relaxed)));
    for i in first.iter().copied().chain(handed) {
        let Some(probe) = probes.get(i) else { break };
        let started = Instant::now();
        let maybe = diesel::sql_query(probe.sql())
            .get_result::<Screened>(conn)
            .with_context(|| format!("the probe of {} failed", probe.name))?
            .maybe;
        anyhow::ensure!(
            maybe.len() == probe.parts.len(),
            "the probe of {} gave {} screens for {} parts",
            probe.name,
            maybe.len(),
            probe.parts.len()
        );
        screens.extend(probe.parts.iter().map(|(rule, _)| *rule).zip(maybe));
        timings.push(Timing {
            step: format!("probe {}{lane}", probe.name),
            elapsed: started.elapsed(),
        });
    }
    conn.batch_execute(PROBE_SETTINGS_UNDONE)?;
    Ok((screens, timings))
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
    let mut helper = target.connect()?;
    let (report, steps) = evaluate_with_helper(&mut conn, &mut helper)?;
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

/// Each probe, each rule's own query, and the audit's wall time.
fn print_timings(steps: &[Timing]) {
    eprintln!("audit timings (ms):");
    for t in steps {
        eprintln!("  {:>9.1}  {}", t.elapsed.as_secs_f64() * 1e3, t.step);
    }
}
