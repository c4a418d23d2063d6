//! The charts drawn for real and read back: each PNG decodes at its size with ink on it, the
//! Chinese labels are drawn with the embedded font's own glyphs, an empty period says so, a
//! year of data draws, bad input is refused, and the same input gives the same bytes.

use chrono::{Days, NaiveDate, TimeDelta};
use plotters::style::RGBColor;

use super::canvas::{text, Align, Canvas, Style};
use super::*;
use crate::i18n::{Lang, ZH_FTL};

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// An RGB image read back from a PNG.
struct Image {
    width: u32,
    height: u32,
    rgb: Vec<u8>,
}

impl Image {
    fn decode(png: &Png) -> Image {
        let decoder = ::png::Decoder::new(std::io::Cursor::new(png.bytes()));
        let mut reader = decoder.read_info().expect("the PNG header reads");
        let mut rgb = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut rgb).expect("the PNG decodes");
        assert_eq!(info.color_type, ::png::ColorType::Rgb);
        assert_eq!((info.width, info.height), (png.width(), png.height()));
        rgb.truncate(info.buffer_size());
        Image {
            width: info.width,
            height: info.height,
            rgb,
        }
    }

    fn pixel(&self, x: u32, y: u32) -> (u8, u8, u8) {
        let i = ((y * self.width + x) * 3) as usize;
        (self.rgb[i], self.rgb[i + 1], self.rgb[i + 2])
    }

    /// Pixels in the box that are not `background`.
    fn ink(&self, x: std::ops::Range<u32>, y: std::ops::Range<u32>, background: RGBColor) -> usize {
        let bg = (background.0, background.1, background.2);
        y.flat_map(|y| x.clone().map(move |x| (x, y)))
            .filter(|(x, y)| self.pixel(*x, *y) != bg)
            .count()
    }

    fn share_of_ink(&self) -> f64 {
        let ink = self.ink(0..self.width, 0..self.height, palette::BACKGROUND);
        ink as f64 / f64::from(self.width * self.height)
    }

    fn count_of(&self, colour: RGBColor) -> usize {
        self.rgb
            .chunks(3)
            .filter(|p| (p[0], p[1], p[2]) == (colour.0, colour.1, colour.2))
            .count()
    }
}

fn november() -> ReportsPerDay {
    let mut rows = Vec::new();
    for d in 1..=30 {
        let statuses = [
            (ReportStatus::Submitted, d % 3),
            (ReportStatus::Accepted, d % 4),
            (ReportStatus::Routed, d % 2 + 1),
            (ReportStatus::Resolved, d % 5 + 2),
            (ReportStatus::Rejected, u32::from(d % 7 == 0)),
            (ReportStatus::Duplicate, u32::from(d % 9 == 0)),
            (ReportStatus::Withdrawn, u32::from(d % 11 == 0)),
        ];
        for (status, count) in statuses {
            rows.push(ReportsOnDay {
                day: day(2026, 11, d),
                status,
                count,
            });
        }
    }
    ReportsPerDay {
        title: "November 2026 · LF 街道".into(),
        from: day(2026, 11, 1),
        to: day(2026, 11, 30),
        rows,
    }
}

fn a_year_of_reports() -> ReportsPerDay {
    let from = day(2026, 1, 1);
    let rows = (0..365u32)
        .flat_map(|i| {
            let d = from + Days::new(u64::from(i));
            [
                (ReportStatus::Submitted, i % 2),
                (ReportStatus::Accepted, i % 3),
                (ReportStatus::Routed, 1),
                (ReportStatus::Resolved, i % 4 + 1),
                (ReportStatus::Withdrawn, u32::from(i % 10 == 0)),
            ]
            .map(|(status, count)| ReportsOnDay {
                day: d,
                status,
                count,
            })
        })
        .collect();
    ReportsPerDay {
        title: "2026".into(),
        from,
        to: day(2026, 12, 31),
        rows,
    }
}

fn autumn_weeks() -> VisitsPerWeek {
    let first = day(2026, 9, 7);
    let weeks = (0..13u32)
        .map(|i| WeekFigures {
            monday: first + Days::new(u64::from(i) * 7),
            visits: 120 + i * 17 % 90,
            attended: 30 + i * 7 % 40,
        })
        .collect();
    VisitsPerWeek {
        title: "Autumn 2026 · LF district".into(),
        from: day(2026, 9, 7),
        to: day(2026, 12, 6),
        weeks,
    }
}

