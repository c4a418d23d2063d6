//! Opening hours in OpenStreetMap's `opening_hours` syntax (`Mo-Su 08:00-20:00`, `24/7`,
//! `Mo-Fr 08:30-17:30; Sa 09:00-12:00`), parsed and evaluated by the `opening-hours` crate.
//! Times are the district's local wall-clock times. `PH` (public holiday) rules follow China's
//! national holidays as the crate's calendar has them (the main day of each holiday; the
//! adjusted working days, 调休, are not in it).

use std::fmt;
use std::sync::Arc;

use chrono::{Duration, NaiveDateTime};
use opening_hours::localization::Country;
use opening_hours::{Context, OpeningHours, RuleKind};

/// Parsed opening hours with the text they came from (exported unchanged).
#[derive(Clone)]
pub struct Hours {
    raw: Arc<str>,
    parsed: Arc<OpeningHours>,
}

/// A station's regular state at a moment, with the next change when there is one within a
/// week (`24/7` has none).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenState {
    Open {
        until: Option<NaiveDateTime>,
    },
    Closed {
        until: Option<NaiveDateTime>,
    },
    /// The hours say "unknown" for now (e.g. `Mo-Fr 08:00-17:00; Sa unknown`).
    Unknown {
        until: Option<NaiveDateTime>,
    },
}

/// Why an opening-hours text does not parse; `at` is the 1-based character where it fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{why}")]
pub struct HoursError {
    pub at: Option<usize>,
    pub why: String,
}

/// The calendar `PH` (public holiday) rules are read against.
fn holidays() -> Context {
    static CONTEXT: std::sync::LazyLock<Context> =
        std::sync::LazyLock::new(|| Context::default().with_holidays(Country::CN.holidays()));
    CONTEXT.clone()
}

/// How far ahead the next change is looked for.
const HORIZON_DAYS: i64 = 8;

impl Hours {
    pub fn parse(raw: &str) -> Result<Hours, HoursError> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Err(HoursError {
                at: None,
                why: "opening hours are empty (write e.g. Mo-Su 08:00-20:00 or 24/7)".into(),
            });
        }
        match raw.parse::<OpeningHours>() {
            Ok(parsed) => Ok(Hours {
                raw: raw.into(),
                // `PH` rules follow China's public holidays as the opening-hours crate knows them
                // (the main day of each; the adjusted working days are not in it).
                parsed: Arc::new(parsed.with_context(holidays())),
            }),
            Err(err) => {
                let at = match &err {
                    opening_hours_syntax::Error::Syntax(pest_err) => match pest_err.line_col {
                        pest::error::LineColLocation::Pos((_, col))
                        | pest::error::LineColLocation::Span((_, col), _) => Some(col),
                    },
                    _ => None,
                };
                let why = match at {
                    Some(col) => {
                        let rest: String = raw.chars().skip(col - 1).take(20).collect();
                        format!(
                            "opening hours {raw:?} do not parse at character {col} ({rest:?}); \
                             write e.g. Mo-Fr 08:30-17:30; Sa 09:00-12:00"
                        )
                    }
                    None => format!("opening hours {raw:?} are not valid: {err}"),
                };
                Err(HoursError { at, why })
            }
        }
    }

    pub fn as_str(&self) -> &str {
        &self.raw
    }

    /// The state at `local` and when it next changes.
    pub fn state_at(&self, local: NaiveDateTime) -> OpenState {
        let horizon = local + Duration::days(HORIZON_DAYS);
        let Some(range) = self.parsed.iter_range(local, horizon).next() else {
            return OpenState::Closed { until: None };
        };
        let until = (range.range.end < horizon).then_some(range.range.end);
        match range.kind {
            RuleKind::Open => OpenState::Open { until },
            RuleKind::Closed => OpenState::Closed { until },
            RuleKind::Unknown => OpenState::Unknown { until },
        }
    }
}

impl fmt::Debug for Hours {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Hours({:?})", self.raw)
    }
}

impl PartialEq for Hours {
    fn eq(&self, other: &Self) -> bool {
        self.raw == other.raw
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").unwrap()
    }

    #[test]
    fn open_closed_and_next_change() {
        // 2026-12-02 is a Wednesday.
        let h = Hours::parse("Mo-Fr 08:30-17:30; Sa 09:00-12:00").unwrap();
        assert_eq!(
            h.state_at(at("2026-12-02 10:00")),
            OpenState::Open {
                until: Some(at("2026-12-02 17:30"))
            }
        );
        assert_eq!(
            h.state_at(at("2026-12-02 18:00")),
            OpenState::Closed {
                until: Some(at("2026-12-03 08:30"))
            }
        );
        // Saturday afternoon: closed until Monday.
        assert_eq!(
            h.state_at(at("2026-12-05 13:00")),
            OpenState::Closed {
                until: Some(at("2026-12-07 08:30"))
            }
        );
    }

    #[test]
    fn daily_hours_are_closed_late_in_the_evening() {
        let h = Hours::parse("Mo-Su 08:00-20:00").unwrap();
        assert_eq!(
            h.state_at(at("2026-12-02 22:00")),
            OpenState::Closed {
                until: Some(at("2026-12-03 08:00"))
            }
        );
    }

    #[test]
    fn always_open_has_no_next_change() {
        let h = Hours::parse("24/7").unwrap();
        assert_eq!(
            h.state_at(at("2026-12-02 03:00")),
            OpenState::Open { until: None }
        );
    }

    #[test]
    fn public_holidays_are_china_s() {
        let h = Hours::parse("Mo-Su 08:00-20:00; PH off").unwrap();
        // National Day 2026 is a Thursday: closed all day, open again the day after.
        assert!(matches!(
            h.state_at(at("2026-10-01 10:00")),
            OpenState::Closed { .. }
        ));
        assert!(matches!(
            h.state_at(at("2026-10-02 10:00")),
            OpenState::Open { .. }
        ));
        assert!(matches!(
            h.state_at(at("2026-12-02 10:00")),
            OpenState::Open { .. }
        ));
    }

    #[test]
    fn a_bad_text_says_where_it_fails() {
        let err = Hours::parse("Mo-Xx 08:00-20:00").unwrap_err();
        assert!(err.at.is_some(), "{err:?}");
        assert!(err.why.contains("character"), "{}", err.why);
        assert!(Hours::parse("  ").is_err());
        assert!(Hours::parse("25:00-26:00 nonsense").is_err());
    }
}
