//! Telegram's limits beyond the types the spec states: text and caption lengths after entity
//! parsing, well-formed HTML and MarkdownV2, callback data size, keyboard button shapes,
//! command names. Each check returns the description Telegram would put after "Bad Request: ".

use serde_json::{Map, Value};

pub const MAX_TEXT: usize = 4096;
pub const MAX_CAPTION: usize = 1024;
pub const MAX_CALLBACK_DATA: usize = 64;
pub const MAX_CALLBACK_ANSWER: usize = 200;

/// Telegram counts lengths in UTF-16 code units.
pub fn utf16_len(s: &str) -> usize {
    s.encode_utf16().count()
}

/// The text a user sees once `parse_mode` is applied, or why it does not parse.
pub fn visible_text(text: &str, parse_mode: Option<&str>) -> Result<String, String> {
    match parse_mode {
        None => Ok(text.to_owned()),
        Some(mode) => match mode.to_ascii_lowercase().as_str() {
            "html" => parse_html(text),
            "markdownv2" => parse_markdown_v2(text),
            "markdown" => Ok(text.replace(['*', '_', '`'], "")),
            _ => Err(format!("unsupported parse_mode {mode:?}")),
        },
    }
}

const HTML_TAGS: [&str; 15] = [
    "b",
    "strong",
    "i",
    "em",
    "u",
    "ins",
    "s",
    "strike",
    "del",
    "span",
    "tg-spoiler",
    "a",
    "code",
    "pre",
    "blockquote",
];

/// Parses Telegram's HTML subset: the supported tags, balanced; the four named entities and
/// numeric ones. Returns the text without tags, entities decoded.
pub fn parse_html(text: &str) -> Result<String, String> {
    let mut out = String::with_capacity(text.len());
    let mut open: Vec<String> = Vec::new();
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        match c {
            '<' => {
                let end = rest
                    .find('>')
                    .ok_or("can't parse entities: unclosed start tag")?;
                let inner = &rest[1..end];
                rest = &rest[end + 1..];
                if let Some(name) = inner.strip_prefix('/') {
                    let name = name.trim().to_ascii_lowercase();
                    match open.pop() {
                        Some(top) if top == name => {}
                        _ => {
                            return Err(format!(
                                "can't parse entities: unexpected end tag \"{name}\""
                            ))
                        }
                    }
                } else {
                    let name: String = inner
                        .split(|c: char| c.is_whitespace())
                        .next()
                        .unwrap_or_default()
                        .to_ascii_lowercase();
                    if !HTML_TAGS.contains(&name.as_str()) && name != "tg-emoji" {
                        return Err(format!(
                            "can't parse entities: unsupported start tag \"{name}\""
                        ));
                    }
                    if name == "a" && !inner.contains("href=") {
                        return Err("can't parse entities: a tag without href".into());
                    }
                    open.push(name);
                }
            }
            '>' => return Err("can't parse entities: unexpected '>'".into()),
            '&' => {
                let semi = rest.find(';').filter(|&i| i <= 10);
                match semi.map(|i| &rest[1..i]) {
                    Some("lt") => out.push('<'),
                    Some("gt") => out.push('>'),
                    Some("amp") => out.push('&'),
                    Some("quot") => out.push('"'),
                    Some(num) if num.starts_with('#') => {
                        let code = match num[1..].strip_prefix(['x', 'X']) {
                            Some(hex) => u32::from_str_radix(hex, 16).ok(),
                            None => num[1..].parse().ok(),
                        };
                        match code.and_then(char::from_u32) {
                            Some(ch) => out.push(ch),
                            None => {
                                return Err(format!(
                                    "can't parse entities: bad character reference &{num};"
                                ))
                            }
                        }
                    }
                    // A bare '&' that starts no entity is taken literally, as Telegram does.
                    _ => {
                        out.push('&');
                        rest = &rest[1..];
                        continue;
                    }
                }
                rest = &rest[semi.unwrap_or(0) + 1..];
            }
            _ => {
                out.push(c);
                rest = &rest[c.len_utf8()..];
            }
        }
    }
    if let Some(tag) = open.pop() {
        return Err(format!(
            "can't parse entities: can't find end tag corresponding to start tag \"{tag}\""
        ));
    }
    Ok(out)
}

