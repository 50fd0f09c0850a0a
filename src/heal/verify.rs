//! Re-measuring an SLI around an action: the same per-minute good/total counts the SLO views
//! use (`slo_minutes`), over the window before the action and the window after it.

use chrono::{DateTime, Utc};
use datafusion::prelude::SessionContext;

use super::state::Snapshot;
use super::HealError;
use crate::query::rows_as_text;
use crate::slo::definition::sql_string;

fn ts(t: &DateTime<Utc>) -> String {
    format!(
        "CAST('{}' AS TIMESTAMP WITH TIME ZONE)",
        t.format("%Y-%m-%dT%H:%M:%S%.6fZ")
    )
}

async fn first_row(ctx: &SessionContext, sql: &str) -> Result<Vec<String>, HealError> {
    let batches = ctx.sql(sql).await?.collect().await?;
    Ok(rows_as_text(&batches, "")
        .into_iter()
        .next()
        .unwrap_or_default())
}

fn number(text: Option<&String>) -> Option<f64> {
    text.and_then(|t| t.parse().ok())
}

/// SLI (good / total) of `slo_id` over `[from, to)`, with the event count; budget and health
/// as the views report them at the context's `as_of`.
pub async fn snapshot(
    ctx: &SessionContext,
    slo_id: &str,
    component: Option<&str>,
    from: &DateTime<Utc>,
    to: &DateTime<Utc>,
) -> Result<Snapshot, HealError> {
    let slo = sql_string(slo_id);
    let counts = first_row(
        ctx,
        &format!(
            "SELECT CAST(sum(good) AS DOUBLE), CAST(sum(total) AS BIGINT) FROM slo_minutes \
             WHERE slo_id = {slo} AND minute >= {} AND minute < {}",
            ts(from),
            ts(to)
        ),
    )
    .await?;
    let good = number(counts.first());
    let total: i64 = counts.get(1).and_then(|t| t.parse().ok()).unwrap_or(0);
    let budget = first_row(
        ctx,
        &format!("SELECT budget_remaining FROM slo_status WHERE slo_id = {slo}"),
    )
    .await?;
    let health = match component {
        Some(c) => {
            first_row(
                ctx,
                &format!(
                    "SELECT health_score FROM component_health WHERE component = {}",
                    sql_string(c)
                ),
            )
            .await?
        }
        None => Vec::new(),
    };
    Ok(Snapshot {
        sli: match (good, total) {
            (Some(g), t) if t > 0 => Some(g / t as f64),
            _ => None,
        },
        events: total,
        budget_remaining: number(budget.first()),
        health_score: number(health.first()),
    })
}

/// The objective of an SLO, from `slo_definitions`.
pub async fn objective(ctx: &SessionContext, slo_id: &str) -> Result<Option<f64>, HealError> {
    let row = first_row(
        ctx,
        &format!(
            "SELECT objective FROM slo_definitions WHERE slo_id = {}",
            sql_string(slo_id)
        ),
    )
    .await?;
    Ok(number(row.first()))
}

/// `pass` when the SLI after the action meets the objective, `fail` when it does not,
/// `inconclusive` when there were fewer than `min_events` events (no data is never a pass)
/// or the SLO is unknown.
pub fn judge(after: &Snapshot, objective: Option<f64>, min_events: i64) -> (&'static str, String) {
    let Some(objective) = objective else {
        return ("inconclusive", "the SLO is no longer defined".into());
    };
    match after.sli {
        _ if after.events < min_events.max(1) => (
            "inconclusive",
            format!(
                "{} events after the action (at least {} needed to judge)",
                after.events,
                min_events.max(1)
            ),
        ),
        Some(sli) if sli >= objective => (
            "pass",
            format!(
                "SLI {sli:.5} meets the objective {objective} over {} events",
                after.events
            ),
        ),
        Some(sli) => (
            "fail",
            format!(
                "SLI {sli:.5} is below the objective {objective} over {} events",
                after.events
            ),
        ),
        None => ("inconclusive", "no SLI after the action".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn after(sli: Option<f64>, events: i64) -> Snapshot {
        Snapshot {
            sli,
            events,
            ..Default::default()
        }
    }

    #[test]
    fn no_data_is_inconclusive_never_pass() {
        assert_eq!(judge(&after(None, 0), Some(0.99), 1).0, "inconclusive");
        assert_eq!(
            judge(&after(Some(1.0), 3), Some(0.99), 10).0,
            "inconclusive"
        );
        assert_eq!(judge(&after(Some(1.0), 30), None, 10).0, "inconclusive");
        assert_eq!(judge(&after(Some(0.995), 30), Some(0.99), 10).0, "pass");
        assert_eq!(judge(&after(Some(0.9), 30), Some(0.99), 10).0, "fail");
    }
}
