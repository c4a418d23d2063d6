//! `/stats all` on a district-sized history, beside the naive way of taking the same figures,
//! in the same run: time and the process's peak memory for each.
//!
//! `cargo bench --bench stats` (release build). The database: 100,000 riders, 1,000,000
//! ledger entries, 50,000 reports with their history, 300,000 station visits, 2,000 sessions
//! with 60,000 sign-ups, 10,000 feedback items. Figures:
//!
//! - `/stats all` and `/stats month`: `stats::domain::figures`, what the command runs (one read
//!   transaction of SQL aggregates, then its audit line).
//! - Naive: every row of the same tables read into memory and the same figures counted in Rust
//!   (what a first version that "just loads the data" does). The bench checks both give the same
//!   figures before it prints anything.
//! - `/export ledger` of all 1,000,000 entries: `exports::file::build` (rows streamed from
//!   SQLite to a blocking CSV writer), beside the whole ledger read into a vector and written.
//!
//! Memory is how far the process's own (anonymous) resident memory rose above where it was
//! before each measurement, sampled every 2 ms (Linux `/proc/self/status`): what the work
//! loads, not the database pages SQLite maps from the file (`mmap_size`), which the OS
//! shares and drops as it needs.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rider_bot::db::{At, Pool};
use rider_bot::stats::domain::{self, period, Asked, Scope, Span, StatsQuery};
use rider_bot::users::UserId;

const RIDERS: i64 = 100_000;
const LEDGER: i64 = 1_000_000;
const REPORTS: i64 = 50_000;
const VISITS: i64 = 300_000;
const SESSIONS: i64 = 2_000;
const SIGNUPS: i64 = 60_000;
const FEEDBACK: i64 = 10_000;
const COORDINATOR: i64 = 900;
const RUNS: usize = 5;

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 4, 0, 0).unwrap()
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
    let url = format!("sqlite://{}", dir.path().join("stats.db").display());
    let pool = rider_bot::db::connect_and_migrate(&url).await.unwrap();
    let started = Instant::now();
    fill(&pool).await;
    println!("filled in {:.1} s", started.elapsed().as_secs_f64());

    let index = rider_bot::stations::index::Directory::default()
        .current(&pool)
        .await
        .unwrap();
    let tz = chrono_tz::Asia::Shanghai;
    let mut rows = Vec::new();
    for span in [Span::All, Span::Month] {
        let query = StatsQuery {
            span,
            scope: Scope::District,
        };
        let p = period(span, now(), tz).unwrap();
        let station_at = |c: &_| index.get(c).map(|s| s.position);
        let asked = Asked {
            viewer: UserId(COORDINATOR),
            query: &query,
            period: p,
            now: now(),
            tz,
            station_at: &station_at,
        };
        let (took, peak, real) =
            measure(|| async { domain::figures(&pool, &asked).await.unwrap() }).await;
        let (naive_took, naive_peak, naive) = measure(|| naive::figures(&pool, p)).await;
        naive.assert_matches(&real);
        rows.push((span, took, peak, naive_took, naive_peak));
    }
    // One platform's month: the same figures over a third of the riders (no naive twin).
    let platform = StatsQuery {
        span: Span::Month,
        scope: Scope::parse("meituan").unwrap(),
    };
    let p = period(Span::Month, now(), tz).unwrap();
    let station_at = |c: &_| index.get(c).map(|s| s.position);
    let asked = Asked {
        viewer: UserId(COORDINATOR),
        query: &platform,
        period: p,
        now: now(),
        tz,
        station_at: &station_at,
    };
    let (platform_took, platform_peak, by_platform) =
        measure(|| async { domain::figures(&pool, &asked).await.unwrap() }).await;
    assert!(by_platform.riders_registered.unwrap() > 0);
    let export = export_ledger(&pool, dir.path()).await;
    println!();
    println!(
        "| figures | stats (SQL aggregates) | memory grown | naive (rows into memory) | memory grown |"
    );
    println!("|---|---|---|---|---|");
    for (span, took, peak, naive_took, naive_peak) in rows {
        println!(
            "| /stats {} | {} | {} | {} | {} |",
            span.code(),
            ms(took),
            mib(peak),
            ms(naive_took),
            mib(naive_peak)
        );
    }
    println!(
        "| /stats month meituan | {} | {} | — | — |",
        ms(platform_took),
        mib(platform_peak)
    );
    let (took, peak, naive_took, naive_peak, rows, bytes) = export;
    println!(
        "| /export ledger ({rows} rows, {:.1} MB) | {} | {} | {} | {} |",
        bytes as f64 / 1e6,
        ms(took),
        mib(peak),
        ms(naive_took),
        mib(naive_peak)
    );
}

