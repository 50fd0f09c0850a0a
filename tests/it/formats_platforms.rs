//! Platforms' and appliances' own logs through the whole ingest with no configuration:
//! HashiCorp's hclog, Ktor, Nexus, JFrog Artifactory, vsftpd and xferlog, Oracle's alert and
//! listener logs, TiDB, ClickHouse, libvirt, OpenWrt's `logread` and BusyBox's syslog,
//! Unbound, Falco, a Valve game server, Zigbee2MQTT, loguru, dnf, Istio's access log, the
//! X server, Linkerd's proxy, `journalctl -o short-monotonic`, Gitea, MySQL's general query
//! log, Elasticsearch's slow log and RabbitMQ's four-letter levels; then PAN-OS, Meraki,
//! RouterOS, HAProxy's TCP log, the Windows DNS server's debug log, pino-pretty and Spring
//! Boot's trace correlation; then Gin, Fiber, NestJS, librdkafka and Scrapy; then OpenVPN,
//! the Azure Functions host, NGINX Unit, pacman, dnf and sudo. Columns are
//! checked, the accounting balances and every row's lines are read back from its source.

use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage};
use crate::formats_servers::{ingest_files_checking_formats, rows_of};

const HCLOG: &str = "2026-11-30T14:01:02.123Z [INFO]  agent: Starting Consul agent...\n\
2026-11-30T14:01:03.456Z [ERROR] agent.client: RPC failed to server: method=Catalog.Register server=10.0.0.1:8300 error=\"rpc error\"\n";

const KTOR: &str = "2026-11-30 14:01:02.123 [eventLoopGroupProxy-4-1] INFO  Application - 200 OK: GET - /api/orders/17\n\
2026-11-30 14:01:03.456 [eventLoopGroupProxy-4-2] ERROR Application - Unhandled: GET - /api/pay\n";

const NEXUS: &str = "2026-11-30 14:01:02,123+0000 INFO  [jetty-main-1] *SYSTEM org.sonatype.nexus.bootstrap.jetty.JettyServer - Started Sonatype Nexus OSS 3.61.0\n\
2026-11-30 14:01:03,456+0000 ERROR [qtp123-45] admin org.sonatype.nexus.repository.httpclient.internal.HttpClientFacetImpl - Repository status for maven-central changed\n";

const ARTIFACTORY: &str = "2026-11-30T14:01:02.123Z [jfrt ] [INFO ] [abc123def456] [o.a.s.ArtifactoryApplication:123] [main                ] - Artifactory started\n\
2026-11-30T14:01:03.456Z [jfrt ] [ERROR] [def456abc123] [o.a.r.RepoServiceImpl:456] [http-nio-8081-exec-1] - Could not download artifact\n";

const VSFTPD: &str = "Mon Nov 30 14:01:02 2026 [pid 1234] CONNECT: Client \"10.0.0.1\"\n\
Mon Nov 30 14:01:03 2026 [pid 1233] [bob] FAIL LOGIN: Client \"10.0.0.1\"\n\
Mon Nov 30 14:01:04 2026 [pid 1235] [alice] OK DOWNLOAD: Client \"10.0.0.2\", \"/pub/file.iso\", 1048576 bytes, 2048.00Kbyte/sec\n";

const XFERLOG: &str =
    "Mon Nov 30 14:01:02 2026 1 10.0.0.1 1048576 /pub/file.iso b _ o r alice ftp 0 * c\n\
Mon Nov 30 14:01:05 2026 3 10.0.0.2 2048 /incoming/up.txt a _ i r bob ftp 0 * i\n";

const ORACLE_ALERT: &str = "2026-11-30T14:01:02.123456+00:00\n\
Starting ORACLE instance (normal) (OS id: 1234)\n\
2026-11-30T14:01:03.456789+00:00\n\
Errors in file /u01/app/oracle/diag/rdbms/orcl/orcl/trace/orcl_ora_5678.trc:\n\
ORA-00600: internal error code, arguments: [kcbz_check_objd_typ], [], [], []\n\
2026-11-30T14:01:04.000001+00:00\n\
Completed: ALTER DATABASE OPEN\n";

