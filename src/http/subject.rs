//! The pages of one subject (a breach or an anomaly): what happened and when, its root
//! causes, the recommendation, the exact source lines behind it (read back from the
//! sources, marked when they changed since ingest, as `shape trace` does), and for a breach
//! the healing runs with their before and after. Plus the lists that link to them:
//! `/anomalies` and `/healing`.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use maud::{html, Markup};

use super::pages::{decimal, figure, page, percent, status_class};
use super::query::{self, number, sql_string, text, AsOf, QueryError, Row};
use super::AppState;
use crate::detect::{trace, TraceStatus};

/// Source lines shown per subject (`shape trace` shows them all).
const SOURCE_LINES: usize = 20;

fn as_of_of(params: &HashMap<String, String>) -> AsOf {
    AsOf {
        as_of: params.get("as_of").cloned(),
    }
}

pub async fn breach(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let as_of = as_of_of(&params);
    let main = breach_main(&state, &as_of, &id).await;
    let title = format!("Breach {id}");
    let missing = format!("no open breach {id:?} at this as_of\n");
    subject_page(&state, &headers, &as_of, &title, missing, main)
}

/// A subject's page, a 404 saying `missing` when there is no such subject, or the error.
fn subject_page(
    state: &AppState,
    headers: &HeaderMap,
    as_of: &AsOf,
    title: &str,
    missing: String,
    main: Result<Option<Markup>, QueryError>,
) -> Response {
    match main {
        Ok(Some(main)) => page(headers, title, state, as_of, main),
        Ok(None) => super::plain(StatusCode::NOT_FOUND, missing),
        Err(e) => e.into_response(),
    }
}

/// One moment of a breach's timeline.
struct Moment {
    at: String,
    what: String,
    detail: String,
}

async fn breach_main(
    state: &AppState,
    as_of: &AsOf,
    id: &str,
) -> Result<Option<Markup>, QueryError> {
    let ctx = query::session(&state.ctx, as_of)?;
    let quoted = sql_string(id);
    let rows = query::rows(
        &ctx,
        &format!("SELECT * FROM slo_breaches WHERE breach_id = {quoted}"),
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let runs = query::rows(
        &ctx,
        &format!("SELECT * FROM healing_runs WHERE breach_id = {quoted} ORDER BY started_at, step"),
    )
    .await?;
    let outcomes = query::rows(
        &ctx,
        &format!(
            "SELECT * FROM healing_outcomes WHERE breach_id = {quoted} ORDER BY verified_at, step"
        ),
    )
    .await?;
    let mut timeline = vec![Moment {
        at: text(row, "detected_at").to_string(),
        what: "detected".into(),
        detail: format!("{} ({})", text(row, "kind"), text(row, "severity")),
    }];
    timeline.extend(runs.iter().map(|r| Moment {
        at: text(r, "started_at").to_string(),
        what: "acted".into(),
        detail: format!(
            "{} step {}: {} -> {}",
            text(r, "playbook"),
            r.get("step").map_or(String::new(), |v| v.to_string()),
            text(r, "action_kind"),
            text(r, "result")
        ),
    }));
    timeline.extend(outcomes.iter().map(|o| Moment {
        at: text(o, "verified_at").to_string(),
        what: match text(o, "result") {
            "pass" => "verified (resolved)".into(),
            "fail" => "verified (did not help: escalated)".into(),
            other => format!("verified ({other})"),
        },
        detail: text(o, "detail").to_string(),
    }));
    timeline.sort_by(|a, b| a.at.cmp(&b.at));
    let evidence = evidence(state, &ctx, id).await?;
    let slo_link = format!(
        "/slo/{}{}",
        query::urlencode(text(row, "slo_id")),
        as_of.link_suffix()
    );
    Ok(Some(html! {
        h1 { "Breach " (id) }
        dl.facts data-breach-id=(id) {
            dt { "SLO" } dd { a href=(slo_link) { (text(row, "slo_id")) } }
            dt { "component" } dd { (text(row, "component")) }
            dt { "kind" } dd { (text(row, "kind")) " · " (text(row, "severity")) }
            dt { "window" } dd { (text(row, "window_start")) " → " (text(row, "window_end")) }
            dt { "SLI value" } dd { (figure(row, "sli_value", percent(number(row, "sli_value")))) " (objective " (percent(number(row, "objective"))) ")" }
            dt { "burn rate" } dd { (figure(row, "burn_rate", decimal(number(row, "burn_rate"), 2))) }
            dt { "budget left" } dd { (figure(row, "budget_remaining", percent(number(row, "budget_remaining")))) }
        }
        section #timeline {
            h2 { "Timeline" }
            ol.timeline {
                @for moment in &timeline {
                    li { span.at { (moment.at) } " " strong { (moment.what) } " " span.detail { (moment.detail) } }
                }
            }
        }
        (evidence)
        section #healing {
            h2 { "Healing: before and after" }
            @if outcomes.is_empty() { p.empty { "Not verified yet (no healing action, or its verification is pending)." } } @else {
                table {
                    thead { tr { th { "verified" } th { "playbook" } th { "result" } th { "SLI before → after" } th { "budget before → after" } } }
                    tbody {
                        @for o in &outcomes {
                            tr {
                                td { (text(o, "verified_at")) }
                                td { (text(o, "playbook")) }
                                td class=(status_class(text(o, "result"))) { (text(o, "result")) }
                                td { (percent(number(o, "sli_before"))) " → " (percent(number(o, "sli_after"))) }
                                td { (percent(number(o, "budget_before"))) " → " (percent(number(o, "budget_after"))) }
                            }
                        }
                    }
                }
            }
        }
    }))
}

