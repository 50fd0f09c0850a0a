//! The layouts of servers, runtimes and platforms read since the first corpus: Airflow,
//! time-of-day stamps, java.util.logging, tab-separated layouts with JSON tails, PostgreSQL's
//! continuation lines, Squid, Spring Boot's Tomcat names, PHP, Monolog, loguru, Serilog,
//! hclog, Jenkins, Lambda's platform lines; and every cut of their lines.

use super::tests::{check, fields, get, parser};
use super::*;
use serde_json::json;

/// A daemon's one-letter level right after the time (Google Santa), not only logcat's
/// after its pid and tid; a capital letter further on is the message's.
#[test]
fn one_letter_levels_after_the_time() {
    check(
        "[2026-11-30T14:01:05.456Z] E santad: action=EXEC|decision=DENY|path=/tmp/bad",
        &[
            ("level", "ERROR"),
            ("logger", "santad"),
            ("message", "action=EXEC|decision=DENY|path=/tmp/bad"),
        ],
    );
    let got = fields("2026-11-30 14:01:05 [main] I think: it works");
    assert_eq!(get(&got, "level"), None, "{got:?}");
}

/// A level that opens the message (`error:`, after a category too) and `key=value` pairs
/// before the level (Sidekiq); pairs that no level follows stay the message's.
#[test]
fn levels_after_pairs_and_at_the_message_start() {
    check(
        "2026-11-30T14:01:04.000Z pid=1234 tid=2ab class=HardJob jid=c5 elapsed=0.5 ERROR: fail",
        &[
            ("level", "ERROR"),
            ("class", "HardJob"),
            ("pid", "1234"),
            ("message", "fail"),
        ],
    );
    check(
        "2026-11-30 14:01:05,456 p=1234 u=deploy n=ansible | fatal: [web-1]: FAILED! => {}",
        &[
            ("level", "FATAL"),
            ("u", "deploy"),
            ("thread", "web-1"),
            ("message", "FAILED! => {}"),
        ],
    );
    check(
        "2026-11-30 14:01:02 op=checkout status=200 done",
        &[
            ("op", "checkout"),
            ("message", "op=checkout status=200 done"),
        ],
    );
    check(
        "30-Nov-2026 14:01:05.456 general: error: zone example.com/IN: loading failed",
        &[
            ("level", "ERROR"),
            ("logger", "general"),
            ("message", "zone example.com/IN: loading failed"),
        ],
    );
    check(
        "2026-11-30 14:01:05 postfix/smtpd[812]: warning: hostname x.example does not resolve",
        &[("level", "WARN"), ("logger", "postfix/smtpd")],
    );
    // Not a level word, or a level a header already gave.
    let got = fields("2026-11-30 14:01:05 Status: ok, error: none");
    assert_eq!(get(&got, "level"), None, "{got:?}");
    check(
        "2026-11-30 14:01:05 INFO c.a.B - warning: retried",
        &[("level", "INFO")],
    );
}

