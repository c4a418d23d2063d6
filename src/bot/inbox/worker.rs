//! The worker that handles what the inbox holds: it leases rows (at most [`MAX_IN_FLIGHT`] at
//! once), runs each through the handler tree in a task of its own, marks it done, and leases
//! again when something was recorded, a task ended (its chat's next update may be waiting), or
//! a second passed (another instance's rows, expired leases); with a backlog (the last lease
//! got all it asked for) it waits for half its slots to be free, or a second. The leases of the updates in hand
//! (and only those) are renewed while they are handled. An update whose handling outlasts
//! [`Worker::handle_timeout`] is stopped and done with, its outcome unknown, so its chat moves
//! on. Stopping stops the leasing, waits for the updates in hand at most
//! [`Worker::shutdown_grace`], aborts what is left and releases what is still held.

use std::collections::HashMap;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use crate::db::Pool;
use futures::future::BoxFuture;
use teloxide::dispatching::UpdateHandler;
use teloxide::dptree::di::DependencyMap;
use teloxide::error_handlers::ErrorHandler;
use teloxide::types::Update;
use tokio::sync::{watch, Notify};
use tokio::task::{JoinError, JoinHandle, JoinSet};

use super::store::{self, Leased, Outcome};
use crate::bot::core::BotError;

/// Updates handled at once (of different chats: a chat has one at a time).
pub const MAX_IN_FLIGHT: usize = 32;
/// How long a lease lasts unless renewed.
pub const LEASE: Duration = Duration::from_secs(30);
const RENEW_EVERY: Duration = Duration::from_secs(10);
/// How often the table is looked at with nothing else to wake the worker.
const POLL: Duration = Duration::from_secs(1);
/// After a failed lease, how soon an update recorded brings the next try forward.
const AFTER_WAKE: Duration = Duration::from_millis(200);
/// How long handling one update may take before it is stopped (its outcome unknown).
pub const HANDLE_TIMEOUT: Duration = Duration::from_secs(180);
/// How long stopping waits for the updates in hand before aborting them.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(20);

/// The tasks handling updates, each with the update id it has in hand.
type InHand = HashMap<tokio::task::Id, i64>;

/// What handling an update needs: the handler tree with its dependencies (the bot and `Me`
/// among them), and what the dispatcher would do with an update nobody took or an error.
#[derive(Clone)]
pub struct Dispatch {
    pub handler: Arc<UpdateHandler<BotError>>,
    pub deps: DependencyMap,
    pub unhandled: fn(Arc<Update>) -> BoxFuture<'static, ()>,
    pub errors: Arc<dyn ErrorHandler<BotError> + Send + Sync>,
}

impl Dispatch {
    /// Runs `update` through the handler tree, as teloxide's dispatcher does.
    pub async fn run(&self, update: Update) {
        let mut deps = self.deps.clone();
        deps.insert(update);
        match self.handler.dispatch(deps).await {
            ControlFlow::Break(Ok(())) => {}
            ControlFlow::Break(Err(err)) => self.errors.clone().handle_error(err).await,
            ControlFlow::Continue(deps) => (self.unhandled)(deps.get()).await,
        }
    }
}

pub struct Worker {
    pub pool: Pool,
    pub dispatch: Dispatch,
    /// This instance's name on its leases (its `instances::InstanceId`).
    pub owner: String,
    /// Notified when an update was recorded.
    pub wake: Arc<Notify>,
    /// How long handling one update may take ([`HANDLE_TIMEOUT`]).
    pub handle_timeout: Duration,
    /// How long stopping waits for the updates in hand ([`SHUTDOWN_GRACE`]).
    pub shutdown_grace: Duration,
    /// How long a lease lasts unless renewed ([`LEASE`]).
    pub lease: Duration,
    /// How often the leases in hand are renewed ([`RENEW_EVERY`]).
    pub renew_every: Duration,
    /// When the leases in hand were last renewed, if ever.
    renewed: std::sync::Mutex<Option<tokio::time::Instant>>,
}

/// A handler's task, aborted when whoever waits for it is dropped (timed out, aborted).
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

impl Worker {
    pub fn new(pool: Pool, dispatch: Dispatch, owner: String, wake: Arc<Notify>) -> Worker {
        Worker {
            pool,
            dispatch,
            owner,
            wake,
            handle_timeout: HANDLE_TIMEOUT,
            shutdown_grace: SHUTDOWN_GRACE,
            lease: LEASE,
            renew_every: RENEW_EVERY,
            renewed: std::sync::Mutex::new(None),
        }
    }

