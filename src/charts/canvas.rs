//! The drawing surface every chart shares: an RGB buffer, shapes drawn on it with plotters,
//! text drawn on it with the embedded font, encoded to a PNG; and the few primitives the charts
//! need (filled boxes, lines, text placed by its baseline, text cut to a width).
//!
//! Text is rasterised here with `ab_glyph` rather than through plotters' own `ab_glyph` text
//! support, which in plotters 0.3.7 drops each glyph's left side bearing (so "（" and "·" sit
//! against the next character and Latin letters crowd) and puts the baseline half the font
//! size below the point it is given. Text is drawn after the shapes, in the order it was asked
//! for; every chart puts text on top of shapes, never under them.

use std::cell::RefCell;

use ab_glyph::{Font, ScaleFont};
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{font, palette, ChartError, Png};

/// What a chart draws on: plotters' drawing area for shapes, and the text to lay over them.
pub(super) struct Area<'a> {
    shapes: DrawingArea<BitMapBackend<'a>, Shift>,
    texts: RefCell<Vec<Text>>,
}

impl Area<'_> {
    pub(super) fn height(&self) -> i32 {
        self.shapes.dim_in_pixel().1 as i32
    }
}

/// One line of text to draw once the shapes are done.
struct Text {
    text: String,
    x: i32,
    baseline: i32,
    align: Align,
    style: Style,
}

/// The chart's RGB pixels while it is drawn.
pub(super) struct Canvas {
    buf: Vec<u8>,
    width: u32,
    height: u32,
}

impl Canvas {
    pub(super) fn new(width: u32, height: u32) -> Canvas {
        Canvas {
            buf: vec![0; width as usize * height as usize * 3],
            width,
            height,
        }
    }

    /// Runs `paint` on a drawing area the size of the canvas, filled with the background:
    /// its shapes first, then its text over them.
    pub(super) fn draw(
        &mut self,
        paint: impl FnOnce(&Area) -> Result<(), ChartError>,
    ) -> Result<(), ChartError> {
        let texts = {
            let shapes = BitMapBackend::with_buffer(&mut self.buf, (self.width, self.height))
                .into_drawing_area();
            shapes.fill(&palette::BACKGROUND).map_err(draw_error)?;
            let area = Area {
                shapes,
                texts: RefCell::new(Vec::new()),
            };
            paint(&area)?;
            area.shapes.present().map_err(draw_error)?;
            area.texts.into_inner()
        };
        for t in &texts {
            self.lay(t);
        }
        Ok(())
    }

    /// Rasterises one line of text into the buffer, blending each glyph's coverage.
    fn lay(&mut self, t: &Text) {
        let face = font::face(t.style.bold_for(&t.text));
        let width = font::width(&t.text, t.style.size, t.style.bold_for(&t.text));
        let mut x = match t.align {
            Align::Left => f64::from(t.x),
            Align::Center => f64::from(t.x) - width / 2.0,
            Align::Right => f64::from(t.x) - width,
        } as f32;
        let scale = font::scale(face, t.style.size);
        let scaled = face.as_scaled(scale);
        let colour = t.style.color;
        for c in t.text.chars() {
            let id = scaled.glyph_id(c);
            let glyph = id.with_scale_and_position(scale, ab_glyph::point(x, t.baseline as f32));
            x += scaled.h_advance(id);
            let Some(outline) = face.outline_glyph(glyph) else {
                continue; // a space
            };
            let bounds = outline.px_bounds();
            outline.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                self.blend(px, py, colour, coverage);
            });
        }
    }

    fn blend(&mut self, x: i64, y: i64, colour: RGBColor, coverage: f32) {
        if x < 0 || y < 0 || x >= i64::from(self.width) || y >= i64::from(self.height) {
            return;
        }
        let a = coverage.clamp(0.0, 1.0);
        let i = (y as usize * self.width as usize + x as usize) * 3;
        for (k, c) in [colour.0, colour.1, colour.2].into_iter().enumerate() {
            let under = f32::from(self.buf[i + k]);
            self.buf[i + k] = (under + (f32::from(c) - under) * a).round() as u8;
        }
    }

    pub(super) fn png(self) -> Result<Png, ChartError> {
        let mut bytes = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut bytes, self.width, self.height);
            encoder.set_color(png::ColorType::Rgb);
            encoder.set_depth(png::BitDepth::Eight);
            let mut writer = encoder.write_header()?;
            writer.write_image_data(&self.buf)?;
            writer.finish()?;
        }
        Ok(Png {
            bytes,
            width: self.width,
            height: self.height,
        })
    }
}

