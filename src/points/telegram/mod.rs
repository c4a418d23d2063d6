//! The points passbook over Telegram: the rider's `/points`, history, rewards, redemption and
//! leaderboard (`passbook`); coordinators' `/redeem`, `/adjust` and `/passbook`
//! (`coordinator`); expiry of redemptions not handed over (`expiry`); how entries read
//! (`render`).

pub mod coordinator;
pub mod expiry;
pub mod notify;
pub mod passbook;
pub mod render;

use std::time::Duration;

use crate::bot::core::callback::{body, CallbackData};
use crate::bot::core::personal::{Erased, PersonalData};
use crate::bot::core::registry::{
    resume, stay, Audience, Callbacks, Capability, Command, DeepLink, Job, JobScope, MenuEntry,
};
use crate::bot::core::{BotError, Explain, Next};
use crate::config::Config;
use crate::i18n::Lang;
use crate::points::domain::PointsError;
use crate::points::{RedemptionCode, RewardCode};
use crate::tr;

/// The heads the router sends to points.
pub const HEADS: &[&str] = &["pt"];

/// What the passbook needs from configuration.
#[derive(Debug, Clone, Copy)]
pub struct PointsSettings {
    /// How long a redemption code stays valid.
    pub redemption_expiry: chrono::Duration,
}

/// What points register: `/points` and the menu button, `/leaderboard`, the coordinators'
/// commands, the buttons, the `rd-` link of a redemption's QR code, and the expiry job.
pub fn capability<T: Send + Sync + 'static>(config: &Config) -> Capability<T> {
    Capability::new("points")
        .notices(notify::kinds())
        .personal(PersonalData {
            section: "points",
            held: |conn, id| Box::pin(crate::points::personal::held(conn, id)),
            export: |conn, id| Box::pin(crate::points::personal::export(conn, id)),
            erase: |conn, e| {
                Box::pin(async move {
                    let done = crate::points::personal::erase(conn, e)
                        .await
                        .map_err(BotError::domain)?;
                    Ok(Erased {
                        done,
                        after: Vec::new(),
                    })
                })
            },
        })
        .provide(PointsSettings {
            redemption_expiry: chrono::Duration::days(config.redemption_expiry_days),
        })
        .command(Command {
            name: "points",
            description: "cmd-points",
            audience: Audience::Everyone,
            registered_only: true,
            run: |ctx, _, _, _| Box::pin(resume(ctx, passbook::show(ctx))),
        })
        .command(Command {
            name: "leaderboard",
            description: "cmd-leaderboard",
            audience: Audience::Everyone,
            registered_only: false,
            run: |ctx, _, _, _| Box::pin(resume(ctx, passbook::leaderboard(ctx))),
        })
        .command(Command {
            name: "redeem",
            description: "cmd-redeem",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, args| Box::pin(stay(coordinator::redeem_command(ctx, args.trim()))),
        })
        .command(Command {
            name: "adjust",
            description: "cmd-adjust",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, msg, args| Box::pin(stay(coordinator::adjust_command(ctx, msg, args))),
        })
        .command(Command {
            name: "passbook",
            description: "cmd-passbook",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, msg, args| Box::pin(stay(coordinator::passbook_command(ctx, msg, args))),
        })
        .menu(MenuEntry {
            label: "menu-points",
            row: 2,
            share_location: false,
            run: |ctx| Box::pin(stay(passbook::show(ctx))),
        })
        .callbacks(Callbacks {
            heads: HEADS,
            registered_only: true,
            run: |ctx, _, q, data| {
                Box::pin(async move {
                    match PointsCallback::parse(data) {
                        Some(cb) => passbook::on_callback(ctx, q, cb).await?,
                        None => {
                            ctx.expired(q).await?;
                            return Ok(Next::Ask);
                        }
                    }
                    Ok(Next::Stay)
                })
            },
        })
        .deep_link(DeepLink {
            prefix: "rd-",
            parse: |rest| RedemptionCode::parse(rest).map(|c| c.to_string()),
            run: |ctx, code| {
                Box::pin(async move {
                    match RedemptionCode::parse(code) {
                        Some(code) => coordinator::on_redemption_link(ctx, &code).await?,
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
            name: "points.expiry",
            every: Some(Duration::from_secs(10 * 60)),
            at_start: true,
            scope: JobScope::OneInstance,
            run: |env| {
                Box::pin(async move {
                    expiry::expire(&env.pool, env.settings.clock.now()).await?;
                    Ok(())
                })
            },
        })
}

impl Explain for PointsError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            PointsError::Refused(r) => return r.words(lang),
            PointsError::ReasonRequired => tr!(lang, "adjust-reason-required"),
            PointsError::ReasonTooLong => tr!(
                lang,
                "adjust-reason-too-long",
                max = crate::points::domain::MAX_REASON_CHARS
            ),
            PointsError::BadAmount => tr!(lang, "adjust-usage"),
            PointsError::Insufficient { balance, needed } => {
                tr!(
                    lang,
                    "reward-not-enough",
                    balance = *balance,
                    cost = *needed
                )
            }
            PointsError::NoSuchReward => tr!(lang, "reward-unknown"),
            PointsError::OutOfStock => tr!(lang, "reward-out-of-stock"),
            PointsError::NoSuchRedemption => tr!(lang, "redemption-unknown"),
            PointsError::AlreadyConfirmed(r) => tr!(
                lang,
                "redeem-already",
                code = r.code.to_string(),
                at = r
                    .closed_at
                    .map(|t| t.format("%m-%d %H:%M UTC").to_string())
                    .unwrap_or_default()
            ),
            PointsError::Expired(r) => tr!(lang, "redeem-expired", code = r.code.to_string()),
            PointsError::NoRule(_) | PointsError::KeyConflict(_) | PointsError::Db(_) => {
                return None
            }
        })
    }
}

