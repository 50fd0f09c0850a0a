//! Real-world formats without configuration: a hand-written corpus per format (shaped after
//! each format's documentation and its tools' examples), checked field by field, with the
//! lineage of every row (multi-line ones included) read back from the sources.

use std::path::Path;
use std::time::{Duration, SystemTime};

use shape::config::Config;

use crate::common::{assert_balanced, assert_lineage, ingest_into, query};

fn write_old(path: &Path, text: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, text).unwrap();
    // Written an hour ago: complete, nothing is held back for a writer still appending.
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(SystemTime::now() - Duration::from_secs(3600))
        .unwrap();
}

/// Ingests the directory `logs` into `data` with no configuration at all; no source fails.
pub(crate) async fn ingest_without_config(data: &Path, logs: &Path) -> shape::ingest::IngestReport {
    let (report, errors) = ingest_into(
        data,
        &Config::default(),
        &[logs.to_string_lossy().into_owned()],
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    report
}

const JAVA: &str = "2026-11-30 14:01:02,123 INFO [main] c.a.Checkout - started\n\
2026-11-30 14:01:03,456 ERROR [pool-1] c.a.Checkout - payment failed\n\
java.lang.IllegalStateException: card declined\n\
\tat c.a.Payments.charge(Payments.java:42)\n\
\tat c.a.Checkout.pay(Checkout.java:17)\n\
Caused by: java.net.SocketTimeoutException: Read timed out\n\
\t... 12 more\n\
2026-11-30 14:01:04,000 WARN [main] c.a.Checkout - retrying\n";

const PYTHON: &str = "2026-11-30 14:02:00,001 - worker - ERROR - task failed\r\n\
Traceback (most recent call last):\r\n\
  File \"/app/worker.py\", line 12, in run\r\n\
    charge()\r\n\
ValueError: amount must be positive\r\n\
\r\n\
2026-11-30 14:02:01,000 - worker - INFO - next task\r\n";

const SYSLOG: &str =
    "<34>Nov 30 14:03:00 web-1 sshd[812]: Failed password for root from 10.0.0.9\n\
<14>Nov 30 14:03:01 web-1 cron[900]: job started\n\
<165>1 2026-11-30T14:03:02.003Z web-1 billing 77 ID47 [meta@1 shard=\"3\"] invoice sent\n";

fn cri() -> String {
    [
        "2026-11-30T14:04:00.000000001Z stdout F {\"level\":\"warn\",\"msg\":\"disk 91% full\"}",
        "2026-11-30T14:04:01.000000001Z stderr P a line the runtime ",
        "2026-11-30T14:04:01.000000002Z stderr F split in two",
        "2026-11-30T14:04:02.000000001Z stdout F level=error msg=\"db down\"",
    ]
    .join("\n")
        + "\n"
}

const DOCKER: &str = "{\"log\":\"{\\\"level\\\":\\\"warn\\\",\\\"message\\\":\\\"slow request\\\"}\\n\",\"stream\":\"stdout\",\"time\":\"2026-11-30T14:05:00.5Z\"}\n\
{\"log\":\"plain text line\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-30T14:05:01.5Z\"}\n";

const JOURNALD: &str = "{\"__REALTIME_TIMESTAMP\":\"1796047560000000\",\"PRIORITY\":\"3\",\"_SYSTEMD_UNIT\":\"nginx.service\",\"MESSAGE\":\"upstream timed out\"}\n";

#[tokio::test(flavor = "multi_thread")]
async fn each_format_without_configuration() {
    let logs = tempfile::tempdir().unwrap();
    let id = "0123456789abcdef".repeat(4);
    let files = [
        ("app/checkout.log", JAVA.to_string(), "text"),
        ("app/worker.log", PYTHON.to_string(), "text"),
        ("syslog/messages", SYSLOG.to_string(), "syslog"),
        (
            &*format!("var/log/containers/checkout-7d9f_shop_api-{id}.log"),
            cri(),
            "cri",
        ),
        ("docker/c1-json.log", DOCKER.to_string(), "docker"),
        ("journal/export.json", JOURNALD.to_string(), "journald"),
    ];
    for (name, text, _) in &files {
        write_old(&logs.path().join(name), text);
    }
    let data = tempfile::tempdir().unwrap();
    let report = ingest_without_config(data.path(), logs.path()).await;
    for (name, _, format) in &files {
        let source = report
            .sources
            .iter()
            .find(|s| s.uri.ends_with(name))
            .unwrap();
        assert_eq!(source.log.format, *format, "{name}");
        assert_eq!(source.log.rejects, 0, "{name}: {:?}", source.sample_rejects);
    }

    let rows = query(
        data.path(),
        "SELECT _line, _line_count, level, component, message FROM events \
         WHERE _source LIKE '%checkout.log' ORDER BY _line",
    )
    .await;
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert_eq!(rows[1][..4], ["2", "6", "ERROR", "c.a.Checkout"]);
    assert!(rows[1][4].starts_with("payment failed\njava.lang.IllegalStateException"));
    assert!(rows[1][4].ends_with("\t... 12 more"), "{:?}", rows[1][4]);
    assert_eq!(rows[2][..3], ["8", "1", "WARN"]);

    let rows = query(
        data.path(),
        "SELECT _line, _line_count, level, component, message FROM events \
         WHERE _source LIKE '%worker.log' ORDER BY _line",
    )
    .await;
    assert_eq!(rows[0][..4], ["1", "5", "ERROR", "worker"]);
    assert!(
        rows[0][4].ends_with("ValueError: amount must be positive"),
        "{rows:?}"
    );
    assert!(!rows[0][4].contains('\r'));
    assert_eq!(rows[1][..3], ["7", "1", "INFO"]);

    let rows = query(
        data.path(),
        "SELECT service, level, message, json_get_str(attributes, 'host') FROM events \
         WHERE _source LIKE '%messages' ORDER BY _line",
    )
    .await;
    assert_eq!(
        rows,
        [
            [
                "sshd",
                "FATAL",
                "Failed password for root from 10.0.0.9",
                "web-1"
            ],
            ["cron", "INFO", "job started", "web-1"],
            ["billing", "INFO", "invoice sent", "web-1"],
        ]
    );

    let rows = query(
        data.path(),
        "SELECT _line, _line_count, service, level, message, \
         json_get_str(attributes, 'k8s.namespace') FROM events \
         WHERE _source LIKE '%containers%' ORDER BY _line",
    )
    .await;
    assert_eq!(
        rows,
        [
            ["1", "1", "api", "WARN", "disk 91% full", "shop"],
            [
                "2",
                "2",
                "api",
                "INFO",
                "a line the runtime split in two",
                "shop"
            ],
            ["4", "1", "api", "ERROR", "db down", "shop"],
        ]
    );

    let rows = query(
        data.path(),
        "SELECT level, message FROM events WHERE _source LIKE '%c1-json.log' ORDER BY _line",
    )
    .await;
    assert_eq!(
        rows,
        [["WARN", "slow request"], ["INFO", "plain text line"]]
    );
    let rows = query(
        data.path(),
        "SELECT service, level, message FROM events WHERE _source LIKE '%export.json'",
    )
    .await;
    assert_eq!(rows, [["nginx", "ERROR", "upstream timed out"]]);

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 14);
}

