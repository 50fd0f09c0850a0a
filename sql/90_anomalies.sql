-- anomaly_buckets: the one read behind `anomalies`: the per-minute rows of `detect_minutes`
-- (the detection rollups, and events of runs not rolled up yet) summed into buckets. One row
-- per component, operation, bucket and template, over [as_of - lookback, as_of) in whole
-- buckets (the bucket holding as_of is still filling, so it is left out). `template` is set
-- for WARN/ERROR/FATAL and failed events (log_template(message)); the operation's other
-- events share the row with template NULL. `slow` counts events slower than the tightest
-- latency SLO of the operation, else of the component (the setting
-- shape.detect.slow_threshold_ms, made from slo_definitions). Bucket length and lookback:
-- shape.detect.bucket_minutes and shape.detect.lookback_days.
CREATE VIEW anomaly_buckets AS
SELECT m.component, m.operation,
       to_unixtime(m.minute) / (shape_integer('detect.bucket_minutes') * 60) AS bucket,
       CASE WHEN m.level IN ('WARN', 'ERROR', 'FATAL') OR m.outcome = 'error' THEN m.template END AS template,
       sum(m.events) AS events,
       sum(m.errors) AS errors,
       sum(m.slow) AS slow,
       sum(m.log_latency_sum) AS log_latency_sum,
       sum(m.timed) AS timed
FROM detect_minutes m
WHERE m.minute >= date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z') - CAST(shape_setting('detect.lookback_days') || ' days' AS INTERVAL)
  AND m.minute < date_bin(CAST(shape_setting('detect.bucket_minutes') || ' minutes' AS INTERVAL), shape_as_of(), TIMESTAMP '1970-01-01T00:00:00Z')
GROUP BY 1, 2, 3, 4;

