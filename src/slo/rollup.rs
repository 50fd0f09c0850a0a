//! Per-minute rollups: good/total counts per SLO, minute and ingest run, in `slo_rollups`.
//!
//! Window queries read these instead of raw events, so evaluation cost grows with SLOs and
//! minutes, not with history. They are kept up to date by catching up: every (SLO
//! definition, ingest run) pair not yet rolled up is computed from `events` in one scan per
//! group of runs, and written as one Parquet file (an atomic put). A run's rollup is marked
//! done by a row with a NULL `minute`, so a run without events for an SLO is not redone.
//! A catch-up reads only the runs after the definitions' watermarks (`storage::watermark`)
//! and their markers, so its cost does not grow with the runs of the past.
//! A changed definition has a new `definition_hash`; its old rows are ignored by the views and
//! new ones computed. Crash-safe: a rollup missing because a process died is simply computed
//! by the next catch-up; `rebuild` deletes every rollup file first, then catches up.
//!
//! Each file also holds the hour rows of its minutes (per SLO definition, run and hour: the
//! hour's sums and its minutes packed in one value), so a window of days reads ~60 times
//! fewer rows (`shape_minutes_sum` takes the ragged hours at its ends minute by minute). Files
//! written before hour rows existed get theirs from the first catch-up that finds them
//! missing ([`add_missing_hours`]); until then the views make hours from the minutes.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, Int64Builder, RecordBatch, StringBuilder,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::datatypes::{DataType, Int64Type, TimestampMicrosecondType};
use datafusion::prelude::SessionContext;

use super::{SloDefinition, SloError};
use crate::common::sql_string;
use crate::storage::schema::{SLO_ROLLUPS, SLO_ROLLUPS_SCHEMA};
use crate::storage::watermark::{missing_runs, Watermarks};
use crate::storage::DataStore;

mod hours;
pub use hours::{add_missing_hours, hours_settled};
use hours::{with_hour_rows, HOUR_COLUMN};

/// Rows per rollup row group: about two days of minutes for 30 SLOs.
const ROLLUP_ROW_GROUP_ROWS: usize = 65_536;

/// What a catch-up did.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RollupReport {
    /// (SLO, ingest run) pairs computed.
    pub pairs: usize,
    /// Rows written (minutes with events, plus one marker per pair).
    pub rows: usize,
    pub files: usize,
}

async fn strings(ctx: &SessionContext, sql: &str) -> Result<Vec<Vec<String>>, SloError> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let mut out = Vec::new();
    for batch in batches {
        // the rollups' strings are read as string views (see catalog): text either way
        let columns = batch
            .columns()
            .iter()
            .map(|c| {
                datafusion::arrow::compute::cast(c, &DataType::Utf8)
                    .map(|c| c.as_string::<i32>().clone())
            })
            .collect::<Result<Vec<_>, _>>()?;
        for row in 0..batch.num_rows() {
            out.push(columns.iter().map(|c| c.value(row).to_string()).collect());
        }
    }
    Ok(out)
}

/// The key of an SLO definition's rollups (and of its watermark).
fn rollup_key(slo: &SloDefinition) -> String {
    format!("{} {}", slo.slo_id, slo.rollup_hash())
}

/// What a catch-up has left to do, read from the watermarks and the markers after them.
#[derive(Debug)]
pub struct RollupPlan<'a> {
    /// SLOs grouped by the exact runs they lack: one events scan per group.
    groups: BTreeMap<Vec<String>, Vec<&'a SloDefinition>>,
    /// Every run with events was read (no watermark yet), so a group lacking all of them
    /// scans every event without a run list.
    runs: Option<usize>,
    /// The newest run with events after the lowest watermark.
    newest: Option<String>,
    /// The current definitions' keys.
    keys: Vec<String>,
}

impl RollupPlan<'_> {
    /// Nothing to roll up and no watermark to move.
    pub fn is_settled(&self, marks: &Watermarks) -> bool {
        hours_settled(marks)
            && self.groups.is_empty()
            && self.newest.as_deref().is_none_or(|newest| {
                self.keys
                    .iter()
                    .all(|k| marks.through(SLO_ROLLUPS, k).is_some_and(|t| t >= newest))
            })
    }
}

