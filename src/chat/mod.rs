//! `rider-bot chat`: the whole bot in a terminal, offline. The real dispatcher runs against an
//! in-process Bot API emulator on a fresh (or given) database, and the person at the terminal
//! plays a rider, a coordinator or anyone else.
//!
//! Text and /commands go to the bot as in Telegram; a number presses that inline button of the
//! latest message that has them; a letter presses that reply-keyboard button (a location button
//! shares a demo position in the district, a phone button shares your own contact). Colon
//! commands do the rest: `:help` lists them.

pub mod render;

use std::collections::HashMap;
use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::sync::mpsc;

use crate::config::Config;
use crate::emulator::{BotMessage, Emulator, TgUser};
use crate::i18n::Lang;
use crate::startup::{Application, StartupError};

/// Where a location button puts you: Loufeng subdistrict, Suzhou Industrial Park (WGS-84).
pub const DEMO_POSITION: (f64, f64) = (31.3245, 120.7249);
/// The rider you are when the chat starts.
pub const FIRST_RIDER: i64 = 1001;
/// The coordinator id used when `COORDINATOR_IDS` is not configured.
pub const DEMO_COORDINATOR: i64 = 900;
/// The coordinators' group used when `COORDINATOR_CHAT_ID` is not configured.
pub const DEMO_GROUP: i64 = -1_001_000_000_001;

