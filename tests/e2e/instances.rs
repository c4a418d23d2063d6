//! Several instances on one database: two outbox senders share the rows, keep each chat's
//! order and Telegram's per-chat gap, divide the global rate between them, and when one dies
//! in the middle the other finishes the job, every message sent once, and the sends the dead
//! one had in flight counted `unknown`. Jobs that one instance runs at a time move to a live
//! instance when their holder dies.
//!
//! The second instance is either the real sender (`bot::core::outbox::run`) and the real
//! heartbeat in the same process, built by `startup::env_for` on the same database; or, at the
//! end, a whole second instance in webhook mode on a runtime of its own ([`Process`]), killed
//! as with kill -9 in the middle of a broadcast a coordinator sent through the webhook.

use std::collections::HashMap;
use std::time::Duration;

use rider_bot::bot::core::Env;
use rider_bot::i18n::{t, Lang};
use rider_bot::instances::{store as instances, Liveness};
use rider_bot::outbox::{store, Notice};
use serde_json::json;
use tokio::task::JoinHandle;

use crate::helpers::{first_words, TestApp, COORDINATOR, WEBHOOK_PATH};

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

/// The outbox rows with this status, by chat.
async fn chats_with(app: &TestApp, status: &str) -> Vec<i64> {
    sqlx::query_scalar("SELECT chat_id FROM outbox WHERE status = $1 ORDER BY id")
        .bind(status)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_sender_killed_while_it_waits_for_its_turn_leaves_unknown_only_what_it_sent() {
    // One message a second: the sender spends nearly all its time waiting for its next turn.
    let mut app = app("1").await;
    app.stop().await;
    let second = Second::start(&app).await;
    let everyone = riders(&app, 9_300, 6).await;
    for &r in &everyone {
        enqueue(&app, r, true).await;
    }
    assert!(app.emu.wait_sent_count(2, Duration::from_secs(30)).await);
    // Well inside the wait for the third turn (a second after the second send).
    tokio::time::sleep(Duration::from_millis(300)).await;
    second.kill();
    // Once the second instance is taken for dead, the first counts what it was sending
    // unknown, and sends the rest.
    tokio::time::sleep(QUICK.dead_after + Duration::from_millis(500)).await;
    app.start().await;
    settled(&app, Duration::from_secs(60)).await;

    for r in chats_with(&app, "unknown").await {
        assert_eq!(
            app.emu.chat_messages(r).len(),
            1,
            "rider {r}'s row was counted unknown but never sent: it was taken before its turn"
        );
    }
    for &r in &everyone {
        assert_eq!(app.emu.chat_messages(r).len(), 1, "rider {r} once");
    }
    assert_eq!(chats_with(&app, "sending").await, Vec::<i64>::new());
}

#[tokio::test]
async fn a_clean_stop_takes_no_more_rows_even_while_the_sender_waits_for_its_turn() {
    // The usual heartbeat (a walk over the rows due may last five seconds) and one message a
    // second: the stop comes while the sender waits for a turn, with rows still due.
    let mut app = app_living("1", Liveness::default()).await;
    let everyone = riders(&app, 9_400, 6).await;
    for &r in &everyone {
        enqueue(&app, r, true).await;
    }
    assert!(app.emu.wait_sent_count(2, Duration::from_secs(30)).await);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let before = app.emu.sent_count();
    app.stop().await;
    assert!(
        app.emu.sent_count() <= before + 1,
        "rows were taken after the stop was asked: {} sent during it",
        app.emu.sent_count() - before
    );
    let s = statuses(&app).await;
    assert!(!s.contains_key("sending"), "nothing left half-sent: {s:?}");
    app.start().await;
    settled(&app, Duration::from_secs(30)).await;
    assert_eq!(statuses(&app).await, HashMap::from([("sent".into(), 6)]));
    for &r in &everyone {
        assert_eq!(app.emu.chat_messages(r).len(), 1, "rider {r} once");
    }
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

/// A whole instance of the bot in webhook mode (`Application::build` and `run_webhook`, as
/// `rider-bot run` runs them) on a Tokio runtime of its own, so that it can die as a process
/// killed with -9 does: the runtime goes at once with every task of it, nothing of its stop
/// runs (no send finished, no lease given up, no goodbye in `instances`), its sockets close.
struct Process {
    runtime: Option<tokio::runtime::Runtime>,
    /// Where its webhook is served.
    addr: std::net::SocketAddr,
}

impl Process {
    /// Builds and starts an instance with `config` (its own port); returns once it is built.
    async fn start(config: &rider_bot::config::Config) -> Process {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let addr = listener.local_addr().unwrap();
        let config = config.clone();
        let (built, is_built) = tokio::sync::oneshot::channel();
        runtime.spawn(async move {
            let app = rider_bot::startup::Application::build(&config)
                .await
                .expect("the second instance builds");
            let server = rider_bot::startup::WebhookServer {
                listener: tokio::net::TcpListener::from_std(listener).unwrap(),
                path: WEBHOOK_PATH.into(),
                secret: config.webhook_secret.clone().expect("WEBHOOK_SECRET"),
                routes: axum::Router::new(),
            };
            let _ = built.send(());
            app.run_webhook(server).await.expect("webhook mode runs");
        });
        is_built.await.expect("the second instance builds");
        Process {
            runtime: Some(runtime),
            addr,
        }
    }

    /// kill -9: every task dropped where it stands, without waiting for any.
    fn kill(&mut self) {
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Polls `check` every 20 ms until it gives a value, for up to `wait`; fails saying `what`.
async fn eventually<T, F: std::future::Future<Output = Option<T>>>(
    what: &str,
    wait: Duration,
    mut check: impl FnMut() -> F,
) -> T {
    let deadline = std::time::Instant::now() + wait;
    loop {
        if let Some(v) = check().await {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{what}: not within {wait:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// How many of `riders` the bot has sent anything.
fn reached(app: &TestApp, riders: &[i64]) -> usize {
    riders
        .iter()
        .filter(|r| !app.emu.chat_messages(**r).is_empty())
        .count()
}

/// Two whole instances in webhook mode on one PostgreSQL database behind a balancer. The
/// coordinator composes and sends a broadcast to 1,000 riders through the webhook (his updates
/// reach either instance), and one instance is killed as with kill -9 once a few hundred have
/// it. The other finishes: every rider gets it at most once; the outbox rows all end `sent` or
/// `unknown`, the unknown few (at most the dead instance's sends in flight) and all the dead
/// instance's; every rider who got nothing is one of them; the survivor takes over the
/// progress job, the broadcast ends done with those figures on the coordinator's progress
/// message, in `/broadcasts` and in the audit trail; and the survivor answers the
/// coordinator's next commands, once each. (On SQLite one instance per database runs: its file
/// lock refuses a second, so this runs in the PostgreSQL pass.)
#[tokio::test]
async fn an_instance_killed_mid_broadcast_leaves_every_rider_at_most_one_copy_and_the_unknown_counted(
) {
    if !rider_bot::db::testing::on_postgres() {
        return;
    }
    let began = std::time::Instant::now();
    // Sent as paid broadcasts at 150 a second between the two (above the free 30 a second, so
    // that 1,000 go in seconds; slow enough for the kill to land in the middle).
    let mut app = TestApp::spawn_webhook_configured(
        &[
            ("ALLOW_PAID_BROADCAST", "true"),
            ("OUTBOX_PAID_PER_SECOND", "150"),
        ],
        |c| c.liveness = QUICK,
    )
    .await;
    let everyone = riders(&app, 20_000, 1_000).await;

    // The instance to be killed starts first, so it holds the jobs one instance runs at a time
    // (the broadcast's progress among them): the survivor has to take them over.
    app.stop().await;
    let mut second = Process::start(&app.config).await;
    let dead = own_instance(&app).await;
    eventually(
        "the second instance holds the progress job",
        Duration::from_secs(10),
        || async {
            let held = instances::holder(&app.pool, "broadcasts.progress")
                .await
                .unwrap();
            held.filter(|(h, _)| *h == dead).map(|_| ())
        },
    )
    .await;
    app.start().await;
    let survivor: String = eventually(
        "the first instance registers",
        Duration::from_secs(10),
        || async {
            sqlx::query_scalar("SELECT id FROM instances WHERE id <> $1")
                .bind(&dead)
                .fetch_optional(&app.pool)
                .await
                .unwrap()
        },
    )
    .await;
    let rider_bot::emulator::balancer::Balancer { addr: lb, given } =
        rider_bot::emulator::balancer::start(
            vec![app.webhook.flatten().unwrap(), second.addr],
            WEBHOOK_PATH,
        )
        .await
        .unwrap();
    app.set_webhook_at(lb).await;

    let text = "Cold wave tonight: every station stays open until 2 am";
    let summary = crate::broadcasts::compose(&app, text, "broadcast-to-all").await;
    assert!(summary.text.contains("1000"), "{}", summary.text);
    // Telegram takes each message 20 ms after it is sent and answers 80 ms later: a kill finds
    // sends in flight, some delivered, some not yet.
    app.emu.set_send_delay(Some(Duration::from_millis(20)));
    app.emu.set_answer_delay(Some(Duration::from_millis(80)));
    let before = app.emu.sent_count();
    let before_press = std::time::Instant::now();
    app.emu
        .press(COORDINATOR, &summary, &t(Lang::Zh, "broadcast-btn-send"));
    app.expect_text(COORDINATOR, "📤").await;
    let progress = app.expect_text(COORDINATOR, "📣").await;
    assert!(
        app.emu
            .wait_sent_count(before + 2 + 300, Duration::from_secs(30))
            .await,
        "300 riders not reached in 30 s"
    );
    second.kill();
    let (pressed_to_kill, killed_at) = (before_press.elapsed(), std::time::Instant::now());
    let kill_time = rider_bot::db::At(rider_bot::db::now());
    let reached_at_kill = reached(&app, &everyone);
    assert!(
        (200..700).contains(&reached_at_kill),
        "killed in the middle: {reached_at_kill} riders reached"
    );

    settled(&app, Duration::from_secs(30)).await;
    let finished_after_kill = killed_at.elapsed();
    let done = eventually(
        "the progress message ends",
        Duration::from_secs(20),
        || async {
            let m = app.emu.message(COORDINATOR, progress.message_id).unwrap();
            m.text.starts_with('✅').then_some(m)
        },
    )
    .await;
    app.emu.set_send_delay(None);
    app.emu.set_answer_delay(None);

    // Each rider: at most one copy; a `sent` row's rider has it; a rider without it has an
    // `unknown` row, taken by the dead instance.
    let id: i64 = sqlx::query_scalar("SELECT id FROM broadcasts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT chat_id, status, taken_by FROM outbox WHERE broadcast_id = $1 ORDER BY chat_id",
    )
    .bind(id)
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.0).collect::<Vec<_>>(),
        everyone,
        "one row per rider"
    );
    let mut by: HashMap<(String, String), i64> = HashMap::new();
    let (mut unknown_delivered, mut unknown_lost) = (0, 0);
    for (rider, status, taken_by) in &rows {
        let got = app.emu.chat_messages(*rider);
        assert!(got.len() <= 1, "rider {rider} got it {} times", got.len());
        assert!(got.iter().all(|m| m.text == text), "rider {rider}: {got:?}");
        let taker = taken_by.clone().unwrap_or_default();
        assert!(
            taker == dead || taker == survivor,
            "row of {rider} taken by {taker:?}"
        );
        match status.as_str() {
            "sent" => assert_eq!(got.len(), 1, "rider {rider}'s row is sent"),
            "unknown" => {
                assert_eq!(
                    taker, dead,
                    "an unknown row of {rider} the survivor had taken"
                );
                if got.is_empty() {
                    unknown_lost += 1;
                } else {
                    unknown_delivered += 1;
                }
            }
            other => panic!("rider {rider}'s row ended {other}"),
        }
        *by.entry((taker, status.clone())).or_default() += 1;
    }
    let count = |who: &str, status: &str| {
        by.get(&(who.to_owned(), status.to_owned()))
            .copied()
            .unwrap_or(0)
    };
    let sent = count(&dead, "sent") + count(&survivor, "sent");
    let unknown = count(&dead, "unknown");
    let reached_in_all = reached(&app, &everyone);
    let taken_before_kill: HashMap<String, i64> = sqlx::query_as(
        "SELECT taken_by, COUNT(*) FROM outbox WHERE broadcast_id = $1 AND taken_at < $2
         GROUP BY taken_by",
    )
    .bind(id)
    .bind(kill_time)
    .fetch_all(&app.pool)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let before_kill = |who: &str| taken_before_kill.get(who).copied().unwrap_or(0);
    println!(
        "killed {pressed_to_kill:.1?} after Send, {reached_at_kill} riders reached; rows taken \
         before the kill: dead instance {}, survivor {}",
        before_kill(&dead),
        before_kill(&survivor)
    );
    println!(
        "in all {reached_in_all} riders reached, none twice; {sent} rows sent (dead instance {}, \
         survivor {}), {unknown} unknown ({unknown_delivered} of them delivered, {unknown_lost} \
         not); all done {finished_after_kill:.1?} after the kill",
        count(&dead, "sent"),
        count(&survivor, "sent"),
    );
    assert_eq!(sent + unknown, 1_000);
    // Both were sending before the kill, each at its share of the rate: neither spent its
    // turns on rows the other had taken.
    let taken = before_kill(&dead) + before_kill(&survivor);
    assert!(
        before_kill(&dead) * 3 >= taken && before_kill(&survivor) * 3 >= taken,
        "both instances sent their part before the kill: {taken_before_kill:?}"
    );
    assert!(
        count(&dead, "sent") > 0 && count(&survivor, "sent") > 0,
        "both instances sent part of it: {by:?}"
    );
    // The kill found sends in flight (each takes 100 ms), and no more than the dead instance
    // may have at once.
    let in_flight =
        rider_bot::bot::core::outbox::OutboxSettings::from_config(&app.config).in_flight;
    assert!(
        (1..=in_flight as i64).contains(&unknown),
        "{unknown} unknown"
    );
    assert!(1_000 - reached_in_all as i64 <= unknown);
    assert_eq!(reached_in_all as i64, sent + unknown_delivered);

    // The broadcast is done, with those figures: in its row, the audit trail and the
    // coordinator's progress message (edited by the survivor, which took the job over).
    let f = {
        let mut conn = app.pool.acquire().await.unwrap();
        rider_bot::broadcasts::store::figures(&mut conn, id)
            .await
            .unwrap()
    };
    assert_eq!(
        (f.recipients, f.sent, f.unknown, f.pending),
        (1_000, sent, unknown, 0),
        "{f:?}"
    );
    let (status, finished): (String, Option<String>) =
        sqlx::query_as("SELECT status, finished_at FROM broadcasts WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(status, "done");
    assert!(finished.is_some());
    let trail: Vec<String> =
        sqlx::query_scalar("SELECT detail FROM audit_log WHERE action = 'broadcast_done'")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(trail.len(), 1, "{trail:?}");
    assert!(
        trail[0].contains(&format!("{sent} sent"))
            && trail[0].contains(&format!("{unknown} unknown")),
        "{trail:?}"
    );
    let figure = |n: i64| fluent_bundle::FluentValue::from(n.to_string());
    let expected = rider_bot::i18n::t_args(
        Lang::Zh,
        "broadcast-progress-done",
        &[
            ("id", fluent_bundle::FluentValue::from(id)),
            ("sent", figure(sent)),
            ("total", fluent_bundle::FluentValue::from("1,000")),
            ("unreachable", figure(0)),
            ("failed", figure(0)),
            ("unknown", figure(unknown)),
            ("dropped", figure(0)),
        ],
    );
    assert_eq!(done.text, expected);
    let (holder, _) = instances::holder(&app.pool, "broadcasts.progress")
        .await
        .unwrap()
        .expect("a holder");
    assert_eq!(holder, survivor, "the survivor took the progress job over");

    // The survivor answers on: the coordinator's next two commands, each once and in order.
    // The balancer gives one of them to the dead instance first: refused, Telegram tries
    // again, and it reaches the survivor.
    app.drain(COORDINATOR).await;
    let given_now = || -> Vec<u64> {
        given
            .iter()
            .map(|n| n.load(std::sync::atomic::Ordering::SeqCst))
            .collect()
    };
    let given_before = given_now();
    app.emu.send_text(COORDINATOR, "/broadcasts");
    app.emu.send_text(COORDINATOR, "/help");
    let list = app.next(COORDINATOR).await;
    assert!(list.text.contains(&expected), "{}", list.text);
    let help = app.next(COORDINATOR).await;
    assert!(
        help.text.contains(&first_words(Lang::Zh, "help")),
        "{}",
        help.text
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(
        app.emu.untaken(COORDINATOR).is_empty(),
        "each answered once"
    );
    let given_after = given_now();
    assert!(
        given_after[1] > given_before[1],
        "the dead instance was tried: {given_before:?} then {given_after:?}"
    );
    println!(
        "webhook requests given to (first, second): {given_before:?} before these two, \
         {given_after:?} at the end; took {:.1?} in all",
        began.elapsed()
    );
}
