//! Mergeable latency sketches (DDSketch, relative accuracy 1%) as SQL functions:
//!
//! - `latency_sketch(x DOUBLE) -> BYTEA`: an aggregate; the sketch of the non-null values.
//! - `merge_sketches(s BYTEA) -> BYTEA`: an aggregate; the sketch of every value the input
//!   sketches saw (rollup rows of a minute merge into an hour without going back to events).
//! - `sketch_quantile(s BYTEA, q DOUBLE) -> DOUBLE`: the q-quantile; within 1% of the exact
//!   value (DDSketch's guarantee: a relative error on the value, not the rank).
//!
//! Sketches are stored in the Java-compatible binary encoding of `sketches-ddsketch` (the
//! format of Datadog's DDSketch libraries), so they can be read outside SHAPE. NULL stands for
//! a sketch of no values.

use std::sync::Arc;

use datafusion::arrow::array::{Array, ArrayRef, AsArray, BinaryArray, Float64Builder};
use datafusion::arrow::datatypes::{DataType, Float64Type};
use datafusion::common::{exec_err, Result, ScalarValue};
use datafusion::logical_expr::{
    create_udaf, create_udf, Accumulator, AggregateUDF, ColumnarValue, ScalarUDF, Volatility,
};
use sketches_ddsketch::{Config, DDSketch};

/// The relative accuracy of every stored sketch: a quantile is within 1% of the exact value.
pub const RELATIVE_ACCURACY: f64 = 0.01;

/// An empty sketch in SHAPE's configuration. Decoded sketches carry their own mapping; a new
/// one is merged into a decoded one, never the other way round, so that configurations match.
pub fn new_sketch() -> DDSketch {
    DDSketch::new(Config::defaults())
}

/// A sketch from its stored bytes.
pub fn decode(bytes: &[u8]) -> Result<DDSketch> {
    DDSketch::from_java_bytes(bytes).or_else(|e| {
        exec_err!(
            "not a latency sketch ({} bytes): {e:?}; rebuild rollups with `shape rollup --rebuild`",
            bytes.len()
        )
    })
}

/// Folds values and stored sketches into one sketch.
#[derive(Default)]
struct SketchAccumulator {
    sketch: Option<DDSketch>,
}

impl std::fmt::Debug for SketchAccumulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = self.sketch.as_ref().map_or(0, DDSketch::count);
        write!(f, "SketchAccumulator({count} values)")
    }
}

impl SketchAccumulator {
    fn add_values(&mut self, values: &ArrayRef) -> Result<()> {
        let values = datafusion::arrow::compute::cast(values, &DataType::Float64)?;
        let values = values.as_primitive::<Float64Type>();
        for value in values.iter().flatten().filter(|v| v.is_finite()) {
            self.sketch.get_or_insert_with(new_sketch).add(value);
        }
        Ok(())
    }

    fn add_sketches(&mut self, sketches: &ArrayRef) -> Result<()> {
        let Some(sketches) = sketches.as_any().downcast_ref::<BinaryArray>() else {
            return exec_err!(
                "merge_sketches takes BYTEA sketches, not {}",
                sketches.data_type()
            );
        };
        for bytes in sketches.iter().flatten() {
            let mut other = decode(bytes)?;
            match &mut self.sketch {
                // Into the decoded one: see `new_sketch`.
                Some(mine) => {
                    other.merge(mine).or_else(|e| exec_err!("{e}"))?;
                    *mine = other;
                }
                None => self.sketch = Some(other),
            }
        }
        Ok(())
    }

    fn bytes(&self) -> ScalarValue {
        ScalarValue::Binary(
            self.sketch
                .as_ref()
                .filter(|s| s.count() > 0)
                .map(DDSketch::to_java_bytes),
        )
    }
}

/// `latency_sketch` reads values, `merge_sketches` reads sketches; both keep a sketch as state.
#[derive(Debug)]
struct Folding {
    accumulator: SketchAccumulator,
    of_values: bool,
}

impl Accumulator for Folding {
    fn update_batch(&mut self, values: &[ArrayRef]) -> Result<()> {
        if self.of_values {
            self.accumulator.add_values(&values[0])
        } else {
            self.accumulator.add_sketches(&values[0])
        }
    }

    fn evaluate(&mut self) -> Result<ScalarValue> {
        Ok(self.accumulator.bytes())
    }

    fn size(&self) -> usize {
        std::mem::size_of_val(self)
            + self
                .accumulator
                .sketch
                .as_ref()
                .map_or(0, |s| s.length() * std::mem::size_of::<u64>())
    }

    fn state(&mut self) -> Result<Vec<ScalarValue>> {
        Ok(vec![self.accumulator.bytes()])
    }

    fn merge_batch(&mut self, states: &[ArrayRef]) -> Result<()> {
        self.accumulator.add_sketches(&states[0])
    }
}

fn folding_udaf(name: &str, input: DataType, of_values: bool) -> AggregateUDF {
    create_udaf(
        name,
        vec![input],
        Arc::new(DataType::Binary),
        Volatility::Immutable,
        Arc::new(move |_| {
            Ok(Box::new(Folding {
                accumulator: SketchAccumulator::default(),
                of_values,
            }))
        }),
        Arc::new(vec![DataType::Binary]),
    )
}

