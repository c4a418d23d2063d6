//! Translations: every user-facing string lives in `locales/<lang>.ftl` (Fluent), embedded in the
//! binary at compile time. zh-CN is the default language, English the second.
//!
//! Code asks for a string with `tr!(lang, "key")` or `tr!(lang, "key", arg = value, ...)`.
//! Keys chosen at run time (a platform's name, say) go through [`t`] and come from a closed list
//! that a test walks. Tests check that both languages have the same keys and that every key the
//! code names exists.

use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

pub const ZH_FTL: &str = include_str!("../locales/zh-CN.ftl");
pub const EN_FTL: &str = include_str!("../locales/en.ftl");

/// The two languages the bot speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, Default)]
pub enum Lang {
    #[default]
    #[serde(rename = "zh-CN")]
    Zh,
    #[serde(rename = "en")]
    En,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::Zh, Lang::En];

    /// The code stored in the database and used in `setMyCommands`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::Zh => "zh-CN",
            Lang::En => "en",
        }
    }

    /// The ISO 639-1 code Telegram uses for `language_code` in command scopes.
    pub fn telegram_code(self) -> &'static str {
        match self {
            Lang::Zh => "zh",
            Lang::En => "en",
        }
    }

    pub fn from_code(code: &str) -> Option<Lang> {
        match code {
            "zh-CN" => Some(Lang::Zh),
            "en" => Some(Lang::En),
            _ => None,
        }
    }

    /// Picks a language from Telegram's `language_code`: English for any `en*`, Chinese
    /// (the district's default) for everything else, including no code at all.
    pub fn from_telegram(code: Option<&str>) -> Lang {
        match code {
            Some(c) if c.to_ascii_lowercase().starts_with("en") => Lang::En,
            _ => Lang::Zh,
        }
    }

    pub fn other(self) -> Lang {
        match self {
            Lang::Zh => Lang::En,
            Lang::En => Lang::Zh,
        }
    }
}

/// A name kept in both languages: the English one in English when there is one, else the
/// Chinese (every bilingual name in the tables has a Chinese form).
pub fn pick<'a>(lang: Lang, zh: &'a str, en: Option<&'a str>) -> &'a str {
    match (lang, en) {
        (Lang::En, Some(en)) => en,
        _ => zh,
    }
}

pub struct I18n {
    zh: FluentBundle<FluentResource>,
    en: FluentBundle<FluentResource>,
}

fn bundle(lang: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let id: unic_langid::LanguageIdentifier = lang.parse().expect("static language id");
    let mut bundle = FluentBundle::new_concurrent(vec![id]);
    // Telegram shows Unicode isolation marks as stray characters in some clients.
    bundle.set_use_isolating(false);
    let resource = FluentResource::try_new(source.to_owned())
        .unwrap_or_else(|(_, errors)| panic!("locales/{lang}.ftl does not parse: {errors:?}"));
    bundle
        .add_resource(resource)
        .unwrap_or_else(|errors| panic!("locales/{lang}.ftl has duplicate keys: {errors:?}"));
    bundle
}

static I18N: LazyLock<I18n> = LazyLock::new(|| I18n {
    zh: bundle("zh-CN", ZH_FTL),
    en: bundle("en", EN_FTL),
});

impl I18n {
    fn bundle(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::Zh => &self.zh,
            Lang::En => &self.en,
        }
    }

    fn format(&self, lang: Lang, key: &str, args: Option<&FluentArgs>) -> String {
        let bundle = self.bundle(lang);
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            tracing::error!(key, lang = lang.code(), "missing translation");
            return key.to_owned();
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, args, &mut errors);
        if !errors.is_empty() {
            tracing::error!(
                key,
                lang = lang.code(),
                ?errors,
                "translation did not format cleanly"
            );
        }
        text.into_owned()
    }
}

/// The text for `key` in `lang`.
pub fn t(lang: Lang, key: &str) -> String {
    I18N.format(lang, key, None)
}

