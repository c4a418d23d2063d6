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

use crate::bot::core::dialogue::DbStorage;
use crate::bot::core::flood;
use crate::bot::core::jobs::Supervisor;
use crate::bot::core::registry::Job;
use crate::bot::core::updates::Claims;
use crate::bot::core::{BotError, Env, Settings};
use crate::bot::router::{self, LogErrors};
use crate::config::{Config, ConfigError};
use crate::db;
use crate::ops::{self, ready::Readiness};
use crate::roles;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Db(#[from] db::DbError),
    #[error("cannot set up roles: {0}")]
    Roles(sqlx::Error),
    #[error("cannot set the station visit points (VISIT_POINTS): {0}")]
    VisitPoints(sqlx::Error),
    #[error("the Bot API did not accept the token or could not be reached: {0}")]
    Telegram(teloxide::RequestError),
    #[error("cannot listen on HTTP_ADDR {addr}: {why}")]
    Http {
        addr: std::net::SocketAddr,
        why: std::io::Error,
    },
}

pub struct Application {
    /// Held while the bot runs: `restore` and a second `run` refuse the database meanwhile.
    _lock: Option<db::InstanceLock>,
    dispatcher: Dispatcher<Bot, BotError, DefaultKey>,
    env: Env,
    jobs: Vec<Job>,
    polling_timeout: std::time::Duration,
    flood: crate::config::FloodLimits,
    /// `/healthz`, `/readyz` and `/metrics`, when `HTTP_ADDR` is set: bound at build, served
    /// while the bot runs.
    http: Option<(tokio::net::TcpListener, axum::Router)>,
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
        ops::exporter::install();
        let bot = bot_for(config)?;
        config.ensure_media_dir()?;
        let lock = db::InstanceLock::acquire(&config.database_url)?;
        let pool = db::connect_and_migrate(&config.database_url).await?;
        // Reports work out of the box: a fresh database gets the article's categories.
        match crate::seeds::ensure_defaults(&pool).await {
            Ok(loaded) => {
                for (file, rows) in loaded {
                    tracing::info!(file, rows, "default report categories loaded");
                }
            }
            Err(err) => tracing::warn!(%err, "could not load the default report categories"),
        }
        crate::stations::visits::configure_points(&pool, config.visit_points)
            .await
            .map_err(StartupError::VisitPoints)?;
        let boot = roles::domain::bootstrap_coordinators(&pool, &config.coordinator_ids)
            .await
            .map_err(StartupError::Roles)?;
        if !boot.made.is_empty() || !boot.removed.is_empty() {
            tracing::info!(made = ?boot.made, removed = ?boot.removed, "coordinators from COORDINATOR_IDS");
        }

