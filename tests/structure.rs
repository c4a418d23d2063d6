//! The shape of the code, checked on the source so it stays true:
//!
//! - the transport core (`src/bot/core`) names no capability module;
//! - no capability names the router (`bot::router`: its state, menu and command tables);
//! - a capability's rules and SQL (everything outside its `telegram` module) know nothing of
//!   Telegram or of the transport;
//! - every capability is wired into the router by its registration;
//! - `ops` (metrics and the operator's endpoints) names no capability and nothing of `bot`.
//!
//! A capability is a folder under `src/` with a `telegram` module; a new one is checked
//! without changing this file.

use std::fs;
use std::path::{Path, PathBuf};

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in fs::read_dir(&d).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    out.sort();
    out
}

/// The capability folders: those with a `telegram` module.
fn capabilities() -> Vec<String> {
    let mut caps: Vec<String> = fs::read_dir(src())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_dir())
        .filter(|p| p.join("telegram.rs").exists() || p.join("telegram").is_dir())
        .map(|p| p.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    caps.sort();
    caps
}

/// The source without comments (a doc comment may mention any module).
fn code_of(path: &Path) -> String {
    fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(|line| match line.find("//") {
            // A `//` inside a string (a URL) is kept; comments in this code base start a line
            // or follow code after a space.
            Some(i) if !line[..i].contains('"') => &line[..i],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// Whether `code` names module `name` of this crate: `crate::name`, or `name` inside a
/// `use crate::{…}` group.
fn names_module(code: &str, name: &str) -> bool {
    if code.contains(&format!("crate::{name}::")) || code.contains(&format!("crate::{name};")) {
        return true;
    }
    // `use crate::{a, b::c, …};` groups, possibly over several lines.
    let mut rest = code;
    while let Some(at) = rest.find("use crate::{") {
        let group = &rest[at + "use crate::{".len()..];
        let end = group.find("};").unwrap_or(group.len());
        let items = &group[..end];
        if items
            .split(|c: char| c == ',' || c.is_whitespace() || c == '{')
            .any(|item| item == name || item.starts_with(&format!("{name}::")))
        {
            return true;
        }
        rest = &group[end..];
    }
    false
}

fn relative(path: &Path) -> String {
    path.strip_prefix(src()).unwrap().display().to_string()
}

#[test]
fn there_are_capabilities_to_check() {
    let caps = capabilities();
    for expected in [
        "onboarding",
        "points",
        "reports",
        "roles",
        "services",
        "stations",
    ] {
        assert!(caps.contains(&expected.to_owned()), "{caps:?}");
    }
}

#[test]
fn the_transport_core_names_no_capability() {
    let mut found = Vec::new();
    for file in rust_files(&src().join("bot/core")) {
        let code = code_of(&file);
        for cap in capabilities() {
            if names_module(&code, &cap) {
                found.push(format!("{} names {cap}", relative(&file)));
            }
        }
        if code.contains("bot::router") || code.contains("super::router") {
            found.push(format!("{} names the router", relative(&file)));
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn operations_name_no_capability_and_no_transport() {
    let mut found = Vec::new();
    for file in rust_files(&src().join("ops")) {
        let code = code_of(&file);
        for module in capabilities()
            .iter()
            .map(String::as_str)
            .chain(["bot", "startup"])
        {
            if names_module(&code, module) {
                found.push(format!("{} names {module}", relative(&file)));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn no_capability_names_the_router() {
    let mut found = Vec::new();
    for cap in capabilities() {
        for file in rust_files(&src().join(&cap)) {
            let code = code_of(&file);
            if code.contains("bot::router") || code.contains("router::") {
                found.push(relative(&file));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn rules_and_sql_know_nothing_of_telegram() {
    let mut found = Vec::new();
    for cap in capabilities() {
        let transport = src().join(&cap).join("telegram");
        for file in rust_files(&src().join(&cap)) {
            if file.starts_with(&transport) || file.ends_with("telegram.rs") {
                continue;
            }
            let code = code_of(&file);
            if code.contains("teloxide") || code.contains("crate::bot") {
                found.push(relative(&file));
            }
        }
    }
    assert!(found.is_empty(), "{found:#?}");
}

#[test]
fn every_capability_is_registered_with_the_router() {
    let router = code_of(&src().join("bot/router/mod.rs"));
    for cap in capabilities() {
        assert!(
            router.contains(&format!("{cap}::telegram::capability(")),
            "{cap} is not wired in bot/router/mod.rs"
        );
    }
}

#[test]
fn the_checks_see_a_named_module() {
    assert!(names_module("use crate::reports::Step;", "reports"));
    assert!(names_module(
        "use crate::{onboarding,\n    reports, tr};",
        "reports"
    ));
    assert!(names_module(
        "let x = crate::points::store::balance;",
        "points"
    ));
    assert!(!names_module("use crate::bot::core::Ctx;", "reports"));
    assert!(!names_module("use crate::{i18n, tr};", "reports"));
}
