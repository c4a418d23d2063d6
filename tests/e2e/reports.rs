//! Grid reports through the emulator: filing with photos, the coordinators' card and its
//! buttons, the lifecycle and what the reporter is told, points on acceptance, duplicates,
//! withdrawal, follow-ups, an unreachable group, the Open311 export, and the bad input around
//! them.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rider_bot::emulator::BotMessage;
use rider_bot::i18n::{t, Lang};
use rider_bot::reports::media::sample_jpeg_with_exif;
use rider_bot::reports::open311::Notes;

use crate::helpers::{first_words, TestApp, COORDINATOR};

pub(crate) const GROUP: i64 = -100_500;
/// LF-C01, the Loufeng service centre in the demo seeds (WGS-84).
pub(crate) const CENTRE: (f64, f64) = (31.316_59, 120.717_13);

pub(crate) fn monday_noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 30, 4, 0, 0).unwrap()
}

/// A bot with the coordinators' group configured; `member`: the bot is in it from the start.
pub(crate) async fn app_with(member: bool, extra: &[(&str, &str)]) -> TestApp {
    let group = GROUP.to_string();
    let mut vars = vec![
        ("COORDINATOR_IDS", "900"),
        ("COORDINATOR_CHAT_ID", group.as_str()),
    ];
    vars.extend_from_slice(extra);
    let groups: &[(i64, &str)] = if member {
        &[(GROUP, "Coordinators")]
    } else {
        &[]
    };
    let app = TestApp::spawn_with_groups(
        &vars,
        |c| c.clock = rider_bot::clock::Clock::fixed(monday_noon()),
        groups,
    )
    .await;
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    rider_bot::seeds::load_dir(&app.pool, &seeds).await.unwrap();
    app
}

async fn app() -> TestApp {
    app_with(true, &[]).await
}

