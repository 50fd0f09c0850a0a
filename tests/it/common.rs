//! Helpers shared by the integration tests.

use std::path::{Path, PathBuf};
use std::process::Output;

use datafusion::arrow::array::RecordBatch;
use shape::config::Config;
use shape::ingest::{ingest, IngestError, IngestReport};
use shape::query::run_sql;
use shape::storage::DataStore;
use shape::{QueryOptions, Workspace};

/// The `shape` binary built for these tests.
pub fn shape_bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_shape"))
}

/// Runs the binary with `args` in `cwd`; returns its output.
pub fn run_shape(cwd: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = std::process::Command::new(shape_bin());
    cmd.current_dir(cwd).args(args).env_remove("SHAPE_CRASH_AT");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("shape runs")
}

/// `shape query --format <format> [extra...] <sql>` over `data` with `config`: its stdout (the
/// run must succeed).
pub fn shape_query(
    cwd: &Path,
    config: &str,
    data: &str,
    format: &str,
    extra: &[&str],
    sql: &str,
) -> String {
    let mut args = vec![
        "--config",
        config,
        "--data-dir",
        data,
        "query",
        "--format",
        format,
    ];
    args.extend_from_slice(extra);
    args.push(sql);
    let out = run_shape(cwd, &args, &[]);
    assert!(out.status.success(), "{sql}: {}", text(&out.stderr));
    text(&out.stdout)
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Ingests through the library (fast: no process start).
pub async fn ingest_into(
    data_dir: &Path,
    config: &Config,
    sources: &[String],
) -> (IngestReport, Vec<IngestError>) {
    let store = DataStore::open(&data_dir.to_string_lossy()).unwrap();
    ingest(&store, config, sources, None, false).await.unwrap()
}

/// Runs SQL against a data dir; every value rendered as text (NULL as "NULL").
pub async fn query(data_dir: &Path, sql: &str) -> Vec<Vec<String>> {
    let ctx = workspace(data_dir, &Config::default())
        .context_as_is(&QueryOptions::default())
        .await
        .unwrap();
    rows(&run_sql(&ctx, sql).await.unwrap())
}

/// A workspace over `data_dir` with `config`.
pub fn workspace(data_dir: &Path, config: &Config) -> Workspace {
    Workspace::with_config(config.clone(), &data_dir.to_string_lossy()).unwrap()
}

pub fn rows(batches: &[RecordBatch]) -> Vec<Vec<String>> {
    shape::query::rows_as_text(batches, "NULL")
}

/// A single number from a query.
pub async fn count(data_dir: &Path, sql: &str) -> u64 {
    query(data_dir, sql).await[0][0].parse().unwrap()
}

/// Byte offsets of every line start in `bytes` (the lineage ground truth).
pub fn line_starts(bytes: &[u8]) -> Vec<u64> {
    let mut starts = vec![0u64];
    for (i, b) in bytes.iter().enumerate() {
        if *b == b'\n' && i + 1 < bytes.len() {
            starts.push(i as u64 + 1);
        }
    }
    starts
}

/// The decompressed content of a local fixture.
pub fn decompressed(path: &Path) -> Vec<u8> {
    use std::io::Read;
    let raw = std::fs::read(path).unwrap();
    let mut out = Vec::new();
    // A damaged stream yields what it can: that is what ingest saw too.
    if raw.starts_with(&[0x1f, 0x8b]) {
        let _ = flate2::read::MultiGzDecoder::new(&raw[..]).read_to_end(&mut out);
    } else if raw.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
        let mut decoder = zstd::stream::read::Decoder::new(&raw[..]).unwrap();
        let _ = decoder.read_to_end(&mut out);
    } else {
        out = raw;
    }
    out
}

