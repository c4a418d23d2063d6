//! Configuration, read once from the environment (and `.env`, loaded by `main` through dotenvy).
//!
//! Raw strings are parsed here into checked values; every error names the variable it comes
//! from, so start-up can stop with one clear line instead of a panic.

use std::path::PathBuf;
use std::time::Duration;

use url::Url;

/// Where SQLite lives when `DATABASE_URL` is not set: a file in the working directory.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://rider-bot.db";
pub const DEFAULT_MEDIA_DIR: &str = "media";
pub const DEFAULT_DIALOGUE_IDLE_MINUTES: u64 = 30;
/// teloxide 0.17's HTTP client gives up on any request after 17 s and does not lengthen that
/// for long polls (its `timeout_hint` is commented out), so getUpdates must wait less.
pub const TELOXIDE_REQUEST_TIMEOUT: Duration = Duration::from_secs(17);
pub const DEFAULT_POLLING_TIMEOUT: Duration = Duration::from_secs(10);
pub const DEFAULT_STATION_RADIUS_KM: f64 = 5.0;
pub const DEFAULT_EBIKE_SPEED_KMH: f64 = 15.0;
pub const DEFAULT_STATION_CLOSING_MARGIN_MINUTES: f64 = 15.0;
pub const DEFAULT_REDEMPTION_EXPIRY_DAYS: f64 = 7.0;
pub const DEFAULT_REPORTS_PER_DAY: f64 = 10.0;
/// Photos of a report closed this many days ago are deleted (the report stays).
pub const DEFAULT_PHOTO_RETENTION_DAYS: f64 = 180.0;
/// One person's allowance of updates (`bot::core::flood`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FloodLimits {
    /// Updates a minute, sustained.
    pub per_minute: u32,
    /// Updates at once.
    pub burst: u32,
}

/// What the outbox's sender may send (`OUTBOX_PER_SECOND`, `OUTBOX_GROUP_PER_MINUTE`,
/// `ALLOW_PAID_BROADCAST`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutboxLimits {
    pub per_second: u32,
    pub group_per_minute: u32,
    /// Broadcasts are sent as paid broadcasts (Telegram Stars), up to 1,000 a second.
    pub paid_broadcast: bool,
    /// `OUTBOX_PAID_PER_SECOND`: the paid broadcasts' rate (at most Telegram's 1,000).
    pub paid_per_second: u32,
}

/// Messages a second the outbox sends, under Telegram's free limit of about 30.
pub const DEFAULT_OUTBOX_PER_SECOND: f64 = 25.0;
/// Messages a minute into one group (Telegram's limit).
pub const DEFAULT_OUTBOX_GROUP_PER_MINUTE: f64 = 20.0;

