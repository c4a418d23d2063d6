//! The people the bot knows: their status (new, registered, deleted), role and language.
//!
//! Registration details (name, platform, phone) are written by onboarding; roles by `roles`.
//! This module owns the `users` table's shared reads and the few writes every capability needs.

pub mod personal;
pub mod refusal;
pub mod store;
pub mod target;

pub use refusal::Refusal;
pub use target::TargetRef;

use serde::{Deserialize, Serialize};

use crate::i18n::Lang;

/// A Telegram user id. Private chats with the bot have the same id as their user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct UserId(pub i64);

impl std::fmt::Display for UserId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Has talked to the bot but not finished onboarding.
    New,
    Registered,
    /// Erased their data with /deletemydata; may register again.
    Deleted,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::New => "new",
            Status::Registered => "registered",
            Status::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "new" => Some(Status::New),
            "registered" => Some(Status::Registered),
            "deleted" => Some(Status::Deleted),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Rider,
    GridOfficer,
    Coordinator,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Rider => "rider",
            Role::GridOfficer => "grid_officer",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "rider" => Some(Role::Rider),
            "grid_officer" => Some(Role::GridOfficer),
            "coordinator" => Some(Role::Coordinator),
            _ => None,
        }
    }
}

/// What every handler knows about the person behind an update.
#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: UserId,
    pub status: Status,
    pub role: Role,
    pub lang: Lang,
    /// Set once registered; `None` for new and deleted users.
    pub name: Option<String>,
    /// Lower-case @username, kept for registered users so coordinators can name them.
    pub username: Option<String>,
    /// The bot was told (or found) they blocked it; cleared when they write again.
    pub blocked: bool,
}

impl User {
    pub fn is_registered(&self) -> bool {
        self.status == Status::Registered
    }

    pub fn is_coordinator(&self) -> bool {
        self.role == Role::Coordinator
    }
}
