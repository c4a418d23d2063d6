//! The router: the handler tree, built from what each capability registers.
//!
//! [`schema`] is the handler tree. In order, an update is
//! 1. claimed by its `update_id` (a re-delivered update stops here),
//! 2. routed by kind and chat: private messages and callback queries go to the dialogue path,
//!    button presses in groups to the capability owning the data's head, group messages that
//!    reply to another to the capabilities' group-reply handlers in turn, `my_chat_member`
//!    records blocks, everything else is ignored without logging its content,
//! 3. given a [`Ctx`] and the dialogue [`State`]: the user (created on first contact), their
//!    language and dialogue, with the idle/reset notices sent first,
//! 4. handed to a command (any state; the table of every capability's commands), or else to
//!    one branch per capability: the state's owner for a message in a dialogue, the idle inputs
//!    and menu entries for a message in an idle chat, the owner of the data's head for a
//!    button,
//! 5. and what the handler returns ([`Next`]) is carried out by [`flow::apply`]: the dialogue
//!    saved, the next question asked.
//!
//! An endpoint that fails tells the rider to try again instead of leaving them without an answer.
//!
//! Adding a capability is its folder and one line in [`wire`] (plus a `State` variant
//! and its arm in `flow::ask` when it has dialogue steps).

pub mod commands;
pub mod flow;
pub mod links;
pub mod menu;
pub mod state;

use std::collections::HashMap;
use std::sync::Arc;

use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::prelude::*;
use teloxide::types::ChatMemberKind;

use self::commands::Invocation;
pub use self::state::State;
use crate::bot::core::callback::head;
use crate::bot::core::dialogue::{DbStorage, Notice};
use crate::bot::core::keyboards::MainMenu;
use crate::bot::core::outbox::{Draining, Kinds, OutboxSettings};
use crate::bot::core::personal::Holdings;
use crate::bot::core::registry::{
    Callbacks, Capability, Command, DeepLink, GroupCallbacks, GroupReply, IdleInput, Job, JobScope,
    MenuEntry,
};
use crate::bot::core::updates::Claims;
use crate::bot::core::{BotError, Ctx, Deps, Env, HandlerResult, Next, Outcome};
use crate::config::Config;
use crate::i18n::Lang;
use crate::ops::api::call;
use crate::users::{self, UserId};
use crate::{
    broadcasts, exports, feedback, onboarding, points, reports, roles, services, stations, stats,
    tr,
};

/// Every capability's registrations, merged: what the handler tree consults.
pub struct Router {
    commands: Vec<Command<State>>,
    command_index: HashMap<&'static str, usize>,
    menu: Vec<MenuEntry<State>>,
    idle: Vec<IdleInput<State>>,
    callbacks: Vec<Callbacks<State>>,
    callback_index: HashMap<&'static str, usize>,
    group_callbacks: Vec<GroupCallbacks>,
    group_index: HashMap<&'static str, usize>,
    group_replies: Vec<GroupReply>,
    links: Vec<DeepLink<State>>,
}

/// What [`wire`] builds: the router, the capabilities' settings and state, their jobs,
/// and the main menu laid out from their entries.
pub struct Wiring {
    pub router: Router,
    pub deps: Deps,
    pub jobs: Vec<Job>,
    pub menu: MainMenu,
}

