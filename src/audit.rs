//! The audit trail: every coordinator action (and every role given by configuration) is written
//! here in the same transaction as the change it describes.

use crate::db::At;
use crate::db::Conn;

use crate::users::UserId;

/// Who acted: a coordinator, or the configuration read at start-up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    User(UserId),
    Config,
}

pub async fn record(
    conn: &mut Conn,
    actor: Actor,
    action: &str,
    target: Option<UserId>,
    detail: Option<&str>,
) -> Result<(), sqlx::Error> {
    let actor_id = match actor {
        Actor::User(id) => Some(id.0),
        Actor::Config => None,
    };
    sqlx::query(
        "INSERT INTO audit_log (actor_id, action, target_id, detail, at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(actor_id)
    .bind(action)
    .bind(target.map(|t| t.0))
    .bind(detail)
    .bind(At::now())
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct Entry {
    pub actor_id: Option<i64>,
    pub action: String,
    pub target_id: Option<i64>,
    pub detail: Option<String>,
}

/// The trail for one target, oldest first.
pub async fn for_target(conn: &mut Conn, target: UserId) -> Result<Vec<Entry>, sqlx::Error> {
    sqlx::query_as(
        "SELECT actor_id, action, target_id, detail FROM audit_log WHERE target_id = $1 ORDER BY id",
    )
    .bind(target.0)
    .fetch_all(conn)
    .await
}
