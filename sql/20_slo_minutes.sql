-- slo_rollup_rows: the rollup rows of each SLO's current definition (rollups of an older
-- definition are ignored): good and total events per SLO, minute [minute, minute + 1m) and
-- ingest run. The same minute may appear once per run; every view below sums.
-- slo_minutes: the same summed over runs, one row per SLO and minute.
-- Every windowed SLO view reads these, not raw events.
CREATE VIEW slo_rollup_rows AS
SELECT r.slo_id, r.minute, r.good, r.total
FROM slo_rollups r
JOIN slo_definitions d ON r.slo_id = d.slo_id AND r.definition_hash = d.rollup_hash
WHERE r.minute IS NOT NULL;

CREATE VIEW slo_minutes AS
SELECT slo_id, minute, sum(good) AS good, sum(total) AS total
FROM slo_rollup_rows
GROUP BY slo_id, minute
