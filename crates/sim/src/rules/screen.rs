//! The audit at scan speed: what it reads once, and how it knows which rules hold.
//!
//! Nearly all of a warehouse is `lead_analytics` (4.4M of staging's 4.6M rows), and a
//! query per rule reads it again for each of the 15 rules that look at it. The audit
//! instead asks a few [`probes`]: each is one statement that returns one boolean, a
//! *screen*, per part of a rule. Two of them read `lead_analytics`, once each: one
//! aggregates it per (campaign_id, billing_id) for the lead rules about those groups and
//! their keys; the other per `billing_id`, for the rules about its periods (B8, C5, A8)
//! and those about each row alone (A1–A5, S1). The others read only the five small
//! tables, each per-row rule's parts in one scan of each table. No probe writes
//! anything: no temporary table, so the audit runs in a read-only transaction.
//!
//! A screen is *sound*: it is false only when the rule's own query ([`RuleId::sql`])
//! returns no row for that part. A rule whose screens are all false holds; where one is
//! true, the audit runs the rule's own query for the exact count and examples, so a
//! violated rule is reported exactly as before; a clean warehouse runs no rule query.

use schema::Table;

use super::catalog::{
    campaign_companies, company_tenants, duplicate_grains, mailbox_companies, usage, Leads,
    A8_GRACE, GRAINS, LEAD_GROUPS, MAILBOX_DOMAIN_FAST_SQL, VALID_BILLING,
};
use super::{Reach, RuleId};

/// The per-`billing_id` pass over `lead_analytics`: its rows `n`, the distinct hashes of
/// their `lead_id`, `distinct_leads` (B8, C5), their first and last `updated` (A8), and
/// whether any of them is `flagged` by [`lead_row_screen`].
const LEAD_BILLING: &str = "audit_lead_billing";

/// The rules whose per-row condition every activity table's row probe aggregates, one
/// `bool_or` column each, named by the rule (`a1`, …).
const ROW_RULES: [RuleId; 8] = [
    RuleId::A1,
    RuleId::A2,
    RuleId::A3,
    RuleId::A4,
    RuleId::A5,
    RuleId::A7,
    RuleId::A8,
    RuleId::C1,
];

/// Settings of every probe. The keys are text under the database's collation, which a
/// sort compares at `strcoll`'s pace and a hash by their bytes: hash them. Without
/// statistics (a warehouse just loaded) the planner guesses the groups' sizes and may
/// nest loops over two 20k-row sides for minutes: hash joins too.
pub const PROBE_SETTINGS: &str = "SET LOCAL enable_sort = off; SET LOCAL enable_nestloop = off";

/// [`PROBE_SETTINGS`] undone, for the rules' own queries after the probes.
pub const PROBE_SETTINGS_UNDONE: &str =
    "SET LOCAL enable_sort = on; SET LOCAL enable_nestloop = on";

/// One statement of screens.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// What it reads, for `audit --timings`.
    pub name: &'static str,
    /// Each screen: the rule and an SQL boolean, false only if the rule's own query
    /// returns none of that part's rows.
    pub parts: Vec<(RuleId, String)>,
    /// `WITH …` of what the parts read, or empty.
    with: String,
}

impl Probe {
    /// `… SELECT ARRAY[screen, …]::bool[] AS maybe`: one boolean per part, in order.
    pub fn sql(&self) -> String {
        let screens: Vec<String> = self.parts.iter().map(|(_, s)| format!("({s})")).collect();
        format!(
            "{}SELECT ARRAY[{}]::bool[] AS maybe",
            self.with,
            screens.join(", ")
        )
    }
}

/// Every probe: the rules screened by each, and together every rule of the catalog.
/// The first two read `lead_analytics` and take the longest: an audit with two
/// connections starts one on each, and the others go to whichever is free first.
///
/// 1. `lead_analytics` per (campaign_id, billing_id), hashed: the smallest `id`, the
///    rows, each counter's sum and the largest `sent`. A7, C1, C3, D2, D4, E1 and S2 are
///    questions about these groups.
/// 2. `lead_analytics` per `billing_id`, in the order of its index: the rows, the
///    distinct 64-bit hashes of `lead_id`, the first and last `updated`, and whether
///    `lead_row_screen` flags a row. When rows and hashes are equal, the lead ids of
///    that period are distinct (equal ids hash equally), so no grain repeats (C5) and
///    the period has exactly `n` leads (B8). A hash collision can only make the screen
///    true, never hide a violation. The per-row screen rides on this pass rather than
///    the first so that the two, one per connection, take about as long.
/// 3. Each small activity table once, for its part of every per-row rule.
/// 4. The other rules on the small tables, by family.
pub fn probes() -> Vec<Probe> {
    probes_in(Reach::Warehouse)
}

