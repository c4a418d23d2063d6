//! Broadcasts over Telegram, a file per job:
//!
//! - [`step`] and [`compose`]: `/broadcast`: the message, the audience, the preview exactly as
//!   riders will see it with the number of recipients, then Send now, Send later or Cancel;
//! - [`send`]: each message rendered and sent by the outbox, the progress message (edited at
//!   most every few seconds, with Cancel), `/broadcasts`;
//! - [`settings`]: `/notifications`, and the area of a shared location kept for nearby alerts.

pub mod compose;
pub mod send;
pub mod settings;
pub mod step;

use std::time::Duration;

pub use self::step::Step;
use crate::bot::core::callback::{body, CallbackData};
use crate::bot::core::outbox::NoticeKind;
use crate::bot::core::personal::{Erased, PersonalData};
use crate::bot::core::registry::{
    resume, Audience, Callbacks, Capability, Command, IdleInput, Job, JobScope,
};
use crate::bot::core::{Explain, HasStep, Next};
use crate::broadcasts::domain::{BroadcastError, Setting};
use crate::broadcasts::personal;
use crate::i18n::Lang;
use crate::tr;

/// The outbox kind of a broadcast's message.
pub const KIND: &str = "broadcasts.message";

const HEADS: &[&str] = &["bc"];

/// What broadcasts register: `/broadcast` and `/broadcasts` (coordinators), `/notifications`
/// (everyone), their buttons, the progress job, the message kind, and the settings as
/// personal data.
pub fn capability<T: HasStep<Step> + Send + Sync + 'static>() -> Capability<T> {
    Capability::new("broadcasts")
        .command(Command {
            name: "broadcast",
            description: "cmd-broadcast",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, _| {
                Box::pin(async move { Ok(compose::begin(ctx).await?.map(T::from)) })
            },
        })
        .command(Command {
            name: "broadcasts",
            description: "cmd-broadcasts",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, _| Box::pin(resume(ctx, send::list(ctx))),
        })
        .command(Command {
            name: "notifications",
            description: "cmd-notifications",
            audience: Audience::Everyone,
            registered_only: true,
            run: |ctx, _, _, _| Box::pin(resume(ctx, settings::show(ctx))),
        })
        .callbacks(Callbacks {
            heads: HEADS,
            registered_only: false,
            run: |ctx, state, q, data| {
                Box::pin(async move {
                    let Some(cb) = BroadcastCallback::parse(data) else {
                        ctx.expired(q).await?;
                        return Ok(Next::Ask);
                    };
                    let step = state.step().cloned();
                    Ok(compose::on_callback(ctx, step, q, cb).await?.map(T::from))
                })
            },
        })
        .idle_first(IdleInput {
            run: |ctx, msg| {
                Box::pin(async move { settings::on_location(ctx, msg).await.map(|()| None) })
            },
        })
        .notices(vec![NoticeKind {
            kind: KIND,

            messages: 1,
            send: |env, row| Box::pin(send::deliver(env, row)),
        }])
        .job(Job {
            name: "broadcasts.progress",
            every: Some(Duration::from_secs(3)),
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| Box::pin(async move { send::progress(&env).await }),
        })
        .job(Job {
            name: "broadcasts.forget_areas",
            every: Some(Duration::from_secs(60 * 60)),
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| {
                Box::pin(async move {
                    let before = env.settings.clock.now()
                        - chrono::Duration::days(crate::broadcasts::LOCATION_DAYS);
                    let mut conn = env.pool.acquire().await?;
                    crate::broadcasts::store::forget_areas(&mut conn, before).await?;
                    Ok(())
                })
            },
        })
        .provide(send::Shown::default())
        .personal(PersonalData {
            section: "notification_settings",
            held: |conn, id| Box::pin(personal::held(conn, id)),
            export: |conn, id| Box::pin(personal::export(conn, id)),
            erase: |conn, e| {
                Box::pin(async move {
                    Ok(Erased {
                        done: personal::erase(conn, e).await?,
                        after: Vec::new(),
                    })
                })
            },
        })
}

/// Asks for what `step` waits for.
pub async fn prompt(ctx: &crate::bot::core::Ctx, step: &Step) -> crate::bot::core::HandlerResult {
    compose::prompt(ctx, step).await
}

pub use compose::on_message;

