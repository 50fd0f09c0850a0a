//! What log pipelines and cloud services deliver, through the whole ingest with no
//! configuration: a shipper's record around the application's raw line (Vector's
//! `kubernetes_logs`, Fluent Bit's `file` output, Splunk's HTTP Event Collector), Kubernetes
//! metadata as the service, Azure's diagnostic `records`, Google Cloud Logging entries,
//! Datadog's gzipped archives and Heroku's octet-counted log drain; and what tools on hand
//! write: `docker compose logs`, a Cisco firewall's syslog, a file opening with a byte order
//! mark; ECS FireLens and Docker's GELF driver; a Kubernetes node's syslog (the kubelet's glog
//! lines, containerd's logfmt), Lambda's platform lines, a service's plain stdout and Envoy's
//! application log. Lineage is read back for every row.

use std::io::Write;
use std::time::{Duration, SystemTime};

use crate::common::{assert_balanced, assert_lineage, query};
use crate::formats::ingest_without_config;
use crate::formats_servers::write_at;

const VECTOR: &str = r#"{"file":"/var/log/pods/shop_checkout-7d9f_1234/checkout/0.log","kubernetes":{"container_name":"checkout","pod_labels":{"app.kubernetes.io/name":"checkout"},"pod_name":"checkout-7d9f","pod_namespace":"shop"},"message":"{\"level\":\"error\",\"msg\":\"payment failed\",\"status\":502,\"duration_ms\":812}","source_type":"kubernetes_logs","stream":"stderr","timestamp":"2026-11-30T14:01:02.123456789Z"}
{"file":"/var/log/pods/shop_cart-1_99/cart/0.log","kubernetes":{"container_name":"cart","pod_name":"cart-1","pod_namespace":"shop"},"message":"2026-11-30 14:01:03,001 WARN [main] c.e.Cart - retrying","source_type":"kubernetes_logs","stream":"stdout","timestamp":"2026-11-30T14:01:03.500Z"}
"#;

const FLUENT_BIT: &str = r#"kube.var.log.containers.api: [1796047264.25, {"log":"listening on 8080","stream":"stdout"}]
kube.var.log.containers.api: [[1796047265.5, {}], {"log":"{\"level\":\"warn\",\"msg\":\"slow upstream\"}","stream":"stderr"}]
"#;

const AZURE: &str = r#"{"records":[{"time":"2026-11-30T14:01:02.1230000Z","resourceId":"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.WEB/SITES/STOREFRONT","category":"AppServiceHTTPLogs","operationName":"Microsoft.Web/sites/log","properties":{"CsMethod":"GET","CsUriStem":"/api/items/12","ScStatus":500,"TimeTaken":250}},{"time":"2026-11-30T14:01:03.0000000Z","resourceId":"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.WEB/SITES/STOREFRONT","category":"AppServiceAppLogs","level":"Error","properties":{"Message":"cache unavailable"}}]}
"#;

const GOOGLE_CLOUD: &str = r#"{"insertId":"a1","jsonPayload":{"message":"order placed","status":201,"latency_ms":40},"resource":{"type":"cloud_run_revision","labels":{"service_name":"orders"}},"timestamp":"2026-11-30T14:01:04Z","severity":"INFO","logName":"projects/p/logs/run.googleapis.com%2Fstdout"}
"#;

const DATADOG: &str = r#"{"_id":"AAAAAX","date":"2026-11-30T14:01:05.000Z","service":"billing","host":"i-123","status":"error","message":"invoice failed","attributes":{"http":{"status_code":503,"method":"POST","url_details":{"path":"/invoices/77"}},"duration":1500000000}}
{"_id":"AAAAAY","date":"2026-11-30T14:01:06.000Z","service":"billing","host":"i-123","status":"info","message":"invoice sent","attributes":{}}
"#;

const SPLUNK_HEC: &str = r#"{"time":1796047267,"host":"web-1","source":"/var/log/app.log","sourcetype":"log4j","index":"main","event":"2026-11-30 14:01:07,123 ERROR [main] c.e.Auth - token expired"}
"#;

/// ECS FireLens (Fluent Bit) and Docker's GELF driver: the container's raw line inside.
const FIRELENS_AND_GELF: &str = r#"{"container_id":"abc","container_name":"ledger","ecs_cluster":"prod","log":"{\"level\":\"error\",\"msg\":\"entry rejected\",\"time\":\"2026-11-30T14:01:12Z\"}","source":"stderr"}
{"version":"1.1","host":"web-1","short_message":"2026-11-30 14:01:13,500 WARN [main] c.e.Web - slow render","timestamp":1796047273.5,"level":6,"_container_id":"abc","_container_name":"shop_web_1"}
"#;

