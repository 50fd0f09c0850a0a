//! Detection rollups: per-minute counts in `detect_rollups`, so the detect views cost what
//! their minutes cost, not what their events cost.
//!
//! One row per minute, ingest run, component, operation, level, outcome and log template
//! (of every event: anomalies look at the templates of WARN/ERROR/FATAL and failed events,
//! root causes at all of them, a deploy marker being an INFO line): events, errors, events
//! slower than the tightest
//! latency SLO of the operation (else the component), timed events, the sum of ln(latency)
//! (for geometric means) and a DDSketch of the latencies (udfs `latency_sketch`; percentiles
//! within 1%). The counts depend on the template masks and the slow thresholds: both go into
//! `settings_hash`, and rows under another hash are ignored (a changed setting is rolled up
//! again, as a changed SLO definition is for `slo_rollups`).
//!
//! The same "marker" rule as `slo_rollups`: a run is rolled up when it sorts at or before the
//! hash's watermark (`storage::watermark`) or a row with a NULL minute names it under the
//! hash. A catch-up computes every run without a marker, one event day at a time, one day per
//! core side by side (its memory follows that many days' minutes, not the input), and writes
//! them in day order, with their markers, as one Parquet file (an atomic put): a crash leaves
//! the run without a marker and without rows. Runs not rolled up yet are read from `events` by `detect_minutes`, so the
//! views are right whether or not a catch-up ran.

use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, ArrayRef, AsArray, Int64Array, RecordBatch, StringArray,
};
use datafusion::arrow::compute::{cast, lexsort_to_indices, take_record_batch, SortColumn};
use datafusion::parquet::arrow::ArrowWriter;
use datafusion::parquet::basic::{Compression, ZstdLevel};
use datafusion::parquet::file::properties::WriterProperties;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use super::{DetectError, Detection};
use crate::common::sql_string;
use crate::slo::SloDefinition;
use crate::storage::schema::{DETECT_ROLLUPS, DETECT_ROLLUPS_SCHEMA};
use crate::storage::watermark::{missing_runs, Watermarks};
use crate::storage::{DataStore, StorageError};

/// Bumped when the meaning of a rollup row changes: older rows are then rolled up again
/// (3: templates keep the word of `word:value`).
const LAYOUT_VERSION: &str = "detect-rollups-3";

/// Rows per row group: the minute statistics let a lookback skip the groups before it.
const ROW_GROUP_ROWS: usize = 65_536;

/// What a catch-up did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DetectRollupReport {
    /// Ingest runs rolled up.
    pub runs: usize,
    /// Rows written (minutes with events, plus one marker per run).
    pub rows: usize,
    pub files: usize,
}

/// The hash of everything a rollup row depends on besides the events.
pub fn settings_hash(detection: &Detection, slos: &[SloDefinition]) -> String {
    let key = format!(
        "{LAYOUT_VERSION}|{:?}|{:?}|{}",
        detection.settings.template_masks,
        detection.settings.template_extra_masks,
        crate::slo::slow_thresholds_json(slos)
    );
    format!("{:016x}", crate::common::fnv1a64(key.as_bytes()))
}

/// Per-minute rows computed from `events` rows matching `filter`, in the rollup's columns
/// (without `settings_hash`). The one definition of a rollup row: the catch-up writes it,
/// `detect_minutes` reads it for runs not rolled up.
pub fn minutes_from_events_sql(filter: &str) -> String {
    format!(
        "SELECT date_bin(INTERVAL '1 minute', ts, TIMESTAMP '1970-01-01T00:00:00Z') AS minute, \
                component, operation, level, outcome, \
                log_template(message) AS template, \
                count(*) AS events, \
                sum(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) AS errors, \
                sum(CASE WHEN duration_ms > shape_scoped_number('detect.slow_threshold_ms', component, operation) \
                         THEN 1 ELSE 0 END) AS slow, \
                sum(CASE WHEN duration_ms > 0 THEN 1 ELSE 0 END) AS timed, \
                sum(CASE WHEN duration_ms > 0 THEN ln(duration_ms) END) AS log_latency_sum, \
                latency_sketch(duration_ms) AS latency_sketch, \
                _ingest_id \
         FROM events WHERE {filter} \
         GROUP BY minute, component, operation, level, outcome, template, _ingest_id"
    )
}