/// Parses MarkdownV2: reserved characters must be escaped outside entities, and entities must
/// be closed. Returns the visible text.
pub fn parse_markdown_v2(text: &str) -> Result<String, String> {
    const RESERVED: &str = "_*[]()~`>#+-=|{}.!";
    let mut out = String::new();
    let mut open: Vec<&str> = Vec::new();
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    let mut in_code = false;
    let mut in_link_url = false;
    while i < chars.len() {
        let c = chars[i];
        if c == '\\' {
            match chars.get(i + 1) {
                Some(&next) => out.push(next),
                None => return Err("can't parse entities: unexpected end after '\\'".into()),
            }
            i += 2;
            continue;
        }
        if in_code {
            if c == '`' {
                in_code = false;
                open.pop();
            } else {
                out.push(c);
            }
            i += 1;
            continue;
        }
        if in_link_url {
            if c == ')' {
                in_link_url = false;
            }
            i += 1;
            continue;
        }
        let marker: Option<&str> = match c {
            '*' => Some("*"),
            '~' => Some("~"),
            '_' if chars.get(i + 1) == Some(&'_') => Some("__"),
            '_' => Some("_"),
            '|' if chars.get(i + 1) == Some(&'|') => Some("||"),
            '`' => Some("`"),
            '[' => Some("["),
            _ => None,
        };
        match marker {
            Some("`") => {
                in_code = true;
                open.push("`");
            }
            Some("[") => open.push("["),
            Some(m) => {
                if open.last() == Some(&m) {
                    open.pop();
                } else {
                    open.push(m);
                }
            }
            None if c == ']' && open.last() == Some(&"[") => {
                open.pop();
                if chars.get(i + 1) == Some(&'(') {
                    in_link_url = true;
                    i += 1;
                }
            }
            None if RESERVED.contains(c) => {
                return Err(format!(
                    "can't parse entities: character '{c}' is reserved and must be escaped with the preceding '\\'"
                ))
            }
            None => out.push(c),
        }
        i += marker.map_or(1, str::len);
    }
    if !open.is_empty() || in_code || in_link_url {
        return Err("can't parse entities: can't find end of the entity".into());
    }
    Ok(out)
}

/// Checks text (or a caption) for length and parse mode; the text a user sees.
pub fn check_text(
    field: &str,
    text: &str,
    parse_mode: Option<&str>,
    max: usize,
    min: usize,
) -> Result<String, String> {
    let visible = visible_text(text, parse_mode)?;
    let n = utf16_len(visible.trim());
    if n < min {
        return Err(format!("{field} must be non-empty"));
    }
    if n > max {
        return Err(format!("{field} is too long ({n} > {max})"));
    }
    Ok(visible)
}

/// Checks an inline or reply keyboard's buttons beyond their types.
pub fn check_reply_markup(markup: &Value) -> Result<(), String> {
    if let Some(rows) = markup.get("inline_keyboard").and_then(Value::as_array) {
        for row in rows {
            for button in row.as_array().into_iter().flatten() {
                let b = button.as_object().ok_or("button must be an object")?;
                check_button_text(b)?;
                let actions = b
                    .keys()
                    .filter(|k| !["text", "icon_custom_emoji_id", "style"].contains(&k.as_str()))
                    .count();
                if actions != 1 {
                    return Err("BUTTON_TYPE_INVALID: exactly one action per inline button".into());
                }
                if let Some(data) = b.get("callback_data").and_then(Value::as_str) {
                    if data.is_empty() || data.len() > MAX_CALLBACK_DATA {
                        return Err(format!(
                            "BUTTON_DATA_INVALID: callback_data is {} bytes",
                            data.len()
                        ));
                    }
                }
            }
        }
    }
    if let Some(rows) = markup.get("keyboard").and_then(Value::as_array) {
        if rows.is_empty() {
            return Err("keyboard must have at least one row".into());
        }
        for row in rows {
            for button in row.as_array().into_iter().flatten() {
                match button {
                    Value::String(s) if !s.is_empty() => {}
                    Value::Object(b) => check_button_text(b)?,
                    _ => return Err("keyboard button must have text".into()),
                }
            }
        }
    }
    Ok(())
}

