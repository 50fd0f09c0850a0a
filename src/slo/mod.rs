//! Measure: SLO definitions, burn-rate tier catalogs, per-minute rollups, and the CLI's
//! `slo status` / `slo suggest`. The math itself lives in the `sql/` views and `shape-udfs`.

pub mod definition;
pub mod explain;
pub mod load;
pub mod openslo;
pub mod rollup;
pub mod suggest;
mod tables;
pub mod tiers;

use std::path::PathBuf;

pub use definition::{AlertTarget, Budgeting, Member, SliKind, SloDefinition, SloWindow};
pub use tables::{
    alert_targets_batch, definitions_batch, members_batch, slo_tiers_batch, tiers_batch,
};

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
        Some(file) => load::load_all(Some((&file.text, &file.path)), Some(&file.table)),
        None => Ok(Vec::new()),
    }
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
    let slos: Vec<&SloDefinition> = slos.iter().filter(|s| s.has_rollups()).collect();
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
    let slos: Vec<&SloDefinition> = slos.iter().filter(|s| s.has_rollups()).collect();
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

/// The `shape.slo.window_lookback_minutes` setting: how far before `as_of` any SLO's window can
/// begin (a rolling window's length; a calendar week, month or quarter at its longest, plus a
/// day for its time zone), so that the window views read no older rollup rows: a data dir
/// kept for a year costs what its windows cost.
pub fn window_lookback_minutes(slos: &[SloDefinition]) -> String {
    const DAY: i64 = 24 * 60;
    let longest = slos
        .iter()
        .map(|s| match &s.window {
            SloWindow::Rolling { seconds } => (seconds + 59) / 60,
            SloWindow::Calendar { unit, .. } => match unit.as_str() {
                "week" => 8 * DAY,
                "month" => 32 * DAY,
                _ => (definition::MAX_WINDOW_DAYS + 1) * DAY,
            },
        })
        .max()
        .unwrap_or(0);
    longest.to_string()
}

/// The `shape.slo.burn_lookback_minutes` setting: the longest long window of any SLO's tiers,
/// so that `slo_burn_alerts` reads no more rollup history than some tier needs.
pub fn burn_lookback_minutes(slos: &[SloDefinition]) -> String {
    let longest = slos
        .iter()
        .flat_map(|s| s.tiers.iter().map(|t| t.long_seconds))
        .max()
        .unwrap_or(60);
    (longest / 60).to_string()
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn window_views_read_back_as_far_as_the_longest_window() {
        let shipped = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml");
        let slos = load_slos(&Config::load(&shipped).unwrap()).unwrap();
        let with_window = |window: SloWindow| {
            let mut slo = slos[0].clone();
            slo.window = window;
            slo
        };
        let rolling = |days: i64| {
            with_window(SloWindow::Rolling {
                seconds: days * 86_400,
            })
        };
        let calendar = |unit: &str| {
            with_window(SloWindow::Calendar {
                unit: unit.into(),
                timezone: "Europe/Paris".into(),
            })
        };
        assert_eq!(window_lookback_minutes(&[]), "0");
        assert_eq!(
            window_lookback_minutes(&[rolling(7)]),
            (7 * 1440).to_string()
        );
        assert_eq!(
            window_lookback_minutes(&[rolling(7), rolling(30), calendar("week")]),
            (30 * 1440).to_string()
        );
        assert_eq!(
            window_lookback_minutes(&[rolling(28), calendar("month")]),
            (32 * 1440).to_string()
        );
        assert_eq!(
            window_lookback_minutes(&[calendar("quarter"), rolling(30)]),
            (93 * 1440).to_string()
        );
    }
}
