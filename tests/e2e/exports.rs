//! `/export` through the emulator: each file after real actions (reports moved through their
//! lifecycle, riders registered, points paid and adjusted, sign-ups checked in, posters
//! scanned, feedback received), fetched back as the document the bot sent and parsed as CSV:
//! the BOM, the header, the rows, the report times from their history, phones masked unless
//! asked for (and that audited), a rider refused, every bad request answered with an example,
//! an empty period, and Telegram's document limit (zipped, or refused when still too large).

use std::collections::HashMap;
use std::io::Read;

use chrono::Duration;
use rider_bot::emulator::BotMessage;
use rider_bot::exports::columns::header;
use rider_bot::exports::domain::Table;
use rider_bot::i18n::{t, Lang};
use rider_bot::users::UserId;

use crate::helpers::{first_words, TestApp, COORDINATOR};
use crate::reports::{file, photo, CENTRE};

/// A CSV file as its header and its rows, each row by column name.
struct Csv {
    header: Vec<String>,
    rows: Vec<HashMap<String, String>>,
}

impl Csv {
    fn parse(bytes: &[u8]) -> Csv {
        let body = bytes
            .strip_prefix(b"\xEF\xBB\xBF")
            .expect("the file starts with the UTF-8 BOM");
        assert!(!body.starts_with(b"\xEF\xBB\xBF"), "one BOM, not two");
        let mut reader = csv::Reader::from_reader(body);
        let header: Vec<String> = reader
            .headers()
            .unwrap()
            .iter()
            .map(str::to_owned)
            .collect();
        let rows = reader
            .records()
            .map(|r| {
                let r = r.unwrap();
                assert_eq!(r.len(), header.len(), "{r:?}");
                header
                    .iter()
                    .cloned()
                    .zip(r.iter().map(str::to_owned))
                    .collect()
            })
            .collect();
        Csv { header, rows }
    }

    fn expect_header(&self, table: Table) {
        assert_eq!(self.header, header(table), "{table:?}");
    }

    /// The row whose `column` is `value`.
    fn row(&self, column: &str, value: &str) -> &HashMap<String, String> {
        self.rows
            .iter()
            .find(|r| r[column] == value)
            .unwrap_or_else(|| panic!("no row with {column} = {value}"))
    }
}

fn zh(key: &str) -> String {
    t(Lang::Zh, key)
}

/// Sends `/export ARGS` as the coordinator and waits for the file: the "preparing…" message,
/// the document, and "preparing…" edited to say it is ready. Returns the document.
async fn export(app: &TestApp, args: &str) -> BotMessage {
    app.emu.send_text(COORDINATOR, &format!("/export {args}"));
    let preparing = app
        .expect_text(COORDINATOR, &first_words(Lang::Zh, "export-preparing"))
        .await;
    let document = app.next(COORDINATOR).await;
    assert_eq!(document.kind, "document", "{}", document.text);
    let ready = app
        .edited(COORDINATOR, preparing.message_id, preparing.edits)
        .await;
    assert!(ready.text.starts_with("✅"), "{}", ready.text);
    assert!(
        app.emu.violations().is_empty(),
        "{:?}",
        app.emu.violations()
    );
    document
}

/// Sends `/export ARGS` as the coordinator when no file will come (an empty period, a file
/// too large): returns "preparing…" as it was edited to say why.
async fn export_ending(app: &TestApp, args: &str) -> BotMessage {
    app.emu.send_text(COORDINATOR, &format!("/export {args}"));
    let preparing = app
        .expect_text(COORDINATOR, &first_words(Lang::Zh, "export-preparing"))
        .await;
    app.edited(COORDINATOR, preparing.message_id, preparing.edits)
        .await
}

/// The file name the document was sent under.
fn file_name(doc: &BotMessage) -> String {
    doc.file_name.clone().unwrap_or_default()
}

async fn audit_details(app: &TestApp, action: &str) -> Vec<(i64, String)> {
    sqlx::query_as("SELECT actor_id, detail FROM audit_log WHERE action = $1 ORDER BY id")
        .bind(action)
        .fetch_all(&app.pool)
        .await
        .unwrap()
}

