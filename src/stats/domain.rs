//! What `/stats` asks and the rules of answering it: the period (this week, month or year so
//! far, everything, or a past month), the scope (the district, one station or one platform),
//! coordinators only (checked in the read transaction that takes the figures, so all of them
//! come from one snapshot), and an audit line for every look.

use crate::db::Pool;
use chrono::{DateTime, Datelike, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::store;
use super::{DayStatus, Figures};
use crate::audit::{self, Actor};
use crate::geo::Position;
use crate::onboarding::domain::Platform;
use crate::stations::StationCode;
use crate::users::refusal::require_coordinator;
use crate::users::{Refusal, UserId};

/// How far around a station its reports are counted (a square of twice this side).
pub const REPORTS_NEAR_STATION_M: f64 = 1000.0;
/// How many stations the "top stations" line names.
pub const TOP_STATIONS: i64 = 5;

#[derive(Debug, thiserror::Error)]
pub enum StatsError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("no station {0}")]
    NoSuchStation(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The span a coordinator asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Span {
    /// Monday of this week to today.
    Week,
    /// The 1st of this month to today.
    Month,
    /// 1 January to today.
    Year,
    /// Everything the bot holds.
    All,
    /// A whole calendar month (given as `2026-11`), past or this one.
    MonthOf(NaiveDate),
}

impl Span {
    pub fn parse(raw: &str) -> Option<Span> {
        Some(match raw.to_lowercase().as_str() {
            "week" | "周" | "本周" => Span::Week,
            "month" | "月" | "本月" => Span::Month,
            "year" | "年" | "今年" => Span::Year,
            "all" | "全部" => Span::All,
            other => {
                let first = NaiveDate::parse_from_str(&format!("{other}-01"), "%Y-%m-%d").ok()?;
                Span::MonthOf(first)
            }
        })
    }

    /// The word in callback data.
    pub fn code(self) -> String {
        match self {
            Span::Week => "week".into(),
            Span::Month => "month".into(),
            Span::Year => "year".into(),
            Span::All => "all".into(),
            Span::MonthOf(first) => first.format("%Y-%m").to_string(),
        }
    }
}

/// Whose figures: the whole district, one station, or the riders of one platform.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    District,
    Station(StationCode),
    Platform(Platform),
}

impl Scope {
    /// A known platform's code or name, else a station code.
    pub fn parse(raw: &str) -> Option<Scope> {
        let known = Platform::from_text(raw)
            .ok()
            .filter(|p| p.label_key().is_some());
        match known {
            Some(p) => Some(Scope::Platform(p)),
            None => StationCode::parse(raw).map(Scope::Station),
        }
    }

    /// The word in callback data (empty for the district).
    pub fn code(&self) -> String {
        match self {
            Scope::District => String::new(),
            Scope::Station(code) => code.to_string(),
            Scope::Platform(p) => p.code().to_string(),
        }
    }
}

/// `/stats [SPAN] [STATION|PLATFORM]`, in either order; nothing means this month, district-wide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatsQuery {
    pub span: Span,
    pub scope: Scope,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    /// More than a span and a scope.
    Usage,
    /// A word that is neither a span, a station code nor a platform.
    Unknown(String),
}

impl StatsQuery {
    pub fn parse(args: &str) -> Result<StatsQuery, QueryError> {
        let mut query = StatsQuery {
            span: Span::Month,
            scope: Scope::District,
        };
        let (mut span_seen, mut scope_seen) = (false, false);
        for word in args.split_whitespace() {
            if let Some(span) = Span::parse(word) {
                if span_seen {
                    return Err(QueryError::Usage);
                }
                query.span = span;
                span_seen = true;
            } else if scope_seen {
                return Err(QueryError::Usage);
            } else {
                query.scope = Scope::parse(word).ok_or_else(|| QueryError::Unknown(word.into()))?;
                scope_seen = true;
            }
        }
        Ok(query)
    }
}

