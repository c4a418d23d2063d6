//! The command line: `rider-bot <subcommand>`. Each subcommand parses its arguments here and
//! calls into the library; errors come back as one line for `main` to print.

use clap::{Parser, Subcommand};

use crate::config::Config;
use crate::i18n::Lang;
use crate::startup::{self, Application};
use crate::{chat, db, seeds};

#[derive(Debug, Parser)]
#[command(name = "rider-bot", version, about = "Telegram bot for delivery riders: warm-up stations, free services, grid reports and a points passbook.", long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the bot: apply migrations, then long-poll the Bot API until SIGINT/SIGTERM.
    Run,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Try the whole bot offline in this terminal, against a built-in Bot API emulator (no token).
    Chat {
        /// Load the demo seeds (from --seeds-dir) first.
        #[arg(long)]
        seed: bool,
        /// The folder holding the seed CSV files.
        #[arg(long, default_value = "seeds")]
        seeds_dir: std::path::PathBuf,
        /// Use (and keep) this SQLite file instead of a fresh temporary one.
        #[arg(long)]
        db: Option<std::path::PathBuf>,
        /// The language your Telegram app reports: zh or en.
        #[arg(long, default_value = "zh", value_parser = ["zh", "en"])]
        lang: String,
    },
    /// Load the demo data in a seeds folder into the database.
    Seed {
        /// The folder holding the seed CSV files.
        #[arg(long, default_value = "seeds")]
        dir: std::path::PathBuf,
    },
}

pub async fn run(cli: Cli, config: Config) -> anyhow::Result<()> {
    match cli.command {
        Command::Run => {
            let app = Application::build(&config).await?;
            startup::stop_on_signals(app.shutdown_token());
            tracing::info!("rider-bot is running; Ctrl-C or SIGTERM stops it");
            app.run_until_stopped().await?;
            tracing::info!("stopped");
        }
        Command::Migrate => {
            let pool = db::connect(&config.database_url).await?;
            let before = applied(&pool).await;
            db::MIGRATOR.run(&pool).await.map_err(db::DbError::from)?;
            let after = applied(&pool).await;
            println!(
                "migrations: {} applied now, {} in total",
                after - before,
                after
            );
        }
        Command::Chat {
            seed,
            seeds_dir,
            db,
            lang,
        } => {
            let lang = if lang == "en" { Lang::En } else { Lang::Zh };
            chat::run(
                config,
                chat::ChatOptions {
                    db,
                    seed,
                    seeds_dir,
                    lang,
                },
            )
            .await?;
        }
        Command::Seed { dir } => {
            let pool = db::connect_and_migrate(&config.database_url).await?;
            let report = seeds::load_dir(&pool, &dir).await?;
            print!("{report}");
        }
    }
    Ok(())
}

async fn applied(pool: &sqlx::SqlitePool) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations WHERE success = 1")
        .fetch_one(pool)
        .await
        .unwrap_or(0)
}
