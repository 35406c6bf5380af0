//! What the simulator promises beyond the warehouse rules, checked on a world it made.
//!
//! The rules (`sim::rules`) say what any warehouse must obey; a simulator can obey them
//! all and still draw the wrong thing: a wrong exponent on a decay, an unsubscribe that
//! never happens, a lead marked completed halfway through its sequence. These are the
//! simulator's own laws, which the property gate checks on every case beside the rules:
//!
//! - **Completed leads finished their sequence.** A lead whose status is `completed`
//!   received, over all its rows, one email per step position of its campaign (no more,
//!   when the calendar's start cut off its first emails: its first row is in the
//!   calendar's first month).
//! - **Outcomes follow the profile's rates.** Per step position, over the whole world,
//!   each outcome is a binomial draw at the profile's rate (`Rates`): bounces of the mail
//!   sent, opens, replies, unsubscribes and complaints of the mail not bounced, clicks of
//!   the opens; and the same over all positions together, where rare outcomes such as
//!   complaints are many enough to show a wrong rate. A count further than six standard
//!   deviations (plus three, for small samples) from its mean fails; a correct simulator does so with a chance below one in
//!   a hundred million per count, whatever the seed. Warmup mail likewise, over all its
//!   rows: bounces of the mail sent, opens and replies of the mail delivered.
//! - **Warmup follows its ramp.** A warmup row sends, on each day warmup ran, the ramp's
//!   volume (`start_volume` rising evenly to `peak_volume` over the mailbox's ramp days,
//!   then `maintenance_volume`), and its progress is the share of the ramp done by the
//!   month's end; a mailbox's daily volume at the month's end is the ramp's on its last
//!   day plus its campaign mail over the month's weekdays. A mailbox is paused only in a
//!   month it began warmed, and the paused share of those months is a binomial draw at
//!   `monthly_pause`.
//! - **Time runs as the calendar says.** The periods are the calendar months
//!   from the first to the as-of day's; a closed month's rows were aggregated by the
//!   batch that closed it, an open month's by the batch on the as-of day, and its lead
//!   rows by the batch after their last email, which went out on a weekday; a tenant
//!   that left is said to have left on its last period's end. Weekdays come from
//!   chrono's calendar, not from the simulator's arithmetic.
//! - **Customers come and go at the profile's rates.** Each month signs up
//!   `⌊monthly_signups × tenants + U⌋` tenants, in number order; trials and churn are
//!   binomial at `trial_share` and `monthly_churn`; a trial's first month has no
//!   subscription; companies get domains and mailboxes within the profile's ranges, one
//!   more domain a month at most, while their tenant is a customer.
//! - **Campaigns live as drawn.** Step positions, gaps, variants and
//!   step ids, enrolment length, launch weekday and pause day within the profile; no
//!   more campaigns enrolling at once than the company's concurrency; no lead row after
//!   a campaign's pause; a campaign row for every month with lead rows, counting the
//!   finished ones, `completed` exactly when its enrolment ended and every lead is done,
//!   else `paused` exactly after its pause; and no lead left `active` once its sequence
//!   is over.

use std::collections::{BTreeMap, BTreeSet};

use chrono::NaiveDate;

use schema::keys::step_position;
use schema::models::{Counters, LeadStatus, WarmupStatus};

use crate::calendar::{Calendar, Day, Period};
use crate::profile::{Rates, Warmup};
use crate::rows::Rows;
use crate::world::{Campaign, Mailbox, Tenant};
use crate::{Shard, Simulator};

mod campaigns;
mod tenancy;
mod time;

