//! `/api/v1/<name>`: the views the pages show, as JSON (`{"view", "as_of", "rows"}`), with
//! `?as_of=` and the filters each endpoint lists; `/api/v1/openapi.json` describes them,
//! its row schemas taken from the views themselves so that the document cannot drift.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use datafusion::arrow::datatypes::DataType;
use serde_json::{json, Map, Value};

use super::query::{self, sql_string, AsOf, QueryError};
use super::AppState;

/// An endpoint: its name under `/api/v1/`, the view it reads, what it answers, the columns
/// it may be filtered on (`?column=value`, exact match) and its order.
pub struct Endpoint {
    pub name: &'static str,
    pub view: &'static str,
    pub summary: &'static str,
    pub filters: &'static [&'static str],
    pub order: &'static str,
}

pub const ENDPOINTS: &[Endpoint] = &[
    Endpoint {
        name: "status",
        view: "component_health",
        summary: "Health score and status per component",
        filters: &["component", "status"],
        order: "health_score, component",
    },
    Endpoint {
        name: "slos",
        view: "slo_status",
        summary: "Every SLO at as_of: SLI, budget remaining, burn rate, status",
        filters: &["slo_id", "component", "status"],
        order: "slo_id",
    },
    Endpoint {
        name: "burn_alerts",
        view: "slo_burn_alerts",
        summary: "Multi-window burn-rate tiers per SLO, and whether each fires",
        filters: &["slo_id", "severity"],
        order: "slo_id, severity, long_window",
    },
    Endpoint {
        name: "burn_history",
        view: "slo_burn_history",
        summary: "Each tier's long-window burn rate per hour of the SLO's window",
        filters: &["slo_id", "severity"],
        order: "slo_id, tier, time",
    },
    Endpoint {
        name: "burndown",
        view: "error_budget_burndown",
        summary: "Budget remaining over each SLO's window, with the ideal line",
        filters: &["slo_id"],
        order: "slo_id, time",
    },
    Endpoint {
        name: "compliance",
        view: "slo_compliance",
        summary: "SLI per SLO and calendar period, and whether the objective was met",
        filters: &["slo_id"],
        order: "slo_id, period_start",
    },
    Endpoint {
        name: "breaches",
        view: "slo_breaches",
        summary: "Open breaches: what the healing runner acts on",
        filters: &["breach_id", "slo_id", "component", "severity"],
        order: "detected_at DESC, breach_id",
    },
    Endpoint {
        name: "anomalies",
        view: "anomalies",
        summary: "Anomalies in the detection lookback, worst first",
        filters: &["anomaly_id", "component", "severity"],
        order: "score DESC, anomaly_id",
    },
    Endpoint {
        name: "root_causes",
        view: "root_causes",
        summary: "Ranked causes per anomaly or breach (subject_id)",
        filters: &["subject_id"],
        order: "subject_id, rank",
    },
    Endpoint {
        name: "recommendations",
        view: "fix_recommendations",
        summary: "Fix recommendations scored by the budget they would win back",
        filters: &["subject_id"],
        order: "benefit_score DESC, subject_id",
    },
    Endpoint {
        name: "lineage",
        view: "lineage",
        summary: "The source lines (file, line, offset) behind each subject",
        filters: &["subject_id"],
        order: "subject_id",
    },
    Endpoint {
        name: "healing",
        view: "healing_runs",
        summary: "Healing actions planned or executed, newest first",
        filters: &["breach_id", "slo_id", "result"],
        order: "started_at DESC, run_id, step",
    },
    Endpoint {
        name: "playbooks",
        view: "playbook_effectiveness",
        summary: "Per playbook: runs, verified passes and failures, mean improvement",
        filters: &[],
        order: "playbook",
    },
];

/// Rows of the endpoint's view at `as_of`, filtered as asked.
pub async fn view_rows(
    state: &AppState,
    endpoint: &Endpoint,
    as_of: &AsOf,
    filters: &HashMap<String, String>,
) -> Result<Vec<query::Row>, QueryError> {
    let ctx = query::session(&state.ctx, as_of)?;
    let conditions: Vec<String> = endpoint
        .filters
        .iter()
        .filter_map(|column| {
            filters
                .get(*column)
                .map(|value| format!("CAST({column} AS VARCHAR) = {}", sql_string(value)))
        })
        .collect();
    let mut sql = format!("SELECT * FROM {}", endpoint.view);
    if !conditions.is_empty() {
        sql = format!("{sql} WHERE {}", conditions.join(" AND "));
    }
    sql = format!("{sql} ORDER BY {}", endpoint.order);
    query::rows(&ctx, &sql).await
}

