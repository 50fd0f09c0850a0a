-- slo_breaches: what the healing runner consumes, one row per breach at shape.as_of:
--   kind 'budget_exhausted': an SLO whose budget_remaining is below 0 (severity page);
--   kind 'burn_rate': a firing burn-rate tier (severity page or ticket), its long window as
--   the breach window and its long-window burn rate.
-- An objective of an OpenSLO composite (member_of set) raises no breach of its own: its
-- composite does.
-- breach_id is stable while the same breach goes on: a hash of the SLO, kind, severity, tier
-- and an anchor (the calendar period's start, the UTC day for rolling windows, or the start
-- of the long-window-sized bucket containing as_of for burn alerts).
CREATE VIEW slo_breaches AS
WITH raw AS (
    SELECT s.slo_id, s.component, 'budget_exhausted' AS kind, 'page' AS severity,
           CAST(NULL AS INT) AS tier, shape_as_of() AS detected_at,
           s.window_start, s.window_end, s.sli_value, s.objective, s.burn_rate, s.budget_remaining,
           CASE WHEN s.window_kind = 'calendar' THEN to_unixtime(s.window_start)
                ELSE CAST(floor(to_unixtime(shape_as_of()) / 86400) * 86400 AS BIGINT) END AS anchor
    FROM slo_status s
    WHERE s.status = 'BREACHED' AND s.member_of IS NULL
    UNION ALL
    SELECT a.slo_id, a.component, 'burn_rate', a.severity, a.tier, shape_as_of(),
           arrow_cast(to_timestamp_micros(CAST(to_unixtime(shape_as_of()) - a.long_seconds AS BIGINT) * 1000000),
                      'Timestamp(Microsecond, Some("UTC"))'),
           shape_as_of(),
           1.0 - a.long_burn_rate * (1.0 - s.objective),
           s.objective, a.long_burn_rate, s.budget_remaining,
           CAST(floor(to_unixtime(shape_as_of()) / a.long_seconds) * a.long_seconds AS BIGINT)
    FROM slo_burn_alerts a
    JOIN slo_status s ON s.slo_id = a.slo_id
    WHERE a.firing
)
SELECT substr(md5(concat_ws('|', slo_id, kind, severity, coalesce(CAST(tier AS VARCHAR), '-'), CAST(anchor AS VARCHAR))), 1, 16) AS breach_id,
       slo_id, component, kind, severity, tier, detected_at, window_start, window_end,
       sli_value, objective, burn_rate, budget_remaining
FROM raw