/// Every law `rows` (made by `sim` for the whole world) breaks, one line each.
pub fn broken(sim: &Simulator, rows: &Rows) -> Vec<String> {
    let world = World::of(sim);
    let p = sim.profile();
    let mut broken = time::calendar_off(p.first_period, p.as_of, sim.calendar().periods());
    broken.extend(time::updates_off(sim, rows));
    broken.extend(time::departures_off(sim, &world, rows));
    broken.extend(tenancy::customers_off(sim, &world));
    broken.extend(tenancy::subscriptions_off(sim, &world, rows));
    broken.extend(tenancy::companies_off(sim, &world));
    broken.extend(campaigns::drawn_off(sim, &world));
    broken.extend(campaigns::rows_off(sim, &world, rows));
    broken.extend(unfinished_completed_leads(sim, &world, rows));
    broken.extend(rates_off(&sim.profile().rates, rows));
    broken.extend(warmup_rates_off(&sim.profile().warmup, rows));
    broken.extend(warmup_off(sim, &world, rows));
    broken
}

/// What the laws read of the world behind the rows, built once: every campaign by its
/// id (with its company's number in the run), every mailbox by `(company_id,
/// mailbox_id)`, each tenant with the day the simulator says it left, and the tenants.
struct World {
    campaigns: BTreeMap<String, (usize, Campaign)>,
    mailboxes: BTreeMap<(String, String), Mailbox>,
    left: Vec<(String, Option<NaiveDate>)>,
    tenants: Vec<Tenant>,
}

impl World {
    fn of(sim: &Simulator) -> Self {
        let mut world = World {
            campaigns: BTreeMap::new(),
            mailboxes: BTreeMap::new(),
            left: Vec::new(),
            tenants: Vec::new(),
        };
        let mut companies = 0;
        for no in sim.tenants(Shard::ALL) {
            let activity = sim.tenant(no);
            world
                .left
                .push((activity.tenant().id.clone(), activity.left_on()));
            for company in &activity.tenant().companies {
                companies += 1;
                for campaign in &company.campaigns {
                    world
                        .campaigns
                        .insert(campaign.id.clone(), (companies, campaign.clone()));
                }
                for mailbox in &company.mailboxes {
                    world
                        .mailboxes
                        .insert((company.id.clone(), mailbox.id.clone()), mailbox.clone());
                }
            }
            world.tenants.push(activity.tenant().clone());
        }
        world
    }
}

/// The calendar period of each billing row, by its id.
fn periods_by_billing_id<'a>(sim: &'a Simulator, rows: &Rows) -> BTreeMap<i64, &'a Period> {
    let periods = sim.calendar().periods();
    rows.billing
        .iter()
        .filter_map(|b| {
            let period = periods
                .iter()
                .find(|p| Calendar::midnight(p.start) == b.new.period_start)?;
            Some((b.id, period))
        })
        .collect()
}

