//! Realism: the aggregate rates of a world, and the published ranges they must fall in.

use schema::models::Counters;

use crate::rows::Rows;

/// One aggregate rate and its accepted range.
#[derive(Debug, Clone, Copy)]
pub struct Benchmark {
    /// What is measured.
    pub name: &'static str,
    /// Accepted range, inclusive.
    pub range: (f64, f64),
    /// Where the figure comes from.
    pub source: &'static str,
}

/// The benchmarks a `dev` world is held to. Ranges are wide around the published points
/// because a world of a few dozen tenants is a small sample.
pub const BENCHMARKS: [Benchmark; 7] = [
    Benchmark {
        name: "reply rate (replied / delivered)",
        range: (0.025, 0.045),
        source: "Instantly Cold Email Benchmark Report 2026: 3.43% average",
    },
    Benchmark {
        name: "first-step share of replies",
        range: (0.5, 0.66),
        source: "Instantly Cold Email Benchmark Report 2026: about 58% on step 1",
    },
    Benchmark {
        name: "bounce rate (bounced / sent)",
        range: (0.02, 0.045),
        source: "Saleshandy 2026 cold-email statistics: 3.3% average",
    },
    Benchmark {
        name: "spam complaint rate (complaints / delivered)",
        range: (0.0, 0.001),
        source: "Gmail email sender guidelines: keep below 0.1%, never reach 0.3%",
    },
    Benchmark {
        name: "tracked open rate (opened / delivered)",
        range: (0.35, 0.7),
        source: "Apple Mail Privacy Protection pre-fetches pixels: tracked opens run high",
    },
    Benchmark {
        name: "campaign mail per ready mailbox and weekday",
        range: (3.0, 30.0),
        source: "Instantly's recommended limit: about 30 cold emails a day per mailbox",
    },
    Benchmark {
        name: "warmup reply rate (replied / delivered)",
        range: (0.2, 0.6),
        source: "warmup networks open and answer automatically",
    },
];

/// The benchmarks `rows` falls outside of, each with the measured rate: none for a world
/// of a calibrated profile (`dev`, `staging`).
pub fn outside(rows: &Rows) -> Vec<(Benchmark, f64)> {
    BENCHMARKS
        .into_iter()
        .zip(measure(rows))
        .filter(|(b, value)| !(b.range.0..=b.range.1).contains(value))
        .collect()
}

/// A world's measured rates, in [`BENCHMARKS`] order.
pub fn measure(rows: &Rows) -> [f64; 7] {
    // A month has about 21.7 weekdays; mailboxes still warming send no campaign mail.
    let ready_mailbox_weekdays = 21.7
        * rows
            .mailboxes
            .iter()
            .filter(|r| r.new.campaign_status != schema::models::MailboxCampaignStatus::Warming)
            .count() as f64;
    let mut campaign = Counters::default();
    for r in &rows.campaigns {
        campaign += crate::rows::Activity::counters(&r.new);
    }
    let mut warmup = Counters::default();
    for r in &rows.warmups {
        warmup += crate::rows::Activity::counters(&r.new);
    }
    let first_step_replies: i64 = rows
        .steps
        .iter()
        .filter(|r| crate::ids::step_position(&r.new.step_id) == Some(1))
        .map(|r| i64::from(r.new.counters.replied))
        .sum();
    let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
    let f = f64::from;
    [
        ratio(f(campaign.replied), f(campaign.delivered)),
        ratio(first_step_replies as f64, f(campaign.replied)),
        ratio(f(campaign.bounced), f(campaign.sent)),
        ratio(f(campaign.spam_complaints), f(campaign.delivered)),
        ratio(f(campaign.opened_tracked), f(campaign.delivered)),
        ratio(f(campaign.sent), ready_mailbox_weekdays),
        ratio(f(warmup.replied), f(warmup.delivered)),
    ]
}
