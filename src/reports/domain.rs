//! Report rules, free of Telegram.
//!
//! Filing: a daily limit per reporter, a place inside the district, a duplicate check (same
//! category, within [`DUPLICATE_RADIUS_M`] of an open report from the last
//! [`DUPLICATE_WINDOW_HOURS`]), and one report per Confirm press however often it is pressed.
//!
//! Lifecycle: submitted → accepted → routed → resolved, or rejected / duplicate (from
//! submitted), or withdrawn by the reporter (from submitted). Routing a submitted report
//! accepts it on the way; a routed report may be routed again. Every change runs in one write
//! transaction with its history entries, its audit entry and, on acceptance, the reporter's
//! points: two coordinators pressing Accept at once are serialised, and the second is told
//! the report was already accepted.

use crate::db::{Conn, Pool};
use chrono::{DateTime, Duration, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;

use super::store::{self, Change, NewReport};
use super::{
    csv, notices, Action, Category, CategoryCode, Department, DepartmentCode, Draft, Report,
    ReportId, Status,
};
use crate::audit::{self, Actor};
use crate::csvfile::{self, ImportError};
use crate::geo::Position;
use crate::points::domain::{EarnRule, PointsError};
use crate::points::store::Posted;
use crate::stations::index::StationIndex;
use crate::users::refusal::require_coordinator;
use crate::users::{self, Refusal, User, UserId};

/// A new report this close to an open one of the same category is a possible duplicate.
pub const DUPLICATE_RADIUS_M: f64 = 50.0;
pub const DUPLICATE_WINDOW_HOURS: i64 = 48;
/// "Duplicate of…" offers open reports of the same category this close.
pub const MERGE_RADIUS_M: f64 = 200.0;
/// "Same place as my last report" is offered for this long after it.
pub const SAME_PLACE_MINUTES: i64 = 30;
/// A place farther than this from every station is outside the district.
pub const DISTRICT_REACH_M: f64 = 20_000.0;
/// Longest free-text rejection reason.
pub const MAX_REASON_CHARS: usize = 200;

/// Filing and follow-up settings.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub per_day: i64,
    pub tz: Tz,
    pub follow_up_after: Duration,
    /// The coordinators' group cards and follow-ups go to (`COORDINATOR_CHAT_ID`), if set.
    pub group: Option<i64>,
}

