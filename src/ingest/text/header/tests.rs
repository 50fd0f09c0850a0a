//! The general header reader on layouts found in a sixth probe of other programs' logs.

use super::super::tests::{fields, get, value};
use super::super::untimed;

#[test]
fn hclog_subsystem_after_its_bracketed_level() {
    let f = fields("2026-11-30T14:01:02.123Z [INFO]  agent: Starting Consul agent...");
    assert_eq!(get(&f, "level").unwrap(), "INFO");
    assert_eq!(get(&f, "logger").unwrap(), "agent");
    assert_eq!(get(&f, "message").unwrap(), "Starting Consul agent...");
    let f = fields("2026-11-30T14:01:04.789Z [WARN]  agent: Check is now critical: check=web");
    assert_eq!(get(&f, "logger").unwrap(), "agent");
    assert_eq!(get(&f, "check").unwrap(), "web", "an unmapped pair is kept");
    // A level word is prose, and so is a capitalised one.
    let f = fields("2026-11-30T14:01:02Z [ERROR] error: disk full");
    assert!(get(&f, "logger").is_none());
    let f = fields("2026-11-30T14:01:02Z [ERROR] Failed: disk full");
    assert_eq!(get(&f, "message").unwrap(), "Failed: disk full");
}

#[test]
fn logback_one_word_logger_and_nexus_user() {
    // Ktor's default logback.xml.
    let f = fields(
        "2026-11-30 14:01:02.123 [eventLoopGroupProxy-4-1] INFO  Application - 200 OK: GET - /api",
    );
    assert_eq!(get(&f, "thread").unwrap(), "eventLoopGroupProxy-4-1");
    assert_eq!(get(&f, "logger").unwrap(), "Application");
    assert_eq!(get(&f, "message").unwrap(), "200 OK: GET - /api");
    // A bracketed level is log4js', whose capitalised word is prose.
    let f = fields("[2026-11-30T14:01:02.123] [INFO] Server - started");
    assert!(get(&f, "logger").is_none());
    // Nexus: the user between the thread and the logger.
    let f = fields("2026-11-30 14:01:03,456+0000 ERROR [qtp123-45] admin org.sonatype.nexus.repository.Facet - Repository status changed");
    assert_eq!(get(&f, "user").unwrap(), "admin");
    assert_eq!(
        get(&f, "logger").unwrap(),
        "org.sonatype.nexus.repository.Facet"
    );
    assert_eq!(get(&f, "message").unwrap(), "Repository status changed");
}

#[test]
fn vsftpd_outcomes_and_commands() {
    let f = fields("Mon Nov 30 14:01:03 2026 [pid 1233] [bob] FAIL LOGIN: Client \"10.0.0.1\"");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "outcome").unwrap(), "error");
    assert_eq!(get(&f, "operation").unwrap(), "LOGIN");
    assert_eq!(get(&f, "user").unwrap(), "bob");
    assert_eq!(
        get(&f, "message").unwrap(),
        "FAIL LOGIN: Client \"10.0.0.1\""
    );
    let f = fields(
        "Mon Nov 30 14:01:04 2026 [pid 1235] [alice] OK DOWNLOAD: Client \"10.0.0.2\", \"/f\"",
    );
    assert_eq!(get(&f, "outcome").unwrap(), "ok");
    assert!(get(&f, "level").is_none());
    // `OK` before a word that is no command is prose.
    let f = fields("Mon Nov 30 14:01:04 2026 OK then: done");
    assert!(get(&f, "outcome").is_none());
}

#[test]
fn oracle_error_on_a_later_line() {
    let f = fields("2026-11-30T14:01:03.456789+00:00 Errors in file /u01/trace/orcl_ora_5678.trc:\nORA-00600: internal error code, arguments: [kcbz]");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f =
        fields("2026-11-30T14:01:03Z Completed: ALTER DATABASE OPEN\nsee ORA-00600: in the manual");
    assert!(get(&f, "level").is_none());
}

#[test]
fn journalctl_short_monotonic_host_and_program() {
    let f = untimed::parse("[12345.678901] web-1 sshd[812]: Accepted publickey for bob").unwrap();
    assert_eq!(value(&f, "host").unwrap(), "web-1");
    assert_eq!(value(&f, "service").unwrap(), "sshd");
    assert_eq!(value(&f, "pid").unwrap(), 812);
    assert_eq!(value(&f, "message").unwrap(), "Accepted publickey for bob");
    let f = untimed::parse("[12346.000001] web-1 kernel: Out of memory").unwrap();
    assert_eq!(value(&f, "service").unwrap(), "kernel");
    // The kernel's own ring buffer names a device, not a host and a program.
    let f = untimed::parse("[    1.234567] usb 1-1: new high-speed USB device").unwrap();
    assert!(value(&f, "host").is_none());
    assert_eq!(
        value(&f, "message").unwrap(),
        "usb 1-1: new high-speed USB device"
    );
}

