//! Free services over Telegram: the list of upcoming sessions (menu button or `/services`),
//! a session's card with Sign up / Cancel / Navigate, the check-in link a station's QR code
//! holds (`ci-<plan>`), coordinators' `/session CODE` (who is coming, and the QR to print) and
//! `/checkin SESSION RIDER`; reminders and seat promotions are sent from the sweeper.

use chrono::Datelike;
use chrono_tz::Tz;
use teloxide::prelude::*;
use teloxide::types::{
    InlineKeyboardButton, InlineKeyboardMarkup, InputFile, MessageId, ParseMode,
};
use teloxide::utils::html;

use super::domain::{self, CheckInBy, Listed, ServicesError};
use super::{store, PlanCode, Session, SessionCode, SignupStatus};
use crate::bot::callback::Callback;
use crate::bot::{keyboards, Ctx, HandlerResult, Settings};
use crate::i18n::Lang;
use crate::roles::telegram::Target;
use crate::tr;
use crate::users::UserId;

/// Sessions per page of the list.
const PAGE: i64 = 5;
/// Reminders go this long before a session starts.
pub const REMINDER_LEAD_MINUTES: i64 = 120;

/// A services button's data (`sv:` prefix; untrusted, parsed strictly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ServicesCallback {
    List(u32),
    Show(SessionCode),
    SignUp(SessionCode),
    /// Ask to cancel; then do it.
    Cancel(SessionCode),
    CancelYes(SessionCode),
    Navigate(SessionCode),
}

impl ServicesCallback {
    pub fn encode(&self) -> String {
        match self {
            ServicesCallback::List(p) => format!("sv:l:{p}"),
            ServicesCallback::Show(c) => format!("sv:s:{c}"),
            ServicesCallback::SignUp(c) => format!("sv:u:{c}"),
            ServicesCallback::Cancel(c) => format!("sv:c:{c}"),
            ServicesCallback::CancelYes(c) => format!("sv:C:{c}"),
            ServicesCallback::Navigate(c) => format!("sv:n:{c}"),
        }
    }

    /// Parses the part after `sv:`.
    pub fn parse(data: &str) -> Option<ServicesCallback> {
        let (head, arg) = data.split_once(':')?;
        let code = || SessionCode::parse(arg);
        Some(match head {
            "l" => ServicesCallback::List(arg.parse().ok().filter(|p| *p < 10_000)?),
            "s" => ServicesCallback::Show(code()?),
            "u" => ServicesCallback::SignUp(code()?),
            "c" => ServicesCallback::Cancel(code()?),
            "C" => ServicesCallback::CancelYes(code()?),
            "n" => ServicesCallback::Navigate(code()?),
            _ => return None,
        })
    }
}

pub fn parse_callback(data: &str) -> Option<Callback> {
    data.strip_prefix("sv:")
        .and_then(ServicesCallback::parse)
        .map(Callback::Services)
}

fn button(label: String, cb: ServicesCallback) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, cb.encode())
}

/// "Sat 12-05 09:00–11:00" in the district's time zone.
pub fn when(lang: Lang, s: &Session, tz: Tz) -> String {
    let (start, end) = (s.starts_at.with_timezone(&tz), s.ends_at.with_timezone(&tz));
    let time = format!("{}–{}", start.format("%H:%M"), end.format("%H:%M"));
    format!(
        "{} {}",
        start.format("%m-%d"),
        tr!(
            lang,
            "time-weekday",
            day = start.weekday().number_from_monday(),
            time = time
        )
    )
}

async fn station_name(ctx: &Ctx, s: &Session) -> String {
    let name = match ctx.settings.stations.current(&ctx.pool).await {
        Ok(index) => index
            .get(&s.station)
            .map(|st| st.name(ctx.lang()).to_owned()),
        Err(_) => None,
    };
    html::escape(&name.unwrap_or_else(|| s.station.to_string()))
}

