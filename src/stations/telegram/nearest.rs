//! The nearest stations: a shared location (or live location, or venue) from an idle chat gets
//! three stations with buttons to navigate, filter by a need and page on.

use teloxide::prelude::*;

use super::command::{counted_text, VisitsPaid};
use super::render::{distance, render};
use super::StationCallback;
use crate::bot::core::callback::button;
use crate::bot::core::{BotError, Ctx, HandlerResult};
use crate::geo::Position;
use crate::stations::domain::{self, Answer, Query, Reach};
use crate::stations::index::Directory;
use crate::stations::presence::{Presence, PresenceKey, Refused, VALID_MINUTES};
use crate::stations::visits::{self, Via};
use crate::tr;

/// How near a station a shared location must be for "I'm here" (`CHECKIN_RADIUS_M`, the
/// distance that also counts as being at a service).
#[derive(Debug, Clone, Copy)]
pub struct HereRadius(pub f64);

/// The position of a shared location, live location or venue. A position Telegram should
/// never send (out of range) counts as none.
pub fn shared_position(msg: &Message) -> Option<Position> {
    let loc = msg
        .location()
        .or_else(|| msg.venue().map(|v| &v.location))?;
    Position::new(loc.latitude, loc.longitude).ok()
}

/// A live location shared by the rider themselves (not forwarded): what proves presence
/// enough to pay visit points. A one-off location can be dropped anywhere on the map.
pub fn is_live(msg: &Message) -> bool {
    let live = msg.location().is_some_and(|l| l.live_period.is_some());
    live && msg.forward_origin().is_none()
}

/// A location shared from the main menu (or anywhere idle): the nearest stations.
pub async fn on_location(ctx: &Ctx, from: Position, live: bool) -> HandlerResult {
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
    let (text, mut keyboard) = render(ctx.lang(), &answer, &query, reach, now);
    if let Some(row) = here_button(ctx, &answer, live).await? {
        keyboard.inline_keyboard.insert(0, row);
    }
    ctx.send_with(text, keyboard).await?;
    Ok(())
}

/// "I'm here" for the nearest station within [`HereRadius`], for a registered rider.
async fn here_button(
    ctx: &Ctx,
    answer: &Answer<'_>,
    live: bool,
) -> Result<Option<Vec<teloxide::types::InlineKeyboardButton>>, crate::bot::core::BotError> {
    let radius = ctx.dep::<HereRadius>()?.0;
    let near = answer
        .hits
        .iter()
        .filter(|h| h.distance_m <= radius)
        .min_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    let (Some(hit), true) = (near, ctx.user.is_registered()) else {
        return Ok(None);
    };
    let key = ctx.dep::<PresenceKey>()?;
    let presence = key
        .sign(&ctx.pool, ctx.user.id, (&hit.station.code, live), ctx.now())
        .await?;
    let name: String = hit.station.name(ctx.lang()).chars().take(24).collect();
    Ok(Some(vec![button(
        tr!(ctx.lang(), "btn-here", name = name),
        &StationCallback::Here(presence),
    )]))
}

/// "I'm here" pressed: counted once a day, if the presence is the bot's, for this rider, and
/// fresh.
async fn on_here(ctx: &Ctx, q: &CallbackQuery, p: Presence) -> HandlerResult {
    let lang = ctx.lang();
    let now = ctx.now();
    let key = ctx.dep::<PresenceKey>()?;
    match key.check(&ctx.pool, ctx.user.id, &p, now).await? {
        Ok(()) => {}
        Err(Refused::Forged) => {
            ctx.expired(q).await?;
            return Ok(());
        }
        Err(Refused::Stale) => {
            let text = tr!(lang, "here-stale", minutes = VALID_MINUTES);
            ctx.alert(q, text).await?;
            return Ok(());
        }
    }
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    let Some(station) = index.get(&p.station) else {
        let text = tr!(lang, "station-not-found", code = p.station.to_string());
        ctx.alert(q, text).await?;
        return Ok(());
    };
    let tz = ctx.dep::<Reach>()?.tz;
    // A presence counts on the district day it was signed, not another (23:50, pressed 00:10).
    let signed_day = chrono::DateTime::from_timestamp(p.minute * 60, 0)
        .map(|at| at.with_timezone(&tz).date_naive());
    if signed_day != Some(now.with_timezone(&tz).date_naive()) {
        let text = tr!(lang, "here-stale", minutes = VALID_MINUTES);
        ctx.alert(q, text).await?;
        return Ok(());
    }
    // Only a live location pays visit points.
    let paid = if p.live {
        Some(ctx.dep::<VisitsPaid>()?.0)
    } else {
        None
    };
    let counted = visits::record(
        &ctx.pool,
        ctx.user.id,
        &p.station,
        Via::Here,
        (now, tz),
        paid,
    )
    .await
    .map_err(BotError::domain)?;
    if counted.new {
        ctx.answer(q, None).await?;
        ctx.send(counted_text(lang, station.name(lang), counted))
            .await?;
    } else {
        let text = tr!(lang, "here-already", name = station.name(lang).to_string());
        ctx.alert(q, text).await?;
    }
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
        StationCallback::Here(p) => on_here(ctx, q, p).await,
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
