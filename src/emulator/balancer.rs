//! A round-robin load balancer for webhook deliveries, as an operator puts in front of several
//! instances: each request goes to the next backend in turn, its headers (content type and
//! Telegram's secret token) and body as they came; the sender gets the backend's status, or 502
//! when the backend cannot be reached (Telegram then tries again). For tests and benchmarks of
//! several instances.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

/// A running balancer.
pub struct Balancer {
    /// Where it listens (the webhook is set to this address and `path`).
    pub addr: SocketAddr,
    /// How many requests each backend was given, in the order of `backends`.
    pub given: Arc<Vec<AtomicU64>>,
}

/// Headers passed on to the backend.
const PASSED: [&str; 2] = ["content-type", "x-telegram-bot-api-secret-token"];

/// Starts a balancer on a free port of 127.0.0.1 forwarding POSTs to `path` to the same path on
/// each of `backends` in turn.
pub async fn start(backends: Vec<SocketAddr>, path: &str) -> std::io::Result<Balancer> {
    let given: Arc<Vec<AtomicU64>> = Arc::new(backends.iter().map(|_| AtomicU64::new(0)).collect());
    let turn = Arc::new(AtomicU64::new(0));
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(64)
        .build()
        .map_err(std::io::Error::other)?;
    let counts = given.clone();
    let to = path.to_owned();
    let forward = move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
        let i = (turn.fetch_add(1, Ordering::Relaxed) as usize) % backends.len().max(1);
        let url = backends.get(i).map(|b| format!("http://{b}{to}"));
        if url.is_some() {
            counts[i].fetch_add(1, Ordering::Relaxed);
        }
        let client = client.clone();
        async move {
            let Some(url) = url else {
                return axum::http::StatusCode::BAD_GATEWAY;
            };
            let mut req = client.post(url).body(body);
            for name in PASSED {
                if let Some(v) = headers.get(name) {
                    req = req.header(name, v.as_bytes());
                }
            }
            match req.send().await {
                Ok(r) => axum::http::StatusCode::from_u16(r.status().as_u16())
                    .unwrap_or(axum::http::StatusCode::BAD_GATEWAY),
                Err(_) => axum::http::StatusCode::BAD_GATEWAY,
            }
        }
    };
    let app = axum::Router::new().route(path, axum::routing::post(forward));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    tokio::spawn(async move { axum::serve(listener, app).await });
    Ok(Balancer { addr, given })
}
