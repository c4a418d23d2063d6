//! Redemptions not handed over in time expire and their points come back: every 10 minutes,
//! and before a rider's own passbook is shown when one of theirs is overdue.

use chrono::{DateTime, Utc};
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::ParseMode;
use teloxide::utils::html;

use crate::bot::core::BotError;
use crate::i18n::Lang;
use crate::points::{domain, store};
use crate::tr;
use crate::users::UserId;

/// Expires overdue redemptions and tells their riders. Called before showing points and by
/// the periodic sweep, so an expiry is noticed within minutes either way.
pub async fn expire_and_notify(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    now: DateTime<Utc>,
) -> Result<usize, BotError> {
    let expired = domain::expire_due(pool, now)
        .await
        .map_err(BotError::domain)?;
    for r in &expired {
        tracing::info!(user_id = r.rider.0, code = %r.code, "redemption expired");
        // One rider who cannot be told does not keep the others from being told.
        if let Err(err) = tell(bot, pool, r).await {
            tracing::warn!(user_id = r.rider.0, %err, "could not tell rider of expiry");
        }
    }
    Ok(expired.len())
}

async fn tell(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    r: &crate::points::Redemption,
) -> Result<(), BotError> {
    let mut conn = pool.acquire().await?;
    let lang = users_lang(&mut conn, r.rider).await?;
    let reward = store::find_reward(&mut conn, &r.reward).await?;
    drop(conn);
    let name = reward.map_or(r.reward.to_string(), |w| w.name(lang).to_owned());
    bot.send_message(
        ChatId(r.rider.0),
        tr!(
            lang,
            "redemption-expired",
            reward = html::escape(&name),
            code = r.code.to_string(),
            points = r.cost
        ),
    )
    .parse_mode(ParseMode::Html)
    .await?;
    Ok(())
}

async fn users_lang(conn: &mut sqlx::SqliteConnection, id: UserId) -> Result<Lang, sqlx::Error> {
    Ok(crate::users::store::find(conn, id)
        .await?
        .map_or(Lang::Zh, |u| u.lang))
}
