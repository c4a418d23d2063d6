//! What services tell riders other than the one acting, as outbox rows written in the same
//! transaction as the change: a seat freed for them, the reminder before a session, a session
//! called off, a check-in by a coordinator. `telegram::notify` renders and sends them.

use crate::db::Conn;
use serde_json::json;

use super::SessionCode;
use crate::outbox::{store, Notice};
use crate::users::UserId;

pub const PROMOTED: &str = "services.promoted";
pub const REMINDER: &str = "services.reminder";
pub const CALLED_OFF: &str = "services.called_off";
pub const CHECKED_IN: &str = "services.checked_in";

/// `rider` moved up from the waitlist into a seat of `session`.
pub async fn promoted(conn: &mut Conn, rider: UserId, session: &SessionCode) -> sqlx::Result<()> {
    let n = Notice::new(rider.0, PROMOTED, json!({ "session": session.to_string() }));
    store::enqueue(conn, &n).await.map(drop)
}

/// The reminder before `session` (once per rider and session).
pub async fn reminder(conn: &mut Conn, rider: UserId, session: &SessionCode) -> sqlx::Result<()> {
    let n = Notice::new(rider.0, REMINDER, json!({ "session": session.to_string() }))
        .once(format!("reminder:{session}:{}", rider.0));
    store::enqueue(conn, &n).await.map(drop)
}

/// `session` is called off; `reason` as the coordinator gave it.
pub async fn called_off(
    conn: &mut Conn,
    rider: UserId,
    session: &SessionCode,
    reason: &str,
) -> sqlx::Result<()> {
    let payload = json!({ "session": session.to_string(), "reason": reason });
    let n =
        Notice::new(rider.0, CALLED_OFF, payload).once(format!("called-off:{session}:{}", rider.0));
    store::enqueue(conn, &n).await.map(drop)
}

/// A coordinator checked `rider` in to `session`, paying `points`.
pub async fn checked_in(
    conn: &mut Conn,
    rider: UserId,
    session: &SessionCode,
    points: Option<i64>,
) -> sqlx::Result<()> {
    let payload = json!({ "session": session.to_string(), "points": points });
    let n =
        Notice::new(rider.0, CHECKED_IN, payload).once(format!("checked-in:{session}:{}", rider.0));
    store::enqueue(conn, &n).await.map(drop)
}
