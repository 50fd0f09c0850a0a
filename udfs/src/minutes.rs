//! Hour rows of per-minute counts. A row stands for one hour and holds the minutes of it that
//! had events packed in one BYTEA value (`pack`): per minute its offset from the hour's start
//! (0..59) and two counts (good, total), as zigzag LEB128 varints. A window of days is then read as
//! its hours (a 30-day window: 720 rows instead of 43,200); `shape_minutes_sum` unpacks only
//! what it reads and adds up the counts of the minutes starting inside a range, so the hours
//! at a window's ragged ends give only their minutes inside it: the same sums as the minutes.
//! Packed rather than Parquet lists: a list column costs its decoding per minute on every
//! scan, a byte string one copy per hour.

use std::sync::Arc;

use integer_encoding::VarInt;

use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, BinaryArray, Int64Array, Int64Builder, ListArray, ListBuilder,
    StructArray,
};
use datafusion::arrow::buffer::{NullBuffer, OffsetBuffer};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Fields, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    create_udaf, create_udf, Accumulator, AggregateUDF, ColumnarValue, ScalarUDF, Volatility,
};

/// One minute of an hour row: offset from the hour (0..59), good and total counts.
pub type MinuteCounts = (i64, i64, i64);

/// The packed form of `minutes` (in the order given).
pub fn pack(minutes: &[MinuteCounts]) -> Vec<u8> {
    let mut out = Vec::with_capacity(minutes.len() * 4);
    for &(offset, good, total) in minutes {
        for value in [offset, good, total] {
            out.extend_from_slice(&value.encode_var_vec());
        }
    }
    out
}

/// The minutes of a packed value; `None` when it is not one.
pub fn unpack(bytes: &[u8]) -> Option<Vec<MinuteCounts>> {
    let (mut at, mut out) = (0, Vec::with_capacity(60));
    let next = |at: &mut usize| -> Option<i64> {
        let (value, read) = i64::decode_var(&bytes[*at..])?;
        *at += read;
        Some(value)
    };
    while at < bytes.len() {
        out.push((next(&mut at)?, next(&mut at)?, next(&mut at)?));
    }
    Some(out)
}

/// The sum of good (`which` 1) or total (`which` 2) counts over the minutes
/// `hour_seconds + 60 * offset` in `[from_seconds, to_seconds)` (Unix seconds).
pub fn minutes_sum(
    hour_seconds: f64,
    minutes: &[MinuteCounts],
    which: usize,
    from_seconds: f64,
    to_seconds: f64,
) -> i64 {
    minutes
        .iter()
        .filter(|m| {
            let minute = hour_seconds + 60.0 * m.0 as f64;
            minute >= from_seconds && minute < to_seconds
        })
        .map(|m| if which == 1 { m.1 } else { m.2 })
        .sum()
}

fn binary_arg<'a>(array: &'a ArrayRef, function: &str) -> Result<&'a BinaryArray> {
    match array.as_any().downcast_ref::<BinaryArray>() {
        Some(binary) => Ok(binary),
        None => exec_err!(
            "{function} takes packed minutes (BYTEA), not {}",
            array.data_type()
        ),
    }
}

/// Which count a constant text argument names: 0 offset, 1 good, 2 total.
fn count_index(arg: &ColumnarValue, function: &str) -> Result<usize> {
    let name = match arg {
        ColumnarValue::Scalar(
            ScalarValue::Utf8(name) | ScalarValue::Utf8View(name) | ScalarValue::LargeUtf8(name),
        ) => name.as_deref(),
        _ => {
            return exec_err!(
                "{function}: the count must be a constant 'offset', 'good' or 'total'"
            )
        }
    };
    match name {
        Some("offset") => Ok(0),
        Some("good") => Ok(1),
        Some("total") => Ok(2),
        other => exec_err!("{function}: the count is 'offset', 'good' or 'total', not {other:?}"),
    }
}

fn unpacked(bytes: &[u8], function: &str) -> Result<Vec<MinuteCounts>> {
    match unpack(bytes) {
        Some(minutes) => Ok(minutes),
        None => exec_err!("{function}: a packed minutes value is cut short or malformed"),
    }
}

