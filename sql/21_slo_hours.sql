-- slo_rollup_hours / slo_minute_hours: the minutes of slo_rollup_rows by hour: per SLO
-- definition and hour (one row per ingest run that counted minutes of it), the hour's
-- good/total sums and its minutes with events packed in `minutes` (per minute its offset from
-- the hour, 0..59, and its good and total counts). shape_minutes_sum(hour, minutes, 'good',
-- from, to) adds up the minutes that start in [from, to) (Unix seconds), so a window of days
-- reads its hours, ~60 times fewer rows than its minutes, and takes the hours at its ragged
-- ends minute by minute: the same sums as the minutes give; shape_minute_counts(minutes,
-- 'offset' | 'good' | 'total') lists them for unnest. Ingest writes these rows beside the
-- minutes (slo_rollups rows with an hour); slo_minute_hours makes them from the minutes,
-- which is what slo_rollup_hours reads in a data dir whose older rollups have not been given
-- their hours yet (the next catch-up does that) and under --slo-minutes raw.
CREATE VIEW slo_minute_hours AS
SELECT slo_id, definition_hash, hour, sum(good) AS good, sum(total) AS total,
       shape_pack_minutes(minute_offset, good, total) AS minutes
FROM (
    SELECT slo_id, definition_hash, good, total,
           date_trunc('hour', minute) AS hour,
           CAST((to_unixtime(minute) - to_unixtime(date_trunc('hour', minute))) / 60 AS BIGINT) AS minute_offset
    FROM slo_rollup_rows
)
GROUP BY slo_id, definition_hash, hour;

CREATE VIEW slo_rollup_hours AS
SELECT slo_id, definition_hash, hour, good, total, minutes
FROM slo_rollups
WHERE hour IS NOT NULL
