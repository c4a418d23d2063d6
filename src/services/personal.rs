//! What services hold about a rider (their sign-ups) and how erasure lets go of it: a seat or a
//! place in line is given up (a freed seat goes to the next in line, who is told), and past
//! sign-ups stay as anonymous attendance figures.

use crate::db::Conn;
use crate::db::{At, Flag};
use serde_json::{json, Value};

use super::{store, SessionCode, SignupStatus};
use crate::users::personal::{Done, Erasure, Held};
use crate::users::UserId;

pub async fn held(conn: &mut Conn, rider: UserId) -> sqlx::Result<Vec<Held>> {
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM signups WHERE rider_id = $1")
        .bind(rider.0)
        .fetch_one(conn)
        .await?;
    Ok(vec![Held {
        kind: "held-signups",
        count: n,
    }])
}

pub async fn export(conn: &mut Conn, rider: UserId) -> sqlx::Result<Value> {
    let rows: Vec<(String, String, At, At)> = sqlx::query_as(
        "SELECT session, status, created_at, updated_at FROM signups WHERE rider_id = $1
         ORDER BY created_at",
    )
    .bind(rider.0)
    .fetch_all(conn)
    .await?;
    Ok(json!(rows
        .into_iter()
        .map(|(session, status, created, updated)| json!({
            "session": session,
            "status": status,
            "signed_up_at": created,
            "last_changed_at": updated,
        }))
        .collect::<Vec<_>>()))
}

/// Gives up every seat and place in line `e.rider` holds (seats of sessions not over yet go to
/// the next in line, who is told through the outbox), then moves all their sign-ups to the
/// anonymous id.
pub async fn erase(conn: &mut Conn, e: Erasure) -> sqlx::Result<Vec<Done>> {
    let held: Vec<(String, String, At, Flag)> = sqlx::query_as(
        "SELECT g.session, g.status, s.ends_at, s.cancelled FROM signups g
         JOIN sessions s ON s.code = g.session
         WHERE g.rider_id = $1 AND g.status IN ('signed', 'waitlisted')",
    )
    .bind(e.rider.0)
    .fetch_all(&mut *conn)
    .await?;
    let given_up = held.len() as i64;
    for (session, status, ends_at, cancelled) in held {
        let Some(code) = SessionCode::parse(&session) else {
            tracing::error!(
                session,
                "a sign-up names a session code that does not parse"
            );
            continue;
        };
        store::put_signup(conn, &code, e.rider, SignupStatus::Cancelled, false, e.now).await?;
        if status == "signed" && !cancelled.0 && ends_at.0 > e.now {
            if let Some(next) = store::next_waiting(conn, &code).await? {
                store::put_signup(conn, &code, next, SignupStatus::Signed, false, e.now).await?;
                super::notices::promoted(conn, next, &code).await?;
            }
        }
    }
    let attended: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM signups WHERE rider_id = $1 AND status = 'attended'",
    )
    .bind(e.rider.0)
    .fetch_one(&mut *conn)
    .await?;
    sqlx::query("UPDATE signups SET rider_id = $1 WHERE rider_id = $2")
        .bind(e.anon.0)
        .bind(e.rider.0)
        .execute(&mut *conn)
        .await?;
    let done = vec![
        Done {
            key: "erased-signups",
            count: given_up,
        },
        Done {
            key: "erased-attendance-kept",
            count: attended,
        },
    ];
    Ok(done)
}
