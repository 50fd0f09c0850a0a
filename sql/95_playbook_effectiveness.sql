-- playbook_effectiveness: how well each playbook heals (the learning step), one row per
-- playbook, component and anomaly kind (the kind of the breach's main anomaly when the
-- playbook acted, healing_runs.anomaly_kind; NULL when the breach had none or for actions
-- recorded before kinds were):
--   runs              actions it took (healing_runs rows that ran, not guard skips, plans,
--                     escalations, approval requests or reverts of its fixes)
--   verified_pass / verified_fail / inconclusive   its verifications (healing_outcomes)
--   success_rate      (pass + 1) / (pass + fail + 2): Laplace-smoothed, so one lucky run does
--                     not outrank a long record; 0.5 for a playbook never judged
--   mean_improvement  mean of sli_after - sli_before over judged verifications
-- The healer orders candidate playbooks of equal priority by their record on the breach's
-- component and anomaly kind, else on the component, else anywhere (see heal::decide).
CREATE VIEW playbook_effectiveness AS
WITH runs AS (
    SELECT playbook, component, anomaly_kind, 1 AS runs, 0 AS pass, 0 AS fail, 0 AS inconclusive,
           CAST(NULL AS DOUBLE) AS improvement, finished_at
    FROM healing_runs
    WHERE result NOT IN ('skipped', 'planned', 'awaiting_approval')
      AND action_kind NOT IN ('escalate', 'approval_request', 'revert')
),
-- An outcome's kind is its action's (the run it verifies).
outcomes AS (
    SELECT o.playbook, o.component, r.anomaly_kind, 0 AS runs,
           CASE WHEN o.result = 'pass' THEN 1 ELSE 0 END AS pass,
           CASE WHEN o.result = 'fail' THEN 1 ELSE 0 END AS fail,
           CASE WHEN o.result = 'inconclusive' THEN 1 ELSE 0 END AS inconclusive,
           CASE WHEN o.result <> 'inconclusive' THEN o.sli_after - o.sli_before END AS improvement,
           arrow_cast(NULL, 'Timestamp(Microsecond, Some("UTC"))') AS finished_at
    FROM healing_outcomes o
    LEFT JOIN healing_runs r ON r.run_id = o.run_id
)
SELECT playbook, component, anomaly_kind,
       sum(runs) AS runs,
       sum(pass) AS verified_pass,
       sum(fail) AS verified_fail,
       sum(inconclusive) AS inconclusive,
       CAST(sum(pass) + 1 AS DOUBLE) / CAST(sum(pass) + sum(fail) + 2 AS DOUBLE) AS success_rate,
       avg(improvement) AS mean_improvement,
       max(finished_at) AS last_run_at
FROM (SELECT * FROM runs UNION ALL SELECT * FROM outcomes)
GROUP BY playbook, component, anomaly_kind
