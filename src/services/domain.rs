//! Service rules, free of Telegram.
//!
//! - Plans become dated sessions for the next [`HORIZON_DAYS`] (a one-off date whenever it is
//!   ahead), at import and every day after, so a weekly service day is always listed.
//! - A sign-up takes a seat while there is one, else a place in line; a cancelled seat goes to
//!   the first in line at once. Each change is one `BEGIN IMMEDIATE` transaction, so two riders
//!   taking the last seat together get one seat and one place in line.
//! - Check-in opens [`CHECK_IN_BEFORE_MINUTES`] before the start and closes at the end; how a
//!   rider proves presence (the session's signed code, a live location) and what attendance
//!   pays are in [`super::checkin`].

use crate::db::{Conn, Pool};
use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;

use super::{csv, notices, store, Plan, PlanCode, Session, SessionCode, SignupStatus};
use crate::audit::{self, Actor};
use crate::csvfile::{self, ImportError};
use crate::points::domain::PointsError;
use crate::users::refusal::require_coordinator;
use crate::users::{self, Refusal, UserId};

/// How far ahead weekly plans are turned into sessions.
pub const HORIZON_DAYS: i64 = 14;
/// Check-in opens this long before a session starts.
pub const CHECK_IN_BEFORE_MINUTES: i64 = 60;

#[derive(Debug, thiserror::Error)]
pub enum ServicesError {
    #[error("no such session")]
    NoSuchSession,
    #[error("the session has started or is over")]
    Started,
    #[error("the session was cancelled")]
    Cancelled,
    #[error("not signed up")]
    NotSignedUp,
    #[error("check-in is open from an hour before the start to the end")]
    NotNow,
    #[error("on the waitlist, without a seat")]
    OnWaitlist,
    /// A check-in code that this district's key did not sign (forged, mangled, elsewhere's).
    #[error("the check-in code is not valid")]
    Forged,
    /// A live location farther from the session's station than the check-in radius.
    #[error("{metres:.0} m from the station of {session}")]
    TooFar { session: SessionCode, metres: f64 },
    /// A location near the station, but not a live one (a one-off pin can be sent from
    /// anywhere).
    #[error("a one-off location does not prove presence; a live location does")]
    NotLive,
    /// The stored check-in key is not one this release can read (edited by hand).
    #[error("the stored check-in secret does not parse")]
    BadSecret,
    /// Not a coordinator, not registered, unknown (the refusals every capability shares).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error(transparent)]
    Points(#[from] PointsError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The UTC instant of a local date and time (the earlier one when clocks go back).
fn at(tz: Tz, date: NaiveDate, time: chrono::NaiveTime) -> Option<DateTime<Utc>> {
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|d| d.with_timezone(&Utc))
}

/// Dated sessions of `plans` from today (in `tz`) for [`HORIZON_DAYS`]; a one-off date ahead
/// of that too. Sessions still ahead follow a changed plan; past ones are left alone.
pub async fn schedule_in(
    conn: &mut Conn,
    plans: &[Plan],
    now: DateTime<Utc>,
    tz: Tz,
) -> Result<usize, sqlx::Error> {
    let today = now.with_timezone(&tz).date_naive();
    let mut made = 0;
    for plan in plans.iter().filter(|p| p.active) {
        let dates: Vec<NaiveDate> = match &plan.schedule {
            super::Schedule::Once(d) => vec![*d],
            weekly => (0..HORIZON_DAYS)
                .map(|i| today + Duration::days(i))
                .filter(|d| weekly.includes(*d))
                .collect(),
        };
        for date in dates.into_iter().filter(|d| *d >= today) {
            let (Some(starts), Some(ends)) = (at(tz, date, plan.start), at(tz, date, plan.end))
            else {
                continue;
            };
            if ends <= now {
                continue;
            }
            let code = SessionCode::new(plan.code.clone(), date);
            if store::put_session(conn, &code, starts, ends, plan.capacity, now).await? {
                made += 1;
            }
        }
    }
    Ok(made)
}

/// Turns every active plan into sessions up to the horizon (run daily).
pub async fn schedule(pool: &Pool, now: DateTime<Utc>, tz: Tz) -> Result<usize, sqlx::Error> {
    let mut tx = crate::db::begin_write(pool).await?;
    let plans = store::plans(&mut tx).await?;
    let made = schedule_in(&mut tx, &plans, now, tz).await?;
    tx.commit().await?;
    Ok(made)
}

/// The plans file, imported whole or not at all; with `schedule_from`, its sessions are
/// scheduled from that moment at once (else the bot's sweep does it, at start and every ten
/// minutes).
pub async fn import_plans(
    pool: &Pool,
    bytes: &[u8],
    schedule_from: Option<(DateTime<Utc>, Tz)>,
) -> Result<usize, ImportError> {
    let mut tx = crate::db::begin_write(pool).await?;
    let stations = crate::stations::store::codes(&mut tx).await?;
    let plans = csv::parse(bytes, |s| stations.contains(s))?;
    store::upsert_plans(&mut tx, &plans).await?;
    if let Some((now, tz)) = schedule_from {
        schedule_in(&mut tx, &plans, now, tz).await?;
    }
    tx.commit().await?;
    Ok(plans.len())
}

pub async fn export_plans(pool: &Pool) -> Result<Vec<u8>, ImportError> {
    let mut conn = pool.acquire().await?;
    let plans = store::plans(&mut conn).await?;
    csvfile::to_bytes(|out| csv::write(out, &plans))
}

/// A session and where the rider stands in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Listed {
    pub session: Session,
    pub mine: Option<SignupStatus>,
}

