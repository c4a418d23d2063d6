//! A broadcast's messages as riders see them (the preview uses the same rendering), sent by the
//! outbox; the coordinator's progress message, edited at most every few seconds while it runs
//! ("412 / 1,000 sent · 3 unreachable · 0 failed") and ending with the summary; `/broadcasts`.

use std::collections::HashMap;
use std::sync::Mutex;

use teloxide::payloads::{SendMessageSetters, SendPhotoSetters};
use teloxide::prelude::*;
use teloxide::types::{
    FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageEntity, MessageId,
    ParseMode,
};
use teloxide::RequestError;

use super::compose::audience_label;
use super::BroadcastCallback;
use crate::bot::core::callback::button;
use crate::bot::core::outbox::{registered_recipient, Delivered, OutboxSettings, SendError};
use crate::bot::core::{Ctx, Env, HandlerResult};
use crate::broadcasts::{domain, store, Body, Broadcast, Button, Draft, Figures, Status};
use crate::i18n::Lang;
use crate::ops::api::call;
use crate::outbox::Row;
use crate::tr;

/// The progress text last shown for each running broadcast (an unchanged text is not sent
/// again: Telegram refuses an edit that changes nothing).
#[derive(Debug, Default)]
pub struct Shown(Mutex<HashMap<i64, String>>);

/// The button under a broadcast, as a deep link that opens the station or the session.
fn keyboard(env: &Env, lang: Lang, b: &Button) -> Option<InlineKeyboardMarkup> {
    let bot = env.settings.bot_username.as_deref()?;
    let (label, payload) = match b {
        Button::Station { station } => (
            tr!(lang, "broadcast-open-station", code = station.to_string()),
            format!("st-{station}"),
        ),
        Button::Session { session } => (
            tr!(lang, "broadcast-open-session", code = session.to_string()),
            format!("sv-{session}"),
        ),
    };
    let url = url::Url::parse(&format!("https://t.me/{bot}?start={payload}")).ok()?;
    Some(InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::url(label, url),
    ]]))
}

/// Sends `d` to `chat` as riders see it (`lang` for the button); `paid`: as a paid broadcast.
pub async fn render_to(
    env: &Env,
    chat: ChatId,
    lang: Lang,
    d: &Draft,
    paid: bool,
) -> Result<Message, RequestError> {
    let kb = d.button.as_ref().and_then(|b| keyboard(env, lang, b));
    let entities = |v: &serde_json::Value| -> Vec<MessageEntity> {
        serde_json::from_value(v.clone()).unwrap_or_default()
    };
    match &d.body {
        Body::Text { text, entities: e } => {
            let mut req = env
                .bot
                .send_message(chat, text.clone())
                .entities(entities(e));
            if let Some(kb) = kb {
                req = req.reply_markup(kb);
            }
            if paid {
                req = req.allow_paid_broadcast(true);
            }
            call(req).await
        }
        Body::Photo {
            file_id,
            caption,
            entities: e,
        } => {
            let mut req = env
                .bot
                .send_photo(chat, InputFile::file_id(FileId(file_id.clone())))
                .caption(caption.clone())
                .caption_entities(entities(e));
            if let Some(kb) = kb {
                req = req.reply_markup(kb);
            }
            if paid {
                req = req.allow_paid_broadcast(true);
            }
            call(req).await
        }
    }
}

/// Sends one recipient their copy (the outbox's kind `broadcasts.message`).
pub async fn deliver(env: &Env, row: &Row) -> Result<Delivered, SendError> {
    let Some(id) = row
        .payload
        .get("broadcast")
        .and_then(serde_json::Value::as_i64)
    else {
        return Ok(Delivered::Nothing);
    };
    let Some(user) = registered_recipient(env, row).await? else {
        return Ok(Delivered::Nothing);
    };
    let mut conn = env.pool.acquire().await?;
    let Some(b) = store::find(&mut conn, id).await? else {
        return Ok(Delivered::Nothing);
    };
    if b.status == Status::Cancelled {
        return Ok(Delivered::Nothing);
    }
    // Turned announcements off since it was sent (a later send, a long queue): not for them.
    let (announcements, _) = store::settings(&mut conn, user.id).await?;
    if !announcements && !b.draft.urgent {
        return Ok(Delivered::Nothing);
    }
    drop(conn);
    let paid = env.dep::<OutboxSettings>()?.paid_broadcast;
    let m = render_to(env, ChatId(row.chat), user.lang, &b.draft, paid).await?;
    Ok(Delivered::Sent(Some(m.id)))
}

