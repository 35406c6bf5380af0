//! Random [`Profile`]s for property tests, as [`proptest`](mod@proptest) strategies (feature
//! `arbitrary`), drawn from three strata, each bounded in total size so that one case
//! runs in seconds:
//!
//! | stratum | what it draws | why |
//! |---|---|---|
//! | [`Stratum::Realistic`] | every calibrated default of [`Profile`] times a factor between 0.5 and 2 (a probability at most 1), sequences of 2–7 steps with A/B variants, calendars of one to fourteen months, a third of them across a leap day | the region real warehouses live in, where most bugs show: rates of a few percent, long sequences, replies and bounces late in a sequence |
//! | [`Stratum::Plausible`] | each knob over a wide range a real customer could still set (bounces up to 30 %, replies up to 30 %, sequences of up to nine steps, any A/B share, calendars from a single day to four years) | the shapes the defaults never produce |
//! | [`Stratum::Edges`] | every knob over its whole valid range, with the edges (rates of 0 and 1, one tenant, a calendar of zero days, a leap day, a daily limit of 10,000) as likely as anything in between | the corners: empty worlds, sequences that always end at the first step |
//!
//! A run of the property gate gives each stratum a guaranteed share of its cases
//! ([`Stratum::cases`]: half realistic, a quarter each of the others), so that no run
//! spends all its cases on the edges. [`profile`] draws from the three with the same
//! weights, for a service's own properties over simulated worlds:
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
//! [`built_in`] gives the realistic worlds a gate checks before any random one, and
//! [`coverage`] counts what a set of cases exercised (step positions, variants, late
//! replies and bounces, churn, open months, leap days).
//!
//! The strategies are part of what a saved proptest failure replays: a change to how they
//! draw changes the case a committed seed in `proptest-regressions/` stands for.

pub mod coverage;
mod edges;
mod plausible;
pub mod properties;
mod realistic;
mod sections;

use chrono::NaiveDate;
use proptest::prelude::*;

use crate::profile::{Campaigns, Rates, Sending, Tenancy, Warmup};
use crate::Profile;

pub use edges::{calendar, campaigns, range, rate, rates, sending, share_range, tenancy, warmup};

/// A region of the profile space, with its own strategy (see the [module docs](self)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Stratum {
    /// The calibrated defaults, moderately perturbed.
    Realistic,
    /// Wide but plausible ranges.
    Plausible,
    /// The whole valid range, edges as likely as the interior.
    Edges,
}

impl Stratum {
    /// The three strata, realistic first.
    pub const ALL: [Stratum; 3] = [Stratum::Realistic, Stratum::Plausible, Stratum::Edges];

    /// Its name, as a report prints it.
    pub fn name(self) -> &'static str {
        match self {
            Stratum::Realistic => "realistic",
            Stratum::Plausible => "plausible",
            Stratum::Edges => "edges",
        }
    }

    /// Profiles of this stratum, named `proptest`.
    pub fn profile(self) -> BoxedStrategy<Profile> {
        match self {
            Stratum::Realistic => realistic::profile().boxed(),
            Stratum::Plausible => plausible::profile().boxed(),
            Stratum::Edges => edges_profile().boxed(),
        }
    }

    /// This stratum's share of a run of `total` cases: a quarter each (rounded down) for
    /// the plausible and the edges strata, the rest realistic. So every stratum has a
    /// case from four cases on, and 24 cases are 12 realistic, 6 plausible and 6 edges.
    pub fn cases(self, total: u32) -> u32 {
        match self {
            Stratum::Realistic => total - 2 * (total / 4),
            Stratum::Plausible | Stratum::Edges => total / 4,
        }
    }
}

/// `staging` at this scale in [`built_in`]: 10 initial tenants instead of 495, the same
/// calendar and rates.
pub const STAGING_SCALE: f64 = 0.02;

/// The built-in profiles, for cases that every run checks: `dev`, and `staging` at
/// [`STAGING_SCALE`]. They are the worlds people actually seed, where realistic sequences
/// (A/B tests, replies late in a sequence) are the norm, so that a bug there fails every
/// run, whatever its seed.
pub fn built_in() -> Vec<(&'static str, Profile)> {
    let load = |name| Profile::load(name).expect("a built-in profile is valid");
    let staging = load("staging")
        .scaled(STAGING_SCALE)
        .expect("a reduced staging is valid");
    vec![("dev", load("dev")), ("staging (scale 0.02)", staging)]
}

/// A profile of any stratum, realistic half of the time and each other stratum a quarter.
pub fn profile() -> impl Strategy<Value = Profile> {
    prop_oneof![
        2 => Stratum::Realistic.profile(),
        1 => Stratum::Plausible.profile(),
        1 => Stratum::Edges.profile(),
    ]
}

/// The edges stratum: one to four initial tenants, every knob of [`edges`].
fn edges_profile() -> impl Strategy<Value = Profile> {
    (
        1u32..=4,
        calendar(),
        (tenancy(), sending(), campaigns(), rates(), warmup()),
    )
        .prop_map(assembled)
}

/// The knobs of a profile, as the strata draw them: initial tenants, the calendar
/// (first period, as-of day) and the five sections.
type Knobs = (
    u32,
    (NaiveDate, NaiveDate),
    (Tenancy, Sending, Campaigns, Rates, Warmup),
);

/// The profile of `knobs`, named `proptest`, within the size budget ([`within_budget`]).
fn assembled(knobs: Knobs) -> Profile {
    let (tenants, (first_period, as_of), (tenancy, sending, campaigns, rates, warmup)) = knobs;
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
