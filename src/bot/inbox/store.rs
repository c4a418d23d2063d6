//! The `update_inbox` table's statements. Written for SQLite and PostgreSQL alike: `$n`
//! placeholders, `ON CONFLICT … DO NOTHING`, times as the application's TEXT.

use crate::db::At;
use crate::db::Pool;
use chrono::{DateTime, Utc};

/// What a handled row says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Handled,
    /// An earlier lease holder claimed it and stopped before it was done.
    Unknown,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Handled => "handled",
            Outcome::Unknown => "unknown",
        }
    }
}

/// A row this instance now holds the lease of.
#[derive(Debug, sqlx::FromRow)]
pub struct Leased {
    pub update_id: i64,
    pub body: String,
    /// Leases taken so far, this one included: more than one means an earlier holder stopped.
    pub attempts: i64,
}

/// Records an update; false when its id was recorded before (a re-delivery).
pub async fn record(
    pool: &Pool,
    update_id: i64,
    chat_id: Option<i64>,
    body: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO update_inbox (update_id, chat_id, body, received_at) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (update_id) DO NOTHING",
    )
    .bind(update_id)
    .bind(chat_id)
    .bind(body)
    .bind(At(now))
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// `$first, $first+1, …`: one numbered placeholder per id, for `IN (…)`.
fn placeholders(first: usize, n: usize) -> String {
    (first..first + n)
        .map(|i| format!("${i}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Leases up to `limit` rows to `owner` until `until`, oldest first: each chat's oldest
/// unhandled row when no lease on it runs past `now`, or the lease is `owner`'s own, leaving
/// out `in_hand` (the ids `owner` is still handling, whatever their lease says: a renewal that
/// failed, a clock that jumped). A row `owner` leased and no longer has in hand was abandoned
/// (a lease committed though its answer was lost, a finish and a release that failed while
/// the database was gone): it is taken again at once, not after its lease runs out.
pub async fn lease(
    pool: &Pool,
    owner: &str,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    limit: usize,
    in_hand: &[i64],
) -> Result<Vec<Leased>, sqlx::Error> {
    // A write transaction: "each chat's oldest row, unleased" holds across instances.
    let skip = if in_hand.is_empty() {
        String::new()
    } else {
        format!(
            "AND i.update_id NOT IN ({}) ",
            placeholders(5, in_hand.len())
        )
    };
    // Each chat's head is its smallest unhandled id (rows with no chat are heads each): a
    // grouping, linear in the rows waiting whatever plan the database picks. (A correlated
    // "no earlier row of the chat" test was planned as a nested loop over every pair of
    // waiting rows on a table not analysed yet: 150 ms per lease with 3,000 waiting, under
    // the write lock.)
    let sql = format!(
        "UPDATE update_inbox SET lease_owner = $1, lease_until = $2, attempts = attempts + 1 \
         WHERE handled_at IS NULL \
           AND (lease_until IS NULL OR lease_until < $3 OR lease_owner = $1) \
           AND update_id IN ( \
             SELECT i.update_id FROM update_inbox i \
             JOIN (SELECT MIN(update_id) AS head FROM update_inbox \
                   WHERE handled_at IS NULL AND chat_id IS NOT NULL GROUP BY chat_id \
                   UNION ALL \
                   SELECT update_id FROM update_inbox \
                   WHERE handled_at IS NULL AND chat_id IS NULL) h ON h.head = i.update_id \
             WHERE (i.lease_until IS NULL OR i.lease_until < $3 OR i.lease_owner = $1) {skip}\
             ORDER BY i.update_id \
             LIMIT $4) \
         RETURNING update_id, body, attempts"
    );
    let mut query = sqlx::query_as(&sql)
        .bind(owner)
        .bind(At(until))
        .bind(At(now))
        .bind(limit as i64);
    for id in in_hand {
        query = query.bind(*id);
    }
    let mut tx = crate::db::begin_write(pool).await?;
    let mut rows: Vec<Leased> = query.fetch_all(&mut *tx).await?;
    tx.commit().await?;
    rows.sort_by_key(|r| r.update_id);
    Ok(rows)
}

/// Extends `owner`'s leases on `ids` (the updates it has in hand, and only those) to `until`.
pub async fn renew(
    pool: &Pool,
    owner: &str,
    ids: &[i64],
    until: DateTime<Utc>,
) -> Result<u64, sqlx::Error> {
    if ids.is_empty() {
        return Ok(0);
    }
    let sql = format!(
        "UPDATE update_inbox SET lease_until = $1 \
         WHERE lease_owner = $2 AND handled_at IS NULL AND update_id IN ({})",
        placeholders(3, ids.len())
    );
    let mut query = sqlx::query(&sql).bind(At(until)).bind(owner);
    for id in ids {
        query = query.bind(*id);
    }
    Ok(query.execute(pool).await?.rows_affected())
}

/// Marks an update `owner` holds done: its body is dropped at once, its lease released. False
/// when `owner` does not hold it (it was done already, or its lease went to another instance).
pub async fn finish(
    pool: &Pool,
    owner: &str,
    update_id: i64,
    outcome: Outcome,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE update_inbox SET body = NULL, handled_at = $1, outcome = $2, \
         lease_owner = NULL, lease_until = NULL \
         WHERE update_id = $3 AND handled_at IS NULL AND lease_owner = $4",
    )
    .bind(At(now))
    .bind(outcome.as_str())
    .bind(update_id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Gives up `owner`'s leases on rows not handled (at shutdown), so another instance need not
/// wait for them to expire.
pub async fn release(pool: &Pool, owner: &str) -> Result<u64, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE update_inbox SET lease_owner = NULL, lease_until = NULL \
         WHERE lease_owner = $1 AND handled_at IS NULL",
    )
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(done.rows_affected())
}

/// Gives up `owner`'s lease on one row it abandoned, so its chat need not wait for it.
pub async fn release_one(pool: &Pool, owner: &str, update_id: i64) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE update_inbox SET lease_owner = NULL, lease_until = NULL \
         WHERE update_id = $1 AND lease_owner = $2 AND handled_at IS NULL",
    )
    .bind(update_id)
    .bind(owner)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// Whether the handler tree has claimed `update_id` (in `processed_updates`).
pub async fn was_claimed(pool: &Pool, update_id: i64) -> Result<bool, sqlx::Error> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM processed_updates WHERE update_id = $1")
        .bind(update_id)
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Forgets handled rows older than `before` (their bodies went when they were handled).
pub async fn prune(pool: &Pool, before: DateTime<Utc>) -> Result<u64, sqlx::Error> {
    let done =
        sqlx::query("DELETE FROM update_inbox WHERE handled_at IS NOT NULL AND handled_at < $1")
            .bind(At(before))
            .execute(pool)
            .await?;
    Ok(done.rows_affected())
}

/// Drops rows never handled that were received before `before`, bodies and all (an update
/// nobody could handle in that time is not kept for ever); the ids dropped.
pub async fn drop_unhandled(pool: &Pool, before: DateTime<Utc>) -> Result<Vec<i64>, sqlx::Error> {
    let mut ids: Vec<i64> = sqlx::query_scalar(
        "DELETE FROM update_inbox WHERE handled_at IS NULL AND received_at < $1 \
         RETURNING update_id",
    )
    .bind(crate::db::At(before))
    .fetch_all(pool)
    .await?;
    ids.sort_unstable();
    Ok(ids)
}

/// Updates recorded and not handled yet.
pub async fn waiting(pool: &Pool) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM update_inbox WHERE handled_at IS NULL")
        .fetch_one(pool)
        .await
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;

    async fn pool() -> (crate::db::testing::Scratch, Pool) {
        crate::db::testing::scratch().await
    }

    #[tokio::test]
    async fn an_id_is_recorded_once() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        assert!(record(&pool, 1, Some(7), "{}", now).await.unwrap());
        assert!(!record(&pool, 1, Some(7), "{}", now).await.unwrap());
        assert_eq!(waiting(&pool).await.unwrap(), 1);
    }

    #[tokio::test]
    async fn a_chat_is_leased_one_update_at_a_time_in_order_and_chats_in_parallel() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        for (id, chat) in [
            (10, Some(1)),
            (11, Some(1)),
            (12, Some(2)),
            (13, None),
            (14, None),
        ] {
            record(&pool, id, chat, "{}", now).await.unwrap();
        }
        let until = now + Duration::seconds(60);
        let a = lease(&pool, "a", now, until, 10, &[]).await.unwrap();
        let ids: Vec<i64> = a.iter().map(|r| r.update_id).collect();
        assert_eq!(ids, [10, 12, 13, 14]);
        // Another instance finds nothing: chat 1's next waits for 10.
        assert!(lease(&pool, "b", now, until, 10, &[])
            .await
            .unwrap()
            .is_empty());
        assert!(finish(&pool, "a", 10, Outcome::Handled, now).await.unwrap());
        let b = lease(&pool, "b", now, until, 10, &[]).await.unwrap();
        assert_eq!(b.iter().map(|r| r.update_id).collect::<Vec<_>>(), [11]);
        assert_eq!(b[0].attempts, 1);
    }

    #[tokio::test]
    async fn an_expired_lease_is_taken_over_and_a_released_one_at_once() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        record(&pool, 1, Some(1), "{}", now).await.unwrap();
        record(&pool, 2, Some(2), "{}", now).await.unwrap();
        lease(&pool, "dead", now, now + Duration::seconds(60), 10, &[])
            .await
            .unwrap();
        assert_eq!(release(&pool, "dead").await.unwrap(), 2);
        let again = lease(&pool, "a", now, now + Duration::seconds(1), 10, &[])
            .await
            .unwrap();
        assert_eq!(again.len(), 2);
        let later = now + Duration::seconds(5);
        let taken = lease(&pool, "b", later, later + Duration::seconds(60), 10, &[])
            .await
            .unwrap();
        assert_eq!(taken.len(), 2);
        assert!(taken.iter().all(|r| r.attempts == 3));
        // The old holder renews nothing now.
        assert_eq!(renew(&pool, "a", &[1, 2], later).await.unwrap(), 0);
        // Nor can it finish them: they are b's now.
        assert!(!finish(&pool, "a", 1, Outcome::Handled, later)
            .await
            .unwrap());
        assert!(finish(&pool, "b", 1, Outcome::Handled, later)
            .await
            .unwrap());
    }

    #[tokio::test]
    async fn a_handled_row_keeps_no_body_and_is_pruned_later() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        record(&pool, 1, Some(1), r#"{"secret":"phone"}"#, now)
            .await
            .unwrap();
        lease(&pool, "a", now, now + Duration::seconds(60), 10, &[])
            .await
            .unwrap();
        assert!(finish(&pool, "a", 1, Outcome::Handled, now).await.unwrap());
        let body: Option<String> =
            sqlx::query_scalar("SELECT body FROM update_inbox WHERE update_id = 1")
                .fetch_one(&pool)
                .await
                .unwrap();
        assert_eq!(body, None);
        assert_eq!(prune(&pool, now - Duration::days(1)).await.unwrap(), 0);
        assert_eq!(prune(&pool, now + Duration::seconds(1)).await.unwrap(), 1);
    }

    async fn lease_until(pool: &Pool, id: i64) -> Option<DateTime<Utc>> {
        let at: Option<At> =
            sqlx::query_scalar("SELECT lease_until FROM update_inbox WHERE update_id = $1")
                .bind(id)
                .fetch_one(pool)
                .await
                .unwrap();
        at.map(|t| t.0)
    }

    #[tokio::test]
    async fn only_the_ids_in_hand_are_renewed_and_an_abandoned_one_is_released() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        for (id, chat) in [(1, 1), (2, 2), (3, 2)] {
            record(&pool, id, Some(chat), "{}", now).await.unwrap();
        }
        let until = now + Duration::seconds(60);
        assert_eq!(
            lease(&pool, "a", now, until, 10, &[]).await.unwrap().len(),
            2
        );
        let later = now + Duration::seconds(120);
        // Only 1 is in hand: 2 was abandoned and is not kept alive with it.
        assert_eq!(renew(&pool, "a", &[1], later).await.unwrap(), 1);
        assert_eq!(lease_until(&pool, 1).await, Some(later));
        assert_eq!(lease_until(&pool, 2).await, Some(until));
        // Released, chat 2's update is leased again at once (and its next still waits).
        assert!(release_one(&pool, "a", 2).await.unwrap());
        assert!(!release_one(&pool, "a", 2).await.unwrap());
        let again = lease(&pool, "b", now, until, 10, &[]).await.unwrap();
        assert_eq!(again.iter().map(|r| r.update_id).collect::<Vec<_>>(), [2]);
        assert_eq!(renew(&pool, "a", &[], later).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn an_update_in_hand_is_not_leased_again_though_its_lease_ran_out() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        for (id, chat) in [(1, 1), (2, 1), (3, 2), (4, 3)] {
            record(&pool, id, Some(chat), "{}", now).await.unwrap();
        }
        let taken = lease(&pool, "a", now, now + Duration::seconds(1), 10, &[])
            .await
            .unwrap();
        assert_eq!(taken.len(), 3);
        // The lease ran out (a renewal failed, the clock jumped) while 1 and 3 are in hand.
        let later = now + Duration::seconds(5);
        let again = lease(
            &pool,
            "a",
            later,
            later + Duration::seconds(60),
            10,
            &[1, 3],
        )
        .await
        .unwrap();
        // Only 4 is taken again; chat 1's next (2) still waits for 1.
        assert_eq!(again.iter().map(|r| r.update_id).collect::<Vec<_>>(), [4]);
    }

    #[tokio::test]
    async fn a_row_its_owner_leased_and_does_not_have_in_hand_is_taken_again_at_once() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        for (id, chat) in [(1, 1), (2, 2)] {
            record(&pool, id, Some(chat), "{}", now).await.unwrap();
        }
        // Leased (the answer lost, say): 1 and 2 are a's until a minute from now.
        let until = now + Duration::seconds(60);
        assert_eq!(
            lease(&pool, "a", now, until, 10, &[]).await.unwrap().len(),
            2
        );
        // Another instance waits for the lease.
        assert!(lease(&pool, "b", now, until, 10, &[])
            .await
            .unwrap()
            .is_empty());
        // The owner, with only 1 in hand, takes 2 again now.
        let again = lease(&pool, "a", now, until, 10, &[1]).await.unwrap();
        assert_eq!(again.iter().map(|r| r.update_id).collect::<Vec<_>>(), [2]);
        assert_eq!(again[0].attempts, 2);
    }

    #[tokio::test]
    async fn owners_leasing_at_once_never_share_a_row_nor_hold_two_of_one_chat() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        for id in 1..=300 {
            record(&pool, id, Some(id % 40), "{}", now).await.unwrap();
        }
        let until = now + Duration::seconds(60);
        let mut seen = std::collections::HashMap::new();
        let mut last = std::collections::HashMap::new();
        // Rounds of eight owners leasing at the same moment, each finishing what it got
        // before the next round, until all 300 are handled.
        for round in 0..40 {
            let leases = (0..8).map(|o| {
                let pool = pool.clone();
                async move {
                    let owner = format!("o{o}");
                    let rows = lease(&pool, &owner, now, until, 8, &[]).await.unwrap();
                    (owner, rows)
                }
            });
            let got = futures::future::join_all(leases).await;
            let mut chats = std::collections::HashSet::new();
            for (owner, rows) in &got {
                for row in rows {
                    assert!(
                        seen.insert(row.update_id, owner.clone()).is_none(),
                        "round {round}: {} leased twice",
                        row.update_id
                    );
                    let chat = row.update_id % 40;
                    assert!(
                        chats.insert(chat),
                        "round {round}: two rows of chat {chat} at once"
                    );
                    let before = last.insert(chat, row.update_id).unwrap_or(0);
                    assert!(before < row.update_id, "chat {chat} out of order");
                }
            }
            for (owner, rows) in got {
                for row in rows {
                    assert!(finish(&pool, &owner, row.update_id, Outcome::Handled, now)
                        .await
                        .unwrap());
                }
            }
            if seen.len() == 300 {
                break;
            }
        }
        assert_eq!(seen.len(), 300, "every update leased once");
        assert_eq!(waiting(&pool).await.unwrap(), 0);
    }

    #[tokio::test]
    async fn a_row_never_handled_is_dropped_with_its_body_after_the_cutoff() {
        let (_dir, pool) = pool().await;
        let now = Utc::now();
        let old = now - Duration::days(8);
        record(&pool, 1, Some(1), r#"{"name":"x"}"#, old)
            .await
            .unwrap();
        record(&pool, 2, Some(2), "{}", old).await.unwrap();
        record(&pool, 3, Some(3), "{}", now).await.unwrap();
        lease(&pool, "a", old, old + Duration::seconds(60), 10, &[])
            .await
            .unwrap();
        assert!(finish(&pool, "a", 2, Outcome::Handled, old).await.unwrap());
        let week_ago = now - Duration::days(7);
        assert_eq!(drop_unhandled(&pool, week_ago).await.unwrap(), [1]);
        assert_eq!(
            drop_unhandled(&pool, week_ago).await.unwrap(),
            Vec::<i64>::new()
        );
        // The handled row is the other prune's; the recent one stays.
        assert_eq!(prune(&pool, now - Duration::days(1)).await.unwrap(), 1);
        assert_eq!(waiting(&pool).await.unwrap(), 1);
    }
}
