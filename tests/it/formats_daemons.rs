//! Infrastructure daemons' and directories' logs through the whole ingest with no
//! configuration: Windows' DHCP server log (a legend before its CSV header, `MM/dd/yy` dates),
//! Exchange's message tracking log (W3C with commas), MySQL's slow query log (one record over
//! several lines), Nagios' state changes, Ceph's cluster log, Odoo, Okta's System Log, a
//! firewall's CEF messages over syslog, WebLogic's and WebSphere's server logs, Suricata's
//! `fast.log`, Serilog's file sink, Jira, VMware ESXi, Configuration Manager's CMTrace logs,
//! Db2's `db2diag.log`, CoreDNS's query log in a pod's CRI file, zerolog's console writer
//! and Puppet's agent; then MariaDB's (and RDS's) audit log, `adb logcat -v brief`, BIND's
//! query log without categories, Rails' request lines, CUPS, Istio's scopes, OpenLDAP,
//! dnsmasq and Samba.
//! Columns are checked, the accounting balances (the DHCP legend counts with the directives)
//! and every row's lines are read back from its source.

use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage};
use crate::formats_servers::{ingest_files_checking_formats, rows_of};

const DHCP: &str = "\t\tMicrosoft DHCP Service Activity Log\n\
\n\
\n\
Event ID  Meaning\n\
00\tThe log was started.\n\
10\tA new IP address was leased to a client.\n\
\n\
ID,Date,Time,Description,IP Address,Host Name,MAC Address,User Name, TransactionID, QResult\n\
00,11/30/26,14:01:02,Started,,,,,0,6\n\
10,11/30/26,14:01:03,Assign,10.0.0.50,laptop-7.corp.example.com,A0B1C2D3E4F5,,1234567,0\n";

const EXCHANGE: &str = "#Software: Microsoft Exchange Server\n\
#Version: 15.02.1118.007\n\
#Log-type: Message Tracking Log\n\
#Fields: date-time,client-ip,server-hostname,source,event-id,message-id,recipient-address,recipient-status,message-subject\n\
2026-11-30T14:01:02.123Z,10.0.0.5,EX01,SMTP,RECEIVE,<a1@example.com>,bob@example.com,,\"Invoice 42, paid\"\n\
2026-11-30T14:01:05.456Z,,EX01,SMTP,FAIL,<a2@example.com>,carol@example.org,550 5.1.1 RESOLVER.ADR.RecipNotFound,Hello\n";

const MYSQL_SLOW: &str = "# Time: 2026-11-30T14:01:02.123456Z\n\
# User@Host: app[app] @ web-1 [10.0.0.5]  Id:    42\n\
# Query_time: 2.504312  Lock_time: 0.000110 Rows_sent: 1  Rows_examined: 1048576\n\
SET timestamp=1796047262;\n\
SELECT * FROM orders WHERE customer_id = 1274 ORDER BY created_at DESC LIMIT 1;\n\
# Time: 2026-11-30T14:01:09.000001Z\n\
# User@Host: report[report] @ localhost []  Id:    43\n\
# Query_time: 11.000000  Lock_time: 0.000200 Rows_sent: 300  Rows_examined: 9000000\n\
use shop;\n\
SET timestamp=1796047269;\n\
SELECT customer_id, sum(total) FROM orders\n\
GROUP BY customer_id;\n";

const NAGIOS: &str = "[1796047262] SERVICE ALERT: web-1;HTTP;CRITICAL;HARD;3;CRITICAL - Socket timeout after 10 seconds\n\
[1796047264] SERVICE ALERT: web-1;HTTP;OK;HARD;3;HTTP OK: HTTP/1.1 200 OK\n\
[1796047266] SERVICE ALERT: web-2;Disk;WARNING;SOFT;1;DISK WARNING - free space: / 812 MB (8%)\n";

