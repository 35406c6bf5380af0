//! One company in one period: enrol leads, run their funnels, run warmup, and aggregate
//! everything into the period's rows.
//!
//! The period is always simulated to its end, with the same draws whatever the as-of day;
//! the as-of day only cuts what is visible: emails on or after it are not counted yet, and
//! rows without any visible activity are not emitted. Row ids are handed out to every row
//! the whole month will have, visible or not, so a row keeps its id while the month fills
//! up, and the next month's ids do not depend on the day the open month was cut.

use chrono::{DateTime, Utc};
use rand::Rng;
use schema::models::{LeadStatus, NewLeadAnalytics};

mod emit;

use super::funnel::{simulate_lead, Email, SequenceEnd};
use super::Context;
use crate::calendar::{Day, Period};
use crate::ids::{self, RowIds, Table};
use crate::planted;
use crate::rng::{self, Domain};
use schema::models::Counters;

use crate::rows::{Row, Rows};
use crate::world::Company;

/// Emails a lead receives on average, as a share of its campaign's step positions; only
/// used to size enrolment to the mailboxes' capacity.
const EMAILS_PER_STEP: f64 = 0.8;

/// A lead's emails that fall in a later period.
#[derive(Debug, Clone)]
struct PendingRow {
    period: usize,
    campaign: usize,
    mailbox: usize,
    lead_no: u32,
    emails: Vec<Email>,
    status: LeadStatus,
}

/// What a company carries from one period to the next: leads still in flight, and the
/// next lead number.
#[derive(Debug, Clone, Default)]
pub struct Carry {
    pending: Vec<PendingRow>,
    next_lead: u32,
}

/// The days of campaign mail behind a mailbox's health score.
const RECENT_DAYS: Day = 14;

/// A campaign's totals in the period: visible so far, and (`rows`, `step_rows`) what the
/// whole month will have.
#[derive(Debug, Clone, Default)]
struct CampaignTotals {
    counters: Counters,
    lead_rows: i32,
    finished: i32,
    /// Per step position, per variant.
    steps: Vec<[Counters; 2]>,
    /// Lead rows of the whole month.
    rows: i32,
    /// Whether a step variant sends in the whole month.
    step_rows: Vec<[bool; 2]>,
}

/// The simulation of one company over one period.
pub(super) struct CompanyPeriod<'a> {
    ctx: Context<'a>,
    company: &'a Company,
    period: &'a Period,
    carry: &'a mut Carry,
    /// The as-of day: activity on or after it is not visible yet.
    cut: Day,
    campaigns: Vec<CampaignTotals>,
    mailbox_mail: Vec<Counters>,
    /// Each mailbox's campaign mail in the last [`RECENT_DAYS`] before the cut.
    mailbox_recent: Vec<Counters>,
    domains: Vec<bool>,
}

impl<'a> CompanyPeriod<'a> {
    pub(super) fn new(
        ctx: Context<'a>,
        company: &'a Company,
        period: &'a Period,
        carry: &'a mut Carry,
    ) -> Self {
        Self {
            ctx,
            company,
            period,
            carry,
            cut: ctx.calendar.as_of_day(),
            campaigns: vec![CampaignTotals::default(); company.campaigns.len()],
            mailbox_mail: vec![Counters::default(); company.mailboxes.len()],
            mailbox_recent: vec![Counters::default(); company.mailboxes.len()],
            domains: vec![false; company.domains.len()],
        }
    }

    /// Distinct domains of the mailboxes that got a row.
    pub(super) fn domains_used(&self) -> i32 {
        self.domains.iter().filter(|&&d| d).count() as i32
    }

    pub(super) fn run(
        &mut self,
        rows: &mut Rows,
        ids: &mut RowIds,
        billing_id: i64,
        updated: DateTime<Utc>,
    ) {
        let mut out = RowSink {
            rows,
            ids,
            billing_id,
            updated,
        };
        let index = self.period.index as usize;
        let (due, later): (Vec<_>, Vec<_>) = std::mem::take(&mut self.carry.pending)
            .into_iter()
            .partition(|p| p.period == index);
        self.carry.pending = later;
        for row in due {
            self.record_lead(
                &mut out,
                row.campaign,
                row.mailbox,
                row.lead_no,
                &row.emails,
                row.status,
            );
        }
        for campaign in 0..self.company.campaigns.len() {
            self.enrol(&mut out, campaign);
        }
        self.emit_campaigns(&mut out);
        self.emit_mailboxes(&mut out);
    }

