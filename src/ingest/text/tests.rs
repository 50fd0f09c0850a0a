//! One line per layout family, shaped after each tool's documented default layout, checked
//! field by field.

use super::*;

pub(super) fn parser() -> TextParser {
    TextParser {
        years: YearHint {
            year: None,
            // 2026-12-01T00:00:00Z
            reference_micros: 1_796_083_200_000_000,
        },
        dates: Default::default(),
    }
}

pub(super) fn fields(line: &str) -> Vec<(String, String)> {
    parser()
        .parse(line)
        .unwrap_or_else(|e| panic!("{line:?}: {e}"))
        .into_iter()
        .map(|(k, v)| {
            let text = match v {
                Value::String(s) => s,
                other => other.to_string(),
            };
            (k, text)
        })
        .collect()
}

/// The value of `key` in raw fields (the last one, as duplicates go).
pub(super) fn value<'a>(fields: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
}

/// What a reader of the text after a line's time (those `daemons::read` tries) pushes for
/// `rest`, or `None` when it turns the line away.
pub(super) fn read_rest(
    reader: fn(&str, &mut Vec<(String, Value)>) -> bool,
    rest: &str,
) -> Option<Vec<(String, Value)>> {
    let mut fields = Vec::new();
    reader(rest, &mut fields).then_some(fields)
}

/// The value of `key` in raw fields (the first one).
pub(super) fn first_value<'a>(fields: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

pub(super) fn get(fields: &[(String, String)], key: &str) -> Option<String> {
    fields
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.clone())
}

#[track_caller]
pub(super) fn check(line: &str, expected: &[(&str, &str)]) {
    let got = fields(line);
    for (key, value) in expected {
        assert_eq!(
            get(&got, key).as_deref(),
            Some(*value),
            "{key} of {line:?}; all fields: {got:?}"
        );
    }
}

#[test]
fn logback_and_log4j() {
    check(
        "2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed",
        &[
            ("ts", "2026-11-30T14:01:02.123"),
            ("level", "ERROR"),
            ("thread", "main"),
            ("logger", "c.a.Checkout"),
            ("message", "payment failed"),
        ],
    );
    check(
        "2015-10-18 18:01:47,978 INFO [main] org.apache.hadoop.mapreduce.v2.app.MRAppMaster: Created MRAppMaster for application appattempt_1445144423722_0020_000001",
        &[
            ("level", "INFO"),
            ("logger", "org.apache.hadoop.mapreduce.v2.app.MRAppMaster"),
            ("message", "Created MRAppMaster for application appattempt_1445144423722_0020_000001"),
        ],
    );
}

#[test]
fn python_logging_and_spring_boot() {
    check(
        "2026-11-30 14:01:02,123 - checkout - ERROR - payment failed: card declined",
        &[
            ("level", "ERROR"),
            ("logger", "checkout"),
            ("message", "payment failed: card declined"),
        ],
    );
    check(
        "2026-11-30T14:01:02.123+01:00  WARN 4242 --- [nio-8080-exec-1] o.s.web.servlet.PageNotFound             : No mapping for GET /favicon.ico",
        &[
            ("ts", "2026-11-30T14:01:02.123+01:00"),
            ("level", "WARN"),
            ("pid", "4242"),
            ("thread", "nio-8080-exec-1"),
            ("logger", "o.s.web.servlet.PageNotFound"),
            ("message", "No mapping for GET /favicon.ico"),
        ],
    );
}

#[test]
fn hadoop_family_and_zookeeper() {
    check(
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 for block blk_38865049064139660 terminating",
        &[
            ("ts", "2008-11-09T20:36:15"),
            ("pid", "148"),
            ("level", "INFO"),
            ("logger", "dfs.DataNode$PacketResponder"),
            ("message", "PacketResponder 1 for block blk_38865049064139660 terminating"),
        ],
    );
    check(
        "17/06/09 20:10:40 INFO executor.CoarseGrainedExecutorBackend: Registered signal handlers for [TERM, HUP, INT]",
        &[
            ("ts", "2017-06-09T20:10:40"),
            ("logger", "executor.CoarseGrainedExecutorBackend"),
            ("message", "Registered signal handlers for [TERM, HUP, INT]"),
        ],
    );
    check(
        "2015-07-29 17:41:44,747 - INFO  [QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774] - Notification time out: 3200",
        &[
            ("level", "INFO"),
            ("thread", "QuorumPeer[myid=1]/0:0:0:0:0:0:0:0:2181:FastLeaderElection@774"),
            ("message", "Notification time out: 3200"),
        ],
    );
}

