//! Several instances on one database: two outbox senders share the rows, keep each chat's
//! order and Telegram's per-chat gap, divide the global rate between them, and when one dies
//! in the middle the other finishes the job, every message sent once, and the sends the dead
//! one had in flight counted `unknown`. Jobs that one instance runs at a time move to a live
//! instance when their holder dies.
//!
//! The second instance here is the real sender (`bot::core::outbox::run`) and the real
//! heartbeat in the same process, built by `startup::env_for` on the same database: what a
//! second process would run.

use std::collections::HashMap;
use std::time::Duration;

use rider_bot::bot::core::Env;
use rider_bot::i18n::{t, Lang};
use rider_bot::instances::{store as instances, Liveness};
use rider_bot::outbox::{store, Notice};
use serde_json::json;
use tokio::task::JoinHandle;

use crate::helpers::TestApp;

/// Short enough for a test: a silent instance is dead after a second.
const QUICK: Liveness = Liveness {
    heartbeat: Duration::from_millis(200),
    dead_after: Duration::from_secs(1),
};

/// Where no instance dies: a heartbeat as quick, but one late by a few seconds on a busy
/// machine does not make its instance look dead (which would hand its rate share to the other).
const STEADY: Liveness = Liveness {
    heartbeat: Duration::from_millis(200),
    dead_after: Duration::from_secs(10),
};

/// The bot, sending at most `per_second` overall, with quick liveness.
async fn app(per_second: &str) -> TestApp {
    app_living(per_second, QUICK).await
}

async fn app_living(per_second: &str, liveness: Liveness) -> TestApp {
    TestApp::spawn_configured(
        &[
            ("COORDINATOR_IDS", "900"),
            ("OUTBOX_PER_SECOND", per_second),
        ],
        |c| c.liveness = liveness,
    )
    .await
}

/// A second instance on the app's database: its heartbeat and its outbox sender.
struct Second {
    env: Env,
    tasks: Vec<JoinHandle<()>>,
}

impl Second {
    async fn start(app: &TestApp) -> Second {
        let env = rider_bot::startup::env_for(&app.config, app.pool.clone()).unwrap();
        let me = env.settings.instance.clone();
        let living = env.settings.liveness;
        instances::beat(&env.pool, &me, rider_bot::db::now(), living.dead_after)
            .await
            .unwrap();
        let beat = {
            let env = env.clone();
            tokio::spawn(async move {
                loop {
                    tokio::time::sleep(living.heartbeat).await;
                    let me = &env.settings.instance;
                    let _ = instances::beat(&env.pool, me, rider_bot::db::now(), living.dead_after)
                        .await;
                }
            })
        };
        let sender = {
            let env = env.clone();
            tokio::spawn(async move {
                let _ = rider_bot::bot::core::outbox::run(env).await;
            })
        };
        Second {
            env,
            tasks: vec![beat, sender],
        }
    }

    /// Gone as with kill -9: no goodbye, its rows and leases left as they were.
    fn kill(self) {
        for t in self.tasks {
            t.abort();
        }
    }
}

/// Registered riders the emulator knows, made directly in the table (their onboarding is
/// tested elsewhere).
async fn riders(app: &TestApp, from: i64, n: i64) -> Vec<i64> {
    let now = rider_bot::db::now();
    let mut ids = Vec::new();
    for id in from..from + n {
        app.rider(id, Some("en"));
        sqlx::query(
            "INSERT INTO users (id, status, role, lang, registered_at, created_at, updated_at)
             VALUES ($1, 'registered', 'rider', 'en', $2, $2, $2)",
        )
        .bind(id)
        .bind(rider_bot::db::At(now))
        .execute(&app.pool)
        .await
        .unwrap();
        ids.push(id);
    }
    ids
}

async fn enqueue(app: &TestApp, chat: i64, appointed: bool) {
    let mut conn = app.pool.acquire().await.unwrap();
    store::enqueue(
        &mut conn,
        &Notice::new(chat, "roles.changed", json!({ "appointed": appointed })),
    )
    .await
    .unwrap();
}

async fn statuses(app: &TestApp) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.into_iter().collect()
}

