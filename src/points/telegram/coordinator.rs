//! Coordinators' points commands: `/redeem CODE` (confirm a hand-over; also the `rd-` link a
//! rider's QR code holds), `/adjust RIDER ±N reason` and `/passbook RIDER`.

use teloxide::prelude::*;
use teloxide::utils::html;

use super::passbook::redemption_text;
use super::render::{all_names, signed, summary_text};
use crate::bot::core::target::{target, Target};
use crate::bot::core::{Ctx, HandlerResult};
use crate::i18n::Lang;
use crate::points::domain::{self, PointsError};
use crate::points::{store, RedemptionCode};
use crate::tr;
use crate::users::Refusal;

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
        return ctx.refuse(Refusal::NotCoordinator).await;
    }
    let Some(code) = RedemptionCode::parse(arg) else {
        ctx.send(tr!(lang, "redeem-usage")).await?;
        return Ok(());
    };
    let now = ctx.now();
    let tz = ctx.settings.tz;
    let result = domain::confirm(&ctx.pool, ctx.user.id, &code, now).await;
    let reply = match result {
        Ok(r) => {
            let mut conn = ctx.pool.acquire().await?;
            let rider = crate::users::store::find(&mut conn, r.rider).await?;
            let reward = store::find_reward(&mut conn, &r.reward).await?;
            drop(conn);
            let rider_name = rider.as_ref().and_then(|u| u.name.clone()).map_or_else(
                || tr!(lang, "someone", id = r.rider.0),
                |n| html::escape(&n),
            );
            let name_for = |l: Lang| {
                reward
                    .as_ref()
                    .map_or(r.reward.to_string(), |w| w.name(l).to_owned())
            };
            // The rider is told through the outbox.
            tr!(
                lang,
                "redeem-confirmed",
                reward = html::escape(&name_for(lang)),
                rider = rider_name,
                code = code.to_string()
            )
        }
        Err(PointsError::AlreadyConfirmed(r)) => tr!(
            lang,
            "redeem-already",
            code = code.to_string(),
            at = r
                .closed_at
                .map(|t| t.with_timezone(&tz).format("%m-%d %H:%M").to_string())
                .unwrap_or_default()
        ),
        Err(e) => return ctx.refuse(e).await,
    };
    ctx.send(reply).await?;
    Ok(())
}

/// `/adjust RIDER ±N reason`.
pub async fn adjust_command(ctx: &Ctx, msg: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    if !ctx.user.is_coordinator() {
        return ctx.refuse(Refusal::NotCoordinator).await;
    }
    let (target, rest) = match target(msg, args) {
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
        ctx.now(),
    )
    .await;
    let reply = match result {
        Ok(done) => {
            let name = done
                .rider
                .name
                .as_deref()
                .map_or_else(|| tr!(lang, "someone", id = done.rider.id.0), html::escape);
            // The rider is told through the outbox.
            tr!(
                lang,
                "adjust-done",
                rider = name,
                amount = signed(amount),
                balance = done.balance
            )
        }
        Err(PointsError::Insufficient { balance, .. }) => {
            tr!(lang, "adjust-below-zero", balance = balance)
        }
        Err(e) => return ctx.refuse(e).await,
    };
    ctx.send(reply).await?;
    Ok(())
}

/// `/passbook RIDER`: a rider's ledger, for coordinators.
pub async fn passbook_command(ctx: &Ctx, msg: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    if !ctx.user.is_coordinator() {
        return ctx.refuse(Refusal::NotCoordinator).await;
    }
    let target = match target(msg, args) {
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
            text.push_str(&summary_text(lang, &summary, &names, ctx.settings.tz));
            text
        }
        Err(e) => return ctx.refuse(e).await,
    };
    ctx.send(reply).await?;
    Ok(())
}
