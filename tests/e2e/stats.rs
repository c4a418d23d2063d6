//! `/stats` through the emulator: riders register, visit stations, sign up and attend (or not),
//! file reports that coordinators accept and resolve over hours and days; the figures the
//! coordinator reads must equal what the test counts from the actions it took, for the district,
//! one station and one platform. Riders are refused, forged buttons too, and bad words get
//! the usage.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rider_bot::i18n::{t, Lang};
use rider_bot::tr;

use crate::helpers::{first_words, TestApp, COORDINATOR};
use crate::reports::{file, photo, CENTRE, GROUP};

/// Wednesday 2 December 2026, 09:00 in Shanghai.
fn wednesday_nine() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 2, 1, 0, 0).unwrap()
}

/// A talk at LF-S01 today, 10:00–11:00, paying 20 points to whoever attends.
const PLANS: &str =
    "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
    TALK,legal,骑手讲座,Riders' talk,LF-S01,2026-12-02,10:00,11:00,5,20,true\n";

/// Three kilometres north of the service centre: no station's neighbourhood.
const FAR: (f64, f64) = (31.343, 120.717_13);

async fn app() -> TestApp {
    let group = GROUP.to_string();
    let vars = [
        ("COORDINATOR_IDS", "900"),
        ("COORDINATOR_CHAT_ID", group.as_str()),
    ];
    let app = TestApp::spawn_with_groups(
        &vars,
        |c| c.clock = rider_bot::clock::Clock::fixed(wednesday_nine()),
        &[(GROUP, "Coordinators")],
    )
    .await;
    // The demo seeds without their service plans: the only session is the test's own.
    let seeds = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
    let dir = tempfile::tempdir().unwrap();
    for file in [
        "stations.csv",
        "departments.csv",
        "categories.csv",
        "rewards.csv",
    ] {
        std::fs::copy(seeds.join(file), dir.path().join(file)).unwrap();
    }
    rider_bot::seeds::load_dir(&app.pool, dir.path())
        .await
        .unwrap();
    rider_bot::services::domain::import_plans(
        &app.pool,
        PLANS.as_bytes(),
        Some((wednesday_nine(), chrono_tz::Asia::Shanghai)),
    )
    .await
    .unwrap();
    app
}

fn en(key: &str) -> String {
    t(Lang::En, key)
}

/// Registers `id` in English on `platform` (its button label key).
async fn rider_on(app: &TestApp, id: i64, platform: &str) -> i64 {
    let rider = app.rider(id, Some("en"));
    app.onboard_until(rider, "platform", Lang::En).await;
    app.emu.send_text(rider, &en(platform));
    app.expect_text(rider, &first_words(Lang::En, "ask-phone"))
        .await;
    app.emu
        .send_contact(rider, "+86 138 0000 0000", Some(rider));
    app.expect_text(rider, &first_words(Lang::En, "welcome-registered"))
        .await;
    app.drain(rider).await;
    rider
}

async fn visit(app: &TestApp, rider: i64, station: &str, counted: bool) {
    app.emu.send_text(rider, &format!("/start st-{station}"));
    if counted {
        app.expect_text(rider, "Your visit is counted").await;
    }
    app.expect_text(rider, station_name(station)).await;
    app.drain(rider).await;
}

fn station_name(code: &str) -> &'static str {
    match code {
        "LF-S01" => "Loufeng Warm Service Station",
        _ => "Loufeng",
    }
}

async fn sign_up(app: &TestApp, rider: i64) {
    app.emu.send_text(rider, "/start sv-TALK-20261202");
    let card = app.expect_text(rider, "Riders' talk").await;
    app.emu.press(rider, &card, &en("services-btn-sign-up"));
    app.edited(rider, card.message_id, card.edits).await;
    app.drain(rider).await;
}

async fn coordinator_says(app: &TestApp, text: &str, reply: &str) {
    app.emu.send_text(COORDINATOR, text);
    app.expect_text(COORDINATOR, reply).await;
    app.drain(COORDINATOR).await;
}

