//! The Bot API as `spec/telegram-bot-api.json` describes it, and a checker for request
//! parameters against it: the method exists, required fields are present, no unknown field is
//! sent, and every value has one of its field's types, recursively through nested objects.

use std::collections::{HashMap, HashSet};
use std::sync::LazyLock;

use serde::Deserialize;
use serde_json::{Map, Value};

pub const SPEC_JSON: &str = include_str!("../../spec/telegram-bot-api.json");

#[derive(Debug, Deserialize)]
struct RawSpec {
    methods: HashMap<String, RawItem>,
    types: HashMap<String, RawItem>,
}

#[derive(Debug, Deserialize)]
struct RawItem {
    name: String,
    #[serde(default)]
    fields: Vec<Field>,
    #[serde(default)]
    subtypes: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Field {
    pub name: String,
    pub types: Vec<String>,
    pub required: bool,
}

#[derive(Debug)]
pub struct Method {
    pub name: String,
    pub fields: Vec<Field>,
}

impl Method {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }
}

#[derive(Debug)]
struct TypeDef {
    fields: Vec<Field>,
    subtypes: Vec<String>,
}

#[derive(Debug)]
pub struct ApiSpec {
    /// Keyed by lower-cased name: teloxide sends `SendMessage`, the spec says `sendMessage`,
    /// and Telegram accepts any case.
    methods: HashMap<String, Method>,
    types: HashMap<String, TypeDef>,
}

static SPEC: LazyLock<ApiSpec> =
    LazyLock::new(|| ApiSpec::parse(SPEC_JSON).expect("embedded spec parses"));

impl ApiSpec {
    pub fn get() -> &'static ApiSpec {
        &SPEC
    }

    pub fn parse(json: &str) -> Result<ApiSpec, serde_json::Error> {
        let raw: RawSpec = serde_json::from_str(json)?;
        let methods = raw
            .methods
            .into_values()
            .map(|m| {
                (
                    m.name.to_ascii_lowercase(),
                    Method {
                        name: m.name,
                        fields: m.fields,
                    },
                )
            })
            .collect();
        let types = raw
            .types
            .into_values()
            .map(|t| {
                (
                    t.name,
                    TypeDef {
                        fields: t.fields,
                        subtypes: t.subtypes,
                    },
                )
            })
            .collect();
        Ok(ApiSpec { methods, types })
    }

    pub fn method(&self, name: &str) -> Option<&Method> {
        self.methods.get(&name.to_ascii_lowercase())
    }

    /// Problems with `params` for `method`; `files` names the multipart parts that were files.
    /// A first pass checks without describing anything (no allocation for a valid request);
    /// only a request that fails is walked again to say why.
    pub fn check(
        &self,
        method: &Method,
        params: &Map<String, Value>,
        files: &HashSet<String>,
    ) -> Vec<String> {
        let quick = Checker {
            spec: self,
            files,
            describe: false,
        };
        if quick.check_method(method, params).is_empty() {
            return Vec::new();
        }
        Checker {
            spec: self,
            files,
            describe: true,
        }
        .check_method(method, params)
    }

    /// The spec's field types, for turning multipart strings into typed values.
    pub fn field_types<'a>(&self, method: &'a Method, name: &str) -> Option<&'a [String]> {
        method.field(name).map(|f| f.types.as_slice())
    }
}

#[derive(Clone, Copy)]
struct Checker<'a> {
    spec: &'a ApiSpec,
    files: &'a HashSet<String>,
    describe: bool,
}

