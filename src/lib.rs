//! rider-bot: a Telegram bot for a city district's delivery riders.
//!
//! One module per capability (`onboarding`, `roles`, and the ones later issues add), each with
//! its domain rules (`domain`), its SQL (`store`) and its Telegram handlers (`telegram`).
//! `bot` is the transport that routes updates to them; `emulator` plays the Bot API for tests
//! and for trying the bot offline. See ARCHITECTURE.md.

pub mod audit;
pub mod backup;
pub mod bot;
pub mod broadcasts;
pub mod charts;
pub mod chat;
pub mod cli;
pub mod clock;
pub mod code;
pub mod config;
pub mod csvfile;
pub mod db;
pub mod doctor;
pub mod emulator;
pub mod exports;
pub mod feedback;
pub mod geo;
pub mod i18n;
pub mod instances;
pub mod onboarding;
pub mod ops;
pub mod outbox;
pub mod points;
pub mod reports;
pub mod roles;
pub mod secrets;
pub mod seeds;
pub mod services;
pub mod startup;
pub mod stations;
pub mod stats;
pub mod telemetry;
pub mod to_postgres;
pub mod users;
