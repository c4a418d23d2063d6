//! Every dialogue state against every wrong kind of update: a sticker, a voice note, a document,
//! a location, 5,000 characters of text, an edited message, a message in a group, a channel post,
//! blocking and unblocking the bot, and a forged button. Each gets a helpful reply or is ignored;
//! the state is never lost and never corrupted, and no request breaks Telegram's rules.

use rider_bot::i18n::Lang;

use crate::helpers::{first_words, refuse_new_users, TestApp};

const GROUP: i64 = -100_555;

/// Sends each wrong input to `rider` standing in `step`, checking the answer and that the step
/// is unchanged (`after` is the step expected afterwards: the same, except for riders who have
/// not started, whom any message starts onboarding).
async fn survive_everything(app: &TestApp, rider: i64, step: &str, after: &str) {
    survive_all_but(app, rider, step, after, &[]).await
}

/// [`survive_everything`] except the inputs named in `valid` (what the step waits for).
async fn survive_all_but(app: &TestApp, rider: i64, step: &str, after: &str, valid: &[&str]) {
    let long_text = "长".repeat(5000);
    type Send<'a> = Box<dyn Fn() -> i64 + 'a>;
    let answered: Vec<(&str, Send)> = vec![
        ("sticker", Box::new(|| app.emu.send_sticker(rider))),
        ("voice", Box::new(|| app.emu.send_voice(rider))),
        (
            "document",
            Box::new(|| {
                app.emu
                    .send_document(rider, "a.pdf", "application/pdf", b"%PDF-1.4".to_vec())
            }),
        ),
        (
            "location",
            Box::new(|| app.emu.send_location(rider, 31.3, 120.7)),
        ),
        (
            "long text",
            Box::new(|| app.emu.send_text(rider, &long_text)),
        ),
        (
            "unknown command",
            Box::new(|| app.emu.send_text(rider, "/frobnicate")),
        ),
        (
            "forged button",
            Box::new(|| app.emu.press_data(rider, rider, 1, "admin:grant-all").len() as i64),
        ),
    ];
    for (what, send) in answered.iter().filter(|(w, _)| !valid.contains(w)) {
        send();
        let reply = app.next(rider).await;
        assert!(
            !reply.text.is_empty() || reply.kind != "text",
            "{step}/{what}: empty reply"
        );
        assert!(
            !reply.text.contains(&long_text[..30]),
            "{step}/{what}: echoed the long text"
        );
        app.drain(rider).await;
        assert_eq!(
            app.step(rider).await,
            after,
            "{step}/{what} changed the step"
        );
        if after != step {
            // Put a new rider back where they were for the next input.
            app.emu.send_text(rider, "/cancel");
            app.drain(rider).await;
        }
    }

    let ignored: Vec<(&str, Send)> = vec![
        (
            "edited message",
            Box::new(|| app.emu.edit_text(rider, 1, "edited")),
        ),
        (
            "group message",
            Box::new(|| app.emu.group_text(GROUP, rider, "hello group")),
        ),
        (
            "channel post",
            Box::new(|| app.emu.channel_post(-100_777, "news")),
        ),
        ("block", Box::new(|| app.emu.set_blocked(rider, true))),
        ("unblock", Box::new(|| app.emu.set_blocked(rider, false))),
    ];
    for (what, send) in &ignored {
        let update = send();
        assert!(
            app.emu.wait_confirmed(update).await,
            "{step}/{what} never fetched"
        );
        let lang = Lang::En;
        if *what == "block" {
            // A rider who blocked the bot cannot talk to it; the unblock that follows is checked.
            continue;
        }
        if after == step {
            app.assert_silent(rider, lang).await;
            assert_eq!(
                app.step(rider).await,
                step,
                "{step}/{what} changed the step"
            );
        } else {
            app.drain(rider).await;
        }
    }
    assert!(
        app.emu.untaken(GROUP).is_empty(),
        "the bot wrote in the group"
    );
}

