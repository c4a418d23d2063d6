//! Riders checking in over Telegram: the session's signed code (`/start cs-…`, the QR code a
//! coordinator prints on the day or shows on a screen), a live location shared at the station,
//! and the station's static poster (`/start ci-<plan>`), which shows the session now checking
//! in and how to check in, and pays nothing by itself. Every refusal says why.

use teloxide::types::Message;
use teloxide::utils::html;

use super::words::{distance, station_name, time_and_day, when};
use crate::bot::core::{BotError, Ctx, Explain, HandlerResult, Next};
use crate::geo::Position;
use crate::services::checkin::{self, CheckedIn, KeyRing, Shared};
use crate::services::domain::{self, ServicesError};
use crate::services::signed::CheckInCode;
use crate::services::{PlanCode, Session, SessionCode, SignupStatus};
use crate::tr;

/// `CHECKIN_RADIUS_M`: how near the station a live location checks its rider in.
#[derive(Debug, Clone, Copy)]
pub struct CheckInRadius(pub f64);

/// The session's title line parts as every check-in text names them: icon, title, when.
fn named(ctx: &Ctx, s: &Session) -> (String, String, String) {
    let lang = ctx.lang();
    (
        s.kind.icon().to_owned(),
        html::escape(s.title(lang)),
        when(lang, s, ctx.settings.tz),
    )
}

/// Checked in (or already), with the points it paid.
async fn checked_in(ctx: &Ctx, done: &CheckedIn) -> HandlerResult {
    let lang = ctx.lang();
    let title = html::escape(done.session.title(lang));
    let mut text = if done.again {
        tr!(lang, "services-checked-in-again", title = title)
    } else {
        tr!(lang, "services-checked-in", title = title)
    };
    if let Some(points) = done.points {
        text.push('\n');
        text.push_str(&tr!(lang, "report-notify-points", points = points));
    }
    ctx.send_menu(text).await?;
    Ok(())
}

/// Tells the rider why a check-in was refused; a failure goes to the guard.
async fn explain(ctx: &Ctx, err: ServicesError) -> HandlerResult {
    match err.words(ctx.lang()) {
        Some(words) => {
            ctx.send_menu(words).await?;
            Ok(())
        }
        None => Err(BotError::domain(err)),
    }
}

/// `/start cs-SESSION-SIG`: the session's signed code. A coordinator without a seat in the
/// session sees its roster instead.
pub async fn on_code_link(ctx: &Ctx, raw: &str) -> HandlerResult {
    let lang = ctx.lang();
    let now = ctx.now();
    let key = ctx
        .dep::<KeyRing>()?
        .key(&ctx.pool, now)
        .await
        .map_err(BotError::domain)?;
    let verified = CheckInCode::parse(raw).and_then(|code| key.verify(&code).ok());
    let Some(verified) = verified else {
        tracing::info!(user_id = ctx.user.id.0, "check-in code refused: not signed");
        ctx.send_menu(tr!(lang, "services-code-invalid")).await?;
        return Ok(());
    };
    let code = verified.session();
    if ctx.user.is_coordinator() {
        let mine = domain::find(&ctx.pool, ctx.user.id, code)
            .await?
            .and_then(|l| l.mine);
        match mine {
            Some(SignupStatus::Signed | SignupStatus::Waitlisted(_) | SignupStatus::Attended) => {}
            Some(SignupStatus::Cancelled) | None => {
                return super::coordinator::session_command(ctx, &code.to_string()).await
            }
        }
    }
    match checkin::with_code(&ctx.pool, ctx.user.id, &verified, now).await {
        Ok(done) => checked_in(ctx, &done).await,
        Err(err) => refuse_code(ctx, code, err).await,
    }
}

/// Why a genuine code did not check the rider in: its window (when it is valid), no seat in
/// its session (another station's, say), or the shared reasons.
async fn refuse_code(ctx: &Ctx, code: &SessionCode, err: ServicesError) -> HandlerResult {
    let lang = ctx.lang();
    let special = matches!(err, ServicesError::NotNow | ServicesError::NotSignedUp);
    let found = domain::find(&ctx.pool, ctx.user.id, code).await?;
    let (Some(listed), true) = (found, special) else {
        return explain(ctx, err).await;
    };
    let s = &listed.session;
    let (icon, title, when) = named(ctx, s);
    let text = match err {
        ServicesError::NotSignedUp => tr!(
            lang,
            "services-code-no-seat",
            icon = icon,
            title = title,
            when = when,
            station = station_name(ctx, s).await
        ),
        ServicesError::NotNow => {
            let (opens, closes) = checkin::window(s);
            let (open_time, day) = time_and_day(opens, ctx.settings.tz);
            let (close_time, close_day) = time_and_day(closes, ctx.settings.tz);
            if ctx.now() < opens {
                tr!(
                    lang,
                    "services-code-too-early",
                    icon = icon,
                    title = title,
                    when = when,
                    opens = open_time,
                    closes = close_time,
                    day = day
                )
            } else {
                tr!(
                    lang,
                    "services-code-closed",
                    icon = icon,
                    title = title,
                    when = when,
                    closes = close_time,
                    day = close_day
                )
            }
        }
        ServicesError::NoSuchSession
        | ServicesError::Started
        | ServicesError::Cancelled
        | ServicesError::OnWaitlist
        | ServicesError::Forged
        | ServicesError::TooFar { .. }
        | ServicesError::NotLive
        | ServicesError::BadSecret
        | ServicesError::Refused(_)
        | ServicesError::Points(_)
        | ServicesError::Db(_) => return explain(ctx, err).await,
    };
    ctx.send_menu(text).await?;
    Ok(())
}

