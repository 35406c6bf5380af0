//! Profiles: the size of the simulated world and every calibration rate, as data.
//!
//! A profile is TOML. The built-in `dev` and `staging` profiles only set the size and the
//! calendar; every other field has the calibrated default documented on its field (see
//! the crate docs for the sources). A custom profile may override any of them.

use std::path::Path;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

/// A profile could not be read, parsed or validated. The message names the field.
#[derive(Debug, thiserror::Error)]
pub enum ProfileError {
    /// The file could not be read.
    #[error("cannot read profile {path}: {cause}")]
    Read {
        /// The path given.
        path: String,
        /// The I/O error (in the message, not as a source, so it is printed once).
        cause: std::io::Error,
    },
    /// The TOML is malformed, has an unknown key or a value of the wrong type.
    #[error("invalid profile {origin}: {message}")]
    Parse {
        /// Where the profile came from.
        origin: String,
        /// The parser's message, which names the key.
        message: String,
    },
    /// A value is out of its range.
    #[error("invalid profile {origin}: `{field}` {problem}")]
    Invalid {
        /// Where the profile came from.
        origin: String,
        /// The dotted field name, e.g. `rates.bounce_first_step`.
        field: &'static str,
        /// What is wrong with it.
        problem: String,
    },
}

/// The world's size, calendar and calibration.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Profile {
    /// A label, recorded with every seed.
    pub name: String,
    /// Customers at the start of the first period, at scale 1: the initial population.
    /// Later customers arrive month by month (`tenancy.monthly_signups`), so the number of
    /// tenants at a date grows with the date.
    pub tenants: u32,
    /// The first billing period: the 1st of a month.
    #[serde(deserialize_with = "date")]
    pub first_period: NaiveDate,
    /// The simulated "today": activity stops at the start of this day, and the month
    /// that contains it is the last (current, open) period. On the 1st, that period has
    /// no activity at all. Everything before it is the same whatever `as_of` says (see
    /// the crate docs on time), so `seed --as-of` may move it forward.
    #[serde(deserialize_with = "date")]
    pub as_of: NaiveDate,
    /// Who the tenants are and how they come and go.
    #[serde(default)]
    pub tenancy: Tenancy,
    /// How much each company sends.
    #[serde(default)]
    pub sending: Sending,
    /// How campaigns are built.
    #[serde(default)]
    pub campaigns: Campaigns,
    /// Per-email outcome probabilities of campaign mail.
    #[serde(default)]
    pub rates: Rates,
    /// Warmup ramps and warmup-network engagement.
    #[serde(default)]
    pub warmup: Warmup,
}

/// A date written either as a TOML date (`2026-01-01`) or as a string (`"2026-01-01"`).
fn date<'de, D: serde::Deserializer<'de>>(d: D) -> Result<NaiveDate, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Written {
        Toml(toml::value::Datetime),
        Text(String),
    }
    let text = match Written::deserialize(d)? {
        Written::Toml(dt) => dt.to_string(),
        Written::Text(s) => s,
    };
    text.parse().map_err(|_| {
        serde::de::Error::custom(format!("expected a date like 2026-01-01, got {text:?}"))
    })
}

/// Tenant mix and lifecycle.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Tenancy {
    /// Expected sign-ups a month, as a share of the initial population (`tenants`): each
    /// month draws its own number of new customers, on days spread over the month.
    pub monthly_signups: f64,
    /// Share of tenants that are agencies (several companies, many mailboxes).
    pub agency_share: f64,
    /// Companies an agency has over its life, inclusive range: the first comes with the
    /// sign-up, the others arrive one after another, about two months apart.
    pub agency_companies: [u32; 2],
    /// Share of new sign-ups that start with a one-month trial (no subscription).
    pub trial_share: f64,
    /// Share of trials that convert to a subscription; the rest leave after the trial.
    pub trial_conversion: f64,
    /// Probability that a subscribed tenant churns in a given month.
    pub monthly_churn: f64,
    /// Probability that a tenant grows (adds a sending domain) in a given month.
    pub monthly_growth: f64,
}

impl Default for Tenancy {
    fn default() -> Self {
        Self {
            monthly_signups: 0.11,
            agency_share: 0.1,
            agency_companies: [2, 6],
            trial_share: 0.3,
            trial_conversion: 0.55,
            monthly_churn: 0.035,
            monthly_growth: 0.06,
        }
    }
}

