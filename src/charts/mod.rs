//! Charts as PNG images, drawn for a phone (1080 px wide) with every label in the reader's
//! language: reports per day by status ([`reports_per_day`]), station visits and service
//! attendance per week ([`visits_per_week`]), and a period's figures as one card
//! ([`summary_card`]).
//!
//! Plain data in, a PNG out: the caller (`/stats`) gathers the figures and passes them in the
//! typed inputs below; nothing here reads the database or knows Telegram. Drawing is CPU work of
//! tens of milliseconds, so callers on the async runtime run these functions in
//! `tokio::task::spawn_blocking`. The same input always gives the same bytes.
//!
//! Text is drawn with an embedded subset of Noto Sans CJK SC (`assets/fonts`, SIL Open Font
//! License), never a system font, so Chinese renders the same on every machine; it is
//! rasterised with `ab_glyph` (see [`canvas`] for why not through plotters). Shapes are drawn
//! with plotters into an RGB buffer; the `png` crate encodes it.
//!
//! An empty period (no report, no visit, nothing to count) draws the chart's heading and a
//! "no data in this period" message instead of empty axes. Long periods are grouped into larger
//! buckets so every bar stays visible: days up to two months, then weeks, then months, then years
//! (see [`buckets`]); labels under the bars are thinned so none overlap.

mod bars;
mod buckets;
mod canvas;
mod font;
mod palette;
mod reports;
mod summary;
mod visits;
mod words;

#[cfg(test)]
mod tests;

pub use reports::{reports_per_day, ReportStatus, ReportsOnDay, ReportsPerDay};
pub use summary::{summary_card, Need, Summary};
pub use visits::{visits_per_week, VisitsPerWeek, WeekFigures};

use chrono::NaiveDate;

/// An encoded PNG image and its size in pixels.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Png {
    bytes: Vec<u8>,
    width: u32,
    height: u32,
}

impl Png {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    pub fn width(&self) -> u32 {
        self.width
    }

    pub fn height(&self) -> u32 {
        self.height
    }
}

/// Why a chart could not be drawn: the input contradicts itself, or drawing failed.
#[derive(Debug, thiserror::Error)]
pub enum ChartError {
    #[error("the period ends ({to}) before it starts ({from})")]
    ReversedPeriod { from: NaiveDate, to: NaiveDate },
    #[error("{day} is outside the period {from} to {to}")]
    OutsidePeriod {
        day: NaiveDate,
        from: NaiveDate,
        to: NaiveDate,
    },
    #[error("{0} is not a Monday: weeks are given by their Monday")]
    NotMonday(NaiveDate),
    #[error("drawing failed: {0}")]
    Draw(String),
    #[error("PNG encoding failed: {0}")]
    Encode(#[from] png::EncodingError),
}

/// A period of whole days, `from` to `to` inclusive, checked not to be reversed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Period {
    from: NaiveDate,
    to: NaiveDate,
}

impl Period {
    fn new(from: NaiveDate, to: NaiveDate) -> Result<Period, ChartError> {
        if to < from {
            return Err(ChartError::ReversedPeriod { from, to });
        }
        Ok(Period { from, to })
    }

    fn check(&self, day: NaiveDate) -> Result<(), ChartError> {
        if day < self.from || day > self.to {
            return Err(ChartError::OutsidePeriod {
                day,
                from: self.from,
                to: self.to,
            });
        }
        Ok(())
    }

    fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}