-- anomalies: one row per anomaly in the lookback before shape.as_of: a run of consecutive
-- buckets in which one operation (template NULL) or one WARN/ERROR template of it leaves its
-- robust baseline. Baselines come from the same lookback: medians (and MADs) over the
-- operation's buckets, so a short incident cannot move them. Traffic is judged by the
-- operation's share of all events in the bucket (median share, per hour of day once there are 3
-- days of history): daily cycles and quiet nights move every operation alike and are not
-- anomalies; a whole-service outage shows in the throughput SLOs instead. The thresholds below are
-- the session's shape.detect.* settings (from [detect]; SHOW ALL lists them). Kinds, first
-- match wins per operation and bucket:
--   traffic_drop        events <= drop_ratio x baseline, and a z-score of counting noise
--                       (x - baseline) / sqrt(baseline) <= -z_threshold
--   traffic_surge       events >= surge_ratio x baseline and the counting z >= z_threshold
--   race_condition      an error burst whose errors mostly match race_pattern
--   error_burst         errors >= min_errors, rate >= min_error_rate and >= error_ratio x usual
--   latency_regression  geometric-mean latency >= latency_ratio x usual and robust z >= z_threshold
-- and per template: race_condition (race_pattern), new_template (first seen after a day of
-- history), template_storm (count >= template_min_count and >= template_ratio x its usual count).
-- Severity comes from the error budget the anomaly burnt, not from the score:
--   bad_events: failures beyond the usual rate (error kinds, surges, templates), events slower
--   than the latency SLO beyond the usual share (latency; none without a latency SLO), or the
--   requests that did not arrive (traffic_drop: a request that never reaches the service failed
--   for its user). budget_burned = bad_events / (B x the component's events in 30 days at its
--   lookback rate), B = 1 - objective of the tightest matching SLO (else [detect]
--   default_objective). CRITICAL >= critical_budget, HIGH >= high_budget, MEDIUM >= medium_budget,
--   else LOW. budget_minutes = bad_events / the component's events per minute: the budget
--   minutes fixing it wins back.
-- anomaly_id: a hash of component, operation, template, kind and window start: stable while the
-- anomaly lasts and across queries.
-- anomaly_baselines (the first stage of `anomalies`): each bucket row of anomaly_buckets with
-- its operation's totals in the bucket and the robust baselines of its operation and template.
CREATE VIEW anomaly_baselines AS
-- The race pattern is matched in a projection of its own: inside the window below, the regex
-- was compiled again for every (component, operation, bucket) partition (1.3 s of 1.6 s at
-- 33k bucket rows).
WITH r AS (
    SELECT *,
           CASE WHEN template IS NOT NULL AND regexp_like(template, shape_setting('detect.race_pattern')) THEN errors ELSE 0 END AS race_errors
    FROM anomaly_buckets
),
b AS (
    SELECT * EXCLUDE (race_errors),
           sum(events) OVER (PARTITION BY component, operation, bucket) AS op_events,
           sum(errors) OVER (PARTITION BY component, operation, bucket) AS op_errors,
           sum(slow) OVER (PARTITION BY component, operation, bucket) AS op_slow,
           sum(timed) OVER (PARTITION BY component, operation, bucket) AS op_timed,
           sum(log_latency_sum) OVER (PARTITION BY component, operation, bucket)
             / nullif(sum(timed) OVER (PARTITION BY component, operation, bucket), 0) AS op_log_latency,
           sum(race_errors) OVER (PARTITION BY component, operation, bucket) AS op_race_errors,
           row_number() OVER (PARTITION BY component, operation, bucket ORDER BY template NULLS FIRST) = 1 AS carrier,
           min(bucket) OVER () AS span_start,
           max(bucket) OVER () AS span_end,
           min(bucket) OVER (PARTITION BY component, operation, template) AS first_bucket,
           count(*) OVER (PARTITION BY component, operation, template) AS present_buckets,
           sum(events) OVER (PARTITION BY component) AS component_events,
           sum(events) OVER (PARTITION BY bucket) AS all_events,
           (bucket * (shape_integer('detect.bucket_minutes') * 60) / 3600) % 24 AS hour_of_day
    FROM r
),
c AS (
    SELECT *,
           span_end - span_start + 1 AS span_buckets,
           median(CASE WHEN carrier THEN op_events / CAST(all_events AS DOUBLE) END) OVER (PARTITION BY component, operation) AS share_all,
           median(CASE WHEN carrier THEN op_events / CAST(all_events AS DOUBLE) END) OVER (PARTITION BY component, operation, hour_of_day) AS share_hour,
           count(CASE WHEN carrier THEN 1 END) OVER (PARTITION BY component, operation, hour_of_day) AS hour_samples,
           median(CASE WHEN carrier THEN op_log_latency END) OVER (PARTITION BY component, operation) AS base_log_latency,
           sum(CASE WHEN carrier THEN op_errors END) OVER (PARTITION BY component, operation)
             / CAST(sum(CASE WHEN carrier THEN op_events END) OVER (PARTITION BY component, operation) AS DOUBLE) AS base_error_rate,
           sum(CASE WHEN carrier THEN op_slow END) OVER (PARTITION BY component, operation)
             / CAST(nullif(sum(CASE WHEN carrier THEN op_timed END) OVER (PARTITION BY component, operation), 0) AS DOUBLE) AS base_slow_rate,
           median(events) OVER (PARTITION BY component, operation, template) AS template_median_present
    FROM b
),
d AS (
    SELECT *,
           all_events * CASE WHEN hour_samples >= 3 * (3600 / (shape_integer('detect.bucket_minutes') * 60)) THEN share_hour ELSE share_all END AS base_events,
           CASE WHEN present_buckets * 2 < span_buckets THEN 0.0 ELSE CAST(template_median_present AS DOUBLE) END AS template_usual
    FROM c
),
e AS (
    SELECT *,
           median(CASE WHEN carrier THEN abs(op_events - base_events) END) OVER (PARTITION BY component, operation) AS mad_events,
           median(CASE WHEN carrier THEN abs(op_log_latency - base_log_latency) END) OVER (PARTITION BY component, operation) AS mad_log_latency
    FROM d
)
SELECT * FROM e;