        tracing::info!(version = crate::cli::VERSION, "starting");
        let me = ops::api::call(bot.get_me())
            .await
            .map_err(StartupError::Telegram)?;
        tracing::info!(bot_id = me.id.0, "connected to the Bot API");
        let wiring = router::wire(config);
        if let Err(err) =
            router::commands::register(&wiring.router, &bot, &config.coordinator_ids).await
        {
            // The menus are a convenience; the bot works without them.
            tracing::warn!(%err, "could not register command menus");
        }
        let mut settings = Settings::from_config(config, wiring.menu);
        settings.bot_username = me.username.clone();
        let env = Env {
            bot: bot.clone(),
            pool: pool.clone(),
            settings: Arc::new(settings),
            deps: Arc::new(wiring.deps),
        };
        let dispatcher = Dispatcher::builder(bot, router::schema())
            .dependencies(dptree::deps![
                env.clone(),
                Arc::new(wiring.router),
                DbStorage::new(pool.clone()),
                Claims::spawn(pool)
            ])
            .default_handler(router::on_unhandled)
            .error_handler(Arc::new(LogErrors))
            .build();
        let http = match config.http_addr {
            Some(addr) => {
                let listener = tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|why| StartupError::Http { addr, why })?;
                let readiness =
                    Readiness::new(env.pool.clone(), env.bot.clone(), config.ready_bot_ok_for);
                Some((listener, ops::http::routes(Arc::new(readiness))))
            }
            None => None,
        };
        let mut jobs = wiring.jobs;
        jobs.push(gauges_job());
        Ok(Self {
            _lock: lock,
            dispatcher,
            env,
            jobs,
            polling_timeout: config.polling_timeout,
            flood: config.flood,
            http,
        })
    }

    /// Where `/healthz`, `/readyz` and `/metrics` are served (`HTTP_ADDR`, with the port the
    /// system chose when it was 0).
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http
            .as_ref()
            .and_then(|(listener, _)| listener.local_addr().ok())
    }

    pub fn pool(&self) -> &SqlitePool {
        &self.env.pool
    }

    /// Stops the dispatcher after the updates in flight are handled.
    pub fn shutdown_token(&self) -> ShutdownToken {
        self.dispatcher.shutdown_token()
    }

    /// Long-polls and handles updates until the shutdown token is used.
    pub async fn run_until_stopped(mut self) -> Result<(), StartupError> {
        let polling = Polling::builder(self.env.bot.clone())
            .timeout(self.polling_timeout)
            .build();
        // One person's flood is dropped here, before it can fill a chat's queue.
        let listener = flood::Gate::new(polling, self.flood, self.env.bot.clone());
        // Reminders, sweeps, expiries, pruning, scheduling: each capability's jobs, supervised.
        let jobs = Supervisor::start(&self.env, std::mem::take(&mut self.jobs));
        tracing::debug!(jobs = jobs.len(), "background jobs started");
        let http = self.http.take().map(serve_http);
        let result = self
            .dispatcher
            .try_dispatch_with_listener(
                listener,
                LoggingErrorHandler::with_custom_text("getUpdates failed"),
            )
            .await
            .map_err(StartupError::Telegram);
        if let Some(http) = http {
            http.stop().await;
        }
        jobs.stop();
        self.env.pool.close().await;
        result
    }
}

/// The HTTP server of a polling bot, and how to stop it.
struct HttpServer {
    stop: tokio::sync::oneshot::Sender<()>,
    task: tokio::task::JoinHandle<()>,
}

fn serve_http((listener, app): (tokio::net::TcpListener, axum::Router)) -> HttpServer {
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, "serving /healthz, /readyz and /metrics");
    }
    let task = tokio::spawn(async move {
        let stopped = async move {
            let _ = stopped.await;
        };
        if let Err(err) = ops::http::serve(listener, app, stopped).await {
            tracing::error!(%err, "the HTTP server stopped");
        }
    });
    HttpServer { stop, task }
}

impl HttpServer {
    /// Stops taking connections and waits (at most 5 s) for requests in progress.
    async fn stop(self) {
        let _ = self.stop.send(());
        let mut task = self.task;
        if tokio::time::timeout(std::time::Duration::from_secs(5), &mut task)
            .await
            .is_err()
        {
            tracing::warn!("the HTTP server did not stop within 5 s; closing it");
            task.abort();
        }
    }
}

/// Samples the gauges that need a query (outbox depth, broadcasts' progress) every 5 s.
fn gauges_job() -> Job {
    Job {
        name: "ops.gauges",
        every: Some(std::time::Duration::from_secs(5)),
        at_start: true,
        run: |env| {
            Box::pin(async move {
                ops::gauges::sample(&env.pool).await?;
                Ok(())
            })
        },
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

/// What a running bot shares, built for `config` on `pool` without starting anything: for
/// tools and tests that run one job or one capability function by hand.
pub fn env_for(config: &Config, pool: SqlitePool) -> Result<Env, StartupError> {
    let bot = bot_for(config)?;
    let wiring = router::wire(config);
    Ok(Env {
        bot,
        pool,
        settings: Arc::new(Settings::from_config(config, wiring.menu)),
        deps: Arc::new(wiring.deps),
    })
}
