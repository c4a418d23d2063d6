//! The privacy promises through the emulator: `/deletemydata` lets go of seats (the next in
//! line is told), redemptions (points and stock come back), the leaderboard opt-in and draft
//! photos, and unlinks reports (cards say "former rider"); `/privacy` counts every kind held;
//! `/mydata` sends what is stored; photos of long-closed reports and of abandoned drafts go.

use chrono::Duration;
use rider_bot::i18n::{t, Lang};
use rider_bot::points::RewardCode;
use rider_bot::services::SessionCode;
use rider_bot::users::UserId;
use serde_json::Value;

use crate::helpers::{first_words, TestApp, COORDINATOR};
use crate::reports::{app_with, card, card_reads, file, monday_noon, photo, rider, CENTRE};

/// One seat on Saturday 5 December at LF-S01.
const ONE_SEAT: &str =
    "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
    SEAT,haircut,爱心义剪,Free haircut,LF-S01,Sa,09:00,11:30,1,20,true\n";

fn en(key: &str) -> String {
    t(Lang::En, key)
}

fn zh(key: &str) -> String {
    t(Lang::Zh, key)
}

fn seat() -> SessionCode {
    SessionCode::parse("SEAT-20261205").unwrap()
}

async fn scalar(app: &TestApp, sql: &str, id: i64) -> i64 {
    sqlx::query_scalar(sql)
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Files under the media folder's hash folders (stored photos).
fn stored_files(app: &TestApp) -> usize {
    let Ok(dirs) = std::fs::read_dir(&app.config.media_dir) else {
        return 0;
    };
    dirs.flatten()
        .filter(|d| d.file_name().len() == 2)
        .map(|d| std::fs::read_dir(d.path()).unwrap().count())
        .sum()
}

/// `/report`, a category, one photo: a draft holding one stored photo.
async fn draft_with_photo(app: &TestApp, rider: i64, n: u8) {
    app.emu.send_text(rider, "/report");
    let categories = app
        .expect_text(rider, &first_words(Lang::En, "report-ask-category"))
        .await;
    app.emu.press(rider, &categories, "Exposed garbage");
    app.expect_text(rider, &first_words(Lang::En, "report-ask-photos"))
        .await;
    app.emu.send_photo(rider, photo(n), None);
    app.expect_text(rider, "Photo 1 of 3 added").await;
}

async fn app() -> TestApp {
    let app = app_with(true, &[]).await;
    rider_bot::services::domain::import_plans(
        &app.pool,
        ONE_SEAT.as_bytes(),
        Some((monday_noon(), chrono_tz::Asia::Shanghai)),
    )
    .await
    .unwrap();
    app
}

#[tokio::test]
async fn erasure_gives_up_the_seat_the_hold_and_the_opt_in_and_unlinks_reports() {
    let app = app().await;
    let a = rider(&app, 7101).await;
    let waiting = [
        rider(&app, 7102).await,
        rider(&app, 7103).await,
        rider(&app, 7104).await,
    ];
    let now = monday_noon();

    // A: 100 points, an open redemption of a cable (30), on the leaderboard, the last seat with
    // three waiting, a filed report and a draft with a photo.
    app.emu
        .send_text(COORDINATOR, &format!("/adjust {a} +100 welcome"));
    app.expect_text(a, "A coordinator changed your points")
        .await;
    let cable = RewardCode::parse("CABLE").unwrap();
    let stock = |app: &TestApp| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, i64>("SELECT stock FROM rewards WHERE code = 'CABLE'")
                .fetch_one(&pool)
                .await
                .unwrap()
        }
    };
    let before = stock(&app).await;
    rider_bot::points::domain::redeem(&app.pool, UserId(a), &cable, "k", now, Duration::days(7))
        .await
        .unwrap();
    assert_eq!(stock(&app).await, before - 1);
    app.emu.send_text(a, "/leaderboard");
    let board = app.expect_text(a, "Top contributors").await;
    let q = app.emu.press(a, &board, &en("btn-leaderboard-show"));
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("leaderboard-shown"));
    for r in std::iter::once(a).chain(waiting) {
        rider_bot::services::domain::sign_up(&app.pool, UserId(r), &seat(), now)
            .await
            .unwrap();
    }
    let number = file(&app, a, "Exposed garbage", &[photo(1)], CENTRE, None).await;
    let card = card(&app, &number).await;
    // A's other device shows a redemption's confirm step, not pressed yet.
    app.emu.send_text(a, "/points");
    let summary = app.next(a).await;
    app.emu.press(a, &summary, "🎁 Rewards");
    let list = app.edited(a, summary.message_id, 0).await;
    let gloves = list
        .inline_buttons()
        .into_iter()
        .find(|b| b.0.starts_with("Winter gloves"))
        .unwrap();
    app.emu.press(a, &list, &gloves.0);
    let ask = app.edited(a, summary.message_id, 1).await;
    let redeem = ask
        .inline_buttons()
        .into_iter()
        .find(|b| b.0 == "✅ Redeem")
        .unwrap()
        .1;

    draft_with_photo(&app, a, 2).await;
    assert_eq!(stored_files(&app), 2, "the report's photo and the draft's");

    // Erasure, confirmed.
    app.emu.send_text(a, "/deletemydata");
    let confirm = app.next(a).await;
    assert_eq!(confirm.text, en("delete-confirm"));
    assert_eq!(stored_files(&app), 1, "the draft ended: its photo went");
    app.emu.press(a, &confirm, &en("btn-delete-yes"));
    let done = app
        .expect_text(a, &first_words(Lang::En, "delete-done-title"))
        .await;
    for needle in [
        "1 service sign-ups given up",
        "1 open redemptions cancelled",
        "You are off the leaderboard",
        "1 reports stay as records",
        "Send /start to register again",
    ] {
        assert!(done.text.contains(needle), "{needle:?} in {}", done.text);
    }
    assert!(done.removes_keyboard());

    // The seat went to the first in line, who was told; the line moved up.
    let told = app.expect_text(waiting[0], "A seat opened up").await;
    assert!(told.text.contains("Free haircut"), "{}", told.text);
    let status = |r: i64| {
        let pool = app.pool.clone();
        async move {
            sqlx::query_scalar::<_, String>(
                "SELECT status FROM signups WHERE session = 'SEAT-20261205' AND rider_id = $1",
            )
            .bind(r)
            .fetch_optional(&pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(status(waiting[0]).await.as_deref(), Some("signed"));
    assert_eq!(status(waiting[1]).await.as_deref(), Some("waitlisted"));
    assert_eq!(status(a).await, None, "no sign-up names the erased rider");

    // The cable is back in stock; the points came back and went with the account.
    assert_eq!(stock(&app).await, before);
    let open = scalar(
        &app,
        "SELECT COUNT(*) FROM redemptions WHERE status = 'open' AND rider_id <> $1",
        0,
    )
    .await;
    assert_eq!(open, 0);
    for table in [
        "ledger",
        "balances",
        "redemptions",
        "signups",
        "draft_photos",
    ] {
        let n = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM {table} WHERE rider_id = $1"),
            a,
        )
        .await;
        assert_eq!(n, 0, "{table} still names the erased rider");
    }
    let anon: i64 = scalar(&app, "SELECT reporter_id FROM reports WHERE id = $1", 1).await;
    assert!(anon < 0, "the report moved to an anonymous id: {anon}");
    // Nothing names the rider any more: not a key, not the erasure's exact time.
    for (table, column) in [
        ("reports", "request_key"),
        ("redemptions", "request_key"),
        ("ledger", "idem_key"),
    ] {
        let named = scalar(
            &app,
            &format!("SELECT COUNT(*) FROM {table} WHERE {column} LIKE '%' || $1 || '%'"),
            a,
        )
        .await;
        assert_eq!(named, 0, "a {table} key still names the rider");
    }
    let times: (Option<String>, String) = sqlx::query_as(
        "SELECT deleted_at, (SELECT created_at FROM users WHERE id = $1) FROM users WHERE id = $2",
    )
    .bind(anon)
    .bind(a)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(times.0, None, "the person's row keeps no erasure time");
    assert!(
        times.1.contains("T00:00:00"),
        "the anonymous row says only the day: {}",
        times.1
    );
    let sum = scalar(
        &app,
        "SELECT COALESCE(CAST(SUM(amount) AS BIGINT), 0) FROM ledger WHERE rider_id = $1",
        anon,
    )
    .await;
    assert_eq!(sum, 100, "+100, −30 held, +30 refunded");
    assert_eq!(
        scalar(
            &app,
            "SELECT balance FROM balances WHERE rider_id = $1",
            anon
        )
        .await,
        sum
    );
    let audit = scalar(
        &app,
        "SELECT COUNT(*) FROM audit_log WHERE target_id = $1 OR actor_id = $1",
        a,
    )
    .await;
    assert_eq!(audit, 0, "the audit trail names the anonymous id instead");
    let row = app.user_row(a).await.unwrap();
    assert_eq!(row, ("deleted".into(), "rider".into(), None, None, None));
    assert_eq!(
        scalar(
            &app,
            "SELECT leaderboard_opt_in FROM users WHERE id = $1",
            a
        )
        .await,
        0
    );

    // The draft's file is gone, the report's stays; the card now says "former rider".
    assert_eq!(stored_files(&app), 1);
    app.emu.press(COORDINATOR, &card, &zh("triage-btn-accept"));
    card_reads(&app, card.message_id, &zh("triage-former-rider")).await;

    // The confirm step pressed after the erasure: a clear answer, nothing held.
    let q = app.emu.press_data(a, a, summary.message_id, &redeem);
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("button-expired"));
    let redemptions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM redemptions")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(redemptions, 1, "only the one made before, now expired");

    // Twice: nothing more to erase.
    app.emu.send_text(a, "/deletemydata");
    app.expect_text(a, &first_words(Lang::En, "delete-nothing"))
        .await;

    // Registered again: a clean slate.
    app.register(a, Lang::En).await;
    app.emu.send_text(a, "/privacy");
    let held = app.expect_text(a, "What we hold").await;
    for kind in [
        "held-reports",
        "held-signups",
        "held-ledger",
        "held-redemptions",
        "held-leaderboard",
    ] {
        assert!(
            !held.text.contains(&en(kind)),
            "{kind} after re-registering: {}",
            held.text
        );
    }
    assert_eq!(
        scalar(
            &app,
            "SELECT leaderboard_opt_in FROM users WHERE id = $1",
            a
        )
        .await,
        0
    );
    assert_eq!(app.balance(a).await, 0);
}

