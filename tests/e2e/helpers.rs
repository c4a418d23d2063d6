//! `TestApp`: an emulator, a database (an SQLite file, or with `RIDER_BOT_TEST_DB=postgres` a
//! fresh PostgreSQL database), and the bot running against them.

use std::collections::HashMap;
use std::time::Duration;

use rider_bot::config::Config;
use rider_bot::db::Pool;
use rider_bot::emulator::{BotMessage, Emulator, TgUser};
use rider_bot::i18n::{t, Lang};
use rider_bot::startup::Application;
use teloxide::dispatching::ShutdownToken;
use tokio::task::JoinHandle;

pub const COORDINATOR: i64 = 900;
/// The webhook secret of apps in webhook mode, and the path they serve.
pub const WEBHOOK_SECRET: &str = "e2e-Webhook_secret-0123456789";
pub const WEBHOOK_PATH: &str = "/telegram";

pub struct TestApp {
    pub emu: Emulator,
    pub config: Config,
    pub pool: Pool,
    /// Where `/healthz`, `/readyz` and `/metrics` are served, when `HTTP_ADDR` is set.
    pub http: Option<std::net::SocketAddr>,
    _dir: tempfile::TempDir,
    _db: rider_bot::db::testing::TestDb,
    running: Option<(ShutdownToken, JoinHandle<()>)>,
    /// Webhook mode: where the bot's server listens (kept across restarts); None: polling.
    pub webhook: Option<Option<std::net::SocketAddr>>,
}

impl TestApp {
    /// A running bot with one coordinator (`COORDINATOR`).
    pub async fn spawn() -> TestApp {
        Self::spawn_with(&[("COORDINATOR_IDS", "900")]).await
    }

    pub async fn spawn_with(vars: &[(&str, &str)]) -> TestApp {
        Self::spawn_configured(vars, |_| {}).await
    }

    /// A running bot (one coordinator) whose clock stands still at `at`.
    pub async fn spawn_at(at: chrono::DateTime<chrono::Utc>) -> TestApp {
        Self::spawn_configured(&[("COORDINATOR_IDS", "900")], |c| {
            c.clock = rider_bot::clock::Clock::fixed(at)
        })
        .await
    }

    pub async fn spawn_configured(
        vars: &[(&str, &str)],
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        Self::spawn_with_groups(vars, adjust, &[]).await
    }

    /// As [`TestApp::spawn_configured`], with `groups` (id, title) the bot is a member of
    /// from the start.
    pub async fn spawn_with_groups(
        vars: &[(&str, &str)],
        adjust: impl FnOnce(&mut Config),
        groups: &[(i64, &str)],
    ) -> TestApp {
        let mut app = Self::prepare(vars, adjust, groups).await;
        app.start().await;
        app
    }

    /// A running bot (one coordinator) on SQLite whatever engine the tests run on.
    pub async fn spawn_on_sqlite() -> TestApp {
        let mut app = Self::prepare_on(&[("COORDINATOR_IDS", "900")], |_| {}, &[], true).await;
        app.start().await;
        app
    }

    /// The emulator, configuration and database of an app not started yet.
    async fn prepare(
        vars: &[(&str, &str)],
        adjust: impl FnOnce(&mut Config),
        groups: &[(i64, &str)],
    ) -> TestApp {
        Self::prepare_on(vars, adjust, groups, false).await
    }

