//! `rider-bot seed`: loads a folder of demo data. Each capability that has importable data
//! (stations, service sessions, rewards, report categories) registers its file name and
//! importer in [`SEEDERS`]; files are loaded in that order, so later data can refer to earlier.
//!
//! Each file is imported like `rider-bot import` does it: all of it or, on a bad row, none.

use std::fmt;
use std::path::{Path, PathBuf};

use sqlx::SqlitePool;

use futures::future::BoxFuture;

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("seeds folder {0} does not exist or is not a folder")]
    NoFolder(PathBuf),
    #[error("cannot read {0}: {1}")]
    Read(PathBuf, std::io::Error),
    #[error("{file}: {why}; nothing of it was imported")]
    Import { file: String, why: String },
}

type Importer = for<'a> fn(&'a SqlitePool, &'a [u8]) -> BoxFuture<'a, Result<usize, String>>;

/// A seed file this release knows how to load, in load order.
struct Seeder {
    file: &'static str,
    import: Importer,
}

const SEEDERS: &[Seeder] = &[
    Seeder {
        file: "stations.csv",
        import: |pool, bytes| {
            Box::pin(async move {
                crate::stations::domain::import(pool, bytes)
                    .await
                    .map(|r| r.rows)
                    .map_err(|e| e.to_string())
            })
        },
    },
    Seeder {
        file: "services.csv",
        import: |pool, bytes| {
            Box::pin(async move {
                // The running bot turns plans into dated sessions (at start, then every ten
                // minutes), in its own time zone and clock.
                crate::services::domain::import_plans(pool, bytes, None)
                    .await
                    .map_err(|e| e.to_string())
            })
        },
    },
    Seeder {
        file: "rewards.csv",
        import: |pool, bytes| {
            Box::pin(async move {
                crate::points::domain::import_rewards(pool, bytes)
                    .await
                    .map(|(rows, _)| rows)
                    .map_err(|e| e.to_string())
            })
        },
    },
    Seeder {
        file: "departments.csv",
        import: |pool, bytes| {
            Box::pin(async move {
                crate::reports::domain::import_departments(pool, bytes)
                    .await
                    .map_err(|e| e.to_string())
            })
        },
    },
    Seeder {
        file: "categories.csv",
        import: |pool, bytes| {
            Box::pin(async move {
                crate::reports::domain::import_categories(pool, bytes)
                    .await
                    .map_err(|e| e.to_string())
            })
        },
    },
];

#[derive(Debug, Default)]
pub struct SeedReport {
    pub loaded: Vec<(String, usize)>,
    /// Files in the folder that no seeder claims.
    pub unknown: Vec<String>,
}

impl fmt::Display for SeedReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (file, rows) in &self.loaded {
            writeln!(f, "{file}: {rows} rows")?;
        }
        if self.loaded.is_empty() {
            writeln!(f, "nothing to seed: no known seed file in the folder")?;
        }
        for file in &self.unknown {
            writeln!(f, "{file}: skipped (no importer for it in this release)")?;
        }
        Ok(())
    }
}

pub async fn load_dir(pool: &SqlitePool, dir: &Path) -> Result<SeedReport, SeedError> {
    if !dir.is_dir() {
        return Err(SeedError::NoFolder(dir.to_owned()));
    }
    let mut report = SeedReport::default();
    let entries = std::fs::read_dir(dir).map_err(|e| SeedError::Read(dir.to_owned(), e))?;
    let mut files: Vec<String> = entries
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "csv"))
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    for seeder in SEEDERS {
        if !files.iter().any(|f| f == seeder.file) {
            continue;
        }
        let path = dir.join(seeder.file);
        let bytes = std::fs::read(&path).map_err(|e| SeedError::Read(path.clone(), e))?;
        let rows = (seeder.import)(pool, &bytes)
            .await
            .map_err(|why| SeedError::Import {
                file: seeder.file.to_owned(),
                why,
            })?;
        report.loaded.push((seeder.file.to_owned(), rows));
    }
    for file in files {
        if !SEEDERS.iter().any(|s| s.file == file) {
            report.unknown.push(file);
        }
    }
    Ok(report)
}
