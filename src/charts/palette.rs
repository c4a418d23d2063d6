//! Colours: the Okabe–Ito palette, which stays distinct for the common kinds of colour
//! blindness, on a white background with dark text.

use plotters::style::RGBColor;

pub(super) const BACKGROUND: RGBColor = RGBColor(255, 255, 255);
pub(super) const INK: RGBColor = RGBColor(33, 37, 41);
pub(super) const MUTED: RGBColor = RGBColor(96, 103, 112);
pub(super) const GRID: RGBColor = RGBColor(226, 230, 234);
pub(super) const AXIS: RGBColor = RGBColor(150, 156, 163);
pub(super) const TILE: RGBColor = RGBColor(244, 246, 248);

pub(super) const ORANGE: RGBColor = RGBColor(230, 159, 0);
pub(super) const SKY_BLUE: RGBColor = RGBColor(86, 180, 233);
pub(super) const GREEN: RGBColor = RGBColor(0, 158, 115);
pub(super) const BLUE: RGBColor = RGBColor(0, 114, 178);
pub(super) const VERMILLION: RGBColor = RGBColor(213, 94, 0);
pub(super) const PURPLE: RGBColor = RGBColor(204, 121, 167);
pub(super) const GREY: RGBColor = RGBColor(153, 153, 153);
