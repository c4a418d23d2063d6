//! The SQL of `/stats`: read-only aggregates over the tables other capabilities write. Every
//! query starts from the same one-row `f` (the filter's bounds, station, platform and area),
//! so each names what it filters by instead of a list of positional parameters.
//!
//! Times are compared as the RFC 3339 text every table stores; district days (station visits)
//! as `YYYY-MM-DD`. A rider's platform is their profile's now (erased riders have none).

use crate::db::At;
use crate::db::Conn;
use chrono::NaiveDate;
use sqlx::Arguments;

use super::domain::{median, Filter, TOP_STATIONS};
use super::{Attendance, Count, DayStatus, FeedbackFigures, Figures, ReportFigures};

/// The filter as the one-row table `f` every query joins.
const F: &str = "WITH f(from_t, to_t, from_d, to_d, now_t, station, platform, s, n, w, e) AS \
                 (SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ";

/// `rider` (a column) belongs to the filter's platform, when there is one. The subquery reads
/// `f` itself (as `fp`) rather than the outer query's `f`: a correlated subquery would be run
/// again for every row checked; this one is run once into a list.
const OF_PLATFORM: &str = "(f.platform IS NULL OR RIDER IN \
     (SELECT u.id FROM users u, f fp WHERE u.platform = fp.platform))";

fn args(f: &Filter) -> crate::db::Args<'static> {
    let mut a = crate::db::Args::default();
    let day = |d: NaiveDate| d.to_string();
    // Adding to SQLite arguments cannot fail for these types.
    let _ = a.add(At(f.period.from));
    let _ = a.add(At(f.period.to));
    let _ = a.add(f.period.first.map(day).unwrap_or_default());
    let _ = a.add(day(f.period.end));
    let _ = a.add(At(f.now));
    let _ = a.add(f.station.clone());
    let _ = a.add(f.platform.clone());
    let _ = a.add(f.area.south);
    let _ = a.add(f.area.north);
    let _ = a.add(f.area.west);
    let _ = a.add(f.area.east);
    a
}

/// `body` with `f`, and its `(SESSIONS)`, `(FILED)` and `OF_PLATFORM` (for the `rider`
/// column) spelled out.
fn sql(body: &str, rider: &str) -> String {
    let body = body
        .replace("(SESSIONS)", &format!("({SESSIONS})"))
        .replace("(FILED)", &format!("({FILED})"))
        .replace("OF_PLATFORM", &OF_PLATFORM.replace("RIDER", rider));
    format!("{F}{body}")
}

async fn one(conn: &mut Conn, f: &Filter, body: &str, rider: &str) -> sqlx::Result<i64> {
    sqlx::query_scalar_with::<_, i64, _>(&sql(body, rider), args(f))
        .fetch_one(conn)
        .await
}

async fn counts(conn: &mut Conn, f: &Filter, body: &str, rider: &str) -> sqlx::Result<Vec<Count>> {
    let rows: Vec<(String, Option<String>, Option<String>, i64)> =
        sqlx::query_as_with(&sql(body, rider), args(f))
            .fetch_all(conn)
            .await?;
    Ok(rows
        .into_iter()
        .map(|(key, name_zh, name_en, n)| Count {
            key,
            name_zh,
            name_en,
            n,
        })
        .collect())
}

async fn seconds(conn: &mut Conn, f: &Filter, body: &str, rider: &str) -> sqlx::Result<Vec<i64>> {
    sqlx::query_scalar_with::<_, i64, _>(&sql(body, rider), args(f))
        .fetch_all(conn)
        .await
}

/// Every figure, in the caller's (read) transaction.
pub async fn figures(conn: &mut Conn, f: &Filter) -> sqlx::Result<Figures> {
    let district = f.station.is_none();
    let riders_registered = if district {
        Some(registered(conn, f, false).await?)
    } else {
        None
    };
    let riders_new = if district {
        Some(registered(conn, f, true).await?)
    } else {
        None
    };
    let (points_issued, points_redeemed, redemptions) = if district {
        let (issued, redeemed, n) = points(conn, f).await?;
        (Some(issued), Some(redeemed), Some(n))
    } else {
        (None, None, None)
    };
    let (broadcasts, broadcast_reach) = if district {
        let (n, reach) = broadcasts(conn, f).await?;
        (Some(n), Some(reach))
    } else {
        (None, None)
    };
    let feedback = if district {
        Some(feedback(conn, f).await?)
    } else {
        None
    };
    Ok(Figures {
        riders_registered,
        riders_new,
        riders_active: one(conn, f, ACTIVE, "x.rider").await?,
        riders_reached: one(conn, f, REACHED, "x.rider").await?,
        visits: one(conn, f, VISITS, "v.rider_id").await?,
        top_stations: counts(
            conn,
            f,
            &format!("{TOP} LIMIT {TOP_STATIONS}"),
            "v.rider_id",
        )
        .await?,
        activities: one(conn, f, ACTIVITIES, "g.rider_id").await?,
        attendance: attendance(conn, f).await?,
        reports: reports(conn, f).await?,
        points_issued,
        points_redeemed,
        redemptions,
        broadcasts,
        broadcast_reach,
        feedback,
    })
}

