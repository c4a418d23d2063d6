//! Slash commands: parsing (teloxide's `BotCommands`), the handlers that work in any dialogue
//! state, and the command menus registered with `setMyCommands` for each language and for
//! coordinators in their own chat scope.

use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};
use teloxide::utils::command::BotCommands;

use super::dialogue::State;
use super::{keyboards, menu, Ctx, HandlerResult};
use crate::i18n::{t, Lang};
use crate::{onboarding, points, reports, roles, services, stations, tr};

#[derive(BotCommands, Clone, Debug, PartialEq)]
#[command(rename_rule = "lowercase")]
pub enum Command {
    /// Register, or open the main menu. Carries a deep-link payload when there is one.
    Start(String),
    Help,
    Cancel,
    Language,
    Privacy,
    Deletemydata,
    /// Coordinators: make a rider a grid officer.
    Appoint(String),
    /// Coordinators: make a grid officer a rider again.
    Revoke(String),
    /// The points passbook.
    Points,
    /// The month's top contributors.
    Leaderboard,
    /// Coordinators: confirm a reward hand-over.
    Redeem(String),
    /// Coordinators: correct a rider's points, with a reason.
    Adjust(String),
    /// Coordinators: a rider's ledger.
    Passbook(String),
    /// Show a station; coordinators: close or reopen it.
    Station(String),
    /// Coordinators: how much of the district is within ten minutes of an open station.
    Coverage(String),
    /// File a report; with a number, show it (or, for coordinators, act on it).
    Report(String),
    /// The rider's own reports.
    Myreports,
    /// Coordinators: the open reports.
    Reports,
    /// Upcoming free services.
    Services,
    /// Coordinators: a session's sign-ups and its check-in QR code.
    Session(String),
    /// Coordinators: check a rider in to a session.
    Checkin(String),
}

/// Commands every user sees, in menu order, with their description keys.
const RIDER_COMMANDS: [(&str, &str); 11] = [
    ("start", "cmd-start"),
    ("services", "cmd-services"),
    ("report", "cmd-report"),
    ("myreports", "cmd-myreports"),
    ("points", "cmd-points"),
    ("leaderboard", "cmd-leaderboard"),
    ("help", "cmd-help"),
    ("language", "cmd-language"),
    ("privacy", "cmd-privacy"),
    ("deletemydata", "cmd-deletemydata"),
    ("cancel", "cmd-cancel"),
];
const COORDINATOR_COMMANDS: [(&str, &str); 10] = [
    ("reports", "cmd-reports"),
    ("session", "cmd-session"),
    ("checkin", "cmd-checkin"),
    ("redeem", "cmd-redeem"),
    ("adjust", "cmd-adjust"),
    ("passbook", "cmd-passbook"),
    ("appoint", "cmd-appoint"),
    ("revoke", "cmd-revoke"),
    ("station", "cmd-station"),
    ("coverage", "cmd-coverage"),
];

pub fn command_list(lang: Lang, coordinator: bool) -> Vec<BotCommand> {
    let extra: &[(&str, &str)] = if coordinator {
        &COORDINATOR_COMMANDS
    } else {
        &[]
    };
    RIDER_COMMANDS
        .iter()
        .chain(extra)
        .map(|(name, key)| BotCommand::new(*name, t(lang, key)))
        .collect()
}

/// Registers the command menus: the default (Chinese) and one per language for everyone, and
/// the coordinators' longer list in each coordinator's private chat.
pub async fn register(bot: &Bot, coordinator_ids: &[i64]) -> Result<(), teloxide::RequestError> {
    bot.set_my_commands(command_list(Lang::Zh, false)).await?;
    for lang in Lang::ALL {
        bot.set_my_commands(command_list(lang, false))
            .language_code(lang.telegram_code())
            .await?;
    }
    for &id in coordinator_ids {
        let scope = BotCommandScope::Chat {
            chat_id: Recipient::Id(ChatId(id)),
        };
        bot.set_my_commands(command_list(Lang::Zh, true))
            .scope(scope.clone())
            .await?;
        for lang in Lang::ALL {
            bot.set_my_commands(command_list(lang, true))
                .scope(scope.clone())
                .language_code(lang.telegram_code())
                .await?;
        }
    }
    Ok(())
}