/// `shape_minutes_sum(hour, minutes, 'good' | 'total', from_seconds, to_seconds)`: see
/// [`minutes_sum`]. NULL when the hour, the minutes or a bound is NULL.
fn minutes_sum_udf() -> ScalarUDF {
    const NAME: &str = "shape_minutes_sum";
    let fun = Arc::new(|args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let which = count_index(&args[2], NAME)?;
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let [hours, minutes, _, from, to] = arrays.as_slice() else {
            return exec_err!("{NAME} takes 5 arguments, not {}", arrays.len());
        };
        let hours = cast(hours, &DataType::Int64)?;
        let hours = hours.as_primitive::<Int64Type>();
        let minutes = binary_arg(minutes, NAME)?;
        let (from, to) = (
            cast(from, &DataType::Float64)?,
            cast(to, &DataType::Float64)?,
        );
        let (from, to) = (
            from.as_primitive::<Float64Type>(),
            to.as_primitive::<Float64Type>(),
        );
        let mut out = Int64Builder::with_capacity(hours.len());
        for row in 0..hours.len() {
            if hours.is_null(row) || minutes.is_null(row) || from.is_null(row) || to.is_null(row) {
                out.append_null();
                continue;
            }
            // the timestamp's µs as seconds, as date_part('epoch', ...) gives them
            let hour_seconds = hours.value(row) as f64 / 1e6;
            let counts = unpacked(minutes.value(row), NAME)?;
            let (from, to) = (from.value(row), to.value(row));
            out.append_value(minutes_sum(hour_seconds, &counts, which, from, to));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    });
    create_udf(
        NAME,
        vec![
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            DataType::Binary,
            DataType::Utf8,
            DataType::Float64,
            DataType::Float64,
        ],
        DataType::Int64,
        Volatility::Immutable,
        fun,
    )
}

/// `shape_minute_counts(minutes, 'offset' | 'good' | 'total')`: one count of every packed
/// minute, as a list (to `unnest` an hour into its minutes).
fn minute_counts_udf() -> ScalarUDF {
    const NAME: &str = "shape_minute_counts";
    let fun = Arc::new(|args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let which = count_index(&args[1], NAME)?;
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let minutes = binary_arg(&arrays[0], NAME)?;
        let mut out = ListBuilder::new(Int64Builder::new());
        for row in 0..minutes.len() {
            if minutes.is_null(row) {
                out.append_null();
                continue;
            }
            for m in unpacked(minutes.value(row), NAME)? {
                out.values().append_value([m.0, m.1, m.2][which]);
            }
            out.append(true);
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    });
    create_udf(
        NAME,
        vec![DataType::Binary, DataType::Utf8],
        DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true))),
        Volatility::Immutable,
        fun,
    )
}

/// One time slice's share of an hour row: the slice's index, its good and total counts in
/// the hour, and the offset (minutes from the hour) of its first minute there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SlicePart {
    pub slice: i64,
    pub good: i64,
    pub total: i64,
    pub first_offset: i64,
}

/// The hour's minutes in `[from_us, to_us)` (µs) grouped by their time slice: slice `k` holds
/// the minutes starting `k * slice_seconds` to `(k + 1) * slice_seconds` whole seconds after
/// `window_start_us` (both taken in whole Unix seconds, as `to_unixtime` gives them). A
/// window's slices are then added up from a few parts per hour instead of its minutes.
pub fn hour_slices(
    hour_us: i64,
    minutes: &[MinuteCounts],
    window_start_us: i64,
    slice_seconds: i64,
    from_us: i64,
    to_us: i64,
) -> Vec<SlicePart> {
    let window_start_s = window_start_us.div_euclid(1_000_000);
    let mut parts: Vec<SlicePart> = Vec::new();
    for &(offset, good, total) in minutes {
        let minute_us = hour_us + offset * 60_000_000;
        if minute_us < from_us || minute_us >= to_us {
            continue;
        }
        let slice = (minute_us.div_euclid(1_000_000) - window_start_s).div_euclid(slice_seconds);
        match parts.iter_mut().find(|p| p.slice == slice) {
            Some(part) => {
                part.good += good;
                part.total += total;
                part.first_offset = part.first_offset.min(offset);
            }
            None => parts.push(SlicePart {
                slice,
                good,
                total,
                first_offset: offset,
            }),
        }
    }
    parts
}

