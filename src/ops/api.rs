//! Bot API calls counted by method, and failures by code.
//!
//! teloxide's `Bot` has no hook that sees each response (a custom `reqwest::Client` sees
//! requests, never Telegram's answer), so calls are counted where they are made: [`call`] wraps
//! one request, and the transport's senders (`Ctx`'s replies, edits and answers, the outbox's
//! `send_html`, the flood notice, start-up's getMe and command menus, readiness) go through it.
//! Capabilities' own calls (`ctx.bot.…`, `env.bot.…`) go through it where they have been
//! converted; see ARCHITECTURE.md for what is and is not counted.

use teloxide::requests::{HasPayload, Output, Payload, Request};
use teloxide::RequestError;

use super::exporter::{API_CALLS, API_ERRORS};

/// Sends `request`, counting it under its method and any failure under its code.
pub async fn call<R>(request: R) -> Result<Output<R>, RequestError>
where
    R: Request<Err = RequestError>,
{
    let method = method_of::<R>();
    let result = request.send().await;
    record(&method, result.as_ref().err());
    result
}

/// The Bot API method `R` calls, as Telegram names it (`sendMessage`): teloxide's payloads
/// are named in Pascal case, with `Inline` after the inline variants.
pub fn method_of<R: HasPayload>() -> String {
    let name: &'static str = <R::Payload as Payload>::NAME;
    let name = name.strip_suffix("Inline").unwrap_or(name);
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

/// Counts one call of `method`, failed with `error` when there is one.
pub fn record(method: &str, error: Option<&RequestError>) {
    metrics::counter!(API_CALLS, "method" => method.to_owned()).increment(1);
    if let Some(error) = error {
        record_error(method, code_of(error));
    }
}

/// Counts one failure of `method` with `code` (a call that timed out, say).
pub fn record_error(method: &str, code: &'static str) {
    metrics::counter!(API_ERRORS, "method" => method.to_owned(), "code" => code).increment(1);
}

/// The HTTP status Telegram answered with, as a label: `429`, `403`, `401`, `404`, `409`,
/// `413`, `400`, `5xx`; `network` when no answer came, `invalid_response` when it could not
/// be read. teloxide keeps Telegram's description, not its `error_code`, so the code is read
/// from the description's words (each status has its own: "Forbidden: …", "Bad Request: …").
pub fn code_of(error: &RequestError) -> &'static str {
    match error {
        RequestError::RetryAfter(_) => "429",
        RequestError::MigrateToChatId(_) => "400",
        RequestError::Network(_) | RequestError::Io(_) => "network",
        RequestError::InvalidJson { .. } => "invalid_response",
        RequestError::Api(api) => code_of_description(&api.to_string()),
    }
}

fn code_of_description(text: &str) -> &'static str {
    const CODES: [(&str, &str); 11] = [
        ("Too Many Requests", "429"),
        ("Forbidden", "403"),
        ("Unauthorized", "401"),
        // teloxide's words for Telegram's "Unauthorized" and "Not Found" (a wrong token).
        ("Invalid bot token", "401"),
        ("Not Found", "404"),
        ("Conflict", "409"),
        ("Request Entity Too Large", "413"),
        ("Internal Server Error", "5xx"),
        ("Bad Gateway", "5xx"),
        ("Service Unavailable", "5xx"),
        ("Gateway Timeout", "5xx"),
    ];
    CODES
        .iter()
        .find(|(words, _)| text.contains(words))
        .map_or("400", |(_, code)| code)
}

#[cfg(test)]
mod tests {
    use super::*;
    use teloxide::ApiError;

    /// What teloxide makes of Telegram's description.
    fn api(description: &str) -> RequestError {
        let parsed: ApiError = serde_json::from_value(serde_json::json!(description))
            .expect("every description is an ApiError (Unknown at worst)");
        RequestError::Api(parsed)
    }

    #[test]
    fn each_answer_gets_its_status_code() {
        let cases = [
            ("Forbidden: bot was blocked by the user", "403"),
            ("Forbidden: user is deactivated", "403"),
            ("Bad Request: message is not modified: specified new message content and reply markup are exactly the same as a current content and reply markup of the message", "400"),
            ("Bad Request: chat not found", "400"),
            ("Bad Request: something new", "400"),
            ("Unauthorized", "401"),
            // teloxide reads both as a wrong token.
            ("Not Found", "401"),
            ("Conflict: terminated by other getUpdates request; make sure that only one bot instance is running", "409"),
            ("Request Entity Too Large", "413"),
            ("Bad Gateway", "5xx"),
            ("Internal Server Error", "5xx"),
            ("Too Many Requests: retry after 5", "429"),
        ];
        for (description, code) in cases {
            assert_eq!(code_of(&api(description)), code, "{description}");
        }
        let wait = RequestError::RetryAfter(teloxide::types::Seconds::from_seconds(3));
        assert_eq!(code_of(&wait), "429");
        let migrated = RequestError::MigrateToChatId(teloxide::types::ChatId(-100));
        assert_eq!(code_of(&migrated), "400");
        let io = RequestError::Io(std::sync::Arc::new(std::io::Error::other("reset")));
        assert_eq!(code_of(&io), "network");
    }

    #[test]
    fn inline_variants_are_named_as_telegram_names_them() {
        use teloxide::payloads::{EditMessageText, EditMessageTextInline};
        use teloxide::requests::JsonRequest;
        assert_eq!(
            method_of::<JsonRequest<EditMessageText>>(),
            "editMessageText"
        );
        assert_eq!(
            method_of::<JsonRequest<EditMessageTextInline>>(),
            "editMessageText"
        );
    }
}
