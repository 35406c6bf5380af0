//! The values of each row, in the column order of [`Table::columns`], as one visitor
//! interface: the CSV writer and the binary COPY encoder both read rows through it. Each
//! visitor's field list is checked against [`Table::columns`] when the crate compiles.

use std::io;

use chrono::{DateTime, Utc};
use schema::models::{
    CampaignStatus, Counters, LeadStatus, MailboxCampaignStatus, NewBillingAnalytics,
    NewCampaignAnalytics, NewLeadAnalytics, NewMailboxAnalytics, NewSequenceStepAnalytics,
    NewWarmupAnalytics, WarmupStatus,
};

use crate::ids::Table;

/// Receives rows, value by value.
pub trait ColumnSink {
    /// A row of `columns` values starts.
    fn begin_row(&mut self, columns: u16) -> io::Result<()>;
    /// The row is complete.
    fn end_row(&mut self) -> io::Result<()>;
    /// A `BIGINT`.
    fn int8(&mut self, v: i64) -> io::Result<()>;
    /// An `INTEGER`.
    fn int4(&mut self, v: i32) -> io::Result<()>;
    /// A `TEXT`, possibly `NULL`.
    fn text(&mut self, v: Option<&str>) -> io::Result<()>;
    /// A `TIMESTAMPTZ`.
    fn timestamptz(&mut self, v: DateTime<Utc>) -> io::Result<()>;
}

/// A value of one column.
trait Value {
    fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()>;
}

impl Value for i64 {
    fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()> {
        sink.int8(*self)
    }
}

impl Value for i32 {
    fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()> {
        sink.int4(*self)
    }
}

impl Value for String {
    fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()> {
        sink.text(Some(self))
    }
}

impl Value for Option<String> {
    fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()> {
        sink.text(self.as_deref())
    }
}

impl Value for DateTime<Utc> {
    fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()> {
        sink.timestamptz(*self)
    }
}

macro_rules! status_value {
    ($($t:ty),+) => {$(
        impl Value for $t {
            fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()> {
                sink.text(Some(self.as_str()))
            }
        }
    )+};
}
impl Value for Counters {
    fn put(&self, sink: &mut dyn ColumnSink) -> io::Result<()> {
        self.to_array().iter().try_for_each(|v| sink.int4(*v))
    }
}

status_value!(
    CampaignStatus,
    LeadStatus,
    WarmupStatus,
    MailboxCampaignStatus
);

/// A row type, with its table's columns.
pub trait Columns {
    /// The table.
    const TABLE: Table;
    /// Feeds `id` and then every other value, in column order, to `sink`.
    fn visit(&self, id: i64, sink: &mut dyn ColumnSink) -> io::Result<()>;
}

/// Whether `fields`, with `counters` standing for the eight [`Counters::NAMES`], are
/// `columns` in order; a `const fn`, so that `columns!` checks each visitor when the
/// crate compiles.
const fn fields_are_columns(fields: &[&str], columns: &[&str]) -> bool {
    let mut at = 0;
    let mut i = 0;
    while i < fields.len() {
        if same(fields[i], "counters") {
            let mut j = 0;
            while j < Counters::NAMES.len() {
                if at >= columns.len() || !same(Counters::NAMES[j], columns[at]) {
                    return false;
                }
                at += 1;
                j += 1;
            }
        } else {
            if at >= columns.len() || !same(fields[i], columns[at]) {
                return false;
            }
            at += 1;
        }
        i += 1;
    }
    at == columns.len()
}

/// `a == b`, in a `const fn`.
const fn same(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    if a.len() != b.len() {
        return false;
    }
    let mut i = 0;
    while i < a.len() {
        if a[i] != b[i] {
            return false;
        }
        i += 1;
    }
    true
}

macro_rules! columns {
    ($t:ty, $table:expr, [$($col:ident),+]) => {
        const _: () = assert!(
            fields_are_columns(&["id", $(stringify!($col)),+], $table.columns()),
            concat!("the fields of ", stringify!($t), " are not its table's columns in order"),
        );
        impl Columns for $t {
            const TABLE: Table = $table;
            fn visit(&self, id: i64, sink: &mut dyn ColumnSink) -> io::Result<()> {
                sink.int8(id)?;
                $( self.$col.put(sink)?; )+
                Ok(())
            }
        }
    };
}

columns!(
    NewBillingAnalytics,
    Table::Billing,
    [
        tenant_id,
        subscription_id,
        emails_sent,
        mailboxes_used,
        domains_used,
        campaigns_used,
        leads_used,
        warmups_active,
        period_start,
        period_end,
        updated
    ]
);
columns!(
    NewCampaignAnalytics,
    Table::Campaign,
    [
        campaign_id,
        company_id,
        counters,
        status,
        completed_leads,
        billing_id,
        updated
    ]
);
columns!(
    NewMailboxAnalytics,
    Table::Mailbox,
    [
        mailbox_id,
        company_id,
        counters,
        warmup_status,
        health_score,
        current_volume,
        billing_id,
        campaign_status,
        updated
    ]
);
columns!(
    NewLeadAnalytics,
    Table::Lead,
    [lead_id, campaign_id, counters, status, billing_id, updated]
);
columns!(
    NewWarmupAnalytics,
    Table::Warmup,
    [
        mailbox_id,
        company_id,
        counters,
        health_score,
        progress_percentage,
        billing_id,
        updated
    ]
);
columns!(
    NewSequenceStepAnalytics,
    Table::SequenceStep,
    [
        step_id,
        campaign_id,
        company_id,
        counters,
        billing_id,
        updated
    ]
);

/// Feeds every row of one table of `rows` to `sink`.
pub fn visit_table(rows: &crate::Rows, table: Table, sink: &mut dyn ColumnSink) -> io::Result<()> {
    fn each<T: Columns>(rows: &[crate::Row<T>], sink: &mut dyn ColumnSink) -> io::Result<()> {
        for row in rows {
            sink.begin_row(T::TABLE.columns().len() as u16)?;
            row.new.visit(row.id, sink)?;
            sink.end_row()?;
        }
        Ok(())
    }
    match table {
        Table::Billing => each(&rows.billing, sink),
        Table::Campaign => each(&rows.campaigns, sink),
        Table::SequenceStep => each(&rows.steps, sink),
        Table::Lead => each(&rows.leads, sink),
        Table::Mailbox => each(&rows.mailboxes, sink),
        Table::Warmup => each(&rows.warmups, sink),
    }
}