fn mine_text(lang: Lang, mine: Option<SignupStatus>) -> Option<String> {
    Some(match mine? {
        SignupStatus::Signed => tr!(lang, "services-mine-signed"),
        SignupStatus::Waitlisted(n) => tr!(lang, "services-mine-waitlisted", place = n),
        SignupStatus::Attended => tr!(lang, "services-mine-attended"),
        SignupStatus::Cancelled => return None,
    })
}

fn seats_text(lang: Lang, s: &Session) -> String {
    if s.seats_left() > 0 {
        tr!(
            lang,
            "services-seats",
            left = s.seats_left(),
            capacity = s.capacity
        )
    } else {
        tr!(lang, "services-full", waiting = s.waitlisted)
    }
}

async fn line(ctx: &Ctx, n: usize, l: &Listed) -> String {
    let lang = ctx.lang();
    let s = &l.session;
    let mut text = format!(
        "{n}. {} <b>{}</b> · {} · {} · {}",
        s.kind.icon(),
        html::escape(s.title(lang)),
        station_name(ctx, s).await,
        when(lang, s, ctx.settings.reach.tz),
        seats_text(lang, s)
    );
    if let Some(mine) = mine_text(lang, l.mine) {
        text.push_str(&format!(" · {mine}"));
    }
    text
}

/// The upcoming sessions, page `page` (editing `message` when it came from a button).
pub async fn list(ctx: &Ctx, page: u32, message: Option<MessageId>) -> HandlerResult {
    if !ctx.user.is_registered() {
        // Signing up needs a registered rider: register first.
        return crate::onboarding::telegram::begin(ctx).await;
    }
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
        ctx.send_with(tr!(lang, "services-none"), keyboards::main_menu(lang))
            .await?;
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
            ServicesCallback::Show(l.session.code.clone()),
        ));
    }
    rows.push(row);
    let mut nav = Vec::new();
    if page > 0 {
        nav.push(button(
            tr!(lang, "services-btn-sooner"),
            ServicesCallback::List(page - 1),
        ));
    }
    if offset + PAGE < total {
        nav.push(button(
            tr!(lang, "btn-more"),
            ServicesCallback::List(page + 1),
        ));
    }
    if !nav.is_empty() {
        rows.push(nav);
    }
    text.push_str("\n\n");
    text.push_str(&tr!(lang, "services-hint"));
    let kb = InlineKeyboardMarkup::new(rows);
    match message {
        Some(id) => ctx.edit(id, text, kb).await?,
        None => {
            ctx.send_with(text, kb).await?;
        }
    }
    Ok(())
}

/// A session's card with what the rider can do in it.
async fn card(ctx: &Ctx, l: &Listed) -> (String, InlineKeyboardMarkup) {
    let lang = ctx.lang();
    let s = &l.session;
    let mut text = tr!(
        lang,
        "services-card",
        icon = s.kind.icon(),
        title = html::escape(s.title(lang)),
        station = station_name(ctx, s).await,
        when = when(lang, s, ctx.settings.reach.tz),
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
    let started = s.starts_at <= ctx.settings.clock.now();
    let mut first = Vec::new();
    match l.mine {
        _ if started || s.cancelled => {}
        Some(SignupStatus::Signed) | Some(SignupStatus::Waitlisted(_)) => first.push(button(
            tr!(lang, "services-btn-cancel"),
            ServicesCallback::Cancel(code.clone()),
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
                ServicesCallback::SignUp(code.clone()),
            ))
        }
    }
    first.push(button(
        tr!(lang, "services-btn-navigate"),
        ServicesCallback::Navigate(code),
    ));
    let rows = vec![
        first,
        vec![button(
            tr!(lang, "services-btn-all"),
            ServicesCallback::List(0),
        )],
    ];
    (text, InlineKeyboardMarkup::new(rows))
}

