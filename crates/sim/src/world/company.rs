//! Companies: workspaces with their own sending domains, mailboxes and campaigns.

use rand::Rng;

use crate::calendar::{Calendar, Day};
use crate::ids;
use crate::profile::Profile;
use crate::rng::{self, Domain, Stream};
use crate::world::names;
use crate::world::Campaign;

/// A sending address.
#[derive(Debug, Clone)]
pub struct Mailbox {
    /// The address itself, which is the `mailbox_id`.
    pub id: String,
    /// Index of its domain in [`Company::domains`].
    pub domain: usize,
    /// The day it was created and started warming up.
    pub warmup_start: Day,
    /// Days of warmup before it may send campaigns.
    pub ramp_days: u32,
}

impl Mailbox {
    /// The first day it may send campaign mail.
    pub fn ready_day(&self) -> Day {
        self.warmup_start + self.ramp_days as Day
    }
}

/// A workspace inside a tenant.
#[derive(Debug, Clone)]
pub struct Company {
    /// `company_id`.
    pub id: String,
    /// `(tenant number, company number)`: the company's stream key.
    pub key: (u32, u32),
    /// Sending domains.
    pub domains: Vec<String>,
    /// Mailboxes, in creation order.
    pub mailboxes: Vec<Mailbox>,
    /// Share of its mailboxes' daily limit that the company uses.
    pub utilization: f64,
    /// Campaigns, in launch order.
    pub campaigns: Vec<Campaign>,
    /// `(ready day, mailbox index)`, sorted: who may send on a day is a binary search.
    by_ready_day: Vec<(Day, usize)>,
}

impl Company {
    /// Builds company `key.1` of tenant `key.0`, alive over `[life.0, life.1)`, through the
    /// end of the calendar's open month.
    pub fn build(
        profile: &Profile,
        calendar: &Calendar,
        seed: u64,
        tenant_id: &str,
        key: (u32, u32),
        agency: bool,
        life: (Day, Day),
    ) -> Self {
        let mut rng = rng::stream(seed, Domain::Company, &[u64::from(key.0), u64::from(key.1)]);
        let s = &profile.sending;
        let id = ids::company_id(tenant_id, key.1);
        let brand = names::brand(&mut names::stream(seed, key, 0));

        // A Pareto draw: most companies have a domain or two, a few have dozens.
        let uniform: f64 = rng.random_range(f64::EPSILON..1.0);
        let pareto = s.domains_min / uniform.powf(1.0 / s.domains_shape);
        let boost = if agency { 1.5 } else { 1.0 };
        let initial_domains = ((pareto * boost).floor() as u32).clamp(1, s.domains_max);

        let mut company = Self {
            id,
            key,
            domains: Vec::new(),
            mailboxes: Vec::new(),
            utilization: rng.random_range(s.utilization[0]..=s.utilization[1]),
            campaigns: Vec::new(),
            by_ready_day: Vec::new(),
        };
        for _ in 0..initial_domains {
            company.add_domain(profile, &mut rng, seed, &brand, life.0);
        }
        let initial = company.mailboxes.len();
        // Growth: a domain more, with fresh mailboxes that must warm up first. Each month
        // draws from its own stream, over the whole month, so the open month's growth is
        // the same whatever the as-of day (a mailbox created after it is not visible yet).
        for period in calendar.periods() {
            let (from, to) = (period.start_day.max(life.0), period.end_day.min(life.1));
            let key = [u64::from(key.0), u64::from(key.1), u64::from(period.index)];
            let mut month = rng::stream(seed, Domain::CompanyGrowth, &key);
            if from < to
                && company.domains.len() < s.domains_max as usize
                && month.random_bool(profile.tenancy.monthly_growth)
            {
                let day = month.random_range(from..to);
                company.add_domain(profile, &mut month, seed, &brand, day);
            }
        }
        company.by_ready_day = company
            .mailboxes
            .iter()
            .enumerate()
            .map(|(i, m)| (m.ready_day(), i))
            .collect();
        company.by_ready_day.sort_unstable();
        company.campaigns = Campaign::schedule(profile, calendar, seed, &company, initial, life.1);
        company
    }

    fn add_domain(
        &mut self,
        profile: &Profile,
        rng: &mut Stream,
        seed: u64,
        brand: &str,
        day: Day,
    ) {
        let s = &profile.sending;
        let domain_no = self.domains.len();
        let mut naming = names::stream(seed, self.key, domain_no + 1);
        let domain = names::domain(&mut naming, brand, self.key, domain_no);
        let count = rng.random_range(s.mailboxes_per_domain[0]..=s.mailboxes_per_domain[1]);
        let first = self.mailboxes.len();
        for _ in 0..count {
            let mut local = names::local_part(&mut naming);
            // Two senders of a domain may share a name: the second gets a number, as
            // mail admins do.
            let taken = |local: &str| {
                self.mailboxes[first..].iter().any(|m| {
                    m.id.strip_suffix(domain.as_str())
                        .and_then(|l| l.strip_suffix('@'))
                        == Some(local)
                })
            };
            let base = local.clone();
            let mut n = 1;
            while taken(&local) {
                n += 1;
                local = format!("{base}{n}");
            }
            let w = &profile.warmup;
            self.mailboxes.push(Mailbox {
                id: format!("{local}@{domain}"),
                domain: domain_no,
                warmup_start: day,
                ramp_days: rng.random_range(w.ramp_days[0]..=w.ramp_days[1]),
            });
        }
        self.domains.push(domain);
    }

    /// How many mailboxes may send campaign mail on `day`.
    pub fn ready_count(&self, day: Day) -> usize {
        self.by_ready_day
            .partition_point(|&(ready, _)| ready <= day)
    }

    /// The `k`-th mailbox (by ready day) of those counted by [`Company::ready_count`].
    pub fn ready_mailbox(&self, k: usize) -> usize {
        self.by_ready_day[k].1
    }
}
