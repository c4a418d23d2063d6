//! The database: SQLite (the default) or PostgreSQL, chosen by `DATABASE_URL`'s scheme and
//! reached through `sqlx::Any`, so the SQL is written once (see ARCHITECTURE.md, "Two
//! databases"). Every difference between the engines the code needs is in this module: opening
//! a pool, the migrations folder, how a write transaction starts, and the SQLite-only upkeep.
//! [`postgres`] holds PostgreSQL's migrations and its typed pool for tests.
//!
//! SQLite allows one writer at a time. A deferred transaction that reads and then writes fails
//! at once with "database is locked" when another writer got there first, so every transaction
//! that writes starts with `BEGIN IMMEDIATE` ([`begin_write`]), which waits for the lock up to
//! the busy timeout instead. On PostgreSQL the same transaction takes one advisory lock first,
//! so writers are serialised alike and the rules that count on it (next queue number, stock
//! checks, the outbox take) hold unchanged.
//!
//! `ANALYZE`'s `sqlite_stat4` samples are cleared at start ([`forget_stat4_samples`]): with them,
//! SQLite re-compiles cached statements on every new bound value.
//!
//! Reads go through memory-mapped I/O (`mmap_size` 256 MiB) with a 16 MiB page cache per
//! connection: a large ledger is read without a `pread` per page (the points benchmark's
//! balance query went from about 200 µs to about 150 µs).
//!
//! Times are stored as RFC 3339 text ([`At`]) and flags as integers 0/1 ([`Flag`]) on both.

use std::str::FromStr;

use sqlx::any::{AnyConnectOptions, AnyPoolOptions};
use sqlx::sqlite::SqliteConnectOptions;
use sqlx::Executor;

mod types;
pub use types::{At, Flag};

pub mod postgres;
#[doc(hidden)]
pub mod testing;

/// The database engine. Every other module names the database through these aliases, so the
/// engine is chosen here.
pub type Db = sqlx::Any;
pub type Pool = sqlx::Pool<Db>;
pub type Tx = sqlx::Transaction<'static, Db>;
/// A connection, as `&mut Conn` (a pooled connection or a transaction dereferences to it).
pub type Conn = <Db as sqlx::Database>::Connection;
pub type Row = <Db as sqlx::Database>::Row;
pub type Args<'q> = <Db as sqlx::Database>::Arguments<'q>;
pub type PoolConn = sqlx::pool::PoolConnection<Db>;

/// The SQLite migrations (`migrations/sqlite`); PostgreSQL's are [`postgres::MIGRATOR`].
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");

/// Connections a pool opens at most unless told otherwise (`DATABASE_POOL_SIZE`).
pub const DEFAULT_POOL_SIZE: u32 = 8;

/// The key of the advisory lock every PostgreSQL write transaction takes ([`begin_write`]):
/// "rider-bo" in ASCII, so it is told apart from sqlx's migration lock.
const WRITE_LOCK_KEY: i64 = 0x7269_6465_722d_626f;

/// Which engine a URL or a pool is on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine of a `DATABASE_URL`: PostgreSQL for `postgres://` and `postgresql://`.
    pub fn of_url(url: &str) -> Engine {
        if postgres::is_postgres_url(url) {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

    /// The engine a pool is connected to.
    pub fn of(pool: &Pool) -> Engine {
        Engine::of_url(pool.connect_options().database_url.as_str())
    }

    /// The migrations for this engine.
    pub fn migrator(self) -> &'static sqlx::migrate::Migrator {
        match self {
            Engine::Sqlite => &MIGRATOR,
            Engine::Postgres => &postgres::MIGRATOR,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error("DATABASE_URL is malformed: {0}")]
    BadUrl(sqlx::Error),
    #[error("cannot open the database: {0}")]
    Open(sqlx::Error),
    #[error("cannot apply migrations: {0}")]
    Migrate(sqlx::migrate::MigrateError),
    #[error(
        "the database was written by a newer rider-bot (its migration {0} is unknown to release {release}); \
         run the newer release, or restore a backup made by this one",
        release = env!("CARGO_PKG_VERSION")
    )]
    Newer(i64),
    #[error("another rider-bot is using this database ({0} is locked); stop it first")]
    InUse(String),
}

