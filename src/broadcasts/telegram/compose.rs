//! `/broadcast`: the coordinator sends the message (text, or a photo with a caption; what they
//! type is kept with Telegram's own formatting and escaped), picks the audience, sees the
//! message exactly as riders will with the number it reaches, may mark it urgent or add a
//! button, then sends it now or at a later time, or cancels. Every step answers what does not
//! fit it, and any step can be left with /cancel.

use chrono::{DateTime, NaiveDate, NaiveTime, TimeZone, Utc};
use teloxide::prelude::*;
use teloxide::types::InlineKeyboardMarkup;

use super::{send, BroadcastCallback, Choice, Step};
use crate::bot::core::callback::button;
use crate::bot::core::keyboards;
use crate::bot::core::{Ctx, HandlerResult, Next, Outcome};
use crate::broadcasts::domain::{self, BroadcastError, Reach};
use crate::broadcasts::{Audience, Body, Button, Draft, DEFAULT_NEAR_KM, MAX_CAPTION, MAX_TEXT};
use crate::i18n::{t, Lang};
use crate::onboarding::domain::Platform;
use crate::services::SessionCode;
use crate::stations::StationCode;
use crate::tr;
use crate::users::Refusal;

/// `/broadcast`: coordinators only (the domain checks again when it sends).
pub async fn begin(ctx: &Ctx) -> Outcome<Step> {
    if !ctx.user.is_coordinator() {
        ctx.refuse(Refusal::NotCoordinator).await?;
        return Ok(Next::Stay);
    }
    Ok(Next::Go(Step::Body))
}

/// Asks what `step` waits for.
pub async fn prompt(ctx: &Ctx, step: &Step) -> HandlerResult {
    let lang = ctx.lang();
    let ask = |key: &'static str| t(lang, key);
    match step {
        Step::Body => {
            ctx.send_with(ask("broadcast-ask-body"), keyboards::cancel_only(lang))
                .await?
        }
        Step::Audience { .. } => {
            ctx.send_with(ask("broadcast-ask-audience"), audience_kb(lang))
                .await?
        }
        Step::Near { .. } => ctx.send(ask("broadcast-ask-near")).await?,
        Step::Session { .. } => ctx.send(ask("broadcast-ask-session")).await?,
        Step::Review { draft } => return review(ctx, draft).await,
        Step::Button { .. } => ctx.send(ask("broadcast-ask-button")).await?,
        Step::When { .. } => ctx.send(ask("broadcast-ask-when")).await?,
    };
    Ok(())
}

fn audience_kb(lang: Lang) -> InlineKeyboardMarkup {
    let b = |key: &str, a: Choice| button(t(lang, key), &BroadcastCallback::Audience(a));
    InlineKeyboardMarkup::new(vec![
        vec![
            b("broadcast-to-all", Choice::All),
            b("broadcast-to-officers", Choice::Officers),
        ],
        vec![
            b("broadcast-to-platform", Choice::Platform),
            b("broadcast-to-near", Choice::Near),
        ],
        vec![b("broadcast-to-session", Choice::Session)],
    ])
}

fn platform_kb(lang: Lang) -> InlineKeyboardMarkup {
    let rows = Platform::KNOWN
        .iter()
        .map(|p| {
            let label = p.label_key().map_or(p.code().to_owned(), |k| t(lang, k));
            vec![button(
                label,
                &BroadcastCallback::Platform(p.code().to_owned()),
            )]
        })
        .collect::<Vec<_>>();
    InlineKeyboardMarkup::new(rows)
}

