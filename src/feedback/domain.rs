//! The rules of listening to riders. Each action is one write transaction holding its role
//! check, its change, its audit line (coordinators' actions) and its outbox rows, so a crash
//! leaves nothing half done and a re-delivered message (the same request key) records nothing
//! twice.

use crate::db::{Conn, Pool};
use chrono::{DateTime, Utc};

use super::{notices, store, Body, FeedbackId, Item, Status, Topic, Words, WordsError, MAX_REPLY};
use crate::audit::{self, Actor};
use crate::users::{self, refusal, Refusal, UserId};

/// Why an action was refused (or failed).
#[derive(Debug, thiserror::Error)]
pub enum FeedbackError {
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("no item {0}")]
    NoSuchItem(FeedbackId),
    /// A rating for someone else's item (a forged button).
    #[error("item {0} is not the rider's")]
    NotYours(FeedbackId),
    /// A rating before any answer (a forged button).
    #[error("item {0} has no answer to rate")]
    NotAnswered(FeedbackId),
    #[error("item {0} was rated {1} already")]
    RatedAlready(FeedbackId, i64),
    #[error("item {0} is closed already")]
    ClosedAlready(FeedbackId),
    /// A coordinator's answer that is not text (a sticker, a photo).
    #[error("an answer must be text")]
    ReplyNotText,
    #[error("answer: {0}")]
    BadReply(WordsError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// A rating: one to five stars.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stars(u8);

impl Stars {
    pub fn parse(n: u8) -> Option<Stars> {
        (1..=5).contains(&n).then_some(Stars(n))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A filed item: its number, and whether this request wrote it (false: the same message was
/// filed before, and this is its number).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Submitted {
    pub id: FeedbackId,
    pub new: bool,
}

/// Files the rider's item in the caller's write transaction: the item, and its message for
/// the coordinators' group (when one is configured; `/feedback` lists it either way).
pub async fn submit_in(
    conn: &mut Conn,
    rider: UserId,
    topic: Topic,
    body: &Body,
    key: &str,
    group: Option<i64>,
    now: DateTime<Utc>,
) -> Result<Submitted, FeedbackError> {
    refusal::require_registered::<FeedbackError>(conn, rider).await?;
    let Some(id) = store::insert(conn, rider, topic, body, key, now).await? else {
        let id = store::by_key(conn, key)
            .await?
            .ok_or(FeedbackError::Db(sqlx::Error::RowNotFound))?;
        return Ok(Submitted { id, new: false });
    };
    if let Some(group) = group {
        notices::item(conn, group, id).await?;
    }
    tracing::info!(feedback = id.0, user_id = rider.0, "feedback filed");
    Ok(Submitted { id, new: true })
}

/// What became of a coordinator's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    /// Recorded and on its way to the rider (the outbox sends it).
    Queued,
    /// Recorded before (the same group message again): nothing new.
    Repeated,
    /// Recorded; not sent: the rider erased their data.
    Erased,
    /// Recorded; not sent: the rider has blocked the bot.
    Blocked,
}

/// An answer recorded against an item.
#[derive(Debug, Clone, PartialEq)]
pub struct Replied {
    pub item: Item,
    pub delivery: Delivery,
}

/// A message in a group that replies to message `msg` of `chat`, from `actor`: when `msg` is
/// an item, a coordinator's text is recorded as its answer, the item is answered, the answer
/// is audited and goes to the rider through the outbox. `Ok(None)`: `msg` is no item.
pub async fn reply(
    pool: &Pool,
    actor: UserId,
    (chat, msg): (i64, i32),
    text: Option<&str>,
    key: &str,
    now: DateTime<Utc>,
) -> Result<Option<Replied>, FeedbackError> {
    let mut tx = crate::db::begin_write(pool).await?;
    let Some(item) = store::by_group_message(&mut tx, chat, msg).await? else {
        return Ok(None);
    };
    refusal::require_coordinator::<FeedbackError>(&mut tx, actor).await?;
    let words = Words::parse(text.ok_or(FeedbackError::ReplyNotText)?, MAX_REPLY)
        .map_err(FeedbackError::BadReply)?;
    let Some(reply) =
        store::insert_reply(&mut tx, item.id, actor, words.as_str(), key, now).await?
    else {
        return Ok(Some(Replied {
            item,
            delivery: Delivery::Repeated,
        }));
    };
    store::mark_answered(&mut tx, item.id, now).await?;
    let detail = item.id.to_string();
    audit::record(
        &mut tx,
        Actor::User(actor),
        "feedback_replied",
        Some(item.rider),
        Some(&detail),
    )
    .await?;
    let delivery = delivery_to(&mut tx, &item).await?;
    if delivery == Delivery::Queued {
        notices::answer(&mut tx, item.rider, item.id, reply).await?;
    }
    tx.commit().await?;
    tracing::info!(
        feedback = item.id.0,
        user_id = actor.0,
        reply,
        "feedback answered"
    );
    let item = Item {
        status: match item.status {
            Status::Open => Status::Answered,
            s => s,
        },
        ..item
    };
    Ok(Some(Replied { item, delivery }))
}

/// Whether an answer can reach the item's rider now.
async fn delivery_to(conn: &mut Conn, item: &Item) -> Result<Delivery, sqlx::Error> {
    if item.rider.0 < 0 {
        return Ok(Delivery::Erased);
    }
    Ok(match users::store::find(conn, item.rider).await? {
        Some(u) if u.status == users::Status::Registered && u.blocked => Delivery::Blocked,
        Some(u) if u.status == users::Status::Registered => Delivery::Queued,
        Some(_) | None => Delivery::Erased,
    })
}

/// The rider rates the answers to their item, once (a second rating is refused with the one
/// given: the figure does not move after the fact). Only the item's rider may rate, and only
/// an item that has an answer.
pub async fn rate(
    pool: &Pool,
    actor: UserId,
    id: FeedbackId,
    stars: Stars,
    now: DateTime<Utc>,
) -> Result<Item, FeedbackError> {
    let mut tx = crate::db::begin_write(pool).await?;
    refusal::require_registered::<FeedbackError>(&mut tx, actor).await?;
    let item = store::find(&mut tx, id)
        .await?
        .ok_or(FeedbackError::NoSuchItem(id))?;
    if item.rider != actor {
        return Err(FeedbackError::NotYours(id));
    }
    if store::reply_count(&mut tx, id).await? == 0 {
        return Err(FeedbackError::NotAnswered(id));
    }
    let stars = i64::from(stars.get());
    if !store::set_rating(&mut tx, id, stars, now).await? {
        return Err(FeedbackError::RatedAlready(
            id,
            item.rating.unwrap_or(stars),
        ));
    }
    tx.commit().await?;
    tracing::info!(feedback = id.0, stars, "feedback rated");
    Ok(Item {
        rating: Some(stars),
        ..item
    })
}

/// A coordinator closes an item (audited).
pub async fn close(
    pool: &Pool,
    actor: UserId,
    id: FeedbackId,
    now: DateTime<Utc>,
) -> Result<Item, FeedbackError> {
    let mut tx = crate::db::begin_write(pool).await?;
    refusal::require_coordinator::<FeedbackError>(&mut tx, actor).await?;
    let item = store::find(&mut tx, id)
        .await?
        .ok_or(FeedbackError::NoSuchItem(id))?;
    if !store::close(&mut tx, id, now).await? {
        return Err(FeedbackError::ClosedAlready(id));
    }
    let detail = id.to_string();
    audit::record(
        &mut tx,
        Actor::User(actor),
        "feedback_closed",
        Some(item.rider),
        Some(&detail),
    )
    .await?;
    tx.commit().await?;
    tracing::info!(feedback = id.0, user_id = actor.0, "feedback closed");
    Ok(Item {
        status: Status::Closed,
        ..item
    })
}

/// Items not closed, oldest first (at most `limit`), and how many there are: coordinators only.
pub async fn open_items(
    pool: &Pool,
    actor: UserId,
    limit: i64,
) -> Result<(Vec<Item>, i64), FeedbackError> {
    let mut conn = pool.acquire().await?;
    refusal::require_coordinator::<FeedbackError>(&mut conn, actor).await?;
    Ok(store::not_closed(&mut conn, limit).await?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::db::At;
    use crate::feedback::{VoiceLength, MAX_TEXT};

    async fn pool() -> (crate::db::testing::Scratch, Pool) {
        let (dir, pool) = crate::db::testing::scratch().await;
        (dir, pool)
    }

    async fn user(pool: &Pool, id: i64, status: &str, role: &str) {
        sqlx::query(
            "INSERT INTO users (id, status, role, lang, created_at, updated_at)
             VALUES ($1, $2, $3, 'en', $4, $5)",
        )
        .bind(id)
        .bind(status)
        .bind(role)
        .bind(At(Utc::now()))
        .bind(At(Utc::now()))
        .execute(pool)
        .await
        .unwrap();
    }

    fn text(s: &str) -> Body {
        Body::Text {
            text: Words::parse(s, MAX_TEXT).unwrap(),
        }
    }

    async fn file(pool: &Pool, rider: i64, body: &Body, key: &str) -> Submitted {
        let mut tx = crate::db::begin_write(pool).await.unwrap();
        let s = submit_in(
            &mut tx,
            UserId(rider),
            Topic::Charging,
            body,
            key,
            Some(-100),
            Utc::now(),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        s
    }

    async fn posted(pool: &Pool, id: FeedbackId, msg: i32) {
        let mut conn = pool.acquire().await.unwrap();
        store::set_group(&mut conn, id, -100, msg).await.unwrap();
    }

    async fn outbox(pool: &Pool, kind: &str) -> i64 {
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = $1")
            .bind(kind)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn the_same_message_files_one_item_and_one_group_message() {
        let (_d, pool) = pool().await;
        user(&pool, 7, "registered", "rider").await;
        let first = file(&pool, 7, &text("no charger"), "fb:7:1").await;
        let again = file(&pool, 7, &text("no charger"), "fb:7:1").await;
        assert!(first.new && !again.new);
        assert_eq!(first.id, again.id);
        assert_eq!(outbox(&pool, notices::ITEM).await, 1);
        let voice = Body::Voice {
            file_id: "v".into(),
            length: VoiceLength::parse(20).unwrap(),
            caption: None,
        };
        let v = file(&pool, 7, &voice, "fb:7:2").await;
        let mut conn = pool.acquire().await.unwrap();
        let item = store::find(&mut conn, v.id).await.unwrap().unwrap();
        assert_eq!((item.kind.as_str(), item.duration_s), ("voice", Some(20)));
    }

    #[tokio::test]
    async fn someone_not_registered_files_nothing() {
        let (_d, pool) = pool().await;
        user(&pool, 7, "new", "rider").await;
        let mut tx = crate::db::begin_write(&pool).await.unwrap();
        let err = submit_in(
            &mut tx,
            UserId(7),
            Topic::Rest,
            &text("x"),
            "k",
            None,
            Utc::now(),
        )
        .await
        .unwrap_err();
        assert!(matches!(
            err,
            FeedbackError::Refused(Refusal::NotRegistered)
        ));
    }

    #[tokio::test]
    async fn a_coordinators_reply_is_recorded_once_audited_and_queued_for_the_rider() {
        let (_d, pool) = pool().await;
        user(&pool, 7, "registered", "rider").await;
        user(&pool, 900, "new", "coordinator").await;
        user(&pool, 8, "registered", "rider").await;
        let s = file(&pool, 7, &text("no charger"), "fb:7:1").await;
        posted(&pool, s.id, 55).await;
        let now = Utc::now();
        // Not a reply to an item: nothing.
        let none = reply(&pool, UserId(900), (-100, 56), Some("hi"), "r:1", now).await;
        assert!(matches!(none, Ok(None)));
        // A group member who is not a coordinator: refused, nothing written.
        let err = reply(&pool, UserId(8), (-100, 55), Some("hi"), "r:2", now)
            .await
            .unwrap_err();
        assert!(matches!(
            err,
            FeedbackError::Refused(Refusal::NotCoordinator)
        ));
        let err = reply(&pool, UserId(900), (-100, 55), None, "r:3", now)
            .await
            .unwrap_err();
        assert!(matches!(err, FeedbackError::ReplyNotText));
        let r = reply(&pool, UserId(900), (-100, 55), Some("Try S-01"), "r:4", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(r.delivery, Delivery::Queued);
        assert_eq!(r.item.status, Status::Answered);
        let again = reply(&pool, UserId(900), (-100, 55), Some("Try S-01"), "r:4", now)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(again.delivery, Delivery::Repeated);
        assert_eq!(outbox(&pool, notices::ANSWER).await, 1);
        let mut conn = pool.acquire().await.unwrap();
        assert_eq!(store::reply_count(&mut conn, s.id).await.unwrap(), 1);
        let trail = audit::for_target(&mut conn, UserId(7)).await.unwrap();
        assert_eq!(trail.len(), 1);
        assert_eq!(trail[0].action, "feedback_replied");
    }

    #[tokio::test]
    async fn only_the_riders_answered_item_is_rated_and_only_once() {
        let (_d, pool) = pool().await;
        user(&pool, 7, "registered", "rider").await;
        user(&pool, 8, "registered", "rider").await;
        user(&pool, 900, "new", "coordinator").await;
        let s = file(&pool, 7, &text("no charger"), "fb:7:1").await;
        posted(&pool, s.id, 55).await;
        let now = Utc::now();
        let four = Stars::parse(4).unwrap();
        let early = rate(&pool, UserId(7), s.id, four, now).await.unwrap_err();
        assert!(matches!(early, FeedbackError::NotAnswered(_)));
        reply(&pool, UserId(900), (-100, 55), Some("ok"), "r:1", now)
            .await
            .unwrap();
        let other = rate(&pool, UserId(8), s.id, four, now).await.unwrap_err();
        assert!(matches!(other, FeedbackError::NotYours(_)));
        assert_eq!(
            rate(&pool, UserId(7), s.id, four, now)
                .await
                .unwrap()
                .rating,
            Some(4)
        );
        let again = rate(&pool, UserId(7), s.id, Stars::parse(1).unwrap(), now)
            .await
            .unwrap_err();
        assert!(matches!(again, FeedbackError::RatedAlready(_, 4)));
        assert!(Stars::parse(0).is_none() && Stars::parse(6).is_none());
    }

    #[tokio::test]
    async fn closing_is_for_coordinators_once_and_audited() {
        let (_d, pool) = pool().await;
        user(&pool, 7, "registered", "rider").await;
        user(&pool, 900, "new", "coordinator").await;
        let s = file(&pool, 7, &text("no charger"), "fb:7:1").await;
        let now = Utc::now();
        let err = close(&pool, UserId(7), s.id, now).await.unwrap_err();
        assert!(matches!(
            err,
            FeedbackError::Refused(Refusal::NotCoordinator)
        ));
        assert_eq!(
            close(&pool, UserId(900), s.id, now).await.unwrap().status,
            Status::Closed
        );
        let again = close(&pool, UserId(900), s.id, now).await.unwrap_err();
        assert!(matches!(again, FeedbackError::ClosedAlready(_)));
        let (open, total) = open_items(&pool, UserId(900), 10).await.unwrap();
        assert!(open.is_empty() && total == 0);
        let err = open_items(&pool, UserId(7), 10).await.unwrap_err();
        assert!(matches!(
            err,
            FeedbackError::Refused(Refusal::NotCoordinator)
        ));
    }
}
