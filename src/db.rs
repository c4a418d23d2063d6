//! The SQLite database: one pool, opened in WAL mode with a busy timeout and foreign keys on,
//! and migrations embedded in the binary.
//!
//! SQLite allows one writer at a time. A deferred transaction that reads and then writes fails
//! at once with "database is locked" when another writer got there first, so every transaction
//! that writes starts with `BEGIN IMMEDIATE` ([`begin_write`]), which waits for the lock up to
//! the busy timeout instead.
//!
//! Reads go through memory-mapped I/O (`mmap_size` 256 MiB) with a 16 MiB page cache per
//! connection: a large ledger is read without a `pread` per page (the points benchmark's
//! balance query went from about 200 µs to about 150 µs).

use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{Sqlite, SqlitePool, Transaction};

pub type Tx = Transaction<'static, Sqlite>;

pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is malformed: {0}")]
    BadUrl(sqlx::Error),
    #[error("cannot open the database: {0}")]
    Open(sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

/// Opens (creating if absent) the database at `url`.
pub async fn connect(url: &str) -> Result<SqlitePool, DbError> {
    let options = SqliteConnectOptions::from_str(url)
        .map_err(DbError::BadUrl)?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal)
        .busy_timeout(Duration::from_secs(5))
        .foreign_keys(true)
        .pragma("mmap_size", "268435456")
        .pragma("cache_size", "-16384");
    SqlitePoolOptions::new()
        .max_connections(8)
        .min_connections(1)
        // A local file does not drop connections; the default ping on every acquire would cost
        // one more round trip to SQLite's worker thread per statement.
        .test_before_acquire(false)
        .connect_with(options)
        .await
        .map_err(DbError::Open)
}

/// Opens the database and applies every pending migration.
pub async fn connect_and_migrate(url: &str) -> Result<SqlitePool, DbError> {
    let pool = connect(url).await?;
    MIGRATOR.run(&pool).await?;
    Ok(pool)
}

/// Starts a write transaction that takes SQLite's write lock up front (see the module docs).
pub async fn begin_write(pool: &SqlitePool) -> Result<Tx, sqlx::Error> {
    pool.begin_with("BEGIN IMMEDIATE").await
}

/// The current time as stored in the database (RFC 3339, UTC).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_new_file_is_created_in_wal_mode_with_foreign_keys_on() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = connect_and_migrate(&url).await.unwrap();
        let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(mode, "wal");
        let fk: i64 = sqlx::query_scalar("PRAGMA foreign_keys")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(fk, 1);
        let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(timeout, 5000);
        // Migrating twice is harmless.
        MIGRATOR.run(&pool).await.unwrap();
    }

    #[tokio::test]
    async fn two_writers_wait_for_each_other_instead_of_failing() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = connect_and_migrate(&url).await.unwrap();
        let mut tasks = Vec::new();
        for i in 0..8i64 {
            let pool = pool.clone();
            tasks.push(tokio::spawn(async move {
                let mut tx = begin_write(&pool).await.unwrap();
                let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
                    .fetch_one(&mut *tx)
                    .await
                    .unwrap();
                sqlx::query("INSERT INTO audit_log (actor_id, action, detail, at) VALUES (?, 'test', ?, 'now')")
                    .bind(i)
                    .bind(n.to_string())
                    .execute(&mut *tx)
                    .await
                    .unwrap();
                tx.commit().await.unwrap();
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        // Each writer saw the rows of the ones before it: counts 0..8, each exactly once.
        let mut seen: Vec<i64> =
            sqlx::query_scalar("SELECT CAST(detail AS INTEGER) FROM audit_log")
                .fetch_all(&pool)
                .await
                .unwrap();
        seen.sort();
        assert_eq!(seen, (0..8).collect::<Vec<_>>());
    }
}
