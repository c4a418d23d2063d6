//! Throughput and latency of rider-bot beside a bare teloxide echo bot, in the same run, through
//! the same Bot API emulator; and the idle memory of `rider-bot run`.
//!
//! `cargo bench --bench throughput` (release build). Prints a table; the README quotes it.
//!
//! - Throughput: a burst of updates from many riders; updates per second until every reply
//!   has arrived. Each rider-bot update claims its update_id (a write), loads the user and the
//!   dialogue (reads) and replies with the main-menu keyboard; the echo bot only replies.
//! - Latency: 8 riders in ping-pong (each sends the next update when the previous reply
//!   arrives); p50 and p99 from the emulator receiving the update to it receiving the reply.
//! - Idle RSS: `rider-bot run` as a separate process, polling an idle emulator.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rider_bot::config::Config;
use rider_bot::emulator::{Emulator, TgUser};
use rider_bot::i18n::{t, Lang};
use rider_bot::startup::Application;
use teloxide::dispatching::{Dispatcher, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;

const BURST: usize = 5000;
const ROUNDS: usize = 3;
const BURST_USERS: i64 = 100;
const PING_USERS: i64 = 8;
const PINGS_PER_USER: usize = 100;

struct Figures {
    per_second: f64,
    p50: Duration,
    p99: Duration,
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

/// Drives `emu` (with a bot already polling it) through the burst and the ping-pong.
async fn measure(emu: &Arc<Emulator>, text: &str) -> Figures {
    for u in 1..=BURST_USERS.max(PING_USERS) {
        emu.add_user(TgUser::new(10_000 + u, "Bench", Some("en")));
    }
    // Warm-up: one round trip per user, so connections and caches are ready.
    let before = emu.sent_count();
    for u in 1..=BURST_USERS {
        emu.send_text(10_000 + u, text);
    }
    assert!(
        emu.wait_sent_count(before + BURST_USERS as usize, Duration::from_secs(60))
            .await
    );
    for u in 1..=BURST_USERS {
        while emu
            .next_message_within(10_000 + u, Duration::ZERO)
            .await
            .is_some()
        {}
    }

    // Throughput: the median of a few bursts.
    let mut rates = Vec::new();
    for _ in 0..ROUNDS {
        let before = emu.sent_count();
        let start = Instant::now();
        for i in 0..BURST {
            emu.send_text(10_000 + 1 + (i as i64 % BURST_USERS), text);
        }
        assert!(
            emu.wait_sent_count(before + BURST, Duration::from_secs(300))
                .await,
            "not every burst update was answered"
        );
        rates.push(BURST as f64 / start.elapsed().as_secs_f64());
        for u in 1..=BURST_USERS {
            while emu
                .next_message_within(10_000 + u, Duration::ZERO)
                .await
                .is_some()
            {}
        }
    }
    rates.sort_by(f64::total_cmp);
    let per_second = rates[rates.len() / 2];

    let mut tasks = Vec::new();
    for u in 1..=PING_USERS {
        let text = text.to_owned();
        let emu = Arc::clone(emu);
        tasks.push(tokio::spawn(async move {
            let chat = 10_000 + u;
            let mut latencies = Vec::with_capacity(PINGS_PER_USER);
            for _ in 0..PINGS_PER_USER {
                let sent = Instant::now();
                emu.send_text(chat, &text);
                let reply = emu.next_message(chat).await.expect("reply");
                latencies.push(reply.sent_at.saturating_duration_since(sent));
            }
            latencies
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    Figures {
        per_second,
        p50: percentile(&all, 0.50),
        p99: percentile(&all, 0.99),
    }
}

async fn echo_bot() -> Figures {
    let emu = Arc::new(Emulator::start().await.unwrap());
    let bot = Bot::new(emu.token()).set_api_url(emu.api_url());
    let handler = Update::filter_message().endpoint(|bot: Bot, msg: Message| async move {
        bot.send_message(msg.chat.id, msg.text().unwrap_or("?").to_owned())
            .await?;
        Ok::<(), teloxide::RequestError>(())
    });
    let mut dispatcher = Dispatcher::builder(bot.clone(), handler).build();
    let token = dispatcher.shutdown_token();
    let listener = Polling::builder(bot)
        .timeout(Duration::from_secs(1))
        .build();
    let running = tokio::spawn(async move {
        dispatcher
            .dispatch_with_listener(
                listener,
                teloxide::error_handlers::LoggingErrorHandler::new(),
            )
            .await
    });
    let figures = measure(&emu, "hello").await;
    rider_bot::startup::shutdown(&token).await;
    running.await.unwrap();
    assert!(emu.violations().is_empty());
    figures
}

async fn rider_bot(dir: &std::path::Path) -> Figures {
    let emu = Arc::new(Emulator::start().await.unwrap());
    let mut config = test_config(&emu, dir);
    config.polling_timeout = Duration::from_secs(1);
    let app = Application::build(&config).await.unwrap();
    // Registered riders: their menu-button presses take the full path.
    let pool = app.pool().clone();
    for u in 1..=BURST_USERS.max(PING_USERS) {
        sqlx::query(
            "INSERT INTO users (id, status, lang, name, platform, phone, consent_version, created_at, updated_at)
             VALUES (?, 'registered', 'en', 'Bench', 'meituan', '+8613800000000', 1, datetime('now'), datetime('now'))",
        )
        .bind(10_000 + u)
        .execute(&pool)
        .await
        .unwrap();
    }
    let token = app.shutdown_token();
    let running = tokio::spawn(app.run_until_stopped());
    let figures = measure(&emu, &t(Lang::En, "menu-points")).await;
    rider_bot::startup::shutdown(&token).await;
    running.await.unwrap().unwrap();
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
    figures
}

fn test_config(emu: &Emulator, dir: &std::path::Path) -> Config {
    let db = format!("sqlite://{}", dir.join("bench.db").display());
    let media = dir.join("media").display().to_string();
    let url = emu.api_url().to_string();
    Config::from_lookup(|k| match k {
        "TELOXIDE_TOKEN" => Some(emu.token().to_owned()),
        "TELOXIDE_API_URL" => Some(url.clone()),
        "DATABASE_URL" => Some(db.clone()),
        "MEDIA_DIR" => Some(media.clone()),
        _ => None,
    })
    .unwrap()
}

/// Idle resident memory of `rider-bot run` polling an emulator, in MiB.
async fn idle_rss(dir: &std::path::Path) -> f64 {
    let emu = Emulator::start().await.unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_rider-bot"))
        .arg("run")
        .current_dir(dir)
        .env_clear()
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url().to_string())
        .env(
            "DATABASE_URL",
            format!("sqlite://{}", dir.join("rss.db").display()),
        )
        .env("MEDIA_DIR", dir.join("media"))
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("rider-bot binary runs");
    let deadline = Instant::now() + Duration::from_secs(30);
    while emu.request_count("getUpdates") < 2 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    let pid = child.id();
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let kib: f64 = status
        .lines()
        .find(|l| l.starts_with("VmRSS:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(f64::NAN);
    let _ = child.kill();
    let _ = child.wait();
    kib / 1024.0
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let dir = tempfile::tempdir().unwrap();
        println!("rider-bot throughput benchmark: median of {ROUNDS} bursts of {BURST} updates from {BURST_USERS} riders; latency from {PING_USERS} riders x {PINGS_PER_USER} round trips");
        let echo = echo_bot().await;
        let ours = rider_bot(dir.path()).await;
        let rss = idle_rss(dir.path()).await;
        println!();
        println!("| bot                         | updates/s | p50 latency | p99 latency |");
        println!("|-----------------------------|----------:|------------:|------------:|");
        for (name, f) in [("teloxide echo bot (baseline)", &echo), ("rider-bot (DB read+write)", &ours)] {
            println!(
                "| {name:<27} | {:>9.0} | {:>8.2} ms | {:>8.2} ms |",
                f.per_second,
                f.p50.as_secs_f64() * 1e3,
                f.p99.as_secs_f64() * 1e3
            );
        }
        let ratio = ours.per_second / echo.per_second;
        println!();
        println!(
            "rider-bot throughput = {:.0}% of the echo bot's (target: at least 50%) -> {}",
            ratio * 100.0,
            if ratio >= 0.5 { "met" } else { "NOT met" }
        );
        println!(
            "idle RSS of `rider-bot run`: {rss:.1} MiB (target: under 30 MiB) -> {}",
            if rss < 30.0 { "met" } else { "NOT met" }
        );
    });
}
