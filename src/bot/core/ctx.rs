//! One private-chat update's context ([`Ctx`]) and what the whole bot shares ([`Env`]): the Bot
//! API client, the pool, the settings every capability reads, and each capability's own
//! settings and state ([`Deps`], one value per type, registered by the capability).
//!
//! The replies a handler sends to the person acting go through [`Ctx`]: `send` waits out a short
//! 429 a bounded number of times, and edits treat "message is not modified" (a double tap) as
//! done. Each request is counted by method (and a failure by code) in `ops::api`.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Pool;
use teloxide::payloads::{
    AnswerCallbackQuerySetters, EditMessageReplyMarkupSetters, EditMessageTextSetters,
    SendMessageSetters,
};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardMarkup, MessageId, ParseMode, ReplyMarkup};
use teloxide::RequestError;

use super::error::{BotError, Explain, HandlerResult};
use super::keyboards::MainMenu;
use crate::geo::Position;
use crate::i18n::Lang;
use crate::ops::api::call;
use crate::tr;
use crate::users::User;

/// Settings every capability may read; each capability's own are in [`Deps`].
#[derive(Debug, Clone)]
pub struct Settings {
    /// A dialogue idle longer than this is dropped at the next update.
    pub dialogue_idle: Duration,
    pub clock: crate::clock::Clock,
    /// The district's time zone: opening hours, closures, sessions and dates are read in it.
    pub tz: chrono_tz::Tz,
    /// The bot's @username (from getMe), for deep links in QR codes.
    pub bot_username: Option<String>,
    /// The main menu keyboard, built by the router from the capabilities' entries.
    pub menu: MainMenu,
    /// This process among the instances sharing the database (made at start).
    pub instance: crate::instances::InstanceId,
    pub liveness: crate::instances::Liveness,
}

impl Settings {
    pub fn from_config(config: &crate::config::Config, menu: MainMenu) -> Settings {
        Settings {
            dialogue_idle: config.dialogue_idle,
            clock: config.clock.clone(),
            tz: config.timezone,
            bot_username: None,
            menu,
            instance: crate::instances::InstanceId::random(),
            liveness: config.liveness,
        }
    }
}

/// One value per type: each capability's settings and shared state (the station index, say),
/// provided when it registers and asked for by type.
#[derive(Default)]
pub struct Deps(HashMap<TypeId, Box<dyn Any + Send + Sync>>);

impl Deps {
    /// Adds `value`, replacing any earlier value of its type.
    pub fn insert<T: Any + Send + Sync>(&mut self, value: T) {
        self.0.insert(TypeId::of::<T>(), Box::new(value));
    }

    pub fn get<T: Any>(&self) -> Result<&T, BotError> {
        self.0
            .get(&TypeId::of::<T>())
            .and_then(|v| v.downcast_ref())
            .ok_or(BotError::Missing(std::any::type_name::<T>()))
    }

    /// Takes the value of type `T` out, if there is one.
    pub fn take<T: Any>(&mut self) -> Option<T> {
        let value = self.0.remove(&TypeId::of::<T>())?;
        value.downcast().ok().map(|b| *b)
    }

    /// Moves every value of `other` in.
    pub fn extend(&mut self, other: Deps) {
        self.0.extend(other.0);
    }
}

impl std::fmt::Debug for Deps {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Deps({} values)", self.0.len())
    }
}

/// What the whole bot shares; what a background job gets. Cheap to clone.
#[derive(Clone)]
pub struct Env {
    pub bot: Bot,
    pub pool: Pool,
    pub settings: Arc<Settings>,
    pub deps: Arc<Deps>,
}

impl Env {
    /// A capability's setting or shared state, by type.
    pub fn dep<T: Any>(&self) -> Result<&T, BotError> {
        self.deps.get()
    }
}

/// One private-chat update's context: who it is from, and the bot's shared parts.
#[derive(Clone)]
pub struct Ctx {
    /// The update being handled, for logs.
    pub update_id: u32,
    pub bot: Bot,
    pub pool: Pool,
    pub user: User,
    /// The sender as Telegram describes them (a suggested name comes from it; never logged).
    pub from: teloxide::types::User,
    pub settings: Arc<Settings>,
    deps: Arc<Deps>,
}

impl Ctx {
    pub fn new(update_id: u32, env: &Env, user: User, from: teloxide::types::User) -> Ctx {
        Ctx {
            update_id,
            bot: env.bot.clone(),
            pool: env.pool.clone(),
            user,
            from,
            settings: env.settings.clone(),
            deps: env.deps.clone(),
        }
    }

    /// The shared parts, for work that outlives the update (telling someone else).
    pub fn env(&self) -> Env {
        Env {
            bot: self.bot.clone(),
            pool: self.pool.clone(),
            settings: self.settings.clone(),
            deps: self.deps.clone(),
        }
    }

    /// A capability's setting or shared state, by type.
    pub fn dep<T: Any>(&self) -> Result<&T, BotError> {
        self.deps.get()
    }

