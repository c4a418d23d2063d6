//! The Telegram transport, on two floors.
//!
//! - [`core`]: what every capability's handlers use — the update's context and its replies,
//!   errors and refusals in the rider's words, keyboards, callback data, the target of a
//!   coordinator command, the dialogue storage, update claims, the registration types and the
//!   job supervisor. It names no capability.
//! - [`router`]: the handler tree and the dialogue `State`, built from what each capability
//!   registers (commands, main-menu entries, callback heads, deep links, jobs). No capability
//!   names it.
//!
//! A capability's folder (`stations/`, `reports/`, …) uses `core` from its `telegram` module
//! and is wired in by one line of `router::wire`. See ARCHITECTURE.md.

pub mod core;
pub mod router;
