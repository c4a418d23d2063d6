//! Signed check-in codes: what the QR code shown at a session holds, so that attendance is
//! paid for being there on the day and not for a photo of a poster.
//!
//! A code names one session and carries an HMAC-SHA256 of it under the district's key
//! ([`CheckInKey`]), cut to [`TAG_BYTES`] (120 bits: not guessable) and written in base64url:
//! `HAIRCUT-20261205-<20 characters>`, which with the `cs-` prefix fits a deep link (at most
//! 64 of `A-Z a-z 0-9 _ -`). [`CheckInCode::parse`] reads the shape only; a session is
//! trusted only as a [`Verified`], which [`CheckInKey::verify`] alone makes, comparing in
//! constant time. When the code is valid (the session's check-in window) is the domain's
//! rule, not the code's.

use std::fmt;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;

use super::SessionCode;

type HmacSha256 = Hmac<Sha256>;

/// Bytes of the HMAC a code keeps: 120 bits.
pub const TAG_BYTES: usize = 15;
/// The tag in base64url: 15 bytes are exactly 20 characters, with no padding or spare bits.
const TAG_CHARS: usize = 20;
/// Bytes of a key the bot makes for itself.
const GENERATED_KEY_BYTES: usize = 32;
/// What is signed before the session's code, so the key signs nothing else by accident.
const DOMAIN: &[u8] = b"rider-bot check-in v1\n";

/// The key check-in codes are signed with. Its `Debug` never shows it.
#[derive(Clone)]
pub struct CheckInKey {
    mac: HmacSha256,
}

impl CheckInKey {
    /// A key from secret bytes (`CHECKIN_SECRET`, or what [`CheckInKey::generate`] made);
    /// `None` when empty.
    pub fn new(secret: &[u8]) -> Option<CheckInKey> {
        if secret.is_empty() {
            return None;
        }
        let mac = <HmacSha256 as Mac>::new_from_slice(secret).ok()?;
        Some(CheckInKey { mac })
    }

    /// A fresh random key, as hex text to keep (read back with [`CheckInKey::from_hex`]).
    pub fn generate() -> String {
        let mut bytes = [0u8; GENERATED_KEY_BYTES];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    /// A key kept as hex text; `None` when the text is not whole hex bytes.
    pub fn from_hex(text: &str) -> Option<CheckInKey> {
        let text = text.trim();
        if text.len() % 2 != 0 || !text.is_ascii() {
            return None;
        }
        let bytes = (0..text.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
            .collect::<Option<Vec<u8>>>()?;
        CheckInKey::new(&bytes)
    }

    fn mac_of(&self, session: &SessionCode) -> HmacSha256 {
        let mut mac = self.mac.clone();
        mac.update(DOMAIN);
        mac.update(session.to_string().as_bytes());
        mac
    }

    /// The code for `session`.
    pub fn sign(&self, session: &SessionCode) -> CheckInCode {
        let full = self.mac_of(session).finalize().into_bytes();
        let mut tag = [0u8; TAG_BYTES];
        tag.copy_from_slice(&full[..TAG_BYTES]);
        CheckInCode {
            session: session.clone(),
            tag,
        }
    }

    /// The session `code` names, if this key signed it (compared in constant time).
    pub fn verify(&self, code: &CheckInCode) -> Result<Verified, Forged> {
        self.mac_of(&code.session)
            .verify_truncated_left(&code.tag)
            .map(|()| Verified(code.session.clone()))
            .map_err(|_| Forged)
    }
}

impl fmt::Debug for CheckInKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CheckInKey(***)")
    }
}

/// A code in the shape of a check-in code: a session's code and a tag, not yet verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckInCode {
    session: SessionCode,
    tag: [u8; TAG_BYTES],
}

impl CheckInCode {
    /// `PLAN-YYYYMMDD-<20 base64url characters>`, exactly as [`fmt::Display`] writes it (an
    /// upper-case plan; nothing before or after).
    pub fn parse(raw: &str) -> Option<CheckInCode> {
        if !raw.is_ascii() || raw.len() < TAG_CHARS + 2 {
            return None;
        }
        let (head, tag) = raw.split_at(raw.len() - TAG_CHARS);
        let session_text = head.strip_suffix('-')?;
        let session = SessionCode::parse(session_text)?;
        if session.to_string() != session_text {
            return None;
        }
        let bytes = URL_SAFE_NO_PAD.decode(tag).ok()?;
        let tag: [u8; TAG_BYTES] = bytes.try_into().ok()?;
        Some(CheckInCode { session, tag })
    }

    /// The session the code claims to be for (trust it only once verified).
    pub fn session(&self) -> &SessionCode {
        &self.session
    }
}