const LISTENER: &str = "30-NOV-2026 14:01:02 * (CONNECT_DATA=(SERVICE_NAME=orcl)(CID=(PROGRAM=sqlplus)(HOST=web-1)(USER=bob))) * (ADDRESS=(PROTOCOL=tcp)(HOST=10.0.0.5)(PORT=54321)) * establish * orcl * 0\n\
30-NOV-2026 14:01:03 * (CONNECT_DATA=(SERVICE_NAME=nope)(CID=(PROGRAM=sqlplus)(HOST=web-1)(USER=bob))) * (ADDRESS=(PROTOCOL=tcp)(HOST=10.0.0.5)(PORT=54322)) * establish * nope * 12514\n\
TNS-12514: TNS:listener does not currently know of service requested in connect descriptor\n\
30-NOV-2026 14:01:05 * service_update * orcl * 0\n";

const TIDB: &str = "[2026/11/30 14:01:02.123 +00:00] [INFO] [server.go:123] [\"server is running MySQL protocol\"] [addr=0.0.0.0:4000]\n\
[2026/11/30 14:01:03.234 +00:00] [ERROR] [conn.go:1045] [\"command dispatched failed\"] [conn=5] [connInfo=\"id:5, addr:10.0.0.5:54321\"] [error=\"[planner:1054]Unknown column 'x'\"]\n";

const CLICKHOUSE: &str = "2026.11.30 14:01:02.123456 [ 1234 ] {} <Information> Application: Starting ClickHouse 23.8.1.1 (revision: 54477)\n\
2026.11.30 14:01:03.234567 [ 1240 ] {8f2c1a3e-1b2c-4d5e-9f00-123456789abc} <Error> executeQuery: Code: 60. DB::Exception: Table default.missing does not exist. (UNKNOWN_TABLE)\n";

const LIBVIRT: &str = "2026-11-30 14:01:02.123+0000: 1234: info : libvirt version: 8.0.0, package: 1ubuntu7 (Ubuntu)\n\
2026-11-30 14:01:03.234+0000: 1240: error : virNetSocketReadWire:1806 : End of file while reading data: Input/output error\n";

const LOGREAD: &str = "Mon Nov 30 14:01:02 2026 daemon.info dnsmasq[1234]: query[A] example.com from 10.0.0.2\n\
Mon Nov 30 14:01:04 2026 daemon.err hostapd: wlan0: STA aa:bb:cc:dd:ee:ff IEEE 802.11: disassociated\n";

const BUSYBOX: &str =
    "Nov 30 14:01:02 router daemon.info dnsmasq[1234]: query[A] example.com from 10.0.0.2\n\
Nov 30 14:01:03 router user.err root: backup failed\n";

const UNBOUND: &str = "[1796047262] unbound[1234:0] info: start of service (unbound 1.17.1).\n\
[1796047263] unbound[1234:0] error: could not open autotrust file for writing\n";

const FALCO: &str = "14:01:02.123456789: Warning Sensitive file opened for reading by non-trusted program (user=root user_loginuid=-1 program=cat command=cat /etc/shadow file=/etc/shadow)\n\
14:01:04.345678901: Critical Detect outbound connections to common miner pool ports (command=xmrig connection=10.0.0.5:3333)\n";

const SRCDS: &str = "L 11/30/2026 - 14:01:02: Log file started (file \"logs/L1130000.log\") (game \"/home/steam/csgo\")\n\
L 11/30/2026 - 14:01:04: World triggered \"Round_End\"\n";

const ZIGBEE2MQTT: &str =
    "Zigbee2MQTT:info  2026-11-30 14:01:02: Starting Zigbee2MQTT version 1.33.0\n\
Zigbee2MQTT:error 2026-11-30 14:01:03: Failed to ping 'kitchen_light'\n";

const LOGURU: &str = "2026-11-30 14:01:02.123 | SUCCESS  | app.jobs:run:88 - Job done\n\
2026-11-30 14:01:03.234 | ERROR    | app.db:connect:17 - Connection refused\n";

