//! The in-memory tables made from the SLO definitions: `slo_definitions`, `slo_tiers`,
//! `slo_members`, `slo_alert_targets`, and the built-in catalogs as `burn_rate_tiers`.

use std::sync::Arc;

use datafusion::arrow::array::{
    ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use serde::Serialize;

use super::tiers::{self, human_seconds};
use super::{SliKind, SloDefinition, SloWindow};
use crate::storage::batch_from_records;

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
            int(&|s| Some(s.nominal_period_seconds())),
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
        ("member_of", text(&|s| s.member_of.clone()), true),
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
    let schema = schema(&[
        ("catalog", DataType::Utf8, false),
        ("tier", DataType::Int32, false),
        ("severity", DataType::Utf8, false),
        ("short_window", DataType::Utf8, false),
        ("long_window", DataType::Utf8, false),
        ("short_seconds", DataType::Int64, false),
        ("long_seconds", DataType::Int64, false),
        ("budget_percent", DataType::Float64, false),
        ("period_seconds", DataType::Int64, false),
        ("factor", DataType::Float64, false),
    ]);
    batch_from_records(schema, &tiers::tier_rows()).expect("tier rows match their schema")
}

/// `slo_tiers`: each SLO's burn-rate tiers as resolved (catalog, written tiers, OpenSLO alert
/// policies); `slo_burn_alerts` evaluates these.
pub fn slo_tiers_batch(slos: &[SloDefinition]) -> RecordBatch {
    #[derive(Serialize)]
    struct Row<'a> {
        slo_id: &'a str,
        catalog: &'a str,
        tier: i32,
        severity: &'a str,
        short_window: String,
        long_window: String,
        short_seconds: i64,
        long_seconds: i64,
        factor: f64,
        op: &'a str,
        budget_percent: f64,
        period_seconds: i64,
        condition: Option<&'a str>,
    }
    let schema = schema(&[
        ("slo_id", DataType::Utf8, false),
        ("catalog", DataType::Utf8, false),
        ("tier", DataType::Int32, false),
        ("severity", DataType::Utf8, false),
        ("short_window", DataType::Utf8, false),
        ("long_window", DataType::Utf8, false),
        ("short_seconds", DataType::Int64, false),
        ("long_seconds", DataType::Int64, false),
        ("factor", DataType::Float64, false),
        ("op", DataType::Utf8, false),
        ("budget_percent", DataType::Float64, false),
        ("period_seconds", DataType::Int64, false),
        ("condition", DataType::Utf8, true),
    ]);
    let rows: Vec<Row> = slos
        .iter()
        .flat_map(|slo| {
            let period = slo.nominal_period_seconds();
            slo.tiers.iter().enumerate().map(move |(i, t)| Row {
                slo_id: &slo.slo_id,
                catalog: &slo.tier_catalog,
                tier: i as i32 + 1,
                severity: &t.severity,
                short_window: human_seconds(t.short_seconds),
                long_window: human_seconds(t.long_seconds),
                short_seconds: t.short_seconds,
                long_seconds: t.long_seconds,
                factor: t.factor,
                op: t.op.name(),
                budget_percent: t.budget_percent(period),
                period_seconds: period,
                condition: t.condition.as_deref(),
            })
        })
        .collect();
    batch_from_records(schema, &rows).expect("tier rows match their schema")
}

/// `slo_members`: the members of composite SLOs and their weights.
pub fn members_batch(slos: &[SloDefinition]) -> RecordBatch {
    #[derive(Serialize)]
    struct Row<'a> {
        composite_id: &'a str,
        member_id: &'a str,
        weight: f64,
        position: i32,
    }
    let schema = schema(&[
        ("composite_id", DataType::Utf8, false),
        ("member_id", DataType::Utf8, false),
        ("weight", DataType::Float64, false),
        ("position", DataType::Int32, false),
    ]);
    let rows: Vec<Row> = slos
        .iter()
        .flat_map(|slo| {
            slo.members.iter().enumerate().map(move |(i, m)| Row {
                composite_id: &slo.slo_id,
                member_id: &m.slo_id,
                weight: m.weight,
                position: i as i32 + 1,
            })
        })
        .collect();
    batch_from_records(schema, &rows).expect("member rows match their schema")
}

/// `slo_alert_targets`: where each SLO's alerts go (OpenSLO `AlertNotificationTarget`s).
pub fn alert_targets_batch(slos: &[SloDefinition]) -> RecordBatch {
    #[derive(Serialize)]
    struct Row<'a> {
        slo_id: &'a str,
        policy: &'a str,
        target_name: &'a str,
        target: &'a str,
        description: &'a str,
        alert_when_breaching: bool,
        alert_when_resolved: bool,
        alert_when_no_data: bool,
    }
    let schema = schema(&[
        ("slo_id", DataType::Utf8, false),
        ("policy", DataType::Utf8, false),
        ("target_name", DataType::Utf8, false),
        ("target", DataType::Utf8, false),
        ("description", DataType::Utf8, false),
        ("alert_when_breaching", DataType::Boolean, false),
        ("alert_when_resolved", DataType::Boolean, false),
        ("alert_when_no_data", DataType::Boolean, false),
    ]);
    let rows: Vec<Row> = slos
        .iter()
        .flat_map(|slo| {
            slo.alert_targets.iter().map(move |t| Row {
                slo_id: &slo.slo_id,
                policy: &t.policy,
                target_name: &t.name,
                target: &t.target,
                description: &t.description,
                alert_when_breaching: t.alert_when_breaching,
                alert_when_resolved: t.alert_when_resolved,
                alert_when_no_data: t.alert_when_no_data,
            })
        })
        .collect();
    batch_from_records(schema, &rows).expect("target rows match their schema")
}

fn schema(fields: &[(&str, DataType, bool)]) -> SchemaRef {
    Arc::new(Schema::new(
        fields
            .iter()
            .map(|(name, data_type, nullable)| Field::new(*name, data_type.clone(), *nullable))
            .collect::<Vec<_>>(),
    ))
}
