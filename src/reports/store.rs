//! The reports' SQL. Functions that write take a connection inside the caller's write
//! transaction (`db::begin_write`), so a report, its photos and its first history entry, or a
//! status change, its history entry and its points, land together or not at all.

use crate::db::Conn;
use crate::db::{At, Flag};
use chrono::{DateTime, Utc};

use super::{
    Category, CategoryCode, Department, DepartmentCode, HistoryEntry, Photo, PhotoSource, Report,
    ReportId, Status,
};
use crate::geo::Position;
use crate::users::{Role, UserId};

pub async fn upsert_departments(
    conn: &mut Conn,
    departments: &[Department],
) -> Result<(), sqlx::Error> {
    for (i, d) in departments.iter().enumerate() {
        sqlx::query(
            "INSERT INTO departments (code, name_zh, name_en, active, position)
             VALUES ($1, $2, $3, $4, $5)
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh,
                 name_en = excluded.name_en, active = excluded.active,
                 position = excluded.position",
        )
        .bind(d.code.as_str())
        .bind(&d.name_zh)
        .bind(&d.name_en)
        .bind(Flag(d.active))
        .bind(i as i64)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct DepartmentRow {
    code: String,
    name_zh: String,
    name_en: Option<String>,
    active: Flag,
}

impl DepartmentRow {
    fn into_department(self) -> Option<Department> {
        Some(Department {
            code: DepartmentCode::parse(&self.code)?,
            name_zh: self.name_zh,
            name_en: self.name_en,
            active: self.active.0,
        })
    }
}

pub async fn departments(conn: &mut Conn) -> Result<Vec<Department>, sqlx::Error> {
    let rows: Vec<DepartmentRow> = sqlx::query_as(
        "SELECT code, name_zh, name_en, active FROM departments ORDER BY position, code",
    )
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded(
        "departments",
        rows,
        DepartmentRow::into_department,
    ))
}

pub async fn department(
    conn: &mut Conn,
    code: &DepartmentCode,
) -> Result<Option<Department>, sqlx::Error> {
    let row: Option<DepartmentRow> =
        sqlx::query_as("SELECT code, name_zh, name_en, active FROM departments WHERE code = $1")
            .bind(code.as_str())
            .fetch_optional(conn)
            .await?;
    Ok(row.and_then(DepartmentRow::into_department))
}

/// Writes the categories in file order, and each one's points as its earning rule.
pub async fn upsert_categories(
    conn: &mut Conn,
    categories: &[Category],
) -> Result<(), sqlx::Error> {
    for (i, c) in categories.iter().enumerate() {
        sqlx::query(
            "INSERT INTO categories (code, name_zh, name_en, department, position, active)
             VALUES ($1, $2, $3, $4, $5, $6)
             ON CONFLICT (code) DO UPDATE SET name_zh = excluded.name_zh,
                 name_en = excluded.name_en, department = excluded.department,
                 position = excluded.position, active = excluded.active",
        )
        .bind(c.code.as_str())
        .bind(&c.name_zh)
        .bind(&c.name_en)
        .bind(c.department.as_str())
        .bind(i as i64)
        .bind(Flag(c.active))
        .execute(&mut *conn)
        .await?;
        crate::points::store::set_rule(conn, &format!("report:{}", c.code), c.points).await?;
    }
    Ok(())
}

#[derive(sqlx::FromRow)]
struct CategoryRow {
    code: String,
    name_zh: String,
    name_en: Option<String>,
    department: String,
    points: i64,
    active: Flag,
}

const CATEGORY_SELECT: &str = "SELECT c.code, c.name_zh, c.name_en, c.department, c.active,
        COALESCE(r.points, (SELECT points FROM earning_rules WHERE rule = 'report'), 0) AS points
    FROM categories c LEFT JOIN earning_rules r ON r.rule = 'report:' || c.code";

impl CategoryRow {
    fn into_category(self) -> Option<Category> {
        Some(Category {
            code: CategoryCode::parse(&self.code)?,
            name_zh: self.name_zh,
            name_en: self.name_en,
            department: DepartmentCode::parse(&self.department)?,
            points: self.points,
            active: self.active.0,
        })
    }
}

/// Every category in button order; `active_only` leaves out the retired ones.
pub async fn categories(conn: &mut Conn, active_only: bool) -> Result<Vec<Category>, sqlx::Error> {
    let sql = format!(
        "{CATEGORY_SELECT} {} ORDER BY c.position, c.code",
        if active_only {
            "WHERE c.active = 1"
        } else {
            ""
        }
    );
    let rows: Vec<CategoryRow> = sqlx::query_as(&sql).fetch_all(conn).await?;
    Ok(crate::db::decoded(
        "categories",
        rows,
        CategoryRow::into_category,
    ))
}

pub async fn category(
    conn: &mut Conn,
    code: &CategoryCode,
) -> Result<Option<Category>, sqlx::Error> {
    let sql = format!("{CATEGORY_SELECT} WHERE c.code = $1");
    let row: Option<CategoryRow> = sqlx::query_as(&sql)
        .bind(code.as_str())
        .fetch_optional(conn)
        .await?;
    Ok(row.and_then(CategoryRow::into_category))
}

/// Reports `reporter` filed since `since`, withdrawn ones included (the daily limit).
pub async fn count_since(
    conn: &mut Conn,
    reporter: UserId,
    since: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE reporter_id = $1 AND created_at >= $2")
        .bind(reporter.0)
        .bind(At(since))
        .fetch_one(conn)
        .await
}

/// Where `reporter`'s latest report since `since` was ("same place as my last report").
pub async fn last_place_since(
    conn: &mut Conn,
    reporter: UserId,
    since: DateTime<Utc>,
) -> Result<Option<Position>, sqlx::Error> {
    let row: Option<(f64, f64)> = sqlx::query_as(
        "SELECT lat, lng FROM reports WHERE reporter_id = $1 AND created_at >= $2
         ORDER BY id DESC LIMIT 1",
    )
    .bind(reporter.0)
    .bind(At(since))
    .fetch_optional(conn)
    .await?;
    Ok(row.and_then(|(lat, lng)| Position::new(lat, lng).ok()))
}

pub async fn by_request(conn: &mut Conn, key: &str) -> Result<Option<ReportId>, sqlx::Error> {
    let id: Option<i64> = sqlx::query_scalar("SELECT id FROM reports WHERE request_key = $1")
        .bind(key)
        .fetch_optional(conn)
        .await?;
    Ok(id.map(ReportId))
}

pub struct NewReport<'a> {
    pub reporter: UserId,
    pub role: Role,
    pub category: &'a CategoryCode,
    pub at: Position,
    pub note: Option<&'a str>,
    pub possible_dup_of: Option<ReportId>,
    pub request_key: &'a str,
    pub now: DateTime<Utc>,
}