fn month_summary() -> Summary {
    Summary {
        title: "2026年11月 · LF 街道".into(),
        riders_registered: Some(2_134),
        riders_active: 1_569,
        visits: 2_047,
        activities_held: 131,
        riders_reached: 1_569,
        reports_filed: 214,
        reports_resolved: 187,
        median_to_accept: Some(TimeDelta::minutes(95)),
        median_to_resolve: Some(TimeDelta::hours(52)),
        points_issued: Some(18_400),
        points_redeemed: Some(12_950),
        signups: 640,
        attended: 581,
        no_shows: 59,
        broadcasts: Some(12),
        broadcast_reach: Some(9_870),
        feedback_received: Some(86),
        feedback_answered: Some(79),
        top_needs: vec![
            Need {
                topic: "充电".into(),
                count: 31,
            },
            Need {
                topic: "休息的地方".into(),
                count: 22,
            },
            Need {
                topic: "法律帮助".into(),
                count: 14,
            },
            Need {
                topic: "饮食和饮水".into(),
                count: 11,
            },
            Need {
                topic: "App".into(),
                count: 5,
            },
            Need {
                topic: "其他".into(),
                count: 3,
            },
        ],
    }
}

/// A chart with data: decodes at its size, and a good part of it is drawn.
fn assert_drawn(png: &Png, width: u32, height: u32) -> Image {
    let image = Image::decode(png);
    assert_eq!((image.width, image.height), (width, height));
    let share = image.share_of_ink();
    assert!(
        share > 0.05,
        "only {:.1}% of the image is drawn",
        share * 100.0
    );
    image
}

#[test]
fn reports_per_day_draws_every_status_band() {
    for lang in Lang::ALL {
        let png = reports_per_day(lang, &november()).unwrap();
        let image = assert_drawn(&png, 1080, 1080);
        for colour in [
            palette::ORANGE,
            palette::SKY_BLUE,
            palette::BLUE,
            palette::GREEN,
            palette::GREY,
        ] {
            // A legend swatch alone is 28 × 28 = 784 pixels; the bars add far more.
            assert!(image.count_of(colour) > 2_000, "{colour:?} in {lang:?}");
        }
    }
}

#[test]
fn visits_per_week_draws_both_series() {
    for lang in Lang::ALL {
        let png = visits_per_week(lang, &autumn_weeks()).unwrap();
        let image = assert_drawn(&png, 1080, 1080);
        assert!(image.count_of(palette::BLUE) > 10_000, "{lang:?}");
        assert!(image.count_of(palette::ORANGE) > 2_000, "{lang:?}");
    }
}

#[test]
fn the_summary_card_draws_its_tiles_and_needs() {
    for lang in Lang::ALL {
        let png = summary_card(lang, &month_summary()).unwrap();
        let image = assert_drawn(&png, 1080, 1350);
        assert!(
            image.count_of(palette::TILE) > 12 * 100_000 / 2,
            "{lang:?}: the tiles"
        );
        assert!(
            image.count_of(palette::PURPLE) > 5_000,
            "{lang:?}: the needs' bars"
        );
    }
}

#[test]
fn a_year_of_daily_reports_draws_as_weekly_bars() {
    let png = reports_per_day(Lang::Zh, &a_year_of_reports()).unwrap();
    let image = assert_drawn(&png, 1080, 1080);
    assert!(image.count_of(palette::GREEN) > 20_000);
    // 53 bars of about 13 px with a gap: along the row above the axis, where every week's
    // submitted band is, its colour starts 53 times.
    let orange = (palette::ORANGE.0, palette::ORANGE.1, palette::ORANGE.2);
    let starts = (400..image.height)
        .map(|y| {
            (1..image.width)
                .filter(|x| image.pixel(*x, y) == orange && image.pixel(x - 1, y) != orange)
                .count()
        })
        .max()
        .unwrap();
    assert_eq!(starts, 53);
}

#[test]
fn an_empty_period_says_so_in_the_readers_language() {
    let empty = ReportsPerDay {
        title: "December 2026".into(),
        from: day(2026, 12, 1),
        to: day(2026, 12, 31),
        rows: vec![ReportsOnDay {
            day: day(2026, 12, 3),
            status: ReportStatus::Submitted,
            count: 0,
        }],
    };
    let weeks = VisitsPerWeek {
        title: "December 2026".into(),
        from: day(2026, 12, 1),
        to: day(2026, 12, 31),
        weeks: vec![],
    };
    let summary = Summary {
        title: "December 2026".into(),
        ..Summary::default()
    };
    for lang in Lang::ALL {
        let pngs = [
            reports_per_day(lang, &empty).unwrap(),
            visits_per_week(lang, &weeks).unwrap(),
            summary_card(lang, &summary).unwrap(),
        ];
        for png in &pngs {
            let image = Image::decode(png);
            let mid = image.height / 2 + 40;
            // The message: dark ink on the tile across the middle of the image.
            let message = image.ink(200..880, mid - 100..mid + 60, palette::TILE);
            assert!(message > 2_000, "{lang:?}: {message} pixels of message");
            // No bars: none of the series' colours anywhere.
            assert_eq!(image.count_of(palette::BLUE), 0, "{lang:?}");
            assert_eq!(image.count_of(palette::GREEN), 0, "{lang:?}");
        }
    }
    // The message is the language's own.
    let zh = Image::decode(&reports_per_day(Lang::Zh, &empty).unwrap());
    let en = Image::decode(&reports_per_day(Lang::En, &empty).unwrap());
    let differing = (0..zh.width)
        .flat_map(|x| (480..640).map(move |y| (x, y)))
        .filter(|(x, y)| zh.pixel(*x, *y) != en.pixel(*x, *y))
        .count();
    assert!(differing > 1_000);
}

