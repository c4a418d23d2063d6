//! Filing a report: category buttons → one to three photos (Done after the first) → the place
//! (share button, or the last report's place within 30 minutes) → an optional note (Skip) → a
//! summary with Confirm / Edit / Cancel → a report number. Each step answers every kind of
//! input: what it waits for moves on, anything else gets a short reason and the same question
//! again. Photos are stored on disk as they arrive.

use teloxide::payloads::EditMessageTextSetters;
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    ParseMode,
};
use teloxide::utils::html;

use super::callback::ReportCallback;
use super::photos::{self, FetchError, NotAPhoto};
use super::retention;
use super::words::{category_label, place_text};
use super::{EditField, ReportSettings, Step};
use crate::bot::core::callback::button;
use crate::bot::core::dialogue;
use crate::bot::core::keyboards::{self, cancel_button};
use crate::bot::core::{BotError, Ctx, HandlerResult, Next, Outcome};
use crate::geo::Position;
use crate::i18n::{t, Lang};
use crate::ops::api::call;
use crate::reports::domain::{self, ReportsError, SAME_PLACE_MINUTES};
use crate::reports::media::MediaError;
use crate::reports::{store, Draft, Note, NoteError, Photo, Photos};
use crate::stations::index::Directory;
use crate::tr;
use crate::users::Refusal;

fn photos_keyboard(lang: Lang, any: bool) -> KeyboardMarkup {
    let mut rows = Vec::new();
    if any {
        rows.push(vec![KeyboardButton::new(tr!(lang, "report-btn-done"))]);
    }
    rows.push(vec![cancel_button(lang)]);
    KeyboardMarkup::new(rows).resize_keyboard()
}

fn place_keyboard(lang: Lang, same_place: bool) -> KeyboardMarkup {
    let mut rows = vec![vec![KeyboardButton::new(tr!(
        lang,
        "report-btn-share-place"
    ))
    .request(ButtonRequest::Location)]];
    if same_place {
        rows.push(vec![KeyboardButton::new(tr!(
            lang,
            "report-btn-same-place"
        ))]);
    }
    rows.push(vec![cancel_button(lang)]);
    KeyboardMarkup::new(rows).resize_keyboard()
}

fn note_keyboard(lang: Lang) -> KeyboardMarkup {
    KeyboardMarkup::new(vec![
        vec![KeyboardButton::new(tr!(lang, "report-btn-skip"))],
        vec![cancel_button(lang)],
    ])
    .resize_keyboard()
}

fn confirm_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        button(tr!(lang, "report-btn-confirm"), &ReportCallback::Confirm),
        button(tr!(lang, "report-btn-edit"), &ReportCallback::Edit),
        button(tr!(lang, "report-btn-cancel"), &ReportCallback::Cancel),
    ]])
}

fn edit_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    let part = |key: &str, p: char| button(t(lang, key), &ReportCallback::EditPart(p));
    InlineKeyboardMarkup::new(vec![
        vec![
            part("report-edit-category", 'c'),
            part("report-edit-photos", 'p'),
        ],
        vec![
            part("report-edit-place", 'l'),
            part("report-edit-note", 'n'),
        ],
        vec![part("report-edit-back", 'b')],
    ])
}

/// Starts filing: from the menu button, `/report`, or a photo sent from the main menu
/// (`photo_msg`). Refused (the daily limit, no categories set up), the dialogue is over.
pub async fn begin(ctx: &Ctx, photo_msg: Option<&Message>) -> Outcome<Step> {
    let lang = ctx.lang();
    let rules = &ctx.dep::<ReportSettings>()?.rules;
    let refusal = if domain::left_today(&ctx.pool, ctx.user.id, rules, ctx.now()).await? == 0 {
        Some(tr!(lang, "report-daily-limit", limit = rules.per_day))
    } else {
        let mut conn = ctx.pool.acquire().await?;
        let none = store::categories(&mut conn, true).await?.is_empty();
        none.then(|| tr!(lang, "report-not-set-up"))
    };
    if let Some(refusal) = refusal {
        // Whatever was in progress (a `/report` mid-dialogue) is over before the rider reads so.
        let mut conn = ctx.pool.acquire().await?;
        dialogue::end(&mut conn, ctx.chat()).await?;
        drop(conn);
        ctx.send_menu(refusal).await?;
        return Ok(Next::Ended);
    }
    let photo = match photo_msg {
        Some(msg) => match take_photo(ctx, msg, &[]).await? {
            PhotoInput::Stored(p) => Some(p),
            PhotoInput::Refused | PhotoInput::NotPhoto => None,
        },
        None => None,
    };
    ctx.send_with(tr!(lang, "report-started"), keyboards::cancel_only(lang))
        .await?;
    Ok(Next::Go(Step::Category { photo }))
}

