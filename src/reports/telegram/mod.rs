//! Filing a report over Telegram, and the reporter's side of it.
//!
//! category buttons → one to three photos (Done after the first) → the place (share button,
//! or the last report's place within 30 minutes) → an optional note (Skip) → a summary with
//! Confirm / Edit / Cancel → a report number. Each step answers every kind of input: what it
//! waits for moves on, anything else gets a short reason and the same question again. The
//! draft lives in the dialogue state, so a restart between two steps loses nothing; photos are
//! stored on disk as they arrive.
//!
//! Also here: `/myreports` with withdrawal, and `/report R-…` for the reporter.

pub mod photos;
pub mod triage;

use std::path::PathBuf;

use teloxide::payloads::EditMessageTextSetters;
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    MessageId, ParseMode,
};
use teloxide::utils::html;

use self::photos::{FetchError, NotAPhoto};
use super::domain::{self, ReportsError, Rules, SAME_PLACE_MINUTES};
use super::media::MediaError;
use super::{
    store, Action, CategoryCode, Draft, Note, NoteError, Photo, Photos, Report, ReportId, Status,
};
use crate::bot::callback::Callback;
use crate::bot::dialogue::{self, EditField, State};
use crate::bot::{keyboards, BotError, Ctx, HandlerResult};
use crate::geo::Position;
use crate::i18n::{t, Lang};
use crate::tr;

/// Reports per page of `/myreports`.
const MINE_PAGE: i64 = 5;

/// What the reports capability needs from configuration.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    pub rules: Rules,
    pub media_dir: PathBuf,
    /// The coordinators' group, if configured.
    pub coordinator_chat: Option<ChatId>,
}

/// A report button's data (`rp:` prefix; untrusted, parsed strictly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportCallback {
    /// A category picked while filing (or editing).
    Category(CategoryCode),
    Confirm,
    /// Show what can be edited.
    Edit,
    /// Redo one part: `c`ategory, `p`hotos, p`l`ace, `n`ote; `b`ack to the summary.
    EditPart(char),
    Cancel,
    /// A page of `/myreports`.
    Mine(u32),
    /// Ask to withdraw; then do it.
    Withdraw(ReportId),
    WithdrawYes(ReportId),
    /// A coordinator's button (see [`triage`]).
    Triage(triage::TriageCallback),
}

impl ReportCallback {
    pub fn encode(&self) -> String {
        match self {
            ReportCallback::Category(c) => format!("rp:c:{c}"),
            ReportCallback::Confirm => "rp:ok".into(),
            ReportCallback::Edit => "rp:ed".into(),
            ReportCallback::EditPart(p) => format!("rp:e:{p}"),
            ReportCallback::Cancel => "rp:no".into(),
            ReportCallback::Mine(p) => format!("rp:m:{p}"),
            ReportCallback::Withdraw(id) => format!("rp:w:{}", id.0),
            ReportCallback::WithdrawYes(id) => format!("rp:W:{}", id.0),
            ReportCallback::Triage(t) => t.encode(),
        }
    }

    /// Parses the part after `rp:`.
    pub fn parse(data: &str) -> Option<ReportCallback> {
        let (head, arg) = match data.split_once(':') {
            Some((h, a)) => (h, Some(a)),
            None => (data, None),
        };
        let id = |a: Option<&str>| {
            a.and_then(|a| a.parse().ok())
                .filter(|n| *n > 0)
                .map(ReportId)
        };
        Some(match (head, arg) {
            ("c", Some(c)) => ReportCallback::Category(CategoryCode::parse(c)?),
            ("ok", None) => ReportCallback::Confirm,
            ("ed", None) => ReportCallback::Edit,
            ("e", Some(p @ ("c" | "p" | "l" | "n" | "b"))) => {
                ReportCallback::EditPart(p.chars().next()?)
            }
            ("no", None) => ReportCallback::Cancel,
            ("m", Some(p)) => ReportCallback::Mine(p.parse().ok().filter(|p| *p < 10_000)?),
            ("w", a) => ReportCallback::Withdraw(id(a)?),
            ("W", a) => ReportCallback::WithdrawYes(id(a)?),
            _ => ReportCallback::Triage(triage::TriageCallback::parse(head, arg)?),
        })
    }
}

