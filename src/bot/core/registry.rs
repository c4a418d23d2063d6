//! What a capability registers with the router: its commands (with their menu descriptions
//! and who sees them), its main-menu buttons, what an idle chat's messages mean to it, the
//! heads of its callback data, its deep-link prefixes, its background jobs and its settings.
//!
//! Handlers are plain function pointers, generic over the router's state type `T` only where
//! the capability has dialogue steps (`T: HasStep<Step>`), so a capability never names the
//! router and the router never reaches into a capability beyond this list.

use std::time::Duration;

use futures::future::BoxFuture;
use teloxide::types::{CallbackQuery, Message};

use super::ctx::{Ctx, Deps, Env};
use super::error::{BotError, HandlerResult};
use super::next::{Next, Outcome};
use super::outbox::NoticeKind;
use super::personal::PersonalData;
pub use crate::instances::JobScope;

/// A handler's future.
pub type Fut<'a, T> = BoxFuture<'a, Outcome<T>>;

/// An idle input's future: `None` when the message is not the capability's.
pub type IdleFut<'a, T> = BoxFuture<'a, Result<Option<Next<T>>, BotError>>;

/// Who sees a command in Telegram's command menu (anyone may send any command; the domain
/// decides what they may do).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Audience {
    Everyone,
    Coordinators,
}

/// A slash command. `run` gets the dialogue state it was sent in, the message and the text
/// after the command.
pub struct Command<T> {
    pub name: &'static str,
    /// The translation key of its description in the command menu.
    pub description: &'static str,
    pub audience: Audience,
    /// Sent by someone not registered, registration starts instead.
    pub registered_only: bool,
    pub run: for<'a> fn(&'a Ctx, &'a T, &'a Message, &'a str) -> Fut<'a, T>,
}

/// A button of the main menu (a reply keyboard). Only registered riders see the menu.
pub struct MenuEntry<T> {
    /// The translation key of its label; a label is recognised in either language.
    pub label: &'static str,
    /// The keyboard row it goes in (0 is the top).
    pub row: usize,
    /// The button shares the rider's location (Telegram sends a location, not the label).
    pub share_location: bool,
    pub run: for<'a> fn(&'a Ctx) -> Fut<'a, T>,
}

/// What an idle chat's message may mean to a capability (a shared location, a photo): `None`
/// when it is not the capability's.
pub struct IdleInput<T> {
    pub run: for<'a> fn(&'a Ctx, &'a Message) -> IdleFut<'a, T>,
}

/// Buttons in private chats whose callback data starts with one of `heads` (the part before
/// the first `:`, or the whole data). The capability parses its own data.
pub struct Callbacks<T> {
    pub heads: &'static [&'static str],
    /// A press by someone not registered is answered as an expired button.
    pub registered_only: bool,
    pub run: for<'a> fn(&'a Ctx, &'a T, &'a CallbackQuery, &'a str) -> Fut<'a, T>,
}

/// Buttons pressed in groups (the coordinators' chat), by anyone: the capability checks who.
pub struct GroupCallbacks {
    pub heads: &'static [&'static str],
    pub run: fn(Env, CallbackQuery) -> BoxFuture<'static, HandlerResult>,
}

/// Messages in groups that reply to another message (a coordinator answering something the
/// bot posted in their group), by anyone: the router asks each capability's handler in turn,
/// and the first that claims the message (returns `true`) ends the asking. The capability
/// checks who wrote and what the message replies to.
pub struct GroupReply {
    pub run: fn(Env, Message) -> BoxFuture<'static, Result<bool, BotError>>,
}

/// A `/start` deep link (`st-CODE`, a QR code on a poster).
pub struct DeepLink<T> {
    /// `st-`, `ci-`, …
    pub prefix: &'static str,
    /// The rest of the payload in its one written form, or `None` when it is not one of this
    /// capability's (it is then answered as an unknown link).
    pub parse: fn(&str) -> Option<String>,
    /// Follows a link whose rest `parse` accepted (registered riders only; a link sent before
    /// registering is followed once registered).
    pub run: for<'a> fn(&'a Ctx, &'a str) -> Fut<'a, T>,
}

