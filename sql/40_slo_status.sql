-- slo_status: one row per SLO, evaluated at shape.as_of over its window (see slo_windows).
--   occurrences:      good/total = events; sli = good/total (traffic-weighted);
--                     spent = 1 - sli
--   timeslices:       good/total = slices of timeslice_seconds; a slice is good when its
--                     good/total >= timeslice_target (throughput SLIs: when it holds at least
--                     min_events_per_minute per minute, and empty slices count as bad from the
--                     SLO's first data in the window on); sli = good/total slices;
--                     spent = bad slices x slice length / window length (budget in bad minutes)
--   ratio_timeslices: good/total = events; sli = mean of the slice ratios; spent = 1 - sli
-- Composite SLOs (OpenSLO): occurrences burn at the sum of weight x member burn rate
-- (spent = that burn x B); timeslices: a slice is bad when any member's is; ratio_timeslices:
-- each slice's ratio is 1 minus the members' weighted shortfalls (see slo_slices). good/total
-- of a composite are its members' sums. member_of: set on an objective of an OpenSLO
-- composite, which is measured here but raises no breach of its own.
-- budget_total = 1 - objective; budget_remaining = (B - spent)/B, negative when overspent;
-- budget_consumed = 1 - budget_remaining; budget_remaining_minutes = remaining x B x window
-- length; burn_rate = (1 - sli)/B. Zero traffic gives NULLs and NO_DATA, never NaN.
-- An objective of 1 has a zero budget: remaining 0 without bad events, NULL (unbounded) and
-- BREACHED with any (and OK without). status: NO_DATA, BREACHED (remaining < 0), WARNING
-- (remaining < 0.25), else OK. Fast burns are slo_burn_alerts' job (component_health and
-- slo_breaches combine both).
CREATE VIEW slo_status AS
WITH occurrences AS (
    -- occurrences SLOs add up their window's hours (slo_rollup_hours): the sums of the whole
    -- hours, the minutes inside [window_start, window_end) of the ragged ones; no slices
    SELECT w.slo_id,
           sum(CASE WHEN h.hour >= w.window_start AND h.hour + INTERVAL '1 hour' <= w.window_end THEN h.good
                    ELSE shape_minutes_sum(h.hour, h.minutes, 'good',
                                           date_part('epoch', w.window_start), date_part('epoch', w.window_end)) END) AS good,
           sum(CASE WHEN h.hour >= w.window_start AND h.hour + INTERVAL '1 hour' <= w.window_end THEN h.total
                    ELSE shape_minutes_sum(h.hour, h.minutes, 'total',
                                           date_part('epoch', w.window_start), date_part('epoch', w.window_end)) END) AS total,
           arrow_cast(NULL, 'Timestamp(Microsecond, Some("UTC"))') AS first_minute
    FROM slo_windows w
    JOIN slo_rollup_hours h ON h.slo_id = w.slo_id AND h.definition_hash = w.rollup_hash
    WHERE w.budgeting = 'occurrences'
      AND h.hour > shape_as_of() - CAST(shape_setting('slo.window_lookback_minutes') || ' minutes' AS INTERVAL) - INTERVAL '1 hour'
      AND h.hour < shape_as_of()
      AND h.hour > w.window_start - INTERVAL '1 hour'
    GROUP BY w.slo_id
),
counts AS (
    -- timeslice SLOs: their slices (slo_slices, which says when a slice is good);
    -- occurrences SLOs need no slices, so they sum their minutes in one group
    SELECT slo_id,
           sum(good) AS good_events, sum(total) AS total_events, min(first_minute) AS first_minute,
           count(*) AS slices_with_data,
           sum(CASE WHEN slice_good THEN 1 ELSE 0 END) AS good_slices,
           avg(ratio) AS mean_slice_ratio, CAST(NULL AS DOUBLE) AS composite_burn
    FROM slo_slices
    WHERE budgeting <> 'occurrences'
    GROUP BY slo_id
    UNION ALL
    SELECT slo_id, good, total, first_minute, 1, 0, CAST(NULL AS DOUBLE), CAST(NULL AS DOUBLE)
    FROM occurrences
    -- BEGIN composite SLOs
    UNION ALL
    -- composite occurrences SLOs burn at the weighted sum of their members' burn rates
    SELECT m.composite_id, sum(o.good), sum(o.total), min(o.first_minute), 1, 0, CAST(NULL AS DOUBLE),
           sum(m.weight * shape_burn_rate(1.0 - o.good / CAST(nullif(o.total, 0) AS DOUBLE), d.objective))
    FROM occurrences o
    JOIN slo_members m ON m.member_id = o.slo_id
    JOIN slo_definitions d ON d.slo_id = o.slo_id
    GROUP BY m.composite_id
    -- END composite SLOs
),
measured AS (
    SELECT w.*,
           coalesce(c.good_events, 0) AS good_events,
           coalesce(c.total_events, 0) AS total_events,
           coalesce(c.slices_with_data, 0) AS slices_with_data,
           coalesce(c.good_slices, 0) AS good_slices,
           c.mean_slice_ratio,
           c.composite_burn,
           CASE WHEN c.first_minute IS NULL THEN 0
                ELSE ceil((to_unixtime(w.window_end) - to_unixtime(c.first_minute)) / CAST(w.timeslice_seconds AS DOUBLE))
           END AS slices_since_data
    FROM slo_windows w
    LEFT JOIN counts c ON c.slo_id = w.slo_id
),
valued AS (
    SELECT measured.*,
           CAST(CASE budgeting WHEN 'timeslices' THEN good_slices ELSE good_events END AS BIGINT) AS good,
           CAST(CASE budgeting
                    WHEN 'timeslices' THEN CASE WHEN count_empty_slices THEN slices_since_data ELSE slices_with_data END
                    ELSE total_events END AS BIGINT) AS total
    FROM measured
),
rated AS (
    SELECT valued.*,
           CASE WHEN total = 0 THEN NULL
                WHEN sli = 'composite' AND budgeting = 'occurrences'
                    THEN greatest(0.0, 1.0 - composite_burn * (1.0 - objective))
                WHEN budgeting = 'ratio_timeslices' THEN mean_slice_ratio
                ELSE good / CAST(total AS DOUBLE) END AS sli_value
    FROM valued
),
spent AS (
    SELECT rated.*,
           CASE WHEN total = 0 THEN NULL
                WHEN budgeting = 'timeslices' THEN (total - good) * timeslice_seconds / CAST(window_length_seconds AS DOUBLE)
                WHEN sli = 'composite' AND budgeting = 'occurrences' THEN composite_burn * (1.0 - objective)
                ELSE 1.0 - sli_value END AS spent_ratio
    FROM rated
)
SELECT
    s.slo_id, s.component, s.sli, s.member_of, s.objective, s.budgeting, s.window_kind,
    s.window_start, s.window_end, s.window_length_seconds,
    s.good, s.total, s.sli_value,
    1.0 - s.objective AS budget_total,
    1.0 - shape_budget_remaining(s.spent_ratio, s.objective) AS budget_consumed,
    shape_budget_remaining(s.spent_ratio, s.objective) AS budget_remaining,
    shape_budget_remaining(s.spent_ratio, s.objective) * (1.0 - s.objective) * s.window_length_seconds / 60.0 AS budget_remaining_minutes,
    shape_burn_rate(1.0 - s.sli_value, s.objective) AS burn_rate,
    shape_exhaustion_hours(shape_budget_remaining(s.spent_ratio, s.objective),
                           shape_burn_rate(1.0 - s.sli_value, s.objective),
                           CAST(s.window_length_seconds AS DOUBLE)) AS budget_exhaustion_hours,
    CASE WHEN s.total = 0 THEN 'NO_DATA'
         WHEN s.objective >= 1.0 AND s.spent_ratio <= 0 THEN 'OK'
         WHEN shape_budget_remaining(s.spent_ratio, s.objective) IS NULL
              OR shape_budget_remaining(s.spent_ratio, s.objective) < 0 THEN 'BREACHED'
         WHEN shape_budget_remaining(s.spent_ratio, s.objective) < 0.25 THEN 'WARNING'
         ELSE 'OK' END AS status
FROM spent s
