//! Measure: SLO definitions, burn-rate tier catalogs, per-minute rollups, and the CLI's
//! `slo status` / `slo suggest`. The math itself lives in the `sql/` views and `shape-udfs`.

pub mod definition;
pub mod rollup;
pub mod suggest;
pub mod tiers;

use std::path::PathBuf;
use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int32Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema};

pub use definition::{Budgeting, SliKind, SloDefinition, SloWindow};

use crate::config::Config;

#[derive(Debug, thiserror::Error)]
pub enum SloError {
    #[error("invalid SLO definition in {path}, line {line}, field `{field}`: {message}")]
    Definition {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    #[error("SLO query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error("cannot write rollups: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error("rollup batch: {0}")]
    Arrow(#[from] datafusion::arrow::error::ArrowError),
}

/// The SLOs a config defines (`[[slo]]` and the OpenSLO files in `slo_files`).
pub fn load_slos(config: &Config) -> Result<Vec<SloDefinition>, SloError> {
    match config.file() {
        Some(file) => definition::load_all(Some((&file.text, &file.path)), Some(&file.table)),
        None => Ok(Vec::new()),
    }
}

/// Nominal period of an SLO in seconds (a calendar month counts 30 days here; the views use
/// the real length of each period).
fn nominal_period_seconds(slo: &SloDefinition) -> i64 {
    match &slo.window {
        SloWindow::Rolling { seconds } => *seconds,
        SloWindow::Calendar { unit, .. } => match unit.as_str() {
            "week" => 7 * 86_400,
            "quarter" => 91 * 86_400,
            _ => 30 * 86_400,
        },
    }
}

/// The `slo_definitions` table.
pub fn definitions_batch(slos: &[SloDefinition]) -> RecordBatch {
    let text = |f: &dyn Fn(&SloDefinition) -> Option<String>| -> ArrayRef {
        Arc::new(StringArray::from(slos.iter().map(f).collect::<Vec<_>>()))
    };
    let float = |f: &dyn Fn(&SloDefinition) -> Option<f64>| -> ArrayRef {
        Arc::new(Float64Array::from(slos.iter().map(f).collect::<Vec<_>>()))
    };
    let int = |f: &dyn Fn(&SloDefinition) -> Option<i64>| -> ArrayRef {
        Arc::new(Int64Array::from(slos.iter().map(f).collect::<Vec<_>>()))
    };
    let (calendar_unit, timezone) = (
        |s: &SloDefinition| match &s.window {
            SloWindow::Calendar { unit, .. } => Some(unit.clone()),
            SloWindow::Rolling { .. } => None,
        },
        |s: &SloDefinition| match &s.window {
            SloWindow::Calendar { timezone, .. } => Some(timezone.clone()),
            SloWindow::Rolling { .. } => Some("UTC".to_string()),
        },
    );
    let columns: Vec<(&str, ArrayRef, bool)> = vec![
        ("slo_id", text(&|s| Some(s.slo_id.clone())), false),
        ("description", text(&|s| Some(s.description.clone())), false),
        ("service", text(&|s| s.service.clone()), true),
        ("component", text(&|s| Some(s.component.clone())), false),
        ("operation", text(&|s| s.operation.clone()), true),
        ("sli", text(&|s| Some(s.sli.name().to_string())), false),
        ("objective", float(&|s| Some(s.objective)), false),
        ("threshold_ms", float(&|s| s.threshold_ms), true),
        (
            "min_events_per_minute",
            float(&|s| s.min_events_per_minute),
            true,
        ),
        (
            "window_kind",
            text(&|s| {
                Some(
                    if s.window_seconds().is_some() {
                        "rolling"
                    } else {
                        "calendar"
                    }
                    .to_string(),
                )
            }),
            false,
        ),
        ("window_seconds", int(&|s| s.window_seconds()), true),
        ("calendar_unit", text(&|s| calendar_unit(s)), true),
        ("timezone", text(&|s| timezone(s)), false),
        (
            "budgeting",
            text(&|s| Some(s.budgeting.name().to_string())),
            false,
        ),
        (
            "timeslice_seconds",
            int(&|s| Some(s.timeslice_seconds)),
            false,
        ),
        (
            "timeslice_target",
            float(&|s| Some(s.timeslice_target)),
            false,
        ),
        (
            "tier_catalog",
            text(&|s| Some(s.tier_catalog.clone())),
            false,
        ),
        (
            "period_seconds",
            int(&|s| Some(nominal_period_seconds(s))),
            false,
        ),
        ("min_events", int(&|s| Some(s.min_events as i64)), false),
        (
            "count_empty_slices",
            Arc::new(BooleanArray::from(
                slos.iter()
                    .map(|s| s.sli == SliKind::Throughput)
                    .collect::<Vec<_>>(),
            )),
            false,
        ),
        ("total_sql", text(&|s| Some(s.total_sql())), false),
        ("good_sql", text(&|s| Some(s.good_sql())), false),
        ("rollup_hash", text(&|s| Some(s.rollup_hash())), false),
        ("origin", text(&|s| Some(s.origin.clone())), false),
    ];
    let schema = Schema::new(
        columns
            .iter()
            .map(|(name, array, nullable)| Field::new(*name, array.data_type().clone(), *nullable))
            .collect::<Vec<_>>(),
    );
    RecordBatch::try_new(
        Arc::new(schema),
        columns.into_iter().map(|(_, a, _)| a).collect(),
    )
    .expect("definition columns match")
}

/// The `burn_rate_tiers` table.
pub fn tiers_batch() -> RecordBatch {
    let rows = tiers::tier_rows();
    let schema = Schema::new(vec![
        Field::new("catalog", DataType::Utf8, false),
        Field::new("tier", DataType::Int32, false),
        Field::new("severity", DataType::Utf8, false),
        Field::new("short_window", DataType::Utf8, false),
        Field::new("long_window", DataType::Utf8, false),
        Field::new("short_seconds", DataType::Int64, false),
        Field::new("long_seconds", DataType::Int64, false),
        Field::new("budget_percent", DataType::Float64, false),
        Field::new("period_seconds", DataType::Int64, false),
        Field::new("factor", DataType::Float64, false),
    ]);
    let text = |f: fn(&tiers::TierRow) -> &str| -> ArrayRef {
        Arc::new(StringArray::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let int = |f: fn(&tiers::TierRow) -> i64| -> ArrayRef {
        Arc::new(Int64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    let float = |f: fn(&tiers::TierRow) -> f64| -> ArrayRef {
        Arc::new(Float64Array::from(rows.iter().map(f).collect::<Vec<_>>()))
    };
    RecordBatch::try_new(
        Arc::new(schema),
        vec![
            text(|t| &t.catalog),
            Arc::new(Int32Array::from(
                rows.iter().map(|t| t.tier).collect::<Vec<_>>(),
            )),
            text(|t| &t.severity),
            text(|t| &t.short_window),
            text(|t| &t.long_window),
            int(|t| t.short_seconds),
            int(|t| t.long_seconds),
            float(|t| t.budget_percent),
            int(|t| t.period_seconds),
            float(|t| t.factor),
        ],
    )
    .expect("tier columns match")
}

/// What `shape slo status` prints.
pub const STATUS_REPORT_SQL: &str = "SELECT slo_id, sli, objective, round(sli_value, 5) AS sli_value, \
     round(100 * budget_remaining, 1) AS budget_remaining_pct, round(budget_remaining_minutes, 1) AS budget_minutes, \
     round(burn_rate, 2) AS burn_rate, status FROM slo_status ORDER BY status = 'OK', status, slo_id";

/// Printed under the `slo status` table: its figures are scaled for reading.
pub const STATUS_REPORT_NOTE: &str = "budget_remaining_pct = 100 x slo_status.budget_remaining \
     (the share of the error budget left; negative: overspent); budget_minutes: minutes of \
     full outage the remaining budget allows";

/// SQL of the `slo_minutes_raw` view: the per-minute counts computed straight from `events`
/// (what the rollups must equal; also the "raw" mode of the views).
pub fn raw_minutes_sql(slos: &[SloDefinition]) -> String {
    if slos.is_empty() {
        return "SELECT CAST(NULL AS VARCHAR) AS slo_id, CAST(NULL AS VARCHAR) AS definition_hash, \
                CAST(NULL AS TIMESTAMP) AT TIME ZONE 'UTC' AS minute, \
                CAST(0 AS BIGINT) AS good, CAST(0 AS BIGINT) AS total WHERE false"
            .to_string();
    }
    slos.iter()
        .map(|s| {
            format!(
                "SELECT {id} AS slo_id, {hash} AS definition_hash, date_bin(INTERVAL '1 minute', ts, TIMESTAMP '1970-01-01T00:00:00Z') AS minute, \
                 CAST(sum(CASE WHEN {good} THEN 1 ELSE 0 END) AS BIGINT) AS good, CAST(count(*) AS BIGINT) AS total \
                 FROM events WHERE {total} GROUP BY 3",
                id = crate::common::sql_string(&s.slo_id),
                hash = crate::common::sql_string(&s.rollup_hash()),
                good = s.good_sql(),
                total = s.total_sql()
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL\n")
}

/// SQL of the `slo_bad_events` view: for each SLO, its bad events with lineage (in scope,
/// counted, not good). Built from each SLO's predicates, which are SQL a user wrote (OpenSLO
/// queries, filters): that is why this view, like `slo_minutes_raw`, is made here and not in
/// `sql/`.
pub fn bad_events_sql(slos: &[SloDefinition]) -> String {
    const COLUMNS: &str = "ts, component, operation, level, message, _source, _line, _offset";
    if slos.is_empty() {
        return format!(
            "SELECT CAST(NULL AS VARCHAR) AS slo_id, {COLUMNS} FROM events WHERE false"
        );
    }
    slos.iter()
        .map(|slo| {
            format!(
                "SELECT {} AS slo_id, {COLUMNS} FROM events WHERE ({}) AND NOT coalesce({}, false)",
                crate::common::sql_string(&slo.slo_id),
                slo.total_sql(),
                slo.good_sql()
            )
        })
        .collect::<Vec<_>>()
        .join("\nUNION ALL\n")
}

/// The `shape.detect.slow_threshold_ms` setting: the tightest latency SLO threshold per scope,
/// as `{"component": {"operation": ms, "*": ms}}` (`*`: a component-wide SLO). The detect
/// views count an event as slow above its operation's threshold, else its component's
/// (`shape_scoped_number`), without joining every event to a table.
pub fn slow_thresholds_json(slos: &[SloDefinition]) -> String {
    let mut scopes: std::collections::BTreeMap<&str, std::collections::BTreeMap<&str, f64>> =
        Default::default();
    for slo in slos.iter().filter(|s| s.sli == SliKind::Latency) {
        let Some(threshold) = slo.threshold_ms else {
            continue;
        };
        let scope = scopes.entry(slo.component.as_str()).or_default();
        let entry = scope
            .entry(slo.operation.as_deref().unwrap_or("*"))
            .or_insert(threshold);
        *entry = entry.min(threshold);
    }
    serde_json::to_string(&scopes).expect("strings and numbers serialise")
}