#[tokio::test]
async fn every_onboarding_state_survives_every_wrong_input() {
    let app = TestApp::spawn().await;
    app.emu.add_group(GROUP, "Riders chat");
    let mut tasks = Vec::new();
    for (i, step) in ["consent", "name", "platform", "platform_other", "phone"]
        .into_iter()
        .enumerate()
    {
        let rider = app.rider(3000 + i as i64, Some("en"));
        tasks.push((rider, step));
    }
    for (rider, step) in tasks {
        app.onboard_until(rider, step, Lang::En).await;
        survive_everything(&app, rider, step, step).await;
    }
}

#[tokio::test]
async fn the_main_menu_and_delete_confirmation_survive_every_wrong_input() {
    let app = TestApp::spawn().await;
    app.emu.add_group(GROUP, "Riders chat");
    let rider = app.rider(3100, Some("en"));
    app.register(rider, Lang::En).await;
    survive_everything(&app, rider, "idle", "idle").await;

    app.emu.send_text(rider, "/deletemydata");
    app.next(rider).await;
    survive_everything(&app, rider, "confirm_delete", "confirm_delete").await;
    assert_eq!(
        app.user_row(rider).await.unwrap().0,
        "registered",
        "nothing was erased"
    );
}

#[tokio::test]
async fn a_rider_who_never_started_is_led_into_onboarding_by_anything() {
    let app = TestApp::spawn().await;
    app.emu.add_group(GROUP, "Riders chat");
    let rider = app.rider(3200, Some("en"));
    survive_everything(&app, rider, "idle", "consent").await;
}

