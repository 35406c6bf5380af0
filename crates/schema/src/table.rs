//! The six tables as one vocabulary: name, foreign-key order and columns in `COPY` order.
//! The simulator, the loaders, the exports and the audit all take their table lists from
//! here, so that adding or reordering a table is one edit.

use crate::models::Counters;

/// One of the six warehouse tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    /// `billing_analytics`.
    Billing,
    /// `campaign_analytics`.
    Campaign,
    /// `sequence_step_analytics`.
    SequenceStep,
    /// `lead_analytics`.
    Lead,
    /// `mailbox_analytics`.
    Mailbox,
    /// `warmup_analytics`.
    Warmup,
}

impl Table {
    /// Every table in foreign-key order, parents before children: the order in which
    /// loaders must copy them.
    pub const ALL: [Table; Table::COUNT] = [
        Table::Billing,
        Table::Campaign,
        Table::SequenceStep,
        Table::Lead,
        Table::Mailbox,
        Table::Warmup,
    ];

    /// How many tables there are.
    pub const COUNT: usize = 6;

    /// The table's place in [`Table::ALL`] (foreign-key order).
    pub const fn position(self) -> usize {
        self as usize
    }

    /// The five activity tables: the children of `billing_analytics`, each with the eight
    /// funnel counters.
    pub const ACTIVITY: [Table; 5] = [
        Table::Campaign,
        Table::SequenceStep,
        Table::Lead,
        Table::Mailbox,
        Table::Warmup,
    ];

    /// The SQL table name.
    pub const fn name(self) -> &'static str {
        match self {
            Table::Billing => "billing_analytics",
            Table::Campaign => "campaign_analytics",
            Table::SequenceStep => "sequence_step_analytics",
            Table::Lead => "lead_analytics",
            Table::Mailbox => "mailbox_analytics",
            Table::Warmup => "warmup_analytics",
        }
    }

    /// The table's columns, `id` first, in the order of its `table!` definition, which is
    /// the order a `COPY` of the whole table reads and writes them (binary `COPY` maps
    /// values by position).
    pub const fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Billing => &BILLING,
            Table::Campaign => &CAMPAIGN,
            Table::SequenceStep => &SEQUENCE_STEP,
            Table::Lead => &LEAD,
            Table::Mailbox => &MAILBOX,
            Table::Warmup => &WARMUP,
        }
    }

    /// `COPY <table> FROM STDIN` with `data`: CSV with its header line (as the fixtures
    /// and exports are written), or PostgreSQL's binary format (as the seeder streams).
    /// Returns the rows copied.
    pub fn copy_in(
        self,
        conn: &mut diesel::PgConnection,
        format: diesel::pg::CopyFormat,
        data: &[u8],
    ) -> diesel::QueryResult<usize> {
        use diesel::pg::{CopyFormat, CopyHeader};
        use diesel::prelude::*;
        use std::io::Write;
        macro_rules! copy {
            ($t:ident) => {{
                let query = diesel::copy_from(crate::schema::$t::table)
                    .from_raw_data(crate::schema::$t::table, |out: &mut dyn Write| {
                        out.write_all(data)
                            .map_err(|e| diesel::result::Error::SerializationError(Box::new(e)))
                    })
                    .with_format(format);
                if matches!(format, CopyFormat::Csv) {
                    query.with_header(CopyHeader::Set(true)).execute(conn)
                } else {
                    query.execute(conn)
                }
            }};
        }
        match self {
            Self::Billing => copy!(billing_analytics),
            Self::Campaign => copy!(campaign_analytics),
            Self::SequenceStep => copy!(sequence_step_analytics),
            Self::Lead => copy!(lead_analytics),
            Self::Mailbox => copy!(mailbox_analytics),
            Self::Warmup => copy!(warmup_analytics),
        }
    }
}