#[derive(Debug, thiserror::Error)]
pub enum ReportsError {
    /// Not a coordinator, not registered, unknown (the refusals every capability shares).
    #[error(transparent)]
    Refused(#[from] Refusal),
    #[error("only the reporter may withdraw a report")]
    NotYours,
    #[error("no report {0}")]
    NoSuchReport(ReportId),
    #[error("no such category")]
    NoSuchCategory,
    #[error("no department {0}")]
    NoSuchDepartment(String),
    #[error("{id} is {status:?}; that cannot be done now")]
    Illegal { id: ReportId, status: Status },
    #[error("a report cannot be a duplicate of itself or of a report that does not exist")]
    BadDuplicate,
    #[error("a reason is required")]
    ReasonRequired,
    #[error("the reason is too long")]
    ReasonTooLong,
    #[error("at most {0} reports a day")]
    DailyLimit(i64),
    #[error("the place is outside the district")]
    OutsideDistrict,
    #[error(transparent)]
    Points(#[from] PointsError),
    #[error(transparent)]
    Db(#[from] sqlx::Error),
}

/// The first moment of the day `now` falls in, in the district's time zone.
pub fn day_start(now: DateTime<Utc>, tz: Tz) -> DateTime<Utc> {
    let day = now.with_timezone(&tz).date_naive().and_time(NaiveTime::MIN);
    tz.from_local_datetime(&day)
        .earliest()
        .map_or(now, |d| d.with_timezone(&Utc))
}

/// Whether `at` is inside the district: within [`DISTRICT_REACH_M`] of a station. With no
/// stations loaded there is nothing to judge by, and every place counts.
pub fn in_district(stations: &StationIndex, at: Position) -> bool {
    stations
        .nearest(at)
        .next()
        .is_none_or(|(_, d)| d <= DISTRICT_REACH_M)
}

/// How many more reports `reporter` may file today.
pub async fn left_today(
    pool: &Pool,
    reporter: UserId,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let filed = store::count_since(&mut conn, reporter, day_start(now, rules.tz)).await?;
    Ok((rules.per_day - filed).max(0))
}

/// Open reports of `category` within `radius_m` of `at` filed since `since`, nearest first,
/// with their distances.
async fn open_near(
    conn: &mut Conn,
    category: &CategoryCode,
    at: Position,
    radius_m: f64,
    since: DateTime<Utc>,
) -> Result<Vec<(ReportId, f64)>, sqlx::Error> {
    // The box is a little larger than the circle: its corners are cut off by distance.
    let margin = radius_m * 1.5;
    let (lo, hi) = (at.offset(-margin, -margin), at.offset(margin, margin));
    let mut near: Vec<(ReportId, f64)> = store::open_in_box(conn, category, since, lo, hi)
        .await?
        .into_iter()
        .map(|(id, p)| (id, p.distance_m(at)))
        .filter(|(_, d)| *d <= radius_m)
        .collect();
    near.sort_by(|a, b| a.1.total_cmp(&b.1));
    Ok(near)
}

/// The nearest open report of `category` within [`DUPLICATE_RADIUS_M`] of `at`, filed in the
/// last [`DUPLICATE_WINDOW_HOURS`], and its distance.
pub async fn near_duplicate(
    conn: &mut Conn,
    category: &CategoryCode,
    at: Position,
    now: DateTime<Utc>,
) -> Result<Option<(ReportId, f64)>, sqlx::Error> {
    let since = now - Duration::hours(DUPLICATE_WINDOW_HOURS);
    let near = open_near(conn, category, at, DUPLICATE_RADIUS_M, since).await?;
    Ok(near.into_iter().next())
}

/// What a coordinator may merge `report` into: other open reports of its category within
/// [`MERGE_RADIUS_M`] filed in the week before it, nearest first, at most five.
pub async fn merge_candidates(
    pool: &Pool,
    report: &Report,
) -> Result<Vec<(ReportId, f64)>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let since = report.created_at - Duration::days(7);
    let near = open_near(
        &mut conn,
        &report.category,
        report.at,
        MERGE_RADIUS_M,
        since,
    )
    .await?;
    Ok(near
        .into_iter()
        .filter(|(id, _)| *id != report.id)
        .take(5)
        .collect())
}

/// A filed report: its number, whether this call created it (false: the same Confirm press
/// was handled before), and the open report it may duplicate.
#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub id: ReportId,
    pub new: bool,
    pub possible_dup_of: Option<(ReportId, f64)>,
}

/// Files `draft` for `reporter` in the caller's write transaction. `request_key` names the
/// Confirm press: the same key again returns the report it made.
pub async fn submit_in(
    conn: &mut Conn,
    reporter: &User,
    draft: &Draft,
    request_key: &str,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<Submitted, ReportsError> {
    if let Some(id) = store::by_request(conn, request_key).await? {
        return Ok(Submitted {
            id,
            new: false,
            possible_dup_of: None,
        });
    }
    if !reporter.is_registered() {
        return Err(Refusal::NotRegistered.into());
    }
    let filed = store::count_since(conn, reporter.id, day_start(now, rules.tz)).await?;
    if filed >= rules.per_day {
        return Err(ReportsError::DailyLimit(rules.per_day));
    }
    let category = store::category(conn, &draft.category)
        .await?
        .filter(|c| c.active)
        .ok_or(ReportsError::NoSuchCategory)?;
    let dup = near_duplicate(conn, &category.code, draft.at, now).await?;
    let id = store::insert(
        conn,
        &NewReport {
            reporter: reporter.id,
            role: reporter.role,
            category: &category.code,
            at: draft.at,
            note: draft.note.as_ref().map(|n| n.as_str()),
            possible_dup_of: dup.map(|(id, _)| id),
            request_key,
            now,
        },
    )
    .await?;
    store::insert_photos(conn, id, draft.photos.as_slice()).await?;
    store::record(conn, id, None, Status::Submitted, reporter.id, None, now).await?;
    if let Some(group) = rules.group {
        notices::card(conn, group, id).await?;
    }
    Ok(Submitted {
        id,
        new: true,
        possible_dup_of: dup,
    })
}

/// The statuses `action` moves a report in `from` through, in order; `None` if it may not.
pub fn transition(from: Status, action: &Action) -> Option<Vec<Status>> {
    use Status::*;
    let path = match (from, action) {
        (Submitted, Action::Accept) => vec![Accepted],
        (Submitted, Action::Route(_)) => vec![Accepted, Routed],
        (Accepted | Routed, Action::Route(_)) => vec![Routed],
        (Accepted | Routed, Action::Resolve) => vec![Resolved],
        (Submitted, Action::Reject(_)) => vec![Rejected],
        (Submitted, Action::DuplicateOf(_)) => vec![Duplicate],
        (Submitted, Action::Withdraw) => vec![Withdrawn],
        _ => return None,
    };
    Some(path)
}

/// What an action did.
#[derive(Debug, Clone, PartialEq)]
pub struct Acted {
    pub before: Status,
    pub report: Report,
    /// Points the reporter earned by it (on acceptance).
    pub awarded: Option<i64>,
}

fn action_name(action: &Action) -> &'static str {
    match action {
        Action::Accept => "report_accept",
        Action::Reject(_) => "report_reject",
        Action::Route(_) => "report_route",
        Action::Resolve => "report_resolve",
        Action::DuplicateOf(_) => "report_duplicate",
        Action::Withdraw => "report_withdraw",
    }
}

/// Applies `action` to report `id` on behalf of `actor`: a coordinator, or for a withdrawal
/// the reporter. Checked, recorded and (on acceptance) paid in one transaction.
pub async fn act(
    pool: &Pool,
    actor: UserId,
    id: ReportId,
    action: &Action,
    now: DateTime<Utc>,
) -> Result<Acted, ReportsError> {
    let mut tx = crate::db::begin_write(pool).await?;
    let report = store::find(&mut tx, id)
        .await?
        .ok_or(ReportsError::NoSuchReport(id))?;
    if *action == Action::Withdraw {
        if report.reporter != actor {
            return Err(ReportsError::NotYours);
        }
    } else {
        require_coordinator::<ReportsError>(&mut tx, actor).await?;
    }
    let path = transition(report.status, action).ok_or(ReportsError::Illegal {
        id,
        status: report.status,
    })?;
    let mut detail = None;
    match action {
        Action::Route(dept) => {
            let known = store::department(&mut tx, dept).await?;
            if !known.is_some_and(|d| d.active) {
                return Err(ReportsError::NoSuchDepartment(dept.to_string()));
            }
            detail = Some(dept.to_string());
        }
        Action::Reject(reason) => {
            let reason = reason.trim();
            if reason.is_empty() {
                return Err(ReportsError::ReasonRequired);
            }
            if reason.chars().count() > MAX_REASON_CHARS {
                return Err(ReportsError::ReasonTooLong);
            }
            detail = Some(reason.to_owned());
        }
        Action::DuplicateOf(of) => {
            let target = store::find(&mut tx, *of).await?;
            if *of == id || target.is_none() {
                return Err(ReportsError::BadDuplicate);
            }
            detail = Some(of.to_string());
        }
        Action::Accept | Action::Resolve | Action::Withdraw => {}
    }
    let mut from = report.status;
    let mut awarded = None;
    for &to in &path {
        store::record(&mut tx, id, Some(from), to, actor, detail.as_deref(), now).await?;
        if to == Status::Accepted {
            let rule = EarnRule::ReportAccepted {
                category: report.category.to_string(),
            };
            let posted = crate::points::domain::award_in(
                &mut tx,
                report.reporter,
                &rule,
                &id.to_string(),
                now,
            )
            .await;
            awarded = match posted {
                Ok(Posted::New(e)) => Some(e.amount),
                Ok(Posted::Existing(_)) => None,
                // A category worth no points has no earning rule to pay from.
                Err(PointsError::NoRule(_)) => None,
                Err(e) => return Err(e.into()),
            };
        }
        from = to;
    }
    let change = Change {
        status: from,
        department: match action {
            Action::Route(d) => Some(d),
            _ => None,
        },
        reject_reason: match action {
            Action::Reject(r) => Some(r.trim()),
            _ => None,
        },
        duplicate_of: match action {
            Action::DuplicateOf(of) => Some(*of),
            _ => None,
        },
        at: now,
    };
    store::set_status(&mut tx, id, &change).await?;
    if *action != Action::Withdraw {
        audit::record(
            &mut tx,
            Actor::User(actor),
            action_name(action),
            Some(report.reporter),
            Some(&format!("{id} {}", detail.as_deref().unwrap_or(""))),
        )
        .await?;
    }
    let after = store::find(&mut tx, id)
        .await?
        .ok_or(ReportsError::NoSuchReport(id))?;
    if after.status != Status::Withdrawn {
        notices::status(&mut tx, report.reporter, id, after.status, awarded).await?;
    }
    tx.commit().await?;
    Ok(Acted {
        before: report.status,
        report: after,
        awarded,
    })
}

/// What `viewer` may see of report `id`: a coordinator any report, a reporter their own,
/// with its history; anyone else nothing (as if it did not exist).
pub async fn view(
    pool: &Pool,
    viewer: UserId,
    id: ReportId,
) -> Result<(Report, Vec<super::HistoryEntry>), ReportsError> {
    let mut conn = pool.acquire().await?;
    let report = store::find(&mut conn, id)
        .await?
        .ok_or(ReportsError::NoSuchReport(id))?;
    if report.reporter != viewer && !users::store::is_coordinator(&mut conn, viewer).await? {
        return Err(ReportsError::NoSuchReport(id));
    }
    let history = store::history(&mut conn, id).await?;
    Ok((report, history))
}

/// The open reports, oldest first (at most `limit`), and how many the coordinators' group has
/// not received: for coordinators only.
pub async fn open_reports(
    pool: &Pool,
    viewer: UserId,
    limit: i64,
) -> Result<(Vec<Report>, usize), ReportsError> {
    let mut conn = pool.acquire().await?;
    require_coordinator::<ReportsError>(&mut conn, viewer).await?;
    let open = store::open(&mut conn, limit).await?;
    let unposted = store::untriaged(&mut conn).await?.len();
    Ok((open, unposted))
}

/// Accepted or routed reports untouched for `rules.follow_up_after` and not raised in the
/// last day; each is marked raised now and its follow-up put in the outbox for the group in the
/// same transaction, so it comes up once a day until someone acts. Returns how many.
pub async fn follow_ups(
    pool: &Pool,
    rules: &Rules,
    now: DateTime<Utc>,
) -> Result<usize, sqlx::Error> {
    let Some(group) = rules.group else {
        return Ok(0);
    };
    let mut tx = crate::db::begin_write(pool).await?;
    let due = store::follow_ups_due(
        &mut tx,
        now - rules.follow_up_after,
        now - Duration::days(1),
    )
    .await?;
    for id in &due {
        store::mark_raised(&mut tx, *id, now).await?;
        if let Some(r) = store::find(&mut tx, *id).await? {
            let days = (now - r.status_at).num_hours() / 24;
            notices::follow_up(&mut tx, group, *id, days).await?;
        }
    }
    tx.commit().await?;
    Ok(due.len())
}

/// The departments file, imported whole or not at all.
pub async fn import_departments(pool: &Pool, bytes: &[u8]) -> Result<usize, ImportError> {
    let departments = csv::parse_departments(bytes)?;
    let mut tx = crate::db::begin_write(pool).await?;
    store::upsert_departments(&mut tx, &departments).await?;
    tx.commit().await?;
    Ok(departments.len())
}

/// The categories file, imported whole or not at all; every department it names must exist.
pub async fn import_categories(pool: &Pool, bytes: &[u8]) -> Result<usize, ImportError> {
    let mut tx = crate::db::begin_write(pool).await?;
    let known: Vec<Department> = store::departments(&mut tx).await?;
    let categories = csv::parse_categories(bytes, |d| known.iter().any(|k| &k.code == d))?;
    store::upsert_categories(&mut tx, &categories).await?;
    tx.commit().await?;
    Ok(categories.len())
}

pub async fn export_departments(pool: &Pool) -> Result<Vec<u8>, ImportError> {
    let mut conn = pool.acquire().await?;
    let departments = store::departments(&mut conn).await?;
    csvfile::to_bytes(|out| csv::write_departments(out, &departments))
}

pub async fn export_categories(pool: &Pool) -> Result<Vec<u8>, ImportError> {
    let mut conn = pool.acquire().await?;
    let categories: Vec<Category> = store::categories(&mut conn, false).await?;
    csvfile::to_bytes(|out| csv::write_categories(out, &categories))
}

/// A department by code, for routing by command.
pub async fn department(
    pool: &Pool,
    code: &DepartmentCode,
) -> Result<Option<Department>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    store::department(&mut conn, code).await
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::reports::{Note, Photo, PhotoSource, Photos};
    use crate::users::Role;

