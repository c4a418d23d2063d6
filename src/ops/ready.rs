//! Readiness: the database answers `SELECT 1`, and the Bot API answers getMe.
//!
//! A getMe that succeeded is trusted for a while (30 s in production), so frequent probes do
//! not each ask Telegram; a failure is remembered too, for [`BOT_FAILED_FOR`] (no longer than
//! a success is trusted), so probes from outside cannot make one Bot API call each while
//! Telegram fails, and recovery is seen seconds later. Probes arriving together share one
//! getMe. Each check gives up after [`CHECK_TIMEOUT`].

use std::time::{Duration, Instant};

use crate::db::Pool;
use teloxide::requests::Requester;
use teloxide::Bot;

use super::api;

/// How long one check may take before it counts as failed.
pub const CHECK_TIMEOUT: Duration = Duration::from_secs(3);
/// How long a failed getMe is remembered (at most as long as a success is trusted).
pub const BOT_FAILED_FOR: Duration = Duration::from_secs(5);

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
    /// The last getMe's answer, and when it came.
    last: tokio::sync::Mutex<Option<(Instant, Result<(), NotReady>)>>,
}

impl Readiness {
    pub fn new(pool: Pool, bot: Bot, bot_ok_for: Duration) -> Readiness {
        Readiness {
            pool,
            bot,
            bot_ok_for,
            last: tokio::sync::Mutex::new(None),
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
        let mut last = self.last.lock().await;
        let failed_for = BOT_FAILED_FOR.min(self.bot_ok_for);
        match &*last {
            Some((at, Ok(()))) if at.elapsed() < self.bot_ok_for => return Ok(()),
            Some((at, Err(why))) if at.elapsed() < failed_for => return Err(why.clone()),
            _ => {}
        }
        let answer = self.get_me().await;
        *last = Some((Instant::now(), answer.clone()));
        answer
    }

    async fn get_me(&self) -> Result<(), NotReady> {
        match tokio::time::timeout(CHECK_TIMEOUT, api::call(self.bot.get_me())).await {
            Ok(Ok(_)) => Ok(()),
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
