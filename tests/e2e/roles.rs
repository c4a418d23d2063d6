//! Roles: coordinators from configuration; appointing and revoking grid officers by id,
//! @username and forwarded message; refusals checked in the domain layer; the audit trail.

use rider_bot::audit;
use rider_bot::i18n::{t, Lang};
use rider_bot::roles::domain::{self, RoleError, TargetRef};
use rider_bot::users::{Refusal, UserId};
use serde_json::json;

use crate::helpers::{first_words, TestApp, COORDINATOR};

async fn role_of(app: &TestApp, id: i64) -> String {
    app.user_row(id).await.unwrap().1
}

#[tokio::test]
async fn a_coordinator_appoints_and_revokes_by_id_and_username() {
    let app = TestApp::spawn().await;
    let rider = app.rider(4001, Some("en"));
    app.register(rider, Lang::En).await;

    app.emu.send_text(COORDINATOR, &format!("/appoint {rider}"));
    app.expect_text(COORDINATOR, "张三 已成为兼职网格员").await;
    app.expect_text(rider, "grid officer").await;
    assert_eq!(role_of(&app, rider).await, "grid_officer");

    app.emu.send_text(COORDINATOR, "/appoint @Rider4001");
    app.expect_text(COORDINATOR, "已经是兼职网格员").await;

    app.emu.send_text(COORDINATOR, "/revoke @rider4001");
    app.expect_text(COORDINATOR, "张三 已不再是兼职网格员")
        .await;
    app.expect_text(rider, "no longer a grid officer").await;
    assert_eq!(role_of(&app, rider).await, "rider");

    let actions = app.audit_actions(rider).await;
    assert_eq!(
        actions,
        vec![
            (Some(COORDINATOR), "appoint_grid_officer".to_owned()),
            (Some(COORDINATOR), "revoke_grid_officer".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_coordinator_appoints_by_replying_to_a_forwarded_message() {
    let app = TestApp::spawn().await;
    let rider = app.rider(4002, Some("en"));
    app.register(rider, Lang::En).await;
    let forwarded = json!({
        "message_id": 77, "date": 1, "chat": {"id": COORDINATOR, "type": "private", "first_name": "Coordinator"},
        "text": "hello",
        "forward_origin": {"type": "user", "date": 1,
                           "sender_user": {"id": rider, "is_bot": false, "first_name": "Rider"}}
    });
    app.emu.send_message_fields(
        COORDINATOR,
        json!({"text": "/appoint", "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
               "reply_to_message": forwarded}),
    );
    app.expect_text(COORDINATOR, "已成为兼职网格员").await;
    assert_eq!(role_of(&app, rider).await, "grid_officer");

    // A sender who hides their account cannot be named that way.
    let hidden = json!({
        "message_id": 78, "date": 1, "chat": {"id": COORDINATOR, "type": "private", "first_name": "Coordinator"},
        "text": "hi", "forward_origin": {"type": "hidden_user", "date": 1, "sender_user_name": "Anon"}
    });
    app.emu.send_message_fields(
        COORDINATOR,
        json!({"text": "/appoint", "entities": [{"type": "bot_command", "offset": 0, "length": 8}],
               "reply_to_message": hidden}),
    );
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "forward-hidden"))
        .await;
}

#[tokio::test]
async fn a_rider_cannot_appoint_anyone() {
    let app = TestApp::spawn().await;
    let rider = app.rider(4003, Some("en"));
    let other = app.rider(4004, Some("en"));
    app.register(rider, Lang::En).await;
    app.register(other, Lang::En).await;
    app.emu.send_text(rider, &format!("/appoint {other}"));
    app.expect_text(rider, &t(Lang::En, "role-not-coordinator"))
        .await;
    assert_eq!(role_of(&app, other).await, "rider");

    // The domain refuses too, whatever a transport lets through.
    let err = domain::appoint(&app.pool, UserId(rider), &TargetRef::Id(UserId(other)))
        .await
        .unwrap_err();
    assert!(matches!(err, RoleError::Refused(Refusal::NotCoordinator)));
    let mut conn = app.pool.acquire().await.unwrap();
    assert!(audit::for_target(&mut conn, UserId(other))
        .await
        .unwrap()
        .is_empty());
}

#[tokio::test]
async fn appointments_need_a_registered_known_rider() {
    let app = TestApp::spawn().await;
    app.emu.send_text(COORDINATOR, "/appoint 123456");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "role-unknown-user"))
        .await;
    app.emu.send_text(COORDINATOR, "/appoint");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "appoint-usage"))
        .await;
    app.emu.send_text(COORDINATOR, "/appoint someone");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "appoint-usage"))
        .await;

    let half = app.rider(4005, Some("en"));
    app.onboard_until(half, "name", Lang::En).await;
    app.emu.send_text(COORDINATOR, &format!("/appoint {half}"));
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "role-not-registered"))
        .await;
    app.emu
        .send_text(COORDINATOR, &format!("/revoke {COORDINATOR}"));
    app.expect_text(
        COORDINATOR,
        &first_words(Lang::Zh, "role-target-coordinator"),
    )
    .await;
}

#[tokio::test]
async fn coordinators_follow_the_configuration_across_restarts() {
    let mut app = TestApp::spawn_with(&[("COORDINATOR_IDS", "900,901")]).await;
    assert_eq!(role_of(&app, 900).await, "coordinator");
    assert_eq!(role_of(&app, 901).await, "coordinator");
    app.stop().await;
    app.config.coordinator_ids = vec![900];
    app.start().await;
    assert_eq!(role_of(&app, 901).await, "rider");
    let actions = app.audit_actions(901).await;
    assert_eq!(
        actions,
        vec![
            (None, "make_coordinator".to_owned()),
            (None, "remove_coordinator".to_owned())
        ]
    );
}

#[tokio::test]
async fn a_changed_username_follows_the_rider() {
    let app = TestApp::spawn().await;
    let rider = app.rider(4010, Some("en"));
    app.register(rider, Lang::En).await;
    // The rider renames themselves in Telegram; their next update carries the new name.
    app.emu.add_user(
        rider_bot::emulator::TgUser::new(rider, "Rider", Some("en")).with_username("NewName_1"),
    );
    app.emu.send_text(rider, "/help");
    app.expect_text(rider, "Rider bot").await;
    app.emu.send_text(COORDINATOR, "/appoint @newname_1");
    app.expect_text(COORDINATOR, "已成为兼职网格员").await;
    app.emu.send_text(COORDINATOR, "/revoke @rider4010");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "role-unknown-user"))
        .await;
}

#[tokio::test]
async fn a_configured_coordinator_is_answered_in_their_telegram_language() {
    let app = TestApp::spawn_with(&[("COORDINATOR_IDS", "900,950")]).await;
    // 950's row exists from start-up, before they ever wrote; their Telegram says English.
    app.emu.add_user(rider_bot::emulator::TgUser::new(
        950,
        "Coordinator",
        Some("en"),
    ));
    app.emu.send_text(950, "/help");
    let help = app.expect_text(950, "Rider bot").await;
    assert!(help.text.contains("Coordinator commands"), "{}", help.text);
    assert_eq!(app.user_field(950, "lang").await.as_deref(), Some("en"));
    // Later switches stick: the first-contact rule applies once.
    app.emu.send_text(950, "/language");
    let choose = app.next(950).await;
    app.emu.press(950, &choose, "中文");
    app.expect_text(950, "语言：中文").await;
    app.emu.send_text(950, "/help");
    app.expect_text(950, "骑手小助手").await;
}
