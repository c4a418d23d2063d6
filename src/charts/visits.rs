//! Chart 2: station visits and service attendance per week, side by side, each week labelled
//! by its Monday. A period longer than 62 weeks is drawn per month (or year), a week counting
//! in the month of its Monday, so a month with five Mondays holds five weeks' figures.

use chrono::{Datelike, NaiveDate, Weekday};

use super::bars::{self, BarChart, Layout, Series};
use super::buckets::{monday_of, Buckets, Unit};
use super::{palette, words, ChartError, Period, Png};
use crate::i18n::Lang;
use crate::tr;

/// One week's figures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WeekFigures {
    /// The week's Monday.
    pub monday: NaiveDate,
    /// Station visits counted that week.
    pub visits: u32,
    /// Riders checked in at a service session that week.
    pub attended: u32,
}

/// The input of [`visits_per_week`]. Weeks of the period without figures count as zero;
/// figures given twice for a week add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VisitsPerWeek {
    /// Drawn under the heading as it is, e.g. "November 2026 · LF district".
    pub title: String,
    /// The period's first and last day, inclusive; its first week is the one `from` is in.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub weeks: Vec<WeekFigures>,
}

/// Draws visits and attendance per week. Refuses a reversed period, a week given by a day
/// that is not a Monday, and a week outside the period.
pub fn visits_per_week(lang: Lang, input: &VisitsPerWeek) -> Result<Png, ChartError> {
    let period = Period::new(input.from, input.to)?;
    let weeks = Period::new(monday_of(period.from), period.to)?;
    let buckets = Buckets::for_weeks(period);
    let mut values = vec![vec![0u64; 2]; buckets.len()];
    for week in &input.weeks {
        if week.monday.weekday() != Weekday::Mon {
            return Err(ChartError::NotMonday(week.monday));
        }
        weeks.check(week.monday)?;
        let bar = &mut values[buckets.index(week.monday)];
        bar[0] += u64::from(week.visits);
        bar[1] += u64::from(week.attended);
    }
    let chart = BarChart {
        heading: tr!(lang, "charts-visits-heading", unit = buckets.unit.code()),
        title: input.title.clone(),
        series: vec![
            Series {
                label: tr!(lang, "charts-series-visits"),
                color: palette::BLUE,
            },
            Series {
                label: tr!(lang, "charts-series-attended"),
                color: palette::ORANGE,
            },
        ],
        layout: Layout::Grouped,
        labels: (0..buckets.len())
            .map(|i| words::bar_label(lang, &buckets, i))
            .collect(),
        values,
        note: (buckets.unit == Unit::Week).then(|| tr!(lang, "charts-week-of")),
    };
    bars::draw(lang, &chart)
}
