//! The one sender of the outbox (`crate::outbox`): a supervised job that sends the rows due,
//! within Telegram's limits, and records how each ended. It names no capability: each
//! registers the kinds of message it enqueues ([`NoticeKind`]) with a function that renders and
//! sends one.
//!
//! - **Pacing.** At most `per_second` messages a second overall (25 by default, under
//!   Telegram's 30), one at a time and at most one a second into one private chat, at most
//!   `group_per_minute` (20) into one group. Replies to the person acting are not sent from
//!   here, so they keep the rest of Telegram's budget whatever the outbox is doing.
//! - **Order.** A rider's own news before broadcast bulk; within that, oldest first. A row
//!   waiting out a 429 or a backoff holds its chat and no other.
//! - **Outcomes.** 429: the row waits `retry_after` and its chat with it; 403 (blocked,
//!   deactivated, removed from the group): `unreachable`, as is every later row to that chat
//!   until the person writes again; 400: `failed` (a kind falls back itself where it can: a
//!   photo Telegram would not take goes as a file); network errors and 5xx: retried with a doubling
//!   backoff, then `failed`.
//! - **Crashes.** A row is marked `sending` (committed, with the instance that took it) before
//!   it leaves; rows still `sending` whose instance is dead (at start, and looked for every
//!   `dead_after`) become `unknown` and are not sent again: Telegram may have delivered them
//!   and has no idempotency key, so resending could give someone the message twice. A row that
//!   was not taken is still `pending` and goes.
//! - **Several instances.** Every instance runs a sender on the one outbox. A row is taken
//!   once (`outbox::store::take`), never while another row of its chat is being sent, nor
//!   within a second of the chat's last take, whoever took it; the overall rate is divided
//!   between the instances alive (`instances::share`), recounted every heartbeat, and so is
//!   each group's per-minute limit. A row waiting out a 429 or a backoff holds its chat's later
//!   rows in the table too, so no instance sends past it.

use std::collections::{HashMap, HashSet, VecDeque};
use std::num::NonZeroU32;
use std::time::{Duration, Instant};

use futures::future::BoxFuture;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use teloxide::types::MessageId;
use teloxide::RequestError;
use tokio::task::JoinSet;

use super::ctx::Env;
use super::error::{BotError, HandlerResult};
use crate::outbox::{store, Row, Status};

/// How a notice was delivered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivered {
    /// Telegram took it (the message's id, when there is one message to name).
    Sent(Option<MessageId>),
    /// Nothing to send any more (the rider erased their data, the report is gone).
    Nothing,
}

/// Renders and sends one kind of notice.
pub type SendFn = for<'a> fn(&'a Env, &'a Row) -> BoxFuture<'a, Result<Delivered, SendError>>;

/// One kind of message a capability enqueues, and how to send it.
pub struct NoticeKind {
    /// The kind's name in the table: `capability.what`.
    pub kind: &'static str,
    /// How many messages one notice of this kind may send into its chat (a report's card and
    /// its photos: 2), counted against the chat's limits.
    pub messages: u32,
    pub send: SendFn,
}

/// Why a send failed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    #[error(transparent)]
    Telegram(#[from] RequestError),
    /// Rendering it failed (the database, say): tried again like a network error.
    #[error(transparent)]
    Bot(#[from] BotError),
}

impl From<sqlx::Error> for SendError {
    fn from(e: sqlx::Error) -> Self {
        SendError::Bot(e.into())
    }
}

/// Sends `html` with `keyboard` to `chat`: what most notices are.
pub async fn send_html(
    env: &Env,
    chat: i64,
    html: String,
    keyboard: Option<teloxide::types::InlineKeyboardMarkup>,
) -> Result<Delivered, SendError> {
    use teloxide::payloads::SendMessageSetters;
    use teloxide::requests::Requester;
    let mut req = env
        .bot
        .send_message(teloxide::types::ChatId(chat), html)
        .parse_mode(teloxide::types::ParseMode::Html);
    if let Some(kb) = keyboard {
        req = req.reply_markup(kb);
    }
    let sent = crate::ops::api::call(req).await?;
    Ok(Delivered::Sent(Some(sent.id)))
}

/// The recipient of a row, when they are someone the bot knows and still registered: whom a
/// notice about their own account is rendered for (in their language now). `None`: nothing to
/// send any more (they erased their data).
pub async fn registered_recipient(
    env: &Env,
    row: &Row,
) -> Result<Option<crate::users::User>, SendError> {
    let mut conn = env.pool.acquire().await?;
    let user = crate::users::store::find(&mut conn, crate::users::UserId(row.chat)).await?;
    Ok(user.filter(|u| u.is_registered()))
}

/// A payload field as text.
pub fn text_of<'a>(row: &'a Row, field: &str) -> Option<&'a str> {
    row.payload.get(field).and_then(serde_json::Value::as_str)
}