    #[test]
    fn the_lifecycle_allows_only_its_transitions() {
        use Status::*;
        let dept = DepartmentCode::parse("cg").unwrap();
        let actions = [
            Action::Accept,
            Action::Reject("x".into()),
            Action::Route(dept.clone()),
            Action::Resolve,
            Action::DuplicateOf(ReportId(1)),
            Action::Withdraw,
        ];
        let allowed = |from: Status, a: &Action| transition(from, a).is_some();
        for a in &actions {
            for terminal in [Resolved, Rejected, Duplicate, Withdrawn] {
                assert!(!allowed(terminal, a), "{terminal:?} {a:?}");
            }
        }
        assert_eq!(
            transition(Submitted, &Action::Route(dept.clone())),
            Some(vec![Accepted, Routed])
        );
        assert_eq!(transition(Routed, &Action::Route(dept)), Some(vec![Routed]));
        assert!(!allowed(Submitted, &Action::Resolve));
        assert!(!allowed(Accepted, &Action::Accept));
        assert!(!allowed(Accepted, &Action::Withdraw));
        assert!(!allowed(Accepted, &Action::Reject("x".into())));
    }

    #[test]
    fn a_day_starts_at_local_midnight() {
        let tz = chrono_tz::Asia::Shanghai;
        // 01:30 in Shanghai on 30 Nov is 17:30 UTC on 29 Nov.
        let now = Utc.with_ymd_and_hms(2026, 11, 29, 17, 30, 0).unwrap();
        assert_eq!(
            day_start(now, tz),
            Utc.with_ymd_and_hms(2026, 11, 29, 16, 0, 0).unwrap()
        );
    }

