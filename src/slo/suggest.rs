//! `shape slo suggest`, the SLO definition engine: from the history in `events`, propose per
//! component the five SLIs of SHAPE's framework (availability, p95-latency threshold, error
//! rate, throughput floor, slow-tail latency) with objectives the service could have met,
//! what each would have cost in budget, and ready-to-paste `[[slo]]` config.
//!
//! Rule: the strictest objective from a ladder of "nines" whose budget the history would have
//! spent at most `MAX_SPEND` of; latency thresholds are the observed p95/p99 rounded up to a
//! readable value, with objectives 0.95 and 0.99 (so the threshold is a real percentile).

use std::fmt::Write as _;

use datafusion::arrow::array::{Array, AsArray};
use datafusion::arrow::datatypes::Float64Type;
use datafusion::prelude::SessionContext;

use super::SloError;

const OBJECTIVE_LADDER: &[f64] = &[0.9999, 0.9995, 0.999, 0.995, 0.99, 0.98, 0.95, 0.9];
/// A proposal leaves headroom: the history may have spent at most half its budget.
const MAX_SPEND: f64 = 0.5;

#[derive(Debug, Clone, PartialEq)]
pub struct Suggestion {
    pub component: String,
    pub sli: &'static str,
    pub objective: f64,
    pub threshold_ms: Option<f64>,
    pub min_events_per_minute: Option<f64>,
    /// The SLI as observed over the history.
    pub observed: f64,
    /// Share of the proposed budget the history would have spent (0.3 = 30%).
    pub budget_spent: f64,
}

/// Strictest ladder objective whose budget `bad_ratio` spends at most MAX_SPEND of; returns
/// (objective, spent share).
pub fn pick_objective(bad_ratio: f64) -> (f64, f64) {
    for objective in OBJECTIVE_LADDER {
        let spent = bad_ratio / (1.0 - objective);
        if spent <= MAX_SPEND {
            return (*objective, spent);
        }
    }
    let loosest = *OBJECTIVE_LADDER.last().expect("ladder");
    (loosest, bad_ratio / (1.0 - loosest))
}

/// Rounds a latency up to a readable threshold (1, 2, 2.5, 5 x 10^n ms).
pub fn nice_ceiling(ms: f64) -> f64 {
    if ms <= 1.0 {
        return 1.0;
    }
    let magnitude = 10f64.powf(ms.log10().floor());
    for step in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if ms <= step * magnitude {
            return step * magnitude;
        }
    }
    10.0 * magnitude
}

async fn floats(
    ctx: &SessionContext,
    sql: &str,
) -> Result<Vec<(String, Vec<Option<f64>>)>, SloError> {
    let batches = ctx.sql(sql).await?.collect().await?;
    let mut out = Vec::new();
    for batch in batches {
        let names = batch.column(0).as_string::<i32>().clone();
        let columns: Vec<_> = (1..batch.num_columns())
            .map(|i| {
                datafusion::arrow::compute::cast(
                    batch.column(i),
                    &datafusion::arrow::datatypes::DataType::Float64,
                )
                .map(|a| a.as_primitive::<Float64Type>().clone())
            })
            .collect::<Result<_, _>>()?;
        for row in 0..batch.num_rows() {
            let values = columns
                .iter()
                .map(|c| c.is_valid(row).then(|| c.value(row)))
                .collect();
            out.push((names.value(row).to_string(), values));
        }
    }
    Ok(out)
}

/// Proposals for every component with events.
pub async fn suggest(ctx: &SessionContext) -> Result<Vec<Suggestion>, SloError> {
    let stats = floats(
        ctx,
        "SELECT component, count(*), \
                avg(CASE WHEN outcome = 'error' THEN 1.0 ELSE 0.0 END), \
                avg(CASE WHEN level IN ('ERROR', 'FATAL') THEN 1.0 ELSE 0.0 END), \
                approx_percentile_cont(duration_ms, 0.95), approx_percentile_cont(duration_ms, 0.99) \
         FROM events GROUP BY component ORDER BY component",
    )
    .await?;
    let minutes = floats(
        ctx,
        "SELECT component, approx_percentile_cont(CAST(n AS DOUBLE), 0.01), count(*) FROM ( \
             SELECT component, date_bin(INTERVAL '1 minute', ts) AS minute, count(*) AS n FROM events GROUP BY 1, 2 \
         ) GROUP BY component",
    )
    .await?;
    let mut out = Vec::new();
    for (component, v) in stats {
        let (availability_bad, error_bad) = (v[1].unwrap_or(0.0), v[2].unwrap_or(0.0));
        let (objective, spent) = pick_objective(availability_bad);
        out.push(Suggestion {
            component: component.clone(),
            sli: "availability",
            objective,
            threshold_ms: None,
            min_events_per_minute: None,
            observed: 1.0 - availability_bad,
            budget_spent: spent,
        });
        if let Some(p95) = v[3] {
            out.push(latency_suggestion(ctx, &component, "latency_p95", p95, 0.95).await?);
        }
        let (objective, spent) = pick_objective(error_bad);
        out.push(Suggestion {
            component: component.clone(),
            sli: "error_rate",
            objective,
            threshold_ms: None,
            min_events_per_minute: None,
            observed: 1.0 - error_bad,
            budget_spent: spent,
        });
        if let Some((_, m)) = minutes.iter().find(|(c, _)| *c == component) {
            // Half the 1st-percentile minute: a floor that only a real drop breaks.
            let floor = (m[0].unwrap_or(0.0) * 0.5).floor().max(1.0);
            out.push(Suggestion {
                component: component.clone(),
                sli: "throughput",
                objective: 0.99,
                threshold_ms: None,
                min_events_per_minute: Some(floor),
                observed: f64::NAN,
                budget_spent: f64::NAN,
            });
        }
        if let Some(p99) = v[4] {
            out.push(latency_suggestion(ctx, &component, "latency_tail", p99, 0.99).await?);
        }
    }
    Ok(out)
}

