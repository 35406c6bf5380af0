//! Laws of campaigns: each is drawn within the profile's ranges, a company runs no more
//! of them at once than its capacity is split into, a paused campaign sends nothing
//! more, its rows count the leads that finished and say `completed` exactly when it is,
//! and a lead's sequence ends.

use std::collections::{BTreeMap, BTreeSet};

use schema::keys::{step_position, step_variant};
use schema::models::{CampaignStatus, LeadStatus};

use super::time::{date_of, is_weekday, settled};
use super::{periods_by_billing_id, World};
use crate::rows::Rows;
use crate::Simulator;

/// Campaigns outside the profile's ranges: the number of step positions, the first due
/// on enrolment and each later one `step_gap_days` after the one before, one or two
/// variants whose step ids carry the position and (for two) the variant letter; an
/// enrolment of `enrolment_days` that opens on a weekday; a pause after the launch and
/// before the last lead's last step; and no more campaigns enrolling on one day than the
/// company's concurrency.
pub(super) fn drawn_off(sim: &Simulator, world: &World) -> Vec<String> {
    let p = sim.profile();
    let c = &p.campaigns;
    let within = |x: i64, [lo, hi]: [u32; 2]| i64::from(lo) <= x && x <= i64::from(hi);
    let mut off = Vec::new();
    let mut by_company: BTreeMap<usize, Vec<&crate::world::Campaign>> = BTreeMap::new();
    for (id, (company, campaign)) in &world.campaigns {
        by_company.entry(*company).or_default().push(campaign);
        let mut why = Vec::new();
        if !within(campaign.steps.len() as i64, c.steps) {
            why.push(format!("{} step positions", campaign.steps.len()));
        }
        for (k, step) in campaign.steps.iter().enumerate() {
            let gap = match k {
                0 => step.offset == 0,
                _ => within(
                    i64::from(step.offset - campaign.steps[k - 1].offset),
                    c.step_gap_days,
                ),
            };
            let ab = step.variants.len() == 2;
            let named = step.variants.iter().all(|step_id| {
                step_position(step_id) == Some(k as u32 + 1)
                    && step_variant(step_id).is_some() == ab
            });
            if !gap || !named || !(1..=2).contains(&step.variants.len()) {
                why.push(format!(
                    "step {} at day {}: {:?}",
                    k + 1,
                    step.offset,
                    step.variants
                ));
            }
        }
        if !within(
            i64::from(campaign.enrol_end - campaign.launch),
            c.enrolment_days,
        ) {
            why.push(format!(
                "enrols from day {} to {}",
                campaign.launch, campaign.enrol_end
            ));
        }
        if !is_weekday(date_of(p.first_period, campaign.launch)) {
            why.push(format!("launches on day {}, a weekend", campaign.launch));
        }
        let last_mail = campaign.enrol_end + campaign.steps.last().map_or(0, |s| s.offset);
        if let Some(paused) = campaign.paused_at {
            if paused <= campaign.launch || paused >= last_mail.max(campaign.launch + 2) {
                why.push(format!("paused on day {paused}"));
            }
        }
        if !why.is_empty() {
            off.push(format!("campaign {id}: {}", why.join("; ")));
        }
    }
    for campaigns in by_company.values() {
        for campaign in campaigns {
            let day = campaign.launch;
            let at_once = campaigns
                .iter()
                .filter(|other| other.launch <= day && day < other.enrol_end)
                .count();
            if at_once > campaign.concurrency as usize {
                off.push(format!(
                    "campaign {}: {at_once} campaigns of its company enrol on day {day}, above its {}",
                    campaign.id, campaign.concurrency
                ));
            }
        }
    }
    off
}

