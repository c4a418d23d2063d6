//! A Bot API emulator: an HTTP server on 127.0.0.1 that plays Telegram for the bot, and a handle
//! that plays the people on the other side.
//!
//! Every request the bot sends is checked against the Bot API spec ([`spec`]) and Telegram's
//! limits ([`limits`]); a bad one is answered `400 Bad Request` as Telegram would and recorded
//! as a [`Violation`], so a test can fail on any. Faults can be injected on demand: 429 past a
//! rate, 403 for a user who blocked the bot, 502 for getUpdates.
//!
//! The end-to-end tests, the benchmark and (later) `rider-bot chat` drive the real dispatcher
//! against it by pointing the bot's API URL here.

pub mod balancer;
pub mod limits;
mod methods;
pub mod spec;
mod webhook;

use std::collections::{HashMap, HashSet, VecDeque};
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Router;
use serde_json::{json, Map, Value};
use tokio::sync::Notify;

use self::spec::ApiSpec;

pub const BOT_ID: i64 = 7_000_000_001;
pub const BOT_USERNAME: &str = "rider_test_bot";
pub const TOKEN: &str = "7000000001:emulator-token";

/// A person (or group member) the emulator can send updates as.
#[derive(Debug, Clone)]
pub struct TgUser {
    pub id: i64,
    pub first_name: String,
    pub last_name: Option<String>,
    pub username: Option<String>,
    pub language_code: Option<String>,
}

impl TgUser {
    pub fn new(id: i64, first_name: &str, language_code: Option<&str>) -> Self {
        Self {
            id,
            first_name: first_name.to_owned(),
            last_name: None,
            username: None,
            language_code: language_code.map(str::to_owned),
        }
    }

    pub fn with_username(mut self, username: &str) -> Self {
        self.username = Some(username.to_owned());
        self
    }

    fn json(&self) -> Value {
        let mut v = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(l) = &self.last_name {
            v["last_name"] = json!(l);
        }
        if let Some(u) = &self.username {
            v["username"] = json!(u);
        }
        if let Some(c) = &self.language_code {
            v["language_code"] = json!(c);
        }
        v
    }
}

/// A request the emulator refused: what a test fails on.
#[derive(Debug, Clone)]
pub struct Violation {
    pub method: String,
    pub description: String,
}

/// A message the bot sent, as it stands now (edits applied).
#[derive(Debug, Clone)]
pub struct BotMessage {
    pub chat_id: i64,
    pub message_id: i64,
    /// "text", "photo", "document", "voice", "venue" or "location".
    pub kind: &'static str,
    /// Text or caption as sent (with markup).
    pub raw: String,
    /// What the user sees: markup applied, entities decoded.
    pub text: String,
    pub reply_markup: Option<Value>,
    /// The request's parameters (latest edit merged in).
    pub params: Map<String, Value>,
    pub file: Option<Vec<u8>>,
    /// The name an uploaded file was sent under (a document's name as the user sees it).
    pub file_name: Option<String>,
    pub edits: u32,
    pub deleted: bool,
    /// When the emulator received it.
    pub sent_at: Instant,
}

impl BotMessage {
    /// The labels of the inline buttons, row by row.
    pub fn inline_buttons(&self) -> Vec<(String, String)> {
        self.buttons_of("inline_keyboard")
            .into_iter()
            .map(|b| {
                (
                    b.get("text")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                    b.get("callback_data")
                        .and_then(Value::as_str)
                        .unwrap_or_default()
                        .to_owned(),
                )
            })
            .collect()
    }

    /// The labels of a reply keyboard sent with this message.
    pub fn keyboard_labels(&self) -> Vec<String> {
        self.buttons_of("keyboard")
            .into_iter()
            .map(|b| match b {
                Value::String(s) => s,
                b => b
                    .get("text")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned(),
            })
            .collect()
    }

    /// A reply-keyboard button by label.
    pub fn keyboard_button(&self, label: &str) -> Option<Value> {
        self.buttons_of("keyboard")
            .into_iter()
            .find(|b| b.get("text").and_then(Value::as_str) == Some(label))
    }

    pub fn removes_keyboard(&self) -> bool {
        self.reply_markup
            .as_ref()
            .and_then(|m| m.get("remove_keyboard"))
            .is_some_and(|v| v == &json!(true))
    }

