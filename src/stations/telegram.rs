//! Stations over Telegram: a shared location gets the nearest stations with buttons to navigate,
//! filter by a need and page on; `/station` shows, closes and reopens one; `/coverage` measures
//! the 10-minute circle.

use chrono::{DateTime, Datelike, NaiveDateTime, NaiveTime, Utc};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, InputFile};
use teloxide::utils::html;

use super::coverage::{Coverage, CIRCLE_MINUTES};
use super::domain::{
    self, Answer, Availability, CommandError, Nearby, Query, Reach, StationCommand, StationError,
    MAX_PAGE,
};
use super::{Closure, Service, Station, StationCode};
use crate::bot::callback::Callback;
use crate::bot::{keyboards, Ctx, HandlerResult};
use crate::geo::Position;
use crate::i18n::Lang;
use crate::tr;

/// A station button's callback data (untrusted: parsed strictly, anything else is refused).
#[derive(Debug, Clone, PartialEq)]
pub enum StationCallback {
    /// Send the station as a venue.
    Navigate(StationCode),
    /// Show a page of the answer for a position and need.
    Page {
        from: Position,
        need: Option<Service>,
        page: usize,
    },
}

impl StationCallback {
    pub fn encode(&self) -> String {
        match self {
            StationCallback::Navigate(code) => format!("st:n:{code}"),
            StationCallback::Page { from, need, page } => format!(
                "st:p:{:.5},{:.5}:{}:{page}",
                from.lat(),
                from.lng(),
                need.map_or("-", Service::as_str)
            ),
        }
    }

    /// Parses the part after `st:`.
    pub fn parse(data: &str) -> Option<StationCallback> {
        let mut parts = data.split(':');
        let cb = match (parts.next()?, parts.next()) {
            ("n", Some(code)) => StationCallback::Navigate(StationCode::parse(code)?),
            ("p", Some(at)) => {
                let (lat, lng) = at.split_once(',')?;
                let from = Position::new(lat.parse().ok()?, lng.parse().ok()?).ok()?;
                let need = match parts.next()? {
                    "-" => None,
                    word => Some(Service::parse(word)?),
                };
                let page: usize = parts.next()?.parse().ok()?;
                if page > MAX_PAGE {
                    return None;
                }
                StationCallback::Page { from, need, page }
            }
            _ => return None,
        };
        parts.next().is_none().then_some(cb)
    }
}

/// "350 m" / "1.2 km" / "1,234 km".
pub fn distance(lang: Lang, metres: f64) -> String {
    if metres < 1000.0 {
        let m = ((metres / 10.0).round() * 10.0).max(10.0) as u32;
        tr!(lang, "distance-m", m = m)
    } else if metres < 100_000.0 {
        let km = format!("{:.1}", metres / 1000.0);
        let km = km.strip_suffix(".0").map_or(km.clone(), str::to_owned);
        tr!(lang, "distance-km", km = km)
    } else {
        tr!(lang, "distance-km", km = format!("{:.0}", metres / 1000.0))
    }
}

/// "20:00" today, "Mon 08:30" another day (local times).
fn when(lang: Lang, at: NaiveDateTime, now: NaiveDateTime) -> String {
    let time = at.format("%H:%M").to_string();
    if at.date() == now.date() {
        time
    } else if at.date() == now.date().succ_opt().unwrap_or(now.date()) {
        tr!(lang, "time-tomorrow", time = time)
    } else {
        tr!(
            lang,
            "time-weekday",
            day = at.weekday().number_from_monday(),
            time = time
        )
    }
}

fn availability_line(lang: Lang, a: &Availability, now: NaiveDateTime) -> String {
    match a {
        Availability::Open { closes: Some(t) } => {
            tr!(lang, "station-open-until", time = when(lang, *t, now))
        }
        Availability::Open { closes: None } => tr!(lang, "station-open-always"),
        Availability::Closed { opens: Some(t) } => {
            tr!(lang, "station-closed-until", time = when(lang, *t, now))
        }
        Availability::Closed { opens: None } => tr!(lang, "station-closed"),
        Availability::Unknown => tr!(lang, "station-unknown"),
        Availability::ClosedTemporarily { until, reason } => {
            let mut line = match until {
                Some(t) => tr!(
                    lang,
                    "station-closed-temporarily-until",
                    time = when(lang, *t, now)
                ),
                None => tr!(lang, "station-closed-temporarily"),
            };
            if let Some(r) = reason {
                line.push_str(" · ");
                line.push_str(&html::escape(r));
            }
            line
        }
    }
}

