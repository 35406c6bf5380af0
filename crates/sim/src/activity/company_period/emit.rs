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
    /// One campaign row per campaign with visible lead rows, and its step rows; ids for
    /// every row the whole month will have.
    pub(super) fn emit_campaigns(&mut self, out: &mut RowSink<'_>) {
        let p = self.period;
        let index = p.index as usize;
        for (k, totals) in self.campaigns.iter().enumerate() {
            if totals.rows == 0 {
                continue;
            }
            let campaign = &self.company.campaigns[k];
            let id = out.ids.next(Table::Campaign);
            let mut step_rows = Vec::new();
            for ((position, variants), seen) in campaign
                .steps
                .iter()
                .zip(&totals.steps)
                .zip(&totals.step_rows)
            {
                for ((step_id, c), &seen) in position.variants.iter().zip(variants).zip(seen) {
                    if seen {
                        step_rows.push((out.ids.next(Table::SequenceStep), step_id, *c));
                    }
                }
            }
            if totals.lead_rows == 0 {
                continue;
            }
            let in_flight = self
                .carry
                .pending
                .iter()
                .any(|r| r.campaign == k && r.period > index);
            // Completed only once every lead row of the month is visible and finished, so
            // that a status never moves back while the month fills up: active, then
            // paused, then completed.
            let completed = campaign.enrol_end <= p.active_end_day
                && totals.lead_rows == totals.rows
                && totals.finished == totals.lead_rows
                && !in_flight;
            let status = if completed {
                CampaignStatus::Completed
            } else if campaign.paused_at.is_some_and(|d| d < p.active_end_day) {
                CampaignStatus::Paused
            } else {
                CampaignStatus::Active
            };
            out.rows.campaigns.push(Row {
                id,
                new: NewCampaignAnalytics {
                    campaign_id: campaign.id.clone(),
                    company_id: self.company.id.clone(),
                    counters: totals.counters,
                    status,
                    completed_leads: totals.finished,
                    billing_id: out.billing_id,
                    updated: out.updated,
                },
            });
            for (id, step_id, counters) in step_rows {
                if counters.sent == 0 {
                    continue;
                }
                out.rows.steps.push(Row {
                    id,
                    new: NewSequenceStepAnalytics {
                        step_id: step_id.clone(),
                        campaign_id: campaign.id.clone(),
                        company_id: self.company.id.clone(),
                        counters,
                        billing_id: out.billing_id,
                        updated: out.updated,
                    },
                });
            }
        }
    }

    /// One mailbox row per existing mailbox (campaign plus warmup mail), and a warmup row
    /// for each mailbox whose warmup ran; ids for every mailbox of the whole month.
    pub(super) fn emit_mailboxes(&mut self, out: &mut RowSink<'_>) {
        let p = self.period;
        let ctx = self.ctx;
        let weekdays = ctx.calendar.weekdays(p.start_day, p.active_end_day).max(1) as i32;
        for (m, mailbox) in self.company.mailboxes.iter().enumerate() {
            if mailbox.warmup_start >= p.end_day {
                continue;
            }
            let key = [
                u64::from(self.company.key.0),
                u64::from(self.company.key.1),
                m as u64,
                u64::from(p.index),
            ];
            let mut rng = rng::stream(ctx.seed, Domain::MailboxPeriod, &key);
            let noise = rng.random_range(-3..=3);
            let warmup = simulate_warmup(&mut rng, &ctx.profile.warmup, mailbox, p);
            let warmup_id = warmup.runs.then(|| out.ids.next(Table::Warmup));
            let id = out.ids.next(Table::Mailbox);
            if mailbox.warmup_start >= p.active_end_day {
                continue;
            }
            self.domains[mailbox.domain] = true;
            let campaign = self.mailbox_mail[m];
            let health = health_score(noise, warmup.progress, self.mailbox_recent[m]);
            let mut total = campaign;
            if let (Some(w), Some(id)) = (warmup.counters, warmup_id) {
                total += w;
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

/// Sender reputation: it grows with warmup and falls with the mailbox's own bounces and
/// spam complaints of the last two weeks (`recent`), the two signals mailbox providers
/// weigh most. A complaint rate of 0.3 %, Gmail's hard limit, costs 12 points; a bounce
/// rate of 5 %, 20.
fn health_score(noise: i32, progress: i32, recent: Counters) -> i32 {
    let base = 40.0 + 0.55 * f64::from(progress);
    // Rates over at least 100 emails: one bounce of a handful must not sink a mailbox.
    let sent = f64::from(recent.sent.max(100));
    let bounce_rate = f64::from(recent.bounced) / sent;
    let complaint_rate = f64::from(recent.spam_complaints) / sent;
    (base - 400.0 * bounce_rate - 4_000.0 * complaint_rate + f64::from(noise))
        .round()
        .clamp(0.0, 100.0) as i32
}
