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
//! - [`webhook`] and [`inbox`]: webhook mode's intake (the HTTP endpoint that records each
//!   update before Telegram is answered) and the durable inbox it records into, with the
//!   worker that leases and handles what it holds through the same handler tree. Neither names
//!   a capability; the handler tree is handed to the worker.
//!
//! A capability's folder (`stations/`, `reports/`, …) uses `core` from its `telegram` module
//! and is wired in by one line of `router::wire`. See ARCHITECTURE.md.

pub mod core;
pub mod inbox;
pub mod router;
pub mod webhook;
