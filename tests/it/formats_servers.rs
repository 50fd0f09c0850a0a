//! Servers' and runtimes' own layouts through the whole ingest, with no configuration: the
//! ones whose events span lines by rule (PostgreSQL's error details, java.util.logging's
//! two-line records), whose lines have no date (Elixir), and the tab-separated and access-log
//! layouts of AWS Lambda, zap, Airflow and Squid, and AWS VPC flow logs. Lineage is read back
//! for every row.

use std::path::Path;
use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage, query};
use crate::formats::ingest_without_config;

/// Writes `text` to `path`, last modified at `modified`.
pub(crate) fn write_at(path: &Path, text: &str, modified: SystemTime) {
    std::fs::write(path, text).unwrap();
    let file = std::fs::File::options().write(true).open(path).unwrap();
    file.set_modified(modified).unwrap();
}

/// Ingests `logs` with no configuration into `data`: every source in the format `format_of`
/// its URI names, with no reject.
pub(crate) async fn ingest_checking_formats(
    data: &Path,
    logs: &Path,
    format_of: impl Fn(&str) -> &'static str,
) {
    let report = ingest_without_config(data, logs).await;
    for source in &report.sources {
        assert_eq!(source.log.format, format_of(&source.uri), "{}", source.uri);
        assert_eq!(
            source.log.rejects, 0,
            "{}: {:?}",
            source.uri, source.sample_rejects
        );
    }
}

