//! Sending feedback's outbox rows: the item to the coordinators' group as one message (text,
//! or the photo or voice note by its file id with the rest as its caption), recorded once
//! posted; and a coordinator's answer to the rider, in their language when it is sent, with
//! rating buttons. What riders wrote is escaped, never read as markup.

use teloxide::payloads::{SendMessageSetters, SendPhotoSetters, SendVoiceSetters};
use teloxide::prelude::*;
use teloxide::types::{FileId, InlineKeyboardMarkup, InputFile, MessageId, ParseMode};
use teloxide::utils::html;

use super::{FeedbackCallback, FeedbackSettings, GROUP_LANG};
use crate::bot::core::callback::button;
use crate::bot::core::outbox::{registered_recipient, send_html, Delivered, NoticeKind, SendError};
use crate::bot::core::Env;
use crate::feedback::domain::Stars;
use crate::feedback::{notices, store, FeedbackId, Item};
use crate::i18n::{t, Lang};
use crate::ops::api::call;
use crate::outbox::Row;
use crate::tr;
use crate::users::{self, Role};

/// The kinds of message feedback puts in the outbox.
pub fn kinds() -> Vec<NoticeKind> {
    vec![
        NoticeKind {
            kind: notices::ITEM,
            messages: 1,
            send: |env, row| Box::pin(send_item(env, row)),
        },
        NoticeKind {
            kind: notices::ANSWER,
            messages: 1,
            send: |env, row| Box::pin(send_answer(env, row)),
        },
    ]
}

fn id_of(row: &Row) -> Option<FeedbackId> {
    row.payload
        .get("feedback")
        .and_then(serde_json::Value::as_i64)
        .map(FeedbackId)
}

/// The item's Close button (none once it is closed).
pub fn item_keyboard(lang: Lang, item: &Item) -> InlineKeyboardMarkup {
    match item.status {
        crate::feedback::Status::Closed => InlineKeyboardMarkup::default(),
        crate::feedback::Status::Open | crate::feedback::Status::Answered => {
            InlineKeyboardMarkup::new(vec![vec![button(
                t(lang, "feedback-btn-close"),
                &FeedbackCallback::Close(item.id),
            )]])
        }
    }
}

/// What the group reads: the number, the topic, who (their role, as report cards say; never
/// a phone number or an id), when, what they wrote (escaped), and how to answer.
async fn item_text(env: &Env, item: &Item) -> Result<String, SendError> {
    let lang = GROUP_LANG;
    let tz = env.dep::<FeedbackSettings>()?.tz;
    let mut conn = env.pool.acquire().await?;
    let role = users::store::find(&mut conn, item.rider)
        .await?
        .map_or(Role::Rider, |u| u.role);
    drop(conn);
    let who = match role {
        Role::GridOfficer => tr!(lang, "feedback-from-grid-officer"),
        Role::Rider | Role::Coordinator => tr!(lang, "feedback-from-rider"),
    };
    let mut text = tr!(
        lang,
        "feedback-group-item",
        id = item.id.to_string(),
        topic = t(lang, item.topic.label_key()),
        who = who,
        at = item
            .created_at
            .with_timezone(&tz)
            .format("%m-%d %H:%M")
            .to_string()
    );
    if let Some(secs) = item.duration_s {
        text.push('\n');
        text.push_str(&tr!(
            lang,
            "feedback-group-voice",
            minutes = secs / 60,
            seconds = format!("{:02}", secs % 60)
        ));
    }
    if let Some(body) = &item.body {
        text.push_str("\n\n");
        text.push_str(&html::escape(body));
    }
    text.push_str("\n\n");
    text.push_str(&tr!(lang, "feedback-group-reply-hint"));
    Ok(text)
}

