//! Passbook rules. Every function that changes points runs in one write transaction: the
//! entry, the cached balance, the stock and the redemption change together or not at all, and
//! SQLite's single writer serialises two devices pressing at the same instant.

use crate::db::{Conn, Pool};
use chrono::{DateTime, Datelike, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::store::{self, NewEntry, PostError, Posted};
use super::{
    csv, Entry, EntryKind, Redemption, RedemptionCode, RedemptionStatus, Reward, RewardCode,
};
use crate::audit::{self, Actor};
use crate::csvfile::{self, ImportError};
use crate::users::refusal::{registered_target, require_coordinator, require_registered};
use crate::users::{Refusal, TargetRef, User, UserId};

/// Entries on one page of the history.
pub const HISTORY_PAGE: i64 = 10;
/// Entries in the `/points` summary.
pub const RECENT: i64 = 5;
/// The largest single adjustment.
pub const MAX_ADJUSTMENT: i64 = 100_000;
pub const MAX_REASON_CHARS: usize = 200;

/// What earns points. The points come from `earning_rules`: `report:<category>` or
/// `attendance:<session>` when set, else `report` or `attendance`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EarnRule {
    ReportAccepted {
        category: String,
    },
    Attendance {
        session: String,
    },
    /// A station visit (the source is the station and the district day).
    Visit {
        station: String,
    },
}

impl EarnRule {
    pub(super) fn kind(&self) -> EntryKind {
        match self {
            EarnRule::ReportAccepted { .. } => EntryKind::ReportAccepted,
            EarnRule::Attendance { .. } => EntryKind::Attendance,
            EarnRule::Visit { .. } => EntryKind::Visit,
        }
    }

    /// The rule's own key in `earning_rules` and the default it falls back to.
    pub(super) fn keys(&self) -> (String, &'static str) {
        match self {
            EarnRule::ReportAccepted { category } => (format!("report:{category}"), "report"),
            EarnRule::Attendance { session } => (format!("attendance:{session}"), "attendance"),
            EarnRule::Visit { station } => (format!("visit:{station}"), "visit"),
        }
    }

