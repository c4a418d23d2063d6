//! The passbook's SQL. [`post`] is the only way an entry is written; every caller holds a write
//! transaction (`db::begin_write`) around it and whatever else the cause changes.

use crate::db::Conn;
use crate::db::{At, Flag};
use chrono::{DateTime, Utc};

use super::{Entry, EntryKind, Redemption, RedemptionCode, RedemptionStatus, Reward, RewardCode};
use crate::users::UserId;

/// An entry to write. `key` is its idempotency key: the same cause always builds the same key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    pub rider: UserId,
    pub amount: i64,
    pub kind: EntryKind,
    pub source_ref: Option<String>,
    pub actor: Option<UserId>,
    pub reason: Option<String>,
    pub key: String,
    /// When it happened (the application's clock).
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Posted {
    /// Written now.
    New(Entry),
    /// The key was used before with the same rider and amount: the original entry.
    Existing(Entry),
}

impl Posted {
    pub fn entry(&self) -> &Entry {
        match self {
            Posted::New(e) | Posted::Existing(e) => e,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PostError {
    #[error("the balance is {balance}; {amount} would take it below zero")]
    Insufficient { balance: i64, amount: i64 },
    #[error("key {0} was used before for a different rider or amount")]
    KeyConflict(String),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[derive(sqlx::FromRow)]
struct EntryRow {
    id: i64,
    rider_id: i64,
    amount: i64,
    kind: String,
    source_ref: Option<String>,
    actor_id: Option<i64>,
    reason: Option<String>,
    idem_key: String,
    at: At,
}

impl EntryRow {
    fn into_entry(self) -> Entry {
        Entry {
            id: self.id,
            rider: UserId(self.rider_id),
            amount: self.amount,
            // The CHECK constraint admits only known kinds.
            kind: EntryKind::parse(&self.kind).unwrap_or(EntryKind::Adjustment),
            source_ref: self.source_ref,
            actor: self.actor_id.map(UserId),
            reason: self.reason,
            key: self.idem_key,
            at: self.at.0,
        }
    }
}

const ENTRY_COLUMNS: &str =
    "id, rider_id, amount, kind, source_ref, actor_id, reason, idem_key, at";

/// Writes `e` unless its key was used before (then the original entry comes back, or a
/// conflict if it was for another rider or amount). One statement: the ledger's trigger adds
/// the entry to the cached balance, and the balance's CHECK refuses to go below zero, so a
/// crash can never leave one without the other. The insert runs in a savepoint (a transaction
/// of its own outside one): a refused statement aborts a PostgreSQL transaction, and the
/// balance is read after it.
pub async fn post(conn: &mut Conn, e: &NewEntry) -> Result<Posted, PostError> {
    let mut sp = sqlx::Connection::begin(&mut *conn).await?;
    let inserted = sqlx::query_as::<_, EntryRow>(&format!(
        "INSERT INTO ledger (rider_id, amount, kind, source_ref, actor_id, reason, idem_key, at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (idem_key) DO NOTHING \
         RETURNING {ENTRY_COLUMNS}"
    ))
    .bind(e.rider.0)
    .bind(e.amount)
    .bind(e.kind.as_str())
    .bind(&e.source_ref)
    .bind(e.actor.map(|a| a.0))
    .bind(&e.reason)
    .bind(&e.key)
    .bind(At(e.at))
    .fetch_optional(&mut *sp)
    .await;
    if inserted.is_ok() {
        sp.commit().await?;
    } else {
        sp.rollback().await?;
    }
    match inserted {
        Ok(Some(row)) => Ok(Posted::New(row.into_entry())),
        Ok(None) => match existing(conn, &e.key).await? {
            Some(entry) if entry.rider == e.rider && entry.amount == e.amount => {
                Ok(Posted::Existing(entry))
            }
            _ => Err(PostError::KeyConflict(e.key.clone())),
        },
        Err(err) if is_check_violation(&err) => Err(PostError::Insufficient {
            balance: balance(conn, e.rider).await?,
            amount: e.amount,
        }),
        Err(err) => Err(err.into()),
    }
}

/// An award to post: the rule to look its points up by (`rule`, else `default`), what it is
/// for, its idempotency key and when it happened (the application's clock).
#[derive(Debug, Clone, Copy)]
pub struct Award<'a> {
    pub rider: UserId,
    pub kind: EntryKind,
    pub rule: &'a str,
    pub default: &'a str,
    pub source_ref: &'a str,
    pub key: &'a str,
    pub at: DateTime<Utc>,
}

/// An award: the points come from `earning_rules` (`rule`, else `default`) inside the same
/// single statement. `None` when no rule applies. The same key again returns the original
/// entry (even if the rule's points changed since); for another rider it is a conflict.
pub async fn post_award(conn: &mut Conn, a: &Award<'_>) -> Result<Option<Posted>, PostError> {
    let Award {
        rider,
        kind,
        rule,
        default,
        source_ref,
        key,
        at,
    } = *a;
    let inserted: Option<EntryRow> = sqlx::query_as(&format!(
        "INSERT INTO ledger (rider_id, amount, kind, source_ref, idem_key, at) \
         SELECT $1, points, $2, $3, $4, $5 FROM \
           (SELECT COALESCE((SELECT points FROM earning_rules WHERE rule = $6), \
                            (SELECT points FROM earning_rules WHERE rule = $7)) AS points) p \
         WHERE points IS NOT NULL ON CONFLICT (idem_key) DO NOTHING RETURNING {ENTRY_COLUMNS}"
    ))
    .bind(rider.0)
    .bind(kind.as_str())
    .bind(source_ref)
    .bind(key)
    .bind(At(at))
    .bind(rule)
    .bind(default)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = inserted {
        return Ok(Some(Posted::New(row.into_entry())));
    }
    match existing(conn, key).await? {
        Some(entry) if entry.rider == rider => Ok(Some(Posted::Existing(entry))),
        Some(_) => Err(PostError::KeyConflict(key.to_owned())),
        None => Ok(None),
    }
}

/// One award of a batch: who, the rule and its default, the source and the key.
#[derive(Debug, Clone)]
pub struct AwardRow<'a> {
    pub rider: UserId,
    pub kind: EntryKind,
    pub rule: &'a str,
    pub default: &'a str,
    pub source_ref: &'a str,
    pub key: &'a str,
}

/// Many awards in one statement (group commit): each row takes its rule's points, a key seen
/// before (in the table or earlier in the batch) inserts nothing. Returns, per row, the entry
/// (new or existing), `Ok(None)` when no rule applies, or a conflict.
pub async fn post_awards(
    conn: &mut Conn,
    rows: &[AwardRow<'_>],
) -> Result<Vec<Result<Option<Posted>, PostError>>, sqlx::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let mut sql = String::from(
        "INSERT INTO ledger (rider_id, amount, kind, source_ref, idem_key, at) \
         SELECT rider, points, kind, source, key, $1 FROM \
           (SELECT v.column1 AS rider, v.column2 AS kind, v.column3 AS source, \
                   v.column4 AS key, \
                   COALESCE((SELECT points FROM earning_rules WHERE rule = v.column5), \
                            (SELECT points FROM earning_rules WHERE rule = v.column6)) AS points \
            FROM (VALUES ",
    );
    for i in 0..rows.len() {
        // `$1` is the time; each row's six values follow.
        let sep = if i == 0 { "" } else { ", " };
        let n: Vec<String> = (0..6).map(|k| format!("${}", 2 + 6 * i + k)).collect();
        sql.push_str(&format!("{sep}({})", n.join(", ")));
    }
    sql.push_str(&format!(
        ") v) p WHERE points IS NOT NULL ON CONFLICT (idem_key) DO NOTHING \
         RETURNING {ENTRY_COLUMNS}"
    ));
    let mut q = sqlx::query_as::<_, EntryRow>(&sql).bind(At::now());
    for r in rows {
        q = q
            .bind(r.rider.0)
            .bind(r.kind.as_str())
            .bind(r.source_ref)
            .bind(r.key)
            .bind(r.rule)
            .bind(r.default);
    }
    let inserted: std::collections::HashMap<String, Entry> = q
        .fetch_all(&mut *conn)
        .await?
        .into_iter()
        .map(|row| (row.idem_key.clone(), row.into_entry()))
        .collect();
    let mut answered = std::collections::HashSet::new();
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let result = match inserted.get(r.key) {
            Some(entry) if answered.insert(r.key) => Ok(Some(Posted::New(entry.clone()))),
            Some(entry) if entry.rider == r.rider => Ok(Some(Posted::Existing(entry.clone()))),
            Some(_) => Err(PostError::KeyConflict(r.key.to_owned())),
            None => match existing(conn, r.key).await? {
                Some(entry) if entry.rider == r.rider => Ok(Some(Posted::Existing(entry))),
                Some(_) => Err(PostError::KeyConflict(r.key.to_owned())),
                None => Ok(None),
            },
        };
        out.push(result);
    }
    Ok(out)
}

async fn existing(conn: &mut Conn, key: &str) -> Result<Option<Entry>, sqlx::Error> {
    let row: Option<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger WHERE idem_key = $1"
    ))
    .bind(key)
    .fetch_optional(conn)
    .await?;
    Ok(row.map(EntryRow::into_entry))
}

