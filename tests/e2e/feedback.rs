//! Listening to riders through the emulator: a rider's item reaches the coordinators' group as
//! F-000001 with its topic, a coordinator's reply there reaches the rider, who rates it; photo
//! and voice items; every bad input answered in its step; a reply from a group member who is
//! not a coordinator, after the rider erased their data and after they blocked the bot;
//! re-delivered updates; /feedback for coordinators; forged buttons.

use std::time::Duration;

use rider_bot::emulator::BotMessage;
use rider_bot::i18n::{t, Lang};
use serde_json::Value;

use crate::helpers::{first_words, TestApp, COORDINATOR};
use crate::reports::{app_with, rider, GROUP};

fn en(key: &str) -> String {
    t(Lang::En, key)
}

fn zh(key: &str) -> String {
    t(Lang::Zh, key)
}

/// The rider's way to the body step: the menu button, then the topic button.
async fn to_body(app: &TestApp, r: i64, topic: &str) {
    app.emu.send_text(r, &en("menu-feedback"));
    let ask = app
        .expect_text(r, &first_words(Lang::En, "feedback-ask-topic"))
        .await;
    app.emu.press(r, &ask, &en(topic));
    app.expect_text(r, "now send your message").await;
    assert_eq!(app.step(r).await, "feedback_body");
}

/// The item number in the rider's confirmation.
async fn filed(app: &TestApp, r: i64) -> String {
    let done = app.expect_text(r, "has reached the district team").await;
    let at = done.text.find("F-").expect("a number");
    done.text[at..at + 8].to_owned()
}

/// The group's message for item `id`.
async fn posted(app: &TestApp, id: &str) -> BotMessage {
    app.expect_text(GROUP, id).await
}

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(&app.pool).await.unwrap()
}

/// Waits until `sql` counts `n`.
async fn counts(app: &TestApp, sql: &str, n: i64) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while count(app, sql).await != n {
        assert!(
            std::time::Instant::now() < deadline,
            "{sql} never counted {n}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Asserts the bot sends nothing more into the group for a while.
async fn group_quiet(app: &TestApp) {
    tokio::time::sleep(Duration::from_millis(600)).await;
    let left = app.emu.untaken(GROUP);
    assert!(left.is_empty(), "unexpected group messages: {left:?}");
}

#[tokio::test]
async fn a_riders_text_reaches_the_group_and_the_coordinators_reply_comes_back_to_be_rated() {
    let app = app_with(true, &[]).await;
    let r = rider(&app, 101).await;
    to_body(&app, r, "feedback-topic-charging").await;
    let sent = app
        .emu
        .send_text(r, "The charger at <b>LF-S01</b> & the socket spark");
    let id = filed(&app, r).await;
    assert_eq!(id, "F-000001");
    assert_eq!(app.step(r).await, "idle");

    let item = posted(&app, &id).await;
    assert_eq!(item.kind, "text");
    for needle in [
        zh("feedback-topic-charging").as_str(),
        // Sent as escaped text: the rider's markup is shown, never applied.
        "The charger at <b>LF-S01</b> & the socket spark",
        zh("feedback-from-rider").as_str(),
        "↩️",
    ] {
        assert!(item.text.contains(needle), "{needle:?} in {}", item.text);
    }
    // An id-free label: no name, phone number or Telegram id.
    for absent in ["张三", "138", "101"] {
        assert!(!item.text.contains(absent), "{absent:?} in {}", item.text);
    }
    counts(
        &app,
        &format!(
            "SELECT COUNT(*) FROM feedback WHERE id = 1 AND group_chat_id = {GROUP}
             AND group_msg_id = {}",
            item.message_id
        ),
        1,
    )
    .await;
    // Telegram re-delivers the rider's message: one item.
    app.emu.redeliver(sent);
    assert!(app.emu.wait_confirmed(sent).await);

    let reply = app.emu.group_reply(
        GROUP,
        COORDINATOR,
        item.message_id,
        Some("Fixed tomorrow <i>morning</i>"),
    );
    let ack = app.expect_text(GROUP, "F-000001").await;
    assert_eq!(
        ack.text,
        rider_bot::tr!(Lang::Zh, "feedback-ack-sent", id = id.clone())
    );
    // It answers the coordinator's message (the group's next message after the item).
    assert_eq!(
        ack.params["reply_parameters"]["message_id"],
        item.message_id + 1
    );

    let answer = app.expect_text(r, "Answer to your feedback F-000001").await;
    assert!(answer.text.contains(&en("feedback-topic-charging")));
    assert!(answer.text.contains("Fixed tomorrow <i>morning</i>"));
    assert_eq!(answer.inline_buttons().len(), 5);
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM feedback WHERE status = 'answered' AND answered_at IS NOT NULL"
        )
        .await,
        1
    );
    let trail = app.audit_actions(r).await;
    assert_eq!(
        trail,
        vec![(Some(COORDINATOR), "feedback_replied".to_owned())]
    );

    // The coordinator's reply re-delivered: recorded once, acknowledged once, sent once.
    app.emu.redeliver(reply);
    assert!(app.emu.wait_confirmed(reply).await);
    group_quiet(&app).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM feedback_replies").await,
        1
    );

    let q = app.emu.press(r, &answer, "4 ⭐");
    let said = app.emu.wait_callback_answer(&q).await.unwrap();
    assert!(said["text"].as_str().unwrap().contains('4'));
    app.expect_text(r, "You rated the answer to F-000001: 4")
        .await;
    let cleared = app.edited(r, answer.message_id, 0).await;
    assert!(
        cleared.inline_buttons().is_empty(),
        "rated: no more buttons"
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM feedback WHERE rating = 4 AND rated_at IS NOT NULL"
        )
        .await,
        1
    );
    // The same button again (a second device, an old message): the first rating stands.
    let again = app.emu.press_data(r, r, answer.message_id, "fb:r:1:1");
    let said = app.emu.wait_callback_answer(&again).await.unwrap();
    assert_eq!(said["show_alert"], Value::Bool(true));
    assert!(said["text"].as_str().unwrap().contains("already"));
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM feedback WHERE rating = 4").await,
        1
    );
    app.settle_outbox().await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM outbox WHERE status = 'sent'").await,
        2,
        "the item and the answer, once each"
    );
}

