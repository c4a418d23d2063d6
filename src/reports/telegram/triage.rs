//! Coordinators acting on reports: the card's buttons (in the group, or in a coordinator's own
//! chat on a card from `/report R-…`), the same actions by command
//! (`/report R-000123 accept`), and `/reports`.
//!
//! Buttons are shortcuts, not permissions: every action goes through `domain::act`, which
//! checks that the person pressing is a coordinator. Anyone else's press gets an alert.

use teloxide::payloads::AnswerCallbackQuerySetters;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html;

use super::callback::{ReportCallback, TriageCallback};
use super::card::{card_keyboard, card_text, triage_button};
use super::delivery::after_action;
use super::words::{category_label, status_label};
use super::ReportSettings;
use crate::bot::core::callback::CallbackData;
use crate::bot::core::ctx::edit_buttons;
use crate::bot::core::{Ctx, Env, Explain, HandlerResult};
use crate::i18n::{t, Lang};
use crate::ops::api::call;
use crate::reports::domain;
use crate::reports::{store, Action, DepartmentCode, Report, ReportId, REJECT_REASONS};
use crate::tr;
use crate::users::{self, UserId};

/// The buttons a menu press shows in place of the card's own, or an action to take.
enum Press {
    Menu(InlineKeyboardMarkup),
    Act(Action),
}

async fn route_menu(
    pool: &crate::db::Pool,
    lang: Lang,
    r: &Report,
) -> Result<InlineKeyboardMarkup, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let departments = store::departments(&mut conn).await?;
    let default = store::category(&mut conn, &r.category)
        .await?
        .map(|c| c.department);
    let mut rows: Vec<Vec<InlineKeyboardButton>> = departments
        .iter()
        .filter(|d| d.active)
        .map(|d| {
            let star = if Some(&d.code) == default.as_ref() {
                "★ "
            } else {
                ""
            };
            triage_button(
                format!("{star}{}", d.name(lang)),
                TriageCallback::Route(r.id, d.code.clone()),
            )
        })
        .collect::<Vec<_>>()
        .chunks(2)
        .map(<[_]>::to_vec)
        .collect();
    rows.push(vec![triage_button(
        tr!(lang, "report-btn-back"),
        TriageCallback::Back(r.id),
    )]);
    Ok(InlineKeyboardMarkup::new(rows))
}

fn reject_menu(lang: Lang, id: ReportId) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<InlineKeyboardButton>> = REJECT_REASONS
        .iter()
        .enumerate()
        .map(|(n, code)| {
            vec![triage_button(
                t(lang, &format!("triage-reason-{code}")),
                TriageCallback::Reject(id, n),
            )]
        })
        .collect();
    rows.push(vec![triage_button(
        tr!(lang, "report-btn-back"),
        TriageCallback::Back(id),
    )]);
    InlineKeyboardMarkup::new(rows)
}

