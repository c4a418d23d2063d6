//! Slash commands: the router's own (`/start`, `/help`, `/cancel`), reading `/name@bot args`
//! against the table every capability registered into, and the command menus registered with
//! `setMyCommands` for each language and for coordinators in their own chat scope.

use teloxide::prelude::*;
use teloxide::types::{BotCommand, BotCommandScope, Recipient};

use super::links;
use super::state::State;
use super::Router;
use crate::bot::core::dialogue::{self, DialogueState};
use crate::bot::core::registry::{Audience, Command};
use crate::bot::core::{Ctx, Next, Outcome};
use crate::i18n::{t, Lang};
use crate::ops::api::call;
use crate::{onboarding, tr};

/// The router's own commands: `/start` first in the menu, `/help` and `/cancel` last.
pub fn first() -> Vec<Command<State>> {
    vec![Command {
        name: "start",
        description: "cmd-start",
        audience: Audience::Everyone,
        registered_only: false,
        run: |ctx, state, _, args| Box::pin(start(ctx, state, args.trim())),
    }]
}

pub fn last() -> Vec<Command<State>> {
    vec![
        Command {
            name: "help",
            description: "cmd-help",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, _| Box::pin(help(ctx)),
        },
        Command {
            name: "cancel",
            description: "cmd-cancel",
            audience: Audience::Everyone,
            registered_only: false,
            run: |_, _, _, _| Box::pin(async { Ok(Next::Cancelled) }),
        },
    ]
}

/// `/start` with an optional deep-link payload: a registered rider is greeted and the link
/// followed; anyone else starts registering, and a link they came with is kept for after.
async fn start(ctx: &Ctx, state: &State, payload: &str) -> Outcome<State> {
    let payload = if payload.is_empty() {
        None
    } else if links::well_formed(payload) {
        Some(payload.to_owned())
    } else {
        ctx.send(tr!(ctx.lang(), "deeplink-unknown")).await?;
        None
    };
    if ctx.user.is_registered() {
        // Whatever was in progress is over, before the greeting says so.
        if !state.is_idle() {
            let mut conn = ctx.pool.acquire().await?;
            dialogue::end(&mut conn, ctx.chat()).await?;
        }
        onboarding::telegram::welcome_back(ctx).await?;
        return Ok(match payload {
            Some(p) => Next::Follow(p),
            None => Next::Ended,
        });
    }
    if let Some(p) = &payload {
        onboarding::telegram::keep_link(ctx, p).await?;
    }
    Ok(Next::Go(State::Onboarding(onboarding::telegram::begin())))
}

/// `/help`: the commands, and the coordinators' too for a coordinator; then the step in
/// progress again.
async fn help(ctx: &Ctx) -> Outcome<State> {
    let mut text = tr!(ctx.lang(), "help");
    if ctx.user.is_coordinator() {
        text.push_str("\n\n");
        text.push_str(&tr!(ctx.lang(), "help-coordinator"));
    }
    ctx.send(text).await?;
    Ok(Next::Resume)
}

/// A command found in a message: which one, and the text after it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invocation {
    pub index: usize,
    pub args: String,
}

/// Reads `/name args` or `/name@bot args` (only when `bot` is this bot's @username, as in a
/// group); `None` for anything else, including commands nobody registered.
pub fn parse(router: &Router, text: &str, bot: Option<&str>) -> Option<Invocation> {
    let rest = text.strip_prefix('/')?;
    let (word, args) = match rest.split_once(char::is_whitespace) {
        Some((word, args)) => (word, args),
        None => (rest, ""),
    };
    let name = match word.split_once('@') {
        Some((name, addressed)) => {
            let ours = bot.is_some_and(|b| b.eq_ignore_ascii_case(addressed));
            if !ours {
                return None;
            }
            name
        }
        None => word,
    };
    let index = router.command_index(name)?;
    Some(Invocation {
        index,
        args: args.to_owned(),
    })
}

/// The order riders and coordinators see commands in: what they use most first, settings
/// and `/cancel` last. A command not listed here follows the listed ones of its audience, in
/// registration order.
const MENU_ORDER: &[&str] = &[
    "start",
    "services",
    "report",
    "myreports",
    "feedback",
    "points",
    "leaderboard",
    "help",
    "language",
    "notifications",
    "privacy",
    "mydata",
    "deletemydata",
    "cancel",
    "reports",
    "stats",
    "export",
    "broadcast",
    "broadcasts",
    "session",
    "checkin",
    "redeem",
    "adjust",
    "passbook",
    "appoint",
    "revoke",
    "station",
    "coverage",
];

