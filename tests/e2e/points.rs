//! The points passbook through the emulator: `/points` and its history pages, browsing and
//! redeeming rewards (code and QR), a coordinator confirming the hand-over, expiry and refund,
//! adjustments, `/passbook` and the leaderboard, and the bad input around them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rider_bot::i18n::{t, Lang};
use rider_bot::points::domain::{self, EarnRule};
use rider_bot::users::UserId;

use crate::helpers::{TestApp, COORDINATOR};

fn monday_noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).unwrap()
}

const REWARDS: &str = "code,name_zh,name_en,cost,stock,active\n\
    WATER,饮用水一箱,A case of drinking water,20,50,true\n\
    RAINCOAT,骑行雨衣,Riding raincoat,60,30,true\n\
    EBIKE,电动车检修,E-bike check-up,80,15,true\n\
    OLD,旧礼品,Old gift,5,5,false\n";

async fn app() -> TestApp {
    let app = TestApp::spawn_at(monday_noon()).await;
    domain::import_rewards(&app.pool, REWARDS.as_bytes())
        .await
        .unwrap();
    app
}

/// A registered English-speaking rider with `points` from a welcome adjustment.
async fn rider_with(app: &TestApp, id: i64, points: i64) -> i64 {
    let rider = app.rider(id, Some("en"));
    app.register(rider, Lang::En).await;
    if points > 0 {
        app.emu
            .send_text(COORDINATOR, &format!("/adjust {rider} +{points} welcome"));
        app.expect_text(rider, "A coordinator changed your points")
            .await;
        app.expect_text(COORDINATOR, "张三").await;
    }
    rider
}

#[tokio::test]
async fn points_show_balance_and_latest_and_history_pages_in_place() {
    let app = app().await;
    let rider = rider_with(&app, 6001, 100).await;
    for n in 1..=12 {
        domain::award(
            &app.pool,
            UserId(rider),
            &EarnRule::ReportAccepted {
                category: "garbage".into(),
            },
            &format!("R-{n:06}"),
            app.config.clock.now(),
        )
        .await
        .unwrap();
    }
    app.emu.send_text(rider, &t(Lang::En, "menu-points"));
    let summary = app.next(rider).await;
    assert!(
        summary.text.starts_with("💰 My points: 220 available"),
        "{}",
        summary.text
    );
    let latest: Vec<&str> = summary
        .text
        .lines()
        .filter(|l| l.starts_with('+'))
        .collect();
    assert_eq!(latest.len(), 5, "{}", summary.text);
    assert!(
        latest[0].starts_with("+10 ✅ report R-000012 accepted · "),
        "{}",
        latest[0]
    );

    app.emu.press(rider, &summary, "📜 History");
    let page1 = app.edited(rider, summary.message_id, 0).await;
    assert!(page1.text.contains("(page 1 of 2)"), "{}", page1.text);
    assert_eq!(page1.text.lines().count(), 11, "{}", page1.text);
    app.emu.press(rider, &summary, "▸");
    let page2 = app.edited(rider, summary.message_id, 1).await;
    assert!(page2.text.contains("(page 2 of 2)"), "{}", page2.text);
    assert!(
        page2.text.contains("+100 ✏️ coordinator: welcome"),
        "{}",
        page2.text
    );
    app.emu.press(rider, &summary, "◂");
    let back = app.edited(rider, summary.message_id, 2).await;
    assert!(back.text.contains("(page 1 of 2)"));

    // A forged page: an alert, no edit.
    let q = app
        .emu
        .press_data(rider, rider, summary.message_id, "pt:h:50");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], t(Lang::En, "history-no-page"));
    app.emu.press(rider, &summary, "◂ My points");
    let again = app.edited(rider, summary.message_id, 3).await;
    assert!(
        again.text.starts_with("💰 My points: 220"),
        "{}",
        again.text
    );
}

