//! Deliberately broken data: for each rule, the smallest change to a good world that
//! breaks that rule and no other.
//!
//! Both evaluators are tested against these same breakages: the in-memory one directly,
//! the SQL audit after loading the broken rows. Where a change to one row would also
//! break an aggregate, the breakage carries it upward (a lead's extra `delivered` also
//! goes to its step, campaign and a mailbox row), so that exactly one rule is broken.
//! Breakages add rows with id [`EXTRA_ID`] where a row must be added.

use chrono::Duration;
use schema::models::{
    CampaignStatus, Counters, LeadStatus, NewMailboxAnalytics, NewSequenceStepAnalytics,
    NewWarmupAnalytics, WarmupStatus,
};

use super::RuleId;
use crate::ids;
use crate::rows::{Activity, Row, Rows};

/// Id given to rows a breakage adds: above every tenant's id space.
pub const EXTRA_ID: i64 = 999_999_000_000_000;

/// Changes that only SQL can express, because the insertables cannot hold `NULL`: run
/// after loading a good world.
pub fn sql_only(rule: RuleId) -> Option<&'static str> {
    match rule {
        // A zero-counter step row (the counters take their default, 0) without a billing
        // period: it changes no sum.
        RuleId::A7 => Some(
            "INSERT INTO sequence_step_analytics (id, step_id, campaign_id, company_id, billing_id, updated) \
             OVERRIDING SYSTEM VALUE \
             SELECT 999999000000001, step_id, campaign_id, company_id, NULL, updated \
             FROM sequence_step_analytics ORDER BY id LIMIT 1",
        ),
        _ => None,
    }
}

