//! The dashboard's pages, rendered on the server with `maud` (which escapes every value it
//! inserts: a log line holding `<script>` is text on the page). Charts are inline SVG made
//! here from numbers only. `/static/app.js` (the only script) re-fetches the page's `<main>`
//! every 15 s with the header `X-Shape-Fragment: 1`, which returns just that part, so a page
//! follows new data without reloading.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup, DOCTYPE};

use super::charts;
use super::query::{self, number, sql_string, text, AsOf, QueryError, Row};
use super::AppState;

const APP_JS: &str = include_str!("static/app.js");
const APP_CSS: &str = include_str!("static/app.css");

/// `/static/app.js` and `/static/app.css`, compiled into the binary.
pub async fn asset(Path(file): Path<String>) -> Response {
    match file.as_str() {
        "app.js" => super::typed("text/javascript; charset=utf-8", APP_JS),
        "app.css" => super::typed("text/css; charset=utf-8", APP_CSS),
        _ => super::plain(StatusCode::NOT_FOUND, "no such file\n"),
    }
}

/// The whole page, or only its `<main>` when the refresh script asks.
pub(super) fn page(
    headers: &HeaderMap,
    title: &str,
    state: &AppState,
    as_of: &AsOf,
    main: Markup,
) -> Response {
    let fragment = headers.get("x-shape-fragment").is_some();
    let body = if fragment {
        main
    } else {
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    meta name="viewport" content="width=device-width, initial-scale=1";
                    title { (title) " · SHAPE" }
                    link rel="stylesheet" href="/static/app.css";
                    script src="/static/app.js" defer {}
                }
                body {
                    header {
                        a.brand href={ "/" (as_of.link_suffix()) } { "SHAPE" }
                        nav {
                            a href={ "/anomalies" (as_of.link_suffix()) } { "Anomalies" }
                            a href={ "/healing" (as_of.link_suffix()) } { "Healing" }
                        }
                        span.where { (state.data_dir) }
                        span.when {
                            @match &as_of.as_of {
                                Some(t) if !t.is_empty() => { "as of " (t) }
                                _ => { "live" }
                            }
                            " · " span #updated {}
                        }
                    }
                    main #content { (main) }
                }
            }
        }
    };
    super::typed("text/html; charset=utf-8", body.into_string())
}

fn failed(e: QueryError) -> Response {
    e.into_response()
}

pub(super) fn percent(value: Option<f64>) -> String {
    value.map_or("–".to_string(), |v| format!("{:.2}%", v * 100.0))
}

pub(super) fn decimal(value: Option<f64>, places: usize) -> String {
    value.map_or("–".to_string(), |v| format!("{v:.places$}"))
}

/// A number as the page shows it, with its exact value in `data-value` (for tests and tools).
pub(super) fn figure(row: &Row, column: &str, shown: String) -> Markup {
    html! {
        span.figure data-column=(column) data-value=(row.get(column).map_or(String::new(), |v| v.to_string())) { (shown) }
    }
}

pub(super) fn status_class(status: &str) -> &'static str {
    match status {
        "OK" | "HEALTHY" => "ok",
        "WARNING" | "DEGRADED" => "warn",
        "NO_DATA" => "none",
        _ => "bad",
    }
}

/// Where a component is heading: its recent burn rate (see `slo_figures`).
fn trend(row: &Row) -> Markup {
    let window = text(row, "recent_window");
    match number(row, "recent_burn") {
        None => html! { div.trend.none { "no recent traffic" } },
        Some(burn) => {
            let (class, arrow, word) = if burn > 1.0 {
                ("bad", "▼", "burning")
            } else {
                ("ok", "●", "within budget")
            };
            html! {
                div class={ "trend " (class) } {
                    (arrow) " " (word) " ×" (figure(row, "recent_burn", decimal(Some(burn), 2))) " over " (window)
                }
            }
        }
    }
}

pub async fn overview(
    State(state): State<Arc<AppState>>,
    Query(as_of): Query<AsOf>,
    headers: HeaderMap,
) -> Response {
    match overview_main(&state, &as_of).await {
        Ok(main) => page(&headers, "Overview", &state, &as_of, main),
        Err(e) => failed(e),
    }
}

