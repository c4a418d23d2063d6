//! The passbook's SQL. [`post`] is the only way an entry is written; every caller holds a write
//! transaction (`db::begin_write`) around it and whatever else the cause changes.

use chrono::{DateTime, Utc};
use sqlx::SqliteConnection;

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
    at: DateTime<Utc>,
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
            at: self.at,
        }
    }
}

const ENTRY_COLUMNS: &str =
    "id, rider_id, amount, kind, source_ref, actor_id, reason, idem_key, at";

/// Writes `e` unless its key was used before; keeps the cached balance equal to the sum and
/// refuses anything that would take it below zero. Call inside a write transaction.
pub async fn post(conn: &mut SqliteConnection, e: &NewEntry) -> Result<Posted, PostError> {
    let existing: Option<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger WHERE idem_key = ?"
    ))
    .bind(&e.key)
    .fetch_optional(&mut *conn)
    .await?;
    if let Some(row) = existing {
        let entry = row.into_entry();
        return if entry.rider == e.rider && entry.amount == e.amount {
            Ok(Posted::Existing(entry))
        } else {
            Err(PostError::KeyConflict(e.key.clone()))
        };
    }
    let balance = balance(conn, e.rider).await?;
    if balance + e.amount < 0 {
        return Err(PostError::Insufficient {
            balance,
            amount: e.amount,
        });
    }
    let row: EntryRow = sqlx::query_as(&format!(
        "INSERT INTO ledger (rider_id, amount, kind, source_ref, actor_id, reason, idem_key, at) \
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING {ENTRY_COLUMNS}"
    ))
    .bind(e.rider.0)
    .bind(e.amount)
    .bind(e.kind.as_str())
    .bind(&e.source_ref)
    .bind(e.actor.map(|a| a.0))
    .bind(&e.reason)
    .bind(&e.key)
    .bind(crate::db::now())
    .fetch_one(&mut *conn)
    .await?;
    // Not an upsert: SQLite checks the CHECK on the row to insert before resolving the
    // conflict, so a debit would fail as "a new row with a negative balance".
    sqlx::query("INSERT INTO balances (rider_id, balance) VALUES (?, 0) ON CONFLICT DO NOTHING")
        .bind(e.rider.0)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE balances SET balance = balance + ? WHERE rider_id = ?")
        .bind(e.amount)
        .bind(e.rider.0)
        .execute(&mut *conn)
        .await?;
    Ok(Posted::New(row.into_entry()))
}

pub async fn balance(conn: &mut SqliteConnection, rider: UserId) -> Result<i64, sqlx::Error> {
    let b: Option<i64> = sqlx::query_scalar("SELECT balance FROM balances WHERE rider_id = ?")
        .bind(rider.0)
        .fetch_optional(conn)
        .await?;
    Ok(b.unwrap_or(0))
}

/// A rider's entries, newest first.
pub async fn entries(
    conn: &mut SqliteConnection,
    rider: UserId,
    offset: i64,
    limit: i64,
) -> Result<Vec<Entry>, sqlx::Error> {
    let rows: Vec<EntryRow> = sqlx::query_as(&format!(
        "SELECT {ENTRY_COLUMNS} FROM ledger WHERE rider_id = ? ORDER BY id DESC LIMIT ? OFFSET ?"
    ))
    .bind(rider.0)
    .bind(limit)
    .bind(offset)
    .fetch_all(conn)
    .await?;
    Ok(rows.into_iter().map(EntryRow::into_entry).collect())
}

pub async fn entry_count(conn: &mut SqliteConnection, rider: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE rider_id = ?")
        .bind(rider.0)
        .fetch_one(conn)
        .await
}

/// Open redemptions of `rider`: how many, and the points they hold.
pub async fn held(conn: &mut SqliteConnection, rider: UserId) -> Result<(i64, i64), sqlx::Error> {
    sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(cost), 0) FROM redemptions \
         WHERE rider_id = ? AND status = 'open'",
    )
    .bind(rider.0)
    .fetch_one(conn)
    .await
}

