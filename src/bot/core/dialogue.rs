//! Dialogue storage: what the bot is waiting for from each private chat, persisted as JSON in
//! the `dialogues` table on the project's own pool (teloxide's [`Storage`], implemented here).
//! The state type is the router's (see `bot::router::state`); this module only needs it to be
//! a [`DialogueState`].
//!
//! The state carries only what a step needs so far; long-lived data lives in tables. Loading a
//! state also applies two rules: a dialogue idle past the configured time is dropped, and one
//! that no longer deserialises (the enum changed between releases) is reset. In both cases the
//! rider is told why, politely, and their update is still handled.

use crate::db::At;
use std::sync::{Arc, LazyLock};
use std::time::Duration;

use crate::db::{Conn, Pool};
use chrono::{DateTime, Utc};
use futures::future::BoxFuture;
use serde::de::DeserializeOwned;
use serde::Serialize;
use teloxide::dispatching::dialogue::Storage;
use teloxide::types::ChatId;

use crate::i18n::Lang;
use crate::users::store::{UserRow, USER_COLUMNS};
use crate::users::{self, User, UserId};

/// What a dialogue state must be to be stored: serde JSON, idle as its default (stored as no
/// row), and a short label for logs (never the data it carries).
pub trait DialogueState:
    Serialize + DeserializeOwned + Clone + PartialEq + Default + Send + Sync + 'static
{
    fn label(&self) -> &'static str;

    fn is_idle(&self) -> bool {
        *self == Self::default()
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
    pool: Pool,
}

impl DbStorage {
    pub fn new(pool: Pool) -> Arc<Self> {
        Arc::new(Self { pool })
    }

    /// The user behind a private chat and the chat's dialogue, read in one statement (this runs
    /// for every update); a user seen for the first time is created with `lang`. The idle and
    /// reset rules apply: a dropped or unreadable state is replaced by idle in the table, and the
    /// notice says why.
    pub async fn load_session<S: DialogueState>(
        &self,
        id: UserId,
        lang: Lang,
        idle: Duration,
    ) -> Result<(User, S, Option<Notice>), sqlx::Error> {
        #[derive(sqlx::FromRow)]
        struct SessionRow {
            #[sqlx(flatten)]
            user: UserRow,
            first_seen_at: Option<At>,
            state: Option<String>,
            updated_at: Option<At>,
        }
        // Built once: this runs for every update.
        static SQL: LazyLock<String> = LazyLock::new(|| {
            format!(
                "SELECT {USER_COLUMNS}, u.first_seen_at, d.state, d.updated_at
                 FROM users u LEFT JOIN dialogues d ON d.chat_id = u.id WHERE u.id = $1"
            )
        });
        let row: Option<SessionRow> = sqlx::query_as(SQL.as_str())
            .bind(id.0)
            .fetch_optional(&self.pool)
            .await?;
        let Some(row) = row else {
            let user = users::store::get_or_create(&self.pool, id, lang).await?;
            return Ok((user, S::default(), None));
        };
        let stored = row.state.zip(row.updated_at.map(|t| t.0));
        let (state, notice) = self.resolve(ChatId(id.0), stored, idle).await?;
        let mut user: User = row.user.into();
        if row.first_seen_at.is_none() && users::store::first_seen(&self.pool, id, lang).await? {
            user.lang = lang;
        }
        Ok((user, state, notice))
    }

    async fn resolve<S: DialogueState>(
        &self,
        chat: ChatId,
        stored: Option<(String, DateTime<Utc>)>,
        idle: Duration,
    ) -> Result<(S, Option<Notice>), sqlx::Error> {
        let Some((json, updated_at)) = stored else {
            return Ok((S::default(), None));
        };
        let notice = match serde_json::from_str::<S>(&json) {
            Ok(state) if state.is_idle() => return Ok((state, None)),
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
        Ok((S::default(), Some(notice)))
    }
}

/// Writes `state` for `chat` on `conn`, so a handler can save it in the same transaction as the
/// change it describes. Idle is stored as no row.
pub async fn save<S: DialogueState>(
    conn: &mut Conn,
    chat: ChatId,
    state: &S,
) -> Result<(), StorageError> {
    if state.is_idle() {
        return Ok(remove(conn, chat).await?);
    }
    let json = serde_json::to_string(state)?;
    sqlx::query(
        "INSERT INTO dialogues (chat_id, state, updated_at) VALUES ($1, $2, $3)
         ON CONFLICT (chat_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
    )
    .bind(chat.0)
    .bind(json)
    .bind(At::now())
    .execute(conn)
    .await?;
    Ok(())
}

/// Ends `chat`'s dialogue on `conn`: a handler ends it in the same transaction as the change
/// that finishes it (a registration, a filed report).
pub async fn end(conn: &mut Conn, chat: ChatId) -> Result<(), sqlx::Error> {
    remove(conn, chat).await
}

/// The state stored for `chat`'s dialogue (its JSON), if one is in progress.
pub async fn stored(conn: &mut Conn, chat: ChatId) -> Result<Option<String>, sqlx::Error> {
    sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
        .bind(chat.0)
        .fetch_optional(conn)
        .await
}

/// Deletes dialogues idle longer than `idle`: a conversation abandoned keeps nothing the rider
/// typed (a name mid-registration) past the time it would have been dropped anyway.
pub async fn prune(pool: &crate::db::Pool, idle: Duration) -> Result<u64, sqlx::Error> {
    let before = Utc::now() - chrono::Duration::from_std(idle).unwrap_or(chrono::Duration::days(1));
    Ok(sqlx::query("DELETE FROM dialogues WHERE updated_at < $1")
        .bind(At(before))
        .execute(pool)
        .await?
        .rows_affected())
}

pub async fn remove(conn: &mut Conn, chat: ChatId) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM dialogues WHERE chat_id = $1")
        .bind(chat.0)
        .execute(conn)
        .await?;
    Ok(())
}

impl<S: DialogueState> Storage<S> for DbStorage {
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
        dialogue: S,
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
    ) -> BoxFuture<'static, Result<Option<S>, Self::Error>> {
        Box::pin(async move {
            let json: Option<String> =
                sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
                    .bind(chat_id.0)
                    .fetch_optional(&self.pool)
                    .await?;
            Ok(json.map(|j| serde_json::from_str(&j)).transpose()?)
        })
    }
}
