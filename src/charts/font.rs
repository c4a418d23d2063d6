//! The embedded fonts: subsets of Noto Sans CJK SC (SIL Open Font License 1.1; the licence,
//! the source and the script that remakes them are in `assets/fonts`). Regular carries every
//! text (ASCII, punctuation, the 6,763 hanzi of GB2312, every character of the locales); Bold
//! carries ASCII and the units of a duration (分钟, 小时, 天) and draws the summary card's
//! figures (a text it lacks a character of is drawn in Regular).
//!
//! Both are compiled into the binary and parsed once; nothing reads a system font.

use std::sync::LazyLock;

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};

const REGULAR: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-subset.otf");
const BOLD: &[u8] = include_bytes!("../../assets/fonts/NotoSansSC-Bold-figures.otf");

struct Faces {
    regular: FontRef<'static>,
    bold: FontRef<'static>,
}

static FACES: LazyLock<Faces> = LazyLock::new(|| Faces {
    regular: FontRef::try_from_slice(REGULAR).expect("the embedded regular font parses"),
    bold: FontRef::try_from_slice(BOLD).expect("the embedded bold font parses"),
});

/// The bold face when asked for, else the regular one.
pub(super) fn face(bold: bool) -> &'static FontRef<'static> {
    if bold {
        &FACES.bold
    } else {
        &FACES.regular
    }
}

/// The scale that makes the em `size` pixels (ab_glyph scales by ascent minus descent, which
/// in these fonts is about 1.45 em).
pub(super) fn scale(face: &FontRef<'static>, size: f64) -> PxScale {
    let em = face.units_per_em().unwrap_or(1000.0);
    PxScale::from(size as f32 * face.height_unscaled() / em)
}

/// Whether the regular face has a glyph of its own for `c` (not the missing-glyph box).
#[cfg(test)]
pub(super) fn has_glyph(c: char) -> bool {
    FACES.regular.glyph_id(c).0 != 0
}

/// Whether every character of `text` has a glyph in the bold face.
pub(super) fn bold_covers(text: &str) -> bool {
    text.chars().all(|c| FACES.bold.glyph_id(c).0 != 0)
}

/// The advance width of `text` at `size`, in pixels.
pub(super) fn width(text: &str, size: f64, bold: bool) -> f64 {
    let face = face(bold);
    let scaled = face.as_scaled(scale(face, size));
    text.chars()
        .map(|c| f64::from(scaled.h_advance(scaled.glyph_id(c))))
        .sum()
}
