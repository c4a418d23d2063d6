//! Telling others about a report: posting its card (with its photos) to the coordinators'
//! group, keeping the card current after every action, and telling the reporter of every
//! change in their language.

use teloxide::payloads::{
    EditMessageCaptionSetters, EditMessageTextSetters, SendMessageSetters, SendPhotoSetters,
};
use teloxide::prelude::*;
use teloxide::types::{
    FileId, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto, MessageId, ParseMode,
    ReplyParameters,
};
use teloxide::utils::html;

use super::card::{card_keyboard, card_text, visible_len, GROUP_LANG};
use super::words::{category_label, reason_text};
use super::ReportSettings;
use crate::bot::core::{BotError, Env, HandlerResult};
use crate::i18n::Lang;
use crate::reports::domain::Acted;
use crate::reports::{store, Photo, PhotoSource, ReportId, Status};
use crate::tr;
use crate::users;

fn input_file(settings: &ReportSettings, p: &Photo) -> InputFile {
    match p.source {
        // Telegram already holds this photo: re-send it by id.
        PhotoSource::Photo => InputFile::file_id(FileId(p.file_id.clone())),
        // The rider's original file may carry metadata: send the cleaned copy.
        PhotoSource::Document => InputFile::file(settings.media_dir.join(&p.path)),
    }
}

/// Posts a new report's card to the coordinators' group. Failures are logged, never shown to
/// the rider: the report is saved, and the sweeper posts it when the group is reachable.
pub async fn post_new(env: &Env, id: ReportId) {
    match post(env, id).await {
        Ok(true) => tracing::info!(report = id.0, "report posted to coordinators"),
        Ok(false) => tracing::warn!(
            report = id.0,
            "COORDINATOR_CHAT_ID unset; report not posted"
        ),
        Err(err) => tracing::error!(report = id.0, %err, "report not posted to coordinators"),
    }
}

/// Posts report `id`'s card (with its photos) to the group; false if no group is configured.
pub async fn post(env: &Env, id: ReportId) -> HandlerResult<bool> {
    let settings = env.dep::<ReportSettings>()?;
    let Some(chat) = settings.coordinator_chat else {
        return Ok(false);
    };
    let bot = &env.bot;
    let mut conn = env.pool.acquire().await?;
    let report = store::find(&mut conn, id)
        .await?
        .ok_or_else(|| BotError::Internal(format!("report {} vanished", id.0)))?;
    let photos = store::photos(&mut conn, id).await?;
    drop(conn);
    let lang = GROUP_LANG;
    let text = card_text(env, lang, &report).await?;
    let kb = card_keyboard(lang, &report);
    let (message, caption) = match photos.as_slice() {
        [one] if visible_len(&text) <= 1024 => {
            let m = bot
                .send_photo(chat, input_file(settings, one))
                .caption(text)
                .parse_mode(ParseMode::Html)
                .reply_markup(kb)
                .await?;
            (m.id, true)
        }
        photos => {
            let media: Vec<InputMedia> = photos
                .iter()
                .enumerate()
                .map(|(i, p)| {
                    let mut m = InputMediaPhoto::new(input_file(settings, p));
                    if i == 0 {
                        m = m.caption(report.id.to_string());
                    }
                    InputMedia::Photo(m)
                })
                .collect();
            let first = if media.len() >= 2 {
                bot.send_media_group(chat, media)
                    .await?
                    .first()
                    .map(|m| m.id)
            } else if let Some(one) = photos.first() {
                Some(bot.send_photo(chat, input_file(settings, one)).await?.id)
            } else {
                None
            };
            let mut req = bot
                .send_message(chat, text)
                .parse_mode(ParseMode::Html)
                .reply_markup(kb);
            if let Some(first) = first {
                req = req.reply_parameters(ReplyParameters::new(first));
            }
            (req.await?.id, false)
        }
    };
    let mut conn = env.pool.acquire().await?;
    store::set_triage(&mut conn, id, chat.0, message.0, caption).await?;
    Ok(true)
}

