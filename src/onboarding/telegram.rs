//! The onboarding conversation over Telegram: privacy notice → name → platform → phone → main
//! menu; and /start, /language, /privacy, /deletemydata. Every step answers every kind of input:
//! what it waits for moves on, anything else gets a short reason and the same question again.

use teloxide::payloads::{AnswerCallbackQuerySetters, EditMessageTextSetters};
use teloxide::prelude::*;
use teloxide::types::{
    ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup,
    ParseMode,
};
use teloxide::utils::html;

use super::domain::{DeepLink, InputError, Phone, Platform, RiderName};
use super::store;
use crate::bot::callback::Callback;
use crate::bot::dialogue::{self, State};
use crate::bot::{keyboards, menu, Ctx, HandlerResult};
use crate::i18n::{t, Lang};
use crate::tr;
use crate::users::{self, Status};

fn consent_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(tr!(lang, "btn-accept"), Callback::Consent.encode()),
        InlineKeyboardButton::callback(
            tr!(lang, "btn-switch-lang"),
            Callback::Lang(lang.other()).encode(),
        ),
    ]])
}

/// The rider's Telegram name, offered as a one-tap answer when it makes a valid name.
fn suggested_name(msg_from: Option<&teloxide::types::User>) -> Option<RiderName> {
    let user = msg_from?;
    RiderName::parse(&user.full_name()).ok()
}

fn name_keyboard(lang: Lang, suggestion: Option<&RiderName>) -> KeyboardMarkup {
    let mut rows = Vec::new();
    if let Some(name) = suggestion {
        rows.push(vec![KeyboardButton::new(name.as_str())]);
    }
    rows.push(vec![keyboards::cancel_button(lang)]);
    KeyboardMarkup::new(rows)
        .resize_keyboard()
        .one_time_keyboard()
}

fn platform_keyboard(lang: Lang) -> KeyboardMarkup {
    let mut labels: Vec<String> = Platform::KNOWN
        .iter()
        .filter_map(Platform::label_key)
        .map(|key| t(lang, key))
        .collect();
    labels.push(tr!(lang, "platform-other"));
    let mut rows: Vec<Vec<KeyboardButton>> = labels
        .chunks(2)
        .map(|pair| pair.iter().map(KeyboardButton::new).collect())
        .collect();
    rows.push(vec![keyboards::cancel_button(lang)]);
    KeyboardMarkup::new(rows).resize_keyboard()
}

fn phone_keyboard(lang: Lang) -> KeyboardMarkup {
    KeyboardMarkup::new(vec![
        vec![KeyboardButton::new(tr!(lang, "btn-share-phone")).request(ButtonRequest::Contact)],
        vec![keyboards::cancel_button(lang)],
    ])
    .resize_keyboard()
}

fn delete_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback(
            tr!(lang, "btn-delete-yes"),
            Callback::Delete(true).encode(),
        ),
        InlineKeyboardButton::callback(
            tr!(lang, "btn-delete-no"),
            Callback::Delete(false).encode(),
        ),
    ]])
}

/// Starts onboarding: the privacy notice with Accept and a language switch.
pub async fn begin(ctx: &Ctx) -> HandlerResult {
    ctx.set_state(State::Consent).await?;
    ctx.send_with(
        tr!(ctx.lang(), "privacy-notice"),
        consent_keyboard(ctx.lang()),
    )
    .await?;
    Ok(())
}

/// Asks again for what an onboarding state waits for.
pub async fn prompt(ctx: &Ctx, state: &State) -> HandlerResult {
    let lang = ctx.lang();
    match state {
        State::Idle => return menu::show(ctx).await,
        State::Consent => {
            ctx.send_with(tr!(lang, "privacy-notice"), consent_keyboard(lang))
                .await?;
        }
        State::Name => {
            // The suggestion needs the sender; a re-prompt offers the typed answer only.
            ctx.send_with(tr!(lang, "ask-name"), name_keyboard(lang, None))
                .await?;
        }
        State::Platform { .. } => {
            ctx.send_with(tr!(lang, "ask-platform"), platform_keyboard(lang))
                .await?;
        }
        State::PlatformOther { .. } => {
            ctx.send_with(
                tr!(lang, "ask-platform-other"),
                keyboards::cancel_only(lang),
            )
            .await?;
        }
        State::Phone { .. } => {
            ctx.send_with(tr!(lang, "ask-phone"), phone_keyboard(lang))
                .await?;
        }
        State::ConfirmDelete => {
            ctx.send_with(tr!(lang, "delete-confirm"), delete_keyboard(lang))
                .await?;
        }
        State::ReportCategory { .. }
        | State::ReportPhotos { .. }
        | State::ReportPlace { .. }
        | State::ReportNote { .. }
        | State::ReportConfirm { .. }
        | State::ReportEdit { .. } => return crate::reports::telegram::prompt(ctx, state).await,
    }
    Ok(())
}

