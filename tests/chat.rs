//! `rider-bot chat` driven through its standard input, as a person would type: onboarding, a
//! nearest-station query, a coordinator action, and the colon commands' bad input.

use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

fn chat(input: &str, args: &[&str]) -> String {
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rider-bot"))
        .arg("chat")
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("TMPDIR", dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(input.as_bytes())
        .unwrap();
    let out = wait_with_timeout(child, Duration::from_secs(90));
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "exit {:?}\n{stdout}\n{stderr}",
        out.status
    );
    assert!(
        !stderr.contains("violation"),
        "the bot broke a Bot API rule:\n{stderr}"
    );
    stdout
}

fn wait_with_timeout(child: std::process::Child, limit: Duration) -> std::process::Output {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(child.wait_with_output());
    });
    rx.recv_timeout(limit)
        .expect("rider-bot chat finished")
        .unwrap()
}

/// Asserts `needles` appear in `out` in this order.
fn in_order(out: &str, needles: &[&str]) {
    let mut rest = out;
    for needle in needles {
        match rest.find(needle) {
            Some(at) => rest = &rest[at + needle.len()..],
            None => panic!("{needle:?} missing (or out of order) in:\n{out}"),
        }
    }
}

#[test]
fn a_rider_registers_and_asks_for_the_nearest_station() {
    let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");
    let out = chat(
        "/start\n1\na\nb\na\na\n1\n:location LF-C01\n:quit\n",
        // A Saturday morning: the stations keep their hours, and the nearest are open.
        &["--seed", "--seeds-dir", seeds, "--at", "2026-12-05 10:00"],
    );
    in_order(
        &out,
        &[
            "rider-bot chat (offline)",
            "you (1001): /start",
            "隐私说明",
            "[1] ✅ 同意  [2] English",
            "怎么称呼您",
            "(a) Rider",
            "您在哪个平台",
            "(b) 美团",
            "(a) 📱 分享我的手机号 (shares your phone)",
            "(sharing your phone number +8613800001001)",
            "欢迎您，Rider！注册成功。",
            "(a) 📍 最近的驿站 (shares location)",
            "(sharing a demo location in Loufeng",
            "📍 离你最近的暖“新”驿站（5 公里内）",
            // The service station is 470 m from the demo location; open or closed (the clock
            // is the real one here), it is on the first page.
            "娄葑暖“新”服务站 · 470 米 · 🛵 2 分钟",
            "[1] 🧭 1.",
            "you (1001): 1",
            "[venue]",
            "(standing at LF-C01 娄葑街道暖“新”服务中心",
            "1. 娄葑街道暖“新”服务中心 · 10 米",
            "🟢 24 小时开放",
        ],
    );
}

#[test]
fn a_coordinator_appoints_the_rider_and_the_rider_is_told() {
    let out = chat(
        "/start\n1\na\nb\na\n:as 900\n/appoint 1001\n:group\n:as 1001\n:quit\n",
        &["--lang", "en"],
    );
    in_order(
        &out,
        &[
            "Privacy notice",
            "Welcome, Rider!",
            "(you are now user 900, a coordinator)",
            "Rider is now a grid officer.",
            "(the coordinators' group has no messages yet)",
            "(you are now user 1001, a rider)",
            "You have been appointed a grid officer",
        ],
    );
}

#[test]
fn bad_input_at_the_terminal_gets_a_clear_answer() {
    let out = chat(
        ":location north east\n:location 95 200\n:location LF01\n:photo /no/such/file.jpg\n9\n:as x\n:frobnicate\nz\n:quit\nnever read\n",
        &["--lang", "en"],
    );
    in_order(
        &out,
        &[
            "(:location takes a latitude and a longitude",
            "(:location takes a latitude and a longitude",
            "(no station has code LF01",
            "(cannot read /no/such/file.jpg",
            "(no buttons to press)",
            "(:as ID [name]",
            "(unknown command :frobnicate",
            // A letter with no keyboard on screen is plain text: it starts onboarding.
            "you (1001): z",
            "Privacy notice",
        ],
    );
    assert!(!out.contains("never read"), "input after :quit was read");
}

#[test]
fn the_whole_tour_register_sign_up_report_accept_as_coordinator_and_see_the_points() {
    let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");
    let out = chat(
        "/start\n1\na\nb\na\nb\n1\n1\n/report\n1\n:photo\na\na\na\n1\n:as 900\n:group\n1\n:as 1001\n/points\n:quit\n",
        // Before the day's first session: on the system clock, between 09:00 and 11:30 in
        // the district the soonest session had begun and offered no sign-up.
        &["--seed", "--seeds-dir", seeds, "--lang", "en", "--at", "2026-12-05 08:00"],
    );
    in_order(
        &out,
        &[
            "categories.csv: 6 rows",
            "Welcome, Rider!",
            // Free services: the list (whatever is next this week), a card, sign up.
            "you (1001): b",
            "Free services (page 1 of",
            "you (1001): 1",
            "[1] ✅ Sign up",
            "✅ you are signed up",
            "(notice) ✅ Signed up.",
            "you (1001): /report",
            "[1] Exposed garbage",
            "(sending a demo picture)",
            "Photo 1 of 3 added",
            "(sharing a demo location in Loufeng",
            "Add a note",
            "Place: near Loufeng Warm Service Station",
            "[1] ✅ Confirm",
            "Your report number is R-000001",
            "(you are now user 900, a coordinator)",
            "--- coordinators' group ---",
            "[photo",
            "R-000001 · 垃圾暴露",
            "[1] ✅ 受理",
            "(in the coordinators' group)",
            "✅ 已受理 — @coordinator900",
            "(you are now user 1001, a rider)",
            "Your report R-000001 (Exposed garbage) was accepted",
            "+10 points",
            "My points: 10 available",
        ],
    );
}

#[test]
fn chat_seed_works_from_an_empty_folder_with_the_seeds_compiled_in() {
    // No --seeds-dir: the demo stations come from the binary itself.
    let out = chat(
        "/start\n1\na\nb\na\n:location LF-C01\n:quit\n",
        &["--seed", "--lang", "en", "--at", "2026-12-05 23:10"],
    );
    in_order(
        &out,
        &[
            "stations.csv: 30 rows",
            "categories.csv: 6 rows",
            "Privacy notice",
            "(standing at LF-C01",
            "1. Loufeng Warm Service Centre · 10 m",
            "🟢 Open 24 hours",
        ],
    );
}

#[test]
fn a_live_location_at_the_station_checks_a_seated_rider_in() {
    let out = chat(
        "/start\n1\na\nb\na\nb\n1\n1\n:location LF-S01\n:live LF-S01\n:quit\n",
        &["--seed", "--lang", "en", "--at", "2026-12-05 08:30"],
    );
    in_order(
        &out,
        &[
            "Welcome, Rider!",
            "Free haircut",
            "you (1001): :location LF-S01",
            "To check in, share a live location",
            "you (1001): :live LF-S01",
            "Checked in to Free haircut",
            "+20 points",
        ],
    );
}