async fn overview_main(state: &AppState, as_of: &AsOf) -> Result<Markup, QueryError> {
    // Detection and the SLO figures are independent: evaluated side by side.
    let anomalies = query::memo_rows(
        state,
        as_of,
        "SELECT severity, count(*) AS anomalies FROM anomalies GROUP BY severity \
         ORDER BY CASE severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 ELSE 3 END",
    );
    let (figures, anomalies) = tokio::join!(slo_figures(state, as_of), anomalies);
    let figures = figures?;
    Ok(overview_markup(&figures, &anomalies?, &as_of.link_suffix()))
}

/// What the overview shows of the SLOs: component health, SLOs not OK, firing tiers, open
/// breaches, and the last healing actions.
struct SloFigures {
    health: Vec<Row>,
    slos: Vec<Row>,
    firing: Vec<Row>,
    breaches: Vec<Row>,
    healing: Vec<Row>,
}

async fn slo_figures(state: &AppState, as_of: &AsOf) -> Result<SloFigures, QueryError> {
    let ctx = query::slo_snapshot(state, as_of).await?;
    // Five reads of one snapshot, side by side (each is small; together they wait less).
    let (health, slos, firing, breaches, healing) = tokio::try_join!(
        // The trend beside each score: the fastest burn-rate tier's long-window burn, the
        // worst over the component's SLOs (above 1: spending faster than the budget allows).
        query::rows_apart(
            &ctx,
            "SELECT h.*, t.recent_burn, t.recent_window FROM component_health h LEFT JOIN ( \
               SELECT component, max(long_burn_rate) AS recent_burn, min(long_window) AS recent_window \
               FROM slo_burn_alerts \
               WHERE long_seconds = (SELECT min(long_seconds) FROM slo_burn_alerts) \
               GROUP BY component) t ON t.component = h.component \
             ORDER BY h.health_score, h.component",
        ),
        query::rows_apart(
            &ctx,
            "SELECT * FROM slo_status WHERE status <> 'OK' ORDER BY budget_remaining NULLS LAST, slo_id",
        ),
        query::rows_apart(
            &ctx,
            "SELECT * FROM slo_burn_alerts WHERE firing ORDER BY severity, slo_id, long_seconds",
        ),
        query::rows_apart(
            &ctx,
            "SELECT * FROM slo_breaches ORDER BY detected_at DESC, breach_id",
        ),
        query::rows_apart(
            &ctx,
            "SELECT * FROM healing_runs ORDER BY started_at DESC, run_id, step LIMIT 10",
        ),
    )?;
    Ok(SloFigures {
        health,
        slos,
        firing,
        breaches,
        healing,
    })
}

