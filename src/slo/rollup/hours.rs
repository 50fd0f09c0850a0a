//! Hour rows of the SLO rollups (see the parent module; the minutes packed as
//! `shape_udfs::minutes::pack` writes them): made from the minute rows of the same
//! file when it is written, or, for files written before hour rows existed, added once by a
//! catch-up ([`add_missing_hours`]).

use std::collections::HashMap;
use std::sync::Arc;

use datafusion::arrow::array::{
    new_null_array, Array, ArrayBuilder, ArrayRef, AsArray, BinaryBuilder, Int64Builder,
    RecordBatch, StringArray, StringBuilder, TimestampMicrosecondBuilder,
};
use datafusion::arrow::compute::{cast, concat_batches};
use datafusion::arrow::datatypes::{DataType, Int64Type, TimeUnit, TimestampMicrosecondType};
use datafusion::arrow::error::ArrowError;
use datafusion::prelude::SessionContext;
use futures::StreamExt;

use super::super::SloError;
use crate::storage::schema::{SLO_ROLLUPS, SLO_ROLLUPS_SCHEMA};
use crate::storage::{DataStore, Watermarks};

/// Index of `hour` in the rollup schema (the first of the hour row columns).
pub(super) const HOUR_COLUMN: usize = 6;

const MICROS_PER_MINUTE: i64 = 60_000_000;
const MICROS_PER_HOUR: i64 = 60 * MICROS_PER_MINUTE;

/// Minute values the hour rows added by [`add_missing_hours`] hold per file: bounds the
/// memory of that one-time pass whatever the history's length.
const MINUTES_PER_HOURS_FILE: usize = 2_000_000;

/// No catch-up is owed for hour rows: every file has them, or no rollup was ever written.
pub fn hours_settled(marks: &Watermarks) -> bool {
    marks.slo_hours() || !marks.has_any(SLO_ROLLUPS)
}

fn column<'a>(batch: &'a RecordBatch, name: &str) -> Result<&'a ArrayRef, SloError> {
    batch.column_by_name(name).ok_or_else(|| {
        SloError::Arrow(ArrowError::SchemaError(format!(
            "hour rows: the minute rows lack column {name}"
        )))
    })
}

fn text_column(batch: &RecordBatch, name: &str) -> Result<StringArray, SloError> {
    Ok(cast(column(batch, name)?, &DataType::Utf8)?
        .as_string::<i32>()
        .clone())
}

fn int_column(batch: &RecordBatch, name: &str) -> Result<ArrayRef, SloError> {
    Ok(cast(column(batch, name)?, &DataType::Int64)?)
}

/// The hour rows of the minute rows of `minutes` (rows with a NULL minute are ignored): one
/// per SLO definition, ingest run and hour, with the hour's sums and its minutes (offset, good,
/// total) packed in minute order. Pure; rows in a stable order.
pub(super) fn hour_rows(minutes: &RecordBatch) -> Result<RecordBatch, SloError> {
    let slo_ids = text_column(minutes, "slo_id")?;
    let hashes = text_column(minutes, "definition_hash")?;
    let runs = text_column(minutes, "_ingest_id")?;
    let minute = cast(
        column(minutes, "minute")?,
        &DataType::Timestamp(TimeUnit::Microsecond, None),
    )?;
    let minute = minute.as_primitive::<TimestampMicrosecondType>();
    let good = int_column(minutes, "good")?;
    let good = good.as_primitive::<Int64Type>();
    let total = int_column(minutes, "total")?;
    let total = total.as_primitive::<Int64Type>();

    type Key<'a> = (&'a str, &'a str, &'a str, i64);
    let mut hours: HashMap<Key, Vec<(i64, i64, i64)>> = HashMap::new();
    for row in 0..minutes.num_rows() {
        if minute.is_null(row) {
            continue;
        }
        let at = minute.value(row);
        let hour = at.div_euclid(MICROS_PER_HOUR) * MICROS_PER_HOUR;
        let key = (slo_ids.value(row), hashes.value(row), runs.value(row), hour);
        hours.entry(key).or_default().push((
            (at - hour) / MICROS_PER_MINUTE,
            good.value(row),
            total.value(row),
        ));
    }
    let mut hours: Vec<_> = hours.into_iter().collect();
    hours.sort_unstable_by(|a: &(Key, _), b| a.0.cmp(&b.0));

    let mut slo_id = StringBuilder::new();
    let mut hash = StringBuilder::new();
    let mut sums = (Int64Builder::new(), Int64Builder::new());
    let mut run = StringBuilder::new();
    let mut hour = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    let mut packed = BinaryBuilder::new();
    for (key, mut counts) in hours {
        counts.sort_unstable();
        slo_id.append_value(key.0);
        hash.append_value(key.1);
        run.append_value(key.2);
        hour.append_value(key.3);
        sums.0.append_value(counts.iter().map(|c| c.1).sum());
        sums.1.append_value(counts.iter().map(|c| c.2).sum());
        packed.append_value(shape_udfs::minutes::pack(&counts));
    }
    let rows = hour.len();
    let columns: Vec<ArrayRef> = vec![
        Arc::new(slo_id.finish()),
        Arc::new(hash.finish()),
        new_null_array(SLO_ROLLUPS_SCHEMA.field(2).data_type(), rows),
        Arc::new(sums.0.finish()),
        Arc::new(sums.1.finish()),
        Arc::new(run.finish()),
        Arc::new(hour.finish()),
        Arc::new(packed.finish()),
    ];
    Ok(RecordBatch::try_new(SLO_ROLLUPS_SCHEMA.clone(), columns)?)
}

