//! The in-memory evaluator: every rule of the catalog over a set of [`Rows`].
//!
//! `NULL` cannot be expressed in the insertables (their counters and `billing_id` are
//! plain integers), so the `NULL` halves of A1, A6, A7 and B3 hold by type here and are
//! checked by the SQL audit only.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::Duration;
use schema::models::{CampaignStatus, Counters, LeadStatus, NewBillingAnalytics, WarmupStatus};

use super::{RuleId, Violation};
use crate::ids;
use crate::rows::{Activity, Row, Rows};

/// Every violation of every rule in `rows`, sorted by rule then key.
pub fn evaluate(rows: &Rows) -> Vec<Violation> {
    let mut out = Vec::new();
    let mut v = |rule: RuleId, key: String| out.push(Violation { rule, key });
    let billing: HashMap<i64, &NewBillingAnalytics> =
        rows.billing.iter().map(|r| (r.id, &r.new)).collect();

    activity_rows(&mut v, &billing, "campaign_analytics", &rows.campaigns);
    activity_rows(&mut v, &billing, "sequence_step_analytics", &rows.steps);
    activity_rows(&mut v, &billing, "lead_analytics", &rows.leads);
    activity_rows(&mut v, &billing, "mailbox_analytics", &rows.mailboxes);
    activity_rows(&mut v, &billing, "warmup_analytics", &rows.warmups);
    ranges(&mut v, rows);
    billing_rules(&mut v, rows);
    relationships(&mut v, rows, &billing);
    aggregation(&mut v, rows);
    statuses(&mut v, rows);

    out.sort();
    out
}

fn key(table: &str, id: i64) -> String {
    format!("{table}#{id}")
}

/// A1–A5, A8 and C1, which look at one activity row at a time.
fn activity_rows<T: Activity>(
    v: &mut impl FnMut(RuleId, String),
    billing: &HashMap<i64, &NewBillingAnalytics>,
    table: &str,
    rows: &[Row<T>],
) {
    for row in rows {
        let c = row.new.counters();
        let k = || key(table, row.id);
        if c.to_array().iter().any(|&x| x < 0) {
            v(RuleId::A1, k());
        }
        if i64::from(c.delivered) + i64::from(c.bounced) > i64::from(c.sent) {
            v(RuleId::A2, k());
        }
        if c.opened_tracked > c.delivered {
            v(RuleId::A3, k());
        }
        if c.clicked_tracked > c.opened_tracked {
            v(RuleId::A4, k());
        }
        if c.replied > c.delivered
            || c.unsubscribed > c.delivered
            || c.spam_complaints > c.delivered
        {
            v(RuleId::A5, k());
        }
        match billing.get(&row.new.billing_id()) {
            None => v(RuleId::C1, k()),
            Some(b) => {
                let updated = row.new.updated();
                if updated < b.period_start || updated > b.period_end + Duration::days(1) {
                    v(RuleId::A8, k());
                }
            }
        }
    }
}

/// A6.
fn ranges(v: &mut impl FnMut(RuleId, String), rows: &Rows) {
    let pct = 0..=100;
    for r in &rows.mailboxes {
        if !pct.contains(&r.new.health_score) || r.new.current_volume < 0 {
            v(RuleId::A6, key("mailbox_analytics", r.id));
        }
    }
    for r in &rows.warmups {
        if !pct.contains(&r.new.health_score) || !pct.contains(&r.new.progress_percentage) {
            v(RuleId::A6, key("warmup_analytics", r.id));
        }
    }
    for r in &rows.campaigns {
        if r.new.completed_leads < 0 {
            v(RuleId::A6, key("campaign_analytics", r.id));
        }
    }
}