    /// As [`TestApp::prepare`], on SQLite when `sqlite`, else on the engine tests run on.
    async fn prepare_on(
        vars: &[(&str, &str)],
        adjust: impl FnOnce(&mut Config),
        groups: &[(i64, &str)],
        sqlite: bool,
    ) -> TestApp {
        // Logs only when asked for (RUST_LOG=...), to debug a failing test.
        if std::env::var_os("RUST_LOG").is_some() {
            rider_bot::telemetry::init();
        }
        let emu = Emulator::start().await.expect("emulator starts");
        let dir = tempfile::tempdir().unwrap();
        let file = format!("sqlite://{}", dir.path().join("bot.db").display());
        let db = if sqlite {
            rider_bot::db::testing::TestDb::sqlite(file)
        } else {
            rider_bot::db::testing::TestDb::new(file).await
        };
        let mut env: HashMap<String, String> = HashMap::from([
            ("TELOXIDE_TOKEN".into(), emu.token().into()),
            ("TELOXIDE_API_URL".into(), emu.api_url().to_string()),
            ("DATABASE_URL".into(), db.url.clone()),
            (
                "MEDIA_DIR".into(),
                dir.path().join("media").display().to_string(),
            ),
            // A test types far faster than a person: it runs whole dialogues, and every wrong
            // input, within a second. The flood tests set the production limits themselves.
            ("FLOOD_BURST".into(), "1000".into()),
            ("FLOOD_PER_MINUTE".into(), "6000".into()),
        ]);
        for (k, v) in vars {
            env.insert(k.to_string(), v.to_string());
        }
        let mut config =
            Config::from_lookup(|k| env.get(k).cloned()).expect("test config is valid");
        config.polling_timeout = Duration::from_secs(1);
        adjust(&mut config);
        // The test's own pool goes to the database directly, even when `adjust` points the bot
        // elsewhere (through a proxy that cuts its connections).
        let pool = rider_bot::db::connect_and_migrate(&db.url).await.unwrap();
        emu.add_user(TgUser::new(COORDINATOR, "Coordinator", Some("zh-hans")));
        for (id, title) in groups {
            emu.add_group(*id, title);
        }
        TestApp {
            emu,
            config,
            pool,
            http: None,
            _dir: dir,
            _db: db,
            running: None,
            webhook: None,
        }
    }

    /// A running bot (one coordinator) in webhook mode: `run_webhook` on a free port of
    /// 127.0.0.1, with the webhook set at the emulator as an operator would (`webhook set`'s
    /// call, with the update types the bot handles).
    pub async fn spawn_webhook() -> TestApp {
        Self::spawn_webhook_configured(&[], |_| {}).await
    }

    /// As [`TestApp::spawn_webhook`], with `vars` over its own (`COORDINATOR_IDS`=900 and
    /// `WEBHOOK_SECRET`) and the configuration adjusted by `adjust`.
    pub async fn spawn_webhook_configured(
        vars: &[(&str, &str)],
        adjust: impl FnOnce(&mut Config),
    ) -> TestApp {
        let mut all = vec![
            ("COORDINATOR_IDS", "900"),
            ("WEBHOOK_SECRET", WEBHOOK_SECRET),
        ];
        all.extend_from_slice(vars);
        let mut app = Self::prepare(&all, adjust, &[]).await;
        app.webhook = Some(None);
        app.start().await;
        let bot = rider_bot::startup::bot_for(&app.config).unwrap();
        let options = rider_bot::bot::webhook::admin::SetOptions {
            max_connections: None,
            allowed_updates: rider_bot::startup::handled_updates(),
            drop_pending_updates: false,
        };
        let secret = app.config.webhook_secret.clone().unwrap();
        rider_bot::bot::webhook::admin::set(&bot, app.webhook_url(), &secret, &options)
            .await
            .expect("setWebhook");
        app
    }

    /// Points the webhook at `addr` (a balancer in front of several instances), as `webhook
    /// set` would, with up to 40 deliveries at once.
    pub async fn set_webhook_at(&self, addr: std::net::SocketAddr) {
        let bot = rider_bot::startup::bot_for(&self.config).unwrap();
        let options = rider_bot::bot::webhook::admin::SetOptions {
            max_connections: Some(40),
            allowed_updates: rider_bot::startup::handled_updates(),
            drop_pending_updates: false,
        };
        let url = url::Url::parse(&format!("http://{addr}{WEBHOOK_PATH}")).unwrap();
        let secret = self.config.webhook_secret.as_ref().expect("WEBHOOK_SECRET");
        rider_bot::bot::webhook::admin::set(&bot, url, secret, &options)
            .await
            .expect("setWebhook");
    }

    /// The URL the webhook is served at.
    pub fn webhook_url(&self) -> url::Url {
        let addr = self.webhook.flatten().expect("webhook mode, started");
        url::Url::parse(&format!("http://{addr}{WEBHOOK_PATH}")).unwrap()
    }