/// Databases' and CI runners' layouts: ClickHouse (dotted date, `[ tid ]`, the query id in
/// braces, `<Error>`), CockroachDB (glog with a year, tags), GitHub Actions' markers.
#[test]
fn clickhouse_cockroach_and_ci_runners() {
    check(
        "2026.11.30 14:01:02.123456 [ 1234 ] {8b7c-query} <Error> executeQuery: Code: 60. DB::Exception: x",
        &[
            ("ts", "2026-11-30T14:01:02.123456"),
            ("level", "ERROR"),
            ("pid", "1234"),
            ("query_id", "8b7c-query"),
            ("logger", "executeQuery"),
            ("message", "Code: 60. DB::Exception: x"),
        ],
    );
    check(
        "2026.11.30 14:01:03.000001 [ 1 ] {} <Information> Application: Ready for connections.",
        &[
            ("level", "INFO"),
            ("logger", "Application"),
            ("message", "Ready for connections."),
        ],
    );
    check(
        "E261130 14:01:05.000001 99 kv/kvserver/replica.go:88 ⋮ [n1,s1] 6  failed to acquire lease",
        &[
            ("ts", "2026-11-30T14:01:05.000001"),
            ("level", "ERROR"),
            ("logger", "kv/kvserver/replica.go:88"),
            ("tags", "n1,s1"),
            ("message", "failed to acquire lease"),
        ],
    );
    check(
        "2026-11-30T14:01:05.8000000Z ##[error]Process completed with exit code 1.",
        &[
            ("level", "ERROR"),
            ("message", "##[error]Process completed with exit code 1."),
        ],
    );
    let got = fields("2026-11-30T14:01:02.1234567Z ##[group]Run npm test");
    assert_eq!(get(&got, "level"), None, "{got:?}");
    // npm's own lines: its errors and warnings, not its notices or a word after `npm`.
    let npm = |line: &str| get(&fields(line), "level");
    assert_eq!(
        npm("2026-11-30T14:01:05Z npm ERR! Test failed.").as_deref(),
        Some("ERROR")
    );
    assert_eq!(
        npm("2026-11-30T14:01:05Z npm WARN deprecated x@1").as_deref(),
        Some("WARN")
    );
    assert_eq!(npm("2026-11-30T14:01:05Z npm notice New version"), None);
    assert_eq!(
        npm("2026-11-30T14:01:05Z npm error code 1").as_deref(),
        Some("ERROR")
    );
    assert_eq!(npm("2026-11-30T14:01:05Z npm install failed"), None);
    // A date's two marks are the same one.
    assert!(parser().parse("2026-11.30 14:01:02 x").is_err());
}

/// SQL Server's ERRORLOG: the message source padded to a column, an error's level from its
/// severity; a padded word that more header follows is not a source.
#[test]
fn sql_server_sources_and_severities() {
    check(
        "2026-11-30 14:01:05.31 spid9s      Starting up database 'master'.",
        &[
            ("logger", "spid9s"),
            ("message", "Starting up database 'master'."),
        ],
    );
    for (severity, level) in [
        ("10", "INFO"),
        ("16", "ERROR"),
        ("19", "ERROR"),
        ("21", "FATAL"),
    ] {
        let line = format!(
            "2026-11-30 14:05:11.45 Logon       Error: 18456, Severity: {severity}, State: 8."
        );
        check(
            &line,
            &[
                ("logger", "Logon"),
                ("level", level),
                ("error_code", "18456"),
            ],
        );
    }
    // A thread name padded before the level, a word before a pid: header, not a source.
    for line in [
        "2026-11-30 14:01:02,123 main     INFO  c.a.Checkout - started",
        "2026-11-30 14:01:02 worker  1234 started",
    ] {
        let got = fields(line);
        assert_eq!(get(&got, "logger"), None, "{got:?}");
    }
    // One space: the message's first word.
    check(
        "2026-11-30 14:01:02 Server started on port 8080",
        &[("message", "Server started on port 8080")],
    );
}

