//! The triage card: what a report says to coordinators (number, category, place, who, when,
//! a possible duplicate, where it stands) and the buttons its status allows.

use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html;

use super::callback::{ReportCallback, TriageCallback};
use super::words::{category_label, place_text, reason_text, status_label};
use super::ReportSettings;
use crate::bot::core::callback::button;
use crate::bot::core::{Env, HandlerResult};
use crate::i18n::{t, Lang};
use crate::reports::{store, Report, Status};
use crate::stations::index::Directory;
use crate::tr;
use crate::users::{self, Role, UserId};

/// The language of the coordinators' group (the district's).
pub const GROUP_LANG: Lang = Lang::Zh;

pub(super) fn triage_button(label: String, cb: TriageCallback) -> InlineKeyboardButton {
    button(label, &ReportCallback::Triage(cb))
}

/// The card's buttons for the report's status (none once it is closed).
pub fn card_keyboard(lang: Lang, r: &Report) -> InlineKeyboardMarkup {
    let id = r.id;
    let b = |key: &str, cb: TriageCallback| triage_button(t(lang, key), cb);
    let mut rows = match r.status {
        Status::Submitted => vec![
            vec![
                b("triage-btn-accept", TriageCallback::Accept(id)),
                b("triage-btn-reject", TriageCallback::RejectMenu(id)),
            ],
            vec![
                b("triage-btn-route", TriageCallback::RouteMenu(id)),
                b("triage-btn-duplicate", TriageCallback::DuplicateMenu(id)),
            ],
        ],
        Status::Accepted | Status::Routed => vec![vec![
            b("triage-btn-route", TriageCallback::RouteMenu(id)),
            b("triage-btn-resolve", TriageCallback::Resolve(id)),
        ]],
        Status::Resolved | Status::Rejected | Status::Duplicate | Status::Withdrawn => vec![],
    };
    if let (Status::Submitted, Some(of)) = (r.status, r.possible_dup_of) {
        rows.push(vec![triage_button(
            tr!(lang, "triage-btn-merge", of = of.to_string()),
            TriageCallback::Duplicate(id, of),
        )]);
    }
    InlineKeyboardMarkup::new(rows)
}

/// How an actor is named on a card: their registered name, else their @username, else
/// "coordinator #id" (coordinators named only in COORDINATOR_IDS have neither until they
/// register).
async fn display_name(pool: &crate::db::Pool, lang: Lang, id: UserId) -> String {
    let user = match pool.acquire().await {
        Ok(mut conn) => users::store::find(&mut conn, id).await.ok().flatten(),
        Err(_) => None,
    };
    if user
        .as_ref()
        .is_some_and(|u| u.status == users::Status::Deleted)
    {
        return tr!(lang, "triage-former-rider");
    }
    user.and_then(|u| u.name.or(u.username.map(|n| format!("@{n}"))))
        .map(|n| html::escape(&n))
        .unwrap_or_else(|| tr!(lang, "triage-actor-id", id = id.0.to_string()))
}

/// The card's text: what, where, who, and where it stands.
pub async fn card_text(env: &Env, lang: Lang, r: &Report) -> HandlerResult<String> {
    let pool = &env.pool;
    let tz = env.dep::<ReportSettings>()?.rules.tz;
    let mut conn = pool.acquire().await?;
    let category = store::category(&mut conn, &r.category).await?;
    let department = match r
        .department
        .as_ref()
        .or(category.as_ref().map(|c| &c.department))
    {
        Some(d) => store::department(&mut conn, d).await?,
        None => None,
    };
    let last = store::history(&mut conn, r.id).await?.pop();
    let erased = users::store::find(&mut conn, r.reporter)
        .await?
        .is_some_and(|u| u.status == users::Status::Deleted);
    drop(conn);
    let place = place_text(pool, env.dep::<Directory>()?, lang, r.at).await;
    let role = if erased {
        tr!(lang, "triage-former-rider")
    } else {
        match r.reporter_role {
            Role::GridOfficer => tr!(lang, "triage-role-grid-officer"),
            Role::Rider | Role::Coordinator => tr!(lang, "triage-role-rider"),
        }
    };
    let mut text = tr!(
        lang,
        "triage-card",
        id = r.id.to_string(),
        category = category_label(category.as_ref(), &r.category, lang),
        place = place,
        map = r.at.map_url(),
        role = role,
        at = r
            .created_at
            .with_timezone(&tz)
            .format("%m-%d %H:%M")
            .to_string()
    );
    if let Some(note) = &r.note {
        text.push_str(&format!("\n📝 {}", html::escape(note)));
    }
    if let (Status::Submitted, Some(of)) = (r.status, r.possible_dup_of) {
        text.push('\n');
        text.push_str(&tr!(lang, "triage-possible-duplicate", of = of.to_string()));
    }
    let detail = match r.status {
        Status::Routed => department
            .as_ref()
            .map(|d| format!(" → {}", html::escape(d.name(lang))))
            .unwrap_or_default(),
        Status::Rejected => r
            .reject_reason
            .as_deref()
            .map(|why| format!(": {}", reason_text(lang, why)))
            .unwrap_or_default(),
        Status::Duplicate => r
            .duplicate_of
            .map(|of| format!(" → {of}"))
            .unwrap_or_default(),
        Status::Submitted => department
            .as_ref()
            .map(|d| {
                tr!(
                    lang,
                    "triage-default-department",
                    dept = html::escape(d.name(lang))
                )
            })
            .unwrap_or_default(),
        Status::Accepted | Status::Resolved | Status::Withdrawn => String::new(),
    };
    let who = match &last {
        Some(h) if h.to != Status::Submitted => format!(
            " — {} · {}",
            display_name(pool, lang, h.actor).await,
            h.at.with_timezone(&tz).format("%m-%d %H:%M")
        ),
        _ => String::new(),
    };
    text.push_str(&format!(
        "\n\n<b>{}</b>{detail}{who}",
        status_label(lang, r.status)
    ));
    Ok(text)
}

/// The visible length of an HTML text (tags dropped, entities counted once), to choose
/// between a caption (at most 1,024 characters) and a message of its own.
pub fn visible_len(html_text: &str) -> usize {
    let mut n = 0;
    let mut in_tag = false;
    let mut in_entity = false;
    for c in html_text.chars() {
        match c {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            '&' if !in_tag => {
                in_entity = true;
                n += 1;
            }
            ';' if in_entity => in_entity = false,
            _ if in_tag || in_entity => {}
            _ => n += 1,
        }
    }
    n
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn visible_length_counts_what_telegram_shows() {
        assert_eq!(
            visible_len("<b>R-1</b> &amp; more"),
            "R-1 & more".chars().count()
        );
        assert_eq!(visible_len("<a href=\"https://x/?a=1&b=2\">map</a>"), 3);
        assert_eq!(visible_len("纸箱"), 2);
    }
}
