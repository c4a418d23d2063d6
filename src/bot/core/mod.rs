//! What every capability's transport uses, and nothing else. No file here names a capability
//! module (a test in `tests/structure.rs` keeps it so): capabilities depend on the core, the
//! router depends on both, and nothing depends on the router.

pub mod callback;
pub mod ctx;
pub mod dialogue;
pub mod error;
pub mod flood;
pub mod jobs;
pub mod keyboards;
pub mod next;
pub mod outbox;
pub mod personal;
pub mod registry;
pub mod target;
pub mod updates;

pub use ctx::{Ctx, Deps, Env, Settings};
pub use error::{BotError, Explain, HandlerResult};
pub use next::{HasStep, Next, NoStep, Outcome};
