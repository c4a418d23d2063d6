//! Grid reports (随手拍): a rider photographs a street problem, the subdistrict "takes the
//! order" and routes it to the department that fixes it.
//!
//! - [`csv`]: the categories and departments files.
//! - [`domain`]: filing rules (daily limit, district, duplicates and merge candidates), the
//!   lifecycle and who may move it, points on acceptance, follow-ups, imports.
//! - [`media`]: stripping metadata and storing photos by content hash (no Telegram).
//! - [`open311`]: the GeoReport v2 export.
//! - [`store`]: the SQL.
//! - [`telegram`]: the transport. Its root holds the filing dialogue, `/myreports` and
//!   withdrawal; `telegram::photos` fetches photos with getFile; `telegram::triage` is the card
//!   in the coordinators' group, its buttons and `/report R-… ACTION`.

pub mod csv;
pub mod domain;
pub mod media;
pub mod notices;
pub mod open311;
pub mod personal;
pub mod store;
pub mod telegram;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::geo::Position;
use crate::i18n::Lang;
use crate::users::{Role, UserId};

crate::code_type!(
    /// A report category's code (`garbage`, `parking`, ...): 1–24 of a–z, 0–9, `-`, `_`,
    /// lower-cased. It fits in callback data.
    CategoryCode,
    Lower
);
crate::code_type!(
    /// A department's code (`chengguan`, `fire`, ...), same alphabet as [`CategoryCode`].
    DepartmentCode,
    Lower
);

/// A report's number: `R-000123` to people, 123 in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReportId(pub i64);

impl ReportId {
    /// `R-000123`, `r-123`, `R123` or `123`.
    pub fn parse(raw: &str) -> Option<ReportId> {
        let raw = raw.trim();
        let digits = raw
            .strip_prefix(['R', 'r'])
            .map(|r| r.strip_prefix('-').unwrap_or(r))
            .unwrap_or(raw);
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|n| *n > 0).map(ReportId)
    }
}

impl fmt::Display for ReportId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "R-{:06}", self.0)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Department {
    pub code: DepartmentCode,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub active: bool,
}

impl Department {
    pub fn name(&self, lang: Lang) -> &str {
        crate::i18n::pick(lang, &self.name_zh, self.name_en.as_deref())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Category {
    pub code: CategoryCode,
    pub name_zh: String,
    pub name_en: Option<String>,
    /// Where an accepted report goes unless a coordinator routes it elsewhere.
    pub department: DepartmentCode,
    /// Points for an accepted report (kept in `earning_rules` as `report:<code>`).
    pub points: i64,
    pub active: bool,
}

impl Category {
    pub fn name(&self, lang: Lang) -> &str {
        crate::i18n::pick(lang, &self.name_zh, self.name_en.as_deref())
    }
}

/// Where a report stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Submitted,
    Accepted,
    Routed,
    Resolved,
    Rejected,
    Duplicate,
    /// Taken back by the reporter while still submitted.
    Withdrawn,
}

impl Status {
    pub const ALL: [Status; 7] = [
        Status::Submitted,
        Status::Accepted,
        Status::Routed,
        Status::Resolved,
        Status::Rejected,
        Status::Duplicate,
        Status::Withdrawn,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Submitted => "submitted",
            Status::Accepted => "accepted",
            Status::Routed => "routed",
            Status::Resolved => "resolved",
            Status::Rejected => "rejected",
            Status::Duplicate => "duplicate",
            Status::Withdrawn => "withdrawn",
        }
    }

    pub fn parse(raw: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == raw)
    }

    /// Still waiting for someone to act (the duplicate search and follow-ups look at these).
    pub fn is_open(self) -> bool {
        matches!(self, Status::Submitted | Status::Accepted | Status::Routed)
    }
}

/// Where a photo came from: Telegram's compressed photo, or an image file sent as a document
/// (whose metadata is stripped before it is stored).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PhotoSource {
    Photo,
    Document,
}

impl PhotoSource {
    pub fn as_str(self) -> &'static str {
        match self {
            PhotoSource::Photo => "photo",
            PhotoSource::Document => "document",
        }
    }
}

/// A stored photo: the file under `MEDIA_DIR` and the Telegram file id it came as.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Photo {
    pub file_id: String,
    pub sha256: String,
    /// Relative to `MEDIA_DIR`.
    pub path: String,
    pub size: u64,
    pub source: PhotoSource,
}

/// One to three photos: a report never has none, never more than three.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Photo>", into = "Vec<Photo>")]
pub struct Photos(Vec<Photo>);

impl Photos {
    pub const MAX: usize = 3;