#[test]
fn web_servers_error_logs() {
    check(
        "[Sun Dec 04 04:47:44 2005] [notice] workerEnv.init() ok /etc/httpd/conf/workers2.properties",
        &[
            ("ts", "2005-12-04T04:47:44"),
            ("level", "INFO"),
            ("message", "workerEnv.init() ok /etc/httpd/conf/workers2.properties"),
        ],
    );
    check(
        "[Wed Oct 11 14:32:52.123456 2000] [core:error] [pid 35708:tid 4328636416] [client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico",
        &[
            ("level", "ERROR"),
            ("logger", "core"),
            ("pid", "35708"),
            ("tid", "4328636416"),
            (
                "message",
                "[client 72.15.99.187] File does not exist: /usr/local/apache2/htdocs/favicon.ico",
            ),
        ],
    );
    check(
        "2026/11/30 14:01:02 [error] 1234#0: *5 open() \"/usr/share/nginx/html/x\" failed (2: No such file or directory), client: 10.0.0.1",
        &[
            ("ts", "2026-11-30T14:01:02"),
            ("level", "ERROR"),
            ("pid", "1234"),
            ("tid", "0"),
            ("message", "*5 open() \"/usr/share/nginx/html/x\" failed (2: No such file or directory), client: 10.0.0.1"),
        ],
    );
}

#[test]
fn openstack_prefix_and_request_id() {
    check(
        "nova-api.log.1.2017-05-16_13:53:08 2017-05-16 00:00:00.008 25746 INFO nova.osapi_compute.wsgi.server [req-38101a0b-2096-447d-96ea-a692162415ae 113d3a99c3da401fbd62cc2caa5b96d2 - - -] 10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829",
        &[
            ("prefix", "nova-api.log.1.2017-05-16_13:53:08"),
            ("ts", "2017-05-16T00:00:00.008"),
            ("pid", "25746"),
            ("level", "INFO"),
            ("logger", "nova.osapi_compute.wsgi.server"),
            ("request_id", "req-38101a0b-2096-447d-96ea-a692162415ae"),
            ("message", "10.11.10.1 \"GET /v2/servers/detail HTTP/1.1\" status: 200 len: 1893 time: 0.2477829"),
        ],
    );
}

#[test]
fn go_rails_glog_android() {
    check(
        "2026/11/30 14:01:02 listening on :8080",
        &[
            ("ts", "2026-11-30T14:01:02"),
            ("message", "listening on :8080"),
        ],
    );
    check(
        "I, [2026-11-30T14:01:02.123456 #1234]  INFO -- : Completed 200 OK in 12ms",
        &[
            ("prefix", "I,"),
            ("ts", "2026-11-30T14:01:02.123456"),
            ("pid", "1234"),
            ("level", "INFO"),
            ("message", "Completed 200 OK in 12ms"),
        ],
    );
    // The Logger's progname.
    check(
        "W, [2026-11-30T14:01:03.000000 #1234]  WARN -- Sidekiq: slow job",
        &[
            ("level", "WARN"),
            ("logger", "Sidekiq"),
            ("message", "slow job"),
        ],
    );
    check(
        "E1130 14:01:02.123456    4321 reflector.go:138] failed to list *v1.Pod: connection refused",
        &[
            ("ts", "2026-11-30T14:01:02.123456"),
            ("level", "ERROR"),
            ("tid", "4321"),
            ("logger", "reflector.go:138"),
            ("message", "failed to list *v1.Pod: connection refused"),
        ],
    );
    check(
        "03-17 16:13:38.811  1702  2395 D WindowManager: printFreezingDisplayLogs",
        &[
            ("pid", "1702"),
            ("tid", "2395"),
            ("level", "DEBUG"),
            ("logger", "WindowManager"),
            ("message", "printFreezingDisplayLogs"),
        ],
    );
}

#[test]
fn a_plain_word_with_a_colon_stays_in_the_message() {
    check(
        "2026-11-30 14:01:02 ERROR Failed: connection refused",
        &[
            ("level", "ERROR"),
            ("message", "Failed: connection refused"),
        ],
    );
}

