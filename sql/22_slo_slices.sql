-- slo_window_minutes / slo_slices: the minutes of each SLO's current window (with the SLO's
-- slice settings), and the same grouped into its time slices (timeslice_seconds, counted
-- from window_start). slice_good: the slice's good/total reaches timeslice_target, or for
-- throughput SLIs the slice holds at least min_events_per_minute events per minute; ratio:
-- good/total. Only slices with events appear here. A composite SLO's slices are made from
-- its members' (same window, same slice length). The minutes are read from the window's
-- hour rows (slo_rollup_hours); slo_slices adds up each hour's share of its slices
-- (shape_hour_slices) rather than the minutes: the same sums, from a few rows per hour.

-- slo_window_hours: the hour rows (slo_rollup_hours) that can hold minutes of each SLO's
-- window, with the window's slice settings; the minutes in [counted_from, window_end) count
-- (the window, no further back than the longest window).
CREATE VIEW slo_window_hours AS
SELECT w.slo_id, w.window_start, w.window_end, w.budgeting, w.count_empty_slices,
       w.min_events_per_minute, w.timeslice_seconds, w.timeslice_target, h.hour, h.minutes,
       greatest(w.window_start, shape_as_of() - CAST(shape_setting('slo.window_lookback_minutes') || ' minutes' AS INTERVAL)) AS counted_from
FROM slo_windows w
JOIN slo_rollup_hours h ON h.slo_id = w.slo_id AND h.definition_hash = w.rollup_hash
-- no hour older than the longest window (a constant once planned: older row groups are
-- skipped)
WHERE h.hour > shape_as_of() - CAST(shape_setting('slo.window_lookback_minutes') || ' minutes' AS INTERVAL) - INTERVAL '1 hour'
  AND h.hour < shape_as_of()
  AND h.hour > w.window_start - INTERVAL '1 hour';

CREATE VIEW slo_window_minutes AS
SELECT slo_id, minute, good, total,
       CAST(floor((to_unixtime(minute) - to_unixtime(window_start)) / timeslice_seconds) AS BIGINT) AS slice,
       budgeting, count_empty_slices, min_events_per_minute, timeslice_seconds, timeslice_target
FROM (
    SELECT slo_id, window_start, counted_from, window_end, budgeting, count_empty_slices,
           min_events_per_minute, timeslice_seconds, timeslice_target, good, total,
           hour + arrow_cast(minute_offset * 60000000, 'Duration(Microsecond)') AS minute
    FROM (
        SELECT slo_id, window_start, counted_from, window_end, budgeting, count_empty_slices,
               min_events_per_minute, timeslice_seconds, timeslice_target, hour,
               unnest(shape_minute_counts(minutes, 'offset')) AS minute_offset,
               unnest(shape_minute_counts(minutes, 'good')) AS good,
               unnest(shape_minute_counts(minutes, 'total')) AS total
        FROM slo_window_hours
    )
)
WHERE minute >= counted_from AND minute < window_end;

CREATE VIEW slo_slices AS
WITH parts AS (
    -- each of the window's hours as its share of the window's slices (shape_hour_slices):
    -- a few rows per hour instead of its minutes, added up below into the sums
    -- slo_window_minutes gives slice by slice
    SELECT slo_id, budgeting, count_empty_slices, min_events_per_minute, timeslice_seconds,
           timeslice_target, hour,
           unnest(shape_hour_slices(hour, minutes, window_start, timeslice_seconds,
                                    counted_from, window_end)) AS part
    FROM slo_window_hours
),
plain AS (
    SELECT slo_id, budgeting, slice, good, total, first_minute,
           (count_empty_slices AND total >= min_events_per_minute * timeslice_seconds / 60.0)
           OR (NOT count_empty_slices AND good / CAST(total AS DOUBLE) >= timeslice_target) AS slice_good,
           good / CAST(total AS DOUBLE) AS ratio
    FROM (
        SELECT slo_id, budgeting, slice, count_empty_slices, min_events_per_minute, timeslice_seconds, timeslice_target,
               sum(good) AS good, sum(total) AS total, min(first_minute) AS first_minute
        FROM (
            SELECT slo_id, budgeting, count_empty_slices, min_events_per_minute, timeslice_seconds,
                   timeslice_target, part['slice'] AS slice, part['good'] AS good, part['total'] AS total,
                   hour + arrow_cast(part['first_offset'] * 60000000, 'Duration(Microsecond)') AS first_minute
            FROM parts
        )
        GROUP BY slo_id, budgeting, slice, count_empty_slices, min_events_per_minute, timeslice_seconds, timeslice_target
    )
)
SELECT * FROM plain
-- BEGIN composite SLOs
UNION ALL
-- composite SLOs: a slice is bad when any member's slice is bad; its ratio is what is left
-- of 1 after the members' weighted shortfalls (OpenSLO: "the sum of missing up to 100%")
SELECT m.composite_id, p.budgeting, p.slice, sum(p.good), sum(p.total), min(p.first_minute),
       bool_and(p.slice_good),
       greatest(0.0, 1.0 - sum(m.weight * (1.0 - p.ratio)))
FROM plain p
JOIN slo_members m ON m.member_id = p.slo_id
GROUP BY m.composite_id, p.budgeting, p.slice
-- END composite SLOs
