//! The services' SQL. Writes take a connection inside the caller's write transaction.

use crate::db::Conn;
use crate::db::{At, Flag};
use chrono::{DateTime, NaiveTime, Utc};

use super::{Plan, PlanCode, Schedule, ServiceKind, Session, SessionCode, SignupStatus};
use crate::geo::Position;
use crate::stations::StationCode;
use crate::users::UserId;

/// Writes the plans in file order, and each one's points as its earning rule
/// `attendance:<code>`.
pub async fn upsert_plans(conn: &mut Conn, plans: &[Plan]) -> Result<(), sqlx::Error> {
    for (i, p) in plans.iter().enumerate() {
        sqlx::query(
            "INSERT INTO service_plans (code, kind, title_zh, title_en, station, schedule,
                 start_time, end_time, capacity, active, position)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
             ON CONFLICT (code) DO UPDATE SET kind = excluded.kind, title_zh = excluded.title_zh,
                 title_en = excluded.title_en, station = excluded.station,
                 schedule = excluded.schedule, start_time = excluded.start_time,
                 end_time = excluded.end_time, capacity = excluded.capacity,
                 active = excluded.active, position = excluded.position",
        )
        .bind(p.code.as_str())
        .bind(p.kind.as_str())
        .bind(&p.title_zh)
        .bind(&p.title_en)
        .bind(p.station.as_str())
        .bind(p.schedule.to_string())
        .bind(p.start.format("%H:%M").to_string())
        .bind(p.end.format("%H:%M").to_string())
        .bind(p.capacity)
        .bind(Flag(p.active))
        .bind(i as i64)
        .execute(&mut *conn)
        .await?;
        crate::points::store::set_rule(conn, &format!("attendance:{}", p.code), p.points).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct PlanRow {
    code: String,
    kind: String,
    title_zh: String,
    title_en: Option<String>,
    station: String,
    schedule: String,
    start_time: String,
    end_time: String,
    capacity: i64,
    points: i64,
    active: Flag,
}

impl PlanRow {
    fn into_plan(self) -> Option<Plan> {
        let time = |t: &str| NaiveTime::parse_from_str(t, "%H:%M").ok();
        Some(Plan {
            code: PlanCode::parse(&self.code)?,
            kind: ServiceKind::parse(&self.kind)?,
            title_zh: self.title_zh,
            title_en: self.title_en,
            station: StationCode::parse(&self.station)?,
            schedule: Schedule::parse(&self.schedule)?,
            start: time(&self.start_time)?,
            end: time(&self.end_time)?,
            capacity: self.capacity,
            points: self.points,
            active: self.active.0,
        })
    }
}

/// Every plan, in file order.
pub async fn plans(conn: &mut Conn) -> Result<Vec<Plan>, sqlx::Error> {
    let rows: Vec<PlanRow> = sqlx::query_as(
        "SELECT p.code, p.kind, p.title_zh, p.title_en, p.station, p.schedule, p.start_time,
                p.end_time, p.capacity, p.active,
                COALESCE(r.points, (SELECT points FROM earning_rules WHERE rule = 'attendance'), 0)
                    AS points
         FROM service_plans p LEFT JOIN earning_rules r ON r.rule = 'attendance:' || p.code
         ORDER BY p.position, p.code",
    )
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded(
        "service_plans",
        rows,
        PlanRow::into_plan,
    ))
}

/// Makes (or, while it is still ahead, updates) the session `code` of `plan`.
pub async fn put_session(
    conn: &mut Conn,
    code: &SessionCode,
    starts_at: DateTime<Utc>,
    ends_at: DateTime<Utc>,
    capacity: i64,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "INSERT INTO sessions (code, plan, starts_at, ends_at, capacity) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (code) DO UPDATE SET starts_at = excluded.starts_at,
             ends_at = excluded.ends_at, capacity = excluded.capacity
         WHERE sessions.starts_at > $6",
    )
    .bind(code.to_string())
    .bind(code.plan().as_str())
    .bind(At(starts_at))
    .bind(At(ends_at))
    .bind(capacity)
    .bind(At(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() > 0)
}

#[derive(sqlx::FromRow)]
struct SessionRow {
    code: String,
    kind: String,
    title_zh: String,
    title_en: Option<String>,
    station: String,
    starts_at: At,
    ends_at: At,
    capacity: i64,
    cancelled: Flag,
    signed: i64,
    waitlisted: i64,
}