impl fmt::Display for CheckInCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.session, URL_SAFE_NO_PAD.encode(self.tag))
    }
}

/// A session whose code was signed with the district's key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified(SessionCode);

impl Verified {
    pub fn session(&self) -> &SessionCode {
        &self.0
    }
}

/// The code was not signed with this key (forged, mangled, or for another district).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the check-in code is not valid")]
pub struct Forged;

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> CheckInKey {
        CheckInKey::new(b"a test key that is long enough").unwrap()
    }

    fn session(raw: &str) -> SessionCode {
        SessionCode::parse(raw).unwrap()
    }

    #[test]
    fn a_signed_code_verifies_and_reads_back_from_its_text() {
        let sat = session("HAIRCUT-20261205");
        let code = key().sign(&sat);
        let text = code.to_string();
        assert!(text.starts_with("HAIRCUT-20261205-"), "{text}");
        assert_eq!(text.len(), "HAIRCUT-20261205-".len() + TAG_CHARS);
        let parsed = CheckInCode::parse(&text).unwrap();
        assert_eq!(parsed, code);
        assert_eq!(key().verify(&parsed).unwrap().session(), &sat);
        // The same key signs the same session the same way (a reprinted QR still works).
        assert_eq!(key().sign(&sat), code);
    }

    #[test]
    fn the_longest_code_fits_a_deep_link() {
        let longest = session(&format!("{}-20261205", "A".repeat(24)));
        let link = format!("cs-{}", key().sign(&longest));
        assert!(link.len() <= 64, "{link}");
        assert!(
            link.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'),
            "{link}"
        );
    }

    #[test]
    fn tampered_codes_and_other_sessions_are_refused() {
        let code = key().sign(&session("HAIRCUT-20261205")).to_string();
        // Every single-character change of the tag is refused.
        let tag_at = code.len() - TAG_CHARS;
        for i in tag_at..code.len() {
            let mut bytes = code.clone().into_bytes();
            bytes[i] = if bytes[i] == b'A' { b'B' } else { b'A' };
            let changed = String::from_utf8(bytes).unwrap();
            let parsed = CheckInCode::parse(&changed).unwrap();
            assert_eq!(key().verify(&parsed), Err(Forged), "{changed}");
        }
        // Yesterday's tag on today's session, another plan's tag on this one.
        let tag = &code[tag_at..];
        for other in ["HAIRCUT-20261204", "HAIRCUT-20261206", "MASSAGE-20261205"] {
            let forged = CheckInCode::parse(&format!("{other}-{tag}")).unwrap();
            assert_eq!(key().verify(&forged), Err(Forged), "{other}");
        }
    }

    #[test]
    fn a_code_signed_with_another_key_is_refused() {
        let sat = session("HAIRCUT-20261205");
        let other = CheckInKey::new(b"another district's key, also long").unwrap();
        let code = other.sign(&sat);
        assert_eq!(key().verify(&code), Err(Forged));
        let generated = CheckInKey::from_hex(&CheckInKey::generate()).unwrap();
        assert_eq!(generated.verify(&key().sign(&sat)), Err(Forged));
        assert_ne!(CheckInKey::generate(), CheckInKey::generate());
    }

    #[test]
    fn only_the_exact_shape_parses() {
        let good = key().sign(&session("CUT-20261205")).to_string();
        let tag = &good[good.len() - TAG_CHARS..];
        for bad in [
            String::new(),
            "CUT-20261205".to_owned(),
            format!("CUT-20261205{tag}"),
            format!("cut-20261205-{tag}"),
            format!("CUT-20261205-{}", &tag[1..]),
            format!("CUT-20261205-{tag}A"),
            format!("CUT-2026125-{tag}"),
            format!(" CUT-20261205-{tag}"),
            format!("CUT-20261205-{}é", &tag[2..]),
            format!("CUT-20261205-{}+/", &tag[2..]),
        ] {
            assert_eq!(CheckInCode::parse(&bad), None, "{bad}");
        }
        assert!(CheckInCode::parse(&good).is_some());
    }

    #[test]
    fn keys_are_never_printed_and_stored_keys_read_back() {
        assert_eq!(format!("{:?}", key()), "CheckInKey(***)");
        assert!(CheckInKey::new(b"").is_none());
        assert!(CheckInKey::from_hex("abc").is_none());
        assert!(CheckInKey::from_hex("zz").is_none());
        assert!(CheckInKey::from_hex("").is_none());
        let hex = CheckInKey::generate();
        assert_eq!(hex.len(), 64);
        let a = CheckInKey::from_hex(&hex).unwrap();
        let b = CheckInKey::from_hex(&hex).unwrap();
        let sat = session("CUT-20261205");
        assert_eq!(a.sign(&sat), b.sign(&sat));
    }
}