/// Riders whose cached balance differs from the sum of their entries (none, if all is well).
pub async fn mismatches(conn: &mut SqliteConnection) -> Result<Vec<(i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT r.rider_id, COALESCE(b.balance, 0), r.total FROM \
           (SELECT rider_id, SUM(amount) AS total FROM ledger GROUP BY rider_id) r \
           LEFT JOIN balances b ON b.rider_id = r.rider_id \
         WHERE COALESCE(b.balance, 0) <> r.total \
         UNION ALL \
         SELECT b.rider_id, b.balance, 0 FROM balances b \
         WHERE b.balance <> 0 AND NOT EXISTS (SELECT 1 FROM ledger l WHERE l.rider_id = b.rider_id)",
    )
    .fetch_all(conn)
    .await
}

/// Points for `rule` (e.g. `report:garbage`), falling back to `default` (e.g. `report`).
pub async fn rule_points(
    conn: &mut SqliteConnection,
    rule: &str,
    default: &str,
) -> Result<Option<i64>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT points FROM earning_rules WHERE rule IN (?, ?) \
         ORDER BY rule = ? DESC LIMIT 1",
    )
    .bind(rule)
    .bind(default)
    .bind(rule)
    .fetch_optional(conn)
    .await
}

pub async fn set_rule(
    conn: &mut SqliteConnection,
    rule: &str,
    points: i64,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO earning_rules (rule, points) VALUES (?, ?) \
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
    active: bool,
}

impl RewardRow {
    fn into_reward(self) -> Option<Reward> {
        Some(Reward {
            code: RewardCode::parse(&self.code)?,
            name_zh: self.name_zh,
            name_en: self.name_en,
            cost: self.cost,
            stock: self.stock,
            active: self.active,
        })
    }
}

pub async fn upsert_rewards(
    conn: &mut SqliteConnection,
    rewards: &[Reward],
) -> Result<usize, sqlx::Error> {
    let mut new = 0;
    for r in rewards {
        let existed: Option<i64> = sqlx::query_scalar("SELECT 1 FROM rewards WHERE code = ?")
            .bind(r.code.as_str())
            .fetch_optional(&mut *conn)
            .await?;
        new += usize::from(existed.is_none());
        sqlx::query(
            "INSERT INTO rewards (code, name_zh, name_en, cost, stock, active, updated_at) \
             VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (code) DO UPDATE SET \
             name_zh = excluded.name_zh, name_en = excluded.name_en, cost = excluded.cost, \
             stock = excluded.stock, active = excluded.active, updated_at = excluded.updated_at",
        )
        .bind(r.code.as_str())
        .bind(&r.name_zh)
        .bind(&r.name_en)
        .bind(r.cost)
        .bind(r.stock)
        .bind(r.active)
        .bind(crate::db::now())
        .execute(&mut *conn)
        .await?;
    }
    Ok(new)
}

/// Rewards riders can see: active ones, cheapest first.
pub async fn active_rewards(conn: &mut SqliteConnection) -> Result<Vec<Reward>, sqlx::Error> {
    let rows: Vec<RewardRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, cost, stock, active FROM rewards \
         WHERE active = 1 ORDER BY cost, code",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(RewardRow::into_reward)
        .collect())
}

pub async fn all_rewards(conn: &mut SqliteConnection) -> Result<Vec<Reward>, sqlx::Error> {
    let rows: Vec<RewardRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, cost, stock, active FROM rewards ORDER BY code",
    )
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(RewardRow::into_reward)
        .collect())
}

pub async fn find_reward(
    conn: &mut SqliteConnection,
    code: &RewardCode,
) -> Result<Option<Reward>, sqlx::Error> {
    let row: Option<RewardRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, cost, stock, active FROM rewards WHERE code = ?",
    )
    .bind(code.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(RewardRow::into_reward))
}

/// Takes one from stock; false when none is left (stock never goes below zero).
pub async fn take_stock(
    conn: &mut SqliteConnection,
    code: &RewardCode,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query("UPDATE rewards SET stock = stock - 1 WHERE code = ? AND stock > 0")
        .bind(code.as_str())
        .execute(conn)
        .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn restock(conn: &mut SqliteConnection, code: &RewardCode) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE rewards SET stock = stock + 1 WHERE code = ?")
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
    created_at: DateTime<Utc>,
    expires_at: DateTime<Utc>,
    closed_at: Option<DateTime<Utc>>,
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
            created_at: self.created_at,
            expires_at: self.expires_at,
            closed_at: self.closed_at,
            closed_by: self.closed_by.map(UserId),
        })
    }
}

