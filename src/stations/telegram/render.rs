//! How stations read: distances, times, open state, a station's card, and the nearest-stations
//! answer with its buttons.

use chrono::{DateTime, Datelike, NaiveDateTime, Utc};
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html;

use super::StationCallback;
use crate::bot::core::callback::button;
use crate::i18n::Lang;
use crate::stations::domain::{self, Answer, Availability, Nearby, Query, Reach, Visit};
use crate::stations::{Service, Station};
use crate::tr;

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
pub fn when(lang: Lang, at: NaiveDateTime, now: NaiveDateTime) -> String {
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

/// A station's state at one moment (the `/station` card).
pub fn availability_line(lang: Lang, a: &Availability, now: NaiveDateTime) -> String {
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

/// What a rider setting off now finds on arrival (the nearest-stations answer).
pub fn visit_line(lang: Lang, v: &Visit, now: NaiveDateTime) -> String {
    match v {
        Visit::Open {
            opened: Some(t), ..
        } => tr!(
            lang,
            "station-opens-before-arrival",
            time = when(lang, *t, now)
        ),
        Visit::Open {
            closes: Some(t),
            opened: None,
        } => tr!(lang, "station-open-until", time = when(lang, *t, now)),
        Visit::Open {
            closes: None,
            opened: None,
        } => tr!(lang, "station-open-always"),
        Visit::ClosesSoon {
            closes,
            after_minutes,
            reopens,
        } => with_reopening(
            lang,
            tr!(
                lang,
                "station-closes-after-arrival",
                time = when(lang, *closes, now),
                minutes = *after_minutes
            ),
            *reopens,
            now,
        ),
        Visit::ClosesBefore { closes, reopens } => with_reopening(
            lang,
            tr!(
                lang,
                "station-closes-before-arrival",
                time = when(lang, *closes, now)
            ),
            *reopens,
            now,
        ),
        Visit::Closed { opens } => {
            availability_line(lang, &Availability::Closed { opens: *opens }, now)
        }
        Visit::ClosedTemporarily { until, reason, .. } => availability_line(
            lang,
            &Availability::ClosedTemporarily {
                until: *until,
                reason: reason.clone(),
            },
            now,
        ),
        Visit::Unknown => tr!(lang, "station-unknown"),
    }
}

/// A closing line, with when the station opens again.
fn with_reopening(
    lang: Lang,
    line: String,
    reopens: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> String {
    match reopens {
        Some(at) => format!(
            "{line} · {}",
            tr!(lang, "station-reopens", time = when(lang, at, now))
        ),
        None => line,
    }
}

/// One station's lines: name (with a mark when it is open around the clock), distance and
/// minutes (when known), its state, services, parking and phone, address.
pub fn card(
    lang: Lang,
    number: Option<usize>,
    station: &Station,
    found: Option<&Nearby<'_>>,
    state: String,
    around_the_clock: bool,
) -> String {
    let mut lines = Vec::new();
    let name = html::escape(station.name(lang));
    let mut head = match number {
        Some(n) => format!("{n}. <b>{name}</b>"),
        None => format!("<b>{name}</b>"),
    };
    if let Some(hit) = found {
        head.push_str(" · ");
        head.push_str(&tr!(
            lang,
            "station-distance",
            distance = distance(lang, hit.distance_m),
            minutes = hit.minutes
        ));
    }
    if around_the_clock {
        head.push_str(" · ");
        head.push_str(&tr!(lang, "station-mark-24h"));
    }
    lines.push(head);
    lines.push(state);
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

/// Whether a station's hours keep it open all week round (and no closure is set).
pub fn around_the_clock(station: &Station) -> bool {
    station.hours.as_str().trim() == "24/7" && station.closure.is_none()
}

fn need_word(lang: Lang, need: Service) -> String {
    format!("{} {}", need.icon(), need.word(lang))
}

/// The first lines: what was looked for, and what was found.
fn header(lang: Lang, answer: &Answer<'_>, query: &Query, reach: Reach) -> String {
    let radius = distance(lang, reach.radius_m);
    let first = answer.hits.first();
    let mut text = match (answer.outside_radius, first, query.need) {
        (false, _, None) if query.open_now => {
            tr!(lang, "stations-header-open", radius = radius.clone())
        }
        (false, _, None) => tr!(lang, "stations-header", radius = radius.clone()),
        (false, _, Some(need)) => tr!(
            lang,
            "stations-header-need",
            need = need_word(lang, need),
            radius = radius.clone()
        ),
        (true, Some(hit), None) if hit.visit.open() && answer.passed_closed => tr!(
            lang,
            "stations-none-within-open",
            radius = radius.clone(),
            distance = distance(lang, hit.distance_m)
        ),
        (true, Some(hit), None) => tr!(
            lang,
            "stations-none-within",
            radius = radius.clone(),
            distance = distance(lang, hit.distance_m)
        ),
        (true, Some(hit), Some(need)) if hit.visit.open() && answer.passed_closed => tr!(
            lang,
            "stations-none-within-need-open",
            need = need_word(lang, need),
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
        (true, None, None) if query.open_now => {
            tr!(lang, "stations-none-open-anywhere")
        }
        (true, None, None) => tr!(lang, "stations-empty"),
    };
    if answer.outside_radius && first.is_some_and(|h| h.distance_m > 50_000.0) {
        text.push('\n');
        text.push_str(&tr!(lang, "stations-far-away"));
    }
    text
}

/// With nothing in reach open on arrival: one line saying so, the nearest open station beyond
/// the radius, and the first to open nearby.
fn night_lines(lang: Lang, answer: &Answer<'_>, reach: Reach, now_local: NaiveDateTime) -> String {
    let radius = distance(lang, reach.radius_m);
    let mut text = tr!(lang, "stations-none-open", radius = radius);
    if let Some(hit) = &answer.open_beyond {
        text.push('\n');
        text.push_str(&tr!(
            lang,
            "stations-open-beyond",
            name = html::escape(hit.station.name(lang)),
            distance = distance(lang, hit.distance_m),
            minutes = hit.minutes
        ));
    }
    if let Some((station, at)) = answer.opens_first {
        text.push('\n');
        text.push_str(&tr!(
            lang,
            "stations-opens-first",
            name = html::escape(station.name(lang)),
            time = when(lang, at, now_local)
        ));
    }
    text
}

/// The answer's text and buttons.
pub fn render(
    lang: Lang,
    answer: &Answer<'_>,
    query: &Query,
    reach: Reach,
    now: DateTime<Utc>,
) -> (String, InlineKeyboardMarkup) {
    let now_local = reach.local(now);
    let mut text = header(lang, answer, query, reach);
    if answer.none_open {
        text.push('\n');
        text.push_str(&night_lines(lang, answer, reach, now_local));
    }
    let first_number = query.page * domain::PAGE_SIZE + 1;
    for (i, hit) in answer.hits.iter().enumerate() {
        text.push_str("\n\n");
        text.push_str(&card(
            lang,
            Some(first_number + i),
            hit.station,
            Some(hit),
            visit_line(lang, &hit.visit, now_local),
            around_the_clock(hit.station),
        ));
    }
    (text, keyboard(lang, answer, query))
}

fn keyboard(lang: Lang, answer: &Answer<'_>, query: &Query) -> InlineKeyboardMarkup {
    let first_number = query.page * domain::PAGE_SIZE + 1;
    let mut rows: Vec<Vec<InlineKeyboardButton>> = answer
        .hits
        .iter()
        .enumerate()
        .map(|(i, hit)| {
            let name: String = hit.station.name(lang).chars().take(24).collect();
            vec![button(
                tr!(lang, "btn-navigate", n = first_number + i, name = name),
                &StationCallback::Navigate(hit.station.code.clone()),
            )]
        })
        .collect();
    if let Some(hit) = &answer.open_beyond {
        let name: String = hit.station.name(lang).chars().take(24).collect();
        rows.insert(
            0,
            vec![button(
                tr!(lang, "btn-navigate-open", name = name),
                &StationCallback::Navigate(hit.station.code.clone()),
            )],
        );
    }
    let page = |need: Option<Service>, open_now: bool, page: usize| StationCallback::Page {
        from: query.from,
        need,
        open_now,
        page,
    };
    let open_label = tr!(lang, "stations-filter-open");
    rows.push(vec![if query.open_now {
        button(format!("✅ {open_label}"), &page(None, false, 0))
    } else {
        button(open_label, &page(None, true, 0))
    }]);
    let needs: Vec<InlineKeyboardButton> = Service::FILTERS
        .iter()
        .map(|&s| {
            if query.need == Some(s) {
                button(format!("✅ {}", need_word(lang, s)), &page(None, false, 0))
            } else {
                button(need_word(lang, s), &page(Some(s), false, 0))
            }
        })
        .collect();
    for chunk in needs.chunks(3) {
        rows.push(chunk.to_vec());
    }
    let mut nav = Vec::new();
    if query.page > 0 {
        nav.push(button(
            tr!(lang, "btn-first-page"),
            &page(query.need, query.open_now, 0),
        ));
    }
    if answer.more {
        nav.push(button(
            tr!(lang, "btn-more"),
            &page(query.need, query.open_now, query.page + 1),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    InlineKeyboardMarkup::new(rows)
}

#[cfg(test)]
mod tests {
    use super::*;

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
