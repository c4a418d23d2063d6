//! The charts under `/stats`: reports per day by status, visits and attendance per week, and
//! the period's summary card, drawn off the async threads and sent as one album of three
//! photos. Coordinators only (the domain checks, as for the figures); every drawing audited.

use chrono::TimeDelta;
use teloxide::prelude::*;
use teloxide::types::{InputFile, InputMedia, InputMediaPhoto};

use super::render::plain_title;
use crate::bot::core::{BotError, Ctx, HandlerResult};
use crate::charts::{
    self, Need, Png, ReportStatus, ReportsOnDay, ReportsPerDay, Summary, VisitsPerWeek, WeekFigures,
};
use crate::i18n::{t, Lang};
use crate::ops::api::call;
use crate::stations::index::Directory;
use crate::stats::domain::{self, period, Asked, ChartData, Scope, StatsQuery};
use crate::stats::Figures;
use crate::tr;

/// Draws the three charts for `query` and sends them to the coordinator.
pub async fn send(ctx: &Ctx, q: &CallbackQuery, query: StatsQuery) -> HandlerResult {
    let lang = ctx.lang();
    let Some(period) = period(query.span, ctx.now(), ctx.settings.tz) else {
        ctx.expired(q).await?;
        return Ok(());
    };
    let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
    let station_at = |code: &_| index.get(code).map(|s| s.position);
    let asked = Asked {
        viewer: ctx.user.id,
        query: &query,
        period,
        now: ctx.now(),
        tz: ctx.settings.tz,
        station_at: &station_at,
    };
    let data = match domain::chart_data(&ctx.pool, &asked).await {
        Ok(data) => data,
        Err(err) => return ctx.refuse_alert(q, err).await,
    };
    ctx.answer(q, Some(tr!(lang, "stats-charts-drawing")))
        .await?;
    let station_name = match &query.scope {
        Scope::Station(code) => index.get(code).map(|s| s.name(lang).to_string()),
        _ => None,
    };
    let title = plain_title(lang, &query, &period, station_name.as_deref());
    let pngs = tokio::task::spawn_blocking(move || draw(lang, &title, &data))
        .await
        .map_err(|e| BotError::Internal(format!("charts panicked: {e}")))?
        .map_err(|e| BotError::Internal(format!("charts not drawn: {e}")))?;
    let media: Vec<InputMedia> = pngs
        .into_iter()
        .zip(["reports.png", "visits.png", "summary.png"])
        .map(|(png, name)| {
            InputMedia::Photo(InputMediaPhoto::new(
                InputFile::memory(png.into_bytes()).file_name(name),
            ))
        })
        .collect();
    call(ctx.bot.send_media_group(ctx.chat(), media)).await?;
    Ok(())
}

/// The three charts, in the order they are sent.
fn draw(lang: Lang, title: &str, data: &ChartData) -> Result<Vec<Png>, charts::ChartError> {
    let rows = data
        .per_day
        .iter()
        .filter(|d| (data.first..=data.last).contains(&d.day))
        .filter_map(|d| {
            Some(ReportsOnDay {
                day: d.day,
                status: ReportStatus::from_code(&d.status)?,
                count: u32::try_from(d.n).unwrap_or(u32::MAX),
            })
        })
        .collect();
    let reports = charts::reports_per_day(
        lang,
        &ReportsPerDay {
            title: title.to_owned(),
            from: data.first,
            to: data.last,
            rows,
        },
    )?;
    let first_monday = charts_monday(data.first);
    let weeks = data
        .weekly
        .iter()
        .filter(|(monday, _, _)| *monday >= first_monday && *monday <= data.last)
        .map(|&(monday, visits, attended)| WeekFigures {
            monday,
            visits: u32::try_from(visits).unwrap_or(u32::MAX),
            attended: u32::try_from(attended).unwrap_or(u32::MAX),
        })
        .collect();
    let visits = charts::visits_per_week(
        lang,
        &VisitsPerWeek {
            title: title.to_owned(),
            from: data.first,
            to: data.last,
            weeks,
        },
    )?;
    let summary = charts::summary_card(lang, &summary(lang, title, &data.figures))?;
    Ok(vec![reports, visits, summary])
}

fn charts_monday(day: chrono::NaiveDate) -> chrono::NaiveDate {
    use chrono::Datelike;
    day - chrono::Duration::days(day.weekday().num_days_from_monday().into())
}

fn summary(lang: Lang, title: &str, f: &Figures) -> Summary {
    let n = |v: i64| u64::try_from(v).unwrap_or(0);
    let feedback = f.feedback.as_ref();
    Summary {
        title: title.to_owned(),
        riders_registered: f.riders_registered.map(n),
        riders_active: n(f.riders_active),
        visits: n(f.visits),
        activities_held: n(f.activities),
        riders_reached: n(f.riders_reached),
        reports_filed: n(f.reports.filed),
        reports_resolved: n(f.reports.resolved),
        median_to_accept: f.reports.median_accept_s.map(TimeDelta::seconds),
        median_to_resolve: f.reports.median_resolve_s.map(TimeDelta::seconds),
        points_issued: f.points_issued.map(n),
        points_redeemed: f.points_redeemed.map(n),
        signups: n(f.attendance.signed_up),
        attended: n(f.attendance.attended),
        no_shows: n(f.attendance.no_shows),
        broadcasts: f.broadcasts.map(n),
        broadcast_reach: f.broadcast_reach.map(n),
        feedback_received: feedback.map(|fb| n(fb.received)),
        feedback_answered: feedback.map(|fb| n(fb.answered)),
        top_needs: feedback
            .map(|fb| {
                fb.by_topic
                    .iter()
                    .map(|c| Need {
                        topic: t(lang, &format!("feedback-topic-{}", c.key)),
                        count: n(c.n),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}
