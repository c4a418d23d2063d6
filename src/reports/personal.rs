//! What reports hold about a rider and how erasure lets go of it: the reports and their photos
//! stay as records of street problems, moved to the erasure's anonymous id (cards then say
//! "former rider"); photos of a draft not filed are released (their files go once the erasure
//! has committed, see [`release_drafts`]).

use crate::db::At;
use crate::db::Conn;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use crate::users::personal::{Done, Erasure, Held};
use crate::users::UserId;

async fn count(conn: &mut Conn, sql: &str, rider: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar(sql).bind(rider.0).fetch_one(conn).await
}

pub async fn held(conn: &mut Conn, rider: UserId) -> sqlx::Result<Vec<Held>> {
    Ok(vec![
        Held {
            kind: "held-reports",
            count: count(
                conn,
                "SELECT COUNT(*) FROM reports WHERE reporter_id = $1",
                rider,
            )
            .await?,
        },
        Held {
            kind: "held-photos",
            count: count(
                conn,
                "SELECT COUNT(*) FROM report_photos p JOIN reports r ON r.id = p.report_id
                 WHERE r.reporter_id = $1 AND p.removed_at IS NULL",
                rider,
            )
            .await?,
        },
        Held {
            kind: "held-draft-photos",
            count: count(
                conn,
                "SELECT COUNT(*) FROM draft_photos WHERE rider_id = $1",
                rider,
            )
            .await?,
        },
    ])
}

type ReportRow = (
    i64,
    String,
    f64,
    f64,
    Option<String>,
    String,
    Option<String>,
    At,
    i64,
);

pub async fn export(conn: &mut Conn, rider: UserId) -> sqlx::Result<Value> {
    let rows: Vec<ReportRow> = sqlx::query_as(
        "SELECT r.id, r.category, r.lat, r.lng, r.note, r.status, r.reject_reason, r.created_at,
                (SELECT COUNT(*) FROM report_photos p
                 WHERE p.report_id = r.id AND p.removed_at IS NULL)
         FROM reports r WHERE r.reporter_id = $1 ORDER BY r.id",
    )
    .bind(rider.0)
    .fetch_all(conn)
    .await?;
    Ok(json!(rows
        .into_iter()
        .map(
            |(id, category, lat, lng, note, status, reason, at, photos)| json!({
                "report": format!("R-{id:06}"),
                "category": category,
                "latitude": lat,
                "longitude": lng,
                "description": note,
                "status": status,
                "reason_given": reason,
                "filed_at": at,
                "photos_kept": photos,
            })
        )
        .collect::<Vec<_>>()))
}

/// Moves `e.rider`'s reports (and their own steps in those reports' history) to the anonymous id
/// and releases their draft photos. Returns what was done and the draft files to remove once
/// the erasure has committed.
pub async fn erase(conn: &mut Conn, e: Erasure) -> sqlx::Result<(Vec<Done>, Vec<String>)> {
    // The Confirm button's key named the rider (`confirm:<id>:<message>`): it goes too.
    let kept = sqlx::query(
        "UPDATE reports SET reporter_id = $1, request_key = 'erased:' || id WHERE reporter_id = $2",
    )
    .bind(e.anon.0)
    .bind(e.rider.0)
    .execute(&mut *conn)
    .await?
    .rows_affected();
    // Their own steps (filing, withdrawing); a coordinator's triage of others' reports stays
    // theirs.
    sqlx::query(
        "UPDATE report_history SET actor_id = $1 WHERE actor_id = $2
         AND report_id IN (SELECT id FROM reports WHERE reporter_id = $1)",
    )
    .bind(e.anon.0)
    .bind(e.rider.0)
    .execute(&mut *conn)
    .await?;
    let drafts = release_drafts(conn, e.rider).await?;
    let done = vec![
        Done {
            key: "erased-reports-kept",
            count: kept as i64,
        },
        Done {
            key: "erased-draft-photos",
            count: drafts.len() as i64,
        },
    ];
    Ok((done, drafts))
}

