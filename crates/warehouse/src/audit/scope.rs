//! `audit --tenant T --periods FROM..UNTIL`: the part of a warehouse an audit judges.
//!
//! A scope is a set of billing periods (one tenant's, some months', or both) and the
//! child rows of those periods. It is looked up once, as the periods' ids, and every
//! statement of the audit then reads the six tables through [`sim::rules::within`], so
//! that the child tables are read through their `billing_id` indexes: a scoped audit
//! costs what the scope holds. The rules that compare a period with the tenant's others
//! or a company with its tenants ([`sim::rules::RuleId::crosses_scope`]) read the rest
//! of the warehouse where they need it, so a violation in the scope is always found.

use std::fmt;
use std::str::FromStr;

use crate::error::{fail, Result};
use chrono::{Datelike, Months as Add, NaiveDate};
use diesel::prelude::*;
use diesel::sql_types::{Array, BigInt, Nullable, Text};

/// Which periods of a warehouse an audit judges: all of them by default.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Scope {
    /// Only this tenant's periods.
    pub tenant: Option<String>,
    /// Only the periods that start in these months.
    pub periods: Months,
}

/// Calendar months, `FROM..UNTIL`, both ends included and either open: `2026-09..2026-11`
/// (September to November), `2026-11..` (November on), `..2026-03`, or one month,
/// `2026-11`. A period belongs to the month its `period_start` falls in (UTC).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Months {
    /// The first day of the first month, if any.
    pub from: Option<NaiveDate>,
    /// The first day of the last month, if any.
    pub until: Option<NaiveDate>,
}

impl Months {
    /// From the month of `day` on: the open month of a warehouse as of `day`, and any
    /// later one.
    pub fn since(day: NaiveDate) -> Self {
        Self {
            from: Some(first_of_month(day)),
            until: None,
        }
    }

    /// Every month.
    pub fn is_all(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }
}

/// The first day of `day`'s month.
fn first_of_month(day: NaiveDate) -> NaiveDate {
    day.with_day(1).expect("every month has a first day")
}

impl FromStr for Months {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        let month = |m: &str| -> Result<Option<NaiveDate>, String> {
            if m.is_empty() {
                return Ok(None);
            }
            NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d")
                .map(Some)
                .map_err(|_| format!("`{m}` is not a month: write it YYYY-MM, e.g. 2026-11"))
        };
        let (from, until) = match s.split_once("..") {
            Some((from, until)) => (month(from)?, month(until)?),
            None if !s.is_empty() => (month(s)?, month(s)?),
            None => return Err("no month: write FROM..UNTIL, e.g. 2026-09..2026-11".into()),
        };
        if let (Some(f), Some(u)) = (from, until) {
            if f > u {
                return Err(format!("`{s}` ends before it starts"));
            }
        }
        Ok(Self { from, until })
    }
}

impl fmt::Display for Months {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let month = |d: Option<NaiveDate>| d.map(|d| d.format("%Y-%m").to_string());
        write!(
            f,
            "{}..{}",
            month(self.from).unwrap_or_default(),
            month(self.until).unwrap_or_default()
        )
    }
}

/// The ids the scope's lookup returns.
#[derive(QueryableByName)]
struct Ids {
    #[diesel(sql_type = Array<BigInt>)]
    ids: Vec<i64>,
}

impl Scope {
    /// The whole warehouse.
    pub fn is_whole(&self) -> bool {
        self.tenant.is_none() && self.periods.is_all()
    }

    /// The ids of the billing periods in scope, in order: through the index of
    /// (tenant_id, period_start) for a tenant. Fails when there is none, since an audit
    /// of nothing would pass whatever the scope was meant to name.
    pub fn billing_ids(&self, conn: &mut PgConnection) -> Result<Vec<i64>> {
        // Months are UTC calendar months: the bounds are UTC midnights, whatever the
        // session's time zone.
        let bound = |d: NaiveDate| format!("timestamptz '{d} 00:00:00+00'");
        let mut conditions = vec!["($1::text IS NULL OR tenant_id = $1)".to_owned()];
        if let Some(from) = self.periods.from {
            conditions.push(format!("period_start >= {}", bound(from)));
        }
        if let Some(until) = self.periods.until {
            let next = until + Add::new(1);
            conditions.push(format!("period_start < {}", bound(next)));
        }
        let ids = diesel::sql_query(format!(
            "SELECT coalesce(array_agg(id ORDER BY id), '{{}}') AS ids FROM billing_analytics WHERE {}",
            conditions.join(" AND ")
        ))
        .bind::<Nullable<Text>, _>(self.tenant.as_deref())
        .get_result::<Ids>(conn)?
        .ids;
        if ids.is_empty() {
            fail!(
                Invalid,
                "the scope ({self}) holds no billing period: nothing to audit"
            );
        }
        Ok(ids)
    }
}

impl fmt::Display for Scope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.tenant, self.periods.is_all()) {
            (None, true) => write!(f, "the whole warehouse"),
            (Some(t), true) => write!(f, "tenant {t}"),
            (None, false) => write!(f, "periods {}", self.periods),
            (Some(t), false) => write!(f, "tenant {t}, periods {}", self.periods),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(s: &str) -> Option<NaiveDate> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn months_parse_with_either_end_open() {
        let m = |s: &str| s.parse::<Months>();
        assert_eq!(
            m("2026-09..2026-11"),
            Ok(Months {
                from: day("2026-09-01"),
                until: day("2026-11-01")
            })
        );
        assert_eq!(
            m("2026-11.."),
            Ok(Months::since("2026-11-18".parse().unwrap()))
        );
        assert_eq!(
            m("..2026-03").unwrap(),
            Months {
                from: None,
                until: day("2026-03-01")
            }
        );
        assert_eq!(m("2026-02").unwrap().to_string(), "2026-02..2026-02");
        assert!(m("..").unwrap().is_all());
        assert!(m("2026-11..2026-09").unwrap_err().contains("ends before"));
        assert!(m("2026-13").unwrap_err().contains("YYYY-MM"));
        assert!(m("2026-11-01..").unwrap_err().contains("YYYY-MM"));
        assert!(m("").is_err());
    }

    #[test]
    fn a_scope_names_itself() {
        let scope = Scope {
            tenant: Some("t00007".into()),
            periods: "2026-11..".parse().unwrap(),
        };
        assert_eq!(scope.to_string(), "tenant t00007, periods 2026-11..");
        assert_eq!(Scope::default().to_string(), "the whole warehouse");
        assert!(Scope::default().is_whole() && !scope.is_whole());
    }
}
