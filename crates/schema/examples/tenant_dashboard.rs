//! One tenant's dashboard, from a seeded warehouse, with the typed queries of
//! `schema::queries`: its usage in the current billing period (against the time elapsed
//! and the previous period), its resources, and its best and worst campaigns and
//! mailboxes.
//!
//! ```sh
//! cargo xtask seed                                         # fills penguinmails_dev
//! cargo run -p schema --example tenant_dashboard            # the largest tenant
//! cargo run -p schema --example tenant_dashboard -- t00008  # a given tenant
//! ```
//!
//! The warehouse is `DATABASE_URL`, or `postgres://127.0.0.1:5432/penguinmails_dev`.

use std::process::ExitCode;

use chrono::{DateTime, Utc};
use diesel::dsl::sum;
use diesel::prelude::*;
use schema::queries::billing_usage::{billing_usage, BillingUsage};
use schema::queries::campaign_performance::{campaign_performance, CampaignPerformance};
use schema::queries::dashboard::dashboard_counts;
use schema::queries::mailbox_health::{mailbox_health, MailboxHealth};
use schema::queries::{Periods, Scope};
use schema::schema::billing_analytics;

type Error = Box<dyn std::error::Error + Send + Sync>;

const DEFAULT_URL: &str = "postgres://127.0.0.1:5432/penguinmails_dev";

/// Campaigns with fewer delivered emails are too small to rank by rate.
const MIN_DELIVERED: i64 = 20;

/// How many best and worst to show.
const TOP: usize = 3;

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<(), Error> {
    let url = std::env::var("DATABASE_URL")
        .ok()
        .filter(|u| !u.trim().is_empty())
        .unwrap_or_else(|| DEFAULT_URL.to_owned());
    let conn = &mut PgConnection::establish(&url).map_err(|err| {
        format!(
            "cannot connect to {}: {err}\nSeed the local warehouse with `cargo xtask seed`, \
             or point DATABASE_URL at a seeded one.",
            testdb::redact(&url)
        )
    })?;

    let tenant = match std::env::args().nth(1) {
        Some(tenant) => tenant,
        None => largest_tenant(conn)?.ok_or("the warehouse has no billing rows: seed it first")?,
    };
    let periods = billing_usage(conn, &Scope::tenant(&tenant))?;
    let (Some(current), previous) = (periods.last(), periods.iter().rev().nth(1)) else {
        return Err(format!("tenant {tenant} has no billing periods").into());
    };
    let counts = dashboard_counts(conn, &tenant, Some(current.period_start))?
        .ok_or("the period vanished while reading")?;

    println!(
        "Tenant {tenant}: {}, {} compan{}",
        current
            .subscription_id
            .as_deref()
            .map_or("on a trial".to_owned(), |s| format!("subscription {s}")),
        counts.companies,
        if counts.companies == 1 { "y" } else { "ies" }
    );
    print_usage(current, previous);
    println!(
        "\nResources: {} campaigns ({} active, {} paused, {} completed), {} mailboxes on {} \
         domains ({} warming up, {} sending, {} idle), {} warmups, {} leads ({} replied)",
        counts.campaigns,
        counts.campaigns_active,
        counts.campaigns_paused,
        counts.campaigns_completed,
        counts.mailboxes,
        counts.domains,
        counts.mailboxes_warming,
        counts.mailboxes_sending,
        counts.mailboxes_idle,
        counts.warmups,
        counts.leads,
        counts.leads_replied,
    );

    // Rank within the latest period that had campaign mail: a new month may have none yet.
    let Some(ranked) = periods.iter().rev().find(|p| p.emails_sent > 0) else {
        println!("\nNo campaign mail yet: nothing to rank.");
        return Ok(());
    };
    let scope = Scope::tenant(&tenant).in_periods(Periods::starting(ranked.period_start));
    let note = if ranked.billing_id == current.billing_id {
        String::new()
    } else {
        format!(
            " (period {}, the latest with mail)",
            month(ranked.period_start)
        )
    };

    let mut campaigns: Vec<CampaignPerformance> = campaign_performance(conn, &scope)?
        .into_iter()
        .filter(|c| c.funnel.delivered >= MIN_DELIVERED)
        .collect();
    campaigns.sort_by(|a, b| rate(b.rates.reply_rate).total_cmp(&rate(a.rates.reply_rate)));
    println!("\nCampaigns by reply rate{note}, of those with {MIN_DELIVERED}+ delivered:");
    print_table(
        &[
            "campaign", "status", "sent", "deliv.", "opened", "replied", "bounced",
        ],
        best_and_worst(&campaigns),
        |c| {
            vec![
                c.campaign_id.clone(),
                c.status.as_ref().map_or("-".into(), |s| s.to_string()),
                c.funnel.sent.to_string(),
                percent(c.rates.delivery_rate),
                percent(c.rates.open_rate),
                percent(c.rates.reply_rate),
                percent(c.rates.bounce_rate),
            ]
        },
    );

    let mut mailboxes: Vec<MailboxHealth> = mailbox_health(conn, &scope)?
        .into_iter()
        .filter(|m| m.campaign.sent > 0)
        .collect();
    mailboxes.sort_by(|a, b| {
        (b.health_score, rate(a.rates.bounce_rate))
            .partial_cmp(&(a.health_score, rate(b.rates.bounce_rate)))
            .expect("rates are numbers")
    });
    println!("\nSending mailboxes by health score{note}:");
    print_table(
        &[
            "mailbox", "health", "warmup", "sent", "bounced", "spam", "replied",
        ],
        best_and_worst(&mailboxes),
        |m| {
            vec![
                m.mailbox_id.clone(),
                m.health_score.map_or("-".into(), |h| h.to_string()),
                m.warmup_status
                    .as_ref()
                    .map_or("-".into(), |s| s.to_string()),
                m.campaign.sent.to_string(),
                percent(m.rates.bounce_rate),
                percent(m.rates.spam_rate),
                percent(m.rates.reply_rate),
            ]
        },
    );
    Ok(())
}

