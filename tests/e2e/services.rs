//! Free services through the emulator: the list and a session's card, sign-up, the waitlist
//! and its automatic promotion, cancellation, reminders, check-in by the station's QR link and
//! by a coordinator with the attendance points, `/session`, and forged buttons.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rider_bot::i18n::{t, Lang};
use rider_bot::users::UserId;

use crate::helpers::{first_words, TestApp, COORDINATOR};

/// Friday 4 December 2026, 12:00 in Shanghai.
pub(crate) fn friday_noon() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 4, 4, 0, 0).unwrap()
}

const PLANS: &str =
    "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
    CUT,haircut,爱心义剪,Free haircut,LF-S01,Sa,09:00,11:30,1,20,true\n\
    DOC,health,健康义诊,Health check-up,LF-C01,2026-12-06,14:00,16:00,30,15,true\n\
    OLD,other,旧活动,Old one,LF-C01,Mo,09:00,10:00,5,5,false\n";

async fn app() -> TestApp {
    app_with_plans(PLANS).await
}

/// A bot at Friday noon with the demo stations and the service plans `plans`.
pub(crate) async fn app_with_plans(plans: &str) -> TestApp {
    let app = TestApp::spawn_at(friday_noon()).await;
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds/stations.csv");
    rider_bot::stations::domain::import(&app.pool, &std::fs::read(seeds).unwrap())
        .await
        .unwrap();
    rider_bot::services::domain::import_plans(
        &app.pool,
        plans.as_bytes(),
        Some((friday_noon(), chrono_tz::Asia::Shanghai)),
    )
    .await
    .unwrap();
    app
}

/// A registered English-speaking rider.
pub(crate) async fn rider(app: &TestApp, id: i64) -> i64 {
    let rider = app.rider(id, Some("en"));
    app.register(rider, Lang::En).await;
    app.drain(rider).await;
    rider
}

fn en(key: &str) -> String {
    t(Lang::En, key)
}