    fn buttons_of(&self, kind: &str) -> Vec<Value> {
        self.reply_markup
            .as_ref()
            .and_then(|m| m.get(kind))
            .and_then(Value::as_array)
            .map(|rows| {
                rows.iter()
                    .filter_map(Value::as_array)
                    .flatten()
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct Faults {
    blocked: HashSet<i64>,
    /// Groups the bot was removed from.
    left_groups: HashSet<i64>,
    /// Sends allowed per second across all chats before 429s.
    rate_limit: Option<u32>,
    recent_sends: VecDeque<Instant>,
    /// Paid broadcasts (`allow_paid_broadcast`) have a limit of their own (up to 1,000/s).
    paid_rate_limit: Option<u32>,
    recent_paid: VecDeque<Instant>,
    fail_get_updates: u32,
    /// The next n getMe are answered 502 Bad Gateway.
    fail_get_me: u32,
    /// Telegram's per-chat limits, when switched on: messages a second into a private chat,
    /// and a minute into a group.
    chat_limits: Option<(u32, u32)>,
    chat_sends: HashMap<i64, VecDeque<Instant>>,
    /// Sends to a chat answered 502 (the next n), or 429 with this retry_after (the next one).
    fail_sends: HashMap<i64, u32>,
    too_many: HashMap<i64, u64>,
    /// 429s answered so far.
    too_many_sent: u64,
    /// Of those, the ones for passing a chat's own limit.
    too_many_in_chats: u64,
    /// The largest upload `sendDocument` takes, when a test lowers it (else 50 MB).
    upload_limit: Option<usize>,
    /// How long each file download takes (a slow network).
    download_delay: Option<Duration>,
    /// How long each `send…` request takes before Telegram answers (a slow network).
    send_delay: Option<Duration>,
    /// How long each `send…` request Telegram has taken (the message delivered) waits before it
    /// is answered: a sender that dies meanwhile never learns it went.
    answer_delay: Option<Duration>,
    /// Downloads being served now, and the most at once so far.
    downloads_now: u32,
    downloads_max: u32,
}

impl Faults {
    /// Whether this getMe fails (one of the next n set to).
    fn take_get_me_failure(&mut self) -> bool {
        let fail = self.fail_get_me > 0;
        self.fail_get_me = self.fail_get_me.saturating_sub(1);
        fail
    }
}

#[derive(Debug)]
struct ChatInfo {
    json: Value,
    next_message_id: i64,
}

impl World {
    fn find_message_mut(&mut self, chat: i64, message_id: i64) -> Option<&mut BotMessage> {
        let i = *self.by_id.get(&(chat, message_id))?;
        Some(&mut self.messages[i]).filter(|m| !m.deleted)
    }

    fn push_message(&mut self, message: BotMessage) {
        let i = self.messages.len();
        self.by_id.insert((message.chat_id, message.message_id), i);
        self.by_chat.entry(message.chat_id).or_default().push(i);
        self.messages.push(message);
    }
}

#[derive(Debug, Default)]
struct World {
    next_update_id: i64,
    /// Delivered-but-unconfirmed and new updates, oldest first.
    updates: VecDeque<(i64, Value)>,
    /// Updates to hand out again whatever the offset (re-delivery).
    redeliver: Vec<Value>,
    /// Every update ever queued, by id, so one can be re-delivered.
    history: HashMap<i64, Value>,
    /// The highest offset getUpdates has confirmed.
    confirmed: i64,
    chats: HashMap<i64, ChatInfo>,
    users: HashMap<i64, TgUser>,
    messages: Vec<BotMessage>,
    /// Indexes into `messages`: by (chat, message id), and each chat's in order.
    by_id: HashMap<(i64, i64), usize>,
    by_chat: HashMap<i64, Vec<usize>>,
    /// Per chat: how many of its bot messages a test has already taken.
    cursors: HashMap<i64, usize>,
    callbacks: HashMap<String, Option<Value>>,
    next_callback: u64,
    files: HashMap<String, (String, Vec<u8>)>,
    commands: Vec<Value>,
    violations: Vec<Violation>,
    requests: HashMap<String, u64>,
    faults: Faults,
    deliveries: webhook::Deliveries,
}

struct Inner {
    world: Mutex<World>,
    updates_ready: Notify,
    bot_sent: Notify,
    spec: &'static ApiSpec,
}

/// A running emulator. Dropping it stops the server.
pub struct Emulator {
    inner: Arc<Inner>,
    addr: SocketAddr,
    server: tokio::task::JoinHandle<()>,
    delivery: tokio::task::JoinHandle<()>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        self.server.abort();
        self.delivery.abort();
    }
}

const WAIT: Duration = Duration::from_secs(10);

impl Emulator {
    /// Starts an emulator on a free port of 127.0.0.1.
    pub async fn start() -> std::io::Result<Emulator> {
        let inner = Arc::new(Inner {
            world: Mutex::new(World {
                next_update_id: 100,
                ..World::default()
            }),
            updates_ready: Notify::new(),
            bot_sent: Notify::new(),
            spec: ApiSpec::get(),
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        // Uploads up to Telegram's limits are read (a photo of 10 MB, a document of 50 MB);
        // the limit itself is checked per method, answered as Telegram does.
        let app = Router::new()
            .fallback(serve)
            .layer(axum::extract::DefaultBodyLimit::max(
                limits::MAX_UPLOAD_BYTES + (1 << 20),
            ))
            .with_state(inner.clone());
        let delivery = tokio::spawn(webhook::deliver(inner.clone()));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Emulator {
            inner,
            addr,
            server,
            delivery,
        })
    }

    /// The URL to give the bot as `TELOXIDE_API_URL`.
    pub fn api_url(&self) -> url::Url {
        url::Url::parse(&format!("http://{}/", self.addr)).expect("valid url")
    }

    pub fn token(&self) -> &'static str {
        TOKEN
    }

    fn world(&self) -> MutexGuard<'_, World> {
        lock(&self.inner)
    }

    /// Makes a user known, with their private chat.
    pub fn add_user(&self, user: TgUser) {
        let mut w = self.world();
        w.chats.entry(user.id).or_insert_with(|| ChatInfo {
            json: json!({"id": user.id, "type": "private", "first_name": user.first_name}),
            next_message_id: 1,
        });
        w.users.insert(user.id, user);
    }

    /// Makes a group known (coordinators' group, say).
    pub fn add_group(&self, id: i64, title: &str) {
        self.world().chats.entry(id).or_insert_with(|| ChatInfo {
            json: json!({"id": id, "type": "supergroup", "title": title}),
            next_message_id: 1,
        });
    }

    /// Removes the bot from group `id` (as a member removing it would): the group is no longer
    /// reachable and sends to it are refused.
    pub fn remove_bot_from_group(&self, id: i64) {
        self.world().faults.left_groups.insert(id);
    }

    pub fn has_user(&self, id: i64) -> bool {
        self.world().users.contains_key(&id)
    }

    fn user(&self, id: i64) -> TgUser {
        self.world()
            .users
            .get(&id)
            .cloned()
            .unwrap_or_else(|| panic!("emulator: user {id} was not added"))
    }

    fn push_update(&self, kind: &str, payload: Value) -> i64 {
        let id = {
            let mut w = self.world();
            let id = w.next_update_id;
            w.next_update_id += 1;
            let update = json!({"update_id": id, kind: payload});
            w.history.insert(id, update.clone());
            w.updates.push_back((id, update));
            id
        };
        self.inner.updates_ready.notify_waiters();
        id
    }

    fn next_message_id(&self, chat: i64) -> i64 {
        let mut w = self.world();
        let info = w.chats.get_mut(&chat).expect("chat exists");
        let id = info.next_message_id;
        info.next_message_id += 1;
        id
    }

    /// A message from `user` in their private chat, with `fields` (text, contact, ...) merged in.
    pub fn send_message_fields(&self, user: i64, fields: Value) -> i64 {
        let u = self.user(user);
        let chat = self.world().chats[&user].json.clone();
        let mut msg = json!({
            "message_id": self.next_message_id(user),
            "from": u.json(),
            "chat": chat,
            "date": now(),
        });
        merge(&mut msg, fields);
        self.push_update("message", msg)
    }

    /// Text (or a command) from `user`. Returns the update id.
    pub fn send_text(&self, user: i64, text: &str) -> i64 {
        let mut fields = json!({"text": text});
        if let Some(cmd) = text.strip_prefix('/') {
            let len = 1 + cmd
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .encode_utf16()
                .count();
            fields["entities"] = json!([{"type": "bot_command", "offset": 0, "length": len}]);
        }
        self.send_message_fields(user, fields)
    }

    /// `user` shares a contact; `owner` is whose contact it is (None: a contact not on Telegram).
    pub fn send_contact(&self, user: i64, phone: &str, owner: Option<i64>) -> i64 {
        let mut contact = json!({"phone_number": phone, "first_name": "Contact"});
        if let Some(owner) = owner {
            contact["user_id"] = json!(owner);
        }
        self.send_message_fields(user, json!({"contact": contact}))
    }

    pub fn send_location(&self, user: i64, latitude: f64, longitude: f64) -> i64 {
        self.send_message_fields(
            user,
            json!({"location": {"latitude": latitude, "longitude": longitude}}),
        )
    }

    pub fn send_sticker(&self, user: i64) -> i64 {
        self.send_message_fields(
            user,
            json!({"sticker": {"file_id": "sticker-1", "file_unique_id": "s1", "type": "regular",
                               "width": 512, "height": 512, "is_animated": false, "is_video": false}}),
        )
    }

    pub fn send_voice(&self, user: i64) -> i64 {
        self.send_message_fields(
            user,
            json!({"voice": {"file_id": "voice-1", "file_unique_id": "v1", "duration": 3}}),
        )
    }

    /// A voice note of `seconds` from `user` (an OGG file the bot can fetch or send on by its
    /// id), with an optional caption.
    pub fn send_voice_note(&self, user: i64, seconds: u32, caption: Option<&str>) -> i64 {
        let bytes = b"OggS\0voice".to_vec();
        let size = bytes.len();
        let id = self.upload(bytes, "voice/file.oga");
        let mut fields = json!({"voice": {"file_id": id, "file_unique_id": format!("u{id}"),
                                          "duration": seconds, "mime_type": "audio/ogg",
                                          "file_size": size}});
        if let Some(c) = caption {
            fields["caption"] = json!(c);
        }
        self.send_message_fields(user, fields)
    }

    /// Stores `bytes` as a file the bot can fetch with getFile. Returns its file_id.
    pub fn upload(&self, bytes: Vec<u8>, path: &str) -> String {
        let mut w = self.world();
        let id = format!("file-{}", w.files.len() + 1);
        // Each upload its own path, as Telegram's are (two photos never share one).
        w.files.insert(id.clone(), (format!("{id}/{path}"), bytes));
        id
    }

    pub fn send_document(&self, user: i64, file_name: &str, mime: &str, bytes: Vec<u8>) -> i64 {
        let size = bytes.len();
        let id = self.upload(bytes, &format!("documents/{file_name}"));
        self.send_message_fields(
            user,
            json!({"document": {"file_id": id, "file_unique_id": format!("u{id}"), "file_name": file_name,
                                "mime_type": mime, "file_size": size}}),
        )
    }

    pub fn send_photo(&self, user: i64, bytes: Vec<u8>, caption: Option<&str>) -> i64 {
        let size = bytes.len();
        let id = self.upload(bytes, "photos/photo.jpg");
        let mut fields = json!({"photo": [{"file_id": id, "file_unique_id": format!("u{id}"),
                                          "width": 1280, "height": 960, "file_size": size}]});
        if let Some(c) = caption {
            fields["caption"] = json!(c);
        }
        self.send_message_fields(user, fields)
    }

    /// `user` edits their earlier message `message_id` to `text`.
    pub fn edit_text(&self, user: i64, message_id: i64, text: &str) -> i64 {
        let u = self.user(user);
        let chat = self.world().chats[&user].json.clone();
        self.push_update(
            "edited_message",
            json!({"message_id": message_id, "from": u.json(), "chat": chat, "date": now(),
                   "edit_date": now(), "text": text}),
        )
    }

    /// `user` writes `text` in group `group`.
    pub fn group_text(&self, group: i64, user: i64, text: &str) -> i64 {
        let u = self.user(user);
        let chat = self.world().chats[&group].json.clone();
        let id = self.next_message_id(group);
        self.push_update(
            "message",
            json!({"message_id": id, "from": u.json(), "chat": chat, "date": now(), "text": text}),
        )
    }

    /// `user` answers the bot's message `reply_to` in group `group` with `text` (or, with
    /// `text` `None`, with a sticker).
    pub fn group_reply(&self, group: i64, user: i64, reply_to: i64, text: Option<&str>) -> i64 {
        let u = self.user(user);
        let chat = self.world().chats[&group].json.clone();
        let original = self
            .message(group, reply_to)
            .map(|m| m.text)
            .unwrap_or_default();
        let id = self.next_message_id(group);
        let mut msg = json!({"message_id": id, "from": u.json(), "chat": chat, "date": now(),
                             "reply_to_message": {"message_id": reply_to, "date": now(),
                                                  "chat": chat, "from": {"id": BOT_ID, "is_bot": true,
                                                           "first_name": "Rider Bot",
                                                           "username": BOT_USERNAME},
                                                  "text": original}});
        match text {
            Some(t) => msg["text"] = json!(t),
            None => {
                msg["sticker"] = json!({"file_id": "sticker-1", "file_unique_id": "s1",
                                        "type": "regular", "width": 512, "height": 512,
                                        "is_animated": false, "is_video": false})
            }
        }
        self.push_update("message", msg)
    }

    /// A post in a channel the bot is in.
    pub fn channel_post(&self, channel: i64, text: &str) -> i64 {
        self.push_update(
            "channel_post",
            json!({"message_id": 1, "chat": {"id": channel, "type": "channel", "title": "News"},
                   "sender_chat": {"id": channel, "type": "channel", "title": "News"},
                   "date": now(), "text": text}),
        )
    }

    /// `user` blocks (or unblocks) the bot: a `my_chat_member` update, and sends to them fail
    /// with 403 while blocked.
    pub fn set_blocked(&self, user: i64, blocked: bool) -> i64 {
        let u = self.user(user);
        let chat = self.world().chats[&user].json.clone();
        if blocked {
            self.world().faults.blocked.insert(user);
        } else {
            self.world().faults.blocked.remove(&user);
        }
        let bot = json!({"id": BOT_ID, "is_bot": true, "first_name": "Rider Bot", "username": BOT_USERNAME});
        let (old, new) = if blocked {
            (
                json!({"status": "member", "user": bot}),
                json!({"status": "kicked", "user": bot, "until_date": 0}),
            )
        } else {
            (
                json!({"status": "kicked", "user": bot, "until_date": 0}),
                json!({"status": "member", "user": bot}),
            )
        };
        self.push_update(
            "my_chat_member",
            json!({"chat": chat, "from": u.json(), "date": now(), "old_chat_member": old, "new_chat_member": new}),
        )
    }

    /// `user` presses the inline button labelled `label` on the bot's message. Panics when the
    /// message has no such button (a test asking for a button that is not there is wrong).
    pub fn press(&self, user: i64, message: &BotMessage, label: &str) -> String {
        let current = self
            .message(message.chat_id, message.message_id)
            .expect("message exists");
        let data = current
            .inline_buttons()
            .into_iter()
            .find(|(text, _)| text == label)
            .map(|(_, data)| data)
            .unwrap_or_else(|| {
                panic!(
                    "no button {label:?} on message: {:?}",
                    current.inline_buttons()
                )
            });
        self.press_data(user, message.chat_id, message.message_id, &data)
    }

    /// A callback query with any `data` on message `message_id` (a forged button, or a stale one).
    pub fn press_data(&self, user: i64, chat: i64, message_id: i64, data: &str) -> String {
        let u = self.user(user);
        let (query_id, message) = {
            let mut w = self.world();
            w.next_callback += 1;
            let query_id = format!("cbq-{}", w.next_callback);
            w.callbacks.insert(query_id.clone(), None);
            let chat_json = w
                .chats
                .get(&chat)
                .map(|c| c.json.clone())
                .unwrap_or(json!({"id": chat, "type": "private"}));
            let mut message = json!({"message_id": message_id, "date": now(), "chat": chat_json,
                                 "from": {"id": BOT_ID, "is_bot": true, "first_name": "Rider Bot"},
                                 "text": "…"});
            // As Telegram does, the message carries the inline keyboard it shows now.
            let shown = w
                .find_message_mut(chat, message_id)
                .and_then(|m| m.reply_markup.clone())
                .filter(|m| m.get("inline_keyboard").is_some());
            if let Some(kb) = shown {
                message["reply_markup"] = kb;
            }
            (query_id, message)
        };
        self.push_update(
            "callback_query",
            json!({"id": query_id, "from": u.json(), "message": message,
                   "chat_instance": format!("ci-{chat}"), "data": data}),
        );
        query_id
    }

    /// Hands update `update_id` to the bot again, as Telegram does after a lost confirmation.
    pub fn redeliver(&self, update_id: i64) {
        {
            let mut w = self.world();
            let update = w.history.get(&update_id).cloned().expect("known update");
            w.redeliver.push(update);
        }
        self.inner.updates_ready.notify_waiters();
    }

    /// Update `update_id` as it was sent (to post it again by hand).
    pub fn update_json(&self, update_id: i64) -> Value {
        self.world()
            .history
            .get(&update_id)
            .cloned()
            .expect("known update")
    }

    /// Updates not yet taken by the bot (by getUpdates or its webhook).
    pub fn pending_updates(&self) -> usize {
        self.world().updates.len()
    }

    /// Webhook deliveries the bot answered 2xx.
    pub fn webhook_deliveries(&self) -> u64 {
        self.world().deliveries.delivered
    }

    /// Waits until the bot has fetched and confirmed update `update_id` (its next getUpdates
    /// passed it), so a test can stop the bot knowing the update reached it.
    pub async fn wait_confirmed(&self, update_id: i64) -> bool {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if self.world().confirmed > update_id {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        false
    }

    /// The next message the bot sends to `chat` that the caller has not taken yet; `None` if
    /// none comes within 10 s.
    pub async fn next_message(&self, chat: i64) -> Option<BotMessage> {
        self.next_message_within(chat, WAIT).await
    }

    /// [`Emulator::next_message`] with a chosen wait.
    pub async fn next_message_within(&self, chat: i64, wait: Duration) -> Option<BotMessage> {
        let deadline = Instant::now() + wait;
        loop {
            let notified = self.inner.bot_sent.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            {
                let mut w = self.world();
                let taken = w.cursors.get(&chat).copied().unwrap_or(0);
                let next = w
                    .by_chat
                    .get(&chat)
                    .and_then(|list| list.get(taken))
                    .map(|&i| w.messages[i].clone());
                if let Some(next) = next {
                    w.cursors.insert(chat, taken + 1);
                    return Some(next);
                }
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                return None;
            }
        }
    }

    /// Messages sent to `chat` that have not been taken with [`Emulator::next_message`].
    pub fn untaken(&self, chat: i64) -> Vec<BotMessage> {
        let w = self.world();
        let taken = w.cursors.get(&chat).copied().unwrap_or(0);
        w.by_chat
            .get(&chat)
            .map(|list| {
                list.iter()
                    .skip(taken)
                    .map(|&i| w.messages[i].clone())
                    .collect()
            })
            .unwrap_or_default()
    }

    /// A bot message as it stands now.
    pub fn message(&self, chat: i64, message_id: i64) -> Option<BotMessage> {
        let w = self.world();
        w.by_id
            .get(&(chat, message_id))
            .map(|&i| w.messages[i].clone())
    }

    /// Every message the bot sent to `chat`, as each stands now.
    pub fn chat_messages(&self, chat: i64) -> Vec<BotMessage> {
        let w = self.world();
        w.by_chat
            .get(&chat)
            .map(|list| list.iter().map(|&i| w.messages[i].clone()).collect())
            .unwrap_or_default()
    }

    /// How many messages the bot has sent in all.
    pub fn sent_count(&self) -> usize {
        self.world().messages.len()
    }

    /// Waits until the bot has sent `n` messages in all; false on timeout.
    pub async fn wait_sent_count(&self, n: usize, wait: Duration) -> bool {
        let deadline = Instant::now() + wait;
        loop {
            let notified = self.inner.bot_sent.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if self.sent_count() >= n {
                return true;
            }
            let left = deadline.saturating_duration_since(Instant::now());
            if left.is_zero() || tokio::time::timeout(left, notified).await.is_err() {
                return self.sent_count() >= n;
            }
        }
    }

    /// Every message the bot sent, in order.
    pub fn all_messages(&self) -> Vec<BotMessage> {
        self.world().messages.clone()
    }

    /// The answer to callback query `id`: `None` if unanswered, else answerCallbackQuery's
    /// parameters.
    pub fn callback_answer(&self, id: &str) -> Option<Value> {
        self.world().callbacks.get(id).cloned().flatten()
    }

    /// Waits for the bot to answer callback query `id`.
    pub async fn wait_callback_answer(&self, id: &str) -> Option<Value> {
        let deadline = Instant::now() + WAIT;
        while Instant::now() < deadline {
            if let Some(answer) = self.callback_answer(id) {
                return Some(answer);
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        None
    }

    /// The command lists set with setMyCommands (each the request's parameters).
    pub fn command_sets(&self) -> Vec<Value> {
        self.world().commands.clone()
    }

    pub fn violations(&self) -> Vec<Violation> {
        self.world().violations.clone()
    }

    /// Removes and returns the violations recorded so far (for tests that provoke them).
    pub fn take_violations(&self) -> Vec<Violation> {
        std::mem::take(&mut self.world().violations)
    }

    /// How many requests of `method` (any case) the bot made.
    pub fn request_count(&self, method: &str) -> u64 {
        self.world()
            .requests
            .get(&method.to_ascii_lowercase())
            .copied()
            .unwrap_or(0)
    }

    /// Every method the bot called (in lower case) and how many times.
    pub fn request_counts(&self) -> Vec<(String, u64)> {
        let mut counts: Vec<(String, u64)> = self
            .world()
            .requests
            .iter()
            .map(|(m, n)| (m.clone(), *n))
            .collect();
        counts.sort();
        counts
    }

    /// Answers 429 past `per_second` paid-broadcast sends (None: no limit).
    pub fn set_paid_rate_limit(&self, per_second: Option<u32>) {
        self.world().faults.paid_rate_limit = per_second;
    }

    /// Answers 429 past `per_second` sends (None: no limit).
    pub fn set_rate_limit(&self, per_second: Option<u32>) {
        self.world().faults.rate_limit = per_second;
    }

    /// Switches Telegram's per-chat limits on (`None`: off): `private_per_second` into one
    /// private chat, `group_per_minute` into one group; past them a send gets 429.
    pub fn set_chat_limits(&self, limits: Option<(u32, u32)>) {
        self.world().faults.chat_limits = limits;
    }

    /// Answers the next `n` sends to `chat` with 502 Bad Gateway.
    pub fn fail_sends(&self, chat: i64, n: u32) {
        self.world().faults.fail_sends.insert(chat, n);
    }

    /// How many 429s the emulator has answered.
    pub fn too_many_count(&self) -> u64 {
        self.world().faults.too_many_sent
    }

    /// How many of those were for a chat's own limit (`set_chat_limits`), not the bot's.
    pub fn too_many_in_chats(&self) -> u64 {
        self.world().faults.too_many_in_chats
    }

    /// The user blocks the bot without the bot hearing of it yet (its next send gets 403).
    pub fn block_quietly(&self, user: i64) {
        self.world().faults.blocked.insert(user);
    }

    /// Answers the next send to `chat` with 429 and `retry_after`.
    pub fn too_many_once(&self, chat: i64, retry_after: u64) {
        self.world().faults.too_many.insert(chat, retry_after);
    }

    /// Lowers (or, with `None`, restores) the 50 MB limit on files uploaded with
    /// `sendDocument`, so a test can cross it without 50 MB of data.
    pub fn set_upload_limit(&self, bytes: Option<usize>) {
        self.world().faults.upload_limit = bytes;
    }

    /// Makes every `send…` request take `delay` before it is handled and answered.
    pub fn set_send_delay(&self, delay: Option<Duration>) {
        self.world().faults.send_delay = delay;
    }

    /// Makes every `send…` request wait `delay` after it is handled (the message delivered, or
    /// refused) before it is answered.
    pub fn set_answer_delay(&self, delay: Option<Duration>) {
        self.world().faults.answer_delay = delay;
    }

    /// Makes every file download take `delay`.
    pub fn set_download_delay(&self, delay: Option<Duration>) {
        self.world().faults.download_delay = delay;
    }

    /// The most file downloads served at the same time so far.
    pub fn max_concurrent_downloads(&self) -> u32 {
        self.world().faults.downloads_max
    }

    /// Answers the next `n` getUpdates with 502 Bad Gateway.
    pub fn fail_get_updates(&self, n: u32) {
        self.world().faults.fail_get_updates = n;
    }

    /// Answers the next `n` getMe with 502 Bad Gateway.
    pub fn fail_get_me(&self, n: u32) {
        self.world().faults.fail_get_me = n;
    }
}

fn lock(inner: &Inner) -> MutexGuard<'_, World> {
    inner
        .world
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

fn merge(target: &mut Value, fields: Value) {
    if let (Some(t), Value::Object(f)) = (target.as_object_mut(), fields) {
        t.extend(f);
    }
}

/// A Bot API error as Telegram shapes it.
fn error(code: u16, description: &str, parameters: Option<Value>) -> Response {
    let mut body = json!({"ok": false, "error_code": code, "description": description});
    if let Some(p) = parameters {
        body["parameters"] = p;
    }
    (
        StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST),
        axum::Json(body),
    )
        .into_response()
}

/// A request's parameters, whatever its encoding, with the names of its file parts.
struct Params {
    values: Map<String, Value>,
    files: HashMap<String, Vec<u8>>,
    /// The file name each file part was uploaded under.
    file_names: HashMap<String, String>,
}

async fn read_params(
    req: Request,
    spec_method: Option<&spec::Method>,
    spec: &ApiSpec,
) -> Result<Params, String> {
    let content_type = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase();
    let query = req.uri().query().map(str::to_owned);
    let mut values = Map::new();
    let mut files = HashMap::new();
    let mut file_names = HashMap::new();
    if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, &())
            .await
            .map_err(|e| too_large_or(e.status(), e.to_string()))?;
        while let Some(field) = multipart
            .next_field()
            .await
            .map_err(|e| too_large_or(e.status(), e.to_string()))?
        {
            let name = field.name().unwrap_or_default().to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let bytes = field
                .bytes()
                .await
                .map_err(|e| too_large_or(e.status(), e.to_string()))?;
            if let Some(file_name) = file_name {
                file_names.insert(name.clone(), file_name);
                files.insert(name, bytes.to_vec());
            } else {
                let text = String::from_utf8_lossy(&bytes).into_owned();
                values.insert(name.clone(), typed(spec_method, spec, &name, text));
            }
        }
    } else {
        let body: Bytes = axum::body::to_bytes(req.into_body(), 64 << 20)
            .await
            .map_err(|e| e.to_string())?;
        if content_type.starts_with("application/json") && !body.is_empty() {
            match serde_json::from_slice::<Value>(&body).map_err(|e| e.to_string())? {
                Value::Object(map) => values = map,
                _ => return Err("the JSON body must be an object".into()),
            }
        } else if !body.is_empty() {
            for (k, v) in url::form_urlencoded::parse(&body) {
                values.insert(k.to_string(), typed(spec_method, spec, &k, v.into_owned()));
            }
        }
    }
    if let Some(q) = query {
        for (k, v) in url::form_urlencoded::parse(q.as_bytes()) {
            values.insert(k.to_string(), typed(spec_method, spec, &k, v.into_owned()));
        }
    }
    Ok(Params {
        values,
        files,
        file_names,
    })
}

/// What Telegram answers (413) to a request larger than it reads.
const TOO_LARGE: &str = "Request Entity Too Large";

/// A multipart error as its description, or [`TOO_LARGE`] when the body was over the limit.
fn too_large_or(status: StatusCode, description: String) -> String {
    if status == StatusCode::PAYLOAD_TOO_LARGE {
        TOO_LARGE.to_owned()
    } else {
        description
    }
}

/// A form or multipart string as the value its field's type wants.
fn typed(method: Option<&spec::Method>, spec: &ApiSpec, name: &str, text: String) -> Value {
    let Some(types) = method.and_then(|m| spec.field_types(m, name)) else {
        return Value::String(text);
    };
    for ty in types {
        match ty.as_str() {
            "Integer" => {
                if let Ok(n) = text.parse::<i64>() {
                    return json!(n);
                }
            }
            "Float" => {
                if let Ok(n) = text.parse::<f64>() {
                    return json!(n);
                }
            }
            "Boolean" => match text.as_str() {
                "true" | "True" => return json!(true),
                "false" | "False" => return json!(false),
                _ => {}
            },
            "String" | "InputFile" => {}
            _ => {
                if let Ok(v) = serde_json::from_str::<Value>(&text) {
                    if v.is_object() || v.is_array() {
                        return v;
                    }
                }
            }
        }
    }
    Value::String(text)
}

async fn serve(State(inner): State<Arc<Inner>>, req: Request) -> Response {
    let path = req.uri().path().to_owned();
    let segments: Vec<&str> = path.trim_start_matches('/').splitn(3, '/').collect();
    match segments.as_slice() {
        ["file", bot_token, file_path] => download(&inner, bot_token, file_path).await,
        [bot_token, method] => {
            if bot_token.strip_prefix("bot") != Some(TOKEN) {
                record(&inner, method, "Unauthorized: wrong token");
                return error(401, "Unauthorized", None);
            }
            let method_name = (*method).to_owned();
            call(&inner, &method_name, req).await
        }
        _ => error(404, "Not Found", None),
    }
}

async fn download(inner: &Inner, bot_token: &str, file_path: &str) -> Response {
    if bot_token.strip_prefix("bot") != Some(TOKEN) {
        return error(401, "Unauthorized", None);
    }
    // Clients percent-encode the path as one segment ("photos%2Ffile.jpg"); Telegram decodes it.
    let file_path = percent_encoding::percent_decode_str(file_path).decode_utf8_lossy();
    let (found, delay) = {
        let mut w = lock(inner);
        let found = w
            .files
            .values()
            .find(|(p, _)| *p == file_path)
            .map(|(_, b)| b.clone());
        let f = &mut w.faults;
        f.downloads_now += 1;
        f.downloads_max = f.downloads_max.max(f.downloads_now);
        (found, f.download_delay)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    lock(inner).faults.downloads_now -= 1;
    match found {
        Some(bytes) => (StatusCode::OK, bytes).into_response(),
        None => error(404, "Not Found: file", None),
    }
}

fn record(inner: &Inner, method: &str, description: &str) {
    tracing::warn!(method, description, "emulator: Bot API violation");
    lock(inner).violations.push(Violation {
        method: method.to_owned(),
        description: description.to_owned(),
    });
}

async fn call(inner: &Arc<Inner>, method: &str, req: Request) -> Response {
    let spec = inner.spec;
    *lock(inner)
        .requests
        .entry(method.to_ascii_lowercase())
        .or_default() += 1;
    let Some(spec_method) = spec.method(method) else {
        record(inner, method, "Not Found: method not found");
        return error(404, "Not Found: method not found", None);
    };
    let params = match read_params(req, Some(spec_method), spec).await {
        Ok(p) => p,
        Err(why) if why == TOO_LARGE => {
            record(inner, method, TOO_LARGE);
            return error(413, TOO_LARGE, None);
        }
        Err(why) => {
            record(inner, method, &format!("unreadable request: {why}"));
            return error(400, &format!("Bad Request: {why}"), None);
        }
    };
    let file_names: HashSet<String> = params.files.keys().cloned().collect();
    let problems = spec.check(spec_method, &params.values, &file_names);
    if !problems.is_empty() {
        let description = format!("Bad Request: {}", problems.join("; "));
        record(inner, &spec_method.name, &description);
        return error(400, &description, None);
    }
    let delay = lock(inner).faults.send_delay;
    if let (Some(delay), true) = (delay, spec_method.name.starts_with("send")) {
        tokio::time::sleep(delay).await;
    }
    let handled = methods::handle(inner, &spec_method.name, params).await;
    let delay = lock(inner).faults.answer_delay;
    if let (Some(delay), true) = (delay, spec_method.name.starts_with("send")) {
        tokio::time::sleep(delay).await;
    }
    match handled {
        Ok(result) => axum::Json(json!({"ok": true, "result": result})).into_response(),
        Err(methods::Refusal::BadRequest(why)) => {
            let description = format!("Bad Request: {why}");
            record(inner, &spec_method.name, &description);
            error(400, &description, None)
        }
        Err(methods::Refusal::Forbidden(why)) => error(403, &format!("Forbidden: {why}"), None),
        Err(methods::Refusal::TooMany(retry_after)) => {
            lock(inner).faults.too_many_sent += 1;
            error(
                429,
                &format!("Too Many Requests: retry after {retry_after}"),
                Some(json!({"retry_after": retry_after})),
            )
        }
        Err(methods::Refusal::BadGateway) => error(502, "Bad Gateway", None),
        Err(methods::Refusal::Conflict(description)) => {
            record(inner, &spec_method.name, description);
            error(409, description, None)
        }
        Err(methods::Refusal::TooLarge) => {
            record(inner, &spec_method.name, TOO_LARGE);
            error(413, TOO_LARGE, None)
        }
        Err(methods::Refusal::NotImplemented) => {
            let description = format!("the emulator does not implement {}", spec_method.name);
            record(inner, &spec_method.name, &description);
            error(501, &description, None)
        }
    }
}
