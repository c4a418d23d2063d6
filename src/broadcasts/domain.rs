//! The rules of broadcasts: coordinators only (checked in the transaction that acts), an
//! audience that exists and is not empty, riders who turned announcements off left out unless
//! the message is urgent, one broadcast per Send press, and every broadcast, cancellation and
//! final figure in the audit trail.

use crate::db::{Conn, Pool};
use chrono::{DateTime, Duration, Utc};

use super::{store, Audience, Body, Button, Draft, Figures, Status, LOCATION_DAYS, MAX_NEAR_KM};
use crate::audit::{self, Actor};
use crate::geo::Position;
use crate::users::refusal::require_coordinator;
use crate::users::{Refusal, UserId};

#[derive(Debug, thiserror::Error)]
pub enum BroadcastError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the message is empty")]
    Empty,
    #[error("no station {0}")]
    NoSuchStation(String),
    #[error("no session {0}")]
    NoSuchSession(String),
    #[error("a radius must be between 0.1 and {MAX_NEAR_KM} km")]
    BadRadius,
    #[error("nobody is in that audience")]
    NoAudience,
    #[error("a time in the past")]
    InThePast,
    #[error("no broadcast {0}")]
    NoSuchBroadcast(i64),
    #[error("broadcast {0} is over")]
    Over(i64, Status),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// Who a draft would reach: everyone in its audience, and how many of them turned
/// announcements off (left out unless the draft is urgent).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reach {
    pub audience: usize,
    pub opted_out: usize,
    pub recipients: usize,
}

/// Checks what a draft names exists (its station, session, button).
async fn check(conn: &mut Conn, pool: &Pool, d: &Draft) -> Result<(), BroadcastError> {
    let empty = match &d.body {
        Body::Text { text, .. } => text.trim().is_empty(),
        Body::Photo { file_id, .. } => file_id.is_empty(),
    };
    if empty {
        return Err(BroadcastError::Empty);
    }
    match &d.audience {
        Audience::Near { station, km } => {
            if !(0.1..=MAX_NEAR_KM).contains(km) {
                return Err(BroadcastError::BadRadius);
            }
            station_exists(pool, station).await?;
        }
        Audience::Session { session } => session_exists(conn, session).await?,
        Audience::All | Audience::Platform { .. } | Audience::GridOfficers => {}
    }
    match &d.button {
        Some(Button::Station { station }) => station_exists(pool, station).await,
        Some(Button::Session { session }) => session_exists(conn, session).await,
        None => Ok(()),
    }
}

async fn station_exists(
    pool: &Pool,
    code: &crate::stations::StationCode,
) -> Result<(), BroadcastError> {
    match crate::stations::store::find(pool, code).await? {
        Some(_) => Ok(()),
        None => Err(BroadcastError::NoSuchStation(code.to_string())),
    }
}

async fn session_exists(
    conn: &mut Conn,
    code: &crate::services::SessionCode,
) -> Result<(), BroadcastError> {
    match crate::services::store::session(conn, code).await? {
        Some(_) => Ok(()),
        None => Err(BroadcastError::NoSuchSession(code.to_string())),
    }
}

/// The people `d` reaches, and how many its audience holds.
async fn recipients(
    conn: &mut Conn,
    pool: &Pool,
    author: UserId,
    d: &Draft,
    now: DateTime<Utc>,
) -> Result<(Vec<UserId>, Reach), BroadcastError> {
    let mut people = store::audience(conn, &d.audience, author).await?;
    if let Audience::Near { station, km } = &d.audience {
        let at = crate::stations::store::find(pool, station)
            .await?
            .map(|s| s.position)
            .ok_or_else(|| BroadcastError::NoSuchStation(station.to_string()))?;
        let near: std::collections::HashSet<UserId> =
            store::located(conn, now - Duration::days(LOCATION_DAYS))
                .await?
                .into_iter()
                .filter(|(_, lat, lng)| {
                    Position::new(*lat, *lng).is_ok_and(|p| p.distance_m(at) <= km * 1000.0)
                })
                .map(|(id, _, _)| id)
                .collect();
        people.retain(|(id, _)| near.contains(id));
    }
    let opted_out = people.iter().filter(|(_, off)| *off).count();
    let audience = people.len();
    let chosen: Vec<UserId> = people
        .into_iter()
        .filter(|(_, off)| d.urgent || !off)
        .map(|(id, _)| id)
        .collect();
    let reach = Reach {
        audience,
        opted_out,
        recipients: chosen.len(),
    };
    Ok((chosen, reach))
}

/// Who `d` would reach now (for the preview); a coordinator only.
pub async fn reach(
    pool: &Pool,
    author: UserId,
    d: &Draft,
    now: DateTime<Utc>,
) -> Result<Reach, BroadcastError> {
    let mut conn = pool.acquire().await?;
    require_coordinator::<BroadcastError>(&mut conn, author).await?;
    check(&mut conn, pool, d).await?;
    Ok(recipients(&mut conn, pool, author, d, now).await?.1)
}

/// What a Send press did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sent {
    pub id: i64,
    pub recipients: usize,
    /// False: this press's broadcast went before (a second tap, a second device).
    pub new: bool,
}