/// A period in district days, `to` excluded, and the same bounds as instants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Period {
    pub span: Span,
    /// The first day; `None` for everything.
    pub first: Option<NaiveDate>,
    /// The day after the last.
    pub end: NaiveDate,
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// The answer to a span asked for now: `None` for a month that has not begun.
pub fn period(span: Span, now: DateTime<Utc>, tz: Tz) -> Option<Period> {
    let today = now.with_timezone(&tz).date_naive();
    let tomorrow = today + Duration::days(1);
    let (first, end) = match span {
        Span::Week => (
            Some(today - Duration::days(today.weekday().num_days_from_monday().into())),
            tomorrow,
        ),
        Span::Month => (today.with_day(1), tomorrow),
        Span::Year => (today.with_ordinal(1), tomorrow),
        Span::All => (None, tomorrow),
        Span::MonthOf(first) => {
            if first > today {
                return None;
            }
            let next = first.checked_add_months(chrono::Months::new(1))?;
            (Some(first), next.min(tomorrow))
        }
    };
    let start = |day: NaiveDate| {
        tz.from_local_datetime(&day.and_hms_opt(0, 0, 0).expect("midnight"))
            .earliest()
            .map(|t| t.with_timezone(&Utc))
    };
    Some(Period {
        span,
        first,
        end,
        from: match first {
            Some(day) => start(day)?,
            None => DateTime::<Utc>::UNIX_EPOCH,
        },
        to: start(end)?,
    })
}

/// The square around a station its reports are counted in.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub south: f64,
    pub north: f64,
    pub west: f64,
    pub east: f64,
}

impl Area {
    pub fn around(at: Position, half_side_m: f64) -> Area {
        let sw = at.offset(-half_side_m, -half_side_m);
        let ne = at.offset(half_side_m, half_side_m);
        Area {
            south: sw.lat(),
            north: ne.lat(),
            west: sw.lng(),
            east: ne.lng(),
        }
    }

    pub const EVERYWHERE: Area = Area {
        south: -90.0,
        north: 90.0,
        west: -180.0,
        east: 180.0,
    };
}

/// What the store filters by: the period, and a station (its code and its reports' area) or a
/// platform.
#[derive(Debug, Clone)]
pub struct Filter {
    pub period: Period,
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub station: Option<String>,
    pub platform: Option<String>,
    pub area: Area,
}

/// Where and when: what a question needs besides its words. `station_at` places a station
/// (from the index); `None` for a code that is not a station.
pub struct Asked<'a> {
    pub viewer: UserId,
    pub query: &'a StatsQuery,
    pub period: Period,
    pub now: DateTime<Utc>,
    pub tz: Tz,
    pub station_at: &'a (dyn Fn(&StationCode) -> Option<Position> + Sync),
}

impl Asked<'_> {
    fn filter(&self) -> Result<Filter, StatsError> {
        let (station, platform, area) = match &self.query.scope {
            Scope::District => (None, None, Area::EVERYWHERE),
            Scope::Station(code) => {
                let at = (self.station_at)(code)
                    .ok_or_else(|| StatsError::NoSuchStation(code.to_string()))?;
                (
                    Some(code.to_string()),
                    None,
                    Area::around(at, REPORTS_NEAR_STATION_M),
                )
            }
            Scope::Platform(p) => (None, Some(p.code().to_string()), Area::EVERYWHERE),
        };
        Ok(Filter {
            period: self.period,
            now: self.now,
            tz: self.tz,
            station,
            platform,
            area,
        })
    }

    fn detail(&self) -> String {
        format!(
            "span={} scope={} from={} to={}",
            self.query.span.code(),
            self.query.scope.code(),
            self.period.first.map(|d| d.to_string()).unwrap_or_default(),
            self.period.end
        )
    }
}

/// The figures asked for. Coordinators only, checked in the read transaction that takes
/// every figure, so all come from one snapshot; the look is audited after.
pub async fn figures(pool: &Pool, asked: &Asked<'_>) -> Result<Figures, StatsError> {
    let mut tx = crate::db::begin_read(pool).await?;
    require_coordinator::<StatsError>(&mut tx, asked.viewer).await?;
    let filter = asked.filter()?;
    let figures = store::figures(&mut tx, &filter).await?;
    tx.commit().await?;
    audited(pool, asked.viewer, "stats_viewed", &asked.detail()).await?;
    Ok(figures)
}

/// What the charts draw: the figures, reports per day by status, visits and attendance per
/// week, and the first day drawn (the period's, or for everything the first day with data).
#[derive(Debug, Clone)]
pub struct ChartData {
    pub figures: Figures,
    pub per_day: Vec<DayStatus>,
    pub weekly: Vec<(NaiveDate, i64, i64)>,
    pub first: NaiveDate,
    pub last: NaiveDate,
}