pub(super) fn draw_error(e: impl std::fmt::Display) -> ChartError {
    ChartError::Draw(e.to_string())
}

/// A filled box from `(x0, y0)` to `(x1, y1)`.
pub(super) fn fill(
    area: &Area,
    x0: i32,
    y0: i32,
    x1: i32,
    y1: i32,
    color: RGBColor,
) -> Result<(), ChartError> {
    area.shapes
        .draw(&Rectangle::new([(x0, y0), (x1, y1)], color.filled()))
        .map_err(draw_error)
}

/// A horizontal line `thickness` pixels thick whose top is at `y`.
pub(super) fn hline(
    area: &Area,
    x0: i32,
    x1: i32,
    y: i32,
    thickness: i32,
    color: RGBColor,
) -> Result<(), ChartError> {
    fill(area, x0, y, x1, y + thickness - 1, color)
}

/// Where a line of text sits horizontally relative to the x it is given.
#[derive(Debug, Clone, Copy)]
pub(super) enum Align {
    Left,
    Center,
    Right,
}

/// How a line of text looks. `size` is the em in pixels: a hanzi is about that wide.
#[derive(Debug, Clone, Copy)]
pub(super) struct Style {
    pub(super) size: f64,
    pub(super) color: RGBColor,
    /// Bold is asked for; it is used only when the bold face has every character.
    pub(super) bold: bool,
}

impl Style {
    pub(super) fn new(size: f64, color: RGBColor) -> Style {
        Style {
            size,
            color,
            bold: false,
        }
    }

    pub(super) fn bold(self) -> Style {
        Style { bold: true, ..self }
    }

    fn bold_for(&self, text: &str) -> bool {
        self.bold && font::bold_covers(text)
    }

    /// This style made smaller, if need be, so `text` is at most `max` pixels wide: for
    /// figures, which must never be cut.
    pub(super) fn shrunk_to(self, text: &str, max: i32) -> Style {
        let wide = self.width(text);
        if wide <= max || wide == 0 {
            return self;
        }
        Style {
            size: (self.size * f64::from(max) / f64::from(wide)).floor(),
            ..self
        }
    }

    /// The width `text` takes in this style, in pixels.
    pub(super) fn width(&self, text: &str) -> i32 {
        font::width(text, self.size, self.bold_for(text)).ceil() as i32
    }
}

/// Draws `text` with its baseline at `baseline`, placed at `x` as `align` says.
pub(super) fn text(
    area: &Area,
    text: &str,
    x: i32,
    baseline: i32,
    align: Align,
    style: Style,
) -> Result<(), ChartError> {
    area.texts.borrow_mut().push(Text {
        text: text.to_owned(),
        x,
        baseline,
        align,
        style,
    });
    Ok(())
}

/// `text` cut (with an ellipsis) so it is at most `max` pixels wide in `style`.
pub(super) fn fit(text: &str, max: i32, style: Style) -> String {
    if style.width(text) <= max {
        return text.to_owned();
    }
    let mut chars: Vec<char> = text.chars().collect();
    while !chars.is_empty() {
        chars.pop();
        let cut: String = chars.iter().collect::<String>().trim_end().to_owned() + "…";
        if style.width(&cut) <= max {
            return cut;
        }
    }
    String::new()
}
