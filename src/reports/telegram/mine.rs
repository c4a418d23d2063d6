//! The reporter's side after filing: `/myreports` (five a page, with their status) and
//! withdrawing a report still submitted, with a confirm step.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, MessageId};

use super::callback::ReportCallback;
use super::delivery;
use super::words::{category_label, status_label};
use super::ReportSettings;
use crate::bot::core::callback::button;
use crate::bot::core::{Ctx, HandlerResult};
use crate::reports::domain;
use crate::reports::{store, Action, Report, ReportId, Status};
use crate::tr;

/// Reports per page of `/myreports`.
const MINE_PAGE: i64 = 5;

/// A report as its reporter sees it in a list: number, category, date and status.
async fn mine_line(ctx: &Ctx, r: &Report) -> HandlerResult<String> {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let category = store::category(&mut conn, &r.category).await?;
    let local = r
        .created_at
        .with_timezone(&ctx.dep::<ReportSettings>()?.rules.tz);
    Ok(tr!(
        lang,
        "report-mine-line",
        id = r.id.to_string(),
        category = category_label(category.as_ref(), &r.category, lang),
        date = local.format("%m-%d %H:%M").to_string(),
        status = status_label(lang, r.status)
    ))
}

/// `/myreports`, page `page` (editing `message` when it came from a button).
pub async fn mine(ctx: &Ctx, page: u32, message: Option<MessageId>) -> HandlerResult {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let total = store::count_by_reporter(&mut conn, ctx.user.id).await?;
    let pages = ((total + MINE_PAGE - 1) / MINE_PAGE).max(1);
    let page = i64::from(page).min(pages - 1);
    let reports = store::by_reporter(&mut conn, ctx.user.id, page * MINE_PAGE, MINE_PAGE).await?;
    drop(conn);
    if reports.is_empty() {
        ctx.send_menu(tr!(lang, "report-mine-none")).await?;
        return Ok(());
    }
    let mut text = tr!(
        lang,
        "report-mine-title",
        total = total,
        page = page + 1,
        pages = pages
    );
    let mut rows = Vec::new();
    for r in &reports {
        text.push('\n');
        text.push_str(&mine_line(ctx, r).await?);
        if r.status == Status::Submitted {
            rows.push(vec![button(
                tr!(lang, "report-btn-withdraw", id = r.id.to_string()),
                &ReportCallback::Withdraw(r.id),
            )]);
        }
    }
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(button(
            tr!(lang, "btn-prev"),
            &ReportCallback::Mine(page as u32 - 1),
        ));
    }
    if page + 1 < pages {
        nav.push(button(
            tr!(lang, "btn-next"),
            &ReportCallback::Mine(page as u32 + 1),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    let kb = InlineKeyboardMarkup::new(rows);
    ctx.show(message, text, kb).await?;
    Ok(())
}

/// A page button of `/myreports`.
pub async fn on_page(ctx: &Ctx, q: &CallbackQuery, page: u32) -> HandlerResult {
    ctx.answer(q, None).await?;
    mine(ctx, page, q.message.as_ref().map(|m| m.id())).await
}

/// Withdraw: asks to confirm in place of the list's buttons.
pub async fn ask_withdraw(ctx: &Ctx, q: &CallbackQuery, id: ReportId) -> HandlerResult {
    let lang = ctx.lang();
    ctx.answer(q, None).await?;
    let kb = InlineKeyboardMarkup::new(vec![vec![
        button(
            tr!(lang, "report-btn-withdraw-yes", id = id.to_string()),
            &ReportCallback::WithdrawYes(id),
        ),
        button(tr!(lang, "report-btn-back"), &ReportCallback::Mine(0)),
    ]]);
    if let Some(m) = &q.message {
        ctx.set_buttons(m.id(), kb).await?;
    }
    Ok(())
}

/// Withdraw, confirmed: the domain checks it is the reporter's and still submitted.
pub async fn withdraw(ctx: &Ctx, q: &CallbackQuery, id: ReportId) -> HandlerResult {
    let lang = ctx.lang();
    match domain::act(&ctx.pool, ctx.user.id, id, &Action::Withdraw, ctx.now()).await {
        Ok(acted) => {
            ctx.answer(q, Some(tr!(lang, "report-withdrawn", id = id.to_string())))
                .await?;
            delivery::after_action(&ctx.env(), &acted, None).await;
            mine(ctx, 0, q.message.as_ref().map(|m| m.id())).await
        }
        Err(err) => ctx.refuse_alert(q, err).await,
    }
}
