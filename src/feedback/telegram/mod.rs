//! Feedback over Telegram, a file per job:
//!
//! - [`step`] and [`ask`]: `/feedback` and the menu entry for riders: the topic, then text, a
//!   photo or a voice note, each wrong input answered in its step, Cancel at every step;
//! - [`delivery`]: the item posted to the coordinators' group (one message) and the answer
//!   sent to the rider with rating buttons, both from the outbox;
//! - [`group`]: a coordinator's reply to an item in the group, and its Close button;
//! - [`coordinator`]: `/feedback` for coordinators (the open items) and
//!   `/feedback F-000123 close`; [`rating`]: the rider's rating buttons.

pub mod ask;
pub mod coordinator;
pub mod delivery;
pub mod group;
pub mod rating;
pub mod step;

use teloxide::types::ChatId;

pub use self::step::Step;
use crate::bot::core::callback::{body, CallbackData};
use crate::bot::core::personal::{AfterCommit, Erased, PersonalData};
use crate::bot::core::registry::{
    Audience, Callbacks, Capability, Command, GroupCallbacks, GroupReply, Job, JobScope, MenuEntry,
};
use crate::bot::core::{Ctx, Explain, HandlerResult, HasStep, Next};
use crate::config::Config;
use crate::feedback::domain::{FeedbackError, Stars};
use crate::feedback::{personal, FeedbackId, Topic, WordsError};
use crate::i18n::Lang;
use crate::tr;

/// The language of the coordinators' group (the district's), as report cards use.
pub const GROUP_LANG: Lang = Lang::Zh;

const HEADS: &[&str] = &["fb"];

/// What feedback needs from configuration.
#[derive(Debug, Clone)]
pub struct FeedbackSettings {
    /// The coordinators' group, if configured.
    pub group: Option<ChatId>,
    pub tz: chrono_tz::Tz,
}

/// What feedback registers: `/feedback` (riders send, coordinators list and close), the menu
/// entry, the buttons (private and in the group), the group's replies, the two outbox kinds
/// and what items hold about a rider.
pub fn capability<T: HasStep<Step> + Send + Sync + 'static>(config: &Config) -> Capability<T> {
    Capability::new("feedback")
        .provide(FeedbackSettings {
            group: config.coordinator_chat_id.map(ChatId),
            tz: config.timezone,
        })
        .command(Command {
            name: "feedback",
            description: "cmd-feedback",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, args| {
                Box::pin(async move { Ok(coordinator::command(ctx, args).await?.map(T::from)) })
            },
        })
        .menu(MenuEntry {
            label: "menu-feedback",
            row: 2,
            share_location: false,
            run: |ctx| Box::pin(async move { Ok(ask::begin(ctx).await?.map(T::from)) }),
        })
        .callbacks(Callbacks {
            heads: HEADS,
            registered_only: true,
            run: |ctx, state, q, data| {
                Box::pin(async move {
                    let Some(cb) = FeedbackCallback::parse(data) else {
                        tracing::warn!(chat_id = ctx.chat().0, "forged feedback button");
                        ctx.alert(q, tr!(ctx.lang(), "button-expired")).await?;
                        return Ok(Next::Stay);
                    };
                    let step = state.step().cloned();
                    Ok(on_callback(ctx, step, q, cb).await?.map(T::from))
                })
            },
        })
        .group_callbacks(GroupCallbacks {
            heads: HEADS,
            run: |env, q| Box::pin(group::on_press(env, q)),
        })
        .group_reply(GroupReply {
            run: |env, msg| Box::pin(group::on_reply(env, msg)),
        })
        .notices(delivery::kinds())
        .job(Job {
            name: "feedback.sweep",
            every: Some(std::time::Duration::from_secs(10 * 60)),
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| Box::pin(async move { delivery::sweep(&env).await }),
        })
        .personal(PersonalData {
            section: "feedback",
            held: |conn, id| Box::pin(personal::held(conn, id)),
            export: |conn, id| Box::pin(personal::export(conn, id)),
            erase: |conn, e| {
                Box::pin(async move {
                    let posted = personal::posted(conn, e.rider).await?;
                    let done = personal::erase(conn, e).await?;
                    let after = posted
                        .into_iter()
                        .map(|(id, chat, msg, kind)| -> AfterCommit {
                            Box::new(move |env| {
                                Box::pin(group::redact(env, FeedbackId(id), (chat, msg), kind))
                            })
                        })
                        .collect();
                    Ok(Erased { done, after })
                })
            },
        })
}

/// Asks for what `step` waits for.
pub async fn prompt(ctx: &Ctx, step: &Step) -> HandlerResult {
    ask::prompt(ctx, step).await
}

pub use ask::on_message;

