//! The period's aggregate rows: campaign and step rows from the lead totals, mailbox and
//! warmup rows from the campaign mail each mailbox sent plus its warmup.

use rand::Rng;
use schema::models::{
    CampaignStatus, Counters, MailboxCampaignStatus, NewCampaignAnalytics, NewMailboxAnalytics,
    NewSequenceStepAnalytics, NewWarmupAnalytics, WarmupStatus,
};

use super::{CompanyPeriod, RowSink};
use crate::activity::warmup::simulate_warmup;
use crate::ids::Table;
use crate::rng::{self, Domain};
use crate::rows::Row;

impl CompanyPeriod<'_> {
    /// One campaign row per campaign with lead rows, and its step rows.
    pub(super) fn emit_campaigns(&mut self, out: &mut RowSink<'_>) {
        let p = self.period;
        let index = p.index as usize;
        for (k, totals) in self.campaigns.iter().enumerate() {
            if totals.lead_rows == 0 {
                continue;
            }
            let campaign = &self.company.campaigns[k];
            let in_flight = self
                .carry
                .pending
                .iter()
                .any(|r| r.campaign == k && r.period > index);
            let status = if campaign.paused_at.is_some_and(|d| d < p.active_end_day) {
                CampaignStatus::Paused
            } else if campaign.enrol_end <= p.active_end_day
                && totals.finished == totals.lead_rows
                && !in_flight
            {
                CampaignStatus::Completed
            } else {
                CampaignStatus::Active
            };
            let c = totals.counters;
            let id = out.ids.next(Table::Campaign);
            out.rows.campaigns.push(Row {
                id,
                new: NewCampaignAnalytics {
                    campaign_id: campaign.id.clone(),
                    company_id: self.company.id.clone(),
                    counters: c,
                    status,
                    completed_leads: totals.finished,
                    billing_id: out.billing_id,
                    updated: out.updated,
                },
            });
            for (position, variants) in campaign.steps.iter().zip(&totals.steps) {
                for (step_id, c) in position.variants.iter().zip(variants) {
                    if c.sent == 0 {
                        continue;
                    }
                    let id = out.ids.next(Table::SequenceStep);
                    out.rows.steps.push(Row {
                        id,
                        new: NewSequenceStepAnalytics {
                            step_id: step_id.clone(),
                            campaign_id: campaign.id.clone(),
                            company_id: self.company.id.clone(),
                            counters: *c,
                            billing_id: out.billing_id,
                            updated: out.updated,
                        },
                    });
                }
            }
        }
    }

    /// One mailbox row per existing mailbox (campaign plus warmup mail), and a warmup row
    /// for each mailbox whose warmup ran.
    pub(super) fn emit_mailboxes(&mut self, out: &mut RowSink<'_>) {
        let p = self.period;
        let ctx = self.ctx;
        let weekdays = ctx.calendar.weekdays(p.start_day, p.active_end_day).max(1) as i32;
        for (m, mailbox) in self.company.mailboxes.iter().enumerate() {
            if mailbox.warmup_start >= p.active_end_day {
                continue;
            }
            self.domains[mailbox.domain] = true;
            let key = [
                u64::from(self.company.key.0),
                u64::from(self.company.key.1),
                m as u64,
                u64::from(p.index),
            ];
            let mut rng = rng::stream(ctx.seed, Domain::MailboxPeriod, &key);
            let warmup = simulate_warmup(&mut rng, &ctx.profile.warmup, mailbox, p);
            let campaign = self.mailbox_mail[m];
            let health = health_score(&mut rng, warmup.progress, campaign);
            let mut total = campaign;
            if let Some(w) = warmup.counters {
                total += w;
                let id = out.ids.next(Table::Warmup);
                out.rows.warmups.push(Row {
                    id,
                    new: NewWarmupAnalytics {
                        mailbox_id: mailbox.id.clone(),
                        company_id: self.company.id.clone(),
                        counters: w,
                        health_score: health,
                        progress_percentage: warmup.progress,
                        billing_id: out.billing_id,
                        updated: out.updated,
                    },
                });
            }
            let warmup_status = if warmup.paused {
                WarmupStatus::Paused
            } else if warmup.progress < 100 {
                WarmupStatus::Warming
            } else {
                WarmupStatus::Warmed
            };
            let campaign_status = if mailbox.ready_day() >= p.active_end_day {
                MailboxCampaignStatus::Warming
            } else if campaign.sent > 0 {
                MailboxCampaignStatus::Sending
            } else {
                MailboxCampaignStatus::Idle
            };
            let id = out.ids.next(Table::Mailbox);
            out.rows.mailboxes.push(Row {
                id,
                new: NewMailboxAnalytics {
                    mailbox_id: mailbox.id.clone(),
                    company_id: self.company.id.clone(),
                    counters: total,
                    warmup_status,
                    health_score: health,
                    current_volume: warmup.end_volume + campaign.sent / weekdays,
                    billing_id: out.billing_id,
                    campaign_status,
                    updated: out.updated,
                },
            });
        }
    }
}

/// Sender reputation: it grows with warmup and falls with bounces and complaints, the two
/// signals mailbox providers weigh most.
fn health_score(rng: &mut rng::Stream, progress: i32, campaign: Counters) -> i32 {
    let base = 40.0 + 0.55 * f64::from(progress);
    // Rates over at least 200 emails: one bounce of a handful must not sink a mailbox.
    let sent = f64::from(campaign.sent.max(200));
    let bounce_rate = f64::from(campaign.bounced) / sent;
    let complaint_rate = f64::from(campaign.spam_complaints) / sent;
    let noise = f64::from(rng.random_range(-3..=3));
    (base - 300.0 * bounce_rate - 5_000.0 * complaint_rate + noise)
        .round()
        .clamp(0.0, 100.0) as i32
}