fn overview_markup(figures: &SloFigures, anomalies: &[Row], link: &str) -> Markup {
    let SloFigures {
        health,
        slos,
        firing,
        breaches,
        healing,
    } = figures;
    html! {
        h1 { "Overview" }
        section #health {
            h2 { "Components" }
            @if health.is_empty() { p.empty { "No component has an SLO yet." } }
            div.tiles {
                @for row in health.iter() {
                    div class={ "tile " (status_class(text(row, "status"))) } data-component=(text(row, "component")) {
                        div.name { (text(row, "component")) }
                        div.score { (figure(row, "health_score", decimal(number(row, "health_score"), 0))) }
                        div.status { (text(row, "status")) }
                        (trend(row))
                    }
                }
            }
        }
        section #slos {
            h2 { "SLOs not OK" }
            @if slos.is_empty() { p.empty { "Every SLO is OK." } } @else {
                table {
                    thead { tr { th { "SLO" } th { "component" } th { "SLI" } th { "objective" } th { "budget left" } th { "burn rate" } th { "status" } } }
                    tbody {
                        @for row in slos.iter() {
                            tr data-slo-id=(text(row, "slo_id")) {
                                td { a href={ "/slo/" (query::urlencode(text(row, "slo_id"))) (link) } { (text(row, "slo_id")) } }
                                td { (text(row, "component")) }
                                td { (figure(row, "sli_value", percent(number(row, "sli_value")))) }
                                td { (figure(row, "objective", percent(number(row, "objective")))) }
                                td { (figure(row, "budget_remaining", percent(number(row, "budget_remaining")))) }
                                td { (figure(row, "burn_rate", decimal(number(row, "burn_rate"), 2))) }
                                td class=(status_class(text(row, "status"))) { (text(row, "status")) }
                            }
                        }
                    }
                }
            }
        }
        section #firing {
            h2 { "Burn-rate alerts firing" }
            @if firing.is_empty() { p.empty { "None." } } @else {
                table {
                    thead { tr { th { "SLO" } th { "severity" } th { "windows" } th { "burn rates" } th { "factor" } } }
                    tbody {
                        @for row in firing.iter() {
                            tr data-slo-id=(text(row, "slo_id")) {
                                td { (text(row, "slo_id")) }
                                td { (text(row, "severity")) }
                                td { (text(row, "short_window")) " & " (text(row, "long_window")) }
                                td { (figure(row, "short_burn_rate", decimal(number(row, "short_burn_rate"), 2))) " / " (figure(row, "long_burn_rate", decimal(number(row, "long_burn_rate"), 2))) }
                                td { (figure(row, "factor", decimal(number(row, "factor"), 2))) }
                            }
                        }
                    }
                }
            }
        }
        section #breaches {
            h2 { "Open breaches" }
            @if breaches.is_empty() { p.empty { "None." } } @else {
                table {
                    thead { tr { th { "breach" } th { "SLO" } th { "kind" } th { "severity" } th { "detected" } th { "budget left" } } }
                    tbody {
                        @for row in breaches.iter() {
                            tr data-breach-id=(text(row, "breach_id")) {
                                td { a href={ "/breach/" (query::urlencode(text(row, "breach_id"))) (link) } { (text(row, "breach_id")) } }
                                td { a href={ "/slo/" (query::urlencode(text(row, "slo_id"))) (link) } { (text(row, "slo_id")) } }
                                td { (text(row, "kind")) }
                                td { (text(row, "severity")) }
                                td { (text(row, "detected_at")) }
                                td { (figure(row, "budget_remaining", percent(number(row, "budget_remaining")))) }
                            }
                        }
                    }
                }
            }
        }
        section #anomalies {
            h2 { "Anomalies by severity" }
            @if anomalies.is_empty() { p.empty { "None in the lookback." } } @else {
                ul.counts {
                    @for row in anomalies.iter() {
                        li data-severity=(text(row, "severity")) { (text(row, "severity")) ": " (figure(row, "anomalies", decimal(number(row, "anomalies"), 0))) }
                    }
                }
            }
        }
        section #healing {
            h2 { "Last healing actions" }
            @if healing.is_empty() { p.empty { "No healing action yet." } } @else {
                table {
                    thead { tr { th { "started" } th { "breach" } th { "playbook" } th { "action" } th { "result" } th { "detail" } } }
                    tbody {
                        @for row in healing.iter() {
                            tr {
                                td { (text(row, "started_at")) }
                                td { (text(row, "breach_id")) }
                                td { (text(row, "playbook")) }
                                td { (text(row, "action_kind")) }
                                td { (text(row, "result")) }
                                td.detail { (text(row, "detail")) }
                            }
                        }
                    }
                }
            }
        }
    }
}

