//! Security tools', databases', CI runners' and cluster logs through the whole ingest with no
//! configuration, each file as its tool writes it: FortiGate's key=value lines (time split
//! over `date` and `time`), Santa's decisions, osquery's results, Amazon S3's server access
//! log, Kubernetes events, ClickHouse, CockroachDB, Sidekiq, Postfix through syslog and a
//! GitHub Actions log, apt's history. Columns are checked, the accounting balances and every row's line is
//! read back from its source.

use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage};
use crate::formats_servers::{ingest_files_checking_formats, rows_of};

const FORTIGATE: &str = r#"date=2026-11-30 time=14:01:02 devname="FGT60E" logid="0000000013" type="traffic" subtype="forward" level="notice" srcip=10.1.100.11 dstip=93.184.216.34 action="accept"
date=2026-11-30 time=14:01:05 devname="FGT60E" logid="0100032001" type="event" subtype="system" level="warning" logdesc="Admin login failed" msg="Administrator admin login failed"
"#;

const SANTA: &str = "[2026-11-30T14:01:02.123Z] I santad: action=EXEC|decision=ALLOW|reason=CERT|pid=2224|path=/usr/libexec/xpcproxy\n\
[2026-11-30T14:01:05.456Z] E santad: action=EXEC|decision=DENY|reason=BINARY|pid=2230|path=/tmp/bad\n";

const OSQUERY: &str = r#"{"name":"pack_alf","hostIdentifier":"mac-1.local","calendarTime":"Mon Nov 30 14:01:02 2026 UTC","unixTime":1796047262,"columns":{"process":"xpcd"},"action":"added"}
"#;

const S3_ACCESS: &str = r#"79a59df9 shop-logs [30/Nov/2026:14:01:02 +0000] 192.0.2.3 79a59df9 3E57427F REST.GET.OBJECT photos/cat.jpg "GET /shop-logs/photos/cat.jpg HTTP/1.1" 200 - 2662992 3462992 70 10 "-" "aws-cli/2.0" - s9lz= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader shop-logs.s3.us-west-1.amazonaws.com TLSv1.2 - -
79a59df9 shop-logs [30/Nov/2026:14:01:05 +0000] 192.0.2.3 79a59df9 891CE47D REST.PUT.OBJECT a/b.txt "PUT /shop-logs/a/b.txt HTTP/1.1" 503 SlowDown - 5120 4 - "-" "Boto3/1.34" - Fo5x= SigV4 ECDHE-RSA-AES128-GCM-SHA256 AuthHeader shop-logs.s3.us-west-1.amazonaws.com TLSv1.2 - -
"#;

const K8S_EVENTS: &str = r#"{"involvedObject":{"kind":"Pod","namespace":"shop","name":"api-7d9f-x2x7k","fieldPath":"spec.containers{api}"},"reason":"Unhealthy","message":"Readiness probe failed: HTTP probe failed with statuscode: 503","source":{"component":"kubelet","host":"node-1"},"firstTimestamp":"2026-11-30T13:55:00Z","lastTimestamp":"2026-11-30T14:01:02Z","count":7,"type":"Warning"}
{"apiVersion":"events.k8s.io/v1","kind":"Event","eventTime":"2026-11-30T14:01:05.000000Z","regarding":{"kind":"Node","name":"node-1"},"reason":"NodeNotReady","note":"Node node-1 status is now: NodeNotReady","type":"Normal","reportingController":"node-controller"}
"#;

const CLICKHOUSE: &str = "2026.11.30 14:01:02.123456 [ 1234 ] {8b7c-query} <Error> executeQuery: Code: 60. DB::Exception: Table default.x does not exist. (UNKNOWN_TABLE)\n\
2026.11.30 14:01:03.000001 [ 1 ] {} <Information> Application: Ready for connections.\n";

const COCKROACH: &str =
    "I261130 14:01:02.123456 1234 server/server.go:1234 ⋮ [n1] 5  node startup completed\n\
E261130 14:01:05.000001 99 kv/kvserver/replica.go:88 ⋮ [n1,s1] 6  failed to acquire lease\n";

const SIDEKIQ: &str =
    "2026-11-30T14:01:02.123Z pid=1234 tid=2ab class=HardJob jid=b4a5 INFO: start\n\
2026-11-30T14:01:04.000Z pid=1234 tid=2ab class=HardJob jid=c5 elapsed=0.5 ERROR: fail\n";

const MAIL: &str = "Nov 30 14:01:05 mail postfix/smtpd[812]: warning: hostname x.example does not resolve to address 10.0.0.9\n\
Nov 30 14:01:06 mail postfix/smtpd[812]: connect from unknown[10.0.0.9]\n";

