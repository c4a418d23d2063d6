//! PostgreSQL restarting under load, in webhook mode: updates arriving from many chats and the
//! outbox sending when every database session is killed and the server refuses connections for
//! a few seconds. Afterwards nothing is lost and nothing is done twice.
//!
//! The real server is not restarted (other tests use it at the same time): the bot reaches it
//! through a TCP proxy of the test's own, and a "restart" is what one does to the bot's
//! database: every session of the test's database is terminated (`pg_terminate_backend`, FATAL
//! 57P01, as a shutdown does), the proxy cuts every connection it relays at once, then for a
//! while closes each new connection as soon as it is made, then refuses them (its port closed,
//! as when the server is down), then relays again.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use rider_bot::emulator::TgUser;
use rider_bot::i18n::{t, Lang};
use rider_bot::outbox::{store, Notice};
use serde_json::json;
use sqlx::{Connection, PgConnection};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;

use crate::helpers::{first_words, TestApp};

/// What the proxy does with connections.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Relays them to the server.
    Relay,
    /// Accepts each and closes it at once.
    Close,
    /// Its port is closed: connecting is refused.
    Refuse,
}

/// A TCP proxy in front of the PostgreSQL server, with a switch.
struct Proxy {
    addr: SocketAddr,
    mode: watch::Sender<Mode>,
    /// Bumped to end every relayed connection at once.
    cut: watch::Sender<u64>,
    /// Connections accepted and closed at once while the server was down.
    closed: Arc<AtomicU64>,
}

impl Proxy {
    async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (mode, modes) = watch::channel(Mode::Relay);
        let (cut, _) = watch::channel(0u64);
        let closed = Arc::new(AtomicU64::new(0));
        tokio::spawn(serve(
            Some(listener),
            addr,
            upstream,
            modes,
            cut.clone(),
            closed.clone(),
        ));
        Proxy {
            addr,
            mode,
            cut,
            closed,
        }
    }

    /// What a restart of the server does to the bot's database: every session of `database`
    /// but the caller's `admin` one is terminated, and every relayed connection cut; then new
    /// connections are closed at once for half of `down`, refused for the other half, and
    /// relayed again. Returns how many sessions were terminated, and when they were.
    async fn restart(
        &self,
        admin: &mut PgConnection,
        database: &str,
        down: Duration,
    ) -> (usize, chrono::DateTime<chrono::Utc>) {
        self.mode.send_replace(Mode::Close);
        let terminated: Vec<bool> = sqlx::query_scalar(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(database)
        .fetch_all(&mut *admin)
        .await
        .unwrap();
        self.cut.send_modify(|generation| *generation += 1);
        let cut_at = rider_bot::db::now();
        tokio::time::sleep(down / 2).await;
        self.mode.send_replace(Mode::Refuse);
        tokio::time::sleep(down / 2).await;
        self.mode.send_replace(Mode::Relay);
        (terminated.into_iter().filter(|t| *t).count(), cut_at)
    }
}

/// The proxy's accept loop, until the [`Proxy`] is dropped.
async fn serve(
    mut listener: Option<TcpListener>,
    addr: SocketAddr,
    upstream: String,
    mut modes: watch::Receiver<Mode>,
    cut: watch::Sender<u64>,
    closed: Arc<AtomicU64>,
) {
    loop {
        let mode = *modes.borrow_and_update();
        let Some(open) = listener.as_ref() else {
            if mode == Mode::Refuse {
                if modes.changed().await.is_err() {
                    return;
                }
            } else {
                listener = Some(bind_again(addr).await);
            }
            continue;
        };
        if mode == Mode::Refuse {
            listener = None;
            continue;
        }
        tokio::select! {
            accepted = open.accept() => {
                let Ok((client, _)) = accepted else { continue };
                // Subscribed before the mode is read: a connection relayed is cut by any cut
                // that follows a change of mode.
                let cuts = cut.subscribe();
                if *modes.borrow() == Mode::Relay {
                    tokio::spawn(relay(client, upstream.clone(), cuts));
                } else {
                    closed.fetch_add(1, Ordering::SeqCst);
                    drop(client);
                }
            }
            changed = modes.changed() => {
                if changed.is_err() {
                    return;
                }
            }
        }
    }
}