fn zh(key: &str) -> String {
    t(Lang::Zh, key)
}

async fn stats(app: &TestApp, args: &str) -> String {
    app.emu.send_text(COORDINATOR, &format!("/stats {args}"));
    let m = app.expect_text(COORDINATOR, "📊").await;
    m.text
}

fn has(text: &str, line: String) {
    let plain = rider_bot::emulator::limits::parse_html(&line).unwrap_or(line);
    assert!(text.contains(&plain), "{plain:?} not in\n{text}");
}

#[tokio::test]
async fn stats_equal_what_the_riders_and_coordinators_did() {
    let app = app().await;
    let clock = &app.config.clock;
    let a = rider_on(&app, 8101, "platform-meituan").await;
    let b = rider_on(&app, 8102, "platform-meituan").await;
    let c = rider_on(&app, 8103, "platform-eleme").await;

    // Visits: A twice at the station (counted once) and once at the centre; B at the station.
    let mut visits = std::collections::BTreeMap::<(&str, i64), ()>::new();
    for (rider, station) in [(a, "LF-S01"), (b, "LF-S01"), (a, "LF-C01"), (a, "LF-S01")] {
        let counted = visits.insert((station, rider), ()).is_none();
        visit(&app, rider, station, counted).await;
    }
    let at_station = visits.keys().filter(|(s, _)| *s == "LF-S01").count() as i64;

    // Reports: A and B near the centre (within 1 km of LF-S01), C far away.
    let category = "Bikes parked chaotically";
    let r1 = file(&app, a, category, &[photo(1)], CENTRE, None).await;
    let r2 = file(&app, b, category, &[photo(2)], CENTRE, None).await;
    let r3 = file(&app, c, category, &[photo(3)], FAR, None).await;
    app.settle_outbox().await;

    // A and B sign up for the talk; A comes, B does not.
    sign_up(&app, a).await;
    sign_up(&app, b).await;

    clock.advance(Duration::minutes(30)); // 09:30
    coordinator_says(&app, &format!("/report {r1} accept"), &r1).await;
    clock.advance(Duration::minutes(40)); // 10:10
    coordinator_says(&app, &format!("/checkin TALK-20261202 {a}"), "+20").await;
    clock.advance(Duration::minutes(50)); // 11:00
    coordinator_says(&app, &format!("/report {r2} accept"), &r2).await;
    clock.advance(Duration::hours(22)); // Thursday 09:00
    coordinator_says(&app, &format!("/report {r1} resolve"), &r1).await;
    app.settle_outbox().await;

    // Feedback, as the feedback channel records it: one answered after 30 minutes and rated 4.
    let now = clock.now();
    for (rider, topic, answered, rating) in [
        (a, "charging", Some(now - Duration::hours(1)), Some(4)),
        (c, "rest", None, None),
    ] {
        sqlx::query(
            "INSERT INTO feedback (rider_id, topic, kind, body, request_key, status, created_at,
                                   answered_at, rating)
             VALUES ($1, $2, 'text', 'x', $3, $4, $5, $6, $7)",
        )
        .bind(rider)
        .bind(topic)
        .bind(format!("test-{rider}"))
        .bind(if answered.is_some() {
            "answered"
        } else {
            "open"
        })
        .bind(rider_bot::db::At(now - Duration::minutes(90)))
        .bind(answered.map(rider_bot::db::At))
        .bind(rating)
        .execute(&app.pool)
        .await
        .unwrap();
    }

    // A coordinator's own visit is a visit, but not a rider reached.
    sqlx::query(
        "INSERT INTO station_visits (station, rider_id, day, at, via)
         VALUES ('LF-C01', $1, '2026-12-03', $2, 'poster')",
    )
    .bind(COORDINATOR)
    .bind(rider_bot::db::At(clock.now()))
    .execute(&app.pool)
    .await
    .unwrap();
    let points: i64 = app.balance(a).await + app.balance(b).await + app.balance(c).await;
    assert!(points >= 20, "A attended: {points}");

    // The district this month.
    let text = stats(&app, "month").await;
    has(&text, tr!(Lang::Zh, "stats-riders", total = 3, new = 3));
    has(
        &text,
        tr!(Lang::Zh, "stats-riders-active", active = 3, reached = 3),
    );
    has(
        &text,
        tr!(Lang::Zh, "stats-visits", n = visits.len() as i64 + 1),
    );
    has(&text, format!("娄葑暖“新”服务站 {at_station}"));
    has(
        &text,
        tr!(
            Lang::Zh,
            "stats-activities",
            held = 1,
            signed = 2,
            attended = 1,
            noshows = 1,
            waiting = 0
        ),
    );
    has(&text, tr!(Lang::Zh, "stats-reports", n = 3));
    for (status, n) in [("submitted", 1), ("accepted", 1), ("resolved", 1)] {
        has(&text, format!("{} {n}", zh_status(status)));
    }
    // Accepted after 30 and 120 minutes: the median is 75; resolved after 24 hours.
    has(
        &text,
        tr!(
            Lang::Zh,
            "stats-reports-timing",
            accept = "1小时15分",
            accepted = 2,
            resolve = "1天0小时",
            resolved = 1
        ),
    );
    has(
        &text,
        tr!(
            Lang::Zh,
            "stats-points",
            issued = points,
            redeemed = 0,
            n = 0
        ),
    );
    has(&text, tr!(Lang::Zh, "stats-broadcasts", n = 0, reach = 0));
    has(
        &text,
        tr!(
            Lang::Zh,
            "stats-feedback",
            n = 2,
            answered = 1,
            median = "30分钟"
        ),
    );
    has(
        &text,
        tr!(Lang::Zh, "stats-feedback-rating", rating = "4.0", n = 1),
    );
    has(
        &text,
        format!(
            "{} 1 · {} 1",
            zh("feedback-topic-charging"),
            zh("feedback-topic-rest")
        ),
    );

    // One station: its visits and session, the reports within a kilometre of it.
    let text = stats(&app, "month LF-S01").await;
    has(&text, tr!(Lang::Zh, "stats-visits", n = at_station));
    has(
        &text,
        tr!(
            Lang::Zh,
            "stats-activities",
            held = 1,
            signed = 2,
            attended = 1,
            noshows = 1,
            waiting = 0
        ),
    );
    has(&text, tr!(Lang::Zh, "stats-reports", n = 2));
    has(
        &text,
        tr!(Lang::Zh, "stats-riders-active", active = 2, reached = 2),
    );
    assert!(!text.contains("⭐"), "no points for a station: {text}");

    // One platform: C alone (Ele.me).
    let text = stats(&app, "eleme").await;
    has(&text, tr!(Lang::Zh, "stats-riders", total = 1, new = 1));
    has(&text, tr!(Lang::Zh, "stats-visits", n = 0));
    has(&text, tr!(Lang::Zh, "stats-reports", n = 1));
    has(
        &text,
        tr!(
            Lang::Zh,
            "stats-feedback",
            n = 1,
            answered = 0,
            median = "—"
        ),
    );

    // Last month had nothing; the figures say 0, not an error.
    let text = stats(&app, "2026-11").await;
    has(&text, tr!(Lang::Zh, "stats-visits", n = 0));
    has(&text, tr!(Lang::Zh, "stats-reports", n = 0));

    // Each look is in the audit trail.
    let looks: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM audit_log WHERE action = 'stats_viewed' AND actor_id = $1",
    )
    .bind(COORDINATOR)
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!(looks, 4);
    assert!(r3.starts_with("R-"));
}

