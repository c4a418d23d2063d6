//! What a handler says happens next. Handlers do not call the main menu or each other's
//! prompts: they return a [`Next`], and the router saves the dialogue and asks the question.

use super::error::BotError;

/// What happens after a handler has answered. `T` is the step type it may move to: a
/// capability's own `Step` inside the capability, the router's `State` once wired.
#[derive(Debug, Clone, PartialEq)]
pub enum Next<T> {
    /// The answer is complete; the dialogue stays where it was.
    Stay,
    /// Ask the question of the step in progress again, if there is one (after a command that
    /// only showed something); from the main menu, nothing more.
    Resume,
    /// Ask again what the dialogue waits for: the step's question, or the main menu (or the
    /// privacy notice, for someone not registered) when idle.
    Ask,
    /// The rider switched language: ask again what the dialogue waits for, in `Lang`.
    AskIn(crate::i18n::Lang),
    /// Move to this step (saving it) and ask its question.
    Go(T),
    /// Move to this step (saving it) without asking: the handler has shown it already (a
    /// toggle edited in place).
    Save(T),
    /// The dialogue is over; show the main menu.
    Menu,
    /// The dialogue is over; the handler has already said what comes next.
    Idle,
    /// The handler ended the dialogue itself, in the transaction of the change that ended it
    /// (a registration, a filed report), and has said what comes next.
    Ended,
    /// The dialogue is over because the rider cancelled it: say so, with the main menu.
    Cancelled,
    /// The handler ended the dialogue itself; now follow this deep-link payload (one kept
    /// through registration, or sent with `/start`).
    Follow(String),
}

/// The result of a handler.
pub type Outcome<T> = Result<Next<T>, BotError>;

impl<T> Next<T> {
    /// The same outcome, with a step of another type.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Next<U> {
        match self {
            Next::Stay => Next::Stay,
            Next::Resume => Next::Resume,
            Next::Ask => Next::Ask,
            Next::AskIn(lang) => Next::AskIn(lang),
            Next::Go(step) => Next::Go(f(step)),
            Next::Save(step) => Next::Save(f(step)),
            Next::Menu => Next::Menu,
            Next::Idle => Next::Idle,
            Next::Ended => Next::Ended,
            Next::Cancelled => Next::Cancelled,
            Next::Follow(payload) => Next::Follow(payload),
        }
    }
}

/// The step type of a capability that has no dialogue of its own.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoStep {}

impl Next<NoStep> {
    /// The same outcome for any step type (it cannot name a step).
    pub fn widen<T>(self) -> Next<T> {
        self.map(|never| match never {})
    }
}

/// A dialogue state that may hold a capability's step `S`: the router's `State` implements it
/// once per capability with steps, so the capability can read its own step and build a state
/// from it without naming the router.
pub trait HasStep<S>: From<S> {
    /// The step, when the dialogue is in one of this capability's steps.
    fn step(&self) -> Option<&S>;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mapping_keeps_the_outcome_and_changes_only_the_step() {
        assert_eq!(Next::Go(2).map(|n| n * 10), Next::Go(20));
        assert_eq!(Next::<u8>::Resume.map(u32::from), Next::Resume);
        assert_eq!(
            Next::<u8>::Follow("st-A".into()).map(u32::from),
            Next::Follow("st-A".into())
        );
        assert_eq!(Next::<NoStep>::Cancelled.widen::<u8>(), Next::Cancelled);
    }
}
