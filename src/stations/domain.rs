//! Station rules: which stations a rider is shown and in what order, what "open" means, and
//! who may close a station.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use sqlx::SqlitePool;

use super::hours::OpenState;
use super::index::StationIndex;
use super::{csv, store, Closure, Service, Station, StationCode};
use crate::audit::{self, Actor};
use crate::csvfile::{self, ImportError};
use crate::geo::Position;
use crate::users::{self, Refusal, UserId};

/// Stations per page of an answer.
pub const PAGE_SIZE: usize = 3;
/// The furthest page "show more" reaches.
pub const MAX_PAGE: usize = 20;
/// The ranking's time buckets: within the same ten e-bike minutes, open stations come first.
const BUCKET_MINUTES: f64 = 10.0;

/// How the district measures "near": configured once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub radius_m: f64,
    pub speed_kmh: f64,
    pub tz: Tz,
}

impl Reach {
    fn metres_per_minute(self) -> f64 {
        self.speed_kmh * 1000.0 / 60.0
    }

    /// E-bike minutes for `distance_m`, rounded, at least one.
    pub fn minutes(self, distance_m: f64) -> u32 {
        (distance_m / self.metres_per_minute()).round().max(1.0) as u32
    }

    /// How far an e-bike goes in `minutes`.
    pub fn metres_in(self, minutes: f64) -> f64 {
        minutes * self.metres_per_minute()
    }

    fn bucket(self, distance_m: f64) -> u32 {
        (distance_m / self.metres_per_minute() / BUCKET_MINUTES) as u32
    }

    pub fn local(self, at: DateTime<Utc>) -> NaiveDateTime {
        at.with_timezone(&self.tz).naive_local()
    }
}

/// Whether a rider can go in at a moment.
#[derive(Debug, Clone, PartialEq)]
pub enum Availability {
    /// Open; closes at the local time given, if within a week.
    Open { closes: Option<NaiveDateTime> },
    /// Regular hours say closed; opens at the local time given, if within a week.
    Closed { opens: Option<NaiveDateTime> },
    /// The hours say "unknown" now.
    Unknown,
    /// Closed by a coordinator, until the given local time (or until reopened).
    ClosedTemporarily {
        until: Option<NaiveDateTime>,
        reason: Option<String>,
    },
}

impl Availability {
    pub fn at(station: &Station, now: DateTime<Utc>, reach: Reach) -> Availability {
        if let Some(c) = station.closed_by_coordinator(now) {
            return Availability::ClosedTemporarily {
                until: c.until.map(|u| reach.local(u)),
                reason: c.reason.clone(),
            };
        }
        match station.hours.state_at(reach.local(now)) {
            OpenState::Open { until } => Availability::Open { closes: until },
            OpenState::Closed { until } => Availability::Closed { opens: until },
            OpenState::Unknown { .. } => Availability::Unknown,
        }
    }

    /// Open (or possibly open): ranked before closed stations in the same time bucket.
    pub fn welcomes(&self) -> bool {
        matches!(self, Availability::Open { .. } | Availability::Unknown)
    }
}

/// One station in an answer.
#[derive(Debug, Clone)]
pub struct Nearby<'a> {
    pub station: &'a Station,
    pub distance_m: f64,
    pub minutes: u32,
    pub availability: Availability,
    bucket: u32,
}

impl Nearby<'_> {
    fn rank(&self) -> (u32, bool, f64) {
        (self.bucket, !self.availability.welcomes(), self.distance_m)
    }
}

/// What a rider asked: where they are, what they need, which page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Query {
    pub from: Position,
    pub need: Option<Service>,
    pub page: usize,
}

#[derive(Debug)]
pub struct Answer<'a> {
    /// This page's stations, in rank order. When `outside_radius`, the one nearest station.
    pub hits: Vec<Nearby<'a>>,
    /// Another page exists.
    pub more: bool,
    /// Nothing (with the need) is within the radius.
    pub outside_radius: bool,
}