const CEPH: &str = "2026-11-30T14:01:02.123456+0000 mon.a (mon.0) 1234 : cluster [WRN] Health check failed: 1 osds down (OSD_DOWN)\n\
2026-11-30T14:01:05.000000+0000 mon.a (mon.0) 1236 : cluster [ERR] Health check failed: Reduced data availability (PG_AVAILABILITY)\n";

const ODOO: &str =
    "2026-11-30 14:01:02,123 4321 INFO shop odoo.modules.loading: loading 42 modules...\n\
2026-11-30 14:01:03,456 4321 ERROR shop odoo.http: Exception during request handling.\n";

const OKTA: &str = r#"{"actor":{"alternateId":"alice@example.com"},"displayMessage":"User login to Okta","eventType":"user.session.start","outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},"published":"2026-11-30T14:01:02.123Z","severity":"WARN"}
"#;

/// A firewall's CEF messages over syslog (RFC 3164 with no tag, RFC 5424).
const CEF: &str = "<134>Nov 30 14:01:02 fw-1 CEF:0|Fortinet|FortiGate|7.2|0000000013|traffic denied|5|src=10.0.0.1 dst=10.0.0.2 act=deny msg=policy 7 matched\n\
<134>1 2026-11-30T14:01:03.123Z waf-1 CEF - - - CEF:0|Imperva Inc.|SecureSphere|12.0|SQL|SQL injection|High|request=/login?u\\=x requestMethod=POST outcome=failure\n";

const WEBLOGIC: &str = "####<Nov 30, 2026 2:01:02,123 PM UTC> <Error> <HTTP> <web-1> <AdminServer> <[ACTIVE] ExecuteThread: '3' for queue: 'weblogic.kernel.Default (self-tuning)'> <<WLS Kernel>> <> <abc-123> <1796047262123> <[severity-value: 8] > <BEA-101020> <Servlet failed with an IOException.>\n\
java.io.IOException: broken pipe\n\
\tat weblogic.servlet.internal.ServletResponseImpl.send(ServletResponseImpl.java:42)\n\
####<Nov 30, 2026 2:01:03,456 PM UTC> <Info> <Server> <web-1> <AdminServer> <main> <<WLS Kernel>> <> <> <1796047263456> <[severity-value: 64] > <BEA-002613> <Channel \"Default\" is now listening on 10.0.0.1:7001.>\n";

const WEBSPHERE: &str = "[11/30/26 14:01:02:123 UTC] 00000042 SystemOut     O Application started\n\
[11/30/26 14:01:03:456 UTC] 0000004a WebContainer  E   SRVE0777E: Exception thrown by application class 'com.example.Orders.handle:42'\n";

const SURICATA: &str = "11/30/2026-14:01:02.123456  [**] [1:2010935:2] ET POLICY Suspicious inbound to MSSQL port 1433 [**] [Classification: Potentially Bad Traffic] [Priority: 2] {TCP} 10.0.0.1:1234 -> 10.0.0.2:1433\n";

const ESXI: &str = "2026-11-30T14:01:02.123Z cpu1:2097152)WARNING: NMP: nmp_ThrottleLogForDevice:3802: Cmd 0x2a failed\n\
2026-11-30T14:01:04.000Z error vpxa[2099999] [Originator@6876 sub=vpxLro opID=abc-1] Task failed\n";

const CMTRACE: &str = "<![LOG[Failed to download policy, error 0x80070005]LOG]!><time=\"14:01:02.123+480\" date=\"11-30-2026\" component=\"CcmExec\" context=\"\" type=\"3\" thread=\"1234\" file=\"policyagent.cpp:456\">\n";

const DB2: &str = "2026-11-30-14.01.02.123456+060 I1234E567          LEVEL: Error\n\
PID     : 1234                 TID : 5678           PROC : db2sysc 0\n\
FUNCTION: DB2 UDB, buffer pool services, sqlbAlterBufferPool, probe:30\n\
MESSAGE : ADM6080E  The tablespace USERSPACE1 was put in the OFFLINE state.\n\
\n\
2026-11-30-14.01.03.123456+060 I2345E456          LEVEL: Info\n\
MESSAGE : Database activated\n";