/// Database servers' own text logs, as their packages write them (shaped after the test logs
/// of Filebeat's modules): MySQL 5.x and 8, MongoDB before 4.4, Redis before 3.2.
#[test]
fn database_servers_older_and_newer_layouts() {
    check(
        "161209 14:18:50 [Warning] Using unique option prefix myisam-recover is deprecated",
        &[
            ("ts", "2016-12-09T14:18:50"),
            ("level", "WARN"),
            (
                "message",
                "Using unique option prefix myisam-recover is deprecated",
            ),
        ],
    );
    // The hour is padded with a space.
    check(
        "161209  9:18:53 [ERROR] Aborting",
        &[
            ("ts", "2016-12-09T09:18:53"),
            ("level", "ERROR"),
            ("message", "Aborting"),
        ],
    );
    check(
        "2019-03-24T13:44:34.420123Z 0 [System] [MY-010931] [Server] /usr/sbin/mysqld: ready for connections.",
        &[
            ("level", "INFO"),
            ("error_code", "MY-010931"),
            ("logger", "Server"),
            ("message", "/usr/sbin/mysqld: ready for connections."),
        ],
    );
    check(
        "2020-03-31T21:19:46.942+0000 E WRITE  [initandlisten] ** ERROR: duplicate key error",
        &[
            ("ts", "2020-03-31T21:19:46.942+00:00"),
            ("level", "ERROR"),
            ("logger", "WRITE"),
            ("thread", "initandlisten"),
            ("message", "** ERROR: duplicate key error"),
        ],
    );
    check(
        "2018-02-05T13:50:55.170+0100 D2 NETWORK  [conn1] end connection 127.0.0.1:55404",
        &[
            ("level", "DEBUG"),
            ("logger", "NETWORK"),
            ("thread", "conn1"),
        ],
    );
    // A capital letter and a word in capitals without a bracket after them are the message's.
    let plain = fields("2026-11-30T14:01:02Z I AM HERE");
    assert_eq!(get(&plain, "message").as_deref(), Some("I AM HERE"));
    assert_eq!(get(&plain, "level"), None);
    check(
        "[2932] 31 May 04:32:08 * The server is now ready to accept connections on port 6379",
        &[
            ("pid", "2932"),
            ("level", "INFO"),
            (
                "message",
                "The server is now ready to accept connections on port 6379",
            ),
        ],
    );
    check(
        "30 May 10:05:20 . 0 clients connected (0 slaves), 618932 bytes in use",
        &[
            ("level", "DEBUG"),
            (
                "message",
                "0 clients connected (0 slaves), 618932 bytes in use",
            ),
        ],
    );
    check(
        "98738:M 30 May 12:23:52.442 # Saving the final RDB snapshot before exiting.",
        &[("role", "M"), ("level", "WARN")],
    );
}

/// Icinga 2's `[time zone] level/Component: message`; PostgreSQL's not yet authenticated
/// `[unknown]@[unknown]` and its statement durations.
#[test]
fn icinga_and_postgres_details() {
    check(
        "[2017-04-04 13:43:12 +0200] critical/ApiListener: Cannot connect to host 'master1'",
        &[
            ("ts", "2017-04-04T13:43:12+02:00"),
            ("level", "FATAL"),
            ("logger", "ApiListener"),
            ("message", "Cannot connect to host 'master1'"),
        ],
    );
    check(
        "2017-07-31 13:36:42.956 CEST [4980] [unknown]@[unknown] LOG:  incomplete startup packet",
        &[
            ("pid", "4980"),
            ("user", "[unknown]"),
            ("message", "incomplete startup packet"),
        ],
    );
    check(
        "2017-07-31 13:39:31.619 CEST [5502] postgres@clients LOG:  duration: 9.482 ms  statement: select 1;",
        &[
            ("duration_ms", "9.482"),
            ("message", "duration: 9.482 ms  statement: select 1;"),
        ],
    );
}

#[test]
fn airflow_task_logs() {
    check(
        "[2026-11-30, 14:01:02 UTC] {taskinstance.py:1157} INFO - Dependencies all met",
        &[
            ("ts", "2026-11-30T14:01:02+00:00"),
            ("logger", "taskinstance.py:1157"),
            ("level", "INFO"),
            ("message", "Dependencies all met"),
        ],
    );
}

