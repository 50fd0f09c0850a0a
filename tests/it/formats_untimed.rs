//! Logs whose lines carry no time (Python's default format, uvicorn, Maven, npm, `docker
//! compose logs` without `-t`, winston's default JSON, logfmt without `ts`) and colored
//! console output, through the whole ingest with no configuration: the untimed formats are
//! chosen, every event takes its file's modification time and says so, tracebacks join their
//! event, a grown file is read on the same way, and a timed log with one timeless line stays
//! timed. `missing_time` forces either reading; a bad value is a config error. A program's
//! plain output, with neither times nor levels, is read as `lines`.

use std::path::Path;
use std::time::{Duration, SystemTime};

use shape::config::Config;

use crate::common::{assert_balanced, assert_lineage, ingest_into, query};
use crate::formats_servers::{ingest_files_checking_formats, rows_of, write_at};

const PYTHON: &str = "INFO:root:starting worker pool size=4\n\
WARNING:shop.db:slow query took 1203ms\n\
ERROR:shop.payments:payment failed for order 1234\n\
Traceback (most recent call last):\n  File \"/app/pay.py\", line 42, in charge\n    raise TimeoutError(\"gateway timeout\")\n\
TimeoutError: gateway timeout\n\
INFO:root:shutting down\n";

const UVICORN: &str = "INFO:     Started server process [1234]\n\
INFO:     127.0.0.1:52314 - \"GET /health HTTP/1.1\" 200 OK\n\
INFO:     127.0.0.1:52316 - \"POST /api/orders/17 HTTP/1.1\" 500 Internal Server Error\n\
ERROR:    Exception in ASGI application\n";

const MAVEN_AND_NPM: &str = "[INFO] Scanning for projects...\n\
[ERROR] Failed to execute goal org.apache.maven.plugins:maven-surefire-plugin:3.2.2:test\n\
npm ERR! code E404\n\
npm WARN deprecated inflight@1.0.6: This module is not supported\n";

const COMPOSE: &str = "api-1     | INFO:     Uvicorn running on http://0.0.0.0:8000\n\
worker-1  | ERROR:celery.worker:task failed\n\
worker-1  |   File \"/app/tasks.py\", line 7, in run\n";

const WINSTON: &str = "{\"level\":\"info\",\"message\":\"server started on port 3000\"}\n\
{\"level\":\"error\",\"message\":\"db connection refused\",\"service\":\"orders\"}\n";

const LOGFMT: &str = "level=info msg=\"starting server\" addr=:8080\n\
level=error msg=\"db down\" err=\"dial tcp: connection refused\"\n";

/// Spring Boot's console with colors forced: every field wrapped in escape sequences.
const COLORED: &str = "\x1b[2m2026-11-30 14:01:02.123\x1b[0;39m \x1b[31mERROR\x1b[0;39m \x1b[35m4321\x1b[0;39m \x1b[2m---\x1b[0;39m \x1b[2m[           main]\x1b[0;39m \x1b[36mc.e.Checkout\x1b[0;39m \x1b[2m:\x1b[0;39m payment failed\n\
\x1b[2m2026-11-30 14:01:03.000\x1b[0;39m \x1b[32m INFO\x1b[0;39m \x1b[35m4321\x1b[0;39m \x1b[2m---\x1b[0;39m \x1b[2m[           main]\x1b[0;39m \x1b[36mc.e.Checkout\x1b[0;39m \x1b[2m:\x1b[0;39m retried\n";

/// `kubectl logs --timestamps` of a Python app: the time is the wrapper's, the rest Python's.
const KUBECTL: &str = "2026-11-30T14:01:02.123456789Z INFO:root:starting worker\n\
2026-11-30T14:01:03.123456789Z ERROR:shop.pay:payment failed\n";

/// nginx's start-up errors on stderr, before its error log is open.
const NGINX_START: &str =
    "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)\n\
nginx: [warn] the \"user\" directive makes sense only if the master process runs as root\n";

/// Express's morgan in its `dev` format: a request per line, no time.
const MORGAN_DEV: &str = "GET /api/orders/17 500 12.345 ms - 21\n\
POST /login 200 3.210 ms - 512\n";

