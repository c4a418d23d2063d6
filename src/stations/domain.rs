//! Station rules: which stations a rider is shown and in what order, what "open" means, and
//! who may close a station.

use crate::db::Pool;
use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

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
/// How far beyond the radius the nearest open station is looked for when nothing in reach
/// will be open.
pub const BEYOND_M: f64 = 100_000.0;
/// The default margin: a station closing this soon after the rider arrives counts as closed.
pub const DEFAULT_MARGIN_MINUTES: i64 = 15;

/// How the district measures "near": configured once.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reach {
    pub radius_m: f64,
    pub speed_kmh: f64,
    pub tz: Tz,
    /// A station that closes within this time after the rider arrives counts as closed.
    pub margin: Duration,
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

    /// When a rider setting off at `now` arrives `distance_m` away.
    pub fn arrival(self, now: DateTime<Utc>, distance_m: f64) -> DateTime<Utc> {
        now + Duration::minutes(i64::from(self.minutes(distance_m)))
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

    /// Open (or possibly open) at that moment: what coverage counts.
    pub fn welcomes(&self) -> bool {
        matches!(self, Availability::Open { .. } | Availability::Unknown)
    }
}

/// What a rider setting off now finds when they get there: the station's state at arrival
/// (now plus the e-bike minutes), read against the hours and any closure a coordinator set.
#[derive(Debug, Clone, PartialEq)]
pub enum Visit {
    /// Open on arrival and for at least the margin after; `opened` when it is closed now and
    /// opens before the rider gets there.
    Open {
        closes: Option<NaiveDateTime>,
        opened: Option<NaiveDateTime>,
    },
    /// Open on arrival, but closing within the margin: counts as closed. `reopens` is when it
    /// opens next after that, if within a week.
    ClosesSoon {
        closes: NaiveDateTime,
        after_minutes: i64,
        reopens: Option<NaiveDateTime>,
    },
    /// Open now, closed before the rider gets there; `reopens` as above.
    ClosesBefore {
        closes: NaiveDateTime,
        reopens: Option<NaiveDateTime>,
    },
    /// Closed on arrival by its hours; opens at the local time given, if within a week.
    Closed { opens: Option<NaiveDateTime> },
    /// Closed by a coordinator on arrival, until the local time given (or until reopened);
    /// `reopens` is when it opens after that, by its hours.
    ClosedTemporarily {
        until: Option<NaiveDateTime>,
        reason: Option<String>,
        reopens: Option<NaiveDateTime>,
    },
    /// The hours say "unknown" on arrival.
    Unknown,
}

impl Visit {
    pub fn at(
        station: &Station,
        now: DateTime<Utc>,
        arrival: DateTime<Utc>,
        reach: Reach,
    ) -> Visit {
        // When the station opens at or after `at`, by its hours.
        let opens_from = |at: NaiveDateTime| match station.hours.state_at(at) {
            OpenState::Open { .. } | OpenState::Unknown { .. } => Some(at),
            OpenState::Closed { until } => until,
        };
        if let Some(c) = station.closed_by_coordinator(arrival) {
            let until = c.until.map(|u| reach.local(u));
            return Visit::ClosedTemporarily {
                until,
                reason: c.reason.clone(),
                reopens: until.and_then(opens_from),
            };
        }
        let arrive = reach.local(arrival);
        match station.hours.state_at(arrive) {
            OpenState::Open { until } => {
                if let Some(closes) = until.filter(|c| *c - arrive < reach.margin) {
                    return Visit::ClosesSoon {
                        closes,
                        after_minutes: (closes - arrive).num_minutes(),
                        reopens: opens_from(closes),
                    };
                }
                let opened = match station.hours.state_at(reach.local(now)) {
                    OpenState::Closed { until } => until,
                    OpenState::Open { .. } | OpenState::Unknown { .. } => None,
                };
                Visit::Open {
                    closes: until,
                    opened,
                }
            }
            OpenState::Closed { until } => {
                let open_now = station.closed_by_coordinator(now).is_none();
                match station.hours.state_at(reach.local(now)) {
                    OpenState::Open {
                        until: Some(closes),
                    } if open_now && arrival > now => Visit::ClosesBefore {
                        closes,
                        reopens: until,
                    },
                    OpenState::Open { .. }
                    | OpenState::Closed { .. }
                    | OpenState::Unknown { .. } => Visit::Closed { opens: until },
                }
            }
            OpenState::Unknown { .. } => Visit::Unknown,
        }
    }

