//! The Telegram transport: how an update becomes a call into a capability.
//!
//! [`schema`] is the handler tree. In order, an update is
//! 1. claimed by its `update_id` (a re-delivered update stops here),
//! 2. routed by kind and chat: private messages and callback queries go to the dialogue path,
//!    `my_chat_member` records blocks, everything else is ignored without logging its content,
//! 3. given a [`Ctx`]: the user (created on first contact), their language and dialogue, with
//!    the idle/reset notices sent first,
//! 4. handed to commands (any state) or to the endpoint of its kind, which matches the dialogue
//!    state exhaustively: adding a state does not compile until every kind of input has an
//!    answer in it.
//!
//! An endpoint that fails tells the rider to try again instead of leaving them without an answer.

pub mod callback;
pub mod commands;
pub mod dialogue;
pub mod keyboards;
pub mod menu;
pub mod updates;

use std::sync::Arc;
use std::time::Duration;

use sqlx::SqlitePool;
use teloxide::dispatching::{HandlerExt, UpdateFilterExt, UpdateHandler};
use teloxide::payloads::SendMessageSetters;
use teloxide::prelude::*;
use teloxide::types::{ChatMemberKind, ParseMode, ReplyMarkup};
use teloxide::RequestError;

use self::commands::Command;
use self::dialogue::{DbStorage, Dialogue, Notice, State};
use crate::i18n::Lang;
use crate::users::{self, User, UserId};
use crate::{onboarding, tr};

/// What handlers need beyond the update, given to the dispatcher with `dptree::deps!`.
#[derive(Debug, Clone)]
pub struct Settings {
    pub dialogue_idle: Duration,
    /// Radius, e-bike speed and time zone of nearest-station answers.
    pub reach: crate::stations::domain::Reach,
    pub clock: crate::clock::Clock,
    /// The station index, shared by every handler and rebuilt when the table changes.
    pub stations: crate::stations::index::Directory,
    /// How long a redemption code stays valid.
    pub redemption_expiry: chrono::Duration,
    /// The bot's @username (from getMe), for deep links in QR codes.
    pub bot_username: Option<String>,
    /// Filing rules, where photos go, and the coordinators' group.
    pub reports: crate::reports::telegram::ReportSettings,
}