#[tokio::test]
async fn photo_and_voice_items_reach_the_group_as_one_message_each() {
    let app = app_with(true, &[]).await;
    let r = rider(&app, 102).await;
    to_body(&app, r, "feedback-topic-rest").await;
    let jpeg = rider_bot::reports::media::sample_jpeg_with_exif();
    app.emu
        .send_photo(r, jpeg, Some("No shade at the <corner> stop"));
    let id = filed(&app, r).await;
    let photo = posted(&app, &id).await;
    assert_eq!(photo.kind, "photo");
    assert!(photo.text.contains(&zh("feedback-topic-rest")));
    assert!(photo.text.contains("No shade at the <corner> stop"));
    assert!(photo.params["photo"].is_string(), "sent by file id");

    // At the limits (a caption of 800, a text of 2,000), the group's copy still fits
    // Telegram's 1,024-character caption and 4,096-character message (the emulator checks).
    to_body(&app, r, "feedback-topic-legal").await;
    let jpeg = rider_bot::reports::media::sample_jpeg_with_exif();
    app.emu.send_photo(r, jpeg, Some(&"字".repeat(800)));
    let id = filed(&app, r).await;
    assert_eq!(posted(&app, &id).await.kind, "photo");
    to_body(&app, r, "feedback-topic-legal").await;
    app.emu.send_text(r, &"<&>".repeat(666));
    let id = filed(&app, r).await;
    assert!(posted(&app, &id).await.text.contains(&"<&>".repeat(666)));

    to_body(&app, r, "feedback-topic-health").await;
    app.emu.send_voice_note(r, 45, None);
    let id = filed(&app, r).await;
    let voice = posted(&app, &id).await;
    assert_eq!(voice.kind, "voice");
    assert!(voice.text.contains("0:45"), "{}", voice.text);
    assert!(voice.text.contains(&zh("feedback-topic-health")));
    assert!(voice.params["voice"].is_string(), "sent by file id");
    assert_eq!(voice.params["duration"], 45);
    counts(
        &app,
        "SELECT COUNT(*) FROM feedback WHERE kind = 'voice' AND duration_s = 45
         AND group_msg_id IS NOT NULL",
        1,
    )
    .await;
}

