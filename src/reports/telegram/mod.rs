//! Reports over Telegram, a file per job:
//!
//! - [`step`]: the filing dialogue's steps; [`filing`]: the dialogue itself;
//! - [`mine`]: `/myreports` and withdrawal;
//! - [`card`]: the triage card's text and buttons; [`delivery`]: posting it to the
//!   coordinators' group, keeping it current and telling the reporter;
//! - [`triage`]: coordinators' buttons, `/report R-… ACTION` and `/reports`;
//! - [`sweep`]: the background jobs; [`photos`]: what a message offers as a photo, and getFile;
//! - [`retention`]: draft files released, photos of long-closed reports deleted;
//! - [`callback`]: button data; [`words`]: names, statuses and refusals in words.

pub mod callback;
pub mod card;
pub mod delivery;
pub mod filing;
pub mod mine;
pub mod photos;
pub mod retention;
pub mod step;
pub mod sweep;
pub mod triage;
pub mod words;

use std::path::PathBuf;
use std::time::Duration;

use teloxide::prelude::*;

use self::callback::{ReportCallback, HEADS};
pub use self::filing::{on_message, prompt};
pub use self::step::{EditField, Step};
use super::domain::Rules;
use crate::bot::core::callback::CallbackData;
use crate::bot::core::personal::{AfterCommit, Erased, PersonalData};
use crate::bot::core::registry::{
    resume, Audience, Callbacks, Capability, Command, GroupCallbacks, IdleInput, Job, JobScope,
    MenuEntry,
};
use crate::bot::core::{Ctx, Env, HasStep, Next, Outcome};
use crate::config::Config;
use crate::reports::personal;

/// What the reports capability needs from configuration.
#[derive(Debug, Clone)]
pub struct ReportSettings {
    pub rules: Rules,
    pub media_dir: PathBuf,
    /// The coordinators' group, if configured.
    pub coordinator_chat: Option<ChatId>,
    /// Photos of reports closed longer than this are deleted.
    pub photo_retention: chrono::Duration,
    /// Photo downloads in flight (at most [`photos::MAX_DOWNLOADS`]).
    pub downloads: std::sync::Arc<tokio::sync::Semaphore>,
    /// Held while a stored photo gains or loses its holders, so a file another draft is about
    /// to hold is never removed under it.
    pub media_lock: std::sync::Arc<tokio::sync::Mutex<()>>,
}

impl ReportSettings {
    pub fn from_config(config: &Config) -> ReportSettings {
        ReportSettings {
            rules: Rules {
                per_day: config.reports_per_day,
                tz: config.timezone,
                follow_up_after: chrono::Duration::hours(config.report_follow_up_hours),
                group: config.coordinator_chat_id,
            },
            media_dir: config.media_dir.clone(),
            coordinator_chat: config.coordinator_chat_id.map(ChatId),
            photo_retention: chrono::Duration::days(config.photo_retention_days),
            downloads: std::sync::Arc::new(tokio::sync::Semaphore::new(photos::MAX_DOWNLOADS)),
            media_lock: std::sync::Arc::default(),
        }
    }
}

const TEN_MINUTES: Duration = Duration::from_secs(10 * 60);
const DAY: Duration = Duration::from_secs(24 * 60 * 60);

