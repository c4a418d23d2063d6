//! The coordinators' side of reports over Telegram: the card posted to `COORDINATOR_CHAT_ID`
//! (the photo with the card as its caption, or an album followed by the card), its buttons,
//! the same actions by command (`/report R-000123 accept`), `/reports`, follow-ups, and the
//! messages that tell the reporter of every change.
//!
//! Buttons are shortcuts, not permissions: every action goes through `domain::act`, which
//! checks that the person pressing is a coordinator. Anyone else's press gets an alert.

use teloxide::payloads::{
    AnswerCallbackQuerySetters, EditMessageCaptionSetters, EditMessageTextSetters,
    SendMessageSetters, SendPhotoSetters,
};
use teloxide::prelude::*;
use teloxide::types::{
    FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia, InputMediaPhoto,
    MessageId, ParseMode, ReplyParameters,
};
use teloxide::utils::html;

use super::{category_label, error_text, place_text, status_label, ReportCallback};
use crate::bot::{BotError, Ctx, HandlerResult, Settings};
use crate::i18n::{t, Lang};
use crate::reports::domain::{self, Acted};
use crate::reports::{
    store, Action, DepartmentCode, Photo, PhotoSource, Report, ReportId, Status, REJECT_REASONS,
};
use crate::tr;
use crate::users::{self, Role, UserId};

/// The language of the coordinators' group (the district's).
pub const GROUP_LANG: Lang = Lang::Zh;

/// A coordinator's button (`rp:` prefix, after the rider's ones).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TriageCallback {
    Accept(ReportId),
    /// Show the rejection reasons.
    RejectMenu(ReportId),
    /// Reject with reason number `n` of [`REJECT_REASONS`].
    Reject(ReportId, usize),
    RouteMenu(ReportId),
    Route(ReportId, DepartmentCode),
    Resolve(ReportId),
    DuplicateMenu(ReportId),
    Duplicate(ReportId, ReportId),
    /// Back to the card's own buttons.
    Back(ReportId),
}

impl TriageCallback {
    pub fn encode(&self) -> String {
        match self {
            TriageCallback::Accept(id) => format!("rp:a:{}", id.0),
            TriageCallback::RejectMenu(id) => format!("rp:j:{}", id.0),
            TriageCallback::Reject(id, n) => format!("rp:J:{}:{n}", id.0),
            TriageCallback::RouteMenu(id) => format!("rp:t:{}", id.0),
            TriageCallback::Route(id, d) => format!("rp:T:{}:{d}", id.0),
            TriageCallback::Resolve(id) => format!("rp:v:{}", id.0),
            TriageCallback::DuplicateMenu(id) => format!("rp:d:{}", id.0),
            TriageCallback::Duplicate(id, of) => format!("rp:D:{}:{}", id.0, of.0),
            TriageCallback::Back(id) => format!("rp:b:{}", id.0),
        }
    }

    pub fn parse(head: &str, arg: Option<&str>) -> Option<TriageCallback> {
        let arg = arg?;
        let (first, rest) = match arg.split_once(':') {
            Some((f, r)) => (f, Some(r)),
            None => (arg, None),
        };
        let id = |s: &str| -> Option<ReportId> {
            s.parse::<i64>().ok().filter(|n| *n > 0).map(ReportId)
        };
        let report = id(first)?;
        Some(match (head, rest) {
            ("a", None) => TriageCallback::Accept(report),
            ("j", None) => TriageCallback::RejectMenu(report),
            ("J", Some(n)) => TriageCallback::Reject(
                report,
                n.parse().ok().filter(|n| *n < REJECT_REASONS.len())?,
            ),
            ("t", None) => TriageCallback::RouteMenu(report),
            ("T", Some(d)) => TriageCallback::Route(report, DepartmentCode::parse(d)?),
            ("v", None) => TriageCallback::Resolve(report),
            ("d", None) => TriageCallback::DuplicateMenu(report),
            ("D", Some(of)) => TriageCallback::Duplicate(report, id(of)?),
            ("b", None) => TriageCallback::Back(report),
            _ => return None,
        })
    }

    fn report(&self) -> ReportId {
        match self {
            TriageCallback::Accept(id)
            | TriageCallback::RejectMenu(id)
            | TriageCallback::Reject(id, _)
            | TriageCallback::RouteMenu(id)
            | TriageCallback::Route(id, _)
            | TriageCallback::Resolve(id)
            | TriageCallback::DuplicateMenu(id)
            | TriageCallback::Duplicate(id, _)
            | TriageCallback::Back(id) => *id,
        }
    }
}