/// A latency SLI at an observed percentile: threshold = the percentile rounded up, and the
/// budget the history would have spent at `objective`.
async fn latency_suggestion(
    ctx: &SessionContext,
    component: &str,
    sli: &'static str,
    percentile_ms: f64,
    objective: f64,
) -> Result<Suggestion, SloError> {
    let threshold = nice_ceiling(percentile_ms);
    let over = fraction_over(ctx, component, threshold).await?;
    Ok(Suggestion {
        component: component.to_string(),
        sli,
        objective,
        threshold_ms: Some(threshold),
        min_events_per_minute: None,
        observed: 1.0 - over,
        budget_spent: over / (1.0 - objective),
    })
}

async fn fraction_over(
    ctx: &SessionContext,
    component: &str,
    threshold: f64,
) -> Result<f64, SloError> {
    let sql = format!(
        "SELECT component, avg(CASE WHEN duration_ms > {threshold} THEN 1.0 ELSE 0.0 END) FROM events \
         WHERE component = {} AND duration_ms IS NOT NULL GROUP BY component",
        crate::common::sql_string(component)
    );
    Ok(floats(ctx, &sql)
        .await?
        .first()
        .and_then(|(_, v)| v[0])
        .unwrap_or(0.0))
}

/// The proposals as a table and as `[[slo]]` config.
pub fn render(suggestions: &[Suggestion]) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{:<14} {:<13} {:>9} {:>12} {:>10} {:>14}",
        "component", "sli", "objective", "threshold", "observed", "budget spent"
    );
    for s in suggestions {
        let threshold = match (s.threshold_ms, s.min_events_per_minute) {
            (Some(ms), _) => format!("<= {ms} ms"),
            (_, Some(n)) => format!(">= {n}/min"),
            _ => "-".into(),
        };
        let pct = |v: f64| {
            if v.is_nan() {
                "-".to_string()
            } else {
                format!("{:.3}%", v * 100.0)
            }
        };
        let _ = writeln!(
            out,
            "{:<14} {:<13} {:>9} {:>12} {:>10} {:>14}",
            s.component,
            s.sli,
            format!("{}", s.objective),
            threshold,
            pct(s.observed),
            if s.budget_spent.is_nan() {
                "-".to_string()
            } else {
                format!("{:.0}%", s.budget_spent * 100.0)
            }
        );
    }
    let _ = writeln!(out, "\n# Ready to paste into shape.toml:");
    for s in suggestions {
        let (sli, id_suffix) = match s.sli {
            "latency_p95" => ("latency", "latency-p95"),
            "latency_tail" => ("latency", "latency-tail"),
            other => (other, other),
        };
        let _ = writeln!(out, "\n[[slo]]\nid = \"{}-{id_suffix}\"\ncomponent = \"{}\"\nsli = \"{sli}\"\nobjective = {}", s.component, s.component, s.objective);
        if let Some(ms) = s.threshold_ms {
            let _ = writeln!(out, "threshold_ms = {ms}");
        }
        if let Some(n) = s.min_events_per_minute {
            let _ = writeln!(out, "min_events_per_minute = {n}");
        }
        let _ = writeln!(out, "window = \"30d\"");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn objectives_leave_headroom() {
        assert_eq!(pick_objective(0.0).0, 0.9999);
        let (objective, spent) = pick_objective(0.0012);
        assert_eq!(objective, 0.995);
        assert!((spent - 0.24).abs() < 1e-9);
        assert_eq!(pick_objective(0.5).0, 0.9);
    }

    #[test]
    fn nice_thresholds() {
        assert_eq!(nice_ceiling(83.0), 100.0);
        assert_eq!(nice_ceiling(201.0), 250.0);
        assert_eq!(nice_ceiling(12.0), 20.0);
        assert_eq!(nice_ceiling(0.3), 1.0);
    }
}
