-- slo_minutes: good and total events per SLO and minute [minute, minute + 1m), summed over
-- ingest runs from the rollups of the SLO's current definition (rollups of an older
-- definition are ignored). Every windowed SLO view reads this, not raw events.
CREATE VIEW slo_minutes AS
SELECT r.slo_id, r.minute, sum(r.good) AS good, sum(r.total) AS total
FROM slo_rollups r
JOIN slo_definitions d ON r.slo_id = d.slo_id AND r.definition_hash = d.rollup_hash
WHERE r.minute IS NOT NULL
GROUP BY r.slo_id, r.minute
