//! Partition pruning from time predicates. `events` is partitioned by the UTC day of `ts`
//! (`dt=YYYY-MM-DD`), but queries filter on `ts`, which DataFusion's listing table cannot
//! relate to `dt`: it would read the footer of every file of every day, so a one-hour query
//! cost more each day the data dir lived. [`DayPrunedTable`] derives the `dt` range a `ts`
//! predicate allows and hands it to the listing table as an extra partition filter. The
//! extra filter is implied by the original one, so it only skips days with no matching row.

use std::sync::Arc;

use async_trait::async_trait;
use chrono::DateTime;
use datafusion::arrow::datatypes::{DataType, SchemaRef};
use datafusion::catalog::{ScanArgs, ScanResult, Session};
use datafusion::common::{ScalarValue, Statistics};
use datafusion::datasource::{TableProvider, TableType};
use datafusion::error::Result;
use datafusion::logical_expr::{
    col, lit, Between, BinaryExpr, Expr, Operator, TableProviderFilterPushDown,
};
use datafusion::physical_plan::ExecutionPlan;

const NANOS_PER_DAY: i128 = 86_400_000_000_000;
/// Past this many disjoint day ranges the derived filter is not worth its evaluation.
const MAX_RANGES: usize = 256;

/// Days since the epoch, both ends inclusive; `None` is unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Days {
    from: Option<i64>,
    to: Option<i64>,
}

impl Days {
    const ALL: Days = Days {
        from: None,
        to: None,
    };

    fn intersect(self, other: Days) -> Option<Days> {
        let from = self.from.max(other.from);
        let to = match (self.to, other.to) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        match (from, to) {
            (Some(f), Some(t)) if f > t => None,
            _ => Some(Days { from, to }),
        }
    }
}

/// A timestamp literal as nanoseconds since the epoch, whatever its unit (`None` for other
/// values).
fn literal_nanos(value: &ScalarValue) -> Option<i128> {
    let (value, nanos_per_unit) = match value {
        ScalarValue::TimestampSecond(Some(v), _) => (*v, 1_000_000_000),
        ScalarValue::TimestampMillisecond(Some(v), _) => (*v, 1_000_000),
        ScalarValue::TimestampMicrosecond(Some(v), _) => (*v, 1_000),
        ScalarValue::TimestampNanosecond(Some(v), _) => (*v, 1),
        _ => return None,
    };
    Some(i128::from(value) * nanos_per_unit)
}

fn day_of(nanos: i128) -> Option<i64> {
    i64::try_from(nanos.div_euclid(NANOS_PER_DAY)).ok()
}

/// Whether `expr` is the time column, or a cast of it to another timestamp type (a cast
/// keeps the instant, so the day of the compared literal is still the row's day).
fn is_time_column(expr: &Expr, column: &str) -> bool {
    match expr {
        Expr::Column(c) => c.name == column,
        Expr::Cast(cast) => {
            matches!(cast.field.data_type(), DataType::Timestamp(..))
                && is_time_column(&cast.expr, column)
        }
        _ => false,
    }
}

fn literal(expr: &Expr) -> Option<i128> {
    match expr {
        Expr::Literal(value, _) => literal_nanos(value),
        _ => None,
    }
}

/// `column op instant`, as the days a row's day may be (`ts < midnight` ends the day before).
fn compared(op: Operator, nanos: i128) -> Option<Days> {
    let days = |from, to| Some(Days { from, to });
    match op {
        Operator::Eq => days(Some(day_of(nanos)?), Some(day_of(nanos)?)),
        Operator::Gt | Operator::GtEq => days(Some(day_of(nanos)?), None),
        Operator::Lt => days(None, Some(day_of(nanos - 1)?)),
        Operator::LtEq => days(None, Some(day_of(nanos)?)),
        _ => None,
    }
}

