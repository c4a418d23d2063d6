//! The supervisor of background jobs (reminders, sweeps, expiries, pruning, scheduling).
//!
//! Each job runs in a task of its own; a run that returns an error or panics is logged with the
//! job's name and tried again after a backoff (1 s, doubling, at most the job's period and at
//! most 10 minutes), so a job is never silently gone. A job that fails on one item is expected
//! to log that item and go on with the next (the jobs' own loops do so); what reaches the
//! supervisor is a failure of the whole run. Stopping the supervisor stops every job, including
//! a run in progress.
//!
//! A job of [`JobScope::OneInstance`] runs only while this instance holds its lease
//! (`crate::instances`): before each run the supervisor takes or keeps the lease; while another
//! live instance holds it, it looks again every `dead_after` at most (or its period, if
//! shorter), so a dead holder's jobs move on within about that. A one-off job another instance
//! holds is left to it.

use std::time::Duration;

use tokio::task::JoinHandle;

use super::ctx::Env;
use super::registry::{Job, JobScope};
use crate::instances::store as instances;

/// The longest wait between failed runs.
const MAX_BACKOFF: Duration = Duration::from_secs(10 * 60);

/// The running jobs; dropping it (or [`Supervisor::stop`]) stops them.
pub struct Supervisor {
    tasks: Vec<AbortOnDrop>,
}

impl Supervisor {
    /// Starts every job. Needs a running Tokio runtime.
    pub fn start(env: &Env, jobs: Vec<Job>) -> Supervisor {
        let tasks = jobs
            .into_iter()
            .map(|job| AbortOnDrop(tokio::spawn(supervise(env.clone(), job))))
            .collect();
        Supervisor { tasks }
    }

    /// How many jobs it runs.
    pub fn len(&self) -> usize {
        self.tasks.len()
    }

    pub fn is_empty(&self) -> bool {
        self.tasks.is_empty()
    }

    pub fn stop(self) {
        drop(self);
    }
}