/// Sessions of the period (by their start) not called off, at the filter's station.
const SESSIONS: &str =
    "SELECT s.code, s.ends_at FROM sessions s JOIN service_plans p ON p.code = s.plan, f
     WHERE s.cancelled = 0 AND s.starts_at >= f.from_t AND s.starts_at < f.to_t
       AND (f.station IS NULL OR p.station = f.station)";

/// Reports filed in the period, in the filter's area.
const FILED: &str = "SELECT r.* FROM reports r, f
     WHERE r.created_at >= f.from_t AND r.created_at < f.to_t
       AND r.lat BETWEEN f.s AND f.n AND r.lng BETWEEN f.w AND f.e";

const VISITS: &str = "SELECT COUNT(*) FROM station_visits v, f
     WHERE v.day >= f.from_d AND v.day < f.to_d
       AND (f.station IS NULL OR v.station = f.station) AND OF_PLATFORM";

const TOP: &str = "SELECT v.station, st.name_zh, st.name_en, COUNT(*) AS n
     FROM station_visits v LEFT JOIN stations st ON st.code = v.station, f
     WHERE v.day >= f.from_d AND v.day < f.to_d
       AND (f.station IS NULL OR v.station = f.station) AND OF_PLATFORM
     GROUP BY v.station, st.name_zh, st.name_en ORDER BY n DESC, v.station";

const ACTIVITIES: &str =
    "SELECT COUNT(*) FROM sessions s JOIN service_plans p ON p.code = s.plan, f
     WHERE s.cancelled = 0 AND s.starts_at >= f.from_t AND s.starts_at < f.to_t
       AND s.starts_at <= f.now_t AND (f.station IS NULL OR p.station = f.station)
       AND (f.platform IS NULL OR EXISTS (SELECT 1 FROM signups g
              WHERE g.session = s.code AND g.status = 'attended' AND OF_PLATFORM))";

/// Riders reached: attended, visited or filed in the period (`x.rider`); coordinators' own
/// actions are not riders reached.
const REACHED: &str = "SELECT COUNT(*) FROM (
       SELECT g.rider_id AS rider FROM signups g
         JOIN (SESSIONS) s ON s.code = g.session WHERE g.status = 'attended'
       UNION SELECT v.rider_id FROM station_visits v, f
         WHERE v.day >= f.from_d AND v.day < f.to_d AND (f.station IS NULL OR v.station = f.station)
       UNION SELECT r.reporter_id FROM (FILED) r
     ) x, f WHERE OF_PLATFORM AND x.rider NOT IN (SELECT id FROM users WHERE role = 'coordinator')";

/// Riders active: reached, or signed up, gave feedback or redeemed in the period (`x.rider`).
/// Feedback and redemptions belong to no station.
const ACTIVE: &str = "SELECT COUNT(*) FROM (
       SELECT g.rider_id AS rider FROM signups g JOIN (SESSIONS) s ON s.code = g.session
       UNION SELECT v.rider_id FROM station_visits v, f
         WHERE v.day >= f.from_d AND v.day < f.to_d AND (f.station IS NULL OR v.station = f.station)
       UNION SELECT r.reporter_id FROM (FILED) r
       UNION SELECT b.rider_id FROM feedback b, f
         WHERE f.station IS NULL AND b.created_at >= f.from_t AND b.created_at < f.to_t
       UNION SELECT d.rider_id FROM redemptions d, f
         WHERE f.station IS NULL AND d.created_at >= f.from_t AND d.created_at < f.to_t
     ) x, f WHERE OF_PLATFORM AND x.rider NOT IN (SELECT id FROM users WHERE role = 'coordinator')";

async fn registered(conn: &mut Conn, f: &Filter, new: bool) -> sqlx::Result<i64> {
    let body = if new {
        "SELECT COUNT(*) FROM users u, f WHERE u.status = 'registered' AND u.role <> 'coordinator'
           AND u.registered_at >= f.from_t AND u.registered_at < f.to_t AND OF_PLATFORM"
    } else {
        "SELECT COUNT(*) FROM users u, f WHERE u.status = 'registered' AND u.role <> 'coordinator'
           AND u.registered_at < f.to_t AND OF_PLATFORM"
    };
    one(conn, f, body, "u.id").await
}

