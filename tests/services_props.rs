//! Property tests of free-service sign-ups on a real SQLite file: random sign-ups, double taps
//! and cancellations by several riders, run from concurrent tasks against one session, keep
//! the invariants: never more seats taken than the capacity, nobody waits while a seat is free,
//! each rider holds at most one place, and the line is served in order. Sign-ups read the real
//! clock before their transaction, as the bot's handlers do, so a rider whose transaction commits
//! later may carry an earlier time; a place in line told to a rider must still be true when told
//! and only ever move up.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use rider_bot::db::Pool;
use rider_bot::services::domain;
use rider_bot::services::{SessionCode, SignupStatus};
use rider_bot::users::UserId;

const RIDERS: i64 = 6;

#[derive(Debug, Clone)]
enum Op {
    SignUp(i64),
    Cancel(i64),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        3 => (1..=RIDERS).prop_map(Op::SignUp),
        2 => (1..=RIDERS).prop_map(Op::Cancel),
    ]
}

/// The real clock, read before each transaction (as a handler reads it).
fn now() -> DateTime<Utc> {
    Utc::now()
}

/// The session: three days from now, in Shanghai.
fn day() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::days(3))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn session() -> SessionCode {
    SessionCode::parse(&format!("CUT-{}", day().format("%Y%m%d"))).unwrap()
}

/// The last place in line each rider was told by their own sign-up (none after they cancel).
type Told = Arc<Mutex<HashMap<i64, i64>>>;

async fn setup(capacity: i64) -> ((tempfile::TempDir, rider_bot::db::testing::TestDb), Pool) {
    let dir = tempfile::tempdir().unwrap();
    let db = rider_bot::db::testing::TestDb::new(format!(
        "sqlite://{}",
        dir.path().join("s.db").display()
    ))
    .await;
    let pool = rider_bot::db::connect_and_migrate(&db.url).await.unwrap();
    rider_bot::stations::domain::import(
        &pool,
        "code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone\n\
         LF-S01,站,,station,x,31.3,120.7,wgs84,24/7,,0,\n"
            .as_bytes(),
    )
    .await
    .unwrap();
    for id in 1..=RIDERS {
        sqlx::query(
            "INSERT INTO users (id, status, role, name, created_at, updated_at)
             VALUES ($1, 'registered', 'rider', 'n', 'x', 'x')",
        )
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    }
    let plans = format!(
        "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
         CUT,haircut,义剪,,LF-S01,{},09:00,11:00,{capacity},20,true\n",
        day().format("%Y-%m-%d")
    );
    domain::import_plans(
        &pool,
        plans.as_bytes(),
        Some((now(), chrono_tz::Asia::Shanghai)),
    )
    .await
    .unwrap();
    ((dir, db), pool)
}

/// Runs `ops` for the riders of task `task` of `tasks` (a rider's own steps stay in order, as
/// one phone's would; riders act concurrently).
async fn run(pool: Pool, ops: Vec<Op>, task: i64, tasks: i64, told: Told) {
    for op in ops {
        match op {
            Op::SignUp(r) if r % tasks == task => {
                let done = domain::sign_up(&pool, UserId(r), &session(), now())
                    .await
                    .unwrap();
                let mut told = told.lock().unwrap();
                match done.status {
                    SignupStatus::Waitlisted(n) => {
                        told.insert(r, n);
                    }
                    SignupStatus::Signed | SignupStatus::Attended | SignupStatus::Cancelled => {
                        told.remove(&r);
                    }
                }
            }
            Op::Cancel(r) if r % tasks == task => {
                match domain::cancel(&pool, UserId(r), &session(), now()).await {
                    Ok(_) | Err(domain::ServicesError::NotSignedUp) => {}
                    Err(e) => panic!("{e}"),
                }
                told.lock().unwrap().remove(&r);
            }
            Op::SignUp(_) | Op::Cancel(_) => {}
        }
    }
}

async fn check(pool: &Pool, capacity: i64, told: &Told) {
    let mut signed = 0;
    let mut places = Vec::new();
    for r in 1..=RIDERS {
        let found = domain::find(pool, UserId(r), &session())
            .await
            .unwrap()
            .unwrap();
        match found.mine {
            Some(SignupStatus::Signed) => signed += 1,
            Some(SignupStatus::Waitlisted(n)) => {
                places.push(n);
                // A place told only ever moves up: never behind what the rider was told.
                if let Some(t) = told.lock().unwrap().get(&r) {
                    assert!(n <= *t, "rider {r} was told place {t} and is now {n}");
                }
            }
            _ => {}
        }
    }
    let listed = domain::find(pool, UserId(1), &session())
        .await
        .unwrap()
        .unwrap()
        .session;
    assert_eq!(listed.signed, signed, "the count matches the rows");
    assert!(signed <= capacity, "{signed} seats taken of {capacity}");
    if !places.is_empty() {
        assert_eq!(signed, capacity, "someone waits while a seat is free");
    }
    places.sort();
    let expected: Vec<i64> = (1..=places.len() as i64).collect();
    assert_eq!(places, expected, "places in line are 1, 2, 3, …");
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn seats_and_the_waitlist_keep_their_invariants_under_concurrent_riders(
        capacity in 1i64..4,
        tasks in prop::collection::vec(prop::collection::vec(op(), 1..16), 1..4)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (_dir, pool) = setup(capacity).await;
            let told = Told::default();
            let count = tasks.len() as i64;
            let handles: Vec<_> = tasks
                .into_iter()
                .enumerate()
                .map(|(i, ops)| tokio::spawn(run(pool.clone(), ops, i as i64, count, told.clone())))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            check(&pool, capacity, &told).await;
        });
    }
}

/// Six riders press Sign up at the same instant for two seats: the four in line are told four
/// different places, 1 to 4, and each is where they were told.
#[test]
fn six_riders_at_once_for_two_seats_are_told_distinct_true_places() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        for _ in 0..20 {
            let (_dir, pool) = setup(2).await;
            let handles: Vec<_> = (1..=RIDERS)
                .map(|r| {
                    let pool = pool.clone();
                    tokio::spawn(async move {
                        let at = now();
                        // The time is read before the transaction, as a handler reads it.
                        tokio::task::yield_now().await;
                        (
                            r,
                            domain::sign_up(&pool, UserId(r), &session(), at)
                                .await
                                .unwrap(),
                        )
                    })
                })
                .collect();
            let mut told = Vec::new();
            for h in handles {
                let (r, done) = h.await.unwrap();
                if let SignupStatus::Waitlisted(n) = done.status {
                    told.push((r, n));
                }
            }
            let mut places: Vec<i64> = told.iter().map(|(_, n)| *n).collect();
            places.sort();
            assert_eq!(places, [1, 2, 3, 4], "{told:?}");
            for (r, n) in told {
                let now_at = domain::find(&pool, UserId(r), &session())
                    .await
                    .unwrap()
                    .unwrap()
                    .mine;
                assert_eq!(now_at, Some(SignupStatus::Waitlisted(n)), "rider {r}");
            }
        }
    });
}