/// The tenant that sent the most campaign mail over all periods.
fn largest_tenant(conn: &mut PgConnection) -> QueryResult<Option<String>> {
    use billing_analytics::{emails_sent, tenant_id};
    billing_analytics::table
        .group_by(tenant_id)
        .select(tenant_id)
        .order((sum(emails_sent).desc().nulls_last(), tenant_id))
        .first(conn)
        .optional()
}

/// The period's usage, against the share of the period elapsed and the previous period.
fn print_usage(current: &BillingUsage, previous: Option<&BillingUsage>) {
    let length = (current.period_end - current.period_start).num_days();
    let as_of = current.updated.unwrap_or(current.period_end);
    let elapsed = (as_of.min(current.period_end) - current.period_start).num_days();
    println!(
        "\nPeriod {} ({} .. {}): {elapsed} of {length} days aggregated",
        month(current.period_start),
        current.period_start.date_naive(),
        current.period_end.date_naive(),
    );
    type Count = fn(&BillingUsage) -> i32;
    let rows: [(&str, Count); 6] = [
        ("emails sent", |u| u.emails_sent),
        ("mailboxes used", |u| u.mailboxes_used),
        ("domains used", |u| u.domains_used),
        ("campaigns used", |u| u.campaigns_used),
        ("leads used", |u| u.leads_used),
        ("warmups active", |u| u.warmups_active),
    ];
    let last = previous.map_or("-".to_owned(), |p| month(p.period_start));
    println!(
        "  {:<16}{:>10}{:>12}{:>12}",
        "usage", "so far", "on pace", last
    );
    for (label, value) in rows {
        let now = value(current);
        // Mail and leads grow with the days; the other counts are resources in use.
        let grows = matches!(label, "emails sent" | "leads used");
        let pace = match (grows, elapsed) {
            (false, _) => "-".to_owned(),
            (true, 0) => "?".to_owned(),
            (true, days) => (i64::from(now) * length / days).to_string(),
        };
        let before = previous.map_or("-".to_owned(), |p| value(p).to_string());
        println!("  {label:<16}{now:>10}{pace:>12}{before:>12}");
    }
}

/// The first and last [`TOP`] of a ranked list, labelled, never showing an item twice.
fn best_and_worst<T>(ranked: &[T]) -> Vec<(&'static str, &T)> {
    let best = ranked.len().min(TOP);
    let worst = ranked[best..].iter().rev().take(TOP);
    ranked[..best]
        .iter()
        .map(|item| ("best", item))
        .chain(worst.map(|item| ("worst", item)))
        .collect()
}

fn print_table<T>(header: &[&str], rows: Vec<(&str, &T)>, cells: impl Fn(&T) -> Vec<String>) {
    let rows: Vec<(&str, Vec<String>)> = rows
        .into_iter()
        .map(|(rank, row)| (rank, cells(row)))
        .collect();
    if rows.is_empty() {
        println!("  (none)");
        return;
    }
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for (_, cells) in &rows {
        for (w, cell) in widths.iter_mut().zip(cells) {
            *w = (*w).max(cell.len());
        }
    }
    let line = |rank: &str, cells: &[String]| {
        let mut out = format!("  {rank:<6}{:<w$}", cells[0], w = widths[0]);
        for (cell, w) in cells[1..].iter().zip(&widths[1..]) {
            out += &format!("  {cell:>w$}");
        }
        println!("{out}");
    };
    line(
        "",
        &header.iter().map(|h| h.to_string()).collect::<Vec<_>>(),
    );
    for (rank, cells) in &rows {
        line(rank, cells);
    }
}

fn month(t: DateTime<Utc>) -> String {
    t.format("%Y-%m").to_string()
}

fn rate(r: Option<f64>) -> f64 {
    r.unwrap_or(0.0)
}

fn percent(r: Option<f64>) -> String {
    r.map_or("-".into(), |r| format!("{:.1}%", r * 100.0))
}
