//! The realistic stratum: the calibrated defaults, each moved by a factor between 0.5 and
//! 2, with the shapes real customers have (sequences of 2–7 steps, A/B tests, calendars
//! of months, some across a leap day).

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::{assembled, sections, Knobs};
use crate::profile::{Campaigns, Rates, Sending, Tenancy, Warmup};
use crate::Profile;

/// A realistic profile: one to four initial tenants.
pub(super) fn profile() -> impl Strategy<Value = Profile> {
    (
        1u32..=4,
        calendar(),
        (tenancy(), sending(), campaigns(), rates(), warmup()),
    )
        .prop_map(|knobs: Knobs| assembled(knobs))
}

/// A factor between 0.5 and 2, as likely below 1 as above.
fn factor() -> impl Strategy<Value = f64> {
    prop_oneof![0.5f64..=1.0, 1.0f64..=2.0]
}

/// `default` moved by a [`factor`].
fn near(default: f64) -> impl Strategy<Value = f64> {
    factor().prop_map(move |f| default * f)
}

/// A probability `default` moved by a [`factor`], at most 1.
fn near_rate(default: f64) -> impl Strategy<Value = f64> {
    near(default).prop_map(|p| p.min(1.0))
}

/// A share range: both ends moved by one factor, the top at most 1.
fn near_shares(default: [f64; 2]) -> impl Strategy<Value = [f64; 2]> {
    factor().prop_map(move |f| [(default[0] * f).min(1.0), (default[1] * f).min(1.0)])
}

/// One to fourteen months from the 1st of a month in 2019–2030, cut on any day; a third
/// of them end within six weeks after a leap day (2020, 2024, 2028), having started up
/// to three months before it.
fn calendar() -> impl Strategy<Value = (NaiveDate, NaiveDate)> {
    let first = |y, m| NaiveDate::from_ymd_opt(y, m, 1).expect("the 1st of a month");
    let ordinary = ((2019i32..=2030, 1u32..=12), 28u64..=430)
        .prop_map(move |((y, m), days)| (first(y, m), first(y, m) + Days::new(days)));
    let leap = (
        prop_oneof![Just(2020), Just(2024), Just(2028)],
        0u32..=3,
        1u64..=42,
    )
        .prop_map(move |(year, months_before, after)| {
            let leap_day = NaiveDate::from_ymd_opt(year, 2, 29).expect("a leap year");
            let start = first(year, 2) - chrono::Months::new(months_before);
            (start, leap_day + Days::new(after))
        });
    prop_oneof![2 => ordinary, 1 => leap]
}

fn tenancy() -> impl Strategy<Value = Tenancy> {
    let d = Tenancy::default();
    (
        near_rate(d.monthly_signups),
        near_rate(d.agency_share),
        (1u32..=3, 3u32..=6).prop_map(|(lo, hi)| [lo, hi]),
        near_rate(d.trial_share),
        near_rate(d.trial_conversion),
        near_rate(d.monthly_churn),
        near_rate(d.monthly_growth),
    )
        .prop_map(sections::tenancy)
}

fn sending() -> impl Strategy<Value = Sending> {
    let d = Sending::default();
    (
        1.0f64..=2.0,
        near(d.domains_shape),
        2u32..=24,
        (1u32..=2, 2u32..=4).prop_map(|(lo, hi)| [lo, hi]),
        15u32..=60,
        near_shares(d.utilization),
    )
        .prop_map(sections::sending)
}

/// Sequences of two to seven steps, the top at least three.
fn campaigns() -> impl Strategy<Value = Campaigns> {
    let d = Campaigns::default();
    (
        (2u32..=4, 3u32..=7).prop_map(|(lo, hi)| [lo.min(hi), hi]),
        near_rate(d.ab_share),
        (1u32..=3, 3u32..=7).prop_map(|(lo, hi)| [lo, hi]),
        (7u32..=30, 30u32..=90).prop_map(|(lo, hi)| [lo, hi]),
        near(d.concurrent_per_5_mailboxes),
        near_rate(d.pause_share),
    )
        .prop_map(sections::campaigns)
}

fn rates() -> impl Strategy<Value = Rates> {
    let d = Rates::default();
    (
        near_rate(d.bounce_first_step),
        near_rate(d.bounce_later_steps),
        near_rate(d.open),
        near_rate(d.open_step_decay),
        near_rate(d.click_of_open),
        near_rate(d.reply_first_step),
        near_rate(d.reply_step_decay),
        near_rate(d.unsubscribe),
        near_rate(d.spam_complaint),
    )
        .prop_map(sections::rates)
}

fn warmup() -> impl Strategy<Value = Warmup> {
    let d = Warmup::default();
    (
        (7u32..=21, 21u32..=49).prop_map(|(lo, hi)| [lo, hi]),
        (2u32..=8, 20u32..=80).prop_map(|(lo, hi)| [lo, hi]),
        4u32..=16,
        near_rate(d.monthly_pause),
        near_rate(d.bounce),
        near_rate(d.open),
        near_rate(d.reply),
    )
        .prop_map(sections::warmup)
}
