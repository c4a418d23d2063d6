//! The figures as one message: a title with the period and scope, then a line or two per
//! subject, breakdowns largest first. Names come from the tables (a category's, a station's) or
//! the locales (statuses, topics, platforms); everything is escaped.

use teloxide::utils::html;

use crate::i18n::{pick, t, Lang};
use crate::stats::domain::{Period, Scope, Span, StatsQuery};
use crate::stats::{Count, FeedbackFigures, Figures};
use crate::tr;

pub fn figures_text(
    lang: Lang,
    query: &StatsQuery,
    period: &Period,
    station_name: Option<&str>,
    f: &Figures,
) -> String {
    let mut lines = vec![title(lang, query, period, station_name), String::new()];
    if let (Some(total), Some(new)) = (f.riders_registered, f.riders_new) {
        lines.push(tr!(lang, "stats-riders", total = total, new = new));
    }
    lines.push(tr!(
        lang,
        "stats-riders-active",
        active = f.riders_active,
        reached = f.riders_reached
    ));
    lines.push(tr!(lang, "stats-visits", n = f.visits));
    if !f.top_stations.is_empty() && matches!(query.scope, Scope::District | Scope::Platform(_)) {
        lines.push(format!("   {}", list(lang, &f.top_stations, Name::Own)));
    }
    let a = &f.attendance;
    lines.push(tr!(
        lang,
        "stats-activities",
        held = f.activities,
        signed = a.signed_up,
        attended = a.attended,
        noshows = a.no_shows,
        waiting = a.waitlisted
    ));
    lines.extend(reports(lang, f));
    if let (Some(issued), Some(redeemed), Some(n)) =
        (f.points_issued, f.points_redeemed, f.redemptions)
    {
        lines.push(tr!(
            lang,
            "stats-points",
            issued = issued,
            redeemed = redeemed,
            n = n
        ));
    }
    if let (Some(n), Some(reach)) = (f.broadcasts, f.broadcast_reach) {
        lines.push(tr!(lang, "stats-broadcasts", n = n, reach = reach));
    }
    if let Some(fb) = &f.feedback {
        lines.extend(feedback(lang, fb));
    }
    if matches!(query.scope, Scope::Station(_)) {
        lines.push(String::new());
        lines.push(tr!(lang, "stats-station-note"));
    }
    lines.join("\n")
}

/// The span's words, the scope's (plain text) and the range's.
fn title_parts(
    lang: Lang,
    query: &StatsQuery,
    period: &Period,
    station_name: Option<&str>,
) -> (String, String, String) {
    let span = match query.span {
        Span::MonthOf(first) => first.format("%Y-%m").to_string(),
        other => tr!(lang, "stats-span-button", span = other.code()),
    };
    let range = match period.first {
        Some(first) => tr!(
            lang,
            "stats-range",
            first = first.to_string(),
            last = period.end.pred_opt().unwrap_or(period.end).to_string()
        ),
        None => tr!(lang, "stats-range-all"),
    };
    let scope = match &query.scope {
        Scope::District => tr!(lang, "stats-scope-district"),
        Scope::Station(code) => format!("📍 {} {code}", station_name.unwrap_or_default()),
        Scope::Platform(p) => p
            .label_key()
            .map(|key| t(lang, key))
            .unwrap_or_else(|| p.code().to_owned()),
    };
    (span, scope, range)
}

fn title(lang: Lang, query: &StatsQuery, period: &Period, station_name: Option<&str>) -> String {
    let (span, scope, range) = title_parts(lang, query, period, station_name);
    tr!(
        lang,
        "stats-title",
        span = span,
        range = range,
        scope = html::escape(&scope)
    )
}

/// The title without markup, as a chart draws it: span · scope · range.
pub fn plain_title(
    lang: Lang,
    query: &StatsQuery,
    period: &Period,
    station_name: Option<&str>,
) -> String {
    let (span, scope, range) = title_parts(lang, query, period, station_name);
    format!("{span} · {scope} · {range}")
}

fn reports(lang: Lang, f: &Figures) -> Vec<String> {
    let r = &f.reports;
    let mut lines = vec![tr!(lang, "stats-reports", n = r.filed)];
    if r.filed == 0 {
        return lines;
    }
    lines.push(format!(
        "   {}",
        list(lang, &r.by_status, Name::Key("report-status-"))
    ));
    lines.push(format!("   {}", list(lang, &r.by_category, Name::Own)));
    lines.push(tr!(
        lang,
        "stats-reports-timing",
        accept = duration(lang, r.median_accept_s),
        accepted = r.accepted,
        resolve = duration(lang, r.median_resolve_s),
        resolved = r.resolved
    ));
    lines
}

fn feedback(lang: Lang, fb: &FeedbackFigures) -> Vec<String> {
    let mut lines = vec![tr!(
        lang,
        "stats-feedback",
        n = fb.received,
        answered = fb.answered,
        median = duration(lang, fb.median_answer_s)
    )];
    if fb.received == 0 {
        return lines;
    }
    if let Some(x10) = fb.rating_x10 {
        lines.push(tr!(
            lang,
            "stats-feedback-rating",
            rating = format!("{}.{}", x10 / 10, x10 % 10),
            n = fb.rated
        ));
    }
    lines.push(format!(
        "   {}",
        list(lang, &fb.by_topic, Name::Key("feedback-topic-"))
    ));
    lines
}

/// Where a count's name comes from: its own columns (a station, a category) or a locale key.
enum Name {
    Own,
    Key(&'static str),
}

fn list(lang: Lang, counts: &[Count], name: Name) -> String {
    counts
        .iter()
        .map(|c| {
            let label = match &name {
                Name::Own => match &c.name_zh {
                    Some(zh) => html::escape(pick(lang, zh, c.name_en.as_deref())),
                    None => html::escape(&c.key),
                },
                Name::Key(prefix) => t(lang, &format!("{prefix}{}", c.key)),
            };
            format!("{label} {}", c.n)
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// A duration in days and hours, hours and minutes, or minutes; "—" for none.
pub fn duration(lang: Lang, seconds: Option<i64>) -> String {
    let Some(s) = seconds else {
        return "—".into();
    };
    let minutes = (s.max(0) + 30) / 60;
    let (d, h, m) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    if d > 0 {
        tr!(lang, "stats-duration-days", d = d, h = h)
    } else if h > 0 {
        tr!(lang, "stats-duration-hours", h = h, m = m)
    } else {
        tr!(lang, "stats-duration-minutes", m = m)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_days_hours_or_minutes() {
        assert_eq!(duration(Lang::En, None), "—");
        assert_eq!(duration(Lang::En, Some(89)), "1 min");
        assert_eq!(duration(Lang::En, Some(2 * 3600 + 5 * 60)), "2 h 5 min");
        assert_eq!(duration(Lang::En, Some(27 * 3600)), "1 d 3 h");
        assert_eq!(duration(Lang::Zh, Some(27 * 3600)), "1天3小时");
    }
}
