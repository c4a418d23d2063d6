//! How a period is cut into bars. Up to 62 days a bar is a day; up to 62 weeks (a year and a
//! little) a bar is a week from Monday; up to 60 months a bar is a month; beyond that a year.
//! So a year of daily figures is 53 weekly bars, each wide enough to see and to label, rather
//! than 365 slivers.

use chrono::{Datelike, Days, Months, NaiveDate};

use super::Period;

/// What one bar stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Unit {
    Day,
    Week,
    Month,
    Year,
}

impl Unit {
    /// The name the locales select on.
    pub(super) fn code(self) -> &'static str {
        match self {
            Unit::Day => "day",
            Unit::Week => "week",
            Unit::Month => "month",
            Unit::Year => "year",
        }
    }
}

/// The bars of a period: each bar's first day, in order.
#[derive(Debug, Clone)]
pub(super) struct Buckets {
    pub(super) unit: Unit,
    pub(super) starts: Vec<NaiveDate>,
}

pub(super) const MAX_DAYS: i64 = 62;
pub(super) const MAX_WEEKS: i64 = 62;
pub(super) const MAX_MONTHS: i64 = 60;

/// The Monday of the week `day` is in.
pub(super) fn monday_of(day: NaiveDate) -> NaiveDate {
    day - Days::new(u64::from(day.weekday().num_days_from_monday()))
}

impl Buckets {
    /// Bars for figures given per day.
    pub(super) fn for_days(period: Period) -> Buckets {
        let unit = if period.days() <= MAX_DAYS {
            Unit::Day
        } else {
            Buckets::coarse(period)
        };
        Buckets::of(unit, period)
    }

    /// Bars for figures given per week (by the week's Monday).
    pub(super) fn for_weeks(period: Period) -> Buckets {
        Buckets::of(Buckets::coarse(period), period)
    }

    /// Weeks when they fit, else months, else years.
    fn coarse(period: Period) -> Unit {
        let weeks = (period.to - monday_of(period.from)).num_days() / 7 + 1;
        let months = i64::from(period.to.year() - period.from.year()) * 12
            + i64::from(period.to.month())
            - i64::from(period.from.month())
            + 1;
        if weeks <= MAX_WEEKS {
            Unit::Week
        } else if months <= MAX_MONTHS {
            Unit::Month
        } else {
            Unit::Year
        }
    }

    fn of(unit: Unit, period: Period) -> Buckets {
        let first = match unit {
            Unit::Day => period.from,
            Unit::Week => monday_of(period.from),
            Unit::Month => period.from.with_day(1).unwrap_or(period.from),
            Unit::Year => NaiveDate::from_ymd_opt(period.from.year(), 1, 1).unwrap_or(period.from),
        };
        let mut starts = Vec::new();
        let mut at = Some(first);
        while let Some(day) = at.filter(|d| *d <= period.to) {
            starts.push(day);
            at = match unit {
                Unit::Day => day.checked_add_days(Days::new(1)),
                Unit::Week => day.checked_add_days(Days::new(7)),
                Unit::Month => day.checked_add_months(Months::new(1)),
                Unit::Year => day.checked_add_months(Months::new(12)),
            };
        }
        Buckets { unit, starts }
    }

    pub(super) fn len(&self) -> usize {
        self.starts.len()
    }

    /// The bar `day` counts in (a day before the first bar counts in the first).
    pub(super) fn index(&self, day: NaiveDate) -> usize {
        self.starts
            .partition_point(|start| *start <= day)
            .saturating_sub(1)
    }

    /// Whether every bar is in one calendar year (month labels then leave the year out).
    pub(super) fn one_year(&self) -> bool {
        match (self.starts.first(), self.starts.last()) {
            (Some(a), Some(b)) => a.year() == b.year(),
            _ => true,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn period(from: NaiveDate, to: NaiveDate) -> Period {
        Period::new(from, to).unwrap()
    }

    #[test]
    fn a_month_is_one_bar_a_day() {
        let b = Buckets::for_days(period(day(2026, 11, 1), day(2026, 11, 30)));
        assert_eq!(b.unit, Unit::Day);
        assert_eq!(b.len(), 30);
        assert_eq!(b.index(day(2026, 11, 30)), 29);
    }

    #[test]
    fn a_year_of_days_is_weeks_from_monday() {
        let b = Buckets::for_days(period(day(2026, 1, 1), day(2026, 12, 31)));
        assert_eq!(b.unit, Unit::Week);
        assert_eq!(
            b.starts[0],
            day(2025, 12, 29),
            "the Monday of 1 January 2026"
        );
        assert_eq!(b.len(), 53);
        assert_eq!(
            b.index(day(2026, 1, 4)),
            0,
            "a Sunday is in the week of its Monday"
        );
        assert_eq!(b.index(day(2026, 1, 5)), 1);
    }

    #[test]
    fn years_of_days_are_months_then_years() {
        let b = Buckets::for_days(period(day(2024, 3, 15), day(2026, 12, 31)));
        assert_eq!(b.unit, Unit::Month);
        assert_eq!(b.starts[0], day(2024, 3, 1));
        assert_eq!(b.len(), 34);
        assert!(!b.one_year());
        let b = Buckets::for_days(period(day(2015, 1, 1), day(2026, 12, 31)));
        assert_eq!(b.unit, Unit::Year);
        assert_eq!(b.len(), 12);
    }

    #[test]
    fn one_day_is_one_bar() {
        let b = Buckets::for_days(period(day(2026, 12, 4), day(2026, 12, 4)));
        assert_eq!((b.unit, b.len()), (Unit::Day, 1));
    }
}