/// B1–B10.
fn billing_rules(v: &mut impl FnMut(RuleId, String), rows: &Rows) {
    let mut by_tenant: BTreeMap<&str, Vec<&Row<NewBillingAnalytics>>> = BTreeMap::new();
    let mut totals: HashMap<i64, Usage> = HashMap::new();
    for r in &rows.campaigns {
        let u = totals.entry(r.new.billing_id).or_default();
        u.emails += i64::from(r.new.counters.sent);
        u.campaigns += 1;
    }
    for r in &rows.mailboxes {
        let u = totals.entry(r.new.billing_id).or_default();
        u.mailboxes += 1;
        u.domains.insert(ids::mailbox_domain(&r.new.mailbox_id));
    }
    for r in &rows.leads {
        totals
            .entry(r.new.billing_id)
            .or_default()
            .leads
            .insert(&r.new.lead_id);
    }
    for r in &rows.warmups {
        totals.entry(r.new.billing_id).or_default().warmups += 1;
    }
    let empty = Usage::default();
    for r in &rows.billing {
        let b = &r.new;
        let k = || key("billing_analytics", r.id);
        if b.period_start >= b.period_end {
            v(RuleId::B1, k());
        }
        let usage = [
            (RuleId::B4, b.emails_sent),
            (RuleId::B6, b.mailboxes_used),
            (RuleId::B7, b.domains_used),
            (RuleId::B5, b.campaigns_used),
            (RuleId::B8, b.leads_used),
            (RuleId::B9, b.warmups_active),
        ];
        if usage.iter().any(|&(_, n)| n < 0) {
            v(RuleId::B3, k());
        }
        let t = totals.get(&r.id).unwrap_or(&empty);
        for (rule, value) in usage {
            let expected = match rule {
                RuleId::B4 => t.emails,
                RuleId::B5 => t.campaigns,
                RuleId::B6 => t.mailboxes,
                RuleId::B7 => t.domains.len() as i64,
                RuleId::B8 => t.leads.len() as i64,
                _ => t.warmups,
            };
            if value >= 0 && i64::from(value) != expected {
                v(rule, k());
            }
        }
        by_tenant.entry(&b.tenant_id).or_default().push(r);
    }
    for periods in by_tenant.values() {
        for (i, a) in periods.iter().enumerate() {
            for b in &periods[i + 1..] {
                let (lo, hi) = if a.id < b.id { (a, b) } else { (b, a) };
                if lo.new.period_start < hi.new.period_end
                    && hi.new.period_start < lo.new.period_end
                {
                    v(RuleId::B2, key("billing_analytics", lo.id));
                }
            }
        }
    }
    let tenant_of: HashMap<i64, &str> = rows
        .billing
        .iter()
        .map(|r| (r.id, r.new.tenant_id.as_str()))
        .collect();
    let mut tenants: BTreeMap<&str, HashSet<&str>> = BTreeMap::new();
    let companies = rows
        .campaigns
        .iter()
        .map(|r| (r.new.company_id.as_str(), r.new.billing_id))
        .chain(
            rows.steps
                .iter()
                .map(|r| (r.new.company_id.as_str(), r.new.billing_id)),
        )
        .chain(
            rows.mailboxes
                .iter()
                .map(|r| (r.new.company_id.as_str(), r.new.billing_id)),
        )
        .chain(
            rows.warmups
                .iter()
                .map(|r| (r.new.company_id.as_str(), r.new.billing_id)),
        );
    for (company, billing_id) in companies {
        if let Some(tenant) = tenant_of.get(&billing_id) {
            tenants.entry(company).or_default().insert(tenant);
        }
    }
    for (company, set) in tenants {
        if set.len() > 1 {
            v(RuleId::B10, format!("company {company}"));
        }
    }
}

#[derive(Default)]
struct Usage<'a> {
    emails: i64,
    campaigns: i64,
    mailboxes: i64,
    warmups: i64,
    domains: HashSet<String>,
    leads: HashSet<&'a str>,
}

