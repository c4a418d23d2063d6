//! The bar chart both bar charts are: a heading, the caller's title, a legend, a count axis,
//! one bar (stacked series) or one group of bars (series side by side) per bucket, labels
//! under the bars thinned so none overlap, and the figures on the bars when they fit.
//! A chart with nothing to count draws the "no data in this period" message instead.

use plotters::style::RGBColor;

use super::canvas::{fill, fit, hline, text, Align, Area, Canvas, Style};
use super::{palette, ChartError, Png};
use crate::i18n::Lang;
use crate::tr;

pub(super) const WIDTH: u32 = 1080;
pub(super) const HEIGHT: u32 = 1080;
const MARGIN: i32 = 48;

/// One coloured series and its name in the legend.
pub(super) struct Series {
    pub(super) label: String,
    pub(super) color: RGBColor,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Layout {
    /// The series on top of each other; the total above the bar.
    Stacked,
    /// The series side by side; each figure above its bar.
    Grouped,
}

pub(super) struct BarChart {
    pub(super) heading: String,
    pub(super) title: String,
    pub(super) series: Vec<Series>,
    pub(super) layout: Layout,
    /// One per bar (or group of bars).
    pub(super) labels: Vec<String>,
    /// `values[bar][series]`.
    pub(super) values: Vec<Vec<u64>>,
    /// A line under the labels saying what a bar is (e.g. weeks from Monday).
    pub(super) note: Option<String>,
}

fn heading_style() -> Style {
    Style::new(40.0, palette::INK)
}
fn title_style() -> Style {
    Style::new(30.0, palette::MUTED)
}
fn legend_style() -> Style {
    Style::new(28.0, palette::INK)
}
fn axis_style() -> Style {
    Style::new(26.0, palette::MUTED)
}
fn value_style() -> Style {
    Style::new(24.0, palette::INK)
}

pub(super) fn draw(lang: Lang, chart: &BarChart) -> Result<Png, ChartError> {
    let mut canvas = Canvas::new(WIDTH, HEIGHT);
    canvas.draw(|area| {
        let top = header(area, &chart.heading, &chart.title)?;
        let empty = chart.values.iter().flatten().all(|v| *v == 0);
        if empty {
            no_data(lang, area, top)
        } else {
            let top = legend(area, &chart.series, top + 12)?;
            plot(area, chart, top + 48)
        }
    })?;
    canvas.png()
}

/// The heading and the caller's title; returns where the space below them starts.
pub(super) fn header(area: &Area, heading: &str, title: &str) -> Result<i32, ChartError> {
    let max = WIDTH as i32 - 2 * MARGIN;
    let h = heading_style();
    text(area, &fit(heading, max, h), MARGIN, 84, Align::Left, h)?;
    let t = title_style();
    text(area, &fit(title, max, t), MARGIN, 136, Align::Left, t)?;
    Ok(150)
}

/// "No data in this period", big, in a tile filling the space below `top`.
pub(super) fn no_data(lang: Lang, area: &Area, top: i32) -> Result<(), ChartError> {
    let (w, h) = (WIDTH as i32, area.height());
    fill(
        area,
        MARGIN,
        top + 40,
        w - MARGIN,
        h - MARGIN,
        palette::TILE,
    )?;
    let style = Style::new(48.0, palette::MUTED);
    let message = tr!(lang, "charts-no-data");
    text(
        area,
        &message,
        w / 2,
        (top + h) / 2 + 18,
        Align::Center,
        style,
    )
}

/// The legend, wrapped over as many lines as it needs; returns where it ends.
fn legend(area: &Area, series: &[Series], top: i32) -> Result<i32, ChartError> {
    let style = legend_style();
    let (swatch, gap, line) = (28, 14, 48);
    let right = WIDTH as i32 - MARGIN;
    let (mut x, mut y) = (MARGIN, top);
    for s in series {
        let label = fit(&s.label, right - MARGIN - swatch - gap, style);
        let item = swatch + gap + style.width(&label);
        if x > MARGIN && x + item > right {
            x = MARGIN;
            y += line;
        }
        fill(area, x, y + 8, x + swatch, y + 8 + swatch, s.color)?;
        text(area, &label, x + swatch + gap, y + 34, Align::Left, style)?;
        x += item + 36;
    }
    Ok(y + line)
}

/// A step of 1, 2 or 5 times a power of ten giving about five lines up to `max`.
fn tick_step(max: u64) -> u64 {
    let raw = (max as f64 / 5.0).max(1.0);
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    (step as u64).max(1)
}

/// The axis, the bars, their figures and their labels, below `top`.
fn plot(area: &Area, chart: &BarChart, top: i32) -> Result<(), ChartError> {
    let totals: Vec<u64> = chart
        .values
        .iter()
        .map(|bar| match chart.layout {
            Layout::Stacked => bar.iter().sum(),
            Layout::Grouped => bar.iter().copied().max().unwrap_or(0),
        })
        .collect();
    let max = totals.iter().copied().max().unwrap_or(0).max(1);
    let step = tick_step(max);
    let axis_top = max.div_ceil(step) * step;

    let axis = axis_style();
    let label_w = (0..=axis_top / step)
        .map(|i| axis.width(&super::words::count(i * step)))
        .max()
        .unwrap_or(0);
    let left = MARGIN + label_w + 16;
    let right = WIDTH as i32 - MARGIN;
    let bottom = HEIGHT as i32 - if chart.note.is_some() { 150 } else { 110 };
    let y_of =
        |v: u64| bottom - ((v as f64 / axis_top as f64) * f64::from(bottom - top)).round() as i32;

    for i in 0..=axis_top / step {
        let v = i * step;
        let y = y_of(v);
        let colour = if v == 0 { palette::AXIS } else { palette::GRID };
        hline(area, left, right, y, 2, colour)?;
        text(
            area,
            &super::words::count(v),
            left - 16,
            y + 10,
            Align::Right,
            axis,
        )?;
    }

    let n = chart.values.len().max(1);
    let slot = f64::from(right - left) / n as f64;
    bars(area, chart, left, slot, &y_of)?;
    figures(area, chart, &totals, left, slot, &y_of)?;
    labels(area, chart, left, slot, bottom)?;
    if let Some(note) = &chart.note {
        text(
            area,
            note,
            (left + right) / 2,
            bottom + 100,
            Align::Center,
            axis,
        )?;
    }
    Ok(())
}

/// The horizontal extent of series `s` of bar `i`.
fn bar_x(chart: &BarChart, left: i32, slot: f64, i: usize, s: usize) -> (i32, i32) {
    let centre = f64::from(left) + slot * (i as f64 + 0.5);
    let (x0, x1) = match chart.layout {
        Layout::Stacked => {
            let w = (slot * 0.72).max(1.0);
            (centre - w / 2.0, centre + w / 2.0)
        }
        Layout::Grouped => {
            let k = chart.series.len().max(1) as f64;
            let group = (slot * 0.84).max(k);
            let w = group / k;
            let x0 = centre - group / 2.0 + w * s as f64;
            (x0, x0 + w)
        }
    };
    let (x0, x1) = (x0.round() as i32, x1.round() as i32);
    // Side by side bars keep a pixel between them when there is room.
    let gap = i32::from(chart.layout == Layout::Grouped && x1 - x0 > 4);
    (x0, (x1 - 1 - gap).max(x0))
}

fn bars(
    area: &Area,
    chart: &BarChart,
    left: i32,
    slot: f64,
    y_of: &dyn Fn(u64) -> i32,
) -> Result<(), ChartError> {
    for (i, bar) in chart.values.iter().enumerate() {
        let mut below = 0;
        for (s, (value, series)) in bar.iter().zip(&chart.series).enumerate() {
            if *value == 0 {
                continue;
            }
            let (x0, x1) = bar_x(chart, left, slot, i, s);
            let (from, to) = match chart.layout {
                Layout::Stacked => (below, below + value),
                Layout::Grouped => (0, *value),
            };
            below += value;
            fill(area, x0, y_of(to), x1, y_of(from) - 1, series.color)?;
        }
    }
    Ok(())
}

/// The figures above the bars, when the widest of them fits its bar's room.
fn figures(
    area: &Area,
    chart: &BarChart,
    totals: &[u64],
    left: i32,
    slot: f64,
    y_of: &dyn Fn(u64) -> i32,
) -> Result<(), ChartError> {
    let style = value_style();
    let room = match chart.layout {
        Layout::Stacked => slot - 4.0,
        Layout::Grouped => slot * 0.84 / chart.series.len().max(1) as f64 + 2.0,
    };
    let widest = chart
        .values
        .iter()
        .flatten()
        .chain(totals)
        .map(|v| style.width(&super::words::count(*v)))
        .max()
        .unwrap_or(0);
    if f64::from(widest) > room {
        return Ok(());
    }
    for (i, bar) in chart.values.iter().enumerate() {
        let marks: Vec<(usize, u64)> = match chart.layout {
            Layout::Stacked => vec![(0, totals[i])],
            Layout::Grouped => bar.iter().copied().enumerate().collect(),
        };
        for (s, v) in marks {
            if v == 0 {
                continue;
            }
            let (x0, x1) = match chart.layout {
                Layout::Stacked => bar_x(chart, left, slot, i, 0),
                Layout::Grouped => bar_x(chart, left, slot, i, s),
            };
            let label = super::words::count(v);
            text(
                area,
                &label,
                (x0 + x1 + 1) / 2,
                y_of(v) - 10,
                Align::Center,
                style,
            )?;
        }
    }
    Ok(())
}

/// The labels under the bars: every k-th, k the smallest that keeps them apart.
fn labels(
    area: &Area,
    chart: &BarChart,
    left: i32,
    slot: f64,
    bottom: i32,
) -> Result<(), ChartError> {
    let style = axis_style();
    let widest = chart
        .labels
        .iter()
        .map(|l| style.width(l))
        .max()
        .unwrap_or(0);
    let every = ((f64::from(widest + 24) / slot).ceil() as usize).max(1);
    let right = WIDTH as i32 - MARGIN;
    let mut drawn_to = i32::MIN;
    for (i, label) in chart.labels.iter().enumerate().step_by(every) {
        let centre = (f64::from(left) + slot * (i as f64 + 0.5)).round() as i32;
        let w = style.width(label);
        // A label that would run off either edge is moved in, unless that brings it onto the
        // one before.
        let x = centre.clamp(MARGIN + w / 2, right - w / 2);
        if x - w / 2 < drawn_to + 16 {
            continue;
        }
        drawn_to = x + w / 2;
        fill(
            area,
            centre - 1,
            bottom + 2,
            centre,
            bottom + 12,
            palette::AXIS,
        )?;
        text(area, label, x, bottom + 48, Align::Center, style)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ticks_are_round_numbers() {
        assert_eq!(tick_step(1), 1);
        assert_eq!(tick_step(4), 1);
        assert_eq!(tick_step(7), 2);
        assert_eq!(tick_step(23), 5);
        assert_eq!(tick_step(48), 10);
        assert_eq!(tick_step(1_234), 500);
    }
}
