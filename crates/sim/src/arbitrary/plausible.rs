//! The plausible stratum: each knob over a wide range a real customer could still set,
//! away from the calibrated defaults but short of the degenerate edges (no rate of
//! exactly 1, no daily limit of 10,000), with long sequences common.

use proptest::prelude::*;

use super::{assembled, calendar, range, sections, Knobs};
use crate::profile::{Campaigns, Rates, Sending, Tenancy, Warmup};
use crate::Profile;

/// A plausible profile: one to four initial tenants, a calendar of [`calendar`].
pub(super) fn profile() -> impl Strategy<Value = Profile> {
    (
        1u32..=4,
        calendar(),
        (tenancy(), sending(), campaigns(), rates(), warmup()),
    )
        .prop_map(|knobs: Knobs| assembled(knobs))
}

/// A range `[lo, hi]` within `0..=top`.
fn shares(top: f64) -> impl Strategy<Value = [f64; 2]> {
    (0.0..=top, 0.0..=top).prop_map(|(a, b): (f64, f64)| [a.min(b), a.max(b)])
}

fn tenancy() -> impl Strategy<Value = Tenancy> {
    (
        0.0f64..=1.0,
        0.0f64..=0.5,
        range(1, 5),
        0.0f64..=1.0,
        0.0f64..=1.0,
        0.0f64..=0.3,
        0.0f64..=0.3,
    )
        .prop_map(sections::tenancy)
}

fn sending() -> impl Strategy<Value = Sending> {
    (
        1.0f64..=3.0,
        0.5f64..=3.0,
        1u32..=26,
        range(1, 6),
        1u32..=100,
        shares(1.0),
    )
        .prop_map(sections::sending)
}

/// Campaigns of up to nine steps: the top of the range is always 9, so that long
/// sequences, which neither the defaults nor the edges give often, are common here.
fn campaigns() -> impl Strategy<Value = Campaigns> {
    (
        (1u32..=9).prop_map(|lo| [lo, 9]),
        0.0f64..=1.0,
        range(1, 10),
        range(1, 90),
        0.1f64..=10.0,
        0.0f64..=0.5,
    )
        .prop_map(sections::campaigns)
}

/// Rates up to several times the published benchmarks; the first step's exits sum to at
/// most 0.35.
fn rates() -> impl Strategy<Value = Rates> {
    (
        0.0f64..=0.3,
        0.0f64..=0.15,
        0.0f64..=1.0,
        0.3f64..=1.0,
        0.0f64..=0.5,
        0.0f64..=0.3,
        0.1f64..=1.0,
        0.0f64..=0.04,
        0.0f64..=0.01,
    )
        .prop_map(sections::rates)
}

fn warmup() -> impl Strategy<Value = Warmup> {
    (
        range(1, 60),
        range(0, 120),
        0u32..=60,
        0.0f64..=0.3,
        0.0f64..=0.05,
        0.5f64..=1.0,
        0.0f64..=0.6,
    )
        .prop_map(sections::warmup)
}
