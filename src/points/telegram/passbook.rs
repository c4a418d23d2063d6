//! The rider's passbook: `/points` (and the menu button) with history pages, the rewards
//! catalogue and redemption with its QR code, and the opt-in monthly leaderboard.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode};
use teloxide::utils::html;

use super::expiry;
use super::render::{all_names, entry_line, summary_keyboard, summary_text, Names};
use super::{PointsCallback, PointsSettings};
use crate::bot::core::callback::button;
use crate::bot::core::{BotError, Ctx, HandlerResult};
use crate::ops::api::call;
use crate::points::domain::{self, HISTORY_PAGE, RECENT};
use crate::points::{store, Entry, EntryKind, Redemption, RewardCode};
use crate::tr;

/// Rewards per page of the catalogue.
const REWARDS_PAGE: usize = 6;

/// The leaderboard with the rider's own show/hide switch beside it.
async fn leaderboard_view(ctx: &Ctx) -> Result<(String, InlineKeyboardMarkup), BotError> {
    let lang = ctx.lang();
    let text = leaderboard_text(ctx).await?;
    let mut conn = ctx.pool.acquire().await?;
    let opted_in = store::opted_in(&mut conn, ctx.user.id).await?;
    drop(conn);
    let toggle = if opted_in {
        button(
            tr!(lang, "btn-leaderboard-hide"),
            &PointsCallback::OptIn(false),
        )
    } else {
        button(
            tr!(lang, "btn-leaderboard-show"),
            &PointsCallback::OptIn(true),
        )
    };
    let kb = InlineKeyboardMarkup::new(vec![vec![
        toggle,
        button(tr!(lang, "btn-back-points"), &PointsCallback::Summary),
    ]]);
    Ok((text, kb))
}

/// The summary's text and buttons: one read of the passbook, unless one of the rider's
/// redemptions is overdue (then it is expired, the rider told, and the passbook read again).
async fn summary_view(ctx: &Ctx) -> Result<(String, InlineKeyboardMarkup), BotError> {
    let now = ctx.now();
    let mut s = domain::summary(&ctx.pool, ctx.user.id, 0, RECENT, false, now).await?;
    if s.overdue {
        expiry::expire(&ctx.pool, now).await?;
        s = domain::summary(&ctx.pool, ctx.user.id, 0, RECENT, false, now).await?;
    }
    let names = names_for(ctx, &s.entries).await?;
    Ok((
        summary_text(ctx.lang(), &s, &names, ctx.settings.tz),
        summary_keyboard(ctx.lang()),
    ))
}

/// Names, read only when `entries` mention a redemption or an attendance.
async fn names_for(ctx: &Ctx, entries: &[Entry]) -> Result<Names, sqlx::Error> {
    let mentions = entries.iter().any(|e| {
        matches!(
            e.kind,
            EntryKind::RedemptionHold | EntryKind::RedemptionRefund | EntryKind::Attendance
        )
    });
    if mentions {
        all_names(ctx).await
    } else {
        Ok(Names::default())
    }
}

/// `/points` or the main-menu button.
pub async fn show(ctx: &Ctx) -> HandlerResult {
    let (text, keyboard) = summary_view(ctx).await?;
    ctx.send_with(text, keyboard).await?;
    Ok(())
}

async fn alert(ctx: &Ctx, q: &CallbackQuery, text: String) -> HandlerResult {
    ctx.alert(q, text).await?;
    Ok(())
}