/// Sending capacity.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Sending {
    /// Sending domains of a company: the Pareto scale (minimum) of a skewed draw.
    pub domains_min: f64,
    /// Pareto shape of the domains draw: smaller means a heavier tail of large senders.
    pub domains_shape: f64,
    /// Cap on the domains of one company.
    pub domains_max: u32,
    /// Mailboxes per domain, inclusive range.
    pub mailboxes_per_domain: [u32; 2],
    /// Cold emails a ready mailbox may send per weekday (Instantly's recommended limit).
    pub daily_limit: u32,
    /// Share of the daily limit a company actually uses, inclusive range.
    pub utilization: [f64; 2],
}

impl Default for Sending {
    fn default() -> Self {
        Self {
            domains_min: 1.0,
            domains_shape: 1.6,
            domains_max: 24,
            mailboxes_per_domain: [2, 3],
            daily_limit: 30,
            utilization: [0.15, 0.6],
        }
    }
}

/// Campaign shapes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Campaigns {
    /// Step positions of a sequence, inclusive range.
    pub steps: [u32; 2],
    /// Probability that a step position has an A/B variant.
    pub ab_share: f64,
    /// Days between consecutive steps, inclusive range.
    pub step_gap_days: [u32; 2],
    /// Days during which a campaign enrols new leads, inclusive range.
    pub enrolment_days: [u32; 2],
    /// Campaigns a company runs at once per five mailboxes, at least one.
    pub concurrent_per_5_mailboxes: f64,
    /// Probability that a campaign is paused for good before it ends.
    pub pause_share: f64,
}

impl Default for Campaigns {
    fn default() -> Self {
        Self {
            steps: [2, 6],
            ab_share: 0.3,
            step_gap_days: [2, 5],
            enrolment_days: [14, 60],
            concurrent_per_5_mailboxes: 1.0,
            pause_share: 0.12,
        }
    }
}

/// Outcome probabilities of one campaign email.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Rates {
    /// Bounce probability of the first email (invalid addresses surface here).
    pub bounce_first_step: f64,
    /// Bounce probability of later emails.
    pub bounce_later_steps: f64,
    /// Tracked-open probability of a delivered first email (Apple MPP inflates it).
    pub open: f64,
    /// Open probability multiplier per later step.
    pub open_step_decay: f64,
    /// Click probability of an opened email.
    pub click_of_open: f64,
    /// Reply probability of a delivered first email.
    pub reply_first_step: f64,
    /// Reply probability multiplier per later step.
    pub reply_step_decay: f64,
    /// Unsubscribe probability of a delivered email.
    pub unsubscribe: f64,
    /// Spam-complaint probability of a delivered email.
    pub spam_complaint: f64,
}

impl Default for Rates {
    fn default() -> Self {
        Self {
            bounce_first_step: 0.07,
            bounce_later_steps: 0.012,
            open: 0.52,
            open_step_decay: 0.9,
            click_of_open: 0.05,
            reply_first_step: 0.062,
            reply_step_decay: 0.52,
            unsubscribe: 0.006,
            spam_complaint: 0.0003,
        }
    }
}

/// Warmup behaviour.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Warmup {
    /// Days a new mailbox ramps before it may send campaigns, inclusive range.
    pub ramp_days: [u32; 2],
    /// Warmup emails a day on the first ramp day.
    pub start_volume: u32,
    /// Warmup emails a day at the end of the ramp.
    pub peak_volume: u32,
    /// Warmup emails a day once warmed, for as long as the mailbox lives.
    pub maintenance_volume: u32,
    /// Probability that a warmed mailbox has warmup switched off for a month.
    pub monthly_pause: f64,
    /// Bounce probability of a warmup email.
    pub bounce: f64,
    /// Open probability of a delivered warmup email.
    pub open: f64,
    /// Reply probability of a delivered warmup email.
    pub reply: f64,
}

impl Default for Warmup {
    fn default() -> Self {
        Self {
            ramp_days: [14, 42],
            start_volume: 4,
            peak_volume: 40,
            maintenance_volume: 8,
            monthly_pause: 0.04,
            bounce: 0.002,
            open: 0.97,
            reply: 0.35,
        }
    }
}

/// The most campaign emails one tenant may send in a month for a profile to be valid. The
/// simulator holds a tenant-month's rows whole before the loader flushes them, so this
/// bounds its memory: a one-tenant agency at the bound, every knob at its top, peaks at
/// about 600 MiB (`seed`, and `seed --dry-run` over 12 or 36 months alike); `dev` and
/// `staging` allow about 180 thousand.
pub const MAX_TENANT_MONTH_EMAILS: f64 = 2e6;

