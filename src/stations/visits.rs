//! Station visits: a registered rider scanning a station's poster (`st-` link), or pressing
//! "I'm here" under the answer to a location shared near it, is counted once per station and
//! district day, the figure the district reports ("rider visits served").
//! Coordinators see them on the station's card. Erasure keeps them as anonymous figures.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use serde_json::{json, Value};
use sqlx::{SqliteConnection, SqlitePool};

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
/// `VISIT_POINTS`; none once the rider's paid visits today reach the cap, or without a rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Counted {
    pub new: bool,
    pub points: Option<i64>,
    /// New, but today's paid visits were used up.
    pub capped: bool,
}

/// Counts `rider`'s visit to `station` today (district time), once a day, and pays the visit
/// rule's points for at most `paid_per_day` visits a day, in one write transaction.
pub async fn record(
    pool: &SqlitePool,
    rider: UserId,
    station: &StationCode,
    via: Via,
    (now, tz): (DateTime<Utc>, Tz),
    paid_per_day: i64,
) -> Result<Counted, PointsError> {
    let day = now.with_timezone(&tz).date_naive().to_string();
    let mut tx = crate::db::begin_write(pool).await?;
    let done = sqlx::query(
        "INSERT INTO station_visits (station, rider_id, day, at, via) VALUES (?, ?, ?, ?, ?)
         ON CONFLICT (station, rider_id, day) DO NOTHING",
    )
    .bind(station.as_str())
    .bind(rider.0)
    .bind(&day)
    .bind(now)
    .bind(via.as_str())
    .execute(&mut *tx)
    .await?;
    if done.rows_affected() != 1 {
        return Ok(Counted {
            new: false,
            points: None,
            capped: false,
        });
    }
    let paid_today: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM ledger WHERE rider_id = ? AND kind = 'visit' AND source_ref LIKE '%:' || ?",
    )
    .bind(rider.0)
    .bind(&day)
    .fetch_one(&mut *tx)
    .await?;
    let capped = paid_today >= paid_per_day;
    let mut points = None;
    if !capped {
        let rule = EarnRule::Visit {
            station: station.to_string(),
        };
        let source = format!("{station}:{day}");
        points = match award_in(&mut tx, rider, &rule, &source, now).await {
            Ok(Posted::New(e)) => Some(e.amount),
            Ok(Posted::Existing(_)) | Err(PointsError::NoRule(_)) => None,
            Err(e) => return Err(e),
        };
    }
    tx.commit().await?;
    Ok(Counted {
        new: true,
        points,
        capped: capped && has_rule(pool).await?,
    })
}

/// Whether visits pay at all (a `visit` earning rule exists).
async fn has_rule(pool: &SqlitePool) -> sqlx::Result<bool> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM earning_rules WHERE rule = 'visit'")
        .fetch_one(pool)
        .await?;
    Ok(n > 0)
}

/// Sets the `visit` earning rule from `VISIT_POINTS` at start: its points, or none for 0.
pub async fn configure_points(pool: &SqlitePool, points: i64) -> sqlx::Result<()> {
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
    conn: &mut SqliteConnection,
    station: &StationCode,
    now: DateTime<Utc>,
    tz: Tz,
) -> sqlx::Result<Visits> {
    let today = now.with_timezone(&tz).date_naive();
    let week_from = (today - Duration::days(6)).to_string();
    let (today_n, week, total): (i64, i64, i64) = sqlx::query_as(
        "SELECT COALESCE(SUM(day = ?2), 0), COALESCE(SUM(day >= ?3), 0), COUNT(*)
         FROM station_visits WHERE station = ?1",
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

pub async fn held(conn: &mut SqliteConnection, rider: UserId) -> sqlx::Result<Vec<Held>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM station_visits WHERE rider_id = ?")
        .bind(rider.0)
        .fetch_one(conn)
        .await?;
    Ok(vec![Held {
        kind: "held-visits",
        count: n,
    }])
}

pub async fn export(conn: &mut SqliteConnection, rider: UserId) -> sqlx::Result<Value> {
    let rows: Vec<(String, String)> = sqlx::query_as(
        "SELECT station, day FROM station_visits WHERE rider_id = ? ORDER BY day, station",
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
pub async fn erase(conn: &mut SqliteConnection, e: Erasure) -> sqlx::Result<Vec<Done>> {
    let kept = sqlx::query("UPDATE station_visits SET rider_id = ? WHERE rider_id = ?")
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
