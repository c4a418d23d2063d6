//! The one shape of the short codes people type and buttons carry: station, plan, reward,
//! category and department codes are 1–24 characters of A–Z, a–z, 0–9, `-` and `_`, folded to
//! one case, so they fit in callback data and `/start` deep links and compare as people expect.

/// The case a code is folded to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Case {
    Upper,
    Lower,
}

/// The longest code.
pub const MAX_LEN: usize = 24;

/// `raw` trimmed and folded, when it is a well-formed code.
pub fn fold(raw: &str, case: Case) -> Option<String> {
    let raw = raw.trim();
    let ok = (1..=MAX_LEN).contains(&raw.len())
        && raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then(|| match case {
        Case::Upper => raw.to_ascii_uppercase(),
        Case::Lower => raw.to_ascii_lowercase(),
    })
}

/// Declares a code newtype: `parse`, `as_str`, `Display`, and serde through its string.
#[macro_export]
macro_rules! code_type {
    ($(#[$doc:meta])* $name:ident, $case:ident) => {
        $(#[$doc])*
        #[derive(
            Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord,
            ::serde::Serialize, ::serde::Deserialize,
        )]
        #[serde(try_from = "String", into = "String")]
        pub struct $name(String);

        impl $name {
            pub const MAX_LEN: usize = $crate::code::MAX_LEN;

            pub fn parse(raw: &str) -> Option<$name> {
                $crate::code::fold(raw, $crate::code::Case::$case).map($name)
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl TryFrom<String> for $name {
            type Error = String;
            fn try_from(raw: String) -> Result<$name, String> {
                $name::parse(&raw).ok_or(raw)
            }
        }

        impl From<$name> for String {
            fn from(c: $name) -> String {
                c.0
            }
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    code_type!(
        /// A code for the test.
        Sample,
        Upper
    );

    #[test]
    fn codes_are_trimmed_folded_and_bounded() {
        assert_eq!(fold(" lf-01 ", Case::Upper).as_deref(), Some("LF-01"));
        assert_eq!(fold("Garbage_2", Case::Lower).as_deref(), Some("garbage_2"));
        for bad in ["", "a b", "é", "x;y", &"x".repeat(25)] {
            assert_eq!(fold(bad, Case::Upper), None, "{bad:?}");
        }
        assert!(fold(&"x".repeat(24), Case::Upper).is_some());
    }

    #[test]
    fn a_code_type_round_trips_through_its_string() {
        let code = Sample::parse("ab-1").unwrap();
        assert_eq!(code.as_str(), "AB-1");
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, "\"AB-1\"");
        assert_eq!(serde_json::from_str::<Sample>(&json).unwrap(), code);
        assert!(serde_json::from_str::<Sample>("\"a b\"").is_err());
    }
}
