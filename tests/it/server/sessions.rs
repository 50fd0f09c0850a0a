//! Sessions over the wire: passwords, timeouts and cancels, malformed messages, Grafana's
//! traffic, a soak of fifty sessions, JDBC, and every column type.

use super::*;

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

/// Reads from a raw connection until the server closes it, returning what it said; panics if
/// it stays open.
async fn closed_by_server(stream: &mut tokio::net::TcpStream) -> Vec<u8> {
    use tokio::io::AsyncReadExt;
    let mut buf = vec![0u8; 4096];
    let mut said = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
    loop {
        match tokio::time::timeout_at(deadline, stream.read(&mut buf)).await {
            Err(_) => panic!("the server kept a connection open after a malformed message"),
            Ok(Ok(0)) | Ok(Err(_)) => return said,
            Ok(Ok(n)) => said.extend_from_slice(&buf[..n]),
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
    // A Bind whose count of format codes runs past its end, and a Parse whose count of
    // parameter types does (pgwire's decoders panic on both): the client is told why, with
    // PostgreSQL's protocol-violation code, before the connection closes.
    let truncated: [&[u8]; 2] = [
        b"B\x00\x00\x00\x09\x00\x00\x00\x03\x00",
        b"P\x00\x00\x00\x10\x00SELECT 1\x00\x00\x02",
    ];
    for message in truncated {
        let mut stream = raw_session(port).await;
        stream.write_all(message).await.unwrap();
        let said = closed_by_server(&mut stream).await;
        assert!(
            said.windows(6).any(|w| w == b"C08P01"),
            "{}",
            String::from_utf8_lossy(&said)
        );
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

pub(super) async fn simple_rows(client: &tokio_postgres::Client, sql: &str) -> Vec<Vec<String>> {
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
    for crate::dashboard::PanelQuery { title, format, sql } in crate::dashboard::panel_queries() {
        // Grafana runs panel queries with the simple protocol, text results.
        let rows = simple_rows(&client, &sql).await;
        if !crate::dashboard::may_be_empty(&sql) {
            assert!(!rows.is_empty(), "{title}: no rows\n{sql}");
        }
        if format == "time_series" {
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
    let Some(jar) = jdbc_jar() else {
        return;
    };
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
    // Every view is read in a debug build, beside the other tests: the heaviest ones
    // (fix_recommendations) passed the default 60 s on a loaded 2-core machine. Types are
    // what this test is about, not speed.
    client
        .simple_query("SET statement_timeout = '600s'")
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