/// A broadcasts button's data (`bc:` prefix; untrusted, parsed strictly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BroadcastCallback {
    /// An audience (a platform, a station or a session is asked next).
    Audience(Choice),
    Platform(String),
    Urgent,
    AddButton,
    SendNow,
    SendLater,
    Discard,
    /// Cancel a running broadcast.
    Stop(i64),
    /// Toggle announcements or nearby alerts.
    Toggle(Setting),
}

/// The audience buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Choice {
    All,
    Officers,
    Platform,
    Near,
    Session,
}

impl Choice {
    const ALL: [Choice; 5] = [
        Choice::All,
        Choice::Officers,
        Choice::Platform,
        Choice::Near,
        Choice::Session,
    ];

    fn code(self) -> &'static str {
        match self {
            Choice::All => "all",
            Choice::Officers => "officers",
            Choice::Platform => "platform",
            Choice::Near => "near",
            Choice::Session => "session",
        }
    }
}

impl CallbackData for BroadcastCallback {
    fn encode(&self) -> String {
        match self {
            BroadcastCallback::Audience(a) => format!("bc:a:{}", a.code()),
            BroadcastCallback::Platform(p) => format!("bc:p:{p}"),
            BroadcastCallback::Urgent => "bc:u".into(),
            BroadcastCallback::AddButton => "bc:b".into(),
            BroadcastCallback::SendNow => "bc:s".into(),
            BroadcastCallback::SendLater => "bc:l".into(),
            BroadcastCallback::Discard => "bc:x".into(),
            BroadcastCallback::Stop(id) => format!("bc:c:{id}"),
            BroadcastCallback::Toggle(Setting::Announcements) => "bc:n:a".into(),
            BroadcastCallback::Toggle(Setting::Nearby) => "bc:n:n".into(),
        }
    }

    fn parse(data: &str) -> Option<Self> {
        let rest = body(data, "bc")?;
        let (head, arg) = rest.split_once(':').unwrap_or((rest, ""));
        Some(match (head, arg) {
            ("a", a) => {
                BroadcastCallback::Audience(Choice::ALL.into_iter().find(|x| x.code() == a)?)
            }
            ("p", p) => BroadcastCallback::Platform(
                crate::onboarding::domain::Platform::from_code(p)?
                    .code()
                    .to_owned(),
            ),
            ("u", "") => BroadcastCallback::Urgent,
            ("b", "") => BroadcastCallback::AddButton,
            ("s", "") => BroadcastCallback::SendNow,
            ("l", "") => BroadcastCallback::SendLater,
            ("x", "") => BroadcastCallback::Discard,
            ("c", id) => BroadcastCallback::Stop(id.parse().ok().filter(|n| *n > 0)?),
            ("n", "a") => BroadcastCallback::Toggle(Setting::Announcements),
            ("n", "n") => BroadcastCallback::Toggle(Setting::Nearby),
            _ => return None,
        })
    }
}

impl Explain for BroadcastError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            BroadcastError::Refused(r) => return r.words(lang),
            BroadcastError::Empty => tr!(lang, "broadcast-empty"),
            BroadcastError::NoSuchStation(code) => {
                tr!(lang, "broadcast-no-station", code = code.clone())
            }
            BroadcastError::NoSuchSession(code) => {
                tr!(lang, "broadcast-no-session", code = code.clone())
            }
            BroadcastError::BadRadius => tr!(lang, "broadcast-bad-radius"),
            BroadcastError::NoAudience => tr!(lang, "broadcast-no-audience"),
            BroadcastError::InThePast => tr!(lang, "broadcast-in-the-past"),
            BroadcastError::NoSuchBroadcast(id) => tr!(lang, "broadcast-unknown", id = *id),
            BroadcastError::Over(id, _) => tr!(lang, "broadcast-over", id = *id),
            BroadcastError::Db(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn button_data_round_trips_and_forgeries_are_refused() {
        for cb in [
            BroadcastCallback::Audience(Choice::Near),
            BroadcastCallback::Platform("meituan".into()),
            BroadcastCallback::Urgent,
            BroadcastCallback::SendNow,
            BroadcastCallback::Stop(12),
            BroadcastCallback::Toggle(Setting::Nearby),
        ] {
            assert_eq!(BroadcastCallback::parse(&cb.encode()), Some(cb));
        }
        for forged in [
            "bc:a:everyone",
            "bc:c:-1",
            "bc:c:x",
            "bc:s:1",
            "bc:n:z",
            "bc:p:nope",
            "bc",
        ] {
            assert_eq!(BroadcastCallback::parse(forged), None, "{forged}");
        }
    }
}