impl From<sqlx::migrate::MigrateError> for DbError {
    fn from(e: sqlx::migrate::MigrateError) -> Self {
        match e {
            sqlx::migrate::MigrateError::VersionMissing(v) => DbError::Newer(v),
            other => DbError::Migrate(other),
        }
    }
}

/// The file behind a SQLite `DATABASE_URL` (none for an in-memory database).
pub fn sqlite_path(url: &str) -> Result<Option<std::path::PathBuf>, DbError> {
    let options = SqliteConnectOptions::from_str(url).map_err(DbError::BadUrl)?;
    let path = options.get_filename();
    let name = path.to_string_lossy();
    // sqlx names an in-memory database ":memory:" or a shared-cache "file:sqlx-in-memory-…".
    let memory = name.is_empty() || name.contains(":memory:") || name.contains("in-memory");
    Ok((!memory).then(|| path.to_path_buf()))
}

/// Held by a running bot for the life of the process: `restore` refuses to replace the
/// database while it is held, and a second `run` on the same file stops with one line.
/// An operating-system lock on `<database>.lock`, released however the process ends.
#[derive(Debug)]
pub struct InstanceLock {
    _file: std::fs::File,
}

impl InstanceLock {
    pub fn acquire(url: &str) -> Result<Option<InstanceLock>, DbError> {
        if Engine::of_url(url) != Engine::Sqlite {
            // Several instances may share a PostgreSQL database (see `instances`).
            return Ok(None);
        }
        let Some(path) = sqlite_path(url)? else {
            return Ok(None);
        };
        let lock_path = lock_path(&path);
        let file = std::fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&lock_path)
            .map_err(|e| DbError::Open(sqlx::Error::Io(e)))?;
        match try_lock(&file) {
            Ok(true) => Ok(Some(InstanceLock { _file: file })),
            Ok(false) => Err(DbError::InUse(lock_path.display().to_string())),
            Err(e) => Err(DbError::Open(sqlx::Error::Io(e))),
        }
    }
}

/// Takes an exclusive lock on `file` without waiting: false when another process holds it.
#[cfg(unix)]
fn try_lock(file: &std::fs::File) -> std::io::Result<bool> {
    use std::os::fd::AsRawFd;
    // SAFETY: flock on a descriptor this function borrows for the duration of the call.
    if unsafe { libc::flock(file.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    if err.raw_os_error() == Some(libc::EWOULDBLOCK) {
        Ok(false)
    } else {
        Err(err)
    }
}

#[cfg(not(unix))]
fn try_lock(_file: &std::fs::File) -> std::io::Result<bool> {
    Ok(true)
}

/// The lock file beside a database file.
pub fn lock_path(db: &std::path::Path) -> std::path::PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    std::path::PathBuf::from(name)
}

/// The migrations a database has applied, and how many this release knows: equal when it is
/// current. A version this release does not know is [`DbError::Newer`].
pub async fn migration_level(pool: &Pool) -> Result<(usize, usize), DbError> {
    let engine = Engine::of(pool);
    let exists = match engine {
        Engine::Sqlite => {
            "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')"
        }
        Engine::Postgres => {
            "SELECT EXISTS (SELECT 1 FROM information_schema.tables
                            WHERE table_schema = current_schema() AND table_name = '_sqlx_migrations')"
        }
    };
    let table: Flag = sqlx::query_scalar(exists)
        .fetch_one(pool)
        .await
        .map_err(DbError::Open)?;
    let applied: Vec<i64> = if table.0 {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
            .map_err(DbError::Open)?
    } else {
        Vec::new()
    };
    level(engine.migrator(), &applied)
}

/// [`migration_level`] of an SQLite database opened apart from the bot's pool (a backup file).
pub async fn sqlite_migration_level(pool: &sqlx::SqlitePool) -> Result<(usize, usize), DbError> {
    let table: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = '_sqlx_migrations')",
    )
    .fetch_one(pool)
    .await
    .map_err(DbError::Open)?;
    let applied: Vec<i64> = if table {
        sqlx::query_scalar("SELECT version FROM _sqlx_migrations WHERE success")
            .fetch_all(pool)
            .await
            .map_err(DbError::Open)?
    } else {
        Vec::new()
    };
    level(&MIGRATOR, &applied)
}