async fn until_status(app: &TestApp, id: i64, status: &str) {
    for _ in 0..500 {
        let now: String = sqlx::query_scalar("SELECT status FROM reports WHERE id = $1")
            .bind(id)
            .fetch_one(&app.pool)
            .await
            .unwrap();
        if now == status {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("report {id} never became {status}");
}

/// Files are removed once sent.
fn no_files_left(app: &TestApp) {
    let dir = app.config.media_dir.join(".exports");
    let left: Vec<_> = std::fs::read_dir(&dir)
        .map(|d| d.flatten().map(|e| e.file_name()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "{left:?}");
}

#[tokio::test]
async fn the_reports_file_has_each_reports_times_from_its_history() {
    let app = crate::reports::app_with(true, &[]).await;
    let r = crate::reports::rider(&app, 7001).await;
    let gone = crate::reports::rider(&app, 7002).await;
    // Monday 30 November, 12:00 in Shanghai.
    let one = file(
        &app,
        r,
        "Exposed garbage",
        &[photo(1), photo(2)],
        CENTRE,
        Some("=1+1 broken"),
    )
    .await;
    assert_eq!(one, "R-000001");
    file(&app, r, "Exposed garbage", &[photo(3)], CENTRE, None).await;
    file(&app, gone, "Exposed garbage", &[photo(4)], CENTRE, None).await;

    // 12:05 accepted, 13:05 routed, the next day 13:05 resolved; the second rejected at 12:05.
    app.config.clock.advance(Duration::minutes(5));
    app.emu.send_text(COORDINATOR, "/report R-000001 accept");
    until_status(&app, 1, "accepted").await;
    app.emu
        .send_text(COORDINATOR, "/report R-000002 reject not a street problem");
    until_status(&app, 2, "rejected").await;
    app.config.clock.advance(Duration::hours(1));
    app.emu
        .send_text(COORDINATOR, "/report R-000001 route sanitation");
    until_status(&app, 1, "routed").await;
    app.config.clock.advance(Duration::days(1));
    app.emu.send_text(COORDINATOR, "/report R-000001 resolve");
    until_status(&app, 1, "resolved").await;

    // The third reporter erases their data: the report stays, as a former rider's.
    app.emu.send_text(gone, "/deletemydata");
    let confirm = app
        .expect_text(gone, &first_words(Lang::En, "delete-confirm"))
        .await;
    app.emu
        .press(gone, &confirm, &t(Lang::En, "btn-delete-yes"));
    app.expect_text(gone, &first_words(Lang::En, "delete-done-title"))
        .await;
    app.drain(COORDINATOR).await;

    let doc = export(&app, "reports 2026-11-30").await;
    assert_eq!(file_name(&doc), "reports-2026-11-30-to-2026-12-01.csv");
    let csv = Csv::parse(doc.file.as_deref().unwrap());
    csv.expect_header(Table::Reports);
    assert_eq!(csv.rows.len(), 3);
    let first = csv.row("number", "R-000001");
    assert_eq!(first["category"], "garbage");
    assert_eq!(first["category_name"], "垃圾暴露");
    assert_eq!(first["status"], "resolved");
    assert_eq!(first["department"], "sanitation");
    assert_eq!(first["department_name"], "环卫");
    assert_eq!(first["reporter"], r.to_string());
    assert_eq!(first["note"], "'=1+1 broken", "a formula is quoted");
    assert_eq!(first["photos"], "2");
    assert_eq!(first["created_at"], "2026-11-30 12:00:00");
    assert_eq!(first["accepted_at"], "2026-11-30 12:05:00");
    assert_eq!(first["routed_at"], "2026-11-30 13:05:00");
    assert_eq!(first["resolved_at"], "2026-12-01 13:05:00");
    assert_eq!(first["rejected_at"], "");
    assert_eq!(first["closed_at"], "2026-12-01 13:05:00");
    assert!((first["lat"].parse::<f64>().unwrap() - CENTRE.0).abs() < 1e-6);
    let second = csv.row("number", "R-000002");
    assert_eq!(second["status"], "rejected");
    assert_eq!(second["reject_reason"], "not a street problem");
    assert_eq!(second["accepted_at"], "");
    assert_eq!(second["rejected_at"], "2026-11-30 12:05:00");
    assert_eq!(second["closed_at"], "2026-11-30 12:05:00");
    let third = csv.row("number", "R-000003");
    assert_eq!(third["reporter"], "former rider");
    assert_eq!(third["status"], "submitted");
    assert_eq!(third["closed_at"], "");

    // Only the reports filed in the period: none were filed on 1 December.
    let empty = export_ending(&app, "reports 2026-12-01 2026-12-01").await;
    assert!(
        empty
            .text
            .starts_with(&first_words(Lang::Zh, "export-empty")),
        "{}",
        empty.text
    );
    assert!(empty.text.contains("2026-12-01"), "{}", empty.text);
    app.assert_silent(COORDINATOR, Lang::Zh).await;

    // Both exports are in the audit trail with their rows.
    let asked = audit_details(&app, "export").await;
    assert_eq!(asked.len(), 2);
    assert!(asked.iter().all(|(who, _)| *who == COORDINATOR));
    let sent = audit_details(&app, "export_sent").await;
    assert!(
        sent[0].1.contains("table=reports") && sent[0].1.contains("rows=3"),
        "{sent:?}"
    );
    assert!(sent[1].1.contains("rows=0"), "{sent:?}");
    no_files_left(&app);
}

#[tokio::test]
async fn phones_are_masked_unless_asked_for_which_is_audited_and_riders_are_refused() {
    let app = TestApp::spawn_at(crate::services::friday_noon()).await;
    let a = crate::services::rider(&app, 7101).await;
    let b = crate::services::rider(&app, 7102).await;

    // A rider may not export, nor learn how: nothing is recorded.
    app.emu.send_text(a, "/export riders phones");
    app.expect_text(a, &t(Lang::En, "role-not-coordinator"))
        .await;
    app.emu.send_text(a, "/export nonsense");
    app.expect_text(a, &t(Lang::En, "role-not-coordinator"))
        .await;
    assert!(app.emu.all_messages().iter().all(|m| m.kind != "document"));
    let doc = export(&app, "riders").await;
    assert_eq!(file_name(&doc), "riders-all-2026-12-04.csv");
    let csv = Csv::parse(doc.file.as_deref().unwrap());
    csv.expect_header(Table::Riders);
    assert_eq!(
        csv.rows.len(),
        2,
        "the two riders (the coordinator never registered)"
    );
    for id in [a, b] {
        let row = csv.row("rider_id", &id.to_string());
        assert_eq!(row["phone"], "138****0000");
        assert_eq!(row["name"], "张三");
        assert_eq!(row["platform"], "meituan");
        assert_eq!(row["language"], "en");
        assert_eq!(row["registered_at"], "2026-12-04 12:00:00");
        assert_eq!(row["status"], "registered");
        assert_eq!(row["role"], "rider");
    }
    assert!(
        !String::from_utf8_lossy(doc.file.as_deref().unwrap()).contains("13800000000"),
        "no full number anywhere"
    );
    assert!(audit_details(&app, "export_phones").await.is_empty());

    let doc = export(&app, "riders 2026-12-01 2026-12-04 phones").await;
    let csv = Csv::parse(doc.file.as_deref().unwrap());
    assert_eq!(csv.row("rider_id", &a.to_string())["phone"], "13800000000");
    assert!(
        doc.text
            .contains(&first_words(Lang::Zh, "export-caption-phones")),
        "{}",
        doc.text
    );
    let phones = audit_details(&app, "export_phones").await;
    assert_eq!(
        phones,
        [(
            COORDINATOR,
            "table=riders period=2026-12-01..2026-12-04 phones=full".to_owned()
        )]
    );
    let sent = audit_details(&app, "export_sent").await;
    assert!(sent[1].1.contains("phones=full rows=2"), "{sent:?}");

    // A coordinator no longer a coordinator (the database says so) is refused in the domain.
    sqlx::query("UPDATE users SET role = 'rider' WHERE id = $1")
        .bind(COORDINATOR)
        .execute(&app.pool)
        .await
        .unwrap();
    app.emu.send_text(COORDINATOR, "/export riders");
    app.expect_text(COORDINATOR, &zh("role-not-coordinator"))
        .await;
    assert_eq!(audit_details(&app, "export").await.len(), 1);
    no_files_left(&app);
}

#[tokio::test]
async fn every_bad_request_is_answered_with_an_example_and_nothing_is_sent() {
    let app = TestApp::spawn_at(crate::services::friday_noon()).await;
    let cases = [
        ("/export", "export-usage"),
        ("/export payments", "export-unknown-table"),
        ("/export ledger 2026-13-01", "export-bad-date"),
        ("/export ledger 2026/11/01", "export-bad-date"),
        ("/export ledger yesterday", "export-bad-date"),
        ("/export ledger 2026-11-30 2026-11-01", "export-reversed"),
        ("/export ledger 2026-12-05", "export-future"),
        ("/export ledger 2026-11-01 2027-01-01", "export-future"),
        (
            "/export ledger 2026-11-01 2026-11-02 2026-11-03",
            "export-too-many-dates",
        ),
        ("/export ledger phones", "export-phones-riders-only"),
    ];
    for (command, key) in cases {
        app.emu.send_text(COORDINATOR, command);
        let answer = app.next(COORDINATOR).await;
        assert!(
            answer.text.starts_with(&first_words(Lang::Zh, key)),
            "{command}: {}",
            answer.text
        );
        if key != "export-phones-riders-only" {
            assert!(
                answer.text.contains("/export"),
                "{command}: an example: {}",
                answer.text
            );
        }
    }
    app.emu.send_text(COORDINATOR, "/export payments");
    let unknown = app.next(COORDINATOR).await;
    assert!(
        unknown
            .text
            .contains("reports, riders, ledger, signups, visits, feedback"),
        "{}",
        unknown.text
    );
    // An empty table: said so, no file.
    let empty = export_ending(&app, "feedback").await;
    assert!(
        empty
            .text
            .starts_with(&first_words(Lang::Zh, "export-empty")),
        "{}",
        empty.text
    );
    app.assert_silent(COORDINATOR, Lang::Zh).await;
    assert!(app.emu.all_messages().iter().all(|m| m.kind != "document"));
    assert!(audit_details(&app, "export").await.len() == 1);
    assert!(app.emu.violations().is_empty());
}

#[tokio::test]
async fn ledger_signups_visits_and_feedback_after_real_actions() {
    let app = crate::services::app_with_plans(
        "code,kind,title_zh,title_en,station,schedule,start,end,capacity,points,active\n\
         CUT,haircut,爱心义剪,Free haircut,LF-S01,Sa,09:00,11:30,1,20,true\n\
         DOC,health,健康义诊,Health check-up,LF-C01,2026-12-06,14:00,16:00,30,15,true\n",
    )
    .await;
    let a = crate::services::rider(&app, 7201).await;
    let b = crate::services::rider(&app, 7202).await;
    let c = crate::services::rider(&app, 7203).await;
    let d = crate::services::rider(&app, 7204).await;
    let now = crate::services::friday_noon();
    let cut = rider_bot::services::SessionCode::parse("CUT-20261205").unwrap();
    let doc = rider_bot::services::SessionCode::parse("DOC-20261206").unwrap();
    use rider_bot::services::domain::{cancel, sign_up};
    sign_up(&app.pool, UserId(a), &cut, now).await.unwrap();
    sign_up(&app.pool, UserId(b), &cut, now).await.unwrap();
    sign_up(&app.pool, UserId(c), &doc, now).await.unwrap();
    sign_up(&app.pool, UserId(d), &doc, now).await.unwrap();
    cancel(&app.pool, UserId(d), &doc, now).await.unwrap();

    // Friday 12:00: a scans a station's poster (twice: one visit) and is given 5 points.
    app.emu.send_text(a, "/start st-LF-S01");
    app.expect_text(a, &first_words(Lang::En, "station-visit-counted"))
        .await;
    app.drain(a).await;
    app.emu.send_text(a, "/start st-LF-S01");
    app.drain(a).await;
    app.emu
        .send_text(COORDINATOR, &format!("/adjust {a} +5 welcome"));
    app.drain(COORDINATOR).await;
    for _ in 0..200 {
        if app.balance(a).await == 5 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }

    // Saturday 09:30: the coordinator checks a in (20 points); b stays in line.
    app.config.clock.advance(Duration::minutes(21 * 60 + 30));
    app.emu
        .send_text(COORDINATOR, &format!("/checkin CUT-20261205 {a}"));
    for _ in 0..200 {
        if app.balance(a).await == 25 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert_eq!(app.balance(a).await, 25);
    app.emu.send_text(b, "/start st-LF-S01");
    app.expect_text(b, &first_words(Lang::En, "station-visit-counted"))
        .await;

    // Feedback arrives (the capability writes these rows; here they are written directly).
    sqlx::query(
        "INSERT INTO feedback (rider_id, topic, kind, body, file_id, duration_s, request_key,
                               status, rating, created_at, answered_at, rated_at)
         VALUES ($1, 'charging', 'text', '需要更多充电桩, please', NULL, NULL, 'k1', 'answered', 4,
                 '2026-12-05T01:00:00+00:00', '2026-12-05T02:00:00+00:00', '2026-12-05T03:00:00+00:00'),
                ($2, 'health', 'voice', NULL, 'voice-1', 42, 'k2', 'open', NULL,
                 '2026-12-05T01:30:00+00:00', NULL, NULL)",
    )
    .bind(a)
    .bind(b)
    .execute(&app.pool)
    .await
    .unwrap();
    sqlx::query(
        "INSERT INTO feedback_replies (feedback_id, author_id, body, request_key, created_at)
         VALUES (1, $1, '下周加装', 'r1', '2026-12-05T02:00:00+00:00')",
    )
    .bind(COORDINATOR)
    .execute(&app.pool)
    .await
    .unwrap();

    // Monday 7 December: everything is over.
    app.config.clock.advance(Duration::days(2));
    app.drain(COORDINATOR).await;

    // An entry of November, written as the passbook writes them, for the period check.
    sqlx::query(
        "INSERT INTO ledger (rider_id, amount, kind, idem_key, reason, actor_id, at)
         VALUES ($1, 3, 'adjustment', 'old', 'november', 900, '2026-11-15T02:00:00+00:00')",
    )
    .bind(c)
    .execute(&app.pool)
    .await
    .unwrap();
    let ledger = export(&app, "ledger").await;
    let csv = Csv::parse(ledger.file.as_deref().unwrap());
    csv.expect_header(Table::Ledger);
    assert_eq!(
        csv.rows.len(),
        3,
        "the adjustment, the attendance and November's"
    );
    let welcome = csv.row("reason", "welcome");
    assert_eq!(welcome["kind"], "adjustment");
    assert_eq!(welcome["amount"], "5");
    assert_eq!(welcome["rider"], a.to_string());
    assert_eq!(welcome["by"], COORDINATOR.to_string());
    // Friday 12:00 in Shanghai, the stored time in the district's zone.
    assert_eq!(welcome["at"], "2026-12-04 12:00:00");
    let (id, at): (i64, String) =
        sqlx::query_as("SELECT id, at FROM ledger WHERE reason = 'welcome'")
            .fetch_one(&app.pool)
            .await
            .unwrap();
    assert_eq!(welcome["entry_id"], id.to_string());
    let local = chrono::DateTime::parse_from_rfc3339(&at)
        .unwrap()
        .with_timezone(&chrono_tz::Asia::Shanghai)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string();
    assert_eq!(welcome["at"], local);
    let attended = csv.row("kind", "attendance");
    assert_eq!(attended["at"], "2026-12-05 09:30:00");
    assert_eq!(attended["amount"], "20");
    assert_eq!(attended["rider"], a.to_string());
    let november = export(&app, "ledger 2026-11-10 2026-11-20").await;
    let csv = Csv::parse(november.file.as_deref().unwrap());
    assert_eq!(csv.rows.len(), 1);
    assert_eq!(csv.rows[0]["reason"], "november");
    assert_eq!(csv.rows[0]["at"], "2026-11-15 10:00:00");

    let signups = export(&app, "signups 2026-12-05 2026-12-06").await;
    let csv = Csv::parse(signups.file.as_deref().unwrap());
    csv.expect_header(Table::Signups);
    assert_eq!(csv.rows.len(), 4);
    let status = |rider: i64| csv.row("rider", &rider.to_string())["status"].clone();
    assert_eq!(status(a), "attended");
    assert_eq!(status(b), "waitlisted");
    assert_eq!(status(c), "no-show");
    assert_eq!(status(d), "cancelled");
    let seat = csv.row("rider", &a.to_string());
    assert_eq!(seat["session"], "CUT-20261205");
    assert_eq!(seat["plan"], "CUT");
    assert_eq!(seat["station"], "LF-S01");
    assert_eq!(seat["session_starts_at"], "2026-12-05 09:00:00");
    assert_eq!(seat["signed_up_at"], "2026-12-04 12:00:00");
    assert_eq!(seat["status_changed_at"], "2026-12-05 09:30:00");

    let visits = export(&app, "visits").await;
    let csv = Csv::parse(visits.file.as_deref().unwrap());
    csv.expect_header(Table::Visits);
    assert_eq!(csv.rows.len(), 2, "one visit per rider, station and day");
    let first = csv.row("rider", &a.to_string());
    assert_eq!(first["station"], "LF-S01");
    assert_eq!(first["day"], "2026-12-04");
    assert_eq!(first["at"], "2026-12-04 12:00:00");
    assert_eq!(first["via"], "poster");
    assert_eq!(csv.row("rider", &b.to_string())["day"], "2026-12-05");
    let saturday = export(&app, "visits 2026-12-05 2026-12-05").await;
    assert_eq!(Csv::parse(saturday.file.as_deref().unwrap()).rows.len(), 1);

    let feedback = export(&app, "feedback 2026-12-05").await;
    let csv = Csv::parse(feedback.file.as_deref().unwrap());
    csv.expect_header(Table::Feedback);
    let need = csv.row("number", "F-000001");
    assert_eq!(need["topic"], "charging");
    assert_eq!(need["text"], "需要更多充电桩, please");
    assert_eq!(need["status"], "answered");
    assert_eq!(need["rating"], "4");
    assert_eq!(need["replies"], "1");
    assert_eq!(need["created_at"], "2026-12-05 09:00:00");
    assert_eq!(need["answered_at"], "2026-12-05 10:00:00");
    let voice = csv.row("number", "F-000002");
    assert_eq!(voice["kind"], "voice");
    assert_eq!(voice["voice_seconds"], "42");
    assert_eq!(voice["replies"], "0");
    assert_eq!(voice["answered_at"], "");
    no_files_left(&app);
}

#[tokio::test]
async fn a_file_past_the_document_limit_is_zipped_and_one_too_large_even_zipped_is_refused() {
    const LIMIT: usize = 1024 * 1024;
    let app = TestApp::spawn_configured(
        &[
            ("COORDINATOR_IDS", "900"),
            ("DOCUMENT_UPLOAD_LIMIT_MB", "1"),
        ],
        |c| c.clock = rider_bot::clock::Clock::fixed(crate::services::friday_noon()),
    )
    .await;
    app.emu.set_upload_limit(Some(LIMIT));
    let rider = crate::services::rider(&app, 7301).await;
    // 30,000 entries: about 2 MB of CSV.
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 30000)
         INSERT INTO ledger (rider_id, amount, kind, idem_key, reason, actor_id, at)
         SELECT $1, 1, 'adjustment', 'bulk:' || i, 'bulk entry', 900,
                '2026-12-04T0' || (i % 4) || ':00:00+00:00' FROM n",
    )
    .bind(rider)
    .execute(&app.pool)
    .await
    .unwrap();

    let doc = export(&app, "ledger").await;
    assert_eq!(file_name(&doc), "ledger-all-2026-12-04.zip");
    let bytes = doc.file.clone().unwrap();
    assert!(bytes.len() <= LIMIT, "{}", bytes.len());
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(archive.len(), 1);
    let mut inner = archive.by_index(0).unwrap();
    assert_eq!(inner.name().unwrap(), "ledger-all-2026-12-04.csv");
    let mut text = Vec::new();
    inner.read_to_end(&mut text).unwrap();
    assert!(text.len() > LIMIT, "the CSV itself was over the limit");
    let csv = Csv::parse(&text);
    csv.expect_header(Table::Ledger);
    assert_eq!(csv.rows.len(), 30_000);
    let ready = app.emu.chat_messages(COORDINATOR);
    assert!(
        ready
            .iter()
            .any(|m| m.text.contains("zip") && m.text.starts_with("✅")),
        "the coordinator is told why it is a zip"
    );

    // Text that does not compress: 500 feedback items of 2,000 random Chinese characters,
    // 3 MB of CSV and about 1.5 MB zipped. Too large even zipped: said so, nothing sent,
    // nothing left on disk.
    let mut seed = 7u64;
    let mut tx = app.pool.begin().await.unwrap();
    for i in 0..500 {
        let body: String = (0..2000)
            .map(|_| {
                seed = seed
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                char::from_u32(0x4E00 + ((seed >> 33) % 4096) as u32).unwrap()
            })
            .collect();
        sqlx::query(
            "INSERT INTO feedback (rider_id, topic, kind, body, request_key, created_at)
             VALUES ($1, 'other', 'text', $2, $3, '2026-12-04T03:00:00+00:00')",
        )
        .bind(rider)
        .bind(body)
        .bind(format!("bulk-{i}"))
        .execute(&mut *tx)
        .await
        .unwrap();
    }
    tx.commit().await.unwrap();
    let documents = app
        .emu
        .all_messages()
        .iter()
        .filter(|m| m.kind == "document")
        .count();
    let refused = export_ending(&app, "feedback").await;
    assert!(
        refused
            .text
            .starts_with(&first_words(Lang::Zh, "export-too-large")),
        "{}",
        refused.text
    );
    app.assert_silent(COORDINATOR, Lang::Zh).await;
    assert_eq!(
        app.emu
            .all_messages()
            .iter()
            .filter(|m| m.kind == "document")
            .count(),
        documents
    );
    let too_large = audit_details(&app, "export_too_large").await;
    assert_eq!(too_large.len(), 1);
    assert!(
        app.emu.violations().is_empty(),
        "{:?}",
        app.emu.violations()
    );
    no_files_left(&app);
}

#[tokio::test]
async fn one_export_at_a_time_per_coordinator_and_two_in_all() {
    let app = TestApp::spawn_configured(&[("COORDINATOR_IDS", "900,901,902")], |c| {
        c.clock = rider_bot::clock::Clock::fixed(crate::services::friday_noon())
    })
    .await;
    for id in [901, 902] {
        app.emu.add_user(rider_bot::emulator::TgUser::new(
            id,
            "Coordinator",
            Some("zh-hans"),
        ));
    }
    let rider = crate::services::rider(&app, 7401).await;
    // Enough entries that an export takes a while after its "preparing…".
    sqlx::query(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 40000)
         INSERT INTO ledger (rider_id, amount, kind, idem_key, reason, at)
         SELECT $1, 1, 'adjustment', 'bulk:' || i, 'bulk entry', '2026-12-04T03:00:00+00:00'
         FROM n",
    )
    .bind(rider)
    .execute(&app.pool)
    .await
    .unwrap();

    app.emu.send_text(COORDINATOR, "/export ledger");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "export-preparing"))
        .await;
    app.emu.send_text(COORDINATOR, "/export visits");
    app.expect_text(COORDINATOR, &first_words(Lang::Zh, "export-busy-yours"))
        .await;
    app.emu.send_text(901, "/export ledger 2026-12-04");
    app.expect_text(901, &first_words(Lang::Zh, "export-preparing"))
        .await;
    app.emu.send_text(902, "/export ledger");
    let full = app
        .expect_text(902, &first_words(Lang::Zh, "export-busy-full"))
        .await;
    assert!(full.text.contains('2'), "{}", full.text);

    // Both running exports arrive, whole; then the slots are free again.
    for chat in [COORDINATOR, 901] {
        // A debug build on a busy machine takes a while over 40,000 rows.
        let doc = loop {
            let m = app
                .emu
                .next_message_within(chat, std::time::Duration::from_secs(120))
                .await
                .expect("the export arrives");
            if m.kind == "document" {
                break m;
            }
        };
        let csv = Csv::parse(doc.file.as_deref().unwrap());
        assert_eq!(csv.rows.len(), 40_000);
    }
    let asked = audit_details(&app, "export").await;
    assert_eq!(
        asked.len(),
        2,
        "refused requests are not recorded as exports"
    );
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let again = export_ending(&app, "visits").await;
    assert!(
        again
            .text
            .starts_with(&first_words(Lang::Zh, "export-empty")),
        "{}",
        again.text
    );
    no_files_left(&app);
}