pub fn zstd(bytes: &[u8]) -> Vec<u8> {
    zstd::encode_all(bytes, 3).unwrap()
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

/// Checks every row of `events` and `rejects` against its source: `_line` and `_offset`
/// agree with the source's own line starts, and the line read back at `_offset` through
/// SHAPE's reader is the line the row came from. Returns the number of rows checked.
/// Every source's stored accounting balances (`ingest_summary.balanced`: each line is one
/// row's, one reject's, blank or continued).
pub async fn assert_balanced(data_dir: &Path) {
    let unbalanced = query(
        data_dir,
        "SELECT source FROM ingest_summary WHERE NOT balanced",
    )
    .await;
    assert!(unbalanced.is_empty(), "unbalanced sources: {unbalanced:?}");
}

pub async fn assert_lineage(data_dir: &Path) -> usize {
    let mut checked = 0;
    let located = query(
        data_dir,
        "SELECT _source, _line, _offset, 'event' AS kind, message, CAST(NULL AS VARCHAR) AS raw, \
         coalesce(_line_count, 1), coalesce(_record, 0) FROM events \
         UNION ALL SELECT _source, _line, _offset, 'reject', error, encode(raw, 'hex'), \
         coalesce(_line_count, 1), coalesce(_record, 0) FROM rejects \
         ORDER BY 1, 2",
    )
    .await;
    let mut cache: Option<(String, Vec<u8>, Vec<u64>)> = None;
    // The records of each line: numbered 0, 1, ... with none missing or repeated.
    let mut records: std::collections::BTreeMap<(String, u64), Vec<u64>> = Default::default();
    for (i, row) in located.iter().enumerate() {
        let (source, line, offset) = (
            &row[0],
            row[1].parse::<u64>().unwrap(),
            row[2].parse::<u64>().unwrap(),
        );
        if cache.as_ref().is_none_or(|(s, _, _)| s != source) {
            let bytes = decompressed(Path::new(source.trim_start_matches("file://")));
            let starts = line_starts(&bytes);
            cache = Some((source.clone(), bytes, starts));
        }
        let (_, bytes, starts) = cache.as_ref().unwrap();
        assert_eq!(
            starts[(line - 1) as usize],
            offset,
            "{source}: line {line} starts at {} but the row says {offset}",
            starts[(line - 1) as usize]
        );
        // A multi-line row spans `_line_count` lines from its first.
        let spans: usize = row[6].parse().unwrap();
        let end = bytes[offset as usize..]
            .iter()
            .enumerate()
            .filter(|(_, b)| **b == b'\n')
            .nth(spans - 1)
            .map(|(p, _)| offset as usize + p)
            .unwrap_or(bytes.len());
        let expected = &bytes[offset as usize..end];
        if row[3] == "reject" && !row[4].contains("longer than max_line_bytes") {
            let raw = hex_decode(&row[5]);
            assert_eq!(
                raw, expected,
                "{source}:{line}: rejects.raw differs from the source line"
            );
        }
        let plain =
            !row[4].contains(['"', '\\']) && !row[4].chars().any(|c| c.is_control() && c != '\n');
        if row[3] == "event" && plain && expected.len() < 10_000 {
            let text = String::from_utf8_lossy(expected);
            // A multi-line message is its lines joined (CRI parts: without a separator), and
            // a W3C request is made of separate values (method, path, query), so each of its
            // words is in them.
            let pieces: Vec<&str> = if spans == 1 && text.contains(row[4].as_str()) {
                vec![row[4].as_str()]
            } else {
                // (A message made of values, Windows events': without the punctuation
                // between them.)
                row[4]
                    .split([' ', '\t', '\n', '?'])
                    .map(|w| w.trim_end_matches([',', ':']))
                    .filter(|w| !w.is_empty())
                    .collect()
            };
            for piece in pieces {
                assert!(
                    text.contains(piece),
                    "{source}:{line}: message {piece:?} not in {text:?}",
                );
            }
        }
        // Through SHAPE's own reader (handles .gz and S3), for a sample of rows.
        if spans == 1 && (i % 97 == 0 || row[3] == "reject") {
            let read = shape::ingest::source::read_line_at(source, offset)
                .await
                .unwrap();
            assert_eq!(read, expected, "{source}:{line}: read_line_at differs");
        }
        records
            .entry((source.clone(), line))
            .or_default()
            .push(row[7].parse().unwrap());
        checked += 1;
    }
    for ((source, line), mut numbers) in records {
        numbers.sort_unstable();
        let expected: Vec<u64> = (0..numbers.len() as u64).collect();
        assert_eq!(numbers, expected, "{source}:{line}: _record values");
    }
    checked
}

fn hex_decode(hex: &str) -> Vec<u8> {
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

/// Where the Loghub samples are, if `../shared` is beside the checkout.
/// The Loghub samples beside the repository (their licence keeps them out of it). Under CI
/// they are always there, so their absence is a failure, like a missing tool.
pub fn loghub_dir() -> Option<PathBuf> {
    // A checkout of github.com/logpai/loghub (all sixteen samples) where one is named.
    if let Some(dir) = std::env::var_os("SHAPE_LOGHUB_DIR") {
        return Path::new(&dir).canonicalize().ok();
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/loghub");
    assert!(
        dir.is_dir() || std::env::var("CI").is_err(),
        "{} must exist in CI (the shared Loghub samples)",
        dir.display()
    );
    // Canonical, as `_source` is (ingest resolves `..` and symlinks).
    dir.canonicalize().ok()
}

/// Whether an external tool a test needs is here. Under CI (`CI` set) a missing tool is a
/// failure, since `.ci/run` installs it; elsewhere the test prints a notice and is skipped.
pub fn tool_available(what: &str, probe: &mut std::process::Command) -> bool {
    let ok = probe
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok {
        assert!(
            std::env::var("CI").is_err(),
            "{what} must be installed in CI (.ci/run does it)"
        );
        println!("NOTICE: {what} is not installed; test skipped");
    }
    ok
}

/// Whether `python3` can import `modules` (see `tool_available`).
pub fn python_has(modules: &str) -> bool {
    tool_available(
        &format!("python3 with {modules}"),
        std::process::Command::new("python3").args(["-c", &format!("import {modules}")]),
    )
}

/// A temporary data dir with `sample` (a path or glob) ingested under data/shape.toml.
/// Returns (the temp dir to keep alive, the data dir, the config path).
pub fn ingested_sample(sample: &str) -> (tempfile::TempDir, String, &'static str) {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/data/shape.toml");
    let sample = format!("{}/data/sample/{sample}", env!("CARGO_MANIFEST_DIR"));
    let out = run_shape(
        dir.path(),
        &["--config", config, "--data-dir", &data, "ingest", &sample],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    (dir, data, config)
}

/// Asserts a command failed and said `needle` on stderr.
pub fn assert_failed_with(out: &Output, needle: &str) {
    let stderr = text(&out.stderr);
    assert!(
        !out.status.success(),
        "expected a failure, got success: {stderr}"
    );
    assert!(stderr.contains(needle), "stderr lacks {needle:?}: {stderr}");
}

/// Generated logs (`options`) ingested with `config` into a fresh data dir.
/// Returns (the logs dir, the data dir, the ground truth); keep both dirs alive.
pub async fn generated_and_ingested(
    config: &Config,
    options: &shape::generate::GenOptions,
) -> (
    tempfile::TempDir,
    tempfile::TempDir,
    shape::generate::GroundTruth,
) {
    let logs = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let truth = shape::generate::generate(logs.path(), options).unwrap();
    let (_, errors) = ingest_into(
        data.path(),
        config,
        &[format!("{}/*.jsonl", logs.path().display())],
    )
    .await;
    assert!(errors.is_empty(), "{errors:?}");
    (logs, data, truth)
}

/// A server process started by a test, killed when the test ends.
pub struct Server(pub std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A loopback port nobody listens on (yet).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Waits up to a minute until something accepts connections on loopback `port`.
pub fn wait_for_port(port: u16, what: &str) {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(std::time::Instant::now() < deadline, "{what} did not start");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
}

/// Runs the future `make` returns on a thread and runtime with the stack SHAPE's binaries give
/// theirs (`shape::THREAD_STACK_BYTES`): views planned in-process nest deeper than a test
/// thread's 2 MiB.
pub fn on_big_stack<F, Fut>(make: F)
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()>,
{
    let thread = std::thread::Builder::new()
        .stack_size(shape::THREAD_STACK_BYTES)
        .spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .thread_stack_size(shape::THREAD_STACK_BYTES)
                .enable_all()
                .build()
                .unwrap()
                .block_on(make())
        })
        .unwrap();
    if let Err(panic) = thread.join() {
        std::panic::resume_unwind(panic);
    }
}