/// `/start` with an optional deep-link payload.
pub async fn start(ctx: &Ctx, state: State, payload: &str) -> HandlerResult {
    let link = if payload.is_empty() {
        None
    } else {
        match DeepLink::parse(payload) {
            Some(link) => Some(link),
            None => {
                ctx.send(tr!(ctx.lang(), "deeplink-unknown")).await?;
                None
            }
        }
    };
    if ctx.user.is_registered() {
        if state != State::Idle {
            ctx.set_state(State::Idle).await?;
        }
        let name = html::escape(ctx.user.name.as_deref().unwrap_or_default());
        ctx.send_with(
            tr!(ctx.lang(), "already-registered", name = name),
            keyboards::main_menu(ctx.lang()),
        )
        .await?;
        if let Some(link) = link {
            follow_link(ctx, &link).await?;
        }
        return Ok(());
    }
    // Kept through onboarding and followed once registered.
    if let Some(link) = &link {
        store::set_pending_payload(&ctx.pool, ctx.user.id, Some(&link.payload())).await?;
    }
    begin(ctx).await
}

/// Hands a deep link to the capability that claims it.
async fn follow_link(ctx: &Ctx, link: &DeepLink) -> HandlerResult {
    match link {
        DeepLink::Station(code) => {
            crate::stations::telegram::station_command(ctx, code.as_str()).await?;
        }
        DeepLink::Redemption(code) => {
            crate::points::telegram::on_redemption_link(ctx, code).await?;
        }
        DeepLink::CheckIn(plan) => {
            crate::services::telegram::on_check_in_link(ctx, plan).await?;
        }
        DeepLink::Unclaimed(_) => {
            ctx.send(tr!(ctx.lang(), "deeplink-unknown")).await?;
        }
    }
    Ok(())
}

/// A message (not a command) while onboarding or confirming deletion.
pub async fn on_message(ctx: &Ctx, state: State, msg: &Message) -> HandlerResult {
    let lang = ctx.lang();
    let text = msg.text();
    match state {
        State::Idle => menu::on_idle_message(ctx, msg).await,
        State::Consent | State::ConfirmDelete => {
            if state == State::Consent {
                ctx.send(tr!(lang, "consent-needed")).await?;
            }
            prompt(ctx, &state).await
        }
        State::Name => {
            let Some(text) = text else {
                ctx.send(tr!(lang, "unexpected-input")).await?;
                return prompt_name(ctx, msg).await;
            };
            match RiderName::parse(text) {
                Ok(name) => {
                    let next = State::Platform { name };
                    ctx.set_state(next.clone()).await?;
                    prompt(ctx, &next).await
                }
                Err(err) => {
                    let why = match err {
                        InputError::TooLong => tr!(lang, "name-too-long"),
                        _ => tr!(lang, "name-invalid"),
                    };
                    ctx.send(why).await?;
                    prompt_name(ctx, msg).await
                }
            }
        }
        State::Platform { name } => {
            let Some(text) = text else {
                ctx.send(tr!(lang, "unexpected-input")).await?;
                return prompt(ctx, &State::Platform { name }).await;
            };
            if keyboards::is_label(text, "platform-other") {
                let next = State::PlatformOther { name };
                ctx.set_state(next.clone()).await?;
                return prompt(ctx, &next).await;
            }
            platform_chosen(ctx, name, text, false).await
        }
        State::PlatformOther { name } => {
            let Some(text) = text else {
                ctx.send(tr!(lang, "unexpected-input")).await?;
                return prompt(ctx, &State::PlatformOther { name }).await;
            };
            platform_chosen(ctx, name, text, true).await
        }
        State::Phone { name, platform } => on_phone(ctx, msg, name, platform).await,
        State::ReportCategory { .. }
        | State::ReportPhotos { .. }
        | State::ReportPlace { .. }
        | State::ReportNote { .. }
        | State::ReportConfirm { .. }
        | State::ReportEdit { .. } => crate::reports::telegram::on_message(ctx, state, msg).await,
    }
}