pub async fn slo(
    State(state): State<Arc<AppState>>,
    Path(slo_id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let as_of = AsOf {
        as_of: params.get("as_of").cloned(),
    };
    match slo_main(&state, &as_of, &slo_id).await {
        Ok(Some(main)) => page(&headers, &slo_id, &state, &as_of, main),
        Ok(None) => super::plain(StatusCode::NOT_FOUND, format!("no SLO {slo_id:?}\n")),
        Err(e) => failed(e),
    }
}

async fn slo_main(
    state: &AppState,
    as_of: &AsOf,
    slo_id: &str,
) -> Result<Option<Markup>, QueryError> {
    let id = sql_string(slo_id);
    // Five independent reads, side by side; each remembered and kept warm like the overview's.
    let status_sql = format!("SELECT * FROM slo_status WHERE slo_id = {id}");
    let burndown_sql = format!("SELECT time, budget_remaining, ideal_remaining FROM error_budget_burndown WHERE slo_id = {id} ORDER BY time");
    let tiers_sql =
        format!("SELECT * FROM slo_burn_alerts WHERE slo_id = {id} ORDER BY long_seconds");
    let history_sql = format!(
        "SELECT tier, severity, long_window, time, burn_rate, factor FROM slo_burn_history \
         WHERE slo_id = {id} ORDER BY tier, time"
    );
    let compliance_sql =
        format!("SELECT * FROM slo_compliance WHERE slo_id = {id} ORDER BY period_start");
    let (status, burndown, tiers, history, compliance) = tokio::try_join!(
        query::memo_rows(state, as_of, &status_sql),
        query::memo_rows(state, as_of, &burndown_sql),
        query::memo_rows(state, as_of, &tiers_sql),
        query::memo_rows(state, as_of, &history_sql),
        query::memo_rows(state, as_of, &compliance_sql),
    )?;
    let Some(row) = status.first() else {
        return Ok(None);
    };
    Ok(Some(html! {
        h1 { "SLO " (slo_id) }
        dl.facts data-slo-id=(slo_id) {
            dt { "component" } dd { (text(row, "component")) }
            dt { "SLI" } dd { (text(row, "sli")) " · " (text(row, "budgeting")) }
            dt { "objective" } dd { (figure(row, "objective", percent(number(row, "objective")))) }
            dt { "window" } dd { (text(row, "window_start")) " → " (text(row, "window_end")) }
            dt { "SLI value" } dd { (figure(row, "sli_value", percent(number(row, "sli_value")))) }
            dt { "budget left" } dd { (figure(row, "budget_remaining", percent(number(row, "budget_remaining")))) }
            dt { "burn rate" } dd { (figure(row, "burn_rate", decimal(number(row, "burn_rate"), 2))) }
            dt { "status" } dd class=(status_class(text(row, "status"))) { (text(row, "status")) }
        }
        section #burndown {
            h2 { "Error budget burndown" }
            (charts::burndown_chart(&burndown))
        }
        section #tiers {
            h2 { "Burn rates per tier" }
            (charts::burn_chart(&history))
            table {
                thead { tr { th { "severity" } th { "windows" } th { "short" } th { "long" } th { "factor" } th { "firing" } } }
                tbody {
                    @for tier in &tiers {
                        tr {
                            td { (text(tier, "severity")) }
                            td { (text(tier, "short_window")) " & " (text(tier, "long_window")) }
                            td { (figure(tier, "short_burn_rate", decimal(number(tier, "short_burn_rate"), 2))) }
                            td { (figure(tier, "long_burn_rate", decimal(number(tier, "long_burn_rate"), 2))) }
                            td { (figure(tier, "factor", decimal(number(tier, "factor"), 2))) }
                            td { @if tier.get("firing").and_then(|v| v.as_bool()) == Some(true) { "FIRING" } @else { "no" } }
                        }
                    }
                }
            }
        }
        section #compliance {
            h2 { "Compliance per period" }
            @if compliance.is_empty() { p.empty { "No period with data." } } @else {
                table {
                    thead { tr { th { "period" } th { "SLI" } th { "objective" } th { "met" } } }
                    tbody {
                        @for period in &compliance {
                            tr {
                                td { (text(period, "period_start")) " → " (text(period, "period_end")) }
                                td { (figure(period, "sli_value", percent(number(period, "sli_value")))) }
                                td { (percent(number(period, "objective"))) }
                                td { @if period.get("met").and_then(|v| v.as_bool()) == Some(true) { "yes" } @else { "no" } }
                            }
                        }
                    }
                }
            }
        }
    }))
}
