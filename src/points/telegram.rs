//! The passbook over Telegram: `/points` (and the menu button) with history paging, rewards and
//! redemption, the leaderboard; coordinators' `/redeem`, `/adjust` and `/passbook`.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, InputFile, ParseMode};
use teloxide::utils::html;

use super::domain::{self, PointsError, Summary, HISTORY_PAGE, RECENT};
use super::{store, Entry, EntryKind, Redemption, RedemptionCode, Reward, RewardCode};
use crate::bot::callback::Callback;
use crate::bot::{BotError, Ctx, HandlerResult};
use crate::i18n::Lang;
use crate::roles::telegram::Target;
use crate::users::UserId;
use crate::{roles, tr};

/// Rewards per page of the catalogue.
const REWARDS_PAGE: usize = 6;

/// A passbook button's data (`pt:` prefix; untrusted, parsed strictly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointsCallback {
    Summary,
    History(u32),
    Rewards(u32),
    /// Asks to confirm redeeming this reward.
    Redeem(RewardCode),
    /// Confirms it.
    Confirm(RewardCode),
    Leaderboard,
    OptIn(bool),
}

impl PointsCallback {
    pub fn encode(&self) -> String {
        match self {
            PointsCallback::Summary => "pt:s".into(),
            PointsCallback::History(p) => format!("pt:h:{p}"),
            PointsCallback::Rewards(p) => format!("pt:r:{p}"),
            PointsCallback::Redeem(c) => format!("pt:b:{c}"),
            PointsCallback::Confirm(c) => format!("pt:c:{c}"),
            PointsCallback::Leaderboard => "pt:l".into(),
            PointsCallback::OptIn(on) => format!("pt:o:{}", u8::from(*on)),
        }
    }

    /// Parses the part after `pt:`.
    pub fn parse(data: &str) -> Option<PointsCallback> {
        let (head, arg) = match data.split_once(':') {
            Some((h, a)) => (h, Some(a)),
            None => (data, None),
        };
        let page = |a: Option<&str>| -> Option<u32> { a?.parse().ok().filter(|p| *p < 10_000) };
        Some(match (head, arg) {
            ("s", None) => PointsCallback::Summary,
            ("l", None) => PointsCallback::Leaderboard,
            ("h", a) => PointsCallback::History(page(a)?),
            ("r", a) => PointsCallback::Rewards(page(a)?),
            ("b", Some(c)) => PointsCallback::Redeem(RewardCode::parse(c)?),
            ("c", Some(c)) => PointsCallback::Confirm(RewardCode::parse(c)?),
            ("o", Some("1")) => PointsCallback::OptIn(true),
            ("o", Some("0")) => PointsCallback::OptIn(false),
            _ => return None,
        })
    }
}

pub fn parse_callback(data: &str) -> Option<Callback> {
    data.strip_prefix("pt:")
        .and_then(PointsCallback::parse)
        .map(Callback::Points)
}

fn button(label: String, cb: PointsCallback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, cb.encode())
}

fn signed(n: i64) -> String {
    if n > 0 {
        format!("+{n}")
    } else {
        format!("−{}", n.unsigned_abs())
    }
}

/// What entries refer to by code, in words: rewards, and the service plans of attendances.
#[derive(Default)]
struct Names {
    rewards: HashMap<String, Reward>,
    plans: HashMap<String, crate::services::Plan>,
}

/// One entry as a line a rider reads: amount, reason, date.
fn entry_line(lang: Lang, e: &Entry, names: &Names, tz: chrono_tz::Tz) -> String {
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
                let title = match lang {
                    Lang::En => plan.title_en.as_deref().unwrap_or(&plan.title_zh),
                    Lang::Zh => &plan.title_zh,
                };
                Some(format!("{title} {}", code.date().format("%m-%d")))
            });
            let source = named.unwrap_or_else(|| source.to_owned());
            tr!(lang, "entry-attendance", source = html::escape(&source))
        }
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
async fn all_names(ctx: &Ctx) -> Result<Names, sqlx::Error> {
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

fn summary_text(lang: Lang, s: &Summary, names: &Names, tz: chrono_tz::Tz) -> String {
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

fn summary_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![
        vec![
            button(tr!(lang, "btn-history"), PointsCallback::History(0)),
            button(tr!(lang, "btn-rewards"), PointsCallback::Rewards(0)),
        ],
        vec![button(
            tr!(lang, "btn-leaderboard"),
            PointsCallback::Leaderboard,
        )],
    ])
}

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
            PointsCallback::OptIn(false),
        )
    } else {
        button(
            tr!(lang, "btn-leaderboard-show"),
            PointsCallback::OptIn(true),
        )
    };
    let kb = InlineKeyboardMarkup::new(vec![vec![
        toggle,
        button(tr!(lang, "btn-back-points"), PointsCallback::Summary),
    ]]);
    Ok((text, kb))
}

