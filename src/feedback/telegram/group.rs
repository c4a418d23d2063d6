//! The coordinators' group: a reply to an item's message is a coordinator's answer (recorded,
//! audited and sent on to the rider by `domain::reply`), acknowledged with a short reply that
//! says truthfully where it went; the item's Close button. Anyone in the group may write: who
//! may answer or close is checked in the domain, and a refused member is told politely.

use teloxide::payloads::{
    AnswerCallbackQuerySetters, EditMessageCaptionSetters, EditMessageTextSetters,
    SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, InlineKeyboardMarkup, ParseMode, ReplyParameters};

use super::{FeedbackCallback, GROUP_LANG};
use crate::bot::core::callback::CallbackData;
use crate::bot::core::ctx::edit_buttons;
use crate::bot::core::{BotError, Env, Explain, HandlerResult};
use crate::feedback::domain::{self, Delivery, FeedbackError, Replied};
use crate::feedback::{store, FeedbackId, Item};
use crate::i18n::Lang;
use crate::ops::api::call;
use crate::tr;
use crate::users::UserId;

/// A group message replying to another: claimed (`true`) when it replies to an item.
pub async fn on_reply(env: Env, msg: Message) -> Result<bool, BotError> {
    let Some(original) = msg.reply_to_message() else {
        return Ok(false);
    };
    // Only the bot's own messages can be items: people answering each other are not read.
    if !original.from.as_ref().is_some_and(|u| u.is_bot) {
        return Ok(false);
    }
    let Some(from) = &msg.from else {
        return Ok(false);
    };
    let actor = UserId(from.id.0 as i64);
    let key = format!("fbr:{}:{}", msg.chat.id.0, msg.id.0);
    let at = (msg.chat.id.0, original.id.0);
    let now = env.settings.clock.now();
    // Only text reaches the rider: a photo, a sticker or a file (with a caption or not) is
    // answered "reply with text".
    let text = msg.text();
    let answer = match domain::reply(&env.pool, actor, at, text, &key, now).await {
        Ok(None) => return Ok(false),
        Ok(Some(Replied {
            delivery: Delivery::Repeated,
            ..
        })) => return Ok(true),
        Ok(Some(Replied { item, delivery })) => acknowledgement(&item, delivery),
        Err(FeedbackError::Db(e)) => return Err(e.into()),
        Err(err) => {
            tracing::info!(user_id = actor.0, chat_id = at.0, %err, "feedback reply refused");
            err.words(GROUP_LANG)
                .unwrap_or_else(|| tr!(GROUP_LANG, "error-try-again"))
        }
    };
    call(
        env.bot
            .send_message(msg.chat.id, answer)
            .parse_mode(ParseMode::Html)
            .reply_parameters(ReplyParameters::new(msg.id).allow_sending_without_reply()),
    )
    .await?;
    Ok(true)
}

/// What the group is told about an answer, truthfully: on its way, or recorded and why it
/// cannot be sent.
fn acknowledgement(item: &Item, delivery: Delivery) -> String {
    let id = item.id.to_string();
    match delivery {
        Delivery::Queued | Delivery::Repeated => tr!(GROUP_LANG, "feedback-ack-sent", id = id),
        Delivery::Erased => tr!(GROUP_LANG, "feedback-ack-erased", id = id),
        Delivery::Blocked => tr!(GROUP_LANG, "feedback-ack-blocked", id = id),
    }
}

/// A feedback button pressed in a group: only Close belongs there.
pub async fn on_press(env: Env, q: CallbackQuery) -> HandlerResult {
    let lang = Lang::from_telegram(q.from.language_code.as_deref());
    let Some(FeedbackCallback::Close(id)) = q.data.as_deref().and_then(FeedbackCallback::parse)
    else {
        call(
            env.bot
                .answer_callback_query(q.id)
                .text(tr!(lang, "button-expired"))
                .show_alert(true),
        )
        .await?;
        return Ok(());
    };
    let actor = UserId(q.from.id.0 as i64);
    match domain::close(&env.pool, actor, id, env.settings.clock.now()).await {
        Ok(item) => {
            call(env.bot.answer_callback_query(q.id.clone()).text(tr!(
                lang,
                "feedback-closed",
                id = item.id.to_string()
            )))
            .await?;
            clear_buttons(&env, &item).await;
        }
        Err(FeedbackError::Db(e)) => return Err(e.into()),
        Err(err) => {
            let words = err.words(lang).unwrap_or_default();
            call(
                env.bot
                    .answer_callback_query(q.id)
                    .text(words)
                    .show_alert(true),
            )
            .await?;
        }
    }
    Ok(())
}

/// Removes the Close button from a closed item's message in the group (best effort).
pub async fn clear_buttons(env: &Env, item: &Item) {
    if let Some((chat, msg)) = item.group {
        let gone = edit_buttons(
            &env.bot,
            ChatId(chat),
            teloxide::types::MessageId(msg),
            InlineKeyboardMarkup::default(),
        )
        .await;
        if let Err(e) = gone {
            tracing::warn!(feedback = item.id.0, %e, "closed item's button not removed");
        }
    }
}

/// Clears the group's copy of an erased rider's item (after the erasure committed): a text is
/// edited to the number, topic and a line saying the rider erased their data; a photo or a
/// voice note is deleted, or its caption edited so when Telegram will not delete it. Best
/// effort: a failure is logged.
pub async fn redact(env: Env, id: FeedbackId, (chat, msg): (i64, i32), kind: String) {
    let item = match env.pool.acquire().await {
        Ok(mut conn) => store::find(&mut conn, id).await.ok().flatten(),
        Err(_) => None,
    };
    let Some(item) = item else {
        return;
    };
    let text = tr!(
        GROUP_LANG,
        "feedback-group-erased",
        id = id.to_string(),
        topic = crate::i18n::t(GROUP_LANG, item.topic.label_key())
    );
    let kb = super::delivery::item_keyboard(GROUP_LANG, &item);
    let (chat, msg) = (ChatId(chat), teloxide::types::MessageId(msg));
    let done = match kind.as_str() {
        "text" => call(
            env.bot
                .edit_message_text(chat, msg, text)
                .parse_mode(ParseMode::Html)
                .reply_markup(kb),
        )
        .await
        .map(drop),
        _ => match call(env.bot.delete_message(chat, msg)).await {
            Ok(_) => Ok(()),
            Err(_) => call(
                env.bot
                    .edit_message_caption(chat, msg)
                    .caption(text)
                    .parse_mode(ParseMode::Html)
                    .reply_markup(kb),
            )
            .await
            .map(drop),
        },
    };
    if let Err(e) = done {
        tracing::warn!(feedback = id.0, %e, "an erased rider's item not cleared in the group");
    }
}