const HEROKU_DRAIN: &str = "156 <158>1 2026-11-30T14:01:08.123+00:00 host heroku router - at=info method=GET path=\"/api/items/12\" host=x.herokuapp.com dyno=web.1 connect=1ms service=37ms status=503 bytes=100\n";

const COMPOSE: &str =
    "web-1  | 2026-11-30 14:01:09,001 ERROR [main] c.e.Checkout - payment failed\n\
web-1  | java.lang.IllegalStateException: card declined\n\
db-1   | 2026-11-30 14:01:09.500 UTC [42] LOG:  checkpoint starting: time\n";

const CISCO: &str = "<163>Nov 30 2026 14:01:10: %ASA-3-710003: TCP access denied by ACL from 1.2.3.4/5555 to outside:5.6.7.8/22\n";

const WITH_BOM: &str = "\u{feff}{\"ts\":\"2026-11-30T14:01:11Z\",\"level\":\"warn\",\"service\":\"notes\",\"msg\":\"written by .NET\"}\n";

#[tokio::test(flavor = "multi_thread")]
async fn pipeline_and_cloud_outputs_without_configuration() {
    let logs = tempfile::tempdir().unwrap();
    // Written an hour ago: a text file's last event is not held back for lines to come.
    let an_hour_ago = SystemTime::now() - Duration::from_secs(3600);
    for (name, text) in [
        ("vector-k8s.json", VECTOR),
        ("fluent-bit.log", FLUENT_BIT),
        ("PT1H.json", AZURE),
        ("gcs-export.json", GOOGLE_CLOUD),
        ("hec.json", SPLUNK_HEC),
        ("drain.log", HEROKU_DRAIN),
        ("compose.log", COMPOSE),
        ("asa.log", CISCO),
        ("notes.json", WITH_BOM),
        ("containers.json", FIRELENS_AND_GELF),
    ] {
        write_at(&logs.path().join(name), text, an_hour_ago);
    }
    let archive = std::fs::File::create(logs.path().join("archive_140100.json.gz")).unwrap();
    let mut gzip = flate2::write::GzEncoder::new(archive, flate2::Compression::default());
    gzip.write_all(DATADOG.as_bytes()).unwrap();
    gzip.finish().unwrap();

    let data = tempfile::tempdir().unwrap();
    let report = ingest_without_config(data.path(), logs.path()).await;
    for source in &report.sources {
        assert_eq!(
            source.log.rejects, 0,
            "{}: {:?}",
            source.uri, source.sample_rejects
        );
    }
    let got = query(
        data.path(),
        "SELECT ts, level, service, operation, coalesce(CAST(status_code AS VARCHAR), '-'), \
         coalesce(CAST(duration_ms AS VARCHAR), '-'), message FROM events ORDER BY ts, service",
    )
    .await;
    let expected = [
        // Azure: a row per record, the resource's name as service.
        ["2026-11-30T14:01:02.123Z", "ERROR", "storefront", "GET /api/items/{id}", "500", "250.0", "GET /api/items/12"],
        // Vector: the app's JSON line inside the shipper's record, the pod's app label.
        ["2026-11-30T14:01:02.123456Z", "ERROR", "checkout", "unknown", "502", "812.0", "payment failed"],
        ["2026-11-30T14:01:03Z", "ERROR", "storefront", "unknown", "-", "-", "cache unavailable"],
        // Vector: a text line with its own time, the container as service.
        ["2026-11-30T14:01:03.001Z", "WARN", "cart", "unknown", "-", "-", "retrying"],
        // Google Cloud: the entry's `jsonPayload` opened, Cloud Run's service.
        ["2026-11-30T14:01:04Z", "INFO", "orders", "unknown", "201", "40.0", "order placed"],
        // Fluent Bit's `file` output, both of its layouts.
        ["2026-11-30T14:01:04.250Z", "INFO", "unknown", "unknown", "-", "-", "listening on 8080"],
        // Datadog's archive (gzip): `status` is the level, `duration` nanoseconds.
        ["2026-11-30T14:01:05Z", "ERROR", "billing", "POST /invoices/{id}", "503", "1500.0", "invoice failed"],
        ["2026-11-30T14:01:05.500Z", "WARN", "unknown", "unknown", "-", "-", "slow upstream"],
        ["2026-11-30T14:01:06Z", "INFO", "billing", "unknown", "-", "-", "invoice sent"],
        // Splunk HEC: the raw log4j line in `event`.
        ["2026-11-30T14:01:07.123Z", "ERROR", "unknown", "unknown", "-", "-", "token expired"],
        // Heroku's drain: RFC 6587 frames of RFC 5424 syslog, the router's request and the
        // app's time (`service=37ms`).
        [
            "2026-11-30T14:01:08.123Z",
            "INFO",
            "heroku",
            "GET /api/items/{id}",
            "503",
            "37.0",
            "at=info method=GET path=\"/api/items/12\" host=x.herokuapp.com dyno=web.1 connect=1ms service=37ms status=503 bytes=100",
        ],
        // `docker compose logs`: the service from the prefix, the trace joined to its error.
        [
            "2026-11-30T14:01:09.001Z",
            "ERROR",
            "web",
            "unknown",
            "-",
            "-",
            "payment failed\nweb-1  | java.lang.IllegalStateException: card declined",
        ],
        ["2026-11-30T14:01:09.500Z", "INFO", "db", "unknown", "-", "-", "checkpoint starting: time"],
        // Cisco ASA: the facility as service, the severity digit agrees with the PRI.
        ["2026-11-30T14:01:10Z", "ERROR", "ASA", "unknown", "-", "-", "TCP access denied by ACL from 1.2.3.4/5555 to outside:5.6.7.8/22"],
        ["2026-11-30T14:01:11Z", "WARN", "notes", "unknown", "-", "-", "written by .NET"],
        // FireLens: the app's JSON line; GELF: the line's level over the driver's 6 (INFO).
        ["2026-11-30T14:01:12Z", "ERROR", "ledger", "unknown", "-", "-", "entry rejected"],
        ["2026-11-30T14:01:13.500Z", "WARN", "shop_web_1", "unknown", "-", "-", "slow render"],
    ];
    assert_eq!(got, expected);
    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 17);
}