/// Every character the Chinese charts write (each `charts-` message with all its variants)
/// has a glyph of its own in the embedded font.
#[test]
fn every_chinese_chart_label_has_glyphs_in_the_embedded_font() {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in ZH_FTL.lines() {
        if line.starts_with("charts-") {
            inside = true;
        } else if !line.starts_with(' ') {
            inside = false;
        }
        if inside {
            lines.push(line);
        }
    }
    assert!(
        lines.len() > 30,
        "found {} lines of charts- messages",
        lines.len()
    );
    let text = lines.join("\n");
    let missing: Vec<char> = text
        .chars()
        .filter(|c| !c.is_whitespace())
        .filter(|c| !font::has_glyph(*c))
        .collect();
    assert!(missing.is_empty(), "no glyph for {missing:?}");
    // And the words the callers pass: feedback topics, station and place names.
    for c in "充电休息的地方饮食和饮水健康法律帮助其他龙华街道站点滨河泾浦".chars()
    {
        assert!(font::has_glyph(c), "{c}");
    }
}

/// Draws `label` alone on a white strip and reads it back.
fn render(label: &str) -> Image {
    let mut canvas = Canvas::new(400, 120);
    canvas
        .draw(|area| {
            text(
                area,
                label,
                20,
                80,
                Align::Left,
                Style::new(48.0, palette::INK),
            )
        })
        .unwrap();
    Image::decode(&canvas.png().unwrap())
}

/// A Chinese label is drawn with the font's own glyphs: every character leaves ink in its
/// place, and different characters leave different ink. A character the font lacks is drawn
/// as the same missing-glyph box whatever it is, so two such characters would look alike.
#[test]
fn chinese_labels_are_drawn_with_their_own_glyphs() {
    let label = crate::tr!(Lang::Zh, "charts-series-visits");
    assert_eq!(label, "站点到访");
    let image = render(&label);
    for i in 0..4 {
        let x = 20 + i * 48;
        let ink = image.ink(x..x + 48, 20..100, palette::BACKGROUND);
        assert!(ink > 150, "character {i} left {ink} pixels");
    }
    let alike = |a: &Image, b: &Image| a.rgb == b.rgb;
    assert!(!alike(&render("站"), &render("点")));
    // Two characters outside the subset (CJK extension B) are the same box.
    assert!(!font::has_glyph('\u{20000}') && !font::has_glyph('\u{20001}'));
    assert!(alike(&render("\u{20000}"), &render("\u{20001}")));
    assert!(!alike(&render("站"), &render("\u{20000}")));
}

#[test]
fn figures_are_bold_in_both_languages() {
    let summary = month_summary();
    for lang in Lang::ALL {
        for (_, figure) in summary.tiles(lang) {
            assert!(font::bold_covers(&figure), "{lang:?}: {figure}");
        }
        let minutes = words::duration(lang, Some(TimeDelta::minutes(20)));
        assert!(font::bold_covers(&minutes), "{lang:?}: {minutes}");
    }
}

#[test]
fn a_stations_card_dashes_what_means_nothing_there() {
    let station = Summary {
        riders_registered: None,
        points_issued: None,
        broadcast_reach: None,
        feedback_answered: None,
        ..month_summary()
    };
    let tiles = station.tiles(Lang::En);
    let dashed: Vec<&str> = tiles
        .iter()
        .filter(|(_, figure)| figure == "–")
        .map(|(what, _)| what.as_str())
        .collect();
    assert_eq!(
        dashed,
        [
            "Riders registered",
            "Points issued / redeemed",
            "Broadcasts / riders reached",
            "Feedback received / answered"
        ]
    );
    assert_drawn(&summary_card(Lang::Zh, &station).unwrap(), 1080, 1350);
}

