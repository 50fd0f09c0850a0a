//! The server over real TCP with tokio-postgres: simple and extended protocol, parameters,
//! timestamps and numbers, and data ingested while it runs visible to the next query.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{
    assert_failed_with, ingested_sample, python_has, run_shape, shape_bin, text, tool_available,
};

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn start(data: &str, config: &str) -> (Server, u16) {
    start_with(&["--config", config, "--data-dir", data], &[])
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
    let deadline = Instant::now() + Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "server did not start");
        std::thread::sleep(Duration::from_millis(100));
    }
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
    assert_eq!(version, "160000");
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

fn sqlstate(err: &tokio_postgres::Error) -> Option<&str> {
    err.code().map(|c| c.code())
}

/// A query that runs for many seconds on the sample (a 97-million-row join), to be stopped.
const SLOW_QUERY: &str = "SELECT count(*) FROM events a JOIN events b ON a.level = b.level";

async fn login(
    port: u16,
    user: &str,
    password: &str,
) -> Result<tokio_postgres::Client, tokio_postgres::Error> {
    let dsn = format!(
        "host=127.0.0.1 port={port} user={user} password='{password}' dbname=shape connect_timeout=10"
    );
    let (client, connection) = tokio_postgres::connect(&dsn, tokio_postgres::NoTls).await?;
    tokio::spawn(connection);
    Ok(client)
}

async fn show_statement_timeout(client: &tokio_postgres::Client) -> Option<String> {
    client
        .simple_query("SHOW statement_timeout")
        .await
        .unwrap()
        .into_iter()
        .find_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
            _ => None,
        })
}

#[tokio::test(flavor = "multi_thread")]
async fn passwords_statement_timeout_and_cancel() {
    let (dir, data, _) = ingested_sample("renderx-web-1.jsonl");
    let config = config_with(
        dir.path(),
        "[server]\nstatement_timeout = \"30s\"\n\n[[user]]\nname = \"grafana\"\npassword_env = \"SHAPE_TEST_GRAFANA_PW\"\n",
    );
    // A configured user without a password in the environment stops the server.
    let out = run_shape(
        dir.path(),
        &[
            "--config",
            &config,
            "--data-dir",
            &data,
            "serve",
            "--listen",
            "127.0.0.1:1",
        ],
        &[],
    );
    assert_failed_with(&out, "SHAPE_TEST_GRAFANA_PW is not set");

    // With users configured it may listen beyond loopback.
    let (_server, port) = start_env(
        &["--config", &config, "--data-dir", &data],
        &[],
        &[("SHAPE_TEST_GRAFANA_PW", "s3cret pw")],
        "0.0.0.0",
    );
    let wrong = login(port, "grafana", "guess").await.unwrap_err();
    assert_eq!(sqlstate(&wrong), Some("28P01"), "{wrong:?}");
    let unknown = login(port, "mallory", "s3cret pw").await.unwrap_err();
    assert_eq!(sqlstate(&unknown), Some("28P01"), "{unknown:?}");
    assert!(connect(port).await.is_err(), "no password, no session");

    let client = login(port, "grafana", "s3cret pw").await.unwrap();
    let n: i64 = client
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert!(n > 1000);

    // statement_timeout: the configured default, then the session's own; it bounds execution.
    assert_eq!(
        show_statement_timeout(&client).await.as_deref(),
        Some("30s")
    );
    client
        .simple_query("SET statement_timeout = '300ms'")
        .await
        .unwrap();
    assert_eq!(
        show_statement_timeout(&client).await.as_deref(),
        Some("300ms")
    );
    let err = client.simple_query(SLOW_QUERY).await.unwrap_err();
    assert_eq!(sqlstate(&err), Some("57014"), "{err:?}");
    assert!(format!("{err:?}").contains("statement timeout"), "{err:?}");
    let err = client.query(SLOW_QUERY, &[]).await.unwrap_err();
    assert_eq!(sqlstate(&err), Some("57014"), "extended protocol: {err:?}");
    let err = client
        .simple_query("SET statement_timeout = 'soon'")
        .await
        .unwrap_err();
    assert_eq!(sqlstate(&err), Some("22023"), "{err:?}");

    // A cancel request (sent on its own connection with the session's key) stops the
    // running statement; the session goes on.
    client
        .simple_query("SET statement_timeout = 0")
        .await
        .unwrap();
    assert_eq!(show_statement_timeout(&client).await.as_deref(), Some("0"));
    let token = client.cancel_token();
    let canceller = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(700)).await;
        token.cancel_query(tokio_postgres::NoTls).await
    });
    let err = client.simple_query(SLOW_QUERY).await.unwrap_err();
    canceller.await.unwrap().unwrap();
    assert_eq!(sqlstate(&err), Some("57014"), "{err:?}");
    assert!(format!("{err:?}").contains("user request"), "{err:?}");
    let one: i64 = client
        .query_one("SELECT CAST(1 AS BIGINT)", &[])
        .await
        .unwrap()
        .get(0);
    assert_eq!(one, 1);
}

