//! Check-in: attendance is paid for being at the session, on the day, in its window.
//!
//! - The window opens [`CHECK_IN_BEFORE_MINUTES`] before the start and closes at the end.
//! - A rider proves presence by the session's signed code (the QR code a coordinator prints
//!   on the day or shows on a screen: [`super::signed`]) or by a *live* location within the
//!   check-in radius of the session's station; either needs a seat. A one-off location does
//!   not count: it can be sent from anywhere. The station's static poster (`ci-<plan>`) only
//!   shows the session.
//! - A coordinator checks in anyone registered, a walk-in too (audited).
//! - Attendance pays the plan's points once per rider and session, in the same transaction as
//!   the check-in.
//!
//! The key that signs the codes is `CHECKIN_SECRET`, or else one the bot makes at first use and
//! keeps in the database ([`KeyRing`]).

use crate::db::{Conn, Pool};
use chrono::{DateTime, Duration, Utc};
use tokio::sync::OnceCell;

use super::domain::{ServicesError, CHECK_IN_BEFORE_MINUTES};
use super::signed::{CheckInKey, Verified};
use super::{store, Session, SessionCode, SignupStatus};
use crate::audit::{self, Actor};
use crate::geo::Position;
use crate::points::domain::{EarnRule, PointsError};
use crate::points::store::Posted;
use crate::users::refusal::require_coordinator;
use crate::users::{self, Refusal, UserId};

/// The name of the kept key in the `secrets` table.
const SECRET_NAME: &str = "checkin";

/// The key check-in codes are signed with: the configured one, else the one the database
/// keeps (made at first use, so a district never has to set one), read once.
#[derive(Debug)]
pub struct KeyRing {
    configured: Option<CheckInKey>,
    kept: OnceCell<CheckInKey>,
}

impl KeyRing {
    pub fn new(configured: Option<CheckInKey>) -> KeyRing {
        KeyRing {
            configured,
            kept: OnceCell::new(),
        }
    }

    pub async fn key(&self, pool: &Pool, now: DateTime<Utc>) -> Result<&CheckInKey, ServicesError> {
        if let Some(key) = &self.configured {
            return Ok(key);
        }
        self.kept
            .get_or_try_init(|| async {
                let hex =
                    crate::secrets::get_or_create(pool, SECRET_NAME, CheckInKey::generate, now)
                        .await?;
                CheckInKey::from_hex(&hex).ok_or(ServicesError::BadSecret)
            })
            .await
    }
}

/// When `session`'s check-in is open: from [`CHECK_IN_BEFORE_MINUTES`] before its start to
/// its end.
pub fn window(session: &Session) -> (DateTime<Utc>, DateTime<Utc>) {
    (
        session.starts_at - Duration::minutes(CHECK_IN_BEFORE_MINUTES),
        session.ends_at,
    )
}

/// How a rider's presence is known.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum By {
    /// The rider themselves (a signed code, a live location): a seat is needed.
    Rider,
    /// A coordinator: anyone registered, a walk-in too.
    Coordinator(UserId),
}

/// A check-in: the points it paid (none the second time, or when the plan pays none).
#[derive(Debug, Clone, PartialEq)]
pub struct CheckedIn {
    pub session: Session,
    pub points: Option<i64>,
    pub again: bool,
}

/// Checks `rider` in with the code shown at the session: its window must be open and the
/// rider must hold a seat.
pub async fn with_code(
    pool: &Pool,
    rider: UserId,
    code: &Verified,
    now: DateTime<Utc>,
) -> Result<CheckedIn, ServicesError> {
    let mut tx = crate::db::begin_write(pool).await?;
    let done = attend(&mut tx, rider, code.session(), By::Rider, now).await?;
    tx.commit().await?;
    Ok(done)
}

/// A coordinator checks `rider` (anyone registered) in to `code`; audited.
pub async fn by_coordinator(
    pool: &Pool,
    actor: UserId,
    rider: UserId,
    code: &SessionCode,
    now: DateTime<Utc>,
) -> Result<CheckedIn, ServicesError> {
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<ServicesError>(&mut tx, actor).await?;
    let registered = users::store::find(&mut tx, rider)
        .await?
        .is_some_and(|u| u.is_registered());
    if !registered {
        return Err(Refusal::TargetNotRegistered.into());
    }
    let done = attend(&mut tx, rider, code, By::Coordinator(actor), now).await?;
    tx.commit().await?;
    Ok(done)
}

/// How a location was shared.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shared {
    /// A live location, shared by the rider themselves: it follows the phone.
    Live,
    /// A one-off location, a venue, or a forwarded one: it proves nothing about where the
    /// rider is.
    Pinned,
}