const DNF: &str = "2026-11-30T14:01:03+0000 DDEBUG timer: sack setup: 123 ms\n\
2026-11-30T14:01:05+0000 CRITICAL Error: Unable to find a match: nope\n";

const ISTIO: &str = "[2026-11-30T14:01:02.123Z] \"GET /api/orders/17 HTTP/1.1\" 200 - via_upstream - \"-\" 0 1234 12 11 \"-\" \"curl/7.68.0\" \"5b1c3f2a-1234-4abc-9def-1234567890ab\" \"orders:8080\" \"10.0.0.7:8080\" outbound|8080||orders.default.svc.cluster.local 10.0.0.5:54321 10.96.0.10:8080 10.0.0.5:54320 - default\n\
[2026-11-30T14:01:03.234Z] \"POST /api/pay HTTP/2\" 503 UF upstream_reset_before_response_started{connection_failure} - \"-\" 120 91 30 - \"-\" \"python-requests/2.31\" \"6c2d4e3b-2345-4bcd-8eef-234567890abc\" \"pay:8080\" \"10.0.0.8:8080\" outbound|8080||pay.default.svc.cluster.local - 10.96.0.11:8080 10.0.0.5:54322 - default\n";

#[tokio::test]
async fn platform_logs_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("consul.log", HCLOG, "text"),
        ("ktor.log", KTOR, "text"),
        ("nexus.log", NEXUS, "text"),
        ("artifactory-service.log", ARTIFACTORY, "text"),
        ("vsftpd.log", VSFTPD, "text"),
        ("xferlog", XFERLOG, "text"),
        ("alert_orcl.log", ORACLE_ALERT, "text"),
        ("listener.log", LISTENER, "text"),
        ("tidb.log", TIDB, "text"),
        ("clickhouse-server.log", CLICKHOUSE, "text"),
        ("libvirtd.log", LIBVIRT, "text"),
        ("logread.txt", LOGREAD, "text"),
        ("messages", BUSYBOX, "syslog"),
        ("unbound.log", UNBOUND, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "consul.log",
        "level, component, json_get_str(attributes, 'server')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "agent", "NULL"],
            ["ERROR", "agent.client", "10.0.0.1:8300"],
        ]
    );
    let got = rows_of(data.path(), "ktor.log", "level, component, message").await;
    assert_eq!(
        got[1],
        ["ERROR", "Application", "Unhandled: GET - /api/pay"]
    );
    let got = rows_of(
        data.path(),
        "nexus.log",
        "component, json_get_str(attributes, 'user')",
    )
    .await;
    assert_eq!(
        got[1],
        [
            "org.sonatype.nexus.repository.httpclient.internal.HttpClientFacetImpl",
            "admin"
        ]
    );
    let got = rows_of(
        data.path(),
        "artifactory-service.log",
        "level, service, component, trace_id, json_get_str(attributes, 'thread')",
    )
    .await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "jfrt",
            "o.a.r.RepoServiceImpl:456",
            "def456abc123",
            "http-nio-8081-exec-1"
        ]
    );
    let got = rows_of(data.path(), "vsftpd.log", "level, operation, outcome").await;
    assert_eq!(
        got,
        [
            ["INFO", "unknown", "ok"],
            ["ERROR", "LOGIN", "error"],
            ["INFO", "DOWNLOAD", "ok"],
        ]
    );
    let got = rows_of(
        data.path(),
        "xferlog",
        "service, operation, outcome, duration_ms, json_get_int(attributes, 'bytes')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["ftp", "download", "ok", "1000.0", "1048576"],
            ["ftp", "upload", "error", "3000.0", "2048"],
        ]
    );
    let got = rows_of(data.path(), "alert_orcl.log", "level, _line_count").await;
    assert_eq!(got, [["INFO", "2"], ["ERROR", "3"], ["INFO", "2"]]);
    let got = rows_of(
        data.path(),
        "listener.log",
        "level, service, operation, outcome",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "orcl", "establish", "ok"],
            ["ERROR", "nope", "establish", "error"],
            ["INFO", "orcl", "service_update", "ok"],
        ]
    );
    let got = rows_of(
        data.path(),
        "tidb.log",
        "level, component, message, json_get_str(attributes, 'conn')",
    )
    .await;
    assert_eq!(
        got[1],
        ["ERROR", "conn.go:1045", "command dispatched failed", "5"]
    );
    let got = rows_of(data.path(), "clickhouse-server.log", "level, component").await;
    assert_eq!(got, [["INFO", "Application"], ["ERROR", "executeQuery"]]);
    let got = rows_of(data.path(), "libvirtd.log", "level, component, message").await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "virNetSocketReadWire:1806",
            "End of file while reading data: Input/output error"
        ]
    );
    let got = rows_of(data.path(), "logread.txt", "level, service").await;
    assert_eq!(got, [["INFO", "dnsmasq"], ["ERROR", "hostapd"]]);
    let got = rows_of(data.path(), "messages", "level, service").await;
    assert_eq!(got, [["INFO", "dnsmasq"], ["ERROR", "root"]]);
    let got = rows_of(data.path(), "unbound.log", "level, component, message").await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "unbound",
            "could not open autotrust file for writing"
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(
        assert_lineage(data.path()).await,
        2 + 2 + 2 + 2 + 3 + 2 + 3 + 3 + 2 + 2 + 2 + 2 + 2 + 2
    );
}