#[test]
fn a_time_of_day_alone_takes_its_date_from_the_source() {
    // Elixir's Logger; the reference is 2026-12-01T00:00:00Z, so 14:01 of that day would be
    // after the file was last written: the day before.
    check(
        "14:01:02.123 [error] GenServer MyApp.Worker terminating",
        &[
            ("ts", "2026-11-30T14:01:02.123"),
            ("level", "ERROR"),
            ("message", "GenServer MyApp.Worker terminating"),
        ],
    );
    let late = TextParser {
        years: YearHint {
            year: None,
            // 2026-12-01T18:00:00Z
            reference_micros: 1_796_083_200_000_000 + 18 * 3_600_000_000,
        },
        dates: Default::default(),
    };
    // Minecraft servers (log4j2's `[%d{HH:mm:ss}] [%t/%level]: %msg`).
    let got = late
        .parse("[14:01:02] [Server thread/INFO]: Done (3.2s)!")
        .unwrap();
    assert_eq!(got[0], ("ts".to_string(), json!("2026-12-01T14:01:02")));
    assert!(
        got.contains(&("level".to_string(), json!("INFO"))),
        "{got:?}"
    );
    assert!(
        got.contains(&("thread".to_string(), json!("Server thread"))),
        "{got:?}"
    );
    // Only at the start or in a leading bracket: after other words a time is the message's.
    assert!(parser().parse("job 14:01:02 started").is_err());
    assert!(parser().parse("14:01 no seconds").is_err());
    assert!(parser().parse("25:01:02 no such hour").is_err());
}

#[test]
fn java_util_logging_two_line_records() {
    check(
        "Dec 04, 2025 5:28:09 PM com.example.App handle\nSEVERE: request failed\n\tat com.example.App.handle(App.java:12)",
        &[
            ("ts", "2025-12-04T17:28:09"),
            ("logger", "com.example.App"),
            ("method", "handle"),
            ("level", "ERROR"),
            ("message", "request failed\n\tat com.example.App.handle(App.java:12)"),
        ],
    );
    check(
        "Nov 30, 2026 12:05:00 AM org.apache.catalina.startup.Catalina start\nINFO: Server startup in 812 ms",
        &[("ts", "2026-11-30T00:05:00"), ("level", "INFO")],
    );
    // The first line alone (its record line not yet written) is still an event.
    check(
        "Nov 30, 2026 12:05:00 PM com.example.App main",
        &[("ts", "2026-11-30T12:05:00")],
    );
    // The record line is not a line of its own.
    assert!(!starts_text_event(b"SEVERE: request failed"));
}

#[test]
fn tab_separated_layouts() {
    // AWS Lambda's runtimes: time, request id, level, message.
    check(
        "2026-11-30T14:01:02.123Z\t8f5c1e2a-1b2c-4d5e-9f00-1234567890ab\tERROR\tInvoke Error \t{\"errorType\":\"Error\",\"errorMessage\":\"boom\"}",
        &[
            ("request_id", "8f5c1e2a-1b2c-4d5e-9f00-1234567890ab"),
            ("level", "ERROR"),
            ("errorType", "Error"),
            ("errorMessage", "boom"),
        ],
    );
    // zap's development (console) encoder: time, level, caller, message, fields as JSON.
    check(
        "2026-11-30T14:01:02.123Z\tERROR\tserver/handler.go:88\trequest failed\t{\"path\": \"/api/orders\", \"status\": 500, \"msg\": \"x\"}",
        &[
            ("level", "ERROR"),
            ("logger", "server/handler.go:88"),
            ("status", "500"),
            ("path", "/api/orders"),
            (
                "message",
                "request failed\t{\"path\": \"/api/orders\", \"status\": 500, \"msg\": \"x\"}",
            ),
        ],
    );
    // The tail's `msg` does not replace the message; braces that are not JSON stay text.
    let got = fields("2026-11-30T14:01:02Z INFO done {not json}");
    assert!(!got.iter().any(|(k, _)| k == "msg" || k == "not"));
}

#[test]
fn postgres_error_details_continue_the_error() {
    let error = "2026-11-30 14:01:02.123 UTC [1240] ERROR:  relation \"orders\" does not exist";
    assert!(starts_text_event(error.as_bytes()));
    for line in [
        "2026-11-30 14:01:02.123 UTC [1240] STATEMENT:  select * from orders;",
        "2026-11-30 14:01:02.123 UTC [1240] app@shop DETAIL:  Key (id)=(1) already exists.",
        "2026-11-30 14:01:02 UTC [1240]: [3-1] user=app,db=shop HINT:  No function matches.",
    ] {
        assert!(!starts_text_event(line.as_bytes()), "{line}");
    }
    // A message quoting a label is still a line of its own.
    let quoting = "2026-11-30 14:01:02.123 UTC [1240] LOG:  statement: select 'DETAIL:  x'";
    assert!(starts_text_event(quoting.as_bytes()));
}