/// `/export ledger` (everything) through the exports capability's builder, beside the naive
/// way: every entry read into a vector, then written. Both files must hold the same rows.
async fn export_ledger(
    pool: &Pool,
    dir: &std::path::Path,
) -> (Duration, u64, Duration, u64, u64, u64) {
    use rider_bot::exports::domain::ExportRequest;
    use rider_bot::exports::file::{build, Spec};
    let today = now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let spec = Spec {
        request: ExportRequest::parse("ledger", today).unwrap(),
        tz: chrono_tz::Asia::Shanghai,
        now: now(),
    };
    let out = dir.join("exports");
    // Twice each (a full export takes seconds): the second run is measured.
    let mut result = None;
    let sampler = Sampler::start();
    for _ in 0..2 {
        let t = Instant::now();
        let built = build(pool, &spec, &out, u64::MAX).await.unwrap();
        result = Some((t.elapsed(), built.rows, built.bytes));
    }
    let peak = sampler.stop();
    let (took, rows, bytes) = result.unwrap();
    let sampler = Sampler::start();
    let mut naive = (Duration::ZERO, 0u64);
    for _ in 0..2 {
        let t = Instant::now();
        let n = naive::export_ledger(pool, &out.join("naive.csv")).await;
        naive = (t.elapsed(), n);
    }
    let naive_peak = sampler.stop();
    assert_eq!(naive.1, rows, "the naive export wrote other rows");
    (took, peak, naive.0, naive_peak, rows, bytes)
}

/// The median time of [`RUNS`] runs of `work`, the most the process's own memory grew over
/// them, and the last result.
async fn measure<T, F, Fut>(work: F) -> (Duration, u64, T)
where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = T>,
{
    let sampler = Sampler::start();
    let mut times = Vec::new();
    let mut last = None;
    for _ in 0..RUNS {
        let t = Instant::now();
        last = Some(work().await);
        times.push(t.elapsed());
    }
    times.sort();
    (times[RUNS / 2], sampler.stop(), last.unwrap())
}

/// The process's anonymous resident memory (its heap and stacks: what a query loads, not the
/// database pages SQLite maps from the file), in bytes.
fn rss_anon() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with("RssAnon:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|kb| kb.parse::<u64>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Samples [`rss_anon`] every 2 ms on its own thread; `stop` gives the peak above the start.
struct Sampler {
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
    before: u64,
}

impl Sampler {
    fn start() -> Sampler {
        let before = rss_anon();
        let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut peak = 0;
            while !flag.load(std::sync::atomic::Ordering::Relaxed) {
                peak = peak.max(rss_anon());
                std::thread::sleep(Duration::from_millis(2));
            }
            peak.max(rss_anon())
        });
        Sampler {
            stop,
            thread,
            before,
        }
    }

    fn stop(self) -> u64 {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        self.thread.join().unwrap().saturating_sub(self.before)
    }
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1e3)
}

fn mib(bytes: u64) -> String {
    format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
}

async fn exec(pool: &Pool, sql: &str) {
    sqlx::query(sql).execute(pool).await.unwrap();
}

