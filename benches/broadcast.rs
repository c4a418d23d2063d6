//! A broadcast to 10,000 riders against the Bot API emulator with its paid-broadcast limit set
//! to a test rate (500 a second), and a rider's `/help` while it runs beside the same `/help`
//! with nothing running, in the same run.
//!
//! `cargo bench --bench broadcast` (release build). Prints the achieved rate beside the
//! configured one, the 429s the emulator answered, duplicates, and the `/help` latency; the
//! README quotes it.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rider_bot::broadcasts::{Audience, Body, Draft};
use rider_bot::config::Config;
use rider_bot::emulator::{Emulator, TgUser};
use rider_bot::startup::Application;
use rider_bot::users::UserId;

const RIDERS: i64 = 10_000;
const RATE: u32 = 500;
const PING_USERS: i64 = 8;
const PINGS_PER_USER: usize = 40;
/// Between one rider's pings: a person, not a script (about 20 a second from all 8 riders,
/// under Telegram's 30 a second for everything that is not a paid broadcast).
const PING_GAP: Duration = Duration::from_millis(400);
const TEXT: &str = "Cold wave tonight: every station stays open until 02:00. Ride safe.";

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

/// p50 and p99 of `/help` from riders in ping-pong.
async fn help_latency(emu: &Arc<Emulator>) -> (Duration, Duration) {
    let mut tasks = Vec::new();
    for u in 1..=PING_USERS {
        let emu = Arc::clone(emu);
        tasks.push(tokio::spawn(async move {
            let chat = 1_000 + u;
            let mut out = Vec::new();
            for _ in 0..PINGS_PER_USER {
                let sent = Instant::now();
                emu.send_text(chat, "/help");
                let reply = emu.next_message(chat).await.expect("a reply to /help");
                out.push(reply.sent_at.saturating_duration_since(sent));
                tokio::time::sleep(PING_GAP).await;
            }
            out
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    all.sort();
    (percentile(&all, 0.5), percentile(&all, 0.99))
}

fn config(emu: &Emulator, dir: &std::path::Path) -> Config {
    let db = format!("sqlite://{}", dir.join("bench.db").display());
    let media = dir.join("media").display().to_string();
    let url = emu.api_url().to_string();
    let rate = RATE.to_string();
    Config::from_lookup(|k| match k {
        "TELOXIDE_TOKEN" => Some(emu.token().to_owned()),
        "TELOXIDE_API_URL" => Some(url.clone()),
        "DATABASE_URL" => Some(db.clone()),
        "MEDIA_DIR" => Some(media.clone()),
        "COORDINATOR_IDS" => Some("900".into()),
        "ALLOW_PAID_BROADCAST" => Some("true".into()),
        "OUTBOX_PAID_PER_SECOND" => Some(rate.clone()),
        // A ping rider asks /help 150 times a minute: past a person's limit, not the point here.
        "FLOOD_BURST" => Some("1000".into()),
        "FLOOD_PER_MINUTE" => Some("6000".into()),
        _ => None,
    })
    .unwrap()
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(run());
}

async fn run() {
    let dir = tempfile::tempdir().unwrap();
    let emu = Arc::new(Emulator::start().await.unwrap());
    emu.set_paid_rate_limit(Some(RATE));
    emu.set_rate_limit(Some(30));
    emu.add_user(TgUser::new(900, "Coordinator", Some("en")));
    for u in 1..=PING_USERS {
        emu.add_user(TgUser::new(1_000 + u, "Ping", Some("en")));
    }
    for id in 0..RIDERS {
        emu.add_user(TgUser::new(100_000 + id, "Rider", Some("en")));
    }
    let mut config = config(&emu, dir.path());
    config.polling_timeout = Duration::from_secs(1);
    let app = Application::build(&config).await.unwrap();
    let pool = app.pool().clone();
    let mut tx = rider_bot::db::begin_write(&pool).await.unwrap();
    let ids = (1..=PING_USERS)
        .map(|u| 1_000 + u)
        .chain((0..RIDERS).map(|i| 100_000 + i));
    for id in ids {
        sqlx::query(
            "INSERT INTO users (id, status, lang, name, platform, created_at, updated_at, first_seen_at)
             VALUES ($1, 'registered', 'en', 'Rider', 'meituan', datetime('now'), datetime('now'), datetime('now'))",
        )
        .bind(id)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    // The ping riders turned announcements off: they measure replies, not the broadcast.
    sqlx::query("INSERT INTO notification_settings (user_id, announcements) SELECT id, 0 FROM users WHERE id BETWEEN 1001 AND 1008")
        .execute(&mut *tx)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let token = app.shutdown_token();
    let running = tokio::spawn(async move { app.run_until_stopped().await.unwrap() });

    let (base50, base99) = help_latency(&emu).await;

    let draft = Draft {
        body: Body::Text {
            text: TEXT.into(),
            entities: serde_json::json!([]),
        },
        audience: Audience::All,
        urgent: false,
        button: None,
    };
    let sent = rider_bot::broadcasts::domain::send(
        &pool,
        UserId(900),
        &draft,
        "bench",
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!(sent.recipients, RIDERS as usize);
    let (during50, during99) = help_latency(&emu).await;
    let deadline = Instant::now() + Duration::from_secs(120);
    let delivered = |emu: &Emulator| {
        emu.all_messages()
            .into_iter()
            .filter(|m| m.text == TEXT)
            .collect::<Vec<_>>()
    };
    while delivered(&emu).len() < RIDERS as usize {
        assert!(Instant::now() < deadline, "the broadcast did not finish");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let msgs = delivered(&emu);
    let first = msgs.iter().map(|m| m.sent_at).min().unwrap();
    let last = msgs.iter().map(|m| m.sent_at).max().unwrap();
    let secs = last.duration_since(first).as_secs_f64();
    let achieved = (msgs.len() - 1) as f64 / secs;
    let unique: HashSet<i64> = msgs.iter().map(|m| m.chat_id).collect();
    let too_many = emu.too_many_count();
    rider_bot::startup::shutdown(&token).await;
    running.await.unwrap();
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());

    println!("broadcast to {RIDERS} riders, emulator paid-broadcast limit {RATE}/s");
    println!("{:<44} {:>12}", "configured rate (msg/s)", RATE);
    println!("{:<44} {:>12.1}", "achieved rate (msg/s)", achieved);
    println!(
        "{:<44} {:>11.1}%",
        "achieved / configured",
        achieved / f64::from(RATE) * 100.0
    );
    println!("{:<44} {:>12.1}", "time for all (s)", secs);
    println!("{:<44} {:>12}", "429s answered", too_many);
    println!("{:<44} {:>12}", "duplicates", msgs.len() - unique.len());
    println!(
        "{:<44} {:>12.1?} {:>10.1?}",
        "/help p50, p99, nothing running", base50, base99
    );
    println!(
        "{:<44} {:>12.1?} {:>10.1?}",
        "/help p50, p99, during the broadcast", during50, during99
    );
}