/// A triage button's data from any chat (the group's presses come here).
pub fn parse(data: &str) -> Option<TriageCallback> {
    match data.strip_prefix("rp:").and_then(ReportCallback::parse)? {
        ReportCallback::Triage(t) => Some(t),
        _ => None,
    }
}

fn button(label: String, cb: TriageCallback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, ReportCallback::Triage(cb).encode())
}

/// The card's buttons for the report's status (none once it is closed).
pub fn card_keyboard(lang: Lang, r: &Report) -> InlineKeyboardMarkup {
    let id = r.id;
    let b = |key: &str, cb: TriageCallback| button(t(lang, key), cb);
    let mut rows = match r.status {
        Status::Submitted => vec![
            vec![
                b("triage-btn-accept", TriageCallback::Accept(id)),
                b("triage-btn-reject", TriageCallback::RejectMenu(id)),
            ],
            vec![
                b("triage-btn-route", TriageCallback::RouteMenu(id)),
                b("triage-btn-duplicate", TriageCallback::DuplicateMenu(id)),
            ],
        ],
        Status::Accepted | Status::Routed => vec![vec![
            b("triage-btn-route", TriageCallback::RouteMenu(id)),
            b("triage-btn-resolve", TriageCallback::Resolve(id)),
        ]],
        _ => vec![],
    };
    if let (Status::Submitted, Some(of)) = (r.status, r.possible_dup_of) {
        rows.push(vec![button(
            tr!(lang, "triage-btn-merge", of = of.to_string()),
            TriageCallback::Duplicate(id, of),
        )]);
    }
    InlineKeyboardMarkup::new(rows)
}

/// A rejection reason in words: one of the button reasons, translated, or a coordinator's text.
pub fn reason_text(lang: Lang, reason: &str) -> String {
    if REJECT_REASONS.contains(&reason) {
        t(lang, &format!("triage-reason-{reason}"))
    } else {
        html::escape(reason)
    }
}

/// How an actor is named on a card: their registered name, else their @username, else
/// "coordinator #id" (coordinators named only in COORDINATOR_IDS have neither until they
/// register).
async fn display_name(pool: &sqlx::SqlitePool, lang: Lang, id: UserId) -> String {
    let user = match pool.acquire().await {
        Ok(mut conn) => users::store::find(&mut conn, id).await.ok().flatten(),
        Err(_) => None,
    };
    user.and_then(|u| u.name.or(u.username.map(|n| format!("@{n}"))))
        .map(|n| html::escape(&n))
        .unwrap_or_else(|| tr!(lang, "triage-actor-id", id = id.0.to_string()))
}

/// The card's text: what, where, who, and where it stands.
pub async fn card_text(
    pool: &sqlx::SqlitePool,
    settings: &Settings,
    lang: Lang,
    r: &Report,
) -> Result<String, sqlx::Error> {
    let tz = settings.reports.rules.tz;
    let mut conn = pool.acquire().await?;
    let category = store::category(&mut conn, &r.category).await?;
    let department = match r
        .department
        .as_ref()
        .or(category.as_ref().map(|c| &c.department))
    {
        Some(d) => store::department(&mut conn, d).await?,
        None => None,
    };
    let last = store::history(&mut conn, r.id).await?.pop();
    drop(conn);
    let place = place_text(pool, &settings.stations, lang, r.at).await;
    let role = match r.reporter_role {
        Role::GridOfficer => tr!(lang, "triage-role-grid-officer"),
        _ => tr!(lang, "triage-role-rider"),
    };
    let mut text = tr!(
        lang,
        "triage-card",
        id = r.id.to_string(),
        category = category_label(category.as_ref(), &r.category, lang),
        place = place,
        map = r.at.map_url(),
        role = role,
        at = r
            .created_at
            .with_timezone(&tz)
            .format("%m-%d %H:%M")
            .to_string()
    );
    if let Some(note) = &r.note {
        text.push_str(&format!("\n📝 {}", html::escape(note)));
    }
    if let (Status::Submitted, Some(of)) = (r.status, r.possible_dup_of) {
        text.push('\n');
        text.push_str(&tr!(lang, "triage-possible-duplicate", of = of.to_string()));
    }
    let detail = match r.status {
        Status::Routed => department
            .as_ref()
            .map(|d| format!(" → {}", html::escape(d.name(lang))))
            .unwrap_or_default(),
        Status::Rejected => r
            .reject_reason
            .as_deref()
            .map(|why| format!(": {}", reason_text(lang, why)))
            .unwrap_or_default(),
        Status::Duplicate => r
            .duplicate_of
            .map(|of| format!(" → {of}"))
            .unwrap_or_default(),
        _ => department
            .as_ref()
            .filter(|_| r.status == Status::Submitted)
            .map(|d| {
                tr!(
                    lang,
                    "triage-default-department",
                    dept = html::escape(d.name(lang))
                )
            })
            .unwrap_or_default(),
    };
    let who = match &last {
        Some(h) if h.to != Status::Submitted => format!(
            " — {} · {}",
            display_name(pool, lang, h.actor).await,
            h.at.with_timezone(&tz).format("%m-%d %H:%M")
        ),
        _ => String::new(),
    };
    text.push_str(&format!(
        "\n\n<b>{}</b>{detail}{who}",
        status_label(lang, r.status)
    ));
    Ok(text)
}

