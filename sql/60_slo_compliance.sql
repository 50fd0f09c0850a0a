-- slo_compliance: the SLA history, one row per SLO and calendar period (the SLO's calendar
-- unit and time zone; months in UTC for rolling SLOs) that has data before shape.as_of:
-- sli_value by the SLO's budgeting method (timeslices here count slices with data only),
-- met = sli_value >= objective, complete = the period ended before as_of. Composite SLOs as in
-- slo_status: slices bad when any member's is, slice ratios less the members' weighted
-- shortfalls, occurrences burning at the weighted sum of the members' burn rates.
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
plain_slices AS (
    SELECT slo_id, period_start, slice, objective, budgeting, unit, timezone,
           sum(good) AS good, sum(total) AS total,
           (max(CASE WHEN count_empty_slices THEN 1 ELSE 0 END) = 1
                AND sum(total) >= max(min_events_per_minute) * max(timeslice_seconds) / 60.0)
           OR (max(CASE WHEN count_empty_slices THEN 1 ELSE 0 END) = 0
                AND sum(good) / CAST(sum(total) AS DOUBLE) >= max(timeslice_target)) AS slice_good,
           sum(good) / CAST(sum(total) AS DOUBLE) AS ratio
    FROM m
    GROUP BY slo_id, period_start, slice, objective, budgeting, unit, timezone
),
slices AS (
    SELECT * FROM plain_slices
    UNION ALL
    SELECT c.slo_id, p.period_start, p.slice, c.objective, c.budgeting,
           coalesce(c.calendar_unit, 'month'), c.timezone,
           sum(p.good), sum(p.total), bool_and(p.slice_good),
           greatest(0.0, 1.0 - sum(mb.weight * (1.0 - p.ratio)))
    FROM plain_slices p
    JOIN slo_members mb ON mb.member_id = p.slo_id
    JOIN slo_definitions c ON c.slo_id = mb.composite_id
    GROUP BY c.slo_id, p.period_start, p.slice, c.objective, c.budgeting, coalesce(c.calendar_unit, 'month'), c.timezone
),
periods AS (
    SELECT slo_id, period_start, objective, budgeting, unit, timezone,
           sum(good) AS good_events, sum(total) AS total_events,
           count(*) AS slices, sum(CASE WHEN slice_good THEN 1 ELSE 0 END) AS good_slices,
           avg(ratio) AS mean_slice_ratio
    FROM slices
    GROUP BY slo_id, period_start, objective, budgeting, unit, timezone
),
composite_burns AS (
    SELECT mb.composite_id AS slo_id, p.period_start,
           sum(mb.weight * shape_burn_rate(1.0 - p.good_events / CAST(p.total_events AS DOUBLE), p.objective)) AS burn
    FROM periods p
    JOIN slo_members mb ON mb.member_id = p.slo_id
    GROUP BY mb.composite_id, p.period_start
),
valued AS (
    SELECT p.*,
           CASE p.budgeting
               WHEN 'timeslices' THEN p.good_slices / CAST(p.slices AS DOUBLE)
               WHEN 'ratio_timeslices' THEN p.mean_slice_ratio
               ELSE CASE WHEN b.burn IS NOT NULL THEN greatest(0.0, 1.0 - b.burn * (1.0 - p.objective))
                         ELSE p.good_events / CAST(p.total_events AS DOUBLE) END
           END AS sli_value
    FROM periods p
    LEFT JOIN composite_burns b ON b.slo_id = p.slo_id AND b.period_start = p.period_start
)
SELECT slo_id, period_start,
       shape_period_end(period_start, unit, timezone) AS period_end,
       sli_value,
       objective,
       sli_value >= objective AS met,
       shape_period_end(period_start, unit, timezone) <= shape_as_of() AS complete,
       total_events
FROM valued