/// Updates one person may send a minute, sustained, before the rest are dropped.
pub const DEFAULT_FLOOD_PER_MINUTE: f64 = 60.0;
/// Updates one person may send at once (an album, a quick run of buttons).
pub const DEFAULT_FLOOD_BURST: f64 = 20.0;
pub const DEFAULT_REPORT_FOLLOW_UP_HOURS: f64 = 72.0;
/// How near a session's station a rider's live location must be to check them in.
pub const DEFAULT_CHECKIN_RADIUS_M: f64 = 200.0;
/// The shortest `CHECKIN_SECRET` accepted, in characters.
pub const CHECKIN_SECRET_MIN_CHARS: usize = 16;
/// The largest file the bot may send as a document (Telegram's Bot API: 50 MB; a local Bot
/// API server takes up to 2,000 MB).
pub const DEFAULT_DOCUMENT_UPLOAD_LIMIT_MB: f64 = 50.0;
pub const DEFAULT_TIMEZONE: chrono_tz::Tz = chrono_tz::Asia::Shanghai;
/// How long `/readyz` trusts a getMe that succeeded, so probes do not each ask Telegram.
pub const DEFAULT_READY_BOT_OK_FOR: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ConfigError {
    #[error("{0} is not set: {1}")]
    Missing(&'static str, &'static str),
    #[error("{var} is malformed: {why}")]
    Malformed { var: &'static str, why: String },
    #[error("{var} ({path}) is not writable: {why}")]
    NotWritable {
        var: &'static str,
        path: String,
        why: String,
    },
}

/// A bot token as @BotFather hands it out: `<bot id>:<secret>`.
#[derive(Clone)]
pub struct BotToken(String);

impl BotToken {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let (id, secret) = raw
            .split_once(':')
            .ok_or("expected <bot id>:<secret>, as @BotFather gives it")?;
        if id.is_empty() || !id.bytes().all(|b| b.is_ascii_digit()) {
            return Err("the part before ':' must be the bot's numeric id".into());
        }
        if secret.is_empty()
            || !secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err("the part after ':' must be letters, digits, '_' or '-'".into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for BotToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret half.
        let id = self.0.split(':').next().unwrap_or_default();
        write!(f, "BotToken({id}:***)")
    }
}

/// `CHECKIN_SECRET`: the key check-in codes are signed with, when the district sets one (else
/// the bot makes one and keeps it in the database). Never printed.
#[derive(Clone, PartialEq, Eq)]
pub struct CheckInSecret(String);

impl CheckInSecret {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        if raw.chars().count() < CHECKIN_SECRET_MIN_CHARS {
            // Say how long it is, never what it is.
            return Err(format!(
                "it is {} characters long; use at least {CHECKIN_SECRET_MIN_CHARS} \
                 (e.g. the output of `openssl rand -hex 32`), or leave it unset",
                raw.chars().count()
            ));
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl std::fmt::Debug for CheckInSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("CheckInSecret(***)")
    }
}

/// `WEBHOOK_SECRET`: what Telegram sends in `X-Telegram-Bot-Api-Secret-Token` with every
/// webhook request (Telegram's rule: 1–256 characters of A-Z, a-z, 0-9, `_` and `-`). Never
/// printed; compared in constant time.
#[derive(Clone, PartialEq, Eq)]
pub struct WebhookSecret(String);

impl WebhookSecret {
    pub fn parse(raw: &str) -> Result<Self, String> {
        let raw = raw.trim();
        let len = raw.chars().count();
        if !(1..=256).contains(&len) {
            return Err(format!(
                "it is {len} characters long; Telegram takes 1 to 256"
            ));
        }
        if !raw
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err("only letters A-Z and a-z, digits, '_' and '-' are allowed \
                        (e.g. the output of `openssl rand -hex 32`)"
                .into());
        }
        Ok(Self(raw.to_owned()))
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `given` (a request's header) is this secret, in time that does not depend on
    /// where they differ.
    pub fn matches(&self, given: &[u8]) -> bool {
        use subtle::ConstantTimeEq;
        self.0.as_bytes().ct_eq(given).into()
    }
}

impl std::fmt::Debug for WebhookSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookSecret(***)")
    }
}

/// Where the HTTP server listens when `HTTP_ADDR` is not set.
pub const DEFAULT_HTTP_ADDR: &str = "127.0.0.1:8080";

