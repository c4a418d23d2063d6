//! Webhook mode on one, two and four instances sharing one PostgreSQL database, beside one
//! instance on SQLite, in the same run, on this machine.
//!
//! `cargo bench --bench instances` (release build; needs the PostgreSQL server the tests use,
//! `RIDER_BOT_TEST_PG`, default `postgres://postgres@127.0.0.1:5432`). Prints a table; the
//! README quotes it.
//!
//! Each instance is a `rider-bot run --webhook URL` process of its own, as in production, on
//! its own port behind a round-robin load balancer; the emulator delivers updates to the
//! balancer as Telegram does (up to 40 connections, one update of a chat at a time, the next
//! once the previous is acknowledged). Every setup gets a fresh database and emulator.
//!
//! - Updates/s: bursts of updates from many registered riders pressing "My points" (the
//!   update recorded in the inbox, leased, its id claimed, rider and dialogue loaded, the
//!   passbook read, a reply with buttons, the lease finished); until every reply has arrived.
//!   The median of the rounds.
//! - Latency: riders in ping-pong (each sends the next update when the previous reply
//!   arrives); p50 and p99 from the emulator receiving the update to it receiving the reply.
//! - Where the time goes, during the bursts: CPU used by the bot's processes, by PostgreSQL's
//!   and by this process (emulator and balancer), in cores; and how many of the database's
//!   sessions were waiting, on average, for the write lock (an advisory lock) or for another
//!   lock.

use std::net::SocketAddr;
use std::process::{Child, Command};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use rider_bot::db::testing::TestDb;
use rider_bot::db::At;
use rider_bot::emulator::{Emulator, TgUser};
use rider_bot::i18n::{t, Lang};

const RIDERS: i64 = 400;
const BURST: usize = 4000;
const ROUNDS: usize = 3;
const PING_RIDERS: i64 = 16;
const PINGS: usize = 40;
const SECRET: &str = "bench-Webhook_secret-0123456789";
const PATH: &str = "/telegram";
const FIRST_RIDER: i64 = 20_000;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    let idx = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[idx]
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

/// A free port on 127.0.0.1 (free when asked; the instance binds it a moment later).
fn free_addr() -> SocketAddr {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap()
}

/// CPU seconds a process has used (user + system), from /proc.
fn cpu_seconds(pid: u32) -> f64 {
    let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // The fields after the command name (which may hold spaces) start after its ')'.
    let Some(rest) = stat.rfind(')').map(|i| &stat[i + 2..]) else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    let ticks: f64 = fields
        .get(11..13)
        .map(|f| f.iter().filter_map(|v| v.parse::<f64>().ok()).sum())
        .unwrap_or(0.0);
    ticks / 100.0
}

/// CPU seconds used by every PostgreSQL server process of the machine.
fn postgres_cpu_seconds() -> f64 {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return 0.0;
    };
    dir.filter_map(Result::ok)
        .filter_map(|e| e.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            std::fs::read_to_string(format!("/proc/{pid}/comm"))
                .is_ok_and(|c| c.trim() == "postgres")
        })
        .map(cpu_seconds)
        .sum()
}

/// CPU seconds so far: the bot's processes, PostgreSQL's, and this process.
#[derive(Clone, Copy, Default)]
struct Cpu {
    bot: f64,
    postgres: f64,
    harness: f64,
}

impl Cpu {
    fn now(bots: &[Child]) -> Cpu {
        Cpu {
            bot: bots.iter().map(|c| cpu_seconds(c.id())).sum(),
            postgres: postgres_cpu_seconds(),
            harness: cpu_seconds(std::process::id()),
        }
    }

    fn since(self, before: Cpu) -> Cpu {
        Cpu {
            bot: self.bot - before.bot,
            postgres: self.postgres - before.postgres,
            harness: self.harness - before.harness,
        }
    }
}

/// What the database's sessions were doing, sampled every 10 ms while a burst runs.
#[derive(Default)]
struct Waits {
    samples: AtomicU64,
    /// Sessions waiting for the write lock (an advisory lock), summed over the samples.
    advisory: AtomicU64,
    /// Sessions waiting for any other lock.
    other_locks: AtomicU64,
    /// Sessions running a statement.
    active: AtomicU64,
}

