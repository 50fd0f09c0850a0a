//! `shape serve --http`: the JSON API, /metrics and the dashboard over real TCP, checked
//! against the SQL views; /metrics read by the Prometheus project's Python parser, the
//! OpenAPI document by openapi-spec-validator, the pages by a real headless Chromium.

use std::collections::HashMap;
use std::io::Write;
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::common::{
    free_port, ingested_sample, python_has, run_shape, shape_bin, shape_query, text,
    tool_available, wait_for_port, Server,
};

/// `shape serve --http-only` over `data`; returns the server and its base URL.
fn serve_http(data: &str, config: &str, env: &[(&str, &str)]) -> (Server, String) {
    let port = free_port();
    let child = Command::new(shape_bin())
        .args([
            "--config",
            config,
            "--data-dir",
            data,
            "serve",
            "--http-only",
        ])
        .args(["--http", &format!("127.0.0.1:{port}")])
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    wait_for_port(port, "the HTTP server");
    (server, format!("http://127.0.0.1:{port}"))
}

/// `sql` through the CLI at `as_of`, as JSON rows.
fn view(data: &str, config: &str, as_of: &str, sql: &str) -> Vec<Value> {
    let dir = std::env::temp_dir();
    shape_query(&dir, config, data, "json", &["--as-of", as_of], sql)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

fn end_of_data(data: &str, config: &str) -> String {
    let rows = view(data, config, "now", "SELECT max(ts) AS t FROM events");
    rows[0]["t"].as_str().unwrap().to_string()
}

/// slo_id -> budget_remaining (None for NULL) from slo_status.
fn budgets(rows: &[Value]) -> HashMap<String, Option<f64>> {
    rows.iter()
        .map(|r| {
            (
                r["slo_id"].as_str().unwrap().to_string(),
                r["budget_remaining"].as_f64(),
            )
        })
        .collect()
}

fn python(script: &str, input: &[u8]) -> String {
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

#[tokio::test(flavor = "multi_thread")]
async fn api_metrics_and_openapi_agree_with_the_views() {
    let (_dir, data, config) = ingested_sample("renderx-web-*.jsonl");
    let as_of = end_of_data(&data, config);
    let (_server, base) = serve_http(&data, config, &[]);
    let client = reqwest::Client::new();
    let get = |path: String| {
        let client = client.clone();
        async move { client.get(path).send().await.unwrap() }
    };

    // The API's rows are the view's rows.
    let expected = budgets(&view(&data, config, &as_of, "SELECT * FROM slo_status"));
    assert!(expected.len() >= 10, "{expected:?}");
    let answer = get(format!("{base}/api/v1/slos?as_of={as_of}")).await;
    assert_eq!(answer.status(), 200);
    for header in [
        "content-security-policy",
        "x-content-type-options",
        "x-frame-options",
    ] {
        assert!(answer.headers().contains_key(header), "{header}");
    }
    let body: Value = answer.json().await.unwrap();
    let api = budgets(body["rows"].as_array().unwrap());
    assert_eq!(api, expected);
    // A filter, and the breaches the healing runner reads.
    let one = expected.keys().next().unwrap();
    let body: Value = get(format!("{base}/api/v1/slos?as_of={as_of}&slo_id={one}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["rows"].as_array().unwrap().len(), 1);
    let breaches = view(&data, config, &as_of, "SELECT breach_id FROM slo_breaches");
    let body: Value = get(format!("{base}/api/v1/breaches?as_of={as_of}"))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(body["rows"].as_array().unwrap().len(), breaches.len());
    assert!(!breaches.is_empty(), "the sample week has breaches");
    // Burn rates over time: every hour of the SLO's window for each of its tiers.
    let hours = view(
        &data,
        config,
        &as_of,
        &format!("SELECT count(*) AS n FROM slo_burn_history WHERE slo_id = '{one}'"),
    );
    let body: Value = get(format!(
        "{base}/api/v1/burn_history?as_of={as_of}&slo_id={one}"
    ))
    .await
    .json()
    .await
    .unwrap();
    let rows = body["rows"].as_array().unwrap();
    assert!(rows.len() > 24, "{}", rows.len());
    assert_eq!(Some(rows.len() as i64), hours[0]["n"].as_i64());

    // Bad requests say what is wrong; the API is read-only.
    let bad = get(format!("{base}/api/v1/slos?as_of=yesterdayish")).await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("yesterdayish"));
    let unknown = get(format!("{base}/api/v1/slos?colour=red")).await;
    assert_eq!(unknown.status(), 400);
    assert_eq!(get(format!("{base}/api/v1/nothing")).await.status(), 404);
    let post = client
        .post(format!("{base}/api/v1/slos"))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), 405);

    // /metrics through the Prometheus project's own (strict OpenMetrics) parser.
    if python_has("prometheus_client") {
        let metrics = get(format!("{base}/metrics?as_of={as_of}")).await;
        assert!(metrics.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/openmetrics-text"));
        let exposition = metrics.bytes().await.unwrap();
        let parsed = python(
            "import sys, json\n\
             from prometheus_client.openmetrics.parser import text_string_to_metric_families\n\
             out = [[s.name, s.labels, s.value] for f in text_string_to_metric_families(sys.stdin.read()) for s in f.samples]\n\
             print(json.dumps(out))",
            &exposition,
        );
        let samples: Vec<(String, HashMap<String, String>, f64)> =
            serde_json::from_str(&parsed).unwrap();
        let scraped: HashMap<String, Option<f64>> = samples
            .iter()
            .filter(|(name, _, _)| name == "shape_slo_budget_remaining_ratio")
            .map(|(_, labels, value)| (labels["slo_id"].clone(), Some(*value)))
            .collect();
        let with_values: HashMap<String, Option<f64>> = expected
            .iter()
            .filter(|(_, v)| v.is_some())
            .map(|(k, v)| (k.clone(), *v))
            .collect();
        assert_eq!(scraped, with_values);
        let names: Vec<&str> = samples.iter().map(|(n, _, _)| n.as_str()).collect();
        for name in [
            "shape_slo_burn_rate",
            "shape_slo_alert_firing",
            "shape_component_health_score",
            "shape_ingest_lines_total",
            "shape_ingest_last_commit_timestamp_seconds",
            "shape_http_requests_total",
        ] {
            assert!(names.contains(&name), "{name} missing");
        }
    }

    // The OpenAPI document is valid OpenAPI 3.1 and lists every endpoint.
    if python_has("openapi_spec_validator") {
        let document = get(format!("{base}/api/v1/openapi.json"))
            .await
            .bytes()
            .await
            .unwrap();
        let paths = python(
            "import sys, json\n\
             from openapi_spec_validator import validate\n\
             spec = json.load(sys.stdin)\n\
             validate(spec)\n\
             print(json.dumps(sorted(spec['paths'])))",
            &document,
        );
        let paths: Vec<String> = serde_json::from_str(&paths).unwrap();
        assert!(paths.contains(&"/api/v1/slos".to_string()), "{paths:?}");
        assert!(paths.contains(&"/api/v1/breaches".to_string()), "{paths:?}");
        assert!(
            paths.contains(&"/api/v1/burn_history".to_string()),
            "{paths:?}"
        );
    }
}

/// `name{labels}` of a Prometheus exposition: its value.
fn sample(exposition: &str, name: &str) -> f64 {
    exposition
        .lines()
        .find_map(|l| l.strip_prefix(name)?.trim().parse().ok())
        .unwrap_or_else(|| panic!("no {name} in {exposition}"))
}

/// What was read is kept warm: after an ingest commits, the listener recomputes it on its own,
/// so the next scrape is served from memory, and with the new data.
#[tokio::test(flavor = "multi_thread")]
async fn what_was_read_is_recomputed_after_a_commit_and_served_warm() {
    let (dir, data, config) = ingested_sample("renderx-web-*.jsonl");
    let as_of = end_of_data(&data, config);
    let (_server, base) = serve_http(&data, config, &[]);
    let scrape = || async {
        let url = format!("{base}/metrics?as_of={as_of}");
        reqwest::get(url).await.unwrap().text().await.unwrap()
    };
    let (hit, miss) = (
        "shape_http_cache_lookups_total{outcome=\"hit\"}",
        "shape_http_cache_lookups_total{outcome=\"miss\"}",
    );
    let sli = "shape_slo_sli_ratio{slo_id=\"library-availability\",component=\"library\"}";
    let first = scrape().await;
    assert_eq!(sample(&first, miss), 1.0, "{first}");
    // A commit: ten more library requests, failed, in the window.
    let at = chrono::DateTime::parse_from_rfc3339(&as_of).unwrap() - chrono::Duration::minutes(5);
    let lines: String = (0..10)
        .map(|i| {
            format!(
                "{{\"ts\":\"{}\",\"level\":\"ERROR\",\"service\":\"renderx-web\",\"component\":\"library\",\
                 \"operation\":\"loadAsset\",\"outcome\":\"error\",\"msg\":\"late failure\"}}\n",
                (at + chrono::Duration::seconds(i)).format("%Y-%m-%dT%H:%M:%SZ")
            )
        })
        .collect();
    let late = dir.path().join("late.jsonl");
    std::fs::write(&late, lines).unwrap();
    let late = late.to_string_lossy().to_string();
    let out = run_shape(
        dir.path(),
        &["--config", config, "--data-dir", &data, "ingest", &late],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    // The keep-warm task looks every 3 s; the recomputation takes a moment.
    tokio::time::sleep(Duration::from_secs(15)).await;
    let second = scrape().await;
    assert_eq!(sample(&second, miss), 1.0, "served warm: {second}");
    assert_eq!(sample(&second, hit), 1.0, "{second}");
    assert!(
        sample(&second, sli) < sample(&first, sli),
        "with the new data"
    );
}

fn chromium() -> bool {
    tool_available(
        "Debian's chromium",
        Command::new("chromium").arg("--version"),
    )
}

/// The DOM after the page loaded and its script ran, from headless Chromium.
fn dump_dom(url: &str) -> String {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--virtual-time-budget=3000",
            "--dump-dom",
            url,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stdout)
}

fn screenshot(url: &str, path: &std::path::Path) {
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
            "--window-size=1280,1000",
            &format!("--screenshot={}", path.display()),
            url,
        ])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::metadata(path).unwrap().len() > 10_000);
}

