//! Throughput and latency of rider-bot beside a bare teloxide echo bot, in the same run, through
//! the same kind of Bot API emulator; and the idle memory of `rider-bot run`.
//!
//! `cargo bench --bench throughput` (release build). Prints a table; the README quotes it.
//!
//! - Throughput: bursts of updates from many registered riders; updates per second until every
//!   reply has arrived. The bots run side by side (each on its own emulator and database) and
//!   their bursts alternate, so all see the machine in the same state; a ratio is the median of
//!   the per-round ratios. Two rider-bot workloads:
//!   - `/help`, the foundation's path that the 50% target is about: the update's id is claimed
//!     (a write), the rider and their dialogue are loaded (a read), and the help is the reply;
//!   - "My points", a feature's path: the same, plus one read of the passbook, and a reply with
//!     four inline buttons; reported beside it, without a target.
//!
//!   The echo bot only replies.
//! - Latency: 8 riders in ping-pong (each sends the next update when the previous reply
//!   arrives); p50 and p99 from the emulator receiving the update to it receiving the reply.
//! - Idle RSS: `rider-bot run` as a separate process, polling an idle emulator.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rider_bot::config::Config;
use rider_bot::emulator::{Emulator, TgUser};
use rider_bot::i18n::{t, Lang};
use rider_bot::startup::Application;
use teloxide::dispatching::{Dispatcher, ShutdownToken, UpdateFilterExt};
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;

const BURST: usize = 5000;
const PAIRS: usize = 5;
const BURST_USERS: i64 = 100;
const PING_USERS: i64 = 8;
const PINGS_PER_USER: usize = 100;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A bot polling its own emulator, and the text its riders send.
struct Target {
    emu: Arc<Emulator>,
    text: String,
    token: ShutdownToken,
    running: tokio::task::JoinHandle<()>,
}

impl Target {
    fn add_riders(&self) {
        for u in 1..=BURST_USERS.max(PING_USERS) {
            self.emu
                .add_user(TgUser::new(10_000 + u, "Bench", Some("en")));
        }
    }

    async fn drain(&self) {
        for u in 1..=BURST_USERS {
            while self
                .emu
                .next_message_within(10_000 + u, Duration::ZERO)
                .await
                .is_some()
            {}
        }
    }

    /// Sends `n` updates spread over the riders; updates per second until all are answered.
    async fn burst(&self, n: usize) -> f64 {
        let before = self.emu.sent_count();
        let start = Instant::now();
        for i in 0..n {
            self.emu
                .send_text(10_000 + 1 + (i as i64 % BURST_USERS), &self.text);
        }
        assert!(
            self.emu
                .wait_sent_count(before + n, Duration::from_secs(300))
                .await,
            "not every burst update was answered"
        );
        let rate = n as f64 / start.elapsed().as_secs_f64();
        self.drain().await;
        rate
    }

