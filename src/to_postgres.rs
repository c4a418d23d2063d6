//! `rider-bot copy-to-postgres URL`: carries a district's SQLite database into a new PostgreSQL
//! one, for a district that outgrows one process (see the README's "Scaling out").
//!
//! Both engines' migrations have the same versions, so both databases hold the same tables and
//! columns; PostgreSQL's are `BIGINT`, `DOUBLE PRECISION` or `TEXT` (times are text on both).
//! The copy reads the tables PostgreSQL's catalog lists, parents before children (by their
//! foreign keys), and writes every row as it is, with its own id, in one transaction: it is all
//! there or none of it. The tables' own triggers are off while it writes (what they derive,
//! such as balances from the ledger, is copied too, not derived twice), and a reference to a
//! later row of the same table (a report marked a duplicate of a newer one) is checked at the
//! end. Before it commits, each table's rows are counted on both sides; then every identity
//! column's sequence is set past every id SQLite gave.
//!
//! It refuses a source a bot is running on (the SQLite lock file); a target that holds rows a
//! new database is not given (by its migrations and default categories), or that a bot runs
//! on; and two databases whose tables or columns differ (of different releases). What is the
//! running instances' own (`instances`, `job_leases`) is not copied.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use sqlx::Row as _;

use crate::db::{self, DbError, Engine, InstanceLock, Pool};

/// Tables of the running instances, not of the district: never copied.
const RUNTIME: [&str; 3] = ["_sqlx_migrations", "instances", "job_leases"];

/// The most values one insert statement binds (PostgreSQL allows 65,535).
const MAX_BINDS: usize = 30_000;

#[derive(Debug, thiserror::Error)]
pub enum CopyError {
    #[error(
        "DATABASE_URL is a PostgreSQL database: copy-to-postgres reads the SQLite database a \
         district ran on (set DATABASE_URL to it)"
    )]
    SourceNotSqlite,
    #[error("{0} is not a PostgreSQL URL: write postgres://user@host:5432/database")]
    TargetNotPostgres(String),
    #[error(
        "the PostgreSQL database already holds data ({0}): copy into a new, empty database \
         (createdb); only what a new database is given (the default report categories) is \
         replaced by the district's"
    )]
    TargetNotEmpty(String),
    #[error("a rider-bot is running on the PostgreSQL database: stop it, then copy")]
    TargetInUse,
    #[error(
        "the databases differ: {0}; both must be of this release (run `rider-bot migrate` \
         with this release on each)"
    )]
    Mismatch(String),
    #[error("table {table}, column {column}: {why}; nothing was copied")]
    Value {
        table: String,
        column: String,
        why: String,
    },
    #[error(transparent)]
    Db(#[from] DbError),
    #[error("database error: {0}; nothing was copied")]
    Sql(#[from] sqlx::Error),
}

/// How many rows each table received.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Copied {
    pub rows: BTreeMap<String, u64>,
}

impl fmt::Display for Copied {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total: u64 = self.rows.values().sum();
        writeln!(f, "copied {total} rows in {} tables:", self.rows.len())?;
        for (table, n) in &self.rows {
            writeln!(f, "  {table}: {n}")?;
        }
        Ok(())
    }
}

/// The kind of a PostgreSQL column, which says how its SQLite value is read.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Int,
    Real,
    Text,
}

impl Kind {
    fn of(data_type: &str) -> Option<Kind> {
        match data_type {
            "bigint" | "integer" | "smallint" => Some(Kind::Int),
            "double precision" | "real" => Some(Kind::Real),
            "text" => Some(Kind::Text),
            _ => None,
        }
    }
}

/// One value read from SQLite, to be written to PostgreSQL.
enum Value {
    Int(Option<i64>),
    Real(Option<f64>),
    Text(Option<String>),
}

struct Table {
    name: String,
    columns: Vec<(String, Kind)>,
}

/// Copies the SQLite database of `source_url` (brought to this release's level first, as
/// `migrate` would) into the PostgreSQL database at `target_url` (migrated, and empty of users).
pub async fn copy(source_url: &str, target_url: &str) -> Result<Copied, CopyError> {
    if Engine::of_url(source_url) != Engine::Sqlite {
        return Err(CopyError::SourceNotSqlite);
    }
    if Engine::of_url(target_url) != Engine::Postgres {
        return Err(CopyError::TargetNotPostgres(target_url.to_owned()));
    }
    // Held to the end: no bot starts on the file meanwhile, so nothing is written after it.
    let _lock = InstanceLock::acquire(source_url)?;
    let source = db::connect_and_migrate(source_url).await?;
    let target = db::connect_and_migrate(target_url).await?;
    let copied = copy_between(&source, &target).await;
    source.close().await;
    target.close().await;
    copied
}