/// A CHECK constraint refused the statement (SQLite's extended code 275, PostgreSQL's 23514):
/// here, a balance below zero.
fn is_check_violation(err: &sqlx::Error) -> bool {
    matches!(err, sqlx::Error::Database(db) if db.kind() == sqlx::error::ErrorKind::CheckViolation)
}

pub async fn balance(conn: &mut Conn, rider: UserId) -> Result<i64, sqlx::Error> {
    let b: Option<i64> = sqlx::query_scalar("SELECT balance FROM balances WHERE rider_id = $1")
        .bind(rider.0)
        .fetch_optional(conn)
        .await?;
    Ok(b.unwrap_or(0))
}

/// A rider's entries, newest first.
pub async fn entries(
    conn: &mut Conn,
    rider: UserId,
    offset: i64,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger WHERE rider_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3"
    ))
    .bind(rider.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(EntryRow::into_entry).collect())
}

pub async fn entry_count(conn: &mut Conn, rider: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE rider_id = $1")
        .bind(rider.0)
        .fetch_one(conn)
        .await
}

/// What `/points` shows, in one statement and one row (a round trip to SQLite's worker thread
/// costs more than the reads): balance, open redemptions (count, points held), the number of
/// entries (only when `count`: it reads the rider's whole index range), and `limit` entries
/// from `offset`, newest first, as a JSON array.
pub async fn passbook_page(
    conn: &mut Conn,
    rider: UserId,
    offset: i64,
    limit: i64,
    count: bool,
    now: DateTime<Utc>,
) -> Result<PassbookPage, sqlx::Error> {
    type Head = (i64, i64, i64, Option<i64>, String, Flag);
    let (balance, held_count, held_points, total, json, overdue): Head = sqlx::query_as(
        "SELECT COALESCE((SELECT balance FROM balances WHERE rider_id = $1), 0), \
                    r.n, r.held, \
                    CASE WHEN $4 THEN (SELECT COUNT(*) FROM ledger WHERE rider_id = $1) END, \
                    (SELECT '[' || COALESCE(string_agg('[' || json_quote(e.id) || ',' \
                                || json_quote(e.rider_id) || ',' || json_quote(e.amount) || ',' \
                                || json_quote(e.kind) || ',' || json_quote(e.source_ref) || ',' \
                                || json_quote(e.actor_id) || ',' || json_quote(e.reason) || ',' \
                                || json_quote(e.idem_key) || ',' || json_quote(e.at) || ']', \
                                ',' ORDER BY e.id DESC), '') || ']' \
                     FROM (SELECT * FROM ledger WHERE rider_id = $1 \
                           ORDER BY id DESC LIMIT $2 OFFSET $3) e), \
                    r.overdue \
             FROM (SELECT COUNT(*) AS n, COALESCE(CAST(SUM(cost) AS BIGINT), 0) AS held, \
                          COALESCE(MAX(CASE WHEN expires_at <= $5 THEN 1 ELSE 0 END), 0) AS overdue \
                   FROM redemptions WHERE rider_id = $1 AND status = 'open') r",
    )
    .bind(rider.0)
    .bind(limit)
    .bind(offset)
    .bind(count)
    .bind(At(now))
    .fetch_one(conn)
    .await?;
    type Row = (
        i64,
        i64,
        i64,
        String,
        Option<String>,
        Option<i64>,
        Option<String>,
        String,
        DateTime<Utc>,
    );
    let rows: Vec<Row> =
        serde_json::from_str(&json).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
    let entries = rows
        .into_iter()
        .map(
            |(id, rider_id, amount, kind, source_ref, actor_id, reason, idem_key, at)| {
                EntryRow {
                    id,
                    rider_id,
                    amount,
                    kind,
                    source_ref,
                    actor_id,
                    reason,
                    idem_key,
                    at: At(at),
                }
                .into_entry()
            },
        )
        .collect();
    Ok(PassbookPage {
        balance,
        held_count,
        held_points,
        total,
        entries,
        overdue: overdue.0,
    })
}