    /// Open when the rider gets there, and for a while after.
    pub fn open(&self) -> bool {
        matches!(self, Visit::Open { .. })
    }

    /// Open first, then hours unknown, then everything that will be closed.
    fn class(&self) -> u8 {
        match self {
            Visit::Open { .. } => 0,
            Visit::Unknown => 1,
            Visit::ClosesSoon { .. }
            | Visit::ClosesBefore { .. }
            | Visit::Closed { .. }
            | Visit::ClosedTemporarily { .. } => 2,
        }
    }

    /// When a station that will be closed opens (next), if that is known.
    pub fn opens(&self) -> Option<NaiveDateTime> {
        match self {
            Visit::Closed { opens } => *opens,
            Visit::ClosedTemporarily { reopens, .. }
            | Visit::ClosesSoon { reopens, .. }
            | Visit::ClosesBefore { reopens, .. } => *reopens,
            Visit::Open { .. } | Visit::Unknown => None,
        }
    }
}

/// One station in an answer.
#[derive(Debug, Clone)]
pub struct Nearby<'a> {
    pub station: &'a Station,
    pub distance_m: f64,
    pub minutes: u32,
    /// What the rider finds on arrival.
    pub visit: Visit,
}

impl<'a> Nearby<'a> {
    fn new(station: &'a Station, distance_m: f64, reach: Reach, now: DateTime<Utc>) -> Self {
        let arrival = reach.arrival(now, distance_m);
        Nearby {
            station,
            distance_m,
            minutes: reach.minutes(distance_m),
            visit: Visit::at(station, now, arrival, reach),
        }
    }
}

/// What a rider asked: where they are, what they need, whether only stations open on arrival,
/// which page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Query {
    pub from: Position,
    pub need: Option<Service>,
    pub open_now: bool,
    pub page: usize,
}

#[derive(Debug)]
pub struct Answer<'a> {
    /// This page's stations, in rank order. When `outside_radius`, the nearest station open on
    /// arrival (or, with none within [`BEYOND_M`], the nearest station).
    pub hits: Vec<Nearby<'a>>,
    /// Another page exists.
    pub more: bool,
    /// Nothing (with the need) is within the radius.
    pub outside_radius: bool,
    /// Stations are within the radius, but none will be open when the rider gets there.
    pub none_open: bool,
    /// Then: the nearest station open on arrival beyond the radius (within [`BEYOND_M`]).
    pub open_beyond: Option<Nearby<'a>>,
    /// Then: the station within the radius that opens first, and when (local time).
    pub opens_first: Option<(&'a Station, NaiveDateTime)>,
    /// When `outside_radius`: nearer stations were passed over because they will be closed.
    pub passed_closed: bool,
}

/// The ranked stations for `query`: within the radius, with the need if one is given; first
/// those open when the rider gets there (now plus the e-bike minutes, and for the margin
/// after), nearest first; then those whose hours are unknown; then the ones that will be
/// closed, nearest first, with when they open. With `open_now`, only the open ones.
///
/// Walks the R-tree outwards and stops once enough open stations are in hand for the page (no
/// station further away can outrank them), so where stations are open it looks at a handful of
/// candidates whatever the size of the index; where none is open (at night) it looks at the
/// whole radius, then outwards for the nearest open one beyond it.
pub fn nearest<'a>(
    index: &'a StationIndex,
    query: &Query,
    reach: Reach,
    now: DateTime<Utc>,
) -> Answer<'a> {
    let page = query.page.min(MAX_PAGE);
    let wanted = (page + 1) * PAGE_SIZE + 1;
    let (mut open, mut unknown, mut closed) = (Vec::new(), Vec::new(), Vec::new());
    let mut in_radius = 0usize;
    let mut opens_first: Option<(&Station, NaiveDateTime)> = None;
    let mut candidates = index
        .nearest(query.from)
        .filter(|(s, _)| query.need.is_none_or(|n| s.services.contains(n)))
        .peekable();
    while let Some((station, distance_m)) = candidates.next_if(|(_, d)| *d <= reach.radius_m) {
        in_radius += 1;
        let hit = Nearby::new(station, distance_m, reach, now);
        if let Some(at) = hit.visit.opens() {
            if opens_first.is_none_or(|(_, first)| at < first) {
                opens_first = Some((station, at));
            }
        }
        match hit.visit.class() {
            0 => open.push(hit),
            1 if unknown.len() < wanted => unknown.push(hit),
            _ if closed.len() < wanted => closed.push(hit),
            _ => {}
        }
        if open.len() >= wanted {
            break;
        }
    }
    if in_radius == 0 {
        return far_away(candidates, query, reach, now, page);
    }
    // Stations whose hours are unknown may be open: then the answer does not say none is.
    let none_open = open.is_empty() && unknown.is_empty();
    let open_beyond = if none_open {
        candidates
            .take_while(|(_, d)| *d <= BEYOND_M)
            .map(|(s, d)| Nearby::new(s, d, reach, now))
            .find(|hit| hit.visit.open())
    } else {
        None
    };
    let ranked: Vec<Nearby<'a>> = if query.open_now {
        open
    } else {
        open.into_iter().chain(unknown).chain(closed).collect()
    };
    let start = page * PAGE_SIZE;
    let more = ranked.len() > start + PAGE_SIZE && page < MAX_PAGE;
    let hits = ranked.into_iter().skip(start).take(PAGE_SIZE).collect();
    Answer {
        hits,
        more,
        outside_radius: false,
        none_open,
        open_beyond,
        opens_first: opens_first.filter(|_| none_open),
        passed_closed: false,
    }
}

