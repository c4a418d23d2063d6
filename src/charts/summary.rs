//! Chart 3: a period's figures on one card: the caller's title, a grid of big figures with
//! what each counts, and the riders' top needs by feedback topic as short bars.

use chrono::TimeDelta;
use plotters::style::RGBColor;

use super::bars::no_data;
use super::canvas::{fill, fit, text, Align, Area, Canvas, Style};
use super::{palette, words, ChartError, Png};
use crate::i18n::Lang;
use crate::tr;

pub(super) const WIDTH: u32 = 1080;
pub(super) const HEIGHT: u32 = 1350;
const MARGIN: i32 = 48;
/// The needs listed at most.
const NEEDS: usize = 5;

/// A period's figures. Fill what is known; `Default` is zero and nothing measured. The
/// figures that mean nothing for a part of the district (a station's card has no riders
/// registered, points, broadcasts or feedback) are `None` there and drawn as a dash.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Summary {
    /// The card's heading as it is, e.g. "November 2026 · LF district".
    pub title: String,
    pub riders_registered: Option<u64>,
    pub riders_active: u64,
    pub visits: u64,
    pub activities_held: u64,
    /// Distinct riders who attended, visited or filed.
    pub riders_reached: u64,
    pub reports_filed: u64,
    pub reports_resolved: u64,
    /// None when no report was accepted (or resolved) in the period.
    pub median_to_accept: Option<TimeDelta>,
    pub median_to_resolve: Option<TimeDelta>,
    pub points_issued: Option<u64>,
    pub points_redeemed: Option<u64>,
    pub signups: u64,
    pub attended: u64,
    pub no_shows: u64,
    pub broadcasts: Option<u64>,
    /// Riders the period's broadcasts reached.
    pub broadcast_reach: Option<u64>,
    pub feedback_received: Option<u64>,
    pub feedback_answered: Option<u64>,
    /// Feedback items per topic, the topic's name already in the reader's language; the
    /// largest five are drawn, largest first. Left out with `feedback_received` at `None`.
    pub top_needs: Vec<Need>,
}

/// Feedback items on one topic.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Need {
    pub topic: String,
    pub count: u64,
}

impl Summary {
    fn is_empty(&self) -> bool {
        let counts = [
            self.riders_registered,
            Some(self.riders_active),
            Some(self.visits),
            Some(self.activities_held),
            Some(self.riders_reached),
            Some(self.reports_filed),
            Some(self.reports_resolved),
            self.points_issued,
            self.points_redeemed,
            Some(self.signups),
            Some(self.attended),
            Some(self.no_shows),
            self.broadcasts,
            self.broadcast_reach,
            self.feedback_received,
            self.feedback_answered,
        ];
        counts.iter().all(|n| n.unwrap_or(0) == 0)
            && self.median_to_accept.is_none()
            && self.median_to_resolve.is_none()
            && self.top_needs.iter().all(|n| n.count == 0)
    }

    /// The tiles of the grid: (what it counts, the figure), in reading order.
    pub(super) fn tiles(&self, lang: Lang) -> Vec<(String, String)> {
        vec![
            (
                tr!(lang, "charts-riders-registered"),
                words::some_counts(lang, &[self.riders_registered]),
            ),
            (
                tr!(lang, "charts-riders-active"),
                words::count(self.riders_active),
            ),
            (tr!(lang, "charts-visits"), words::count(self.visits)),
            (
                tr!(lang, "charts-activities"),
                words::count(self.activities_held),
            ),
            (
                tr!(lang, "charts-riders-reached"),
                words::count(self.riders_reached),
            ),
            (
                tr!(lang, "charts-reports"),
                words::counts(&[self.reports_filed, self.reports_resolved]),
            ),
            (
                tr!(lang, "charts-median-accept"),
                words::duration(lang, self.median_to_accept),
            ),
            (
                tr!(lang, "charts-median-resolve"),
                words::duration(lang, self.median_to_resolve),
            ),
            (
                tr!(lang, "charts-points"),
                words::some_counts(lang, &[self.points_issued, self.points_redeemed]),
            ),
            (
                tr!(lang, "charts-signups"),
                words::counts(&[self.signups, self.attended, self.no_shows]),
            ),
            (
                tr!(lang, "charts-broadcasts"),
                words::some_counts(lang, &[self.broadcasts, self.broadcast_reach]),
            ),
            (
                tr!(lang, "charts-feedback"),
                words::some_counts(lang, &[self.feedback_received, self.feedback_answered]),
            ),
        ]
    }
}

