//! `/stats` over Telegram, a file per job:
//!
//! - [`command`]: `/stats [SPAN] [STATION|PLATFORM]` and its buttons (another span, the charts);
//! - [`render`]: the figures as one message in the coordinator's language;
//! - [`charts`]: the three charts, drawn off the async threads, sent as one album.

pub mod charts;
pub mod command;
pub mod render;

use crate::bot::core::callback::{body, CallbackData};
use crate::bot::core::registry::{resume, Audience, Callbacks, Capability, Command};
use crate::bot::core::{Explain, Next};
use crate::i18n::Lang;
use crate::stats::domain::{Scope, Span, StatsError};
use crate::tr;

pub const HEADS: &[&str] = &["sx"];

/// What stats registers: `/stats` (coordinators) and its buttons.
pub fn capability<T: Send + Sync + 'static>() -> Capability<T> {
    Capability::new("stats")
        .command(Command {
            name: "stats",
            description: "cmd-stats",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, args| Box::pin(resume(ctx, command::stats_command(ctx, args))),
        })
        .callbacks(Callbacks {
            heads: HEADS,
            registered_only: false,
            run: |ctx, _, q, data| {
                Box::pin(async move {
                    match StatsCallback::parse(data) {
                        Some(cb) => command::on_callback(ctx, q, cb).await?,
                        None => ctx.expired(q).await?,
                    }
                    Ok(Next::Stay)
                })
            },
        })
}

/// The buttons under the figures: the same scope for another span, or its charts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum StatsCallback {
    Figures(Span, Scope),
    Charts(Span, Scope),
}

impl CallbackData for StatsCallback {
    fn encode(&self) -> String {
        let (what, span, scope) = match self {
            StatsCallback::Figures(span, scope) => ("f", span, scope),
            StatsCallback::Charts(span, scope) => ("c", span, scope),
        };
        format!("sx:{what}:{}:{}", span.code(), scope.code())
    }

    fn parse(data: &str) -> Option<StatsCallback> {
        let mut parts = body(data, "sx")?.split(':');
        let what = parts.next()?;
        let span = Span::parse(parts.next()?)?;
        let scope = match parts.next()? {
            "" => Scope::District,
            raw => Scope::parse(raw)?,
        };
        if parts.next().is_some() {
            return None;
        }
        match what {
            "f" => Some(StatsCallback::Figures(span, scope)),
            "c" => Some(StatsCallback::Charts(span, scope)),
            _ => None,
        }
    }
}

impl Explain for StatsError {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            StatsError::Refused(r) => return r.words(lang),
            StatsError::NoSuchStation(code) => {
                tr!(lang, "stats-no-such-scope", word = code.clone())
            }
            StatsError::Db(_) => return None,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::core::callback::MAX_BYTES;
    use crate::onboarding::domain::Platform;
    use crate::stations::StationCode;

    #[test]
    fn stats_buttons_round_trip_within_64_bytes() {
        let long = StationCode::parse(&"X".repeat(24)).unwrap();
        let first = chrono::NaiveDate::from_ymd_opt(2026, 11, 1).unwrap();
        for cb in [
            StatsCallback::Figures(Span::Week, Scope::District),
            StatsCallback::Charts(Span::MonthOf(first), Scope::Station(long)),
            StatsCallback::Figures(Span::All, Scope::Platform(Platform::Meituan)),
        ] {
            let data = cb.encode();
            assert!(data.len() <= MAX_BYTES, "{data}");
            assert_eq!(StatsCallback::parse(&data), Some(cb));
        }
    }

    #[test]
    fn forged_stats_buttons_are_refused() {
        for forged in [
            "sx",
            "sx:f",
            "sx:x:week:",
            "sx:f:fortnight:",
            "sx:f:week:a b",
            "sx:f:week::extra",
            "sx:c:2026-13:",
        ] {
            assert_eq!(StatsCallback::parse(forged), None, "{forged}");
        }
    }
}
