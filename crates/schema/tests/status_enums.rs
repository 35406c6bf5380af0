//! Every variant of every status enum is written by an insert and read back by a select;
//! a value outside the vocabulary, written behind Diesel's back, loads as `Other` with its
//! text intact instead of failing the query, and the strict parser names column and value.

mod common;

use std::fmt::{Debug, Display};

use common::*;
use diesel::prelude::*;
use schema::models::*;
use schema::schema::*;

/// Inserts one row per value of `$column`'s enum (built by `$new`), then reads each
/// value back by id and finds each row again with the value as a bound parameter.
macro_rules! assert_status_round_trips {
    ($conn:expr, $table:ident, $model:ident, $column:ident: $enum:ident, $new:expr) => {
        for status in $enum::ALL.iter().cloned() {
            let id = insert!($conn, $table::table, $model, &$new(status.clone())).id;
            let read: Option<$enum> = $table::table
                .find(id)
                .select($table::$column)
                .first($conn)
                .unwrap();
            assert_eq!(read.as_ref(), Some(&status), "{}", $enum::COLUMN);
            let found: Vec<i64> = $table::table
                .filter($table::$column.eq(status.clone()))
                .select($table::id)
                .load($conn)
                .unwrap();
            assert_eq!(found, vec![id], "{} = {status}", $enum::COLUMN);
        }
    };
}

#[test]
fn every_campaign_status_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("enum_campaign");
    assert_status_round_trips!(
        &mut conn,
        campaign_analytics,
        CampaignAnalytics,
        status: CampaignStatus,
        |s| new_campaign(billing.id, s)
    );
}

#[test]
fn every_lead_status_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("enum_lead");
    assert_status_round_trips!(
        &mut conn,
        lead_analytics,
        LeadAnalytics,
        status: LeadStatus,
        |s| new_lead(billing.id, s)
    );
}

#[test]
fn every_mailbox_warmup_status_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("enum_warmup");
    assert_status_round_trips!(
        &mut conn,
        mailbox_analytics,
        MailboxAnalytics,
        warmup_status: WarmupStatus,
        |s| new_mailbox(billing.id, s, MailboxCampaignStatus::Sending)
    );
}

#[test]
fn every_mailbox_campaign_status_round_trips() {
    let (_db, mut conn, billing) = migrated_with_billing("enum_mailbox_campaign");
    assert_status_round_trips!(
        &mut conn,
        mailbox_analytics,
        MailboxAnalytics,
        campaign_status: MailboxCampaignStatus,
        |s| new_mailbox(billing.id, WarmupStatus::Warmed, s)
    );
}

