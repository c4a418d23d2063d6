//! What a registration is made of, parsed once from raw input: a rider's name, their delivery
//! platform or courier company and their phone number.
//! Each type can only hold a valid value, so the dialogue state and the store never see junk.

use serde::{Deserialize, Serialize};

/// The privacy notice's version; bump it when the notice changes so consent can be asked again.
pub const PRIVACY_VERSION: i64 = 1;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InputError {
    #[error("empty")]
    Empty,
    #[error("too long")]
    TooLong,
    #[error("has characters that cannot be part of it")]
    BadCharacters,
    #[error("not a phone number")]
    NotAPhone,
}

/// A rider's name as they want coordinators to see it: 1 to 64 characters, inner whitespace
/// folded, no control characters, not a command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct RiderName(String);

impl RiderName {
    pub const MAX_CHARS: usize = 64;

    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let folded = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.is_empty() {
            return Err(InputError::Empty);
        }
        if folded.chars().count() > Self::MAX_CHARS {
            return Err(InputError::TooLong);
        }
        if folded.starts_with('/') || folded.chars().any(|c| c.is_control()) {
            return Err(InputError::BadCharacters);
        }
        Ok(Self(folded))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for RiderName {
    type Error = InputError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        Self::parse(&s)
    }
}

impl From<RiderName> for String {
    fn from(n: RiderName) -> String {
        n.0
    }
}

/// A delivery platform or courier company: one of the district's big ones, or another named by
/// the rider (1 to 40 characters).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Platform {
    Eleme,
    Meituan,
    Sf,
    Zto,
    Yto,
    Yunda,
    Jd,
    Other(String),
}

impl Platform {
    /// The platforms offered as buttons, in the order shown.
    pub const KNOWN: [Platform; 7] = [
        Platform::Eleme,
        Platform::Meituan,
        Platform::Sf,
        Platform::Zto,
        Platform::Yto,
        Platform::Yunda,
        Platform::Jd,
    ];
    pub const MAX_OTHER_CHARS: usize = 40;

    /// The short code used in callback data and the database.
    pub fn code(&self) -> &str {
        match self {
            Platform::Eleme => "eleme",
            Platform::Meituan => "meituan",
            Platform::Sf => "sf",
            Platform::Zto => "zto",
            Platform::Yto => "yto",
            Platform::Yunda => "yunda",
            Platform::Jd => "jd",
            Platform::Other(name) => name,
        }
    }

    /// The translation key of a known platform's name.
    pub fn label_key(&self) -> Option<&'static str> {
        Some(match self {
            Platform::Eleme => "platform-eleme",
            Platform::Meituan => "platform-meituan",
            Platform::Sf => "platform-sf",
            Platform::Zto => "platform-zto",
            Platform::Yto => "platform-yto",
            Platform::Yunda => "platform-yunda",
            Platform::Jd => "platform-jd",
            Platform::Other(_) => return None,
        })
    }

    pub fn from_code(code: &str) -> Option<Platform> {
        Self::KNOWN.into_iter().find(|p| p.code() == code)
    }

    /// A platform typed by the rider: a known one by any of its usual names, otherwise "other".
    pub fn from_text(raw: &str) -> Result<Platform, InputError> {
        let folded = raw.split_whitespace().collect::<Vec<_>>().join(" ");
        if folded.is_empty() {
            return Err(InputError::Empty);
        }
        let lower = folded.to_lowercase();
        let known = match lower.as_str() {
            "饿了么" | "eleme" | "ele.me" | "饿了吗" => Some(Platform::Eleme),
            "美团" | "美团外卖" | "meituan" => Some(Platform::Meituan),
            "顺丰" | "顺丰速运" | "sf" | "sf express" => Some(Platform::Sf),
            "中通" | "中通快递" | "zto" => Some(Platform::Zto),
            "圆通" | "圆通速递" | "yto" => Some(Platform::Yto),
            "韵达" | "韵达快递" | "yunda" => Some(Platform::Yunda),
            "京东" | "京东物流" | "jd" | "jd logistics" => Some(Platform::Jd),
            _ => None,
        };
        if let Some(p) = known {
            return Ok(p);
        }
        if folded.chars().count() > Self::MAX_OTHER_CHARS {
            return Err(InputError::TooLong);
        }
        if folded.starts_with('/') || folded.chars().any(|c| c.is_control()) {
            return Err(InputError::BadCharacters);
        }
        Ok(Platform::Other(folded))
    }
}

