//! The gauges that need a query: the outbox's depth and broadcasts' progress (and the pool's
//! use, which needs none). [`sample`] runs every few seconds as the `ops.gauges` job.
//!
//! The queries are cheap and indexed (`outbox_pending`, `broadcasts_status`,
//! `outbox_broadcast`) and written for SQLite and PostgreSQL alike.

use sqlx::SqlitePool;

use super::exporter::{self, BROADCAST_DONE, BROADCAST_PROGRESS, BROADCAST_RECIPIENTS, OUTBOX_DEPTH};

/// How long a finished broadcast keeps its gauges (at their final figures).
const FINISHED_SHOWN: chrono::Duration = chrono::Duration::minutes(10);

/// Sets every gauge once.
pub async fn sample(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    exporter::pool(pool.size(), pool.num_idle());
    outbox_depth(pool).await?;
    broadcasts(pool, crate::db::now()).await?;
    exporter::upkeep();
    Ok(())
}

async fn outbox_depth(pool: &SqlitePool) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64)> = sqlx::query_as(
        "SELECT priority, COUNT(*) FROM outbox WHERE status = 'pending' GROUP BY priority",
    )
    .fetch_all(pool)
    .await?;
    let waiting = |p: i64| rows.iter().filter(|r| r.0 == p).map(|r| r.1).sum::<i64>();
    let (own, bulk) = (waiting(0), rows.iter().map(|r| r.1).sum::<i64>() - waiting(0));
    metrics::gauge!(OUTBOX_DEPTH, "priority" => "own").set(own as f64);
    metrics::gauge!(OUTBOX_DEPTH, "priority" => "bulk").set(bulk as f64);
    Ok(())
}

/// Broadcasts being sent, and those finished in the last ten minutes (so their last figures
/// are seen).
async fn broadcasts(
    pool: &SqlitePool,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<(), sqlx::Error> {
    let rows: Vec<(i64, i64, i64)> = sqlx::query_as(
        "SELECT b.id, b.recipients,
                (SELECT COUNT(*) FROM outbox o
                  WHERE o.broadcast_id = b.id AND o.status NOT IN ('pending', 'sending'))
           FROM broadcasts b
          WHERE b.status = 'sending' OR b.finished_at > $1",
    )
    .bind(now - FINISHED_SHOWN)
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