#[test]
fn squid_native_access_log() {
    check(
        "1796362087.123    123 10.0.0.1 TCP_MISS/200 1234 GET http://example.com/api/items/1274?x=1 - HIER_DIRECT/93.184.216.34 text/html",
        &[
            ("ts", "1796362087.123"),
            ("duration", "123ms"),
            ("client", "10.0.0.1"),
            ("result_code", "TCP_MISS"),
            ("status", "200"),
            ("operation", "GET /api/items/{id}"),
            ("hierarchy", "HIER_DIRECT/93.184.216.34"),
            ("content_type", "text/html"),
        ],
    );
    let denied = fields("1796362089.456      5 10.0.0.2 TCP_DENIED/403 3900 CONNECT bad.example:443 - HIER_NONE/- text/html");
    assert_eq!(get(&denied, "status").as_deref(), Some("403"));
    assert_eq!(
        get(&denied, "operation").as_deref(),
        Some("CONNECT bad.example:443")
    );
    // An epoch line of another layout is read as before.
    let other = fields("1796362087 12 workers started");
    assert_eq!(get(&other, "pid").as_deref(), Some("12"));
}

#[test]
fn spring_boot_bracketed_tomcat_logger() {
    check(
        "2026-11-30T14:01:02.456Z ERROR 1234 --- [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() threw exception",
        &[
            ("level", "ERROR"),
            ("pid", "1234"),
            ("thread", "nio-8080-exec-1"),
            ("logger", "o.a.c.c.C.[.[.[/].[dispatcherServlet]"),
            ("message", "Servlet.service() threw exception"),
        ],
    );
}

#[test]
fn php_monolog_loguru_serilog_hclog_and_jenkins() {
    check(
        "[30-Nov-2026 14:01:02 UTC] PHP Fatal error:  Uncaught Exception: boom in /var/www/index.php:3",
        &[
            ("ts", "2026-11-30T14:01:02+00:00"),
            ("level", "FATAL"),
            ("message", "PHP Fatal error:  Uncaught Exception: boom in /var/www/index.php:3"),
        ],
    );
    check(
        "[30-Nov-2026 14:01:03 UTC] PHP Warning:  Undefined variable $x in /var/www/index.php on line 7",
        &[("level", "WARN")],
    );
    // Monolog: channel and level, the context's JSON into fields, the empty extra ignored.
    check(
        "[2026-11-30 14:01:03] local.INFO: User logged in {\"user_id\":17,\"status\":201} []",
        &[
            ("channel", "local"),
            ("level", "INFO"),
            ("user_id", "17"),
            ("status", "201"),
            (
                "message",
                "User logged in {\"user_id\":17,\"status\":201} []",
            ),
        ],
    );
    check(
        "[2026-11-30 14:01:02] production.ERROR: SQLSTATE[HY000] [2002] Connection refused",
        &[("channel", "production"), ("level", "ERROR")],
    );
    check(
        "2026-11-30 14:01:03.456 | ERROR    | app.orders:pay:88 - payment failed",
        &[
            ("level", "ERROR"),
            ("logger", "app.orders:pay:88"),
            ("message", "payment failed"),
        ],
    );
    check(
        "2026-11-30 14:01:02.123 | INFO     | __main__:main:12 - started",
        &[("logger", "__main__:main:12"), ("message", "started")],
    );
    check(
        "[14:01:03 ERR] Unhandled exception in request /api/pay",
        &[
            ("level", "ERROR"),
            ("message", "Unhandled exception in request /api/pay"),
        ],
    );
    check(
        "2026-11-30T14:01:03.456Z [ERROR] agent.client: RPC failed to server: method=Catalog.Register",
        &[
            ("level", "ERROR"),
            ("logger", "agent.client"),
            ("message", "RPC failed to server: method=Catalog.Register"),
        ],
    );
    check(
        "2026-11-30 14:01:02.123+0000 [id=42]\tINFO\thudson.WebAppMain$3#run: Jenkins is fully up and running",
        &[
            ("thread", "id=42"),
            ("level", "INFO"),
            ("logger", "hudson.WebAppMain$3#run"),
            ("message", "Jenkins is fully up and running"),
        ],
    );
}