    /// p50 and p99 round-trip latency with riders in ping-pong.
    async fn latency(&self) -> (Duration, Duration) {
        let mut tasks = Vec::new();
        for u in 1..=PING_USERS {
            let text = self.text.clone();
            let emu = Arc::clone(&self.emu);
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
        (percentile(&all, 0.50), percentile(&all, 0.99))
    }

    async fn stop(self) {
        rider_bot::startup::shutdown(&self.token).await;
        self.running.await.unwrap();
        assert!(
            self.emu.violations().is_empty(),
            "{:?}",
            self.emu.violations()
        );
    }
}

async fn echo_bot() -> Target {
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
    let target = Target {
        emu,
        text: "hello".into(),
        token,
        running,
    };
    target.add_riders();
    target
}

async fn rider_bot(dir: &std::path::Path, db: &str, text: String) -> Target {
    let emu = Arc::new(Emulator::start().await.unwrap());
    let mut config = test_config(&emu, dir, db);
    config.polling_timeout = Duration::from_secs(1);
    let app = Application::build(&config).await.unwrap();
    // Registered riders: their menu-button presses take the full path.
    let pool = app.pool().clone();
    for u in 1..=BURST_USERS.max(PING_USERS) {
        sqlx::query(
            "INSERT INTO users (id, status, lang, name, platform, phone, consent_version, created_at, updated_at, first_seen_at)
             VALUES ($1, 'registered', 'en', 'Bench', 'meituan', '+8613800000000', 1, datetime('now'), datetime('now'), datetime('now'))",
        )
        .bind(10_000 + u)
        .execute(&pool)
        .await
        .unwrap();
    }
    let token = app.shutdown_token();
    let running = tokio::spawn(async move { app.run_until_stopped().await.unwrap() });
    let target = Target {
        emu,
        text,
        token,
        running,
    };
    target.add_riders();
    target
}

fn test_config(emu: &Emulator, dir: &std::path::Path, db: &str) -> Config {
    let db = format!("sqlite://{}", dir.join(db).display());
    let media = dir.join("media").display().to_string();
    let url = emu.api_url().to_string();
    Config::from_lookup(|k| match k {
        "TELOXIDE_TOKEN" => Some(emu.token().to_owned()),
        "TELOXIDE_API_URL" => Some(url.clone()),
        "DATABASE_URL" => Some(db.clone()),
        "MEDIA_DIR" => Some(media.clone()),
        // Each synthetic rider sends 50 updates a burst: past a person's limit, but the gate
        // still counts every update, so its cost is in the figures.
        "FLOOD_BURST" => Some("1000".into()),
        "FLOOD_PER_MINUTE" => Some("6000".into()),
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
        println!(
            "rider-bot throughput benchmark: {PAIRS} alternating pairs of bursts of {BURST} updates from {BURST_USERS} riders; latency from {PING_USERS} riders x {PINGS_PER_USER} round trips"
        );
        let echo = echo_bot().await;
        // The foundation's path (claim write, session read, reply), and a feature's path that
        // reads one thing more (the passbook).
        let ours = rider_bot(dir.path(), "help.db", "/help".into()).await;
        let points = rider_bot(dir.path(), "points.db", t(Lang::En, "menu-points")).await;
        // Warm-up: one burst each, not counted.
        echo.burst(BURST_USERS as usize).await;
        ours.burst(BURST_USERS as usize).await;
        points.burst(BURST_USERS as usize).await;

        let (mut echo_rates, mut our_rates, mut ratios) = (Vec::new(), Vec::new(), Vec::new());
        let (mut points_rates, mut points_ratios) = (Vec::new(), Vec::new());
        for _ in 0..PAIRS {
            let e = echo.burst(BURST).await;
            let o = ours.burst(BURST).await;
            let p = points.burst(BURST).await;
            echo_rates.push(e);
            our_rates.push(o);
            points_rates.push(p);
            ratios.push(o / e);
            points_ratios.push(p / e);
        }
        let echo_latency = echo.latency().await;
        let our_latency = ours.latency().await;
        let points_latency = points.latency().await;
        echo.stop().await;
        ours.stop().await;
        points.stop().await;
        let rss = idle_rss(dir.path()).await;

        println!();
        println!("| bot                                        | updates/s (median) | p50 latency | p99 latency |");
        println!("|--------------------------------------------|-------------------:|------------:|------------:|");
        for (name, rates, (p50, p99)) in [
            ("teloxide echo bot (baseline)", &mut echo_rates, echo_latency),
            ("rider-bot /help (claim + session + reply)", &mut our_rates, our_latency),
            ("rider-bot My points (+ passbook read)", &mut points_rates, points_latency),
        ] {
            println!(
                "| {name:<42} | {:>18.0} | {:>8.2} ms | {:>8.2} ms |",
                median(rates),
                p50.as_secs_f64() * 1e3,
                p99.as_secs_f64() * 1e3
            );
        }
        let (lo, hi) = (
            ratios.iter().copied().fold(f64::INFINITY, f64::min),
            ratios.iter().copied().fold(0.0, f64::max),
        );
        let ratio = median(&mut ratios);
        println!();
        println!(
            "rider-bot throughput = {:.0}% of the echo bot's (median of {PAIRS} pairs; range {:.0}%-{:.0}%; target: at least 50%) -> {}",
            ratio * 100.0,
            lo * 100.0,
            hi * 100.0,
            if ratio >= 0.5 { "met" } else { "NOT met" }
        );
        let points_ratio = median(&mut points_ratios);
        println!(
            "rider-bot My points = {:.0}% of the echo bot's (median of {PAIRS} pairs; no target: a feature path, for comparison)",
            points_ratio * 100.0
        );
        println!(
            "idle RSS of `rider-bot run`: {rss:.1} MiB (target: under 30 MiB) -> {}",
            if rss < 30.0 { "met" } else { "NOT met" }
        );
    });
}
