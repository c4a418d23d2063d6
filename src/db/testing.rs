//! Databases for tests on either engine. `RIDER_BOT_TEST_DB=postgres` runs them on a fresh
//! PostgreSQL database each (at `RIDER_BOT_TEST_PG`, default `postgres://postgres@127.0.0.1:5432`),
//! dropped when the test's [`TestDb`] is dropped, or at a later run when its process is gone
//! (a test killed midway); anything else runs them on the SQLite file the test names.

use sqlx::{Connection, PgConnection};

/// The variable that picks the engine tests run on.
pub const ENGINE_VAR: &str = "RIDER_BOT_TEST_DB";
/// The PostgreSQL server tests use (`RIDER_BOT_TEST_PG` overrides it).
pub const DEFAULT_SERVER: &str = "postgres://postgres@127.0.0.1:5432";
/// Every test database's name starts so; then the creating process's id.
const PREFIX: &str = "rb_t_";

/// Whether tests run on PostgreSQL.
pub fn on_postgres() -> bool {
    std::env::var(ENGINE_VAR).is_ok_and(|v| v.eq_ignore_ascii_case("postgres"))
}

fn server() -> String {
    std::env::var("RIDER_BOT_TEST_PG").unwrap_or_else(|_| DEFAULT_SERVER.to_owned())
}

/// A test's database: its `DATABASE_URL`, and on PostgreSQL the database to drop at the end.
#[derive(Debug)]
pub struct TestDb {
    pub url: String,
    postgres: Option<String>,
}

impl TestDb {
    /// The database a test uses: `sqlite_url` (a file the test owns), or on PostgreSQL a new
    /// empty database. Panics, saying what is missing, when PostgreSQL is asked for and
    /// cannot be reached.
    pub async fn new(sqlite_url: String) -> TestDb {
        if !on_postgres() {
            return TestDb::sqlite(sqlite_url);
        }
        TestDb::postgres().await
    }

    /// The SQLite file at `sqlite_url` whatever the engine variable says (a test that moves a
    /// SQLite database to PostgreSQL).
    pub fn sqlite(sqlite_url: String) -> TestDb {
        TestDb {
            url: sqlite_url,
            postgres: None,
        }
    }

    /// A new empty PostgreSQL database whatever the engine variable says (a benchmark that
    /// compares the engines).
    pub async fn postgres() -> TestDb {
        let mut admin = admin().await;
        forget_orphans(&mut admin).await;
        let name = format!(
            "{PREFIX}{}_{:016x}",
            std::process::id(),
            rand::random::<u64>()
        );
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("cannot create the test database {name}: {e}"));
        let _ = admin.close().await;
        TestDb {
            url: format!("{}/{name}", server()),
            postgres: Some(name),
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.postgres.take() else {
            return;
        };
        // Drop may run inside a runtime that must not block: a thread of its own.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for dropping the test database");
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&format!("{}/postgres", server())).await {
                    let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                    let _ = sqlx::query(&sql).execute(&mut c).await;
                }
            });
        })
        .join();
    }
}

async fn admin() -> PgConnection {
    let url = format!("{}/postgres", server());
    PgConnection::connect(&url).await.unwrap_or_else(|e| {
        panic!(
            "{ENGINE_VAR}=postgres but PostgreSQL is not reachable at {} ({e}): start it, \
             or unset {ENGINE_VAR} to test on SQLite",
            server()
        )
    })
}

/// Drops test databases whose process no longer runs (a test run that was killed).
async fn forget_orphans(admin: &mut PgConnection) {
    let names: Vec<String> =
        sqlx::query_scalar("SELECT datname FROM pg_database WHERE datname LIKE 'rb\\_t\\_%'")
            .fetch_all(&mut *admin)
            .await
            .unwrap_or_default();
    for name in names {
        let pid = name[PREFIX.len()..]
            .split('_')
            .next()
            .and_then(|p| p.parse::<u32>().ok());
        let gone = cfg!(target_os = "linux")
            && pid.is_some_and(|p| !std::path::Path::new(&format!("/proc/{p}")).exists());
        if gone {
            let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
            let _ = sqlx::query(&sql).execute(&mut *admin).await;
        }
    }
}

/// A unit test's database and the folder of its SQLite file, kept while the test runs.
#[cfg(test)]
pub(crate) struct Scratch {
    pub dir: tempfile::TempDir,
    pub _db: TestDb,
}

/// A migrated database of the engine tests run on, for a unit test.
#[cfg(test)]
pub(crate) async fn scratch() -> (Scratch, super::Pool) {
    let dir = tempfile::tempdir().unwrap();
    let db = TestDb::new(format!("sqlite://{}", dir.path().join("t.db").display())).await;
    let pool = super::connect_and_migrate(&db.url).await.unwrap();
    (Scratch { dir, _db: db }, pool)
}