#[test]
fn lambda_platform_lines_in_cloudwatch_events() {
    let payload = |text: &str| parser().parse_payload(text);
    let report = payload(
        "REPORT RequestId: 8f5c1e2a-1b2c-4d5e-9f00-1234567890ab\tDuration: 3000.00 ms\tBilled Duration: 3000 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 180.25 ms\tStatus: timeout\n",
    );
    for expected in [
        ("request_id", json!("8f5c1e2a-1b2c-4d5e-9f00-1234567890ab")),
        ("duration", json!("3000.00ms")),
        ("billed_duration_ms", json!(3000.0)),
        ("memory_size_mb", json!(128.0)),
        ("init_duration_ms", json!(180.25)),
        ("lambda_status", json!("timeout")),
        ("level", json!("ERROR")),
    ] {
        let expected = (expected.0.to_string(), expected.1);
        assert!(report.contains(&expected), "{expected:?} in {report:?}");
    }
    let start = payload("START RequestId: 8f5c1e2a-1b2c-4d5e-9f00-1234567890ab Version: $LATEST");
    assert_eq!(start[0].1, json!("8f5c1e2a-1b2c-4d5e-9f00-1234567890ab"));
    assert!(!start.iter().any(|(k, _)| k == "duration" || k == "level"));
    // Other text is read as before.
    let other = payload("RESTART RequestId: x");
    assert!(!other.iter().any(|(k, _)| k == "request_id"));
}

#[test]
fn every_cut_of_every_layout_parses_or_says_why() {
    // Each layout's line cut at every character (a file cut mid-line, a partial write): the
    // readers slice by what they found, so each cut must give fields or an error, not a panic.
    let lines = [
        "Dec 04, 2025 5:28:09 PM com.example.App handle\nSEVERE: request failed",
        "14:01:02.123 [error] GenServer Shop.Worker terminating",
        "161209  9:18:53 [ERROR] Aborting",
        "[2017-04-04 13:43:12 +0200] critical/ApiListener: Cannot connect",
        "2017-07-31 13:36:42.956 CEST [4980] [unknown]@[unknown] LOG:  incomplete",
        "2020-03-31T21:19:46.942+0000 E WRITE  [initandlisten] ** ERROR: dup",
        "[2932] 31 May 04:32:08 * ready",
        "30 May 10:05:20 . 0 clients",
        "[14:01:03 ERR] Unhandled exception",
        "2026-11-30T14:01:02.123Z\t8f5c1e2a-1b2c-4d5e-9f00-1234567890ab\tERROR\tx \t{\"a\":1}",
        "1796362087.123    123 10.0.0.1 TCP_MISS/200 1234 GET http://e.x/a/1 - HIER_DIRECT/1.2.3.4 text/html",
        "2026-11-30 14:01:02.123 UTC [1240] app@shop STATEMENT:  select 1;",
        "[2026-11-30, 14:01:02 UTC] {taskinstance.py:1157} INFO - ok",
        "[2026-11-30 14:01:03] local.INFO: in {\"user_id\":17} []",
        "[30-Nov-2026 14:01:02 UTC] PHP Fatal error:  Uncaught",
        "2026-11-30 14:01:03.456 | ERROR    | app.orders:pay:88 - é failed",
        "2026-11-30T14:01:03.456Z [ERROR] agent.client: RPC ünïcode",
        "wéb-1  | 2026-11-30 14:01:02,123 ERROR [main] c.e.X - payment failed",
        "kube.app: [[1796047263.5, {}], {\"log\":\"{\\\"level\\\":\\\"warn\\\"}\"}]",
        "[E 261130 14:01:03 web:2271] 500 POST /api/pay (10.0.0.1) 45.60ms",
        "[2026-11-30T14:01:02Z ERROR checkout::pay] payment failed",
        "[30/Nov/2026 14:01:03] \"POST /api/pay HTTP/1.1\" 500 145",
        "2026-11-30T14:01:02+00:00\tapp.checkout\t{\"level\":\"error\",\"message\":\"x\"}",
    ];
    for line in lines {
        for (cut, _) in line.char_indices() {
            let part = &line[..cut];
            let _ = parser().parse(part);
            let _ = parser().parse_payload(part);
            let _ = starts_text_event(part.as_bytes());
        }
    }
    let report = "REPORT RequestId: x\tDuration: 1 ms\tMemory Size: 128";
    for (cut, _) in report.char_indices() {
        let _ = parser().parse_payload(&report[..cut]);
    }
}