async fn show(ctx: &Ctx, code: &SessionCode, message: Option<MessageId>) -> HandlerResult {
    let lang = ctx.lang();
    let Some(listed) = domain::find(&ctx.pool, ctx.user.id, code).await? else {
        ctx.send(tr!(lang, "services-unknown")).await?;
        return Ok(());
    };
    let (text, kb) = card(ctx, &listed).await;
    match message {
        Some(id) => ctx.edit(id, text, kb).await?,
        None => {
            ctx.send_with(text, kb).await?;
        }
    }
    Ok(())
}

pub fn error_text(lang: Lang, err: &ServicesError) -> String {
    match err {
        ServicesError::NoSuchSession => tr!(lang, "services-unknown"),
        ServicesError::Started => tr!(lang, "services-started"),
        ServicesError::Cancelled => tr!(lang, "services-cancelled"),
        ServicesError::NotSignedUp => tr!(lang, "services-not-signed-up"),
        ServicesError::NotNow => tr!(lang, "services-check-in-not-now"),
        ServicesError::OnWaitlist => tr!(lang, "services-check-in-waitlisted"),
        ServicesError::NotCoordinator => tr!(lang, "role-not-coordinator"),
        ServicesError::NotRegistered => tr!(lang, "services-not-registered"),
        ServicesError::Points(_) | ServicesError::Db(_) => tr!(lang, "error-try-again"),
    }
}

/// A services button in a private chat.
pub async fn on_callback(ctx: &Ctx, q: &CallbackQuery, data: ServicesCallback) -> HandlerResult {
    let lang = ctx.lang();
    let message = q.message.as_ref().map(|m| m.id());
    let now = ctx.settings.clock.now();
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
            let index = ctx.settings.stations.current(&ctx.pool).await?;
            match index.get(&l.session.station) {
                Some(station) => crate::stations::telegram::send_venue(ctx, station).await,
                None => Ok(()),
            }
        }
        ServicesCallback::SignUp(code) => {
            match domain::sign_up(&ctx.pool, ctx.user.id, &code, now).await {
                Ok(done) => {
                    let text = match done.status {
                        SignupStatus::Waitlisted(n) => {
                            tr!(lang, "services-mine-waitlisted", place = n)
                        }
                        SignupStatus::Attended => tr!(lang, "services-mine-attended"),
                        _ if done.changed => tr!(lang, "services-signed-up"),
                        _ => tr!(lang, "services-mine-signed"),
                    };
                    answer(Some(text)).await?;
                    // A second tap changed nothing: the card already says so.
                    if done.changed {
                        show(ctx, &code, message).await?;
                    }
                    Ok(())
                }
                Err(err) => {
                    ctx.alert(q, error_text(lang, &err)).await?;
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
                        ServicesCallback::CancelYes(code.clone()),
                    ),
                    button(tr!(lang, "services-btn-keep"), ServicesCallback::Show(code)),
                ]]);
                ctx.set_buttons(id, kb).await?;
            }
            Ok(())
        }
        ServicesCallback::CancelYes(code) => {
            match domain::cancel(&ctx.pool, ctx.user.id, &code, now).await {
                Ok(done) => {
                    answer(Some(tr!(lang, "services-cancelled-mine"))).await?;
                    if let Some(rider) = done.promoted {
                        notify_promoted(&ctx.bot, &ctx.pool, &ctx.settings, rider, &code).await;
                    }
                    show(ctx, &code, message).await
                }
                Err(err) => {
                    ctx.alert(q, error_text(lang, &err)).await?;
                    show(ctx, &code, message).await
                }
            }
        }
    }
}