/// The summary's text and buttons: one read of the passbook, unless one of the rider's
/// redemptions is overdue (then it is expired, the rider told, and the passbook read again).
async fn summary_view(ctx: &Ctx) -> Result<(String, InlineKeyboardMarkup), BotError> {
    let now = ctx.settings.clock.now();
    let mut s = domain::summary(&ctx.pool, ctx.user.id, 0, RECENT, false, now).await?;
    if s.overdue {
        expire_and_notify(&ctx.bot, &ctx.pool, now).await?;
        s = domain::summary(&ctx.pool, ctx.user.id, 0, RECENT, false, now).await?;
    }
    let names = names_for(ctx, &s.entries).await?;
    Ok((
        summary_text(ctx.lang(), &s, &names, ctx.settings.reach.tz),
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

/// Expires overdue redemptions and tells their riders. Called before showing points and by
/// the periodic sweep, so an expiry is noticed within minutes either way.
pub async fn expire_and_notify(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    now: DateTime<Utc>,
) -> Result<usize, BotError> {
    let expired = domain::expire_due(pool, now).await.map_err(points_err)?;
    for r in &expired {
        let mut conn = pool.acquire().await?;
        let lang = users_lang(&mut conn, r.rider).await?;
        let reward = store::find_reward(&mut conn, &r.reward).await?;
        let name = reward.map_or(r.reward.to_string(), |w| w.name(lang).to_owned());
        tracing::info!(user_id = r.rider.0, code = %r.code, "redemption expired");
        let sent = bot
            .send_message(
                ChatId(r.rider.0),
                tr!(
                    lang,
                    "redemption-expired",
                    reward = html::escape(&name),
                    code = r.code.to_string(),
                    points = r.cost
                ),
            )
            .parse_mode(ParseMode::Html)
            .await;
        if let Err(err) = sent {
            tracing::warn!(user_id = r.rider.0, %err, "could not tell rider of expiry");
        }
    }
    Ok(expired.len())
}

async fn users_lang(conn: &mut sqlx::SqliteConnection, id: UserId) -> Result<Lang, sqlx::Error> {
    Ok(crate::users::store::find(conn, id)
        .await?
        .map_or(Lang::Zh, |u| u.lang))
}

fn points_err(e: PointsError) -> BotError {
    match e {
        PointsError::Db(e) => BotError::Db(e),
        other => BotError::Internal(other.to_string()),
    }
}

/// `/points` or the main-menu button.
pub async fn show(ctx: &Ctx) -> HandlerResult {
    if !ctx.user.is_registered() {
        return crate::onboarding::telegram::begin(ctx).await;
    }
    let (text, keyboard) = summary_view(ctx).await?;
    ctx.send_with(text, keyboard).await?;
    Ok(())
}

/// Shows `text` in place of the pressed button's message.
async fn edit(
    ctx: &Ctx,
    q: &CallbackQuery,
    text: String,
    kb: InlineKeyboardMarkup,
) -> HandlerResult {
    match q.message.as_ref() {
        Some(message) => ctx.edit(message.id(), text, kb).await?,
        None => {
            ctx.send_with(text, kb).await?;
        }
    }
    Ok(())
}

async fn alert(ctx: &Ctx, q: &CallbackQuery, text: String) -> HandlerResult {
    ctx.alert(q, text).await?;
    Ok(())
}

/// Why a reward cannot be redeemed, as an alert on the button.
async fn refuse(ctx: &Ctx, q: &CallbackQuery, refused: PointsError) -> HandlerResult {
    let lang = ctx.lang();
    let text = match refused {
        PointsError::NoSuchReward => tr!(lang, "reward-unknown"),
        PointsError::OutOfStock => tr!(lang, "reward-out-of-stock"),
        PointsError::Insufficient { balance, needed } => {
            tr!(lang, "reward-not-enough", balance = balance, cost = needed)
        }
        other => return Err(points_err(other)),
    };
    alert(ctx, q, text).await
}

/// A passbook button (the rider is registered: `bot::on_callback` checks).
pub async fn on_callback(ctx: &Ctx, q: &CallbackQuery, data: PointsCallback) -> HandlerResult {
    let lang = ctx.lang();
    let tz = ctx.settings.reach.tz;
    match data {
        PointsCallback::Summary => {
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            let (text, kb) = summary_view(ctx).await?;
            edit(ctx, q, text, kb).await
        }
        PointsCallback::History(page) => {
            let page = i64::from(page);
            let s = domain::summary(
                &ctx.pool,
                ctx.user.id,
                page * HISTORY_PAGE,
                HISTORY_PAGE,
                true,
                ctx.settings.clock.now(),
            )
            .await?;
            let total = s.total_entries.unwrap_or_default();
            let pages = ((total + HISTORY_PAGE - 1) / HISTORY_PAGE).max(1);
            if page >= pages {
                return alert(ctx, q, tr!(lang, "history-no-page")).await;
            }
            ctx.bot.answer_callback_query(q.id.clone()).await?;
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
                nav.push(button("◂".into(), PointsCallback::History(page as u32 - 1)));
            }
            if page + 1 < pages {
                nav.push(button("▸".into(), PointsCallback::History(page as u32 + 1)));
            }
            let kb = InlineKeyboardMarkup::new(vec![
                nav,
                vec![button(
                    tr!(lang, "btn-back-points"),
                    PointsCallback::Summary,
                )],
            ]);
            edit(ctx, q, text, kb).await
        }
        PointsCallback::Rewards(page) => {
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            let (text, kb) = rewards_view(ctx, page as usize).await?;
            edit(ctx, q, text, kb).await
        }
        PointsCallback::Redeem(code) => {
            let reward = match domain::offer(&ctx.pool, ctx.user.id, &code).await {
                Ok(reward) => reward,
                Err(refused) => return refuse(ctx, q, refused).await,
            };
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            let days = ctx.settings.redemption_expiry.num_days();
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
                    PointsCallback::Confirm(code),
                ),
                button(tr!(lang, "btn-redeem-cancel"), PointsCallback::Rewards(0)),
            ]]);
            edit(ctx, q, text, kb).await
        }
        PointsCallback::Confirm(code) => confirm_redeem(ctx, q, code).await,
        PointsCallback::Leaderboard => {
            ctx.bot.answer_callback_query(q.id.clone()).await?;
            let (text, kb) = leaderboard_view(ctx).await?;
            edit(ctx, q, text, kb).await
        }
        PointsCallback::OptIn(on) => {
            let mut conn = ctx.pool.acquire().await?;
            store::set_opt_in(&mut conn, ctx.user.id, on).await?;
            drop(conn);
            ctx.bot
                .answer_callback_query(q.id.clone())
                .text(if on {
                    tr!(lang, "leaderboard-shown")
                } else {
                    tr!(lang, "leaderboard-hidden")
                })
                .await?;
            let (text, kb) = leaderboard_view(ctx).await?;
            edit(ctx, q, text, kb).await
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
            vec![button(label, PointsCallback::Redeem(r.code.clone()))]
        })
        .collect();
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(button("◂".into(), PointsCallback::Rewards(page as u32 - 1)));
    }
    if page + 1 < pages {
        nav.push(button("▸".into(), PointsCallback::Rewards(page as u32 + 1)));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    rows.push(vec![button(
        tr!(lang, "btn-back-points"),
        PointsCallback::Summary,
    )]);
    Ok((text, InlineKeyboardMarkup::new(rows)))
}