async fn attendance(conn: &mut Conn, f: &Filter) -> sqlx::Result<Attendance> {
    let body = "SELECT COALESCE(SUM(CASE WHEN g.status IN ('signed', 'attended') THEN 1 ELSE 0 END), 0),
              COALESCE(SUM(CASE WHEN g.status = 'attended' THEN 1 ELSE 0 END), 0),
              COALESCE(SUM(CASE WHEN g.status = 'signed' AND s.ends_at <= f.now_t THEN 1 ELSE 0 END), 0),
              COALESCE(SUM(CASE WHEN g.status = 'waitlisted' AND s.ends_at > f.now_t THEN 1 ELSE 0 END), 0)
       FROM signups g JOIN (SESSIONS) s ON s.code = g.session, f WHERE OF_PLATFORM";
    let (signed_up, attended, no_shows, waitlisted): (i64, i64, i64, i64) =
        sqlx::query_as_with(&sql(body, "g.rider_id"), args(f))
            .fetch_one(conn)
            .await?;
    Ok(Attendance {
        signed_up,
        attended,
        no_shows,
        waitlisted,
    })
}

/// Seconds from filing to the first time each report of the period reached `status`, sorted.
fn timing(status: &str) -> String {
    format!(
        "SELECT CAST(ROUND((julianday(MIN(h.at)) - julianday(r.created_at)) * 86400) AS BIGINT) AS s
         FROM (FILED) r JOIN report_history h ON h.report_id = r.id AND h.to_status = '{status}', f
         WHERE OF_PLATFORM GROUP BY r.id, r.created_at ORDER BY s"
    )
}

async fn reports(conn: &mut Conn, f: &Filter) -> sqlx::Result<ReportFigures> {
    let rider = "r.reporter_id";
    let by_status = counts(
        conn,
        f,
        "SELECT r.status, NULL, NULL, COUNT(*) AS n FROM (FILED) r, f WHERE OF_PLATFORM
         GROUP BY r.status ORDER BY n DESC, r.status",
        rider,
    )
    .await?;
    let by_category = counts(
        conn,
        f,
        "SELECT r.category, c.name_zh, c.name_en, COUNT(*) AS n
         FROM (FILED) r LEFT JOIN categories c ON c.code = r.category, f WHERE OF_PLATFORM
         GROUP BY r.category, c.name_zh, c.name_en ORDER BY n DESC, r.category",
        rider,
    )
    .await?;
    let accept = seconds(conn, f, &timing("accepted"), rider).await?;
    let resolve = seconds(conn, f, &timing("resolved"), rider).await?;
    Ok(ReportFigures {
        filed: by_status.iter().map(|c| c.n).sum(),
        by_status,
        by_category,
        accepted: accept.len() as i64,
        resolved: resolve.len() as i64,
        median_accept_s: median(&accept),
        median_resolve_s: median(&resolve),
    })
}

/// Points earned in the period (entries that pay: reports, attendance, visits, positive
/// adjustments), points spent on confirmed redemptions and how many.
async fn points(conn: &mut Conn, f: &Filter) -> sqlx::Result<(i64, i64, i64)> {
    let issued = one(
        conn,
        f,
        "SELECT COALESCE(CAST(SUM(l.amount) AS BIGINT), 0) FROM ledger l, f
         WHERE l.at >= f.from_t AND l.at < f.to_t AND l.amount > 0
           AND l.kind IN ('report_accepted', 'attendance', 'visit', 'adjustment') AND OF_PLATFORM",
        "l.rider_id",
    )
    .await?;
    let (redeemed, n): (i64, i64) = sqlx::query_as_with(
        &sql(
            "SELECT COALESCE(CAST(SUM(d.cost) AS BIGINT), 0), COUNT(*) FROM redemptions d, f
             WHERE d.status = 'confirmed' AND d.closed_at >= f.from_t AND d.closed_at < f.to_t
               AND OF_PLATFORM",
            "d.rider_id",
        ),
        args(f),
    )
    .fetch_one(conn)
    .await?;
    Ok((issued, redeemed, n))
}

/// Broadcasts of the period delivered to at least one person, and how many people they
/// reached.
async fn broadcasts(conn: &mut Conn, f: &Filter) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as_with(
        &sql(
            "SELECT COUNT(DISTINCT o.broadcast_id), COUNT(DISTINCT o.chat_id)
             FROM broadcasts b JOIN outbox o ON o.broadcast_id = b.id AND o.status = 'sent', f
             WHERE b.send_at >= f.from_t AND b.send_at < f.to_t AND OF_PLATFORM",
            "o.chat_id",
        ),
        args(f),
    )
    .fetch_one(conn)
    .await
}

