//! Webhook delivery, as Telegram does it: once `setWebhook` is called, new updates are POSTed
//! to the URL (with `X-Telegram-Bot-Api-Secret-Token` when a secret was given), at most
//! `max_connections` at once and one at a time per chat, each in order; an update answered
//! other than 2xx, or not answered, stays pending and is tried again a little later, and the
//! error is kept for getWebhookInfo. getUpdates is refused (409) while a webhook is set.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::methods::Refusal;
use super::{lock, now, Inner, World};

/// How soon an update whose delivery failed is tried again (Telegram waits longer; tests
/// cannot).
const RETRY_AFTER: Duration = Duration::from_millis(200);
/// How long the emulator waits for the bot to answer a delivery.
const ANSWER_WITHIN: Duration = Duration::from_secs(30);
/// Update types Telegram leaves out unless asked for by name.
const NOT_BY_DEFAULT: [&str; 3] = ["chat_member", "message_reaction", "message_reaction_count"];
const UPDATE_TYPES: [&str; 23] = [
    "message",
    "edited_message",
    "channel_post",
    "edited_channel_post",
    "business_connection",
    "business_message",
    "edited_business_message",
    "deleted_business_messages",
    "message_reaction",
    "message_reaction_count",
    "inline_query",
    "chosen_inline_result",
    "callback_query",
    "shipping_query",
    "pre_checkout_query",
    "purchased_paid_media",
    "poll",
    "poll_answer",
    "my_chat_member",
    "chat_member",
    "chat_join_request",
    "chat_boost",
    "removed_chat_boost",
];

#[derive(Debug, Clone)]
pub(super) struct Webhook {
    url: url::Url,
    secret: Option<String>,
    max_connections: u32,
    /// None or empty: Telegram's default (all but [`NOT_BY_DEFAULT`]).
    allowed: Option<Vec<String>>,
    last_error: Option<(i64, String)>,
}

/// What the emulator tracks of deliveries (in [`World`]).
#[derive(Debug, Default)]
pub(super) struct Deliveries {
    pub webhook: Option<Webhook>,
    /// Update ids being POSTed now.
    in_flight: HashSet<i64>,
    /// Update ids failed, not to be tried before the time.
    retry_at: std::collections::HashMap<i64, Instant>,
    /// Deliveries answered 2xx, in all.
    pub delivered: u64,
}

fn bad(why: impl Into<String>) -> Refusal {
    Refusal::BadRequest(why.into())
}

pub(super) fn set_webhook(
    inner: &Arc<Inner>,
    params: &Map<String, Value>,
) -> Result<Value, Refusal> {
    let raw = params
        .get("url")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let drop_pending = params.get("drop_pending_updates") == Some(&json!(true));
    let mut w = lock(inner);
    if drop_pending {
        w.updates.clear();
    }
    if raw.is_empty() {
        // An empty URL removes the webhook.
        w.deliveries.webhook = None;
        return Ok(json!(true));
    }
    let url = url::Url::parse(raw).map_err(|_| bad("bad webhook: invalid URL"))?;
    check_url(&url)?;
    let max_connections = match params.get("max_connections") {
        None => 40,
        Some(n) => match n.as_i64() {
            Some(n @ 1..=100) => n as u32,
            _ => return Err(bad("bad webhook: max_connections must be from 1 to 100")),
        },
    };
    let secret = match params.get("secret_token").and_then(Value::as_str) {
        None => None,
        Some(s) => {
            if !(1..=256).contains(&s.chars().count()) {
                return Err(bad("secret token must be 1-256 characters long"));
            }
            if !s
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
            {
                return Err(bad("secret token contains unallowed characters"));
            }
            Some(s.to_owned())
        }
    };
    let previous = w
        .deliveries
        .webhook
        .as_ref()
        .and_then(|h| h.allowed.clone());
    let allowed = match params.get("allowed_updates") {
        // "If not specified, the previous setting will be used."
        None => previous,
        Some(list) => Some(allowed_list(list)?),
    };
    w.deliveries.webhook = Some(Webhook {
        url,
        secret,
        max_connections,
        allowed,
        last_error: None,
    });
    drop(w);
    inner.updates_ready.notify_waiters();
    Ok(json!(true))
}

/// Telegram takes HTTPS on ports 443, 80, 88 and 8443; a local Bot API server (as this
/// emulator is, for the machine it runs on) also takes plain HTTP to this machine.
fn check_url(url: &url::Url) -> Result<(), Refusal> {
    let local = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    match (url.scheme(), local) {
        ("https", _) | ("http", true) => {}
        _ => {
            return Err(bad(
                "bad webhook: An HTTPS URL must be provided for webhook",
            ))
        }
    }
    let port = url.port_or_known_default().unwrap_or(0);
    if !local && ![443, 80, 88, 8443].contains(&port) {
        return Err(bad(
            "bad webhook: Webhook can be set up only on ports 80, 88, 443 or 8443",
        ));
    }
    Ok(())
}

fn allowed_list(list: &Value) -> Result<Vec<String>, Refusal> {
    let items = list
        .as_array()
        .ok_or_else(|| bad("can't parse allowed updates: an array of strings expected"))?;
    items
        .iter()
        .map(|item| match item.as_str() {
            Some(name) if UPDATE_TYPES.contains(&name) => Ok(name.to_owned()),
            _ => Err(bad(format!("unknown update type {item}"))),
        })
        .collect()
}

