//! How reports read in either language: category and status names, places, rejection reasons,
//! and the domain's refusals in the rider's words.

use teloxide::utils::html;

use crate::bot::core::Explain;
use crate::geo::Position;
use crate::i18n::{t, Lang};
use crate::reports::domain::{self, ReportsError};
use crate::reports::{Category, CategoryCode, Status, REJECT_REASONS};
use crate::stations::index::Directory;
use crate::tr;

/// A category's name in `lang`, escaped for HTML; its code if the category is gone.
pub fn category_label(category: Option<&Category>, code: &CategoryCode, lang: Lang) -> String {
    html::escape(category.map_or(code.as_str(), |c| c.name(lang)))
}

/// Status names, translated (keys `report-status-<status>`).
pub fn status_label(lang: Lang, status: Status) -> String {
    t(lang, &format!("report-status-{}", status.as_str()))
}

/// A rejection reason in words: one of the button reasons, translated, or a coordinator's text.
pub fn reason_text(lang: Lang, reason: &str) -> String {
    if REJECT_REASONS.contains(&reason) {
        t(lang, &format!("triage-reason-{reason}"))
    } else {
        html::escape(reason)
    }
}

/// "near <station> (120 m)" when a station is within a kilometre, else the coordinates.
pub async fn place_text(
    pool: &crate::db::Pool,
    directory: &Directory,
    lang: Lang,
    at: Position,
) -> String {
    let near = match directory.current(pool).await {
        Ok(index) => index
            .nearest(at)
            .next()
            .filter(|(_, d)| *d <= 1000.0)
            .map(|(s, d)| (s.name(lang).to_owned(), d)),
        Err(_) => None,
    };
    match near {
        Some((name, d)) => tr!(
            lang,
            "report-place-near",
            station = html::escape(&name),
            metres = d.round() as i64
        ),
        None => at.to_string(),
    }
}

impl Explain for ReportsError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            ReportsError::Refused(r) => return r.words(lang),
            ReportsError::NotYours => tr!(lang, "report-not-yours"),
            ReportsError::NoSuchReport(id) => tr!(lang, "report-unknown", id = id.to_string()),
            ReportsError::NoSuchCategory => tr!(lang, "button-expired"),
            ReportsError::NoSuchDepartment(d) => {
                tr!(lang, "report-unknown-department", dept = html::escape(d))
            }
            ReportsError::Illegal { id, status } => tr!(
                lang,
                "report-illegal",
                id = id.to_string(),
                status = status_label(lang, *status)
            ),
            ReportsError::BadDuplicate => tr!(lang, "report-bad-duplicate"),
            ReportsError::ReasonRequired => tr!(lang, "report-reason-required"),
            ReportsError::ReasonTooLong => tr!(
                lang,
                "report-reason-too-long",
                max = domain::MAX_REASON_CHARS
            ),
            ReportsError::DailyLimit(n) => tr!(lang, "report-daily-limit", limit = *n),
            ReportsError::OutsideDistrict => tr!(lang, "report-outside-district"),
            ReportsError::Points(_) | ReportsError::Db(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::keys_of;

    #[test]
    fn run_time_keys_exist_in_both_languages() {
        for source in [crate::i18n::ZH_FTL, crate::i18n::EN_FTL] {
            let keys = keys_of(source);
            for s in Status::ALL {
                assert!(
                    keys.contains(&format!("report-status-{}", s.as_str())),
                    "{s:?}"
                );
            }
            for r in REJECT_REASONS {
                assert!(keys.contains(&format!("triage-reason-{r}")), "{r}");
            }
            for k in [
                "report-edit-category",
                "report-edit-photos",
                "report-edit-place",
                "report-edit-note",
                "report-edit-back",
                "report-photo-too-big",
                "report-photo-not-image",
                "report-photo-failed",
                "report-photos-done-already",
                "report-not-a-place",
            ] {
                assert!(keys.contains(k), "{k}");
            }
        }
    }
}
