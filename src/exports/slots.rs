//! How many exports run at once: one per coordinator, and a few in all (each holds a database
//! connection and a blocking thread while it runs). A slot is given back when dropped, however
//! the export ends.

use std::collections::HashSet;
use std::sync::{Arc, Mutex};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::users::UserId;

/// Exports running at once, in all.
pub const AT_ONCE: usize = 2;

/// The slots; cheap to share.
#[derive(Debug, Clone)]
pub struct Slots {
    all: Arc<Semaphore>,
    running: Arc<Mutex<HashSet<UserId>>>,
}

impl Default for Slots {
    fn default() -> Self {
        Slots::new(AT_ONCE)
    }
}

/// Why no slot was given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Busy {
    /// This coordinator's previous export is still being prepared.
    Yours,
    /// As many exports as may run at once are running.
    Full,
}

/// A running export's place; dropping it frees the place.
#[derive(Debug)]
pub struct Slot {
    _permit: OwnedSemaphorePermit,
    who: UserId,
    running: Arc<Mutex<HashSet<UserId>>>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.running
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.who);
    }
}

impl Slots {
    pub fn new(at_once: usize) -> Slots {
        Slots {
            all: Arc::new(Semaphore::new(at_once)),
            running: Arc::default(),
        }
    }

    /// A place for `who`'s export, without waiting.
    pub fn take(&self, who: UserId) -> Result<Slot, Busy> {
        let mut running = self.running.lock().unwrap_or_else(|p| p.into_inner());
        if running.contains(&who) {
            return Err(Busy::Yours);
        }
        let permit = self
            .all
            .clone()
            .try_acquire_owned()
            .map_err(|_| Busy::Full)?;
        running.insert(who);
        Ok(Slot {
            _permit: permit,
            who,
            running: self.running.clone(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_per_coordinator_and_a_few_in_all_given_back_when_dropped() {
        let slots = Slots::new(2);
        let a = slots.take(UserId(1)).unwrap();
        assert_eq!(slots.take(UserId(1)).unwrap_err(), Busy::Yours);
        let b = slots.take(UserId(2)).unwrap();
        assert_eq!(slots.take(UserId(3)).unwrap_err(), Busy::Full);
        drop(a);
        assert_eq!(slots.take(UserId(2)).unwrap_err(), Busy::Yours);
        let c = slots.take(UserId(3)).unwrap();
        drop((b, c));
        assert!(slots.take(UserId(1)).is_ok());
    }
}
