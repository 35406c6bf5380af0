//! Rows: what the simulator emits, as the `schema` crate's insertables with their ids.

use schema::models::{
    NewBillingAnalytics, NewCampaignAnalytics, NewLeadAnalytics, NewMailboxAnalytics,
    NewSequenceStepAnalytics, NewWarmupAnalytics,
};

use crate::ids::Table;

/// An insertable together with the row id the simulator fixed for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row<T> {
    /// The `id` column.
    pub id: i64,
    /// Every other column.
    pub new: T,
}

/// The eight funnel counters shared by the five activity tables.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Counters {
    /// `sent`.
    pub sent: i32,
    /// `delivered`.
    pub delivered: i32,
    /// `opened_tracked`.
    pub opened: i32,
    /// `clicked_tracked`.
    pub clicked: i32,
    /// `replied`.
    pub replied: i32,
    /// `bounced`.
    pub bounced: i32,
    /// `unsubscribed`.
    pub unsubscribed: i32,
    /// `spam_complaints`.
    pub spam: i32,
}

impl Counters {
    /// The counters as an array, in column order.
    pub fn to_array(self) -> [i32; 8] {
        [
            self.sent,
            self.delivered,
            self.opened,
            self.clicked,
            self.replied,
            self.bounced,
            self.unsubscribed,
            self.spam,
        ]
    }
}

impl std::ops::AddAssign for Counters {
    fn add_assign(&mut self, o: Self) {
        self.sent += o.sent;
        self.delivered += o.delivered;
        self.opened += o.opened;
        self.clicked += o.clicked;
        self.replied += o.replied;
        self.bounced += o.bounced;
        self.unsubscribed += o.unsubscribed;
        self.spam += o.spam;
    }
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
                Counters {
                    sent: self.sent,
                    delivered: self.delivered,
                    opened: self.opened_tracked,
                    clicked: self.clicked_tracked,
                    replied: self.replied,
                    bounced: self.bounced,
                    unsubscribed: self.unsubscribed,
                    spam: self.spam_complaints,
                }
            }
            fn billing_id(&self) -> i64 {
                self.billing_id
            }
            fn updated(&self) -> chrono::DateTime<chrono::Utc> {
                self.updated
            }
            fn set_counters(&mut self, c: Counters) {
                self.sent = c.sent;
                self.delivered = c.delivered;
                self.opened_tracked = c.opened;
                self.clicked_tracked = c.clicked;
                self.replied = c.replied;
                self.bounced = c.bounced;
                self.unsubscribed = c.unsubscribed;
                self.spam_complaints = c.spam;
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
    pub fn counts(&self) -> [usize; 6] {
        Table::ALL.map(|t| self.count(t))
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
        self.counts().iter().sum()
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
