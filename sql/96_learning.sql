-- detector_feedback: each detector's record in this service, per anomaly kind and component:
-- of the lookback's anomalies, how many preceded a breach and how many did not. An anomaly
-- preceded a breach when a burn-rate tier of an SLO of its component was over its factor
-- (slo_burn_history.over_factor) at an hour ending after the anomaly began and at most
-- shape.detect.feedback_horizon_minutes after it ended. Anomalies whose horizon has not passed
-- at as_of are `pending`, judged neither way. precision = preceded / judged (NULL before any
-- anomaly is judged). `shape detect` prints it beside each anomaly's severity.
CREATE VIEW detector_feedback AS
WITH burning AS (
    SELECT DISTINCT d.component, h.time
    FROM slo_burn_history h
    JOIN slo_definitions d ON d.slo_id = h.slo_id
    WHERE h.over_factor
),
horizon AS (
    SELECT a.anomaly_id, a.kind, a.component, a.window_start,
           a.window_end + CAST(shape_setting('detect.feedback_horizon_minutes') || ' minutes' AS INTERVAL) AS horizon_end
    FROM anomalies a
),
judged AS (
    SELECT h.anomaly_id, h.kind, h.component,
           h.horizon_end > shape_as_of() AS pending,
           max(CASE WHEN b.time IS NULL THEN 0 ELSE 1 END) AS preceded
    FROM horizon h
    LEFT JOIN burning b
      ON b.component = h.component AND b.time > h.window_start AND b.time <= h.horizon_end
    GROUP BY 1, 2, 3, 4
)
SELECT kind, component,
       count(*) AS anomalies,
       sum(CASE WHEN NOT pending AND preceded = 1 THEN 1 ELSE 0 END) AS preceded_breach,
       sum(CASE WHEN NOT pending AND preceded = 0 THEN 1 ELSE 0 END) AS no_breach,
       sum(CASE WHEN pending THEN 1 ELSE 0 END) AS pending,
       CAST(sum(CASE WHEN NOT pending AND preceded = 1 THEN 1 ELSE 0 END) AS DOUBLE)
           / CAST(nullif(sum(CASE WHEN pending THEN 0 ELSE 1 END), 0) AS DOUBLE) AS precision
FROM judged
GROUP BY kind, component;

-- similar_incidents: the healer's memory. For each breach of slo_breaches, the past breaches of
-- its component (no longer in slo_breaches) whose root-cause templates when the healer acted on
-- them (healing_causes) overlap the breach's own (root_causes): shared_causes, their Jaccard
-- similarity (shared / templates of either), the templates shared, what was done (each
-- playbook, action kind and result that ran) and its verification: outcome (the last verdict,
-- NULL if never verified) and held (it passed and no fix of it was reverted).
CREATE VIEW similar_incidents AS
WITH current_causes AS (
    SELECT DISTINCT b.breach_id, b.component, r.template
    FROM slo_breaches b
    JOIN root_causes r ON r.subject_id = b.breach_id
    WHERE r.template IS NOT NULL
),
past_causes AS (
    SELECT DISTINCT breach_id, slo_id, component, template
    FROM healing_causes
    WHERE template IS NOT NULL AND breach_id NOT IN (SELECT breach_id FROM slo_breaches)
),
current_sizes AS (
    SELECT breach_id, count(*) AS causes FROM current_causes GROUP BY breach_id
),
past_sizes AS (
    SELECT breach_id, count(*) AS causes FROM past_causes GROUP BY breach_id
),
shared AS (
    SELECT c.breach_id, c.component, p.breach_id AS past_breach_id, p.slo_id AS past_slo_id,
           count(*) AS shared_causes,
           array_to_string(array_sort(array_agg(c.template)), ' | ') AS shared_templates
    FROM current_causes c
    JOIN past_causes p ON p.component = c.component AND p.template = c.template
    GROUP BY 1, 2, 3, 4
),
done AS (
    SELECT breach_id, min(started_at) AS first_acted_at,
           array_to_string(array_sort(array_distinct(array_agg(playbook || ' ' || action_kind || ': ' || result))), '; ') AS actions,
           max(CASE WHEN action_kind = 'revert' THEN 1 ELSE 0 END) AS reverted
    FROM healing_runs
    WHERE result NOT IN ('skipped', 'planned')
    GROUP BY breach_id
),
verdicts AS (
    SELECT breach_id, first_value(result ORDER BY verified_at DESC, run_id DESC) AS outcome
    FROM healing_outcomes
    GROUP BY breach_id
)
SELECT s.breach_id, s.component, s.past_breach_id, s.past_slo_id, d.first_acted_at,
       s.shared_causes,
       CAST(s.shared_causes AS DOUBLE) / CAST(cs.causes + ps.causes - s.shared_causes AS DOUBLE) AS similarity,
       s.shared_templates, d.actions, v.outcome,
       coalesce(v.outcome = 'pass' AND d.reverted = 0, false) AS held
FROM shared s
JOIN current_sizes cs ON cs.breach_id = s.breach_id
JOIN past_sizes ps ON ps.breach_id = s.past_breach_id
LEFT JOIN done d ON d.breach_id = s.past_breach_id
LEFT JOIN verdicts v ON v.breach_id = s.past_breach_id
