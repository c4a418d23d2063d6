//! Onboarding end to end: privacy notice, name, platform, phone, main menu; deep links;
//! /language, /privacy, /deletemydata; command menus.

use rider_bot::i18n::{t, Lang};
use serde_json::json;

use crate::helpers::{first_words, TestApp, COORDINATOR};

#[tokio::test]
async fn a_new_rider_registers_in_chinese_with_buttons_only() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1001, Some("zh-hans"));
    let zh = Lang::Zh;

    app.emu.send_text(rider, "/start");
    let notice = app.next(rider).await;
    assert!(notice.text.contains("隐私说明"), "{}", notice.text);
    assert!(
        notice.text.contains("手机号"),
        "the notice says what is stored: {}",
        notice.text
    );
    let buttons: Vec<String> = notice
        .inline_buttons()
        .into_iter()
        .map(|(label, _)| label)
        .collect();
    assert_eq!(buttons, vec![t(zh, "btn-accept"), t(zh, "btn-switch-lang")]);
    assert_eq!(app.step(rider).await, "consent");

    let query = app.emu.press(rider, &notice, &t(zh, "btn-accept"));
    assert!(
        app.emu.wait_callback_answer(&query).await.is_some(),
        "the button press is answered"
    );
    let ask_name = app.next(rider).await;
    assert_eq!(ask_name.text, t(zh, "ask-name"));
    // The Telegram name is offered as a one-tap answer.
    assert!(
        ask_name.keyboard_labels().contains(&"Rider".to_owned()),
        "{:?}",
        ask_name.keyboard_labels()
    );
    // The notice lost its buttons, so it cannot be accepted twice.
    let notice_now = app.emu.message(rider, notice.message_id).unwrap();
    assert!(notice_now.inline_buttons().is_empty());

    app.emu.send_text(rider, "Rider");
    let ask_platform = app.next(rider).await;
    assert_eq!(ask_platform.text, t(zh, "ask-platform"));
    let labels = ask_platform.keyboard_labels();
    for name in ["饿了么", "美团", "顺丰", "中通", "圆通", "韵达", "京东"] {
        assert!(
            labels.contains(&name.to_owned()),
            "{name} missing from {labels:?}"
        );
    }

    app.emu.send_text(rider, "美团");
    let ask_phone = app.next(rider).await;
    let share = ask_phone
        .keyboard_button(&t(zh, "btn-share-phone"))
        .expect("a share-phone button");
    assert_eq!(share["request_contact"], json!(true));

    app.emu.send_contact(rider, "8613800001111", Some(rider));
    let welcome = app.next(rider).await;
    assert_eq!(welcome.text, "🎉 欢迎您，Rider！注册成功。");
    let menu = welcome.keyboard_labels();
    for key in [
        "menu-nearest",
        "menu-services",
        "menu-report",
        "menu-points",
    ] {
        assert!(menu.contains(&t(zh, key)), "{key} missing from {menu:?}");
    }
    let nearest = welcome.keyboard_button(&t(zh, "menu-nearest")).unwrap();
    assert_eq!(nearest["request_location"], json!(true));

    let row = app.user_row(rider).await.unwrap();
    assert_eq!(
        row,
        (
            "registered".into(),
            "rider".into(),
            Some("Rider".into()),
            Some("meituan".into()),
            Some("+8613800001111".into())
        )
    );
    assert_eq!(app.step(rider).await, "idle");
}

#[tokio::test]
async fn an_english_speaker_is_answered_in_english_and_can_switch_on_the_notice() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1002, Some("en-GB"));
    app.emu.send_text(rider, "/start");
    let notice = app.next(rider).await;
    assert!(notice.text.contains("Privacy notice"), "{}", notice.text);

    // Switching language rewords the same message rather than sending another.
    let q = app.emu.press(rider, &notice, "中文");
    app.emu.wait_callback_answer(&q).await.unwrap();
    app.assert_silent(rider, Lang::Zh).await;
    let edited = app.emu.message(rider, notice.message_id).unwrap();
    assert!(edited.text.contains("隐私说明"), "{}", edited.text);
    assert_eq!(edited.edits, 1);
    let lang = app.user_field(rider, "lang").await;
    assert_eq!(lang.as_deref(), Some("zh-CN"));
}

