//! The composing dialogue's steps: what is known of the broadcast so far, so a restart loses
//! nothing a coordinator wrote. Tags are distinct from every other capability's.

use serde::{Deserialize, Serialize};

use crate::broadcasts::{Body, Draft};

/// What composing a broadcast waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step")]
pub enum Step {
    /// The message: text, or a photo with a caption.
    #[serde(rename = "broadcast_body")]
    Body,
    /// Who it goes to (buttons).
    #[serde(rename = "broadcast_audience")]
    Audience { body: Body },
    /// A station code and a radius ("near a station").
    #[serde(rename = "broadcast_near")]
    Near { body: Body },
    /// A session code ("signed up for a session").
    #[serde(rename = "broadcast_session")]
    Session { body: Body },
    /// The preview is shown: urgent, a button, send now or later, or cancel.
    #[serde(rename = "broadcast_review")]
    Review { draft: Draft },
    /// A station or session code for the button under the message.
    #[serde(rename = "broadcast_button")]
    Button { draft: Draft },
    /// When to send it (district time).
    #[serde(rename = "broadcast_when")]
    When { draft: Draft },
}

impl Step {
    /// A short name for logs (never what the coordinator wrote).
    pub fn label(&self) -> &'static str {
        match self {
            Step::Body => "broadcast_body",
            Step::Audience { .. } => "broadcast_audience",
            Step::Near { .. } => "broadcast_near",
            Step::Session { .. } => "broadcast_session",
            Step::Review { .. } => "broadcast_review",
            Step::Button { .. } => "broadcast_button",
            Step::When { .. } => "broadcast_when",
        }
    }
}
