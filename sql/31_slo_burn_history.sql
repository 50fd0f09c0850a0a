-- slo_burn_history: each burn-rate tier's long-window burn rate over time, for a chart of
-- burn rates per tier: one row per SLO, tier and hour of the SLO's current window up to
-- shape.as_of. At a step ending at `time`, the burn rate is (bad/total)/(1 - objective) over
-- the whole hours in [time - long window, time), the long window rounded up to whole hours
-- (at least one); a composite burns at the sum of weight x each member's burn rate, as in
-- slo_burn_alerts. When as_of falls on an hour and the long window is whole hours, the last
-- step equals slo_burn_alerts' long_burn_rate. burn_rate is NULL over a window without
-- events; over_factor says whether the long window alone is over the tier's factor (`gt`).
CREATE VIEW slo_burn_history AS
WITH tiers AS (
    SELECT d.slo_id, d.sli, d.rollup_hash, d.objective, t.tier, t.severity, t.long_window, t.factor,
           CAST(greatest(ceil(t.long_seconds / 3600.0), 1) AS BIGINT) AS long_hours
    FROM slo_definitions d
    JOIN slo_tiers t ON t.slo_id = d.slo_id
),
-- what each tier counts: a plain SLO's own rollups, a composite's members' with their weights
counted AS (
    SELECT slo_id, tier, slo_id AS measured_id, rollup_hash AS measured_hash, 1.0 AS weight,
           objective AS measured_objective, long_hours
    FROM tiers
    WHERE sli <> 'composite'
    -- BEGIN composite SLOs
    UNION ALL
    SELECT t.slo_id, t.tier, m.member_id, d.rollup_hash, m.weight, d.objective, t.long_hours
    FROM tiers t
    JOIN slo_members m ON m.composite_id = t.slo_id
    JOIN slo_definitions d ON d.slo_id = m.member_id
    -- END composite SLOs
),
-- hours since the epoch; the steps run from each window's first hour to as_of's hour
span AS (
    SELECT CAST(floor(min(to_unixtime(window_start)) / 3600) AS BIGINT) AS first_step,
           CAST(ceil(to_unixtime(shape_as_of()) / 3600) AS BIGINT) - 1 AS last_step,
           max(long_hours) AS longest
    FROM slo_windows
    CROSS JOIN (SELECT max(long_hours) AS long_hours FROM tiers)
),
measured AS (
    SELECT DISTINCT measured_id, measured_hash FROM counted
),
hourly AS (
    SELECT m.slo_id AS measured_id, m.definition_hash AS measured_hash,
           CAST(floor(to_unixtime(m.minute) / 3600) AS BIGINT) AS hour,
           sum(m.total) AS total, sum(m.good) AS good
    FROM slo_rollup_rows m
    JOIN measured x ON x.measured_id = m.slo_id AND x.measured_hash = m.definition_hash
    CROSS JOIN span s
    WHERE m.minute < shape_as_of()
      AND to_unixtime(m.minute) >= (s.first_step - s.longest) * 3600
    GROUP BY 1, 2, 3
),
-- every hour of the span for every measured SLO (hours without events add nothing), with
-- running sums, so that a window's sums are one difference of two rows
dense AS (
    SELECT x.measured_id, x.measured_hash,
           unnest(range(s.first_step - s.longest, s.last_step + 1)) AS hour
    FROM measured x
    CROSS JOIN span s
),
running AS (
    SELECT d.measured_id, d.measured_hash, d.hour,
           sum(coalesce(h.total, 0)) OVER (PARTITION BY d.measured_id, d.measured_hash ORDER BY d.hour
                                           ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS total_so_far,
           sum(coalesce(h.good, 0)) OVER (PARTITION BY d.measured_id, d.measured_hash ORDER BY d.hour
                                          ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) AS good_so_far
    FROM dense d
    LEFT JOIN hourly h ON h.measured_id = d.measured_id AND h.measured_hash = d.measured_hash
                      AND h.hour = d.hour
),
steps AS (
    SELECT c.slo_id, c.tier, c.measured_id, c.measured_hash, c.weight, c.measured_objective,
           c.long_hours, unnest(range(CAST(floor(to_unixtime(w.window_start) / 3600) AS BIGINT),
                                      s.last_step + 1)) AS step
    FROM counted c
    JOIN slo_windows w ON w.slo_id = c.slo_id
    CROSS JOIN span s
),
windowed AS (
    SELECT st.slo_id, st.tier, st.step, st.weight, st.measured_objective,
           upto.total_so_far - before.total_so_far AS total,
           upto.good_so_far - before.good_so_far AS good
    FROM steps st
    JOIN running upto ON upto.measured_id = st.measured_id AND upto.measured_hash = st.measured_hash
                     AND upto.hour = st.step
    JOIN running before ON before.measured_id = st.measured_id AND before.measured_hash = st.measured_hash
                       AND before.hour = st.step - st.long_hours
),
burns AS (
    SELECT slo_id, tier, step,
           sum(total) AS events,
           sum(total - good) AS bad_events,
           sum(weight * shape_burn_rate(1.0 - good / CAST(nullif(total, 0) AS DOUBLE), measured_objective)) AS burn_rate
    FROM windowed
    GROUP BY slo_id, tier, step
)
SELECT b.slo_id, t.tier, t.severity, t.long_window,
       arrow_cast(to_timestamp_micros(least((b.step + 1) * 3600000000, CAST(to_unixtime(shape_as_of()) * 1000000 AS BIGINT))),
                  'Timestamp(Microsecond, Some("UTC"))') AS time,
       b.events, b.bad_events, b.burn_rate, t.factor,
       coalesce(b.burn_rate > t.factor, false) AS over_factor
FROM burns b
JOIN tiers t ON t.slo_id = b.slo_id AND t.tier = b.tier