pub(super) fn delete_webhook(inner: &Arc<Inner>, params: &Map<String, Value>) -> Value {
    let mut w = lock(inner);
    w.deliveries.webhook = None;
    if params.get("drop_pending_updates") == Some(&json!(true)) {
        w.updates.clear();
    }
    json!(true)
}

pub(super) fn webhook_info(inner: &Arc<Inner>) -> Value {
    let w = lock(inner);
    let mut info = json!({"url": "", "has_custom_certificate": false,
                          "pending_update_count": w.updates.len()});
    if let Some(hook) = &w.deliveries.webhook {
        info["url"] = json!(hook.url.as_str());
        info["max_connections"] = json!(hook.max_connections);
        if let Some(allowed) = &hook.allowed {
            info["allowed_updates"] = json!(allowed);
        }
        if let Some((at, why)) = &hook.last_error {
            info["last_error_date"] = json!(at);
            info["last_error_message"] = json!(why);
        }
    }
    info
}

/// getUpdates while a webhook is set is refused, as Telegram refuses it.
pub(super) fn refuse_polling(w: &World) -> Result<(), Refusal> {
    match w.deliveries.webhook {
        Some(_) => Err(Refusal::Conflict(
            "Conflict: can't use getUpdates method while webhook is active; use deleteWebhook \
             to delete the webhook first",
        )),
        None => Ok(()),
    }
}

/// The update's type: its one field besides `update_id`.
fn kind_of(update: &Value) -> &str {
    update
        .as_object()
        .and_then(|o| o.keys().find(|k| *k != "update_id"))
        .map_or("", String::as_str)
}

/// The chat an update belongs to (or its sender), for delivering a chat's updates in order.
fn chat_of(update: &Value) -> Option<i64> {
    let body = update.get(kind_of(update))?;
    body.pointer("/chat/id")
        .or_else(|| body.pointer("/message/chat/id"))
        .or_else(|| body.pointer("/from/id"))
        .and_then(Value::as_i64)
}

fn wanted(hook: &Webhook, kind: &str) -> bool {
    match &hook.allowed {
        Some(list) if !list.is_empty() => list.iter().any(|k| k == kind),
        _ => !NOT_BY_DEFAULT.contains(&kind),
    }
}

/// The updates to POST now: each chat's first pending one, not in flight, not waiting for a
/// retry, within `max_connections`. Updates of types not asked for are dropped.
fn due(w: &mut World) -> Vec<(i64, Value, Webhook)> {
    let Some(hook) = w.deliveries.webhook.clone() else {
        return Vec::new();
    };
    w.updates.retain(|(_, u)| wanted(&hook, kind_of(u)));
    let now = Instant::now();
    let room = (hook.max_connections as usize).saturating_sub(w.deliveries.in_flight.len());
    let mut busy_chats = HashSet::new();
    let mut out = Vec::new();
    for (id, update) in &w.updates {
        let chat = chat_of(update);
        let first_of_chat = chat.is_none_or(|c| busy_chats.insert(c));
        let waiting = w.deliveries.retry_at.get(id).is_some_and(|t| *t > now);
        if first_of_chat && !waiting && !w.deliveries.in_flight.contains(id) && out.len() < room {
            out.push((*id, update.clone(), hook.clone()));
        }
    }
    for (id, _, _) in &out {
        w.deliveries.in_flight.insert(*id);
    }
    out
}

/// Delivers while the emulator runs (a task of its own, started with the server).
pub(super) async fn deliver(inner: Arc<Inner>) {
    let client = reqwest::Client::builder()
        .timeout(ANSWER_WITHIN)
        .build()
        .expect("an HTTP client");
    loop {
        let notified = inner.updates_ready.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let batch = due(&mut lock(&inner));
        for (id, update, hook) in batch {
            tokio::spawn(post(inner.clone(), client.clone(), id, update, hook));
        }
        let _ = tokio::time::timeout(Duration::from_millis(50), notified).await;
    }
}

async fn post(inner: Arc<Inner>, client: reqwest::Client, id: i64, update: Value, hook: Webhook) {
    let mut request = client
        .post(hook.url.clone())
        .header("content-type", "application/json")
        .body(update.to_string());
    if let Some(secret) = &hook.secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    let failure = match request.send().await {
        Ok(r) if r.status().is_success() => None,
        Ok(r) => Some(format!("Wrong response from the webhook: {}", r.status())),
        Err(e) if e.is_timeout() => Some("Read timeout expired".to_owned()),
        Err(_) => Some("Connection refused".to_owned()),
    };
    {
        let mut w = lock(&inner);
        w.deliveries.in_flight.remove(&id);
        match failure {
            None => {
                w.updates.retain(|(u, _)| *u != id);
                w.deliveries.retry_at.remove(&id);
                w.deliveries.delivered += 1;
                w.confirmed = w.confirmed.max(id + 1);
            }
            Some(why) => {
                w.deliveries
                    .retry_at
                    .insert(id, Instant::now() + RETRY_AFTER);
                if let Some(h) = w.deliveries.webhook.as_mut() {
                    h.last_error = Some((now(), why));
                }
            }
        }
    }
    inner.updates_ready.notify_waiters();
}