/// How many of `migrator`'s migrations are among the `applied` versions, and how many it has;
/// an applied version it does not know is [`DbError::Newer`].
fn level(migrator: &sqlx::migrate::Migrator, applied: &[i64]) -> Result<(usize, usize), DbError> {
    let known: Vec<i64> = migrator.iter().map(|m| m.version).collect();
    if let Some(newer) = applied.iter().find(|v| !known.contains(v)) {
        return Err(DbError::Newer(*newer));
    }
    Ok((applied.len(), known.len()))
}

/// Opens the database at `url` with at most [`DEFAULT_POOL_SIZE`] connections.
pub async fn connect(url: &str) -> Result<Pool, DbError> {
    connect_sized(url, DEFAULT_POOL_SIZE).await
}

/// Opens the database at `url` with at most `size` connections: an SQLite file (created if
/// absent, WAL, `synchronous=NORMAL`, busy timeout 5 s, foreign keys on) or an existing
/// PostgreSQL database.
pub async fn connect_sized(url: &str, size: u32) -> Result<Pool, DbError> {
    sqlx::any::install_default_drivers();
    match Engine::of_url(url) {
        Engine::Sqlite => connect_sqlite(url, size).await,
        Engine::Postgres => {
            let options = AnyConnectOptions::from_str(url).map_err(DbError::BadUrl)?;
            AnyPoolOptions::new()
                .max_connections(size.max(1))
                .connect_with(options)
                .await
                .map_err(DbError::Open)
        }
    }
}

/// The pragmas every SQLite connection runs first (`busy_timeout` before `journal_mode`, which
/// may have to wait for a lock).
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA mmap_size = 268435456; \
     PRAGMA cache_size = -16384;";

async fn connect_sqlite(url: &str, size: u32) -> Result<Pool, DbError> {
    // Parsed as SQLite's own options first, so a malformed URL is told as such.
    SqliteConnectOptions::from_str(url).map_err(DbError::BadUrl)?;
    let memory = sqlite_path(url)?.is_none();
    let options = AnyConnectOptions::from_str(&create_if_missing(url)).map_err(DbError::BadUrl)?;
    AnyPoolOptions::new()
        // Each connection to `:memory:` would be a database of its own.
        .max_connections(if memory { 1 } else { size.max(1) })
        .min_connections(1)
        // A local file does not drop connections; the default ping on every acquire would cost
        // one more round trip to SQLite's worker thread per statement.
        .test_before_acquire(false)
        .after_connect(|conn, _meta| {
            Box::pin(async move {
                conn.execute(sqlx::raw_sql(SQLITE_PRAGMAS)).await?;
                Ok(())
            })
        })
        .connect_with(options)
        .await
        .map_err(DbError::Open)
}

/// `url` with `mode=rwc` (create the file if absent) unless it names a mode itself.
fn create_if_missing(url: &str) -> String {
    if url.contains("mode=") || url.contains(":memory:") {
        return url.to_owned();
    }
    let sep = if url.contains('?') { '&' } else { '?' };
    format!("{url}{sep}mode=rwc")
}

/// Opens the database and applies every pending migration.
pub async fn connect_and_migrate(url: &str) -> Result<Pool, DbError> {
    connect_and_migrate_sized(url, DEFAULT_POOL_SIZE).await
}

/// Opens the database with at most `size` connections and applies every pending migration.
pub async fn connect_and_migrate_sized(url: &str, size: u32) -> Result<Pool, DbError> {
    let pool = connect_sized(url, size).await?;
    let engine = Engine::of(&pool);
    engine.migrator().run(&pool).await?;
    if engine == Engine::Sqlite && forget_stat4_samples(&pool).await.map_err(DbError::Open)? > 0 {
        // Open connections keep the samples they loaded with the schema: start afresh.
        pool.close().await;
        return connect_sized(url, size).await;
    }
    Ok(pool)
}

