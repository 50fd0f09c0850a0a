//! Re-measuring an SLI around an action: the same per-minute good/total counts the SLO views
//! use (`slo_minutes`), over the window before the action and the window after it.

use chrono::{DateTime, Utc};
use datafusion::prelude::SessionContext;

use std::collections::{BTreeMap, BTreeSet};

use super::report::HealEntry;
use super::state::{BreachPhase, BreachState, HealStore, OutcomeRecord, Snapshot};
use super::{HealError, HealOptions};
use crate::common::sql_string;
use crate::query::rows_as_text;

/// `t` as a SQL timestamp literal (UTC, microseconds).
pub(super) fn ts(t: &DateTime<Utc>) -> String {
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

/// How a verification came out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Pass,
    Fail,
    Inconclusive,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::Inconclusive => "inconclusive",
        }
    }
}

/// `pass` when the SLI after the action meets the objective, `fail` when it does not,
/// `inconclusive` when there were fewer than `min_events` events (no data is never a pass)
/// or the SLO is unknown.
pub fn judge(after: &Snapshot, objective: Option<f64>, min_events: i64) -> (Verdict, String) {
    let Some(objective) = objective else {
        return (Verdict::Inconclusive, "the SLO is no longer defined".into());
    };
    match after.sli {
        _ if after.events < min_events.max(1) => (
            Verdict::Inconclusive,
            format!(
                "{} events after the action (at least {} needed to judge)",
                after.events,
                min_events.max(1)
            ),
        ),
        Some(sli) if sli >= objective => (
            Verdict::Pass,
            format!(
                "SLI {sli:.5} meets the objective {objective} over {} events",
                after.events
            ),
        ),
        Some(sli) => (
            Verdict::Fail,
            format!(
                "SLI {sli:.5} is below the objective {objective} over {} events",
                after.events
            ),
        ),
        None => (Verdict::Inconclusive, "no SLI after the action".into()),
    }
}

/// Another SLO of the breached component, counted over the verification window.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbour {
    pub slo_id: String,
    pub objective: f64,
    /// The SLO's window length (its budget's period).
    pub period_seconds: f64,
    pub good: f64,
    pub total: f64,
}

impl Neighbour {
    /// The share of its whole budget it spent over `window_seconds`, at the window's burn
    /// rate: (bad / total) / (1 - objective) x window / period.
    pub fn budget_spent(&self, window_seconds: f64) -> Option<f64> {
        if self.total <= 0.0 || self.objective >= 1.0 || self.period_seconds <= 0.0 {
            return None;
        }
        let burn = (self.total - self.good) / self.total / (1.0 - self.objective);
        Some(burn * window_seconds / self.period_seconds)
    }
}

/// The multi-objective gate: the neighbour that spent the most budget over the window, when
/// that is more than `tolerance` (a fix that restores availability by burning the latency
/// budget does not pass).
pub fn regression(
    neighbours: &[Neighbour],
    window_seconds: f64,
    tolerance: f64,
) -> Option<(&Neighbour, f64)> {
    neighbours
        .iter()
        .filter_map(|n| Some((n, n.budget_spent(window_seconds)?)))
        .filter(|(_, spent)| *spent > tolerance)
        .max_by(|a, b| a.1.total_cmp(&b.1))
}

/// The component's other (non-composite) SLOs over `[from, to)`.
async fn neighbours(
    ctx: &SessionContext,
    slo_id: &str,
    component: &str,
    from: &DateTime<Utc>,
    to: &DateTime<Utc>,
) -> Result<Vec<Neighbour>, HealError> {
    let sql = format!(
        "SELECT d.slo_id, d.objective, CAST(w.window_length_seconds AS DOUBLE), \
                CAST(coalesce(sum(m.good), 0) AS DOUBLE), CAST(coalesce(sum(m.total), 0) AS DOUBLE) \
         FROM slo_definitions d JOIN slo_windows w ON w.slo_id = d.slo_id \
         LEFT JOIN slo_minutes m ON m.slo_id = d.slo_id AND m.minute >= {} AND m.minute < {} \
         WHERE d.component = {} AND d.slo_id <> {} AND d.sli <> 'composite' \
         GROUP BY 1, 2, 3 ORDER BY 1",
        ts(from),
        ts(to),
        sql_string(component),
        sql_string(slo_id)
    );
    let batches = ctx.sql(&sql).await?.collect().await?;
    Ok(rows_as_text(&batches, "")
        .into_iter()
        .filter_map(|r| {
            Some(Neighbour {
                slo_id: r[0].clone(),
                objective: r[1].parse().ok()?,
                period_seconds: r[2].parse().ok()?,
                good: r[3].parse().ok()?,
                total: r[4].parse().ok()?,
            })
        })
        .collect())
}