/// One read of a rider's passbook (see [`passbook_page`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassbookPage {
    pub balance: i64,
    pub held_count: i64,
    pub held_points: i64,
    pub total: Option<i64>,
    pub entries: Vec<Entry>,
    /// An open redemption of this rider is past its expiry (and not yet refunded).
    pub overdue: bool,
}

pub async fn opted_in(conn: &mut Conn, rider: UserId) -> Result<bool, sqlx::Error> {
    let v: Option<Flag> = sqlx::query_scalar("SELECT leaderboard_opt_in FROM users WHERE id = $1")
        .bind(rider.0)
        .fetch_optional(conn)
        .await?;
    Ok(v.is_some_and(|f| f.0))
}

/// Open redemptions of `rider`: how many, and the points they hold.
pub async fn held(conn: &mut Conn, rider: UserId) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(CAST(SUM(cost) AS BIGINT), 0) FROM redemptions \
         WHERE rider_id = $1 AND status = 'open'",
    )
    .bind(rider.0)
    .fetch_one(conn)
    .await
}

/// Riders whose cached balance differs from the sum of their entries (none, if all is well).
pub async fn mismatches(conn: &mut Conn) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.rider_id, COALESCE(b.balance, 0), r.total FROM \
           (SELECT rider_id, CAST(SUM(amount) AS BIGINT) AS total FROM ledger GROUP BY rider_id) r \
           LEFT JOIN balances b ON b.rider_id = r.rider_id \
         WHERE COALESCE(b.balance, 0) <> r.total \
         UNION ALL \
         SELECT b.rider_id, b.balance, 0 FROM balances b \
         WHERE b.balance <> 0 AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.rider_id = b.rider_id)",
    )
    .fetch_all(conn)
    .await
}

