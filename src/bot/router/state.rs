//! The dialogue state: whose step a private chat is in. Each capability with a dialogue
//! defines its own `Step` enum in its own folder and matches it exhaustively there; this enum
//! only says whose step it is.
//!
//! Stored as the step's own JSON (`{"step": "report_photos", …}`), with no wrapper: the step
//! tags are distinct across capabilities (a test checks), so the stored form is the same as
//! the release before this split and dialogues saved by it continue where they were.

use serde::{Deserialize, Serialize};

use crate::bot::core::dialogue::DialogueState;
use crate::bot::core::HasStep;
use crate::{broadcasts, feedback, onboarding, reports};

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum State {
    /// Nothing asked: the main menu for a registered rider. Stored as no row.
    #[default]
    Idle,
    Onboarding(onboarding::telegram::Step),
    Report(reports::telegram::Step),
    Broadcast(broadcasts::telegram::Step),
    Feedback(feedback::telegram::Step),
}

impl DialogueState for State {
    fn label(&self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Onboarding(step) => step.label(),
            State::Report(step) => step.label(),
            State::Broadcast(step) => step.label(),
            State::Feedback(step) => step.label(),
        }
    }
}

impl From<onboarding::telegram::Step> for State {
    fn from(step: onboarding::telegram::Step) -> State {
        State::Onboarding(step)
    }
}

impl HasStep<onboarding::telegram::Step> for State {
    fn step(&self) -> Option<&onboarding::telegram::Step> {
        match self {
            State::Onboarding(step) => Some(step),
            State::Idle | State::Report(_) | State::Broadcast(_) | State::Feedback(_) => None,
        }
    }
}

impl From<reports::telegram::Step> for State {
    fn from(step: reports::telegram::Step) -> State {
        State::Report(step)
    }
}

impl HasStep<reports::telegram::Step> for State {
    fn step(&self) -> Option<&reports::telegram::Step> {
        match self {
            State::Report(step) => Some(step),
            State::Idle | State::Onboarding(_) | State::Broadcast(_) | State::Feedback(_) => None,
        }
    }
}

impl From<broadcasts::telegram::Step> for State {
    fn from(step: broadcasts::telegram::Step) -> State {
        State::Broadcast(step)
    }
}

impl HasStep<broadcasts::telegram::Step> for State {
    fn step(&self) -> Option<&broadcasts::telegram::Step> {
        match self {
            State::Broadcast(step) => Some(step),
            State::Idle | State::Onboarding(_) | State::Report(_) | State::Feedback(_) => None,
        }
    }
}

impl From<feedback::telegram::Step> for State {
    fn from(step: feedback::telegram::Step) -> State {
        State::Feedback(step)
    }
}