/// CoreDNS's query log as the node keeps it (CRI lines in the pod's file).
const COREDNS: &str = "2026-11-30T14:01:02.123456789Z stdout F [INFO] 10.244.0.1:53530 - 12345 \"A IN shop.default.svc.cluster.local. udp 60 false 512\" NOERROR qr,aa,rd 106 0.000123s\n\
2026-11-30T14:01:03.123456789Z stdout F [INFO] 10.244.0.1:53531 - 12346 \"AAAA IN api.example.com. udp 33 false 512\" SERVFAIL qr,rd 33 2.000512s\n";
const COREDNS_FILE: &str =
    "coredns-5d78c9869d-abcde_kube-system_coredns-0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef.log";

/// zerolog's console writer (`time.Kitchen`, the date the file's) and Puppet's agent.
const ZEROLOG: &str = "2:01PM ERR payment failed order=17\n";
const PUPPET: &str = "2026-11-30 14:01:02 +0000 Puppet (err): Could not retrieve catalog\n";

/// Serilog's file sink and Jira (a pool thread before the level).
const SERILOG: &str = "2026-11-30 14:01:02.123 +01:00 [ERR] Payment failed for order 17\n";
const JIRA: &str = "2026-11-30 14:01:02,123+0000 http-nio-8080-exec-1 ERROR alice 841x1x1 1abc2de 10.0.0.1 /rest/api/2/issue [c.a.jira.issue.IssueManager] Failed to create issue\n";

