//! `rider-bot backup FILE [--media DIR]` and `rider-bot restore FILE`.
//!
//! A backup is SQLite's `VACUUM INTO`: a consistent copy of the database as of one moment,
//! taken while the bot runs (it reads, it does not block the bot's writes for long), written
//! to a new file that is then checked. Photos are files under `MEDIA_DIR`, named by their
//! content, so `--media` copies the ones the destination lacks.
//!
//! A restore refuses a file that is not a rider-bot database, one that fails SQLite's
//! integrity check, one written by a newer release, and any restore while a bot holds the
//! database (`db::InstanceLock`). It checks the copy it is about to install (not the backup
//! beside its own files), folds the live database's write-ahead log into it and keeps it as
//! `<database>.before-restore`, and only then moves the checked copy into place.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::SqlitePool as Pool;

use crate::config::Config;
use crate::db::{self, DbError, InstanceLock};

#[derive(Debug, thiserror::Error)]
pub enum BackupError {
    #[error("{0} already exists: choose a new file name (a backup never overwrites)")]
    Exists(PathBuf),
    #[error("the folder of {0} does not exist")]
    NoFolder(PathBuf),
    #[error("there is no database to back up at {0}")]
    NoDatabase(String),
    #[error("{file} is not a rider-bot database ({why})")]
    NotOurs { file: PathBuf, why: String },
    #[error("{file} fails SQLite's integrity check: {why}")]
    Damaged { file: PathBuf, why: String },
    #[error("{file}: {why}")]
    Io { file: PathBuf, why: String },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("the backup could not be written ({0}); nothing was changed")]
    Write(String),
    #[error("the database is PostgreSQL: {0}")]
    Postgres(&'static str),
}

/// Refuses `backup` and `restore` on PostgreSQL, which has its own tools for both.
fn sqlite_only(config: &Config, what: &'static str) -> Result<(), BackupError> {
    match db::Engine::of_url(&config.database_url) {
        db::Engine::Sqlite => Ok(()),
        db::Engine::Postgres => Err(BackupError::Postgres(what)),
    }
}

/// What a copy holds: its migration level, and the level this release knows.
struct Level {
    applied: usize,
    known: usize,
}

/// Opens `file` read-only and checks it is an intact rider-bot database of a level this
/// release can run.
async fn inspect(file: &Path) -> Result<Level, BackupError> {
    let not_ours = |why: String| BackupError::NotOurs {
        file: file.to_owned(),
        why,
    };
    if !file.is_file() {
        return Err(not_ours("no such file".into()));
    }
    let options = SqliteConnectOptions::new()
        .filename(file)
        .read_only(true)
        .create_if_missing(false);
    let pool = Pool::connect_with(options)
        .await
        .map_err(|e| not_ours(e.to_string()))?;
    let check: Result<String, sqlx::Error> = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&pool)
        .await;
    let level = match check {
        Err(e) => Err(not_ours(e.to_string())),
        Ok(result) if result != "ok" => Err(BackupError::Damaged {
            file: file.to_owned(),
            why: result,
        }),
        Ok(_) => match db::sqlite_migration_level(&pool).await {
            Ok((0, _)) => Err(not_ours("it has no rider-bot migrations".into())),
            Ok((applied, known)) => Ok(Level { applied, known }),
            Err(e) => Err(e.into()),
        },
    };
    pool.close().await;
    level
}

/// Writes a consistent copy of the live database to `file`, and the photos to `media`.
pub async fn backup(
    config: &Config,
    file: &Path,
    media: Option<&Path>,
) -> Result<String, BackupError> {
    sqlite_only(
        config,
        "back it up with pg_dump (e.g. `pg_dump -Fc -f FILE DATABASE_URL`)",
    )?;
    if file.exists() {
        return Err(BackupError::Exists(file.to_owned()));
    }
    let parent = file.parent().filter(|p| !p.as_os_str().is_empty());
    if parent.is_some_and(|p| !p.is_dir()) {
        return Err(BackupError::NoFolder(file.to_owned()));
    }
    let options = SqliteConnectOptions::from_str(&config.database_url)
        .map_err(|e| BackupError::Db(DbError::BadUrl(e)))?
        .read_only(true)
        .create_if_missing(false);
    let pool = Pool::connect_with(options)
        .await
        .map_err(|_| BackupError::NoDatabase(config.database_url.clone()))?;
    let into = file.to_string_lossy().into_owned();
    let written = sqlx::query("VACUUM INTO ?")
        .bind(&into)
        .execute(&pool)
        .await;
    pool.close().await;
    if let Err(e) = written {
        let _ = std::fs::remove_file(file);
        return Err(BackupError::Write(e.to_string()));
    }
    let level = inspect(file).await?;
    let size = std::fs::metadata(file).map(|m| m.len()).unwrap_or(0);
    let mut line = format!(
        "backup: {} ({:.1} MiB, {} migrations, integrity ok)",
        file.display(),
        size as f64 / (1024.0 * 1024.0),
        level.applied
    );
    if let Some(dir) = media {
        let copied = copy_media(&config.media_dir, dir).map_err(|e| {
            BackupError::Write(format!(
                "{} is complete, but copying the photos failed: {e}",
                file.display()
            ))
        })?;
        line.push_str(&format!(
            "\nmedia: {copied} new files copied from {} to {}",
            config.media_dir.display(),
            dir.display()
        ));
    }
    Ok(line)
}

