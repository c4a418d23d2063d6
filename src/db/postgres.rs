//! PostgreSQL: a pool for a `postgres://` URL and the migrations of `migrations/postgres`, the
//! same versions as SQLite's in PostgreSQL's dialect (see ARCHITECTURE.md, "Two databases").
//!
//! Several instances may start at once against one database: sqlx's PostgreSQL migrator holds
//! an advisory lock for the whole run, so the second waits and then finds nothing to apply.

use std::str::FromStr;

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::PgPool;

use super::DbError;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

/// Whether `url` names a PostgreSQL database rather than an SQLite one.
pub fn is_postgres_url(url: &str) -> bool {
    url.starts_with("postgres://") || url.starts_with("postgresql://")
}

/// Opens a pool on the PostgreSQL database at `url` (which must exist).
pub async fn connect(url: &str) -> Result<PgPool, DbError> {
    let options = PgConnectOptions::from_str(url)
        .map_err(DbError::BadUrl)?
        .application_name("rider-bot");
    PgPoolOptions::new()
        .max_connections(8)
        .connect_with(options)
        .await
        .map_err(DbError::Open)
}

/// Opens the database and applies every pending migration.
pub async fn connect_and_migrate(url: &str) -> Result<PgPool, DbError> {
    let pool = connect(url).await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}
