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

#[tokio::test]
async fn migrate_applies_the_postgresql_migrations_to_a_postgres_database_url() {
    use sqlx::Connection;
    let server = "postgres://postgres@127.0.0.1:5432";
    let name = format!("rb_cli_{:016x}", rand::random::<u64>());
    let mut admin = sqlx::PgConnection::connect(&format!("{server}/postgres"))
        .await
        .expect("PostgreSQL at 127.0.0.1:5432 (these tests need it)");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut admin)
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path())
        .arg("migrate")
        .env("DATABASE_URL", format!("{server}/{name}"))
        .output()
        .unwrap();
    sqlx::query(&format!("DROP DATABASE {name} WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let known = rider_bot::db::postgres::MIGRATOR.iter().count();
    assert!(
        stdout.starts_with(&format!(
            "migrations: {known} applied now, {known} in total"
        )),
        "{stdout}"
    );
    // No lock file beside a PostgreSQL database, nor an SQLite file made by mistake.
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 0);
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
    let shipped = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/migrations/sqlite"))
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
        vec!["doctor", "--help"],
        vec!["backup", "--help"],
        vec!["restore", "--help"],
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
    let out = rider_bot(dir.path())
        .args(["seed", "--dir", "seeds"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("unknown.csv: skipped"), "{stdout}");
}

#[test]
fn seed_works_from_an_empty_folder_with_the_seeds_compiled_in() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path()).arg("seed").output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "stations.csv: 30 rows\nservices.csv: 5 rows\nrewards.csv: 7 rows\ndepartments.csv: 6 rows\ncategories.csv: 6 rows\n"
    );
}

#[test]
fn a_fresh_database_gets_the_report_categories_on_migrate() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path()).arg("migrate").output().unwrap();
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("defaults: departments.csv: 6 rows"),
        "{stdout}"
    );
    assert!(
        stdout.contains("defaults: categories.csv: 6 rows"),
        "{stdout}"
    );
    let out = rider_bot(dir.path())
        .args(["export", "categories"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("垃圾"));
    // Stations stay the district's own data.
    let out = rider_bot(dir.path())
        .args(["export", "stations"])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&out.stdout).lines().count(), 1);
}

#[test]
fn version_names_the_release_and_the_commit() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path()).arg("--version").output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.starts_with(&format!("rider-bot {} (commit ", env!("CARGO_PKG_VERSION"))),
        "{stdout}"
    );
}