/// A message in a composing step.
pub async fn on_message(ctx: &Ctx, step: Step, msg: &Message) -> Outcome<Step> {
    let lang = ctx.lang();
    let text = msg.text().map(str::trim).unwrap_or_default();
    match step {
        Step::Body => match body_of(msg) {
            Ok(body) => Ok(Next::Go(Step::Audience { body })),
            Err(key) => {
                ctx.send(t(lang, key)).await?;
                Ok(Next::Stay)
            }
        },
        Step::Audience { .. } | Step::Review { .. } => {
            ctx.send(tr!(lang, "broadcast-use-buttons")).await?;
            Ok(Next::Ask)
        }
        Step::Near { body } => {
            let mut words = text.split_whitespace();
            let station = words.next().and_then(StationCode::parse);
            let km = match words.next() {
                None => Some(DEFAULT_NEAR_KM),
                Some(w) => w.trim_end_matches("km").parse::<f64>().ok(),
            };
            let (Some(station), Some(km)) = (station, km) else {
                ctx.send(tr!(lang, "broadcast-ask-near")).await?;
                return Ok(Next::Stay);
            };
            to_review(ctx, draft(body, Audience::Near { station, km })).await
        }
        Step::Session { body } => match SessionCode::parse(text) {
            Some(session) => to_review(ctx, draft(body, Audience::Session { session })).await,
            None => {
                ctx.send(tr!(lang, "broadcast-ask-session")).await?;
                Ok(Next::Stay)
            }
        },
        Step::Button { mut draft } => {
            let found = match (StationCode::parse(text), SessionCode::parse(text)) {
                (_, Some(session)) => Some(Button::Session { session }),
                (Some(station), None) => Some(Button::Station { station }),
                (None, None) => None,
            };
            let Some(b) = found else {
                ctx.send(tr!(lang, "broadcast-ask-button")).await?;
                return Ok(Next::Stay);
            };
            draft.button = Some(b);
            to_review(ctx, draft).await
        }
        Step::When { draft } => match when(text, ctx.now(), ctx.settings.tz) {
            Some(at) => {
                let key = format!("bc:{}:{}", ctx.chat().0, msg.id.0);
                send_draft(ctx, &draft, &key, Some(at), None).await
            }
            None => {
                ctx.send(tr!(lang, "broadcast-ask-when")).await?;
                Ok(Next::Stay)
            }
        },
    }
}

fn draft(body: Body, audience: Audience) -> Draft {
    Draft {
        body,
        audience,
        urgent: false,
        button: None,
    }
}

/// The message a coordinator sent, as a broadcast's body; the key of the refusal otherwise.
fn body_of(msg: &Message) -> Result<Body, &'static str> {
    let units = |s: &str| s.encode_utf16().count();
    if let Some(sizes) = msg.photo() {
        let best = sizes
            .iter()
            .max_by_key(|p| (p.width * p.height, p.file.size))
            .ok_or("broadcast-body-kinds")?;
        let caption = msg.caption().unwrap_or_default();
        if units(caption) > MAX_CAPTION {
            return Err("broadcast-caption-too-long");
        }
        return Ok(Body::Photo {
            file_id: best.file.id.to_string(),
            caption: caption.to_owned(),
            entities: serde_json::to_value(msg.caption_entities().unwrap_or_default())
                .unwrap_or_default(),
        });
    }
    match msg.text() {
        Some(text) if text.trim().is_empty() => Err("broadcast-empty"),
        Some(text) if units(text) > MAX_TEXT => Err("broadcast-text-too-long"),
        Some(text) => Ok(Body::Text {
            text: text.to_owned(),
            entities: serde_json::to_value(msg.entities().unwrap_or_default()).unwrap_or_default(),
        }),
        None => Err("broadcast-body-kinds"),
    }
}