#[test]
fn years_for_year_less_timestamps_never_land_in_the_future() {
    // Reference 2026-12-01: December 10 would be in the future, so it is last year's.
    check("Dec 10 06:55:46 started", &[("ts", "2025-12-10T06:55:46")]);
    check("Nov 30 06:55:46 started", &[("ts", "2026-11-30T06:55:46")]);
    let fixed = TextParser {
        years: YearHint {
            year: Some(2017),
            reference_micros: 0,
        },
        dates: Default::default(),
    };
    let got = fixed.parse("Dec 10 06:55:46 started").unwrap();
    assert_eq!(got[0].1, Value::String("2017-12-10T06:55:46".into()));
}

#[test]
fn impossible_dates_are_not_timestamps() {
    assert!(parser().parse("2026-13-45 25:61:00 not a time").is_err());
    assert!(parser().parse("Feb 30 10:00:00 no such day").is_err());
    assert!(parser().parse("just some words").is_err());
}

#[test]
fn epoch_seconds_at_the_start() {
    let got = fields("1700000000.5 worker started");
    assert_eq!(get(&got, "ts").as_deref(), Some("1700000000.5"));
    assert_eq!(get(&got, "message").as_deref(), Some("worker started"));
    let got = fields("[1700000000] SERVICE ALERT: web-1;HTTP;CRITICAL;HARD;3;timeout");
    assert_eq!(get(&got, "ts").as_deref(), Some("1700000000.0"));
    // After other tokens a bare number is an id (Apache's `[pid 35708:tid 4328636416]`).
    assert!(parser()
        .parse("[pid 35708:tid 4328636416] [client 10.0.0.1] File does not exist")
        .is_err());
    assert!(parser().parse("worker 42 job 1700000000 started").is_err());
}

#[test]
fn supercomputer_logs_labelled_and_lanl() {
    // Blue Gene/L: the epoch is the time (the local time the line repeats is UTC-7).
    check(
        "- 1117838570 2005.06.03 R02-M1-N0-C:J12-U11 2005-06-03-15.42.50.675872 R02-M1-N0-C:J12-U11 RAS KERNEL INFO instruction cache parity error corrected",
        &[
            ("ts", "1117838570.0"),
            ("host", "R02-M1-N0-C:J12-U11"),
            ("type", "RAS"),
            ("logger", "KERNEL"),
            ("level", "INFO"),
            ("message", "instruction cache parity error corrected"),
        ],
    );
    check(
        "APPREAD 1117869872 2005.06.04 R04-M1-N4-I:J18-U11 2005-06-04-00.24.32.432192 R04-M1-N4-I:J18-U11 RAS APP FATAL ciod: failed to read message prefix on control stream",
        &[
            ("alert", "APPREAD"),
            ("level", "FATAL"),
            ("logger", "APP"),
            ("message", "ciod: failed to read message prefix on control stream"),
        ],
    );
    check(
        "- 1118536327 2005.06.11 NULL 2005-06-11-17.32.07.581048 NULL RAS MMCS FAILURE idoproxy communication failure: socket closed",
        &[("level", "FATAL"), ("message", "idoproxy communication failure: socket closed")],
    );
    // Thunderbird: the node's own line is syslog's.
    check(
        "- 1131566461 2005.11.09 dn228 Nov 9 12:01:01 dn228/dn228 crond(pam_unix)[2915]: session closed for user root",
        &[
            ("ts", "1131566461.0"),
            ("host", "dn228"),
            ("location", "dn228/dn228"),
            ("service", "crond(pam_unix)"),
            ("pid", "2915"),
            ("message", "session closed for user root"),
        ],
    );
    check(
        "- 1131567002 2005.11.09 dn73 Nov 9 12:10:02 dn73/dn73 kernel: Losing some ticks... checking if CPU frequency changed.",
        &[
            ("service", "kernel"),
            ("message", "Losing some ticks... checking if CPU frequency changed."),
        ],
    );
    // LANL: `ID NODE COMPONENT STATE EPOCH FLAG message`.
    check(
        r"134681 node-246 unix.hw state_change.unavailable 1077804742 1 Component State Change: Component \042alt0\042 is in the unavailable state (HWID=1973)",
        &[
            ("ts", "1077804742.0"),
            ("log_id", "134681"),
            ("host", "node-246"),
            ("logger", "unix.hw"),
            ("state", "state_change.unavailable"),
            ("flag", "1"),
            (
                "message",
                r"Component State Change: Component \042alt0\042 is in the unavailable state (HWID=1973)",
            ),
        ],
    );
    assert!(starts_text_event(
        b"87296 gige7 gige3 linkerror 1075654521 1 Linkerror event interval expired"
    ));
    assert!(starts_text_event(
        b"2286759 full partition status 1061219795 -1 running"
    ));
    // Lines that only look alike stay with the header scanner.
    assert!(!starts_text_event(
        b"134681 apples and more 1077804742 pears"
    ));
    check(
        "081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
        &[("pid", "148"), ("message", "PacketResponder 1 terminating")],
    );
}

