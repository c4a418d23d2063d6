//! Health, readiness and metrics through the real path: the application built as `rider-bot
//! run` builds it, with `HTTP_ADDR` set, updates from the Bot API emulator, and plain HTTP
//! requests to its endpoints.
//!
//! Metrics are process-wide, so this is a test binary of its own with one test: every counter
//! it reads moved only for what this test did, and can be checked exactly against the
//! emulator's own count of what it was sent.

#[allow(dead_code)]
#[path = "e2e/helpers.rs"]
mod helpers;

use std::time::{Duration, Instant};

use helpers::TestApp;
use rider_bot::i18n::Lang;
use rider_bot::ops::exporter::{
    sum, API_CALLS, API_ERRORS, HANDLER_SECONDS, OUTBOX_DEPTH, OUTBOX_OUTCOMES, OUTBOX_SENT,
    UPDATES,
};
use rider_bot::outbox::{store, Notice};

const RIDER: i64 = 501;
const FLOODER: i64 = 502;
/// Someone who writes while the database will not take new people.
const STRANGER: i64 = 503;
/// Messages the flooder sends at once: more than `FLOOD_BURST`.
const FLOOD: usize = 25;

async fn get(app: &TestApp, path: &str) -> (u16, String) {
    let addr = app.http.expect("HTTP_ADDR is served");
    let response = reqwest::get(format!("http://{addr}{path}")).await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

async fn metrics(app: &TestApp) -> String {
    let (status, text) = get(app, "/metrics").await;
    assert_eq!(status, 200);
    text
}

/// Waits (up to 15 s) until `done` holds for the metrics text, and returns that text.
async fn until(app: &TestApp, what: &str, done: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = metrics(app).await;
        if done(&text) {
            return text;
        }
        assert!(Instant::now() < deadline, "{what} never held:\n{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

fn updates(text: &str, kind: &str, outcome: &str) -> f64 {
    sum(text, UPDATES, &[("kind", kind), ("outcome", outcome)])
}

/// Whether the calls counted for `method` are the requests the emulator saw.
fn calls_match(app: &TestApp, text: &str, method: &str) -> bool {
    sum(text, API_CALLS, &[("method", method)]) == app.emu.request_count(method) as f64
}

/// The methods whose counted calls are not the requests the emulator saw: (method, seen,
/// counted). Every request is counted but teloxide's own: the long poll (getUpdates, and
/// deleteWebhook before it) and the dispatcher's getMe as it starts.
fn uncounted(app: &TestApp, text: &str) -> Vec<(String, u64, f64)> {
    let counted = |method: &str| -> f64 {
        text.lines()
            .filter(|l| l.starts_with(API_CALLS))
            .filter(|l| {
                l.to_ascii_lowercase()
                    .contains(&format!("method=\"{method}\""))
            })
            .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
            .sum()
    };
    app.emu
        .request_counts()
        .into_iter()
        .filter_map(|(method, seen)| {
            let own = match method.as_str() {
                "getupdates" | "deletewebhook" => seen,
                "getme" => 1,
                _ => 0,
            };
            let n = counted(&method);
            (n != (seen - own) as f64).then_some((method, seen, n))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn endpoints_answer_and_counters_move_by_what_happened() {
    let mut app = TestApp::spawn_configured(
        &[
            ("COORDINATOR_IDS", "900"),
            ("HTTP_ADDR", "127.0.0.1:0"),
            ("FLOOD_BURST", "10"),
            ("FLOOD_PER_MINUTE", "60"),
        ],
        // Every probe asks Telegram, so a failing getMe is seen at once.
        |c| c.ready_bot_ok_for = Duration::ZERO,
    )
    .await;
    assert_eq!(get(&app, "/healthz").await, (200, "ok".to_owned()));
    assert_eq!(get(&app, "/readyz").await, (200, "ok".to_owned()));

    // A rider registers: four messages and a button; Telegram asks the bot to slow down once.
    app.rider(RIDER, Some("en"));
    app.emu.too_many_once(RIDER, 1);
    app.register(RIDER, Lang::En).await;
    assert_eq!(app.emu.too_many_count(), 1);
    // One message delivered again, one edited.
    let again = app.emu.send_text(RIDER, "/help");
    app.next(RIDER).await;
    app.emu.redeliver(again);
    app.emu.edit_text(RIDER, 1, "edited");
    // Someone floods: the gate drops what is past the burst.
    app.rider(FLOODER, Some("en"));
    for _ in 0..FLOOD {
        app.emu.send_text(FLOODER, "/help");
    }

    // Every update is counted once, under its kind, whatever became of it.
    let messages = (4 + 1 + 1 + FLOOD) as f64;
    let outcomes = ["handled", "failed", "ignored", "duplicate", "dropped"];
    let all_messages =
        |text: &str| -> f64 { outcomes.iter().map(|o| updates(text, "message", o)).sum() };
    let text = until(&app, "every message counted", |t| {
        all_messages(t) == messages
    })
    .await;
    assert_eq!(updates(&text, "message", "duplicate"), 1.0);
    assert_eq!(updates(&text, "message", "failed"), 0.0);
    let dropped = updates(&text, "message", "dropped");
    assert!(dropped >= (FLOOD - 10 - 1) as f64, "{text}");
    assert_eq!(updates(&text, "callback_query", "handled"), 1.0);
    let edited: f64 = outcomes
        .iter()
        .map(|o| updates(&text, "edited_message", o))
        .sum();
    assert_eq!(edited, 1.0, "{text}");
    // Each update that reached the handlers was timed once.
    let timed = sum(&text, &format!("{HANDLER_SECONDS}_count"), &[]);
    assert_eq!(timed, messages - 1.0 - dropped + 1.0 + 1.0, "{text}");

    // Bot API calls as the emulator saw them, and the 429 under its code.
    let settled = Instant::now() + Duration::from_secs(15);
    let text = loop {
        let text = metrics(&app).await;
        let wrong = uncounted(&app, &text);
        if wrong.is_empty() {
            break text;
        }
        assert!(
            Instant::now() < settled,
            "calls counted unlike the requests seen (method, seen, counted): {wrong:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let errors = |code: &str| {
        sum(
            &text,
            API_ERRORS,
            &[("method", "sendMessage"), ("code", code)],
        )
    };
    assert_eq!(errors("429"), 1.0, "{text}");
    assert_eq!(sum(&text, API_ERRORS, &[]), 1.0, "{text}");

    // The outbox: two notices for the rider, sent; its depth back to nothing.
    let mut conn = app.pool.acquire().await.unwrap();
    for appointed in [true, false] {
        let notice = Notice::new(
            RIDER,
            "roles.changed",
            serde_json::json!({ "appointed": appointed }),
        );
        store::enqueue(&mut conn, &notice).await.unwrap();
    }
    drop(conn);
    app.settle_outbox().await;
    let text = until(&app, "two outbox sends", |t| {
        sum(t, OUTBOX_SENT, &[]) == 2.0
    })
    .await;
    assert_eq!(sum(&text, OUTBOX_OUTCOMES, &[("outcome", "sent")]), 2.0);
    assert_eq!(sum(&text, OUTBOX_OUTCOMES, &[]), 2.0);
    let text = until(&app, "an empty outbox sampled", |t| {
        t.contains(OUTBOX_DEPTH) && sum(t, OUTBOX_DEPTH, &[]) == 0.0
    })
    .await;
    assert!(calls_match(&app, &text, "sendMessage"), "{text}");
    assert!(text.contains("riderbot_db_pool_connections"), "{text}");

    // The rider blocks the bot: a membership update, handled.
    app.emu.set_blocked(RIDER, true);
    until(&app, "the block counted", |t| {
        updates(t, "my_chat_member", "handled") == 1.0
    })
    .await;

    // Telegram answers getMe with 502: not ready, said briefly; then ready again.
    app.emu.fail_get_me(1);
    assert_eq!(
        get(&app, "/readyz").await,
        (503, "bot api: getMe: no answer within 3 s".to_owned())
    );
    assert_eq!(get(&app, "/readyz").await, (200, "ok".to_owned()));
    let text = metrics(&app).await;
    let timeouts = sum(
        &text,
        API_ERRORS,
        &[("method", "getMe"), ("code", "timeout")],
    );
    assert_eq!(timeouts, 1.0, "{text}");

    // The database refuses new people: a stranger's message and button press are answered
    // ("try again"), and counted failed, not ignored.
    helpers::refuse_new_users(&app.pool).await;
    app.rider(STRANGER, Some("en"));
    app.emu.send_text(STRANGER, "hello");
    let press = app.emu.press_data(STRANGER, STRANGER, 1, "menu:points");
    assert!(app.emu.wait_callback_answer(&press).await.is_some());
    let text = until(&app, "the stranger's updates counted failed", |t| {
        updates(t, "message", "failed") == 1.0 && updates(t, "callback_query", "failed") == 1.0
    })
    .await;
    assert_eq!(updates(&text, "callback_query", "ignored"), 0.0, "{text}");

    // The server stops with the bot.
    let addr = app.http.unwrap();
    app.stop().await;
    let refused = reqwest::get(format!("http://{addr}/healthz")).await;
    assert!(refused.is_err(), "{refused:?}");
}
