//! The points passbook (爱"新"存折): an append-only ledger riders earn into (accepted reports,
//! attended sessions) and spend from (rewards), with coordinator adjustments.
//!
//! - [`domain`]: the rules: award, adjust, redeem, confirm, expire; balances never below zero.
//! - [`store`]: the SQL, including the one function that posts a ledger entry.
//! - [`csv`]: the rewards file.
//! - [`qr`]: redemption codes as QR images.
//! - [`writer`]: awards with group commit, for callers that award outside a transaction of
//!   their own.
//! - [`telegram`]: `/points`, history, rewards, `/redeem`, `/adjust`, `/passbook`,
//!   `/leaderboard`.

pub mod csv;
pub mod domain;
pub mod notices;
pub mod personal;
pub mod qr;
pub mod store;
pub mod telegram;
pub mod writer;

use std::fmt;

use chrono::{DateTime, Utc};

use crate::i18n::Lang;
use crate::users::UserId;

/// Why an entry was written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum EntryKind {
    ReportAccepted,
    Attendance,
    Visit,
    RedemptionHold,
    RedemptionRefund,
    Adjustment,
    Expiry,
}

impl EntryKind {
    pub const ALL: [EntryKind; 7] = [
        EntryKind::ReportAccepted,
        EntryKind::Attendance,
        EntryKind::Visit,
        EntryKind::RedemptionHold,
        EntryKind::RedemptionRefund,
        EntryKind::Adjustment,
        EntryKind::Expiry,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EntryKind::ReportAccepted => "report_accepted",
            EntryKind::Attendance => "attendance",
            EntryKind::Visit => "visit",
            EntryKind::RedemptionHold => "redemption_hold",
            EntryKind::RedemptionRefund => "redemption_refund",
            EntryKind::Adjustment => "adjustment",
            EntryKind::Expiry => "expiry",
        }
    }

    pub fn parse(raw: &str) -> Option<EntryKind> {
        EntryKind::ALL.into_iter().find(|k| k.as_str() == raw)
    }

    /// Kinds that count as "earned" for the leaderboard.
    pub fn is_earning(self) -> bool {
        matches!(
            self,
            EntryKind::ReportAccepted | EntryKind::Attendance | EntryKind::Visit
        )
    }
}

/// One ledger entry as read back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub id: i64,
    pub rider: UserId,
    pub amount: i64,
    pub kind: EntryKind,
    pub source_ref: Option<String>,
    pub actor: Option<UserId>,
    pub reason: Option<String>,
    pub key: String,
    pub at: DateTime<Utc>,
}

/// A redemption code: 8 characters from an alphabet without look-alikes (no 0/O, 1/I/L), so it
/// can be read out or typed from a screen without mistakes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RedemptionCode(String);

impl RedemptionCode {
    pub const ALPHABET: &'static [u8] = b"ABCDEFGHJKMNPQRSTUVWXYZ23456789";
    pub const LEN: usize = 8;

    pub fn random() -> RedemptionCode {
        use rand::Rng;
        let mut rng = rand::thread_rng();
        let code = (0..Self::LEN)
            .map(|_| Self::ALPHABET[rng.gen_range(0..Self::ALPHABET.len())] as char)
            .collect();
        RedemptionCode(code)
    }

    /// Accepts what a person types: case and spaces or dashes do not matter.
    pub fn parse(raw: &str) -> Option<RedemptionCode> {
        let code: String = raw
            .chars()
            .filter(|c| !matches!(c, ' ' | '-'))
            .map(|c| c.to_ascii_uppercase())
            .collect();
        let ok = code.len() == Self::LEN && code.bytes().all(|b| Self::ALPHABET.contains(&b));
        ok.then_some(RedemptionCode(code))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RedemptionCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

crate::code_type!(
    /// A reward's code in the catalogue: 1–24 of A–Z, 0–9, `-`, `_` (upper-cased).
    RewardCode,
    Upper
);

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reward {
    pub code: RewardCode,
    pub name_zh: String,
    pub name_en: Option<String>,
    pub cost: i64,
    pub stock: i64,
    pub active: bool,
}

impl Reward {
    pub fn name(&self, lang: Lang) -> &str {
        crate::i18n::pick(lang, &self.name_zh, self.name_en.as_deref())
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RedemptionStatus {
    Open,
    Confirmed,
    Expired,
}

impl RedemptionStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RedemptionStatus::Open => "open",
            RedemptionStatus::Confirmed => "confirmed",
            RedemptionStatus::Expired => "expired",
        }
    }

    pub fn parse(raw: &str) -> Option<RedemptionStatus> {
        match raw {
            "open" => Some(RedemptionStatus::Open),
            "confirmed" => Some(RedemptionStatus::Confirmed),
            "expired" => Some(RedemptionStatus::Expired),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redemption {
    pub code: RedemptionCode,
    pub rider: UserId,
    pub reward: RewardCode,
    pub cost: i64,
    pub status: RedemptionStatus,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub closed_at: Option<DateTime<Utc>>,
    pub closed_by: Option<UserId>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redemption_codes_avoid_look_alikes_and_forgive_typing() {
        for _ in 0..200 {
            let c = RedemptionCode::random();
            assert_eq!(RedemptionCode::parse(c.as_str()), Some(c.clone()));
            assert!(!c.as_str().contains(['0', 'O', '1', 'I', 'L']), "{c}");
        }
        assert_eq!(
            RedemptionCode::parse("abcd-2345").map(|c| c.to_string()),
            Some("ABCD2345".into())
        );
        for bad in ["", "ABCD234", "ABCD23450", "ABCD234O", "ABCD 234I"] {
            assert_eq!(RedemptionCode::parse(bad), None, "{bad}");
        }
    }
}