#[tokio::test]
async fn another_platform_can_be_typed() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1003, Some("en"));
    app.onboard_until(rider, "platform_other", Lang::En).await;
    app.emu.send_text(rider, "  Dada   Express ");
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;
    app.emu.send_contact(rider, "+44 7700 900123", Some(rider));
    app.expect_text(rider, "Welcome").await;
    let row = app.user_row(rider).await.unwrap();
    assert_eq!(row.3.as_deref(), Some("Dada Express"));
    assert_eq!(row.4.as_deref(), Some("+447700900123"));
}

#[tokio::test]
async fn a_typed_known_platform_name_is_recognised() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1004, Some("en"));
    app.onboard_until(rider, "platform", Lang::En).await;
    app.emu.send_text(rider, "sf express");
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;
    let step: String = sqlx::query_scalar("SELECT state FROM dialogues WHERE chat_id = $1")
        .bind(rider)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert!(step.contains(r#""platform":"sf""#), "{step}");
}

#[tokio::test]
async fn only_the_riders_own_contact_is_accepted() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1005, Some("en"));
    app.onboard_until(rider, "phone", Lang::En).await;

    app.emu.send_contact(rider, "+8613811112222", Some(4242));
    app.expect_text(rider, &first_words(Lang::En, "phone-not-own"))
        .await;
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;

    app.emu.send_contact(rider, "+8613811112222", None);
    app.expect_text(rider, &first_words(Lang::En, "phone-not-own"))
        .await;
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;

    app.emu.send_text(rider, "13811112222");
    app.expect_text(rider, &first_words(Lang::En, "phone-use-button"))
        .await;
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;

    assert_eq!(app.user_row(rider).await.unwrap().0, "new");
    assert_eq!(app.step(rider).await, "phone");
}

#[tokio::test]
async fn a_deep_link_before_registration_is_kept_and_answered_after() {
    let app = TestApp::spawn().await;
    rider_bot::stations::domain::import(
        &app.pool,
        "code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone\n\
         LF-07,红枫社区,Hongfeng Community Centre,community,7 Road,31.3,120.7,wgs84,24/7,water,0,\n"
            .as_bytes(),
    )
    .await
    .unwrap();
    let rider = app.rider(1006, Some("en"));
    app.emu.send_text(rider, "/start st-LF-07");
    let notice = app.next(rider).await;
    assert!(notice.text.contains("Privacy notice"));
    let kept = app.user_field(rider, "pending_payload").await;
    assert_eq!(kept.as_deref(), Some("st-LF-07"));

    app.emu.press(rider, &notice, &t(Lang::En, "btn-accept"));
    app.expect_text(rider, &first_words(Lang::En, "ask-name"))
        .await;
    app.emu.send_text(rider, "Li");
    app.expect_text(rider, &first_words(Lang::En, "ask-platform"))
        .await;
    app.emu.send_text(rider, "JD Logistics");
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;
    app.emu.send_contact(rider, "+8613800002222", Some(rider));
    app.expect_text(rider, "Welcome").await;
    // The link (a poster at the station) counts the visit and opens the station's card.
    app.expect_text(rider, "Your visit is counted").await;
    let card = app.expect_text(rider, "Hongfeng Community Centre").await;
    assert!(card.text.contains("🟢 Open 24 hours"), "{}", card.text);
    let kept = app.user_field(rider, "pending_payload").await;
    assert_eq!(kept, None, "the payload is used once");
}

#[tokio::test]
async fn a_malformed_deep_link_is_answered_and_onboarding_goes_on() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1007, Some("en"));
    app.emu.send_text(rider, "/start <script>alert(1)</script>");
    app.expect_text(rider, &first_words(Lang::En, "deeplink-unknown"))
        .await;
    app.expect_text(rider, "Privacy notice").await;
}

#[tokio::test]
async fn start_when_registered_shows_the_menu() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1008, Some("en"));
    app.register(rider, Lang::En).await;
    app.emu.send_text(rider, "/start");
    let m = app.next(rider).await;
    assert_eq!(m.text, "You are already registered, 张三.");
    assert!(m.keyboard_labels().contains(&t(Lang::En, "menu-points")));
}