/// Warmup mail that does not follow the profile's ramp and pauses: per warmup row, the
/// mail sent is the ramp's volume on each day warmup ran (`start_volume` rising evenly
/// to `peak_volume` over the mailbox's ramp days, then `maintenance_volume`) and its
/// progress the share of the ramp done by the month's end; a mailbox is paused only in a
/// month it began warmed, and as many such months are paused as `monthly_pause` draws.
fn warmup_off(sim: &Simulator, world: &World, rows: &Rows) -> Vec<String> {
    let w = &sim.profile().warmup;
    let mailboxes = &world.mailboxes;
    let periods = periods_by_billing_id(sim, rows);
    let volume = |mailbox: &Mailbox, age: Day| -> i64 {
        let ramp = mailbox.ramp_days as Day;
        match age < ramp {
            true => {
                i64::from(w.start_volume)
                    + i64::from(w.peak_volume - w.start_volume) * i64::from(age) / i64::from(ramp)
            }
            false => i64::from(w.maintenance_volume),
        }
    };
    let mut off = Vec::new();
    // The warmup mail of each mailbox-month, for its volume below.
    let mut warmed: BTreeMap<(&str, &str, i64), i64> = BTreeMap::new();
    for row in &rows.warmups {
        let r = &row.new;
        warmed.insert(
            (r.company_id.as_str(), r.mailbox_id.as_str(), r.billing_id),
            i64::from(r.counters.sent),
        );
    }
    for row in &rows.warmups {
        let r = &row.new;
        let key = (r.company_id.clone(), r.mailbox_id.clone());
        let (Some(mailbox), Some(period)) = (mailboxes.get(&key), periods.get(&r.billing_id))
        else {
            off.push(format!("warmup row {} has no mailbox or period", row.id));
            continue;
        };
        let from = period.start_day.max(mailbox.warmup_start);
        let sent: i64 = (from..period.active_end_day)
            .map(|day| volume(mailbox, day - mailbox.warmup_start))
            .sum();
        let age = (period.active_end_day - mailbox.warmup_start).max(0);
        let progress = (age * 100 / mailbox.ramp_days as Day).min(100);
        if i64::from(r.counters.sent) != sent || r.progress_percentage != progress {
            off.push(format!(
                "warmup of {} in {}: {} sent at progress {}, where its ramp gives {sent} at {progress}",
                r.mailbox_id, period.start, r.counters.sent, r.progress_percentage
            ));
        }
    }
    let mut paused = Tally::default();
    for row in &rows.mailboxes {
        let r = &row.new;
        let key = (r.company_id.clone(), r.mailbox_id.clone());
        let (Some(mailbox), Some(period)) = (mailboxes.get(&key), periods.get(&r.billing_id))
        else {
            continue;
        };
        // Its daily volume at the month's end: the ramp's on its last day, if warmup ran,
        // plus its campaign mail over the month's weekdays.
        let warmup = warmed.get(&(r.company_id.as_str(), r.mailbox_id.as_str(), r.billing_id));
        let last_day = period.active_end_day - 1 - mailbox.warmup_start;
        let first = sim.profile().first_period;
        let weekdays = time::weekdays(first, period.start_day, period.active_end_day).max(1);
        let expected = warmup.map_or(0, |_| volume(mailbox, last_day))
            + (i64::from(r.counters.sent) - warmup.copied().unwrap_or(0)) / weekdays;
        if i64::from(r.current_volume) != expected {
            off.push(format!(
                "mailbox {} in {} has a volume of {} a day, where its ramp and mail give {expected}",
                r.mailbox_id, period.start, r.current_volume
            ));
        }
        let is_paused = r.warmup_status == WarmupStatus::Paused;
        if period.start_day >= mailbox.ready_day() {
            paused.add(&Tally::binomial(i32::from(is_paused), 1, w.monthly_pause));
        } else if is_paused {
            off.push(format!(
                "mailbox {} is paused in {}, a month it began still warming",
                r.mailbox_id, period.start
            ));
        }
    }
    if !paused.fits() {
        off.push(format!("warmup: {}", paused.describe("pauses")));
    }
    off
}

/// Leads whose status is `completed` though they did not receive every step.
fn unfinished_completed_leads(sim: &Simulator, world: &World, rows: &Rows) -> Vec<String> {
    // The calendar's first month: its leads may have been enrolled before it began, and
    // their first emails are not in the world.
    let first_month = sim
        .calendar()
        .periods()
        .first()
        .map(|p| Calendar::midnight(p.start));
    let cut: BTreeSet<i64> = rows
        .billing
        .iter()
        .filter(|b| Some(b.new.period_start) == first_month)
        .map(|b| b.id)
        .collect();
    #[derive(Default)]
    struct Lead<'a> {
        campaign: &'a str,
        sent: i64,
        completed: bool,
        cut: bool,
    }
    let mut leads: BTreeMap<&str, Lead> = BTreeMap::new();
    for row in &rows.leads {
        let lead = leads.entry(row.new.lead_id.as_str()).or_default();
        lead.campaign = row.new.campaign_id.as_str();
        lead.sent += i64::from(row.new.counters.sent);
        lead.completed |= row.new.status == LeadStatus::Completed;
        lead.cut |= cut.contains(&row.new.billing_id);
    }
    leads
        .into_iter()
        .filter_map(|(id, lead)| {
            let due = world
                .campaigns
                .get(lead.campaign)
                .map_or(0, |(_, c)| c.steps.len()) as i64;
            let short = if lead.cut {
                lead.sent > due
            } else {
                lead.sent != due
            };
            (lead.completed && short).then(|| {
                format!(
                    "lead {id} is completed after {} of its campaign's {due} steps",
                    lead.sent
                )
            })
        })
        .collect()
}