/// The day ranges `expr` allows for rows of `column` (their union); `None` when the
/// predicate says nothing usable about the column (every day).
fn allowed_days(expr: &Expr, column: &str) -> Option<Vec<Days>> {
    match expr {
        Expr::BinaryExpr(BinaryExpr { left, op, right }) => match op {
            Operator::And => match (allowed_days(left, column), allowed_days(right, column)) {
                (None, None) => None,
                (Some(one), None) | (None, Some(one)) => Some(one),
                (Some(a), Some(b)) => {
                    let both: Vec<Days> = a
                        .iter()
                        .flat_map(|x| b.iter().filter_map(move |y| x.intersect(*y)))
                        .collect();
                    (both.len() <= MAX_RANGES).then_some(both)
                }
            },
            Operator::Or => {
                let mut a = allowed_days(left, column)?;
                a.extend(allowed_days(right, column)?);
                (a.len() <= MAX_RANGES).then_some(a)
            }
            _ => {
                if is_time_column(left, column) {
                    compared(*op, literal(right)?).map(|d| vec![d])
                } else if is_time_column(right, column) {
                    compared(op.swap()?, literal(left)?).map(|d| vec![d])
                } else {
                    None
                }
            }
        },
        Expr::Between(Between {
            expr,
            negated: false,
            low,
            high,
        }) if is_time_column(expr, column) => {
            let days = Days {
                from: Some(day_of(literal(low)?)?),
                to: Some(day_of(literal(high)?)?),
            };
            Some(days.intersect(Days::ALL).into_iter().collect())
        }
        _ => None,
    }
}

fn day_name(day: i64) -> Option<String> {
    let date = DateTime::from_timestamp(day.checked_mul(86_400)?, 0)?;
    Some(date.format("%Y-%m-%d").to_string())
}

/// The `partition` filter implied by `filters` on `column` (`dt >= 'a' AND dt <= 'b'`, or an
/// OR of such ranges; `false` when no day can match), or `None` when they imply nothing.
pub fn partition_filter(filters: &[Expr], column: &str, partition: &str) -> Option<Expr> {
    let mut ranges = vec![Days::ALL];
    let mut constrained = false;
    for filter in filters {
        if let Some(allowed) = allowed_days(filter, column) {
            constrained = true;
            ranges = ranges
                .iter()
                .flat_map(|r| allowed.iter().filter_map(move |a| r.intersect(*a)))
                .collect();
            if ranges.len() > MAX_RANGES {
                return None;
            }
        }
    }
    if !constrained {
        return None;
    }
    let range_expr = |days: &Days| -> Option<Expr> {
        let bound = |day: Option<i64>, op: fn(Expr, Expr) -> Expr| -> Option<Option<Expr>> {
            match day {
                None => Some(None),
                Some(d) => Some(Some(op(col(partition), lit(day_name(d)?)))),
            }
        };
        let from = bound(days.from, Expr::gt_eq)?;
        let to = bound(days.to, Expr::lt_eq)?;
        Some(match (from, to) {
            (Some(f), Some(t)) => f.and(t),
            (Some(one), None) | (None, Some(one)) => one,
            (None, None) => lit(true),
        })
    };
    let exprs = ranges.iter().map(range_expr).collect::<Option<Vec<_>>>()?;
    Some(exprs.into_iter().reduce(Expr::or).unwrap_or(lit(false)))
}

/// A table partitioned by the UTC day of `time_column`, whose scans skip the days its
/// filters rule out (see the module docs). Everything else is the inner table's.
#[derive(Debug)]
pub struct DayPrunedTable {
    inner: Arc<dyn TableProvider>,
    time_column: String,
    partition_column: String,
}

impl DayPrunedTable {
    pub fn new(inner: Arc<dyn TableProvider>, time_column: &str, partition_column: &str) -> Self {
        DayPrunedTable {
            inner,
            time_column: time_column.to_string(),
            partition_column: partition_column.to_string(),
        }
    }
}

#[async_trait]
impl TableProvider for DayPrunedTable {
    fn schema(&self) -> SchemaRef {
        self.inner.schema()
    }

    fn table_type(&self) -> TableType {
        self.inner.table_type()
    }

    fn supports_filters_pushdown(
        &self,
        filters: &[&Expr],
    ) -> Result<Vec<TableProviderFilterPushDown>> {
        self.inner.supports_filters_pushdown(filters)
    }

    fn statistics(&self) -> Option<Statistics> {
        self.inner.statistics()
    }

    async fn scan(
        &self,
        state: &dyn Session,
        projection: Option<&Vec<usize>>,
        filters: &[Expr],
        limit: Option<usize>,
    ) -> Result<Arc<dyn ExecutionPlan>> {
        let args = ScanArgs::default()
            .with_projection(projection.map(|p| p.as_slice()))
            .with_filters(Some(filters))
            .with_limit(limit);
        Ok(self.scan_with_args(state, args).await?.into_inner())
    }

