//! `/start` deep links (`https://t.me/<bot>?start=<payload>`): a poster's QR code opens a
//! station (`st-`) or the service session checking in there (`ci-`); a session's signed
//! check-in code (`cs-`) and a redemption (`rd-`) are QR codes too. Each prefix belongs to
//! the capability that registered it, which also says whether the rest is one of its codes;
//! a well-formed payload that none claims is answered politely.

use super::state::State;
use crate::bot::core::registry::DeepLink;

/// Telegram's rule for `start` payloads: 1–64 characters of A–Z, a–z, 0–9, `_` and `-`.
pub fn well_formed(payload: &str) -> bool {
    (1..=64).contains(&payload.len())
        && payload
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// A payload a capability claims: its link, and the payload in its one written form.
pub struct Claimed<'a> {
    pub link: &'a DeepLink<State>,
    /// The rest after the prefix, as the capability writes it (`LF-01` for `lf-01`).
    pub rest: String,
}

impl Claimed<'_> {
    /// The whole payload in its one written form (`st-LF-01`).
    pub fn payload(&self) -> String {
        format!("{}{}", self.link.prefix, self.rest)
    }
}

/// The link among `links` that claims `payload`, if any.
pub fn claim<'a>(links: &'a [DeepLink<State>], payload: &str) -> Option<Claimed<'a>> {
    let payload = payload.trim();
    if !well_formed(payload) {
        return None;
    }
    links.iter().find_map(|link| {
        let rest = payload.strip_prefix(link.prefix)?;
        Some(Claimed {
            link,
            rest: (link.parse)(rest)?,
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn links() -> Vec<DeepLink<State>> {
        let config = crate::config::Config::from_lookup(|_| None).unwrap();
        crate::bot::router::wire(&config).router.links
    }

    #[test]
    fn deep_links_are_claimed_by_the_capability_of_their_prefix() {
        let links = links();
        let station = claim(&links, "st-lf-01").unwrap();
        assert_eq!(station.link.prefix, "st-");
        assert_eq!(station.payload(), "st-LF-01");
        let redemption = claim(&links, "rd-ABCD2345").unwrap();
        assert_eq!(redemption.rest, "ABCD2345");
        assert_eq!(claim(&links, "ci-haircut").unwrap().rest, "HAIRCUT");
        // A check-in code is services' whatever follows: a mangled one is told it is not valid.
        assert_eq!(claim(&links, "cs-CUT-2026").unwrap().link.prefix, "cs-");
        // A prefix with a code that does not parse stays unclaimed, answered politely.
        assert!(claim(&links, "rd-0000").is_none());
        assert!(claim(&links, "zz-anything").is_none());
    }

    #[test]
    fn deep_link_payloads_follow_telegrams_rules() {
        let links = links();
        assert_eq!(
            claim(&links, "st-LF01").map(|c| c.payload()),
            Some("st-LF01".into())
        );
        assert!(!well_formed(""));
        assert!(!well_formed("has space"));
        assert!(!well_formed(&"a".repeat(65)));
        assert!(!well_formed("<script>"));
        assert!(well_formed(&"a".repeat(64)));
        assert!(claim(&links, "").is_none());
        assert!(claim(&links, "has space").is_none());
    }
}
