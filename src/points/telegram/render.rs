//! How the passbook reads: signed amounts, an entry's reason in words (a reward's name, a
//! service's title and date), the summary and its buttons.

use std::collections::HashMap;

use teloxide::types::InlineKeyboardMarkup;
use teloxide::utils::html;

use super::PointsCallback;
use crate::bot::core::callback::button;
use crate::bot::core::Ctx;
use crate::i18n::Lang;
use crate::points::domain::Summary;
use crate::points::{store, Entry, EntryKind, Reward};
use crate::tr;

pub fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        format!("−{}", n.unsigned_abs())
    }
}

/// What entries refer to by code, in words: rewards, and the service plans of attendances.
#[derive(Default)]
pub struct Names {
    pub rewards: HashMap<String, Reward>,
    pub plans: HashMap<String, crate::services::Plan>,
}

/// One entry as a line a rider reads: amount, reason, date.
pub fn entry_line(lang: Lang, e: &Entry, names: &Names, tz: chrono_tz::Tz) -> String {
    let rewards = &names.rewards;
    let source = e.source_ref.as_deref().unwrap_or_default();
    // Redemption entries refer to "<reward>:<redemption code>".
    let (reward, code) = source.split_once(':').unwrap_or((source, ""));
    let reward_name = rewards
        .get(reward)
        .map_or(reward.to_owned(), |r| r.name(lang).to_owned());
    let why = match e.kind {
        EntryKind::ReportAccepted => tr!(lang, "entry-report", source = html::escape(source)),
        EntryKind::Attendance => {
            // The source is the session, `PLAN-YYYYMMDD`: the plan's title and the date.
            let named = crate::services::SessionCode::parse(source).and_then(|code| {
                let plan = names.plans.get(code.plan().as_str())?;
                let title = plan.title(lang);
                Some(format!("{title} {}", code.date().format("%m-%d")))
            });
            let source = named.unwrap_or_else(|| source.to_owned());
            tr!(lang, "entry-attendance", source = html::escape(&source))
        }
        // The source is the station and the day, `STATION:YYYY-MM-DD`.
        EntryKind::Visit => tr!(lang, "entry-visit", station = html::escape(reward)),
        EntryKind::RedemptionHold => tr!(
            lang,
            "entry-hold",
            reward = html::escape(&reward_name),
            code = code.to_owned()
        ),
        EntryKind::RedemptionRefund => tr!(
            lang,
            "entry-refund",
            reward = html::escape(&reward_name),
            code = code.to_owned()
        ),
        EntryKind::Adjustment => tr!(
            lang,
            "entry-adjustment",
            reason = html::escape(e.reason.as_deref().unwrap_or_default())
        ),
        EntryKind::Expiry => tr!(lang, "entry-expiry"),
    };
    format!(
        "<b>{}</b> {why} · {}",
        signed(e.amount),
        e.at.with_timezone(&tz).format("%m-%d")
    )
}

/// The names of every reward and service plan.
pub async fn all_names(ctx: &Ctx) -> Result<Names, sqlx::Error> {
    let mut conn = ctx.pool.acquire().await?;
    let rewards = store::all_rewards(&mut conn)
        .await?
        .into_iter()
        .map(|r| (r.code.to_string(), r))
        .collect();
    let plans = crate::services::store::plans(&mut conn)
        .await?
        .into_iter()
        .map(|p| (p.code.to_string(), p))
        .collect();
    Ok(Names { rewards, plans })
}

pub fn summary_text(lang: Lang, s: &Summary, names: &Names, tz: chrono_tz::Tz) -> String {
    let mut text = tr!(lang, "points-head", balance = s.balance);
    if s.held_count > 0 {
        text.push('\n');
        text.push_str(&tr!(
            lang,
            "points-held",
            count = s.held_count,
            points = s.held_points
        ));
    }
    text.push_str("\n\n");
    if s.entries.is_empty() {
        text.push_str(&tr!(lang, "points-empty"));
    } else {
        text.push_str(&tr!(lang, "points-latest"));
        for e in &s.entries {
            text.push('\n');
            text.push_str(&entry_line(lang, e, names, tz));
        }
    }
    text
}

pub fn summary_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![
            button(tr!(lang, "btn-history"), &PointsCallback::History(0)),
            button(tr!(lang, "btn-rewards"), &PointsCallback::Rewards(0)),
        ],
        vec![button(
            tr!(lang, "btn-leaderboard"),
            &PointsCallback::Leaderboard,
        )],
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_read_with_their_sign() {
        assert_eq!(signed(20), "+20");
        assert_eq!(signed(-5), "−5");
    }
}
