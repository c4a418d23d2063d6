//! Building and running the bot. [`Application::build`] is the one place that wires the pool,
//! the dialogue storage, the handler tree and the Bot API client together; `rider-bot run`, the
//! end-to-end tests and the benchmark all go through it, so what is tested is what ships.

use std::sync::Arc;

use crate::db::Pool;
use teloxide::dispatching::ShutdownToken;
use teloxide::dispatching::{DefaultKey, Dispatcher};
use teloxide::error_handlers::LoggingErrorHandler;
use teloxide::prelude::*;
use teloxide::update_listeners::Polling;

use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::di::DependencyMap;
use teloxide::types::{AllowedUpdate, Me};

use crate::bot::core::dialogue::DbStorage;
use crate::bot::core::flood;
use crate::bot::core::jobs::Supervisor;
use crate::bot::core::registry::Job;
use crate::bot::core::updates::Claims;
use crate::bot::core::{BotError, Env, Settings};
use crate::bot::inbox::worker::{Dispatch, Worker};
use crate::bot::router::{self, LogErrors};
use crate::bot::webhook;
use crate::config::{Config, ConfigError, WebhookSecret};
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
    #[error("cannot register this instance in the database: {0}")]
    Instance(sqlx::Error),
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
    /// The handler tree and what it needs, for webhook mode's inbox worker (the dispatcher
    /// holds its own copy).
    handler: Arc<UpdateHandler<BotError>>,
    deps: DependencyMap,
    me: Me,
    /// `HTTP_ADDR`, bound at build when set: where a polling bot serves [`Application::ops`],
    /// and where webhook mode may take its socket from ([`Application::take_http_listener`]).
    http: Option<tokio::net::TcpListener>,
    /// `/healthz`, `/readyz` and `/metrics`: served beside the webhook in webhook mode, on
    /// `HTTP_ADDR` in polling mode.
    ops: axum::Router,
}

/// What webhook mode serves: the listening socket, the webhook's path and secret, and any
/// other routes to serve beside it (the health and metrics routes are always added).
pub struct WebhookServer {
    pub listener: tokio::net::TcpListener,
    pub path: String,
    pub secret: WebhookSecret,
    pub routes: axum::Router,
}

/// The update types the handler tree handles: what `webhook set` asks Telegram for by default.
pub fn handled_updates() -> Vec<AllowedUpdate> {
    router::HANDLED_UPDATES.to_vec()
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
        let pool =
            db::connect_and_migrate_sized(&config.database_url, config.database_pool_size).await?;
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
        let deps = dptree::deps![
            env.clone(),
            Arc::new(wiring.router),
            DbStorage::new(pool.clone()),
            Claims::spawn(pool)
        ];
        let dispatcher = Dispatcher::builder(bot, router::schema())
            .dependencies(deps.clone())
            .default_handler(router::on_unhandled)
            .error_handler(Arc::new(LogErrors))
            .build();
        let http = match config.http_addr {
            Some(addr) => Some(
                tokio::net::TcpListener::bind(addr)
                    .await
                    .map_err(|why| StartupError::Http { addr, why })?,
            ),
            None => None,
        };
        let readiness = Readiness::new(env.pool.clone(), env.bot.clone(), config.ready_bot_ok_for);
        let ops = ops::http::routes(Arc::new(readiness));
        let mut jobs = wiring.jobs;
        jobs.push(gauges_job());
        Ok(Self {
            _lock: lock,
            dispatcher,
            env,
            jobs,
            polling_timeout: config.polling_timeout,
            flood: config.flood,
            handler: Arc::new(router::schema()),
            deps,
            me,
            http,
            ops,
        })
    }

    pub fn bot(&self) -> &Bot {
        &self.env.bot
    }

    /// Where `/healthz`, `/readyz` and `/metrics` are served (`HTTP_ADDR`, with the port the
    /// system chose when it was 0), until webhook mode takes the socket.
    pub fn http_addr(&self) -> Option<std::net::SocketAddr> {
        self.http.as_ref().and_then(|l| l.local_addr().ok())
    }

    /// The socket bound to `HTTP_ADDR` at build, for webhook mode to serve on.
    pub fn take_http_listener(&mut self) -> Option<tokio::net::TcpListener> {
        self.http.take()
    }

    pub fn pool(&self) -> &Pool {
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
        let me = self.register_instance().await?;
        // Reminders, sweeps, expiries, pruning, scheduling: each capability's jobs, supervised.
        let jobs = Supervisor::start(&self.env, std::mem::take(&mut self.jobs));
        tracing::debug!(jobs = jobs.len(), "background jobs started");
        let ops = self.ops.clone();
        let http = self.http.take().map(|listener| serve_http((listener, ops)));
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
        self.finish_sends().await;
        jobs.stop();
        self.leave(&me).await;
        result
    }

    /// Makes this instance known to the others before any job looks at who is alive.
    async fn register_instance(&self) -> Result<crate::instances::InstanceId, StartupError> {
        let me = self.env.settings.instance.clone();
        crate::instances::store::beat(
            &self.env.pool,
            &me,
            db::now(),
            self.env.settings.liveness.dead_after,
        )
        .await
        .map_err(StartupError::Instance)?;
        tracing::info!(instance = %me, "instance registered");
        Ok(me)
    }

    /// A clean stop lets the outbox's sends in flight finish (up to 5 s), so they are recorded
    /// rather than counted unknown at the next start.
    async fn finish_sends(&self) {
        let Ok(draining) = self.env.dep::<Arc<crate::bot::core::outbox::Draining>>() else {
            return;
        };
        if !draining.wait(std::time::Duration::from_secs(5)).await {
            tracing::warn!(
                "outbox sends still in flight after 5 s; counted unknown at the next start"
            );
        }
    }

    /// A clean stop hands this instance's jobs on at once instead of after its lease.
    async fn leave(&self, me: &crate::instances::InstanceId) {
        if let Err(err) = crate::instances::store::leave(&self.env.pool, me).await {
            tracing::warn!(%err, "could not remove this instance's row; it expires by itself");
        }
        self.env.pool.close().await;
    }
}

