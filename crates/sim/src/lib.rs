//! A deterministic simulator of a multi-tenant PenguinMails analytics warehouse.
//!
//! The story reads top-down through the modules: the [`world`] (tenants, companies,
//! domains, mailboxes, campaigns) → its [`activity`] (every campaign email's funnel,
//! warmup ramps) → [`rows`] of the six tables, aggregated upward → loaded elsewhere (the
//! `warehouse` crate's seeder and exporter). The [`rules`] module holds the catalog of rules A1–E1 and S1–S3
//! once, with an in-memory evaluator and the SQL the audit runs; `docs/rules.md` at the
//! workspace root is generated from it by `cargo xtask codegen`. With the `arbitrary`
//! feature, `sim::arbitrary` offers random profiles as proptest strategies, the ones the
//! property gate (`cargo xtask proptest`) runs every rule against, in three strata. With
//! the `planted-bugs` feature, `sim::planted` switches on small bugs in the generating code,
//! to prove that the gate catches them.
//!
//! # Determinism
//!
//! The output is a function of the [`Profile`] and the seed only. Each entity draws from
//! its own ChaCha8 stream keyed by the seed and its key ([`rng`]), row ids are fixed per
//! tenant ([`ids`]), and no wall clock is read: `updated` is simulated time. So a tenant
//! generated alone equals the same tenant in a full run, and shards add up to the whole.
//!
//! # Time
//!
//! A world is simulated *as of* a day ([`Profile::as_of`]), and history does not depend on
//! that day: everything before day D is a function of the profile (without `as_of`), the
//! seed and D. Three things make it so:
//!
//! - **Arrivals are processes in time.** The initial customers are there from the start;
//!   each month draws its sign-ups from a stream keyed by the month
//!   ([`world::Population`]); an agency's companies arrive one after another, about two
//!   months apart; a company grows month by month from streams keyed by the month, and
//!   launches campaigns one after another in slots of their own. A later as-of day only
//!   adds tenants, companies, domains and campaigns, with the next numbers.
//! - **Months are simulated whole, then cut.** The open month is simulated to its end,
//!   with the same draws as at any other as-of day (warmup day by day, each lead's whole
//!   sequence), and only what happened before the as-of day is counted. Ids are handed out
//!   to every row the whole month will have, so an open month's rows keep their ids as it
//!   fills up, and the next month's ids do not depend on where it was cut.
//! - **Rows of the open month are the nightly batch's partial aggregate.** `updated` is
//!   03:00 UTC on the as-of day; counters only grow from one day to the next, statuses
//!   only move forward, and once the month ends its rows are final (`updated` the batch
//!   after its end, rule A8).
//!
//! So a warehouse seeded as of D1 and advanced to D2 (re-aggregate the open month in
//! place, insert the months since) equals one seeded as of D2.
//!
//! # Calibration
//!
//! The defaults of [`profile::Rates`], [`profile::Warmup`] and [`profile::Sending`] are
//! tuned so that a `dev` world lands inside [`realism::BENCHMARKS`], which cites its
//! public sources:
//!
//! - reply rate about 3.4 % of delivered, ~58 % of replies on the first step —
//!   Instantly, *Cold Email Benchmark Report 2026*;
//! - bounce rate about 3.3 % of sent — Saleshandy's 2026 compilation of cold-email
//!   statistics;
//! - spam complaints well under 0.1 % (never 0.3 %) — Gmail's email sender guidelines;
//! - tracked opens high (40–60 %) because Apple Mail Privacy Protection pre-fetches
//!   tracking pixels — Apple's MPP documentation and the reports above;
//! - about 30 cold emails a day per mailbox — Instantly's recommended sending limit;
//! - warmup mail opened almost always and answered often — warmup networks (Instantly,
//!   Lemwarm) engage automatically.
#![warn(missing_docs)]

pub mod activity;
#[cfg(feature = "arbitrary")]
pub mod arbitrary;
pub mod calendar;
pub mod columns;
pub mod csv;
pub mod ids;
#[cfg(feature = "planted-bugs")]
pub mod planted;
#[cfg(not(feature = "planted-bugs"))]
mod planted;
pub mod profile;
pub mod realism;
pub mod rng;
pub mod rows;
pub mod rules;
pub mod world;

mod shard;

/// The version of the generated data: part of a seed's fingerprint, so that a warehouse
/// is never resumed with rows of another simulator.
///
/// Bump it with every change to the output, however small (a new rate, a new name list,
/// a dependency upgrade that draws differently): the golden-hash test in
/// `tests/determinism.rs` pins each version to the hash of its `dev` world and fails until
/// a changed world has a new version.
pub const DATA_VERSION: u32 = 4;

pub use activity::TenantActivity;
pub use profile::{Profile, ProfileError};
pub use rows::{Row, Rows};
pub use shard::{Shard, ShardError};

use activity::Context;
use calendar::Calendar;
use world::Population;

/// A configured run: profile (already scaled) and seed.
#[derive(Debug, Clone)]
pub struct Simulator {
    profile: Profile,
    seed: u64,
    calendar: Calendar,
    population: Population,
}

impl Simulator {
    /// A run of `profile` seeded with `seed`.
    pub fn new(profile: Profile, seed: u64) -> Self {
        let calendar = Calendar::new(profile.first_period, profile.as_of);
        let population = Population::new(&profile, &calendar, seed);
        Self {
            profile,
            seed,
            calendar,
            population,
        }
    }

    /// The profile being simulated.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    /// What makes two runs the same world, as 16 hex digits: a SHA-256 prefix of the
    /// (scaled) profile without its as-of day, the seed and [`DATA_VERSION`]. History does
    /// not depend on the as-of day, so the same seed at another day is the same world; any
    /// other change, or a simulator whose output changed, is another. A warehouse's ledger
    /// keeps it, to tell its seed from another.
    pub fn fingerprint(&self) -> String {
        use sha2::{Digest, Sha256};
        let timeless = Profile {
            as_of: self.profile.first_period,
            ..self.profile.clone()
        };
        let canonical = toml::to_string(&timeless).expect("a profile is plain TOML");
        let digest = Sha256::digest(
            format!(
                "{canonical}\nseed = {}\ndata_version = {DATA_VERSION}\n",
                self.seed
            )
            .as_bytes(),
        );
        format!("{digest:x}")[..16].to_owned()
    }

    /// The billing periods.
    pub fn calendar(&self) -> &Calendar {
        &self.calendar
    }

    /// The tenant numbers of `shard` by the as-of day, in order: a later as-of day only
    /// adds tenants, with higher numbers.
    pub fn tenants(&self, shard: Shard) -> impl Iterator<Item = u32> + '_ {
        (1..=self.population.len()).filter(move |&no| shard.contains(no))
    }

    /// Tenant `no`'s rows, streamed one billing period at a time.
    pub fn tenant(&self, no: u32) -> TenantActivity<'_> {
        TenantActivity::new(
            Context {
                profile: &self.profile,
                calendar: &self.calendar,
                seed: self.seed,
            },
            no,
            self.population.signup_day(no),
        )
    }

    /// Tenant `no`'s rows, collected.
    pub fn tenant_rows(&self, no: u32) -> Rows {
        let mut rows = Rows::default();
        for period in self.tenant(no) {
            rows.append(period);
        }
        rows
    }

    /// Every row of `shard`, collected: for tests and small worlds; large runs stream
    /// [`Simulator::tenant`] instead.
    pub fn rows(&self, shard: Shard) -> Rows {
        let mut rows = Rows::default();
        for no in self.tenants(shard) {
            rows.append(self.tenant_rows(no));
        }
        rows
    }
}