fn check_button_text(button: &Map<String, Value>) -> Result<(), String> {
    match button.get("text").and_then(Value::as_str) {
        Some(t) if !t.trim().is_empty() => Ok(()),
        _ => Err("button text must be non-empty".into()),
    }
}

/// setMyCommands: 1 to 100 commands of 1 to 32 characters `a-z 0-9 _`, descriptions 1 to 256.
pub fn check_commands(commands: &Value) -> Result<(), String> {
    let list = commands.as_array().ok_or("commands must be an array")?;
    if list.len() > 100 {
        return Err("too many commands".into());
    }
    for c in list {
        let name = c.get("command").and_then(Value::as_str).unwrap_or_default();
        let ok = (1..=32).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if !ok {
            return Err(format!("BOT_COMMAND_INVALID: {name:?}"));
        }
        let description = c
            .get("description")
            .and_then(Value::as_str)
            .unwrap_or_default();
        if !(1..=256).contains(&description.chars().count()) {
            return Err(format!("BOT_COMMAND_DESCRIPTION_INVALID for {name}"));
        }
    }
    Ok(())
}

/// The largest file a bot may upload (`sendDocument`): 50 MB.
pub const MAX_UPLOAD_BYTES: usize = 50 * 1024 * 1024;

/// The largest photo `sendPhoto` takes.
pub const MAX_PHOTO_BYTES: usize = 10 * 1024 * 1024;

/// A photo's width and height from its header (PNG's IHDR, a JPEG's frame header).
pub fn image_size(bytes: &[u8]) -> Option<(u32, u32)> {
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") && bytes.len() >= 24 {
        let w = u32::from_be_bytes(bytes[16..20].try_into().ok()?);
        let h = u32::from_be_bytes(bytes[20..24].try_into().ok()?);
        return Some((w, h));
    }
    if !bytes.starts_with(&[0xFF, 0xD8]) {
        return None;
    }
    let mut at = 2;
    while at + 9 < bytes.len() {
        if bytes[at] != 0xFF {
            return None;
        }
        let marker = bytes[at + 1];
        let len = usize::from(u16::from_be_bytes([bytes[at + 2], bytes[at + 3]]));
        // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC).
        if (0xC0..=0xCF).contains(&marker) && ![0xC4, 0xC8, 0xCC].contains(&marker) {
            let h = u32::from(u16::from_be_bytes([bytes[at + 5], bytes[at + 6]]));
            let w = u32::from(u16::from_be_bytes([bytes[at + 7], bytes[at + 8]]));
            return Some((w, h));
        }
        at += 2 + len;
    }
    None
}