/// The visible length of an HTML text (tags dropped, entities counted once), to choose
/// between a caption (at most 1,024 characters) and a message of its own.
fn visible_len(html_text: &str) -> usize {
    let mut n = 0;
    let mut in_tag = false;
    let mut in_entity = false;
    for c in html_text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '&' if !in_tag => {
                in_entity = true;
                n += 1;
            }
            ';' if in_entity => in_entity = false,
            _ if in_tag || in_entity => {}
            _ => n += 1,
        }
    }
    n
}

fn input_file(settings: &Settings, p: &Photo) -> InputFile {
    match p.source {
        // Telegram already holds this photo: re-send it by id.
        PhotoSource::Photo => InputFile::file_id(FileId(p.file_id.clone())),
        // The rider's original file may carry metadata: send the cleaned copy.
        PhotoSource::Document => InputFile::file(settings.reports.media_dir.join(&p.path)),
    }
}

/// Posts a new report's card to the coordinators' group. Failures are logged, never shown to
/// the rider: the report is saved, and the sweeper posts it when the group is reachable.
pub async fn post_new(bot: &Bot, pool: &sqlx::SqlitePool, settings: &Settings, id: ReportId) {
    match post(bot, pool, settings, id).await {
        Ok(true) => tracing::info!(report = id.0, "report posted to coordinators"),
        Ok(false) => tracing::warn!(
            report = id.0,
            "COORDINATOR_CHAT_ID unset; report not posted"
        ),
        Err(err) => tracing::error!(report = id.0, %err, "report not posted to coordinators"),
    }
}

/// Posts report `id`'s card (with its photos) to the group; false if no group is configured.
pub async fn post(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    settings: &Settings,
    id: ReportId,
) -> Result<bool, BotError> {
    let Some(chat) = settings.reports.coordinator_chat else {
        return Ok(false);
    };
    let mut conn = pool.acquire().await?;
    let report = store::find(&mut conn, id)
        .await?
        .ok_or_else(|| BotError::Internal(format!("report {} vanished", id.0)))?;
    let photos = store::photos(&mut conn, id).await?;
    drop(conn);
    let lang = GROUP_LANG;
    let text = card_text(pool, settings, lang, &report).await?;
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
    let mut conn = pool.acquire().await?;
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
pub async fn after_action(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    settings: &Settings,
    acted: &Acted,
    pressed: Option<(ChatId, MessageId, Lang)>,
) {
    let r = &acted.report;
    if let Some((chat, message, caption)) = r.triage {
        if let Ok(text) = card_text(pool, settings, GROUP_LANG, r).await {
            let kb = card_keyboard(GROUP_LANG, r);
            edit_card(bot, ChatId(chat), MessageId(message), caption, text, kb).await;
        }
    }
    if let Some((chat, message, lang)) = pressed {
        let is_card = r
            .triage
            .is_some_and(|(c, m, _)| (c, m) == (chat.0, message.0));
        if !is_card {
            if let Ok(text) = card_text(pool, settings, lang, r).await {
                edit_card(bot, chat, message, false, text, card_keyboard(lang, r)).await;
            }
        }
    }
    if r.status != Status::Withdrawn {
        notify_reporter(bot, pool, acted).await;
    }
}

async fn notify_reporter(bot: &Bot, pool: &sqlx::SqlitePool, acted: &Acted) {
    let r = &acted.report;
    let Ok(mut conn) = pool.acquire().await else {
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
    if let Err(err) = bot
        .send_message(ChatId(r.reporter.0), text)
        .parse_mode(ParseMode::Html)
        .await
    {
        tracing::info!(user_id = r.reporter.0, report = r.id.0, %err, "reporter not told");
    }
}

/// The buttons a menu press shows in place of the card's own, or an action to take.
enum Press {
    Menu(InlineKeyboardMarkup),
    Act(Action),
}

async fn route_menu(
    pool: &sqlx::SqlitePool,
    lang: Lang,
    r: &Report,
) -> Result<InlineKeyboardMarkup, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let departments = store::departments(&mut conn).await?;
    let default = store::category(&mut conn, &r.category)
        .await?
        .map(|c| c.department);
    let mut rows: Vec<Vec<InlineKeyboardButton>> = departments
        .iter()
        .filter(|d| d.active)
        .map(|d| {
            let star = if Some(&d.code) == default.as_ref() {
                "★ "
            } else {
                ""
            };
            button(
                format!("{star}{}", d.name(lang)),
                TriageCallback::Route(r.id, d.code.clone()),
            )
        })
        .collect::<Vec<_>>()
        .chunks(2)
        .map(<[_]>::to_vec)
        .collect();
    rows.push(vec![button(
        tr!(lang, "report-btn-back"),
        TriageCallback::Back(r.id),
    )]);
    Ok(InlineKeyboardMarkup::new(rows))
}

fn reject_menu(lang: Lang, id: ReportId) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = REJECT_REASONS
        .iter()
        .enumerate()
        .map(|(n, code)| {
            vec![button(
                t(lang, &format!("triage-reason-{code}")),
                TriageCallback::Reject(id, n),
            )]
        })
        .collect();
    rows.push(vec![button(
        tr!(lang, "report-btn-back"),
        TriageCallback::Back(id),
    )]);
    InlineKeyboardMarkup::new(rows)
}

