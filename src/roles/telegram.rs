//! `/appoint` and `/revoke` over Telegram. The handler only finds out whom the coordinator
//! means; whether they may is decided in `roles::domain`.

use teloxide::prelude::*;
use teloxide::utils::html;

use super::domain::{self, RoleChange, RoleError};
use crate::bot::core::outbox::{registered_recipient, send_html, Delivered, NoticeKind, SendError};
use crate::bot::core::registry::{stay, Audience, Capability, Command};
use crate::bot::core::target::{target, Target};
use crate::bot::core::{Ctx, Explain, HandlerResult};
use crate::i18n::Lang;
use crate::tr;
use crate::users::{Refusal, UserId};

/// What roles register: the two coordinator commands.
pub fn capability<T: Send + Sync + 'static>() -> Capability<T> {
    Capability::new("roles")
        .notices(vec![NoticeKind {
            kind: domain::ROLE_CHANGED,

            messages: 1,
            send: |env, row| Box::pin(tell(env, row)),
        }])
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
    // The rider is told through the outbox; the change stands whether or not they can be.
    let name = who(lang, target_name.as_deref(), target);
    let reply = if appoint {
        tr!(lang, "appoint-done", who = name)
    } else {
        tr!(lang, "revoke-done", who = name)
    };
    ctx.send(reply).await?;
    Ok(())
}

/// Tells a rider (in their language when it is sent) that they were appointed or revoked.
async fn tell(
    env: &crate::bot::core::Env,
    row: &crate::outbox::Row,
) -> Result<Delivered, SendError> {
    let Some(user) = registered_recipient(env, row).await? else {
        return Ok(Delivered::Nothing);
    };
    let appointed = row
        .payload
        .get("appointed")
        .and_then(serde_json::Value::as_bool);
    let text = match appointed {
        Some(true) => tr!(user.lang, "you-were-appointed"),
        Some(false) => tr!(user.lang, "you-were-revoked"),
        None => return Ok(Delivered::Nothing),
    };
    send_html(env, row.chat, text, None).await
}
