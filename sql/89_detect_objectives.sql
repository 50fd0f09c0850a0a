-- detect_objectives: what the detect views take from the SLOs, per scope (a component, and an
-- operation or NULL for the whole component). slow_threshold_ms and latency_budget: the
-- tightest latency SLO of the scope (threshold, then slo_id, breaks ties) and its budget share
-- 1 - objective; error_budget: the smallest budget share of its availability and error-rate
-- SLOs. The detect views prefer the operation's scope, then the component's; without either,
-- error_budget falls back to 1 - shape.detect.default_objective and latency has no budget.
CREATE VIEW detect_objectives AS
WITH latency AS (
    SELECT component, operation, threshold_ms, 1.0 - objective AS budget,
           row_number() OVER (PARTITION BY component, operation ORDER BY threshold_ms, slo_id) AS pick
    FROM slo_definitions
    WHERE sli = 'latency' AND threshold_ms IS NOT NULL
),
failure AS (
    SELECT component, operation, min(1.0 - objective) AS budget
    FROM slo_definitions
    WHERE sli IN ('availability', 'error_rate')
    GROUP BY component, operation
)
SELECT coalesce(l.component, f.component) AS component,
       coalesce(l.operation, f.operation) AS operation,
       l.threshold_ms AS slow_threshold_ms,
       l.budget AS latency_budget,
       f.budget AS error_budget
FROM (SELECT * FROM latency WHERE pick = 1) l
FULL JOIN failure f ON l.component = f.component AND l.operation IS NOT DISTINCT FROM f.operation;
