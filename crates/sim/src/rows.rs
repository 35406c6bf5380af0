//! Rows: what the simulator emits, as the `schema` crate's insertables with their ids.

use schema::models::{
    Counters, NewBillingAnalytics, NewCampaignAnalytics, NewLeadAnalytics, NewMailboxAnalytics,
    NewSequenceStepAnalytics, NewWarmupAnalytics,
};

use crate::ids::Table;
use schema::PerTable;

/// An insertable together with the row id the simulator fixed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<T> {
    /// The `id` column.
    pub id: i64,
    /// Every other column.
    pub new: T,
}

/// Access to the parts every activity row shares, for aggregation and the rules.
pub trait Activity {
    /// The row's counters.
    fn counters(&self) -> Counters;
    /// The row's `billing_id`.
    fn billing_id(&self) -> i64;
    /// The row's `updated`.
    fn updated(&self) -> chrono::DateTime<chrono::Utc>;
    /// Overwrites the row's counters.
    fn set_counters(&mut self, c: Counters);
}

macro_rules! impl_activity {
    ($($t:ty),+) => {$(
        impl Activity for $t {
            fn counters(&self) -> Counters {
                self.counters
            }
            fn billing_id(&self) -> i64 {
                self.billing_id
            }
            fn updated(&self) -> chrono::DateTime<chrono::Utc> {
                self.updated
            }
            fn set_counters(&mut self, c: Counters) {
                self.counters = c;
            }
        }
    )+};
}

impl_activity!(
    NewCampaignAnalytics,
    NewSequenceStepAnalytics,
    NewLeadAnalytics,
    NewMailboxAnalytics,
    NewWarmupAnalytics
);

/// Rows of all six tables: one tenant's period, a tenant, or a whole world.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Rows {
    /// `billing_analytics`.
    pub billing: Vec<Row<NewBillingAnalytics>>,
    /// `campaign_analytics`.
    pub campaigns: Vec<Row<NewCampaignAnalytics>>,
    /// `sequence_step_analytics`.
    pub steps: Vec<Row<NewSequenceStepAnalytics>>,
    /// `lead_analytics`.
    pub leads: Vec<Row<NewLeadAnalytics>>,
    /// `mailbox_analytics`.
    pub mailboxes: Vec<Row<NewMailboxAnalytics>>,
    /// `warmup_analytics`.
    pub warmups: Vec<Row<NewWarmupAnalytics>>,
}

impl Rows {
    /// Rows per table, in [`Table::ALL`] order.
    #[deprecated(
        since = "0.2.1",
        note = "positional: use `per_table()`, indexed by `Table`"
    )]
    pub fn counts(&self) -> [usize; 6] {
        Table::ALL.map(|t| self.count(t))
    }

    /// Rows per table.
    pub fn per_table(&self) -> PerTable<usize> {
        PerTable::from_fn(|t| self.count(t))
    }

    /// Rows of one table.
    pub fn count(&self, table: Table) -> usize {
        match table {
            Table::Billing => self.billing.len(),
            Table::Campaign => self.campaigns.len(),
            Table::SequenceStep => self.steps.len(),
            Table::Lead => self.leads.len(),
            Table::Mailbox => self.mailboxes.len(),
            Table::Warmup => self.warmups.len(),
        }
    }

    /// Rows of all tables.
    pub fn len(&self) -> usize {
        self.per_table().total()
    }

    /// Whether there are no rows at all.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Appends `other`'s rows, table by table.
    pub fn append(&mut self, mut other: Rows) {
        self.billing.append(&mut other.billing);
        self.campaigns.append(&mut other.campaigns);
        self.steps.append(&mut other.steps);
        self.leads.append(&mut other.leads);
        self.mailboxes.append(&mut other.mailboxes);
        self.warmups.append(&mut other.warmups);
    }

    /// Keeps only the rows last aggregated after `batch`. A warehouse whose last nightly
    /// batch was `batch` already holds the others exactly as they are: while its month is
    /// open, a lead row changes only when one of its emails goes out, and its `updated`
    /// says when (the batch after its last email); every other row of an open month is
    /// aggregated by every batch, and every row of a month by the batch that closes it.
    pub fn retain_aggregated_after(&mut self, batch: chrono::DateTime<chrono::Utc>) {
        self.billing.retain(|r| r.new.updated > batch);
        self.campaigns.retain(|r| r.new.updated() > batch);
        self.steps.retain(|r| r.new.updated() > batch);
        self.leads.retain(|r| r.new.updated() > batch);
        self.mailboxes.retain(|r| r.new.updated() > batch);
        self.warmups.retain(|r| r.new.updated() > batch);
    }

    /// Sorts every table by id, so that worlds assembled in different orders compare equal.
    pub fn sort_by_id(&mut self) {
        self.billing.sort_by_key(|r| r.id);
        self.campaigns.sort_by_key(|r| r.id);
        self.steps.sort_by_key(|r| r.id);
        self.leads.sort_by_key(|r| r.id);
        self.mailboxes.sort_by_key(|r| r.id);
        self.warmups.sort_by_key(|r| r.id);
    }
}
