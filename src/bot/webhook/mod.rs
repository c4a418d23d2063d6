//! Webhook mode's intake: the HTTP endpoint Telegram posts updates to.
//!
//! A request is answered only after its update is safe: a wrong or missing
//! `X-Telegram-Bot-Api-Secret-Token` is 401, checked before any of the body is read; a body
//! over [`MAX_BODY`] is 413, one not sent within [`READ_TIMEOUT`] 408, one that is not an
//! update 400, all with nothing recorded; an update past its sender's flood limit is answered
//! 200 and dropped (as polling drops it); any other update is recorded in the inbox
//! (`bot::inbox`) and only then answered 200, a re-delivered id acknowledged without a second
//! row (and counted as a duplicate). A database that cannot record it is 500, so Telegram
//! delivers it again later. The update is handled afterwards by the inbox's worker, never
//! inside the request.
//!
//! teloxide's own webhook listener is not used: it answers 200 before the update is handled,
//! and stopping it deletes the webhook.

pub mod admin;

use std::sync::Arc;

use crate::db::Pool;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::StatusCode;
use axum::routing::post;
use teloxide::types::{Update, UpdateKind};
use teloxide::Bot;
use tokio::sync::Notify;

use crate::bot::core::flood::{self, Flood};
use crate::bot::inbox;
use crate::config::WebhookSecret;

/// The header Telegram sends the secret in.
pub const SECRET_HEADER: &str = "x-telegram-bot-api-secret-token";

/// What the endpoint needs; shared by every request.
pub struct Intake {
    pub pool: Pool,
    pub secret: WebhookSecret,
    pub flood: Flood,
    /// Used for the flood gate's one "slow down" notice.
    pub bot: Bot,
    /// Told when an update was recorded, so the worker leases it at once.
    pub wake: Arc<Notify>,
}

/// The largest body taken. An update is a message of at most 4096 characters of text or 1024
/// of caption with its entities, a reply's quoted message and a few objects about people and
/// chats: tens of kilobytes at most (files come as ids, not bytes).
pub const MAX_BODY: usize = 1024 * 1024;
/// How long a request's body may take to arrive, so a client that sends half a request does
/// not hold a connection (nor the stop).
pub const READ_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(10);

/// The webhook endpoint at `path` (POST only). Other routes are merged onto it by the caller.
pub fn routes(path: &str, intake: Arc<Intake>) -> axum::Router {
    axum::Router::new()
        .route(path, post(receive))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(intake)
}

/// The secret header was right: taken from the request's head, so a request without it is
/// refused before any of its body is read.
struct Authorized;

impl FromRequestParts<Arc<Intake>> for Authorized {
    type Rejection = StatusCode;

    async fn from_request_parts(
        parts: &mut Parts,
        intake: &Arc<Intake>,
    ) -> Result<Authorized, StatusCode> {
        let given = parts.headers.get(SECRET_HEADER).map(|v| v.as_bytes());
        if given.is_some_and(|g| intake.secret.matches(g)) {
            return Ok(Authorized);
        }
        tracing::warn!(
            secret = given.is_some(),
            "webhook: request refused (secret token)"
        );
        Err(StatusCode::UNAUTHORIZED)
    }
}

/// The body, at most [`MAX_BODY`] (413) and within [`READ_TIMEOUT`] (408).
async fn read_body(request: Request) -> Result<Bytes, StatusCode> {
    match tokio::time::timeout(READ_TIMEOUT, Bytes::from_request(request, &())).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(rejection)) => {
            tracing::warn!(status = %rejection.status(), "webhook: body not read");
            Err(rejection.status())
        }
        Err(_) => {
            tracing::warn!("webhook: body not sent in time");
            Err(StatusCode::REQUEST_TIMEOUT)
        }
    }
}

async fn receive(State(intake): State<Arc<Intake>>, _: Authorized, request: Request) -> StatusCode {
    let body = match read_body(request).await {
        Ok(body) => body,
        Err(status) => return status,
    };
    let (Ok(text), Ok(update)) = (
        std::str::from_utf8(&body),
        serde_json::from_slice::<Update>(&body),
    ) else {
        tracing::warn!(bytes = body.len(), "webhook: a body that is not an update");
        return StatusCode::BAD_REQUEST;
    };
    if let UpdateKind::Error(_) = update.kind {
        // A kind this release cannot read: delivering it again would not help.
        tracing::warn!(
            update_id = update.id.0,
            "webhook: update of an unknown kind skipped"
        );
        return StatusCode::OK;
    }
    if !flood::admit(&intake.flood, &intake.bot, &update) {
        return StatusCode::OK;
    }
    let id = i64::from(update.id.0);
    let chat = inbox::order_key(&update);
    match inbox::store::record(&intake.pool, id, chat, text, crate::db::now()).await {
        Ok(true) => intake.wake.notify_one(),
        Ok(false) => {
            // As the claim counts a re-delivery in polling mode.
            crate::ops::exporter::update(crate::ops::updates::kind_of(&update), "duplicate");
            tracing::debug!(update_id = id, "webhook: update delivered again");
        }
        Err(err) => {
            tracing::error!(update_id = id, %err, "webhook: update not recorded; Telegram retries");
            return StatusCode::INTERNAL_SERVER_ERROR;
        }
    }
    StatusCode::OK
}
