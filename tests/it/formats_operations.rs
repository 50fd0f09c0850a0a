//! Operations' own logs through the whole ingest with no configuration: PostgreSQL behind a
//! cloud's `log_line_prefix` (Amazon RDS, pgBadger's), Cisco IOS as the device prints it and
//! as a syslog server stores it, BIND's categories, Exim's main log, certbot's and Jetty's
//! colon layouts, cloud-init, etcd's capnslog, Salt's minion, an Unreal Engine server and
//! macOS's `install.log`; then TensorFlow, vLLM, go-ethereum, Plex, Windows' `netlogon.log`
//! and Windows Update, CouchDB, GlusterFS, ClamAV, Dovecot and `pm2 logs`; then Splunk's
//! `splunkd.log`, Asterisk, the JVM's GC log, Django's verbose layout, Squid's `cache.log`,
//! SonarQube, FreeSWITCH, Phoenix, rsync, Kamailio and OpenLDAP over syslog, Telegraf, Monit,
//! Twisted and `heroku logs`. Columns are checked, the accounting balances and every row's lines
//! are read back from its source.

use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage};
use crate::formats_servers::{ingest_files_checking_formats, rows_of};

const RDS: &str = "2026-11-30 14:01:02 UTC:10.0.0.5(54321):app@shop:[1234]:ERROR:  duplicate key value violates unique constraint \"users_pkey\"\n\
2026-11-30 14:01:02 UTC:10.0.0.5(54321):app@shop:[1234]:DETAIL:  Key (id)=(17) already exists.\n\
2026-11-30 14:01:03 UTC:10.0.0.6(54399):app@shop:[1240]:LOG:  duration: 1234.567 ms  statement: SELECT * FROM orders\n\
2026-11-30 14:01:04 UTC::@:[987]:LOG:  checkpoint starting: time\n";

const PGBADGER: &str = "2026-11-30 14:01:02 UTC [1234]: [1-1] user=app,db=shop,app=psql,client=10.0.0.5 LOG:  duration: 12.345 ms  statement: select 1\n\
2026-11-30 14:01:03 UTC [1235]: [1-1] user=app,db=shop,app=[unknown],client=10.0.0.6 ERROR:  division by zero\n";

const CISCO_CONSOLE: &str = "000123: *Nov 30 14:01:02.123: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down\n\
000124: *Nov 30 14:01:03.456: %LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet0/1, changed state to down\n\
000125: .Nov 30 14:01:04.789 UTC: %SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.0.0.9)\n";

const CISCO_RELAYED: &str = "Nov 30 14:01:02 10.0.0.1 123: *Nov 30 14:01:02.123: %LINK-3-UPDOWN: Interface GigabitEthernet0/1, changed state to down\n\
Nov 30 14:01:04 core-sw1 125: 000125: Nov 30 14:01:04 UTC: %SEC-6-IPACCESSLOGP: list 101 denied tcp 10.0.0.1(54321) -> 10.0.0.2(22), 1 packet\n\
Nov 30 14:01:05 core-sw1 dhcpd[812]: DHCPACK on 10.0.0.50 to a0:b1:c2:d3:e4:f5\n";

const BIND: &str = "30-Nov-2026 14:01:02.123 queries: info: client @0x7f1234567890 10.0.0.1#53211 (example.com): query: example.com IN A +E(0)K (10.0.0.2)\n\
30-Nov-2026 14:01:04.789 general: error: zone example.com/IN: loading from master file db.example.com failed: file not found\n\
30-Nov-2026 14:01:05.001 security: warning: client @0x7f 10.0.0.3#4444 (x.com): query (cache) 'x.com/A/IN' denied\n";

const EXIM: &str = "2026-11-30 14:01:02 1nAgOH-0005uW-Ga <= www-data@mail.example.com U=www-data P=local S=1234\n\
2026-11-30 14:01:03 1nAgOH-0005uW-Ga ** bob@example.org R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 User unknown\n\
2026-11-30 14:01:03 1nAgOH-0005uW-Ga => alice@example.org R=dnslookup T=remote_smtp H=mx.example.org [10.0.0.9] C=\"250 OK\"\n\
2026-11-30 14:01:04 1nAgOI-0005uX-Hb == carol@example.net R=dnslookup T=remote_smtp defer (-44): 451 Try again later\n";

