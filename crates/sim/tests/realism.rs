//! The `dev` world's aggregate rates fall inside the published ranges of
//! `sim::realism::BENCHMARKS`.

use sim::realism::{measure, BENCHMARKS};
use sim::{Profile, Shard, Simulator};

#[test]
fn dev_world_rates_match_published_benchmarks() {
    let rows = Simulator::new(Profile::load("dev").unwrap(), 1).rows(Shard::ALL);
    let measured = measure(&rows);
    let mut report = String::new();
    let mut outside = 0;
    for (b, value) in BENCHMARKS.iter().zip(measured) {
        let ok = (b.range.0..=b.range.1).contains(&value);
        outside += usize::from(!ok);
        report += &format!(
            "{} {:<46} {:>8.4} in [{}, {}]  ({})\n",
            if ok { "ok  " } else { "FAIL" },
            b.name,
            value,
            b.range.0,
            b.range.1,
            b.source
        );
    }
    println!("{report}");
    assert_eq!(
        outside, 0,
        "rates outside their benchmark ranges:\n{report}"
    );
}

#[test]
fn the_world_has_the_shapes_the_domain_describes() {
    use schema::models::{CampaignStatus, LeadStatus, MailboxCampaignStatus, WarmupStatus};
    let sim = Simulator::new(Profile::load("dev").unwrap(), 1);
    let rows = sim.rows(Shard::ALL);
    // Trials bill without a subscription; agencies have several companies.
    assert!(
        rows.billing.iter().any(|b| b.new.subscription_id.is_none()),
        "no trial period"
    );
    let mut companies: Vec<(&str, &str)> = rows
        .mailboxes
        .iter()
        .map(|m| {
            (
                m.new.company_id.split('-').next().unwrap(),
                m.new.company_id.as_str(),
            )
        })
        .collect();
    companies.sort();
    companies.dedup();
    assert!(
        companies.windows(2).any(|w| w[0].0 == w[1].0),
        "no agency with several companies"
    );
    // Every status value the simulator writes occurs.
    for s in CampaignStatus::SIMULATED {
        assert!(
            rows.campaigns.iter().any(|r| r.new.status == *s),
            "no campaign {s}"
        );
    }
    for s in LeadStatus::SIMULATED {
        assert!(rows.leads.iter().any(|r| r.new.status == *s), "no lead {s}");
    }
    for s in WarmupStatus::SIMULATED {
        assert!(
            rows.mailboxes.iter().any(|r| r.new.warmup_status == *s),
            "no warmup_status {s}"
        );
    }
    for s in MailboxCampaignStatus::SIMULATED {
        assert!(
            rows.mailboxes.iter().any(|r| r.new.campaign_status == *s),
            "no campaign_status {s}"
        );
    }
    // Mailboxes are email addresses; some campaigns run across several periods.
    assert!(rows
        .mailboxes
        .iter()
        .all(|m| m.new.mailbox_id.contains('@')));
    let mut spans: std::collections::HashMap<&str, usize> = Default::default();
    for c in &rows.campaigns {
        *spans.entry(&c.new.campaign_id).or_default() += 1;
    }
    assert!(spans.values().any(|&n| n > 1), "no campaign spans periods");
    // Later steps reach fewer leads.
    let sent_at = |pos: u32| -> i64 {
        rows.steps
            .iter()
            .filter(|s| sim::ids::step_position(&s.new.step_id) == Some(pos))
            .map(|s| i64::from(s.new.counters.sent))
            .sum()
    };
    assert!(sent_at(1) > sent_at(2) && sent_at(2) > sent_at(3));
}

#[test]
fn usage_stays_within_the_plan_and_growing_tenants_upgrade() {
    use sim::world::Plan;
    let sim = Simulator::new(Profile::load("dev").unwrap(), 1);
    let mut plans_seen = std::collections::BTreeSet::new();
    let mut upgrades = 0;
    for no in sim.tenants(Shard::ALL) {
        let activity = sim.tenant(no);
        let tenant = activity.tenant().clone();
        let rows: Vec<_> = activity.collect();
        let mut previous: Option<Plan> = None;
        for (offset, period) in rows.iter().enumerate() {
            let index = tenant.first_period + offset;
            let plan = tenant.plan_in(sim.profile(), sim.calendar(), index);
            let billing = &period.billing[0].new;
            if let Some(quota) = plan.monthly_emails() {
                assert!(
                    billing.emails_sent as u64 <= quota,
                    "{} over {plan:?}: {billing:?}",
                    tenant.id
                );
            }
            if let Some(quota) = plan.domains() {
                assert!(
                    billing.domains_used as u64 <= quota,
                    "{} over {plan:?}: {billing:?}",
                    tenant.id
                );
            }
            upgrades += usize::from(previous.is_some_and(|p| p < plan));
            previous = Some(plan);
            plans_seen.insert(plan);
        }
    }
    assert_eq!(plans_seen.len(), 3, "plans seen: {plans_seen:?}");
    assert!(upgrades > 0, "no tenant upgraded");
}

/// A mailbox's health answers to its own bounces and spam complaints: among warmed
/// mailboxes that sent campaign mail, those with complaints score clearly lower, and
/// health falls as the month's bounce rate rises.
#[test]
fn health_follows_the_mailboxs_own_bounces_and_complaints() {
    use schema::models::WarmupStatus;
    let rows = Simulator::new(Profile::load("dev").unwrap(), 1).rows(Shard::ALL);
    let warmed: Vec<_> = rows
        .mailboxes
        .iter()
        .map(|m| &m.new)
        .filter(|m| m.warmup_status == WarmupStatus::Warmed && m.counters.sent >= 300)
        .collect();
    assert!(warmed.len() > 200, "{} warmed senders", warmed.len());
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len().max(1) as f64;
    let health = |complained: bool| -> Vec<f64> {
        warmed
            .iter()
            .filter(|m| (m.counters.spam_complaints > 0) == complained)
            .map(|m| f64::from(m.health_score))
            .collect()
    };
    let (with, without) = (health(true), health(false));
    assert!(with.len() >= 10, "{} mailboxes with complaints", with.len());
    let gap = mean(&without) - mean(&with);
    assert!(
        gap >= 8.0,
        "complaints cost only {gap:.1} points on average"
    );

    let xs: Vec<f64> = warmed
        .iter()
        .map(|m| f64::from(m.counters.bounced) / f64::from(m.counters.sent))
        .collect();
    let ys: Vec<f64> = warmed.iter().map(|m| f64::from(m.health_score)).collect();
    let (mx, my) = (mean(&xs), mean(&ys));
    let cov: f64 = xs.iter().zip(&ys).map(|(x, y)| (x - mx) * (y - my)).sum();
    let sx = xs.iter().map(|x| (x - mx).powi(2)).sum::<f64>().sqrt();
    let sy = ys.iter().map(|y| (y - my).powi(2)).sum::<f64>().sqrt();
    let r = cov / (sx * sy);
    assert!(
        r <= -0.3,
        "health barely follows the bounce rate: r = {r:.2}"
    );
}