    async fn pool_with_categories() -> (crate::db::testing::Scratch, Pool) {
        let (dir, pool) = crate::db::testing::scratch().await;
        import_departments(
            &pool,
            "code,name_zh,name_en,active\ncg,城管,Urban,1\n".as_bytes(),
        )
        .await
        .unwrap();
        import_categories(
            &pool,
            "code,name_zh,name_en,department,points,active\ngarbage,垃圾,Garbage,cg,15,1\n"
                .as_bytes(),
        )
        .await
        .unwrap();
        for (id, role) in [(1, "rider"), (2, "coordinator")] {
            sqlx::query(
                "INSERT INTO users (id, status, role, name, created_at, updated_at)
                 VALUES ($1, 'registered', $2, 'n', '2026-01-01', '2026-01-01')",
            )
            .bind(id)
            .bind(role)
            .execute(&pool)
            .await
            .unwrap();
        }
        (dir, pool)
    }

    fn draft(at: Position) -> Draft {
        Draft {
            category: CategoryCode::parse("garbage").unwrap(),
            photos: Photos::new(vec![Photo {
                file_id: "f".into(),
                sha256: "ab".into(),
                path: "ab/ab.jpg".into(),
                size: 3,
                source: PhotoSource::Photo,
            }])
            .unwrap(),
            at,
            note: Some(Note::parse("by the gate").unwrap()),
        }
    }

