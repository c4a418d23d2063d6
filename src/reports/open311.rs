//! Reports for other city systems, in the shape of Open311 GeoReport v2's `requests.json`:
//! one service request per report, with no personal data of the reporter (no id, name, phone,
//! role or note author).
//!
//! Withdrawn reports are left out: the rider took them back. Free text is left out unless the
//! operator asks for it ([`Notes::Included`], `--with-notes`): the rider's description may name
//! people or places the rider did not mean to publish, and a rejection's reason is the
//! coordinators' own words. Without it, `description` is null and `status_notes` says only
//! "rejected".
//!
//! `status` is `open` while someone still has to act (submitted, accepted, routed) and
//! `closed` otherwise; `status_notes` says why in words (resolved, rejected, with its reason
//! only with notes, duplicate of another request). `media_url` is the first photo under
//! `MEDIA_BASE_URL` when that is set (the photos are served by whatever serves `MEDIA_DIR`).

use std::collections::HashMap;

use crate::db::Pool;
use chrono::SecondsFormat;
use chrono_tz::Tz;
use serde_json::{json, Value};

use super::{store, Report, Status};

/// The GeoReport v2 service request fields this export writes, and nothing else.
pub const FIELDS: [&str; 16] = [
    "service_request_id",
    "status",
    "status_notes",
    "service_name",
    "service_code",
    "description",
    "agency_responsible",
    "service_notice",
    "requested_datetime",
    "updated_datetime",
    "expected_datetime",
    "address",
    "address_id",
    "zipcode",
    "lat",
    "long",
];
/// ... plus `media_url`.
pub const MEDIA_FIELD: &str = "media_url";

/// Whether the export carries free text (the rider's description, a rejection's reason).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notes {
    Withheld,
    Included,
}

fn status_notes(r: &Report, notes: Notes) -> Option<String> {
    match r.status {
        Status::Submitted => Some("submitted".into()),
        Status::Accepted => Some("accepted".into()),
        Status::Routed => Some("routed to the responsible department".into()),
        Status::Resolved => Some("resolved".into()),
        Status::Rejected => match (notes, r.reject_reason.as_deref()) {
            (Notes::Included, Some(reason)) => Some(format!("rejected: {reason}")),
            (Notes::Included, None) | (Notes::Withheld, _) => Some("rejected".into()),
        },
        Status::Duplicate => r.duplicate_of.map(|d| format!("duplicate of {d}")),
        Status::Withdrawn => Some("withdrawn by the reporter".into()),
    }
}

/// The export as a JSON array, one object per report not withdrawn, oldest first.
pub async fn export(
    pool: &Pool,
    media_base: Option<&url::Url>,
    tz: Tz,
    notes: Notes,
) -> Result<Vec<u8>, sqlx::Error> {
    let mut conn = pool.acquire().await?;
    let reports = store::all(&mut conn).await?;
    let categories: HashMap<_, _> = store::categories(&mut conn, false)
        .await?
        .into_iter()
        .map(|c| (c.code.clone(), c))
        .collect();
    let departments: HashMap<_, _> = store::departments(&mut conn)
        .await?
        .into_iter()
        .map(|d| (d.code.clone(), d))
        .collect();
    let mut out = Vec::with_capacity(reports.len());
    for r in reports.iter().filter(|r| r.status != Status::Withdrawn) {
        let category = categories.get(&r.category);
        let department = r
            .department
            .as_ref()
            .or(category.map(|c| &c.department))
            .and_then(|d| departments.get(d));
        let first_photo = store::photos(&mut conn, r.id).await?.into_iter().next();
        let time = |t: chrono::DateTime<chrono::Utc>| {
            t.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        };
        let mut request = json!({
            "service_request_id": r.id.to_string(),
            "status": if r.status.is_open() { "open" } else { "closed" },
            "status_notes": status_notes(r, notes),
            "service_name": category.map(|c| c.name_en.clone().unwrap_or(c.name_zh.clone())),
            "service_code": r.category.as_str(),
            "description": match notes {
                Notes::Included => r.note.clone(),
                Notes::Withheld => None,
            },
            "agency_responsible": department.map(|d| d.name_zh.clone()),
            "service_notice": Value::Null,
            "requested_datetime": time(r.created_at),
            "updated_datetime": time(r.status_at),
            "expected_datetime": Value::Null,
            "address": Value::Null,
            "address_id": Value::Null,
            "zipcode": Value::Null,
            "lat": r.at.lat(),
            "long": r.at.lng(),
        });
        if let (Some(base), Some(photo)) = (media_base, first_photo) {
            if let Ok(url) = base.join(&photo.path) {
                request[MEDIA_FIELD] = json!(url.as_str());
            }
        }
        out.push(request);
    }
    Ok(serde_json::to_vec_pretty(&out).unwrap_or_default())
}