impl Checker<'_> {
    /// `f()` when describing; otherwise an empty marker, which does not allocate.
    fn say(&self, f: impl FnOnce() -> String) -> String {
        if self.describe {
            f()
        } else {
            String::new()
        }
    }

    fn check_method(&self, method: &Method, params: &Map<String, Value>) -> Vec<String> {
        let mut problems = Vec::new();
        for field in &method.fields {
            if field.required
                && !params.contains_key(&field.name)
                && !self.files.contains(&field.name)
            {
                problems
                    .push(self.say(|| format!("required parameter `{}` is missing", field.name)));
            }
        }
        for (name, value) in params {
            match method.field(name) {
                None => problems.push(self.say(|| format!("unknown parameter `{name}`"))),
                Some(field) => self.check_field(field, value, name, &mut problems),
            }
        }
        for name in self.files {
            match method.field(name) {
                Some(f) if f.types.iter().any(|t| t == "InputFile") => {}
                Some(_) => problems.push(
                    self.say(|| format!("`{name}` was sent as a file but does not take one")),
                ),
                // A file part referenced by attach:// from another field (media groups).
                None => {}
            }
        }
        problems
    }

    fn check_field(&self, field: &Field, value: &Value, path: &str, out: &mut Vec<String>) {
        let mut first_failure = None;
        for ty in &field.types {
            let mut found = Vec::new();
            self.check_type(ty, value, path, &mut found);
            if found.is_empty() {
                return;
            }
            first_failure.get_or_insert(found);
        }
        let mut found = first_failure.unwrap_or_default();
        if field.types.len() > 1 {
            found = vec![self.say(|| format!("`{path}` must be one of {:?}", field.types))];
        }
        out.extend(found);
    }

    fn check_type(&self, ty: &str, value: &Value, path: &str, out: &mut Vec<String>) {
        if let Some(inner) = ty.strip_prefix("Array of ") {
            match value.as_array() {
                Some(items) => {
                    for (i, item) in items.iter().enumerate() {
                        self.check_type(inner, item, &self.say(|| format!("{path}[{i}]")), out);
                    }
                }
                None => out.push(self.say(|| format!("`{path}` must be an array ({ty})"))),
            }
            return;
        }
        let ok = match ty {
            "Integer" => value.is_i64() || value.is_u64(),
            "Float" => value.is_number(),
            "Boolean" => value.is_boolean(),
            "String" => value.is_string(),
            "InputFile" => match value.as_str() {
                Some(s) => match s.strip_prefix("attach://") {
                    Some(part) => self.files.contains(part),
                    None => !s.is_empty(),
                },
                None => false,
            },
            _ => return self.check_object(ty, value, path, out),
        };
        if !ok {
            out.push(self.say(|| format!("`{path}` must be {ty}, got {}", short(value))));
        }
    }

    fn check_object(&self, ty: &str, value: &Value, path: &str, out: &mut Vec<String>) {
        let Some(def) = self.spec.types.get(ty) else {
            out.push(self.say(|| format!("`{path}`: the spec has no type {ty}")));
            return;
        };
        if !def.subtypes.is_empty() {
            let quiet = Checker {
                describe: false,
                ..*self
            };
            let fits = def.subtypes.iter().any(|sub| {
                let mut found = Vec::new();
                quiet.check_object(sub, value, path, &mut found);
                found.is_empty()
            });
            if !fits {
                out.push(
                    self.say(|| format!("`{path}` is none of {ty}'s kinds: {}", short(value))),
                );
            }
            return;
        }
        let Some(obj) = value.as_object() else {
            out.push(
                self.say(|| format!("`{path}` must be an object ({ty}), got {}", short(value))),
            );
            return;
        };
        for field in &def.fields {
            if field.required && !obj.contains_key(&field.name) {
                out.push(self.say(|| format!("`{path}.{}` is required in {ty}", field.name)));
            }
        }
        for (name, v) in obj {
            match def.fields.iter().find(|f| &f.name == name) {
                None => out.push(self.say(|| format!("`{path}.{name}` is not a field of {ty}"))),
                Some(field) => {
                    self.check_field(field, v, &self.say(|| format!("{path}.{name}")), out)
                }
            }
        }
        // A `type` discriminator must name this kind (BotCommandScopeChat has type "chat").
        if let Some(Value::String(kind)) = obj.get("type") {
            if let Some(expected) = discriminator(ty) {
                if kind != &expected {
                    out.push(
                        self.say(|| {
                            format!("`{path}.type` is {kind:?}, not {expected:?} for {ty}")
                        }),
                    );
                }
            }
        }
    }
}

/// For the kinds of a tagged union (BotCommandScopeChat, InputMediaPhoto, ...), the value their
/// `type` field must have, derived from the name as the Bot API does.
fn discriminator(ty: &str) -> Option<String> {
    const UNIONS: [&str; 5] = [
        "BotCommandScope",
        "InputMedia",
        "MenuButton",
        "ReactionType",
        "InputPaidMedia",
    ];
    let union = UNIONS
        .iter()
        .find(|u| ty.starts_with(*u) && ty.len() > u.len())?;
    let rest = &ty[union.len()..];
    // CamelCase to snake_case: ChatAdministrators -> chat_administrators.
    let mut out = String::new();
    for (i, c) in rest.chars().enumerate() {
        if c.is_ascii_uppercase() {
            if i > 0 {
                out.push('_');
            }
            out.push(c.to_ascii_lowercase());
        } else {
            out.push(c);
        }
    }
    Some(out)
}

fn short(value: &Value) -> String {
    let s = value.to_string();
    if s.chars().count() > 60 {
        format!("{}…", s.chars().take(60).collect::<String>())
    } else {
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn check(method: &str, params: Value) -> Vec<String> {
        let spec = ApiSpec::get();
        let m = spec.method(method).unwrap();
        spec.check(m, params.as_object().unwrap(), &HashSet::new())
    }

    #[test]
    fn method_names_are_case_insensitive() {
        assert!(ApiSpec::get().method("SendMessage").is_some());
        assert!(ApiSpec::get().method("sendmessage").is_some());
        assert!(ApiSpec::get().method("sendMessages").is_none());
    }

    #[test]
    fn a_valid_send_message_passes() {
        let problems = check(
            "sendMessage",
            json!({"chat_id": 5, "text": "hi", "parse_mode": "HTML",
                   "reply_markup": {"inline_keyboard": [[{"text": "a", "callback_data": "x"}]]}}),
        );
        assert!(problems.is_empty(), "{problems:?}");
    }

    #[test]
    fn missing_unknown_and_mistyped_fields_are_caught() {
        assert!(check("sendMessage", json!({"chat_id": 5}))[0].contains("`text` is missing"));
        assert!(check(
            "sendMessage",
            json!({"chat_id": 5, "text": "x", "colour": 1})
        )[0]
        .contains("unknown parameter"));
        assert!(!check("sendMessage", json!({"chat_id": true, "text": "x"})).is_empty());
        let nested = check(
            "sendMessage",
            json!({"chat_id": 5, "text": "x", "reply_markup": {"inline_keyboard": [[{"txt": "a"}]]}}),
        );
        assert!(!nested.is_empty());
    }

    #[test]
    fn tagged_unions_check_their_kind() {
        let ok = check(
            "setMyCommands",
            json!({"commands": [{"command": "start", "description": "d"}],
                   "scope": {"type": "chat", "chat_id": 5}}),
        );
        assert!(ok.is_empty(), "{ok:?}");
        let wrong = check(
            "setMyCommands",
            json!({"commands": [], "scope": {"type": "planet", "chat_id": 5}}),
        );
        assert!(!wrong.is_empty());
    }

    #[test]
    fn spec_copy_matches_shared_reference() {
        let shared = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../shared/telegram-bot-api/api.json");
        if let Ok(reference) = std::fs::read_to_string(&shared) {
            assert!(
                reference == SPEC_JSON,
                "spec/telegram-bot-api.json differs from {}",
                shared.display()
            );
        }
    }
}