/// C2–C6.
fn relationships(
    v: &mut impl FnMut(RuleId, String),
    rows: &Rows,
    billing: &HashMap<i64, &NewBillingAnalytics>,
) {
    let campaigns: HashMap<(&str, i64), &str> = rows
        .campaigns
        .iter()
        .map(|r| {
            (
                (r.new.campaign_id.as_str(), r.new.billing_id),
                r.new.company_id.as_str(),
            )
        })
        .collect();
    for r in rows
        .steps
        .iter()
        .filter(|r| billing.contains_key(&r.new.billing_id))
    {
        let found = campaigns.get(&(r.new.campaign_id.as_str(), r.new.billing_id));
        if found != Some(&r.new.company_id.as_str()) {
            v(RuleId::C2, key("sequence_step_analytics", r.id));
        }
    }
    for r in rows
        .leads
        .iter()
        .filter(|r| billing.contains_key(&r.new.billing_id))
    {
        if !campaigns.contains_key(&(r.new.campaign_id.as_str(), r.new.billing_id)) {
            v(RuleId::C3, key("lead_analytics", r.id));
        }
    }
    let mailboxes: HashMap<(&str, i64), &str> = rows
        .mailboxes
        .iter()
        .map(|r| {
            (
                (r.new.mailbox_id.as_str(), r.new.billing_id),
                r.new.company_id.as_str(),
            )
        })
        .collect();
    for r in rows
        .warmups
        .iter()
        .filter(|r| billing.contains_key(&r.new.billing_id))
    {
        let found = mailboxes.get(&(r.new.mailbox_id.as_str(), r.new.billing_id));
        if found != Some(&r.new.company_id.as_str()) {
            v(RuleId::C4, key("warmup_analytics", r.id));
        }
    }

    // Grains as tuples of borrowed keys: nothing is formatted, and no two grains can
    // run together into the same text.
    duplicates(
        v,
        "billing_analytics",
        rows.billing
            .iter()
            .map(|r| (r.id, (r.new.tenant_id.as_str(), r.new.period_start))),
    );
    duplicates(
        v,
        "campaign_analytics",
        rows.campaigns
            .iter()
            .map(|r| (r.id, (r.new.campaign_id.as_str(), r.new.billing_id))),
    );
    duplicates(
        v,
        "sequence_step_analytics",
        rows.steps.iter().map(|r| {
            (
                r.id,
                (
                    r.new.step_id.as_str(),
                    r.new.campaign_id.as_str(),
                    r.new.billing_id,
                ),
            )
        }),
    );
    duplicates(
        v,
        "lead_analytics",
        rows.leads.iter().map(|r| {
            (
                r.id,
                (
                    r.new.lead_id.as_str(),
                    r.new.campaign_id.as_str(),
                    r.new.billing_id,
                ),
            )
        }),
    );
    duplicates(
        v,
        "mailbox_analytics",
        rows.mailboxes
            .iter()
            .map(|r| (r.id, (r.new.mailbox_id.as_str(), r.new.billing_id))),
    );
    duplicates(
        v,
        "warmup_analytics",
        rows.warmups
            .iter()
            .map(|r| (r.id, (r.new.mailbox_id.as_str(), r.new.billing_id))),
    );

    let mut owners: BTreeMap<String, HashSet<&str>> = BTreeMap::new();
    let campaign_owners = rows
        .campaigns
        .iter()
        .map(|r| (&r.new.campaign_id, &r.new.company_id))
        .chain(
            rows.steps
                .iter()
                .map(|r| (&r.new.campaign_id, &r.new.company_id)),
        );
    for (campaign, company) in campaign_owners {
        owners
            .entry(format!("campaign {campaign}"))
            .or_default()
            .insert(company);
    }
    let mailbox_owners = rows
        .mailboxes
        .iter()
        .map(|r| (&r.new.mailbox_id, &r.new.company_id))
        .chain(
            rows.warmups
                .iter()
                .map(|r| (&r.new.mailbox_id, &r.new.company_id)),
        );
    for (mailbox, company) in mailbox_owners {
        owners
            .entry(format!("mailbox {mailbox}"))
            .or_default()
            .insert(company);
    }
    for (entity, companies) in owners {
        if companies.len() > 1 {
            v(RuleId::C6, entity);
        }
    }
}

/// C5 for one table: the smallest id of every grain that occurs more than once.
fn duplicates<K: std::hash::Hash + Eq>(
    v: &mut impl FnMut(RuleId, String),
    table: &str,
    grains: impl Iterator<Item = (i64, K)>,
) {
    let mut seen: HashMap<K, (i64, u32)> = HashMap::new();
    for (id, grain) in grains {
        let e = seen.entry(grain).or_insert((id, 0));
        e.0 = e.0.min(id);
        e.1 += 1;
    }
    let mut dupes: Vec<i64> = seen
        .values()
        .filter(|(_, n)| *n > 1)
        .map(|(id, _)| *id)
        .collect();
    dupes.sort_unstable();
    for id in dupes {
        v(RuleId::C5, key(table, id));
    }
}