/// `batch` (minute rows and markers) with the hour rows of its minutes after them.
pub(super) fn with_hour_rows(batch: &RecordBatch) -> Result<RecordBatch, SloError> {
    let hours = hour_rows(batch)?;
    Ok(concat_batches(&SLO_ROLLUPS_SCHEMA, [batch, &hours])?)
}

/// Adds the hour rows of every (SLO definition, run) whose minutes have none (files written
/// before hour rows existed), in files of their own; returns the rows written. Only under
/// the writer lock; idempotent, so a crash midway is finished by the next catch-up.
pub async fn add_missing_hours(store: &DataStore, ctx: &SessionContext) -> Result<usize, SloError> {
    let sql = format!(
        "SELECT slo_id, definition_hash, minute, good, total, _ingest_id FROM {SLO_ROLLUPS} r \
         WHERE minute IS NOT NULL AND NOT EXISTS ( \
           SELECT 1 FROM {SLO_ROLLUPS} h WHERE h.hour IS NOT NULL AND h.slo_id = r.slo_id \
           AND h.definition_hash = r.definition_hash AND h._ingest_id = r._ingest_id)"
    );
    let mut stream = ctx.sql(&sql).await?.execute_stream().await?;
    let (mut pending, mut minutes, mut written, mut files) = (Vec::new(), 0, 0, 0);
    while let Some(batch) = stream.next().await {
        let batch = batch?;
        minutes += batch.num_rows();
        // A (definition, run, hour) split over two batches gets two hour rows: the views
        // add rows up, so that is the same sum.
        pending.push(hour_rows(&batch)?);
        if minutes >= MINUTES_PER_HOURS_FILE {
            written += put_hours(store, &mut pending, files).await?;
            (minutes, files) = (0, files + 1);
        }
    }
    written += put_hours(store, &mut pending, files).await?;
    Ok(written)
}

async fn put_hours(
    store: &DataStore,
    pending: &mut Vec<RecordBatch>,
    file: usize,
) -> Result<usize, SloError> {
    let batch = concat_batches(&SLO_ROLLUPS_SCHEMA, pending.iter())?;
    pending.clear();
    if batch.num_rows() > 0 {
        super::put_file(store, &batch, &format!("hours {file}")).await?;
    }
    Ok(batch.num_rows())
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Int64Array, TimestampMicrosecondArray};

    type Minute = (&'static str, i64, i64, i64, &'static str);

    fn minutes(rows: &[Minute]) -> RecordBatch {
        let strings = |f: fn(&Minute) -> &'static str| {
            Arc::new(StringArray::from_iter_values(rows.iter().map(f))) as ArrayRef
        };
        let ints = |f: fn(&Minute) -> i64| {
            Arc::new(Int64Array::from_iter_values(rows.iter().map(f))) as ArrayRef
        };
        let minute: TimestampMicrosecondArray = rows
            .iter()
            .map(|r| (r.1 >= 0).then_some(r.1 * MICROS_PER_MINUTE))
            .collect::<TimestampMicrosecondArray>()
            .with_timezone("UTC");
        let mut columns = vec![
            strings(|r| r.0),
            strings(|_| "h1"),
            Arc::new(minute) as ArrayRef,
            ints(|r| r.2),
            ints(|r| r.3),
            strings(|r| r.4),
        ];
        for field in &SLO_ROLLUPS_SCHEMA.fields()[HOUR_COLUMN..] {
            columns.push(datafusion::arrow::array::new_null_array(
                field.data_type(),
                rows.len(),
            ));
        }
        RecordBatch::try_new(SLO_ROLLUPS_SCHEMA.clone(), columns).unwrap()
    }

    fn minutes_of(batch: &RecordBatch, row: usize) -> Vec<(i64, i64, i64)> {
        let packed = batch.column_by_name("minutes").unwrap().as_binary::<i32>();
        shape_udfs::minutes::unpack(packed.value(row)).unwrap()
    }

    #[test]
    fn minutes_group_into_their_hour_per_slo_and_run_in_minute_order() {
        // (slo, minute since the epoch, good, total, run); minute -1: a marker
        let batch = minutes(&[
            ("a", 61, 3, 4, "r1"),
            ("a", 60, 1, 2, "r1"),
            ("a", 119, 5, 5, "r1"),
            ("a", 120, 7, 9, "r1"),
            ("a", 60, 1, 1, "r2"),
            ("b", 60, 0, 1, "r1"),
            ("a", -1, 0, 0, "r1"),
        ]);
        let hours = hour_rows(&batch).unwrap();
        assert_eq!(
            hours.num_rows(),
            4,
            "a/r1 hour 1, a/r1 hour 2, a/r2 hour 1, b/r1 hour 1"
        );
        let hour = hours
            .column(HOUR_COLUMN)
            .as_primitive::<TimestampMicrosecondType>();
        let good = hours.column(3).as_primitive::<Int64Type>();
        let total = hours.column(4).as_primitive::<Int64Type>();
        assert_eq!(hour.value(0), MICROS_PER_HOUR);
        assert_eq!((good.value(0), total.value(0)), (9, 11));
        assert_eq!(
            minutes_of(&hours, 0),
            vec![(0, 1, 2), (1, 3, 4), (59, 5, 5)]
        );
        assert_eq!(hour.value(1), 2 * MICROS_PER_HOUR);
        assert_eq!(minutes_of(&hours, 1), vec![(0, 7, 9)]);
        assert_eq!(hours.column(5).as_string::<i32>().value(2), "r2");
        assert_eq!(hours.column(0).as_string::<i32>().value(3), "b");
        assert!(hours.column(2).is_null(0), "an hour row has no minute");
        assert_eq!(with_hour_rows(&batch).unwrap().num_rows(), 11);
    }
}
