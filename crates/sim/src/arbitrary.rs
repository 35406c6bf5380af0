//! Random [`Profile`]s for property tests, as [`proptest`](mod@proptest) strategies (feature
//! `arbitrary`): [`profile`] draws every knob over its whole valid range, with the edges
//! (rates of 0 and 1, one tenant, a calendar of zero days, a leap day) as likely as
//! anything in between, and bounds only the total size, so that one case runs in seconds.
//!
//! `cargo xtask proptest` runs every rule against these profiles; a service can use them
//! the same way, for its own properties over simulated worlds:
//!
//! ```
//! use proptest::prelude::*;
//! use sim::{Shard, Simulator};
//!
//! proptest!(ProptestConfig::with_cases(2), |(profile in sim::arbitrary::profile(), seed: u64)| {
//!     let rows = Simulator::new(profile, seed).rows(Shard::ALL);
//!     prop_assert!(sim::rules::evaluate(&rows).is_empty());
//! });
//! ```
//!
//! The strategies are part of what a saved proptest failure replays: a change to how they
//! draw changes the case a committed seed in `proptest-regressions/` stands for.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use crate::profile::{Campaigns, Rates, Sending, Tenancy, Warmup};
use crate::Profile;

/// A profile over every knob, named `proptest`, with one to four initial tenants. Its daily
/// limit and campaign concurrency are then lowered, if need be, so that it sends at most
/// two million campaign emails and builds at most 20,000 campaigns.
pub fn profile() -> impl Strategy<Value = Profile> {
    (
        1u32..=4,
        calendar(),
        (tenancy(), sending(), campaigns(), rates(), warmup()),
    )
        .prop_map(
            |(tenants, (first_period, as_of), (tenancy, sending, campaigns, rates, warmup))| {
                let mut profile = Profile {
                    name: "proptest".into(),
                    tenants,
                    first_period,
                    as_of,
                    tenancy,
                    sending,
                    campaigns,
                    rates,
                    warmup,
                };
                within_budget(&mut profile);
                profile
            },
        )
}

/// A probability, with both edges as likely as any interior value.
pub fn rate() -> impl Strategy<Value = f64> {
    prop_oneof![1 => Just(0.0), 1 => Just(1.0), 3 => 0.0..=1.0]
}

/// An inclusive range `[lo, hi]` with `min <= lo <= hi <= max`.
pub fn range(min: u32, max: u32) -> impl Strategy<Value = [u32; 2]> {
    (min..=max, min..=max).prop_map(|(a, b)| [a.min(b), a.max(b)])
}

/// A share range `[lo, hi]` within `0..=1`.
pub fn share_range() -> impl Strategy<Value = [f64; 2]> {
    (rate(), rate()).prop_map(|(a, b)| [a.min(b), a.max(b)])
}

/// Calendars from zero days to four years, starting in any month of 2019–2030, with
/// leap days (2020, 2024, 2028) as likely ends as any other day.
pub fn calendar() -> impl Strategy<Value = (NaiveDate, NaiveDate)> {
    let start = (2019i32..=2030, 1u32..=12)
        .prop_map(|(y, m)| NaiveDate::from_ymd_opt(y, m, 1).expect("the 1st of a month"));
    let ordinary = (start, prop_oneof![3 => 0u64..=62, 1 => 0u64..=4 * 366])
        .prop_map(|(first, days)| (first, first + Days::new(days)));
    let leap = (
        prop_oneof![Just(2020), Just(2024), Just(2028)],
        1u32..=2,
        0u64..=1,
    )
        .prop_map(|(year, month, after)| {
            let first = NaiveDate::from_ymd_opt(year, month, 1).expect("a month");
            let leap_day = NaiveDate::from_ymd_opt(year, 2, 29).expect("a leap year");
            (first, leap_day + Days::new(after))
        });
    prop_oneof![4 => ordinary, 1 => leap]
}

/// [`Tenancy`] with every rate anywhere in `0..=1` and one to five companies per agency.
pub fn tenancy() -> impl Strategy<Value = Tenancy> {
    (rate(), rate(), range(1, 5), rate(), rate(), rate(), rate()).prop_map(
        |(signups, agency, companies, trial, conversion, churn, growth)| Tenancy {
            monthly_signups: signups,
            agency_share: agency,
            agency_companies: companies,
            trial_share: trial,
            trial_conversion: conversion,
            monthly_churn: churn,
            monthly_growth: growth,
        },
    )
}

/// [`Sending`] from one domain to the 26 a tenant may have, up to 20 mailboxes a domain and
/// daily limits from 1 to 10,000 (small values are the likely ones).
pub fn sending() -> impl Strategy<Value = Sending> {
    (
        1.0f64..=3.0,
        0.3f64..=4.0,
        prop_oneof![6 => 1u32..=4, 1 => Just(26)],
        prop_oneof![6 => range(1, 3), 1 => range(1, 20)],
        prop_oneof![6 => 1u32..=40, 1 => Just(10_000)],
        share_range(),
    )
        .prop_map(
            |(min, shape, max, per_domain, limit, utilization)| Sending {
                // The Pareto scale is the smallest draw: it cannot exceed the cap.
                domains_min: min.min(f64::from(max)),
                domains_shape: shape,
                domains_max: max,
                mailboxes_per_domain: per_domain,
                daily_limit: limit,
                utilization,
            },
        )
}