fn zh_status(status: &str) -> String {
    zh(&format!("report-status-{status}"))
}

#[tokio::test]
async fn riders_bad_words_and_forged_buttons_get_clear_answers() {
    let app = app().await;
    let a = rider_on(&app, 8201, "platform-meituan").await;

    app.emu.send_text(a, "/stats");
    app.expect_text(a, &en("role-not-coordinator")).await;
    // A forged button asks the domain too.
    let q = app.emu.press_data(a, a, 1, "sx:f:all:");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("role-not-coordinator"));
    let q = app.emu.press_data(a, a, 1, "sx:f:all:NOT A CODE");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("button-expired"));
    let audited: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'stats_viewed'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(audited, 0);

    app.emu.send_text(COORDINATOR, "/stats fortnight");
    app.expect_text(COORDINATOR, "“FORTNIGHT”").await;
    app.emu.send_text(COORDINATOR, "/stats 2027-01");
    app.expect_text(COORDINATOR, &zh("stats-not-begun")).await;
    app.emu.send_text(COORDINATOR, "/stats month LF-S01 more");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "stats-usage"))
        .await;
    app.emu.send_text(COORDINATOR, "/stats month NOPE-1");
    app.expect_text(COORDINATOR, "NOPE-1").await;

    // The span buttons answer with the same scope over another span.
    app.emu.send_text(COORDINATOR, "/stats week LF-S01");
    let shown = app.expect_text(COORDINATOR, "📊").await;
    app.emu.press(
        COORDINATOR,
        &shown,
        &tr!(Lang::Zh, "stats-span-button", span = "all"),
    );
    let all = app.expect_text(COORDINATOR, "📊").await;
    assert!(all.text.contains(&zh("stats-range-all")), "{}", all.text);
    assert!(all.text.contains("LF-S01"), "{}", all.text);
}

