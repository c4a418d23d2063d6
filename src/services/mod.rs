//! Free services (为民服务日): haircuts, health checks, e-bike repairs, legal advice… offered at
//! the stations on service days. Riders see what is coming, sign up, join a waitlist when it is
//! full (and move up automatically), are reminded, and check in by scanning the code shown at
//! the session on the day, by sharing a live location at the station, or by a coordinator;
//! attendance earns points.
//!
//! - [`csv`]: the plans file (what, where, when, how many).
//! - [`domain`]: dated sessions from plans, sign-up, waitlist, cancellation, reminders.
//! - [`checkin`]: check-in, by the session's signed code, a live location near the station or
//!   a coordinator, and the attendance points.
//! - [`signed`]: the per-session check-in code, signed with the district's key.
//! - [`store`]: the SQL.
//! - [`telegram`]: the list and card with their buttons, `/session`, `/checkin`, the `ci-` and
//!   `cs-` links, live locations.

pub mod checkin;
pub mod csv;
pub mod domain;
pub mod notices;
pub mod personal;
pub mod signed;
pub mod store;
pub mod telegram;

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc, Weekday};

use crate::i18n::Lang;
use crate::stations::StationCode;

crate::code_type!(
    /// A plan's code: 1–24 of A–Z, 0–9, `-`, `_`, upper-cased (as station codes).
    PlanCode,
    Upper
);

/// A session's code: its plan's and its local date, `HAIRCUT-20261205`. Fits a deep link and
/// callback data.
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
#[serde(try_from = "String", into = "String")]
pub struct SessionCode {
    plan: PlanCode,
    date: NaiveDate,
}

impl SessionCode {
    pub fn new(plan: PlanCode, date: NaiveDate) -> SessionCode {
        SessionCode { plan, date }
    }

    pub fn parse(raw: &str) -> Option<SessionCode> {
        let (plan, date) = raw.trim().rsplit_once('-')?;
        if date.len() != 8 {
            return None;
        }
        let date = NaiveDate::parse_from_str(date, "%Y%m%d").ok()?;
        Some(SessionCode {
            plan: PlanCode::parse(plan)?,
            date,
        })
    }

    pub fn plan(&self) -> &PlanCode {
        &self.plan
    }

    pub fn date(&self) -> NaiveDate {
        self.date
    }
}

impl TryFrom<String> for SessionCode {
    type Error = String;

    fn try_from(raw: String) -> Result<Self, Self::Error> {
        SessionCode::parse(&raw).ok_or_else(|| format!("{raw:?} is not a session code"))
    }
}

impl From<SessionCode> for String {
    fn from(c: SessionCode) -> String {
        c.to_string()
    }
}

impl fmt::Display for SessionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.plan, self.date.format("%Y%m%d"))
    }
}

/// What is offered. The list is closed so each has an icon and a name in both languages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ServiceKind {
    Haircut,
    Health,
    Repair,
    Legal,
    Massage,
    Meal,
    Other,
}

impl ServiceKind {
    pub const ALL: [ServiceKind; 7] = [
        ServiceKind::Haircut,
        ServiceKind::Health,
        ServiceKind::Repair,
        ServiceKind::Legal,
        ServiceKind::Massage,
        ServiceKind::Meal,
        ServiceKind::Other,
    ];

    pub fn parse(raw: &str) -> Option<ServiceKind> {
        ServiceKind::ALL
            .into_iter()
            .find(|k| k.as_str().eq_ignore_ascii_case(raw.trim()))
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ServiceKind::Haircut => "haircut",
            ServiceKind::Health => "health",
            ServiceKind::Repair => "repair",
            ServiceKind::Legal => "legal",
            ServiceKind::Massage => "massage",
            ServiceKind::Meal => "meal",
            ServiceKind::Other => "other",
        }
    }

    pub fn icon(self) -> &'static str {
        match self {
            ServiceKind::Haircut => "✂️",
            ServiceKind::Health => "🩺",
            ServiceKind::Repair => "🔧",
            ServiceKind::Legal => "⚖️",
            ServiceKind::Massage => "💆",
            ServiceKind::Meal => "🍲",
            ServiceKind::Other => "🎁",
        }
    }
}

/// When a plan runs: on one date, or every given weekday.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    Once(NaiveDate),
    Weekly(Vec<Weekday>),
}

