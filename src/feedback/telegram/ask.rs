//! The rider's side: `/feedback` or the menu button asks the topic (buttons), then text, a
//! photo (with an optional caption) or a voice note. What does not fit a step is answered
//! there and the step stays: a sticker or a file, a text over 2,000 characters, a caption over
//! 800, a voice note over five minutes. Filing is one transaction that writes the item, its
//! message for the coordinators' group and the end of the dialogue; the rider is told the
//! item's number and what happens next.

use teloxide::prelude::*;
use teloxide::types::{CallbackQuery, InlineKeyboardMarkup};

use super::{FeedbackCallback, FeedbackSettings, Step};
use crate::bot::core::callback::button;
use crate::bot::core::dialogue;
use crate::bot::core::keyboards;
use crate::bot::core::{Ctx, HandlerResult, Next, Outcome};
use crate::feedback::domain;
use crate::feedback::{
    Body, Topic, VoiceLength, Words, WordsError, MAX_CAPTION, MAX_TEXT, MAX_VOICE_SECONDS,
};
use crate::i18n::{t, Lang};
use crate::tr;

/// Starts the dialogue (registered riders; someone else is asked to register first).
pub async fn begin(ctx: &Ctx) -> Outcome<Step> {
    if !ctx.user.is_registered() {
        // Asked again from idle, registration starts.
        return Ok(Next::Ask);
    }
    Ok(Next::Go(Step::Topic))
}

fn topics_kb(lang: Lang) -> InlineKeyboardMarkup {
    let mut rows: Vec<Vec<_>> = Topic::ALL
        .chunks(2)
        .map(|pair| {
            pair.iter()
                .map(|tp| button(t(lang, tp.label_key()), &FeedbackCallback::Topic(*tp)))
                .collect()
        })
        .collect();
    rows.push(vec![button(
        t(lang, "btn-cancel"),
        &FeedbackCallback::Cancel,
    )]);
    InlineKeyboardMarkup::new(rows)
}

/// Asks what `step` waits for.
pub async fn prompt(ctx: &Ctx, step: &Step) -> HandlerResult {
    let lang = ctx.lang();
    match step {
        Step::Topic => {
            ctx.send_with(tr!(lang, "feedback-ask-topic"), topics_kb(lang))
                .await?;
        }
        Step::Body { topic } => {
            let text = tr!(
                lang,
                "feedback-ask-body",
                topic = t(lang, topic.label_key()),
                max = MAX_TEXT,
                minutes = MAX_VOICE_SECONDS / 60
            );
            ctx.send_with(text, keyboards::cancel_only(lang)).await?;
        }
    }
    Ok(())
}

/// A message in a feedback step.
pub async fn on_message(ctx: &Ctx, step: Step, msg: &Message) -> Outcome<Step> {
    let lang = ctx.lang();
    match step {
        Step::Topic => {
            ctx.send(tr!(lang, "feedback-use-buttons")).await?;
            Ok(Next::Ask)
        }
        Step::Body { topic } => match body_of(msg) {
            Ok(body) => submit(ctx, topic, &body, msg).await,
            Err(why) => {
                ctx.send(why.words(lang)).await?;
                Ok(Next::Stay)
            }
        },
    }
}

/// Why a message is not an item's body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unfit {
    /// A sticker, a file, a location, a contact, a video…
    Kind,
    Empty,
    TextTooLong {
        len: usize,
    },
    CaptionTooLong {
        len: usize,
    },
    VoiceTooLong {
        seconds: u32,
    },
}

impl Unfit {
    fn words(self, lang: Lang) -> String {
        match self {
            Unfit::Kind | Unfit::Empty => tr!(lang, "feedback-body-kinds"),
            Unfit::TextTooLong { len } => {
                tr!(lang, "feedback-text-too-long", len = len, max = MAX_TEXT)
            }
            Unfit::CaptionTooLong { len } => {
                tr!(
                    lang,
                    "feedback-caption-too-long",
                    len = len,
                    max = MAX_CAPTION
                )
            }
            Unfit::VoiceTooLong { seconds } => tr!(
                lang,
                "feedback-voice-too-long",
                minutes = seconds / 60,
                seconds = format!("{:02}", seconds % 60),
                max = MAX_VOICE_SECONDS / 60
            ),
        }
    }
}

