//! What the charts write, in the reader's language: dates and bars' labels, counts with
//! thousands separators, durations.

use chrono::{Datelike, NaiveDate, TimeDelta};

use super::buckets::{Buckets, Unit};
use crate::i18n::Lang;
use crate::tr;

/// A day: "1 Dec", "12月1日".
pub(super) fn date(lang: Lang, day: NaiveDate) -> String {
    tr!(lang, "charts-date", day = day.day(), month = day.month())
}

/// The label under bar `i`: its day (a week by its Monday), its month or its year.
pub(super) fn bar_label(lang: Lang, buckets: &Buckets, i: usize) -> String {
    let Some(start) = buckets.starts.get(i) else {
        return String::new();
    };
    match buckets.unit {
        Unit::Day | Unit::Week => date(lang, *start),
        Unit::Month if buckets.one_year() => {
            tr!(lang, "charts-month-short", month = start.month())
        }
        Unit::Month => tr!(
            lang,
            "charts-month",
            month = start.month(),
            year = start.year().to_string()
        ),
        Unit::Year => tr!(lang, "charts-year", year = start.year().to_string()),
    }
}

/// A count with thousands separators: 1,569.
pub(super) fn count(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// Counts side by side: "42 / 30".
pub(super) fn counts(ns: &[u64]) -> String {
    ns.iter().map(|n| count(*n)).collect::<Vec<_>>().join(" / ")
}

/// Counts side by side, or a dash when any of them means nothing here (`None`).
pub(super) fn some_counts(lang: Lang, ns: &[Option<u64>]) -> String {
    match ns.iter().copied().collect::<Option<Vec<u64>>>() {
        Some(ns) => counts(&ns),
        None => tr!(lang, "charts-no-value"),
    }
}

/// A duration as a reader weighs it: minutes under an hour, hours (to a tenth) under two
/// days, else days (to a tenth). None (nothing to measure) is a dash.
pub(super) fn duration(lang: Lang, d: Option<TimeDelta>) -> String {
    let Some(d) = d else {
        return tr!(lang, "charts-no-value");
    };
    let minutes = d.num_minutes().max(0);
    if minutes < 60 {
        tr!(lang, "charts-minutes", n = minutes.to_string())
    } else if minutes < 48 * 60 {
        tr!(lang, "charts-hours", n = tenths(minutes as f64 / 60.0))
    } else {
        tr!(lang, "charts-days", n = tenths(minutes as f64 / 1440.0))
    }
}

/// One decimal, without a trailing ".0".
fn tenths(x: f64) -> String {
    let s = format!("{x:.1}");
    s.strip_suffix(".0").map(str::to_owned).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_thousands_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1569), "1,569");
        assert_eq!(count(1_000_000), "1,000,000");
        assert_eq!(counts(&[42, 1200]), "42 / 1,200");
        assert_eq!(some_counts(Lang::En, &[Some(3), Some(4)]), "3 / 4");
        assert_eq!(some_counts(Lang::En, &[Some(3), None]), "–");
    }

    #[test]
    fn durations_read_in_the_unit_that_fits() {
        let en = Lang::En;
        assert_eq!(duration(en, Some(TimeDelta::minutes(45))), "45 min");
        assert_eq!(duration(en, Some(TimeDelta::minutes(90))), "1.5 h");
        assert_eq!(duration(en, Some(TimeDelta::hours(3))), "3 h");
        assert_eq!(duration(en, Some(TimeDelta::hours(60))), "2.5 days");
        assert_eq!(duration(Lang::Zh, Some(TimeDelta::hours(3))), "3 小时");
        assert_eq!(duration(en, None), "–");
    }

    #[test]
    fn dates_read_in_each_language() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 1).unwrap();
        assert_eq!(date(Lang::En, d), "1 Dec");
        assert_eq!(date(Lang::Zh, d), "12月1日");
        let may = NaiveDate::from_ymd_opt(2026, 5, 31).unwrap();
        assert_eq!(date(Lang::En, may), "31 May");
    }
}
