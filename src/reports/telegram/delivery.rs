//! Telling others about a report: posting its card (with its photos) to the coordinators'
//! group and raising follow-ups (the outbox rows `reports::notices` writes), keeping the card
//! current after every action, and telling the reporter of every change in their language.

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
use super::words::{category_label, reason_text, status_label};
use super::ReportSettings;
use crate::bot::core::outbox::{
    registered_recipient, send_html, text_of, Delivered, NoticeKind, SendError,
};
use crate::bot::core::Env;
use crate::i18n::Lang;
use crate::ops::api::call;
use crate::outbox::Row;
use crate::reports::domain::Acted;
use crate::reports::{notices, store, Photo, PhotoSource, ReportId, Status};
use crate::tr;
use teloxide::RequestError;

fn input_file(settings: &ReportSettings, p: &Photo) -> InputFile {
    match p.source {
        // Telegram already holds this photo: re-send it by id.
        PhotoSource::Photo => InputFile::file_id(FileId(p.file_id.clone())),
        // The rider's original file may carry metadata: send the cleaned copy.
        PhotoSource::Document => InputFile::file(settings.media_dir.join(&p.path)),
    }
}

/// Whether Telegram takes `p` as a photo: its own photos always; an image a rider sent as a
/// file only within sendPhoto's rules (10 MB; width and height at most 10,000 together, a ratio
/// of at most 20). One that does not goes as a document.
fn fits_as_photo(settings: &ReportSettings, p: &Photo) -> bool {
    match p.source {
        PhotoSource::Photo => true,
        PhotoSource::Document => std::fs::read(settings.media_dir.join(&p.path))
            .map(|bytes| crate::emulator::limits::check_photo(&bytes).is_ok())
            .unwrap_or(false),
    }
}

/// The kinds of message reports put in the outbox.
pub fn kinds() -> Vec<NoticeKind> {
    vec![
        NoticeKind {
            kind: notices::CARD,

            messages: 2,
            send: |env, row| Box::pin(send_card(env, row)),
        },
        NoticeKind {
            kind: notices::FOLLOW_UP,

            messages: 1,
            send: |env, row| Box::pin(send_follow_up(env, row)),
        },
        NoticeKind {
            kind: notices::STATUS,

            messages: 1,
            send: |env, row| Box::pin(notify_reporter(env, row)),
        },
    ]
}

fn report_of(row: &Row) -> Option<ReportId> {
    row.payload
        .get("report")
        .and_then(serde_json::Value::as_i64)
        .map(ReportId)
}

/// Posts a report's card to the group the row names and records where, then its photos as
/// replies to it. The card is one message (a photo with the card as its caption, or the card's
/// text), so a retry after an error never posts part of it twice; the photos after it are
/// best effort (logged), never a reason to post the card again.
async fn send_card(env: &Env, row: &Row) -> Result<Delivered, SendError> {
    let Some(id) = report_of(row) else {
        return Ok(Delivered::Nothing);
    };
    let mut conn = env.pool.acquire().await?;
    let Some(report) = store::find(&mut conn, id).await? else {
        return Ok(Delivered::Nothing);
    };
    if report.triage.is_some() {
        return Ok(Delivered::Nothing);
    }
    let photos = store::photos(&mut conn, id).await?;
    drop(conn);
    let chat = ChatId(row.chat);
    let (message, caption) = post_card(env, chat, &report, &photos).await?;
    // Telegram has the card: from here on nothing sends it again (the row is `sent`).
    if let Err(e) = record_card(env, chat, message, caption, &report).await {
        tracing::error!(report = id.0, %e, "card posted but not recorded; /reports lists it");
    }
    if !caption {
        post_photos(env, chat, &report, &photos, message).await;
    }
    tracing::info!(report = id.0, "report posted to coordinators");
    Ok(Delivered::Sent(Some(message)))
}