#[tokio::test]
async fn bad_input_is_answered_in_its_step_and_nothing_is_filed() {
    let app = app_with(true, &[]).await;
    let r = rider(&app, 103).await;
    app.emu.send_text(r, "/feedback");
    let ask = app
        .expect_text(r, &first_words(Lang::En, "feedback-ask-topic"))
        .await;
    // Typing instead of a topic, and a forged topic button.
    app.emu.send_text(r, "charging please");
    app.expect_text(r, &en("feedback-use-buttons")).await;
    app.drain(r).await;
    let q = app.emu.press_data(r, r, ask.message_id, "fb:t:parking");
    let said = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(said["show_alert"], Value::Bool(true));
    assert_eq!(app.step(r).await, "feedback_topic");
    app.emu.press(r, &ask, &en("feedback-topic-app"));
    app.expect_text(r, "now send your message").await;

    let kinds = first_words(Lang::En, "feedback-body-kinds");
    app.emu.send_sticker(r);
    app.expect_text(r, &kinds).await;
    app.emu.send_location(r, 31.3, 120.7);
    app.expect_text(r, &kinds).await;
    app.emu
        .send_document(r, "notes.pdf", "application/pdf", b"%PDF-1.4".to_vec());
    app.expect_text(r, &kinds).await;
    app.emu.send_text(r, &"长".repeat(5000));
    app.expect_text(r, "Your text has 5000 characters; the limit is 2000")
        .await;
    app.emu.send_voice_note(r, 30 * 60, None);
    app.expect_text(r, "Your voice note is 30:00 long; the limit is 5 minutes")
        .await;
    let jpeg = rider_bot::reports::media::sample_jpeg_with_exif();
    app.emu.send_photo(r, jpeg, Some(&"字".repeat(900)));
    app.expect_text(r, "has 900 characters; the limit is 800")
        .await;
    assert_eq!(app.step(r).await, "feedback_body");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM feedback").await, 0);

    // Cancel always works.
    app.emu.send_text(r, &en("btn-cancel"));
    app.expect_text(r, &en("cancelled")).await;
    assert_eq!(app.step(r).await, "idle");
    // And the topic keyboard's own Cancel.
    app.emu.send_text(r, "/feedback");
    let ask = app
        .expect_text(r, &first_words(Lang::En, "feedback-ask-topic"))
        .await;
    app.emu.press(r, &ask, &en("btn-cancel"));
    app.expect_text(r, &en("cancelled")).await;
    assert_eq!(app.step(r).await, "idle");
    assert_eq!(count(&app, "SELECT COUNT(*) FROM feedback").await, 0);
    assert!(app.emu.untaken(GROUP).is_empty());
}

#[tokio::test]
async fn only_a_coordinators_text_reply_counts_and_others_are_told_politely() {
    let app = app_with(true, &[]).await;
    let r = rider(&app, 104).await;
    let member = rider(&app, 105).await;
    to_body(&app, r, "feedback-topic-legal").await;
    app.emu.send_text(r, "My wages were withheld");
    let id = filed(&app, r).await;
    let item = posted(&app, &id).await;

    app.emu
        .group_reply(GROUP, member, item.message_id, Some("I can help"));
    app.expect_text(GROUP, &zh("role-not-coordinator")).await;
    app.emu
        .group_reply(GROUP, COORDINATOR, item.message_id, None);
    app.expect_text(GROUP, &zh("feedback-reply-not-text")).await;
    app.emu.group_reply(
        GROUP,
        COORDINATOR,
        item.message_id,
        Some(&"长".repeat(3600)),
    );
    app.expect_text(GROUP, "3600").await;
    // A reply to something that is not an item (a coordinator's own message) is not read.
    let chat = app.emu.group_text(GROUP, COORDINATOR, "hello all");
    assert!(app.emu.wait_confirmed(chat).await);
    app.emu
        .group_reply(GROUP, member, item.message_id - 100, Some("hm"));
    group_quiet(&app).await;
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM feedback_replies").await,
        0
    );
    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM feedback WHERE status = 'open'").await,
        1
    );
    assert!(app.emu.untaken(r).is_empty());
}

