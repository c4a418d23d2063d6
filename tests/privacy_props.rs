//! Property tests of erasure on a real SQLite file: random sign-ups, cancellations, points,
//! redemptions, reports, erasures and re-registrations by several riders, run from concurrent
//! tasks through the same domain functions and the same erasure (every capability's part, as
//! the router wires them) the bot uses. Whatever the order: no erased rider holds a seat, a
//! place in line, an open redemption, a ledger entry, a report, a name or a phone; every balance
//! equals the sum of its entries; stock is conserved; and the places riders were told are
//! distinct and never behind their true place.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Utc};
use proptest::prelude::*;
use rider_bot::bot::core::personal::Holdings;
use rider_bot::db::Pool;
use rider_bot::geo::Position;
use rider_bot::points::{self, RewardCode};
use rider_bot::reports::{self, CategoryCode, Draft, Photo, PhotoSource, Photos};
use rider_bot::services::{self, SessionCode, SignupStatus};
use rider_bot::users::{self, UserId};

const RIDERS: i64 = 5;
const COORDINATOR: i64 = 900;
/// CABLE costs 30 and has 40 in stock in the demo seeds; GLOVES 50 and 25.
const REWARDS: [&str; 2] = ["CABLE", "GLOVES"];

#[derive(Debug, Clone)]
enum Op {
    SignUp(i64),
    Cancel(i64),
    /// A coordinator's welcome points.
    Points(i64),
    Redeem(i64, usize),
    Report(i64),
    Erase(i64),
    /// An erased rider registers again (a no-op for someone registered).
    Register(i64),
}

fn op() -> impl Strategy<Value = Op> {
    let r = 1..=RIDERS;
    prop_oneof![
        3 => r.clone().prop_map(Op::SignUp),
        1 => r.clone().prop_map(Op::Cancel),
        2 => r.clone().prop_map(Op::Points),
        2 => (r.clone(), 0..REWARDS.len()).prop_map(|(r, w)| Op::Redeem(r, w)),
        1 => r.clone().prop_map(Op::Report),
        2 => r.clone().prop_map(Op::Erase),
        1 => r.prop_map(Op::Register),
    ]
}

fn now() -> DateTime<Utc> {
    Utc::now()
}

fn day() -> chrono::NaiveDate {
    (Utc::now() + chrono::Duration::days(3))
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .date_naive()
}

fn session() -> SessionCode {
    SessionCode::parse(&format!("SEAT-{}", day().format("%Y%m%d"))).unwrap()
}

/// The last place in line each rider was told (none once they hold a seat or left the line).
type Told = Arc<Mutex<HashMap<i64, i64>>>;

struct World {
    pool: Pool,
    holdings: Arc<Holdings>,
    told: Told,
    n: Arc<std::sync::atomic::AtomicU64>,
}

async fn setup(
    capacity: i64,
) -> (
    (tempfile::TempDir, rider_bot::db::testing::TestDb),
    World,
    i64,
) {
    let dir = tempfile::tempdir().unwrap();
    let db = rider_bot::db::testing::TestDb::new(format!(
        "sqlite://{}",
        dir.path().join("e.db").display()
    ))
    .await;
    let pool = rider_bot::db::connect_and_migrate(&db.url).await.unwrap();
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    rider_bot::seeds::load_dir(&pool, &seeds).await.unwrap();
    for id in (1..=RIDERS).chain([COORDINATOR]) {
        let role = if id == COORDINATOR {
            "coordinator"
        } else {
            "rider"
        };
        sqlx::query(
            "INSERT INTO users (id, status, role, name, phone, created_at, updated_at)
             VALUES ($1, 'registered', $2, 'Zhang', '+8613800000000', 'x', 'x')",
        )
        .bind(id)
        .bind(role)
        .execute(&pool)
        .await
        .unwrap();
    }
    let plans = format!(
        "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
         SEAT,haircut,义剪,,LF-S01,{},09:00,11:00,{capacity},20,true\n",
        day().format("%Y-%m-%d")
    );
    services::domain::import_plans(
        &pool,
        plans.as_bytes(),
        Some((now(), chrono_tz::Asia::Shanghai)),
    )
    .await
    .unwrap();
    let stock: i64 = sqlx::query_scalar("SELECT CAST(SUM(stock) AS BIGINT) FROM rewards")
        .fetch_one(&pool)
        .await
        .unwrap();
    let config = rider_bot::config::Config::from_lookup(|k| match k {
        "DATABASE_URL" => Some(db.url.clone()),
        "MEDIA_DIR" => Some(dir.path().join("media").display().to_string()),
        _ => None,
    })
    .unwrap();
    let mut wiring = rider_bot::bot::router::wire(&config);
    let holdings = Arc::new(
        wiring
            .deps
            .take::<Holdings>()
            .expect("the router provides it"),
    );
    let world = World {
        pool,
        holdings,
        told: Told::default(),
        n: Arc::default(),
    };
    ((dir, db), world, stock)
}