#[test]
fn csv_files_from_excel_name_the_right_line_and_gbk_imports_intact() {
    let dir = tempfile::tempdir().unwrap();
    let header =
        "code,name_zh,name_en,kind,address,lat,lng,datum,hours,services,parking_spots,phone";
    let good = "A,葑谊驿站,,station,葑谊街 1 号,31.3,120.7,wgs84,24/7,water,0,";
    let bad = "B,东港驿站,,station,东港路 2 号,31.3,120.7,wgs84,Mo-Xx 08:00,water,0,";
    for (ending, name) in [("\n", "lf"), ("\r\n", "crlf"), ("\r", "cr")] {
        let file = dir.path().join(format!("{name}.csv"));
        std::fs::write(&file, [header, good, "", bad, ""].join(ending)).unwrap();
        let out = rider_bot(dir.path())
            .args(["import", "stations"])
            .arg(&file)
            .output()
            .unwrap();
        let line = one_error_line(&out);
        assert!(line.contains("line 4, column 9 (hours)"), "{name}: {line}");
    }
    // Excel's "CSV (comma delimited)" on a Chinese Windows: GBK, CRLF.
    let text = [header, good, ""].join("\r\n");
    let (gbk, _, _) = encoding_rs::GBK.encode(&text);
    let file = dir.path().join("gbk.csv");
    std::fs::write(&file, &gbk).unwrap();
    let out = rider_bot(dir.path())
        .args(["import", "stations"])
        .arg(&file)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("read as GB18030/GBK"), "{stdout}");
    let out = rider_bot(dir.path())
        .args(["export", "stations"])
        .output()
        .unwrap();
    let export = String::from_utf8(out.stdout).expect("exports are UTF-8");
    assert!(
        export.contains("葑谊驿站") && export.contains("葑谊街 1 号"),
        "{export}"
    );
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
        "stations: 2 imported (2 new, 0 updated); read as UTF-8\n"
    );
    let out = import(&good);
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "stations: 2 imported (0 new, 2 updated); read as UTF-8\n"
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
        .args(["export", "reports", "--with-notes"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = rider_bot(dir.path())
        .args(["export", "reports", "--format", "csv"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}

/// A `rider-bot run` child against `emu`, in `dir`, with `vars`.
fn spawn_run(
    dir: &std::path::Path,
    emu: &rider_bot::emulator::Emulator,
    vars: &[(&str, &str)],
) -> std::process::Child {
    let mut cmd = rider_bot(dir);
    cmd.arg("run")
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url().to_string())
        .stderr(std::process::Stdio::null());
    for (k, v) in vars {
        cmd.env(k, v);
    }
    cmd.spawn().unwrap()
}

fn kill(mut child: std::process::Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// The next message to `chat` whose text contains `needle` (within 30 s).
async fn expect(
    emu: &rider_bot::emulator::Emulator,
    chat: i64,
    needle: &str,
) -> rider_bot::emulator::BotMessage {
    loop {
        let m = emu
            .next_message_within(chat, std::time::Duration::from_secs(30))
            .await
            .unwrap_or_else(|| panic!("no message with {needle:?} to {chat}"));
        if m.text.contains(needle) {
            return m;
        }
    }
}

/// Registers rider `id` through the running bot, in English.
async fn register(emu: &rider_bot::emulator::Emulator, id: i64) {
    use rider_bot::i18n::{t, Lang};
    emu.send_text(id, "/start");
    let notice = expect(emu, id, "Privacy notice").await;
    emu.press(id, &notice, &t(Lang::En, "btn-accept"));
    expect(emu, id, "What should we call you").await;
    emu.send_text(id, "Zhang San");
    expect(emu, id, "Which platform").await;
    emu.send_text(id, &t(Lang::En, "platform-meituan"));
    expect(emu, id, "phone").await;
    emu.send_contact(id, "+86 138 0000 0000", Some(id));
    expect(emu, id, "Welcome").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fresh_run_from_an_empty_folder_takes_a_report_without_any_import() {
    use rider_bot::emulator::{Emulator, TgUser};
    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(42, "Zhang", Some("en")));
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_run(dir.path(), &emu, &[]);
    register(&emu, 42).await;
    emu.send_text(42, "/report");
    let categories = expect(&emu, 42, "What is the problem").await;
    let labels: Vec<String> = categories
        .inline_buttons()
        .into_iter()
        .map(|b| b.0)
        .collect();
    assert!(labels.contains(&"Exposed garbage".to_owned()), "{labels:?}");
    // Filed to the end: a photo, the place, no note, Confirm.
    let en = |key: &str| rider_bot::i18n::t(rider_bot::i18n::Lang::En, key);
    emu.press(42, &categories, "Exposed garbage");
    expect(&emu, 42, "Send a photo").await;
    emu.send_photo(42, rider_bot::reports::media::sample_jpeg_with_exif(), None);
    expect(&emu, 42, "Photo 1 of 3").await;
    emu.send_text(42, &en("report-btn-done"));
    expect(&emu, 42, "Where is it").await;
    emu.send_location(42, 31.3, 120.7);
    expect(&emu, 42, "Add a note").await;
    emu.send_text(42, &en("report-btn-skip"));
    let summary = expect(&emu, 42, "Exposed garbage").await;
    emu.press(42, &summary, &en("report-btn-confirm"));
    expect(&emu, 42, "R-000001").await;
    kill(child);
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn doctor_passes_then_names_what_is_wrong() {
    use rider_bot::emulator::Emulator;
    let emu = Emulator::start().await.unwrap();
    const GROUP: &str = "-1001234";
    emu.add_group(-1001234, "Coordinators");
    let dir = tempfile::tempdir().unwrap();
    assert!(rider_bot(dir.path())
        .arg("migrate")
        .output()
        .unwrap()
        .status
        .success());
    let doctor = |vars: &[(&str, &str)]| {
        let mut cmd = rider_bot(dir.path());
        cmd.arg("doctor")
            .env("TELOXIDE_API_URL", emu.api_url().to_string())
            .env("COORDINATOR_CHAT_ID", GROUP);
        for (k, v) in vars {
            cmd.env(k, v);
        }
        cmd.output().unwrap()
    };
    let out = doctor(&[("TELOXIDE_TOKEN", emu.token())]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{stdout}");
    for check in [
        "configuration",
        "token",
        "coordinators' group",
        "media folder",
        "database",
        "clock",
    ] {
        assert!(stdout.contains(&format!("✅ {check}")), "{check}: {stdout}");
    }
    assert!(!stdout.contains('❌'), "{stdout}");

    // The bot removed from the group: one red line with the fix, and a failing exit.
    emu.remove_bot_from_group(-1001234);
    let out = doctor(&[("TELOXIDE_TOKEN", emu.token())]);
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(!out.status.success());
    let red: Vec<&str> = stdout.lines().filter(|l| l.starts_with('❌')).collect();
    assert_eq!(red.len(), 1, "{stdout}");
    assert!(
        red[0].contains("add @") && red[0].contains(GROUP),
        "{stdout}"
    );

    // A malformed token, a refused one, no Bot API at all.
    let out = doctor(&[("TELOXIDE_TOKEN", "not-a-token")]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .starts_with("❌ configuration: TELOXIDE_TOKEN is malformed"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = doctor(&[("TELOXIDE_TOKEN", "999:wrongsecret")]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("❌ token: the Bot API refused it"));
    let out = doctor(&[
        ("TELOXIDE_TOKEN", emu.token()),
        ("TELOXIDE_API_URL", "http://127.0.0.1:9"),
    ]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stdout).contains("❌ token: cannot reach the Bot API"));
    // Nothing of the live data changed: the database is still current.
    let out = rider_bot(dir.path()).arg("migrate").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("0 applied now"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn backup_during_a_burst_holds_every_committed_row_and_restore_checks_first() {
    use rider_bot::emulator::{Emulator, TgUser};
    let emu = Emulator::start().await.unwrap();
    for id in 1..=300 {
        emu.add_user(TgUser::new(10_000 + id, "Rider", Some("en")));
    }
    let dir = tempfile::tempdir().unwrap();
    let child = spawn_run(dir.path(), &emu, &[]);
    emu.send_text(10_001, "/start");
    expect(&emu, 10_001, "Privacy notice").await;
    // A burst of updates while the backup is taken.
    for id in 2..=300 {
        emu.send_text(10_000 + id, "/start");
    }
    let live = dir.path().join("rider-bot.db");
    let url = format!("sqlite://{}?mode=ro", live.display());
    let pool = rider_bot::db::Pool::connect(&url).await.unwrap();
    let count = |pool: rider_bot::db::Pool| async move {
        sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM users")
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let before = count(pool.clone()).await;
    let out = rider_bot(dir.path())
        .args(["backup", "copy.db", "--media", "media-copy"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("backup: copy.db"), "{stdout}");
    assert!(stdout.contains("integrity ok"), "{stdout}");
    let copy = rider_bot::db::Pool::connect(&format!(
        "sqlite://{}?mode=ro",
        dir.path().join("copy.db").display()
    ))
    .await
    .unwrap();
    let in_copy = count(copy.clone()).await;
    assert!(
        in_copy >= before,
        "the copy holds {in_copy} users, {before} were committed before"
    );
    let check: String = sqlx::query_scalar("PRAGMA integrity_check")
        .fetch_one(&copy)
        .await
        .unwrap();
    assert_eq!(check, "ok");
    copy.close().await;
    // A backup never overwrites, and needs its folder.
    let out = rider_bot(dir.path())
        .args(["backup", "copy.db"])
        .output()
        .unwrap();
    assert!(one_error_line(&out).contains("already exists"));
    let out = rider_bot(dir.path())
        .args(["backup", "no/such/folder/copy.db"])
        .output()
        .unwrap();
    assert!(one_error_line(&out).contains("does not exist"));

    // Restore refuses while the bot runs.
    let out = rider_bot(dir.path())
        .args(["restore", "copy.db"])
        .output()
        .unwrap();
    assert!(one_error_line(&out).contains("another rider-bot is using this database"));
    for id in 2..=300 {
        expect(&emu, 10_000 + id, "Privacy notice").await;
    }
    kill(child);
    pool.close().await;
    let after = {
        let pool = rider_bot::db::Pool::connect(&url).await.unwrap();
        count(pool).await
    };
    assert_eq!(after, 300, "every /start made its user");

    // A file that is not a database, and one from a newer release: refused, nothing changed.
    std::fs::write(dir.path().join("notes.txt"), "not a database").unwrap();
    let out = rider_bot(dir.path())
        .args(["restore", "notes.txt"])
        .output()
        .unwrap();
    assert!(one_error_line(&out).contains("is not a rider-bot database"));
    std::fs::copy(dir.path().join("copy.db"), dir.path().join("newer.db")).unwrap();
    {
        let newer = rider_bot::db::Pool::connect(&format!(
            "sqlite://{}",
            dir.path().join("newer.db").display()
        ))
        .await
        .unwrap();
        sqlx::query(
            "INSERT INTO _sqlx_migrations (version, description, installed_on, success, checksum, execution_time)
             VALUES (99991231000000, 'from the future', '2099-01-01', 1, x'00', 0)",
        )
        .execute(&newer)
        .await
        .unwrap();
        newer.close().await;
    }
    let out = rider_bot(dir.path())
        .args(["restore", "newer.db"])
        .output()
        .unwrap();
    assert!(one_error_line(&out).contains("written by a newer rider-bot"));
    let still = {
        let pool = rider_bot::db::Pool::connect(&url).await.unwrap();
        count(pool).await
    };
    assert_eq!(still, 300, "refused restores change nothing");

    // The good copy restores; the database then holds what the copy held.
    let out = rider_bot(dir.path())
        .args(["restore", "copy.db"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.starts_with("restored copy.db"), "{stdout}");
    assert!(stdout.contains("kept as"), "{stdout}");
    assert!(dir.path().join("rider-bot.db.before-restore").exists());
    let restored = {
        let pool = rider_bot::db::Pool::connect(&url).await.unwrap();
        count(pool).await
    };
    assert_eq!(restored, in_copy);
}

#[test]
fn log_format_json_writes_one_object_a_line() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path())
        .arg("run")
        .env("TELOXIDE_TOKEN", "1:abc")
        .env("TELOXIDE_API_URL", "http://127.0.0.1:9")
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "info")
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    let objects: Vec<serde_json::Value> = stderr
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    // The start-up checks are logged, the token's as a warning.
    assert!(
        objects
            .iter()
            .any(|o| o["level"] == "WARN" && o["fields"]["check"] == "token"),
        "{stderr}"
    );
    // The final error stays one plain line.
    assert!(
        stderr.lines().last().unwrap().starts_with("error: "),
        "{stderr}"
    );
}

/// kill -9 in the middle of a 1,000-rider broadcast, then start again: it finishes, nobody has
/// it twice, and the figures add up (a send whose answer never came is counted unknown, not
/// repeated).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broadcast_killed_halfway_finishes_after_a_restart_and_nobody_gets_it_twice() {
    use rider_bot::broadcasts::{Audience, Body, Draft};
    use rider_bot::emulator::{Emulator, TgUser};
    use std::time::{Duration, Instant};

    const RIDERS: i64 = 1000;
    const TEXT: &str = "Cold wave tonight: the stations stay open until 02:00";
    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(900, "Coordinator", Some("en")));
    for id in 0..RIDERS {
        emu.add_user(TgUser::new(20_000 + id, "Rider", Some("en")));
    }
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("bot.db");
    let url = format!("sqlite://{}", db.display());
    let vars = [
        ("DATABASE_URL", url.as_str()),
        ("COORDINATOR_IDS", "900"),
        ("ALLOW_PAID_BROADCAST", "true"),
        ("OUTBOX_PAID_PER_SECOND", "100"),
    ];
    let first = spawn_run(dir.path(), &emu, &vars);
    // Started: it polls for updates once its database is migrated.
    let deadline = Instant::now() + Duration::from_secs(30);
    while emu.request_count("getUpdates") == 0 {
        assert!(Instant::now() < deadline, "rider-bot did not start");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let pool = rider_bot::db::connect(&url).await.unwrap();
    let mut tx = rider_bot::db::begin_write(&pool).await.unwrap();
    for id in 0..RIDERS {
        sqlx::query(
            "INSERT INTO users (id, status, role, lang, name, created_at, updated_at)
             VALUES ($1, 'registered', 'rider', 'en', 'Rider', 'x', 'x')",
        )
        .bind(20_000 + id)
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let draft = Draft {
        body: Body::Text {
            text: TEXT.into(),
            entities: serde_json::json!([]),
        },
        audience: Audience::All,
        urgent: false,
        button: None,
    };
    let now = chrono::Utc::now();
    let sent = rider_bot::broadcasts::domain::send(
        &pool,
        rider_bot::users::UserId(900),
        &draft,
        "kill-test",
        None,
        now,
    )
    .await
    .unwrap();
    assert_eq!(sent.recipients, RIDERS as usize);

    let delivered = |emu: &Emulator| {
        emu.all_messages()
            .iter()
            .filter(|m| m.text == TEXT)
            .map(|m| m.chat_id)
            .collect::<Vec<_>>()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while delivered(&emu).len() < 300 {
        assert!(Instant::now() < deadline, "the broadcast did not get going");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    kill(first); // SIGKILL: no clean-up of any kind
    let at_kill = delivered(&emu).len();
    assert!(at_kill < RIDERS as usize, "killed after it had finished");

    let second = spawn_run(dir.path(), &emu, &vars);
    let deadline = Instant::now() + Duration::from_secs(90);
    loop {
        let status: String = sqlx::query_scalar("SELECT status FROM broadcasts WHERE id = $1")
            .bind(sent.id)
            .fetch_one(&pool)
            .await
            .unwrap();
        if status == "done" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the broadcast did not finish: {status}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    kill(second);

    let chats = delivered(&emu);
    let unique: std::collections::HashSet<i64> = chats.iter().copied().collect();
    assert_eq!(unique.len(), chats.len(), "somebody got it twice");
    let mut conn = pool.acquire().await.unwrap();
    let f = rider_bot::broadcasts::store::figures(&mut conn, sent.id)
        .await
        .unwrap();
    eprintln!("killed after {at_kill} delivered; {f:?}");
    assert_eq!(f.recipients, RIDERS);
    assert_eq!(
        f.sent + f.unknown + f.unreachable + f.failed + f.dropped,
        RIDERS,
        "{f:?}"
    );
    assert_eq!(
        (f.pending, f.failed, f.unreachable, f.dropped),
        (0, 0, 0, 0),
        "{f:?}"
    );
    assert!(
        f.unknown <= 16,
        "at most the sends in flight at the kill: {f:?}"
    );
    assert!(
        (f.sent as usize..=(f.sent + f.unknown) as usize).contains(&chats.len()),
        "delivered {} for {f:?}",
        chats.len()
    );
    let done: String = sqlx::query_scalar(
        "SELECT detail FROM audit_log WHERE action = 'broadcast_done' ORDER BY id DESC LIMIT 1",
    )
    .fetch_one(&mut *conn)
    .await
    .unwrap();
    assert!(done.contains(&format!("{} sent", f.sent)), "{done}");
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

/// `rider-bot webhook …` against `emu` in `dir`, off the async threads.
async fn webhook_cli(
    dir: &std::path::Path,
    emu: &rider_bot::emulator::Emulator,
    args: &[&str],
    secret: Option<&str>,
) -> std::process::Output {
    let mut cmd = rider_bot(dir);
    cmd.arg("webhook")
        .args(args)
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url().to_string());
    if let Some(secret) = secret {
        cmd.env("WEBHOOK_SECRET", secret);
    }
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn stdout_of(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhook_set_info_and_delete_talk_to_the_bot_api_with_one_line_errors() {
    use rider_bot::emulator::Emulator;
    let emu = Emulator::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let secret = Some("cli-Secret_42");
    let url = "https://bot.example.org/telegram";

    let line = one_error_line(&webhook_cli(dir, &emu, &["set", url], None).await);
    assert!(
        line.starts_with("error: WEBHOOK_SECRET is not set"),
        "{line}"
    );
    let wrong = webhook_cli(dir, &emu, &["set", url], Some("not/allowed")).await;
    let line = one_error_line(&wrong);
    assert!(
        line.starts_with("error: WEBHOOK_SECRET is malformed"),
        "{line}"
    );
    assert!(!line.contains("not/allowed"), "{line}");
    let args = ["set", url, "--allowed-updates", "message,bogus"];
    let line = one_error_line(&webhook_cli(dir, &emu, &args, secret).await);
    assert!(line.contains("\"bogus\" is not an update type"), "{line}");
    let args = ["set", "http://bot.example.org/telegram"];
    let line = one_error_line(&webhook_cli(dir, &emu, &args, secret).await);
    assert!(line.starts_with("error: setWebhook failed"), "{line}");
    assert!(line.contains("HTTPS URL"), "{line}");
    assert_eq!(emu.take_violations().len(), 1);

    let args = ["set", url, "--max-connections", "5"];
    let out = stdout_of(&webhook_cli(dir, &emu, &args, secret).await);
    assert_eq!(
        out.trim(),
        format!("webhook set: {url} (updates: message,callback_query,my_chat_member)")
    );
    let info = stdout_of(&webhook_cli(dir, &emu, &["info"], None).await);
    for line in [
        format!("url: {url}"),
        "pending_update_count: 0".into(),
        "last_error: none".into(),
        "max_connections: 5".into(),
        "allowed_updates: message,callback_query,my_chat_member".into(),
    ] {
        assert!(info.lines().any(|l| l == line), "{line:?} in {info}");
    }
    let out = stdout_of(&webhook_cli(dir, &emu, &["delete", "--drop-pending-updates"], None).await);
    assert!(out.starts_with("webhook deleted"), "{out}");
    let info = stdout_of(&webhook_cli(dir, &emu, &["info"], None).await);
    assert!(info.starts_with("url: (none: long polling)"), "{info}");
    let out = rider_bot(dir)
        .args(["webhook", "set", url, "--max-connections", "101"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

#[test]
fn run_in_webhook_mode_needs_the_secret() {
    let dir = tempfile::tempdir().unwrap();
    let out = rider_bot(dir.path())
        .args(["run", "--webhook", "https://bot.example.org/telegram"])
        .env("TELOXIDE_TOKEN", "123:abc")
        .output()
        .unwrap();
    let line = one_error_line(&out);
    assert!(
        line.starts_with("error: WEBHOOK_SECRET is not set"),
        "{line}"
    );
}

/// The real binary in webhook mode: it serves HTTP_ADDR at the URL's path, answers /start
/// delivered by webhook, and SIGTERM stops it cleanly.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_webhook_answers_start_and_stops_cleanly_on_sigterm() {
    use rider_bot::emulator::{Emulator, TgUser};
    use std::time::{Duration, Instant};

    let emu = Emulator::start().await.unwrap();
    emu.add_user(TgUser::new(43, "Lisi", Some("en")));
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let url = format!("http://127.0.0.1:{port}/hook/telegram");
    let dir = tempfile::tempdir().unwrap();
    let out = webhook_cli(dir.path(), &emu, &["set", &url], Some("run-Secret")).await;
    stdout_of(&out);
    let mut child = rider_bot(dir.path())
        .args(["run", "--webhook", &url])
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url().to_string())
        .env("WEBHOOK_SECRET", "run-Secret")
        .env("HTTP_ADDR", format!("127.0.0.1:{port}"))
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    emu.send_text(43, "/start");
    let notice = emu
        .next_message_within(43, Duration::from_secs(30))
        .await
        .expect("the running binary answers /start by webhook");
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
            "not stopped within 20 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    assert!(exit.success(), "exit {exit:?}: {stderr}");
    assert!(stderr.contains("Telegram posts to this URL"), "{stderr}");
    assert!(stderr.contains("stopped"), "{stderr}");
    assert!(!stderr.contains("Lisi"), "a name reached the log: {stderr}");
    assert_eq!(emu.request_count("getUpdates"), 0);
    assert!(emu.violations().is_empty(), "{:?}", emu.violations());
}

/// Polling while a webhook is set is refused by Telegram: `run` says so at start.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_warns_when_a_webhook_keeps_it_from_polling() {
    use rider_bot::emulator::Emulator;
    use std::time::{Duration, Instant};

    let emu = Emulator::start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let url = "https://bot.example.org/telegram";
    stdout_of(&webhook_cli(dir.path(), &emu, &["set", url], Some("a-Secret")).await);
    let mut child = rider_bot(dir.path())
        .arg("run")
        .env("TELOXIDE_TOKEN", emu.token())
        .env("TELOXIDE_API_URL", emu.api_url().to_string())
        .env("RUST_LOG", "info")
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while emu.request_count("getUpdates") == 0 {
        assert!(Instant::now() < deadline, "run never polled");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let mut stderr = String::new();
    std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
    child.wait().unwrap();
    assert!(stderr.contains("a webhook is set"), "{stderr}");
    assert!(stderr.contains(url), "{stderr}");
    // The refusals were Telegram's 409s, nothing else.
    let violations = emu.take_violations();
    assert!(!violations.is_empty());
    assert!(
        violations.iter().all(|v| v.method == "getUpdates"
            && v.description.starts_with("Conflict: can't use getUpdates")),
        "{violations:?}"
    );
}

#[test]
fn backup_and_restore_on_postgresql_point_to_its_own_tools() {
    let dir = tempfile::tempdir().unwrap();
    let url = "postgres://postgres@127.0.0.1:5432/rider_bot_never_opened";
    for (args, words) in [
        (vec!["backup", "copy.db"], "pg_dump"),
        (vec!["restore", "copy.db"], "pg_restore"),
    ] {
        let out = rider_bot(dir.path())
            .args(&args)
            .env("DATABASE_URL", url)
            .output()
            .unwrap();
        let line = one_error_line(&out);
        assert!(
            line.starts_with("error: the database is PostgreSQL: ") && line.contains(words),
            "{line}"
        );
    }
    assert!(!dir.path().join("copy.db").exists());
}
