//! What reports tell others than the one acting, as outbox rows written in the same
//! transaction as the change: a new report's card for the coordinators' group, a follow-up of
//! a report left unresolved, and the reporter told of each status change.
//! `telegram::delivery` renders and sends them.
//!
//! A card is recorded (this row) before it is posted; once posted, the report records where.
//! A card the group refused or could not get is enqueued again by the sweep; one whose sending
//! was interrupted by a crash (outcome unknown) is not, since Telegram may have it: `/reports`
//! lists every report the group has not been seen to receive.

use crate::db::Conn;
use serde_json::json;

use super::{ReportId, Status};
use crate::outbox::{store, Notice};
use crate::users::UserId;

pub const CARD: &str = "reports.card";
pub const FOLLOW_UP: &str = "reports.follow_up";
pub const STATUS: &str = "reports.status";

/// Report `id`'s card, for `group`.
pub async fn card(conn: &mut Conn, group: i64, id: ReportId) -> sqlx::Result<()> {
    let n = Notice::new(group, CARD, json!({ "report": id.0 }));
    store::enqueue(conn, &n).await.map(drop)
}

/// Cards for open reports (submitted, accepted, routed) the group has not received and no card
/// row is on its way for (none pending or being sent, none whose sending was interrupted): one
/// the group could not get (the bot not in it yet) goes again at every sweep, one Telegram
/// refused at most once an hour, and none after 50 tries; at most 50 a sweep. Returns how many.
pub async fn missing_cards(conn: &mut Conn, group: i64) -> sqlx::Result<u64> {
    let missing = "SELECT id FROM reports \
                   WHERE triage_msg_id IS NULL AND status IN ('submitted', 'accepted', 'routed')";
    store::requeue_missing(conn, group, (CARD, "report"), missing, crate::db::now()).await
}

/// Report `id` raised again in `group`, `days` after its last change.
pub async fn follow_up(conn: &mut Conn, group: i64, id: ReportId, days: i64) -> sqlx::Result<()> {
    let n = Notice::new(group, FOLLOW_UP, json!({ "report": id.0, "days": days }));
    store::enqueue(conn, &n).await.map(drop)
}

/// The reporter of `id` told it is now `status` (with `points` when accepting paid some).
pub async fn status(
    conn: &mut Conn,
    reporter: UserId,
    id: ReportId,
    status: Status,
    points: Option<i64>,
) -> sqlx::Result<()> {
    let payload = json!({ "report": id.0, "status": status.as_str(), "points": points });
    let n = Notice::new(reporter.0, STATUS, payload);
    store::enqueue(conn, &n).await.map(drop)
}
