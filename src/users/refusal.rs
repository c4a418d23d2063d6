//! The refusals every capability shares, and the checks that raise them. Each capability's
//! error wraps [`Refusal`] instead of keeping its own copy, and the transport turns it into the
//! rider's words in one place (`bot::core::error`).

use crate::db::Conn;

use super::{store, TargetRef, User, UserId};

/// Who may act, and on whom.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    /// The person acting is not a coordinator (as the database has them now).
    #[error("only coordinators may do this")]
    NotCoordinator,
    /// The person acting has not registered (or erased their data since).
    #[error("the person acting has not registered")]
    NotRegistered,
    /// The person a command names has never written to the bot.
    #[error("no such user")]
    UnknownUser,
    /// The person a command names has not registered.
    #[error("the user has not registered")]
    TargetNotRegistered,
}

/// Refuses `actor` unless they are a coordinator. Runs inside the action's transaction, so a
/// coordinator removed a moment ago cannot act.
pub async fn require_coordinator<E>(conn: &mut Conn, actor: UserId) -> Result<(), E>
where
    E: From<Refusal> + From<sqlx::Error>,
{
    if store::is_coordinator(conn, actor).await? {
        Ok(())
    } else {
        Err(Refusal::NotCoordinator.into())
    }
}

/// Refuses `actor` unless they are registered (as the database has them now): rules for
/// registered riders only (redeeming, signing up) check it in their own transaction, whatever
/// button reached them.
pub async fn require_registered<E>(conn: &mut Conn, actor: UserId) -> Result<(), E>
where
    E: From<Refusal> + From<sqlx::Error>,
{
    let registered = store::find(conn, actor)
        .await?
        .is_some_and(|u| u.is_registered());
    if registered {
        Ok(())
    } else {
        Err(Refusal::NotRegistered.into())
    }
}

/// The registered rider a command names.
pub async fn registered_target<E>(conn: &mut Conn, target: &TargetRef) -> Result<User, E>
where
    E: From<Refusal> + From<sqlx::Error>,
{
    let user = target.find(conn).await?.ok_or(Refusal::UnknownUser)?;
    if !user.is_registered() {
        return Err(Refusal::TargetNotRegistered.into());
    }
    Ok(user)
}
