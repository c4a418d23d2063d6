//! How sessions read: when, the seats left, the rider's own place, the station's name, and
//! how far a rider is.

use chrono::{DateTime, Datelike, Utc};
use chrono_tz::Tz;
use teloxide::utils::html;

use crate::bot::core::Ctx;
use crate::i18n::Lang;
use crate::services::{Session, SignupStatus};
use crate::stations::index::Directory;
use crate::tr;

/// "Sat 12-05 09:00–11:00" in the district's time zone.
pub fn when(lang: Lang, s: &Session, tz: Tz) -> String {
    let (start, end) = (s.starts_at.with_timezone(&tz), s.ends_at.with_timezone(&tz));
    let time = format!("{}–{}", start.format("%H:%M"), end.format("%H:%M"));
    format!(
        "{} {}",
        start.format("%m-%d"),
        tr!(
            lang,
            "time-weekday",
            day = start.weekday().number_from_monday(),
            time = time
        )
    )
}

/// The session's station by name in the rider's language (its code if it is gone).
pub async fn station_name(ctx: &Ctx, s: &Session) -> String {
    let Ok(directory) = ctx.dep::<Directory>() else {
        return html::escape(s.station.as_str());
    };
    let name = match directory.current(&ctx.pool).await {
        Ok(index) => index
            .get(&s.station)
            .map(|st| st.name(ctx.lang()).to_owned()),
        Err(_) => None,
    };
    html::escape(&name.unwrap_or_else(|| s.station.to_string()))
}

/// Where the rider stands in a session, when they are in it.
pub fn mine_text(lang: Lang, mine: Option<SignupStatus>) -> Option<String> {
    Some(match mine? {
        SignupStatus::Signed => tr!(lang, "services-mine-signed"),
        SignupStatus::Waitlisted(n) => tr!(lang, "services-mine-waitlisted", place = n),
        SignupStatus::Attended => tr!(lang, "services-mine-attended"),
        SignupStatus::Cancelled => return None,
    })
}

/// Seats left, or the length of the waitlist when full.
pub fn seats_text(lang: Lang, s: &Session) -> String {
    if s.seats_left() > 0 {
        tr!(
            lang,
            "services-seats",
            left = s.seats_left(),
            capacity = s.capacity
        )
    } else {
        tr!(lang, "services-full", waiting = s.waitlisted)
    }
}

/// A distance as a rider reads it: "340 m" (to 10 m), "5.2 km".
pub fn distance(lang: Lang, metres: f64) -> String {
    if metres < 1000.0 {
        let m = ((metres / 10.0).round() * 10.0).max(10.0) as u32;
        tr!(lang, "distance-m", m = m)
    } else {
        let km = format!("{:.1}", metres / 1000.0);
        let km = km.strip_suffix(".0").map_or(km.clone(), str::to_owned);
        tr!(lang, "distance-km", km = km)
    }
}

/// A moment's local time and date: ("08:00", "12-05").
pub fn time_and_day(at: DateTime<Utc>, tz: Tz) -> (String, String) {
    let local = at.with_timezone(&tz);
    (
        local.format("%H:%M").to_string(),
        local.format("%m-%d").to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distances_are_rounded_as_riders_read_them() {
        assert_eq!(distance(Lang::En, 4.0), "10 m");
        assert_eq!(distance(Lang::En, 336.0), "340 m");
        assert_eq!(distance(Lang::En, 5_012.0), "5 km");
        assert_eq!(distance(Lang::En, 5_260.0), "5.3 km");
    }
}