/// Deletes the samples an `ANALYZE` leaves in `sqlite_stat4`, keeping `sqlite_stat1`.
///
/// The SQLite that sqlx bundles is built with `SQLITE_ENABLE_STAT4`. With samples present, a
/// prepared statement whose `WHERE` compares an indexed column with a bound value is compiled
/// again whenever the value changes (the plan might depend on it), so the statement cache stops
/// helping: the passbook read went from about 90 µs to about 190 µs on a 1M-entry ledger. The
/// bot never runs `ANALYZE` itself; this undoes the expensive half of one run by hand.
/// Connections already open keep the samples they loaded until they are reopened.
pub async fn forget_stat4_samples(pool: &Pool) -> Result<u64, sqlx::Error> {
    if Engine::of(pool) != Engine::Sqlite {
        return Ok(0);
    }
    let exists: Flag = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4')",
    )
    .fetch_one(pool)
    .await?;
    if !exists.0 {
        return Ok(0);
    }
    let mut tx = begin_write(pool).await?;
    let n = sqlx::query("DELETE FROM sqlite_stat4")
        .execute(&mut *tx)
        .await?
        .rows_affected();
    tx.commit().await?;
    Ok(n)
}

/// Starts a write transaction: on SQLite one that takes the write lock up front, on
/// PostgreSQL one that first takes the one advisory lock every writer takes (see the module
/// docs). Either way writers run one at a time.
pub async fn begin_write(pool: &Pool) -> Result<Tx, sqlx::Error> {
    match Engine::of(pool) {
        Engine::Sqlite => pool.begin_with("BEGIN IMMEDIATE").await,
        Engine::Postgres => {
            let mut tx = pool.begin_with("BEGIN").await?;
            sqlx::query("SELECT pg_advisory_xact_lock($1)")
                .bind(WRITE_LOCK_KEY)
                .execute(&mut *tx)
                .await?;
            Ok(tx)
        }
    }
}

/// Starts a read-only transaction whose reads all see one snapshot: SQLite's deferred
/// transaction does (in WAL mode), PostgreSQL's needs `REPEATABLE READ`.
pub async fn begin_read(pool: &Pool) -> Result<Tx, sqlx::Error> {
    match Engine::of(pool) {
        Engine::Sqlite => pool.begin().await,
        Engine::Postgres => {
            pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                .await
        }
    }
}

/// Decodes stored rows with `decode`. A row that no longer decodes (written by another release,
/// or edited by hand) is left out and logged as an error naming its table, so it is never
/// skipped silently: a redemption that cannot be read would otherwise never be refunded.
pub fn decoded<R, T>(
    table: &'static str,
    rows: impl IntoIterator<Item = R>,
    mut decode: impl FnMut(R) -> Option<T>,
) -> Vec<T> {
    let mut out = Vec::new();
    let mut bad = 0usize;
    for row in rows {
        match decode(row) {
            Some(item) => out.push(item),
            None => bad += 1,
        }
    }
    if bad > 0 {
        tracing::error!(
            table,
            rows = bad,
            "stored rows no longer decode and were left out: fix or remove them"
        );
    }
    out
}