-- anomaly_scores: every operation bucket and every template bucket of anomaly_baselines judged
-- against its baseline (kind NULL: nothing unusual), with what it measured and the budget
-- share its bad events burn.
CREATE VIEW anomaly_scores AS
WITH scored AS (
    SELECT *,
           (op_events - base_events) / greatest(1.4826 * mad_events, sqrt(greatest(base_events, 1.0))) AS z_events,
           -- counting noise only: the ratio rules carry the effect size, this guards small counts
           (op_events - base_events) / sqrt(greatest(base_events, 1.0)) AS z_counts,
           (op_log_latency - base_log_latency) / greatest(1.4826 * mad_log_latency, 0.05) AS z_latency,
           coalesce(base_error_rate, 0.0) AS usual_error_rate
    FROM anomaly_baselines
),
-- Each row is judged twice: as its operation's bucket (once per bucket, on the carrier row)
-- and as its template's bucket. The cross join keeps this to one read of the rollups.
judged AS (
    SELECT s.*, v.level,
           CASE
             WHEN v.level = 'operation' THEN CASE
               WHEN base_events >= shape_integer('detect.min_events') AND op_events <= shape_number('detect.drop_ratio') * base_events
                    AND z_counts <= -shape_number('detect.z_threshold') THEN 'traffic_drop'
               WHEN op_events >= shape_integer('detect.min_events') AND op_events >= shape_number('detect.surge_ratio') * greatest(base_events, 1.0)
                    AND z_counts >= shape_number('detect.z_threshold') THEN 'traffic_surge'
               WHEN op_errors >= shape_integer('detect.min_errors') AND op_errors >= shape_number('detect.min_error_rate') * op_events
                    AND op_errors >= shape_number('detect.error_ratio') * greatest(usual_error_rate, 0.0001) * op_events
                 THEN CASE WHEN op_race_errors * 2 >= op_errors THEN 'race_condition' ELSE 'error_burst' END
               WHEN op_timed >= 10 AND op_log_latency - base_log_latency >= ln(shape_number('detect.latency_ratio'))
                    AND z_latency >= shape_number('detect.z_threshold') THEN 'latency_regression'
             END
             ELSE CASE
               WHEN events >= shape_integer('detect.template_min_count') AND events >= shape_number('detect.template_ratio') * greatest(template_usual, 1.0)
                 THEN CASE WHEN regexp_like(template, shape_setting('detect.race_pattern')) THEN 'race_condition'
                           WHEN first_bucket - span_start >= 86400 / (shape_integer('detect.bucket_minutes') * 60) THEN 'new_template'
                           ELSE 'template_storm' END
             END
           END AS kind
    FROM scored s
    CROSS JOIN (VALUES ('operation'), ('template')) AS v(level)
    WHERE (v.level = 'operation' AND s.carrier) OR (v.level = 'template' AND s.template IS NOT NULL)
),
measured AS (
    SELECT component, operation,
           CASE WHEN level = 'template' THEN template END AS template,
           kind, bucket, span_buckets, component_events,
           CASE WHEN level = 'template' THEN CAST(events AS DOUBLE)
                WHEN kind IN ('traffic_drop', 'traffic_surge') THEN CAST(op_events AS DOUBLE)
                WHEN kind = 'latency_regression' THEN exp(op_log_latency)
                ELSE op_errors / CAST(op_events AS DOUBLE) END AS observed,
           CASE WHEN level = 'template' THEN template_usual
                WHEN kind IN ('traffic_drop', 'traffic_surge') THEN base_events
                WHEN kind = 'latency_regression' THEN exp(base_log_latency)
                ELSE usual_error_rate END AS baseline,
           CASE WHEN level = 'template' THEN (events - template_usual) / sqrt(greatest(template_usual, 1.0))
                WHEN kind IN ('traffic_drop', 'traffic_surge') THEN z_events
                WHEN kind = 'latency_regression' THEN z_latency
                ELSE (op_errors - usual_error_rate * op_events)
                     / sqrt(greatest(usual_error_rate * (1.0 - usual_error_rate) * op_events, 1.0)) END AS score,
           CASE WHEN level = 'template' THEN events ELSE op_events END AS bucket_events,
           CASE WHEN level = 'template' THEN greatest(errors - template_usual * errors / greatest(events, 1), 0.0)
                WHEN kind = 'traffic_drop' THEN greatest(base_events - op_events, 0.0)
                WHEN kind = 'latency_regression' THEN greatest(op_slow - coalesce(base_slow_rate, 0.0) * op_timed, 0.0)
                ELSE greatest(op_errors - usual_error_rate * op_events, 0.0) END AS bad_events
    FROM judged
    WHERE kind IS NOT NULL
),
-- The budget share an anomaly burns: of the latency SLO for an operation's latency, else of
-- the failure SLOs (detect_objectives), operation first, then component, then the default.
priced AS (
    SELECT m.*,
           CASE WHEN m.kind = 'latency_regression' AND m.template IS NULL
                  THEN coalesce(o.latency_budget, c.latency_budget)
                ELSE greatest(coalesce(o.error_budget, c.error_budget,
                                       1.0 - shape_number('detect.default_objective')), 0.000001)
           END AS budget_share
    FROM measured m
    LEFT JOIN detect_objectives o ON o.component = m.component AND o.operation = m.operation
    LEFT JOIN detect_objectives c ON c.component = m.component AND c.operation IS NULL
)
SELECT * FROM priced;

