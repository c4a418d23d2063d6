//! The Bot API methods the emulator implements, each checking Telegram's limits on top of the
//! spec's types and answering what Telegram answers.

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{json, Map, Value};

use super::limits::{self, MAX_CAPTION, MAX_TEXT};
use super::{lock, now, BotMessage, Inner, Params, World, BOT_ID, BOT_USERNAME};

pub(super) enum Refusal {
    BadRequest(String),
    Forbidden(&'static str),
    TooMany(u64),
    BadGateway,
    /// 409: the request conflicts with the bot's state (getUpdates while a webhook is set).
    Conflict(&'static str),
    NotImplemented,
    /// A file larger than Telegram takes from a bot (413 Request Entity Too Large).
    TooLarge,
}

type Outcome = Result<Value, Refusal>;

fn bad(why: impl Into<String>) -> Refusal {
    Refusal::BadRequest(why.into())
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Rider Bot", "username": BOT_USERNAME})
}

pub(super) async fn handle(inner: &Arc<Inner>, method: &str, params: Params) -> Outcome {
    match method {
        "getMe" if lock(inner).faults.take_get_me_failure() => Err(Refusal::BadGateway),
        "getMe" => Ok(
            json!({"id": BOT_ID, "is_bot": true, "first_name": "Rider Bot", "username": BOT_USERNAME,
                             "can_join_groups": true, "can_read_all_group_messages": false,
                             "supports_inline_queries": false, "can_connect_to_business": false,
                             "has_main_web_app": false}),
        ),
        "getUpdates" => get_updates(inner, &params.values).await,
        "sendChatAction" | "deleteMyCommands" => Ok(json!(true)),
        "setWebhook" => super::webhook::set_webhook(inner, &params.values),
        "deleteWebhook" => Ok(super::webhook::delete_webhook(inner, &params.values)),
        "getWebhookInfo" => Ok(super::webhook::webhook_info(inner)),
        "setMyCommands" => {
            let commands = params
                .values
                .get("commands")
                .cloned()
                .unwrap_or(Value::Null);
            limits::check_commands(&commands).map_err(bad)?;
            lock(inner).commands.push(Value::Object(params.values));
            Ok(json!(true))
        }
        "getMyCommands" => {
            let w = lock(inner);
            let found = w.commands.iter().rev().find(|set| {
                set.get("scope") == params.values.get("scope")
                    && set.get("language_code") == params.values.get("language_code")
            });
            Ok(found
                .and_then(|s| s.get("commands").cloned())
                .unwrap_or(json!([])))
        }
        "answerCallbackQuery" => answer_callback(inner, params.values),
        "getFile" => get_file(inner, &params.values),
        "sendMessage" | "sendPhoto" | "sendDocument" | "sendVoice" | "sendVenue"
        | "sendLocation" => send(inner, method, params),
        "sendMediaGroup" => send_media_group(inner, params),
        "getChatMember" => {
            let chat = chat_id(&params.values)?;
            let user = params
                .values
                .get("user_id")
                .and_then(Value::as_i64)
                .ok_or_else(|| bad("user not found"))?;
            let w = lock(inner);
            if !w.chats.contains_key(&chat) || w.faults.left_groups.contains(&chat) {
                return Err(bad("chat not found"));
            }
            if user == BOT_ID {
                return Ok(json!({"status": "member", "user": bot_user()}));
            }
            let member = w.users.get(&user).ok_or_else(|| bad("user not found"))?;
            Ok(
                json!({"status": "member", "user": {"id": member.id, "is_bot": false,
                                                     "first_name": member.first_name}}),
            )
        }
        "getChat" => {
            let chat = chat_id(&params.values)?;
            let w = lock(inner);
            if w.faults.left_groups.contains(&chat) {
                return Err(bad("chat not found"));
            }
            // A ChatFullInfo: the chat plus the fields Telegram always sends with it.
            let mut info = w
                .chats
                .get(&chat)
                .map(|c| c.json.clone())
                .ok_or_else(|| bad("chat not found"))?;
            info["accent_color_id"] = json!(0);
            info["max_reaction_count"] = json!(11);
            info["accepted_gift_types"] = json!({"unlimited_gifts": false, "limited_gifts": false,
                                                 "unique_gifts": false, "premium_subscription": false});
            Ok(info)
        }
        "editMessageText" | "editMessageReplyMarkup" | "editMessageCaption" => {
            edit(inner, method, params.values)
        }
        "deleteMessage" => {
            let mut w = lock(inner);
            let (chat, id) = target(&params.values)?;
            let msg = w
                .find_message_mut(chat, id)
                .ok_or_else(|| bad("message to delete not found"))?;
            msg.deleted = true;
            Ok(json!(true))
        }
        _ => Err(Refusal::NotImplemented),
    }
}

async fn get_updates(inner: &Arc<Inner>, params: &Map<String, Value>) -> Outcome {
    let offset = params.get("offset").and_then(Value::as_i64).unwrap_or(0);
    let limit = params
        .get("limit")
        .and_then(Value::as_i64)
        .unwrap_or(100)
        .clamp(1, 100) as usize;
    let timeout = params
        .get("timeout")
        .and_then(Value::as_i64)
        .unwrap_or(0)
        .clamp(0, 50) as u64;
    let deadline = Instant::now() + Duration::from_secs(timeout);
    {
        let mut w = lock(inner);
        super::webhook::refuse_polling(&w)?;
        if w.faults.fail_get_updates > 0 {
            w.faults.fail_get_updates -= 1;
            return Err(Refusal::BadGateway);
        }
    }
    loop {
        let notified = inner.updates_ready.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        {
            let mut w = lock(inner);
            // An offset confirms every update before it: they are gone for good.
            if offset > 0 {
                w.updates.retain(|(id, _)| *id >= offset);
                w.confirmed = w.confirmed.max(offset);
            }
            let mut batch: Vec<Value> = std::mem::take(&mut w.redeliver);
            let room = limit.saturating_sub(batch.len());
            batch.extend(w.updates.iter().take(room).map(|(_, u)| u.clone()));
            if !batch.is_empty() {
                return Ok(Value::Array(batch));
            }
        }
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
            return Ok(json!([]));
        }
    }
}

fn answer_callback(inner: &Arc<Inner>, params: Map<String, Value>) -> Outcome {
    let id = params
        .get("callback_query_id")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_owned();
    if let Some(text) = params.get("text").and_then(Value::as_str) {
        if text.chars().count() > limits::MAX_CALLBACK_ANSWER {
            return Err(bad(
                "MESSAGE_TOO_LONG: callback answer text over 200 characters",
            ));
        }
    }
    let mut w = lock(inner);
    match w.callbacks.get_mut(&id) {
        Some(slot @ None) => {
            *slot = Some(Value::Object(params));
            Ok(json!(true))
        }
        _ => Err(bad(
            "query is too old and response timeout expired or query ID is invalid",
        )),
    }
}

fn get_file(inner: &Arc<Inner>, params: &Map<String, Value>) -> Outcome {
    let id = params
        .get("file_id")
        .and_then(Value::as_str)
        .unwrap_or_default();
    let w = lock(inner);
    let (path, bytes) = w.files.get(id).ok_or_else(|| bad("invalid file_id"))?;
    if bytes.len() > 20 * 1024 * 1024 {
        return Err(bad("file is too big"));
    }
    Ok(
        json!({"file_id": id, "file_unique_id": format!("u{id}"), "file_size": bytes.len(), "file_path": path}),
    )
}

/// Faults a test asked for on this chat: a 429 or a 502 instead of the send.
fn injected(w: &mut World, chat: i64) -> Result<(), Refusal> {
    if let Some(retry_after) = w.faults.too_many.remove(&chat) {
        return Err(Refusal::TooMany(retry_after));
    }
    if let Some(n) = w.faults.fail_sends.get_mut(&chat).filter(|n| **n > 0) {
        *n -= 1;
        return Err(Refusal::BadGateway);
    }
    Ok(())
}

/// Telegram's per-chat limits, when switched on: one private chat gets at most so many
/// messages a second, one group so many a minute.
fn chat_throttle(w: &mut World, chat: i64) -> Result<(), Refusal> {
    let Some((private_per_second, group_per_minute)) = w.faults.chat_limits else {
        return Ok(());
    };
    let (window, most, retry) = if chat < 0 {
        (Duration::from_secs(60), group_per_minute, 60)
    } else {
        (Duration::from_secs(1), private_per_second, 1)
    };
    let now = Instant::now();
    let sends = w.faults.chat_sends.entry(chat).or_default();
    while sends
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        sends.pop_front();
    }
    if sends.len() >= most as usize {
        w.faults.too_many_in_chats += 1;
        return Err(Refusal::TooMany(retry));
    }
    sends.push_back(now);
    Ok(())
}