/// Forgets the photos `rider`'s drafts stored, except `keep` (the draft in progress): returns
/// the paths no report and no other draft holds, whose files can go.
pub async fn release_drafts_except(
    conn: &mut Conn,
    rider: UserId,
    keep: &[String],
) -> sqlx::Result<Vec<String>> {
    let stored: Vec<String> =
        sqlx::query_scalar("SELECT path FROM draft_photos WHERE rider_id = $1")
            .bind(rider.0)
            .fetch_all(&mut *conn)
            .await?;
    let mut released = Vec::new();
    for path in stored.into_iter().filter(|p| !keep.contains(p)) {
        sqlx::query("DELETE FROM draft_photos WHERE rider_id = $1 AND path = $2")
            .bind(rider.0)
            .bind(&path)
            .execute(&mut *conn)
            .await?;
        released.push(path);
    }
    super::store::unheld(conn, released).await
}

/// Forgets every photo `rider`'s drafts stored; returns the files that can go.
pub async fn release_drafts(conn: &mut Conn, rider: UserId) -> sqlx::Result<Vec<String>> {
    release_drafts_except(conn, rider, &[]).await
}

/// Records a photo stored for `rider`'s draft.
pub async fn remember_draft_photo(
    conn: &mut Conn,
    rider: UserId,
    path: &str,
    now: DateTime<Utc>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO draft_photos (rider_id, path, stored_at) VALUES ($1, $2, $3)
         ON CONFLICT (rider_id, path) DO UPDATE SET stored_at = excluded.stored_at",
    )
    .bind(rider.0)
    .bind(path)
    .bind(At(now))
    .execute(conn)
    .await?;
    Ok(())
}

/// Forgets draft photos stored before `stored_before` by riders whose dialogue has been idle
/// since `idle_since` (or is gone): their drafts expired. The files go with the orphan sweep.
pub async fn forget_abandoned_drafts(
    conn: &mut Conn,
    stored_before: DateTime<Utc>,
    idle_since: DateTime<Utc>,
) -> sqlx::Result<u64> {
    Ok(sqlx::query(
        "DELETE FROM draft_photos WHERE stored_at < $1 AND rider_id NOT IN
             (SELECT chat_id FROM dialogues WHERE updated_at >= $2)",
    )
    .bind(At(stored_before))
    .bind(At(idle_since))
    .execute(conn)
    .await?
    .rows_affected())
}

#[cfg(test)]
mod tests {
    use chrono::Duration;

    use super::*;

    #[tokio::test]
    async fn abandoned_drafts_are_forgotten_and_live_ones_kept() {
        let (_dir, pool) = crate::db::testing::scratch().await;
        let now = Utc::now();
        let old = now - Duration::days(3);
        let mut conn = pool.acquire().await.unwrap();
        // Rider 1 walked away (no dialogue); rider 2 is still in a report; rider 3's photo is new.
        remember_draft_photo(&mut conn, UserId(1), "aa/1.jpg", old)
            .await
            .unwrap();
        remember_draft_photo(&mut conn, UserId(2), "aa/2.jpg", old)
            .await
            .unwrap();
        remember_draft_photo(&mut conn, UserId(3), "aa/3.jpg", now)
            .await
            .unwrap();
        sqlx::query("INSERT INTO dialogues (chat_id, state, updated_at) VALUES (2, '{}', $1)")
            .bind(At(now))
            .execute(&mut *conn)
            .await
            .unwrap();
        let gone =
            forget_abandoned_drafts(&mut conn, now - Duration::days(2), now - Duration::hours(1))
                .await
                .unwrap();
        assert_eq!(gone, 1);
        let left: Vec<String> = sqlx::query_scalar("SELECT path FROM draft_photos ORDER BY path")
            .fetch_all(&mut *conn)
            .await
            .unwrap();
        assert_eq!(left, ["aa/2.jpg", "aa/3.jpg"]);
        // A path another draft or a report holds is not "unheld".
        let free =
            crate::reports::store::unheld(&mut conn, vec!["aa/2.jpg".into(), "aa/9.jpg".into()])
                .await
                .unwrap();
        assert_eq!(free, ["aa/9.jpg"]);
    }
}