const XORG: &str = "[    12.345] (II) LoadModule: \"glx\"\n\
[    12.456] (EE) Failed to load module \"nvidia\" (module does not exist, 0)\n";

const LINKERD: &str = "[     0.001234s]  INFO ThreadId(01) linkerd2_proxy: release 2.210.0 by linkerd\n\
[    12.345678s]  WARN ThreadId(02) outbound:proxy{addr=10.0.0.5:8080}: linkerd_reconnect: Failed to connect error=connect timed out after 1s\n";

const MONOTONIC: &str = "[12345.678901] web-1 sshd[812]: Accepted publickey for bob\n\
[12346.000001] web-1 kernel: Out of memory: Killed process 1234 (java)\n";

const GITEA: &str = "2026/11/30 14:01:02 cmd/web.go:223:runWeb() [I] Starting Gitea on PID: 1234\n\
2026/11/30 14:01:04 routers/web/repo/view.go:456:Home() [W] Repository has no default branch\n";

const MYSQL_GENERAL: &str =
    "2026-11-30T14:01:02.123456Z\t   12 Connect\tapp@10.0.0.5 on shop using TCP/IP\n\
2026-11-30T14:01:02.234567Z\t   12 Query\tSELECT * FROM orders WHERE id = 17\n";

const ES_SLOWLOG: &str = "[2026-11-30T14:01:02,123][WARN ][index.search.slowlog.query] [node-1] [orders][0] took[1.2s], took_millis[1234], total_hits[42 hits], search_type[QUERY_THEN_FETCH]\n\
[2026-11-30T14:01:03,456][INFO ][index.indexing.slowlog.index] [node-1] [orders/abc123] took[512.3ms], took_millis[512], type[_doc], id[17]\n";

const RABBITMQ: &str = "2026-11-30 14:01:02.123456+00:00 [info] <0.230.0> Starting RabbitMQ 3.12.0 on Erlang 26.0\n\
2026-11-30 14:01:03.234567+00:00 [erro] <0.512.0> closing AMQP connection <0.512.0>: missed heartbeats from client\n";