async fn ask_category(ctx: &Ctx, attached: bool) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let categories = store::categories(&mut conn, true).await?;
    drop(conn);
    let rows: Vec<Vec<InlineKeyboardButton>> = categories
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|c| {
                    button(
                        c.name(lang).to_owned(),
                        &ReportCallback::Category(c.code.clone()),
                    )
                })
                .collect()
        })
        .collect();
    let text = if attached {
        tr!(lang, "report-ask-category-with-photo")
    } else {
        tr!(lang, "report-ask-category")
    };
    ctx.send_with(text, InlineKeyboardMarkup::new(rows)).await?;
    Ok(())
}

/// Asks for photos, `have` so far; Done is offered once there is one, or at once when
/// `keeping` (editing a draft: Done without new photos keeps the old ones).
async fn ask_photos(ctx: &Ctx, have: usize, keeping: bool) -> HandlerResult {
    let lang = ctx.lang();
    let text = if have == 0 {
        tr!(lang, "report-ask-photos")
    } else {
        tr!(lang, "report-photo-added", n = have, max = Photos::MAX)
    };
    ctx.send_with(text, photos_keyboard(lang, have > 0 || keeping))
        .await?;
    Ok(())
}

async fn last_place(ctx: &Ctx) -> Result<Option<Position>, sqlx::Error> {
    let since = ctx.now() - chrono::Duration::minutes(SAME_PLACE_MINUTES);
    let mut conn = ctx.pool.acquire().await?;
    store::last_place_since(&mut conn, ctx.user.id, since).await
}

async fn ask_place(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    let same = last_place(ctx).await?.is_some();
    ctx.send_with(tr!(lang, "report-ask-place"), place_keyboard(lang, same))
        .await?;
    Ok(())
}

async fn ask_note(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    ctx.send_with(
        tr!(lang, "report-ask-note", max = Note::MAX_CHARS),
        note_keyboard(lang),
    )
    .await?;
    Ok(())
}

async fn show_summary(ctx: &Ctx, draft: &Draft) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let category = store::category(&mut conn, &draft.category).await?;
    drop(conn);
    let place = place_text(&ctx.pool, ctx.dep::<Directory>()?, lang, draft.at).await;
    let text = tr!(
        lang,
        "report-summary",
        category = category_label(category.as_ref(), &draft.category, lang),
        photos = draft.photos.len(),
        place = place,
        map = draft.at.map_url(),
        note = draft
            .note
            .as_ref()
            .map_or_else(|| tr!(lang, "report-no-note"), |n| html::escape(n.as_str()))
    );
    ctx.send_with(tr!(lang, "report-check"), keyboards::remove())
        .await?;
    ctx.send_with(text, confirm_keyboard(lang)).await?;
    Ok(())
}

/// Asks for whatever a filing step waits for.
pub async fn prompt(ctx: &Ctx, step: &Step) -> HandlerResult {
    match step {
        Step::Category { photo } => ask_category(ctx, photo.is_some()).await,
        Step::Photos { photos, .. } => ask_photos(ctx, photos.len(), false).await,
        Step::Place { .. } => ask_place(ctx).await,
        Step::Note { .. } => ask_note(ctx).await,
        Step::Confirm { draft } => show_summary(ctx, draft).await,
        Step::Edit { field, .. } => match field {
            EditField::Category => ask_category(ctx, false).await,
            EditField::Photos { new } => ask_photos(ctx, new.len(), true).await,
            EditField::Place => ask_place(ctx).await,
            EditField::Note => ask_note(ctx).await,
        },
    }
}

enum PhotoInput {
    Stored(Photo),
    /// A photo that could not be used; the rider was told why.
    Refused,
    NotPhoto,
}

