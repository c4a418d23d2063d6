//! Property tests of free-service sign-ups on a real SQLite file: random sign-ups, double taps
//! and cancellations by several riders, run from concurrent tasks against one session, keep
//! the invariants: never more seats taken than the capacity, nobody waits while a seat is free,
//! each rider holds at most one place, and the line is served in order.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use rider_bot::services::domain;
use rider_bot::services::{SessionCode, SignupStatus};
use rider_bot::users::UserId;
use sqlx::SqlitePool;

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

/// Friday 4 December 2026, 12:00 in Shanghai; the session is the next day.
fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 4, 0, 0).unwrap()
}

fn session() -> SessionCode {
    SessionCode::parse("CUT-20261205").unwrap()
}

async fn setup(capacity: i64) -> (tempfile::TempDir, SqlitePool) {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("s.db").display());
    let pool = rider_bot::db::connect_and_migrate(&url).await.unwrap();
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
             VALUES (?, 'registered', 'rider', 'n', 'x', 'x')",
        )
        .bind(id)
        .execute(&pool)
        .await
        .unwrap();
    }
    let plans = format!(
        "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
         CUT,haircut,义剪,,LF-S01,Sa,09:00,11:00,{capacity},20,true\n"
    );
    domain::import_plans(
        &pool,
        plans.as_bytes(),
        Some((now(), chrono_tz::Asia::Shanghai)),
    )
    .await
    .unwrap();
    (dir, pool)
}

async fn run(pool: SqlitePool, ops: Vec<Op>) {
    for op in ops {
        match op {
            Op::SignUp(r) => {
                domain::sign_up(&pool, UserId(r), &session(), now())
                    .await
                    .unwrap();
            }
            Op::Cancel(r) => match domain::cancel(&pool, UserId(r), &session(), now()).await {
                Ok(_) | Err(domain::ServicesError::NotSignedUp) => {}
                Err(e) => panic!("{e}"),
            },
        }
    }
}

async fn check(pool: &SqlitePool, capacity: i64) {
    let mut signed = 0;
    let mut places = Vec::new();
    for r in 1..=RIDERS {
        let found = domain::find(pool, UserId(r), &session())
            .await
            .unwrap()
            .unwrap();
        match found.mine {
            Some(SignupStatus::Signed) => signed += 1,
            Some(SignupStatus::Waitlisted(n)) => places.push(n),
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
            let handles: Vec<_> = tasks
                .into_iter()
                .map(|ops| tokio::spawn(run(pool.clone(), ops)))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            check(&pool, capacity).await;
        });
    }
}
