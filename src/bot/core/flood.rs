//! One account's flood slows nobody else.
//!
//! teloxide's dispatcher gives each chat a queue of 64 and waits when one is full, which stalls
//! every chat; and Telegram lets the bot send about one message a second into one chat, so a
//! person who sends hundreds of messages fills their queue with replies that cannot go out.
//! A limit inside a handler comes too late: the update is already queued. So updates are
//! counted per person as they come out of `getUpdates` ([`Gate`] wraps the update listener), or
//! as a webhook request brings them ([`admit`], before the update is recorded in the inbox),
//! and those past the limit are dropped there, before the dispatcher sees them.
//!
//! The limit is a token bucket per person (governor's GCRA): `burst` at once, refilled at
//! `per_minute`. The first dropped update in a minute gets the person one "slow down" notice
//! in a private chat (never in a group); the rest are dropped silently. Dropped updates are
//! never claimed, so nothing of theirs is recorded; a dropped button press is not answered
//! (answering would cost the request the gate exists to save). Updates with no sender, from
//! Telegram's shared stand-ins (anonymous admins, channels) and membership changes (blocking
//! the bot) always pass.

use std::collections::HashMap;
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures::stream::{BoxStream, StreamExt};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use teloxide::prelude::*;
use teloxide::stop::StopToken;
use teloxide::types::{AllowedUpdate, Update, UpdateKind};
use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

pub use crate::config::FloodLimits as Limits;
use crate::i18n::{t, Lang};
use crate::ops;

/// Telegram's stand-ins for many people (anonymous group admins, posts sent as a channel,
/// automatic forwards): not one person's bucket.
const SHARED_SENDERS: [u64; 3] = [1_087_968_824, 136_817_688, 777_000];
/// How often one person is told to slow down, at most.
const NOTICE_EVERY: Duration = Duration::from_secs(60);
/// Forget people's buckets and notices after this many updates (a bound on memory).
const TIDY_EVERY: u64 = 10_000;

/// What to do with one update.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Pass,
    /// Dropped, and the sender is told once (a private chat, not told in the last minute).
    DropAndTell(ChatId),
    Drop,
}

/// The per-person counters. Cheap to share.
pub struct Flood {
    limiter: DefaultKeyedRateLimiter<u64>,
    told: Mutex<HashMap<u64, Instant>>,
    seen: std::sync::atomic::AtomicU64,
}

impl Flood {
    pub fn new(limits: Limits) -> Flood {
        let one = NonZeroU32::MIN;
        let rate = NonZeroU32::new(limits.per_minute).unwrap_or(one);
        let burst = NonZeroU32::new(limits.burst).unwrap_or(one);
        Flood {
            limiter: RateLimiter::keyed(Quota::per_minute(rate).allow_burst(burst)),
            told: Mutex::new(HashMap::new()),
            seen: Default::default(),
        }
    }

    /// Counts `update` against its sender.
    pub fn judge(&self, update: &Update) -> Verdict {
        self.tidy();
        // Blocking and unblocking the bot are recorded whatever came before them.
        if matches!(
            update.kind,
            UpdateKind::MyChatMember(_) | UpdateKind::ChatMember(_)
        ) {
            return Verdict::Pass;
        }
        let Some(user) = update.from().filter(|u| !SHARED_SENDERS.contains(&u.id.0)) else {
            return Verdict::Pass;
        };
        if self.limiter.check_key(&user.id.0).is_ok() {
            return Verdict::Pass;
        }
        let private = update.chat().is_some_and(|c| c.is_private());
        let now = Instant::now();
        let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
        match told.get(&user.id.0) {
            Some(at) if now.duration_since(*at) < NOTICE_EVERY => Verdict::Drop,
            Some(_) | None if private => {
                told.insert(user.id.0, now);
                Verdict::DropAndTell(ChatId(user.id.0 as i64))
            }
            Some(_) | None => Verdict::Drop,
        }
    }

    fn tidy(&self) {
        let seen = self.seen.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if seen % TIDY_EVERY == TIDY_EVERY - 1 {
            self.limiter.retain_recent();
            let now = Instant::now();
            let mut told = self.told.lock().unwrap_or_else(|e| e.into_inner());
            told.retain(|_, at| now.duration_since(*at) < NOTICE_EVERY);
        }
    }
}

/// An update listener whose stream leaves out what [`Flood`] drops.
pub struct Gate<L> {
    inner: L,
    flood: Arc<Flood>,
    bot: Bot,
}

impl<L> Gate<L> {
    pub fn new(inner: L, limits: Limits, bot: Bot) -> Gate<L> {
        Gate {
            inner,
            flood: Arc::new(Flood::new(limits)),
            bot,
        }
    }
}