#[test]
fn oracle_listener_after_its_time() {
    let f = fields("30-NOV-2026 14:01:05 * service_update * orcl * 0");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:05", "{f:?}");
    assert_eq!(get(&f, "operation"), Some("service_update".into()), "{f:?}");
    assert_eq!(get(&f, "service").unwrap(), "orcl");
}

#[test]
fn libvirt_thread_level_and_function() {
    let f = fields("2026-11-30 14:01:03.234+0000: 1240: error : virNetSocketReadWire:1806 : End of file while reading data: Input/output error");
    assert_eq!(get(&f, "thread").unwrap(), "1240");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "logger").unwrap(), "virNetSocketReadWire:1806");
    assert_eq!(
        get(&f, "message").unwrap(),
        "End of file while reading data: Input/output error"
    );
    let f = fields("2026-11-30 14:01:02.123+0000: 1234: info : libvirt version: 8.0.0");
    assert_eq!(get(&f, "level").unwrap(), "INFO");
    assert_eq!(get(&f, "message").unwrap(), "libvirt version: 8.0.0");
}

#[test]
fn unbound_and_openwrt_programs() {
    let f = fields("[1796047263] unbound[1234:0] error: could not open autotrust file");
    assert_eq!(get(&f, "logger").unwrap(), "unbound");
    assert_eq!(get(&f, "pid").unwrap(), "1234");
    assert_eq!(get(&f, "thread").unwrap(), "0");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "message").unwrap(), "could not open autotrust file");
    let f =
        fields("Mon Nov 30 14:01:03 2026 kern.warn kernel: [12345.678901] br-lan: port 2 disabled");
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(get(&f, "service").unwrap(), "kernel");
    let f = fields("Mon Nov 30 14:01:02 2026 daemon.err dnsmasq[1234]: failed to bind");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "service").unwrap(), "dnsmasq");
    assert_eq!(get(&f, "pid").unwrap(), "1234");
    assert_eq!(get(&f, "message").unwrap(), "failed to bind");
}

#[test]
fn tracing_thread_ids_and_targets() {
    let f = untimed::parse("[    12.345678s]  WARN ThreadId(02) outbound:proxy{addr=10.0.0.5:8080}: linkerd_reconnect: Failed to connect error=connect timed out").unwrap();
    assert_eq!(value(&f, "level").unwrap(), "WARN");
    assert_eq!(value(&f, "thread").unwrap(), "02");
    assert_eq!(value(&f, "logger").unwrap(), "linkerd_reconnect");
    assert_eq!(
        value(&f, "message").unwrap(),
        "Failed to connect error=connect timed out"
    );
    let f = fields("2026-11-30T14:01:02.123Z  INFO ThreadId(01) linkerd2_proxy: release 2.210.0");
    assert_eq!(get(&f, "thread").unwrap(), "01");
    assert_eq!(get(&f, "logger").unwrap(), "linkerd2_proxy");
    assert_eq!(get(&f, "message").unwrap(), "release 2.210.0");
}

#[test]
fn gitea_gcloud_rabbitmq_and_mysql_general_log() {
    let f = fields("2026/11/30 14:01:04 routers/web/repo/view.go:456:Home() [W] Repository has no default branch");
    assert_eq!(
        get(&f, "logger").unwrap(),
        "routers/web/repo/view.go:456:Home()"
    );
    assert_eq!(get(&f, "level").unwrap(), "WARN");
    assert_eq!(
        get(&f, "message").unwrap(),
        "Repository has no default branch"
    );
    let f = fields("2026-11-30 14:01:03,456 ERROR    root            (gcloud.compute.instances.list) Some requests did not succeed");
    assert_eq!(get(&f, "logger").unwrap(), "root");
    assert!(get(&f, "message").unwrap().starts_with("(gcloud.compute"));
    // One space after the first word: prose.
    let f = fields("2026-11-30 14:01:03,456 ERROR    Some requests did not succeed");
    assert!(get(&f, "logger").is_none());
    let f = fields("2026-11-30 14:01:03.234567+00:00 [erro] <0.512.0> closing AMQP connection");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = fields("2026-11-30T14:01:02.234567Z\t   12 Query\tSELECT * FROM orders WHERE id = 17");
    assert_eq!(get(&f, "thread").unwrap(), "12");
    assert_eq!(get(&f, "operation").unwrap(), "Query");
    assert_eq!(
        get(&f, "message").unwrap(),
        "SELECT * FROM orders WHERE id = 17"
    );
    let f = fields("2026-11-30T14:01:02.123456Z\t   12 Init DB\tshop");
    assert_eq!(get(&f, "operation").unwrap(), "Init DB");
    let f = fields("[2026-11-30T14:01:02,123][WARN ][index.search.slowlog.query] [node-1] [orders][0] took[1.2s], took_millis[1234], total_hits[42 hits]");
    assert_eq!(get(&f, "duration_ms").unwrap(), "1234");
    let f = fields("[2017-10-30T09:57:58,243][WARN ][slowlog.logstash.filters.sleep] event processing time {:plugin_params=>{\"time\"=>3}, :took_in_nanos=>3027675106, :took_in_millis=>3027, :event=>\"{}\"}");
    assert_eq!(get(&f, "duration_ms").unwrap(), "3027");
}