/// A private-chat button of feedback's.
async fn on_callback(
    ctx: &Ctx,
    step: Option<Step>,
    q: &teloxide::types::CallbackQuery,
    cb: FeedbackCallback,
) -> crate::bot::core::Outcome<Step> {
    match cb {
        FeedbackCallback::Topic(topic) => ask::on_topic(ctx, step, q, topic).await,
        FeedbackCallback::Cancel => ask::on_cancel(ctx, step, q).await,
        FeedbackCallback::Rate(id, stars) => rating::on_rate(ctx, q, id, stars).await,
        FeedbackCallback::Close(id) => coordinator::on_close_press(ctx, q, id).await,
    }
}

/// A feedback button's data (`fb:` prefix; untrusted, parsed strictly).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FeedbackCallback {
    Topic(Topic),
    /// Leave the dialogue.
    Cancel,
    /// The rider rates the answers to an item.
    Rate(FeedbackId, Stars),
    /// A coordinator closes an item.
    Close(FeedbackId),
}

fn id_of(raw: &str) -> Option<FeedbackId> {
    if raw.is_empty() || raw.len() > 12 || !raw.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    raw.parse().ok().filter(|n| *n > 0).map(FeedbackId)
}

impl CallbackData for FeedbackCallback {
    fn encode(&self) -> String {
        match self {
            FeedbackCallback::Topic(t) => format!("fb:t:{}", t.code()),
            FeedbackCallback::Cancel => "fb:x".into(),
            FeedbackCallback::Rate(id, s) => format!("fb:r:{}:{}", id.0, s.get()),
            FeedbackCallback::Close(id) => format!("fb:c:{}", id.0),
        }
    }

    fn parse(data: &str) -> Option<Self> {
        let rest = body(data, "fb")?;
        let parts: Vec<&str> = rest.split(':').collect();
        Some(match parts.as_slice() {
            ["t", code] => FeedbackCallback::Topic(Topic::parse(code)?),
            ["x"] => FeedbackCallback::Cancel,
            ["r", id, n] => {
                let n = if n.len() == 1 {
                    n.parse().ok()?
                } else {
                    return None;
                };
                FeedbackCallback::Rate(id_of(id)?, Stars::parse(n)?)
            }
            ["c", id] => FeedbackCallback::Close(id_of(id)?),
            _ => return None,
        })
    }
}

impl Explain for FeedbackError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            FeedbackError::Refused(r) => return r.words(lang),
            FeedbackError::NoSuchItem(id) => tr!(lang, "feedback-unknown", id = id.to_string()),
            // Only a forged or someone else's button gets here.
            FeedbackError::NotYours(_) | FeedbackError::NotAnswered(_) => {
                tr!(lang, "button-expired")
            }
            FeedbackError::RatedAlready(id, n) => {
                tr!(
                    lang,
                    "feedback-rated-already",
                    id = id.to_string(),
                    stars = *n
                )
            }
            FeedbackError::ClosedAlready(id) => {
                tr!(lang, "feedback-closed-already", id = id.to_string())
            }
            FeedbackError::ReplyNotText | FeedbackError::BadReply(WordsError::Empty) => {
                tr!(lang, "feedback-reply-not-text")
            }
            FeedbackError::BadReply(WordsError::TooLong { len, max }) => {
                tr!(lang, "feedback-reply-too-long", len = *len, max = *max)
            }
            FeedbackError::Db(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_round_trips_and_forgeries_are_refused() {
        for cb in [
            FeedbackCallback::Topic(Topic::Legal),
            FeedbackCallback::Cancel,
            FeedbackCallback::Rate(FeedbackId(12), Stars::parse(5).unwrap()),
            FeedbackCallback::Close(FeedbackId(7)),
        ] {
            assert_eq!(FeedbackCallback::parse(&cb.encode()), Some(cb));
            assert!(cb.encode().len() <= crate::bot::core::callback::MAX_BYTES);
        }
        for forged in [
            "fb:t:parking",
            "fb:r:12:6",
            "fb:r:12:0",
            "fb:r:12:05",
            "fb:r:-1:3",
            "fb:r:x:3",
            "fb:c:0",
            "fb:c:",
            "fb:x:1",
            "fb",
            "fb:",
        ] {
            assert_eq!(FeedbackCallback::parse(forged), None, "{forged}");
        }
    }

    #[test]
    fn every_refusal_has_words_and_failures_have_none() {
        let id = FeedbackId(3);
        for lang in Lang::ALL {
            for e in [
                FeedbackError::NoSuchItem(id),
                FeedbackError::NotYours(id),
                FeedbackError::RatedAlready(id, 4),
                FeedbackError::ClosedAlready(id),
                FeedbackError::ReplyNotText,
                FeedbackError::BadReply(WordsError::TooLong {
                    len: 4000,
                    max: 3500,
                }),
            ] {
                let w = e.words(lang).unwrap();
                assert!(!w.is_empty() && !w.contains("feedback-"), "{e:?}: {w}");
            }
            assert!(FeedbackError::Db(sqlx::Error::RowNotFound)
                .words(lang)
                .is_none());
        }
    }
}
