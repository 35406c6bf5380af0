//! Rows for the integration tests: every value is set, distinct from its neighbours and
//! from the column's default, so a swapped or dropped column cannot pass unnoticed.
#![allow(dead_code)] // each test file uses a different part

use chrono::{DateTime, Utc};
use diesel::prelude::*;
use schema::models::{
    BillingAnalytics, CampaignStatus, Counters, LeadStatus, MailboxCampaignStatus,
    NewBillingAnalytics, NewCampaignAnalytics, NewLeadAnalytics, NewMailboxAnalytics,
    NewSequenceStepAnalytics, NewWarmupAnalytics, WarmupStatus,
};
use schema::schema::billing_analytics;
use testdb::ScratchDb;

/// Inserts `$new` into `$table` and returns the stored row as `$model`.
#[macro_export]
macro_rules! insert {
    ($conn:expr, $table:path, $model:ty, $new:expr) => {
        diesel::insert_into($table)
            .values($new)
            .returning(<$model>::as_returning())
            .get_result::<$model>($conn)
            .expect(concat!("inserting into ", stringify!($table)))
    };
}

/// A migrated scratch database, a connection to it, and one billing row (tenant `t0001`)
/// for child rows to point at.
pub fn migrated_with_billing(label: &str) -> (ScratchDb, PgConnection, BillingAnalytics) {
    let db = ScratchDb::migrated(label);
    let mut conn = db.conn();
    let billing = insert!(
        &mut conn,
        billing_analytics::table,
        BillingAnalytics,
        &new_billing("t0001")
    );
    (db, conn, billing)
}

/// An RFC 3339 instant.
pub fn at(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("valid RFC 3339 instant")
        .with_timezone(&Utc)
}

/// Aggregation time with microseconds, the precision PostgreSQL keeps.
pub fn updated() -> DateTime<Utc> {
    at("2025-04-01T02:17:45.123456Z")
}

pub fn new_billing(tenant_id: &str) -> NewBillingAnalytics {
    NewBillingAnalytics {
        tenant_id: tenant_id.to_owned(),
        subscription_id: Some(format!("sub_{tenant_id}")),
        emails_sent: 1234,
        mailboxes_used: 6,
        domains_used: 3,
        campaigns_used: 4,
        leads_used: 567,
        warmups_active: 5,
        period_start: at("2025-03-01T00:00:00Z"),
        period_end: at("2025-04-01T00:00:00Z"),
        updated: updated(),
    }
}

pub fn new_campaign(billing_id: i64, status: CampaignStatus) -> NewCampaignAnalytics {
    NewCampaignAnalytics {
        campaign_id: "cmp_q1_outreach".to_owned(),
        company_id: "co_acme".to_owned(),
        counters: Counters {
            sent: 1000,
            delivered: 962,
            opened_tracked: 701,
            clicked_tracked: 41,
            replied: 33,
            bounced: 38,
            unsubscribed: 7,
            spam_complaints: 1,
        },
        status,
        completed_leads: 120,
        billing_id,
        updated: updated(),
    }
}

pub fn new_lead(billing_id: i64, status: LeadStatus) -> NewLeadAnalytics {
    NewLeadAnalytics {
        lead_id: "lead_jane_doe".to_owned(),
        campaign_id: "cmp_q1_outreach".to_owned(),
        counters: Counters {
            sent: 9,
            delivered: 8,
            opened_tracked: 7,
            clicked_tracked: 6,
            replied: 5,
            bounced: 1,
            unsubscribed: 3,
            spam_complaints: 2,
        },
        status,
        billing_id,
        updated: updated(),
    }
}

pub fn new_mailbox(
    billing_id: i64,
    warmup_status: WarmupStatus,
    campaign_status: MailboxCampaignStatus,
) -> NewMailboxAnalytics {
    NewMailboxAnalytics {
        mailbox_id: "jordan@acme-outreach.io".to_owned(),
        company_id: "co_acme".to_owned(),
        counters: Counters {
            sent: 1210,
            delivered: 1175,
            opened_tracked: 930,
            clicked_tracked: 44,
            replied: 160,
            bounced: 35,
            unsubscribed: 6,
            spam_complaints: 2,
        },
        warmup_status,
        health_score: 91,
        current_volume: 42,
        billing_id,
        campaign_status,
        updated: updated(),
    }
}

pub fn new_warmup(billing_id: i64) -> NewWarmupAnalytics {
    NewWarmupAnalytics {
        mailbox_id: "jordan@acme-outreach.io".to_owned(),
        company_id: "co_acme".to_owned(),
        counters: Counters {
            sent: 210,
            delivered: 209,
            opened_tracked: 205,
            clicked_tracked: 12,
            replied: 127,
            bounced: 1,
            unsubscribed: 3,
            spam_complaints: 4,
        },
        health_score: 88,
        progress_percentage: 65,
        billing_id,
        updated: updated(),
    }
}

pub fn new_step(billing_id: i64) -> NewSequenceStepAnalytics {
    NewSequenceStepAnalytics {
        step_id: "step_1_variant_b".to_owned(),
        campaign_id: "cmp_q1_outreach".to_owned(),
        company_id: "co_acme".to_owned(),
        counters: Counters {
            sent: 500,
            delivered: 481,
            opened_tracked: 350,
            clicked_tracked: 21,
            replied: 19,
            bounced: 17,
            unsubscribed: 4,
            spam_complaints: 2,
        },
        billing_id,
        updated: updated(),
    }
}
