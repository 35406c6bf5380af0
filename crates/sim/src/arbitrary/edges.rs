//! The edges stratum's knobs: every value over its whole valid range, with the edges
//! (rates of 0 and 1, one domain, a limit of 10,000, a leap day) as likely as anything in
//! between.

use chrono::{Days, NaiveDate};
use proptest::prelude::*;

use super::sections;
use crate::profile::{Campaigns, Rates, Sending, Tenancy, Warmup};

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
    (rate(), rate(), range(1, 5), rate(), rate(), rate(), rate()).prop_map(sections::tenancy)
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
        .prop_map(sections::sending)
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
        .prop_map(sections::campaigns)
}

/// [`Rates`] with every probability anywhere in `0..=1`, except that the first step's exits
/// (reply, unsubscribe, spam complaint) sum to at most 1.
pub fn rates() -> impl Strategy<Value = Rates> {
    (
        rate(),
        rate(),
        rate(),
        rate(),
        rate(),
        rate(),
        rate(),
        rate(),
        rate(),
    )
        .prop_map(sections::rates)
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
        .prop_map(sections::warmup)
}
