//! What the healer learns from its own record: which playbook works for a component and
//! anomaly kind (`playbook_effectiveness`, ordering the candidates), the root causes each
//! breach had when it was acted on (`healing_causes`), and the past breaches a new one
//! resembles (`similar_incidents`, shown in the plan, issue and pull-request bodies, webhooks
//! and notifications). The lookups are pure; the queries beside them read the views.

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use datafusion::error::DataFusionError;
use datafusion::prelude::SessionContext;
use serde_json::Value;

use super::state::{CauseRecord, RunRecord};
use super::HealError;
use crate::common::sql_string;
use crate::query::{rows_as_text, run_sql};

/// One row of `playbook_effectiveness`: a playbook's judged record on a component and kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    pub playbook: String,
    pub component: Option<String>,
    pub anomaly_kind: Option<String>,
    pub pass: u64,
    pub fail: u64,
}

/// Every playbook's record, for ordering candidates (see [`Effectiveness::rate`]).
#[derive(Debug, Clone, Default)]
pub struct Effectiveness {
    pub records: Vec<Record>,
}

impl Effectiveness {
    /// The Laplace-smoothed success rate, (pass + 1) / (pass + fail + 2), of `playbook` for a
    /// breach of `component` whose main anomaly is `kind`: from its record on that component
    /// and kind once judged there, else on the component (any kind), else everywhere. A
    /// playbook that healed `error_burst`s on `db` but failed on `latency_regression`s there
    /// ranks by the record that matches the breach in front of it; 0.5 when never judged.
    pub fn rate(&self, playbook: &str, component: Option<&str>, kind: Option<&str>) -> f64 {
        let mine = || self.records.iter().filter(|r| r.playbook == playbook);
        let scopes: [&dyn Fn(&Record) -> bool; 3] = [
            &|r| r.component.as_deref() == component && r.anomaly_kind.as_deref() == kind,
            &|r| r.component.as_deref() == component,
            &|_| true,
        ];
        for in_scope in scopes {
            let (pass, fail) = mine()
                .filter(|r| in_scope(r))
                .fold((0, 0), |(p, f), r| (p + r.pass, f + r.fail));
            if pass + fail > 0 {
                return (pass as f64 + 1.0) / ((pass + fail) as f64 + 2.0);
            }
        }
        0.5
    }
}

/// The judged records of `playbook_effectiveness`.
pub async fn effectiveness(ctx: &SessionContext) -> Result<Effectiveness, HealError> {
    let batches = run_sql(
        ctx,
        "SELECT playbook, component IS NULL, component, anomaly_kind IS NULL, anomaly_kind, \
         verified_pass, verified_fail FROM playbook_effectiveness",
    )
    .await?;
    let records = rows_as_text(&batches, "")
        .into_iter()
        .map(|r| Record {
            playbook: r[0].clone(),
            component: (r[1] == "false").then(|| r[2].clone()),
            anomaly_kind: (r[3] == "false").then(|| r[4].clone()),
            pass: r[5].parse().unwrap_or(0),
            fail: r[6].parse().unwrap_or(0),
        })
        .collect();
    Ok(Effectiveness { records })
}

/// Breach id -> the kind of its main anomaly (`breach_anomalies` rank 1).
pub async fn anomaly_kinds(ctx: &SessionContext) -> Result<BTreeMap<String, String>, HealError> {
    let batches = run_sql(
        ctx,
        "SELECT breach_id, kind FROM breach_anomalies WHERE rank = 1",
    )
    .await?;
    Ok(rows_as_text(&batches, "")
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect())
}

/// The root causes `run`'s breach has now, as `healing_causes` rows of that run.
pub async fn breach_causes(
    ctx: &SessionContext,
    run: &RunRecord,
    now: DateTime<Utc>,
) -> Result<Vec<CauseRecord>, HealError> {
    let batches = run_sql(
        ctx,
        &format!(
            "SELECT rank, operation IS NULL, operation, template, lift FROM root_causes \
             WHERE subject_id = {} ORDER BY rank",
            sql_string(&run.breach_id)
        ),
    )
    .await?;
    Ok(rows_as_text(&batches, "")
        .into_iter()
        .map(|r| CauseRecord {
            run_id: run.run_id.clone(),
            breach_id: run.breach_id.clone(),
            slo_id: run.slo_id.clone(),
            component: run.component.clone(),
            recorded_at: now,
            rank: r[0].parse().unwrap_or(0),
            operation: (r[1] == "false").then(|| r[2].clone()),
            template: Some(r[3].clone()),
            lift: r[4].parse().ok(),
        })
        .collect())
}