/// Sets the points for a rule (`report`, `report:<category>`, `attendance`, ...).
pub async fn set_rule(conn: &mut Conn, rule: &str, points: i64) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO earning_rules (rule, points) VALUES ($1, $2) \
         ON CONFLICT (rule) DO UPDATE SET points = excluded.points",
    )
    .bind(rule)
    .bind(points)
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RewardRow {
    code: String,
    name_zh: String,
    name_en: Option<String>,
    cost: i64,
    stock: i64,
    active: Flag,
}

impl RewardRow {
    fn into_reward(self) -> Option<Reward> {
        Some(Reward {
            code: RewardCode::parse(&self.code)?,
            name_zh: self.name_zh,
            name_en: self.name_en,
            cost: self.cost,
            stock: self.stock,
            active: self.active.0,
        })
    }
}

pub async fn upsert_rewards(conn: &mut Conn, rewards: &[Reward]) -> Result<usize, sqlx::Error> {
    let mut new = 0;
    for r in rewards {
        let existed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM rewards WHERE code = $1")
            .bind(r.code.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        new += usize::from(existed.is_none());
        sqlx::query(
            "INSERT INTO rewards (code, name_zh, name_en, cost, stock, active, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (code) DO UPDATE SET \
             name_zh = excluded.name_zh, name_en = excluded.name_en, cost = excluded.cost, \
             stock = excluded.stock, active = excluded.active, updated_at = excluded.updated_at",
        )
        .bind(r.code.as_str())
        .bind(&r.name_zh)
        .bind(&r.name_en)
        .bind(r.cost)
        .bind(r.stock)
        .bind(Flag(r.active))
        .bind(At::now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(new)
}

/// Rewards riders can see: active ones, cheapest first.
pub async fn active_rewards(conn: &mut Conn) -> Result<Vec<Reward>, sqlx::Error> {
    let rows: Vec<RewardRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, cost, stock, active FROM rewards \
         WHERE active = 1 ORDER BY cost, code",
    )
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("rewards", rows, RewardRow::into_reward))
}

pub async fn all_rewards(conn: &mut Conn) -> Result<Vec<Reward>, sqlx::Error> {
    let rows: Vec<RewardRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, cost, stock, active FROM rewards ORDER BY code",
    )
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("rewards", rows, RewardRow::into_reward))
}

pub async fn find_reward(
    conn: &mut Conn,
    code: &RewardCode,
) -> Result<Option<Reward>, sqlx::Error> {
    let row: Option<RewardRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, cost, stock, active FROM rewards WHERE code = $1",
    )
    .bind(code.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(RewardRow::into_reward))
}