/// Reads what is left to roll up for `slos`: the runs after the lowest watermark and their
/// markers only (the older ones are not read at all).
pub async fn plan<'a>(
    ctx: &SessionContext,
    slos: &'a [SloDefinition],
    marks: &Watermarks,
) -> Result<RollupPlan<'a>, SloError> {
    let current: Vec<&SloDefinition> = slos.iter().filter(|s| s.has_rollups()).collect();
    let keys: Vec<String> = current.iter().map(|s| rollup_key(s)).collect();
    let mut plan = RollupPlan {
        groups: BTreeMap::new(),
        runs: None,
        newest: None,
        keys,
    };
    if current.is_empty() {
        return Ok(plan);
    }
    let floor = marks.floor(SLO_ROLLUPS, plan.keys.iter().map(String::as_str));
    let after = |column: &str| match &floor {
        Some(floor) => format!(" AND {column} > {}", sql_string(floor)),
        None => String::new(),
    };
    let runs: Vec<String> = strings(
        ctx,
        &format!(
            "SELECT DISTINCT ingest_id FROM ingest_log WHERE \"rows\" > 0{} ORDER BY 1",
            after("ingest_id")
        ),
    )
    .await?
    .into_iter()
    .map(|r| r[0].clone())
    .collect();
    let covered: BTreeSet<(String, String)> = strings(
        ctx,
        &format!(
            "SELECT DISTINCT slo_id, definition_hash, _ingest_id FROM {SLO_ROLLUPS} \
             WHERE minute IS NULL{}",
            after("_ingest_id")
        ),
    )
    .await?
    .into_iter()
    .map(|r| (format!("{} {}", r[0], r[1]), r[2].clone()))
    .collect();
    for (slo, key) in current.iter().zip(&plan.keys) {
        let through = marks.through(SLO_ROLLUPS, key);
        let missing = missing_runs(&runs, through, |run| {
            covered.contains(&(key.clone(), run.to_string()))
        });
        if !missing.is_empty() {
            plan.groups.entry(missing).or_default().push(*slo);
        }
    }
    plan.runs = floor.is_none().then_some(runs.len());
    plan.newest = runs.last().cloned();
    Ok(plan)
}

/// Computes every missing rollup, then moves the watermarks of `slos` up to the newest run.
/// Only under the writer lock (see `storage::watermark`); `ctx` must be a context of the
/// workspace over `store`.
pub async fn catch_up(
    store: &DataStore,
    ctx: &SessionContext,
    slos: &[SloDefinition],
    marks: &mut Watermarks,
) -> Result<RollupReport, SloError> {
    let mut report = RollupReport::default();
    if !marks.slo_hours() {
        report.rows += add_missing_hours(store, ctx).await?;
        marks.set_slo_hours();
    }
    let plan = plan(ctx, slos, marks).await?;
    for (missing, group) in &plan.groups {
        let all_runs = plan.runs == Some(missing.len());
        let batch = compute(ctx, group, missing, all_runs).await?;
        report.pairs += missing.len() * group.len();
        let batch = with_hour_rows(&batch)?;
        report.rows += batch.num_rows();
        write(store, &batch, missing, group).await?;
        report.files += 1;
    }
    if let Some(newest) = &plan.newest {
        for key in &plan.keys {
            marks.advance(SLO_ROLLUPS, key, newest);
        }
    }
    Ok(report)
}

/// Deletes every rollup file and its watermarks (a catch-up then computes them again). The
/// watermarks go first: a crash after it leaves markers that still hold.
pub async fn delete_all(store: &DataStore, marks: &mut Watermarks) -> Result<(), SloError> {
    marks.clear(SLO_ROLLUPS);
    store.save_rollup_watermarks(marks).await?;
    store.delete_all(SLO_ROLLUPS).await?;
    Ok(())
}

/// Deletes every rollup file and its watermarks, then computes them all again.
pub async fn rebuild(
    store: &DataStore,
    ctx: &SessionContext,
    slos: &[SloDefinition],
    marks: &mut Watermarks,
) -> Result<RollupReport, SloError> {
    delete_all(store, marks).await?;
    catch_up(store, ctx, slos, marks).await
}