const CERTBOT: &str = "2026-11-30 14:01:02,123:DEBUG:certbot._internal.main:certbot version: 2.1.0\n\
2026-11-30 14:01:04,789:ERROR:certbot._internal.error_handler:Encountered exception during recovery: certbot.errors.PluginError\n\
Traceback (most recent call last):\n\
  File \"/usr/lib/python3/dist-packages/certbot/_internal/error_handler.py\", line 108, in _call_registered\n\
certbot.errors.PluginError: Unable to restart nginx\n";

const JETTY: &str = "2026-11-30 14:01:02.123:INFO::main: Logging initialized @456ms to org.eclipse.jetty.util.log.StdErrLog\n\
2026-11-30 14:01:03.456:WARN:oejs.HttpChannel:qtp1234567-56: /api/orders\n\
java.lang.IllegalStateException: pool exhausted\n\
\tat org.eclipse.jetty.server.HttpChannel.handle(HttpChannel.java:500)\n";

const CLOUD_INIT: &str = "2026-11-30 14:01:02,123 - util.py[DEBUG]: Cloud-init v. 23.1 running 'init-local' at Mon, 30 Nov 2026 14:01:02 +0000. Up 5.12 seconds.\n\
2026-11-30 14:01:04,789 - util.py[WARNING]: Failed running /var/lib/cloud/instance/scripts/part-001 [1]\n";

const ETCD: &str = "2026-11-30 14:01:02.123456 I | etcdserver: starting server... [version: 3.3.10, cluster version: to_be_decided]\n\
2026-11-30 14:01:03.456789 W | etcdserver: read-only range request \"key:\\\"/registry/pods\\\" \" took too long (123.456ms) to execute\n\
2026-11-30 14:01:04.789012 E | rafthttp: failed to dial 8e9e05c52164694d on stream MsgApp v2\n";

const SALT: &str = "2026-11-30 14:01:02,123 [salt.minion                                  :1234][ERROR   ][5678] Minion failed to authenticate with the master\n\
2026-11-30 14:01:04,789 [salt.minion                                  :1100][INFO    ][5678] Returning information for job: 20261130140104\n";

const UNREAL: &str = "Log file open, 11/30/26 14:01:02\n\
[2026.11.30-14.01.02:123][  0]LogInit: Display: Running engine for game: ShooterGame\n\
[2026.11.30-14.01.02:456][  0]LogInit: Error: Failed to load module 'OnlineSubsystemSteam'\n\
[2026.11.30-14.01.03:789][ 12]LogNet: Warning: UNetConnection::Tick: Connection TIMED OUT\n\
[2026.11.30-14.01.04:001][ 13]LogTemp: Player joined\n";

const INSTALL_LOG: &str = "2026-11-30 14:01:02+00 mac-1 softwareupdated[123]: Starting softwareupdated\n\
2026-11-30 14:01:03+00 mac-1 installd[456]: PackageKit: Install Failed: Error Domain=PKInstallErrorDomain Code=112\n";