#[test]
fn pipes_after_the_time_and_marked_programs() {
    check(
        "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
        &[
            ("ts", "2017-12-23T22:15:29.606"),
            ("logger", "Step_LSC"),
            ("pid", "30002312"),
            ("message", "onStandStepChanged 3579"),
        ],
    );
    // HealthApp does not pad: `0:9` is the 0th second and 9 milliseconds.
    check(
        "20171223-22:16:0:9|Step_LSC|30002312|processHandleBroadcastAction",
        &[
            ("ts", "2017-12-23T22:16:00.009"),
            ("message", "processHandleBroadcastAction"),
        ],
    );
    check(
        "2026-11-30 14:01:02.123|ERROR|worker-3|c.a.Job|retry 2 of 5|backing off",
        &[
            ("level", "ERROR"),
            ("logger", "worker-3"),
            ("message", "c.a.Job|retry 2 of 5|backing off"),
        ],
    );
    check(
        "[10.30 16:49:08] chrome.exe *64 - proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS",
        &[
            ("logger", "chrome.exe *64"),
            ("message", "proxy.cse.cuhk.edu.hk:5070 open through proxy proxy.cse.cuhk.edu.hk:5070 HTTPS"),
        ],
    );
    check(
        "[10.30 16:49:06] chrome.exe - proxy.cse.cuhk.edu.hk:5070 close, 0 bytes sent",
        &[
            ("logger", "chrome.exe"),
            ("message", "proxy.cse.cuhk.edu.hk:5070 close, 0 bytes sent"),
        ],
    );
}

#[test]
fn windows_cbs() {
    check(
        "2016-09-28 04:40:43, Warning               CBS    Unable to get CBS Client options [HRESULT = 0x80004005 - E_FAIL]",
        &[
            ("ts", "2016-09-28T04:40:43"),
            ("level", "WARN"),
            ("logger", "CBS"),
            ("message", "Unable to get CBS Client options [HRESULT = 0x80004005 - E_FAIL]"),
        ],
    );
}

#[test]
fn database_and_queue_servers() {
    // PostgreSQL's default `%m [%p] ` prefix: the zone word is the time's; LOG is INFO.
    check(
        "2026-11-30 14:01:02.123 UTC [1234] LOG:  checkpoint starting: time",
        &[
            ("ts", "2026-11-30T14:01:02.123+00:00"),
            ("pid", "1234"),
            ("level", "INFO"),
            ("message", "checkpoint starting: time"),
        ],
    );
    check(
        "2026-11-30 15:01:02.123 CET [1240] app@shop ERROR:  relation \"users\" does not exist",
        &[
            ("ts", "2026-11-30T15:01:02.123+01:00"),
            ("user", "app"),
            ("database", "shop"),
            ("level", "ERROR"),
            ("message", "relation \"users\" does not exist"),
        ],
    );
    // An unknown upper-case word after the time is no zone: it stays in the message.
    check(
        "2026-11-30 14:01:02 ABCD started",
        &[("ts", "2026-11-30T14:01:02"), ("message", "ABCD started")],
    );
    // Redis: `pid:role day month year time mark message`.
    check(
        "1234:M 30 Nov 2026 14:01:02.456 * Ready to accept connections tcp",
        &[
            ("ts", "2026-11-30T14:01:02.456"),
            ("pid", "1234"),
            ("role", "M"),
            ("level", "INFO"),
            ("message", "Ready to accept connections tcp"),
        ],
    );
    check(
        "1234:C 30 Nov 2026 14:01:03.789 # WARNING overcommit_memory is set to 0!",
        &[
            ("level", "WARN"),
            ("message", "WARNING overcommit_memory is set to 0!"),
        ],
    );
    // Celery's workers: level and process inside the time's bracket.
    check(
        "[2026-11-30 14:01:03,123: ERROR/ForkPoolWorker-1] Task app.tasks.charge[4f1c] raised unexpected: TimeoutError()",
        &[
            ("ts", "2026-11-30T14:01:03.123"),
            ("level", "ERROR"),
            ("process", "ForkPoolWorker-1"),
            ("message", "Task app.tasks.charge[4f1c] raised unexpected: TimeoutError()"),
        ],
    );
    // Elasticsearch: the class in the bracket after the level is the logger.
    check(
        "[2026-11-30T14:01:03,123][WARN ][o.e.c.r.a.DiskThresholdMonitor] [node-1] high disk watermark [90%] exceeded",
        &[
            ("level", "WARN"),
            ("logger", "o.e.c.r.a.DiskThresholdMonitor"),
            ("message", "high disk watermark [90%] exceeded"),
        ],
    );
}

