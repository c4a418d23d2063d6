//! Logging with tracing. `RUST_LOG` picks the level (default `info`); `LOG_FORMAT=json` writes
//! one JSON object a line for log collectors (anything else: plain text). Log lines carry
//! update, chat and user ids, states and errors; never names, phone numbers or message text.

use tracing_subscriber::EnvFilter;

/// Installs the subscriber; `default` is the filter when `RUST_LOG` is not set.
pub fn init_with(default: &str) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(default));
    let json = std::env::var("LOG_FORMAT").is_ok_and(|f| f.trim().eq_ignore_ascii_case("json"));
    // A second call (tests) finds a subscriber already installed; that is fine.
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

pub fn init() {
    init_with("info");
}
