//! The rider's rating of the answers to an item: a button under each answer. Only the item's
//! rider may rate, once (a second press is told the rating given); the buttons are taken off
//! the message once it is rated. Forged data is refused by the parser or the domain.

use teloxide::types::{CallbackQuery, InlineKeyboardMarkup};

use super::Step;
use crate::bot::core::{Ctx, Next, Outcome};
use crate::feedback::domain::{self, FeedbackError, Stars};
use crate::feedback::FeedbackId;
use crate::tr;

/// A rating button.
pub async fn on_rate(ctx: &Ctx, q: &CallbackQuery, id: FeedbackId, stars: Stars) -> Outcome<Step> {
    let lang = ctx.lang();
    match domain::rate(&ctx.pool, ctx.user.id, id, stars, ctx.now()).await {
        Ok(_) => {
            ctx.answer(q, Some(tr!(lang, "feedback-rated", stars = stars.get())))
                .await?;
            take_buttons_off(ctx, q).await;
            ctx.send(tr!(
                lang,
                "feedback-rated-thanks",
                id = id.to_string(),
                stars = stars.get()
            ))
            .await?;
        }
        Err(err @ FeedbackError::RatedAlready(..)) => {
            ctx.refuse_alert(q, err).await?;
            take_buttons_off(ctx, q).await;
        }
        Err(err) => {
            tracing::info!(chat_id = ctx.chat().0, feedback = id.0, %err, "rating refused");
            ctx.refuse_alert(q, err).await?;
        }
    }
    Ok(Next::Stay)
}

/// Takes the rating buttons off the pressed message, when it still shows some (a second
/// press on a message already cleared would change nothing).
async fn take_buttons_off(ctx: &Ctx, q: &CallbackQuery) {
    let Some(m) = q.message.as_ref().and_then(|m| m.regular_message()) else {
        return;
    };
    let shows = m
        .reply_markup()
        .is_some_and(|kb| kb.inline_keyboard.iter().any(|row| !row.is_empty()));
    if shows {
        let _ = ctx.set_buttons(m.id, InlineKeyboardMarkup::default()).await;
    }
}