/// A timed log with the JVM's timeless warning among its lines: it stays timed.
const JAVA_WITH_WARNING: &str = "2026-11-30 14:01:02,123 INFO [main] c.e.App - started\n\
WARNING: An illegal reflective access operation has occurred\n\
2026-11-30 14:01:03,123 ERROR [main] c.e.App - failed\n";

fn iso(time: SystemTime) -> String {
    let micros = time
        .duration_since(SystemTime::UNIX_EPOCH)
        .unwrap()
        .as_micros();
    chrono::DateTime::from_timestamp_micros(micros as i64)
        .unwrap()
        .format("%Y-%m-%dT%H:%M:%S%.fZ")
        .to_string()
}

#[tokio::test]
async fn timeless_logs_take_their_files_time_and_colors_are_read_through() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("app.log", PYTHON, "text untimed"),
        ("uvicorn.log", UVICORN, "text untimed"),
        ("build.log", MAVEN_AND_NPM, "text untimed"),
        ("compose.log", COMPOSE, "text untimed"),
        ("node.log", WINSTON, "json untimed"),
        ("svc.log", LOGFMT, "logfmt untimed"),
        ("colored.log", COLORED, "text"),
        ("java.log", JAVA_WITH_WARNING, "text"),
        ("kubectl.log", KUBECTL, "text"),
        ("nginx-stderr.log", NGINX_START, "text untimed"),
        ("express.log", MORGAN_DEV, "text untimed"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let stamp = iso(written);
    let got = rows_of(
        data.path(),
        "app.log",
        "ts, level, component, _line_count, json_get_str(attributes, 'ts_from')",
    )
    .await;
    let row = |level: &str, logger: &str, lines: &str| {
        vec![
            stamp.clone(),
            level.to_string(),
            logger.to_string(),
            lines.to_string(),
            "source_modified".to_string(),
        ]
    };
    assert_eq!(
        got,
        [
            row("INFO", "root", "1"),
            row("WARN", "shop.db", "1"),
            row("ERROR", "shop.payments", "5"),
            row("INFO", "root", "1"),
        ]
    );
    let got = rows_of(
        data.path(),
        "uvicorn.log",
        "level, operation, status_code, outcome",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "unknown", "NULL", "ok"],
            ["INFO", "GET /health", "200", "ok"],
            ["INFO", "POST /api/orders/{id}", "500", "error"],
            ["ERROR", "unknown", "NULL", "error"],
        ]
    );
    let got = rows_of(data.path(), "build.log", "level, message").await;
    assert_eq!(
        got.iter().map(|r| r[0].as_str()).collect::<Vec<_>>(),
        ["INFO", "ERROR", "ERROR", "WARN"]
    );
    assert_eq!(got[2][1], "code E404");
    let got = rows_of(data.path(), "compose.log", "service, level, _line_count").await;
    assert_eq!(got, [["api", "INFO", "1"], ["worker", "ERROR", "2"]]);
    let got = rows_of(data.path(), "node.log", "ts, level, service, message").await;
    assert_eq!(
        got[1],
        [stamp.as_str(), "ERROR", "orders", "db connection refused"]
    );
    let got = rows_of(data.path(), "svc.log", "level, message").await;
    assert_eq!(got, [["INFO", "starting server"], ["ERROR", "db down"]]);
    let got = rows_of(
        data.path(),
        "colored.log",
        "ts, level, component, message, json_get_str(attributes, 'thread')",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02.123Z",
                "ERROR",
                "c.e.Checkout",
                "payment failed",
                "main"
            ],
            [
                "2026-11-30T14:01:03Z",
                "INFO",
                "c.e.Checkout",
                "retried",
                "main"
            ],
        ]
    );
    let got = rows_of(data.path(), "java.log", "ts, _line_count").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123Z", "2"],
            ["2026-11-30T14:01:03.123Z", "1"]
        ]
    );

    let got = rows_of(data.path(), "kubectl.log", "ts, level, component").await;
    assert_eq!(got[1], ["2026-11-30T14:01:03.123456Z", "ERROR", "shop.pay"]);
    let got = rows_of(data.path(), "nginx-stderr.log", "level, component").await;
    assert_eq!(got, [["FATAL", "nginx"], ["WARN", "nginx"]]);

    let got = rows_of(
        data.path(),
        "express.log",
        "operation, status_code, duration_ms",
    )
    .await;
    assert_eq!(
        got,
        [
            ["GET /api/orders/{id}", "500", "12.345"],
            ["POST /login", "200", "3.21"]
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 28);
}

