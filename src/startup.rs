//! Building and running the bot. [`Application::build`] is the one place that wires the pool,
//! the dialogue storage, the handler tree and the Bot API client together; `rider-bot run`, the
//! end-to-end tests and the benchmark all go through it, so what is tested is what ships.

use std::sync::Arc;

use sqlx::SqlitePool;
use teloxide::dispatching::ShutdownToken;
use teloxide::dispatching::{DefaultKey, Dispatcher};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;

use crate::bot::dialogue::DbStorage;
use crate::bot::{self, BotError, LogErrors, Settings};
use crate::config::{Config, ConfigError};
use crate::db;
use crate::roles;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot set up roles: {0}")]
    Roles(sqlx::Error),
    #[error("the Bot API did not accept the token or could not be reached: {0}")]
    Telegram(teloxide::RequestError),
}

pub struct Application {
    dispatcher: Dispatcher<Bot, BotError, DefaultKey>,
    bot: Bot,
    pool: SqlitePool,
    settings: Arc<Settings>,
    polling_timeout: std::time::Duration,
}

/// The Bot API client for `config`: the token, and the API URL when one is set.
pub fn bot_for(config: &Config) -> Result<Bot, ConfigError> {
    let token = config.require_token()?;
    let bot = Bot::new(token.expose());
    Ok(match &config.api_url {
        Some(url) => bot.set_api_url(url.clone()),
        None => bot,
    })
}

impl Application {
    /// Opens and migrates the database, makes the configured coordinators, checks the token
    /// with getMe, registers the command menus and builds the dispatcher.
    pub async fn build(config: &Config) -> Result<Self, StartupError> {
        let bot = bot_for(config)?;
        config.ensure_media_dir()?;
        let pool = db::connect_and_migrate(&config.database_url).await?;
        let boot = roles::domain::bootstrap_coordinators(&pool, &config.coordinator_ids)
            .await
            .map_err(StartupError::Roles)?;
        if !boot.made.is_empty() || !boot.removed.is_empty() {
            tracing::info!(made = ?boot.made, removed = ?boot.removed, "coordinators from COORDINATOR_IDS");
        }
        prune_update_ids(&pool).await;

        let me = bot.get_me().await.map_err(StartupError::Telegram)?;
        tracing::info!(bot_id = me.id.0, "connected to the Bot API");
        if let Err(err) = bot::commands::register(&bot, &config.coordinator_ids).await {
            // The menus are a convenience; the bot works without them.
            tracing::warn!(%err, "could not register command menus");
        }

        let mut settings = Settings::from_config(config);
        settings.bot_username = me.username.clone();
        let settings = Arc::new(settings);
        check_coordinator_chat(&bot, config.coordinator_chat_id).await;
        // Build the station index now rather than at the first rider's location.
        let (stations, warm_pool) = (settings.stations.clone(), pool.clone());
        tokio::spawn(async move {
            if let Err(err) = stations.current(&warm_pool).await {
                tracing::warn!(%err, "could not build the station index");
            }
        });
        let dispatcher = Dispatcher::builder(bot.clone(), bot::schema())
            .dependencies(dptree::deps![
                pool.clone(),
                DbStorage::new(pool.clone()),
                bot::updates::Claims::spawn(pool.clone()),
                settings.clone()
            ])
            .default_handler(bot::on_unhandled)
            .error_handler(Arc::new(LogErrors))
            .build();
        Ok(Self {
            dispatcher,
            bot,
            pool,
            settings,
            polling_timeout: config.polling_timeout,
        })
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.pool
    }

    /// Stops the dispatcher after the updates in flight are handled.
    pub fn shutdown_token(&self) -> ShutdownToken {
        self.dispatcher.shutdown_token()
    }