/// Posts an item to the group the row names (once: an item posted already, or whose rider
/// erased their data before it went, sends nothing) and records where.
async fn send_item(env: &Env, row: &Row) -> Result<Delivered, SendError> {
    let Some(id) = id_of(row) else {
        return Ok(Delivered::Nothing);
    };
    let mut conn = env.pool.acquire().await?;
    let Some(item) = store::find(&mut conn, id).await? else {
        return Ok(Delivered::Nothing);
    };
    drop(conn);
    if item.group.is_some() || item.rider.0 < 0 {
        return Ok(Delivered::Nothing);
    }
    let text = item_text(env, &item).await?;
    let kb = item_keyboard(GROUP_LANG, &item);
    let chat = ChatId(row.chat);
    let file = item.file_id.clone().map(|f| InputFile::file_id(FileId(f)));
    let sent = match (item.kind.as_str(), file) {
        ("photo", Some(file)) => {
            call(
                env.bot
                    .send_photo(chat, file)
                    .caption(text)
                    .parse_mode(ParseMode::Html)
                    .reply_markup(kb),
            )
            .await?
        }
        ("voice", Some(file)) => {
            let secs = item.duration_s.and_then(|s| u32::try_from(s).ok());
            let mut req = env
                .bot
                .send_voice(chat, file)
                .caption(text)
                .parse_mode(ParseMode::Html)
                .reply_markup(kb);
            if let Some(secs) = secs {
                req = req.duration(secs);
            }
            call(req).await?
        }
        _ => {
            call(
                env.bot
                    .send_message(chat, text)
                    .parse_mode(ParseMode::Html)
                    .reply_markup(kb),
            )
            .await?
        }
    };
    // Telegram has it: from here on nothing posts it again (the row is `sent`).
    if let Err(e) = record(env, id, chat, sent.id).await {
        tracing::error!(feedback = id.0, %e, "item posted but its message not recorded");
    }
    tracing::info!(feedback = id.0, "feedback posted to coordinators");
    Ok(Delivered::Sent(Some(sent.id)))
}

async fn record(env: &Env, id: FeedbackId, chat: ChatId, msg: MessageId) -> sqlx::Result<()> {
    let mut tx = crate::db::begin_write(&env.pool).await?;
    store::set_group(&mut tx, id, chat.0, msg.0).await?;
    tx.commit().await
}

/// Puts in the outbox the items the group has not received (it was unset or unreachable when
/// they were filed, or Telegram refused them): every 10 minutes and at start.
pub async fn sweep(env: &Env) -> crate::bot::core::HandlerResult {
    let Some(group) = env.dep::<FeedbackSettings>()?.group else {
        return Ok(());
    };
    let mut tx = crate::db::begin_write(&env.pool).await?;
    let items = notices::missing_items(&mut tx, group.0).await?;
    tx.commit().await?;
    if items > 0 {
        tracing::info!(
            items,
            "feedback the group has not received is on its way again"
        );
    }
    Ok(())
}

/// The rating buttons under an answer.
fn rating_keyboard(id: FeedbackId) -> InlineKeyboardMarkup {
    let row = (1..=5u8)
        .filter_map(Stars::parse)
        .map(|s| button(format!("{} ⭐", s.get()), &FeedbackCallback::Rate(id, s)))
        .collect::<Vec<_>>();
    InlineKeyboardMarkup::new(vec![row])
}

/// Sends a coordinator's answer to the rider (nothing when they erased their data since).
async fn send_answer(env: &Env, row: &Row) -> Result<Delivered, SendError> {
    let Some(rider) = registered_recipient(env, row).await? else {
        return Ok(Delivered::Nothing);
    };
    let (Some(id), Some(reply)) = (
        id_of(row),
        row.payload.get("reply").and_then(serde_json::Value::as_i64),
    ) else {
        return Ok(Delivered::Nothing);
    };
    let mut conn = env.pool.acquire().await?;
    let (Some(item), Some((_, words))) = (
        store::find(&mut conn, id).await?,
        store::reply(&mut conn, reply).await?,
    ) else {
        return Ok(Delivered::Nothing);
    };
    drop(conn);
    if item.rider != rider.id {
        return Ok(Delivered::Nothing);
    }
    let lang = rider.lang;
    let mut text = tr!(
        lang,
        "feedback-answer",
        id = id.to_string(),
        topic = t(lang, item.topic.label_key())
    );
    text.push_str("\n\n");
    text.push_str(&html::escape(&words));
    let kb = if item.rating.is_none() {
        text.push_str("\n\n");
        text.push_str(&tr!(lang, "feedback-rate-ask"));
        Some(rating_keyboard(id))
    } else {
        None
    };
    send_html(env, row.chat, text, kb).await
}
