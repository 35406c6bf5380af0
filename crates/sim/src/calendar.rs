//! Simulated time: calendar-month billing periods and day numbers.
//!
//! Activity is simulated per day, counted from the first period's first day, so that the
//! funnel code works with plain integers; periods translate days back to timestamps.

use chrono::{DateTime, Datelike, Days, Months, NaiveDate, NaiveTime, Utc};

/// Days since the first period's first day.
pub type Day = i32;

/// The hour (UTC) of the nightly batch that aggregates the previous day.
const BATCH_HOUR: u32 = 3;

/// Whole calendar months from `from`'s month to `to`'s month.
pub fn months_between(from: NaiveDate, to: NaiveDate) -> u32 {
    let months = (to.year() - from.year()) * 12 + to.month() as i32 - from.month() as i32;
    months.max(0) as u32
}

/// One billing period `[start, end)`, a calendar month in UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    /// 0 for the first period.
    pub index: u32,
    /// First day of the month.
    pub start: NaiveDate,
    /// First day of the next month.
    pub end: NaiveDate,
    /// `start` as a day number.
    pub start_day: Day,
    /// `end` as a day number.
    pub end_day: Day,
    /// End of simulated activity in the period (exclusive): `end_day`, or the as-of day
    /// for the current period.
    pub active_end_day: Day,
}

/// The run's periods.
#[derive(Debug, Clone)]
pub struct Calendar {
    first: NaiveDate,
    as_of: NaiveDate,
    periods: Vec<Period>,
    /// Weekday of day 0, Monday = 0: weekdays are then plain arithmetic, which matters
    /// because every email asks.
    first_weekday: Day,
}

impl Calendar {
    /// Every month from `first` up to and including the month that contains `as_of`.
    pub fn new(first: NaiveDate, as_of: NaiveDate) -> Self {
        let count = months_between(first, as_of) + 1;
        let as_of_day = (as_of - first).num_days() as Day;
        let periods = (0..count)
            .map(|index| {
                let start = first + Months::new(index);
                let end = start + Months::new(1);
                let start_day = (start - first).num_days() as Day;
                let end_day = (end - first).num_days() as Day;
                Period {
                    index,
                    start,
                    end,
                    start_day,
                    end_day,
                    active_end_day: end_day.min(as_of_day),
                }
            })
            .collect();
        Self {
            first,
            as_of,
            periods,
            first_weekday: first.weekday().num_days_from_monday() as Day,
        }
    }

    /// All periods, oldest first.
    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// The day number of the simulated "today" (exclusive end of all activity).
    pub fn as_of_day(&self) -> Day {
        (self.as_of - self.first).num_days() as Day
    }

    /// Index of the period containing `day` (0 before the calendar); past the open
    /// period, the number of periods: mail due after the open month belongs to no period
    /// of this calendar.
    pub fn period_of(&self, day: Day) -> usize {
        self.periods.partition_point(|p| p.end_day <= day)
    }

    /// Whether `day` is a weekday, when campaign mail goes out.
    pub fn is_weekday(&self, day: Day) -> bool {
        self.weekday(day) < 5
    }

    /// `day` moved forward to the next weekday, if it falls on a weekend.
    pub fn next_weekday(&self, day: Day) -> Day {
        match self.weekday(day) {
            5 => day + 2,
            6 => day + 1,
            _ => day,
        }
    }

    /// Monday = 0 … Sunday = 6.
    fn weekday(&self, day: Day) -> Day {
        (self.first_weekday + day).rem_euclid(7)
    }

    /// Weekdays in `[from, to)`.
    pub fn weekdays(&self, from: Day, to: Day) -> u32 {
        (from..to).filter(|&d| self.is_weekday(d)).count() as u32
    }

    /// The calendar date of a day number.
    pub fn date(&self, day: Day) -> NaiveDate {
        if day >= 0 {
            self.first + Days::new(day as u64)
        } else {
            self.first - Days::new(day.unsigned_abs() as u64)
        }
    }

    /// Midnight UTC at the start of `date`.
    pub fn midnight(date: NaiveDate) -> DateTime<Utc> {
        date.and_time(NaiveTime::MIN).and_utc()
    }

    /// When a period's rows were last aggregated: the nightly batch after the period
    /// closed, or, for the current period, the batch on the as-of day. Always within
    /// `[period_start, period_end + 1 day]` (rule A8).
    pub fn updated(&self, period: &Period) -> DateTime<Utc> {
        let batch_day = if period.end <= self.as_of {
            period.end
        } else {
            self.as_of
        };
        Self::batch_on(batch_day)
    }

    /// The nightly batch that aggregated `day`: 03:00 UTC the next day.
    pub fn batch_after(&self, day: Day) -> DateTime<Utc> {
        Self::batch_on(self.date(day + 1))
    }

    /// The nightly batch run on `date` (it aggregates the day before): the last one a
    /// warehouse as of `date` holds.
    pub fn batch_on(date: NaiveDate) -> DateTime<Utc> {
        Self::midnight(date) + chrono::Duration::hours(i64::from(BATCH_HOUR))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Weekday;

    #[test]
    fn weekday_arithmetic_agrees_with_the_calendar() {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let cal = Calendar::new(first, NaiveDate::from_ymd_opt(2026, 3, 10).unwrap());
        for day in -30..90 {
            let weekend = matches!(cal.date(day).weekday(), Weekday::Sat | Weekday::Sun);
            assert_eq!(cal.is_weekday(day), !weekend, "day {day}");
            assert!(cal.is_weekday(cal.next_weekday(day)));
        }
    }

    #[test]
    fn the_current_period_ends_activity_at_the_as_of_day() {
        let first = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        let cal = Calendar::new(first, NaiveDate::from_ymd_opt(2026, 3, 1).unwrap());
        let last = cal.periods().last().unwrap();
        assert_eq!(cal.periods().len(), 3);
        assert_eq!(
            last.active_end_day, last.start_day,
            "as-of on the 1st: no activity"
        );
        assert!(cal.updated(last) >= Calendar::midnight(last.start));
    }
}
