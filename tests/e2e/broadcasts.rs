//! Broadcasts through the emulator: a coordinator composes, previews and sends to each kind of
//! audience; riders who turned announcements off are skipped unless it is urgent; the progress
//! message ends with figures that add up; and the bad input around it: a rider trying, a forged
//! button, an empty or oversized message, an audience of nobody, a station or session that
//! does not exist, Send pressed twice, Stop on a finished broadcast, a coordinator who blocked
//! the bot meanwhile.

use rider_bot::emulator::BotMessage;
use rider_bot::i18n::{t, Lang};
use rider_bot::services::SessionCode;
use rider_bot::users::UserId;

use crate::helpers::{first_words, TestApp, COORDINATOR};
use crate::services::{app_with_plans, friday_noon, rider};

const PLANS: &str =
    "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
    SEAT,haircut,爱心义剪,Free haircut,LF-S01,Sa,09:00,11:30,5,20,true\n";

/// LF-S01 in the demo seeds (WGS-84), and a place 10 km away.
const NEAR_S01: (f64, f64) = (31.3230, 120.7210);
const FAR: (f64, f64) = (31.41, 120.72);

async fn app() -> TestApp {
    app_with_plans(PLANS).await
}

fn en(key: &str) -> String {
    t(Lang::En, key)
}

fn zh(key: &str) -> String {
    t(Lang::Zh, key)
}

/// The coordinator composes `text` for the audience button `audience` and gets the preview
/// and the summary (returned).
pub(crate) async fn compose(app: &TestApp, text: &str, audience: &str) -> BotMessage {
    app.emu.send_text(COORDINATOR, "/broadcast");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-ask-body"))
        .await;
    app.emu.send_text(COORDINATOR, text);
    let ask = app
        .expect_text(COORDINATOR, &zh("broadcast-ask-audience"))
        .await;
    app.emu.press(COORDINATOR, &ask, &zh(audience));
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-review"))
        .await
}