    fn rider() -> User {
        User {
            id: UserId(1),
            status: users::Status::Registered,
            role: Role::Rider,
            lang: crate::i18n::Lang::En,
            name: Some("n".into()),
            username: None,
            blocked: false,
        }
    }

    async fn submit(pool: &Pool, at: Position, key: &str, rules: &Rules) -> Submitted {
        let mut tx = crate::db::begin_write(pool).await.unwrap();
        let s = submit_in(&mut tx, &rider(), &draft(at), key, rules, Utc::now())
            .await
            .unwrap();
        tx.commit().await.unwrap();
        s
    }

    fn rules() -> Rules {
        Rules {
            group: Some(-100),
            per_day: 2,
            tz: chrono_tz::Asia::Shanghai,
            follow_up_after: Duration::hours(72),
        }
    }

    #[tokio::test]
    async fn filing_is_once_per_press_limited_per_day_and_flags_near_duplicates() {
        let (_dir, pool) = pool_with_categories().await;
        let at = Position::new(30.0, 120.0).unwrap();
        let first = submit(&pool, at, "k1", &rules()).await;
        assert!(first.new);
        assert_eq!(first.possible_dup_of, None);
        let again = submit(&pool, at, "k1", &rules()).await;
        assert_eq!((again.id, again.new), (first.id, false));
        let near = submit(&pool, at.offset(30.0, 0.0), "k2", &rules()).await;
        let (dup, d) = near.possible_dup_of.unwrap();
        assert_eq!(dup, first.id);
        assert!((d - 30.0).abs() < 1.0, "{d}");
        let mut tx = crate::db::begin_write(&pool).await.unwrap();
        let third = submit_in(&mut tx, &rider(), &draft(at), "k3", &rules(), Utc::now()).await;
        assert!(matches!(third, Err(ReportsError::DailyLimit(2))));
    }

