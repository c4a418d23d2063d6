//! What notification settings hold about a rider (announcements on or off, nearby alerts and
//! the area of their last shared location) and erasure, which forgets them: a re-registered
//! rider gets announcements and no kept area, as anyone new.

use crate::db::Conn;
use crate::db::Flag;
use serde_json::{json, Value};

use crate::users::personal::{Done, Erasure, Held};
use crate::users::UserId;

type SettingsRow = (Flag, Flag, Option<f64>, Option<f64>, Option<String>);

async fn row(conn: &mut Conn, id: UserId) -> sqlx::Result<Option<SettingsRow>> {
    sqlx::query_as(
        "SELECT announcements, nearby, last_lat, last_lng, last_at
         FROM notification_settings WHERE user_id = $1",
    )
    .bind(id.0)
    .fetch_optional(conn)
    .await
}

pub async fn held(conn: &mut Conn, id: UserId) -> sqlx::Result<Vec<Held>> {
    let r = row(conn, id).await?;
    Ok(vec![
        Held {
            kind: "held-notification-settings",
            count: i64::from(r.is_some()),
        },
        Held {
            kind: "held-area",
            count: i64::from(r.is_some_and(|r| r.2.is_some())),
        },
    ])
}

pub async fn export(conn: &mut Conn, id: UserId) -> sqlx::Result<Value> {
    Ok(match row(conn, id).await? {
        None => Value::Null,
        Some((announcements, nearby, lat, lng, at)) => json!({
            "announcements": announcements.0,
            "nearby_alerts": nearby.0,
            "area_of_last_shared_location": lat.zip(lng).map(|(a, b)| json!({
                "latitude_rounded": a, "longitude_rounded": b, "shared_at": at,
            })),
        }),
    })
}

pub async fn erase(conn: &mut Conn, e: Erasure) -> sqlx::Result<Vec<Done>> {
    let gone = sqlx::query("DELETE FROM notification_settings WHERE user_id = $1")
        .bind(e.rider.0)
        .execute(conn)
        .await?
        .rows_affected();
    Ok(vec![Done {
        key: "erased-notification-settings",
        count: gone as i64,
    }])
}
