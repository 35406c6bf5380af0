//! The funnel of one lead: which emails it receives and what each one does.
//!
//! A lead is enrolled on a weekday and receives step `k` at `enrolment + offset(k)`,
//! moved to the next weekday. Each email is bounced or delivered; a delivered one may be
//! opened (and then clicked), and may end the sequence with a reply, an unsubscribe or a
//! spam complaint. A bounce ends it too. That is why later steps reach fewer leads, and
//! why a lead never receives more emails than its campaign has step positions (rule E1).

use rand::Rng;
use schema::models::{Counters, LeadStatus};

use crate::calendar::{Calendar, Day};
use crate::planted;
use crate::profile::Rates;
use crate::rng::Stream;
use crate::world::Campaign;

/// One campaign email.
#[derive(Debug, Clone, Copy)]
pub struct Email {
    /// The day it was sent.
    pub day: Day,
    /// Step position, 0-based.
    pub position: u8,
    /// Variant of the step, 0-based.
    pub variant: u8,
    /// Its outcome, each counter 0 or 1.
    pub outcome: Counters,
}

/// How a lead's sequence stands after its last email so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SequenceEnd {
    /// It left the sequence: reply, bounce, unsubscribe or complaint.
    Exit(LeadStatus),
    /// It received every step.
    Finished,
    /// More steps were due, but were never sent: the campaign was paused.
    InFlight,
}

/// Simulates one lead enrolled on `enrolled`, writing its emails into `emails` (cleared
/// first; a buffer reused across leads). Emails after the campaign's pause are not sent:
/// the lead then stays in the sequence. The whole sequence is simulated whatever the
/// as-of day or the tenant's churn, so that the next lead of the stream draws the same
/// numbers; the caller hides what is not visible.
pub fn simulate_lead(
    rng: &mut Stream,
    rates: &Rates,
    calendar: &Calendar,
    campaign: &Campaign,
    enrolled: Day,
    emails: &mut Vec<Email>,
) -> SequenceEnd {
    emails.clear();
    let mut exit = None;
    for (position, step) in campaign.steps.iter().enumerate() {
        let day = calendar.next_weekday(enrolled + step.offset);
        if !campaign.sends_on(day) {
            break;
        }
        let variant = rng.random_range(0..step.variants.len()) as u8;
        let later = position as i32;
        let mut outcome = Counters {
            sent: 1,
            ..Counters::default()
        };
        let bounce = if position == 0 {
            rates.bounce_first_step
        } else {
            rates.bounce_later_steps
        };
        if rng.random_bool(bounce) {
            outcome.bounced = 1;
            outcome.delivered = i32::from(planted::bounce_also_delivered(position));
            exit = Some(LeadStatus::Bounced);
        } else {
            outcome.delivered = 1;
            if rng.random_bool(rates.open * rates.open_step_decay.powi(later)) {
                outcome.opened_tracked = 1;
                outcome.clicked_tracked = i32::from(rng.random_bool(rates.click_of_open));
            } else {
                outcome.clicked_tracked = i32::from(planted::unopened_clicked(position));
            }
            let reply = rates.reply_first_step * rates.reply_step_decay.powi(later);
            let draw: f64 = rng.random();
            if draw < reply {
                outcome.replied = 1;
                exit = Some(LeadStatus::Replied);
            } else if draw < reply + rates.unsubscribe {
                outcome.unsubscribed = 1;
                exit = Some(LeadStatus::Unsubscribed);
            } else if draw < reply + rates.unsubscribe + rates.spam_complaint {
                outcome.spam_complaints = 1;
                exit = Some(LeadStatus::SpamReported);
            }
        }
        emails.push(Email {
            day,
            position: position as u8,
            variant,
            outcome,
        });
        if exit.is_some() {
            break;
        }
    }
    match exit {
        Some(status) => SequenceEnd::Exit(status),
        None if emails.len() == campaign.steps.len() => SequenceEnd::Finished,
        None => SequenceEnd::InFlight,
    }
}
