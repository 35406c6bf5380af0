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
//!
//! A [`Scope`] (a tenant, some months) is audited by the same statements, each reading
//! the six tables kept to the scope ([`sim::rules::within`]): see [`scope`].

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use crate::error::{fail, Error, Result, Step};
use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Bool, Text};
use schema::Table;
use sim::rules::{Probe, Reach, RuleId, PROBE_SETTINGS, PROBE_SETTINGS_UNDONE};

mod cli;
pub mod junit;
pub mod scope;

pub use cli::{run, Audited};
pub use scope::{Months, Scope};

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

    /// The report as a check's outcome: an error naming how many rules are violated,
    /// which the command line exits 1 for ([`crate::exit`]).
    pub fn verdict(&self) -> Result<()> {
        match self.violated().count() {
            0 => Ok(()),
            broken => Err(Error::Violated(format!(
                "{broken} of {} rules violated",
                self.findings.len()
            ))),
        }
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
    evaluate_scope_in_transaction(conn, helper, &Scope::default())
}

/// [`evaluate_with_helper`] (or [`evaluate_timed`] without a helper) on the rows of
/// `scope` only: every rule, judged on the scope's periods and their rows, and on the
/// rest of the warehouse where the rule looks beyond them. A violation is reported when
/// it lies in the scope (see [`sim::rules::Reach::Scope`]). The whole warehouse's
/// scope is the plain audit.
pub fn evaluate_scope(
    conn: &mut PgConnection,
    helper: Option<&mut PgConnection>,
    scope: &Scope,
) -> Result<(AuditReport, Vec<Timing>)> {
    conn.build_transaction()
        .repeatable_read()
        .read_only()
        .run(|conn| evaluate_scope_in_transaction(conn, helper, scope))
}

/// [`evaluate_scope`] in the caller's open transaction (see [`evaluate_in_transaction`]).
pub fn evaluate_scope_in_transaction(
    conn: &mut PgConnection,
    helper: Option<&mut PgConnection>,
    scope: &Scope,
) -> Result<(AuditReport, Vec<Timing>)> {
    let started = Instant::now();
    conn.batch_execute(SETTINGS)?;
    let mut timings = Vec::new();
    let within = if scope.is_whole() {
        Within::Warehouse
    } else {
        let ids = scope.billing_ids(conn)?;
        timings.push(Timing {
            step: format!("scope: {} periods", ids.len()),
            elapsed: started.elapsed(),
        });
        Within::Periods(ids)
    };
    let probes = sim::rules::probes_in(within.reach());
    let (mut screens, steps) = match helper {
        None => ask(conn, &probes, &within, &AtomicUsize::new(0), &[], "")?,
        Some(helper) => {
            let snapshot = diesel::sql_query("SELECT pg_export_snapshot() AS snapshot")
                .get_result::<Snapshot>(conn)
                .step("the audit could not share its snapshot")?
                .snapshot;
            // Each connection starts with one of the two probes of `lead_analytics`,
            // then takes the next of the others until none is left.
            let next = AtomicUsize::new(2);
            conn.batch_execute(ONE_PROCESS_EACH)?;
            let asked = std::thread::scope(|threads| {
                let helped = threads.spawn(|| {
                    helper
                        .build_transaction()
                        .repeatable_read()
                        .read_only()
                        .run(|helper| {
                            helper.batch_execute(&format!(
                                "SET TRANSACTION SNAPSHOT '{snapshot}'; {SETTINGS}; {ONE_PROCESS_EACH}"
                            ))?;
                            ask(helper, &probes, &within, &next, &[1], " [helper]")
                        })
                });
                let (mut screens, mut timings) = ask(conn, &probes, &within, &next, &[0], "")?;
                let (more, steps) = helped.join().expect("the audit's helper panicked")?;
                screens.extend(more);
                timings.extend(steps);
                Ok::<_, Error>((screens, timings))
            })?;
            conn.batch_execute(ONE_PROCESS_EACH_UNDONE)?;
            asked
        }
    };
    timings.extend(steps);
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
            finding = exact(conn, rule, &within)?;
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

/// What an audit's statements read: the whole warehouse, or the periods of a scope (by
/// id) and their rows.
enum Within {
    /// The six tables.
    Warehouse,
    /// The periods of these ids, and their child rows.
    Periods(Vec<i64>),
}

impl Within {
    /// The reach the statements are written for.
    fn reach(&self) -> Reach {
        match self {
            Within::Warehouse => Reach::Warehouse,
            Within::Periods(_) => Reach::Scope,
        }
    }

    /// `sql`, written for [`Self::reach`], as it is run.
    fn statement(&self, sql: &str) -> String {
        match self {
            Within::Warehouse => sql.to_owned(),
            Within::Periods(ids) => sim::rules::within(ids, sql),
        }
    }
}

/// What a connection's probes said: each screen with its rule, and their times.
type Asked = (Vec<(RuleId, bool)>, Vec<Timing>);

/// Asks, on `conn` and under [`PROBE_SETTINGS`], the probes numbered `first`, then each
/// next one that `next` hands out, each as read `within`: each screen with its rule, and
/// the time of each probe (its step named with `lane`).
fn ask(
    conn: &mut PgConnection,
    probes: &[Probe],
    within: &Within,
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
        let maybe = diesel::sql_query(within.statement(&probe.sql()))
            .get_result::<Screened>(conn)
            .step_with(|| format!("the probe of {} failed", probe.name))?
            .maybe;
        if maybe.len() != probe.parts.len() {
            fail!(
                Other,
                "the probe of {} gave {} screens for {} parts",
                probe.name,
                maybe.len(),
                probe.parts.len()
            );
        }
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
    exact_all(conn, &Within::Warehouse)
}

/// [`evaluate_exact`] on `scope`: the reference [`evaluate_scope`] is tested against.
pub fn evaluate_exact_scope(conn: &mut PgConnection, scope: &Scope) -> Result<AuditReport> {
    if scope.is_whole() {
        return evaluate_exact(conn);
    }
    let within = Within::Periods(scope.billing_ids(conn)?);
    exact_all(conn, &within)
}

/// Every rule by its own query, as read `within`.
fn exact_all(conn: &mut PgConnection, within: &Within) -> Result<AuditReport> {
    let findings = RuleId::ALL
        .iter()
        .map(|&rule| exact(conn, rule, within))
        .collect::<Result<_>>()?;
    Ok(AuditReport { findings })
}

/// One rule by its own query, as read `within`: the count of its violations and the
/// first keys.
fn exact(conn: &mut PgConnection, rule: RuleId, within: &Within) -> Result<Finding> {
    let sql = format!(
        "WITH v AS ({}) SELECT (SELECT count(*) FROM v) AS count, \
         ARRAY(SELECT key FROM v ORDER BY key LIMIT {SAMPLE}) AS keys",
        within.statement(&rule.sql_in(within.reach()))
    );
    let row = diesel::sql_query(sql)
        .get_result::<Row>(conn)
        .step_with(|| format!("rule {} could not be evaluated", rule.code()))?;
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