#[tokio::test]
async fn language_command_switches_replies_and_menu_labels() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1009, Some("zh-hans"));
    app.register(rider, Lang::Zh).await;
    app.emu.send_text(rider, "/language");
    let choose = app.next(rider).await;
    assert_eq!(choose.text, t(Lang::Zh, "language-choose"));
    app.emu.press(rider, &choose, "English");
    app.expect_text(rider, "Language: English").await;
    let menu = app.next(rider).await;
    assert!(menu
        .keyboard_labels()
        .contains(&t(Lang::En, "menu-nearest")));
    // A stale Chinese keyboard still works after the switch.
    app.emu.send_text(rider, &t(Lang::Zh, "menu-points"));
    app.expect_text(rider, "💰 My points").await;
}

#[tokio::test]
async fn privacy_shows_what_is_held_escaped() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1010, Some("en"));
    app.onboard_until(rider, "name", Lang::En).await;
    app.emu.send_text(rider, "<b>Bob</b> & co");
    app.expect_text(rider, &first_words(Lang::En, "ask-platform"))
        .await;
    app.emu.send_text(rider, "Meituan");
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;
    app.emu.send_contact(rider, "+8613800003333", Some(rider));
    let welcome = app.expect_text(rider, "Welcome").await;
    assert!(welcome.text.contains("<b>Bob</b> & co"), "{}", welcome.text);
    app.emu.send_text(rider, "/privacy");
    let p = app.expect_text(rider, "What we hold").await;
    assert!(p.text.contains("Name: <b>Bob</b> & co"), "{}", p.text);
    assert!(p.text.contains("Platform: Meituan"), "{}", p.text);
    assert!(p.text.contains("+8613800003333"), "{}", p.text);
}

#[tokio::test]
async fn deletemydata_erases_personal_data_after_confirmation() {
    let app = TestApp::spawn().await;
    let rider = app.rider(1011, Some("en"));
    app.register(rider, Lang::En).await;

    // Refusing keeps everything.
    app.emu.send_text(rider, "/deletemydata");
    let confirm = app.next(rider).await;
    app.emu
        .press(rider, &confirm, &t(Lang::En, "btn-delete-no"));
    app.expect_text(rider, &first_words(Lang::En, "delete-kept"))
        .await;
    assert_eq!(app.user_row(rider).await.unwrap().0, "registered");

    app.emu.send_text(rider, "/deletemydata");
    let confirm = app.next(rider).await;
    assert_eq!(confirm.text, t(Lang::En, "delete-confirm"));
    app.emu
        .press(rider, &confirm, &t(Lang::En, "btn-delete-yes"));
    let done = app
        .expect_text(rider, &first_words(Lang::En, "delete-done-title"))
        .await;
    assert!(done.removes_keyboard());
    let row = app.user_row(rider).await.unwrap();
    assert_eq!(row, ("deleted".into(), "rider".into(), None, None, None));
    let username = app.user_field(rider, "username").await;
    assert_eq!(username, None);

    // Pressing the old Yes again does nothing twice.
    let q = app
        .emu
        .press_data(rider, rider, confirm.message_id, "del:yes");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], json!(t(Lang::En, "button-expired")));
    app.drain(rider).await;

    // They can register again.
    app.register(rider, Lang::En).await;
    assert_eq!(app.user_row(rider).await.unwrap().0, "registered");
}

#[tokio::test]
async fn command_menus_are_registered_per_language_and_for_coordinators() {
    let app = TestApp::spawn().await;
    let sets = app.emu.command_sets();
    let find = |scope: Option<serde_json::Value>, lang: Option<&str>| {
        sets.iter()
            .find(|s| {
                s.get("scope") == scope.as_ref()
                    && s.get("language_code").and_then(|l| l.as_str()) == lang
            })
            .unwrap_or_else(|| panic!("no command set for {scope:?} {lang:?}: {sets:#?}"))
            .clone()
    };
    let default = find(None, None);
    assert_eq!(
        default["commands"][0]["description"],
        json!(t(Lang::Zh, "cmd-start"))
    );
    let en = find(None, Some("en"));
    assert_eq!(
        en["commands"][0]["description"],
        json!(t(Lang::En, "cmd-start"))
    );
    let coordinator = find(
        Some(json!({"type": "chat", "chat_id": COORDINATOR})),
        Some("en"),
    );
    let names: Vec<&str> = coordinator["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"appoint") && names.contains(&"revoke"),
        "{names:?}"
    );
    let rider_names: Vec<&str> = en["commands"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["command"].as_str().unwrap())
        .collect();
    assert!(!rider_names.contains(&"appoint"));
}