/// The proxy's port again, once the "server" is back.
async fn bind_again(addr: SocketAddr) -> TcpListener {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match TcpListener::bind(addr).await {
            Ok(listener) => return listener,
            Err(err) => {
                assert!(
                    Instant::now() < deadline,
                    "cannot listen on {addr} again: {err}"
                );
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        }
    }
}

async fn relay(mut client: TcpStream, upstream: String, mut cuts: watch::Receiver<u64>) {
    let Ok(mut server) = TcpStream::connect(&upstream).await else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    tokio::select! {
        _ = tokio::io::copy_bidirectional(&mut client, &mut server) => {}
        // Cut (or the proxy gone): both ends are closed as the streams drop.
        _ = cuts.changed() => {}
    }
}

/// The coordinators whose commands make the load, and how many commands each sends.
const CHATS: i64 = 20;
const FIRST_CHAT: i64 = 910;
const ROUNDS: usize = 16;
/// Registered riders the outbox sends two notices each.
const RIDERS: i64 = 100;
const FIRST_RIDER: i64 = 30_000;
/// How long the server is down.
const DOWN: Duration = Duration::from_secs(3);

/// The code of the `round`-th command of `chat`: no station has it, so the answer names it.
fn code(chat: i64, round: usize) -> String {
    format!("PG{chat}R{round:02}")
}

/// One `/readyz` probe: when it was sent, when it was answered, and its status (0: no answer).
type Probe = (Instant, Instant, u16);

/// Probes `/readyz` at `url` every 100 ms until `stop` turns true.
fn probe_readiness(url: String, stop: watch::Receiver<bool>) -> Arc<Mutex<Vec<Probe>>> {
    let probes = Arc::new(Mutex::new(Vec::new()));
    let log = probes.clone();
    tokio::spawn(async move {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .unwrap();
        while !*stop.borrow() {
            let at = Instant::now();
            let status = match client.get(&url).send().await {
                Ok(r) => r.status().as_u16(),
                Err(_) => 0,
            };
            log.lock().unwrap().push((at, Instant::now(), status));
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    });
    probes
}

/// Outbox rows by status.
async fn statuses_of(pool: &rider_bot::db::Pool) -> HashMap<String, i64> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT status, COUNT(*) FROM outbox GROUP BY status")
            .fetch_all(pool)
            .await
            .unwrap();
    rows.into_iter().collect()
}

/// When the server went down and came back, how many sessions it ended, and the outbox as it
/// stood at the cut.
struct Cut {
    down_at: Instant,
    up_at: Instant,
    /// When the sessions were ended, by the clock the bot stamps rows with.
    cut_at: chrono::DateTime<chrono::Utc>,
    terminated: usize,
    outbox: HashMap<String, i64>,
    /// Updates the bot was handling.
    in_hand: i64,
}

/// The start of a notice's text, to recognise it by.
fn start_of(key: &str) -> String {
    t(Lang::En, key)
        .split('<')
        .next()
        .unwrap()
        .trim()
        .to_owned()
}

