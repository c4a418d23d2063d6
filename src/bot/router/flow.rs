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
    let mut current = current;
    let mut next = next;
    loop {
        match next {
            Next::Stay => return Ok(()),
            Next::Resume if current.is_idle() => return Ok(()),
            Next::Resume | Next::Ask => return ask(ctx, &current).await,
            Next::AskIn(lang) => {
                let mut ctx = ctx.clone();
                ctx.user.lang = lang;
                return ask(&ctx, &current).await;
            }
            Next::Go(state) => return go(ctx, &current, state).await,
            Next::Menu => {
                end(ctx, &current).await?;
                return ask(ctx, &State::Idle).await;
            }
            Next::Idle => return end(ctx, &current).await,
            Next::Ended => return Ok(()),
            Next::Cancelled => {
                end(ctx, &current).await?;
                return cancelled(ctx, &current).await;
            }
            Next::Follow(payload) => {
                current = State::Idle;
                next = router.follow(ctx, &payload).await?;
            }
        }
    }
}

/// Moves from `current` to `state` (saving it unless it is the same) and asks its question.
async fn go(ctx: &Ctx, current: &State, state: State) -> HandlerResult {
    if state != *current {
        save(ctx, &state).await?;
    }
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
            Box::pin(go(ctx, state, first)).await
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