/// The most campaign emails one tenant of `p` could send in a month: every size knob at
/// the top of its range, every mailbox at its daily limit on the 23 weekdays a month may
/// have.
pub(crate) fn most_tenant_month_emails(p: &Profile) -> f64 {
    let (t, s) = (&p.tenancy, &p.sending);
    f64::from(t.agency_companies[1])
        * f64::from(s.domains_max)
        * f64::from(s.mailboxes_per_domain[1])
        * f64::from(s.daily_limit)
        * s.utilization[1]
        * 23.0
}

impl Profile {
    /// Resolves `dev`, `staging` or a path to a TOML file.
    pub fn load(name_or_path: &str) -> Result<Self, ProfileError> {
        match name_or_path {
            "dev" => Self::parse(include_str!("../profiles/dev.toml"), "dev"),
            "staging" => Self::parse(include_str!("../profiles/staging.toml"), "staging"),
            path => {
                let text = std::fs::read_to_string(Path::new(path)).map_err(|cause| {
                    ProfileError::Read {
                        path: path.to_owned(),
                        cause,
                    }
                })?;
                Self::parse(&text, path)
            }
        }
    }

    /// Parses and validates profile TOML; `origin` names it in errors.
    pub fn parse(text: &str, origin: &str) -> Result<Self, ProfileError> {
        let parse_error = |message: String| ProfileError::Parse {
            origin: origin.to_owned(),
            message,
        };
        let document =
            toml::Deserializer::parse(text).map_err(|e| parse_error(e.message().to_owned()))?;
        // The path names the offending key even for type errors (`tenants = -1`).
        let profile: Profile = serde_path_to_error::deserialize(document).map_err(|e| {
            let path = e.path().to_string();
            let message = e.inner().message().to_owned();
            parse_error(if path == "." {
                message
            } else {
                format!("`{path}`: {message}")
            })
        })?;
        profile.validate(origin)?;
        Ok(profile)
    }

    /// The profile with its tenant count multiplied by `scale` (rounded, at least one), so
    /// that row counts grow linearly while every tenant stays the same.
    pub fn scaled(&self, scale: f64) -> Result<Self, ProfileError> {
        if !(scale.is_finite() && scale > 0.0) {
            return Err(ProfileError::Invalid {
                origin: self.name.clone(),
                field: "scale",
                problem: format!("must be a number above 0, got {scale}"),
            });
        }
        let tenants = (f64::from(self.tenants) * scale).round().max(1.0);
        let scaled = Self {
            tenants: tenants.min(f64::from(u32::MAX)) as u32,
            ..self.clone()
        };
        if tenants > f64::from(crate::ids::MAX_TENANTS)
            || scaled.most_tenants() > u64::from(crate::ids::MAX_TENANTS)
        {
            return Err(ProfileError::Invalid {
                origin: self.name.clone(),
                field: "scale",
                problem: format!(
                    "gives up to {} tenants by as_of, above {}",
                    scaled.most_tenants().max(tenants as u64),
                    crate::ids::MAX_TENANTS
                ),
            });
        }
        Ok(scaled)
    }

    /// The profile as of another day (`seed --as-of`), validated like a profile file.
    pub fn at(&self, as_of: NaiveDate) -> Result<Self, ProfileError> {
        let moved = Self {
            as_of,
            ..self.clone()
        };
        moved.validate(&self.name)?;
        Ok(moved)
    }

    /// The most tenants there can be by `as_of`: the initial population plus the most
    /// sign-ups each month can draw ([`crate::world::signups_bound`]).
    pub fn most_tenants(&self) -> u64 {
        let months = u64::from(crate::calendar::months_between(
            self.first_period,
            self.as_of,
        )) + 1;
        u64::from(self.tenants) + months * u64::from(crate::world::signups_bound(self))
    }

