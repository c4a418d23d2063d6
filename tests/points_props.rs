//! Property tests of the points passbook on a real SQLite file: random sequences of award,
//! redeem, confirm, expire and adjust, run by several concurrent tasks against the same riders,
//! keep the invariants: every balance equals the sum of its entries and is never negative,
//! stock is never negative and is conserved, each idempotency key pays at most once, and a
//! repeated request has one effect.

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use rider_bot::db::Pool;
use rider_bot::points::domain::{self, EarnRule, PointsError};
use rider_bot::points::{store, RewardCode};
use rider_bot::roles::domain::TargetRef;
use rider_bot::users::UserId;

const RIDERS: i64 = 3;
const COORDINATOR: i64 = 900;
const REWARDS: [(&str, i64, i64); 2] = [("CHEAP", 10, 3), ("SCARCE", 25, 1)];

#[derive(Debug, Clone)]
enum Op {
    /// Award a report's points; `source` repeats on purpose (the same report accepted twice).
    Award { rider: i64, source: u8 },
    /// Redeem; `request` repeats on purpose (a double tap on one confirm button).
    Redeem {
        rider: i64,
        reward: usize,
        request: u8,
    },
    /// Confirm the n-th redemption made so far (if any), maybe twice.
    Confirm { nth: usize },
    /// Move the clock on and expire what is due.
    Expire { days: i64 },
    /// A coordinator's correction (sometimes too large a debit).
    Adjust {
        rider: i64,
        amount: i64,
        request: u8,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1..=RIDERS, 0u8..12).prop_map(|(rider, source)| Op::Award { rider, source }),
        3 => (1..=RIDERS, 0usize..REWARDS.len(), 0u8..6)
            .prop_map(|(rider, reward, request)| Op::Redeem { rider, reward, request }),
        2 => (0usize..6).prop_map(|nth| Op::Confirm { nth }),
        1 => (1i64..10).prop_map(|days| Op::Expire { days }),
        2 => (1..=RIDERS, -40i64..40, 0u8..6)
            .prop_map(|(rider, amount, request)| Op::Adjust { rider, amount, request }),
    ]
}

async fn setup() -> ((tempfile::TempDir, rider_bot::db::testing::TestDb), Pool) {
    let dir = tempfile::tempdir().unwrap();
    let db = rider_bot::db::testing::TestDb::new(format!(
        "sqlite://{}",
        dir.path().join("p.db").display()
    ))
    .await;
    let pool = rider_bot::db::connect_and_migrate(&db.url).await.unwrap();
    let now = "2026-11-29T00:00:00Z";
    for id in 1..=RIDERS {
        sqlx::query(
            "INSERT INTO users (id, status, role, lang, name, created_at, updated_at) \
             VALUES ($1, 'registered', 'rider', 'en', $2, $3, $4)",
        )
        .bind(id)
        .bind(format!("Rider {id}"))
        .bind(now)
        .bind(now)
        .execute(&pool)
        .await
        .unwrap();
    }
    sqlx::query(
        "INSERT INTO users (id, status, role, lang, created_at, updated_at) \
         VALUES ($1, 'registered', 'coordinator', 'en', $2, $3)",
    )
    .bind(COORDINATOR)
    .bind(now)
    .bind(now)
    .execute(&pool)
    .await
    .unwrap();
    let mut file = String::from("code,name_zh,name_en,cost,stock,active\n");
    for (code, cost, stock) in REWARDS {
        file.push_str(&format!("{code},{code},,{cost},{stock},true\n"));
    }
    domain::import_rewards(&pool, file.as_bytes())
        .await
        .unwrap();
    ((dir, db), pool)
}