    pub fn new(photos: Vec<Photo>) -> Option<Photos> {
        (1..=Self::MAX)
            .contains(&photos.len())
            .then_some(Photos(photos))
    }

    pub fn as_slice(&self) -> &[Photo] {
        &self.0
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }
}

impl TryFrom<Vec<Photo>> for Photos {
    type Error = String;
    fn try_from(v: Vec<Photo>) -> Result<Photos, String> {
        Photos::new(v).ok_or_else(|| "a report has one to three photos".into())
    }
}

impl From<Photos> for Vec<Photo> {
    fn from(p: Photos) -> Vec<Photo> {
        p.0
    }
}

/// A rider's note: 1 to 500 characters after trimming.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Note(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("the note is empty")]
    Empty,
    #[error("the note has {0} characters; at most 500 fit")]
    TooLong(usize),
}

impl Note {
    pub const MAX_CHARS: usize = 500;

    pub fn parse(raw: &str) -> Result<Note, NoteError> {
        let text = raw.trim();
        let n = text.chars().count();
        if n == 0 {
            Err(NoteError::Empty)
        } else if n > Self::MAX_CHARS {
            Err(NoteError::TooLong(n))
        } else {
            Ok(Note(text.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Note {
    type Error = NoteError;
    fn try_from(raw: String) -> Result<Note, NoteError> {
        Note::parse(&raw)
    }
}

impl From<Note> for String {
    fn from(n: Note) -> String {
        n.0
    }
}

/// Everything a report needs, gathered by the filing dialogue before Confirm.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub category: CategoryCode,
    pub photos: Photos,
    pub at: Position,
    pub note: Option<Note>,
}

/// A stored report.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    pub id: ReportId,
    pub reporter: UserId,
    pub reporter_role: Role,
    pub category: CategoryCode,
    pub at: Position,
    pub note: Option<String>,
    pub status: Status,
    pub department: Option<DepartmentCode>,
    pub reject_reason: Option<String>,
    pub duplicate_of: Option<ReportId>,
    pub possible_dup_of: Option<ReportId>,
    pub triage: Option<(i64, i32, bool)>,
    pub status_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
}

/// The reasons offered as buttons when rejecting; a coordinator's command may give any text.
pub const REJECT_REASONS: [&str; 5] = ["unclear", "not-a-problem", "outside", "fixed", "private"];

/// What a coordinator (or, for withdrawal, the reporter) does to a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    Accept,
    /// With one of [`REJECT_REASONS`] or a coordinator's own words.
    Reject(String),
    Route(DepartmentCode),
    Resolve,
    DuplicateOf(ReportId),
    Withdraw,
}

/// One entry of a report's history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub from: Option<Status>,
    pub to: Status,
    pub actor: UserId,
    pub detail: Option<String>,
    pub at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn report_numbers_parse_in_the_forms_people_type() {
        for raw in ["R-000123", "r-123", "R123", "123", " R-000123 "] {
            assert_eq!(ReportId::parse(raw), Some(ReportId(123)), "{raw}");
        }
        for raw in [
            "",
            "R-",
            "R-0",
            "R--1",
            "R-12a",
            "-5",
            "R-1234567890123",
            "X-1",
        ] {
            assert_eq!(ReportId::parse(raw), None, "{raw}");
        }
        assert_eq!(ReportId(123).to_string(), "R-000123");
        assert_eq!(ReportId(1_234_567).to_string(), "R-1234567");
    }

    #[test]
    fn notes_photos_and_codes_refuse_what_they_cannot_hold() {
        assert_eq!(Note::parse("  "), Err(NoteError::Empty));
        assert_eq!(Note::parse(&"字".repeat(501)), Err(NoteError::TooLong(501)));
        assert!(Note::parse(&"字".repeat(500)).is_ok());
        let photo = Photo {
            file_id: "f".into(),
            sha256: "00".into(),
            path: "00/00.jpg".into(),
            size: 1,
            source: PhotoSource::Photo,
        };
        assert!(Photos::new(vec![]).is_none());
        assert!(Photos::new(vec![photo.clone(); 4]).is_none());
        let three = Photos::new(vec![photo.clone(); 3]).unwrap();
        let json = serde_json::to_string(&three).unwrap();
        assert_eq!(serde_json::from_str::<Photos>(&json).unwrap(), three);
        let four = serde_json::to_string(&vec![photo; 4]).unwrap();
        assert!(serde_json::from_str::<Photos>(&four).is_err());
        assert_eq!(
            CategoryCode::parse(" Garbage ").unwrap().as_str(),
            "garbage"
        );
        assert!(CategoryCode::parse("a b").is_none());
        assert!(DepartmentCode::parse(&"x".repeat(25)).is_none());
    }
}
