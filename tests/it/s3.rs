//! S3: ingest from and write to a real S3-compatible server on loopback (moto's server mode,
//! from PyPI; `.ci/run` installs it). Without moto the test prints a notice and passes locally;
//! under CI (`CI` set) a missing moto is a failure.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::{gzip, line_starts, python_has, run_shape, text};

pub(crate) struct Moto {
    child: Child,
    pub port: u16,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start_moto() -> Option<Moto> {
    if !python_has("moto.server") {
        return None;
    }
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let child = Command::new("python3")
        .args([
            "-m",
            "moto.server",
            "-H",
            "127.0.0.1",
            "-p",
            &port.to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let moto = Moto { child, port };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "moto did not start on port {port}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
    Some(moto)
}

/// A plain HTTP request to moto (which accepts unsigned requests); returns the status line.
pub(crate) fn http(port: u16, method: &str, path: &str, body: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    )
    .unwrap();
    stream.write_all(body).unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response.lines().next().unwrap_or_default().to_string()
}

#[test]
fn ingest_from_and_into_s3() {
    let Some(moto) = start_moto() else { return };
    let port = moto.port;
    for bucket in ["logs", "lake"] {
        assert!(http(port, "PUT", &format!("/{bucket}"), b"").contains("200"));
    }
    let plain: String = (0..300)
        .map(|i| format!("{{\"ts\":\"2025-11-20T10:{:02}:00Z\",\"level\":\"info\",\"component\":\"canvas\",\"msg\":\"event {i}\"}}\n", i % 60))
        .collect::<String>()
        + "broken {\n";
    let compressed_text: String = (0..200)
        .map(|i| {
            format!(
                "time=2025-11-21T11:{:02}:00Z level=error component=library msg=\"failure {i}\"\n",
                i % 60
            )
        })
        .collect();
    assert!(http(port, "PUT", "/logs/app/2025/web-1.jsonl", plain.as_bytes()).contains("200"));
    assert!(http(
        port,
        "PUT",
        "/logs/app/2025/web-2.log.gz",
        &gzip(compressed_text.as_bytes())
    )
    .contains("200"));
    assert!(http(port, "PUT", "/logs/other/skip.jsonl", plain.as_bytes()).contains("200"));

    let env = moto_env(port);
    let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let cwd = tempfile::tempdir().unwrap();
    let data = ["--data-dir", "s3://lake/shape"];
    let ingest = |expect: &str| {
        let out = run_shape(
            cwd.path(),
            &[&data[..], &["ingest", "s3://logs/app/"]].concat(),
            &env,
        );
        let stdout = text(&out.stdout);
        assert!(out.status.success(), "{stdout}\n{}", text(&out.stderr));
        assert!(stdout.contains(expect), "{stdout}");
    };
    ingest("total: 501 lines = 500 rows + 1 rejects + 0 blank");
    ingest("total: 0 lines = 0 rows + 0 rejects + 0 blank"); // idempotent

    let query = |sql: &str| {
        let out = run_shape(
            cwd.path(),
            &[&data[..], &["query", "--format", "csv", sql]].concat(),
            &env,
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert_eq!(
        query("SELECT _source, count(*) AS n FROM events GROUP BY _source ORDER BY _source"),
        "_source,n\ns3://logs/app/2025/web-1.jsonl,300\ns3://logs/app/2025/web-2.log.gz,200\n"
    );
    // The object's format was detected from its first lines (JSON): the broken line is a
    // reject that says so.
    assert_eq!(
        query("SELECT _line, error FROM rejects"),
        "_line,error\n301,\"invalid JSON at column 1: expected value (format json, detected for this source from its first lines)\"\n"
    );

    // Lineage: offsets point at the exact lines of the objects as uploaded.
    for (key, content) in [("web-1.jsonl", &plain), ("web-2.log.gz", &compressed_text)] {
        let starts = line_starts(content.as_bytes());
        let rows = query(&format!(
            "SELECT _line, _offset FROM events WHERE _source = 's3://logs/app/2025/{key}' ORDER BY _line"
        ));
        for row in rows.lines().skip(1) {
            let (line, offset) = row.split_once(',').unwrap();
            let line: usize = line.parse().unwrap();
            assert_eq!(starts[line - 1].to_string(), offset, "{key}:{line}");
        }
    }

    // The Parquet files are in the lake bucket, in dt= partitions.
    let listing = http_body(port, "/lake?prefix=shape/events/");
    assert!(listing.contains("shape/events/dt=2025-11-20/"), "{listing}");
    assert!(listing.contains("shape/events/dt=2025-11-21/"), "{listing}");
    assert!(
        !http_body(port, "/lake?prefix=shape/_staging/").contains("<Key>"),
        "staging is empty"
    );
}

fn http_body(port: u16, path: &str) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut response = String::new();
    let _ = stream.read_to_string(&mut response);
    response
}

/// What a `shape` process needs to reach moto on `port`.
pub(crate) fn moto_env(port: u16) -> [(&'static str, String); 4] {
    [
        ("AWS_ACCESS_KEY_ID", "test".into()),
        ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ("AWS_REGION", "us-east-1".into()),
        ("AWS_ENDPOINT_URL", format!("http://127.0.0.1:{port}")),
    ]
}

/// A data dir in moto's bucket `bucket`, configured in-process (no environment).
fn moto_store(port: u16, bucket: &str) -> shape::storage::DataStore {
    let store = object_store::aws::AmazonS3Builder::new()
        .with_bucket_name(bucket)
        .with_endpoint(format!("http://127.0.0.1:{port}"))
        .with_allow_http(true)
        .with_region("us-east-1")
        .with_access_key_id("test")
        .with_secret_access_key("test")
        .build()
        .unwrap();
    shape::storage::DataStore::with_store(
        std::sync::Arc::new(store),
        url::Url::parse(&format!("s3://{bucket}")).unwrap(),
        object_store::path::Path::from("shape"),
    )
    .unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn one_writer_holds_the_lease_of_an_s3_data_dir() {
    let Some(moto) = start_moto() else { return };
    assert!(http(moto.port, "PUT", "/leased", b"").contains("200"));
    let (a, b) = (
        moto_store(moto.port, "leased"),
        moto_store(moto.port, "leased"),
    );
    assert!(
        a.has_conditional_writes().await.unwrap(),
        "moto honours If-None-Match"
    );
    let term = Duration::from_millis(1500);

    let held = a.acquire_lease("writer A", term).await.unwrap();
    let refused = b
        .acquire_lease("writer B", term)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("writer A holds the lease"), "{refused}");
    // Renewed in the background: still A's after twice its term.
    tokio::time::sleep(term * 2).await;
    let refused = b
        .acquire_lease("writer B", term)
        .await
        .unwrap_err()
        .to_string();
    assert!(refused.contains("writer A"), "{refused}");
    held.release().await.unwrap();
    let taken = b.acquire_lease("writer B", term).await.unwrap();

    // Someone overwrites the lease behind B's back (a writer ignoring it): B's renewal
    // fails, and once its term is over B commits nothing.
    let body = format!(
        "{{\"holder\":\"rogue\",\"expires_at\":\"{}\"}}",
        (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339()
    );
    b.put("_writer_lease.json", body.into()).await.unwrap();
    tokio::time::sleep(term * 2).await;
    let record = shape::storage::CommitRecord {
        commit_id: "c1".into(),
        ingest_id: "i1".into(),
        source: "s3://logs/a.jsonl".into(),
        fingerprint: String::new(),
        fingerprint_len: 0,
        from_offset: 0,
        to_offset: 0,
        next_line: 1,
        files: Vec::new(),
        format: None,
        first_name: None,
        w3c_fields: None,
        e_tag: None,
        members: Vec::new(),
    };
    let lost = b.commit(&record).await.unwrap_err().to_string();
    assert!(lost.contains("ran out before this commit"), "{lost}");
    assert!(b.last_commit("s3://logs/a.jsonl").await.unwrap().is_none());
    drop(taken);

    // A lease whose holder died (never released) is taken over once its term is over.
    let c = moto_store(moto.port, "leased");
    let body = format!(
        "{{\"holder\":\"dead host pid 7\",\"expires_at\":\"{}\"}}",
        (chrono::Utc::now() - chrono::Duration::seconds(1)).to_rfc3339()
    );
    c.put("_writer_lease.json", body.into()).await.unwrap();
    c.acquire_lease("writer C", term)
        .await
        .unwrap()
        .release()
        .await
        .unwrap();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_second_shape_is_refused_while_the_s3_lease_is_held() {
    let Some(moto) = start_moto() else { return };
    let port = moto.port;
    for bucket in ["logs2", "lake2"] {
        assert!(http(port, "PUT", &format!("/{bucket}"), b"").contains("200"));
    }
    let line = "{\"ts\":\"2025-11-20T10:00:00Z\",\"level\":\"info\",\"msg\":\"x\"}\n";
    assert!(http(port, "PUT", "/logs2/a.jsonl", line.as_bytes()).contains("200"));
    let until = (chrono::Utc::now() + chrono::Duration::minutes(5)).to_rfc3339();
    let lease = format!("{{\"holder\":\"host-b pid 42 (x)\",\"expires_at\":\"{until}\"}}");
    // Signed writes: moto refuses anonymous overwrites.
    let lake = moto_store(port, "lake2");
    lake.put("_writer_lease.json", lease.into()).await.unwrap();
    let env = moto_env(port);
    let mut env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
    // A writer waits for a held lease before it gives up: not for long here.
    env.push(("SHAPE_LOCK_WAIT_SECONDS", "2"));
    let cwd = tempfile::tempdir().unwrap();
    let args = [
        "--data-dir",
        "s3://lake2/shape",
        "ingest",
        "s3://logs2/a.jsonl",
    ];
    let out = run_shape(cwd.path(), &args, &env);
    crate::common::assert_failed_with(&out, "host-b pid 42 (x) holds the lease");
    let out = run_shape(
        cwd.path(),
        &["--data-dir", "s3://lake2/shape", "compact"],
        &env,
    );
    crate::common::assert_failed_with(&out, "host-b pid 42");

    // Expired: taken over, used, and given back.
    let past = (chrono::Utc::now() - chrono::Duration::seconds(5)).to_rfc3339();
    let lease = format!("{{\"holder\":\"host-b pid 42 (x)\",\"expires_at\":\"{past}\"}}");
    lake.put("_writer_lease.json", lease.into()).await.unwrap();
    let out = run_shape(cwd.path(), &args, &env);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("1 rows"),
        "{}",
        text(&out.stdout)
    );
    let out = run_shape(cwd.path(), &args, &env);
    assert!(out.status.success(), "released: the next run need not wait");
}
