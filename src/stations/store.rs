//! Stations' SQL.

use crate::db::{At, Flag};
use std::collections::{HashMap, HashSet};

use crate::db::{Conn, Pool};
use chrono::{DateTime, Utc};

use super::{Closure, Hours, Kind, Service, Station, StationCode};
use crate::geo::{Datum, Position};

#[derive(sqlx::FromRow)]
struct StationRow {
    code: String,
    name_zh: String,
    name_en: Option<String>,
    kind: String,
    address: String,
    src_lat: f64,
    src_lng: f64,
    datum: String,
    lat: f64,
    lng: f64,
    hours: String,
    services: String,
    parking_spots: i64,
    phone: Option<String>,
    closed: Flag,
    closed_until: Option<At>,
    closed_reason: Option<String>,
}

const COLUMNS: &str = "code, name_zh, name_en, kind, address, src_lat, src_lng, datum, lat, lng, \
     hours, services, parking_spots, phone, closed, closed_until, closed_reason";

impl StationRow {
    /// The row as a [`Station`]; `None` (logged) if it no longer parses, which only a hand
    /// edit of the table can cause.
    fn into_station(self, cache: &mut HashMap<String, Hours>) -> Option<Station> {
        let hours = match cache.get(&self.hours) {
            Some(h) => h.clone(),
            None => {
                let h = Hours::parse(&self.hours).ok()?;
                cache.insert(self.hours.clone(), h.clone());
                h
            }
        };
        let station = Station {
            code: StationCode::parse(&self.code)?,
            name_zh: self.name_zh,
            name_en: self.name_en,
            kind: Kind::parse(&self.kind)?,
            address: self.address,
            position: Position::new(self.lat, self.lng).ok()?,
            source: (self.src_lat, self.src_lng, Datum::parse(&self.datum)?),
            hours,
            services: self
                .services
                .split(';')
                .filter_map(Service::parse)
                .collect(),
            parking_spots: u32::try_from(self.parking_spots).ok()?,
            phone: self.phone,
            closure: self.closed.0.then_some(Closure {
                until: self.closed_until.map(|t| t.0),
                reason: self.closed_reason,
            }),
        };
        Some(station)
    }
}

fn convert(rows: Vec<StationRow>) -> Vec<Station> {
    let mut cache = HashMap::new();
    rows.into_iter()
        .filter_map(|row| {
            let code = row.code.clone();
            let station = row.into_station(&mut cache);
            if station.is_none() {
                tracing::warn!(code, "station row does not parse; left out");
            }
            station
        })
        .collect()
}

/// Every station, by code.
pub async fn all(conn: &mut Conn) -> Result<Vec<Station>, sqlx::Error> {
    let rows: Vec<StationRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM stations ORDER BY code"))
            .fetch_all(conn)
            .await?;
    Ok(convert(rows))
}

/// Stations changed after `since` (all of them without it).
pub async fn changed_since(
    conn: &mut Conn,
    since: Option<DateTime<Utc>>,
) -> Result<Vec<Station>, sqlx::Error> {
    let Some(since) = since else {
        return all(conn).await;
    };
    let rows: Vec<StationRow> = sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM stations WHERE updated_at > $1"
    ))
    .bind(At(since))
    .fetch_all(conn)
    .await?;
    Ok(convert(rows))
}

/// The newest change's time.
pub async fn watermark(conn: &mut Conn) -> Result<Option<DateTime<Utc>>, sqlx::Error> {
    let at: Option<At> = sqlx::query_scalar("SELECT MAX(updated_at) FROM stations")
        .fetch_one(conn)
        .await?;
    Ok(at.map(|t| t.0))
}

/// Every station's code (what other capabilities' files may refer to).
pub async fn codes(conn: &mut Conn) -> Result<HashSet<StationCode>, sqlx::Error> {
    let codes: Vec<String> = sqlx::query_scalar("SELECT code FROM stations")
        .fetch_all(conn)
        .await?;
    Ok(codes.iter().filter_map(|c| StationCode::parse(c)).collect())
}

pub async fn find(pool: &Pool, code: &StationCode) -> Result<Option<Station>, sqlx::Error> {
    let rows: Vec<StationRow> =
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM stations WHERE code = $1"))
            .bind(code.as_str())
            .fetch_all(pool)
            .await?;
    Ok(convert(rows).pop())
}

/// The counters the table's triggers bump: on every change, and on every deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq, sqlx::FromRow)]
pub struct Revision {
    pub n: i64,
    pub deletes: i64,
}

pub async fn revision(conn: &mut Conn) -> Result<Revision, sqlx::Error> {
    sqlx::query_as("SELECT n, deletes FROM station_revision WHERE id = 1")
        .fetch_one(conn)
        .await
}

/// Inserts or updates `stations` by code; a closure already set is kept. Returns how many were
/// new.
pub async fn upsert(conn: &mut Conn, stations: &[Station]) -> Result<usize, sqlx::Error> {
    let now = crate::db::now();
    let mut new = 0;
    for s in stations {
        let existed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM stations WHERE code = $1")
            .bind(s.code.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        if existed.is_none() {
            new += 1;
        }
        sqlx::query(
            "INSERT INTO stations (code, name_zh, name_en, kind, address, src_lat, src_lng, datum, \
                 lat, lng, hours, services, parking_spots, phone, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16) \
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh, \
                 name_en = excluded.name_en, kind = excluded.kind, address = excluded.address, \
                 src_lat = excluded.src_lat, src_lng = excluded.src_lng, datum = excluded.datum, \
                 lat = excluded.lat, lng = excluded.lng, hours = excluded.hours, \
                 services = excluded.services, parking_spots = excluded.parking_spots, \
                 phone = excluded.phone, updated_at = excluded.updated_at",
        )
        .bind(s.code.as_str())
        .bind(&s.name_zh)
        .bind(&s.name_en)
        .bind(s.kind.as_str())
        .bind(&s.address)
        .bind(s.source.0)
        .bind(s.source.1)
        .bind(s.source.2.as_str())
        .bind(s.position.lat())
        .bind(s.position.lng())
        .bind(s.hours.as_str())
        .bind(s.services.to_list())
        .bind(i64::from(s.parking_spots))
        .bind(&s.phone)
        .bind(At(now))
        .bind(At(now))
        .execute(&mut *conn)
        .await?;
    }
    Ok(new)
}

/// Sets (or with `None`, lifts) a station's closure. False if there is no such station.
pub async fn set_closure(
    conn: &mut Conn,
    code: &StationCode,
    closure: Option<&Closure>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE stations SET closed = $1, closed_until = $2, closed_reason = $3, updated_at = $4 \
         WHERE code = $5",
    )
    .bind(Flag(closure.is_some()))
    .bind(closure.and_then(|c| c.until).map(At))
    .bind(closure.and_then(|c| c.reason.as_deref()))
    .bind(At::now())
    .bind(code.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}
