//! `rider-bot doctor`: whether a deployment is right, before riders find out. One line a check,
//! passed or failed with what to do: the token, the coordinators' group and the bot's rights in
//! it, the media folder, the database and its migrations, the time zone. `run` logs the same
//! lines at start. Nothing here changes any data: the database is opened read-only and the
//! media folder is only probed with a file that is removed at once.

use std::path::Path;
use std::str::FromStr;
use std::time::Duration;

use sqlx::sqlite::SqliteConnectOptions;
use sqlx::ConnectOptions;
use teloxide::prelude::*;
use teloxide::types::ChatMemberKind;

use crate::config::Config;
use crate::db;

/// How long a Bot API request of the doctor may take.
const TIMEOUT: Duration = Duration::from_secs(10);

/// One check's outcome.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Check {
    pub ok: bool,
    pub what: &'static str,
    /// What was found, or what is wrong and how to fix it.
    pub detail: String,
}

impl std::fmt::Display for Check {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mark = if self.ok { "✅" } else { "❌" };
        write!(f, "{mark} {}: {}", self.what, self.detail)
    }
}

fn pass(what: &'static str, detail: impl Into<String>) -> Check {
    Check {
        ok: true,
        what,
        detail: detail.into(),
    }
}

fn fail(what: &'static str, detail: impl Into<String>) -> Check {
    Check {
        ok: false,
        what,
        detail: detail.into(),
    }
}

/// Every check, in order.
pub async fn checks(config: &Config) -> Vec<Check> {
    let mut out = vec![configuration(config)];
    let (token, me) = token(config).await;
    out.push(token);
    out.push(group(config, me.as_ref()).await);
    out.push(media(config));
    out.push(database(config).await);
    out.push(time(config));
    out
}

fn configuration(config: &Config) -> Check {
    pass(
        "configuration",
        format!(
            "parses ({} coordinators, district time zone {})",
            config.coordinator_ids.len(),
            config.timezone
        ),
    )
}

async fn token(config: &Config) -> (Check, Option<teloxide::types::Me>) {
    const WHAT: &str = "token";
    let bot = match crate::startup::bot_for(config) {
        Ok(bot) => bot,
        Err(err) => return (fail(WHAT, err.to_string()), None),
    };
    match tokio::time::timeout(TIMEOUT, crate::ops::api::call(bot.get_me())).await {
        Ok(Ok(me)) => {
            let name = me.username.clone().unwrap_or_default();
            (
                pass(
                    WHAT,
                    format!("accepted by the Bot API (@{name}, id {})", me.id),
                ),
                Some(me),
            )
        }
        Ok(Err(teloxide::RequestError::Api(e))) => (
            fail(
                WHAT,
                format!("the Bot API refused it ({e}): get the token again from @BotFather"),
            ),
            None,
        ),
        Ok(Err(e)) => (
            fail(
                WHAT,
                format!("cannot reach the Bot API ({e}): check the network and TELOXIDE_API_URL"),
            ),
            None,
        ),
        Err(_) => (
            fail(
                WHAT,
                "the Bot API did not answer within 10 s: check the network and TELOXIDE_API_URL",
            ),
            None,
        ),
    }
}