/// Takes the photo (or image file) in `msg`, storing it; explains a refusal to the rider. The
/// rider's stored draft photos other than `keep` (the draft in progress) are released, so one
/// rider never holds more than one draft's photos.
async fn take_photo(ctx: &Ctx, msg: &Message, keep: &[Photo]) -> Result<PhotoInput, BotError> {
    let lang = ctx.lang();
    let incoming = match photos::incoming(msg) {
        Ok(i) => i,
        Err(NotAPhoto::NotAnImage) => {
            ctx.send(tr!(lang, "report-photo-not-image")).await?;
            return Ok(PhotoInput::Refused);
        }
        Err(NotAPhoto::Other) => return Ok(PhotoInput::NotPhoto),
    };
    let settings = ctx.dep::<ReportSettings>()?;
    let dir = &settings.media_dir;
    let fetched = match photos::fetch(&ctx.bot, dir, &settings.downloads, &incoming).await {
        Ok(d) => {
            // Kept and held together, so no release elsewhere removes it in between.
            let _lock = settings.media_lock.lock().await;
            match photos::keep(dir, d).await {
                Ok(photo) => {
                    let mut held: Vec<String> = keep.iter().map(|p| p.path.clone()).collect();
                    held.push(photo.path.clone());
                    retention::hold(&ctx.env(), ctx.user.id, &photo.path, &held).await?;
                    Ok(photo)
                }
                Err(e) => Err(e),
            }
        }
        Err(e) => Err(e),
    };
    match fetched {
        Ok(photo) => Ok(PhotoInput::Stored(photo)),
        Err(err) => {
            let key = match &err {
                FetchError::TooBig => "report-photo-too-big",
                FetchError::Media(MediaError::NotAnImage | MediaError::Damaged(_)) => {
                    "report-photo-not-image"
                }
                FetchError::Telegram(_)
                | FetchError::Download(_)
                | FetchError::Media(MediaError::Io(_)) => {
                    tracing::warn!(update_id = ctx.update_id, chat_id = ctx.chat().0, %err, "photo not stored");
                    "report-photo-failed"
                }
            };
            ctx.send(t(lang, key)).await?;
            Ok(PhotoInput::Refused)
        }
    }
}

enum PlaceInput {
    At(Position),
    Refused,
    NotPlace,
}

/// The place in `msg`: a shared location or venue, or the "same place" button.
async fn take_place(ctx: &Ctx, msg: &Message) -> Result<PlaceInput, BotError> {
    let lang = ctx.lang();
    let shared = msg
        .location()
        .or_else(|| msg.venue().map(|v| &v.location))
        .and_then(|l| Position::new(l.latitude, l.longitude).ok());
    let at = match shared {
        Some(at) => at,
        None if msg
            .text()
            .is_some_and(|t| keyboards::is_label(t, "report-btn-same-place")) =>
        {
            match last_place(ctx).await? {
                Some(at) => at,
                None => {
                    ctx.send(tr!(lang, "report-no-last-place")).await?;
                    return Ok(PlaceInput::Refused);
                }
            }
        }
        None => return Ok(PlaceInput::NotPlace),
    };
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    if !domain::in_district(&index, at) {
        ctx.send(tr!(lang, "report-outside-district")).await?;
        return Ok(PlaceInput::Refused);
    }
    Ok(PlaceInput::At(at))
}

enum NoteInput {
    Note(Option<Note>),
    Refused,
    NotNote,
}

async fn take_note(ctx: &Ctx, msg: &Message) -> Result<NoteInput, BotError> {
    let lang = ctx.lang();
    let Some(text) = msg.text() else {
        return Ok(NoteInput::NotNote);
    };
    if keyboards::is_label(text, "report-btn-skip") {
        return Ok(NoteInput::Note(None));
    }
    match Note::parse(text) {
        Ok(note) => Ok(NoteInput::Note(Some(note))),
        Err(NoteError::TooLong(n)) => {
            ctx.send(tr!(
                lang,
                "report-note-too-long",
                n = n,
                max = Note::MAX_CHARS
            ))
            .await?;
            Ok(NoteInput::Refused)
        }
        Err(NoteError::Empty) => Ok(NoteInput::NotNote),
    }
}

fn is_done(msg: &Message) -> bool {
    msg.text()
        .is_some_and(|t| keyboards::is_label(t, "report-btn-done"))
}

