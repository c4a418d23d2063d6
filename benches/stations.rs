//! Nearest-station queries: the R-tree index beside a plain scan of the same stations, in the
//! same run, at 1k, 10k, 100k and 1M stations; and how long the index takes to follow the table.
//!
//! `cargo bench --bench stations` (release build). Prints a table; the README quotes it.
//!
//! Stations are spread uniformly over eastern China (22–41 N, 103–122 E, about 4 million km²),
//! as a national deployment would have them, in two mixes:
//! - evening: 70% open 24/7, 30% open 08:00–20:00, queried at 22:00;
//! - night: 10% open 24/7, 20% open 18:00–02:00, 70% open 08:00–20:00, queried at 23:10, when
//!   most stations are closed and the ranking has to look past them.
//!
//! Queries are random points in the same box; a quarter filter by a need, an eighth ask only
//! for stations open on arrival. Both sides answer the same question through the same ranking
//! rules (radius 5 km; open when the rider gets there first, nearest first, then hours unknown,
//! then closed; with nothing open in reach, the nearest open station within 100 km; with
//! nothing in reach, the nearest open one within 100 km, else the nearest) and their answers
//! are checked equal.
//!
//! - Index: `stations::domain::nearest` on a `StationIndex`.
//! - Scan: every station's distance, the ones in reach ranked, the nearest kept as a fallback.
//! - Follow: `Directory::current` builds the index from SQLite on first use; after a change to
//!   the table (a coordinator closing one station) it applies the changed rows; with no change
//!   it only reads the revision counter.

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use rider_bot::geo::{Datum, Position};
use rider_bot::stations::domain::{self, Query, Reach, Visit, BEYOND_M};
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

/// The share of stations open 24/7 and open in the evening (18:00–02:00); the rest keep
/// day-time hours.
#[derive(Clone, Copy)]
struct Mix {
    name: &'static str,
    always: f64,
    evening: f64,
}

fn stations(n: usize, mix: Mix, rng: &mut Rng) -> Vec<Station> {
    let always = Hours::parse("24/7").unwrap();
    let evening = Hours::parse("Mo-Su 18:00-02:00").unwrap();
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
                hours: match rng.unit() {
                    u if u < mix.always => always.clone(),
                    u if u < mix.always + mix.evening => evening.clone(),
                    _ => daytime.clone(),
                },
                services,
                parking_spots: 0,
                phone: None,
                closure: None,
            }
        })
        .collect()
}

/// What a query answered: the first page's stations and distances, and the open station
/// beyond the radius when nothing in reach is open.
type Answer<'a> = (Vec<(&'a str, u32)>, Option<&'a str>);

/// The baseline: look at every station.
fn scan<'a>(all: &'a [Station], q: &Query, reach: Reach, now: DateTime<Utc>) -> Answer<'a> {
    let visit = |s: &Station, d: f64| Visit::at(s, now, reach.arrival(now, d), reach);
    let class = |v: &Visit| match v {
        Visit::Open { .. } => 0,
        Visit::Unknown => 1,
        _ => 2,
    };
    let mut in_reach: Vec<(u8, f64, &Station)> = Vec::new();
    let mut nearest: Option<(f64, &Station)> = None;
    let mut nearest_open_beyond: Option<(f64, &Station)> = None;
    for s in all {
        if q.need.is_some_and(|n| !s.services.contains(n)) {
            continue;
        }
        let d = q.from.distance_m(s.position);
        if nearest.is_none_or(|(best, _)| d < best) {
            nearest = Some((d, s));
        }
        if d <= reach.radius_m {
            in_reach.push((class(&visit(s, d)), d, s));
        } else if d <= BEYOND_M
            && nearest_open_beyond.is_none_or(|(best, _)| d < best)
            && visit(s, d).open()
        {
            nearest_open_beyond = Some((d, s));
        }
    }
    let code = |(d, s): (f64, &'a Station)| (s.code.as_str(), d.round() as u32);
    if in_reach.is_empty() {
        let shown = match nearest {
            Some((d, s)) if d > BEYOND_M => visit(s, d)
                .open()
                .then_some((d, s))
                .or((!q.open_now).then_some((d, s))),
            _ => nearest_open_beyond.or(nearest.filter(|_| !q.open_now)),
        };
        return (shown.map(code).into_iter().collect(), None);
    }
    in_reach.sort_by(|a, b| (a.0, a.1).partial_cmp(&(b.0, b.1)).unwrap());
    let none_open = in_reach[0].0 != 0;
    let hits = in_reach
        .iter()
        .filter(|(c, _, _)| !q.open_now || *c == 0)
        .take(domain::PAGE_SIZE)
        .map(|(_, d, s)| code((*d, s)))
        .collect();
    let beyond = nearest_open_beyond
        .filter(|_| none_open)
        .map(|(_, s)| s.code.as_str());
    (hits, beyond)
}

fn indexed<'a>(index: &'a StationIndex, q: &Query, reach: Reach, now: DateTime<Utc>) -> Answer<'a> {
    let a = domain::nearest(index, q, reach, now);
    let hits = a
        .hits
        .iter()
        .map(|h| (h.station.code.as_str(), h.distance_m.round() as u32))
        .collect();
    (hits, a.open_beyond.map(|h| h.station.code.as_str()))
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
        margin: chrono::Duration::minutes(15),
        radius_m: 5000.0,
        speed_kmh: 15.0,
        tz: chrono_tz::Asia::Shanghai,
    };
    let mixes = [
        // Saturday 22:00 in China: the day-time stations are closed.
        (
            Mix {
                name: "evening",
                always: 0.7,
                evening: 0.0,
            },
            Utc.with_ymd_and_hms(2026, 12, 5, 14, 0, 0).unwrap(),
        ),
        // Saturday 23:10: only the 24/7 and evening stations are open, the evening ones
        // closing within the hour (and within the margin for riders far from them).
        (
            Mix {
                name: "night",
                always: 0.1,
                evening: 0.2,
            },
            Utc.with_ymd_and_hms(2026, 12, 5, 15, 10, 0).unwrap(),
        ),
    ];
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);

    println!(
        "nearest-3 query, median of many (index) and of fewer (scan), same stations, same run"
    );
    println!(
        "{:>8} | {:>9} | {:>11} | {:>12} | {:>8} | {:>10}",
        "mix", "stations", "index", "plain scan", "speed-up", "build"
    );
    for (mix, now) in mixes {
        for n in [1_000usize, 10_000, 100_000, 1_000_000] {
            let all = stations(n, mix, &mut rng);
            let build = Instant::now();
            let index = StationIndex::new(all.clone());
            let build = build.elapsed();
            let queries: Vec<Query> = (0..20_000)
                .map(|i| Query {
                    from: rng.point(),
                    // Every fourth rider filters by a need; every eighth asks for open ones.
                    need: (i % 4 == 0).then(|| Service::FILTERS[i % Service::FILTERS.len()]),
                    open_now: i % 8 == 1,
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
                "{:>8} | {:>9} | {:>11} | {:>12} | {:>7.0}× | {:>7.0} ms",
                mix.name,
                n,
                micros(fast),
                micros(slow),
                slow.as_secs_f64() / fast.as_secs_f64(),
                build.as_secs_f64() * 1e3
            );
        }
    }

    // Following the table: rebuild from SQLite after a change, or only check the revision.
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let pool = rider_bot::db::connect_and_migrate(&url).await.unwrap();
    let n = 100_000;
    let all = stations(n, mixes[0].0, &mut rng);
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