/// A passbook button's data (`pt:` prefix; untrusted, parsed strictly).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointsCallback {
    Summary,
    History(u32),
    Rewards(u32),
    /// Asks to confirm redeeming this reward.
    Redeem(RewardCode),
    /// Confirms it.
    Confirm(RewardCode),
    Leaderboard,
    OptIn(bool),
}

impl CallbackData for PointsCallback {
    fn encode(&self) -> String {
        match self {
            PointsCallback::Summary => "pt:s".into(),
            PointsCallback::History(p) => format!("pt:h:{p}"),
            PointsCallback::Rewards(p) => format!("pt:r:{p}"),
            PointsCallback::Redeem(c) => format!("pt:b:{c}"),
            PointsCallback::Confirm(c) => format!("pt:c:{c}"),
            PointsCallback::Leaderboard => "pt:l".into(),
            PointsCallback::OptIn(on) => format!("pt:o:{}", u8::from(*on)),
        }
    }

    fn parse(data: &str) -> Option<PointsCallback> {
        let data = body(data, "pt")?;
        let (head, arg) = match data.split_once(':') {
            Some((h, a)) => (h, Some(a)),
            None => (data, None),
        };
        let page = |a: Option<&str>| -> Option<u32> { a?.parse().ok().filter(|p| *p < 10_000) };
        Some(match (head, arg) {
            ("s", None) => PointsCallback::Summary,
            ("l", None) => PointsCallback::Leaderboard,
            ("h", a) => PointsCallback::History(page(a)?),
            ("r", a) => PointsCallback::Rewards(page(a)?),
            ("b", Some(c)) => PointsCallback::Redeem(RewardCode::parse(c)?),
            ("c", Some(c)) => PointsCallback::Confirm(RewardCode::parse(c)?),
            ("o", Some("1")) => PointsCallback::OptIn(true),
            ("o", Some("0")) => PointsCallback::OptIn(false),
            _ => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::core::callback::{head, MAX_BYTES};

    #[test]
    fn callbacks_round_trip_and_forgeries_fail() {
        let code = RewardCode::parse(&"R".repeat(24)).unwrap();
        for cb in [
            PointsCallback::Summary,
            PointsCallback::History(9_999),
            PointsCallback::Rewards(3),
            PointsCallback::Redeem(code.clone()),
            PointsCallback::Confirm(code),
            PointsCallback::Leaderboard,
            PointsCallback::OptIn(true),
            PointsCallback::OptIn(false),
        ] {
            let data = cb.encode();
            assert!(data.len() <= MAX_BYTES, "{data}");
            assert!(HEADS.contains(&head(&data)), "{data}");
            assert_eq!(PointsCallback::parse(&data), Some(cb));
        }
        for forged in [
            "pt:",
            "pt:h",
            "pt:h:-1",
            "pt:h:10000",
            "pt:b:",
            "pt:c:a b",
            "pt:o:2",
            "pt:s:1",
            "pt:x",
        ] {
            assert_eq!(PointsCallback::parse(forged), None, "{forged}");
        }
    }
}