async fn prompt_name(ctx: &Ctx, msg: &Message) -> HandlerResult {
    let suggestion = suggested_name(msg.from.as_ref());
    ctx.send_with(
        tr!(ctx.lang(), "ask-name"),
        name_keyboard(ctx.lang(), suggestion.as_ref()),
    )
    .await?;
    Ok(())
}

async fn platform_chosen(ctx: &Ctx, name: RiderName, text: &str, other: bool) -> HandlerResult {
    // Button labels are translations; match them first so "SF Express" or "京东" map to codes.
    let by_label = Platform::KNOWN.into_iter().find(|p| {
        p.label_key()
            .is_some_and(|key| keyboards::is_label(text, key))
    });
    let parsed = match by_label {
        Some(p) => Ok(p),
        None => Platform::from_text(text),
    };
    match parsed {
        Ok(platform) => {
            let next = State::Phone { name, platform };
            ctx.set_state(next.clone()).await?;
            prompt(ctx, &next).await
        }
        Err(_) => {
            ctx.send(tr!(ctx.lang(), "platform-invalid")).await?;
            let same = if other {
                State::PlatformOther { name }
            } else {
                State::Platform { name }
            };
            prompt(ctx, &same).await
        }
    }
}

async fn on_phone(ctx: &Ctx, msg: &Message, name: RiderName, platform: Platform) -> HandlerResult {
    let lang = ctx.lang();
    let why = match msg.contact() {
        None if msg.text().is_some() => Some(tr!(lang, "phone-use-button")),
        None => Some(tr!(lang, "unexpected-input")),
        Some(contact)
            if contact.user_id.is_none() || contact.user_id != msg.from.as_ref().map(|u| u.id) =>
        {
            Some(tr!(lang, "phone-not-own"))
        }
        Some(contact) => match Phone::parse(&contact.phone_number) {
            Ok(phone) => return complete_registration(ctx, msg, name, platform, phone).await,
            Err(_) => Some(tr!(lang, "phone-invalid")),
        },
    };
    if let Some(why) = why {
        ctx.send(why).await?;
    }
    prompt(ctx, &State::Phone { name, platform }).await
}

async fn complete_registration(
    ctx: &Ctx,
    msg: &Message,
    name: RiderName,
    platform: Platform,
    phone: Phone,
) -> HandlerResult {
    let lang = ctx.lang();
    let username = msg.from.as_ref().and_then(|u| u.username.as_deref());

    // Registration, the dialogue's end and the pending deep link are one transaction.
    let mut tx = crate::db::begin_write(&ctx.pool).await?;
    store::register(&mut tx, ctx.user.id, &name, &platform, &phone, username).await?;
    dialogue::save(&mut tx, ctx.chat(), &State::Idle).await?;
    let pending = store::take_pending_payload(&mut tx, ctx.user.id).await?;
    tx.commit().await?;
    tracing::info!(user_id = ctx.user.id.0, "rider registered");

    let welcome = tr!(
        lang,
        "welcome-registered",
        name = html::escape(name.as_str())
    );
    ctx.send_with(welcome, keyboards::main_menu(lang)).await?;
    if let Some(link) = pending.as_deref().and_then(DeepLink::parse) {
        follow_link(ctx, &link).await?;
    }
    Ok(())
}