/// Presses Send now on `summary` and waits for the broadcast to finish; returns the progress
/// message as it ends.
async fn send_and_finish(app: &TestApp, summary: &BotMessage) -> BotMessage {
    app.emu
        .press(COORDINATOR, summary, &zh("broadcast-btn-send"));
    app.expect_text(COORDINATOR, "📤").await;
    let progress = app.expect_text(COORDINATOR, "📣").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let m = app.emu.message(COORDINATOR, progress.message_id).unwrap();
        if m.text.starts_with("✅") {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "never finished: {}",
            m.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn got(app: &TestApp, chat: i64, needle: &str) -> usize {
    app.emu
        .chat_messages(chat)
        .iter()
        .filter(|m| m.text.contains(needle))
        .count()
}

#[tokio::test]
async fn a_broadcast_reaches_riders_once_and_skips_those_who_opted_out_unless_urgent() {
    let app = app().await;
    let a = rider(&app, 8101).await;
    let b = rider(&app, 8102).await;
    let quiet = rider(&app, 8103).await;
    app.emu.send_text(quiet, "/notifications");
    let settings = app.expect_text(quiet, "Your notifications").await;
    app.emu
        .press(quiet, &settings, &en("notifications-btn-announcements-off"));
    let off = app.edited(quiet, settings.message_id, 0).await;
    assert!(
        off.text.contains("Announcements from the district: off"),
        "{}",
        off.text
    );

    // What the coordinator types is shown as typed: markup characters are escaped.
    let text = "Cold wave <b>tonight</b> & tomorrow: stations open late";
    let summary = compose(&app, text, "broadcast-to-all").await;
    let preview = app
        .emu
        .chat_messages(COORDINATOR)
        .into_iter()
        .rev()
        .find(|m| m.text == text)
        .unwrap_or_else(|| {
            panic!(
                "no preview in {:?}",
                app.emu
                    .chat_messages(COORDINATOR)
                    .iter()
                    .map(|m| &m.raw)
                    .collect::<Vec<_>>()
            )
        });
    assert_eq!(preview.text, text);
    assert!(summary.text.contains("共 2 人"), "{}", summary.text);
    assert!(summary.text.contains("1 人关闭了通知"), "{}", summary.text);

    let done = send_and_finish(&app, &summary).await;
    assert!(done.text.contains("2 / 2"), "{}", done.text);
    for r in [a, b] {
        assert_eq!(got(&app, r, text), 1, "rider {r}");
    }
    assert_eq!(got(&app, quiet, text), 0, "announcements off");

    // The same Send pressed again (a second device): nothing more goes.
    let q = app
        .emu
        .press_data(COORDINATOR, COORDINATOR, summary.message_id, "bc:s");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert!(answer["text"].as_str().unwrap().contains("#1"), "{answer}");

    // Urgent (safety): reaches everyone, the quiet rider too.
    let warning = "Ice on the Loufeng bridge: ride slowly";
    let summary = compose(&app, warning, "broadcast-to-all").await;
    app.emu
        .press(COORDINATOR, &summary, &zh("broadcast-btn-urgent-off"));
    let urgent = app.edited(COORDINATOR, summary.message_id, 0).await;
    assert!(urgent.text.contains("共 3 人"), "{}", urgent.text);
    let done = send_and_finish(&app, &urgent).await;
    assert!(done.text.contains("3 / 3"), "{}", done.text);
    for r in [a, b, quiet] {
        assert_eq!(got(&app, r, warning), 1, "rider {r}");
    }
    assert_eq!(got(&app, a, text), 1, "the first one still once");

    // The audit trail has both, with their figures.
    let trail: Vec<(String, Option<String>)> = sqlx::query_as(
        "SELECT action, detail FROM audit_log WHERE action LIKE 'broadcast%' ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    let actions: Vec<&str> = trail.iter().map(|(a, _)| a.as_str()).collect();
    assert_eq!(
        actions,
        [
            "broadcast_send",
            "broadcast_done",
            "broadcast_send",
            "broadcast_done"
        ]
    );
    assert!(
        trail[3].1.as_deref().unwrap().contains("3 sent"),
        "{trail:?}"
    );

    // /broadcasts lists them.
    app.emu.send_text(COORDINATOR, "/broadcasts");
    let list = app.expect_text(COORDINATOR, "最近的通知").await;
    assert!(
        list.text.contains("第 1 号") && list.text.contains("第 2 号"),
        "{}",
        list.text
    );
}

#[tokio::test]
async fn each_kind_of_audience_reaches_exactly_its_riders() {
    let app = app().await;
    let officer = rider(&app, 8201).await;
    let signed = rider(&app, 8202).await;
    let nearby = rider(&app, 8203).await;
    let far = rider(&app, 8204).await;
    // A grid officer.
    app.emu
        .send_text(COORDINATOR, &format!("/appoint {officer}"));
    app.expect_text(officer, "grid officer").await;
    // A sign-up.
    rider_bot::services::domain::sign_up(
        &app.pool,
        UserId(signed),
        &SessionCode::parse("SEAT-20261205").unwrap(),
        friday_noon(),
    )
    .await
    .unwrap();
    // Two riders with nearby alerts on: one shares a location near LF-S01, one far away.
    for (r, at) in [(nearby, NEAR_S01), (far, FAR)] {
        app.emu.send_text(r, "/notifications");
        let view = app.expect_text(r, "Your notifications").await;
        app.emu.press(r, &view, &en("notifications-btn-nearby-on"));
        app.edited(r, view.message_id, 0).await;
        app.emu.send_location(r, at.0, at.1);
        app.drain(r).await;
    }

    let cases: [(&str, &str, Option<&str>, i64); 4] = [
        ("To the officers", "broadcast-to-officers", None, officer),
        (
            "To the sign-ups",
            "broadcast-to-session",
            Some("SEAT-20261205"),
            signed,
        ),
        ("Near S01", "broadcast-to-near", Some("LF-S01 3"), nearby),
        ("To Meituan riders", "broadcast-to-platform", None, 0),
    ];
    for (text, audience, arg, only) in cases {
        app.emu.send_text(COORDINATOR, "/broadcast");
        app.expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-ask-body"))
            .await;
        app.emu.send_text(COORDINATOR, text);
        let ask = app
            .expect_text(COORDINATOR, &zh("broadcast-ask-audience"))
            .await;
        app.emu.press(COORDINATOR, &ask, &zh(audience));
        match (audience, arg) {
            ("broadcast-to-platform", _) => {
                let platforms = app.edited(COORDINATOR, ask.message_id, 0).await;
                app.emu
                    .press(COORDINATOR, &platforms, &zh("platform-meituan"));
            }
            (_, Some(arg)) => {
                app.drain(COORDINATOR).await;
                app.emu.send_text(COORDINATOR, arg);
            }
            (_, None) => {}
        }
        let summary = app
            .expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-review"))
            .await;
        send_and_finish(&app, &summary).await;
        for r in [officer, signed, nearby, far] {
            let expected = usize::from(only == 0 || only == r);
            assert_eq!(got(&app, r, text), expected, "{text} to {r}");
        }
    }
}

#[tokio::test]
async fn bad_broadcasts_get_clear_answers_and_nobody_gets_anything_twice() {
    let app = app().await;
    let r = rider(&app, 8301).await;

    // A rider: refused, by command and by a forged button.
    app.emu.send_text(r, "/broadcast");
    app.expect_text(r, &first_words(Lang::En, "role-not-coordinator"))
        .await;
    let q = app.emu.press_data(r, r, 1, "bc:s");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("button-expired"));
    let q = app.emu.press_data(r, r, 1, "bc:c:1");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("role-not-coordinator"));

    // A sticker, an oversized caption, an empty body.
    app.emu.send_text(COORDINATOR, "/broadcast");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-ask-body"))
        .await;
    app.emu.send_sticker(COORDINATOR);
    app.expect_text(COORDINATOR, &zh("broadcast-body-kinds"))
        .await;
    app.emu.send_photo(
        COORDINATOR,
        vec![0xFF, 0xD8, 0xFF, 0xE0, 1, 2, 3],
        Some(&"字".repeat(1025)),
    );
    app.expect_text(
        COORDINATOR,
        &first_words(Lang::Zh, "broadcast-caption-too-long"),
    )
    .await;
    // A station and a session that do not exist, and a session nobody signed up for.
    app.emu.send_text(COORDINATOR, "Bins collected late today");
    let ask = app
        .expect_text(COORDINATOR, &zh("broadcast-ask-audience"))
        .await;
    app.emu.press(COORDINATOR, &ask, &zh("broadcast-to-near"));
    app.drain(COORDINATOR).await;
    app.emu.send_text(COORDINATOR, "ZZ-99 3");
    app.expect_text(COORDINATOR, "ZZ-99").await;
    app.emu.send_text(COORDINATOR, "LF-S01 500");
    app.expect_text(COORDINATOR, &zh("broadcast-bad-radius"))
        .await;
    app.emu.send_text(COORDINATOR, "LF-S01 3");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-no-audience"))
        .await;
    app.emu.send_text(COORDINATOR, "/cancel");
    app.drain(COORDINATOR).await;

    app.emu.send_text(COORDINATOR, "/broadcast");
    app.drain(COORDINATOR).await;
    app.emu.send_text(COORDINATOR, "Session news");
    let ask = app
        .expect_text(COORDINATOR, &zh("broadcast-ask-audience"))
        .await;
    app.emu
        .press(COORDINATOR, &ask, &zh("broadcast-to-session"));
    app.drain(COORDINATOR).await;
    app.emu.send_text(COORDINATOR, "NOPE-20261205");
    app.expect_text(COORDINATOR, "NOPE-20261205").await;
    app.emu.send_text(COORDINATOR, "SEAT-20261205");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-no-audience"))
        .await;
    app.emu.send_text(COORDINATOR, "/cancel");
    app.drain(COORDINATOR).await;

    // A real one, while the coordinator has blocked the bot: it still reaches the rider, and
    // Stop on the finished broadcast says it is over.
    let summary = compose(&app, "Free tea at LF-C01", "broadcast-to-all").await;
    app.emu
        .press(COORDINATOR, &summary, &zh("broadcast-btn-send"));
    app.expect_text(COORDINATOR, "📤").await;
    let progress = app.expect_text(COORDINATOR, "📣").await;
    app.emu.block_quietly(COORDINATOR);
    app.expect_text(r, "Free tea").await;
    app.settle_outbox().await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let status: String = sqlx::query_scalar("SELECT status FROM broadcasts WHERE id = 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if status == "done" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "{status}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    app.emu.set_blocked(COORDINATOR, false);
    let q = app
        .emu
        .press_data(COORDINATOR, COORDINATOR, progress.message_id, "bc:c:1");
    let stale = app.emu.wait_callback_answer(&q).await.unwrap();
    let over = rider_bot::i18n::t_args(
        Lang::Zh,
        "broadcast-over",
        &[("id", fluent_bundle::FluentValue::from(1))],
    );
    assert_eq!(stale["text"], over);
    assert_eq!(got(&app, r, "Free tea"), 1);
}

#[tokio::test]
async fn a_broadcast_waits_out_429s_counts_a_blocked_rider_and_stops_when_asked() {
    let app = app().await;
    let mut riders = Vec::new();
    for id in 8401..8413 {
        riders.push(rider(&app, id).await);
    }
    // Telegram allows 5 a second here: the sender meets 429s and waits them out.
    app.emu.set_rate_limit(Some(5));
    app.emu.block_quietly(riders[0]);
    let summary = compose(&app, "Water at every station today", "broadcast-to-all").await;
    let done = send_and_finish(&app, &summary).await;
    assert!(done.text.contains("11 / 12"), "{}", done.text);
    assert!(done.text.contains("无法送达 1"), "{}", done.text);
    assert!(app.emu.too_many_count() > 0, "the limit was met");
    for r in &riders[1..] {
        assert_eq!(got(&app, *r, "Water at every station"), 1, "rider {r}");
    }
    assert!(app.user_field(riders[0], "blocked_at").await.is_some());

    // Stopped while it runs: eight riders' sends meet a 502 (and wait to be tried again), the
    // others get it; Stop then keeps the eight from ever getting it.
    app.emu.set_rate_limit(None);
    for r in &riders[4..] {
        app.emu.fail_sends(*r, 1);
    }
    let summary = compose(&app, "Second notice", "broadcast-to-all").await;
    app.emu
        .press(COORDINATOR, &summary, &zh("broadcast-btn-send"));
    app.expect_text(COORDINATOR, "📤").await;
    let progress = app.expect_text(COORDINATOR, "📣").await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while riders[1..4]
        .iter()
        .any(|r| got(&app, *r, "Second notice") == 0)
    {
        assert!(
            std::time::Instant::now() < deadline,
            "the healthy riders did not get it"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    app.emu
        .press(COORDINATOR, &progress, &zh("broadcast-btn-stop"));
    app.settle_outbox().await;
    let stopped = app.edited(COORDINATOR, progress.message_id, 0).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let mut text = stopped.text;
    while !text.starts_with("⛔") {
        assert!(std::time::Instant::now() < deadline, "{text}");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        text = app
            .emu
            .message(COORDINATOR, progress.message_id)
            .unwrap()
            .text;
    }
    let reached: usize = riders.iter().map(|r| got(&app, *r, "Second notice")).sum();
    assert_eq!(reached, 3, "only the riders whose sends went through");
    let f = {
        let mut conn = app.pool.acquire().await.unwrap();
        rider_bot::broadcasts::store::figures(&mut conn, 2)
            .await
            .unwrap()
    };
    assert_eq!(f.sent as usize, reached, "{f:?}");
    assert_eq!(f.sent + f.unreachable + f.dropped, 12, "{f:?}");
    assert_eq!(f.dropped, 8, "{f:?}");

    // Sent later: nothing goes now; stopped before its time, nothing ever goes.
    app.emu.set_rate_limit(None);
    let summary = compose(&app, "Haircuts on Saturday", "broadcast-to-all").await;
    app.emu
        .press(COORDINATOR, &summary, &zh("broadcast-btn-later"));
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "broadcast-ask-when"))
        .await;
    app.emu.send_text(COORDINATOR, "18:30");
    app.expect_text(COORDINATOR, "12-04 18:30").await;
    let progress = app.expect_text(COORDINATOR, "🕒").await;
    let waiting: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM outbox WHERE broadcast_id = 3 AND status = 'pending' AND not_before > $1",
    )
    .bind(rider_bot::db::At(rider_bot::db::now() + chrono::Duration::hours(6)))
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        waiting, 12,
        "due in six and a half hours (the blocked rider too: counted unreachable then)"
    );
    app.emu
        .press(COORDINATOR, &progress, &zh("broadcast-btn-stop"));
    app.settle_outbox().await;
    assert!(riders.iter().all(|r| got(&app, *r, "Haircuts") == 0));
    let status: String = sqlx::query_scalar("SELECT status FROM broadcasts WHERE id = 3")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(status, "cancelled");
}
