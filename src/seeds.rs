//! `rider-bot seed`: loads the demo data. Each capability that has importable data (stations,
//! service sessions, rewards, report categories) registers its file name and importer in
//! [`SEEDERS`]; files are loaded in that order, so later data can refer to earlier.
//!
//! The demo files of `seeds/` are compiled into the binary ([`EMBEDDED`]), so `seed` and
//! `chat --seed` work from any folder; `--dir` reads a folder instead. A fresh database gets the
//! article's report categories and departments on first `migrate` or `run`
//! ([`ensure_defaults`]), so reports work out of the box; stations, services and rewards stay
//! the district's own data.
//!
//! Each file is imported like `rider-bot import` does it: all of it or, on a bad row, none.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::db::Pool;

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

type Importer = for<'a> fn(&'a Pool, &'a [u8]) -> BoxFuture<'a, Result<usize, String>>;

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

/// The demo seed files, as shipped in `seeds/`.
pub const EMBEDDED: &[(&str, &[u8])] = &[
    ("stations.csv", include_bytes!("../seeds/stations.csv")),
    ("services.csv", include_bytes!("../seeds/services.csv")),
    ("rewards.csv", include_bytes!("../seeds/rewards.csv")),
    (
        "departments.csv",
        include_bytes!("../seeds/departments.csv"),
    ),
    ("categories.csv", include_bytes!("../seeds/categories.csv")),
];

/// The defaults a fresh database gets: what reports need to work.
const DEFAULTS: &[&str] = &["departments.csv", "categories.csv"];

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

/// Loads the demo seeds compiled into the binary.
pub async fn load_embedded(pool: &Pool) -> Result<SeedReport, SeedError> {
    let mut report = SeedReport::default();
    for seeder in SEEDERS {
        if let Some((_, bytes)) = EMBEDDED.iter().find(|(f, _)| *f == seeder.file) {
            report
                .loaded
                .push((seeder.file.to_owned(), load(pool, seeder, bytes).await?));
        }
    }
    Ok(report)
}

/// Gives a database with no departments and no categories the article's (once: a district
/// that imported its own, or removed them all, keeps what it has). Returns the files loaded.
pub async fn ensure_defaults(pool: &Pool) -> Result<Vec<(String, usize)>, SeedError> {
    let count = |table: &'static str| async move {
        sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(pool)
            .await
            .map_err(|e| SeedError::Import {
                file: table.to_owned(),
                why: e.to_string(),
            })
    };
    if count("departments").await? > 0 || count("categories").await? > 0 {
        return Ok(Vec::new());
    }
    let mut loaded = Vec::new();
    for seeder in SEEDERS.iter().filter(|s| DEFAULTS.contains(&s.file)) {
        if let Some((_, bytes)) = EMBEDDED.iter().find(|(f, _)| *f == seeder.file) {
            loaded.push((seeder.file.to_owned(), load(pool, seeder, bytes).await?));
        }
    }
    Ok(loaded)
}

async fn load(pool: &Pool, seeder: &Seeder, bytes: &[u8]) -> Result<usize, SeedError> {
    (seeder.import)(pool, bytes)
        .await
        .map_err(|why| SeedError::Import {
            file: seeder.file.to_owned(),
            why,
        })
}

/// Loads the known seed files in `dir`.
pub async fn load_dir(pool: &Pool, dir: &Path) -> Result<SeedReport, SeedError> {
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
        report
            .loaded
            .push((seeder.file.to_owned(), load(pool, seeder, &bytes).await?));
    }
    for file in files {
        if !SEEDERS.iter().any(|s| s.file == file) {
            report.unknown.push(file);
        }
    }
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_seeder_has_its_file_compiled_in() {
        for seeder in SEEDERS {
            assert!(
                EMBEDDED
                    .iter()
                    .any(|(f, bytes)| *f == seeder.file && !bytes.is_empty()),
                "{}",
                seeder.file
            );
        }
    }

    #[tokio::test]
    async fn a_fresh_database_gets_the_default_categories_once() {
        let (_dir, pool) = crate::db::testing::scratch().await;
        let loaded = ensure_defaults(&pool).await.unwrap();
        assert_eq!(
            loaded,
            [
                ("departments.csv".to_owned(), 6),
                ("categories.csv".to_owned(), 6)
            ]
        );
        assert!(ensure_defaults(&pool).await.unwrap().is_empty());
        let stations: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM stations")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(stations, 0, "stations stay the district's own data");
    }
}