#[tokio::test]
async fn operations_logs_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("postgresql.log.2026-11-30-14", RDS, "text"),
        ("postgresql-badger.log", PGBADGER, "text"),
        ("core-sw1-console.log", CISCO_CONSOLE, "syslog"),
        ("network.log", CISCO_RELAYED, "syslog"),
        ("named.log", BIND, "text"),
        ("mainlog", EXIM, "text"),
        ("letsencrypt.log", CERTBOT, "text"),
        ("jetty-stderr.log", JETTY, "text"),
        ("cloud-init.log", CLOUD_INIT, "text"),
        ("etcd.log", ETCD, "text"),
        ("minion", SALT, "text"),
        ("ShooterGameServer.log", UNREAL, "text"),
        ("install.log", INSTALL_LOG, "syslog"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(
        data.path(),
        "postgresql.log.2026-11-30-14",
        "level, json_get_str(attributes, 'user'), json_get_str(attributes, 'database'), \
         json_get_int(attributes, 'pid'), duration_ms, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            ["ERROR", "app", "shop", "1234", "NULL", "2"],
            ["INFO", "app", "shop", "1240", "1234.567", "1"],
            ["INFO", "NULL", "NULL", "987", "NULL", "1"],
        ]
    );
    let got = rows_of(
        data.path(),
        "postgresql-badger.log",
        "level, json_get_str(attributes, 'client'), json_get_str(attributes, 'application_name'), message",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "INFO",
                "10.0.0.5",
                "psql",
                "duration: 12.345 ms  statement: select 1"
            ],
            ["ERROR", "10.0.0.6", "NULL", "division by zero"],
        ]
    );
    let got = rows_of(
        data.path(),
        "core-sw1-console.log",
        "ts, level, service, json_get_str(attributes, 'mnemonic')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123Z", "ERROR", "LINK", "UPDOWN"],
            ["2026-11-30T14:01:03.456Z", "INFO", "LINEPROTO", "UPDOWN"],
            ["2026-11-30T14:01:04.789Z", "INFO", "SYS", "CONFIG_I"],
        ]
    );
    let got = rows_of(
        data.path(),
        "network.log",
        "level, service, json_get_str(attributes, 'host')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["ERROR", "LINK", "10.0.0.1"],
            ["INFO", "SEC", "core-sw1"],
            ["INFO", "dhcpd", "core-sw1"],
        ]
    );
    let got = rows_of(data.path(), "named.log", "level, component, operation").await;
    assert_eq!(
        got,
        [
            ["INFO", "queries", "A"],
            ["ERROR", "general", "unknown"],
            ["WARN", "security", "unknown"],
        ]
    );
    let got = rows_of(
        data.path(),
        "mainlog",
        "level, operation, outcome, json_get_str(attributes, 'message_id')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "receive", "ok", "1nAgOH-0005uW-Ga"],
            ["ERROR", "deliver", "error", "1nAgOH-0005uW-Ga"],
            ["INFO", "deliver", "ok", "1nAgOH-0005uW-Ga"],
            ["WARN", "deliver", "ok", "1nAgOI-0005uX-Hb"],
        ]
    );
    let got = rows_of(
        data.path(),
        "letsencrypt.log",
        "level, component, _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            ["DEBUG", "certbot._internal.main", "1"],
            ["ERROR", "certbot._internal.error_handler", "4"],
        ]
    );
    let got = rows_of(
        data.path(),
        "jetty-stderr.log",
        "level, component, json_get_str(attributes, 'thread'), _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "unknown", "main", "1"],
            ["WARN", "oejs.HttpChannel", "qtp1234567-56", "3"],
        ]
    );
    let got = rows_of(data.path(), "cloud-init.log", "level, component").await;
    assert_eq!(got, [["DEBUG", "util.py"], ["WARN", "util.py"]]);
    let got = rows_of(data.path(), "etcd.log", "level, component").await;
    assert_eq!(
        got,
        [
            ["INFO", "etcdserver"],
            ["WARN", "etcdserver"],
            ["ERROR", "rafthttp"]
        ]
    );
    let got = rows_of(data.path(), "minion", "level, component").await;
    assert_eq!(got, [["ERROR", "salt.minion"], ["INFO", "salt.minion"]]);
    let got = rows_of(
        data.path(),
        "ShooterGameServer.log",
        "ts, level, component, message",
    )
    .await;
    // The banner's time closes its line: the words before it are the message.
    assert_eq!(got[0][3], "Log file open,");
    assert_eq!(
        got[2..],
        [
            [
                "2026-11-30T14:01:02.456Z",
                "ERROR",
                "LogInit",
                "Failed to load module 'OnlineSubsystemSteam'"
            ],
            [
                "2026-11-30T14:01:03.789Z",
                "WARN",
                "LogNet",
                "UNetConnection::Tick: Connection TIMED OUT"
            ],
            [
                "2026-11-30T14:01:04.001Z",
                "INFO",
                "LogTemp",
                "Player joined"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "install.log",
        "service, json_get_str(attributes, 'host')",
    )
    .await;
    assert_eq!(got, [["softwareupdated", "mac-1"], ["installd", "mac-1"]]);

    assert_balanced(data.path()).await;
    assert_eq!(
        assert_lineage(data.path()).await,
        3 + 2 + 3 + 3 + 3 + 4 + 2 + 2 + 2 + 3 + 2 + 5 + 2
    );
}

const TENSORFLOW: &str = "2026-11-30 14:01:03.456789: W tensorflow/compiler/tf2tensorrt/utils/py_utils.cc:38] TF-TRT Warning: Could not find TensorRT\n\
2026-11-30 14:01:04.789012: E tensorflow/compiler/xla/stream_executor/cuda/cuda_driver.cc:268] failed call to cuInit: CUDA_ERROR_NO_DEVICE\n";

const VLLM: &str = "INFO 11-30 14:01:02 [api_server.py:1024] vLLM API server version 0.8.0\n\
ERROR 11-30 14:01:04 [engine.py:160] RuntimeError: CUDA out of memory\n";

const GETH: &str = "INFO [11-30|14:01:02.123] Starting Geth on Ethereum mainnet...\n\
ERROR[11-30|14:01:04.789] Failed to journal state snapshot          err=\"snapshot [0x1234] missing\"\n";

const PLEX: &str = "Nov 30, 2026 14:01:02.123 [0x7f1234567890] INFO - Plex Media Server v1.32.0 - ubuntu PC x86_64\n\
Nov 30, 2026 14:01:03.456 [0x7f1234567891] ERROR - [Transcoder] Transcode runner appears to have died.\n";

const NETLOGON: &str = "11/30 14:01:02 [LOGON] [1234] CORP: SamLogon: Transitive Network logon of CORP\\bob from WS01 Returned 0xC000006A\n\
11/30 14:01:03 [CRITICAL] [1234] CORP: NlPrintRpcDebug: Couldn't get EndpointCount for DC01: 0x6d9\n";

const WINDOWS_UPDATE: &str =
    "2026/11/30 14:01:02.1234567 1234  5678  Agent          WU client version 10.0.19041.1\n\
2026/11/30 14:01:03.4567890 1234  5678  Agent          * WARNING: Exit code = 0x8024402C\n";

const COUCHDB: &str = "[notice] 2026-11-30T14:01:02.123456Z couchdb@127.0.0.1 <0.123.0> 8f2a1b2c3d localhost:5984 10.0.0.1 admin GET /shop/order-17 404 ok 12\n\
[error] 2026-11-30T14:01:03.456789Z couchdb@127.0.0.1 <0.456.0> -------- Could not open file ./data/_users.couch: no such file or directory\n";

const GLUSTER: &str = "[2026-11-30 14:01:03.456789 +0000] E [MSGID: 106118] [glusterd-handler.c:123:glusterd_op_lock] 0-management: Unable to acquire lock for vol0\n\
[2026-11-30 14:01:04.000001 +0000] W [rpc-clnt.c:1234:rpc_clnt_notify] 0-vol0-client-1: disconnected from vol0-client-1\n";

const CLAMAV: &str = "Mon Nov 30 14:01:03 2026 -> /home/bob/eicar.com: Eicar-Signature FOUND\n\
Mon Nov 30 14:01:04 2026 -> ERROR: Can't open file or directory\n";

const DOVECOT: &str = "Nov 30 14:01:02 imap-login: Info: Login: user=<bob>, method=PLAIN, rip=10.0.0.1, lip=10.0.0.2, mpid=1234, TLS\n\
Nov 30 14:01:03 imap(bob)<1234><abcdef>: Error: Mailbox INBOX: Corrupted index cache file\n";

const PM2: &str = "0|api      | 2026-11-30T14:01:02: Server listening on :3000\n\
0|api      | 2026-11-30T14:01:03: Error: connect ECONNREFUSED 10.0.0.5:5432\n\
1|worker   | 2026-11-30T14:01:04: job 17 done\n";

#[tokio::test]
async fn more_operations_logs_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("tensorflow.log", TENSORFLOW, "text"),
        ("vllm.log", VLLM, "text"),
        ("geth.log", GETH, "text"),
        ("Plex Media Server.log", PLEX, "text"),
        ("netlogon.log", NETLOGON, "text"),
        ("WindowsUpdate.log", WINDOWS_UPDATE, "text"),
        ("couch.log", COUCHDB, "text"),
        ("glusterd.log", GLUSTER, "text"),
        ("clamscan.log", CLAMAV, "text"),
        ("dovecot.log", DOVECOT, "syslog"),
        ("pm2-logs.txt", PM2, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(data.path(), "tensorflow.log", "level, component").await;
    assert_eq!(
        got,
        [
            ["WARN", "tensorflow/compiler/tf2tensorrt/utils/py_utils.cc"],
            [
                "ERROR",
                "tensorflow/compiler/xla/stream_executor/cuda/cuda_driver.cc"
            ],
        ]
    );
    let got = rows_of(data.path(), "vllm.log", "ts, level, component").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02Z", "INFO", "api_server.py:1024"],
            ["2026-11-30T14:01:04Z", "ERROR", "engine.py:160"],
        ]
    );
    let got = rows_of(data.path(), "geth.log", "ts, level").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123Z", "INFO"],
            ["2026-11-30T14:01:04.789Z", "ERROR"],
        ]
    );
    let got = rows_of(data.path(), "Plex Media Server.log", "ts, level, message").await;
    assert_eq!(
        got[1],
        [
            "2026-11-30T14:01:03.456Z",
            "ERROR",
            "Transcode runner appears to have died."
        ]
    );
    let got = rows_of(data.path(), "netlogon.log", "ts, level").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02Z", "INFO"],
            ["2026-11-30T14:01:03Z", "FATAL"],
        ]
    );
    let got = rows_of(data.path(), "WindowsUpdate.log", "level, component").await;
    assert_eq!(got, [["INFO", "Agent"], ["WARN", "Agent"]]);
    let got = rows_of(
        data.path(),
        "couch.log",
        "level, operation, status_code, duration_ms, json_get_str(attributes, 'node')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "GET /shop/{id}", "404", "12.0", "couchdb@127.0.0.1"],
            ["ERROR", "unknown", "NULL", "NULL", "couchdb@127.0.0.1"],
        ]
    );
    let got = rows_of(data.path(), "glusterd.log", "level, component").await;
    assert_eq!(
        got,
        [["ERROR", "0-management"], ["WARN", "0-vol0-client-1"]]
    );
    let got = rows_of(data.path(), "clamscan.log", "level, message").await;
    assert_eq!(
        got,
        [
            ["INFO", "/home/bob/eicar.com: Eicar-Signature FOUND"],
            ["ERROR", "Can't open file or directory"],
        ]
    );
    let got = rows_of(
        data.path(),
        "dovecot.log",
        "level, service, json_get_str(attributes, 'user')",
    )
    .await;
    assert_eq!(
        got,
        // The login's `user=<bob>` pair, the process' `imap(bob)`.
        [["INFO", "imap-login", "bob"], ["ERROR", "imap", "bob"]]
    );
    let got = rows_of(data.path(), "pm2-logs.txt", "level, service").await;
    assert_eq!(got, [["INFO", "api"], ["ERROR", "api"], ["INFO", "worker"]]);

    assert_balanced(data.path()).await;
    assert_eq!(
        assert_lineage(data.path()).await,
        2 + 2 + 2 + 2 + 2 + 2 + 2 + 2 + 2 + 2 + 3
    );
}

