//! The dialogue: what the bot is waiting for from each private chat, persisted in the
//! `dialogues` table on the project's own pool (teloxide's [`Storage`], implemented here).
//!
//! The state carries only what a step needs so far; long-lived data lives in tables. Loading a
//! state also applies two rules: a dialogue idle past the configured time is dropped, and one
//! that no longer deserialises (the enum changed between releases) is reset. In both cases the
//! rider is told why, politely, and their update is still handled.

use std::sync::{Arc, LazyLock};
use std::time::Duration;

use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::{Deserialize, Serialize};
use sqlx::{SqliteConnection, SqlitePool};
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use crate::geo::Position;
use crate::i18n::Lang;
use crate::onboarding::domain::{Platform, RiderName};
use crate::reports::{CategoryCode, Draft, Photo, Photos};
use crate::users::store::{UserRow, USER_COLUMNS};
use crate::users::{self, User, UserId};

/// What the bot waits for. Each onboarding step carries the answers so far, so a step cannot
/// exist without the ones before it.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(tag = "step", rename_all = "snake_case")]
pub enum State {
    /// Nothing asked: the main menu for a registered rider.
    #[default]
    Idle,
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
    /// Filing a report: waiting for a category button. A photo sent from the main menu is
    /// already attached.
    ReportCategory { photo: Option<Photo> },
    /// Waiting for photos (up to three; Done after the first).
    ReportPhotos {
        category: CategoryCode,
        photos: Vec<Photo>,
    },
    /// Waiting for the place: a shared location, or the last report's place.
    ReportPlace {
        category: CategoryCode,
        photos: Photos,
    },
    /// Waiting for a note, or Skip.
    ReportNote {
        category: CategoryCode,
        photos: Photos,
        at: Position,
    },
    /// The summary is shown: Confirm, Edit or Cancel.
    ReportConfirm { draft: Draft },
    /// Redoing one part of a finished draft; done, it returns to the summary.
    ReportEdit { draft: Draft, field: EditField },
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

impl State {
    /// A short name for logs (never the data the state carries).
    pub fn label(&self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Consent => "consent",
            State::Name => "name",
            State::Platform { .. } => "platform",
            State::PlatformOther { .. } => "platform_other",
            State::Phone { .. } => "phone",
            State::ConfirmDelete => "confirm_delete",
            State::ReportCategory { .. } => "report_category",
            State::ReportPhotos { .. } => "report_photos",
            State::ReportPlace { .. } => "report_place",
            State::ReportNote { .. } => "report_note",
            State::ReportConfirm { .. } => "report_confirm",
            State::ReportEdit { .. } => "report_edit",
        }
    }
}

/// Why a stored dialogue was not continued.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notice {
    /// Idle for longer than the configured time.
    Expired,
    /// Stored by an older release in a shape this one cannot read.
    Reset,
}

#[derive(Debug, thiserror::Error)]
pub enum StorageError {
    #[error(transparent)]
    Db(#[from] sqlx::Error),
    #[error("stored dialogue does not deserialise: {0}")]
    Corrupt(#[from] serde_json::Error),
}

/// teloxide's [`Storage`] on the project's pool.
#[derive(Clone)]
pub struct DbStorage {
    pool: SqlitePool,
}

pub type Dialogue = teloxide::dispatching::dialogue::Dialogue<State, DbStorage>;

impl DbStorage {
    pub fn new(pool: SqlitePool) -> Arc<Self> {
        Arc::new(Self { pool })
    }

    /// The user behind a private chat and the chat's dialogue, read in one statement (this runs
    /// for every update); a user seen for the first time is created with `lang`. The idle and
    /// reset rules apply: a dropped or unreadable state is replaced by [`State::Idle`] in the
    /// table, and the notice says why.
    pub async fn load_session(
        &self,
        id: UserId,
        lang: Lang,
        idle: Duration,
    ) -> Result<(User, State, Option<Notice>), sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct SessionRow {
            #[sqlx(flatten)]
            user: UserRow,
            first_seen_at: Option<DateTime<Utc>>,
            state: Option<String>,
            updated_at: Option<DateTime<Utc>>,
        }
        // Built once: this runs for every update.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {USER_COLUMNS}, u.first_seen_at, d.state, d.updated_at
                 FROM users u LEFT JOIN dialogues d ON d.chat_id = u.id WHERE u.id = ?"
            )
        });
        let row: Option<SessionRow> = sqlx::query_as(SQL.as_str())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            let user = users::store::get_or_create(&self.pool, id, lang).await?;
            return Ok((user, State::Idle, None));
        };
        let stored = row.state.zip(row.updated_at);
        let (state, notice) = self.resolve(ChatId(id.0), stored, idle).await?;
        let mut user: User = row.user.into();
        if row.first_seen_at.is_none() && users::store::first_seen(&self.pool, id, lang).await? {
            user.lang = lang;
        }
        Ok((user, state, notice))
    }

    async fn resolve(
        &self,
        chat: ChatId,
        stored: Option<(String, DateTime<Utc>)>,
        idle: Duration,
    ) -> Result<(State, Option<Notice>), sqlx::Error> {
        let Some((json, updated_at)) = stored else {
            return Ok((State::Idle, None));
        };
        let notice = match serde_json::from_str::<State>(&json) {
            Ok(State::Idle) => return Ok((State::Idle, None)),
            Ok(state) => {
                let idle_for = Utc::now().signed_duration_since(updated_at);
                if idle_for.to_std().is_ok_and(|d| d > idle) {
                    tracing::info!(chat_id = chat.0, from = state.label(), "dialogue expired");
                    Notice::Expired
                } else {
                    return Ok((state, None));
                }
            }
            Err(err) => {
                tracing::warn!(chat_id = chat.0, %err, "stored dialogue unreadable; reset");
                Notice::Reset
            }
        };
        let mut conn = self.pool.acquire().await?;
        remove(&mut conn, chat).await?;
        Ok((State::Idle, Some(notice)))
    }
}

