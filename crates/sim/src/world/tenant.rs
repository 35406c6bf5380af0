//! Tenants: accounts with a plan, a sign-up, an optional trial, growth (and upgrades) and
//! churn.

use rand::Rng;

use crate::calendar::{Calendar, Day};
use crate::ids;
use crate::profile::Profile;
use crate::rng::{self, Domain};
use crate::world::{Company, Plan};

/// A paying (or trialling) customer account and everything it owns.
#[derive(Debug, Clone)]
pub struct Tenant {
    /// 1-based tenant number: the tenant's key in streams, ids and shards.
    pub no: u32,
    /// `tenant_id`.
    pub id: String,
    /// The subscription, once the tenant pays.
    pub subscription_id: String,
    /// Index of the first period with a billing row.
    pub first_period: usize,
    /// Index of the last period with a billing row (inclusive): churn ends it early.
    pub last_period: usize,
    /// Whether the first period is an unpaid trial (`subscription_id` is `NULL`).
    pub trial: bool,
    /// The day the account was created; negative for customers older than the calendar.
    pub signup_day: Day,
    /// Workspaces: one for most tenants, several for agencies.
    pub companies: Vec<Company>,
}

impl Tenant {
    /// Builds tenant `no` of the run seeded with `seed`.
    pub fn build(profile: &Profile, calendar: &Calendar, seed: u64, no: u32) -> Self {
        let mut rng = rng::stream(seed, Domain::Tenant, &[u64::from(no)]);
        let t = &profile.tenancy;
        let periods = calendar.periods();
        let last_index = periods.len() - 1;

        let existing = rng.random_bool(t.existing_share);
        let (first_period, signup_day) = if existing {
            (0, -rng.random_range(30..=720))
        } else {
            let index = rng.random_range(0..=last_index);
            let p = &periods[index];
            // Sign-ups happen before the as-of day; in a zero-activity current period the
            // tenant signed up on its first day.
            let span = (p.active_end_day - p.start_day).max(1);
            (index, p.start_day + rng.random_range(0..span))
        };
        let trial = !existing && rng.random_bool(t.trial_share);

        let mut last_period = last_index;
        if trial && !rng.random_bool(t.trial_conversion) {
            last_period = first_period;
        } else {
            for index in first_period + 1..=last_index {
                if rng.random_bool(t.monthly_churn) {
                    last_period = index - 1;
                    break;
                }
            }
        }

        let agency = rng.random_bool(t.agency_share);
        let company_count = if agency {
            rng.random_range(t.agency_companies[0]..=t.agency_companies[1])
        } else {
            1
        };
        let id = ids::tenant_id(no);
        let end_day = periods[last_period].active_end_day;
        let companies = (1..=company_count)
            .map(|company_no| {
                Company::build(
                    profile,
                    calendar,
                    seed,
                    &id,
                    (no, company_no),
                    agency,
                    (signup_day, end_day),
                )
            })
            .collect();

        Self {
            no,
            subscription_id: ids::subscription_id(seed, no),
            id,
            first_period,
            last_period,
            trial,
            signup_day,
            companies,
        }
    }

    /// The plan in period `index`: the cheapest that covers the domains the tenant has by
    /// the period's end and their mailboxes' full campaign capacity (`daily_limit` on
    /// every weekday), so usage stays within its quotas. Growth moves it up: an upgrade.
    pub fn plan_in(&self, profile: &Profile, calendar: &Calendar, index: usize) -> Plan {
        let period = &calendar.periods()[index];
        let end = period.end_day;
        let exists = |m: &&crate::world::Mailbox| m.warmup_start < end;
        let domains: u64 = self
            .companies
            .iter()
            .map(|c| {
                let mut used: Vec<usize> = c
                    .mailboxes
                    .iter()
                    .filter(exists)
                    .map(|m| m.domain)
                    .collect();
                used.dedup();
                used.len() as u64
            })
            .sum();
        let mailboxes: u64 = self
            .companies
            .iter()
            .map(|c| c.mailboxes.iter().filter(exists).count() as u64)
            .sum();
        let weekdays = u64::from(calendar.weekdays(period.start_day, period.end_day));
        let capacity = mailboxes * u64::from(profile.sending.daily_limit) * weekdays;
        Plan::covering(domains, capacity)
    }

    /// The subscription to bill period `index` to; `None` during the trial.
    pub fn subscription_in(&self, index: usize) -> Option<&str> {
        (!(self.trial && index == self.first_period)).then_some(self.subscription_id.as_str())
    }
}
