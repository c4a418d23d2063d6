//! What the passbook holds about a rider and how erasure lets go of it: open redemptions
//! expire with their points and stock given back, the leaderboard opt-in is cleared, and the
//! entries stay only as anonymous amounts (moved to the erasure's anonymous id, balance too,
//! so every balance still equals the sum of its entries).
use crate::db::At;
use crate::db::Conn;

use serde_json::{json, Value};

use super::domain::{self, PointsError};
use super::{store, RedemptionStatus};
use crate::users::personal::{Done, Erasure, Held};
use crate::users::UserId;

async fn count(conn: &mut Conn, sql: &str, rider: UserId) -> sqlx::Result<i64> {
    sqlx::query_scalar(sql).bind(rider.0).fetch_one(conn).await
}

pub async fn held(conn: &mut Conn, rider: UserId) -> sqlx::Result<Vec<Held>> {
    let entries = count(
        conn,
        "SELECT COUNT(*) FROM ledger WHERE rider_id = $1",
        rider,
    )
    .await?;
    let redemptions = count(
        conn,
        "SELECT COUNT(*) FROM redemptions WHERE rider_id = $1",
        rider,
    )
    .await?;
    let opted_in = store::opted_in(conn, rider).await?;
    Ok(vec![
        Held {
            kind: "held-ledger",
            count: entries,
        },
        Held {
            kind: "held-redemptions",
            count: redemptions,
        },
        Held {
            kind: "held-leaderboard",
            count: i64::from(opted_in),
        },
    ])
}

type EntryRow = (i64, String, Option<String>, Option<String>, At);
type RedemptionRow = (String, String, i64, String, At, Option<At>);

pub async fn export(conn: &mut Conn, rider: UserId) -> sqlx::Result<Value> {
    let balance = store::balance(conn, rider).await?;
    let opted_in = store::opted_in(conn, rider).await?;
    let entries: Vec<EntryRow> = sqlx::query_as(
        "SELECT amount, kind, source_ref, reason, at FROM ledger WHERE rider_id = $1 ORDER BY id",
    )
    .bind(rider.0)
    .fetch_all(&mut *conn)
    .await?;
    let redemptions: Vec<RedemptionRow> = sqlx::query_as(
        "SELECT code, reward_code, cost, status, created_at, closed_at FROM redemptions
         WHERE rider_id = $1 ORDER BY created_at",
    )
    .bind(rider.0)
    .fetch_all(conn)
    .await?;
    Ok(json!({
        "balance": balance,
        "shown_by_name_on_leaderboard": opted_in,
        "passbook_entries": entries.into_iter().map(|(amount, kind, source, reason, at)| json!({
            "points": amount, "kind": kind, "for": source, "reason": reason, "at": at,
        })).collect::<Vec<_>>(),
        "redemptions": redemptions.into_iter().map(|(code, reward, cost, status, at, closed)| json!({
            "code": code, "reward": reward, "points": cost, "status": status,
            "requested_at": at, "closed_at": closed,
        })).collect::<Vec<_>>(),
    }))
}

/// Lets go of what the passbook holds about `e.rider`, inside the erasure's transaction.
pub async fn erase(conn: &mut Conn, e: Erasure) -> Result<Vec<Done>, PointsError> {
    let open: Vec<String> = sqlx::query_scalar(
        "SELECT code FROM redemptions WHERE rider_id = $1 AND status = 'open' ORDER BY code",
    )
    .bind(e.rider.0)
    .fetch_all(&mut *conn)
    .await?;
    let mut expired = 0;
    for code in open {
        let found = match super::RedemptionCode::parse(&code) {
            Some(code) => store::find_redemption(conn, &code).await?,
            None => None,
        };
        let Some(r) = found.filter(|r| r.status == RedemptionStatus::Open) else {
            // A hold that cannot be read cannot be given back: the erasure stops, whole.
            tracing::error!(code, "an open redemption does not decode; erasure stopped");
            return Err(
                sqlx::Error::Decode(format!("redemption {code} does not decode").into()).into(),
            );
        };
        if domain::expire_in(conn, &r, e.now).await? {
            expired += 1;
        }
    }
    let opted_in = store::opted_in(conn, e.rider).await?;
    store::set_opt_in(conn, e.rider, false).await?;
    // An attendance award's key names the rider: it names the anonymous id from now on.
    let kept = sqlx::query(
        "UPDATE ledger SET rider_id = $2,
                idem_key = CASE WHEN kind IN ('attendance', 'visit') AND idem_key LIKE '%:' || $3
                           THEN substr(idem_key, 1, length(idem_key) - length($3)) || $2
                           ELSE idem_key END
         WHERE rider_id = $1",
    )
    .bind(e.rider.0)
    .bind(e.anon.0)
    .bind(e.rider.0.to_string())
    .execute(&mut *conn)
    .await?
    .rows_affected();
    sqlx::query("UPDATE balances SET rider_id = $1 WHERE rider_id = $2")
        .bind(e.anon.0)
        .bind(e.rider.0)
        .execute(&mut *conn)
        .await?;
    // The confirm button's key named the rider (`<id>:<message>`): it goes too.
    sqlx::query(
        "UPDATE redemptions SET rider_id = $1, request_key = 'erased:' || code WHERE rider_id = $2",
    )
    .bind(e.anon.0)
    .bind(e.rider.0)
    .execute(conn)
    .await?;
    Ok(vec![
        Done {
            key: "erased-redemptions",
            count: expired,
        },
        Done {
            key: "erased-leaderboard",
            count: i64::from(opted_in),
        },
        Done {
            key: "erased-ledger-kept",
            count: kept as i64,
        },
    ])
}