async fn copy_between(source: &Pool, target: &Pool) -> Result<Copied, CopyError> {
    let given = given_to_a_fresh_database().await?;
    let dead_after = crate::instances::Liveness::default().dead_after;
    if crate::instances::store::live(target, db::now(), dead_after).await? > 0 {
        return Err(CopyError::TargetInUse);
    }
    let mut tx = db::begin_write(target).await?;
    let tables = tables(&mut tx).await?;
    refuse_unless_fresh(&mut tx, &tables, &given).await?;
    same_shape(source, &tables).await?;
    // The rows are copied as they are: the triggers that derive rows from others (balances
    // from the ledger, the stations' revision) and number new ids are off meanwhile, and on
    // again before the commit. (Foreign keys are not triggers of the user's: they stay.)
    for table in &tables {
        let sql = format!("ALTER TABLE {} DISABLE TRIGGER USER", table.name);
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    // A row may refer to a later row of its own table (a report marked a duplicate of a newer
    // one): such references are checked at the end, once every row is in.
    let own = self_references(&mut tx).await?;
    for (table, constraint) in &own {
        let sql = format!(
            "ALTER TABLE {table} ALTER CONSTRAINT {constraint} DEFERRABLE INITIALLY DEFERRED"
        );
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    // Children first, so that the rows migrations put in a fresh database (the default
    // report categories) go without breaking a reference.
    for table in tables.iter().rev() {
        sqlx::query(&format!("DELETE FROM {}", table.name))
            .execute(&mut *tx)
            .await?;
    }
    let mut copied = Copied::default();
    for table in &tables {
        copy_table(source, &mut tx, table).await?;
        let count = format!("SELECT COUNT(*) FROM {}", table.name);
        let here: i64 = sqlx::query_scalar(&count).fetch_one(source).await?;
        let there: i64 = sqlx::query_scalar(&count).fetch_one(&mut *tx).await?;
        if there != here {
            return Err(CopyError::Mismatch(format!(
                "{} holds {there} rows after the copy against {here} in SQLite",
                table.name
            )));
        }
        copied.rows.insert(table.name.clone(), there as u64);
    }
    sqlx::query("SET CONSTRAINTS ALL IMMEDIATE")
        .execute(&mut *tx)
        .await?;
    for (table, constraint) in &own {
        let sql = format!("ALTER TABLE {table} ALTER CONSTRAINT {constraint} NOT DEFERRABLE");
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    for table in &tables {
        let sql = format!("ALTER TABLE {} ENABLE TRIGGER USER", table.name);
        sqlx::query(&sql).execute(&mut *tx).await?;
    }
    follow_identities(source, &mut tx).await?;
    tx.commit().await?;
    Ok(copied)
}

/// The tables a new database is given rows in (by its migrations, and the default report
/// categories `migrate` adds): found on a new in-memory database.
async fn given_to_a_fresh_database() -> Result<BTreeSet<String>, CopyError> {
    let fresh = db::connect_and_migrate("sqlite::memory:").await?;
    crate::seeds::ensure_defaults(&fresh)
        .await
        .map_err(|e| CopyError::Mismatch(format!("a fresh database cannot be made: {e}")))?;
    let names: Vec<String> = sqlite_tables(&fresh).await?;
    let mut given = BTreeSet::new();
    for name in names {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {name}"))
            .fetch_one(&fresh)
            .await?;
        if n > 0 {
            given.insert(name);
        }
    }
    fresh.close().await;
    Ok(given)
}

/// Refuses a target that holds rows a fresh database is not given.
async fn refuse_unless_fresh(
    tx: &mut db::Tx,
    tables: &[Table],
    given: &BTreeSet<String>,
) -> Result<(), CopyError> {
    let mut held = Vec::new();
    for table in tables.iter().filter(|t| !given.contains(&t.name)) {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {}", table.name))
            .fetch_one(&mut **tx)
            .await?;
        if n > 0 {
            held.push(format!("{}: {n} rows", table.name));
        }
    }
    if !held.is_empty() {
        return Err(CopyError::TargetNotEmpty(held.join(", ")));
    }
    Ok(())
}

/// The target's tables to copy and their columns, parents before children.
async fn tables(tx: &mut db::Tx) -> Result<Vec<Table>, CopyError> {
    let rows: Vec<(String, String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text, data_type::text \
         FROM information_schema.columns \
         WHERE table_schema = current_schema() AND table_name IN ( \
           SELECT table_name FROM information_schema.tables \
           WHERE table_schema = current_schema() AND table_type = 'BASE TABLE') \
         ORDER BY table_name, ordinal_position",
    )
    .fetch_all(&mut **tx)
    .await?;
    let mut columns: BTreeMap<String, Vec<(String, Kind)>> = BTreeMap::new();
    for (table, column, data_type) in rows {
        if RUNTIME.contains(&table.as_str()) {
            continue;
        }
        let Some(kind) = Kind::of(&data_type) else {
            return Err(CopyError::Value {
                table,
                column,
                why: format!("PostgreSQL type {data_type} is not one this copy knows"),
            });
        };
        columns.entry(table).or_default().push((column, kind));
    }
    let edges: Vec<(String, String)> = sqlx::query_as(
        "SELECT c.relname::text, p.relname::text FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_class p ON p.oid = k.confrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE k.contype = 'f' AND n.nspname = current_schema()",
    )
    .fetch_all(&mut **tx)
    .await?;
    let order = parents_first(columns.keys().cloned().collect(), &edges)?;
    Ok(order
        .into_iter()
        .map(|name| Table {
            columns: columns.remove(&name).unwrap_or_default(),
            name,
        })
        .collect())
}

/// `tables` ordered so that each comes after the tables it refers to (`edges`: child, parent;
/// a table referring to itself is copied in id order).
fn parents_first(
    tables: BTreeSet<String>,
    edges: &[(String, String)],
) -> Result<Vec<String>, CopyError> {
    let mut left = tables;
    let mut order = Vec::new();
    while !left.is_empty() {
        let ready: Vec<String> = left
            .iter()
            .filter(|t| {
                !edges
                    .iter()
                    .any(|(child, parent)| child == *t && parent != *t && left.contains(parent))
            })
            .cloned()
            .collect();
        if ready.is_empty() {
            return Err(CopyError::Mismatch(format!(
                "the tables {left:?} refer to each other in a circle"
            )));
        }
        for t in ready {
            left.remove(&t);
            order.push(t);
        }
    }
    Ok(order)
}

/// The foreign keys of the target that refer to their own table and are checked at once:
/// (table, constraint).
async fn self_references(tx: &mut db::Tx) -> Result<Vec<(String, String)>, CopyError> {
    Ok(sqlx::query_as(
        "SELECT c.relname::text, k.conname::text FROM pg_constraint k \
         JOIN pg_class c ON c.oid = k.conrelid \
         JOIN pg_namespace n ON n.oid = c.relnamespace \
         WHERE k.contype = 'f' AND k.conrelid = k.confrelid AND NOT k.condeferrable \
           AND n.nspname = current_schema() \
         ORDER BY 1, 2",
    )
    .fetch_all(&mut **tx)
    .await?)
}

/// Both databases hold the same tables with the same columns (but the instances' own).
async fn same_shape(source: &Pool, tables: &[Table]) -> Result<(), CopyError> {
    let names: BTreeSet<String> = sqlite_tables(source)
        .await?
        .into_iter()
        .filter(|n| !RUNTIME.contains(&n.as_str()))
        .collect();
    let known: BTreeSet<String> = tables.iter().map(|t| t.name.clone()).collect();
    if names != known {
        return Err(CopyError::Mismatch(format!(
            "tables only in SQLite: {:?}; only in PostgreSQL: {:?}",
            names.difference(&known).collect::<Vec<_>>(),
            known.difference(&names).collect::<Vec<_>>()
        )));
    }
    for table in tables {
        let here: BTreeSet<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
            .bind(&table.name)
            .fetch_all(source)
            .await?
            .into_iter()
            .collect();
        let there: BTreeSet<String> = table.columns.iter().map(|(c, _)| c.clone()).collect();
        if here != there {
            return Err(CopyError::Mismatch(format!(
                "table {}: columns only in SQLite: {:?}; only in PostgreSQL: {:?}",
                table.name,
                here.difference(&there).collect::<Vec<_>>(),
                there.difference(&here).collect::<Vec<_>>()
            )));
        }
    }
    Ok(())
}

/// The tables of a SQLite database, but SQLite's own.
async fn sqlite_tables(pool: &Pool) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' \
         ESCAPE '\\'",
    )
    .fetch_all(pool)
    .await
}

/// Copies one table's rows, a batch at a time in rowid order (short reads: nothing writes to
/// the file meanwhile, its lock is held); returns how many.
async fn copy_table(source: &Pool, tx: &mut db::Tx, table: &Table) -> Result<u64, CopyError> {
    let names: Vec<&str> = table.columns.iter().map(|(c, _)| c.as_str()).collect();
    let list = names.join(", ");
    let per_batch = (MAX_BINDS / names.len().max(1)).clamp(1, 1_000);
    let select = format!(
        "SELECT rowid, {list} FROM {} WHERE rowid > $1 ORDER BY rowid LIMIT {per_batch}",
        table.name
    );
    let mut after = i64::MIN;
    let mut n = 0u64;
    loop {
        let rows = sqlx::query(&select)
            .bind(after)
            .fetch_all(source)
            .await
            .map_err(|e| CopyError::Value {
                table: table.name.clone(),
                column: list.clone(),
                why: format!("cannot be read from SQLite: {e}"),
            })?;
        let Some(last) = rows.last() else {
            return Ok(n);
        };
        after = last.try_get(0)?;
        let batch = rows
            .iter()
            .map(|row| read_row(table, row))
            .collect::<Result<Vec<_>, _>>()?;
        n += insert(tx, table, &list, batch).await?;
    }
}

fn read_row(table: &Table, row: &db::Row) -> Result<Vec<Value>, CopyError> {
    table
        .columns
        .iter()
        .enumerate()
        .map(|(at, (column, kind))| {
            // Column 0 is the rowid.
            let i = at + 1;
            let value = match kind {
                Kind::Int => row.try_get(i).map(Value::Int),
                Kind::Real => row.try_get(i).map(Value::Real),
                Kind::Text => row.try_get(i).map(Value::Text),
            };
            value.map_err(|e| CopyError::Value {
                table: table.name.clone(),
                column: column.clone(),
                why: format!("a value does not read as {kind:?}: {e}"),
            })
        })
        .collect()
}

async fn insert(
    tx: &mut db::Tx,
    table: &Table,
    list: &str,
    batch: Vec<Vec<Value>>,
) -> Result<u64, CopyError> {
    let width = table.columns.len();
    let tuples: Vec<String> = (0..batch.len())
        .map(|r| {
            let marks: Vec<String> = (1..=width).map(|c| format!("${}", r * width + c)).collect();
            format!("({})", marks.join(", "))
        })
        .collect();
    let sql = format!(
        "INSERT INTO {} ({list}) VALUES {}",
        table.name,
        tuples.join(", ")
    );
    let mut query = sqlx::query(&sql);
    for value in batch.into_iter().flatten() {
        query = match value {
            Value::Int(v) => query.bind(v),
            Value::Real(v) => query.bind(v),
            Value::Text(v) => query.bind(v),
        };
    }
    Ok(query.execute(&mut **tx).await?.rows_affected())
}

/// Sets each identity column's sequence past the largest id copied, and past any id SQLite
/// ever gave (`sqlite_sequence`: rows deleted since, such as pruned outbox rows, keep their
/// ids used), so new rows get new ids.
async fn follow_identities(source: &Pool, tx: &mut db::Tx) -> Result<(), CopyError> {
    let given: BTreeMap<String, i64> =
        sqlx::query_as::<_, (String, i64)>("SELECT name, seq FROM sqlite_sequence")
            .fetch_all(source)
            .await?
            .into_iter()
            .collect();
    let identities: Vec<(String, String)> = sqlx::query_as(
        "SELECT table_name::text, column_name::text FROM information_schema.columns \
         WHERE table_schema = current_schema() AND is_identity = 'YES'",
    )
    .fetch_all(&mut **tx)
    .await?;
    for (table, column) in identities {
        let largest: Option<i64> =
            sqlx::query_scalar(&format!("SELECT MAX({column}) FROM {table}"))
                .fetch_one(&mut **tx)
                .await?;
        let last = largest
            .unwrap_or(0)
            .max(given.get(&table).copied().unwrap_or(0));
        if last < 1 {
            continue;
        }
        // Called: the next id is `last + 1`, and the sequence's last value reads `last`.
        sqlx::query("SELECT setval(pg_get_serial_sequence($1, $2), $3, true)")
            .bind(&table)
            .bind(&column)
            .bind(last)
            .execute(&mut **tx)
            .await?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(names: &[&str]) -> BTreeSet<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    fn edge(child: &str, parent: &str) -> (String, String) {
        (child.into(), parent.into())
    }

    #[test]
    fn parents_come_before_children_and_a_table_may_refer_to_itself() {
        let order = parents_first(
            set(&["ledger", "reports", "users", "photos"]),
            &[
                edge("ledger", "users"),
                edge("reports", "users"),
                edge("photos", "reports"),
                edge("reports", "reports"),
            ],
        )
        .unwrap();
        let at = |t: &str| order.iter().position(|o| o == t).unwrap();
        assert!(at("users") < at("reports"));
        assert!(at("reports") < at("photos"));
        assert!(at("users") < at("ledger"));
        assert_eq!(order.len(), 4);
    }

    #[test]
    fn a_circle_of_references_is_refused() {
        let err = parents_first(set(&["a", "b"]), &[edge("a", "b"), edge("b", "a")]);
        assert!(matches!(err, Err(CopyError::Mismatch(_))));
    }
}
