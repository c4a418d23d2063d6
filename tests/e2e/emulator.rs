//! The emulator itself: it refuses what Telegram refuses, and injects faults on demand.

use rider_bot::emulator::{Emulator, TgUser};
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup, ParseMode};
use teloxide::{ApiError, RequestError};

use crate::helpers::TestApp;

async fn bot_for(emu: &Emulator) -> Bot {
    Bot::new(emu.token()).set_api_url(emu.api_url())
}

#[tokio::test]
async fn requests_that_break_telegrams_rules_are_refused_and_recorded() {
    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(1, "A", None));
    let bot = bot_for(&emu).await;

    assert!(bot.send_message(ChatId(1), "x".repeat(4097)).await.is_err());
    assert!(bot
        .send_message(ChatId(1), "<b>open")
        .parse_mode(ParseMode::Html)
        .await
        .is_err());
    assert!(bot
        .send_message(ChatId(1), "1.5")
        .parse_mode(ParseMode::MarkdownV2)
        .await
        .is_err());
    let long_data = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback(
        "a",
        "d".repeat(65),
    )]]);
    assert!(bot
        .send_message(ChatId(1), "x")
        .reply_markup(long_data)
        .await
        .is_err());
    assert!(bot.send_message(ChatId(999), "nobody").await.is_err());
    assert!(bot
        .answer_callback_query(teloxide::types::CallbackQueryId("no-such-query".into()))
        .await
        .is_err());

    let violations = emu.take_violations();
    assert_eq!(violations.len(), 6, "{violations:#?}");
    assert!(violations[0].description.contains("too long"));
    assert!(violations[1].description.contains("can't parse entities"));

    // A valid message passes and is recorded as the user would see it.
    let sent = bot
        .send_message(ChatId(1), "<b>Hi</b> &amp; bye")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    assert_eq!(sent.text(), Some("Hi & bye"));
    assert!(emu.violations().is_empty());
}

#[tokio::test]
async fn an_edit_that_changes_nothing_is_refused_like_telegram_does() {
    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(1, "A", None));
    let bot = bot_for(&emu).await;
    let sent = bot.send_message(ChatId(1), "same").await.unwrap();
    let err = bot
        .edit_message_text(ChatId(1), sent.id, "same")
        .await
        .unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::MessageNotModified)),
        "{err:?}"
    );
    assert_eq!(emu.take_violations().len(), 1);
    bot.edit_message_text(ChatId(1), sent.id, "changed")
        .await
        .unwrap();
    assert_eq!(emu.message(1, sent.id.0 as i64).unwrap().text, "changed");
}

#[tokio::test]
async fn faults_on_demand_blocked_rate_limited_and_bad_gateway() {
    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(1, "A", None));
    let bot = bot_for(&emu).await;

    emu.set_blocked(1, true);
    let err = bot.send_message(ChatId(1), "hi").await.unwrap_err();
    assert!(
        matches!(err, RequestError::Api(ApiError::BotBlocked)),
        "{err:?}"
    );
    emu.set_blocked(1, false);

    emu.set_rate_limit(Some(2));
    bot.send_message(ChatId(1), "1").await.unwrap();
    bot.send_message(ChatId(1), "2").await.unwrap();
    let err = bot.send_message(ChatId(1), "3").await.unwrap_err();
    assert!(
        matches!(err, RequestError::RetryAfter(s) if s.seconds() == 1),
        "{err:?}"
    );
    emu.set_rate_limit(None);

    emu.fail_get_updates(1);
    let err = bot.get_updates().await.unwrap_err();
    assert!(
        format!("{err:?}").contains("502") || format!("{err:?}").contains("Bad Gateway"),
        "{err:?}"
    );
    assert!(bot.get_updates().timeout(0).await.is_ok());
    assert!(
        emu.violations().is_empty(),
        "injected faults are not violations"
    );
}

#[tokio::test]
async fn the_bot_recovers_from_a_failed_get_updates() {
    let app = TestApp::spawn().await;
    let rider = app.rider(5001, Some("en"));
    app.emu.fail_get_updates(1);
    app.emu.send_text(rider, "/help");
    // teloxide waits out a back-off after a 5xx before polling again.
    let help = app
        .emu
        .next_message_within(rider, std::time::Duration::from_secs(40))
        .await
        .expect("the bot polls again after a 502 and answers");
    assert!(help.text.starts_with("Rider bot"), "{}", help.text);
    assert!(app.emu.request_count("getUpdates") >= 2);
}