const BILLING: [&str; 12] = [
    "id",
    "tenant_id",
    "subscription_id",
    "emails_sent",
    "mailboxes_used",
    "domains_used",
    "campaigns_used",
    "leads_used",
    "warmups_active",
    "period_start",
    "period_end",
    "updated",
];
const CAMPAIGN: [&str; 15] = with_counters(
    &["id", "campaign_id", "company_id"],
    &["status", "completed_leads", "billing_id", "updated"],
);
const SEQUENCE_STEP: [&str; 14] = with_counters(
    &["id", "step_id", "campaign_id", "company_id"],
    &["billing_id", "updated"],
);
const LEAD: [&str; 14] = with_counters(
    &["id", "lead_id", "campaign_id"],
    &["status", "billing_id", "updated"],
);
const MAILBOX: [&str; 17] = with_counters(
    &["id", "mailbox_id", "company_id"],
    &[
        "warmup_status",
        "health_score",
        "current_volume",
        "billing_id",
        "campaign_status",
        "updated",
    ],
);
const WARMUP: [&str; 15] = with_counters(
    &["id", "mailbox_id", "company_id"],
    &[
        "health_score",
        "progress_percentage",
        "billing_id",
        "updated",
    ],
);

/// An activity table's columns: `before`, the eight [`Counters::NAMES`], then `after`.
const fn with_counters<const N: usize>(
    before: &[&'static str],
    after: &[&'static str],
) -> [&'static str; N] {
    assert!(before.len() + Counters::NAMES.len() + after.len() == N);
    let mut out = [""; N];
    let mut i = 0;
    while i < N {
        out[i] = if i < before.len() {
            before[i]
        } else if i < before.len() + Counters::NAMES.len() {
            Counters::NAMES[i - before.len()]
        } else {
            after[i - before.len() - Counters::NAMES.len()]
        };
        i += 1;
    }
    out
}

#[cfg(test)]
mod tests {
    use diesel::pg::Pg;
    use diesel::prelude::*;

    use super::Table;
    use crate::schema;

    /// The columns of Diesel's `table!` definition, in order, as a `SELECT` of all of them
    /// names them (the order `diesel::copy_from` sends with the data).
    fn diesel_columns(table: Table) -> Vec<String> {
        macro_rules! select_all {
            ($t:ident) => {
                diesel::debug_query::<Pg, _>(&schema::$t::table.select(schema::$t::all_columns))
                    .to_string()
            };
        }
        let sql = match table {
            Table::Billing => select_all!(billing_analytics),
            Table::Campaign => select_all!(campaign_analytics),
            Table::SequenceStep => select_all!(sequence_step_analytics),
            Table::Lead => select_all!(lead_analytics),
            Table::Mailbox => select_all!(mailbox_analytics),
            Table::Warmup => select_all!(warmup_analytics),
        };
        let prefix = format!("\"{}\".\"", table.name());
        let list = sql
            .strip_prefix("SELECT ")
            .and_then(|s| s.split_once(" FROM "))
            .map(|(list, _)| list)
            .unwrap_or_else(|| panic!("unexpected SQL: {sql}"));
        list.split(", ")
            .map(|c| {
                c.strip_prefix(&prefix)
                    .and_then(|c| c.strip_suffix('"'))
                    .unwrap_or_else(|| panic!("unexpected column {c} in {sql}"))
                    .to_owned()
            })
            .collect()
    }

    #[test]
    fn copy_columns_are_the_table_macro_columns_in_order() {
        for table in Table::ALL {
            assert_eq!(table.columns(), diesel_columns(table), "{}", table.name());
        }
    }

    #[test]
    fn activity_tables_are_the_children_in_load_order() {
        assert_eq!(Table::ALL[0], Table::Billing);
        for (i, table) in Table::ALL.into_iter().enumerate() {
            assert_eq!(
                table.position(),
                i,
                "{table:?}: ALL is in declaration order"
            );
        }
        assert_eq!(Table::ACTIVITY, Table::ALL[1..]);
    }
}
