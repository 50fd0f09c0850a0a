-- component_health: one row per component with SLOs, a 0-100 score at shape.as_of:
--   health_score = 100 x mean over its measured SLOs of budget_remaining clamped to [0, 1]
--                  - 30 per breached SLO - 20 per firing page tier - 5 per firing ticket tier,
--                  clamped to [0, 100] (shape_health_score); NULL when no SLO has data.
--   Objectives of OpenSLO composites count through their composite only.
--   status: HEALTHY (>= 90), DEGRADED (>= 70), CRITICAL (< 70), NO_DATA.
CREATE VIEW component_health AS
WITH s AS (
    SELECT component,
           count(*) AS slos,
           sum(CASE WHEN status = 'BREACHED' THEN 1 ELSE 0 END) AS breached,
           avg(CASE WHEN status = 'NO_DATA' THEN NULL
                    -- a 100% objective met has no budget to spend, and nothing spent: full marks
                    WHEN status = 'OK' AND objective >= 1.0 THEN 1.0
                    ELSE least(greatest(coalesce(budget_remaining, 0.0), 0.0), 1.0) END) AS mean_budget_remaining
    FROM slo_status WHERE member_of IS NULL GROUP BY component
),
a AS (
    SELECT component,
           sum(CASE WHEN firing AND severity = 'page' THEN 1 ELSE 0 END) AS pages_firing,
           sum(CASE WHEN firing AND severity = 'ticket' THEN 1 ELSE 0 END) AS tickets_firing
    FROM slo_burn_alerts GROUP BY component
),
scored AS (
    SELECT s.component, s.slos, s.breached, coalesce(a.pages_firing, 0) AS pages_firing,
           coalesce(a.tickets_firing, 0) AS tickets_firing, s.mean_budget_remaining,
           shape_health_score(s.mean_budget_remaining, s.breached, coalesce(a.pages_firing, 0),
                              coalesce(a.tickets_firing, 0)) AS health_score
    FROM s LEFT JOIN a ON a.component = s.component
)
SELECT scored.*,
       CASE WHEN health_score IS NULL THEN 'NO_DATA'
            WHEN health_score >= 90 THEN 'HEALTHY'
            WHEN health_score >= 70 THEN 'DEGRADED'
            ELSE 'CRITICAL' END AS status
FROM scored
