//! Onboarding's dialogue steps. Each step carries the answers so far, so a step cannot exist
//! without the ones before it. Stored as JSON with a `step` tag; the tags are those of the
//! release before the router split the state, so a dialogue saved then is read as it was.

use serde::{Deserialize, Serialize};

use crate::onboarding::domain::{Platform, RiderName};

/// What onboarding (and `/deletemydata`) waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum Step {
    /// The privacy notice was shown; waiting for the Accept button.
    Consent,
    /// Waiting for the rider's name.
    Name,
    /// Waiting for a platform button (or a typed platform).
    Platform { name: RiderName },
    /// "Other" was pressed: waiting for the platform's name as text.
    PlatformOther { name: RiderName },
    /// Waiting for the rider's own contact, shared with the button.
    Phone { name: RiderName, platform: Platform },
    /// /deletemydata asked for confirmation.
    ConfirmDelete,
}

impl Step {
    /// A short name for logs (never the data the step carries).
    pub fn label(&self) -> &'static str {
        match self {
            Step::Consent => "consent",
            Step::Name => "name",
            Step::Platform { .. } => "platform",
            Step::PlatformOther { .. } => "platform_other",
            Step::Phone { .. } => "phone",
            Step::ConfirmDelete => "confirm_delete",
        }
    }
}