fn slice_part_fields() -> Fields {
    ["slice", "good", "total", "first_offset"]
        .into_iter()
        .map(|name| Field::new(name, DataType::Int64, false))
        .collect()
}

/// `shape_hour_slices(hour, minutes, window_start, slice_seconds, from, to)`: the
/// [`hour_slices`] of an hour row as a list of `{slice, good, total, first_offset}` (to
/// `unnest`); NULL when an argument is NULL or the slice length is not positive.
fn hour_slices_udf() -> ScalarUDF {
    const NAME: &str = "shape_hour_slices";
    let fun = Arc::new(|args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let [hours, minutes, window_start, slice_seconds, from, to] = arrays.as_slice() else {
            return exec_err!("{NAME} takes 6 arguments, not {}", arrays.len());
        };
        let minutes = binary_arg(minutes, NAME)?;
        let int64 = |a: &ArrayRef| cast(a, &DataType::Int64);
        let (hours, window_start, slice_seconds, from, to) = (
            int64(hours)?,
            int64(window_start)?,
            int64(slice_seconds)?,
            int64(from)?,
            int64(to)?,
        );
        let [hours, window_start, slice_seconds, from, to] =
            [&hours, &window_start, &slice_seconds, &from, &to]
                .map(|a| a.as_primitive::<Int64Type>());
        let mut columns: [Vec<i64>; 4] = Default::default();
        let mut offsets = vec![0i32];
        let mut valid = Vec::with_capacity(minutes.len());
        for row in 0..minutes.len() {
            let given = [hours, window_start, slice_seconds, from, to]
                .iter()
                .all(|a| a.is_valid(row))
                && minutes.is_valid(row)
                && slice_seconds.value(row) > 0;
            if given {
                let counts = unpacked(minutes.value(row), NAME)?;
                let parts = hour_slices(
                    hours.value(row),
                    &counts,
                    window_start.value(row),
                    slice_seconds.value(row),
                    from.value(row),
                    to.value(row),
                );
                for p in parts {
                    for (column, value) in
                        columns
                            .iter_mut()
                            .zip([p.slice, p.good, p.total, p.first_offset])
                    {
                        column.push(value);
                    }
                }
            }
            valid.push(given);
            offsets.push(columns[0].len() as i32);
        }
        let values = StructArray::new(
            slice_part_fields(),
            columns
                .into_iter()
                .map(|c| Arc::new(Int64Array::from(c)) as ArrayRef)
                .collect(),
            None,
        );
        let list = ListArray::new(
            Arc::new(Field::new_list_field(
                DataType::Struct(slice_part_fields()),
                false,
            )),
            OffsetBuffer::new(offsets.into()),
            Arc::new(values),
            Some(NullBuffer::from(valid)),
        );
        Ok(ColumnarValue::Array(Arc::new(list)))
    });
    let timestamp = DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()));
    create_udf(
        NAME,
        vec![
            timestamp.clone(),
            DataType::Binary,
            timestamp.clone(),
            DataType::Int64,
            timestamp.clone(),
            timestamp,
        ],
        DataType::List(Arc::new(Field::new_list_field(
            DataType::Struct(slice_part_fields()),
            false,
        ))),
        Volatility::Immutable,
        fun,
    )
}

/// `shape_pack_minutes(offset, good, total)` (aggregate): the packed minutes of a group, in
/// offset order (what ingest stores, made in SQL).
#[derive(Debug, Default)]
struct PackMinutes {
    minutes: Vec<MinuteCounts>,
}