/// One station's lines: name, distance and minutes (when known), open state, services,
/// parking and phone, address.
pub fn card(
    lang: Lang,
    number: Option<usize>,
    station: &Station,
    found: Option<(&Nearby<'_>, Reach)>,
    availability: &Availability,
    now_local: NaiveDateTime,
) -> String {
    let mut lines = Vec::new();
    let name = html::escape(station.name(lang));
    let head = match number {
        Some(n) => format!("{n}. <b>{name}</b>"),
        None => format!("<b>{name}</b>"),
    };
    match found {
        Some((hit, _)) => lines.push(format!(
            "{head} · {}",
            tr!(
                lang,
                "station-distance",
                distance = distance(lang, hit.distance_m),
                minutes = hit.minutes
            )
        )),
        None => lines.push(head),
    }
    lines.push(availability_line(lang, availability, now_local));
    let services: Vec<String> = station
        .services
        .iter()
        .map(|s| format!("{} {}", s.icon(), s.word(lang)))
        .collect();
    if !services.is_empty() {
        lines.push(services.join(" · "));
    }
    let mut extra = Vec::new();
    if station.parking_spots > 0 {
        extra.push(tr!(lang, "station-parking", spots = station.parking_spots));
    }
    if let Some(phone) = &station.phone {
        extra.push(format!("☎️ {}", html::escape(phone)));
    }
    if !extra.is_empty() {
        lines.push(extra.join(" · "));
    }
    lines.push(format!("📫 {}", html::escape(&station.address)));
    lines.join("\n")
}

fn need_word(lang: Lang, need: Service) -> String {
    format!("{} {}", need.icon(), need.word(lang))
}

/// The answer's text and buttons.
fn render(
    lang: Lang,
    answer: &Answer<'_>,
    query: &Query,
    reach: Reach,
    now: DateTime<Utc>,
) -> (String, InlineKeyboardMarkup) {
    let now_local = reach.local(now);
    let radius = distance(lang, reach.radius_m);
    let mut text = match (answer.outside_radius, answer.hits.first(), query.need) {
        (false, _, None) => tr!(lang, "stations-header", radius = radius.clone()),
        (false, _, Some(need)) => tr!(
            lang,
            "stations-header-need",
            need = need_word(lang, need),
            radius = radius.clone()
        ),
        (true, Some(hit), None) => tr!(
            lang,
            "stations-none-within",
            radius = radius.clone(),
            distance = distance(lang, hit.distance_m)
        ),
        (true, Some(hit), Some(need)) => tr!(
            lang,
            "stations-none-within-need",
            need = need_word(lang, need),
            radius = radius.clone(),
            distance = distance(lang, hit.distance_m)
        ),
        (true, None, Some(need)) => tr!(
            lang,
            "stations-none-with-need",
            need = need_word(lang, need)
        ),
        (true, None, None) => tr!(lang, "stations-empty"),
    };
    if answer.outside_radius && answer.hits.first().is_some_and(|h| h.distance_m > 50_000.0) {
        text.push('\n');
        text.push_str(&tr!(lang, "stations-far-away"));
    }
    let first_number = query.page * domain::PAGE_SIZE + 1;
    for (i, hit) in answer.hits.iter().enumerate() {
        text.push_str("\n\n");
        text.push_str(&card(
            lang,
            Some(first_number + i),
            hit.station,
            Some((hit, reach)),
            &hit.availability,
            now_local,
        ));
    }

    let mut rows: Vec<Vec<InlineKeyboardButton>> = answer
        .hits
        .iter()
        .enumerate()
        .map(|(i, hit)| {
            let name: String = hit.station.name(lang).chars().take(24).collect();
            vec![InlineKeyboardButton::callback(
                tr!(lang, "btn-navigate", n = first_number + i, name = name),
                StationCallback::Navigate(hit.station.code.clone()).encode(),
            )]
        })
        .collect();
    let page = |need: Option<Service>, page: usize| {
        StationCallback::Page {
            from: query.from,
            need,
            page,
        }
        .encode()
    };
    for chunk in Service::FILTERS.chunks(3) {
        rows.push(
            chunk
                .iter()
                .map(|&s| {
                    if query.need == Some(s) {
                        InlineKeyboardButton::callback(
                            format!("✅ {}", need_word(lang, s)),
                            page(None, 0),
                        )
                    } else {
                        InlineKeyboardButton::callback(need_word(lang, s), page(Some(s), 0))
                    }
                })
                .collect(),
        );
    }
    let mut nav = Vec::new();
    if query.page > 0 {
        nav.push(InlineKeyboardButton::callback(
            tr!(lang, "btn-first-page"),
            page(query.need, 0),
        ));
    }
    if answer.more {
        nav.push(InlineKeyboardButton::callback(
            tr!(lang, "btn-more"),
            page(query.need, query.page + 1),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    (text, InlineKeyboardMarkup::new(rows))
}

/// A location shared from the main menu (or anywhere idle): the nearest stations.
pub async fn on_location(ctx: &Ctx, from: Position) -> HandlerResult {
    let query = Query {
        from,
        need: None,
        page: 0,
    };
    let index = ctx.settings.stations.current(&ctx.pool).await?;
    let now = ctx.settings.clock.now();
    let answer = domain::nearest(&index, &query, ctx.settings.reach, now);
    tracing::info!(
        update_id = ctx.update_id,
        chat_id = ctx.chat().0,
        hits = answer.hits.len(),
        outside = answer.outside_radius,
        "nearest stations"
    );
    let (text, keyboard) = render(ctx.lang(), &answer, &query, ctx.settings.reach, now);
    ctx.send_with(text, keyboard).await?;
    Ok(())
}

/// The nearest-station button's label arrived as text: this app cannot share a location
/// from that button (Telegram Desktop, for one). Say how else to do it.
pub async fn explain_location(ctx: &Ctx) -> HandlerResult {
    ctx.send_with(
        tr!(ctx.lang(), "stations-share-hint"),
        keyboards::main_menu(ctx.lang()),
    )
    .await?;
    Ok(())
}

/// A station button (the rider is registered: `bot::on_callback` checks).
pub async fn on_callback(ctx: &Ctx, q: &CallbackQuery, data: StationCallback) -> HandlerResult {
    let lang = ctx.lang();
    let index = ctx.settings.stations.current(&ctx.pool).await?;
    match data {
        StationCallback::Navigate(code) => {
            let Some(station) = index.get(&code) else {
                ctx.alert(q, tr!(lang, "station-not-found", code = code.to_string()))
                    .await?;
                return Ok(());
            };
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            send_venue(ctx, station).await
        }
        StationCallback::Page { from, need, page } => {
            let query = Query { from, need, page };
            let now = ctx.settings.clock.now();
            let answer = domain::nearest(&index, &query, ctx.settings.reach, now);
            if page > 0 && answer.hits.is_empty() {
                ctx.bot
                    .answer_callback_query(q.id.clone())
                    .text(tr!(
                        lang,
                        "stations-no-more",
                        radius = distance(lang, ctx.settings.reach.radius_m)
                    ))
                    .await?;
                return Ok(());
            }
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            let (text, keyboard) = render(lang, &answer, &query, ctx.settings.reach, now);
            match q.message.as_ref() {
                Some(message) => ctx.edit(message.id(), text, keyboard).await?,
                None => {
                    ctx.send_with(text, keyboard).await?;
                }
            }
            Ok(())
        }
    }
}

/// The station as a venue: Telegram shows it on a map and opens navigation from it.
pub(crate) async fn send_venue(ctx: &Ctx, station: &Station) -> HandlerResult {
    ctx.bot
        .send_venue(
            ctx.chat(),
            station.position.lat(),
            station.position.lng(),
            station.name(ctx.lang()),
            &station.address,
        )
        .await?;
    Ok(())
}

/// `/station CODE [close [until TIME] [reason] | open]`.
pub async fn station_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let reach = ctx.settings.reach;
    let now = ctx.settings.clock.now();
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
    let index = ctx.settings.stations.current(&ctx.pool).await?;
    let (code, closure) = match command {
        StationCommand::Show(code) => {
            let Some(station) = index.get(&code) else {
                ctx.send(tr!(lang, "station-not-found", code = code.to_string()))
                    .await?;
                return Ok(());
            };
            let a = Availability::at(station, now, reach);
            let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
                tr!(lang, "btn-navigate-one"),
                StationCallback::Navigate(code.clone()).encode(),
            )]]);
            ctx.send_with(
                card(lang, None, station, None, &a, reach.local(now)),
                keyboard,
            )
            .await?;
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
        Err(StationError::NotCoordinator) => tr!(lang, "role-not-coordinator"),
        Err(StationError::Unknown(code)) => tr!(lang, "station-not-found", code = code.to_string()),
        Err(StationError::UntilInPast) => tr!(lang, "station-until-past"),
        Err(StationError::Db(e)) => return Err(e.into()),
    };
    ctx.send(reply).await?;
    Ok(())
}