/// The size of a PNG and the share of its pixels that are not the background (its corner).
fn png_ink(bytes: &[u8]) -> (u32, u32, f64) {
    let decoder = png::Decoder::new(std::io::Cursor::new(bytes));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    let px = info.color_type.samples();
    let pixels = &buf[..info.buffer_size()];
    let background = &pixels[..px];
    let inked = pixels.chunks(px).filter(|p| *p != background).count();
    (
        info.width,
        info.height,
        inked as f64 / (pixels.len() / px) as f64,
    )
}

#[tokio::test]
async fn charts_come_as_three_pictures_and_an_empty_period_says_so() {
    let app = app().await;
    let a = rider_on(&app, 8301, "platform-meituan").await;
    visit(&app, a, "LF-S01", true).await;
    file(
        &app,
        a,
        "Bikes parked chaotically",
        &[photo(5)],
        CENTRE,
        None,
    )
    .await;
    app.settle_outbox().await;

    for (args, min_ink) in [("month", 0.02), ("2026-11", 0.01)] {
        app.emu.send_text(COORDINATOR, &format!("/stats {args}"));
        let shown = app.expect_text(COORDINATOR, "📊").await;
        app.emu
            .press(COORDINATOR, &shown, &zh("stats-charts-button"));
        let mut sizes = Vec::new();
        for _ in 0..3 {
            let m = app.next(COORDINATOR).await;
            assert_eq!(m.kind, "photo", "{m:?}");
            let (w, h, ink) = png_ink(m.file.as_ref().unwrap());
            assert!(ink > min_ink, "{args}: only {ink:.3} of the picture drawn");
            sizes.push((w, h));
        }
        assert_eq!(sizes, [(1080, 1080), (1080, 1080), (1080, 1350)], "{args}");
    }
    let drawn: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action = 'stats_charts'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(drawn, 2);

    // A rider's forged charts button draws nothing.
    let q = app.emu.press_data(a, a, 1, "sx:c:month:");
    let answer = app.emu.wait_callback_answer(&q).await.unwrap();
    assert_eq!(answer["text"], en("role-not-coordinator"));
    app.assert_silent(a, Lang::En).await;
}
