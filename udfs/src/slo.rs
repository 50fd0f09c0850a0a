//! SLO math as scalar functions, so the views in `sql/` stay readable and every consumer
//! computes budgets the same way. All of them return NULL rather than NaN or infinity.

use std::sync::Arc;

use chrono::{DateTime, Datelike, NaiveDate, TimeZone, Utc};
use chrono_tz::Tz;
use datafusion::arrow::array::{
    Array, ArrayRef, AsArray, Float64Array, Float64Builder, Int64Array, StringArray,
    TimestampMicrosecondBuilder,
};
use datafusion::arrow::compute::cast;
use datafusion::arrow::datatypes::{
    DataType, Float64Type, Int64Type, TimeUnit, TimestampMicrosecondType,
};
use datafusion::common::{exec_err, Result};
use datafusion::logical_expr::{create_udf, ColumnarValue, ScalarUDF, Volatility};

fn utc_micros() -> DataType {
    DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into()))
}

fn f64_arg(array: &ArrayRef) -> Result<Float64Array> {
    Ok(cast(array, &DataType::Float64)?
        .as_primitive::<Float64Type>()
        .clone())
}

fn i64_arg(array: &ArrayRef) -> Result<Int64Array> {
    Ok(cast(array, &DataType::Int64)?
        .as_primitive::<Int64Type>()
        .clone())
}

fn ts_arg(array: &ArrayRef) -> Result<Vec<Option<i64>>> {
    let casted = cast(array, &DataType::Timestamp(TimeUnit::Microsecond, None))?;
    let ts = casted.as_primitive::<TimestampMicrosecondType>();
    Ok((0..ts.len())
        .map(|i| ts.is_valid(i).then(|| ts.value(i)))
        .collect())
}

fn str_arg(array: &ArrayRef) -> Result<StringArray> {
    Ok(cast(array, &DataType::Utf8)?.as_string::<i32>().clone())
}

fn opt<T: Array>(a: &T, i: usize) -> bool {
    a.is_valid(i)
}

/// A float function of float columns, applied row by row.
fn float_udf(
    name: &str,
    arity: usize,
    f: impl Fn(&[Option<f64>]) -> Option<f64> + Send + Sync + 'static,
) -> ScalarUDF {
    let fun = Arc::new(move |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let columns = arrays.iter().map(f64_arg).collect::<Result<Vec<_>>>()?;
        let rows = columns.first().map(|c| c.len()).unwrap_or(1);
        let mut out = Float64Builder::with_capacity(rows);
        let mut values = vec![None; columns.len()];
        for i in 0..rows {
            for (slot, column) in values.iter_mut().zip(&columns) {
                *slot = opt(column, i).then(|| column.value(i));
            }
            out.append_option(f(&values).filter(|v| v.is_finite()));
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    });
    create_udf(
        name,
        vec![DataType::Float64; arity],
        DataType::Float64,
        Volatility::Immutable,
        fun,
    )
}

/// `shape_burn_rate(error_ratio, objective)`: error_ratio / (1 - objective). With a 100%
/// objective the budget is zero: 0 when there are no errors, NULL (unbounded) otherwise.
pub fn burn_rate(error_ratio: f64, objective: f64) -> Option<f64> {
    let budget = 1.0 - objective;
    if budget <= 0.0 {
        return (error_ratio <= 0.0).then_some(0.0);
    }
    Some(error_ratio / budget)
}

/// `shape_budget_remaining(spent_ratio, objective)`: (B - spent)/B, may be negative. With a
/// 100% objective: 0 when nothing was spent, NULL (unbounded overspend) otherwise.
pub fn budget_remaining(spent_ratio: f64, objective: f64) -> Option<f64> {
    let budget = 1.0 - objective;
    if budget <= 0.0 {
        return (spent_ratio <= 0.0).then_some(0.0);
    }
    Some((budget - spent_ratio) / budget)
}

/// `shape_exhaustion_hours(budget_remaining, burn_rate, period_seconds)`: hours until the
/// remaining budget is gone at the current burn rate; 0 when already gone, NULL when never.
pub fn exhaustion_hours(remaining: f64, burn_rate: f64, period_seconds: f64) -> Option<f64> {
    if remaining <= 0.0 {
        return Some(0.0);
    }
    (burn_rate > 0.0).then(|| remaining * period_seconds / burn_rate / 3600.0)
}

/// `shape_health_score(mean_budget_remaining, breached, pages_firing, tickets_firing)`:
/// 100 x mean remaining budget (each SLO clamped to [0, 1]) - 30 per breached SLO - 20 per
/// firing page tier - 5 per firing ticket tier, clamped to [0, 100]. NULL without data.
pub fn health_score(mean_remaining: f64, breached: f64, pages: f64, tickets: f64) -> f64 {
    let score =
        100.0 * mean_remaining.clamp(0.0, 1.0) - 30.0 * breached - 20.0 * pages - 5.0 * tickets;
    score.clamp(0.0, 100.0)
}

