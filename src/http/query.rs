//! Running the views for a request: a session of its own (the server's catalog, its own
//! `shape.as_of`), results as JSON rows.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use datafusion::arrow::array::RecordBatch;
use datafusion::arrow::json::ArrayWriter;
use datafusion::prelude::SessionContext;
use serde::Deserialize;
use serde_json::{Map, Value};

use super::memo::{Memoized, Recipe};
use super::AppState;

/// A row as JSON: column name to value (timestamps as RFC 3339 text, NULLs as null).
pub type Row = Map<String, Value>;

#[derive(Debug, thiserror::Error)]
pub enum QueryError {
    #[error("as_of {value:?} is not a time: {message}")]
    AsOf { value: String, message: String },
    #[error("query failed: {0}")]
    Failed(String),
}

impl IntoResponse for QueryError {
    fn into_response(self) -> Response {
        let status = match self {
            QueryError::AsOf { .. } => StatusCode::BAD_REQUEST,
            QueryError::Failed(_) => StatusCode::INTERNAL_SERVER_ERROR,
        };
        super::plain(status, format!("{self}\n"))
    }
}

/// `?as_of=` of every page and API call.
#[derive(Debug, Default, Deserialize)]
pub struct AsOf {
    pub as_of: Option<String>,
}

impl AsOf {
    /// Evaluated at the current time (no `as_of`, or an empty one).
    pub fn is_now(&self) -> bool {
        self.as_of.as_deref().is_none_or(str::is_empty)
    }

    /// The query string that keeps this evaluation time on a link (`""` or `?as_of=...`).
    pub fn link_suffix(&self) -> String {
        match &self.as_of {
            Some(t) if !t.is_empty() => format!("?as_of={}", urlencode(t)),
            _ => String::new(),
        }
    }
}

pub fn urlencode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// A session over the server's catalog evaluated at `as_of` (empty or absent: now).
pub fn session(ctx: &SessionContext, as_of: &AsOf) -> Result<SessionContext, QueryError> {
    let session = SessionContext::new_with_state(ctx.state());
    if let Some(value) = as_of.as_of.as_deref().filter(|v| !v.is_empty()) {
        // Checked here so that a bad value is the caller's 400, not a failure deep in a view.
        shape_udfs::parse_as_of(value).map_err(|e| QueryError::AsOf {
            value: value.to_string(),
            message: e.strip_backtrace(),
        })?;
        session
            .state_ref()
            .write()
            .config_mut()
            .options_mut()
            .set("shape.as_of", value)
            .map_err(|e| QueryError::AsOf {
                value: value.to_string(),
                message: e.to_string(),
            })?;
    }
    Ok(session)
}

/// [`session`] in which the SLO views are computed once (see
/// `catalog::slo_snapshot_session`): for pages that read them several times. Reused for a
/// few seconds while the data does not change (see `memo`).
pub async fn slo_snapshot(state: &AppState, as_of: &AsOf) -> Result<SessionContext, QueryError> {
    let version = data_version(state).await?;
    let key = snapshot_key(as_of);
    let recipe = Recipe::SloSnapshot {
        as_of: as_of.as_of.clone(),
    };
    state.memo.watch(&key, recipe);
    if let Some(Memoized::Session(session)) = state.memo.get(&key, &version) {
        return Ok(session);
    }
    compute_snapshot(state, as_of, key, version).await
}

fn snapshot_key(as_of: &AsOf) -> String {
    format!("slo-snapshot|{}", as_of.as_of.as_deref().unwrap_or(""))
}

async fn compute_snapshot(
    state: &AppState,
    as_of: &AsOf,
    key: String,
    version: String,
) -> Result<SessionContext, QueryError> {
    let session = session(&state.ctx, as_of)?;
    let snapshot = crate::catalog::slo_snapshot_session(&session)
        .await
        .map_err(|e| QueryError::Failed(e.to_string()))?;
    let at_now = as_of.is_now();
    let value = Memoized::Session(snapshot.clone());
    state.memo.put(key, version, at_now, value);
    Ok(snapshot)
}

