//! Coordinators' side of free services: `/session CODE` (who is coming, and the session's
//! signed check-in code as a link and a QR code, to print on the day or show on a screen),
//! `/session CODE cancel REASON` (everyone in it told) and `/checkin SESSION RIDER` (a rider
//! or a walk-in).

use teloxide::prelude::*;
use teloxide::types::{InputFile, ParseMode};
use teloxide::utils::html;

use super::words::{seats_text, when};
use crate::bot::core::target::{first_word, target, Target};
use crate::bot::core::{BotError, Ctx, HandlerResult};
use crate::ops::api::call;
use crate::services::checkin::{self, KeyRing};
use crate::services::domain;
use crate::services::SessionCode;
use crate::tr;
use crate::users::Refusal;

/// `/session CODE`: coordinators see who is coming and get the station's check-in QR code.
pub async fn session_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let (first, rest) = first_word(args);
    let Some(code) = SessionCode::parse(first) else {
        ctx.send(tr!(lang, "services-session-usage")).await?;
        return Ok(());
    };
    if let Some(reason) = rest.strip_prefix("cancel") {
        return cancel_session(ctx, &code, reason.trim()).await;
    }
    if !rest.is_empty() {
        ctx.send(tr!(lang, "services-session-usage")).await?;
        return Ok(());
    }
    let (s, roster) = match domain::roster(&ctx.pool, ctx.user.id, &code).await {
        Ok(found) => found,
        Err(err) => return ctx.refuse(err).await,
    };
    let mut text = tr!(
        lang,
        "services-roster-title",
        icon = s.kind.icon(),
        title = html::escape(s.title(lang)),
        when = when(lang, &s, ctx.settings.tz),
        seats = seats_text(lang, &s)
    );
    for (i, (id, status, name)) in roster.iter().enumerate() {
        let who = name
            .as_deref()
            .map(html::escape)
            .unwrap_or_else(|| format!("#{}", id.0));
        text.push_str(&format!(
            "\n{}. {who} ({}) · {}",
            i + 1,
            id.0,
            crate::i18n::t(lang, &format!("services-status-{status}"))
        ));
    }
    ctx.send(text).await?;
    // A code for a session called off or over would check no one in.
    if s.cancelled || s.ends_at < ctx.now() {
        return Ok(());
    }
    send_code(ctx, &s).await
}

/// The session's signed check-in code: the link, and its QR code with what to do with it.
async fn send_code(ctx: &Ctx, s: &crate::services::Session) -> HandlerResult {
    let lang = ctx.lang();
    let key = ctx
        .dep::<KeyRing>()?
        .key(&ctx.pool, ctx.now())
        .await
        .map_err(BotError::domain)?;
    let payload = format!("cs-{}", key.sign(&s.code));
    let link = match &ctx.settings.bot_username {
        Some(bot) => format!("https://t.me/{bot}?start={payload}"),
        None => payload.clone(),
    };
    ctx.send(tr!(
        lang,
        "services-code-link",
        link = format!("<code>{}</code>", html::escape(&link))
    ))
    .await?;
    let png = crate::points::qr::png(&link).map_err(|e| BotError::Internal(e.to_string()))?;
    call(
        ctx.bot
            .send_photo(
                ctx.chat(),
                InputFile::memory(png).file_name(format!("{}.png", s.code)),
            )
            .caption(tr!(
                lang,
                "services-code-caption",
                icon = s.kind.icon(),
                title = html::escape(s.title(lang)),
                when = when(lang, s, ctx.settings.tz)
            ))
            .parse_mode(ParseMode::Html),
    )
    .await?;
    Ok(())
}

/// `/session CODE cancel [reason]`: the session is off; everyone in it is told.
async fn cancel_session(ctx: &Ctx, code: &SessionCode, reason: &str) -> HandlerResult {
    let lang = ctx.lang();
    let now = ctx.now();
    let (_, riders) = match domain::cancel_session(&ctx.pool, ctx.user.id, code, reason, now).await
    {
        Ok(done) => done,
        Err(err) => return ctx.refuse(err).await,
    };
    // Everyone in it is told through the outbox.
    ctx.send(tr!(
        lang,
        "services-session-cancelled-done",
        code = code.to_string(),
        n = riders.len()
    ))
    .await?;
    Ok(())
}

/// `/checkin SESSION RIDER`: a coordinator checks a rider (or a walk-in) in.
pub async fn check_in_command(ctx: &Ctx, msg: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let (first, rest) = first_word(args);
    let Some(code) = SessionCode::parse(first) else {
        ctx.send(tr!(lang, "services-checkin-usage")).await?;
        return Ok(());
    };
    let target = match target(msg, rest) {
        Target::Found(t, _) => t,
        Target::Hidden => {
            ctx.send(tr!(lang, "forward-hidden")).await?;
            return Ok(());
        }
        Target::Missing => {
            ctx.send(tr!(lang, "services-checkin-usage")).await?;
            return Ok(());
        }
    };
    let mut conn = ctx.pool.acquire().await?;
    let rider = target.find(&mut conn).await?;
    drop(conn);
    let Some(rider) = rider else {
        return ctx.refuse(Refusal::UnknownUser).await;
    };
    let now = ctx.now();
    match checkin::by_coordinator(&ctx.pool, ctx.user.id, rider.id, &code, now).await {
        Ok(done) => {
            let who = rider
                .name
                .as_deref()
                .map(html::escape)
                .unwrap_or_else(|| format!("#{}", rider.id.0));
            ctx.send(tr!(
                lang,
                "services-checked-in-by-coordinator",
                who = who,
                title = html::escape(done.session.title(lang)),
                points = done.points.unwrap_or(0)
            ))
            .await?;
            // The rider is told through the outbox.
        }
        Err(err) => return ctx.refuse(err).await,
    }
    Ok(())
}
