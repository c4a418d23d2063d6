//! `/notifications`: a rider turns announcements off (urgent safety messages still reach
//! them) or nearby alerts on (the bot then keeps the area, about a kilometre, of the last
//! location they share, for 30 days, so coordinators can warn riders near a station).

use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::BroadcastCallback;
use crate::bot::core::callback::button;
use crate::bot::core::{BotError, Ctx, HandlerResult};
use crate::broadcasts::domain::{self, Setting};
use crate::broadcasts::store;
use crate::geo::Position;
use crate::i18n::Lang;
use crate::tr;

fn view(lang: Lang, announcements: bool, nearby: bool) -> (String, InlineKeyboardMarkup) {
    let text = tr!(
        lang,
        "notifications-view",
        announcements = if announcements {
            tr!(lang, "notifications-on")
        } else {
            tr!(lang, "notifications-off")
        },
        nearby = if nearby {
            tr!(lang, "notifications-on")
        } else {
            tr!(lang, "notifications-off")
        }
    );
    let kb = InlineKeyboardMarkup::new(vec![
        vec![button(
            if announcements {
                tr!(lang, "notifications-btn-announcements-off")
            } else {
                tr!(lang, "notifications-btn-announcements-on")
            },
            &BroadcastCallback::Toggle(Setting::Announcements),
        )],
        vec![button(
            if nearby {
                tr!(lang, "notifications-btn-nearby-off")
            } else {
                tr!(lang, "notifications-btn-nearby-on")
            },
            &BroadcastCallback::Toggle(Setting::Nearby),
        )],
    ]);
    (text, kb)
}

/// `/notifications`: the two settings with a button each.
pub async fn show(ctx: &Ctx) -> HandlerResult {
    let mut conn = ctx.pool.acquire().await?;
    let (a, n) = store::settings(&mut conn, ctx.user.id).await?;
    drop(conn);
    let (text, kb) = view(ctx.lang(), a, n);
    ctx.send_with(text, kb).await?;
    Ok(())
}

/// A settings button: flips one setting and shows the result in place.
pub async fn toggle(ctx: &Ctx, q: &CallbackQuery, which: Setting) -> HandlerResult {
    if !ctx.user.is_registered() {
        ctx.expired(q).await?;
        return Ok(());
    }
    let (a, n) = domain::toggle(&ctx.pool, ctx.user.id, which).await?;
    let lang = ctx.lang();
    ctx.answer(q, None).await?;
    let (text, kb) = view(lang, a, n);
    ctx.show(q.message.as_ref().map(|m| m.id()), text, kb)
        .await?;
    Ok(())
}

/// A location shared in an idle chat: its area is kept if the rider turned nearby alerts on.
/// Never claims the message (it still means what it means: the nearest stations).
pub async fn on_location(ctx: &Ctx, msg: &Message) -> Result<(), BotError> {
    let Some(l) = msg.location() else {
        return Ok(());
    };
    if !ctx.user.is_registered() || msg.forward_origin().is_some() {
        return Ok(());
    }
    if let Ok(at) = Position::new(l.latitude, l.longitude) {
        domain::remember_area(&ctx.pool, ctx.user.id, at, ctx.now()).await?;
    }
    Ok(())
}
