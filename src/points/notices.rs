//! What the passbook tells a rider other than the one acting, as outbox rows written in the
//! same transaction as the change: a reward handed over, a coordinator's adjustment, a
//! redemption expired with its points back. `telegram::notify` renders and sends them.

use crate::db::Conn;
use serde_json::json;

use super::Redemption;
use crate::outbox::{store, Notice};
use crate::users::UserId;

pub const HANDED_OVER: &str = "points.handed_over";
pub const ADJUSTED: &str = "points.adjusted";
pub const EXPIRED: &str = "points.expired";

/// `r` was handed over by a coordinator.
pub async fn handed_over(conn: &mut Conn, r: &Redemption) -> sqlx::Result<()> {
    let n = Notice::new(
        r.rider.0,
        HANDED_OVER,
        json!({ "reward": r.reward.as_str() }),
    )
    .once(format!("handed-over:{}", r.code));
    store::enqueue(conn, &n).await.map(drop)
}

/// A coordinator changed `rider`'s points by `amount` for `reason` (ledger entry `entry`),
/// leaving `balance`.
pub async fn adjusted(
    conn: &mut Conn,
    rider: UserId,
    entry: i64,
    amount: i64,
    reason: &str,
    balance: i64,
) -> sqlx::Result<()> {
    let payload = json!({ "amount": amount, "reason": reason, "balance": balance });
    let n = Notice::new(rider.0, ADJUSTED, payload).once(format!("adjusted:{entry}"));
    store::enqueue(conn, &n).await.map(drop)
}

/// `r` was not collected in time: its points are back.
pub async fn expired(conn: &mut Conn, r: &Redemption) -> sqlx::Result<()> {
    let payload = json!({ "reward": r.reward.as_str(), "code": r.code.as_str(), "points": r.cost });
    let n = Notice::new(r.rider.0, EXPIRED, payload).once(format!("expired:{}", r.code));
    store::enqueue(conn, &n).await.map(drop)
}
