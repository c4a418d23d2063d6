//! A district that ran on SQLite moves to PostgreSQL (`rider-bot copy-to-postgres`): its riders,
//! their points and a dialogue left half-way are all there after the move, the bot carries on
//! from them on PostgreSQL, and new rows get new ids. A copy while the bot runs on the SQLite
//! file, and a second copy into a database that already holds riders, are refused.

use rider_bot::db::testing::TestDb;
use rider_bot::i18n::{t, Lang};
use rider_bot::to_postgres::{copy, CopyError};

use crate::helpers::{first_words, TestApp, COORDINATOR};

async fn count(pool: &rider_bot::db::Pool, table: &str) -> i64 {
    sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_district_moves_from_sqlite_to_postgres_and_carries_on_where_it_was() {
    let mut app = TestApp::spawn_on_sqlite().await;
    // A registered rider with points, and one stopped where onboarding asks for the phone.
    let rider = app.rider(7_701, Some("en"));
    app.register(rider, Lang::En).await;
    app.emu
        .send_text(COORDINATOR, &format!("/adjust {rider} +40 welcome"));
    app.expect_text(rider, "A coordinator changed your points")
        .await;
    app.drain(COORDINATOR).await;
    let halfway = app.rider(7_702, Some("en"));
    app.onboard_until(halfway, "phone", Lang::En).await;
    let target = TestDb::postgres().await;
    let source_url = app.config.database_url.clone();

    let refused = copy(&source_url, &target.url).await;
    assert!(
        matches!(refused, Err(CopyError::Db(_))),
        "copied while the bot runs on the file: {refused:?}"
    );
    app.stop().await;
    // 1,001 reports, the first a duplicate of the last: a reference to a later row of its own
    // table, in a later batch of the copy.
    sqlx::query(
        "INSERT INTO reports (id, reporter_id, reporter_role, category, lat, lng, request_key, \
                              status_at, created_at) \
         WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 1001) \
         SELECT i, $1, 'rider', (SELECT MIN(code) FROM categories), 31.3, 120.7, 'k' || i, \
                '2026-12-01T00:00:00+00:00', '2026-12-01T00:00:00+00:00' FROM n",
    )
    .bind(rider)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query("UPDATE reports SET status = 'duplicate', duplicate_of = 1001 WHERE id = 1")
        .execute(&app.pool)
        .await
        .unwrap();
    // Sent messages pruned since: their ids stay used.
    let outbox_ids: i64 =
        sqlx::query_scalar("SELECT seq FROM sqlite_sequence WHERE name = 'outbox'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(outbox_ids > 0);
    sqlx::query("DELETE FROM outbox")
        .execute(&app.pool)
        .await
        .unwrap();
    let copied = copy(&source_url, &target.url).await.unwrap();
    assert_eq!(copied.rows.get("reports"), Some(&1_001));
    // The two riders and the coordinator.
    assert_eq!(copied.rows.get("users"), Some(&3));
    assert!(!copied.rows.contains_key("instances"));
    for (table, n) in &copied.rows {
        assert_eq!(count(&app.pool, table).await, *n as i64, "{table}");
    }

    // Rows are copied as they are, not derived again (a balance is the ledger's sum, kept by a
    // trigger on each engine).
    let target_pool = rider_bot::db::connect(&target.url).await.unwrap();
    let balances = "SELECT rider_id, balance FROM balances ORDER BY rider_id";
    let before: Vec<(i64, i64)> = sqlx::query_as(balances).fetch_all(&app.pool).await.unwrap();
    let after: Vec<(i64, i64)> = sqlx::query_as(balances)
        .fetch_all(&target_pool)
        .await
        .unwrap();
    assert_eq!(after, before);
    assert_eq!(after, [(rider, 40)]);
    let duplicate_of: Option<i64> =
        sqlx::query_scalar("SELECT duplicate_of FROM reports WHERE id = 1")
            .fetch_one(&target_pool)
            .await
            .unwrap();
    assert_eq!(duplicate_of, Some(1_001));

    // The bot now runs on PostgreSQL, with the same Telegram.
    let sqlite_pool = std::mem::replace(&mut app.pool, target_pool);
    app.config.database_url = target.url.clone();
    app.start().await;
    app.emu
        .send_contact(halfway, "+86 138 0000 0001", Some(halfway));
    app.expect_text(halfway, &first_words(Lang::En, "welcome-registered"))
        .await;
    app.emu.send_text(rider, &t(Lang::En, "menu-points"));
    let points = app.next(rider).await;
    assert!(
        points.text.starts_with("💰 My points: 40 available"),
        "{}",
        points.text
    );
    // New ledger and audit rows take ids after the copied ones.
    app.emu
        .send_text(COORDINATOR, &format!("/adjust {rider} +5 thanks"));
    app.expect_text(rider, "A coordinator changed your points")
        .await;
    assert_eq!(app.balance(rider).await, 45);
    let new_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM outbox")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert!(!new_ids.is_empty());
    assert!(
        new_ids.iter().all(|id| *id > outbox_ids),
        "{new_ids:?} reuse ids up to {outbox_ids}"
    );
    assert_eq!(
        count(&app.pool, "audit_log").await,
        count(&sqlite_pool, "audit_log").await + 1
    );

    let running = copy(&source_url, &target.url).await;
    assert!(
        matches!(running, Err(CopyError::TargetInUse)),
        "copied into a database a bot runs on: {running:?}"
    );
    app.stop().await;
    let again = copy(&source_url, &target.url).await;
    match again {
        Err(CopyError::TargetNotEmpty(held)) => {
            assert!(held.contains("users: 3 rows"), "{held}");
            assert!(held.contains("ledger: 2 rows"), "{held}");
        }
        other => panic!("copied over a database in use: {other:?}"),
    }
    // A database of another shape (a column this release does not know) is refused, and the
    // new database it was to go to stays as it was.
    sqlx::query("ALTER TABLE stations ADD COLUMN colour TEXT")
        .execute(&sqlite_pool)
        .await
        .unwrap();
    let fresh = TestDb::postgres().await;
    match copy(&source_url, &fresh.url).await {
        Err(CopyError::Mismatch(why)) => assert!(why.contains("colour"), "{why}"),
        other => panic!("copied a database of another shape: {other:?}"),
    }
    let fresh_pool = rider_bot::db::connect(&fresh.url).await.unwrap();
    assert_eq!(count(&fresh_pool, "users").await, 0);
}
