use super::*;

fn parser(toml_text: &str) -> LineParser {
    let config = crate::config::Config::parse(toml_text, std::path::Path::new("t.toml")).unwrap();
    let config = super::super::IngestConfig::load(&config).unwrap();
    let (settings, service) = config.settings_for("file:///x.log");
    LineParser::new(&settings, service, &config.component_rules).unwrap()
}

#[test]
fn json_maps_columns_and_keeps_the_rest() {
    let p = parser("");
    let e = p
        .parse(br#"{"ts":"2025-11-20T10:00:00.5Z","level":"warning","service":"web","component":"canvas","operation":"resizeCanvas","status":503,"duration_ms":12.5,"msg":"slow","user":"u1","nested":{"a":1}}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_763_632_800_500_000);
    assert_eq!(e.level, "WARN");
    assert_eq!(e.status_code, Some(503));
    assert_eq!(e.outcome, "error");
    assert_eq!(e.duration_ms, Some(12.5));
    assert_eq!(e.message, "slow");
    assert_eq!(e.attributes, r#"{"user":"u1","nested":{"a":1}}"#);
}

#[test]
fn reasons_are_specific() {
    let p = parser("");
    let why = |line: &[u8]| p.parse(line).unwrap_err();
    assert!(why(br#"{"ts": "2025-11-20T10:00:00Z", "status": "abc"}"#).contains("field `status`"));
    assert!(why(br#"{"ts": "yesterday"}"#).contains("unparseable timestamp"));
    assert!(why(br#"{"msg": "no time"}"#).contains("missing timestamp"));
    assert!(why(b"{\"ts\": 1, \"msg\": \"a\xffb\"}").contains("invalid UTF-8 at byte 20"));
    assert!(why(b"{\"a\":\0}").contains("NUL byte at byte 6"));
    assert!(why(b"{\"a\":\0}").contains("binary data"));
    // A binary Windows event log says how to export it.
    assert!(why(b"ElfFile\0\x01\x02").contains("wevtutil qe"));
    // UTF-16 without its byte order mark: the line says which setting reads it.
    let utf16: Vec<u8> = "2026-11-30 14:01:02 ERROR x"
        .bytes()
        .flat_map(|b| [b, 0])
        .collect();
    assert!(why(&utf16).contains("NUL byte at byte 2 of the line (UTF-16 without"));
    assert!(why(b"a\xe9b").contains("set encoding, e.g. \"windows-1252\""));
    assert!(why(br#"{"ts": "2025-11-20T10:00:00Z", "msg": "#).contains("invalid JSON"));
    assert!(why(b"just some words").contains("unrecognised format"));
    // A bracket opens JSON arrays and text headers alike: the reason gives both readings.
    let bracketed = why(b"[4321] Puma starting in cluster mode...");
    assert!(bracketed.starts_with("invalid JSON"), "{bracketed}");
    assert!(bracketed.contains("; read as text: "), "{bracketed}");
}

#[test]
fn duplicate_keys_keep_every_value() {
    let p = parser("");
    let e = p
        .parse(br#"{"ts":"2025-11-20T10:00:00Z","level":"INFO","level":"ERROR","x":1,"x":2}"#)
        .unwrap();
    assert_eq!(e.level, "ERROR");
    assert_eq!(
        e.attributes,
        r#"{"x":2,"_duplicate_keys":{"level":["INFO"],"x":[1]}}"#
    );
}

#[test]
fn logfmt_and_epoch() {
    let p = parser("");
    let e = p
        .parse(br#"time=1763632800123 level=error op=createCanvas msg="boom \"x\"" took=1.5s"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_763_632_800_123_000);
    assert_eq!(e.operation, "createCanvas");
    assert_eq!(e.message, "boom \"x\"");
    assert_eq!(e.duration_ms, Some(1500.0));
    assert_eq!(e.outcome, "error");
}

#[test]
fn combined_access_log() {
    let p = parser("");
    let e = p
        .parse(br#"10.0.0.1 - - [20/Nov/2025:10:00:00 +0100] "GET /api/x?y=1 HTTP/1.1" 502 12 "-" "curl/8" 0.250"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_763_629_200_000_000);
    assert_eq!(e.operation, "GET /api/x");
    assert_eq!(e.status_code, Some(502));
    assert_eq!(e.duration_ms, Some(250.0));
    assert_eq!(e.level, "ERROR");
    // Traefik: an unquoted `-` referer, its duration with a unit; `-` for the status of a
    // request the client gave up on (no status, still an event).
    let e = p
        .parse(br#"10.0.0.1 - - [28/Feb/2018:17:30:33 +0000] "GET /en/ HTTP/2.0" 503 2814 - "Mozilla/5.0 (iPhone)" 13 "web@docker" "http://172.19.0.6:80" 247ms"#)
        .unwrap();
    assert_eq!((e.status_code, e.duration_ms), (Some(503), Some(247.0)));
    assert!(e
        .attributes
        .contains(r#""user_agent":"Mozilla/5.0 (iPhone)""#));
    let e = p
        .parse(
            br#"::1 - - [15/Apr/2024:13:04:10 +0000] "GET / HTTP/1.1" - - "-" "-" 27 "-" "-" 0ms"#,
        )
        .unwrap();
    assert_eq!((e.status_code, e.operation.as_str()), (None, "GET /"));
    // A quote the server left open (Tomcat's `X-Forwarded-For="`) keeps the request.
    let e = p
        .parse(br#"10.0.0.1 - - [02/Mar/2023:18:58:17 +0530] "POST /host-manager/x HTTP/1.1" 500 20486 10.0.0.2 /host-manager/x + "http://localhost:8080/" "Mozilla/5.0" X-Forwarded-For=""#)
        .unwrap();
    assert_eq!(
        (e.status_code, e.operation.as_str()),
        (Some(500), "POST /host-manager/x")
    );
}

#[test]
fn regex_with_split_timestamp_and_rules() {
    let p = parser(concat!(
        "[ingest]\nformat = 'regex:^(?P<date>\\d{6}) (?P<time>\\d{6}) (?P<pid>\\d+) (?P<level>\\w+) (?P<op>[^:]+): (?P<message>.*)$'\n",
        "timestamp_field = ['date', 'time']\ntimestamp_format = '%y%m%d %H%M%S'\n",
        "[[component_rule]]\npattern = '^dfs\\.DataNode'\ncomponent = 'datanode'\n"
    ));
    let e = p
        .parse(
            b"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating",
        )
        .unwrap();
    assert_eq!(e.component, "datanode");
    assert_eq!(e.operation, "dfs.DataNode$PacketResponder");
    assert_eq!(e.attributes, r#"{"pid":"148"}"#);
    assert_eq!(e.ts_micros, 1_226_262_975_000_000);
}

#[test]
fn timezone_applies_to_naive_times_only() {
    let p = parser("[ingest]\ntimezone = '+02:00'\n");
    let naive = p.parse(br#"{"ts":"2025-11-20 12:00:00"}"#).unwrap();
    let zoned = p.parse(br#"{"ts":"2025-11-20T12:00:00Z"}"#).unwrap();
    assert_eq!(zoned.ts_micros - naive.ts_micros, 7_200_000_000);
}

#[test]
fn json_as_common_loggers_write_it() {
    let p = parser("");
    // ECS, nested: the columns read inside objects, which stay whole in attributes.
    let e = p
        .parse(br#"{"@timestamp":"2026-11-30T14:01:03.123Z","log":{"level":"warn","logger":"c.a.Pay"},"message":"slow","service":{"name":"checkout"},"http":{"response":{"status_code":502}},"trace":{"id":"abc"},"event":{"duration":12000000}}"#)
        .unwrap();
    assert_eq!(
        (
            e.level,
            e.service.as_str(),
            e.component.as_str(),
            e.status_code
        ),
        ("WARN", "checkout", "c.a.Pay", Some(502))
    );
    assert_eq!(
        (e.duration_ms, e.trace_id.as_deref()),
        (Some(12.0), Some("abc"))
    );
    assert_eq!(e.message, "slow");
    assert!(
        e.attributes.contains(r#""service":{"name":"checkout"}"#),
        "{}",
        e.attributes
    );
    // pino and bunyan: numeric levels; pino-http's response.
    let e = p
        .parse(br#"{"level":50,"time":1764511262123,"msg":"failed","res":{"statusCode":503},"responseTime":12}"#)
        .unwrap();
    assert_eq!(
        (e.level, e.status_code, e.duration_ms),
        ("ERROR", Some(503), Some(12.0))
    );
    assert_eq!(e.ts_micros, 1_764_511_262_123_000);
    let level = |json: &[u8]| p.parse(json).unwrap().level;
    assert_eq!(
        level(br#"{"level":40,"time":1764511262,"msg":"x"}"#),
        "WARN"
    );
    assert_eq!(
        level(br#"{"level":3,"time":1764511262,"msg":"x"}"#),
        "ERROR"
    );
    // Google Cloud: severity, httpRequest with a latency in seconds and its unit.
    let e = p
        .parse(br#"{"severity":"ERROR","timestamp":"2026-11-30T14:01:02Z","message":"m","httpRequest":{"status":503,"latency":"0.120s"},"logging.googleapis.com/trace":"projects/p-1/traces/4bf92f35"}"#)
        .unwrap();
    assert_eq!((e.status_code, e.duration_ms), (Some(503), Some(120.0)));
    assert_eq!(e.trace_id.as_deref(), Some("4bf92f35"));
    // The operation from a request's method and target when no field names one.
    let operation = |json: &[u8]| p.parse(json).unwrap().operation;
    assert_eq!(
        operation(br#"{"time":1764511262,"msg":"done","req":{"method":"get","url":"/api/orders/17?x=1"}}"#),
        "GET /api/orders/{id}"
    );
    // Rails' lograge and GitLab: the controller and its action.
    assert_eq!(
        operation(br#"{"time":"2026-11-30T14:01:02.123Z","method":"GET","path":"/api/v4/projects","format":"json","controller":"ProjectsController","action":"index","status":200,"duration_s":0.05}"#),
        "ProjectsController#index"
    );
    // AWS WAF: the request under `httpRequest` (method and URI) is the message; its
    // `action` (ALLOW, BLOCK) the operation.
    let waf = p
        .parse(br#"{"timestamp":1764511262771,"formatVersion":1,"action":"BLOCK","httpSourceName":"ALB","httpRequest":{"clientIp":"1.1.1.1","country":"AU","uri":"/api/orders/17","args":"","httpVersion":"HTTP/1.1","httpMethod":"POST","requestId":"rid"}}"#)
        .unwrap();
    assert_eq!(
        (waf.operation.as_str(), waf.message.as_str()),
        ("BLOCK", "POST /api/orders/17")
    );
    assert_eq!(
        operation(br#"{"@t":"2026-11-30T14:01:02Z","@mt":"HTTP {RequestMethod} {RequestPath} responded {StatusCode} in {Elapsed} ms","RequestMethod":"POST","RequestPath":"/api/pay","StatusCode":502,"Elapsed":31.5}"#),
        "POST /api/pay"
    );
    assert_eq!(
        operation(
            br#"{"ts":1764511262,"msg":"m","operation":"checkout","method":"GET","path":"/x/1"}"#
        ),
        "checkout"
    );
    // Serilog's compact JSON and structlog.
    let e = p
        .parse(br#"{"@t":"2026-11-30T14:01:02Z","@mt":"Paid {Amount}","@l":"Warning","Amount":3}"#)
        .unwrap();
    assert_eq!((e.level, e.message.as_str()), ("WARN", "Paid 3"));
    // `@m` when the record has it; Serilog's `JsonFormatter` keeps properties apart.
    let e = p
        .parse(br#"{"@t":"2026-11-30T14:01:02Z","@m":"Paid 3.00","@mt":"Paid {Amount:0.00}","Amount":3}"#)
        .unwrap();
    assert_eq!(e.message, "Paid 3.00");
    let e = p
        .parse(br#"{"Timestamp":"2026-11-30T14:01:02Z","Level":"Error","MessageTemplate":"Order {Id} by {User} failed","Properties":{"Id":17,"User":"alice"}}"#)
        .unwrap();
    assert_eq!(
        (e.level, e.message.as_str()),
        ("ERROR", "Order 17 by alice failed")
    );
    // log4j2's JSON layout: the instant in seconds and nanoseconds; python-json-logger.
    let e = p
        .parse(br#"{"instant":{"epochSecond":1764511262,"nanoOfSecond":123456000},"level":"ERROR","loggerName":"c.Shop","message":"x"}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_764_511_262_123_456);
    let e = p
        .parse(br#"{"asctime": "2026-11-30 14:01:02,123", "levelname": "ERROR", "message": "x"}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_262_123_000);
    let e = p
        .parse(br#"{"event":"order placed","level":"info","timestamp":"2026-11-30T14:01:02Z"}"#)
        .unwrap();
    assert_eq!(e.message, "order placed");
    // An object is never a column's text: `service` as an object without `name` is left.
    let e = p
        .parse(br#"{"ts":"2026-11-30T14:01:02Z","service":{"version":"1.2"},"msg":"x"}"#)
        .unwrap();
    assert_eq!(
        e.service,
        p.parse(br#"{"ts":1764511262,"msg":"x"}"#).unwrap().service
    );
}

#[test]
fn mongodb_structured_log() {
    let p = parser("");
    let e = p
        .parse(br#"{"t":{"$date":"2026-11-30T14:01:04.123+00:00"},"s":"E","c":"STORAGE","id":22435,"ctx":"conn12","msg":"WiredTiger error","attr":{"error":13}}"#)
        .unwrap();
    assert_eq!(
        (
            e.ts_micros,
            e.level,
            e.component.as_str(),
            e.message.as_str()
        ),
        (
            1_796_047_264_123_000,
            "ERROR",
            "STORAGE",
            "WiredTiger error"
        )
    );
    assert!(
        e.attributes.contains(r#""ctx":"conn12""#),
        "{}",
        e.attributes
    );
    let level = |json: &[u8]| p.parse(json).unwrap().level;
    assert_eq!(
        level(br#"{"t":{"$date":"2026-11-30T14:01:04Z"},"s":"W","c":"CONTROL","msg":"x"}"#),
        "WARN"
    );
    assert_eq!(
        level(br#"{"t":{"$date":"2026-11-30T14:01:04Z"},"s":"D2","c":"-","msg":"x"}"#),
        "DEBUG"
    );
    // Elsewhere a one-letter `s` is not a level.
    let other = p
        .parse(br#"{"ts":"2026-11-30T14:01:04Z","s":"E","msg":"x"}"#)
        .unwrap();
    assert_eq!(other.level, "INFO");
    assert!(
        other.attributes.contains(r#""s":"E""#),
        "{}",
        other.attributes
    );
}

#[test]
fn dotnet_serilog_json_and_gelf() {
    let p = parser("");
    // .NET's JSON console logger (with a timestamp format set).
    let e = p
        .parse(br#"{"Timestamp":"2026-11-30T14:01:03.123Z","EventId":1,"LogLevel":"Error","Category":"Shop.Orders","Message":"Order 17 failed","Exception":"System.TimeoutException: x"}"#)
        .unwrap();
    assert_eq!(
        (e.level, e.component.as_str(), e.message.as_str()),
        ("ERROR", "Shop.Orders", "Order 17 failed")
    );
    // Serilog's JsonFormatter: the rendered message, the request inside Properties.
    let e = p
        .parse(br#"{"Timestamp":"2026-11-30T14:01:02.1234567+00:00","Level":"Information","MessageTemplate":"HTTP {RequestMethod} {RequestPath} responded {StatusCode}","RenderedMessage":"HTTP GET /api/orders/17 responded 200","Properties":{"RequestMethod":"GET","RequestPath":"/api/orders/17","StatusCode":200,"Elapsed":12.5,"SourceContext":"Serilog.AspNetCore.RequestLoggingMiddleware"}}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_262_123_456);
    assert_eq!(
        (
            e.level,
            e.message.as_str(),
            e.status_code,
            e.duration_ms,
            e.operation.as_str()
        ),
        (
            "INFO",
            "HTTP GET /api/orders/17 responded 200",
            Some(200),
            Some(12.5),
            "GET /api/orders/{id}"
        )
    );
    assert_eq!(e.component, "Serilog.AspNetCore.RequestLoggingMiddleware");
    // GELF: `_`-prefixed additional fields meet the usual names; short_message is the message.
    let e = p
        .parse(br#"{"version":"1.1","host":"web-1","short_message":"Order failed","timestamp":1796047262.123,"level":3,"_service":"checkout","_status":502}"#)
        .unwrap();
    assert_eq!(
        (
            e.level,
            e.service.as_str(),
            e.status_code,
            e.message.as_str()
        ),
        ("ERROR", "checkout", Some(502), "Order failed")
    );
}

/// Access logs as proxies write them by default: Caddy's JSON (zap: seconds), Traefik's JSON
/// (nanoseconds), nginx with a JSON `log_format` (the request line) and Kubernetes'
/// ingress-nginx (its request length is not a time).
#[test]
fn proxies_access_logs_as_written_by_default() {
    let p = parser("");
    let caddy = p
        .parse(br#"{"level":"info","ts":1796047262.5241024,"logger":"http.log.access.log0","msg":"handled request","request":{"remote_ip":"127.0.0.1","method":"GET","uri":"/api/orders/17"},"duration":0.000929675,"size":10900,"status":200}"#)
        .unwrap();
    assert_eq!(caddy.operation, "GET /api/orders/{id}");
    assert_eq!(caddy.duration_ms, Some(0.929675));
    assert_eq!(caddy.message, "handled request");
    // The same name in a record with an ISO time stays milliseconds.
    let plain = p
        .parse(br#"{"ts":"2026-11-30T14:01:02Z","msg":"x","duration":12.5}"#)
        .unwrap();
    assert_eq!(plain.duration_ms, Some(12.5));

    let traefik = p
        .parse(br#"{"ClientAddr":"10.0.0.1:51234","DownstreamStatus":502,"Duration":14123456,"RequestMethod":"GET","RequestPath":"/api/orders/17?x=1","level":"info","msg":"","time":"2026-11-30T14:01:02Z"}"#)
        .unwrap();
    assert_eq!(traefik.duration_ms, Some(14.123456));
    assert_eq!(traefik.status_code, Some(502));
    assert_eq!(traefik.operation, "GET /api/orders/{id}");
    assert_eq!(traefik.message, "GET /api/orders/17?x=1");

    let nginx = p
        .parse(br#"{"time":"2026-11-30T14:01:02+00:00","remote_addr":"10.0.0.1","request":"POST /api/cart/991?x=1 HTTP/1.1","status":503,"request_time":1.502}"#)
        .unwrap();
    assert_eq!(nginx.operation, "POST /api/cart/{id}");
    assert_eq!(nginx.message, "POST /api/cart/991?x=1");
    assert_eq!(nginx.duration_ms, Some(1502.0));
    assert!(nginx
        .attributes
        .contains(r#""request":"POST /api/cart/991?x=1 HTTP/1.1""#));
    // A `request` that is not a request line is left alone.
    let other = p
        .parse(br#"{"time":"2026-11-30T14:01:02Z","request":"refund 17","msg":"m"}"#)
        .unwrap();
    assert_eq!(
        (other.operation.as_str(), other.message.as_str()),
        ("unknown", "m")
    );

    let ingress = p
        .parse(br#"192.168.1.11 - alice [30/Nov/2026:14:01:03 +0000] "POST /api/cart HTTP/2.0" 503 0 "https://shop/" "Mozilla/5.0" 230 1.502 [default-cart-80] [] 10.244.0.13:8080, 10.244.0.14:8080 0, 0 0.750, 0.751 502, 503 9b6f2d3c4e5f6a7b8c9d0e1f2a3b4c5d"#)
        .unwrap();
    assert_eq!(ingress.duration_ms, Some(1502.0));
    assert_eq!(ingress.status_code, Some(503));
    assert_eq!(
        ingress.trace_id.as_deref(),
        Some("9b6f2d3c4e5f6a7b8c9d0e1f2a3b4c5d")
    );
    let attributes: Value = serde_json::from_str(&ingress.attributes).unwrap();
    assert_eq!(attributes["request_length"], 230);
    assert_eq!(attributes["proxy_upstream_name"], "default-cart-80");
    assert_eq!(
        attributes["upstream_addr"],
        "10.244.0.13:8080, 10.244.0.14:8080"
    );
    assert_eq!(attributes["upstream_status"], "502, 503");
}

/// Security logs: Linux audit records (time inside `msg=audit(...)`) and Suricata's eve.json.
#[test]
fn linux_audit_and_suricata() {
    let p = parser("");
    let audit = p
        .parse(br#"type=USER_AUTH msg=audit(1796047263.456:457): pid=1250 uid=1000 ses=3 msg='op=PAM:authentication acct="alice" exe="/usr/bin/sudo" res=failed'"#)
        .unwrap();
    assert_eq!(audit.ts_micros, 1_796_047_263_456_000);
    assert_eq!(audit.component, "USER_AUTH");
    assert_eq!(audit.level, "WARN");
    assert!(
        audit.message.starts_with("pid=1250 uid=1000"),
        "{}",
        audit.message
    );
    let attributes: Value = serde_json::from_str(&audit.attributes).unwrap();
    assert_eq!(attributes["audit_id"], "1796047263.456:457");
    assert_eq!(
        attributes["msg"],
        r#"op=PAM:authentication acct="alice" exe="/usr/bin/sudo" res=failed"#
    );
    let syscall = p
        .parse(br#"type=SYSCALL msg=audit(1796047262.123:456): arch=c000003e syscall=59 success=yes exit=0 comm="sudo""#)
        .unwrap();
    assert_eq!(
        (syscall.level, syscall.component.as_str()),
        ("INFO", "SYSCALL")
    );
    // Without the audit header, `msg` is an ordinary message.
    let plain = p
        .parse(b"ts=1796047262 msg='quoted words' level=warn")
        .unwrap();
    assert_eq!(
        (plain.message.as_str(), plain.level),
        ("quoted words", "WARN")
    );

    let alert = p
        .parse(br#"{"timestamp":"2026-11-30T14:01:02.532516+0000","event_type":"alert","src_ip":"10.0.0.5","alert":{"signature":"ET POLICY curl User-Agent Outbound","severity":2}}"#)
        .unwrap();
    assert_eq!(alert.component, "alert");
    assert_eq!(alert.message, "ET POLICY curl User-Agent Outbound");
    let http = p
        .parse(br#"{"timestamp":"2026-11-30T14:01:03.000001+0000","event_type":"http","http":{"url":"/orders/17","http_method":"GET","status":404}}"#)
        .unwrap();
    assert_eq!(http.operation, "GET /orders/{id}");
    assert_eq!(http.status_code, Some(404));
    assert_eq!(http.message, "GET /orders/17");
}

#[test]
fn a_field_two_columns_took_is_in_both() {
    let mut fields = vec![
        ("app".to_string(), Value::String("checkout".into())),
        ("msg".to_string(), Value::String("paid".into())),
    ];
    let texts = [
        Some(ColumnText::Field(0)),
        Some(ColumnText::Field(1)),
        Some(ColumnText::Field(0)),
        Some(ColumnText::Owned("made".into())),
        None,
    ];
    let taken = ColumnText::take_all(texts, &mut fields);
    let expected = [
        Some("checkout"),
        Some("paid"),
        Some("checkout"),
        Some("made"),
        None,
    ];
    assert_eq!(taken.each_ref().map(|t| t.as_deref()), expected);
    assert_eq!(
        fields[0].1,
        Value::String(String::new()),
        "moved, not copied"
    );
}

#[test]
fn edge_mesh_audit_and_hclog_json() {
    let p = parser("");
    // Cloudflare Logpush: edge times, the status, the origin's time in nanoseconds.
    let e = p
        .parse(br#"{"ClientIP":"10.0.0.2","ClientRequestMethod":"POST","ClientRequestURI":"/api/pay/17","EdgeEndTimestamp":"2026-11-30T14:01:03Z","EdgeResponseStatus":502,"EdgeStartTimestamp":"2026-11-30T14:01:02.5Z","OriginResponseTime":500000000,"RayID":"7d9f"}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_262_500_000);
    assert_eq!((e.status_code, e.duration_ms), (Some(502), Some(500.0)));
    assert_eq!(e.operation, "POST /api/pay/{id}");
    // Its newer field, in milliseconds.
    let e = p
        .parse(br#"{"ClientRequestMethod":"GET","ClientRequestURI":"/api","EdgeStartTimestamp":"2026-11-30T14:01:02Z","EdgeResponseStatus":200,"OriginResponseDurationMs":1234}"#)
        .unwrap();
    assert_eq!(e.duration_ms, Some(1234.0));
    // Envoy's JSON access log.
    let e = p
        .parse(br#"{"start_time":"2026-11-30T14:01:03.123Z","method":"POST","path":"/api/pay","response_code":503,"response_flags":"UF","duration":3002,"upstream_service_time":null}"#)
        .unwrap();
    assert_eq!((e.status_code, e.duration_ms), (Some(503), Some(3002.0)));
    assert_eq!(e.operation, "POST /api/pay");
    // Kubernetes' audit log: the verb on the API path, the response's code.
    let e = p
        .parse(br#"{"kind":"Event","level":"Metadata","verb":"get","requestURI":"/api/v1/namespaces/kube-system/secrets/x","responseStatus":{"status":"Failure","code":403},"requestReceivedTimestamp":"2026-11-30T14:01:03.000000Z"}"#)
        .unwrap();
    assert_eq!(e.status_code, Some(403));
    assert!(
        e.operation.starts_with("GET /api/v1/namespaces/"),
        "{}",
        e.operation
    );
    // hclog as JSON (Consul, Nomad, Vault).
    let e = p
        .parse(br#"{"@level":"error","@message":"failed to restart task","@module":"client.alloc_runner","@timestamp":"2026-11-30T14:01:03.123456Z","error":"exit 1"}"#)
        .unwrap();
    assert_eq!(
        (e.level, e.component.as_str()),
        ("ERROR", "client.alloc_runner")
    );
    assert_eq!(e.message, "failed to restart task");
}

mod shippers;

#[test]
fn a_byte_order_mark_is_no_part_of_the_record() {
    let p = parser("");
    let e = p
        .parse(b"\xEF\xBB\xBF{\"ts\":\"2025-11-20T10:00:00Z\",\"level\":\"error\",\"msg\":\"bom\"}")
        .unwrap();
    assert_eq!((e.level, e.message.as_str()), ("ERROR", "bom"));
    let line = b"\xEF\xBB\xBF2025-11-20 10:00:00,123 WARN [main] c.e.X - text";
    assert_eq!(p.parse(line).unwrap().level, "WARN");
    assert!(crate::ingest::text::starts_text_event(line));
}

/// Kibana's legacy JSON log (hapi's `good`): the level is a word among `tags`, a response's
/// time is `res.responseTime`.
#[test]
fn kibana_tags_and_response_time() {
    let p = parser("");
    let e = p
        .parse(br#"{"type":"log","@timestamp":"2018-05-09T10:57:32Z","tags":["security","warning"],"pid":69410,"message":"Session cookies will be transmitted over insecure connections."}"#)
        .unwrap();
    assert_eq!(e.level, "WARN");
    let e = p
        .parse(br#"{"type":"response","@timestamp":"2018-05-09T10:57:52Z","tags":[],"method":"get","statusCode":200,"req":{"url":"/app/kibana","method":"get"},"res":{"statusCode":200,"responseTime":224},"message":"GET /app/kibana 200 224ms - 9.0B"}"#)
        .unwrap();
    assert_eq!(
        (e.level, e.status_code, e.duration_ms),
        ("INFO", Some(200), Some(224.0))
    );
    // Tags without a level word leave the level to the status.
    let e = p
        .parse(br#"{"@timestamp":"2018-05-09T10:57:52Z","tags":["status","plugin:ml@6.3.0"],"statusCode":503,"message":"x"}"#)
        .unwrap();
    assert_eq!(e.level, "ERROR");
}

/// Security tools' records: FortiGate's key=value line with its time split over `date` and
/// `time`, osquery's results with an epoch `unixTime` (its `calendarTime` kept).
#[test]
fn split_dates_and_osquery_times() {
    let p = parser("");
    let forti = p
        .parse(br#"date=2026-11-30 time=14:01:05 devname="FGT60E" type="event" level="warning" msg="Administrator admin login failed""#)
        .unwrap();
    assert_eq!(
        (forti.ts_micros, forti.level, forti.message.as_str()),
        (
            1_796_047_265_000_000,
            "WARN",
            "Administrator admin login failed"
        )
    );
    assert!(!forti.attributes.contains("\"date\"") && !forti.attributes.contains("\"time\""));
    // A `time` that is a whole time stays alone; a `date` beside it stays in `attributes`.
    let whole = p
        .parse(br#"{"time":"2026-11-30T14:01:05Z","date":"2026-11-29","msg":"x"}"#)
        .unwrap();
    assert_eq!(whole.ts_micros, 1_796_047_265_000_000);
    assert!(whole.attributes.contains(r#""date":"2026-11-29""#));
    let osquery = p
        .parse(br#"{"name":"pack_alf","hostIdentifier":"mac-1","calendarTime":"Mon Nov 30 14:01:05 2026 UTC","unixTime":1796047265,"action":"added"}"#)
        .unwrap();
    assert_eq!(osquery.ts_micros, 1_796_047_265_000_000);
    assert!(osquery.attributes.contains("calendarTime"));
}

/// Kubernetes events, core/v1 (`kubectl get events -o json`, event exporters) and
/// events.k8s.io/v1.
#[test]
fn kubernetes_events() {
    let p = parser("");
    let core = p
        .parse(br#"{"involvedObject":{"kind":"Pod","namespace":"shop","name":"api-1","fieldPath":"spec.containers{api}"},"reason":"BackOff","message":"Back-off restarting failed container","source":{"component":"kubelet","host":"node-1"},"firstTimestamp":"2026-11-30T13:55:00Z","lastTimestamp":"2026-11-30T14:01:05Z","count":5,"type":"Warning","eventTime":null}"#)
        .unwrap();
    assert_eq!(core.ts_micros, 1_796_047_265_000_000);
    assert_eq!(
        (
            core.level,
            core.service.as_str(),
            core.component.as_str(),
            core.operation.as_str()
        ),
        ("WARN", "api", "kubelet", "BackOff")
    );
    assert_eq!(core.message, "Back-off restarting failed container");
    assert!(core.attributes.contains(r#""count":5"#));
    let v1 = p
        .parse(br#"{"apiVersion":"events.k8s.io/v1","kind":"Event","eventTime":"2026-11-30T14:01:05.000000Z","regarding":{"kind":"Node","name":"node-1"},"reason":"NodeNotReady","note":"Node node-1 status is now: NodeNotReady","type":"Normal","reportingController":"node-controller"}"#)
        .unwrap();
    assert_eq!(
        (
            v1.level,
            v1.service.as_str(),
            v1.component.as_str(),
            v1.message.as_str()
        ),
        (
            "INFO",
            "node-1",
            "node-controller",
            "Node node-1 status is now: NodeNotReady"
        )
    );
}

/// Times written as text logs write them, in a JSON or CSV field: the text shapes, whole.
#[test]
fn text_log_times_in_fields() {
    let csv = parser("[ingest]\nformat = \"csv\"");
    let e = csv
        .parse(
            b"LineId,Date,Time,Level,Content\n1,081109,203615,INFO,PacketResponder 1 terminating",
        )
        .unwrap();
    assert_eq!(e.ts_micros, 1_226_262_975_000_000, "2008-11-09T20:36:15Z");
    assert_eq!(
        (e.level, e.message.as_str()),
        ("INFO", "PacketResponder 1 terminating")
    );
    let p = parser("[ingest]\ntimestamp_year = 2026");
    let e = p.parse(br#"{"time":"Nov 30 14:01:02","msg":"x"}"#).unwrap();
    assert_eq!(e.ts_micros, 1_796_047_262_000_000, "2026-11-30T14:01:02Z");
    // Only the whole value: a time followed by words is no time.
    let why = p
        .parse(br#"{"time":"Nov 30 14:01:02 and more","msg":"x"}"#)
        .unwrap_err();
    assert!(why.contains("unparseable timestamp"), "{why}");
}

#[test]
fn nginx_json_times_mongodb_durations_and_heroku_router_times() {
    let p = parser("");
    let e = p
        .parse(br#"{"time_local":"30/Nov/2026:14:01:03 +0000","request":"POST /api/payments HTTP/1.1","status":"504","request_time":"5.003"}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_263_000_000);
    assert_eq!((e.status_code, e.duration_ms), (Some(504), Some(5003.0)));
    let e = p
        .parse(br#"{"t":{"$date":"2026-11-30T14:01:05.123+00:00"},"s":"I","c":"COMMAND","msg":"Slow query","attr":{"durationMillis":1523}}"#)
        .unwrap();
    assert_eq!(e.duration_ms, Some(1523.0));
    let e = p
        .parse(b"2026-11-30T14:01:03.456789+00:00 heroku[router]: at=error code=H12 method=POST path=\"/api/payments\" connect=1ms service=30000ms status=503")
        .unwrap();
    assert_eq!((e.status_code, e.duration_ms), (Some(503), Some(30000.0)));
    assert_ne!(e.service, "30000ms");
    // Apache's `%D` after a combined line: microseconds.
    let e = p
        .parse(br#"10.0.0.6 - - [30/Nov/2026:14:01:03 +0000] "POST /api/payments HTTP/1.1" 502 11 "-" "okhttp/4.9" 5003123"#)
        .unwrap();
    assert!(
        (e.duration_ms.unwrap() - 5003.123).abs() < 1e-6,
        "{:?}",
        e.duration_ms
    );
}

#[test]
fn times_outside_the_storable_years_are_rejects() {
    let p = parser("");
    // A one-digit year (a damaged line) and a far future: rejects naming the time, since one
    // such event would make every query over the events fail.
    for line in [
        r#"10.0.0.4 - - [30/Nov/6:14:01:05 +0000] "GET / HTTP/1.1" 400 0 "-" "-""#,
        r#"{"time":"9999-12-31T00:00:00Z","level":"error","msg":"x"}"#,
    ] {
        let why = p.parse(line.as_bytes()).unwrap_err();
        assert!(why.contains("outside the years 1678-2261"), "{why}");
    }
    // The edges of the span are kept.
    for (line, micros) in [
        (
            r#"{"time":"1678-01-01T00:00:00Z","msg":"x"}"#,
            -9_214_560_000_000_000,
        ),
        (
            r#"{"time":"2261-12-31T23:59:59.999999Z","msg":"x"}"#,
            9_214_646_399_999_999,
        ),
    ] {
        assert_eq!(p.parse(line.as_bytes()).unwrap().ts_micros, micros);
    }
}

#[test]
fn google_cloud_load_balancer_requests() {
    // An external HTTP(S) load balancer's request log: the backend service is the service,
    // `httpRequest` the request, its latency a duration.
    let e = parser("")
        .parse(br#"{"insertId":"1","httpRequest":{"requestMethod":"GET","requestUrl":"https://shop.example/api/orders/17","status":503,"latency":"0.214s"},"resource":{"type":"http_load_balancer","labels":{"project_id":"p","backend_service_name":"shop-backend"}},"timestamp":"2026-11-30T14:01:02.123456Z","severity":"WARNING","logName":"projects/p/logs/requests"}"#)
        .unwrap();
    assert_eq!(e.service, "shop-backend");
    assert_eq!(e.operation, "GET /api/orders/{id}");
    assert_eq!((e.status_code, e.duration_ms), (Some(503), Some(214.0)));
}

#[test]
fn echo_request_log() {
    // Echo's JSON request logger (Go): `uri` the target, `latency` in nanoseconds beside
    // `latency_human`, which has its unit.
    let e = parser("")
        .parse(br#"{"time":"2026-11-30T14:01:02.123456789Z","id":"","remote_ip":"10.0.0.1","host":"localhost:1323","method":"GET","uri":"/api/orders/17?x=1","user_agent":"curl/8.0","status":500,"error":"boom","latency":1234567,"latency_human":"1.234567ms","bytes_in":0,"bytes_out":36}"#)
        .unwrap();
    assert_eq!(e.operation, "GET /api/orders/{id}");
    assert_eq!(e.status_code, Some(500));
    assert_eq!(e.duration_ms, Some(1.234567));
}

#[test]
fn api_gateways_access_logs() {
    let p = parser("");
    // Amazon API Gateway (HTTP API): the route key, the access-log time, `responseLatency`.
    let e = p
        .parse(br#"{"requestId":"c6af9ac6","ip":"10.0.0.1","requestTime":"30/Nov/2026:14:01:02 +0000","httpMethod":"GET","routeKey":"GET /orders/{id}","status":"500","protocol":"HTTP/1.1","responseLength":"36","integrationLatency":"12","responseLatency":"15"}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_262_000_000);
    assert_eq!(e.operation, "GET /orders/{id}");
    assert_eq!((e.status_code, e.duration_ms), (Some(500), Some(15.0)));
    // A REST API: the method and the resource.
    let e = p
        .parse(br#"{"requestId":"d7","requestTimeEpoch":1796047263000,"httpMethod":"POST","resourcePath":"/pay","status":"200","responseLatency":"33"}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_263_000_000);
    assert_eq!(e.operation, "POST /pay");
    // Kong: `started_at` in ms, the request's method and URI, the response's status and the
    // whole request's latency.
    let e = p
        .parse(br#"{"latencies":{"request":515,"kong":58,"proxy":457},"service":{"name":"orders-svc"},"request":{"uri":"/api/orders/17","method":"GET"},"response":{"status":502,"size":934},"started_at":1796047262123}"#)
        .unwrap();
    assert_eq!(e.ts_micros, 1_796_047_262_123_000);
    assert_eq!(e.service, "orders-svc");
    assert_eq!(e.operation, "GET /api/orders/{id}");
    assert_eq!((e.status_code, e.duration_ms), (Some(502), Some(515.0)));
}

#[test]
fn mysql_json_error_log() {
    // MySQL 8's `log_sink_json`: the level is `label`, the time `time` (its `ts` in ms too).
    let e = parser("")
        .parse(br#"{ "prio" : 1, "err_code" : 13360, "msg" : "InnoDB: page corruption", "time" : "2026-11-30T14:01:03.000001Z", "ts" : 1796047263000, "thread" : 0, "err_symbol" : "ER_IB_MSG", "SQL_state" : "HY000", "subsystem" : "InnoDB", "label" : "Error" }"#)
        .unwrap();
    assert_eq!(e.level, "ERROR");
    assert_eq!(e.component, "InnoDB");
    assert_eq!(e.ts_micros / 1000, 1_796_047_263_000);
    let e = parser("")
        .parse(br#"{"ts":"2026-11-30T14:01:03Z","msg":"tagged","label":"Error"}"#)
        .unwrap();
    assert_eq!(e.level, "INFO", "a label elsewhere is no level");
}