/// A page of upcoming sessions with the rider's status in each, and how many there are.
pub async fn upcoming(
    pool: &Pool,
    rider: UserId,
    now: DateTime<Utc>,
    offset: i64,
    limit: i64,
) -> Result<(Vec<Listed>, i64), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let total = store::count_upcoming(&mut conn, now).await?;
    let mut out = Vec::new();
    for session in store::upcoming(&mut conn, now, offset, limit).await? {
        let mine = store::signup(&mut conn, &session.code, rider).await?;
        out.push(Listed { session, mine });
    }
    Ok((out, total))
}

pub async fn find(
    pool: &Pool,
    rider: UserId,
    code: &SessionCode,
) -> Result<Option<Listed>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let Some(session) = store::session(&mut conn, code).await? else {
        return Ok(None);
    };
    let mine = store::signup(&mut conn, code, rider).await?;
    Ok(Some(Listed { session, mine }))
}

async fn open_session(
    conn: &mut Conn,
    code: &SessionCode,
    now: DateTime<Utc>,
) -> Result<Session, ServicesError> {
    let session = store::session(conn, code)
        .await?
        .ok_or(ServicesError::NoSuchSession)?;
    if session.cancelled {
        return Err(ServicesError::Cancelled);
    }
    if session.starts_at <= now {
        return Err(ServicesError::Started);
    }
    Ok(session)
}

/// Where a sign-up left the rider, and whether it changed anything (a second tap does not).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedUp {
    pub status: SignupStatus,
    pub changed: bool,
}

/// Signs `rider` up for `code`: a seat if one is free, else the end of the line. Signing up
/// again changes nothing and says where they stand.
pub async fn sign_up(
    pool: &Pool,
    rider: UserId,
    code: &SessionCode,
    now: DateTime<Utc>,
) -> Result<SignedUp, ServicesError> {
    let mut tx = crate::db::begin_write(pool).await?;
    users::refusal::require_registered::<ServicesError>(&mut tx, rider).await?;
    let session = open_session(&mut tx, code, now).await?;
    match store::signup(&mut tx, code, rider).await? {
        Some(s @ (SignupStatus::Signed | SignupStatus::Waitlisted(_) | SignupStatus::Attended)) => {
            return Ok(SignedUp {
                status: s,
                changed: false,
            })
        }
        Some(SignupStatus::Cancelled) | None => {}
    }
    let status = if session.seats_left() > 0 {
        SignupStatus::Signed
    } else {
        SignupStatus::Waitlisted(0)
    };
    store::put_signup(&mut tx, code, rider, status, true, now).await?;
    let status = store::signup(&mut tx, code, rider).await?.unwrap_or(status);
    tx.commit().await?;
    Ok(SignedUp {
        status,
        changed: true,
    })
}

/// What a cancellation did: who (if anyone) got the seat.
#[derive(Debug, Clone, PartialEq)]
pub struct Cancelled {
    pub promoted: Option<UserId>,
}