/// sendPhoto's rules: at most 10 MB; width and height at most 10,000 together, and a ratio of
/// at most 20.
pub fn check_photo(bytes: &[u8]) -> Result<(), String> {
    if bytes.len() > MAX_PHOTO_BYTES {
        return Err("PHOTO_SAVE_FILE_INVALID".into());
    }
    if let Some((w, h)) = image_size(bytes) {
        let (long, short) = (w.max(h), w.min(h).max(1));
        if w + h > 10_000 || long / short > 20 {
            return Err("PHOTO_INVALID_DIMENSIONS".into());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn html_tags_must_be_supported_and_balanced() {
        assert_eq!(
            parse_html("<b>Hi</b> &lt;you&gt; &amp; AT&T").unwrap(),
            "Hi <you> & AT&T"
        );
        assert!(parse_html("<b>open").is_err());
        assert!(parse_html("<div>x</div>").is_err());
        assert!(parse_html("<b><i>x</b></i>").is_err());
        assert!(parse_html("a < b").is_err());
        assert!(parse_html("<a>no href</a>").is_err());
        assert_eq!(parse_html("&#20320;&#x597D;").unwrap(), "你好");
    }

    #[test]
    fn markdown_v2_reserved_characters_must_be_escaped() {
        assert_eq!(parse_markdown_v2("*bold* and \\.").unwrap(), "bold and .");
        assert!(parse_markdown_v2("end.").is_err());
        assert!(parse_markdown_v2("*open").is_err());
        assert_eq!(parse_markdown_v2("[link](http://x.y)").unwrap(), "link");
        assert_eq!(parse_markdown_v2("`a.b`").unwrap(), "a.b");
    }

    #[test]
    fn text_length_is_counted_after_entities() {
        let long = "字".repeat(4096);
        assert!(check_text("text", &long, None, MAX_TEXT, 1).is_ok());
        assert!(check_text("text", &format!("<b>{long}</b>"), Some("HTML"), MAX_TEXT, 1).is_ok());
        assert!(check_text("text", &format!("{long}x"), None, MAX_TEXT, 1).is_err());
        assert!(check_text("text", "<b> </b>", Some("HTML"), MAX_TEXT, 1).is_err());
        // An emoji outside the BMP counts twice, as Telegram counts it.
        assert!(check_text("text", &"😀".repeat(2049), None, MAX_TEXT, 1).is_err());
    }

    #[test]
    fn buttons_are_checked() {
        assert!(check_reply_markup(
            &json!({"inline_keyboard": [[{"text": "a", "callback_data": "x".repeat(65)}]]})
        )
        .is_err());
        assert!(check_reply_markup(&json!({"inline_keyboard": [[{"text": "a"}]]})).is_err());
        assert!(check_reply_markup(
            &json!({"inline_keyboard": [[{"text": "", "callback_data": "x"}]]})
        )
        .is_err());
        assert!(check_reply_markup(
            &json!({"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]})
        )
        .is_ok());
        assert!(check_reply_markup(
            &json!({"keyboard": [[{"text": "a", "request_location": true}]]})
        )
        .is_ok());
        assert!(check_reply_markup(&json!({"keyboard": []})).is_err());
    }

    #[test]
    fn photos_over_ten_megabytes_or_too_large_are_refused() {
        let png = |w: u32, h: u32| {
            let mut b = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
            b.extend(w.to_be_bytes());
            b.extend(h.to_be_bytes());
            b
        };
        assert_eq!(image_size(&png(800, 600)), Some((800, 600)));
        assert!(check_photo(&png(800, 600)).is_ok());
        assert!(check_photo(&png(9000, 1500)).is_err(), "w + h over 10,000");
        assert!(check_photo(&png(4200, 200)).is_err(), "ratio over 20");
        let mut big = png(100, 100);
        big.resize(MAX_PHOTO_BYTES + 1, 0);
        assert_eq!(check_photo(&big).unwrap_err(), "PHOTO_SAVE_FILE_INVALID");
        let jpeg = [
            0xFF, 0xD8, 0xFF, 0xE0, 0, 4, 0, 0, 0xFF, 0xC0, 0, 11, 8, 0x01, 0x2C, 0x02, 0x58, 1, 0,
            0, 0,
        ];
        assert_eq!(image_size(&jpeg), Some((600, 300)));
    }

    #[test]
    fn commands_are_checked() {
        assert!(check_commands(&json!([{"command": "start", "description": "go"}])).is_ok());
        assert!(check_commands(&json!([{"command": "Start", "description": "go"}])).is_err());
        assert!(check_commands(&json!([{"command": "start", "description": ""}])).is_err());
    }
}