const SPLUNKD: &str = "11-30-2026 14:01:02.123 +0000 INFO  ServerConfig [0 MainThread] - Found no hostname options in server.conf.\n\
11-30-2026 14:01:03.456 +0000 ERROR TcpOutputFd [1234 TcpOutEloop] - Connection to host=10.0.0.1:9997 failed\n";

const ASTERISK: &str = "[Nov 30 14:01:02] NOTICE[1234]: chan_sip.c:28712 handle_request_register: Registration from '\"100\" <sip:100@10.0.0.1>' failed for '10.0.0.9:5060' - Wrong password\n\
[Nov 30 14:01:03] WARNING[1235][C-00000001]: app_dial.c:1234 dial_exec_full: Unable to create channel of type 'SIP' (cause 20 - Subscriber absent)\n";

const GC: &str = "2026-11-30T14:01:02.123+0000: 12.345: [GC (Allocation Failure) [PSYoungGen: 1024K->512K(2048K)] 1024K->600K(4096K), 0.0012346 secs] [Times: user=0.01 sys=0.00, real=0.00 secs]\n\
2026-11-30T14:01:03.456+0000: 13.678: [Full GC (Ergonomics) [PSYoungGen: 512K->0K(2048K)] 4000K->3000K(4096K), 0.1234567 secs] [Times: user=0.20 sys=0.01, real=0.12 secs]\n";

