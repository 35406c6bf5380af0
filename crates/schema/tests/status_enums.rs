//! Every variant of every status enum is written by an insert and read back by a select;
//! a value outside the vocabulary, written behind Diesel's back, fails to load with an
//! error that names the column and the value.

mod common;

use std::error::Error;
use std::fmt::{Debug, Display};
use std::str::FromStr;

use common::*;
use diesel::prelude::*;
use schema::models::*;
use schema::schema::*;

/// Inserts one row per value of `$column`'s enum (built by `$new`), then reads each
/// value back by id and finds each row again with the value as a bound parameter.
macro_rules! assert_status_round_trips {
    ($conn:expr, $table:ident, $model:ident, $column:ident: $enum:ident, $new:expr) => {
        for &status in $enum::ALL {
            let id = insert!($conn, $table::table, $model, &$new(status)).id;
            let read: Option<$enum> = $table::table
                .find(id)
                .select($table::$column)
                .first($conn)
                .unwrap();
            assert_eq!(read, Some(status), "{}", $enum::COLUMN);
            let found: Vec<i64> = $table::table
                .filter($table::$column.eq(status))
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

/// Overwrites a status with raw SQL, then loads the row: the error must carry an
/// [`UnknownStatus`] (Diesel wraps it in "Error deserializing field" when a whole model is
/// loaded). Returns the error's whole chain of messages, as `{:#}` of anyhow shows it.
fn load_error<T>(conn: &mut PgConnection, update: &str, load: T) -> (UnknownStatus, String)
where
    T: FnOnce(&mut PgConnection) -> QueryResult<()>,
{
    testdb::apply_sql(conn, "overwrite a status", update);
    let err = load(conn).expect_err("an unknown status must not load");
    let mut messages = Vec::new();
    let mut unknown = None;
    let mut next: Option<&(dyn Error + 'static)> = Some(&err);
    while let Some(current) = next {
        messages.push(current.to_string());
        unknown = unknown.or_else(|| current.downcast_ref::<UnknownStatus>().cloned());
        next = current.source();
    }
    let chain = messages.join(": ");
    (
        unknown.unwrap_or_else(|| panic!("no UnknownStatus in {chain}")),
        chain,
    )
}

#[test]
fn unknown_values_fail_to_load_naming_column_and_value() {
    let (_db, mut conn, billing) = migrated_with_billing("enum_unknown");
    let (conn, billing_id) = (&mut conn, billing.id);
    insert!(
        conn,
        campaign_analytics::table,
        CampaignAnalytics,
        &new_campaign(billing_id, CampaignStatus::Active)
    );
    insert!(
        conn,
        lead_analytics::table,
        LeadAnalytics,
        &new_lead(billing_id, LeadStatus::Active)
    );
    insert!(
        conn,
        mailbox_analytics::table,
        MailboxAnalytics,
        &new_mailbox(
            billing_id,
            WarmupStatus::Warmed,
            MailboxCampaignStatus::Idle
        )
    );

    let cases: [(&str, &str, (UnknownStatus, String)); 4] = [
        (
            CampaignStatus::COLUMN,
            "archived",
            load_error(
                conn,
                "UPDATE campaign_analytics SET status = 'archived'",
                |c| {
                    campaign_analytics::table
                        .select(CampaignAnalytics::as_select())
                        .first(c)
                        .map(drop)
                },
            ),
        ),
        (
            LeadStatus::COLUMN,
            "Replied",
            load_error(conn, "UPDATE lead_analytics SET status = 'Replied'", |c| {
                lead_analytics::table
                    .select(LeadAnalytics::as_select())
                    .first(c)
                    .map(drop)
            }),
        ),
        (
            WarmupStatus::COLUMN,
            "cooling",
            load_error(
                conn,
                "UPDATE mailbox_analytics SET warmup_status = 'cooling'",
                |c| {
                    mailbox_analytics::table
                        .select(MailboxAnalytics::as_select())
                        .first(c)
                        .map(drop)
                },
            ),
        ),
        (
            MailboxCampaignStatus::COLUMN,
            "",
            load_error(
                conn,
                "UPDATE mailbox_analytics
                 SET warmup_status = 'warmed', campaign_status = ''",
                |c| {
                    mailbox_analytics::table
                        .select(mailbox_analytics::campaign_status)
                        .first::<Option<MailboxCampaignStatus>>(c)
                        .map(drop)
                },
            ),
        ),
    ];
    for (column, value, (unknown, chain)) in cases {
        assert_eq!((unknown.column, unknown.value.as_str()), (column, value));
        assert!(chain.contains(column), "{column}: {chain}");
        assert!(chain.contains(&format!("{value:?}")), "{value:?}: {chain}");
    }
}

/// The text of a variant is the same through `as_str`, `Display`, `FromStr` and serde,
/// and no two variants share one.
fn assert_text_contract<T>(all: &[T], as_str: fn(T) -> &'static str)
where
    T: Copy + Debug + PartialEq + Display + FromStr + serde::Serialize,
    T::Err: Debug,
{
    let mut texts: Vec<&str> = all.iter().map(|&v| as_str(v)).collect();
    for &variant in all {
        let text = as_str(variant);
        assert_eq!(variant.to_string(), text);
        assert_eq!(text.parse::<T>().unwrap(), variant);
        assert_eq!(
            serde_json::to_string(&variant).unwrap(),
            format!("{text:?}")
        );
    }
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
