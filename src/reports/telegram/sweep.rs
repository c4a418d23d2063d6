//! The reports' background jobs: the 10-minute sweep (cards the group has not seen, and
//! follow-ups of reports left unresolved), the daily removal of photos of drafts never filed,
//! and the start-up check that the coordinators' group can be reached. A report that cannot be
//! posted is logged and the sweep goes on with the next one.

use teloxide::prelude::*;

use super::ReportSettings;
use crate::bot::core::{Env, HandlerResult};
use crate::ops::api::call;
use crate::reports::{domain, store};

/// Puts in the outbox the cards the group has not received (it was unset, unreachable, or
/// refused them) and the follow-ups due.
pub async fn sweep(env: &Env) -> HandlerResult {
    let settings = env.dep::<ReportSettings>()?;
    let Some(chat) = settings.coordinator_chat else {
        return Ok(());
    };
    let mut tx = crate::db::begin_write(&env.pool).await?;
    let cards = crate::reports::notices::missing_cards(&mut tx, chat.0).await?;
    tx.commit().await?;
    if cards > 0 {
        tracing::info!(
            cards,
            "cards the group has not received are on their way again"
        );
    }
    let now = env.settings.clock.now();
    domain::follow_ups(&env.pool, &settings.rules, now).await?;
    Ok(())
}

/// Deletes stored photos no report and no live draft holds, once older than a dialogue can
/// stay idle plus a day: photos of drafts abandoned until their dialogue expired.
pub async fn remove_draft_photos(env: &Env) -> HandlerResult {
    let older_than = env.settings.dialogue_idle + std::time::Duration::from_secs(24 * 60 * 60);
    let cutoff = env.settings.clock.now()
        - chrono::Duration::from_std(older_than).unwrap_or(chrono::Duration::days(2));
    let idle =
        chrono::Duration::from_std(env.settings.dialogue_idle).unwrap_or(chrono::Duration::days(1));
    let kept = {
        let mut tx = crate::db::begin_write(&env.pool).await?;
        crate::reports::personal::forget_abandoned_drafts(
            &mut tx,
            cutoff,
            env.settings.clock.now() - idle,
        )
        .await?;
        let kept = store::photo_paths(&mut tx).await?.into_iter().collect();
        tx.commit().await?;
        kept
    };
    let dir = env.dep::<ReportSettings>()?.media_dir.clone();
    let removed = tokio::task::spawn_blocking(move || {
        crate::reports::media::remove_orphans(&dir, &kept, older_than)
    })
    .await
    .map_err(|e| crate::bot::core::BotError::Internal(e.to_string()))?
    .map_err(crate::bot::core::BotError::domain)?;
    if removed > 0 {
        tracing::info!(removed, "photos of unfiled drafts removed");
    }
    Ok(())
}

/// Says at start-up, in one log line, whether reports can reach the coordinators' group.
pub async fn check_group(env: &Env) -> HandlerResult {
    match env.dep::<ReportSettings>()?.coordinator_chat {
        None => tracing::warn!(
            "COORDINATOR_CHAT_ID is not set: reports are filed and kept, coordinators see them with /reports"
        ),
        Some(chat) => match call(env.bot.get_chat(chat)).await {
            Ok(_) => tracing::info!(chat_id = chat.0, "coordinators' group reachable"),
            Err(err) => tracing::warn!(
                chat_id = chat.0, %err,
                "cannot reach COORDINATOR_CHAT_ID (is the bot a member?); reports are kept and posted once it is"
            ),
        },
    }
    Ok(())
}
