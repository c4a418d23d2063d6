//! Idempotency: each update_id is claimed once before it is handled, so an update that Telegram
//! delivers again (after a crash, or a network hiccup during getUpdates) has no second effect.
//! Only the id and time are kept.
//!
//! Claims are written by one task with group commit: whatever claims are waiting when it wakes
//! go into one multi-row `INSERT … ON CONFLICT DO NOTHING RETURNING`, and each claimer learns
//! whether its id was new. Under light load a batch is a single id, so nobody waits on a timer;
//! under a burst, many updates share one statement and SQLite's write lock is taken once, not
//! contended for by every worker.

use crate::db::At;
use std::collections::HashSet;

use crate::db::Pool;
use tokio::sync::{mpsc, oneshot};

/// The most claims written by one statement (two bound values each, far below SQLite's limit).
const MAX_BATCH: usize = 256;

type Reply = oneshot::Sender<Result<bool, String>>;

#[derive(Debug, thiserror::Error)]
#[error("could not record update id: {0}")]
pub struct ClaimError(String);

/// A handle to the claim writer; cheap to clone. The writer stops when every handle is dropped.
#[derive(Clone)]
pub struct Claims {
    tx: mpsc::Sender<(u32, Reply)>,
}

impl Claims {
    /// Starts the writer on `pool`. Needs a running Tokio runtime.
    pub fn spawn(pool: Pool) -> Claims {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(pool, rx));
        Claims { tx }
    }

    /// Claims `update_id`; false when it was handled before.
    pub async fn claim(&self, update_id: u32) -> Result<bool, ClaimError> {
        let (reply, answer) = oneshot::channel();
        self.tx
            .send((update_id, reply))
            .await
            .map_err(|_| ClaimError("the claim writer has stopped".into()))?;
        answer
            .await
            .map_err(|_| ClaimError("the claim writer has stopped".into()))?
            .map_err(ClaimError)
    }
}

async fn writer(pool: Pool, mut rx: mpsc::Receiver<(u32, Reply)>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        let ids: Vec<u32> = batch.iter().map(|(id, _)| *id).collect();
        match insert(&pool, &ids).await {
            Ok(new) => {
                // The same id twice in one batch: only its first claimer handles it.
                let mut granted = HashSet::new();
                for (id, reply) in batch.drain(..) {
                    let _ = reply.send(Ok(new.contains(&id) && granted.insert(id)));
                }
            }
            Err(err) => {
                let why = err.to_string();
                for (_, reply) in batch.drain(..) {
                    let _ = reply.send(Err(why.clone()));
                }
            }
        }
    }
}

/// Inserts `ids`, returning those that were not there before.
async fn insert(pool: &Pool, ids: &[u32]) -> Result<HashSet<u32>, sqlx::Error> {
    let now = crate::db::now();
    let mut sql = String::from("INSERT INTO processed_updates (update_id, handled_at) VALUES ");
    for i in 0..ids.len() {
        let sep = if i == 0 { "" } else { ", " };
        sql.push_str(&format!("{sep}(${}, ${})", 2 * i + 1, 2 * i + 2));
    }
    sql.push_str(" ON CONFLICT DO NOTHING RETURNING update_id");
    let mut query = sqlx::query_scalar::<_, i64>(&sql);
    for id in ids {
        query = query.bind(i64::from(*id)).bind(At(now));
    }
    let new = query.fetch_all(pool).await?;
    Ok(new.into_iter().map(|id| id as u32).collect())
}

/// Forgets ids older than `days` (Telegram re-delivers for at most 24 hours).
pub async fn prune(pool: &Pool, days: i64) -> Result<u64, sqlx::Error> {
    let cutoff = crate::db::now() - chrono::Duration::days(days);
    let done = sqlx::query("DELETE FROM processed_updates WHERE handled_at < $1")
        .bind(At(cutoff))
        .execute(pool)
        .await?;
    Ok(done.rows_affected())
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn pool() -> (crate::db::testing::Scratch, Pool) {
        crate::db::testing::scratch().await
    }

    #[tokio::test]
    async fn an_id_is_granted_once_even_when_claimed_concurrently() {
        let (_dir, pool) = pool().await;
        let claims = Claims::spawn(pool.clone());
        let mut tasks = Vec::new();
        // 50 distinct ids, each claimed 4 times at once.
        for round in 0..4 {
            for id in 0..50u32 {
                let claims = claims.clone();
                tasks.push(tokio::spawn(async move {
                    (id, round, claims.claim(1000 + id).await.unwrap())
                }));
            }
        }
        let mut granted = std::collections::HashMap::new();
        for t in tasks {
            let (id, _, ok) = t.await.unwrap();
            if ok {
                *granted.entry(id).or_insert(0) += 1;
            }
        }
        assert_eq!(granted.len(), 50);
        assert!(granted.values().all(|&n| n == 1), "{granted:?}");
        let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processed_updates")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(rows, 50);
        // A later claim of a handled id is refused.
        assert!(!claims.claim(1000).await.unwrap());
        assert!(claims.claim(5000).await.unwrap());
    }

    #[tokio::test]
    async fn old_ids_are_pruned() {
        let (_dir, pool) = pool().await;
        sqlx::query(
            "INSERT INTO processed_updates (update_id, handled_at) VALUES (1, $1), (2, $2)",
        )
        .bind(At(chrono::Utc::now() - chrono::Duration::days(8)))
        .bind(At(chrono::Utc::now()))
        .execute(&pool)
        .await
        .unwrap();
        assert_eq!(prune(&pool, 7).await.unwrap(), 1);
    }
}