/// Writes `state` for `chat` on `conn`, so a handler can save it in the same transaction as the
/// change it describes. Idle is stored as no row.
pub async fn save(
    conn: &mut SqliteConnection,
    chat: ChatId,
    state: &State,
) -> Result<(), StorageError> {
    if *state == State::Idle {
        return Ok(remove(conn, chat).await?);
    }
    let json = serde_json::to_string(state)?;
    sqlx::query(
        "INSERT INTO dialogues (chat_id, state, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    )
    .bind(chat.0)
    .bind(json)
    .bind(crate::db::now())
    .execute(conn)
    .await?;
    Ok(())
}

pub async fn remove(conn: &mut SqliteConnection, chat: ChatId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM dialogues WHERE chat_id = ?")
        .bind(chat.0)
        .execute(conn)
        .await?;
    Ok(())
}

impl Storage<State> for DbStorage {
    type Error = StorageError;

    fn remove_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            Ok(remove(&mut conn, chat_id).await?)
        })
    }

    fn update_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
        dialogue: State,
    ) -> BoxFuture<'static, Result<(), Self::Error>> {
        Box::pin(async move {
            let mut conn = self.pool.acquire().await?;
            tracing::debug!(chat_id = chat_id.0, to = dialogue.label(), "state");
            save(&mut conn, chat_id, &dialogue).await
        })
    }

    fn get_dialogue(
        self: Arc<Self>,
        chat_id: ChatId,
    ) -> BoxFuture<'static, Result<Option<State>, Self::Error>> {
        Box::pin(async move {
            let json: Option<String> =
                sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = ?")
                    .bind(chat_id.0)
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn storage() -> (tempfile::TempDir, Arc<DbStorage>, SqlitePool) {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("d.db").display());
        let pool = crate::db::connect_and_migrate(&url).await.unwrap();
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
        State::Phone {
            name: RiderName::parse("张三").unwrap(),
            platform: Platform::Meituan,
        }
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
            again.get_dialogue(ChatId(7)).await.unwrap(),
            Some(phone_state())
        );
    }

    #[tokio::test]
    async fn an_idle_dialogue_expires_with_a_notice() {
        let (_dir, storage, pool) = storage().await;
        storage
            .clone()
            .update_dialogue(ChatId(7), State::Name)
            .await
            .unwrap();
        sqlx::query("UPDATE dialogues SET updated_at = ?")
            .bind(Utc::now() - chrono::Duration::minutes(31))
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
                "INSERT OR REPLACE INTO dialogues (chat_id, state, updated_at) VALUES (7, ?, ?)",
            )
            .bind(stale)
            .bind(Utc::now())
            .execute(&pool)
            .await
            .unwrap();
            let loaded = load(&storage, Duration::from_secs(60)).await;
            assert_eq!(loaded, (State::Idle, Some(Notice::Reset)), "{stale}");
        }
    }
}
