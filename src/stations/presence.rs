//! "I'm here": proof that a rider's shared location was near a station, carried by the button
//! the location's answer shows, so the location itself is never stored.
//!
//! When a shared location is within the presence distance of a station, the answer offers
//! "I'm here" with a [`Presence`]: the station, the minute the location was seen, whether it
//! was a live location, and an HMAC-SHA256 of them and the rider's id under a key the bot
//! keeps (the `secrets` table,
//! made at first use), cut to 72 bits. Only the bot can make one, only for that rider, and it
//! counts for [`VALID_MINUTES`] after the location was shared. The tag is compared in constant
//! time. It fits Telegram's 64 bytes of callback data with the longest station code.

use crate::db::Pool;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use tokio::sync::OnceCell;

use super::StationCode;
use crate::users::UserId;

type HmacSha256 = Hmac<Sha256>;

/// How long after the location was shared "I'm here" still counts.
pub const VALID_MINUTES: i64 = 30;
/// Bytes of the HMAC a button keeps: 72 bits, 12 characters of base64url.
const TAG_BYTES: usize = 9;
const TAG_CHARS: usize = 12;
/// What is signed first, so the key signs nothing else by accident.
const DOMAIN: &[u8] = b"rider-bot presence v1\n";
const SECRET_NAME: &str = "presence";

/// A signed claim: `rider` was near `station` at `minute` (minutes since 1970, UTC), shown by
/// a live location (`live`: Telegram updates it as the rider moves, and it cannot be dropped
/// anywhere on the map as a one-off pin can) or by a one-off one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Presence {
    pub station: StationCode,
    pub minute: i64,
    pub live: bool,
    tag: String,
}

/// Why a press does not count.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refused {
    /// Not made by this bot for this rider.
    Forged,
    /// The location is older than [`VALID_MINUTES`].
    Stale,
}

impl Presence {
    /// The shape only (`CODE:MINUTE:L|P:TAG`); trust comes from [`PresenceKey::check`].
    pub fn parse(station: &str, minute: &str, how: &str, tag: &str) -> Option<Presence> {
        let minute: i64 = minute.parse().ok().filter(|m| *m > 0)?;
        let live = match how {
            "L" => true,
            "P" => false,
            _ => return None,
        };
        let well_formed = tag.len() == TAG_CHARS
            && tag
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !well_formed {
            return None;
        }
        Some(Presence {
            station: StationCode::parse(station)?,
            minute,
            live,
            tag: tag.to_owned(),
        })
    }

    pub fn tag(&self) -> &str {
        &self.tag
    }

    /// `L` for a live location, `P` for a one-off pin.
    pub fn how(&self) -> &'static str {
        if self.live {
            "L"
        } else {
            "P"
        }
    }
}

/// The key presence is signed with, read (or made) once.
#[derive(Default)]
pub struct PresenceKey {
    mac: OnceCell<HmacSha256>,
}

impl PresenceKey {
    async fn mac(&self, pool: &Pool, now: DateTime<Utc>) -> sqlx::Result<&HmacSha256> {
        self.mac
            .get_or_try_init(|| async {
                let hex = crate::secrets::get_or_create(pool, SECRET_NAME, fresh, now).await?;
                let bytes = decode_hex(&hex).unwrap_or_else(|| hex.into_bytes());
                Ok(<HmacSha256 as Mac>::new_from_slice(&bytes).expect("HMAC takes any key"))
            })
            .await
    }

    /// `rider` is near `station` now, by a live location or not.
    pub async fn sign(
        &self,
        pool: &Pool,
        rider: UserId,
        (station, live): (&StationCode, bool),
        now: DateTime<Utc>,
    ) -> sqlx::Result<Presence> {
        let minute = now.timestamp().div_euclid(60);
        let mac = self.mac(pool, now).await?;
        let mut p = Presence {
            station: station.clone(),
            minute,
            live,
            tag: String::new(),
        };
        p.tag = URL_SAFE_NO_PAD.encode(&tag(mac, rider, &p)[..TAG_BYTES]);
        Ok(p)
    }