#[test]
fn java_servers_and_mysql() {
    // Cassandra: the level and thread before the time, the source location as logger.
    check(
        "ERROR [CompactionExecutor:2] 2026-11-30 14:01:04,123 CassandraDaemon.java:244 - Exception in thread",
        &[
            ("ts", "2026-11-30T14:01:04.123"),
            ("level", "ERROR"),
            ("thread", "CompactionExecutor:2"),
            ("logger", "CassandraDaemon.java:244"),
            ("message", "Exception in thread"),
        ],
    );
    // Tomcat: `dd-MMM-yyyy` and a class.method with no separator before the message.
    check(
        "30-Nov-2026 14:01:03.123 SEVERE [http-nio-8080-exec-1] org.apache.catalina.core.StandardWrapperValve.invoke Servlet.service() threw exception",
        &[
            ("ts", "2026-11-30T14:01:03.123"),
            ("level", "ERROR"),
            ("thread", "http-nio-8080-exec-1"),
            ("logger", "org.apache.catalina.core.StandardWrapperValve.invoke"),
            ("message", "Servlet.service() threw exception"),
        ],
    );
    // Kafka: log4j's `%m (%c)`: the class names the logger, the message keeps it.
    check(
        "[2026-11-30 14:01:04,123] ERROR [Controller id=1] Error completing reassignment (kafka.controller.KafkaController)",
        &[
            ("level", "ERROR"),
            ("logger", "kafka.controller.KafkaController"),
            (
                "message",
                "Error completing reassignment (kafka.controller.KafkaController)",
            ),
        ],
    );
    // MySQL 8: the error code, then the subsystem as logger; Note is INFO.
    check(
        "2026-11-30T14:01:04.123456Z 8 [ERROR] [MY-012592] [InnoDB] Operating system error number 2 in a file operation.",
        &[
            ("ts", "2026-11-30T14:01:04.123456+00:00"),
            ("level", "ERROR"),
            ("error_code", "MY-012592"),
            ("logger", "InnoDB"),
            ("message", "Operating system error number 2 in a file operation."),
        ],
    );
    check(
        "2026-11-30T14:01:05.123456Z 0 [Note] [MY-011071] [Server] Plugin mysqlx reported: 'ready'",
        &[("level", "INFO"), ("logger", "Server")],
    );
    // RabbitMQ: an Erlang pid after the level is the process, not a logger.
    check(
        "2026-11-30 14:01:03.123456+00:00 [error] <0.789.0> closing AMQP connection",
        &[
            ("level", "ERROR"),
            ("erlang_pid", "<0.789.0>"),
            ("message", "closing AMQP connection"),
        ],
    );
    // A log4j line keeps its logger and message as before.
    check(
        "2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed (retrying)",
        &[
            ("logger", "c.a.Checkout"),
            ("message", "payment failed (retrying)"),
        ],
    );
}

/// tracing-subscriber's default `fmt` layout: level, the open spans with their fields, the
/// target, the message.
#[test]
fn rust_tracing_spans_and_target() {
    check(
        "2026-11-30T14:01:02.123456Z ERROR checkout::payments: payment failed order=1274",
        &[
            ("level", "ERROR"),
            ("logger", "checkout::payments"),
            ("message", "payment failed order=1274"),
        ],
    );
    check(
        "2026-11-30T14:01:03.123456Z  INFO request{method=GET uri=/api/orders/7}:db{pool={\"a\"}}: checkout::api: finished status=200",
        &[
            ("level", "INFO"),
            ("spans", "request{method=GET uri=/api/orders/7}:db{pool={\"a\"}}"),
            ("logger", "checkout::api"),
            ("message", "finished status=200"),
            ("status", "200"),
        ],
    );
    // Braces in a message after a logger stay the message's.
    check(
        "2026-11-30T14:01:04Z WARN shop::cart: map{a=1}: stays",
        &[("logger", "shop::cart"), ("message", "map{a=1}: stays")],
    );
    let unclosed = fields("2026-11-30T14:01:04Z WARN span{a=1 never closed: message");
    assert_eq!(get(&unclosed, "spans"), None, "{unclosed:?}");
}

