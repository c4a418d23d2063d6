//! The `rider-bot` binary: start-up errors are one clear line naming the variable (no panic, no
//! backtrace), `migrate` creates the database, every subcommand has `--help`.

use std::process::Command;

fn rider_bot(dir: &std::path::Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_rider-bot"));
    cmd.current_dir(dir)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("RUST_LOG", "off");
    cmd
}

fn one_error_line(out: &std::process::Output) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "exactly one line: {stderr:?}");
    assert!(
        !stderr.contains("panicked") && !stderr.contains("backtrace"),
        "{stderr}"
    );
    lines[0].to_owned()
}

#[test]
fn run_without_a_token_stops_with_one_line_naming_it() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path()).arg("run").output().unwrap();
    let line = one_error_line(&out);
    assert!(
        line.starts_with("error: TELOXIDE_TOKEN is not set"),
        "{line}"
    );
}

#[test]
fn a_malformed_coordinator_list_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path())
        .arg("run")
        .env("TELOXIDE_TOKEN", "123:abc")
        .env("COORDINATOR_IDS", "12,abc")
        .output()
        .unwrap();
    let line = one_error_line(&out);
    assert!(
        line.starts_with("error: COORDINATOR_IDS is malformed"),
        "{line}"
    );
}

#[test]
fn an_unwritable_media_dir_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("file"), b"x").unwrap();
    let out = rider_bot(dir.path())
        .arg("run")
        .env("TELOXIDE_TOKEN", "123:abc")
        .env("MEDIA_DIR", "file/media")
        .output()
        .unwrap();
    let line = one_error_line(&out);
    assert!(
        line.starts_with("error: MEDIA_DIR (file/media) is not writable"),
        "{line}"
    );
}

#[test]
fn a_malformed_dotenv_file_stops_start_up() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(".env"), "TELOXIDE_TOKEN='unterminated\n").unwrap();
    let out = rider_bot(dir.path()).arg("migrate").output().unwrap();
    let line = one_error_line(&out);
    assert!(
        line.starts_with("error: .env is malformed: the line for TELOXIDE_TOKEN"),
        "{line}"
    );
    assert!(
        !line.contains("unterminated"),
        "the value is never printed: {line}"
    );
}

#[test]
fn migrate_creates_the_default_database_next_to_the_working_directory() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path()).arg("migrate").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(dir.path().join("rider-bot.db").exists());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("5 applied now"), "{stdout}");
    let again = rider_bot(dir.path()).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&again.stdout).contains("0 applied now"));
}

#[test]
fn every_subcommand_has_help() {
    let dir = tempfile::tempdir().unwrap();
    for sub in [
        vec!["--help"],
        vec!["run", "--help"],
        vec!["migrate", "--help"],
        vec!["seed", "--help"],
    ] {
        let out = rider_bot(dir.path()).args(&sub).output().unwrap();
        assert!(out.status.success(), "{sub:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage: rider-bot"),
            "{sub:?}"
        );
    }
}

#[test]
fn seed_reports_what_it_loaded_and_refuses_a_missing_folder() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path())
        .args(["seed", "--dir", "nope"])
        .output()
        .unwrap();
    let line = one_error_line(&out);
    assert!(line.contains("nope"), "{line}");
    std::fs::create_dir(dir.path().join("seeds")).unwrap();
    std::fs::write(dir.path().join("seeds/unknown.csv"), "a,b\n").unwrap();
    let out = rider_bot(dir.path()).arg("seed").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("unknown.csv: skipped"), "{stdout}");
}

/// The real binary against an emulator: it answers /start, and SIGTERM stops it cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_answers_start_and_stops_cleanly_on_sigterm() {
    use rider_bot::emulator::{Emulator, TgUser};
    use std::time::{Duration, Instant};

    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(42, "Zhangsan", Some("en")).with_username("zhangsan_rides"));
    let dir = tempfile::tempdir().unwrap();
    let mut child = rider_bot(dir.path())
        .arg("run")
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url().to_string())
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    emu.send_text(42, "/start");
    let notice = emu
        .next_message_within(42, Duration::from_secs(30))
        .await
        .expect("the running binary answers /start");
    assert!(notice.text.contains("Privacy notice"), "{}", notice.text);

    let status = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let exit = loop {
        if let Some(exit) = child.try_wait().unwrap() {
            break exit;
        }
        assert!(
            Instant::now() < deadline,
            "rider-bot did not stop within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(exit.success(), "exit {exit:?}: {stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(
        !stderr.contains("Zhangsan") && !stderr.contains("zhangsan_rides"),
        "a name reached the log: {stderr}"
    );
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
    assert!(dir.path().join("rider-bot.db").exists());
}
