//! `/metrics`: SHAPE's answers and its own work in the Prometheus text format (OpenMetrics
//! flavour, encoded by the Prometheus project's `prometheus-client`). Each scrape evaluates
//! the SLO views at now (or `?as_of=`); a NULL (no traffic) is left out, never sent as NaN.
//!
//! - per SLO: `shape_slo_sli_ratio`, `shape_slo_objective_ratio`,
//!   `shape_slo_budget_remaining_ratio`, `shape_slo_burn_rate{window="slo"|short|long}`,
//!   `shape_slo_breached` (1 when BREACHED), `shape_slo_alert_firing{severity,tier}`;
//! - per component: `shape_component_health_score`;
//! - ingest per source (from `ingest_log`): `shape_ingest_lines_total`, `..._rows_total`,
//!   `..._rejects_total`, `..._bytes_total`, `shape_ingest_last_commit_timestamp_seconds`;
//! - healing: `shape_healing_actions_total{result}`;
//! - this listener: `shape_http_requests_total{route,status}`,
//!   `shape_http_request_duration_seconds{route}` (histogram).

use std::collections::HashMap;
use std::sync::atomic::AtomicU64;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::text::encode;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use super::query::{self, number, text, AsOf, QueryError, Row};
use super::AppState;

type Labels = Vec<(String, String)>;
type GaugeFamily = Family<Labels, Gauge<f64, AtomicU64>>;
type CounterFamily = Family<Labels, Counter<f64, AtomicU64>>;
type HistogramFamily = Family<Labels, Histogram, fn() -> Histogram>;

/// Requests this listener answered (kept for the life of the server).
#[derive(Clone)]
pub struct RequestMetrics {
    requests: Family<Labels, Counter>,
    durations: HistogramFamily,
}

impl Default for RequestMetrics {
    fn default() -> Self {
        fn histogram() -> Histogram {
            // 1 ms .. 16 s
            Histogram::new(exponential_buckets(0.001, 2.0, 15))
        }
        RequestMetrics {
            requests: Family::default(),
            durations: Family::new_with_constructor(histogram),
        }
    }
}

impl RequestMetrics {
    pub fn observe(&self, route: &str, status: u16, took: Duration) {
        let route = ("route".to_string(), route.to_string());
        self.requests
            .get_or_create(&vec![route.clone(), ("status".into(), status.to_string())])
            .inc();
        self.durations
            .get_or_create(&vec![route])
            .observe(took.as_secs_f64());
    }
}

fn labels(row: &Row, columns: &[(&str, &str)]) -> Labels {
    columns
        .iter()
        .map(|(label, column)| (label.to_string(), text(row, column).to_string()))
        .collect()
}

/// Gauges named `name`, one per row with a value in `column`.
fn gauges(
    registry: &mut Registry,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, Option<f64>)>,
) {
    let family = GaugeFamily::default();
    for (labels, value) in samples {
        if let Some(value) = value {
            family.get_or_create(&labels).set(value);
        }
    }
    registry.register(name, help, family);
}

/// Counters (the `_total` suffix is the encoder's).
fn counters(
    registry: &mut Registry,
    name: &str,
    help: &str,
    samples: impl IntoIterator<Item = (Labels, Option<f64>)>,
) {
    let family = CounterFamily::default();
    for (labels, value) in samples {
        if let Some(value) = value {
            family.get_or_create(&labels).inc_by(value);
        }
    }
    registry.register(name, help, family);
}

const INGEST_BY_SOURCE: &str = "SELECT source, sum(lines) AS lines, sum(\"rows\") AS rows_, \
     sum(rejects) AS rejects, sum(to_offset - from_offset) AS bytes, \
     CAST(to_unixtime(max(finished_at)) AS DOUBLE) AS last_commit \
     FROM ingest_log GROUP BY source ORDER BY source";
const HEALING_BY_RESULT: &str =
    "SELECT result, CAST(count(*) AS DOUBLE) AS n FROM healing_runs GROUP BY result ORDER BY result";