/// PostgreSQL restarts while the bot, in webhook mode, takes updates from 20 chats and sends
/// 200 outbox messages: every update is answered once, in its chat's order; every message ends
/// sent (or unknown, if it was being taken at the cut, and then not sent twice); nothing is
/// left pending or leased; `/readyz` said not ready while the database was gone and ready
/// after; and the bot goes on answering. (SQLite is a file inside the process, with no server
/// to restart nor sessions to end, so this runs in the PostgreSQL pass.)
#[tokio::test]
async fn pg_restart_under_load_loses_nothing_and_does_nothing_twice() {
    if !rider_bot::db::testing::on_postgres() {
        return;
    }
    let started = Instant::now();
    let server = std::env::var("RIDER_BOT_TEST_PG")
        .unwrap_or_else(|_| rider_bot::db::testing::DEFAULT_SERVER.to_owned());
    let server_url = url::Url::parse(&server).unwrap();
    let upstream = format!(
        "{}:{}",
        server_url.host_str().unwrap(),
        server_url.port().unwrap_or(5432)
    );
    let proxy = Proxy::start(upstream).await;
    let chats: Vec<i64> = (FIRST_CHAT..FIRST_CHAT + CHATS).collect();
    let coordinators = std::iter::once(crate::helpers::COORDINATOR)
        .chain(chats.iter().copied())
        .map(|id| id.to_string())
        .collect::<Vec<_>>()
        .join(",");
    let proxy_addr = proxy.addr;
    let mut app = TestApp::spawn_webhook_configured(
        &[
            ("COORDINATOR_IDS", &coordinators),
            ("OUTBOX_PER_SECOND", "30"),
        ],
        |c| {
            // The bot reaches its database through the proxy.
            let mut url = url::Url::parse(&c.database_url).unwrap();
            url.set_port(Some(proxy_addr.port())).unwrap();
            url.set_host(Some(&proxy_addr.ip().to_string())).unwrap();
            c.database_url = url.to_string();
            // Quick heartbeats, so a job's return is seen soon; not so quick that three
            // seconds without the database make this instance look dead.
            c.liveness = rider_bot::instances::Liveness {
                heartbeat: Duration::from_millis(500),
                dead_after: Duration::from_secs(10),
            };
        },
    )
    .await;
    let database = url::Url::parse(&app.config.database_url)
        .unwrap()
        .path()
        .trim_start_matches('/')
        .to_owned();
    // The one session the restart leaves: the test's own, straight to the server.
    let mut admin = PgConnection::connect(&format!("{server}/{database}"))
        .await
        .unwrap();
    for &chat in &chats {
        app.emu
            .add_user(TgUser::new(chat, "Coordinator", Some("en")));
    }
    // Telegram takes a moment over each message: sends are in flight when the server goes.
    app.emu.set_send_delay(Some(Duration::from_millis(150)));

    // Registered riders, and two notices for each in the outbox.
    let now = rider_bot::db::now();
    let riders: Vec<i64> = (FIRST_RIDER..FIRST_RIDER + RIDERS).collect();
    for &r in &riders {
        app.rider(r, Some("en"));
        sqlx::query(
            "INSERT INTO users (id, status, role, lang, registered_at, created_at, updated_at)
             VALUES ($1, 'registered', 'rider', 'en', $2, $2, $2)",
        )
        .bind(r)
        .bind(rider_bot::db::At(now))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    {
        let mut conn = app.pool.acquire().await.unwrap();
        for appointed in [true, false] {
            for &r in &riders {
                let notice = Notice::new(r, "roles.changed", json!({ "appointed": appointed }));
                store::enqueue(&mut conn, &notice).await.unwrap();
            }
        }
    }

    let (stop_probes, probes_stopped) = watch::channel(false);
    let readyz = format!("http://{}/readyz", app.webhook.flatten().unwrap());
    let probes = probe_readiness(readyz.clone(), probes_stopped);

    // The restart comes under load: some messages sent and more waiting, updates coming in.
    let proxy = Arc::new(proxy);
    let (round_sent, mut rounds) = watch::channel(0usize);
    let restart = {
        let (proxy, pool) = (proxy.clone(), app.pool.clone());
        tokio::spawn(async move {
            let deadline = Instant::now() + Duration::from_secs(20);
            // Once the outbox is well under way,
            let s = loop {
                let s = statuses_of(&pool).await;
                if s.get("sent").copied().unwrap_or(0) >= 30 {
                    break s;
                }
                assert!(
                    Instant::now() < deadline,
                    "the outbox is not sending: {s:?}"
                );
                tokio::time::sleep(Duration::from_millis(10)).await;
            };
            // just after the next round of updates is sent, as soon as the bot has leased
            // some: it is at its queries (claims, sessions, lookups).
            rounds.borrow_and_update();
            let next_round = rounds.changed();
            tokio::time::timeout_at(deadline.into(), next_round)
                .await
                .expect("a round of updates after the outbox started")
                .unwrap();
            let in_hand = loop {
                let in_hand: i64 = sqlx::query_scalar(
                    "SELECT COUNT(*) FROM update_inbox \
                     WHERE handled_at IS NULL AND lease_owner IS NOT NULL",
                )
                .fetch_one(&pool)
                .await
                .unwrap();
                if in_hand > 0 {
                    break in_hand;
                }
                assert!(Instant::now() < deadline, "no update in hand to cut");
                tokio::time::sleep(Duration::from_millis(2)).await;
            };
            let down_at = Instant::now();
            let (terminated, cut_at) = proxy.restart(&mut admin, &database, DOWN).await;
            Cut {
                down_at,
                up_at: Instant::now(),
                cut_at,
                terminated,
                outbox: s,
                in_hand,
            }
        })
    };
    // The updates: each chat sends a command every 250 ms, before, during and after it.
    let mut last_sent = Instant::now();
    for round in 0..ROUNDS {
        for &chat in &chats {
            app.emu
                .send_text(chat, &format!("/station {}", code(chat, round)));
        }
        last_sent = Instant::now();
        round_sent.send_replace(round + 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let cut = restart.await.unwrap();
    let (down_at, up_at, terminated) = (cut.down_at, cut.up_at, cut.terminated);
    let open = |k: &str| cut.outbox.get(k).copied().unwrap_or(0);
    assert!(
        open("pending") + open("sending") > 50,
        "the outbox was nearly done at the cut: {:?}",
        cut.outbox
    );
    assert!(
        last_sent > down_at,
        "updates were still arriving at the cut"
    );
    assert!(terminated > 0, "the bot had sessions to lose");
    assert!(
        proxy.closed.load(Ordering::SeqCst) > 0,
        "the bot tried to connect while the server was down"
    );
    let in_flight_at_cut = open("sending");

    // Every update answered once, in its chat's order: its answer, or (only an update the
    // bot was in the middle of at the cut) a request to try again.
    let try_again = [
        first_words(Lang::En, "error-try-again"),
        first_words(Lang::Zh, "error-try-again"),
    ];
    let mut retries = Vec::new();
    for &chat in &chats {
        let mut asked = 0;
        for round in 0..ROUNDS {
            let want = code(chat, round);
            let m = app.next(chat).await;
            if try_again.iter().any(|w| m.text.starts_with(w.as_str())) {
                asked += 1;
                retries.push(want);
                continue;
            }
            assert!(
                m.text.contains(&want),
                "chat {chat}: expected the answer to {want}, got {:?}",
                m.text
            );
        }
        // A chat has one update in hand at a time, and the cut came once.
        assert!(asked <= 1, "chat {chat} asked to try again {asked} times");
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    for &chat in &chats {
        let more = app.emu.untaken(chat);
        assert!(
            more.is_empty(),
            "chat {chat}: more than one answer each: {more:?}"
        );
    }

    // The outbox settles: every row sent, or unknown if it was being taken at the cut.
    app.settle_outbox().await;
    let s = statuses_of(&app.pool).await;
    let sent = s.get("sent").copied().unwrap_or(0);
    let unknown = s.get("unknown").copied().unwrap_or(0);
    assert_eq!(
        sent + unknown,
        2 * RIDERS,
        "every row sent or unknown: {s:?}"
    );
    assert!(
        unknown <= 16,
        "only sends in flight at the cut are unknown: {s:?}"
    );
    let rows: Vec<(i64, String, String, Option<rider_bot::db::At>)> =
        sqlx::query_as("SELECT chat_id, payload, status, taken_at FROM outbox ORDER BY id")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    let (appointed, revoked) = (start_of("you-were-appointed"), start_of("you-were-revoked"));
    let mut unknown_delivered = 0;
    for &r in &riders {
        let texts: Vec<String> = app
            .emu
            .chat_messages(r)
            .into_iter()
            .map(|m| m.text)
            .collect();
        let got = |start: &str| texts.iter().filter(|t| t.starts_with(start)).count();
        assert_eq!(
            got(&appointed) + got(&revoked),
            texts.len(),
            "rider {r}: {texts:?}"
        );
        for (chat, payload, status, taken_at) in rows.iter().filter(|row| row.0 == r) {
            let text = if payload.contains("true") {
                &appointed
            } else {
                &revoked
            };
            let n = got(text);
            match status.as_str() {
                "sent" => assert_eq!(n, 1, "rider {chat}: {payload} sent, delivered {n} times"),
                _ => {
                    assert!(
                        n <= 1,
                        "rider {chat}: {payload} {status}, delivered {n} times"
                    );
                    // Taken before the cut: in flight when the sessions ended.
                    assert!(
                        taken_at.as_ref().is_some_and(|at| at.0 <= cut.cut_at),
                        "rider {chat}: {payload} {status}, taken at {taken_at:?}, after the cut"
                    );
                    unknown_delivered += n;
                }
            }
        }
        if texts.len() == 2 {
            assert!(
                texts[0].starts_with(&appointed),
                "rider {r} order: {texts:?}"
            );
        }
    }

    // Nothing left in the inbox: every update recorded once and handled.
    let deadline = Instant::now() + Duration::from_secs(10);
    while rider_bot::bot::inbox::store::waiting(&app.pool)
        .await
        .unwrap()
        > 0
    {
        assert!(Instant::now() < deadline, "inbox not handled in 10 s");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let inbox: Vec<(String, i64, i64, i64)> = sqlx::query_as(
        "SELECT COALESCE(outcome, '-'), COUNT(*), COUNT(body), COUNT(lease_owner) \
         FROM update_inbox GROUP BY outcome",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        inbox,
        [("handled".to_owned(), CHATS * ROUNDS as i64, 0, 0)],
        "update_inbox (outcome, rows, bodies, leases)"
    );
    assert_eq!(app.emu.pending_updates(), 0);

    // Ready before the cut, not ready while the server was down, ready again after.
    let probes = probes.lock().unwrap().clone();
    assert!(
        probes.iter().any(|(_, end, s)| *end < down_at && *s == 200),
        "ready before the cut: {probes:?}"
    );
    let while_down: Vec<u16> = probes
        .iter()
        .filter(|(at, end, _)| *at >= down_at && *end < up_at)
        .map(|(_, _, s)| *s)
        .collect();
    assert!(
        !while_down.is_empty() && while_down.iter().all(|s| *s == 503),
        "not ready while the server was down: {while_down:?}"
    );
    stop_probes.send_replace(true);
    let ready = reqwest::get(&readyz).await.unwrap();
    assert_eq!(ready.status(), 200, "{:?}", ready.text().await);

    // The bot goes on: a fresh command is answered, a fresh notice sent, and the heartbeat
    // (a supervised job) writes again.
    app.emu.send_text(FIRST_CHAT, "/station PGFRESH");
    app.expect_text(FIRST_CHAT, "PGFRESH").await;
    let fresh = FIRST_RIDER + RIDERS;
    app.rider(fresh, Some("en"));
    sqlx::query(
        "INSERT INTO users (id, status, role, lang, registered_at, created_at, updated_at)
         VALUES ($1, 'registered', 'rider', 'en', $2, $2, $2)",
    )
    .bind(fresh)
    .bind(rider_bot::db::At(rider_bot::db::now()))
    .execute(&app.pool)
    .await
    .unwrap();
    {
        let mut conn = app.pool.acquire().await.unwrap();
        let notice = Notice::new(fresh, "roles.changed", json!({ "appointed": true }));
        store::enqueue(&mut conn, &notice).await.unwrap();
    }
    app.expect_text(fresh, &appointed).await;
    let beat_after = rider_bot::db::now();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let seen: rider_bot::db::At = sqlx::query_scalar("SELECT seen_at FROM instances")
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if seen.0 > beat_after {
            break;
        }
        assert!(Instant::now() < deadline, "no heartbeat after the restart");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let violations = app.emu.violations();
    assert!(violations.is_empty(), "Bot API violations: {violations:#?}");
    println!(
        "pg restart: {terminated} sessions terminated, {} connections turned away, \
         {in_flight_at_cut} sends and {} updates in hand at the cut; {sent} sent, {unknown} unknown ({unknown_delivered} of them delivered); \
         {} asked to try again; {:.1} s in all",
        proxy.closed.load(Ordering::SeqCst),
        cut.in_hand,
        retries.len(),
        started.elapsed().as_secs_f64()
    );
    app.stop().await;
}
