//! The process's one Prometheus recorder, the metric names, and what they mean.
//!
//! [`install`] sets the recorder once per process (every later call, from every other
//! `Application` a test process builds, gets the same one) and [`render`] gives the text
//! format `/metrics` serves. Until `install` is called, recording is a no-op. Labels carry
//! kinds, methods, codes and ids, never a person's name or phone number.

use std::sync::OnceLock;
use std::time::Duration;

use metrics::{describe_counter, describe_gauge, describe_histogram, Unit};
use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};
use metrics_util::MetricKindMask;

/// Updates by `kind` (`message`, `callback_query`, …) and `outcome`: `handled`, `failed` (the
/// handler returned an error), `ignored` (no handler took it), `duplicate` (its id was claimed
/// before), `dropped` (the flood gate).
pub const UPDATES: &str = "riderbot_updates_total";
/// Webhook mode: updates found claimed by an instance that stopped while handling them (not
/// handled again; their outcome is unknown).
pub const INBOX_UNKNOWN: &str = "riderbot_inbox_unknown_total";
/// Seconds from an update's claim to the end of its handling, by `kind`.
pub const HANDLER_SECONDS: &str = "riderbot_handler_seconds";
/// Bot API requests made, by `method`.
pub const API_CALLS: &str = "riderbot_bot_api_calls_total";
/// Bot API requests that failed, by `method` and `code` (`400`, `403`, `429`, `5xx`,
/// `network`, …).
pub const API_ERRORS: &str = "riderbot_bot_api_errors_total";
/// Outbox rows waiting to be sent, by `priority` (`own`, `bulk`).
pub const OUTBOX_DEPTH: &str = "riderbot_outbox_depth";
/// Outbox rows Telegram took.
pub const OUTBOX_SENT: &str = "riderbot_outbox_sent_total";
/// Outbox sends by how they ended: `sent`, `dropped`, `retry_after`, `unreachable`, `failed`,
/// `retry` (a transient error, tried again later).
pub const OUTBOX_OUTCOMES: &str = "riderbot_outbox_outcomes_total";
/// A broadcast's recipients, by `broadcast` id.
pub const BROADCAST_RECIPIENTS: &str = "riderbot_broadcast_recipients";
/// A broadcast's outbox rows that have ended (sent or not), by `broadcast` id.
pub const BROADCAST_DONE: &str = "riderbot_broadcast_done";
/// `done / recipients`, 0 to 1, by `broadcast` id.
pub const BROADCAST_PROGRESS: &str = "riderbot_broadcast_progress";
/// Connections the database pool holds.
pub const DB_POOL_CONNECTIONS: &str = "riderbot_db_pool_connections";
/// Of them, idle.
pub const DB_POOL_IDLE: &str = "riderbot_db_pool_idle";

/// Handler latency buckets, in seconds: most updates take milliseconds; an export or a chart
/// takes seconds.
const HANDLER_BUCKETS: [f64; 13] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
];

/// A gauge not set for this long leaves the output (a broadcast that ended, say).
const GAUGE_IDLE: Duration = Duration::from_secs(15 * 60);

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Installs the recorder, once per process; returns its handle.
pub fn install() -> &'static PrometheusHandle {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .idle_timeout(MetricKindMask::GAUGE, Some(GAUGE_IDLE))
            .set_buckets_for_metric(Matcher::Full(HANDLER_SECONDS.into()), &HANDLER_BUCKETS)
            .expect("the bucket list is a non-empty constant");
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        if metrics::set_global_recorder(recorder).is_err() {
            tracing::warn!("another metrics recorder was installed first; /metrics stays empty");
        }
        describe();
        handle
    })
}

/// Everything recorded so far, in Prometheus's text format.
pub fn render() -> String {
    install().render()
}

/// Folds histogram samples into their buckets (so memory stays bounded between scrapes).
pub fn upkeep() {
    install().run_upkeep();
}

