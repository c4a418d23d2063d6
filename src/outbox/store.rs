//! The outbox's SQL: enqueue inside the caller's transaction, take the rows due, record each
//! outcome.

use crate::db::At;
use crate::db::Conn;
use chrono::{DateTime, Utc};

use super::{Notice, Row, Status};

/// Enqueues `n` in the caller's (write) transaction; `None` when its dedup key was used before.
pub async fn enqueue(conn: &mut Conn, n: &Notice) -> sqlx::Result<Option<i64>> {
    enqueue_at(conn, n, crate::db::now()).await
}

/// As [`enqueue`], not to be sent before `at`.
pub async fn enqueue_at(
    conn: &mut Conn,
    n: &Notice,
    at: DateTime<Utc>,
) -> sqlx::Result<Option<i64>> {
    sqlx::query_scalar(
        "INSERT INTO outbox (chat_id, kind, payload, priority, not_before, dedup_key, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedup_key) DO NOTHING RETURNING id",
    )
    .bind(n.chat)
    .bind(n.kind)
    .bind(n.payload.to_string())
    .bind(n.priority.as_i64())
    .bind(At(at))
    .bind(&n.dedup_key)
    .bind(At::now())
    .fetch_optional(conn)
    .await
}

type RowTuple = (i64, i64, String, String, i64, i64, At);

/// Pending rows whose time has come, a rider's own before bulk, oldest first.
pub async fn due(conn: &mut Conn, now: DateTime<Utc>, limit: i64) -> sqlx::Result<Vec<Row>> {
    let rows: Vec<RowTuple> = sqlx::query_as(
        "SELECT id, chat_id, kind, payload, priority, attempts, created_at FROM outbox
         WHERE status = 'pending' AND not_before <= $1 ORDER BY priority, id LIMIT $2",
    )
    .bind(At(now))
    .bind(limit)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(
            |(id, chat, kind, payload, priority, attempts, created_at)| Row {
                id,
                chat,
                payload: serde_json::from_str(&payload).unwrap_or(serde_json::Value::Null),
                kind,
                priority,
                attempts,
                created_at: created_at.0,
            },
        )
        .collect())
}

/// Who takes a row, and the private-chat gap to keep: no two messages into one private chat
/// taken within `gap` of each other, by whichever instance.
pub struct Taker<'a> {
    pub instance: &'a str,
    pub now: DateTime<Utc>,
    pub gap: std::time::Duration,
}

/// Takes a pending row for sending (false when it may not go now). Committed before the
/// message leaves, so a crash while Telegram has it leaves it `sending`, never `pending`.
///
/// Several instances may send from one outbox: a row is taken by one of them only (the
/// status changes once); only while no other row of its chat is being sent (a partial unique
/// index holds that even where writers do not queue: a second take fails and counts as not
/// taken) and no earlier row of the chat is waiting out a 429 or a backoff (a chat's messages
/// keep their order); and, in a private chat, not within `gap` of the chat's last take nor of
/// its last answer. The answer counts because a send reaches Telegram some time after its
/// take (a query or two, a busy connection): two takes a `gap` apart could still arrive
/// closer. The next take after an answer arrives at Telegram after it, so a `gap` after the
/// answer is a `gap` after the previous message arrived, whoever sent either.
pub async fn take(conn: &mut Conn, row: &Row, by: &Taker<'_>) -> sqlx::Result<bool> {
    let gap = chrono::Duration::from_std(by.gap).unwrap_or(chrono::Duration::zero());
    let done = sqlx::query(
        "UPDATE outbox SET status = 'sending', attempts = attempts + 1, taken_by = $1, taken_at = $2
         WHERE id = $3 AND status = 'pending'
           AND NOT EXISTS (SELECT 1 FROM outbox o WHERE o.chat_id = $4 AND o.status = 'sending')
           AND NOT EXISTS (SELECT 1 FROM outbox o
                           WHERE o.chat_id = $4 AND o.status = 'pending' AND o.id < $3
                             AND o.error IS NOT NULL)
           AND ($4 < 0 OR NOT EXISTS (SELECT 1 FROM outbox o
                                      WHERE o.chat_id = $4 AND o.id <> $3
                                        AND (o.taken_at > $5 OR o.done_at > $5)))",
    )
    .bind(by.instance)
    .bind(At(by.now))
    .bind(row.id)
    .bind(row.chat)
    .bind(At(by.now - gap))
    .execute(conn)
    .await;
    match done {
        Ok(done) => Ok(done.rows_affected() == 1),
        // Another writer took a row of this chat at the same moment.
        Err(sqlx::Error::Database(e)) if e.is_unique_violation() => Ok(false),
        Err(e) => Err(e),
    }
}