/// `/coverage [HH:MM]`: the share of the district within ten e-bike minutes of an open station,
/// now and at a given hour, the worst-covered spots, and the map.
pub async fn coverage_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    if let Err(err) = domain::require_coordinator(&ctx.pool, ctx.user.id).await {
        return match err {
            StationError::Db(e) => Err(e.into()),
            _ => {
                ctx.send(tr!(lang, "role-not-coordinator")).await?;
                Ok(())
            }
        };
    }
    let reach = ctx.settings.reach;
    let now = ctx.settings.clock.now();
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
    let index = ctx.settings.stations.current(&ctx.pool).await?;
    // A city-sized grid is thousands of nearest-open queries: off the async threads.
    let work_index = index.clone();
    let (current, later) = tokio::task::spawn_blocking(move || {
        (
            Coverage::measure(&work_index, reach, now),
            other.and_then(|at| Coverage::measure(&work_index, reach, at)),
        )
    })
    .await
    .map_err(|e| crate::bot::BotError::Internal(e.to_string()))?;
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
            ctx.bot
                .send_photo(ctx.chat(), InputFile::memory(png).file_name("coverage.png"))
                .caption(tr!(lang, "coverage-map-caption"))
                .await?;
        }
        Err(err) => tracing::warn!(%err, "could not draw the coverage map"),
    }
    Ok(())
}