const SESSION_SELECT: &str = "SELECT s.code, p.kind, p.title_zh, p.title_en, p.station,
        s.starts_at, s.ends_at, s.capacity, s.cancelled,
        (SELECT COUNT(*) FROM signups g WHERE g.session = s.code
            AND g.status IN ('signed', 'attended')) AS signed,
        (SELECT COUNT(*) FROM signups g WHERE g.session = s.code
            AND g.status = 'waitlisted') AS waitlisted
    FROM sessions s JOIN service_plans p ON p.code = s.plan";

impl SessionRow {
    fn into_session(self) -> Option<Session> {
        Some(Session {
            code: SessionCode::parse(&self.code)?,
            kind: ServiceKind::parse(&self.kind)?,
            title_zh: self.title_zh,
            title_en: self.title_en,
            station: StationCode::parse(&self.station)?,
            starts_at: self.starts_at.0,
            ends_at: self.ends_at.0,
            capacity: self.capacity,
            signed: self.signed,
            waitlisted: self.waitlisted,
            cancelled: self.cancelled.0,
        })
    }
}

pub async fn session(conn: &mut Conn, code: &SessionCode) -> Result<Option<Session>, sqlx::Error> {
    let row: Option<SessionRow> = sqlx::query_as(&format!("{SESSION_SELECT} WHERE s.code = $1"))
        .bind(code.to_string())
        .fetch_optional(conn)
        .await?;
    Ok(row.and_then(SessionRow::into_session))
}

/// Sessions not over by `now` and not cancelled, soonest first.
pub async fn upcoming(
    conn: &mut Conn,
    now: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> Result<Vec<Session>, sqlx::Error> {
    let rows: Vec<SessionRow> = sqlx::query_as(&format!(
        "{SESSION_SELECT} WHERE s.ends_at > $1 AND s.cancelled = 0
         ORDER BY s.starts_at, s.code LIMIT $2 OFFSET $3"
    ))
    .bind(At(now))
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded(
        "sessions",
        rows,
        SessionRow::into_session,
    ))
}

pub async fn count_upcoming(conn: &mut Conn, now: DateTime<Utc>) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM sessions WHERE ends_at > $1 AND cancelled = 0")
        .bind(At(now))
        .fetch_one(conn)
        .await
}

/// The session of `plan` whose check-in window (from `before` ahead of its start to its end)
/// holds `now`.
pub async fn checking_in(
    conn: &mut Conn,
    plan: &PlanCode,
    now: DateTime<Utc>,
    before: chrono::Duration,
) -> Result<Option<SessionCode>, sqlx::Error> {
    let code: Option<String> = sqlx::query_scalar(
        "SELECT code FROM sessions WHERE plan = $1 AND cancelled = 0 AND starts_at <= $2 AND ends_at >= $3
         ORDER BY starts_at LIMIT 1",
    )
    .bind(plan.as_str())
    .bind(At(now + before))
    .bind(At(now))
    .fetch_optional(conn)
    .await?;
    Ok(code.as_deref().and_then(SessionCode::parse))
}

/// The sessions `rider` holds a seat in, waits for or attended whose check-in window (from
/// `before` ahead of the start to the end) holds `now`, each with its station's WGS-84
/// position (sessions whose station is gone or unreadable are left out).
pub async fn open_for_rider(
    conn: &mut Conn,
    rider: UserId,
    now: DateTime<Utc>,
    before: chrono::Duration,
) -> Result<Vec<(SessionCode, Position)>, sqlx::Error> {
    let rows: Vec<(String, f64, f64)> = sqlx::query_as(
        "SELECT s.code, st.lat, st.lng
         FROM signups g
         JOIN sessions s ON s.code = g.session
         JOIN service_plans p ON p.code = s.plan
         JOIN stations st ON st.code = p.station
         WHERE g.rider_id = $1 AND g.status IN ('signed', 'waitlisted', 'attended')
           AND s.cancelled = 0 AND s.starts_at <= $2 AND s.ends_at >= $3
         ORDER BY s.starts_at, s.code",
    )
    .bind(rider.0)
    .bind(At(now + before))
    .bind(At(now))
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("sessions", rows, |(code, lat, lng)| {
        Some((SessionCode::parse(&code)?, Position::new(lat, lng).ok()?))
    }))
}

