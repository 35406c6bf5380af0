//! `audit --tenant` and `--periods` against the breakage catalog: a scoped audit reports
//! exactly the violations that lie in its scope (a row of a period in scope; a company,
//! campaign or mailbox with such a row; a pair of overlapping periods one of which is in
//! scope), as many as the full audit reports of them, and nothing outside, for every
//! breakage; its screens agree with the rules' own queries on the same scope.

mod common;

use std::collections::BTreeSet;

use common::broken::{good_world, load};
use common::*;
use sim::ids::Table;
use sim::rules::{breakage, RuleId};
use warehouse::audit::{self, AuditReport, Scope};

/// A (tenant, `YYYY-MM`) a violation's key has a row in.
type Place = (String, String);

/// `period_start`'s month, in UTC, as text.
const MONTH: &str = "to_char(b.period_start AT TIME ZONE 'UTC', 'YYYY-MM')";

/// Every value of `sql`'s text column `v`, one per row (with repeats), read as one text.
fn values(db: &ScratchDb, sql: &str) -> Vec<String> {
    let joined = query_text(
        db.url(),
        &format!("SELECT coalesce(string_agg(v, E'\\n' ORDER BY v), '') AS v FROM ({sql}) q"),
    );
    joined
        .lines()
        .map(str::to_owned)
        .filter(|l| !l.is_empty())
        .collect()
}