fn draft(n: u64) -> Draft {
    let photo = Photo {
        file_id: format!("f{n}"),
        sha256: format!("{n:064x}"),
        path: format!("00/{n:064x}.jpg"),
        size: 1,
        source: PhotoSource::Photo,
    };
    Draft {
        category: CategoryCode::parse("garbage").unwrap(),
        photos: Photos::new(vec![photo]).unwrap(),
        at: Position::new(31.3166, 120.7171).unwrap(),
        note: None,
    }
}

async fn apply(w: &World, op: Op) {
    let n = w.n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    match op {
        Op::SignUp(r) => {
            match services::domain::sign_up(&w.pool, UserId(r), &session(), now()).await {
                Ok(done) => {
                    let mut told = w.told.lock().unwrap();
                    match done.status {
                        SignupStatus::Waitlisted(place) => {
                            told.insert(r, place);
                        }
                        SignupStatus::Signed | SignupStatus::Attended | SignupStatus::Cancelled => {
                            told.remove(&r);
                        }
                    }
                }
                Err(services::domain::ServicesError::Refused(users::Refusal::NotRegistered)) => {}
                Err(e) => panic!("sign-up: {e}"),
            }
        }
        Op::Cancel(r) => {
            match services::domain::cancel(&w.pool, UserId(r), &session(), now()).await {
                Ok(_) | Err(services::domain::ServicesError::NotSignedUp) => {}
                Err(e) => panic!("cancel: {e}"),
            }
            w.told.lock().unwrap().remove(&r);
        }
        Op::Points(r) => {
            let target = users::TargetRef::Id(UserId(r));
            match points::domain::adjust(
                &w.pool,
                UserId(COORDINATOR),
                &target,
                40,
                "welcome",
                &format!("a{n}"),
                now(),
            )
            .await
            {
                Ok(_)
                | Err(points::domain::PointsError::Refused(users::Refusal::TargetNotRegistered)) => {
                }
                Err(e) => panic!("adjust: {e}"),
            }
        }
        Op::Redeem(r, w_) => {
            let reward = RewardCode::parse(REWARDS[w_]).unwrap();
            match points::domain::redeem(
                &w.pool,
                UserId(r),
                &reward,
                &format!("r{n}"),
                now(),
                chrono::Duration::days(7),
            )
            .await
            {
                Ok(_)
                | Err(points::domain::PointsError::Insufficient { .. })
                | Err(points::domain::PointsError::Refused(users::Refusal::NotRegistered)) => {}
                Err(e) => panic!("redeem: {e}"),
            }
        }
        Op::Report(r) => {
            let mut tx = rider_bot::db::begin_write(&w.pool).await.unwrap();
            let Some(user) = users::store::find(&mut tx, UserId(r)).await.unwrap() else {
                return;
            };
            let rules = reports::domain::Rules {
                per_day: 1000,
                tz: chrono_tz::Asia::Shanghai,
                follow_up_after: chrono::Duration::hours(48),
                group: Some(-100),
            };
            match reports::domain::submit_in(
                &mut tx,
                &user,
                &draft(n),
                &format!("k{n}"),
                &rules,
                now(),
            )
            .await
            {
                Ok(_) => tx.commit().await.unwrap(),
                Err(reports::domain::ReportsError::Refused(users::Refusal::NotRegistered)) => {}
                Err(e) => panic!("report: {e}"),
            }
        }
        Op::Erase(r) => {
            let mut tx = rider_bot::db::begin_write(&w.pool).await.unwrap();
            let erased = w
                .holdings
                .erase_in(&mut tx, UserId(r), now())
                .await
                .unwrap();
            tx.commit().await.unwrap();
            if erased.is_some() {
                w.told.lock().unwrap().remove(&r);
            }
        }
        Op::Register(r) => {
            let now = rider_bot::db::now();
            sqlx::query(
                "UPDATE users SET status = 'registered', name = 'Again', phone = '+8613900000000',
                        updated_at = $1 WHERE id = $2 AND status = 'deleted'",
            )
            .bind(rider_bot::db::At(now))
            .bind(r)
            .execute(&w.pool)
            .await
            .unwrap();
        }
    }
}

