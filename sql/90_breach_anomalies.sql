-- breach_anomalies: what a breach is made of: for each breach of slo_breaches, the anomalies
-- of its component whose windows overlap the breach window (an anomaly window opened one
-- bucket early, as root_cause_subjects opens it: a cause can precede the bucket showing its
-- effect), ranked by the budget minutes they burnt (rank 1: the breach's main anomaly).
-- root_cause_subjects and fix_recommendations find a breach's causes and fixes through it; the
-- healer records the rank-1 kind with each action (healing_runs.anomaly_kind), which
-- playbook_effectiveness learns by.
CREATE VIEW breach_anomalies AS
SELECT b.breach_id, b.slo_id, a.anomaly_id, a.component, a.operation, a.template, a.kind, a.severity,
       a.window_start, a.window_end, a.budget_minutes,
       row_number() OVER (PARTITION BY b.breach_id ORDER BY a.budget_minutes DESC, a.anomaly_id) AS rank
FROM slo_breaches b
JOIN anomalies a
  ON a.component = b.component
 AND a.window_start - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL) < b.window_end
 AND a.window_end > b.window_start;