/// The reports `r` may be merged into (`domain::merge_candidates`) as buttons.
async fn duplicate_menu(
    pool: &crate::db::Pool,
    lang: Lang,
    r: &Report,
) -> Result<Option<InlineKeyboardMarkup>, sqlx::Error> {
    let near = domain::merge_candidates(pool, r).await?;
    if near.is_empty() {
        return Ok(None);
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = near
        .into_iter()
        .map(|(of, d)| {
            vec![triage_button(
                tr!(
                    lang,
                    "triage-btn-duplicate-of",
                    of = of.to_string(),
                    metres = d.round() as i64
                ),
                TriageCallback::Duplicate(r.id, of),
            )]
        })
        .collect();
    rows.push(vec![triage_button(
        tr!(lang, "report-btn-back"),
        TriageCallback::Back(r.id),
    )]);
    Ok(Some(InlineKeyboardMarkup::new(rows)))
}

/// A triage button pressed by `actor`, answered in `lang`.
async fn press(
    env: &Env,
    q: &CallbackQuery,
    data: TriageCallback,
    actor: UserId,
    lang: Lang,
) -> HandlerResult {
    let (bot, pool) = (&env.bot, &env.pool);
    let alert = |text: String| async move {
        call(
            bot.answer_callback_query(q.id.clone())
                .text(text)
                .show_alert(true),
        )
        .await
        .map(|_| ())
    };
    let mut conn = pool.acquire().await?;
    let coordinator = users::store::is_coordinator(&mut conn, actor).await?;
    let report = store::find(&mut conn, data.report()).await?;
    drop(conn);
    if !coordinator {
        tracing::info!(
            user_id = actor.0,
            report = data.report().0,
            "triage press by a non-coordinator refused"
        );
        alert(tr!(lang, "triage-not-coordinator")).await?;
        return Ok(());
    }
    let Some(report) = report else {
        alert(tr!(lang, "report-unknown", id = data.report().to_string())).await?;
        return Ok(());
    };
    let at = q.message.as_ref().map(|m| (m.chat().id, m.id()));
    let press = match data {
        TriageCallback::Accept(_) => Press::Act(Action::Accept),
        TriageCallback::Reject(_, n) => Press::Act(Action::Reject(REJECT_REASONS[n].to_owned())),
        TriageCallback::Route(_, d) => Press::Act(Action::Route(d)),
        TriageCallback::Resolve(_) => Press::Act(Action::Resolve),
        TriageCallback::Duplicate(_, of) => Press::Act(Action::DuplicateOf(of)),
        TriageCallback::RejectMenu(id) => Press::Menu(reject_menu(lang, id)),
        TriageCallback::RouteMenu(_) => Press::Menu(route_menu(pool, lang, &report).await?),
        TriageCallback::Back(_) => Press::Menu(card_keyboard(lang, &report)),
        TriageCallback::DuplicateMenu(_) => match duplicate_menu(pool, lang, &report).await? {
            Some(kb) => Press::Menu(kb),
            None => {
                alert(tr!(
                    lang,
                    "triage-no-duplicates",
                    id = report.id.to_string()
                ))
                .await?;
                return Ok(());
            }
        },
    };
    match press {
        Press::Menu(kb) => {
            call(bot.answer_callback_query(q.id.clone())).await?;
            if let Some((chat, message)) = at {
                edit_buttons(bot, chat, message, kb).await?;
            }
            Ok(())
        }
        Press::Act(action) => {
            let now = env.settings.clock.now();
            match domain::act(pool, actor, report.id, &action, now).await {
                Ok(acted) => {
                    tracing::info!(
                        user_id = actor.0,
                        report = report.id.0,
                        to = acted.report.status.as_str(),
                        "report changed"
                    );
                    call(bot.answer_callback_query(q.id.clone()).text(tr!(
                        lang,
                        "triage-done",
                        id = report.id.to_string(),
                        status = status_label(lang, acted.report.status)
                    )))
                    .await?;
                    after_action(env, &acted, at.map(|(c, m)| (c, m, lang))).await;
                    Ok(())
                }
                Err(err) => {
                    // Someone else acted first: their action already updated the card.
                    let words = err
                        .words(lang)
                        .unwrap_or_else(|| tr!(lang, "error-try-again"));
                    alert(words).await?;
                    Ok(())
                }
            }
        }
    }
}

/// A report button pressed in a group (the coordinators' chat).
pub async fn on_group_press(env: Env, q: CallbackQuery) -> HandlerResult {
    let data = match q.data.as_deref().and_then(ReportCallback::parse) {
        Some(ReportCallback::Triage(t)) => t,
        // A rider's button cannot be in a group: forged or stale.
        Some(_) | None => {
            let lang = Lang::from_telegram(q.from.language_code.as_deref());
            call(
                env.bot
                    .answer_callback_query(q.id)
                    .text(tr!(lang, "button-expired")),
            )
            .await?;
            return Ok(());
        }
    };
    let actor = UserId(q.from.id.0 as i64);
    // Cards live in the coordinators' group: a press anywhere else (a copy forwarded to another
    // group, forged data) is not honoured, whoever presses.
    let in_group = q.message.as_ref().map(|m| m.chat().id);
    if in_group.is_none() || in_group != env.dep::<ReportSettings>()?.coordinator_chat {
        tracing::info!(
            user_id = actor.0,
            chat_id = in_group.map(|c| c.0),
            "triage press outside the coordinators' group refused"
        );
        let lang = Lang::from_telegram(q.from.language_code.as_deref());
        call(
            env.bot
                .answer_callback_query(q.id)
                .text(tr!(lang, "triage-wrong-group"))
                .show_alert(true),
        )
        .await?;
        return Ok(());
    }
    let stored = {
        let mut conn = env.pool.acquire().await?;
        users::store::find(&mut conn, actor).await?
    };
    if let Some(user) = &stored {
        // Coordinators are named on the cards they act on: keep their @username current.
        if let Err(err) =
            users::store::remember_username(&env.pool, user, q.from.username.as_deref()).await
        {
            tracing::warn!(user_id = actor.0, %err, "could not update username");
        }
    }
    let lang = stored
        .map(|u| u.lang)
        .unwrap_or_else(|| Lang::from_telegram(q.from.language_code.as_deref()));
    if let Err(err) = press(&env, &q, data, actor, lang).await {
        tracing::error!(user_id = actor.0, error = %err, "triage press failed");
        call(
            env.bot
                .answer_callback_query(q.id.clone())
                .text(tr!(lang, "error-try-again")),
        )
        .await
        .ok();
    }
    Ok(())
}

/// A triage button pressed in a coordinator's private chat (a card from `/report R-…`).
pub async fn on_private_press(ctx: &Ctx, q: &CallbackQuery, data: TriageCallback) -> HandlerResult {
    press(&ctx.env(), q, data, ctx.user.id, ctx.lang()).await
}

/// `/report R-… [accept | reject REASON | route DEPT | resolve | duplicate R-… | withdraw]`.
pub async fn command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let mut words = args.split_whitespace();
    let Some(id) = words.next().and_then(ReportId::parse) else {
        ctx.send(tr!(lang, "report-command-usage")).await?;
        return Ok(());
    };
    let verb = words.next().map(str::to_ascii_lowercase);
    let rest: Vec<&str> = words.collect();
    let rest = rest.join(" ");
    let action = match verb.as_deref() {
        None | Some("show") => return show(ctx, id).await,
        Some("accept") => Action::Accept,
        Some("resolve" | "resolved") => Action::Resolve,
        Some("withdraw") => Action::Withdraw,
        Some("reject") => Action::Reject(rest.clone()),
        Some("route") => match DepartmentCode::parse(&rest) {
            Some(d) => Action::Route(d),
            None => {
                ctx.send(tr!(
                    lang,
                    "report-unknown-department",
                    dept = html::escape(&rest)
                ))
                .await?;
                return Ok(());
            }
        },
        Some("duplicate") => match ReportId::parse(&rest) {
            Some(of) => Action::DuplicateOf(of),
            None => {
                ctx.send(tr!(lang, "report-bad-duplicate")).await?;
                return Ok(());
            }
        },
        Some(_) => {
            ctx.send(tr!(lang, "report-command-usage")).await?;
            return Ok(());
        }
    };
    match domain::act(&ctx.pool, ctx.user.id, id, &action, ctx.now()).await {
        Ok(acted) => {
            ctx.send(tr!(
                lang,
                "triage-done",
                id = id.to_string(),
                status = status_label(lang, acted.report.status)
            ))
            .await?;
            after_action(&ctx.env(), &acted, None).await;
            Ok(())
        }
        Err(err) => ctx.refuse(err).await,
    }
}