/// A message in one of the filing steps.
pub async fn on_message(ctx: &Ctx, step: Step, msg: &Message) -> Outcome<Step> {
    let lang = ctx.lang();
    match step {
        Step::Category { photo: None } => match take_photo(ctx, msg, &[]).await? {
            PhotoInput::Stored(p) => Ok(Next::Go(Step::Category { photo: Some(p) })),
            PhotoInput::Refused => Ok(Next::Stay),
            PhotoInput::NotPhoto => {
                ctx.send(tr!(lang, "report-use-category-buttons")).await?;
                Ok(Next::Ask)
            }
        },
        Step::Category { photo: Some(_) } => {
            ctx.send(tr!(lang, "report-use-category-buttons")).await?;
            Ok(Next::Ask)
        }
        Step::Photos { category, photos } => on_photo(ctx, msg, category, photos).await,
        Step::Place { category, photos } => match take_place(ctx, msg).await? {
            PlaceInput::At(at) => Ok(Next::Go(Step::Note {
                category,
                photos,
                at,
            })),
            PlaceInput::Refused => Ok(Next::Stay),
            PlaceInput::NotPlace => {
                let key = if photos::incoming(msg).is_ok() {
                    "report-photos-done-already"
                } else {
                    "report-not-a-place"
                };
                ctx.send(t(lang, key)).await?;
                Ok(Next::Ask)
            }
        },
        Step::Note {
            category,
            photos,
            at,
        } => match take_note(ctx, msg).await? {
            NoteInput::Note(note) => {
                let draft = Draft {
                    category,
                    photos,
                    at,
                    note,
                };
                Ok(Next::Go(Step::Confirm { draft }))
            }
            NoteInput::Refused => Ok(Next::Stay),
            NoteInput::NotNote => {
                ctx.send(tr!(lang, "report-not-a-note")).await?;
                Ok(Next::Ask)
            }
        },
        Step::Confirm { .. } => {
            ctx.send(tr!(lang, "report-use-summary-buttons")).await?;
            Ok(Next::Ask)
        }
        Step::Edit { draft, field } => on_edit_message(ctx, draft, field, msg).await,
    }
}

/// A message while photos are being collected.
async fn on_photo(
    ctx: &Ctx,
    msg: &Message,
    category: crate::reports::CategoryCode,
    mut photos: Vec<Photo>,
) -> Outcome<Step> {
    let lang = ctx.lang();
    // At most three, whatever a stored state holds (the third moves on by itself).
    photos.truncate(Photos::MAX);
    if is_done(msg) {
        return match Photos::new(photos.clone()) {
            Some(photos) => Ok(Next::Go(Step::Place { category, photos })),
            None => {
                ask_photos(ctx, 0, false).await?;
                Ok(Next::Stay)
            }
        };
    }
    match take_photo(ctx, msg, &photos).await? {
        PhotoInput::Stored(p) => {
            photos.push(p);
            match Photos::new(photos.clone()).filter(|p| p.len() == Photos::MAX) {
                Some(full) => {
                    ctx.send(tr!(lang, "report-photos-full", max = Photos::MAX))
                        .await?;
                    Ok(Next::Go(Step::Place {
                        category,
                        photos: full,
                    }))
                }
                None => Ok(Next::Go(Step::Photos { category, photos })),
            }
        }
        PhotoInput::Refused => Ok(Next::Stay),
        PhotoInput::NotPhoto => {
            ctx.send(tr!(lang, "report-not-a-photo")).await?;
            Ok(Next::Ask)
        }
    }
}

async fn on_edit_message(
    ctx: &Ctx,
    mut draft: Draft,
    field: EditField,
    msg: &Message,
) -> Outcome<Step> {
    let lang = ctx.lang();
    match field {
        EditField::Category => {
            ctx.send(tr!(lang, "report-use-category-buttons")).await?;
            Ok(Next::Ask)
        }
        EditField::Photos { mut new } => {
            if is_done(msg) {
                if let Some(photos) = Photos::new(new) {
                    draft.photos = photos;
                }
                return Ok(Next::Go(Step::Confirm { draft }));
            }
            let held: Vec<Photo> = draft
                .photos
                .as_slice()
                .iter()
                .chain(&new)
                .cloned()
                .collect();
            match take_photo(ctx, msg, &held).await? {
                PhotoInput::Stored(p) => {
                    new.push(p);
                    if new.len() >= Photos::MAX {
                        if let Some(photos) = Photos::new(new) {
                            draft.photos = photos;
                        }
                        return Ok(Next::Go(Step::Confirm { draft }));
                    }
                    Ok(Next::Go(Step::Edit {
                        draft,
                        field: EditField::Photos { new },
                    }))
                }
                PhotoInput::Refused => Ok(Next::Stay),
                PhotoInput::NotPhoto => {
                    ctx.send(tr!(lang, "report-not-a-photo")).await?;
                    Ok(Next::Ask)
                }
            }
        }
        EditField::Place => match take_place(ctx, msg).await? {
            PlaceInput::At(at) => {
                draft.at = at;
                Ok(Next::Go(Step::Confirm { draft }))
            }
            PlaceInput::Refused => Ok(Next::Stay),
            PlaceInput::NotPlace => {
                ctx.send(tr!(lang, "report-not-a-place")).await?;
                Ok(Next::Ask)
            }
        },
        EditField::Note => match take_note(ctx, msg).await? {
            NoteInput::Note(note) => {
                draft.note = note;
                Ok(Next::Go(Step::Confirm { draft }))
            }
            NoteInput::Refused => Ok(Next::Stay),
            NoteInput::NotNote => {
                ctx.send(tr!(lang, "report-not-a-note")).await?;
                Ok(Next::Ask)
            }
        },
    }
}

