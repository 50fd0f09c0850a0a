-- error_budget_burndown: for a burndown chart, one row per SLO and hour of its current window
-- up to shape.as_of: budget_remaining after that hour (the same formula as slo_status, with
-- the bad events, or bad slice time for timeslices, counted up to the step; for occurrences
-- the denominator is the window's events so far, so the last step equals slo_status) and
-- ideal_remaining, the straight line from 1 at window_start to 0 at the window's end.
-- Composite SLOs: timeslices from their own slices (bad when any member's is bad); the
-- other methods add up the members' weighted budget consumption, as slo_status does.
CREATE VIEW error_budget_burndown AS
WITH per_step AS (
    SELECT s.slo_id,
           CAST(floor(s.slice * w.timeslice_seconds / 3600.0) AS BIGINT) AS step,
           sum(CASE WHEN w.budgeting = 'timeslices'
                    THEN CASE WHEN s.slice_good THEN 0 ELSE w.timeslice_seconds END
                    ELSE s.total - s.good END) AS bad
    FROM slo_slices s
    JOIN slo_windows w ON w.slo_id = s.slo_id
    GROUP BY 1, 2
),
totals AS (
    SELECT slo_id, sum(total) AS total_events FROM slo_slices GROUP BY slo_id
),
steps AS (
    SELECT slo_id, unnest(range(0, CAST(ceil(elapsed_seconds / 3600.0) AS BIGINT))) AS step
    FROM slo_windows
),
cumulative AS (
    SELECT st.slo_id, st.step,
           sum(coalesce(p.bad, 0)) OVER (PARTITION BY st.slo_id ORDER BY st.step
                                         ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS bad_so_far
    FROM steps st
    LEFT JOIN per_step p ON p.slo_id = st.slo_id AND p.step = st.step
),
plain AS (
    SELECT c.slo_id,
           arrow_cast(to_timestamp_micros(CAST(least(to_unixtime(w.window_start) + (c.step + 1) * 3600,
                                                     to_unixtime(w.window_end)) AS BIGINT) * 1000000),
                      'Timestamp(Microsecond, Some("UTC"))') AS time,
           c.bad_so_far,
           shape_budget_remaining(
               c.bad_so_far / CAST(nullif(CASE WHEN w.budgeting = 'timeslices' THEN w.window_length_seconds
                                              ELSE t.total_events END, 0) AS DOUBLE),
               w.objective) AS budget_remaining,
           1.0 - least((c.step + 1) * 3600.0, w.elapsed_seconds) / w.window_length_seconds AS ideal_remaining,
           w.sli, w.budgeting
    FROM cumulative c
    JOIN slo_windows w ON w.slo_id = c.slo_id
    LEFT JOIN totals t ON t.slo_id = c.slo_id
)
SELECT slo_id, time, bad_so_far, budget_remaining, ideal_remaining
FROM plain
WHERE sli <> 'composite' OR budgeting = 'timeslices'
-- BEGIN composite SLOs
UNION ALL
-- composites counting occurrences or slice ratios: the members' consumed budget, weighted
-- (ratio slices in units of the composite's budget), per step
SELECT m.composite_id, p.time, sum(p.bad_so_far),
       1.0 - sum(m.weight * coalesce(1.0 - p.budget_remaining, 0.0)
                 * CASE WHEN c.budgeting = 'ratio_timeslices' THEN (1.0 - d.objective) / (1.0 - c.objective) ELSE 1.0 END),
       max(p.ideal_remaining)
FROM plain p
JOIN slo_members m ON m.member_id = p.slo_id
JOIN slo_definitions d ON d.slo_id = p.slo_id
JOIN slo_definitions c ON c.slo_id = m.composite_id
WHERE c.budgeting <> 'timeslices'
GROUP BY m.composite_id, p.time
-- END composite SLOs
