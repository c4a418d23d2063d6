//! The rider's dialogue steps: the topic, then what they want to say. Tags are distinct from
//! every other capability's.

use serde::{Deserialize, Serialize};

use crate::feedback::Topic;

/// What sending feedback waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step")]
pub enum Step {
    /// Which topic (buttons).
    #[serde(rename = "feedback_topic")]
    Topic,
    /// Text, a photo (with an optional caption) or a voice note.
    #[serde(rename = "feedback_body")]
    Body { topic: Topic },
}

impl Step {
    /// A short name for logs (never what the rider wrote).
    pub fn label(&self) -> &'static str {
        match self {
            Step::Topic => "feedback_topic",
            Step::Body { .. } => "feedback_body",
        }
    }
}
