//! The registration conversation: privacy notice → name → platform → phone → main menu. Every
//! step answers every kind of input: what it waits for moves on, anything else gets a short
//! reason and the same question again.

use teloxide::prelude::*;
use teloxide::utils::html;

use super::keyboards::{
    consent_keyboard, delete_keyboard, name_keyboard, phone_keyboard, platform_keyboard,
};
use super::Step;
use crate::bot::core::dialogue;
use crate::bot::core::keyboards::{self};
use crate::bot::core::{BotError, Ctx, HandlerResult, Next, Outcome};
use crate::onboarding::domain::{InputError, Phone, Platform, RiderName};
use crate::onboarding::store;
use crate::ops::api::call;
use crate::tr;

/// The rider's Telegram name, offered as a one-tap answer when it makes a valid name.
fn suggested_name(from: &teloxide::types::User) -> Option<RiderName> {
    RiderName::parse(&from.full_name()).ok()
}

/// Asks what `step` waits for, with its keyboard.
pub async fn prompt(ctx: &Ctx, step: &Step) -> HandlerResult {
    let lang = ctx.lang();
    match step {
        Step::Consent => {
            ctx.send_with(tr!(lang, "privacy-notice"), consent_keyboard(lang))
                .await?;
        }
        Step::Name => {
            let suggestion = suggested_name(&ctx.from);
            ctx.send_with(
                tr!(lang, "ask-name"),
                name_keyboard(lang, suggestion.as_ref()),
            )
            .await?;
        }
        Step::Platform { .. } => {
            ctx.send_with(tr!(lang, "ask-platform"), platform_keyboard(lang))
                .await?;
        }
        Step::PlatformOther { .. } => {
            ctx.send_with(
                tr!(lang, "ask-platform-other"),
                keyboards::cancel_only(lang),
            )
            .await?;
        }
        Step::Phone { .. } => {
            ctx.send_with(tr!(lang, "ask-phone"), phone_keyboard(lang))
                .await?;
        }
        Step::ConfirmDelete => {
            ctx.send_with(tr!(lang, "delete-confirm"), delete_keyboard(lang))
                .await?;
        }
    }
    Ok(())
}

/// A message (not a command) while onboarding or confirming deletion.
pub async fn on_message(ctx: &Ctx, step: Step, msg: &Message) -> Outcome<Step> {
    let lang = ctx.lang();
    let text = msg.text();
    match step {
        Step::Consent => {
            ctx.send(tr!(lang, "consent-needed")).await?;
            Ok(Next::Ask)
        }
        Step::ConfirmDelete => Ok(Next::Ask),
        Step::Name => {
            let Some(text) = text else {
                ctx.send(tr!(lang, "unexpected-input")).await?;
                return Ok(Next::Ask);
            };
            match RiderName::parse(text) {
                Ok(name) => Ok(Next::Go(Step::Platform { name })),
                Err(err) => {
                    let why = match err {
                        InputError::TooLong => tr!(lang, "name-too-long"),
                        InputError::Empty | InputError::BadCharacters | InputError::NotAPhone => {
                            tr!(lang, "name-invalid")
                        }
                    };
                    ctx.send(why).await?;
                    Ok(Next::Ask)
                }
            }
        }
        Step::Platform { name } => {
            let Some(text) = text else {
                ctx.send(tr!(lang, "unexpected-input")).await?;
                return Ok(Next::Ask);
            };
            if keyboards::is_label(text, "platform-other") {
                return Ok(Next::Go(Step::PlatformOther { name }));
            }
            platform_chosen(ctx, name, text).await
        }
        Step::PlatformOther { name } => {
            let Some(text) = text else {
                ctx.send(tr!(lang, "unexpected-input")).await?;
                return Ok(Next::Ask);
            };
            platform_chosen(ctx, name, text).await
        }
        Step::Phone { name, platform } => on_phone(ctx, msg, name, platform).await,
    }
}

async fn platform_chosen(ctx: &Ctx, name: RiderName, text: &str) -> Outcome<Step> {
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
        Ok(platform) => Ok(Next::Go(Step::Phone { name, platform })),
        Err(_) => {
            ctx.send(tr!(ctx.lang(), "platform-invalid")).await?;
            Ok(Next::Ask)
        }
    }
}

async fn on_phone(ctx: &Ctx, msg: &Message, name: RiderName, platform: Platform) -> Outcome<Step> {
    let lang = ctx.lang();
    let why = match msg.contact() {
        None if msg.text().is_some() => tr!(lang, "phone-use-button"),
        None => tr!(lang, "unexpected-input"),
        Some(contact)
            if contact.user_id.is_none() || contact.user_id != msg.from.as_ref().map(|u| u.id) =>
        {
            tr!(lang, "phone-not-own")
        }
        Some(contact) => match Phone::parse(&contact.phone_number) {
            Ok(phone) => return complete_registration(ctx, msg, name, platform, phone).await,
            Err(_) => tr!(lang, "phone-invalid"),
        },
    };
    ctx.send(why).await?;
    Ok(Next::Ask)
}

async fn complete_registration(
    ctx: &Ctx,
    msg: &Message,
    name: RiderName,
    platform: Platform,
    phone: Phone,
) -> Outcome<Step> {
    let lang = ctx.lang();
    let username = msg.from.as_ref().and_then(|u| u.username.as_deref());

    // Registration, the dialogue's end and the pending deep link are one transaction.
    let mut tx = crate::db::begin_write(&ctx.pool).await?;
    store::register(
        &mut tx,
        ctx.user.id,
        &name,
        &platform,
        &phone,
        username,
        ctx.now(),
    )
    .await
    .map_err(BotError::domain)?;
    dialogue::end(&mut tx, ctx.chat()).await?;
    let pending = store::take_pending_payload(&mut tx, ctx.user.id).await?;
    tx.commit().await?;
    tracing::info!(user_id = ctx.user.id.0, "rider registered");

    let welcome = tr!(
        lang,
        "welcome-registered",
        name = html::escape(name.as_str())
    );
    ctx.send_menu(welcome).await?;
    Ok(match pending {
        Some(payload) => Next::Follow(payload),
        None => Next::Ended,
    })
}

/// The Accept button under the privacy notice.
pub async fn on_consent(ctx: &Ctx, q: &CallbackQuery) -> Outcome<Step> {
    ctx.answer(q, None).await?;
    store::record_consent(&ctx.pool, ctx.user.id).await?;
    if let Some(message) = q.message.as_ref() {
        // The notice stays readable; its buttons go so it cannot be accepted twice.
        call(ctx.bot.edit_message_reply_markup(ctx.chat(), message.id())).await?;
    }
    Ok(Next::Go(Step::Name))
}
