//! The rider's own settings and data: `/language`, `/privacy` (what is held, with counts),
//! `/mydata` (all of it as a file) and `/deletemydata` with its confirm step.

use teloxide::payloads::EditMessageTextSetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode};
use teloxide::utils::html;

use super::callback::OnboardingCallback;
use super::keyboards::consent_keyboard;
use super::{PrivacySettings, Step};
use crate::bot::core::callback::CallbackData;
use crate::bot::core::dialogue;
use crate::bot::core::keyboards;
use crate::bot::core::personal::Holdings;
use crate::bot::core::{Ctx, HandlerResult, Next, Outcome};
use crate::i18n::{t, t_args, Lang};
use crate::onboarding::domain::Platform;
use crate::onboarding::store;
use crate::ops::api::call;
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
            call(
                ctx.bot
                    .edit_message_text(ctx.chat(), message.id(), tr!(new, "privacy-notice"))
                    .parse_mode(ParseMode::Html)
                    .reply_markup(consent_keyboard(new)),
            )
            .await?;
            return Ok(Next::Stay);
        }
    }
    ctx.send(tr!(new, "language-set")).await?;
    Ok(Next::AskIn(new))
}

/// `/privacy`: the notice, and every kind of data held about this person now, with counts.
pub async fn privacy(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    let holdings = ctx.dep::<Holdings>()?;
    let mut conn = ctx.pool.acquire().await?;
    let held = holdings.held(&mut conn, ctx.user.id).await?;
    let profile = store::profile(&mut conn, ctx.user.id).await?;
    drop(conn);
    let mut lines = vec![tr!(lang, "privacy-held-title")];
    if let Some(p) = profile {
        lines.push(profile_line(lang, &p));
    }
    for h in held
        .iter()
        .filter(|h| h.count > 0 && h.kind != "held-profile")
    {
        lines.push(tr!(
            lang,
            "privacy-held-line",
            kind = t(lang, h.kind),
            count = h.count
        ));
    }
    if lines.len() == 1 {
        lines = vec![tr!(lang, "privacy-held-nothing")];
    }
    let days = ctx.dep::<PrivacySettings>()?.photo_retention_days;
    lines.push(String::new());
    lines.push(tr!(lang, "privacy-retention", days = days));
    lines.push(tr!(lang, "privacy-mydata"));
    // The notice minus its last line ("tap Accept"), which only applies while onboarding.
    let notice = tr!(lang, "privacy-notice");
    let notice = notice
        .rsplit_once("\n\n")
        .map(|(head, _)| head)
        .unwrap_or(&notice);
    ctx.send(format!("{notice}\n\n{}", lines.join("\n")))
        .await?;
    Ok(())
}

/// Name, platform and phone, as held.
fn profile_line(lang: Lang, p: &store::Profile) -> String {
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

/// `/mydata`: everything held about this person, as a JSON file with readable field names.
pub async fn my_data(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    let holdings = ctx.dep::<Holdings>()?;
    let mut conn = ctx.pool.acquire().await?;
    let doc = holdings.export(&mut conn, ctx.user.id).await?;
    drop(conn);
    let now = ctx.now();
    let doc = serde_json::json!({ "exported_at": now, "data": doc });
    let bytes = serde_json::to_vec_pretty(&doc)
        .map_err(|e| crate::bot::core::BotError::Internal(e.to_string()))?;
    let name = format!("my-data-{}.json", now.format("%Y%m%d"));
    call(
        ctx.bot
            .send_document(ctx.chat(), InputFile::memory(bytes).file_name(name))
            .caption(tr!(lang, "mydata-caption"))
            .parse_mode(ParseMode::Html),
    )
    .await?;
    tracing::info!(user_id = ctx.user.id.0, "personal data sent to its owner");
    Ok(())
}

/// `/deletemydata`: asks to confirm, or says there is nothing to delete.
pub async fn ask_delete(ctx: &Ctx) -> Outcome<Step> {
    if ctx.user.status != Status::Registered {
        // Someone not registered holds at most what they typed so far: it is forgotten now.
        let mut conn = ctx.pool.acquire().await?;
        dialogue::end(&mut conn, ctx.chat()).await?;
        drop(conn);
        ctx.send_with(tr!(ctx.lang(), "delete-nothing"), keyboards::remove())
            .await?;
        return Ok(Next::Ended);
    }
    Ok(Next::Go(Step::ConfirmDelete))
}

/// The answer to "delete my data?".
pub async fn on_delete(ctx: &Ctx, q: &CallbackQuery, confirmed: bool) -> Outcome<Step> {
    let lang = ctx.lang();
    ctx.answer(q, None).await?;
    if let Some(message) = q.message.as_ref() {
        call(ctx.bot.edit_message_reply_markup(ctx.chat(), message.id())).await?;
    }
    if !confirmed {
        let mut conn = ctx.pool.acquire().await?;
        dialogue::end(&mut conn, ctx.chat()).await?;
        drop(conn);
        ctx.send_menu(tr!(lang, "delete-kept")).await?;
        return Ok(Next::Ended);
    }
    let holdings = ctx.dep::<Holdings>()?;
    let Some(done) = holdings.erase(&ctx.env(), ctx.user.id).await? else {
        let mut conn = ctx.pool.acquire().await?;
        dialogue::end(&mut conn, ctx.chat()).await?;
        drop(conn);
        ctx.send_with(tr!(lang, "delete-nothing"), keyboards::remove())
            .await?;
        return Ok(Next::Ended);
    };
    let mut lines = vec![tr!(lang, "delete-done-title")];
    for d in done.iter().filter(|d| d.count > 0) {
        lines.push(format!(
            "• {}",
            t_args(lang, d.key, &[("n", d.count.into())])
        ));
    }
    lines.push(String::new());
    lines.push(tr!(lang, "delete-done-end"));
    ctx.send_with(lines.join("\n"), keyboards::remove()).await?;
    Ok(Next::Ended)
}