/// Waits until the message `id` in the group reads `needle`.
pub(crate) async fn card_reads(app: &TestApp, id: i64, needle: &str) -> BotMessage {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        let m = app.emu.message(GROUP, id).unwrap();
        if m.text.contains(needle) {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "card {id} never read {needle:?}: {}",
            m.text
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// A photo's bytes, different for each `n`.
pub(crate) fn photo(n: u8) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.extend(std::iter::repeat_n(n, 64));
    bytes
}

fn en(key: &str) -> String {
    t(Lang::En, key)
}

/// A registered English-speaking rider.
pub(crate) async fn rider(app: &TestApp, id: i64) -> i64 {
    let rider = app.rider(id, Some("en"));
    app.register(rider, Lang::En).await;
    app.drain(rider).await;
    rider
}

/// Files a report of `category_label` with `photos`, at `at`, with `note`; returns the number
/// the rider was given.
pub(crate) async fn file(
    app: &TestApp,
    rider: i64,
    category_label: &str,
    photos: &[Vec<u8>],
    at: (f64, f64),
    note: Option<&str>,
) -> String {
    app.emu.send_text(rider, &en("menu-report"));
    let categories = app
        .expect_text(rider, &first_words(Lang::En, "report-ask-category"))
        .await;
    app.emu.press(rider, &categories, category_label);
    app.expect_text(rider, &first_words(Lang::En, "report-ask-photos"))
        .await;
    for (i, bytes) in photos.iter().enumerate() {
        app.emu.send_photo(rider, bytes.clone(), None);
        if i + 1 < 3 {
            app.expect_text(rider, &format!("Photo {} of 3 added", i + 1))
                .await;
        }
    }
    if photos.len() < 3 {
        app.emu.send_text(rider, &en("report-btn-done"));
    }
    app.expect_text(rider, &first_words(Lang::En, "report-ask-place"))
        .await;
    app.emu.send_location(rider, at.0, at.1);
    app.expect_text(rider, &first_words(Lang::En, "report-ask-note"))
        .await;
    match note {
        Some(n) => app.emu.send_text(rider, n),
        None => app.emu.send_text(rider, &en("report-btn-skip")),
    };
    let summary = app.expect_text(rider, "Your report").await;
    app.emu.press(rider, &summary, &en("report-btn-confirm"));
    let filed = app.expect_text(rider, "Your report number is").await;
    let number = filed
        .text
        .split_whitespace()
        .find(|w| w.starts_with("R-"))
        .unwrap()
        .trim_end_matches('.')
        .to_owned();
    number
}

/// The card in the group for `number` (the last message mentioning it with buttons).
pub(crate) async fn card(app: &TestApp, number: &str) -> BotMessage {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    loop {
        if let Some(m) = app
            .emu
            .chat_messages(GROUP)
            .into_iter()
            .rev()
            .find(|m| m.text.contains(number) && m.reply_markup.is_some())
        {
            return m;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no card for {number} in the group"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

fn zh(key: &str) -> String {
    t(Lang::Zh, key)
}

async fn status(app: &TestApp, id: i64) -> String {
    sqlx::query_scalar("SELECT status FROM reports WHERE id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_report_with_two_photos_reaches_the_group_and_its_buttons_drive_the_lifecycle() {
    let app = app().await;
    let r = rider(&app, 7001).await;
    let number = file(
        &app,
        r,
        "Exposed garbage",
        &[photo(1), photo(2)],
        CENTRE,
        Some("Bins overflowing by the gate"),
    )
    .await;
    assert_eq!(number, "R-000001");
    assert_eq!(app.step(r).await, "idle");

    // The group: the card with its buttons, then the two photos as replies to it (sent after
    // the card, so they may arrive a moment later).
    let card = card(&app, &number).await;
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let group = loop {
        let group = app.emu.chat_messages(GROUP);
        let arrived = group.iter().filter(|m| m.kind == "photo").count();
        if arrived >= 2 || std::time::Instant::now() > deadline {
            break group;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    let photos: Vec<_> = group.iter().filter(|m| m.kind == "photo").collect();
    assert_eq!(photos.len(), 2);
    assert_eq!(photos[0].file.as_deref(), Some(&photo(1)[..]));
    assert_eq!(photos[1].file.as_deref(), Some(&photo(2)[..]));
    assert!(card.text.contains("垃圾暴露"), "{}", card.text);
    assert!(card.text.contains("Bins overflowing by the gate"));
    assert!(card.text.contains("骑手"), "reporter role: {}", card.text);
    assert!(card.text.contains("附近"), "nearest station: {}", card.text);
    assert!(card.text.contains(&zh("report-status-submitted")));

    // The stored photos are byte for byte what the rider sent, named by their hash.
    let stored: Vec<(String, String)> =
        sqlx::query_as("SELECT path, source FROM report_photos WHERE report_id = 1 ORDER BY seq")
            .fetch_all(&app.pool)
            .await
            .unwrap();
    assert_eq!(stored.len(), 2);
    for ((path, source), sent) in stored.iter().zip([photo(1), photo(2)]) {
        assert_eq!(source, "photo");
        let bytes = std::fs::read(app.config.media_dir.join(path)).unwrap();
        assert_eq!(bytes, sent);
        assert!(path.contains(&rider_bot::reports::media::sha256_hex(&sent)));
    }

    // Accept: the rider is told and paid once, even when Accept is pressed again.
    app.emu.press(COORDINATOR, &card, &zh("triage-btn-accept"));
    let told = app.expect_text(r, "was accepted").await;
    assert!(told.text.contains("R-000001"));
    assert!(told.text.contains("+10 points"), "{}", told.text);
    assert_eq!(app.balance(r).await, 10);
    let again = app.emu.press_data(
        COORDINATOR,
        GROUP,
        card.message_id,
        &card.inline_buttons()[0].1,
    );
    let answer = app.emu.wait_callback_answer(&again).await.unwrap();
    assert_eq!(answer["show_alert"], true);
    assert_eq!(app.balance(r).await, 10);
    let card_now = app.emu.message(GROUP, card.message_id).unwrap();
    assert!(card_now.text.contains(&zh("report-status-accepted")));
    assert!(card_now.text.contains("工作人员 #900"), "{}", card_now.text);

    // Routing to a department that does not exist is refused by name.
    app.emu
        .send_text(COORDINATOR, "/report R-000001 route police");
    app.expect_text(COORDINATOR, "police").await;
    assert_eq!(status(&app, 1).await, "accepted");

    // Route: a department menu, the category's own marked, then the rider is told.
    app.emu
        .press(COORDINATOR, &card_now, &zh("triage-btn-route"));
    let menu = app.edited(GROUP, card.message_id, card_now.edits).await;
    let labels: Vec<String> = menu.inline_buttons().into_iter().map(|b| b.0).collect();
    assert!(labels.contains(&"★ 环卫".to_owned()), "{labels:?}");
    app.emu.press(COORDINATOR, &menu, "★ 环卫");
    let told = app.expect_text(r, "was sent to").await;
    assert!(told.text.contains("Sanitation"), "{}", told.text);
    let routed = app.edited(GROUP, card.message_id, menu.edits).await;
    assert!(routed.text.contains(&zh("report-status-routed")));

    // Resolve: told, and the card keeps no buttons.
    app.emu
        .press(COORDINATOR, &routed, &zh("triage-btn-resolve"));
    app.expect_text(r, "is resolved").await;
    let resolved = app.edited(GROUP, card.message_id, routed.edits).await;
    assert!(resolved.text.contains(&zh("report-status-resolved")));
    assert!(resolved.inline_buttons().is_empty());
    assert_eq!(status(&app, 1).await, "resolved");

    // The history has every change with its actor.
    let history: Vec<(String, i64)> = sqlx::query_as(
        "SELECT to_status, actor_id FROM report_history WHERE report_id = 1 ORDER BY id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        history,
        [
            ("submitted".into(), r),
            ("accepted".into(), COORDINATOR),
            ("routed".into(), COORDINATOR),
            ("resolved".into(), COORDINATOR),
        ]
    );
    assert_eq!(app.balance(r).await, 10);
}

#[tokio::test]
async fn rejection_takes_a_reason_and_only_coordinators_presses_count() {
    let app = app().await;
    let r = rider(&app, 7002).await;
    let number = file(&app, r, "Blocked fire lane", &[photo(3)], CENTRE, None).await;
    // One photo: the card is the photo's caption.
    let card = card(&app, &number).await;
    assert_eq!(card.kind, "photo");
    assert_eq!(card.file.as_deref(), Some(&photo(3)[..]));

    // The rider presses Accept in the group, and forges it in their own chat.
    let q = app.emu.press(r, &card, &zh("triage-btn-accept"));
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["show_alert"], true);
    assert_eq!(answer["text"], en("triage-not-coordinator"));
    let q = app.emu.press_data(r, r, 1, "rp:a:1");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("triage-not-coordinator"));
    assert_eq!(status(&app, 1).await, "submitted");
    assert_eq!(app.balance(r).await, 0);

    // A coordinator's press on a card in any other group is not honoured.
    app.emu.add_group(-100_777, "Elsewhere");
    let q = app
        .emu
        .press_data(COORDINATOR, -100_777, card.message_id, "rp:a:1");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], zh("triage-wrong-group"));
    assert_eq!(status(&app, 1).await, "submitted");

    // By command, a rider is refused too.
    app.emu.send_text(r, "/report R-000001 accept");
    app.expect_text(r, &en("role-not-coordinator")).await;

    // A forged route button naming a department that does not exist.
    let q = app
        .emu
        .press_data(COORDINATOR, GROUP, card.message_id, "rp:T:1:police");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert!(
        answer["text"].as_str().unwrap().contains("police"),
        "{answer}"
    );
    assert_eq!(status(&app, 1).await, "submitted");

    // The coordinator rejects with a reason from the menu.
    app.emu.press(COORDINATOR, &card, &zh("triage-btn-reject"));
    let menu = app.edited(GROUP, card.message_id, card.edits).await;
    app.emu
        .press(COORDINATOR, &menu, &zh("triage-reason-unclear"));
    let told = app.expect_text(r, "was not accepted").await;
    assert!(
        told.text.contains(&en("triage-reason-unclear")),
        "{}",
        told.text
    );
    let rejected = app.edited(GROUP, card.message_id, menu.edits).await;
    assert!(rejected.text.contains(&zh("report-status-rejected")));
    assert!(rejected.text.contains(&zh("triage-reason-unclear")));
    assert!(rejected.inline_buttons().is_empty());

    // Acting on it now is refused clearly, by button data or by command.
    let q = app
        .emu
        .press_data(COORDINATOR, GROUP, card.message_id, "rp:v:1");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert!(answer["text"].as_str().unwrap().contains("R-000001"));
    app.emu.send_text(COORDINATOR, "/report R-000001 accept");
    app.expect_text(COORDINATOR, "R-000001").await;
    assert_eq!(status(&app, 1).await, "rejected");
    assert_eq!(app.balance(r).await, 0);
}

#[tokio::test]
async fn a_near_report_of_the_same_problem_is_flagged_and_merged_in_one_tap() {
    let app = app().await;
    let a = rider(&app, 7003).await;
    let b = rider(&app, 7004).await;
    file(
        &app,
        a,
        "Bikes parked chaotically",
        &[photo(4)],
        CENTRE,
        None,
    )
    .await;
    let near = (CENTRE.0 + 0.0002, CENTRE.1); // about 22 m north
    let second = file(&app, b, "Bikes parked chaotically", &[photo(5)], near, None).await;
    assert_eq!(second, "R-000002");
    let second_card = card(&app, &second).await;
    assert!(
        second_card.text.contains("R-000001"),
        "{}",
        second_card.text
    );
    let merge = "🔗 合并到 R-000001";
    app.emu.press(COORDINATOR, &second_card, merge);
    let told = app.expect_text(b, "is the same problem as").await;
    assert!(told.text.contains("R-000001"));
    assert_eq!(status(&app, 2).await, "duplicate");
    assert_eq!(status(&app, 1).await, "submitted");
    let dup_of: Option<i64> = sqlx::query_scalar("SELECT duplicate_of FROM reports WHERE id = 2")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(dup_of, Some(1));
    // A different problem at the same place is not flagged.
    let third = file(&app, a, "Exposed garbage", &[photo(6)], near, None).await;
    let third_card = card(&app, &third).await;
    assert!(!third_card.text.contains("R-000001"), "{}", third_card.text);
}

#[tokio::test]
async fn an_image_sent_as_a_file_is_stored_and_posted_without_its_metadata() {
    let app = app().await;
    let r = rider(&app, 7005).await;
    let original = sample_jpeg_with_exif();
    // From the main menu: the image starts a report with it attached.
    app.emu
        .send_document(r, "IMG_0001.jpg", "image/jpeg", original.clone());
    let categories = app
        .expect_text(r, &first_words(Lang::En, "report-ask-category-with-photo"))
        .await;
    app.emu.press(r, &categories, "Damaged public facility");
    app.expect_text(r, "Photo 1 of 3 added").await;
    app.emu.send_text(r, &en("report-btn-done"));
    app.expect_text(r, &first_words(Lang::En, "report-ask-place"))
        .await;
    app.emu.send_location(r, CENTRE.0, CENTRE.1);
    app.expect_text(r, &first_words(Lang::En, "report-ask-note"))
        .await;
    app.emu.send_text(r, &en("report-btn-skip"));
    let summary = app.expect_text(r, "Your report").await;
    app.emu.press(r, &summary, &en("report-btn-confirm"));
    app.expect_text(r, "Your report number is R-000001").await;

    let (path, source): (String, String) =
        sqlx::query_as("SELECT path, source FROM report_photos WHERE report_id = 1")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(source, "document");
    let stored = std::fs::read(app.config.media_dir.join(path)).unwrap();
    let has = |hay: &[u8], needle: &[u8]| hay.windows(needle.len()).any(|w| w == needle);
    assert!(has(&original, b"GPSLatitude"));
    assert!(!has(&stored, b"Exif"), "EXIF stored");
    assert!(!has(&stored, b"GPSLatitude"));
    assert!(stored.starts_with(&[0xFF, 0xD8]));
    // The group sees the cleaned copy, not the rider's original file.
    let card = card(&app, "R-000001").await;
    assert_eq!(card.file.as_deref(), Some(&stored[..]));
}

#[tokio::test]
async fn every_step_answers_bad_input_and_a_restart_loses_nothing() {
    let mut app = app().await;
    let r = rider(&app, 7006).await;
    app.emu.send_text(r, "/report");
    let categories = app
        .expect_text(r, &first_words(Lang::En, "report-ask-category"))
        .await;
    app.emu.send_sticker(r);
    app.expect_text(r, &en("report-use-category-buttons")).await;
    app.emu
        .press_data(r, r, categories.message_id, "rp:c:no-such-thing");
    app.drain(r).await;
    assert_eq!(app.step(r).await, "report_category");
    app.emu.press(r, &categories, "Exposed garbage");
    app.expect_text(r, &first_words(Lang::En, "report-ask-photos"))
        .await;

    // Photos step: text, voice, a PDF, a photo over 20 MB, then three photos and a fourth.
    app.emu.send_text(r, "here it is");
    app.expect_text(r, &first_words(Lang::En, "report-not-a-photo"))
        .await;
    app.emu.send_voice(r);
    app.expect_text(r, &first_words(Lang::En, "report-not-a-photo"))
        .await;
    app.emu
        .send_document(r, "notes.pdf", "application/pdf", b"%PDF-1.4".to_vec());
    app.expect_text(r, &en("report-photo-not-image")).await;
    app.emu.send_photo(r, vec![0xFF; 21 * 1024 * 1024], None);
    app.expect_text(r, &first_words(Lang::En, "report-photo-too-big"))
        .await;
    for n in 1..=3 {
        app.emu.send_photo(r, photo(10 + n), None);
    }
    app.expect_text(r, "3 photos").await;
    app.expect_text(r, &first_words(Lang::En, "report-ask-place"))
        .await;
    app.emu.send_photo(r, photo(20), None);
    app.expect_text(r, &first_words(Lang::En, "report-photos-done-already"))
        .await;

    // A restart between the photos and the place: the draft survives.
    app.stop().await;
    app.start().await;
    assert_eq!(app.step(r).await, "report_place");
    // Far outside the district (Beijing), then the same place as a last report (none yet).
    app.emu.send_location(r, 39.9, 116.4);
    app.expect_text(r, &first_words(Lang::En, "report-outside-district"))
        .await;
    app.emu.send_text(r, &en("report-btn-same-place"));
    app.expect_text(r, &first_words(Lang::En, "report-no-last-place"))
        .await;
    app.emu.send_location(r, CENTRE.0, CENTRE.1);
    app.expect_text(r, &first_words(Lang::En, "report-ask-note"))
        .await;

    // A look at /myreports in the middle of filing, then the same question again.
    app.emu.send_text(r, "/myreports");
    app.expect_text(r, &first_words(Lang::En, "report-mine-none"))
        .await;
    app.expect_text(r, &first_words(Lang::En, "report-ask-note"))
        .await;
    assert_eq!(app.step(r).await, "report_note");

    // A 5,000-character note is refused with its length; a sticker is not a note.
    app.emu.send_text(r, &"x".repeat(5000));
    app.expect_text(r, "Your note has 5000 characters").await;
    app.emu.send_sticker(r);
    app.expect_text(r, &first_words(Lang::En, "report-not-a-note"))
        .await;
    app.emu.send_text(r, "Under the bridge");
    let summary = app.expect_text(r, "Your report").await;
    assert!(summary.text.contains("Photos: 3"), "{}", summary.text);

    // Edit the note from the summary, then confirm twice.
    app.emu.press(r, &summary, &en("report-btn-edit"));
    let edit = app.edited(r, summary.message_id, summary.edits).await;
    app.emu.press(r, &edit, &en("report-edit-note"));
    app.expect_text(r, &first_words(Lang::En, "report-ask-note"))
        .await;
    app.emu.send_text(r, "Under the north bridge");
    let summary = app.expect_text(r, "Your report").await;
    assert!(summary.text.contains("north bridge"));
    let data = summary.inline_buttons()[0].1.clone();
    let q1 = app.emu.press_data(r, r, summary.message_id, &data);
    let q2 = app.emu.press_data(r, r, summary.message_id, &data);
    app.expect_text(r, "Your report number is R-000001").await;
    let second = app.emu.wait_callback_answer(&q2).await.unwrap();
    assert!(app.emu.wait_callback_answer(&q1).await.is_some());
    assert_eq!(second["text"], "Already filed as R-000001.");
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM reports")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(count, 1);
    let photos: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM report_photos")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(photos, 3);

    // Within 30 minutes, "same place" is offered and works.
    app.emu.send_text(r, "/report");
    let categories = app
        .expect_text(r, &first_words(Lang::En, "report-ask-category"))
        .await;
    app.emu.press(r, &categories, "Other");
    app.expect_text(r, &first_words(Lang::En, "report-ask-photos"))
        .await;
    app.emu.send_photo(r, photo(30), None);
    app.expect_text(r, "Photo 1 of 3 added").await;
    app.emu.send_text(r, &en("report-btn-done"));
    let ask = app
        .expect_text(r, &first_words(Lang::En, "report-ask-place"))
        .await;
    assert!(ask.keyboard_labels().contains(&en("report-btn-same-place")));
    app.emu.send_text(r, &en("report-btn-same-place"));
    app.expect_text(r, &first_words(Lang::En, "report-ask-note"))
        .await;
    app.emu.send_text(r, "/cancel");
    app.expect_text(r, &en("cancelled")).await;
    assert_eq!(app.step(r).await, "idle");
}

#[tokio::test]
async fn the_daily_limit_and_withdrawal_from_my_reports() {
    let app = app_with(true, &[("REPORTS_PER_DAY", "1")]).await;
    let r = rider(&app, 7007).await;
    file(&app, r, "Other", &[photo(40)], CENTRE, None).await;
    app.emu.send_text(r, "/report");
    app.expect_text(r, "the most for one day").await;
    assert_eq!(app.step(r).await, "idle");

    app.emu.send_text(r, "/myreports");
    let list = app.expect_text(r, "My reports").await;
    assert!(list.text.contains("R-000001"));
    assert!(list.text.contains(&en("report-status-submitted")));
    app.emu.press(r, &list, "↩️ Withdraw R-000001");
    let ask = app.edited(r, list.message_id, list.edits).await;
    app.emu.press(r, &ask, "↩️ Yes, withdraw R-000001");
    let after = app.edited(r, list.message_id, ask.edits).await;
    assert!(
        after.text.contains(&en("report-status-withdrawn")),
        "{}",
        after.text
    );
    assert!(after.inline_buttons().is_empty());
    assert_eq!(status(&app, 1).await, "withdrawn");
    let card = card(&app, "R-000001").await;
    card_reads(&app, card.message_id, &zh("report-status-withdrawn")).await;
    // Someone else cannot withdraw it, and it cannot be accepted any more.
    app.emu.send_text(COORDINATOR, "/report R-000001 withdraw");
    app.expect_text(COORDINATOR, &t(Lang::Zh, "report-not-yours"))
        .await;
}

#[tokio::test]
async fn with_the_group_unreachable_reports_are_kept_and_posted_later_and_stale_ones_raised() {
    // COORDINATOR_CHAT_ID is set, but the bot is not in that group yet.
    let app = app_with(false, &[]).await;
    let r = rider(&app, 7008).await;
    let number = file(&app, r, "Exposed garbage", &[photo(50)], CENTRE, None).await;
    assert_eq!(number, "R-000001");
    let posted: Option<i64> = sqlx::query_scalar("SELECT triage_msg_id FROM reports WHERE id = 1")
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(posted, None);
    // Coordinators still see it, and act on it by command.
    app.emu.send_text(COORDINATOR, "/reports");
    let open = app.expect_text(COORDINATOR, "R-000001").await;
    assert!(open.text.contains(&zh("report-status-submitted")));
    assert!(open.text.contains("机器人在群里吗"), "{}", open.text);

    // The card's post was tried and refused before the bot joins (on a busy machine it may
    // still be on its way: then the sweep would find it in flight and not post it again).
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        let tried: Vec<String> =
            sqlx::query_scalar("SELECT status FROM outbox WHERE kind = 'reports.card'")
                .fetch_all(&app.pool)
                .await
                .unwrap();
        if !tried.is_empty() && tried.iter().all(|s| s == "unreachable") {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "card rows: {tried:?}");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // The bot joins the group; the sweeper posts what it missed.
    app.emu.add_group(GROUP, "Coordinators");
    let env = rider_bot::startup::env_for(&app.config, app.pool.clone()).unwrap();
    rider_bot::reports::telegram::sweep::sweep(&env)
        .await
        .unwrap();
    let card = card(&app, "R-000001").await;
    app.emu.press(COORDINATOR, &card, &zh("triage-btn-accept"));
    app.expect_text(r, "was accepted").await;

    // Accepted and untouched for 72 h: raised once, then again a day later. (The card is the
    // photo's caption; every text message in the group is a reminder.)
    assert_eq!(card.kind, "photo");
    let reminders = |app: &TestApp| {
        app.emu
            .chat_messages(GROUP)
            .into_iter()
            .filter(|m| m.kind == "text")
            .count()
    };
    app.config.clock.advance(Duration::hours(71));
    rider_bot::reports::telegram::sweep::sweep(&env)
        .await
        .unwrap();
    app.settle_outbox().await;
    assert_eq!(reminders(&app), 0);
    app.config.clock.advance(Duration::hours(2));
    rider_bot::reports::telegram::sweep::sweep(&env)
        .await
        .unwrap();
    rider_bot::reports::telegram::sweep::sweep(&env)
        .await
        .unwrap();
    app.settle_outbox().await;
    assert_eq!(reminders(&app), 1);
    let reminder = app
        .emu
        .chat_messages(GROUP)
        .into_iter()
        .find(|m| m.text.contains("⏰"))
        .unwrap();
    assert!(reminder.text.contains("R-000001"));
    assert!(!reminder.inline_buttons().is_empty());
    app.config.clock.advance(Duration::hours(25));
    rider_bot::reports::telegram::sweep::sweep(&env)
        .await
        .unwrap();
    app.settle_outbox().await;
    assert_eq!(reminders(&app), 2);
    // Resolving from the reminder ends the reminders and updates the original card.
    app.emu
        .press(COORDINATOR, &reminder, &zh("triage-btn-resolve"));
    app.expect_text(r, "is resolved").await;
    card_reads(&app, card.message_id, &zh("report-status-resolved")).await;
    app.config.clock.advance(Duration::hours(48));
    rider_bot::reports::telegram::sweep::sweep(&env)
        .await
        .unwrap();
    app.settle_outbox().await;
    assert_eq!(reminders(&app), 2);
    // The only requests refused were the posts and the start-up check while the bot was not in
    // the group (Telegram answers "chat not found").
    for v in app.emu.take_violations() {
        assert!(v.description.contains("chat not found"), "{v:?}");
        assert!(
            ["sendPhoto", "getChat", "SendPhoto", "GetChat"].contains(&v.method.as_str()),
            "{v:?}"
        );
    }
}

#[tokio::test]
async fn the_open311_export_has_the_georeport_fields_no_reporter_data_and_no_withdrawn_reports() {
    let app = app().await;
    let r = rider(&app, 7009).await;
    file(
        &app,
        r,
        "Exposed garbage",
        &[photo(60)],
        CENTRE,
        Some("Near the east gate"),
    )
    .await;
    file(&app, r, "Other", &[photo(61)], CENTRE, None).await;
    let c = card(&app, "R-000002").await;
    app.emu.press(COORDINATOR, &c, &zh("triage-btn-reject"));
    let menu = app.edited(GROUP, c.message_id, c.edits).await;
    app.emu
        .press(COORDINATOR, &menu, &zh("triage-reason-private"));
    app.expect_text(r, "was not accepted").await;
    // A third report, withdrawn by the rider: it is not exported.
    file(&app, r, "Other", &[photo(62)], CENTRE, Some("Taken back")).await;
    app.emu.send_text(r, "/myreports");
    let list = app.expect_text(r, "My reports").await;
    app.emu.press(r, &list, "↩️ Withdraw R-000003");
    let ask = app.edited(r, list.message_id, list.edits).await;
    app.emu.press(r, &ask, "↩️ Yes, withdraw R-000003");
    app.edited(r, list.message_id, ask.edits).await;
    assert_eq!(status(&app, 3).await, "withdrawn");

    let base = url::Url::parse("https://city.example/media/").unwrap();
    let export = |notes| {
        rider_bot::reports::open311::export(
            &app.pool,
            Some(&base),
            chrono_tz::Asia::Shanghai,
            notes,
        )
    };
    // With notes: the rider's description and the rejection's reason.
    let with_notes = export(Notes::Included).await.unwrap();
    let with_notes: serde_json::Value = serde_json::from_slice(&with_notes).unwrap();
    let with_notes = with_notes.as_array().unwrap();
    assert_eq!(with_notes.len(), 2, "the withdrawn report is left out");
    assert_eq!(with_notes[0]["description"], "Near the east gate");
    let reason = with_notes[1]["status_notes"].as_str().unwrap();
    assert!(reason.starts_with("rejected: ") && reason.len() > "rejected: ".len());
    // By default: no free text at all.
    let json = export(Notes::Withheld).await.unwrap();
    let requests: serde_json::Value = serde_json::from_slice(&json).unwrap();
    let requests = requests.as_array().unwrap();
    assert_eq!(requests.len(), 2, "the withdrawn report is left out");
    assert!(requests[0]["description"].is_null());
    assert_eq!(requests[1]["status_notes"], "rejected");
    let text = String::from_utf8(json.clone()).unwrap();
    assert!(!text.contains("Near the east gate") && !text.contains("Taken back"));
    assert!(!text.contains("R-000003"));
    let allowed: Vec<&str> = rider_bot::reports::open311::FIELDS
        .iter()
        .copied()
        .chain([rider_bot::reports::open311::MEDIA_FIELD])
        .collect();
    for req in requests {
        let obj = req.as_object().unwrap();
        for key in obj.keys() {
            assert!(
                allowed.contains(&key.as_str()),
                "field {key} is not GeoReport v2"
            );
        }
        for key in [
            "service_request_id",
            "status",
            "service_code",
            "service_name",
            "requested_datetime",
            "updated_datetime",
            "lat",
            "long",
            "media_url",
        ] {
            assert!(!obj[key].is_null(), "{key} missing");
        }
        assert!(["open", "closed"].contains(&obj["status"].as_str().unwrap()));
        assert!(obj["lat"].is_f64() && obj["long"].is_f64());
        chrono::DateTime::parse_from_rfc3339(obj["requested_datetime"].as_str().unwrap()).unwrap();
        assert!(obj["media_url"]
            .as_str()
            .unwrap()
            .starts_with("https://city.example/media/"));
    }
    assert_eq!(requests[0]["service_request_id"], "R-000001");
    assert_eq!(requests[0]["status"], "open");
    assert_eq!(requests[0]["agency_responsible"], "环卫");
    assert_eq!(requests[1]["status"], "closed");
    // Nothing that identifies the reporter: id, name, username, phone.
    let text = String::from_utf8(json).unwrap();
    for secret in [
        r.to_string(),
        "张三".into(),
        format!("rider{r}"),
        "13800000000".into(),
        "138 0000".into(),
    ] {
        assert!(!text.contains(&secret), "the export contains {secret}");
    }
}

#[tokio::test]
async fn a_coordinator_acts_from_a_private_card_and_a_rider_keeps_photos_when_editing() {
    let app = app().await;
    let r = rider(&app, 7010).await;
    // Editing the photos and pressing Done at once keeps the ones sent.
    app.emu.send_text(r, "/report");
    let categories = app
        .expect_text(r, &first_words(Lang::En, "report-ask-category"))
        .await;
    app.emu.press(r, &categories, "Exposed garbage");
    app.emu.send_photo(r, photo(70), None);
    app.expect_text(r, "Photo 1 of 3 added").await;
    app.emu.send_text(r, &en("report-btn-done"));
    app.emu.send_location(r, CENTRE.0, CENTRE.1);
    app.emu.send_text(r, &en("report-btn-skip"));
    let summary = app.expect_text(r, "Your report").await;
    app.emu.press(r, &summary, &en("report-btn-edit"));
    let edit = app.edited(r, summary.message_id, summary.edits).await;
    app.emu.press(r, &edit, &en("report-edit-photos"));
    let ask = app
        .expect_text(r, &first_words(Lang::En, "report-ask-photos"))
        .await;
    assert!(ask.keyboard_labels().contains(&en("report-btn-done")));
    app.emu.send_text(r, &en("report-btn-done"));
    let summary = app.expect_text(r, "Your report").await;
    assert!(summary.text.contains("Photos: 1"), "{}", summary.text);
    app.emu.press(r, &summary, &en("report-btn-confirm"));
    app.expect_text(r, "Your report number is R-000001").await;

    // The coordinator (configured, never registered as a rider) opens it privately.
    app.emu.send_text(COORDINATOR, "/report R-000001");
    let private = app.expect_text(COORDINATOR, "R-000001").await;
    assert!(private.text.contains(
        &zh("report-history-title")
            .replace("<b>", "")
            .replace("</b>", "")
    ));
    app.emu
        .press(COORDINATOR, &private, &zh("triage-btn-route"));
    let menu = app
        .edited(COORDINATOR, private.message_id, private.edits)
        .await;
    app.emu.press(COORDINATOR, &menu, "消防");
    let told = app.expect_text(r, "was sent to").await;
    assert!(told.text.contains("Fire safety"), "{}", told.text);
    assert!(
        told.text.contains("+10 points"),
        "routing accepts and pays: {}",
        told.text
    );
    assert_eq!(status(&app, 1).await, "routed");
    // The group's card follows, and the private card shows the new status.
    let group_card = card(&app, "R-000001").await;
    card_reads(&app, group_card.message_id, &zh("report-status-routed")).await;
    let private_now = app
        .edited(COORDINATOR, private.message_id, menu.edits)
        .await;
    assert!(private_now.text.contains(&zh("report-status-routed")));
    // A rider asking for someone else's report learns nothing.
    let other = rider(&app, 7011).await;
    app.emu.send_text(other, "/report R-000001");
    app.expect_text(other, "There is no report R-000001").await;
}

#[tokio::test]
async fn without_a_coordinators_group_reports_are_filed_and_listed_for_coordinators() {
    let app = TestApp::spawn_at(monday_noon()).await;
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    rider_bot::seeds::load_dir(&app.pool, &seeds).await.unwrap();
    let r = rider(&app, 7012).await;
    let number = file(&app, r, "Other", &[photo(80)], CENTRE, None).await;
    assert_eq!(number, "R-000001");
    app.emu.send_text(COORDINATOR, "/reports");
    let open = app.expect_text(COORDINATOR, "R-000001").await;
    assert!(open.text.contains("COORDINATOR_CHAT_ID"), "{}", open.text);
    app.emu.send_text(COORDINATOR, "/report R-000001 accept");
    app.expect_text(r, "was accepted").await;
    app.emu.send_text(r, "/reports");
    app.expect_text(r, &en("role-not-coordinator")).await;
}
