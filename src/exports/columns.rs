//! The columns of each file: one stable English header row, and each stored row as its cells.
//! Times are the district's wall clock (`YYYY-MM-DD HH:MM:SS`), text a person typed is
//! guarded against being read as a formula, erased riders are `former rider`.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::domain::{guard, local_time, maybe_time, rider, Phones, Table};
use super::store::{FeedbackRow, LedgerRow, ReportRow, RiderRow, SignupRow, VisitRow};

/// What every row's cells depend on besides the row.
#[derive(Debug, Clone, Copy)]
pub struct Format {
    pub tz: Tz,
    pub phones: Phones,
    /// When the export was asked for: a seat in a session that ended before it is a no-show.
    pub now: DateTime<Utc>,
}

pub fn header(table: Table) -> &'static [&'static str] {
    match table {
        Table::Reports => &[
            "number",
            "category",
            "category_name",
            "status",
            "department",
            "department_name",
            "lat",
            "lng",
            "note",
            "reporter",
            "reporter_role",
            "reject_reason",
            "duplicate_of",
            "photos",
            "created_at",
            "accepted_at",
            "routed_at",
            "resolved_at",
            "rejected_at",
            "closed_at",
        ],
        Table::Riders => &[
            "rider_id",
            "name",
            "platform",
            "phone",
            "language",
            "registered_at",
            "status",
            "role",
        ],
        Table::Ledger => &[
            "entry_id",
            "rider",
            "amount",
            "kind",
            "reference",
            "reason",
            "by",
            "at",
        ],
        Table::Signups => &[
            "session",
            "plan",
            "title",
            "station",
            "rider",
            "status",
            "session_starts_at",
            "session_ends_at",
            "session_cancelled",
            "signed_up_at",
            "status_changed_at",
            "reminded_at",
        ],
        Table::Visits => &["station", "station_name", "rider", "day", "at", "via"],
        Table::Feedback => &[
            "number",
            "rider",
            "topic",
            "kind",
            "status",
            "text",
            "voice_seconds",
            "rating",
            "replies",
            "created_at",
            "answered_at",
            "closed_at",
            "rated_at",
        ],
    }
}

fn text(t: Option<&str>) -> String {
    t.map(guard).unwrap_or_default()
}

fn number<T: ToString>(n: Option<T>) -> String {
    n.map(|n| n.to_string()).unwrap_or_default()
}

pub fn report(r: ReportRow, f: &Format) -> Vec<String> {
    vec![
        format!("R-{:06}", r.id),
        r.category,
        text(r.category_name.as_deref()),
        r.status,
        r.department.unwrap_or_default(),
        text(r.department_name.as_deref()),
        format!("{:.6}", r.lat),
        format!("{:.6}", r.lng),
        text(r.note.as_deref()),
        rider(r.reporter_id),
        r.reporter_role,
        text(r.reject_reason.as_deref()),
        r.duplicate_of
            .map(|d| format!("R-{d:06}"))
            .unwrap_or_default(),
        r.photos.to_string(),
        local_time(&r.created_at, f.tz),
        maybe_time(r.accepted_at.as_deref(), f.tz),
        maybe_time(r.routed_at.as_deref(), f.tz),
        maybe_time(r.resolved_at.as_deref(), f.tz),
        maybe_time(r.rejected_at.as_deref(), f.tz),
        maybe_time(r.closed_at.as_deref(), f.tz),
    ]
}

pub fn rider_row(r: RiderRow, f: &Format) -> Vec<String> {
    vec![
        r.id.to_string(),
        text(r.name.as_deref()),
        text(r.platform.as_deref()),
        r.phone.map(|p| f.phones.show(&p)).unwrap_or_default(),
        r.lang,
        maybe_time(r.registered_at.as_deref(), f.tz),
        if r.blocked_at.is_some() {
            "blocked the bot"
        } else {
            "registered"
        }
        .to_owned(),
        r.role,
    ]
}

pub fn ledger(r: LedgerRow, f: &Format) -> Vec<String> {
    vec![
        r.id.to_string(),
        rider(r.rider_id),
        r.amount.to_string(),
        r.kind,
        text(r.source_ref.as_deref()),
        text(r.reason.as_deref()),
        number(r.actor_id),
        local_time(&r.at, f.tz),
    ]
}

pub fn signup(r: SignupRow, f: &Format) -> Vec<String> {
    let ended = DateTime::parse_from_rfc3339(&r.ends_at).is_ok_and(|end| end < f.now);
    let status = match r.status.as_str() {
        "signed" if ended && !r.cancelled.0 => "no-show",
        "signed" => "signed up",
        "waitlisted" => "waitlisted",
        "cancelled" => "cancelled",
        "attended" => "attended",
        other => other,
    }
    .to_owned();
    vec![
        r.session,
        r.plan,
        text(r.title.as_deref()),
        r.station.unwrap_or_default(),
        rider(r.rider_id),
        status,
        local_time(&r.starts_at, f.tz),
        local_time(&r.ends_at, f.tz),
        if r.cancelled.0 { "yes" } else { "no" }.to_owned(),
        local_time(&r.created_at, f.tz),
        local_time(&r.updated_at, f.tz),
        maybe_time(r.reminded_at.as_deref(), f.tz),
    ]
}

pub fn visit(r: VisitRow, f: &Format) -> Vec<String> {
    vec![
        r.station,
        text(r.station_name.as_deref()),
        rider(r.rider_id),
        r.day,
        local_time(&r.at, f.tz),
        r.via,
    ]
}

pub fn feedback(r: FeedbackRow, f: &Format) -> Vec<String> {
    vec![
        format!("F-{:06}", r.id),
        rider(r.rider_id),
        r.topic,
        r.kind,
        r.status,
        text(r.body.as_deref()),
        number(r.duration_s),
        number(r.rating),
        r.replies.to_string(),
        local_time(&r.created_at, f.tz),
        maybe_time(r.answered_at.as_deref(), f.tz),
        maybe_time(r.closed_at.as_deref(), f.tz),
        maybe_time(r.rated_at.as_deref(), f.tz),
    ]
}
