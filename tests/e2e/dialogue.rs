//! The dialogue machinery: /cancel from every state, restart mid-dialogue, idle expiry, a state
//! from an older release, re-delivered updates.

use rider_bot::i18n::{t, Lang};

use crate::helpers::{first_words, TestApp};

const STEPS: [&str; 5] = ["consent", "name", "platform", "platform_other", "phone"];

#[tokio::test]
async fn cancel_works_from_every_onboarding_state() {
    let app = TestApp::spawn().await;
    for (i, step) in STEPS.iter().enumerate() {
        let rider = app.rider(2000 + i as i64, Some("en"));
        app.onboard_until(rider, step, Lang::En).await;
        assert_eq!(app.step(rider).await, *step);
        app.emu.send_text(rider, "/cancel");
        let m = app
            .expect_text(rider, &first_words(Lang::En, "cancelled-unregistered"))
            .await;
        assert!(m.removes_keyboard(), "{step}");
        assert_eq!(app.step(rider).await, "idle", "{step}");
    }
}

#[tokio::test]
async fn the_cancel_button_works_like_the_command() {
    let app = TestApp::spawn().await;
    let rider = app.rider(2010, Some("zh"));
    app.onboard_until(rider, "phone", Lang::Zh).await;
    app.emu.send_text(rider, &t(Lang::Zh, "btn-cancel"));
    app.expect_text(rider, &first_words(Lang::Zh, "cancelled-unregistered"))
        .await;
    assert_eq!(app.step(rider).await, "idle");
}

#[tokio::test]
async fn cancel_from_delete_confirmation_and_idle_returns_to_the_menu() {
    let app = TestApp::spawn().await;
    let rider = app.rider(2011, Some("en"));
    app.register(rider, Lang::En).await;
    app.emu.send_text(rider, "/deletemydata");
    app.expect_text(rider, &first_words(Lang::En, "delete-confirm"))
        .await;
    assert_eq!(app.step(rider).await, "confirm_delete");
    app.emu.send_text(rider, "/cancel");
    let m = app
        .expect_text(rider, &first_words(Lang::En, "cancelled"))
        .await;
    assert!(m.keyboard_labels().contains(&t(Lang::En, "menu-report")));
    assert_eq!(app.step(rider).await, "idle");
    assert_eq!(app.user_row(rider).await.unwrap().0, "registered");

    app.emu.send_text(rider, "/cancel");
    app.expect_text(rider, &first_words(Lang::En, "nothing-to-cancel"))
        .await;
}

#[tokio::test]
async fn a_restart_mid_dialogue_continues_where_the_rider_was() {
    let mut app = TestApp::spawn().await;
    let rider = app.rider(2020, Some("en"));
    app.onboard_until(rider, "phone", Lang::En).await;
    app.stop().await;
    app.start().await;
    app.emu.send_contact(rider, "+8613800004444", Some(rider));
    app.expect_text(rider, "Welcome").await;
    assert_eq!(app.user_row(rider).await.unwrap().0, "registered");
}

#[tokio::test]
async fn an_update_sent_while_the_bot_is_down_is_handled_after_restart() {
    let mut app = TestApp::spawn().await;
    let rider = app.rider(2021, Some("en"));
    app.onboard_until(rider, "name", Lang::En).await;
    app.stop().await;
    app.emu.send_text(rider, "Wang");
    app.start().await;
    app.expect_text(rider, &first_words(Lang::En, "ask-platform"))
        .await;
}

#[tokio::test]
async fn an_idle_dialogue_is_dropped_politely_at_the_next_message() {
    let app = TestApp::spawn().await;
    let rider = app.rider(2030, Some("en"));
    app.register(rider, Lang::En).await;
    app.emu.send_text(rider, "/deletemydata");
    app.expect_text(rider, &first_words(Lang::En, "delete-confirm"))
        .await;
    sqlx::query("UPDATE dialogues SET updated_at = $1 WHERE chat_id = $2")
        // In the form SQLite's datetime() writes, as an older row may hold it.
        .bind(
            (chrono::Utc::now() - chrono::Duration::minutes(31))
                .format("%Y-%m-%d %H:%M:%S")
                .to_string(),
        )
        .bind(rider)
        .execute(&app.pool)
        .await
        .unwrap();
    app.emu.send_text(rider, &t(Lang::En, "menu-services"));
    app.expect_text(rider, &first_words(Lang::En, "dialogue-expired"))
        .await;
    // The message itself is still handled, from the main menu.
    app.expect_text(rider, &first_words(Lang::En, "services-none"))
        .await;
    assert_eq!(app.step(rider).await, "idle");
    assert_eq!(app.user_row(rider).await.unwrap().0, "registered");
}

#[tokio::test]
async fn a_state_from_an_older_release_resets_with_an_apology() {
    let app = TestApp::spawn().await;
    let rider = app.rider(2040, Some("en"));
    app.register(rider, Lang::En).await;
    sqlx::query("INSERT INTO dialogues (chat_id, state, updated_at) VALUES ($1, $2, $3)")
        .bind(rider)
        .bind(r#"{"step":"awaiting_shoe_size","size":42}"#)
        .bind(rider_bot::db::At::now())
        .execute(&app.pool)
        .await
        .unwrap();
    app.emu.send_text(rider, "/help");
    app.expect_text(rider, &first_words(Lang::En, "dialogue-reset"))
        .await;
    app.expect_text(rider, "Rider bot").await;
    assert_eq!(app.step(rider).await, "idle");
}

#[tokio::test]
async fn a_redelivered_update_has_no_second_effect() {
    let app = TestApp::spawn().await;
    let rider = app.rider(2050, Some("en"));
    app.onboard_until(rider, "phone", Lang::En).await;
    let update = app.emu.send_contact(rider, "+8613800005555", Some(rider));
    app.expect_text(rider, "Welcome").await;
    app.emu.redeliver(update);
    // Only the probe's answer follows: no second welcome.
    app.assert_silent(rider, Lang::En).await;
    let claimed: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM processed_updates WHERE update_id = $1")
            .bind(update)
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(claimed, 1);
}
