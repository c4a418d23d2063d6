//! Webhook mode through the real application: the emulator posts updates to the bot's HTTP
//! endpoint as Telegram does, the bot records each in its inbox before answering, and handles
//! it from there through the same handler tree as polling.

use std::time::Duration;

use rider_bot::i18n::Lang;
use serde_json::{json, Value};

use crate::helpers::{first_words, TestApp, COORDINATOR, WEBHOOK_SECRET};

async fn post(app: &TestApp, secret: Option<&str>, body: String) -> reqwest::StatusCode {
    let mut request = reqwest::Client::new()
        .post(app.webhook_url())
        .header("content-type", "application/json")
        .body(body);
    if let Some(secret) = secret {
        request = request.header("X-Telegram-Bot-Api-Secret-Token", secret);
    }
    request.send().await.expect("the bot answers").status()
}

async fn inbox_rows(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM update_inbox")
        .fetch_one(&app.pool)
        .await
        .unwrap()
}

/// Waits until the inbox has nothing waiting.
async fn settle_inbox(app: &TestApp) {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while rider_bot::bot::inbox::store::waiting(&app.pool)
        .await
        .unwrap()
        > 0
    {
        assert!(
            std::time::Instant::now() < deadline,
            "inbox not handled in 10 s"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// A `/help` message from `user` as Telegram would send it, with `update_id`.
fn help_update(update_id: i64, user: i64) -> Value {
    json!({"update_id": update_id, "message": {
        "message_id": update_id, "date": 1_765_000_000, "text": "/help",
        "entities": [{"type": "bot_command", "offset": 0, "length": 5}],
        "chat": {"id": user, "type": "private", "first_name": "Rider"},
        "from": {"id": user, "is_bot": false, "first_name": "Rider", "language_code": "en"}}})
}

#[tokio::test]
async fn a_rider_registers_end_to_end_by_webhook() {
    let app = TestApp::spawn_webhook().await;
    let rider = app.rider(9300, Some("en"));
    app.register(rider, Lang::En).await;
    let (status, _, name, platform, phone) = app.user_row(rider).await.unwrap();
    assert_eq!(status, "registered");
    assert_eq!(name.as_deref(), Some("张三"));
    assert!(platform.is_some() && phone.is_some());
    settle_inbox(&app).await;
    // Every update went through the inbox, and no body outlived its handling.
    let (rows, bodies): (i64, i64) =
        sqlx::query_as("SELECT COUNT(*), COUNT(body) FROM update_inbox WHERE outcome = 'handled'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert!(rows >= 5, "{rows} updates handled from the inbox");
    assert_eq!(bodies, 0);
    assert_eq!(app.emu.request_count("getUpdates"), 0, "no polling");
    assert!(app.emu.webhook_deliveries() >= 5);
    assert_eq!(app.emu.pending_updates(), 0);
}

#[tokio::test]
async fn a_wrong_or_missing_secret_is_401_and_a_body_that_is_no_update_400_recording_nothing() {
    let app = TestApp::spawn_webhook().await;
    let rider = app.rider(9301, Some("en"));
    let update = help_update(70_001, rider).to_string();
    assert_eq!(post(&app, None, update.clone()).await, 401);
    let same_length = WEBHOOK_SECRET.replace('9', "8");
    assert_eq!(post(&app, Some(&same_length), update.clone()).await, 401);
    assert_eq!(
        post(&app, Some(&format!("{WEBHOOK_SECRET}x")), update.clone()).await,
        401
    );
    assert_eq!(post(&app, Some(""), update).await, 401);
    for body in [
        "not json",
        r#"{"hello": "world"}"#,
        "[]",
        r#"{"update_id": "x"}"#,
    ] {
        assert_eq!(
            post(&app, Some(WEBHOOK_SECRET), body.into()).await,
            400,
            "{body}"
        );
    }
    let get = reqwest::get(app.webhook_url()).await.unwrap().status();
    assert_eq!(get, 405);
    assert_eq!(inbox_rows(&app).await, 0);
    // Nothing of it was handled: the rider's next message is answered first.
    app.emu.send_text(rider, "/help");
    let m = app.next(rider).await;
    assert!(
        m.text.contains(&first_words(Lang::En, "help")),
        "{}",
        m.text
    );
    assert!(app.emu.untaken(rider).is_empty());
}

#[tokio::test]
async fn the_same_update_posted_again_even_at_once_is_recorded_and_handled_once() {
    let app = TestApp::spawn_webhook().await;
    let rider = app.rider(9302, Some("en"));
    let duplicates_before = duplicates();
    let id = app.emu.send_text(rider, "/help");
    let body = app.emu.update_json(id).to_string();
    let posts = (0..8).map(|_| post(&app, Some(WEBHOOK_SECRET), body.clone()));
    for status in futures::future::join_all(posts).await {
        assert_eq!(status, 200, "a re-delivery is acknowledged");
    }
    app.expect_text(rider, &first_words(Lang::En, "help")).await;
    settle_inbox(&app).await;
    // Again later, after it was handled.
    assert_eq!(post(&app, Some(WEBHOOK_SECRET), body).await, 200);
    app.assert_silent(rider, Lang::En).await;
    let rows: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM update_inbox WHERE update_id = $1")
        .bind(id)
        .fetch_one(&app.pool)
        .await
        .unwrap();
    assert_eq!(rows, 1);
    // Ten deliveries, one recorded: nine acknowledged as re-deliveries, counted as such.
    assert!(duplicates() - duplicates_before >= 9.0);
}

/// `riderbot_updates_total{kind="message",outcome="duplicate"}` in this process.
fn duplicates() -> f64 {
    use rider_bot::ops::exporter;
    exporter::sum(
        &exporter::render(),
        exporter::UPDATES,
        &[("kind", "message"), ("outcome", "duplicate")],
    )
}

/// `riderbot_bot_api_calls_total{method}` in this process.
fn api_calls(method: &str) -> f64 {
    use rider_bot::ops::exporter;
    exporter::sum(
        &exporter::render(),
        exporter::API_CALLS,
        &[("method", method)],
    )
}

#[tokio::test]
async fn webhook_info_and_delete_are_counted_as_bot_api_calls() {
    let app = TestApp::spawn_webhook().await;
    let bot = rider_bot::startup::bot_for(&app.config).unwrap();
    let (info_before, delete_before) = (api_calls("getWebhookInfo"), api_calls("deleteWebhook"));
    let info = rider_bot::bot::webhook::admin::info(&bot).await.unwrap();
    assert_eq!(info.url, Some(app.webhook_url()));
    rider_bot::bot::webhook::admin::delete(&bot, false)
        .await
        .unwrap();
    assert!(api_calls("getWebhookInfo") > info_before);
    assert!(api_calls("deleteWebhook") > delete_before);
    assert_eq!(app.emu.request_count("deleteWebhook"), 1);
}

#[tokio::test]
async fn one_chats_burst_is_handled_in_order_while_another_chat_is_answered() {
    let app = TestApp::spawn_webhook().await;
    let other = app.rider(9303, Some("en"));
    let codes: Vec<String> = (0..25).map(|i| format!("NOPE{i:02}")).collect();
    for code in &codes {
        app.emu.send_text(COORDINATOR, &format!("/station {code}"));
    }
    app.emu.send_text(other, "/help");
    app.expect_text(other, &first_words(Lang::En, "help")).await;
    for code in &codes {
        let m = app.next(COORDINATOR).await;
        assert!(
            m.text.contains(code.as_str()),
            "expected {code}, got {:?}",
            m.text
        );
    }
}

#[tokio::test]
async fn an_update_recorded_but_not_handled_before_a_stop_is_handled_at_the_next_start() {
    let mut app = TestApp::spawn_webhook().await;
    let rider = app.rider(9304, Some("en"));
    app.stop().await;
    // As a process killed after answering Telegram leaves it: recorded, leased by an instance
    // that is gone (its lease ran out), never claimed.
    let past = chrono::Utc::now() - chrono::Duration::seconds(90);
    let lost = help_update(80_001, rider);
    // And one killed after the handler tree claimed it: its outcome is unknown.
    let claimed = help_update(80_002, rider);
    for (id, body) in [(80_001i64, &lost), (80_002, &claimed)] {
        sqlx::query(
            "INSERT INTO update_inbox (update_id, chat_id, body, received_at, lease_owner, \
             lease_until, attempts) VALUES ($1, $2, $3, $4, 'gone:1:0', $4, 1)",
        )
        .bind(id)
        .bind(rider)
        .bind(body.to_string())
        .bind(rider_bot::db::At(past))
        .execute(&app.pool)
        .await
        .unwrap();
    }
    sqlx::query("INSERT INTO processed_updates (update_id, handled_at) VALUES (80002, $1)")
        .bind(rider_bot::db::At(past))
        .execute(&app.pool)
        .await
        .unwrap();
    let unknown_before = rider_bot::bot::inbox::unknown_outcomes();

    app.start().await;
    app.expect_text(rider, &first_words(Lang::En, "help")).await;
    settle_inbox(&app).await;
    let outcomes: Vec<(i64, String, Option<String>)> = sqlx::query_as(
        "SELECT update_id, outcome, body FROM update_inbox WHERE update_id >= 80001 \
         ORDER BY update_id",
    )
    .fetch_all(&app.pool)
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        [
            (80_001, "handled".to_owned(), None),
            (80_002, "unknown".to_owned(), None)
        ]
    );
    assert!(rider_bot::bot::inbox::unknown_outcomes() > unknown_before);
    // The claimed one was not run again: one answer only.
    app.assert_silent(rider, Lang::En).await;
}

#[tokio::test]
async fn updates_sent_while_the_bot_is_down_are_delivered_again_and_handled_after_a_restart() {
    let mut app = TestApp::spawn_webhook().await;
    let rider = app.rider(9305, Some("en"));
    app.stop().await;
    app.emu.send_text(rider, "/help");
    // Telegram keeps it and notes the failure.
    let bot = rider_bot::startup::bot_for(&app.config).unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    let info = loop {
        let info = rider_bot::bot::webhook::admin::info(&bot).await.unwrap();
        if info.last_error_message.is_some() {
            break info;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no delivery error noted"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    assert_eq!(info.pending_update_count, 1);
    app.start().await;
    app.expect_text(rider, &first_words(Lang::En, "help")).await;
}

#[tokio::test]
async fn a_stop_mid_burst_finishes_what_is_in_hand_releases_its_leases_and_loses_nothing() {
    let mut app = TestApp::spawn_webhook().await;
    let codes: Vec<String> = (0..15).map(|i| format!("STOP{i:02}")).collect();
    for code in &codes {
        app.emu.send_text(COORDINATOR, &format!("/station {code}"));
    }
    let first = app.next(COORDINATOR).await;
    assert!(first.text.contains(codes[0].as_str()), "{}", first.text);
    app.stop().await;
    // Nothing is left leased or half-done: each row is handled, or waiting with no lease.
    let (leased, bodiless_waiting): (i64, i64) = sqlx::query_as(
        "SELECT COUNT(lease_owner), COUNT(CASE WHEN handled_at IS NULL AND body IS NULL \
         THEN 1 END) FROM update_inbox",
    )
    .fetch_one(&app.pool)
    .await
    .unwrap();
    assert_eq!((leased, bodiless_waiting), (0, 0));
    app.start().await;
    for code in &codes[1..] {
        let m = app.next(COORDINATOR).await;
        assert!(
            m.text.contains(code.as_str()),
            "expected {code}, got {:?}",
            m.text
        );
    }
    app.assert_silent(COORDINATOR, Lang::Zh).await;
}

/// Sends `head` (a request's line and headers) and `body` on a raw connection, left open.
async fn raw(app: &TestApp, head: &str, body: &[u8]) -> tokio::net::TcpStream {
    use tokio::io::AsyncWriteExt;
    let url = app.webhook_url();
    let addr = format!("{}:{}", url.host_str().unwrap(), url.port().unwrap());
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let request = format!(
        "POST {} HTTP/1.1\r\nhost: bot\r\ncontent-type: application/json\r\n{head}\r\n",
        url.path()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    stream
}

/// The status line of the answer on `stream`, waiting at most `within`.
async fn status_line(stream: &mut tokio::net::TcpStream, within: Duration) -> String {
    use tokio::io::AsyncReadExt;
    let mut answer = vec![0u8; 512];
    let n = tokio::time::timeout(within, stream.read(&mut answer))
        .await
        .expect("an answer in time")
        .unwrap();
    let text = String::from_utf8_lossy(&answer[..n]).into_owned();
    text.lines().next().unwrap_or_default().to_owned()
}

#[tokio::test]
async fn the_secret_is_checked_before_the_body_is_read_and_a_body_over_1_mb_is_413() {
    let app = TestApp::spawn_webhook().await;
    // Only the head is sent, announcing 3 MB: the wrong secret is refused without waiting.
    let mut stream = raw(
        &app,
        "x-telegram-bot-api-secret-token: wrong\r\ncontent-length: 3000000\r\n",
        b"",
    )
    .await;
    let line = status_line(&mut stream, Duration::from_secs(3)).await;
    assert!(line.starts_with("HTTP/1.1 401"), "{line}");
    // With the secret, a body over 1 MB is not taken.
    let big = json!({"update_id": 90_001, "message": {
        "message_id": 1, "date": 1_765_000_000, "text": "x".repeat(1_100_000),
        "chat": {"id": 9306, "type": "private", "first_name": "Rider"}}})
    .to_string();
    assert_eq!(post(&app, Some(WEBHOOK_SECRET), big).await, 413);
    assert_eq!(inbox_rows(&app).await, 0);
}

#[tokio::test]
async fn a_request_left_half_sent_does_not_hold_the_stop() {
    let mut app = TestApp::spawn_webhook().await;
    let head =
        format!("x-telegram-bot-api-secret-token: {WEBHOOK_SECRET}\r\ncontent-length: 1000\r\n");
    let _stream = raw(&app, &head, br#"{"update_id": 9"#).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(9), app.stop())
        .await
        .expect("the bot stops within the HTTP server's 5 s");
    assert!(started.elapsed() < Duration::from_secs(9));
    assert_eq!(inbox_rows(&app).await, 0);
}

/// Two instances on one PostgreSQL database behind a load balancer: Telegram's requests are
/// spread over both, and one chat's updates are still answered once each, in order. (On
/// SQLite one instance per database runs: its file lock refuses a second, so this runs in the
/// PostgreSQL pass.)
#[tokio::test]
async fn two_instances_behind_a_balancer_answer_each_chats_updates_once_and_in_order() {
    if !rider_bot::db::testing::on_postgres() {
        return;
    }
    let app = TestApp::spawn_webhook().await;
    // The second instance: the same configuration and database, its own port.
    let second = rider_bot::startup::Application::build(&app.config)
        .await
        .expect("a second instance builds on the shared database");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let second_addr = listener.local_addr().unwrap();
    let server = rider_bot::startup::WebhookServer {
        listener,
        path: crate::helpers::WEBHOOK_PATH.into(),
        secret: app.config.webhook_secret.clone().unwrap(),
        routes: axum::Router::new(),
    };
    let second_token = second.shutdown_token();
    let second_run = tokio::spawn(async move { second.run_webhook(server).await });
    let first_addr = app.webhook.flatten().unwrap();
    let rider_bot::emulator::balancer::Balancer { addr: lb, given } =
        rider_bot::emulator::balancer::start(
            vec![first_addr, second_addr],
            crate::helpers::WEBHOOK_PATH,
        )
        .await
        .unwrap();
    app.set_webhook_at(lb).await;

    let codes: Vec<String> = (0..30).map(|i| format!("LB{i:02}")).collect();
    for code in &codes {
        app.emu.send_text(COORDINATOR, &format!("/station {code}"));
    }
    for code in &codes {
        let m = app.next(COORDINATOR).await;
        assert!(
            m.text.contains(code.as_str()),
            "expected {code}, got {:?}",
            m.text
        );
    }
    app.drain(COORDINATOR).await;
    assert!(
        app.emu.untaken(COORDINATOR).is_empty(),
        "each answered once"
    );
    let given: Vec<u64> = given
        .iter()
        .map(|n| n.load(std::sync::atomic::Ordering::SeqCst))
        .collect();
    assert!(
        given.iter().all(|&n| n > 0),
        "both instances received updates: {given:?}"
    );
    rider_bot::startup::shutdown(&second_token).await;
    second_run.await.unwrap().unwrap();
}
