//! The rider's own settings and data: `/language`, `/privacy` and `/deletemydata` with its
//! confirm step.

use teloxide::payloads::EditMessageTextSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};
use teloxide::utils::html;

use super::callback::OnboardingCallback;
use super::keyboards::consent_keyboard;
use super::Step;
use crate::bot::core::callback::CallbackData;
use crate::bot::core::dialogue;
use crate::bot::core::keyboards;
use crate::bot::core::{Ctx, HandlerResult, Next, Outcome};
use crate::i18n::{t, Lang};
use crate::onboarding::domain::Platform;
use crate::onboarding::store;
use crate::tr;
use crate::users::{self, Status};

/// `/language`: two buttons.
pub async fn choose_language(ctx: &Ctx) -> HandlerResult {
    let keyboard = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback("中文", OnboardingCallback::Lang(Lang::Zh).encode()),
        InlineKeyboardButton::callback("English", OnboardingCallback::Lang(Lang::En).encode()),
    ]]);
    ctx.send_with(tr!(ctx.lang(), "language-choose"), keyboard)
        .await?;
    Ok(())
}

/// A language button: on the privacy notice it re-words the notice in place; anywhere else it
/// says so and asks the step in progress again, in the new language.
pub async fn on_language(
    ctx: &Ctx,
    step: Option<&Step>,
    q: &CallbackQuery,
    new: Lang,
) -> Outcome<Step> {
    ctx.answer(q, None).await?;
    let on_notice = step == Some(&Step::Consent);
    if new == ctx.lang() && on_notice {
        // A double tap: the notice already reads in this language.
        return Ok(Next::Stay);
    }
    users::store::set_lang(&ctx.pool, ctx.user.id, new).await?;
    if on_notice {
        if let Some(message) = q.message.as_ref() {
            ctx.bot
                .edit_message_text(ctx.chat(), message.id(), tr!(new, "privacy-notice"))
                .parse_mode(ParseMode::Html)
                .reply_markup(consent_keyboard(new))
                .await?;
            return Ok(Next::Stay);
        }
    }
    ctx.send(tr!(new, "language-set")).await?;
    Ok(Next::AskIn(new))
}

/// `/privacy`: the notice, and what is held about this user right now.
pub async fn privacy(ctx: &Ctx) -> HandlerResult {
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
    Ok(())
}

/// `/deletemydata`: asks to confirm, or says there is nothing to delete.
pub async fn ask_delete(ctx: &Ctx) -> Outcome<Step> {
    if ctx.user.status != Status::Registered {
        ctx.send(tr!(ctx.lang(), "delete-nothing")).await?;
        return Ok(Next::Stay);
    }
    Ok(Next::Go(Step::ConfirmDelete))
}

/// The answer to "delete my data?".
pub async fn on_delete(ctx: &Ctx, q: &CallbackQuery, confirmed: bool) -> Outcome<Step> {
    let lang = ctx.lang();
    ctx.answer(q, None).await?;
    if let Some(message) = q.message.as_ref() {
        ctx.bot
            .edit_message_reply_markup(ctx.chat(), message.id())
            .await?;
    }
    if !confirmed {
        let mut conn = ctx.pool.acquire().await?;
        dialogue::end(&mut conn, ctx.chat()).await?;
        drop(conn);
        ctx.send_menu(tr!(lang, "delete-kept")).await?;
        return Ok(Next::Ended);
    }
    let mut tx = crate::db::begin_write(&ctx.pool).await?;
    store::erase(&mut tx, ctx.user.id).await?;
    dialogue::end(&mut tx, ctx.chat()).await?;
    tx.commit().await?;
    tracing::info!(user_id = ctx.user.id.0, "personal data erased");
    ctx.send_with(tr!(lang, "delete-done"), keyboards::remove())
        .await?;
    Ok(Next::Ended)
}
