//! The passbook's outbox rows (`points::notices`) rendered for their rider when they are sent:
//! a reward handed over, a coordinator's adjustment, a redemption expired.

use teloxide::utils::html;

use super::render::signed;
use crate::bot::core::outbox::{
    registered_recipient, send_html, text_of, Delivered, NoticeKind, SendError,
};
use crate::bot::core::Env;
use crate::outbox::Row;
use crate::points::{notices, store, RewardCode};
use crate::tr;

pub fn kinds() -> Vec<NoticeKind> {
    vec![
        NoticeKind {
            kind: notices::HANDED_OVER,

            messages: 1,
            send: |env, row| Box::pin(send(env, row, Say::HandedOver)),
        },
        NoticeKind {
            kind: notices::ADJUSTED,

            messages: 1,
            send: |env, row| Box::pin(send(env, row, Say::Adjusted)),
        },
        NoticeKind {
            kind: notices::EXPIRED,

            messages: 1,
            send: |env, row| Box::pin(send(env, row, Say::Expired)),
        },
    ]
}

#[derive(Debug, Clone, Copy)]
enum Say {
    HandedOver,
    Adjusted,
    Expired,
}

async fn send(env: &Env, row: &Row, say: Say) -> Result<Delivered, SendError> {
    let Some(user) = registered_recipient(env, row).await? else {
        return Ok(Delivered::Nothing);
    };
    let lang = user.lang;
    let number = |field: &str| row.payload.get(field).and_then(serde_json::Value::as_i64);
    let reward = match text_of(row, "reward").and_then(RewardCode::parse) {
        Some(code) => {
            let mut conn = env.pool.acquire().await?;
            let found = store::find_reward(&mut conn, &code).await?;
            html::escape(&found.map_or(code.to_string(), |w| w.name(lang).to_owned()))
        }
        None => String::new(),
    };
    let text = match say {
        Say::HandedOver => tr!(lang, "redemption-handed-over", reward = reward),
        Say::Adjusted => tr!(
            lang,
            "adjust-told",
            amount = signed(number("amount").unwrap_or(0)),
            reason = html::escape(text_of(row, "reason").unwrap_or_default()),
            balance = number("balance").unwrap_or(0)
        ),
        Say::Expired => tr!(
            lang,
            "redemption-expired",
            reward = reward,
            code = text_of(row, "code").unwrap_or_default().to_owned(),
            points = number("points").unwrap_or(0)
        ),
    };
    send_html(env, row.chat, text, None).await
}
