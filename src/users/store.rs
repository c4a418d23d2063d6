//! SQL on the `users` table shared by every capability.

use crate::db::{At, Flag};
use crate::db::{Conn, Pool};

use super::{Role, Status, User, UserId};
use crate::i18n::Lang;

/// A `users` row as selected by [`USER_COLUMNS`]; other modules that join on users (the
/// session loader) flatten it into their rows.
#[derive(sqlx::FromRow)]
pub(crate) struct UserRow {
    id: i64,
    status: String,
    role: String,
    lang: String,
    name: Option<String>,
    username: Option<String>,
    blocked: Flag,
}

/// The columns [`UserRow`] reads, qualified with the alias `u`.
pub(crate) const USER_COLUMNS: &str =
    "u.id, u.status, u.role, u.lang, u.name, u.username, u.blocked_at IS NOT NULL AS blocked";

impl From<UserRow> for User {
    fn from(r: UserRow) -> Self {
        User {
            id: UserId(r.id),
            // The CHECK constraints in the migration make the fallbacks unreachable.
            status: Status::parse(&r.status).unwrap_or(Status::New),
            role: Role::parse(&r.role).unwrap_or(Role::Rider),
            lang: Lang::from_code(&r.lang).unwrap_or_default(),
            name: r.name,
            username: r.username,
            blocked: r.blocked.0,
        }
    }
}

pub async fn find(conn: &mut Conn, id: UserId) -> Result<Option<User>, sqlx::Error> {
    let sql = format!("SELECT {USER_COLUMNS} FROM users u WHERE u.id = $1");
    let row: Option<UserRow> = sqlx::query_as(&sql).bind(id.0).fetch_optional(conn).await?;
    Ok(row.map(User::from))
}

/// The user behind an update, created on first contact with the language Telegram reports.
/// Nothing personal is stored before the privacy notice is accepted: only the id and language.
pub async fn get_or_create(pool: &Pool, id: UserId, lang: Lang) -> Result<User, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    if let Some(user) = find(&mut conn, id).await? {
        return Ok(user);
    }
    let now = crate::db::now();
    sqlx::query(
        "INSERT INTO users (id, lang, created_at, updated_at, first_seen_at) VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (id) DO NOTHING",
    )
    .bind(id.0)
    .bind(lang.code())
    .bind(At(now))
    .bind(At(now))
    .bind(At(now))
    .execute(&mut *conn)
    .await?;
    find(&mut conn, id).await?.ok_or(sqlx::Error::RowNotFound)
}

/// The first update from a user whose row existed before (a coordinator from configuration):
/// takes their language from Telegram. Returns whether this was that first update.
pub async fn first_seen(pool: &Pool, id: UserId, lang: Lang) -> Result<bool, sqlx::Error> {
    let now = crate::db::now();
    let done = sqlx::query(
        "UPDATE users SET lang = $1, first_seen_at = $2, updated_at = $3 WHERE id = $4 AND first_seen_at IS NULL",
    )
    .bind(lang.code())
    .bind(At(now))
    .bind(At(now))
    .bind(id.0)
    .execute(pool)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn set_lang(pool: &Pool, id: UserId, lang: Lang) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET lang = $1, updated_at = $2 WHERE id = $3")
        .bind(lang.code())
        .bind(At::now())
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(())
}

/// A Telegram @username as stored: without '@', lower-case (Telegram matches them that way).
fn normalise_username(username: Option<&str>) -> Option<String> {
    username.map(|u| u.trim_start_matches('@').to_ascii_lowercase())
}

/// Gives `id` the @username `username` (or none). Usernames move between accounts, so whoever
/// held this one before loses it. Meant for a write transaction.
pub async fn assign_username(
    conn: &mut Conn,
    id: UserId,
    username: Option<&str>,
) -> Result<(), sqlx::Error> {
    let username = normalise_username(username);
    if let Some(name) = &username {
        sqlx::query("UPDATE users SET username = NULL WHERE username = $1 AND id <> $2")
            .bind(name)
            .bind(id.0)
            .execute(&mut *conn)
            .await?;
    }
    sqlx::query("UPDATE users SET username = $1, updated_at = $2 WHERE id = $3")
        .bind(&username)
        .bind(At::now())
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Keeps a registered user's @username current, so coordinators can name them by it, and a
/// coordinator's, so report cards can say who acted. Costs nothing when `user` (as just
/// loaded) already has it.
pub async fn remember_username(
    pool: &Pool,
    user: &User,
    username: Option<&str>,
) -> Result<(), sqlx::Error> {
    let kept = user.status == Status::Registered || user.is_coordinator();
    if !kept || user.username == normalise_username(username) {
        return Ok(());
    }
    let mut tx = crate::db::begin_write(pool).await?;
    assign_username(&mut tx, user.id, username).await?;
    tx.commit().await
}

/// Whether `id` is a coordinator, as the database has it now (the check every coordinator
/// action makes in its domain layer, whatever the transport showed).
pub async fn is_coordinator(conn: &mut Conn, id: UserId) -> Result<bool, sqlx::Error> {
    Ok(find(conn, id).await?.is_some_and(|u| u.is_coordinator()))
}

pub async fn find_by_username(
    conn: &mut Conn,
    username: &str,
) -> Result<Option<User>, sqlx::Error> {
    let row: Option<UserRow> = sqlx::query_as(&format!(
        "SELECT {USER_COLUMNS} FROM users u WHERE u.username = $1"
    ))
    .bind(normalise_username(Some(username)))
    .fetch_optional(conn)
    .await?;
    Ok(row.map(User::from))
}

/// Whether the user blocked the bot (and has not written or unblocked it since).
pub async fn is_blocked(pool: &Pool, id: UserId) -> Result<bool, sqlx::Error> {
    let at: Option<Option<String>> =
        sqlx::query_scalar("SELECT blocked_at FROM users WHERE id = $1")
            .bind(id.0)
            .fetch_optional(pool)
            .await?;
    Ok(at.flatten().is_some())
}

/// Records that the user blocked (`true`) or unblocked the bot, so later broadcasts skip them.
pub async fn set_blocked(pool: &Pool, id: UserId, blocked: bool) -> Result<(), sqlx::Error> {
    let at = blocked.then(crate::db::now);
    sqlx::query("UPDATE users SET blocked_at = $1, updated_at = $2 WHERE id = $3")
        .bind(at.map(At))
        .bind(At::now())
        .bind(id.0)
        .execute(pool)
        .await?;
    Ok(())
}
