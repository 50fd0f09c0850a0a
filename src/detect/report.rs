//! `shape detect`: incidents, worst first, each with its anomalies in suspect order (the
//! first suspect shown whatever its own severity: a warning storm that burnt no budget may
//! be what the rest follow from), each anomaly with its root causes and recommended fix.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use datafusion::prelude::SessionContext;

use super::DetectError;
use crate::query::batches_to_rows;

/// One reported anomaly: its columns, its root causes and its recommendation, as text.
pub type ReportedAnomaly = (Vec<String>, Vec<Vec<String>>, Option<Vec<String>>);

/// One reported incident: its `incidents` row, its members as (anomaly_id, suspect rank,
/// why) in suspect order, and its recommendation (its first suspect's).
pub type ReportedIncident = (
    Vec<String>,
    Vec<(String, String, String)>,
    Option<Vec<String>>,
);

/// The report's rows, as text, in print order.
#[derive(Debug, Default)]
pub struct DetectReport {
    pub as_of: String,
    /// Worst first (severity, then the budget they burnt).
    pub incidents: Vec<ReportedIncident>,
    /// Worst first; with the first suspect of every incident shown, whatever its severity.
    pub anomalies: Vec<ReportedAnomaly>,
    /// `detector_feedback` by (kind, component): (preceded a breach, judged).
    pub feedback: BTreeMap<(String, String), (u64, u64)>,
}

impl DetectReport {
    /// How often this kind of anomaly preceded a breach of this component, beside the
    /// severity: "2/3 preceded a breach", or "not judged yet".
    fn record_of(&self, kind: &str, component: &str) -> String {
        match self
            .feedback
            .get(&(kind.to_string(), component.to_string()))
        {
            Some((preceded, judged)) if *judged > 0 => {
                format!("{preceded}/{judged} preceded a breach")
            }
            _ => "not judged yet".to_string(),
        }
    }
}

const ANOMALIES_SQL: &str = "SELECT anomaly_id, severity, kind, component, coalesce(operation, '-'), \
     coalesce(template, ''), \
     to_char(window_start, '%Y-%m-%d %H:%M'), to_char(window_end, '%H:%M'), \
     round(observed, 3), round(baseline, 3), round(score, 1), events, round(bad_events, 0), \
     round(budget_burned * 100, 2), round(budget_minutes, 1) \
     FROM anomalies WHERE severity IN ({severities}) \
        OR anomaly_id IN (SELECT m.anomaly_id FROM incident_members m JOIN incidents i \
                          ON i.incident_id = m.incident_id \
                          WHERE m.suspect_rank = 1 AND i.severity IN ({severities})) \
     ORDER BY CASE severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 ELSE 3 END, \
              budget_burned DESC, window_start, anomaly_id";

/// Incidents at or above the minimum severity, or holding an anomaly that is, worst first.
const INCIDENTS_SQL: &str = "SELECT incident_id, severity, to_char(onset, '%Y-%m-%d %H:%M'), \
     to_char(window_end, '%H:%M'), anomalies, \
     CASE WHEN coalesce(services, '') = '' THEN components \
          ELSE services || ' (' || components || ')' END, cause_kind, cause_component, \
     coalesce(cause_operation, '-'), coalesce(cause_template, ''), \
     round(budget_burned * 100, 2), round(budget_minutes, 1) \
     FROM incidents i WHERE severity IN ({severities}) \
        OR EXISTS (SELECT 1 FROM incident_members m WHERE m.incident_id = i.incident_id \
                   AND m.severity IN ({severities})) \
     ORDER BY CASE severity WHEN 'CRITICAL' THEN 0 WHEN 'HIGH' THEN 1 WHEN 'MEDIUM' THEN 2 ELSE 3 END, \
              budget_burned DESC, onset, incident_id";

/// Severities from the most severe down to `min_severity`.
pub fn severities_from(min_severity: &str) -> Option<&'static [&'static str]> {
    const ALL: [&str; 4] = ["CRITICAL", "HIGH", "MEDIUM", "LOW"];
    let index = ALL
        .iter()
        .position(|s| s.eq_ignore_ascii_case(min_severity))?;
    Some(match index {
        0 => &ALL[..1],
        1 => &ALL[..2],
        2 => &ALL[..3],
        _ => &ALL[..],
    })
}