#[tokio::test]
async fn privacy_counts_every_kind_and_mydata_sends_what_is_stored() {
    let app = app().await;
    let r = rider(&app, 7201).await;
    app.emu
        .send_text(COORDINATOR, &format!("/adjust {r} +40 welcome"));
    app.expect_text(r, "A coordinator changed your points")
        .await;
    rider_bot::services::domain::sign_up(&app.pool, UserId(r), &seat(), monday_noon())
        .await
        .unwrap();
    let number = file(
        &app,
        r,
        "Exposed garbage",
        &[photo(1), photo(2)],
        CENTRE,
        Some("Bins"),
    )
    .await;

    app.emu.send_text(r, "/privacy");
    let held = app.expect_text(r, "What we hold").await;
    for line in [
        "Name: 张三",
        "Street-problem reports you filed: 1",
        "Photos of those reports: 2",
        "Service sign-ups: 1",
        "Points passbook entries: 1",
        "Coordinator actions about you (audit trail): 1",
        "deleted from the bot 180 days after it is closed",
        "/mydata",
    ] {
        assert!(held.text.contains(line), "{line:?} in {}", held.text);
    }

    app.emu.send_text(r, "/mydata");
    let doc = loop {
        let m = app.next(r).await;
        if m.kind == "document" {
            break m;
        }
    };
    assert!(doc.params["document"].is_string() || doc.file.is_some());
    let json: Value = serde_json::from_slice(doc.file.as_deref().unwrap()).unwrap();
    let data = &json["data"];
    assert_eq!(data["profile"]["name"], "张三");
    assert_eq!(data["profile"]["phone"], "+8613800000000");
    assert_eq!(data["profile"]["telegram_user_id"], r);
    let reports = data["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 1);
    assert_eq!(reports[0]["report"], number.as_str());
    assert_eq!(reports[0]["description"], "Bins");
    assert_eq!(reports[0]["photos_kept"], 2);
    let signups = data["service_sign_ups"].as_array().unwrap();
    assert_eq!(signups.len(), 1);
    assert_eq!(signups[0]["session"], "SEAT-20261205");
    assert_eq!(signups[0]["status"], "signed");
    assert_eq!(data["points"]["balance"], app.balance(r).await);
    assert_eq!(
        data["points"]["passbook_entries"].as_array().unwrap().len(),
        1
    );
    assert_eq!(data["audit_trail_about_you"].as_array().unwrap().len(), 1);

    // Someone who never registered holds nothing but an id and a language.
    let stranger = app.rider(7202, Some("en"));
    app.emu.send_text(stranger, "/privacy");
    app.expect_text(stranger, &en("privacy-held-nothing")).await;
}

#[tokio::test]
async fn photos_of_long_closed_reports_are_deleted_and_the_reports_kept() {
    let mut app = app().await;
    let r = rider(&app, 7301).await;
    let old = file(&app, r, "Exposed garbage", &[photo(1)], CENTRE, None).await;
    let recent = file(&app, r, "Exposed garbage", &[photo(2)], CENTRE, None).await;
    let open = file(&app, r, "Exposed garbage", &[photo(3)], CENTRE, None).await;
    for n in [&old, &recent, &open] {
        card(&app, n).await;
    }
    // Closed 200 and 10 days ago; the third still open (and 200 days old).
    let ago = |days: i64| monday_noon() - Duration::days(days);
    for (id, status, at) in [
        (1, "resolved", ago(200)),
        (2, "rejected", ago(10)),
        (3, "submitted", ago(200)),
    ] {
        sqlx::query(
            "UPDATE reports SET status = $1, status_at = $2, created_at = $3,
                 reject_reason = CASE $4 WHEN 'rejected' THEN 'no' END WHERE id = $5",
        )
        .bind(status)
        .bind(rider_bot::db::At(at))
        .bind(rider_bot::db::At(at))
        .bind(status)
        .bind(id)
        .execute(&app.pool)
        .await
        .unwrap();
    }
    assert_eq!(stored_files(&app), 3);

    // The retention job runs at start.
    app.stop().await;
    app.start().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while stored_files(&app) != 2 {
        assert!(std::time::Instant::now() < deadline, "the old photo stayed");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let removed: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT report_id, removed_at FROM report_photos ORDER BY report_id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(removed[0].1.is_some(), "{removed:?}");
    let forgotten: (String, String) =
        sqlx::query_as("SELECT file_id, sha256 FROM report_photos WHERE report_id = 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(
        forgotten,
        (String::new(), String::new()),
        "Telegram's copy is not fetchable"
    );
    assert!(
        removed[1].1.is_none() && removed[2].1.is_none(),
        "{removed:?}"
    );
    assert_eq!(
        scalar(&app, "SELECT COUNT(*) FROM reports WHERE id <= $1", 3).await,
        3
    );
    let path: String = sqlx::query_scalar("SELECT path FROM report_photos WHERE report_id = 2")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(app.config.media_dir.join(path).exists());

    // The rider still sees the old report.
    app.emu.send_text(r, "/myreports");
    let mine = app.expect_text(r, &old).await;
    assert!(mine.text.contains(&recent), "{}", mine.text);
}

#[tokio::test]
async fn abandoned_drafts_keep_no_photos() {
    let app = app().await;
    let r = rider(&app, 7401).await;
    // Thirty drafts, each with a photo, cancelled.
    for n in 0..30u8 {
        draft_with_photo(&app, r, n).await;
        assert_eq!(stored_files(&app), 1, "draft {n}");
        app.emu.send_text(r, "/cancel");
        app.expect_text(r, &en("cancelled")).await;
        assert_eq!(stored_files(&app), 0, "draft {n} left its photo");
    }
    // One replaced by a new /report mid-draft, and one that was filed.
    draft_with_photo(&app, r, 100).await;
    draft_with_photo(&app, r, 101).await;
    assert_eq!(stored_files(&app), 1, "the replaced draft's photo went");
    app.emu.send_text(r, "/cancel");
    app.expect_text(r, &en("cancelled")).await;
    file(&app, r, "Exposed garbage", &[photo(102)], CENTRE, None).await;
    assert_eq!(stored_files(&app), 1, "a filed report keeps its photo");
    assert_eq!(
        scalar(
            &app,
            "SELECT COUNT(*) FROM draft_photos WHERE rider_id = $1",
            r
        )
        .await,
        0
    );
}

#[tokio::test]
async fn photo_downloads_run_a_few_at_a_time_whoever_sends_them() {
    let app = app().await;
    let mut riders = Vec::new();
    for id in 7501..7513 {
        riders.push(rider(&app, id).await);
    }
    // A slow network: each download takes a while, so twelve at once would overlap.
    app.emu
        .set_download_delay(Some(std::time::Duration::from_millis(300)));
    for (n, r) in riders.iter().enumerate() {
        app.emu.send_photo(*r, photo(n as u8), None);
    }
    for r in &riders {
        app.expect_text(*r, &first_words(Lang::En, "report-ask-category"))
            .await;
    }
    let most = app.emu.max_concurrent_downloads();
    assert_eq!(
        most,
        rider_bot::reports::telegram::photos::MAX_DOWNLOADS as u32,
        "at most four at once, and four did run together"
    );
    assert_eq!(stored_files(&app), 12);
}

#[tokio::test]
async fn what_someone_typed_before_registering_is_counted_sent_and_forgotten() {
    let app = app().await;
    let r = app.rider(7601, Some("en"));
    app.onboard_until(r, "platform", Lang::En).await;
    app.emu.send_text(r, "/privacy");
    let held = app.expect_text(r, "What we hold").await;
    assert!(
        held.text.contains(&format!("{}: 1", en("held-dialogue"))),
        "{}",
        held.text
    );
    app.drain(r).await;
    app.emu.send_text(r, "/mydata");
    let doc = loop {
        let m = app.next(r).await;
        if m.kind == "document" {
            break m;
        }
    };
    let json: Value = serde_json::from_slice(doc.file.as_deref().unwrap()).unwrap();
    assert_eq!(
        json["data"]["conversation_in_progress"]["name"], "张三",
        "{json}"
    );
    app.drain(r).await;
    app.emu.send_text(r, "/deletemydata");
    app.expect_text(r, &first_words(Lang::En, "delete-nothing"))
        .await;
    assert_eq!(app.step(r).await, "idle");
    app.emu.send_text(r, "/privacy");
    app.expect_text(r, &en("privacy-held-nothing")).await;
}