/// .NET's console logger (single line, with a timestamp format): level, category and event
/// id, message.
#[test]
fn dotnet_console_category_and_event_id() {
    check(
        "2026-11-30 14:01:02 info: Microsoft.Hosting.Lifetime[14] Now listening on: http://localhost:5000",
        &[
            ("level", "INFO"),
            ("logger", "Microsoft.Hosting.Lifetime"),
            ("event_id", "14"),
            ("message", "Now listening on: http://localhost:5000"),
        ],
    );
    check(
        "2026-11-30 14:01:03 fail: Shop.Api.OrdersController[0] Order 1274 failed",
        &[
            ("level", "ERROR"),
            ("logger", "Shop.Api.OrdersController"),
            ("message", "Order 1274 failed"),
        ],
    );
}

#[test]
fn serilog_file_sink_and_threads_before_the_level() {
    // Serilog's file sink: a `+hh:mm` offset after the time, a three-letter level.
    let got = fields("2026-11-30 14:01:02.123 +01:00 [ERR] Payment failed for order 17");
    assert_eq!(
        get(&got, "ts").as_deref(),
        Some("2026-11-30T14:01:02.123+01:00")
    );
    assert_eq!(get(&got, "level").as_deref(), Some("ERROR"));
    assert_eq!(
        get(&got, "message").as_deref(),
        Some("Payment failed for order 17")
    );
    // Jira and log4j's `%d %t %p`: an unbracketed pool thread before an upper-case level.
    let got = fields("2026-11-30 14:01:02,123+0000 http-nio-8080-exec-1 ERROR alice 841x1x1 /rest/api/2/issue [c.a.jira.issue.IssueManager] Failed");
    assert_eq!(get(&got, "thread").as_deref(), Some("http-nio-8080-exec-1"));
    assert_eq!(get(&got, "level").as_deref(), Some("ERROR"));
    // A host, a pid or a request id before the level stays what it was.
    let got = fields("2026-11-30 14:01:02 web-1 started ERROR later");
    assert_eq!(get(&got, "thread"), None);
    let got = fields("2026-11-30 14:01:02,123 4321 ERROR shop odoo.http: boom");
    assert_eq!(get(&got, "thread"), None);
}

#[test]
fn kitchen_times_puppet_levels_and_untimed_requests() {
    // zerolog's console writer: Go's `time.Kitchen`, the date the file's.
    let got = fields("2:01PM ERR payment failed order=17");
    assert_eq!(get(&got, "ts").as_deref(), Some("2026-11-30T14:01:00"));
    assert_eq!(get(&got, "level").as_deref(), Some("ERROR"));
    let got = fields("12:05AM INF started");
    assert_eq!(get(&got, "ts").as_deref(), Some("2026-11-30T00:05:00"));
    // Puppet's agent: a level in parentheses after the source.
    let got = fields(
        "2026-11-30 14:01:02 +0000 /Stage[main]/Nginx/Service[nginx] (err): Could not start",
    );
    assert_eq!(get(&got, "level").as_deref(), Some("ERROR"));
    // (A notice is not above INFO: no level, the default.)
    let got = fields("2026-11-30 14:01:02 +0000 Puppet (notice): Applied catalog");
    assert_eq!(get(&got, "level"), None);
    // morgan's `dev` and `tiny` formats: no time, a request.
    for line in [
        "GET /api/orders/17 500 12.345 ms - 21",
        "GET /api/orders/17 500 21 - 12.345 ms",
    ] {
        let got: Vec<(String, String)> = untimed::parse(line)
            .unwrap()
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect();
        assert_eq!(get(&got, "status").as_deref(), Some("500"), "{line}");
        assert_eq!(
            get(&got, "duration_ms").as_deref(),
            Some("12.345"),
            "{line}"
        );
        assert!(untimed::starts_event(line.as_bytes()));
    }
    assert!(untimed::parse("GET me a coffee 200 times").is_none());
}

/// PHP-FPM's pool is the component; a bracket that names no pool stays the message's.
#[test]
fn php_fpm_pools() {
    check(
        "[30-Nov-2026 14:01:03] WARNING: [pool www] server reached pm.max_children setting (5)",
        &[
            ("level", "WARN"),
            ("component", "www"),
            ("message", "server reached pm.max_children setting (5)"),
        ],
    );
    let prose = fields("[30-Nov-2026 14:01:03] NOTICE: [pool of workers] ready");
    assert_eq!(get(&prose, "component"), None, "{prose:?}");
}