/// A passbook button (the router lets only registered riders' presses through).
pub async fn on_callback(ctx: &Ctx, q: &CallbackQuery, data: PointsCallback) -> HandlerResult {
    let lang = ctx.lang();
    let tz = ctx.settings.tz;
    match data {
        PointsCallback::Summary => {
            call(ctx.bot.answer_callback_query(q.id.clone())).await?;
            let (text, kb) = summary_view(ctx).await?;
            Ok(ctx.edit_pressed(q, text, kb).await?)
        }
        PointsCallback::History(page) => {
            let page = i64::from(page);
            let s = domain::summary(
                &ctx.pool,
                ctx.user.id,
                page * HISTORY_PAGE,
                HISTORY_PAGE,
                true,
                ctx.now(),
            )
            .await?;
            let total = s.total_entries.unwrap_or_default();
            let pages = ((total + HISTORY_PAGE - 1) / HISTORY_PAGE).max(1);
            if page >= pages {
                return alert(ctx, q, tr!(lang, "history-no-page")).await;
            }
            call(ctx.bot.answer_callback_query(q.id.clone())).await?;
            let names = names_for(ctx, &s.entries).await?;
            let mut text = tr!(lang, "history-head", page = page + 1, pages = pages);
            if s.entries.is_empty() {
                text.push('\n');
                text.push_str(&tr!(lang, "points-empty"));
            }
            for e in &s.entries {
                text.push('\n');
                text.push_str(&entry_line(lang, e, &names, tz));
            }
            let mut nav = Vec::new();
            if page > 0 {
                nav.push(button("◂", &PointsCallback::History(page as u32 - 1)));
            }
            if page + 1 < pages {
                nav.push(button("▸", &PointsCallback::History(page as u32 + 1)));
            }
            let kb = InlineKeyboardMarkup::new(vec![
                nav,
                vec![button(
                    tr!(lang, "btn-back-points"),
                    &PointsCallback::Summary,
                )],
            ]);
            Ok(ctx.edit_pressed(q, text, kb).await?)
        }
        PointsCallback::Rewards(page) => {
            call(ctx.bot.answer_callback_query(q.id.clone())).await?;
            let (text, kb) = rewards_view(ctx, page as usize).await?;
            Ok(ctx.edit_pressed(q, text, kb).await?)
        }
        PointsCallback::Redeem(code) => {
            let reward = match domain::offer(&ctx.pool, ctx.user.id, &code).await {
                Ok(reward) => reward,
                Err(refused) => return ctx.refuse_alert(q, refused).await,
            };
            call(ctx.bot.answer_callback_query(q.id.clone())).await?;
            let days = ctx.dep::<PointsSettings>()?.redemption_expiry.num_days();
            let text = tr!(
                lang,
                "redeem-confirm",
                reward = html::escape(reward.name(lang)),
                cost = reward.cost,
                days = days
            );
            let kb = InlineKeyboardMarkup::new(vec![vec![
                button(
                    tr!(lang, "btn-redeem-confirm"),
                    &PointsCallback::Confirm(code),
                ),
                button(tr!(lang, "btn-redeem-cancel"), &PointsCallback::Rewards(0)),
            ]]);
            Ok(ctx.edit_pressed(q, text, kb).await?)
        }
        PointsCallback::Confirm(code) => confirm_redeem(ctx, q, code).await,
        PointsCallback::Leaderboard => {
            call(ctx.bot.answer_callback_query(q.id.clone())).await?;
            let (text, kb) = leaderboard_view(ctx).await?;
            Ok(ctx.edit_pressed(q, text, kb).await?)
        }
        PointsCallback::OptIn(on) => {
            let mut conn = ctx.pool.acquire().await?;
            store::set_opt_in(&mut conn, ctx.user.id, on).await?;
            drop(conn);
            call(ctx.bot.answer_callback_query(q.id.clone()).text(if on {
                tr!(lang, "leaderboard-shown")
            } else {
                tr!(lang, "leaderboard-hidden")
            }))
            .await?;
            let (text, kb) = leaderboard_view(ctx).await?;
            Ok(ctx.edit_pressed(q, text, kb).await?)
        }
    }
}

async fn rewards_view(ctx: &Ctx, page: usize) -> Result<(String, InlineKeyboardMarkup), BotError> {
    let lang = ctx.lang();
    let mut conn = ctx.pool.acquire().await?;
    let rewards = store::active_rewards(&mut conn).await?;
    let balance = store::balance(&mut conn, ctx.user.id).await?;
    drop(conn);
    let pages = rewards.len().div_ceil(REWARDS_PAGE).max(1);
    let page = page.min(pages - 1);
    let mut text = tr!(lang, "rewards-head", balance = balance);
    if rewards.is_empty() {
        text.push('\n');
        text.push_str(&tr!(lang, "rewards-none"));
    }
    let mut rows: Vec<Vec<InlineKeyboardButton>> = rewards
        .iter()
        .skip(page * REWARDS_PAGE)
        .take(REWARDS_PAGE)
        .map(|r| {
            let label = if r.stock == 0 {
                tr!(
                    lang,
                    "reward-button-out",
                    reward = r.name(lang).chars().take(30).collect::<String>(),
                    cost = r.cost
                )
            } else {
                tr!(
                    lang,
                    "reward-button",
                    reward = r.name(lang).chars().take(30).collect::<String>(),
                    cost = r.cost,
                    stock = r.stock
                )
            };
            vec![button(label, &PointsCallback::Redeem(r.code.clone()))]
        })
        .collect();
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(button("◂", &PointsCallback::Rewards(page as u32 - 1)));
    }
    if page + 1 < pages {
        nav.push(button("▸", &PointsCallback::Rewards(page as u32 + 1)));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    rows.push(vec![button(
        tr!(lang, "btn-back-points"),
        &PointsCallback::Summary,
    )]);
    Ok((text, InlineKeyboardMarkup::new(rows)))
}