/// Writes `files` (name, text, the format it must be read in) into a fresh directory, last
/// written at `written`, and ingests them as [`ingest_checking_formats`] does; the logs'
/// directory (kept for lineage checks) and the data dir.
pub(crate) async fn ingest_files_checking_formats(
    files: &[(&str, &str, &'static str)],
    written: SystemTime,
) -> (tempfile::TempDir, tempfile::TempDir) {
    let logs = tempfile::tempdir().unwrap();
    for (name, text, _) in files {
        write_at(&logs.path().join(name), text, written);
    }
    let data = tempfile::tempdir().unwrap();
    ingest_checking_formats(data.path(), logs.path(), |uri| {
        files
            .iter()
            .find(|(name, _, _)| uri.ends_with(&format!("/{name}")))
            .map_or("?", |(_, _, format)| format)
    })
    .await;
    (logs, data)
}

/// `columns` of the events read from the file named `file`, in line and record order.
pub(crate) async fn rows_of(data: &Path, file: &str, columns: &str) -> Vec<Vec<String>> {
    let sql = format!(
        "SELECT {columns} FROM events WHERE _source LIKE '%/{file}' ORDER BY _line, _record"
    );
    query(data, &sql).await
}

const POSTGRES: &str = "2026-11-30 14:01:02.123 UTC [1240] app@shop ERROR:  relation \"orders\" does not exist at character 15\n\
2026-11-30 14:01:02.123 UTC [1240] app@shop STATEMENT:  select * from orders;\n\
2026-11-30 14:01:05.000 UTC [1234] LOG:  checkpoint starting: time\n";

const JUL: &str = "Nov 30, 2026 2:01:02 PM org.apache.catalina.startup.Catalina start\n\
INFO: Server startup in [812] milliseconds\n\
Nov 30, 2026 2:01:09 PM com.example.Orders handle\n\
SEVERE: request failed\n\
java.lang.IllegalStateException: pool exhausted\n\
\tat com.example.Orders.handle(Orders.java:42)\n";

const ELIXIR: &str =
    "14:01:02.123 [info] Running ShopWeb.Endpoint with cowboy at 0.0.0.0:4000 (http)\n\
14:59:00.000 [error] GenServer Shop.Worker terminating\n\
16:30:00.000 [warning] from the day before\n";

const LAMBDA_AND_ZAP: &str = "2026-11-30T14:01:02.123Z\t8f5c1e2a-1b2c-4d5e-9f00-1234567890ab\tINFO\tprocessing order 1234\n\
2026-11-30T14:01:02.456Z\t8f5c1e2a-1b2c-4d5e-9f00-1234567890ab\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"statusCode\":502}\n\
2026-11-30T14:01:03.000Z\tERROR\tserver/handler.go:88\trequest failed\t{\"path\": \"/api/orders\", \"status\": 500, \"latency_ms\": 31.5}\n";

const AIRFLOW: &str =
    "[2026-11-30, 14:01:02 UTC] {taskinstance.py:1157} INFO - Dependencies all met\n\
[2026-11-30, 14:01:09 UTC] {taskinstance.py:1703} ERROR - Task failed with exception\n\
Traceback (most recent call last):\n\
  File \"/opt/airflow/dags/etl.py\", line 12, in run\n\
ValueError: bad row\n";

const SQUID: &str = "1796047262.123    123 10.0.0.1 TCP_MISS/200 1234 GET http://shop.example/api/items/17 - HIER_DIRECT/93.184.216.34 application/json\n\
1796047263.456   3002 10.0.0.2 TCP_MISS/504 320 POST http://shop.example/api/pay - HIER_DIRECT/93.184.216.34 text/html\n";

/// AWS VPC flow logs as delivered to S3: a header line naming the fields, then the records.
const VPC_FLOW: &str = "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1796047262 1796047322 ACCEPT OK\n\
2 123456789010 eni-1235b8ca123456789 172.31.9.69 172.31.9.12 49761 3389 6 20 4249 1796047262 1796047322 REJECT OK\n";

#[tokio::test(flavor = "multi_thread")]
async fn servers_and_runtimes_layouts_without_configuration() {
    let logs = tempfile::tempdir().unwrap();
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    // 2026-11-30T15:00:00Z: the Elixir file's last write, which dates its lines.
    let elixir_written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_800);
    for (name, text) in [
        ("postgresql.log", POSTGRES),
        ("catalina.out", JUL),
        ("lambda.log", LAMBDA_AND_ZAP),
        ("airflow.log", AIRFLOW),
        ("access.log", SQUID),
        ("vpcflow.log", VPC_FLOW),
    ] {
        write_at(&logs.path().join(name), text, an_hour_ago);
    }
    write_at(&logs.path().join("elixir.log"), ELIXIR, elixir_written);
    let data = tempfile::tempdir().unwrap();
    ingest_checking_formats(data.path(), logs.path(), |uri| {
        if uri.ends_with("vpcflow.log") {
            "w3c"
        } else {
            "text"
        }
    })
    .await;

    // The error and its statement are one row; the checkpoint is the next.
    let got = rows_of(
        data.path(),
        "postgresql.log",
        "_line, _line_count, level, message",
    )
    .await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0][..3], ["1", "2", "ERROR"]);
    assert!(
        got[0][3].ends_with("STATEMENT:  select * from orders;"),
        "{got:?}"
    );
    assert_eq!(got[1][..3], ["3", "1", "INFO"]);

    let got = rows_of(
        data.path(),
        "catalina.out",
        "_line, _line_count, ts, level, component, json_get_str(attributes, 'method'), message",
    )
    .await;
    assert_eq!(
        got[0][..6],
        [
            "1",
            "2",
            "2026-11-30T14:01:02Z",
            "INFO",
            "org.apache.catalina.startup.Catalina",
            "start"
        ]
    );
    assert_eq!(
        got[1][..5],
        [
            "3",
            "4",
            "2026-11-30T14:01:09Z",
            "ERROR",
            "com.example.Orders"
        ]
    );
    assert!(got[1][6].starts_with("request failed\njava.lang.IllegalStateException"));

    let got = rows_of(data.path(), "elixir.log", "ts, level, message").await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02.123Z",
                "INFO",
                "Running ShopWeb.Endpoint with cowboy at 0.0.0.0:4000 (http)"
            ],
            [
                "2026-11-30T14:59:00Z",
                "ERROR",
                "GenServer Shop.Worker terminating"
            ],
            ["2026-11-29T16:30:00Z", "WARN", "from the day before"],
        ]
    );

    let got = rows_of(
        data.path(),
        "lambda.log",
        "level, status_code, duration_ms, component, trace_id",
    )
    .await;
    // The request id is the trace id, as `request_id` is in JSON logs.
    assert_eq!(
        got[0],
        [
            "INFO",
            "NULL",
            "NULL",
            "unknown",
            "8f5c1e2a-1b2c-4d5e-9f00-1234567890ab"
        ]
    );
    assert_eq!(got[1][..2], ["ERROR", "502"]);
    assert_eq!(
        got[2][..4],
        ["ERROR", "500", "31.5", "server/handler.go:88"]
    );

    let got = rows_of(
        data.path(),
        "airflow.log",
        "ts, level, component, _line_count",
    )
    .await;
    assert_eq!(
        got[0],
        ["2026-11-30T14:01:02Z", "INFO", "taskinstance.py:1157", "1"]
    );
    assert_eq!(
        got[1],
        ["2026-11-30T14:01:09Z", "ERROR", "taskinstance.py:1703", "4"]
    );

    let got = rows_of(
        data.path(),
        "access.log",
        "operation, status_code, duration_ms, outcome",
    )
    .await;
    assert_eq!(got[0][..3], ["GET /api/items/{id}", "200", "123.0"]);
    assert_eq!(got[1][..3], ["POST /api/pay", "504", "3002.0"]);

    let got = rows_of(data.path(), "vpcflow.log", "_line, ts, level, message").await;
    assert_eq!(
        got,
        [
            [
                "2",
                "2026-11-30T14:01:02Z",
                "INFO",
                "ACCEPT 172.31.16.139 20641 172.31.16.21 22"
            ],
            [
                "3",
                "2026-11-30T14:01:02Z",
                "WARN",
                "REJECT 172.31.9.69 49761 172.31.9.12 3389"
            ],
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 16);
}