#[tokio::test]
async fn security_game_and_mesh_logs_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("falco.log", FALCO, "text"),
        ("L1130000.log", SRCDS, "text"),
        ("zigbee2mqtt.log", ZIGBEE2MQTT, "text"),
        ("app.log", LOGURU, "text"),
        ("dnf.log", DNF, "text"),
        ("istio-proxy.log", ISTIO, "text"),
        ("Xorg.0.log", XORG, "text untimed"),
        ("linkerd-proxy.log", LINKERD, "text untimed"),
        ("journal.txt", MONOTONIC, "text untimed"),
        ("gitea.log", GITEA, "text"),
        ("general.log", MYSQL_GENERAL, "text"),
        ("orders_index_search_slowlog.log", ES_SLOWLOG, "text"),
        ("rabbit@host.log", RABBITMQ, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "falco.log",
        "level, json_get_str(attributes, 'user'), json_get_str(attributes, 'connection')",
    )
    .await;
    assert_eq!(
        got,
        [["WARN", "root", "NULL"], ["FATAL", "NULL", "10.0.0.5:3333"]]
    );
    let got = rows_of(data.path(), "L1130000.log", "ts, message").await;
    assert_eq!(
        got[1],
        ["2026-11-30T14:01:04Z", "World triggered \"Round_End\""]
    );
    let got = rows_of(data.path(), "zigbee2mqtt.log", "level, service").await;
    assert_eq!(got, [["INFO", "Zigbee2MQTT"], ["ERROR", "Zigbee2MQTT"]]);
    let got = rows_of(data.path(), "app.log", "level, component").await;
    assert_eq!(
        got,
        [["INFO", "app.jobs:run:88"], ["ERROR", "app.db:connect:17"]]
    );
    let got = rows_of(data.path(), "dnf.log", "level, message").await;
    assert_eq!(
        got,
        [
            ["DEBUG", "timer: sack setup: 123 ms"],
            ["FATAL", "Error: Unable to find a match: nope"],
        ]
    );
    let got = rows_of(
        data.path(),
        "istio-proxy.log",
        "operation, status_code, duration_ms",
    )
    .await;
    assert_eq!(
        got,
        [
            ["GET /api/orders/{id}", "200", "12.0"],
            ["POST /api/pay", "503", "30.0"],
        ]
    );
    let got = rows_of(data.path(), "Xorg.0.log", "level, message").await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "Failed to load module \"nvidia\" (module does not exist, 0)"
        ]
    );
    let got = rows_of(
        data.path(),
        "linkerd-proxy.log",
        "level, component, json_get_str(attributes, 'thread')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "linkerd2_proxy", "01"],
            ["WARN", "linkerd_reconnect", "02"],
        ]
    );
    let got = rows_of(
        data.path(),
        "journal.txt",
        "service, json_get_str(attributes, 'host'), message",
    )
    .await;
    assert_eq!(got[0], ["sshd", "web-1", "Accepted publickey for bob"]);

    let got = rows_of(data.path(), "gitea.log", "level, component").await;
    assert_eq!(
        got,
        [
            ["INFO", "cmd/web.go:223:runWeb()"],
            ["WARN", "routers/web/repo/view.go:456:Home()"],
        ]
    );
    let got = rows_of(data.path(), "general.log", "operation, message").await;
    assert_eq!(got[1], ["Query", "SELECT * FROM orders WHERE id = 17"]);
    let got = rows_of(
        data.path(),
        "orders_index_search_slowlog.log",
        "level, duration_ms",
    )
    .await;
    assert_eq!(got, [["WARN", "1234.0"], ["INFO", "512.0"]]);
    let got = rows_of(data.path(), "rabbit@host.log", "level").await;
    assert_eq!(got, [["INFO"], ["ERROR"]]);

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 2 * 13);
}

const PANOS: &str = "<14>Nov 30 14:01:02 fw1 1,2026/11/30 14:01:02,012345678901,TRAFFIC,end,2561,2026/11/30 14:01:02,10.0.0.5,93.184.216.34,0.0.0.0,0.0.0.0,allow-web,,,ssl,vsys1,trust,untrust,ethernet1/2,ethernet1/1,log-fwd,2026/11/30 14:01:02,12345,1,54321,443,0,0,0x400000,tcp,allow,5432,1234,4198,12,2026/11/30 14:01:00,2,any,0,123456789\n\
<14>Nov 30 14:01:03 fw1 1,2026/11/30 14:01:03,012345678901,THREAT,vulnerability,2561,2026/11/30 14:01:03,10.0.0.9,10.0.0.5,0.0.0.0,0.0.0.0,block-bad,,,web-browsing,vsys1,untrust,trust,ethernet1/1,ethernet1/2,log-fwd,2026/11/30 14:01:03,12346,1,44444,80,0,0,0x2000,tcp,reset-both,\"/index.php?a=1,2\",\"Apache Struts RCE(33520)\",code-execution,critical,client-to-server\n";

