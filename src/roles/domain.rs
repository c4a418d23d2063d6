//! Role rules: who may appoint whom, and how coordinators are bootstrapped from configuration.

use crate::db::Pool;

use super::store;
use crate::audit::{self, Actor};
use crate::users::refusal::require_coordinator;
pub use crate::users::TargetRef;
use crate::users::{Refusal, Role, Status, UserId};

#[derive(Debug, thiserror::Error)]
pub enum RoleError {
    /// Not a coordinator, not registered, unknown (the refusals every capability shares).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("the user is already a grid officer")]
    AlreadyOfficer(UserId, Option<String>),
    #[error("the user is not a grid officer")]
    NotOfficer(UserId, Option<String>),
    #[error("coordinators' roles come from configuration")]
    TargetIsCoordinator,
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleChange {
    pub target: UserId,
    pub target_name: Option<String>,
}

/// Makes `target` a grid officer. `actor` must be a coordinator.
pub async fn appoint(
    pool: &Pool,
    actor: UserId,
    target: &TargetRef,
) -> Result<RoleChange, RoleError> {
    change(pool, actor, target, Role::GridOfficer).await
}

/// The outbox kind telling a rider they were appointed or revoked.
pub const ROLE_CHANGED: &str = "roles.changed";

/// Makes a grid officer a plain rider again. `actor` must be a coordinator.
pub async fn revoke(
    pool: &Pool,
    actor: UserId,
    target: &TargetRef,
) -> Result<RoleChange, RoleError> {
    change(pool, actor, target, Role::Rider).await
}

async fn change(
    pool: &Pool,
    actor: UserId,
    target: &TargetRef,
    to: Role,
) -> Result<RoleChange, RoleError> {
    let mut tx = crate::db::begin_write(pool).await?;
    require_coordinator::<RoleError>(&mut tx, actor).await?;
    let user = target.find(&mut tx).await?.ok_or(Refusal::UnknownUser)?;
    if user.role == Role::Coordinator {
        return Err(RoleError::TargetIsCoordinator);
    }
    if user.status != Status::Registered {
        return Err(Refusal::TargetNotRegistered.into());
    }
    match (user.role, to) {
        (Role::GridOfficer, Role::GridOfficer) => {
            return Err(RoleError::AlreadyOfficer(user.id, user.name))
        }
        (Role::Rider, Role::Rider) => return Err(RoleError::NotOfficer(user.id, user.name)),
        _ => {}
    }
    store::set_role(&mut tx, user.id, to).await?;
    let action = match to {
        Role::GridOfficer => "appoint_grid_officer",
        _ => "revoke_grid_officer",
    };
    audit::record(&mut tx, Actor::User(actor), action, Some(user.id), None).await?;
    let told = crate::outbox::Notice::new(
        user.id.0,
        ROLE_CHANGED,
        serde_json::json!({ "appointed": to == Role::GridOfficer }),
    );
    crate::outbox::store::enqueue(&mut tx, &told).await?;
    tx.commit().await?;
    Ok(RoleChange {
        target: user.id,
        target_name: user.name,
    })
}

/// What start-up did with `COORDINATOR_IDS`.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Bootstrap {
    pub made: Vec<UserId>,
    pub removed: Vec<UserId>,
}

/// Makes exactly the configured ids coordinators: new ones are promoted (created if the bot has
/// never seen them), coordinators no longer listed go back to rider. Audited with actor "config".
pub async fn bootstrap_coordinators(pool: &Pool, ids: &[i64]) -> Result<Bootstrap, sqlx::Error> {
    let mut tx = crate::db::begin_write(pool).await?;
    let mut report = Bootstrap::default();
    for &id in ids {
        if store::make_coordinator(&mut tx, UserId(id)).await? {
            audit::record(
                &mut tx,
                Actor::Config,
                "make_coordinator",
                Some(UserId(id)),
                None,
            )
            .await?;
            report.made.push(UserId(id));
        }
    }
    for id in store::coordinators(&mut tx).await? {
        if !ids.contains(&id.0) {
            store::set_role(&mut tx, id, Role::Rider).await?;
            audit::record(&mut tx, Actor::Config, "remove_coordinator", Some(id), None).await?;
            report.removed.push(id);
        }
    }
    tx.commit().await?;
    Ok(report)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_are_ids_or_usernames() {
        assert_eq!(
            TargetRef::parse("12345"),
            Some(TargetRef::Id(UserId(12345)))
        );
        assert_eq!(
            TargetRef::parse(" @Li_Rider "),
            Some(TargetRef::Username("li_rider".into()))
        );
        assert_eq!(TargetRef::parse("-5"), None);
        assert_eq!(TargetRef::parse("@a"), None);
        assert_eq!(TargetRef::parse("@bad-name"), None);
        assert_eq!(TargetRef::parse("someone"), None);
        assert_eq!(TargetRef::parse(""), None);
    }
}
