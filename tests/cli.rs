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
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations"))
        .unwrap()
        .count();
    assert!(
        stdout.contains(&format!("{shipped} applied now, {shipped} in total")),
        "{stdout}"
    );
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
        vec!["import", "stations", "--help"],
        vec!["export", "stations", "--help"],
        vec!["import", "rewards", "--help"],
        vec!["export", "rewards", "--help"],
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

#[test]
fn the_demo_seeds_load_and_export_back_byte_for_byte() {
    let dir = tempfile::tempdir().unwrap();
    let seeds = concat!(env!("CARGO_MANIFEST_DIR"), "/seeds");
    let out = rider_bot(dir.path())
        .args(["seed", "--dir", seeds])
        .output()
        .unwrap();
    assert!(out.status.success());
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "stations.csv: 30 rows\nservices.csv: 5 rows\nrewards.csv: 7 rows\ndepartments.csv: 6 rows\ncategories.csv: 6 rows\n"
    );
    for what in [
        "stations",
        "services",
        "rewards",
        "departments",
        "categories",
    ] {
        let out = rider_bot(dir.path())
            .args(["export", what])
            .output()
            .unwrap();
        assert!(out.status.success());
        let original = std::fs::read(format!("{seeds}/{what}.csv")).unwrap();
        assert_eq!(out.stdout, original, "{what}");
    }
}

#[test]
fn import_takes_the_whole_file_or_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let import = |path: &std::path::Path| {
        rider_bot(dir.path())
            .args(["import", "stations"])
            .arg(path)
            .output()
            .unwrap()
    };
    let export = || {
        rider_bot(dir.path())
            .args(["export", "stations"])
            .output()
            .unwrap()
            .stdout
    };
    const HEAD: &str =
        "code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone\n";
    // Excel's byte-order mark is fine.
    let good = write(
        "good.csv",
        &format!("\u{feff}{HEAD}A,甲,,bar,x,31.3,120.7,wgs84,24/7,water,0,\nB,乙,,bar,y,31.31,120.71,gcj02,Mo-Su 08:00-20:00,,0,\n"),
    );
    let out = import(&good);
    assert!(out.status.success(), "{:?}", out);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "stations: 2 imported (2 new, 0 updated)\n"
    );
    let out = import(&good);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "stations: 2 imported (0 new, 2 updated)\n"
    );
    let before = export();

    for (name, text, expected) in [
        (
            "hours.csv",
            format!("{HEAD}C,丙,,bar,x,31.3,120.7,wgs84,24/7,,0,\nA,甲,,bar,x,31.3,120.7,wgs84,Mo-Xx 08:00,,0,\n"),
            "line 3, column 9 (hours): opening hours \"Mo-Xx 08:00\" do not parse at character",
        ),
        (
            "dup.csv",
            format!("{HEAD}C,丙,,bar,x,31.3,120.7,wgs84,24/7,,0,\nc,丙,,bar,x,31.3,120.7,wgs84,24/7,,0,\n"),
            "line 3, column 1 (code): code C already appears on line 2",
        ),
        (
            "missing.csv",
            "code,name_zh,kind\nC,丙,bar\n".to_owned(),
            "line 1: column name_en is missing",
        ),
        ("empty.csv", String::new(), "the file is empty"),
        ("header.csv", HEAD.to_owned(), "the file has a header but no rows"),
    ] {
        let path = write(name, &text);
        let line = one_error_line(&import(&path));
        assert!(line.contains(expected), "{name}: {line}");
        assert!(line.ends_with("nothing was imported"), "{line}");
        assert_eq!(export(), before, "{name} changed the stations");
    }
    let line = one_error_line(&import(&dir.path().join("absent.csv")));
    assert!(line.starts_with("error: cannot read"), "{line}");
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

#[test]
fn categories_need_their_departments_and_reports_export_as_open311() {
    let dir = tempfile::tempdir().unwrap();
    let cats = dir.path().join("cats.csv");
    std::fs::write(
        &cats,
        "code,name_zh,name_en,department,points,active\ngarbage,垃圾暴露,,sanitation,10,true\n",
    )
    .unwrap();
    let out = rider_bot(dir.path())
        .args(["import", "categories"])
        .arg(&cats)
        .output()
        .unwrap();
    let line = one_error_line(&out);
    assert!(line.contains("line 2, column 4 (department)"), "{line}");
    assert!(line.contains("nothing was imported"), "{line}");
    let deps = dir.path().join("deps.csv");
    std::fs::write(
        &deps,
        "code,name_zh,name_en,active\nsanitation,环卫,Sanitation,true\n",
    )
    .unwrap();
    for (what, file) in [("departments", &deps), ("categories", &cats)] {
        let out = rider_bot(dir.path())
            .args(["import", what])
            .arg(file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = rider_bot(dir.path())
        .args(["export", "reports", "--format", "open311"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json, serde_json::json!([]));
    let out = rider_bot(dir.path())
        .args(["export", "reports", "--format", "csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
