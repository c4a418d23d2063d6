//! The instances of the bot sharing one database, and the jobs only one of them may run.
//!
//! Each running process is an [`InstanceId`], random, made at start. It writes its row at
//! start and a heartbeat every [`Liveness::heartbeat`] (5 s); one not heard from for
//! [`Liveness::dead_after`] (30 s) is taken for dead. What that decides:
//! - **Jobs that one instance runs at a time** (reminders, sweeps, expiries, pruning) are held
//!   by a lease in `job_leases`, renewed with the heartbeat; a dead holder's lease runs out and
//!   the next instance to look takes the job over.
//! - **The outbox**: rows a dead instance was sending are counted `unknown`, never sent again
//!   (`outbox::store::recover`); the global send rate is divided between the live instances.
//!
//! A lone instance is the same machinery with one row: SQLite's embedded setup runs it too.

pub mod store;

use std::time::Duration;

/// How often an instance says it is alive, and when a silent one is taken for dead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Liveness {
    /// How often an instance writes its heartbeat and renews its job leases.
    pub heartbeat: Duration,
    /// An instance not heard from for this long is taken for dead; also how long a job lease
    /// lasts unrenewed, and how often the outbox sender looks for dead instances.
    pub dead_after: Duration,
}

impl Default for Liveness {
    /// Six heartbeats to be taken for dead: a busy database or a pause of the process does
    /// not make a live instance look dead.
    fn default() -> Self {
        Liveness {
            heartbeat: Duration::from_secs(5),
            dead_after: Duration::from_secs(30),
        }
    }
}

/// One running process of the bot: 128 random bits in hex. Logged at start, so an operator can
/// tell which process held a job or sent a row.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct InstanceId(String);

impl InstanceId {
    /// A new random id.
    pub fn random() -> InstanceId {
        let bits: u128 = rand::random();
        InstanceId(format!("{bits:032x}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for InstanceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Whether a job runs in every instance or in one at a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobScope {
    /// Each instance runs its own (the outbox sender, which shares the rows by taking them;
    /// the heartbeat; clean-ups of the instance's own disk).
    EachInstance,
    /// One instance at a time, under a lease (reminders, sweeps, pruning: running them twice
    /// at once would at best do the work twice).
    OneInstance,
}

/// The share of a global rate one of `live` instances may use: at least one a second.
pub fn share(per_second: u32, live: u32) -> u32 {
    (per_second / live.max(1)).max(1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_random_and_32_hex_digits() {
        let (a, b) = (InstanceId::random(), InstanceId::random());
        assert_ne!(a, b);
        assert_eq!(a.as_str().len(), 32);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit()));
    }

    #[test]
    fn the_global_rate_is_divided_between_live_instances() {
        assert_eq!(share(25, 1), 25);
        assert_eq!(share(25, 2), 12);
        assert_eq!(share(25, 4), 6);
        assert_eq!(share(25, 0), 25);
        assert_eq!(share(1, 4), 1);
    }
}
