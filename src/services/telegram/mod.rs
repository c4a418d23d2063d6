//! Free services over Telegram: the rider's list and card (`rider`), checking in by the
//! session's signed code, a live location or the station's poster (`checkin`), coordinators'
//! `/session` and `/checkin` (`coordinator`), and promotions, reminders and the scheduling job
//! (`notify`); how sessions read (`words`).

pub mod checkin;
pub mod coordinator;
pub mod notify;
pub mod rider;
pub mod words;

use std::time::Duration;

use crate::bot::core::callback::{body, CallbackData};
use crate::bot::core::personal::{Erased, PersonalData};
use crate::bot::core::registry::{
    resume, stay, Audience, Callbacks, Capability, Command, DeepLink, IdleInput, Job, JobScope,
    MenuEntry,
};
use crate::bot::core::{Explain, Next};
use crate::config::Config;
use crate::i18n::Lang;
use crate::services::checkin::KeyRing;
use crate::services::domain::ServicesError;
use crate::services::personal;
use crate::services::signed::CheckInKey;
use crate::services::{PlanCode, SessionCode};
use crate::tr;

/// The heads the router sends to services.
pub const HEADS: &[&str] = &["sv"];

/// What free services register: `/services` and the menu button, `/session` and `/checkin`,
/// the buttons, the `cs-` (signed check-in code) and `ci-` (station poster) links, live
/// locations during a check-in window (asked before the nearest stations), and the 10-minute
/// scheduling and reminder job. Their settings: the check-in key and radius.
pub fn capability<T: Send + Sync + 'static>(config: &Config) -> Capability<T> {
    let configured = config
        .checkin_secret
        .as_ref()
        .and_then(|s| CheckInKey::new(s.expose()));
    Capability::new("services")
        .personal(personal_data())
        .notices(notify::kinds())
        .provide(KeyRing::new(configured))
        .provide(checkin::CheckInRadius(config.checkin_radius_m))
        .command(Command {
            name: "services",
            description: "cmd-services",
            audience: Audience::Everyone,
            // Signing up needs a registered rider: registration comes first.
            registered_only: true,
            run: |ctx, _, _, _| Box::pin(resume(ctx, rider::list(ctx, 0, None))),
        })
        .command(Command {
            name: "session",
            description: "cmd-session",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, args| Box::pin(stay(coordinator::session_command(ctx, args.trim()))),
        })
        .command(Command {
            name: "checkin",
            description: "cmd-checkin",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, msg, args| Box::pin(stay(coordinator::check_in_command(ctx, msg, args))),
        })
        .menu(MenuEntry {
            label: "menu-services",
            row: 1,
            share_location: false,
            run: |ctx| Box::pin(stay(rider::list(ctx, 0, None))),
        })
        .callbacks(Callbacks {
            heads: HEADS,
            registered_only: true,
            run: |ctx, _, q, data| {
                Box::pin(async move {
                    match ServicesCallback::parse(data) {
                        Some(cb) => rider::on_callback(ctx, q, cb).await?,
                        None => {
                            ctx.expired(q).await?;
                            return Ok(Next::Ask);
                        }
                    }
                    Ok(Next::Stay)
                })
            },
        })
        .idle_first(IdleInput {
            run: |ctx, msg| Box::pin(checkin::on_location(ctx, msg)),
        })
        .deep_link(DeepLink {
            prefix: "cs-",
            // Anything after the prefix is this capability's: a mangled code is told it is not
            // valid, not that the link is unknown.
            parse: |rest| Some(rest.to_owned()),
            run: |ctx, code| Box::pin(stay(checkin::on_code_link(ctx, code))),
        })
        .deep_link(DeepLink {
            // A session's card (the button under an announcement).
            prefix: "sv-",
            parse: |rest| SessionCode::parse(rest).map(|c| c.to_string()),
            run: |ctx, code| {
                Box::pin(async move {
                    if let Some(code) = SessionCode::parse(code) {
                        rider::show(ctx, &code, None).await?;
                    }
                    Ok(Next::Stay)
                })
            },
        })
        .deep_link(DeepLink {
            prefix: "ci-",
            parse: |rest| PlanCode::parse(rest).map(|c| c.to_string()),
            run: |ctx, plan| {
                Box::pin(async move {
                    match PlanCode::parse(plan) {
                        Some(plan) => checkin::on_poster_link(ctx, &plan).await?,
                        None => ctx
                            .send(tr!(ctx.lang(), "deeplink-unknown"))
                            .await
                            .map(|_| ())?,
                    }
                    Ok(Next::Stay)
                })
            },
        })
        .job(Job {
            name: "services.schedule",
            every: Some(Duration::from_secs(10 * 60)),
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| Box::pin(async move { notify::sweep(&env).await }),
        })
}

/// What services hold about a rider; erasure gives up their seats (whoever moves up is told
/// through the outbox).
fn personal_data() -> PersonalData {
    PersonalData {
        section: "service_sign_ups",
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
    }
}

impl Explain for ServicesError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            ServicesError::Refused(r) => return r.words(lang),
            ServicesError::NoSuchSession => tr!(lang, "services-unknown"),
            ServicesError::Started => tr!(lang, "services-started"),
            ServicesError::Cancelled => tr!(lang, "services-cancelled"),
            ServicesError::NotSignedUp => tr!(lang, "services-not-signed-up"),
            ServicesError::NotNow => tr!(lang, "services-check-in-not-now"),
            ServicesError::OnWaitlist => tr!(lang, "services-check-in-waitlisted"),
            ServicesError::Forged => tr!(lang, "services-code-invalid"),
            ServicesError::NotLive => tr!(lang, "services-live-needed"),
            // The check-in handler says how far, and from which station.
            ServicesError::TooFar { .. } => return None,
            ServicesError::BadSecret | ServicesError::Points(_) | ServicesError::Db(_) => {
                return None
            }
        })
    }
}

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

impl CallbackData for ServicesCallback {
    fn encode(&self) -> String {
        match self {
            ServicesCallback::List(p) => format!("sv:l:{p}"),
            ServicesCallback::Show(c) => format!("sv:s:{c}"),
            ServicesCallback::SignUp(c) => format!("sv:u:{c}"),
            ServicesCallback::Cancel(c) => format!("sv:c:{c}"),
            ServicesCallback::CancelYes(c) => format!("sv:C:{c}"),
            ServicesCallback::Navigate(c) => format!("sv:n:{c}"),
        }
    }

    fn parse(data: &str) -> Option<ServicesCallback> {
        let (head, arg) = body(data, "sv")?.split_once(':')?;
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::core::callback::{head, MAX_BYTES};
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
            assert!(data.len() <= MAX_BYTES, "{data}");
            assert!(HEADS.contains(&head(&data)), "{data}");
            assert_eq!(ServicesCallback::parse(&data), Some(cb.clone()));
        }
        for forged in [
            "sv:",
            "sv:l",
            "sv:l:10000",
            "sv:u:CUT",
            "sv:u:CUT-2026125",
            "sv:x:CUT-20261205",
        ] {
            assert_eq!(ServicesCallback::parse(forged), None, "{forged}");
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