/// Breaks `rule` in `rows`. Returns `false` when the rule cannot be broken in memory
/// (see [`sql_only`]) or the world lacks what the breakage needs.
pub fn break_rows(rows: &mut Rows, rule: RuleId) -> bool {
    use RuleId::*;
    match rule {
        A1 => {
            // clicked −1 on a warmup row and on its mailbox row keeps D3 in balance.
            let Some(w) = rows.warmups.first_mut() else {
                return false;
            };
            w.new.counters.clicked_tracked -= 1;
            let (mailbox, billing) = (w.new.mailbox_id.clone(), w.new.billing_id);
            mailbox_row(rows, &mailbox, billing)
                .map(|m| m.new.counters.clicked_tracked -= 1)
                .is_some()
        }
        A2 => lead_upward(rows, |l| l.counters.delivered >= 1, |d, _| d.delivered = 1),
        A3 => lead_upward(
            rows,
            |l| l.counters.delivered >= 1,
            |d, l| d.opened_tracked = l.delivered - l.opened_tracked + 1,
        ),
        A4 => lead_upward(
            rows,
            |l| l.counters.delivered >= 1,
            |d, l| d.clicked_tracked = l.opened_tracked - l.clicked_tracked + 1,
        ),
        A5 => lead_upward(
            rows,
            |l| l.status == LeadStatus::Replied,
            |d, l| d.replied = l.delivered,
        ),
        A6 => first(&mut rows.mailboxes)
            .map(|m| m.new.health_score = 101)
            .is_some(),
        A7 => false,
        A8 => first(&mut rows.leads)
            .map(|l| l.new.updated += Duration::days(40))
            .is_some(),
        B1 => {
            // The last period of a churned tenant: its rows were aggregated after it closed,
            // so an empty period starting at its end still contains their `updated`.
            let as_of_period = rows.billing.iter().map(|b| b.new.period_end).max();
            let Some(last) = last_periods(rows)
                .into_iter()
                .find(|&i| Some(rows.billing[i].new.period_end) != as_of_period)
            else {
                return false;
            };
            let b = &mut rows.billing[last].new;
            b.period_start = b.period_end;
            true
        }
        B2 => {
            let lasts = last_periods(rows);
            let Some(b) = (0..rows.billing.len()).find(|i| !lasts.contains(i)) else {
                return false;
            };
            rows.billing[b].new.period_end += Duration::days(1);
            true
        }
        B3 => first(&mut rows.billing)
            .map(|b| b.new.warmups_active = -1)
            .is_some(),
        B4 => first(&mut rows.billing)
            .map(|b| b.new.emails_sent += 1)
            .is_some(),
        B5 => first(&mut rows.billing)
            .map(|b| b.new.campaigns_used += 1)
            .is_some(),
        B6 => first(&mut rows.billing)
            .map(|b| b.new.mailboxes_used += 1)
            .is_some(),
        B7 => first(&mut rows.billing)
            .map(|b| b.new.domains_used += 1)
            .is_some(),
        B8 => first(&mut rows.billing)
            .map(|b| b.new.leads_used += 1)
            .is_some(),
        B9 => first(&mut rows.billing)
            .map(|b| b.new.warmups_active += 1)
            .is_some(),
        B10 => {
            // Rename one company, everywhere, to a company of another tenant.
            let Some((from, to)) = two_companies(rows, false) else {
                return false;
            };
            rename_company(rows, &from, &to);
            true
        }
        C1 => add_step(rows, |rows, step| {
            step.billing_id = rows.billing.iter().map(|b| b.id).max().unwrap_or(0) + 1;
            true
        }),
        C2 => add_step(rows, |rows, step| {
            // The same tenant's period in which this campaign has no row.
            let tenant = tenant_of_billing(rows, step.billing_id);
            let other = rows.billing.iter().find(|b| {
                b.new.tenant_id == tenant
                    && !rows
                        .campaigns
                        .iter()
                        .any(|c| c.new.campaign_id == step.campaign_id && c.new.billing_id == b.id)
            });
            let Some(other) = other else { return false };
            step.billing_id = other.id;
            step.updated = other.new.period_start;
            true
        }),
        C3 => {
            let Some(lead) = rows.leads.first().cloned() else {
                return false;
            };
            let tenant = tenant_of_billing(rows, lead.new.billing_id);
            let other = rows.billing.iter().position(|b| {
                b.new.tenant_id == tenant
                    && !rows.campaigns.iter().any(|c| {
                        c.new.campaign_id == lead.new.campaign_id && c.new.billing_id == b.id
                    })
            });
            let Some(other) = other else { return false };
            let billing = &mut rows.billing[other];
            billing.new.leads_used += 1;
            let mut new = lead.new;
            new.set_counters(Counters::default());
            new.status = LeadStatus::Active;
            new.billing_id = billing.id;
            new.updated = billing.new.period_start;
            rows.leads.push(Row { id: EXTRA_ID, new });
            true
        }
        C4 => add_warmup(rows, |w| {
            w.mailbox_id = format!("ghost@{}", ids::mailbox_domain(&w.mailbox_id))
        }),
        C5 => add_warmup(rows, |_| {}),
        C6 => {
            // A zero mailbox row of company X's mailbox, filed under another company Y.
            let Some((from, to)) = two_companies(rows, true) else {
                return false;
            };
            let Some(source) = rows
                .mailboxes
                .iter()
                .find(|m| m.new.company_id == from)
                .cloned()
            else {
                return false;
            };
            let Some(target) = rows
                .mailboxes
                .iter()
                .find(|m| m.new.company_id == to)
                .map(|m| m.new.billing_id)
            else {
                return false;
            };
            let b = rows
                .billing
                .iter_mut()
                .find(|b| b.id == target)
                .expect("billing row of a mailbox row");
            b.new.mailboxes_used += 1;
            b.new.domains_used += 1;
            let mut new = NewMailboxAnalytics {
                company_id: to,
                billing_id: target,
                updated: b.new.period_start,
                warmup_status: WarmupStatus::Warming,
                ..source.new
            };
            new.set_counters(Counters::default());
            rows.mailboxes.push(Row { id: EXTRA_ID, new });
            true
        }
        D1 => first_where(&mut rows.steps, |s| {
            s.new.counters.opened_tracked < s.new.counters.delivered
        })
        .map(|s| s.new.counters.opened_tracked += 1)
        .is_some(),
        D2 => first_where(&mut rows.leads, |l| {
            l.new.counters.opened_tracked < l.new.counters.delivered
        })
        .map(|l| l.new.counters.opened_tracked += 1)
        .is_some(),
        D3 => first_where(&mut rows.mailboxes, |m| {
            m.new.counters.opened_tracked < m.new.counters.delivered
        })
        .map(|m| m.new.counters.opened_tracked += 1)
        .is_some(),
        D4 => {
            let Some(c) = rows
                .campaigns
                .iter()
                .position(|c| c.new.status != CampaignStatus::Completed)
            else {
                return false;
            };
            let campaign = &rows.campaigns[c].new;
            let n = rows
                .leads
                .iter()
                .filter(|l| {
                    l.new.campaign_id == campaign.campaign_id
                        && l.new.billing_id == campaign.billing_id
                })
                .count();
            rows.campaigns[c].new.completed_leads = n as i32 + 1;
            true
        }
        E1 => {
            let positions = |rows: &Rows, campaign: &str| {
                let mut p: Vec<u32> = rows
                    .steps
                    .iter()
                    .filter(|s| s.new.campaign_id == campaign)
                    .filter_map(|s| ids::step_position(&s.new.step_id))
                    .collect();
                p.sort_unstable();
                p.dedup();
                p.len() as i32
            };
            let Some(lead) = rows.leads.first() else {
                return false;
            };
            let extra = positions(rows, &lead.new.campaign_id);
            let billing_id = lead.new.billing_id;
            rows.billing
                .iter_mut()
                .filter(|b| b.id == billing_id)
                .for_each(|b| b.new.emails_sent += extra);
            lead_upward(rows, |_| true, |d, _| d.sent = extra)
        }
        S1 => first_where(&mut rows.leads, |l| l.new.status == LeadStatus::Replied)
            .map(|l| l.new.status = LeadStatus::Completed)
            .is_some(),
        S2 => first_where(&mut rows.campaigns, |c| {
            c.new.status == CampaignStatus::Active && c.new.completed_leads >= 0
        })
        .map(|c| {
            c.new.status = CampaignStatus::Completed;
            c.new.completed_leads = 0;
        })
        .is_some(),
        S3 => {
            let Some(w) = rows.warmups.first() else {
                return false;
            };
            let (mailbox, billing) = (w.new.mailbox_id.clone(), w.new.billing_id);
            mailbox_row(rows, &mailbox, billing)
                .map(|m| m.new.warmup_status = WarmupStatus::Paused)
                .is_some()
        }
    }
}