/// The ranked stations for `query`: within the radius, with the need if one is given, ordered
/// by ten-minute bucket, then open before closed, then distance.
///
/// Walks the R-tree outwards and stops as soon as no station further away can outrank the ones
/// needed for the page: a station in a later bucket cannot, nor can anything once enough open
/// stations of the current bucket are in hand. In a city of open stations that is a handful of
/// candidates whatever the size of the index.
pub fn nearest<'a>(
    index: &'a StationIndex,
    query: &Query,
    reach: Reach,
    now: DateTime<Utc>,
) -> Answer<'a> {
    let page = query.page.min(MAX_PAGE);
    let wanted = (page + 1) * PAGE_SIZE + 1;
    let mut got: Vec<Nearby<'a>> = Vec::with_capacity(wanted + 2);
    let (mut current, mut earlier, mut open_in_current) = (0u32, 0usize, 0usize);
    let mut candidates = index
        .nearest(query.from)
        .filter(|(s, _)| query.need.is_none_or(|n| s.services.contains(n)));
    for (station, distance_m) in candidates.by_ref() {
        if distance_m > reach.radius_m {
            break;
        }
        let bucket = reach.bucket(distance_m);
        if bucket > current {
            current = bucket;
            earlier = got.len();
            open_in_current = 0;
        }
        if earlier + open_in_current >= wanted {
            break;
        }
        let availability = Availability::at(station, now, reach);
        if availability.welcomes() {
            open_in_current += 1;
        }
        got.push(Nearby {
            station,
            distance_m,
            minutes: reach.minutes(distance_m),
            availability,
            bucket,
        });
    }
    if got.is_empty() {
        // Nothing within reach: still offer the nearest one (with the need), however far.
        let nearest = index
            .nearest(query.from)
            .filter(|(s, _)| query.need.is_none_or(|n| s.services.contains(n)))
            .take(100_000)
            .next();
        let hits = nearest
            .filter(|_| page == 0)
            .map(|(station, distance_m)| Nearby {
                station,
                distance_m,
                minutes: reach.minutes(distance_m),
                availability: Availability::at(station, now, reach),
                bucket: reach.bucket(distance_m),
            })
            .into_iter()
            .collect();
        return Answer {
            hits,
            more: false,
            outside_radius: true,
        };
    }
    got.sort_by(|a, b| {
        a.rank()
            .partial_cmp(&b.rank())
            .expect("distances are finite")
    });
    let start = page * PAGE_SIZE;
    let more = got.len() > start + PAGE_SIZE && page < MAX_PAGE;
    let hits = got.into_iter().skip(start).take(PAGE_SIZE).collect();
    Answer {
        hits,
        more,
        outside_radius: false,
    }
}

/// The nearest station open at `now` and its distance, looking at no more than `limit`
/// candidates (for coverage maps).
pub fn nearest_open(
    index: &StationIndex,
    from: Position,
    reach: Reach,
    now: DateTime<Utc>,
    limit: usize,
) -> Option<(&Station, f64)> {
    index
        .nearest(from)
        .take(limit)
        .find(|(s, _)| Availability::at(s, now, reach).welcomes())
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImportReport {
    pub rows: usize,
    pub new: usize,
}

/// Imports a stations file: every row parsed first, then all written in one transaction.
pub async fn import(pool: &SqlitePool, bytes: &[u8]) -> Result<ImportReport, ImportError> {
    let stations = csv::parse(bytes)?;
    let mut tx = crate::db::begin_write(pool).await?;
    let new = store::upsert(&mut tx, &stations).await?;
    tx.commit().await?;
    Ok(ImportReport {
        rows: stations.len(),
        new,
    })
}

/// Every station in the import format.
pub async fn export(pool: &SqlitePool) -> Result<Vec<u8>, ImportError> {
    let mut conn = pool.acquire().await?;
    let stations = store::all(&mut conn).await?;
    csvfile::to_bytes(|out| csv::write(out, &stations))
}

/// `/station` as typed by a coordinator (or anyone, for `Show`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StationCommand {
    Show(StationCode),
    Close {
        code: StationCode,
        until: Option<Until>,
        reason: Option<String>,
    },
    Open(StationCode),
}

/// When a closure ends, as typed: `18:00` (the next 18:00), `2026-12-01` (that day's start),
/// or `2026-12-01 18:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Until {
    Time(NaiveTime),
    Date(NaiveDate),
    DateTime(NaiveDateTime),
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    #[error("usage")]
    Usage,
    #[error("not a station code: {0}")]
    BadCode(String),
    #[error("not a time: {0}")]
    BadTime(String),
    #[error("reason too long")]
    ReasonTooLong,
}

pub const MAX_REASON_CHARS: usize = 200;