/// `data-value`s of `column` per `data-slo-id` row in a dumped DOM.
fn shown(dom: &str, column: &str) -> HashMap<String, f64> {
    let row = regex::Regex::new(r#"<tr data-slo-id="([^"]+)">(.*?)</tr>"#).unwrap();
    let cell =
        regex::Regex::new(&format!(r#"data-column="{column}" data-value="([^"]*)""#)).unwrap();
    row.captures_iter(dom)
        .filter_map(|c| {
            let value = cell.captures(&c[2])?[1].parse().ok()?;
            Some((c[1].to_string(), value))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn pages_in_a_real_browser_show_the_views_numbers() {
    if !chromium() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A hostile data dir name: it is shown in every page's header, and must stay text.
    let data = dir
        .path()
        .join("<img src=x onerror=alert(1)><script>document.title='pwned'</script>")
        .to_string_lossy()
        .into_owned();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/data/shape.toml");
    // The samples sit beside the hostile file, so that where the clone lives cannot change
    // which source sorts first on the breach page (it shows the first lines by path).
    let samples = dir.path().join("samples");
    std::fs::create_dir(&samples).unwrap();
    for name in ["renderx-web-1.jsonl", "renderx-web-2.jsonl"] {
        let from = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("data/sample")
            .join(name);
        std::fs::copy(from, samples.join(name)).unwrap();
    }
    let sample = samples.join("*.jsonl").to_string_lossy().into_owned();
    // Failures whose log text is markup: they count against canvas-availability, so they
    // are among the breach's source lines ("hostile" sorts before "samples/").
    let hostile = dir.path().join("hostile.jsonl");
    let lines: String = (0..3)
        .map(|i| {
            format!(
                "{{\"ts\":\"2025-11-16T12:00:0{i}Z\",\"level\":\"ERROR\",\"service\":\"renderx-web\",\
                 \"component\":\"canvas\",\"operation\":\"renderFrame\",\"status\":500,\
                 \"outcome\":\"error\",\"msg\":\"<script>alert(1)</script><img src=x onerror=alert(2)> failed\"}}\n"
            )
        })
        .collect();
    std::fs::write(&hostile, lines).unwrap();
    let hostile = hostile.to_string_lossy().into_owned();
    let out = run_shape(
        dir.path(),
        &[
            "--config",
            config,
            "--data-dir",
            &data,
            "ingest",
            &sample,
            &hostile,
        ],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let as_of = end_of_data(&data, config);
    let (_server, base) = serve_http(&data, config, &[]);

    let dom = dump_dom(&format!("{base}/?as_of={as_of}"));
    assert!(dom.contains("<title>Overview · SHAPE</title>"), "{dom}");
    assert!(!dom.contains("<img src"), "hostile text became an element");
    assert!(dom.contains("&lt;img src=x onerror=alert(1)&gt;"), "{dom}");
    // The refresh script ran (it stamps the time), inline scripts did not.
    assert!(dom.contains("updated "), "app.js did not run");

    // Every SLO that is not OK is on the page with the budget slo_status gives it.
    let status = view(
        &data,
        config,
        &as_of,
        "SELECT slo_id, budget_remaining FROM slo_status WHERE status <> 'OK'",
    );
    let expected: HashMap<String, f64> = budgets(&status)
        .into_iter()
        .filter_map(|(k, v)| Some((k, v?)))
        .collect();
    assert!(!expected.is_empty());
    assert_eq!(shown(&dom, "budget_remaining"), expected);
    let health = view(
        &data,
        config,
        &as_of,
        "SELECT component FROM component_health",
    );
    for row in &health {
        let component = row["component"].as_str().unwrap();
        assert!(dom.contains(&format!("data-component=\"{component}\"")));
    }
    // Each tile's trend is the worst burn rate of the fastest tier's long window.
    let burns = view(
        &data,
        config,
        &as_of,
        "SELECT component, max(long_burn_rate) AS b FROM slo_burn_alerts \
         WHERE long_seconds = (SELECT min(long_seconds) FROM slo_burn_alerts) GROUP BY component",
    );
    let value = regex::Regex::new(r#"data-column="recent_burn" data-value="([^"]+)""#).unwrap();
    // One chunk per tile: from its data-component to the next one.
    let shown_burns: HashMap<String, f64> = dom
        .split("data-component=\"")
        .skip(1)
        .filter_map(|tile| {
            let name = tile.split('"').next()?.to_string();
            Some((name, value.captures(tile)?[1].parse().ok()?))
        })
        .collect();
    assert!(!shown_burns.is_empty(), "{dom}");
    for row in &burns {
        let component = row["component"].as_str().unwrap();
        if let Some(b) = row["b"].as_f64() {
            assert!((shown_burns[component] - b).abs() < 1e-12, "{component}");
        }
    }

    // An SLO's page: its facts and its burndown chart.
    let slo = expected.keys().next().unwrap();
    let page = dump_dom(&format!("{base}/slo/{slo}?as_of={as_of}"));
    assert!(page.contains(&format!("data-slo-id=\"{slo}\"")), "{page}");
    assert!(page.contains("<polyline class=\"actual\""), "{page}");
    let remaining = regex::Regex::new(r#"data-column="budget_remaining" data-value="([^"]+)""#)
        .unwrap()
        .captures(&page)
        .unwrap()[1]
        .parse::<f64>()
        .unwrap();
    assert!((remaining - expected[slo]).abs() < 1e-12, "{remaining}");
    // Its burn rates per tier over time: a line per tier, the legend ending on the view's
    // last hour.
    let history = view(
        &data,
        config,
        &as_of,
        &format!(
            "SELECT tier, last_value(burn_rate ORDER BY time) AS now FROM slo_burn_history \
             WHERE slo_id = '{slo}' GROUP BY tier"
        ),
    );
    assert!(!history.is_empty());
    let legend = regex::Regex::new(
        r#"<li class="c\d" data-tier="(\d+)">[^<]*<span class="figure" data-column="burn_rate" data-value="([^"]*)""#,
    )
    .unwrap();
    let shown: HashMap<i64, Option<f64>> = legend
        .captures_iter(&page)
        .map(|c| (c[1].parse().unwrap(), c[2].parse().ok()))
        .collect();
    assert_eq!(shown.len(), history.len(), "{page}");
    for row in &history {
        let tier = row["tier"].as_i64().unwrap();
        match (shown[&tier], row["now"].as_f64()) {
            (Some(a), Some(b)) => assert!((a - b).abs() < 1e-12, "tier {tier}: {a} vs {b}"),
            (a, b) => assert_eq!(a, b, "tier {tier}"),
        }
        if row["now"].is_number() {
            assert!(page.contains("class=\"burn c"), "{page}");
        }
    }

    // A breach: its timeline, and its source lines read back, hostile text kept as text.
    let breach = view(
        &data,
        config,
        &as_of,
        "SELECT breach_id FROM slo_breaches WHERE slo_id = 'canvas-availability' \
         AND kind = 'budget_exhausted'",
    );
    let breach = breach[0]["breach_id"].as_str().unwrap().to_string();
    let page = dump_dom(&format!("{base}/breach/{breach}?as_of={as_of}"));
    assert!(page.contains("<strong>detected</strong>"), "{page}");
    assert!(page.contains("hostile.jsonl:1</code>"), "{page}");
    assert!(
        page.contains("&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt;")
    );
    assert!(!page.contains("<img src=x"), "log text became an element");
    assert_eq!(page.matches("<script").count(), 1, "only app.js: {page}");

    // The anomalies list links every anomaly; an anomaly's page shows its evidence.
    let anomalies = view(&data, config, &as_of, "SELECT anomaly_id FROM anomalies");
    assert!(!anomalies.is_empty());
    let list = dump_dom(&format!("{base}/anomalies?as_of={as_of}"));
    for row in &anomalies {
        let id = row["anomaly_id"].as_str().unwrap();
        assert!(list.contains(&format!("data-anomaly-id=\"{id}\"")), "{id}");
    }
    let first = anomalies[0]["anomaly_id"].as_str().unwrap();
    let page = dump_dom(&format!("{base}/anomaly/{first}?as_of={as_of}"));
    assert!(page.contains("Source lines ("), "{page}");
    let healing = dump_dom(&format!("{base}/healing?as_of={as_of}"));
    assert!(healing.contains("<h1>Healing</h1>"), "{healing}");

    // SHAPE_SCREENSHOTS=docs/src/images keeps them (the README shows those).
    let shots = std::env::var("SHAPE_SCREENSHOTS")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| dir.path().join("screenshots"));
    std::fs::create_dir_all(&shots).unwrap();
    screenshot(
        &format!("{base}/?as_of={as_of}"),
        &shots.join("overview.png"),
    );
    screenshot(
        &format!("{base}/slo/{slo}?as_of={as_of}"),
        &shots.join("slo.png"),
    );
    screenshot(
        &format!("{base}/breach/{breach}?as_of={as_of}"),
        &shots.join("breach.png"),
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn users_need_credentials_and_other_hosts_need_users() {
    let (_dir, data, config) = ingested_sample("renderx-web-1.jsonl");
    // Without users, a non-loopback address is refused at start.
    let out = run_shape(
        std::path::Path::new("."),
        &[
            "--config",
            config,
            "--data-dir",
            &data,
            "serve",
            "--http-only",
            "--http",
            "0.0.0.0:0",
        ],
        &[],
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("loopback only"),
        "{}",
        text(&out.stderr)
    );

    // With a user: 401 without or with wrong credentials, 200 with the right ones.
    let dir = tempfile::tempdir().unwrap();
    let with_user = dir.path().join("shape.toml");
    let base_config = std::fs::read_to_string(config).unwrap();
    std::fs::write(
        &with_user,
        format!("{base_config}\n[[user]]\nname = \"ana\"\npassword_env = \"ANA_PASSWORD\"\n"),
    )
    .unwrap();
    let (_server, base) = serve_http(
        &data,
        &with_user.to_string_lossy(),
        &[("ANA_PASSWORD", "s3cret")],
    );
    let client = reqwest::Client::new();
    let url = format!("{base}/api/v1/status");
    let missing = client.get(&url).send().await.unwrap();
    assert_eq!(missing.status(), 401);
    assert!(missing.headers().contains_key("www-authenticate"));
    let wrong = client
        .get(&url)
        .basic_auth("ana", Some("guess"))
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), 401);
    let right = client
        .get(&url)
        .basic_auth("ana", Some("s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), 200);
}

#[tokio::test(flavor = "multi_thread")]
async fn with_a_certificate_only_https_is_served_and_tokens_work() {
    if !tool_available("openssl", Command::new("openssl").arg("version")) {
        return;
    }
    let (dir, data, config) = ingested_sample("renderx-web-1.jsonl");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
        ])
        .args(["-subj", "/CN=localhost", "-keyout"])
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let with_tls = dir.path().join("tls.toml");
    std::fs::write(
        &with_tls,
        format!(
            "{}\n[server]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n\n\
             [http]\ntokens_env = [\"SHAPE_TEST_TOKEN\"]\n",
            std::fs::read_to_string(config).unwrap()
        ),
    )
    .unwrap();
    let (_server, base) = serve_http(
        &data,
        &with_tls.to_string_lossy(),
        &[("SHAPE_TEST_TOKEN", "tok-123")],
    );
    let https = base.replace("http://", "https://");
    let client = reqwest::Client::builder()
        .danger_accept_invalid_certs(true)
        .build()
        .unwrap();
    let url = format!("{https}/api/v1/status");
    let status = |request: reqwest::RequestBuilder| async move {
        request.send().await.unwrap().status().as_u16()
    };
    assert_eq!(status(client.get(&url)).await, 401);
    assert_eq!(status(client.get(&url).bearer_auth("tok-12")).await, 401);
    assert_eq!(status(client.get(&url).bearer_auth("tok-123")).await, 200);
    // Plain HTTP on the same port gets no answer.
    let plain = reqwest::Client::new()
        .get(format!("{base}/api/v1/status"))
        .bearer_auth("tok-123")
        .timeout(Duration::from_secs(5))
        .send()
        .await;
    assert!(plain.is_err(), "plain HTTP was answered: {plain:?}");
}