    /// Long-polls and handles updates until the shutdown token is used.
    pub async fn run_until_stopped(mut self) -> Result<(), StartupError> {
        let listener = Polling::builder(self.bot.clone())
            .timeout(self.polling_timeout)
            .build();
        // A bot that runs for months still forgets old update ids, once a day, and drops the
        // photos of report drafts that were never filed.
        let (pool, settings) = (self.pool.clone(), self.settings.clone());
        let housekeeping = tokio::spawn(async move {
            let mut daily = tokio::time::interval(std::time::Duration::from_secs(24 * 60 * 60));
            daily.tick().await; // the first tick is immediate; start-up already pruned
            loop {
                daily.tick().await;
                prune_update_ids(&pool).await;
                remove_draft_photos(&pool, &settings).await;
            }
        });
        // Unconfirmed redemptions expire on time even if nobody opens /points; reports the
        // coordinators' group has not seen are posted, and stale ones raised again; plans are
        // turned into the next two weeks of sessions, and sign-ups reminded.
        let (bot, pool, settings) = (self.bot.clone(), self.pool.clone(), self.settings.clone());
        let sweeper = tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(10 * 60));
            loop {
                every.tick().await;
                let now = settings.clock.now();
                if let Err(err) = crate::points::telegram::expire_and_notify(&bot, &pool, now).await
                {
                    tracing::warn!(%err, "could not expire redemptions");
                }
                if let Err(err) =
                    crate::reports::telegram::triage::sweep(&bot, &pool, &settings).await
                {
                    tracing::warn!(%err, "could not post or raise reports");
                }
                if let Err(err) = crate::services::telegram::sweep(&bot, &pool, &settings).await {
                    tracing::warn!(%err, "could not schedule sessions or send reminders");
                }
            }
        });
        let result = self
            .dispatcher
            .try_dispatch_with_listener(
                listener,
                LoggingErrorHandler::with_custom_text("getUpdates failed"),
            )
            .await
            .map_err(StartupError::Telegram);
        housekeeping.abort();
        sweeper.abort();
        self.pool.close().await;
        result
    }
}

/// Says at start-up, in one log line, whether reports can reach the coordinators' group.
async fn check_coordinator_chat(bot: &Bot, chat: Option<i64>) {
    match chat {
        None => tracing::warn!(
            "COORDINATOR_CHAT_ID is not set: reports are filed and kept, coordinators see them with /reports"
        ),
        Some(id) => match bot.get_chat(ChatId(id)).await {
            Ok(_) => tracing::info!(chat_id = id, "coordinators' group reachable"),
            Err(err) => tracing::warn!(
                chat_id = id, %err,
                "cannot reach COORDINATOR_CHAT_ID (is the bot a member?); reports are kept and posted once it is"
            ),
        },
    }
}

/// Deletes stored photos no report holds, once older than a dialogue can stay idle plus a day.
async fn remove_draft_photos(pool: &SqlitePool, settings: &Settings) {
    let kept = match pool.acquire().await {
        Ok(mut conn) => match crate::reports::store::photo_paths(&mut conn).await {
            Ok(paths) => paths.into_iter().collect(),
            Err(err) => return tracing::warn!(%err, "could not list report photos"),
        },
        Err(err) => return tracing::warn!(%err, "could not list report photos"),
    };
    let dir = settings.reports.media_dir.clone();
    let older_than = settings.dialogue_idle + std::time::Duration::from_secs(24 * 60 * 60);
    match tokio::task::spawn_blocking(move || {
        crate::reports::media::remove_orphans(&dir, &kept, older_than)
    })
    .await
    {
        Ok(Ok(n)) if n > 0 => tracing::info!(removed = n, "photos of unfiled drafts removed"),
        Ok(Ok(_)) => {}
        Ok(Err(err)) => tracing::warn!(%err, "could not clean the media folder"),
        Err(err) => tracing::warn!(%err, "media clean-up task failed"),
    }
}

/// Forgets update ids older than a week (Telegram re-delivers for at most a day).
async fn prune_update_ids(pool: &SqlitePool) {
    match bot::updates::prune(pool, 7).await {
        Ok(n) if n > 0 => tracing::info!(pruned = n, "forgot old update ids"),
        Ok(_) => {}
        Err(err) => tracing::warn!(%err, "could not prune update ids"),
    }
}

/// Asks the dispatcher behind `token` to stop once the updates in flight are handled, asking
/// again while it is still starting (for up to 10 s). Returns as soon as the request is made:
/// await the task running [`Application::run_until_stopped`] to know it has stopped.
///
/// teloxide's own shutdown future is not awaited: it registers for the dispatcher's "done"
/// notice only when first polled, so a dispatcher that finishes before that (an idle one does,
/// within a millisecond) is never heard from and the future never resolves (seen in
/// `rider-bot chat` as a hang at `:quit`, about one run in five).
pub async fn shutdown(token: &ShutdownToken) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while token.shutdown().is_err() && std::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Uses `token` to stop the dispatcher on SIGINT or SIGTERM.
pub fn stop_on_signals(token: ShutdownToken) {
    tokio::spawn(async move {
        wait_for_signal().await;
        tracing::info!("signal received; finishing the updates in flight");
        shutdown(&token).await;
    });
}

#[cfg(unix)]
async fn wait_for_signal() {
    use tokio::signal::unix::{signal, SignalKind};
    match signal(SignalKind::terminate()) {
        Ok(mut term) => {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {},
                _ = term.recv() => {},
            }
        }
        Err(err) => {
            tracing::warn!(%err, "cannot listen for SIGTERM; only Ctrl-C stops the bot");
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}

#[cfg(not(unix))]
async fn wait_for_signal() {
    let _ = tokio::signal::ctrl_c().await;
}