const REDEMPTION_COLUMNS: &str =
    "code, rider_id, reward_code, cost, status, created_at, expires_at, closed_at, closed_by";

pub async fn insert_redemption(
    conn: &mut SqliteConnection,
    r: &Redemption,
    request_key: &str,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO redemptions (code, rider_id, reward_code, cost, status, request_key, \
         created_at, expires_at) VALUES (?, ?, ?, ?, 'open', ?, ?, ?)",
    )
    .bind(r.code.as_str())
    .bind(r.rider.0)
    .bind(r.reward.as_str())
    .bind(r.cost)
    .bind(request_key)
    .bind(r.created_at)
    .bind(r.expires_at)
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn find_redemption(
    conn: &mut SqliteConnection,
    code: &RedemptionCode,
) -> Result<Option<Redemption>, sqlx::Error> {
    let row: Option<RedemptionRow> = sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE code = ?"
    ))
    .bind(code.as_str())
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(RedemptionRow::into_redemption))
}

pub async fn redemption_by_request(
    conn: &mut SqliteConnection,
    request_key: &str,
) -> Result<Option<Redemption>, sqlx::Error> {
    let row: Option<RedemptionRow> = sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions WHERE request_key = ?"
    ))
    .bind(request_key)
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(RedemptionRow::into_redemption))
}

/// Open redemptions past their expiry, oldest first.
pub async fn due_redemptions(
    conn: &mut SqliteConnection,
    now: DateTime<Utc>,
) -> Result<Vec<Redemption>, sqlx::Error> {
    let rows: Vec<RedemptionRow> = sqlx::query_as(&format!(
        "SELECT {REDEMPTION_COLUMNS} FROM redemptions \
         WHERE status = 'open' AND expires_at <= ? ORDER BY expires_at"
    ))
    .bind(now)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .filter_map(RedemptionRow::into_redemption)
        .collect())
}

/// Closes an open redemption; false if it was not open any more.
pub async fn close_redemption(
    conn: &mut SqliteConnection,
    code: &RedemptionCode,
    to: RedemptionStatus,
    by: Option<UserId>,
) -> Result<bool, sqlx::Error> {
    let done = sqlx::query(
        "UPDATE redemptions SET status = ?, closed_at = ?, closed_by = ? \
         WHERE code = ? AND status = 'open'",
    )
    .bind(to.as_str())
    .bind(crate::db::now())
    .bind(by.map(|u| u.0))
    .bind(code.as_str())
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

/// The month's top earners: (rider, points earned, name if they opted in).
pub async fn leaderboard(
    conn: &mut SqliteConnection,
    since: DateTime<Utc>,
    limit: i64,
) -> Result<Vec<(i64, i64, Option<String>)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT l.rider_id, SUM(l.amount) AS earned, \
                CASE WHEN u.leaderboard_opt_in = 1 AND u.status = 'registered' THEN u.name END \
         FROM ledger l JOIN users u ON u.id = l.rider_id \
         WHERE l.kind IN ('report_accepted', 'attendance') AND l.at >= ? \
         GROUP BY l.rider_id ORDER BY earned DESC, l.rider_id LIMIT ?",
    )
    .bind(since)
    .bind(limit)
    .fetch_all(conn)
    .await
}

pub async fn set_opt_in(
    conn: &mut SqliteConnection,
    rider: UserId,
    on: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET leaderboard_opt_in = ? WHERE id = ?")
        .bind(on)
        .bind(rider.0)
        .execute(conn)
        .await?;
    Ok(())
}

pub async fn opted_in(conn: &mut SqliteConnection, rider: UserId) -> Result<bool, sqlx::Error> {
    let v: Option<bool> = sqlx::query_scalar("SELECT leaderboard_opt_in FROM users WHERE id = ?")
        .bind(rider.0)
        .fetch_optional(conn)
        .await?;
    Ok(v.unwrap_or(false))
}
