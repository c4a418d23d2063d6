//! The broadcasts' SQL: who an audience is, the broadcast rows, their figures from the
//! outbox, and notification settings.

use crate::db::Conn;
use crate::db::{At, Flag};
use chrono::{DateTime, Utc};

use super::{Audience, Broadcast, Draft, Figures, Status};
use crate::users::UserId;

/// Registered people an audience names other than `author`, with whether each turned
/// announcements off. "Near a station" is decided by the caller from [`located`].
pub async fn audience(
    conn: &mut Conn,
    audience: &Audience,
    author: UserId,
) -> sqlx::Result<Vec<(UserId, bool)>> {
    let base = "SELECT u.id, COALESCE(n.announcements, 1) = 0 FROM users u
                LEFT JOIN notification_settings n ON n.user_id = u.id
                WHERE u.status = 'registered' AND u.id <> $1";
    let rows: Vec<(i64, Flag)> = match audience {
        Audience::All => {
            sqlx::query_as(&format!("{base} ORDER BY u.id"))
                .bind(author.0)
                .fetch_all(conn)
                .await?
        }
        Audience::GridOfficers => {
            sqlx::query_as(&format!("{base} AND u.role = 'grid_officer' ORDER BY u.id"))
                .bind(author.0)
                .fetch_all(conn)
                .await?
        }
        Audience::Platform { platform } => {
            sqlx::query_as(&format!("{base} AND u.platform = $2 ORDER BY u.id"))
                .bind(author.0)
                .bind(platform)
                .fetch_all(conn)
                .await?
        }
        Audience::Session { session } => {
            sqlx::query_as(&format!(
                "{base} AND u.id IN (SELECT rider_id FROM signups
                                     WHERE session = $2 AND status IN ('signed', 'waitlisted'))
                 ORDER BY u.id"
            ))
            .bind(author.0)
            .bind(session.to_string())
            .fetch_all(conn)
            .await?
        }
        Audience::Near { .. } => {
            sqlx::query_as(&format!(
                "{base} AND n.nearby = 1 AND n.last_at IS NOT NULL ORDER BY u.id"
            ))
            .bind(author.0)
            .fetch_all(conn)
            .await?
        }
    };
    Ok(rows
        .into_iter()
        .map(|(id, off)| (UserId(id), off.0))
        .collect())
}

/// The kept areas of riders with nearby alerts on, shared since `since`.
pub async fn located(
    conn: &mut Conn,
    since: DateTime<Utc>,
) -> sqlx::Result<Vec<(UserId, f64, f64)>> {
    let rows: Vec<(i64, f64, f64)> = sqlx::query_as(
        "SELECT user_id, last_lat, last_lng FROM notification_settings
         WHERE nearby = 1 AND last_lat IS NOT NULL AND last_at >= $1",
    )
    .bind(At(since))
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, a, b)| (UserId(id), a, b))
        .collect())
}

/// Inserts a broadcast; `None` when `request_key` was used before (Send pressed twice).
#[allow(clippy::too_many_arguments)]
pub async fn insert(
    conn: &mut Conn,
    author: UserId,
    request_key: &str,
    draft: &Draft,
    status: Status,
    recipients: i64,
    send_at: DateTime<Utc>,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    let json = |v: serde_json::Result<String>| v.unwrap_or_else(|_| "null".into());
    sqlx::query_scalar(
        "INSERT INTO broadcasts (author_id, request_key, audience, body, button, urgent, status,
                                 recipients, send_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) ON CONFLICT (request_key) DO NOTHING RETURNING id",
    )
    .bind(author.0)
    .bind(request_key)
    .bind(json(serde_json::to_string(&draft.audience)))
    .bind(json(serde_json::to_string(&draft.body)))
    .bind(
        draft
            .button
            .as_ref()
            .map(|b| json(serde_json::to_string(b))),
    )
    .bind(Flag(draft.urgent))
    .bind(status.as_str())
    .bind(recipients)
    .bind(At(send_at))
    .bind(At(now))
    .fetch_optional(conn)
    .await
}

/// The outbox rows of broadcast `id`, one per recipient, not before `send_at`.
pub async fn enqueue(
    conn: &mut Conn,
    id: i64,
    recipients: &[UserId],
    send_at: DateTime<Utc>,
) -> sqlx::Result<()> {
    let now = crate::db::now();
    let payload = serde_json::json!({ "broadcast": id }).to_string();
    for chunk in recipients.chunks(300) {
        let mut sql = String::from(
            "INSERT INTO outbox (chat_id, kind, payload, priority, not_before, dedup_key,
                                 created_at, broadcast_id) VALUES ",
        );
        for i in 0..chunk.len() {
            let sep = if i == 0 { "" } else { ", " };
            let n: Vec<String> = (1..=8).map(|k| format!("${}", 8 * i + k)).collect();
            sql.push_str(&format!("{sep}({})", n.join(", ")));
        }
        sql.push_str(" ON CONFLICT (dedup_key) DO NOTHING");
        let mut q = sqlx::query(&sql);
        for rider in chunk {
            q = q
                .bind(rider.0)
                .bind(super::telegram::KIND)
                .bind(&payload)
                .bind(1i64)
                .bind(At(send_at))
                .bind(format!("bc:{id}:{}", rider.0))
                .bind(At(now))
                .bind(id);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct Row {
    id: i64,
    author_id: i64,
    audience: String,
    body: String,
    button: Option<String>,
    urgent: Flag,
    status: String,
    send_at: At,
    created_at: At,
    progress_chat: Option<i64>,
    progress_msg: Option<i32>,
}

impl Row {
    fn decode(self) -> Option<Broadcast> {
        Some(Broadcast {
            id: self.id,
            author: UserId(self.author_id),
            draft: Draft {
                audience: serde_json::from_str(&self.audience).ok()?,
                body: serde_json::from_str(&self.body).ok()?,
                button: match self.button {
                    Some(b) => Some(serde_json::from_str(&b).ok()?),
                    None => None,
                },
                urgent: self.urgent.0,
            },
            status: Status::parse(&self.status)?,
            send_at: self.send_at.0,
            created_at: self.created_at.0,
            progress: self.progress_chat.zip(self.progress_msg),
        })
    }
}

const COLUMNS: &str = "id, author_id, audience, body, button, urgent, status, send_at, created_at,
                       progress_chat, progress_msg";

pub async fn find(conn: &mut Conn, id: i64) -> sqlx::Result<Option<Broadcast>> {
    let row: Option<Row> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM broadcasts WHERE id = $1"))
            .bind(id)
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(|r| {
        let id = r.id;
        let decoded = r.decode();
        if decoded.is_none() {
            tracing::error!(broadcast = id, "a broadcast row does not decode");
        }
        decoded
    }))
}

/// The broadcast a Send press made before (its request key), if any.
pub async fn by_request(conn: &mut Conn, key: &str) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar("SELECT id FROM broadcasts WHERE request_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await
}

/// The latest broadcasts, newest first.
pub async fn recent(conn: &mut Conn, limit: i64) -> sqlx::Result<Vec<Broadcast>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM broadcasts ORDER BY id DESC LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("broadcasts", rows, Row::decode))
}

