//! SQL for onboarding: consent, registration, deep-link payloads kept through onboarding, and
//! the profile `/privacy` shows. Erasure is `users::personal` with every capability's part.

use crate::db::At;
use crate::db::{Conn, Pool};
use chrono::{DateTime, Utc};

use super::domain::{Phone, Platform, RiderName, PRIVACY_VERSION};
use crate::users::{self, UserId};

#[derive(Debug, thiserror::Error)]
pub enum RegisterError {
    #[error("the privacy notice has not been accepted")]
    NoConsent,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Records acceptance of the current privacy notice. A user who erased their data starts over.
pub async fn record_consent(pool: &Pool, id: UserId) -> Result<(), sqlx::Error> {
    let now = crate::db::now();
    sqlx::query(
        "UPDATE users SET consent_version = $1, consent_at = $2, updated_at = $3,
                status = CASE status WHEN 'deleted' THEN 'new' ELSE status END,
                deleted_at = NULL
         WHERE id = $4",
    )
    .bind(PRIVACY_VERSION)
    .bind(At(now))
    .bind(At(now))
    .bind(id.0)
    .execute(pool)
    .await?;
    Ok(())
}

/// Completes registration. Refused unless the current privacy notice was accepted.
pub async fn register(
    conn: &mut Conn,
    id: UserId,
    name: &RiderName,
    platform: &Platform,
    phone: &Phone,
    username: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), RegisterError> {
    let done = sqlx::query(
        "UPDATE users SET status = 'registered', name = $1, platform = $2, phone = $3,
                registered_at = COALESCE(registered_at, $4), updated_at = $5
         WHERE id = $6 AND consent_version = $7",
    )
    .bind(name.as_str())
    .bind(platform.code())
    .bind(phone.as_str())
    .bind(At(now))
    .bind(At(now))
    .bind(id.0)
    .bind(PRIVACY_VERSION)
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() != 1 {
        return Err(RegisterError::NoConsent);
    }
    users::store::assign_username(conn, id, username).await?;
    Ok(())
}

/// Keeps a deep-link payload that arrived before registration, to act on once registered.
pub async fn set_pending_payload(
    pool: &Pool,
    id: UserId,
    payload: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET pending_payload = $1 WHERE id = $2")
        .bind(payload)
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// Takes (reads and clears) the kept deep-link payload. Meant for a write transaction, so the
/// read and the clearing cannot be split by another handler.
pub async fn take_pending_payload(
    conn: &mut Conn,
    id: UserId,
) -> Result<Option<String>, sqlx::Error> {
    let payload: Option<String> =
        sqlx::query_scalar("SELECT pending_payload FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(&mut *conn)
            .await?
            .flatten();
    if payload.is_some() {
        sqlx::query("UPDATE users SET pending_payload = NULL WHERE id = $1")
            .bind(id.0)
            .execute(conn)
            .await?;
    }
    Ok(payload)
}

/// What the store holds about a registered rider, for /privacy ("what we keep about you").
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Profile {
    pub name: Option<String>,
    pub platform: Option<String>,
    pub phone: Option<String>,
}

pub async fn profile(conn: &mut Conn, id: UserId) -> Result<Option<Profile>, sqlx::Error> {
    sqlx::query_as(
        "SELECT name, platform, phone FROM users WHERE id = $1 AND status = 'registered'",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await
}