#[test]
fn runtimes_bracketed_headers() {
    // Rust's env_logger: level and target inside the time's bracket.
    check(
        "[2026-11-30T14:01:02Z ERROR checkout::pay] payment failed",
        &[
            ("level", "ERROR"),
            ("logger", "checkout::pay"),
            ("message", "payment failed"),
        ],
    );
    // Erlang's logger: the level word and a colon after the time.
    check(
        "2026-11-30T14:01:02.123456+00:00 error: Generic server my_server terminating",
        &[
            ("level", "ERROR"),
            ("message", "Generic server my_server terminating"),
        ],
    );
    // Django's development server: a bracketed time with a space before the clock.
    check(
        "[30/Nov/2026 14:01:03] \"POST /api/pay HTTP/1.1\" 500 145",
        &[("ts", "2026-11-30T14:01:03"), ("status", "500")],
    );
}

/// Zabbix's server and agent logs: the pid, then the date and time with no separator.
#[test]
fn zabbix_pid_date_and_time() {
    check(
        "  1234:20261130:140102.123 cannot send list of active checks to \"10.0.0.1\"",
        &[
            ("ts", "2026-11-30T14:01:02.123"),
            (
                "message",
                "cannot send list of active checks to \"10.0.0.1\"",
            ),
        ],
    );
    assert!(starts_text_event(
        b"  1235:20261130:140103.456 Starting Zabbix Agent"
    ));
}

/// The United States' dates with a 12-hour clock (Windows' exports, IIS's own tools).
#[test]
fn month_first_dates_with_a_twelve_hour_clock() {
    check(
        "11/30/2026 2:01:02 PM ERROR payment failed",
        &[("ts", "2026-11-30T14:01:02"), ("level", "ERROR")],
    );
    check(
        "1/5/2026, 12:00:01.500 AM started",
        &[("ts", "2026-01-05T00:00:01.500"), ("message", "started")],
    );
}

/// Slashed dates with a 24-hour clock: month first unless the first number cannot be a month.
/// Akka's classic logger writes its level, then the bracketed time.
#[test]
fn slashed_dates_with_a_twenty_four_hour_clock() {
    check(
        "[ERROR] [11/30/2026 14:01:02.123] [system-akka.actor.default-dispatcher-5] \
         [akka://system/user/orders] Order 42 failed",
        &[
            ("ts", "2026-11-30T14:01:02.123"),
            ("level", "ERROR"),
            ("thread", "system-akka.actor.default-dispatcher-5"),
            ("message", "Order 42 failed"),
        ],
    );
    check(
        "30/11/2026 14:01:02 WARN disk almost full",
        &[("ts", "2026-11-30T14:01:02"), ("level", "WARN")],
    );
    check(
        "05/11/2026 14:01:02 INFO started",
        &[("ts", "2026-05-11T14:01:02")],
    );
}