fn describe() {
    describe_counter!(
        UPDATES,
        Unit::Count,
        "Updates by kind and outcome (handled, failed, ignored, duplicate, dropped)."
    );
    describe_histogram!(
        HANDLER_SECONDS,
        Unit::Seconds,
        "Time to handle one update, by kind."
    );
    describe_counter!(API_CALLS, Unit::Count, "Bot API requests, by method.");
    describe_counter!(
        API_ERRORS,
        Unit::Count,
        "Failed Bot API requests, by method and code."
    );
    describe_gauge!(
        OUTBOX_DEPTH,
        Unit::Count,
        "Outbox rows waiting to be sent, by priority."
    );
    describe_counter!(OUTBOX_SENT, Unit::Count, "Outbox rows Telegram took.");
    describe_counter!(
        INBOX_UNKNOWN,
        Unit::Count,
        "Webhook updates whose handling an instance stopped in; not handled again."
    );
    describe_counter!(
        OUTBOX_OUTCOMES,
        Unit::Count,
        "Outbox sends by how they ended."
    );
    describe_gauge!(
        BROADCAST_RECIPIENTS,
        Unit::Count,
        "A running or recently finished broadcast's recipients."
    );
    describe_gauge!(
        BROADCAST_DONE,
        Unit::Count,
        "A broadcast's rows that have ended, sent or not."
    );
    describe_gauge!(
        BROADCAST_PROGRESS,
        "A broadcast's done / recipients, 0 to 1."
    );
    describe_gauge!(
        DB_POOL_CONNECTIONS,
        Unit::Count,
        "Connections the database pool holds."
    );
    describe_gauge!(
        DB_POOL_IDLE,
        Unit::Count,
        "Idle connections in the database pool."
    );
}

/// Counts one update of `kind` that ended as `outcome`.
pub fn update(kind: &'static str, outcome: &'static str) {
    metrics::counter!(UPDATES, "kind" => kind, "outcome" => outcome).increment(1);
}

/// Counts an update found claimed by an instance that stopped while handling it (webhook
/// mode's inbox): its outcome is unknown and it is not handled again.
pub fn inbox_unknown() {
    metrics::counter!(INBOX_UNKNOWN).increment(1);
}

/// Records how long an update of `kind` took.
pub fn handler_seconds(kind: &'static str, took: Duration) {
    metrics::histogram!(HANDLER_SECONDS, "kind" => kind).record(took.as_secs_f64());
}

/// Counts one outbox send that ended as `outcome` (and the sent ones in [`OUTBOX_SENT`]).
pub fn outbox_outcome(outcome: &'static str) {
    if outcome == "sent" {
        metrics::counter!(OUTBOX_SENT).increment(1);
    }
    metrics::counter!(OUTBOX_OUTCOMES, "outcome" => outcome).increment(1);
}

/// Sets the pool gauges.
pub fn pool(connections: u32, idle: usize) {
    metrics::gauge!(DB_POOL_CONNECTIONS).set(f64::from(connections));
    metrics::gauge!(DB_POOL_IDLE).set(idle as f64);
}

/// The sum of `name`'s samples in `text` (the text format) whose labels include every pair of
/// `labels`; 0 when there is none. What a test or a probe reads a counter with.
pub fn sum(text: &str, name: &str, labels: &[(&str, &str)]) -> f64 {
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(parse_sample)
        .filter(|s| s.name == name)
        .filter(|s| {
            labels
                .iter()
                .all(|(k, v)| s.labels.iter().any(|(lk, lv)| lk == k && lv == v))
        })
        .map(|s| s.value)
        .sum()
}

/// One line of the text format: `name{label="value",…} value`.
#[derive(Debug, PartialEq)]
struct Sample {
    name: String,
    labels: Vec<(String, String)>,
    value: f64,
}