    #[tokio::test]
    async fn accepting_pays_once_and_only_coordinators_act() {
        let (_dir, pool) = pool_with_categories().await;
        let at = Position::new(30.0, 120.0).unwrap();
        let id = submit(&pool, at, "k1", &rules()).await.id;
        let now = Utc::now();
        assert!(matches!(
            act(&pool, UserId(1), id, &Action::Accept, now).await,
            Err(ReportsError::Refused(Refusal::NotCoordinator))
        ));
        let (a, b) = tokio::join!(
            act(&pool, UserId(2), id, &Action::Accept, now),
            act(&pool, UserId(2), id, &Action::Accept, now)
        );
        let results = [a, b];
        let paid: Vec<_> = results.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(paid.len(), 1, "exactly one accept succeeds");
        assert_eq!(paid[0].awarded, Some(15));
        assert!(results.iter().any(|r| matches!(
            r,
            Err(ReportsError::Illegal {
                status: Status::Accepted,
                ..
            })
        )));
        let balance: i64 = sqlx::query_scalar("SELECT balance FROM balances WHERE rider_id = 1")
            .fetch_one(&pool)
            .await
            .unwrap();
        assert_eq!(balance, 15);
        let nowhere = Action::Route(DepartmentCode::parse("police").unwrap());
        assert!(matches!(
            act(&pool, UserId(2), id, &nowhere, now).await,
            Err(ReportsError::NoSuchDepartment(_))
        ));
        let resolved = act(&pool, UserId(2), id, &Action::Resolve, now)
            .await
            .unwrap();
        assert_eq!(resolved.report.status, Status::Resolved);
        assert!(matches!(
            act(&pool, UserId(2), id, &Action::Resolve, now).await,
            Err(ReportsError::Illegal { .. })
        ));
        let mut conn = pool.acquire().await.unwrap();
        let history = store::history(&mut conn, id).await.unwrap();
        let steps: Vec<Status> = history.iter().map(|h| h.to).collect();
        assert_eq!(
            steps,
            [Status::Submitted, Status::Accepted, Status::Resolved]
        );
        assert_eq!(history[1].actor, UserId(2));
    }

    #[tokio::test]
    async fn only_the_reporter_withdraws_and_only_while_submitted() {
        let (_dir, pool) = pool_with_categories().await;
        let at = Position::new(30.0, 120.0).unwrap();
        let id = submit(&pool, at, "k1", &rules()).await.id;
        let now = Utc::now();
        assert!(matches!(
            act(&pool, UserId(2), id, &Action::Withdraw, now).await,
            Err(ReportsError::NotYours)
        ));
        let done = act(&pool, UserId(1), id, &Action::Withdraw, now)
            .await
            .unwrap();
        assert_eq!(done.report.status, Status::Withdrawn);
        assert!(matches!(
            act(&pool, UserId(2), id, &Action::Accept, now).await,
            Err(ReportsError::Illegal { .. })
        ));
    }
}
