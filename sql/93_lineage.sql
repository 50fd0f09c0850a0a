-- lineage: from any anomaly or breach id to every contributing event and the exact line it came
-- from (_source, _line, _offset; `shape trace ID` prints them with the raw line read back).
-- Contributing events of an anomaly, within its window, component and operation: the events of
-- its template (template anomalies); the failures (error_burst, race_condition); the events
-- slower than the latency SLO, or every timed event without one (latency_regression); every
-- event (traffic kinds). Of a breach: its SLO's bad events (slo_bad_events: in scope, counted,
-- not good; built from each SLO's predicates) within the breach window.
CREATE VIEW lineage AS
WITH a AS (
    SELECT anomaly_id, component, operation, template_id, kind, window_start, window_end FROM anomalies
),
e AS (
    SELECT e.ts, e.component, e.operation, e.level, e.outcome, e.duration_ms, e.message,
           e._source, e._line, e._offset,
           shape_scoped_number('detect.slow_threshold_ms', e.component, e.operation) AS slow_ms
    FROM events e
)
SELECT a.anomaly_id AS subject_id, 'anomaly' AS subject_kind, e._source, e._line, e._offset, e.ts,
       e.component, e.operation, e.level, e.message
FROM e
JOIN a ON e.component = a.component AND (e.operation IS NOT DISTINCT FROM a.operation)
      AND e.ts >= a.window_start AND e.ts < a.window_end
WHERE CASE WHEN a.template_id IS NOT NULL
             THEN (e.level IN ('WARN', 'ERROR', 'FATAL') OR e.outcome = 'error')
                  AND template_id(e.message) = a.template_id
           WHEN a.kind IN ('error_burst', 'race_condition') THEN e.outcome = 'error'
           WHEN a.kind = 'latency_regression'
             THEN coalesce(e.duration_ms > e.slow_ms, e.duration_ms IS NOT NULL)
           ELSE true END
UNION ALL
SELECT b.breach_id, 'breach', x._source, x._line, x._offset, x.ts, x.component, x.operation, x.level, x.message
FROM slo_bad_events x
JOIN slo_breaches b ON x.slo_id = b.slo_id AND x.ts >= b.window_start AND x.ts < b.window_end