/// Nothing (with the need) within the radius: the nearest station open on arrival within
/// [`BEYOND_M`], or else the nearest station, however far (not with `open_now`).
fn far_away<'a>(
    mut candidates: impl Iterator<Item = (&'a Station, f64)>,
    query: &Query,
    reach: Reach,
    now: DateTime<Utc>,
    page: usize,
) -> Answer<'a> {
    let mut nearest: Option<Nearby<'a>> = None;
    let mut open: Option<Nearby<'a>> = None;
    for (station, distance_m) in candidates.by_ref() {
        if distance_m > BEYOND_M && nearest.is_some() {
            break;
        }
        let hit = Nearby::new(station, distance_m, reach, now);
        if hit.visit.open() {
            open = Some(hit);
            break;
        }
        if nearest.is_none() {
            nearest = Some(hit);
        }
    }
    let passed_closed = nearest.is_some();
    let shown = match (open, query.open_now) {
        (Some(open), _) => Some(open),
        (None, false) => nearest,
        (None, true) => None,
    };
    Answer {
        hits: shown.filter(|_| page == 0).into_iter().collect(),
        more: false,
        outside_radius: true,
        none_open: false,
        open_beyond: None,
        opens_first: None,
        passed_closed,
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
pub async fn import(pool: &Pool, bytes: &[u8]) -> Result<ImportReport, ImportError> {
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
pub async fn export(pool: &Pool) -> Result<Vec<u8>, ImportError> {
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
pub async fn require_coordinator(pool: &Pool, actor: UserId) -> Result<(), StationError> {
    let mut conn = pool.acquire().await?;
    users::refusal::require_coordinator(&mut conn, actor).await
}

/// Closes `code` (or with `closure` `None`, reopens it). `actor` must be a coordinator; the
/// change and its audit entry are one transaction.
pub async fn set_closure(
    pool: &Pool,
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
            margin: Duration::minutes(DEFAULT_MARGIN_MINUTES),
        }
    }

    /// Wednesday 2026-12-02 22:00 in Shanghai.
    fn late_evening() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 2, 14, 0, 0).unwrap()
    }

    fn codes(a: &Answer<'_>) -> Vec<String> {
        a.hits.iter().map(|h| h.station.code.to_string()).collect()
    }

    /// Wednesday 2026-12-02 at `h:m` in Shanghai.
    fn local(h: u32, m: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 12, 2, h, m, 0)
            .unwrap()
            .with_timezone(&Utc)
    }

    fn query(need: Option<Service>, open_now: bool) -> Query {
        Query {
            from: Position::new(31.3, 120.7).unwrap(),
            need,
            open_now,
            page: 0,
        }
    }

    /// The visit to a station `north_m` away with `hours`, setting off at `now`.
    fn visit(hours: &str, north_m: f64, now: DateTime<Utc>) -> Visit {
        let index = StationIndex::new(vec![station("X", north_m, hours, &[])]);
        let mut answer = nearest(&index, &query(None, false), reach(), now);
        answer.hits.remove(0).visit
    }

    #[test]
    fn stations_open_on_arrival_rank_before_closed_ones_nearest_first() {
        let index = StationIndex::new(vec![
            station("CLOSED-NEAR", 100.0, "Mo-Su 08:00-20:00", &[]),
            station("OPEN-MID", 1500.0, "24/7", &[]),
            station("OPEN-FAR", 2400.0, "24/7", &[]),
            // 2.6 km is 11 minutes: the next bucket, after the closed one.
            station("OPEN-NEXT-BUCKET", 2600.0, "24/7", &[]),
        ]);
        let q = query(None, false);
        let a = nearest(&index, &q, reach(), late_evening());
        // Open on arrival first, nearest first, however much nearer a closed one is.
        assert_eq!(codes(&a), ["OPEN-MID", "OPEN-FAR", "OPEN-NEXT-BUCKET"]);
        assert!(a.more && !a.none_open);
        assert_eq!(a.hits[0].minutes, 6);
        let next = nearest(&index, &Query { page: 1, ..q }, reach(), late_evening());
        assert_eq!(codes(&next), ["CLOSED-NEAR"]);
        assert!(!next.more);
    }

    #[test]
    fn a_need_filters_and_nothing_in_reach_still_offers_the_nearest() {
        let index = StationIndex::new(vec![
            station("A", 100.0, "24/7", &[Service::Water]),
            station("B", 200.0, "24/7", &[Service::Charging]),
            station("C", 9000.0, "24/7", &[Service::Toilet]),
        ]);
        let q = |need| query(need, false);
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
    fn availability_is_judged_when_the_rider_arrives() {
        // 2.5 km is 10 minutes: a station closing at 23:00 is not open for a rider leaving
        // at 22:55 ...
        assert!(matches!(
            visit("Mo-Su 08:00-23:00", 2500.0, local(22, 55)),
            Visit::ClosesBefore { closes, reopens: Some(reopens) }
                if closes.format("%H:%M").to_string() == "23:00"
                    && reopens.format("%H:%M").to_string() == "08:00"
        ));
        // ... nor for one leaving at 22:40 (arriving 22:50, 10 minutes before it closes) ...
        assert!(matches!(
            visit("Mo-Su 08:00-23:00", 2500.0, local(22, 40)),
            Visit::ClosesSoon {
                after_minutes: 10,
                ..
            }
        ));
        // ... but is for one leaving at 22:30 (arriving 22:40, 20 minutes to spare).
        assert!(visit("Mo-Su 08:00-23:00", 2500.0, local(22, 30)).open());
        // 5 km is 20 minutes: a station opening at 07:00 is open for a rider leaving at 06:45.
        let v = visit("Mo-Su 07:00-20:00", 5000.0, local(6, 45));
        assert!(
            matches!(&v, Visit::Open { opened: Some(t), .. } if t.format("%H:%M").to_string() == "07:00"),
            "{v:?}"
        );
        assert!(!visit("Mo-Su 07:00-20:00", 2500.0, local(6, 45)).open());
        // Hours across midnight: open at 01:00, closes at 02:00.
        let v = visit("Mo-Su 18:00-02:00", 300.0, local(1, 0));
        assert!(v.open(), "{v:?}");
        // Public holidays off (no holiday today) and a location exactly at the station.
        assert!(visit("Mo-Su 08:00-20:00; PH off", 0.0, local(10, 0)).open());
    }

    #[test]
    fn a_closure_that_ends_before_the_rider_arrives_does_not_count() {
        let mut s = station("X", 2500.0, "24/7", &[]);
        s.closure = Some(crate::stations::Closure {
            until: Some(local(22, 5)),
            reason: None,
        });
        let index = StationIndex::new(vec![s.clone()]);
        let a = nearest(&index, &query(None, false), reach(), local(22, 0));
        assert!(a.hits[0].visit.open(), "{:?}", a.hits[0].visit);
        s.closure = Some(crate::stations::Closure {
            until: Some(local(23, 0)),
            reason: Some("repairs".into()),
        });
        let index = StationIndex::new(vec![s]);
        let a = nearest(&index, &query(None, false), reach(), local(22, 0));
        assert!(matches!(a.hits[0].visit, Visit::ClosedTemporarily { .. }));
        assert!(a.none_open);
    }

    #[test]
    fn at_night_the_all_night_station_beyond_the_closed_ones_comes_first() {
        let index = StationIndex::new(vec![
            station("DAY-1", 300.0, "Mo-Su 07:00-21:00", &[]),
            station("DAY-2", 600.0, "Mo-Su 07:00-21:00", &[]),
            station("DAY-3", 900.0, "Mo-Su 08:00-20:00", &[]),
            station("NIGHT", 3500.0, "24/7", &[]),
        ]);
        let a = nearest(&index, &query(None, false), reach(), local(23, 10));
        assert_eq!(codes(&a), ["NIGHT", "DAY-1", "DAY-2"]);
        assert!(!a.none_open);
        // Only the open ones with the filter.
        let a = nearest(&index, &query(None, true), reach(), local(23, 10));
        assert_eq!(codes(&a), ["NIGHT"]);
        assert!(!a.more);
    }

    #[test]
    fn with_nothing_open_in_reach_the_nearest_open_beyond_and_the_first_to_open_are_named() {
        let index = StationIndex::new(vec![
            station("DAY-1", 300.0, "Mo-Su 08:00-20:00", &[]),
            station("DAY-2", 600.0, "Mo-Su 07:00-20:00", &[]),
            station("FAR-NIGHT", 9000.0, "24/7", &[]),
        ]);
        let a = nearest(&index, &query(None, false), reach(), local(23, 10));
        assert!(a.none_open && !a.outside_radius);
        assert_eq!(codes(&a), ["DAY-1", "DAY-2"]);
        let beyond = a.open_beyond.as_ref().unwrap();
        assert_eq!(beyond.station.code.as_str(), "FAR-NIGHT");
        assert_eq!(beyond.minutes, 36);
        let (first, at) = a.opens_first.unwrap();
        assert_eq!(first.code.as_str(), "DAY-2");
        assert_eq!(at.format("%H:%M").to_string(), "07:00");
        // With the filter, nothing is listed, but the one beyond is still named.
        let a = nearest(&index, &query(None, true), reach(), local(23, 10));
        assert!(a.hits.is_empty() && a.none_open && a.open_beyond.is_some());
        // A need no open station has: the closed ones with it, and nothing beyond.
        let index = StationIndex::new(vec![station(
            "DAY-W",
            300.0,
            "Mo-Su 08:00-20:00",
            &[Service::Water],
        )]);
        let a = nearest(
            &index,
            &query(Some(Service::Water), false),
            reach(),
            local(23, 10),
        );
        assert!(a.none_open && a.open_beyond.is_none());
        assert_eq!(codes(&a), ["DAY-W"]);
    }

    #[test]
    fn the_first_to_open_counts_stations_closing_before_arrival_and_closures_follow_the_hours() {
        let mut closed_by_hand = station("HAND", 200.0, "Mo-Su 08:00-20:00", &[]);
        closed_by_hand.closure = Some(crate::stations::Closure {
            until: Some(local(23, 30)),
            reason: None,
        });
        let index = StationIndex::new(vec![
            // 10 minutes away, closing at 23:00: reopens at 06:00.
            station("LATE", 2500.0, "Mo-Su 06:00-23:00", &[]),
            // Closed by a coordinator until 23:30, but its hours then say 08:00.
            closed_by_hand,
        ]);
        let a = nearest(&index, &query(None, false), reach(), local(22, 55));
        assert!(a.none_open);
        let (first, at) = a.opens_first.unwrap();
        assert_eq!(first.code.as_str(), "LATE");
        assert_eq!(at.format("%H:%M").to_string(), "06:00");
        // A station whose hours are unknown may be open: the answer does not say none is.
        let index = StationIndex::new(vec![station(
            "MAYBE",
            300.0,
            "Mo-Su 08:00-20:00 unknown; 20:00-23:59 unknown",
            &[],
        )]);
        let a = nearest(&index, &query(None, false), reach(), local(22, 0));
        assert!(
            matches!(a.hits[0].visit, Visit::Unknown),
            "{:?}",
            a.hits[0].visit
        );
        assert!(!a.none_open);
    }

    #[test]
    fn a_rider_far_from_every_station_at_night_gets_the_nearest_anyway() {
        // 300 km is 20 hours by e-bike: arriving tomorrow at 19:10, after it closes.
        let index = StationIndex::new(vec![station("DAY", 300_000.0, "Mo-Su 08:00-09:00", &[])]);
        let a = nearest(&index, &query(None, false), reach(), local(23, 10));
        assert!(a.outside_radius);
        assert_eq!(codes(&a), ["DAY"]);
        assert!(!a.hits[0].visit.open());
        let a = nearest(&index, &query(None, true), reach(), local(23, 10));
        assert!(a.outside_radius && a.hits.is_empty());
        // Nothing in reach, a closed one at 8 km and an open one at 12 km: the open one.
        let index = StationIndex::new(vec![
            station("CLOSED-8", 8000.0, "Mo-Su 08:00-20:00", &[]),
            station("OPEN-12", 12_000.0, "24/7", &[]),
        ]);
        let a = nearest(&index, &query(None, false), reach(), local(23, 10));
        assert!(a.outside_radius && a.passed_closed);
        assert_eq!(codes(&a), ["OPEN-12"]);
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
