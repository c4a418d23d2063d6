//! Keyboards shared by more than one capability: the main menu and the cancel button.
//! Reply-keyboard labels are translated, so a label is recognised in either language (a rider
//! who just switched language may still have the old keyboard on screen).

use std::sync::LazyLock;

use teloxide::types::{ButtonRequest, KeyboardButton, KeyboardMarkup, KeyboardRemove, ReplyMarkup};

use crate::i18n::{t, Lang};
use crate::tr;

/// What a main-menu button asks for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MenuChoice {
    Services,
    Report,
    Points,
}

/// The rider's home: the nearest-station button shares the location in one tap.
/// Built once per language: it is sent with most replies.
pub fn main_menu(lang: Lang) -> ReplyMarkup {
    static MENUS: LazyLock<[ReplyMarkup; 2]> =
        LazyLock::new(|| [build_main_menu(Lang::Zh), build_main_menu(Lang::En)]);
    match lang {
        Lang::Zh => MENUS[0].clone(),
        Lang::En => MENUS[1].clone(),
    }
}

fn build_main_menu(lang: Lang) -> ReplyMarkup {
    KeyboardMarkup::new(vec![
        vec![KeyboardButton::new(tr!(lang, "menu-nearest")).request(ButtonRequest::Location)],
        vec![
            KeyboardButton::new(tr!(lang, "menu-services")),
            KeyboardButton::new(tr!(lang, "menu-report")),
        ],
        vec![KeyboardButton::new(tr!(lang, "menu-points"))],
    ])
    .resize_keyboard()
    .persistent()
    .into()
}

pub fn remove() -> ReplyMarkup {
    KeyboardRemove::new().into()
}

pub fn cancel_button(lang: Lang) -> KeyboardButton {
    KeyboardButton::new(tr!(lang, "btn-cancel"))
}

/// A reply keyboard with only the Cancel button (for a step that waits for typed text or a
/// photo).
pub fn cancel_only(lang: Lang) -> KeyboardMarkup {
    KeyboardMarkup::new(vec![vec![cancel_button(lang)]]).resize_keyboard()
}

/// True when `text` is a label of `key` in any language.
pub fn is_label(text: &str, key: &str) -> bool {
    Lang::ALL.iter().any(|&lang| t(lang, key) == text)
}

pub fn is_cancel(text: &str) -> bool {
    is_label(text, "btn-cancel")
}

pub fn menu_choice(text: &str) -> Option<MenuChoice> {
    [
        ("menu-services", MenuChoice::Services),
        ("menu-report", MenuChoice::Report),
        ("menu-points", MenuChoice::Points),
    ]
    .into_iter()
    .find(|(key, _)| is_label(text, key))
    .map(|(_, choice)| choice)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn menu_labels_are_recognised_in_both_languages() {
        assert_eq!(
            menu_choice(&t(Lang::Zh, "menu-points")),
            Some(MenuChoice::Points)
        );
        assert_eq!(
            menu_choice(&t(Lang::En, "menu-report")),
            Some(MenuChoice::Report)
        );
        assert_eq!(menu_choice("points"), None);
        assert!(is_cancel(&t(Lang::En, "btn-cancel")));
        assert!(is_cancel(&t(Lang::Zh, "btn-cancel")));
    }
}