/// Runs the detect views for the report.
pub async fn detect_report(
    ctx: &SessionContext,
    min_severity: &str,
) -> Result<DetectReport, DetectError> {
    let severities = severities_from(min_severity)
        .ok_or_else(|| {
            datafusion::error::DataFusionError::Plan(format!(
                "unknown severity {min_severity:?} (CRITICAL, HIGH, MEDIUM or LOW)"
            ))
        })?
        .iter()
        .map(|s| format!("'{s}'"))
        .collect::<Vec<_>>()
        .join(", ");
    // Each query on a task of its own, so that independent ones run on both cores: planning
    // a view over views is single-threaded.
    let spawned = |sql: String| {
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let batches = ctx.sql(&sql).await?.collect().await?;
            Ok::<_, DetectError>(batches_to_rows(&batches))
        })
    };
    let joined = |handle: tokio::task::JoinHandle<Result<Vec<Vec<String>>, DetectError>>| async {
        handle.await.map_err(|e| {
            DetectError::Query(datafusion::error::DataFusionError::External(Box::new(e)))
        })?
    };
    let as_of = joined(spawned(
        "SELECT to_char(shape_as_of(), '%Y-%m-%dT%H:%M:%SZ')".into(),
    ))
    .await?;
    let anomalies = joined(spawned(ANOMALIES_SQL.replace("{severities}", &severities))).await?;
    let incidents = spawned(INCIDENTS_SQL.replace("{severities}", &severities));
    let members = spawned(
        "SELECT incident_id, anomaly_id, CAST(suspect_rank AS VARCHAR) AS suspect, why \
         FROM incident_members ORDER BY incident_id, suspect_rank"
            .into(),
    );
    let causes = spawned(
        "SELECT subject_id, rank, coalesce(operation, '-'), template, round(lift, 1), events, \
                sample_source, sample_line FROM root_causes ORDER BY subject_id, rank"
            .into(),
    );
    let fixes = spawned(
        "SELECT subject_id, rule_id, recommendation, rationale, round(benefit_score, 1) \
         FROM fix_recommendations"
            .into(),
    );
    let feedback = spawned(
        "SELECT kind, component, preceded_breach, preceded_breach + no_breach \
         FROM detector_feedback"
            .into(),
    );
    let (causes, fixes, feedback, incidents, members) = tokio::try_join!(
        joined(causes),
        joined(fixes),
        joined(feedback),
        joined(incidents),
        joined(members)
    )?;
    let mut report = DetectReport {
        feedback: feedback
            .into_iter()
            .map(|r| {
                let count = |i: usize| r[i].parse().unwrap_or(0);
                ((r[0].clone(), r[1].clone()), (count(2), count(3)))
            })
            .collect(),
        as_of: as_of
            .first()
            .and_then(|r| r.first())
            .cloned()
            .unwrap_or_default(),
        anomalies: Vec::new(),
        incidents: incidents
            .into_iter()
            .map(|i| {
                let mine = members
                    .iter()
                    .filter(|m| m[0] == i[0])
                    .map(|m| (m[1].clone(), m[2].clone(), m[3].clone()))
                    .collect();
                let fix = fixes.iter().find(|f| f[0] == i[0]).cloned();
                (i, mine, fix)
            })
            .collect(),
    };
    for a in anomalies {
        let id = a[0].clone();
        let mine: Vec<Vec<String>> = causes.iter().filter(|c| c[0] == id).cloned().collect();
        let fix = fixes.iter().find(|f| f[0] == id).cloned();
        report.anomalies.push((a, mine, fix));
    }
    Ok(report)
}

/// `observed` and `baseline` in the unit of the anomaly's kind: a template's events or an
/// operation's requests per bucket, a latency's geometric mean in ms, an error rate in %.
fn with_unit(kind: &str, template: &str, value: &str) -> String {
    let Ok(number) = value.parse::<f64>() else {
        return value.to_string();
    };
    match kind {
        _ if !template.is_empty() => format!("{number} events/bucket"),
        "traffic_drop" | "traffic_surge" => format!("{number} requests/bucket"),
        "latency_regression" => format!("{number} ms"),
        _ => format!("{}% errors", (number * 10_000.0).round() / 100.0),
    }
}