#[tokio::test]
async fn infrastructure_daemons_and_directories_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("DhcpSrvLog-Mon.log", DHCP, "csv"),
        ("MSGTRK2026113014-1.LOG", EXCHANGE, "w3c"),
        ("mysql-slow.log", MYSQL_SLOW, "text"),
        ("nagios.log", NAGIOS, "text"),
        ("ceph.log", CEPH, "text"),
        ("odoo.log", ODOO, "text"),
        ("okta-system-log.json", OKTA, "json"),
        ("firewall.log", CEF, "syslog"),
        ("AdminServer.log", WEBLOGIC, "text"),
        ("SystemOut.log", WEBSPHERE, "text"),
        ("fast.log", SURICATA, "text"),
        ("shop-20261130.log", SERILOG, "text"),
        ("atlassian-jira.log", JIRA, "text"),
        ("vmkernel.log", ESXI, "text"),
        ("CcmExec.log", CMTRACE, "text"),
        ("db2diag.log", DB2, "text"),
        (COREDNS_FILE, COREDNS, "cri"),
        ("zerolog.log", ZEROLOG, "text"),
        ("puppet.log", PUPPET, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "DhcpSrvLog-Mon.log",
        "ts, message, json_get_str(attributes, 'IP Address')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02Z", "Started", "NULL"],
            ["2026-11-30T14:01:03Z", "Assign", "10.0.0.50"],
        ]
    );
    let got = rows_of(
        data.path(),
        "MSGTRK2026113014-1.LOG",
        "ts, level, json_get_str(attributes, 'message-subject')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123Z", "INFO", "Invoice 42, paid"],
            ["2026-11-30T14:01:05.456Z", "ERROR", "Hello"],
        ]
    );
    let got = rows_of(
        data.path(),
        "mysql-slow.log",
        "ts, duration_ms, json_get_str(attributes, 'user'), _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123456Z", "2504.312", "app", "5"],
            ["2026-11-30T14:01:09.000001Z", "11000.0", "report", "7"],
        ]
    );
    let got = rows_of(data.path(), "nagios.log", "level, component, outcome").await;
    assert_eq!(
        got,
        [
            ["ERROR", "HTTP", "error"],
            ["INFO", "HTTP", "ok"],
            ["WARN", "Disk", "ok"]
        ]
    );
    let got = rows_of(data.path(), "ceph.log", "level, component").await;
    assert_eq!(got, [["WARN", "mon.a"], ["ERROR", "mon.a"]]);
    let got = rows_of(
        data.path(),
        "odoo.log",
        "level, component, json_get_str(attributes, 'database'), message",
    )
    .await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "odoo.http",
            "shop",
            "Exception during request handling."
        ]
    );
    let got = rows_of(
        data.path(),
        "okta-system-log.json",
        "ts, level, outcome, message",
    )
    .await;
    assert_eq!(
        got,
        [[
            "2026-11-30T14:01:02.123Z",
            "WARN",
            "error",
            "User login to Okta"
        ]]
    );

    let got = rows_of(
        data.path(),
        "firewall.log",
        "level, service, operation, outcome, message, json_get_str(attributes, 'src')",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "WARN",
                "FortiGate",
                "0000000013",
                "ok",
                "traffic denied",
                "10.0.0.1"
            ],
            [
                "ERROR",
                "SecureSphere",
                "SQL",
                "error",
                "SQL injection",
                "NULL"
            ],
        ]
    );

    let got = rows_of(
        data.path(),
        "AdminServer.log",
        "ts, level, component, json_get_str(attributes, 'message_id'), _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02.123Z",
                "ERROR",
                "HTTP",
                "BEA-101020",
                "3"
            ],
            [
                "2026-11-30T14:01:03.456Z",
                "INFO",
                "Server",
                "BEA-002613",
                "1"
            ],
        ]
    );
    let got = rows_of(data.path(), "SystemOut.log", "ts, level, component").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123Z", "INFO", "SystemOut"],
            ["2026-11-30T14:01:03.456Z", "ERROR", "WebContainer"],
        ]
    );
    let got = rows_of(
        data.path(),
        "fast.log",
        "ts, level, message, json_get_str(attributes, 'classification')",
    )
    .await;
    assert_eq!(
        got,
        [[
            "2026-11-30T14:01:02.123456Z",
            "WARN",
            "ET POLICY Suspicious inbound to MSSQL port 1433",
            "Potentially Bad Traffic"
        ]]
    );
    let got = rows_of(data.path(), "shop-20261130.log", "ts, level, message").await;
    assert_eq!(
        got,
        [[
            "2026-11-30T13:01:02.123Z",
            "ERROR",
            "Payment failed for order 17"
        ]]
    );
    let got = rows_of(
        data.path(),
        "atlassian-jira.log",
        "level, json_get_str(attributes, 'thread')",
    )
    .await;
    assert_eq!(got, [["ERROR", "http-nio-8080-exec-1"]]);

    let got = rows_of(
        data.path(),
        "vmkernel.log",
        "level, service, component, message",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "WARN",
                "unknown",
                "NMP",
                "nmp_ThrottleLogForDevice:3802: Cmd 0x2a failed"
            ],
            ["ERROR", "vpxa", "vpxLro", "Task failed"],
        ]
    );

    let got = rows_of(data.path(), "CcmExec.log", "ts, level, component").await;
    assert_eq!(got, [["2026-11-30T22:01:02.123Z", "ERROR", "CcmExec"]]);
    let got = rows_of(
        data.path(),
        "db2diag.log",
        "ts, level, component, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T13:01:02.123456Z",
                "ERROR",
                "buffer pool services",
                "4"
            ],
            ["2026-11-30T13:01:03.123456Z", "INFO", "unknown", "2"]
        ]
    );
    let got = rows_of(
        data.path(),
        COREDNS_FILE,
        "service, operation, outcome, duration_ms",
    )
    .await;
    assert_eq!(
        got,
        [
            ["coredns", "A", "ok", "0.123"],
            ["coredns", "AAAA", "error", "2000.512"]
        ]
    );
    let got = rows_of(data.path(), "zerolog.log", "ts, level").await;
    assert_eq!(got, [["2026-11-30T14:01:00Z", "ERROR"]]);
    let got = rows_of(data.path(), "puppet.log", "level").await;
    assert_eq!(got, [["ERROR"]]);

    assert_balanced(data.path()).await;
    assert_eq!(
        assert_lineage(data.path()).await,
        16 + 2 + 2 + 1 + 1 + 1 + 2 + 3 + 2 + 2
    );
}

