//! The durable update inbox: updates that arrive by webhook are recorded in `update_inbox`
//! before Telegram is answered ([`store::record`]), and handled from there by a [`worker`]
//! that leases rows, so an update Telegram was told we have is never lost, and several
//! instances can share one table.
//!
//! A lease is the row's owner and a time it lasts until, renewed while the update is handled.
//! Only a chat's oldest unhandled update can be leased, so one chat's updates are handled in
//! order and one at a time, whoever handles them, while different chats go in parallel. An
//! instance killed with a lease held loses it when it expires, and the update is handled then.
//!
//! The handler tree's claim in `processed_updates` stays the guard against a second effect. An
//! update leased again after an instance stopped while handling it (its id already claimed) has
//! an unknown outcome: it is not handled again, but logged with its id and counted
//! ([`unknown_outcomes`], and `outcome = 'unknown'` on its row).

pub mod store;
pub mod worker;

use std::sync::atomic::{AtomicU64, Ordering};

static UNKNOWN_OUTCOMES: AtomicU64 = AtomicU64::new(0);

/// How many updates this process found claimed by an instance that stopped while handling them
/// (their outcome is unknown; they were not handled again). For a metric.
pub fn unknown_outcomes() -> u64 {
    UNKNOWN_OUTCOMES.load(Ordering::Relaxed)
}

fn count_unknown() {
    UNKNOWN_OUTCOMES.fetch_add(1, Ordering::Relaxed);
    crate::ops::exporter::inbox_unknown();
}

/// Whose updates must be handled in order: the chat, or the sender when there is no chat.
pub fn order_key(update: &teloxide::types::Update) -> Option<i64> {
    update
        .chat()
        .map(|c| c.id.0)
        .or_else(|| update.from().map(|u| u.id.0 as i64))
}