async fn check(w: &World, stock: i64) {
    let pool = &w.pool;
    let erased: Vec<i64> =
        sqlx::query_scalar("SELECT id FROM users WHERE status = 'deleted' AND id > 0")
            .fetch_all(pool)
            .await
            .unwrap();
    for r in &erased {
        for (what, sql) in [
            ("a sign-up", "SELECT COUNT(*) FROM signups WHERE rider_id = $1"),
            ("a redemption", "SELECT COUNT(*) FROM redemptions WHERE rider_id = $1"),
            ("a ledger entry", "SELECT COUNT(*) FROM ledger WHERE rider_id = $1"),
            ("a balance", "SELECT COUNT(*) FROM balances WHERE rider_id = $1"),
            ("a report", "SELECT COUNT(*) FROM reports WHERE reporter_id = $1"),
            ("a name or phone", "SELECT COUNT(*) FROM users WHERE id = $1 AND (name IS NOT NULL OR phone IS NOT NULL)"),
            ("the leaderboard", "SELECT COUNT(*) FROM users WHERE id = $1 AND leaderboard_opt_in = 1"),
        ] {
            let n: i64 = sqlx::query_scalar(sql).bind(r).fetch_one(pool).await.unwrap();
            assert_eq!(n, 0, "erased rider {r} still holds {what}");
        }
    }
    // Anonymous records carry no key that names a rider.
    let named: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM reports WHERE reporter_id < 0 AND request_key NOT LIKE 'erased:%')
              + (SELECT COUNT(*) FROM redemptions WHERE rider_id < 0 AND request_key NOT LIKE 'erased:%')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(named, 0, "a key still names an erased rider");
    // No anonymous id holds a seat, a place or an open hold: erasure let go of them.
    let held: i64 = sqlx::query_scalar(
        "SELECT (SELECT COUNT(*) FROM signups WHERE rider_id < 0 AND status IN ('signed', 'waitlisted'))
              + (SELECT COUNT(*) FROM redemptions WHERE rider_id < 0 AND status = 'open')",
    )
    .fetch_one(pool)
    .await
    .unwrap();
    assert_eq!(held, 0);
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(
        points::store::mismatches(&mut conn).await.unwrap(),
        vec![],
        "balance ≠ entries"
    );
    let (left, out): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT CAST(SUM(stock) AS BIGINT) FROM rewards),
                (SELECT COUNT(*) FROM redemptions WHERE status IN ('open', 'confirmed'))",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(left + out, stock, "stock is conserved");
    // Places in line: 1, 2, 3… and never behind what a rider was told.
    let mut places = Vec::new();
    for r in 1..=RIDERS {
        if let Some(SignupStatus::Waitlisted(place)) =
            services::store::signup(&mut conn, &session(), UserId(r))
                .await
                .unwrap()
        {
            if let Some(t) = w.told.lock().unwrap().get(&r) {
                assert!(
                    place <= *t,
                    "rider {r} was told place {t} and is now {place}"
                );
            }
            places.push(place);
        }
    }
    places.sort();
    let expected: Vec<i64> = (1..=places.len() as i64).collect();
    assert_eq!(places, expected);
    // Nobody waits while a seat is free (an erasure's seat went to the next in line).
    if !places.is_empty() {
        let (signed, capacity): (i64, i64) = sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM signups WHERE session = $1 AND status = 'signed'),
                    (SELECT capacity FROM sessions WHERE code = $1)",
        )
        .bind(session().to_string())
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert_eq!(signed, capacity, "riders wait while a seat is free");
    }
    // Every erasure told the rider who moved up: one promotion notice per seat handed on.
    let promoted: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM outbox WHERE kind = 'services.promoted'")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert!(promoted <= w.n.load(std::sync::atomic::Ordering::Relaxed) as i64);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

    #[test]
    fn erasure_leaves_nothing_held_and_every_total_adding_up(
        capacity in 1i64..3,
        tasks in prop::collection::vec(prop::collection::vec(op(), 1..20), 1..4)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (_dir, world, stock) = setup(capacity).await;
            let world = Arc::new(world);
            let count = tasks.len() as i64;
            let handles: Vec<_> = tasks
                .into_iter()
                .enumerate()
                .map(|(i, ops)| {
                    let world = world.clone();
                    tokio::spawn(async move {
                        // A rider's own steps stay in order (one phone); riders act at once.
                        for op in ops {
                            let rider = match &op {
                                Op::SignUp(r) | Op::Cancel(r) | Op::Points(r) | Op::Redeem(r, _)
                                | Op::Report(r) | Op::Erase(r) | Op::Register(r) => *r,
                            };
                            if rider % count == i as i64 {
                                apply(&world, op).await;
                            }
                        }
                    })
                })
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            check(&world, stock).await;
        });
    }
}