#[tokio::test]
async fn a_reply_after_erasure_or_a_block_is_recorded_and_the_group_told_the_truth() {
    let app = app_with(true, &[]).await;
    let a = rider(&app, 106).await;
    let b = rider(&app, 107).await;
    to_body(&app, a, "feedback-topic-food").await;
    app.emu.send_text(a, "No water at night");
    let first = filed(&app, a).await;
    let item_a = posted(&app, &first).await;
    to_body(&app, a, "feedback-topic-health").await;
    let jpeg = rider_bot::reports::media::sample_jpeg_with_exif();
    app.emu.send_photo(a, jpeg, Some("my knee"));
    let photo_id = filed(&app, a).await;
    let photo_a = posted(&app, &photo_id).await;
    assert!(app.emu.message(GROUP, photo_a.message_id).is_some());
    to_body(&app, b, "feedback-topic-other").await;
    app.emu.send_text(b, "More benches please");
    let second = filed(&app, b).await;
    let item_b = posted(&app, &second).await;

    // What is held, before erasure.
    app.emu.send_text(a, "/privacy");
    let held = app.expect_text(a, "What we hold").await;
    assert!(
        held.text.contains(&format!("{}: 2", en("held-feedback"))),
        "{}",
        held.text
    );
    app.emu.send_text(a, "/mydata");
    let doc = loop {
        let m = app.next(a).await;
        if m.kind == "document" {
            break m;
        }
    };
    let json: Value = serde_json::from_slice(doc.file.as_deref().unwrap()).unwrap();
    assert_eq!(
        json["data"]["feedback"][0]["your_words"],
        "No water at night"
    );
    assert_eq!(json["data"]["feedback"][0]["topic"], "food");
    app.drain(a).await;

    app.emu.send_text(a, "/deletemydata");
    let confirm = app.next(a).await;
    app.emu.press(a, &confirm, &en("btn-delete-yes"));
    let done = app
        .expect_text(a, &first_words(Lang::En, "delete-done-title"))
        .await;
    assert!(
        done.text.contains("2 feedback items stay only as counts"),
        "{}",
        done.text
    );
    // The figure stays, anonymous: topic, status and times; the words go.
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM feedback WHERE id = 1 AND rider_id < 0 AND body IS NULL
                     AND topic = 'food' AND request_key NOT LIKE '%106%'"
        )
        .await,
        1
    );

    // The group's copy no longer holds their words.
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while !app.emu.message(GROUP, photo_a.message_id).unwrap().deleted {
        assert!(
            std::time::Instant::now() < deadline,
            "the photo item stayed in the group"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let cleared = app.edited(GROUP, item_a.message_id, 0).await;
    assert!(
        !cleared.text.contains("No water at night"),
        "{}",
        cleared.text
    );
    assert!(cleared.text.contains(&first) && cleared.text.contains(&zh("feedback-topic-food")));
    app.emu.group_reply(
        GROUP,
        COORDINATOR,
        item_a.message_id,
        Some("We added a tap"),
    );
    let ack = app.expect_text(GROUP, &first).await;
    assert_eq!(
        ack.text,
        rider_bot::tr!(Lang::Zh, "feedback-ack-erased", id = first.clone())
    );

    app.emu.set_blocked(b, true);
    counts(
        &app,
        "SELECT COUNT(*) FROM users WHERE id = 107 AND blocked_at IS NOT NULL",
        1,
    )
    .await;
    app.emu.group_reply(
        GROUP,
        COORDINATOR,
        item_b.message_id,
        Some("Benches next month"),
    );
    let ack = app.expect_text(GROUP, &second).await;
    assert_eq!(
        ack.text,
        rider_bot::tr!(Lang::Zh, "feedback-ack-blocked", id = second.clone())
    );

    assert_eq!(
        count(&app, "SELECT COUNT(*) FROM feedback_replies").await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM feedback WHERE status = 'answered'"
        )
        .await,
        2
    );
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM outbox WHERE kind = 'feedback.answer'"
        )
        .await,
        0,
        "nothing queued that cannot be delivered"
    );
    assert!(app.emu.untaken(a).is_empty());
}