/// The probability of each outcome at step position `k` (0-based), as the funnel draws it:
/// `[bounce, open, click of an open, reply, unsubscribe, complaint]`. Reply, unsubscribe
/// and complaint share one draw, in that order, so each gets what is left of 1.
fn probabilities(rates: &Rates, k: i32) -> [f64; 6] {
    let bounce = match k {
        0 => rates.bounce_first_step,
        _ => rates.bounce_later_steps,
    };
    let reply = (rates.reply_first_step * rates.reply_step_decay.powi(k)).min(1.0);
    let unsubscribe = (reply + rates.unsubscribe).min(1.0);
    let complaint = (unsubscribe + rates.spam_complaint).min(1.0);
    [
        bounce,
        rates.open * rates.open_step_decay.powi(k),
        rates.click_of_open,
        reply,
        unsubscribe - reply,
        complaint - unsubscribe,
    ]
}

/// Outcome counts per step position, and over all positions together (rare outcomes,
/// such as complaints, are too few at one position to show a wrong rate), that stray
/// from the profile's rates.
fn rates_off(rates: &Rates, rows: &Rows) -> Vec<String> {
    let mut by_position: BTreeMap<u32, Counters> = BTreeMap::new();
    for step in &rows.steps {
        let Some(position) = step_position(&step.new.step_id) else {
            continue;
        };
        *by_position.entry(position).or_default() += step.new.counters;
    }
    const OUTCOMES: [&str; 6] = [
        "bounces",
        "opens",
        "clicks",
        "replies",
        "unsubscribes",
        "complaints",
    ];
    let mut off = Vec::new();
    let mut pooled = [Tally::default(); 6];
    for (position, c) in by_position {
        let p = probabilities(rates, position as i32 - 1);
        let kept = c.sent - c.bounced;
        let draws = [
            (c.bounced, c.sent),
            (c.opened_tracked, kept),
            (c.clicked_tracked, c.opened_tracked),
            (c.replied, kept),
            (c.unsubscribed, kept),
            (c.spam_complaints, kept),
        ];
        for (i, (hits, trials)) in draws.into_iter().enumerate() {
            let tally = Tally::binomial(hits, trials, p[i]);
            if !tally.fits() {
                off.push(format!("step {position}: {}", tally.describe(OUTCOMES[i])));
            }
            pooled[i].add(&tally);
        }
    }
    for (tally, what) in pooled.iter().zip(OUTCOMES) {
        if !tally.fits() {
            off.push(format!("all steps: {}", tally.describe(what)));
        }
    }
    off
}

/// Warmup outcome counts, over every warmup row, that stray from the profile's rates:
/// bounces of the warmup mail sent, opens and replies of the mail delivered.
fn warmup_rates_off(warmup: &Warmup, rows: &Rows) -> Vec<String> {
    let c: Counters = rows.warmups.iter().map(|row| row.new.counters).sum();
    [
        ("bounces", c.bounced, c.sent, warmup.bounce),
        ("opens", c.opened_tracked, c.delivered, warmup.open),
        ("replies", c.replied, c.delivered, warmup.reply),
    ]
    .into_iter()
    .map(|(what, hits, trials, p)| (what, Tally::binomial(hits, trials, p)))
    .filter(|(_, tally)| !tally.fits())
    .map(|(what, tally)| format!("warmup: {}", tally.describe(what)))
    .collect()
}

/// Counted outcomes beside what independent draws at known rates give: a sum of binomial
/// draws, with its mean and variance.
#[derive(Debug, Clone, Copy, Default)]
struct Tally {
    hits: f64,
    trials: f64,
    mean: f64,
    variance: f64,
}

