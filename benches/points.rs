//! The points ledger on a real SQLite file (WAL, the project's pool settings), each figure
//! beside a naive baseline measured in the same run.
//!
//! `cargo bench --bench points` (release build). Prints a table; the README quotes it.
//!
//! - Awards per second from 8 concurrent tasks, as a busy bot would award: through
//!   `points::writer::Awards` (group commit: the awards waiting share one transaction, each its
//!   own statement with the idempotency key, the rule's points, the trigger-kept balance and its
//!   CHECK); against the naive way, `points::domain::award` committing each award on its own;
//!   and, for scale, a bare `INSERT` into an unchecked table, one transaction each.
//! - Balance and last five: `points::domain::summary` (what `/points` shows) for random riders
//!   of a ledger of 1,000,000 entries across 10,000 riders; against the same reads with the
//!   balance summed from the rider's entries instead of read from the cached balance. Also the
//!   read with `ANALYZE`'s stat4 samples left in place, which the bot clears at start
//!   (`db::forget_stat4_samples`).

use std::time::{Duration, Instant};

use rider_bot::db::Pool;
use rider_bot::points::domain::{self, EarnRule};
use rider_bot::points::writer::Awards;
use rider_bot::users::UserId;

const TASKS: usize = 8;
const AWARDS_PER_TASK: usize = 2_500;
const RIDERS: i64 = 10_000;
const ENTRIES: i64 = 1_000_000;
const QUERIES: usize = 5_000;

async fn pool(dir: &tempfile::TempDir, name: &str) -> Pool {
    let url = format!("sqlite://{}", dir.path().join(name).display());
    rider_bot::db::connect_and_migrate(&url).await.unwrap()
}

async fn add_riders(pool: &Pool) {
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO users (id, status, role, lang, name, created_at, updated_at) \
         SELECT i, 'registered', 'rider', 'zh-CN', 'rider ' || i, '2026-11-01', '2026-11-01' FROM n",
    )
    .bind(RIDERS)
    .execute(pool)
    .await
    .unwrap();
}