pub fn parse_callback(data: &str) -> Option<Callback> {
    data.strip_prefix("rp:")
        .and_then(ReportCallback::parse)
        .map(Callback::Report)
}

fn cb(label: String, data: ReportCallback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, data.encode())
}

fn photos_keyboard(lang: Lang, any: bool) -> KeyboardMarkup {
    let mut rows = Vec::new();
    if any {
        rows.push(vec![KeyboardButton::new(tr!(lang, "report-btn-done"))]);
    }
    rows.push(vec![keyboards::cancel_button(lang)]);
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
    rows.push(vec![keyboards::cancel_button(lang)]);
    KeyboardMarkup::new(rows).resize_keyboard()
}

fn note_keyboard(lang: Lang) -> KeyboardMarkup {
    KeyboardMarkup::new(vec![
        vec![KeyboardButton::new(tr!(lang, "report-btn-skip"))],
        vec![keyboards::cancel_button(lang)],
    ])
    .resize_keyboard()
}

fn confirm_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        cb(tr!(lang, "report-btn-confirm"), ReportCallback::Confirm),
        cb(tr!(lang, "report-btn-edit"), ReportCallback::Edit),
        cb(tr!(lang, "report-btn-cancel"), ReportCallback::Cancel),
    ]])
}

fn edit_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    let part = |key: &str, p: char| cb(t(lang, key), ReportCallback::EditPart(p));
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

/// Starts filing: from the menu button, `/report`, or a photo sent from the main menu (`msg`).
pub async fn begin(ctx: &Ctx, photo_msg: Option<&Message>) -> HandlerResult {
    let lang = ctx.lang();
    let rules = &ctx.settings.reports.rules;
    let now = ctx.settings.clock.now();
    if domain::left_today(&ctx.pool, ctx.user.id, rules, now).await? == 0 {
        ctx.send_with(
            tr!(lang, "report-daily-limit", limit = rules.per_day),
            keyboards::main_menu(lang),
        )
        .await?;
        return Ok(());
    }
    let mut conn = ctx.pool.acquire().await?;
    if store::categories(&mut conn, true).await?.is_empty() {
        ctx.send_with(tr!(lang, "report-not-set-up"), keyboards::main_menu(lang))
            .await?;
        return Ok(());
    }
    drop(conn);
    let photo = match photo_msg {
        Some(msg) => match take_photo(ctx, msg).await? {
            PhotoInput::Stored(p) => Some(p),
            PhotoInput::Refused | PhotoInput::NotPhoto => None,
        },
        None => None,
    };
    ctx.send_with(tr!(lang, "report-started"), keyboards::cancel_only(lang))
        .await?;
    let state = State::ReportCategory { photo };
    ctx.set_state(state.clone()).await?;
    ask_category(ctx, &state).await
}

async fn ask_category(ctx: &Ctx, state: &State) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let categories = store::categories(&mut conn, true).await?;
    drop(conn);
    let rows: Vec<Vec<InlineKeyboardButton>> = categories
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|c| {
                    cb(
                        c.name(lang).to_owned(),
                        ReportCallback::Category(c.code.clone()),
                    )
                })
                .collect()
        })
        .collect();
    let attached = matches!(state, State::ReportCategory { photo: Some(_) });
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
    let since = ctx.settings.clock.now() - chrono::Duration::minutes(SAME_PLACE_MINUTES);
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

/// "near <station> (120 m)" when a station is within a kilometre, else the coordinates.
pub async fn place_text(
    ctx_pool: &sqlx::SqlitePool,
    directory: &crate::stations::index::Directory,
    lang: Lang,
    at: Position,
) -> String {
    let near = match directory.current(ctx_pool).await {
        Ok(index) => index
            .nearest(at)
            .next()
            .filter(|(_, d)| *d <= 1000.0)
            .map(|(s, d)| (s.name(lang).to_owned(), d)),
        Err(_) => None,
    };
    match near {
        Some((name, d)) => tr!(
            lang,
            "report-place-near",
            station = html::escape(&name),
            metres = d.round() as i64
        ),
        None => at.to_string(),
    }
}

async fn show_summary(ctx: &Ctx, draft: &Draft) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let category = store::category(&mut conn, &draft.category).await?;
    drop(conn);
    let place = place_text(&ctx.pool, &ctx.settings.stations, lang, draft.at).await;
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

