-- sli_metrics: per component and 5-minute bucket, what the service did: requests, errors,
-- availability and error rate (outcome), latency percentiles (approximate, t-digest) and
-- throughput. Percentiles are reported here, never used as the SLI (SLIs count good events
-- exactly). Filter on `time` (e.g. Grafana's $__timeFilter(time)) to read a range.
CREATE VIEW sli_metrics AS
SELECT
    date_bin(INTERVAL '5 minutes', ts, TIMESTAMP '1970-01-01T00:00:00Z') AS time,
    component,
    count(*) AS requests,
    sum(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) AS errors,
    1.0 - sum(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) / CAST(count(*) AS DOUBLE) AS availability,
    sum(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) / CAST(count(*) AS DOUBLE) AS error_rate,
    approx_percentile_cont(duration_ms, 0.50) AS p50_ms,
    approx_percentile_cont(duration_ms, 0.95) AS p95_ms,
    approx_percentile_cont(duration_ms, 0.99) AS p99_ms,
    count(*) / 300.0 AS throughput_rps
FROM events
GROUP BY 1, 2
