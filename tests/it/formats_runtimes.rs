//! JVM servers', network monitors' and platforms' logs through the whole ingest with no
//! configuration, each as its program writes it: Akka's level-first slashed dates, JBoss's
//! log manager (WildFly, Keycloak) with its category and thread, Home Assistant, Spring Boot
//! 3.2's application bracket, Zeek's `#fields` logs, nginx's JSON `log_format`, an AWS load
//! balancer's request no target answered, logrus on a terminal (no time at all), Node's bunyan
//! and pino, PHP-FPM's pools and lighttpd's sources, ActiveMQ's and IBM MQ's logs, the JVM's GC
//! log, an application's line relayed by syslog and mysqld's banner in a slow log. Columns
//! are checked, the accounting balances and every row's line is read back from its source.

use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage};
use crate::formats_servers::{ingest_files_checking_formats, rows_of};

const AKKA: &str = "[ERROR] [11/30/2026 14:01:02.123] [shop-akka.actor.default-dispatcher-5] [akka://shop/user/orders] Order 42 failed\n\
[INFO] [11/30/2026 14:01:04.789] [shop-akka.actor.default-dispatcher-2] [akka://shop/user/orders] Order 43 placed\n";

const WILDFLY: &str = "2026-11-30 14:01:02,123 INFO  [org.jboss.as] (Controller Boot Thread) WFLYSRV0025: WildFly Full 30.0.0.Final started in 5123ms\n\
2026-11-30 14:01:03,456 ERROR [org.jboss.as.controller.management-operation] (Controller Boot Thread) WFLYCTL0013: Operation (\"deploy\") failed\n\
java.lang.IllegalStateException: boom\n\
\tat org.jboss.as.Foo.bar(Foo.java:42)\n";

const HOME_ASSISTANT: &str = "2026-11-30 14:01:03.456 ERROR (MainThread) [homeassistant.components.mqtt] Failed to connect to MQTT server\n";

const SPRING_BOOT: &str = "2026-11-30T14:01:03.456Z ERROR 1234 --- [shop] [nio-8080-exec-1] o.a.c.c.C.[.[.[/].[dispatcherServlet]    : Servlet.service() threw exception\n";

const ZEEK_HTTP: &str = "#separator \\x09\n\
#set_separator\t,\n\
#empty_field\t(empty)\n\
#unset_field\t-\n\
#path\thttp\n\
#fields\tts\tuid\tid.orig_h\tmethod\thost\turi\tstatus_code\ttags\n\
#types\ttime\tstring\taddr\tstring\tstring\tstring\tcount\tset[enum]\n\
1796047262.5\tCHhAvVGS1DHFjwGM9\t10.0.0.5\tGET\tshop.example.com\t/api/orders/42\t200\t(empty)\n\
1796047263.0\tC4J4Th3PJpwUYZZ6gc\t10.0.0.6\tPOST\tshop.example.com\t/api/payments\t503\t(empty)\n\
#close\t2026-11-30-15-00-00\n";

const NGINX_JSON: &str = r#"{"time_local":"30/Nov/2026:14:01:02 +0000","remote_addr":"10.0.0.5","request":"GET /api/orders/42 HTTP/1.1","status":"200","request_time":"0.012"}
{"time_iso8601":"2026-11-30T14:01:03+00:00","remote_addr":"10.0.0.6","request":"POST /api/payments HTTP/1.1","status":"504","request_time":"5.003"}
"#;

const ALB: &str = "https 2026-11-30T14:01:03.456789Z app/my-lb/50dc6c495c0c9188 10.0.0.6:2818 - -1 -1 -1 504 - 120 0 \"POST https://shop.example.com:443/api/payments HTTP/1.1\" \"okhttp/4.9\" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/shop/73e2d6bc24d8a067 \"Root=1-58337262-36d228ad5d99923122bbe355\" \"shop.example.com\" \"-\" 1 2026-11-30T14:01:01.111000Z \"forward\" \"-\" \"-\" \"-\" \"-\" \"-\" \"-\"\n";

const LOGRUS_TERMINAL: &str =
    "INFO[0000] Starting server                               port=8080\n\
ERRO[0010] Payment failed                                error=\"timeout\" duration=1.5s\n";

