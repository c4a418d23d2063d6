//! Telling riders about their sessions from outside their own updates: a seat freed for them
//! (promotion from the waitlist), the reminder two hours before, a session called off, a
//! check-in by a coordinator: the outbox rows `services::notices` writes, rendered here when
//! they are sent, in the rider's language then. And the job that keeps two weeks of sessions
//! scheduled and puts the reminders due in the outbox.

use teloxide::types::InlineKeyboardMarkup;
use teloxide::utils::html;

use super::words::when;
use super::ServicesCallback;
use crate::bot::core::callback::button;
use crate::bot::core::outbox::{
    registered_recipient, send_html, text_of, Delivered, NoticeKind, SendError,
};
use crate::bot::core::{Env, HandlerResult};
use crate::outbox::Row;
use crate::services::{domain, notices, store, Session, SessionCode};
use crate::tr;

/// Reminders go this long before a session starts.
pub const REMINDER_LEAD_MINUTES: i64 = 120;

/// The kinds of message services put in the outbox.
pub fn kinds() -> Vec<NoticeKind> {
    vec![
        NoticeKind {
            kind: notices::PROMOTED,

            messages: 1,
            send: |env, row| Box::pin(send(env, row, Say::Promoted)),
        },
        NoticeKind {
            kind: notices::REMINDER,

            messages: 1,
            send: |env, row| Box::pin(send(env, row, Say::Reminder)),
        },
        NoticeKind {
            kind: notices::CALLED_OFF,

            messages: 1,
            send: |env, row| Box::pin(send(env, row, Say::CalledOff)),
        },
        NoticeKind {
            kind: notices::CHECKED_IN,

            messages: 1,
            send: |env, row| Box::pin(send(env, row, Say::CheckedIn)),
        },
    ]
}

#[derive(Debug, Clone, Copy)]
enum Say {
    Promoted,
    Reminder,
    CalledOff,
    CheckedIn,
}

/// Renders one services notice for its rider and sends it; nothing when the rider erased
/// their data or the session is gone.
async fn send(env: &Env, row: &Row, say: Say) -> Result<Delivered, SendError> {
    let Some(user) = registered_recipient(env, row).await? else {
        return Ok(Delivered::Nothing);
    };
    let Some(code) = text_of(row, "session").and_then(SessionCode::parse) else {
        return Ok(Delivered::Nothing);
    };
    let mut conn = env.pool.acquire().await?;
    let Some(s) = store::session(&mut conn, &code).await? else {
        return Ok(Delivered::Nothing);
    };
    drop(conn);
    let lang = user.lang;
    let (title, at) = (html::escape(s.title(lang)), when(lang, &s, env.settings.tz));
    let (text, kb) = match say {
        Say::Promoted => (
            tr!(
                lang,
                "services-promoted",
                icon = s.kind.icon(),
                title = title,
                when = at
            ),
            Some(open_button(lang, &code)),
        ),
        Say::Reminder => (
            tr!(
                lang,
                "services-reminder",
                icon = s.kind.icon(),
                title = title,
                when = at
            ),
            Some(reminder_buttons(lang, &s)),
        ),
        Say::CalledOff => {
            let mut text = tr!(
                lang,
                "services-session-cancelled",
                icon = s.kind.icon(),
                title = title,
                when = at
            );
            if let Some(reason) = text_of(row, "reason").filter(|r| !r.is_empty()) {
                text.push_str(&format!(" ({})", html::escape(reason)));
            }
            (text, None)
        }
        Say::CheckedIn => {
            let mut text = tr!(lang, "services-checked-in", title = title);
            if let Some(points) = row
                .payload
                .get("points")
                .and_then(serde_json::Value::as_i64)
            {
                text.push('\n');
                text.push_str(&tr!(lang, "report-notify-points", points = points));
            }
            (text, None)
        }
    };
    send_html(env, row.chat, text, kb).await
}

fn open_button(lang: crate::i18n::Lang, code: &SessionCode) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![button(
        tr!(lang, "services-btn-open"),
        &ServicesCallback::Show(code.clone()),
    )]])
}

fn reminder_buttons(lang: crate::i18n::Lang, s: &Session) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        button(
            tr!(lang, "services-btn-navigate"),
            &ServicesCallback::Navigate(s.code.clone()),
        ),
        button(
            tr!(lang, "services-btn-cancel"),
            &ServicesCallback::Cancel(s.code.clone()),
        ),
    ]])
}

/// Sessions for the next two weeks, and the reminders due (every 10 minutes).
pub async fn sweep(env: &Env) -> HandlerResult {
    let now = env.settings.clock.now();
    domain::schedule(&env.pool, now, env.settings.tz).await?;
    let lead = chrono::Duration::minutes(REMINDER_LEAD_MINUTES);
    domain::due_reminders(&env.pool, now, lead).await?;
    Ok(())
}
