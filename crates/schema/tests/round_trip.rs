//! Every table: a `New…` row inserted with `RETURNING` and read back with `SELECT` equals,
//! field by field, the read model built from what was inserted. Each test has its own
//! scratch database.

mod common;

use common::*;
use diesel::prelude::*;
use schema::models::*;
use schema::schema::*;
use similar_asserts::assert_eq;
use testdb::ScratchDb;

/// Inserts `$new` into `$table` with `RETURNING`, then reads the row back with `SELECT`;
/// both must equal `$expected`, the read model written out field by field from the
/// inserted values (`$id` and `$new` name the returned id and the inserted row there).
macro_rules! assert_round_trip {
    ($conn:expr, $table:ident, $model:ident, $new:expr, |$id:ident, $n:ident| $expected:expr) => {{
        let $n = $new;
        let returned = insert!($conn, $table::table, $model, &$n);
        let $id = returned.id;
        let expected: $model = $expected;
        assert_eq!(returned, expected, "RETURNING of {}", stringify!($table));
        let loaded: $model = $table::table
            .find($id)
            .select($model::as_select())
            .first($conn)
            .unwrap();
        assert_eq!(loaded, expected, "SELECT of {}", stringify!($table));
    }};
}

#[test]
fn billing_analytics_round_trips() {
    let db = ScratchDb::migrated("round_trip_billing");
    let conn = &mut db.conn();
    assert_round_trip!(
        conn,
        billing_analytics,
        BillingAnalytics,
        new_billing("t0001"),
        |id, new| BillingAnalytics {
            id,
            tenant_id: new.tenant_id,
            subscription_id: new.subscription_id,
            emails_sent: Some(new.emails_sent),
            mailboxes_used: Some(new.mailboxes_used),
            domains_used: Some(new.domains_used),
            campaigns_used: Some(new.campaigns_used),
            leads_used: Some(new.leads_used),
            warmups_active: Some(new.warmups_active),
            period_start: new.period_start,
            period_end: new.period_end,
            updated: Some(new.updated),
        }
    );
}

#[test]
fn campaign_analytics_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("round_trip_campaign");
    assert_round_trip!(
        &mut conn,
        campaign_analytics,
        CampaignAnalytics,
        new_campaign(billing.id, CampaignStatus::Paused),
        |id, new| CampaignAnalytics {
            id,
            campaign_id: new.campaign_id,
            company_id: new.company_id,
            counters: new.counters.map(Some),
            status: Some(new.status),
            completed_leads: Some(new.completed_leads),
            billing_id: Some(billing.id),
            updated: Some(new.updated),
        }
    );
}

#[test]
fn mailbox_analytics_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("round_trip_mailbox");
    assert_round_trip!(
        &mut conn,
        mailbox_analytics,
        MailboxAnalytics,
        new_mailbox(
            billing.id,
            WarmupStatus::Warming,
            MailboxCampaignStatus::Idle
        ),
        |id, new| MailboxAnalytics {
            id,
            mailbox_id: new.mailbox_id,
            company_id: new.company_id,
            counters: new.counters.map(Some),
            warmup_status: Some(new.warmup_status),
            health_score: Some(new.health_score),
            current_volume: Some(new.current_volume),
            billing_id: Some(billing.id),
            campaign_status: Some(new.campaign_status),
            updated: Some(new.updated),
        }
    );
}

#[test]
fn lead_analytics_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("round_trip_lead");
    assert_round_trip!(
        &mut conn,
        lead_analytics,
        LeadAnalytics,
        new_lead(billing.id, LeadStatus::Replied),
        |id, new| LeadAnalytics {
            id,
            lead_id: new.lead_id,
            campaign_id: new.campaign_id,
            counters: new.counters.map(Some),
            status: Some(new.status),
            billing_id: Some(billing.id),
            updated: Some(new.updated),
        }
    );
}

#[test]
fn warmup_analytics_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("round_trip_warmup");
    assert_round_trip!(
        &mut conn,
        warmup_analytics,
        WarmupAnalytics,
        new_warmup(billing.id),
        |id, new| WarmupAnalytics {
            id,
            mailbox_id: new.mailbox_id,
            company_id: new.company_id,
            counters: new.counters.map(Some),
            health_score: Some(new.health_score),
            progress_percentage: Some(new.progress_percentage),
            billing_id: Some(billing.id),
            updated: Some(new.updated),
        }
    );
}

#[test]
fn sequence_step_analytics_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("round_trip_step");
    assert_round_trip!(
        &mut conn,
        sequence_step_analytics,
        SequenceStepAnalytics,
        new_step(billing.id),
        |id, new| SequenceStepAnalytics {
            id,
            step_id: new.step_id,
            campaign_id: new.campaign_id,
            company_id: new.company_id,
            counters: new.counters.map(Some),
            billing_id: Some(billing.id),
            updated: Some(new.updated),
        }
    );
}

