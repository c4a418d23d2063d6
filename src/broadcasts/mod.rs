//! Coordinators' announcements (service days, cold-wave warnings, station closures) to the
//! riders who should hear them, sent through the outbox; and each rider's say in what they
//! get (`/notifications`).
//!
//! - [`domain`]: who an audience is, sending (one transaction: the broadcast, its outbox rows,
//!   the audit line), cancelling, figures, settings.
//! - [`store`]: the SQL. [`personal`]: what settings hold about a rider, and erasure.
//! - [`telegram`]: `/broadcast` (compose, audience, preview, send now or later), `/broadcasts`,
//!   the progress message with Cancel, `/notifications`, and the rendering of each message.

pub mod domain;
pub mod personal;
pub mod store;
pub mod telegram;

use serde::{Deserialize, Serialize};

use crate::services::SessionCode;
use crate::stations::StationCode;

/// How far "near a station" reaches when the coordinator does not say.
pub const DEFAULT_NEAR_KM: f64 = 3.0;
/// The farthest "near a station" may reach.
pub const MAX_NEAR_KM: f64 = 50.0;
/// A shared location older than this no longer places a rider near anything.
pub const LOCATION_DAYS: i64 = 30;
/// Telegram's limits on what a coordinator may send.
pub const MAX_TEXT: usize = 4096;
pub const MAX_CAPTION: usize = 1024;

/// Who a broadcast goes to.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "to", rename_all = "snake_case")]
pub enum Audience {
    /// Every registered rider.
    All,
    /// Riders of one platform or company (its code as stored at registration).
    Platform {
        platform: String,
    },
    /// Riders who turned nearby alerts on and last shared a location within `km` of `station`.
    Near {
        station: StationCode,
        km: f64,
    },
    /// Riders with a seat or a place in line for `session`.
    Session {
        session: SessionCode,
    },
    GridOfficers,
}

/// What a broadcast says: exactly what the coordinator wrote, with Telegram's own formatting
/// entities (kept as Telegram gave them, so nothing they type is read as markup and the message
/// can never break).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Body {
    Text {
        text: String,
        #[serde(default)]
        entities: serde_json::Value,
    },
    Photo {
        file_id: String,
        caption: String,
        #[serde(default)]
        entities: serde_json::Value,
    },
}

/// A button under the message.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "open", rename_all = "snake_case")]
pub enum Button {
    Station { station: StationCode },
    Session { session: SessionCode },
}

/// A broadcast being composed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Draft {
    pub body: Body,
    pub audience: Audience,
    /// Safety: reaches riders who turned announcements off.
    pub urgent: bool,
    pub button: Option<Button>,
}

/// Where a broadcast stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Scheduled,
    Sending,
    Done,
    Cancelled,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Scheduled => "scheduled",
            Status::Sending => "sending",
            Status::Done => "done",
            Status::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "scheduled" => Status::Scheduled,
            "sending" => Status::Sending,
            "done" => Status::Done,
            "cancelled" => Status::Cancelled,
            _ => return None,
        })
    }
}

/// How a broadcast's messages stand.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Figures {
    pub recipients: i64,
    pub sent: i64,
    pub unreachable: i64,
    pub failed: i64,
    /// Outcome unknown (the bot stopped while Telegram had it).
    pub unknown: i64,
    /// Not sent: cancelled, or the rider erased their data meanwhile.
    pub dropped: i64,
    pub pending: i64,
}

impl Figures {
    /// Every message has its outcome.
    pub fn finished(&self) -> bool {
        self.pending == 0
    }
}

/// A stored broadcast.
#[derive(Debug, Clone, PartialEq)]
pub struct Broadcast {
    pub id: i64,
    pub author: crate::users::UserId,
    pub draft: Draft,
    pub status: Status,
    pub send_at: chrono::DateTime<chrono::Utc>,
    pub created_at: chrono::DateTime<chrono::Utc>,
    pub progress: Option<(i64, i32)>,
}