#[tokio::test]
async fn coordinators_list_open_items_oldest_first_and_close_them_riders_cannot() {
    let app = app_with(true, &[]).await;
    let r = rider(&app, 108).await;
    let mut items = Vec::new();
    for (topic, text) in [
        ("feedback-topic-charging", "first need"),
        ("feedback-topic-rest", "second need"),
        ("feedback-topic-app", "third need"),
    ] {
        to_body(&app, r, topic).await;
        app.emu.send_text(r, text);
        let id = filed(&app, r).await;
        items.push(posted(&app, &id).await);
    }

    app.emu.send_text(COORDINATOR, "/feedback");
    let list = app
        .expect_text(COORDINATOR, &first_words(Lang::Zh, "feedback-list-head"))
        .await;
    assert!(list.text.contains("3"), "{}", list.text);
    let (one, two, three) = (
        list.text.find("F-000001").unwrap(),
        list.text.find("F-000002").unwrap(),
        list.text.find("F-000003").unwrap(),
    );
    assert!(one < two && two < three, "{}", list.text);
    assert!(list.text.contains("first need") && list.text.contains(&zh("feedback-topic-rest")));

    // A rider: the close form is refused, and /feedback is their own dialogue.
    app.emu.send_text(r, "/feedback F-000001 close");
    app.expect_text(r, &en("role-not-coordinator")).await;
    // Forged coordinator buttons: in the private chat and on the group's item.
    let q = app.emu.press_data(r, r, 1, "fb:c:1");
    let said = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(said["show_alert"], Value::Bool(true));
    assert_eq!(said["text"], en("role-not-coordinator"));
    let q = app.emu.press(r, &items[0], &zh("feedback-btn-close"));
    let said = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(said["show_alert"], Value::Bool(true));
    // A forged rating of an item that is not theirs or has no answer.
    let other = rider(&app, 109).await;
    let q = app.emu.press_data(other, other, 1, "fb:r:1:5");
    let said = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(said["show_alert"], Value::Bool(true));
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM feedback WHERE status = 'closed' OR rating IS NOT NULL"
        )
        .await,
        0
    );

    app.emu.send_text(COORDINATOR, "/feedback F-000001 close");
    app.expect_text(COORDINATOR, "F-000001").await;
    let q = app
        .emu
        .press(COORDINATOR, &items[1], &zh("feedback-btn-close"));
    app.emu.wait_callback_answer(&q).await.unwrap();
    let closed = app.edited(GROUP, items[1].message_id, 0).await;
    assert!(closed.inline_buttons().is_empty());
    app.emu.send_text(COORDINATOR, "/feedback F-000001 close");
    app.expect_text(COORDINATOR, "F-000001").await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM feedback WHERE status = 'closed' AND closed_at IS NOT NULL"
        )
        .await,
        2
    );
    let closes: Vec<_> = app
        .audit_actions(r)
        .await
        .into_iter()
        .filter(|(_, a)| a == "feedback_closed")
        .collect();
    assert_eq!(closes.len(), 2);

    app.drain(COORDINATOR).await;
    app.emu.send_text(COORDINATOR, "/feedback");
    let list = app
        .expect_text(COORDINATOR, &first_words(Lang::Zh, "feedback-list-head"))
        .await;
    assert!(list.text.contains("F-000003") && !list.text.contains("F-000001"));
}

#[tokio::test]
async fn items_the_group_could_not_get_are_listed_and_posted_once_it_can() {
    // COORDINATOR_CHAT_ID is set, but the bot is not in that group yet.
    let app = app_with(false, &[]).await;
    let r = rider(&app, 110).await;
    to_body(&app, r, "feedback-topic-charging").await;
    app.emu.send_text(r, "No charger at night");
    let id = filed(&app, r).await;
    app.settle_outbox().await;
    assert_eq!(
        count(
            &app,
            "SELECT COUNT(*) FROM feedback WHERE group_msg_id IS NULL"
        )
        .await,
        1
    );
    app.emu.send_text(COORDINATOR, "/feedback");
    let list = app.expect_text(COORDINATOR, &id).await;
    assert!(list.text.contains("⏳"), "{}", list.text);

    app.emu.add_group(GROUP, "Coordinators");
    let env = rider_bot::startup::env_for(&app.config, app.pool.clone()).unwrap();
    rider_bot::feedback::telegram::delivery::sweep(&env)
        .await
        .unwrap();
    let item = posted(&app, &id).await;
    assert!(item.text.contains("No charger at night"));
    counts(
        &app,
        "SELECT COUNT(*) FROM feedback WHERE group_msg_id IS NOT NULL",
        1,
    )
    .await;
    // Posted: the next sweep sends nothing.
    rider_bot::feedback::telegram::delivery::sweep(&env)
        .await
        .unwrap();
    app.settle_outbox().await;
    group_quiet(&app).await;
    // The only requests refused were the post and the start-up check while the bot was not in
    // the group (Telegram answers "chat not found").
    let refused = app.emu.take_violations();
    assert!(!refused.is_empty());
    for v in refused {
        assert!(v.description.contains("chat not found"), "{v:?}");
        assert!(
            ["sendMessage", "getChat"].contains(&v.method.as_str()),
            "{v:?}"
        );
    }
}
