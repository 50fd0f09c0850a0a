-- slo_burn_alerts: one row per SLO and burn-rate tier (multi-window, multi-burn-rate, after
-- the SRE Workbook). The tiers are the SLO's own (slo_tiers: a built-in catalog, tiers
-- written in shape.toml, or OpenSLO alert policies). Burn rate over a window w =
-- (bad(w)/total(w)) / (1 - objective), from the rollups over [as_of - w, as_of) (their hour
-- rows, see slo_rollup_hours); a composite
-- SLO burns at the sum of weight x each member's burn rate (its events: the members' sum).
-- A tier is over its threshold when both its short and its long burn rates compare with its
-- factor by its op (gt unless an OpenSLO condition says otherwise) and the long window holds
-- at least min_events events (so one failure in a quiet hour does not page). It fires unless
-- a faster tier of the same severity is over its threshold (then it is suppressed).
-- short/long_events and _bad_events: the counts behind the burn rates; over_threshold: the
-- tier's condition holds, whether it fires or is suppressed.
-- exhaustion_hours: how long a whole budget lasts at the tier's factor;
-- projected_budget_consumed: the share of the period's budget spent if the long window's
-- burn rate holds for one more long window; hours_to_exhaustion: how long a whole budget
-- lasts at the long window's burn rate (period / burn, as Pyrra's "exhaustion"; NULL when
-- nothing burns). `shape slo explain` adds how long the budget *left* lasts.
CREATE VIEW slo_burn_alerts AS
WITH tiers AS (
    SELECT d.slo_id, d.sli, d.rollup_hash, d.component, d.objective, d.min_events, t.tier, t.severity,
           t.short_window, t.long_window, t.short_seconds, t.long_seconds, t.factor, t.op,
           t.period_seconds, t.catalog, t.condition
    FROM slo_definitions d
    JOIN slo_tiers t ON t.slo_id = d.slo_id
),
-- what each tier counts: a plain SLO's own rollups, a composite's members' with their weights
counted AS (
    SELECT slo_id, tier, slo_id AS measured_id, rollup_hash AS measured_hash, 1.0 AS weight,
           objective AS measured_objective, short_seconds, long_seconds
    FROM tiers
    WHERE sli <> 'composite'
    -- BEGIN composite SLOs
    UNION ALL
    SELECT t.slo_id, t.tier, m.member_id, d.rollup_hash, m.weight, d.objective, t.short_seconds, t.long_seconds
    FROM tiers t
    JOIN slo_members m ON m.composite_id = t.slo_id
    JOIN slo_definitions d ON d.slo_id = m.member_id
    -- END composite SLOs
),
-- the counts of each window, from the hour rows (slo_rollup_hours): minutes in
-- [as_of - window, as_of) (window bounds in whole seconds, as to_unixtime gives them) and
-- not before the burn lookback
bounds AS (
    SELECT c.*,
           date_part('epoch', shape_as_of()) AS window_end,
           greatest(date_part('epoch', shape_as_of() - CAST(shape_setting('slo.burn_lookback_minutes') || ' minutes' AS INTERVAL)),
                    CAST(to_unixtime(shape_as_of()) - c.short_seconds AS DOUBLE)) AS short_from,
           greatest(date_part('epoch', shape_as_of() - CAST(shape_setting('slo.burn_lookback_minutes') || ' minutes' AS INTERVAL)),
                    CAST(to_unixtime(shape_as_of()) - c.long_seconds AS DOUBLE)) AS long_from
    FROM counted c
),
sums AS (
    SELECT b.slo_id, b.tier, b.measured_id, b.weight, b.measured_objective,
           sum(shape_minutes_sum(h.hour, h.minutes, 'good', b.short_from, b.window_end)) AS short_good,
           sum(shape_minutes_sum(h.hour, h.minutes, 'total', b.short_from, b.window_end)) AS short_total,
           sum(shape_minutes_sum(h.hour, h.minutes, 'good', b.long_from, b.window_end)) AS long_good,
           sum(shape_minutes_sum(h.hour, h.minutes, 'total', b.long_from, b.window_end)) AS long_total
    FROM bounds b
    JOIN slo_rollup_hours h ON h.slo_id = b.measured_id AND h.definition_hash = b.measured_hash
    WHERE h.hour > shape_as_of() - CAST(shape_setting('slo.burn_lookback_minutes') || ' minutes' AS INTERVAL) - INTERVAL '1 hour'
      AND h.hour < shape_as_of()
      AND to_unixtime(h.hour) + 3600 > b.long_from
    GROUP BY b.slo_id, b.tier, b.measured_id, b.weight, b.measured_objective
),
burns AS (
    SELECT slo_id, tier,
           sum(short_total) AS short_events,
           sum(long_total) AS long_events,
           sum(short_total - short_good) AS short_bad_events,
           sum(long_total - long_good) AS long_bad_events,
           sum(weight * shape_burn_rate(1.0 - short_good / CAST(nullif(short_total, 0) AS DOUBLE), measured_objective)) AS short_burn_rate,
           sum(weight * shape_burn_rate(1.0 - long_good / CAST(nullif(long_total, 0) AS DOUBLE), measured_objective)) AS long_burn_rate
    FROM sums
    GROUP BY slo_id, tier
),
rated AS (
    SELECT t.*,
           coalesce(b.short_events, 0) AS short_events,
           coalesce(b.long_events, 0) AS long_events,
           coalesce(b.short_bad_events, 0) AS short_bad_events,
           coalesce(b.long_bad_events, 0) AS long_bad_events,
           b.short_burn_rate,
           b.long_burn_rate
    FROM tiers t
    LEFT JOIN burns b ON b.slo_id = t.slo_id AND b.tier = t.tier
),
thresholded AS (
    SELECT r.*,
           coalesce(CASE r.op
                        WHEN 'gte' THEN r.short_burn_rate >= r.factor AND r.long_burn_rate >= r.factor
                        WHEN 'lt' THEN r.short_burn_rate < r.factor AND r.long_burn_rate < r.factor
                        WHEN 'lte' THEN r.short_burn_rate <= r.factor AND r.long_burn_rate <= r.factor
                        ELSE r.short_burn_rate > r.factor AND r.long_burn_rate > r.factor END
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
SELECT o.slo_id, o.component, o.tier, o.severity, o.short_window, o.long_window, o.short_seconds, o.long_seconds,
       o.factor, o.op, o.catalog, o.condition, o.short_burn_rate, o.long_burn_rate, o.short_events, o.long_events,
       o.short_bad_events, o.long_bad_events, o.min_events, o.over_threshold,
       o.over_threshold AND NOT o.faster_firing AS firing,
       o.over_threshold AND o.faster_firing AS suppressed,
       o.period_seconds / o.factor / 3600.0 AS exhaustion_hours,
       o.long_burn_rate * o.long_seconds / CAST(o.period_seconds AS DOUBLE) AS projected_budget_consumed,
       shape_exhaustion_hours(1.0, o.long_burn_rate, CAST(o.period_seconds AS DOUBLE)) AS hours_to_exhaustion
FROM ordered o