impl std::fmt::Display for DetectReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let count = |s: &str| self.anomalies.iter().filter(|(a, _, _)| a[1] == s).count();
        writeln!(
            f,
            "SHAPE detect at {}: {} incidents, {} anomalies ({} CRITICAL, {} HIGH, {} MEDIUM, {} LOW)",
            self.as_of,
            self.incidents.len(),
            self.anomalies.len(),
            count("CRITICAL"),
            count("HIGH"),
            count("MEDIUM"),
            count("LOW")
        )?;
        let mut shown = std::collections::HashSet::new();
        for (incident, members, fix) in &self.incidents {
            f.write_str(&self.incident_text(incident, fix.as_deref()))?;
            for (anomaly_id, rank, why) in members {
                let Some(anomaly) = self.anomalies.iter().find(|(a, _, _)| &a[0] == anomaly_id)
                else {
                    continue; // below the minimum severity
                };
                shown.insert(anomaly_id.as_str());
                f.write_str(&self.anomaly_text(anomaly, Some((rank, why))))?;
            }
        }
        for anomaly in &self.anomalies {
            if !shown.contains(anomaly.0[0].as_str()) {
                f.write_str(&self.anomaly_text(anomaly, None))?;
            }
        }
        Ok(())
    }
}

impl DetectReport {
    /// An incident's heading: when, where, its first suspect and what it burnt in total.
    fn incident_text(&self, i: &[String], fix: Option<&[String]>) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "\n== INCIDENT {} {} -> {} UTC: {} anomalies in {}  [{}]",
            i[1], i[2], i[3], i[4], i[5], i[0]
        );
        let template = if i[9].is_empty() {
            String::new()
        } else {
            format!(" \"{}\"", i[9])
        };
        let _ = writeln!(
            text,
            "   first suspect: {} {}/{}{template}; the incident burnt {}% of the 30-day error budget ({} budget minutes)",
            i[6], i[7], i[8], i[10], i[11]
        );
        if let Some(fix) = fix {
            let _ = writeln!(
                text,
                "   fix ({}): {} (wins back {} budget minutes)",
                fix[1], fix[2], fix[4]
            );
        }
        text
    }

    /// One anomaly's block; `suspect`: its rank in its incident and why.
    fn anomaly_text(
        &self,
        (a, causes, fix): &ReportedAnomaly,
        suspect: Option<(&String, &String)>,
    ) -> String {
        let mut text = String::new();
        let _ = writeln!(
            text,
            "\n{:<8} ({}) {} {}/{}  {} -> {} UTC  [{}]",
            a[1],
            // the detector's precision in this service (detector_feedback)
            self.record_of(&a[2], &a[3]),
            a[2],
            a[3],
            a[4],
            a[6],
            a[7],
            a[0]
        );
        if let Some((rank, why)) = suspect {
            let _ = writeln!(text, "  suspect {rank}: {why}");
        }
        if !a[5].is_empty() {
            let _ = writeln!(text, "  template: {}", a[5]);
        }
        let (observed, usual) = (
            with_unit(&a[2], &a[5], &a[8]),
            with_unit(&a[2], &a[5], &a[9]),
        );
        let _ = writeln!(
            text,
            "  observed {observed} vs usual {usual} (robust z-score {}), {} events, {} bad: {}% of the 30-day error budget ({} budget minutes)",
            a[10], a[11], a[12], a[13], a[14]
        );
        for c in causes {
            let path = c[6].strip_prefix("file://").unwrap_or(&c[6]);
            let _ = writeln!(
                text,
                "  cause {}: {} \"{}\" lift {}x, {} events (e.g. {}:{})",
                c[1], c[2], c[3], c[4], c[5], path, c[7]
            );
        }
        if let Some(fix) = fix {
            let _ = writeln!(text, "  fix ({}): {}", fix[1], fix[2]);
            let _ = writeln!(
                text,
                "    why: {} Wins back {} budget minutes.",
                fix[3], fix[4]
            );
        }
        // with the evaluation time, so that the printed command finds the same anomaly
        let _ = writeln!(
            text,
            "  evidence: shape trace {} --as-of {}",
            a[0], self.as_of
        );
        text
    }
}