const MERAKI: &str = "<134>1 1796047262.123456789 MX84 flows src=10.0.0.5 dst=93.184.216.34 protocol=tcp sport=54321 dport=443 pattern: allow all\n\
<134>1 1796047263.234567890 MX84 urls src=10.0.0.5:54321 dst=93.184.216.34:443 mac=AA:BB:CC:DD:EE:FF request: GET https://example.com/\n";

const ROUTEROS: &str = "Nov 30 14:01:02 MikroTik system,info,account user admin logged in from 10.0.0.5 via winbox\n\
Nov 30 14:01:03 MikroTik system,error,critical login failure for user admin from 10.0.0.9 via ssh\n";

const HAPROXY_TCP: &str = "Nov 30 14:01:02 lb1 haproxy[1234]: 10.0.0.5:54321 [30/Nov/2026:14:01:02.123] fe_db be_db/db1 1/0/5 1234 -- 1/1/1/1/0 0/0\n\
Nov 30 14:01:03 lb1 haproxy[1234]: 10.0.0.5:54322 [30/Nov/2026:14:01:03.456] fe_db be_db/<NOSRV> -1/-1/0 0 SC 1/1/0/0/0 0/0\n";

const DNS_DEBUG: &str = "11/30/2026 2:01:02 PM 0E84 PACKET  000000D4D2E5A0F0 UDP Rcv 10.0.0.5      0002   Q [0001   D   NOERROR] A      (7)example(3)com(0)\n\
11/30/2026 2:01:03 PM 0E84 PACKET  000000D4D2E5A0F0 UDP Snd 10.0.0.5      0002 R Q [8385 A DR SERVFAIL] A      (7)missing(3)com(0)\n";

const PINO_PRETTY: &str =
    "[14:01:02.123] INFO (shop/1234 on web-1): Server listening at http://0.0.0.0:3000\n\
[14:01:03.456] ERROR (shop/1234 on web-1): request errored\n";

const SPRING_CORRELATED: &str = "2026-11-30T14:01:02.123Z  INFO 1234 --- [shop] [           main] o.s.b.w.e.tomcat.TomcatWebServer         : Tomcat started on port 8080 (http)\n\
2026-11-30T14:01:03.456Z ERROR 1234 --- [shop] [nio-8080-exec-1] [6528a1b2c3d4e5f6a7b8c9d0e1f2a3b4-a1b2c3d4e5f6a7b8] c.e.shop.OrderController                : Payment failed for order 17\n";

#[tokio::test]
async fn network_devices_and_correlated_app_logs_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("pan-fw1.log", PANOS, "syslog"),
        ("meraki.log", MERAKI, "syslog"),
        ("routeros.log", ROUTEROS, "syslog"),
        ("haproxy.log", HAPROXY_TCP, "syslog"),
        ("dns.log", DNS_DEBUG, "text"),
        ("api.log", PINO_PRETTY, "text"),
        ("shop.log", SPRING_CORRELATED, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "pan-fw1.log",
        "level, operation, outcome, duration_ms, json_get_str(attributes, 'threat')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "ssl", "ok", "2000.0", "NULL"],
            [
                "FATAL",
                "web-browsing",
                "error",
                "NULL",
                "Apache Struts RCE(33520)"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "meraki.log",
        "service, json_get_str(attributes, 'host'), json_get_str(attributes, 'dst')",
    )
    .await;
    assert_eq!(got[0], ["flows", "MX84", "93.184.216.34"]);
    let got = rows_of(data.path(), "routeros.log", "level, service").await;
    assert_eq!(got, [["INFO", "system"], ["ERROR", "system"]]);
    let got = rows_of(
        data.path(),
        "haproxy.log",
        "operation, outcome, duration_ms",
    )
    .await;
    assert_eq!(got, [["be_db", "ok", "5.0"], ["be_db", "error", "0.0"]]);
    let got = rows_of(
        data.path(),
        "dns.log",
        "ts, operation, outcome, json_get_str(attributes, 'dns.name')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02Z", "A", "ok", "example.com"],
            ["2026-11-30T14:01:03Z", "A", "error", "missing.com"],
        ]
    );
    let got = rows_of(
        data.path(),
        "api.log",
        "level, component, json_get_str(attributes, 'host')",
    )
    .await;
    assert_eq!(got[1], ["ERROR", "shop", "web-1"]);
    let got = rows_of(data.path(), "shop.log", "level, component, trace_id").await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "c.e.shop.OrderController",
            "6528a1b2c3d4e5f6a7b8c9d0e1f2a3b4"
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 2 * 7);
}