const MARIADB_AUDIT: &str =
    "20261130 14:01:02,db-1,app,10.0.0.5,12,345,QUERY,shop,'SELECT * FROM orders WHERE id=17',0\n\
20261130 14:01:03,db-1,app,10.0.0.5,12,346,QUERY,shop,'SELECT * FROM nope',1146\n\
20261130 14:01:04,db-1,bob,10.0.0.6,13,0,FAILED_CONNECT,,,1045\n";

const LOGCAT_BRIEF: &str = "I/ActivityManager(  567): Start proc com.example.app for activity com.example.app/.MainActivity\n\
E/AndroidRuntime( 1234): FATAL EXCEPTION: main\n\
E/AndroidRuntime( 1234): java.lang.NullPointerException\n\
W/System.err: java.io.IOException: broken pipe\n";

const BIND_QUERIES: &str = "30-Nov-2026 14:01:02.123 client @0x7f1c2a3b4c5d 10.0.0.5#53530 (example.com): query: example.com IN A +E(0)K (10.0.0.1)\n\
30-Nov-2026 14:01:03.456 client @0x7f1c2a3b4c5e 10.0.0.6#53531 (missing.com): query: missing.com IN AAAA + (10.0.0.1)\n";

const RAILS: &str = "I, [2026-11-30T14:01:02.123456 #1234]  INFO -- : [6f8e3c1a-2b4d-4e5f-9a0b-1c2d3e4f5a6b] Started GET \"/api/orders/17\" for 10.0.0.5 at 2026-11-30 14:01:02 +0000\n\
I, [2026-11-30T14:01:02.125000 #1234]  INFO -- : [6f8e3c1a-2b4d-4e5f-9a0b-1c2d3e4f5a6b] Processing by OrdersController#show as JSON\n\
I, [2026-11-30T14:01:02.140000 #1234]  INFO -- : [6f8e3c1a-2b4d-4e5f-9a0b-1c2d3e4f5a6b] Completed 500 Internal Server Error in 15ms (ActiveRecord: 2.1ms | Allocations: 1234)\n";

const CUPS: &str = "I [30/Nov/2026:14:01:02 +0000] Listening on localhost:631 (IPv4)\n\
E [30/Nov/2026:14:01:03 +0000] [Job 12] Stopping job because the scheduler could not execute the backend.\n";

const ISTIOD: &str = "2026-11-30T14:01:02.123456Z\tinfo\tads\tPush debounce stable[12] 1: 100.1ms since last change\n\
2026-11-30T14:01:03.234567Z\terror\tmodel\tFailed to convert service: invalid port\n";

const SLAPD: &str = "Nov 30 14:01:02 ldap-1 slapd[1234]: conn=1000 op=1 BIND dn=\"cn=admin,dc=example,dc=com\" method=128\n\
Nov 30 14:01:02 ldap-1 slapd[1234]: conn=1000 op=1 RESULT tag=97 err=49 text=\n\
Nov 30 14:01:03 ldap-1 slapd[1234]: conn=1001 op=2 RESULT tag=101 err=51 text=busy\n";

const DNSMASQ: &str = "Nov 30 14:01:02 dnsmasq[1234]: query[A] example.com from 10.0.0.2\n\
Nov 30 14:01:02 dnsmasq[1234]: reply example.com is 93.184.216.34\n";