fn per_second(n: usize, took: Duration) -> f64 {
    n as f64 / took.as_secs_f64()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn micros(d: Duration) -> String {
    format!("{:.0} µs", d.as_secs_f64() * 1e6)
}

/// Awards per second from `TASKS` concurrent tasks, through the writer or one by one.
async fn awards(dir: &tempfile::TempDir, name: &str, grouped: bool) -> f64 {
    let pool = pool(dir, name).await;
    add_riders(&pool).await;
    let writer = Awards::spawn(pool.clone());
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let (pool, writer) = (pool.clone(), writer.clone());
            tokio::spawn(async move {
                for i in 0..AWARDS_PER_TASK {
                    let rider = UserId(((t * AWARDS_PER_TASK + i) as i64 % RIDERS) + 1);
                    let rule = EarnRule::ReportAccepted {
                        category: "garbage".into(),
                    };
                    let source = format!("R-{t}-{i}");
                    if grouped {
                        writer.award(rider, rule, &source).await.unwrap();
                    } else {
                        domain::award(&pool, rider, &rule, &source, chrono::Utc::now())
                            .await
                            .unwrap();
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let rate = per_second(TASKS * AWARDS_PER_TASK, start.elapsed());
    let mut conn = pool.acquire().await.unwrap();
    assert!(rider_bot::points::store::mismatches(&mut conn)
        .await
        .unwrap()
        .is_empty());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(n as usize, TASKS * AWARDS_PER_TASK);
    rate
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().unwrap();

    // Awards per second: through the group-commit writer, and one transaction per award.
    let award_rate = awards(&dir, "ours.db", true).await;
    let one_by_one = awards(&dir, "one-by-one.db", false).await;

    // The floor: a bare INSERT into an unchecked table, one transaction each.
    let naive = pool(&dir, "naive.db").await;
    sqlx::query("CREATE TABLE bare (rider_id INTEGER, amount INTEGER, at TEXT)")
        .execute(&naive)
        .await
        .unwrap();
    let start = Instant::now();
    let tasks: Vec<_> = (0..TASKS)
        .map(|t| {
            let pool = naive.clone();
            tokio::spawn(async move {
                for i in 0..AWARDS_PER_TASK {
                    let mut tx = rider_bot::db::begin_write(&pool).await.unwrap();
                    sqlx::query("INSERT INTO bare (rider_id, amount, at) VALUES ($1, 10, $2)")
                        .bind(((t * AWARDS_PER_TASK + i) as i64 % RIDERS) + 1)
                        .bind(rider_bot::db::At::now())
                        .execute(&mut *tx)
                        .await
                        .unwrap();
                    tx.commit().await.unwrap();
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    let bare_rate = per_second(TASKS * AWARDS_PER_TASK, start.elapsed());

    // Balance and last five, over a million entries.
    let big = pool(&dir, "big.db").await;
    add_riders(&big).await;
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < $1) \
         INSERT INTO ledger (rider_id, amount, kind, source_ref, idem_key, at) \
         SELECT (i % $2) + 1, 10, 'report_accepted', 'R-' || i, 'award:report_accepted:R-' || i, \
                '2026-11-01T00:00:00Z' FROM n",
    )
    .bind(ENTRIES)
    .bind(RIDERS)
    .execute(&big)
    .await
    .unwrap();
    // (The ledger's trigger kept `balances` in step while inserting.)
    // As a database that grew over months: statistics gathered by an operator's ANALYZE, with
    // the stat4 samples cleared as the bot does at start, and the WAL checkpointed (one
    // million rows in one statement leave ~190 MB of WAL that SQLite's auto-checkpoint would
    // have folded in as they came).
    sqlx::query("ANALYZE").execute(&big).await.unwrap();
    sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
        .execute(&big)
        .await
        .unwrap();
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut riders = Vec::with_capacity(QUERIES);
    for _ in 0..QUERIES {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        riders.push(UserId((seed % RIDERS as u64) as i64 + 1));
    }
    // First with the stat4 samples ANALYZE left, to show what they cost; then as the bot runs
    // after a restart (`connect_and_migrate` clears them and opens fresh connections).
    let summaries = async |pool: &Pool| {
        let mut times = Vec::with_capacity(riders.len());
        for &rider in &riders {
            let start = Instant::now();
            let s = domain::summary(pool, rider, 0, domain::RECENT, false, rider_bot::db::now())
                .await
                .unwrap();
            times.push(start.elapsed());
            assert_eq!(s.entries.len(), 5);
        }
        times
    };
    let with_stat4 = summaries(&big).await;
    big.close().await;
    let big = pool(&dir, "big.db").await;
    let stat4: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_stat4")
        .fetch_one(&big)
        .await
        .unwrap();
    assert_eq!(stat4, 0, "the samples are gone");
    let ours_times = summaries(&big).await;
    let mut naive_times = Vec::with_capacity(QUERIES);
    for &rider in &riders {
        let start = Instant::now();
        let mut tx = big.begin().await.unwrap();
        let sum: i64 = sqlx::query_scalar(
            "SELECT CAST(SUM(amount) AS BIGINT) FROM ledger WHERE rider_id = $1",
        )
        .bind(rider.0)
        .fetch_one(&mut *tx)
        .await
        .unwrap();
        // The rest as `summary` reads it: holds and the last five.
        let (_, held) = rider_bot::points::store::held(&mut tx, rider)
            .await
            .unwrap();
        let rows = rider_bot::points::store::entries(&mut tx, rider, 0, 5)
            .await
            .unwrap();
        tx.commit().await.unwrap();
        assert!(held == 0 && rows.len() == 5 && sum > 0);
        naive_times.push(start.elapsed());
    }

    println!("points ledger on SQLite (WAL), same run");
    println!(
        "  awards/s from {TASKS} tasks, group commit: {award_rate:.0}  (one transaction per award: \
         {one_by_one:.0}/s; a bare INSERT per transaction: {bare_rate:.0}/s; target ≥ 5,000)"
    );
    println!(
        "  balance + last five, 1M entries / 10k riders, median: {}  (summing the entries instead: {}; target < 200 µs)",
        micros(median(ours_times)),
        micros(median(naive_times))
    );
    println!(
        "  the same read with ANALYZE's sqlite_stat4 samples left in place: {}",
        micros(median(with_stat4))
    );
}