#[derive(Debug, thiserror::Error)]
pub enum ChatError {
    #[error(transparent)]
    Startup(#[from] StartupError),
    #[error("cannot start the Bot API emulator: {0}")]
    Emulator(std::io::Error),
    #[error("cannot prepare {0}: {1}")]
    Dir(PathBuf, std::io::Error),
    #[error(transparent)]
    Seed(#[from] crate::seeds::SeedError),
    #[error("{0} does not exist in the district's time zone (a clock change skips it)")]
    Time(chrono::NaiveDateTime),
    #[error(transparent)]
    Db(#[from] crate::db::DbError),
}

#[derive(Debug, Clone)]
pub struct ChatOptions {
    /// The SQLite file to use; a fresh one in a temporary folder when `None`.
    pub db: Option<PathBuf>,
    /// Load the demo seeds first.
    pub seed: bool,
    /// Read the seeds from this folder instead of the ones compiled in.
    pub seeds_dir: Option<PathBuf>,
    /// The language your Telegram reports (the bot's first guess).
    pub lang: Lang,
    /// Start the bot's clock at this district time (to see the stations at night, say); it
    /// then stands still. The real clock when `None`.
    pub at: Option<chrono::NaiveDateTime>,
}

struct Session {
    emu: Emulator,
    pool: crate::db::Pool,
    lang: Lang,
    me: i64,
    group: i64,
    coordinators: Vec<i64>,
    /// Per chat: the latest message with inline buttons, and the reply keyboard on screen.
    inline: HashMap<i64, i64>,
    /// Set by `:group` until the next input that is not a button number: numbers then press
    /// the group's buttons.
    in_group: bool,
    keyboard: HashMap<i64, Vec<(String, Value)>>,
    /// Where photos and documents the bot sends are written, to open them.
    received: PathBuf,
    /// Per (chat, message): how many edits have been shown, and the text shown last.
    shown: HashMap<(i64, i64), (u32, String)>,
    out: Box<dyn Write + Send>,
}

/// Runs a chat session until `:quit` or the end of input.
pub async fn run(mut config: Config, options: ChatOptions) -> Result<(), ChatError> {
    let workdir = std::env::temp_dir().join(format!("rider-bot-chat-{}", std::process::id()));
    std::fs::create_dir_all(&workdir).map_err(|e| ChatError::Dir(workdir.clone(), e))?;
    let db = options
        .db
        .clone()
        .unwrap_or_else(|| workdir.join("chat.db"));

    let emu = Emulator::start().await.map_err(ChatError::Emulator)?;
    config.token =
        Some(crate::config::BotToken::parse(emu.token()).expect("emulator token is valid"));
    config.api_url = Some(emu.api_url());
    config.database_url = format!("sqlite://{}", db.display());
    config.media_dir = workdir.join("media");
    config.polling_timeout = Duration::from_secs(1);
    // An offline session serves no HTTP: a bot running beside it may hold HTTP_ADDR.
    config.http_addr = None;
    if let Some(at) = options.at {
        use chrono::TimeZone;
        let at = config
            .timezone
            .from_local_datetime(&at)
            .earliest()
            .ok_or(ChatError::Time(at))?;
        config.clock = crate::clock::Clock::fixed(at.with_timezone(&chrono::Utc));
    }
    if config.coordinator_ids.is_empty() {
        config.coordinator_ids = vec![DEMO_COORDINATOR];
    }
    let group = *config.coordinator_chat_id.get_or_insert(DEMO_GROUP);
    emu.add_group(group, "Coordinators");
    for &id in &config.coordinator_ids {
        emu.add_user(
            TgUser::new(
                id,
                &format!("Coordinator {id}"),
                Some(options.lang.telegram_code()),
            )
            .with_username(&format!("coordinator{id}")),
        );
    }
    emu.add_user(
        TgUser::new(FIRST_RIDER, "Rider", Some(options.lang.telegram_code()))
            .with_username("rider1001"),
    );

    if options.seed {
        let pool =
            crate::db::connect_and_migrate_sized(&config.database_url, config.database_pool_size)
                .await?;
        let report = match &options.seeds_dir {
            Some(dir) => crate::seeds::load_dir(&pool, dir).await?,
            None => crate::seeds::load_embedded(&pool).await?,
        };
        print!("{report}");
        pool.close().await;
    }

    let app = Application::build(&config).await?;
    let pool = app.pool().clone();
    let token = app.shutdown_token();
    let running = tokio::spawn(app.run_until_stopped());

    let mut session = Session {
        emu,
        pool,
        lang: options.lang,
        me: FIRST_RIDER,
        group,
        coordinators: config.coordinator_ids.clone(),
        inline: HashMap::new(),
        in_group: false,
        keyboard: HashMap::new(),
        shown: HashMap::new(),
        received: workdir.join("received"),
        out: Box::new(std::io::stdout()),
    };
    session.say(&format!(
        "rider-bot chat (offline). You are rider {FIRST_RIDER}. Coordinators: {:?}. Database: {}\n\
         Type as in Telegram, or :help. Try /start.",
        session.coordinators,
        db.display()
    ));

    let mut lines = read_lines();
    while let Some(line) = lines.recv().await {
        if !session.handle(line.trim()).await {
            break;
        }
    }

    crate::startup::shutdown(&token).await;
    let _ = running.await;
    if options.db.is_none() {
        let _ = std::fs::remove_dir_all(&workdir);
    } else {
        session.say(&format!(
            "(files the bot sent are in {})",
            workdir.join("received").display()
        ));
    }
    Ok(())
}

/// A small picture for `:photo` without a file: a 64 × 48 gradient, as PNG.
pub fn demo_picture() -> Vec<u8> {
    let (w, h) = (64u32, 48u32);
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, w, h);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let pixels: Vec<u8> = (0..h)
        .flat_map(|y| (0..w).flat_map(move |x| [(x * 4) as u8, (y * 5) as u8, 160]))
        .collect();
    if let Ok(mut writer) = enc.write_header() {
        let _ = writer.write_image_data(&pixels);
    }
    out
}

/// Lines from the terminal (with editing and history) or from piped input.
fn read_lines() -> mpsc::Receiver<String> {
    let (tx, rx) = mpsc::channel(16);
    std::thread::spawn(move || {
        if std::io::stdin().is_terminal() {
            let Ok(mut editor) = rustyline::DefaultEditor::new() else {
                return;
            };
            while let Ok(line) = editor.readline("> ") {
                let _ = editor.add_history_entry(line.as_str());
                if tx.blocking_send(line).is_err() {
                    break;
                }
            }
        } else {
            for line in std::io::stdin().lock().lines() {
                let Ok(line) = line else { break };
                if tx.blocking_send(line).is_err() {
                    break;
                }
            }
        }
    });
    rx
}

const HELP: &str = "\
Type text or /commands as in Telegram.
  1, 2, ...            press that inline button on the latest message that has them
  a, b, ...            press that reply-keyboard button (location and phone buttons share them)
  :location LAT LNG    share a location (WGS-84)
  :location CODE       share the position of a station (e.g. LF-C01 with --seed)
  :live LAT LNG | CODE share a live location there (checks you in to a session you have a
                       seat in, when its check-in is open and you are near its station)
  :photo [FILE]        send a photo (without FILE, a demo picture)
  :file FILE           send a file as a document (an image keeps its metadata until the bot strips it)
  :contact             share your own phone number
  :as ID [name]        become another user (a coordinator id, or a new rider)
  :group               show the coordinators' group; numbers then press its latest buttons
  :help                this list
  :quit                leave";

impl Session {
    /// The person shares a location, live (for 15 minutes) or once.
    fn share_location(&self, lat: f64, lng: f64, live: bool) {
        let mut location = serde_json::json!({"latitude": lat, "longitude": lng});
        if live {
            location["live_period"] = serde_json::json!(900);
        }
        self.emu
            .send_message_fields(self.me, serde_json::json!({ "location": location }));
    }

    fn say(&mut self, text: &str) {
        let _ = writeln!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// Handles one input line; false to stop.
    async fn handle(&mut self, line: &str) -> bool {
        if line.is_empty() {
            return true;
        }
        self.say(&format!("you ({}): {line}", self.me));
        let me = self.me;
        if line.parse::<usize>().is_err() {
            self.in_group = false;
        }
        if let Some(command) = line.strip_prefix(':') {
            let mut words = command.split_whitespace();
            match words.next().unwrap_or_default() {
                "quit" | "q" | "exit" => return false,
                "help" | "h" => self.say(HELP),
                "contact" => {
                    let phone = format!("+86138{:08}", me % 100_000_000);
                    self.emu.send_contact(me, &phone, Some(me));
                }
                verb @ ("location" | "live") => {
                    let live = verb == "live";
                    let args: Vec<&str> = words.collect();
                    match args.as_slice() {
                        [lat, lng] => match (lat.parse::<f64>(), lng.parse::<f64>()) {
                            (Ok(lat), Ok(lng))
                                if (-90.0..=90.0).contains(&lat)
                                    && (-180.0..=180.0).contains(&lng) =>
                            {
                                self.share_location(lat, lng, live);
                            }
                            _ => {
                                self.say("(:location takes a latitude and a longitude, e.g. :location 31.3245 120.7249)");
                                return true;
                            }
                        },
                        [code] => {
                            let station = match crate::stations::StationCode::parse(code) {
                                Some(code) => crate::stations::store::find(&self.pool, &code)
                                    .await
                                    .ok()
                                    .flatten(),
                                None => None,
                            };
                            match station {
                                Some(s) => {
                                    self.say(&format!(
                                        "(standing at {} {}: {})",
                                        s.code, s.name_zh, s.position
                                    ));
                                    self.share_location(s.position.lat(), s.position.lng(), live);
                                }
                                None => {
                                    self.say(&format!("(no station has code {code}; try :location LF-C01 after --seed, or :location LAT LNG)"));
                                    return true;
                                }
                            }
                        }
                        _ => {
                            self.say("(:location LAT LNG)");
                            return true;
                        }
                    }
                }
                kind @ ("photo" | "file") => {
                    let path: String = words.collect::<Vec<_>>().join(" ");
                    if path.is_empty() {
                        if kind == "photo" {
                            self.say("(sending a demo picture)");
                            self.emu.send_photo(me, demo_picture(), None);
                            self.show_replies().await;
                        } else {
                            self.say("(:file FILE, e.g. :file ~/Pictures/IMG_0001.jpg)");
                        }
                        return true;
                    }
                    match std::fs::read(&path) {
                        Ok(bytes) if !bytes.is_empty() && kind == "photo" => {
                            self.emu.send_photo(me, bytes, None);
                        }
                        Ok(bytes) if !bytes.is_empty() => {
                            let name = std::path::Path::new(&path)
                                .file_name()
                                .map_or("file".into(), |n| n.to_string_lossy().into_owned());
                            let mime = match crate::reports::media::ImageKind::sniff(&bytes) {
                                Some(crate::reports::media::ImageKind::Jpeg) => "image/jpeg",
                                Some(crate::reports::media::ImageKind::Png) => "image/png",
                                Some(crate::reports::media::ImageKind::WebP) => "image/webp",
                                None => "application/octet-stream",
                            };
                            self.emu.send_document(me, &name, mime, bytes);
                        }
                        Ok(_) => {
                            self.say(&format!("({path} is empty)"));
                            return true;
                        }
                        Err(err) => {
                            self.say(&format!("(cannot read {path}: {err})"));
                            return true;
                        }
                    }
                }
                "as" => {
                    let Some(id) = words
                        .next()
                        .and_then(|w| w.parse::<i64>().ok())
                        .filter(|id| *id > 0)
                    else {
                        self.say("(:as ID [name], e.g. :as 900 or :as 1002 Li)");
                        return true;
                    };
                    let name: String = words.collect::<Vec<_>>().join(" ");
                    if !name.is_empty() || !self.emu.has_user(id) {
                        let name = if name.is_empty() {
                            format!("User {id}")
                        } else {
                            name
                        };
                        self.emu.add_user(
                            TgUser::new(id, &name, Some(self.lang.telegram_code()))
                                .with_username(&format!("user{id}")),
                        );
                    }
                    self.me = id;
                    let role = if self.coordinators.contains(&id) {
                        "a coordinator"
                    } else {
                        "a rider"
                    };
                    self.say(&format!("(you are now user {id}, {role})"));
                    // Whatever the bot sent this user meanwhile.
                    self.show_replies_within(Duration::from_millis(200)).await;
                    return true;
                }
                "group" => {
                    self.show_group();
                    return true;
                }
                other => {
                    self.say(&format!("(unknown command :{other}; :help lists them)"));
                    return true;
                }
            }
            self.show_replies().await;
            return true;
        }
        if let Ok(n) = line.parse::<usize>() {
            return self.press_inline(n).await;
        }
        let mut chars = line.chars();
        if let (Some(c @ 'a'..='z'), None) = (chars.next(), chars.next()) {
            if self
                .keyboard
                .get(&me)
                .is_some_and(|k| (c as usize - 'a' as usize) < k.len())
            {
                return self.press_keyboard(c as usize - 'a' as usize).await;
            }
        }
        self.emu.send_text(me, line);
        self.show_replies().await;
        true
    }

    async fn press_inline(&mut self, n: usize) -> bool {
        let me = self.me;
        let chat = if self.in_group { self.group } else { me };
        let Some(message) = self
            .inline
            .get(&chat)
            .and_then(|id| self.emu.message(chat, *id))
        else {
            self.say("(no buttons to press)");
            return true;
        };
        let buttons = message.inline_buttons();
        let Some((label, _)) = n.checked_sub(1).and_then(|i| buttons.get(i)).cloned() else {
            self.say(&format!("(no button {n}; there are {})", buttons.len()));
            return true;
        };
        let query = self.emu.press(me, &message, &label);
        self.show_replies().await;
        if self.in_group {
            self.show_group_changes();
        }
        if let Some(text) = self
            .emu
            .callback_answer(&query)
            .and_then(|a| a.get("text").and_then(Value::as_str).map(str::to_owned))
        {
            self.say(&format!("(notice) {text}"));
        }
        true
    }

    async fn press_keyboard(&mut self, i: usize) -> bool {
        let me = self.me;
        let (label, button) = self.keyboard[&me][i].clone();
        if button.get("request_location").is_some() {
            let (lat, lng) = DEMO_POSITION;
            self.say(&format!(
                "(sharing a demo location in Loufeng: {lat}, {lng})"
            ));
            self.emu.send_location(me, lat, lng);
        } else if button.get("request_contact").is_some() {
            let phone = format!("+86138{:08}", me % 100_000_000);
            self.say(&format!("(sharing your phone number {phone})"));
            self.emu.send_contact(me, &phone, Some(me));
        } else {
            self.emu.send_text(me, &label);
        }
        self.show_replies().await;
        true
    }

    /// Prints what the bot sends to the current chat until it has been quiet for a moment.
    async fn show_replies(&mut self) {
        self.show_replies_within(Duration::from_millis(1500)).await;
    }

    /// [`Session::show_replies`], giving up after `first` when nothing comes.
    async fn show_replies_within(&mut self, first: Duration) {
        let me = self.me;
        let start = Instant::now();
        let mut last_activity = None::<Instant>;
        loop {
            let mut shown = false;
            while let Some(msg) = self.emu.next_message_within(me, Duration::ZERO).await {
                self.show(&msg, false);
                shown = true;
            }
            for msg in self.emu.chat_messages(me) {
                let seen = self.shown.get(&(me, msg.message_id)).map_or(0, |(n, _)| *n);
                if msg.edits > seen {
                    self.show(&msg, true);
                    shown = true;
                }
            }
            if shown {
                last_activity = Some(Instant::now());
            }
            let quiet_enough = match last_activity {
                Some(t) => t.elapsed() > Duration::from_millis(300),
                None => start.elapsed() > first,
            };
            if quiet_enough {
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    fn show(&mut self, msg: &BotMessage, edited: bool) {
        let before = self
            .shown
            .insert((msg.chat_id, msg.message_id), (msg.edits, msg.text.clone()));
        if !msg.inline_buttons().is_empty() {
            self.inline.insert(msg.chat_id, msg.message_id);
        }
        let labels = msg.keyboard_labels();
        if !labels.is_empty() {
            let buttons = labels
                .iter()
                .map(|l| (l.clone(), msg.keyboard_button(l).unwrap_or(Value::Null)))
                .collect();
            self.keyboard.insert(msg.chat_id, buttons);
        }
        if msg.removes_keyboard() {
            self.keyboard.remove(&msg.chat_id);
        }
        // An edit that only changed the buttons is said in a line, not by repeating the text.
        let same_text = before.is_some_and(|(_, text)| text == msg.text);
        let saved = msg.file.as_ref().and_then(|bytes| self.save(msg, bytes));
        let text = if edited && same_text {
            render::render_buttons_changed(msg)
        } else {
            render::render(msg, edited, saved.as_deref())
        };
        let _ = write!(self.out, "{text}");
        let _ = self.out.flush();
    }

    /// Writes a file the bot sent, so the person can open it; its path, or None if it failed.
    fn save(&self, msg: &BotMessage, bytes: &[u8]) -> Option<String> {
        // Named by what the bytes are, so the file opens in an image viewer.
        let ext = if bytes.starts_with(b"\x89PNG") {
            "png"
        } else if bytes.starts_with(b"\xFF\xD8") || msg.kind == "photo" {
            "jpg"
        } else {
            "bin"
        };
        let path = self
            .received
            .join(format!("{}-{}.{ext}", msg.chat_id, msg.message_id));
        std::fs::create_dir_all(&self.received).ok()?;
        std::fs::write(&path, bytes).ok()?;
        Some(path.display().to_string())
    }

    fn show_group(&mut self) {
        let messages = self.emu.chat_messages(self.group);
        if messages.is_empty() {
            self.say("(the coordinators' group has no messages yet)");
            return;
        }
        self.say("--- coordinators' group ---");
        for msg in messages {
            let saved = msg.file.as_ref().and_then(|bytes| self.save(&msg, bytes));
            let text = render::render(&msg, msg.edits > 0, saved.as_deref());
            let _ = write!(self.out, "{text}");
            self.shown
                .insert((msg.chat_id, msg.message_id), (msg.edits, msg.text.clone()));
            if !msg.inline_buttons().is_empty() {
                self.inline.insert(msg.chat_id, msg.message_id);
            }
        }
        self.say("--- (numbers now press the buttons of the group's latest message that has them)");
        self.in_group = true;
    }

    /// Group messages edited or sent since they were last shown.
    fn show_group_changes(&mut self) {
        for msg in self.emu.chat_messages(self.group) {
            let seen = self
                .shown
                .get(&(msg.chat_id, msg.message_id))
                .map(|(n, _)| *n);
            if seen.is_none_or(|n| msg.edits > n) {
                self.say("(in the coordinators' group)");
                self.show(&msg, seen.is_some());
            }
        }
    }
}
