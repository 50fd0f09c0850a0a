//! The clients analysts already use, over real TCP: SQLAlchemy 2 (psycopg2 and psycopg 3)
//! with pandas, psql's meta-commands and `\copy`, JDBC's DatabaseMetaData and a
//! `setFetchSize` read, pgcli's completion refresh, node-postgres, psqlODBC, polars over
//! ConnectorX and ADBC; and what they
//! rely on: the server's identity, COPY TO STDOUT in every format, PostgreSQL timestamp
//! literals and settings.

use super::*;

fn script(name: &str) -> String {
    format!("{}/tests/py/{name}", env!("CARGO_MANIFEST_DIR"))
}

fn assert_printed(out: &std::process::Output, marker: &str) {
    assert!(
        out.status.success() && text(&out.stdout).contains(marker),
        "{}\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

#[test]
fn sqlalchemy_inspector_and_pandas_with_both_drivers() {
    if !python_has("sqlalchemy, psycopg2, psycopg, pandas") {
        return;
    }
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    for driver in ["psycopg2", "psycopg"] {
        let url = format!("postgresql+{driver}://shape@127.0.0.1:{port}/shape");
        let out = Command::new("python3")
            .args([&script("sqlalchemy_inspect.py"), &url])
            .output()
            .unwrap();
        assert_printed(&out, "sqlalchemy ok");
    }
}

#[test]
fn arrow_clients_polars_over_connectorx_and_adbc() {
    if !python_has("polars, connectorx, adbc_driver_postgresql, pyarrow") {
        return;
    }
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let out = Command::new("python3")
        .args([&script("arrow_clients.py"), &port.to_string()])
        .output()
        .unwrap();
    assert_printed(&out, "arrow clients ok");
}

#[test]
fn node_postgres_parameters_errors_and_a_cursor() {
    let node_dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/node");
    // `.ci/run` installs the driver: npm ci --prefix tests/node.
    if !tool_available(
        "node with tests/node's packages",
        Command::new("node")
            .args(["-e", "require('pg'); require('pg-cursor')"])
            .current_dir(node_dir),
    ) {
        return;
    }
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let out = Command::new("node")
        .args([&format!("{node_dir}/clients.js"), &port.to_string()])
        .output()
        .unwrap();
    assert_printed(&out, "node-postgres ok");
}

#[test]
fn psql_meta_commands_and_copy_to_a_file() {
    if !tool_available("psql", Command::new("psql").arg("--version")) {
        return;
    }
    let (dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let port_text = port.to_string();
    let psql = |command: &str| {
        let out = Command::new("psql")
            .args([
                "-h",
                "127.0.0.1",
                "-p",
                &port_text,
                "-U",
                "shape",
                "-X",
                "-v",
                "ON_ERROR_STOP=1",
            ])
            .args(command.lines().flat_map(|line| ["-c", line]))
            .current_dir(dir.path())
            .output()
            .unwrap();
        assert!(
            out.status.success() && text(&out.stderr).is_empty(),
            "{command}: {}",
            text(&out.stderr)
        );
        text(&out.stdout)
    };
    // What each meta-command must show, beyond not failing.
    for (command, expected) in [
        ("\\d+ events", "lineage: 1-based line number"),
        ("\\d slo_status", "budget_remaining"),
        ("\\dt+", "one row per parsed log record"),
        ("\\dv+", "one row per SLO"),
        ("\\df", "shape_burn_rate"),
        ("\\dn", "public"),
        ("\\l", "shape"),
        ("\\db", "List of tablespaces"),
        ("\\dF", "List of text search configurations"),
        // The owner every object names, a superuser.
        ("\\du", "postgres  | Superuser"),
        ("\\dp", "slo_status"),
        ("\\dconfig", "List of non-default configuration parameters"),
        ("\\dL", "plpgsql"),
        ("\\dy", "List of event triggers"),
        ("\\dd", "Object descriptions"),
        ("\\dT+", "List of data types"),
        ("\\df+ shape_burn_rate", "shape_burn_rate"),
        ("\\dn+", "public"),
        ("\\db+", "List of tablespaces"),
        ("\\ddp", "Default access privileges"),
        ("\\dx+", "Objects in extension"),
        ("\\dO", "List of collations"),
        ("\\dX", "List of extended statistics"),
        (
            "SELECT format('%I.%I = %L, %s%%', 'public', 'Events', 'O''Reilly', 5)",
            "public.\"Events\" = 'O''Reilly', 5%",
        ),
        (
            "\\sf shape_burn_rate",
            "CREATE OR REPLACE FUNCTION public.shape_burn_rate(",
        ),
        (
            "\\x on\nSELECT slo_id FROM slo_definitions LIMIT 1",
            "slo_id",
        ),
    ] {
        let shown = psql(command);
        assert!(
            shown.contains(expected),
            "{command} lacks {expected:?}:\n{shown}"
        );
    }
    // `\drds` plans and finds no per-role settings: psql says so on stderr, as with PostgreSQL.
    let settings = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port_text, "-U", "shape", "-X"])
        .args(["-c", "\\drds"])
        .output()
        .unwrap();
    assert!(settings.status.success(), "{}", text(&settings.stderr));
    assert_eq!(text(&settings.stderr).trim(), "Did not find any settings.");
    // A failing statement: psql shows the SQLSTATE's message, the line and the cursor.
    let failed = Command::new("psql")
        .args(["-h", "127.0.0.1", "-p", &port_text, "-U", "shape", "-X"])
        .args(["-c", "SELECT nosuchcol FROM events"])
        .output()
        .unwrap();
    let said = text(&failed.stderr);
    assert!(
        said.contains("column \"nosuchcol\" does not exist")
            && said.contains("LINE 1: SELECT nosuchcol FROM events")
            && said.contains("HINT:"),
        "{said}"
    );
    let shown = psql("SELECT version(), current_database()");
    assert!(
        shown.contains("PostgreSQL 16.6") && shown.contains("SHAPE") && shown.contains("shape"),
        "{shown}"
    );

    // `\copy` of a query equals `shape query --format csv` of the same query. (An empty
    // string differs on purpose: COPY quotes it, `""`, to keep it apart from NULL, as
    // PostgreSQL does.)
    let query = "SELECT slo_id, component, sli, objective, window_seconds \
                 FROM slo_definitions ORDER BY slo_id";
    psql(&format!("\\copy ({query}) TO 'export.csv' CSV HEADER"));
    let exported = std::fs::read_to_string(dir.path().join("export.csv")).unwrap();
    assert_eq!(
        exported,
        shape_query(dir.path(), config, &data, "csv", &[], query)
    );
    assert!(exported.lines().count() > 10);
}

#[test]
fn jdbc_metadata_calls_and_a_million_rows_by_fetch_size() {
    let Some(jar) = jdbc_jar() else {
        return;
    };
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let program = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/java/Metadata.java");
    let out = Command::new("java")
        .args(["-cp", jar, program, &port.to_string(), "1000000"])
        .output()
        .unwrap();
    assert_printed(&out, "metadata ok");
    let shown = text(&out.stdout);
    for expected in [
        "product PostgreSQL 16.6",
        "major 16",
        "events remark one row per parsed log record",
        "ts timestamptz _line remark lineage",
        "primary keys 0",
        "imported keys 0",
        "index info 0",
        "fetched 1000000 sum 500000500000",
    ] {
        assert!(shown.contains(expected), "missing {expected:?}:\n{shown}");
    }
    let functions: usize = shown
        .lines()
        .find_map(|l| l.strip_prefix("functions "))
        .and_then(|n| n.trim().parse().ok())
        .unwrap();
    assert!(functions >= 10, "{shown}");
}

#[test]
fn pgcli_completion_refresh_runs_without_errors() {
    // Run as a module: pip's console script may not be on PATH (pyenv shims, --user).
    if !python_has("pgcli") {
        return;
    }
    let (dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let out = Command::new("python3")
        .args([
            &script("pgcli_session.py"),
            &port.to_string(),
            &dir.path().to_string_lossy().into_owned(),
        ])
        .output()
        .unwrap();
    assert_printed(&out, "pgcli ok");
    assert!(text(&out.stdout).contains("31"), "{}", text(&out.stdout));
}

#[tokio::test(flavor = "multi_thread")]
async fn identity_settings_literals_and_copy_formats() {
    use futures::TryStreamExt;
    let (_dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let client = connect(port).await.unwrap();
    let one = |rows: Vec<tokio_postgres::SimpleQueryMessage>| {
        rows.into_iter()
            .find_map(|m| match m {
                tokio_postgres::SimpleQueryMessage::Row(r) => r.get(0).map(str::to_string),
                _ => None,
            })
            .unwrap()
    };
    let version = one(client.simple_query("SELECT version()").await.unwrap());
    assert!(version.starts_with("PostgreSQL 16.6 on "), "{version}");
    assert!(
        version.contains("SHAPE") && version.contains("DataFusion"),
        "{version}"
    );
    assert_eq!(
        one(client
            .simple_query("SHOW server_version_num")
            .await
            .unwrap()),
        "160006"
    );
    assert!(one(client.simple_query("SHOW server_version").await.unwrap()).starts_with("16.6"));
    assert_eq!(
        one(client
            .simple_query("SELECT current_database()")
            .await
            .unwrap()),
        "shape"
    );

    // shape.as_of: `now` until set, PostgreSQL's timestamp input, RESET.
    assert_eq!(
        one(client.simple_query("SHOW shape.as_of").await.unwrap()),
        "now"
    );
    client
        .simple_query("SET shape.as_of = '2025-11-16 12:00'")
        .await
        .unwrap();
    let as_of = one(client
        .simple_query("SELECT shape_as_of()::text")
        .await
        .unwrap());
    assert!(
        as_of.starts_with("2025-11-16T12:00:00") || as_of.starts_with("2025-11-16 12:00:00"),
        "{as_of}"
    );
    client.simple_query("RESET shape.as_of").await.unwrap();
    assert_eq!(
        one(client.simple_query("SHOW shape.as_of").await.unwrap()),
        "now"
    );
    let bad = client
        .simple_query("SET shape.as_of = 'soonish'")
        .await
        .unwrap_err();
    assert_eq!(bad.code().map(|c| c.code()), Some("22023"), "{bad}");

    // Timestamps without seconds or zone, on both protocols.
    let between =
        "SELECT count(*) FROM events WHERE ts BETWEEN '2025-11-16 07:00' AND '2025-11-16 08:00'";
    let seconds = "SELECT count(*) FROM events WHERE ts >= '2025-11-16T07:00:00Z' AND ts <= '2025-11-16T08:00:00Z'";
    let a: i64 = client.query_one(between, &[]).await.unwrap().get(0);
    let b: i64 = client.query_one(seconds, &[]).await.unwrap().get(0);
    assert_eq!(a, b);
    assert!(a > 0);

    // COPY TO STDOUT: text, CSV with a header, binary; the same rows each time.
    let query = "SELECT slo_id, objective, description FROM slo_definitions ORDER BY slo_id";
    let copy = |sql: String| {
        let client = &client;
        async move {
            let stream = client.copy_out(sql.as_str()).await.unwrap();
            let chunks: Vec<bytes::Bytes> = stream.try_collect().await.unwrap();
            chunks.concat()
        }
    };
    let rows: Vec<tokio_postgres::Row> = client.query(query, &[]).await.unwrap();
    let text_copy = String::from_utf8(copy(format!("COPY ({query}) TO STDOUT")).await).unwrap();
    assert_eq!(text_copy.lines().count(), rows.len());
    let first: String = rows[0].get(0);
    assert!(text_copy.starts_with(&format!("{first}\t")), "{text_copy}");
    let csv = String::from_utf8(
        copy(format!(
            "COPY ({query}) TO STDOUT WITH (FORMAT csv, HEADER)"
        ))
        .await,
    )
    .unwrap();
    assert_eq!(csv.lines().next(), Some("slo_id,objective,description"));
    assert_eq!(csv.lines().count(), rows.len() + 1);
    let binary = copy(format!("COPY ({query}) TO STDOUT (FORMAT binary)")).await;
    assert!(binary.starts_with(b"PGCOPY\n\xff\r\n\0"));
    assert!(binary.ends_with(&[0xff, 0xff]));
    let table =
        String::from_utf8(copy("COPY slo_definitions (slo_id) TO STDOUT".into()).await).unwrap();
    assert_eq!(table.lines().count(), rows.len());

    // Writes stay refused, and so does a server-side file.
    for refused in [
        "COPY events FROM STDIN",
        "COPY (SELECT 1) TO '/tmp/shape-copy-out'",
    ] {
        let err = client.simple_query(refused).await.unwrap_err();
        assert_eq!(
            err.code().map(|c| c.code()),
            Some("25006"),
            "{refused}: {err}"
        );
    }
    assert!(!std::path::Path::new("/tmp/shape-copy-out").exists());
    // The session goes on after refusals.
    assert_eq!(one(client.simple_query("SELECT 1").await.unwrap()), "1");
}

/// psqlODBC (Debian's odbc-postgresql, through unixODBC's `isql`), the driver BI tools on
/// ODBC use (Excel, Power BI, Tableau): a connection, a query, and the catalog calls
/// `SQLTables` and `SQLColumns` that list what there is to chart.
#[test]
fn odbc_driver_tables_columns_and_a_query() {
    if !tool_available("isql (unixodbc)", Command::new("isql").arg("--version"))
        || !tool_available(
            "odbc-postgresql",
            Command::new("odbcinst").args(["-q", "-d", "-n", "PostgreSQL Unicode"]),
        )
    {
        return;
    }
    let (dir, data, config) = ingested_sample("*.jsonl*");
    let (_server, port) = start(&data, config);
    let ini = dir.path().join("odbc.ini");
    std::fs::write(
        &ini,
        format!(
            "[shape]\nDriver = PostgreSQL Unicode\nServername = 127.0.0.1\nPort = {port}\n\
             Database = shape\nUsername = shape\n"
        ),
    )
    .unwrap();
    let isql = |input: &str| {
        let mut child = Command::new("isql")
            .args(["shape", "shape", "x", "-b", "-d|"])
            .env("ODBCINI", &ini)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        use std::io::Write;
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    let errors = "SELECT count(*) FROM events WHERE level = 'ERROR'";
    let counted = isql(&format!("{errors}\n"));
    let csv = shape_query(dir.path(), config, &data, "csv", &[], errors);
    let expected = csv.lines().nth(1).unwrap_or_default().to_string();
    assert!(expected.parse::<u64>().is_ok_and(|n| n > 0), "{expected}");
    assert_eq!(counted.trim(), expected);
    // SQLTables: every table and view, SQLColumns: the columns with their SQL types.
    let tables = isql("help\n");
    for name in ["|events|TABLE", "|slo_status|VIEW", "|rejects|TABLE"] {
        assert!(tables.contains(name), "{name} not in:\n{tables}");
    }
    let columns = isql("help events\n");
    assert!(columns.contains("|events|ts|11|timestamptz|"), "{columns}");
    assert!(columns.contains("|events|status_code|4|int4|"), "{columns}");
    assert!(columns.contains("|events|_line|-5|int8|"), "{columns}");
}
