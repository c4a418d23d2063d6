#!/usr/bin/env python3
"""Remakes the two fonts the charts (src/charts) embed, subsets of Noto Sans CJK SC:

- NotoSansSC-subset.otf (Regular): every text of a chart;
- NotoSansSC-Bold-figures.otf (Bold, ASCII and the units of a duration): the big figures of
  the summary card.

Source: Noto Sans CJK SC (SIL Open Font License 1.1, see OFL.txt), face 2 of
NotoSansCJK-Regular.ttc and NotoSansCJK-Bold.ttc in Debian's fonts-noto-cjk package
(1:20220127, font version 2.004):

    apt-get install -y fonts-noto-cjk
    pip install fonttools
    python3 assets/fonts/subset.py            # from the repository root

The same faces are NotoSansCJKsc-Regular.otf and NotoSansCJKsc-Bold.otf in
github.com/notofonts/noto-cjk (Sans/OTF/SimplifiedChinese); pass their folder as the first
argument.

Kept in Regular: ASCII and Latin-1, common Western and Chinese punctuation, arrows and a few
symbols the charts draw, every character of the locale and seed files, and the 6,763 hanzi of
GB2312 (the characters station, category and place names use). Dropped: hinting (the charts
are drawn at 20 px and up) and the OpenType layout tables (the chart renderer does not shape
text), so the file stays under 2 MB. The name table is kept whole, licence included. The
output is byte for byte the same for the same input.
"""

import sys
from pathlib import Path

from fontTools import subset
from fontTools.ttLib import TTFont

ROOT = Path(__file__).resolve().parents[2]
FONTS = "/usr/share/fonts/opentype/noto"
SC_FACE = 2  # JP, KR, SC, TC, HK in the Sans collections

RANGES = [
    (0x0020, 0x007E),  # ASCII
    (0x00A0, 0x00FF),  # Latin-1: · × ° ¥ ± …
    (0x2010, 0x2027),  # dashes, quotes, bullet, ellipsis
    (0x2030, 0x203B),  # ‰ ′ ″ ‹ › ※
    (0x2190, 0x2199),  # arrows
    (0x2212, 0x2212),  # minus
    (0x2264, 0x2265),  # ≤ ≥
    (0x2103, 0x2103),  # ℃
    (0x25A0, 0x25A1),  # ■ □
    (0x25B2, 0x25B2),  # ▲
    (0x25BC, 0x25BC),  # ▼
    (0x25CB, 0x25CF),  # ○ ●
    (0x3000, 0x303F),  # CJK punctuation
    (0xFF01, 0xFF5E),  # fullwidth forms
    (0xFFE5, 0xFFE5),  # ￥
]


def gb2312_hanzi():
    """The 6,763 hanzi of GB2312: level 1 (the 3,755 common ones, rows 16 to 55) and level 2
    (3,008 less common ones, rows 56 to 87, many of them in place names)."""
    chars = []
    for hi in range(0xB0, 0xF8):
        for lo in range(0xA1, 0xFF):
            try:
                chars.append(bytes([hi, lo]).decode("gb2312"))
            except UnicodeDecodeError:
                pass  # the five unassigned cells at the end of row 55
    assert len(chars) == 6763, len(chars)
    return chars


def text_files():
    files = sorted((ROOT / "locales").glob("*.ftl")) + sorted((ROOT / "seeds").glob("*.csv"))
    return "".join(path.read_text(encoding="utf-8") for path in files)


def main():
    fonts = sys.argv[1] if len(sys.argv) > 1 else FONTS
    chars = set(gb2312_hanzi())
    for lo, hi in RANGES:
        chars.update(chr(c) for c in range(lo, hi + 1))
    chars.update(c for c in text_files() if c.isprintable())
    make(fonts, "Regular", chars, "NotoSansSC-subset.otf")
    # Bold draws the summary card's figures: counts, and durations with their units.
    bold = {chr(c) for c in range(0x20, 0x7F)} | set("–分钟小时天")
    make(fonts, "Bold", bold, "NotoSansSC-Bold-figures.otf")


def make(fonts, weight, chars, name):
    ttc = Path(fonts) / f"NotoSansCJK-{weight}.ttc"
    if ttc.exists():
        font = TTFont(ttc, fontNumber=SC_FACE, lazy=False, recalcTimestamp=False)
    else:
        font = TTFont(Path(fonts) / f"NotoSansCJKsc-{weight}.otf", recalcTimestamp=False)
    out = ROOT / "assets/fonts" / name
    cmap = font.getBestCmap()
    unicodes = sorted(ord(c) for c in chars if ord(c) in cmap)

    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.recalc_timestamp = False  # the same input gives the same bytes
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=unicodes)
    subsetter.subset(font)
    for tag in ("GSUB", "GPOS", "GDEF", "BASE", "VORG", "vhea", "vmtx"):
        if tag in font:
            del font[tag]
    font.save(out)
    print(f"{out.relative_to(ROOT)}: {len(unicodes)} characters, {out.stat().st_size} bytes")


if __name__ == "__main__":
    main()
