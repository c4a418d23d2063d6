//! One account's flood slows nobody else: past `FLOOD_BURST` (at the production defaults here),
//! a person's updates are dropped before the dispatcher, with one "slow down" notice, and
//! everyone else is answered as usual.

use std::time::Duration;

use rider_bot::i18n::Lang;

use crate::helpers::{first_words, TestApp};

const BURST: usize = 20;

#[tokio::test]
async fn one_riders_flood_is_cut_off_before_the_dispatcher_and_others_are_answered() {
    let app = TestApp::spawn_with(&[("FLOOD_BURST", "20"), ("FLOOD_PER_MINUTE", "60")]).await;
    let flooder = app.rider(9100, Some("en"));
    let other = app.rider(9101, Some("en"));
    app.register(other, Lang::En).await;
    let help = first_words(Lang::En, "help");
    let slow_down = first_words(Lang::En, "flood-slow-down");

    for _ in 0..300 {
        app.emu.send_text(flooder, "/help");
    }
    app.emu.send_text(other, "/help");
    app.expect_text(other, &help).await;

    // The notice comes once; what got through is at most the burst and the refill meanwhile.
    app.expect_text(flooder, &slow_down).await;
    // Waits until the bot has said all it will (nothing new for a second).
    loop {
        let before = app.emu.sent_count();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        if app.emu.sent_count() == before {
            break;
        }
    }
    let sent = app.emu.chat_messages(flooder);
    let notices = sent.iter().filter(|m| m.text.contains(&slow_down)).count();
    let answers = sent.iter().filter(|m| m.text.contains(&help)).count();
    assert_eq!(notices, 1, "one notice, not one per dropped message");
    assert!(
        (BURST / 2..=BURST + 5).contains(&answers),
        "{answers} of 300 answered"
    );
    assert!(app.emu.take_violations().is_empty());

    // A short while later the rider is heard again, without a second notice.
    tokio::time::sleep(Duration::from_millis(2100)).await;
    app.drain(flooder).await;
    app.emu.send_text(flooder, "/help");
    let m = app.next(flooder).await;
    assert!(m.text.contains(&help), "{:?}", m.text);
}

#[tokio::test]
async fn a_flood_in_the_coordinators_group_gets_no_notice_there() {
    let group = -100_777;
    let app = TestApp::spawn_with_groups(
        &[
            ("FLOOD_BURST", "5"),
            ("FLOOD_PER_MINUTE", "60"),
            ("COORDINATOR_CHAT_ID", "-100777"),
        ],
        |_| {},
        &[(group, "Coordinators")],
    )
    .await;
    let someone = app.rider(9102, Some("en"));
    for i in 0..50 {
        app.emu.group_text(group, someone, &format!("message {i}"));
    }
    // Then the same person in private: dropped too, and told there once.
    app.emu.send_text(someone, "/help");
    let slow_down = first_words(Lang::En, "flood-slow-down");
    app.expect_text(someone, &slow_down).await;
    let in_group = app.emu.chat_messages(group);
    assert!(
        in_group.iter().all(|m| !m.text.contains(&slow_down)),
        "{in_group:?}"
    );
}