/// Routes `st:` callback data into the bot's [`Callback`].
pub fn parse_callback(data: &str) -> Option<Callback> {
    data.strip_prefix("st:")
        .and_then(StationCallback::parse)
        .map(Callback::Station)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_round_trip_within_64_bytes() {
        let from = Position::new(-33.86882, 151.20929).unwrap();
        let all = [
            StationCallback::Navigate(StationCode::parse(&"X".repeat(24)).unwrap()),
            StationCallback::Page {
                from,
                need: Some(Service::Counselling),
                page: MAX_PAGE,
            },
            StationCallback::Page {
                from,
                need: None,
                page: 0,
            },
        ];
        for cb in all {
            let data = cb.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(parse_callback(&data), Some(Callback::Station(cb)));
        }
    }

    #[test]
    fn forged_station_callbacks_are_refused() {
        for forged in [
            "st:n:",
            "st:n:a b",
            "st:n:A:extra",
            "st:p:91,120:-:0",
            "st:p:31,120:wifi:0",
            "st:p:31,120:-:999",
            "st:p:31,120:-",
            "st:p:31;120:-:0",
            "st:x:1",
            "st:p:NaN,1:-:0",
        ] {
            assert_eq!(parse_callback(forged), None, "{forged}");
        }
    }

    #[test]
    fn distances_read_naturally() {
        assert_eq!(distance(Lang::En, 347.0), "350 m");
        assert_eq!(distance(Lang::En, 2.0), "10 m");
        assert_eq!(distance(Lang::En, 1234.0), "1.2 km");
        assert_eq!(distance(Lang::En, 5000.0), "5 km");
        assert_eq!(distance(Lang::En, 1_234_567.0), "1235 km");
        assert_eq!(distance(Lang::Zh, 1234.0), "1.2 公里");
    }
}