/// Runs `ops` on one task. Refusals (not enough points, out of stock, already confirmed...)
/// are expected outcomes; anything else is a failure.
async fn run(pool: Pool, ops: Vec<Op>, task: usize, clock: rider_bot::clock::Clock) {
    for op in ops {
        let result: Result<(), PointsError> = match op {
            Op::Award { rider, source } => domain::award(
                &pool,
                UserId(rider),
                &EarnRule::ReportAccepted {
                    category: "garbage".into(),
                },
                &format!("R-{source:06}"),
                clock.now(),
            )
            .await
            .map(drop),
            Op::Redeem {
                rider,
                reward,
                request,
            } => domain::redeem(
                &pool,
                UserId(rider),
                &RewardCode::parse(REWARDS[reward].0).unwrap(),
                &format!("{rider}:{request}"),
                clock.now(),
                Duration::days(7),
            )
            .await
            .map(drop),
            Op::Confirm { nth } => {
                let code: Option<String> = sqlx::query_scalar(
                    "SELECT code FROM redemptions ORDER BY created_at, code LIMIT 1 OFFSET $1",
                )
                .bind(nth as i64)
                .fetch_optional(&pool)
                .await
                .unwrap();
                match code {
                    Some(code) => domain::confirm(
                        &pool,
                        UserId(COORDINATOR),
                        &rider_bot::points::RedemptionCode::parse(&code).unwrap(),
                        clock.now(),
                    )
                    .await
                    .map(drop),
                    None => Ok(()),
                }
            }
            Op::Expire { days } => {
                clock.advance(Duration::days(days));
                domain::expire_due(&pool, clock.now()).await.map(drop)
            }
            Op::Adjust {
                rider,
                amount,
                request,
            } => {
                if amount == 0 {
                    continue;
                }
                domain::adjust(
                    &pool,
                    UserId(COORDINATOR),
                    &TargetRef::Id(UserId(rider)),
                    amount,
                    "property test",
                    &format!("t{task}:{request}"),
                    clock.now(),
                )
                .await
                .map(drop)
            }
        };
        match result {
            Ok(())
            | Err(PointsError::Insufficient { .. })
            | Err(PointsError::OutOfStock)
            | Err(PointsError::AlreadyConfirmed(_))
            | Err(PointsError::Expired(_))
            | Err(PointsError::KeyConflict(_)) => {}
            Err(other) => panic!("unexpected error: {other}"),
        }
    }
}