/// The district's history, made with recursive counters in SQLite (a few seconds).
async fn fill(pool: &Pool) {
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    rider_bot::seeds::load_dir(pool, &seeds).await.unwrap();
    let count = |n: i64| {
        format!("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {n})")
    };
    exec(pool, &format!(
        "{} INSERT INTO users (id, status, role, lang, name, platform, phone, registered_at, created_at, updated_at)
         SELECT 100000 + i, 'registered', 'rider', 'zh-CN', 'rider ' || i,
                CASE i % 3 WHEN 0 THEN 'meituan' WHEN 1 THEN 'eleme' ELSE 'sf' END,
                '+8613800000000', strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || (i % 330) || ' days'),
                '2026-01-01', '2026-01-01' FROM c",
        count(RIDERS)
    ))
    .await;
    exec(pool, &format!(
        "INSERT INTO users (id, status, role, created_at, updated_at) VALUES ({COORDINATOR}, 'registered', 'coordinator', '2026-01-01', '2026-01-01')"
    ))
    .await;
    exec(pool, &format!(
        "{} INSERT INTO ledger (rider_id, amount, kind, source_ref, idem_key, at)
         SELECT 100000 + i % {RIDERS} + 1, 1 + i % 20,
                CASE i % 2 WHEN 0 THEN 'attendance' ELSE 'report_accepted' END, 'b' || i, 'b' || i,
                strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || (i % 337) || ' days', '+' || (i % 86400) || ' seconds')
         FROM c",
        count(LEDGER)
    ))
    .await;
    exec(pool, &format!(
        "{} INSERT INTO reports (reporter_id, reporter_role, category, lat, lng, status, department,
                                request_key, status_at, created_at)
         SELECT 100000 + i % {RIDERS} + 1, 'rider', k.code,
                31.3 + (i % 100) * 0.001, 120.7 + (i % 70) * 0.001,
                CASE i % 4 WHEN 0 THEN 'submitted' WHEN 1 THEN 'accepted' ELSE 'resolved' END, NULL,
                'k' || i, '2026-06-01',
                strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || (i % 337) || ' days', '+' || (i % 3600) || ' seconds')
         FROM c JOIN (SELECT code, ROW_NUMBER() OVER (ORDER BY code) - 1 AS n FROM categories) k
           ON k.n = i % (SELECT COUNT(*) FROM categories)",
        count(REPORTS)
    ))
    .await;
    exec(pool,
        "INSERT INTO report_history (report_id, from_status, to_status, actor_id, at)
         SELECT id, NULL, 'submitted', reporter_id, created_at FROM reports;
         INSERT INTO report_history (report_id, from_status, to_status, actor_id, at)
         SELECT id, 'submitted', 'accepted', 900,
                strftime('%Y-%m-%dT%H:%M:%S+00:00', created_at, '+' || (id % 50) || ' hours')
         FROM reports WHERE status IN ('accepted', 'resolved');
         INSERT INTO report_history (report_id, from_status, to_status, actor_id, at)
         SELECT id, 'accepted', 'resolved', 900,
                strftime('%Y-%m-%dT%H:%M:%S+00:00', created_at, '+' || (id % 50 + id % 97) || ' hours')
         FROM reports WHERE status = 'resolved'",
    )
    .await;
    exec(
        pool,
        &format!(
            "{} INSERT INTO station_visits (station, rider_id, day, at, via)
         SELECT st.code, 100000 + i % {RIDERS} + 1,
                date('2026-01-01', '+' || (((i % 300) + (i / {RIDERS}) * 5) % 337) || ' days'),
                '2026-01-01T00:00:00+00:00', 'poster'
         FROM c JOIN (SELECT code, ROW_NUMBER() OVER (ORDER BY code) - 1 AS n FROM stations) st
           ON st.n = (i * 7) % (SELECT COUNT(*) FROM stations)",
            count(VISITS)
        ),
    )
    .await;
    exec(pool, &format!(
        "{} INSERT INTO sessions (code, plan, starts_at, ends_at, capacity)
         SELECT p.code || '-' || i, p.code,
                strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || (i % 337) || ' days', '+2 hours'),
                strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || (i % 337) || ' days', '+4 hours'), 40
         FROM c JOIN (SELECT code, ROW_NUMBER() OVER (ORDER BY code) - 1 AS n FROM service_plans) p
           ON p.n = i % (SELECT COUNT(*) FROM service_plans)",
        count(SESSIONS)
    ))
    .await;
    exec(pool, &format!(
        "{} INSERT INTO signups (session, rider_id, status, created_at, updated_at, queued)
         SELECT s.code, 100000 + (i * 13) % {RIDERS} + 1,
                CASE i % 5 WHEN 0 THEN 'signed' WHEN 1 THEN 'waitlisted' ELSE 'attended' END,
                s.starts_at, s.starts_at, i
         FROM c JOIN (SELECT code, starts_at, ROW_NUMBER() OVER (ORDER BY code) - 1 AS n FROM sessions) s
           ON s.n = i % {SESSIONS}",
        count(SIGNUPS)
    ))
    .await;
    exec(pool, &format!(
        "{} INSERT INTO feedback (rider_id, topic, kind, body, request_key, status, created_at, answered_at, rating)
         SELECT 100000 + i % {RIDERS} + 1,
                CASE i % 7 WHEN 0 THEN 'charging' WHEN 1 THEN 'rest' WHEN 2 THEN 'food' WHEN 3 THEN 'health'
                           WHEN 4 THEN 'legal' WHEN 5 THEN 'app' ELSE 'other' END,
                'text', 'need ' || i, 'f' || i, CASE WHEN i % 2 = 0 THEN 'answered' ELSE 'open' END,
                strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || (i % 337) || ' days'),
                CASE WHEN i % 2 = 0 THEN strftime('%Y-%m-%dT%H:%M:%S+00:00', '2026-01-01', '+' || (i % 337) || ' days', '+' || (i % 30) || ' hours') END,
                CASE WHEN i % 4 = 0 THEN 1 + i % 5 END
         FROM c",
        count(FEEDBACK)
    ))
    .await;
    exec(pool, "ANALYZE").await;
    rider_bot::db::forget_stat4_samples(pool).await.unwrap();
}