/// Asks again for whatever a report state waits for.
pub async fn prompt(ctx: &Ctx, state: &State) -> HandlerResult {
    match state {
        State::ReportCategory { .. } => ask_category(ctx, state).await,
        State::ReportPhotos { photos, .. } => ask_photos(ctx, photos.len(), false).await,
        State::ReportPlace { .. } => ask_place(ctx).await,
        State::ReportNote { .. } => ask_note(ctx).await,
        State::ReportConfirm { draft } => show_summary(ctx, draft).await,
        State::ReportEdit { field, .. } => match field {
            EditField::Category => ask_category(ctx, state).await,
            EditField::Photos { new } => ask_photos(ctx, new.len(), true).await,
            EditField::Place => ask_place(ctx).await,
            EditField::Note => ask_note(ctx).await,
        },
        _ => Ok(()),
    }
}

enum PhotoInput {
    Stored(Photo),
    /// A photo that could not be used; the rider was told why.
    Refused,
    NotPhoto,
}

/// Takes the photo (or image file) in `msg`, storing it; explains a refusal to the rider.
async fn take_photo(ctx: &Ctx, msg: &Message) -> Result<PhotoInput, BotError> {
    let lang = ctx.lang();
    let incoming = match photos::incoming(msg) {
        Ok(i) => i,
        Err(NotAPhoto::NotAnImage) => {
            ctx.send(tr!(lang, "report-photo-not-image")).await?;
            return Ok(PhotoInput::Refused);
        }
        Err(NotAPhoto::Other) => return Ok(PhotoInput::NotPhoto),
    };
    let dir = &ctx.settings.reports.media_dir;
    match photos::fetch(&ctx.bot, dir, &incoming).await {
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
    let index = ctx.settings.stations.current(&ctx.pool).await?;
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

/// Moves to `state` and asks its question.
async fn go(ctx: &Ctx, state: State) -> HandlerResult {
    ctx.set_state(state.clone()).await?;
    prompt(ctx, &state).await
}

/// A message in one of the filing states.
pub async fn on_message(ctx: &Ctx, state: State, msg: &Message) -> HandlerResult {
    let lang = ctx.lang();
    match state {
        State::ReportCategory { photo: None } => match take_photo(ctx, msg).await? {
            PhotoInput::Stored(p) => go(ctx, State::ReportCategory { photo: Some(p) }).await,
            PhotoInput::Refused => Ok(()),
            PhotoInput::NotPhoto => {
                ctx.send(tr!(lang, "report-use-category-buttons")).await?;
                prompt(ctx, &State::ReportCategory { photo: None }).await
            }
        },
        State::ReportCategory { photo: Some(p) } => {
            ctx.send(tr!(lang, "report-use-category-buttons")).await?;
            prompt(ctx, &State::ReportCategory { photo: Some(p) }).await
        }
        State::ReportPhotos {
            category,
            mut photos,
        } => {
            // At most three, whatever a stored state holds (the third moves on by itself).
            photos.truncate(Photos::MAX);
            if is_done(msg) {
                return match Photos::new(photos.clone()) {
                    Some(photos) => go(ctx, State::ReportPlace { category, photos }).await,
                    None => ask_photos(ctx, 0, false).await,
                };
            }
            match take_photo(ctx, msg).await? {
                PhotoInput::Stored(p) => {
                    photos.push(p);
                    match Photos::new(photos.clone()).filter(|p| p.len() == Photos::MAX) {
                        Some(full) => {
                            ctx.send(tr!(lang, "report-photos-full", max = Photos::MAX))
                                .await?;
                            go(
                                ctx,
                                State::ReportPlace {
                                    category,
                                    photos: full,
                                },
                            )
                            .await
                        }
                        None => go(ctx, State::ReportPhotos { category, photos }).await,
                    }
                }
                PhotoInput::Refused => Ok(()),
                PhotoInput::NotPhoto => {
                    ctx.send(tr!(lang, "report-not-a-photo")).await?;
                    ask_photos(ctx, photos.len(), false).await
                }
            }
        }
        State::ReportPlace { category, photos } => match take_place(ctx, msg).await? {
            PlaceInput::At(at) => {
                go(
                    ctx,
                    State::ReportNote {
                        category,
                        photos,
                        at,
                    },
                )
                .await
            }
            PlaceInput::Refused => Ok(()),
            PlaceInput::NotPlace => {
                let key = if photos::incoming(msg).is_ok() {
                    "report-photos-done-already"
                } else {
                    "report-not-a-place"
                };
                ctx.send(t(lang, key)).await?;
                ask_place(ctx).await
            }
        },
        State::ReportNote {
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
                go(ctx, State::ReportConfirm { draft }).await
            }
            NoteInput::Refused => Ok(()),
            NoteInput::NotNote => {
                ctx.send(tr!(lang, "report-not-a-note")).await?;
                ask_note(ctx).await
            }
        },
        State::ReportConfirm { draft } => {
            ctx.send(tr!(lang, "report-use-summary-buttons")).await?;
            show_summary(ctx, &draft).await
        }
        State::ReportEdit { draft, field } => on_edit_message(ctx, draft, field, msg).await,
        other => crate::bot::menu::prompt(ctx, &other).await,
    }
}

async fn on_edit_message(
    ctx: &Ctx,
    mut draft: Draft,
    field: EditField,
    msg: &Message,
) -> HandlerResult {
    let lang = ctx.lang();
    match field {
        EditField::Category => {
            ctx.send(tr!(lang, "report-use-category-buttons")).await?;
            prompt(
                ctx,
                &State::ReportEdit {
                    draft,
                    field: EditField::Category,
                },
            )
            .await
        }
        EditField::Photos { mut new } => {
            if is_done(msg) {
                if let Some(photos) = Photos::new(new) {
                    draft.photos = photos;
                }
                return go(ctx, State::ReportConfirm { draft }).await;
            }
            match take_photo(ctx, msg).await? {
                PhotoInput::Stored(p) => {
                    new.push(p);
                    if new.len() >= Photos::MAX {
                        if let Some(photos) = Photos::new(new) {
                            draft.photos = photos;
                        }
                        return go(ctx, State::ReportConfirm { draft }).await;
                    }
                    go(
                        ctx,
                        State::ReportEdit {
                            draft,
                            field: EditField::Photos { new },
                        },
                    )
                    .await
                }
                PhotoInput::Refused => Ok(()),
                PhotoInput::NotPhoto => {
                    ctx.send(tr!(lang, "report-not-a-photo")).await?;
                    let state = State::ReportEdit {
                        draft,
                        field: EditField::Photos { new },
                    };
                    prompt(ctx, &state).await
                }
            }
        }
        EditField::Place => match take_place(ctx, msg).await? {
            PlaceInput::At(at) => {
                draft.at = at;
                go(ctx, State::ReportConfirm { draft }).await
            }
            PlaceInput::Refused => Ok(()),
            PlaceInput::NotPlace => {
                ctx.send(tr!(lang, "report-not-a-place")).await?;
                ask_place(ctx).await
            }
        },
        EditField::Note => match take_note(ctx, msg).await? {
            NoteInput::Note(note) => {
                draft.note = note;
                go(ctx, State::ReportConfirm { draft }).await
            }
            NoteInput::Refused => Ok(()),
            NoteInput::NotNote => {
                ctx.send(tr!(lang, "report-not-a-note")).await?;
                ask_note(ctx).await
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

/// A report button in a private chat.
pub async fn on_callback(
    ctx: &Ctx,
    state: State,
    q: &CallbackQuery,
    data: ReportCallback,
) -> HandlerResult {
    let lang = ctx.lang();
    match (data, state) {
        (ReportCallback::Triage(t), _) => triage::on_private_press(ctx, q, t).await,
        (ReportCallback::Mine(page), _) => {
            ctx.answer(q, None).await?;
            mine(ctx, page, q.message.as_ref().map(|m| m.id())).await
        }
        (ReportCallback::Withdraw(id), _) => {
            ctx.answer(q, None).await?;
            let kb = InlineKeyboardMarkup::new(vec![vec![
                cb(
                    tr!(lang, "report-btn-withdraw-yes", id = id.to_string()),
                    ReportCallback::WithdrawYes(id),
                ),
                cb(tr!(lang, "report-btn-back"), ReportCallback::Mine(0)),
            ]]);
            set_buttons(ctx, q, kb).await
        }
        (ReportCallback::WithdrawYes(id), _) => {
            let now = ctx.settings.clock.now();
            match domain::act(&ctx.pool, ctx.user.id, id, &Action::Withdraw, now).await {
                Ok(acted) => {
                    ctx.answer(q, Some(tr!(lang, "report-withdrawn", id = id.to_string())))
                        .await?;
                    triage::after_action(&ctx.bot, &ctx.pool, &ctx.settings, &acted, None).await;
                    mine(ctx, 0, q.message.as_ref().map(|m| m.id())).await
                }
                Err(err) => {
                    ctx.alert(q, error_text(lang, &err)).await?;
                    Ok(())
                }
            }
        }
        (ReportCallback::Category(code), State::ReportCategory { photo }) => {
            if !category_ok(ctx, &code).await? {
                ctx.answer(q, Some(tr!(lang, "button-expired"))).await?;
                return ask_category(ctx, &State::ReportCategory { photo }).await;
            }
            ctx.answer(q, None).await?;
            set_buttons(ctx, q, InlineKeyboardMarkup::default()).await?;
            let photos: Vec<Photo> = photo.into_iter().collect();
            go(
                ctx,
                State::ReportPhotos {
                    category: code,
                    photos,
                },
            )
            .await
        }
        (
            ReportCallback::Category(code),
            State::ReportEdit {
                mut draft,
                field: EditField::Category,
            },
        ) => {
            ctx.answer(q, None).await?;
            if category_ok(ctx, &code).await? {
                draft.category = code;
            }
            set_buttons(ctx, q, InlineKeyboardMarkup::default()).await?;
            go(ctx, State::ReportConfirm { draft }).await
        }
        (ReportCallback::Confirm, State::ReportConfirm { draft }) => confirm(ctx, q, draft).await,
        (ReportCallback::Confirm, state) => {
            // A second press, or a press from a second device after the first one filed it.
            let key = confirm_key(ctx, q);
            let mut conn = ctx.pool.acquire().await?;
            let filed = store::by_request(&mut conn, &key).await?;
            drop(conn);
            match filed {
                Some(id) => {
                    let text = tr!(lang, "report-already-filed", id = id.to_string());
                    Ok(ctx.answer(q, Some(text)).await?)
                }
                None => {
                    ctx.answer(q, Some(tr!(lang, "button-expired"))).await?;
                    crate::bot::menu::prompt(ctx, &state).await
                }
            }
        }
        (ReportCallback::Edit, State::ReportConfirm { .. }) => {
            ctx.answer(q, None).await?;
            set_buttons(ctx, q, edit_keyboard(lang)).await
        }
        (ReportCallback::EditPart('b'), State::ReportConfirm { .. }) => {
            ctx.answer(q, None).await?;
            set_buttons(ctx, q, confirm_keyboard(lang)).await
        }
        (ReportCallback::EditPart(part), State::ReportConfirm { draft }) => {
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
            go(ctx, State::ReportEdit { draft, field }).await
        }
        (
            ReportCallback::Cancel,
            state @ (State::ReportConfirm { .. } | State::ReportEdit { .. }),
        ) => {
            ctx.answer(q, None).await?;
            close_message(ctx, q, tr!(lang, "report-cancelled-summary")).await?;
            crate::bot::commands::cancel(ctx, state).await
        }
        (_, state) => {
            ctx.answer(q, Some(tr!(lang, "button-expired"))).await?;
            crate::bot::menu::prompt(ctx, &state).await
        }
    }
}

async fn category_ok(ctx: &Ctx, code: &CategoryCode) -> Result<bool, sqlx::Error> {
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

async fn confirm(ctx: &Ctx, q: &CallbackQuery, draft: Draft) -> HandlerResult {
    let lang = ctx.lang();
    let key = confirm_key(ctx, q);
    let rules = ctx.settings.reports.rules;
    let now = ctx.settings.clock.now();
    let mut tx = crate::db::begin_write(&ctx.pool).await?;
    let result = domain::submit_in(&mut tx, &ctx.user, &draft, &key, &rules, now).await;
    let submitted = match result {
        Ok(s) => s,
        Err(err) => {
            drop(tx);
            ctx.alert(q, error_text(lang, &err)).await?;
            if matches!(
                err,
                ReportsError::DailyLimit(_)
                    | ReportsError::NoSuchCategory
                    | ReportsError::NotRegistered
            ) {
                close_message(ctx, q, tr!(lang, "report-cancelled-summary")).await?;
                ctx.set_state(State::Idle).await?;
                ctx.send_with(tr!(lang, "main-menu-prompt"), keyboards::main_menu(lang))
                    .await?;
            }
            return Ok(());
        }
    };
    // The report and the end of the dialogue commit together.
    dialogue::save(&mut tx, ctx.chat(), &State::Idle).await?;
    tx.commit().await?;
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
        ctx.bot
            .edit_message_text(ctx.chat(), m.id(), text)
            .parse_mode(ParseMode::Html)
            .await
            .ok();
    }
    let mut text = tr!(lang, "report-filed", id = id.to_string());
    if submitted.possible_dup_of.is_some() {
        text.push_str("\n\n");
        text.push_str(&tr!(lang, "report-filed-maybe-duplicate"));
    }
    ctx.send_with(text, keyboards::main_menu(lang)).await?;
    if submitted.new {
        triage::post_new(&ctx.bot, &ctx.pool, &ctx.settings, id).await;
    }
    Ok(())
}

/// A category's name in `lang`, escaped for HTML; its code if the category is gone.
pub(super) fn category_label(
    category: Option<&super::Category>,
    code: &CategoryCode,
    lang: Lang,
) -> String {
    html::escape(category.map_or(code.as_str(), |c| c.name(lang)))
}

/// A domain refusal in the user's words.
pub fn error_text(lang: Lang, err: &ReportsError) -> String {
    match err {
        ReportsError::NotCoordinator => tr!(lang, "role-not-coordinator"),
        ReportsError::NotYours => tr!(lang, "report-not-yours"),
        ReportsError::NoSuchReport(id) => tr!(lang, "report-unknown", id = id.to_string()),
        ReportsError::NoSuchCategory => tr!(lang, "button-expired"),
        ReportsError::NoSuchDepartment(d) => {
            tr!(lang, "report-unknown-department", dept = html::escape(d))
        }
        ReportsError::Illegal { id, status } => tr!(
            lang,
            "report-illegal",
            id = id.to_string(),
            status = status_label(lang, *status)
        ),
        ReportsError::BadDuplicate => tr!(lang, "report-bad-duplicate"),
        ReportsError::ReasonRequired => tr!(lang, "report-reason-required"),
        ReportsError::ReasonTooLong => tr!(
            lang,
            "report-reason-too-long",
            max = domain::MAX_REASON_CHARS
        ),
        ReportsError::DailyLimit(n) => tr!(lang, "report-daily-limit", limit = *n),
        ReportsError::OutsideDistrict => tr!(lang, "report-outside-district"),
        ReportsError::NotRegistered => tr!(lang, "button-expired"),
        ReportsError::Points(_) | ReportsError::Db(_) => tr!(lang, "error-try-again"),
    }
}

/// Status names, translated (keys `report-status-<status>`).
pub fn status_label(lang: Lang, status: Status) -> String {
    t(lang, &format!("report-status-{}", status.as_str()))
}

/// A report as its reporter sees it in a list: number, category, date and status.
async fn mine_line(ctx: &Ctx, r: &Report) -> Result<String, sqlx::Error> {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let category = store::category(&mut conn, &r.category).await?;
    let local = r.created_at.with_timezone(&ctx.settings.reports.rules.tz);
    Ok(tr!(
        lang,
        "report-mine-line",
        id = r.id.to_string(),
        category = category_label(category.as_ref(), &r.category, lang),
        date = local.format("%m-%d %H:%M").to_string(),
        status = status_label(lang, r.status)
    ))
}

/// `/myreports`, page `page` (editing `message` when it came from a button).
pub async fn mine(ctx: &Ctx, page: u32, message: Option<MessageId>) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let total = store::count_by_reporter(&mut conn, ctx.user.id).await?;
    let pages = ((total + MINE_PAGE - 1) / MINE_PAGE).max(1);
    let page = i64::from(page).min(pages - 1);
    let reports = store::by_reporter(&mut conn, ctx.user.id, page * MINE_PAGE, MINE_PAGE).await?;
    drop(conn);
    if reports.is_empty() {
        ctx.send_with(tr!(lang, "report-mine-none"), keyboards::main_menu(lang))
            .await?;
        return Ok(());
    }
    let mut text = tr!(
        lang,
        "report-mine-title",
        total = total,
        page = page + 1,
        pages = pages
    );
    let mut rows = Vec::new();
    for r in &reports {
        text.push('\n');
        text.push_str(&mine_line(ctx, r).await?);
        if r.status == Status::Submitted {
            rows.push(vec![cb(
                tr!(lang, "report-btn-withdraw", id = r.id.to_string()),
                ReportCallback::Withdraw(r.id),
            )]);
        }
    }
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(cb(
            tr!(lang, "btn-prev"),
            ReportCallback::Mine(page as u32 - 1),
        ));
    }
    if page + 1 < pages {
        nav.push(cb(
            tr!(lang, "btn-next"),
            ReportCallback::Mine(page as u32 + 1),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    let kb = InlineKeyboardMarkup::new(rows);
    match message {
        Some(id) => ctx.edit(id, text, kb).await?,
        None => {
            ctx.send_with(text, kb).await?;
        }
    }
    Ok(())
}

/// `/report` with no argument files a report; `/report R-… [action …]` shows or acts on one
/// (acting is for coordinators; the reporter may `withdraw`).
pub async fn report_command(ctx: &Ctx, state: State, args: &str) -> HandlerResult {
    let args = args.trim();
    if args.is_empty() {
        if !ctx.user.is_registered() {
            return crate::bot::menu::prompt(ctx, &state).await;
        }
        if state != State::Idle {
            ctx.set_state(State::Idle).await?;
        }
        return begin(ctx, None).await;
    }
    triage::command(ctx, args).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::keys_of;

    #[test]
    fn run_time_keys_exist_in_both_languages() {
        for source in [crate::i18n::ZH_FTL, crate::i18n::EN_FTL] {
            let keys = keys_of(source);
            for s in Status::ALL {
                assert!(
                    keys.contains(&format!("report-status-{}", s.as_str())),
                    "{s:?}"
                );
            }
            for r in super::super::REJECT_REASONS {
                assert!(keys.contains(&format!("triage-reason-{r}")), "{r}");
            }
            for k in [
                "report-edit-category",
                "report-edit-photos",
                "report-edit-place",
                "report-edit-note",
                "report-edit-back",
                "report-photo-too-big",
                "report-photo-not-image",
                "report-photo-failed",
                "report-photos-done-already",
                "report-not-a-place",
            ] {
                assert!(keys.contains(k), "{k}");
            }
        }
    }

    #[test]
    fn every_report_callback_round_trips_within_64_bytes_and_forgeries_fail() {
        use triage::TriageCallback as T;
        let id = ReportId(999_999_999);
        let dept = super::super::DepartmentCode::parse(&"d".repeat(24)).unwrap();
        let all = [
            ReportCallback::Category(CategoryCode::parse(&"c".repeat(24)).unwrap()),
            ReportCallback::Confirm,
            ReportCallback::Edit,
            ReportCallback::EditPart('p'),
            ReportCallback::Cancel,
            ReportCallback::Mine(9_999),
            ReportCallback::Withdraw(id),
            ReportCallback::WithdrawYes(id),
            ReportCallback::Triage(T::Accept(id)),
            ReportCallback::Triage(T::RejectMenu(id)),
            ReportCallback::Triage(T::Reject(id, 4)),
            ReportCallback::Triage(T::RouteMenu(id)),
            ReportCallback::Triage(T::Route(id, dept)),
            ReportCallback::Triage(T::Resolve(id)),
            ReportCallback::Triage(T::DuplicateMenu(id)),
            ReportCallback::Triage(T::Duplicate(id, ReportId(1))),
            ReportCallback::Triage(T::Back(id)),
        ];
        for cb in all {
            let data = cb.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(
                Callback::parse(&data),
                Some(Callback::Report(cb.clone())),
                "{data}"
            );
        }
        for forged in [
            "rp:",
            "rp:a",
            "rp:a:0",
            "rp:a:-1",
            "rp:a:x",
            "rp:J:1:5",
            "rp:J:1",
            "rp:T:1:a b",
            "rp:e:x",
            "rp:c:",
            "rp:m:10000",
            "rp:D:1:0",
            "rp:zz:1",
        ] {
            assert_eq!(Callback::parse(forged), None, "{forged}");
        }
    }
}