impl StationCommand {
    pub fn parse(args: &str) -> Result<StationCommand, CommandError> {
        let mut words = args.split_whitespace();
        let raw_code = words.next().ok_or(CommandError::Usage)?;
        let code =
            StationCode::parse(raw_code).ok_or_else(|| CommandError::BadCode(raw_code.into()))?;
        let rest: Vec<&str> = words.collect();
        match rest.first().map(|w| w.to_ascii_lowercase()).as_deref() {
            None => Ok(StationCommand::Show(code)),
            Some("open") if rest.len() == 1 => Ok(StationCommand::Open(code)),
            Some("close") => {
                let mut i = 1;
                let mut until = None;
                if rest.get(1).is_some_and(|w| w.eq_ignore_ascii_case("until")) {
                    let (parsed, used) = Until::parse(&rest[2..])?;
                    until = Some(parsed);
                    i = 2 + used;
                }
                let reason = rest[i..].join(" ");
                if reason.chars().count() > MAX_REASON_CHARS {
                    return Err(CommandError::ReasonTooLong);
                }
                Ok(StationCommand::Close {
                    code,
                    until,
                    reason: Some(reason).filter(|r| !r.is_empty()),
                })
            }
            Some(_) => Err(CommandError::Usage),
        }
    }
}

impl Until {
    /// Parses the words after `until`; returns how many it used.
    fn parse(words: &[&str]) -> Result<(Until, usize), CommandError> {
        let first = words
            .first()
            .ok_or_else(|| CommandError::BadTime(String::new()))?;
        if let Ok(t) = NaiveTime::parse_from_str(first, "%H:%M") {
            return Ok((Until::Time(t), 1));
        }
        if let Ok(dt) = NaiveDateTime::parse_from_str(first, "%Y-%m-%dT%H:%M") {
            return Ok((Until::DateTime(dt), 1));
        }
        let date = NaiveDate::parse_from_str(first, "%Y-%m-%d")
            .map_err(|_| CommandError::BadTime((*first).into()))?;
        match words
            .get(1)
            .and_then(|w| NaiveTime::parse_from_str(w, "%H:%M").ok())
        {
            Some(t) => Ok((Until::DateTime(date.and_time(t)), 2)),
            None => Ok((Until::Date(date), 1)),
        }
    }

    /// The moment meant, in the district's time zone, seen from `now`.
    pub fn resolve(self, now: DateTime<Utc>, tz: Tz) -> Option<DateTime<Utc>> {
        let local_now = now.with_timezone(&tz).naive_local();
        let local = match self {
            Until::Time(t) => {
                let today = local_now.date().and_time(t);
                if today > local_now {
                    today
                } else {
                    today + Duration::days(1)
                }
            }
            Until::Date(d) => d.and_time(NaiveTime::MIN),
            Until::DateTime(dt) => dt,
        };
        tz.from_local_datetime(&local)
            .earliest()
            .map(|d| d.with_timezone(&Utc))
    }
}

