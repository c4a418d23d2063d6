//! The operator's endpoints: `GET /healthz` (200 "ok" while the process runs), `GET /readyz`
//! (200 "ok", or 503 with the reason: see [`super::ready`]) and `GET /metrics` (Prometheus's
//! text format). [`routes`] is self-contained, so a webhook server can merge it into its own
//! router; [`serve`] runs it alone (polling mode with `HTTP_ADDR` set).

use std::future::Future;
use std::sync::Arc;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;

use super::exporter;
use super::ready::Readiness;

/// Prometheus's text exposition format.
const METRICS_CONTENT_TYPE: &str = "text/plain; version=0.0.4; charset=utf-8";

/// The three routes, with what they read.
pub fn routes(readiness: Arc<Readiness>) -> Router {
    exporter::install();
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .with_state(readiness)
}

/// Serves `app` on `listener` until `stop` completes; requests in progress finish first.
pub async fn serve(
    listener: tokio::net::TcpListener,
    app: Router,
    stop: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, app)
        .with_graceful_shutdown(stop)
        .await
}

async fn healthz() -> &'static str {
    "ok"
}

async fn readyz(State(readiness): State<Arc<Readiness>>) -> Response {
    match readiness.check().await {
        Ok(()) => (StatusCode::OK, "ok").into_response(),
        Err(why) => {
            tracing::warn!(%why, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, why.to_string()).into_response()
        }
    }
}

async fn metrics(State(readiness): State<Arc<Readiness>>) -> Response {
    let pool = readiness.pool();
    exporter::pool(pool.size(), pool.num_idle());
    (
        [(header::CONTENT_TYPE, METRICS_CONTENT_TYPE)],
        exporter::render(),
    )
        .into_response()
}