/// Reads from a raw connection until the server closes it; panics if it stays open.
async fn closed_by_server(stream: &mut tokio::net::TcpStream) {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 4096];
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept a connection open after a malformed message"),
            Ok(Ok(0)) | Ok(Err(_)) => return,
            Ok(Ok(_)) => continue,
        }
    }
}

/// A startup message for user `shape` (protocol 3.0), then reads up to ReadyForQuery.
async fn raw_session(port: u16) -> tokio::net::TcpStream {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut stream = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let mut body = 196608i32.to_be_bytes().to_vec();
    body.extend_from_slice(b"user\0shape\0database\0shape\0\0");
    let mut message = ((body.len() + 4) as i32).to_be_bytes().to_vec();
    message.extend_from_slice(&body);
    stream.write_all(&message).await.unwrap();
    let mut seen = Vec::new();
    let mut buf = [0u8; 1024];
    while !seen.windows(6).any(|w| w == b"Z\0\0\0\x05I") {
        let n = stream.read(&mut buf).await.unwrap();
        assert!(n > 0, "closed during startup");
        seen.extend_from_slice(&buf[..n]);
    }
    stream
}

#[tokio::test(flavor = "multi_thread")]
async fn a_malformed_message_closes_only_its_connection() {
    use tokio::io::AsyncWriteExt;
    let (_dir, data, config) = ingested_sample("renderx-web-1.jsonl");
    let (_server, port) = start(&data, config);
    let healthy = connect(port).await.unwrap();

    // Garbage instead of a startup message.
    let mut garbage = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    garbage
        .write_all(b"\x00\x00\x00\x10GET / HTTP/1.1\r\n\r\n")
        .await
        .unwrap();
    closed_by_server(&mut garbage).await;

    // After startup: a Parse whose strings never end, a Bind with a negative count, an
    // unknown message type, a query claiming 2 GB, and random bytes.
    let random: Vec<u8> = (0..4096u32)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    let hostile: [&[u8]; 5] = [
        b"P\x00\x00\x00\x08abcd",
        b"B\x00\x00\x00\x0a\x00\x00\xff\xff\x00\x00",
        b"!\x00\x00\x00\x08abcd",
        b"Q\x7f\xff\xff\xf0SELECT 1",
        &random,
    ];
    for message in hostile {
        let mut stream = raw_session(port).await;
        stream.write_all(message).await.unwrap();
        closed_by_server(&mut stream).await;
    }

    // The other session never noticed.
    let n: i64 = healthy
        .query_one("SELECT count(*) FROM events", &[])
        .await
        .unwrap()
        .get(0);
    assert!(n > 1000);
    assert!(connect(port).await.is_ok(), "new connections still served");
}

async fn simple_rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<String>> {
    client
        .simple_query(sql)
        .await
        .unwrap_or_else(|e| panic!("{e:?}\n{sql}"))
        .into_iter()
        .filter_map(|m| match m {
            tokio_postgres::SimpleQueryMessage::Row(r) => Some(
                (0..r.len())
                    .map(|i| r.get(i).unwrap_or("").to_string())
                    .collect::<Vec<_>>(),
            ),
            _ => None,
        })
        .collect()
}