/// An inline button in a private chat (already parsed; forged data never gets here).
pub async fn on_callback(
    ctx: &Ctx,
    state: State,
    q: &CallbackQuery,
    data: Callback,
) -> HandlerResult {
    let lang = ctx.lang();
    match (data, &state) {
        (Callback::Lang(new), _) => {
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            if new == lang && state == State::Consent {
                // A double tap: the notice already reads in this language.
                return Ok(());
            }
            users::store::set_lang(&ctx.pool, ctx.user.id, new).await?;
            let mut ctx = ctx.clone();
            ctx.user.lang = new;
            if state == State::Consent {
                // Re-word the notice in place rather than sending a second one.
                if let Some(message) = q.message.as_ref() {
                    ctx.bot
                        .edit_message_text(ctx.chat(), message.id(), tr!(new, "privacy-notice"))
                        .parse_mode(ParseMode::Html)
                        .reply_markup(consent_keyboard(new))
                        .await?;
                    return Ok(());
                }
            }
            ctx.send(tr!(new, "language-set")).await?;
            menu::prompt(&ctx, &state).await
        }
        (Callback::Consent, State::Consent) => {
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            store::record_consent(&ctx.pool, ctx.user.id).await?;
            if let Some(message) = q.message.as_ref() {
                // The notice stays readable; its buttons go so it cannot be accepted twice.
                ctx.bot
                    .edit_message_reply_markup(ctx.chat(), message.id())
                    .await?;
            }
            ctx.set_state(State::Name).await?;
            let suggestion = suggested_name(Some(&q.from));
            ctx.send_with(
                tr!(lang, "ask-name"),
                name_keyboard(lang, suggestion.as_ref()),
            )
            .await?;
            Ok(())
        }
        (Callback::Delete(confirmed), State::ConfirmDelete) => {
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            if let Some(message) = q.message.as_ref() {
                ctx.bot
                    .edit_message_reply_markup(ctx.chat(), message.id())
                    .await?;
            }
            if !confirmed {
                ctx.set_state(State::Idle).await?;
                ctx.send_with(tr!(lang, "delete-kept"), keyboards::main_menu(lang))
                    .await?;
                return Ok(());
            }
            let mut tx = crate::db::begin_write(&ctx.pool).await?;
            store::erase(&mut tx, ctx.user.id).await?;
            dialogue::save(&mut tx, ctx.chat(), &State::Idle).await?;
            tx.commit().await?;
            tracing::info!(user_id = ctx.user.id.0, "personal data erased");
            ctx.send_with(tr!(lang, "delete-done"), keyboards::remove())
                .await?;
            Ok(())
        }
        // A real button, but from an earlier step: say so and ask the current question.
        (
            Callback::Consent
            | Callback::Delete(_)
            | Callback::Station(_)
            | Callback::Points(_)
            | Callback::Report(_)
            | Callback::Services(_),
            _,
        ) => {
            ctx.bot
                .answer_callback_query(q.id.clone())
                .text(tr!(lang, "button-expired"))
                .await?;
            menu::prompt(ctx, &state).await
        }
    }
}

/// `/language`: two buttons.
pub async fn choose_language(ctx: &Ctx) -> HandlerResult {
    let keyboard = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback("中文", Callback::Lang(Lang::Zh).encode()),
        InlineKeyboardButton::callback("English", Callback::Lang(Lang::En).encode()),
    ]]);
    ctx.send_with(tr!(ctx.lang(), "language-choose"), keyboard)
        .await?;
    Ok(())
}

/// `/privacy`: the notice, and what is held about this user right now.
pub async fn privacy(ctx: &Ctx, state: &State) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let held = match store::profile(&mut conn, ctx.user.id).await? {
        Some(p) => {
            let platform = p
                .platform
                .as_deref()
                .map(
                    |code| match Platform::from_code(code).and_then(|p| p.label_key()) {
                        Some(key) => t(lang, key),
                        None => code.to_owned(),
                    },
                )
                .unwrap_or_default();
            tr!(
                lang,
                "privacy-held",
                name = html::escape(p.name.as_deref().unwrap_or_default()),
                platform = html::escape(&platform),
                phone = html::escape(p.phone.as_deref().unwrap_or_default()),
            )
        }
        None => tr!(lang, "privacy-held-nothing"),
    };
    // The notice minus its last line ("tap Accept"), which only applies while onboarding.
    let notice = tr!(lang, "privacy-notice");
    let notice = notice
        .rsplit_once("\n\n")
        .map(|(head, _)| head)
        .unwrap_or(&notice);
    ctx.send(format!("{notice}\n\n{held}")).await?;
    if *state != State::Idle {
        prompt(ctx, state).await?;
    }
    Ok(())
}

/// `/deletemydata`: asks to confirm, or says there is nothing to delete.
pub async fn ask_delete(ctx: &Ctx) -> HandlerResult {
    if ctx.user.status != Status::Registered {
        ctx.send(tr!(ctx.lang(), "delete-nothing")).await?;
        return Ok(());
    }
    ctx.set_state(State::ConfirmDelete).await?;
    prompt(ctx, &State::ConfirmDelete).await
}