/// Every registered kind, by name (a dependency the router provides).
#[derive(Default)]
pub struct Kinds(pub HashMap<&'static str, NoticeKind>);

/// The sender's limits (`OUTBOX_PER_SECOND`, `OUTBOX_GROUP_PER_MINUTE`, `ALLOW_PAID_BROADCAST`).
#[derive(Debug, Clone)]
pub struct OutboxSettings {
    pub per_second: u32,
    pub group_per_minute: u32,
    /// The least time between two messages into one private chat.
    pub private_gap: Duration,
    /// Broadcast bulk is sent with `allow_paid_broadcast` (the district pays for up to 1,000/s).
    pub paid_broadcast: bool,
    /// The paid broadcasts' rate.
    pub paid_per_second: u32,
    /// Tries of a row that meets network errors or 5xx before it is counted failed.
    pub max_attempts: i64,
    /// Sends in flight at once (each to a different chat).
    pub in_flight: usize,
}

impl OutboxSettings {
    pub fn from_config(config: &crate::config::Config) -> OutboxSettings {
        OutboxSettings {
            per_second: config.outbox.per_second,
            group_per_minute: config.outbox.group_per_minute,
            private_gap: Duration::from_secs(1),
            paid_broadcast: config.outbox.paid_broadcast,
            paid_per_second: config.outbox.paid_per_second,
            max_attempts: 5,
            in_flight: 16,
        }
    }
}

/// Lets a clean stop finish the sends in flight: once asked ([`Draining::wait`]), the sender
/// takes no more rows, and says so once the sends it had started are recorded. (Aborted
/// mid-send, each would be counted `unknown` at the next start.)
#[derive(Default)]
pub struct Draining {
    stopping: std::sync::atomic::AtomicBool,
    drained: std::sync::atomic::AtomicBool,
}

impl Draining {
    /// Asks the sender to take no more rows, and waits up to `limit` for it to have recorded
    /// its sends in flight. True when it did.
    pub async fn wait(&self, limit: Duration) -> bool {
        use std::sync::atomic::Ordering::SeqCst;
        self.stopping.store(true, SeqCst);
        let deadline = Instant::now() + limit;
        while !self.drained.load(SeqCst) {
            if Instant::now() >= deadline {
                return false;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        true
    }

    fn stopping(&self) -> bool {
        self.stopping.load(std::sync::atomic::Ordering::SeqCst)
    }

    fn drained(&self) {
        self.drained
            .store(true, std::sync::atomic::Ordering::SeqCst);
    }
}

/// Telegram's limit for paid broadcasts.
pub const PAID_PER_SECOND: u32 = 1000;

/// The overall rate: Telegram's free budget, and the paid one broadcast bulk uses when the
/// district enables paid broadcasts.
struct Limiters {
    free: Limiter,
    paid: Option<Limiter>,
}

impl Limiters {
    /// This instance's share of each rate when `live` instances send from the one outbox.
    fn for_instances(settings: &OutboxSettings, live: u32) -> Limiters {
        let rate = |n: u32| Limiter::new(crate::instances::share(n, live));
        Limiters {
            free: rate(settings.per_second),
            paid: settings
                .paid_broadcast
                .then(|| rate(settings.paid_per_second.min(PAID_PER_SECOND))),
        }
    }

    fn of(&mut self, row: &Row) -> &mut Limiter {
        match (&mut self.paid, row.priority) {
            (Some(paid), 1) => paid,
            _ => &mut self.free,
        }
    }
}

/// One rate, and the turn last won from it if no row has used it yet.
struct Limiter {
    rate: DefaultDirectRateLimiter,
    /// The time between two turns.
    period: Duration,
    /// When the unspent turn was won.
    won: Option<Instant>,
}

impl Limiter {
    fn new(per_second: u32) -> Limiter {
        let (quota, period) = pace(per_second);
        Limiter {
            rate: RateLimiter::direct(quota),
            period,
            won: None,
        }
    }

    /// Waits for this instance's turn, before a row is taken: a row taken is on its way to
    /// Telegram at once, so an instance killed while it waits leaves no row `sending` that
    /// it never sent. Several instances walk the same rows due in the same order, and a take
    /// often finds its row gone to another; the turn is then kept for the next take (for one
    /// period: an older turn would add to the sends of the period it is spent in), so that
    /// together they still send at the whole rate.
    async fn turn(&mut self) {
        if self.won.is_some_and(|at| at.elapsed() < self.period) {
            return;
        }
        self.rate.until_ready().await;
        self.won = Some(Instant::now());
    }

    /// The turn went to a row taken.
    fn spend(&mut self) {
        self.won = None;
    }
}

/// Evenly spaced sends, 2% under `per_second`, with a burst of 1% at most: a send that came
/// late is made up, and no one-second window holds more than 99% of the rate, which leaves
/// room for requests that reach Telegram a little later than they left. Also returns the time
/// between two sends.
fn pace(per_second: u32) -> (Quota, Duration) {
    let rate = f64::from(per_second.max(1));
    let period = Duration::from_secs_f64(1.0 / (rate * 0.98));
    let burst = NonZeroU32::new((rate * 0.01) as u32).unwrap_or(NonZeroU32::MIN);
    let quota = Quota::with_period(period)
        .unwrap_or_else(|| Quota::per_second(NonZeroU32::MIN))
        .allow_burst(burst);
    (quota, period)
}

/// How long the sender sleeps when nothing is due.
const IDLE: Duration = Duration::from_millis(50);

/// What Telegram's answer means for the row.
#[derive(Debug, Clone, PartialEq)]
enum Class {
    RetryAfter(Duration),
    Unreachable(String),
    Refused(String),
    Transient(String),
}

fn classify(err: &SendError) -> Class {
    let e = match err {
        SendError::Bot(e) => return Class::Transient(e.to_string()),
        SendError::Telegram(e) => e,
    };
    match e {
        RequestError::RetryAfter(s) => Class::RetryAfter(s.duration()),
        RequestError::Network(_) | RequestError::Io(_) | RequestError::InvalidJson { .. } => {
            Class::Transient(e.to_string())
        }
        RequestError::MigrateToChatId(_) => Class::Refused(e.to_string()),
        RequestError::Api(api) => {
            let text = api.to_string();
            if text.contains("Forbidden") || text.contains("chat not found") {
                Class::Unreachable(text)
            } else if [
                "Internal Server Error",
                "Bad Gateway",
                "Service Unavailable",
                "Gateway",
            ]
            .iter()
            .any(|w| text.contains(w))
            {
                Class::Transient(text)
            } else {
                Class::Refused(text)
            }
        }
    }
}

/// The wait before try number `attempts + 1` after a transient error: 1 s, 2 s, 4 s, …
fn backoff(attempts: i64) -> Duration {
    Duration::from_secs(1u64 << attempts.clamp(1, 8).saturating_sub(1))
}

/// Per-chat pacing: one message a second into a private chat, `group_per_minute` into a group,
/// and a chat told to wait (429) waits.
struct Pacer {
    private_gap: Duration,
    group_per_minute: usize,
    next: HashMap<i64, Instant>,
    groups: HashMap<i64, VecDeque<Instant>>,
}

impl Pacer {
    fn ready(&mut self, chat: i64, now: Instant) -> bool {
        if self.next.get(&chat).is_some_and(|t| *t > now) {
            return false;
        }
        if chat < 0 {
            let window = self.groups.entry(chat).or_default();
            while window
                .front()
                .is_some_and(|t| now.duration_since(*t) >= Duration::from_secs(60))
            {
                window.pop_front();
            }
            return window.len() < self.group_per_minute;
        }
        true
    }

    fn sent(&mut self, chat: i64, now: Instant, messages: u32) {
        if chat < 0 {
            let window = self.groups.entry(chat).or_default();
            window.extend(std::iter::repeat_n(now, messages.max(1) as usize));
        } else {
            self.next.insert(chat, now + self.private_gap);
        }
    }

    /// A private chat's next message waits a gap after the answer to its last one too (as
    /// `store::take` does): the request may have reached Telegram well after its take.
    fn answered(&mut self, chat: i64, now: Instant) {
        if chat > 0 {
            self.hold(chat, now + self.private_gap);
        }
    }

    fn hold(&mut self, chat: i64, until: Instant) {
        let at = self.next.entry(chat).or_insert(until);
        *at = (*at).max(until);
    }

    /// Forgets chats whose wait is over, so the maps stay as small as the chats in play.
    fn prune(&mut self, now: Instant) {
        self.next.retain(|_, t| *t > now);
        self.groups.retain(|_, w| {
            w.back()
                .is_some_and(|t| now.duration_since(*t) < Duration::from_secs(60))
        });
    }
}

/// The sender job: recovers what a crash interrupted, then sends what is due, forever.
/// Every heartbeat (`crate::instances::Liveness`) it counts the instances alive, to take its share of the global rate,
/// and counts `unknown` what a dead instance was sending.
pub async fn run(env: Env) -> HandlerResult {
    let settings = env.dep::<OutboxSettings>()?.clone();
    let mut busy = Busy::default();
    let mut live = look_around(&env, &busy).await?;
    let mut limiters = Limiters::for_instances(&settings, live);
    let mut pacer = Pacer {
        private_gap: settings.private_gap,
        group_per_minute: group_share(&settings, live),
        next: HashMap::new(),
        groups: HashMap::new(),
    };
    let mut tasks: JoinSet<Option<Duration>> = JoinSet::new();
    let mut last_prune = Instant::now();
    let mut last_look = Instant::now();
    let draining = env.dep::<std::sync::Arc<Draining>>()?.clone();
    loop {
        while let Some(done) = tasks.try_join_next_with_id() {
            settle(&mut busy, &mut pacer, done);
        }
        if draining.stopping() {
            // A clean stop: no new row; the sends in flight finish and are recorded.
            match tasks.join_next_with_id().await {
                Some(done) => settle(&mut busy, &mut pacer, done),
                None => {
                    draining.drained();
                    tokio::time::sleep(IDLE).await;
                }
            }
            continue;
        }
        let next_look = last_look + env.settings.liveness.heartbeat;
        let dispatched = match dispatch(
            &env,
            &settings,
            &mut limiters,
            &mut pacer,
            &mut busy,
            &mut tasks,
            next_look,
        )
        .await
        {
            Ok(n) => n,
            Err(e) => {
                // The database is busy or gone for a moment: the sends in flight go on, and
                // the next round tries again.
                tracing::warn!(%e, "outbox: rows due not read; trying again");
                tokio::time::sleep(Duration::from_secs(1)).await;
                0
            }
        };
        if last_prune.elapsed() > Duration::from_secs(60) {
            pacer.prune(Instant::now());
            last_prune = Instant::now();
        }
        if last_look.elapsed() > env.settings.liveness.heartbeat {
            last_look = Instant::now();
            match look_around(&env, &busy).await {
                Ok(now_live) if now_live != live => {
                    tracing::info!(instances = now_live, "outbox: sharing the send rate anew");
                    live = now_live;
                    limiters = Limiters::for_instances(&settings, live);
                    pacer.group_per_minute = group_share(&settings, live);
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(%e, "outbox: could not count the live instances"),
            }
        }
        if dispatched == 0 {
            // Nothing could go now: wait for a send to finish or for new rows.
            tokio::select! {
                Some(done) = tasks.join_next_with_id() => settle(&mut busy, &mut pacer, done),
                () = tokio::time::sleep(IDLE) => {}
            }
        }
    }
}

/// Counts `unknown` the rows dead instances were sending, and this instance's own rows left
/// `sending` with no send in flight (one that panicked, or whose outcome the database would
/// not take); returns how many instances are alive (at least this one).
async fn look_around(env: &Env, busy: &Busy) -> HandlerResult<u32> {
    let now = crate::db::now();
    let dead_after = env.settings.liveness.dead_after;
    let alive_since = now - chrono::Duration::from_std(dead_after).unwrap_or_default();
    let in_flight: HashSet<i64> = busy.tasks.values().map(|(_, row)| *row).collect();
    let interrupted = {
        let mut conn = env.pool.acquire().await?;
        let me = env.settings.instance.as_str();
        store::recover(&mut conn, now, alive_since).await?
            + store::recover_own(&mut conn, me, &in_flight, now).await?
    };
    if interrupted > 0 {
        tracing::warn!(
            interrupted,
            "outbox rows were being sent by an instance that stopped; counted unknown, not resent"
        );
    }
    let live = crate::instances::store::live(&env.pool, now, dead_after).await?;
    Ok(live.max(1))
}

/// This instance's part of the messages a minute into one group.
fn group_share(settings: &OutboxSettings, live: u32) -> usize {
    crate::instances::share(settings.group_per_minute.max(1), live) as usize
}

/// The chats with a send in flight, and which task sends to which.
#[derive(Default)]
struct Busy {
    chats: HashSet<i64>,
    /// Each send's chat and outbox row.
    tasks: HashMap<tokio::task::Id, (i64, i64)>,
}

/// A finished send frees its chat; a 429 or a backoff holds the chat until its row may go
/// again, so the chat's later messages keep their order.
fn settle(
    busy: &mut Busy,
    pacer: &mut Pacer,
    done: Result<(tokio::task::Id, Option<Duration>), tokio::task::JoinError>,
) {
    let (id, hold) = match done {
        Ok((id, hold)) => (id, hold),
        Err(e) => {
            // The send panicked: its row stays `sending` until `look_around` counts it
            // unknown (never sent again); only then may the chat's later rows go.
            tracing::error!(%e, "an outbox send panicked");
            (e.id(), None)
        }
    };
    if let Some((chat, _row)) = busy.tasks.remove(&id) {
        busy.chats.remove(&chat);
        let now = Instant::now();
        pacer.answered(chat, now);
        if let Some(wait) = hold {
            pacer.hold(chat, now + wait);
        }
    }
}

/// Starts the sends that may go now, until `until` once one has started; returns how many.
/// (A walk over the rows due goes at this instance's share of the rate: ended by `until`, the
/// next look at who is alive, it does not go on at a share counted before an instance came
/// or went.) Once the instance is asked to stop, it takes no more.
async fn dispatch(
    env: &Env,
    settings: &OutboxSettings,
    limiters: &mut Limiters,
    pacer: &mut Pacer,
    busy: &mut Busy,
    tasks: &mut JoinSet<Option<Duration>>,
    until: Instant,
) -> HandlerResult<usize> {
    let rows = {
        let mut conn = env.pool.acquire().await?;
        store::due(&mut conn, crate::db::now(), 500).await?
    };
    let draining = env.dep::<std::sync::Arc<Draining>>()?.clone();
    let mut heads = HashSet::new();
    let mut started = 0;
    for row in rows {
        if (started > 0 && Instant::now() >= until) || draining.stopping() {
            break;
        }
        // Only the first due row of a chat may go: a chat's messages keep their order.
        if !heads.insert(row.chat) || busy.chats.contains(&row.chat) {
            continue;
        }
        if !pacer.ready(row.chat, Instant::now()) {
            continue;
        }
        if tasks.len() >= settings.in_flight {
            break;
        }
        let limiter = limiters.of(&row);
        limiter.turn().await;
        if draining.stopping() {
            // Asked to stop while it waited: the row stays for whoever sends next.
            break;
        }
        let taker = store::Taker {
            instance: env.settings.instance.as_str(),
            now: crate::db::now(),
            gap: settings.private_gap,
        };
        // A write transaction: the take's "no other row of this chat" holds across instances.
        let mut tx = crate::db::begin_write(&env.pool).await?;
        let taken = store::take(&mut tx, &row, &taker).await?;
        tx.commit().await?;
        if !taken {
            continue;
        }
        limiter.spend();
        let cost = env
            .dep::<Kinds>()
            .ok()
            .and_then(|k| k.0.get(row.kind.as_str()).map(|k| k.messages))
            .unwrap_or(1);
        pacer.sent(row.chat, Instant::now(), cost);
        busy.chats.insert(row.chat);
        let (chat, row_id) = (row.chat, row.id);
        let env = env.clone();
        let max_attempts = settings.max_attempts;
        let task = tasks.spawn(async move { send_one(&env, row, max_attempts).await });
        busy.tasks.insert(task.id(), (chat, row_id));
        started += 1;
    }
    Ok(started)
}

/// Sends one taken row and records the outcome (and counts it in `ops`, once recorded);
/// returns how long its chat must wait (a 429).
async fn send_one(env: &Env, row: Row, max_attempts: i64) -> Option<Duration> {
    let outcome = deliver(env, &row).await;
    let mut wait = Duration::from_millis(200);
    // The outcome is recorded whatever it takes (a busy database, a pool timeout): a row left
    // `sending` would hold its broadcast open until the next start.
    let (recorded, hold) = loop {
        match record(env, &row, &outcome, max_attempts).await {
            Ok(hold) => break (true, hold),
            Err(e) if wait < Duration::from_secs(60) => {
                tracing::warn!(row = row.id, %e, "outbox outcome not recorded yet; trying again");
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            Err(e) => {
                tracing::error!(row = row.id, %e, "outbox outcome not recorded; counted unknown at the next start");
                break (false, None);
            }
        }
    };
    let _ = recorded;
    hold
}

async fn deliver(env: &Env, row: &Row) -> Result<Delivered, SendError> {
    if row.chat > 0
        && crate::users::store::is_blocked(&env.pool, crate::users::UserId(row.chat)).await?
    {
        return Err(SendError::Telegram(RequestError::Api(
            teloxide::ApiError::BotBlocked,
        )));
    }
    let kinds = env.dep::<Kinds>()?;
    let Some(kind) = kinds.0.get(row.kind.as_str()) else {
        return Ok(Delivered::Nothing);
    };
    (kind.send)(env, row).await
}

async fn record(
    env: &Env,
    row: &Row,
    outcome: &Result<Delivered, SendError>,
    max_attempts: i64,
) -> Result<Option<Duration>, sqlx::Error> {
    let (hold, counted) = record_row(env, row, outcome, max_attempts).await?;
    crate::ops::exporter::outbox_outcome(counted);
    Ok(hold)
}

/// Records the outcome in the row; returns the chat's wait and the outcome's name for the
/// metrics.
async fn record_row(
    env: &Env,
    row: &Row,
    outcome: &Result<Delivered, SendError>,
    max_attempts: i64,
) -> Result<(Option<Duration>, &'static str), sqlx::Error> {
    let mut conn = env.pool.acquire().await?;
    let err = match outcome {
        Ok(Delivered::Sent(id)) => {
            store::finish(&mut conn, row.id, Status::Sent, id.map(|m| m.0), None).await?;
            return Ok((None, "sent"));
        }
        Ok(Delivered::Nothing) => {
            store::finish(&mut conn, row.id, Status::Dropped, None, None).await?;
            return Ok((None, "dropped"));
        }
        Err(err) => err,
    };
    let attempts = row.attempts + 1;
    match classify(err) {
        Class::RetryAfter(wait) => {
            let at = crate::db::now() + chrono::Duration::from_std(wait).unwrap_or_default();
            store::retry(&mut conn, row.id, at, false, "429").await?;
            tracing::info!(
                row = row.id,
                chat_id = row.chat,
                secs = wait.as_secs(),
                "outbox: Telegram asked to wait"
            );
            Ok((Some(wait), "retry_after"))
        }
        Class::Unreachable(why) => {
            store::finish(&mut conn, row.id, Status::Unreachable, None, Some(&why)).await?;
            let later = store::unreachable(&mut conn, row.chat).await?;
            drop(conn);
            if row.chat > 0 {
                crate::users::store::set_blocked(&env.pool, crate::users::UserId(row.chat), true)
                    .await?;
            }
            tracing::info!(
                row = row.id,
                chat_id = row.chat,
                later,
                "outbox: recipient unreachable"
            );
            Ok((None, "unreachable"))
        }
        Class::Refused(why) => {
            store::finish(&mut conn, row.id, Status::Failed, None, Some(&why)).await?;
            tracing::warn!(
                row = row.id,
                chat_id = row.chat,
                kind = row.kind,
                why,
                "outbox: Telegram refused a message"
            );
            Ok((None, "failed"))
        }
        Class::Transient(why) if attempts >= max_attempts => {
            store::finish(&mut conn, row.id, Status::Failed, None, Some(&why)).await?;
            tracing::warn!(
                row = row.id,
                chat_id = row.chat,
                attempts,
                why,
                "outbox: gave up after repeated errors"
            );
            Ok((None, "failed"))
        }
        Class::Transient(why) => {
            let at = crate::db::now()
                + chrono::Duration::from_std(backoff(attempts)).unwrap_or_default();
            store::retry(&mut conn, row.id, at, true, &why).await?;
            // The chat waits with it, so its later messages do not overtake it.
            Ok((Some(backoff(attempts)), "retry"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn telegrams_answers_are_classified() {
        let api = |e: teloxide::ApiError| SendError::Telegram(RequestError::Api(e));
        assert_eq!(
            classify(&SendError::Telegram(RequestError::RetryAfter(
                teloxide::types::Seconds::from_seconds(7)
            ))),
            Class::RetryAfter(Duration::from_secs(7))
        );
        assert!(matches!(
            classify(&api(teloxide::ApiError::BotBlocked)),
            Class::Unreachable(_)
        ));
        assert!(matches!(
            classify(&api(teloxide::ApiError::UserDeactivated)),
            Class::Unreachable(_)
        ));
        assert!(matches!(
            classify(&api(teloxide::ApiError::Unknown("Bad Gateway".into()))),
            Class::Transient(_)
        ));
        assert!(matches!(
            classify(&api(teloxide::ApiError::MessageIsTooLong)),
            Class::Refused(_)
        ));
    }

    #[test]
    fn backoff_doubles_from_a_second() {
        let waits: Vec<u64> = (1..=5).map(|a| backoff(a).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16]);
    }

    #[test]
    fn private_chats_get_one_a_second_and_groups_twenty_a_minute() {
        let mut p = Pacer {
            private_gap: Duration::from_secs(1),
            group_per_minute: 20,
            next: HashMap::new(),
            groups: HashMap::new(),
        };
        let t0 = Instant::now();
        assert!(p.ready(7, t0));
        p.sent(7, t0, 1);
        assert!(!p.ready(7, t0 + Duration::from_millis(900)));
        assert!(p.ready(7, t0 + Duration::from_millis(1000)));
        for i in 0..20 {
            assert!(p.ready(-5, t0 + Duration::from_secs(i)), "{i}");
            p.sent(-5, t0 + Duration::from_secs(i), 1);
        }
        assert!(!p.ready(-5, t0 + Duration::from_secs(30)));
        assert!(p.ready(-5, t0 + Duration::from_secs(60)));
        p.hold(7, t0 + Duration::from_secs(10));
        assert!(!p.ready(7, t0 + Duration::from_secs(9)));
        p.prune(t0 + Duration::from_secs(200));
        assert!(p.next.is_empty() && p.groups.is_empty());
    }
}