/// Wires every capability. The order is the command menu's and the main menu's.
pub fn wire(config: &Config) -> Wiring {
    let capabilities: Vec<Capability<State>> = vec![
        stations::telegram::capability(config),
        services::telegram::capability(config),
        broadcasts::telegram::capability(),
        stats::telegram::capability(),
        reports::telegram::capability(config),
        feedback::telegram::capability(config),
        points::telegram::capability(config),
        roles::telegram::capability(),
        onboarding::telegram::capability(config),
        exports::telegram::capability(config),
    ];
    let mut router = Router {
        commands: Vec::new(),
        command_index: HashMap::new(),
        menu: Vec::new(),
        idle: Vec::new(),
        callbacks: Vec::new(),
        callback_index: HashMap::new(),
        group_callbacks: Vec::new(),
        group_index: HashMap::new(),
        group_replies: Vec::new(),
        links: Vec::new(),
    };
    let mut deps = Deps::default();
    let mut jobs = vec![updates_pruning()];
    let mut holdings = Holdings::default();
    let mut kinds = Kinds::default();
    jobs.push(heartbeat(config.liveness));
    jobs.push(outbox_sender());
    jobs.push(dialogue_pruning());
    jobs.push(outbox_pruning());
    deps.insert(OutboxSettings::from_config(config));
    deps.insert(std::sync::Arc::new(Draining::default()));
    let mut idle_later = Vec::new();
    router.add_commands(commands::first());
    for cap in capabilities {
        router.add_commands(cap.commands);
        router.menu.extend(cap.menu);
        // The inputs asked first, in registration order, then everyone else's.
        router.idle.extend(cap.idle_first);
        idle_later.extend(cap.idle);
        if let Some(cb) = cap.callbacks {
            index_heads(
                &mut router.callback_index,
                cb.heads,
                router.callbacks.len(),
                cap.name,
            );
            router.callbacks.push(cb);
        }
        if let Some(cb) = cap.group_callbacks {
            index_heads(
                &mut router.group_index,
                cb.heads,
                router.group_callbacks.len(),
                cap.name,
            );
            router.group_callbacks.push(cb);
        }
        router.group_replies.extend(cap.group_replies);
        router.links.extend(cap.deep_links);
        jobs.extend(cap.jobs);
        holdings.0.extend(cap.personal);
        for n in cap.notices {
            assert!(
                kinds.0.insert(n.kind, n).is_none(),
                "two capabilities register the same notice kind"
            );
        }
        deps.extend(cap.deps);
    }
    deps.insert(holdings);
    deps.insert(kinds);
    router.idle.extend(idle_later);
    router.add_commands(commands::last());
    let menu = menu::layout(&router.menu);
    Wiring {
        router,
        deps,
        jobs,
        menu,
    }
}

impl Router {
    fn add_commands(&mut self, commands: Vec<Command<State>>) {
        for c in commands {
            if self.command_index.contains_key(c.name) {
                tracing::error!(
                    command = c.name,
                    "command registered twice; the first is kept"
                );
                continue;
            }
            self.command_index.insert(c.name, self.commands.len());
            self.commands.push(c);
        }
    }

    /// Every command, in menu order.
    pub fn commands(&self) -> impl Iterator<Item = &Command<State>> {
        self.commands.iter()
    }

    pub fn command_index(&self, name: &str) -> Option<usize> {
        self.command_index.get(name).copied()
    }

    /// Follows a deep-link payload for a registered rider.
    pub async fn follow(&self, ctx: &Ctx, payload: &str) -> Outcome<State> {
        match links::claim(&self.links, payload) {
            Some(claimed) => (claimed.link.run)(ctx, &claimed.rest).await,
            None => {
                ctx.send(tr!(ctx.lang(), "deeplink-unknown")).await?;
                Ok(Next::Stay)
            }
        }
    }
}

fn index_heads(
    index: &mut HashMap<&'static str, usize>,
    heads: &'static [&'static str],
    at: usize,
    capability: &str,
) {
    for &h in heads {
        if index.insert(h, at).is_some() {
            tracing::error!(
                head = h,
                capability,
                "callback head registered twice; the last is kept"
            );
        }
    }
}

/// This instance's heartbeat among those sharing the database, renewing its job leases.
fn heartbeat(liveness: crate::instances::Liveness) -> Job {
    Job {
        name: "instances.heartbeat",
        every: Some(liveness.heartbeat),
        at_start: true,
        scope: JobScope::EachInstance,
        run: |env| {
            Box::pin(async move {
                let me = &env.settings.instance;
                let lease = env.settings.liveness.dead_after;
                crate::instances::store::beat(&env.pool, me, crate::db::now(), lease).await?;
                Ok(())
            })
        },
    }
}

/// The outbox's one sender (runs for as long as the bot does; restarted if it fails).
fn outbox_sender() -> Job {
    Job {
        name: "outbox.sender",
        every: None,
        at_start: true,
        scope: JobScope::EachInstance,
        run: |env| Box::pin(crate::bot::core::outbox::run(env)),
    }
}

/// Forgets outbox rows that ended more than 30 days ago (a broadcast's stay: they are its
/// figures), daily.
fn outbox_pruning() -> Job {
    Job {
        name: "outbox.prune",
        every: Some(std::time::Duration::from_secs(24 * 60 * 60)),
        at_start: true,
        scope: JobScope::OneInstance,
        run: |env| {
            Box::pin(async move {
                let before = crate::db::now() - chrono::Duration::days(30);
                let mut conn = env.pool.acquire().await?;
                let n = crate::outbox::store::prune(&mut conn, before).await?;
                if n > 0 {
                    tracing::info!(pruned = n, "forgot old outbox rows");
                }
                Ok(())
            })
        },
    }
}

