-- detect_objectives: the error budget shares the detect views take from the SLOs, per scope
-- (a component, and an operation or NULL for the whole component). latency_budget: 1 -
-- objective of the scope's tightest latency SLO (threshold, then slo_id, breaks ties);
-- error_budget: the smallest 1 - objective of its availability and error-rate SLOs. The
-- detect views prefer the operation's scope, then the component's; without either,
-- error_budget falls back to 1 - shape.detect.default_objective and latency has no budget.
-- (The latency thresholds themselves are the setting shape.detect.slow_threshold_ms, so the
-- rollup catch-up counts slow events without a join.)
CREATE VIEW detect_objectives AS
WITH latency AS (
    SELECT component, operation, 1.0 - objective AS budget,
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
       l.budget AS latency_budget,
       f.budget AS error_budget
FROM (SELECT * FROM latency WHERE pick = 1) l
FULL JOIN failure f ON l.component = f.component AND l.operation IS NOT DISTINCT FROM f.operation;
