//! Readiness: the database answers `SELECT 1`, and the Bot API answers getMe.
//!
//! A getMe that succeeded is trusted for a while (30 s in production), so frequent probes do
//! not each ask Telegram; a failure is not remembered, so recovery is seen at the next probe.
//! Probes arriving together share one getMe. Each check gives up after [`CHECK_TIMEOUT`].

use std::time::{Duration, Instant};

use crate::db::Pool;
use teloxide::requests::Requester;
use teloxide::Bot;

use super::api;

/// How long one check may take before it counts as failed.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);

/// Why the bot is not ready: short, and safe to show (no token, no person).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NotReady {
    #[error("database: {0}")]
    Database(String),
    #[error("bot api: {0}")]
    BotApi(String),
}

pub struct Readiness {
    pool: Pool,
    bot: Bot,
    /// How long a successful getMe is trusted.
    bot_ok_for: Duration,
    last_ok: tokio::sync::Mutex<Option<Instant>>,
}

impl Readiness {
    pub fn new(pool: Pool, bot: Bot, bot_ok_for: Duration) -> Readiness {
        Readiness {
            pool,
            bot,
            bot_ok_for,
            last_ok: tokio::sync::Mutex::new(None),
        }
    }

    pub fn pool(&self) -> &Pool {
        &self.pool
    }

    /// Ready, or the first reason it is not.
    pub async fn check(&self) -> Result<(), NotReady> {
        self.database().await?;
        self.bot_api().await
    }

    async fn database(&self) -> Result<(), NotReady> {
        let ask = sqlx::query("SELECT 1").execute(&self.pool);
        match tokio::time::timeout(CHECK_TIMEOUT, ask).await {
            Ok(Ok(_)) => Ok(()),
            Ok(Err(sqlx::Error::PoolClosed)) => {
                Err(NotReady::Database("the pool is closed".into()))
            }
            Ok(Err(sqlx::Error::PoolTimedOut)) => {
                Err(NotReady::Database("no connection free".into()))
            }
            Ok(Err(_)) => Err(NotReady::Database("SELECT 1 failed".into())),
            Err(_) => Err(NotReady::Database(no_answer())),
        }
    }

    async fn bot_api(&self) -> Result<(), NotReady> {
        let mut last_ok = self.last_ok.lock().await;
        if last_ok.is_some_and(|at| at.elapsed() < self.bot_ok_for) {
            return Ok(());
        }
        *last_ok = None;
        match tokio::time::timeout(CHECK_TIMEOUT, api::call(self.bot.get_me())).await {
            Ok(Ok(_)) => {
                *last_ok = Some(Instant::now());
                Ok(())
            }
            Ok(Err(err)) => Err(NotReady::BotApi(format!(
                "getMe failed ({})",
                api::code_of(&err)
            ))),
            Err(_) => {
                api::record_error("getMe", "timeout");
                Err(NotReady::BotApi(format!("getMe: {}", no_answer())))
            }
        }
    }
}

fn no_answer() -> String {
    format!("no answer within {} s", CHECK_TIMEOUT.as_secs())
}