#[test]
fn the_same_input_gives_the_same_bytes() {
    let a = reports_per_day(Lang::Zh, &november()).unwrap();
    let b = reports_per_day(Lang::Zh, &november()).unwrap();
    assert_eq!(a, b);
    let a = summary_card(Lang::En, &month_summary()).unwrap();
    assert_eq!(a, summary_card(Lang::En, &month_summary()).unwrap());
}

#[test]
fn contradictory_input_is_refused() {
    let mut reversed = november();
    reversed.to = day(2026, 10, 31);
    assert!(matches!(
        reports_per_day(Lang::En, &reversed),
        Err(ChartError::ReversedPeriod { .. })
    ));
    let mut outside = november();
    outside.rows[0].day = day(2026, 12, 1);
    assert!(matches!(
        reports_per_day(Lang::En, &outside),
        Err(ChartError::OutsidePeriod { .. })
    ));
    let mut tuesday = autumn_weeks();
    tuesday.weeks[0].monday = day(2026, 9, 8);
    assert!(matches!(
        visits_per_week(Lang::En, &tuesday),
        Err(ChartError::NotMonday(_))
    ));
    let mut late = autumn_weeks();
    late.weeks[0].monday = day(2026, 12, 7);
    assert!(matches!(
        visits_per_week(Lang::En, &late),
        Err(ChartError::OutsidePeriod { .. })
    ));
}

/// Writes sample charts to `/tmp/charts-samples` to look at:
/// `cargo test --lib charts::tests::samples -- --ignored`.
#[test]
#[ignore]
fn samples() {
    let dir = std::path::Path::new("/tmp/charts-samples");
    std::fs::create_dir_all(dir).unwrap();
    let empty = ReportsPerDay {
        rows: vec![],
        ..november()
    };
    let long = VisitsPerWeek {
        title: "2024–2026".into(),
        from: day(2024, 1, 1),
        to: day(2026, 12, 6),
        weeks: (0..152u32)
            .map(|i| WeekFigures {
                monday: day(2024, 1, 1) + Days::new(u64::from(i) * 7),
                visits: 100 + i * 37 % 120,
                attended: 20 + i * 13 % 60,
            })
            .collect(),
    };
    let month = VisitsPerWeek {
        title: "November 2026 · LF-S01".into(),
        from: day(2026, 11, 1),
        to: day(2026, 11, 30),
        weeks: autumn_weeks().weeks[7..].to_vec(),
    };
    for (lang, tag) in [(Lang::En, "en"), (Lang::Zh, "zh")] {
        let charts = [
            ("visits-month", visits_per_week(lang, &month)),
            ("reports-month", reports_per_day(lang, &november())),
            ("reports-year", reports_per_day(lang, &a_year_of_reports())),
            ("reports-empty", reports_per_day(lang, &empty)),
            ("visits-autumn", visits_per_week(lang, &autumn_weeks())),
            ("visits-years", visits_per_week(lang, &long)),
            ("summary", summary_card(lang, &month_summary())),
            (
                "summary-station",
                summary_card(
                    lang,
                    &Summary {
                        title: "November 2026 · LF-S01".into(),
                        riders_registered: None,
                        points_issued: None,
                        points_redeemed: None,
                        broadcasts: None,
                        broadcast_reach: None,
                        feedback_received: None,
                        feedback_answered: None,
                        top_needs: vec![],
                        ..month_summary()
                    },
                ),
            ),
            (
                "summary-empty",
                summary_card(
                    lang,
                    &Summary {
                        title: "December 2026".into(),
                        ..Summary::default()
                    },
                ),
            ),
        ];
        for (name, png) in charts {
            std::fs::write(dir.join(format!("{name}-{tag}.png")), png.unwrap().bytes()).unwrap();
        }
    }
}

/// The module stays at the bottom of the crate: it names `i18n` (and its `tr!`) and nothing
/// else of the crate, and neither Telegram nor SQL.
#[test]
fn charts_name_no_other_module() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src/charts");
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.ends_with("tests.rs") {
            continue; // this test names what it looks for
        }
        let code = std::fs::read_to_string(&path).unwrap();
        for line in code.lines().filter(|l| !l.trim_start().starts_with("//")) {
            let mut rest = line;
            while let Some(at) = rest.find("crate::") {
                let name = &rest[at + "crate::".len()..];
                assert!(
                    name.starts_with("i18n") || name.starts_with("tr!") || name.starts_with("tr;"),
                    "{}: {line}",
                    path.display()
                );
                rest = name;
            }
            for outside in ["teloxide", "sqlx", "bot::"] {
                assert!(!line.contains(outside), "{}: {line}", path.display());
            }
        }
    }
}