const ACCENTS: [RGBColor; 6] = [
    palette::BLUE,
    palette::ORANGE,
    palette::GREEN,
    palette::VERMILLION,
    palette::SKY_BLUE,
    palette::PURPLE,
];

/// Draws the card. An all-zero period draws its title and "no data in this period".
pub fn summary_card(lang: Lang, summary: &Summary) -> Result<Png, ChartError> {
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    canvas.draw(|area| {
        let title = Style::new(44.0, palette::INK);
        let max = WIDTH as i32 - 2 * MARGIN;
        text(
            area,
            &fit(&summary.title, max, title),
            MARGIN,
            88,
            Align::Left,
            title,
        )?;
        if summary.is_empty() {
            return no_data(lang, area, 110);
        }
        let bottom = grid(area, &summary.tiles(lang), 124)?;
        // Where feedback means nothing (a station's card), its needs are left out too.
        if summary.feedback_received.is_none() && summary.top_needs.is_empty() {
            return Ok(());
        }
        needs(lang, area, &summary.top_needs, bottom + 24)
    })?;
    canvas.png()
}

/// The tiles two to a row; returns where they end.
fn grid(area: &Area, tiles: &[(String, String)], top: i32) -> Result<i32, ChartError> {
    let (gap, tile_h) = (14, 132);
    let tile_w = (WIDTH as i32 - 2 * MARGIN - gap) / 2;
    let figure = Style::new(52.0, palette::INK).bold();
    let label = Style::new(26.0, palette::MUTED);
    let mut bottom = top;
    for (i, (what, value)) in tiles.iter().enumerate() {
        let (col, row) = ((i % 2) as i32, (i / 2) as i32);
        let x = MARGIN + col * (tile_w + gap);
        let y = top + row * (tile_h + gap);
        fill(area, x, y, x + tile_w - 1, y + tile_h - 1, palette::TILE)?;
        fill(
            area,
            x,
            y,
            x + 7,
            y + tile_h - 1,
            ACCENTS[i % ACCENTS.len()],
        )?;
        let room = tile_w - 56;
        text(
            area,
            value,
            x + 32,
            y + 68,
            Align::Left,
            figure.shrunk_to(value, room),
        )?;
        text(
            area,
            &fit(what, room, label),
            x + 32,
            y + 116,
            Align::Left,
            label,
        )?;
        bottom = y + tile_h;
    }
    Ok(bottom)
}

/// "Top needs by topic": the largest few as bars with their counts.
fn needs(lang: Lang, area: &Area, needs: &[Need], top: i32) -> Result<(), ChartError> {
    let heading = Style::new(32.0, palette::INK);
    text(
        area,
        &tr!(lang, "charts-top-needs"),
        MARGIN,
        top + 40,
        Align::Left,
        heading,
    )?;
    let mut needs: Vec<&Need> = needs.iter().filter(|n| n.count > 0).collect();
    // Largest first; equal counts keep the caller's order, so the card is the same each time.
    needs.sort_by_key(|n| std::cmp::Reverse(n.count));
    needs.truncate(NEEDS);
    let label = Style::new(28.0, palette::INK);
    if needs.is_empty() {
        let muted = Style::new(28.0, palette::MUTED);
        return text(
            area,
            &tr!(lang, "charts-no-needs"),
            MARGIN,
            top + 96,
            Align::Left,
            muted,
        );
    }
    let max = needs.iter().map(|n| n.count).max().unwrap_or(1).max(1);
    let (label_w, count_w) = (300, 110);
    let bar_left = MARGIN + label_w + 16;
    let bar_room = WIDTH as i32 - MARGIN - count_w - bar_left;
    for (i, need) in needs.iter().enumerate() {
        let baseline = top + 96 + i as i32 * 50;
        text(
            area,
            &fit(&need.topic, label_w, label),
            MARGIN,
            baseline,
            Align::Left,
            label,
        )?;
        let w = ((need.count as f64 / max as f64) * f64::from(bar_room)).round() as i32;
        fill(
            area,
            bar_left,
            baseline - 28,
            bar_left + w.max(4),
            baseline + 2,
            palette::PURPLE,
        )?;
        let figure = Style::new(28.0, palette::INK).bold();
        text(
            area,
            &words::count(need.count),
            bar_left + w.max(4) + 14,
            baseline,
            Align::Left,
            figure,
        )?;
    }
    Ok(())
}