/// Applies the configured rate limit to a sending method: paid broadcasts count against their
/// own limit, everything else against the bot's.
fn throttle(w: &mut World, paid: bool) -> Result<(), Refusal> {
    let (limit, recent) = if paid {
        (w.faults.paid_rate_limit, &mut w.faults.recent_paid)
    } else {
        (w.faults.rate_limit, &mut w.faults.recent_sends)
    };
    let Some(per_second) = limit else {
        return Ok(());
    };
    let now = Instant::now();
    let window = Duration::from_secs(1);
    while recent
        .front()
        .is_some_and(|t| now.duration_since(*t) >= window)
    {
        recent.pop_front();
    }
    if recent.len() >= per_second as usize {
        return Err(Refusal::TooMany(1));
    }
    recent.push_back(now);
    Ok(())
}

fn chat_id(params: &Map<String, Value>) -> Result<i64, Refusal> {
    params
        .get("chat_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("chat not found"))
}

fn target(params: &Map<String, Value>) -> Result<(i64, i64), Refusal> {
    let chat = chat_id(params)?;
    let id = params
        .get("message_id")
        .and_then(Value::as_i64)
        .ok_or_else(|| bad("message identifier is not specified"))?;
    Ok((chat, id))
}

fn parse_mode(params: &Map<String, Value>) -> Option<&str> {
    params.get("parse_mode").and_then(Value::as_str)
}

fn check_markup(params: &Map<String, Value>) -> Result<(), Refusal> {
    match params.get("reply_markup") {
        Some(markup) => limits::check_reply_markup(markup).map_err(bad),
        None => Ok(()),
    }
}

fn send(inner: &Arc<Inner>, method: &str, params: Params) -> Outcome {
    send_counted(inner, method, params, true)
}

/// Sends one message; `counted`: whether the send counts against the limits (an album's
/// photos after its first do not: Telegram counts the album once).
fn send_counted(inner: &Arc<Inner>, method: &str, params: Params, counted: bool) -> Outcome {
    let values = params.values;
    let chat = chat_id(&values)?;
    check_markup(&values)?;
    let mode = parse_mode(&values);
    // What was sent, what the user sees, and the file sent with it.
    let mut file_name = None;
    let (kind, raw, visible, file): (&'static str, String, String, Option<Vec<u8>>) = match method {
        "sendMessage" => {
            let text = values
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let visible =
                limits::check_text("message text", text, mode, MAX_TEXT, 1).map_err(bad)?;
            ("text", text.to_owned(), visible, None)
        }
        "sendPhoto" | "sendDocument" | "sendVoice" => {
            let caption = values
                .get("caption")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let visible =
                limits::check_text("caption", caption, mode, MAX_CAPTION, 0).map_err(bad)?;
            let field = match method {
                "sendPhoto" => "photo",
                "sendVoice" => "voice",
                _ => "document",
            };
            // teloxide sends `photo=attach://<part>` with the bytes in that part.
            let attached = values
                .get(field)
                .and_then(Value::as_str)
                .and_then(|v| v.strip_prefix("attach://"))
                .and_then(|part| params.files.get(part));
            let part = values
                .get(field)
                .and_then(Value::as_str)
                .and_then(|v| v.strip_prefix("attach://"))
                .unwrap_or(field);
            file_name = params.file_names.get(part).cloned();
            let bytes = match (
                params.files.get(field).or(attached),
                values.get(field).and_then(Value::as_str),
            ) {
                (Some(bytes), _) => bytes.clone(),
                (None, Some(file_id)) => {
                    let w = lock(inner);
                    w.files
                        .get(file_id)
                        .map(|(_, b)| b.clone())
                        .ok_or_else(|| bad("wrong file identifier/HTTP URL specified"))?
                }
                (None, None) => return Err(bad(format!("there is no {field} in the request"))),
            };
            if bytes.is_empty() {
                return Err(bad("file must be non-empty"));
            }
            if method == "sendPhoto" {
                limits::check_photo(&bytes).map_err(bad)?;
            } else if params.files.contains_key(field) || attached.is_some() {
                let limit = lock(inner)
                    .faults
                    .upload_limit
                    .unwrap_or(limits::MAX_UPLOAD_BYTES);
                if bytes.len() > limit {
                    return Err(Refusal::TooLarge);
                }
            }
            (
                match method {
                    "sendPhoto" => "photo",
                    "sendVoice" => "voice",
                    _ => "document",
                },
                caption.to_owned(),
                visible,
                Some(bytes),
            )
        }
        "sendVenue" | "sendLocation" => {
            let lat = values
                .get("latitude")
                .and_then(Value::as_f64)
                .unwrap_or(f64::NAN);
            let lng = values
                .get("longitude")
                .and_then(Value::as_f64)
                .unwrap_or(f64::NAN);
            if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lng) {
                return Err(bad("wrong coordinates"));
            }
            if method == "sendVenue" {
                for f in ["title", "address"] {
                    if values
                        .get(f)
                        .and_then(Value::as_str)
                        .is_none_or(|s| s.trim().is_empty())
                    {
                        return Err(bad(format!("venue {f} must be non-empty")));
                    }
                }
                let title = values["title"].as_str().unwrap_or_default();
                ("venue", title.to_owned(), title.to_owned(), None)
            } else {
                ("location", String::new(), String::new(), None)
            }
        }
        _ => return Err(Refusal::NotImplemented),
    };

    let mut w = lock(inner);
    let chat_json = w
        .chats
        .get(&chat)
        .map(|c| c.json.clone())
        .ok_or_else(|| bad("chat not found"))?;
    if w.faults.blocked.contains(&chat) {
        return Err(Refusal::Forbidden("bot was blocked by the user"));
    }
    if w.faults.left_groups.contains(&chat) {
        return Err(Refusal::Forbidden(
            "bot was kicked from the supergroup chat",
        ));
    }
    if counted {
        injected(&mut w, chat)?;
        let paid = values.get("allow_paid_broadcast").and_then(Value::as_bool) == Some(true);
        throttle(&mut w, paid)?;
        chat_throttle(&mut w, chat)?;
    }
    let info = w.chats.get_mut(&chat).expect("checked above");
    let message_id = info.next_message_id;
    info.next_message_id += 1;

    let mut result =
        json!({"message_id": message_id, "from": bot_user(), "chat": chat_json, "date": now()});
    match kind {
        "text" => result["text"] = json!(visible),
        "photo" | "document" | "voice" => {
            let file_id = format!("bot-file-{}-{}", chat, message_id);
            let size = file.as_ref().map_or(0, Vec::len);
            w.files.insert(
                file_id.clone(),
                (format!("bot/{file_id}"), file.clone().unwrap_or_default()),
            );
            if kind == "photo" {
                result["photo"] = json!([{"file_id": file_id, "file_unique_id": format!("u{file_id}"),
                                           "width": 800, "height": 800, "file_size": size}]);
            } else if kind == "voice" {
                let duration = values.get("duration").and_then(Value::as_i64).unwrap_or(1);
                result["voice"] = json!({"file_id": file_id, "file_unique_id": format!("u{file_id}"),
                                         "duration": duration, "file_size": size});
            } else {
                result["document"] = json!({"file_id": file_id, "file_unique_id": format!("u{file_id}"),
                                            "file_size": size});
                if let Some(name) = &file_name {
                    result["document"]["file_name"] = json!(name);
                }
            }
            if !visible.is_empty() {
                result["caption"] = json!(visible);
            }
        }
        "venue" | "location" => {
            let location =
                json!({"latitude": values["latitude"], "longitude": values["longitude"]});
            result["location"] = location.clone();
            if kind == "venue" {
                result["venue"] = json!({"location": location, "title": values["title"], "address": values["address"]});
            }
        }
        _ => {}
    }
    let markup = values.get("reply_markup").cloned();
    if let Some(m) = markup
        .as_ref()
        .filter(|m| m.get("inline_keyboard").is_some())
    {
        result["reply_markup"] = m.clone();
    }
    w.push_message(BotMessage {
        chat_id: chat,
        message_id,
        kind,
        raw,
        text: visible,
        reply_markup: markup,
        params: values,
        file,
        file_name: file_name.clone(),
        edits: 0,
        deleted: false,
        sent_at: Instant::now(),
    });
    drop(w);
    inner.bot_sent.notify_waiters();
    Ok(result)
}