pub async fn insert(conn: &mut Conn, r: &NewReport<'_>) -> Result<ReportId, sqlx::Error> {
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO reports (reporter_id, reporter_role, category, lat, lng, note,
             possible_dup_of, request_key, status_at, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
    )
    .bind(r.reporter.0)
    .bind(r.role.as_str())
    .bind(r.category.as_str())
    .bind(r.at.lat())
    .bind(r.at.lng())
    .bind(r.note)
    .bind(r.possible_dup_of.map(|d| d.0))
    .bind(r.request_key)
    .bind(At(r.now))
    .bind(At(r.now))
    .fetch_one(conn)
    .await?;
    Ok(ReportId(id))
}

pub async fn insert_photos(
    conn: &mut Conn,
    id: ReportId,
    photos: &[Photo],
) -> Result<(), sqlx::Error> {
    for (i, p) in photos.iter().enumerate() {
        sqlx::query(
            "INSERT INTO report_photos (report_id, seq, file_id, sha256, path, size, source)
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(id.0)
        .bind(i as i64 + 1)
        .bind(&p.file_id)
        .bind(&p.sha256)
        .bind(&p.path)
        .bind(p.size as i64)
        .bind(p.source.as_str())
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

pub async fn photos(conn: &mut Conn, id: ReportId) -> Result<Vec<Photo>, sqlx::Error> {
    let rows: Vec<(String, String, String, i64, String)> = sqlx::query_as(
        "SELECT file_id, sha256, path, size, source FROM report_photos
         WHERE report_id = $1 AND removed_at IS NULL ORDER BY seq",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    Ok(rows
        .into_iter()
        .map(|(file_id, sha256, path, size, source)| Photo {
            file_id,
            sha256,
            path,
            size: size as u64,
            source: if source == "document" {
                PhotoSource::Document
            } else {
                PhotoSource::Photo
            },
        })
        .collect())
}

pub async fn record(
    conn: &mut Conn,
    id: ReportId,
    from: Option<Status>,
    to: Status,
    actor: UserId,
    detail: Option<&str>,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "INSERT INTO report_history (report_id, from_status, to_status, actor_id, detail, at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id.0)
    .bind(from.map(Status::as_str))
    .bind(to.as_str())
    .bind(actor.0)
    .bind(detail)
    .bind(At(at))
    .execute(conn)
    .await?;
    Ok(())
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    from_status: Option<String>,
    to_status: String,
    actor_id: i64,
    detail: Option<String>,
    at: At,
}

pub async fn history(conn: &mut Conn, id: ReportId) -> Result<Vec<HistoryEntry>, sqlx::Error> {
    let rows: Vec<HistoryRow> = sqlx::query_as(
        "SELECT from_status, to_status, actor_id, detail, at FROM report_history
         WHERE report_id = $1 ORDER BY id",
    )
    .bind(id.0)
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("report_history", rows, |h| {
        Some(HistoryEntry {
            from: h.from_status.as_deref().and_then(Status::parse),
            to: Status::parse(&h.to_status)?,
            actor: UserId(h.actor_id),
            detail: h.detail,
            at: h.at.0,
        })
    }))
}

#[derive(sqlx::FromRow)]
struct ReportRow {
    id: i64,
    reporter_id: i64,
    reporter_role: String,
    category: String,
    lat: f64,
    lng: f64,
    note: Option<String>,
    status: String,
    department: Option<String>,
    reject_reason: Option<String>,
    duplicate_of: Option<i64>,
    possible_dup_of: Option<i64>,
    triage_chat_id: Option<i64>,
    triage_msg_id: Option<i32>,
    triage_caption: Flag,
    status_at: At,
    created_at: At,
}

const REPORT_COLUMNS: &str = "id, reporter_id, reporter_role, category, lat, lng, note, status, \
    department, reject_reason, duplicate_of, possible_dup_of, triage_chat_id, triage_msg_id, \
    triage_caption, status_at, created_at";

impl ReportRow {
    fn into_report(self) -> Option<Report> {
        Some(Report {
            id: ReportId(self.id),
            reporter: UserId(self.reporter_id),
            reporter_role: Role::parse(&self.reporter_role)?,
            category: CategoryCode::parse(&self.category)?,
            at: Position::new(self.lat, self.lng).ok()?,
            note: self.note,
            status: Status::parse(&self.status)?,
            department: self.department.as_deref().and_then(DepartmentCode::parse),
            reject_reason: self.reject_reason,
            duplicate_of: self.duplicate_of.map(ReportId),
            possible_dup_of: self.possible_dup_of.map(ReportId),
            triage: self
                .triage_chat_id
                .zip(self.triage_msg_id)
                .map(|(c, m)| (c, m, self.triage_caption.0)),
            status_at: self.status_at.0,
            created_at: self.created_at.0,
        })
    }
}

pub async fn find(conn: &mut Conn, id: ReportId) -> Result<Option<Report>, sqlx::Error> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reports WHERE id = $1");
    let row: Option<ReportRow> = sqlx::query_as(&sql).bind(id.0).fetch_optional(conn).await?;
    Ok(row.and_then(ReportRow::into_report))
}

async fn list(conn: &mut Conn, filter: &str, binds: &[i64]) -> Result<Vec<Report>, sqlx::Error> {
    let sql = format!("SELECT {REPORT_COLUMNS} FROM reports {filter}");
    let mut q = sqlx::query_as::<_, ReportRow>(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    Ok(crate::db::decoded(
        "reports",
        q.fetch_all(conn).await?,
        ReportRow::into_report,
    ))
}

/// A page of `reporter`'s reports, newest first.
pub async fn by_reporter(
    conn: &mut Conn,
    reporter: UserId,
    offset: i64,
    limit: i64,
) -> Result<Vec<Report>, sqlx::Error> {
    list(
        conn,
        "WHERE reporter_id = $1 ORDER BY id DESC LIMIT $2 OFFSET $3",
        &[reporter.0, limit, offset],
    )
    .await
}

pub async fn count_by_reporter(conn: &mut Conn, reporter: UserId) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar("SELECT COUNT(*) FROM reports WHERE reporter_id = $1")
        .bind(reporter.0)
        .fetch_one(conn)
        .await
}

/// Open reports (submitted, accepted, routed), oldest first, at most `limit`.
pub async fn open(conn: &mut Conn, limit: i64) -> Result<Vec<Report>, sqlx::Error> {
    list(
        conn,
        "WHERE status IN ('submitted', 'accepted', 'routed') ORDER BY id LIMIT $1",
        &[limit],
    )
    .await
}

/// Every report, oldest first (the Open311 export).
pub async fn all(conn: &mut Conn) -> Result<Vec<Report>, sqlx::Error> {
    list(conn, "ORDER BY id", &[]).await
}

/// Open reports of `category` filed since `since` inside the box `lo`..`hi`.
pub async fn open_in_box(
    conn: &mut Conn,
    category: &CategoryCode,
    since: DateTime<Utc>,
    lo: Position,
    hi: Position,
) -> Result<Vec<(ReportId, Position)>, sqlx::Error> {
    let rows: Vec<(i64, f64, f64)> = sqlx::query_as(
        "SELECT id, lat, lng FROM reports
         WHERE category = $1 AND created_at >= $2 AND status IN ('submitted', 'accepted', 'routed')
           AND lat BETWEEN $3 AND $4 AND lng BETWEEN $5 AND $6",
    )
    .bind(category.as_str())
    .bind(At(since))
    .bind(lo.lat())
    .bind(hi.lat())
    .bind(lo.lng())
    .bind(hi.lng())
    .fetch_all(conn)
    .await?;
    Ok(crate::db::decoded("reports", rows, |(id, lat, lng)| {
        Some((ReportId(id), Position::new(lat, lng).ok()?))
    }))
}

/// The report after a transition: its new status and whatever the action set.
pub struct Change<'a> {
    pub status: Status,
    pub department: Option<&'a DepartmentCode>,
    pub reject_reason: Option<&'a str>,
    pub duplicate_of: Option<ReportId>,
    pub at: DateTime<Utc>,
}