#[tokio::test]
async fn a_grown_untimed_file_is_read_on_untimed_with_its_new_time() {
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("app.log");
    let first = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    write_at(&path, PYTHON, first);
    let data = tempfile::tempdir().unwrap();
    let sources = [logs.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.format, "text untimed");

    let later = first + Duration::from_secs(600);
    write_at(
        &path,
        &format!("{PYTHON}ERROR:root:second run failed\nINFO:root:done\n"),
        later,
    );
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    let source = &report.sources[0];
    assert_eq!(
        (
            source.log.format.as_str(),
            source.log.lines,
            source.log.rows
        ),
        ("text untimed", 2, 2)
    );
    let got = rows_of(data.path(), "app.log", "_line, ts").await;
    let times: Vec<(&str, &str)> = got.iter().map(|r| (r[0].as_str(), r[1].as_str())).collect();
    let (before, after) = (iso(first), iso(later));
    assert_eq!(
        times,
        [
            ("1", before.as_str()),
            ("2", before.as_str()),
            ("3", before.as_str()),
            ("8", before.as_str()),
            ("9", after.as_str()),
            ("10", after.as_str()),
        ]
    );
    assert_balanced(data.path()).await;
}

#[tokio::test]
async fn missing_time_forces_either_reading_and_is_checked() {
    let logs = tempfile::tempdir().unwrap();
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    write_at(&logs.path().join("app.log"), PYTHON, written);
    // Timed records keep their own time; the one without takes the file's.
    write_at(
        &logs.path().join("events.jsonl"),
        "{\"ts\":\"2026-11-30T14:01:02Z\",\"msg\":\"timed\"}\n{\"msg\":\"not\"}\n",
        written,
    );
    let sources = [logs.path().to_string_lossy().into_owned()];

    let reject =
        Config::parse("[ingest]\nmissing_time = \"reject\"\n", Path::new("s.toml")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let (report, _) = ingest_into(data.path(), &reject, &sources).await;
    let app = report
        .sources
        .iter()
        .find(|s| s.uri.ends_with("/app.log"))
        .unwrap();
    assert_eq!(
        (app.log.rows, app.log.rejects),
        (0, 8),
        "{:?}",
        app.log.format
    );
    assert!(
        app.sample_rejects[0].1.contains("no timestamp"),
        "{:?}",
        app.sample_rejects
    );
    assert_balanced(data.path()).await;

    let modified = Config::parse(
        "[ingest]\nmissing_time = \"modified\"\n",
        Path::new("s.toml"),
    )
    .unwrap();
    let data = tempfile::tempdir().unwrap();
    let (report, errors) = ingest_into(data.path(), &modified, &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    for source in &report.sources {
        assert_eq!(source.log.rejects, 0, "{}", source.uri);
    }
    let got = query(
        data.path(),
        "SELECT ts, json_get_str(attributes, 'ts_from') FROM events \
         WHERE _source LIKE '%events.jsonl' ORDER BY _line",
    )
    .await;
    assert_eq!(
        got,
        [
            vec!["2026-11-30T14:01:02Z".to_string(), "NULL".to_string()],
            vec![iso(written), "source_modified".to_string()],
        ]
    );

    let bad = Config::parse(
        "[[source]]\nmatch = \"*\"\nmissing_time = \"now\"\n",
        Path::new("bad.toml"),
    )
    .unwrap();
    let bad = shape::ingest::settings::IngestConfig::load(&bad).unwrap_err();
    assert!(
        bad.to_string()
            .contains("source[0].missing_time: \"now\" is not \"modified\" or \"reject\""),
        "{bad}"
    );
}

const NODE_STDOUT: &str = "Server listening on port 3000\n\
Error: connect ECONNREFUSED 127.0.0.1:5432\n    at TCPConnectWrap.afterConnect [as oncomplete] (node:net:1555:16)\n\
Retrying in 5 seconds\n";

/// A program's redirected stdout, with neither times nor levels, is read as `lines`: an event
/// per line with its indented lines, each stamped with the file's time; grown, it is read on
/// the same way. `format = "lines"` asks for it, and a line with a time keeps it.
#[tokio::test]
async fn plain_output_is_an_event_per_line() {
    let logs = tempfile::tempdir().unwrap();
    let path = logs.path().join("nohup.out");
    let first = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    write_at(&path, NODE_STDOUT, first);
    let data = tempfile::tempdir().unwrap();
    let sources = [logs.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        (
            report.sources[0].log.format.as_str(),
            report.sources[0].log.rejects
        ),
        ("lines", 0)
    );
    let got = rows_of(
        data.path(),
        "nohup.out",
        "_line, _line_count, ts, json_get_str(attributes, 'ts_from')",
    )
    .await;
    let at = iso(first);
    let row =
        |line: &str, count: &str| [line, count, at.as_str(), "source_modified"].map(String::from);
    assert_eq!(got, [row("1", "1"), row("2", "2"), row("4", "1")]);

    let later = first + Duration::from_secs(600);
    write_at(&path, &format!("{NODE_STDOUT}Connected\n"), later);
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        (
            report.sources[0].log.format.as_str(),
            report.sources[0].log.rows
        ),
        ("lines", 1)
    );
    let got = rows_of(data.path(), "nohup.out", "ts, message").await;
    assert_eq!(got[3], [iso(later), "Connected".to_string()]);
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 4);

    let chosen = tempfile::tempdir().unwrap();
    write_at(
        &chosen.path().join("mixed.out"),
        "2026-11-30 14:01:02 ERROR payment failed\nplain words\n",
        first,
    );
    let config = Config::parse("[ingest]\nformat = \"lines\"\n", Path::new("s.toml")).unwrap();
    let data = tempfile::tempdir().unwrap();
    let sources = [chosen.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &config, &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(report.sources[0].log.format, "lines");
    let got = rows_of(data.path(), "mixed.out", "ts, level, message").await;
    assert_eq!(got[0], ["2026-11-30T14:01:02Z", "ERROR", "payment failed"]);
    assert_eq!(got[1][0], iso(first));
    assert_eq!(got[1][2], "plain words");

    // A Python script's output: its chained traceback, exception lines included, is one event.
    let script = tempfile::tempdir().unwrap();
    let traceback = "Traceback (most recent call last):\n  File \"sync.py\", line 8, in <module>\n    \
                     fetch()\nKeyError: 'id'\n\nDuring handling of the above exception, another \
                     exception occurred:\n\nTraceback (most recent call last):\n  File \"sync.py\", \
                     line 10, in <module>\nRuntimeError: sync failed";
    let text = format!("syncing 3 accounts\n{traceback}\nexiting with status 1\n");
    write_at(&script.path().join("sync.out"), &text, first);
    // A Go program's: its panic's goroutine dump is one event.
    let panic = "panic: runtime error: index out of range [3] with length 3\n\n\
                 goroutine 1 [running]:\nmain.main()\n\t/app/main.go:12 +0x1d\nexit status 2";
    let text = format!("listening on :8080\n{panic}\nrestarting\n");
    write_at(&script.path().join("api.out"), &text, first);
    let data = tempfile::tempdir().unwrap();
    let sources = [script.path().to_string_lossy().into_owned()];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    let formats: Vec<&str> = report
        .sources
        .iter()
        .map(|s| s.log.format.as_str())
        .collect();
    assert_eq!(formats, ["lines", "lines"]);
    let got = rows_of(data.path(), "api.out", "_line, _line_count, message").await;
    assert_eq!(got[1], ["2", "6", panic]);
    assert_eq!(got[2][..2], ["8", "1"]);
    let got = rows_of(data.path(), "sync.out", "_line, _line_count, message").await;
    let row = |line: &str, count: &str, message: &str| [line, count, message].map(String::from);
    assert_eq!(
        got,
        [
            row("1", "1", "syncing 3 accounts"),
            row("2", "10", traceback),
            row("12", "1", "exiting with status 1"),
        ]
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 6);
}