/// MySQL 5.x's error log: `yyMMdd H:mm:ss` times, and InnoDB's untimed lines continuing them.
const MYSQL5: &str =
    "161209  9:18:50 [Warning] Using unique option prefix myisam-recover is deprecated\n\
161209  9:18:50 InnoDB: Initializing buffer pool, size = 128.0M\n\
InnoDB: The first specified data file ./ibdata1 did not exist:\n\
InnoDB: a new database to be created!\n\
161209 14:18:53 [ERROR] Aborting\n";

const MONGODB: &str = "2018-02-05T13:44:56.744+0100 I NETWORK  [initandlisten] waiting for connections on port 27017\n\
2020-03-31T21:19:46.942+0000 E WRITE  [initandlisten] ** ERROR: A write operation resulted in an error.\n";

const REDIS_OLD: &str =
    "[2932] 31 May 04:32:08 * The server is now ready to accept connections on port 6379\n\
30 May 10:05:20 # Server can't set maximum open files to 10032\n";

const ICINGA: &str = "[2017-04-04 13:43:12 +0200] critical/ApiListener: Cannot connect to host 'master1' on port '5665'\n";

/// A syslog file with a few lines syslog cannot read (one in twelve): it stays syslog, and
/// those lines are read as text.
fn syslog_with_odd_lines() -> String {
    let mut text = String::new();
    for second in 0..10 {
        text += &format!(
            "Jun 14 15:16:{second:02} combo sshd(pam_unix)[19939]: check pass; user unknown\n"
        );
    }
    text += "Jun 19 04:09:11 combo syslogd 1.4.1: restart.\n\
Jun 19 04:09:12 combo last message repeated 2 times\n\
Jun 19 04:10:00 combo su(pam_unix)[21416]: session opened for user news by (uid=0)\n";
    text
}

