//! What happens after a handler: [`apply`] turns its [`Next`] into the saved dialogue and the
//! question asked, so no capability calls the menu or another capability's prompt itself.
//! [`ask`] matches the state exhaustively: a new capability with steps does not compile until
//! its steps can be asked.

use crate::bot::core::dialogue::{self, DialogueState};
use crate::bot::core::keyboards;
use crate::bot::core::{Ctx, HandlerResult, Next};
use crate::tr;
use crate::{broadcasts, feedback, onboarding, reports};

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
    // A draft's photos are let go only once the state that no longer holds them is saved: a
    // crash in between leaves files behind (the daily sweep takes them), never a saved draft
    // whose photos are gone.
    let keep = leaving(current, &next);
    match next {
        Next::Stay | Next::Follow(_) => Ok(()),
        Next::Ended => {
            release(ctx, keep).await;
            Ok(())
        }
        Next::Resume if current.is_idle() => Ok(()),
        Next::Resume | Next::Ask => ask(ctx, current).await,
        Next::AskIn(lang) => {
            let mut ctx = ctx.clone();
            ctx.user.lang = lang;
            ask(&ctx, current).await
        }
        Next::Go(state) => {
            save(ctx, &state).await?;
            release(ctx, keep).await;
            ask(ctx, &state).await
        }
        Next::Save(state) => {
            save(ctx, &state).await?;
            release(ctx, keep).await;
            Ok(())
        }
        Next::Menu => {
            end(ctx, current).await?;
            release(ctx, keep).await;
            ask(ctx, &State::Idle).await
        }
        Next::Idle => {
            end(ctx, current).await?;
            release(ctx, keep).await;
            Ok(())
        }
        Next::Cancelled => {
            end(ctx, current).await?;
            release(ctx, keep).await;
            cancelled(ctx, current).await
        }
    }
}

/// The photos a report draft keeps after `next`, when it ends (filed, cancelled, replaced by
/// another dialogue, erased) or drops some (replaced in Edit); `None` when nothing changes.
fn leaving(current: &State, next: &Next<State>) -> Option<Vec<String>> {
    let State::Report(step) = current else {
        return None;
    };
    let keep = match next {
        Next::Stay | Next::Resume | Next::Ask | Next::AskIn(_) | Next::Follow(_) => return None,
        Next::Go(State::Report(step)) | Next::Save(State::Report(step)) => step.photo_paths(),
        Next::Go(State::Idle | State::Onboarding(_) | State::Broadcast(_) | State::Feedback(_))
        | Next::Save(
            State::Idle | State::Onboarding(_) | State::Broadcast(_) | State::Feedback(_),
        )
        | Next::Menu
        | Next::Idle
        | Next::Ended
        | Next::Cancelled => Vec::new(),
    };
    (keep != step.photo_paths()).then_some(keep)
}

/// Lets go of the draft photos not in `keep` (a filed report's photos are the report's). A
/// failure is logged: the rider's step has moved on, and the daily sweep takes the files.
async fn release(ctx: &Ctx, keep: Option<Vec<String>>) {
    let Some(keep) = keep else {
        return;
    };
    let env = ctx.env();
    if let Err(e) = reports::telegram::retention::release_drafts(&env, ctx.user.id, &keep).await {
        tracing::warn!(chat_id = ctx.chat().0, %e, "draft photos not released; the sweep takes them");
    }
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
        State::Broadcast(step) => broadcasts::telegram::prompt(ctx, step).await,
        State::Feedback(step) => feedback::telegram::prompt(ctx, step).await,
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