impl Accumulator for PackMinutes {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        let columns = values
            .iter()
            .map(|v| cast(v, &DataType::Int64))
            .collect::<Result<Vec<_>, _>>()?;
        let [offset, good, total] = columns.as_slice() else {
            return exec_err!("shape_pack_minutes takes 3 arguments");
        };
        let (offset, good, total) = (
            offset.as_primitive::<Int64Type>(),
            good.as_primitive::<Int64Type>(),
            total.as_primitive::<Int64Type>(),
        );
        for row in 0..offset.len() {
            if offset.is_valid(row) {
                self.minutes
                    .push((offset.value(row), good.value(row), total.value(row)));
            }
        }
        Ok(())
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        self.minutes.sort_unstable();
        Ok(ScalarValue::Binary(Some(pack(&self.minutes))))
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self) + self.minutes.capacity() * std::mem::size_of::<MinuteCounts>()
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![ScalarValue::Binary(Some(pack(&self.minutes)))])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        let states = binary_arg(&states[0], "shape_pack_minutes")?;
        for bytes in states.iter().flatten() {
            self.minutes.extend(unpacked(bytes, "shape_pack_minutes")?);
        }
        Ok(())
    }
}

pub fn udfs() -> Vec<ScalarUDF> {
    vec![minutes_sum_udf(), minute_counts_udf(), hour_slices_udf()]
}