/// The deep-link payload of `session`'s signed check-in code, as the coordinator's `/session`
/// shows it (`cs-CUT-20261205-…`), with its QR code checked and the messages taken.
async fn session_code(app: &TestApp, session: &str) -> String {
    app.emu
        .send_text(COORDINATOR, &format!("/session {session}"));
    let link = app.expect_text(COORDINATOR, "?start=cs-").await;
    let at = link.text.find("?start=").unwrap() + "?start=".len();
    let payload: String = link.text[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(payload.starts_with(&format!("cs-{session}-")), "{payload}");
    assert!(payload.len() <= 64, "{payload}");
    let qr = app.next(COORDINATOR).await;
    assert_eq!(qr.kind, "photo");
    assert!(qr.file.as_ref().unwrap().starts_with(b"\x89PNG"));
    payload
}

/// Loufeng Warm Service Station (`LF-S01`), where the haircut is.
const STATION: (f64, f64) = (31.3225, 120.7205);

/// `rider` shares a live location (or, with `live_period` None, a one-off one).
fn share_location(app: &TestApp, rider: i64, at: (f64, f64), live_period: Option<u32>) {
    let mut location = serde_json::json!({"latitude": at.0, "longitude": at.1});
    if let Some(period) = live_period {
        location["live_period"] = serde_json::json!(period);
    }
    app.emu
        .send_message_fields(rider, serde_json::json!({ "location": location }));
}

#[tokio::test]
async fn riders_sign_up_wait_in_line_and_move_up_when_a_seat_frees() {
    let app = app().await;
    let a = rider(&app, 8001).await;
    let b = rider(&app, 8002).await;

    // The menu button lists the sessions of the next two weeks, soonest first; the inactive
    // plan has none.
    app.emu.send_text(a, &en("menu-services"));
    let list = app.expect_text(a, "Free services").await;
    let cut = list.text.find("Free haircut").unwrap();
    let doc = list.text.find("Health check-up").unwrap();
    assert!(cut < doc, "{}", list.text);
    assert!(!list.text.contains("Old one"));
    assert!(list.text.contains("12-05 Sat 09:00–11:30"), "{}", list.text);
    assert!(list.text.contains("1/1 seats left"), "{}", list.text);
    assert_eq!(
        list.text.matches("Free haircut").count(),
        2,
        "two Saturdays"
    );

    // A's card, then the one seat.
    app.emu.press(a, &list, "1");
    let card = app.edited(a, list.message_id, list.edits).await;
    assert!(card.text.contains("Free haircut"));
    app.emu.press(a, &card, &en("services-btn-sign-up"));
    let card = app.edited(a, list.message_id, card.edits).await;
    assert!(
        card.text.contains(&en("services-mine-signed")),
        "{}",
        card.text
    );
    assert!(card.text.contains("full (0 waiting)"), "{}", card.text);

    // B finds it full and joins the waitlist.
    app.emu.send_text(b, "/services");
    let list_b = app.expect_text(b, "Free services").await;
    app.emu.press(b, &list_b, "1");
    let card_b = app.edited(b, list_b.message_id, list_b.edits).await;
    app.emu.press(b, &card_b, &en("services-btn-waitlist"));
    let card_b = app.edited(b, list_b.message_id, card_b.edits).await;
    assert!(
        card_b.text.contains("number 1 on the waitlist"),
        "{}",
        card_b.text
    );

    // A double tap on Sign up (the old button, from a second device) changes nothing.
    assert!(card_b.inline_buttons()[0].1.starts_with("sv:c:"));
    let q = app
        .emu
        .press_data(b, b, list_b.message_id, "sv:u:CUT-20261205");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert!(
        answer["text"].as_str().unwrap().contains("number 1"),
        "{answer}"
    );
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signups WHERE rider_id = $1")
        .bind(b)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);

    // A cancels (with a confirm step); B is moved up and told.
    app.emu.press(a, &card, &en("services-btn-cancel"));
    let ask = app.edited(a, list.message_id, card.edits).await;
    app.emu.press(a, &ask, &en("services-btn-cancel-yes"));
    let told = app.expect_text(b, "A seat opened up").await;
    assert!(told.text.contains("Free haircut"));
    let after = app.edited(a, list.message_id, ask.edits).await;
    assert!(
        after.text.contains("1 seats left") || after.text.contains("full"),
        "{}",
        after.text
    );
    let status: String = sqlx::query_scalar(
        "SELECT status FROM signups WHERE session = 'CUT-20261205' AND rider_id = $1",
    )
    .bind(b)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(status, "signed");

    // The coordinator calls the session off: the seated rider is told, and it leaves the list.
    app.emu.send_text(a, "/session CUT-20261205 cancel rain");
    app.expect_text(a, &en("role-not-coordinator")).await;
    app.emu
        .send_text(COORDINATOR, "/session CUT-20261205 cancel 下雨");
    app.expect_text(COORDINATOR, "CUT-20261205").await;
    let off = app.expect_text(b, "Cancelled:").await;
    assert!(off.text.contains("下雨"), "{}", off.text);
    app.emu.send_text(a, "/services");
    let list_now = app.expect_text(a, "Free services").await;
    assert!(
        !list_now.text.contains("12-05 Sat 09:00"),
        "{}",
        list_now.text
    );
    let audited: (Option<i64>, String) =
        sqlx::query_as("SELECT actor_id, detail FROM audit_log WHERE action = 'session_cancel'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, (Some(COORDINATOR), "CUT-20261205 下雨".to_owned()));

    // Forged and stale buttons.
    let q = app
        .emu
        .press_data(a, a, list.message_id, "sv:u:NOPE-20261205");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("services-unknown"));
    let q = app
        .emu
        .press_data(a, a, list.message_id, "sv:u:CUT-2026120");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("button-expired"));
}