    /// Runs the worker until `stop` turns true, starting it again (after a second) should it
    /// panic: the updates it held were aborted with it, and their leases are released.
    pub async fn supervise(self, stop: watch::Receiver<bool>) {
        let this = Arc::new(self);
        loop {
            match tokio::spawn(this.clone().run(stop.clone())).await {
                Ok(()) => return,
                Err(_) => tracing::error!("inbox worker panicked; starting it again"),
            }
            match store::release(&this.pool, &this.owner).await {
                Ok(n) => tracing::info!(
                    released = n,
                    "inbox: leases of the aborted updates released"
                ),
                Err(err) => tracing::warn!(%err, "inbox: leases not released; they expire"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Handles updates until `stop` turns true, then finishes those in flight (for at most
    /// `shutdown_grace`) and releases its leases.
    async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let this = self;
        let mut tasks = JoinSet::new();
        let mut in_hand = InHand::new();
        // The first renewal a period after the start (an interval's first tick is at once).
        let mut renew = tokio::time::interval_at(
            tokio::time::Instant::now() + this.renew_every,
            this.renew_every,
        );
        let mut failures = 0u32;
        // After a failed lease, when to try again: a second more after each failure in a row
        // (at most 10); an update recorded meanwhile brings it to [`AFTER_WAKE`] at most.
        let mut retry_at: Option<tokio::time::Instant> = None;
        // Whether the last lease got all it asked for (more may be waiting). Then the next
        // waits until half the slots are free: a lease reads every waiting chat's head, and
        // one per finished update would read a long backlog once per update.
        // However full the slots, it leases again a [`POLL`] after the last lease: slow updates
        // in hand do not hold up the rest for long.
        let mut more_waiting = false;
        let mut last_lease = tokio::time::Instant::now();
        while !*stop.borrow() {
            let room = MAX_IN_FLIGHT.saturating_sub(tasks.len());
            let due = retry_at.is_none_or(|at| tokio::time::Instant::now() >= at);
            let worth_it =
                !more_waiting || room >= MAX_IN_FLIGHT / 2 || last_lease.elapsed() >= POLL;
            if room > 0 && due && worth_it {
                let now = crate::db::now();
                let leased_at = tokio::time::Instant::now();
                let ids: Vec<i64> = in_hand.values().copied().collect();
                let until = now + this.lease;
                match store::lease(&this.pool, &this.owner, now, until, room, &ids).await {
                    Ok(rows) => {
                        failures = 0;
                        retry_at = None;
                        more_waiting = rows.len() == room;
                        last_lease = tokio::time::Instant::now();
                        for row in rows {
                            let id = row.update_id;
                            let task = tasks.spawn(this.clone().handle(row, leased_at));
                            in_hand.insert(task.id(), id);
                        }
                    }
                    Err(err) => {
                        failures += 1;
                        let wait = Duration::from_secs(u64::from(failures.min(10)));
                        retry_at = Some(tokio::time::Instant::now() + wait);
                        tracing::warn!(%err, failures, "inbox: cannot lease updates; retrying");
                    }
                }
            }
            let pause = match retry_at {
                Some(at) if at > tokio::time::Instant::now() => at - tokio::time::Instant::now(),
                _ => POLL,
            };
            tokio::select! {
                changed = stop.changed() => {
                    if changed.is_err() {
                        break; // the application that started the worker is gone
                    }
                }
                // An update was recorded: the database answers again, if it did not. A lease
                // that failed is tried again soon, but not at every update recorded: a lease
                // failing while records succeed would be tried at the webhook's rate.
                _ = this.wake.notified() => {
                    retry_at = retry_at.map(|at| at.min(tokio::time::Instant::now() + AFTER_WAKE));
                }
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    this.ended(done, &mut in_hand).await;
                }
                _ = renew.tick() => this.renew(&in_hand).await,
                _ = tokio::time::sleep(pause) => {}
            }
        }
        let in_flight = tasks.len();
        this.drain(&mut tasks, &mut in_hand, &mut renew).await;
        match store::release(&this.pool, &this.owner).await {
            Ok(n) => tracing::info!(in_flight, released = n, "inbox worker stopped"),
            Err(err) => tracing::warn!(%err, "inbox: leases not released; they expire"),
        }
    }

    /// Waits for the updates in hand, their leases kept alive, for at most `shutdown_grace`;
    /// then aborts what is left (its leases are released after).
    async fn drain(
        &self,
        tasks: &mut JoinSet<()>,
        in_hand: &mut InHand,
        renew: &mut tokio::time::Interval,
    ) {
        let deadline = tokio::time::sleep(self.shutdown_grace);
        tokio::pin!(deadline);
        while !tasks.is_empty() {
            tokio::select! {
                Some(done) = tasks.join_next_with_id() => self.ended(done, in_hand).await,
                _ = renew.tick() => self.renew(in_hand).await,
                _ = &mut deadline => {
                    let ids: Vec<i64> = in_hand.values().copied().collect();
                    tracing::warn!(
                        ?ids,
                        grace_s = self.shutdown_grace.as_secs(),
                        "inbox: updates still in hand when stopping; aborted, their leases \
                         released"
                    );
                    tasks.abort_all();
                    while tasks.join_next().await.is_some() {}
                    in_hand.clear();
                }
            }
        }
    }

    /// A handling task ended: its update is no longer in hand. One that panicked (past the
    /// handler's own task) left its row leased: released at once.
    async fn ended(&self, done: Result<(tokio::task::Id, ()), JoinError>, in_hand: &mut InHand) {
        let task = match &done {
            Ok((task, ())) => *task,
            Err(err) => err.id(),
        };
        let Some(id) = in_hand.remove(&task) else {
            return;
        };
        if done.is_err() {
            tracing::error!(
                update_id = id,
                "inbox: handling the update failed; lease released"
            );
            self.release(id).await;
        }
    }

    async fn renew(&self, in_hand: &InHand) {
        if in_hand.is_empty() {
            return;
        }
        let ids: Vec<i64> = in_hand.values().copied().collect();
        let renewed_at = tokio::time::Instant::now();
        let until = crate::db::now() + self.lease;
        match store::renew(&self.pool, &self.owner, &ids, until).await {
            Ok(_) => *self.renewed.lock().unwrap_or_else(|e| e.into_inner()) = Some(renewed_at),
            Err(err) => tracing::warn!(%err, "inbox: leases not renewed"),
        }
    }

    /// Handles a leased row; `leased_at` is when its lease was asked for.
    async fn handle(self: Arc<Self>, row: Leased, leased_at: tokio::time::Instant) {
        let id = row.update_id;
        if row.attempts > 1 {
            match store::was_claimed(&self.pool, id).await {
                Ok(false) => {}
                Ok(true) => {
                    super::count_unknown();
                    tracing::warn!(
                        update_id = id,
                        "inbox: an instance stopped while handling this update; its outcome \
                         is unknown, so it is not handled again"
                    );
                    self.finish(id, Outcome::Unknown, leased_at).await;
                    return;
                }
                Err(err) => {
                    // Released: it is tried again at once.
                    tracing::warn!(update_id = id, %err, "inbox: cannot check the claim");
                    self.release(id).await;
                    return;
                }
            }
        }
        let outcome = match serde_json::from_str::<Update>(&row.body) {
            Ok(update) => self.run_one(id, update).await,
            Err(err) => {
                // The error quotes the body; only its place and kind are logged.
                tracing::warn!(
                    update_id = id,
                    kind = ?err.classify(),
                    line = err.line(),
                    column = err.column(),
                    "inbox: unreadable update skipped"
                );
                Outcome::Handled
            }
        };
        self.finish(id, outcome, leased_at).await;
    }

    /// Runs one update through the handler tree in a task of its own, for at most
    /// `handle_timeout`. A panic stays in its task: the update is done (its claim was made).
    async fn run_one(&self, id: i64, update: Update) -> Outcome {
        let dispatch = self.dispatch.clone();
        let mut run = AbortOnDrop(tokio::spawn(async move { dispatch.run(update).await }));
        match tokio::time::timeout(self.handle_timeout, &mut run.0).await {
            Ok(Ok(())) => Outcome::Handled,
            Ok(Err(err)) => {
                if err.is_panic() {
                    // The panic's message may quote what the person sent: not logged.
                    tracing::error!(update_id = id, "inbox: the handler panicked");
                }
                Outcome::Handled
            }
            Err(_) => {
                super::count_unknown();
                tracing::warn!(
                    update_id = id,
                    timeout_s = self.handle_timeout.as_secs(),
                    "inbox: handling the update took too long and was stopped; its outcome is \
                     unknown, and its chat moves on"
                );
                Outcome::Unknown
            }
        }
    }

    /// Marks the update done, trying again while the database does not answer (a restart
    /// takes seconds), for as long as this instance surely holds its lease: from when it was
    /// leased or last renewed, nine tenths of a lease (the rest allows for instances' clocks
    /// apart). Meanwhile the update is still in hand, so no one else takes it, and its chat's
    /// next update waits for it. (Given up, the update is released; one that an instance takes
    /// again is found claimed and not handled twice.)
    async fn finish(&self, id: i64, outcome: Outcome, leased_at: tokio::time::Instant) {
        let mut wait = Duration::from_millis(200);
        for attempt in 1u32.. {
            match store::finish(&self.pool, &self.owner, id, outcome, crate::db::now()).await {
                Ok(true) => return,
                Ok(false) => {
                    tracing::warn!(
                        update_id = id,
                        "inbox: not marked done: this instance no longer holds its lease"
                    );
                    return;
                }
                Err(err) => {
                    tracing::warn!(update_id = id, %err, attempt, "inbox: cannot mark done");
                    if tokio::time::Instant::now() + wait > self.held_until(leased_at) {
                        break;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
        // Abandoned: released, so its chat need not wait for the lease to run out.
        self.release(id).await;
    }

    /// Until when this instance surely holds the lease of an update leased at `leased_at`.
    fn held_until(&self, leased_at: tokio::time::Instant) -> tokio::time::Instant {
        let renewed = *self.renewed.lock().unwrap_or_else(|e| e.into_inner());
        let since = renewed.map_or(leased_at, |r| r.max(leased_at));
        since + self.lease * 9 / 10
    }

    async fn release(&self, id: i64) {
        if let Err(err) = store::release_one(&self.pool, &self.owner, id).await {
            tracing::warn!(update_id = id, %err, "inbox: lease not released; it expires");
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Mutex;

    use teloxide::dptree;

    use super::*;

    fn update(id: i64, chat: i64) -> String {
        serde_json::json!({"update_id": id, "message": {
            "message_id": id, "date": 0, "text": "hi",
            "chat": {"id": chat, "type": "private", "first_name": "A"},
            "from": {"id": chat, "is_bot": false, "first_name": "A"}}})
        .to_string()
    }

    async fn pool() -> (crate::db::testing::Scratch, Pool) {
        crate::db::testing::scratch().await
    }

    async fn record(pool: &Pool, updates: &[(i64, i64)]) {
        let now = crate::db::now();
        for &(id, chat) in updates {
            store::record(pool, id, Some(chat), &update(id, chat), now)
                .await
                .unwrap();
        }
    }

    /// A worker on `pool` whose handler logs each update id in `seen`, panics on `panics` and
    /// never returns on `hangs`.
    fn worker(pool: &Pool, seen: Arc<Mutex<Vec<u32>>>, panics: u32, hangs: u32) -> Worker {
        slow_worker(pool, seen, panics, hangs, Duration::ZERO)
    }

    /// The same, taking `slow` over each update.
    fn slow_worker(
        pool: &Pool,
        seen: Arc<Mutex<Vec<u32>>>,
        panics: u32,
        hangs: u32,
        slow: Duration,
    ) -> Worker {
        let handler = dptree::entry().endpoint(move |u: Update| {
            let log = seen.clone();
            async move {
                log.lock().unwrap().push(u.id.0);
                tokio::time::sleep(slow).await;
                assert_ne!(u.id.0, panics, "a handler that panics");
                if u.id.0 == hangs {
                    std::future::pending::<()>().await;
                }
                Ok::<(), BotError>(())
            }
        });
        struct Quiet;
        impl ErrorHandler<BotError> for Quiet {
            fn handle_error(self: Arc<Self>, _: BotError) -> BoxFuture<'static, ()> {
                Box::pin(async {})
            }
        }
        let dispatch = Dispatch {
            handler: Arc::new(handler),
            deps: DependencyMap::new(),
            unhandled: |_| Box::pin(async {}),
            errors: Arc::new(Quiet),
        };
        Worker::new(
            pool.clone(),
            dispatch,
            "test-instance".into(),
            Arc::new(Notify::new()),
        )
    }

    async fn wait_until(what: &str, mut done: impl AsyncFnMut() -> bool) {
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while !done().await {
            assert!(std::time::Instant::now() < deadline, "{what}");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }

    async fn outcome(pool: &Pool, id: i64) -> (Option<String>, Option<String>) {
        sqlx::query_as("SELECT outcome, lease_owner FROM update_inbox WHERE update_id = $1")
            .bind(id)
            .fetch_one(pool)
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_panicking_update_is_done_with_and_the_rest_are_handled_in_chat_order() {
        let (_dir, pool) = pool().await;
        record(&pool, &[(1, 10), (2, 10), (3, 20), (4, 10)]).await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let worker = worker(&pool, seen.clone(), 1, 0);
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(worker.supervise(stopped));
        wait_until("not handled", async || {
            store::waiting(&pool).await.unwrap() == 0
        })
        .await;
        stop.send(true).unwrap();
        running.await.unwrap();
        let seen = seen.lock().unwrap().clone();
        let chat_10: Vec<u32> = seen.iter().copied().filter(|id| *id != 3).collect();
        assert_eq!(chat_10, [1, 2, 4]);
        assert!(seen.contains(&3));
        let handled: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM update_inbox WHERE outcome = 'handled' AND body IS NULL \
             AND lease_owner IS NULL",
        )
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(handled, 4);
    }

    #[tokio::test]
    async fn an_update_that_never_ends_is_stopped_with_its_outcome_unknown_and_its_chat_moves_on() {
        let (_dir, pool) = pool().await;
        record(&pool, &[(1, 10), (2, 10)]).await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut worker = worker(&pool, seen.clone(), 0, 1);
        worker.handle_timeout = Duration::from_millis(300);
        let unknown_before = super::super::unknown_outcomes();
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(worker.supervise(stopped));
        wait_until("chat 10 stuck", async || {
            store::waiting(&pool).await.unwrap() == 0
        })
        .await;
        stop.send(true).unwrap();
        running.await.unwrap();
        assert_eq!(*seen.lock().unwrap(), [1, 2]);
        assert_eq!(outcome(&pool, 1).await, (Some("unknown".into()), None));
        assert_eq!(outcome(&pool, 2).await, (Some("handled".into()), None));
        assert!(super::super::unknown_outcomes() > unknown_before);
    }

    #[tokio::test]
    async fn stopping_waits_for_an_update_in_hand_only_so_long_then_releases_it() {
        let (_dir, pool) = pool().await;
        record(&pool, &[(5, 10), (6, 20)]).await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let mut worker = worker(&pool, seen.clone(), 0, 5);
        worker.shutdown_grace = Duration::from_millis(300);
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(worker.supervise(stopped));
        wait_until("6 not handled", async || {
            outcome(&pool, 6).await.0.is_some() && seen.lock().unwrap().contains(&5)
        })
        .await;
        assert_eq!(
            outcome(&pool, 5).await,
            (None, Some("test-instance".into()))
        );
        let started = std::time::Instant::now();
        stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(5), running)
            .await
            .expect("the worker stops though an update never ends")
            .unwrap();
        assert!(started.elapsed() >= Duration::from_millis(300));
        // Not done, and free for the next instance at once.
        assert_eq!(outcome(&pool, 5).await, (None, None));
        let now = crate::db::now();
        let next = store::lease(&pool, "next", now, now + LEASE, 10, &[])
            .await
            .unwrap();
        assert_eq!(next.iter().map(|r| r.update_id).collect::<Vec<_>>(), [5]);
    }

    /// Makes the database refuse, from now on, to set `column` in the inbox (as a database
    /// that fails would); the rest of the table's writes go on.
    async fn refuse(pool: &Pool, column: &str) {
        let sql = match crate::db::Engine::of(pool) {
            crate::db::Engine::Sqlite => format!(
                "CREATE TRIGGER refuse_{column} BEFORE UPDATE OF {column} ON update_inbox \
                 BEGIN SELECT RAISE(ABORT, 'refused'); END"
            ),
            crate::db::Engine::Postgres => format!(
                "CREATE OR REPLACE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'refused'; END $$; \
                 CREATE TRIGGER refuse_{column} BEFORE UPDATE OF {column} ON update_inbox \
                 FOR EACH ROW EXECUTE FUNCTION refuse()"
            ),
        };
        sqlx::raw_sql(&sql).execute(pool).await.unwrap();
    }

    async fn allow(pool: &Pool, column: &str) {
        let sql = match crate::db::Engine::of(pool) {
            crate::db::Engine::Sqlite => format!("DROP TRIGGER refuse_{column}"),
            crate::db::Engine::Postgres => format!("DROP TRIGGER refuse_{column} ON update_inbox"),
        };
        sqlx::raw_sql(&sql).execute(pool).await.unwrap();
    }

    /// What this test's tasks log (a test's runtime runs them all on its own thread).
    #[derive(Clone, Default)]
    struct Logs(Arc<Mutex<Vec<u8>>>);

    impl std::io::Write for Logs {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }

        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Logs {
        fn capture(&self) -> tracing::subscriber::DefaultGuard {
            let logs = self.clone();
            let subscriber = tracing_subscriber::fmt()
                .with_ansi(false)
                .with_writer(move || logs.clone())
                .finish();
            tracing::subscriber::set_default(subscriber)
        }

        fn count(&self, needle: &str) -> usize {
            String::from_utf8_lossy(&self.0.lock().unwrap())
                .matches(needle)
                .count()
        }
    }

    #[tokio::test]
    async fn a_lease_that_fails_is_not_tried_again_at_every_update_recorded() {
        let (_dir, pool) = pool().await;
        let logs = Logs::default();
        let _capture = logs.capture();
        refuse(&pool, "lease_owner").await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        let worker = worker(&pool, seen.clone(), 0, 0);
        let wake = worker.wake.clone();
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(worker.supervise(stopped));
        // Updates arrive 50 a second for two seconds, each recorded and waking the worker,
        // while every lease fails.
        let started = std::time::Instant::now();
        for id in 1..=100 {
            record(&pool, &[(id, 1_000 + id)]).await;
            wake.notify_one();
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let tries = logs.count("cannot lease updates");
        let at_most = (started.elapsed().as_millis() / AFTER_WAKE.as_millis()) as usize + 2;
        assert!(
            (3..=at_most).contains(&tries),
            "{tries} leases tried in {:?}: about one each {AFTER_WAKE:?} is expected",
            started.elapsed()
        );
        // The database takes leases again: the next update recorded brings the backlog in.
        allow(&pool, "lease_owner").await;
        record(&pool, &[(101, 2_000)]).await;
        wake.notify_one();
        wait_until("the backlog not handled", async || {
            store::waiting(&pool).await.unwrap() == 0
        })
        .await;
        stop.send(true).unwrap();
        running.await.unwrap();
        assert_eq!(seen.lock().unwrap().len(), 101);
    }

    #[tokio::test]
    async fn marking_done_is_given_up_before_the_lease_runs_out() {
        let (_dir, pool) = pool().await;
        refuse(&pool, "handled_at").await;
        record(&pool, &[(1, 10)]).await;
        let seen = Arc::new(Mutex::new(Vec::new()));
        // Handling takes a good part of a five-second lease, never renewed here; marking it done
        // fails every time.
        let mut worker = slow_worker(&pool, seen.clone(), 0, 0, Duration::from_millis(1_200));
        worker.lease = Duration::from_secs(5);
        worker.renew_every = Duration::from_secs(3_600);
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(worker.supervise(stopped));
        // Until the worker gives up (the row released, or leased a second time).
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        loop {
            let (owner, until, attempts): (Option<String>, Option<crate::db::At>, i64) =
                sqlx::query_as(
                    "SELECT lease_owner, lease_until, attempts FROM update_inbox \
                     WHERE update_id = 1",
                )
                .fetch_one(&pool)
                .await
                .unwrap();
            if attempts > 1 || (owner.is_none() && !seen.lock().unwrap().is_empty()) {
                break;
            }
            if owner.is_some() {
                let until = until.expect("a lease has an end").0;
                assert!(
                    until > crate::db::now(),
                    "still trying to mark the update done after its lease ran out"
                );
            }
            assert!(std::time::Instant::now() < deadline, "never given up");
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        stop.send(true).unwrap();
        running.await.unwrap();
    }
}