#[tokio::test]
async fn files_photos_venues_and_locations_round_trip() {
    use teloxide::net::Download;
    use teloxide::types::InputFile;

    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(1, "A", None));
    let bot = bot_for(&emu).await;

    // A rider's photo: getFile, then download the bytes.
    let bytes = b"\xff\xd8\xff\xe0 not really a jpeg".to_vec();
    emu.send_photo(1, bytes.clone(), Some("broken bench"));
    let update = bot.get_updates().await.unwrap().pop().unwrap();
    let teloxide::types::UpdateKind::Message(msg) = update.kind else {
        panic!("a message")
    };
    let photo = msg.photo().unwrap().last().unwrap();
    let file = bot.get_file(photo.file.id.clone()).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded)
        .await
        .unwrap();
    assert_eq!(downloaded, bytes);

    // The bot's own upload, sent as multipart, is stored byte for byte.
    let sent = bot
        .send_photo(
            ChatId(1),
            InputFile::memory(b"PNGDATA".to_vec()).file_name("a.png"),
        )
        .caption("<b>Report</b> R-000001")
        .parse_mode(ParseMode::Html)
        .await
        .unwrap();
    let stored = emu.message(1, sent.id.0 as i64).unwrap();
    assert_eq!(stored.kind, "photo");
    assert_eq!(stored.file.as_deref(), Some(&b"PNGDATA"[..]));
    assert_eq!(stored.text, "Report R-000001");
    // Re-sending by file_id works too (teloxide sends it as multipart as well).
    let file_id = sent.photo().unwrap()[0].file.id.clone();
    bot.send_photo(ChatId(1), InputFile::file_id(file_id))
        .await
        .unwrap();

    // A caption over 1,024 characters is refused.
    assert!(bot
        .send_photo(ChatId(1), InputFile::memory(b"x".to_vec()))
        .caption("c".repeat(1025))
        .await
        .is_err());
    assert_eq!(emu.take_violations().len(), 1);

    let venue = bot
        .send_venue(
            ChatId(1),
            31.3075,
            120.7275,
            "Loufeng centre",
            "1 Example Rd",
        )
        .await
        .unwrap();
    assert_eq!(venue.venue().unwrap().title, "Loufeng centre");
    bot.send_location(ChatId(1), 31.3, 120.7).await.unwrap();
    assert!(bot.send_location(ChatId(1), 91.0, 0.0).await.is_err());
    assert_eq!(emu.take_violations().len(), 1);
}

#[tokio::test]
async fn a_reply_that_hits_flood_control_is_retried_and_arrives() {
    let app = TestApp::spawn().await;
    let rider = app.rider(5002, Some("en"));
    app.emu.set_rate_limit(Some(1));
    for _ in 0..3 {
        app.emu.send_text(rider, "/help");
    }
    for i in 0..3 {
        let m = app
            .emu
            .next_message_within(rider, std::time::Duration::from_secs(15))
            .await
            .unwrap_or_else(|| panic!("reply {i} never arrived"));
        assert!(m.text.starts_with("Rider bot"), "{}", m.text);
    }
    app.emu.set_rate_limit(None);
    assert!(
        app.emu.request_count("sendMessage") > 3,
        "some sends met a 429 and were sent again"
    );
}