async fn confirm_redeem(ctx: &Ctx, q: &CallbackQuery, code: RewardCode) -> HandlerResult {
    let lang = ctx.lang();
    let message_id = q.message.as_ref().map_or(0, |m| m.id().0);
    // One confirm message, one redemption: a double tap or a second device gets the same one.
    let request_key = format!("{}:{message_id}", ctx.user.id.0);
    let now = ctx.now();
    let expiry = ctx.dep::<PointsSettings>()?.redemption_expiry;
    let result = domain::redeem(&ctx.pool, ctx.user.id, &code, &request_key, now, expiry).await;
    let (redemption, fresh) = match result {
        Ok(r) => (r.redemption, r.new),
        Err(refused) => return ctx.refuse_alert(q, refused).await,
    };
    call(ctx.bot.answer_callback_query(q.id.clone())).await?;
    if !fresh {
        // A second tap on the same button: the first one already answered.
        return Ok(());
    }
    let mut conn = ctx.pool.acquire().await?;
    let reward = store::find_reward(&mut conn, &redemption.reward).await?;
    drop(conn);
    let name = reward.map_or(redemption.reward.to_string(), |r| r.name(lang).to_owned());
    let text = redemption_text(ctx, &redemption, &name);
    let kb = InlineKeyboardMarkup::new(vec![vec![button(
        tr!(lang, "btn-back-points"),
        &PointsCallback::Summary,
    )]]);
    ctx.edit_pressed(q, text, kb).await?;
    tracing::info!(user_id = ctx.user.id.0, code = %redemption.code, "redeemed");
    send_qr(ctx, &redemption).await
}

pub(super) fn redemption_text(ctx: &Ctx, r: &Redemption, reward: &str) -> String {
    let tz = ctx.settings.tz;
    tr!(
        ctx.lang(),
        "redeem-done",
        reward = html::escape(reward),
        code = r.code.to_string(),
        cost = r.cost,
        until = r
            .expires_at
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    )
}

/// The code as a QR image: a deep link a coordinator's camera opens in the bot.
async fn send_qr(ctx: &Ctx, r: &Redemption) -> HandlerResult {
    let content = match &ctx.settings.bot_username {
        Some(bot) => format!("https://t.me/{bot}?start=rd-{}", r.code),
        None => r.code.to_string(),
    };
    match crate::points::qr::png(&content) {
        Ok(png) => {
            call(
                ctx.bot
                    .send_photo(
                        ctx.chat(),
                        InputFile::memory(png).file_name(format!("{}.png", r.code)),
                    )
                    .caption(tr!(
                        ctx.lang(),
                        "redeem-qr-caption",
                        code = r.code.to_string()
                    ))
                    .parse_mode(ParseMode::Html),
            )
            .await?;
        }
        Err(err) => tracing::warn!(%err, "could not draw a QR code"),
    }
    Ok(())
}

async fn leaderboard_text(ctx: &Ctx) -> Result<String, BotError> {
    let lang = ctx.lang();
    let now = ctx.now();
    let tz = ctx.settings.tz;
    let since = domain::month_start(now, tz);
    let mut conn = ctx.pool.acquire().await?;
    let rows = store::leaderboard(&mut conn, since, 10).await?;
    let mut text = tr!(
        lang,
        "leaderboard-head",
        month = now.with_timezone(&tz).format("%Y-%m").to_string()
    );
    if rows.is_empty() {
        text.push('\n');
        text.push_str(&tr!(lang, "leaderboard-empty"));
    }
    for (i, (id, earned, name)) in rows.iter().enumerate() {
        let who = match name {
            Some(n) => html::escape(n),
            None => tr!(lang, "leaderboard-anonymous"),
        };
        let me = if *id == ctx.user.id.0 {
            tr!(lang, "leaderboard-you")
        } else {
            String::new()
        };
        text.push_str(&format!("\n{}. {who}{me} — {earned}", i + 1));
    }
    Ok(text)
}

/// `/leaderboard`.
pub async fn leaderboard(ctx: &Ctx) -> HandlerResult {
    let (text, kb) = leaderboard_view(ctx).await?;
    ctx.send_with(text, kb).await?;
    Ok(())
}
