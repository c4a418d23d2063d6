//! Exports over Telegram: `/export` (coordinators) answers at once with "preparing…", builds the
//! file in a task of its own and sends it as a document (`command`).

pub mod command;

use std::path::PathBuf;

use crate::bot::core::registry::{stay, Audience, Capability, Command, Job, JobScope};
use crate::config::Config;
use crate::exports::slots::Slots;

/// Where export files are made, the district's time zone, and the largest document Telegram
/// takes from the bot.
#[derive(Debug, Clone)]
pub struct ExportSettings {
    /// `MEDIA_DIR/.exports`: temporary files, removed after sending (and at start).
    pub dir: PathBuf,
    pub tz: chrono_tz::Tz,
    /// `DOCUMENT_UPLOAD_LIMIT_MB` in bytes: a file larger than this is zipped.
    pub max_document_bytes: u64,
}

/// What exports register: `/export`, its settings and slots, and the start-up job that
/// removes files a crash left behind.
pub fn capability<T: Send + Sync + 'static>(config: &Config) -> Capability<T> {
    Capability::new("exports")
        .provide(ExportSettings {
            dir: config.media_dir.join(".exports"),
            tz: config.timezone,
            max_document_bytes: config.document_upload_limit,
        })
        .provide(Slots::default())
        .command(Command {
            name: "export",
            description: "cmd-export",
            audience: Audience::Coordinators,
            registered_only: false,
            run: |ctx, _, _, args| Box::pin(stay(command::export_command(ctx, args))),
        })
        .job(Job {
            name: "exports.leftovers",
            every: None,
            at_start: true,
            scope: JobScope::EachInstance,
            run: |env| {
                Box::pin(async move {
                    let dir = env.dep::<ExportSettings>()?.dir.clone();
                    let removed = tokio::task::spawn_blocking(move || {
                        crate::exports::file::clear_leftovers(&dir)
                    })
                    .await
                    .map_err(|e| crate::bot::core::BotError::Internal(e.to_string()))?
                    .map_err(|e| crate::bot::core::BotError::Internal(e.to_string()))?;
                    if removed > 0 {
                        tracing::info!(removed, "export files left by a stop removed");
                    }
                    Ok(())
                })
            },
        })
}