#[derive(Debug, Clone)]
pub struct Config {
    /// `TELOXIDE_TOKEN`; only `run` needs it (see [`Config::require_token`]).
    pub token: Option<BotToken>,
    /// `TELOXIDE_API_URL`: a self-hosted Bot API server or an emulator.
    pub api_url: Option<Url>,
    pub database_url: String,
    /// `DATABASE_POOL_SIZE`: connections the bot opens to the database at most.
    pub database_pool_size: u32,
    pub coordinator_ids: Vec<i64>,
    pub coordinator_chat_id: Option<i64>,
    pub media_dir: PathBuf,
    /// A dialogue untouched for longer than this is dropped politely at the next message.
    pub dialogue_idle: Duration,
    /// Long-polling timeout for getUpdates (tests shorten it so shutdown is quick).
    pub polling_timeout: Duration,
    /// How often this instance says it is alive, and after how long a silent one is taken for
    /// dead (fixed: 5 s and 30 s; tests shorten them).
    pub liveness: crate::instances::Liveness,
    /// `STATION_RADIUS_KM`: how far the nearest-station answer looks.
    pub station_radius_km: f64,
    /// `EBIKE_SPEED_KMH`: turns distances into e-bike minutes.
    pub ebike_speed_kmh: f64,
    /// `STATION_CLOSING_MARGIN_MINUTES`: a station closing this soon after the rider arrives
    /// counts as closed.
    pub station_closing_margin_minutes: i64,
    /// `DISTRICT_TIMEZONE`: the zone opening hours are written in.
    pub timezone: chrono_tz::Tz,
    /// `REDEMPTION_EXPIRY_DAYS`: an unconfirmed redemption's points come back after this.
    pub redemption_expiry_days: i64,
    /// Reports one person may file per district day.
    pub reports_per_day: i64,
    /// `FLOOD_PER_MINUTE` and `FLOOD_BURST`: one person's updates past these are dropped before
    /// the dispatcher.
    pub flood: FloodLimits,
    pub outbox: OutboxLimits,
    /// An accepted or routed report unresolved this long is raised again, daily.
    pub report_follow_up_hours: i64,
    /// `PHOTO_RETENTION_DAYS`: photos of reports closed longer than this are deleted.
    pub photo_retention_days: i64,
    /// Where `MEDIA_DIR` is served from, for `media_url` in the Open311 export.
    pub media_base_url: Option<Url>,
    /// `CHECKIN_SECRET`: signs the per-session check-in codes; unset, the database keeps one.
    pub checkin_secret: Option<CheckInSecret>,
    /// `CHECKIN_RADIUS_M`: a live location this near a session's station checks its rider in.
    pub checkin_radius_m: f64,
    /// `DOCUMENT_UPLOAD_LIMIT_MB` in bytes: an export larger than this is zipped.
    pub document_upload_limit: u64,
    /// `VISIT_POINTS`: points a station visit pays (0: none).
    pub visit_points: i64,
    /// `VISIT_POINTS_PER_DAY`: how many of a rider's visits a day pay.
    pub visit_points_per_day: i64,
    /// `WEBHOOK_SECRET`: required in webhook mode and by `webhook set`.
    pub webhook_secret: Option<WebhookSecret>,
    /// `WEBHOOK_PATH`: the path the webhook is served at, when a reverse proxy changes it
    /// (unset: the path of the URL given to `run --webhook`).
    pub webhook_path: Option<String>,
    /// The system clock, or a fixed moment (tests, demos).
    pub clock: crate::clock::Clock,
    /// `HTTP_ADDR`: where the HTTP server listens: `/healthz`, `/readyz` and `/metrics`, and
    /// in webhook mode the webhook (unset: nowhere in polling mode, `DEFAULT_HTTP_ADDR` in
    /// webhook mode; see [`Config::webhook_addr`]).
    pub http_addr: Option<std::net::SocketAddr>,
    /// How long `/readyz` trusts a getMe that succeeded (tests shorten it).
    pub ready_bot_ok_for: Duration,
}

