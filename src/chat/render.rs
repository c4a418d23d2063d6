//! How a bot message looks in the terminal: text as a person sees it in Telegram (markup
//! applied), photos as a line with their size and where the bytes are, venues and locations with
//! a map link, inline buttons numbered, reply-keyboard buttons lettered.

use serde_json::Value;

use crate::emulator::BotMessage;

/// The letter for reply-keyboard button `i` (a, b, ..., z).
pub fn letter(i: usize) -> char {
    (b'a' + (i % 26) as u8) as char
}

fn map_link(lat: f64, lng: f64) -> String {
    format!("https://www.openstreetmap.org/?mlat={lat:.6}&mlon={lng:.6}#map=17/{lat:.6}/{lng:.6}")
}

/// Renders `msg`; `edited` marks an edit of a message shown before.
pub fn render(msg: &BotMessage, edited: bool, file_path: Option<&str>) -> String {
    let mut out = String::new();
    let head = if edited { "bot (edited)" } else { "bot" };
    match msg.kind {
        "photo" | "document" | "voice" => {
            let size = msg.file.as_ref().map_or(0, Vec::len);
            out.push_str(&format!(
                "{head}: [{} {:.1} KB{}]\n",
                msg.kind,
                size as f64 / 1024.0,
                file_path
                    .map(|p| format!(", saved at {p}"))
                    .unwrap_or_default()
            ));
            if !msg.text.is_empty() {
                out.push_str(&indent(&msg.text));
            }
        }
        "venue" | "location" => {
            let lat = msg
                .params
                .get("latitude")
                .and_then(Value::as_f64)
                .unwrap_or_default();
            let lng = msg
                .params
                .get("longitude")
                .and_then(Value::as_f64)
                .unwrap_or_default();
            if msg.kind == "venue" {
                let address = msg
                    .params
                    .get("address")
                    .and_then(Value::as_str)
                    .unwrap_or_default();
                out.push_str(&format!("{head}: [venue] {} — {address}\n", msg.text));
            } else {
                out.push_str(&format!("{head}: [location]\n"));
            }
            out.push_str(&format!("      {}\n", map_link(lat, lng)));
        }
        _ => {
            out.push_str(&format!("{head}:\n"));
            out.push_str(&indent(&msg.text));
        }
    }
    let inline = msg.inline_buttons();
    if !inline.is_empty() {
        let buttons: Vec<String> = inline
            .iter()
            .enumerate()
            .map(|(i, (label, _))| format!("[{}] {label}", i + 1))
            .collect();
        out.push_str(&format!("      {}\n", buttons.join("  ")));
    }
    let keyboard = msg.keyboard_labels();
    if !keyboard.is_empty() {
        let buttons: Vec<String> = keyboard
            .iter()
            .enumerate()
            .map(|(i, label)| {
                let kind = msg
                    .keyboard_button(label)
                    .map(|b| {
                        if b.get("request_location").is_some() {
                            " (shares location)"
                        } else if b.get("request_contact").is_some() {
                            " (shares your phone)"
                        } else {
                            ""
                        }
                    })
                    .unwrap_or("");
                format!("({}) {label}{kind}", letter(i))
            })
            .collect();
        out.push_str(&format!("      keyboard: {}\n", buttons.join("  ")));
    }
    if msg.removes_keyboard() {
        out.push_str("      (keyboard closed)\n");
    }
    out
}

/// An edit that kept the text and changed only the inline buttons.
pub fn render_buttons_changed(msg: &BotMessage) -> String {
    let first_line: String = msg
        .text
        .lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default()
        .chars()
        .take(40)
        .collect();
    let buttons = msg.inline_buttons();
    if buttons.is_empty() {
        format!("bot (edited): the buttons under \"{first_line}…\" were removed\n")
    } else {
        let labels: Vec<String> = buttons
            .iter()
            .enumerate()
            .map(|(i, (label, _))| format!("[{}] {label}", i + 1))
            .collect();
        format!(
            "bot (edited): the buttons under \"{first_line}…\" are now {}\n",
            labels.join("  ")
        )
    }
}

fn indent(text: &str) -> String {
    text.lines().map(|l| format!("    {l}\n")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(kind: &'static str, text: &str, params: serde_json::Value) -> BotMessage {
        BotMessage {
            chat_id: 1,
            message_id: 7,
            kind,
            raw: text.to_owned(),
            text: text.to_owned(),
            reply_markup: params.get("reply_markup").cloned(),
            params: params.as_object().cloned().unwrap_or_default(),
            file: (kind == "photo").then(|| vec![0; 2048]),
            file_name: None,
            edits: 0,
            deleted: false,
            sent_at: std::time::Instant::now(),
        }
    }

    #[test]
    fn a_venue_shows_its_address_and_a_map_link() {
        let m = message(
            "venue",
            "Loufeng centre",
            serde_json::json!({"latitude": 31.3245, "longitude": 120.7249, "address": "1 Example Rd"}),
        );
        let out = render(&m, false, None);
        assert!(
            out.contains("[venue] Loufeng centre — 1 Example Rd"),
            "{out}"
        );
        assert!(out.contains("mlat=31.324500&mlon=120.724900"), "{out}");
    }

    #[test]
    fn a_photo_shows_its_size_path_and_caption() {
        let m = message("photo", "R-000001", serde_json::json!({}));
        let out = render(&m, false, Some("/tmp/x/1-7.jpg"));
        assert!(
            out.starts_with("bot: [photo 2.0 KB, saved at /tmp/x/1-7.jpg]"),
            "{out}"
        );
        assert!(out.contains("    R-000001"), "{out}");
    }

    #[test]
    fn buttons_are_numbered_and_keyboards_lettered() {
        let m = message(
            "text",
            "Hi",
            serde_json::json!({"reply_markup": {"keyboard": [[{"text": "Here", "request_location": true}], [{"text": "Help"}]]}}),
        );
        let out = render(&m, false, None);
        assert!(
            out.contains("(a) Here (shares location)  (b) Help"),
            "{out}"
        );
        let m = message(
            "text",
            "Pick",
            serde_json::json!({"reply_markup": {"inline_keyboard": [[{"text": "Yes", "callback_data": "y"}, {"text": "No", "callback_data": "n"}]]}}),
        );
        assert!(render(&m, true, None).contains("bot (edited):"));
        assert!(render(&m, false, None).contains("[1] Yes  [2] No"));
    }

    #[test]
    fn letters_wrap_after_z() {
        assert_eq!(letter(0), 'a');
        assert_eq!(letter(25), 'z');
        assert_eq!(letter(26), 'a');
    }
}
