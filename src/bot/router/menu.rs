//! The main menu: laid out from the capabilities' entries, and what an idle chat's messages
//! mean (a capability's idle input, such as a shared location or a photo; a menu button; or
//! else a hint).

use teloxide::types::Message;

use super::state::State;
use super::Router;
use crate::bot::core::keyboards::{is_label, MainMenu, MenuButton};
use crate::bot::core::registry::MenuEntry;
use crate::bot::core::{Ctx, Next, Outcome};
use crate::{onboarding, tr};

/// The main menu keyboard: each entry in its row, rows top first, in registration order.
pub fn layout(entries: &[MenuEntry<State>]) -> MainMenu {
    let rows = entries.iter().map(|e| e.row).max().map_or(0, |r| r + 1);
    let mut buttons: Vec<Vec<MenuButton>> = vec![Vec::new(); rows];
    for e in entries {
        buttons[e.row].push(MenuButton {
            label: e.label,
            share_location: e.share_location,
        });
    }
    buttons.retain(|row| !row.is_empty());
    MainMenu::new(&buttons)
}

/// A message in an idle chat: registration first for someone not registered; then what a
/// capability makes of it, a menu button, or a hint with the menu.
pub async fn on_idle_message(ctx: &Ctx, router: &Router, msg: &Message) -> Outcome<State> {
    if !ctx.user.is_registered() {
        return Ok(Next::Go(State::Onboarding(onboarding::telegram::begin())));
    }
    for input in &router.idle {
        if let Some(next) = (input.run)(ctx, msg).await? {
            return Ok(next);
        }
    }
    if let Some(entry) = msg
        .text()
        .and_then(|text| router.menu.iter().find(|e| is_label(text, e.label)))
    {
        return (entry.run)(ctx).await;
    }
    ctx.send_menu(tr!(ctx.lang(), "idle-unknown")).await?;
    Ok(Next::Stay)
}
