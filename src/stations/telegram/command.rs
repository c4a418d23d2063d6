//! `/station CODE` (anyone: the station's card; coordinators: close and reopen it) and
//! `/coverage` (coordinators: the 10-minute circle, now and at another hour, with its map).

use chrono::NaiveTime;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, InputFile};
use teloxide::utils::html;

use super::render::{around_the_clock, availability_line, card, distance, when};
use super::StationCallback;
use crate::bot::core::callback::button;
use crate::bot::core::{BotError, Ctx, Explain, HandlerResult};
use crate::i18n::Lang;
use crate::ops::api::call;
use crate::stations::coverage::{Coverage, CIRCLE_MINUTES};
use crate::stations::domain::{
    self, Availability, CommandError, Reach, StationCommand, StationError,
};
use crate::stations::index::Directory;
use crate::stations::visits;
use crate::stations::Closure;
use crate::tr;

impl Explain for StationError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            StationError::Refused(r) => return r.words(lang),
            StationError::Unknown(code) => tr!(lang, "station-not-found", code = code.to_string()),
            StationError::UntilInPast => tr!(lang, "station-until-past"),
            StationError::Db(_) => return None,
        })
    }
}

/// `/station CODE [close [until TIME] [reason] | open]`.
pub async fn station_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let reach = *ctx.dep::<Reach>()?;
    let now = ctx.now();
    let command = match StationCommand::parse(args) {
        Ok(c) => c,
        Err(err) => {
            let text = match err {
                CommandError::Usage => tr!(lang, "station-usage"),
                CommandError::BadCode(code) => {
                    tr!(lang, "station-not-found", code = html::escape(&code))
                }
                CommandError::BadTime(raw) => {
                    tr!(lang, "station-bad-time", time = html::escape(&raw))
                }
                CommandError::ReasonTooLong => tr!(
                    lang,
                    "station-reason-too-long",
                    max = domain::MAX_REASON_CHARS
                ),
            };
            ctx.send(text).await?;
            return Ok(());
        }
    };
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    let (code, closure) = match command {
        StationCommand::Show(code) => {
            let Some(station) = index.get(&code) else {
                ctx.send(tr!(lang, "station-not-found", code = code.to_string()))
                    .await?;
                return Ok(());
            };
            let a = Availability::at(station, now, reach);
            let keyboard = InlineKeyboardMarkup::new(vec![vec![button(
                tr!(lang, "btn-navigate-one"),
                &StationCallback::Navigate(code.clone()),
            )]]);
            let state = availability_line(lang, &a, reach.local(now));
            let mut text = card(lang, None, station, None, state, around_the_clock(station));
            if ctx.user.is_coordinator() {
                let mut conn = ctx.pool.acquire().await?;
                let v = crate::stations::visits::of(&mut conn, &code, now, reach.tz).await?;
                text.push_str("\n\n");
                text.push_str(&tr!(
                    lang,
                    "station-visits",
                    today = v.today,
                    week = v.week,
                    total = v.total
                ));
            }
            ctx.send_with(text, keyboard).await?;
            return Ok(());
        }
        StationCommand::Open(code) => (code, None),
        StationCommand::Close {
            code,
            until,
            reason,
        } => {
            let until = match until.map(|u| u.resolve(now, reach.tz)) {
                None => None,
                Some(Some(at)) => Some(at),
                Some(None) => {
                    ctx.send(tr!(lang, "station-bad-time", time = "-")).await?;
                    return Ok(());
                }
            };
            (code, Some(Closure { until, reason }))
        }
    };
    let reply = match domain::set_closure(&ctx.pool, ctx.user.id, &code, closure.clone(), now).await
    {
        Err(err) => return ctx.refuse(err).await,
        Ok(()) => {
            let name = index
                .get(&code)
                .map_or(code.to_string(), |s| html::escape(s.name(lang)));
            match closure {
                None => tr!(
                    lang,
                    "station-reopened",
                    name = name,
                    code = code.to_string()
                ),
                Some(Closure { until: Some(u), .. }) => tr!(
                    lang,
                    "station-closed-done-until",
                    name = name,
                    code = code.to_string(),
                    time = when(lang, reach.local(u), reach.local(now))
                ),
                Some(Closure { until: None, .. }) => tr!(
                    lang,
                    "station-closed-done",
                    name = name,
                    code = code.to_string()
                ),
            }
        }
    };
    ctx.send(reply).await?;
    Ok(())
}

