//! The SQL of each export: one statement per file, read as a stream (`fetch`), never all in
//! memory. One statement reads one snapshot of the database, so a file is consistent even
//! while the bot keeps writing. Times are read as the stored text and formatted by
//! `columns`, so a row with an odd time is still exported.
//!
//! Bounds are RFC 3339 UTC text compared with the stored text (both written by the same
//! encoder); no bound is `''` below and `'~'` above every time.

use crate::db::Conn;
use crate::db::Flag;
use futures::stream::BoxStream;

/// The `[start, end)` of a period as the stored text compares.
#[derive(Debug, Clone)]
pub struct Bounds {
    pub start: String,
    pub end: String,
}

impl Bounds {
    pub fn new(
        start: Option<chrono::DateTime<chrono::Utc>>,
        end: Option<chrono::DateTime<chrono::Utc>>,
    ) -> Bounds {
        let text = |t: chrono::DateTime<chrono::Utc>| {
            t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, false)
        };
        Bounds {
            start: start.map_or_else(String::new, text),
            end: end.map_or_else(|| "~".to_owned(), text),
        }
    }
}

pub type Rows<'c, R> = BoxStream<'c, Result<R, sqlx::Error>>;

#[derive(Debug, sqlx::FromRow)]
pub struct ReportRow {
    pub id: i64,
    pub category: String,
    pub category_name: Option<String>,
    pub status: String,
    pub department: Option<String>,
    pub department_name: Option<String>,
    pub lat: f64,
    pub lng: f64,
    pub note: Option<String>,
    pub reporter_id: i64,
    pub reporter_role: String,
    pub reject_reason: Option<String>,
    pub duplicate_of: Option<i64>,
    pub photos: i64,
    pub created_at: String,
    pub accepted_at: Option<String>,
    pub routed_at: Option<String>,
    pub resolved_at: Option<String>,
    pub rejected_at: Option<String>,
    pub closed_at: Option<String>,
}

/// Reports filed in the period, by number, with the first time each status was reached (from
/// `report_history`).
pub fn reports<'c>(conn: &'c mut Conn, b: &Bounds) -> Rows<'c, ReportRow> {
    sqlx::query_as(
        "SELECT r.id, r.category, c.name_zh AS category_name, r.status, r.department,
                d.name_zh AS department_name, r.lat, r.lng, r.note, r.reporter_id,
                r.reporter_role, r.reject_reason, r.duplicate_of,
                (SELECT COUNT(*) FROM report_photos p WHERE p.report_id = r.id) AS photos,
                r.created_at,
                (SELECT MIN(h.at) FROM report_history h
                 WHERE h.report_id = r.id AND h.to_status = 'accepted') AS accepted_at,
                (SELECT MIN(h.at) FROM report_history h
                 WHERE h.report_id = r.id AND h.to_status = 'routed') AS routed_at,
                (SELECT MIN(h.at) FROM report_history h
                 WHERE h.report_id = r.id AND h.to_status = 'resolved') AS resolved_at,
                (SELECT MIN(h.at) FROM report_history h
                 WHERE h.report_id = r.id AND h.to_status = 'rejected') AS rejected_at,
                (SELECT MIN(h.at) FROM report_history h
                 WHERE h.report_id = r.id
                   AND h.to_status IN ('resolved', 'rejected', 'duplicate', 'withdrawn'))
                    AS closed_at
         FROM reports r
         LEFT JOIN categories c ON c.code = r.category
         LEFT JOIN departments d ON d.code = r.department
         WHERE r.created_at >= $1 AND r.created_at < $2
         ORDER BY r.id",
    )
    .bind(b.start.clone())
    .bind(b.end.clone())
    .fetch(conn)
}

#[derive(Debug, sqlx::FromRow)]
pub struct RiderRow {
    pub id: i64,
    pub name: Option<String>,
    pub platform: Option<String>,
    pub phone: Option<String>,
    pub lang: String,
    pub registered_at: Option<String>,
    pub blocked_at: Option<String>,
    pub role: String,
}

/// Registered people (riders, grid officers, coordinators) who registered in the period.
pub fn riders<'c>(conn: &'c mut Conn, b: &Bounds) -> Rows<'c, RiderRow> {
    sqlx::query_as(
        "SELECT id, name, platform, phone, lang, registered_at, blocked_at, role
         FROM users
         WHERE status = 'registered' AND id > 0
           AND COALESCE(registered_at, created_at) >= $1
           AND COALESCE(registered_at, created_at) < $2
         ORDER BY id",
    )
    .bind(b.start.clone())
    .bind(b.end.clone())
    .fetch(conn)
}

