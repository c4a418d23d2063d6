//! Nearest-station queries: the R-tree index beside a plain scan of the same stations, in the
//! same run, at 1k, 10k, 100k and 1M stations; and how long the index takes to follow the table.
//!
//! `cargo bench --bench stations` (release build). Prints a table; the README quotes it.
//!
//! Stations are spread uniformly over eastern China (22–41 N, 103–122 E, about 4 million km²),
//! as a national deployment would have them: 70% open 24/7, 30% open 08:00–20:00. Queries are
//! random points in the same box at 22:00 local time, so the day-time stations are closed and
//! the ranking has to look past them. Both sides answer the same question through the same
//! ranking rules (radius 5 km, open before closed within ten e-bike minutes, the nearest
//! station offered when nothing is in reach) and their answers are checked equal.
//!
//! - Index: `stations::domain::nearest` on a `StationIndex`.
//! - Scan: every station's distance, the ones in reach ranked, the nearest kept as a fallback.
//! - Follow: `Directory::current` builds the index from SQLite on first use; after a change to
//!   the table (a coordinator closing one station) it applies the changed rows; with no change
//!   it only reads the revision counter.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rider_bot::geo::{Datum, Position};
use rider_bot::stations::domain::{self, Availability, Query, Reach};
use rider_bot::stations::index::{Directory, StationIndex};
use rider_bot::stations::{Hours, Kind, Service, Services, Station, StationCode};

/// A small deterministic generator (xorshift64*), so every run measures the same data.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn point(&mut self) -> Position {
        Position::new(22.0 + 19.0 * self.unit(), 103.0 + 19.0 * self.unit()).unwrap()
    }
}

fn stations(n: usize, rng: &mut Rng) -> Vec<Station> {
    let always = Hours::parse("24/7").unwrap();
    let daytime = Hours::parse("Mo-Su 08:00-20:00").unwrap();
    (0..n)
        .map(|i| {
            let position = rng.point();
            let services: Services = Service::ALL
                .into_iter()
                .filter(|_| rng.unit() < 0.5)
                .collect();
            Station {
                code: StationCode::parse(&format!("S{i}")).unwrap(),
                name_zh: format!("驿站{i}"),
                name_en: None,
                kind: Kind::Community,
                address: String::new(),
                position,
                source: (position.lat(), position.lng(), Datum::Wgs84),
                hours: if rng.unit() < 0.7 {
                    always.clone()
                } else {
                    daytime.clone()
                },
                services,
                parking_spots: 0,
                phone: None,
                closure: None,
            }
        })
        .collect()
}

/// The baseline: look at every station.
fn scan<'a>(
    all: &'a [Station],
    q: &Query,
    reach: Reach,
    now: DateTime<Utc>,
) -> Vec<(&'a str, u32)> {
    let mut in_reach: Vec<(u32, bool, f64, &Station)> = Vec::new();
    let mut nearest: Option<(f64, &Station)> = None;
    for s in all {
        if q.need.is_some_and(|n| !s.services.contains(n)) {
            continue;
        }
        let d = q.from.distance_m(s.position);
        if nearest.is_none_or(|(best, _)| d < best) {
            nearest = Some((d, s));
        }
        if d <= reach.radius_m {
            let bucket = (d / reach.metres_in(10.0)) as u32;
            let closed = !Availability::at(s, now, reach).welcomes();
            in_reach.push((bucket, closed, d, s));
        }
    }
    if in_reach.is_empty() {
        return nearest
            .map(|(d, s)| vec![(s.code.as_str(), d.round() as u32)])
            .unwrap_or_default();
    }
    in_reach.sort_by(|a, b| (a.0, a.1, a.2).partial_cmp(&(b.0, b.1, b.2)).unwrap());
    in_reach
        .iter()
        .take(domain::PAGE_SIZE)
        .map(|(_, _, d, s)| (s.code.as_str(), d.round() as u32))
        .collect()
}