#[tokio::test]
async fn jvm_servers_network_monitors_and_platforms_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("akka.log", AKKA, "text"),
        ("server.log", WILDFLY, "text"),
        ("home-assistant.log", HOME_ASSISTANT, "text"),
        ("shop.log", SPRING_BOOT, "text"),
        ("http.log", ZEEK_HTTP, "w3c"),
        ("access.json", NGINX_JSON, "json"),
        ("alb.log", ALB, "text"),
        ("docker-tool.log", LOGRUS_TERMINAL, "text untimed"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "akka.log",
        "ts, level, json_get_str(attributes, 'thread'), message",
    )
    .await;
    assert_eq!(
        got[0],
        [
            "2026-11-30T14:01:02.123Z",
            "ERROR",
            "shop-akka.actor.default-dispatcher-5",
            "Order 42 failed"
        ]
    );
    let got = rows_of(
        data.path(),
        "server.log",
        "level, component, json_get_str(attributes, 'thread'), _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "org.jboss.as", "Controller Boot Thread", "1"],
            [
                "ERROR",
                "org.jboss.as.controller.management-operation",
                "Controller Boot Thread",
                "3"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "home-assistant.log",
        "component, json_get_str(attributes, 'thread'), message",
    )
    .await;
    assert_eq!(
        got,
        [[
            "homeassistant.components.mqtt",
            "MainThread",
            "Failed to connect to MQTT server"
        ]]
    );
    // Spring Boot's application name is the service.
    let got = rows_of(
        data.path(),
        "shop.log",
        "service, json_get_str(attributes, 'thread')",
    )
    .await;
    assert_eq!(got, [["shop", "nio-8080-exec-1"]]);
    let got = rows_of(
        data.path(),
        "http.log",
        "ts, operation, status_code, outcome",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02.500Z",
                "GET /api/orders/{id}",
                "200",
                "ok"
            ],
            ["2026-11-30T14:01:03Z", "POST /api/payments", "503", "error"],
        ]
    );
    let got = rows_of(data.path(), "access.json", "ts, status_code, duration_ms").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02Z", "200", "12.0"],
            ["2026-11-30T14:01:03Z", "504", "5003.0"],
        ]
    );
    let got = rows_of(
        data.path(),
        "alb.log",
        "operation, status_code, duration_ms",
    )
    .await;
    assert_eq!(got, [["POST /api/payments", "504", "NULL"]]);
    // No time in the lines: the file's; logrus' seconds since start kept.
    let got = rows_of(
        data.path(),
        "docker-tool.log",
        "ts, level, duration_ms, json_get_str(attributes, 'uptime_s')",
    )
    .await;
    assert_eq!(got[1][..3], ["2026-11-30T14:46:40Z", "ERROR", "1500.0"]);

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 13);
}

const BUNYAN: &str = r#"{"name":"shop","hostname":"web-1","pid":1234,"level":30,"msg":"listening","time":"2026-11-30T14:01:02.123Z","v":0}
{"name":"shop","hostname":"web-1","pid":1234,"level":50,"err":{"message":"boom","name":"Error"},"msg":"payment failed","time":"2026-11-30T14:01:03.456Z","v":0}
"#;
const PINO: &str = r#"{"level":40,"time":1796047262123,"pid":7,"hostname":"api-0","name":"orders","msg":"slow query"}
"#;
const TRACING_JSON: &str = r#"{"timestamp":"2026-11-30T14:01:03.123456Z","level":"ERROR","fields":{"message":"request failed","status":503,"latency_ms":1234},"target":"shop::http","span":{"method":"POST","name":"request"}}
"#;
const KLOG_JSON: &str = r#"{"ts":1796047262123.456,"caller":"scheduler/schedule_one.go:123","msg":"Unable to schedule pod","err":"0/3 nodes are available"}
{"ts":1796047263123.456,"caller":"app/server.go:161","msg":"Starting Kubernetes Scheduler","v":0}
"#;
const PHP_FPM: &str = "[30-Nov-2026 14:01:02] NOTICE: fpm is running, pid 1234\n\
[30-Nov-2026 14:01:03] WARNING: [pool www] server reached pm.max_children setting (5), consider raising it\n";
const LIGHTTPD: &str = "2026-11-30 14:01:02: (server.c.1588) server started (lighttpd/1.4.73)\n\
2026-11-30 14:01:03: (mod_fastcgi.c.2543) connect failed: Connection refused\n";

