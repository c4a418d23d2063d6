//! What feedback tells others than the one acting, as outbox rows written in the same
//! transaction as the change: a new item for the coordinators' group, and a coordinator's
//! answer for the rider. `telegram::delivery` renders and sends them.

use crate::db::Conn;
use serde_json::json;

use super::FeedbackId;
use crate::outbox::{store, Notice};
use crate::users::UserId;

pub const ITEM: &str = "feedback.item";
pub const ANSWER: &str = "feedback.answer";

/// Item `id`, for `group` (once per item).
pub async fn item(conn: &mut Conn, group: i64, id: FeedbackId) -> sqlx::Result<()> {
    let n = Notice::new(group, ITEM, json!({ "feedback": id.0 })).once(format!("fb-item:{}", id.0));
    store::enqueue(conn, &n).await.map(drop)
}

/// Reply `reply` to item `id`, for its rider (once per reply).
pub async fn answer(
    conn: &mut Conn,
    rider: UserId,
    id: FeedbackId,
    reply: i64,
) -> sqlx::Result<()> {
    let n = Notice::new(rider.0, ANSWER, json!({ "feedback": id.0, "reply": reply }))
        .once(format!("fb-answer:{reply}"));
    store::enqueue(conn, &n).await.map(drop)
}

/// Items the group has not received (posted nowhere yet, not closed, their rider not erased)
/// and no item row is on its way for (none pending or being sent, none whose sending was
/// interrupted or that was sent; one Telegram refused at most once an hour, and none after 50
/// tries): put in the outbox again for `group`, at most 50 a sweep. Returns how many.
pub async fn missing_items(conn: &mut Conn, group: i64) -> sqlx::Result<u64> {
    let missing = "SELECT id FROM feedback \
                   WHERE group_msg_id IS NULL AND status <> 'closed' AND rider_id > 0";
    store::requeue_missing(conn, group, (ITEM, "feedback"), missing, crate::db::now()).await
}