async fn feedback(conn: &mut Conn, f: &Filter) -> sqlx::Result<FeedbackFigures> {
    let rider = "b.rider_id";
    let of_period = "FROM feedback b, f WHERE b.created_at >= f.from_t AND b.created_at < f.to_t
                     AND OF_PLATFORM";
    let by_topic = counts(
        conn,
        f,
        &format!("SELECT b.topic, NULL, NULL, COUNT(*) AS n {of_period} GROUP BY b.topic ORDER BY n DESC, b.topic"),
        rider,
    )
    .await?;
    let (answered, rated, rating_x10): (i64, i64, Option<i64>) = sqlx::query_as_with(
        &sql(
            &format!(
                "SELECT COUNT(b.answered_at), COUNT(b.rating),
                        CAST(ROUND(AVG(b.rating) * 10) AS BIGINT) {of_period}"
            ),
            rider,
        ),
        args(f),
    )
    .fetch_one(&mut *conn)
    .await?;
    let answer = seconds(
        conn,
        f,
        &format!(
            "SELECT CAST(ROUND((julianday(b.answered_at) - julianday(b.created_at)) * 86400)
                    AS BIGINT) AS s {of_period} AND b.answered_at IS NOT NULL ORDER BY s"
        ),
        rider,
    )
    .await?;
    Ok(FeedbackFigures {
        received: by_topic.iter().map(|c| c.n).sum(),
        answered,
        by_topic,
        median_answer_s: median(&answer),
        rating_x10,
        rated,
    })
}

/// Reports filed per district day by their status now, for the chart.
pub async fn reports_per_day(conn: &mut Conn, f: &Filter) -> sqlx::Result<Vec<DayStatus>> {
    let rows: Vec<(At, String)> = sqlx::query_as_with(
        &sql(
            "SELECT r.created_at, r.status FROM (FILED) r, f WHERE OF_PLATFORM",
            "r.reporter_id",
        ),
        args(f),
    )
    .fetch_all(conn)
    .await?;
    let mut tally = std::collections::BTreeMap::<(NaiveDate, String), i64>::new();
    for (at, status) in rows {
        *tally
            .entry((at.0.with_timezone(&f.tz).date_naive(), status))
            .or_default() += 1;
    }
    Ok(tally
        .into_iter()
        .map(|((day, status), n)| DayStatus { day, status, n })
        .collect())
}

/// Station visits and attendances per week (by the week's Monday), for the chart.
pub async fn weekly(conn: &mut Conn, f: &Filter) -> sqlx::Result<Vec<(NaiveDate, i64, i64)>> {
    let visits: Vec<(String, i64)> = sqlx::query_as_with(
        &sql(
            "SELECT v.day, COUNT(*) FROM station_visits v, f
             WHERE v.day >= f.from_d AND v.day < f.to_d
               AND (f.station IS NULL OR v.station = f.station) AND OF_PLATFORM GROUP BY v.day",
            "v.rider_id",
        ),
        args(f),
    )
    .fetch_all(&mut *conn)
    .await?;
    let attended: Vec<(At, i64)> = sqlx::query_as_with(
        &sql(
            "SELECT s.starts_at, COUNT(*) FROM signups g JOIN (SELECT s.code, s.starts_at
                FROM sessions s JOIN service_plans p ON p.code = s.plan, f
                WHERE s.cancelled = 0 AND s.starts_at >= f.from_t AND s.starts_at < f.to_t
                  AND (f.station IS NULL OR p.station = f.station)) s ON s.code = g.session, f
              WHERE g.status = 'attended' AND OF_PLATFORM GROUP BY s.code, s.starts_at",
            "g.rider_id",
        ),
        args(f),
    )
    .fetch_all(conn)
    .await?;
    let monday = |d: NaiveDate| {
        use chrono::Datelike;
        d - chrono::Duration::days(d.weekday().num_days_from_monday().into())
    };
    let mut weeks = std::collections::BTreeMap::<NaiveDate, (i64, i64)>::new();
    for (day, n) in visits {
        if let Ok(day) = day.parse::<NaiveDate>() {
            weeks.entry(monday(day)).or_default().0 += n;
        }
    }
    for (at, n) in attended {
        weeks
            .entry(monday(at.0.with_timezone(&f.tz).date_naive()))
            .or_default()
            .1 += n;
    }
    Ok(weeks.into_iter().map(|(w, (v, a))| (w, v, a)).collect())
}
