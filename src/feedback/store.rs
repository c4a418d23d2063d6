//! The SQL of `feedback` and `feedback_replies`. Writes run inside the caller's transaction.

use crate::db::At;
use crate::db::Conn;
use chrono::{DateTime, Utc};

use super::{Body, FeedbackId, Item, Status, Topic};
use crate::users::UserId;

type ItemRow = (
    i64,
    i64,
    String,
    String,
    Option<String>,
    Option<String>,
    Option<i64>,
    String,
    Option<i64>,
    Option<i32>,
    Option<i64>,
    At,
);

const COLUMNS: &str = "id, rider_id, topic, kind, body, file_id, duration_s, status,
                       group_chat_id, group_msg_id, rating, created_at";

fn decode(r: ItemRow) -> Option<Item> {
    let (id, rider, topic, kind, body, file_id, duration_s, status, chat, msg, rating, at) = r;
    Some(Item {
        id: FeedbackId(id),
        rider: UserId(rider),
        topic: Topic::parse(&topic)?,
        kind,
        body,
        file_id,
        duration_s,
        status: Status::parse(&status)?,
        group: chat.zip(msg),
        rating,
        created_at: at.0,
    })
}

fn one(row: Option<ItemRow>, id: i64) -> Option<Item> {
    let row = row?;
    let item = decode(row);
    if item.is_none() {
        tracing::error!(table = "feedback", id, "a stored item no longer decodes");
    }
    item
}

/// Writes a new item; `None` when an item with `key` exists already (the same message twice).
pub async fn insert(
    conn: &mut Conn,
    rider: UserId,
    topic: Topic,
    body: &Body,
    key: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<FeedbackId>> {
    let (text, file_id, duration) = match body {
        Body::Text { text } => (Some(text.as_str()), None, None),
        Body::Photo { file_id, caption } => (
            caption.as_ref().map(|c| c.as_str()),
            Some(file_id.as_str()),
            None,
        ),
        Body::Voice {
            file_id,
            length,
            caption,
        } => (
            caption.as_ref().map(|c| c.as_str()),
            Some(file_id.as_str()),
            Some(i64::from(length.seconds())),
        ),
    };
    let id: Option<i64> = sqlx::query_scalar(
        "INSERT INTO feedback (rider_id, topic, kind, body, file_id, duration_s, request_key,
                               created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (request_key) DO NOTHING RETURNING id",
    )
    .bind(rider.0)
    .bind(topic.code())
    .bind(body.kind())
    .bind(text)
    .bind(file_id)
    .bind(duration)
    .bind(key)
    .bind(At(now))
    .fetch_optional(conn)
    .await?;
    Ok(id.map(FeedbackId))
}

/// The item a request key wrote.
pub async fn by_key(conn: &mut Conn, key: &str) -> sqlx::Result<Option<FeedbackId>> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM feedback WHERE request_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(id.map(FeedbackId))
}

pub async fn find(conn: &mut Conn, id: FeedbackId) -> sqlx::Result<Option<Item>> {
    let row: Option<ItemRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM feedback WHERE id = $1"))
            .bind(id.0)
            .fetch_optional(conn)
            .await?;
    Ok(one(row, id.0))
}

/// The item posted as message `msg` in `chat`.
pub async fn by_group_message(conn: &mut Conn, chat: i64, msg: i32) -> sqlx::Result<Option<Item>> {
    let row: Option<ItemRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM feedback WHERE group_chat_id = $1 AND group_msg_id = $2"
    ))
    .bind(chat)
    .bind(msg)
    .fetch_optional(conn)
    .await?;
    Ok(one(row, 0))
}

/// Records where the item was posted (once: a second post is not recorded over the first).
pub async fn set_group(conn: &mut Conn, id: FeedbackId, chat: i64, msg: i32) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE feedback SET group_chat_id = $1, group_msg_id = $2
         WHERE id = $3 AND group_msg_id IS NULL",
    )
    .bind(chat)
    .bind(msg)
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Writes a coordinator's reply; `None` when the message was recorded before.
pub async fn insert_reply(
    conn: &mut Conn,
    id: FeedbackId,
    author: UserId,
    body: &str,
    key: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO feedback_replies (feedback_id, author_id, body, request_key, created_at)
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT (request_key) DO NOTHING RETURNING id",
    )
    .bind(id.0)
    .bind(author.0)
    .bind(body)
    .bind(key)
    .bind(At(now))
    .fetch_optional(conn)
    .await
}

/// An open item becomes answered (the first answer's time kept); an answered or closed one
/// stays as it is.
pub async fn mark_answered(
    conn: &mut Conn,
    id: FeedbackId,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE feedback SET answered_at = COALESCE(answered_at, $1),
                status = CASE status WHEN 'open' THEN 'answered' ELSE status END
         WHERE id = $2",
    )
    .bind(At(now))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// A reply's item and words.
pub async fn reply(conn: &mut Conn, reply: i64) -> sqlx::Result<Option<(FeedbackId, String)>> {
    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT feedback_id, body FROM feedback_replies WHERE id = $1")
            .bind(reply)
            .fetch_optional(conn)
            .await?;
    Ok(row.map(|(id, body)| (FeedbackId(id), body)))
}

/// How many replies an item has.
pub async fn reply_count(conn: &mut Conn, id: FeedbackId) -> sqlx::Result<i64> {
    sqlx::query_scalar("SELECT COUNT(*) FROM feedback_replies WHERE feedback_id = $1")
        .bind(id.0)
        .fetch_one(conn)
        .await
}

/// Stores the rider's rating unless one was given before; whether it was stored.
pub async fn set_rating(
    conn: &mut Conn,
    id: FeedbackId,
    stars: i64,
    now: DateTime<Utc>,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE feedback SET rating = $1, rated_at = $2 WHERE id = $3 AND rating IS NULL",
    )
    .bind(stars)
    .bind(At(now))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Closes an item that is not closed; whether it was.
pub async fn close(conn: &mut Conn, id: FeedbackId, now: DateTime<Utc>) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE feedback SET status = 'closed', closed_at = $1 WHERE id = $2 AND status <> 'closed'",
    )
    .bind(At(now))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Items not closed, oldest first, at most `limit`, and how many there are in all.
pub async fn not_closed(conn: &mut Conn, limit: i64) -> sqlx::Result<(Vec<Item>, i64)> {
    let rows: Vec<ItemRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM feedback WHERE status IN ('open', 'answered') ORDER BY id LIMIT $1"
    ))
    .bind(limit)
    .fetch_all(&mut *conn)
    .await?;
    let total: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM feedback WHERE status IN ('open', 'answered')")
            .fetch_one(conn)
            .await?;
    Ok((crate::db::decoded("feedback", rows, decode), total))
}