/// `similar_incidents` rows (of one breach, or of all), most similar first, as JSON objects.
/// Empty without a memory: with no `healing_causes` there is nothing to compare, and the
/// view's root causes are not computed for nothing.
pub async fn similar_incidents(
    ctx: &SessionContext,
    breach_id: Option<&str>,
) -> Result<Vec<Value>, HealError> {
    let remembered = run_sql(ctx, "SELECT count(*) FROM healing_causes").await?;
    if rows_as_text(&remembered, "").first().map(|r| r[0].as_str()) == Some("0") {
        return Ok(Vec::new());
    }
    let filter = breach_id
        .map(|id| format!("WHERE breach_id = {}", sql_string(id)))
        .unwrap_or_default();
    let batches = run_sql(
        ctx,
        &format!(
            "SELECT breach_id, past_breach_id, past_slo_id, \
             to_char(first_acted_at, '%Y-%m-%dT%H:%M:%SZ') AS first_acted_at, shared_causes, \
             round(similarity, 2) AS similarity, shared_templates, actions, outcome, held \
             FROM similar_incidents {filter} \
             ORDER BY breach_id, similarity DESC, first_acted_at DESC, past_breach_id"
        ),
    )
    .await?;
    Ok(crate::http::rows_as_json(&batches)
        .map_err(|e| HealError::Query(DataFusionError::Execution(e.to_string())))?
        .into_iter()
        .map(Value::Object)
        .collect())
}

/// One line about a similar past incident, for the plan and notifications.
pub fn describe_similar(incident: &Value) -> String {
    let text = |name: &str| match &incident[name] {
        Value::String(s) => s.clone(),
        Value::Null => "-".into(),
        other => other.to_string(),
    };
    let held = match (&incident["outcome"], incident["held"].as_bool()) {
        (Value::Null, _) => "never verified".to_string(),
        (_, Some(true)) => "held".to_string(),
        (outcome, _) => format!(
            "did not hold (verification {})",
            outcome.as_str().unwrap_or("?")
        ),
    };
    format!(
        "{} ({}, first acted on {}): {} shared causes, similarity {}; done: {}; {held}",
        text("past_breach_id"),
        text("past_slo_id"),
        text("first_acted_at"),
        text("shared_causes"),
        text("similarity"),
        text("actions"),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(playbook: &str, component: &str, kind: Option<&str>, pass: u64, fail: u64) -> Record {
        Record {
            playbook: playbook.into(),
            component: Some(component.into()),
            anomaly_kind: kind.map(str::to_string),
            pass,
            fail,
        }
    }

    #[test]
    fn the_rate_comes_from_the_closest_judged_record() {
        let e = Effectiveness {
            records: vec![
                record("restart", "db", Some("error_burst"), 3, 0),
                record("restart", "db", Some("latency_regression"), 0, 2),
                record("restart", "web", None, 0, 1),
            ],
        };
        // the same component and kind
        assert_eq!(e.rate("restart", Some("db"), Some("error_burst")), 0.8);
        assert_eq!(
            e.rate("restart", Some("db"), Some("latency_regression")),
            0.25
        );
        // a kind never judged on db: the component's whole record, 3 of 5
        assert_eq!(
            e.rate("restart", Some("db"), Some("traffic_drop")),
            4.0 / 7.0
        );
        // a component never judged: everywhere, 3 of 6
        assert_eq!(e.rate("restart", Some("cache"), None), 0.5);
        assert_eq!(e.rate("restart", Some("web"), None), 1.0 / 3.0);
        // a playbook never judged
        assert_eq!(e.rate("scale", Some("db"), Some("error_burst")), 0.5);
    }

    #[test]
    fn a_similar_incident_reads_as_one_line() {
        let incident = serde_json::json!({
            "past_breach_id": "b1", "past_slo_id": "db-availability",
            "first_acted_at": "2026-11-01T10:00:00Z", "shared_causes": 2, "similarity": 0.67,
            "actions": "raise-pool command: succeeded", "outcome": "fail", "held": false,
        });
        assert_eq!(
            describe_similar(&incident),
            "b1 (db-availability, first acted on 2026-11-01T10:00:00Z): 2 shared causes, \
             similarity 0.67; done: raise-pool command: succeeded; did not hold (verification fail)"
        );
    }
}
