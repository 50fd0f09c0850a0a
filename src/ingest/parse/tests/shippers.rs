//! Records as log shippers and clouds deliver them: a shipper's record around the
//! application's raw line (Vector, Fluent Bit, Filebeat, Fluentd), Kubernetes metadata as the
//! service, Google Cloud Logging entries, Azure's diagnostic `records`, Heroku's router and
//! log drains.

use super::*;

fn events(p: &LineParser, line: &str) -> Vec<Event> {
    let mut out = Vec::new();
    p.parse_each(line.as_bytes(), |e| out.push(e.unwrap()));
    out
}

fn attributes(e: &Event) -> Value {
    serde_json::from_str(&e.attributes).unwrap()
}

#[test]
fn a_shippers_raw_line_is_parsed_again() {
    let p = parser("");
    // Vector's `kubernetes_logs` source: the app's JSON line in `message`, no time of its own.
    let e = p
        .parse(br#"{"file":"/var/log/pods/shop_checkout-7d9f_1234/checkout/0.log","kubernetes":{"container_name":"checkout","pod_labels":{"app":"payments"},"pod_name":"checkout-7d9f","pod_namespace":"shop"},"message":"{\"level\":\"error\",\"msg\":\"payment failed\",\"status\":502}","source_type":"kubernetes_logs","stream":"stderr","timestamp":"2026-11-30T14:01:02.123456789Z"}"#)
        .unwrap();
    assert_eq!(e.level, "ERROR");
    assert_eq!(e.message, "payment failed");
    assert_eq!(e.status_code, Some(502));
    assert_eq!(e.service, "payments", "the pod's app label");
    assert_eq!(e.ts_micros, 1_796_047_262_123_456);
    assert_eq!(attributes(&e)["kubernetes"]["pod_namespace"], "shop");

    // A text line with its own time: the line's time wins, the shipper's is kept.
    let e = p
        .parse(br#"{"kubernetes":{"container_name":"checkout"},"message":"2026-11-30 14:01:03,001 WARN [main] c.e.Pay - retrying","source_type":"kubernetes_logs","stream":"stdout","timestamp":"2026-11-30T14:01:09Z"}"#)
        .unwrap();
    assert_eq!((e.level, e.component.as_str()), ("WARN", "c.e.Pay"));
    assert_eq!(e.message, "retrying");
    assert_eq!(e.service, "checkout", "the container, without an app label");
    assert_eq!(e.ts_micros, 1_796_047_263_001_000);
    assert_eq!(attributes(&e)["shipper.timestamp"], "2026-11-30T14:01:09Z");

    // Fluent Bit's `tail` through its S3 output: `date` and the raw line in `log`.
    let e = p
        .parse(br#"{"date":"2026-11-30T14:01:05.000000Z","log":"time=2026-11-30T14:01:04Z level=error msg=\"disk full\" took=12ms"}"#)
        .unwrap();
    assert_eq!((e.level, e.message.as_str()), ("ERROR", "disk full"));
    assert_eq!(e.duration_ms, Some(12.0));
    assert_eq!(e.ts_micros, 1_796_047_264_000_000);

    // Filebeat: ECS metadata, the raw line in `message`, the label's dots as underscores.
    let e = p
        .parse(br#"{"@timestamp":"2026-11-30T14:01:09.000Z","agent":{"type":"filebeat"},"kubernetes":{"labels":{"app_kubernetes_io/name":"cart"},"container":{"name":"cart-main"}},"log":{"file":{"path":"/var/log/cart.log"},"offset":120},"message":"2026-11-30 14:01:06.5 ERROR cart.Service: lost connection"}"#)
        .unwrap();
    assert_eq!((e.level, e.service.as_str()), ("ERROR", "cart"));
    assert_eq!(e.ts_micros, 1_796_047_266_500_000);

    // A container's CRI line read raw (Fluent Bit's `tail` without its `cri` parser): the
    // runtime's wrapper read too, the app's JSON payload parsed again.
    let e = p
        .parse(br#"{"date":"2026-11-30T14:01:02.123456Z","log":"2026-11-30T14:01:02.120Z stderr F {\"level\":\"error\",\"msg\":\"payment failed\"}","kubernetes":{"container_name":"app"}}"#)
        .unwrap();
    assert_eq!((e.level, e.message.as_str()), ("ERROR", "payment failed"));
    assert_eq!(e.ts_micros, 1_796_047_262_120_000);
    assert_eq!(attributes(&e)["stream"], "stderr");
}

#[test]
fn an_apps_own_record_is_left_as_it_is() {
    let p = parser("");
    // A message that merely starts like a log line, in a record with no shipper's key.
    let e = p
        .parse(br#"{"time":"2026-11-30T14:01:02Z","message":"2026-11-30 14:00:00 ERROR seen upstream"}"#)
        .unwrap();
    assert_eq!(e.level, "INFO");
    assert_eq!(e.message, "2026-11-30 14:00:00 ERROR seen upstream");
    assert_eq!(e.ts_micros, 1_796_047_262_000_000);
    // A record with a level of its own is the app's, whatever its message holds.
    let e = p
        .parse(br#"{"timestamp":"2026-11-30T14:01:02Z","level":"info","stream":"stdout","message":"ERROR: retry 2 of 3"}"#)
        .unwrap();
    assert_eq!(
        (e.level, e.message.as_str()),
        ("INFO", "ERROR: retry 2 of 3")
    );
    // A shipper's line with neither time nor level of its own stays the message.
    let e = p
        .parse(br#"{"log":"listening on :8080","stream":"stdout","time":"2026-11-30T14:01:02Z","kubernetes":{"labels":{"app.kubernetes.io/name":"api"}}}"#)
        .unwrap();
    assert_eq!(
        (e.message.as_str(), e.service.as_str()),
        ("listening on :8080", "api")
    );
}

#[test]
fn google_cloud_entries_open_their_payload() {
    let p = parser("");
    let e = p
        .parse(br#"{"insertId":"abc","jsonPayload":{"message":"payment failed","status":502,"duration_ms":812},"resource":{"type":"k8s_container","labels":{"container_name":"checkout","namespace_name":"shop"}},"timestamp":"2026-11-30T14:01:02.123Z","severity":"ERROR","logName":"projects/p/logs/stderr"}"#)
        .unwrap();
    assert_eq!((e.level, e.service.as_str()), ("ERROR", "checkout"));
    assert_eq!((e.status_code, e.duration_ms), (Some(502), Some(812.0)));
    assert_eq!(e.message, "payment failed");
    assert_eq!(
        attributes(&e)["resource"]["labels"]["namespace_name"],
        "shop"
    );
    let e = p
        .parse(br#"{"textPayload":"Default STARTUP TCP probe succeeded","resource":{"type":"cloud_run_revision","labels":{"service_name":"orders"}},"timestamp":"2026-11-30T14:01:02Z","severity":"INFO","logName":"projects/p/logs/run.googleapis.com%2Fvarlog%2Fsystem"}"#)
        .unwrap();
    assert_eq!(e.service, "orders");
}

#[test]
fn azure_diagnostic_records_are_a_row_each() {
    let p = parser("");
    let rows = events(
        &p,
        r#"{"records":[{"time":"2026-11-30T14:01:02.1230000Z","resourceId":"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.WEB/SITES/CHECKOUT","category":"AppServiceHTTPLogs","operationName":"Microsoft.Web/sites/log","properties":{"CsMethod":"GET","CsUriStem":"/api/items/12","ScStatus":500,"TimeTaken":250}},{"time":"2026-11-30T14:01:03Z","resourceId":"/SUBSCRIPTIONS/X/RESOURCEGROUPS/RG/PROVIDERS/MICROSOFT.KEYVAULT/VAULTS/SECRETS","category":"AuditEvent","operationName":"SecretGet","resultType":"Success","durationMs":78,"httpStatusCode":403,"level":"Warning","resultDescription":"Access denied"},{"time":"2026-11-30T14:01:04Z","resourceId":"/X/PROVIDERS/MICROSOFT.NETWORK/APPLICATIONGATEWAYS/EDGE","category":"ApplicationGatewayAccessLog","properties":{"httpMethod":"POST","requestUri":"/orders/77?x=1","httpStatus":201,"timeTaken":0.012}}]}"#,
    );
    assert_eq!(rows.len(), 3);
    let web = &rows[0];
    assert_eq!(
        (web.service.as_str(), web.component.as_str()),
        ("checkout", "AppServiceHTTPLogs")
    );
    assert_eq!(
        (web.operation.as_str(), web.status_code),
        ("GET /api/items/{id}", Some(500))
    );
    assert_eq!((web.duration_ms, web.level), (Some(250.0), "ERROR"));
    let vault = &rows[1];
    assert_eq!(
        (vault.service.as_str(), vault.operation.as_str()),
        ("secrets", "SecretGet")
    );
    assert_eq!(
        (vault.status_code, vault.duration_ms),
        (Some(403), Some(78.0))
    );
    assert_eq!(
        (vault.level, vault.message.as_str()),
        ("WARN", "Access denied")
    );
    let gateway = &rows[2];
    assert_eq!(gateway.operation, "POST /orders/{id}");
    assert_eq!(
        (gateway.status_code, gateway.duration_ms),
        (Some(201), Some(12.0))
    );
}

#[test]
fn fluentd_out_file_heroku_router_and_log_drains() {
    let p = parser("");
    // Fluentd's `out_file`: time, tag, the record as JSON.
    let e = p
        .parse(b"2026-11-30T14:01:02+00:00\tapp.checkout\t{\"level\":\"error\",\"message\":\"payment failed\",\"status\":500}")
        .unwrap();
    assert_eq!(
        (e.level, e.message.as_str(), e.status_code),
        ("ERROR", "payment failed", Some(500))
    );
    assert_eq!(e.component, "app.checkout");
    // A tailed file's record: the app's own line in `log` is read again.
    let e = p
        .parse(b"2026-11-30T14:01:02+00:00\tkube.var.log.containers.shop\t{\"log\":\"2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed\\n\",\"stream\":\"stderr\"}")
        .unwrap();
    assert_eq!(
        (e.level, e.message.as_str(), e.component.as_str()),
        ("ERROR", "payment failed", "c.a.Checkout")
    );
    // Heroku's router, as `heroku logs` prints it: the request is the operation.
    let e = p
        .parse(br#"2026-11-30T14:01:02.123456+00:00 heroku[router]: at=error code=H12 desc="Request timeout" method=GET path="/api/items/12" host=x.herokuapp.com dyno=web.1 connect=0ms service=30000ms status=503 bytes=0"#)
        .unwrap();
    assert_eq!(
        (e.operation.as_str(), e.status_code),
        ("GET /api/items/{id}", Some(503))
    );
    // A log drain's frames (RFC 6587 octet counting) are syslog once the count is dropped.
    let syslog = parser("[ingest]\nformat = \"syslog\"");
    let e = syslog
        .parse(b"156 <158>1 2026-11-30T14:01:03.123+00:00 host heroku router - at=info method=GET path=\"/\" status=200")
        .unwrap();
    assert_eq!(
        (e.service.as_str(), e.operation.as_str()),
        ("heroku", "GET /")
    );
    assert_eq!(attributes(&e)["facility"], "local3");
}

#[test]
fn archives_and_exports_of_other_log_services() {
    let p = parser("");
    // Datadog's log archives: `status` is the level, the app's fields under `attributes`
    // (its standard `duration` in nanoseconds).
    let e = p
        .parse(br#"{"_id":"AAAAAX","date":"2026-11-30T14:01:02.123Z","service":"checkout","host":"i-123","status":"error","message":"payment failed","attributes":{"http":{"status_code":502,"method":"POST","url_details":{"path":"/api/pay/17"}},"duration":812000000},"tags":["env:prod"]}"#)
        .unwrap();
    assert_eq!((e.level, e.service.as_str()), ("ERROR", "checkout"));
    assert_eq!((e.status_code, e.duration_ms), (Some(502), Some(812.0)));
    assert_eq!(e.operation, "POST /api/pay/{id}");
    // Splunk's HTTP Event Collector: an `event` object is the record, a string the raw line.
    let e = p
        .parse(br#"{"time":1796047263,"host":"web-1","sourcetype":"_json","event":{"level":"warn","message":"slow upstream","status":504}}"#)
        .unwrap();
    assert_eq!(
        (e.level, e.message.as_str(), e.status_code),
        ("WARN", "slow upstream", Some(504))
    );
    let e = p
        .parse(br#"{"time":1796047299.5,"host":"web-1","source":"/var/log/app.log","sourcetype":"log4j","index":"main","event":"2026-11-30 14:01:02,123 ERROR [main] c.e.Checkout - payment failed"}"#)
        .unwrap();
    assert_eq!((e.level, e.component.as_str()), ("ERROR", "c.e.Checkout"));
    assert_eq!(e.ts_micros, 1_796_047_262_123_000);
    // Cribl Stream (and Splunk's own exports): `_raw` and `_time`.
    let e = p
        .parse(br#"{"_raw":"{\"level\":\"error\",\"msg\":\"boom\"}","_time":1796047263,"host":"web-2"}"#)
        .unwrap();
    assert_eq!((e.level, e.message.as_str()), ("ERROR", "boom"));
    assert_eq!(e.ts_micros, 1_796_047_263_000_000);
    // An Elasticsearch or OpenSearch hit: the document is `_source`.
    let e = p
        .parse(br#"{"_index":"logs-2026.11.30","_id":"x1","_source":{"@timestamp":"2026-11-30T14:01:02.123Z","log":{"level":"error"},"message":"payment failed","service":{"name":"checkout"}}}"#)
        .unwrap();
    assert_eq!((e.level, e.service.as_str()), ("ERROR", "checkout"));
}

#[test]
fn forwarded_syslog_and_fluent_bit_files() {
    let p = parser("");
    let e = p
        .parse(br#"{"_raw":"Nov 30 14:01:02 web-1 sshd[4242]: Failed password for root from 10.0.0.9 port 2222 ssh2","_time":1796047262.5,"host":"web-1"}"#)
        .unwrap();
    assert_eq!(e.service, "sshd");
    assert!(e.message.starts_with("Failed password"), "{}", e.message);
    assert_eq!(attributes(&e)["pid"], 4242);
    // Fluent Bit's `file` output: the record's raw line is parsed again.
    let e = p
        .parse(br#"kube.var.log.containers.checkout: [[1796047263.5, {}], {"log":"{\"level\":\"warn\",\"msg\":\"slow\"}","stream":"stdout"}]"#)
        .unwrap();
    assert_eq!((e.level, e.message.as_str()), ("WARN", "slow"));
    assert_eq!(e.ts_micros, 1_796_047_263_500_000);
    assert_eq!(
        attributes(&e)["fluent.tag"],
        "kube.var.log.containers.checkout"
    );
}

#[test]
fn a_status_word_is_an_outcome_or_a_level_not_a_bad_code() {
    let p = parser("");
    let e = p
        .parse(br#"{"ts":"2026-11-30T14:01:02Z","job":"nightly","status":"failed","msg":"export"}"#)
        .unwrap();
    assert_eq!((e.outcome, e.status_code, e.level), ("error", None, "INFO"));
    let e = p
        .parse(
            br#"{"ts":"2026-11-30T14:01:02Z","status":"success","http.status_code":201,"msg":"x"}"#,
        )
        .unwrap();
    assert_eq!((e.outcome, e.status_code), ("ok", Some(201)));
    // Neither a number, a level nor an outcome: a reject naming the field, as before.
    let why = p
        .parse(br#"{"ts":"2026-11-30T14:01:02Z","status":"pending","msg":"x"}"#)
        .unwrap_err();
    assert!(
        why.contains("field `status`: expected an integer status code"),
        "{why}"
    );
}

#[test]
fn docker_drivers_and_ecs_firelens() {
    let p = parser("");
    // ECS FireLens (Fluent Bit): the container's line in `log`, the task's names beside it.
    let e = p
        .parse(br#"{"container_id":"abc","container_name":"checkout","ecs_cluster":"prod","log":"{\"level\":\"error\",\"msg\":\"payment failed\",\"time\":\"2026-11-30T14:01:02Z\"}","source":"stderr"}"#)
        .unwrap();
    assert_eq!((e.level, e.service.as_str()), ("ERROR", "checkout"));
    // Docker's fluentd driver: the API's `/name`.
    let e = p
        .parse(br#"{"container_id":"abc","container_name":"/shop_web_1","source":"stdout","log":"2026-11-30 14:01:02,123 ERROR [main] c.e.Checkout - payment failed","time":"2026-11-30T14:01:02.123Z"}"#)
        .unwrap();
    assert_eq!((e.level, e.service.as_str()), ("ERROR", "shop_web_1"));
    // Docker's GELF driver: the line's own level wins over the driver's stdout 6.
    let gelf = |line: &str| {
        format!(
            r#"{{"version":"1.1","host":"web-1","short_message":"{line}","timestamp":1796047262.5,"level":6,"_container_id":"abc","_container_name":"shop_web_1"}}"#
        )
    };
    let e = p
        .parse(
            gelf("2026-11-30 14:01:02,123 ERROR [main] c.e.Checkout - payment failed").as_bytes(),
        )
        .unwrap();
    assert_eq!(
        (e.level, e.service.as_str(), e.message.as_str()),
        ("ERROR", "shop_web_1", "payment failed")
    );
    assert_eq!(attributes(&e)["gelf.level"], 6);
    let e = p.parse(gelf("listening on 8080").as_bytes()).unwrap();
    assert_eq!((e.level, e.message.as_str()), ("INFO", "listening on 8080"));
}

/// Applications' own JSON logs whose names or scales differ from the common ones: Okta's
/// System Log (`published`, `displayMessage`, `outcome.result`) and Nextcloud's numeric levels
/// (2 is a warning there, not syslog's critical).
#[test]
fn okta_system_log_and_nextcloud_levels() {
    let p = parser("");
    let e = p
        .parse(br#"{"actor":{"alternateId":"alice@example.com"},"displayMessage":"User login to Okta","eventType":"user.session.start","outcome":{"result":"FAILURE","reason":"INVALID_CREDENTIALS"},"published":"2026-11-30T14:01:02.123Z","severity":"WARN"}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_262_123_000);
    assert_eq!(e.message, "User login to Okta");
    assert_eq!((e.level, e.outcome), ("WARN", "error"));
    assert_eq!(attributes(&e)["outcome"]["reason"], "INVALID_CREDENTIALS");
    let levels: Vec<&str> = (0..5)
        .map(|level| {
            let line = format!(
                r#"{{"reqId":"Xo1b","level":{level},"time":"2026-11-30T14:01:02+00:00","app":"files","message":"m"}}"#
            );
            p.parse(line.as_bytes()).unwrap().level
        })
        .collect();
    assert_eq!(levels, ["DEBUG", "INFO", "WARN", "ERROR", "FATAL"]);
    // Without Nextcloud's request id a small number is a syslog severity.
    let e = p
        .parse(br#"{"level":2,"time":"2026-11-30T14:01:02Z","message":"m"}"#)
        .unwrap();
    assert_eq!(e.level, "FATAL");
}