pub async fn set_status(conn: &mut Conn, id: ReportId, c: &Change<'_>) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE reports SET status = $1, department = COALESCE($2, department),
             reject_reason = COALESCE($3, reject_reason), duplicate_of = COALESCE($4, duplicate_of),
             status_at = $5, raised_at = NULL
         WHERE id = $6",
    )
    .bind(c.status.as_str())
    .bind(c.department.map(DepartmentCode::as_str))
    .bind(c.reject_reason)
    .bind(c.duplicate_of.map(|d| d.0))
    .bind(At(c.at))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Remembers the coordinators' card of a report (`caption`: the card is a photo's caption).
pub async fn set_triage(
    conn: &mut Conn,
    id: ReportId,
    chat: i64,
    message: i32,
    caption: bool,
) -> Result<(), sqlx::Error> {
    sqlx::query(
        "UPDATE reports SET triage_chat_id = $1, triage_msg_id = $2, triage_caption = $3 WHERE id = $4",
    )
    .bind(chat)
    .bind(message)
    .bind(Flag(caption))
    .bind(id.0)
    .execute(conn)
    .await?;
    Ok(())
}

/// Reports not yet posted to the coordinators' group (it was unset or unreachable), oldest first.
pub async fn untriaged(conn: &mut Conn) -> Result<Vec<ReportId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE triage_msg_id IS NULL
           AND status IN ('submitted', 'accepted', 'routed') ORDER BY id LIMIT 50",
    )
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(ReportId).collect())
}

