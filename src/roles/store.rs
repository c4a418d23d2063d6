//! SQL for roles.

use crate::db::At;
use crate::db::Conn;

use crate::users::{Role, UserId};

pub async fn set_role(conn: &mut Conn, id: UserId, role: Role) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE users SET role = $1, updated_at = $2 WHERE id = $3")
        .bind(role.as_str())
        .bind(At::now())
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Makes `id` a coordinator, creating the user if unknown. True when something changed.
pub async fn make_coordinator(conn: &mut Conn, id: UserId) -> Result<bool, sqlx::Error> {
    let now = crate::db::now();
    let done = sqlx::query(
        "INSERT INTO users (id, role, created_at, updated_at) VALUES ($1, 'coordinator', $2, $3)
         ON CONFLICT (id) DO UPDATE SET role = 'coordinator', updated_at = excluded.updated_at
         WHERE users.role <> 'coordinator'",
    )
    .bind(id.0)
    .bind(At(now))
    .bind(At(now))
    .execute(conn)
    .await?;
    Ok(done.rows_affected() == 1)
}

pub async fn coordinators(conn: &mut Conn) -> Result<Vec<UserId>, sqlx::Error> {
    let ids: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE role = 'coordinator' ORDER BY id")
            .fetch_all(conn)
            .await?;
    Ok(ids.into_iter().map(UserId).collect())
}
