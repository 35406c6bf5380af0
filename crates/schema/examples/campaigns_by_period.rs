//! The `schema` crate end to end: create a scratch warehouse, migrate it with the
//! embedded migrations, insert a billing period and a campaign with the `New…` types, and
//! print the campaigns joined to their billing periods with a typed query.
//!
//! ```sh
//! cargo run -p schema --example campaigns_by_period
//! ```
//!
//! The scratch database is created on the server of `DATABASE_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped at the end, also on error.

use chrono::{TimeZone, Utc};
use diesel::prelude::*;
use schema::models::{
    BillingAnalytics, CampaignAnalytics, CampaignStatus, Counters, NewBillingAnalytics,
    NewCampaignAnalytics,
};
use schema::schema::{billing_analytics, campaign_analytics};

type Error = Box<dyn std::error::Error + Send + Sync>;

/// A database that is dropped, with whoever is still connected, when this goes out of
/// scope.
struct ScratchDatabase {
    admin: PgConnection,
    name: String,
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let drop = format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name);
        if let Err(err) = diesel::sql_query(drop).execute(&mut self.admin) {
            eprintln!("could not drop {}: {err}", self.name);
        }
    }
}

fn main() -> Result<(), Error> {
    let server = std::env::var("DATABASE_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".to_owned());
    let mut admin = PgConnection::establish(&server)?;
    let name = format!("pm_example_{}", std::process::id());
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(&mut admin)?;
    let scratch = ScratchDatabase { admin, name };
    let mut url = url::Url::parse(&server)?;
    url.set_path(&scratch.name);

    let conn = &mut PgConnection::establish(url.as_str())?;
    let applied = schema::run_migrations(conn)?;
    println!("created {} and applied {applied:?}", scratch.name);

    let march = NewBillingAnalytics {
        tenant_id: "t0001".to_owned(),
        subscription_id: Some("sub_pro_0001".to_owned()),
        emails_sent: 1000,
        mailboxes_used: 2,
        domains_used: 1,
        campaigns_used: 1,
        leads_used: 250,
        warmups_active: 2,
        period_start: Utc.with_ymd_and_hms(2025, 3, 1, 0, 0, 0).unwrap(),
        period_end: Utc.with_ymd_and_hms(2025, 4, 1, 0, 0, 0).unwrap(),
        updated: Utc.with_ymd_and_hms(2025, 4, 1, 2, 0, 0).unwrap(),
    };
    let period: BillingAnalytics = diesel::insert_into(billing_analytics::table)
        .values(&march)
        .returning(BillingAnalytics::as_returning())
        .get_result(conn)?;
    let campaign = NewCampaignAnalytics {
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
            spam_complaints: 0,
        },
        status: CampaignStatus::Active,
        completed_leads: 120,
        billing_id: period.id,
        updated: march.updated,
    };
    diesel::insert_into(campaign_analytics::table)
        .values(&campaign)
        .execute(conn)?;

    // Each campaign's row with the billing period it belongs to.
    let rows: Vec<(CampaignAnalytics, BillingAnalytics)> = campaign_analytics::table
        .inner_join(billing_analytics::table)
        .filter(billing_analytics::tenant_id.eq("t0001"))
        .order((
            billing_analytics::period_start,
            campaign_analytics::campaign_id,
        ))
        .select((
            CampaignAnalytics::as_select(),
            BillingAnalytics::as_select(),
        ))
        .load(conn)?;
    for (campaign, period) in &rows {
        println!(
            "tenant {} [{} .. {}): campaign {} of {} ({}): sent {}, delivered {}, replied {}",
            period.tenant_id,
            period.period_start.date_naive(),
            period.period_end.date_naive(),
            campaign.campaign_id,
            campaign.company_id,
            campaign
                .status
                .as_ref()
                .map_or("no status", CampaignStatus::as_str),
            campaign.counters.sent.unwrap_or(0),
            campaign.counters.delivered.unwrap_or(0),
            campaign.counters.replied.unwrap_or(0),
        );
    }
    println!("{} row(s); dropping {}", rows.len(), scratch.name);
    Ok(())
}