const KUBELET_AND_CONTAINERD: &str = "Nov 30 14:01:02 node-1 kubelet[1234]: E1130 14:01:02.123456    1234 pod_workers.go:1298] \"Error syncing pod, skipping\" err=\"failed to StartContainer\" pod=\"default/web-1\"\n\
Nov 30 14:01:03 node-1 kubelet[1234]: I1130 14:01:03.234567    1234 kubelet.go:2430] \"SyncLoop ADD\" source=\"api\"\n\
Nov 30 14:01:04 node-1 containerd[812]: time=\"2026-11-30T14:01:04.123456789Z\" level=error msg=\"failed to pull image\" image=\"shop:1.2\"\n";

const LAMBDA_EXPORT: &str = "2026-11-30T14:01:02.100Z START RequestId: 8f5c1e2a-1b2c-4d5e-9f00-1234567890ab Version: $LATEST\n\
2026-11-30T14:01:02.300Z REPORT RequestId: 8f5c1e2a-1b2c-4d5e-9f00-1234567890ab Duration: 123.45 ms Billed Duration: 124 ms Memory Size: 128 MB Max Memory Used: 70 MB\n";

const ENVOY: &str = "[2026-11-30 14:01:02.123][12][info][main] [source/server/server.cc:123] starting main dispatch loop\n\
[2026-11-30 14:01:03.456][15][warning][config] [source/common/config/grpc_stream.h:201] StreamAggregatedResources gRPC config stream closed: 14, upstream connect error\n";

const DOTNET_STDOUT: &str = "Application started.\n\
Unhandled exception. System.InvalidOperationException: boom\n   at Shop.Orders.Pay() in /src/Orders.cs:line 42\n\
--- End of stack trace from previous location ---\n   at Shop.Program.Main()\n\
Shutting down\n";

