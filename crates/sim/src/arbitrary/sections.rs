//! A profile's sections from flat draws, in field order: the one place that knows which
//! draw is which field, shared by the strata.

use crate::profile::{Campaigns, Rates, Sending, Tenancy, Warmup};

/// [`Tenancy`] from (signups, agency share, companies, trial share, conversion, churn,
/// growth).
pub(super) type TenancyDraw = (f64, f64, [u32; 2], f64, f64, f64, f64);

pub(super) fn tenancy(d: TenancyDraw) -> Tenancy {
    let (signups, agency, companies, trial, conversion, churn, growth) = d;
    Tenancy {
        monthly_signups: signups,
        agency_share: agency,
        agency_companies: companies,
        trial_share: trial,
        trial_conversion: conversion,
        monthly_churn: churn,
        monthly_growth: growth,
    }
}

/// [`Sending`] from (domains min, shape, max, mailboxes per domain, daily limit,
/// utilization).
pub(super) type SendingDraw = (f64, f64, u32, [u32; 2], u32, [f64; 2]);

pub(super) fn sending(d: SendingDraw) -> Sending {
    let (min, shape, max, per_domain, limit, utilization) = d;
    Sending {
        // The Pareto scale is the smallest draw: it cannot exceed the cap.
        domains_min: min.min(f64::from(max)),
        domains_shape: shape,
        domains_max: max,
        mailboxes_per_domain: per_domain,
        daily_limit: limit,
        utilization,
    }
}

/// [`Campaigns`] from (steps, A/B share, step gap, enrolment days, concurrency, pause
/// share).
pub(super) type CampaignsDraw = ([u32; 2], f64, [u32; 2], [u32; 2], f64, f64);

pub(super) fn campaigns(d: CampaignsDraw) -> Campaigns {
    let (steps, ab, gap, enrolment, concurrent, pause) = d;
    Campaigns {
        steps,
        ab_share: ab,
        step_gap_days: gap,
        enrolment_days: enrolment,
        concurrent_per_5_mailboxes: concurrent,
        pause_share: pause,
    }
}

/// [`Rates`] from (bounce first, bounce later, open, open decay, click, reply, reply
/// decay, unsubscribe, spam), the first step's exits cut so that they sum to at most 1:
/// they share one draw.
pub(super) type RatesDraw = (f64, f64, f64, f64, f64, f64, f64, f64, f64);

pub(super) fn rates(d: RatesDraw) -> Rates {
    let (bounce_first, bounce_later, open, open_decay, click, reply, reply_decay, unsub, spam) = d;
    let unsubscribe = unsub.min(1.0 - reply);
    let spam_complaint = spam.min((1.0 - reply - unsubscribe).max(0.0));
    Rates {
        bounce_first_step: bounce_first,
        bounce_later_steps: bounce_later,
        open,
        open_step_decay: open_decay,
        click_of_open: click,
        reply_first_step: reply,
        reply_step_decay: reply_decay,
        unsubscribe,
        spam_complaint,
    }
}

/// [`Warmup`] from (ramp days, [start, peak] volume, maintenance volume, monthly pause,
/// bounce, open, reply).
pub(super) type WarmupDraw = ([u32; 2], [u32; 2], u32, f64, f64, f64, f64);

pub(super) fn warmup(d: WarmupDraw) -> Warmup {
    let (ramp, [start, peak], maintenance, pause, bounce, open, reply) = d;
    Warmup {
        ramp_days: ramp,
        start_volume: start,
        peak_volume: peak,
        maintenance_volume: maintenance,
        monthly_pause: pause,
        bounce,
        open,
        reply,
    }
}
