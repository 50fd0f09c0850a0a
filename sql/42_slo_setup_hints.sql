-- slo_setup_hints: what a new user should do next, one sentence per row, for clients and
-- dashboards that would otherwise show empty panels: no SLO configured at all, or an SLO
-- with no events in its window at shape.as_of (a misspelt component, or data elsewhere in
-- time).
CREATE VIEW slo_setup_hints AS
SELECT 'no SLOs are configured: slo_suggestions (filled by shape serve) and `shape slo suggest` propose objectives from the data; `shape slo suggest --write shape.toml` adopts them' AS hint
WHERE NOT EXISTS (SELECT 1 FROM slo_definitions)
UNION ALL
SELECT concat('SLO ', slo_id, ' has no events in its window (', to_char(window_start, '%Y-%m-%d %H:%M'),
              ' .. ', to_char(window_end, '%Y-%m-%d %H:%M'),
              ' UTC): check its component and scope, or evaluate at another time (shape.as_of); shape slo explain ',
              slo_id, ' says more')
FROM slo_status
WHERE status = 'NO_DATA' AND member_of IS NULL
