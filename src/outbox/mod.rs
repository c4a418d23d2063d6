//! The outbox: every message to anyone but the person acting is a row here, written in the
//! same transaction as the change it reports, and sent later by one supervised sender
//! (`bot::core::outbox`). Nothing here knows Telegram: a row says what kind of message it is
//! and what that message needs (`payload`); the capability that owns the kind renders it when
//! it is sent, in the recipient's language at that moment.
//!
//! A row moves `pending` → `sending` → `sent`, or ends `failed` (refused by Telegram, or too
//! many transient errors), `unreachable` (the recipient blocked the bot or is gone),
//! `dropped` (nothing to send any more: the rider erased their data, say) or `unknown` (the
//! process died while Telegram had the message and no answer came: it is not sent again, since
//! Telegram has no idempotency key).

pub mod store;

use chrono::{DateTime, Utc};
use serde_json::Value;

/// Who goes first: a rider's own news (a seat, a status change, a card for the coordinators)
/// before broadcast bulk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Priority {
    Own,
    Bulk,
}

impl Priority {
    pub fn as_i64(self) -> i64 {
        match self {
            Priority::Own => 0,
            Priority::Bulk => 1,
        }
    }
}

/// A message to enqueue.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// A private chat (a user id) or a group.
    pub chat: i64,
    /// `capability.what`, e.g. `services.promoted`: the sender asks that kind's renderer.
    pub kind: &'static str,
    pub payload: Value,
    pub priority: Priority,
    /// When set, a second notice with the same key is not enqueued (the same cause, twice).
    pub dedup_key: Option<String>,
}

impl Notice {
    /// A rider's own notice to `chat`, sent as soon as the limits allow.
    pub fn new(chat: i64, kind: &'static str, payload: Value) -> Notice {
        Notice {
            chat,
            kind,
            payload,
            priority: Priority::Own,
            dedup_key: None,
        }
    }

    pub fn once(mut self, key: impl Into<String>) -> Notice {
        self.dedup_key = Some(key.into());
        self
    }

    pub fn bulk(mut self) -> Notice {
        self.priority = Priority::Bulk;
        self
    }
}

/// Where a row stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Status {
    Pending,
    Sending,
    Sent,
    Failed,
    Unreachable,
    Unknown,
    Dropped,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pending => "pending",
            Status::Sending => "sending",
            Status::Sent => "sent",
            Status::Failed => "failed",
            Status::Unreachable => "unreachable",
            Status::Unknown => "unknown",
            Status::Dropped => "dropped",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Some(match s {
            "pending" => Status::Pending,
            "sending" => Status::Sending,
            "sent" => Status::Sent,
            "failed" => Status::Failed,
            "unreachable" => Status::Unreachable,
            "unknown" => Status::Unknown,
            "dropped" => Status::Dropped,
            _ => return None,
        })
    }
}

/// A row taken for sending.
#[derive(Debug, Clone, PartialEq)]
pub struct Row {
    pub id: i64,
    pub chat: i64,
    pub kind: String,
    pub payload: Value,
    pub priority: i64,
    pub attempts: i64,
    pub created_at: DateTime<Utc>,
}