/// The places of one key of the full audit.
fn places(db: &ScratchDb, key: &str) -> BTreeSet<Place> {
    let quoted = key.replace('\'', "''");
    let of_rows = |tables: &[Table], column: &str, value: &str| {
        tables
            .iter()
            .map(|t| {
                format!(
                    "SELECT b.tenant_id || ' ' || {MONTH} AS v FROM {} x \
                     JOIN billing_analytics b ON b.id = x.billing_id WHERE x.{column} = '{value}'",
                    t.name()
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ")
    };
    let sql = if let Some((table, id)) = key.split_once('#') {
        if table == "billing_analytics" {
            format!("SELECT b.tenant_id || ' ' || {MONTH} AS v FROM billing_analytics b WHERE b.id = {id}")
        } else {
            let t = Table::ALL.iter().find(|t| t.name() == table).unwrap();
            of_rows(&[*t], "id", id)
        }
    } else if let Some((_, billing)) = key.split_once(" billing ") {
        format!("SELECT b.tenant_id || ' ' || {MONTH} AS v FROM billing_analytics b WHERE b.id = {billing}")
    } else if let Some(company) = key.strip_prefix("company ") {
        let tables = [
            Table::Campaign,
            Table::SequenceStep,
            Table::Mailbox,
            Table::Warmup,
        ];
        of_rows(&tables, "company_id", &company.replace('\'', "''"))
    } else if let Some(campaign) = key.strip_prefix("campaign ") {
        of_rows(
            &[Table::Campaign, Table::SequenceStep],
            "campaign_id",
            campaign,
        )
    } else if let Some(mailbox) = key.strip_prefix("mailbox ") {
        of_rows(&[Table::Mailbox, Table::Warmup], "mailbox_id", mailbox)
    } else {
        panic!("a key of no known kind: {quoted}")
    };
    values(db, &format!("SELECT DISTINCT v FROM ({sql}) p"))
        .into_iter()
        .map(|p| {
            let (tenant, month) = p.split_once(' ').unwrap();
            (tenant.to_owned(), month.to_owned())
        })
        .collect()
}

/// A scope, and whether a place lies in it.
struct Case {
    scope: Scope,
    tenant: Option<String>,
    from: Option<String>,
    until: Option<String>,
}

impl Case {
    fn new(tenant: Option<&str>, from: Option<&str>, until: Option<&str>) -> Self {
        let periods = format!("{}..{}", from.unwrap_or(""), until.unwrap_or(""));
        Self {
            scope: Scope {
                tenant: tenant.map(str::to_owned),
                periods: periods.parse().unwrap(),
            },
            tenant: tenant.map(str::to_owned),
            from: from.map(str::to_owned),
            until: until.map(str::to_owned),
        }
    }

    fn holds(&self, (tenant, month): &Place) -> bool {
        self.tenant.as_ref().is_none_or(|t| t == tenant)
            && self.from.as_ref().is_none_or(|f| f <= month)
            && self.until.as_ref().is_none_or(|u| u >= month)
    }
}

/// The scoped audit, checked against the rules' own queries on the same scope.
fn scoped(db: &ScratchDb, scope: &Scope, what: &str) -> AuditReport {
    let mut conn = connect(db.url());
    let (fast, _) = audit::evaluate_scope(&mut conn, None, scope).unwrap();
    let exact = audit::evaluate_exact_scope(&mut conn, scope).unwrap();
    assert_eq!(fast, exact, "{what}, scope {scope}");
    fast
}

/// The world's tenants and months.
fn tenants_and_months(db: &ScratchDb) -> (Vec<String>, Vec<String>) {
    (
        values(db, "SELECT DISTINCT tenant_id AS v FROM billing_analytics"),
        values(
            db,
            &format!("SELECT DISTINCT {MONTH} AS v FROM billing_analytics b"),
        ),
    )
}

#[test]
fn every_scope_of_a_clean_world_is_clean() {
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("scope_clean");
    load(&db, &good_world(), dir.path());
    let (tenants, months) = tenants_and_months(&db);
    assert!(months.len() >= 3, "{months:?}");
    // One month at a time: E1 still counts a campaign's step positions of every month,
    // B2 still sees the neighbouring periods.
    for month in &months {
        let case = Case::new(None, Some(month), Some(month));
        let report = scoped(&db, &case.scope, "clean");
        assert!(
            report.is_clean(),
            "{}: {:?}",
            case.scope,
            report.violated().collect::<Vec<_>>()
        );
    }
    for tenant in &tenants {
        let case = Case::new(Some(tenant), None, None);
        assert!(
            scoped(&db, &case.scope, "clean").is_clean(),
            "{}",
            case.scope
        );
    }
    // A scope that holds no period is refused: it would pass whatever it meant.
    let nobody = Case::new(Some("nobody"), None, None).scope;
    let err = audit::evaluate_scope(&mut connect(db.url()), None, &nobody).unwrap_err();
    assert!(err.to_string().contains("holds no billing period"), "{err}");
}

#[test]
fn a_scoped_audit_finds_each_breakage_inside_it_and_none_outside() {
    let good = good_world();
    let dir = tempfile::tempdir().unwrap();
    let db = ScratchDb::migrated("scope_broken");
    load(&db, &good, dir.path());
    let (tenants, months) = tenants_and_months(&db);
    for rule in RuleId::ALL {
        let mut rows = good.clone();
        let sql_only = breakage::sql_only(rule);
        assert!(
            breakage::break_rows(&mut rows, rule) != sql_only.is_some(),
            "{rule:?}"
        );
        load(&db, &rows, dir.path());
        if let Some(sql) = sql_only {
            exec(&db, sql);
        }
        // The full audit's keys, every one, and where each lies.
        let keys = values(&db, &format!("SELECT key AS v FROM ({}) k", rule.sql()));
        assert!(!keys.is_empty(), "{rule:?}");
        let located: Vec<BTreeSet<Place>> = if rule == RuleId::B2 {
            // A violation of B2 is a pair of periods, in scope when either is.
            let pairs = values(
                &db,
                "SELECT 'billing_analytics#' || a.id || ' billing_analytics#' || b.id AS v \
                 FROM billing_analytics a JOIN billing_analytics b ON a.tenant_id = b.tenant_id \
                 AND a.id < b.id AND a.period_start < b.period_end AND b.period_start < a.period_end",
            );
            assert_eq!(pairs.len(), keys.len(), "{pairs:?}");
            pairs
                .iter()
                .map(|pair| pair.split(' ').flat_map(|k| places(&db, k)).collect())
                .collect()
        } else {
            keys.iter().map(|k| places(&db, k)).collect()
        };
        let all: BTreeSet<&Place> = located.iter().flatten().collect();

        let mut cases = Vec::new();
        if let Some((tenant, month)) = all.iter().next() {
            cases.push(Case::new(Some(tenant), None, None));
            cases.push(Case::new(None, Some(month), Some(month)));
            cases.push(Case::new(Some(tenant), Some(month), None));
            let first = all.iter().map(|(_, m)| m).min().unwrap();
            let last = all.iter().map(|(_, m)| m).max().unwrap();
            if let Some(before) = months.iter().filter(|m| *m < first).max() {
                cases.push(Case::new(None, None, Some(before)));
            }
            if let Some(after) = months.iter().filter(|m| *m > last).min() {
                cases.push(Case::new(None, Some(after), None));
            }
            if let Some(other) = tenants.iter().find(|t| all.iter().all(|(at, _)| at != *t)) {
                cases.push(Case::new(Some(other), None, None));
            }
        } else {
            // A row without a period (A7: no billing_id; C1: a billing_id that names no
            // period) lies in no scope; every other breakage must be placed.
            assert!(
                [RuleId::A7, RuleId::C1].contains(&rule),
                "breaking {rule:?}: its violations lie in no period"
            );
            cases.push(Case::new(Some(&tenants[0]), None, None));
            cases.push(Case::new(None, Some(&months[0]), None));
        }
        let mut inside = 0;
        for case in &cases {
            let expected = located
                .iter()
                .filter(|places| places.iter().any(|p| case.holds(p)))
                .count() as i64;
            let report = scoped(&db, &case.scope, &format!("breaking {rule:?}"));
            let violated: Vec<_> = report.violated().collect();
            if expected == 0 {
                assert!(
                    violated.is_empty(),
                    "breaking {rule:?}, scope {}: {violated:?}",
                    case.scope
                );
            } else {
                inside += 1;
                assert_eq!(
                    violated.len(),
                    1,
                    "breaking {rule:?}, scope {}: {violated:?}",
                    case.scope
                );
                assert_eq!(violated[0].rule, rule, "scope {}", case.scope);
                assert_eq!(
                    violated[0].violations, expected,
                    "breaking {rule:?}, scope {}",
                    case.scope
                );
            }
        }
        assert_eq!(inside > 0, !all.is_empty(), "breaking {rule:?}: {all:?}");
        assert!(
            cases.len() > inside || all.is_empty(),
            "breaking {rule:?}: no scope outside it"
        );
    }
}