/// Tells `rider` they moved up from the waitlist into a seat.
async fn notify_promoted(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    settings: &Settings,
    rider: UserId,
    code: &SessionCode,
) {
    let Ok(mut conn) = pool.acquire().await else {
        return;
    };
    let (Ok(Some(user)), Ok(Some(s))) = (
        crate::users::store::find(&mut conn, rider).await,
        store::session(&mut conn, code).await,
    ) else {
        return;
    };
    drop(conn);
    let lang = user.lang;
    let text = tr!(
        lang,
        "services-promoted",
        icon = s.kind.icon(),
        title = html::escape(s.title(lang)),
        when = when(lang, &s, settings.reach.tz)
    );
    let kb = InlineKeyboardMarkup::new(vec![vec![button(
        tr!(lang, "services-btn-open"),
        ServicesCallback::Show(code.clone()),
    )]]);
    if let Err(err) = bot
        .send_message(ChatId(rider.0), text)
        .parse_mode(ParseMode::Html)
        .reply_markup(kb)
        .await
    {
        tracing::info!(user_id = rider.0, %err, "promoted rider not told");
    }
}

/// Sends the reminders due now (from the sweeper).
pub async fn send_reminders(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    settings: &Settings,
) -> Result<usize, sqlx::Error> {
    let now = settings.clock.now();
    let due =
        domain::due_reminders(pool, now, chrono::Duration::minutes(REMINDER_LEAD_MINUTES)).await?;
    let n = due.len();
    for (s, rider) in due {
        let mut conn = pool.acquire().await?;
        let Some(user) = crate::users::store::find(&mut conn, rider).await? else {
            continue;
        };
        drop(conn);
        let lang = user.lang;
        let text = tr!(
            lang,
            "services-reminder",
            icon = s.kind.icon(),
            title = html::escape(s.title(lang)),
            when = when(lang, &s, settings.reach.tz)
        );
        let kb = InlineKeyboardMarkup::new(vec![vec![
            button(
                tr!(lang, "services-btn-navigate"),
                ServicesCallback::Navigate(s.code.clone()),
            ),
            button(
                tr!(lang, "services-btn-cancel"),
                ServicesCallback::Cancel(s.code.clone()),
            ),
        ]]);
        if let Err(err) = bot
            .send_message(ChatId(rider.0), text)
            .parse_mode(ParseMode::Html)
            .reply_markup(kb)
            .await
        {
            tracing::info!(user_id = rider.0, %err, "reminder not delivered");
        }
    }
    Ok(n)
}

/// `/start ci-PLAN`: the station's QR code. A coordinator scanning it sees the session.
pub async fn on_check_in_link(ctx: &Ctx, plan: &PlanCode) -> HandlerResult {
    let lang = ctx.lang();
    let now = ctx.settings.clock.now();
    let Some(code) = domain::checking_in(&ctx.pool, plan, now).await? else {
        ctx.send_with(
            tr!(lang, "services-check-in-none"),
            keyboards::main_menu(lang),
        )
        .await?;
        return Ok(());
    };
    if ctx.user.is_coordinator() {
        return session_command(ctx, code.to_string().as_str()).await;
    }
    match domain::check_in(&ctx.pool, ctx.user.id, &code, CheckInBy::Rider, now).await {
        Ok(done) => {
            let mut text = if done.again {
                tr!(
                    lang,
                    "services-checked-in-again",
                    title = html::escape(done.session.title(lang))
                )
            } else {
                tr!(
                    lang,
                    "services-checked-in",
                    title = html::escape(done.session.title(lang))
                )
            };
            if let Some(points) = done.points {
                text.push('\n');
                text.push_str(&tr!(lang, "report-notify-points", points = points));
            }
            ctx.send_with(text, keyboards::main_menu(lang)).await?;
        }
        Err(err) => {
            ctx.send_with(error_text(lang, &err), keyboards::main_menu(lang))
                .await?;
        }
    }
    Ok(())
}