impl<'a, L> AsUpdateStream<'a> for Gate<L>
where
    L: UpdateListener + Send + 'static,
    L::Err: Send + 'static,
{
    type StreamErr = L::Err;
    type Stream = BoxStream<'a, Result<Update, L::Err>>;

    fn as_stream(&'a mut self) -> Self::Stream {
        let flood = self.flood.clone();
        let bot = self.bot.clone();
        self.inner
            .as_stream()
            .filter(move |item| {
                let keep = match item {
                    Err(_) => true,
                    Ok(update) => admit(&flood, &bot, update),
                };
                std::future::ready(keep)
            })
            .boxed()
    }
}

impl<L> UpdateListener for Gate<L>
where
    L: UpdateListener + Send + 'static,
    L::Err: Send + 'static,
{
    type Err = L::Err;

    fn stop_token(&mut self) -> StopToken {
        self.inner.stop_token()
    }

    fn hint_allowed_updates(&mut self, hint: &mut dyn Iterator<Item = AllowedUpdate>) {
        self.inner.hint_allowed_updates(hint)
    }
}

/// Whether `update` goes on (to the dispatcher, or into the webhook's inbox); sends the notice
/// of a first drop.
pub fn admit(flood: &Flood, bot: &Bot, update: &Update) -> bool {
    let verdict = flood.judge(update);
    if verdict != Verdict::Pass {
        ops::exporter::update(ops::updates::kind_of(update), "dropped");
    }
    match verdict {
        Verdict::Pass => true,
        Verdict::Drop => false,
        Verdict::DropAndTell(chat) => {
            let lang = Lang::from_telegram(update.from().and_then(|u| u.language_code.as_deref()));
            tracing::info!(chat = chat.0, "flood: updates dropped for a while");
            let bot = bot.clone();
            tokio::spawn(async move {
                let notice = bot.send_message(chat, t(lang, "flood-slow-down"));
                if let Err(err) = ops::api::call(notice).await {
                    tracing::debug!(chat = chat.0, %err, "flood notice not sent");
                }
            });
            false
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(from: u64, chat: i64) -> Update {
        let chat = match chat > 0 {
            true => serde_json::json!({"id": chat, "type": "private", "first_name": "A"}),
            false => serde_json::json!({"id": chat, "type": "supergroup", "title": "G"}),
        };
        let update = serde_json::json!({
            "update_id": 1,
            "message": {
                "message_id": 1, "date": 0, "text": "hi", "chat": chat,
                "from": {"id": from, "is_bot": false, "first_name": "A"}
            }
        });
        let update: Update = serde_json::from_str(&update.to_string()).unwrap();
        assert!(update.from().is_some(), "{update:?}");
        update
    }

    #[test]
    fn a_burst_passes_then_one_notice_then_silence_and_others_are_untouched() {
        let flood = Flood::new(Limits {
            per_minute: 1,
            burst: 3,
        });
        let a = message(7, 7);
        let verdicts: Vec<Verdict> = (0..6).map(|_| flood.judge(&a)).collect();
        assert_eq!(
            verdicts,
            [
                Verdict::Pass,
                Verdict::Pass,
                Verdict::Pass,
                Verdict::DropAndTell(ChatId(7)),
                Verdict::Drop,
                Verdict::Drop,
            ]
        );
        // Another person has their own bucket.
        assert_eq!(flood.judge(&message(8, 8)), Verdict::Pass);
    }

    #[test]
    fn stand_ins_for_many_people_and_blocking_the_bot_always_pass() {
        let flood = Flood::new(Limits {
            per_minute: 1,
            burst: 1,
        });
        let anonymous_admin = message(1_087_968_824, -100);
        assert!((0..5).all(|_| flood.judge(&anonymous_admin) == Verdict::Pass));
        let person = message(10, 10);
        assert_eq!(flood.judge(&person), Verdict::Pass);
        assert_eq!(flood.judge(&person), Verdict::DropAndTell(ChatId(10)));
        let user = serde_json::json!({"id": 10, "is_bot": false, "first_name": "A"});
        let blocked = serde_json::json!({
            "update_id": 2,
            "my_chat_member": {
                "chat": {"id": 10, "type": "private", "first_name": "A"},
                "from": user, "date": 0,
                "old_chat_member": {"user": user, "status": "member"},
                "new_chat_member": {"user": user, "status": "kicked", "until_date": 0}
            }
        });
        let blocked: Update = serde_json::from_str(&blocked.to_string()).unwrap();
        assert!(blocked.from().is_some(), "{blocked:?}");
        assert_eq!(flood.judge(&blocked), Verdict::Pass);
        assert_eq!(flood.judge(&person), Verdict::Drop);
    }

    #[test]
    fn a_flood_in_a_group_is_dropped_without_a_notice() {
        let flood = Flood::new(Limits {
            per_minute: 1,
            burst: 1,
        });
        let g = message(9, -100);
        assert_eq!(flood.judge(&g), Verdict::Pass);
        assert_eq!(flood.judge(&g), Verdict::Drop);
        // The same person in private is then told once.
        assert_eq!(flood.judge(&message(9, 9)), Verdict::DropAndTell(ChatId(9)));
        assert_eq!(flood.judge(&message(9, 9)), Verdict::Drop);
    }
}