#[test]
fn an_ipv6_client_with_its_port_opens_the_message() {
    let f = fields(
        r#"2019-03-18T22:13:36.289-07:00 [INFO] [::1]:57413 - 14639 "A IN www.yahoo.com. udp 42 false 4096" NOERROR qr,rd,ra 188 0.020948545s"#,
    );
    assert!(get(&f, "message")
        .unwrap()
        .starts_with("[::1]:57413 - 14639"));
    assert_eq!(get(&f, "operation").unwrap(), "A");
    assert!(get(&f, "context1").is_none());
}

#[test]
fn pino_pretty_origin_and_spring_correlation() {
    let f = fields("[14:01:03.456] ERROR (shop/1234 on web-1): request errored");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "logger").unwrap(), "shop");
    assert_eq!(get(&f, "pid").unwrap(), "1234");
    assert_eq!(get(&f, "host").unwrap(), "web-1");
    assert_eq!(get(&f, "message").unwrap(), "request errored");
    let f = fields("[14:01:03.456] ERROR (see below): request errored");
    assert!(get(&f, "host").is_none());
    let f = fields("2026-11-30T14:01:03.456Z ERROR 1234 --- [shop] [nio-8080-exec-1] [6528a1b2c3d4e5f6a7b8c9d0e1f2a3b4-a1b2c3d4e5f6a7b8] c.e.shop.OrderController                : Payment failed");
    assert_eq!(
        get(&f, "trace_id").unwrap(),
        "6528a1b2c3d4e5f6a7b8c9d0e1f2a3b4"
    );
    assert_eq!(get(&f, "span_id").unwrap(), "a1b2c3d4e5f6a7b8");
    assert_eq!(get(&f, "logger").unwrap(), "c.e.shop.OrderController");
    let f = fields("2026-11-30 14:01:03.456 ERROR [shop,6528a1b2c3d4e5f6,a1b2c3d4e5f6a7b8] 1234 --- [nio-8080-exec-1] c.e.Orders : failed");
    assert_eq!(get(&f, "trace_id").unwrap(), "6528a1b2c3d4e5f6");
}

#[test]
fn nest_scrapy_and_go_frameworks() {
    let f = fields("[Nest] 1234  - 11/30/2026, 2:01:03 PM   ERROR [ExceptionsHandler] Cannot read properties of undefined");
    assert_eq!(get(&f, "pid").unwrap(), "1234");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    assert_eq!(get(&f, "logger").unwrap(), "ExceptionsHandler");
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03");
    let f = fields("2026-11-30 14:01:03 [scrapy.core.scraper] ERROR: Spider error processing <GET https://example.com/p/17>");
    assert_eq!(get(&f, "logger").unwrap(), "scrapy.core.scraper");
    assert_eq!(get(&f, "level").unwrap(), "ERROR");
    let f = fields(
        r#"[GIN] 2026/11/30 - 14:01:03 | 500 |   12.345678ms |       10.0.0.6 | POST     "/api/pay""#,
    );
    assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03");
    assert_eq!(get(&f, "status").unwrap(), "500");
    assert_eq!(get(&f, "path").unwrap(), "/api/pay");
    let f = fields("14:01:03 | 500 |  12.345ms |  10.0.0.6 | POST | /api/pay | boom");
    assert_eq!(get(&f, "method").unwrap(), "POST");
    assert_eq!(get(&f, "duration_ms").unwrap(), "12.345");
}