#[derive(Debug, sqlx::FromRow)]
pub struct LedgerRow {
    pub id: i64,
    pub rider_id: i64,
    pub amount: i64,
    pub kind: String,
    pub source_ref: Option<String>,
    pub reason: Option<String>,
    pub actor_id: Option<i64>,
    pub at: String,
}

/// Ledger entries made in the period, in time order (the `ledger_at` index: no sort, however
/// many entries).
pub fn ledger<'c>(conn: &'c mut Conn, b: &Bounds) -> Rows<'c, LedgerRow> {
    sqlx::query_as(
        "SELECT id, rider_id, amount, kind, source_ref, reason, actor_id, at
         FROM ledger WHERE at >= $1 AND at < $2
         ORDER BY at, id",
    )
    .bind(b.start.clone())
    .bind(b.end.clone())
    .fetch(conn)
}

#[derive(Debug, sqlx::FromRow)]
pub struct SignupRow {
    pub session: String,
    pub plan: String,
    pub title: Option<String>,
    pub station: Option<String>,
    pub rider_id: i64,
    pub status: String,
    pub starts_at: String,
    pub ends_at: String,
    pub cancelled: Flag,
    pub created_at: String,
    pub updated_at: String,
    pub reminded_at: Option<String>,
}

/// Sign-ups to sessions that start in the period, session by session in line order.
pub fn signups<'c>(conn: &'c mut Conn, b: &Bounds) -> Rows<'c, SignupRow> {
    sqlx::query_as(
        "SELECT s.session, se.plan, p.title_zh AS title, p.station, s.rider_id, s.status,
                se.starts_at, se.ends_at, se.cancelled, s.created_at, s.updated_at,
                s.reminded_at
         FROM signups s
         JOIN sessions se ON se.code = s.session
         LEFT JOIN service_plans p ON p.code = se.plan
         WHERE se.starts_at >= $1 AND se.starts_at < $2
         ORDER BY se.starts_at, s.session, s.queued, s.created_at",
    )
    .bind(b.start.clone())
    .bind(b.end.clone())
    .fetch(conn)
}

#[derive(Debug, sqlx::FromRow)]
pub struct VisitRow {
    pub station: String,
    pub station_name: Option<String>,
    pub rider_id: i64,
    pub day: String,
    pub at: String,
    pub via: String,
}

/// Station visits on the district days `from..=to` (`None`: no bound).
pub fn visits<'c>(
    conn: &'c mut Conn,
    from: Option<String>,
    to: Option<String>,
) -> Rows<'c, VisitRow> {
    sqlx::query_as(
        "SELECT v.station, s.name_zh AS station_name, v.rider_id, v.day, v.at, v.via
         FROM station_visits v LEFT JOIN stations s ON s.code = v.station
         WHERE v.day >= $1 AND v.day <= $2
         ORDER BY v.day, v.at, v.station",
    )
    .bind(from.unwrap_or_default())
    .bind(to.unwrap_or_else(|| "~".to_owned()))
    .fetch(conn)
}

#[derive(Debug, sqlx::FromRow)]
pub struct FeedbackRow {
    pub id: i64,
    pub rider_id: i64,
    pub topic: String,
    pub kind: String,
    pub status: String,
    pub body: Option<String>,
    pub duration_s: Option<i64>,
    pub rating: Option<i64>,
    pub replies: i64,
    pub created_at: String,
    pub answered_at: Option<String>,
    pub closed_at: Option<String>,
    pub rated_at: Option<String>,
}

/// Feedback received in the period, in the order it came (the `feedback_created` index), with
/// how many replies it had.
pub fn feedback<'c>(conn: &'c mut Conn, b: &Bounds) -> Rows<'c, FeedbackRow> {
    sqlx::query_as(
        "SELECT f.id, f.rider_id, f.topic, f.kind, f.status, f.body, f.duration_s, f.rating,
                (SELECT COUNT(*) FROM feedback_replies r WHERE r.feedback_id = f.id) AS replies,
                f.created_at, f.answered_at, f.closed_at, f.rated_at
         FROM feedback f
         WHERE f.created_at >= $1 AND f.created_at < $2
         ORDER BY f.created_at, f.id",
    )
    .bind(b.start.clone())
    .bind(b.end.clone())
    .fetch(conn)
}