/// Sends `d` now, or at `at`: the broadcast, one outbox row per recipient (broadcast bulk,
/// after riders' own news) and the audit line, in one transaction. `request_key` names the
/// Send button pressed, so a second press sends nothing more.
pub async fn send(
    pool: &Pool,
    author: UserId,
    d: &Draft,
    request_key: &str,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Sent, BroadcastError> {
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<BroadcastError>(&mut tx, author).await?;
    if let Some(id) = store::by_request(&mut tx, request_key).await? {
        let figures = store::figures(&mut tx, id).await?;
        return Ok(Sent {
            id,
            recipients: figures.recipients as usize,
            new: false,
        });
    }
    if at.is_some_and(|at| at <= now) {
        return Err(BroadcastError::InThePast);
    }
    check(&mut tx, pool, d).await?;
    let (people, _) = recipients(&mut tx, pool, author, d, now).await?;
    if people.is_empty() {
        return Err(BroadcastError::NoAudience);
    }
    let send_at = at.unwrap_or(now);
    let status = if at.is_some() {
        Status::Scheduled
    } else {
        Status::Sending
    };
    let n = people.len() as i64;
    let id = store::insert(&mut tx, author, request_key, d, status, n, send_at, now)
        .await?
        .ok_or(BroadcastError::Db(sqlx::Error::RowNotFound))?;
    // The outbox keeps Telegram's time: a later send waits as long from now as asked.
    let not_before = crate::db::now() + (send_at - now);
    store::enqueue(&mut tx, id, &people, not_before).await?;
    let detail = format!(
        "#{id} to {} · {n} recipients{}{}",
        serde_json::to_string(&d.audience).unwrap_or_default(),
        if d.urgent { " · urgent" } else { "" },
        at.map(|t| format!(" · at {}", t.to_rfc3339()))
            .unwrap_or_default()
    );
    audit::record(
        &mut tx,
        Actor::User(author),
        "broadcast_send",
        None,
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    Ok(Sent {
        id,
        recipients: people.len(),
        new: true,
    })
}

/// Stops broadcast `id`: what was not sent is not sent. A coordinator only; audited.
pub async fn cancel(pool: &Pool, actor: UserId, id: i64) -> Result<Figures, BroadcastError> {
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<BroadcastError>(&mut tx, actor).await?;
    let b = store::find(&mut tx, id)
        .await?
        .ok_or(BroadcastError::NoSuchBroadcast(id))?;
    match b.status {
        Status::Scheduled | Status::Sending => {}
        Status::Done | Status::Cancelled => return Err(BroadcastError::Over(id, b.status)),
    }
    store::drop_pending(&mut tx, id).await?;
    store::set_status(&mut tx, id, Status::Cancelled, Some(crate::db::now())).await?;
    let f = store::figures(&mut tx, id).await?;
    audit::record(
        &mut tx,
        Actor::User(actor),
        "broadcast_cancel",
        None,
        Some(&summary(id, &f)),
    )
    .await?;
    tx.commit().await?;
    Ok(f)
}

/// The figures as the audit trail keeps them.
fn summary(id: i64, f: &Figures) -> String {
    format!(
        "#{id}: {} recipients · {} sent · {} unreachable · {} failed · {} unknown · {} not sent",
        f.recipients, f.sent, f.unreachable, f.failed, f.unknown, f.dropped
    )
}

/// Moves broadcast `id` on: a scheduled one whose time came is sending; one whose messages all
/// have their outcome is done (audited with its figures). Returns its figures and status now.
pub async fn advance(
    pool: &Pool,
    id: i64,
    now: DateTime<Utc>,
) -> Result<Option<(Figures, Status)>, BroadcastError> {
    let mut tx = crate::db::begin_write(pool).await?;
    let Some(b) = store::find(&mut tx, id).await? else {
        return Ok(None);
    };
    let f = store::figures(&mut tx, id).await?;
    let status = match b.status {
        Status::Scheduled if b.send_at <= now => Status::Sending,
        Status::Sending if f.finished() => {
            audit::record(
                &mut tx,
                Actor::User(b.author),
                "broadcast_done",
                None,
                Some(&summary(id, &f)),
            )
            .await?;
            Status::Done
        }
        other => other,
    };
    if status != b.status {
        let finished = (status == Status::Done).then(crate::db::now);
        store::set_status(&mut tx, id, status, finished).await?;
    }
    tx.commit().await?;
    Ok(Some((f, status)))
}

/// Keeps the area (rounded to about a kilometre) of a location `user` shared, when they turned
/// nearby alerts on; nothing otherwise.
pub async fn remember_area(
    pool: &Pool,
    user: UserId,
    at: Position,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let round = |v: f64| (v * 100.0).round() / 100.0;
    let mut conn = pool.acquire().await?;
    store::remember_area(&mut conn, user, round(at.lat()), round(at.lng()), now).await
}

/// One of a person's notification settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Setting {
    Announcements,
    Nearby,
}

/// Flips one of `user`'s settings (turning nearby alerts off forgets their kept area);
/// returns both as they are now: (announcements, nearby).
pub async fn toggle(pool: &Pool, user: UserId, which: Setting) -> sqlx::Result<(bool, bool)> {
    let mut tx = crate::db::begin_write(pool).await?;
    let (mut a, mut n) = store::settings(&mut tx, user).await?;
    match which {
        Setting::Announcements => a = !a,
        Setting::Nearby => n = !n,
    }
    store::set_settings(&mut tx, user, a, n).await?;
    tx.commit().await?;
    Ok((a, n))
}