const GIN: &str = "[GIN] 2026/11/30 - 14:01:02 | 200 |     1.234567ms |       10.0.0.5 | GET      \"/api/orders/17\"\n\
[GIN] 2026/11/30 - 14:01:03 | 500 |   12.345678ms |       10.0.0.6 | POST     \"/api/pay\"\n";

const FIBER: &str = "14:01:02 | 200 |   1.234ms |  10.0.0.5 | GET | /api/orders/17 | -\n\
14:01:03 | 500 |  12.345ms |  10.0.0.6 | POST | /api/pay | boom\n";

const NEST: &str = "[Nest] 1234  - 11/30/2026, 2:01:02 PM     LOG [NestFactory] Starting Nest application...\n\
[Nest] 1234  - 11/30/2026, 2:01:03 PM   ERROR [ExceptionsHandler] Cannot read properties of undefined (reading 'id')\n";

const RDKAFKA: &str = "%3|1796047262.123|FAIL|rdkafka#producer-1| [thrd:localhost:9092/bootstrap]: localhost:9092/bootstrap: Connect to ipv4#127.0.0.1:9092 failed: Connection refused\n\
%4|1796047263.456|REQTMOUT|rdkafka#consumer-2| [thrd:broker1:9092/1]: broker1:9092/1: Timed out 1 in-flight requests\n";

const SCRAPY: &str = "2026-11-30 14:01:02 [scrapy.core.engine] INFO: Spider opened\n\
2026-11-30 14:01:03 [scrapy.core.scraper] ERROR: Spider error processing <GET https://example.com/p/17> (referer: None)\n";

#[tokio::test]
async fn web_frameworks_and_client_libraries_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("gin.log", GIN, "text"),
        ("fiber.log", FIBER, "text"),
        ("nest.log", NEST, "text"),
        ("producer.log", RDKAFKA, "text"),
        ("scrapy.log", SCRAPY, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "gin.log",
        "ts, operation, status_code, duration_ms, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02Z",
                "GET /api/orders/{id}",
                "200",
                "1.234567",
                "1"
            ],
            [
                "2026-11-30T14:01:03Z",
                "POST /api/pay",
                "500",
                "12.345678",
                "1"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "fiber.log",
        "operation, status_code, duration_ms",
    )
    .await;
    assert_eq!(got[1], ["POST /api/pay", "500", "12.345"]);
    let got = rows_of(data.path(), "nest.log", "level, component").await;
    assert_eq!(
        got,
        [["INFO", "NestFactory"], ["ERROR", "ExceptionsHandler"]]
    );
    let got = rows_of(
        data.path(),
        "producer.log",
        "ts, level, operation, component",
    )
    .await;
    assert_eq!(
        got[0],
        [
            "2026-11-30T14:01:02.123Z",
            "ERROR",
            "FAIL",
            "rdkafka#producer-1"
        ]
    );
    let got = rows_of(data.path(), "scrapy.log", "level, component").await;
    assert_eq!(got[1], ["ERROR", "scrapy.core.scraper"]);

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 2 * 5);
}

const OPENVPN: &str = "2026-11-30 14:01:02 us=123456 OpenVPN 2.5.9 x86_64-pc-linux-gnu [SSL (OpenSSL)] [LZO] [LZ4] [EPOLL]\n\
2026-11-30 14:01:03 us=234567 client1/10.0.0.5:51234 TLS Error: TLS handshake failed\n";