/// A background job, run by the supervisor: logged and retried with backoff when it fails or
/// panics, never silently gone.
pub struct Job {
    pub name: &'static str,
    /// How often it runs; `None` runs it once (retried until it succeeds).
    pub every: Option<Duration>,
    /// Run at start, or first after one period.
    pub at_start: bool,
    /// In every instance sharing the database, or in one at a time.
    pub scope: JobScope,
    pub run: fn(Env) -> BoxFuture<'static, HandlerResult>,
}

/// Everything one capability registers.
pub struct Capability<T> {
    pub name: &'static str,
    pub commands: Vec<Command<T>>,
    pub menu: Vec<MenuEntry<T>>,
    pub idle: Vec<IdleInput<T>>,
    /// Idle inputs asked before every capability's [`Capability::idle`] ones, whatever the
    /// registration order: a narrow claim that must see a message before a broad one does (a
    /// live location during a check-in window, before the nearest stations).
    pub idle_first: Vec<IdleInput<T>>,
    pub callbacks: Option<Callbacks<T>>,
    pub group_callbacks: Option<GroupCallbacks>,
    pub group_replies: Vec<GroupReply>,
    pub deep_links: Vec<DeepLink<T>>,
    pub jobs: Vec<Job>,
    /// The kinds of message it puts in the outbox, and how each is sent.
    pub notices: Vec<NoticeKind>,
    /// What it holds about a person (for `/privacy`, `/mydata` and `/deletemydata`).
    pub personal: Option<PersonalData>,
    /// Its settings and shared state, asked for by type through `Ctx::dep` and `Env::dep`.
    pub deps: Deps,
}

impl<T> Capability<T> {
    pub fn new(name: &'static str) -> Capability<T> {
        Capability {
            name,
            commands: Vec::new(),
            menu: Vec::new(),
            idle: Vec::new(),
            idle_first: Vec::new(),
            callbacks: None,
            group_callbacks: None,
            group_replies: Vec::new(),
            deep_links: Vec::new(),
            jobs: Vec::new(),
            notices: Vec::new(),
            personal: None,
            deps: Deps::default(),
        }
    }

    pub fn command(mut self, command: Command<T>) -> Self {
        self.commands.push(command);
        self
    }

    pub fn menu(mut self, entry: MenuEntry<T>) -> Self {
        self.menu.push(entry);
        self
    }

    pub fn idle(mut self, input: IdleInput<T>) -> Self {
        self.idle.push(input);
        self
    }

    /// An idle input asked before the others (see [`Capability::idle_first`]); it should
    /// return `None` for everything but the few messages it must take first.
    pub fn idle_first(mut self, input: IdleInput<T>) -> Self {
        self.idle_first.push(input);
        self
    }

    pub fn callbacks(mut self, callbacks: Callbacks<T>) -> Self {
        self.callbacks = Some(callbacks);
        self
    }

    pub fn group_callbacks(mut self, callbacks: GroupCallbacks) -> Self {
        self.group_callbacks = Some(callbacks);
        self
    }

    pub fn group_reply(mut self, reply: GroupReply) -> Self {
        self.group_replies.push(reply);
        self
    }

    pub fn deep_link(mut self, link: DeepLink<T>) -> Self {
        self.deep_links.push(link);
        self
    }

    pub fn job(mut self, job: Job) -> Self {
        self.jobs.push(job);
        self
    }

    pub fn notices(mut self, kinds: Vec<NoticeKind>) -> Self {
        self.notices.extend(kinds);
        self
    }

    pub fn personal(mut self, data: PersonalData) -> Self {
        self.personal = Some(data);
        self
    }

    pub fn provide<D: std::any::Any + Send + Sync>(mut self, value: D) -> Self {
        self.deps.insert(value);
        self
    }
}

/// Runs a handler that only answers, as an outcome that keeps the dialogue where it was.
pub async fn stay<T>(work: impl std::future::Future<Output = HandlerResult>) -> Outcome<T> {
    work.await?;
    Ok(Next::Stay)
}

/// Runs a handler that only shows something, as an outcome that then asks a registered
/// rider's step in progress again (a rider in the middle of a report who checks their points
/// goes on with it; someone still registering just sees what they asked for).
pub async fn resume<T>(
    ctx: &Ctx,
    work: impl std::future::Future<Output = HandlerResult>,
) -> Outcome<T> {
    work.await?;
    Ok(if ctx.user.is_registered() {
        Next::Resume
    } else {
        Next::Stay
    })
}