/// The reports `r` may be merged into (`domain::merge_candidates`) as buttons.
async fn duplicate_menu(
    pool: &sqlx::SqlitePool,
    lang: Lang,
    r: &Report,
) -> Result<Option<InlineKeyboardMarkup>, sqlx::Error> {
    let near = domain::merge_candidates(pool, r).await?;
    if near.is_empty() {
        return Ok(None);
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = near
        .into_iter()
        .map(|(of, d)| {
            vec![button(
                tr!(
                    lang,
                    "triage-btn-duplicate-of",
                    of = of.to_string(),
                    metres = d.round() as i64
                ),
                TriageCallback::Duplicate(r.id, of),
            )]
        })
        .collect();
    rows.push(vec![button(
        tr!(lang, "report-btn-back"),
        TriageCallback::Back(r.id),
    )]);
    Ok(Some(InlineKeyboardMarkup::new(rows)))
}

/// A triage button pressed by `actor` on message `at`, answered in `lang`.
async fn press(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    settings: &Settings,
    q: &CallbackQuery,
    data: TriageCallback,
    actor: UserId,
    lang: Lang,
) -> HandlerResult {
    let alert = |text: String| async move {
        bot.answer_callback_query(q.id.clone())
            .text(text)
            .show_alert(true)
            .await
            .map(|_| ())
    };
    let mut conn = pool.acquire().await?;
    let coordinator = users::store::is_coordinator(&mut conn, actor).await?;
    let report = store::find(&mut conn, data.report()).await?;
    drop(conn);
    if !coordinator {
        tracing::info!(
            user_id = actor.0,
            report = data.report().0,
            "triage press by a non-coordinator refused"
        );
        alert(tr!(lang, "triage-not-coordinator")).await?;
        return Ok(());
    }
    let Some(report) = report else {
        alert(tr!(lang, "report-unknown", id = data.report().to_string())).await?;
        return Ok(());
    };
    let at = q.message.as_ref().map(|m| (m.chat().id, m.id()));
    let press = match data {
        TriageCallback::Accept(_) => Press::Act(Action::Accept),
        TriageCallback::Reject(_, n) => Press::Act(Action::Reject(REJECT_REASONS[n].to_owned())),
        TriageCallback::Route(_, d) => Press::Act(Action::Route(d)),
        TriageCallback::Resolve(_) => Press::Act(Action::Resolve),
        TriageCallback::Duplicate(_, of) => Press::Act(Action::DuplicateOf(of)),
        TriageCallback::RejectMenu(id) => Press::Menu(reject_menu(lang, id)),
        TriageCallback::RouteMenu(_) => Press::Menu(route_menu(pool, lang, &report).await?),
        TriageCallback::Back(_) => Press::Menu(card_keyboard(lang, &report)),
        TriageCallback::DuplicateMenu(_) => match duplicate_menu(pool, lang, &report).await? {
            Some(kb) => Press::Menu(kb),
            None => {
                alert(tr!(
                    lang,
                    "triage-no-duplicates",
                    id = report.id.to_string()
                ))
                .await?;
                return Ok(());
            }
        },
    };
    match press {
        Press::Menu(kb) => {
            bot.answer_callback_query(q.id.clone()).await?;
            if let Some((chat, message)) = at {
                crate::bot::edit_buttons(bot, chat, message, kb).await?;
            }
            Ok(())
        }
        Press::Act(action) => {
            let now = settings.clock.now();
            match domain::act(pool, actor, report.id, &action, now).await {
                Ok(acted) => {
                    tracing::info!(
                        user_id = actor.0,
                        report = report.id.0,
                        to = acted.report.status.as_str(),
                        "report changed"
                    );
                    bot.answer_callback_query(q.id.clone())
                        .text(tr!(
                            lang,
                            "triage-done",
                            id = report.id.to_string(),
                            status = status_label(lang, acted.report.status)
                        ))
                        .await?;
                    after_action(bot, pool, settings, &acted, at.map(|(c, m)| (c, m, lang))).await;
                    Ok(())
                }
                Err(err) => {
                    // Someone else acted first: their action already updated the card.
                    alert(error_text(lang, &err)).await?;
                    Ok(())
                }
            }
        }
    }
}

/// A triage button pressed in a group (the coordinators' chat).
pub async fn on_group_press(
    bot: Bot,
    pool: sqlx::SqlitePool,
    settings: std::sync::Arc<Settings>,
    q: CallbackQuery,
) -> HandlerResult {
    let Some(data) = q.data.as_deref().and_then(parse) else {
        return Ok(());
    };
    let actor = UserId(q.from.id.0 as i64);
    let stored = match pool.acquire().await {
        Ok(mut conn) => users::store::find(&mut conn, actor).await?,
        Err(e) => return Err(e.into()),
    };
    if let Some(user) = &stored {
        // Coordinators are named on the cards they act on: keep their @username current.
        if let Err(err) =
            users::store::remember_username(&pool, user, q.from.username.as_deref()).await
        {
            tracing::warn!(user_id = actor.0, %err, "could not update username");
        }
    }
    let lang = stored
        .map(|u| u.lang)
        .unwrap_or_else(|| Lang::from_telegram(q.from.language_code.as_deref()));
    if let Err(err) = press(&bot, &pool, &settings, &q, data, actor, lang).await {
        tracing::error!(user_id = actor.0, error = %err, "triage press failed");
        bot.answer_callback_query(q.id.clone())
            .text(tr!(lang, "error-try-again"))
            .await
            .ok();
    }
    Ok(())
}

/// A triage button pressed in a coordinator's private chat (a card from `/report R-…`).
pub async fn on_private_press(ctx: &Ctx, q: &CallbackQuery, data: TriageCallback) -> HandlerResult {
    press(
        &ctx.bot,
        &ctx.pool,
        &ctx.settings,
        q,
        data,
        ctx.user.id,
        ctx.lang(),
    )
    .await
}

/// `/report R-… [accept | reject REASON | route DEPT | resolve | duplicate R-… | withdraw]`.
pub async fn command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let mut words = args.split_whitespace();
    let Some(id) = words.next().and_then(ReportId::parse) else {
        ctx.send(tr!(lang, "report-command-usage")).await?;
        return Ok(());
    };
    let verb = words.next().map(str::to_ascii_lowercase);
    let rest: Vec<&str> = words.collect();
    let rest = rest.join(" ");
    let action = match verb.as_deref() {
        None | Some("show") => return show(ctx, id).await,
        Some("accept") => Action::Accept,
        Some("resolve" | "resolved") => Action::Resolve,
        Some("withdraw") => Action::Withdraw,
        Some("reject") => Action::Reject(rest.clone()),
        Some("route") => match DepartmentCode::parse(&rest) {
            Some(d) => Action::Route(d),
            None => {
                ctx.send(tr!(
                    lang,
                    "report-unknown-department",
                    dept = html::escape(&rest)
                ))
                .await?;
                return Ok(());
            }
        },
        Some("duplicate") => match ReportId::parse(&rest) {
            Some(of) => Action::DuplicateOf(of),
            None => {
                ctx.send(tr!(lang, "report-bad-duplicate")).await?;
                return Ok(());
            }
        },
        Some(_) => {
            ctx.send(tr!(lang, "report-command-usage")).await?;
            return Ok(());
        }
    };
    let now = ctx.settings.clock.now();
    match domain::act(&ctx.pool, ctx.user.id, id, &action, now).await {
        Ok(acted) => {
            ctx.send(tr!(
                lang,
                "triage-done",
                id = id.to_string(),
                status = status_label(lang, acted.report.status)
            ))
            .await?;
            after_action(&ctx.bot, &ctx.pool, &ctx.settings, &acted, None).await;
        }
        Err(err) => {
            ctx.send(error_text(lang, &err)).await?;
        }
    }
    Ok(())
}