pub async fn anomaly(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let as_of = as_of_of(&params);
    let main = anomaly_main(&state, &as_of, &id).await;
    let title = format!("Anomaly {id}");
    let missing = format!("no anomaly {id:?} in the lookback at this as_of\n");
    subject_page(&state, &headers, &as_of, &title, missing, main)
}

async fn anomaly_main(
    state: &AppState,
    as_of: &AsOf,
    id: &str,
) -> Result<Option<Markup>, QueryError> {
    let ctx = query::session(&state.ctx, as_of)?;
    let rows = query::rows(
        &ctx,
        &format!(
            "SELECT * FROM anomalies WHERE anomaly_id = {}",
            sql_string(id)
        ),
    )
    .await?;
    let Some(row) = rows.first() else {
        return Ok(None);
    };
    let evidence = evidence(state, &ctx, id).await?;
    Ok(Some(html! {
        h1 { "Anomaly " (id) }
        dl.facts data-anomaly-id=(id) {
            dt { "component" } dd { (text(row, "component")) " · " (text(row, "operation")) }
            dt { "kind" } dd { (text(row, "kind")) " · " (text(row, "severity")) }
            dt { "window" } dd { (text(row, "window_start")) " → " (text(row, "window_end")) }
            dt { "observed" } dd { (figure(row, "observed", decimal(number(row, "observed"), 2))) " (baseline " (decimal(number(row, "baseline"), 2)) ")" }
            dt { "score" } dd { (figure(row, "score", decimal(number(row, "score"), 2))) }
            dt { "events" } dd { (figure(row, "events", decimal(number(row, "events"), 0))) }
        }
        (evidence)
    }))
}

/// Root causes, the recommendation and the source lines of a subject.
async fn evidence(
    state: &AppState,
    ctx: &datafusion::prelude::SessionContext,
    id: &str,
) -> Result<Markup, QueryError> {
    let quoted = sql_string(id);
    let causes = query::rows(
        ctx,
        &format!("SELECT * FROM root_causes WHERE subject_id = {quoted} ORDER BY rank"),
    )
    .await?;
    let advice = query::rows(
        ctx,
        &format!(
            "SELECT * FROM fix_recommendations WHERE subject_id = {quoted} \
             ORDER BY benefit_score DESC NULLS LAST"
        ),
    )
    .await?;
    let (lines, total) = trace(ctx, &state.store, id, SOURCE_LINES)
        .await
        .map_err(|e| QueryError::Failed(e.to_string()))?;
    Ok(html! {
        section #causes {
            h2 { "Root causes" }
            @if causes.is_empty() { p.empty { "No cause stands out." } } @else {
                table {
                    thead { tr { th { "rank" } th { "operation" } th { "template" } th { "lift" } th { "events" } th { "first seen at" } } }
                    tbody {
                        @for c in &causes {
                            tr {
                                td { (decimal(number(c, "rank"), 0)) }
                                td { (text(c, "operation")) }
                                td.detail { (text(c, "template")) }
                                td { (figure(c, "lift", decimal(number(c, "lift"), 1))) }
                                td { (decimal(number(c, "events"), 0)) }
                                td.detail { (location(text(c, "sample_source"), c.get("sample_line"))) }
                            }
                        }
                    }
                }
            }
        }
        section #recommendation {
            h2 { "Recommendation" }
            @match advice.first() {
                None => p.empty { "No rule has something concrete to say." },
                Some(a) => div.advice {
                    p.what { (text(a, "recommendation")) }
                    p.why { (text(a, "rationale")) }
                    p { "benefit: " (figure(a, "benefit_score", decimal(number(a, "benefit_score"), 1))) " budget minutes" }
                }
            }
        }
        section #lines {
            h2 { "Source lines (" (lines.len()) " of " (total) ")" }
            @if lines.is_empty() { p.empty { "No contributing line." } } @else {
                ol.lines {
                    @for line in &lines {
                        li class=(match line.status { TraceStatus::Intact => "intact", TraceStatus::Changed(_) => "changed", TraceStatus::Vanished(_) => "vanished" }) {
                            code.where { (line.location()) }
                            @match &line.status {
                                TraceStatus::Intact => {},
                                TraceStatus::Changed(why) => { " " span.mark { "changed since ingest: " (why) } },
                                TraceStatus::Vanished(why) => { " " span.mark { "unreadable: " (why) } },
                            }
                            pre.raw { (line.raw.as_deref().unwrap_or(&line.message)) }
                        }
                    }
                }
            }
        }
    })
}