/// An optional caption: blank is none.
fn caption_of(msg: &Message) -> Result<Option<Words>, Unfit> {
    match Words::parse(msg.caption().unwrap_or_default(), MAX_CAPTION) {
        Ok(w) => Ok(Some(w)),
        Err(WordsError::Empty) => Ok(None),
        Err(WordsError::TooLong { len, .. }) => Err(Unfit::CaptionTooLong { len }),
    }
}

/// The message as an item's body.
pub fn body_of(msg: &Message) -> Result<Body, Unfit> {
    if let Some(sizes) = msg.photo() {
        let best = sizes
            .iter()
            .max_by_key(|p| (p.width * p.height, p.file.size))
            .ok_or(Unfit::Kind)?;
        return Ok(Body::Photo {
            file_id: best.file.id.to_string(),
            caption: caption_of(msg)?,
        });
    }
    if let Some(voice) = msg.voice() {
        let seconds = voice.duration.seconds();
        let length = VoiceLength::parse(seconds).ok_or(Unfit::VoiceTooLong { seconds })?;
        return Ok(Body::Voice {
            file_id: voice.file.id.to_string(),
            length,
            caption: caption_of(msg)?,
        });
    }
    let text = msg.text().ok_or(Unfit::Kind)?;
    match Words::parse(text, MAX_TEXT) {
        Ok(text) => Ok(Body::Text { text }),
        Err(WordsError::Empty) => Err(Unfit::Empty),
        Err(WordsError::TooLong { len, .. }) => Err(Unfit::TextTooLong { len }),
    }
}

/// Files the item: one transaction for the item, its group message and the dialogue's end.
async fn submit(ctx: &Ctx, topic: Topic, body: &Body, msg: &Message) -> Outcome<Step> {
    let group = ctx.dep::<FeedbackSettings>()?.group.map(|c| c.0);
    let key = format!("fb:{}:{}", ctx.chat().0, msg.id.0);
    let mut tx = crate::db::begin_write(&ctx.pool).await?;
    let filed = domain::submit_in(&mut tx, ctx.user.id, topic, body, &key, group, ctx.now()).await;
    let filed = match filed {
        Ok(s) => s,
        Err(err) => {
            drop(tx);
            ctx.refuse(err).await?;
            return Ok(Next::Menu);
        }
    };
    dialogue::end(&mut tx, ctx.chat()).await?;
    tx.commit().await?;
    let lang = ctx.lang();
    let text = tr!(
        lang,
        "feedback-filed",
        id = filed.id.to_string(),
        topic = t(lang, topic.label_key())
    );
    ctx.send_menu(text).await?;
    Ok(Next::Ended)
}

/// A topic button: only in the topic step (an old one from another dialogue is stale).
pub async fn on_topic(
    ctx: &Ctx,
    step: Option<Step>,
    q: &CallbackQuery,
    topic: Topic,
) -> Outcome<Step> {
    if step != Some(Step::Topic) {
        ctx.expired(q).await?;
        return Ok(Next::Stay);
    }
    ctx.answer(q, None).await?;
    let lang = ctx.lang();
    let chosen = tr!(
        lang,
        "feedback-topic-chosen",
        topic = t(lang, topic.label_key())
    );
    ctx.edit_pressed(q, chosen, InlineKeyboardMarkup::default())
        .await?;
    Ok(Next::Go(Step::Body { topic }))
}

/// The topic keyboard's Cancel.
pub async fn on_cancel(ctx: &Ctx, step: Option<Step>, q: &CallbackQuery) -> Outcome<Step> {
    if step.is_none() {
        ctx.expired(q).await?;
        return Ok(Next::Stay);
    }
    ctx.answer(q, None).await?;
    if let Some(m) = &q.message {
        let _ = ctx
            .set_buttons(m.id(), InlineKeyboardMarkup::default())
            .await;
    }
    Ok(Next::Cancelled)
}
