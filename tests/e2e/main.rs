//! End-to-end tests: the real dispatcher (`Application::build`, as `rider-bot run` uses it)
//! against the Bot API emulator, on a fresh SQLite file per test. Every test fails if the bot
//! sent any request the emulator had to refuse.

mod helpers;

mod broadcasts;
mod dialogue;
mod emulator;
mod exports;
mod feedback;
mod flood;
mod instances;
mod onboarding;
mod outbox;
mod pg_restart;
mod points;
mod privacy;
mod reports;
mod robustness;
mod roles;
mod services;
mod stations;
mod stats;
mod to_postgres;
mod webhook;