/// The text for `key` in `lang` with named arguments.
pub fn t_args(lang: Lang, key: &str, args: &[(&str, FluentValue<'_>)]) -> String {
    let mut fluent_args = FluentArgs::new();
    for (name, value) in args {
        fluent_args.set(*name, value.clone());
    }
    I18N.format(lang, key, Some(&fluent_args))
}

/// `tr!(lang, "key")` or `tr!(lang, "key", name = value, ...)`. Keys are literals so that a
/// test can find each one in the source and check it exists in every locale.
#[macro_export]
macro_rules! tr {
    ($lang:expr, $key:literal) => {
        $crate::i18n::t($lang, $key)
    };
    ($lang:expr, $key:literal, $($name:ident = $value:expr),+ $(,)?) => {
        $crate::i18n::t_args(
            $lang,
            $key,
            &[$((stringify!($name), ::fluent_bundle::FluentValue::from($value))),+],
        )
    };
}

/// The message ids defined in one `.ftl` source.
pub fn keys_of(source: &str) -> std::collections::BTreeSet<String> {
    let resource = FluentResource::try_new(source.to_owned()).unwrap_or_else(|(r, _)| r);
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn both_locales_parse_and_have_the_same_keys() {
        for (name, src) in [("zh-CN", ZH_FTL), ("en", EN_FTL)] {
            if let Err((_, errors)) = FluentResource::try_new(src.to_owned()) {
                panic!("locales/{name}.ftl: {errors:?}");
            }
        }
        let zh = keys_of(ZH_FTL);
        let en = keys_of(EN_FTL);
        let only_zh: Vec<_> = zh.difference(&en).collect();
        let only_en: Vec<_> = en.difference(&zh).collect();
        assert!(only_zh.is_empty(), "keys missing from en.ftl: {only_zh:?}");
        assert!(
            only_en.is_empty(),
            "keys missing from zh-CN.ftl: {only_en:?}"
        );
        assert!(zh.len() > 20, "suspiciously few keys: {}", zh.len());
    }

    /// Every `tr!(lang, "key"...)` in the source names a key that exists.
    #[test]
    fn every_key_the_code_asks_for_exists() {
        let keys = keys_of(ZH_FTL);
        let mut used = Vec::new();
        collect_tr_keys(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("src").as_path(),
            &mut used,
        );
        assert!(
            used.len() > 20,
            "the scan found too few tr! calls: {}",
            used.len()
        );
        let missing: Vec<_> = used.iter().filter(|(_, k)| !keys.contains(k)).collect();
        assert!(
            missing.is_empty(),
            "keys asked for but not defined: {missing:?}"
        );
    }

    fn collect_tr_keys(dir: &Path, out: &mut Vec<(String, String)>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                collect_tr_keys(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                // Comments show the syntax with a placeholder key; only code counts.
                let code: String = src
                    .lines()
                    .filter(|l| !l.trim_start().starts_with("//"))
                    .collect::<Vec<_>>()
                    .join("\n");
                let mut rest = code.as_str();
                while let Some(at) = rest.find("tr!(") {
                    rest = &rest[at + 4..];
                    // `tr!(lang, "key"...)`: the language expression, a comma, the key literal.
                    // Anything else (the macro's own definition, this scanner) is not a call.
                    let Some((lang_expr, after)) = rest.split_once(',') else {
                        break;
                    };
                    if lang_expr.contains(['"', '\n', '$']) {
                        continue;
                    }
                    let Some(after) = after.trim_start().strip_prefix('"') else {
                        continue;
                    };
                    let end = after.find('"').unwrap();
                    out.push((path.display().to_string(), after[..end].to_owned()));
                }
            }
        }
    }

    #[test]
    fn telegram_language_codes_pick_a_language() {
        assert_eq!(Lang::from_telegram(Some("en")), Lang::En);
        assert_eq!(Lang::from_telegram(Some("en-GB")), Lang::En);
        assert_eq!(Lang::from_telegram(Some("zh-hans")), Lang::Zh);
        assert_eq!(Lang::from_telegram(Some("ru")), Lang::Zh);
        assert_eq!(Lang::from_telegram(None), Lang::Zh);
    }

    #[test]
    fn arguments_are_substituted_without_isolation_marks() {
        let text = tr!(Lang::En, "welcome-registered", name = "Li");
        assert!(text.contains("Li"));
        assert!(!text.contains('\u{2068}'));
        // A missing key falls back to the key rather than panicking.
        assert_eq!(t(Lang::En, "no-such-key"), "no-such-key");
    }
}