/// Verifications whose time has come: pass resolves, fail and inconclusive reopen (the next
/// attempt climbs the ladder). A pass also needs every other SLO of the component to have
/// spent at most `tolerance` of its budget over the window. Recorded in `healing_outcomes`
/// with `--execute`.
pub(super) async fn verify_due(
    ctx: &SessionContext,
    heal_store: &HealStore<'_>,
    options: &HealOptions,
    min_events: i64,
    tolerance: f64,
) -> Result<Vec<HealEntry>, HealError> {
    let mut entries = Vec::new();
    for mut state in heal_store.breaches().await? {
        let (Some(due), Some(acted), Some(run_id)) = (
            state.verify_due,
            state.last_action_at,
            state.last_run_id.clone(),
        ) else {
            continue;
        };
        if state.phase != BreachPhase::Verifying || options.now < due {
            continue;
        }
        let after = snapshot(ctx, &state.slo_id, state.component.as_deref(), &acted, &due).await?;
        let objective = match state.objective {
            Some(o) => Some(o),
            None => objective(ctx, &state.slo_id).await?,
        };
        let (mut verdict, mut detail) = judge(&after, objective, min_events);
        if let (Verdict::Pass, Some(component)) = (verdict, state.component.as_deref()) {
            let others = neighbours(ctx, &state.slo_id, component, &acted, &due).await?;
            let window = (due - acted).num_milliseconds() as f64 / 1000.0;
            if let Some((worse, spent)) = regression(&others, window, tolerance) {
                verdict = Verdict::Fail;
                detail = format!(
                    "{detail}, but {} spent {:.1}% of its budget over the same window \
                     (verify_tolerance {:.1}%)",
                    worse.slo_id,
                    spent * 100.0,
                    tolerance * 100.0
                );
            }
        }
        entries.push(HealEntry::Verified {
            breach_id: state.breach_id.clone(),
            slo_id: state.slo_id.clone(),
            run_id: run_id.clone(),
            verdict,
            detail: detail.clone(),
        });
        if !options.execute {
            continue;
        }
        let outcome = OutcomeRecord {
            run_id,
            breach_id: state.breach_id.clone(),
            slo_id: state.slo_id.clone(),
            component: state.component.clone(),
            playbook: state.playbook.clone().unwrap_or_default(),
            step: state.last_step.unwrap_or(0) as i32,
            attempt: state.attempts as i32,
            result: verdict,
            detail,
            verified_at: options.now,
            window_start: acted,
            window_end: due,
            objective,
            sli_before: None,
            sli_after: None,
            events_before: 0,
            events_after: 0,
            budget_before: None,
            budget_after: None,
            health_before: None,
            health_after: None,
        }
        .with_snapshots(&state.before.clone().unwrap_or_default(), &after);
        heal_store.record_outcome(&outcome).await?;
        state.verify_due = None;
        let next = if verdict == Verdict::Pass {
            BreachPhase::Resolved
        } else {
            BreachPhase::Open
        };
        state.move_to(next, options.now);
        heal_store.put_breach(&state).await?;
    }
    Ok(entries)
}

/// Resolved breaches of `slos` whose SLI has met the objective since their fix: breach id
/// -> the verification detail. The decision core reads this (a fix that still holds covers
/// new breach rows of its SLO).
pub(super) async fn healthy_since_fix(
    ctx: &SessionContext,
    states: &BTreeMap<String, BreachState>,
    slos: &BTreeSet<&str>,
    now: &DateTime<Utc>,
    min_events: i64,
) -> Result<BTreeMap<String, String>, HealError> {
    let mut healthy = BTreeMap::new();
    for state in states.values() {
        let Some(fixed_at) = state.last_action_at else {
            continue;
        };
        if state.phase != BreachPhase::Resolved || !slos.contains(state.slo_id.as_str()) {
            continue;
        }
        let since = snapshot(ctx, &state.slo_id, None, &fixed_at, now).await?;
        let (verdict, detail) = judge(&since, state.objective, min_events);
        if verdict == Verdict::Pass {
            healthy.insert(state.breach_id.clone(), detail);
        }
    }
    Ok(healthy)
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
    fn the_gate_names_the_slo_that_paid_for_the_fix() {
        let slo = |id: &str, good: f64, total: f64| Neighbour {
            slo_id: id.into(),
            objective: 0.99,
            period_seconds: 30.0 * 86_400.0,
            good,
            total,
        };
        // 30 minutes: all-bad latency burns 100x, i.e. 100 x 1800 / 2592000 = 6.9% of it.
        let others = [
            slo("lat", 0.0, 600.0),
            slo("ok", 600.0, 600.0),
            slo("idle", 0.0, 0.0),
        ];
        let (worse, spent) = regression(&others, 1800.0, 0.01).unwrap();
        assert_eq!(worse.slo_id, "lat");
        assert!((spent - 100.0 * 1800.0 / 2_592_000.0).abs() < 1e-12);
        assert!(regression(&others, 1800.0, 0.08).is_none());
        // At its objective an SLO spends exactly window/period: within a normal tolerance.
        assert!(regression(&[slo("steady", 594.0, 600.0)], 1800.0, 0.01).is_none());
    }

    #[test]
    fn no_data_is_inconclusive_never_pass() {
        assert_eq!(
            judge(&after(None, 0), Some(0.99), 1).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            judge(&after(Some(1.0), 3), Some(0.99), 10).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            judge(&after(Some(1.0), 30), None, 10).0,
            Verdict::Inconclusive
        );
        assert_eq!(
            judge(&after(Some(0.995), 30), Some(0.99), 10).0,
            Verdict::Pass
        );
        assert_eq!(
            judge(&after(Some(0.9), 30), Some(0.99), 10).0,
            Verdict::Fail
        );
    }
}