impl HasStep<feedback::telegram::Step> for State {
    fn step(&self) -> Option<&feedback::telegram::Step> {
        match self {
            State::Feedback(step) => Some(step),
            State::Idle | State::Onboarding(_) | State::Report(_) | State::Broadcast(_) => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::time::Duration;

    use crate::db::{At, Pool};
    use chrono::Utc;
    use teloxide::dispatching::dialogue::Storage;
    use teloxide::types::ChatId;

    use super::*;
    use crate::bot::core::dialogue::{DbStorage, Notice};
    use crate::i18n::Lang;
    use crate::onboarding::domain::{Platform, RiderName};
    use crate::onboarding::telegram::Step as OnboardingStep;
    use crate::reports::telegram::{EditField, Step as ReportStep};
    use crate::users::UserId;

    async fn storage() -> (crate::db::testing::Scratch, Arc<DbStorage>, Pool) {
        let (dir, pool) = crate::db::testing::scratch().await;
        let storage = DbStorage::new(pool.clone());
        // The rider of chat 7 exists, as they do once they have written to the bot.
        load(&storage, Duration::from_secs(60)).await;
        (dir, storage, pool)
    }

    /// Chat 7's state and notice, through the loader every update goes through.
    async fn load(storage: &DbStorage, idle: Duration) -> (State, Option<Notice>) {
        let (_, state, notice) = storage
            .load_session(UserId(7), Lang::En, idle)
            .await
            .unwrap();
        (state, notice)
    }

    fn phone_state() -> State {
        State::Onboarding(OnboardingStep::Phone {
            name: RiderName::parse("张三").unwrap(),
            platform: Platform::Meituan,
        })
    }

    #[tokio::test]
    async fn a_state_survives_a_new_storage_on_the_same_file() {
        let (_dir, storage, pool) = storage().await;
        storage
            .clone()
            .update_dialogue(ChatId(7), phone_state())
            .await
            .unwrap();
        let again = DbStorage::new(pool);
        assert_eq!(
            load(&again, Duration::from_secs(60)).await,
            (phone_state(), None)
        );
        assert_eq!(
            Storage::<State>::get_dialogue(again, ChatId(7))
                .await
                .unwrap(),
            Some(phone_state())
        );
    }

    #[tokio::test]
    async fn an_idle_dialogue_expires_with_a_notice() {
        let (_dir, storage, pool) = storage().await;
        storage
            .clone()
            .update_dialogue(ChatId(7), State::Onboarding(OnboardingStep::Name))
            .await
            .unwrap();
        sqlx::query("UPDATE dialogues SET updated_at = $1")
            .bind(At(Utc::now() - chrono::Duration::minutes(31)))
            .execute(&pool)
            .await
            .unwrap();
        let loaded = load(&storage, Duration::from_secs(30 * 60)).await;
        assert_eq!(loaded, (State::Idle, Some(Notice::Expired)));
        // The row is gone: the next load is a plain idle.
        assert_eq!(
            load(&storage, Duration::from_secs(30 * 60)).await,
            (State::Idle, None)
        );
    }

    #[tokio::test]
    async fn a_state_from_an_older_release_resets_with_a_notice() {
        let (_dir, storage, pool) = storage().await;
        for stale in [
            r#"{"step":"awaiting_shoe_size"}"#,
            r#"{"step":"phone","name":""}"#,
            "not json",
        ] {
            sqlx::query(
                "INSERT INTO dialogues (chat_id, state, updated_at) VALUES (7, $1, $2)
                 ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state,
                     updated_at = excluded.updated_at",
            )
            .bind(stale)
            .bind(At(Utc::now()))
            .execute(&pool)
            .await
            .unwrap();
            let loaded = load(&storage, Duration::from_secs(60)).await;
            assert_eq!(loaded, (State::Idle, Some(Notice::Reset)), "{stale}");
        }
    }

    /// Dialogues as the release before the split stored them (one flat enum with a `step`
    /// tag) are read into the same steps.
    #[test]
    fn dialogues_stored_by_the_previous_release_are_read_as_they_were() {
        let photo =
            r#"{"file_id":"F1","sha256":"ab","path":"ab/ab.jpg","size":10,"source":"photo"}"#;
        let saved = [
            (r#"{"step":"consent"}"#, "consent"),
            (r#"{"step":"name"}"#, "name"),
            (r#"{"step":"platform","name":"张三"}"#, "platform"),
            (
                r#"{"step":"platform_other","name":"张三"}"#,
                "platform_other",
            ),
            (
                r#"{"step":"phone","name":"张三","platform":"meituan"}"#,
                "phone",
            ),
            (r#"{"step":"confirm_delete"}"#, "confirm_delete"),
            (
                r#"{"step":"report_category","photo":null}"#,
                "report_category",
            ),
            (
                &format!(r#"{{"step":"report_photos","category":"garbage","photos":[{photo}]}}"#),
                "report_photos",
            ),
            (
                &format!(r#"{{"step":"report_place","category":"garbage","photos":[{photo}]}}"#),
                "report_place",
            ),
            (
                &format!(
                    r#"{{"step":"report_note","category":"garbage","photos":[{photo}],"at":[31.3,120.7]}}"#
                ),
                "report_note",
            ),
            (
                &format!(
                    r#"{{"step":"report_confirm","draft":{{"category":"garbage","photos":[{photo}],"at":[31.3,120.7],"note":null}}}}"#
                ),
                "report_confirm",
            ),
            (
                &format!(
                    r#"{{"step":"report_edit","draft":{{"category":"garbage","photos":[{photo}],"at":[31.3,120.7],"note":"n"}},"field":{{"field":"photos","new":[]}}}}"#
                ),
                "report_edit",
            ),
        ];
        for (json, label) in saved {
            let state: State = serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}"));
            assert_eq!(state.label(), label, "{json}");
            // Written again, it reads back the same.
            let again: State =
                serde_json::from_str(&serde_json::to_string(&state).unwrap()).unwrap();
            assert_eq!(again, state);
        }
        let edit: State = serde_json::from_str(saved[11].0).unwrap();
        assert!(matches!(
            edit,
            State::Report(ReportStep::Edit {
                field: EditField::Photos { .. },
                ..
            })
        ));
    }
}
