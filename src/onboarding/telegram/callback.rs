//! Onboarding's button data: `ok` (accept the notice), `lang:<code>` and `del:yes|no`. The
//! words are those of the first release, so buttons on old messages keep working.

use crate::bot::core::callback::CallbackData;
use crate::i18n::Lang;

/// The heads the router sends to onboarding.
pub const HEADS: &[&str] = &["ok", "lang", "del"];

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnboardingCallback {
    /// Accept the privacy notice.
    Consent,
    /// Switch the language (on the privacy notice or from /language).
    Lang(Lang),
    /// Confirm (`true`) or refuse /deletemydata.
    Delete(bool),
}

impl CallbackData for OnboardingCallback {
    fn encode(&self) -> String {
        match self {
            OnboardingCallback::Consent => "ok".into(),
            OnboardingCallback::Lang(lang) => format!("lang:{}", lang.code()),
            OnboardingCallback::Delete(true) => "del:yes".into(),
            OnboardingCallback::Delete(false) => "del:no".into(),
        }
    }

    fn parse(data: &str) -> Option<OnboardingCallback> {
        match data {
            "ok" => Some(OnboardingCallback::Consent),
            "del:yes" => Some(OnboardingCallback::Delete(true)),
            "del:no" => Some(OnboardingCallback::Delete(false)),
            _ => data
                .strip_prefix("lang:")
                .and_then(Lang::from_code)
                .map(OnboardingCallback::Lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bot::core::callback::{head, MAX_BYTES};

    #[test]
    fn every_callback_round_trips_within_telegrams_64_bytes() {
        let all = [
            OnboardingCallback::Consent,
            OnboardingCallback::Lang(Lang::Zh),
            OnboardingCallback::Lang(Lang::En),
            OnboardingCallback::Delete(true),
            OnboardingCallback::Delete(false),
        ];
        for cb in all {
            let data = cb.encode();
            assert!((1..=MAX_BYTES).contains(&data.len()), "{data}");
            assert!(HEADS.contains(&head(&data)), "{data}");
            assert_eq!(OnboardingCallback::parse(&data), Some(cb));
        }
    }

    #[test]
    fn forged_data_does_not_parse() {
        for forged in [
            "",
            "lang:fr",
            "del:maybe",
            "ok ",
            "OK",
            "lang:",
            &"x".repeat(64),
        ] {
            assert_eq!(OnboardingCallback::parse(forged), None, "{forged:?}");
        }
    }
}
