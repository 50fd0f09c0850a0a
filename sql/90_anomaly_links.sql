-- anomaly_links: what the logs say ties two anomalies together, read from the events of each
-- anomaly's window (opened one bucket early) on its component (and operation, if it has one).
-- Pairs whose windows come within detect.incident_gap_minutes of each other, one row per pair
-- and kind of link:
--   same service       both anomalies' events come from one service (one process, one deploy);
--   shared trace ids   their failing events (WARN and worse, failed, or slower than the
--                      component's slow threshold) share at least two trace ids: the same
--                      requests went wrong in both;
--   calls / called by  the failing events of one name the other's service: a peer attribute
--                      (peer.service, service.peer.name, upstream, upstream_service,
--                      upstream_cluster, server.address, net.peer.name) or a word of the
--                      message ("inventory-db timeout"); the named one is upstream of the
--                      failure, the first suspect's side;
--   name the same service  both point at one service (two callers of a failing dependency);
--   shared host        their failing events carry the same host, hostname or host.name;
--   shared template    both are anomalies of one log template (on two components: the same
--                      message in two places is one story).
-- And rows of an anomaly with itself: `service` (detail: a service of its events) and
-- `observed` (its failing events carry trace ids or peer names, so the links above are
-- evidence enough: incident_members does not join it to others by time alone).
-- shared: how many trace ids, services or hosts the link rests on; detail: one of them.
CREATE VIEW anomaly_links AS
WITH a AS (
    SELECT anomaly_id, component, operation, template, window_end,
           window_start - CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL) AS opened
    FROM anomalies
),
seen AS (
    SELECT a.anomaly_id, a.opened, a.window_end, a.template, e.service, e.trace_id, e.message,
           (e.level IN ('WARN', 'ERROR', 'FATAL') OR e.outcome = 'error'
            OR e.duration_ms > shape_scoped_number('detect.slow_threshold_ms', e.component, e.operation)) AS failing,
           coalesce(json_get_str(e.attributes, 'peer.service'), json_get_str(e.attributes, 'service.peer.name'),
                    json_get_str(e.attributes, 'upstream'), json_get_str(e.attributes, 'upstream_service'),
                    json_get_str(e.attributes, 'upstream_cluster'), json_get_str(e.attributes, 'server.address'),
                    json_get_str(e.attributes, 'net.peer.name')) AS peer,
           coalesce(json_get_str(e.attributes, 'host'), json_get_str(e.attributes, 'hostname'),
                    json_get_str(e.attributes, 'host.name')) AS host
    -- the anomalies first: the hash join's build side is the small one (a view has no
    -- statistics for the planner to swap by)
    FROM a
    JOIN evidence_events e ON e.component = a.component AND (a.operation IS NULL OR e.operation = a.operation)
          AND e.ts >= a.opened AND e.ts < a.window_end
),
-- Every event's keys in one string, split once (one pass over the events): S= its service,
-- M= the anomaly's template, and for failing events T= trace id, P= peer, H= host, N= each
-- word of the message.
keys AS (
    SELECT DISTINCT anomaly_id, opened, window_end, key
    FROM (SELECT anomaly_id, opened, window_end,
                 unnest(string_to_array(concat_ws(chr(31),
                     'S=' || service,
                     'M=' || template,
                     CASE WHEN failing THEN 'T=' || trace_id END,
                     CASE WHEN failing THEN 'P=' || peer END,
                     CASE WHEN failing THEN 'H=' || host END,
                     CASE WHEN failing THEN 'N=' || regexp_replace(message, '[^A-Za-z0-9_.-]+', chr(31) || 'N=', 'g') END),
                   chr(31))) AS key
          FROM seen) k
    -- words that cannot be a service name (empty, numbers) name nothing
    WHERE length(key) > 2 AND NOT (substr(key, 1, 2) = 'N=' AND regexp_like(key, '^N=[0-9.-]'))
),
holders AS (
    SELECT substr(key, 3) AS value, bool_or(substr(key, 1, 1) = 'S') AS is_service,
           array_agg(named_struct('id', anomaly_id, 'kind', substr(key, 1, 1), 'opened', opened, 'ends', window_end)) AS holders
    FROM keys
    GROUP BY 1
),
pairs AS (
    SELECT value, is_service, x, unnest(holders) AS y
    FROM (SELECT value, is_service, holders, unnest(holders) AS x FROM holders) h
),
linked AS (
    SELECT x['id'] AS anomaly_id, y['id'] AS other_id, value,
           CASE WHEN x['id'] = y['id'] THEN
                  CASE WHEN x['kind'] = 'S' AND y['kind'] = 'S' THEN 'service'
                       WHEN x['kind'] IN ('T', 'P') AND y['kind'] = x['kind'] THEN 'observed' END
                WHEN x['opened'] >= y['ends'] + CAST(shape_setting('detect.incident_gap_minutes') || ' minutes' AS INTERVAL)
                  OR y['opened'] >= x['ends'] + CAST(shape_setting('detect.incident_gap_minutes') || ' minutes' AS INTERVAL) THEN NULL
                WHEN x['kind'] = 'S' AND y['kind'] = 'S' THEN 'same service'
                WHEN x['kind'] = 'T' AND y['kind'] = 'T' THEN 'shared trace ids'
                WHEN x['kind'] = 'H' AND y['kind'] = 'H' THEN 'shared host'
                WHEN x['kind'] = 'M' AND y['kind'] = 'M' THEN 'shared template'
                WHEN x['kind'] IN ('N', 'P') AND y['kind'] = 'S' THEN 'calls'
                WHEN x['kind'] = 'S' AND y['kind'] IN ('N', 'P') THEN 'called by'
                WHEN x['kind'] IN ('N', 'P') AND y['kind'] IN ('N', 'P') AND is_service THEN 'name the same service'
           END AS link
    FROM pairs
)
SELECT anomaly_id, other_id, link, count(*) AS shared, min(value) AS detail
FROM linked
WHERE link IS NOT NULL
GROUP BY anomaly_id, other_id, link, CASE WHEN link = 'service' THEN value END
HAVING link <> 'shared trace ids' OR count(*) >= 2;