const ACTIONS: &str = "2026-11-30T14:01:02.1234567Z ##[group]Run npm test\n\
2026-11-30T14:01:05.7654321Z npm ERR! Test failed.\n\
2026-11-30T14:01:05.8000000Z ##[error]Process completed with exit code 1.\n";

const APT_HISTORY: &str =
    "\nStart-Date: 2026-11-30  14:01:02\nCommandline: apt-get install -y nginx\n\
Requested-By: admin (1000)\nInstall: nginx:amd64 (1.24.0-1)\nEnd-Date: 2026-11-30  14:01:10\n\n\
Start-Date: 2026-11-30  15:00:00\nCommandline: apt-get upgrade\n\
Error: Sub-process /usr/bin/dpkg returned an error code (1)\nEnd-Date: 2026-11-30  15:00:30\n";

#[tokio::test]
async fn security_tools_databases_ci_and_cluster_events_without_configuration() {
    // Last written in 2026: the year of Postfix's year-less syslog times.
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let files = [
        ("fortigate.log", FORTIGATE, "logfmt"),
        ("santa.log", SANTA, "text"),
        ("osquery.json", OSQUERY, "json"),
        ("s3-access.log", S3_ACCESS, "text"),
        ("events.json", K8S_EVENTS, "json"),
        ("clickhouse-server.log", CLICKHOUSE, "text"),
        ("cockroach.log", COCKROACH, "text"),
        ("sidekiq.log", SIDEKIQ, "text"),
        ("mail.log", MAIL, "syslog"),
        ("actions.log", ACTIONS, "text"),
        ("history.log", APT_HISTORY, "text"),
    ];
    let (_logs, data) = ingest_files_checking_formats(&files, written).await;

    let levels =
        |rows: Vec<Vec<String>>| rows.into_iter().map(|r| r[0].clone()).collect::<Vec<_>>();
    let got = rows_of(data.path(), "fortigate.log", "ts, level, message").await;
    assert_eq!(
        got[1],
        [
            "2026-11-30T14:01:05Z",
            "WARN",
            "Administrator admin login failed"
        ]
    );
    assert_eq!(
        levels(rows_of(data.path(), "santa.log", "level, component").await),
        ["INFO", "ERROR"]
    );
    let got = rows_of(data.path(), "osquery.json", "ts").await;
    assert_eq!(got, [["2026-11-30T14:01:02Z"]]);
    let got = rows_of(
        data.path(),
        "s3-access.log",
        "operation, status_code, duration_ms, outcome",
    )
    .await;
    assert_eq!(
        got,
        [
            ["REST.GET.OBJECT", "200", "70.0", "ok"],
            ["REST.PUT.OBJECT", "503", "4.0", "error"],
        ]
    );
    let got = rows_of(
        data.path(),
        "events.json",
        "ts, level, service, component, operation",
    )
    .await;
    assert_eq!(
        got,
        [
            [
                "2026-11-30T14:01:02Z",
                "WARN",
                "api",
                "kubelet",
                "Unhealthy"
            ],
            [
                "2026-11-30T14:01:05Z",
                "INFO",
                "node-1",
                "node-controller",
                "NodeNotReady"
            ],
        ]
    );
    let got = rows_of(
        data.path(),
        "clickhouse-server.log",
        "level, json_get_str(attributes, 'query_id')",
    )
    .await;
    assert_eq!(got, [["ERROR", "8b7c-query"], ["INFO", "NULL"]]);
    let got = rows_of(data.path(), "cockroach.log", "ts, level, message").await;
    assert_eq!(
        got[1],
        [
            "2026-11-30T14:01:05.000001Z",
            "ERROR",
            "failed to acquire lease"
        ]
    );
    let got = rows_of(
        data.path(),
        "sidekiq.log",
        "level, message, json_get_str(attributes, 'class')",
    )
    .await;
    assert_eq!(
        got,
        [["INFO", "start", "HardJob"], ["ERROR", "fail", "HardJob"]]
    );
    let got = rows_of(data.path(), "mail.log", "ts, level, service").await;
    assert_eq!(got[0], ["2026-11-30T14:01:05Z", "WARN", "postfix/smtpd"]);
    assert_eq!(
        levels(rows_of(data.path(), "actions.log", "level").await),
        ["INFO", "ERROR", "ERROR"]
    );

    // apt's runs: one row each from `Start-Date:` to `End-Date:`.
    let got = rows_of(
        data.path(),
        "history.log",
        "_line, _line_count, level, operation, duration_ms, json_get_str(attributes, 'user')",
    )
    .await;
    assert_eq!(
        got,
        [
            ["2", "5", "INFO", "apt-get install", "8000.0", "admin"],
            ["8", "4", "ERROR", "apt-get upgrade", "30000.0", "NULL"],
        ]
    );

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 22);
}