/// Broadcasts not finished (scheduled or sending).
pub async fn running(conn: &mut Conn) -> sqlx::Result<Vec<Broadcast>> {
    let rows: Vec<Row> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM broadcasts WHERE status IN ('scheduled', 'sending') ORDER BY id"
    ))
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("broadcasts", rows, Row::decode))
}

pub async fn set_status(
    conn: &mut Conn,
    id: i64,
    status: Status,
    finished: Option<DateTime<Utc>>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE broadcasts SET status = $1, finished_at = $2 WHERE id = $3")
        .bind(status.as_str())
        .bind(finished.map(At))
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn set_progress(conn: &mut Conn, id: i64, chat: i64, message: i32) -> sqlx::Result<()> {
    sqlx::query("UPDATE broadcasts SET progress_chat = $1, progress_msg = $2 WHERE id = $3")
        .bind(chat)
        .bind(message)
        .bind(id)
        .execute(conn)
        .await?;
    Ok(())
}

/// How broadcast `id`'s messages stand.
pub async fn figures(conn: &mut Conn, id: i64) -> sqlx::Result<Figures> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM outbox WHERE broadcast_id = $1 GROUP BY status",
    )
    .bind(id)
    .fetch_all(conn)
    .await?;
    let mut f = Figures::default();
    for (status, n) in rows {
        f.recipients += n;
        match crate::outbox::Status::parse(&status) {
            Some(crate::outbox::Status::Sent) => f.sent += n,
            Some(crate::outbox::Status::Unreachable) => f.unreachable += n,
            Some(crate::outbox::Status::Failed) => f.failed += n,
            Some(crate::outbox::Status::Unknown) => f.unknown += n,
            Some(crate::outbox::Status::Dropped) => f.dropped += n,
            Some(crate::outbox::Status::Pending | crate::outbox::Status::Sending) | None => {
                f.pending += n
            }
        }
    }
    Ok(f)
}

/// Drops broadcast `id`'s messages not sent yet; returns how many.
pub async fn drop_pending(conn: &mut Conn, id: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = 'dropped', error = 'cancelled', done_at = $1
         WHERE broadcast_id = $2 AND status = 'pending'",
    )
    .bind(At::now())
    .bind(id)
    .execute(conn)
    .await?
    .rows_affected())
}

/// A person's notification settings: (announcements on, nearby alerts on).
pub async fn settings(conn: &mut Conn, user: UserId) -> sqlx::Result<(bool, bool)> {
    let row: Option<(Flag, Flag)> = sqlx::query_as(
        "SELECT announcements, nearby FROM notification_settings WHERE user_id = $1",
    )
    .bind(user.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.map_or((true, false), |(a, n)| (a.0, n.0)))
}

/// Sets a person's settings; turning nearby alerts off forgets their kept area.
pub async fn set_settings(
    conn: &mut Conn,
    user: UserId,
    announcements: bool,
    nearby: bool,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO notification_settings (user_id, announcements, nearby) VALUES ($1, $2, $3)
         ON CONFLICT (user_id) DO UPDATE SET announcements = $2, nearby = $3,
             last_lat = CASE WHEN $3 = 1 THEN notification_settings.last_lat END,
             last_lng = CASE WHEN $3 = 1 THEN notification_settings.last_lng END,
             last_at = CASE WHEN $3 = 1 THEN notification_settings.last_at END",
    )
    .bind(user.0)
    .bind(Flag(announcements))
    .bind(Flag(nearby))
    .execute(conn)
    .await?;
    Ok(())
}

/// Keeps the area of `user`'s shared location, if they turned nearby alerts on.
pub async fn remember_area(
    conn: &mut Conn,
    user: UserId,
    lat: f64,
    lng: f64,
    at: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE notification_settings SET last_lat = $1, last_lng = $2, last_at = $3
         WHERE user_id = $4 AND nearby = 1",
    )
    .bind(lat)
    .bind(lng)
    .bind(At(at))
    .bind(user.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets kept areas shared before `before` (they no longer place anyone near anything).
pub async fn forget_areas(conn: &mut Conn, before: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE notification_settings SET last_lat = NULL, last_lng = NULL, last_at = NULL
         WHERE last_at IS NOT NULL AND last_at < $1",
    )
    .bind(At(before))
    .execute(conn)
    .await?
    .rows_affected())
}