pub async fn handle(ctx: &Ctx, state: State, cmd: Command, msg: &Message) -> HandlerResult {
    tracing::debug!(chat_id = ctx.chat().0, command = ?std::mem::discriminant(&cmd), "command");
    match cmd {
        Command::Start(payload) => onboarding::telegram::start(ctx, state, payload.trim()).await,
        Command::Help => {
            let mut text = tr!(ctx.lang(), "help");
            if ctx.user.is_coordinator() {
                text.push_str("\n\n");
                text.push_str(&tr!(ctx.lang(), "help-coordinator"));
            }
            ctx.send(text).await?;
            // Back to the step in progress; from idle, /help is only the help.
            if state != State::Idle {
                menu::prompt(ctx, &state).await?;
            }
            Ok(())
        }
        Command::Cancel => cancel(ctx, state).await,
        Command::Language => onboarding::telegram::choose_language(ctx).await,
        Command::Privacy => onboarding::telegram::privacy(ctx, &state).await,
        Command::Deletemydata => onboarding::telegram::ask_delete(ctx).await,
        Command::Appoint(arg) => roles::telegram::appoint(ctx, msg, arg.trim()).await,
        Command::Revoke(arg) => roles::telegram::revoke(ctx, msg, arg.trim()).await,
        Command::Points => then_resume(ctx, &state, points::telegram::show(ctx)).await,
        Command::Leaderboard => then_resume(ctx, &state, points::telegram::leaderboard(ctx)).await,
        Command::Redeem(arg) => points::telegram::redeem_command(ctx, arg.trim()).await,
        Command::Adjust(arg) => points::telegram::adjust_command(ctx, msg, &arg).await,
        Command::Passbook(arg) => points::telegram::passbook_command(ctx, msg, &arg).await,
        Command::Station(arg) => stations::telegram::station_command(ctx, &arg).await,
        Command::Coverage(arg) => stations::telegram::coverage_command(ctx, &arg).await,
        Command::Report(arg) => reports::telegram::report_command(ctx, state, &arg).await,
        Command::Myreports => then_resume(ctx, &state, reports::telegram::mine(ctx, 0, None)).await,
        Command::Reports => {
            then_resume(ctx, &state, reports::telegram::triage::open_list(ctx)).await
        }
        Command::Services => then_resume(ctx, &state, services::telegram::list(ctx, 0, None)).await,
        Command::Session(arg) => services::telegram::session_command(ctx, arg.trim()).await,
        Command::Checkin(arg) => services::telegram::check_in_command(ctx, msg, &arg).await,
    }
}

/// Runs a command that only shows something; in the middle of a dialogue (a report being filed,
/// say), asks the step's question again afterwards, with its keyboard, so the rider can go on.
async fn then_resume(
    ctx: &Ctx,
    state: &State,
    show: impl std::future::Future<Output = HandlerResult>,
) -> HandlerResult {
    show.await?;
    if *state != State::Idle && ctx.user.is_registered() {
        menu::prompt(ctx, state).await?;
    }
    Ok(())
}

/// `/cancel` (or the Cancel button) from any state: back to the main menu.
pub async fn cancel(ctx: &Ctx, state: State) -> HandlerResult {
    ctx.set_state(State::Idle).await?;
    let lang = ctx.lang();
    if !ctx.user.is_registered() {
        ctx.send_with(tr!(lang, "cancelled-unregistered"), keyboards::remove())
            .await?;
        return Ok(());
    }
    let text = if state == State::Idle {
        tr!(lang, "nothing-to-cancel")
    } else {
        tr!(lang, "cancelled")
    };
    ctx.send_with(text, keyboards::main_menu(lang)).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn command_menus_fit_telegrams_limits() {
        for lang in Lang::ALL {
            for coordinator in [false, true] {
                let list = command_list(lang, coordinator);
                let extra = if coordinator {
                    COORDINATOR_COMMANDS.len()
                } else {
                    0
                };
                assert_eq!(list.len(), RIDER_COMMANDS.len() + extra);
                for c in list {
                    assert!((1..=32).contains(&c.command.len()));
                    assert!(
                        (1..=256).contains(&c.description.chars().count()),
                        "{}",
                        c.description
                    );
                }
            }
        }
    }

    #[test]
    fn every_listed_command_parses() {
        for (name, _) in RIDER_COMMANDS.iter().chain(&COORDINATOR_COMMANDS) {
            assert!(
                Command::parse(&format!("/{name}"), "rider_bot").is_ok(),
                "{name}"
            );
        }
        assert_eq!(
            Command::parse("/start st-LF01", "rider_bot").unwrap(),
            Command::Start("st-LF01".into())
        );
    }
}
