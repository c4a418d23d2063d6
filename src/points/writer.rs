//! Awards with group commit. [`Awards::award`] hands the award to one writer task, which takes
//! every award waiting when it wakes and posts them as one multi-row
//! `INSERT … SELECT … ON CONFLICT DO NOTHING RETURNING` (`store::post_awards`), atomic as any
//! single statement is. An
//! award without a rule, or whose key was used before, inserts nothing and is answered as
//! [`super::domain::award_in`] would answer it; every caller is answered after the commit, so
//! an answer means the points are on disk.
//!
//! Under light load a batch is one award and nobody waits on a timer; under a burst, SQLite's
//! write lock is taken once per batch instead of being contended for by every caller (the same
//! design as `bot::updates::Claims`).

use crate::db::Pool;
use tokio::sync::{mpsc, oneshot};

use super::domain::{EarnRule, PointsError};
use super::store::{self, AwardRow, Posted};
use crate::users::UserId;

const MAX_BATCH: usize = 128;

struct Request {
    rider: UserId,
    rule: EarnRule,
    source_ref: String,
    reply: oneshot::Sender<Result<Posted, PointsError>>,
}

/// A handle to the award writer; cheap to clone. The writer stops when every handle is dropped.
#[derive(Clone)]
pub struct Awards {
    tx: mpsc::Sender<Request>,
}

impl std::fmt::Debug for Awards {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Awards")
    }
}

impl Awards {
    /// Starts the writer on `pool`. Needs a running Tokio runtime.
    pub fn spawn(pool: Pool) -> Awards {
        let (tx, rx) = mpsc::channel(4 * MAX_BATCH);
        tokio::spawn(writer(pool, rx));
        Awards { tx }
    }

    /// Awards `rule`'s points for `source_ref`, exactly once per source (see
    /// [`super::domain::award_in`]).
    pub async fn award(
        &self,
        rider: UserId,
        rule: EarnRule,
        source_ref: &str,
    ) -> Result<Posted, PointsError> {
        let (reply, answer) = oneshot::channel();
        let stopped = || PointsError::Db(sqlx::Error::PoolClosed);
        self.tx
            .send(Request {
                rider,
                rule,
                source_ref: source_ref.to_owned(),
                reply,
            })
            .await
            .map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

async fn writer(pool: Pool, mut rx: mpsc::Receiver<Request>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while rx.recv_many(&mut batch, MAX_BATCH).await > 0 {
        match post_batch(&pool, &batch).await {
            Ok(results) => {
                for (request, result) in batch.drain(..).zip(results) {
                    let _ = request.reply.send(result);
                }
            }
            Err(err) => {
                tracing::error!(%err, awards = batch.len(), "could not write awards");
                let why = err.to_string();
                for request in batch.drain(..) {
                    let _ = request
                        .reply
                        .send(Err(PointsError::Db(sqlx::Error::Protocol(why.clone()))));
                }
            }
        }
    }
}

/// Posts every award of `batch` as one statement; the outer error is the statement's.
async fn post_batch(
    pool: &Pool,
    batch: &[Request],
) -> Result<Vec<Result<Posted, PointsError>>, sqlx::Error> {
    let prepared: Vec<(String, &'static str, String)> = batch
        .iter()
        .map(|r| {
            let (rule, default) = r.rule.keys();
            (
                rule,
                default,
                r.rule.idempotency_key(r.rider, &r.source_ref),
            )
        })
        .collect();
    let rows: Vec<AwardRow<'_>> = batch
        .iter()
        .zip(&prepared)
        .map(|(r, (rule, default, key))| AwardRow {
            rider: r.rider,
            kind: r.rule.kind(),
            rule,
            default,
            source_ref: &r.source_ref,
            key,
        })
        .collect();
    // One statement is atomic on its own; the follow-up reads of keys used before see entries
    // that never change (the ledger is append-only), so no transaction is needed around them.
    let mut conn = pool.acquire().await?;
    let outcomes = store::post_awards(&mut conn, &rows).await?;
    Ok(outcomes
        .into_iter()
        .zip(&prepared)
        .map(|(outcome, (rule, _, _))| match outcome {
            Ok(Some(posted)) => Ok(posted),
            Ok(None) => Err(PointsError::NoRule(rule.clone())),
            Err(e) => Err(e.into()),
        })
        .collect())
}