/// A time the coordinator typed, in the district's time zone: `HH:MM` (today), `MM-DD HH:MM`
/// or `YYYY-MM-DD HH:MM`.
pub fn when(raw: &str, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Option<DateTime<Utc>> {
    let today = now.with_timezone(&tz).date_naive();
    let words: Vec<&str> = raw.split_whitespace().collect();
    let (date, time) = match words.as_slice() {
        [time] => (today, *time),
        [date, time] => {
            let full = NaiveDate::parse_from_str(date, "%Y-%m-%d").ok();
            let short =
                NaiveDate::parse_from_str(&format!("{}-{date}", today.format("%Y")), "%Y-%m-%d")
                    .ok();
            (full.or(short)?, *time)
        }
        _ => return None,
    };
    let time = NaiveTime::parse_from_str(time, "%H:%M").ok()?;
    tz.from_local_datetime(&date.and_time(time))
        .earliest()
        .map(|t| t.with_timezone(&Utc))
}

/// Checks the draft reaches someone and shows its preview.
async fn to_review(ctx: &Ctx, draft: Draft) -> Outcome<Step> {
    match domain::reach(&ctx.pool, ctx.user.id, &draft, ctx.now()).await {
        Ok(_) => Ok(Next::Go(Step::Review { draft })),
        Err(err) => {
            ctx.refuse(err).await?;
            Ok(Next::Stay)
        }
    }
}

/// The preview, exactly as riders will see it, then what it reaches and the choices.
async fn review(ctx: &Ctx, draft: &Draft) -> HandlerResult {
    let reach = match domain::reach(&ctx.pool, ctx.user.id, draft, ctx.now()).await {
        Ok(r) => r,
        Err(err) => return ctx.refuse(err).await,
    };
    send::render_to(&ctx.env(), ctx.chat(), ctx.lang(), draft, false).await?;
    ctx.send_with(
        summary(ctx.lang(), draft, &reach),
        review_kb(ctx.lang(), draft),
    )
    .await?;
    Ok(())
}

pub(super) fn audience_label(lang: Lang, a: &Audience) -> String {
    match a {
        Audience::All => tr!(lang, "broadcast-to-all"),
        Audience::GridOfficers => tr!(lang, "broadcast-to-officers"),
        Audience::Platform { platform } => {
            let name = Platform::from_code(platform)
                .and_then(|p| p.label_key())
                .map_or(platform.clone(), |k| t(lang, k));
            tr!(lang, "broadcast-audience-platform", platform = name)
        }
        Audience::Near { station, km } => tr!(
            lang,
            "broadcast-audience-near",
            station = station.to_string(),
            km = format!("{km}")
        ),
        Audience::Session { session } => {
            tr!(
                lang,
                "broadcast-audience-session",
                session = session.to_string()
            )
        }
    }
}

fn summary(lang: Lang, d: &Draft, r: &Reach) -> String {
    let mut text = tr!(
        lang,
        "broadcast-review",
        audience = audience_label(lang, &d.audience),
        n = r.recipients
    );
    if r.opted_out > 0 {
        text.push('\n');
        text.push_str(&if d.urgent {
            tr!(lang, "broadcast-urgent-reaches", n = r.opted_out)
        } else {
            tr!(lang, "broadcast-opted-out", n = r.opted_out)
        });
    }
    if r.recipients == 0 {
        text.push('\n');
        text.push_str(&tr!(lang, "broadcast-no-audience"));
    }
    text
}

fn review_kb(lang: Lang, d: &Draft) -> InlineKeyboardMarkup {
    let urgent = if d.urgent {
        "broadcast-btn-urgent-on"
    } else {
        "broadcast-btn-urgent-off"
    };
    let add = if d.button.is_some() {
        "broadcast-btn-change-button"
    } else {
        "broadcast-btn-add-button"
    };
    InlineKeyboardMarkup::new(vec![
        vec![
            button(t(lang, urgent), &BroadcastCallback::Urgent),
            button(t(lang, add), &BroadcastCallback::AddButton),
        ],
        vec![
            button(t(lang, "broadcast-btn-send"), &BroadcastCallback::SendNow),
            button(
                t(lang, "broadcast-btn-later"),
                &BroadcastCallback::SendLater,
            ),
        ],
        vec![button(
            t(lang, "broadcast-btn-discard"),
            &BroadcastCallback::Discard,
        )],
    ])
}

/// A broadcasts button in a private chat.
pub async fn on_callback(
    ctx: &Ctx,
    step: Option<Step>,
    q: &CallbackQuery,
    cb: BroadcastCallback,
) -> Outcome<Step> {
    let lang = ctx.lang();
    let pressed = q.message.as_ref().map(|m| m.id());
    match (cb, step) {
        (BroadcastCallback::Toggle(which), _) => {
            super::settings::toggle(ctx, q, which).await?;
            Ok(Next::Stay)
        }
        (BroadcastCallback::Stop(id), _) => {
            match domain::cancel(&ctx.pool, ctx.user.id, id).await {
                Ok(f) => {
                    ctx.answer(q, Some(tr!(lang, "broadcast-cancelled", id = id)))
                        .await?;
                    send::show_progress(&ctx.env(), id, &f).await;
                }
                Err(err) => ctx.refuse_alert(q, err).await?,
            }
            Ok(Next::Stay)
        }
        (BroadcastCallback::Audience(a), Some(Step::Audience { body })) => {
            ctx.answer(q, None).await?;
            match a {
                Choice::Platform => {
                    if let Some(id) = pressed {
                        ctx.set_buttons(id, platform_kb(lang)).await?;
                    }
                    Ok(Next::Stay)
                }
                Choice::Near => Ok(Next::Go(Step::Near { body })),
                Choice::Session => Ok(Next::Go(Step::Session { body })),
                Choice::Officers => to_review(ctx, draft(body, Audience::GridOfficers)).await,
                Choice::All => to_review(ctx, draft(body, Audience::All)).await,
            }
        }
        (BroadcastCallback::Platform(platform), Some(Step::Audience { body })) => {
            ctx.answer(q, None).await?;
            to_review(ctx, draft(body, Audience::Platform { platform })).await
        }
        (BroadcastCallback::Urgent, Some(Step::Review { mut draft })) => {
            draft.urgent = !draft.urgent;
            let reach = match domain::reach(&ctx.pool, ctx.user.id, &draft, ctx.now()).await {
                Ok(r) => r,
                Err(err) => {
                    ctx.refuse_alert(q, err).await?;
                    return Ok(Next::Stay);
                }
            };
            ctx.answer(q, None).await?;
            ctx.show(
                pressed,
                summary(lang, &draft, &reach),
                review_kb(lang, &draft),
            )
            .await?;
            Ok(Next::Save(Step::Review { draft }))
        }
        (BroadcastCallback::AddButton, Some(Step::Review { draft })) => {
            ctx.answer(q, None).await?;
            Ok(Next::Go(Step::Button { draft }))
        }
        (BroadcastCallback::SendLater, Some(Step::Review { draft })) => {
            ctx.answer(q, None).await?;
            Ok(Next::Go(Step::When { draft }))
        }
        (BroadcastCallback::SendNow, Some(Step::Review { draft })) => {
            let key = format!("bc:{}:{}", ctx.chat().0, pressed.map_or(0, |m| m.0));
            send_draft(ctx, &draft, &key, None, Some(q)).await
        }
        (BroadcastCallback::SendNow, _) => {
            // A second press (another device): the first sent it, or nothing was composed.
            let key = format!("bc:{}:{}", ctx.chat().0, pressed.map_or(0, |m| m.0));
            let mut conn = ctx.pool.acquire().await?;
            let sent = crate::broadcasts::store::by_request(&mut conn, &key).await?;
            drop(conn);
            match sent {
                Some(id) => {
                    ctx.alert(q, tr!(lang, "broadcast-already-sent", id = id))
                        .await?
                }
                None => ctx.expired(q).await?,
            }
            Ok(Next::Stay)
        }
        (BroadcastCallback::Discard, Some(_)) => {
            ctx.answer(q, None).await?;
            if let Some(id) = pressed {
                ctx.set_buttons(id, InlineKeyboardMarkup::default()).await?;
            }
            Ok(Next::Cancelled)
        }
        (
            BroadcastCallback::Audience(_)
            | BroadcastCallback::Platform(_)
            | BroadcastCallback::Urgent
            | BroadcastCallback::AddButton
            | BroadcastCallback::SendLater
            | BroadcastCallback::Discard,
            _,
        ) => {
            ctx.expired(q).await?;
            Ok(Next::Ask)
        }
    }
}

/// Sends (or schedules) `draft`; tells the coordinator, with the progress message.
async fn send_draft(
    ctx: &Ctx,
    draft: &Draft,
    key: &str,
    at: Option<DateTime<Utc>>,
    q: Option<&CallbackQuery>,
) -> Outcome<Step> {
    let lang = ctx.lang();
    match domain::send(&ctx.pool, ctx.user.id, draft, key, at, ctx.now()).await {
        Ok(sent) => {
            if let Some(q) = q {
                ctx.answer(q, None).await?;
                if let Some(m) = q.message.as_ref() {
                    ctx.set_buttons(m.id(), InlineKeyboardMarkup::default())
                        .await?;
                }
            }
            if !sent.new {
                ctx.send(tr!(lang, "broadcast-already-sent", id = sent.id))
                    .await?;
                return Ok(Next::Idle);
            }
            let said = match at {
                Some(at) => tr!(
                    lang,
                    "broadcast-scheduled",
                    id = sent.id,
                    n = sent.recipients,
                    at = at
                        .with_timezone(&ctx.settings.tz)
                        .format("%m-%d %H:%M")
                        .to_string()
                ),
                None => tr!(lang, "broadcast-sending", id = sent.id, n = sent.recipients),
            };
            ctx.send_with(said, keyboards::remove()).await?;
            send::start_progress(ctx, sent.id).await?;
            Ok(Next::Idle)
        }
        Err(err @ (BroadcastError::InThePast | BroadcastError::NoAudience)) => {
            if let Some(q) = q {
                ctx.answer(q, None).await?;
            }
            ctx.refuse(err).await?;
            Ok(Next::Stay)
        }
        Err(err) => {
            match q {
                Some(q) => ctx.refuse_alert(q, err).await?,
                None => ctx.refuse(err).await?,
            }
            Ok(Next::Stay)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_read_in_the_district_zone() {
        let tz = chrono_tz::Asia::Shanghai;
        // Friday 4 December 2026, 12:00 in Shanghai.
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 4, 0, 0).unwrap();
        let at =
            |s| when(s, now, tz).map(|t| t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string());
        assert_eq!(at("18:30").as_deref(), Some("2026-12-04 18:30"));
        assert_eq!(at("12-05 09:00").as_deref(), Some("2026-12-05 09:00"));
        assert_eq!(at("2027-01-02 08:00").as_deref(), Some("2027-01-02 08:00"));
        for bad in ["", "25:00", "tomorrow", "12-40 09:00", "1 2 3"] {
            assert_eq!(at(bad), None, "{bad}");
        }
    }
}