/// `detect_minutes`: the rollup rows of runs rolled up under `hash`, and for the runs in
/// `unrolled` (rolled up when the view was made: none after a catch-up) the same rows
/// computed from events. With `raw`, every row comes from events (to check the rollups).
pub fn detect_minutes_sql(hash: &str, unrolled: &[String], raw: bool) -> String {
    if raw {
        return minutes_from_events_sql("true");
    }
    let columns = "minute, component, operation, level, outcome, template, events, errors, slow, \
                   timed, log_latency_sum, latency_sketch, _ingest_id";
    let rolled = format!(
        "SELECT {columns} FROM {DETECT_ROLLUPS} WHERE settings_hash = {} AND minute IS NOT NULL",
        sql_string(hash)
    );
    if unrolled.is_empty() {
        return rolled;
    }
    // Runs are listed literally, so row-group statistics of `_ingest_id` skip the others.
    let list = unrolled
        .iter()
        .map(|r| sql_string(r))
        .collect::<Vec<_>>()
        .join(", ");
    format!(
        "{rolled} AND _ingest_id NOT IN ({list}) UNION ALL {}",
        minutes_from_events_sql(&format!("_ingest_id IN ({list})"))
    )
}

async fn strings(ctx: &SessionContext, sql: &str) -> Result<Vec<String>, DetectError> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let mut out = Vec::new();
    for batch in batches {
        let column = cast(
            batch.column(0),
            &datafusion::arrow::datatypes::DataType::Utf8,
        )?;
        out.extend(
            column
                .as_string::<i32>()
                .iter()
                .flatten()
                .map(str::to_string),
        );
    }
    Ok(out)
}

/// What a detection catch-up has left to do under one settings hash.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct DetectRollupPlan {
    /// Runs with events and no rollup under the hash, oldest first.
    pub missing: Vec<String>,
    /// The newest run with events after the hash's watermark.
    pub newest: Option<String>,
}

impl DetectRollupPlan {
    /// Nothing to roll up and no watermark to move.
    pub fn is_settled(&self, hash: &str, marks: &Watermarks) -> bool {
        self.missing.is_empty()
            && self.newest.as_deref().is_none_or(|newest| {
                marks
                    .through(DETECT_ROLLUPS, hash)
                    .is_some_and(|t| t >= newest)
            })
    }
}

/// Reads the runs not rolled up under `hash`: those after its watermark without a marker.
pub async fn plan(
    ctx: &SessionContext,
    hash: &str,
    marks: &Watermarks,
) -> Result<DetectRollupPlan, DetectError> {
    let through = marks.through(DETECT_ROLLUPS, hash);
    let after = |column: &str| match through {
        Some(t) => format!(" AND {column} > {}", sql_string(t)),
        None => String::new(),
    };
    let runs = strings(
        ctx,
        &format!(
            "SELECT DISTINCT ingest_id FROM ingest_log WHERE \"rows\" > 0{} ORDER BY 1",
            after("ingest_id")
        ),
    )
    .await?;
    let marked: std::collections::BTreeSet<String> = strings(
        ctx,
        &format!(
            "SELECT DISTINCT _ingest_id FROM {DETECT_ROLLUPS} WHERE minute IS NULL \
             AND settings_hash = {}{}",
            sql_string(hash),
            after("_ingest_id")
        ),
    )
    .await?
    .into_iter()
    .collect();
    Ok(DetectRollupPlan {
        missing: missing_runs(&runs, through, |run| marked.contains(run)),
        newest: runs.last().cloned(),
    })
}

/// Rolls up every run without a rollup under `hash`, then moves its watermark up to the
/// newest run. Only under the writer lock (see `storage::watermark`); `ctx` must be a
/// context of the workspace over `store` (its tables and functions; views are not needed).
pub async fn catch_up(
    store: &DataStore,
    ctx: &SessionContext,
    hash: &str,
    marks: &mut Watermarks,
) -> Result<DetectRollupReport, DetectError> {
    let plan = plan(ctx, hash, marks).await?;
    let report = write_rollups(store, ctx, hash, &plan.missing).await?;
    if let Some(newest) = &plan.newest {
        marks.advance(DETECT_ROLLUPS, hash, newest);
    }
    Ok(report)
}

