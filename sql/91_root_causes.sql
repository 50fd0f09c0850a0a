-- root_cause_subjects: what root causes are found for. Every anomaly (its own window), and every
-- SLO breach through its anomalies (breach_anomalies: a breach window can be the whole 30 days;
-- the anomalies say where in it things went wrong). Windows open one bucket early: a cause (a
-- deploy, a first failure) can precede the bucket that shows its effect.
CREATE VIEW root_cause_subjects AS
WITH subjects AS (
    SELECT anomaly_id AS subject_id, 'anomaly' AS subject_kind, component,
           window_start - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL) AS window_start,
           window_end, anomaly_id AS main_anomaly_id
    FROM anomalies
    UNION ALL
    SELECT breach_id, 'breach', component,
           window_start - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL),
           window_end,
           first_value(anomaly_id) OVER (PARTITION BY breach_id ORDER BY rank)
    FROM breach_anomalies
)
-- Two anomalies of a breach often share a window (an error burst and its template's storm):
-- each window counts once.
SELECT subject_id, subject_kind, component, window_start, window_end, main_anomaly_id,
       sum(to_unixtime(window_end) - to_unixtime(window_start)) OVER (PARTITION BY subject_id) / 60.0 AS subject_minutes
FROM (SELECT DISTINCT * FROM subjects);

-- root_cause_candidates: every operation and template of a subject's component, with its lift
-- (root_causes keeps the best; fix rules look at all of them).
-- root_causes: for each anomaly and breach, the operations and log templates of its component
-- that became more frequent in its window(s) than over the lookback: lift = rate per minute in
-- the window / rate per minute in the rest of the lookback (from its first minute; +1 smoothing), at least min_lift,
-- the max_causes best by lift (then by events). sample_source/sample_line: the cause's first
-- event in the window (`shape trace` reads it back). The window part reads `evidence_events`:
-- the events of the detection lookback, or only those inside the anomaly windows when
-- `shape detect` computed them first.
CREATE VIEW root_cause_candidates AS
WITH s AS (
    SELECT * FROM root_cause_subjects
),
windowed AS (
    SELECT s.subject_id, s.subject_kind, s.component, e.operation, log_template(e.message) AS template,
           max(s.subject_minutes) AS subject_minutes, max(s.main_anomaly_id) AS main_anomaly_id,
           count(*) AS events,
           first_value(e._source ORDER BY e.ts, e._source, e._line) AS sample_source,
           first_value(e._line ORDER BY e.ts, e._source, e._line) AS sample_line
    -- the subjects first: the hash join builds on them, not on the events
    FROM s
    JOIN evidence_events e ON e.component = s.component AND e.ts >= s.window_start AND e.ts < s.window_end
    GROUP BY 1, 2, 3, 4, 5
),
-- The lookback from the per-minute rollups (detect_minutes): never a scan of its events.
lookback AS (
    SELECT component, operation, template, sum(events) AS events, min(minute) AS first_ts
    FROM detect_minutes
    WHERE minute >= date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z') - CAST(shape_setting('detect.lookback_days') || ' days' AS INTERVAL)
      AND minute < date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z')
      AND component IN (SELECT DISTINCT component FROM windowed)
    GROUP BY 1, 2, 3
),
-- The lookback's real length: from its first event (data may start inside it) to its end.
span AS (
    SELECT (to_unixtime(date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z'))
            - to_unixtime(min(first_ts))) / 60.0 AS minutes
    FROM lookback
),
lifted AS (
    SELECT w.*,
           (w.events / w.subject_minutes)
             / ((greatest(coalesce(l.events, 0) - w.events, 0) + 1.0)
                / greatest(span.minutes - w.subject_minutes, 1.0)) AS lift
    FROM windowed w
    CROSS JOIN span
    LEFT JOIN lookback l
      ON l.component = w.component AND l.template = w.template
     AND (l.operation IS NOT DISTINCT FROM w.operation)
),
ranked AS (
    SELECT *, row_number() OVER (PARTITION BY subject_id ORDER BY lift DESC, events DESC, template) AS rank
    FROM lifted
    WHERE lift >= shape_number('detect.min_lift')
)
SELECT subject_id, subject_kind, rank, component, operation, template, template_id(template) AS template_id,
       lift, events, sample_source, sample_line, main_anomaly_id
FROM ranked;

-- root_causes also says which incident a subject belongs to (a breach's: that of its main
-- anomaly, rank 1 in breach_anomalies) and why the cause ranks where it does.
CREATE VIEW root_causes AS
SELECT c.subject_id, c.subject_kind, c.rank, c.component, c.operation, c.template, c.template_id,
       c.lift, c.events, c.sample_source, c.sample_line, m.incident_id,
       'lift ' || CAST(round(c.lift, 1) AS VARCHAR) || 'x in the window over the lookback'
         || CASE WHEN m.cause_template IS NOT NULL AND m.cause_template = c.template
                 THEN '; the template of its incident''s first suspect' ELSE '' END
         || CASE WHEN m.suspect_rank IS NOT NULL
                 THEN '; suspect ' || CAST(m.suspect_rank AS VARCHAR) || ' of its incident: ' || m.why
                 ELSE '' END AS why
FROM root_cause_candidates c
LEFT JOIN incident_members m ON m.anomaly_id = c.main_anomaly_id
WHERE c.rank <= shape_integer('detect.max_causes')