    fn validate(&self, origin: &str) -> Result<(), ProfileError> {
        let invalid = |field: &'static str, problem: String| ProfileError::Invalid {
            origin: origin.to_owned(),
            field,
            problem,
        };
        if self.tenants == 0 {
            return Err(invalid("tenants", "must be at least 1".into()));
        }
        if self.tenants > crate::ids::MAX_TENANTS {
            return Err(invalid(
                "tenants",
                format!("must be at most {}", crate::ids::MAX_TENANTS),
            ));
        }
        if self.first_period.day() != 1 {
            return Err(invalid(
                "first_period",
                format!("must be the 1st of a month, got {}", self.first_period),
            ));
        }
        if self.as_of < self.first_period {
            return Err(invalid(
                "as_of",
                format!(
                    "({}) is before the first period ({})",
                    self.as_of, self.first_period
                ),
            ));
        }
        if crate::calendar::months_between(self.first_period, self.as_of) >= 120 {
            return Err(invalid(
                "as_of",
                "is more than ten years after first_period".into(),
            ));
        }
        let t = &self.tenancy;
        if !(0.0..=10.0).contains(&t.monthly_signups) {
            return Err(invalid(
                "tenancy.monthly_signups",
                format!("must be between 0 and 10, got {}", t.monthly_signups),
            ));
        }
        if self.most_tenants() > u64::from(crate::ids::MAX_TENANTS) {
            return Err(invalid(
                "tenants",
                format!(
                    "with tenancy.monthly_signups may reach {} tenants by as_of, above {}",
                    self.most_tenants(),
                    crate::ids::MAX_TENANTS
                ),
            ));
        }
        let s = &self.sending;
        let c = &self.campaigns;
        let r = &self.rates;
        let w = &self.warmup;
        for (field, value) in [
            ("tenancy.agency_share", t.agency_share),
            ("tenancy.trial_share", t.trial_share),
            ("tenancy.trial_conversion", t.trial_conversion),
            ("tenancy.monthly_churn", t.monthly_churn),
            ("tenancy.monthly_growth", t.monthly_growth),
            ("sending.utilization", s.utilization[0]),
            ("sending.utilization", s.utilization[1]),
            ("campaigns.ab_share", c.ab_share),
            ("campaigns.pause_share", c.pause_share),
            ("rates.bounce_first_step", r.bounce_first_step),
            ("rates.bounce_later_steps", r.bounce_later_steps),
            ("rates.open", r.open),
            ("rates.open_step_decay", r.open_step_decay),
            ("rates.click_of_open", r.click_of_open),
            ("rates.reply_first_step", r.reply_first_step),
            ("rates.reply_step_decay", r.reply_step_decay),
            ("rates.unsubscribe", r.unsubscribe),
            ("rates.spam_complaint", r.spam_complaint),
            ("warmup.monthly_pause", w.monthly_pause),
            ("warmup.bounce", w.bounce),
            ("warmup.open", w.open),
            ("warmup.reply", w.reply),
        ] {
            if !(0.0..=1.0).contains(&value) {
                return Err(invalid(
                    field,
                    format!("must be between 0 and 1, got {value}"),
                ));
            }
        }
        if r.reply_first_step + r.unsubscribe + r.spam_complaint > 1.0 {
            return Err(invalid(
                "rates.reply_first_step",
                "plus unsubscribe and spam_complaint must not exceed 1".into(),
            ));
        }
        for (field, [lo, hi], min) in [
            ("tenancy.agency_companies", t.agency_companies, 1),
            ("sending.mailboxes_per_domain", s.mailboxes_per_domain, 1),
            ("campaigns.steps", c.steps, 1),
            ("campaigns.step_gap_days", c.step_gap_days, 1),
            ("campaigns.enrolment_days", c.enrolment_days, 1),
            ("warmup.ramp_days", w.ramp_days, 1),
        ] {
            if lo < min || lo > hi {
                return Err(invalid(
                    field,
                    format!(
                        "must be a range [low, high] with {min} <= low <= high, got [{lo}, {hi}]"
                    ),
                ));
            }
        }
        if s.mailboxes_per_domain[1] > 20 {
            return Err(invalid(
                "sending.mailboxes_per_domain",
                "allows at most 20 mailboxes per domain".into(),
            ));
        }
        if s.domains_max > 26 {
            return Err(invalid("sending.domains_max", "must be at most 26".into()));
        }
        if c.steps[1] > 9 {
            return Err(invalid(
                "campaigns.steps",
                "allows at most 9 step positions".into(),
            ));
        }
        if s.utilization[0] > s.utilization[1] {
            return Err(invalid(
                "sending.utilization",
                "must be a range [low, high]".into(),
            ));
        }
        // Numbers beyond these bounds (`inf`, `1e300`) would only saturate casts later.
        for (field, value, max) in [
            (
                "sending.domains_min",
                s.domains_min,
                f64::from(s.domains_max),
            ),
            ("sending.domains_shape", s.domains_shape, 100.0),
        ] {
            if !(value.is_finite() && value <= max) {
                return Err(invalid(
                    field,
                    format!("must be a finite number of at most {max}, got {value:?}"),
                ));
            }
        }
        if !(s.domains_min >= 1.0 && s.domains_shape > 0.0 && s.domains_max >= 1) {
            return Err(invalid(
                "sending.domains_min",
                "needs domains_min >= 1, domains_shape > 0 and domains_max >= 1".into(),
            ));
        }
        if s.daily_limit == 0 || s.daily_limit > 10_000 {
            return Err(invalid(
                "sending.daily_limit",
                "must be between 1 and 10000".into(),
            ));
        }
        let most = most_tenant_month_emails(self);
        if most > MAX_TENANT_MONTH_EMAILS {
            return Err(invalid(
                "sending.daily_limit",
                format!(
                    "lets one tenant send up to {most:.0} campaign emails in a month \
                     (agency_companies × domains_max × mailboxes_per_domain × daily_limit × \
                     utilization × 23 weekdays, at the top of each range); a tenant-month is \
                     generated whole, and at most {MAX_TENANT_MONTH_EMAILS:.0} fit in bounded \
                     memory: lower daily_limit, mailboxes_per_domain, domains_max or \
                     tenancy.agency_companies"
                ),
            ));
        }
        if !(c.concurrent_per_5_mailboxes > 0.0 && c.concurrent_per_5_mailboxes <= 50.0) {
            return Err(invalid(
                "campaigns.concurrent_per_5_mailboxes",
                "must be above 0 and at most 50".into(),
            ));
        }
        if w.start_volume > w.peak_volume || w.peak_volume > 500 || w.maintenance_volume > 500 {
            return Err(invalid(
                "warmup.peak_volume",
                "needs start_volume <= peak_volume <= 500 and maintenance_volume <= 500".into(),
            ));
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(toml: &str) -> String {
        Profile::parse(toml, "test.toml").unwrap_err().to_string()
    }

    const BASE: &str = "name = \"t\"\ntenants = 3\nfirst_period = 2026-01-01\nas_of = 2026-03-15\n";

    #[test]
    fn built_in_profiles_are_valid() {
        for name in ["dev", "staging"] {
            Profile::load(name).unwrap();
        }
        Profile::parse(BASE, "base").unwrap();
    }

    #[test]
    fn errors_name_the_field() {
        assert!(error(&format!("{BASE}colour = 3")).contains("colour"));
        assert!(error(&format!("{BASE}[rates]\nbounce = 0.1")).contains("bounce"));
        assert!(error(&BASE.replace("tenants = 3", "tenants = -4")).contains("`tenants`"));
        assert!(error(&BASE.replace("tenants = 3", "tenants = 0")).contains("`tenants`"));
        assert!(
            error(&BASE.replace("as_of = 2026-03-15", "as_of = 2025-12-31")).contains("`as_of`")
        );
        assert!(error(&BASE.replace("2026-01-01", "2026-01-05")).contains("`first_period`"));
        assert!(error(&format!("{BASE}[rates]\nopen = 1.5")).contains("`rates.open`"));
        assert!(error(&format!("{BASE}[campaigns]\nsteps = [4, 2]")).contains("`campaigns.steps`"));
        assert!(error("name = \"t\"\ntenants = 3\nas_of = 2026-03-15\n").contains("first_period"));
        assert!(error("tenants = [").contains("test.toml"));
    }

    #[test]
    fn a_missing_file_is_named_once() {
        let message = Profile::load("/no/such/profile.toml")
            .unwrap_err()
            .to_string();
        assert!(message.contains("/no/such/profile.toml"), "{message}");
        assert!(std::error::Error::source(&Profile::load("/no/such.toml").unwrap_err()).is_none());
    }

    #[test]
    fn scale_multiplies_tenants_and_rejects_nonsense() {
        let p = Profile::parse(BASE, "base").unwrap();
        assert_eq!(p.scaled(10.0).unwrap().tenants, 30);
        assert_eq!(p.scaled(0.01).unwrap().tenants, 1);
        for bad in [0.0, -1.0, f64::NAN, f64::INFINITY] {
            assert!(p.scaled(bad).unwrap_err().to_string().contains("`scale`"));
        }
    }
}