pub async fn view(
    State(state): State<Arc<AppState>>,
    Path(name): Path<String>,
    Query(mut params): Query<HashMap<String, String>>,
) -> Response {
    let Some(endpoint) = ENDPOINTS.iter().find(|e| e.name == name) else {
        let names: Vec<&str> = ENDPOINTS.iter().map(|e| e.name).collect();
        return super::plain(
            StatusCode::NOT_FOUND,
            format!(
                "no API endpoint {name:?}; there are: {}, openapi.json\n",
                names.join(", ")
            ),
        );
    };
    let as_of = AsOf {
        as_of: params.remove("as_of"),
    };
    let unknown: Vec<&String> = params
        .keys()
        .filter(|k| !endpoint.filters.contains(&k.as_str()))
        .collect();
    if !unknown.is_empty() {
        return super::plain(
            StatusCode::BAD_REQUEST,
            format!(
                "/api/v1/{name} has no parameter {:?}; it takes as_of{}\n",
                unknown[0],
                endpoint
                    .filters
                    .iter()
                    .map(|f| format!(", {f}"))
                    .collect::<String>()
            ),
        );
    }
    match view_rows(&state, endpoint, &as_of, &params).await {
        Ok(rows) => Json(json!({
            "view": endpoint.view,
            "as_of": as_of.as_of,
            "rows": rows,
        }))
        .into_response(),
        Err(e) => e.into_response(),
    }
}

/// The JSON Schema type of a column.
fn json_type(data_type: &DataType) -> Value {
    let (kind, format) = match data_type {
        DataType::Boolean => ("boolean", None),
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::Int64
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => ("integer", None),
        DataType::Float16 | DataType::Float32 | DataType::Float64 | DataType::Decimal128(..) => {
            ("number", None)
        }
        DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 => {
            ("string", Some("date-time"))
        }
        DataType::List(_) | DataType::LargeList(_) => ("array", None),
        _ => ("string", None),
    };
    let mut schema = Map::new();
    schema.insert("type".into(), json!([kind, "null"]));
    if let Some(format) = format {
        schema.insert("format".into(), json!(format));
    }
    if matches!(data_type, DataType::List(_) | DataType::LargeList(_)) {
        schema.insert("items".into(), json!({}));
    }
    Value::Object(schema)
}

pub async fn openapi(State(state): State<Arc<AppState>>) -> Response {
    let mut paths = Map::new();
    let mut schemas = Map::new();
    for endpoint in ENDPOINTS {
        let Ok(frame) = state.ctx.table(endpoint.view).await else {
            continue;
        };
        let properties: Map<String, Value> = frame
            .schema()
            .fields()
            .iter()
            .map(|f| (f.name().clone(), json_type(f.data_type())))
            .collect();
        let schema_name = format!("{}_row", endpoint.view);
        schemas.insert(
            schema_name.clone(),
            json!({"type": "object", "properties": properties}),
        );
        let mut parameters = vec![json!({
            "name": "as_of", "in": "query", "required": false,
            "description": "Evaluation time (RFC 3339, a date, `today`); default now",
            "schema": {"type": "string"}
        })];
        parameters.extend(endpoint.filters.iter().map(|column| {
            json!({
                "name": column, "in": "query", "required": false,
                "description": format!("Only rows whose {column} is this value"),
                "schema": {"type": "string"}
            })
        }));
        paths.insert(
            format!("/api/v1/{}", endpoint.name),
            json!({"get": {
                "operationId": endpoint.name,
                "summary": endpoint.summary,
                "description": format!("Rows of the `{}` view, ordered by {}.", endpoint.view, endpoint.order),
                "parameters": parameters,
                "responses": {
                    "200": {"description": "The rows", "content": {"application/json": {"schema": {
                        "type": "object",
                        "required": ["view", "rows"],
                        "properties": {
                            "view": {"type": "string"},
                            "as_of": {"type": ["string", "null"]},
                            "rows": {"type": "array", "items": {"$ref": format!("#/components/schemas/{schema_name}")}}
                        }
                    }}}},
                    "400": {"description": "A bad as_of or an unknown parameter", "content": {"text/plain": {"schema": {"type": "string"}}}},
                    "401": {"description": "Credentials required (users are configured)"}
                }
            }}),
        );
    }
    Json(json!({
        "openapi": "3.1.0",
        "info": {
            "title": "SHAPE API",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Service health from logs: the SQL views of SHAPE as JSON. Read-only."
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}
        }
    }))
    .into_response()
}