/// [`figures`] and the series of the charts, from one snapshot; audited as charts drawn.
pub async fn chart_data(pool: &Pool, asked: &Asked<'_>) -> Result<ChartData, StatsError> {
    let mut tx = crate::db::begin_read(pool).await?;
    require_coordinator::<StatsError>(&mut tx, asked.viewer).await?;
    let filter = asked.filter()?;
    let figures = store::figures(&mut tx, &filter).await?;
    let per_day = store::reports_per_day(&mut tx, &filter).await?;
    let weekly = store::weekly(&mut tx, &filter).await?;
    tx.commit().await?;
    let last = asked.period.end.pred_opt().unwrap_or(asked.period.end);
    let first = match asked.period.first {
        Some(first) => first,
        None => per_day
            .iter()
            .map(|d| d.day)
            .chain(weekly.iter().map(|w| w.0))
            .min()
            .unwrap_or(last)
            .min(last),
    };
    audited(pool, asked.viewer, "stats_charts", &asked.detail()).await?;
    Ok(ChartData {
        figures,
        per_day,
        weekly,
        first,
        last,
    })
}

async fn audited(pool: &Pool, viewer: UserId, action: &str, detail: &str) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(pool).await?;
    audit::record(&mut tx, Actor::User(viewer), action, None, Some(detail)).await?;
    tx.commit().await
}

/// The middle of `sorted` (the mean of the two middles for an even count).
pub fn median(sorted: &[i64]) -> Option<i64> {
    let n = sorted.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(sorted[n / 2]),
        _ => Some((sorted[n / 2 - 1] + sorted[n / 2]) / 2),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn a_query_is_a_span_and_a_scope_in_either_order() {
        let q = StatsQuery::parse("").unwrap();
        assert_eq!((q.span, q.scope), (Span::Month, Scope::District));
        let q = StatsQuery::parse("lf-s01 week").unwrap();
        assert_eq!(q.span, Span::Week);
        assert_eq!(
            q.scope,
            Scope::Station(StationCode::parse("LF-S01").unwrap())
        );
        let q = StatsQuery::parse("all 美团").unwrap();
        assert_eq!(q.scope, Scope::Platform(Platform::Meituan));
        let q = StatsQuery::parse("2026-11").unwrap();
        let first = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        assert_eq!(q.span, Span::MonthOf(first));
        assert_eq!(StatsQuery::parse("week month"), Err(QueryError::Usage));
        assert_eq!(StatsQuery::parse("LF-S01 meituan"), Err(QueryError::Usage));
        assert_eq!(
            StatsQuery::parse("站点"),
            Err(QueryError::Unknown("站点".into()))
        );
    }

    #[test]
    fn periods_are_district_days_up_to_today() {
        let tz = chrono_tz::Asia::Shanghai;
        // Thursday 3 December 2026, 09:00 in Shanghai.
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap();
        let day = |d| NaiveDate::from_ymd_opt(2026, 12, d).unwrap();
        let week = period(Span::Week, now, tz).unwrap();
        // The week began on Monday 30 November.
        let monday = NaiveDate::from_ymd_opt(2026, 11, 30).unwrap();
        assert_eq!((week.first, week.end), (Some(monday), day(4)));
        let month = period(Span::Month, now, tz).unwrap();
        assert_eq!((month.first, month.end), (Some(day(1)), day(4)));
        // Shanghai's midnight of 1 December is 16:00 UTC the day before.
        assert_eq!(
            month.from,
            Utc.with_ymd_and_hms(2026, 11, 30, 16, 0, 0).unwrap()
        );
        let november = NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        let past = period(Span::MonthOf(november), now, tz).unwrap();
        assert_eq!((past.first, past.end), (Some(november), day(1)));
        let next = NaiveDate::from_ymd_opt(2027, 1, 1).unwrap();
        assert!(period(Span::MonthOf(next), now, tz).is_none());
        let all = period(Span::All, now, tz).unwrap();
        assert_eq!((all.first, all.end), (None, day(4)));
    }

    #[test]
    fn the_median_of_an_even_count_is_the_mean_of_the_middle_two() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[5]), Some(5));
        assert_eq!(median(&[1800, 7200]), Some(4500));
        assert_eq!(median(&[1, 2, 9]), Some(2));
    }
}