    /// The idempotency key of this rule's award to `rider` for `source_ref`: one payment per
    /// cause. A report has one reporter, so the report is the cause; a session has many
    /// attendees, so the cause is the session and the rider.
    pub(super) fn idempotency_key(&self, rider: UserId, source_ref: &str) -> String {
        match self {
            EarnRule::ReportAccepted { .. } => format!("award:report_accepted:{source_ref}"),
            EarnRule::Attendance { .. } => format!("award:attendance:{source_ref}:{}", rider.0),
            EarnRule::Visit { .. } => format!("award:visit:{source_ref}:{}", rider.0),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PointsError {
    /// Not a coordinator, not registered, unknown (the refusals every capability shares).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the reason is too long")]
    ReasonTooLong,
    #[error("the amount must be a whole number from -{MAX_ADJUSTMENT} to {MAX_ADJUSTMENT}, not 0")]
    BadAmount,
    #[error("the balance is {balance}; {needed} are needed")]
    Insufficient { balance: i64, needed: i64 },
    #[error("no such reward")]
    NoSuchReward,
    #[error("the reward is out of stock")]
    OutOfStock,
    #[error("no such redemption")]
    NoSuchRedemption,
    #[error("the redemption was already confirmed")]
    AlreadyConfirmed(Redemption),
    #[error("the redemption expired and its points went back")]
    Expired(Redemption),
    #[error("no earning rule for {0}")]
    NoRule(String),
    #[error("idempotency key {0} was used for a different rider or amount")]
    KeyConflict(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

impl From<PostError> for PointsError {
    fn from(e: PostError) -> Self {
        match e {
            PostError::Insufficient { balance, amount } => PointsError::Insufficient {
                balance,
                needed: -amount,
            },
            PostError::KeyConflict(k) => PointsError::KeyConflict(k),
            PostError::Db(e) => PointsError::Db(e),
        }
    }
}

/// Awards `rule`'s points to `rider` for `source_ref` (a report number, a session code) in the
/// caller's write transaction. The same rule and source pay once: again, it returns the
/// original entry. `at` is when it happened (the application's clock).
pub async fn award_in(
    conn: &mut Conn,
    rider: UserId,
    rule: &EarnRule,
    source_ref: &str,
    at: DateTime<Utc>,
) -> Result<Posted, PointsError> {
    let (specific, default) = rule.keys();
    let key = rule.idempotency_key(rider, source_ref);
    let award = store::Award {
        rider,
        kind: rule.kind(),
        rule: &specific,
        default,
        source_ref,
        key: &key,
        at,
    };
    store::post_award(conn, &award)
        .await?
        .ok_or(PointsError::NoRule(specific))
}

/// [`award_in`] on its own: one statement, atomic without a transaction around it.
pub async fn award(
    pool: &Pool,
    rider: UserId,
    rule: &EarnRule,
    source_ref: &str,
    at: DateTime<Utc>,
) -> Result<Posted, PointsError> {
    let mut conn = pool.acquire().await?;
    award_in(&mut conn, rider, rule, source_ref, at).await
}

async fn find_rider(conn: &mut Conn, target: &TargetRef) -> Result<User, PointsError> {
    registered_target(conn, target).await
}

/// An adjustment as typed: `+20`, `-5`, `20`.
pub fn parse_amount(raw: &str) -> Result<i64, PointsError> {
    let n: i64 = raw
        .trim_start_matches('+')
        .parse()
        .map_err(|_| PointsError::BadAmount)?;
    if n == 0 || n.abs() > MAX_ADJUSTMENT || raw.starts_with("+-") {
        return Err(PointsError::BadAmount);
    }
    Ok(n)
}

#[derive(Debug, Clone)]
pub struct Adjusted {
    pub rider: User,
    pub entry: Entry,
    pub balance: i64,
}

/// A coordinator's correction, with a reason, never below zero; audited. `request_key` names
/// the request (the command message), so a repeated request has one effect.
pub async fn adjust(
    pool: &Pool,
    actor: UserId,
    target: &TargetRef,
    amount: i64,
    reason: &str,
    request_key: &str,
    now: DateTime<Utc>,
) -> Result<Adjusted, PointsError> {
    let reason = reason.trim();
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<PointsError>(&mut tx, actor).await?;
    if reason.is_empty() {
        return Err(PointsError::ReasonRequired);
    }
    if reason.chars().count() > MAX_REASON_CHARS {
        return Err(PointsError::ReasonTooLong);
    }
    if amount == 0 || amount.abs() > MAX_ADJUSTMENT {
        return Err(PointsError::BadAmount);
    }
    let rider = find_rider(&mut tx, target).await?;
    let posted = store::post(
        &mut tx,
        &NewEntry {
            rider: rider.id,
            amount,
            kind: EntryKind::Adjustment,
            source_ref: None,
            actor: Some(actor),
            reason: Some(reason.to_owned()),
            key: format!("adjust:{request_key}"),
            at: now,
        },
    )
    .await?;
    let balance = store::balance(&mut tx, rider.id).await?;
    if let Posted::New(e) = &posted {
        super::notices::adjusted(&mut tx, rider.id, e.id, amount, reason, balance).await?;
        audit::record(
            &mut tx,
            Actor::User(actor),
            "points_adjust",
            Some(rider.id),
            Some(&format!("{amount:+} {reason}")),
        )
        .await?;
    }
    tx.commit().await?;
    Ok(Adjusted {
        rider,
        entry: posted.entry().clone(),
        balance,
    })
}

/// What `/points` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub balance: i64,
    pub held_count: i64,
    pub held_points: i64,
    pub entries: Vec<Entry>,
    /// All the rider's entries, when asked for (history pages, the passbook).
    pub total_entries: Option<i64>,
    /// One of the rider's redemptions is overdue: expire it and read again.
    pub overdue: bool,
}

/// Balance, open holds and `limit` entries from `offset`, newest first: one read.
pub async fn summary(
    pool: &Pool,
    rider: UserId,
    offset: i64,
    limit: i64,
    count: bool,
    now: DateTime<Utc>,
) -> Result<Summary, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let page = store::passbook_page(&mut conn, rider, offset, limit, count, now).await?;
    Ok(Summary {
        balance: page.balance,
        held_count: page.held_count,
        held_points: page.held_points,
        entries: page.entries,
        total_entries: page.total,
        overdue: page.overdue,
    })
}

/// A coordinator's view of a rider's passbook.
pub async fn passbook(
    pool: &Pool,
    actor: UserId,
    target: &TargetRef,
    limit: i64,
) -> Result<(User, Summary), PointsError> {
    let mut conn = pool.acquire().await?;
    require_coordinator::<PointsError>(&mut conn, actor).await?;
    let rider = find_rider(&mut conn, target).await?;
    drop(conn);
    let summary = summary(pool, rider.id, 0, limit, true, crate::db::now()).await?;
    Ok((rider, summary))
}

/// A redemption, and whether this call made it (false: the request was made before).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redeemed {
    pub redemption: Redemption,
    pub new: bool,
}

/// Redeems `reward` for `rider`: takes one from stock, holds its cost, and returns the
/// redemption with its code. `request_key` names the confirm button pressed, so a double tap
/// (or two devices pressing the same button) gets the same redemption back.
pub async fn redeem(
    pool: &Pool,
    rider: UserId,
    reward: &RewardCode,
    request_key: &str,
    now: DateTime<Utc>,
    expiry: Duration,
) -> Result<Redeemed, PointsError> {
    let mut tx = crate::db::begin_write(pool).await?;
    if let Some(existing) = store::redemption_by_request(&mut tx, request_key).await? {
        return Ok(Redeemed {
            redemption: existing,
            new: false,
        });
    }
    let item = available(&mut tx, rider, reward).await?;
    if !store::take_stock(&mut tx, reward).await? {
        return Err(PointsError::OutOfStock);
    }
    let mut code = RedemptionCode::random();
    while store::find_redemption(&mut tx, &code).await?.is_some() {
        code = RedemptionCode::random();
    }
    store::post(
        &mut tx,
        &NewEntry {
            rider,
            amount: -item.cost,
            kind: EntryKind::RedemptionHold,
            source_ref: Some(format!("{}:{code}", item.code)),
            actor: None,
            reason: None,
            key: format!("hold:{code}"),
            at: now,
        },
    )
    .await?;
    let redemption = Redemption {
        code,
        rider,
        reward: item.code,
        cost: item.cost,
        status: RedemptionStatus::Open,
        created_at: now,
        expires_at: now + expiry,
        closed_at: None,
        closed_by: None,
    };
    store::insert_redemption(&mut tx, &redemption, request_key).await?;
    tx.commit().await?;
    Ok(Redeemed {
        redemption,
        new: true,
    })
}

/// The reward, if `rider` can redeem it now: on offer, in stock, and affordable.
async fn available(
    conn: &mut Conn,
    rider: UserId,
    reward: &RewardCode,
) -> Result<Reward, PointsError> {
    require_registered::<PointsError>(conn, rider).await?;
    let item = store::find_reward(conn, reward)
        .await?
        .filter(|r| r.active)
        .ok_or(PointsError::NoSuchReward)?;
    if item.stock == 0 {
        return Err(PointsError::OutOfStock);
    }
    let balance = store::balance(conn, rider).await?;
    if balance < item.cost {
        return Err(PointsError::Insufficient {
            balance,
            needed: item.cost,
        });
    }
    Ok(item)
}

/// What the confirm step offers: the reward, if `rider` could redeem it now (the same checks
/// [`redeem`] makes again when they confirm).
pub async fn offer(pool: &Pool, rider: UserId, reward: &RewardCode) -> Result<Reward, PointsError> {
    let mut conn = pool.acquire().await?;
    available(&mut conn, rider, reward).await
}

/// A coordinator confirms the hand-over: the hold becomes final. Exactly once.
pub async fn confirm(
    pool: &Pool,
    actor: UserId,
    code: &RedemptionCode,
    now: DateTime<Utc>,
) -> Result<Redemption, PointsError> {
    // An overdue redemption is expired (and refunded) first, so it cannot be handed over.
    expire_due(pool, now).await?;
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<PointsError>(&mut tx, actor).await?;
    let r = store::find_redemption(&mut tx, code)
        .await?
        .ok_or(PointsError::NoSuchRedemption)?;
    match r.status {
        RedemptionStatus::Confirmed => return Err(PointsError::AlreadyConfirmed(r)),
        RedemptionStatus::Expired => return Err(PointsError::Expired(r)),
        RedemptionStatus::Open => {}
    }
    store::close_redemption(
        &mut tx,
        code,
        RedemptionStatus::Confirmed,
        (Some(actor), now),
    )
    .await?;
    super::notices::handed_over(&mut tx, &r).await?;
    audit::record(
        &mut tx,
        Actor::User(actor),
        "redemption_confirm",
        Some(r.rider),
        Some(code.as_str()),
    )
    .await?;
    let after = store::find_redemption(&mut tx, code)
        .await?
        .ok_or(PointsError::NoSuchRedemption)?;
    tx.commit().await?;
    Ok(after)
}

/// Expires every open redemption past its time: the points come back and the item goes back
/// in stock. Returns the ones expired now (each exactly once, whoever calls). Each is its own
/// transaction (status, refund, restock together): one that fails is logged and left for the
/// next run, and the others still go.
pub async fn expire_due(pool: &Pool, now: DateTime<Utc>) -> Result<Vec<Redemption>, PointsError> {
    let due = {
        let mut conn = pool.acquire().await?;
        store::due_redemptions(&mut conn, now).await?
    };
    let mut expired = Vec::with_capacity(due.len());
    for r in due {
        match expire_one(pool, &r, now).await {
            Ok(true) => expired.push(r),
            Ok(false) => {}
            Err(err) => {
                tracing::warn!(code = %r.code, %err, "redemption not expired; next run retries")
            }
        }
    }
    Ok(expired)
}

/// Expires `r` unless it was closed meanwhile (confirmed a moment ago, say).
async fn expire_one(pool: &Pool, r: &Redemption, now: DateTime<Utc>) -> Result<bool, PointsError> {
    let mut tx = crate::db::begin_write(pool).await?;
    if !expire_in(&mut tx, r, now).await? {
        return Ok(false);
    }
    tx.commit().await?;
    Ok(true)
}

/// Expires `r` inside the caller's write transaction, if it is still open: the status, the
/// refund and the restock together. False when it was closed already.
pub async fn expire_in(
    conn: &mut Conn,
    r: &Redemption,
    now: DateTime<Utc>,
) -> Result<bool, PointsError> {
    if !store::close_redemption(conn, &r.code, RedemptionStatus::Expired, (None, now)).await? {
        return Ok(false);
    }
    store::post(
        conn,
        &NewEntry {
            rider: r.rider,
            amount: r.cost,
            kind: EntryKind::RedemptionRefund,
            source_ref: Some(format!("{}:{}", r.reward, r.code)),
            actor: None,
            reason: None,
            key: format!("refund:{}", r.code),
            at: now,
        },
    )
    .await?;
    store::restock(conn, &r.reward).await?;
    super::notices::expired(conn, r).await?;
    Ok(true)
}

/// The first moment of the month `now` falls in, in the district's time zone.
pub fn month_start(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let local = now.with_timezone(&tz).date_naive();
    let first = local.with_day(1).unwrap_or(local).and_time(NaiveTime::MIN);
    tz.from_local_datetime(&first)
        .earliest()
        .map_or(now, |d| d.with_timezone(&Utc))
}

/// The rewards file, imported whole or not at all.
pub async fn import_rewards(pool: &Pool, bytes: &[u8]) -> Result<(usize, usize), ImportError> {
    let rewards = csv::parse(bytes)?;
    let mut tx = crate::db::begin_write(pool).await?;
    let new = store::upsert_rewards(&mut tx, &rewards).await?;
    tx.commit().await?;
    Ok((rewards.len(), new))
}

pub async fn export_rewards(pool: &Pool) -> Result<Vec<u8>, ImportError> {
    let mut conn = pool.acquire().await?;
    let rewards = store::all_rewards(&mut conn).await?;
    csvfile::to_bytes(|out| csv::write(out, &rewards))
}