impl Settings {
    pub fn from_config(config: &crate::config::Config) -> Settings {
        Settings {
            dialogue_idle: config.dialogue_idle,
            reach: crate::stations::domain::Reach {
                radius_m: config.station_radius_km * 1000.0,
                speed_kmh: config.ebike_speed_kmh,
                tz: config.timezone,
            },
            clock: config.clock.clone(),
            stations: Default::default(),
            redemption_expiry: chrono::Duration::days(config.redemption_expiry_days),
            bot_username: None,
            reports: crate::reports::telegram::ReportSettings {
                rules: crate::reports::domain::Rules {
                    per_day: config.reports_per_day,
                    tz: config.timezone,
                    follow_up_after: chrono::Duration::hours(config.report_follow_up_hours),
                },
                media_dir: config.media_dir.clone(),
                coordinator_chat: config.coordinator_chat_id.map(ChatId),
            },
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("telegram: {0}")]
    Telegram(#[from] RequestError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("dialogue storage: {0}")]
    Storage(#[from] dialogue::StorageError),
    #[error("registration: {0}")]
    Register(#[from] onboarding::store::RegisterError),
    #[error("internal: {0}")]
    Internal(String),
}

pub type HandlerResult = Result<(), BotError>;

/// One private-chat update's context: who it is from and where their dialogue stands.
#[derive(Clone)]
pub struct Ctx {
    /// The update being handled, for logs.
    pub update_id: u32,
    pub bot: Bot,
    pub pool: SqlitePool,
    pub user: User,
    pub dialogue: Dialogue,
    pub settings: Arc<Settings>,
}

impl Ctx {
    pub fn lang(&self) -> Lang {
        self.user.lang
    }

    pub fn chat(&self) -> ChatId {
        ChatId(self.user.id.0)
    }

    /// Sends `html` (already escaped where it holds user input) to the rider.
    pub async fn send(&self, html: String) -> Result<Message, RequestError> {
        self.send_markup(html, None).await
    }

    pub async fn send_with(
        &self,
        html: String,
        markup: impl Into<ReplyMarkup>,
    ) -> Result<Message, RequestError> {
        self.send_markup(html, Some(markup.into())).await
    }

    /// Sends, waiting out Telegram's flood control a bounded number of times: a reply that
    /// hits a 429 arrives a little late rather than not at all, and a handler never waits long.
    async fn send_markup(
        &self,
        html: String,
        markup: Option<ReplyMarkup>,
    ) -> Result<Message, RequestError> {
        const ATTEMPTS: u32 = 3;
        const LONGEST_WAIT: Duration = Duration::from_secs(10);
        let mut attempt = 1;
        loop {
            let mut request = self
                .bot
                .send_message(self.chat(), html.clone())
                .parse_mode(ParseMode::Html);
            if let Some(markup) = &markup {
                request = request.reply_markup(markup.clone());
            }
            match request.await {
                Err(RequestError::RetryAfter(wait))
                    if attempt < ATTEMPTS && wait.duration() <= LONGEST_WAIT =>
                {
                    tracing::warn!(
                        update_id = self.update_id,
                        chat_id = self.chat().0,
                        wait_s = wait.seconds(),
                        "flood control; retrying"
                    );
                    tokio::time::sleep(wait.duration()).await;
                    attempt += 1;
                }
                result => return result,
            }
        }
    }

    /// Replaces the text and buttons of one of the bot's messages in this chat. A double tap
    /// that would change nothing is not an error (Telegram answers "message is not modified").
    pub async fn edit(
        &self,
        id: teloxide::types::MessageId,
        html: String,
        markup: teloxide::types::InlineKeyboardMarkup,
    ) -> Result<(), RequestError> {
        match self
            .bot
            .edit_message_text(self.chat(), id, html)
            .parse_mode(ParseMode::Html)
            .reply_markup(markup)
            .await
        {
            Ok(_) | Err(RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Replaces the buttons of one of the bot's messages in this chat (a double tap that would
    /// change nothing is not an error).
    pub async fn set_buttons(
        &self,
        id: teloxide::types::MessageId,
        markup: teloxide::types::InlineKeyboardMarkup,
    ) -> Result<(), RequestError> {
        edit_buttons(&self.bot, self.chat(), id, markup).await
    }

    /// Answers a button press, with a short notice when `text` is given.
    pub async fn answer(
        &self,
        q: &CallbackQuery,
        text: Option<String>,
    ) -> Result<(), RequestError> {
        let mut req = self.bot.answer_callback_query(q.id.clone());
        if let Some(text) = text {
            req = req.text(text);
        }
        req.await?;
        Ok(())
    }

    /// Answers a button press with an alert the rider must dismiss.
    pub async fn alert(&self, q: &CallbackQuery, text: String) -> Result<(), RequestError> {
        self.bot
            .answer_callback_query(q.id.clone())
            .text(text)
            .show_alert(true)
            .await?;
        Ok(())
    }

    pub async fn set_state(&self, state: State) -> Result<(), BotError> {
        tracing::debug!(
            update_id = self.update_id,
            chat_id = self.chat().0,
            to = state.label(),
            "state"
        );
        self.dialogue.update(state).await?;
        Ok(())
    }
}

/// Replaces the buttons of message `id` in `chat`; "message is not modified" (a double tap) is
/// not an error.
pub async fn edit_buttons(
    bot: &Bot,
    chat: ChatId,
    id: teloxide::types::MessageId,
    markup: teloxide::types::InlineKeyboardMarkup,
) -> Result<(), RequestError> {
    match bot
        .edit_message_reply_markup(chat, id)
        .reply_markup(markup)
        .await
    {
        Ok(_) | Err(RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(e),
    }
}

/// The handler tree: production and every test run exactly this.
pub fn schema() -> UpdateHandler<BotError> {
    dptree::entry()
        .filter_async(claim_update)
        .branch(
            Update::filter_message()
                .filter(|m: Message| m.chat.is_private() && m.from.is_some())
                .filter_map_async(ctx_for_message)
                .branch(dptree::entry().filter_command::<Command>().endpoint(
                    |(ctx, state): Loaded, cmd: Command, msg: Message| async move {
                        guard(&ctx, commands::handle(&ctx, state, cmd, &msg)).await
                    },
                ))
                .endpoint(|(ctx, state): Loaded, msg: Message| async move {
                    guard(&ctx, on_message(&ctx, state, &msg)).await
                }),
        )
        .branch(
            Update::filter_callback_query()
                .filter(|q: CallbackQuery| {
                    q.message.as_ref().is_some_and(|m| m.chat().is_private())
                })
                .filter_map_async(ctx_for_callback)
                .endpoint(|(ctx, state): Loaded, q: CallbackQuery| async move {
                    guard(&ctx, on_callback(&ctx, state, &q)).await
                }),
        )
        .branch(
            Update::filter_callback_query()
                .filter(|q: CallbackQuery| {
                    q.data
                        .as_deref()
                        .and_then(crate::reports::telegram::triage::parse)
                        .is_some()
                })
                .endpoint(crate::reports::telegram::triage::on_group_press),
        )
        .branch(Update::filter_callback_query().endpoint(on_foreign_callback))
        .branch(Update::filter_my_chat_member().endpoint(on_my_chat_member))
}

async fn claim_update(update: Update, claims: updates::Claims) -> bool {
    match claims.claim(update.id.0).await {
        Ok(true) => {
            tracing::debug!(
                update_id = update.id.0,
                chat_id = update.chat().map(|c| c.id.0),
                "update"
            );
            true
        }
        Ok(false) => {
            tracing::info!(update_id = update.id.0, "re-delivered update ignored");
            false
        }
        Err(err) => {
            // Handling may still succeed; a lost claim only risks handling it twice.
            tracing::error!(update_id = update.id.0, %err, "could not record update id");
            true
        }
    }
}

type Loaded = (Ctx, State);

async fn load(
    update_id: u32,
    bot: Bot,
    pool: SqlitePool,
    storage: Arc<DbStorage>,
    settings: Arc<Settings>,
    from: &teloxide::types::User,
) -> Option<Loaded> {
    let lang = Lang::from_telegram(from.language_code.as_deref());
    let id = UserId(from.id.0 as i64);
    let chat = ChatId(id.0);
    let (user, state, notice) = match storage.load_session(id, lang, settings.dialogue_idle).await {
        Ok(loaded) => loaded,
        Err(err) => {
            tracing::error!(user_id = id.0, %err, "could not load user and dialogue");
            return None;
        }
    };
    if let Err(err) = users::store::remember_username(&pool, &user, from.username.as_deref()).await
    {
        tracing::warn!(user_id = id.0, %err, "could not update username");
    }
    let ctx = Ctx {
        update_id,
        bot,
        pool,
        user,
        dialogue: Dialogue::new(storage, chat),
        settings,
    };
    if let Some(notice) = notice {
        let text = match notice {
            Notice::Expired => tr!(ctx.lang(), "dialogue-expired"),
            Notice::Reset => tr!(ctx.lang(), "dialogue-reset"),
        };
        if let Err(err) = ctx.send(text).await {
            tracing::warn!(chat_id = chat.0, %err, "could not send dialogue notice");
        }
    }
    Some((ctx, state))
}

async fn ctx_for_message(
    bot: Bot,
    pool: SqlitePool,
    storage: Arc<DbStorage>,
    settings: Arc<Settings>,
    update: Update,
    msg: Message,
) -> Option<Loaded> {
    let from = msg.from.clone()?;
    load(update.id.0, bot, pool, storage, settings, &from).await
}

async fn ctx_for_callback(
    bot: Bot,
    pool: SqlitePool,
    storage: Arc<DbStorage>,
    settings: Arc<Settings>,
    update: Update,
    q: CallbackQuery,
) -> Option<Loaded> {
    load(update.id.0, bot, pool, storage, settings, &q.from).await
}

/// Runs an endpoint; on failure logs it with ids only and tells the rider to try again.
async fn guard(ctx: &Ctx, work: impl std::future::Future<Output = HandlerResult>) -> HandlerResult {
    let result = work.await;
    if let Err(err) = &result {
        tracing::error!(update_id = ctx.update_id, chat_id = ctx.chat().0, error = %err, "handler failed");
        // A failed send to a rider who blocked the bot cannot be answered anyway.
        if !matches!(err, BotError::Telegram(RequestError::Api(_))) {
            let _ = ctx.send(tr!(ctx.lang(), "error-try-again")).await;
        }
    }
    Ok(())
}

/// Any private message that is not a command.
async fn on_message(ctx: &Ctx, state: State, msg: &Message) -> HandlerResult {
    if let Some(text) = msg.text() {
        if keyboards::is_cancel(text) {
            return commands::cancel(ctx, state).await;
        }
        if text.starts_with('/') {
            ctx.send(tr!(ctx.lang(), "unknown-command")).await?;
            return menu::prompt(ctx, &state).await;
        }
    }
    match state {
        State::Idle => menu::on_idle_message(ctx, msg).await,
        State::Consent
        | State::Name
        | State::Platform { .. }
        | State::PlatformOther { .. }
        | State::Phone { .. }
        | State::ConfirmDelete => onboarding::telegram::on_message(ctx, state, msg).await,
        State::ReportCategory { .. }
        | State::ReportPhotos { .. }
        | State::ReportPlace { .. }
        | State::ReportNote { .. }
        | State::ReportConfirm { .. }
        | State::ReportEdit { .. } => crate::reports::telegram::on_message(ctx, state, msg).await,
    }
}

async fn on_callback(ctx: &Ctx, state: State, q: &CallbackQuery) -> HandlerResult {
    let Some(data) = q.data.as_deref().and_then(callback::Callback::parse) else {
        tracing::warn!(chat_id = ctx.chat().0, "unparseable callback data");
        ctx.bot
            .answer_callback_query(q.id.clone())
            .text(tr!(ctx.lang(), "button-expired"))
            .await?;
        return menu::prompt(ctx, &state).await;
    };
    // Capability buttons exist only on registered riders' messages; anyone else's are stale.
    // A report card's buttons are a coordinator's, who need not have registered as a rider
    // (reports::telegram::triage checks the role itself).
    let capability = match &data {
        callback::Callback::Report(crate::reports::telegram::ReportCallback::Triage(_)) => false,
        callback::Callback::Station(_)
        | callback::Callback::Points(_)
        | callback::Callback::Report(_)
        | callback::Callback::Services(_) => true,
        _ => false,
    };
    if capability && !ctx.user.is_registered() {
        ctx.bot
            .answer_callback_query(q.id.clone())
            .text(tr!(ctx.lang(), "button-expired"))
            .await?;
        return menu::prompt(ctx, &state).await;
    }
    match data {
        callback::Callback::Station(cb) => crate::stations::telegram::on_callback(ctx, q, cb).await,
        callback::Callback::Points(cb) => crate::points::telegram::on_callback(ctx, q, cb).await,
        callback::Callback::Report(cb) => {
            crate::reports::telegram::on_callback(ctx, state, q, cb).await
        }
        callback::Callback::Services(cb) => {
            crate::services::telegram::on_callback(ctx, q, cb).await
        }
        other => onboarding::telegram::on_callback(ctx, state, q, other).await,
    }
}

/// A button pressed on a message outside a private chat that is not a report card's: forged or
/// stale.
async fn on_foreign_callback(bot: Bot, q: CallbackQuery) -> HandlerResult {
    let lang = Lang::from_telegram(q.from.language_code.as_deref());
    bot.answer_callback_query(q.id)
        .text(tr!(lang, "button-expired"))
        .await?;
    Ok(())
}

/// A rider blocked or unblocked the bot in their private chat.
async fn on_my_chat_member(pool: SqlitePool, update: ChatMemberUpdated) -> HandlerResult {
    if !update.chat.is_private() {
        tracing::info!(
            chat_id = update.chat.id.0,
            "bot membership changed in a group"
        );
        return Ok(());
    }
    let blocked = matches!(
        update.new_chat_member.kind,
        ChatMemberKind::Banned(_) | ChatMemberKind::Left
    );
    let id = UserId(update.from.id.0 as i64);
    tracing::info!(user_id = id.0, blocked, "private chat membership changed");
    users::store::set_blocked(&pool, id, blocked).await?;
    Ok(())
}

/// Installed as the dispatcher's default handler: logs the update's id and nothing else (the
/// default one logs the whole update, names and phone numbers included).
pub async fn on_unhandled(update: Arc<Update>) {
    tracing::debug!(update_id = update.id.0, "update ignored");
}

/// The dispatcher's error handler for errors that escape [`guard`] (none should).
pub struct LogErrors;

impl teloxide::error_handlers::ErrorHandler<BotError> for LogErrors {
    fn handle_error(self: Arc<Self>, error: BotError) -> futures::future::BoxFuture<'static, ()> {
        tracing::error!(error = %error, "update failed");
        Box::pin(async {})
    }
}