/// Copies every file under `from` that `to` lacks (photos are named by their content): each to
/// a temporary name first, so a full disk never leaves a truncated photo under its real name.
/// Files being written by the bot (dot-named temporaries) are passed over.
fn copy_media(from: &Path, to: &Path) -> Result<usize, BackupError> {
    let io = |file: &Path, e: std::io::Error| BackupError::Io {
        file: file.to_owned(),
        why: e.to_string(),
    };
    let mut copied = 0;
    let mut stack = vec![from.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let entries = match std::fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && dir == from => return Ok(0),
            Err(e) => return Err(io(&dir, e)),
        };
        for entry in entries {
            let path = entry.map_err(|e| io(&dir, e))?.path();
            if path.is_dir() {
                stack.push(path);
                continue;
            }
            let Ok(relative) = path.strip_prefix(from) else {
                continue;
            };
            let hidden = path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'));
            let target = to.join(relative);
            if hidden || target.exists() {
                continue;
            }
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent).map_err(|e| io(parent, e))?;
            }
            let mut partial = target.clone().into_os_string();
            partial.push(".partial");
            let partial = PathBuf::from(partial);
            if let Err(e) = std::fs::copy(&path, &partial) {
                let _ = std::fs::remove_file(&partial);
                return Err(io(&target, e));
            }
            std::fs::rename(&partial, &target).map_err(|e| io(&target, e))?;
            copied += 1;
        }
    }
    Ok(copied)
}

/// Replaces the live database with the backup in `file`, after checking it.
pub async fn restore(config: &Config, file: &Path) -> Result<String, BackupError> {
    sqlite_only(
        config,
        "restore a pg_dump backup with pg_restore while no bot runs",
    )?;
    let Some(live) = db::sqlite_path(&config.database_url)? else {
        return Err(BackupError::NoDatabase(config.database_url.clone()));
    };
    // Held until the copy is in place: no bot can start on the file meanwhile.
    let _lock = InstanceLock::acquire(&config.database_url)?;
    let io = |f: &Path, e: std::io::Error| BackupError::Io {
        file: f.to_owned(),
        why: e.to_string(),
    };
    if !file.is_file() {
        return Err(BackupError::NotOurs {
            file: file.to_owned(),
            why: "no such file".into(),
        });
    }
    // Check exactly what will be installed: a copy of the file alone.
    let staging = with_suffix(&live, ".restoring");
    std::fs::copy(file, &staging).map_err(|e| io(&staging, e))?;
    let level = match inspect(&staging).await {
        Ok(level) => level,
        Err(err) => {
            let _ = std::fs::remove_file(&staging);
            return Err(match err {
                BackupError::NotOurs { why, .. } => BackupError::NotOurs {
                    file: file.to_owned(),
                    why,
                },
                BackupError::Damaged { why, .. } => BackupError::Damaged {
                    file: file.to_owned(),
                    why,
                },
                other => other,
            });
        }
    };
    for side in ["-wal", "-shm", "-journal"] {
        let _ = std::fs::remove_file(with_suffix(&staging, side));
    }
    std::fs::File::open(&staging)
        .and_then(|f| f.sync_all())
        .map_err(|e| io(&staging, e))?;
    let kept = with_suffix(&live, ".before-restore");
    if live.exists() {
        // Fold the live database's write-ahead log into it, so the file kept is whole and no
        // stale log is left beside the new one.
        let url = format!("sqlite://{}", live.display());
        let pool = Pool::connect(&url)
            .await
            .map_err(|e| BackupError::Db(DbError::Open(e)))?;
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)")
            .execute(&pool)
            .await
            .map_err(|e| BackupError::Db(DbError::Open(e)))?;
        pool.close().await;
        std::fs::rename(&live, &kept).map_err(|e| io(&live, e))?;
        for side in ["-wal", "-shm"] {
            let side = with_suffix(&live, side);
            match std::fs::remove_file(&side) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                Err(e) => return Err(io(&side, e)),
            }
        }
    }
    std::fs::rename(&staging, &live).map_err(|e| io(&live, e))?;
    let mut line = format!(
        "restored {} into {} ({} migrations",
        file.display(),
        live.display(),
        level.applied
    );
    if level.applied < level.known {
        line.push_str(&format!(
            "; this release has {}: `run` or `migrate` applies the rest",
            level.known
        ));
    }
    line.push(')');
    if kept.exists() {
        line.push_str(&format!(
            "; the database it replaced is kept as {}",
            kept.display()
        ));
    }
    Ok(line)
}

/// `path` with `suffix` added to its file name.
fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
