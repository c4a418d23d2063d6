//! The PostgreSQL migrations against the SQLite ones: the same versions, the same final tables
//! and columns, the same ledger rules, and compatibility functions that answer as SQLite's
//! builtins do, each checked by running the same SQL on both engines.
//!
//! These tests need PostgreSQL at 127.0.0.1:5432 (user `postgres`, trust authentication), as
//! CI provides. Each makes its own database and drops it at the end; without the server they
//! fail, saying so.

use std::collections::{BTreeMap, BTreeSet};

use rand::{Rng, SeedableRng};
use rider_bot::db::{self, postgres as pg, DbError};
use sqlx::error::ErrorKind;
use sqlx::{Connection, PgConnection, PgPool, Row, SqlitePool};

const SERVER: &str = "postgres://postgres@127.0.0.1:5432";

/// What both engines' messages for a failed CHECK contain.
const CHECK: &str = "check constraint";

/// A connection to the server's `postgres` database, or a failure that says what is missing.
async fn admin() -> PgConnection {
    PgConnection::connect(&format!("{SERVER}/postgres"))
        .await
        .unwrap_or_else(|e| {
            panic!(
                "PostgreSQL is not reachable at {SERVER} ({e}). These tests need it: \
                 start a local server there with trust authentication."
            )
        })
}

/// An empty database of its own, dropped (with any connection left to it) when the test ends,
/// however it ends.
struct FreshDb {
    name: String,
}

impl FreshDb {
    async fn new() -> FreshDb {
        let name = format!("rb_test_{:016x}", rand::random::<u64>());
        let mut admin = admin().await;
        sqlx::query(&format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .await
            .unwrap();
        admin.close().await.unwrap();
        FreshDb { name }
    }

    fn url(&self) -> String {
        format!("{SERVER}/{}", self.name)
    }
}

impl Drop for FreshDb {
    fn drop(&mut self) {
        let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", self.name);
        // Drop runs outside any runtime (or inside one that must not block): use a thread.
        let _ = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                if let Ok(mut c) = PgConnection::connect(&format!("{SERVER}/postgres")).await {
                    let _ = sqlx::query(&sql).execute(&mut c).await;
                }
            });
        })
        .join();
    }
}

/// Both engines migrated from empty: an SQLite file and a fresh PostgreSQL database.
struct Both {
    lite: SqlitePool,
    pg: PgPool,
    _dir: tempfile::TempDir,
    _db: FreshDb,
}

impl Both {
    async fn new() -> Both {
        let db = FreshDb::new().await;
        let pg = pg::connect_and_migrate(&db.url()).await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        // Migrated as the bot does, then read through SQLite's own driver (its PRAGMAs and
        // error codes), as PostgreSQL is through its own.
        db::connect_and_migrate(&url).await.unwrap().close().await;
        let lite = SqlitePool::connect(&url).await.unwrap();
        Both {
            lite,
            pg,
            _dir: dir,
            _db: db,
        }
    }

    /// Runs `sql` on both; both must succeed or both fail. The errors when they fail.
    async fn exec(&self, sql: &str) -> Option<(sqlx::Error, sqlx::Error)> {
        let lite = sqlx::query(sql).execute(&self.lite).await;
        let pg = sqlx::query(sql).execute(&self.pg).await;
        match (lite, pg) {
            (Ok(a), Ok(b)) => {
                if !sql.starts_with("CREATE") {
                    assert_eq!(
                        a.rows_affected(),
                        b.rows_affected(),
                        "rows changed by {sql}"
                    );
                }
                None
            }
            (Err(a), Err(b)) => Some((a, b)),
            (a, b) => panic!("{sql}\n  SQLite: {a:?}\n  PostgreSQL: {b:?}"),
        }
    }

    async fn ok(&self, sql: &str) {
        if let Some((a, b)) = self.exec(sql).await {
            panic!("{sql}\n  SQLite: {a}\n  PostgreSQL: {b}");
        }
    }

    /// `sql` is refused by both, each with an error naming `words` (in any case).
    async fn refused(&self, sql: &str, words: &str) {
        let (a, b) = self
            .exec(sql)
            .await
            .unwrap_or_else(|| panic!("both accepted {sql}"));
        let (a, b) = (a.to_string(), b.to_string());
        let words = words.to_lowercase();
        assert!(a.to_lowercase().contains(&words), "SQLite: {a}");
        assert!(b.to_lowercase().contains(&words), "PostgreSQL: {b}");
    }