/// `/session CODE`: coordinators see who is coming and get the station's check-in QR code.
pub async fn session_command(ctx: &Ctx, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let (first, rest) = args
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((args.trim(), ""));
    let Some(code) = SessionCode::parse(first) else {
        ctx.send(tr!(lang, "services-session-usage")).await?;
        return Ok(());
    };
    let rest = rest.trim();
    if let Some(reason) = rest.strip_prefix("cancel") {
        return cancel_session(ctx, &code, reason.trim()).await;
    }
    if !rest.is_empty() {
        ctx.send(tr!(lang, "services-session-usage")).await?;
        return Ok(());
    }
    let (s, roster) = match domain::roster(&ctx.pool, ctx.user.id, &code).await {
        Ok(found) => found,
        Err(err) => {
            ctx.send(error_text(lang, &err)).await?;
            return Ok(());
        }
    };
    let mut text = tr!(
        lang,
        "services-roster-title",
        icon = s.kind.icon(),
        title = html::escape(s.title(lang)),
        when = when(lang, &s, ctx.settings.reach.tz),
        seats = seats_text(lang, &s)
    );
    for (i, (id, status, name)) in roster.iter().enumerate() {
        let who = name
            .as_deref()
            .map(html::escape)
            .unwrap_or_else(|| format!("#{}", id.0));
        text.push_str(&format!(
            "\n{}. {who} ({}) · {}",
            i + 1,
            id.0,
            crate::i18n::t(lang, &format!("services-status-{status}"))
        ));
    }
    ctx.send(text).await?;
    let link = match &ctx.settings.bot_username {
        Some(bot) => format!("https://t.me/{bot}?start=ci-{}", code.plan()),
        None => format!("ci-{}", code.plan()),
    };
    if let Ok(png) = crate::points::qr::png(&link) {
        ctx.bot
            .send_photo(
                ctx.chat(),
                InputFile::memory(png).file_name(format!("ci-{}.png", code.plan())),
            )
            .caption(tr!(
                lang,
                "services-qr-caption",
                plan = code.plan().to_string()
            ))
            .parse_mode(ParseMode::Html)
            .await?;
    }
    Ok(())
}

/// `/session CODE cancel [reason]`: the session is off; everyone in it is told.
async fn cancel_session(ctx: &Ctx, code: &SessionCode, reason: &str) -> HandlerResult {
    let lang = ctx.lang();
    let now = ctx.settings.clock.now();
    let (s, riders) = match domain::cancel_session(&ctx.pool, ctx.user.id, code, reason, now).await
    {
        Ok(done) => done,
        Err(err) => {
            ctx.send(error_text(lang, &err)).await?;
            return Ok(());
        }
    };
    for rider in &riders {
        let mut conn = ctx.pool.acquire().await?;
        let Some(user) = crate::users::store::find(&mut conn, *rider).await? else {
            continue;
        };
        drop(conn);
        let rlang = user.lang;
        let mut text = tr!(
            rlang,
            "services-session-cancelled",
            icon = s.kind.icon(),
            title = html::escape(s.title(rlang)),
            when = when(rlang, &s, ctx.settings.reach.tz)
        );
        if !reason.is_empty() {
            text.push_str(&format!(" ({})", html::escape(reason)));
        }
        if let Err(err) = ctx
            .bot
            .send_message(ChatId(rider.0), text)
            .parse_mode(ParseMode::Html)
            .await
        {
            tracing::info!(user_id = rider.0, %err, "rider not told of a cancelled session");
        }
    }
    ctx.send(tr!(
        lang,
        "services-session-cancelled-done",
        code = code.to_string(),
        n = riders.len()
    ))
    .await?;
    Ok(())
}

