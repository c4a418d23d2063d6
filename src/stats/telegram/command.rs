//! `/stats [SPAN] [STATION|PLATFORM]`: the figures as one message, with buttons for the same
//! scope over another span and for its charts. Anyone may type it; the domain refuses all but
//! coordinators, so a forged button gets the same answer.

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};
use teloxide::utils::html;

use super::render::figures_text;
use super::StatsCallback;
use crate::bot::core::callback::button;
use crate::bot::core::{Ctx, HandlerResult};
use crate::stations::index::Directory;
use crate::stats::domain::{self, period, Asked, Period, QueryError, Scope, Span, StatsQuery};
use crate::tr;

pub async fn stats_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let query = match StatsQuery::parse(args) {
        Ok(q) => q,
        Err(QueryError::Usage) => {
            ctx.send(tr!(lang, "stats-usage")).await?;
            return Ok(());
        }
        Err(QueryError::Unknown(word)) => {
            let text = tr!(lang, "stats-no-such-scope", word = html::escape(&word));
            ctx.send(format!("{text}\n\n{}", tr!(lang, "stats-usage")))
                .await?;
            return Ok(());
        }
    };
    let Some(period) = period(query.span, ctx.now(), ctx.settings.tz) else {
        ctx.send(tr!(lang, "stats-not-begun")).await?;
        return Ok(());
    };
    match answer(ctx, &query, period).await? {
        Ok((text, keyboard)) => {
            ctx.send_with(text, keyboard).await?;
        }
        Err(domain::StatsError::NoSuchStation(code)) => {
            let text = tr!(lang, "stats-no-such-scope", word = code);
            ctx.send(format!("{text}\n\n{}", tr!(lang, "stats-usage")))
                .await?;
        }
        Err(err) => ctx.refuse(err).await?,
    }
    Ok(())
}

pub async fn on_callback(ctx: &Ctx, q: &CallbackQuery, cb: StatsCallback) -> HandlerResult {
    match cb {
        StatsCallback::Figures(span, scope) => {
            let query = StatsQuery { span, scope };
            let Some(period) = period(span, ctx.now(), ctx.settings.tz) else {
                ctx.expired(q).await?;
                return Ok(());
            };
            match answer(ctx, &query, period).await? {
                Ok((text, keyboard)) => {
                    ctx.answer(q, None).await?;
                    ctx.send_with(text, keyboard).await?;
                }
                Err(err) => ctx.refuse_alert(q, err).await?,
            }
        }
        StatsCallback::Charts(span, scope) => {
            super::charts::send(ctx, q, StatsQuery { span, scope }).await?;
        }
    }
    Ok(())
}

type Answer = Result<(String, InlineKeyboardMarkup), domain::StatsError>;

/// The figures' text and buttons, or the domain's refusal.
async fn answer(
    ctx: &Ctx,
    query: &StatsQuery,
    period: Period,
) -> Result<Answer, crate::bot::core::BotError> {
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    let station_at = |code: &_| index.get(code).map(|s| s.position);
    let asked = Asked {
        viewer: ctx.user.id,
        query,
        period,
        now: ctx.now(),
        tz: ctx.settings.tz,
        station_at: &station_at,
    };
    let got = domain::figures(&ctx.pool, &asked).await;
    let figures = match got {
        Ok(f) => f,
        Err(err) => return Ok(Err(err)),
    };
    let scope_name = match &query.scope {
        Scope::District => None,
        Scope::Station(code) => index.get(code).map(|s| s.name(ctx.lang()).to_string()),
        Scope::Platform(_) => None,
    };
    let text = figures_text(ctx.lang(), query, &period, scope_name.as_deref(), &figures);
    Ok(Ok((text, keyboard(ctx, query))))
}

fn keyboard(ctx: &Ctx, query: &StatsQuery) -> InlineKeyboardMarkup {
    let lang = ctx.lang();
    let spans = [Span::Week, Span::Month, Span::Year, Span::All]
        .into_iter()
        .filter(|s| *s != query.span)
        .map(|s| {
            button(
                tr!(lang, "stats-span-button", span = s.code()),
                &StatsCallback::Figures(s, query.scope.clone()),
            )
        })
        .collect::<Vec<InlineKeyboardButton>>();
    InlineKeyboardMarkup::new(vec![
        spans,
        vec![button(
            tr!(lang, "stats-charts-button"),
            &StatsCallback::Charts(query.span, query.scope.clone()),
        )],
    ])
}
