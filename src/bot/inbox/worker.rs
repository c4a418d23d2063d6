//! The worker that handles what the inbox holds: it leases rows (at most [`MAX_IN_FLIGHT`] at
//! once), runs each through the handler tree in a task of its own, marks it done, and leases
//! again when something was recorded, a task ended (its chat's next update may be waiting), or
//! a second passed (another instance's rows, expired leases). Leases are renewed while their
//! updates are handled. Stopping stops the leasing, lets the updates in flight finish and
//! releases what is still held.

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
use tokio::task::JoinSet;

use super::store::{self, Leased, Outcome};
use crate::bot::core::BotError;

/// Updates handled at once (of different chats: a chat has one at a time).
pub const MAX_IN_FLIGHT: usize = 32;
/// How long a lease lasts unless renewed.
pub const LEASE: Duration = Duration::from_secs(60);
const RENEW_EVERY: Duration = Duration::from_secs(20);
/// How often the table is looked at with nothing else to wake the worker.
const POLL: Duration = Duration::from_secs(1);

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
}

impl Worker {
    /// Runs the worker until `stop` turns true, starting it again (after a second) should it
    /// panic: the updates it held are taken again when their leases expire.
    pub async fn supervise(self, stop: watch::Receiver<bool>) {
        let this = Arc::new(self);
        loop {
            match tokio::spawn(this.clone().run(stop.clone())).await {
                Ok(()) => return,
                Err(err) => tracing::error!(%err, "inbox worker panicked; starting it again"),
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
            if *stop.borrow() {
                return;
            }
        }
    }

    /// Handles updates until `stop` turns true, then finishes those in flight and releases
    /// its leases.
    async fn run(self: Arc<Self>, mut stop: watch::Receiver<bool>) {
        let this = self;
        let mut tasks = JoinSet::new();
        let mut renew = tokio::time::interval(RENEW_EVERY);
        let mut failures = 0u32;
        while !*stop.borrow() {
            let mut pause = POLL;
            let room = MAX_IN_FLIGHT.saturating_sub(tasks.len());
            if room > 0 {
                let now = crate::db::now();
                match store::lease(&this.pool, &this.owner, now, now + LEASE, room).await {
                    Ok(rows) => {
                        failures = 0;
                        for row in rows {
                            tasks.spawn(this.clone().handle(row));
                        }
                    }
                    Err(err) => {
                        failures += 1;
                        pause = Duration::from_secs(u64::from(failures.min(10)));
                        tracing::warn!(%err, failures, "inbox: cannot lease updates; retrying");
                    }
                }
            }
            tokio::select! {
                changed = stop.changed() => {
                    if changed.is_err() {
                        break; // the application that started the worker is gone
                    }
                }
                _ = this.wake.notified(), if failures == 0 => {}
                Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
                _ = renew.tick() => this.renew(tasks.len()).await,
                _ = tokio::time::sleep(pause) => {}
            }
        }
        let in_flight = tasks.len();
        // The updates in hand are finished, their leases kept alive meanwhile.
        while !tasks.is_empty() {
            tokio::select! {
                _ = tasks.join_next() => {}
                _ = renew.tick() => this.renew(tasks.len()).await,
            }
        }
        match store::release(&this.pool, &this.owner).await {
            Ok(n) => tracing::info!(in_flight, released = n, "inbox worker stopped"),
            Err(err) => tracing::warn!(%err, "inbox: leases not released; they expire"),
        }
    }

    async fn renew(&self, in_flight: usize) {
        if in_flight == 0 {
            return;
        }
        let until = crate::db::now() + LEASE;
        if let Err(err) = store::renew(&self.pool, &self.owner, until).await {
            tracing::warn!(%err, "inbox: leases not renewed");
        }
    }

    async fn handle(self: Arc<Self>, row: Leased) {
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
                    self.finish(id, Outcome::Unknown).await;
                    return;
                }
                Err(err) => {
                    // Left leased: it is tried again when the lease expires.
                    tracing::warn!(update_id = id, %err, "inbox: cannot check the claim");
                    return;
                }
            }
        }
        match serde_json::from_str::<Update>(&row.body) {
            Ok(update) => {
                let dispatch = self.dispatch.clone();
                // A panic stays in its task: the update is done (its claim was made), the
                // worker goes on.
                let run = tokio::spawn(async move { dispatch.run(update).await });
                if let Err(err) = run.await {
                    tracing::error!(update_id = id, %err, "inbox: the handler panicked");
                }
            }
            Err(err) => tracing::warn!(update_id = id, %err, "inbox: unreadable update skipped"),
        }
        self.finish(id, Outcome::Handled).await;
    }

    async fn finish(&self, id: i64, outcome: Outcome) {
        for attempt in 1..=3u64 {
            match store::finish(&self.pool, id, outcome, crate::db::now()).await {
                Ok(()) => return,
                Err(err) => {
                    tracing::warn!(update_id = id, %err, attempt, "inbox: cannot mark done");
                    tokio::time::sleep(Duration::from_millis(200 * attempt)).await;
                }
            }
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

    #[tokio::test]
    async fn a_panicking_update_is_done_with_and_the_rest_are_handled_in_chat_order() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("w.db").display());
        let pool = crate::db::connect_and_migrate(&url).await.unwrap();
        let now = crate::db::now();
        for (id, chat) in [(1, 10), (2, 10), (3, 20), (4, 10)] {
            store::record(&pool, id, Some(chat), &update(id, chat), now)
                .await
                .unwrap();
        }
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = seen.clone();
        let handler = dptree::entry().endpoint(move |u: Update| {
            let log = log.clone();
            async move {
                log.lock().unwrap().push(u.id.0);
                assert_ne!(u.id.0, 1, "a handler that panics");
                Ok::<(), BotError>(())
            }
        });
        struct Quiet;
        impl ErrorHandler<BotError> for Quiet {
            fn handle_error(self: Arc<Self>, _: BotError) -> BoxFuture<'static, ()> {
                Box::pin(async {})
            }
        }
        let worker = Worker {
            pool: pool.clone(),
            dispatch: Dispatch {
                handler: Arc::new(handler),
                deps: DependencyMap::new(),
                unhandled: |_| Box::pin(async {}),
                errors: Arc::new(Quiet),
            },
            owner: "test-instance".into(),
            wake: Arc::new(Notify::new()),
        };
        let (stop, stopped) = watch::channel(false);
        let running = tokio::spawn(worker.supervise(stopped));
        let deadline = std::time::Instant::now() + Duration::from_secs(10);
        while store::waiting(&pool).await.unwrap() > 0 {
            assert!(std::time::Instant::now() < deadline, "not handled");
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
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
}