/// Text layouts that append `key=value` pairs (log4j/logback MDC, logrus' text formatter,
/// syslog programs) feed the columns SLOs read; pairs that do not fit stay prose.
#[tokio::test(flavor = "multi_thread")]
async fn pairs_in_text_messages_fill_the_columns() {
    let logs = tempfile::tempdir().unwrap();
    write_old(
        &logs.path().join("app.log"),
        "2026-11-30 14:01:02,123 INFO  [worker-1] com.renderx.render - renderHeader completed \
         op=renderHeader status=200 duration=5.0ms trace=468e01aa\n\
         2026-11-30 14:01:03,456 ERROR [worker-2] com.renderx.render - upstream failed, \
         op=\"fetch assets\", status_code=503, latency_ms=250\n\
         2026-11-30 14:01:04,000 WARN  [worker-1] com.renderx.net - socket closed \
         code=ECONNRESET status=1006 op=-\n",
    );
    write_old(
        &logs.path().join("syslog/messages"),
        "<14>Nov 30 14:03:01 web-1 renderx[1001]: INFO resize done op=resizeCanvas status=200 \
         took=12ms\n",
    );
    let data = tempfile::tempdir().unwrap();
    let report = ingest_without_config(data.path(), logs.path()).await;
    assert!(
        report.sources.iter().all(|s| s.log.rejects == 0),
        "{report:?}"
    );
    let rows = query(
        data.path(),
        "SELECT level, operation, status_code, duration_ms, trace_id, outcome, message \
         FROM events ORDER BY ts",
    )
    .await;
    assert_eq!(
        rows,
        [
            [
                "INFO",
                "renderHeader",
                "200",
                "5.0",
                "468e01aa",
                "ok",
                "renderHeader completed op=renderHeader status=200 duration=5.0ms trace=468e01aa"
            ],
            [
                "ERROR",
                "fetch assets",
                "503",
                "250.0",
                "NULL",
                "error",
                "upstream failed, op=\"fetch assets\", status_code=503, latency_ms=250"
            ],
            [
                "WARN",
                "unknown",
                "NULL",
                "NULL",
                "NULL",
                "ok",
                "socket closed code=ECONNRESET status=1006 op=-"
            ],
            [
                "INFO",
                "resizeCanvas",
                "200",
                "12.0",
                "NULL",
                "ok",
                "INFO resize done op=resizeCanvas status=200 took=12ms"
            ],
        ]
    );
    assert_eq!(assert_lineage(data.path()).await, 4);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_growing_file_never_splits_an_event() {
    let logs = tempfile::tempdir().unwrap();
    let file = logs.path().join("app.log");
    let first = "2026-11-30 14:01:02,123 INFO [main] c.a.App - started\n\
                 2026-11-30 14:01:03,000 ERROR [main] c.a.App - failed\n\
                 java.lang.RuntimeException: boom\n";
    std::fs::write(&file, first).unwrap();
    let data = tempfile::tempdir().unwrap();
    let source = [file.to_string_lossy().into_owned()];
    let (report, _) = ingest_into(data.path(), &Config::default(), &source).await;
    // Just written: the open event waits for the next run.
    assert_eq!(report.sources[0].log.rows, 1);
    assert_eq!(report.sources[0].log.lines, 1);
    let more = "\tat c.a.App.run(App.java:9)\n2026-11-30 14:01:04,000 INFO [main] c.a.App - done\n";
    std::fs::write(&file, format!("{first}{more}")).unwrap();
    let handle = std::fs::File::options().write(true).open(&file).unwrap();
    handle
        .set_modified(SystemTime::now() - Duration::from_secs(60))
        .unwrap();
    let (report, _) = ingest_into(data.path(), &Config::default(), &source).await;
    assert_eq!(report.sources[0].log.rows, 2, "{:?}", report.sources[0]);
    let rows = query(
        data.path(),
        "SELECT _line, _line_count, message FROM events ORDER BY _line",
    )
    .await;
    assert_eq!(rows.len(), 3);
    assert_eq!(rows[1][..2], ["2", "3"]);
    assert!(rows[1][2].ends_with("App.java:9)"), "{rows:?}");
    assert_eq!(assert_lineage(data.path()).await, 3);
}

#[tokio::test(flavor = "multi_thread")]
async fn hostile_multi_line_and_format_cases_are_kept_with_reasons() {
    let logs = tempfile::tempdir().unwrap();
    // Starts mid-trace; then an event far over multiline_max_lines.
    let mut text = String::from("\tat c.a.X.y(X.java:1)\n\tat c.a.X.z(X.java:2)\n");
    text.push_str("2026-11-30 14:01:02,123 ERROR [main] c.a.App - deep\n");
    for i in 0..7 {
        text.push_str(&format!("\tat frame{i}\n"));
    }
    text.push_str("2026-11-30 14:01:03,000 INFO [main] c.a.App - ok\n");
    write_old(&logs.path().join("trace.log"), &text);
    // A syslog line with an impossible date among good ones.
    write_old(
        &logs.path().join("sys.log"),
        "<13>Nov 30 14:03:00 h app[1]: fine\n<13>Feb 30 14:03:00 h app[1]: no such day\n\
         <13>Nov 30 14:03:01 h app[1]: fine again\n",
    );
    let config = Config::parse("[ingest]\nmultiline_max_lines = 5\n", Path::new("t.toml")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (report, errors) = ingest_into(
        data.path(),
        &config,
        &[logs.path().to_string_lossy().into_owned()],
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    let rejects = query(
        data.path(),
        "SELECT _line, _line_count, error FROM rejects ORDER BY _source, _line",
    )
    .await;
    assert_eq!(rejects.len(), 3, "{rejects:?}");
    assert_eq!(rejects[0][..2], ["2", "1"], "{rejects:?}");
    assert!(rejects[0][2].contains("syslog") && rejects[0][2].contains("timestamp"));
    assert_eq!(rejects[1][..2], ["1", "2"]);
    assert!(
        rejects[1][2].contains("before the source's first event"),
        "{rejects:?}"
    );
    assert_eq!(rejects[2][..2], ["8", "3"]);
    assert!(rejects[2][2].contains("multiline_max_lines"), "{rejects:?}");
    for source in &report.sources {
        let log = &source.log;
        assert_eq!(
            log.lines + log.extra_records,
            log.rows + log.rejects + log.blank + log.continued
        );
    }
    assert_eq!(assert_lineage(data.path()).await, 7);
}

/// The OpenTelemetry collector's file exporter: one `ExportLogsServiceRequest` per line.
const OTLP_FILE: &str = concat!(
    r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},{"key":"k8s.pod.name","value":{"stringValue":"checkout-7d9"}}]},"scopeLogs":[{"scope":{"name":"com.acme.pay"},"logRecords":["#,
    r#"{"timeUnixNano":"1796047620000000000","observedTimeUnixNano":"1796047620001000000","severityNumber":9,"severityText":"INFO","body":{"stringValue":"charge started"},"traceId":"5b8efff798038103d269b633813fc60c","spanId":"eee19b7ec3c1b174"},"#,
    r#"{"timeUnixNano":"1796047621000000000","severityNumber":17,"body":{"stringValue":"charge failed"},"attributes":[{"key":"http.response.status_code","value":{"intValue":"503"}},{"key":"http.route","value":{"stringValue":"/pay/{id}"}}]},"#,
    r#"{"severityNumber":13,"body":{"stringValue":"a record without a time"}}"#,
    "]}]}]}\n",
    r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"cart"}}]},"scopeLogs":[{"logRecords":[{"timeUnixNano":1796047622000000000,"body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"cart saved"}},{"key":"level","value":{"stringValue":"warn"}},{"key":"items","value":{"intValue":"3"}}]}}}]}]}]}"#,
    "\n",
);

/// Firehose without a delimiter: JSON objects back to back, the last one cut off.
const FIREHOSE: &str = concat!(
    r#"{"ts":"2026-11-30T14:07:00Z","level":"info","service":"api","msg":"one"}"#,
    r#"{"ts":"2026-11-30T14:07:01Z","level":"error","service":"api","msg":"two"}"#,
    r#"{"ts":"2026-11-30T14:07:02Z","lev"#,
);

/// CloudWatch Logs subscription messages as Firehose delivers them (decompressed), a
/// control message among them, and a Vector S3 object (a JSON array).
const CLOUDWATCH: &str = concat!(
    r#"{"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1796047680000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]}"#,
    r#"{"messageType":"DATA_MESSAGE","owner":"111122223333","logGroup":"/aws/lambda/refunds","logStream":"2026/11/30/[$LATEST]0a","subscriptionFilters":["all"],"logEvents":[{"id":"37","timestamp":1796047681000,"message":"refund 7 queued"},{"id":"38","timestamp":1796047682000,"message":"{\"level\":\"error\",\"msg\":\"refund 8 failed\"}"},{"id":"39","timestamp":1796047683000,"message":"REPORT RequestId: 6f1e0c3a-1b2c-4d5e-9f00-1234567890ab\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tStatus: timeout\n"}]}"#,
    "\n",
);
const VECTOR_ARRAY: &str = concat!(
    r#"[{"timestamp":"2026-11-30T14:09:00Z","message":"GET /health 200","host":"n1"},"#,
    r#"{"timestamp":"2026-11-30T14:09:01Z","message":"GET /orders 500","level":"error","host":"n1"}]"#,
);

#[tokio::test(flavor = "multi_thread")]
async fn lines_holding_several_records_give_a_row_each() {
    let logs = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let root = logs.path();
    write_old(&root.join("otel/logs.jsonl"), OTLP_FILE);
    // The awss3 exporter: one document per object, gzip, no final newline.
    let s3_doc = OTLP_FILE.lines().nth(1).unwrap();
    let gz = root.join("otel-s3/logs_8f3a.json.gz");
    write_old(&gz, "");
    std::fs::write(&gz, crate::common::gzip(s3_doc.as_bytes())).unwrap();
    write_old(
        &root.join("firehose/app-1-2026-11-30-14-07-00-6f1e"),
        FIREHOSE,
    );
    write_old(
        &root.join("firehose/cw-1-2026-11-30-14-08-00-77aa"),
        CLOUDWATCH,
    );
    write_old(&root.join("vector/date=2026-11-30/1764.json"), VECTOR_ARRAY);
    let sources = vec![root.to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");

    let formats: Vec<(String, String)> = report
        .sources
        .iter()
        .map(|s| {
            (
                s.uri.rsplit('/').next().unwrap().to_string(),
                s.log.format.clone(),
            )
        })
        .collect();
    assert!(
        formats.contains(&("logs.jsonl".into(), "otlp".into())),
        "{formats:?}"
    );
    assert!(formats.contains(&("logs_8f3a.json.gz".into(), "otlp".into())));
    assert!(formats.contains(&("1764.json".into(), "json".into())));

    let otlp = query(
        data.path(),
        "SELECT _line, _record, service, level, status_code, operation, message, trace_id, \
         attributes FROM events WHERE _source LIKE '%logs.jsonl' ORDER BY _line, _record",
    )
    .await;
    assert_eq!(otlp.len(), 3, "{otlp:?}");
    assert_eq!(
        otlp[0][..8],
        [
            "1",
            "0",
            "checkout",
            "INFO",
            "NULL",
            "unknown",
            "charge started",
            "5b8efff798038103d269b633813fc60c"
        ]
    );
    assert!(
        otlp[0][8].contains(r#""k8s.pod.name":"checkout-7d9""#),
        "{}",
        otlp[0][8]
    );
    assert!(otlp[0][8].contains(r#""span_id":"eee19b7ec3c1b174""#));
    assert_eq!(
        otlp[1][..7],
        [
            "1",
            "1",
            "checkout",
            "ERROR",
            "503",
            "/pay/{id}",
            "charge failed"
        ]
    );
    assert_eq!(
        otlp[2][..7],
        ["2", "0", "cart", "WARN", "NULL", "unknown", "cart saved"]
    );
    assert!(otlp[2][8].contains(r#""items":3"#));

    let rejects = query(
        data.path(),
        "SELECT regexp_replace(_source, '.*/', ''), _line, _record, error FROM rejects \
         ORDER BY 1, 2, 3",
    )
    .await;
    assert_eq!(rejects.len(), 3, "{rejects:?}");
    assert_eq!(
        rejects[0][..3],
        ["app-1-2026-11-30-14-07-00-6f1e", "1", "2"]
    );
    assert!(rejects[0][3].contains("invalid JSON"), "{rejects:?}");
    assert_eq!(rejects[1][..3], ["cw-1-2026-11-30-14-08-00-77aa", "1", "0"]);
    assert!(rejects[1][3].contains("CONTROL_MESSAGE"));
    assert_eq!(rejects[2][..3], ["logs.jsonl", "1", "2"]);
    assert!(rejects[2][3].contains("logRecords[2]: no timeUnixNano"));

    let others = query(
        data.path(),
        "SELECT regexp_replace(_source, '.*/', ''), _record, service, level, message \
         FROM events WHERE _source NOT LIKE '%logs.jsonl' ORDER BY 1, 2",
    )
    .await;
    let expect: Vec<Vec<&str>> = vec![
        vec!["1764.json", "0", "unknown", "INFO", "GET /health 200"],
        vec!["1764.json", "1", "unknown", "ERROR", "GET /orders 500"],
        vec!["app-1-2026-11-30-14-07-00-6f1e", "0", "api", "INFO", "one"],
        vec!["app-1-2026-11-30-14-07-00-6f1e", "1", "api", "ERROR", "two"],
        vec![
            "cw-1-2026-11-30-14-08-00-77aa",
            "1",
            "refunds",
            "INFO",
            "refund 7 queued",
        ],
        vec![
            "cw-1-2026-11-30-14-08-00-77aa",
            "2",
            "refunds",
            "ERROR",
            "refund 8 failed",
        ],
        vec![
            "cw-1-2026-11-30-14-08-00-77aa",
            "3",
            "refunds",
            "ERROR",
            "REPORT RequestId: 6f1e0c3a-1b2c-4d5e-9f00-1234567890ab\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tStatus: timeout",
        ],
        vec!["logs_8f3a.json.gz", "0", "cart", "WARN", "cart saved"],
    ];
    assert_eq!(others, expect);
    // Lambda's REPORT: the invocation's duration and request id.
    let invocation = query(
        data.path(),
        "SELECT duration_ms, trace_id FROM events WHERE message LIKE 'REPORT%'",
    )
    .await;
    assert_eq!(
        invocation,
        [["3000.0", "6f1e0c3a-1b2c-4d5e-9f00-1234567890ab"]]
    );

    // Each line is counted once; the records after a line's first are `extra_records`.
    for source in &report.sources {
        let log = &source.log;
        assert_eq!(
            log.lines + log.extra_records,
            log.rows + log.rejects + log.blank + log.continued,
            "{}",
            source.uri
        );
    }
    let balanced = query(
        data.path(),
        "SELECT bool_and(balanced), sum(extra_records) FROM ingest_summary",
    )
    .await;
    assert_eq!(balanced[0], ["true", "8"]);
    assert_eq!(assert_lineage(data.path()).await, 14);
}

/// MySQL's slow query log: an event is every line from one `# Time:` to the next, which no
/// format rule can know; `multiline_start` says it.
const SLOW_LOG: &str = "# Time: 2026-11-30T14:10:00.123456Z\n\
# User@Host: app[app] @ web-1 [10.0.0.2]  Id:    12\n\
# Query_time: 3.001  Lock_time: 0.000 Rows_sent: 1  Rows_examined: 100000\n\
SET timestamp=1796047800;\n\
SELECT * FROM orders WHERE note LIKE '%x%';\n\
# Time: 2026-11-30T14:11:00.000001Z\n\
# User@Host: app[app] @ web-2 [10.0.0.3]  Id:    13\n\
# Query_time: 1.500  Lock_time: 0.000 Rows_sent: 0  Rows_examined: 5000\n\
SET timestamp=1796047860;\n\
UPDATE carts SET total = 0;\n";

#[tokio::test(flavor = "multi_thread")]
async fn configured_multiline_patterns_group_any_layout() {
    let logs = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    write_old(&logs.path().join("mysql-slow.log"), SLOW_LOG);
    // Continuation by pattern: lines that start with whitespace or `|` continue.
    write_old(
        &logs.path().join("report.log"),
        "2026-11-30 14:12:00 INFO totals\n| eu | 12 |\n| us | 30 |\n2026-11-30 14:12:05 INFO done\n",
    );
    let config = Config::parse(
        "[[source]]\nmatch = '*slow.log'\nservice = 'mysql'\nmultiline_start = '^# Time:'\n\
         [[source]]\nmatch = 'report.log'\nmultiline_continue = '^(\\s|\\|)'\n",
        Path::new("shape.toml"),
    )
    .unwrap();
    let sources = vec![logs.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &config, &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    let rows = query(
        data.path(),
        "SELECT regexp_replace(_source, '.*/', ''), _line, _line_count, service, \
         strpos(message, 'Rows_examined') > 0 OR strpos(message, '| us |') > 0 \
         FROM events ORDER BY 1, 2",
    )
    .await;
    let expect: Vec<Vec<&str>> = vec![
        vec!["mysql-slow.log", "1", "5", "mysql", "true"],
        vec!["mysql-slow.log", "6", "5", "mysql", "true"],
        vec!["report.log", "1", "3", "unknown", "true"],
        vec!["report.log", "4", "1", "unknown", "false"],
    ];
    assert_eq!(rows, expect);
    for source in &report.sources {
        assert_eq!(source.log.continued, source.log.lines - source.log.rows);
    }
    assert_eq!(assert_lineage(data.path()).await, 4);

    // A pattern that is not a regex, or both kinds at once, is a config error naming the key.
    for (text, key) in [
        (
            "[ingest]\nmultiline_start = '(unclosed'\n",
            "ingest.multiline_start",
        ),
        (
            "[[source]]\nmatch = '*'\nmultiline_start = 'a'\nmultiline_continue = 'b'\n",
            "source[0]",
        ),
    ] {
        let config = Config::parse(text, Path::new("shape.toml")).unwrap();
        let err = shape::ingest::IngestConfig::load(&config)
            .unwrap_err()
            .to_string();
        assert!(err.contains(key), "{err}");
    }
}

const IIS: &str = "#Software: Microsoft Internet Information Services 10.0\r\n\
#Version: 1.0\r\n\
#Date: 2026-11-30 14:00:00\r\n\
#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken\r\n\
2026-11-30 14:01:02 10.0.0.4 GET /api/orders/1274 id=7 443 - 203.0.113.9 Mozilla/5.0+(Windows+NT) - 200 0 0 187\r\n\
2026-11-30 14:01:03 10.0.0.4 POST /api/orders - 443 alice 203.0.113.9 curl/8.5.0 - 503 0 64 15003\r\n\
2026-11-30 14:01:04 10.0.0.4 GET /cut-short\r\n\
#Software: Microsoft Internet Information Services 10.0\r\n\
#Fields: date time cs-method cs-uri-stem sc-status time-taken\r\n\
2026-11-30 15:00:01 GET /health 200 1\r\n";

/// IIS and CloudFront logs: the `#Fields:` directive names each data line's values, a new
/// directive mid-file takes over, a later run reads on with the last one, and a data dir
/// inside the logs' directory is not read as logs.
#[tokio::test(flavor = "multi_thread")]
async fn w3c_logs_read_with_their_fields_directive() {
    let logs = tempfile::tempdir().unwrap();
    let iis = logs.path().join("W3SVC1/u_ex261130.log");
    write_old(&iis, IIS);
    let cloudfront = "#Version: 1.0\n\
#Fields: date time x-edge-location sc-bytes c-ip cs-method cs(Host) cs-uri-stem sc-status cs(Referer) cs(User-Agent) cs-uri-query cs(Cookie) x-edge-result-type x-edge-request-id x-host-header cs-protocol cs-bytes time-taken\n\
2026-11-30\t14:01:05\tFRA56-P5\t0\t192.0.2.11\tGET\td111.cloudfront.net\t/api/cart/99812\t502\t-\tcurl/8.5.0\t-\t-\tError\tABC==\tshop.example.com\thttps\t96\t1.250\n";
    std::fs::write(
        logs.path().join("E2ABCD.2026-11-30-14.a1b2c3.gz"),
        crate::common::gzip(cloudfront.as_bytes()),
    )
    .unwrap();
    let data = logs.path().join("shape-data");
    let report = ingest_without_config(&data, logs.path()).await;
    let mut sources: Vec<_> = report
        .sources
        .iter()
        .map(|s| {
            (
                s.log.format.as_str(),
                s.log.rows,
                s.log.rejects,
                s.log.blank,
            )
        })
        .collect();
    sources.sort();
    assert_eq!(sources, [("w3c", 1, 0, 2), ("w3c", 3, 1, 6)]);
    let rows = query(
        &data,
        "SELECT ts, operation, status_code, duration_ms, level, message, trace_id, \
         attributes->>'c-ip' FROM events ORDER BY ts",
    )
    .await;
    assert_eq!(
        rows[0],
        [
            "2026-11-30T14:01:02Z",
            "GET /api/orders/{id}",
            "200",
            "187.0",
            "INFO",
            "GET /api/orders/1274?id=7",
            "NULL",
            "203.0.113.9"
        ]
    );
    assert_eq!(rows[1][2..5], ["503", "15003.0", "ERROR"]);
    assert_eq!(
        rows[2][1..7],
        [
            "GET /api/cart/{id}",
            "502",
            "1250.0",
            "ERROR",
            "GET /api/cart/99812",
            "ABC=="
        ]
    );
    assert_eq!(rows[3][..3], ["2026-11-30T15:00:01Z", "GET /health", "200"]);
    let rejects = query(&data, "SELECT _line, error FROM rejects").await;
    assert_eq!(rejects[0][0], "7");
    assert!(
        rejects[0][1].contains("5 values where the `#Fields:` directive names 15"),
        "{rejects:?}"
    );

    // The file grows: its new line is read with the directive in force at its end.
    std::fs::write(
        &iis,
        format!("{IIS}2026-11-30 15:00:02 GET /api/orders/55 500 12\r\n"),
    )
    .unwrap();
    let report = ingest_without_config(&data, logs.path()).await;
    let read: Vec<_> = report
        .sources
        .iter()
        .filter(|s| s.log.lines > 0)
        .map(|s| (s.uri.ends_with("u_ex261130.log"), s.log.rows))
        .collect();
    assert_eq!(
        read,
        [(true, 1)],
        "the data dir's own files are not sources"
    );
    let last = query(
        &data,
        "SELECT _line, operation, status_code, duration_ms FROM events WHERE _line = 11",
    )
    .await;
    assert_eq!(last, [["11", "GET /api/orders/{id}", "500", "12.0"]]);
    assert_eq!(assert_lineage(&data).await, 6);
}