impl Tally {
    /// `hits` successes in `trials` draws at `p`.
    fn binomial(hits: i32, trials: i32, p: f64) -> Self {
        let trials = f64::from(trials);
        Self {
            hits: f64::from(hits),
            trials,
            mean: trials * p,
            variance: trials * p * (1.0 - p),
        }
    }

    fn add(&mut self, other: &Tally) {
        self.hits += other.hits;
        self.trials += other.trials;
        self.mean += other.mean;
        self.variance += other.variance;
    }

    /// Whether the count fits: exactly where every draw was certain (rates of 0 or 1),
    /// else within six standard deviations plus three.
    fn fits(&self) -> bool {
        if !(0.0..=self.trials).contains(&self.hits) {
            return false;
        }
        if self.variance <= 0.0 {
            return (self.hits - self.mean).abs() < 0.5;
        }
        (self.hits - self.mean).abs() <= 6.0 * self.variance.sqrt() + 3.0
    }

    fn describe(&self, what: &str) -> String {
        format!(
            "{} {what} of {}, where the profile's rates expect {:.1}",
            self.hits, self.trials, self.mean
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Profile;
    use chrono::Datelike;
    use schema::models::CampaignStatus;

    fn dev_world() -> (Simulator, Rows) {
        let (_, profile) = crate::arbitrary::built_in().remove(0);
        let sim = Simulator::new(profile, 1);
        let rows = sim.rows(Shard::ALL);
        (sim, rows)
    }

    #[test]
    fn a_simulated_world_keeps_every_law() {
        let (sim, rows) = dev_world();
        assert_eq!(broken(&sim, &rows), Vec::<String>::new());
    }

    /// Whether some line of `broken` contains every needle.
    fn caught(broken: &[String], needles: &[&str]) -> bool {
        broken.iter().any(|b| needles.iter().all(|n| b.contains(n)))
    }

    #[test]
    fn periods_that_skip_or_miss_a_month_are_caught() {
        let (sim, _) = dev_world();
        let (p, periods) = (sim.profile(), sim.calendar().periods());
        assert!(time::calendar_off(p.first_period, p.as_of, periods).is_empty());
        let short = &periods[..periods.len() - 1];
        assert_eq!(time::calendar_off(p.first_period, p.as_of, short).len(), 1);
        let skipped: Vec<Period> = periods.iter().copied().filter(|q| q.index != 1).collect();
        assert_eq!(
            time::calendar_off(p.first_period, p.as_of, &skipped).len(),
            1
        );
    }

    #[test]
    fn rows_aggregated_off_the_nightly_batch_or_mail_on_a_weekend_are_caught() {
        let (sim, rows) = dev_world();
        let as_of = Calendar::midnight(sim.profile().as_of);
        let open = |billing_id: i64| {
            rows.billing
                .iter()
                .any(|b| b.id == billing_id && b.new.period_end > as_of)
        };
        let mut late = rows.clone();
        let closed = late
            .leads
            .iter_mut()
            .find(|l| !open(l.new.billing_id))
            .unwrap();
        closed.new.updated += chrono::Duration::hours(1);
        let id = closed.id.to_string();
        assert!(caught(
            &broken(&sim, &late),
            &["lead row", &id, "not by the batch"]
        ));

        let mut weekend = rows.clone();
        let lead = weekend
            .leads
            .iter_mut()
            .find(|l| open(l.new.billing_id))
            .unwrap();
        // Moved to the batch after the Saturday before its last email.
        let day = (lead.new.updated - chrono::Duration::days(1)).date_naive();
        let saturday = day - chrono::Days::new(u64::from(day.weekday().num_days_from_monday() + 2));
        lead.new.updated = Calendar::batch_on(saturday.succ_opt().unwrap());
        let id = lead.id.to_string();
        assert!(caught(&broken(&sim, &weekend), &["lead row", &id, "Sat"]));

        let mut mailbox = rows;
        mailbox.mailboxes[0].new.updated -= chrono::Duration::days(1);
        assert!(caught(&broken(&sim, &mailbox), &["mailbox row"]));
    }

    #[test]
    fn a_tenant_said_to_leave_on_another_day_is_caught() {
        let (sim, rows) = dev_world();
        let mut world = World::of(&sim);
        assert!(time::departures_off(&sim, &world, &rows).is_empty());
        let left = world.left.iter().position(|(_, on)| on.is_some()).unwrap();
        world.left[left].1 = None;
        let still = world.left.iter().rposition(|(_, on)| on.is_none()).unwrap();
        world.left[still].1 = Some(sim.profile().as_of);
        assert_eq!(time::departures_off(&sim, &world, &rows).len(), 2);
    }

    #[test]
    fn sign_ups_trials_and_churn_off_their_rates_are_caught() {
        // The staging world (its tenants, not its rows): enough sign-ups to tell a rate
        // from another.
        let sim = Simulator::new(Profile::load("staging").unwrap(), 1);
        assert!(tenancy::customers_off(&sim, &World::of(&sim)).is_empty());
        let tamper = |change: &dyn Fn(&mut Vec<Tenant>)| {
            let mut world = World::of(&sim);
            change(&mut world.tenants);
            tenancy::customers_off(&sim, &world)
        };
        let initial = sim.profile().tenants as usize;
        // The first sign-up moved to the month before its own: one month too few, one
        // too many (or out of order).
        let early = tamper(&|tenants| tenants[initial].signup_day -= 31);
        assert!(caught(&early, &["sign"]), "{early:?}");
        let all_trials =
            tamper(&|tenants| tenants[initial..].iter_mut().for_each(|t| t.trial = true));
        assert!(
            caught(&all_trials, &["tenancy:", "trials"]),
            "{all_trials:?}"
        );
        let nobody_leaves = tamper(&|tenants| {
            let open = sim.calendar().periods().len() - 1;
            tenants.iter_mut().for_each(|t| t.last_period = open)
        });
        assert!(
            caught(&nobody_leaves, &["tenancy:", "churned"]),
            "{nobody_leaves:?}"
        );
    }

    #[test]
    fn a_subscription_in_a_trial_month_or_none_after_it_is_caught() {
        let (sim, mut rows) = dev_world();
        let world = World::of(&sim);
        assert!(tenancy::subscriptions_off(&sim, &world, &rows).is_empty());
        let billing = rows
            .billing
            .iter_mut()
            .find(|b| b.new.subscription_id.is_some())
            .unwrap();
        billing.new.subscription_id = None;
        let id = billing.id.to_string();
        assert!(caught(
            &tenancy::subscriptions_off(&sim, &world, &rows),
            &[&id]
        ));
    }

    #[test]
    fn companies_outside_the_profile_are_caught() {
        let (sim, _) = dev_world();
        assert!(tenancy::companies_off(&sim, &World::of(&sim)).is_empty());
        let tamper = |change: &dyn Fn(&mut crate::world::Company)| {
            let mut world = World::of(&sim);
            let company = &mut world.tenants[0].companies[0];
            change(company);
            let id = company.id.clone();
            (id, tenancy::companies_off(&sim, &world))
        };
        let twin = tamper(&|c| {
            let copy = c.mailboxes[0].clone();
            c.mailboxes.push(copy)
        });
        assert!(caught(&twin.1, &[&twin.0]), "{twin:?}");
        let busy = tamper(&|c| c.utilization = 2.0);
        assert!(caught(&busy.1, &[&busy.0, "utilization"]), "{busy:?}");
        let slow = tamper(&|c| c.mailboxes[0].ramp_days = 10_000);
        assert!(caught(&slow.1, &[&slow.0, "domain"]), "{slow:?}");
    }

    #[test]
    fn campaigns_drawn_outside_the_profile_are_caught() {
        let (sim, _) = dev_world();
        let world = World::of(&sim);
        assert!(campaigns::drawn_off(&sim, &world).is_empty());
        let tamper = |change: &dyn Fn(&mut Campaign)| {
            let mut world = World::of(&sim);
            let (id, (_, campaign)) = world.campaigns.iter_mut().next().unwrap();
            change(campaign);
            let id = id.clone();
            (id, campaigns::drawn_off(&sim, &world))
        };
        let late_first_step = tamper(&|c| c.steps[0].offset = 1);
        assert!(caught(&late_first_step.1, &[&late_first_step.0, "step 1"]));
        let long = tamper(&|c| c.enrol_end += 1000);
        assert!(caught(&long.1, &[&long.0, "enrols"]));
        let paused_at_launch = tamper(&|c| c.paused_at = Some(c.launch));
        assert!(caught(
            &paused_at_launch.1,
            &[&paused_at_launch.0, "paused"]
        ));
        let saturday = tamper(&|c| {
            let first = sim.profile().first_period;
            while time::is_weekday(time::date_of(first, c.launch)) {
                c.launch += 1;
            }
        });
        assert!(caught(&saturday.1, &[&saturday.0, "weekend"]));
        let crowded = tamper(&|c| c.concurrency = 0);
        assert!(caught(&crowded.1, &[&crowded.0, "enrol on day"]));
    }

    #[test]
    fn campaign_rows_that_tell_another_story_than_their_leads_are_caught() {
        let (sim, rows) = dev_world();
        let world = World::of(&sim);
        assert!(campaigns::rows_off(&sim, &world, &rows).is_empty());

        let mut counted = rows.clone();
        counted.campaigns[0].new.completed_leads += 1;
        assert!(caught(
            &campaigns::rows_off(&sim, &world, &counted),
            &["completed leads"]
        ));

        let mut status = rows.clone();
        let done = status
            .campaigns
            .iter_mut()
            .find(|c| c.new.status == CampaignStatus::Completed)
            .unwrap();
        done.new.status = CampaignStatus::Active;
        let id = done.new.campaign_id.clone();
        assert!(caught(
            &campaigns::rows_off(&sim, &world, &status),
            &[&id, "Active"]
        ));

        let mut missing = rows.clone();
        let gone = missing.campaigns.remove(0).new.campaign_id;
        assert!(caught(
            &campaigns::rows_off(&sim, &world, &missing),
            &[&gone, "but no row"]
        ));

        let mut stuck = rows;
        let lead = stuck
            .leads
            .iter_mut()
            .find(|l| {
                l.new.status == LeadStatus::Completed
                    && world.campaigns[&l.new.campaign_id].1.paused_at.is_none()
            })
            .unwrap();
        lead.new.status = LeadStatus::Active;
        let id = lead.new.lead_id.clone();
        assert!(caught(
            &campaigns::rows_off(&sim, &world, &stuck),
            &[&id, "still active"]
        ));
    }

    #[test]
    fn a_lead_completed_halfway_through_its_sequence_is_caught() {
        let (sim, mut rows) = dev_world();
        // A lead still in its sequence in every row, none of them in the calendar's
        // first month.
        let first = Calendar::midnight(sim.calendar().periods()[0].start);
        let cut: BTreeSet<i64> = rows
            .billing
            .iter()
            .filter(|b| b.new.period_start == first)
            .map(|b| b.id)
            .collect();
        let settled: BTreeSet<String> = rows
            .leads
            .iter()
            .filter(|l| l.new.status != LeadStatus::Active || cut.contains(&l.new.billing_id))
            .map(|l| l.new.lead_id.clone())
            .collect();
        let lead = rows
            .leads
            .iter_mut()
            .find(|l| !settled.contains(&l.new.lead_id))
            .expect("a lead in its sequence");
        lead.new.status = LeadStatus::Completed;
        let id = lead.new.lead_id.clone();
        let broken = broken(&sim, &rows);
        assert!(broken.iter().any(|b| b.contains(&id)), "{broken:?}");
    }

    #[test]
    fn warmup_replies_at_half_the_rate_are_caught() {
        let (sim, mut rows) = dev_world();
        for warmup in &mut rows.warmups {
            warmup.new.counters.replied /= 2;
        }
        let broken = broken(&sim, &rows);
        assert!(
            broken
                .iter()
                .any(|b| b.starts_with("warmup:") && b.contains("replies")),
            "{broken:?}"
        );
    }

    #[test]
    fn warmup_mail_off_its_ramp_is_caught() {
        let (sim, mut rows) = dev_world();
        let warmup = &mut rows.warmups[0].new;
        warmup.counters.sent += 1;
        let mailbox = warmup.mailbox_id.clone();
        let broken = broken(&sim, &rows);
        assert!(
            broken
                .iter()
                .any(|b| b.starts_with(&format!("warmup of {mailbox}"))),
            "{broken:?}"
        );
    }

    #[test]
    fn a_mailbox_volume_off_its_ramp_is_caught() {
        let (sim, mut rows) = dev_world();
        let mailbox = &mut rows.mailboxes[0].new;
        mailbox.current_volume += 1;
        let id = mailbox.mailbox_id.clone();
        let broken = broken(&sim, &rows);
        assert!(
            broken
                .iter()
                .any(|b| b.starts_with(&format!("mailbox {id} in"))),
            "{broken:?}"
        );
    }

    #[test]
    fn a_mailbox_paused_while_it_warms_up_is_caught() {
        let (sim, mut rows) = dev_world();
        let mailbox = &mut rows
            .mailboxes
            .iter_mut()
            .find(|m| m.new.warmup_status == WarmupStatus::Warming)
            .expect("a warming mailbox")
            .new;
        mailbox.warmup_status = WarmupStatus::Paused;
        let id = mailbox.mailbox_id.clone();
        let broken = broken(&sim, &rows);
        assert!(
            broken
                .iter()
                .any(|b| b.starts_with(&format!("mailbox {id} is paused"))),
            "{broken:?}"
        );
    }

    #[test]
    fn unsubscribes_at_twice_the_rate_are_caught() {
        let (sim, mut rows) = dev_world();
        for step in rows
            .steps
            .iter_mut()
            .filter(|s| step_position(&s.new.step_id) == Some(2))
        {
            step.new.counters.unsubscribed *= 2;
        }
        let broken = broken(&sim, &rows);
        assert!(
            broken
                .iter()
                .any(|b| b.starts_with("step 2:") && b.contains("unsubscribes")),
            "{broken:?}"
        );
    }

    #[test]
    fn a_binomial_count_fits_near_its_mean_and_not_far_from_it() {
        let fits = |hits, trials, p| Tally::binomial(hits, trials, p).fits();
        assert!(fits(50, 1000, 0.05));
        assert!(fits(0, 10, 0.01));
        assert!(!fits(100, 1000, 0.05));
        assert!(!fits(0, 1000, 0.05));
        assert!(fits(0, 1000, 0.0));
        assert!(!fits(1, 1000, 0.0));
        assert!(fits(1000, 1000, 1.0));
        assert!(!fits(999, 1000, 1.0));
        assert!(!fits(11, 10, 0.5));
    }

    #[test]
    fn rare_outcomes_that_never_happen_are_caught_over_all_steps() {
        let (sim, mut rows) = dev_world();
        for step in &mut rows.steps {
            step.new.counters.spam_complaints = 0;
        }
        let broken = broken(&sim, &rows);
        assert!(
            broken
                .iter()
                .any(|b| b.starts_with("all steps:") && b.contains("complaints")),
            "{broken:?}"
        );
    }

    #[test]
    fn reply_unsubscribe_and_complaint_share_one_draw() {
        let rates = Rates {
            reply_first_step: 0.7,
            reply_step_decay: 1.0,
            unsubscribe: 0.2,
            spam_complaint: 0.3,
            ..Rates::default()
        };
        let [.., reply, unsubscribe, complaint] = probabilities(&rates, 0);
        assert!((reply - 0.7).abs() < 1e-12);
        assert!((unsubscribe - 0.2).abs() < 1e-12);
        assert!((complaint - 0.1).abs() < 1e-12);
    }
}