/// The same figures, the naive way: every row into memory, counted in Rust.
mod naive {
    use super::*;
    use rider_bot::stats::domain::{median, Period};
    use rider_bot::stats::Figures;

    #[derive(Debug, PartialEq)]
    pub struct Naive {
        registered: i64,
        visits: i64,
        top: Vec<(String, i64)>,
        filed: i64,
        by_status: BTreeMap<String, i64>,
        median_accept_s: Option<i64>,
        median_resolve_s: Option<i64>,
        points_issued: i64,
        signed_up: i64,
        attended: i64,
        feedback: i64,
        reached: i64,
    }

    impl Naive {
        pub fn assert_matches(&self, f: &Figures) {
            let real = Naive {
                registered: f.riders_registered.unwrap(),
                visits: f.visits,
                top: f
                    .top_stations
                    .iter()
                    .map(|c| (c.key.clone(), c.n))
                    .collect(),
                filed: f.reports.filed,
                by_status: f
                    .reports
                    .by_status
                    .iter()
                    .map(|c| (c.key.clone(), c.n))
                    .collect(),
                median_accept_s: f.reports.median_accept_s,
                median_resolve_s: f.reports.median_resolve_s,
                points_issued: f.points_issued.unwrap(),
                signed_up: f.attendance.signed_up,
                attended: f.attendance.attended,
                feedback: f.feedback.as_ref().unwrap().received,
                reached: f.riders_reached,
            };
            assert_eq!(self, &real, "the naive figures differ from /stats");
        }
    }

    type Row5 = (i64, String, String, At, Option<String>);

    type Entry = (
        i64,
        i64,
        i64,
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
        String,
    );