#[tokio::test]
async fn reminders_check_in_and_attendance_points() {
    let app = app().await;
    let a = rider(&app, 8003).await;
    let b = rider(&app, 8004).await;
    let walk_in = rider(&app, 8005).await;
    let now = friday_noon();
    let sat = rider_bot::services::SessionCode::parse("CUT-20261205").unwrap();
    rider_bot::services::domain::sign_up(&app.pool, UserId(a), &sat, now)
        .await
        .unwrap();
    rider_bot::services::domain::sign_up(&app.pool, UserId(b), &sat, now)
        .await
        .unwrap();

    // The station's QR link before the window opens.
    app.emu.send_text(a, "/start ci-CUT");
    app.expect_text(a, &first_words(Lang::En, "services-check-in-none"))
        .await;

    // Saturday 07:30 in Shanghai: the reminder (2 h ahead) goes once, to the seated rider.
    let env = rider_bot::startup::env_for(&app.config, app.pool.clone()).unwrap();
    app.config.clock.advance(Duration::minutes(19 * 60 + 30));
    rider_bot::services::telegram::notify::sweep(&env)
        .await
        .unwrap();
    rider_bot::services::telegram::notify::sweep(&env)
        .await
        .unwrap();
    let reminder = app.expect_text(a, "Reminder").await;
    assert!(reminder.text.contains("Free haircut"));
    assert!(app
        .emu
        .untaken(b)
        .iter()
        .all(|m| !m.text.contains("Reminder")));
    app.drain(a).await;
    assert!(app.emu.untaken(a).is_empty(), "one reminder only");

    // 08:30: check-in is open. The station's static poster shows the session and how to check
    // in, and pays nothing by itself.
    app.config.clock.advance(Duration::hours(1));
    app.emu.send_text(a, "/start ci-CUT");
    let poster = app.expect_text(a, "This poster alone").await;
    assert!(poster.text.contains("Free haircut"), "{}", poster.text);
    assert!(
        poster.text.contains("Loufeng Warm Service Station"),
        "{}",
        poster.text
    );
    assert_eq!(app.balance(a).await, 0);

    // The coordinator's /session gives the session's signed code; the seated rider who scans
    // it is checked in and earns the plan's points once.
    let code = session_code(&app, "CUT-20261205").await;
    app.emu.send_text(a, &format!("/start {code}"));
    let done = app.expect_text(a, "Checked in").await;
    assert!(done.text.contains("+20 points"), "{}", done.text);
    app.emu.send_text(a, &format!("/start {code}"));
    app.expect_text(a, "already checked in").await;
    assert_eq!(app.balance(a).await, 20);
    app.emu.send_text(a, "/points");
    let passbook = app.expect_text(a, "My points").await;
    assert!(
        passbook.text.contains("attended Free haircut 12-05"),
        "{}",
        passbook.text
    );
    // The rider on the waitlist is sent to the coordinator.
    app.emu.send_text(b, &format!("/start {code}"));
    app.expect_text(b, &first_words(Lang::En, "services-check-in-waitlisted"))
        .await;
    assert_eq!(app.balance(b).await, 0);

    // A coordinator checks in a walk-in; a rider cannot.
    app.emu
        .send_text(b, &format!("/checkin CUT-20261205 {walk_in}"));
    app.expect_text(b, &en("role-not-coordinator")).await;
    app.emu
        .send_text(COORDINATOR, &format!("/checkin CUT-20261205 {walk_in}"));
    app.expect_text(COORDINATOR, "+20").await;
    app.expect_text(walk_in, "Checked in").await;
    assert_eq!(app.balance(walk_in).await, 20);
    let actions = app.audit_actions(walk_in).await;
    assert_eq!(
        actions,
        [(Some(COORDINATOR), "session_check_in".to_owned())]
    );

    // /session shows who came, and the QR code to print.
    app.emu.send_text(COORDINATOR, "/session CUT-20261205");
    let roster = app.expect_text(COORDINATOR, "爱心义剪").await;
    assert!(roster.text.contains(&a.to_string()), "{}", roster.text);
    assert!(roster
        .text
        .contains(&t(Lang::Zh, "services-status-attended")));
    let link = app.next(COORDINATOR).await;
    assert!(
        link.text.contains("?start=cs-CUT-20261205-"),
        "{}",
        link.text
    );
    let qr = app.next(COORDINATOR).await;
    assert_eq!(qr.kind, "photo");
    assert!(qr.file.as_ref().unwrap().starts_with(b"\x89PNG"));
    assert!(qr.text.contains("打印"), "{}", qr.text);
    app.emu.send_text(a, "/session CUT-20261205");
    app.expect_text(a, &en("role-not-coordinator")).await;

    // After the start, signing up is refused.
    app.config.clock.advance(Duration::hours(1));
    let last = app.emu.chat_messages(walk_in).pop().unwrap();
    let q = app
        .emu
        .press_data(walk_in, walk_in, last.message_id, "sv:u:CUT-20261205");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("services-started"));
}