/// Replaces the buttons of the pressed message (nothing if it is gone).
async fn set_buttons(ctx: &Ctx, q: &CallbackQuery, kb: InlineKeyboardMarkup) -> HandlerResult {
    if let Some(m) = &q.message {
        ctx.set_buttons(m.id(), kb).await?;
    }
    Ok(())
}

/// Replaces the pressed message's text and removes its buttons.
async fn close_message(ctx: &Ctx, q: &CallbackQuery, html_text: String) -> HandlerResult {
    if let Some(m) = &q.message {
        ctx.edit(m.id(), html_text, InlineKeyboardMarkup::default())
            .await?;
    }
    Ok(())
}

/// A filing button (category, Confirm, Edit and its parts, Cancel), in step `step`.
pub async fn on_callback(
    ctx: &Ctx,
    step: Option<Step>,
    q: &CallbackQuery,
    data: ReportCallback,
) -> Outcome<Step> {
    let lang = ctx.lang();
    match (data, step) {
        (ReportCallback::Category(code), Some(Step::Category { photo })) => {
            if !category_ok(ctx, &code).await? {
                ctx.expired(q).await?;
                return Ok(Next::Ask);
            }
            ctx.answer(q, None).await?;
            set_buttons(ctx, q, InlineKeyboardMarkup::default()).await?;
            let photos: Vec<Photo> = photo.into_iter().collect();
            Ok(Next::Go(Step::Photos {
                category: code,
                photos,
            }))
        }
        (
            ReportCallback::Category(code),
            Some(Step::Edit {
                mut draft,
                field: EditField::Category,
            }),
        ) => {
            ctx.answer(q, None).await?;
            if category_ok(ctx, &code).await? {
                draft.category = code;
            }
            set_buttons(ctx, q, InlineKeyboardMarkup::default()).await?;
            Ok(Next::Go(Step::Confirm { draft }))
        }
        (ReportCallback::Confirm, Some(Step::Confirm { draft })) => confirm(ctx, q, draft).await,
        (
            ReportCallback::Confirm,
            None
            | Some(
                Step::Category { .. }
                | Step::Photos { .. }
                | Step::Place { .. }
                | Step::Note { .. }
                | Step::Edit { .. },
            ),
        ) => {
            // A second press, or a press from a second device after the first one filed it.
            let key = confirm_key(ctx, q);
            let mut conn = ctx.pool.acquire().await?;
            let filed = store::by_request(&mut conn, &key).await?;
            drop(conn);
            match filed {
                Some(id) => {
                    let text = tr!(lang, "report-already-filed", id = id.to_string());
                    ctx.answer(q, Some(text)).await?;
                    Ok(Next::Stay)
                }
                None => {
                    ctx.expired(q).await?;
                    Ok(Next::Ask)
                }
            }
        }
        (ReportCallback::Edit, Some(Step::Confirm { .. })) => {
            ctx.answer(q, None).await?;
            set_buttons(ctx, q, edit_keyboard(lang)).await?;
            Ok(Next::Stay)
        }
        (ReportCallback::EditPart('b'), Some(Step::Confirm { .. })) => {
            ctx.answer(q, None).await?;
            set_buttons(ctx, q, confirm_keyboard(lang)).await?;
            Ok(Next::Stay)
        }
        (ReportCallback::EditPart(part), Some(Step::Confirm { draft })) => {
            ctx.answer(q, None).await?;
            set_buttons(ctx, q, InlineKeyboardMarkup::default()).await?;
            let field = match part {
                'c' => EditField::Category,
                'p' => EditField::Photos { new: Vec::new() },
                'l' => EditField::Place,
                _ => EditField::Note,
            };
            if field == (EditField::Photos { new: Vec::new() }) {
                ctx.send(tr!(lang, "report-edit-photos-hint")).await?;
            }
            Ok(Next::Go(Step::Edit { draft, field }))
        }
        (ReportCallback::Cancel, Some(Step::Confirm { .. } | Step::Edit { .. })) => {
            ctx.answer(q, None).await?;
            close_message(ctx, q, tr!(lang, "report-cancelled-summary")).await?;
            Ok(Next::Cancelled)
        }
        // A real button, but from another step (or a triage or list button, which do not come
        // here): say so and ask the current question.
        (
            ReportCallback::Category(_)
            | ReportCallback::Edit
            | ReportCallback::EditPart(_)
            | ReportCallback::Cancel
            | ReportCallback::Mine(_)
            | ReportCallback::Withdraw(_)
            | ReportCallback::WithdrawYes(_)
            | ReportCallback::Triage(_),
            None
            | Some(
                Step::Category { .. }
                | Step::Photos { .. }
                | Step::Place { .. }
                | Step::Note { .. }
                | Step::Confirm { .. }
                | Step::Edit { .. },
            ),
        ) => {
            ctx.expired(q).await?;
            Ok(Next::Ask)
        }
    }
}

