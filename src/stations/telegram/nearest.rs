//! The nearest stations: a shared location (or live location, or venue) from an idle chat gets
//! three stations with buttons to navigate, filter by a need and page on.

use teloxide::prelude::*;

use super::render::{distance, render};
use super::StationCallback;
use crate::bot::core::{Ctx, HandlerResult};
use crate::geo::Position;
use crate::stations::domain::{self, Query, Reach};
use crate::stations::index::Directory;
use crate::tr;

/// The position of a shared location, live location or venue. A position Telegram should
/// never send (out of range) counts as none.
pub fn shared_position(msg: &Message) -> Option<Position> {
    let loc = msg
        .location()
        .or_else(|| msg.venue().map(|v| &v.location))?;
    Position::new(loc.latitude, loc.longitude).ok()
}

/// A location shared from the main menu (or anywhere idle): the nearest stations.
pub async fn on_location(ctx: &Ctx, from: Position) -> HandlerResult {
    let query = Query {
        from,
        need: None,
        open_now: false,
        page: 0,
    };
    let reach = *ctx.dep::<Reach>()?;
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    let now = ctx.now();
    let answer = domain::nearest(&index, &query, reach, now);
    tracing::info!(
        update_id = ctx.update_id,
        chat_id = ctx.chat().0,
        hits = answer.hits.len(),
        outside = answer.outside_radius,
        "nearest stations"
    );
    let (text, keyboard) = render(ctx.lang(), &answer, &query, reach, now);
    ctx.send_with(text, keyboard).await?;
    Ok(())
}

/// The nearest-station button's label arrived as text: this app cannot share a location
/// from that button (Telegram Desktop, for one). Say how else to do it.
pub async fn explain_location(ctx: &Ctx) -> HandlerResult {
    ctx.send_menu(tr!(ctx.lang(), "stations-share-hint"))
        .await?;
    Ok(())
}

/// A station button (the router lets only registered riders' presses through).
pub async fn on_callback(ctx: &Ctx, q: &CallbackQuery, data: StationCallback) -> HandlerResult {
    let lang = ctx.lang();
    let reach = *ctx.dep::<Reach>()?;
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    match data {
        StationCallback::Navigate(code) => {
            let Some(station) = index.get(&code) else {
                ctx.alert(q, tr!(lang, "station-not-found", code = code.to_string()))
                    .await?;
                return Ok(());
            };
            ctx.answer(q, None).await?;
            ctx.send_venue(station.position, station.name(lang), &station.address)
                .await?;
            Ok(())
        }
        StationCallback::Page {
            from,
            need,
            open_now,
            page,
        } => {
            let query = Query {
                from,
                need,
                open_now,
                page,
            };
            let now = ctx.now();
            let answer = domain::nearest(&index, &query, reach, now);
            if page > 0 && answer.hits.is_empty() {
                let text = tr!(
                    lang,
                    "stations-no-more",
                    radius = distance(lang, reach.radius_m)
                );
                ctx.answer(q, Some(text)).await?;
                return Ok(());
            }
            ctx.answer(q, None).await?;
            let (text, keyboard) = render(lang, &answer, &query, reach, now);
            ctx.edit_pressed(q, text, keyboard).await?;
            Ok(())
        }
    }
}
