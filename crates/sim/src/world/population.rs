//! Who the customers are at a date: the initial population, and each month's sign-ups.
//!
//! Tenants `1..=tenants` were customers before the first period. Each month then draws
//! its own number of sign-ups from its own stream, on days spread over the month, and
//! numbers them in the order they sign up, after every earlier month's. A date therefore
//! sees a prefix of one fixed sequence of tenants: moving the date forward only adds
//! tenants, with the next numbers, and a tenant keeps its number (and its shard) forever.

use rand::Rng;

use crate::calendar::{Calendar, Day};
use crate::profile::Profile;
use crate::rng::{self, Domain};

/// The most sign-ups one month can draw.
pub fn signups_bound(profile: &Profile) -> u32 {
    (profile.tenancy.monthly_signups * f64::from(profile.tenants)).ceil() as u32
}

/// The tenants that exist by the calendar's as-of day.
#[derive(Debug, Clone)]
pub struct Population {
    initial: u32,
    /// Sign-up days of tenants `initial + 1 ..`, in tenant order.
    signups: Vec<Day>,
}

impl Population {
    /// The population of the run seeded with `seed`, as of `calendar`'s as-of day.
    pub fn new(profile: &Profile, calendar: &Calendar, seed: u64) -> Self {
        let expected = profile.tenancy.monthly_signups * f64::from(profile.tenants);
        let mut signups = Vec::new();
        for period in calendar.periods() {
            let mut rng = rng::stream(seed, Domain::Signups, &[u64::from(period.index)]);
            let count = (expected + rng.random::<f64>()).floor() as u32;
            let mut days: Vec<Day> = (0..count)
                .map(|_| rng.random_range(period.start_day..period.end_day))
                .collect();
            days.sort_unstable();
            // In the open month, only those who signed up before the as-of day exist yet.
            signups.extend(days.into_iter().filter(|&d| d < calendar.as_of_day()));
        }
        Self {
            initial: profile.tenants,
            signups,
        }
    }

    /// Tenants by the as-of day.
    pub fn len(&self) -> u32 {
        self.initial + self.signups.len() as u32
    }

    /// Whether there is nobody (never: a profile has at least one tenant).
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The day tenant `no` signed up, or `None` for an initial customer (who signed up
    /// before the calendar).
    ///
    /// # Panics
    ///
    /// If tenant `no` has not signed up by the as-of day.
    pub fn signup_day(&self, no: u32) -> Option<Day> {
        assert!(
            (1..=self.len()).contains(&no),
            "tenant {no} does not exist yet: {} tenants by the as-of day",
            self.len()
        );
        no.checked_sub(self.initial + 1)
            .map(|i| self.signups[i as usize])
    }
}
