//! A scope of the warehouse: some periods and their rows, audited by the same statements
//! as the whole warehouse.
//!
//! The rules' queries and the probes read the six tables by their unqualified names, so
//! [`within`] puts a common table expression of the same name in front of each: the
//! name then holds only the scope's rows, and the statement is unchanged. The periods
//! are given as their ids, so that each child table is read through its `billing_id`
//! index: a scope costs what it holds. Nothing is created (no temporary table, no view),
//! so a scoped audit stays read-only.

use schema::Table;

use super::catalog::WHOLE;

/// `sql` (a rule's query or a probe, written for [`super::Reach::Scope`]) with its six
/// tables kept to the billing periods `billing_ids` and the child rows of those periods;
/// `whole_<table>` names the whole of each table, for the rules that look beyond the
/// scope. Returns the same columns as `sql`.
///
/// The whole tables are listed first: a common table expression sees only those before
/// it, so each scoped one reads the real table under its own name, and the children
/// read the scoped `billing_analytics` before them only through the ids.
pub fn within(billing_ids: &[i64], sql: &str) -> String {
    let ids: Vec<String> = billing_ids.iter().map(i64::to_string).collect();
    let ids = format!("'{{{}}}'::int8[]", ids.join(","));
    let mut ctes: Vec<String> = Table::ALL
        .iter()
        .map(|t| {
            format!(
                "{WHOLE}{0} AS NOT MATERIALIZED (SELECT * FROM {0})",
                t.name()
            )
        })
        .collect();
    ctes.extend(Table::ALL.iter().map(|t| {
        let key = if *t == Table::Billing {
            "id"
        } else {
            "billing_id"
        };
        // Not materialized: each reference is planned with its own conditions, through
        // the `billing_id` index, rather than copied once in full.
        format!(
            "{0} AS NOT MATERIALIZED (SELECT * FROM {0} WHERE {key} = ANY({ids}))",
            t.name()
        )
    }));
    format!("WITH {} SELECT * FROM ({sql}) scoped", ctes.join(", "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_shadowed_after_its_whole() {
        let sql = within(&[3, 5], "SELECT 1");
        for t in Table::ALL {
            let whole = sql.find(&format!("{WHOLE}{} AS", t.name())).unwrap();
            let scoped = sql.find(&format!(" {} AS", t.name())).unwrap();
            assert!(whole < scoped, "{sql}");
        }
        assert!(sql.contains("= ANY('{3,5}'::int8[])"), "{sql}");
        assert!(within(&[], "SELECT 1").contains("ANY('{}'::int8[])"));
    }
}