/// Accepted or routed reports unchanged since `stale_before` and not raised since
/// `raised_before`: the follow-ups due.
pub async fn follow_ups_due(
    conn: &mut Conn,
    stale_before: DateTime<Utc>,
    raised_before: DateTime<Utc>,
) -> Result<Vec<ReportId>, sqlx::Error> {
    let ids: Vec<i64> = sqlx::query_scalar(
        "SELECT id FROM reports WHERE status IN ('accepted', 'routed') AND status_at < $1
           AND (raised_at IS NULL OR raised_at < $2) ORDER BY id LIMIT 50",
    )
    .bind(At(stale_before))
    .bind(At(raised_before))
    .fetch_all(conn)
    .await?;
    Ok(ids.into_iter().map(ReportId).collect())
}

pub async fn mark_raised(
    conn: &mut Conn,
    id: ReportId,
    at: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    sqlx::query("UPDATE reports SET raised_at = $1 WHERE id = $2")
        .bind(At(at))
        .bind(id.0)
        .execute(conn)
        .await?;
    Ok(())
}

/// Every stored photo path a report or a draft holds (what the media sweep keeps).
pub async fn photo_paths(conn: &mut Conn) -> Result<Vec<String>, sqlx::Error> {
    sqlx::query_scalar(
        "SELECT path FROM report_photos WHERE removed_at IS NULL
         UNION SELECT path FROM draft_photos",
    )
    .fetch_all(conn)
    .await
}

