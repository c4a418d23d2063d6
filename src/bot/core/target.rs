//! Whom a coordinator's command names (`/appoint`, `/revoke`, `/adjust`, `/passbook`,
//! `/checkin`): a reply to a message the rider forwarded, or an id or @username as the first
//! argument.

use teloxide::types::{Message, MessageOrigin};

use crate::users::{TargetRef, UserId};

/// What a command's target resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target<'a> {
    /// The rider, and the arguments after them.
    Found(TargetRef, &'a str),
    /// A reply to a forward whose sender hides their account.
    Hidden,
    /// No rider named: the command's usage applies.
    Missing,
}

/// The sender of the forwarded message the command replies to (then every argument is left
/// over), or else the first argument as a user id or @username.
pub fn target<'a>(msg: &Message, args: &'a str) -> Target<'a> {
    let args = args.trim();
    match msg.reply_to_message().and_then(|m| m.forward_origin()) {
        Some(MessageOrigin::User { sender_user, .. }) => {
            return Target::Found(TargetRef::Id(UserId(sender_user.id.0 as i64)), args)
        }
        Some(MessageOrigin::HiddenUser { .. }) => return Target::Hidden,
        _ => {}
    }
    let (first, rest) = first_word(args);
    match TargetRef::parse(first) {
        Some(t) => Target::Found(t, rest),
        None => Target::Missing,
    }
}

/// A command's arguments split at the first space: the first word and the rest, both trimmed.
pub fn first_word(args: &str) -> (&str, &str) {
    let args = args.trim();
    let (first, rest) = args.split_once(char::is_whitespace).unwrap_or((args, ""));
    (first, rest.trim())
}
