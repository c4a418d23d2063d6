//! What the bot holds about a person, gathered from every capability's registration: counted
//! for `/privacy`, written out for `/mydata`, and let go of by `/deletemydata` in one
//! transaction. This file names no capability: each registers a [`PersonalData`].
//!
//! Erasure tells others what it changed for them (a seat freed for the next in line) after the
//! transaction commits, through the [`AfterCommit`] actions the capabilities return; a crash
//! between the commit and those messages loses the message, never the change.

use crate::db::Conn;
use futures::future::BoxFuture;
use serde_json::{json, Map, Value};
use teloxide::types::ChatId;

use super::ctx::Env;
use super::dialogue;
use super::error::BotError;
use crate::users::personal::{self, Done, Erasure, Held};
use crate::users::UserId;

/// Something to do once an erasure has committed: tell someone, remove a file.
pub type AfterCommit = Box<dyn FnOnce(Env) -> BoxFuture<'static, ()> + Send>;

/// What one capability's part of an erasure did.
#[derive(Default)]
pub struct Erased {
    pub done: Vec<Done>,
    pub after: Vec<AfterCommit>,
}

/// What a capability holds about a person, and how it lets go of it.
pub struct PersonalData {
    /// Its section in `/mydata`.
    pub section: &'static str,
    pub held: for<'a> fn(&'a mut Conn, UserId) -> BoxFuture<'a, sqlx::Result<Vec<Held>>>,
    pub export: for<'a> fn(&'a mut Conn, UserId) -> BoxFuture<'a, sqlx::Result<Value>>,
    /// Runs inside the erasure's write transaction.
    pub erase: for<'a> fn(&'a mut Conn, Erasure) -> BoxFuture<'a, Result<Erased, BotError>>,
}

/// The dialogue in progress in `id`'s private chat, as stored.
async fn dialogue_of(conn: &mut Conn, id: UserId) -> sqlx::Result<Option<Value>> {
    let state = dialogue::stored(conn, ChatId(id.0)).await?;
    Ok(state.map(|s| serde_json::from_str(&s).unwrap_or(Value::String(s))))
}

/// Every capability's [`PersonalData`], in registration order (a dependency the router provides).
#[derive(Default)]
pub struct Holdings(pub Vec<PersonalData>);

impl Holdings {
    /// Every kind held about `id`, the profile and the audit trail first.
    pub async fn held(&self, conn: &mut Conn, id: UserId) -> sqlx::Result<Vec<Held>> {
        let mut all = personal::held(conn, id).await?;
        all.push(Held {
            kind: "held-dialogue",
            count: i64::from(dialogue_of(conn, id).await?.is_some()),
        });
        for p in &self.0 {
            all.extend((p.held)(conn, id).await?);
        }
        Ok(all)
    }

    /// Everything held about `id`, one section per capability, with readable field names.
    pub async fn export(&self, conn: &mut Conn, id: UserId) -> sqlx::Result<Value> {
        let mut doc = Map::new();
        if let Value::Object(own) = personal::export(conn, id).await? {
            doc.extend(own);
        }
        // What they typed in a conversation not finished yet (a name mid-registration, say).
        let open = dialogue_of(conn, id).await?;
        doc.insert(
            "conversation_in_progress".to_owned(),
            open.unwrap_or(Value::Null),
        );
        for p in &self.0 {
            doc.insert(p.section.to_owned(), (p.export)(conn, id).await?);
        }
        Ok(json!(doc))
    }

    /// Erases `rider` inside `conn`'s write transaction; `None` when they are not registered
    /// (never were, or erased already).
    pub async fn erase_in(
        &self,
        conn: &mut Conn,
        rider: UserId,
        now: chrono::DateTime<chrono::Utc>,
    ) -> Result<Option<Erased>, BotError> {
        let Some(e) = personal::begin(conn, rider, now).await? else {
            return Ok(None);
        };
        let mut all = Erased::default();
        for p in &self.0 {
            let part = (p.erase)(conn, e).await?;
            all.done.extend(part.done);
            all.after.extend(part.after);
        }
        all.done.extend(personal::finish(conn, e).await?);
        dialogue::end(conn, ChatId(rider.0)).await?;
        Ok(Some(all))
    }

    /// Erases `rider` in one transaction, then runs what comes after it. Returns what was done.
    pub async fn erase(&self, env: &Env, rider: UserId) -> Result<Option<Vec<Done>>, BotError> {
        let mut tx = crate::db::begin_write(&env.pool).await?;
        let Some(erased) = self
            .erase_in(&mut tx, rider, env.settings.clock.now())
            .await?
        else {
            return Ok(None);
        };
        tx.commit().await?;
        tracing::info!(user_id = rider.0, "personal data erased");
        for after in erased.after {
            after(env.clone()).await;
        }
        Ok(Some(erased.done))
    }
}