impl Config {
    /// Reads the process environment.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads configuration through `get`, so tests can supply variables without touching the
    /// process environment.
    pub fn from_lookup(get: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let non_empty = |key: &str| get(key).filter(|v| !v.trim().is_empty());

        let token = non_empty("TELOXIDE_TOKEN")
            .map(|raw| {
                BotToken::parse(&raw).map_err(|why| ConfigError::Malformed {
                    var: "TELOXIDE_TOKEN",
                    why,
                })
            })
            .transpose()?;

        let api_url = non_empty("TELOXIDE_API_URL")
            .map(|raw| {
                let url = Url::parse(raw.trim()).map_err(|e| ConfigError::Malformed {
                    var: "TELOXIDE_API_URL",
                    why: e.to_string(),
                })?;
                match url.scheme() {
                    "http" | "https" => Ok(url),
                    other => Err(ConfigError::Malformed {
                        var: "TELOXIDE_API_URL",
                        why: format!("scheme must be http or https, not {other}"),
                    }),
                }
            })
            .transpose()?;

        let database_url =
            non_empty("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        if !database_url.starts_with("sqlite:")
            && !crate::db::postgres::is_postgres_url(&database_url)
        {
            return Err(ConfigError::Malformed {
                var: "DATABASE_URL",
                why: "must be an sqlite: URL (e.g. sqlite://rider-bot.db) or a postgres:// one \
                      (e.g. postgres://rider@localhost/riderbot)"
                    .into(),
            });
        }
        let database_pool_size = match non_empty("DATABASE_POOL_SIZE") {
            None => crate::db::DEFAULT_POOL_SIZE,
            Some(raw) => match raw.trim().parse::<u32>() {
                Ok(n) if (1..=100).contains(&n) => n,
                _ => {
                    return Err(ConfigError::Malformed {
                        var: "DATABASE_POOL_SIZE",
                        why: format!("{:?} is not a whole number from 1 to 100", raw.trim()),
                    })
                }
            },
        };

        let coordinator_ids = match non_empty("COORDINATOR_IDS") {
            None => Vec::new(),
            Some(raw) => parse_id_list(&raw).map_err(|why| ConfigError::Malformed {
                var: "COORDINATOR_IDS",
                why,
            })?,
        };

        let coordinator_chat_id = non_empty("COORDINATOR_CHAT_ID")
            .map(|raw| {
                raw.trim()
                    .parse::<i64>()
                    .map_err(|_| ConfigError::Malformed {
                        var: "COORDINATOR_CHAT_ID",
                        why: format!(
                            "{:?} is not a chat id (an integer, e.g. -1001234567890)",
                            raw.trim()
                        ),
                    })
            })
            .transpose()?;

        let media_dir =
            PathBuf::from(non_empty("MEDIA_DIR").unwrap_or_else(|| DEFAULT_MEDIA_DIR.to_owned()));

        let dialogue_idle = match non_empty("DIALOGUE_IDLE_MINUTES") {
            None => Duration::from_secs(DEFAULT_DIALOGUE_IDLE_MINUTES * 60),
            Some(raw) => match raw.trim().parse::<u64>() {
                Ok(m) if (1..=7 * 24 * 60).contains(&m) => Duration::from_secs(m * 60),
                _ => {
                    return Err(ConfigError::Malformed {
                        var: "DIALOGUE_IDLE_MINUTES",
                        why: format!(
                            "{:?} is not a whole number of minutes from 1 to 10080",
                            raw.trim()
                        ),
                    })
                }
            },
        };

        let flag = |var: &'static str| match non_empty(var).map(|v| v.trim().to_ascii_lowercase()) {
            None => Ok(false),
            Some(v) => match v.as_str() {
                "true" | "1" | "yes" => Ok(true),
                "false" | "0" | "no" => Ok(false),
                _ => Err(ConfigError::Malformed {
                    var,
                    why: format!("{v:?} is not true or false"),
                }),
            },
        };
        let number = |var: &'static str, default: f64, range: std::ops::RangeInclusive<f64>| {
            match non_empty(var) {
                None => Ok(default),
                Some(raw) => match raw.trim().parse::<f64>() {
                    Ok(v) if range.contains(&v) => Ok(v),
                    _ => Err(ConfigError::Malformed {
                        var,
                        why: format!(
                            "{:?} is not a number from {} to {}",
                            raw.trim(),
                            range.start(),
                            range.end()
                        ),
                    }),
                },
            }
        };
        let station_radius_km =
            number("STATION_RADIUS_KM", DEFAULT_STATION_RADIUS_KM, 0.1..=100.0)?;
        let ebike_speed_kmh = number("EBIKE_SPEED_KMH", DEFAULT_EBIKE_SPEED_KMH, 3.0..=60.0)?;
        let redemption_expiry_days = number(
            "REDEMPTION_EXPIRY_DAYS",
            DEFAULT_REDEMPTION_EXPIRY_DAYS,
            1.0..=365.0,
        )?;
        if redemption_expiry_days.fract() != 0.0 {
            return Err(ConfigError::Malformed {
                var: "REDEMPTION_EXPIRY_DAYS",
                why: "must be a whole number of days".into(),
            });
        }
        let whole = |var: &'static str, default: f64, range: std::ops::RangeInclusive<f64>| {
            let v = number(var, default, range)?;
            if v.fract() != 0.0 {
                return Err(ConfigError::Malformed {
                    var,
                    why: "must be a whole number".into(),
                });
            }
            Ok(v as i64)
        };
        let reports_per_day = whole("REPORTS_PER_DAY", DEFAULT_REPORTS_PER_DAY, 1.0..=1000.0)?;
        let outbox = OutboxLimits {
            per_second: whole("OUTBOX_PER_SECOND", DEFAULT_OUTBOX_PER_SECOND, 1.0..=30.0)? as u32,
            group_per_minute: whole(
                "OUTBOX_GROUP_PER_MINUTE",
                DEFAULT_OUTBOX_GROUP_PER_MINUTE,
                1.0..=6000.0,
            )? as u32,
            paid_broadcast: flag("ALLOW_PAID_BROADCAST")?,
            paid_per_second: whole("OUTBOX_PAID_PER_SECOND", 1000.0, 1.0..=1000.0)? as u32,
        };
        let flood = FloodLimits {
            per_minute: whole("FLOOD_PER_MINUTE", DEFAULT_FLOOD_PER_MINUTE, 1.0..=6000.0)? as u32,
            burst: whole("FLOOD_BURST", DEFAULT_FLOOD_BURST, 1.0..=1000.0)? as u32,
        };
        let station_closing_margin_minutes = whole(
            "STATION_CLOSING_MARGIN_MINUTES",
            DEFAULT_STATION_CLOSING_MARGIN_MINUTES,
            0.0..=240.0,
        )?;
        let report_follow_up_hours = whole(
            "REPORT_FOLLOW_UP_HOURS",
            DEFAULT_REPORT_FOLLOW_UP_HOURS,
            1.0..=24.0 * 365.0,
        )?;
        let photo_retention_days = whole(
            "PHOTO_RETENTION_DAYS",
            DEFAULT_PHOTO_RETENTION_DAYS,
            1.0..=3650.0,
        )?;
        let checkin_radius_m =
            whole("CHECKIN_RADIUS_M", DEFAULT_CHECKIN_RADIUS_M, 10.0..=5000.0)? as f64;
        let visit_points = whole("VISIT_POINTS", 0.0, 0.0..=1000.0)?;
        let visit_points_per_day = whole("VISIT_POINTS_PER_DAY", 1.0, 1.0..=50.0)?;
        let document_upload_limit = whole(
            "DOCUMENT_UPLOAD_LIMIT_MB",
            DEFAULT_DOCUMENT_UPLOAD_LIMIT_MB,
            1.0..=2000.0,
        )? as u64
            * 1024
            * 1024;
        let checkin_secret = non_empty("CHECKIN_SECRET")
            .map(|raw| {
                CheckInSecret::parse(&raw).map_err(|why| ConfigError::Malformed {
                    var: "CHECKIN_SECRET",
                    why,
                })
            })
            .transpose()?;
        let media_base_url = non_empty("MEDIA_BASE_URL")
            .map(|raw| {
                let mut raw = raw.trim().to_owned();
                if !raw.ends_with('/') {
                    raw.push('/');
                }
                Url::parse(&raw)
                    .ok()
                    .filter(|u| matches!(u.scheme(), "http" | "https"))
                    .ok_or_else(|| ConfigError::Malformed {
                        var: "MEDIA_BASE_URL",
                        why: format!("{raw:?} is not an http(s) URL"),
                    })
            })
            .transpose()?;
        let timezone = match non_empty("DISTRICT_TIMEZONE") {
            None => DEFAULT_TIMEZONE,
            Some(raw) => {
                raw.trim()
                    .parse::<chrono_tz::Tz>()
                    .map_err(|_| ConfigError::Malformed {
                        var: "DISTRICT_TIMEZONE",
                        why: format!(
                            "{:?} is not an IANA time zone such as Asia/Shanghai",
                            raw.trim()
                        ),
                    })?
            }
        };

        let http_addr = non_empty("HTTP_ADDR")
            .map(|raw| {
                raw.trim()
                    .parse::<std::net::SocketAddr>()
                    .map_err(|_| ConfigError::Malformed {
                        var: "HTTP_ADDR",
                        why: format!(
                            "{:?} is not an address and port such as 0.0.0.0:8080 or 127.0.0.1:9090",
                            raw.trim()
                        ),
                    })
            })
            .transpose()?;
        let webhook_secret = non_empty("WEBHOOK_SECRET")
            .map(|raw| {
                WebhookSecret::parse(&raw).map_err(|why| ConfigError::Malformed {
                    var: "WEBHOOK_SECRET",
                    why,
                })
            })
            .transpose()?;
        let webhook_path = non_empty("WEBHOOK_PATH")
            .map(|raw| {
                let raw = raw.trim();
                match raw.starts_with('/') && !raw.contains(|c: char| c.is_whitespace() || c == '?')
                {
                    true => Ok(raw.to_owned()),
                    false => Err(ConfigError::Malformed {
                        var: "WEBHOOK_PATH",
                        why: "expected a path starting with '/', e.g. /telegram".into(),
                    }),
                }
            })
            .transpose()?;

        Ok(Self {
            token,
            api_url,
            database_url,
            database_pool_size,
            coordinator_ids,
            coordinator_chat_id,
            media_dir,
            dialogue_idle,
            polling_timeout: DEFAULT_POLLING_TIMEOUT,
            liveness: crate::instances::Liveness::default(),
            station_radius_km,
            ebike_speed_kmh,
            station_closing_margin_minutes,
            timezone,
            redemption_expiry_days: redemption_expiry_days as i64,
            reports_per_day,
            flood,
            outbox,
            report_follow_up_hours,
            photo_retention_days,
            media_base_url,
            checkin_secret,
            checkin_radius_m,
            document_upload_limit,
            visit_points,
            visit_points_per_day,
            webhook_secret,
            webhook_path,
            clock: crate::clock::Clock::System,
            http_addr,
            ready_bot_ok_for: DEFAULT_READY_BOT_OK_FOR,
        })
    }

    /// Where webhook mode listens: `HTTP_ADDR`, or `DEFAULT_HTTP_ADDR` when unset.
    pub fn webhook_addr(&self) -> std::net::SocketAddr {
        self.http_addr.unwrap_or_else(|| {
            DEFAULT_HTTP_ADDR
                .parse()
                .expect("DEFAULT_HTTP_ADDR is an address")
        })
    }

    pub fn require_token(&self) -> Result<&BotToken, ConfigError> {
        self.token.as_ref().ok_or(ConfigError::Missing(
            "TELOXIDE_TOKEN",
            "put the token from @BotFather in .env or the environment (see .env.example)",
        ))
    }

    pub fn require_webhook_secret(&self) -> Result<&WebhookSecret, ConfigError> {
        self.webhook_secret.as_ref().ok_or(ConfigError::Missing(
            "WEBHOOK_SECRET",
            "webhook mode needs it: 1 to 256 letters, digits, '_' or '-' (e.g. `openssl rand -hex 32`)",
        ))
    }

    /// Creates `MEDIA_DIR` if needed and proves it writable, so a bad path stops start-up
    /// instead of failing on the first photo.
    pub fn ensure_media_dir(&self) -> Result<(), ConfigError> {
        let fail = |why: String| ConfigError::NotWritable {
            var: "MEDIA_DIR",
            path: self.media_dir.display().to_string(),
            why,
        };
        std::fs::create_dir_all(&self.media_dir).map_err(|e| fail(e.to_string()))?;
        let probe = self.media_dir.join(".write-test");
        std::fs::write(&probe, b"ok").map_err(|e| fail(e.to_string()))?;
        let _ = std::fs::remove_file(&probe);
        Ok(())
    }
}

