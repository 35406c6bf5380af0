//! Laws of time: the periods are the calendar's months, rows carry the batch that last
//! aggregated them, campaign mail goes out on weekdays, and a tenant that left is known
//! to have left. Weekdays and dates are read from chrono's calendar, never from the
//! simulator's own day arithmetic, so that a wrong weekday there cannot agree with itself.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, Utc, Weekday};

use super::{periods_by_billing_id, World};
use crate::calendar::{Day, Period};
use crate::rows::Rows;
use crate::Simulator;

/// The hour (UTC) of the nightly batch (`calendar::BATCH_HOUR`).
const BATCH_HOUR: u32 = 3;

/// Whether `date` is Monday to Friday.
pub(super) fn is_weekday(date: NaiveDate) -> bool {
    !matches!(date.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The date of day number `day` of a run whose first period starts on `first`.
pub(super) fn date_of(first: NaiveDate, day: Day) -> NaiveDate {
    match day >= 0 {
        true => first + Days::new(day as u64),
        false => first - Days::new(u64::from(day.unsigned_abs())),
    }
}

/// Monday-to-Friday days in `[from, to)`, as day numbers of a run starting on `first`.
pub(super) fn weekdays(first: NaiveDate, from: Day, to: Day) -> i64 {
    (from..to)
        .filter(|&d| is_weekday(date_of(first, d)))
        .count() as i64
}

/// The nightly batch run on `date`, which aggregates the day before it.
fn batch_on(date: NaiveDate) -> DateTime<Utc> {
    date.and_hms_opt(BATCH_HOUR, 0, 0)
        .expect("the batch hour is a time")
        .and_utc()
}

/// The periods are the calendar months from the profile's first period to the month of
/// its as-of day, one after the other.
pub(super) fn calendar_off(first: NaiveDate, as_of: NaiveDate, periods: &[Period]) -> Vec<String> {
    let mut months = Vec::new();
    let mut start = first;
    while start <= as_of {
        let end = start + Months::new(1);
        months.push((start, end, (start - first).num_days() as Day));
        start = end;
    }
    let periods: Vec<(NaiveDate, NaiveDate, Day)> = periods
        .iter()
        .map(|period| (period.start, period.end, period.start_day))
        .collect();
    match periods == months {
        true => Vec::new(),
        false => vec![format!(
            "the periods {periods:?} are not the months from {first} to the as-of day {as_of}"
        )],
    }
}

/// When rows were last aggregated. A closed month's rows, every table's, by the batch
/// that closed it (on its last day's next morning); an open month's by the batch on the
/// as-of day, except its lead rows, which change only when an email goes out: by the
/// batch after the lead's last email, which went out on a weekday in the month and
/// before the as-of day.
pub(super) fn updates_off(sim: &Simulator, rows: &Rows) -> Vec<String> {
    let as_of = sim.profile().as_of;
    let periods = periods_by_billing_id(sim, rows);
    let check = |table: &str, id: i64, billing_id: i64, updated: DateTime<Utc>| {
        let Some(period) = periods.get(&billing_id) else {
            return Some(format!("{table} row {id} has no period"));
        };
        let batch = batch_on(period.end.min(as_of));
        (updated != batch).then(|| {
            format!(
                "{table} row {id} of {} was aggregated at {updated}, not by the batch at {batch}",
                period.start
            )
        })
    };
    let mut off: Vec<String> = Vec::new();
    let tables = [
        rows.billing
            .iter()
            .map(|r| ("billing", r.id, r.id, r.new.updated))
            .collect::<Vec<_>>(),
        rows.campaigns
            .iter()
            .map(|r| ("campaign", r.id, r.new.billing_id, r.new.updated))
            .collect(),
        rows.steps
            .iter()
            .map(|r| ("step", r.id, r.new.billing_id, r.new.updated))
            .collect(),
        rows.mailboxes
            .iter()
            .map(|r| ("mailbox", r.id, r.new.billing_id, r.new.updated))
            .collect(),
        rows.warmups
            .iter()
            .map(|r| ("warmup", r.id, r.new.billing_id, r.new.updated))
            .collect(),
    ];
    off.extend(
        tables
            .into_iter()
            .flatten()
            .filter_map(|(table, id, billing_id, updated)| check(table, id, billing_id, updated)),
    );
    for r in &rows.leads {
        let Some(period) = periods.get(&r.new.billing_id) else {
            off.push(format!("lead row {} has no period", r.id));
            continue;
        };
        if period.end <= as_of {
            off.extend(check("lead", r.id, r.new.billing_id, r.new.updated));
            continue;
        }
        let last_email = (r.new.updated - chrono::Duration::days(1)).date_naive();
        let in_time = period.start <= last_email && last_email < as_of;
        if !in_time
            || !is_weekday(last_email)
            || r.new.updated != batch_on(last_email.succ_opt().unwrap())
        {
            off.push(format!(
                "lead row {} of the open month was aggregated at {}: its last email would be on {} {last_email}",
                r.id,
                r.new.updated,
                last_email.weekday()
            ));
        }
    }
    off
}

/// A tenant's [`left_on`](crate::activity::TenantActivity::left_on), which tells a
/// loader that its rows are final, is the end of its last billing period exactly when
/// that period closed before the open month began.
pub(super) fn departures_off(sim: &Simulator, world: &World, rows: &Rows) -> Vec<String> {
    let open_start = sim.calendar().periods().last().map(|p| p.start);
    let mut last_end: BTreeMap<&str, NaiveDate> = BTreeMap::new();
    for b in &rows.billing {
        let end = b.new.period_end.date_naive();
        let last = last_end.entry(b.new.tenant_id.as_str()).or_insert(end);
        *last = (*last).max(end);
    }
    world
        .left
        .iter()
        .filter_map(|(tenant, left_on)| {
            let expected = last_end
                .get(tenant.as_str())
                .copied()
                .filter(|&end| Some(end) <= open_start);
            (*left_on != expected).then(|| {
                format!("tenant {tenant} is said to have left on {left_on:?}; its rows say {expected:?}")
            })
        })
        .collect()
}

/// Whether every email of a row of `period` is visible and its lead's later emails,
/// if any, are too: the period closed more than a sequence (`sequence_days`, plus a
/// week for weekends) before the as-of day.
pub(super) fn settled(sim: &Simulator, period: &Period, sequence_days: Day) -> bool {
    period.end_day + sequence_days + 7 < sim.calendar().as_of_day()
}
