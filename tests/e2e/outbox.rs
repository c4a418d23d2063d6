//! The outbox through the emulator: messages to someone other than the person acting arrive
//! exactly once through Telegram's 429s and 5xx, a rider who blocked the bot is marked
//! unreachable, a card whose photo Telegram would refuse still reaches the group (and the next
//! one too), a crash while sending is counted and not repeated, and the sender keeps
//! Telegram's per-chat limits.

use chrono::Duration;
use rider_bot::i18n::{t, Lang};
use rider_bot::outbox::{store, Notice};
use rider_bot::services::SessionCode;
use rider_bot::users::UserId;
use serde_json::json;

use crate::helpers::{first_words, TestApp, COORDINATOR};
use crate::reports::{app_with, card, file, photo, CENTRE, GROUP};
use crate::services::{app_with_plans, friday_noon, rider};

const ONE_SEAT: &str =
    "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
    SEAT,haircut,爱心义剪,Free haircut,LF-S01,Sa,09:00,11:30,1,20,true\n";

fn seat() -> SessionCode {
    SessionCode::parse("SEAT-20261205").unwrap()
}

/// How many messages `chat` has received that contain `needle`.
fn received(app: &TestApp, chat: i64, needle: &str) -> usize {
    app.emu
        .chat_messages(chat)
        .iter()
        .filter(|m| m.text.contains(needle))
        .count()
}

