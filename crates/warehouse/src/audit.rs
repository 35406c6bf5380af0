//! `cargo xtask audit`: every rule of the catalog, evaluated in SQL against a live
//! warehouse. Each rule is one set-based query: no per-row round trips.

use anyhow::Result;
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Text};
use sim::rules::RuleId;

use crate::target::Target;

/// Offending keys printed per rule.
const SAMPLE: usize = 5;

/// One rule's result.
#[derive(Debug, QueryableByName)]
pub struct Finding {
    /// Violations.
    #[diesel(sql_type = BigInt)]
    pub count: i64,
    /// A few offending keys, sorted.
    #[diesel(sql_type = Array<Text>)]
    pub keys: Vec<String>,
}

/// Evaluates every rule; returns `(rule, finding)` in catalog order.
pub fn evaluate(conn: &mut PgConnection) -> Result<Vec<(RuleId, Finding)>> {
    RuleId::ALL
        .iter()
        .map(|&rule| {
            let sql = format!(
                "WITH v AS ({}) SELECT (SELECT count(*) FROM v) AS count, \
                 ARRAY(SELECT key FROM v ORDER BY key LIMIT {SAMPLE}) AS keys",
                rule.sql()
            );
            let finding = diesel::sql_query(sql)
                .get_result::<Finding>(conn)
                .map_err(|e| anyhow::anyhow!("rule {} could not be evaluated: {e}", rule.code()))?;
            Ok((rule, finding))
        })
        .collect()
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
    let findings = evaluate(&mut conn)?;
    let broken = findings.iter().filter(|(_, f)| f.count > 0).count();
    match format {
        Format::Json => {
            let report: Vec<serde_json::Value> = findings
                .iter()
                .map(|(rule, f)| {
                    serde_json::json!({
                        "rule": rule.code(),
                        "statement": rule.statement(),
                        "violations": f.count,
                        "examples": f.keys,
                    })
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&report)?);
        }
        Format::Text => {
            println!("audit of {target}");
            for (rule, f) in &findings {
                if f.count == 0 {
                    println!("  {:<4} ok    {}", rule.code(), rule.statement());
                } else {
                    println!(
                        "  {:<4} FAIL  {} — {} violation(s), e.g. {}",
                        rule.code(),
                        rule.statement(),
                        f.count,
                        f.keys.join(", ")
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