/// [`probes`] for `reach`: under [`Reach::Scope`], to be asked inside
/// [`super::within`], the screens of the rules that look beyond the scope (B2, B10, C6,
/// E1) read the whole tables where their rules do.
pub fn probes_in(reach: Reach) -> Vec<Probe> {
    vec![
        lead_groups(reach),
        lead_billing(),
        rows_of_small_tables(),
        others("billing_analytics and its usage counts (B*)", 'B', reach),
        others(
            "relationships and grains of the small tables (C*)",
            'C',
            reach,
        ),
        others("A6, D1, D3, S3 on the small tables", 'D', reach),
    ]
}

/// `sum(t.c) AS c` for every counter: the sum of an `int4` is an `int8`, added in one.
fn counter_sums() -> Vec<String> {
    schema::models::Counters::NAMES
        .iter()
        .map(|c| format!("sum(t.{c}) AS {c}"))
        .collect()
}

/// Probe 1: the pass over `lead_analytics` per (campaign_id, billing_id), and the
/// screens of the lead rules about those groups and their keys.
fn lead_groups(reach: Reach) -> Probe {
    use RuleId::*;
    let with = format!(
        "WITH {LEAD_GROUPS} AS MATERIALIZED ( \
         SELECT t.campaign_id, t.billing_id, min(t.id) AS id, count(*) AS n, {}, \
         max(t.sent) AS max_sent \
         FROM lead_analytics t GROUP BY t.campaign_id, t.billing_id) ",
        counter_sums().join(", ")
    );
    let groups =
        |condition: &str| exists(&format!("SELECT 1 FROM {LEAD_GROUPS} t WHERE {condition}"));
    let parts = [A7, C1, C3, D2, D4, E1, S2]
        .into_iter()
        .map(|rule| {
            let screen = match rule {
                A7 => groups("t.billing_id IS NULL"),
                C1 => groups(&format!("t.billing_id IS NOT NULL AND NOT {VALID_BILLING}")),
                _ => exists(&rule.sql_over(Leads::Groups, reach)),
            };
            (rule, screen)
        })
        .collect();
    Probe {
        name: "lead_analytics per (campaign_id, billing_id)",
        parts,
        with,
    }
}

/// Whether a row `t` of `lead_analytics` may break A1–A5 or S1, or has no `updated`
/// (A8): one condition, aggregated once per row, that is true of every row any of those
/// rules' own conditions ([`RuleId::row_condition`]) select. It is written for fewer
/// function calls per row than those conditions (on staging, a pass per (campaign_id,
/// billing_id) took 2.0 CPU-s with it, against 2.5 with one `bool_or` per rule's
/// condition), and is sound term by term:
///
/// - a `NULL` counter or `updated` is caught first, so every later term compares
///   non-null counters (`bool_or` skips a `NULL`, which must not hide a violation);
/// - A1: the least counter is negative; A2 as in the rule; A3 and A5: `delivered` is
///   below the greatest of `opened_tracked` and the exit counters it bounds; A4 as in
///   the rule;
/// - S1, once the counters are non-null and non-negative: no exit counter is set
///   exactly when the greatest of them is 0, and then the status must be one without
///   an exit counter; otherwise it must be an exit status whose counter is at least 1.
///   Any other status, or none, is flagged, as the rule flags it.
///
/// A flagged period runs the own query of each of these rules, which decide.
fn lead_row_screen() -> String {
    use schema::models::{Counters, LeadStatus};
    let counters: Vec<String> = Counters::NAMES.iter().map(|c| format!("t.{c}")).collect();
    let counters = counters.join(", ");
    let exits: Vec<String> = LeadStatus::ALL
        .iter()
        .filter_map(LeadStatus::exit_counter)
        .map(|c| format!("t.{c}"))
        .collect();
    // The values the simulator writes first: the ones a row most likely holds.
    let mut stays: Vec<&LeadStatus> = LeadStatus::SIMULATED.iter().collect();
    stays.extend(
        LeadStatus::ALL
            .iter()
            .filter(|s| !LeadStatus::SIMULATED.contains(s)),
    );
    let stays: Vec<String> = stays
        .into_iter()
        .filter(|s| s.exit_counter().is_none())
        .map(|s| format!("'{}'", s.as_str()))
        .collect();
    let leaves: Vec<String> = LeadStatus::ALL
        .iter()
        .filter_map(|s| {
            s.exit_counter()
                .map(|c| format!("WHEN '{}' THEN t.{c} >= 1", s.as_str()))
        })
        .collect();
    format!(
        "num_nulls({counters}, t.updated) > 0 OR least({counters}) < 0 \
         OR t.delivered::int8 + t.bounced > t.sent \
         OR greatest(t.opened_tracked, t.replied, t.unsubscribed, t.spam_complaints) > t.delivered \
         OR t.clicked_tracked > t.opened_tracked \
         OR CASE WHEN greatest({}) = 0 THEN NOT coalesce(t.status IN ({}), false) \
         ELSE NOT coalesce(CASE t.status {} END, false) END",
        exits.join(", "),
        stays.join(", "),
        leaves.join(" ")
    )
}