// The host logs a failed execution at Error; a forwarder that lost the level still has it.
const FUNCTIONS: &str = "2026-11-30T14:01:02.123 [Information] Executing 'Functions.ProcessOrder' (Reason='New queue message detected', Id=0f4c2e7a-1b2c-4d5e-9f00-123456789abc)\n\
2026-11-30T14:01:02.456 [Information] Executed 'Functions.ProcessOrder' (Failed, Id=0f4c2e7a-1b2c-4d5e-9f00-123456789abc, Duration=333ms)\n\
2026-11-30T14:01:03.000 [Information] Executed 'Functions.Health' (Succeeded, Id=1f4c2e7a-1b2c-4d5e-9f00-123456789abc, Duration=12ms)\n";

const NGINX_UNIT: &str = "2026/11/30 14:01:02 [info] 1234#1234 unit 1.31.1 started\n\
2026/11/30 14:01:04 [error] 1240#1245 *12 connect() failed (111: Connection refused)\n";

const PACMAN: &str = "[2026-11-30T14:01:02+0000] [PACMAN] Running 'pacman -Syu'\n\
[2026-11-30T14:01:03+0000] [ALPM] upgraded linux (6.6.1-1 -> 6.6.2-1)\n\
[2026-11-30T14:01:04+0000] [ALPM-SCRIPTLET] error: command failed to execute correctly\n";

const DNF_STARTED: &str = "2026-11-30T14:01:02+0000 INFO --- logging initialized ---\n\
2026-11-30T14:01:04+0000 ERROR Error: Unable to find a match: nosuchpkg\n";

const SUDO: &str = "Nov 30 14:01:02 : alice : TTY=pts/0 ; PWD=/home/alice ; USER=root ;\n    COMMAND=/usr/bin/systemctl restart nginx\n\
Nov 30 14:01:05 : bob : 3 incorrect password attempts ; TTY=pts/1 ; PWD=/home/bob ; USER=root ; COMMAND=/bin/cat /etc/shadow\n";

#[tokio::test]
async fn vpn_functions_and_package_managers_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("openvpn.log", OPENVPN, "text"),
        ("functions.log", FUNCTIONS, "text"),
        ("unit.log", NGINX_UNIT, "text"),
        ("pacman.log", PACMAN, "text"),
        ("dnf-started.log", DNF_STARTED, "text"),
        ("sudo.log", SUDO, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(data.path(), "openvpn.log", "ts, message").await;
    assert_eq!(
        got[1],
        [
            "2026-11-30T14:01:03.234567Z",
            "client1/10.0.0.5:51234 TLS Error: TLS handshake failed"
        ]
    );
    let got = rows_of(
        data.path(),
        "functions.log",
        "operation, outcome, duration_ms",
    )
    .await;
    assert_eq!(
        got,
        [
            ["Functions.ProcessOrder", "ok", "NULL"],
            ["Functions.ProcessOrder", "error", "333.0"],
            ["Functions.Health", "ok", "12.0"],
        ]
    );
    let got = rows_of(
        data.path(),
        "unit.log",
        "level, json_get_int(attributes, 'pid'), json_get_int(attributes, 'tid'), message",
    )
    .await;
    assert_eq!(
        got[1],
        [
            "ERROR",
            "1240",
            "1245",
            "*12 connect() failed (111: Connection refused)"
        ]
    );
    let got = rows_of(data.path(), "pacman.log", "level, component").await;
    assert_eq!(
        got,
        [
            ["INFO", "PACMAN"],
            ["INFO", "ALPM"],
            ["ERROR", "ALPM-SCRIPTLET"]
        ]
    );
    let got = rows_of(data.path(), "dnf-started.log", "message").await;
    assert_eq!(got[0], ["--- logging initialized ---"]);
    let got = rows_of(
        data.path(),
        "sudo.log",
        "_line_count, json_get_str(attributes, 'COMMAND')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2", "/usr/bin/systemctl restart nginx"],
            ["1", "/bin/cat /etc/shadow"]
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 14);
}
