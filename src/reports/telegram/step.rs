//! The filing dialogue's steps. A draft lives here, so a restart between two steps loses
//! nothing; each step holds only what is known so far, in types that cannot be wrong (`Photos`
//! is one to three, `Note` at most 500 characters, `Position` checked). Stored with the
//! `step` tags of the release before the router split the state (`report_photos`, …), so a
//! draft saved then continues.

use serde::{Deserialize, Serialize};

use crate::geo::Position;
use crate::reports::{CategoryCode, Draft, Photo, Photos};

/// What filing a report waits for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step")]
pub enum Step {
    /// Waiting for a category button. A photo sent from the main menu is already attached.
    #[serde(rename = "report_category")]
    Category { photo: Option<Photo> },
    /// Waiting for photos (up to three; Done after the first).
    #[serde(rename = "report_photos")]
    Photos {
        category: CategoryCode,
        photos: Vec<Photo>,
    },
    /// Waiting for the place: a shared location, or the last report's place.
    #[serde(rename = "report_place")]
    Place {
        category: CategoryCode,
        photos: Photos,
    },
    /// Waiting for a note, or Skip.
    #[serde(rename = "report_note")]
    Note {
        category: CategoryCode,
        photos: Photos,
        at: Position,
    },
    /// The summary is shown: Confirm, Edit or Cancel.
    #[serde(rename = "report_confirm")]
    Confirm { draft: Draft },
    /// Redoing one part of a finished draft; done, it returns to the summary.
    #[serde(rename = "report_edit")]
    Edit { draft: Draft, field: EditField },
}

/// The part of a report being redone from the summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "field", rename_all = "snake_case")]
pub enum EditField {
    Category,
    /// New photos so far; they replace the old ones when the rider presses Done.
    Photos {
        new: Vec<Photo>,
    },
    Place,
    Note,
}

impl Step {
    /// The stored photos this step's draft holds.
    pub fn photo_paths(&self) -> Vec<String> {
        let photos: Vec<&Photo> = match self {
            Step::Category { photo } => photo.iter().collect(),
            Step::Photos { photos, .. } => photos.iter().collect(),
            Step::Place { photos, .. } | Step::Note { photos, .. } => {
                photos.as_slice().iter().collect()
            }
            Step::Confirm { draft } => draft.photos.as_slice().iter().collect(),
            Step::Edit { draft, field } => {
                let new: &[Photo] = match field {
                    EditField::Photos { new } => new,
                    EditField::Category | EditField::Place | EditField::Note => &[],
                };
                draft.photos.as_slice().iter().chain(new).collect()
            }
        };
        photos.into_iter().map(|p| p.path.clone()).collect()
    }

    /// A short name for logs (never the data the step carries).
    pub fn label(&self) -> &'static str {
        match self {
            Step::Category { .. } => "report_category",
            Step::Photos { .. } => "report_photos",
            Step::Place { .. } => "report_place",
            Step::Note { .. } => "report_note",
            Step::Confirm { .. } => "report_confirm",
            Step::Edit { .. } => "report_edit",
        }
    }
}
