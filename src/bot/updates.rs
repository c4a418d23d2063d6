//! Idempotency: each update_id is claimed once before it is handled, so an update that Telegram
//! delivers again (after a crash, or a network hiccup during getUpdates) has no second effect.
//! Only the id and time are kept.

use sqlx::SqlitePool;

/// Claims `update_id`; false when it was handled before.
pub async fn claim(pool: &SqlitePool, update_id: u32) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("INSERT INTO processed_updates (update_id, handled_at) VALUES (?, ?) ON CONFLICT DO NOTHING")
        .bind(i64::from(update_id))
        .bind(crate::db::now())
        .execute(pool)
        .await?;
    Ok(done.rows_affected() == 1)
}

/// Forgets ids older than `days` (Telegram re-delivers for at most 24 hours).
pub async fn prune(pool: &SqlitePool, days: i64) -> Result<u64, sqlx::Error> {
    let cutoff = crate::db::now() - chrono::Duration::days(days);
    let done = sqlx::query("DELETE FROM processed_updates WHERE handled_at < ?")
        .bind(cutoff)
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}