async fn confirm_redeem(ctx: &Ctx, q: &CallbackQuery, code: RewardCode) -> HandlerResult {
    let lang = ctx.lang();
    let message_id = q.message.as_ref().map_or(0, |m| m.id().0);
    // One confirm message, one redemption: a double tap or a second device gets the same one.
    let request_key = format!("{}:{message_id}", ctx.user.id.0);
    let now = ctx.settings.clock.now();
    let result = domain::redeem(
        &ctx.pool,
        ctx.user.id,
        &code,
        &request_key,
        now,
        ctx.settings.redemption_expiry,
    )
    .await;
    let (redemption, fresh) = match result {
        Ok(r) => (r.redemption, r.new),
        Err(refused) => return refuse(ctx, q, refused).await,
    };
    ctx.bot.answer_callback_query(q.id.clone()).await?;
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
        PointsCallback::Summary,
    )]]);
    edit(ctx, q, text, kb).await?;
    tracing::info!(user_id = ctx.user.id.0, code = %redemption.code, "redeemed");
    send_qr(ctx, &redemption).await
}

fn redemption_text(ctx: &Ctx, r: &Redemption, reward: &str) -> String {
    let tz = ctx.settings.reach.tz;
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
    match super::qr::png(&content) {
        Ok(png) => {
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
                .parse_mode(ParseMode::Html)
                .await?;
        }
        Err(err) => tracing::warn!(%err, "could not draw a QR code"),
    }
    Ok(())
}

