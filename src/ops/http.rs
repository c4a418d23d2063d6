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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::emulator::Emulator;

    struct Served {
        base: String,
        _stop: tokio::sync::oneshot::Sender<()>,
    }

    async fn serve_on_a_free_port(readiness: Readiness) -> Served {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let app = routes(Arc::new(readiness));
        tokio::spawn(serve(listener, app, async move {
            let _ = stopped.await;
        }));
        Served { base, _stop: stop }
    }

    async fn get(base: &str, path: &str) -> (u16, String) {
        let response = reqwest::get(format!("{base}{path}")).await.unwrap();
        let status = response.status().as_u16();
        (status, response.text().await.unwrap())
    }

    async fn parts() -> (Emulator, teloxide::Bot, crate::db::Pool) {
        let emu = Emulator::start().await.unwrap();
        let bot = teloxide::Bot::new(emu.token()).set_api_url(emu.api_url());
        let pool = crate::db::connect("sqlite::memory:").await.unwrap();
        (emu, bot, pool)
    }

    #[tokio::test]
    async fn readiness_trusts_a_getme_for_a_while_and_fails_when_the_database_is_gone() {
        let (emu, bot, pool) = parts().await;
        let served =
            serve_on_a_free_port(Readiness::new(pool.clone(), bot, Duration::from_secs(30))).await;
        assert_eq!(get(&served.base, "/healthz").await, (200, "ok".into()));
        for _ in 0..3 {
            assert_eq!(get(&served.base, "/readyz").await, (200, "ok".into()));
        }
        assert_eq!(emu.request_count("getMe"), 1, "probes share one getMe");
        let (status, text) = get(&served.base, "/metrics").await;
        assert_eq!(status, 200);
        assert!(text.contains("riderbot_db_pool_connections"), "{text}");
        pool.close().await;
        assert_eq!(
            get(&served.base, "/readyz").await,
            (503, "database: the pool is closed".into())
        );
        assert_eq!(get(&served.base, "/healthz").await, (200, "ok".into()));
        assert_eq!(get(&served.base, "/nothing").await.0, 404);
    }

    #[tokio::test]
    async fn a_failed_getme_is_remembered_for_a_few_seconds_so_probes_do_not_each_ask() {
        let (emu, bot, pool) = parts().await;
        // Successes trusted 2 s, so failures are remembered 2 s (at most BOT_FAILED_FOR).
        let trust = Duration::from_secs(2);
        let served = serve_on_a_free_port(Readiness::new(pool, bot, trust)).await;
        emu.fail_get_me(1);
        let refused = (503, "bot api: getMe: no answer within 3 s".to_owned());
        assert_eq!(get(&served.base, "/readyz").await, refused);
        let failed_at = std::time::Instant::now();
        for _ in 0..5 {
            assert_eq!(get(&served.base, "/readyz").await, refused);
        }
        assert!(
            failed_at.elapsed() < trust,
            "the probes were too slow for the test"
        );
        assert_eq!(emu.request_count("getMe"), 1, "the failure was remembered");
        tokio::time::sleep(trust.saturating_sub(failed_at.elapsed()) + Duration::from_millis(100))
            .await;
        assert_eq!(get(&served.base, "/readyz").await, (200, "ok".into()));
        assert_eq!(emu.request_count("getMe"), 2);
    }

    #[tokio::test]
    async fn a_bot_api_that_does_not_answer_is_not_ready_until_it_does() {
        let (emu, bot, pool) = parts().await;
        let served = serve_on_a_free_port(Readiness::new(pool, bot, Duration::ZERO)).await;
        emu.fail_get_me(1);
        let started = std::time::Instant::now();
        let (status, text) = get(&served.base, "/readyz").await;
        assert_eq!(
            (status, text.as_str()),
            (503, "bot api: getMe: no answer within 3 s")
        );
        // Telegram's 502 keeps teloxide waiting 10 s; the probe gives up at 3.
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(get(&served.base, "/readyz").await, (200, "ok".into()));
        // With no trust period nothing is remembered, a failure neither: every probe asks.
        assert_eq!(get(&served.base, "/readyz").await, (200, "ok".into()));
        assert_eq!(emu.request_count("getMe"), 3);
        let text = crate::ops::exporter::render();
        let timeouts = crate::ops::exporter::sum(
            &text,
            crate::ops::exporter::API_ERRORS,
            &[("method", "getMe"), ("code", "timeout")],
        );
        assert!(timeouts >= 1.0, "{text}");
    }
}