/// `sketch_quantile(sketch, q)`.
fn quantile_udf() -> ScalarUDF {
    let fun = Arc::new(|args: &[ColumnarValue]| -> Result<ColumnarValue> {
        let arrays = ColumnarValue::values_to_arrays(args)?;
        let Some(sketches) = arrays[0].as_any().downcast_ref::<BinaryArray>() else {
            return exec_err!(
                "sketch_quantile takes a BYTEA sketch, not {}",
                arrays[0].data_type()
            );
        };
        let qs = datafusion::arrow::compute::cast(&arrays[1], &DataType::Float64)?;
        let qs = qs.as_primitive::<Float64Type>();
        let mut out = Float64Builder::with_capacity(sketches.len());
        for row in 0..sketches.len() {
            if sketches.is_null(row) || qs.is_null(row) {
                out.append_null();
                continue;
            }
            let q = qs.value(row);
            if !(0.0..=1.0).contains(&q) {
                return exec_err!("sketch_quantile: the quantile must be in [0, 1], not {q}");
            }
            let sketch = decode(sketches.value(row))?;
            out.append_option(sketch.quantile(q).ok().flatten());
        }
        Ok(ColumnarValue::Array(Arc::new(out.finish())))
    });
    create_udf(
        "sketch_quantile",
        vec![DataType::Binary, DataType::Float64],
        DataType::Float64,
        Volatility::Immutable,
        fun,
    )
}

pub fn udafs() -> Vec<AggregateUDF> {
    vec![
        folding_udaf("latency_sketch", DataType::Float64, true),
        folding_udaf("merge_sketches", DataType::Binary, false),
    ]
}

pub fn udfs() -> Vec<ScalarUDF> {
    vec![quantile_udf()]
}

#[cfg(test)]
mod tests {
    use super::*;
    use datafusion::arrow::array::{Float64Array, RecordBatch};
    use datafusion::prelude::SessionContext;

    async fn context(values: Vec<f64>) -> SessionContext {
        let ctx = SessionContext::new();
        for udaf in udafs() {
            ctx.register_udaf(udaf);
        }
        for udf in udfs() {
            ctx.register_udf(udf);
        }
        let groups: Vec<i64> = (0..values.len() as i64).map(|i| i % 7).collect();
        let batch = RecordBatch::try_from_iter(vec![
            (
                "g",
                Arc::new(datafusion::arrow::array::Int64Array::from(groups)) as ArrayRef,
            ),
            ("x", Arc::new(Float64Array::from(values)) as ArrayRef),
        ])
        .unwrap();
        ctx.register_batch("t", batch).unwrap();
        ctx
    }

    async fn floats(ctx: &SessionContext, sql: &str) -> Vec<Option<f64>> {
        let batches = ctx.sql(sql).await.unwrap().collect().await.unwrap();
        let mut out = Vec::new();
        for batch in batches {
            let column = batch.column(0).as_primitive::<Float64Type>();
            out.extend(column.iter());
        }
        out
    }

    #[tokio::test]
    async fn merged_sketches_give_quantiles_within_one_percent() {
        // A long-tailed latency shape: most fast, a few very slow.
        let values: Vec<f64> = (1..=20_000)
            .map(|i| {
                let u = f64::from(i) / 20_001.0;
                2.0 * (-(1.0 - u).ln()).powf(2.0) + 0.5
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(f64::total_cmp);
        let ctx = context(values).await;
        for q in [0.5, 0.95, 0.99] {
            let exact = sorted[((q * (sorted.len() - 1) as f64).round()) as usize];
            // Sketches per group, merged: as rollup rows of minutes merge into an hour.
            let sql = format!(
                "SELECT sketch_quantile(merge_sketches(s), {q}) FROM \
                 (SELECT g, latency_sketch(x) AS s FROM t GROUP BY g)"
            );
            let merged = floats(&ctx, &sql).await[0].unwrap();
            let direct = floats(
                &ctx,
                &format!("SELECT sketch_quantile(latency_sketch(x), {q}) FROM t"),
            )
            .await[0]
                .unwrap();
            for got in [merged, direct] {
                assert!(
                    (got - exact).abs() <= exact * RELATIVE_ACCURACY * 1.01,
                    "q={q}: {got} against exact {exact}"
                );
            }
        }
    }

    #[tokio::test]
    async fn no_values_is_null_and_bad_bytes_say_so() {
        let ctx = context(vec![]).await;
        let got = floats(
            &ctx,
            "SELECT sketch_quantile(latency_sketch(x), 0.5) FROM t",
        )
        .await;
        assert_eq!(got, vec![None]);
        let error_of = |sql: &'static str| {
            let ctx = ctx.clone();
            async move {
                let result = ctx.sql(sql).await.unwrap().collect().await;
                result.unwrap_err().to_string()
            }
        };
        let err = error_of("SELECT sketch_quantile(CAST('garbage' AS BYTEA), 0.5)").await;
        assert!(err.contains("not a latency sketch"), "{err}");
        let err =
            error_of("SELECT sketch_quantile(latency_sketch(x), 2.0) FROM (VALUES (1.0)) v(x)")
                .await;
        assert!(err.contains("must be in [0, 1]"), "{err}");
    }
}