/// Records how a taken row ended.
pub async fn finish(
    conn: &mut Conn,
    id: i64,
    status: Status,
    message_id: Option<i32>,
    error: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = $1, message_id = $2, error = $3, done_at = $4 WHERE id = $5",
    )
    .bind(status.as_str())
    .bind(message_id)
    .bind(error)
    .bind(At::now())
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// Puts a taken row back, to be tried again at `at` (a 429, a transient error).
/// `retry_attempt`: whether this try counts towards the limit (a 429 does not).
pub async fn retry(
    conn: &mut Conn,
    id: i64,
    at: DateTime<Utc>,
    counts: bool,
    error: &str,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE outbox SET status = 'pending', not_before = $1, error = $2,
                attempts = attempts - CASE WHEN $3 THEN 0 ELSE 1 END
         WHERE id = $4",
    )
    .bind(At(at))
    .bind(error)
    .bind(counts)
    .bind(id)
    .execute(conn)
    .await?;
    Ok(())
}

/// After a crash: rows left `sending` by an instance no longer alive (not heard from since
/// `alive_since`, or gone) had left for Telegram with no answer recorded. They are not sent
/// again (Telegram has no idempotency key); they are counted as `unknown`. Rows a live
/// instance is sending are left to it.
pub async fn recover(
    conn: &mut Conn,
    now: DateTime<Utc>,
    alive_since: DateTime<Utc>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = 'unknown', done_at = $1, error = 'interrupted while sending'
         WHERE status = 'sending'
           AND (taken_by IS NULL
                OR taken_by NOT IN (SELECT id FROM instances WHERE seen_at >= $2))",
    )
    .bind(At(now))
    .bind(At(alive_since))
    .execute(conn)
    .await?
    .rows_affected())
}

/// This instance's own rows left `sending` with no send in flight (`in_flight`: the rows it
/// is sending now): a send that panicked, or whose outcome the database would not take. They
/// are counted `unknown` like a crash's, and their chats move on.
pub async fn recover_own(
    conn: &mut Conn,
    me: &str,
    in_flight: &std::collections::HashSet<i64>,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    let mine: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM outbox WHERE status = 'sending' AND taken_by = $1")
            .bind(me)
            .fetch_all(&mut *conn)
            .await?;
    let mut n = 0;
    for id in mine.into_iter().filter(|id| !in_flight.contains(id)) {
        n += sqlx::query(
            "UPDATE outbox SET status = 'unknown', done_at = $1, error = 'lost while sending'
             WHERE id = $2 AND status = 'sending'",
        )
        .bind(crate::db::At(now))
        .bind(id)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    }
    Ok(n)
}

/// Marks every pending row to `chat` unreachable (the recipient blocked the bot).
pub async fn unreachable(conn: &mut Conn, chat: i64) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "UPDATE outbox SET status = 'unreachable', done_at = $1, error = 'blocked'
         WHERE chat_id = $2 AND status = 'pending'",
    )
    .bind(At::now())
    .bind(chat)
    .execute(conn)
    .await?
    .rows_affected())
}

/// Forgets rows that ended before `before`, except a broadcast's (they are its figures).
pub async fn prune(conn: &mut Conn, before: DateTime<Utc>) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM outbox WHERE done_at IS NOT NULL AND done_at < $1 AND broadcast_id IS NULL",
    )
    .bind(At(before))
    .execute(conn)
    .await?
    .rows_affected())
}

/// How many rows stand in each status (for the doctor and tests).
pub async fn counts(conn: &mut Conn) -> sqlx::Result<Vec<(String, i64)>> {
    sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status ORDER BY status")
        .fetch_all(conn)
        .await
}

/// Puts in the outbox again, for `chat`, the `kind` messages that never arrived: one per id
/// `missing` selects (a constant query of the caller's table, e.g. the reports with no card in
/// the group yet), each with the payload `{key: id}`, unless a row for it is on its way or
/// done (pending, being sent, interrupted, sent), was refused within the hour, or was tried 50
/// times; at most 50 a call, oldest first. Returns how many. The sweeps that re-post report
/// cards and feedback items share it.
pub async fn requeue_missing(
    conn: &mut Conn,
    chat: i64,
    (kind, key): (&str, &str),
    missing: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<u64> {
    // The same expression as the `outbox_card` index's, so the index serves the lookup.
    let of_id = format!("CAST(json_extract(o.payload, '$.{key}') AS BIGINT) = m.id");
    let sql = format!(
        "INSERT INTO outbox (chat_id, kind, payload, priority, not_before, created_at)
         SELECT $1, $2, '{{\"{key}\":' || json_quote(m.id) || '}}', 0, $3, $3 FROM ({missing}) m
         WHERE NOT EXISTS (
             SELECT 1 FROM outbox o WHERE o.kind = $2 AND {of_id}
               AND (o.status IN ('pending', 'sending', 'unknown', 'sent')
                    OR (o.status = 'failed' AND o.created_at > $4)))
           AND (SELECT COUNT(*) FROM outbox o WHERE o.kind = $2 AND {of_id}) < 50
         ORDER BY m.id LIMIT 50"
    );
    Ok(sqlx::query(&sql)
        .bind(chat)
        .bind(kind)
        .bind(At(now))
        .bind(At(now - chrono::Duration::hours(1)))
        .execute(conn)
        .await?
        .rows_affected())
}
