//! The district's figures for coordinators: what the work amounts to (riders reached, station
//! visits, activities, reports and how fast they move, points, sign-ups, broadcasts, riders'
//! feedback), for a period and for the district, one station or one platform.
//!
//! - [`domain`]: the question (`/stats [week|month|year|all|YYYY-MM] [STATION|PLATFORM]`), its
//!   period in district days, who may ask (coordinators, checked in the read transaction), the
//!   audit line, the median.
//! - [`store`]: the SQL: read-only queries over the other capabilities' tables, each a single
//!   aggregate (no row is loaded but report timings and a chart's series).
//! - [`telegram`]: `/stats`, its period and chart buttons, the figures as text and as charts.
//!
//! Stats owns no table; it reads what onboarding, stations, services, reports, points,
//! broadcasts and feedback write, and changes none of it.

pub mod domain;
pub mod store;
pub mod telegram;

use chrono::NaiveDate;

/// One named count (a status, a category, a station, a topic) in a figure's breakdown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Count {
    pub key: String,
    /// The name to show, where the key is not enough (a category's or station's name).
    pub name_zh: Option<String>,
    pub name_en: Option<String>,
    pub n: i64,
}

/// Reports filed in the period: by their status now and by category, and the median seconds
/// from filing to acceptance and to resolution (of those that got there).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReportFigures {
    pub filed: i64,
    pub by_status: Vec<Count>,
    pub by_category: Vec<Count>,
    pub accepted: i64,
    pub resolved: i64,
    pub median_accept_s: Option<i64>,
    pub median_resolve_s: Option<i64>,
}

/// Sign-ups for the period's sessions: seats taken, attended, no-shows (signed up for a
/// session that has ended and not checked in), still waiting for a seat in a session to come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Attendance {
    pub signed_up: i64,
    pub attended: i64,
    pub no_shows: i64,
    pub waitlisted: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FeedbackFigures {
    pub received: i64,
    pub answered: i64,
    pub by_topic: Vec<Count>,
    pub median_answer_s: Option<i64>,
    /// Average rating × 10 (one decimal), of the rated items.
    pub rating_x10: Option<i64>,
    pub rated: i64,
}

/// Everything `/stats` shows. A figure that means nothing for a station (riders registered,
/// points, broadcasts, feedback) is `None` there.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Figures {
    pub riders_registered: Option<i64>,
    pub riders_new: Option<i64>,
    /// Did something the bot records in the period: a visit, a sign-up, a report, feedback,
    /// a redemption.
    pub riders_active: i64,
    /// Attended a service, visited a station or filed a report in the period.
    pub riders_reached: i64,
    pub visits: i64,
    pub top_stations: Vec<Count>,
    /// Sessions in the period that were not called off and have begun.
    pub activities: i64,
    pub attendance: Attendance,
    pub reports: ReportFigures,
    pub points_issued: Option<i64>,
    pub points_redeemed: Option<i64>,
    pub redemptions: Option<i64>,
    pub broadcasts: Option<i64>,
    /// Distinct people a broadcast of the period was delivered to.
    pub broadcast_reach: Option<i64>,
    pub feedback: Option<FeedbackFigures>,
}

/// A day's reports by status: a chart's series.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayStatus {
    pub day: NaiveDate,
    pub status: String,
    pub n: i64,
}
