//! Tenants: accounts with a plan, a sign-up, an optional trial, growth (and upgrades) and
//! churn.

use rand::Rng;

use crate::calendar::{Calendar, Day};
use crate::ids;
use crate::profile::Profile;
use crate::rng::{self, Domain};
use crate::world::{Company, Plan};

/// Mean days between the arrivals of an agency's companies.
const COMPANY_GAP_DAYS: f64 = 60.0;

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
    /// Index of the last period with a billing row (inclusive): its churn, or the open
    /// period while it has not churned (yet).
    pub last_period: usize,
    /// Whether the first period is an unpaid trial (`subscription_id` is `NULL`).
    pub trial: bool,
    /// The day the account was created; negative for customers older than the calendar.
    pub signup_day: Day,
    /// Workspaces: one for most tenants, several for agencies.
    pub companies: Vec<Company>,
}

impl Tenant {
    /// Builds tenant `no` of the run seeded with `seed`, who signed up on `signup` (`None`:
    /// a customer from before the calendar).
    ///
    /// Every draw is made in a fixed order whatever the calendar's length, churn last and
    /// one month at a time, so that a later as-of day only continues the same story.
    pub fn build(
        profile: &Profile,
        calendar: &Calendar,
        seed: u64,
        no: u32,
        signup: Option<Day>,
    ) -> Self {
        let mut rng = rng::stream(seed, Domain::Tenant, &[u64::from(no)]);
        let t = &profile.tenancy;
        let periods = calendar.periods();
        let open = periods.len() - 1;

        let before_calendar = -rng.random_range(30..=720);
        let agency = rng.random_bool(t.agency_share);
        let company_count = if agency {
            rng.random_range(t.agency_companies[0]..=t.agency_companies[1])
        } else {
            1
        };
        let trial = signup.is_some() && rng.random_bool(t.trial_share);
        let converts = rng.random_bool(t.trial_conversion);
        let signup_day = signup.unwrap_or(before_calendar);
        let first_period = calendar.period_of(signup_day.max(0));

        let mut last_period = open;
        if trial && !converts {
            last_period = first_period;
        } else {
            for index in first_period + 1..=open {
                if rng.random_bool(t.monthly_churn) {
                    last_period = index - 1;
                    break;
                }
            }
        }
        // Gone at the end of its last period; still here, as far as anyone knows, if that
        // period is the open one.
        let end_day = if last_period < open {
            periods[last_period].end_day
        } else {
            Day::MAX
        };
        let id = ids::tenant_id(no);
        // The first company comes with the sign-up; an agency's others (its clients) arrive
        // one after another, on days drawn from a stream of their own, so that the draws
        // above and each company's own do not depend on them. A company due after the
        // tenant leaves never arrives.
        let mut arrivals = rng::stream(seed, Domain::CompanyArrival, &[u64::from(no)]);
        let mut arrival = signup_day;
        let companies = (1..=company_count)
            .map_while(|company_no| {
                if company_no > 1 {
                    let gap = -COMPANY_GAP_DAYS * (1.0 - arrivals.random::<f64>()).ln();
                    arrival = arrival.saturating_add(gap.ceil() as Day);
                }
                (arrival < end_day).then(|| {
                    Company::build(
                        profile,
                        calendar,
                        seed,
                        &id,
                        (no, company_no),
                        agency,
                        (arrival, end_day),
                    )
                })
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