async fn group(config: &Config, me: Option<&teloxide::types::Me>) -> Check {
    const WHAT: &str = "coordinators' group";
    let Some(chat) = config.coordinator_chat_id.map(ChatId) else {
        return pass(
            WHAT,
            "COORDINATOR_CHAT_ID is not set: reports are kept and coordinators see them with /reports",
        );
    };
    let (Some(me), Ok(bot)) = (me, crate::startup::bot_for(config)) else {
        return fail(WHAT, "not checked: the token did not pass");
    };
    let add = format!(
        "add @{} to the group {} (or fix COORDINATOR_CHAT_ID)",
        me.username.as_deref().unwrap_or("the bot"),
        chat.0
    );
    let info = match tokio::time::timeout(TIMEOUT, crate::ops::api::call(bot.get_chat(chat)))
        .await
        .unwrap_or(Err(teloxide::RequestError::Io(std::sync::Arc::new(
            std::io::Error::other("timed out"),
        )))) {
        Ok(info) => info,
        Err(e) => return fail(WHAT, format!("{} is not reachable ({e}): {add}", chat.0)),
    };
    // What members may do there by default (a plain member has exactly this).
    let defaults = info.permissions();
    let member = match tokio::time::timeout(
        TIMEOUT,
        crate::ops::api::call(bot.get_chat_member(chat, me.id)),
    )
    .await
    {
        Ok(Ok(member)) => member,
        Ok(Err(e)) => {
            return fail(
                WHAT,
                format!("cannot read the bot's membership ({e}): {add}"),
            )
        }
        Err(_) => return fail(WHAT, "the Bot API did not answer within 10 s"),
    };
    // The card is a photo (or an album) and a message with buttons; the bot edits its own
    // messages whatever its rights, and presses on its buttons are always sent to it.
    let ok = |role: &str| {
        pass(
            WHAT,
            format!(
                "{}: the bot is {role}; it may post cards with their photos and edit them",
                chat.0
            ),
        )
    };
    let cannot = |what: &str| {
        fail(
            WHAT,
            format!(
                "{}: the bot may not send {what} there: allow it (or make the bot an administrator)",
                chat.0
            ),
        )
    };
    match member.kind {
        ChatMemberKind::Owner(_) => ok("the owner"),
        ChatMemberKind::Administrator(_) => ok("an administrator"),
        ChatMemberKind::Member(_) => match defaults {
            Some(p) if !p.can_send_messages() => cannot("messages"),
            Some(p) if !p.can_send_photos() => cannot("photos"),
            Some(_) | None => ok("a member"),
        },
        ChatMemberKind::Restricted(r) if !r.can_send_messages => cannot("messages"),
        ChatMemberKind::Restricted(r) if !r.can_send_photos => cannot("photos"),
        ChatMemberKind::Restricted(_) => ok("a restricted member"),
        ChatMemberKind::Left | ChatMemberKind::Banned(_) => {
            fail(WHAT, format!("{}: the bot is not a member: {add}", chat.0))
        }
    }
}

fn media(config: &Config) -> Check {
    const WHAT: &str = "media folder";
    let dir = config.media_dir.display().to_string();
    if let Err(e) = config.ensure_media_dir() {
        return fail(
            WHAT,
            format!("{e}: create it or set MEDIA_DIR to a writable folder"),
        );
    }
    match free_space(&config.media_dir) {
        Some(free) if free < 100 * 1024 * 1024 => fail(
            WHAT,
            format!(
                "{dir} is writable but only {} MiB are free: free some space",
                free >> 20
            ),
        ),
        Some(free) => pass(WHAT, format!("{dir} is writable, {} MiB free", free >> 20)),
        None => pass(WHAT, format!("{dir} is writable (free space unknown)")),
    }
}

/// Bytes free for an unprivileged writer on the file system holding `dir`.
#[cfg(unix)]
fn free_space(dir: &Path) -> Option<u64> {
    use std::os::unix::ffi::OsStrExt;
    let path = std::ffi::CString::new(dir.as_os_str().as_bytes()).ok()?;
    let mut stat = std::mem::MaybeUninit::<libc::statvfs>::uninit();
    // SAFETY: `path` is a valid C string and `stat` is written by statvfs before it is read.
    let stat = unsafe {
        if libc::statvfs(path.as_ptr(), stat.as_mut_ptr()) != 0 {
            return None;
        }
        stat.assume_init()
    };
    // The field types differ between systems (u32 on some).
    #[allow(clippy::useless_conversion)]
    let free = u64::from(stat.f_bavail) * u64::from(stat.f_frsize);
    Some(free)
}