    async fn scan_with_args<'a>(
        &self,
        state: &dyn Session,
        args: ScanArgs<'a>,
    ) -> Result<ScanResult> {
        let filters = args.filters().unwrap_or(&[]);
        match partition_filter(filters, &self.time_column, &self.partition_column) {
            None => self.inner.scan_with_args(state, args).await,
            Some(days) => {
                let mut extended = filters.to_vec();
                extended.push(days);
                let args = args.with_filters(Some(&extended));
                self.inner.scan_with_args(state, args).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ts(text: &str) -> Expr {
        let micros = DateTime::parse_from_rfc3339(text)
            .unwrap()
            .timestamp_micros();
        lit(ScalarValue::TimestampMicrosecond(
            Some(micros),
            Some("UTC".into()),
        ))
    }

    fn derived(filters: &[Expr]) -> Option<String> {
        partition_filter(filters, "ts", "dt").map(|e| e.to_string())
    }

    #[test]
    fn a_time_range_becomes_a_day_range() {
        let filters = [
            col("ts").gt_eq(ts("2026-11-30T23:00:00Z")),
            col("ts").lt(ts("2026-12-01T01:00:00Z")),
        ];
        assert_eq!(
            derived(&filters).unwrap(),
            "dt >= Utf8(\"2026-11-30\") AND dt <= Utf8(\"2026-12-01\")"
        );
        // Before midnight is the day before; up to midnight includes its day.
        let before = col("ts").lt(ts("2026-12-01T00:00:00Z"));
        assert_eq!(derived(&[before]).unwrap(), "dt <= Utf8(\"2026-11-30\")");
        let up_to = col("ts").lt_eq(ts("2026-12-01T00:00:00Z"));
        assert_eq!(derived(&[up_to]).unwrap(), "dt <= Utf8(\"2026-12-01\")");
        // The literal on the left, and a lower bound alone.
        assert_eq!(
            derived(&[ts("2026-12-01T05:00:00Z").lt(col("ts"))]).unwrap(),
            "dt >= Utf8(\"2026-12-01\")"
        );
    }

    #[test]
    fn ranges_joined_by_or_stay_apart() {
        let window = |a, b| col("ts").gt_eq(ts(a)).and(col("ts").lt(ts(b)));
        let filter = window("2026-01-05T10:00:00Z", "2026-01-05T11:00:00Z")
            .or(window("2026-03-01T00:00:00Z", "2026-03-02T12:00:00Z"));
        let text = derived(&[filter]).unwrap();
        assert!(text.contains("dt >= Utf8(\"2026-01-05\") AND dt <= Utf8(\"2026-01-05\")"));
        assert!(text.contains("dt >= Utf8(\"2026-03-01\") AND dt <= Utf8(\"2026-03-02\")"));
        assert!(text.contains(" OR "), "{text}");
    }

    #[test]
    fn predicates_that_say_nothing_about_days_derive_nothing() {
        assert_eq!(derived(&[col("level").eq(lit("ERROR"))]), None);
        // One side of an OR unconstrained: any day may match.
        let filter = col("ts")
            .gt_eq(ts("2026-12-01T00:00:00Z"))
            .or(col("level").eq(lit("ERROR")));
        assert_eq!(derived(&[filter]), None);
        // Not a timestamp literal.
        assert_eq!(derived(&[col("ts").gt(lit(5))]), None);
    }

    #[test]
    fn contradictions_match_no_day_and_nanoseconds_floor() {
        let filters = [
            col("ts").gt(ts("2026-12-02T00:00:00Z")),
            col("ts").lt(ts("2026-12-01T00:00:00Z")),
        ];
        assert_eq!(derived(&filters).unwrap(), "Boolean(false)");
        // One nanosecond before the epoch is the day before it.
        let before_epoch = lit(ScalarValue::TimestampNanosecond(Some(-1), None));
        assert_eq!(
            derived(&[col("ts").gt_eq(before_epoch)]).unwrap(),
            "dt >= Utf8(\"1969-12-31\")"
        );
    }

    #[test]
    fn between_is_a_range() {
        let filter = Expr::Between(Between::new(
            Box::new(col("ts")),
            false,
            Box::new(ts("2026-02-03T04:00:00Z")),
            Box::new(ts("2026-02-05T04:00:00Z")),
        ));
        assert_eq!(
            derived(&[filter]).unwrap(),
            "dt >= Utf8(\"2026-02-03\") AND dt <= Utf8(\"2026-02-05\")"
        );
    }
}
