//! The time the bot believes it is. Production reads the system clock; tests and demos can fix
//! it, so "open now" and "closes at 20:00" are checked against a known moment.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, Utc};

#[derive(Debug, Clone, Default)]
pub enum Clock {
    #[default]
    System,
    /// Stands still at a moment until moved on with [`Clock::advance`] (shared by clones).
    Manual(Arc<Mutex<DateTime<Utc>>>),
}

impl Clock {
    pub fn fixed(at: DateTime<Utc>) -> Clock {
        Clock::Manual(Arc::new(Mutex::new(at)))
    }

    pub fn now(&self) -> DateTime<Utc> {
        match self {
            Clock::System => Utc::now(),
            Clock::Manual(at) => *at.lock().unwrap_or_else(|p| p.into_inner()),
        }
    }

    /// Moves a manual clock on (the system clock moves by itself).
    pub fn advance(&self, by: Duration) {
        if let Clock::Manual(at) = self {
            *at.lock().unwrap_or_else(|p| p.into_inner()) += by;
        }
    }
}
