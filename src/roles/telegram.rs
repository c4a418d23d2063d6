//! `/appoint` and `/revoke` over Telegram. The handler only finds out whom the coordinator
//! means; whether they may is decided in `roles::domain`.

use teloxide::prelude::*;
use teloxide::types::MessageOrigin;
use teloxide::utils::html;

use super::domain::{self, RoleChange, RoleError, TargetRef};
use crate::bot::{BotError, Ctx, HandlerResult};
use crate::i18n::Lang;
use crate::tr;
use crate::users::UserId;

/// Whom a coordinator's command names (`/appoint`, `/revoke`, `/adjust`, `/passbook`).
pub enum Target<'a> {
    /// The rider, and the arguments after them.
    Found(TargetRef, &'a str),
    /// A reply to a forward whose sender hides their account.
    Hidden,
    /// No rider named: the command's usage applies.
    Missing,
}

/// The sender of the forwarded message the command replies to (then every argument is left
/// over), or else the first argument as a user id or @username.
pub fn target<'a>(msg: &Message, args: &'a str) -> Target<'a> {
    let args = args.trim();
    match msg.reply_to_message().and_then(|m| m.forward_origin()) {
        Some(MessageOrigin::User { sender_user, .. }) => {
            return Target::Found(TargetRef::Id(UserId(sender_user.id.0 as i64)), args)
        }
        Some(MessageOrigin::HiddenUser { .. }) => return Target::Hidden,
        _ => {}
    }
    let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    match TargetRef::parse(first) {
        Some(t) => Target::Found(t, rest.trim()),
        None => Target::Missing,
    }
}

fn who(lang: Lang, change_name: Option<&str>, id: UserId) -> String {
    match change_name {
        Some(name) => html::escape(name),
        None => tr!(lang, "someone", id = id.0),
    }
}

pub async fn appoint(ctx: &Ctx, msg: &Message, arg: &str) -> HandlerResult {
    run(ctx, msg, arg, true).await
}

pub async fn revoke(ctx: &Ctx, msg: &Message, arg: &str) -> HandlerResult {
    run(ctx, msg, arg, false).await
}

async fn run(ctx: &Ctx, msg: &Message, arg: &str, appoint: bool) -> HandlerResult {
    let lang = ctx.lang();
    // Said before parsing, so a rider probing the command learns nothing else.
    if !ctx.user.is_coordinator() {
        ctx.send(tr!(lang, "role-not-coordinator")).await?;
        return Ok(());
    }
    let target = match target(msg, arg) {
        Target::Found(t, _) => t,
        Target::Hidden => {
            ctx.send(tr!(lang, "forward-hidden")).await?;
            return Ok(());
        }
        Target::Missing => {
            let usage = if appoint {
                tr!(lang, "appoint-usage")
            } else {
                tr!(lang, "revoke-usage")
            };
            ctx.send(usage).await?;
            return Ok(());
        }
    };
    let result = if appoint {
        domain::appoint(&ctx.pool, ctx.user.id, &target).await
    } else {
        domain::revoke(&ctx.pool, ctx.user.id, &target).await
    };
    let reply = match result {
        Ok(RoleChange {
            target,
            target_name,
            target_lang,
        }) => {
            tracing::info!(
                actor = ctx.user.id.0,
                target = target.0,
                appoint,
                "role changed"
            );
            let note = if appoint {
                tr!(target_lang, "you-were-appointed")
            } else {
                tr!(target_lang, "you-were-revoked")
            };
            // The rider may have blocked the bot; the change stands either way.
            if let Err(err) = ctx
                .bot
                .send_message(ChatId(target.0), note)
                .parse_mode(teloxide::types::ParseMode::Html)
                .await
            {
                tracing::warn!(target = target.0, %err, "could not tell the rider about their role");
            }
            let name = who(lang, target_name.as_deref(), target);
            if appoint {
                tr!(lang, "appoint-done", who = name)
            } else {
                tr!(lang, "revoke-done", who = name)
            }
        }
        Err(RoleError::NotCoordinator) => tr!(lang, "role-not-coordinator"),
        Err(RoleError::UnknownUser) => tr!(lang, "role-unknown-user"),
        Err(RoleError::NotRegistered) => tr!(lang, "role-not-registered"),
        Err(RoleError::AlreadyOfficer(id, name)) => {
            tr!(
                lang,
                "role-already-officer",
                who = who(lang, name.as_deref(), id)
            )
        }
        Err(RoleError::NotOfficer(id, name)) => tr!(
            lang,
            "role-not-officer",
            who = who(lang, name.as_deref(), id)
        ),
        Err(RoleError::TargetIsCoordinator) => tr!(lang, "role-target-coordinator"),
        Err(RoleError::Db(err)) => return Err(BotError::Db(err)),
    };
    ctx.send(reply).await?;
    Ok(())
}