/// Waits until `chat` has received a message containing `needle`. Longer than the usual
/// wait: teloxide pauses 10 s after any 5xx answer before it reports the error.
async fn arrives(app: &TestApp, chat: i64, needle: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    while received(app, chat, needle) == 0 {
        assert!(
            std::time::Instant::now() < deadline,
            "{needle:?} never reached {chat}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// The next send to `chat` gets 429 (wait a second), the one after 502 Bad Gateway.
fn trouble(app: &TestApp, chat: i64) {
    app.emu.too_many_once(chat, 1);
    app.emu.fail_sends(chat, 1);
}

async fn statuses(app: &TestApp) -> Vec<(String, String)> {
    sqlx::query_as("SELECT kind, status FROM outbox ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_promotion_a_reminder_and_a_call_off_arrive_once_through_a_429_and_a_5xx() {
    let app = app_with_plans(ONE_SEAT).await;
    let a = rider(&app, 9101).await;
    let b = rider(&app, 9102).await;
    let now = friday_noon();
    for r in [a, b] {
        rider_bot::services::domain::sign_up(&app.pool, UserId(r), &seat(), now)
            .await
            .unwrap();
    }

    // A gives up the seat: B moves up and is told, once, through a 429 and a 502.
    trouble(&app, b);
    rider_bot::services::domain::cancel(&app.pool, UserId(a), &seat(), now)
        .await
        .unwrap();
    arrives(&app, b, "A seat opened up").await;

    // The reminder, two hours before: through the same trouble, once.
    trouble(&app, b);
    app.config
        .clock
        .advance(Duration::hours(19) + Duration::minutes(30));
    let env = rider_bot::startup::env_for(&app.config, app.pool.clone()).unwrap();
    rider_bot::services::telegram::notify::sweep(&env)
        .await
        .unwrap();
    rider_bot::services::telegram::notify::sweep(&env)
        .await
        .unwrap();
    arrives(&app, b, "Reminder").await;

    // Called off by a coordinator: once.
    trouble(&app, b);
    app.emu
        .send_text(COORDINATOR, "/session SEAT-20261205 cancel rain");
    app.expect_text(COORDINATOR, "SEAT-20261205").await;
    arrives(&app, b, "(rain)").await;
    app.settle_outbox().await;

    assert_eq!(received(&app, b, "A seat opened up"), 1);
    assert_eq!(received(&app, b, "Reminder"), 1);
    assert_eq!(received(&app, b, "(rain)"), 1);
    assert!(app.emu.too_many_count() >= 3, "each met a 429");
    let rows = statuses(&app).await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(|(_, s)| s == "sent"), "{rows:?}");
}

#[tokio::test]
async fn a_rider_who_blocked_the_bot_is_marked_unreachable_and_skipped_until_they_return() {
    let app = app_with_plans(ONE_SEAT).await;
    let a = rider(&app, 9201).await;
    let b = rider(&app, 9202).await;
    let now = friday_noon();
    for r in [a, b] {
        rider_bot::services::domain::sign_up(&app.pool, UserId(r), &seat(), now)
            .await
            .unwrap();
    }
    app.emu.block_quietly(b);
    rider_bot::services::domain::cancel(&app.pool, UserId(a), &seat(), now)
        .await
        .unwrap();
    app.settle_outbox().await;
    assert_eq!(
        statuses(&app).await,
        [("services.promoted".to_owned(), "unreachable".to_owned())]
    );
    assert!(app.user_field(b, "blocked_at").await.is_some());
    // The next message to B is not even tried.
    let sends = app.emu.request_count("sendMessage");
    let mut conn = app.pool.acquire().await.unwrap();
    store::enqueue(
        &mut conn,
        &Notice::new(b, "roles.changed", json!({ "appointed": true })),
    )
    .await
    .unwrap();
    drop(conn);
    app.settle_outbox().await;
    assert_eq!(app.emu.request_count("sendMessage"), sends);
    assert_eq!(statuses(&app).await[1].1, "unreachable");
    // B unblocks (and so writes again): messages reach them again.
    app.emu.set_blocked(b, false);
    let mut deadline = 0;
    while app.user_field(b, "blocked_at").await.is_some() {
        deadline += 1;
        assert!(deadline < 500, "the unblock was not seen");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let mut conn = app.pool.acquire().await.unwrap();
    store::enqueue(
        &mut conn,
        &Notice::new(b, "roles.changed", json!({ "appointed": true })),
    )
    .await
    .unwrap();
    drop(conn);
    app.expect_text(b, &first_words(Lang::En, "you-were-appointed"))
        .await;
}

/// A PNG Telegram would refuse as a photo (width 21 times its height), that is a fine file.
fn too_wide_png() -> Vec<u8> {
    let mut bytes = Vec::new();
    {
        let mut enc = png::Encoder::new(&mut bytes, 4200, 200);
        enc.set_color(png::ColorType::Grayscale);
        let mut w = enc.write_header().unwrap();
        w.write_image_data(&vec![128u8; 4200 * 200]).unwrap();
    }
    bytes
}

#[tokio::test]
async fn a_card_whose_photo_telegram_would_refuse_reaches_the_group_and_so_does_the_next() {
    let app = app_with(true, &[]).await;
    let r = crate::reports::rider(&app, 9301).await;
    let en = |k: &str| t(Lang::En, k);
    app.emu
        .send_document(r, "panorama.png", "image/png", too_wide_png());
    let categories = app
        .expect_text(r, &first_words(Lang::En, "report-ask-category-with-photo"))
        .await;
    app.emu.press(r, &categories, "Exposed garbage");
    app.expect_text(r, "Photo 1 of 3 added").await;
    app.emu.send_text(r, &en("report-btn-done"));
    app.expect_text(r, &first_words(Lang::En, "report-ask-place"))
        .await;
    app.emu.send_location(r, CENTRE.0, CENTRE.1);
    app.expect_text(r, &first_words(Lang::En, "report-ask-note"))
        .await;
    app.emu.send_text(r, &en("report-btn-skip"));
    let summary = app.expect_text(r, "Your report").await;
    app.emu.press(r, &summary, &en("report-btn-confirm"));
    app.expect_text(r, "Your report number is").await;
    // The card is the file's caption, with its buttons.
    let first = card(&app, "R-000001").await;
    assert_eq!(first.kind, "document");
    assert!(!first.inline_buttons().is_empty());
    assert_eq!(first.file.as_deref(), Some(&too_wide_png()[..]));
    assert_eq!(
        app.emu.chat_messages(GROUP).len(),
        1,
        "one message for the card"
    );

    let second = file_report(&app, r).await;
    let next = card(&app, &second).await;
    assert_eq!(
        next.kind, "photo",
        "the next report is a photo card as usual"
    );
    app.settle_outbox().await;
    assert!(statuses(&app).await.iter().all(|(_, s)| s == "sent"));
}

async fn file_report(app: &TestApp, r: i64) -> String {
    file(app, r, "Exposed garbage", &[photo(7)], CENTRE, None).await
}

#[tokio::test]
async fn a_send_interrupted_by_a_crash_is_counted_unknown_and_pending_ones_go_after_a_restart() {
    let mut app = app_with_plans(ONE_SEAT).await;
    let a = rider(&app, 9401).await;
    let b = rider(&app, 9402).await;
    app.stop().await;
    let mut conn = app.pool.acquire().await.unwrap();
    for r in [a, b] {
        store::enqueue(
            &mut conn,
            &Notice::new(r, "roles.changed", json!({ "appointed": true })),
        )
        .await
        .unwrap();
    }
    // A's was on its way to Telegram when the process died.
    sqlx::query("UPDATE outbox SET status = 'sending' WHERE chat_id = $1")
        .bind(a)
        .execute(&mut *conn)
        .await
        .unwrap();
    drop(conn);
    app.start().await;
    app.expect_text(b, &first_words(Lang::En, "you-were-appointed"))
        .await;
    app.settle_outbox().await;
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT chat_id, status FROM outbox ORDER BY id")
        .fetch_all(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, [(a, "unknown".to_owned()), (b, "sent".to_owned())]);
    assert_eq!(received(&app, a, "appointed"), 0, "not sent twice");
}

#[tokio::test]
async fn the_sender_keeps_one_message_a_second_into_a_chat_and_meets_no_429() {
    let app = app_with_plans(ONE_SEAT).await;
    let r = rider(&app, 9501).await;
    app.emu.set_chat_limits(Some((1, 20)));
    let mut conn = app.pool.acquire().await.unwrap();
    for appointed in [true, false, true] {
        store::enqueue(
            &mut conn,
            &Notice::new(r, "roles.changed", json!({ "appointed": appointed })),
        )
        .await
        .unwrap();
    }
    drop(conn);
    let started = std::time::Instant::now();
    for _ in 0..3 {
        app.expect_text(r, "grid officer").await;
    }
    assert!(
        started.elapsed() >= std::time::Duration::from_millis(1900),
        "three messages into one chat took {:?}",
        started.elapsed()
    );
    assert_eq!(app.emu.too_many_count(), 0);
    app.settle_outbox().await;
    assert!(statuses(&app).await.iter().all(|(_, s)| s == "sent"));
}

#[tokio::test]
async fn a_card_with_photos_through_a_429_and_a_502_is_posted_once() {
    let app = app_with(true, &[]).await;
    let r = crate::reports::rider(&app, 9601).await;
    trouble(&app, GROUP);
    let number = file(
        &app,
        r,
        "Exposed garbage",
        &[photo(1), photo(2)],
        CENTRE,
        None,
    )
    .await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(40);
    let photos = || {
        app.emu
            .chat_messages(GROUP)
            .iter()
            .filter(|m| m.kind == "photo")
            .count()
    };
    while photos() < 2 {
        assert!(
            std::time::Instant::now() < deadline,
            "the photos never came"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.settle_outbox().await;
    let group = app.emu.chat_messages(GROUP);
    let cards = group
        .iter()
        .filter(|m| m.kind == "text" && m.text.contains(&number))
        .count();
    assert_eq!((cards, photos()), (1, 2), "one card, its two photos, once");
    assert!(app.emu.too_many_count() >= 1);
    assert_eq!(
        statuses(&app).await,
        [("reports.card".to_owned(), "sent".to_owned())]
    );
}