const SAMBA: &str = "[2026/11/30 14:01:02.123456,  0] ../../source3/smbd/server.c:1741(main)\n\
  smbd version 4.15.13-Ubuntu started.\n\
  Copyright Andrew Tridgell and the Samba Team 1992-2021\n\
[2026/11/30 14:01:03.234567,  1] ../../source3/smbd/service.c:355(create_connection_session_info)\n\
  create_connection_session_info: guest user (from session setup) not permitted to access this share (data)\n";

#[tokio::test]
async fn database_audit_dns_queries_android_and_rails_requests_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("server_audit.log", MARIADB_AUDIT, "text"),
        ("logcat.txt", LOGCAT_BRIEF, "text untimed"),
        ("query.log", BIND_QUERIES, "text"),
        ("production.log", RAILS, "text"),
        ("error_log", CUPS, "text"),
        ("istiod.log", ISTIOD, "text"),
        ("slapd.log", SLAPD, "syslog"),
        ("dnsmasq.log", DNSMASQ, "syslog"),
        ("log.smbd", SAMBA, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "server_audit.log",
        "ts, operation, outcome, json_get_str(attributes, 'user'), json_get_int(attributes, 'error_code'), message",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02Z",
                "QUERY",
                "ok",
                "app",
                "NULL",
                "SELECT * FROM orders WHERE id=17"
            ],
            [
                "2026-11-30T14:01:03Z",
                "QUERY",
                "error",
                "app",
                "1146",
                "SELECT * FROM nope"
            ],
            [
                "2026-11-30T14:01:04Z",
                "FAILED_CONNECT",
                "error",
                "bob",
                "1045",
                "FAILED_CONNECT"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "logcat.txt",
        "level, component, json_get_int(attributes, 'pid'), message",
    )
    .await;
    assert_eq!(
        got[1..],
        [
            ["ERROR", "AndroidRuntime", "1234", "FATAL EXCEPTION: main"],
            [
                "ERROR",
                "AndroidRuntime",
                "1234",
                "java.lang.NullPointerException"
            ],
            [
                "WARN",
                "System.err",
                "NULL",
                "java.io.IOException: broken pipe"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "query.log",
        "operation, json_get_str(attributes, 'dns.name'), json_get_str(attributes, 'client')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["A", "example.com", "10.0.0.5"],
            ["AAAA", "missing.com", "10.0.0.6"]
        ]
    );
    let got = rows_of(
        data.path(),
        "production.log",
        "operation, status_code, duration_ms, trace_id",
    )
    .await;
    let request = "6f8e3c1a-2b4d-4e5f-9a0b-1c2d3e4f5a6b";
    assert_eq!(got[0][0], "GET /api/orders/{id}");
    assert_eq!(got[2][1..], ["500", "15.0", request]);

    let got = rows_of(data.path(), "error_log", "level").await;
    assert_eq!(got, [["INFO"], ["ERROR"]]);
    let got = rows_of(data.path(), "istiod.log", "level, component, message").await;
    assert_eq!(
        got[1],
        ["ERROR", "model", "Failed to convert service: invalid port"]
    );
    let got = rows_of(
        data.path(),
        "slapd.log",
        "operation, outcome, json_get_int(attributes, 'error_code')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["BIND", "ok", "NULL"],
            ["BIND", "ok", "49"],
            ["SRCH", "error", "51"]
        ]
    );

    let got = rows_of(
        data.path(),
        "dnsmasq.log",
        "service, operation, json_get_str(attributes, 'dns.name')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["dnsmasq", "A", "example.com"],
            ["dnsmasq", "unknown", "NULL"]
        ]
    );

    let got = rows_of(
        data.path(),
        "log.smbd",
        "level, component, _line_count, message",
    )
    .await;
    assert_eq!(
        got[1],
        [
            "WARN",
            "source3/smbd/service.c:355(create_connection_session_info)",
            "2",
            "create_connection_session_info: guest user (from session setup) not permitted to access this share (data)"
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 12 + 7 + 2 + 2);
}