#[tokio::test(flavor = "multi_thread")]
async fn database_servers_and_syslog_files_without_configuration() {
    let logs = tempfile::tempdir().unwrap();
    // 2019-12-31: the year of the year-less Redis and syslog lines.
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_577_750_400);
    for (name, text) in [
        ("mysql.err", MYSQL5),
        ("mongodb.log", MONGODB),
        ("redis.log", REDIS_OLD),
        ("icinga2.log", ICINGA),
        ("postgresql.csv", POSTGRES_CSV),
        ("postgresql.json", POSTGRES_JSON),
    ] {
        write_at(&logs.path().join(name), text, written);
    }
    write_at(
        &logs.path().join("messages"),
        &syslog_with_odd_lines(),
        written,
    );
    let data = tempfile::tempdir().unwrap();
    ingest_checking_formats(data.path(), logs.path(), |uri| {
        if uri.ends_with("messages") {
            "syslog"
        } else if uri.ends_with(".json") {
            "json"
        } else {
            "text"
        }
    })
    .await;
    let got = rows_of(data.path(), "mysql.err", "_line, _line_count, ts, level").await;
    assert_eq!(
        got,
        [
            ["1", "1", "2016-12-09T09:18:50Z", "WARN"],
            ["2", "3", "2016-12-09T09:18:50Z", "INFO"],
            ["5", "1", "2016-12-09T14:18:53Z", "ERROR"],
        ]
    );
    let got = rows_of(
        data.path(),
        "mongodb.log",
        "ts, level, component, json_get_str(attributes, 'thread')",
    )
    .await;
    assert_eq!(
        got[0],
        [
            "2018-02-05T12:44:56.744Z",
            "INFO",
            "NETWORK",
            "initandlisten"
        ]
    );
    assert_eq!(got[1][1..3], ["ERROR", "WRITE"]);
    let got = rows_of(data.path(), "redis.log", "ts, level, message").await;
    assert_eq!(got[0][..2], ["2019-05-31T04:32:08Z", "INFO"]);
    assert_eq!(got[1][..2], ["2019-05-30T10:05:20Z", "WARN"]);
    assert_eq!(got[1][2], "Server can't set maximum open files to 10032");
    let got = rows_of(data.path(), "icinga2.log", "ts, level, component").await;
    assert_eq!(got, [["2017-04-04T11:43:12Z", "FATAL", "ApiListener"]]);
    let got = rows_of(
        data.path(),
        "messages",
        "service, json_get_str(attributes, 'host'), message",
    )
    .await;
    assert_eq!(
        got[0],
        ["sshd(pam_unix)", "combo", "check pass; user unknown"]
    );
    assert_eq!(got[10], ["syslogd 1.4.1", "combo", "restart."]);
    // Read as a text line: the time is right, the rest is the message.
    assert_eq!(got[11][2], "combo last message repeated 2 times");
    assert_eq!(got[12][0], "su(pam_unix)");

    // PostgreSQL's csvlog (a quoted newline inside a statement: one row of two lines) and
    // jsonlog (its time's zone after a space).
    let columns =
        "_line_count, ts, level, duration_ms, message, json_get_str(attributes, 'database')";
    let got = rows_of(data.path(), "postgresql.csv", columns).await;
    assert_eq!(
        got,
        [
            [
                "1",
                "2026-11-30T14:01:02.123Z",
                "ERROR",
                "NULL",
                "relation \"orders\" does not exist",
                "shop"
            ],
            [
                "1",
                "2026-11-30T14:01:05Z",
                "INFO",
                "NULL",
                "checkpoint starting: time",
                "NULL"
            ],
            [
                "2",
                "2026-11-30T14:01:06Z",
                "INFO",
                "1502.113",
                "duration: 1502.113 ms  statement: select pg_sleep(1.5),\n  now()",
                "shop"
            ],
        ]
    );
    let got = rows_of(data.path(), "postgresql.json", "ts, level, message").await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T13:01:02.123Z",
                "ERROR",
                "relation \"orders\" does not exist"
            ],
            ["2026-11-30T14:01:05Z", "FATAL", "could not write to file"],
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 26);
}

const POSTGRES_CSV: &str = r#"2026-11-30 14:01:02.123 UTC,"app","shop",1234,"10.0.0.1:52345",6567a0e1.4d2,1,"SELECT",2026-11-30 14:00:00 UTC,3/17,0,ERROR,42P01,"relation ""orders"" does not exist",,,,,,"select * from orders;",15,,"psql","client backend",,0
2026-11-30 14:01:05.000 UTC,,,1200,,6567a0e1.4b0,1,,2026-11-30 14:00:00 UTC,,0,LOG,00000,"checkpoint starting: time",,,,,,,,,"","checkpointer",,0
2026-11-30 14:01:06.000 UTC,"app","shop",1234,"10.0.0.1:52345",6567a0e1.4d2,2,"idle",2026-11-30 14:00:00 UTC,3/18,0,LOG,00000,"duration: 1502.113 ms  statement: select pg_sleep(1.5),
  now()",,,,,,,,,"psql","client backend",,0
"#;

const POSTGRES_JSON: &str = r#"{"timestamp":"2026-11-30 14:01:02.123 CET","user":"app","dbname":"shop","pid":1234,"error_severity":"ERROR","state_code":"42P01","message":"relation \"orders\" does not exist","backend_type":"client backend"}
{"timestamp":"2026-11-30 14:01:05.000 UTC","pid":1200,"error_severity":"PANIC","message":"could not write to file","backend_type":"checkpointer"}
"#;
