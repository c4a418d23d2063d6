//! What can go wrong in a handler, and the one place where an expected refusal becomes the
//! rider's words.
//!
//! A domain error is either a refusal the rider should read ("only coordinators can do that",
//! "that session has started") or a failure (the database is gone). Each capability says which
//! by implementing [`Explain`] for its error; [`crate::bot::core::Ctx::refuse`] sends the words
//! or passes the failure on to the guard, which logs it and asks the rider to try again. The
//! refusals every capability shares ([`Refusal`]) have their words here.

use teloxide::RequestError;

use super::dialogue::StorageError;
use crate::i18n::Lang;
use crate::tr;
use crate::users::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum BotError {
    #[error("telegram: {0}")]
    Telegram(#[from] RequestError),
    #[error("database: {0}")]
    Db(#[from] sqlx::Error),
    #[error("dialogue storage: {0}")]
    Storage(#[from] StorageError),
    /// A domain error that is not a refusal the rider can act on.
    #[error("{0}")]
    Domain(Box<dyn std::error::Error + Send + Sync>),
    /// A capability's setting was not registered: a wiring mistake.
    #[error("{0} was not registered with the router")]
    Missing(&'static str),
    #[error("internal: {0}")]
    Internal(String),
}

impl BotError {
    pub fn domain(err: impl std::error::Error + Send + Sync + 'static) -> BotError {
        BotError::Domain(Box::new(err))
    }
}

pub type HandlerResult<T = ()> = Result<T, BotError>;

/// A domain error as the rider reads it.
pub trait Explain: std::error::Error + Send + Sync + Sized + 'static {
    /// The words for an expected refusal; `None` for a failure the rider cannot act on.
    fn words(&self, lang: Lang) -> Option<String>;
}

impl Explain for Refusal {
    fn words(&self, lang: Lang) -> Option<String> {
        Some(match self {
            Refusal::NotCoordinator => tr!(lang, "role-not-coordinator"),
            // Only a button can reach a rule for registered riders without registering first
            // (menus and commands start registration instead): the button is from before.
            Refusal::NotRegistered => tr!(lang, "button-expired"),
            Refusal::UnknownUser => tr!(lang, "role-unknown-user"),
            Refusal::TargetNotRegistered => tr!(lang, "role-not-registered"),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shared_refusal_has_words_in_both_languages() {
        for lang in Lang::ALL {
            for r in [
                Refusal::NotCoordinator,
                Refusal::NotRegistered,
                Refusal::UnknownUser,
                Refusal::TargetNotRegistered,
            ] {
                let words = r.words(lang).unwrap();
                assert!(
                    !words.is_empty() && !words.contains("role-"),
                    "{r:?}: {words}"
                );
            }
        }
    }
}