    /// Builds and runs the bot (again, after [`TestApp::stop`]).
    pub async fn start(&mut self) {
        assert!(self.running.is_none(), "already running");
        let app = Application::build(&self.config)
            .await
            .expect("application builds");
        self.http = app.http_addr();
        let token = app.shutdown_token();
        let handle = match self.webhook {
            None => tokio::spawn(async move {
                app.run_until_stopped().await.expect("dispatcher runs");
            }),
            Some(addr) => {
                // The same port again after a restart, so the webhook set stays right.
                let addr = addr.unwrap_or_else(|| "127.0.0.1:0".parse().unwrap());
                let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
                self.webhook = Some(Some(listener.local_addr().unwrap()));
                let server = rider_bot::startup::WebhookServer {
                    listener,
                    path: WEBHOOK_PATH.into(),
                    secret: self.config.webhook_secret.clone().expect("WEBHOOK_SECRET"),
                    routes: axum::Router::new(),
                };
                tokio::spawn(async move {
                    app.run_webhook(server).await.expect("webhook mode runs");
                })
            }
        };
        self.running = Some((token, handle));
    }

    /// Stops the bot the way SIGTERM does: in-flight updates finish first.
    pub async fn stop(&mut self) {
        let (token, handle) = self.running.take().expect("running");
        rider_bot::startup::shutdown(&token).await;
        handle.await.unwrap();
    }

    pub fn rider(&self, id: i64, lang: Option<&str>) -> i64 {
        self.emu
            .add_user(TgUser::new(id, "Rider", lang).with_username(&format!("rider{id}")));
        id
    }

    /// The next message the bot sends to `chat`; fails the test if none comes.
    pub async fn next(&self, chat: i64) -> BotMessage {
        self.emu
            .next_message(chat)
            .await
            .unwrap_or_else(|| panic!("the bot sent nothing to chat {chat} within 10 s"))
    }

    /// Takes messages until one whose text contains `needle`; fails if it never comes.
    pub async fn expect_text(&self, chat: i64, needle: &str) -> BotMessage {
        loop {
            let m = self.next(chat).await;
            if m.text.contains(needle) {
                return m;
            }
        }
    }

    /// Asserts the bot sends nothing more to `chat` in reply to what came before: sends /help
    /// as a probe (handled in order after everything earlier in that chat) and checks its
    /// answer is the next message.
    pub async fn assert_silent(&self, chat: i64, lang: Lang) {
        self.emu.send_text(chat, "/help");
        let m = self.next(chat).await;
        let help = t(lang, "help");
        let first_line = help
            .lines()
            .next()
            .unwrap()
            .replace("<b>", "")
            .replace("</b>", "");
        assert!(
            m.text.starts_with(&first_line),
            "expected only the /help probe's answer, got {:?}",
            m.text
        );
        // The probe re-prompts the current step; drain that too.
        self.drain(chat).await;
    }