/// `/report R-…`: a coordinator sees the card with its buttons; the reporter sees their own
/// report and its history; anyone else is told there is no such report.
async fn show(ctx: &Ctx, id: ReportId) -> HandlerResult {
    let lang = ctx.lang();
    let (report, history) = match domain::view(&ctx.pool, ctx.user.id, id).await {
        Ok(seen) => seen,
        Err(err) => {
            ctx.send(error_text(lang, &err)).await?;
            return Ok(());
        }
    };
    let mut text = card_text(&ctx.pool, &ctx.settings, lang, &report).await?;
    let tz = ctx.settings.reports.rules.tz;
    text.push_str("\n\n");
    text.push_str(&tr!(lang, "report-history-title"));
    for h in &history {
        text.push_str(&format!(
            "\n{} · {}",
            h.at.with_timezone(&tz).format("%m-%d %H:%M"),
            status_label(lang, h.to)
        ));
    }
    if ctx.user.is_coordinator() {
        ctx.send_with(text, card_keyboard(lang, &report)).await?;
    } else {
        ctx.send(text).await?;
    }
    Ok(())
}

/// `/reports`: the open reports, oldest first (coordinators).
pub async fn open_list(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    let (open, unposted) = match domain::open_reports(&ctx.pool, ctx.user.id, 20).await {
        Ok(found) => found,
        Err(err) => {
            ctx.send(error_text(lang, &err)).await?;
            return Ok(());
        }
    };
    let mut conn = ctx.pool.acquire().await?;
    let mut text = String::new();
    // Say plainly why the group may not show these.
    match ctx.settings.reports.coordinator_chat {
        None => text.push_str(&tr!(lang, "report-group-unset")),
        Some(_) if unposted > 0 => {
            text.push_str(&tr!(lang, "report-group-unreachable", n = unposted))
        }
        Some(_) => {}
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&tr!(lang, "report-open-title", n = open.len()));
    for r in &open {
        let category = store::category(&mut conn, &r.category).await?;
        text.push_str(&format!(
            "\n{} · {} · {}",
            r.id,
            category_label(category.as_ref(), &r.category, lang),
            status_label(lang, r.status)
        ));
    }
    ctx.send(text).await?;
    Ok(())
}

