//! What the bot holds about a person, kind by kind, and the part of erasure the `users` table
//! and the audit trail own. Each capability says what it holds (and lets go of it) through its
//! registration; this module has the shared words for it and the profile itself.
//!
//! Erasure moves what must stay as a record (ledger amounts, street-problem reports, past
//! attendance, the audit trail) to an anonymous id: a new `users` row with a negative id, never
//! a Telegram id, marked deleted. Totals still add up, nothing links them to the person (keys
//! that named the person are rewritten, and neither row carries the erasure's exact time), and
//! the person's own row keeps only their id, language and when they first wrote, so they can
//! register again and start clean.

use crate::db::At;
use crate::db::Conn;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

use super::UserId;

/// One kind of data held about a person and how many records of it. `kind` is the translation
/// key of its name in `/privacy`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Held {
    pub kind: &'static str,
    pub count: i64,
}

/// What erasure did with one kind: `key` is the translation key of the sentence telling the
/// person (it gets `$n`); nothing is said when `count` is 0.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Done {
    pub key: &'static str,
    pub count: i64,
}

/// One erasure: whose data, the anonymous id what stays as a record moves to, and when.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Erasure {
    pub rider: UserId,
    pub anon: UserId,
    pub now: DateTime<Utc>,
}

/// Starts an erasure of `rider` if they are registered (read in the caller's write
/// transaction, so `/deletemydata` pressed twice erases once): creates their anonymous id.
pub async fn begin(
    conn: &mut Conn,
    rider: UserId,
    now: DateTime<Utc>,
) -> Result<Option<Erasure>, sqlx::Error> {
    let registered: Option<i64> =
        sqlx::query_scalar("SELECT 1 FROM users WHERE id = $1 AND status = 'registered'")
            .bind(rider.0)
            .fetch_optional(&mut *conn)
            .await?;
    if registered.is_none() {
        return Ok(None);
    }
    // Neither row carries the erasure's exact time: the two could be matched by it.
    let day = day_of(now);
    let anon: i64 =
        sqlx::query_scalar("SELECT CASE WHEN MIN(id) < 0 THEN MIN(id) ELSE 0 END - 1 FROM users")
            .fetch_one(&mut *conn)
            .await?;
    sqlx::query(
        "INSERT INTO users (id, status, role, created_at, updated_at, deleted_at)
         VALUES ($1, 'deleted', 'rider', $2, $3, $4)",
    )
    .bind(anon)
    .bind(At(day))
    .bind(At(day))
    .bind(At(day))
    .execute(&mut *conn)
    .await?;
    Ok(Some(Erasure {
        rider,
        anon: UserId(anon),
        now,
    }))
}

/// Midnight (UTC) of `at`'s day: the time an erasure leaves on the rows it touches.
fn day_of(at: DateTime<Utc>) -> DateTime<Utc> {
    at.date_naive()
        .and_hms_opt(0, 0, 0)
        .map_or(at, |t| t.and_utc())
}

/// Ends an erasure: the audit trail about the person (what coordinators did to their account,
/// points or sign-ups) moves to the anonymous id, with a line saying an erasure happened, and
/// their row keeps only id and language. What a coordinator did to others stays theirs: staff
/// actions stay accountable, and a coordinator keeps their role (it comes from configuration);
/// anyone else goes back to plain rider.
pub async fn finish(conn: &mut Conn, e: Erasure) -> Result<Vec<Done>, sqlx::Error> {
    let audit = sqlx::query("UPDATE audit_log SET target_id = $1 WHERE target_id = $2")
        .bind(e.anon.0)
        .bind(e.rider.0)
        .execute(&mut *conn)
        .await?
        .rows_affected();
    // Messages to the person: what was sent stays counted (a broadcast's figures), under the
    // anonymous id; what was not sent yet is not sent.
    sqlx::query(
        "UPDATE outbox SET chat_id = $1, dedup_key = NULL,
                status = CASE status WHEN 'pending' THEN 'dropped' ELSE status END
         WHERE chat_id = $2",
    )
    .bind(e.anon.0)
    .bind(e.rider.0)
    .execute(&mut *conn)
    .await?;
    crate::audit::record(
        conn,
        crate::audit::Actor::User(e.anon),
        "data_erased",
        Some(e.anon),
        None,
    )
    .await?;
    sqlx::query(
        "UPDATE users SET status = 'deleted', name = NULL, phone = NULL, platform = NULL,
                username = NULL, pending_payload = NULL, consent_version = NULL, consent_at = NULL,
                registered_at = NULL,
                role = CASE role WHEN 'coordinator' THEN role ELSE 'rider' END,
                deleted_at = NULL, updated_at = $1
         WHERE id = $2",
    )
    .bind(At(day_of(e.now)))
    .bind(e.rider.0)
    .execute(conn)
    .await?;
    Ok(vec![
        Done {
            key: "erased-profile",
            count: 1,
        },
        Done {
            key: "erased-audit",
            count: audit as i64,
        },
    ])
}

#[derive(sqlx::FromRow)]
struct ProfileRow {
    status: String,
    lang: String,
    role: String,
    name: Option<String>,
    platform: Option<String>,
    phone: Option<String>,
    username: Option<String>,
    consent_version: Option<i64>,
    consent_at: Option<At>,
    registered_at: Option<At>,
    created_at: At,
}

async fn profile_row(conn: &mut Conn, id: UserId) -> Result<Option<ProfileRow>, sqlx::Error> {
    sqlx::query_as(
        "SELECT status, lang, role, name, platform, phone, username, consent_version, consent_at,
                registered_at, created_at FROM users WHERE id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await
}

async fn audit_count(conn: &mut Conn, id: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE target_id = $1")
        .bind(id.0)
        .fetch_one(conn)
        .await
}

/// The profile and the audit trail, as counted in `/privacy`.
pub async fn held(conn: &mut Conn, id: UserId) -> Result<Vec<Held>, sqlx::Error> {
    let registered = profile_row(conn, id)
        .await?
        .is_some_and(|p| p.status == "registered");
    Ok(vec![
        Held {
            kind: "held-profile",
            count: i64::from(registered),
        },
        Held {
            kind: "held-audit",
            count: audit_count(conn, id).await?,
        },
    ])
}

/// action, actor, target, detail, at.
type AuditRow = (String, Option<i64>, Option<i64>, Option<String>, String);

/// The profile and the audit trail about `id`, for `/mydata`.
pub async fn export(conn: &mut Conn, id: UserId) -> Result<Value, sqlx::Error> {
    let profile = profile_row(conn, id).await?.map(|p| {
        json!({
            "telegram_user_id": id.0,
            "status": p.status,
            "role": p.role,
            "language": p.lang,
            "name": p.name,
            "platform": p.platform,
            "phone": p.phone,
            "telegram_username": p.username,
            "privacy_notice_version_accepted": p.consent_version,
            "privacy_notice_accepted_at": p.consent_at,
            "registered_at": p.registered_at,
            "first_contact_at": p.created_at,
        })
    });
    let audit: Vec<AuditRow> = sqlx::query_as(
        "SELECT action, actor_id, target_id, detail, at FROM audit_log
         WHERE target_id = $1 OR actor_id = $1 ORDER BY id",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    let audit: Vec<Value> = audit
        .into_iter()
        .map(|(action, actor, target, detail, at)| {
            json!({
                "action": action,
                "by_you": actor == Some(id.0),
                "about_you": target == Some(id.0),
                "detail": detail,
                "at": at,
            })
        })
        .collect();
    Ok(json!({ "profile": profile, "audit_trail_about_you": audit }))
}
