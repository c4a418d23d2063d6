//! Onboarding's keyboards: the notice's Accept and language buttons, the name, platform and
//! phone keyboards, and the delete confirmation.

use teloxide::types::{ButtonRequest, InlineKeyboardMarkup, KeyboardButton, KeyboardMarkup};

use super::callback::OnboardingCallback;
use crate::bot::core::callback::button;
use crate::bot::core::keyboards::cancel_button;
use crate::i18n::{t, Lang};
use crate::onboarding::domain::{Platform, RiderName};
use crate::tr;

pub fn consent_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        button(tr!(lang, "btn-accept"), &OnboardingCallback::Consent),
        button(
            tr!(lang, "btn-switch-lang"),
            &OnboardingCallback::Lang(lang.other()),
        ),
    ]])
}

pub fn name_keyboard(lang: Lang, suggestion: Option<&RiderName>) -> KeyboardMarkup {
    let mut rows = Vec::new();
    if let Some(name) = suggestion {
        rows.push(vec![KeyboardButton::new(name.as_str())]);
    }
    rows.push(vec![cancel_button(lang)]);
    KeyboardMarkup::new(rows)
        .resize_keyboard()
        .one_time_keyboard()
}

pub fn platform_keyboard(lang: Lang) -> KeyboardMarkup {
    let mut labels: Vec<String> = Platform::KNOWN
        .iter()
        .filter_map(Platform::label_key)
        .map(|key| t(lang, key))
        .collect();
    labels.push(tr!(lang, "platform-other"));
    let mut rows: Vec<Vec<KeyboardButton>> = labels
        .chunks(2)
        .map(|pair| pair.iter().map(KeyboardButton::new).collect())
        .collect();
    rows.push(vec![cancel_button(lang)]);
    KeyboardMarkup::new(rows).resize_keyboard()
}

pub fn phone_keyboard(lang: Lang) -> KeyboardMarkup {
    KeyboardMarkup::new(vec![
        vec![KeyboardButton::new(tr!(lang, "btn-share-phone")).request(ButtonRequest::Contact)],
        vec![cancel_button(lang)],
    ])
    .resize_keyboard()
}

pub fn delete_keyboard(lang: Lang) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(vec![vec![
        button(
            tr!(lang, "btn-delete-yes"),
            &OnboardingCallback::Delete(true),
        ),
        button(
            tr!(lang, "btn-delete-no"),
            &OnboardingCallback::Delete(false),
        ),
    ]])
}
