//! The gauges that need a query: the outbox's depth and broadcasts' progress (and the pool's
//! use, which needs none). [`sample`] runs every few seconds as the `ops.gauges` job.
//!
//! The queries are cheap and indexed (`outbox_pending`, `broadcasts_status`,
//! `outbox_broadcast`) and written for SQLite and PostgreSQL alike (`$1` placeholders; every
//! column read cast to `BIGINT`, so an `INTEGER` column decodes as `i64` on both).

use crate::db::At;
use crate::db::Pool;

use super::exporter::{
    self, BROADCAST_DONE, BROADCAST_PROGRESS, BROADCAST_RECIPIENTS, OUTBOX_DEPTH,
};

/// How long a finished broadcast keeps its gauges (at their final figures).
const FINISHED_SHOWN: chrono::Duration = chrono::Duration::minutes(10);

/// Sets every gauge once.
pub async fn sample(pool: &Pool) -> Result<(), sqlx::Error> {
    // First, so a database that fails the queries does not leave histograms growing.
    exporter::upkeep();
    exporter::pool(pool.size(), pool.num_idle());
    outbox_depth(pool).await?;
    broadcasts(pool, crate::db::now()).await?;
    Ok(())
}

/// Rows waiting, by priority (the partial index `outbox_pending` holds exactly them).
const DEPTH: &str = "SELECT CAST(priority AS BIGINT), COUNT(*) FROM outbox
  WHERE status = 'pending' GROUP BY priority";

/// Broadcasts being sent or finished since `$1`: recipients, and rows that have ended.
const PROGRESS: &str = "SELECT CAST(b.id AS BIGINT), CAST(b.recipients AS BIGINT),
        (SELECT COUNT(*) FROM outbox o
          WHERE o.broadcast_id = b.id AND o.status NOT IN ('pending', 'sending'))
   FROM broadcasts b
  WHERE b.status = 'sending' OR b.finished_at > $1";

async fn outbox_depth(pool: &Pool) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(DEPTH).fetch_all(pool).await?;
    let waiting = |p: i64| rows.iter().filter(|r| r.0 == p).map(|r| r.1).sum::<i64>();
    let (own, bulk) = (
        waiting(0),
        rows.iter().map(|r| r.1).sum::<i64>() - waiting(0),
    );
    metrics::gauge!(OUTBOX_DEPTH, "priority" => "own").set(own as f64);
    metrics::gauge!(OUTBOX_DEPTH, "priority" => "bulk").set(bulk as f64);
    Ok(())
}

/// Broadcasts being sent, and those finished in the last ten minutes (so their last figures
/// are seen).
async fn broadcasts(pool: &Pool, now: chrono::DateTime<chrono::Utc>) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(PROGRESS)
        .bind(At(now - FINISHED_SHOWN))
        .fetch_all(pool)
        .await?;
    for (id, recipients, done) in rows {
        let id = id.to_string();
        let progress = match recipients {
            0 => 1.0,
            n => (done as f64 / n as f64).min(1.0),
        };
        metrics::gauge!(BROADCAST_RECIPIENTS, "broadcast" => id.clone()).set(recipients as f64);
        metrics::gauge!(BROADCAST_DONE, "broadcast" => id.clone()).set(done as f64);
        metrics::gauge!(BROADCAST_PROGRESS, "broadcast" => id).set(progress);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ops::exporter::{render, sum};

    async fn pool() -> (crate::db::testing::Scratch, Pool) {
        crate::db::testing::scratch().await
    }

    async fn row(pool: &Pool, priority: i64, status: &str, broadcast: Option<i64>) {
        let now = crate::db::now();
        sqlx::query(
            "INSERT INTO outbox (chat_id, kind, payload, priority, status, not_before, created_at,
                                 broadcast_id)
             VALUES (7, 'test.kind', '{}', $1, $2, $3, $3, $4)",
        )
        .bind(priority)
        .bind(status)
        .bind(At(now))
        .bind(broadcast)
        .execute(pool)
        .await
        .unwrap();
    }

    async fn broadcast(pool: &Pool, key: &str, status: &str, recipients: i64) -> i64 {
        let now = crate::db::now();
        sqlx::query_scalar(
            "INSERT INTO broadcasts (author_id, request_key, audience, body, status, recipients,
                                     send_at, created_at)
             VALUES (900, $1, '{}', '{}', $2, $3, $4, $4) RETURNING id",
        )
        .bind(key)
        .bind(status)
        .bind(recipients)
        .bind(At(now))
        .fetch_one(pool)
        .await
        .unwrap()
    }

    #[tokio::test]
    async fn depth_by_priority_and_each_running_broadcasts_progress_are_sampled() {
        crate::ops::exporter::install();
        let (_dir, pool) = pool().await;
        let running = broadcast(&pool, "a", "sending", 4).await;
        let cancelled = broadcast(&pool, "b", "cancelled", 2).await;
        for status in ["sent", "unreachable", "failed", "pending"] {
            row(&pool, 1, status, Some(running)).await;
        }
        row(&pool, 1, "dropped", Some(cancelled)).await;
        row(&pool, 0, "pending", None).await;
        row(&pool, 0, "pending", None).await;
        row(&pool, 0, "sending", None).await;
        sample(&pool).await.unwrap();
        let text = render();
        let read = |name: &str, labels: &[(&str, &str)]| sum(&text, name, labels);
        assert_eq!(read(OUTBOX_DEPTH, &[("priority", "own")]), 2.0);
        assert_eq!(read(OUTBOX_DEPTH, &[("priority", "bulk")]), 1.0);
        let id = running.to_string();
        let of = [("broadcast", id.as_str())];
        assert_eq!(read(BROADCAST_RECIPIENTS, &of), 4.0);
        assert_eq!(read(BROADCAST_DONE, &of), 3.0);
        assert_eq!(read(BROADCAST_PROGRESS, &of), 0.75);
        let other = cancelled.to_string();
        assert_eq!(
            read(BROADCAST_RECIPIENTS, &[("broadcast", other.as_str())]),
            0.0
        );
    }

    #[tokio::test]
    async fn the_queries_use_their_indexes() {
        let (_dir, pool) = pool().await;
        if crate::db::Engine::of(&pool) != crate::db::Engine::Sqlite {
            return; // SQLite's planner: PostgreSQL's plans depend on its statistics.
        }
        for (sql, index) in [(DEPTH, "outbox_pending"), (PROGRESS, "outbox_broadcast")] {
            let plan: Vec<(i64, i64, i64, String)> =
                sqlx::query_as(&format!("EXPLAIN QUERY PLAN {sql}"))
                    .bind(At::now())
                    .fetch_all(&pool)
                    .await
                    .unwrap();
            let steps: Vec<&str> = plan.iter().map(|p| p.3.as_str()).collect();
            assert!(steps.iter().any(|s| s.contains(index)), "{sql}: {steps:?}");
            // The outbox is only read through an index (the broadcasts table is small).
            let whole_outbox = |s: &&str| s.starts_with("SCAN o") && !s.contains("INDEX");
            assert!(!steps.iter().any(whole_outbox), "{sql}: {steps:?}");
        }
    }
}