/// Waits until nothing is pending or being sent, for up to `wait`.
async fn settled(app: &TestApp, wait: Duration) {
    let deadline = std::time::Instant::now() + wait;
    loop {
        let s = statuses(app).await;
        if !s.contains_key("pending") && !s.contains_key("sending") {
            return;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "outbox not settled: {s:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Which instance took each row.
async fn takers(app: &TestApp) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT taken_by, COUNT(*) FROM outbox GROUP BY taken_by")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    rows.into_iter().collect()
}

#[tokio::test]
async fn two_senders_share_the_outbox_each_message_once_in_order_within_the_rates() {
    let mut app = app_living("10", STEADY).await;
    // The second instance is alive before the first one's sender counts who is.
    app.stop().await;
    let second = Second::start(&app).await;
    app.start().await;
    // Telegram's limits: one message a second into a chat, and 12 a second overall: two
    // senders each at the configured 10 a second would pass it; sharing 10 between them does
    // not.
    app.emu.set_chat_limits(Some((1, 20)));
    app.emu.set_rate_limit(Some(12));
    let ordered = riders(&app, 7_000, 10).await;
    let single = riders(&app, 7_100, 60).await;
    for &r in &ordered {
        for appointed in [true, false, true] {
            enqueue(&app, r, appointed).await;
        }
    }
    for &r in &single {
        enqueue(&app, r, true).await;
    }
    settled(&app, Duration::from_secs(60)).await;

    assert_eq!(statuses(&app).await, HashMap::from([("sent".into(), 90)]));
    let by = takers(&app).await;
    assert_eq!(by.len(), 2, "both instances sent: {by:?}");
    assert!(by.contains_key(second.env.settings.instance.as_str()));
    assert_eq!(
        app.emu.too_many_in_chats(),
        0,
        "no 429 for a chat's limit: each chat's gap was kept across instances"
    );
    assert_eq!(app.emu.too_many_count(), 0, "no 429: the rate was shared");
    let appointed = t(Lang::En, "you-were-appointed");
    let revoked = t(Lang::En, "you-were-revoked");
    let start = |s: &str| s.split('<').next().unwrap().trim().to_owned();
    for &r in &ordered {
        let texts: Vec<String> = app
            .emu
            .chat_messages(r)
            .iter()
            .map(|m| m.text.clone())
            .collect();
        assert_eq!(texts.len(), 3, "rider {r}: {texts:?}");
        let expected = [&appointed, &revoked, &appointed].map(|k| start(k));
        for (got, want) in texts.iter().zip(expected.iter()) {
            assert!(got.starts_with(want.as_str()), "rider {r} order: {texts:?}");
        }
    }
    for &r in &single {
        assert_eq!(app.emu.chat_messages(r).len(), 1, "rider {r} once");
    }
    second.kill();
}

#[tokio::test]
async fn when_one_of_two_senders_dies_mid_broadcast_the_other_finishes_and_counts_the_unknown() {
    let mut app = app("30").await;
    app.stop().await;
    let second = Second::start(&app).await;
    app.start().await;
    let everyone = riders(&app, 8_000, 1_000).await;
    for &r in &everyone {
        enqueue(&app, r, true).await;
    }
    // Kill the second instance once about a third of the messages have gone.
    assert!(app.emu.wait_sent_count(300, Duration::from_secs(60)).await);
    let dead = second.env.settings.instance.clone();
    second.kill();
    settled(&app, Duration::from_secs(120)).await;

    let s = statuses(&app).await;
    let sent = s.get("sent").copied().unwrap_or(0);
    let unknown = s.get("unknown").copied().unwrap_or(0);
    assert_eq!(
        sent + unknown,
        1_000,
        "every row ended sent or unknown: {s:?}"
    );
    // Only what the dead instance had in flight is unknown: at most its sends at once.
    assert!(unknown <= 16, "{s:?}");
    let unknown_takers: Vec<String> =
        sqlx::query_scalar("SELECT DISTINCT taken_by FROM outbox WHERE status = 'unknown'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert!(unknown_takers.iter().all(|t| *t == dead.as_str()));
    let mut delivered = 0;
    for &r in &everyone {
        let got = app.emu.chat_messages(r).len();
        assert!(got <= 1, "rider {r} got it {got} times");
        delivered += got;
    }
    // Rows sent were delivered; an unknown one may or may not have reached its rider.
    assert!(
        delivered as i64 >= sent,
        "{delivered} delivered, {sent} sent"
    );
    assert!(delivered as i64 <= sent + unknown);
    println!("killed mid-broadcast: {sent} sent, {unknown} unknown, {delivered} delivered");
}

/// The id of the app's own instance (the one row, once it has registered).
async fn own_instance(app: &TestApp) -> String {
    for _ in 0..200 {
        let id: Option<String> = sqlx::query_scalar("SELECT id FROM instances")
            .fetch_optional(&app.pool)
            .await
            .unwrap();
        if let Some(id) = id {
            return id;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the app never registered its instance");
}

#[tokio::test]
async fn a_row_this_instance_lost_while_sending_is_counted_unknown_and_its_chat_moves_on() {
    let app = app("20").await;
    let r = riders(&app, 9_000, 1).await[0];
    // What a send that panicked, or whose outcome the database would not take, leaves: a row
    // `sending` under this live instance with no send in flight.
    let me = own_instance(&app).await;
    sqlx::query(
        "INSERT INTO outbox (chat_id, kind, payload, status, attempts, not_before, created_at,
                             taken_by, taken_at)
         VALUES ($1, 'roles.changed', '{\"appointed\":false}', 'sending', 1, $2, $2, $3, $2)",
    )
    .bind(r)
    .bind(rider_bot::db::At(rider_bot::db::now()))
    .bind(&me)
    .execute(&app.pool)
    .await
    .unwrap();
    enqueue(&app, r, true).await;
    settled(&app, Duration::from_secs(10)).await;
    assert_eq!(
        statuses(&app).await,
        HashMap::from([("unknown".into(), 1), ("sent".into(), 1)])
    );
    let texts: Vec<String> = app
        .emu
        .chat_messages(r)
        .into_iter()
        .map(|m| m.text)
        .collect();
    assert_eq!(texts.len(), 1, "only the later row went: {texts:?}");
    assert!(texts[0].starts_with(t(Lang::En, "you-were-appointed").split('<').next().unwrap()));
}

#[tokio::test]
async fn a_row_waiting_out_a_429_holds_its_chats_later_rows_after_a_restart_too() {
    let mut app = app("20").await;
    let r = riders(&app, 9_100, 1).await[0];
    app.stop().await;
    // Before the stop, the first row met a 429 and waits two seconds; the second is fresh.
    // Nothing in memory remembers the wait now: only the table does.
    let now = rider_bot::db::now();
    sqlx::query(
        "INSERT INTO outbox (chat_id, kind, payload, status, attempts, not_before, error,
                             created_at)
         VALUES ($1, 'roles.changed', '{\"appointed\":true}', 'pending', 0, $2,
                 'Too Many Requests: retry after 2', $3)",
    )
    .bind(r)
    .bind(rider_bot::db::At(now + chrono::Duration::seconds(2)))
    .bind(rider_bot::db::At(now))
    .execute(&app.pool)
    .await
    .unwrap();
    enqueue(&app, r, false).await;
    app.start().await;
    settled(&app, Duration::from_secs(15)).await;
    let texts: Vec<String> = app
        .emu
        .chat_messages(r)
        .into_iter()
        .map(|m| m.text)
        .collect();
    let start = |k: &str| t(Lang::En, k).split('<').next().unwrap().trim().to_owned();
    assert_eq!(texts.len(), 2, "{texts:?}");
    assert!(
        texts[0].starts_with(&start("you-were-appointed")),
        "order: {texts:?}"
    );
    assert!(
        texts[1].starts_with(&start("you-were-revoked")),
        "order: {texts:?}"
    );
}

#[tokio::test]
async fn a_clean_stop_in_the_middle_of_sending_lets_the_sends_in_flight_finish() {
    let mut app = app("20").await;
    // Each send takes Telegram 300 ms to answer: a stop always finds some in flight.
    app.emu.set_send_delay(Some(Duration::from_millis(300)));
    let everyone = riders(&app, 9_200, 60).await;
    for &r in &everyone {
        enqueue(&app, r, true).await;
    }
    assert!(app.emu.wait_sent_count(10, Duration::from_secs(20)).await);
    app.stop().await;
    let s = statuses(&app).await;
    assert!(!s.contains_key("sending"), "nothing left half-sent: {s:?}");
    assert!(!s.contains_key("unknown"), "nothing counted unknown: {s:?}");
    app.emu.set_send_delay(None);
    app.start().await;
    settled(&app, Duration::from_secs(30)).await;
    assert_eq!(statuses(&app).await, HashMap::from([("sent".into(), 60)]));
    for &r in &everyone {
        assert_eq!(app.emu.chat_messages(r).len(), 1, "rider {r} once");
    }
}
