-- slo_rollup_rows: every rollup row: good and total events per SLO definition (slo_id,
-- definition_hash), minute [minute, minute + 1m) and ingest run. The same minute may appear
-- once per run, and rows of older definitions of an SLO stay until a rebuild: the views
-- below join on the current definition_hash and sum.
-- slo_minutes: one row per SLO and minute, summed over runs, current definitions only.
-- Every windowed SLO view reads these, not raw events.
CREATE VIEW slo_rollup_rows AS
SELECT slo_id, definition_hash, minute, good, total
FROM slo_rollups
WHERE minute IS NOT NULL;

CREATE VIEW slo_minutes AS
SELECT r.slo_id, r.minute, sum(r.good) AS good, sum(r.total) AS total
FROM slo_rollup_rows r
JOIN slo_definitions d ON r.slo_id = d.slo_id AND r.definition_hash = d.rollup_hash
GROUP BY r.slo_id, r.minute