/// Start of the calendar period (`week` from Monday, `month`, `quarter`) containing `micros`
/// in time zone `tz`, and the start of the next one, both as UTC µs.
pub fn calendar_period(micros: i64, unit: &str, tz: Tz) -> Option<(i64, i64)> {
    let local = Utc
        .timestamp_micros(micros)
        .single()?
        .with_timezone(&tz)
        .date_naive();
    let (start, next) = match unit {
        "week" => {
            let start =
                local - chrono::Duration::days(local.weekday().num_days_from_monday() as i64);
            (start, start + chrono::Duration::days(7))
        }
        "month" => {
            let start = NaiveDate::from_ymd_opt(local.year(), local.month(), 1)?;
            (start, start.checked_add_months(chrono::Months::new(1))?)
        }
        "quarter" => {
            let month = (local.month() - 1) / 3 * 3 + 1;
            let start = NaiveDate::from_ymd_opt(local.year(), month, 1)?;
            (start, start.checked_add_months(chrono::Months::new(3))?)
        }
        _ => return None,
    };
    let to_utc = |d: NaiveDate| -> Option<i64> {
        let midnight = d.and_hms_opt(0, 0, 0)?;
        // A DST gap at midnight: the earliest instant of that local day.
        let instant: DateTime<Tz> = tz.from_local_datetime(&midnight).earliest().or_else(|| {
            tz.from_local_datetime(&(midnight + chrono::Duration::hours(1)))
                .earliest()
        })?;
        Some(instant.with_timezone(&Utc).timestamp_micros())
    };
    Some((to_utc(start)?, to_utc(next)?))
}

/// `[start, length)` of an SLO window at `as_of` (exclusive end): rolling windows end at
/// `as_of`; calendar windows are the period containing the instant just before `as_of`, so
/// `as_of` = the first instant of December evaluates November.
pub fn window_bounds(
    as_of: i64,
    window_seconds: Option<i64>,
    unit: Option<&str>,
    tz: &str,
) -> Result<(i64, i64)> {
    match (window_seconds, unit) {
        (Some(seconds), _) => Ok((as_of - seconds * 1_000_000, seconds)),
        (None, Some(unit)) => {
            let Ok(tz) = tz.parse::<Tz>() else {
                return exec_err!("unknown time zone {tz:?}");
            };
            match calendar_period(as_of - 1, unit, tz) {
                Some((start, next)) => Ok((start, (next - start) / 1_000_000)),
                None => exec_err!("unknown calendar unit {unit:?} (week, month, quarter)"),
            }
        }
        (None, None) => exec_err!("an SLO window needs window_seconds or a calendar unit"),
    }
}

/// `shape_window_start(as_of, window_seconds, calendar_unit, timezone)` and
/// `shape_window_seconds(...)` (the window's full length: for a calendar month, the month's).
fn window_udf(name: &str, want_start: bool) -> ScalarUDF {
    let fun = Arc::new(move |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let as_of = ts_arg(&arrays[0])?;
        let seconds = i64_arg(&arrays[1])?;
        let units = str_arg(&arrays[2])?;
        let zones = str_arg(&arrays[3])?;
        let rows = as_of.len();
        let mut starts = TimestampMicrosecondBuilder::with_capacity(rows).with_timezone("UTC");
        let mut lengths = Vec::with_capacity(rows);
        for (i, at) in as_of.iter().enumerate() {
            let Some(at) = *at else {
                starts.append_null();
                lengths.push(None);
                continue;
            };
            let secs = opt(&seconds, i).then(|| seconds.value(i));
            let unit = opt(&units, i).then(|| units.value(i));
            let tz = if opt(&zones, i) {
                zones.value(i)
            } else {
                "UTC"
            };
            let (start, length) = window_bounds(at, secs, unit, tz)?;
            starts.append_value(start);
            lengths.push(Some(length));
        }
        Ok(ColumnarValue::Array(if want_start {
            Arc::new(starts.finish()) as ArrayRef
        } else {
            Arc::new(Int64Array::from(lengths)) as ArrayRef
        }))
    });
    let output = if want_start {
        utc_micros()
    } else {
        DataType::Int64
    };
    create_udf(
        name,
        vec![
            utc_micros(),
            DataType::Int64,
            DataType::Utf8,
            DataType::Utf8,
        ],
        output,
        Volatility::Immutable,
        fun,
    )
}