const DJANGO: &str =
    "ERROR 2026-11-30 14:01:02,123 log 1234 140123456789 Internal Server Error: /api/orders/17\n\
Traceback (most recent call last):\n\
  File \"/app/views.py\", line 12, in get\n\
KeyError: 'order'\n\
WARNING 2026-11-30 14:01:03,456 basehttp 1234 140123456790 \"GET /favicon.ico HTTP/1.1\" 404 179\n";

const SQUID: &str =
    "2026/11/30 14:01:02 kid1| Starting Squid Cache version 5.7 for x86_64-pc-linux-gnu...\n\
2026/11/30 14:01:03 kid1| WARNING: Could not determine this machines public hostname.\n";

const SONAR: &str = "2026.11.30 14:01:02 INFO  app[][o.s.a.SchedulerImpl] SonarQube is operational\n\
2026.11.30 14:01:03 ERROR web[][o.s.s.p.Platform] Background initialization failed. Stopping SonarQube\n";

const FREESWITCH: &str = "2026-11-30 14:01:02.123456 [NOTICE] switch_channel.c:1104 New Channel sofia/internal/1000@10.0.0.1 [abc]\n\
2026-11-30 14:01:03.456789 [ERR] mod_sofia.c:2345 Error Creating Session\n";

const PHOENIX: &str = "14:01:02.123 request_id=Fxyz123 [info] GET /api/orders/17\n\
14:01:02.456 request_id=Fxyz123 [info] Sent 500 in 12ms\n";