/// One scan of `events` for a group: per minute and run, a good and a total sum per SLO.
async fn compute(
    ctx: &SessionContext,
    group: &[&SloDefinition],
    runs: &[String],
    all_runs: bool,
) -> Result<RecordBatch, SloError> {
    let mut select = vec![
        "date_bin(INTERVAL '1 minute', ts, TIMESTAMP '1970-01-01T00:00:00Z') AS minute".to_string(),
        "_ingest_id".to_string(),
    ];
    for (i, slo) in group.iter().enumerate() {
        let total = slo.total_sql();
        select.push(format!(
            "CAST(sum(CASE WHEN ({total}) AND ({}) THEN 1 ELSE 0 END) AS BIGINT) AS g{i}",
            slo.good_sql()
        ));
        select.push(format!(
            "CAST(sum(CASE WHEN {total} THEN 1 ELSE 0 END) AS BIGINT) AS t{i}"
        ));
    }
    let scopes: Vec<String> = group
        .iter()
        .map(|s| format!("({})", s.scope_sql()))
        .collect();
    let mut filter = format!("({})", scopes.join(" OR "));
    if !all_runs {
        let list: Vec<String> = runs.iter().map(|r| sql_string(r)).collect();
        filter = format!("{filter} AND _ingest_id IN ({})", list.join(", "));
    }
    let sql = format!(
        "SELECT {} FROM events WHERE {filter} GROUP BY 1, 2",
        select.join(", ")
    );
    let batches = ctx.sql(&sql).await?.collect().await?;

    let mut slo_id = StringBuilder::new();
    let mut hash = StringBuilder::new();
    let mut minute = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut good = Int64Builder::new();
    let mut total = Int64Builder::new();
    let mut run = StringBuilder::new();
    let hashes: Vec<String> = group.iter().map(|s| s.rollup_hash()).collect();
    for batch in &batches {
        // date_bin keeps the input's unit or not depending on its origin: normalise to µs.
        let minutes = datafusion::arrow::compute::cast(
            batch.column(0),
            &SLO_ROLLUPS_SCHEMA.field(2).data_type().clone(),
        )?;
        let minutes = minutes.as_primitive::<TimestampMicrosecondType>();
        let run_ids = batch.column(1).as_string::<i32>();
        for (i, slo) in group.iter().enumerate() {
            let goods = batch.column(2 + 2 * i).as_primitive::<Int64Type>();
            let totals = batch.column(3 + 2 * i).as_primitive::<Int64Type>();
            for row in 0..batch.num_rows() {
                let t = if totals.is_valid(row) {
                    totals.value(row)
                } else {
                    0
                };
                if t == 0 {
                    continue;
                }
                slo_id.append_value(&slo.slo_id);
                hash.append_value(&hashes[i]);
                minute.append_value(minutes.value(row));
                good.append_value(goods.value(row));
                total.append_value(t);
                run.append_value(run_ids.value(row));
            }
        }
    }
    // Markers: this (definition, run) is done, even if it had no events.
    for (i, slo) in group.iter().enumerate() {
        for r in runs {
            slo_id.append_value(&slo.slo_id);
            hash.append_value(&hashes[i]);
            minute.append_null();
            good.append_value(0);
            total.append_value(0);
            run.append_value(r);
        }
    }
    let mut columns: Vec<ArrayRef> = vec![
        Arc::new(slo_id.finish()),
        Arc::new(hash.finish()),
        Arc::new(minute.finish()),
        Arc::new(good.finish()),
        Arc::new(total.finish()),
        Arc::new(run.finish()),
    ];
    let rows = columns[0].len();
    for field in &SLO_ROLLUPS_SCHEMA.fields()[columns.len()..] {
        columns.push(new_null_array(field.data_type(), rows));
    }
    Ok(RecordBatch::try_new(SLO_ROLLUPS_SCHEMA.clone(), columns)?)
}

async fn write(
    store: &DataStore,
    batch: &RecordBatch,
    runs: &[String],
    group: &[&SloDefinition],
) -> Result<(), SloError> {
    let key: String = group
        .iter()
        .map(|s| s.rollup_hash())
        .chain(runs.iter().cloned())
        .collect();
    put_file(store, batch, &key).await
}

/// Puts `batch` as one rollup file (an atomic put), named by time and a hash of `key`.
async fn put_file(store: &DataStore, batch: &RecordBatch, key: &str) -> Result<(), SloError> {
    // Sorted by minute, then hour (then SLO), in row groups of a few days of minutes, so
    // the minute and hour statistics let a window query skip the row groups before its
    // window (markers and hour rows, with no minute, come first).
    let sorted = sort_batch(batch)?;
    let bytes = crate::storage::parquet_bytes(&sorted, Some(ROLLUP_ROW_GROUP_ROWS))?;
    let today = chrono::Utc::now().format("%Y-%m-%d");
    let name = format!(
        "{SLO_ROLLUPS}/dt={today}/{}-{:016x}.parquet",
        crate::common::new_time_id(),
        crate::common::fnv1a64(key.as_bytes())
    );
    store.put(&name, bytes).await?;
    Ok(())
}

fn sort_batch(batch: &RecordBatch) -> Result<RecordBatch, SloError> {
    use datafusion::arrow::compute::{lexsort_to_indices, take_record_batch, SortColumn};
    let indices = lexsort_to_indices(
        &[
            SortColumn {
                values: batch.column(2).clone(),
                options: None,
            },
            SortColumn {
                values: batch.column(HOUR_COLUMN).clone(),
                options: None,
            },
            SortColumn {
                values: batch.column(0).clone(),
                options: None,
            },
        ],
        None,
    )?;
    Ok(take_record_batch(batch, &indices)?)
}
