-- ingest_summary: one row per source: what every run read from it, and whether the
-- accounting balances: lines + extra_records = rows + rejects + blank + continued, where
-- continued counts the lines multi-line events joined after their first, and extra_records
-- the rows and rejects after the first of the records one line held (OTLP batches, JSON
-- arrays). A row with balanced = false is a bug.
CREATE VIEW ingest_summary AS
SELECT
    source,
    count(*) AS runs,
    max(finished_at) AS last_ingest_at,
    max(to_offset) AS bytes_read,
    sum(lines) AS lines,
    sum("rows") AS "rows",
    sum(rejects) AS rejects,
    sum(blank) AS blank,
    sum(coalesce(continued, 0)) AS continued,
    sum(coalesce(extra_records, 0)) AS extra_records,
    sum(lines) + sum(coalesce(extra_records, 0))
        = sum("rows") + sum(rejects) + sum(blank) + sum(coalesce(continued, 0)) AS balanced
FROM ingest_log
GROUP BY source