/// Node's bunyan and pino name their application (the service); Rust's `tracing` nests its
/// fields; Kubernetes' JSON logs mark errors with `err` alone; PHP-FPM names its pool (the
/// component); lighttpd the source file and line of each message.
#[tokio::test]
async fn node_rust_and_kubernetes_loggers_php_fpm_and_lighttpd_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("shop.log", BUNYAN, "json"),
        ("orders.log", PINO, "json"),
        ("api.log", TRACING_JSON, "json"),
        ("kube-scheduler.log", KLOG_JSON, "json"),
        ("php-fpm.log", PHP_FPM, "text"),
        ("error.log", LIGHTTPD, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;
    let got = rows_of(data.path(), "shop.log", "service, level, message").await;
    assert_eq!(
        got,
        [
            ["shop", "INFO", "listening"],
            ["shop", "ERROR", "payment failed"]
        ]
    );
    let got = rows_of(data.path(), "orders.log", "service, level").await;
    assert_eq!(got, [["orders", "WARN"]]);
    let got = rows_of(
        data.path(),
        "api.log",
        "level, component, status_code, duration_ms, message",
    )
    .await;
    assert_eq!(
        got,
        [["ERROR", "shop::http", "503", "1234.0", "request failed"]]
    );
    let got = rows_of(data.path(), "kube-scheduler.log", "level, outcome").await;
    assert_eq!(got, [["ERROR", "error"], ["INFO", "ok"]]);
    let got = rows_of(data.path(), "php-fpm.log", "level, component, message").await;
    assert_eq!(
        got[1],
        [
            "WARN",
            "www",
            "server reached pm.max_children setting (5), consider raising it"
        ]
    );
    let got = rows_of(
        data.path(),
        "error.log",
        "component, json_get_str(attributes, 'source_line'), message",
    )
    .await;
    assert_eq!(
        got,
        [
            ["server.c", "1588", "server started (lighttpd/1.4.73)"],
            [
                "mod_fastcgi.c",
                "2543",
                "connect failed: Connection refused"
            ],
        ]
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 10);
}

const ACTIVEMQ: &str = "2019-11-27 15:09:34,491 | INFO  | KahaDB is version 6 | org.apache.activemq.store.kahadb.MessageDatabase | main\n\
2019-11-27 15:09:34,712 | ERROR | Failed to start Apache ActiveMQ (localhost) | org.apache.activemq.broker.BrokerService | main\n\
java.io.IOException: Transport Connector could not be registered in JMX\n\
\tat org.apache.activemq.util.IOExceptionSupport.create(IOExceptionSupport.java:28)[activemq-client-5.15.9.jar:5.15.9]\n\
2019-11-27 15:09:34,718 | WARN  | Connector openwire stopped | org.apache.activemq.broker.TransportConnector | KahaDB Index Free Page Recovery\n";

/// IBM MQ's error log, day first (`28/10/2018`), each record closed by its dashed line.
const IBM_MQ: &str = "11/10/2018 10:46:25 - Process(16776.1) User(MUSR_MQADMIN) Program(strmqm.exe)
                      Host(FELIX-ELASTIC) Installation(Installation1)
                      VRMF(9.1.0.0)
                      Time(2018-10-11T08:46:25.924Z)
                      ArithInsert1(90)
                     
AMQ7125I: There are 90 days left in the trial period for this copy of IBM MQ.

EXPLANATION:
This copy of IBM MQ is licensed for a limited period only.
ACTION:
None. 
----- amqzlic0.c : 435 --------------------------------------------------------
28/10/2018 15:12:08 - Process(7360.1) User(MUSR_MQADMIN) Program(amqzxma0.exe)
                      Host(FELIX-ELASTIC) Installation(Installation1)
                      VRMF(9.1.0.0) QMgr(QM1)
                      Time(2018-10-28T14:12:08.665Z)
                     
AMQ6184W: An internal IBM MQ error has occurred on queue manager
QM1.

