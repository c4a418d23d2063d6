//! Whom a coordinator's command names: a Telegram user id or an @username. Parsed here once;
//! the transport adds the third way (replying to a forwarded message) in `bot::core::target`.

use crate::db::Conn;

use super::{store, User, UserId};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TargetRef {
    Id(UserId),
    Username(String),
}

impl TargetRef {
    /// The user this names, if the bot knows them.
    pub async fn find(&self, conn: &mut Conn) -> Result<Option<User>, sqlx::Error> {
        match self {
            TargetRef::Id(id) => store::find(conn, *id).await,
            TargetRef::Username(name) => store::find_by_username(conn, name).await,
        }
    }

    pub fn parse(raw: &str) -> Option<TargetRef> {
        let raw = raw.trim();
        if let Some(name) = raw.strip_prefix('@') {
            // Telegram usernames: 5 to 32 characters of a-z, 0-9 and underscores.
            let ok = (4..=32).contains(&name.len())
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
            return ok.then(|| TargetRef::Username(name.to_ascii_lowercase()));
        }
        match raw.parse::<i64>() {
            Ok(id) if id > 0 => Some(TargetRef::Id(UserId(id))),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_and_usernames_parse_and_anything_else_does_not() {
        assert_eq!(TargetRef::parse(" 42 "), Some(TargetRef::Id(UserId(42))));
        assert_eq!(
            TargetRef::parse("@Rider_One"),
            Some(TargetRef::Username("rider_one".into()))
        );
        for bad in [
            "",
            "0",
            "-5",
            "@ab",
            "@has space",
            "name",
            &format!("@{}", "a".repeat(33)),
        ] {
            assert_eq!(TargetRef::parse(bad), None, "{bad:?}");
        }
    }
}
