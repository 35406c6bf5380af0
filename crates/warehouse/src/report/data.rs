//! What the report shows, read from a warehouse through `schema::queries` and the audit:
//! the page computes no figure of its own from raw rows.

use std::collections::{BTreeMap, HashMap};

use crate::error::{Result, Step};
use chrono::{DateTime, Datelike, Utc};
use diesel::PgConnection;
use schema::models::MailboxCampaignStatus;
use schema::queries::{
    billing_usage::billing_usage,
    campaign_performance::campaign_performance,
    mailbox_health::mailbox_health,
    step_comparison::step_comparison,
    tenant_growth::{tenant_growth, TenantGrowth},
    Funnel, Periods, Rates, Scope,
};
use sim::realism::BENCHMARKS;

use crate::audit::{self, AuditReport};

/// A warehouse, as the report draws it.
pub struct Warehouse {
    /// Campaign mail of every tenant and period.
    pub funnel: Funnel,
    /// Its rates.
    pub rates: Rates,
    /// Campaign emails per tenant over all its periods, largest first.
    pub emails_per_tenant: Vec<(String, i64)>,
    /// Month by month.
    pub growth: Vec<TenantGrowth>,
    /// `(health_score, campaign bounce rate)` of each mailbox-period that sent campaign mail.
    pub health_vs_bounce: Vec<(f64, f64)>,
    /// `(months since the mailbox's first period, warmup progress %)` of each
    /// mailbox-period with a warmup row.
    pub warmup_ramps: Vec<(f64, f64)>,
    /// Replies by step position.
    pub replies_by_position: BTreeMap<i32, i64>,
    /// Each benchmark's measured value, `None` where the warehouse has no denominator or
    /// no query exposes the figure.
    pub benchmarks: Vec<Option<f64>>,
    /// The audit, in catalog order.
    pub audit: AuditReport,
}

/// Weekdays in a month, on average: mailboxes send campaign mail on weekdays only.
const WEEKDAYS_PER_MONTH: f64 = 21.7;

impl Warehouse {
    /// Reads everything the report needs.
    pub fn read(conn: &mut PgConnection) -> Result<Self> {
        let all = Scope::all();
        let campaigns = campaign_performance(conn, &all).step("campaign performance")?;
        let funnel: Funnel = campaigns.iter().map(|c| c.funnel).sum();
        let mut per_tenant: HashMap<String, i64> = HashMap::new();
        for usage in billing_usage(conn, &all).step("billing usage")? {
            *per_tenant.entry(usage.tenant_id).or_default() += i64::from(usage.emails_sent);
        }
        let mut emails_per_tenant: Vec<(String, i64)> = per_tenant.into_iter().collect();
        emails_per_tenant.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        let growth = tenant_growth(conn, &Periods::all()).step("tenant growth")?;

        let mailboxes = mailbox_health(conn, &all).step("mailbox health")?;
        let mut first_period: HashMap<&str, DateTime<Utc>> = HashMap::new();
        for m in &mailboxes {
            let first = first_period.entry(&m.mailbox_id).or_insert(m.period_start);
            *first = (*first).min(m.period_start);
        }
        let months = |a: DateTime<Utc>, b: DateTime<Utc>| {
            f64::from((b.year() - a.year()) * 12 + b.month() as i32 - a.month() as i32)
        };
        let health_vs_bounce = mailboxes
            .iter()
            .filter_map(|m| Some((f64::from(m.health_score?), m.rates.bounce_rate?)))
            .collect();
        let warmup_ramps = mailboxes
            .iter()
            .filter_map(|m| {
                let progress = f64::from(m.warmup_progress?);
                Some((
                    months(first_period[m.mailbox_id.as_str()], m.period_start),
                    progress,
                ))
            })
            .collect();
        let ready: Vec<_> = mailboxes
            .iter()
            .filter(|m| m.campaign_status.as_ref() != Some(&MailboxCampaignStatus::Warming))
            .collect();
        let campaign_sent: i64 = ready.iter().map(|m| m.campaign.sent).sum();
        let per_mailbox_weekday = (!ready.is_empty())
            .then(|| campaign_sent as f64 / (ready.len() as f64 * WEEKDAYS_PER_MONTH));

        let mut replies_by_position: BTreeMap<i32, i64> = BTreeMap::new();
        for step in step_comparison(conn, &all).step("step comparison")? {
            if let Some(position) = step.position {
                *replies_by_position.entry(position).or_default() +=
                    step.variants.iter().map(|v| v.funnel.replied).sum::<i64>();
            }
        }
        let replies: i64 = replies_by_position.values().sum();
        let first_step_share = (replies > 0)
            .then(|| replies_by_position.get(&1).copied().unwrap_or(0) as f64 / replies as f64);

        let rates = funnel.rates();
        // In the order of `sim::realism::BENCHMARKS`; warmup replies are in no query.
        let benchmarks = vec![
            rates.reply_rate,
            first_step_share,
            rates.bounce_rate,
            rates.spam_rate,
            rates.open_rate,
            per_mailbox_weekday,
            None,
        ];
        debug_assert_eq!(benchmarks.len(), BENCHMARKS.len());
        Ok(Self {
            funnel,
            rates,
            emails_per_tenant,
            growth,
            health_vs_bounce,
            warmup_ramps,
            replies_by_position,
            benchmarks,
            audit: audit::evaluate_in_transaction(conn, None)?.0,
        })
    }

    /// Share of all campaign mail sent by the largest tenth of the tenants (at least one).
    pub fn top_decile_share(&self) -> Option<f64> {
        let total: i64 = self.emails_per_tenant.iter().map(|(_, n)| n).sum();
        if total == 0 {
            return None;
        }
        let top = self.emails_per_tenant.len().div_ceil(10);
        let top_sum: i64 = self.emails_per_tenant[..top].iter().map(|(_, n)| n).sum();
        Some(top_sum as f64 / total as f64)
    }
}
