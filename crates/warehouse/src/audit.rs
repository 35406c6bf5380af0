//! `cargo xtask audit`: every rule of the catalog, evaluated in SQL against a live
//! warehouse. Each rule is one set-based query: no per-row round trips.

use anyhow::Result;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use sim::rules::RuleId;

use crate::target::Target;

/// Offending keys printed per rule.
const SAMPLE: usize = 5;

/// One rule's result, as the SQL returns it.
#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    count: i64,
    #[diesel(sql_type = Array<Text>)]
    keys: Vec<String>,
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

/// Evaluates every rule of the catalog in SQL.
pub fn evaluate(conn: &mut PgConnection) -> Result<AuditReport> {
    let findings = RuleId::ALL
        .iter()
        .map(|&rule| {
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
        })
        .collect::<Result<_>>()?;
    Ok(AuditReport { findings })
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

/// Runs `cargo xtask audit`: prints every rule and fails if any is violated.
pub fn run(database_url: Option<&str>, format: Format) -> Result<()> {
    let target = Target::resolve(database_url)?;
    let mut conn = target.connect()?;
    target.ensure_warehouse(&mut conn)?;
    // Without its keys the warehouse is half-loaded: its rules would judge a moving target.
    if let Some(warning) = crate::load::bulk::warning(&mut conn)? {
        anyhow::bail!("{warning}");
    }
    let report = evaluate(&mut conn)?;
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