/// Thousands separated by commas, as figures read best.
fn grouped(n: i64) -> String {
    let digits = n.abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

fn progress_text(lang: Lang, id: i64, f: &Figures, status: Status) -> String {
    let key = match status {
        Status::Scheduled => "broadcast-progress-scheduled",
        Status::Sending => "broadcast-progress",
        Status::Done => "broadcast-progress-done",
        Status::Cancelled => "broadcast-progress-cancelled",
    };
    crate::i18n::t_args(
        lang,
        key,
        &[
            ("id", id.into()),
            ("sent", grouped(f.sent).into()),
            ("total", grouped(f.recipients).into()),
            ("unreachable", grouped(f.unreachable).into()),
            ("failed", grouped(f.failed).into()),
            ("unknown", grouped(f.unknown).into()),
            ("dropped", grouped(f.dropped).into()),
        ],
    )
}

fn stop_kb(lang: Lang, id: i64, status: Status) -> InlineKeyboardMarkup {
    match status {
        Status::Scheduled | Status::Sending => InlineKeyboardMarkup::new(vec![vec![button(
            tr!(lang, "broadcast-btn-stop"),
            &BroadcastCallback::Stop(id),
        )]]),
        Status::Done | Status::Cancelled => InlineKeyboardMarkup::default(),
    }
}

/// Sends the progress message for broadcast `id` to the coordinator who sent it.
pub async fn start_progress(ctx: &Ctx, id: i64) -> HandlerResult {
    let mut conn = ctx.pool.acquire().await?;
    let f = store::figures(&mut conn, id).await?;
    let status = store::find(&mut conn, id)
        .await?
        .map_or(Status::Sending, |b| b.status);
    drop(conn);
    let lang = ctx.lang();
    let text = progress_text(lang, id, &f, status);
    let m = ctx
        .send_with(text.clone(), stop_kb(lang, id, status))
        .await?;
    let mut conn = ctx.pool.acquire().await?;
    store::set_progress(&mut conn, id, ctx.chat().0, m.id.0).await?;
    if let Ok(shown) = ctx.dep::<Shown>() {
        if let Ok(mut s) = shown.0.lock() {
            s.insert(id, text);
        }
    }
    Ok(())
}

/// Edits broadcast `id`'s progress message to `f` (when it changed). The coordinator may have
/// blocked the bot or deleted the message: the broadcast goes on regardless.
pub async fn show_progress(env: &Env, id: i64, f: &Figures) {
    let Ok(mut conn) = env.pool.acquire().await else {
        return;
    };
    let Ok(Some(b)) = store::find(&mut conn, id).await else {
        return;
    };
    let lang = match crate::users::store::find(&mut conn, b.author).await {
        Ok(Some(u)) => u.lang,
        _ => Lang::default(),
    };
    drop(conn);
    let Some((chat, message)) = b.progress else {
        return;
    };
    let text = progress_text(lang, id, f, b.status);
    if let Ok(shown) = env.dep::<Shown>() {
        let Ok(mut s) = shown.0.lock() else {
            return;
        };
        if s.get(&id) == Some(&text) {
            return;
        }
        s.insert(id, text.clone());
        if matches!(b.status, Status::Done | Status::Cancelled) {
            s.remove(&id);
        }
    }
    let edited = call(
        env.bot
            .edit_message_text(ChatId(chat), MessageId(message), text)
            .parse_mode(ParseMode::Html)
            .reply_markup(stop_kb(lang, id, b.status)),
    )
    .await;
    if let Err(e) = edited {
        tracing::info!(broadcast = id, %e, "progress message not updated");
    }
}

/// The progress job (every few seconds): each running broadcast moves on (a scheduled one
/// starts, a finished one is done and audited) and its progress message shows where it is.
pub async fn progress(env: &Env) -> HandlerResult {
    let running: Vec<Broadcast> = {
        let mut conn = env.pool.acquire().await?;
        store::running(&mut conn).await?
    };
    for b in running {
        match domain::advance(&env.pool, b.id, env.settings.clock.now()).await {
            Ok(Some((f, _))) => show_progress(env, b.id, &f).await,
            Ok(None) => {}
            Err(e) => tracing::warn!(broadcast = b.id, %e, "broadcast not moved on"),
        }
    }
    Ok(())
}

/// `/broadcasts`: the latest ten with their figures (coordinators only).
pub async fn list(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    if !crate::users::store::is_coordinator(&mut conn, ctx.user.id).await? {
        drop(conn);
        return ctx.refuse(crate::users::Refusal::NotCoordinator).await;
    }
    let recent = store::recent(&mut conn, 10).await?;
    let mut lines = vec![tr!(lang, "broadcast-list-head")];
    for b in &recent {
        let f = store::figures(&mut conn, b.id).await?;
        lines.push(format!(
            "{} · {} · {}",
            b.created_at
                .with_timezone(&ctx.settings.tz)
                .format("%m-%d %H:%M"),
            audience_label(lang, &b.draft.audience),
            progress_text(lang, b.id, &f, b.status)
        ));
    }
    drop(conn);
    if recent.is_empty() {
        lines = vec![tr!(lang, "broadcast-list-empty")];
    }
    ctx.send(lines.join("\n\n")).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn figures_read_with_thousands_separated() {
        assert_eq!(grouped(0), "0");
        assert_eq!(grouped(412), "412");
        assert_eq!(grouped(1000), "1,000");
        assert_eq!(grouped(1234567), "1,234,567");
    }
}