async fn sample_waits(url: String, db: String, waits: Arc<Waits>, stop: Arc<AtomicU64>) {
    let Ok(pool) = rider_bot::db::connect_sized(&url, 1).await else {
        return;
    };
    let sql = "SELECT
           CAST(COALESCE(SUM(CASE WHEN wait_event_type = 'Lock' AND wait_event = 'advisory' THEN 1 ELSE 0 END), 0) AS BIGINT),
           CAST(COALESCE(SUM(CASE WHEN wait_event_type = 'Lock' AND wait_event <> 'advisory' THEN 1 ELSE 0 END), 0) AS BIGINT),
           CAST(COALESCE(SUM(CASE WHEN state = 'active' THEN 1 ELSE 0 END), 0) AS BIGINT)
         FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()";
    while stop.load(Ordering::Relaxed) == 0 {
        if let Ok((a, o, act)) = sqlx::query_as::<_, (i64, i64, i64)>(sql)
            .bind(&db)
            .fetch_one(&pool)
            .await
        {
            waits.samples.fetch_add(1, Ordering::Relaxed);
            waits.advisory.fetch_add(a as u64, Ordering::Relaxed);
            waits.other_locks.fetch_add(o as u64, Ordering::Relaxed);
            waits.active.fetch_add(act as u64, Ordering::Relaxed);
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    pool.close().await;
}

/// The database's committed transactions and the server's WAL flushes so far.
async fn commits_and_flushes(url: &str) -> Option<(i64, i64)> {
    let pool = rider_bot::db::connect_sized(url, 1).await.ok()?;
    let counts = sqlx::query_as::<_, (i64, i64)>(
        "SELECT CAST(xact_commit AS BIGINT), (SELECT CAST(wal_sync AS BIGINT) FROM pg_stat_wal)
         FROM pg_stat_database WHERE datname = current_database()",
    )
    .fetch_one(&pool)
    .await
    .ok();
    pool.close().await;
    counts
}

/// One setup: its emulator, instances, database.
struct Setup {
    name: String,
    emu: Arc<Emulator>,
    bots: Vec<Child>,
    db: Option<TestDb>,
    url: String,
    text: String,
}

impl Setup {
    async fn start(name: &str, instances: usize, url: String, db: Option<TestDb>) -> Setup {
        let emu = Arc::new(Emulator::start().await.unwrap());
        let media = tempfile::tempdir().unwrap().keep();
        // The schema first, once: the instances then find it current.
        let pool = rider_bot::db::connect_and_migrate(&url).await.unwrap();
        register(&pool, &emu).await;
        pool.close().await;
        let addrs: Vec<SocketAddr> = (0..instances).map(|_| free_addr()).collect();
        let lb = rider_bot::emulator::balancer::start(addrs.clone(), PATH)
            .await
            .unwrap()
            .addr;
        let public = format!("http://{lb}{PATH}");
        let bots = addrs
            .iter()
            .map(|addr| spawn_bot(&emu, &url, &media, *addr, &public))
            .collect();
        for addr in &addrs {
            wait_ready(*addr).await;
        }
        set_webhook(&emu, &public).await;
        Setup {
            name: name.to_owned(),
            emu,
            bots,
            db,
            url,
            text: t(Lang::En, "menu-points"),
        }
    }

    /// Sends `n` updates spread over the riders; updates per second until all are answered.
    async fn burst(&self, n: usize) -> f64 {
        let before = self.emu.sent_count();
        let start = Instant::now();
        for i in 0..n {
            self.emu
                .send_text(FIRST_RIDER + (i as i64 % RIDERS), &self.text);
        }
        assert!(
            self.emu
                .wait_sent_count(before + n, Duration::from_secs(600))
                .await,
            "{}: not every burst update was answered",
            self.name
        );
        let rate = n as f64 / start.elapsed().as_secs_f64();
        self.drain().await;
        rate
    }

    async fn drain(&self) {
        for u in 0..RIDERS {
            while self
                .emu
                .next_message_within(FIRST_RIDER + u, Duration::ZERO)
                .await
                .is_some()
            {}
        }
    }

    /// The bursts, with the CPU and lock waits they caused.
    async fn measure(&self) -> Measured {
        self.burst(RIDERS as usize).await;
        let waits = Arc::new(Waits::default());
        let stop = Arc::new(AtomicU64::new(0));
        let sampler = self.db.as_ref().map(|_| {
            let db = self.url.rsplit('/').next().unwrap().to_owned();
            tokio::spawn(sample_waits(
                self.url.clone(),
                db,
                waits.clone(),
                stop.clone(),
            ))
        });
        let counts0 = match self.db {
            Some(_) => commits_and_flushes(&self.url).await,
            None => None,
        };
        let (cpu0, t0) = (Cpu::now(&self.bots), Instant::now());
        let mut rates = Vec::new();
        for _ in 0..ROUNDS {
            rates.push(self.burst(BURST).await);
        }
        let (cpu, wall) = (Cpu::now(&self.bots).since(cpu0), t0.elapsed().as_secs_f64());
        // The statistics collector publishes at most every half second.
        tokio::time::sleep(Duration::from_millis(700)).await;
        let counts = match (counts0, commits_and_flushes(&self.url).await) {
            (Some((c0, f0)), Some((c1, f1))) => {
                let n = (BURST * ROUNDS) as f64;
                Some(((c1 - c0) as f64 / n, (f1 - f0) as f64 / n))
            }
            _ => None,
        };
        stop.store(1, Ordering::Relaxed);
        if let Some(s) = sampler {
            let _ = s.await;
        }
        let (p50, p99) = self.latency().await;
        let samples = waits.samples.load(Ordering::Relaxed).max(1) as f64;
        Measured {
            rate: median(&mut rates),
            p50,
            p99,
            cores: Cpu {
                bot: cpu.bot / wall,
                postgres: cpu.postgres / wall,
                harness: cpu.harness / wall,
            },
            advisory: waits.advisory.load(Ordering::Relaxed) as f64 / samples,
            other_locks: waits.other_locks.load(Ordering::Relaxed) as f64 / samples,
            active: waits.active.load(Ordering::Relaxed) as f64 / samples,
            sampled: self.db.is_some(),
            counts,
        }
    }

    /// p50 and p99 round-trip latency with riders in ping-pong.
    async fn latency(&self) -> (Duration, Duration) {
        let mut tasks = Vec::new();
        for u in 0..PING_RIDERS {
            let text = self.text.clone();
            let emu = Arc::clone(&self.emu);
            tasks.push(tokio::spawn(async move {
                let chat = FIRST_RIDER + u;
                let mut latencies = Vec::with_capacity(PINGS);
                for _ in 0..PINGS {
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

    fn stop(mut self) {
        for bot in &mut self.bots {
            // SIGTERM, as an orchestrator stops an instance; then wait for it.
            let _ = Command::new("kill")
                .args(["-TERM", &bot.id().to_string()])
                .status();
        }
        for bot in &mut self.bots {
            let _ = bot.wait();
        }
        assert!(
            self.emu.violations().is_empty(),
            "{}: {:?}",
            self.name,
            self.emu.violations()
        );
        drop(self.db.take());
    }
}

impl Drop for Setup {
    /// A benchmark that panics leaves no instance running.
    fn drop(&mut self) {
        for bot in &mut self.bots {
            let _ = bot.kill();
            let _ = bot.wait();
        }
    }
}

struct Measured {
    rate: f64,
    p50: Duration,
    p99: Duration,
    cores: Cpu,
    advisory: f64,
    other_locks: f64,
    active: f64,
    sampled: bool,
    /// Per update: transactions committed, and WAL flushes.
    counts: Option<(f64, f64)>,
}

/// Registered riders, made in the table (the benchmark is about their menu presses).
async fn register(pool: &rider_bot::db::Pool, emu: &Emulator) {
    let now = At(rider_bot::db::now());
    for u in 0..RIDERS {
        let id = FIRST_RIDER + u;
        emu.add_user(TgUser::new(id, "Bench", Some("en")));
        sqlx::query(
            "INSERT INTO users (id, status, lang, name, platform, phone, consent_version, created_at, updated_at, first_seen_at)
             VALUES ($1, 'registered', 'en', 'Bench', 'meituan', '+8613800000000', 1, $2, $2, $2)",
        )
        .bind(id)
        .bind(now)
        .execute(pool)
        .await
        .unwrap();
    }
}

fn spawn_bot(
    emu: &Emulator,
    url: &str,
    media: &std::path::Path,
    addr: SocketAddr,
    public: &str,
) -> Child {
    Command::new(env!("CARGO_BIN_EXE_rider-bot"))
        .args(["run", "--webhook", public])
        .env_clear()
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url().to_string())
        .env("DATABASE_URL", url)
        .env("MEDIA_DIR", media)
        .env("HTTP_ADDR", addr.to_string())
        .env("WEBHOOK_SECRET", SECRET)
        .env("WEBHOOK_PATH", PATH)
        // Each synthetic rider sends ten updates a burst: past a person's limit, but the gate
        // still counts every update, so its cost is in the figures.
        .env("FLOOD_BURST", "1000")
        .env("FLOOD_PER_MINUTE", "6000")
        .env("RUST_LOG", "error")
        .spawn()
        .expect("the rider-bot binary runs")
}

/// Waits until the instance answers `/readyz` with 200 (its database and the Bot API reached).
async fn wait_ready(addr: SocketAddr) {
    let client = reqwest::Client::new();
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let ok = client
            .get(format!("http://{addr}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status().is_success());
        if ok {
            return;
        }
        assert!(Instant::now() < deadline, "instance at {addr} not ready");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The operator's `webhook set` (its call): to the balancer, with Telegram's default 40
/// connections and the update types the bot handles.
async fn set_webhook(emu: &Emulator, public: &str) {
    let bot = teloxide::Bot::new(emu.token()).set_api_url(emu.api_url());
    let secret = rider_bot::config::WebhookSecret::parse(SECRET).unwrap();
    let options = rider_bot::bot::webhook::admin::SetOptions {
        max_connections: Some(40),
        allowed_updates: rider_bot::startup::handled_updates(),
        drop_pending_updates: false,
    };
    rider_bot::bot::webhook::admin::set(&bot, url::Url::parse(public).unwrap(), &secret, &options)
        .await
        .expect("setWebhook to the balancer");
}

fn main() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        println!(
            "rider-bot instances benchmark, webhook mode: {ROUNDS} bursts of {BURST} \"My points\" presses from {RIDERS} riders per setup; latency from {PING_RIDERS} riders x {PINGS} round trips; {} cores",
            std::thread::available_parallelism().map_or(0, |n| n.get())
        );
        let dir = tempfile::tempdir().unwrap();
        let mut rows = Vec::new();
        // `BENCH_SETUPS=sqlite,1,2,4` (the default) picks the setups to run.
        let chosen = std::env::var("BENCH_SETUPS").unwrap_or_else(|_| "sqlite,1,2,4".into());
        let chosen: Vec<&str> = chosen.split(',').map(str::trim).collect();
        if chosen.contains(&"sqlite") {
            let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
            let setup = Setup::start("1 instance, SQLite", 1, sqlite, None).await;
            rows.push((setup.name.clone(), setup.measure().await));
            setup.stop();
        }
        for n in [1, 2, 4].into_iter().filter(|n| chosen.contains(&n.to_string().as_str())) {
            let db = TestDb::postgres().await;
            let name = format!(
                "{n} instance{}, PostgreSQL",
                if n == 1 { "" } else { "s" }
            );
            let setup = Setup::start(&name, n, db.url.clone(), Some(db)).await;
            rows.push((setup.name.clone(), setup.measure().await));
            setup.stop();
        }

        println!();
        println!("| setup                   | updates/s (median) | p50 latency | p99 latency | CPU: bot | PostgreSQL | emulator | waiting for the write lock | other locks | active | commits/update | WAL flushes/update |");
        println!("|-------------------------|-------------------:|------------:|------------:|---------:|-----------:|---------:|---------------------------:|------------:|-------:|---------------:|-------------------:|");
        for (name, m) in &rows {
            let pg = |v: f64| {
                if m.sampled {
                    format!("{v:.1}")
                } else {
                    "-".to_owned()
                }
            };
            let (commits, flushes) = match m.counts {
                Some((c, f)) => (format!("{c:.1}"), format!("{f:.1}")),
                None => ("-".to_owned(), "-".to_owned()),
            };
            println!(
                "| {name:<23} | {:>18.0} | {:>8.1} ms | {:>8.1} ms | {:>8.2} | {:>10.2} | {:>8.2} | {:>26} | {:>11} | {:>6} | {commits:>14} | {flushes:>18} |",
                m.rate,
                m.p50.as_secs_f64() * 1e3,
                m.p99.as_secs_f64() * 1e3,
                m.cores.bot,
                m.cores.postgres,
                m.cores.harness,
                pg(m.advisory),
                pg(m.other_locks),
                pg(m.active),
            );
        }
        println!();
        println!("CPU columns: cores used during the bursts (the machine has {}). Lock columns: the database's sessions, on average over samples every 10 ms.",
            std::thread::available_parallelism().map_or(0, |n| n.get()));
    });
}
