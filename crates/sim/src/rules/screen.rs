//! The audit at scan speed: what it reads once, and how it knows which rules hold.
//!
//! Nearly all of a warehouse is `lead_analytics` (4.5M of staging's 4.7M rows), and a
//! query per rule reads it again for each of the 15 rules that look at it. The audit
//! instead reads it in two [`passes`], each keeping a small temporary table, and then
//! asks each rule its [`RuleId::screen`]: an SQL boolean that reads those tables and the
//! five small tables, never `lead_analytics` itself.
//!
//! A screen is *sound*: it is false only when the rule's own query ([`RuleId::sql`])
//! returns no row. Where it is true, the audit runs that query for the exact count and
//! examples, so a violated rule is reported exactly as before; a clean warehouse runs
//! no rule query over `lead_analytics` at all.

use schema::Table;

use super::catalog::{duplicate_grains, Leads, A8_GRACE, GRAINS, LEAD_GROUPS, VALID_BILLING};
use super::RuleId;

/// The temporary table of the second pass: per `billing_id` of `lead_analytics`, its
/// rows `n` and the distinct hashes of their `lead_id`, `distinct_leads`.
const LEAD_BILLING: &str = "audit_lead_billing";

/// The rules whose per-row condition the first pass aggregates, one `bool_or` column
/// each, named by the rule (`a1`, …, `s1`).
const ROW_RULES: [RuleId; 6] = [
    RuleId::A1,
    RuleId::A2,
    RuleId::A3,
    RuleId::A4,
    RuleId::A5,
    RuleId::S1,
];

/// One read of a large table, kept in a temporary table that is dropped at commit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pass {
    /// What it reads, for `audit --timings`.
    pub name: &'static str,
    /// `CREATE TEMP TABLE … AS SELECT …; ANALYZE …`: the screens join the table, and
    /// without statistics the planner guesses (a nested loop over two 22k-row sides, for
    /// minutes, on staging).
    pub sql: String,
}

/// The passes over `lead_analytics`, to run (in one transaction) before the screens.
///
/// 1. Per (campaign_id, billing_id), hashed (PostgreSQL guesses 20 times too many
///    groups and would sort 4.5M rows through disk instead): the smallest `id`, the rows, each counter's
///    sum, the largest `sent`, the first and last `updated` and how many are set, and
///    whether any row breaks each of A1–A5 and S1. Every lead rule but B8 and C5 is a
///    question about these groups.
/// 2. Per `billing_id`, in the order of its index: the rows and the distinct 64-bit
///    hashes of `lead_id`. When they are equal, the lead ids of that period are
///    distinct (equal ids hash equally), so no grain repeats (C5) and the period has
///    exactly `n` leads (B8). A hash collision can only make the screen true, never
///    hide a violation.
pub fn passes() -> Vec<Pass> {
    let counters: Vec<String> = schema::models::Counters::NAMES
        .iter()
        .map(|c| format!("sum(t.{c}::int8) AS {c}"))
        .collect();
    let flags: Vec<String> = ROW_RULES
        .iter()
        .map(|r| {
            format!(
                "bool_or({}) AS {}",
                r.row_condition().expect("a per-row rule"),
                r.code().to_lowercase()
            )
        })
        .collect();
    vec![
        Pass {
            name: "lead_analytics per (campaign_id, billing_id)",
            sql: format!(
                "SET LOCAL enable_sort = off; \
                 CREATE TEMP TABLE {LEAD_GROUPS} ON COMMIT DROP AS \
                 SELECT t.campaign_id, t.billing_id, min(t.id) AS id, count(*) AS n, {}, \
                 max(t.sent) AS max_sent, min(t.updated) AS first_updated, \
                 max(t.updated) AS last_updated, count(t.updated) AS updated_rows, {} \
                 FROM lead_analytics t GROUP BY t.campaign_id, t.billing_id; \
                 SET LOCAL enable_sort = on; ANALYZE {LEAD_GROUPS}",
                counters.join(", "),
                flags.join(", ")
            ),
        },
        Pass {
            name: "lead_analytics per billing_id",
            sql: format!(
                "CREATE TEMP TABLE {LEAD_BILLING} ON COMMIT DROP AS \
                 SELECT billing_id, count(*) AS n, \
                 count(DISTINCT hashtextextended(lead_id, 0)) AS distinct_leads \
                 FROM lead_analytics GROUP BY billing_id; \
                 ANALYZE {LEAD_BILLING}"
            ),
        },
    ]
}

/// Whether `query` returns a row. Counted rather than `EXISTS`, which plans for the
/// first row: nested loops over the pass tables, 40 s instead of 0.1 s for E1 on staging.
fn exists(query: &str) -> String {
    format!("(SELECT count(*) FROM ({query}) v) > 0")
}

impl RuleId {
    /// An SQL boolean, read after the [`passes`]: false only if [`Self::sql`] returns no
    /// row. It never reads `lead_analytics`.
    pub fn screen(self) -> String {
        use RuleId::*;
        let groups =
            |condition: &str| exists(&format!("SELECT 1 FROM {LEAD_GROUPS} t WHERE {condition}"));
        match self {
            A1 | A2 | A3 | A4 | A5 | A7 | A8 | C1 => Table::ACTIVITY
                .iter()
                .map(|&table| {
                    if table != Table::Lead {
                        return exists(&self.row_part(table).expect("a per-row rule"));
                    }
                    match self {
                        A7 => groups("t.billing_id IS NULL"),
                        A8 => exists(&format!(
                            "SELECT 1 FROM {LEAD_GROUPS} t JOIN billing_analytics b ON b.id = t.billing_id \
                             WHERE t.updated_rows < t.n OR t.first_updated < b.period_start \
                             OR t.last_updated > b.period_end + {A8_GRACE}"
                        )),
                        C1 => groups(&format!("t.billing_id IS NOT NULL AND NOT {VALID_BILLING}")),
                        _ => groups(&format!("t.{}", self.code().to_lowercase())),
                    }
                })
                .collect::<Vec<_>>()
                .join(" OR "),
            S1 => groups(&format!("t.{}", self.code().to_lowercase())),
            B8 => exists(&format!(
                "SELECT 1 FROM billing_analytics b LEFT JOIN {LEAD_BILLING} l ON l.billing_id = b.id \
                 WHERE b.leads_used >= 0 AND (l.distinct_leads <> l.n OR b.leads_used <> coalesce(l.n, 0))"
            )),
            C5 => GRAINS
                .iter()
                .map(|&(table, _)| {
                    if table == Table::Lead {
                        exists(&format!("SELECT 1 FROM {LEAD_BILLING} WHERE distinct_leads <> n"))
                    } else {
                        exists(&duplicate_grains(table))
                    }
                })
                .collect::<Vec<_>>()
                .join(" OR "),
            C3 | D2 | D4 | E1 | S2 => exists(&self.sql_over(Leads::Groups)),
            _ => exists(&self.sql()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_screen_reads_lead_analytics() {
        for rule in RuleId::ALL {
            // A key's text may name the table; a read may not.
            let screen = rule.screen().replace("'lead_analytics#'", "");
            assert!(!screen.contains("lead_analytics"), "{rule:?}: {screen}");
        }
    }

    #[test]
    fn the_passes_read_lead_analytics_once_each() {
        for pass in passes() {
            assert_eq!(
                pass.sql.matches("FROM lead_analytics").count(),
                1,
                "{}",
                pass.sql
            );
        }
    }
}
