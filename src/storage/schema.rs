//! Arrow schemas of the stored tables (ARCHITECTURE.md, "Tables"). The Hive partition column `dt`
//! is not stored in the files; the catalog adds it.

use std::sync::{Arc, LazyLock};

use datafusion::arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};

pub const EVENTS: &str = "events";
pub const REJECTS: &str = "rejects";
pub const INGEST_LOG: &str = "ingest_log";
pub const SLO_ROLLUPS: &str = "slo_rollups";
pub const DETECT_ROLLUPS: &str = "detect_rollups";
pub const HEALING_RUNS: &str = "healing_runs";
pub const HEALING_OUTCOMES: &str = "healing_outcomes";
pub const HEALING_APPROVALS: &str = "healing_approvals";
pub const HEALING_CAUSES: &str = "healing_causes";
pub const MAINTENANCE_LOG: &str = "maintenance_log";

/// Every stored table.
pub const TABLES: &[&str] = &[
    EVENTS,
    REJECTS,
    INGEST_LOG,
    SLO_ROLLUPS,
    DETECT_ROLLUPS,
    HEALING_RUNS,
    HEALING_OUTCOMES,
    HEALING_APPROVALS,
    HEALING_CAUSES,
    MAINTENANCE_LOG,
];

/// Name of the Hive partition column.
pub const PARTITION_COLUMN: &str = "dt";

/// The time column whose UTC day names a table's partition, for tables partitioned that way
/// (the others are partitioned by the day they were written).
pub fn day_partitioned_by(table: &str) -> Option<&'static str> {
    (table == EVENTS).then_some("ts")
}

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn lineage_fields() -> Vec<Field> {
    vec![
        Field::new("_source", DataType::Utf8, false),
        // Signed: clients know int8, and PostgreSQL has no unsigned type (UInt64 reached
        // them as numeric). Files written before are read through a cast.
        Field::new("_line", DataType::Int64, false),
        Field::new("_offset", DataType::Int64, false),
        Field::new("_ingest_id", DataType::Utf8, false),
        // How many lines the row spans (multi-line events); null in files written before
        // events could span lines, where every row is one line.
        Field::new("_line_count", DataType::Int64, true),
        // The row's index among the records its line holds (an OTLP batch, a JSON array,
        // objects back to back); 0 for a line that is one record, null in older files.
        Field::new("_record", DataType::Int64, true),
    ]
}

pub static EVENTS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields = vec![
        Field::new("ts", utc_micros(), false),
        Field::new("service", DataType::Utf8, false),
        Field::new("component", DataType::Utf8, false),
        Field::new("operation", DataType::Utf8, false),
        Field::new("level", DataType::Utf8, false),
        Field::new("status_code", DataType::Int32, true),
        Field::new("duration_ms", DataType::Float64, true),
        Field::new("outcome", DataType::Utf8, false),
        Field::new("message", DataType::Utf8, false),
        Field::new("trace_id", DataType::Utf8, true),
        Field::new("attributes", DataType::Utf8, false),
    ];
    fields.extend(lineage_fields());
    Arc::new(Schema::new(fields))
});

pub static REJECTS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let mut fields = lineage_fields();
    fields.push(Field::new("raw", DataType::Binary, false));
    fields.push(Field::new("error", DataType::Utf8, false));
    Arc::new(Schema::new(fields))
});

pub static INGEST_LOG_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("ingest_id", DataType::Utf8, false),
        Field::new("source", DataType::Utf8, false),
        Field::new("started_at", utc_micros(), false),
        Field::new("finished_at", utc_micros(), false),
        Field::new("from_offset", DataType::Int64, false),
        Field::new("to_offset", DataType::Int64, false),
        Field::new("lines", DataType::Int64, false),
        Field::new("rows", DataType::Int64, false),
        Field::new("rejects", DataType::Int64, false),
        Field::new("blank", DataType::Int64, false),
        // Identifies the object's version (see storage::CommitRecord::fingerprint).
        Field::new("version", DataType::Utf8, false),
        // Missing (null) in files written before formats were detected per source.
        Field::new("format", DataType::Utf8, true),
        // Lines joined into a row after its first: lines = rows + rejects + blank + continued.
        // Missing (null) in files written before events could span lines.
        Field::new("continued", DataType::Int64, true),
        // Rows and rejects after the first of the records one line held (`_record` > 0):
        // lines + extra_records = rows + rejects + blank + continued.
        Field::new("extra_records", DataType::Int64, true),
    ]))
});

/// Per-minute good/total counts per SLO and ingest run (see `slo::rollup`), and the same per
/// hour: a minute row has `minute`; an hour row has `hour`, the hour's sums in good/total and
/// its minutes packed in `minutes` (read with `shape_minutes_sum`, `shape_minute_counts`); a
/// row with neither marks an (SLO, ingest run) as rolled up even when it had no events. Files
/// written before hour rows existed lack the last two columns.
pub static SLO_ROLLUPS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    Arc::new(Schema::new(vec![
        Field::new("slo_id", DataType::Utf8, false),
        Field::new("definition_hash", DataType::Utf8, false),
        Field::new("minute", utc_micros(), true),
        Field::new("good", DataType::Int64, false),
        Field::new("total", DataType::Int64, false),
        Field::new("_ingest_id", DataType::Utf8, false),
        Field::new("hour", utc_micros(), true),
        Field::new("minutes", DataType::Binary, true),
    ]))
});