/// Posts reports the group has not seen (it was unset or unreachable) and raises the
/// follow-ups due. Runs from the start-up sweeper.
pub async fn sweep(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    settings: &Settings,
) -> Result<(), BotError> {
    let Some(chat) = settings.reports.coordinator_chat else {
        return Ok(());
    };
    let mut conn = pool.acquire().await?;
    let pending = store::untriaged(&mut conn).await?;
    drop(conn);
    for id in pending {
        if !post(bot, pool, settings, id).await? {
            break;
        }
    }
    let now = settings.clock.now();
    let due = domain::follow_ups(pool, &settings.reports.rules, now).await?;
    for r in due {
        let lang = GROUP_LANG;
        let days = (now - r.status_at).num_hours() / 24;
        let mut text = tr!(
            lang,
            "triage-follow-up",
            id = r.id.to_string(),
            status = status_label(lang, r.status),
            days = days
        );
        text.push_str("\n\n");
        text.push_str(&card_text(pool, settings, lang, &r).await?);
        let mut req = bot
            .send_message(chat, text)
            .parse_mode(ParseMode::Html)
            .reply_markup(card_keyboard(lang, &r));
        // A reply to the card, when the card is in this group.
        if let Some((_, m, _)) = r.triage.filter(|(c, _, _)| *c == chat.0) {
            req = req
                .reply_parameters(ReplyParameters::new(MessageId(m)).allow_sending_without_reply());
        }
        req.await?;
        tracing::info!(report = r.id.0, "follow-up raised");
    }
    Ok(())
}