/// An album: 2-10 photos, each sent as `sendPhoto` would be (same checks, same record), with
/// the caption of each item its own.
fn send_media_group(inner: &Arc<Inner>, params: Params) -> Outcome {
    let media = match params.values.get("media") {
        Some(Value::String(s)) => {
            serde_json::from_str::<Value>(s).map_err(|e| bad(e.to_string()))?
        }
        Some(v) => v.clone(),
        None => return Err(bad("parameter \"media\" is required")),
    };
    let items = media
        .as_array()
        .ok_or_else(|| bad("media must be an array"))?
        .clone();
    if !(2..=10).contains(&items.len()) {
        return Err(bad("media must include 2-10 items"));
    }
    let mut sent = Vec::new();
    for (i, item) in items.into_iter().enumerate() {
        if item.get("type").and_then(Value::as_str) != Some("photo") {
            return Err(bad("only photo albums are emulated"));
        }
        let mut values = Map::new();
        values.insert("chat_id".into(), params.values["chat_id"].clone());
        values.insert(
            "photo".into(),
            item.get("media").cloned().unwrap_or(Value::Null),
        );
        for field in ["caption", "parse_mode"] {
            if let Some(v) = item.get(field) {
                values.insert(field.into(), v.clone());
            }
        }
        let one = Params {
            values,
            files: params.files.clone(),
            file_names: params.file_names.clone(),
        };
        sent.push(send_counted(inner, "sendPhoto", one, i == 0)?);
    }
    Ok(Value::Array(sent))
}