/// Forgets dialogues idle past `DIALOGUE_IDLE_MINUTES` (they would be dropped at the next
/// message anyway), hourly: what someone typed and walked away from is not kept.
fn dialogue_pruning() -> Job {
    Job {
        name: "dialogues.prune",
        every: Some(std::time::Duration::from_secs(60 * 60)),
        at_start: true,
        scope: JobScope::OneInstance,
        run: |env| {
            Box::pin(async move {
                let idle = env.settings.dialogue_idle;
                let n = crate::bot::core::dialogue::prune(&env.pool, idle).await?;
                if n > 0 {
                    tracing::info!(pruned = n, "forgot abandoned dialogues");
                }
                Ok(())
            })
        },
    }
}

/// Forgets update ids older than a week (Telegram re-delivers for at most a day): at start
/// and daily.
fn updates_pruning() -> Job {
    Job {
        name: "updates.prune",
        every: Some(std::time::Duration::from_secs(24 * 60 * 60)),
        at_start: true,
        scope: JobScope::OneInstance,
        run: |env| {
            Box::pin(async move {
                let n = crate::bot::core::updates::prune(&env.pool, 7).await?;
                if n > 0 {
                    tracing::info!(pruned = n, "forgot old update ids");
                }
                // Webhook mode's handled inbox rows (their bodies went at handling): a day.
                let day_ago = crate::db::now() - chrono::Duration::days(1);
                let n = crate::bot::inbox::store::prune(&env.pool, day_ago).await?;
                if n > 0 {
                    tracing::info!(pruned = n, "forgot handled inbox rows");
                }
                // Rows never handled in a week: dropped with their bodies.
                let week_ago = crate::db::now() - chrono::Duration::days(7);
                let ids = crate::bot::inbox::store::drop_unhandled(&env.pool, week_ago).await?;
                if !ids.is_empty() {
                    tracing::warn!(
                        dropped = ids.len(),
                        ids = ?&ids[..ids.len().min(100)],
                        "inbox: dropped updates never handled in 7 days"
                    );
                }
                Ok(())
            })
        },
    }
}

/// The update types [`schema`] has a branch for: what `webhook set` asks Telegram for by
/// default. Edited messages and channel posts would only reach the default handler.
pub const HANDLED_UPDATES: [teloxide::types::AllowedUpdate; 3] = [
    teloxide::types::AllowedUpdate::Message,
    teloxide::types::AllowedUpdate::CallbackQuery,
    teloxide::types::AllowedUpdate::MyChatMember,
];

/// The handler tree: production and every test run exactly this.
pub fn schema() -> UpdateHandler<BotError> {
    dptree::entry()
        .filter_async(claim_update)
        // Everything after the claim is timed and counted by kind and outcome.
        .chain(crate::ops::updates::observed())
        .branch(
            Update::filter_message()
                .filter(|m: Message| m.chat.is_private() && m.from.is_some())
                .map_async(session_for_message)
                .branch(dptree::filter(Session::unreadable).endpoint(unreadable))
                .filter_map(Session::loaded)
                .branch(
                    dptree::filter_map(|m: Message, (ctx, _): Loaded, r: Arc<Router>| {
                        let bot = ctx.settings.bot_username.as_deref();
                        commands::parse(&r, m.text()?, bot)
                    })
                    .endpoint(on_command),
                )
                .endpoint(on_message),
        )
        .branch(
            Update::filter_callback_query()
                .filter(|q: CallbackQuery| {
                    q.message.as_ref().is_some_and(|m| m.chat().is_private())
                })
                .map_async(session_for_callback)
                .branch(dptree::filter(Session::unreadable).endpoint(unreadable))
                .filter_map(Session::loaded)
                .endpoint(on_callback),
        )
        // Buttons anywhere but a private chat (a private one whose person could not be read
        // was answered in `load`: it must not reach the groups' handlers).
        .branch(
            Update::filter_callback_query()
                .filter(|q: CallbackQuery| {
                    !q.message.as_ref().is_some_and(|m| m.chat().is_private())
                })
                .endpoint(on_group_callback),
        )
        .branch(
            Update::filter_message()
                .filter(|m: Message| !m.chat.is_private() && m.reply_to_message().is_some())
                .endpoint(on_group_reply),
        )
        .branch(Update::filter_my_chat_member().endpoint(on_my_chat_member))
}