    pub fn lang(&self) -> Lang {
        self.user.lang
    }

    pub fn chat(&self) -> ChatId {
        ChatId(self.user.id.0)
    }

    pub fn now(&self) -> chrono::DateTime<chrono::Utc> {
        self.settings.clock.now()
    }

    /// The main menu keyboard in the rider's language.
    pub fn main_menu(&self) -> ReplyMarkup {
        self.settings.menu.get(self.lang())
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

    /// Sends `html` with the main menu keyboard.
    pub async fn send_menu(&self, html: String) -> Result<Message, RequestError> {
        self.send_markup(html, Some(self.main_menu())).await
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
            match call(request).await {
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
        id: MessageId,
        html: String,
        markup: InlineKeyboardMarkup,
    ) -> Result<(), RequestError> {
        let request = self
            .bot
            .edit_message_text(self.chat(), id, html)
            .parse_mode(ParseMode::Html)
            .reply_markup(markup);
        match call(request).await {
            Ok(_) | Err(RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
            Err(e) => Err(e),
        }
    }

    /// Shows `html` in place of the pressed button's message (or as a new message when
    /// Telegram no longer says which message it was).
    pub async fn edit_pressed(
        &self,
        q: &CallbackQuery,
        html: String,
        markup: InlineKeyboardMarkup,
    ) -> Result<(), RequestError> {
        self.show(q.message.as_ref().map(|m| m.id()), html, markup)
            .await
    }

    /// Shows `html` in place of message `id` (a page turned, a card refreshed), or as a new
    /// message when there is none.
    pub async fn show(
        &self,
        id: Option<MessageId>,
        html: String,
        markup: InlineKeyboardMarkup,
    ) -> Result<(), RequestError> {
        match id {
            Some(id) => self.edit(id, html, markup).await,
            None => self.send_with(html, markup).await.map(|_| ()),
        }
    }

    /// Replaces the buttons of one of the bot's messages in this chat (a double tap that would
    /// change nothing is not an error).
    pub async fn set_buttons(
        &self,
        id: MessageId,
        markup: InlineKeyboardMarkup,
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
        call(req).await?;
        Ok(())
    }

    /// Answers a button press with an alert the rider must dismiss.
    pub async fn alert(&self, q: &CallbackQuery, text: String) -> Result<(), RequestError> {
        let request = self
            .bot
            .answer_callback_query(q.id.clone())
            .text(text)
            .show_alert(true);
        call(request).await?;
        Ok(())
    }

    /// Answers a button that no longer does anything (stale, from an earlier step, or forged).
    pub async fn expired(&self, q: &CallbackQuery) -> Result<(), RequestError> {
        self.answer(q, Some(tr!(self.lang(), "button-expired")))
            .await
    }

    /// Tells the rider why an expected refusal happened; a failure (a database error, say) is
    /// returned as an error instead, for the guard to log and apologise for.
    pub async fn refuse<E: Explain>(&self, err: E) -> HandlerResult {
        let words = err
            .words(self.lang())
            .ok_or_else(|| BotError::domain(err))?;
        self.send(words).await?;
        Ok(())
    }

    /// As [`Ctx::refuse`], as an alert on the pressed button (a failure still answers the
    /// press, so the button stops spinning, before the guard apologises).
    pub async fn refuse_alert<E: Explain>(&self, q: &CallbackQuery, err: E) -> HandlerResult {
        match err.words(self.lang()) {
            Some(words) => self.alert(q, words).await?,
            None => {
                let _ = self.answer(q, None).await;
                return Err(BotError::domain(err));
            }
        }
        Ok(())
    }

    /// A place as a venue: Telegram shows it on a map and opens navigation from it.
    pub async fn send_venue(
        &self,
        at: Position,
        title: &str,
        address: &str,
    ) -> Result<Message, RequestError> {
        call(
            self.bot
                .send_venue(self.chat(), at.lat(), at.lng(), title, address),
        )
        .await
    }
}

/// Replaces the buttons of message `id` in `chat`; "message is not modified" (a double tap) is
/// not an error.
pub async fn edit_buttons(
    bot: &Bot,
    chat: ChatId,
    id: MessageId,
    markup: InlineKeyboardMarkup,
) -> Result<(), RequestError> {
    match call(bot.edit_message_reply_markup(chat, id).reply_markup(markup)).await {
        Ok(_) | Err(RequestError::Api(teloxide::ApiError::MessageNotModified)) => Ok(()),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, PartialEq)]
    struct Radius(u32);

    #[test]
    fn a_dependency_is_found_by_its_type_and_a_missing_one_is_an_error() {
        let mut deps = Deps::default();
        deps.insert(Radius(5));
        assert_eq!(deps.get::<Radius>().unwrap(), &Radius(5));
        deps.insert(Radius(7));
        assert_eq!(deps.get::<Radius>().unwrap(), &Radius(7));
        let missing = deps.get::<String>().unwrap_err();
        assert!(matches!(missing, BotError::Missing(name) if name.contains("String")));
    }
}