/// Rows written by another tool with only the required columns load too: the read
/// models see the DDL's defaults (`0`, `now()`) and `NULL`s as `Some(0)`, `Some(_)`, `None`.
#[test]
fn rows_with_only_required_columns_load_with_the_ddl_defaults() {
    let db = ScratchDb::migrated("round_trip_defaults");
    let conn = &mut db.conn();
    testdb::apply_sql(
        conn,
        "minimal rows",
        "INSERT INTO billing_analytics (tenant_id, period_start, period_end)
             VALUES ('t0001', '2025-03-01Z', '2025-04-01Z');
         INSERT INTO campaign_analytics (campaign_id, company_id) VALUES ('c', 'co');
         INSERT INTO mailbox_analytics (mailbox_id, company_id) VALUES ('m@x.io', 'co');
         INSERT INTO lead_analytics (lead_id, campaign_id) VALUES ('l', 'c');
         INSERT INTO warmup_analytics (mailbox_id, company_id) VALUES ('m@x.io', 'co');
         INSERT INTO sequence_step_analytics (step_id, campaign_id, company_id)
             VALUES ('s', 'c', 'co');",
    );

    let billing: BillingAnalytics = billing_analytics::table
        .select(BillingAnalytics::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(billing.subscription_id, None);
    assert_eq!(billing.emails_sent, Some(0));
    assert_eq!(billing.warmups_active, Some(0));
    assert!(billing.updated.is_some());

    let campaign: CampaignAnalytics = campaign_analytics::table
        .select(CampaignAnalytics::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(
        (campaign.counters.sent, campaign.counters.spam_complaints),
        (Some(0), Some(0))
    );
    assert_eq!((campaign.status, campaign.billing_id), (None, None));

    let mailbox: MailboxAnalytics = mailbox_analytics::table
        .select(MailboxAnalytics::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(
        (mailbox.warmup_status, mailbox.campaign_status),
        (None, None)
    );
    assert_eq!(mailbox.current_volume, Some(0));

    let lead: LeadAnalytics = lead_analytics::table
        .select(LeadAnalytics::as_select())
        .first(conn)
        .unwrap();
    assert_eq!((lead.status, lead.counters.replied), (None, Some(0)));

    let warmup: WarmupAnalytics = warmup_analytics::table
        .select(WarmupAnalytics::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(warmup.progress_percentage, Some(0));

    let step: SequenceStepAnalytics = sequence_step_analytics::table
        .select(SequenceStepAnalytics::as_select())
        .first(conn)
        .unwrap();
    assert_eq!((step.counters.delivered, step.billing_id), (Some(0), None));
}

/// `belonging_to` loads a billing row's children, and only its own, from each of the five
/// child tables; `grouped_by` splits them among several periods.
#[test]
fn billing_children_load_through_associations() {
    let db = ScratchDb::migrated("round_trip_associations");
    let conn = &mut db.conn();
    let mine = insert!(
        conn,
        billing_analytics::table,
        BillingAnalytics,
        &new_billing("t0001")
    );
    let other = insert!(
        conn,
        billing_analytics::table,
        BillingAnalytics,
        &new_billing("t0002")
    );

    let mut campaigns = Vec::new();
    for billing in [&mine, &other] {
        let new = new_campaign(billing.id, CampaignStatus::Active);
        campaigns.push(insert!(
            conn,
            campaign_analytics::table,
            CampaignAnalytics,
            &new
        ));
    }
    let mailbox = insert!(
        conn,
        mailbox_analytics::table,
        MailboxAnalytics,
        &new_mailbox(
            mine.id,
            WarmupStatus::Warmed,
            MailboxCampaignStatus::Sending
        )
    );
    insert!(
        conn,
        mailbox_analytics::table,
        MailboxAnalytics,
        &new_mailbox(other.id, WarmupStatus::Warmed, MailboxCampaignStatus::Idle)
    );
    let lead = insert!(
        conn,
        lead_analytics::table,
        LeadAnalytics,
        &new_lead(mine.id, LeadStatus::Active)
    );
    insert!(
        conn,
        lead_analytics::table,
        LeadAnalytics,
        &new_lead(other.id, LeadStatus::Bounced)
    );
    let warmup = insert!(
        conn,
        warmup_analytics::table,
        WarmupAnalytics,
        &new_warmup(mine.id)
    );
    insert!(
        conn,
        warmup_analytics::table,
        WarmupAnalytics,
        &new_warmup(other.id)
    );
    let step = insert!(
        conn,
        sequence_step_analytics::table,
        SequenceStepAnalytics,
        &new_step(mine.id)
    );
    insert!(
        conn,
        sequence_step_analytics::table,
        SequenceStepAnalytics,
        &new_step(other.id)
    );

    let loaded: Vec<CampaignAnalytics> = CampaignAnalytics::belonging_to(&mine)
        .select(CampaignAnalytics::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(loaded, vec![campaigns[0].clone()]);
    let loaded: Vec<MailboxAnalytics> = MailboxAnalytics::belonging_to(&mine)
        .select(MailboxAnalytics::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(loaded, vec![mailbox]);
    let loaded: Vec<LeadAnalytics> = LeadAnalytics::belonging_to(&mine)
        .select(LeadAnalytics::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(loaded, vec![lead]);
    let loaded: Vec<WarmupAnalytics> = WarmupAnalytics::belonging_to(&mine)
        .select(WarmupAnalytics::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(loaded, vec![warmup]);
    let loaded: Vec<SequenceStepAnalytics> = SequenceStepAnalytics::belonging_to(&mine)
        .select(SequenceStepAnalytics::as_select())
        .load(conn)
        .unwrap();
    assert_eq!(loaded, vec![step]);

    let periods = vec![mine, other];
    let grouped: Vec<Vec<CampaignAnalytics>> = CampaignAnalytics::belonging_to(&periods)
        .select(CampaignAnalytics::as_select())
        .load(conn)
        .unwrap()
        .grouped_by(&periods);
    assert_eq!(
        grouped,
        vec![vec![campaigns[0].clone()], vec![campaigns[1].clone()]]
    );
}
