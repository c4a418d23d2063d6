//! Operating the bot: Prometheus metrics, and the health, readiness and metrics endpoints.
//!
//! It sits below `bot::core` beside `db` and `config`: it names no capability and nothing of
//! `bot`. The transport records through it ([`exporter`] for updates and the outbox, [`api`]
//! for Bot API calls, [`updates`] for the handler tree's timing); [`gauges`] samples what needs
//! a query (the outbox's depth, broadcasts' progress) for a job that `startup` registers;
//! [`http::routes`] is the router a deployment mounts (`startup` serves it on `HTTP_ADDR` in
//! polling mode).

pub mod api;
pub mod exporter;
pub mod gauges;
pub mod http;
pub mod ready;
pub mod updates;