/// Takes one from stock; false when none is left (stock never goes below zero).
pub async fn take_stock(conn: &mut Conn, code: &RewardCode) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE rewards SET stock = stock - 1 WHERE code = $1 AND stock > 0")
        .bind(code.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn restock(conn: &mut Conn, code: &RewardCode) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rewards SET stock = stock + 1 WHERE code = $1")
        .bind(code.as_str())
        .execute(conn)
        .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct RedemptionRow {
    code: String,
    rider_id: i64,
    reward_code: String,
    cost: i64,
    status: String,
    created_at: At,
    expires_at: At,
    closed_at: Option<At>,
    closed_by: Option<i64>,
}

impl RedemptionRow {
    fn into_redemption(self) -> Option<Redemption> {
        Some(Redemption {
            code: RedemptionCode::parse(&self.code)?,
            rider: UserId(self.rider_id),
            reward: RewardCode::parse(&self.reward_code)?,
            cost: self.cost,
            status: RedemptionStatus::parse(&self.status)?,
            created_at: self.created_at.0,
            expires_at: self.expires_at.0,
            closed_at: self.closed_at.map(|t| t.0),
            closed_by: self.closed_by.map(UserId),
        })
    }
}

const REDEMPTION_COLUMNS: &str =
    "code, rider_id, reward_code, cost, status, created_at, expires_at, closed_at, closed_by";

pub async fn insert_redemption(
    conn: &mut Conn,
    r: &Redemption,
    request_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO redemptions (code, rider_id, reward_code, cost, status, request_key, \
         created_at, expires_at) VALUES ($1, $2, $3, $4, 'open', $5, $6, $7)",
    )
    .bind(r.code.as_str())
    .bind(r.rider.0)
    .bind(r.reward.as_str())
    .bind(r.cost)
    .bind(request_key)
    .bind(At(r.created_at))
    .bind(At(r.expires_at))
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_redemption(
    conn: &mut Conn,
    code: &RedemptionCode,
) -> Result<Option<Redemption>, sqlx::Error> {
    let row: Option<RedemptionRow> = sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE code = $1"
    ))
    .bind(code.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(RedemptionRow::into_redemption))
}

pub async fn redemption_by_request(
    conn: &mut Conn,
    request_key: &str,
) -> Result<Option<Redemption>, sqlx::Error> {
    let row: Option<RedemptionRow> = sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE request_key = $1"
    ))
    .bind(request_key)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(RedemptionRow::into_redemption))
}

/// Open redemptions past their expiry, oldest first.
pub async fn due_redemptions(
    conn: &mut Conn,
    now: DateTime<Utc>,
) -> Result<Vec<Redemption>, sqlx::Error> {
    let rows: Vec<RedemptionRow> = sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions \
         WHERE status = 'open' AND expires_at <= $1 ORDER BY expires_at"
    ))
    .bind(At(now))
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded(
        "redemptions",
        rows,
        RedemptionRow::into_redemption,
    ))
}

/// Closes an open redemption; false if it was not open any more.
pub async fn close_redemption(
    conn: &mut Conn,
    code: &RedemptionCode,
    to: RedemptionStatus,
    (by, at): (Option<UserId>, DateTime<Utc>),
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE redemptions SET status = $1, closed_at = $2, closed_by = $3 \
         WHERE code = $4 AND status = 'open'",
    )
    .bind(to.as_str())
    .bind(At(at))
    .bind(by.map(|u| u.0))
    .bind(code.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The month's top earners: (rider, points earned, name if they opted in).
pub async fn leaderboard(
    conn: &mut Conn,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(i64, i64, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.rider_id, CAST(SUM(l.amount) AS BIGINT) AS earned, \
                CASE WHEN u.leaderboard_opt_in = 1 AND u.status = 'registered' THEN u.name END \
         FROM ledger l JOIN users u ON u.id = l.rider_id \
         WHERE l.kind IN ('report_accepted', 'attendance') AND l.at >= $1 \
         GROUP BY l.rider_id, u.id ORDER BY earned DESC, l.rider_id LIMIT $2",
    )
    .bind(At(since))
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn set_opt_in(conn: &mut Conn, rider: UserId, on: bool) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET leaderboard_opt_in = $1 WHERE id = $2")
        .bind(Flag(on))
        .bind(rider.0)
        .execute(conn)
        .await?;
    Ok(())
}
