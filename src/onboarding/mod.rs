//! Onboarding: `/start`, the privacy notice, name, platform and phone; `/privacy`,
//! `/deletemydata` and `/language`. Domain types in `domain`, SQL in `store`, the Telegram
//! conversation in `telegram`.

pub mod domain;
pub mod store;
pub mod telegram;
