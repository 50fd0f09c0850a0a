-- anomaly_onsets: the minute each anomaly began, finer than its bucket-aligned window: the
-- first minute of its window (opened one bucket early) in which its own signal crossed the
-- line it is judged by. A template anomaly: its template logged at least twice in a minute
-- (once for a new template); error kinds: two failures in a minute; a latency regression: the
-- minute's geometric-mean latency at latency_ratio x its baseline; traffic: the minute's events
-- past surge_ratio / drop_ratio x the baseline's share of a minute. An anomaly whose signal
-- no single minute shows starts with its window.
CREATE VIEW anomaly_onsets AS
WITH a AS (
    SELECT anomaly_id, component, operation, template, kind, baseline, window_start, window_end,
           window_start - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL) AS opened
    FROM anomalies
),
templates AS (
    SELECT minute, component, operation, template, sum(events) AS events
    FROM detect_minutes
    WHERE template IS NOT NULL AND (level IN ('WARN', 'ERROR', 'FATAL') OR outcome = 'error')
      AND minute >= date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z') - CAST(shape_setting('detect.lookback_days') || ' days' AS INTERVAL) - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL)
    GROUP BY 1, 2, 3, 4
),
operations AS (
    SELECT minute, component, operation, sum(events) AS events, sum(errors) AS errors,
           exp(sum(log_latency_sum) / nullif(sum(timed), 0)) AS latency
    FROM detect_minutes
    -- the lookback, and the bucket before it that the first windows open on (no read of
    -- `a` here: each reference of a view is planned again)
    WHERE minute >= date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z') - CAST(shape_setting('detect.lookback_days') || ' days' AS INTERVAL) - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL)
    GROUP BY 1, 2, 3
),
found AS (
    SELECT a.anomaly_id, min(t.minute) AS onset
    FROM a
    JOIN templates t
      ON t.component = a.component AND (t.operation IS NOT DISTINCT FROM a.operation)
     AND t.template = a.template AND t.minute >= a.opened AND t.minute < a.window_end
     AND t.events >= CASE WHEN a.kind = 'new_template' THEN 1 ELSE 2 END
    GROUP BY 1
    UNION ALL
    SELECT a.anomaly_id, min(o.minute)
    FROM a
    JOIN operations o
      ON o.component = a.component AND (o.operation IS NOT DISTINCT FROM a.operation)
     AND o.minute >= a.opened AND o.minute < a.window_end
     AND CASE WHEN a.kind IN ('error_burst', 'race_condition') THEN o.errors >= 2
              WHEN a.kind = 'latency_regression' THEN o.latency >= a.baseline * shape_number('detect.latency_ratio')
              WHEN a.kind = 'traffic_surge'
                THEN o.events >= shape_number('detect.surge_ratio') * a.baseline / shape_integer('detect.bucket_minutes')
              WHEN a.kind = 'traffic_drop'
                THEN o.events <= shape_number('detect.drop_ratio') * a.baseline / shape_integer('detect.bucket_minutes')
              ELSE false END
    WHERE a.template IS NULL
    GROUP BY 1
)
SELECT a.anomaly_id, coalesce(min(f.onset), a.window_start) AS onset
FROM a
LEFT JOIN found f ON f.anomaly_id = a.anomaly_id
GROUP BY a.anomaly_id, a.window_start;