async fn leaderboard_text(ctx: &Ctx) -> Result<String, BotError> {
    let lang = ctx.lang();
    let now = ctx.settings.clock.now();
    let tz = ctx.settings.reach.tz;
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

/// A deep link `rd-CODE` (the QR): a coordinator confirms from it; the rider sees their code.
pub async fn on_redemption_link(ctx: &Ctx, code: &RedemptionCode) -> HandlerResult {
    if ctx.user.is_coordinator() {
        return redeem_command(ctx, code.as_str()).await;
    }
    let mut conn = ctx.pool.acquire().await?;
    let found = store::find_redemption(&mut conn, code)
        .await?
        .filter(|r| r.rider == ctx.user.id);
    let Some(r) = found else {
        drop(conn);
        ctx.send(tr!(ctx.lang(), "redemption-unknown")).await?;
        return Ok(());
    };
    let reward = store::find_reward(&mut conn, &r.reward).await?;
    drop(conn);
    let name = reward.map_or(r.reward.to_string(), |w| w.name(ctx.lang()).to_owned());
    ctx.send(redemption_text(ctx, &r, &name)).await?;
    Ok(())
}

/// `/redeem CODE`: a coordinator confirms the hand-over.
pub async fn redeem_command(ctx: &Ctx, arg: &str) -> HandlerResult {
    let lang = ctx.lang();
    if !ctx.user.is_coordinator() {
        ctx.send(tr!(lang, "role-not-coordinator")).await?;
        return Ok(());
    }
    let Some(code) = RedemptionCode::parse(arg) else {
        ctx.send(tr!(lang, "redeem-usage")).await?;
        return Ok(());
    };
    let now = ctx.settings.clock.now();
    let tz = ctx.settings.reach.tz;
    let result = domain::confirm(&ctx.pool, ctx.user.id, &code, now).await;
    let reply = match result {
        Ok(r) => {
            let mut conn = ctx.pool.acquire().await?;
            let rider = crate::users::store::find(&mut conn, r.rider).await?;
            let reward = store::find_reward(&mut conn, &r.reward).await?;
            drop(conn);
            let rider_lang = rider.as_ref().map_or(Lang::Zh, |u| u.lang);
            let rider_name = rider.as_ref().and_then(|u| u.name.clone()).map_or_else(
                || tr!(lang, "someone", id = r.rider.0),
                |n| html::escape(&n),
            );
            let name_for = |l: Lang| {
                reward
                    .as_ref()
                    .map_or(r.reward.to_string(), |w| w.name(l).to_owned())
            };
            let told = ctx
                .bot
                .send_message(
                    ChatId(r.rider.0),
                    tr!(
                        rider_lang,
                        "redemption-handed-over",
                        reward = html::escape(&name_for(rider_lang))
                    ),
                )
                .parse_mode(ParseMode::Html)
                .await;
            if let Err(err) = told {
                tracing::warn!(user_id = r.rider.0, %err, "could not tell rider of hand-over");
            }
            tr!(
                lang,
                "redeem-confirmed",
                reward = html::escape(&name_for(lang)),
                rider = rider_name,
                code = code.to_string()
            )
        }
        Err(PointsError::NotCoordinator) => tr!(lang, "role-not-coordinator"),
        Err(PointsError::NoSuchRedemption) => tr!(lang, "redemption-unknown"),
        Err(PointsError::AlreadyConfirmed(r)) => tr!(
            lang,
            "redeem-already",
            code = code.to_string(),
            at = r
                .closed_at
                .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
                .unwrap_or_default()
        ),
        Err(PointsError::Expired(_)) => tr!(lang, "redeem-expired", code = code.to_string()),
        Err(e) => return Err(points_err(e)),
    };
    ctx.send(reply).await?;
    Ok(())
}

/// `/adjust RIDER ±N reason`.
pub async fn adjust_command(ctx: &Ctx, msg: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    if !ctx.user.is_coordinator() {
        ctx.send(tr!(lang, "role-not-coordinator")).await?;
        return Ok(());
    }
    let (target, rest) = match roles::telegram::target(msg, args) {
        Target::Found(t, rest) => (t, rest),
        Target::Hidden => {
            ctx.send(tr!(lang, "forward-hidden")).await?;
            return Ok(());
        }
        Target::Missing => {
            ctx.send(tr!(lang, "adjust-usage")).await?;
            return Ok(());
        }
    };
    let (amount, reason) = rest.split_once(char::is_whitespace).unwrap_or((rest, ""));
    let Ok(amount) = domain::parse_amount(amount) else {
        ctx.send(tr!(lang, "adjust-usage")).await?;
        return Ok(());
    };
    let request_key = format!("{}:{}", ctx.chat().0, msg.id.0);
    let result = domain::adjust(
        &ctx.pool,
        ctx.user.id,
        &target,
        amount,
        reason,
        &request_key,
    )
    .await;
    let reply = match result {
        Ok(done) => {
            let name = done
                .rider
                .name
                .as_deref()
                .map_or_else(|| tr!(lang, "someone", id = done.rider.id.0), html::escape);
            let told = ctx
                .bot
                .send_message(
                    ChatId(done.rider.id.0),
                    tr!(
                        done.rider.lang,
                        "adjust-told",
                        amount = signed(amount),
                        reason = html::escape(reason.trim()),
                        balance = done.balance
                    ),
                )
                .parse_mode(ParseMode::Html)
                .await;
            if let Err(err) = told {
                tracing::warn!(user_id = done.rider.id.0, %err, "could not tell rider of adjustment");
            }
            tr!(
                lang,
                "adjust-done",
                rider = name,
                amount = signed(amount),
                balance = done.balance
            )
        }
        Err(PointsError::NotCoordinator) => tr!(lang, "role-not-coordinator"),
        Err(PointsError::ReasonRequired) => tr!(lang, "adjust-reason-required"),
        Err(PointsError::ReasonTooLong) => tr!(
            lang,
            "adjust-reason-too-long",
            max = domain::MAX_REASON_CHARS
        ),
        Err(PointsError::BadAmount) => tr!(lang, "adjust-usage"),
        Err(PointsError::UnknownUser) => tr!(lang, "role-unknown-user"),
        Err(PointsError::NotRegistered) => tr!(lang, "role-not-registered"),
        Err(PointsError::Insufficient { balance, .. }) => {
            tr!(lang, "adjust-below-zero", balance = balance)
        }
        Err(e) => return Err(points_err(e)),
    };
    ctx.send(reply).await?;
    Ok(())
}

/// `/passbook RIDER`: a rider's ledger, for coordinators.
pub async fn passbook_command(ctx: &Ctx, msg: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    if !ctx.user.is_coordinator() {
        ctx.send(tr!(lang, "role-not-coordinator")).await?;
        return Ok(());
    }
    let target = match roles::telegram::target(msg, args) {
        Target::Found(t, _) => t,
        Target::Hidden => {
            ctx.send(tr!(lang, "forward-hidden")).await?;
            return Ok(());
        }
        Target::Missing => {
            ctx.send(tr!(lang, "passbook-usage")).await?;
            return Ok(());
        }
    };
    let reply = match domain::passbook(&ctx.pool, ctx.user.id, &target, 20).await {
        Ok((rider, summary)) => {
            let names = all_names(ctx).await?;
            let name = rider
                .name
                .as_deref()
                .map_or_else(|| tr!(lang, "someone", id = rider.id.0), html::escape);
            let mut text = tr!(
                lang,
                "passbook-head",
                rider = name,
                id = rider.id.0,
                entries = summary.total_entries.unwrap_or_default()
            );
            text.push('\n');
            text.push_str(&summary_text(lang, &summary, &names, ctx.settings.reach.tz));
            text
        }
        Err(PointsError::NotCoordinator) => tr!(lang, "role-not-coordinator"),
        Err(PointsError::UnknownUser) => tr!(lang, "role-unknown-user"),
        Err(PointsError::NotRegistered) => tr!(lang, "role-not-registered"),
        Err(e) => return Err(points_err(e)),
    };
    ctx.send(reply).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callbacks_round_trip_and_forgeries_fail() {
        let code = RewardCode::parse(&"R".repeat(24)).unwrap();
        for cb in [
            PointsCallback::Summary,
            PointsCallback::History(9_999),
            PointsCallback::Rewards(3),
            PointsCallback::Redeem(code.clone()),
            PointsCallback::Confirm(code),
            PointsCallback::Leaderboard,
            PointsCallback::OptIn(true),
            PointsCallback::OptIn(false),
        ] {
            let data = cb.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(parse_callback(&data), Some(Callback::Points(cb)));
        }
        for forged in [
            "pt:",
            "pt:h",
            "pt:h:-1",
            "pt:h:10000",
            "pt:b:",
            "pt:c:a b",
            "pt:o:2",
            "pt:s:1",
            "pt:x",
        ] {
            assert_eq!(parse_callback(forged), None, "{forged}");
        }
    }

    #[test]
    fn amounts_read_with_their_sign() {
        assert_eq!(signed(20), "+20");
        assert_eq!(signed(-5), "−5");
    }
}