async fn claim_update(update: Update, claims: Claims) -> bool {
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
            let kind = crate::ops::updates::kind_of(&update);
            crate::ops::exporter::update(kind, "duplicate");
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

/// The person behind an update and their dialogue, or that they could not be read (the
/// database failed; they were asked to try again).
#[derive(Clone)]
enum Session {
    Loaded(Box<Loaded>),
    Unreadable,
}

impl Session {
    fn unreadable(self) -> bool {
        match self {
            Session::Loaded(_) => false,
            Session::Unreadable => true,
        }
    }

    fn loaded(self) -> Option<Loaded> {
        match self {
            Session::Loaded(loaded) => Some(*loaded),
            Session::Unreadable => None,
        }
    }
}

/// An update whose person could not be read ends as failed (and is counted so).
async fn unreadable() -> HandlerResult {
    Err(BotError::Internal(
        "the person's session could not be read".into(),
    ))
}

/// The user and their dialogue; `None` when they cannot be read, the person asked to try again
/// (and a button press answered, so its spinner stops).
async fn load(
    update_id: u32,
    env: Env,
    storage: Arc<DbStorage>,
    from: &teloxide::types::User,
    pressed: Option<&CallbackQuery>,
) -> Option<Loaded> {
    let lang = Lang::from_telegram(from.language_code.as_deref());
    let id = UserId(from.id.0 as i64);
    let idle = env.settings.dialogue_idle;
    let (user, state, notice) = match storage.load_session(id, lang, idle).await {
        Ok(loaded) => loaded,
        Err(err) => {
            tracing::error!(user_id = id.0, %err, "could not load user and dialogue");
            // Not left unanswered: asked to try again, as when a handler fails.
            if let Some(q) = pressed {
                let answer = env.bot.answer_callback_query(q.id.clone());
                if let Err(err) = crate::ops::api::call(answer).await {
                    tracing::warn!(chat_id = id.0, %err, "could not answer the button");
                }
            }
            let ask = env
                .bot
                .send_message(ChatId(id.0), tr!(lang, "error-try-again"))
                .parse_mode(teloxide::types::ParseMode::Html);
            if let Err(err) = crate::ops::api::call(ask).await {
                tracing::warn!(chat_id = id.0, %err, "could not ask to try again");
            }
            return None;
        }
    };
    if let Err(err) =
        users::store::remember_username(&env.pool, &user, from.username.as_deref()).await
    {
        tracing::warn!(user_id = id.0, %err, "could not update username");
    }
    if user.blocked {
        // They write again: messages reach them again (the outbox skipped them meanwhile).
        if let Err(err) = users::store::set_blocked(&env.pool, id, false).await {
            tracing::warn!(user_id = id.0, %err, "could not clear blocked");
        }
    }
    let ctx = Ctx::new(update_id, &env, user, from.clone());
    if let Some(notice) = notice {
        let text = match notice {
            Notice::Expired => tr!(ctx.lang(), "dialogue-expired"),
            Notice::Reset => tr!(ctx.lang(), "dialogue-reset"),
        };
        if let Err(err) = ctx.send(text).await {
            tracing::warn!(chat_id = id.0, %err, "could not send dialogue notice");
        }
    }
    Some((ctx, state))
}

async fn session_for_message(
    env: Env,
    storage: Arc<DbStorage>,
    update: Update,
    msg: Message,
) -> Session {
    // The branch passes only messages with a sender.
    let Some(from) = msg.from.clone() else {
        return Session::Unreadable;
    };
    session(load(update.id.0, env, storage, &from, None).await)
}

async fn session_for_callback(
    env: Env,
    storage: Arc<DbStorage>,
    update: Update,
    q: CallbackQuery,
) -> Session {
    session(load(update.id.0, env, storage, &q.from, Some(&q)).await)
}

fn session(loaded: Option<Loaded>) -> Session {
    loaded.map_or(Session::Unreadable, |l| Session::Loaded(Box::new(l)))
}

/// Runs a handler and carries out its outcome; on failure logs it with ids only and tells the
/// rider to try again.
async fn guard(
    ctx: &Ctx,
    router: &Router,
    state: State,
    work: impl std::future::Future<Output = Outcome<State>>,
) -> HandlerResult {
    let result = match work.await {
        Ok(next) => flow::apply(ctx, router, state, next).await,
        Err(err) => Err(err),
    };
    if let Err(err) = &result {
        tracing::error!(update_id = ctx.update_id, chat_id = ctx.chat().0, error = %err, "handler failed");
        // A failed send to a rider who blocked the bot cannot be answered anyway.
        if !matches!(err, BotError::Telegram(teloxide::RequestError::Api(_))) {
            let _ = ctx.send(tr!(ctx.lang(), "error-try-again")).await;
        }
    }
    Ok(())
}

async fn on_command(
    (ctx, state): Loaded,
    call: Invocation,
    msg: Message,
    router: Arc<Router>,
) -> HandlerResult {
    let command = &router.commands[call.index];
    tracing::debug!(chat_id = ctx.chat().0, command = command.name, "command");
    let work = async {
        if command.registered_only && !ctx.user.is_registered() {
            return Ok(Next::Go(State::Onboarding(onboarding::telegram::begin())));
        }
        (command.run)(&ctx, &state, &msg, &call.args).await
    };
    guard(&ctx, &router, state.clone(), work).await
}

/// Any private message that is not a command.
async fn on_message((ctx, state): Loaded, msg: Message, router: Arc<Router>) -> HandlerResult {
    let work = async {
        if let Some(text) = msg.text() {
            if crate::bot::core::keyboards::is_cancel(text) {
                return Ok(Next::Cancelled);
            }
            if text.starts_with('/') {
                ctx.send(tr!(ctx.lang(), "unknown-command")).await?;
                return Ok(Next::Ask);
            }
        }
        match state.clone() {
            State::Idle => menu::on_idle_message(&ctx, &router, &msg).await,
            State::Onboarding(step) => Ok(onboarding::telegram::on_message(&ctx, step, &msg)
                .await?
                .map(State::Onboarding)),
            State::Report(step) => Ok(reports::telegram::on_message(&ctx, step, &msg)
                .await?
                .map(State::Report)),
            State::Broadcast(step) => Ok(broadcasts::telegram::on_message(&ctx, step, &msg)
                .await?
                .map(State::Broadcast)),
            State::Feedback(step) => Ok(feedback::telegram::on_message(&ctx, step, &msg)
                .await?
                .map(State::Feedback)),
        }
    };
    guard(&ctx, &router, state.clone(), work).await
}

/// A button in a private chat: the capability that owns the data's head answers it.
async fn on_callback((ctx, state): Loaded, q: CallbackQuery, router: Arc<Router>) -> HandlerResult {
    let work = async {
        let data = q.data.as_deref().unwrap_or_default();
        let Some(&at) = router.callback_index.get(head(data)) else {
            tracing::warn!(chat_id = ctx.chat().0, "unparseable callback data");
            ctx.expired(&q).await?;
            return Ok(Next::Ask);
        };
        let callbacks = &router.callbacks[at];
        // A capability's buttons exist only on registered riders' messages; anyone else's
        // are stale.
        if callbacks.registered_only && !ctx.user.is_registered() {
            ctx.expired(&q).await?;
            return Ok(Next::Ask);
        }
        (callbacks.run)(&ctx, &state, &q, data).await
    };
    guard(&ctx, &router, state.clone(), work).await
}

/// A button pressed outside a private chat (a report card in the coordinators' group): the
/// capability owning the data checks who pressed it; anything else is forged or stale.
async fn on_group_callback(env: Env, router: Arc<Router>, q: CallbackQuery) -> HandlerResult {
    let owner = q
        .data
        .as_deref()
        .and_then(|data| router.group_index.get(head(data)));
    match owner {
        Some(&at) => (router.group_callbacks[at].run)(env, q).await,
        None => {
            let lang = Lang::from_telegram(q.from.language_code.as_deref());
            call(
                env.bot
                    .answer_callback_query(q.id)
                    .text(tr!(lang, "button-expired")),
            )
            .await?;
            Ok(())
        }
    }
}

/// A message in a group that replies to another: the capabilities' group-reply handlers are
/// asked in turn; one nobody claims is ignored (its content never logged).
async fn on_group_reply(env: Env, router: Arc<Router>, msg: Message) -> HandlerResult {
    match ask_in_turn(&router.group_replies, &env, &msg).await {
        Ok(true) => {}
        Ok(false) => tracing::debug!(chat_id = msg.chat.id.0, "group reply not claimed"),
        Err(err) => {
            tracing::error!(chat_id = msg.chat.id.0, message_id = msg.id.0, error = %err, "group reply failed")
        }
    }
    Ok(())
}

/// Asks each handler in turn until one claims `msg`; whether one did.
async fn ask_in_turn(handlers: &[GroupReply], env: &Env, msg: &Message) -> HandlerResult<bool> {
    for h in handlers {
        if (h.run)(env.clone(), msg.clone()).await? {
            return Ok(true);
        }
    }
    Ok(false)
}

/// A rider blocked or unblocked the bot in their private chat.
async fn on_my_chat_member(env: Env, update: ChatMemberUpdated) -> HandlerResult {
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
    users::store::set_blocked(&env.pool, id, blocked).await?;
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_capability_is_wired_without_clashes() {
        let config = Config::from_lookup(|_| None).unwrap();
        let wiring = wire(&config);
        let router = &wiring.router;
        let names: Vec<&str> = router.commands().map(|c| c.name).collect();
        let mut unique = names.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), names.len(), "{names:?}");
        let heads: usize = router.callbacks.iter().map(|c| c.heads.len()).sum();
        assert_eq!(
            router.callback_index.len(),
            heads,
            "a callback head is claimed twice"
        );
        let prefixes: Vec<&str> = router.links.iter().map(|l| l.prefix).collect();
        for p in &prefixes {
            assert_eq!(prefixes.iter().filter(|q| q == &p).count(), 1, "{p}");
        }
        let jobs: Vec<&str> = wiring.jobs.iter().map(|j| j.name).collect();
        for j in &jobs {
            assert_eq!(jobs.iter().filter(|k| k == &j).count(), 1, "{j}");
        }
        assert!(!router.menu.is_empty() && !router.idle.is_empty());
        assert!(!router.group_replies.is_empty());
    }

    /// Which handlers were asked, in order (one test uses it).
    static ASKED: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());

    fn handler(name: &'static str, claims: bool) -> GroupReply {
        let run: fn(Env, Message) -> futures::future::BoxFuture<'static, HandlerResult<bool>> =
            match (name, claims) {
                ("first", false) => |_, _| Box::pin(async { asked("first", false) }),
                ("second", true) => |_, _| Box::pin(async { asked("second", true) }),
                _ => |_, _| Box::pin(async { asked("third", true) }),
            };
        GroupReply { run }
    }

    fn asked(name: &'static str, claims: bool) -> HandlerResult<bool> {
        ASKED.lock().unwrap().push(name);
        Ok(claims)
    }

    #[tokio::test]
    async fn a_group_reply_is_offered_in_turn_until_one_claims_it() {
        let config = Config::from_lookup(|_| None).unwrap();
        let env = Env {
            bot: teloxide::Bot::new("1:test"),
            pool: crate::db::Pool::connect_lazy("sqlite::memory:").unwrap(),
            settings: Arc::new(crate::bot::core::Settings::from_config(
                &config,
                Default::default(),
            )),
            deps: Arc::new(Deps::default()),
        };
        let msg: Message = serde_json::from_value(serde_json::json!({
            "message_id": 5, "date": 0,
            "chat": {"id": -100, "type": "supergroup", "title": "Coordinators"},
            "from": {"id": 900, "is_bot": false, "first_name": "C"},
            "text": "answer",
            "reply_to_message": {"message_id": 4, "date": 0,
                "chat": {"id": -100, "type": "supergroup", "title": "Coordinators"},
                "from": {"id": 1, "is_bot": true, "first_name": "Bot"}, "text": "F-000001"}
        }))
        .unwrap();
        let handlers = [
            handler("first", false),
            handler("second", true),
            handler("third", true),
        ];
        assert!(ask_in_turn(&handlers, &env, &msg).await.unwrap());
        assert_eq!(*ASKED.lock().unwrap(), ["first", "second"]);
        ASKED.lock().unwrap().clear();
        assert!(!ask_in_turn(&handlers[..1], &env, &msg).await.unwrap());
        assert!(!ask_in_turn(&[], &env, &msg).await.unwrap());
        assert_eq!(*ASKED.lock().unwrap(), ["first"]);
    }
}