    /// The whole ledger into memory, then written as CSV: the rows written.
    pub async fn export_ledger(pool: &Pool, path: &std::path::Path) -> u64 {
        let rows: Vec<Entry> = sqlx::query_as(
            "SELECT id, rider_id, amount, kind, source_ref, actor_id, reason, at FROM ledger ORDER BY id",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let mut w = csv::Writer::from_path(path).unwrap();
        w.write_record([
            "id", "rider", "amount", "kind", "source", "actor", "reason", "at",
        ])
        .unwrap();
        for (id, rider, amount, kind, source, actor, reason, at) in &rows {
            w.write_record([
                id.to_string(),
                rider.to_string(),
                amount.to_string(),
                kind.clone(),
                source.clone().unwrap_or_default(),
                actor.map(|a| a.to_string()).unwrap_or_default(),
                reason.clone().unwrap_or_default(),
                at.clone(),
            ])
            .unwrap();
        }
        w.flush().unwrap();
        rows.len() as u64
    }

    pub async fn figures(pool: &Pool, p: Period) -> Naive {
        let within = |t: DateTime<Utc>| t >= p.from && t < p.to;
        let (from_d, to_d) = (
            p.first.map(|d| d.to_string()).unwrap_or_default(),
            p.end.to_string(),
        );
        let users: Vec<(i64, String, String, Option<At>)> =
            sqlx::query_as("SELECT id, status, role, registered_at FROM users")
                .fetch_all(pool)
                .await
                .unwrap();
        let registered = users
            .iter()
            .filter(|(_, s, r, at)| {
                s == "registered" && r != "coordinator" && at.is_some_and(|t| t.0 < p.to)
            })
            .count() as i64;
        let visits: Vec<(String, i64, String)> =
            sqlx::query_as("SELECT station, rider_id, day FROM station_visits")
                .fetch_all(pool)
                .await
                .unwrap();
        let visits: Vec<_> = visits
            .into_iter()
            .filter(|(_, _, d)| *d >= from_d && *d < to_d)
            .collect();
        let mut per_station = HashMap::<String, i64>::new();
        for (s, _, _) in &visits {
            *per_station.entry(s.clone()).or_default() += 1;
        }
        let mut top: Vec<(String, i64)> = per_station.into_iter().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        top.truncate(domain::TOP_STATIONS as usize);
        let reports: Vec<(i64, i64, String, At)> =
            sqlx::query_as("SELECT id, reporter_id, status, created_at FROM reports")
                .fetch_all(pool)
                .await
                .unwrap();
        let reports: HashMap<i64, (i64, String, DateTime<Utc>)> = reports
            .into_iter()
            .filter(|r| within(r.3 .0))
            .map(|(id, who, status, at)| (id, (who, status, at.0)))
            .collect();
        let mut by_status = BTreeMap::<String, i64>::new();
        for (_, s, _) in reports.values() {
            *by_status.entry(s.clone()).or_default() += 1;
        }
        let history: Vec<(i64, String, At)> =
            sqlx::query_as("SELECT report_id, to_status, at FROM report_history")
                .fetch_all(pool)
                .await
                .unwrap();
        let mut first = HashMap::<(i64, String), DateTime<Utc>>::new();
        for (id, to, at) in history {
            let e = first.entry((id, to)).or_insert(at.0);
            *e = (*e).min(at.0);
        }
        let timing = |status: &str| {
            let mut v: Vec<i64> = first
                .iter()
                .filter(|((id, to), _)| to == status && reports.contains_key(id))
                .map(|((id, _), at)| (*at - reports[id].2).num_seconds())
                .collect();
            v.sort();
            median(&v)
        };
        let ledger: Vec<(i64, String, At)> = sqlx::query_as("SELECT amount, kind, at FROM ledger")
            .fetch_all(pool)
            .await
            .unwrap();
        let paying = ["report_accepted", "attendance", "visit", "adjustment"];
        let points_issued = ledger
            .iter()
            .filter(|(a, k, at)| *a > 0 && paying.contains(&k.as_str()) && within(at.0))
            .map(|(a, _, _)| a)
            .sum();
        let signups: Vec<Row5> = sqlx::query_as(
            "SELECT g.rider_id, g.status, s.code, s.starts_at, NULL FROM signups g
             JOIN sessions s ON s.code = g.session WHERE s.cancelled = 0",
        )
        .fetch_all(pool)
        .await
        .unwrap();
        let signups: Vec<_> = signups.into_iter().filter(|s| within(s.3 .0)).collect();
        let feedback: Vec<(At,)> = sqlx::query_as("SELECT created_at FROM feedback")
            .fetch_all(pool)
            .await
            .unwrap();
        let mut reached = HashSet::<i64>::new();
        reached.extend(signups.iter().filter(|s| s.1 == "attended").map(|s| s.0));
        reached.extend(visits.iter().map(|v| v.1));
        reached.extend(reports.values().map(|r| r.0));
        Naive {
            registered,
            visits: visits.len() as i64,
            top,
            filed: reports.len() as i64,
            by_status,
            median_accept_s: timing("accepted"),
            median_resolve_s: timing("resolved"),
            points_issued,
            signed_up: signups
                .iter()
                .filter(|s| s.1 == "signed" || s.1 == "attended")
                .count() as i64,
            attended: signups.iter().filter(|s| s.1 == "attended").count() as i64,
            feedback: feedback.iter().filter(|f| within(f.0 .0)).count() as i64,
            reached: reached.len() as i64,
        }
    }
}