    /// `sql` is refused by both as the same kind of constraint violation (what the code tells
    /// apart: a debit past the balance is a CHECK violation on both engines).
    async fn violates(&self, sql: &str, kind: ErrorKind) {
        let (a, b) = self
            .exec(sql)
            .await
            .unwrap_or_else(|| panic!("both accepted {sql}"));
        for e in [a, b] {
            let found = e.as_database_error().map(|d| d.kind());
            assert!(found.as_ref() == Some(&kind), "{sql}: {found:?} from {e}");
        }
    }

    /// The integer `sql` returns on both, the same on both. (PostgreSQL's INTEGER is 32 bits,
    /// which `sqlx::Any` reads as an i64 too.)
    async fn int(&self, sql: &str) -> Option<i64> {
        let a: Option<i64> = sqlx::query_scalar(sql).fetch_one(&self.lite).await.unwrap();
        let row = sqlx::query(sql)
            .fetch_one(&self.pg)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        let b: Option<i64> = row
            .try_get::<Option<i64>, _>(0)
            .or_else(|_| row.try_get::<Option<i32>, _>(0).map(|v| v.map(i64::from)))
            .unwrap();
        assert_eq!(a, b, "{sql}");
        a
    }

    /// The text `sql` returns on both, the same on both.
    async fn text(&self, sql: &str) -> Option<String> {
        let a: Option<String> = sqlx::query_scalar(sql).fetch_one(&self.lite).await.unwrap();
        let b: Option<String> = sqlx::query_scalar(sql)
            .fetch_one(&self.pg)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(a, b, "{sql}");
        a
    }

    /// The double `sql` returns on both, bit for bit the same on both.
    async fn double(&self, sql: &str) -> Option<f64> {
        let a: Option<f64> = sqlx::query_scalar(sql).fetch_one(&self.lite).await.unwrap();
        let b: Option<f64> = sqlx::query_scalar(sql)
            .fetch_one(&self.pg)
            .await
            .unwrap_or_else(|e| panic!("{sql}: {e}"));
        assert_eq!(
            a.map(f64::to_bits),
            b.map(f64::to_bits),
            "{sql}: {a:?} {b:?}"
        );
        a
    }
}

/// `s` as an SQL string literal.
fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\'', "''"))
}

fn versions(m: &sqlx::migrate::Migrator) -> Vec<(i64, String)> {
    m.iter()
        .map(|m| (m.version, m.description.to_string()))
        .collect()
}

fn file_names(folder: &str) -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(folder);
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn both_folders_hold_the_same_migrations() {
    // A migration left in `migrations/` itself would be applied by neither engine.
    assert_eq!(file_names("migrations"), ["postgres", "sqlite"]);
    let lite = file_names("migrations/sqlite");
    assert!(lite.len() >= 20, "{lite:?}");
    assert_eq!(lite, file_names("migrations/postgres"));
    assert_eq!(versions(&db::MIGRATOR), versions(&pg::MIGRATOR));
}

#[test]
fn a_postgres_url_is_told_from_an_sqlite_one() {
    assert!(pg::is_postgres_url("postgres://u@h/db"));
    assert!(pg::is_postgres_url("postgresql://u@h/db"));
    assert!(!pg::is_postgres_url("sqlite://rider-bot.db"));
    assert!(!pg::is_postgres_url("sqlite::memory:"));
}