const RSYNC: &str = "2026/11/30 14:01:02 [1234] connect from web-1 (10.0.0.1)\n\
2026/11/30 14:01:03 [1234] rsync error: some files/attrs were not transferred (see previous errors) (code 23) at main.c(1338) [sender=3.2.7]\n";

const KAMAILIO_AND_SLAPD: &str = "Nov 30 14:01:02 sip-1 /usr/sbin/kamailio[1234]: ERROR: tm [t_fwd.c:1512]: t_send_branch(): sending request on branch 0 failed\n\
Nov 30 14:01:03 ldap-1 slapd[812]: conn=1000 op=1 RESULT tag=97 err=49 text=\n";

const TELEGRAF: &str = "2026-11-30T14:01:02Z I! Starting Telegraf 1.28.3\n\
2026-11-30T14:01:03Z E! [inputs.docker] Error in plugin: Got permission denied while trying to connect to the Docker daemon socket\n";

const MONIT: &str = "[UTC Nov 30 14:01:02] info     : Starting Monit 5.33.0 daemon with http interface at [*]:2812\n\
[UTC Nov 30 14:01:03] error    : 'nginx' process is not running\n";

const TWISTED: &str = "2026-11-30 14:01:02+0000 [-] Log opened.\n\
2026-11-30 14:01:03+0000 [-] Unhandled Error\n\
Traceback (most recent call last):\n\
  File \"/app/server.py\", line 12, in render\n\
ValueError: bad order id\n";

const HEROKU_CLI: &str = "2026-11-30T14:01:02.123456+00:00 app[web.1]: Server listening on port 3000\n\
2026-11-30T14:01:03.456789+00:00 heroku[router]: at=error code=H12 desc=\"Request timeout\" method=GET path=\"/api/orders/17\" host=shop.herokuapp.com request_id=abc fwd=\"10.0.0.1\" dyno=web.1 connect=0ms service=30000ms status=503 bytes=0 protocol=https\n";

