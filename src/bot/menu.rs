//! The main menu: the hub every dialogue returns to, and what an idle chat's messages mean.
//! Capabilities hang off the menu buttons.

use teloxide::prelude::*;

use super::dialogue::State;
use super::keyboards::{self, MenuChoice};
use super::{Ctx, HandlerResult};
use crate::{onboarding, tr};

/// Shows the main menu (registered) or starts onboarding (not yet registered).
pub async fn show(ctx: &Ctx) -> HandlerResult {
    if ctx.user.is_registered() {
        ctx.send_with(
            tr!(ctx.lang(), "main-menu-prompt"),
            keyboards::main_menu(ctx.lang()),
        )
        .await?;
        Ok(())
    } else {
        onboarding::telegram::begin(ctx).await
    }
}

/// Asks again for whatever `state` waits for, with its keyboard, so a rider who sent the wrong
/// thing (or pressed a stale button) always sees what to do next.
pub async fn prompt(ctx: &Ctx, state: &State) -> HandlerResult {
    match state {
        State::Idle => show(ctx).await,
        State::ReportCategory { .. }
        | State::ReportPhotos { .. }
        | State::ReportPlace { .. }
        | State::ReportNote { .. }
        | State::ReportConfirm { .. }
        | State::ReportEdit { .. } => crate::reports::telegram::prompt(ctx, state).await,
        _ => onboarding::telegram::prompt(ctx, state).await,
    }
}

/// The position of a shared location, live location or venue. A position Telegram should
/// never send (out of range) counts as none.
fn shared_position(msg: &Message) -> Option<crate::geo::Position> {
    let loc = msg
        .location()
        .or_else(|| msg.venue().map(|v| &v.location))?;
    crate::geo::Position::new(loc.latitude, loc.longitude).ok()
}

/// A message in an idle chat: a menu button, a shared location or photo, or anything else.
pub async fn on_idle_message(ctx: &Ctx, msg: &Message) -> HandlerResult {
    if !ctx.user.is_registered() {
        return onboarding::telegram::begin(ctx).await;
    }
    let lang = ctx.lang();
    if let Some(at) = shared_position(msg) {
        return crate::stations::telegram::on_location(ctx, at).await;
    }
    if msg
        .text()
        .is_some_and(|t| keyboards::is_label(t, "menu-nearest"))
    {
        return crate::stations::telegram::explain_location(ctx).await;
    }
    // A photo (or an image file) from the menu starts a report with it attached.
    if crate::reports::telegram::photos::incoming(msg).is_ok() {
        return crate::reports::telegram::begin(ctx, Some(msg)).await;
    }
    let reply = match msg.text().and_then(keyboards::menu_choice) {
        Some(MenuChoice::Services) => return crate::services::telegram::list(ctx, 0, None).await,
        Some(MenuChoice::Report) => return crate::reports::telegram::begin(ctx, None).await,
        Some(MenuChoice::Points) => return crate::points::telegram::show(ctx).await,
        None => tr!(lang, "idle-unknown"),
    };
    ctx.send_with(reply, keyboards::main_menu(lang)).await?;
    Ok(())
}