/// A station's poster (`st-CODE`): the rider's visit is counted (once a day) and the
/// station's card shown.
pub async fn poster(ctx: &Ctx, code: &str) -> HandlerResult {
    let Some(station) = crate::stations::StationCode::parse(code) else {
        return station_command(ctx, code).await;
    };
    let tz = ctx.dep::<Reach>()?.tz;
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    if let Some(s) = index.get(&station) {
        // A poster proves nothing about where the rider is (its link can be typed anywhere):
        // counted, never paid.
        let counted = visits::record(
            &ctx.pool,
            ctx.user.id,
            &station,
            visits::Via::Poster,
            (ctx.now(), tz),
            None,
        )
        .await
        .map_err(BotError::domain)?;
        if counted.new {
            ctx.send(counted_text(ctx.lang(), s.name(ctx.lang()), counted))
                .await?;
        }
    }
    station_command(ctx, code).await
}

/// How many of a rider's station visits a day pay points (`VISIT_POINTS_PER_DAY`).
#[derive(Debug, Clone, Copy)]
pub struct VisitsPaid(pub i64);

/// What a rider is told when a visit is counted: with the points it paid, or why none.
pub fn counted_text(lang: Lang, name: &str, counted: visits::Counted) -> String {
    let name = html::escape(name);
    match (counted.points, counted.unpaid) {
        (Some(points), _) => tr!(
            lang,
            "station-visit-counted-points",
            name = name,
            points = points
        ),
        (None, Some(visits::Unpaid::Capped)) => {
            tr!(lang, "station-visit-counted-capped", name = name)
        }
        (None, Some(visits::Unpaid::NotLive)) => {
            tr!(lang, "station-visit-counted-not-live", name = name)
        }
        (None, None) => tr!(lang, "station-visit-counted", name = name),
    }
}

/// `/coverage [HH:MM]`: the share of the district within ten e-bike minutes of an open station,
/// now and at a given hour, the worst-covered spots, and the map.
pub async fn coverage_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    if let Err(err) = domain::require_coordinator(&ctx.pool, ctx.user.id).await {
        return ctx.refuse(err).await;
    }
    let reach = *ctx.dep::<Reach>()?;
    let now = ctx.now();
    let args = args.trim();
    let other = if args.is_empty() {
        None
    } else {
        match NaiveTime::parse_from_str(args, "%H:%M")
            .ok()
            .and_then(|t| domain::Until::Time(t).resolve(now, reach.tz))
        {
            Some(at) => Some(at),
            None => {
                ctx.send(tr!(lang, "coverage-usage")).await?;
                return Ok(());
            }
        }
    };
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    // A city-sized grid is thousands of nearest-open queries: off the async threads.
    let work_index = index.clone();
    let (current, later) = tokio::task::spawn_blocking(move || {
        (
            Coverage::measure(&work_index, reach, now),
            other.and_then(|at| Coverage::measure(&work_index, reach, at)),
        )
    })
    .await
    .map_err(|e| BotError::Internal(e.to_string()))?;
    let Some(current) = current else {
        ctx.send(tr!(lang, "stations-empty")).await?;
        return Ok(());
    };
    let now_local = reach.local(now);
    let mut text = tr!(
        lang,
        "coverage-head",
        minutes = CIRCLE_MINUTES as u32,
        speed = reach.speed_kmh,
        reach = distance(lang, current.circle_m)
    );
    text.push('\n');
    text.push_str(&tr!(
        lang,
        "coverage-area",
        stations = index.len(),
        points = current.spots.len(),
        spacing = distance(lang, current.spacing_m)
    ));
    text.push('\n');
    text.push_str(&tr!(
        lang,
        "coverage-share-now",
        time = when(lang, now_local, now_local),
        percent = format!("{:.1}", current.percent())
    ));
    if let Some(later) = &later {
        text.push('\n');
        text.push_str(&tr!(
            lang,
            "coverage-share",
            time = when(lang, reach.local(later.at), now_local),
            percent = format!("{:.1}", later.percent())
        ));
    }
    text.push_str("\n\n");
    text.push_str(&tr!(lang, "coverage-worst"));
    for (i, spot) in current.worst(5).iter().enumerate() {
        let far = match spot.distance_m {
            Some(d) => tr!(
                lang,
                "coverage-spot",
                distance = distance(lang, d),
                minutes = reach.minutes(d)
            ),
            None => tr!(lang, "coverage-spot-none"),
        };
        text.push_str(&format!(
            "\n{}. <a href=\"{}\">{}</a> — {far}",
            i + 1,
            spot.position.map_url(),
            spot.position
        ));
    }
    ctx.send(text).await?;
    match current.render_png(&index, reach) {
        Ok(png) => {
            call(
                ctx.bot
                    .send_photo(ctx.chat(), InputFile::memory(png).file_name("coverage.png"))
                    .caption(tr!(lang, "coverage-map-caption")),
            )
            .await?;
        }
        Err(err) => tracing::warn!(%err, "could not draw the coverage map"),
    }
    Ok(())
}
