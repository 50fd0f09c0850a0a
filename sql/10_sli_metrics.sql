-- sli_metrics: per component and 5-minute bucket, what the service did: requests, errors,
-- availability and error rate (outcome), latency percentiles and throughput. Read from
-- `detect_minutes` (the detection rollups, and events of runs not rolled up yet): the
-- percentiles come from merged DDSketches, within 1% of the exact value. Percentiles are
-- reported here, never used as the SLI (SLIs count good events exactly). Filter on `time`
-- (e.g. Grafana's $__timeFilter(time)) to read a range.
CREATE VIEW sli_metrics AS
SELECT
    date_bin(INTERVAL '5 minutes', minute, TIMESTAMP '1970-01-01T00:00:00Z') AS time,
    component,
    sum(events) AS requests,
    sum(errors) AS errors,
    1.0 - sum(errors) / CAST(sum(events) AS DOUBLE) AS availability,
    sum(errors) / CAST(sum(events) AS DOUBLE) AS error_rate,
    sketch_quantile(merge_sketches(latency_sketch), 0.50) AS p50_ms,
    sketch_quantile(merge_sketches(latency_sketch), 0.95) AS p95_ms,
    sketch_quantile(merge_sketches(latency_sketch), 0.99) AS p99_ms,
    sum(events) / 300.0 AS throughput_rps
FROM detect_minutes
GROUP BY 1, 2
