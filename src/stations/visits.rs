//! Station visits: a registered rider scanning a station's poster (`st-` link), or pressing
//! "I'm here" under the answer to a location shared near it, is counted once per station and
//! district day, the figure the district reports ("rider visits served").
//! Coordinators see them on the station's card. Erasure keeps them as anonymous figures.

use crate::db::At;
use crate::db::{Conn, Pool};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::StationCode;
use crate::points::domain::{award_in, EarnRule, PointsError};
use crate::points::store::Posted;
use crate::users::personal::{Done, Erasure, Held};
use crate::users::UserId;

/// How a visit was shown: the station's poster scanned, or "I'm here" pressed with a shared
/// location near the station.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Via {
    Poster,
    Here,
}

impl Via {
    fn as_str(self) -> &'static str {
        match self {
            Via::Poster => "poster",
            Via::Here => "here",
        }
    }
}

/// A visit counted: whether it is new today, and the points it paid (the `visit` earning rule,
/// `VISIT_POINTS`), or why a new visit paid none where visits pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub new: bool,
    pub points: Option<i64>,
    pub unpaid: Option<Unpaid>,
}

/// Why a new visit paid nothing although visits pay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unpaid {
    /// The rider's paid visits today reached `VISIT_POINTS_PER_DAY`.
    Capped,
    /// Not shown by a live location (a poster, a one-off pin): counted, not paid.
    NotLive,
}

/// Counts `rider`'s visit to `station` today (district time), once a day, in one write
/// transaction; with `paid_per_day` (a visit proven by a live location) it also pays the
/// visit rule's points for at most that many visits a day.
pub async fn record(
    pool: &Pool,
    rider: UserId,
    station: &StationCode,
    via: Via,
    (now, tz): (DateTime<Utc>, Tz),
    paid_per_day: Option<i64>,
) -> Result<Counted, PointsError> {
    let day = now.with_timezone(&tz).date_naive().to_string();
    let mut tx = crate::db::begin_write(pool).await?;
    let done = sqlx::query(
        "INSERT INTO station_visits (station, rider_id, day, at, via) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (station, rider_id, day) DO NOTHING",
    )
    .bind(station.as_str())
    .bind(rider.0)
    .bind(&day)
    .bind(At(now))
    .bind(via.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(Counted {
            new: false,
            points: None,
            unpaid: None,
        });
    }
    let (points, unpaid) = match paid_per_day {
        None => (None, Some(Unpaid::NotLive)),
        Some(per_day) => pay(&mut tx, rider, station, &day, now, per_day).await?,
    };
    tx.commit().await?;
    let pays = has_rule(pool).await?;
    Ok(Counted {
        new: true,
        points,
        unpaid: unpaid.filter(|_| pays),
    })
}

/// The visit rule's points, unless `rider`'s paid visits on `day` reached `per_day`.
async fn pay(
    tx: &mut crate::db::Conn,
    rider: UserId,
    station: &StationCode,
    day: &str,
    now: DateTime<Utc>,
    per_day: i64,
) -> Result<(Option<i64>, Option<Unpaid>), PointsError> {
    let paid_today: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger WHERE rider_id = $1 AND kind = 'visit' AND source_ref LIKE '%:' || $2",
    )
    .bind(rider.0)
    .bind(day)
    .fetch_one(&mut *tx)
    .await?;
    if paid_today >= per_day {
        return Ok((None, Some(Unpaid::Capped)));
    }
    let rule = EarnRule::Visit {
        station: station.to_string(),
    };
    let source = format!("{station}:{day}");
    Ok(match award_in(tx, rider, &rule, &source, now).await {
        Ok(Posted::New(e)) => (Some(e.amount), None),
        Ok(Posted::Existing(_)) | Err(PointsError::NoRule(_)) => (None, None),
        Err(e) => return Err(e),
    })
}

/// Whether visits pay at all (a `visit` earning rule exists).
async fn has_rule(pool: &Pool) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM earning_rules WHERE rule = 'visit'")
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Sets the `visit` earning rule from `VISIT_POINTS` at start: its points, or none for 0.
pub async fn configure_points(pool: &Pool, points: i64) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(pool).await?;
    if points > 0 {
        crate::points::store::set_rule(&mut tx, "visit", points).await?;
    } else {
        sqlx::query("DELETE FROM earning_rules WHERE rule = 'visit'")
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await
}

/// A station's visits: today, the last seven days (today included), and in all.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Visits {
    pub today: i64,
    pub week: i64,
    pub total: i64,
}

pub async fn of(
    conn: &mut Conn,
    station: &StationCode,
    now: DateTime<Utc>,
    tz: Tz,
) -> sqlx::Result<Visits> {
    let today = now.with_timezone(&tz).date_naive();
    let week_from = (today - Duration::days(6)).to_string();
    let (today_n, week, total): (i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN day = $2 THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN day >= $3 THEN 1 ELSE 0 END), 0), COUNT(*)
         FROM station_visits WHERE station = $1",
    )
    .bind(station.as_str())
    .bind(today.to_string())
    .bind(week_from)
    .fetch_one(conn)
    .await?;
    Ok(Visits {
        today: today_n,
        week,
        total,
    })
}

pub async fn held(conn: &mut Conn, rider: UserId) -> sqlx::Result<Vec<Held>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM station_visits WHERE rider_id = $1")
        .bind(rider.0)
        .fetch_one(conn)
        .await?;
    Ok(vec![Held {
        kind: "held-visits",
        count: n,
    }])
}

pub async fn export(conn: &mut Conn, rider: UserId) -> sqlx::Result<Value> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT station, day FROM station_visits WHERE rider_id = $1 ORDER BY day, station",
    )
    .bind(rider.0)
    .fetch_all(conn)
    .await?;
    Ok(json!(rows
        .into_iter()
        .map(|(station, day)| json!({ "station": station, "day": day }))
        .collect::<Vec<_>>()))
}

/// Keeps the visits as anonymous figures: they move to the erasure's anonymous id.
pub async fn erase(conn: &mut Conn, e: Erasure) -> sqlx::Result<Vec<Done>> {
    let kept = sqlx::query("UPDATE station_visits SET rider_id = $1 WHERE rider_id = $2")
        .bind(e.anon.0)
        .bind(e.rider.0)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(vec![Done {
        key: "erased-visits-kept",
        count: kept as i64,
    }])
}