async fn check_invariants(pool: &Pool) {
    let mut conn = pool.acquire().await.unwrap();
    // Balance = sum of entries, for every rider.
    assert_eq!(store::mismatches(&mut conn).await.unwrap(), vec![]);
    // Never negative.
    let negative: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM balances WHERE balance < 0")
        .fetch_one(&mut *conn)
        .await
        .unwrap();
    assert_eq!(negative, 0);
    // Each key at most once; each report paid at most once.
    let (keys, distinct): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(DISTINCT idem_key) FROM ledger")
            .fetch_one(&mut *conn)
            .await
            .unwrap();
    assert_eq!(keys, distinct);
    let (awards, sources): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(*), COUNT(DISTINCT source_ref) FROM ledger WHERE kind = 'report_accepted'",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(awards, sources);
    // Stock never negative, and conserved: what is left plus what is held or handed over is
    // what there was.
    for (code, _, initial) in REWARDS {
        let (stock, taken): (i64, i64) = sqlx::query_as(
            "SELECT r.stock, (SELECT COUNT(*) FROM redemptions d \
                              WHERE d.reward_code = r.code AND d.status IN ('open', 'confirmed')) \
             FROM rewards r WHERE r.code = $1",
        )
        .bind(code)
        .fetch_one(&mut *conn)
        .await
        .unwrap();
        assert!(stock >= 0, "{code}: stock {stock}");
        assert_eq!(stock + taken, initial, "{code}");
    }
    // Every redemption has exactly one hold, and a refund only if it expired.
    let bad: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM redemptions d WHERE \
           (SELECT COUNT(*) FROM ledger WHERE idem_key = 'hold:' || d.code) <> 1 \
           OR (SELECT COUNT(*) FROM ledger WHERE idem_key = 'refund:' || d.code) \
              <> CASE WHEN d.status = 'expired' THEN 1 ELSE 0 END",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(bad, 0);
    // Open holds never exceed what was earned: the sum of a rider's entries is what they have.
    let over: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM (SELECT rider_id, SUM(amount) s FROM ledger GROUP BY rider_id) t WHERE s < 0",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert_eq!(over, 0);
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_ledger_keeps_its_invariants_under_concurrent_random_operations(
        tasks in prop::collection::vec(prop::collection::vec(op(), 1..25), 1..4)
    ) {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async {
            let (_dir, pool) = setup().await;
            let clock = rider_bot::clock::Clock::fixed(
                Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap(),
            );
            let handles: Vec<_> = tasks
                .into_iter()
                .enumerate()
                .map(|(i, ops)| tokio::spawn(run(pool.clone(), ops, i, clock.clone())))
                .collect();
            for h in handles {
                h.await.unwrap();
            }
            check_invariants(&pool).await;
        });
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_last_item_redeemed_by_two_riders_at_the_same_instant_goes_to_one() {
    let (_dir, pool) = setup().await;
    for rider in 1..=2 {
        domain::adjust(
            &pool,
            UserId(COORDINATOR),
            &TargetRef::Id(UserId(rider)),
            100,
            "welcome",
            &format!("w{rider}"),
            Utc::now(),
        )
        .await
        .unwrap();
    }
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let scarce = RewardCode::parse("SCARCE").unwrap();
    let (a, b) = tokio::join!(
        domain::redeem(&pool, UserId(1), &scarce, "1:1", now, Duration::days(7)),
        domain::redeem(&pool, UserId(2), &scarce, "2:1", now, Duration::days(7)),
    );
    let won = [&a, &b].iter().filter(|r| r.is_ok()).count();
    assert_eq!(won, 1, "{a:?} {b:?}");
    assert!(matches!(
        [a, b].into_iter().find(|r| r.is_err()),
        Some(Err(PointsError::OutOfStock))
    ));
    check_invariants(&pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_rider_redeeming_from_two_devices_cannot_spend_twice() {
    let (_dir, pool) = setup().await;
    domain::adjust(
        &pool,
        UserId(COORDINATOR),
        &TargetRef::Id(UserId(1)),
        15,
        "enough for one",
        "w",
        Utc::now(),
    )
    .await
    .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let cheap = RewardCode::parse("CHEAP").unwrap();
    // Two different confirm messages (two devices), pressed at once: 15 points pay for one.
    let (a, b) = tokio::join!(
        domain::redeem(&pool, UserId(1), &cheap, "1:10", now, Duration::days(7)),
        domain::redeem(&pool, UserId(1), &cheap, "1:11", now, Duration::days(7)),
    );
    assert_eq!([&a, &b].iter().filter(|r| r.is_ok()).count(), 1);
    assert!(matches!(
        [&a, &b].into_iter().find(|r| r.is_err()),
        Some(Err(PointsError::Insufficient {
            balance: 5,
            needed: 10
        }))
    ));
    // The winning confirm button pressed again: the same redemption back, no second hold.
    let (key, done) = match (a, b) {
        (Ok(r), _) => ("1:10", r),
        (_, Ok(r)) => ("1:11", r),
        _ => unreachable!("one succeeded"),
    };
    let again = domain::redeem(&pool, UserId(1), &cheap, key, now, Duration::days(7))
        .await
        .unwrap();
    assert!(done.new && !again.new);
    assert_eq!(again.redemption, done.redemption);
    let mut conn = pool.acquire().await.unwrap();
    assert_eq!(store::balance(&mut conn, UserId(1)).await.unwrap(), 5);
    drop(conn);
    check_invariants(&pool).await;
}

#[tokio::test]
async fn the_same_cause_pays_once_and_a_conflicting_key_is_refused() {
    let (_dir, pool) = setup().await;
    let rule = EarnRule::ReportAccepted {
        category: "garbage".into(),
    };
    let first = domain::award(&pool, UserId(1), &rule, "R-000123", Utc::now())
        .await
        .unwrap();
    let again = domain::award(&pool, UserId(1), &rule, "R-000123", Utc::now())
        .await
        .unwrap();
    assert_eq!(first.entry(), again.entry());
    assert!(matches!(again, store::Posted::Existing(_)));
    // The same key for another rider is a conflict, not a second payment.
    let other = domain::award(&pool, UserId(2), &rule, "R-000123", Utc::now()).await;
    assert!(matches!(other, Err(PointsError::KeyConflict(_))));
    // A category's own rule overrides the default.
    let mut conn = pool.acquire().await.unwrap();
    store::set_rule(&mut conn, "report:fire_lane", 25)
        .await
        .unwrap();
    drop(conn);
    let fire = domain::award(
        &pool,
        UserId(1),
        &EarnRule::ReportAccepted {
            category: "fire_lane".into(),
        },
        "R-000124",
        Utc::now(),
    )
    .await
    .unwrap();
    assert_eq!((first.entry().amount, fire.entry().amount), (10, 25));
    // The ledger refuses edits and deletions outright.
    for sql in ["UPDATE ledger SET amount = 1000", "DELETE FROM ledger"] {
        let err = sqlx::query(sql).execute(&pool).await.unwrap_err();
        assert!(err.to_string().contains("append-only"), "{err}");
    }
    check_invariants(&pool).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_group_commit_writer_pays_each_cause_once_and_answers_like_award() {
    let (_dir, pool) = setup().await;
    let awards = rider_bot::points::writer::Awards::spawn(pool.clone());
    let rule = || EarnRule::ReportAccepted {
        category: "garbage".into(),
    };
    // 40 concurrent awards over 10 reports: several land in one batch with the same key.
    let calls: Vec<_> = (0..40)
        .map(|i| {
            let awards = awards.clone();
            tokio::spawn(async move {
                awards
                    .award(
                        UserId(1 + (i % 10) % RIDERS),
                        rule(),
                        &format!("R-{}", i % 10),
                    )
                    .await
            })
        })
        .collect();
    let mut new = 0;
    for c in calls {
        match c.await.unwrap().unwrap() {
            store::Posted::New(_) => new += 1,
            store::Posted::Existing(_) => {}
        }
    }
    assert_eq!(new, 10, "one new entry per report");
    // The same report for another rider is a conflict; without a rule, NoRule.
    let conflict = awards.award(UserId(3), rule(), "R-0").await;
    assert!(
        matches!(conflict, Err(PointsError::KeyConflict(_))),
        "{conflict:?}"
    );
    sqlx::query("DELETE FROM earning_rules WHERE rule = 'attendance'")
        .execute(&pool)
        .await
        .unwrap();
    let none = awards
        .award(
            UserId(1),
            EarnRule::Attendance {
                session: "S1".into(),
            },
            "S1",
        )
        .await;
    assert!(matches!(none, Err(PointsError::NoRule(_))), "{none:?}");
    check_invariants(&pool).await;
}

#[tokio::test]
async fn only_registered_riders_redeem_whatever_button_reached_them() {
    let (_dir, pool) = setup().await;
    domain::adjust(
        &pool,
        UserId(COORDINATOR),
        &TargetRef::Id(UserId(1)),
        100,
        "welcome",
        "w1",
        Utc::now(),
    )
    .await
    .unwrap();
    sqlx::query("UPDATE users SET status = 'deleted' WHERE id = 1")
        .execute(&pool)
        .await
        .unwrap();
    let now = Utc.with_ymd_and_hms(2026, 11, 29, 8, 0, 0).unwrap();
    let reward = RewardCode::parse(REWARDS[0].0).unwrap();
    for result in [
        domain::offer(&pool, UserId(1), &reward).await.map(|_| ()),
        domain::redeem(&pool, UserId(1), &reward, "1:9", now, Duration::days(7))
            .await
            .map(|_| ()),
    ] {
        assert!(
            matches!(
                result,
                Err(PointsError::Refused(
                    rider_bot::users::Refusal::NotRegistered
                ))
            ),
            "{result:?}"
        );
    }
    check_invariants(&pool).await;
}
