//! Chart 1: the reports filed in a period, per day (or week, month, year for long periods),
//! each bar split by the status the reports are in now: submitted, accepted, routed, resolved,
//! and the three ends without a fix (rejected, duplicate, withdrawn) together.

use chrono::NaiveDate;

use super::bars::{self, BarChart, Layout, Series};
use super::buckets::{Buckets, Unit};
use super::{palette, words, ChartError, Period, Png};
use crate::i18n::Lang;
use crate::tr;

/// A report's status, as the `reports.status` column spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ReportStatus {
    Submitted,
    Accepted,
    Routed,
    Resolved,
    Rejected,
    Duplicate,
    Withdrawn,
}

impl ReportStatus {
    /// Reads the column's text (`submitted`, `accepted`, …).
    pub fn from_code(code: &str) -> Option<ReportStatus> {
        Some(match code {
            "submitted" => ReportStatus::Submitted,
            "accepted" => ReportStatus::Accepted,
            "routed" => ReportStatus::Routed,
            "resolved" => ReportStatus::Resolved,
            "rejected" => ReportStatus::Rejected,
            "duplicate" => ReportStatus::Duplicate,
            "withdrawn" => ReportStatus::Withdrawn,
            _ => return None,
        })
    }

    /// Which band of the bar it is drawn in.
    fn band(self) -> usize {
        match self {
            ReportStatus::Submitted => 0,
            ReportStatus::Accepted => 1,
            ReportStatus::Routed => 2,
            ReportStatus::Resolved => 3,
            ReportStatus::Rejected | ReportStatus::Duplicate | ReportStatus::Withdrawn => 4,
        }
    }
}

/// How many reports filed on `day` are in `status` now: one row of
/// `SELECT date(created_at), status, count(*) … GROUP BY 1, 2` (dates in the district's time
/// zone). Rows for the same day and status add up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportsOnDay {
    pub day: NaiveDate,
    pub status: ReportStatus,
    pub count: u32,
}

/// The input of [`reports_per_day`]. Days of the period without a row count as zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportsPerDay {
    /// Drawn under the heading as it is, e.g. "November 2026 · LF district".
    pub title: String,
    /// The period's first and last day, inclusive.
    pub from: NaiveDate,
    pub to: NaiveDate,
    pub rows: Vec<ReportsOnDay>,
}

const BANDS: usize = 5;

/// Draws the reports of the period by day and status. Refuses a reversed period and a row
/// outside the period.
pub fn reports_per_day(lang: Lang, input: &ReportsPerDay) -> Result<Png, ChartError> {
    let period = Period::new(input.from, input.to)?;
    let buckets = Buckets::for_days(period);
    let mut values = vec![vec![0u64; BANDS]; buckets.len()];
    for row in &input.rows {
        period.check(row.day)?;
        values[buckets.index(row.day)][row.status.band()] += u64::from(row.count);
    }
    let series = vec![
        series(tr!(lang, "charts-status-submitted"), palette::ORANGE),
        series(tr!(lang, "charts-status-accepted"), palette::SKY_BLUE),
        series(tr!(lang, "charts-status-routed"), palette::BLUE),
        series(tr!(lang, "charts-status-resolved"), palette::GREEN),
        series(tr!(lang, "charts-status-closed"), palette::GREY),
    ];
    let chart = BarChart {
        heading: tr!(lang, "charts-reports-heading", unit = buckets.unit.code()),
        title: input.title.clone(),
        series,
        layout: Layout::Stacked,
        labels: (0..buckets.len())
            .map(|i| words::bar_label(lang, &buckets, i))
            .collect(),
        values,
        note: (buckets.unit == Unit::Week).then(|| tr!(lang, "charts-week-of")),
    };
    bars::draw(lang, &chart)
}

fn series(label: String, color: plotters::style::RGBColor) -> Series {
    Series { label, color }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_of_the_table_reads() {
        for code in [
            "submitted",
            "accepted",
            "routed",
            "resolved",
            "rejected",
            "duplicate",
            "withdrawn",
        ] {
            assert!(ReportStatus::from_code(code).is_some(), "{code}");
        }
        assert_eq!(ReportStatus::from_code("open"), None);
    }
}