/// A location in an idle chat: a check-in when the rider has a session whose window is open
/// now (`None` otherwise, for the nearest stations). Only a live location the rider shares
/// themselves counts; a one-off or forwarded one near the station is asked to be live.
pub async fn on_location<T>(ctx: &Ctx, msg: &Message) -> Result<Option<Next<T>>, BotError> {
    let Some(loc) = msg.location() else {
        return Ok(None);
    };
    let Ok(at) = Position::new(loc.latitude, loc.longitude) else {
        return Ok(None);
    };
    let shared = match (loc.live_period, msg.forward_origin()) {
        (Some(_), None) => Shared::Live,
        (Some(_), Some(_)) | (None, _) => Shared::Pinned,
    };
    let radius = ctx.dep::<CheckInRadius>()?.0;
    let now = ctx.now();
    let outcome = checkin::nearby(&ctx.pool, ctx.user.id, at, shared, radius, now).await;
    match outcome {
        Ok(None) => return Ok(None),
        Ok(Some(done)) => {
            tracing::info!(user_id = ctx.user.id.0, session = %done.session.code, again = done.again, "checked in by live location");
            checked_in(ctx, &done).await?;
        }
        Err(ServicesError::TooFar { session, metres }) => {
            tracing::info!(user_id = ctx.user.id.0, %session, metres = metres.round(), "live location too far to check in");
            too_far(ctx, &session, metres, radius).await?;
        }
        Err(err) => explain(ctx, err).await?,
    }
    Ok(Some(Next::Stay))
}

/// How far the rider is from the session's station, and how near they must be.
async fn too_far(ctx: &Ctx, code: &SessionCode, metres: f64, radius: f64) -> HandlerResult {
    let lang = ctx.lang();
    let Some(listed) = domain::find(&ctx.pool, ctx.user.id, code).await? else {
        return explain(ctx, ServicesError::NoSuchSession).await;
    };
    let s = &listed.session;
    let (icon, title, _) = named(ctx, s);
    let text = tr!(
        lang,
        "services-too-far",
        distance = distance(lang, metres),
        station = station_name(ctx, s).await,
        icon = icon,
        title = title,
        radius = distance(lang, radius)
    );
    ctx.send_menu(text).await?;
    Ok(())
}

/// `/start ci-PLAN`: the station's static poster. It shows the session now checking in there
/// and how to check in (the code shown on the day, or a live location); it pays nothing, since
/// a photo of a poster travels. A coordinator scanning it sees the session's roster.
pub async fn on_poster_link(ctx: &Ctx, plan: &PlanCode) -> HandlerResult {
    let lang = ctx.lang();
    let now = ctx.now();
    let Some(code) = domain::checking_in(&ctx.pool, plan, now).await? else {
        ctx.send_menu(tr!(lang, "services-check-in-none")).await?;
        return Ok(());
    };
    if ctx.user.is_coordinator() {
        return super::coordinator::session_command(ctx, code.to_string().as_str()).await;
    }
    let Some(listed) = domain::find(&ctx.pool, ctx.user.id, &code).await? else {
        ctx.send_menu(tr!(lang, "services-check-in-none")).await?;
        return Ok(());
    };
    if listed.mine == Some(SignupStatus::Attended) {
        let title = html::escape(listed.session.title(lang));
        ctx.send_menu(tr!(lang, "services-checked-in-again", title = title))
            .await?;
        return Ok(());
    }
    let s = &listed.session;
    let (icon, title, when) = named(ctx, s);
    let text = tr!(
        lang,
        "services-check-in-how",
        icon = icon,
        title = title,
        station = station_name(ctx, s).await,
        when = when
    );
    let (_, kb) = super::rider::card(ctx, &listed).await;
    ctx.send_with(text, kb).await?;
    Ok(())
}
