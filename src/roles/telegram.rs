//! `/appoint` and `/revoke` over Telegram. The handler only finds out whom the coordinator
//! means; whether they may is decided in `roles::domain`.

use teloxide::prelude::*;
use teloxide::utils::html;

use super::domain::{self, RoleChange, RoleError};
use crate::bot::core::registry::{stay, Audience, Capability, Command};
use crate::bot::core::target::{target, Target};
use crate::bot::core::{Ctx, Explain, HandlerResult};
use crate::i18n::Lang;
use crate::tr;
use crate::users::{Refusal, UserId};

/// What roles register: the two coordinator commands.
pub fn capability<T: Send + Sync + 'static>() -> Capability<T> {
    Capability::new("roles")
        .command(Command {
            name: "appoint",
            description: "cmd-appoint",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, msg, args| Box::pin(stay(run(ctx, msg, args.trim(), true))),
        })
        .command(Command {
            name: "revoke",
            description: "cmd-revoke",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, msg, args| Box::pin(stay(run(ctx, msg, args.trim(), false))),
        })
}

fn who(lang: Lang, name: Option<&str>, id: UserId) -> String {
    match name {
        Some(name) => html::escape(name),
        None => tr!(lang, "someone", id = id.0),
    }
}

impl Explain for RoleError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            RoleError::Refused(r) => return r.words(lang),
            RoleError::AlreadyOfficer(id, name) => tr!(
                lang,
                "role-already-officer",
                who = who(lang, name.as_deref(), *id)
            ),
            RoleError::NotOfficer(id, name) => tr!(
                lang,
                "role-not-officer",
                who = who(lang, name.as_deref(), *id)
            ),
            RoleError::TargetIsCoordinator => tr!(lang, "role-target-coordinator"),
            RoleError::Db(_) => return None,
        })
    }
}

async fn run(ctx: &Ctx, msg: &Message, arg: &str, appoint: bool) -> HandlerResult {
    let lang = ctx.lang();
    // Said before parsing, so a rider probing the command learns nothing else.
    if !ctx.user.is_coordinator() {
        return ctx.refuse(Refusal::NotCoordinator).await;
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
    let RoleChange {
        target,
        target_name,
        target_lang,
    } = match result {
        Ok(change) => change,
        Err(err) => return ctx.refuse(err).await,
    };
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
    let reply = if appoint {
        tr!(lang, "appoint-done", who = name)
    } else {
        tr!(lang, "revoke-done", who = name)
    };
    ctx.send(reply).await?;
    Ok(())
}
