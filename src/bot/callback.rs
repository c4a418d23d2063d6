//! Inline-button callback data. It comes back from Telegram as an untrusted string of up to 64
//! bytes: anyone can send any data with a forged button, so it is parsed into this closed enum
//! and everything that does not parse is answered as an expired button.

use crate::i18n::Lang;
use crate::stations::telegram::StationCallback;

#[derive(Debug, Clone, PartialEq)]
pub enum Callback {
    /// Accept the privacy notice.
    Consent,
    /// Switch the language (on the privacy notice or from /language).
    Lang(Lang),
    /// Confirm (`true`) or refuse /deletemydata.
    Delete(bool),
    /// A button under a nearest-stations answer (`st:` data, see `stations::telegram`).
    Station(StationCallback),
    /// A passbook button (`pt:` data, see `points::telegram`).
    Points(crate::points::telegram::PointsCallback),
    /// A report button (`rp:` data, see `reports::telegram` and `reports::telegram::triage`).
    Report(crate::reports::telegram::ReportCallback),
    /// A free-services button (`sv:` data, see `services::telegram`).
    Services(crate::services::telegram::ServicesCallback),
}

impl Callback {
    pub fn encode(&self) -> String {
        match self {
            Callback::Consent => "ok".into(),
            Callback::Lang(lang) => format!("lang:{}", lang.code()),
            Callback::Delete(true) => "del:yes".into(),
            Callback::Delete(false) => "del:no".into(),
            Callback::Station(cb) => cb.encode(),
            Callback::Points(cb) => cb.encode(),
            Callback::Report(cb) => cb.encode(),
            Callback::Services(cb) => cb.encode(),
        }
    }

    pub fn parse(data: &str) -> Option<Callback> {
        match data {
            "ok" => Some(Callback::Consent),
            "del:yes" => Some(Callback::Delete(true)),
            "del:no" => Some(Callback::Delete(false)),
            _ if data.starts_with("st:") => crate::stations::telegram::parse_callback(data),
            _ if data.starts_with("pt:") => crate::points::telegram::parse_callback(data),
            _ if data.starts_with("rp:") => crate::reports::telegram::parse_callback(data),
            _ if data.starts_with("sv:") => crate::services::telegram::parse_callback(data),
            _ => data
                .strip_prefix("lang:")
                .and_then(Lang::from_code)
                .map(Callback::Lang),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_callback_round_trips_within_telegrams_64_bytes() {
        let all = [
            Callback::Consent,
            Callback::Lang(Lang::Zh),
            Callback::Lang(Lang::En),
            Callback::Delete(true),
            Callback::Delete(false),
        ];
        for cb in all {
            let data = cb.encode();
            assert!((1..=64).contains(&data.len()), "{data}");
            assert_eq!(Callback::parse(&data), Some(cb.clone()));
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
            assert_eq!(Callback::parse(forged), None, "{forged:?}");
        }
    }
}
