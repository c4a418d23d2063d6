//! The SQL of instances and job leases. Times are the application's clock, compared as the
//! stored RFC 3339 text, like every other table.

use crate::db::At;
use chrono::{DateTime, Utc};

use super::InstanceId;
use crate::db::Pool;

fn ago(now: DateTime<Utc>, d: std::time::Duration) -> DateTime<Utc> {
    now - chrono::Duration::from_std(d).unwrap_or(chrono::Duration::MAX)
}

/// Records `me` as running (at start), or its heartbeat; renews the job leases it holds for
/// `lease`. Forgets instances silent for a day.
pub async fn beat(
    pool: &Pool,
    me: &InstanceId,
    now: DateTime<Utc>,
    lease: std::time::Duration,
) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(pool).await?;
    sqlx::query(
        "INSERT INTO instances (id, started_at, seen_at) VALUES ($1, $2, $2)
         ON CONFLICT (id) DO UPDATE SET seen_at = excluded.seen_at",
    )
    .bind(me.as_str())
    .bind(At(now))
    .execute(&mut *tx)
    .await?;
    sqlx::query("UPDATE job_leases SET lease_until = $1 WHERE holder = $2")
        .bind(At(now
            + chrono::Duration::from_std(lease)
                .unwrap_or(chrono::Duration::zero())))
        .bind(me.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM instances WHERE seen_at < $1")
        .bind(At(now - chrono::Duration::days(1)))
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// Removes `me` and gives up its leases (a clean stop): the jobs move on at once.
pub async fn leave(pool: &Pool, me: &InstanceId) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(pool).await?;
    sqlx::query("DELETE FROM job_leases WHERE holder = $1")
        .bind(me.as_str())
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM instances WHERE id = $1")
        .bind(me.as_str())
        .execute(&mut *tx)
        .await?;
    tx.commit().await
}

/// How many instances have been heard from within `dead_after` (at least the caller, once it
/// has beaten).
pub async fn live(
    pool: &Pool,
    now: DateTime<Utc>,
    dead_after: std::time::Duration,
) -> sqlx::Result<u32> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM instances WHERE seen_at >= $1")
        .bind(At(ago(now, dead_after)))
        .fetch_one(pool)
        .await?;
    Ok(u32::try_from(n).unwrap_or(u32::MAX))
}

/// Takes or keeps the lease on `job` for `me` until `now + lease`: true when `me` holds it.
/// Taken from another holder only once that holder's lease has run out.
pub async fn hold(
    pool: &Pool,
    job: &str,
    me: &InstanceId,
    now: DateTime<Utc>,
    lease: std::time::Duration,
) -> sqlx::Result<bool> {
    let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::zero());
    let mut tx = crate::db::begin_write(pool).await?;
    let holder: Option<String> = sqlx::query_scalar(
        "INSERT INTO job_leases (name, holder, lease_until) VALUES ($1, $2, $3)
         ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, lease_until = excluded.lease_until
         WHERE job_leases.holder = excluded.holder OR job_leases.lease_until < $4
         RETURNING holder",
    )
    .bind(job)
    .bind(me.as_str())
    .bind(At(until))
    .bind(At(now))
    .fetch_optional(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(holder.is_some())
}

/// Who holds `job`'s lease, and until when (for operators and tests).
pub async fn holder(pool: &Pool, job: &str) -> sqlx::Result<Option<(String, DateTime<Utc>)>> {
    let row: Option<(String, At)> =
        sqlx::query_as("SELECT holder, lease_until FROM job_leases WHERE name = $1")
            .bind(job)
            .fetch_optional(pool)
            .await?;
    Ok(row.map(|(holder, until)| (holder, until.0)))
}
