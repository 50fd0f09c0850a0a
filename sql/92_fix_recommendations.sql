-- fix_recommendations: one per anomaly (subject_kind 'anomaly'), and for each breach its
-- anomalies' (subject_kind 'breach', subject_id the breach_id; see breach_anomalies). An
-- anomaly's recommendation: the matching rule of `fix_rules` (data/fix_rules.toml plus
-- [detect] fix_rules files) with the lowest priority. A rule matches the anomaly's kind (or '*')
-- and, when it has a cause_pattern, one of the anomaly's root-cause candidates (any template whose
-- lift reaches min_lift, not only the top max_causes) or its own template.
-- {component}, {operation}, {template} and {cause} (the matching cause, else the top one) are
-- filled in; a rule whose placeholders would name nothing concrete (no template or cause, a
-- component `unknown`) is passed over for the next. benefit_score: the error-budget minutes won
-- back had the anomaly's bad events been good (anomalies.budget_minutes). An incident (subject_kind
-- 'incident', subject_id its incident_id) gets its first suspect's recommendation, scored by the
-- budget minutes of the whole incident: fixing the cause wins back what its effects burnt.
CREATE VIEW fix_recommendations AS
WITH a AS (
    SELECT anomaly_id, component, operation, template, kind, severity, budget_minutes FROM anomalies
),
candidates AS (
    SELECT a.*, r.rule_id, r.recommendation, r.rationale, r.priority, rc.rank,
           CASE WHEN r.cause_pattern IS NULL OR regexp_like(coalesce(rc.template, ''), r.cause_pattern)
                THEN rc.template ELSE a.template END AS cause
    FROM a
    JOIN fix_rules r ON r.kind = '*' OR r.kind = a.kind
    LEFT JOIN root_cause_candidates rc ON rc.subject_id = a.anomaly_id
    WHERE r.cause_pattern IS NULL
       OR regexp_like(coalesce(rc.template, ''), r.cause_pattern)
       OR regexp_like(coalesce(a.template, ''), r.cause_pattern)
),
concrete AS (
    SELECT * FROM candidates
    WHERE (strpos(recommendation, '{component}') = 0 OR nullif(component, 'unknown') IS NOT NULL)
      AND (strpos(recommendation, '{operation}') = 0 OR coalesce(operation, nullif(component, 'unknown')) IS NOT NULL)
      AND (strpos(recommendation, '{template}') = 0 OR coalesce(template, cause) IS NOT NULL)
      AND (strpos(recommendation, '{cause}') = 0 OR coalesce(cause, template) IS NOT NULL)
),
chosen AS (
    SELECT *, row_number() OVER (PARTITION BY anomaly_id ORDER BY priority, rule_id,
                                 CASE WHEN cause IS NULL THEN 1 ELSE 0 END, rank) AS choice
    FROM concrete
),
per_anomaly AS (
    SELECT anomaly_id AS subject_id, kind, severity, component, operation, rule_id,
           replace(replace(replace(replace(recommendation,
               '{component}', coalesce(component, '?')),
               '{operation}', coalesce(operation, component, '?')),
               '{template}', coalesce(template, cause, '?')),
               '{cause}', coalesce(cause, template, '?')) AS recommendation,
           rationale,
           budget_minutes AS benefit_score
    FROM chosen
    WHERE choice = 1
)
SELECT subject_id, 'anomaly' AS subject_kind, kind, severity, component, operation, rule_id,
       recommendation, rationale, benefit_score
FROM per_anomaly
UNION ALL
SELECT ba.breach_id, 'breach', p.kind, p.severity, p.component, p.operation, p.rule_id,
       p.recommendation, p.rationale, p.benefit_score
FROM per_anomaly p
JOIN breach_anomalies ba ON ba.anomaly_id = p.subject_id
UNION ALL
SELECT i.incident_id, 'incident', p.kind, i.severity, p.component, p.operation, p.rule_id,
       p.recommendation, p.rationale, i.budget_minutes
FROM per_anomaly p
JOIN incidents i ON i.cause_anomaly_id = p.subject_id