    /// Waits until message `id` in `chat` has been edited more than `seen` times, and returns it.
    pub async fn edited(&self, chat: i64, id: i64, seen: u32) -> BotMessage {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let m = self.emu.message(chat, id).expect("message exists");
            if m.edits > seen {
                return m;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "message {id} in chat {chat} was not edited within 10 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// Waits briefly and discards whatever the bot still sends to `chat`.
    pub async fn drain(&self, chat: i64) {
        tokio::time::sleep(Duration::from_millis(150)).await;
        while !self.emu.untaken(chat).is_empty() {
            self.next(chat).await;
        }
    }

    /// Waits until the outbox has nothing pending or being sent (what is due has gone). Up to
    /// 30 s: teloxide pauses 10 s after a 5xx before it reports it.
    pub async fn settle_outbox(&self) {
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            let open: i64 = sqlx::query_scalar(
                "SELECT COUNT(*) FROM outbox WHERE status IN ('pending', 'sending')",
            )
            .fetch_one(&self.pool)
            .await
            .unwrap();
            if open == 0 {
                return;
            }
            assert!(
                std::time::Instant::now() < deadline,
                "{open} outbox rows still pending after 30 s"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    /// A rider's points balance.
    pub async fn balance(&self, rider: i64) -> i64 {
        let mut conn = self.pool.acquire().await.unwrap();
        rider_bot::points::store::balance(&mut conn, rider_bot::users::UserId(rider))
            .await
            .unwrap()
    }

    /// The stored dialogue step of `chat` ("idle" when none is stored).
    pub async fn step(&self, chat: i64) -> String {
        let json: Option<String> =
            sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
                .bind(chat)
                .fetch_optional(&self.pool)
                .await
                .unwrap();
        match json {
            None => "idle".into(),
            Some(j) => serde_json::from_str::<serde_json::Value>(&j).unwrap()["step"]
                .as_str()
                .unwrap()
                .to_owned(),
        }
    }

    /// One text column of a user's row (`column` is a fixed name from the test, not input).
    pub async fn user_field(&self, id: i64, column: &str) -> Option<String> {
        sqlx::query_scalar(&format!("SELECT {column} FROM users WHERE id = $1"))
            .bind(id)
            .fetch_one(&self.pool)
            .await
            .unwrap()
    }

    /// The audit trail of `target`: (actor, action), oldest first.
    pub async fn audit_actions(&self, target: i64) -> Vec<(Option<i64>, String)> {
        let mut conn = self.pool.acquire().await.unwrap();
        rider_bot::audit::for_target(&mut conn, rider_bot::users::UserId(target))
            .await
            .unwrap()
            .into_iter()
            .map(|e| (e.actor_id, e.action))
            .collect()
    }

    pub async fn user_row(
        &self,
        id: i64,
    ) -> Option<(
        String,
        String,
        Option<String>,
        Option<String>,
        Option<String>,
    )> {
        sqlx::query_as("SELECT status, role, name, platform, phone FROM users WHERE id = $1")
            .bind(id)
            .fetch_optional(&self.pool)
            .await
            .unwrap()
    }

    /// Walks `rider` through onboarding up to (not including) `step`:
    /// "consent", "name", "platform", "platform_other", "phone", or "done".
    pub async fn onboard_until(&self, rider: i64, step: &str, lang: Lang) {
        self.emu.send_text(rider, "/start");
        let notice = self
            .expect_text(rider, &first_words(lang, "privacy-notice"))
            .await;
        if step == "consent" {
            return;
        }
        self.emu.press(rider, &notice, &t(lang, "btn-accept"));
        self.expect_text(rider, &first_words(lang, "ask-name"))
            .await;
        if step == "name" {
            return;
        }
        self.emu.send_text(rider, "张三");
        self.expect_text(rider, &first_words(lang, "ask-platform"))
            .await;
        if step == "platform" {
            return;
        }
        if step == "platform_other" {
            self.emu.send_text(rider, &t(lang, "platform-other"));
            self.expect_text(rider, &first_words(lang, "ask-platform-other"))
                .await;
            return;
        }
        self.emu.send_text(rider, &t(lang, "platform-meituan"));
        self.expect_text(rider, &first_words(lang, "ask-phone"))
            .await;
        if step == "phone" {
            return;
        }
        self.emu
            .send_contact(rider, "+86 138 0000 0000", Some(rider));
        self.expect_text(rider, &first_words(lang, "welcome-registered"))
            .await;
        assert_eq!(step, "done", "unknown onboarding step {step}");
    }

    pub async fn register(&self, rider: i64, lang: Lang) {
        self.onboard_until(rider, "done", lang).await;
    }
}

/// The start of a translated text without markup or arguments, to recognise a reply by.
pub fn first_words(lang: Lang, key: &str) -> String {
    let text = t(lang, key);
    let plain = rider_bot::emulator::limits::parse_html(&text).unwrap_or(text);
    let line = plain.lines().next().unwrap_or_default();
    let cut: String = line.chars().take_while(|c| *c != '{').take(12).collect();
    cut.trim_end().to_owned()
}

/// Makes the database refuse new users from now on, as a database that fails would: whoever
/// writes to the bot for the first time cannot be read.
pub async fn refuse_new_users(pool: &Pool) {
    let refuse = match rider_bot::db::Engine::of(pool) {
        rider_bot::db::Engine::Sqlite => vec![
            "CREATE TRIGGER refuse_users BEFORE INSERT ON users \
             BEGIN SELECT RAISE(ABORT, 'refused'); END",
        ],
        rider_bot::db::Engine::Postgres => vec![
            "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
             $$ BEGIN RAISE EXCEPTION 'refused'; END $$",
            "CREATE TRIGGER refuse_users BEFORE INSERT ON users \
             FOR EACH ROW EXECUTE FUNCTION refuse()",
        ],
    };
    for sql in refuse {
        sqlx::raw_sql(sql).execute(pool).await.unwrap();
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some((token, handle)) = self.running.take() {
            let _ = token.shutdown();
            handle.abort();
        }
        if !std::thread::panicking() {
            let violations = self.emu.violations();
            assert!(violations.is_empty(), "Bot API violations: {violations:#?}");
        }
    }
}
