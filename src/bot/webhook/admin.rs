//! `rider-bot webhook set|info|delete`: the operator's side of webhook mode, through the Bot
//! API's setWebhook, getWebhookInfo and deleteWebhook, each counted by `ops::api::call`.

use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, WebhookInfo};
use teloxide::RequestError;
use url::Url;

use crate::config::WebhookSecret;
use crate::ops::api;

/// What `webhook set` asks for besides the URL and secret.
#[derive(Debug, Clone)]
pub struct SetOptions {
    /// At most this many requests at once (Telegram: 1–100, 40 when unset).
    pub max_connections: Option<u8>,
    pub allowed_updates: Vec<AllowedUpdate>,
    pub drop_pending_updates: bool,
}

pub async fn set(
    bot: &Bot,
    url: Url,
    secret: &WebhookSecret,
    options: &SetOptions,
) -> Result<(), RequestError> {
    let mut request = bot
        .set_webhook(url)
        .secret_token(secret.expose())
        .allowed_updates(options.allowed_updates.clone())
        .drop_pending_updates(options.drop_pending_updates);
    if let Some(n) = options.max_connections {
        request = request.max_connections(n);
    }
    api::call(request).await.map(|_| ())
}

pub async fn info(bot: &Bot) -> Result<WebhookInfo, RequestError> {
    api::call(bot.get_webhook_info()).await
}

pub async fn delete(bot: &Bot, drop_pending_updates: bool) -> Result<(), RequestError> {
    api::call(
        bot.delete_webhook()
            .drop_pending_updates(drop_pending_updates),
    )
    .await
    .map(|_| ())
}

/// `message,callback_query`: the names the Bot API uses.
pub fn parse_allowed(list: &str) -> Result<Vec<AllowedUpdate>, String> {
    list.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|name| {
            serde_json::from_value(serde_json::Value::String(name.to_owned())).map_err(|_| {
                format!("{name:?} is not an update type (e.g. message, callback_query)")
            })
        })
        .collect()
}

/// The names of `kinds`, comma-separated.
pub fn names(kinds: &[AllowedUpdate]) -> String {
    kinds
        .iter()
        .map(|k| serde_json::to_value(k).ok())
        .map(|v| {
            v.and_then(|v| v.as_str().map(str::to_owned))
                .unwrap_or_default()
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// `webhook info`'s lines.
pub fn describe(info: &WebhookInfo) -> Vec<String> {
    let url = info
        .url
        .as_ref()
        .map_or("(none: long polling)".to_owned(), Url::to_string);
    let error = match (&info.last_error_date, &info.last_error_message) {
        (Some(at), Some(why)) => format!("{} {why}", at.format("%Y-%m-%d %H:%M:%S UTC")),
        (None, Some(why)) => why.clone(),
        _ => "none".to_owned(),
    };
    let allowed = match &info.allowed_updates {
        Some(kinds) if !kinds.is_empty() => names(kinds),
        _ => "(Telegram's default)".to_owned(),
    };
    vec![
        format!("url: {url}"),
        format!("pending_update_count: {}", info.pending_update_count),
        format!("last_error: {error}"),
        format!(
            "max_connections: {}",
            info.max_connections
                .map_or("-".to_owned(), |n| n.to_string())
        ),
        format!("allowed_updates: {allowed}"),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn update_type_names_are_the_bot_apis() {
        let kinds = parse_allowed("message, callback_query,my_chat_member").unwrap();
        assert_eq!(
            kinds,
            [
                AllowedUpdate::Message,
                AllowedUpdate::CallbackQuery,
                AllowedUpdate::MyChatMember
            ]
        );
        assert_eq!(names(&kinds), "message,callback_query,my_chat_member");
        assert!(parse_allowed("message,messages")
            .unwrap_err()
            .contains("messages"));
    }
}
