-- playbook_effectiveness: how well each playbook heals (the learning step), one row per
-- playbook that has acted or been verified:
--   runs              actions it took (healing_runs rows that ran, not guard skips, plans,
--                     escalations, approval requests or reverts of its fixes)
--   verified_pass / verified_fail / inconclusive   its verifications (healing_outcomes)
--   success_rate      (pass + 1) / (pass + fail + 2): Laplace-smoothed, so one lucky run does
--                     not outrank a long record; 0.5 for a playbook never judged
--   mean_improvement  mean of sli_after - sli_before over judged verifications
-- The healer orders candidate playbooks of equal priority by success_rate.
CREATE VIEW playbook_effectiveness AS
WITH runs AS (
    SELECT playbook, count(*) AS runs, max(finished_at) AS last_run_at
    FROM healing_runs
    WHERE result NOT IN ('skipped', 'planned', 'awaiting_approval')
      AND action_kind NOT IN ('escalate', 'approval_request', 'revert')
    GROUP BY playbook
),
outcomes AS (
    SELECT playbook,
           sum(CASE WHEN result = 'pass' THEN 1 ELSE 0 END) AS verified_pass,
           sum(CASE WHEN result = 'fail' THEN 1 ELSE 0 END) AS verified_fail,
           sum(CASE WHEN result = 'inconclusive' THEN 1 ELSE 0 END) AS inconclusive,
           avg(CASE WHEN result <> 'inconclusive' THEN sli_after - sli_before END) AS mean_improvement
    FROM healing_outcomes
    GROUP BY playbook
)
SELECT coalesce(r.playbook, o.playbook) AS playbook,
       coalesce(r.runs, 0) AS runs,
       coalesce(o.verified_pass, 0) AS verified_pass,
       coalesce(o.verified_fail, 0) AS verified_fail,
       coalesce(o.inconclusive, 0) AS inconclusive,
       CAST(coalesce(o.verified_pass, 0) + 1 AS DOUBLE)
           / CAST(coalesce(o.verified_pass, 0) + coalesce(o.verified_fail, 0) + 2 AS DOUBLE) AS success_rate,
       o.mean_improvement,
       r.last_run_at
FROM runs r
FULL OUTER JOIN outcomes o ON r.playbook = o.playbook
