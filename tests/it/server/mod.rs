//! The server over real TCP with tokio-postgres: simple and extended protocol, parameters,
//! timestamps and numbers, and data ingested while it runs visible to the next query.

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    assert_failed_with, free_port, ingested_sample, python_has, run_shape, shape_bin, shape_query,
    text, tool_available, wait_for_port, Server,
};

fn start(data: &str, config: &str) -> (Server, u16) {
    start_with(&["--config", config, "--data-dir", data], &[])
}

/// Debian's PostgreSQL JDBC driver, when it and java are installed (CI installs both).
fn jdbc_jar() -> Option<&'static str> {
    let jar = "/usr/share/java/postgresql.jar";
    (tool_available(
        "java with Debian's libpostgresql-jdbc-java",
        Command::new("test").args(["-f", jar]),
    ) && tool_available("java", Command::new("java").arg("-version")))
    .then_some(jar)
}

/// Starts `shape <global> serve --listen ... <serve_args>` and waits until it accepts.
fn start_with(global: &[&str], serve_args: &[&str]) -> (Server, u16) {
    start_env(global, serve_args, &[], "127.0.0.1")
}

/// As `start_with`, with environment variables and a listen host.
fn start_env(
    global: &[&str],
    serve_args: &[&str],
    env: &[(&str, &str)],
    host: &str,
) -> (Server, u16) {
    let port = free_port();
    let listen = format!("{host}:{port}");
    let child = Command::new(shape_bin())
        .args(global)
        .args(["serve", "--listen", &listen])
        .args(serve_args)
        .envs(env.iter().copied())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let server = Server(child);
    wait_for_port(port, "server");
    (server, port)
}