/// JBoss's log manager (WildFly, Quarkus, Keycloak) puts the thread in parentheses after
/// the bracketed category; Home Assistant puts it before.
#[test]
fn threads_in_parentheses() {
    check(
        "2026-11-30 14:01:03,456 ERROR [org.jboss.as.controller.management-operation] \
         (Controller Boot Thread) WFLYCTL0013: Operation (\"deploy\") failed",
        &[
            ("level", "ERROR"),
            ("logger", "org.jboss.as.controller.management-operation"),
            ("thread", "Controller Boot Thread"),
            ("message", "WFLYCTL0013: Operation (\"deploy\") failed"),
        ],
    );
    check(
        "14:01:02,123 INFO  [io.quarkus] (main) keycloak 23.0.0 on JVM started in 5.123s.",
        &[
            ("logger", "io.quarkus"),
            ("thread", "main"),
            ("message", "keycloak 23.0.0 on JVM started in 5.123s."),
        ],
    );
    check(
        "2026-11-30 14:01:03,456 ERROR [org.keycloak.services] (executor-thread-1) \
         KC-SERVICES0010: Failed to send email",
        &[
            ("logger", "org.keycloak.services"),
            ("message", "KC-SERVICES0010: Failed to send email"),
        ],
    );
    check(
        "2026-11-30 14:01:03.456 ERROR (MainThread) [homeassistant.components.mqtt] Failed to \
         connect",
        &[
            ("level", "ERROR"),
            ("thread", "MainThread"),
            ("logger", "homeassistant.components.mqtt"),
            ("message", "Failed to connect"),
        ],
    );
    // A parenthesis after the level alone opens the message.
    check(
        "2026-11-30 14:01:03.456 ERROR (see below) payment failed",
        &[("message", "(see below) payment failed")],
    );
}

/// log4j's `%m (%c)` on an event with a stack trace: the class closes the first line.
#[test]
fn a_trailing_class_closes_the_first_line() {
    check(
        "[2026-11-30 14:01:04,789] ERROR Error for partition orders-3 \
         (kafka.server.ReplicaFetcherThread)\norg.apache.kafka.common.errors.NotLeaderOrFollowerException: x",
        &[("logger", "kafka.server.ReplicaFetcherThread")],
    );
}

/// Spring Boot 3.2 names the application in a bracket before the thread's; Flink's empty MDC
/// bracket says nothing; log4js names its category before a dash; Go's `log` leaves the level
/// to the message.
#[test]
fn application_names_empty_brackets_categories_and_levels_in_the_message() {
    check(
        "2026-11-30T14:01:03.456Z ERROR 1234 --- [shop] [nio-8080-exec-1] \
         o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() threw exception",
        &[
            ("application", "shop"),
            ("thread", "nio-8080-exec-1"),
            ("logger", "o.a.c.c.C.[.[.[/].[dispatcherServlet]"),
            ("message", "Servlet.service() threw exception"),
        ],
    );
    let flink = fields(
        "2026-11-30 14:01:02,123 INFO  org.apache.flink.runtime.taskexecutor.TaskExecutor    \
         [] - Receive slot request 42",
    );
    assert_eq!(get(&flink, "thread"), None, "{flink:?}");
    assert_eq!(get(&flink, "message").unwrap(), "Receive slot request 42");
    check(
        "[2026-11-30T14:01:02.123] [ERROR] default - payment failed for order 42",
        &[
            ("level", "ERROR"),
            ("logger", "default"),
            ("message", "payment failed for order 42"),
        ],
    );
    check(
        "2026/11/30 14:01:03 handler.go:88: ERROR payment failed: context deadline exceeded",
        &[("level", "ERROR"), ("logger", "handler.go:88")],
    );
    // A capitalised word after the level and before a dash is the message's.
    check(
        "2026-11-30 14:01:02 INFO Started - took 5ms",
        &[("message", "Started - took 5ms")],
    );
    // An address closing a message is no class name: BIND's category is the logger.
    let bind = fields(
        "30-Nov-2026 14:01:02.123 queries: info: client @0x7f1234567890 10.0.0.5#53412 \
         (example.com): query: example.com IN A +E(0) (10.0.0.2)",
    );
    assert_eq!(get(&bind, "logger").as_deref(), Some("queries"), "{bind:?}");
}