/// Gives up `rider`'s seat or place in line; a freed seat goes to the first in line.
pub async fn cancel(
    pool: &Pool,
    rider: UserId,
    code: &SessionCode,
    now: DateTime<Utc>,
) -> Result<Cancelled, ServicesError> {
    let mut tx = crate::db::begin_write(pool).await?;
    open_session(&mut tx, code, now).await?;
    let was = store::signup(&mut tx, code, rider).await?;
    if !matches!(
        was,
        Some(SignupStatus::Signed | SignupStatus::Waitlisted(_))
    ) {
        return Err(ServicesError::NotSignedUp);
    }
    store::put_signup(&mut tx, code, rider, SignupStatus::Cancelled, false, now).await?;
    let mut promoted = None;
    if was == Some(SignupStatus::Signed) {
        if let Some(next) = store::next_waiting(&mut tx, code).await? {
            store::put_signup(&mut tx, code, next, SignupStatus::Signed, false, now).await?;
            notices::promoted(&mut tx, next, code).await?;
            promoted = Some(next);
        }
    }
    tx.commit().await?;
    Ok(Cancelled { promoted })
}

/// The session of `plan` open for check-in now (the station's poster names the plan).
pub async fn checking_in(
    pool: &Pool,
    plan: &PlanCode,
    now: DateTime<Utc>,
) -> Result<Option<SessionCode>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    store::checking_in(
        &mut conn,
        plan,
        now,
        Duration::minutes(CHECK_IN_BEFORE_MINUTES),
    )
    .await
}

/// A session and who is in it (id, status, registered name), for coordinators only.
pub async fn roster(
    pool: &Pool,
    viewer: UserId,
    code: &SessionCode,
) -> Result<(Session, Vec<(UserId, String, Option<String>)>), ServicesError> {
    let mut conn = pool.acquire().await?;
    require_coordinator::<ServicesError>(&mut conn, viewer).await?;
    let session = store::session(&mut conn, code)
        .await?
        .ok_or(ServicesError::NoSuchSession)?;
    let roster = store::roster(&mut conn, code).await?;
    Ok((session, roster))
}

