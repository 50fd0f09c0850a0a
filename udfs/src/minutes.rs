//! Hour rows of per-minute counts. A row stands for one hour and holds the minutes of it that
//! had events as parallel lists: minute offsets (0..60, from the hour's start) and a count per
//! offset. `shape_minutes_sum` adds up the counts of the minutes that start inside a time
//! range, so a window of days is read from its hours (a 30-day window: 720 rows instead of
//! 43,200), and the hours at its ragged ends give only their minutes inside it: the same sum
//! as over the minutes themselves.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, Int64Builder, ListArray};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{DataType, Field, Float64Type, Int64Type, TimeUnit};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};

/// The list type of offsets and counts (what `array_agg` of a BIGINT gives, so views may
/// build hour rows in SQL too).
pub fn count_list_type() -> DataType {
    DataType::List(Arc::new(Field::new_list_field(DataType::Int64, true)))
}

/// The sum of `counts[i]` over the minutes `hour_seconds + 60 * offsets[i]` in
/// `[from_seconds, to_seconds)` (Unix seconds). NULL offsets or counts count as nothing.
pub fn minutes_sum(
    hour_seconds: f64,
    offsets: &[Option<i64>],
    counts: &[Option<i64>],
    from_seconds: f64,
    to_seconds: f64,
) -> i64 {
    offsets
        .iter()
        .zip(counts)
        .filter_map(|(offset, count)| {
            let minute = hour_seconds + 60.0 * (*offset)? as f64;
            (minute >= from_seconds && minute < to_seconds).then_some((*count)?)
        })
        .sum()
}

fn list_values(list: &ListArray, row: usize) -> Vec<Option<i64>> {
    if list.is_null(row) {
        return Vec::new();
    }
    let values = list.value(row);
    let values = values.as_primitive::<Int64Type>();
    (0..values.len())
        .map(|i| values.is_valid(i).then(|| values.value(i)))
        .collect()
}

fn float_column(array: &ArrayRef) -> Result<Vec<Option<f64>>> {
    let floats = cast(array, &DataType::Float64)?;
    let floats = floats.as_primitive::<Float64Type>();
    Ok((0..floats.len())
        .map(|i| floats.is_valid(i).then(|| floats.value(i)))
        .collect())
}

/// `shape_minutes_sum(hour, offsets, counts, from_seconds, to_seconds)`: see [`minutes_sum`].
/// NULL when the hour or a bound is NULL.
fn minutes_sum_udf() -> ScalarUDF {
    let fun = Arc::new(|args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let [hours, offsets, counts, from, to] = arrays.as_slice() else {
            return exec_err!("shape_minutes_sum takes 5 arguments, not {}", arrays.len());
        };
        // Unix seconds of each hour: the timestamp's µs as a float, as to_unixtime gives.
        let hours = cast(hours, &DataType::Int64)?;
        let hours = hours.as_primitive::<Int64Type>();
        let (offsets, counts) = (offsets.as_list::<i32>(), counts.as_list::<i32>());
        let (from, to) = (float_column(from)?, float_column(to)?);
        let mut out = Int64Builder::with_capacity(hours.len());
        for row in 0..hours.len() {
            let (Some(from), Some(to), true) = (from[row], to[row], hours.is_valid(row)) else {
                out.append_null();
                continue;
            };
            let hour_seconds = hours.value(row) as f64 / 1e6;
            let offsets = list_values(offsets, row);
            let counts = list_values(counts, row);
            out.append_value(minutes_sum(hour_seconds, &offsets, &counts, from, to));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    });
    create_udf(
        "shape_minutes_sum",
        vec![
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            count_list_type(),
            count_list_type(),
            DataType::Float64,
            DataType::Float64,
        ],
        DataType::Int64,
        Volatility::Immutable,
        fun,
    )
}

pub fn udfs() -> Vec<ScalarUDF> {
    vec![minutes_sum_udf()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_minutes_starting_inside_the_range_count() {
        let hour = 3600.0 * 10.0;
        let offsets = [Some(0), Some(1), Some(30), Some(59)];
        let counts = [Some(1), Some(10), Some(100), Some(1000)];
        let sum = |from: f64, to: f64| minutes_sum(hour, &offsets, &counts, from, to);
        assert_eq!(sum(hour, hour + 3600.0), 1111, "the whole hour");
        assert_eq!(sum(0.0, f64::MAX), 1111);
        // from inclusive, to exclusive, at minute starts
        assert_eq!(sum(hour + 60.0, hour + 30.0 * 60.0), 10);
        assert_eq!(sum(hour + 60.0, hour + 30.0 * 60.0 + 0.5), 110);
        // a bound inside a minute: the minute counts when it starts at or after `from`
        assert_eq!(sum(hour + 0.5, hour + 3600.0), 1110);
        assert_eq!(sum(hour + 3600.0, hour + 7200.0), 0, "the next hour");
        assert_eq!(sum(hour + 120.0, hour + 60.0), 0, "an empty range");
    }

    #[test]
    fn missing_values_count_as_nothing() {
        let offsets = [Some(0), None, Some(2)];
        let counts = [Some(1), Some(5), None];
        assert_eq!(minutes_sum(0.0, &offsets, &counts, 0.0, 3600.0), 1);
    }

    #[tokio::test]
    async fn the_function_reads_hour_rows_in_sql() {
        let ctx = datafusion::prelude::SessionContext::new();
        for udf in udfs() {
            ctx.register_udf(udf);
        }
        let sql = "SELECT shape_minutes_sum(TIMESTAMP '2026-10-30T10:00:00Z', [0, 5, 59], [1, 2, 4], \
                   to_unixtime(TIMESTAMP '2026-10-30T10:05:00Z'), to_unixtime(TIMESTAMP '2026-10-30T11:00:00Z')) AS s, \
                   shape_minutes_sum(TIMESTAMP '2026-10-30T10:00:00Z', [0], [1], NULL, 1.0) AS n";
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let sum = batches[0].column(0).as_primitive::<Int64Type>();
        assert_eq!(sum.value(0), 6);
        assert!(batches[0].column(1).is_null(0));
    }
}