/// A task that is aborted when its handle goes: a job's run stops with its supervisor.
struct AbortOnDrop(JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The wait after the `failures`-th failure in a row.
fn backoff(failures: u32, every: Option<Duration>) -> Duration {
    let cap = every.map_or(MAX_BACKOFF, |e| e.min(MAX_BACKOFF));
    let wait = Duration::from_secs(1u64 << failures.saturating_sub(1).min(16));
    wait.min(cap)
}

async fn supervise(env: Env, job: Job) {
    if let (false, Some(every)) = (job.at_start, job.every) {
        tokio::time::sleep(every).await;
    }
    let mut failures = 0u32;
    let liveness = env.settings.liveness;
    loop {
        if job.scope == JobScope::OneInstance {
            match holds(&env, &job).await {
                Some(true) => {}
                Some(false) => match job.every {
                    Some(every) => {
                        tokio::time::sleep(every.min(liveness.dead_after)).await;
                        continue;
                    }
                    None => return,
                },
                None => {
                    tokio::time::sleep(liveness.heartbeat).await;
                    continue;
                }
            }
        }
        let (tx, rx) = tokio::sync::oneshot::channel();
        let run = (job.run)(env.clone());
        let task = AbortOnDrop(tokio::spawn(async move {
            let _ = tx.send(run.await);
        }));
        let outcome = rx.await;
        let ok = match outcome {
            Ok(Ok(())) => true,
            Ok(Err(err)) => {
                tracing::warn!(job = job.name, %err, failures = failures + 1, "job failed; retrying after a backoff");
                false
            }
            // The run ended without an answer: it panicked (the panic itself is printed by
            // the panic hook).
            Err(_) => {
                tracing::error!(
                    job = job.name,
                    failures = failures + 1,
                    "job panicked; restarting after a backoff"
                );
                false
            }
        };
        drop(task);
        if ok {
            failures = 0;
            match job.every {
                Some(every) => tokio::time::sleep(every).await,
                None => return,
            }
        } else {
            failures += 1;
            tokio::time::sleep(backoff(failures, job.every)).await;
        }
    }
}

/// Whether this instance holds `job`'s lease now (taking it if free); `None` when the database
/// could not say.
async fn holds(env: &Env, job: &Job) -> Option<bool> {
    let (me, lease) = (&env.settings.instance, env.settings.liveness.dead_after);
    match instances::hold(&env.pool, job.name, me, crate::db::now(), lease).await {
        Ok(held) => {
            if !held {
                tracing::debug!(job = job.name, "another instance runs this job");
            }
            Some(held)
        }
        Err(err) => {
            tracing::warn!(job = job.name, %err, "cannot take the job's lease; trying again");
            None
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;

    use futures::FutureExt;

    use super::*;
    use crate::bot::core::{BotError, Deps, HandlerResult, Settings};

    #[derive(Default)]
    struct Runs(AtomicU32);

    fn env() -> Env {
        let mut deps = Deps::default();
        deps.insert(Arc::new(Runs::default()));
        let config = crate::config::Config::from_lookup(|_| None).unwrap();
        Env {
            bot: teloxide::Bot::new("1:test"),
            pool: crate::db::Pool::connect_lazy("sqlite::memory:").unwrap(),
            settings: Arc::new(Settings::from_config(&config, Default::default())),
            deps: Arc::new(deps),
        }
    }

    fn runs(env: &Env) -> u32 {
        env.dep::<Arc<Runs>>().unwrap().0.load(Ordering::SeqCst)
    }

    /// Panics on its first run, fails on its second, succeeds after.
    fn flaky(env: Env) -> futures::future::BoxFuture<'static, HandlerResult> {
        async move {
            let n = env.dep::<Arc<Runs>>()?.0.fetch_add(1, Ordering::SeqCst) + 1;
            match n {
                1 => panic!("first run panics"),
                2 => Err(BotError::Internal("second run fails".into())),
                _ => Ok(()),
            }
        }
        .boxed()
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_that_panics_or_fails_is_restarted_and_keeps_its_period() {
        let env = env();
        let job = Job {
            name: "flaky",
            every: Some(Duration::from_secs(60)),
            at_start: true,
            scope: JobScope::EachInstance,
            run: flaky,
        };
        let supervisor = Supervisor::start(&env, vec![job]);
        // Panic at 0 s, failure after 1 s, success after 2 s more, then once a minute.
        tokio::time::sleep(Duration::from_millis(3_500)).await;
        assert_eq!(runs(&env), 3);
        tokio::time::sleep(Duration::from_secs(60)).await;
        assert_eq!(runs(&env), 4);
        supervisor.stop();
        tokio::time::sleep(Duration::from_secs(600)).await;
        assert_eq!(runs(&env), 4, "a stopped job does not run");
    }

    #[tokio::test(start_paused = true)]
    async fn a_job_run_once_is_retried_until_it_succeeds_then_stops() {
        let env = env();
        let job = Job {
            name: "once",
            every: None,
            at_start: true,
            scope: JobScope::EachInstance,
            run: flaky,
        };
        let _supervisor = Supervisor::start(&env, vec![job]);
        tokio::time::sleep(Duration::from_secs(3600)).await;
        assert_eq!(runs(&env), 3);
    }

    /// Counts its runs per instance.
    fn count(env: Env) -> futures::future::BoxFuture<'static, HandlerResult> {
        async move {
            env.dep::<Arc<Runs>>()?.0.fetch_add(1, Ordering::SeqCst);
            Ok(())
        }
        .boxed()
    }

    /// An instance on `pool` with quick liveness.
    fn instance(pool: &crate::db::Pool) -> Env {
        let mut env = env();
        env.pool = pool.clone();
        let mut settings = Settings::from_config(
            &crate::config::Config::from_lookup(|_| None).unwrap(),
            Default::default(),
        );
        settings.liveness = crate::instances::Liveness {
            heartbeat: Duration::from_millis(50),
            dead_after: Duration::from_millis(300),
        };
        env.settings = Arc::new(settings);
        env
    }

    #[tokio::test]
    async fn a_one_instance_job_runs_in_one_of_two_and_moves_when_its_holder_dies() {
        let (_dir, pool) = crate::db::testing::scratch().await;
        let job = || Job {
            name: "tick",
            every: Some(Duration::from_millis(20)),
            at_start: true,
            scope: JobScope::OneInstance,
            run: count,
        };
        let (a, b) = (instance(&pool), instance(&pool));
        let first = Supervisor::start(&a, vec![job()]);
        tokio::time::sleep(Duration::from_millis(100)).await;
        let second = Supervisor::start(&b, vec![job()]);
        tokio::time::sleep(Duration::from_millis(200)).await;
        let (ran_a, ran_b) = (runs(&a), runs(&b));
        assert!(ran_a > 3, "the first instance runs it ({ran_a})");
        assert_eq!(ran_b, 0, "the second leaves it to the first");
        // The first dies (no goodbye, nor heartbeat): its lease, renewed by no one, runs out.
        first.stop();
        tokio::time::sleep(Duration::from_millis(800)).await;
        assert!(runs(&b) > 3, "the second took it over ({})", runs(&b));
        assert_eq!(runs(&a), ran_a, "the dead one runs nothing");
        let (holder, _) = instances::holder(&pool, "tick").await.unwrap().unwrap();
        assert_eq!(holder, b.settings.instance.as_str());
        second.stop();
    }

    #[test]
    fn backoff_doubles_up_to_the_period_and_ten_minutes() {
        let minute = Some(Duration::from_secs(60));
        let waits: Vec<u64> = (1..=8).map(|f| backoff(f, minute).as_secs()).collect();
        assert_eq!(waits, [1, 2, 4, 8, 16, 32, 60, 60]);
        assert_eq!(backoff(40, None), MAX_BACKOFF);
        assert_eq!(backoff(40, Some(Duration::from_secs(86_400))), MAX_BACKOFF);
    }
}