/// Records where the card is, and brings it up to date if a coordinator acted meanwhile.
/// Recorded and read back in one write transaction, which an action (also one) either
/// precedes or follows: an action before it could not edit a card not yet recorded, so the
/// card is brought up to date here; an action after it edits the card itself.
async fn record_card(
    env: &Env,
    chat: ChatId,
    message: MessageId,
    caption: bool,
    report: &crate::reports::Report,
) -> Result<(), SendError> {
    let mut tx = crate::db::begin_write(&env.pool).await?;
    store::set_triage(&mut tx, report.id, chat.0, message.0, caption).await?;
    let current = store::find(&mut tx, report.id).await?;
    tx.commit().await?;
    if let Some(now) =
        current.filter(|r| (r.status, r.status_at) != (report.status, report.status_at))
    {
        if let Ok(text) = card_text(env, GROUP_LANG, &now).await {
            let kb = card_keyboard(GROUP_LANG, &now);
            edit_card(&env.bot, chat, message, caption, text, kb).await;
        }
    }
    Ok(())
}

/// The card itself, as one message: the one photo (as a file if Telegram would not take it as
/// a photo) with the card as its caption when it fits, else the card's text. Returns it and
/// whether it is a caption.
async fn post_card(
    env: &Env,
    chat: ChatId,
    report: &crate::reports::Report,
    photos: &[Photo],
) -> Result<(MessageId, bool), SendError> {
    let settings = env.dep::<ReportSettings>()?;
    let text = card_text(env, GROUP_LANG, report).await?;
    let kb = card_keyboard(GROUP_LANG, report);
    if let ([one], true) = (photos, visible_len(&text) <= 1024) {
        let as_photo = if fits_as_photo(settings, one) {
            call(
                env.bot
                    .send_photo(chat, input_file(settings, one))
                    .caption(text.clone())
                    .parse_mode(ParseMode::Html)
                    .reply_markup(kb.clone()),
            )
            .await
        } else {
            Err(RequestError::Api(teloxide::ApiError::Unknown(
                "PHOTO_UNFIT".into(),
            )))
        };
        match as_photo {
            Ok(m) => return Ok((m.id, true)),
            // Refused as a photo (nothing was sent): the same card as a file.
            Err(RequestError::Api(e)) if e.to_string().contains("PHOTO_") => {
                let file = InputFile::file(settings.media_dir.join(&one.path));
                let m = call(
                    env.bot
                        .send_document(chat, file)
                        .caption(text)
                        .parse_mode(ParseMode::Html)
                        .reply_markup(kb),
                )
                .await?;
                return Ok((m.id, true));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let m = call(
        env.bot
            .send_message(chat, text)
            .parse_mode(ParseMode::Html)
            .reply_markup(kb),
    )
    .await?;
    Ok((m.id, false))
}

/// The photos of a card that is text, as replies to it: an album of those Telegram takes as
/// photos, files for the rest. Failures are logged; the card stands without them.
async fn post_photos(
    env: &Env,
    chat: ChatId,
    report: &crate::reports::Report,
    photos: &[Photo],
    card: MessageId,
) {
    let Ok(settings) = env.dep::<ReportSettings>() else {
        return;
    };
    let bot = &env.bot;
    let reply = ReplyParameters::new(card).allow_sending_without_reply();
    let (fit, mut files): (Vec<&Photo>, Vec<&Photo>) =
        photos.iter().partition(|p| fits_as_photo(settings, p));
    let sent = match fit.as_slice() {
        [] => Ok(()),
        [one] => call(
            bot.send_photo(chat, input_file(settings, one))
                .caption(report.id.to_string())
                .reply_parameters(reply.clone()),
        )
        .await
        .map(drop),
        many => {
            let media: Vec<InputMedia> = many
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
            call(
                bot.send_media_group(chat, media)
                    .reply_parameters(reply.clone()),
            )
            .await
            .map(drop)
        }
    };
    match sent {
        Ok(()) => {}
        // Refused as photos after all: they go as files.
        Err(RequestError::Api(e)) if e.to_string().contains("PHOTO_") => files.extend(fit),
        Err(e) => tracing::warn!(report = report.id.0, %e, "a card's photos were not posted"),
    }
    for f in files {
        let file = InputFile::file(settings.media_dir.join(&f.path));
        let posted = call(
            bot.send_document(chat, file)
                .caption(report.id.to_string())
                .reply_parameters(reply.clone()),
        )
        .await;
        if let Err(e) = posted {
            tracing::warn!(report = report.id.0, %e, "a card's file was not posted");
        }
    }
}

/// Raises a report again in the group: a reply to its card, with its buttons.
async fn send_follow_up(env: &Env, row: &Row) -> Result<Delivered, SendError> {
    let Some(id) = report_of(row) else {
        return Ok(Delivered::Nothing);
    };
    let mut conn = env.pool.acquire().await?;
    let Some(r) = store::find(&mut conn, id).await? else {
        return Ok(Delivered::Nothing);
    };
    drop(conn);
    let lang = GROUP_LANG;
    let days = row
        .payload
        .get("days")
        .and_then(serde_json::Value::as_i64)
        .unwrap_or(0);
    let mut text = tr!(
        lang,
        "triage-follow-up",
        id = r.id.to_string(),
        status = status_label(lang, r.status),
        days = days
    );
    text.push_str("\n\n");
    text.push_str(&card_text(env, lang, &r).await?);
    let chat = ChatId(row.chat);
    let mut req = env
        .bot
        .send_message(chat, text)
        .parse_mode(ParseMode::Html)
        .reply_markup(card_keyboard(lang, &r));
    // A reply to the card, when the card is in this group.
    if let Some((_, m, _)) = r.triage.filter(|(c, _, _)| *c == chat.0) {
        req =
            req.reply_parameters(ReplyParameters::new(MessageId(m)).allow_sending_without_reply());
    }
    let sent = call(req).await?;
    tracing::info!(report = r.id.0, "follow-up raised");
    Ok(Delivered::Sent(Some(sent.id)))
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
        call(
            bot.edit_message_caption(chat, message)
                .caption(text)
                .parse_mode(ParseMode::Html)
                .reply_markup(kb),
        )
        .await
        .map(|_| ())
    } else {
        call(
            bot.edit_message_text(chat, message, text)
                .parse_mode(ParseMode::Html)
                .reply_markup(kb),
        )
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
    // The reporter is told through the outbox (written with the change).
}

/// Tells the reporter (in their language when it is sent) that their report moved to the
/// status the row names; nothing when they erased their data or the report is gone.
async fn notify_reporter(env: &Env, row: &Row) -> Result<Delivered, SendError> {
    let Some(reporter) = registered_recipient(env, row).await? else {
        return Ok(Delivered::Nothing);
    };
    let (Some(id), Some(status)) = (
        report_of(row),
        text_of(row, "status").and_then(Status::parse),
    ) else {
        return Ok(Delivered::Nothing);
    };
    let mut conn = env.pool.acquire().await?;
    let Some(r) = store::find(&mut conn, id).await? else {
        return Ok(Delivered::Nothing);
    };
    let lang = reporter.lang;
    let category = store::category(&mut conn, &r.category).await?;
    let department = match &r.department {
        Some(d) => store::department(&mut conn, d).await?,
        None => None,
    };
    drop(conn);
    let id = r.id.to_string();
    let cat = category_label(category.as_ref(), &r.category, lang);
    let mut text = match status {
        Status::Accepted => tr!(lang, "report-notify-accepted", id = id, category = cat),
        Status::Routed => tr!(
            lang,
            "report-notify-routed",
            id = id,
            category = cat,
            dept = html::escape(department.as_ref().map_or("", |d| d.name(lang)))
        ),
        Status::Resolved => tr!(lang, "report-notify-resolved", id = id, category = cat),
        Status::Rejected => tr!(
            lang,
            "report-notify-rejected",
            id = id,
            category = cat,
            reason = reason_text(lang, r.reject_reason.as_deref().unwrap_or(""))
        ),
        Status::Duplicate => tr!(
            lang,
            "report-notify-duplicate",
            id = id,
            category = cat,
            of = r.duplicate_of.map(|d| d.to_string()).unwrap_or_default()
        ),
        Status::Submitted | Status::Withdrawn => return Ok(Delivered::Nothing),
    };
    if let Some(points) = row
        .payload
        .get("points")
        .and_then(serde_json::Value::as_i64)
    {
        text.push('\n');
        text.push_str(&tr!(lang, "report-notify-points", points = points));
    }
    send_html(env, row.chat, text, None).await
}