/// Probe 2: the pass over `lead_analytics` per `billing_id`, and the screens of the
/// lead rules about its periods (B8, C5's lead part, A8) and about each row alone
/// (A1–A5, S1).
fn lead_billing() -> Probe {
    use RuleId::*;
    let periods =
        |condition: &str| exists(&format!("SELECT 1 FROM {LEAD_BILLING} l WHERE {condition}"));
    let parts = [A1, A2, A3, A4, A5, A8, B8, C5, S1]
        .into_iter()
        .map(|rule| {
            let screen = match rule {
                A8 => format!(
                    "{} OR {}",
                    periods("l.flagged"),
                    exists(&format!(
                        "SELECT 1 FROM {LEAD_BILLING} l JOIN billing_analytics b ON b.id = l.billing_id \
                         WHERE l.first_updated < b.period_start \
                         OR l.last_updated > b.period_end + {A8_GRACE}"
                    ))
                ),
                B8 => exists(&format!(
                    "SELECT 1 FROM billing_analytics b LEFT JOIN {LEAD_BILLING} l ON l.billing_id = b.id \
                     WHERE b.leads_used >= 0 AND (l.distinct_leads <> l.n OR b.leads_used <> coalesce(l.n, 0))"
                )),
                C5 => periods("l.distinct_leads <> l.n"),
                _ => periods("l.flagged"),
            };
            (rule, screen)
        })
        .collect();
    Probe {
        name: "lead_analytics per billing_id",
        parts,
        with: format!(
            "WITH {LEAD_BILLING} AS MATERIALIZED ( \
             SELECT t.billing_id, count(*) AS n, \
             count(DISTINCT hashtextextended(t.lead_id, 0)) AS distinct_leads, \
             min(t.updated) AS first_updated, max(t.updated) AS last_updated, \
             bool_or({}) AS flagged \
             FROM lead_analytics t GROUP BY t.billing_id) ",
            lead_row_screen()
        ),
    }
}

/// Probe 3: every small activity table once, with whether any of its rows breaks each
/// per-row rule (A1–A5, A7, A8, C1). The row and its period (`b`, if its `billing_id`
/// names one) are what the rule's own part on that table reads.
fn rows_of_small_tables() -> Probe {
    let tables: Vec<Table> = Table::ACTIVITY
        .iter()
        .copied()
        .filter(|&t| t != Table::Lead)
        .collect();
    let flags: Vec<String> = ROW_RULES
        .iter()
        .map(|&rule| {
            let breaks = match rule {
                RuleId::A7 => "t.billing_id IS NULL".to_owned(),
                RuleId::A8 => format!(
                    "b.id IS NOT NULL AND NOT coalesce(t.updated BETWEEN b.period_start \
                     AND b.period_end + {A8_GRACE}, false)"
                ),
                RuleId::C1 => format!("t.billing_id IS NOT NULL AND NOT {VALID_BILLING}"),
                _ => rule.row_condition().expect("a per-row rule"),
            };
            format!(
                "coalesce(bool_or({breaks}), false) AS {}",
                rule.code().to_lowercase()
            )
        })
        .collect();
    let with: Vec<String> = tables
        .iter()
        .map(|t| {
            format!(
                "rows_{0} AS MATERIALIZED (SELECT {1} FROM {0} t \
                 LEFT JOIN billing_analytics b ON b.id = t.billing_id)",
                t.name(),
                flags.join(", ")
            )
        })
        .collect();
    let parts = ROW_RULES
        .iter()
        .map(|&rule| {
            let column = rule.code().to_lowercase();
            let any: Vec<String> = tables
                .iter()
                .map(|t| format!("(SELECT {column} FROM rows_{})", t.name()))
                .collect();
            (rule, any.join(" OR "))
        })
        .collect();
    Probe {
        name: "each small activity table's rows (A1-A5, A7, A8, C1)",
        parts,
        with: format!("WITH {} ", with.join(", ")),
    }
}