/// Rows written by raw SQL with statuses this crate has never heard of, beside a row with
/// a known one: the whole query loads, each odd value is kept as `Other` exactly as
/// stored, and writing the rows back stores the same text.
#[test]
fn unknown_values_load_as_other_without_failing_the_query() {
    let (_db, mut conn, billing) = migrated_with_billing("enum_unknown");
    let conn = &mut conn;
    insert!(
        conn,
        lead_analytics::table,
        LeadAnalytics,
        &new_lead(billing.id, LeadStatus::Active)
    );
    testdb::apply_sql(
        conn,
        "odd statuses",
        &format!(
            "INSERT INTO lead_analytics (lead_id, campaign_id, status, billing_id) VALUES \
             ('l2', 'c1', 'Replied', {id}), ('l3', 'c1', 'snoozed', {id}); \
             INSERT INTO campaign_analytics (campaign_id, company_id, status, billing_id) VALUES \
             ('c1', 'co1', 'draft', {id}), ('c2', 'co1', 'on hold', {id}); \
             INSERT INTO mailbox_analytics (mailbox_id, company_id, warmup_status, campaign_status, billing_id) \
             VALUES ('a@x.io', 'co1', 'cooling', '', {id})",
            id = billing.id
        ),
    );

    let leads: Vec<LeadAnalytics> = lead_analytics::table
        .order(lead_analytics::id)
        .select(LeadAnalytics::as_select())
        .load(conn)
        .expect("one odd row must not fail the query");
    let statuses: Vec<Option<LeadStatus>> = leads.into_iter().map(|l| l.status).collect();
    assert_eq!(
        statuses,
        [
            Some(LeadStatus::Active),
            Some(LeadStatus::Other("Replied".into())),
            Some(LeadStatus::Other("snoozed".into())),
        ]
    );

    let campaigns: Vec<Option<CampaignStatus>> = campaign_analytics::table
        .order(campaign_analytics::id)
        .select(campaign_analytics::status)
        .load(conn)
        .unwrap();
    assert_eq!(
        campaigns,
        [
            Some(CampaignStatus::Draft),
            Some(CampaignStatus::Other("on hold".into()))
        ]
    );

    let mailbox = mailbox_analytics::table
        .select(MailboxAnalytics::as_select())
        .first(conn)
        .unwrap();
    assert_eq!(
        mailbox.warmup_status,
        Some(WarmupStatus::Other("cooling".into()))
    );
    assert_eq!(
        mailbox.campaign_status,
        Some(MailboxCampaignStatus::Other(String::new()))
    );

    // Written back through Diesel, the text is unchanged.
    let odd = LeadStatus::Other("snoozed".into());
    let id = insert!(
        conn,
        lead_analytics::table,
        LeadAnalytics,
        &new_lead(billing.id, odd)
    )
    .id;
    let text: Option<String> =
        diesel::dsl::sql::<diesel::sql_types::Nullable<diesel::sql_types::Text>>(&format!(
            "(SELECT status FROM lead_analytics WHERE id = {id})"
        ))
        .get_result(conn)
        .unwrap();
    assert_eq!(text.as_deref(), Some("snoozed"));
}

#[test]
fn the_strict_parser_names_column_and_value() {
    let err = LeadStatus::parse_known("Replied").unwrap_err();
    assert_eq!(
        (err.column, err.value.as_str()),
        ("lead_analytics.status", "Replied")
    );
    let message = err.to_string();
    assert!(
        message.contains("lead_analytics.status") && message.contains("\"Replied\""),
        "{message}"
    );
    assert!(message.contains("spam_reported"), "{message}");
    assert_eq!(LeadStatus::parse_known("replied"), Ok(LeadStatus::Replied));
    assert!(!CampaignStatus::from("on hold").is_known());
    assert!(CampaignStatus::from("archived").is_known());
}

/// The text of a variant is the same through `as_str`, `Display`, `From<&str>` and serde,
/// both ways, and no two variants share one.
fn assert_text_contract<T>(all: &[T], as_str: fn(&T) -> &str)
where
    T: Clone
        + Debug
        + PartialEq
        + Display
        + for<'a> From<&'a str>
        + serde::Serialize
        + serde::de::DeserializeOwned,
{
    let mut texts: Vec<&str> = all.iter().map(as_str).collect();
    for variant in all {
        let text = as_str(variant);
        assert_eq!(variant.to_string(), text);
        assert_eq!(&T::from(text), variant);
        let json = serde_json::to_string(variant).unwrap();
        assert_eq!(json, format!("{text:?}"));
        assert_eq!(&serde_json::from_str::<T>(&json).unwrap(), variant);
    }
    let odd = T::from("Not A Status");
    assert_eq!(serde_json::to_string(&odd).unwrap(), "\"Not A Status\"");
    assert_eq!(serde_json::from_str::<T>("\"Not A Status\"").unwrap(), odd);
    texts.sort_unstable();
    texts.dedup();
    assert_eq!(texts.len(), all.len(), "duplicate text in {all:?}");
}

#[test]
fn text_forms_agree() {
    assert_text_contract(CampaignStatus::ALL, CampaignStatus::as_str);
    assert_text_contract(LeadStatus::ALL, LeadStatus::as_str);
    assert_text_contract(WarmupStatus::ALL, WarmupStatus::as_str);
    assert_text_contract(MailboxCampaignStatus::ALL, MailboxCampaignStatus::as_str);
}
