//! Warmup: a new mailbox ramps its daily warmup volume up to a peak, then keeps a low
//! maintenance volume for as long as it lives. Warmup networks open and answer
//! automatically, so engagement is far above campaign mail.

use rand::Rng;
use rand_distr::{Binomial, Distribution};

use crate::calendar::{Day, Period};
use crate::profile::Warmup;
use crate::rng::Stream;
use schema::models::Counters;

use crate::world::Mailbox;

/// A mailbox's warmup in one period.
#[derive(Debug, Clone, Copy)]
pub struct WarmupPeriod {
    /// Warmup mail, or `None` if warmup did not run (switched off, or no days).
    pub counters: Option<Counters>,
    /// Ramp progress at the end of the period, 0–100.
    pub progress: i32,
    /// Warmup emails a day at the end of the period.
    pub end_volume: i32,
    /// Whether warmup was switched off for the month.
    pub paused: bool,
    /// Whether warmup runs on some day of the whole month (visible yet or not).
    pub runs: bool,
}

/// Warmup emails on ramp day `age` (0 = the day warmup started).
fn daily_volume(w: &Warmup, mailbox: &Mailbox, age: Day) -> i32 {
    let ramp = mailbox.ramp_days as Day;
    if age < ramp {
        let span = (w.peak_volume - w.start_volume) as Day;
        w.start_volume as Day + span * age / ramp
    } else {
        w.maintenance_volume as i32
    }
}

fn binomial(rng: &mut Stream, n: i32, p: f64) -> i32 {
    if n <= 0 {
        return 0;
    }
    Binomial::new(n as u64, p).map_or(0, |b| b.sample(rng) as i32)
}

/// Simulates `mailbox`'s warmup over the active days of `period`: day by day, so that a
/// later as-of day only adds days (the draws of a day never depend on how many follow).
pub fn simulate_warmup(
    rng: &mut Stream,
    w: &Warmup,
    mailbox: &Mailbox,
    period: &Period,
) -> WarmupPeriod {
    let from = period.start_day.max(mailbox.warmup_start);
    let to = period.active_end_day;
    let age_at_end = (to - mailbox.warmup_start).max(0);
    let progress = (age_at_end * 100 / mailbox.ramp_days as Day).min(100);
    let warmed_before = period.start_day >= mailbox.ready_day();
    let paused = warmed_before && rng.random_bool(w.monthly_pause);
    let runs = !paused && from < period.end_day;
    if !runs || from >= to {
        return WarmupPeriod {
            counters: None,
            progress,
            end_volume: 0,
            paused,
            runs,
        };
    }
    let mut c = Counters::default();
    for day in from..to {
        let sent = daily_volume(w, mailbox, day - mailbox.warmup_start);
        let bounced = binomial(rng, sent, w.bounce);
        let delivered = sent - bounced;
        c.sent += sent;
        c.bounced += bounced;
        c.delivered += delivered;
        c.opened_tracked += binomial(rng, delivered, w.open);
        c.replied += binomial(rng, delivered, w.reply);
    }
    WarmupPeriod {
        counters: Some(c),
        progress,
        end_volume: daily_volume(w, mailbox, to - 1 - mailbox.warmup_start),
        paused,
        runs,
    }
}
