//! Keyboards every capability uses: the main menu (its buttons come from the capabilities'
//! registrations, laid out by the router once at start) and the cancel button.
//! Reply-keyboard labels are translated, so a label is recognised in either language (a rider
//! who just switched language may still have the old keyboard on screen).

use teloxide::types::{ButtonRequest, KeyboardButton, KeyboardMarkup, KeyboardRemove, ReplyMarkup};

use crate::i18n::{t, Lang};
use crate::tr;

/// One main-menu button: its label's translation key, and whether it shares the location.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MenuButton {
    pub label: &'static str,
    pub share_location: bool,
}

/// The rider's home keyboard in each language, built once (it is sent with most replies).
#[derive(Debug, Clone, Default)]
pub struct MainMenu {
    zh: Option<ReplyMarkup>,
    en: Option<ReplyMarkup>,
}

impl MainMenu {
    /// The keyboard with `rows` of buttons, top first.
    pub fn new(rows: &[Vec<MenuButton>]) -> MainMenu {
        MainMenu {
            zh: Some(build(Lang::Zh, rows)),
            en: Some(build(Lang::En, rows)),
        }
    }

    pub fn get(&self, lang: Lang) -> ReplyMarkup {
        let menu = match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        };
        menu.clone().unwrap_or_else(remove)
    }
}

fn build(lang: Lang, rows: &[Vec<MenuButton>]) -> ReplyMarkup {
    let rows: Vec<Vec<KeyboardButton>> = rows
        .iter()
        .map(|row| {
            row.iter()
                .map(|b| {
                    let button = KeyboardButton::new(t(lang, b.label));
                    if b.share_location {
                        button.request(ButtonRequest::Location)
                    } else {
                        button
                    }
                })
                .collect()
        })
        .collect();
    KeyboardMarkup::new(rows)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_are_recognised_in_both_languages() {
        assert!(is_label(&t(Lang::Zh, "menu-points"), "menu-points"));
        assert!(is_label(&t(Lang::En, "menu-report"), "menu-report"));
        assert!(!is_label("points", "menu-points"));
        assert!(is_cancel(&t(Lang::En, "btn-cancel")));
        assert!(is_cancel(&t(Lang::Zh, "btn-cancel")));
    }

    #[test]
    fn the_main_menu_has_its_rows_in_each_language() {
        let menu = MainMenu::new(&[
            vec![MenuButton {
                label: "menu-nearest",
                share_location: true,
            }],
            vec![
                MenuButton {
                    label: "menu-services",
                    share_location: false,
                },
                MenuButton {
                    label: "menu-report",
                    share_location: false,
                },
            ],
        ]);
        let ReplyMarkup::Keyboard(en) = menu.get(Lang::En) else {
            panic!("a reply keyboard");
        };
        assert_eq!(en.keyboard.len(), 2);
        assert_eq!(en.keyboard[1][1].text, t(Lang::En, "menu-report"));
        assert!(en.keyboard[0][0].request.is_some());
        assert!(en.is_persistent);
    }
}
