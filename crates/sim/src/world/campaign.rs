//! Campaigns: step sequences with optional A/B variants and a lifecycle.

use rand::Rng;

use crate::calendar::{Calendar, Day};
use crate::ids;
use crate::profile::Profile;
use crate::rng::{self, Domain, Stream};
use crate::world::Company;

/// One position of a sequence.
#[derive(Debug, Clone)]
pub struct StepPosition {
    /// Days after enrolment at which this step is due (moved to the next weekday).
    pub offset: Day,
    /// The `step_id` of each variant: one, or two for an A/B test.
    pub variants: Vec<String>,
}

/// An outreach campaign of one company.
#[derive(Debug, Clone)]
pub struct Campaign {
    /// `campaign_id`.
    pub id: String,
    /// The sequence, first step first.
    pub steps: Vec<StepPosition>,
    /// First day on which leads are enrolled.
    pub launch: Day,
    /// Day after the last enrolment.
    pub enrol_end: Day,
    /// The day it was paused for good, if it was.
    pub paused_at: Option<Day>,
    /// How many campaigns the company runs at once, which splits its capacity.
    pub concurrency: u32,
}

impl Campaign {
    /// Launches the company's campaigns from its first ready mailbox until `end` (or the
    /// end of the calendar's open month): a few slots run side by side, each starting a
    /// new campaign after the last one's enrolment closes. Each slot draws from its own
    /// stream, one campaign after another, so a later as-of day only adds campaigns;
    /// campaigns are numbered in launch order, so the earlier ones keep their numbers.
    /// The slots are sized by the company's first mailboxes (`initial`), which every
    /// as-of day sees.
    pub fn schedule(
        profile: &Profile,
        calendar: &Calendar,
        seed: u64,
        company: &Company,
        initial: usize,
        end: Day,
    ) -> Vec<Campaign> {
        let c = &profile.campaigns;
        let Some(first_ready) = company.mailboxes[..initial]
            .iter()
            .map(|m| m.ready_day())
            .min()
        else {
            return Vec::new();
        };
        // Campaigns that closed long before the calendar starts leave no rows.
        let first_ready = first_ready.max(-90);
        let horizon = end.min(calendar.periods().last().map_or(0, |p| p.end_day));
        let per_5 = initial as f64 / 5.0 * c.concurrent_per_5_mailboxes;
        let concurrency = (per_5.round() as u32).max(1);
        let mut drafts = Vec::new();
        for slot in 0..concurrency {
            let key = [
                u64::from(company.key.0),
                u64::from(company.key.1),
                u64::from(slot),
            ];
            let mut rng = rng::stream(seed, Domain::CampaignSlot, &key);
            let mut launch = first_ready + rng.random_range(0..7) + slot as Day * 3;
            while launch < horizon {
                let launch_day = calendar.next_weekday(launch);
                let enrol_days = rng.random_range(c.enrolment_days[0]..=c.enrolment_days[1]) as Day;
                let campaign = Campaign::build(profile, &mut rng).with_life(
                    &mut rng,
                    profile,
                    launch_day,
                    launch_day + enrol_days,
                    concurrency,
                );
                launch = launch_day + enrol_days + rng.random_range(0..=14);
                drafts.push((launch_day, slot, campaign));
            }
        }
        drafts.sort_by_key(|&(launch, slot, _)| (launch, slot));
        drafts
            .into_iter()
            .zip(1..)
            .map(|((_, _, campaign), no)| campaign.named(&ids::campaign_id(&company.id, no)))
            .collect()
    }

    /// A sequence of step positions; the ids come with [`Campaign::named`].
    fn build(profile: &Profile, rng: &mut Stream) -> Campaign {
        let c = &profile.campaigns;
        let positions = rng.random_range(c.steps[0]..=c.steps[1]);
        let mut offset = 0;
        let steps = (1..=positions)
            .map(|position| {
                if position > 1 {
                    offset += rng.random_range(c.step_gap_days[0]..=c.step_gap_days[1]) as Day;
                }
                let variants = if rng.random_bool(c.ab_share) { 2 } else { 1 };
                StepPosition {
                    offset,
                    variants: vec![String::new(); variants],
                }
            })
            .collect();
        Campaign {
            id: String::new(),
            steps,
            launch: 0,
            enrol_end: 0,
            paused_at: None,
            concurrency: 1,
        }
    }

    /// The campaign with its id, and the ids of its steps.
    fn named(mut self, id: &str) -> Campaign {
        for (position, step) in (1..).zip(&mut self.steps) {
            let ab = step.variants.len() > 1;
            for (variant, step_id) in (0..).zip(&mut step.variants) {
                *step_id = ids::step_id(id, position, ab.then_some(variant));
            }
        }
        self.id = id.to_owned();
        self
    }

    fn with_life(
        mut self,
        rng: &mut Stream,
        profile: &Profile,
        launch: Day,
        enrol_end: Day,
        concurrency: u32,
    ) -> Campaign {
        let last_mail = enrol_end + self.sequence_days();
        self.launch = launch;
        self.enrol_end = enrol_end;
        self.concurrency = concurrency;
        self.paused_at = rng
            .random_bool(profile.campaigns.pause_share)
            .then(|| rng.random_range(launch + 1..last_mail.max(launch + 2)));
        self
    }

    /// Days from a lead's enrolment to its last step.
    pub fn sequence_days(&self) -> Day {
        self.steps.last().map_or(0, |s| s.offset)
    }

    /// The last day on which it may send: before the pause, if any.
    pub fn sends_on(&self, day: Day) -> bool {
        day >= self.launch && self.paused_at.is_none_or(|p| day < p)
    }
}
