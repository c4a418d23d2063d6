//! What feedback holds about a rider (their items, with what they wrote or sent, and the
//! coordinators' answers to them) and erasure: each item stays as an anonymous figure (topic,
//! kind, times, status, rating) moved to the erasure's anonymous id, so the district's counts
//! by topic still add up; the rider's words and file id go, the request key that named their
//! chat is rewritten, and the answers written to them are deleted.
//!
//! The copy of an item posted in the coordinators' group is cleared once the erasure has
//! committed (`telegram::group::redact`): a text is edited to say the rider erased their data;
//! a photo or voice note is deleted (or, where Telegram no longer allows that, its caption is
//! edited so).

use crate::db::Conn;
use crate::db::Flag;
use serde_json::{json, Value};

use crate::users::personal::{Done, Erasure, Held};
use crate::users::UserId;

async fn count(conn: &mut Conn, sql: &str, rider: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar(sql).bind(rider.0).fetch_one(conn).await
}

pub async fn held(conn: &mut Conn, rider: UserId) -> sqlx::Result<Vec<Held>> {
    Ok(vec![
        Held {
            kind: "held-feedback",
            count: count(
                conn,
                "SELECT COUNT(*) FROM feedback WHERE rider_id = $1",
                rider,
            )
            .await?,
        },
        Held {
            kind: "held-feedback-replies",
            count: count(
                conn,
                "SELECT COUNT(*) FROM feedback_replies r JOIN feedback f ON f.id = r.feedback_id
                 WHERE f.rider_id = $1",
                rider,
            )
            .await?,
        },
    ])
}

/// id, topic, kind, body, has a file, duration, status, rating, created, answered, closed, rated.
type ItemRow = (
    i64,
    String,
    String,
    Option<String>,
    Flag,
    Option<i64>,
    String,
    Option<i64>,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
);

pub async fn export(conn: &mut Conn, rider: UserId) -> sqlx::Result<Value> {
    let items: Vec<ItemRow> = sqlx::query_as(
        "SELECT id, topic, kind, body, file_id IS NOT NULL, duration_s, status, rating,
                created_at, answered_at, closed_at, rated_at
         FROM feedback WHERE rider_id = $1 ORDER BY id",
    )
    .bind(rider.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut out = Vec::with_capacity(items.len());
    for (id, topic, kind, body, file, duration, status, rating, at, answered, closed, rated) in
        items
    {
        let replies: Vec<(String, String)> = sqlx::query_as(
            "SELECT body, created_at FROM feedback_replies WHERE feedback_id = $1 ORDER BY id",
        )
        .bind(id)
        .fetch_all(&mut *conn)
        .await?;
        out.push(json!({
            "number": crate::feedback::FeedbackId(id).to_string(),
            "topic": topic,
            "kind": kind,
            "your_words": body,
            "photo_or_voice_note_kept_on_telegram": file.0,
            "voice_note_seconds": duration,
            "status": status,
            "your_rating": rating,
            "sent_at": at,
            "first_answered_at": answered,
            "closed_at": closed,
            "rated_at": rated,
            "answers": replies.into_iter().map(|(body, at)| json!({
                "answer": body, "at": at,
            })).collect::<Vec<_>>(),
        }));
    }
    Ok(Value::Array(out))
}

/// The rider's items posted in the group: id, chat, message, kind (read before erasing, so
/// the group's copies can be cleared once the erasure has committed).
pub async fn posted(conn: &mut Conn, rider: UserId) -> sqlx::Result<Vec<(i64, i64, i32, String)>> {
    sqlx::query_as(
        "SELECT id, group_chat_id, group_msg_id, kind FROM feedback
         WHERE rider_id = $1 AND group_msg_id IS NOT NULL ORDER BY id",
    )
    .bind(rider.0)
    .fetch_all(conn)
    .await
}

pub async fn erase(conn: &mut Conn, e: Erasure) -> sqlx::Result<Vec<Done>> {
    let replies = sqlx::query(
        "DELETE FROM feedback_replies
         WHERE feedback_id IN (SELECT id FROM feedback WHERE rider_id = $1)",
    )
    .bind(e.rider.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    let items = sqlx::query(
        "UPDATE feedback SET rider_id = $1, body = NULL, file_id = NULL,
                request_key = 'erased:' || id
         WHERE rider_id = $2",
    )
    .bind(e.anon.0)
    .bind(e.rider.0)
    .execute(conn)
    .await?
    .rows_affected();
    Ok(vec![
        Done {
            key: "erased-feedback",
            count: items as i64,
        },
        Done {
            key: "erased-feedback-replies",
            count: replies as i64,
        },
    ])
}