    /// Whether `p` was made for `rider` and still counts at `now`.
    pub async fn check(
        &self,
        pool: &Pool,
        rider: UserId,
        p: &Presence,
        now: DateTime<Utc>,
    ) -> sqlx::Result<Result<(), Refused>> {
        let mac = self.mac(pool, now).await?;
        let Ok(given) = URL_SAFE_NO_PAD.decode(&p.tag) else {
            return Ok(Err(Refused::Forged));
        };
        let mut check = mac.clone();
        check.update(&message(rider, p));
        if check.verify_truncated_left(&given).is_err() || given.len() != TAG_BYTES {
            return Ok(Err(Refused::Forged));
        }
        let age = now.timestamp().div_euclid(60) - p.minute;
        Ok(if (-1..=VALID_MINUTES).contains(&age) {
            Ok(())
        } else {
            Err(Refused::Stale)
        })
    }
}

fn message(rider: UserId, p: &Presence) -> Vec<u8> {
    let mut m = DOMAIN.to_vec();
    let line = format!("{}\n{}\n{}\n{}", rider.0, p.station, p.minute, p.how());
    m.extend_from_slice(line.as_bytes());
    m
}

fn tag(mac: &HmacSha256, rider: UserId, p: &Presence) -> Vec<u8> {
    let mut mac = mac.clone();
    mac.update(&message(rider, p));
    mac.finalize().into_bytes().to_vec()
}

fn fresh() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let text = text.trim();
    if text.len() % 2 != 0 || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    async fn pool() -> (crate::db::testing::Scratch, Pool) {
        let (dir, pool) = crate::db::testing::scratch().await;
        (dir, pool)
    }

    #[tokio::test]
    async fn presence_counts_for_its_rider_and_station_for_half_an_hour() {
        let (_dir, pool) = pool().await;
        let key = PresenceKey::default();
        let now = Utc.with_ymd_and_hms(2026, 12, 4, 4, 0, 0).unwrap();
        let station = StationCode::parse("LF-S01").unwrap();
        let p = key
            .sign(&pool, UserId(7), (&station, true), now)
            .await
            .unwrap();
        let reparsed = Presence::parse("LF-S01", &p.minute.to_string(), "L", p.tag()).unwrap();
        assert_eq!(reparsed, p);
        let check = |rider, p: Presence, at| {
            let key = &key;
            let pool = &pool;
            async move { key.check(pool, UserId(rider), &p, at).await.unwrap() }
        };
        assert_eq!(check(7, p.clone(), now).await, Ok(()));
        assert_eq!(
            check(7, p.clone(), now + Duration::minutes(30)).await,
            Ok(())
        );
        assert_eq!(
            check(7, p.clone(), now + Duration::minutes(31)).await,
            Err(Refused::Stale)
        );
        // Another rider, another station or another minute: forged.
        assert_eq!(check(8, p.clone(), now).await, Err(Refused::Forged));
        let moved = Presence::parse("LF-C01", &p.minute.to_string(), "L", p.tag()).unwrap();
        assert_eq!(check(7, moved, now).await, Err(Refused::Forged));
        // A pin's presence passed off as a live location's: forged.
        let pin = Presence::parse("LF-S01", &p.minute.to_string(), "P", p.tag()).unwrap();
        assert_eq!(check(7, pin, now).await, Err(Refused::Forged));
        let later = Presence::parse("LF-S01", &(p.minute + 5).to_string(), "L", p.tag()).unwrap();
        assert_eq!(
            check(7, later, now + Duration::minutes(5)).await,
            Err(Refused::Forged)
        );
        // The same key after a restart (read back from the database).
        let again = PresenceKey::default();
        assert_eq!(
            again.check(&pool, UserId(7), &p, now).await.unwrap(),
            Ok(())
        );
    }

    #[test]
    fn malformed_presence_is_not_parsed() {
        assert!(Presence::parse("LF-S01", "0", "L", "AAAAAAAAAAAA").is_none());
        assert!(Presence::parse("LF-S01", "12", "L", "short").is_none());
        assert!(Presence::parse("LF-S01", "12", "L", "AAAAAAAAAAA=").is_none());
        assert!(Presence::parse("a b", "12", "L", "AAAAAAAAAAAA").is_none());
        assert!(Presence::parse("LF-S01", "x", "L", "AAAAAAAAAAAA").is_none());
        assert!(Presence::parse("LF-S01", "12", "X", "AAAAAAAAAAAA").is_none());
    }
}