/// Grafana's PostgreSQL data source, replayed over the wire: the health check, version and
/// schema discovery queries it sends (simple protocol, and the newer schema.go ones with
/// parameters), then every panel query of dashboards/shape.json with its macros expanded.
#[tokio::test(flavor = "multi_thread")]
async fn grafana_traffic_replayed_over_the_wire() {
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let client = connect(port).await.unwrap();

    // Save & test: pgx's Ping.
    client.simple_query("-- ping").await.unwrap();
    // Version auto-detect, then the TimescaleDB probe (no rows, no error).
    let version = simple_rows(
        &client,
        "SELECT current_setting('server_version_num')::int/100 as version",
    )
    .await;
    assert_eq!(version, vec![vec!["1600".to_string()]]);
    let timescale = simple_rows(
        &client,
        "SELECT extversion FROM pg_extension WHERE extname = 'timescaledb'",
    )
    .await;
    assert!(timescale.is_empty(), "{timescale:?}");

    // Table, schema and column listing (postgresMetaQuery.ts).
    let search_path = "quote_ident(table_schema) IN (SELECT CASE WHEN trim(s[i]) = '\"$user\"' THEN user ELSE trim(s[i]) END FROM generate_series(array_lower(string_to_array(current_setting('search_path'),','),1), array_upper(string_to_array(current_setting('search_path'),','),1)) as i, string_to_array(current_setting('search_path'),',') s)";
    let tables = simple_rows(&client, &format!(
        "SELECT CASE WHEN {search_path} THEN quote_ident(table_name) ELSE quote_ident(table_schema)||'.'||quote_ident(table_name) END AS \"table\" FROM information_schema.tables WHERE quote_ident(table_schema) NOT IN ('information_schema','pg_catalog','_timescaledb_cache','_timescaledb_catalog','_timescaledb_internal','_timescaledb_config','timescaledb_information','timescaledb_experimental') ORDER BY CASE WHEN {search_path} THEN 0 ELSE 1 END, 1"
    ))
    .await;
    let tables: Vec<String> = tables.into_iter().map(|r| r[0].clone()).collect();
    for name in [
        "events",
        "slo_status",
        "component_health",
        "error_budget_burndown",
    ] {
        assert!(
            tables.contains(&name.to_string()),
            "{name} not listed: {tables:?}"
        );
    }
    let schemas = simple_rows(&client, "SELECT schema_name AS \"name\" FROM information_schema.schemata WHERE schema_name NOT IN ('information_schema','pg_catalog','pg_toast','_timescaledb_cache','_timescaledb_catalog','_timescaledb_internal','_timescaledb_config','timescaledb_information','timescaledb_experimental') ORDER BY schema_name").await;
    assert!(schemas.contains(&vec!["public".to_string()]), "{schemas:?}");
    let columns = simple_rows(&client, &format!(
        "SELECT quote_ident(column_name) AS \"column\", data_type AS \"type\" FROM information_schema.columns WHERE CASE WHEN array_length(parse_ident('events'),1) = 2 THEN quote_ident(table_schema) = (parse_ident('events'))[1] AND quote_ident(table_name) = (parse_ident('events'))[2] ELSE quote_ident(table_name) = 'events' AND {search_path} END"
    ))
    .await;
    assert!(
        columns.contains(&vec![
            "ts".to_string(),
            "timestamp with time zone".to_string()
        ]),
        "{columns:?}"
    );
    assert!(
        columns.contains(&vec![
            "duration_ms".to_string(),
            "double precision".to_string()
        ]),
        "{columns:?}"
    );
    // schema.go (extended protocol, parameters).
    let tables = client
        .query("SELECT table_name FROM information_schema.tables WHERE table_schema = $1 AND table_type IN ('BASE TABLE', 'VIEW') ORDER BY table_name", &[&"public"])
        .await
        .unwrap();
    assert!(tables.iter().any(|r| r.get::<_, String>(0) == "slo_status"));
    let columns = client
        .query("SELECT column_name, data_type, udt_name, numeric_precision, numeric_scale FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 ORDER BY ordinal_position", &[&"public", &"slo_status"])
        .await
        .unwrap();
    let budget = columns
        .iter()
        .find(|r| r.get::<_, String>(0) == "budget_remaining")
        .expect("slo_status.budget_remaining listed");
    assert_eq!(budget.get::<_, String>(1), "double precision");
    assert_eq!(budget.get::<_, String>(2), "float8");
    assert_eq!(budget.get::<_, Option<i64>>(3), Some(53));

    // Every panel, evaluated on the sample's day (a session pinned with shape.as_of, the way an
    // analyst reviews a past incident).
    client
        .simple_query("SET shape.as_of = '2025-11-16T14:00:00Z'")
        .await
        .unwrap();
    let dashboard: serde_json::Value = serde_json::from_slice(
        &std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/dashboards/shape.json"
        ))
        .unwrap(),
    )
    .unwrap();
    for panel in dashboard["panels"].as_array().unwrap() {
        let title = panel["title"].as_str().unwrap();
        for target in panel["targets"].as_array().unwrap() {
            let sql = crate::dashboard::expand_grafana_macros(
                target["rawSql"].as_str().unwrap(),
                "2025-11-16T00:00:00Z",
                "2025-11-17T00:00:00Z",
            );
            // Grafana runs panel queries with the simple protocol, text results.
            let rows = simple_rows(&client, &sql).await;
            if !crate::dashboard::is_healing_panel(&sql) {
                assert!(!rows.is_empty(), "{title}: no rows\n{sql}");
            }
            if target["format"] == "time_series" {
                // The column type the server announces for `time`.
                let statement = client.prepare(&sql).await.unwrap();
                let time = statement
                    .columns()
                    .iter()
                    .find(|c| c.name() == "time")
                    .unwrap_or_else(|| panic!("{title}: no `time` column"));
                assert_eq!(
                    time.type_(),
                    &tokio_postgres::types::Type::TIMESTAMPTZ,
                    "{title}"
                );
            }
        }
    }
}