async fn category_ok(ctx: &Ctx, code: &crate::reports::CategoryCode) -> Result<bool, sqlx::Error> {
    let mut conn = ctx.pool.acquire().await?;
    Ok(store::category(&mut conn, code)
        .await?
        .is_some_and(|c| c.active))
}

/// One Confirm message, one report: the key is the summary message.
fn confirm_key(ctx: &Ctx, q: &CallbackQuery) -> String {
    let message_id = q.message.as_ref().map_or(0, |m| m.id().0);
    format!("confirm:{}:{message_id}", ctx.user.id.0)
}

async fn confirm(ctx: &Ctx, q: &CallbackQuery, draft: Draft) -> Outcome<Step> {
    let lang = ctx.lang();
    let key = confirm_key(ctx, q);
    let rules = ctx.dep::<ReportSettings>()?.rules;
    let mut tx = crate::db::begin_write(&ctx.pool).await?;
    let submitted =
        match domain::submit_in(&mut tx, &ctx.user, &draft, &key, &rules, ctx.now()).await {
            Ok(s) => s,
            Err(err) => {
                drop(tx);
                let over = matches!(
                    err,
                    ReportsError::DailyLimit(_)
                        | ReportsError::NoSuchCategory
                        | ReportsError::Refused(Refusal::NotRegistered)
                );
                ctx.refuse_alert(q, err).await?;
                if over {
                    close_message(ctx, q, tr!(lang, "report-cancelled-summary")).await?;
                    return Ok(Next::Menu);
                }
                return Ok(Next::Stay);
            }
        };
    // The report, the end of the dialogue and of its draft photos commit together.
    dialogue::end(&mut tx, ctx.chat()).await?;
    let unused = crate::reports::personal::release_drafts(&mut tx, ctx.user.id).await?;
    tx.commit().await?;
    retention::remove_unheld(&ctx.env(), unused).await;
    let id = submitted.id;
    tracing::info!(
        update_id = ctx.update_id,
        chat_id = ctx.chat().0,
        report = id.0,
        "report filed"
    );
    ctx.answer(
        q,
        Some(tr!(lang, "report-filed-toast", id = id.to_string())),
    )
    .await?;
    if let Some(m) = &q.message {
        let text = tr!(lang, "report-filed-summary", id = id.to_string());
        call(
            ctx.bot
                .edit_message_text(ctx.chat(), m.id(), text)
                .parse_mode(ParseMode::Html),
        )
        .await
        .ok();
    }
    let mut text = tr!(lang, "report-filed", id = id.to_string());
    if submitted.possible_dup_of.is_some() {
        text.push_str("\n\n");
        text.push_str(&tr!(lang, "report-filed-maybe-duplicate"));
    }
    ctx.send_menu(text).await?;
    Ok(Next::Ended)
}