/// The rows of `sql` at `as_of`, reused like [`slo_snapshot`].
pub async fn memo_rows(state: &AppState, as_of: &AsOf, sql: &str) -> Result<Vec<Row>, QueryError> {
    let version = data_version(state).await?;
    let key = format!("rows|{}|{sql}", as_of.as_of.as_deref().unwrap_or(""));
    let recipe = Recipe::Rows {
        as_of: as_of.as_of.clone(),
        sql: sql.to_string(),
    };
    state.memo.watch(&key, recipe);
    if let Some(Memoized::Rows(rows)) = state.memo.get(&key, &version) {
        return Ok(rows);
    }
    compute_rows(state, as_of, sql, key, version).await
}

async fn compute_rows(
    state: &AppState,
    as_of: &AsOf,
    sql: &str,
    key: String,
    version: String,
) -> Result<Vec<Row>, QueryError> {
    let rows = rows(&session(&state.ctx, as_of)?, sql).await?;
    let value = Memoized::Rows(rows.clone());
    state.memo.put(key, version, as_of.is_now(), value);
    Ok(rows)
}

/// One round of the keep-warm task (see `memo`): recomputes the watched answers that are
/// due. With `prewarm`, the SLO snapshot at "now" is watched first (a server's first page or
/// scrape finds it computed).
pub async fn keep_warm(state: &AppState, prewarm: bool) -> Result<(), QueryError> {
    if prewarm {
        let now = AsOf::default();
        let recipe = Recipe::SloSnapshot { as_of: None };
        state.memo.watch(&snapshot_key(&now), recipe);
    }
    let version = data_version(state).await?;
    for (key, recipe) in state.memo.due(&version) {
        match recipe {
            Recipe::SloSnapshot { as_of } => {
                compute_snapshot(state, &AsOf { as_of }, key, version.clone()).await?;
            }
            Recipe::Rows { as_of, sql } => {
                compute_rows(state, &AsOf { as_of }, &sql, key, version.clone()).await?;
            }
        }
    }
    Ok(())
}

async fn data_version(state: &AppState) -> Result<String, QueryError> {
    state
        .store
        .data_version()
        .await
        .map_err(|e| QueryError::Failed(format!("cannot read the data version: {e}")))
}

pub async fn batches(ctx: &SessionContext, sql: &str) -> Result<Vec<RecordBatch>, QueryError> {
    let failed = |e: datafusion::error::DataFusionError| QueryError::Failed(e.to_string());
    ctx.sql(sql)
        .await
        .map_err(failed)?
        .collect()
        .await
        .map_err(failed)
}

/// The rows of `sql` as JSON objects.
pub async fn rows(ctx: &SessionContext, sql: &str) -> Result<Vec<Row>, QueryError> {
    to_rows(&batches(ctx, sql).await?)
}

/// [`rows`] on a task of its own. Planning runs on the task that awaits it, so reads
/// awaited together in one task (`try_join!`) plan one after the other; apart, they plan
/// side by side on the runtime's threads.
pub async fn rows_apart(ctx: &SessionContext, sql: &str) -> Result<Vec<Row>, QueryError> {
    let (ctx, sql) = (ctx.clone(), sql.to_string());
    tokio::spawn(async move { rows(&ctx, &sql).await })
        .await
        .map_err(|e| QueryError::Failed(e.to_string()))?
}

pub fn to_rows(batches: &[RecordBatch]) -> Result<Vec<Row>, QueryError> {
    let mut writer = ArrayWriter::new(Vec::new());
    for batch in batches {
        writer
            .write(batch)
            .map_err(|e| QueryError::Failed(e.to_string()))?;
    }
    writer
        .finish()
        .map_err(|e| QueryError::Failed(e.to_string()))?;
    let bytes = writer.into_inner();
    if bytes.is_empty() {
        return Ok(Vec::new());
    }
    serde_json::from_slice(&bytes).map_err(|e| QueryError::Failed(e.to_string()))
}

/// A text column of a row ("" when NULL or missing).
pub fn text<'a>(row: &'a Row, column: &str) -> &'a str {
    row.get(column).and_then(Value::as_str).unwrap_or("")
}

/// A numeric column of a row (`None` when NULL or missing).
pub fn number(row: &Row, column: &str) -> Option<f64> {
    row.get(column).and_then(Value::as_f64)
}

pub use crate::common::sql_string;
