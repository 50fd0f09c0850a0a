-- slo_burn_alerts: one row per SLO and burn-rate tier (multi-window, multi-burn-rate, after
-- the SRE Workbook). Burn rate over a window w = (bad(w)/total(w)) / (1 - objective), from
-- slo_minutes over [as_of - w, as_of). A tier is over its threshold when both its short and
-- its long burn rates exceed its factor and the long window holds at least min_events events
-- (so one failure in a quiet hour does not page). It fires unless a faster tier of the same
-- severity is over its threshold (then it is suppressed). exhaustion_hours: how long the
-- whole budget lasts at the tier's factor.
CREATE VIEW slo_burn_alerts AS
WITH tiers AS (
    SELECT d.slo_id, d.rollup_hash, d.component, d.objective, d.min_events, t.tier, t.severity,
           t.short_window, t.long_window, t.short_seconds, t.long_seconds, t.factor, t.period_seconds
    FROM slo_definitions d
    JOIN burn_rate_tiers t ON t.catalog = d.tier_catalog
),
sums AS (
    SELECT t.slo_id, t.tier,
           sum(CASE WHEN to_unixtime(m.minute) >= to_unixtime(shape_as_of()) - t.short_seconds THEN m.good ELSE 0 END) AS short_good,
           sum(CASE WHEN to_unixtime(m.minute) >= to_unixtime(shape_as_of()) - t.short_seconds THEN m.total ELSE 0 END) AS short_total,
           sum(m.good) AS long_good,
           sum(m.total) AS long_total
    FROM tiers t
    JOIN slo_rollup_rows m ON m.slo_id = t.slo_id AND m.definition_hash = t.rollup_hash
    WHERE m.minute >= shape_as_of() - INTERVAL '4 days'
      AND m.minute < shape_as_of()
      AND to_unixtime(m.minute) >= to_unixtime(shape_as_of()) - t.long_seconds
    GROUP BY t.slo_id, t.tier
),
rated AS (
    SELECT t.*,
           coalesce(s.short_total, 0) AS short_events,
           coalesce(s.long_total, 0) AS long_events,
           shape_burn_rate(1.0 - s.short_good / CAST(nullif(s.short_total, 0) AS DOUBLE), t.objective) AS short_burn_rate,
           shape_burn_rate(1.0 - s.long_good / CAST(nullif(s.long_total, 0) AS DOUBLE), t.objective) AS long_burn_rate
    FROM tiers t
    LEFT JOIN sums s ON s.slo_id = t.slo_id AND s.tier = t.tier
),
thresholded AS (
    SELECT r.*,
           coalesce(r.short_burn_rate > r.factor AND r.long_burn_rate > r.factor
                    AND r.long_events >= r.min_events, false) AS over_threshold
    FROM rated r
),
ordered AS (
    SELECT th.*,
           coalesce(max(CASE WHEN th.over_threshold THEN 1 ELSE 0 END) OVER (
               PARTITION BY th.slo_id, th.severity ORDER BY th.tier
               ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0) = 1 AS faster_firing
    FROM thresholded th
)
SELECT slo_id, component, tier, severity, short_window, long_window, short_seconds, long_seconds,
       factor, short_burn_rate, long_burn_rate, short_events, long_events,
       over_threshold AND NOT faster_firing AS firing,
       over_threshold AND faster_firing AS suppressed,
       period_seconds / factor / 3600.0 AS exhaustion_hours
FROM ordered