/// Cancels a session that has not ended (a coordinator, audited); returns the riders who held
/// a seat or a place in line, to be told.
pub async fn cancel_session(
    pool: &Pool,
    actor: UserId,
    code: &SessionCode,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<(Session, Vec<UserId>), ServicesError> {
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<ServicesError>(&mut tx, actor).await?;
    let session = store::session(&mut tx, code)
        .await?
        .ok_or(ServicesError::NoSuchSession)?;
    if session.cancelled {
        return Err(ServicesError::Cancelled);
    }
    if session.ends_at <= now {
        return Err(ServicesError::Started);
    }
    let riders = store::cancel_session(&mut tx, code).await?;
    for rider in &riders {
        notices::called_off(&mut tx, *rider, code, reason.trim()).await?;
    }
    audit::record(
        &mut tx,
        Actor::User(actor),
        "session_cancel",
        None,
        Some(&format!("{code} {}", reason.trim())),
    )
    .await?;
    tx.commit().await?;
    Ok((session, riders))
}

/// Reminders due: signed riders of sessions starting within `lead`, each taken once and put in
/// the outbox in the same transaction. Returns how many.
pub async fn due_reminders(
    pool: &Pool,
    now: DateTime<Utc>,
    lead: Duration,
) -> Result<usize, sqlx::Error> {
    let mut tx = crate::db::begin_write(pool).await?;
    let due = store::take_reminders(&mut tx, now, now + lead).await?;
    for (code, rider) in &due {
        notices::reminder(&mut tx, *rider, code).await?;
    }
    tx.commit().await?;
    Ok(due.len())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// A database with one station (`LF-S01`), riders 1–3, coordinator 4, and the plan `CUT`
    /// (Saturdays 09:00–11:00, 20 points) scheduled from [`friday_noon`].
    pub(crate) async fn pool_with_plan(capacity: i64) -> (crate::db::testing::Scratch, Pool) {
        let (dir, pool) = crate::db::testing::scratch().await;
        crate::stations::domain::import(
            &pool,
            "code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone\nLF-S01,站,,station,x,31.3,120.7,wgs84,24/7,,0,\n".as_bytes(),
        )
        .await
        .unwrap();
        for id in 1..=4 {
            sqlx::query(
                "INSERT INTO users (id, status, role, name, created_at, updated_at)
                 VALUES ($1, 'registered', $2, 'n', 'x', 'x')",
            )
            .bind(id)
            .bind(if id == 4 { "coordinator" } else { "rider" })
            .execute(&pool)
            .await
            .unwrap();
        }
        let file = format!("code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\nCUT,haircut,义剪,,LF-S01,Sa,09:00,11:00,{capacity},20,true\n");
        import_plans(
            &pool,
            file.as_bytes(),
            Some((friday_noon(), chrono_tz::Asia::Shanghai)),
        )
        .await
        .unwrap();
        (dir, pool)
    }

    /// Friday 4 December 2026, 12:00 in Shanghai.
    pub(crate) fn friday_noon() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 4, 4, 0, 0).unwrap()
    }

    pub(crate) fn saturday() -> SessionCode {
        SessionCode::parse("CUT-20261205").unwrap()
    }

    #[tokio::test]
    async fn only_registered_riders_sign_up_whatever_button_reached_them() {
        let (_dir, pool) = pool_with_plan(2).await;
        schedule(&pool, friday_noon(), chrono_tz::Asia::Shanghai)
            .await
            .unwrap();
        sqlx::query("UPDATE users SET status = 'deleted' WHERE id = 1")
            .execute(&pool)
            .await
            .unwrap();
        assert!(matches!(
            sign_up(&pool, UserId(1), &saturday(), friday_noon()).await,
            Err(ServicesError::Refused(Refusal::NotRegistered))
        ));
        assert!(matches!(
            sign_up(&pool, UserId(77), &saturday(), friday_noon()).await,
            Err(ServicesError::Refused(Refusal::NotRegistered))
        ));
    }

    #[tokio::test]
    async fn weekly_plans_make_two_weeks_of_sessions_in_local_time() {
        let (_dir, pool) = pool_with_plan(2).await;
        let mut conn = pool.acquire().await.unwrap();
        let all = store::upcoming(&mut conn, friday_noon(), 0, 10)
            .await
            .unwrap();
        let codes: Vec<String> = all.iter().map(|s| s.code.to_string()).collect();
        assert_eq!(codes, ["CUT-20261205", "CUT-20261212"]);
        // 09:00 in Shanghai is 01:00 UTC.
        assert_eq!(
            all[0].starts_at,
            Utc.with_ymd_and_hms(2026, 12, 5, 1, 0, 0).unwrap()
        );
        // Scheduling again makes nothing new.
        drop(conn);
        schedule(&pool, friday_noon(), chrono_tz::Asia::Shanghai)
            .await
            .unwrap();
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            store::count_upcoming(&mut conn, friday_noon())
                .await
                .unwrap(),
            2
        );
    }

    #[tokio::test]
    async fn the_last_seat_goes_once_and_a_cancelled_seat_to_the_first_in_line() {
        let (_dir, pool) = pool_with_plan(1).await;
        let now = friday_noon();
        let sat = saturday();
        let (a, b) = tokio::join!(
            sign_up(&pool, UserId(1), &sat, now),
            sign_up(&pool, UserId(2), &sat, now)
        );
        let mut got = [a.unwrap().status, b.unwrap().status];
        got.sort_by_key(|s| s.as_str());
        assert_eq!(got, [SignupStatus::Signed, SignupStatus::Waitlisted(1)]);
        let third = sign_up(&pool, UserId(3), &saturday(), now).await.unwrap();
        assert_eq!(third.status, SignupStatus::Waitlisted(2));
        let again = sign_up(&pool, UserId(3), &saturday(), now).await.unwrap();
        assert_eq!(
            (again.status, again.changed),
            (SignupStatus::Waitlisted(2), false)
        );
        let seated = if a_is_signed(&pool, 1).await { 1 } else { 2 };
        let waiting_first = 3 - seated;
        let done = cancel(&pool, UserId(seated), &saturday(), now)
            .await
            .unwrap();
        assert_eq!(done.promoted, Some(UserId(waiting_first)));
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(
            store::signup(&mut conn, &saturday(), UserId(3))
                .await
                .unwrap(),
            Some(SignupStatus::Waitlisted(1))
        );
        drop(conn);
        assert!(matches!(
            cancel(&pool, UserId(seated), &saturday(), now).await,
            Err(ServicesError::NotSignedUp)
        ));
        let later = saturday_at(10);
        assert!(matches!(
            sign_up(&pool, UserId(seated), &saturday(), later).await,
            Err(ServicesError::Started)
        ));
    }

    async fn a_is_signed(pool: &Pool, id: i64) -> bool {
        let mut conn = pool.acquire().await.unwrap();
        store::signup(&mut conn, &saturday(), UserId(id))
            .await
            .unwrap()
            == Some(SignupStatus::Signed)
    }

    pub(crate) fn saturday_at(hour: u32) -> DateTime<Utc> {
        chrono_tz::Asia::Shanghai
            .with_ymd_and_hms(2026, 12, 5, hour, 0, 0)
            .unwrap()
            .with_timezone(&Utc)
    }
}