EXPLANATION:
An error has been detected, and the IBM MQ error recording routine has been
called.
ACTION:
Use the standard facilities supplied with your system to record the problem.
----- amqxfdcp.c : 874 --------------------------------------------------------
";

const JVM_GC: &str = "2018-06-11T01:53:11.382+0000: 1396138.752: Total time for which application threads were stopped: 0.0083760 seconds, Stopping threads took: 0.0000702 seconds\n\
2018-06-11T02:00:11.097+0000: 1396558.467: [GC (Allocation Failure) 2018-06-11T02:00:11.097+0000: 1396558.467: [ParNew\n\
Desired survivor size 8716288 bytes, new threshold 6 (max 6)\n\
: 153138K->12252K(153344K), 0.0077785 secs] 680068K->540560K(1031552K), 0.0078609 secs] [Times: user=0.02 sys=0.00, real=0.01 secs]\n";

/// A service under systemd writing its own log4j lines to stdout, as syslog keeps them.
/// Its stack trace a syslog line per line of output, the tab escaped as rsyslog does (`#011`).
const RELAYED: &str = "Nov 30 14:01:02 web-1 shop[123]: 2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed\n\
Nov 30 14:01:02 web-1 shop[123]: java.lang.IllegalStateException: pool exhausted\n\
Nov 30 14:01:02 web-1 shop[123]: #011at com.acme.Pool.get(Pool.java:42)\n\
Nov 30 14:01:02 web-1 shop[123]: Caused by: java.net.SocketTimeoutException: timed out\n\
Nov 30 14:01:02 web-1 shop[123]: #011... 12 more\n\
Nov 30 14:01:03 web-1 systemd[1]: Started Daily apt upgrade and clean activities.\n";

/// mysqld's banner opens the slow log, and again after a restart.
const SLOW_LOG: &str = "/usr/sbin/mysqld, Version: 8.0.15-5 (Percona Server (GPL), Release '5', Revision 'f8a9e99'). started with:\n\
Tcp port: 3306  Unix socket: /var/run/mysqld/mysqld.sock\n\
Time                 Id Command    Argument\n\
# Time: 2019-03-24T16:22:43.836524Z\n\
# User@Host: root[root] @ localhost []  Id:   182\n\
# Query_time: 2.746607  Lock_time: 0.000138  Rows_sent: 10  Rows_examined: 3145718\n\
SELECT last_name FROM employees LIMIT 10;\n\
/usr/sbin/mysqld, Version: 8.0.15-5 (Percona Server (GPL), Release '5', Revision 'f8a9e99'). started with:\n\
Tcp port: 0  Unix socket: /var/run/mysqld/mysqld.sock\n\
Time                 Id Command    Argument\n\
# Time: 2019-03-24T16:26:04.482151Z\n\
# User@Host: root[root] @ localhost []  Id:     8\n\
# Query_time: 3.133066  Lock_time: 0.000190  Rows_sent: 10  Rows_examined: 3145718\n\
SELECT last_name FROM employees\n    LIMIT 10;\n";