/// What reports register: `/report`, `/myreports`, `/reports`, the menu button, a photo sent
/// from the menu, the buttons (riders' and coordinators', in private and in the group) and the
/// jobs.
pub fn capability<T: HasStep<Step> + Send + Sync + 'static>(config: &Config) -> Capability<T> {
    Capability::new("reports")
        .provide(ReportSettings::from_config(config))
        .command(Command {
            name: "report",
            description: "cmd-report",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, args| {
                Box::pin(async move { Ok(report_command(ctx, args).await?.map(T::from)) })
            },
        })
        .command(Command {
            name: "myreports",
            description: "cmd-myreports",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, _| Box::pin(resume(ctx, mine::mine(ctx, 0, None))),
        })
        .command(Command {
            name: "reports",
            description: "cmd-reports",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, _| Box::pin(resume(ctx, triage::open_list(ctx))),
        })
        .menu(MenuEntry {
            label: "menu-report",
            row: 1,
            share_location: false,
            run: |ctx| Box::pin(async move { Ok(filing::begin(ctx, None).await?.map(T::from)) }),
        })
        .idle(IdleInput {
            run: |ctx, msg| {
                Box::pin(async move {
                    // A photo (or an image file) from the menu starts a report with it attached.
                    if photos::incoming(msg).is_err() {
                        return Ok(None);
                    }
                    Ok(Some(filing::begin(ctx, Some(msg)).await?.map(T::from)))
                })
            },
        })
        .callbacks(Callbacks {
            heads: HEADS,
            // A coordinator need not have registered as a rider to use a card's buttons; the
            // rider's buttons are checked below.
            registered_only: false,
            run: |ctx, state, q, data| {
                Box::pin(async move {
                    Ok(on_callback(ctx, state.step().cloned(), q, data)
                        .await?
                        .map(T::from))
                })
            },
        })
        .group_callbacks(GroupCallbacks {
            heads: HEADS,
            run: |env, q| Box::pin(triage::on_group_press(env, q)),
        })
        .job(Job {
            name: "reports.sweep",
            every: Some(TEN_MINUTES),
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| Box::pin(async move { sweep::sweep(&env).await }),
        })
        .job(Job {
            name: "reports.draft_photos",
            every: Some(DAY),
            at_start: false,
            scope: JobScope::EachInstance,
            run: |env| Box::pin(async move { sweep::remove_draft_photos(&env).await }),
        })
        .job(Job {
            name: "reports.photo_retention",
            every: Some(DAY),
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| Box::pin(async move { retention::expire_photos(&env).await }),
        })
        .personal(personal_data())
        .notices(delivery::kinds())
        .job(Job {
            name: "reports.group_check",
            every: None,
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| Box::pin(async move { sweep::check_group(&env).await }),
        })
}

/// What reports hold about a rider; erasure keeps the reports as anonymous records and removes
/// the files of unfiled drafts once it has committed.
fn personal_data() -> PersonalData {
    PersonalData {
        section: "reports",
        held: |conn, id| Box::pin(personal::held(conn, id)),
        export: |conn, id| Box::pin(personal::export(conn, id)),
        erase: |conn, e| {
            Box::pin(async move {
                let (done, files) = personal::erase(conn, e).await?;
                let after: AfterCommit = Box::new(move |env: Env| {
                    Box::pin(async move { retention::remove_unheld(&env, files).await })
                });
                Ok(Erased {
                    done,
                    after: vec![after],
                })
            })
        },
    }
}

/// A report button in a private chat.
async fn on_callback(
    ctx: &Ctx,
    step: Option<Step>,
    q: &CallbackQuery,
    data: &str,
) -> Outcome<Step> {
    let Some(data) = ReportCallback::parse(data) else {
        tracing::warn!(chat_id = ctx.chat().0, "unparseable callback data");
        ctx.expired(q).await?;
        return Ok(Next::Ask);
    };
    // The rider's buttons exist only on registered riders' messages (a card's are a
    // coordinator's, who need not have registered).
    let riders = !matches!(data, ReportCallback::Triage(_));
    if riders && !ctx.user.is_registered() {
        ctx.expired(q).await?;
        return Ok(Next::Ask);
    }
    match data {
        ReportCallback::Triage(t) => {
            triage::on_private_press(ctx, q, t).await?;
            Ok(Next::Stay)
        }
        ReportCallback::Mine(page) => {
            mine::on_page(ctx, q, page).await?;
            Ok(Next::Stay)
        }
        ReportCallback::Withdraw(id) => {
            mine::ask_withdraw(ctx, q, id).await?;
            Ok(Next::Stay)
        }
        ReportCallback::WithdrawYes(id) => {
            mine::withdraw(ctx, q, id).await?;
            Ok(Next::Stay)
        }
        filing @ (ReportCallback::Category(_)
        | ReportCallback::Confirm
        | ReportCallback::Edit
        | ReportCallback::EditPart(_)
        | ReportCallback::Cancel) => filing::on_callback(ctx, step, q, filing).await,
    }
}

/// `/report` with no argument files a report (from wherever the rider was); `/report R-…
/// [action …]` shows or acts on one (acting is for coordinators; the reporter may `withdraw`).
async fn report_command(ctx: &Ctx, args: &str) -> Outcome<Step> {
    let args = args.trim();
    if args.is_empty() {
        if !ctx.user.is_registered() {
            return Ok(Next::Ask);
        }
        return filing::begin(ctx, None).await;
    }
    triage::command(ctx, args).await?;
    Ok(Next::Stay)
}