/// `/report R-…`: a coordinator sees the card with its buttons; the reporter sees their own
/// report and its history; anyone else is told there is no such report.
async fn show(ctx: &Ctx, id: ReportId) -> HandlerResult {
    let lang = ctx.lang();
    let (report, history) = match domain::view(&ctx.pool, ctx.user.id, id).await {
        Ok(seen) => seen,
        Err(err) => return ctx.refuse(err).await,
    };
    let mut text = card_text(&ctx.env(), lang, &report).await?;
    let tz = ctx.dep::<ReportSettings>()?.rules.tz;
    text.push_str("\n\n");
    text.push_str(&tr!(lang, "report-history-title"));
    for h in &history {
        text.push_str(&format!(
            "\n{} · {}",
            h.at.with_timezone(&tz).format("%m-%d %H:%M"),
            status_label(lang, h.to)
        ));
    }
    if ctx.user.is_coordinator() {
        ctx.send_with(text, card_keyboard(lang, &report)).await?;
    } else {
        ctx.send(text).await?;
    }
    Ok(())
}

/// `/reports`: the open reports, oldest first (coordinators).
pub async fn open_list(ctx: &Ctx) -> HandlerResult {
    let lang = ctx.lang();
    let (open, unposted) = match domain::open_reports(&ctx.pool, ctx.user.id, 20).await {
        Ok(found) => found,
        Err(err) => return ctx.refuse(err).await,
    };
    let mut conn = ctx.pool.acquire().await?;
    let mut text = String::new();
    // Say plainly why the group may not show these.
    match ctx.dep::<ReportSettings>()?.coordinator_chat {
        None => text.push_str(&tr!(lang, "report-group-unset")),
        Some(_) if unposted > 0 => {
            text.push_str(&tr!(lang, "report-group-unreachable", n = unposted))
        }
        Some(_) => {}
    }
    if !text.is_empty() {
        text.push_str("\n\n");
    }
    text.push_str(&tr!(lang, "report-open-title", n = open.len()));
    for r in &open {
        let category = store::category(&mut conn, &r.category).await?;
        text.push_str(&format!(
            "\n{} · {} · {}",
            r.id,
            category_label(category.as_ref(), &r.category, lang),
            status_label(lang, r.status)
        ));
    }
    ctx.send(text).await?;
    Ok(())
}