#[derive(Debug, thiserror::Error)]
pub enum StationError {
    /// Not a coordinator, not registered, unknown (the refusals every capability shares).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("no station has code {0}")]
    Unknown(StationCode),
    #[error("that time has already passed")]
    UntilInPast,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Refuses anyone who is not a coordinator (as the database has them now).
pub async fn require_coordinator(pool: &SqlitePool, actor: UserId) -> Result<(), StationError> {
    let mut conn = pool.acquire().await?;
    users::refusal::require_coordinator(&mut conn, actor).await
}

/// Closes `code` (or with `closure` `None`, reopens it). `actor` must be a coordinator; the
/// change and its audit entry are one transaction.
pub async fn set_closure(
    pool: &SqlitePool,
    actor: UserId,
    code: &StationCode,
    closure: Option<Closure>,
    now: DateTime<Utc>,
) -> Result<(), StationError> {
    if closure
        .as_ref()
        .and_then(|c| c.until)
        .is_some_and(|u| u <= now)
    {
        return Err(StationError::UntilInPast);
    }
    let mut tx = crate::db::begin_write(pool).await?;
    users::refusal::require_coordinator::<StationError>(&mut tx, actor).await?;
    if !store::set_closure(&mut tx, code, closure.as_ref()).await? {
        return Err(StationError::Unknown(code.clone()));
    }
    let (action, detail) = match &closure {
        Some(c) => (
            "station_close",
            format!(
                "{code} until={} reason={}",
                c.until.map_or("-".into(), |u| u.to_rfc3339()),
                c.reason.as_deref().unwrap_or("-")
            ),
        ),
        None => ("station_open", code.to_string()),
    };
    audit::record(&mut tx, Actor::User(actor), action, None, Some(&detail)).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn station(code: &str, north_m: f64, hours: &str, services: &[Service]) -> Station {
        crate::stations::test_station(code, (north_m, 0.0), hours, services)
    }

    fn reach() -> Reach {
        Reach {
            radius_m: 5000.0,
            speed_kmh: 15.0,
            tz: chrono_tz::Asia::Shanghai,
        }
    }

    /// Wednesday 2026-12-02 22:00 in Shanghai.
    fn late_evening() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 14, 0, 0).unwrap()
    }

    fn codes(a: &Answer<'_>) -> Vec<String> {
        a.hits.iter().map(|h| h.station.code.to_string()).collect()
    }

    #[test]
    fn closed_stations_rank_after_open_ones_in_the_same_ten_minutes() {
        let index = StationIndex::new(vec![
            station("CLOSED-NEAR", 100.0, "Mo-Su 08:00-20:00", &[]),
            station("OPEN-MID", 1500.0, "24/7", &[]),
            station("OPEN-FAR", 2400.0, "24/7", &[]),
            // 2.6 km is 11 minutes: the next bucket, after the closed one.
            station("OPEN-NEXT-BUCKET", 2600.0, "24/7", &[]),
        ]);
        let q = Query {
            from: Position::new(31.3, 120.7).unwrap(),
            need: None,
            page: 0,
        };
        let a = nearest(&index, &q, reach(), late_evening());
        assert_eq!(codes(&a), ["OPEN-MID", "OPEN-FAR", "CLOSED-NEAR"]);
        assert!(a.more);
        assert_eq!(a.hits[0].minutes, 6);
        let next = nearest(&index, &Query { page: 1, ..q }, reach(), late_evening());
        assert_eq!(codes(&next), ["OPEN-NEXT-BUCKET"]);
        assert!(!next.more);
    }

    #[test]
    fn a_need_filters_and_nothing_in_reach_still_offers_the_nearest() {
        let index = StationIndex::new(vec![
            station("A", 100.0, "24/7", &[Service::Water]),
            station("B", 200.0, "24/7", &[Service::Charging]),
            station("C", 9000.0, "24/7", &[Service::Toilet]),
        ]);
        let from = Position::new(31.3, 120.7).unwrap();
        let q = |need| Query {
            from,
            need,
            page: 0,
        };
        let a = nearest(&index, &q(Some(Service::Charging)), reach(), late_evening());
        assert_eq!(codes(&a), ["B"]);
        let a = nearest(&index, &q(Some(Service::Toilet)), reach(), late_evening());
        assert!(a.outside_radius);
        assert_eq!(codes(&a), ["C"]);
        assert!((a.hits[0].distance_m - 9000.0).abs() < 1.0);
        let a = nearest(&index, &q(Some(Service::Legal)), reach(), late_evening());
        assert!(a.outside_radius && a.hits.is_empty());
    }

    #[test]
    fn station_commands_parse() {
        let code = StationCode::parse("LF-C01").unwrap();
        assert_eq!(
            StationCommand::parse("lf-c01"),
            Ok(StationCommand::Show(code.clone()))
        );
        assert_eq!(
            StationCommand::parse("LF-C01 open"),
            Ok(StationCommand::Open(code.clone()))
        );
        assert_eq!(
            StationCommand::parse("LF-C01 close until 2026-12-03 18:00 water pipe burst"),
            Ok(StationCommand::Close {
                code: code.clone(),
                until: Some(Until::DateTime(
                    NaiveDate::from_ymd_opt(2026, 12, 3)
                        .unwrap()
                        .and_hms_opt(18, 0, 0)
                        .unwrap()
                )),
                reason: Some("water pipe burst".into()),
            })
        );
        assert_eq!(
            StationCommand::parse("LF-C01 close"),
            Ok(StationCommand::Close {
                code,
                until: None,
                reason: None
            })
        );
        assert_eq!(StationCommand::parse(""), Err(CommandError::Usage));
        assert_eq!(
            StationCommand::parse("LF-C01 close until soon"),
            Err(CommandError::BadTime("soon".into()))
        );
        assert_eq!(
            StationCommand::parse("站 open"),
            Err(CommandError::BadCode("站".into()))
        );
        assert_eq!(StationCommand::parse("A explode"), Err(CommandError::Usage));
    }

    #[test]
    fn until_a_time_means_the_next_such_time_in_the_district() {
        let tz = chrono_tz::Asia::Shanghai;
        let now = late_evening(); // 22:00 local
        let t = Until::Time(NaiveTime::from_hms_opt(8, 0, 0).unwrap());
        // Tomorrow 08:00 Shanghai = 00:00 UTC.
        assert_eq!(
            t.resolve(now, tz),
            Some(Utc.with_ymd_and_hms(2026, 12, 3, 0, 0, 0).unwrap())
        );
        let t = Until::Time(NaiveTime::from_hms_opt(23, 0, 0).unwrap());
        assert_eq!(
            t.resolve(now, tz),
            Some(Utc.with_ymd_and_hms(2026, 12, 2, 15, 0, 0).unwrap())
        );
    }
}