/// Per-minute detection counts (see `detect::rollup`): one row per minute, ingest run,
/// component, operation, level, outcome and log template. A row with a NULL `minute` marks an ingest run as rolled up under
/// `settings_hash` (the template masks and slow thresholds the counts depend on).
pub static DETECT_ROLLUPS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let count = |name: &str| Field::new(name, DataType::Int64, false);
    Arc::new(Schema::new(vec![
        Field::new("settings_hash", DataType::Utf8, false),
        Field::new("minute", utc_micros(), true),
        Field::new("component", DataType::Utf8, true),
        Field::new("operation", DataType::Utf8, true),
        Field::new("level", DataType::Utf8, true),
        Field::new("outcome", DataType::Utf8, true),
        Field::new("template", DataType::Utf8, true),
        count("events"),
        count("errors"),
        count("slow"),
        count("timed"),
        Field::new("log_latency_sum", DataType::Float64, true),
        // DDSketch of duration_ms (udfs `latency_sketch`): merge, then `sketch_quantile`.
        Field::new("latency_sketch", DataType::Binary, true),
        Field::new("_ingest_id", DataType::Utf8, false),
    ]))
});

/// One row per planned or executed healing action (append-only; see `heal`).
pub static HEALING_RUNS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("run_id", false),
        text("dedup_key", false),
        text("breach_id", false),
        text("slo_id", false),
        text("component", true),
        text("playbook", false),
        Field::new("step", DataType::Int32, false),
        Field::new("attempt", DataType::Int32, false),
        text("action_kind", false),
        // What was (or would be) run: the argv as a JSON array, or the URL.
        text("target", false),
        text("result", false),
        text("detail", false),
        Field::new("exit_code", DataType::Int32, true),
        Field::new("http_status", DataType::Int32, true),
        text("output", true),
        text("link", true),
        Field::new("evaluated_at", utc_micros(), false),
        Field::new("started_at", utc_micros(), false),
        Field::new("finished_at", utc_micros(), false),
        text("who", false),
        text("why", false),
        text("breach_json", false),
        // The kind of the breach's main anomaly (breach_anomalies rank 1) when the action was
        // decided; null without one, and in files written before it was recorded.
        text("anomaly_kind", true),
    ]))
});

/// One row per verification of a healing action (append-only).
pub static HEALING_OUTCOMES_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let number = |name: &str| Field::new(name, DataType::Float64, true);
    Arc::new(Schema::new(vec![
        text("run_id", false),
        text("breach_id", false),
        text("slo_id", false),
        text("component", true),
        text("playbook", false),
        Field::new("step", DataType::Int32, false),
        Field::new("attempt", DataType::Int32, false),
        text("result", false),
        text("detail", false),
        Field::new("verified_at", utc_micros(), false),
        Field::new("window_start", utc_micros(), false),
        Field::new("window_end", utc_micros(), false),
        number("objective"),
        number("sli_before"),
        number("sli_after"),
        Field::new("events_before", DataType::Int64, false),
        Field::new("events_after", DataType::Int64, false),
        number("budget_before"),
        number("budget_after"),
        number("health_before"),
        number("health_after"),
    ]))
});

/// Approvals as data (append-only): one row when approval mode asks for one (`approver`
/// NULL), one when a human gives it (`shape heal --approve ID --as NAME`), valid from
/// `decided_at` until `expires_at`.
pub static HEALING_APPROVALS_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    let at = |name: &str| Field::new(name, utc_micros(), true);
    Arc::new(Schema::new(vec![
        text("approval_id", false),
        text("breach_id", false),
        text("playbook", true),
        at("requested_at"),
        text("approver", true),
        at("decided_at"),
        at("expires_at"),
    ]))
});

/// The root causes a breach had when the healer acted on it (append-only, one row per cause
/// and action): the memory `similar_incidents` compares new breaches with.
pub static HEALING_CAUSES_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str, nullable: bool| Field::new(name, DataType::Utf8, nullable);
    Arc::new(Schema::new(vec![
        text("run_id", false),
        text("breach_id", false),
        text("slo_id", false),
        text("component", true),
        Field::new("recorded_at", utc_micros(), false),
        Field::new("rank", DataType::Int64, false),
        text("operation", true),
        text("template", true),
        Field::new("lift", DataType::Float64, true),
    ]))
});

/// What `shape compact` and the loop's maintenance did: one row per partition dropped by
/// retention or compacted.
pub static MAINTENANCE_LOG_SCHEMA: LazyLock<SchemaRef> = LazyLock::new(|| {
    let text = |name: &str| Field::new(name, DataType::Utf8, false);
    let count = |name: &str| Field::new(name, DataType::Int64, false);
    Arc::new(Schema::new(vec![
        text("maintenance_id"),
        Field::new("at", utc_micros(), false),
        text("action"),
        text("table_name"),
        text("partition"),
        count("files_before"),
        count("files_after"),
        count("bytes_before"),
        count("bytes_after"),
        Field::new("rows", DataType::Int64, true),
    ]))
});

/// The file schema of a table by name.
pub fn file_schema(table: &str) -> Option<SchemaRef> {
    match table {
        EVENTS => Some(EVENTS_SCHEMA.clone()),
        REJECTS => Some(REJECTS_SCHEMA.clone()),
        INGEST_LOG => Some(INGEST_LOG_SCHEMA.clone()),
        SLO_ROLLUPS => Some(SLO_ROLLUPS_SCHEMA.clone()),
        DETECT_ROLLUPS => Some(DETECT_ROLLUPS_SCHEMA.clone()),
        HEALING_RUNS => Some(HEALING_RUNS_SCHEMA.clone()),
        HEALING_OUTCOMES => Some(HEALING_OUTCOMES_SCHEMA.clone()),
        HEALING_APPROVALS => Some(HEALING_APPROVALS_SCHEMA.clone()),
        HEALING_CAUSES => Some(HEALING_CAUSES_SCHEMA.clone()),
        MAINTENANCE_LOG => Some(MAINTENANCE_LOG_SCHEMA.clone()),
        _ => None,
    }
}