/// [`Campaigns`] of one to nine steps, with any A/B and pause share.
pub fn campaigns() -> impl Strategy<Value = Campaigns> {
    (
        range(1, 9),
        rate(),
        range(1, 10),
        range(1, 90),
        0.05f64..=50.0,
        rate(),
    )
        .prop_map(|(steps, ab, gap, enrolment, concurrent, pause)| Campaigns {
            steps,
            ab_share: ab,
            step_gap_days: gap,
            enrolment_days: enrolment,
            concurrent_per_5_mailboxes: concurrent,
            pause_share: pause,
        })
}

/// [`Rates`] with every probability anywhere in `0..=1`, except that the first step's exits
/// (reply, unsubscribe, spam complaint) sum to at most 1.
pub fn rates() -> impl Strategy<Value = Rates> {
    let outcomes = (rate(), rate(), rate(), rate(), rate());
    (outcomes, rate(), rate(), rate(), rate()).prop_map(
        |(
            (bounce_first, bounce_later, open, open_decay, click),
            reply,
            reply_decay,
            unsub,
            spam,
        )| {
            // The first step's exits share one draw: their probabilities sum to at most 1.
            let unsubscribe = unsub.min(1.0 - reply);
            let spam_complaint = spam.min((1.0 - reply - unsubscribe).max(0.0));
            Rates {
                bounce_first_step: bounce_first,
                bounce_later_steps: bounce_later,
                open,
                open_step_decay: open_decay,
                click_of_open: click,
                reply_first_step: reply,
                reply_step_decay: reply_decay,
                unsubscribe,
                spam_complaint,
            }
        },
    )
}

/// [`Warmup`] ramps of one to 60 days, volumes up to 120 a day, any rates.
pub fn warmup() -> impl Strategy<Value = Warmup> {
    (
        range(1, 60),
        range(0, 120),
        0u32..=60,
        rate(),
        rate(),
        rate(),
        rate(),
    )
        .prop_map(
            |(ramp, [start, peak], maintenance, pause, bounce, open, reply)| Warmup {
                ramp_days: ramp,
                start_volume: start,
                peak_volume: peak,
                maintenance_volume: maintenance,
                monthly_pause: pause,
                bounce,
                open,
                reply,
            },
        )
}

/// Campaign emails one case may send at most, so that the rare case with every size knob
/// at its top still runs in seconds.
const EMAIL_BUDGET: f64 = 2e6;

/// Campaigns one case may build at most, likewise.
const CAMPAIGN_BUDGET: f64 = 2e4;

/// Lowers `sending.daily_limit` until the most mail the profile could send fits
/// [`EMAIL_BUDGET`] (and one tenant-month fits what validation allows), and `campaigns.concurrent_per_5_mailboxes` until the campaigns it
/// could build fit [`CAMPAIGN_BUDGET`]; every other knob keeps its drawn value.
fn within_budget(p: &mut Profile) {
    // Leads already in flight on the first day were enrolled up to a whole sequence
    // before it: those days cost as much as the calendar's own.
    let c = &p.campaigns;
    let lead_in = f64::from((c.steps[1] - 1) * c.step_gap_days[1] + 2);
    let days = (p.as_of - p.first_period).num_days().max(1) as f64 + lead_in;
    let companies = p.most_tenants() as f64 * f64::from(p.tenancy.agency_companies[1]);
    let mailboxes = f64::from(p.sending.domains_max * p.sending.mailboxes_per_domain[1]);
    let per_limit = companies * mailboxes * p.sending.utilization[1] * days;
    let affordable = (EMAIL_BUDGET / per_limit.max(1.0)).floor().max(1.0);
    p.sending.daily_limit = p.sending.daily_limit.min(affordable as u32);
    // And within what validation lets one tenant send in a month.
    let most = crate::profile::most_tenant_month_emails(p);
    if most > crate::profile::MAX_TENANT_MONTH_EMAILS {
        let scale = crate::profile::MAX_TENANT_MONTH_EMAILS / most;
        p.sending.daily_limit = ((f64::from(p.sending.daily_limit) * scale).floor() as u32).max(1);
    }
    // Campaigns are built up front, whether or not they send: bound their number too.
    let launches = companies * (days / f64::from(c.enrolment_days[0]) + 1.0);
    let slots = (CAMPAIGN_BUDGET / launches / (mailboxes / 5.0).max(1.0)).max(0.05);
    p.campaigns.concurrent_per_5_mailboxes = c.concurrent_per_5_mailboxes.min(slots);
}
