//! Telling riders about their sessions from outside their own updates: a seat freed for them
//! (promotion from the waitlist), and the reminder two hours before; and the job that keeps
//! two weeks of sessions scheduled and sends the reminders due.

use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, ParseMode};
use teloxide::utils::html;

use super::words::when;
use super::ServicesCallback;
use crate::bot::core::callback::button;
use crate::bot::core::{Env, HandlerResult};
use crate::services::{domain, store, Session, SessionCode};
use crate::tr;
use crate::users::UserId;

/// Reminders go this long before a session starts.
pub const REMINDER_LEAD_MINUTES: i64 = 120;

/// Tells `rider` they moved up from the waitlist into a seat.
pub async fn promoted(env: &Env, rider: UserId, code: &SessionCode) {
    let Ok(mut conn) = env.pool.acquire().await else {
        return;
    };
    let (Ok(Some(user)), Ok(Some(s))) = (
        crate::users::store::find(&mut conn, rider).await,
        store::session(&mut conn, code).await,
    ) else {
        return;
    };
    drop(conn);
    let lang = user.lang;
    let text = tr!(
        lang,
        "services-promoted",
        icon = s.kind.icon(),
        title = html::escape(s.title(lang)),
        when = when(lang, &s, env.settings.tz)
    );
    let kb = InlineKeyboardMarkup::new(vec![vec![button(
        tr!(lang, "services-btn-open"),
        &ServicesCallback::Show(code.clone()),
    )]]);
    if let Err(err) = env
        .bot
        .send_message(ChatId(rider.0), text)
        .parse_mode(ParseMode::Html)
        .reply_markup(kb)
        .await
    {
        tracing::info!(user_id = rider.0, %err, "promoted rider not told");
    }
}

/// Sends the reminders due now; one rider who cannot be reached does not stop the others.
pub async fn send_reminders(env: &Env) -> HandlerResult<usize> {
    let now = env.settings.clock.now();
    let lead = chrono::Duration::minutes(REMINDER_LEAD_MINUTES);
    let due = domain::due_reminders(&env.pool, now, lead).await?;
    let n = due.len();
    for (s, rider) in due {
        if let Err(err) = remind(env, &s, rider).await {
            tracing::info!(user_id = rider.0, %err, "reminder not delivered");
        }
    }
    Ok(n)
}

async fn remind(env: &Env, s: &Session, rider: UserId) -> HandlerResult {
    let mut conn = env.pool.acquire().await?;
    let Some(user) = crate::users::store::find(&mut conn, rider).await? else {
        return Ok(());
    };
    drop(conn);
    let lang = user.lang;
    let text = tr!(
        lang,
        "services-reminder",
        icon = s.kind.icon(),
        title = html::escape(s.title(lang)),
        when = when(lang, s, env.settings.tz)
    );
    let kb = InlineKeyboardMarkup::new(vec![vec![
        button(
            tr!(lang, "services-btn-navigate"),
            &ServicesCallback::Navigate(s.code.clone()),
        ),
        button(
            tr!(lang, "services-btn-cancel"),
            &ServicesCallback::Cancel(s.code.clone()),
        ),
    ]]);
    env.bot
        .send_message(ChatId(rider.0), text)
        .parse_mode(ParseMode::Html)
        .reply_markup(kb)
        .await?;
    Ok(())
}

/// Sessions for the next two weeks, and the reminders due (every 10 minutes).
pub async fn sweep(env: &Env) -> HandlerResult {
    domain::schedule(&env.pool, env.settings.clock.now(), env.settings.tz).await?;
    send_reminders(env).await?;
    Ok(())
}