fn edit(inner: &Arc<Inner>, method: &str, values: Map<String, Value>) -> Outcome {
    if values.contains_key("inline_message_id") {
        return Err(Refusal::NotImplemented);
    }
    let (chat, id) = target(&values)?;
    check_markup(&values)?;
    if values
        .get("reply_markup")
        .is_some_and(|m| m.get("inline_keyboard").is_none())
    {
        return Err(bad("only inline keyboards can be edited into a message"));
    }
    let mode = parse_mode(&values);
    let new_text = match method {
        "editMessageText" => {
            let text = values
                .get("text")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let visible =
                limits::check_text("message text", text, mode, MAX_TEXT, 1).map_err(bad)?;
            Some((text.to_owned(), visible))
        }
        "editMessageCaption" => {
            let text = values
                .get("caption")
                .and_then(Value::as_str)
                .unwrap_or_default();
            let visible = limits::check_text("caption", text, mode, MAX_CAPTION, 0).map_err(bad)?;
            Some((text.to_owned(), visible))
        }
        _ => None,
    };
    let mut w = lock(inner);
    throttle(&mut w, false)?;
    let chat_json = w
        .chats
        .get(&chat)
        .map(|c| c.json.clone())
        .ok_or_else(|| bad("chat not found"))?;
    let msg = w
        .find_message_mut(chat, id)
        .ok_or_else(|| bad("message to edit not found"))?;
    match (method, msg.kind) {
        ("editMessageText", "text") | ("editMessageReplyMarkup", _) => {}
        ("editMessageCaption", "photo" | "document" | "voice") => {}
        _ => return Err(bad("there is no text in the message to edit")),
    }
    // An inline keyboard is what stays on screen; a reply keyboard sent with it is not part of it.
    let old_inline = msg
        .reply_markup
        .clone()
        .filter(|m| m.get("inline_keyboard").is_some());
    let new_markup = values.get("reply_markup").cloned();
    let same_text = new_text
        .as_ref()
        .is_none_or(|(_, visible)| *visible == msg.text);
    let same_markup = old_inline == new_markup
        || (new_markup.is_none() && old_inline.as_ref().is_none_or(is_empty_keyboard));
    if same_text && same_markup {
        return Err(bad(
            "message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message",
        ));
    }
    if let Some((raw, visible)) = new_text {
        msg.raw = raw;
        msg.text = visible;
    }
    msg.reply_markup = new_markup;
    msg.edits += 1;
    msg.params.extend(values);
    let mut result = json!({"message_id": msg.message_id, "from": bot_user(), "chat": chat_json,
                            "date": now(), "edit_date": now()});
    match msg.kind {
        "text" => result["text"] = json!(msg.text),
        _ => {
            result["caption"] = json!(msg.text);
            result["photo"] = json!([{"file_id": format!("bot-file-{chat}-{id}"), "file_unique_id": "x",
                                       "width": 800, "height": 800}]);
        }
    }
    if let Some(m) = &msg.reply_markup {
        result["reply_markup"] = m.clone();
    }
    drop(w);
    inner.bot_sent.notify_waiters();
    Ok(result)
}

fn is_empty_keyboard(markup: &Value) -> bool {
    markup
        .get("inline_keyboard")
        .and_then(Value::as_array)
        .is_none_or(|rows| rows.iter().all(|r| r.as_array().is_none_or(Vec::is_empty)))
}