/// Campaign and lead rows that tell another story than their campaign's life: a lead
/// row of a month that began on or after its campaign's pause; a month with lead rows
/// but no campaign row; `completed_leads` that is not the month's finished lead rows; a
/// status other than `completed` exactly when the enrolment ended and every lead is
/// done (in a settled month, [`settled`]), else `paused` exactly after the pause; and a
/// lead still `active` in its last row of a settled month.
pub(super) fn rows_off(sim: &Simulator, world: &World, rows: &Rows) -> Vec<String> {
    let periods = periods_by_billing_id(sim, rows);
    // A tenant's last month, when it has left or is about to: a lead's later emails, or a
    // campaign's later lead rows, are not in the world.
    let mut tenant_last: BTreeMap<&str, _> = BTreeMap::new();
    for b in &rows.billing {
        let last = tenant_last
            .entry(b.new.tenant_id.as_str())
            .or_insert(b.new.period_start);
        *last = (*last).max(b.new.period_start);
    }
    let final_month: BTreeSet<i64> = rows
        .billing
        .iter()
        .filter(|b| tenant_last.get(b.new.tenant_id.as_str()) == Some(&b.new.period_start))
        .map(|b| b.id)
        .collect();
    let mut off = Vec::new();
    // Per (campaign, period index): lead rows and the finished ones.
    let mut leads: BTreeMap<(&str, u32), (i32, i32)> = BTreeMap::new();
    // Each lead's last row: its period, campaign, status and billing row.
    let mut last: BTreeMap<&str, (u32, &str, LeadStatus, i64)> = BTreeMap::new();
    // Each campaign's last period with a lead row.
    let mut latest: BTreeMap<&str, u32> = BTreeMap::new();
    for r in &rows.leads {
        let (Some(period), Some((_, campaign))) = (
            periods.get(&r.new.billing_id),
            world.campaigns.get(&r.new.campaign_id),
        ) else {
            off.push(format!("lead row {} has no period or campaign", r.id));
            continue;
        };
        let id = r.new.campaign_id.as_str();
        if campaign
            .paused_at
            .is_some_and(|paused| period.start_day >= paused)
        {
            off.push(format!(
                "lead row {} mails for campaign {id} in {}, after its pause on day {:?}",
                r.id, period.start, campaign.paused_at
            ));
        }
        let counts = leads.entry((id, period.index)).or_default();
        counts.0 += 1;
        counts.1 += i32::from(r.new.status != LeadStatus::Active);
        let newest = latest.entry(id).or_insert(period.index);
        *newest = (*newest).max(period.index);
        let entry = last.entry(r.new.lead_id.as_str()).or_insert((
            period.index,
            id,
            r.new.status.clone(),
            r.new.billing_id,
        ));
        if period.index >= entry.0 {
            *entry = (period.index, id, r.new.status.clone(), r.new.billing_id);
        }
    }
    let all = sim.calendar().periods();
    let mut rowed = BTreeSet::new();
    for r in &rows.campaigns {
        let id = r.new.campaign_id.as_str();
        let (Some(period), Some((_, campaign))) =
            (periods.get(&r.new.billing_id), world.campaigns.get(id))
        else {
            off.push(format!("campaign row {} has no period or campaign", r.id));
            continue;
        };
        rowed.insert((id, period.index));
        let (lead_rows, finished) = leads.get(&(id, period.index)).copied().unwrap_or_default();
        if r.new.completed_leads != finished {
            off.push(format!(
                "campaign {id} in {}: {} completed leads, where {finished} of its {lead_rows} lead rows finished",
                period.start, r.new.completed_leads
            ));
        }
        let sequence = campaign.steps.last().map_or(0, |s| s.offset);
        let completed = r.new.status == CampaignStatus::Completed;
        if settled(sim, period, sequence) && !final_month.contains(&r.new.billing_id) {
            let done = campaign.enrol_end <= period.end_day
                && finished == lead_rows
                && latest.get(id) == Some(&period.index);
            if completed != done {
                off.push(format!(
                    "campaign {id} in {} is {:?}: enrolment ends on day {}, {finished} of {lead_rows} lead rows finished, its last lead rows in {}",
                    period.start,
                    r.new.status,
                    campaign.enrol_end,
                    latest.get(id).map_or(period.start, |&i| all[i as usize].start)
                ));
            }
        }
        let paused = campaign
            .paused_at
            .is_some_and(|d| d < period.active_end_day);
        if !completed && paused != (r.new.status == CampaignStatus::Paused) {
            off.push(format!(
                "campaign {id} in {} is {:?}, paused on day {:?}",
                period.start, r.new.status, campaign.paused_at
            ));
        }
    }
    for (id, index) in leads.keys() {
        if !rowed.contains(&(*id, *index)) {
            off.push(format!(
                "campaign {id} has lead rows in {} but no row",
                all[*index as usize].start
            ));
        }
    }
    // A lead stays `active` when its campaign was paused before its last step.
    for (lead, (index, campaign, status, billing_id)) in last {
        let period = &all[index as usize];
        let Some((_, campaign)) = world.campaigns.get(campaign) else {
            continue;
        };
        let sequence = campaign.steps.last().map_or(0, |s| s.offset);
        if status == LeadStatus::Active
            && campaign.paused_at.is_none()
            && !final_month.contains(&billing_id)
            && settled(sim, period, sequence)
        {
            off.push(format!(
                "lead {lead} is still active in its last row, of {}",
                period.start
            ));
        }
    }
    off
}