/// D1–D4 and E1.
fn aggregation(v: &mut impl FnMut(RuleId, String), rows: &Rows) {
    let mut steps: HashMap<(&str, i64), Counters> = HashMap::new();
    let mut positions: HashMap<&str, HashSet<u32>> = HashMap::new();
    for r in &rows.steps {
        *steps
            .entry((&r.new.campaign_id, r.new.billing_id))
            .or_default() += r.new.counters();
        if let Some(p) = ids::step_position(&r.new.step_id) {
            positions.entry(&r.new.campaign_id).or_default().insert(p);
        }
    }
    let mut leads: HashMap<(&str, i64), (Counters, i32)> = HashMap::new();
    for r in &rows.leads {
        let e = leads
            .entry((&r.new.campaign_id, r.new.billing_id))
            .or_default();
        e.0 += r.new.counters();
        e.1 += 1;
        let allowed = positions
            .get(r.new.campaign_id.as_str())
            .map_or(0, HashSet::len);
        if i64::from(r.new.counters.sent) > allowed as i64 {
            v(RuleId::E1, key("lead_analytics", r.id));
        }
    }
    let mut companies: BTreeMap<(&str, i64), (Counters, Counters)> = BTreeMap::new();
    for r in &rows.campaigns {
        let k = (r.new.campaign_id.as_str(), r.new.billing_id);
        let own = r.new.counters();
        if steps.get(&k).copied().unwrap_or_default() != own {
            v(RuleId::D1, key("campaign_analytics", r.id));
        }
        let (lead_sum, lead_rows) = leads.get(&k).copied().unwrap_or_default();
        if lead_sum != own {
            v(RuleId::D2, key("campaign_analytics", r.id));
        }
        if r.new.completed_leads > lead_rows {
            v(RuleId::D4, key("campaign_analytics", r.id));
        }
        companies
            .entry((&r.new.company_id, r.new.billing_id))
            .or_default()
            .1 += own;
    }
    for r in &rows.warmups {
        companies
            .entry((&r.new.company_id, r.new.billing_id))
            .or_default()
            .1 += r.new.counters();
    }
    for r in &rows.mailboxes {
        companies
            .entry((&r.new.company_id, r.new.billing_id))
            .or_default()
            .0 += r.new.counters();
    }
    for ((company, billing_id), (mailboxes, sent_by_kind)) in companies {
        if mailboxes != sent_by_kind {
            v(
                RuleId::D3,
                format!("company {company} billing {billing_id}"),
            );
        }
    }
}

/// S1–S3.
fn statuses(v: &mut impl FnMut(RuleId, String), rows: &Rows) {
    let exit_columns: Vec<&str> = LeadStatus::ALL
        .iter()
        .filter_map(LeadStatus::exit_counter)
        .collect();
    for r in &rows.leads {
        let c = r.new.counters().to_array();
        let counter = |name: &str| {
            let at = Counters::NAMES
                .iter()
                .position(|&c| c == name)
                .expect("a counter");
            i64::from(c[at])
        };
        let exits: i64 = exit_columns.iter().map(|&name| counter(name)).sum();
        let agrees = r.new.status.is_known()
            && match r.new.status.exit_counter() {
                Some(name) => counter(name) >= 1,
                None => exits == 0,
            };
        if !agrees {
            v(RuleId::S1, key("lead_analytics", r.id));
        }
    }
    let mut lead_rows: HashMap<(&str, i64), i32> = HashMap::new();
    for r in &rows.leads {
        *lead_rows
            .entry((&r.new.campaign_id, r.new.billing_id))
            .or_default() += 1;
    }
    for r in &rows.campaigns {
        let n = lead_rows
            .get(&(r.new.campaign_id.as_str(), r.new.billing_id))
            .copied()
            .unwrap_or(0);
        let completed_wrong =
            r.new.status == CampaignStatus::Completed && r.new.completed_leads != n;
        if completed_wrong || !r.new.status.is_known() {
            v(RuleId::S2, key("campaign_analytics", r.id));
        }
    }
    let progress: HashMap<(&str, i64), i32> = rows
        .warmups
        .iter()
        .map(|r| {
            (
                (r.new.mailbox_id.as_str(), r.new.billing_id),
                r.new.progress_percentage,
            )
        })
        .collect();
    for r in &rows.mailboxes {
        if !(r.new.warmup_status.is_known() && r.new.campaign_status.is_known()) {
            v(RuleId::S3, key("mailbox_analytics", r.id));
            continue;
        }
        let Some(&p) = progress.get(&(r.new.mailbox_id.as_str(), r.new.billing_id)) else {
            continue;
        };
        let agrees = match WarmupStatus::from(r.new.warmup_status.as_str()) {
            WarmupStatus::Warming => p < 100,
            WarmupStatus::Warmed => p == 100,
            _ => false,
        };
        if !agrees {
            v(RuleId::S3, key("mailbox_analytics", r.id));
        }
    }
}