impl TryFrom<String> for Platform {
    type Error = InputError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        match Platform::from_code(&s) {
            Some(p) => Ok(p),
            None => Platform::from_text(&s),
        }
    }
}

impl From<Platform> for String {
    fn from(p: Platform) -> String {
        p.code().to_owned()
    }
}

/// A phone number as shared through Telegram's contact button, kept as `+` and 6 to 15 digits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Phone(String);

impl Phone {
    pub fn parse(raw: &str) -> Result<Self, InputError> {
        let trimmed = raw.trim();
        let body = trimmed.strip_prefix('+').unwrap_or(trimmed);
        let mut digits = String::with_capacity(body.len());
        for c in body.chars() {
            match c {
                '0'..='9' => digits.push(c),
                ' ' | '-' | '(' | ')' => {}
                _ => return Err(InputError::NotAPhone),
            }
        }
        if !(6..=15).contains(&digits.len()) {
            return Err(InputError::NotAPhone);
        }
        Ok(Self(format!("+{digits}")))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_is_trimmed_and_folded() {
        assert_eq!(RiderName::parse("  张   三 ").unwrap().as_str(), "张 三");
    }

    #[test]
    fn an_empty_long_or_command_name_is_rejected() {
        assert_eq!(RiderName::parse("   "), Err(InputError::Empty));
        assert_eq!(RiderName::parse(&"字".repeat(65)), Err(InputError::TooLong));
        assert!(RiderName::parse(&"字".repeat(64)).is_ok());
        assert_eq!(RiderName::parse("/start"), Err(InputError::BadCharacters));
        assert_eq!(
            RiderName::parse("a\u{0007}b"),
            Err(InputError::BadCharacters)
        );
        assert_eq!(
            RiderName::parse(&"x".repeat(5000)),
            Err(InputError::TooLong)
        );
    }

    #[test]
    fn known_platforms_are_recognised_by_any_usual_name() {
        assert_eq!(Platform::from_text("美团外卖"), Ok(Platform::Meituan));
        assert_eq!(Platform::from_text(" Ele.me "), Ok(Platform::Eleme));
        assert_eq!(Platform::from_text("SF Express"), Ok(Platform::Sf));
        assert_eq!(
            Platform::from_text("闪送"),
            Ok(Platform::Other("闪送".into()))
        );
        assert_eq!(
            Platform::from_text(&"x".repeat(41)),
            Err(InputError::TooLong)
        );
    }

    #[test]
    fn a_platform_round_trips_through_its_code() {
        for p in Platform::KNOWN {
            assert_eq!(Platform::try_from(String::from(p.clone())), Ok(p));
        }
        let other = Platform::Other("闪送".into());
        assert_eq!(Platform::try_from(String::from(other.clone())), Ok(other));
    }

    #[test]
    fn phones_are_normalised() {
        assert_eq!(
            Phone::parse("8613812345678").unwrap().as_str(),
            "+8613812345678"
        );
        assert_eq!(
            Phone::parse("+86 138-1234-5678").unwrap().as_str(),
            "+8613812345678"
        );
        assert_eq!(Phone::parse("12345"), Err(InputError::NotAPhone));
        assert_eq!(Phone::parse("+86abc"), Err(InputError::NotAPhone));
        assert_eq!(Phone::parse(&"1".repeat(16)), Err(InputError::NotAPhone));
    }

    #[test]
    fn stored_names_that_no_longer_parse_fail_to_deserialise() {
        let bad: Result<RiderName, _> = serde_json::from_str("\"\"");
        assert!(bad.is_err());
        let good: RiderName = serde_json::from_str("\"李四\"").unwrap();
        assert_eq!(good.as_str(), "李四");
    }
}