/// 50 sessions querying for a minute (`SHAPE_SOAK_SECONDS` to change): no errors, and the
/// server's resident memory at the end stays near what it was after the first round.
#[tokio::test(flavor = "multi_thread")]
async fn fifty_sessions_for_a_minute() {
    let seconds: u64 = std::env::var("SHAPE_SOAK_SECONDS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(60);
    let (_dir, data, config) = ingested_sample("renderx-web-1.jsonl");
    let (server, port) = start(&data, config);
    let rss_kb = || {
        let status = std::fs::read_to_string(format!("/proc/{}/status", server.0.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmRSS:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            .unwrap()
    };
    let queries = [
        "SELECT component, count(*) FROM events GROUP BY component",
        "SELECT slo_id, status, budget_remaining FROM slo_status",
        "SELECT * FROM component_health",
        "SELECT level, count(*) FROM events WHERE duration_ms > 100 GROUP BY level",
    ];
    let mut clients = Vec::new();
    for _ in 0..50 {
        clients.push(connect(port).await.unwrap());
    }
    let round = |i: usize| {
        let clients = &clients;
        futures::future::join_all(
            clients
                .iter()
                .enumerate()
                .map(move |(c, client)| client.simple_query(queries[(c + i) % queries.len()])),
        )
    };
    for result in round(0).await {
        result.unwrap();
    }
    let warm = rss_kb();
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut rounds = 1;
    while Instant::now() < deadline {
        for result in round(rounds).await {
            result.unwrap_or_else(|e| panic!("round {rounds}: {e:?}"));
        }
        rounds += 1;
    }
    let end = rss_kb();
    println!(
        "50 sessions, {rounds} rounds in {seconds}s: RSS {warm} kB after the first round, {end} kB at the end"
    );
    assert!(
        end < warm * 2 + 50_000,
        "memory grew from {warm} kB to {end} kB over {rounds} rounds"
    );
}

#[test]
fn jdbc_driver_reads_a_view_timestamps_and_numbers() {
    let jar = "/usr/share/java/postgresql.jar";
    if !tool_available(
        "java with Debian's libpostgresql-jdbc-java",
        Command::new("test").args(["-f", jar]),
    ) || !tool_available("java", Command::new("java").arg("-version"))
    {
        return;
    }
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/java/Drivers.java");
    let out = Command::new("java")
        .args(["-cp", jar, program, &port.to_string()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(
        text(&out.stdout).contains("jdbc ok"),
        "{}",
        text(&out.stdout)
    );
}

/// Every column of every table and view, fetched in binary (extended protocol) and in text
/// (simple protocol), decodes as the Rust type of the PostgreSQL type the server announces;
/// parameters of several types bind.
#[tokio::test(flavor = "multi_thread")]
async fn every_column_type_and_parameters_of_several_types() {
    use std::time::SystemTime;
    use tokio_postgres::types::Type;
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let client = connect(port).await.unwrap();
    client
        .simple_query("SET shape.as_of = '2025-11-16T14:00:00Z'")
        .await
        .unwrap();
    let relations = client
        .query(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name",
            &[&"public"],
        )
        .await
        .unwrap();
    assert!(relations.len() >= 30, "{}", relations.len());
    let mut types_seen = std::collections::BTreeSet::new();
    for relation in &relations {
        let name: String = relation.get(0);
        let sql = format!("SELECT * FROM {name} LIMIT 20");
        let rows = client
            .query(&sql, &[])
            .await
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
        let statement = client.prepare(&sql).await.unwrap();
        for (i, column) in statement.columns().iter().enumerate() {
            types_seen.insert(column.type_().name().to_string());
            for row in &rows {
                let decoded = match *column.type_() {
                    Type::BOOL => row.try_get::<_, Option<bool>>(i).map(|_| ()),
                    Type::INT2 => row.try_get::<_, Option<i16>>(i).map(|_| ()),
                    Type::INT4 => row.try_get::<_, Option<i32>>(i).map(|_| ()),
                    Type::INT8 => row.try_get::<_, Option<i64>>(i).map(|_| ()),
                    Type::FLOAT4 => row.try_get::<_, Option<f32>>(i).map(|_| ()),
                    Type::FLOAT8 => row.try_get::<_, Option<f64>>(i).map(|_| ()),
                    Type::TEXT | Type::VARCHAR => row.try_get::<_, Option<String>>(i).map(|_| ()),
                    Type::TIMESTAMPTZ | Type::TIMESTAMP => {
                        row.try_get::<_, Option<SystemTime>>(i).map(|_| ())
                    }
                    Type::TEXT_ARRAY => row.try_get::<_, Option<Vec<String>>>(i).map(|_| ()),
                    Type::BYTEA => row.try_get::<_, Option<Vec<u8>>>(i).map(|_| ()),
                    // UInt64 columns (_line, _offset) go out as numeric.
                    Type::NUMERIC => row.try_get::<_, Option<Numeric>>(i).map(|n| {
                        if let Some(Numeric(text)) = n {
                            assert!(
                                text.parse::<u64>().is_ok(),
                                "{name}.{}: {text}",
                                column.name()
                            );
                        }
                    }),
                    ref other => panic!("{name}.{}: unexpected type {other}", column.name()),
                };
                decoded.unwrap_or_else(|e| panic!("{name}.{}: {e:?}", column.name()));
            }
        }
        // The same rows as text over the simple protocol.
        client
            .simple_query(&sql)
            .await
            .unwrap_or_else(|e| panic!("{name} (simple): {e:?}"));
    }
    for expected in ["int8", "float8", "text", "timestamptz", "bool"] {
        assert!(
            types_seen.contains(expected),
            "{expected} not seen in {types_seen:?}"
        );
    }

    // Parameters of several types: text, float8, int4, timestamptz, bool.
    let since = SystemTime::UNIX_EPOCH + Duration::from_secs(1_763_280_000); // 2025-11-16T08:00Z
    let row = client
        .query_one(
            "SELECT count(*) AS n FROM events WHERE component = $1 AND duration_ms > $2 \
             AND status_code >= $3 AND ts >= $4 AND (level = 'ERROR') = $5",
            &[&"canvas", &100.0f64, &200i32, &since, &false],
        )
        .await
        .unwrap();
    let with_params: i64 = row.get("n");
    let literal: i64 = client
        .query_one(
            "SELECT count(*) FROM events WHERE component = 'canvas' AND duration_ms > 100.0 \
             AND status_code >= 200 AND ts >= '2025-11-16T08:00:00Z' AND (level = 'ERROR') = false",
            &[],
        )
        .await
        .unwrap()
        .get(0);
    assert_eq!(with_params, literal);
    assert!(with_params > 0);
}

/// PostgreSQL's binary `numeric` (base-10000 digits), decoded to its decimal text: enough to
/// check that the server's encoding of UInt64 columns is valid and exact.
struct Numeric(String);

impl<'a> tokio_postgres::types::FromSql<'a> for Numeric {
    fn from_sql(
        _: &tokio_postgres::types::Type,
        raw: &'a [u8],
    ) -> Result<Self, Box<dyn std::error::Error + Sync + Send>> {
        let word = |i: usize| i16::from_be_bytes([raw[2 * i], raw[2 * i + 1]]);
        let (ndigits, weight, sign, scale) = (word(0), word(1), word(2) as u16, word(3));
        if sign != 0 || scale != 0 {
            return Err(
                format!("not a non-negative integer: sign {sign:#x}, scale {scale}").into(),
            );
        }
        let mut value: u128 = 0;
        for i in 0..=weight.max(-1) {
            let digit = if i < ndigits {
                word(4 + i as usize) as u128
            } else {
                0
            };
            value = value * 10_000 + digit;
        }
        Ok(Numeric(value.to_string()))
    }

    fn accepts(ty: &tokio_postgres::types::Type) -> bool {
        *ty == tokio_postgres::types::Type::NUMERIC
    }
}