/// Rolls up `runs` under `hash` into one file (rows and markers: an atomic put).
async fn write_rollups(
    store: &DataStore,
    ctx: &SessionContext,
    hash: &str,
    runs: &[String],
) -> Result<DetectRollupReport, DetectError> {
    let mut report = DetectRollupReport::default();
    if runs.is_empty() {
        return Ok(report);
    }
    let list = runs
        .iter()
        .map(|r| sql_string(r))
        .collect::<Vec<_>>()
        .join(", ");
    let days = strings(
        ctx,
        &format!("SELECT DISTINCT dt FROM events WHERE _ingest_id IN ({list}) ORDER BY 1"),
    )
    .await?;
    let props = WriterProperties::builder()
        .set_compression(Compression::ZSTD(
            ZstdLevel::try_new(3).expect("valid level"),
        ))
        .set_max_row_group_row_count(Some(ROW_GROUP_ROWS))
        .build();
    let mut writer = ArrowWriter::try_new(Vec::new(), DETECT_ROLLUPS_SCHEMA.clone(), Some(props))
        .map_err(parquet_error)?;
    // Markers first, in a row group of their own: finding them reads only that group.
    let markers = markers_batch(hash, runs)?;
    writer.write(&markers).map_err(parquet_error)?;
    writer.flush().map_err(parquet_error)?;
    report.rows += markers.num_rows();
    // A day's query reads one partition's files, mostly on one core (the templates of its
    // messages): days run side by side, one per core, and are written in day order. Memory
    // follows that many days' minutes.
    let list = &list;
    let mut day_minutes = futures::stream::iter(days)
        .map(|day| async move {
            let filter = format!("dt = {} AND _ingest_id IN ({list})", sql_string(&day));
            ctx.sql(&minutes_from_events_sql(&filter))
                .await?
                .collect()
                .await
        })
        .buffered(concurrent_days());
    while let Some(batches) = day_minutes.next().await {
        let batches = batches?;
        for batch in batches.iter().filter(|b| b.num_rows() > 0) {
            let rows = rollup_batch(hash, batch)?;
            report.rows += rows.num_rows();
            writer.write(&rows).map_err(parquet_error)?;
        }
    }
    let bytes = writer.into_inner().map_err(parquet_error)?;
    let key = format!("{hash}{}", runs.join(""));
    let name = format!(
        "{DETECT_ROLLUPS}/dt={}/{}-{:016x}.parquet",
        chrono::Utc::now().format("%Y-%m-%d"),
        crate::common::new_time_id(),
        crate::common::fnv1a64(key.as_bytes())
    );
    store.put(&name, bytes.into()).await?;
    report.runs = runs.len();
    report.files = 1;
    Ok(report)
}

/// Days rolled up at once: the machine's cores.
fn concurrent_days() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Deletes every detection rollup file and its watermarks (a catch-up then computes them
/// again). The watermarks go first: a crash after it leaves markers that still hold.
pub async fn delete_all(store: &DataStore, marks: &mut Watermarks) -> Result<(), DetectError> {
    marks.clear(DETECT_ROLLUPS);
    store.save_rollup_watermarks(marks).await?;
    store.delete_all(DETECT_ROLLUPS).await?;
    Ok(())
}

fn parquet_error(source: datafusion::parquet::errors::ParquetError) -> DetectError {
    DetectError::Storage(StorageError::Parquet {
        table: DETECT_ROLLUPS.to_string(),
        source,
    })
}

/// One marker row per run: NULL minute and keys, zero counts.
fn markers_batch(hash: &str, runs: &[String]) -> Result<RecordBatch, DetectError> {
    let schema = DETECT_ROLLUPS_SCHEMA.clone();
    let n = runs.len();
    let columns: Vec<ArrayRef> = schema
        .fields()
        .iter()
        .map(|field| -> ArrayRef {
            match field.name().as_str() {
                "settings_hash" => Arc::new(StringArray::from(vec![hash; n])),
                "_ingest_id" => Arc::new(StringArray::from(runs.to_vec())),
                _ if !field.is_nullable() => Arc::new(Int64Array::from(vec![0; n])),
                _ => new_null_array(field.data_type(), n),
            }
        })
        .collect();
    Ok(RecordBatch::try_new(schema, columns)?)
}

/// A result batch of `minutes_from_events_sql` as rollup rows: the hash first, every column
/// cast to its stored type (date_bin and sums may come back in other units and widths),
/// sorted by minute.
fn rollup_batch(hash: &str, batch: &RecordBatch) -> Result<RecordBatch, DetectError> {
    let schema = DETECT_ROLLUPS_SCHEMA.clone();
    let mut columns: Vec<ArrayRef> =
        vec![Arc::new(StringArray::from(vec![hash; batch.num_rows()]))];
    for (field, column) in schema.fields().iter().skip(1).zip(batch.columns()) {
        columns.push(cast(column, field.data_type())?);
    }
    let sorted = RecordBatch::try_new(schema, columns)?;
    let indices = lexsort_to_indices(
        &[SortColumn {
            values: sorted.column(1).clone(),
            options: None,
        }],
        None,
    )?;
    Ok(take_record_batch(&sorted, &indices)?)
}
