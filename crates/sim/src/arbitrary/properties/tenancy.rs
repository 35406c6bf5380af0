//! Laws of the customers: sign-ups arrive as the profile's rate says, trials and churn
//! happen at its rates, a trial's first month has no subscription, and companies get
//! domains and mailboxes within the profile's ranges.

use std::collections::BTreeMap;

use super::{Tally, World};
use crate::rows::Rows;
use crate::Simulator;

/// Sign-ups: each month adds `⌊monthly_signups × tenants + U⌋` tenants (U uniform on
/// [0, 1)), numbered in the order they sign up, on days of that month (before the as-of
/// day in the open month, which may show fewer). Trials are a binomial share of them at
/// `trial_share`; churn, a binomial draw at `monthly_churn` for each month a tenant that
/// is not a trial lives past its first (and the month it leaves in).
pub(super) fn customers_off(sim: &Simulator, world: &World) -> Vec<String> {
    let p = sim.profile();
    let t = &p.tenancy;
    let expected = t.monthly_signups * f64::from(p.tenants);
    let periods = sim.calendar().periods();
    let open = periods.len() - 1;
    let mut off = Vec::new();
    let mut per_month = vec![0_u32; periods.len()];
    let mut previous = i32::MIN;
    let (mut trials, mut churn) = (Tally::default(), Tally::default());
    for tenant in &world.tenants {
        if tenant.no <= p.tenants {
            continue;
        }
        let month = periods
            .iter()
            .position(|q| q.start_day <= tenant.signup_day && tenant.signup_day < q.end_day);
        match month {
            Some(index) if tenant.signup_day >= previous => per_month[index] += 1,
            _ => off.push(format!(
                "tenant {} signed up on day {}, outside the calendar or before tenant {}",
                tenant.no,
                tenant.signup_day,
                tenant.no - 1
            )),
        }
        previous = tenant.signup_day;
        trials.add(&Tally::binomial(i32::from(tenant.trial), 1, t.trial_share));
    }
    for (index, &count) in per_month.iter().enumerate() {
        let fits = match index == open {
            true => f64::from(count) < expected.floor() + 2.0,
            false => (expected.floor()..expected.floor() + 2.0).contains(&f64::from(count)),
        };
        if !fits {
            off.push(format!(
                "{count} sign-ups in {}, where {expected:.2} are expected a month",
                periods[index].start
            ));
        }
    }
    for tenant in world.tenants.iter().filter(|tenant| !tenant.trial) {
        let left = tenant.last_period < open;
        let draws = tenant.last_period - tenant.first_period + usize::from(left);
        churn.add(&Tally::binomial(
            i32::from(left),
            draws as i32,
            t.monthly_churn,
        ));
    }
    for (what, tally) in [("trials", trials), ("churned tenants", churn)] {
        if !tally.fits() {
            off.push(format!("tenancy: {}", tally.describe(what)));
        }
    }
    off
}

/// A billing row has a subscription except in a trial's first month.
pub(super) fn subscriptions_off(sim: &Simulator, world: &World, rows: &Rows) -> Vec<String> {
    let first = sim.calendar().periods();
    let trial_month: BTreeMap<&str, Option<chrono::NaiveDate>> = world
        .tenants
        .iter()
        .map(|t| (t.id.as_str(), t.trial.then(|| first[t.first_period].start)))
        .collect();
    rows.billing
        .iter()
        .filter(|b| {
            let trial = trial_month.get(b.new.tenant_id.as_str()).copied().flatten();
            let in_trial = trial.is_some_and(|start| b.new.period_start.date_naive() == start);
            b.new.subscription_id.is_some() == in_trial
        })
        .map(|b| {
            format!(
                "billing row {} of {}: subscription {:?}",
                b.id, b.new.tenant_id, b.new.subscription_id
            )
        })
        .collect()
}

/// Companies outside the profile's ranges: 1 to `domains_max` sending domains, each with
/// `mailboxes_per_domain` mailboxes created on one day with `ramp_days` of warmup and
/// addresses at the domain, unique in the company; the first domains arrive with the
/// company, a later one at most once a month, while its tenant is a customer; and a
/// utilization within the profile's.
pub(super) fn companies_off(sim: &Simulator, world: &World) -> Vec<String> {
    let p = sim.profile();
    let s = &p.sending;
    let within = |x: u32, [lo, hi]: [u32; 2]| lo <= x && x <= hi;
    let periods = sim.calendar().periods();
    let mut off = Vec::new();
    for tenant in &world.tenants {
        let end = periods
            .get(tenant.last_period + 1)
            .map_or(i32::MAX, |q| q.start_day);
        for company in &tenant.companies {
            let mut why = Vec::new();
            if company.domains.is_empty() || company.domains.len() > s.domains_max as usize {
                why.push(format!("{} domains", company.domains.len()));
            }
            if !(s.utilization[0]..=s.utilization[1]).contains(&company.utilization) {
                why.push(format!("utilization {}", company.utilization));
            }
            let arrival = company.mailboxes.first().map_or(0, |m| m.warmup_start);
            let mut months = BTreeMap::new();
            for (d, domain) in company.domains.iter().enumerate() {
                let mailboxes: Vec<_> =
                    company.mailboxes.iter().filter(|m| m.domain == d).collect();
                let day = mailboxes.first().map_or(arrival, |m| m.warmup_start);
                let fine = within(mailboxes.len() as u32, s.mailboxes_per_domain)
                    && mailboxes.iter().all(|m| {
                        m.warmup_start == day
                            && within(m.ramp_days, p.warmup.ramp_days)
                            && m.id.ends_with(&format!("@{domain}"))
                    });
                if !fine || day < arrival || day >= end {
                    why.push(format!("domain {domain} from day {day}"));
                }
                if day > arrival {
                    let month = periods.partition_point(|q| q.end_day <= day);
                    *months.entry(month).or_insert(0) += 1;
                }
            }
            if months.values().any(|&n| n > 1) {
                why.push(format!("domains added per month {months:?}"));
            }
            let mut ids: Vec<&str> = company.mailboxes.iter().map(|m| m.id.as_str()).collect();
            ids.sort_unstable();
            if ids.windows(2).any(|w| w[0] == w[1]) {
                why.push("two mailboxes with one address".into());
            }
            if !why.is_empty() {
                off.push(format!("company {}: {}", company.id, why.join("; ")));
            }
        }
    }
    off
}