#[cfg(not(unix))]
fn free_space(_dir: &Path) -> Option<u64> {
    None
}

async fn database(config: &Config) -> Check {
    const WHAT: &str = "database";
    let url = &config.database_url;
    if db::Engine::of_url(url) == db::Engine::Postgres {
        return postgres_database(url).await;
    }
    let options = match SqliteConnectOptions::from_str(url) {
        Ok(o) => o.read_only(true).create_if_missing(false),
        Err(e) => return fail(WHAT, format!("DATABASE_URL is malformed: {e}")),
    };
    let mut conn = match options.connect().await {
        Ok(conn) => conn,
        Err(e) => {
            return fail(
                WHAT,
                format!("{url} does not open ({e}): `rider-bot migrate` creates it"),
            )
        }
    };
    let mode: String = match sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(&mut conn)
        .await
    {
        Ok(mode) => mode,
        Err(e) => return fail(WHAT, format!("{url} cannot be read: {e}")),
    };
    drop(conn);
    let pool = match sqlx::SqlitePool::connect_with(options).await {
        Ok(pool) => pool,
        Err(e) => return fail(WHAT, format!("{url} does not open: {e}")),
    };
    let level = db::sqlite_migration_level(&pool).await;
    pool.close().await;
    match level {
        Err(e) => fail(WHAT, e.to_string()),
        Ok((applied, known)) if applied < known => fail(
            WHAT,
            format!(
                "{url}: {} of {known} migrations to apply: `rider-bot migrate` (or `run`) applies them",
                known - applied
            ),
        ),
        Ok(_) if !mode.eq_ignore_ascii_case("wal") => fail(
            WHAT,
            format!("{url}: journal mode is {mode}, not WAL: `rider-bot migrate` sets it"),
        ),
        Ok((applied, _)) => pass(
            WHAT,
            format!("{url} opens, its {applied} migrations are current, WAL is on"),
        ),
    }
}

/// The PostgreSQL database opens and its migrations are current. The URL is not shown: it may
/// hold a password.
async fn postgres_database(url: &str) -> Check {
    const WHAT: &str = "database";
    let pool = match db::connect_sized(url, 1).await {
        Ok(pool) => pool,
        Err(e) => {
            return fail(
                WHAT,
                format!("PostgreSQL does not open ({e}): create the database first"),
            )
        }
    };
    let level = db::migration_level(&pool).await;
    pool.close().await;
    match level {
        Err(e) => fail(WHAT, e.to_string()),
        Ok((applied, known)) if applied < known => fail(
            WHAT,
            format!(
                "PostgreSQL: {} of {known} migrations to apply: `rider-bot migrate` (or `run`) applies them",
                known - applied
            ),
        ),
        Ok((applied, _)) => pass(
            WHAT,
            format!("PostgreSQL opens, its {applied} migrations are current"),
        ),
    }
}

fn time(config: &Config) -> Check {
    let now = config.clock.now();
    let local = now.with_timezone(&config.timezone);
    // A clock years off (a board without a battery) would make every opening time wrong.
    if now.timestamp() < 1_700_000_000 {
        return fail(
            "clock",
            format!("the system clock says {now}, which is not plausible: set the time (NTP)"),
        );
    }
    pass(
        "clock",
        format!(
            "{} in {} (UTC{})",
            local.format("%Y-%m-%d %H:%M"),
            config.timezone,
            local.format("%:z")
        ),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_check_reads_as_one_line_with_its_mark() {
        assert_eq!(pass("token", "ok").to_string(), "✅ token: ok");
        assert_eq!(fail("token", "bad").to_string(), "❌ token: bad");
    }

    #[test]
    fn free_space_is_read_for_an_existing_folder() {
        let dir = tempfile::tempdir().unwrap();
        assert!(free_space(dir.path()).is_some_and(|b| b > 0));
    }
}