#[tokio::test]
async fn forged_mangled_yesterdays_and_other_stations_codes_pay_nothing() {
    let app = app().await;
    let a = rider(&app, 8011).await;
    let sat = rider_bot::services::SessionCode::parse("CUT-20261205").unwrap();
    rider_bot::services::domain::sign_up(&app.pool, UserId(a), &sat, friday_noon())
        .await
        .unwrap();
    let cut = session_code(&app, "CUT-20261205").await;
    let doc = session_code(&app, "DOC-20261206").await;

    // Before its window, a genuine code says when it will work.
    app.emu.send_text(a, &format!("/start {cut}"));
    let early = app.expect_text(a, "It works only from").await;
    assert!(
        early.text.contains("08:00 until 11:30 on 12-05"),
        "{}",
        early.text
    );

    // Saturday 09:00, the window open: a changed signature, a code without one, and a code
    // signed with another district's key are not valid.
    app.config.clock.advance(Duration::hours(21));
    let mut forged = cut.clone().into_bytes();
    let last = forged.len() - 1;
    forged[last] = if forged[last] == b'A' { b'B' } else { b'A' };
    let forged = String::from_utf8(forged).unwrap();
    let other_key = rider_bot::services::signed::CheckInKey::new(b"another district's secret key")
        .unwrap()
        .sign(&sat);
    for bad in [
        forged,
        "cs-CUT-20261205".to_owned(),
        "cs-CUT-20261205-AAAAAAAAAAAAAAAAAAAA".to_owned(),
        format!("cs-{other_key}"),
    ] {
        app.emu.send_text(a, &format!("/start {bad}"));
        app.expect_text(a, "This check-in code is not valid").await;
    }
    assert_eq!(app.balance(a).await, 0);

    // Sunday 14:30: Saturday's code has closed; the health check at another station is open
    // now, but the rider has no seat in it.
    app.config.clock.advance(Duration::minutes(29 * 60 + 30));
    app.emu.send_text(a, &format!("/start {cut}"));
    let closed = app.expect_text(a, "Check-in for it closed").await;
    assert!(closed.text.contains("11:30 on 12-05"), "{}", closed.text);
    app.emu.send_text(a, &format!("/start {doc}"));
    let no_seat = app.expect_text(a, "you have no seat in it").await;
    assert!(
        no_seat.text.contains("Loufeng Warm Service Centre"),
        "{}",
        no_seat.text
    );
    assert_eq!(app.balance(a).await, 0);
    let ledger: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM ledger WHERE rider_id = $1")
        .bind(a)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(ledger, 0);
    let attended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM signups WHERE rider_id = $1 AND status = 'attended'",
    )
    .bind(a)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(attended, 0);
}

#[tokio::test]
async fn a_live_location_at_the_station_pays_once_and_one_far_away_is_refused() {
    let app = app().await;
    let a = rider(&app, 8021).await;
    let unseated = rider(&app, 8022).await;
    let sat = rider_bot::services::SessionCode::parse("CUT-20261205").unwrap();
    rider_bot::services::domain::sign_up(&app.pool, UserId(a), &sat, friday_noon())
        .await
        .unwrap();
    let near = (STATION.0 + 0.0005, STATION.1 + 0.0004);
    let five_km_north = (STATION.0 + 0.045, STATION.1);

    // Friday, no window open: a live location means what it always did.
    share_location(&app, a, near, Some(900));
    app.expect_text(a, "Nearest warm-up stations").await;

    // Saturday 08:30, the window open. The poster at the station asks for the code shown
    // there or a live location, and the rider answers with one (from too far away, first).
    app.config.clock.advance(Duration::minutes(20 * 60 + 30));
    app.emu.send_text(a, "/start ci-CUT");
    let asked = app.expect_text(a, "share your live location").await;
    assert!(asked.text.contains("Free haircut"), "{}", asked.text);
    share_location(&app, a, five_km_north, Some(900));
    let far = app.expect_text(a, "You are about").await;
    assert!(
        far.text
            .contains("about 5 km from Loufeng Warm Service Station"),
        "{}",
        far.text
    );
    assert!(far.text.contains("within 200 m"), "{}", far.text);
    assert_eq!(app.balance(a).await, 0);

    // A one-off location at the station does not pay: it could be sent from anywhere.
    share_location(&app, a, near, None);
    app.expect_text(a, "To check in, share a live location")
        .await;
    assert_eq!(app.balance(a).await, 0);

    // A live location at the station checks in and pays once.
    share_location(&app, a, near, Some(900));
    let done = app.expect_text(a, "Checked in").await;
    assert!(done.text.contains("+20 points"), "{}", done.text);
    share_location(&app, a, near, Some(900));
    app.expect_text(a, "already checked in").await;
    assert_eq!(app.balance(a).await, 20);
    app.emu.send_text(a, "/points");
    let passbook = app.expect_text(a, "My points").await;
    assert!(
        passbook.text.contains("attended Free haircut 12-05"),
        "{}",
        passbook.text
    );

    // A rider without a seat at the station gets the nearest stations, and no points.
    share_location(&app, unseated, near, Some(900));
    app.expect_text(unseated, "Nearest warm-up stations").await;
    assert_eq!(app.balance(unseated).await, 0);
}