fn location(source: &str, line: Option<&serde_json::Value>) -> String {
    let path = source.strip_prefix("file://").unwrap_or(source);
    match line {
        Some(n) if !n.is_null() => format!("{path}:{n}"),
        _ => path.to_string(),
    }
}

pub async fn anomalies(
    State(state): State<Arc<AppState>>,
    Query(as_of): Query<AsOf>,
    headers: HeaderMap,
) -> Response {
    let list = async {
        let ctx = query::session(&state.ctx, &as_of)?;
        query::rows(
            &ctx,
            "SELECT * FROM anomalies ORDER BY score DESC, anomaly_id",
        )
        .await
    };
    match list.await {
        Ok(rows) => {
            let link = as_of.link_suffix();
            let main = html! {
                h1 { "Anomalies" }
                @if rows.is_empty() { p.empty { "None in the lookback." } } @else {
                    table {
                        thead { tr { th { "anomaly" } th { "component" } th { "operation" } th { "kind" } th { "severity" } th { "window" } th { "score" } } }
                        tbody {
                            @for r in &rows {
                                tr data-anomaly-id=(text(r, "anomaly_id")) {
                                    td { a href={ "/anomaly/" (query::urlencode(text(r, "anomaly_id"))) (link) } { (text(r, "anomaly_id")) } }
                                    td { (text(r, "component")) }
                                    td { (text(r, "operation")) }
                                    td { (text(r, "kind")) }
                                    td { (text(r, "severity")) }
                                    td { (text(r, "window_start")) " → " (text(r, "window_end")) }
                                    td { (figure(r, "score", decimal(number(r, "score"), 2))) }
                                }
                            }
                        }
                    }
                }
            };
            page(&headers, "Anomalies", &state, &as_of, main)
        }
        Err(e) => e.into_response(),
    }
}

pub async fn healing(
    State(state): State<Arc<AppState>>,
    Query(as_of): Query<AsOf>,
    headers: HeaderMap,
) -> Response {
    let lists = async {
        let ctx = query::session(&state.ctx, &as_of)?;
        let runs = query::rows(
            &ctx,
            "SELECT * FROM healing_runs ORDER BY started_at DESC, run_id, step LIMIT 200",
        )
        .await?;
        let playbooks = query::rows(
            &ctx,
            "SELECT * FROM playbook_effectiveness ORDER BY playbook",
        )
        .await?;
        Ok::<(Vec<Row>, Vec<Row>), QueryError>((runs, playbooks))
    };
    match lists.await {
        Ok((runs, playbooks)) => {
            let link = as_of.link_suffix();
            let main = html! {
                h1 { "Healing" }
                section #playbooks {
                    h2 { "Playbook effectiveness" }
                    @if playbooks.is_empty() { p.empty { "No playbook has run." } } @else {
                        table {
                            thead { tr { th { "playbook" } th { "runs" } th { "verified pass" } th { "verified fail" } th { "inconclusive" } th { "mean improvement" } } }
                            tbody {
                                @for p in &playbooks {
                                    tr {
                                        td { (text(p, "playbook")) }
                                        td { (decimal(number(p, "runs"), 0)) }
                                        td { (decimal(number(p, "verified_pass"), 0)) }
                                        td { (decimal(number(p, "verified_fail"), 0)) }
                                        td { (decimal(number(p, "inconclusive"), 0)) }
                                        td { (decimal(number(p, "mean_improvement"), 4)) }
                                    }
                                }
                            }
                        }
                    }
                }
                section #runs {
                    h2 { "Runs (newest first)" }
                    @if runs.is_empty() { p.empty { "No healing action yet." } } @else {
                        table {
                            thead { tr { th { "started" } th { "breach" } th { "playbook" } th { "step" } th { "action" } th { "result" } th { "detail" } } }
                            tbody {
                                @for r in &runs {
                                    tr {
                                        td { (text(r, "started_at")) }
                                        td { a href={ "/breach/" (query::urlencode(text(r, "breach_id"))) (link) } { (text(r, "breach_id")) } }
                                        td { (text(r, "playbook")) }
                                        td { (decimal(number(r, "step"), 0)) }
                                        td { (text(r, "action_kind")) }
                                        td { (text(r, "result")) }
                                        td.detail { (text(r, "detail")) }
                                    }
                                }
                            }
                        }
                    }
                }
            };
            page(&headers, "Healing", &state, &as_of, main)
        }
        Err(e) => e.into_response(),
    }
}