/// A Java service's stack trace as the container runtime writes it: a CRI record per line.
const CRI_STACK_TRACE: &str = "2026-11-30T14:01:02.123456789Z stdout F 2026-11-30 14:01:02.123 ERROR 1 --- [nio-8080-exec-1] c.a.Checkout : payment failed
2026-11-30T14:01:02.123556789Z stdout F java.lang.IllegalStateException: pool exhausted
2026-11-30T14:01:02.123656789Z stdout F \tat com.acme.Pool.get(Pool.java:42)
2026-11-30T14:01:02.123756789Z stdout F Caused by: java.net.SocketTimeoutException: connect timed out
2026-11-30T14:01:02.123856789Z stdout F \t... 12 more
2026-11-30T14:01:03.000000000Z stdout F {\"level\":\"info\",\"msg\":\"order placed\"}
";

/// The same output as Docker's json-file driver writes it, with a line longer than its 16 KiB
/// buffer split into two records (the first `log` without its newline).
fn docker_json_file(long_message: &str) -> String {
    let mut records: Vec<String> = CRI_STACK_TRACE
        .lines()
        .map(|line| {
            let mut parts = line.splitn(4, ' ');
            let (time, stream) = (parts.next().unwrap(), parts.next().unwrap());
            let payload = parts.nth(1).unwrap();
            serde_json::json!({"log": format!("{payload}\n"), "stream": stream, "time": time})
                .to_string()
        })
        .collect();
    let line = format!("2026-11-30 14:01:04.000 WARN 1 --- [main] c.a.Big : {long_message}\n");
    let (head, tail) = line.split_at(16 * 1024);
    for part in [head, tail] {
        let time = "2026-11-30T14:01:04.000000000Z";
        records
            .push(serde_json::json!({"log": part, "stream": "stdout", "time": time}).to_string());
    }
    records.join("\n") + "\n"
}

/// A Kubernetes node's syslog (the kubelet's glog lines, containerd's logfmt: their own level
/// and message win over syslog's), a container's stack trace (a CRI record per line, joined
/// into its event; the same in Docker's json-file records, with a long line they split), Lambda's platform lines exported with their times, and a .NET service's
/// plain stdout read as `lines`.
#[tokio::test]
async fn node_agents_lambda_and_plain_output_under_their_wrappers() {
    let logs = tempfile::tempdir().unwrap();
    let written = SystemTime::UNIX_EPOCH + Duration::from_secs(1_796_050_000);
    let container = format!("checkout-7d9f_shop_checkout-{}.log", "ab".repeat(32));
    let docker = format!("{}-json.log", "cd".repeat(32));
    let long_message = "x".repeat(20_000);
    let docker_records = docker_json_file(&long_message);
    for (name, text) in [
        (container.as_str(), CRI_STACK_TRACE),
        (docker.as_str(), docker_records.as_str()),
        ("syslog", KUBELET_AND_CONTAINERD),
        ("lambda.log", LAMBDA_EXPORT),
        ("service.out", DOTNET_STDOUT),
        ("envoy.log", ENVOY),
    ] {
        write_at(&logs.path().join(name), text, written);
    }
    let data = tempfile::tempdir().unwrap();
    let report = ingest_without_config(data.path(), logs.path()).await;
    let formats: Vec<(&str, &str)> = report
        .sources
        .iter()
        .map(|s| (s.uri.rsplit('/').next().unwrap(), s.log.format.as_str()))
        .collect();
    for expected in [
        (container.as_str(), "cri"),
        (docker.as_str(), "docker"),
        ("syslog", "syslog"),
        ("lambda.log", "text"),
        ("service.out", "lines"),
        ("envoy.log", "text"),
    ] {
        assert!(formats.contains(&expected), "{formats:?}");
    }
    assert!(report.sources.iter().all(|s| s.log.rejects == 0));
    let rows = |file: &str, columns: &str| {
        format!("SELECT {columns} FROM events WHERE _source LIKE '%/{file}' ORDER BY _line")
    };
    let got = query(
        data.path(),
        &rows(
            "syslog",
            "level, service, component, message, json_get_str(attributes, 'pod')",
        ),
    )
    .await;
    assert_eq!(
        got[0],
        [
            "ERROR",
            "kubelet",
            "pod_workers.go:1298",
            "Error syncing pod, skipping",
            "default/web-1"
        ]
    );
    assert_eq!(
        got[2][..4],
        ["ERROR", "containerd", "unknown", "failed to pull image"]
    );
    let got = query(
        data.path(),
        &rows(&container, "_line_count, level, service, message"),
    )
    .await;
    let trace = "payment failed\njava.lang.IllegalStateException: pool exhausted\n\
                 \tat com.acme.Pool.get(Pool.java:42)\n\
                 Caused by: java.net.SocketTimeoutException: connect timed out\n\t... 12 more";
    assert_eq!(
        got,
        [
            ["5", "ERROR", "checkout", trace],
            ["1", "INFO", "checkout", "order placed"]
        ]
    );
    let got = query(
        data.path(),
        &rows(&docker, "_line, _line_count, level, message"),
    )
    .await;
    assert_eq!(
        got,
        [
            ["1", "5", "ERROR", trace],
            ["6", "1", "INFO", "order placed"],
            ["7", "2", "WARN", long_message.as_str()]
        ]
    );
    let got = query(data.path(), &rows("lambda.log", "trace_id, duration_ms")).await;
    let request = "8f5c1e2a-1b2c-4d5e-9f00-1234567890ab";
    assert_eq!(got, [[request, "NULL"], [request, "123.45"]]);
    let got = query(data.path(), &rows("service.out", "_line, _line_count")).await;
    assert_eq!(got, [["1", "1"], ["2", "4"], ["6", "1"]]);

    let got = query(
        data.path(),
        &rows(
            "envoy.log",
            "level, component, json_get_str(attributes, 'thread')",
        ),
    )
    .await;
    assert_eq!(got, [["INFO", "main", "12"], ["WARN", "config", "15"]]);

    assert_balanced(data.path()).await;
    assert_eq!(assert_lineage(data.path()).await, 2 + 3 + 3 + 2 + 3 + 2);
}