#[tokio::test]
async fn servers_and_runtimes_of_all_kinds_without_configuration() {
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("splunkd.log", SPLUNKD, "text"),
        ("messages", ASTERISK, "text"),
        ("gc.log", GC, "text"),
        ("django.log", DJANGO, "text"),
        ("cache.log", SQUID, "text"),
        ("sonar.log", SONAR, "text"),
        ("freeswitch.log", FREESWITCH, "text"),
        ("phoenix.log", PHOENIX, "text"),
        ("rsyncd.log", RSYNC, "text"),
        ("syslog", KAMAILIO_AND_SLAPD, "syslog"),
        ("telegraf.log", TELEGRAF, "text"),
        ("monit.log", MONIT, "text"),
        ("twistd.log", TWISTED, "text"),
        ("heroku-logs.txt", HEROKU_CLI, "syslog"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let got = rows_of(data.path(), "splunkd.log", "ts, level, component").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02.123Z", "INFO", "ServerConfig"],
            ["2026-11-30T14:01:03.456Z", "ERROR", "TcpOutputFd"],
        ]
    );
    let got = rows_of(
        data.path(),
        "messages",
        "level, component, json_get_str(attributes, 'call_id')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["INFO", "chan_sip.c:28712", "NULL"],
            ["WARN", "app_dial.c:1234", "C-00000001"],
        ]
    );
    let got = rows_of(data.path(), "gc.log", "level, operation, duration_ms").await;
    assert_eq!(
        got,
        [
            ["INFO", "GC (Allocation Failure)", "1.235"],
            ["WARN", "Full GC (Ergonomics)", "123.457"],
        ]
    );
    let got = rows_of(
        data.path(),
        "django.log",
        "level, component, json_get_int(attributes, 'pid'), _line_count",
    )
    .await;
    assert_eq!(
        got,
        [
            ["ERROR", "log", "1234", "4"],
            ["WARN", "basehttp", "1234", "1"]
        ]
    );
    let got = rows_of(
        data.path(),
        "cache.log",
        "level, json_get_str(attributes, 'process')",
    )
    .await;
    assert_eq!(got, [["INFO", "kid1"], ["WARN", "kid1"]]);
    let got = rows_of(data.path(), "sonar.log", "level, component").await;
    assert_eq!(
        got,
        [
            ["INFO", "o.s.a.SchedulerImpl"],
            ["ERROR", "o.s.s.p.Platform"]
        ]
    );
    let got = rows_of(data.path(), "freeswitch.log", "level, component").await;
    assert_eq!(
        got,
        [
            ["INFO", "switch_channel.c:1104"],
            ["ERROR", "mod_sofia.c:2345"]
        ]
    );
    let got = rows_of(data.path(), "phoenix.log", "level, message").await;
    assert_eq!(
        got,
        [["INFO", "GET /api/orders/17"], ["INFO", "Sent 500 in 12ms"]]
    );
    let got = rows_of(data.path(), "rsyncd.log", "level").await;
    assert_eq!(got, [["INFO"], ["ERROR"]]);
    let got = rows_of(data.path(), "syslog", "level, service, operation").await;
    assert_eq!(
        got,
        [
            ["ERROR", "kamailio", "unknown"],
            // `op=1` counts operations; the result answers a bind (tag 97).
            ["INFO", "slapd", "BIND"]
        ]
    );

    let got = rows_of(data.path(), "telegraf.log", "level, component").await;
    assert_eq!(got, [["INFO", "unknown"], ["ERROR", "inputs.docker"]]);
    let got = rows_of(data.path(), "monit.log", "ts, level").await;
    assert_eq!(
        got,
        [
            ["2026-11-30T14:01:02Z", "INFO"],
            ["2026-11-30T14:01:03Z", "ERROR"]
        ]
    );
    let got = rows_of(data.path(), "twistd.log", "message, _line_count").await;
    assert_eq!(got[0], ["Log opened.", "1"]);
    assert_eq!(got[1][1], "4");
    let got = rows_of(
        data.path(),
        "heroku-logs.txt",
        "service, json_get_str(attributes, 'instance'), status_code, operation",
    )
    .await;
    assert_eq!(
        got,
        [
            ["app", "web.1", "NULL", "unknown"],
            ["heroku", "router", "503", "GET /api/orders/{id}"],
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 2 * 14);
}