pub fn udafs() -> Vec<AggregateUDF> {
    vec![create_udaf(
        "shape_pack_minutes",
        vec![DataType::Int64, DataType::Int64, DataType::Int64],
        Arc::new(DataType::Binary),
        Volatility::Immutable,
        Arc::new(|_| Ok(Box::new(PackMinutes::default()))),
        Arc::new(vec![DataType::Binary]),
    )]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packed_minutes_round_trip() {
        let minutes = vec![
            (0, 0, 1),
            (1, 300, 300),
            (59, 1 << 40, i64::MAX),
            (7, -1, 0),
        ];
        assert_eq!(unpack(&pack(&minutes)), Some(minutes));
        assert_eq!(unpack(&[]), Some(Vec::new()));
        assert_eq!(unpack(&[0x80]), None, "cut short");
    }

    #[test]
    fn only_the_minutes_starting_inside_the_range_count() {
        let hour = 3600.0 * 10.0;
        let minutes = [(0, 1, 1), (1, 10, 10), (30, 100, 100), (59, 1000, 2000)];
        let sum = |from: f64, to: f64| minutes_sum(hour, &minutes, 1, from, to);
        assert_eq!(sum(hour, hour + 3600.0), 1111, "the whole hour");
        assert_eq!(minutes_sum(hour, &minutes, 2, hour, hour + 3600.0), 2111);
        // from inclusive, to exclusive, at minute starts
        assert_eq!(sum(hour + 60.0, hour + 30.0 * 60.0), 10);
        assert_eq!(sum(hour + 60.0, hour + 30.0 * 60.0 + 0.5), 110);
        // a bound inside a minute: the minute counts when it starts at or after `from`
        assert_eq!(sum(hour + 0.5, hour + 3600.0), 1110);
        assert_eq!(sum(hour + 3600.0, hour + 7200.0), 0, "the next hour");
        assert_eq!(sum(hour + 120.0, hour + 60.0), 0, "an empty range");
    }

    #[test]
    fn an_hour_splits_into_its_slices_inside_the_range() {
        let hour = 36_000 * 1_000_000i64; // 10:00
        let minutes = [
            (0, 1, 1),
            (4, 2, 3),
            (5, 10, 10),
            (12, 5, 7),
            (59, 100, 100),
        ];
        let part = |slice, good, total, first_offset| SlicePart {
            slice,
            good,
            total,
            first_offset,
        };
        // 5-minute slices from 09:00: 10:00 is slice 12
        let from_nine = hour - 3600 * 1_000_000;
        let all = hour_slices(hour, &minutes, from_nine, 300, 0, i64::MAX);
        assert_eq!(
            all,
            vec![
                part(12, 3, 4, 0),
                part(13, 10, 10, 5),
                part(14, 5, 7, 12),
                part(23, 100, 100, 59)
            ]
        );
        // a window starting mid-minute (whole seconds count, as to_unixtime gives them):
        // slices start at 10:02:30.7 -> 10:02:30, so 10:04 and 10:05 share slice 0
        let start = hour + 150_700_000;
        let inside = hour_slices(hour, &minutes, start, 300, start, hour + 59 * 60_000_000);
        assert_eq!(inside, vec![part(0, 12, 13, 4), part(1, 5, 7, 12)]);
        // minutes out of order add up the same, the first offset being the smallest
        let shuffled = [(12, 5, 7), (5, 10, 10), (4, 2, 3)];
        assert_eq!(
            hour_slices(hour, &shuffled, start, 300, start, i64::MAX),
            vec![part(1, 5, 7, 12), part(0, 12, 13, 4)]
        );
    }

    #[tokio::test]
    async fn hours_are_packed_summed_and_unnested_in_sql() {
        let ctx = datafusion::prelude::SessionContext::new();
        for udf in udfs() {
            ctx.register_udf(udf);
        }
        for udaf in udafs() {
            ctx.register_udaf(udaf);
        }
        let sql = "WITH m(o, g, t) AS (VALUES (59, 4, 4), (0, 1, 2), (5, 2, 2)), \
                   p AS (SELECT shape_pack_minutes(o, g, t) AS minutes FROM m) \
                   SELECT shape_minutes_sum(TIMESTAMP '2026-10-30T10:00:00Z', minutes, 'good', \
                     date_part('epoch', TIMESTAMP '2026-10-30T10:05:00Z'), date_part('epoch', TIMESTAMP '2026-10-30T11:00:00Z')), \
                   shape_minutes_sum(TIMESTAMP '2026-10-30T10:00:00Z', minutes, 'total', 0.0, 1e10), \
                   shape_minutes_sum(TIMESTAMP '2026-10-30T10:00:00Z', minutes, 'good', NULL, 1.0), \
                   array_to_string(shape_minute_counts(minutes, 'offset'), ',') FROM p";
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let batch = &batches[0];
        assert_eq!(batch.column(0).as_primitive::<Int64Type>().value(0), 6);
        assert_eq!(batch.column(1).as_primitive::<Int64Type>().value(0), 8);
        assert!(batch.column(2).is_null(0));
        let offsets = cast(batch.column(3), &DataType::Utf8).unwrap();
        assert_eq!(offsets.as_string::<i32>().value(0), "0,5,59");
        let bad = ctx
            .sql("SELECT shape_minutes_sum(TIMESTAMP '2026-10-30T10:00:00Z', X'80', 'good', 0.0, 1.0)")
            .await
            .unwrap()
            .collect()
            .await;
        assert!(bad.unwrap_err().to_string().contains("malformed"));
        let varying = ctx
            .sql("SELECT shape_minute_counts(X'000101', c) FROM (VALUES ('good'), ('total')) AS t(c)")
            .await
            .unwrap()
            .collect()
            .await;
        assert!(varying
            .unwrap_err()
            .to_string()
            .contains("must be a constant"));
        let slices = "WITH m(o, g, t) AS (VALUES (59, 4, 4), (0, 1, 2), (5, 2, 2)), \
                      p AS (SELECT shape_pack_minutes(o, g, t) AS minutes FROM m), \
                      s AS (SELECT unnest(shape_hour_slices(TIMESTAMP '2026-10-30T10:00:00Z', minutes, \
                        TIMESTAMP '2026-10-30T09:00:00Z', 1800, TIMESTAMP '2026-10-30T09:00:00Z', \
                        TIMESTAMP '2026-10-30T11:00:00Z')) AS part FROM p) \
                      SELECT part['slice'], part['good'], part['total'], part['first_offset'] FROM s \
                      UNION ALL SELECT -1, 0, 0, count(*) FROM (SELECT unnest(shape_hour_slices( \
                        TIMESTAMP '2026-10-30T10:00:00Z', X'', NULL, 60, NULL, NULL))) \
                      ORDER BY 1";
        let batches = ctx.sql(slices).await.unwrap().collect().await.unwrap();
        let rows: Vec<Vec<i64>> = batches
            .iter()
            .flat_map(|b| {
                (0..b.num_rows()).map(move |r| {
                    (0..4)
                        .map(|c| b.column(c).as_primitive::<Int64Type>().value(r))
                        .collect()
                })
            })
            .collect();
        assert_eq!(
            rows,
            vec![vec![-1, 0, 0, 0], vec![2, 3, 4, 0], vec![3, 4, 4, 59]]
        );
    }
}
