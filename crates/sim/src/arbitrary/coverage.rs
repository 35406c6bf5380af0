//! What a set of cases exercised: the paths through the generating code where bugs hide
//! (late steps, second variants, replies and bounces after the first step, churn, open
//! months, leap days), counted in cases, so that a gate can tell a run that passed because
//! the code is right from one that passed because it never went there.

use std::collections::BTreeMap;
use std::fmt;

use chrono::{Datelike, NaiveDate};
use schema::keys::{step_position, step_variant};

use crate::rows::Rows;
use crate::Simulator;

/// The most step positions a sequence may have (`campaigns.steps`).
const MAX_STEP: u32 = 9;

/// A path through the generating code that a case may exercise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Path {
    /// A sequence reached step position `n` (1-based): a step row of that position sent mail.
    StepReached(u32),
    /// The second variant of an A/B step sent mail.
    VariantB,
    /// A lead replied after its first step.
    ReplyAfterFirstStep,
    /// A lead bounced after its first step.
    BounceAfterFirstStep,
    /// A lead received every step of its sequence (status `completed`).
    CompletedLead,
    /// A tenant left (churned, or its trial ended) before the as-of day.
    ChurnedTenant,
    /// The as-of day cut a month with activity in half: its rows are a partial aggregate.
    OpenMonth,
    /// The calendar ran through a 29th of February.
    LeapDay,
}

impl Path {
    /// Every path a default-size gate run must exercise.
    pub fn required() -> Vec<Path> {
        (1..=MAX_STEP)
            .map(Path::StepReached)
            .chain([
                Path::VariantB,
                Path::ReplyAfterFirstStep,
                Path::BounceAfterFirstStep,
                Path::CompletedLead,
                Path::ChurnedTenant,
                Path::OpenMonth,
                Path::LeapDay,
            ])
            .collect()
    }
}

impl fmt::Display for Path {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Path::StepReached(n) => write!(f, "sequences reaching step {n}"),
            Path::VariantB => f.write_str("A/B variant b sending"),
            Path::ReplyAfterFirstStep => f.write_str("replies after step 1"),
            Path::BounceAfterFirstStep => f.write_str("bounces after step 1"),
            Path::CompletedLead => f.write_str("leads completing their sequence"),
            Path::ChurnedTenant => f.write_str("churned tenants"),
            Path::OpenMonth => f.write_str("open months with activity"),
            Path::LeapDay => f.write_str("calendars through a leap day"),
        }
    }
}

/// How many cases exercised each [`Path`].
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coverage {
    cases: BTreeMap<Path, u32>,
}

impl Coverage {
    /// The paths one case, `sim`'s world with its `rows`, exercised (each counted once).
    pub fn of(sim: &Simulator, rows: &Rows) -> Self {
        let mut paths = Vec::new();
        for step in rows.steps.iter().filter(|s| s.new.counters.sent > 0) {
            let c = &step.new.counters;
            let position = step_position(&step.new.step_id).unwrap_or(0);
            paths.push(Path::StepReached(position));
            if step_variant(&step.new.step_id) == Some('b') {
                paths.push(Path::VariantB);
            }
            if position > 1 && c.replied > 0 {
                paths.push(Path::ReplyAfterFirstStep);
            }
            if position > 1 && c.bounced > 0 {
                paths.push(Path::BounceAfterFirstStep);
            }
        }
        if rows
            .leads
            .iter()
            .any(|l| l.new.status == schema::models::LeadStatus::Completed)
        {
            paths.push(Path::CompletedLead);
        }
        let calendar = sim.calendar();
        let last_end = calendar.periods().last().map(|p| p.end);
        let mut tenant_ends: BTreeMap<&str, NaiveDate> = BTreeMap::new();
        for b in &rows.billing {
            let end = b.new.period_end.date_naive();
            let e = tenant_ends.entry(&b.new.tenant_id).or_insert(end);
            *e = (*e).max(end);
        }
        if tenant_ends.values().any(|&end| Some(end) != last_end) {
            paths.push(Path::ChurnedTenant);
        }
        let as_of = sim.profile().as_of;
        if as_of.day() != 1
            && rows
                .billing
                .iter()
                .any(|b| b.new.period_end.date_naive() > as_of && b.new.emails_sent > 0)
        {
            paths.push(Path::OpenMonth);
        }
        let first = sim.profile().first_period;
        let leap_day = (first.year()..=as_of.year())
            .filter_map(|y| NaiveDate::from_ymd_opt(y, 2, 29))
            .any(|d| first <= d && d < as_of);
        if leap_day {
            paths.push(Path::LeapDay);
        }
        let mut cases = BTreeMap::new();
        for path in paths {
            cases.insert(path, 1);
        }
        Self { cases }
    }

    /// Adds `other`'s counts to these.
    pub fn add(&mut self, other: &Coverage) {
        for (&path, &n) in &other.cases {
            *self.cases.entry(path).or_default() += n;
        }
    }

    /// The cases that exercised `path`.
    pub fn cases(&self, path: Path) -> u32 {
        self.cases.get(&path).copied().unwrap_or(0)
    }

    /// The [required](Path::required) paths no case exercised.
    pub fn missing(&self) -> Vec<Path> {
        Path::required()
            .into_iter()
            .filter(|&p| self.cases(p) == 0)
            .collect()
    }
}

/// One line per required path: the cases that exercised it.
impl fmt::Display for Coverage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for path in Path::required() {
            writeln!(f, "{:>6} cases: {path}", self.cases(path))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Profile, Shard};

    fn coverage_of(profile: Profile, seed: u64) -> Coverage {
        let sim = Simulator::new(profile, seed);
        let rows = sim.rows(Shard::ALL);
        Coverage::of(&sim, &rows)
    }

    #[test]
    fn dev_exercises_its_six_steps_and_no_leap_day() {
        let dev = coverage_of(Profile::load("dev").unwrap(), 1);
        let missing = dev.missing();
        assert_eq!(
            missing,
            [
                Path::StepReached(7),
                Path::StepReached(8),
                Path::StepReached(9),
                Path::LeapDay
            ],
            "{dev}"
        );
        assert_eq!(dev.cases(Path::ReplyAfterFirstStep), 1);
    }

    #[test]
    fn counts_add_up_over_cases_and_a_leap_day_is_seen() {
        let mut p = Profile::load("dev").unwrap();
        p.tenants = 2;
        p.first_period = NaiveDate::from_ymd_opt(2028, 1, 1).unwrap();
        p.as_of = NaiveDate::from_ymd_opt(2028, 3, 1).unwrap();
        let leap = coverage_of(p, 3);
        assert_eq!(leap.cases(Path::LeapDay), 1, "{leap}");
        assert_eq!(leap.cases(Path::OpenMonth), 0, "as of the 1st: {leap}");
        let mut both = leap.clone();
        both.add(&leap);
        assert_eq!(both.cases(Path::LeapDay), 2);
        assert_eq!(
            both.cases(Path::StepReached(1)),
            2 * leap.cases(Path::StepReached(1))
        );
    }
}