async fn edit_card(
    bot: &Bot,
    chat: ChatId,
    message: MessageId,
    caption: bool,
    text: String,
    kb: InlineKeyboardMarkup,
) {
    let result = if caption {
        bot.edit_message_caption(chat, message)
            .caption(text)
            .parse_mode(ParseMode::Html)
            .reply_markup(kb)
            .await
            .map(|_| ())
    } else {
        bot.edit_message_text(chat, message, text)
            .parse_mode(ParseMode::Html)
            .reply_markup(kb)
            .await
            .map(|_| ())
    };
    match result {
        Ok(()) | Err(teloxide::RequestError::Api(teloxide::ApiError::MessageNotModified)) => {}
        Err(err) => {
            tracing::warn!(chat_id = chat.0, message_id = message.0, %err, "card not updated")
        }
    }
}

/// After an action: the group's card and the pressed card (if another one, in `lang`) show the
/// new status, and the reporter is told.
pub async fn after_action(env: &Env, acted: &Acted, pressed: Option<(ChatId, MessageId, Lang)>) {
    let r = &acted.report;
    if let Some((chat, message, caption)) = r.triage {
        if let Ok(text) = card_text(env, GROUP_LANG, r).await {
            let kb = card_keyboard(GROUP_LANG, r);
            edit_card(
                &env.bot,
                ChatId(chat),
                MessageId(message),
                caption,
                text,
                kb,
            )
            .await;
        }
    }
    if let Some((chat, message, lang)) = pressed {
        let is_card = r
            .triage
            .is_some_and(|(c, m, _)| (c, m) == (chat.0, message.0));
        if !is_card {
            if let Ok(text) = card_text(env, lang, r).await {
                let kb = card_keyboard(lang, r);
                edit_card(&env.bot, chat, message, false, text, kb).await;
            }
        }
    }
    if r.status != Status::Withdrawn {
        notify_reporter(env, acted).await;
    }
}

async fn notify_reporter(env: &Env, acted: &Acted) {
    let r = &acted.report;
    let Ok(mut conn) = env.pool.acquire().await else {
        return;
    };
    let Ok(Some(reporter)) = users::store::find(&mut conn, r.reporter).await else {
        return;
    };
    if !reporter.is_registered() {
        return;
    }
    let lang = reporter.lang;
    let category = store::category(&mut conn, &r.category).await.ok().flatten();
    let department = match &r.department {
        Some(d) => store::department(&mut conn, d).await.ok().flatten(),
        None => None,
    };
    drop(conn);
    let id = r.id.to_string();
    let cat = category_label(category.as_ref(), &r.category, lang);
    let mut text = match r.status {
        Status::Accepted => tr!(
            lang,
            "report-notify-accepted",
            id = id.clone(),
            category = cat.clone()
        ),
        Status::Routed => tr!(
            lang,
            "report-notify-routed",
            id = id.clone(),
            category = cat.clone(),
            dept = html::escape(department.as_ref().map_or("", |d| d.name(lang)))
        ),
        Status::Resolved => tr!(
            lang,
            "report-notify-resolved",
            id = id.clone(),
            category = cat.clone()
        ),
        Status::Rejected => tr!(
            lang,
            "report-notify-rejected",
            id = id.clone(),
            category = cat.clone(),
            reason = reason_text(lang, r.reject_reason.as_deref().unwrap_or(""))
        ),
        Status::Duplicate => tr!(
            lang,
            "report-notify-duplicate",
            id = id.clone(),
            category = cat.clone(),
            of = r.duplicate_of.map(|d| d.to_string()).unwrap_or_default()
        ),
        Status::Submitted | Status::Withdrawn => return,
    };
    if let Some(points) = acted.awarded {
        text.push('\n');
        text.push_str(&tr!(lang, "report-notify-points", points = points));
    }
    if let Err(err) = env
        .bot
        .send_message(ChatId(r.reporter.0), text)
        .parse_mode(ParseMode::Html)
        .await
    {
        tracing::info!(user_id = r.reporter.0, report = r.id.0, %err, "reporter not told");
    }
}