/// A column as both engines describe it: name, type, whether it may be NULL, its default.
type Columns = BTreeMap<String, Vec<(String, &'static str, bool, Option<String>)>>;

async fn sqlite_columns(pool: &SqlitePool) -> Columns {
    let tables: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Columns::new();
    for table in tables {
        let rows: Vec<(String, String, i64, i64, Option<String>)> = sqlx::query_as(
            "SELECT name, type, \"notnull\", pk, dflt_value FROM pragma_table_info(?) ORDER BY cid",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        let columns = rows
            .into_iter()
            .map(|(name, ty, not_null, pk, default)| {
                let ty = match ty.as_str() {
                    "INTEGER" => "bigint",
                    "TEXT" => "text",
                    "REAL" => "double precision",
                    other => panic!("{table}.{name}: SQLite type {other} has no counterpart here"),
                };
                // A primary key column is never NULL, whatever SQLite's pragma says.
                (name, ty, not_null == 0 && pk == 0, default)
            })
            .collect();
        out.insert(table, columns);
    }
    out
}

/// information_schema's table, column, type, nullability, collation and default.
type PgColumn = (
    String,
    String,
    String,
    String,
    Option<String>,
    Option<String>,
);

async fn postgres_columns(pool: &PgPool) -> Columns {
    let rows: Vec<PgColumn> = sqlx::query_as(
        "SELECT c.table_name::text, c.column_name::text, c.data_type::text, c.is_nullable::text,
                c.collation_name::text, c.column_default::text
         FROM information_schema.columns c
         JOIN information_schema.tables t USING (table_schema, table_name)
         WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE'
           AND c.table_name <> '_sqlx_migrations'
         ORDER BY c.table_name, c.ordinal_position",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Columns::new();
    for (table, name, ty, nullable, collation, default) in rows {
        let ty = match ty.as_str() {
            "bigint" => "bigint",
            "double precision" => "double precision",
            "text" => {
                // Text compares byte by byte, as in SQLite, whatever the database's locale.
                assert_eq!(collation.as_deref(), Some("C"), "{table}.{name}");
                "text"
            }
            other => panic!("{table}.{name}: type {other} has no SQLite counterpart"),
        };
        // PostgreSQL writes a text default with its type: 'new'::text.
        let default = default.map(|d| d.trim_end_matches("::text").to_owned());
        out.entry(table)
            .or_default()
            .push((name, ty, nullable == "YES", default));
    }
    out
}

/// What a table's constraints say, as both engines can describe it: how many CHECKs, each
/// foreign key (column, table, column) and each set of columns that is unique.
type Rules = BTreeSet<(String, String)>;

async fn sqlite_rules(pool: &SqlitePool) -> Rules {
    let tables: Vec<(String, String)> = sqlx::query_as(
        "SELECT name, sql FROM sqlite_master WHERE type = 'table'
           AND name NOT LIKE 'sqlite_%' AND name <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out = Rules::new();
    for (table, sql) in tables {
        let checks = sql.matches("CHECK (").count();
        out.insert((table.clone(), format!("{checks} checks")));
        let keys: Vec<(String, String, String)> =
            sqlx::query_as("SELECT \"from\", \"table\", \"to\" FROM pragma_foreign_key_list(?)")
                .bind(&table)
                .fetch_all(pool)
                .await
                .unwrap();
        for (from, to_table, to) in keys {
            out.insert((table.clone(), format!("{from} -> {to_table}.{to}")));
        }
        let unique: Vec<String> = sqlx::query_scalar(
            "SELECT (SELECT group_concat(name, ',') FROM
                       (SELECT name FROM pragma_index_info(l.name) ORDER BY name))
             FROM pragma_index_list(?) l WHERE l.\"unique\" = 1",
        )
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for columns in unique {
            out.insert((table.clone(), format!("unique {columns}")));
        }
        // An INTEGER PRIMARY KEY is the rowid: unique without an index.
        let rowid: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM pragma_table_info(?) WHERE pk = 1 AND type = 'INTEGER'
               AND (SELECT COUNT(*) FROM pragma_table_info(?) WHERE pk > 0) = 1",
        )
        .bind(&table)
        .bind(&table)
        .fetch_all(pool)
        .await
        .unwrap();
        for column in rowid {
            out.insert((table.clone(), format!("unique {column}")));
        }
    }
    out
}

async fn postgres_rules(pool: &PgPool) -> Rules {
    let checks: Vec<(String, i64)> = sqlx::query_as(
        "SELECT c.relname::text, COUNT(k.oid) FROM pg_class c
         LEFT JOIN pg_constraint k ON k.conrelid = c.oid AND k.contype = 'c'
         WHERE c.relkind = 'r' AND c.relnamespace = current_schema()::regnamespace
           AND c.relname <> '_sqlx_migrations'
         GROUP BY c.relname",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    let mut out: Rules = checks
        .into_iter()
        .map(|(table, n)| (table, format!("{n} checks")))
        .collect();
    let keys: Vec<(String, String, String, String)> = sqlx::query_as(
        "SELECT k.conrelid::regclass::text, a.attname::text, k.confrelid::regclass::text,
                f.attname::text
         FROM pg_constraint k
         JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = k.conkey[1]
         JOIN pg_attribute f ON f.attrelid = k.confrelid AND f.attnum = k.confkey[1]
         WHERE k.contype = 'f' AND k.connamespace = current_schema()::regnamespace",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, from, to_table, to) in keys {
        out.insert((table, format!("{from} -> {to_table}.{to}")));
    }
    let unique: Vec<(String, String)> = sqlx::query_as(
        "SELECT i.indrelid::regclass::text,
                (SELECT string_agg(a.attname::text, ',' ORDER BY a.attname::text COLLATE \"C\")
                 FROM pg_attribute a WHERE a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey))
         FROM pg_index i JOIN pg_class c ON c.oid = i.indrelid
         WHERE i.indisunique AND c.relnamespace = current_schema()::regnamespace
           AND c.relname <> '_sqlx_migrations'",
    )
    .fetch_all(pool)
    .await
    .unwrap();
    for (table, columns) in unique {
        out.insert((table, format!("unique {columns}")));
    }
    out
}

#[tokio::test]
async fn both_migration_sets_end_with_the_same_tables_columns_and_indexes() {
    let both = Both::new().await;
    let lite = sqlite_columns(&both.lite).await;
    let pg = postgres_columns(&both.pg).await;
    assert!(lite.contains_key("ledger") && lite.contains_key("station_visits"));
    assert_eq!(
        lite.keys().collect::<Vec<_>>(),
        pg.keys().collect::<Vec<_>>(),
        "tables"
    );
    for (table, columns) in &lite {
        assert_eq!(columns, &pg[table], "columns of {table}");
    }

    // Named indexes (not those behind a primary key or UNIQUE), by table.
    let lite_indexes: BTreeSet<(String, String)> = sqlx::query_as(
        "SELECT tbl_name, name FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL",
    )
    .fetch_all(&both.lite)
    .await
    .unwrap()
    .into_iter()
    .collect();
    let pg_indexes: BTreeSet<(String, String)> = sqlx::query_as(
        "SELECT tablename::text, indexname::text FROM pg_indexes
         WHERE schemaname = current_schema()
           AND indexname NOT IN (SELECT conname FROM pg_constraint)",
    )
    .fetch_all(&both.pg)
    .await
    .unwrap()
    .into_iter()
    .collect();
    assert!(lite_indexes.contains(&("outbox".into(), "outbox_card".into())));
    assert_eq!(lite_indexes, pg_indexes);

    // The same CHECK constraints (by number), foreign keys and unique column sets.
    let rules = sqlite_rules(&both.lite).await;
    for known in [
        ("ledger", "2 checks"),
        ("reports", "8 checks"),
        ("ledger", "rider_id -> users.id"),
        ("reports", "duplicate_of -> reports.id"),
        ("ledger", "unique idem_key"),
        ("ledger", "unique id"),
        ("signups", "unique rider_id,session"),
        ("users", "unique username"),
    ] {
        assert!(
            rules.contains(&(known.0.into(), known.1.into())),
            "{known:?} in {rules:?}"
        );
    }
    assert_eq!(rules, postgres_rules(&both.pg).await);

    // Seeded rows are the same.
    assert_eq!(
        both.text("SELECT string_agg(rule || '=' || points, ',' ORDER BY rule) FROM earning_rules")
            .await
            .as_deref(),
        Some("attendance=20,report=10")
    );
    both.int("SELECT n FROM station_revision WHERE id = 1")
        .await;
}

#[tokio::test]
async fn the_ledger_keeps_the_same_rules_on_both_engines() {
    let both = Both::new().await;
    both.ok("INSERT INTO users (id, created_at, updated_at) VALUES (7, 'x', 'x'), (8, 'x', 'x')")
        .await;
    // Explicit ids, then an automatic one that follows them.
    both.ok(
        "INSERT INTO ledger (id, rider_id, amount, kind, idem_key, at)
         VALUES (41, 7, 30, 'attendance', 'a', 't'), (42, 7, -10, 'adjustment', 'b', 't')",
    )
    .await;
    both.ok("INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, 2, 'visit', 'c', 't')")
        .await;
    assert_eq!(both.int("SELECT MAX(id) FROM ledger").await, Some(43));
    both.ok("INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (8, 5, 'report_accepted', 'd', 't')")
        .await;
    assert_eq!(both.int("SELECT MAX(id) FROM ledger").await, Some(44));

    // Balances in step with the entries.
    let balance = "SELECT balance FROM balances WHERE rider_id = 7";
    assert_eq!(both.int(balance).await, Some(22));
    let out_of_step = "SELECT COUNT(*) FROM balances b
        WHERE b.balance <> (SELECT CAST(SUM(amount) AS BIGINT) FROM ledger l WHERE l.rider_id = b.rider_id)";
    assert_eq!(both.int(out_of_step).await, Some(0));
    assert_eq!(both.int("SELECT COUNT(*) FROM balances").await, Some(2));

    // Append-only.
    both.refused(
        "UPDATE ledger SET amount = 99 WHERE id = 41",
        "the ledger is append-only",
    )
    .await;
    both.refused(
        "UPDATE ledger SET idem_key = 'z' WHERE id = 41",
        "the ledger is append-only",
    )
    .await;
    both.refused(
        "DELETE FROM ledger WHERE id = 41",
        "the ledger is append-only",
    )
    .await;
    both.refused("DELETE FROM ledger", "the ledger is append-only")
        .await;
    assert_eq!(both.int("SELECT COUNT(*) FROM ledger").await, Some(4));

    // Never below zero: the entry is refused whole, for a known rider and a new one.
    both.violates(
        "INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, -23, 'adjustment', 'e', 't')",
        ErrorKind::CheckViolation,
    )
    .await;
    both.ok("INSERT INTO users (id, created_at, updated_at) VALUES (9, 'x', 'x')")
        .await;
    both.violates(
        "INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (9, -1, 'adjustment', 'f', 't')",
        ErrorKind::CheckViolation,
    )
    .await;
    assert_eq!(both.int(balance).await, Some(22));
    assert_eq!(both.int("SELECT COUNT(*) FROM ledger").await, Some(4));
    assert_eq!(both.int("SELECT COUNT(*) FROM balances").await, Some(2));
    // Down to exactly zero is allowed.
    both.ok("INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, -22, 'redemption_hold', 'g', 't')")
        .await;
    assert_eq!(both.int(balance).await, Some(0));
    // A kind the ledger does not know is refused; an idempotency key pays once.
    both.violates(
        "INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, 1, 'gift', 'h', 't')",
        ErrorKind::CheckViolation,
    )
    .await;
    both.violates(
        "INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, 1, 'adjustment', 'a', 't')",
        ErrorKind::UniqueViolation,
    )
    .await;
    both.violates(
        "INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (404, 1, 'adjustment', 'j', 't')",
        ErrorKind::ForeignKeyViolation,
    )
    .await;
    assert_eq!(both.int("SELECT COUNT(*) FROM ledger").await, Some(5));

    // Erasure may move entries to an anonymous (negative) id, rewriting their key; nothing else.
    both.ok(
        "INSERT INTO users (id, status, created_at, updated_at) VALUES (-1, 'deleted', 'x', 'x')",
    )
    .await;
    both.ok("UPDATE ledger SET rider_id = -1, idem_key = 'anon:' || idem_key WHERE rider_id = 8")
        .await;
    both.refused(
        "UPDATE ledger SET rider_id = 9 WHERE rider_id = 7",
        "the ledger is append-only",
    )
    .await;
    both.refused(
        "UPDATE ledger SET rider_id = -1, at = 'u' WHERE rider_id = 7",
        "the ledger is append-only",
    )
    .await;
    // (Ids are not compared past a refused insert: PostgreSQL's sequence keeps the number the
    // refused row took, SQLite gives it to the next row. Both only ever go up.)
    assert_eq!(
        both.text(
            "SELECT string_agg(rider_id || ':' || idem_key || ':' || amount, ',' ORDER BY id) FROM ledger"
        )
        .await
        .as_deref(),
        Some("7:a:30,7:b:-10,7:c:2,-1:anon:d:5,7:g:-22")
    );
}

#[tokio::test]
async fn automatic_ids_follow_explicit_ones_in_every_table_that_has_them() {
    let both = Both::new().await;
    for (table, columns, values) in [
        ("audit_log", "action, at", "'x', 't'"),
        (
            "outbox",
            "chat_id, kind, payload, not_before, created_at",
            "1, 'k', '{}', 't', 't'",
        ),
        (
            "broadcasts",
            "author_id, request_key, audience, body, status, recipients, send_at, created_at",
            "1, 'r' || CAST(random() AS TEXT), '{}', '{}', 'done', 0, 't', 't'",
        ),
    ] {
        both.ok(&format!(
            "INSERT INTO {table} ({columns}) VALUES ({values})"
        ))
        .await;
        both.ok(&format!(
            "INSERT INTO {table} (id, {columns}) VALUES (100, {values})"
        ))
        .await;
        both.ok(&format!(
            "INSERT INTO {table} ({columns}) VALUES ({values})"
        ))
        .await;
        assert_eq!(
            both.text(&format!(
                "SELECT string_agg(CAST(id AS TEXT), ',' ORDER BY id) FROM {table}"
            ))
            .await
            .as_deref(),
            Some("1,100,101"),
            "{table}"
        );
    }
}

#[tokio::test]
async fn the_station_revision_counts_the_same_changes() {
    let both = Both::new().await;
    let station = |code: &str| {
        format!(
            "INSERT INTO stations (code, name_zh, kind, address, src_lat, src_lng, datum, lat, lng,
                                   hours, created_at, updated_at)
             VALUES ('{code}', '站', 'station', 'addr', 31.2, 121.4, 'wgs84', 31.2, 121.4, '24/7', 't', 't')"
        )
    };
    both.ok(&station("LF-S01")).await;
    both.ok(&station("LF-S02")).await;
    both.ok("UPDATE stations SET closed = 1").await;
    both.ok("DELETE FROM stations WHERE code = 'LF-S01'").await;
    both.refused("UPDATE stations SET closed = 2", CHECK).await;
    assert_eq!(
        both.text("SELECT n || '/' || deletes FROM station_revision")
            .await
            .as_deref(),
        Some("5/1")
    );
}

/// Time strings in the shapes the code stores: sqlx's encoding of `DateTime<Utc>` (RFC 3339
/// with 0, 3, 6 or 9 digits of fraction and `+00:00`), district days, and what SQLite accepts
/// besides or refuses.
const TIMES: &[&str] = &[
    "2026-12-05T00:10:29.123456789+00:00",
    "2026-12-05T00:10:29.123456+00:00",
    "2026-12-05T00:10:29.123+00:00",
    "2026-12-05T00:10:29+00:00",
    "2026-12-05T00:10:29.000500+00:00",
    "2026-12-05T00:10:29.9996+00:00",
    "2026-12-05T23:59:59.999999999+00:00",
    "2026-12-05T08:10:29+08:00",
    "2026-12-04T18:40:29.5-05:30",
    "2026-12-05T00:10:29Z",
    "2026-12-05T00:10:29",
    "2026-12-05 10:00",
    "2026-12-05 10:00:00",
    " 2026-12-05T10:00:00",
    "2026-12-05T10:00:00  ",
    "2026-12-05T10:00:00 +08:00 ",
    "2026-12-05 ",
    "2026-12-05T",
    "2026-12-0510:00",
    "2026-12-05Z",
    "2026-12-05+08:00",
    "0000-01-01",
    "0000-02-29T12:00:00",
    "-0044-03-15T12:00:00",
    "-4713-11-24T12:00:00",
    "-4714-01-01",
    "9999-12-31T23:59:59.999",
    "1582-10-10",
    "2026-12-05",
    "2026-02-31",
    "2024-02-29T12:00:00+00:00",
    "1970-01-01T00:00:00+00:00",
    "2000-01-01T00:00:00+14:00",
    "garbage",
    "",
    "2026-13-01",
    "2026-12-05T25:00:00+00:00",
    "2026-12-05T10:61:00+00:00",
    "2026-12-05T10:00:00+15:00",
    "26-12-05",
];

#[tokio::test]
async fn julianday_gives_sqlites_doubles_for_the_stored_time_strings() {
    let both = Both::new().await;
    for t in TIMES {
        both.double(&format!("SELECT julianday({})", lit(t))).await;
    }
    assert_eq!(both.double("SELECT julianday(NULL)").await, None);
    assert_eq!(
        both.double("SELECT julianday('2026-12-05T12:00:00+00:00')")
            .await,
        Some(2461380.0)
    );

    // Random instants as the code writes them, and the figure /stats takes from two of them.
    let mut rng = rand::rngs::StdRng::seed_from_u64(14);
    let base = chrono::DateTime::parse_from_rfc3339("2026-01-01T00:00:00+00:00")
        .unwrap()
        .with_timezone(&chrono::Utc);
    for _ in 0..150 {
        let at = |rng: &mut rand::rngs::StdRng| {
            let ns = rng.gen_range(0..400i64 * 86_400 * 1_000_000_000);
            let ns = match rng.gen_range(0..4) {
                0 => ns - ns % 1_000_000_000,
                1 => ns - ns % 1_000_000,
                2 => ns - ns % 1_000,
                _ => ns,
            };
            (base + chrono::Duration::nanoseconds(ns))
                .to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
        };
        let (a, b) = (at(&mut rng), at(&mut rng));
        both.double(&format!("SELECT julianday({})", lit(&a))).await;
        both.int(&format!(
            "SELECT CAST(ROUND((julianday({}) - julianday({})) * 86400) AS INTEGER)",
            lit(&b),
            lit(&a)
        ))
        .await;
    }
}

#[tokio::test]
async fn json_extract_gives_sqlites_values_as_text() {
    let both = Both::new().await;
    let cases = [
        (r#"{"report":12}"#, "$.report"),
        (r#"{"feedback":3,"x":"y"}"#, "$.feedback"),
        (r#"{"feedback":3,"x":"y"}"#, "$.x"),
        (r#"{"report":12}"#, "$.missing"),
        (r#"{"report":"R-000012"}"#, "$.report"),
        (r#"{"a":"quote \" and \\ and \u4e2d"}"#, "$.a"),
        (r#"{"a":-4}"#, "$.a"),
        (r#"{"a":1.5}"#, "$.a"),
        (r#"{"a":true,"b":false}"#, "$.a"),
        (r#"{"a":true,"b":false}"#, "$.b"),
        (r#"{"a":null}"#, "$.a"),
        (r#"{"a":[1,"two",null]}"#, "$.a"),
        (r#"{"a":[1,"two",null]}"#, "$.a[1]"),
        (r#"{"a":[1,"two",null]}"#, "$.a[5]"),
        (r#"{"a":{"b":{"c":7}}}"#, "$.a.b.c"),
        (r#"{"a":{"b":{"c":7}}}"#, "$.a.b"),
        (r#"{"a":1}"#, "$"),
        (r#"[10,20]"#, "$[1]"),
    ];
    for (doc, path) in cases {
        both.text(&format!(
            "SELECT CAST(json_extract({}, {}) AS TEXT)",
            lit(doc),
            lit(path)
        ))
        .await;
    }
    assert_eq!(both.text("SELECT json_extract(NULL, '$.a')").await, None);
    // The two ways to compare it with a number that work alike on both engines.
    let doc = lit(r#"{"report":12}"#);
    assert_eq!(
        both.int(&format!(
            "SELECT CAST(CASE WHEN json_extract({doc}, '$.report') = CAST(12 AS TEXT) THEN 1 ELSE 0 END AS BIGINT)"
        ))
        .await,
        Some(1)
    );
    assert_eq!(
        both.int(&format!(
            "SELECT CAST(CASE WHEN CAST(json_extract({doc}, '$.report') AS BIGINT) = 12 THEN 1 ELSE 0 END AS BIGINT)"
        ))
        .await,
        Some(1)
    );
    // Malformed JSON is an error on both.
    assert!(both
        .exec("SELECT json_extract('{\"a\":', '$.a')")
        .await
        .is_some());

    // The outbox's expression index is used by PostgreSQL for such a lookup.
    let mut conn = both.pg.acquire().await.unwrap();
    sqlx::query("SET enable_seqscan = off")
        .execute(&mut *conn)
        .await
        .unwrap();
    let plan: Vec<String> = sqlx::query_scalar(
        "EXPLAIN SELECT id FROM outbox WHERE kind = 'reports.card'
           AND json_extract(payload, '$.report') = CAST(12 AS TEXT)",
    )
    .fetch_all(&mut *conn)
    .await
    .unwrap();
    assert!(plan.concat().contains("outbox_card"), "{plan:?}");
}

#[tokio::test]
async fn json_quote_and_string_agg_build_the_same_json_on_both() {
    let both = Both::new().await;
    for s in [
        "plain",
        "a \"quoted\" word",
        "back\\slash",
        "line\nbreak\ttab\rreturn",
        "\u{1}\u{8}\u{c}\u{1f}",
        "中文 🚲",
        "'single'",
        "/slash</script>",
        "\u{7f}",
        "",
    ] {
        both.text(&format!("SELECT json_quote({})", lit(s))).await;
    }
    assert_eq!(
        both.text("SELECT json_quote(NULL)").await.as_deref(),
        Some("null")
    );
    both.text("SELECT json_quote(42)").await;
    both.text("SELECT json_quote(-7)").await;
    both.text("SELECT json_quote(CAST(9007199254740993 AS BIGINT))")
        .await;

    // The passbook's page of entries as one JSON array, written once for both engines.
    both.ok("CREATE TABLE entries (id BIGINT, reason TEXT)")
        .await;
    let page = "SELECT '[' || COALESCE(string_agg('[' || json_quote(id) || ',' || json_quote(reason) || ']',
                                             ',' ORDER BY id DESC), '') || ']'
                FROM (SELECT * FROM entries ORDER BY id DESC LIMIT 2) e";
    assert_eq!(both.text(page).await.as_deref(), Some("[]"));
    both.ok("INSERT INTO entries VALUES (1, 'first \"one\"'), (2, NULL), (3, 'a\\b')")
        .await;
    let json = both.text(page).await.unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(parsed, serde_json::json!([[3, "a\\b"], [2, null]]));
}

#[tokio::test]
async fn scalar_min_and_max_answer_as_sqlites() {
    let both = Both::new().await;
    assert_eq!(both.int("SELECT min(3, 5)").await, Some(3));
    assert_eq!(both.int("SELECT max(3, 5)").await, Some(5));
    assert_eq!(both.int("SELECT min(NULL, 5)").await, None);
    assert_eq!(both.int("SELECT max(-2, NULL)").await, None);
    assert_eq!(
        both.text("SELECT min('a', 'B')").await.as_deref(),
        Some("B")
    );
    assert_eq!(
        both.text("SELECT max('a', 'B')").await.as_deref(),
        Some("a")
    );
    // The erasure's next anonymous id, and the aggregates still PostgreSQL's own.
    let next_anon = "SELECT MIN(MIN(id), 0) - 1 FROM users";
    both.ok("INSERT INTO users (id, created_at, updated_at) VALUES (5, 'x', 'x'), (9, 'x', 'x')")
        .await;
    assert_eq!(both.int(next_anon).await, Some(-1));
    both.ok("INSERT INTO users (id, created_at, updated_at) VALUES (-3, 'x', 'x')")
        .await;
    assert_eq!(both.int(next_anon).await, Some(-4));
    assert_eq!(both.int("SELECT MAX(id) FROM users").await, Some(9));
}

/// Text compares byte by byte on both, whatever the database's locale: times and codes sort as
/// SQLite sorts them.
#[tokio::test]
async fn text_sorts_byte_by_byte_on_both() {
    let both = Both::new().await;
    for (id, name) in [
        (1, "b"),
        (2, "B"),
        (3, "a"),
        (4, "_x"),
        (5, "é"),
        (6, "2026-12-05T00:00:00.5+00:00"),
        (7, "2026-12-05T00:00:00+00:00"),
    ] {
        both.ok(&format!(
            "INSERT INTO users (id, name, created_at, updated_at) VALUES ({id}, {}, 'x', 'x')",
            lit(name)
        ))
        .await;
    }
    assert_eq!(
        both.text("SELECT string_agg(CAST(id AS TEXT), ',' ORDER BY name) FROM users")
            .await
            .as_deref(),
        Some("7,6,2,4,3,1,5")
    );
}

#[tokio::test]
async fn migration_level_counts_postgres_migrations_and_refuses_a_newer_database() {
    let db = FreshDb::new().await;
    // The bot's own pool and level check, as `run` and `doctor` use them.
    let pool = db::connect(&db.url()).await.unwrap();
    let known = pg::MIGRATOR.iter().count();
    assert_eq!(db::migration_level(&pool).await.unwrap(), (0, known));
    pg::MIGRATOR.run(&pool).await.unwrap();
    assert_eq!(db::migration_level(&pool).await.unwrap(), (known, known));
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99991231000000, 'from the future', true, '\\x00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();
    assert!(matches!(
        db::migration_level(&pool).await,
        Err(DbError::Newer(99991231000000))
    ));
    pool.close().await;
    let err = db::connect_and_migrate(&db.url()).await.unwrap_err();
    assert!(matches!(err, DbError::Newer(99991231000000)), "{err}");
}

#[tokio::test]
async fn instances_migrating_one_fresh_database_at_once_apply_each_migration_once() {
    let db = FreshDb::new().await;
    let url = db.url();
    let runs: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            tokio::spawn(async move { db::connect_and_migrate(&url).await })
        })
        .collect();
    let mut pools = Vec::new();
    for run in runs {
        pools.push(run.await.unwrap().expect("every instance migrates"));
    }
    let known = pg::MIGRATOR.iter().count() as i64;
    let (rows, versions): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT version) FROM _sqlx_migrations WHERE success",
    )
    .fetch_one(&pools[0])
    .await
    .unwrap();
    assert_eq!((rows, versions), (known, known));
    for pool in &pools {
        assert_eq!(
            db::migration_level(pool).await.unwrap(),
            (known as usize, known as usize)
        );
        pool.close().await;
    }
}

/// Migrations 18 and 19 (constraint changes here, table rebuilds in SQLite) keep the rows, the
/// ids and the ledger's rules.
#[tokio::test]
async fn constraint_changes_keep_the_rows_and_the_ledger_its_rules() {
    let db = FreshDb::new().await;
    let pool = pg::connect(&db.url()).await.unwrap();
    let before = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(
            pg::MIGRATOR
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
    // Not yet allowed before migration 19 and 18.
    assert!(exec("INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, 2, 'visit', 'x', 't')")
        .await
        .is_err());
    exec(
        "INSERT INTO station_visits (station, rider_id, day, at, via)
          VALUES ('LF-S01', 7, '2026-12-01', 't', 'poster')",
    )
    .await
    .unwrap();
    pg::MIGRATOR.run(&pool).await.unwrap();

    let balance: i64 = sqlx::query_scalar("SELECT balance FROM balances WHERE rider_id = 7")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(balance, 20);
    exec("INSERT INTO ledger (rider_id, amount, kind, idem_key, at) VALUES (7, 2, 'visit', 'c', 't')")
        .await
        .unwrap();
    let (max, balance): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT MAX(id) FROM ledger), (SELECT balance FROM balances WHERE rider_id = 7)",
    )
    .fetch_one(&pool)
    .await
    .unwrap();
    // After the explicit ids (the refused row above may have used up 43 of the sequence).
    assert!(max > 42, "{max}");
    assert_eq!(balance, 22);
    assert!(exec("UPDATE ledger SET amount = 99 WHERE id = 41")
        .await
        .is_err());
    assert!(exec("DELETE FROM ledger WHERE id = 41").await.is_err());
    assert!(exec("TRUNCATE ledger").await.is_err());
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
    pool.close().await;
}
