//! Activity: a tenant's mail, simulated period by period and aggregated upward into rows.
//!
//! Rows are built bottom-up: every campaign email is simulated once, as part of a lead's
//! funnel, and then added to its lead row, its step row, its campaign row and its
//! mailbox row; warmup mail is added to the warmup row and the mailbox row; the billing
//! row counts what its period produced. The aggregation rules (B4–B9, D1–D4) therefore
//! hold by construction rather than by repair.
//!
//! A lead enrolled late in a month receives its later steps in the next one, so leads
//! carry over between periods; only those in flight are kept, which bounds memory by a
//! few weeks of enrolments whatever the size of the run.

mod company_period;
mod funnel;
mod warmup;

use schema::models::NewBillingAnalytics;

use crate::calendar::Calendar;
use crate::ids::{RowIds, Table};
use crate::profile::Profile;
use crate::rows::{Row, Rows};
use crate::world::Tenant;

pub use company_period::Carry;
pub use funnel::{simulate_lead, Email, SequenceEnd};
pub use warmup::{simulate_warmup, WarmupPeriod};

use company_period::CompanyPeriod;

/// The simulation context shared by every tenant of a run.
#[derive(Debug, Clone, Copy)]
pub struct Context<'a> {
    /// The profile, already scaled.
    pub profile: &'a Profile,
    /// The run's periods.
    pub calendar: &'a Calendar,
    /// The run's seed.
    pub seed: u64,
}

/// One tenant's rows, one billing period at a time (an iterator of [`Rows`]).
#[derive(Debug)]
pub struct TenantActivity<'a> {
    ctx: Context<'a>,
    tenant: Tenant,
    ids: RowIds,
    next_period: usize,
    carry: Vec<Carry>,
}

impl<'a> TenantActivity<'a> {
    /// Starts the simulation of tenant `no`, who signed up on `signup` (`None`: before the
    /// calendar), at its first period.
    pub fn new(ctx: Context<'a>, no: u32, signup: Option<crate::calendar::Day>) -> Self {
        let tenant = Tenant::build(ctx.profile, ctx.calendar, ctx.seed, no, signup);
        Self {
            ctx,
            next_period: tenant.first_period,
            carry: tenant.companies.iter().map(|_| Carry::default()).collect(),
            ids: RowIds::new(no),
            tenant,
        }
    }

    /// The tenant being simulated.
    pub fn tenant(&self) -> &Tenant {
        &self.tenant
    }

    /// The day the tenant's last period ended, if it has left by the as-of day: its rows
    /// are final from that day on, whatever the as-of day.
    pub fn left_on(&self) -> Option<chrono::NaiveDate> {
        let periods = self.ctx.calendar.periods();
        let last = self.tenant.last_period;
        (last + 1 < periods.len()).then(|| periods[last].end)
    }
}

impl Iterator for TenantActivity<'_> {
    type Item = Rows;

    fn next(&mut self) -> Option<Rows> {
        if self.next_period > self.tenant.last_period {
            return None;
        }
        let index = self.next_period;
        self.next_period += 1;
        let period = self.ctx.calendar.periods()[index];
        let updated = self.ctx.calendar.updated(&period);
        let billing_id = self.ids.next(Table::Billing);
        let mut rows = Rows::default();
        let mut domains_used = 0;
        for (company, carry) in self.tenant.companies.iter().zip(&mut self.carry) {
            let mut sim = CompanyPeriod::new(self.ctx, company, &period, carry);
            sim.run(&mut rows, &mut self.ids, billing_id, updated);
            domains_used += sim.domains_used();
        }
        let count = |n: usize| n as i32;
        let billing = NewBillingAnalytics {
            tenant_id: self.tenant.id.clone(),
            subscription_id: self.tenant.subscription_in(index).map(str::to_owned),
            emails_sent: rows.campaigns.iter().map(|r| r.new.counters.sent).sum(),
            mailboxes_used: count(rows.mailboxes.len()),
            domains_used,
            campaigns_used: count(rows.campaigns.len()),
            // Lead keys are unique per enrolment, and a lead has one row per period.
            leads_used: count(rows.leads.len()),
            warmups_active: count(rows.warmups.len()),
            period_start: Calendar::midnight(period.start),
            period_end: Calendar::midnight(period.end),
            updated,
        };
        rows.billing.push(Row {
            id: billing_id,
            new: billing,
        });
        Some(rows)
    }
}