impl Schedule {
    /// `2026-12-05`, or weekdays in OpenStreetMap's two letters: `Sa`, `Mo;We;Fr`.
    pub fn parse(raw: &str) -> Option<Schedule> {
        let raw = raw.trim();
        if let Ok(date) = NaiveDate::parse_from_str(raw, "%Y-%m-%d") {
            return Some(Schedule::Once(date));
        }
        let mut days = Vec::new();
        for part in raw.split([';', ',']) {
            let day = match part.trim() {
                "Mo" => Weekday::Mon,
                "Tu" => Weekday::Tue,
                "We" => Weekday::Wed,
                "Th" => Weekday::Thu,
                "Fr" => Weekday::Fri,
                "Sa" => Weekday::Sat,
                "Su" => Weekday::Sun,
                _ => return None,
            };
            if !days.contains(&day) {
                days.push(day);
            }
        }
        (!days.is_empty()).then_some(Schedule::Weekly(days))
    }

    pub fn includes(&self, date: NaiveDate) -> bool {
        use chrono::Datelike;
        match self {
            Schedule::Once(d) => *d == date,
            Schedule::Weekly(days) => days.contains(&date.weekday()),
        }
    }
}

impl fmt::Display for Schedule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Schedule::Once(d) => write!(f, "{}", d.format("%Y-%m-%d")),
            Schedule::Weekly(days) => {
                let names: Vec<&str> = days
                    .iter()
                    .map(|d| match d {
                        Weekday::Mon => "Mo",
                        Weekday::Tue => "Tu",
                        Weekday::Wed => "We",
                        Weekday::Thu => "Th",
                        Weekday::Fri => "Fr",
                        Weekday::Sat => "Sa",
                        Weekday::Sun => "Su",
                    })
                    .collect();
                f.write_str(&names.join(";"))
            }
        }
    }
}

/// A row of the plans file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    pub code: PlanCode,
    pub kind: ServiceKind,
    pub title_zh: String,
    pub title_en: Option<String>,
    pub station: StationCode,
    pub schedule: Schedule,
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub capacity: i64,
    /// Points for attending (kept in `earning_rules` as `attendance:<code>`).
    pub points: i64,
    pub active: bool,
}

impl Plan {
    pub fn title(&self, lang: Lang) -> &str {
        crate::i18n::pick(lang, &self.title_zh, self.title_en.as_deref())
    }
}

/// A dated session as riders see it.
#[derive(Debug, Clone, PartialEq)]
pub struct Session {
    pub code: SessionCode,
    pub kind: ServiceKind,
    pub title_zh: String,
    pub title_en: Option<String>,
    pub station: StationCode,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub capacity: i64,
    pub signed: i64,
    pub waitlisted: i64,
    pub cancelled: bool,
}

impl Session {
    pub fn title(&self, lang: Lang) -> &str {
        crate::i18n::pick(lang, &self.title_zh, self.title_en.as_deref())
    }

    pub fn seats_left(&self) -> i64 {
        (self.capacity - self.signed).max(0)
    }
}

/// Where a rider stands in a session.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignupStatus {
    Signed,
    /// Waiting, at this place in line (1 is next).
    Waitlisted(i64),
    Cancelled,
    Attended,
}

impl SignupStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            SignupStatus::Signed => "signed",
            SignupStatus::Waitlisted(_) => "waitlisted",
            SignupStatus::Cancelled => "cancelled",
            SignupStatus::Attended => "attended",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_schedules_parse_strictly_and_print_back() {
        let code = SessionCode::parse("haircut-20261205").unwrap();
        assert_eq!(code.to_string(), "HAIRCUT-20261205");
        assert_eq!(code.plan().as_str(), "HAIRCUT");
        let dashed = SessionCode::parse("LF-CUT-20261205").unwrap();
        assert_eq!(dashed.plan().as_str(), "LF-CUT");
        for bad in [
            "HAIRCUT",
            "HAIRCUT-2026125",
            "HAIRCUT-20261332",
            "-20261205",
            "A B-20261205",
        ] {
            assert_eq!(SessionCode::parse(bad), None, "{bad}");
        }
        assert_eq!(
            Schedule::parse("Sa;Mo").unwrap(),
            Schedule::Weekly(vec![Weekday::Sat, Weekday::Mon])
        );
        assert_eq!(Schedule::parse("Sa;Mo").unwrap().to_string(), "Sa;Mo");
        assert_eq!(
            Schedule::parse("2026-12-05").unwrap().to_string(),
            "2026-12-05"
        );
        for bad in ["", "Sat", "Sa;;", "2026-13-01", "Mo-Fr"] {
            assert_eq!(Schedule::parse(bad), None, "{bad}");
        }
        let sat = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert!(Schedule::parse("Sa").unwrap().includes(sat));
        assert!(!Schedule::parse("Su").unwrap().includes(sat));
    }
}
