//! Roles: coordinators come from `COORDINATOR_IDS`; coordinators appoint and revoke grid
//! officers. Every check happens here, in the domain layer, whatever the transport showed, and
//! every change is audited in the same transaction.

pub mod domain;
pub mod store;
pub mod telegram;