/// `rider`'s status in `session`, with their place in line when waiting.
pub async fn signup(
    conn: &mut Conn,
    session: &SessionCode,
    rider: UserId,
) -> Result<Option<SignupStatus>, sqlx::Error> {
    let row: Option<(String, i64)> = sqlx::query_as(
        "SELECT g.status,
                (SELECT COUNT(*) FROM signups w WHERE w.session = g.session
                   AND w.status = 'waitlisted' AND w.queued <= g.queued)
         FROM signups g WHERE g.session = $1 AND g.rider_id = $2",
    )
    .bind(session.to_string())
    .bind(rider.0)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(status, place)| match status.as_str() {
        "signed" => Some(SignupStatus::Signed),
        "waitlisted" => Some(SignupStatus::Waitlisted(place)),
        "cancelled" => Some(SignupStatus::Cancelled),
        "attended" => Some(SignupStatus::Attended),
        _ => None,
    }))
}

/// Sets `rider`'s status in `session`. `requeue`: a new place in line (a fresh sign-up, not a
/// promotion or check-in).
pub async fn put_signup(
    conn: &mut Conn,
    session: &SessionCode,
    rider: UserId,
    status: SignupStatus,
    requeue: bool,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO signups (session, rider_id, status, created_at, updated_at, queued)
         VALUES ($1, $2, $3, $4, $5,
                 (SELECT COALESCE(MAX(queued), 0) + 1 FROM signups WHERE session = $6))
         ON CONFLICT (session, rider_id) DO UPDATE SET status = excluded.status,
             updated_at = excluded.updated_at,
             created_at = CASE WHEN $7 THEN excluded.created_at ELSE signups.created_at END,
             queued = CASE WHEN $8 THEN excluded.queued ELSE signups.queued END,
             reminded_at = CASE WHEN $9 THEN NULL ELSE signups.reminded_at END",
    )
    .bind(session.to_string())
    .bind(rider.0)
    .bind(status.as_str())
    .bind(At(now))
    .bind(At(now))
    .bind(session.to_string())
    .bind(requeue)
    .bind(requeue)
    .bind(requeue)
    .execute(conn)
    .await?;
    Ok(())
}

/// The first rider waiting for `session`.
pub async fn next_waiting(
    conn: &mut Conn,
    session: &SessionCode,
) -> Result<Option<UserId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar(
        "SELECT rider_id FROM signups WHERE session = $1 AND status = 'waitlisted'
         ORDER BY queued LIMIT 1",
    )
    .bind(session.to_string())
    .fetch_optional(conn)
    .await?;
    Ok(id.map(UserId))
}

/// Signed riders of sessions starting between `now` and `until` not yet reminded; marks them.
pub async fn take_reminders(
    conn: &mut Conn,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
) -> Result<Vec<(SessionCode, UserId)>, sqlx::Error> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "UPDATE signups SET reminded_at = $1
         WHERE status = 'signed' AND reminded_at IS NULL AND session IN
             (SELECT code FROM sessions WHERE cancelled = 0 AND starts_at > $2 AND starts_at <= $3)
         RETURNING session, rider_id",
    )
    .bind(At(now))
    .bind(At(now))
    .bind(At(until))
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("signups", rows, |(s, r)| {
        Some((SessionCode::parse(&s)?, UserId(r)))
    }))
}

/// Who is in `session` (not cancelled), in sign-up order: id, status, registered name.
pub async fn roster(
    conn: &mut Conn,
    session: &SessionCode,
) -> Result<Vec<(UserId, String, Option<String>)>, sqlx::Error> {
    let rows: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT g.rider_id, g.status, u.name FROM signups g JOIN users u ON u.id = g.rider_id
         WHERE g.session = $1 AND g.status <> 'cancelled' ORDER BY g.queued",
    )
    .bind(session.to_string())
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(id, status, name)| (UserId(id), status, name))
        .collect())
}

/// Marks `session` cancelled and returns who held a seat or a place in line.
pub async fn cancel_session(
    conn: &mut Conn,
    session: &SessionCode,
) -> Result<Vec<UserId>, sqlx::Error> {
    sqlx::query("UPDATE sessions SET cancelled = 1 WHERE code = $1")
        .bind(session.to_string())
        .execute(&mut *conn)
        .await?;
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT rider_id FROM signups WHERE session = $1 AND status IN ('signed', 'waitlisted')",
    )
    .bind(session.to_string())
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(UserId).collect())
}