-- anomalies: the judged buckets of anomaly_scores merged into runs of consecutive buckets per
-- component, operation, template and kind, and graded by the error budget they burnt.
CREATE VIEW anomalies AS
WITH runs AS (
    SELECT *,
           bucket - row_number() OVER (PARTITION BY component, operation, template, kind ORDER BY bucket) AS run
    FROM anomaly_scores
),
merged AS (
    SELECT component, operation, template, kind,
           min(bucket) AS first_bucket, max(bucket) + 1 AS end_bucket,
           avg(observed) AS observed, avg(baseline) AS baseline,
           CASE WHEN kind = 'traffic_drop' THEN min(score) ELSE max(score) END AS score,
           sum(bucket_events) AS events, sum(bad_events) AS bad_events, max(budget_share) AS budget_share,
           max(component_events) / (max(span_buckets) * CAST(shape_integer('detect.bucket_minutes') AS DOUBLE)) AS component_events_per_minute
    FROM runs
    GROUP BY component, operation, template, kind, run
),
graded AS (
    SELECT *,
           bad_events / (budget_share * component_events_per_minute * 43200.0) AS budget_burned,
           bad_events / component_events_per_minute AS budget_minutes
    FROM merged
)
SELECT substr(md5(concat_ws('|', coalesce(component, '-'), coalesce(operation, '-'), coalesce(template, '-'),
                            kind, CAST(first_bucket * (shape_integer('detect.bucket_minutes') * 60) AS VARCHAR))), 1, 16) AS anomaly_id,
       component, operation,
       CASE WHEN template IS NOT NULL THEN template_id(template) END AS template_id,
       template, kind,
       CASE WHEN coalesce(budget_burned, 0.0) >= shape_number('detect.critical_budget') THEN 'CRITICAL'
            WHEN coalesce(budget_burned, 0.0) >= shape_number('detect.high_budget') THEN 'HIGH'
            WHEN coalesce(budget_burned, 0.0) >= shape_number('detect.medium_budget') THEN 'MEDIUM'
            ELSE 'LOW' END AS severity,
       arrow_cast(to_timestamp_micros(first_bucket * (shape_integer('detect.bucket_minutes') * 60) * 1000000), 'Timestamp(Microsecond, Some("UTC"))') AS window_start,
       arrow_cast(to_timestamp_micros(end_bucket * (shape_integer('detect.bucket_minutes') * 60) * 1000000), 'Timestamp(Microsecond, Some("UTC"))') AS window_end,
       observed, baseline, score, events, bad_events,
       coalesce(budget_burned, 0.0) AS budget_burned,
       coalesce(budget_minutes, 0.0) AS budget_minutes
FROM graded