/// The exposition text at `as_of`.
pub async fn exposition(state: &AppState, as_of: &AsOf) -> Result<String, QueryError> {
    // What SHAPE did (ingest, healing) needs no SLO figures: read beside the snapshot.
    let work = query::session(&state.ctx, as_of)?;
    let (ctx, ingest, healing) = futures::try_join!(
        query::slo_snapshot(state, as_of),
        query::rows_apart(&work, INGEST_BY_SOURCE),
        query::rows_apart(&work, HEALING_BY_RESULT),
    )?;
    let (status, alerts, health) = futures::try_join!(
        query::rows_apart(&ctx, "SELECT * FROM slo_status ORDER BY slo_id"),
        query::rows_apart(
            &ctx,
            "SELECT * FROM slo_burn_alerts ORDER BY slo_id, long_seconds"
        ),
        query::rows_apart(&ctx, "SELECT * FROM component_health ORDER BY component"),
    )?;
    let mut registry = Registry::default();
    let slo = &[("slo_id", "slo_id"), ("component", "component")];

    let each = |column: &'static str| {
        status
            .iter()
            .map(move |r| (labels(r, slo), number(r, column)))
    };
    gauges(
        &mut registry,
        "shape_slo_sli_ratio",
        "SLI over the SLO's window (good / total)",
        each("sli_value"),
    );
    gauges(
        &mut registry,
        "shape_slo_objective_ratio",
        "The SLO's objective",
        each("objective"),
    );
    gauges(
        &mut registry,
        "shape_slo_budget_remaining_ratio",
        "Error budget left (1 = untouched, below 0 = overspent)",
        each("budget_remaining"),
    );
    gauges(
        &mut registry,
        "shape_slo_breached",
        "1 when the SLO's budget is spent (status BREACHED)",
        status.iter().map(|r| {
            let breached = (text(r, "status") == "BREACHED") as u8 as f64;
            (labels(r, slo), Some(breached))
        }),
    );

    let mut burn = status
        .iter()
        .map(|r| {
            let mut l = labels(r, slo);
            l.push(("window".into(), "slo".into()));
            (l, number(r, "burn_rate"))
        })
        .collect::<Vec<_>>();
    let mut seen_windows = std::collections::HashSet::new();
    for row in &alerts {
        for (window, rate) in [
            ("short_window", "short_burn_rate"),
            ("long_window", "long_burn_rate"),
        ] {
            let mut l = labels(row, slo);
            l.push(("window".into(), text(row, window).to_string()));
            // Tiers share windows (1h is one tier's long and another's short): one sample.
            if seen_windows.insert(l.clone()) {
                burn.push((l, number(row, rate)));
            }
        }
    }
    gauges(
        &mut registry,
        "shape_slo_burn_rate",
        "Burn rate over a window (1 = spending the budget exactly over the SLO window)",
        burn,
    );
    gauges(
        &mut registry,
        "shape_slo_alert_firing",
        "1 when a multi-window burn-rate tier fires",
        alerts.iter().map(|r| {
            let firing = r.get("firing").and_then(|v| v.as_bool()).unwrap_or(false);
            (
                labels(
                    r,
                    &[
                        ("slo_id", "slo_id"),
                        ("component", "component"),
                        ("severity", "severity"),
                        ("short_window", "short_window"),
                        ("long_window", "long_window"),
                    ],
                ),
                Some(firing as u8 as f64),
            )
        }),
    );

    gauges(
        &mut registry,
        "shape_component_health_score",
        "Component health, 0 (critical) to 100",
        health.iter().map(|r| {
            (
                labels(r, &[("component", "component")]),
                number(r, "health_score"),
            )
        }),
    );

    let by_source = |column: &'static str| {
        ingest
            .iter()
            .map(move |r| (labels(r, &[("source", "source")]), number(r, column)))
    };
    counters(
        &mut registry,
        "shape_ingest_lines",
        "Lines read per source",
        by_source("lines"),
    );
    counters(
        &mut registry,
        "shape_ingest_rows",
        "Events written per source",
        by_source("rows_"),
    );
    counters(
        &mut registry,
        "shape_ingest_rejects",
        "Lines kept as rejects per source",
        by_source("rejects"),
    );
    counters(
        &mut registry,
        "shape_ingest_bytes",
        "Bytes read per source",
        by_source("bytes"),
    );
    gauges(
        &mut registry,
        "shape_ingest_last_commit_timestamp_seconds",
        "When the source's last ingest finished (Unix time)",
        by_source("last_commit"),
    );

    counters(
        &mut registry,
        "shape_healing_actions",
        "Healing actions by result",
        healing
            .iter()
            .map(|r| (labels(r, &[("result", "result")]), number(r, "n"))),
    );

    let (hits, misses) = state.memo.counts();
    counters(
        &mut registry,
        "shape_http_cache_lookups",
        "Answers looked up among the recent ones (outcome hit or miss)",
        [
            (
                vec![("outcome".to_string(), "hit".to_string())],
                Some(hits as f64),
            ),
            (
                vec![("outcome".to_string(), "miss".to_string())],
                Some(misses as f64),
            ),
        ],
    );
    registry.register(
        "shape_http_requests",
        "Requests this HTTP listener answered",
        state.requests.requests.clone(),
    );
    registry.register(
        "shape_http_request_duration_seconds",
        "Time to answer a request",
        state.requests.durations.clone(),
    );

    let mut out = String::new();
    encode(&mut out, &registry).map_err(|e| QueryError::Failed(e.to_string()))?;
    Ok(out)
}

pub async fn metrics(
    State(state): State<Arc<AppState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let as_of = AsOf {
        as_of: params.get("as_of").cloned(),
    };
    match exposition(&state, &as_of).await {
        Ok(text) => super::typed(
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
            text,
        ),
        Err(e) => e.into_response(),
    }
}