/// Marks removed the photos of reports closed (resolved, rejected, duplicate, withdrawn)
/// before `before`, forgetting Telegram's file id and the hash too (the bot cannot fetch the
/// photo again), and returns the paths nothing else holds now, whose files can go.
pub async fn remove_closed_photos(
    conn: &mut Conn,
    before: DateTime<Utc>,
    now: DateTime<Utc>,
) -> Result<Vec<String>, sqlx::Error> {
    let paths: Vec<String> = sqlx::query_scalar(
        "UPDATE report_photos SET removed_at = $1, file_id = '', sha256 = ''
         WHERE removed_at IS NULL AND report_id IN (
             SELECT id FROM reports
             WHERE status IN ('resolved', 'rejected', 'duplicate', 'withdrawn') AND status_at < $2)
         RETURNING path",
    )
    .bind(At(now))
    .bind(At(before))
    .fetch_all(&mut *conn)
    .await?;
    unheld(conn, paths).await
}

/// Of `paths`, those no report (still keeping its photos) and no draft holds: the files that
/// can go.
pub async fn unheld(conn: &mut Conn, paths: Vec<String>) -> sqlx::Result<Vec<String>> {
    let mut out = Vec::new();
    for path in paths {
        let held: Option<i64> = sqlx::query_scalar(
            "SELECT 1 FROM report_photos WHERE path = $1 AND removed_at IS NULL
             UNION ALL SELECT 1 FROM draft_photos WHERE path = $1 LIMIT 1",
        )
        .bind(&path)
        .fetch_optional(&mut *conn)
        .await?;
        if held.is_none() && !out.contains(&path) {
            out.push(path);
        }
    }
    Ok(out)
}
