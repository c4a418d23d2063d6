//! Secrets the bot makes for itself and keeps in the database (the `secrets` table), for what
//! a district should not have to configure: the key that signs check-in codes when
//! `CHECKIN_SECRET` is not set. A secret is made once, in the write transaction that finds it
//! absent, so two processes starting together agree on one value, and it survives restarts
//! (and backups). Secrets are never logged.

use crate::db::At;
use crate::db::Pool;
use chrono::{DateTime, Utc};

/// The secret called `name`, made with `fresh` and stored first if there is none.
pub async fn get_or_create(
    pool: &Pool,
    name: &str,
    fresh: impl FnOnce() -> String,
    now: DateTime<Utc>,
) -> Result<String, sqlx::Error> {
    let mut tx = crate::db::begin_write(pool).await?;
    let existing: Option<String> = sqlx::query_scalar("SELECT value FROM secrets WHERE name = $1")
        .bind(name)
        .fetch_optional(&mut *tx)
        .await?;
    let value = match existing {
        Some(value) => value,
        None => {
            let value = fresh();
            sqlx::query("INSERT INTO secrets (name, value, created_at) VALUES ($1, $2, $3)")
                .bind(name)
                .bind(&value)
                .bind(At(now))
                .execute(&mut *tx)
                .await?;
            tracing::info!(secret = name, "made a new secret");
            value
        }
    };
    tx.commit().await?;
    Ok(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_secret_is_made_once_and_kept() {
        let (_dir, pool) = crate::db::testing::scratch().await;
        let now = Utc::now();
        let (a, b) = tokio::join!(
            get_or_create(&pool, "k", || "first".into(), now),
            get_or_create(&pool, "k", || "second".into(), now)
        );
        let (a, b) = (a.unwrap(), b.unwrap());
        assert_eq!(a, b, "two starts agree");
        let again = get_or_create(&pool, "k", || "third".into(), now)
            .await
            .unwrap();
        assert_eq!(again, a);
        let other = get_or_create(&pool, "other", || "x".into(), now)
            .await
            .unwrap();
        assert_eq!(other, "x");
    }
}
