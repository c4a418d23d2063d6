//! The command line: `rider-bot <subcommand>`. Each subcommand parses its arguments here and
//! calls into the library; errors come back as one line for `main` to print.

use clap::{Parser, Subcommand};

use crate::bot::webhook;
use crate::config::Config;
use crate::i18n::Lang;
use crate::startup::{self, Application};
use crate::{chat, db, points, reports, seeds, services, stations};

/// `rider-bot --version`: the release and the git commit it was built from.
pub const VERSION: &str = concat!(
    env!("CARGO_PKG_VERSION"),
    " (commit ",
    env!("RIDER_BOT_COMMIT"),
    ")"
);

#[derive(Debug, Parser)]
#[command(name = "rider-bot", version = VERSION, about = "Telegram bot for delivery riders: warm-up stations, free services, grid reports and a points passbook.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot: apply migrations, then long-poll the Bot API (or, with --webhook, take
    /// updates by webhook) until SIGINT/SIGTERM.
    Run {
        /// Take updates by webhook at this public URL (set it with `webhook set`): an HTTP
        /// server on HTTP_ADDR, at the URL's path or WEBHOOK_PATH. Needs WEBHOOK_SECRET.
        #[arg(long, value_name = "URL")]
        webhook: Option<url::Url>,
    },
    /// The webhook Telegram posts updates to (for `run --webhook`): set, info, delete.
    Webhook {
        #[command(subcommand)]
        what: WebhookWhat,
    },
    /// Apply pending database migrations and exit.
    Migrate,
    /// Try the whole bot offline in this terminal, against a built-in Bot API emulator (no token).
    Chat {
        /// Load the demo seeds first (the ones compiled in, or --seeds-dir).
        #[arg(long)]
        seed: bool,
        /// Read the seed CSV files from this folder instead of the ones compiled in.
        #[arg(long)]
        seeds_dir: Option<std::path::PathBuf>,
        /// Use (and keep) this SQLite file instead of a fresh temporary one.
        #[arg(long)]
        db: Option<std::path::PathBuf>,
        /// The language your Telegram app reports: zh or en.
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
        /// Stop the bot's clock at this district time, e.g. "2026-12-05 23:10" (to try the
        /// stations at night).
        #[arg(long, value_parser = parse_local_time)]
        at: Option<chrono::NaiveDateTime>,
    },
    /// Import data from a CSV file (the whole file or nothing; errors name line and column).
    Import {
        #[command(subcommand)]
        what: ImportWhat,
    },
    /// Export data as CSV, in the format `import` reads.
    Export {
        #[command(subcommand)]
        what: ExportWhat,
    },
    /// Check a deployment: the token, the coordinators' group, the media folder, the database
    /// and the clock, one line each; exit 0 only when all pass.
    Doctor,
    /// Write a consistent copy of the database (the bot may be running) to a new FILE.
    Backup {
        /// The new file (never overwritten).
        file: std::path::PathBuf,
        /// Also copy the photos under MEDIA_DIR into this folder (the ones it lacks).
        #[arg(long)]
        media: Option<std::path::PathBuf>,
    },
    /// Replace the database with a backup, after checking it (the bot must be stopped).
    Restore {
        /// The backup file.
        file: std::path::PathBuf,
    },
    /// Copy the SQLite database of DATABASE_URL into a new, empty PostgreSQL database (every
    /// bot stopped), to scale out; all of it or nothing.
    CopyToPostgres {
        /// The PostgreSQL database: postgres://user@host:5432/database.
        url: String,
    },
    /// Load the demo data (compiled in, or from a folder) into the database.
    Seed {
        /// Read the seed CSV files from this folder instead of the ones compiled in.
        #[arg(long)]
        dir: Option<std::path::PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
pub enum WebhookWhat {
    /// Ask Telegram to post updates to URL, with WEBHOOK_SECRET as the secret token.
    Set {
        /// The public HTTPS URL the reverse proxy forwards to `run --webhook`.
        url: url::Url,
        /// Requests Telegram makes at once (1 to 100; Telegram's default is 40).
        #[arg(long, value_parser = clap::value_parser!(u8).range(1..=100))]
        max_connections: Option<u8>,
        /// Update types to receive, comma-separated (default: the types the bot handles).
        #[arg(long, value_name = "a,b")]
        allowed_updates: Option<String>,
        /// Drop the updates waiting at Telegram.
        #[arg(long)]
        drop_pending_updates: bool,
    },
    /// Show the webhook: URL, pending updates, last error, connections, update types.
    Info,
    /// Remove the webhook (the bot can long-poll again).
    Delete {
        /// Drop the updates waiting at Telegram.
        #[arg(long)]
        drop_pending_updates: bool,
    },
}

#[derive(Debug, Subcommand)]
pub enum ImportWhat {
    /// Warm-up stations: code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone
    Stations {
        /// The CSV file (UTF-8, header row first).
        file: std::path::PathBuf,
    },
    /// The rewards catalogue: code,name_zh,name_en,cost,stock,active
    Rewards {
        /// The CSV file (UTF-8, header row first).
        file: std::path::PathBuf,
    },
    /// Departments that fix reported problems: code,name_zh,name_en,active
    Departments {
        /// The CSV file (UTF-8, header row first).
        file: std::path::PathBuf,
    },
    /// Report categories: code,name_zh,name_en,department,points,active (departments first)
    Categories {
        /// The CSV file (UTF-8, header row first).
        file: std::path::PathBuf,
    },
    /// Free-service plans: code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active
    Services {
        /// The CSV file (UTF-8, header row first).
        file: std::path::PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum ExportWhat {
    /// Warm-up stations, in the import format.
    Stations {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// The rewards catalogue (with current stock), in the import format.
    Rewards {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Departments, in the import format.
    Departments {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Report categories (with their points), in the import format.
    Categories {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Free-service plans (with their points), in the import format.
    Services {
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
    /// Reports for other city systems: Open311 GeoReport v2 requests as JSON, no reporter data.
    Reports {
        /// The format (only open311 for now).
        #[arg(long, default_value = "open311", value_parser = ["open311"])]
        format: String,
        /// Include free text: riders' descriptions and the reasons for rejections. Left out by
        /// default.
        #[arg(long)]
        with_notes: bool,
        /// Write to this file instead of standard output.
        #[arg(long)]
        out: Option<std::path::PathBuf>,
    },
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Run { webhook } => {
            // Webhook mode's settings are checked, and its port taken, before anything starts.
            let server = match &webhook {
                Some(url) => Some(webhook_server(&config, url).await?),
                None => None,
            };
            // In webhook mode the health and metrics routes are served beside the webhook, on
            // the socket just taken: the application binds nothing more.
            let mut config = config;
            if webhook.is_some() {
                config.http_addr = None;
            }
            let app = Application::build(&config).await;
            // The same lines as `doctor`, after start-up applied the migrations (or failed).
            for check in crate::doctor::checks(&config).await {
                if check.ok {
                    tracing::info!(check = check.what, "{}", check.detail);
                } else {
                    tracing::warn!(check = check.what, "{}", check.detail);
                }
            }
            let app = app?;
            startup::stop_on_signals(app.shutdown_token());
            tracing::info!("rider-bot is running; Ctrl-C or SIGTERM stops it");
            match (webhook, server) {
                (Some(url), Some(server)) => {
                    warn_if_set_elsewhere(app.bot(), &url).await;
                    app.run_webhook(server).await?;
                }
                _ => {
                    warn_if_webhook_set(app.bot()).await;
                    app.run_until_stopped().await?
                }
            }
            tracing::info!("stopped");
        }
        Command::Webhook { what } => webhook_command(&config, what).await?,
        Command::Migrate => {
            let pool = db::connect_sized(&config.database_url, config.database_pool_size).await?;
            let before = applied(&pool).await;
            db::Engine::of(&pool)
                .migrator()
                .run(&pool)
                .await
                .map_err(db::DbError::from)?;
            let after = applied(&pool).await;
            println!(
                "migrations: {} applied now, {} in total",
                after - before,
                after
            );
            for (file, rows) in seeds::ensure_defaults(&pool).await? {
                println!("defaults: {file}: {rows} rows (the database had none)");
            }
        }
        Command::Chat {
            seed,
            seeds_dir,
            db,
            lang,
            at,
        } => {
            let lang = if lang == "en" { Lang::En } else { Lang::Zh };
            chat::run(
                config,
                chat::ChatOptions {
                    db,
                    seed,
                    seeds_dir,
                    lang,
                    at,
                },
            )
            .await?;
        }
        Command::Import { what } => {
            let pool =
                db::connect_and_migrate_sized(&config.database_url, config.database_pool_size)
                    .await?;
            let line = match what {
                ImportWhat::Stations { file } => {
                    let (report, read) =
                        import_file(&file, async |b| stations::domain::import(&pool, b).await)
                            .await?;
                    format!(
                        "stations: {} imported ({} new, {} updated); {read}",
                        report.rows,
                        report.new,
                        report.rows - report.new
                    )
                }
                ImportWhat::Rewards { file } => {
                    let ((rows, new), read) = import_file(&file, async |b| {
                        points::domain::import_rewards(&pool, b).await
                    })
                    .await?;
                    format!(
                        "rewards: {rows} imported ({new} new, {} updated); {read}",
                        rows - new
                    )
                }
                ImportWhat::Departments { file } => {
                    let (rows, read) = import_file(&file, async |b| {
                        reports::domain::import_departments(&pool, b).await
                    })
                    .await?;
                    format!("departments: {rows} imported; {read}")
                }
                ImportWhat::Services { file } => {
                    let (rows, read) = import_file(&file, async |b| {
                        services::domain::import_plans(
                            &pool,
                            b,
                            Some((config.clock.now(), config.timezone)),
                        )
                        .await
                    })
                    .await?;
                    format!("service plans: {rows} imported; {read}")
                }
                ImportWhat::Categories { file } => {
                    let (rows, read) = import_file(&file, async |b| {
                        reports::domain::import_categories(&pool, b).await
                    })
                    .await?;
                    format!("categories: {rows} imported; {read}")
                }
            };
            println!("{line}");
        }
        Command::Export { what } => {
            let pool =
                db::connect_and_migrate_sized(&config.database_url, config.database_pool_size)
                    .await?;
            let (csv, out) = match what {
                ExportWhat::Stations { out } => (stations::domain::export(&pool).await?, out),
                ExportWhat::Rewards { out } => (points::domain::export_rewards(&pool).await?, out),
                ExportWhat::Departments { out } => {
                    (reports::domain::export_departments(&pool).await?, out)
                }
                ExportWhat::Services { out } => (services::domain::export_plans(&pool).await?, out),
                ExportWhat::Categories { out } => {
                    (reports::domain::export_categories(&pool).await?, out)
                }
                ExportWhat::Reports {
                    format: _,
                    with_notes,
                    out,
                } => {
                    let notes = match with_notes {
                        true => reports::open311::Notes::Included,
                        false => reports::open311::Notes::Withheld,
                    };
                    let json = reports::open311::export(
                        &pool,
                        config.media_base_url.as_ref(),
                        config.timezone,
                        notes,
                    )
                    .await?;
                    (json, out)
                }
            };
            match out {
                Some(path) => std::fs::write(&path, csv)
                    .map_err(|e| anyhow::anyhow!("cannot write {}: {e}", path.display()))?,
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&csv)?;
                }
            }
        }
        Command::Doctor => {
            let checks = crate::doctor::checks(&config).await;
            for check in &checks {
                println!("{check}");
            }
            if checks.iter().any(|c| !c.ok) {
                anyhow::bail!("some checks failed: see the lines marked ❌");
            }
        }
        Command::Backup { file, media } => {
            println!(
                "{}",
                crate::backup::backup(&config, &file, media.as_deref()).await?
            );
        }
        Command::Restore { file } => {
            println!("{}", crate::backup::restore(&config, &file).await?);
        }
        Command::CopyToPostgres { url } => {
            print!(
                "{}",
                crate::to_postgres::copy(&config.database_url, &url).await?
            );
        }
        Command::Seed { dir } => {
            let pool =
                db::connect_and_migrate_sized(&config.database_url, config.database_pool_size)
                    .await?;
            let report = match dir {
                Some(dir) => seeds::load_dir(&pool, &dir).await?,
                None => seeds::load_embedded(&pool).await?,
            };
            print!("{report}");
        }
    }
    Ok(())
}

/// Reads `file` and hands its bytes to `import`; an error names the file and says that nothing
/// of it was imported (every import is one transaction). Also says which text encoding it read
/// ("read as UTF-8", "read as GB18030/GBK").
async fn import_file<T, E: std::fmt::Display>(
    file: &std::path::Path,
    import: impl AsyncFnOnce(&[u8]) -> Result<T, E>,
) -> anyhow::Result<(T, String)> {
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let result = import(&bytes)
        .await
        .map_err(|e| anyhow::anyhow!("{}: {e}; nothing was imported", file.display()))?;
    let read = crate::csvfile::decode(&bytes)
        .map(|(_, encoding)| format!("read as {}", encoding.name()))
        .unwrap_or_default();
    Ok((result, read))
}

fn parse_local_time(raw: &str) -> Result<chrono::NaiveDateTime, String> {
    chrono::NaiveDateTime::parse_from_str(raw.trim(), "%Y-%m-%d %H:%M")
        .map_err(|_| format!("{raw:?} is not a time like \"2026-12-05 23:10\""))
}

async fn applied(pool: &crate::db::Pool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success")
        .fetch_one(pool)
        .await
        .unwrap_or(0)
}

/// Webhook mode's server: WEBHOOK_SECRET, the path (WEBHOOK_PATH, else the URL's), and
/// HTTP_ADDR bound.
async fn webhook_server(config: &Config, url: &url::Url) -> anyhow::Result<startup::WebhookServer> {
    let secret = config.require_webhook_secret()?.clone();
    let path = config
        .webhook_path
        .clone()
        .unwrap_or_else(|| url.path().to_owned());
    let listener = tokio::net::TcpListener::bind(config.webhook_addr())
        .await
        .map_err(|e| {
            anyhow::anyhow!("cannot listen on HTTP_ADDR {}: {e}", config.webhook_addr())
        })?;
    Ok(startup::WebhookServer {
        listener,
        path,
        secret,
        routes: axum::Router::new(),
    })
}

/// Setting the webhook is the operator's act (`webhook set`); `run --webhook` only says when
/// Telegram posts somewhere else.
async fn warn_if_set_elsewhere(bot: &teloxide::Bot, url: &url::Url) {
    match webhook::admin::info(bot).await {
        Ok(info) if info.url.as_ref() == Some(url) => {
            tracing::info!("webhook: Telegram posts to this URL")
        }
        Ok(info) => tracing::warn!(
            set = info.url.as_ref().map_or("(none)", |u| u.as_str()),
            "webhook: Telegram posts elsewhere; run `rider-bot webhook set URL`"
        ),
        Err(err) => tracing::warn!(%err, "webhook: getWebhookInfo failed"),
    }
}

/// Telegram refuses getUpdates while a webhook is set: say so once at start, with the way out.
async fn warn_if_webhook_set(bot: &teloxide::Bot) {
    if let Ok(info) = webhook::admin::info(bot).await {
        if let Some(url) = info.url {
            tracing::warn!(
                %url,
                "a webhook is set, so Telegram refuses long polling: run \
                 `rider-bot webhook delete`, or `rider-bot run --webhook URL`"
            );
        }
    }
}

async fn webhook_command(config: &Config, what: WebhookWhat) -> anyhow::Result<()> {
    use webhook::admin;
    let bot = startup::bot_for(config)?;
    match what {
        WebhookWhat::Set {
            url,
            max_connections,
            allowed_updates,
            drop_pending_updates,
        } => {
            let secret = config.require_webhook_secret()?;
            let allowed_updates = match allowed_updates {
                Some(list) => admin::parse_allowed(&list)
                    .map_err(|why| anyhow::anyhow!("--allowed-updates: {why}"))?,
                None => startup::handled_updates(),
            };
            let options = admin::SetOptions {
                max_connections,
                allowed_updates,
                drop_pending_updates,
            };
            admin::set(&bot, url.clone(), secret, &options)
                .await
                .map_err(|e| anyhow::anyhow!("setWebhook failed: {e}"))?;
            println!(
                "webhook set: {url} (updates: {})",
                admin::names(&options.allowed_updates)
            );
        }
        WebhookWhat::Info => {
            let info = admin::info(&bot)
                .await
                .map_err(|e| anyhow::anyhow!("getWebhookInfo failed: {e}"))?;
            for line in admin::describe(&info) {
                println!("{line}");
            }
        }
        WebhookWhat::Delete {
            drop_pending_updates,
        } => {
            admin::delete(&bot, drop_pending_updates)
                .await
                .map_err(|e| anyhow::anyhow!("deleteWebhook failed: {e}"))?;
            println!("webhook deleted: `rider-bot run` long-polls again");
        }
    }
    Ok(())
}
