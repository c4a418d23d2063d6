//! Redemptions not handed over in time expire and their points come back: every 10 minutes,
//! and before a rider's own passbook is shown when one of theirs is overdue. Each rider is told
//! through the outbox, in the expiry's own transaction.

use chrono::{DateTime, Utc};

use crate::bot::core::BotError;
use crate::points::domain;

/// Expires overdue redemptions (their riders are told through the outbox).
pub async fn expire(pool: &crate::db::Pool, now: DateTime<Utc>) -> Result<usize, BotError> {
    let expired = domain::expire_due(pool, now)
        .await
        .map_err(BotError::domain)?;
    for r in &expired {
        tracing::info!(user_id = r.rider.0, code = %r.code, "redemption expired");
    }
    Ok(expired.len())
}