/// A location from `rider` at `at`. `Ok(None)` when it is not about check-in (the rider has
/// no seat, place in line or attendance in a session whose window is open now, or a pinned
/// location is not near its station): it then means what it meant before (nearest stations).
/// Otherwise the session whose station is nearest decides: a live location within
/// `radius_m` checks in, one farther is [`ServicesError::TooFar`], a pinned one near the
/// station is [`ServicesError::NotLive`].
pub async fn nearby(
    pool: &Pool,
    rider: UserId,
    at: Position,
    shared: Shared,
    radius_m: f64,
    now: DateTime<Utc>,
) -> Result<Option<CheckedIn>, ServicesError> {
    let mut conn = pool.acquire().await?;
    let before = Duration::minutes(CHECK_IN_BEFORE_MINUTES);
    let open = store::open_for_rider(&mut conn, rider, now, before).await?;
    drop(conn);
    let nearest = open
        .into_iter()
        .map(|(code, station)| (code, at.distance_m(station)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let Some((code, metres)) = nearest else {
        return Ok(None);
    };
    match (shared, metres <= radius_m) {
        (Shared::Pinned, false) => Ok(None),
        (Shared::Pinned, true) => {
            let mut conn = pool.acquire().await?;
            match store::signup(&mut conn, &code, rider).await? {
                // Already in: say so rather than ask for a live location.
                Some(SignupStatus::Attended) => {}
                Some(SignupStatus::Signed | SignupStatus::Waitlisted(_))
                | Some(SignupStatus::Cancelled)
                | None => return Err(ServicesError::NotLive),
            }
            drop(conn);
            let mut tx = crate::db::begin_write(pool).await?;
            let done = attend(&mut tx, rider, &code, By::Rider, now).await?;
            tx.commit().await?;
            Ok(Some(done))
        }
        (Shared::Live, false) => Err(ServicesError::TooFar {
            session: code,
            metres,
        }),
        (Shared::Live, true) => {
            let mut tx = crate::db::begin_write(pool).await?;
            let done = attend(&mut tx, rider, &code, By::Rider, now).await?;
            tx.commit().await?;
            Ok(Some(done))
        }
    }
}

/// Marks `rider` attended in `code` and pays the plan's points, once; inside the caller's write
/// transaction.
async fn attend(
    tx: &mut Conn,
    rider: UserId,
    code: &SessionCode,
    by: By,
    now: DateTime<Utc>,
) -> Result<CheckedIn, ServicesError> {
    let session = store::session(tx, code)
        .await?
        .ok_or(ServicesError::NoSuchSession)?;
    if session.cancelled {
        return Err(ServicesError::Cancelled);
    }
    let (opens, closes) = window(&session);
    if now < opens || now > closes {
        return Err(ServicesError::NotNow);
    }
    let was = store::signup(tx, code, rider).await?;
    let again = was == Some(SignupStatus::Attended);
    match (by, was) {
        (By::Coordinator(_), _) => {}
        (By::Rider, Some(SignupStatus::Signed | SignupStatus::Attended)) => {}
        (By::Rider, Some(SignupStatus::Waitlisted(_))) => return Err(ServicesError::OnWaitlist),
        (By::Rider, Some(SignupStatus::Cancelled) | None) => {
            return Err(ServicesError::NotSignedUp)
        }
    }
    let mut points = None;
    if !again {
        store::put_signup(tx, code, rider, SignupStatus::Attended, false, now).await?;
        let rule = EarnRule::Attendance {
            session: code.plan().to_string(),
        };
        points =
            match crate::points::domain::award_in(tx, rider, &rule, &code.to_string(), now).await {
                Ok(Posted::New(e)) => Some(e.amount),
                Ok(Posted::Existing(_)) | Err(PointsError::NoRule(_)) => None,
                Err(e) => return Err(e.into()),
            };
        if let By::Coordinator(actor) = by {
            super::notices::checked_in(tx, rider, code, points).await?;
            audit::record(
                tx,
                Actor::User(actor),
                "session_check_in",
                Some(rider),
                Some(&code.to_string()),
            )
            .await?;
        }
    }
    let session = store::session(tx, code).await?.unwrap_or(session);
    Ok(CheckedIn {
        session,
        points,
        again,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::domain::tests::{friday_noon, pool_with_plan, saturday, saturday_at};
    use crate::services::domain::{sign_up, ServicesError};

    /// The test plan's station, `LF-S01`.
    fn station() -> Position {
        Position::new(31.3, 120.7).unwrap()
    }

    fn key() -> CheckInKey {
        CheckInKey::new(b"the district's test key, long enough").unwrap()
    }

    async fn balance(pool: &Pool) -> i64 {
        sqlx::query_scalar("SELECT COALESCE(CAST(SUM(amount) AS BIGINT), 0) FROM ledger")
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_signed_code_pays_a_seated_rider_once_within_the_window() {
        let (_dir, pool) = pool_with_plan(1).await;
        sign_up(&pool, UserId(1), &saturday(), friday_noon())
            .await
            .unwrap();
        sign_up(&pool, UserId(2), &saturday(), friday_noon())
            .await
            .unwrap();
        let code = key().verify(&key().sign(&saturday())).unwrap();
        // 07:00 is before the window (08:00–11:00); 11:01 after it.
        for early_or_late in [saturday_at(7), saturday_at(11) + Duration::minutes(1)] {
            assert!(matches!(
                with_code(&pool, UserId(1), &code, early_or_late).await,
                Err(ServicesError::NotNow)
            ));
        }
        let first = with_code(&pool, UserId(1), &code, saturday_at(8))
            .await
            .unwrap();
        assert_eq!((first.points, first.again), (Some(20), false));
        let again = with_code(&pool, UserId(1), &code, saturday_at(9))
            .await
            .unwrap();
        assert_eq!((again.points, again.again), (None, true));
        assert!(matches!(
            with_code(&pool, UserId(2), &code, saturday_at(9)).await,
            Err(ServicesError::OnWaitlist)
        ));
        assert!(matches!(
            with_code(&pool, UserId(3), &code, saturday_at(9)).await,
            Err(ServicesError::NotSignedUp)
        ));
        assert_eq!(balance(&pool).await, 20);
    }

    #[tokio::test]
    async fn a_live_location_near_the_station_pays_once_and_far_away_says_how_far() {
        let (_dir, pool) = pool_with_plan(2).await;
        sign_up(&pool, UserId(1), &saturday(), friday_noon())
            .await
            .unwrap();
        let now = saturday_at(9);
        let far = station().offset(5_000.0, 0.0);
        match nearby(&pool, UserId(1), far, Shared::Live, 200.0, now).await {
            Err(ServicesError::TooFar { session, metres }) => {
                assert_eq!(session, saturday());
                assert!((metres - 5_000.0).abs() < 5.0, "{metres}");
            }
            other => panic!("{other:?}"),
        }
        // A one-off pin far away is not about check-in; near the station it asks for a live one.
        assert!(nearby(&pool, UserId(1), far, Shared::Pinned, 200.0, now)
            .await
            .unwrap()
            .is_none());
        let near = station().offset(120.0, 50.0);
        assert!(matches!(
            nearby(&pool, UserId(1), near, Shared::Pinned, 200.0, now).await,
            Err(ServicesError::NotLive)
        ));
        assert_eq!(balance(&pool).await, 0);
        let done = nearby(&pool, UserId(1), near, Shared::Live, 200.0, now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!((done.points, done.again), (Some(20), false));
        let again = nearby(&pool, UserId(1), near, Shared::Live, 200.0, now)
            .await
            .unwrap()
            .unwrap();
        assert!(again.again);
        assert_eq!(balance(&pool).await, 20);
        // Riders with no session open now (no seat; or before the window) are not claimed.
        assert!(nearby(&pool, UserId(2), near, Shared::Live, 200.0, now)
            .await
            .unwrap()
            .is_none());
        assert!(
            nearby(&pool, UserId(1), near, Shared::Live, 200.0, saturday_at(7))
                .await
                .unwrap()
                .is_none()
        );
    }

    #[tokio::test]
    async fn coordinators_check_in_walk_ins_and_riders_cannot() {
        let (_dir, pool) = pool_with_plan(2).await;
        assert!(matches!(
            by_coordinator(&pool, UserId(3), UserId(2), &saturday(), saturday_at(9)).await,
            Err(ServicesError::Refused(Refusal::NotCoordinator))
        ));
        let walk_in = by_coordinator(&pool, UserId(4), UserId(2), &saturday(), saturday_at(9))
            .await
            .unwrap();
        assert_eq!(walk_in.points, Some(20));
        assert!(matches!(
            by_coordinator(&pool, UserId(4), UserId(77), &saturday(), saturday_at(9)).await,
            Err(ServicesError::Refused(Refusal::TargetNotRegistered))
        ));
    }

    #[tokio::test]
    async fn the_kept_key_is_made_once_and_a_configured_one_wins() {
        let (_dir, pool) = pool_with_plan(1).await;
        let now = friday_noon();
        let first = KeyRing::new(None);
        let second = KeyRing::new(None);
        let sat = saturday();
        let code = first.key(&pool, now).await.unwrap().sign(&sat);
        // Another start (a restart) reads the same key back.
        assert!(second.key(&pool, now).await.unwrap().verify(&code).is_ok());
        let configured = KeyRing::new(Some(key()));
        assert!(configured
            .key(&pool, now)
            .await
            .unwrap()
            .verify(&code)
            .is_err());
    }
}