fn parse_id_list(raw: &str) -> Result<Vec<i64>, String> {
    let mut ids = Vec::new();
    for part in raw.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let id: i64 = part.parse().map_err(|_| {
            format!("{part:?} is not a Telegram user id (expected e.g. 12345,67890)")
        })?;
        if id <= 0 {
            return Err(format!("{id} is not a user id: user ids are positive"));
        }
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(vars: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> = vars
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_apply_when_nothing_is_set() {
        let c = cfg(&[]).unwrap();
        assert!(c.token.is_none());
        assert_eq!(c.database_url, DEFAULT_DATABASE_URL);
        assert_eq!(c.dialogue_idle, Duration::from_secs(30 * 60));
        assert!(c.coordinator_ids.is_empty());
        assert_eq!(
            c.require_token().unwrap_err().to_string().split(' ').next(),
            Some("TELOXIDE_TOKEN")
        );
    }

    #[test]
    fn long_polls_end_before_teloxides_request_timeout() {
        let c = cfg(&[]).unwrap();
        assert!(c.polling_timeout + Duration::from_secs(2) < TELOXIDE_REQUEST_TIMEOUT);
    }

    #[test]
    fn coordinator_ids_are_parsed_and_deduplicated() {
        let c = cfg(&[("COORDINATOR_IDS", " 12, 34,12 ,")]).unwrap();
        assert_eq!(c.coordinator_ids, vec![12, 34]);
    }

    #[test]
    fn a_malformed_coordinator_list_names_the_variable() {
        let err = cfg(&[("COORDINATOR_IDS", "12,abc")]).unwrap_err();
        assert!(matches!(
            err,
            ConfigError::Malformed {
                var: "COORDINATOR_IDS",
                ..
            }
        ));
        assert!(err.to_string().starts_with("COORDINATOR_IDS is malformed"));
        assert!(cfg(&[("COORDINATOR_IDS", "-5")]).is_err());
    }

    #[test]
    fn a_malformed_token_is_rejected_and_never_printed() {
        assert!(cfg(&[("TELOXIDE_TOKEN", "nocolon")]).is_err());
        assert!(cfg(&[("TELOXIDE_TOKEN", "abc:def")]).is_err());
        let c = cfg(&[("TELOXIDE_TOKEN", "123:SECRET-part_x")]).unwrap();
        let shown = format!("{:?}", c.token.unwrap());
        assert!(!shown.contains("SECRET"), "{shown}");
    }

    #[test]
    fn other_malformed_values_name_their_variable() {
        for (var, value) in [
            ("TELOXIDE_API_URL", "not a url"),
            ("TELOXIDE_API_URL", "ftp://x"),
            ("DATABASE_URL", "mysql://x"),
            ("DATABASE_POOL_SIZE", "0"),
            ("DATABASE_POOL_SIZE", "many"),
            ("COORDINATOR_CHAT_ID", "group"),
            ("DIALOGUE_IDLE_MINUTES", "0"),
            ("DIALOGUE_IDLE_MINUTES", "ten"),
            ("STATION_RADIUS_KM", "0"),
            ("STATION_RADIUS_KM", "far"),
            ("EBIKE_SPEED_KMH", "500"),
            ("DISTRICT_TIMEZONE", "Mars/Olympus"),
            ("REDEMPTION_EXPIRY_DAYS", "0"),
            ("REDEMPTION_EXPIRY_DAYS", "1.5"),
            ("CHECKIN_RADIUS_M", "5"),
            ("CHECKIN_RADIUS_M", "150.5"),
            ("CHECKIN_SECRET", "short"),
            ("HTTP_ADDR", "8080"),
            ("HTTP_ADDR", "localhost:9090"),
            ("HTTP_ADDR", "127.0.0.1"),
            ("WEBHOOK_SECRET", "has space"),
            ("WEBHOOK_SECRET", "ünïcode"),
            ("WEBHOOK_PATH", "telegram"),
        ] {
            let err = cfg(&[(var, value)]).unwrap_err();
            assert!(err.to_string().starts_with(var), "{var}={value}: {err}");
        }
    }

    #[test]
    fn the_http_address_is_optional_and_an_ip_with_a_port() {
        assert_eq!(cfg(&[]).unwrap().http_addr, None);
        let c = cfg(&[("HTTP_ADDR", " 0.0.0.0:9090 ")]).unwrap();
        assert_eq!(c.http_addr, Some("0.0.0.0:9090".parse().unwrap()));
        let c = cfg(&[("HTTP_ADDR", "[::1]:9090")]).unwrap();
        assert_eq!(c.http_addr.map(|a| a.port()), Some(9090));
    }

    #[test]
    fn the_check_in_secret_is_optional_checked_for_length_and_never_printed() {
        let c = cfg(&[]).unwrap();
        assert!(c.checkin_secret.is_none());
        assert_eq!(c.checkin_radius_m, DEFAULT_CHECKIN_RADIUS_M);
        let err = cfg(&[("CHECKIN_SECRET", "hunter2")]).unwrap_err();
        assert!(!err.to_string().contains("hunter2"), "{err}");
        let c = cfg(&[
            ("CHECKIN_SECRET", "  a-long-enough-SECRET-value "),
            ("CHECKIN_RADIUS_M", "350"),
        ])
        .unwrap();
        let secret = c.checkin_secret.unwrap();
        assert_eq!(secret.expose(), b"a-long-enough-SECRET-value");
        assert!(!format!("{secret:?}").contains("SECRET-value"));
        assert_eq!(c.checkin_radius_m, 350.0);
    }

    #[test]
    fn the_webhook_secret_follows_telegrams_rule_and_is_never_printed() {
        let c = cfg(&[]).unwrap();
        assert!(c.webhook_secret.is_none());
        assert_eq!(c.webhook_addr().to_string(), DEFAULT_HTTP_ADDR);
        // Only a proxy on the same host reaches it unless the operator says otherwise.
        assert!(c.webhook_addr().ip().is_loopback());
        assert!(c
            .require_webhook_secret()
            .unwrap_err()
            .to_string()
            .starts_with("WEBHOOK_SECRET is not set"));
        let longest = "a".repeat(256);
        assert!(WebhookSecret::parse(&longest).is_ok());
        assert!(WebhookSecret::parse(&format!("{longest}a")).is_err());
        let err = cfg(&[("WEBHOOK_SECRET", "bad/secret")]).unwrap_err();
        assert!(!err.to_string().contains("bad/secret"), "{err}");
        let c = cfg(&[
            ("WEBHOOK_SECRET", "Abc_123-xyz"),
            ("HTTP_ADDR", "127.0.0.1:9000"),
        ])
        .unwrap();
        let secret = c.webhook_secret.clone().unwrap();
        assert!(secret.matches(b"Abc_123-xyz"));
        assert!(!secret.matches(b"Abc_123-xy"));
        assert!(!secret.matches(b"Abc_123-xyZ"));
        assert!(!secret.matches(b""));
        assert!(!format!("{secret:?}").contains("Abc"));
        assert_eq!(c.webhook_addr().port(), 9000);
    }

    #[test]
    fn an_unwritable_media_dir_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a-file");
        std::fs::write(&file, b"x").unwrap();
        let mut c = cfg(&[]).unwrap();
        c.media_dir = file.join("sub");
        let err = c.ensure_media_dir().unwrap_err();
        assert!(err.to_string().starts_with("MEDIA_DIR"), "{err}");
        c.media_dir = dir.path().join("media");
        c.ensure_media_dir().unwrap();
    }
}