/// Brokers' own layouts (ActiveMQ's spaced pipes, IBM MQ's error log), the JVM's GC log,
/// an application's line and its stack trace relayed by syslog, and a slow log with mysqld's banner in it.
#[tokio::test]
async fn brokers_gc_relayed_lines_and_the_mysqld_banner_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("activemq.log", ACTIVEMQ, "text"),
        ("AMQERR01.LOG", IBM_MQ, "text"),
        ("gc.log", JVM_GC, "text"),
        ("syslog", RELAYED, "syslog"),
        ("slow.log", SLOW_LOG, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;
    let got = rows_of(
        data.path(),
        "activemq.log",
        "_line_count, level, component, json_get_str(attributes, 'thread'), split_part(message, chr(10), 1)",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "1",
                "INFO",
                "org.apache.activemq.store.kahadb.MessageDatabase",
                "main",
                "KahaDB is version 6"
            ],
            [
                "3",
                "ERROR",
                "org.apache.activemq.broker.BrokerService",
                "main",
                "Failed to start Apache ActiveMQ (localhost)"
            ],
            [
                "1",
                "WARN",
                "org.apache.activemq.broker.TransportConnector",
                "KahaDB Index Free Page Recovery",
                "Connector openwire stopped"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "AMQERR01.LOG",
        "_line_count, CAST(ts AS VARCHAR), level, component, json_get_str(attributes, 'error_code'), json_get_str(attributes, 'queue_manager'), message",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "13",
                "2018-10-11T08:46:25.924Z",
                "INFO",
                "strmqm.exe",
                "AMQ7125I",
                "NULL",
                "There are 90 days left in the trial period for this copy of IBM MQ."
            ],
            [
                "14",
                "2018-10-28T14:12:08.665Z",
                "WARN",
                "amqzxma0.exe",
                "AMQ6184W",
                "QM1",
                "An internal IBM MQ error has occurred on queue manager QM1."
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "gc.log",
        "_line_count, component, operation, duration_ms",
    )
    .await;
    assert_eq!(
        got,
        [
            ["1", "gc", "unknown", "8.376"],
            ["3", "gc", "GC (Allocation Failure)", "7.779"],
        ]
    );
    let got = rows_of(
        data.path(),
        "syslog",
        "CAST(ts AS VARCHAR), level, service, component, message, json_get_str(attributes, 'host'), _line_count",
    )
    .await;
    assert_eq!(
        got[0],
        [
            "2026-11-30T14:01:02.123Z",
            "ERROR",
            "shop",
            "c.a.Checkout",
            "payment failed\njava.lang.IllegalStateException: pool exhausted\n\tat com.acme.Pool.get(Pool.java:42)\nCaused by: java.net.SocketTimeoutException: timed out\n\t... 12 more",
            "web-1",
            "5"
        ]
    );
    assert_eq!(got[1][1..3], ["INFO", "systemd"]);
    let got = rows_of(
        data.path(),
        "slow.log",
        "_line, _line_count, duration_ms, message",
    )
    .await;
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(got[0][..3], ["4", "4", "2746.607"]);
    assert_eq!(got[1][..3], ["11", "5", "3133.066"]);
    assert!(
        got.iter().all(|row| !row[3].contains("started with")),
        "{got:?}"
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 3 + 2 + 2 + 2 + 2);
}

/// `kubectl logs --timestamps` (and `docker logs -t`): each line of a Java app's output, its
/// stack trace's too, after the tool's RFC 3339 time; Logstash's `line` codec puts the host
/// between.
const KUBECTL_TIMESTAMPS: &str = "2026-11-30T14:01:02.123456789Z 2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed\n\
2026-11-30T14:01:02.1235Z java.lang.IllegalStateException: pool exhausted\n\
2026-11-30T14:01:02.1236Z \tat com.shop.Pay.charge(Pay.java:42)\n\
2026-11-30T14:01:03Z {\"level\":\"warn\",\"msg\":\"slow\",\"duration_ms\":812}\n\
2026-11-30T14:01:05Z plain line\n";

const LOGSTASH_LINE: &str = "2026-11-30T14:01:02.123Z web-1 2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed\n\
2026-11-30T14:01:03.000Z web-1 GET /health 200\n";

#[tokio::test]
async fn lines_under_a_tools_time_prefix_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("pod.log", KUBECTL_TIMESTAMPS, "text"),
        ("logstash.log", LOGSTASH_LINE, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;
    let got = rows_of(
        data.path(),
        "pod.log",
        "ts, level, component, message, _line_count, json_get_str(attributes, 'prefix_time')",
    )
    .await;
    assert_eq!(
        got[0],
        [
            "2026-11-30T14:01:02.123Z",
            "ERROR",
            "c.a.Checkout",
            "payment failed\njava.lang.IllegalStateException: pool exhausted\n\tat com.shop.Pay.charge(Pay.java:42)",
            "3",
            "2026-11-30T14:01:02.123456789Z"
        ]
    );
    assert_eq!(got.len(), 3, "{got:?}");
    assert_eq!(got[1][1..4], ["WARN", "unknown", "slow"]);
    let got = rows_of(
        data.path(),
        "logstash.log",
        "level, component, message, json_get_str(attributes, 'host')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["ERROR", "c.a.Checkout", "payment failed", "web-1"],
            ["INFO", "unknown", "web-1 GET /health 200", "NULL"]
        ]
    );
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 5);
}