-- incident_members: every anomaly with the incident it belongs to, ranked as a suspect.
-- Candidates are first chained in onset order: an anomaly whose onset comes within
-- detect.incident_gap_minutes of the one before it, or inside the window of an earlier anomaly
-- of its component, is in the same chain (what goes wrong together starts together; a
-- cascade's effects follow their cause by minutes). A chain is then cut along what the logs
-- say (anomaly_links): its members are one incident when linked through the same component,
-- the same service, shared trace ids, a call (one's failures name the other's service) or a
-- shared host; an anomaly whose logs carry no trace ids or peer names ("observed") joins the
-- anomaly before it by time alone, so logs without such fields chain as before, while two
-- traced incidents that merely overlap stay apart.
-- Suspect rank within the incident: what changed first (onset); among simultaneous onsets
-- the one furthest upstream (called by other members and calling none of them), then the
-- kind that says most about a cause (a new log template, a race, a template storm, a latency
-- regression, then failures and traffic), then the component's total budget burnt.
-- incident_id: a hash of the first member's anomaly_id (stable while that anomaly lasts).
-- services: the services of the anomaly's events. why: the evidence that ranked the member.
-- cause_template: the template of the incident's first suspect.
CREATE VIEW incident_members AS
WITH timed AS (
    SELECT a.*, o.onset,
           CASE a.kind WHEN 'new_template' THEN 0 WHEN 'race_condition' THEN 1
                       WHEN 'template_storm' THEN 2 WHEN 'latency_regression' THEN 3
                       WHEN 'error_burst' THEN 4 ELSE 5 END AS kind_order,
           coalesce(l.traced, false) AS traced, l.linked, l.services,
           coalesce(l.callers, 0) AS callers, coalesce(l.traced_with, 0) AS traced_with,
           CASE WHEN l.callers > 0 AND l.callees = 0 THEN 0 WHEN l.callers > 0 THEN 1
                WHEN coalesce(l.callees, 0) = 0 THEN 2 ELSE 3 END AS upstream_order
    FROM anomalies a
    JOIN anomaly_onsets o ON o.anomaly_id = a.anomaly_id
    LEFT JOIN (
        SELECT anomaly_id,
               bool_or(link = 'observed') AS traced,
               array_agg(DISTINCT other_id) FILTER (WHERE other_id <> anomaly_id) AS linked,
               array_to_string(array_sort(array_agg(DISTINCT detail) FILTER (WHERE link = 'service')), ', ') AS services,
               count(DISTINCT other_id) FILTER (WHERE link = 'called by') AS callers,
               count(DISTINCT other_id) FILTER (WHERE link = 'calls') AS callees,
               count(DISTINCT other_id) FILTER (WHERE link = 'shared trace ids') AS traced_with
        FROM anomaly_links
        GROUP BY anomaly_id
    ) l ON l.anomaly_id = a.anomaly_id
),
chained AS (
    SELECT *,
           CASE WHEN lag(onset) OVER (ORDER BY onset, kind_order, anomaly_id) IS NULL THEN 1
                WHEN onset <= lag(onset) OVER (ORDER BY onset, kind_order, anomaly_id)
                              + CAST(shape_setting('detect.incident_gap_minutes') || ' minutes' AS INTERVAL) THEN 0
                -- still inside an earlier anomaly of its component: the same trouble, later signs
                WHEN onset < max(window_end) OVER (PARTITION BY component ORDER BY onset, kind_order, anomaly_id
                                                   ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) THEN 0
                ELSE 1 END AS opens
    FROM timed
),
numbered AS (
    SELECT *, sum(opens) OVER (ORDER BY onset, kind_order, anomaly_id ROWS UNBOUNDED PRECEDING) AS chain_seq
    FROM chained
),
-- Each member's neighbours in its chain: its links, the member of its component before it,
-- and (not observed) the member before it.
neighboured AS (
    SELECT *,
           lag(anomaly_id) OVER (PARTITION BY chain_seq, component ORDER BY onset, kind_order, anomaly_id) AS previous_of_component,
           CASE WHEN NOT traced THEN lag(anomaly_id) OVER (PARTITION BY chain_seq ORDER BY onset, kind_order, anomaly_id) END AS previous_in_time
    FROM numbered
),
edges AS (
    SELECT *, unnest(array_concat(make_array(anomaly_id, previous_of_component, previous_in_time),
                                  coalesce(linked, make_array(CAST(NULL AS VARCHAR))))) AS neighbour
    FROM neighboured
),
labelled AS (
    SELECT *, linked_group(anomaly_id, neighbour) OVER (PARTITION BY chain_seq) AS label
    FROM edges
),
grouped AS (
    SELECT *,
           first_value(anomaly_id) OVER (PARTITION BY chain_seq, label ORDER BY onset, kind_order, anomaly_id) AS first_member,
           min(onset) OVER (PARTITION BY chain_seq, label) AS incident_onset,
           count(*) OVER (PARTITION BY chain_seq, label, onset) AS same_onset,
           sum(budget_burned) OVER (PARTITION BY chain_seq, label, component) AS component_budget
    FROM labelled
    WHERE neighbour = anomaly_id
),
ranked AS (
    SELECT *,
           row_number() OVER (PARTITION BY chain_seq, label ORDER BY onset, upstream_order, kind_order, component_budget DESC, anomaly_id) AS suspect_rank,
           first_value(template) OVER (PARTITION BY chain_seq, label ORDER BY onset, upstream_order, kind_order, component_budget DESC, anomaly_id) AS cause_template,
           min(CASE WHEN onset > incident_onset THEN onset END) OVER (PARTITION BY chain_seq, label) AS next_onset
    FROM grouped
)
SELECT substr(md5(concat('incident|', first_member)), 1, 16) AS incident_id,
       suspect_rank, anomaly_id, services, component, operation, template_id, template, kind, severity,
       onset, window_start, window_end, budget_burned, budget_minutes, cause_template,
       CASE WHEN onset = incident_onset AND same_onset = 1 AND next_onset IS NOT NULL
              THEN 'first onset, ' || CAST(CAST((to_unixtime(next_onset) - to_unixtime(onset)) / 60 AS BIGINT) AS VARCHAR) || ' min before the next'
            WHEN onset = incident_onset AND same_onset = 1 THEN 'first onset'
            WHEN onset = incident_onset
              THEN 'first onset, with ' || CAST(same_onset - 1 AS VARCHAR) || ' others; ' || replace(kind, '_', ' ')
            ELSE CAST(CAST((to_unixtime(onset) - to_unixtime(incident_onset)) / 60 AS BIGINT) AS VARCHAR) || ' min after the first onset'
       END
       || CASE WHEN callers > 0 THEN '; upstream: called by ' || CAST(callers AS VARCHAR) || ' other' || CASE WHEN callers > 1 THEN 's' ELSE '' END ELSE '' END
       || CASE WHEN traced_with > 0 THEN '; shares trace ids with ' || CAST(traced_with AS VARCHAR) ELSE '' END AS why
FROM ranked;

-- incidents: one row per incident of incident_members: its onset and end, the services and
-- components it touched, how many anomalies it holds, its first suspect (suspect_rank 1: component,
-- operation, template, kind), and the error budget it burnt in total (each component's worst
-- anomaly, summed: an error burst and its template storm are the same failures), graded like
-- an anomaly (critical_budget, high_budget, medium_budget).
CREATE VIEW incidents AS
-- One read of incident_members: each component's worst budget and best suspect, then the
-- incident's.
WITH per_component AS (
    SELECT incident_id, component,
           max(budget_burned) AS budget_burned, max(budget_minutes) AS budget_minutes,
           min(onset) AS onset, max(window_end) AS window_end, count(*) AS anomalies,
           min(suspect_rank) AS best_rank,
           array_distinct(flatten(array_agg(coalesce(string_to_array(services, ', '), make_array(CAST(NULL AS VARCHAR)))))) AS services_list,
           first_value(operation ORDER BY suspect_rank) AS operation,
           first_value(template ORDER BY suspect_rank) AS template,
           first_value(kind ORDER BY suspect_rank) AS kind,
           first_value(anomaly_id ORDER BY suspect_rank) AS anomaly_id
    FROM incident_members
    GROUP BY 1, 2
),
per_incident AS (
    SELECT incident_id, min(onset) AS onset, max(window_end) AS window_end,
           sum(anomalies) AS anomalies,
           array_to_string(array_sort(array_distinct(flatten(array_agg(services_list)))), ', ') AS services,
           string_agg(component, ', ' ORDER BY component) AS components,
           first_value(component ORDER BY best_rank) AS cause_component,
           first_value(operation ORDER BY best_rank) AS cause_operation,
           first_value(template ORDER BY best_rank) AS cause_template,
           first_value(kind ORDER BY best_rank) AS cause_kind,
           first_value(anomaly_id ORDER BY best_rank) AS cause_anomaly_id,
           sum(budget_burned) AS budget_burned, sum(budget_minutes) AS budget_minutes
    FROM per_component
    GROUP BY 1
)
SELECT incident_id,
       CASE WHEN budget_burned >= shape_number('detect.critical_budget') THEN 'CRITICAL'
            WHEN budget_burned >= shape_number('detect.high_budget') THEN 'HIGH'
            WHEN budget_burned >= shape_number('detect.medium_budget') THEN 'MEDIUM'
            ELSE 'LOW' END AS severity,
       onset, window_end, anomalies, services, components,
       cause_component, cause_operation, cause_template, cause_kind, cause_anomaly_id,
       budget_burned, budget_minutes
FROM per_incident;