fn indexed<'a>(
    index: &'a StationIndex,
    q: &Query,
    reach: Reach,
    now: DateTime<Utc>,
) -> Vec<(&'a str, u32)> {
    domain::nearest(index, q, reach, now)
        .hits
        .iter()
        .map(|h| (h.station.code.as_str(), h.distance_m.round() as u32))
        .collect()
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn time_each(queries: &[Query], mut f: impl FnMut(&Query)) -> Duration {
    let mut times = Vec::with_capacity(queries.len());
    for q in queries {
        let start = Instant::now();
        f(q);
        times.push(start.elapsed());
    }
    median(times)
}

fn micros(d: Duration) -> String {
    format!("{:.2} µs", d.as_secs_f64() * 1e6)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let reach = Reach {
        radius_m: 5000.0,
        speed_kmh: 15.0,
        tz: chrono_tz::Asia::Shanghai,
    };
    // Saturday 22:00 in China: the day-time stations are closed.
    let now = Utc.with_ymd_and_hms(2026, 12, 5, 14, 0, 0).unwrap();
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    println!(
        "nearest-3 query, median of many (index) and of fewer (scan), same stations, same run"
    );
    println!(
        "{:>9} | {:>11} | {:>12} | {:>8} | {:>10}",
        "stations", "index", "plain scan", "speed-up", "build"
    );
    for n in [1_000usize, 10_000, 100_000, 1_000_000] {
        let all = stations(n, &mut rng);
        let build = Instant::now();
        let index = StationIndex::new(all.clone());
        let build = build.elapsed();
        let queries: Vec<Query> = (0..20_000)
            .map(|i| Query {
                from: rng.point(),
                // Every fourth rider filters by a need.
                need: (i % 4 == 0).then(|| Service::FILTERS[i % Service::FILTERS.len()]),
                page: 0,
            })
            .collect();
        // Same answers, or the comparison means nothing.
        for q in queries.iter().take(200) {
            assert_eq!(
                indexed(&index, q, reach, now),
                scan(&all, q, reach, now),
                "index and scan disagree at {:?}",
                q.from
            );
        }
        let fast = time_each(&queries, |q| {
            std::hint::black_box(domain::nearest(&index, q, reach, now));
        });
        let scan_queries = (2_000_000 / n).clamp(20, 2_000);
        let slow = time_each(&queries[..scan_queries], |q| {
            std::hint::black_box(scan(&all, q, reach, now));
        });
        println!(
            "{:>9} | {:>11} | {:>12} | {:>7.0}× | {:>7.0} ms",
            n,
            micros(fast),
            micros(slow),
            slow.as_secs_f64() / fast.as_secs_f64(),
            build.as_secs_f64() * 1e3
        );
    }

    // Following the table: rebuild from SQLite after a change, or only check the revision.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let pool = rider_bot::db::connect_and_migrate(&url).await.unwrap();
    let n = 100_000;
    let all = stations(n, &mut rng);
    let mut tx = rider_bot::db::begin_write(&pool).await.unwrap();
    rider_bot::stations::store::upsert(&mut tx, &all)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    let directory = Directory::default();
    let cold = Instant::now();
    let index = directory.current(&pool).await.unwrap();
    let cold = cold.elapsed();
    assert_eq!(index.len(), n);
    drop(index);
    let mut changed = Vec::new();
    for i in 0..20 {
        let code = StationCode::parse(&format!("S{}", i * 997)).unwrap();
        let closure = rider_bot::stations::Closure {
            until: None,
            reason: None,
        };
        let mut conn = pool.acquire().await.unwrap();
        rider_bot::stations::store::set_closure(&mut conn, &code, Some(&closure))
            .await
            .unwrap();
        drop(conn);
        let start = Instant::now();
        let index = directory.current(&pool).await.unwrap();
        changed.push(start.elapsed());
        assert!(index.get(&code).unwrap().closure.is_some());
    }
    let mut warm = Vec::new();
    for _ in 0..1000 {
        let start = Instant::now();
        std::hint::black_box(directory.current(&pool).await.unwrap());
        warm.push(start.elapsed());
    }
    println!();
    println!("the index follows the table ({n} stations in SQLite):");
    println!(
        "  first build from the table      {:>9.0} ms",
        cold.as_secs_f64() * 1e3
    );
    println!(
        "  after one station closes        {:>9.2} ms (median of 20)",
        median(changed).as_secs_f64() * 1e3
    );
    println!(
        "  unchanged (revision check only) {:>12}",
        micros(median(warm))
    );
}