fn first<T>(rows: &mut [Row<T>]) -> Option<&mut Row<T>> {
    rows.first_mut()
}

fn first_where<T>(rows: &mut [Row<T>], f: impl Fn(&Row<T>) -> bool) -> Option<&mut Row<T>> {
    rows.iter_mut().find(|r| f(r))
}

fn mailbox_row<'a>(
    rows: &'a mut Rows,
    mailbox: &str,
    billing: i64,
) -> Option<&'a mut Row<NewMailboxAnalytics>> {
    rows.mailboxes
        .iter_mut()
        .find(|m| m.new.mailbox_id == mailbox && m.new.billing_id == billing)
}

/// A change to one lead row's counters, `delta(&mut change, &lead counters)`, added as
/// well to a step row, the campaign row and a mailbox row of the same period, so that
/// D1–D3 still hold.
fn lead_upward(
    rows: &mut Rows,
    pick: impl Fn(&schema::models::NewLeadAnalytics) -> bool,
    delta: impl Fn(&mut Counters, &Counters),
) -> bool {
    let Some(li) = rows.leads.iter().position(|l| pick(&l.new)) else {
        return false;
    };
    let (campaign, billing) = (
        rows.leads[li].new.campaign_id.clone(),
        rows.leads[li].new.billing_id,
    );
    let same = |c: &str, b: i64| c == campaign && b == billing;
    let Some(ci) = rows
        .campaigns
        .iter()
        .position(|c| same(&c.new.campaign_id, c.new.billing_id))
    else {
        return false;
    };
    let company = rows.campaigns[ci].new.company_id.clone();
    let Some(si) = rows
        .steps
        .iter()
        .position(|s| same(&s.new.campaign_id, s.new.billing_id))
    else {
        return false;
    };
    let Some(mi) = rows
        .mailboxes
        .iter()
        .position(|m| m.new.company_id == company && m.new.billing_id == billing)
    else {
        return false;
    };
    let mut change = Counters::default();
    delta(&mut change, &rows.leads[li].new.counters());
    add(&mut rows.leads[li].new, change);
    add(&mut rows.campaigns[ci].new, change);
    add(&mut rows.steps[si].new, change);
    add(&mut rows.mailboxes[mi].new, change);
    true
}