impl Application {
    /// Webhook mode: serves `server` until the shutdown token is used. Each update is recorded
    /// in the inbox before Telegram is answered, and handled from there by the inbox worker
    /// through the same handler tree. At shutdown the server stops taking requests (those in
    /// progress get at most 5 s), the worker stops leasing, waits for the updates in flight
    /// (at most `inbox::worker::SHUTDOWN_GRACE`) and releases its leases.
    pub async fn run_webhook(mut self, server: WebhookServer) -> Result<(), StartupError> {
        let me = self.register_instance().await?;
        let pool = self.env.pool.clone();
        let wake = Arc::new(tokio::sync::Notify::new());
        let intake = Arc::new(webhook::Intake {
            pool: pool.clone(),
            secret: server.secret,
            flood: flood::Flood::new(self.flood),
            bot: self.env.bot.clone(),
            wake: wake.clone(),
        });
        let routes = webhook::routes(&server.path, intake)
            .merge(self.ops.clone())
            .merge(server.routes);
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let mut http_stopped = stopped.clone();
        let http = tokio::spawn(async move {
            axum::serve(server.listener, routes)
                .with_graceful_shutdown(async move {
                    let _ = http_stopped.wait_for(|s| *s).await;
                })
                .await
        });
        let mut deps = self.deps.clone();
        deps.insert(self.me.clone());
        deps.insert(self.env.bot.clone());
        let inbox = Worker::new(
            pool,
            Dispatch {
                handler: self.handler.clone(),
                deps,
                unhandled: |update| Box::pin(router::on_unhandled(update)),
                errors: Arc::new(LogErrors),
            },
            self.env.settings.instance.to_string(),
            wake,
        );
        let inbox = tokio::spawn(inbox.supervise(stopped));
        let jobs = Supervisor::start(&self.env, std::mem::take(&mut self.jobs));
        tracing::info!(path = server.path, "webhook: serving");
        // Updates come through the inbox; the dispatcher only waits for the shutdown token.
        let result = self
            .dispatcher
            .try_dispatch_with_listener(
                idle::Idle::new(),
                LoggingErrorHandler::with_custom_text("webhook listener"),
            )
            .await
            .map_err(StartupError::Telegram);
        let _ = stop.send(true);
        // Requests in progress get at most 5 s (a client that never finishes its request
        // does not hold the stop), as polling mode's HTTP server.
        let mut http = http;
        match tokio::time::timeout(std::time::Duration::from_secs(5), &mut http).await {
            Ok(Ok(Ok(()))) => {}
            Ok(Ok(Err(err))) => tracing::error!(%err, "webhook: the HTTP server failed"),
            Ok(Err(err)) => tracing::error!(%err, "webhook: the HTTP server panicked"),
            Err(_) => {
                tracing::warn!("webhook: the HTTP server did not stop within 5 s; closing it");
                http.abort();
            }
        }
        if let Err(err) = inbox.await {
            tracing::error!(%err, "webhook: the inbox worker panicked");
        }
        self.finish_sends().await;
        jobs.stop();
        self.leave(&me).await;
        result
    }
}

mod idle {
    //! An update listener that yields nothing and ends when stopped: the dispatcher's place in
    //! webhook mode, so its shutdown token stops the bot as in polling mode.

    use std::convert::Infallible;

    use futures::stream::{BoxStream, StreamExt};
    use teloxide::stop::{mk_stop_token, StopFlag, StopToken};
    use teloxide::types::Update;
    use teloxide::update_listeners::{AsUpdateStream, UpdateListener};

    pub struct Idle {
        token: StopToken,
        flag: Option<StopFlag>,
    }

    impl Idle {
        pub fn new() -> Idle {
            let (token, flag) = mk_stop_token();
            Idle {
                token,
                flag: Some(flag),
            }
        }
    }

    impl<'a> AsUpdateStream<'a> for Idle {
        type StreamErr = Infallible;
        type Stream = BoxStream<'a, Result<Update, Infallible>>;

        fn as_stream(&'a mut self) -> Self::Stream {
            let flag = self.flag.take();
            futures::stream::once(async move {
                if let Some(flag) = flag {
                    flag.await
                }
            })
            .filter_map(|()| std::future::ready(None))
            .boxed()
        }
    }

    impl UpdateListener for Idle {
        type Err = Infallible;

        fn stop_token(&mut self) -> StopToken {
            self.token.clone()
        }
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
        // Each instance reports its own pool; the outbox's figures are the same from any.
        scope: crate::instances::JobScope::EachInstance,
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
pub fn env_for(config: &Config, pool: Pool) -> Result<Env, StartupError> {
    let bot = bot_for(config)?;
    let wiring = router::wire(config);
    Ok(Env {
        bot,
        pool,
        settings: Arc::new(Settings::from_config(config, wiring.menu)),
        deps: Arc::new(wiring.deps),
    })
}