#[tokio::test(flavor = "multi_thread")]
async fn tokio_postgres_simple_extended_and_freshness() {
    let (dir, data, config) = ingested_sample("renderx-web-1.jsonl");

    let cli_count = || {
        let out = run_shape(
            dir.path(),
            &[
                "--data-dir",
                &data,
                "query",
                "--format",
                "csv",
                "SELECT count(*) AS n FROM events",
            ],
            &[],
        );
        text(&out.stdout).lines().nth(1).unwrap().to_string()
    };
    let first_count = cli_count();
    let (_server, port) = start(&data, config);
    let (mut client, connection) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={port} user=shape dbname=shape"),
        tokio_postgres::NoTls,
    )
    .await
    .unwrap();
    tokio::spawn(connection);

    // Simple protocol.
    let rows = client
        .simple_query("SELECT count(*) AS n FROM events")
        .await
        .unwrap();
    let n = rows.iter().find_map(|m| match m {
        tokio_postgres::SimpleQueryMessage::Row(r) => r.get("n").map(str::to_string),
        _ => None,
    });
    assert_eq!(
        n.as_deref(),
        Some(first_count.as_str()),
        "the server sees what the CLI sees"
    );

    // Extended protocol with a parameter; numbers and timestamps arrive typed.
    let row = client
        .query_one(
            "SELECT component, count(*) AS n, min(ts) AS first, max(duration_ms) AS slowest FROM events WHERE component = $1 GROUP BY component",
            &[&"canvas"],
        )
        .await
        .unwrap();
    let component: String = row.get("component");
    let count: i64 = row.get("n");
    let first: std::time::SystemTime = row.get("first");
    let slowest: f64 = row.get("slowest");
    assert_eq!(component, "canvas");
    assert!(count > 1000);
    assert!(slowest > 100.0);
    let first_secs = first
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    assert!(
        (1_763_251_200..1_763_337_600).contains(&first_secs),
        "{first_secs}"
    );

    // A view with SLO math over the wire.
    let status = client
        .query(
            "SELECT slo_id, status FROM slo_status WHERE component = $1 ORDER BY slo_id",
            &[&"canvas"],
        )
        .await
        .unwrap();
    assert_eq!(status.len(), 6);

    // Data ingested while the server runs is visible to the next query.
    let more = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sample/renderx-web-2.jsonl"
    );
    let out = run_shape(
        dir.path(),
        &["--config", config, "--data-dir", &data, "ingest", more],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let total: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert!(total > first_count.parse::<i64>().unwrap());
    assert_eq!(total.to_string(), cli_count());

    // Read-only: DDL and DML are refused with SQLSTATE 25006, on both protocols.
    for statement in [
        "CREATE TABLE x AS SELECT 1",
        "DROP VIEW slo_status",
        "INSERT INTO events SELECT * FROM events",
    ] {
        let err = client.simple_query(statement).await.unwrap_err();
        assert_eq!(
            err.code().map(|c| c.code()),
            Some("25006"),
            "{statement}: {err:?}"
        );
        let err = client.execute(statement, &[]).await.unwrap_err();
        assert_eq!(
            err.code().map(|c| c.code()),
            Some("25006"),
            "{statement} (extended): {err:?}"
        );
    }
    // Settings are per session: one connection's shape.as_of does not leak into another's.
    client
        .simple_query("SET shape.as_of = '2025-11-16T12:00:00Z'")
        .await
        .unwrap();
    let other = connect(port).await.unwrap();
    let mine = client
        .query_one("SELECT CAST(shape_as_of() AS VARCHAR)", &[])
        .await
        .unwrap()
        .get::<_, String>(0);
    assert!(mine.starts_with("2025-11-16T12:00:00"), "{mine}");
    let theirs = other
        .query_one("SELECT CAST(shape_as_of() AS VARCHAR)", &[])
        .await
        .unwrap()
        .get::<_, String>(0);
    assert!(!theirs.starts_with("2025-11-16"), "as_of leaked: {theirs}");
    // Windowed views follow the session's evaluation time: at noon on the sample's day the
    // windows hold its events; evaluated now (a year later) they hold none.
    async fn events_in_windows(c: &tokio_postgres::Client) -> i64 {
        c.query_one(
            "SELECT CAST(coalesce(sum(total), 0) AS BIGINT) FROM slo_status",
            &[],
        )
        .await
        .unwrap()
        .get(0)
    }
    assert!(events_in_windows(&client).await > 1000);
    assert_eq!(events_in_windows(&other).await, 0);
    let show = client.simple_query("SHOW shape.as_of").await.unwrap();
    assert!(
        format!("{show:?}").contains("2025-11-16T12:00:00Z"),
        "{show:?}"
    );
    // A bad value is an error naming the setting, not silently ignored.
    let err = client
        .simple_query("SET shape.as_of = 'yesterday-ish'")
        .await
        .unwrap_err();
    assert_eq!(err.code().map(|c| c.code()), Some("22023"), "{err:?}");
    assert!(format!("{err:?}").contains("shape.as_of"), "{err:?}");
    client
        .simple_query("SET application_name = 'grafana'")
        .await
        .unwrap();

    // What Grafana asks about the server.
    let version: String = client
        .query_one("SELECT current_setting('server_version_num')", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(version, "160006");
    let path: String = client
        .query_one("SELECT current_setting('search_path')", &[])
        .await
        .unwrap()
        .get(0);
    assert!(path.contains("public"), "{path}");

    // Transactions are accepted as no-ops (drivers wrap reads in them).
    let transaction = client.transaction().await.unwrap();
    let inside: i64 = transaction
        .query_one("SELECT count(*) FROM slo_definitions", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(inside, 31);
    transaction.commit().await.unwrap();

    // Grafana's health check is a query holding only a comment.
    client.simple_query("-- ping").await.unwrap();

    // A bad query is an error for that query only; the connection keeps working.
    assert!(client
        .simple_query("SELECT nope FROM events")
        .await
        .is_err());
    let one: i64 = client
        .query_one("SELECT CAST(1 AS BIGINT)", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(one, 1);
}

#[test]
fn non_loopback_listen_is_refused_without_users() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let out = run_shape(
        dir.path(),
        &["--data-dir", &data, "serve", "--listen", "0.0.0.0:5433"],
        &[],
    );
    assert_failed_with(&out, "loopback");
}

#[test]
fn psql_lists_and_describes_tables_and_views() {
    if !tool_available("psql", Command::new("psql").arg("--version")) {
        return;
    }
    let (_dir, data, config) = ingested_sample("renderx-web-2.jsonl");
    let (_server, port) = start(&data, config);
    let psql = |command: &str| {
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port.to_string(),
                "-U",
                "shape",
                "-X",
                "-c",
                command,
            ])
            .env("PGCONNECT_TIMEOUT", "10")
            .output()
            .unwrap();
        assert!(out.status.success(), "{command}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let tables = psql("\\dt");
    for table in [
        "events",
        "rejects",
        "ingest_log",
        "slo_definitions",
        "burn_rate_tiers",
    ] {
        assert!(tables.contains(&format!("| {table} ")), "{tables}");
    }
    let views = psql("\\dv");
    for view in [
        "slo_status",
        "slo_burn_alerts",
        "slo_breaches",
        "component_health",
        "sli_metrics",
    ] {
        assert!(views.contains(&format!("| {view} ")), "{views}");
    }
    let events = psql("\\d events");
    assert!(
        events.contains("ts          | timestamp with time zone"),
        "{events}"
    );
    assert!(
        events.contains("duration_ms | double precision"),
        "{events}"
    );
    let status = psql("\\d slo_status");
    assert!(status.contains("View \"public.slo_status\""), "{status}");
    for column in [
        "budget_remaining         | double precision",
        "window_end               | timestamp with time zone",
        "status                   | text",
    ] {
        assert!(status.contains(column), "{column}: {status}");
    }
    let select = psql("SELECT count(*) AS slos FROM slo_definitions");
    assert!(select.contains(" 31\n"), "{select}");
}

async fn connect(port: u16) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let (client, connection) = tokio_postgres::connect(
        &format!("host=127.0.0.1 port={port} user=shape dbname=shape connect_timeout=10"),
        tokio_postgres::NoTls,
    )
    .await?;
    tokio::spawn(connection);
    Ok(client)
}

#[tokio::test(flavor = "multi_thread")]
async fn memory_limit_fails_the_query_not_the_server_and_connections_are_capped() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let sample = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/data/sample/renderx-web-1.jsonl"
    );
    let out = run_shape(dir.path(), &["--data-dir", &data, "ingest", sample], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let (_server, port) = start_with(
        &["--data-dir", &data],
        &["--memory-limit", "64KB", "--max-connections", "2"],
    );

    let client = connect(port).await.unwrap();
    // A hash join builds its whole left side in memory: far more than 64 KB here.
    let err = client
        .simple_query("SELECT count(*) FROM events a JOIN events b ON a.message = b.message")
        .await
        .unwrap_err();
    assert!(
        format!("{err:?}").contains("Resources exhausted"),
        "{err:?}"
    );
    assert_eq!(err.code().map(|c| c.code()), Some("53200"), "{err:?}");
    let n: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert!(
        n > 1000,
        "the server keeps serving after the oversized query"
    );

    // Two connections are served; a third is refused while they are open.
    let second = connect(port).await.unwrap();
    assert!(
        connect(port).await.is_err(),
        "a third connection must be refused"
    );
    drop(second);
    tokio::time::sleep(Duration::from_millis(300)).await;
    let third = connect(port).await.expect("a slot is free again");
    let one: i64 = third
        .query_one("SELECT CAST(1 AS BIGINT)", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(one, 1);
}

#[test]
fn python_drivers_psycopg_and_asyncpg() {
    if !python_has("psycopg, asyncpg") {
        return;
    }
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/py/drivers.py");
    let out = Command::new("python3")
        .args([script, &port.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("drivers ok"));
}

#[test]
fn tls_serves_encrypted_and_a_bad_certificate_stops_the_server() {
    if !tool_available("psql", Command::new("psql").arg("--version"))
        || !tool_available("openssl", Command::new("openssl").arg("version"))
    {
        return;
    }
    let (dir, data, _) = ingested_sample("renderx-web-2.jsonl");
    let (cert, key) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    let made = Command::new("openssl")
        .args([
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "1",
            "-subj",
            "/CN=localhost",
        ])
        .arg("-keyout")
        .arg(&key)
        .arg("-out")
        .arg(&cert)
        .output()
        .unwrap();
    assert!(made.status.success(), "{}", text(&made.stderr));
    let (cert, key) = (
        cert.to_string_lossy().into_owned(),
        key.to_string_lossy().into_owned(),
    );

    // A certificate that cannot be loaded stops the server: never a silent plaintext fallback.
    let out = run_shape(
        dir.path(),
        &[
            "--data-dir",
            &data,
            "serve",
            "--listen",
            "127.0.0.1:1",
            "--tls-cert",
            &key,
            "--tls-key",
            &cert,
        ],
        &[],
    );
    assert_failed_with(&out, "refusing to start without the TLS");

    // TLS from the config file (paths relative to it).
    let config = config_with(
        dir.path(),
        "[server]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n",
    );
    let (_server, port) = start_with(&["--config", &config, "--data-dir", &data], &[]);
    let psql = |sslmode: &str| {
        Command::new("psql")
            .arg(format!(
                "host=127.0.0.1 port={port} user=shape sslmode={sslmode} connect_timeout=10"
            ))
            .args([
                "-X",
                "-t",
                "-c",
                "SELECT ssl FROM (SELECT 1 AS one) t CROSS JOIN (SELECT 'on' AS ssl) s",
            ])
            .output()
            .unwrap()
    };
    let out = psql("require");
    assert!(
        out.status.success(),
        "TLS connection with sslmode=require: {}",
        text(&out.stderr)
    );
    assert!(text(&out.stdout).contains("on"));
    // With TLS on, a plaintext connection is refused rather than served in the clear.
    let out = psql("disable");
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("requires TLS"),
        "{}",
        text(&out.stderr)
    );
}

/// A config: data/shape.toml plus `extra` (server and user sections), written into `dir`.
fn config_with(dir: &std::path::Path, extra: &str) -> String {
    let base =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/data/shape.toml")).unwrap();
    let path = dir.join("serve.toml");
    std::fs::write(&path, format!("{base}\n{extra}")).unwrap();
    path.to_string_lossy().into_owned()
}

mod caches;
mod clients;
mod sessions;

/// With no SLO configured, the server says so to clients (`slo_setup_hints`) and offers what
/// `shape slo suggest` proposes (`slo_suggestions`), over the wire.
#[tokio::test(flavor = "multi_thread")]
async fn without_slos_clients_see_hints_and_proposals() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let data = d.join("data").to_string_lossy().into_owned();
    let config = d.join("empty.toml");
    std::fs::write(&config, "# no SLOs yet\n").unwrap();
    let config = config.to_string_lossy().into_owned();
    for args in [
        vec!["gen", "--out", "logs", "--days", "1", "--events", "8000"],
        vec!["--config", &config, "--data-dir", &data, "ingest", "logs"],
    ] {
        let out = run_shape(d, &args, &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
    let (_server, port) = start(&data, &config);
    let client = connect(port).await.unwrap();
    let hints = client
        .query("SELECT hint FROM slo_setup_hints", &[])
        .await
        .unwrap();
    assert_eq!(hints.len(), 1);
    let hint: String = hints[0].get(0);
    assert!(hint.starts_with("no SLOs are configured"), "{hint}");
    let proposals = client
        .query(
            "SELECT component, sli, objective FROM slo_suggestions WHERE sli = 'availability' ORDER BY component",
            &[],
        )
        .await
        .unwrap();
    let components: Vec<String> = proposals.iter().map(|r| r.get(0)).collect();
    assert_eq!(
        components,
        [
            "canvas",
            "control-panel",
            "header",
            "library",
            "plugin-host",
            "theme"
        ]
    );
    let objective: f64 = proposals[0].get(2);
    assert!((0.9..1.0).contains(&objective), "{objective}");
}
