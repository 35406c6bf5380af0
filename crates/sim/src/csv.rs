//! CSV in PostgreSQL's `COPY … CSV HEADER` dialect: the export format, the fixtures'
//! format, and the canonical byte form that the golden hash is taken over.

use std::io::{self, Write};

use chrono::{DateTime, Utc};
use schema::models::{
    NewBillingAnalytics, NewCampaignAnalytics, NewLeadAnalytics, NewMailboxAnalytics,
    NewSequenceStepAnalytics, NewWarmupAnalytics,
};

use crate::ids::Table;
use crate::rows::{Row, Rows};

/// A value as a CSV field.
trait Field {
    fn write_field(&self, w: &mut dyn Write) -> io::Result<()>;
}

impl Field for i64 {
    fn write_field(&self, w: &mut dyn Write) -> io::Result<()> {
        write!(w, "{self}")
    }
}

impl Field for i32 {
    fn write_field(&self, w: &mut dyn Write) -> io::Result<()> {
        write!(w, "{self}")
    }
}

impl Field for str {
    fn write_field(&self, w: &mut dyn Write) -> io::Result<()> {
        // Always quoted: an unquoted empty field would read back as NULL.
        write!(w, "\"{}\"", self.replace('"', "\"\""))
    }
}

impl Field for String {
    fn write_field(&self, w: &mut dyn Write) -> io::Result<()> {
        self.as_str().write_field(w)
    }
}

impl<T: Field> Field for Option<T> {
    fn write_field(&self, w: &mut dyn Write) -> io::Result<()> {
        match self {
            Some(v) => v.write_field(w),
            None => Ok(()),
        }
    }
}

impl Field for DateTime<Utc> {
    fn write_field(&self, w: &mut dyn Write) -> io::Result<()> {
        write!(w, "{}", self.format("%Y-%m-%d %H:%M:%S+00"))
    }
}

macro_rules! status_field {
    ($($t:ty),+) => {$(
        impl Field for $t {
            fn write_field(&self, w: &mut dyn Write) -> io::Result<()> {
                self.as_str().write_field(w)
            }
        }
    )+};
}
status_field!(
    schema::models::CampaignStatus,
    schema::models::LeadStatus,
    schema::models::WarmupStatus,
    schema::models::MailboxCampaignStatus
);

/// A row type with its table's column list.
pub trait CsvRow {
    /// The table.
    const TABLE: Table;
    /// Column names, `id` first, in table order.
    const COLUMNS: &'static [&'static str];
    /// Writes the row's fields, `id` first, without the line end.
    fn write_fields(&self, id: i64, w: &mut dyn Write) -> io::Result<()>;
}

macro_rules! csv_row {
    ($t:ty, $table:expr, [$($col:ident),+]) => {
        impl CsvRow for $t {
            const TABLE: Table = $table;
            const COLUMNS: &'static [&'static str] = &["id", $(stringify!($col)),+];
            fn write_fields(&self, id: i64, w: &mut dyn Write) -> io::Result<()> {
                id.write_field(w)?;
                $( w.write_all(b",")?; self.$col.write_field(w)?; )+
                Ok(())
            }
        }
    };
}

csv_row!(NewBillingAnalytics, Table::Billing, [tenant_id, subscription_id, emails_sent, mailboxes_used,
    domains_used, campaigns_used, leads_used, warmups_active, period_start, period_end, updated]);
csv_row!(NewCampaignAnalytics, Table::Campaign, [campaign_id, company_id, sent, delivered, opened_tracked,
    clicked_tracked, replied, bounced, unsubscribed, spam_complaints, status, completed_leads, billing_id, updated]);
csv_row!(NewMailboxAnalytics, Table::Mailbox, [mailbox_id, company_id, sent, delivered, opened_tracked,
    clicked_tracked, replied, bounced, unsubscribed, spam_complaints, warmup_status, health_score,
    current_volume, billing_id, campaign_status, updated]);
csv_row!(NewLeadAnalytics, Table::Lead, [lead_id, campaign_id, sent, delivered, opened_tracked,
    clicked_tracked, replied, bounced, unsubscribed, spam_complaints, status, billing_id, updated]);
csv_row!(NewWarmupAnalytics, Table::Warmup, [mailbox_id, company_id, sent, delivered, opened_tracked,
    clicked_tracked, replied, bounced, unsubscribed, spam_complaints, health_score, progress_percentage,
    billing_id, updated]);
csv_row!(NewSequenceStepAnalytics, Table::SequenceStep, [step_id, campaign_id, company_id, sent, delivered,
    opened_tracked, clicked_tracked, replied, bounced, unsubscribed, spam_complaints, billing_id, updated]);

/// Writes the header line of `T`'s table.
pub fn write_header<T: CsvRow>(w: &mut dyn Write) -> io::Result<()> {
    writeln!(w, "{}", T::COLUMNS.join(","))
}

/// Writes rows as CSV lines, without a header.
pub fn write_rows<T: CsvRow>(rows: &[Row<T>], w: &mut dyn Write) -> io::Result<()> {
    for row in rows {
        row.new.write_fields(row.id, w)?;
        w.write_all(b"\n")?;
    }
    Ok(())
}

/// Writes one table of `rows` as CSV, with or without its header line.
pub fn write_table(rows: &Rows, table: Table, header: bool, w: &mut dyn Write) -> io::Result<()> {
    fn one<T: CsvRow>(rows: &[Row<T>], header: bool, w: &mut dyn Write) -> io::Result<()> {
        if header {
            write_header::<T>(w)?;
        }
        write_rows(rows, w)
    }
    match table {
        Table::Billing => one(&rows.billing, header, w),
        Table::Campaign => one(&rows.campaigns, header, w),
        Table::SequenceStep => one(&rows.steps, header, w),
        Table::Lead => one(&rows.leads, header, w),
        Table::Mailbox => one(&rows.mailboxes, header, w),
        Table::Warmup => one(&rows.warmups, header, w),
    }
}

/// SHA-256 of the rows' CSV, table by table in foreign-key order: the fingerprint that
/// the golden test and the fixtures' manifest pin.
pub fn content_hash(rows: &Rows) -> String {
    use sha2::{Digest, Sha256};
    let mut hasher = Sha256::new();
    for table in Table::ALL {
        write_table(rows, table, true, &mut hasher).expect("hashing cannot fail");
    }
    format!("{:x}", hasher.finalize())
}