/// `/checkin SESSION RIDER`: a coordinator checks a rider (or a walk-in) in.
pub async fn check_in_command(ctx: &Ctx, msg: &Message, args: &str) -> HandlerResult {
    let lang = ctx.lang();
    let (first, rest) = args
        .trim()
        .split_once(char::is_whitespace)
        .unwrap_or((args.trim(), ""));
    let Some(code) = SessionCode::parse(first) else {
        ctx.send(tr!(lang, "services-checkin-usage")).await?;
        return Ok(());
    };
    let target = match crate::roles::telegram::target(msg, rest) {
        Target::Found(t, _) => t,
        Target::Hidden => {
            ctx.send(tr!(lang, "forward-hidden")).await?;
            return Ok(());
        }
        Target::Missing => {
            ctx.send(tr!(lang, "services-checkin-usage")).await?;
            return Ok(());
        }
    };
    let mut conn = ctx.pool.acquire().await?;
    let rider = target.find(&mut conn).await?;
    drop(conn);
    let Some(rider) = rider else {
        ctx.send(tr!(lang, "services-not-registered")).await?;
        return Ok(());
    };
    let now = ctx.settings.clock.now();
    match domain::check_in(
        &ctx.pool,
        rider.id,
        &code,
        CheckInBy::Coordinator(ctx.user.id),
        now,
    )
    .await
    {
        Ok(done) => {
            let who = rider
                .name
                .as_deref()
                .map(html::escape)
                .unwrap_or_else(|| format!("#{}", rider.id.0));
            ctx.send(tr!(
                lang,
                "services-checked-in-by-coordinator",
                who = who,
                title = html::escape(done.session.title(lang)),
                points = done.points.unwrap_or(0)
            ))
            .await?;
            if !done.again {
                let rlang = rider.lang;
                let mut text = tr!(
                    rlang,
                    "services-checked-in",
                    title = html::escape(done.session.title(rlang))
                );
                if let Some(points) = done.points {
                    text.push('\n');
                    text.push_str(&tr!(rlang, "report-notify-points", points = points));
                }
                if let Err(err) = ctx
                    .bot
                    .send_message(ChatId(rider.id.0), text)
                    .parse_mode(ParseMode::Html)
                    .await
                {
                    tracing::info!(user_id = rider.id.0, %err, "checked-in rider not told");
                }
            }
        }
        Err(err) => {
            ctx.send(error_text(lang, &err)).await?;
        }
    }
    Ok(())
}

/// Sessions for the next two weeks, and the reminders due (from the sweeper).
pub async fn sweep(
    bot: &Bot,
    pool: &sqlx::SqlitePool,
    settings: &Settings,
) -> Result<(), sqlx::Error> {
    domain::schedule(pool, settings.clock.now(), settings.reach.tz).await?;
    send_reminders(bot, pool, settings).await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::keys_of;

    #[test]
    fn every_services_callback_round_trips_within_64_bytes_and_forgeries_fail() {
        let code = SessionCode::parse(&format!("{}-20261205", "A".repeat(24))).unwrap();
        let all = [
            ServicesCallback::List(9_999),
            ServicesCallback::Show(code.clone()),
            ServicesCallback::SignUp(code.clone()),
            ServicesCallback::Cancel(code.clone()),
            ServicesCallback::CancelYes(code.clone()),
            ServicesCallback::Navigate(code),
        ];
        for cb in all {
            let data = cb.encode();
            assert!(data.len() <= 64, "{data}");
            assert_eq!(Callback::parse(&data), Some(Callback::Services(cb.clone())));
        }
        for forged in [
            "sv:",
            "sv:l",
            "sv:l:10000",
            "sv:u:CUT",
            "sv:u:CUT-2026125",
            "sv:x:CUT-20261205",
        ] {
            assert_eq!(Callback::parse(forged), None, "{forged}");
        }
    }

    #[test]
    fn run_time_keys_exist_in_both_languages() {
        for source in [crate::i18n::ZH_FTL, crate::i18n::EN_FTL] {
            let keys = keys_of(source);
            // The roster's statuses (cancelled sign-ups are not listed).
            for status in ["signed", "waitlisted", "attended"] {
                assert!(
                    keys.contains(&format!("services-status-{status}")),
                    "{status}"
                );
            }
            for key in ["services-btn-sign-up", "services-btn-waitlist"] {
                assert!(keys.contains(key), "{key}");
            }
        }
    }
}