#[tokio::test]
async fn a_document_over_fifty_megabytes_is_refused_as_telegram_does() {
    use teloxide::types::InputFile;

    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(1, "A", None));
    let bot = bot_for(&emu).await;
    let limit = rider_bot::emulator::limits::MAX_UPLOAD_BYTES;
    assert_eq!(limit, 50 * 1024 * 1024);

    // Exactly 50 MB is taken, with its name; one byte more is 413 and a violation.
    let sent = bot
        .send_document(
            ChatId(1),
            InputFile::memory(vec![b'a'; limit]).file_name("big.csv"),
        )
        .await
        .unwrap();
    let stored = emu.message(1, sent.id.0 as i64).unwrap();
    assert_eq!(stored.file.as_ref().map(Vec::len), Some(limit));
    assert_eq!(stored.file_name.as_deref(), Some("big.csv"));
    assert_eq!(
        sent.document().unwrap().file_name.as_deref(),
        Some("big.csv")
    );
    let err = bot
        .send_document(ChatId(1), InputFile::memory(vec![b'a'; limit + 1]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Too Large"), "{err}");
    let violations = emu.take_violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert!(violations[0]
        .description
        .contains("Request Entity Too Large"));

    // A body past what Telegram reads at all is answered the same way.
    let err = bot
        .send_document(ChatId(1), InputFile::memory(vec![b'a'; limit + (2 << 20)]))
        .await
        .unwrap_err();
    assert!(err.to_string().contains("Too Large"), "{err}");
    assert_eq!(emu.take_violations().len(), 1);

    // A test may lower the limit to cross it without 50 MB of data.
    emu.set_upload_limit(Some(1000));
    bot.send_document(ChatId(1), InputFile::memory(vec![b'a'; 1000]))
        .await
        .unwrap();
    assert!(bot
        .send_document(ChatId(1), InputFile::memory(vec![b'a'; 1001]))
        .await
        .is_err());
    assert_eq!(emu.take_violations().len(), 1);
}

#[tokio::test]
async fn set_webhook_is_checked_as_telegram_checks_it_and_polling_is_refused_while_it_is_set() {
    let emu = Emulator::start().await.unwrap();
    let bot = bot_for(&emu).await;
    let url = |u: &str| url::Url::parse(u).unwrap();
    // Telegram posts only over HTTPS, to ports 443, 80, 88 and 8443 (plain HTTP to this
    // machine, as a local Bot API server allows).
    assert!(bot
        .set_webhook(url("http://bot.example.org/t"))
        .await
        .is_err());
    assert!(bot
        .set_webhook(url("https://bot.example.org:8080/t"))
        .await
        .is_err());
    for n in [0u8, 101] {
        let refused = bot
            .set_webhook(url("https://bot.example.org/t"))
            .max_connections(n)
            .await;
        assert!(refused.is_err(), "max_connections {n}");
    }
    for secret in ["", "has/slash", &"a".repeat(257)] {
        let refused = bot
            .set_webhook(url("https://bot.example.org/t"))
            .secret_token(secret)
            .await;
        assert!(refused.is_err(), "secret of {} characters", secret.len());
    }
    assert_eq!(emu.take_violations().len(), 7);

    bot.set_webhook(url("https://bot.example.org:8443/t"))
        .secret_token("a-Good_secret")
        .max_connections(3)
        .await
        .unwrap();
    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(info.url.unwrap().as_str(), "https://bot.example.org:8443/t");
    assert_eq!(info.max_connections, Some(3));

    let polled = bot.get_updates().await.unwrap_err();
    assert!(
        polled
            .to_string()
            .contains("can't use getUpdates method while webhook is active"),
        "{polled}"
    );
    let violations = emu.take_violations();
    assert_eq!(violations.len(), 1);
    assert_eq!(violations[0].method, "getUpdates");

    bot.delete_webhook().await.unwrap();
    assert!(bot.get_webhook_info().await.unwrap().url.is_none());
    assert!(bot.get_updates().await.unwrap().is_empty());
}

#[tokio::test]
async fn webhook_deliveries_carry_the_secret_stay_pending_on_failure_and_respect_max_connections() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[derive(Default)]
    struct Seen {
        now: AtomicUsize,
        most: AtomicUsize,
        ok: AtomicUsize,
        refused: AtomicUsize,
    }
    let seen = Arc::new(Seen::default());
    let state = seen.clone();
    // A receiver that refuses the first two requests, then takes its time with each.
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: axum::http::HeaderMap| {
            let seen = state.clone();
            async move {
                let secret = headers
                    .get("x-telegram-bot-api-secret-token")
                    .map(|v| v.to_str().unwrap().to_owned());
                assert_eq!(secret.as_deref(), Some("s3cret"));
                if seen.refused.fetch_add(1, Ordering::SeqCst) < 2 {
                    return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                }
                let now = seen.now.fetch_add(1, Ordering::SeqCst) + 1;
                seen.most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
                seen.now.fetch_sub(1, Ordering::SeqCst);
                seen.ok.fetch_add(1, Ordering::SeqCst);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });

    let emu = Emulator::start().await.unwrap();
    for id in 1..=6 {
        emu.add_user(TgUser::new(id, "A", None));
    }
    let bot = bot_for(&emu).await;
    bot.set_webhook(url::Url::parse(&format!("http://{addr}/hook")).unwrap())
        .secret_token("s3cret")
        .max_connections(2)
        .await
        .unwrap();
    for id in 1..=6 {
        emu.send_text(id, "hello");
    }
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while seen.ok.load(Ordering::SeqCst) < 6 {
        assert!(std::time::Instant::now() < deadline, "not all delivered");
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(
        seen.most.load(Ordering::SeqCst),
        2,
        "at most max_connections at once"
    );
    let info = bot.get_webhook_info().await.unwrap();
    assert_eq!(info.pending_update_count, 0);
    assert!(
        info.last_error_message
            .as_deref()
            .is_some_and(|m| m.contains("503")),
        "{info:?}"
    );
    assert!(emu.violations().is_empty());
}