fn parse_sample(line: &str) -> Option<Sample> {
    let line = line.trim();
    let name_end = line.find(['{', ' '])?;
    let name = line[..name_end].to_owned();
    let mut labels = Vec::new();
    let mut rest = &line[name_end..];
    if let Some(inner) = rest.strip_prefix('{') {
        let mut chars = inner.char_indices();
        let mut key = String::new();
        loop {
            let (i, c) = chars.next()?;
            match c {
                '}' => {
                    rest = &inner[i + 1..];
                    break;
                }
                ',' | ' ' => {}
                '=' => {
                    if chars.next()?.1 != '"' {
                        return None;
                    }
                    let mut value = String::new();
                    loop {
                        match chars.next()?.1 {
                            '"' => break,
                            '\\' => match chars.next()?.1 {
                                'n' => value.push('\n'),
                                other => value.push(other),
                            },
                            other => value.push(other),
                        }
                    }
                    labels.push((std::mem::take(&mut key), value));
                }
                other => key.push(other),
            }
        }
    }
    let value = rest.split_whitespace().next()?;
    let value = match value {
        "+Inf" => f64::INFINITY,
        "-Inf" => f64::NEG_INFINITY,
        v => v.parse().ok()?,
    };
    Some(Sample {
        name,
        labels,
        value,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = r#"# HELP riderbot_updates_total Updates by kind and outcome.
# TYPE riderbot_updates_total counter
riderbot_updates_total{kind="message",outcome="handled"} 7
riderbot_updates_total{kind="message",outcome="duplicate"} 1
riderbot_updates_total{kind="callback_query",outcome="handled"} 2
riderbot_bot_api_errors_total{method="sendMessage",code="429"} 1
riderbot_handler_seconds_bucket{kind="message",le="+Inf"} 8
riderbot_odd{label="a \"quoted\", comma",other="x\\y"} 2.5
riderbot_outbox_sent_total 12
"#;

    #[test]
    fn samples_are_summed_over_the_labels_not_named() {
        assert_eq!(sum(TEXT, UPDATES, &[("kind", "message")]), 8.0);
        assert_eq!(sum(TEXT, UPDATES, &[("outcome", "handled")]), 9.0);
        assert_eq!(
            sum(
                TEXT,
                UPDATES,
                &[("kind", "message"), ("outcome", "handled")]
            ),
            7.0
        );
        assert_eq!(sum(TEXT, UPDATES, &[]), 10.0);
        assert_eq!(sum(TEXT, API_ERRORS, &[("code", "429")]), 1.0);
        assert_eq!(sum(TEXT, OUTBOX_SENT, &[]), 12.0);
        assert_eq!(
            sum(TEXT, "riderbot_handler_seconds_bucket", &[("le", "+Inf")]),
            8.0
        );
    }

    #[test]
    fn quoted_label_values_and_absent_series_are_read_right() {
        assert_eq!(
            sum(
                TEXT,
                "riderbot_odd",
                &[("label", "a \"quoted\", comma"), ("other", "x\\y")]
            ),
            2.5
        );
        assert_eq!(sum(TEXT, UPDATES, &[("kind", "poll")]), 0.0);
        assert_eq!(sum(TEXT, "riderbot_missing", &[]), 0.0);
        // A prefix of a name is another name.
        assert_eq!(sum(TEXT, "riderbot_updates", &[]), 0.0);
        assert_eq!(parse_sample("broken{kind=\"x\" 1"), None);
    }

    #[test]
    fn what_is_recorded_is_rendered() {
        install();
        metrics::counter!("riderbot_test_rendered_total", "kind" => "a").increment(3);
        metrics::histogram!(HANDLER_SECONDS, "kind" => "test_kind").record(0.02);
        let text = render();
        assert_eq!(
            sum(&text, "riderbot_test_rendered_total", &[("kind", "a")]),
            3.0
        );
        // The handler histogram has its own buckets: 0.02 s is under 0.025 and over 0.01.
        let bucket = |le: &str| {
            sum(
                &text,
                "riderbot_handler_seconds_bucket",
                &[("kind", "test_kind"), ("le", le)],
            )
        };
        assert_eq!(
            (bucket("0.01"), bucket("0.025"), bucket("+Inf")),
            (0.0, 1.0, 1.0)
        );
        assert!(text.contains("# HELP riderbot_handler_seconds"), "{text}");
    }
}