/// The command menu for `lang`: everyone's commands, and the coordinators' after them.
pub fn command_list(router: &Router, lang: Lang, coordinator: bool) -> Vec<BotCommand> {
    let rank = |c: &&Command<State>| {
        MENU_ORDER
            .iter()
            .position(|n| *n == c.name)
            .unwrap_or(MENU_ORDER.len())
    };
    let mut everyone: Vec<_> = router
        .commands()
        .filter(|c| c.audience == Audience::Everyone)
        .collect();
    let mut coordinators: Vec<_> = router
        .commands()
        .filter(|c| coordinator && c.audience == Audience::Coordinators)
        .collect();
    everyone.sort_by_key(rank);
    coordinators.sort_by_key(rank);
    everyone
        .into_iter()
        .chain(coordinators)
        .map(|c| BotCommand::new(c.name, t(lang, c.description)))
        .collect()
}

/// Registers the command menus: the default (Chinese) and one per language for everyone, and
/// the coordinators' longer list in each coordinator's private chat.
pub async fn register(
    router: &Router,
    bot: &Bot,
    coordinator_ids: &[i64],
) -> Result<(), teloxide::RequestError> {
    call(bot.set_my_commands(command_list(router, Lang::Zh, false))).await?;
    for lang in Lang::ALL {
        call(
            bot.set_my_commands(command_list(router, lang, false))
                .language_code(lang.telegram_code()),
        )
        .await?;
    }
    for &id in coordinator_ids {
        let scope = BotCommandScope::Chat {
            chat_id: Recipient::Id(ChatId(id)),
        };
        call(
            bot.set_my_commands(command_list(router, Lang::Zh, true))
                .scope(scope.clone()),
        )
        .await?;
        for lang in Lang::ALL {
            call(
                bot.set_my_commands(command_list(router, lang, true))
                    .scope(scope.clone())
                    .language_code(lang.telegram_code()),
            )
            .await?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn router() -> Router {
        let config = crate::config::Config::from_lookup(|_| None).unwrap();
        crate::bot::router::wire(&config).router
    }

    #[test]
    fn command_menus_fit_telegrams_limits() {
        let router = router();
        let everyone = router
            .commands()
            .filter(|c| c.audience == Audience::Everyone)
            .count();
        let all = router.commands().count();
        for lang in Lang::ALL {
            for coordinator in [false, true] {
                let list = command_list(&router, lang, coordinator);
                assert_eq!(list.len(), if coordinator { all } else { everyone });
                // Telegram takes at most 100 commands per list.
                assert!(list.len() <= 100);
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
        let names = |coordinator| -> Vec<String> {
            command_list(&router, Lang::En, coordinator)
                .into_iter()
                .map(|c| c.command)
                .collect()
        };
        assert_eq!(
            names(false),
            [
                "start",
                "services",
                "report",
                "myreports",
                "feedback",
                "points",
                "leaderboard",
                "help",
                "language",
                "notifications",
                "privacy",
                "mydata",
                "deletemydata",
                "cancel"
            ]
        );
        assert_eq!(
            names(true)[14..],
            [
                "reports",
                "stats",
                "export",
                "broadcast",
                "broadcasts",
                "session",
                "checkin",
                "redeem",
                "adjust",
                "passbook",
                "appoint",
                "revoke",
                "station",
                "coverage"
            ]
        );
    }

    #[test]
    fn every_listed_command_parses() {
        let router = router();
        let names: Vec<&str> = router.commands().map(|c| c.name).collect();
        for name in &names {
            assert!(
                parse(&router, &format!("/{name}"), Some("rider_bot")).is_some(),
                "{name}"
            );
        }
        let start = parse(&router, "/start st-LF01", Some("rider_bot")).unwrap();
        assert_eq!(names[start.index], "start");
        assert_eq!(start.args, "st-LF01");
        let addressed = parse(&router, "/help@Rider_Bot", Some("rider_bot")).unwrap();
        assert_eq!(names[addressed.index], "help");
        assert_eq!(parse(&router, "/help@other_bot", Some("rider_bot")), None);
        assert_eq!(parse(&router, "/nosuchcommand", Some("rider_bot")), None);
        assert_eq!(parse(&router, "help", Some("rider_bot")), None);
    }
}
