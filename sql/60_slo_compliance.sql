-- slo_compliance: the SLA history, one row per SLO and calendar period (the SLO's calendar
-- unit and time zone; months in UTC for rolling SLOs) that has data before shape.as_of:
-- sli_value by the SLO's budgeting method (timeslices here count slices with data only),
-- met = sli_value >= objective, complete = the period ended before as_of.
CREATE VIEW slo_compliance AS
WITH m AS (
    SELECT d.slo_id, d.objective, d.budgeting, d.timeslice_seconds, d.timeslice_target,
           d.count_empty_slices, d.min_events_per_minute,
           coalesce(d.calendar_unit, 'month') AS unit, d.timezone,
           shape_period_start(m.minute, coalesce(d.calendar_unit, 'month'), d.timezone) AS period_start,
           CAST(floor(to_unixtime(m.minute) / d.timeslice_seconds) AS BIGINT) AS slice,
           m.good, m.total
    FROM slo_definitions d
    JOIN slo_rollup_rows m ON m.slo_id = d.slo_id AND m.definition_hash = d.rollup_hash
    WHERE m.minute < shape_as_of()
),
slices AS (
    SELECT slo_id, period_start, slice, objective, budgeting, unit, timezone,
           sum(good) AS good, sum(total) AS total,
           (max(CASE WHEN count_empty_slices THEN 1 ELSE 0 END) = 1
                AND sum(total) >= max(min_events_per_minute) * max(timeslice_seconds) / 60.0)
           OR (max(CASE WHEN count_empty_slices THEN 1 ELSE 0 END) = 0
                AND sum(good) / CAST(sum(total) AS DOUBLE) >= max(timeslice_target)) AS slice_good
    FROM m
    GROUP BY slo_id, period_start, slice, objective, budgeting, unit, timezone
),
periods AS (
    SELECT slo_id, period_start, objective, budgeting, unit, timezone,
           sum(good) AS good_events, sum(total) AS total_events,
           count(*) AS slices, sum(CASE WHEN slice_good THEN 1 ELSE 0 END) AS good_slices,
           avg(good / CAST(total AS DOUBLE)) AS mean_slice_ratio
    FROM slices
    GROUP BY slo_id, period_start, objective, budgeting, unit, timezone
)
SELECT slo_id, period_start,
       shape_period_end(period_start, unit, timezone) AS period_end,
       CASE budgeting
           WHEN 'timeslices' THEN good_slices / CAST(slices AS DOUBLE)
           WHEN 'ratio_timeslices' THEN mean_slice_ratio
           ELSE good_events / CAST(total_events AS DOUBLE) END AS sli_value,
       objective,
       CASE budgeting
           WHEN 'timeslices' THEN good_slices / CAST(slices AS DOUBLE)
           WHEN 'ratio_timeslices' THEN mean_slice_ratio
           ELSE good_events / CAST(total_events AS DOUBLE) END >= objective AS met,
       shape_period_end(period_start, unit, timezone) <= shape_as_of() AS complete,
       total_events
FROM periods