#[tokio::test]
async fn a_rider_redeems_with_a_confirm_step_and_a_coordinator_hands_it_over_once() {
    let app = app().await;
    let rider = rider_with(&app, 6002, 100).await;
    app.emu.send_text(rider, "/points");
    let summary = app.next(rider).await;
    app.emu.press(rider, &summary, "🎁 Rewards");
    let list = app.edited(rider, summary.message_id, 0).await;
    let labels: Vec<String> = list.inline_buttons().into_iter().map(|b| b.0).collect();
    assert_eq!(
        labels[..3],
        [
            "A case of drinking water · 20 pts (50 left)",
            "Riding raincoat · 60 pts (30 left)",
            "E-bike check-up · 80 pts (15 left)"
        ]
    );
    assert!(!labels.iter().any(|l| l.contains("Old gift")), "inactive");

    app.emu
        .press(rider, &list, "Riding raincoat · 60 pts (30 left)");
    let confirm = app.edited(rider, summary.message_id, 1).await;
    assert!(
        confirm
            .text
            .starts_with("Redeem Riding raincoat for 60 points?"),
        "{}",
        confirm.text
    );
    assert_eq!(
        app.balance(rider).await,
        100,
        "nothing held before confirming"
    );
    let data = confirm
        .inline_buttons()
        .into_iter()
        .find(|b| b.0 == "✅ Redeem")
        .unwrap()
        .1;
    // A double tap: two presses of the same button.
    let q1 = app.emu.press_data(rider, rider, summary.message_id, &data);
    let q2 = app.emu.press_data(rider, rider, summary.message_id, &data);
    app.emu.wait_callback_answer(&q1).await.unwrap();
    app.emu.wait_callback_answer(&q2).await.unwrap();
    let done = app.edited(rider, summary.message_id, 2).await;
    assert!(
        done.text.contains("Riding raincoat: your code is"),
        "{}",
        done.text
    );
    let code: String = done
        .text
        .split("your code is ")
        .nth(1)
        .unwrap()
        .chars()
        .take(8)
        .collect();
    let qr = app.next(rider).await;
    assert_eq!(qr.kind, "photo");
    assert_eq!(&qr.file.as_ref().unwrap()[..4], b"\x89PNG");
    assert!(qr.text.contains(&code), "{}", qr.text);
    app.assert_silent(rider, Lang::En).await; // one QR, not two
    assert_eq!(app.balance(rider).await, 40);
    let stock: i64 = sqlx::query_scalar("SELECT stock FROM rewards WHERE code = 'RAINCOAT'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stock, 29);

    app.emu.send_text(rider, "/points");
    let held = app.next(rider).await;
    assert!(
        held.text
            .contains("⏳ 60 held for 1 open redemption(s) until handed over"),
        "{}",
        held.text
    );
    // Too expensive now.
    app.emu.press(rider, &held, "🎁 Rewards");
    let list = app.edited(rider, held.message_id, 0).await;
    let q = app
        .emu
        .press(rider, &list, "E-bike check-up · 80 pts (15 left)");
    let alert = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(alert["text"], "You have 40 points; this reward needs 80.");
    // A forged reward.
    let q = app
        .emu
        .press_data(rider, rider, held.message_id, "pt:c:NOSUCH");
    let alert = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(alert["text"], t(Lang::En, "reward-unknown"));

    // Riders cannot confirm; coordinators can, once.
    app.emu.send_text(rider, &format!("/redeem {code}"));
    app.expect_text(rider, &t(Lang::En, "role-not-coordinator"))
        .await;
    app.emu
        .send_text(COORDINATOR, &format!("/redeem {}", code.to_lowercase()));
    app.expect_text(COORDINATOR, "已发放：骑行雨衣 给 张三")
        .await;
    app.expect_text(rider, "✅ Riding raincoat handed over")
        .await;
    app.emu.send_text(COORDINATOR, &format!("/redeem {code}"));
    app.expect_text(COORDINATOR, "已经发放过了").await;
    app.emu.send_text(COORDINATOR, "/redeem AAAA2222");
    app.expect_text(COORDINATOR, "没有这个兑换码").await;
    app.emu.send_text(COORDINATOR, "/redeem what");
    app.expect_text(COORDINATOR, "用法：/redeem").await;
    assert_eq!(app.balance(rider).await, 40, "confirming moves no points");
}

#[tokio::test]
async fn an_uncollected_redemption_expires_and_the_points_come_back() {
    let app = app().await;
    let rider = rider_with(&app, 6003, 30).await;
    let redemption = domain::redeem(
        &app.pool,
        UserId(rider),
        &rider_bot::points::RewardCode::parse("WATER").unwrap(),
        "direct",
        monday_noon(),
        Duration::days(7),
    )
    .await
    .unwrap()
    .redemption;
    assert_eq!(app.balance(rider).await, 10);

    app.config.clock.advance(Duration::days(8));
    app.emu.send_text(rider, "/points");
    // The expiry notice comes through the outbox, before or after the passbook.
    let (a, b) = (app.next(rider).await, app.next(rider).await);
    let (told, summary) = if a.text.contains("was not collected in time") {
        (a, b)
    } else {
        (b, a)
    };
    assert!(
        told.text.starts_with(&format!(
            "↩️ Your code {} for A case of drinking water was not collected in time, so 20 points",
            redemption.code
        )),
        "{}",
        told.text
    );
    assert!(
        summary.text.starts_with("💰 My points: 30 available"),
        "{}",
        summary.text
    );
    assert!(
        summary.text.contains(&format!(
            "+20 ↩️ A case of drinking water not collected (code {})",
            redemption.code
        )),
        "{}",
        summary.text
    );
    app.emu
        .send_text(COORDINATOR, &format!("/redeem {}", redemption.code));
    app.expect_text(COORDINATOR, "已过期").await;
    let stock: i64 = sqlx::query_scalar("SELECT stock FROM rewards WHERE code = 'WATER'")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(stock, 50, "back in stock");
}

#[tokio::test]
async fn adjustments_need_a_coordinator_and_a_reason_and_never_go_below_zero() {
    let app = app().await;
    let rider = rider_with(&app, 6004, 0).await;
    for (command, reply) in [
        ("/adjust 6004 +20", "请写明原因"),
        ("/adjust 6004 0 nothing", "用法：/adjust"),
        ("/adjust 6004 -5 oops", "余额会低于零"),
        ("/adjust 999999 +5 who", "I don't know that user"),
        (
            "/adjust @rider6004 +25 helped at the service day",
            "张三：+25 分，当前余额 25 分",
        ),
        (
            "/adjust 6004 -5 duplicate report",
            "张三：−5 分，当前余额 20 分",
        ),
    ] {
        app.emu.send_text(COORDINATOR, command);
        let m = app.next(COORDINATOR).await;
        let expected = if reply.starts_with("I don't") {
            t(Lang::Zh, "role-unknown-user")
        } else {
            reply.to_owned()
        };
        assert!(m.text.contains(&expected), "{command}: {}", m.text);
    }
    app.expect_text(rider, "+25 (helped at the service day). Balance: 25")
        .await;
    app.expect_text(rider, "−5 (duplicate report). Balance: 20")
        .await;
    app.emu.send_text(rider, "/adjust 6004 +1000 please");
    app.expect_text(rider, &t(Lang::En, "role-not-coordinator"))
        .await;
    assert_eq!(app.balance(rider).await, 20);
    let audit = app.audit_actions(rider).await;
    assert_eq!(
        audit,
        vec![
            (Some(COORDINATOR), "points_adjust".to_owned()),
            (Some(COORDINATOR), "points_adjust".to_owned())
        ]
    );

    app.emu.send_text(COORDINATOR, "/passbook @rider6004");
    let book = app.expect_text(COORDINATOR, "存折").await;
    assert!(
        book.text.contains("张三（id 6004）的存折，共 2 条"),
        "{}",
        book.text
    );
    assert!(
        book.text.contains("−5 ✏️ 工作人员调整：duplicate report"),
        "{}",
        book.text
    );
    app.emu.send_text(rider, "/passbook 6004");
    app.expect_text(rider, &t(Lang::En, "role-not-coordinator"))
        .await;
}

#[tokio::test]
async fn the_leaderboard_names_only_riders_who_opt_in() {
    let app = app().await;
    let shy = rider_with(&app, 6005, 0).await;
    let proud = rider_with(&app, 6006, 0).await;
    let rule = EarnRule::ReportAccepted {
        category: "garbage".into(),
    };
    for (rider, reports) in [(shy, 3), (proud, 2)] {
        for n in 0..reports {
            domain::award(
                &app.pool,
                UserId(rider),
                &rule,
                &format!("R-{rider}{n}"),
                app.config.clock.now(),
            )
            .await
            .unwrap();
        }
    }
    app.emu.send_text(proud, "/points");
    let summary = app.next(proud).await;
    app.emu.press(proud, &summary, "🏆 Leaderboard");
    let board = app.edited(proud, summary.message_id, 0).await;
    assert!(board.text.contains("1. a rider — 30"), "{}", board.text);
    assert!(
        board.text.contains("2. a rider (you) — 20"),
        "{}",
        board.text
    );
    let q = app.emu.press(proud, &summary, "👁 Show me on it");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], t(Lang::En, "leaderboard-shown"));
    let board = app.edited(proud, summary.message_id, 1).await;
    assert!(board.text.contains("1. a rider — 30"), "{}", board.text);
    assert!(board.text.contains("2. 张三 (you) — 20"), "{}", board.text);
    assert!(board
        .inline_buttons()
        .iter()
        .any(|b| b.0 == "🙈 Hide my name"));
    // /leaderboard says the same.
    app.emu.send_text(proud, "/leaderboard");
    let again = app.expect_text(proud, "Top contributors, 2026-11").await;
    assert!(again.text.contains("2. 张三 (you) — 20"), "{}", again.text);
}

#[tokio::test]
async fn a_coordinator_adjusts_by_replying_to_a_riders_forwarded_message() {
    let app = app().await;
    let rider = rider_with(&app, 6007, 0).await;
    let forwarded = serde_json::json!({
        "message_id": 78, "date": 1,
        "chat": {"id": COORDINATOR, "type": "private", "first_name": "Coordinator"},
        "text": "I helped clear the fire lane",
        "forward_origin": {"type": "user", "date": 1,
                           "sender_user": {"id": rider, "is_bot": false, "first_name": "Rider"}}
    });
    app.emu.send_message_fields(
        COORDINATOR,
        serde_json::json!({"text": "/adjust +15 cleared a fire lane",
                           "entities": [{"type": "bot_command", "offset": 0, "length": 7}],
                           "reply_to_message": forwarded}),
    );
    app.expect_text(COORDINATOR, "张三：+15 分，当前余额 15 分")
        .await;
    app.expect_text(rider, "+15 (cleared a fire lane). Balance: 15")
        .await;
    assert_eq!(app.balance(rider).await, 15);
}