    /// Enrols this period's new leads into `campaign` and runs their funnels.
    fn enrol(&mut self, out: &mut RowSink<'_>, campaign_index: usize) {
        let company = self.company;
        let campaign = &company.campaigns[campaign_index];
        let p = self.period;
        // The whole month's enrolment, whatever the as-of day: the cut comes later.
        let mut to = campaign.enrol_end.min(p.end_day);
        if let Some(paused) = campaign.paused_at {
            to = to.min(paused);
        }
        // In the first period, campaigns that were already running have leads in flight:
        // enrol them from a sequence's length before the calendar, and keep only their
        // emails from day 0 on, so that the first months are not an artificial ramp-up.
        let lead_in = if p.index == 0 {
            campaign.sequence_days() + 2
        } else {
            0
        };
        let from = campaign.launch.max(p.start_day - lead_in);
        if from >= to {
            return;
        }
        let ctx = self.ctx;
        let key = [
            u64::from(self.company.key.0),
            u64::from(self.company.key.1),
            campaign_index as u64,
            u64::from(p.index),
        ];
        let mut rng = rng::stream(ctx.seed, Domain::CampaignPeriod, &key);
        let s = &ctx.profile.sending;
        let company = self.company;
        let per_lead = campaign.steps.len() as f64 * EMAILS_PER_STEP;
        let daily = f64::from(s.daily_limit) * self.company.utilization
            / f64::from(campaign.concurrency)
            / per_lead;
        let expected: f64 = (from..to)
            .filter(|&d| ctx.calendar.is_weekday(d))
            .map(|d| company.ready_count(d) as f64 * daily)
            .sum();
        let leads = (expected + rng.random::<f64>()).floor() as u32;
        let mut emails = Vec::with_capacity(campaign.steps.len());
        for _ in 0..leads {
            let enrolled = ctx.calendar.next_weekday(rng.random_range(from..to));
            let ready = company.ready_count(enrolled);
            if ready == 0 {
                continue;
            }
            let mailbox = company.ready_mailbox(rng.random_range(0..ready));
            let end = simulate_lead(
                &mut rng,
                &ctx.profile.rates,
                ctx.calendar,
                campaign,
                enrolled,
                &mut emails,
            );
            emails.retain(|e| e.day >= 0);
            if emails.is_empty() {
                continue;
            }
            let lead_no = self.carry.next_lead;
            self.carry.next_lead += 1;
            // One lead row per period the emails fall in; the last carries the final status.
            let mut rest = &emails[..];
            while let Some(first) = rest.first() {
                let period = ctx.calendar.period_of(first.day);
                let n = rest
                    .iter()
                    .take_while(|e| ctx.calendar.period_of(e.day) == period)
                    .count();
                let (group, tail) = rest.split_at(n);
                rest = tail;
                let status = match (rest.is_empty(), &end) {
                    (true, SequenceEnd::Exit(exit)) => exit.clone(),
                    (true, SequenceEnd::Finished) => LeadStatus::Completed,
                    _ => LeadStatus::Active,
                };
                if period == p.index as usize {
                    self.record_lead(out, campaign_index, mailbox, lead_no, group, status);
                } else {
                    self.carry.pending.push(PendingRow {
                        period,
                        campaign: campaign_index,
                        mailbox,
                        lead_no,
                        emails: group.to_vec(),
                        status,
                    });
                }
            }
        }
    }

    /// Adds one lead row, and its emails before the cut to the step, campaign and mailbox
    /// totals. The row gets its id even while none of its emails is visible yet; while
    /// some are not, the lead is still in its sequence.
    fn record_lead(
        &mut self,
        out: &mut RowSink<'_>,
        campaign_index: usize,
        mailbox: usize,
        lead_no: u32,
        emails: &[Email],
        status: LeadStatus,
    ) {
        let company = self.company;
        let campaign = &company.campaigns[campaign_index];
        let totals = &mut self.campaigns[campaign_index];
        if totals.steps.is_empty() {
            totals.steps = vec![[Counters::default(); 2]; campaign.steps.len()];
            totals.step_rows = vec![[false; 2]; campaign.steps.len()];
        }
        let id = out.ids.next(Table::Lead);
        totals.rows += 1;
        for email in emails {
            totals.step_rows[email.position as usize][email.variant as usize] = true;
        }
        // Emails are in day order.
        let visible = emails.partition_point(|e| e.day < self.cut);
        if visible == 0 {
            return;
        }
        let status = if visible < emails.len() {
            LeadStatus::Active
        } else {
            status
        };
        let recent_from = self.cut.min(self.period.end_day) - RECENT_DAYS;
        let mut lead = Counters::default();
        for email in &emails[..visible] {
            lead += email.outcome;
            if !planted::step_total_skips(email.position, email.variant) {
                totals.steps[email.position as usize][email.variant as usize] += email.outcome;
            }
            if email.day >= recent_from {
                self.mailbox_recent[mailbox] += email.outcome;
            }
        }
        totals.counters += lead;
        totals.lead_rows += 1;
        if status != LeadStatus::Active {
            totals.finished += 1;
        }
        if !planted::mailbox_skips_reply(lead.replied, lead.sent) {
            self.mailbox_mail[mailbox] += lead;
        }
        // While its month is open, a lead row changes only when one of its emails goes
        // out, so the nightly batch leaves it alone on other days: it was last aggregated
        // by the batch after its last email. The batch that closes the month touches all.
        let updated = if self.cut < self.period.end_day {
            self.ctx.calendar.batch_after(emails[visible - 1].day)
        } else {
            out.updated
        };
        let new = NewLeadAnalytics {
            lead_id: ids::lead_id(&company.id, lead_no),
            campaign_id: campaign.id.clone(),
            counters: lead,
            status,
            billing_id: out.billing_id,
            updated,
        };
        out.rows.leads.push(Row { id, new });
    }
}

/// Where the period's rows go.
struct RowSink<'a> {
    rows: &'a mut Rows,
    ids: &'a mut RowIds,
    billing_id: i64,
    updated: DateTime<Utc>,
}
