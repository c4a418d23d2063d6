//! What happens after a handler: [`apply`] turns its [`Next`] into the saved dialogue and the
//! question asked, so no capability calls the menu or another capability's prompt itself.
//! [`ask`] matches the state exhaustively: a new capability with steps does not compile until
//! its steps can be asked.

use crate::bot::core::dialogue::{self, DialogueState};
use crate::bot::core::keyboards;
use crate::bot::core::{Ctx, HandlerResult, Next};
use crate::tr;
use crate::{onboarding, reports};

use super::state::State;
use super::Router;

/// Carries out `next`, the outcome of a handler run in `current`.
pub async fn apply(ctx: &Ctx, router: &Router, current: State, next: Next<State>) -> HandlerResult {
    match next {
        Next::Follow(payload) => {
            // The rider may have registered in this very update: follow as they are now.
            let mut fresh = ctx.clone();
            let mut conn = ctx.pool.acquire().await?;
            if let Some(user) = crate::users::store::find(&mut conn, ctx.user.id).await? {
                fresh.user = user;
            }
            drop(conn);
            let next = router.follow(&fresh, &payload).await?;
            settle(&fresh, &State::Idle, next).await
        }
        other => settle(ctx, &current, other).await,
    }
}

/// Carries out an outcome other than following a link (a link leads to one answer: one that
/// leads to another is not followed further).
async fn settle(ctx: &Ctx, current: &State, next: Next<State>) -> HandlerResult {
    release(ctx, current, &next).await?;
    match next {
        Next::Stay | Next::Ended | Next::Follow(_) => Ok(()),
        Next::Resume if current.is_idle() => Ok(()),
        Next::Resume | Next::Ask => ask(ctx, current).await,
        Next::AskIn(lang) => {
            let mut ctx = ctx.clone();
            ctx.user.lang = lang;
            ask(&ctx, current).await
        }
        Next::Go(state) => go(ctx, state).await,
        Next::Menu => {
            end(ctx, current).await?;
            ask(ctx, &State::Idle).await
        }
        Next::Idle => end(ctx, current).await,
        Next::Cancelled => {
            end(ctx, current).await?;
            cancelled(ctx, current).await
        }
    }
}

/// A report draft that ends (filed, cancelled, replaced by another dialogue, erased) or drops
/// photos lets go of the files it no longer holds; a filed report's photos are the report's.
async fn release(ctx: &Ctx, current: &State, next: &Next<State>) -> HandlerResult {
    let State::Report(step) = current else {
        return Ok(());
    };
    let keep = match next {
        Next::Stay | Next::Resume | Next::Ask | Next::AskIn(_) | Next::Follow(_) => return Ok(()),
        Next::Go(State::Report(step)) => step.photo_paths(),
        Next::Go(State::Idle | State::Onboarding(_))
        | Next::Menu
        | Next::Idle
        | Next::Ended
        | Next::Cancelled => Vec::new(),
    };
    if keep == step.photo_paths() {
        return Ok(());
    }
    reports::telegram::retention::release_drafts(&ctx.env(), ctx.user.id, &keep).await
}

/// Moves to `state` (saving it, which also restarts its idle time) and asks its question.
async fn go(ctx: &Ctx, state: State) -> HandlerResult {
    save(ctx, &state).await?;
    ask(ctx, &state).await
}

async fn save(ctx: &Ctx, state: &State) -> HandlerResult {
    tracing::debug!(
        update_id = ctx.update_id,
        chat_id = ctx.chat().0,
        to = state.label(),
        "state"
    );
    let mut conn = ctx.pool.acquire().await?;
    dialogue::save(&mut conn, ctx.chat(), state).await?;
    Ok(())
}

/// Ends the dialogue (unless there was none).
async fn end(ctx: &Ctx, current: &State) -> HandlerResult {
    if !current.is_idle() {
        save(ctx, &State::Idle).await?;
    }
    Ok(())
}

/// Asks for whatever `state` waits for, with its keyboard, so a rider who sent the wrong thing
/// (or pressed a stale button) always sees what to do next. Idle is the main menu, or the
/// privacy notice for someone not registered (registration starts).
pub async fn ask(ctx: &Ctx, state: &State) -> HandlerResult {
    match state {
        State::Idle if !ctx.user.is_registered() => {
            let first = State::Onboarding(onboarding::telegram::begin());
            Box::pin(go(ctx, first)).await
        }
        State::Idle => {
            ctx.send_menu(tr!(ctx.lang(), "main-menu-prompt")).await?;
            Ok(())
        }
        State::Onboarding(step) => onboarding::telegram::prompt(ctx, step).await,
        State::Report(step) => reports::telegram::prompt(ctx, step).await,
    }
}

/// `/cancel` (or the Cancel button, or a dialogue's own Cancel): back to the main menu.
async fn cancelled(ctx: &Ctx, was: &State) -> HandlerResult {
    let lang = ctx.lang();
    if !ctx.user.is_registered() {
        ctx.send_with(tr!(lang, "cancelled-unregistered"), keyboards::remove())
            .await?;
        return Ok(());
    }
    let text = if was.is_idle() {
        tr!(lang, "nothing-to-cancel")
    } else {
        tr!(lang, "cancelled")
    };
    ctx.send_menu(text).await?;
    Ok(())
}