/// `shape_period_start(ts, unit, timezone)` / `shape_period_end(...)`: the calendar period
/// (week, month, quarter) containing `ts`, for compliance history.
fn period_udf(name: &str, want_start: bool) -> ScalarUDF {
    let fun = Arc::new(move |args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let ts = ts_arg(&arrays[0])?;
        let units = str_arg(&arrays[1])?;
        let zones = str_arg(&arrays[2])?;
        let mut out = TimestampMicrosecondBuilder::with_capacity(ts.len()).with_timezone("UTC");
        for (i, at) in ts.iter().enumerate() {
            let (Some(at), true) = (at, opt(&units, i)) else {
                out.append_null();
                continue;
            };
            let tz_name = if opt(&zones, i) {
                zones.value(i)
            } else {
                "UTC"
            };
            let Ok(tz) = tz_name.parse::<Tz>() else {
                return exec_err!("unknown time zone {tz_name:?}");
            };
            match calendar_period(*at, units.value(i), tz) {
                Some((start, next)) => out.append_value(if want_start { start } else { next }),
                None => {
                    return exec_err!(
                        "unknown calendar unit {:?} (week, month, quarter)",
                        units.value(i)
                    )
                }
            }
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    });
    create_udf(
        name,
        vec![utc_micros(), DataType::Utf8, DataType::Utf8],
        utc_micros(),
        Volatility::Immutable,
        fun,
    )
}

/// Every SLO function.
pub fn udfs() -> Vec<ScalarUDF> {
    vec![
        float_udf("shape_burn_rate", 2, |v| burn_rate(v[0]?, v[1]?)),
        float_udf("shape_budget_remaining", 2, |v| {
            budget_remaining(v[0]?, v[1]?)
        }),
        float_udf("shape_exhaustion_hours", 3, |v| {
            exhaustion_hours(v[0]?, v[1]?, v[2]?)
        }),
        float_udf("shape_health_score", 4, |v| {
            Some(health_score(
                v[0]?,
                v[1].unwrap_or(0.0),
                v[2].unwrap_or(0.0),
                v[3].unwrap_or(0.0),
            ))
        }),
        window_udf("shape_window_start", true),
        window_udf("shape_window_seconds", false),
        period_udf("shape_period_start", true),
        period_udf("shape_period_end", false),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn micros(text: &str) -> i64 {
        DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros()
    }

    #[test]
    fn zero_budget_is_explicit() {
        assert_eq!(burn_rate(0.0, 1.0), Some(0.0));
        assert_eq!(burn_rate(0.01, 1.0), None);
        assert_eq!(budget_remaining(0.0, 1.0), Some(0.0));
        assert_eq!(
            budget_remaining(0.002, 0.999).map(|r| (r * 1e9).round() / 1e9),
            Some(-1.0)
        );
        assert_eq!(
            burn_rate(0.0144, 0.999).map(|r| (r * 1e9).round() / 1e9),
            Some(14.4)
        );
    }

    #[test]
    fn calendar_months_in_a_time_zone() {
        let paris: Tz = "Europe/Paris".parse().unwrap();
        // 2025-11-30T23:30Z is already December 1st in Paris.
        let (start, next) =
            calendar_period(micros("2025-11-30T23:30:00Z"), "month", paris).unwrap();
        assert_eq!(start, micros("2025-11-30T23:00:00Z"));
        assert_eq!(next, micros("2025-12-31T23:00:00Z"));
        // as_of is exclusive: the first instant of December (Paris) evaluates November.
        let (start, length) = window_bounds(
            micros("2025-11-30T23:00:00Z"),
            None,
            Some("month"),
            "Europe/Paris",
        )
        .unwrap();
        assert_eq!(start, micros("2025-10-31T23:00:00Z"));
        assert_eq!(length, 30 * 86_400);
        let (week, _) =
            calendar_period(micros("2025-11-23T12:00:00Z"), "week", chrono_tz::UTC).unwrap();
        assert_eq!(week, micros("2025-11-17T00:00:00Z"));
        let (quarter, next) =
            calendar_period(micros("2025-11-23T12:00:00Z"), "quarter", chrono_tz::UTC).unwrap();
        assert_eq!(
            (quarter, next),
            (
                micros("2025-10-01T00:00:00Z"),
                micros("2026-01-01T00:00:00Z")
            )
        );
    }

    #[test]
    fn exhaustion_and_health() {
        assert_eq!(exhaustion_hours(0.5, 2.0, 30.0 * 86400.0), Some(180.0));
        assert_eq!(exhaustion_hours(-0.1, 2.0, 1.0), Some(0.0));
        assert_eq!(exhaustion_hours(0.5, 0.0, 1.0), None);
        assert_eq!(health_score(0.8, 0.0, 1.0, 0.0), 60.0);
        assert_eq!(health_score(1.5, 0.0, 0.0, 0.0), 100.0);
        assert_eq!(health_score(0.1, 1.0, 1.0, 0.0), 0.0);
    }
}