/// The current time as stored in the database (RFC 3339, UTC).
pub fn now() -> chrono::DateTime<chrono::Utc> {
    chrono::Utc::now()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_that_no_longer_decode_are_left_out_and_the_rest_kept() {
        let rows = vec!["1", "x", "3"];
        assert_eq!(decoded("test", rows, |r| r.parse::<i32>().ok()), [1, 3]);
    }

    #[test]
    fn one_process_at_a_time_holds_a_database() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let first = InstanceLock::acquire(&url).unwrap();
        assert!(first.is_some());
        assert!(matches!(
            InstanceLock::acquire(&url),
            Err(DbError::InUse(_))
        ));
        drop(first);
        assert!(InstanceLock::acquire(&url).unwrap().is_some());
        assert!(InstanceLock::acquire("sqlite::memory:").unwrap().is_none());
    }

    #[tokio::test]
    async fn a_newer_database_is_refused_with_a_clear_line() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = connect_and_migrate(&url).await.unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
             VALUES (99991231000000, 'from the future', '2099-01-01', 1, x'00', 0)",
        )
        .execute(&pool)
        .await
        .unwrap();
        pool.close().await;
        let err = connect_and_migrate(&url).await.unwrap_err();
        assert!(matches!(err, DbError::Newer(99991231000000)), "{err}");
        assert!(
            err.to_string().contains("written by a newer rider-bot"),
            "{err}"
        );
    }

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

    /// The rebuilds of `ledger` and `station_visits` (migrations 18 and 19) keep a previous
    /// release's rows, ids and balances, and the ledger's triggers still hold.
    #[tokio::test]
    async fn table_rebuilds_keep_the_rows_and_the_ledger_its_rules() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = connect(&url).await.unwrap();
        let before = sqlx::migrate::Migrator {
            migrations: std::borrow::Cow::Owned(
                MIGRATOR
                    .iter()
                    .filter(|m| m.version < 20261204000018)
                    .cloned()
                    .collect(),
            ),
            ..sqlx::migrate::Migrator::DEFAULT
        };
        before.run(&pool).await.unwrap();
        let exec = |sql: &'static str| {
            let pool = pool.clone();
            async move { sqlx::query(sql).execute(&pool).await }
        };
        exec("INSERT INTO users (id, created_at, updated_at) VALUES (7, 'x', 'x')")
            .await
            .unwrap();
        exec(
            "INSERT INTO ledger (id, rider_id, amount, kind, idem_key, at)
              VALUES (41, 7, 30, 'attendance', 'a', 't'), (42, 7, -10, 'adjustment', 'b', 't')",
        )
        .await
        .unwrap();
        exec(
            "INSERT INTO station_visits (station, rider_id, day, at, via)
              VALUES ('LF-S01', 7, '2026-12-01', 't', 'poster')",
        )
        .await
        .unwrap();
        MIGRATOR.run(&pool).await.unwrap();

        let ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM ledger ORDER BY id")
            .fetch_all(&pool)
            .await
            .unwrap();
        assert_eq!(ids, [41, 42]);
        let balance = || async {
            sqlx::query_scalar::<_, i64>("SELECT balance FROM balances WHERE rider_id = 7")
                .fetch_one(&pool)
                .await
                .unwrap()
        };
        assert_eq!(balance().await, 20);
        // A visit entry is allowed now, and the balance trigger adds it; the next id follows.
        exec("INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, 2, 'visit', 'c', 't')")
            .await
            .unwrap();
        assert_eq!(balance().await, 22);
        let next: i64 = sqlx::query_scalar("SELECT MAX(id) FROM ledger")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(next, 43);
        // Still append-only, still never below zero.
        assert!(exec("UPDATE ledger SET amount = 99 WHERE id = 41")
            .await
            .is_err());
        assert!(exec("DELETE FROM ledger WHERE id = 41").await.is_err());
        assert!(exec("INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, -100, 'adjustment', 'd', 't')")
            .await
            .is_err());
        // Visits kept, and "I'm here" allowed.
        exec(
            "INSERT INTO station_visits (station, rider_id, day, at, via)
              VALUES ('LF-S01', 7, '2026-12-02', 't', 'here')",
        )
        .await
        .unwrap();
        let visits: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM station_visits")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(visits, 2);
    }

    #[tokio::test]
    async fn analyze_samples_are_forgotten_at_start_and_stat1_kept() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let pool = connect_and_migrate(&url).await.unwrap();
        sqlx::query(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 200) \
             INSERT INTO audit_log (actor_id, action, target_id, at) SELECT i, 'x', i % 7, 'now' FROM n",
        )
        .execute(&pool)
        .await
        .unwrap();
        sqlx::query("ANALYZE").execute(&pool).await.unwrap();
        let count = |pool: Pool, table: &'static str| async move {
            sqlx::query_scalar::<_, i64>(&format!("SELECT COUNT(*) FROM {table}"))
                .fetch_one(&pool)
                .await
                .unwrap()
        };
        assert!(
            count(pool.clone(), "sqlite_stat4").await > 0,
            "ANALYZE samples"
        );
        pool.close().await;
        let pool = connect_and_migrate(&url).await.unwrap();
        assert_eq!(count(pool.clone(), "sqlite_stat4").await, 0);
        assert!(count(pool.clone(), "sqlite_stat1").await > 0);
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
                sqlx::query("INSERT INTO audit_log (actor_id, action, detail, at) VALUES ($1, 'test', $2, 'now')")
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
        let mut seen: Vec<i64> = sqlx::query_scalar("SELECT CAST(detail AS BIGINT) FROM audit_log")
            .fetch_all(&pool)
            .await
            .unwrap();
        seen.sort();
        assert_eq!(seen, (0..8).collect::<Vec<_>>());
    }
}
