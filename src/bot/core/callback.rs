//! Inline-button callback data. It comes back from Telegram as an untrusted string of up to 64
//! bytes: anyone can send any data with a forged button. Each capability owns the heads of its
//! data (`st`, `pt`, `rp`, …, the part before the first `:`) and parses its own data into a
//! closed enum; the router only picks the capability by the head, and whatever a capability
//! cannot parse is answered as an expired button.

use teloxide::types::InlineKeyboardButton;

/// Telegram's limit on callback data.
pub const MAX_BYTES: usize = 64;

/// A capability's button data.
pub trait CallbackData: Sized {
    /// The data a button carries (at most [`MAX_BYTES`] bytes).
    fn encode(&self) -> String;
    /// Parses data from a press; `None` for anything this capability did not write.
    fn parse(data: &str) -> Option<Self>;
}

/// An inline button carrying `data`.
pub fn button(label: impl Into<String>, data: &impl CallbackData) -> InlineKeyboardButton {
    InlineKeyboardButton::callback(label, data.encode())
}

/// The head of callback data: the part before the first `:`, or all of it.
pub fn head(data: &str) -> &str {
    data.split_once(':').map_or(data, |(head, _)| head)
}

/// `data` without `head` and its `:` (`None` when `data` has another head).
pub fn body<'a>(data: &'a str, head: &str) -> Option<&'a str> {
    data.strip_prefix(head)?.strip_prefix(':')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_head_is_the_part_before_the_first_colon() {
        assert_eq!(head("st:p:31.1,120.6:-:0"), "st");
        assert_eq!(head("ok"), "ok");
        assert_eq!(head(""), "");
        assert_eq!(body("rp:a:12", "rp"), Some("a:12"));
        assert_eq!(body("rpx:a", "rp"), None);
        assert_eq!(body("rp", "rp"), None);
    }
}
