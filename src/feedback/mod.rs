//! Listening to riders: a rider picks a topic and sends text, a photo or a voice note; it
//! reaches the coordinators' group as `F-000123`; a coordinator's reply to that message goes
//! back to the rider, who may rate the answer; coordinators list and close items.
//!
//! - [`domain`]: the rules (submit, reply, rate, close), each one write transaction with its
//!   role check, audit line and outbox rows. [`store`]: the SQL.
//! - [`notices`]: the outbox rows (the item for the group, the answer for the rider).
//! - [`personal`]: what an item holds about a rider, and erasure (the figure stays, anonymous).
//! - [`telegram`]: `/feedback`, the menu entry, the dialogue, the group's replies and buttons.

pub mod domain;
pub mod notices;
pub mod personal;
pub mod store;
pub mod telegram;

use std::fmt;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::users::UserId;

/// The most characters a rider's text may have (the table checks it too).
pub const MAX_TEXT: usize = 2000;
/// The most characters of a photo's or voice note's caption: Telegram allows 1,024 in a
/// caption, and the group's copy adds the number, topic and who sent it.
pub const MAX_CAPTION: usize = 800;
/// The longest voice note taken, in seconds.
pub const MAX_VOICE_SECONDS: u32 = 5 * 60;
/// The most characters of a coordinator's answer (the rider's message adds a heading and must
/// stay within Telegram's 4,096).
pub const MAX_REPLY: usize = 3500;
/// How many items `/feedback` lists for coordinators.
pub const LIST_LIMIT: i64 = 15;

/// An item's number: `F-000123` to people, 123 in the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct FeedbackId(pub i64);

impl FeedbackId {
    /// `F-000123`, `f-123`, `F123` or `123`.
    pub fn parse(raw: &str) -> Option<FeedbackId> {
        let raw = raw.trim();
        let digits = raw
            .strip_prefix(['F', 'f'])
            .map(|r| r.strip_prefix('-').unwrap_or(r))
            .unwrap_or(raw);
        if digits.is_empty() || digits.len() > 12 || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok().filter(|n| *n > 0).map(FeedbackId)
    }
}

impl fmt::Display for FeedbackId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "F-{:06}", self.0)
    }
}

/// What an item is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Topic {
    Charging,
    Rest,
    Food,
    Health,
    Legal,
    App,
    Other,
}

impl Topic {
    pub const ALL: [Topic; 7] = [
        Topic::Charging,
        Topic::Rest,
        Topic::Food,
        Topic::Health,
        Topic::Legal,
        Topic::App,
        Topic::Other,
    ];

    /// As stored (and in button data).
    pub fn code(self) -> &'static str {
        match self {
            Topic::Charging => "charging",
            Topic::Rest => "rest",
            Topic::Food => "food",
            Topic::Health => "health",
            Topic::Legal => "legal",
            Topic::App => "app",
            Topic::Other => "other",
        }
    }

    pub fn parse(code: &str) -> Option<Topic> {
        Topic::ALL.into_iter().find(|t| t.code() == code)
    }

    /// The translation key of its name.
    pub fn label_key(self) -> &'static str {
        match self {
            Topic::Charging => "feedback-topic-charging",
            Topic::Rest => "feedback-topic-rest",
            Topic::Food => "feedback-topic-food",
            Topic::Health => "feedback-topic-health",
            Topic::Legal => "feedback-topic-legal",
            Topic::App => "feedback-topic-app",
            Topic::Other => "feedback-topic-other",
        }
    }
}

/// Where an item stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Nobody has answered yet.
    Open,
    /// A coordinator answered (at least once).
    Answered,
    /// A coordinator closed it.
    Closed,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Open => "open",
            Status::Answered => "answered",
            Status::Closed => "closed",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "open" => Status::Open,
            "answered" => Status::Answered,
            "closed" => Status::Closed,
            _ => return None,
        })
    }
}

/// What a rider wrote: not blank, at most `limit` characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Words(String);

/// Why words were not taken.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum WordsError {
    #[error("nothing written")]
    Empty,
    #[error("{len} characters, at most {max}")]
    TooLong { len: usize, max: usize },
}

impl Words {
    /// `raw` trimmed, refused when blank or longer than `max` characters.
    pub fn parse(raw: &str, max: usize) -> Result<Words, WordsError> {
        let text = raw.trim();
        if text.is_empty() {
            return Err(WordsError::Empty);
        }
        let len = text.chars().count();
        if len > max {
            return Err(WordsError::TooLong { len, max });
        }
        Ok(Words(text.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A voice note's length, within [`MAX_VOICE_SECONDS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct VoiceLength(u32);

impl VoiceLength {
    /// `None` when longer than [`MAX_VOICE_SECONDS`].
    pub fn parse(seconds: u32) -> Option<VoiceLength> {
        (seconds <= MAX_VOICE_SECONDS).then_some(VoiceLength(seconds))
    }

    pub fn seconds(self) -> u32 {
        self.0
    }
}

/// What the rider sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Text {
        text: Words,
    },
    Photo {
        file_id: String,
        caption: Option<Words>,
    },
    Voice {
        file_id: String,
        length: VoiceLength,
        caption: Option<Words>,
    },
}

impl Body {
    pub fn kind(&self) -> &'static str {
        match self {
            Body::Text { .. } => "text",
            Body::Photo { .. } => "photo",
            Body::Voice { .. } => "voice",
        }
    }
}

/// A stored item.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    pub id: FeedbackId,
    pub rider: UserId,
    pub topic: Topic,
    /// `text`, `photo` or `voice`.
    pub kind: String,
    /// The text or caption (gone once the rider erased their data).
    pub body: Option<String>,
    pub file_id: Option<String>,
    pub duration_s: Option<i64>,
    pub status: Status,
    /// The item's message in the coordinators' group, once posted.
    pub group: Option<(i64, i32)>,
    pub rating: Option<i64>,
    pub created_at: DateTime<Utc>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_in_every_written_form_and_print_padded() {
        for raw in ["F-000123", "f-123", "F123", "123", " F-000123 "] {
            assert_eq!(FeedbackId::parse(raw), Some(FeedbackId(123)), "{raw}");
        }
        for raw in [
            "F-",
            "F-0",
            "F--1",
            "F-12a",
            "R-000123",
            "F-1234567890123",
            "",
        ] {
            assert_eq!(FeedbackId::parse(raw), None, "{raw}");
        }
        assert_eq!(FeedbackId(123).to_string(), "F-000123");
    }

    #[test]
    fn topics_round_trip_through_their_codes() {
        for t in Topic::ALL {
            assert_eq!(Topic::parse(t.code()), Some(t));
        }
        assert_eq!(Topic::parse("parking"), None);
    }

    #[test]
    fn words_are_refused_when_blank_or_too_long() {
        assert_eq!(Words::parse("  ", MAX_TEXT), Err(WordsError::Empty));
        let long = "字".repeat(MAX_TEXT + 1);
        assert_eq!(
            Words::parse(&long, MAX_TEXT),
            Err(WordsError::TooLong {
                len: MAX_TEXT + 1,
                max: MAX_TEXT
            })
        );
        let most = "字".repeat(MAX_TEXT);
        assert_eq!(Words::parse(&most, MAX_TEXT).unwrap().as_str(), most);
    }

    #[test]
    fn a_voice_note_longer_than_five_minutes_is_refused() {
        assert!(VoiceLength::parse(300).is_some());
        assert!(VoiceLength::parse(301).is_none());
        assert!(VoiceLength::parse(30 * 60).is_none());
    }
}