/// Probe 4: the screens of the rules of `family` (`'D'`: every other) that read only
/// the small tables.
fn others(name: &'static str, family: char, reach: Reach) -> Probe {
    use RuleId::*;
    let parts = RuleId::ALL
        .into_iter()
        .filter(|rule| {
            let first = rule.code().chars().next();
            match family {
                'B' | 'C' => first == Some(family),
                _ => !matches!(first, Some('B' | 'C')),
            }
        })
        .filter(|rule| {
            !ROW_RULES.contains(rule) && !matches!(rule, B8 | C3 | D2 | D4 | E1 | S1 | S2)
        })
        .map(|rule| {
            let screen = match rule {
                B7 => exists(&usage(
                    "domains_used",
                    &format!(
                        "SELECT billing_id, count(*) AS n FROM (SELECT DISTINCT billing_id, \
                         {MAILBOX_DOMAIN_FAST_SQL} AS d FROM mailbox_analytics) x \
                         WHERE x.d IS NOT NULL GROUP BY billing_id"
                    ),
                )),
                B10 => several("x.company_id", "b.tenant_id", &company_tenants(reach)),
                C5 => GRAINS
                    .iter()
                    .filter(|&&(table, _)| table != Table::Lead)
                    .map(|&(table, _)| exists(&duplicate_grains(table)))
                    .collect::<Vec<_>>()
                    .join(" OR "),
                C6 => format!(
                    "{} OR {}",
                    several("campaign_id", "company_id", &campaign_companies(reach)),
                    several("mailbox_id", "company_id", &mailbox_companies(reach))
                ),
                _ => exists(&rule.sql_in(reach)),
            };
            (rule, screen)
        })
        .collect();
    Probe {
        name,
        parts,
        with: String::new(),
    }
}

/// Whether `query` returns a row. Counted rather than `EXISTS`, which plans for the
/// first row: nested loops over the pass's groups, 40 s instead of 0.1 s for E1 on
/// staging.
fn exists(query: &str) -> String {
    format!("(SELECT count(*) FROM ({query}) v) > 0")
}

/// Whether some `key` of `from` has more than one distinct non-null `value`: a rule's
/// `GROUP BY key HAVING count(DISTINCT value) > 1`, hashed (the rule's own query sorts
/// each key's values, at the collation's pace).
fn several(key: &str, value: &str, from: &str) -> String {
    exists(&format!(
        "SELECT 1 FROM (SELECT DISTINCT {key} AS k, {value} AS v FROM {from}) d \
         WHERE d.v IS NOT NULL GROUP BY d.k HAVING count(*) > 1"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_probes_screen_every_rule() {
        let probes = probes();
        for rule in RuleId::ALL {
            assert!(
                probes
                    .iter()
                    .any(|p| p.parts.iter().any(|(r, _)| *r == rule)),
                "{rule:?}"
            );
        }
    }

    #[test]
    fn two_probes_read_lead_analytics_once_each_and_the_others_never() {
        for probe in probes() {
            // A key's text may name the table; a read may not.
            let sql = probe.sql().replace("'lead_analytics#'", "");
            let reads = sql.matches("FROM lead_analytics").count();
            let expected = usize::from(probe.name.starts_with("lead_analytics"));
            assert_eq!(reads, expected, "{}: {sql}", probe.name);
            assert_eq!(sql.matches("lead_analytics").count(), expected, "{sql}");
        }
    }

    #[test]
    fn the_first_two_probes_read_lead_analytics() {
        let names: Vec<&str> = probes().iter().take(2).map(|p| p.name).collect();
        assert_eq!(
            names,
            [
                "lead_analytics per (campaign_id, billing_id)",
                "lead_analytics per billing_id"
            ]
        );
    }
}