fn add(row: &mut impl Activity, change: Counters) {
    let mut c = row.counters();
    c += change;
    row.set_counters(c);
}

/// Indexes of each tenant's last billing row.
fn last_periods(rows: &Rows) -> Vec<usize> {
    let mut last: std::collections::BTreeMap<&str, usize> = Default::default();
    for (i, b) in rows.billing.iter().enumerate() {
        let e = last.entry(&b.new.tenant_id).or_insert(i);
        if rows.billing[*e].new.period_start < b.new.period_start {
            *e = i;
        }
    }
    last.into_values().collect()
}

fn tenant_of_billing(rows: &Rows, billing_id: i64) -> String {
    rows.billing
        .iter()
        .find(|b| b.id == billing_id)
        .map(|b| b.new.tenant_id.clone())
        .unwrap_or_default()
}

/// Two companies with mailbox rows: of different tenants, or (`any_tenant`) any two.
fn two_companies(rows: &Rows, any_tenant: bool) -> Option<(String, String)> {
    let owner = |company: &str| company.split('-').next().unwrap_or("").to_owned();
    let from = rows.mailboxes.first()?.new.company_id.clone();
    let to = rows
        .mailboxes
        .iter()
        .map(|m| &m.new.company_id)
        .find(|c| **c != from && (any_tenant || owner(c) != owner(&from)))?
        .clone();
    Some((from, to))
}

fn rename_company(rows: &mut Rows, from: &str, to: &str) {
    let fix = |c: &mut String| {
        if c == from {
            *c = to.to_owned();
        }
    };
    rows.campaigns
        .iter_mut()
        .for_each(|r| fix(&mut r.new.company_id));
    rows.steps
        .iter_mut()
        .for_each(|r| fix(&mut r.new.company_id));
    rows.mailboxes
        .iter_mut()
        .for_each(|r| fix(&mut r.new.company_id));
    rows.warmups
        .iter_mut()
        .for_each(|r| fix(&mut r.new.company_id));
}

/// Adds a zero-counter copy of the first step row, changed by `change`.
fn add_step(
    rows: &mut Rows,
    change: impl Fn(&Rows, &mut NewSequenceStepAnalytics) -> bool,
) -> bool {
    let Some(step) = rows.steps.first() else {
        return false;
    };
    let mut new = step.new.clone();
    new.set_counters(Counters::default());
    if !change(rows, &mut new) {
        return false;
    }
    rows.steps.push(Row { id: EXTRA_ID, new });
    true
}

/// Adds a zero-counter copy of the first warmup row, changed by `change`, and counts it
/// in its period's `warmups_active` (B9).
fn add_warmup(rows: &mut Rows, change: impl Fn(&mut NewWarmupAnalytics)) -> bool {
    let Some(w) = rows.warmups.first() else {
        return false;
    };
    let mut new = w.new.clone();
    new.set_counters(Counters::default());
    change(&mut new);
    let billing_id = new.billing_id;
    rows.billing
        .iter_mut()
        .filter(|b| b.id == billing_id)
        .for_each(|b| b.new.warmups_active += 1);
    rows.warmups.push(Row { id: EXTRA_ID, new });
    true
}