#[tokio::test]
async fn blocking_the_bot_is_recorded_and_unblocking_clears_it() {
    let app = TestApp::spawn().await;
    let rider = app.rider(3300, Some("en"));
    app.register(rider, Lang::En).await;
    let update = app.emu.set_blocked(rider, true);
    assert!(app.emu.wait_confirmed(update).await);
    let mut blocked = None;
    for _ in 0..100 {
        blocked =
            sqlx::query_scalar::<_, Option<String>>("SELECT blocked_at FROM users WHERE id = $1")
                .bind(rider)
                .fetch_one(&app.pool)
                .await
                .unwrap();
        if blocked.is_some() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(blocked.is_some(), "blocked_at recorded");
    app.emu.set_blocked(rider, false);
    app.assert_silent(rider, Lang::En).await;
    let blocked = app.user_field(rider, "blocked_at").await;
    assert_eq!(blocked, None);
}

#[tokio::test]
async fn every_report_state_survives_every_wrong_input() {
    let app = TestApp::spawn().await;
    app.emu.add_group(GROUP, "Riders chat");
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    rider_bot::seeds::load_dir(&app.pool, &seeds).await.unwrap();
    let en = |key: &str| rider_bot::i18n::t(Lang::En, key);
    let steps = [
        "report_category",
        "report_photos",
        "report_place",
        "report_note",
        "report_confirm",
    ];
    for (i, step) in steps.into_iter().enumerate() {
        let rider = app.rider(3400 + i as i64, Some("en"));
        app.register(rider, Lang::En).await;
        app.drain(rider).await;
        app.emu.send_text(rider, "/report");
        let categories = app.expect_text(rider, "What is the problem").await;
        if i >= 1 {
            app.emu.press(rider, &categories, "Exposed garbage");
            app.expect_text(rider, "Send a photo").await;
        }
        if i >= 2 {
            app.emu
                .send_photo(rider, vec![0xFF, 0xD8, 0xFF, i as u8], None);
            app.expect_text(rider, "Photo 1 of 3").await;
            app.emu.send_text(rider, &en("report-btn-done"));
            app.expect_text(rider, "Where is it").await;
        }
        if i >= 3 {
            app.emu.send_location(rider, 31.3, 120.7);
            app.expect_text(rider, "Add a note").await;
        }
        if i >= 4 {
            app.emu.send_text(rider, &en("report-btn-skip"));
            app.expect_text(rider, "Your report").await;
        }
        app.drain(rider).await;
        assert_eq!(app.step(rider).await, step);
        let valid: &[&str] = if step == "report_place" {
            &["location"]
        } else {
            &[]
        };
        survive_all_but(&app, rider, step, step, valid).await;
    }
    let reports: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(reports, 0, "nothing was filed by wrong input");
}

#[tokio::test]
async fn every_broadcast_state_survives_every_wrong_input() {
    let coordinators = ["3601", "3602", "3603", "3604", "3605"];
    let app = TestApp::spawn_with(&[("COORDINATOR_IDS", &coordinators.join(","))]).await;
    app.emu.add_group(GROUP, "Riders chat");
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    rider_bot::seeds::load_dir(&app.pool, &seeds).await.unwrap();
    // Someone to reach, so "all riders" is not an empty audience.
    let someone = app.rider(3650, Some("en"));
    app.register(someone, Lang::En).await;
    let en = |key: &str| rider_bot::i18n::t(Lang::En, key);
    let steps = [
        "broadcast_body",
        "broadcast_audience",
        "broadcast_near",
        "broadcast_review",
        "broadcast_when",
    ];
    for (i, step) in steps.into_iter().enumerate() {
        let c: i64 = coordinators[i].parse().unwrap();
        app.rider(c, Some("en"));
        app.emu.send_text(c, "/broadcast");
        app.expect_text(c, "Send the announcement").await;
        if i >= 1 {
            app.emu.send_text(c, "Stations open late tonight");
            let ask = app.expect_text(c, &en("broadcast-ask-audience")).await;
            match step {
                "broadcast_near" => app.emu.press(c, &ask, &en("broadcast-to-near")),
                "broadcast_audience" => String::new(),
                _ => app.emu.press(c, &ask, &en("broadcast-to-all")),
            };
        }
        if i >= 4 {
            let summary = app.expect_text(c, "That is how riders").await;
            app.emu.press(c, &summary, &en("broadcast-btn-later"));
        }
        app.drain(c).await;
        assert_eq!(app.step(c).await, step);
        survive_everything(&app, c, step, step).await;
    }
    let sent: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM broadcasts")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(sent, 0, "nothing was sent by wrong input");
}

#[tokio::test]
async fn every_feedback_state_survives_every_wrong_input() {
    let app = TestApp::spawn().await;
    app.emu.add_group(GROUP, "Riders chat");
    let en = |key: &str| rider_bot::i18n::t(Lang::En, key);
    for (i, step) in ["feedback_topic", "feedback_body"].into_iter().enumerate() {
        let rider = app.rider(3700 + i as i64, Some("en"));
        app.register(rider, Lang::En).await;
        app.drain(rider).await;
        app.emu.send_text(rider, "/feedback");
        let topics = app
            .expect_text(rider, &first_words(Lang::En, "feedback-ask-topic"))
            .await;
        if i >= 1 {
            app.emu
                .press(rider, &topics, &en("feedback-topic-charging"));
            app.expect_text(rider, "now send your message").await;
        }
        app.drain(rider).await;
        assert_eq!(app.step(rider).await, step);
        // A voice note is feedback itself at the body step.
        let valid: &[&str] = if step == "feedback_body" {
            &["voice"]
        } else {
            &[]
        };
        survive_all_but(&app, rider, step, step, valid).await;
    }
    let items: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM feedback")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(items, 0, "nothing was filed by wrong input");
}

#[tokio::test]
async fn a_button_pressed_when_the_person_cannot_be_read_is_answered_and_they_are_asked_to_try_again(
) {
    let app = TestApp::spawn().await;
    // Someone the bot has never seen presses a button (an old message forwarded to them) while
    // the database will not take new users, as a database that fails would not.
    let stranger = app.rider(5_900, Some("en"));
    refuse_new_users(&app.pool).await;
    let press = app.emu.press_data(stranger, stranger, 1, "menu:points");
    let answer = app
        .emu
        .wait_callback_answer(&press)
        .await
        .expect("the button was left spinning");
    // Answered once, by the private chat's path: not told the button expired by the groups'.
    assert_eq!(answer.get("text"), None, "{answer}");
    app.expect_text(stranger, &first_words(Lang::En, "error-try-again"))
        .await;
    let users: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM users WHERE id = $1")
        .bind(stranger)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(users, 0);
}
