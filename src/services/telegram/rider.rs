//! The rider's side of free services: the list of upcoming sessions (menu button or
//! `/services`) and a session's card with Sign up / Cancel / Navigate (check-in is in
//! `checkin`).

use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, MessageId};
use teloxide::utils::html;

use super::words::{mine_text, seats_text, station_name, when};
use super::ServicesCallback;
use crate::bot::core::callback::button;
use crate::bot::core::{Ctx, HandlerResult};
use crate::services::domain::{self, Listed};
use crate::services::{SessionCode, SignupStatus};
use crate::stations::index::Directory;
use crate::tr;

/// Sessions per page of the list.
const PAGE: i64 = 5;

async fn line(ctx: &Ctx, n: usize, l: &Listed) -> String {
    let lang = ctx.lang();
    let s = &l.session;
    let mut text = format!(
        "{n}. {} <b>{}</b> · {} · {} · {}",
        s.kind.icon(),
        html::escape(s.title(lang)),
        station_name(ctx, s).await,
        when(lang, s, ctx.settings.tz),
        seats_text(lang, s)
    );
    if let Some(mine) = mine_text(lang, l.mine) {
        text.push_str(&format!(" · {mine}"));
    }
    text
}

/// The upcoming sessions, page `page` (editing `message` when it came from a button).
pub async fn list(ctx: &Ctx, page: u32, message: Option<MessageId>) -> HandlerResult {
    let lang = ctx.lang();
    let now = ctx.settings.clock.now();
    let mut offset = i64::from(page) * PAGE;
    let (mut listed, total) = domain::upcoming(&ctx.pool, ctx.user.id, now, offset, PAGE).await?;
    if listed.is_empty() && page > 0 {
        // A stale page: sessions ended since. Back to the first.
        offset = 0;
        listed = domain::upcoming(&ctx.pool, ctx.user.id, now, 0, PAGE)
            .await?
            .0;
    }
    let page = (offset / PAGE) as u32;
    if listed.is_empty() {
        ctx.send_menu(tr!(lang, "services-none")).await?;
        return Ok(());
    }
    let pages = (total + PAGE - 1) / PAGE;
    let mut text = tr!(lang, "services-title", page = page + 1, pages = pages);
    let mut rows: Vec<Vec<InlineKeyboardButton>> = Vec::new();
    let mut row = Vec::new();
    for (i, l) in listed.iter().enumerate() {
        let n = offset as usize + i + 1;
        text.push_str("\n\n");
        text.push_str(&line(ctx, n, l).await);
        row.push(button(
            n.to_string(),
            &ServicesCallback::Show(l.session.code.clone()),
        ));
    }
    rows.push(row);
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(button(
            tr!(lang, "services-btn-sooner"),
            &ServicesCallback::List(page - 1),
        ));
    }
    if offset + PAGE < total {
        nav.push(button(
            tr!(lang, "btn-more"),
            &ServicesCallback::List(page + 1),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    text.push_str("\n\n");
    text.push_str(&tr!(lang, "services-hint"));
    let kb = InlineKeyboardMarkup::new(rows);
    ctx.show(message, text, kb).await?;
    Ok(())
}

/// A session's card with what the rider can do in it.
pub(super) async fn card(ctx: &Ctx, l: &Listed) -> (String, InlineKeyboardMarkup) {
    let lang = ctx.lang();
    let s = &l.session;
    let mut text = tr!(
        lang,
        "services-card",
        icon = s.kind.icon(),
        title = html::escape(s.title(lang)),
        station = station_name(ctx, s).await,
        when = when(lang, s, ctx.settings.tz),
        seats = seats_text(lang, s)
    );
    if let Some(mine) = mine_text(lang, l.mine) {
        text.push('\n');
        text.push_str(&mine);
    }
    if ctx.user.is_coordinator() {
        // What /session and /checkin take.
        text.push_str(&format!("\n🔖 <code>{}</code>", s.code));
    }
    let code = s.code.clone();
    let started = s.starts_at <= ctx.now();
    let mut first = Vec::new();
    match l.mine {
        _ if started || s.cancelled => {}
        Some(SignupStatus::Signed) | Some(SignupStatus::Waitlisted(_)) => first.push(button(
            tr!(lang, "services-btn-cancel"),
            &ServicesCallback::Cancel(code.clone()),
        )),
        Some(SignupStatus::Attended) => {}
        None | Some(SignupStatus::Cancelled) => {
            let key = if s.seats_left() > 0 {
                "services-btn-sign-up"
            } else {
                "services-btn-waitlist"
            };
            first.push(button(
                crate::i18n::t(lang, key),
                &ServicesCallback::SignUp(code.clone()),
            ))
        }
    }
    first.push(button(
        tr!(lang, "services-btn-navigate"),
        &ServicesCallback::Navigate(code),
    ));
    let rows = vec![
        first,
        vec![button(
            tr!(lang, "services-btn-all"),
            &ServicesCallback::List(0),
        )],
    ];
    (text, InlineKeyboardMarkup::new(rows))
}

pub(super) async fn show(
    ctx: &Ctx,
    code: &SessionCode,
    message: Option<MessageId>,
) -> HandlerResult {
    let lang = ctx.lang();
    let Some(listed) = domain::find(&ctx.pool, ctx.user.id, code).await? else {
        ctx.send(tr!(lang, "services-unknown")).await?;
        return Ok(());
    };
    let (text, kb) = card(ctx, &listed).await;
    ctx.show(message, text, kb).await?;
    Ok(())
}

/// A services button in a private chat (the router lets only registered riders' through).
pub async fn on_callback(ctx: &Ctx, q: &CallbackQuery, data: ServicesCallback) -> HandlerResult {
    let lang = ctx.lang();
    let message = q.message.as_ref().map(|m| m.id());
    let now = ctx.now();
    let answer = |text: Option<String>| ctx.answer(q, text);
    match data {
        ServicesCallback::List(page) => {
            answer(None).await?;
            list(ctx, page, message).await
        }
        ServicesCallback::Show(code) => {
            answer(None).await?;
            show(ctx, &code, message).await
        }
        ServicesCallback::Navigate(code) => {
            answer(None).await?;
            let Some(l) = domain::find(&ctx.pool, ctx.user.id, &code).await? else {
                return Ok(());
            };
            let index = ctx.dep::<Directory>()?.current(&ctx.pool).await?;
            if let Some(station) = index.get(&l.session.station) {
                ctx.send_venue(station.position, station.name(lang), &station.address)
                    .await?;
            }
            Ok(())
        }
        ServicesCallback::SignUp(code) => {
            match domain::sign_up(&ctx.pool, ctx.user.id, &code, now).await {
                Ok(done) => {
                    let text = match done.status {
                        SignupStatus::Waitlisted(n) => {
                            tr!(lang, "services-mine-waitlisted", place = n)
                        }
                        SignupStatus::Attended => tr!(lang, "services-mine-attended"),
                        SignupStatus::Signed | SignupStatus::Cancelled if done.changed => {
                            tr!(lang, "services-signed-up")
                        }
                        SignupStatus::Signed | SignupStatus::Cancelled => {
                            tr!(lang, "services-mine-signed")
                        }
                    };
                    answer(Some(text)).await?;
                    // A second tap changed nothing: the card already says so.
                    if done.changed {
                        show(ctx, &code, message).await?;
                    }
                    Ok(())
                }
                Err(err) => {
                    ctx.refuse_alert(q, err).await?;
                    show(ctx, &code, message).await
                }
            }
        }
        ServicesCallback::Cancel(code) => {
            answer(None).await?;
            if let Some(id) = message {
                let kb = InlineKeyboardMarkup::new(vec![vec![
                    button(
                        tr!(lang, "services-btn-cancel-yes"),
                        &ServicesCallback::CancelYes(code.clone()),
                    ),
                    button(
                        tr!(lang, "services-btn-keep"),
                        &ServicesCallback::Show(code),
                    ),
                ]]);
                ctx.set_buttons(id, kb).await?;
            }
            Ok(())
        }
        ServicesCallback::CancelYes(code) => {
            match domain::cancel(&ctx.pool, ctx.user.id, &code, now).await {
                Ok(_) => {
                    // Whoever moved up is told through the outbox.
                    answer(Some(tr!(lang, "services-cancelled-mine"))).await?;
                    show(ctx, &code, message).await
                }
                Err(err) => {
                    ctx.refuse_alert(q, err).await?;
                    show(ctx, &code, message).await
                }
            }
        }
    }
}
