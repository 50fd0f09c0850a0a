//! Real file lifecycles: one file under several names (`..`, symlinks), logrotate's rename,
//! compression of a rotated file, and `copytruncate`. Nothing is read twice, nothing is
//! missed, and a file's `[[source]]` settings follow it through rotation.

use std::io::Write;
use std::path::Path;

use shape::config::Config;
use shape::ingest::{IngestReport, SourceStatus};

use crate::common::{assert_lineage, count, gzip, ingest_into, query, zstd};

fn access_lines(from: u32, n: u32) -> String {
    (from..from + n)
        .map(|i| {
            format!(
                "10.0.0.{} - - [30/Nov/2026:14:{:02}:{:02} +0000] \"GET /api/orders/{i} HTTP/1.1\" 200 {} \"-\" \"curl/8.4\"\n",
                i % 250,
                i / 60 % 60,
                i % 60,
                100 + i
            )
        })
        .collect()
}

fn append(path: &Path, text: &str) {
    let mut file = std::fs::OpenOptions::new()
        .append(true)
        .create(true)
        .open(path)
        .unwrap();
    file.write_all(text.as_bytes()).unwrap();
}

/// (file name, status) per source of a run.
fn statuses(report: &IngestReport) -> Vec<(String, SourceStatus)> {
    let mut found: Vec<(String, SourceStatus)> = report
        .sources
        .iter()
        .map(|s| {
            (
                s.uri.rsplit('/').next().unwrap().to_string(),
                s.status.clone(),
            )
        })
        .collect();
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found
}

#[tokio::test(flavor = "multi_thread")]
async fn renamed_linked_rotated_and_truncated_files_are_read_once() {
    let root = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let logs = root.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let live = logs.join("access.log");
    append(&live, &access_lines(0, 10));
    let config = Config::parse(
        "[[source]]\nmatch = '*access.log'\nservice = 'edge'\n",
        Path::new("shape.toml"),
    )
    .unwrap();
    let run = |arg: &Path| vec![arg.to_string_lossy().into_owned()];
    let events = || count(data.path(), "SELECT count(*) FROM events");

    // The same file through `..` and through a symlinked directory: one source.
    let dotted = logs.join("..").join("logs");
    let (first, _) = ingest_into(data.path(), &config, &run(&dotted)).await;
    assert_eq!(statuses(&first), [("access.log".into(), SourceStatus::New)]);
    let link = root.path().join("link");
    std::os::unix::fs::symlink(&logs, &link).unwrap();
    let (linked, _) = ingest_into(data.path(), &config, &run(&link)).await;
    assert_eq!(
        statuses(&linked),
        [("access.log".into(), SourceStatus::Unchanged)]
    );
    assert_eq!(events().await, 10);
    assert_eq!(
        count(data.path(), "SELECT count(DISTINCT _source) FROM events").await,
        1
    );

    // logrotate: two more lines, then rename and a new live file.
    append(&live, &access_lines(10, 2));
    std::fs::rename(&live, logs.join("access.log.1")).unwrap();
    append(&live, &access_lines(100, 3));
    let (rotated, errors) = ingest_into(data.path(), &config, &run(&logs)).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        statuses(&rotated),
        [
            // The new live file is shorter than what was read of the old one.
            ("access.log".into(), SourceStatus::Truncated),
            ("access.log.1".into(), SourceStatus::Renamed),
        ]
    );
    let renamed = rotated
        .sources
        .iter()
        .find(|s| s.uri.ends_with(".1"))
        .unwrap();
    assert_eq!((renamed.log.lines, renamed.log.rows), (2, 2));
    assert_eq!(renamed.log.from_offset, access_lines(0, 10).len() as u64);
    assert!(renamed
        .read_on_from
        .as_deref()
        .unwrap()
        .ends_with("/logs/access.log"));
    assert_eq!(events().await, 15);
    // The rotated file's rows kept the settings of its first name.
    assert_eq!(
        query(data.path(), "SELECT DISTINCT service FROM events").await,
        [["edge"]]
    );
    let lines_of_renamed = query(
        data.path(),
        "SELECT min(_line), max(_line) FROM events WHERE _source LIKE '%access.log.1'",
    )
    .await;
    assert_eq!(lines_of_renamed, [["11", "12"]], "line numbers go on");

    // Compressed after rotation: recognised, nothing new to read.
    let rotated_text = std::fs::read(logs.join("access.log.1")).unwrap();
    std::fs::write(logs.join("access.log.2.gz"), gzip(&rotated_text)).unwrap();
    std::fs::remove_file(logs.join("access.log.1")).unwrap();
    let (compressed, _) = ingest_into(data.path(), &config, &run(&logs)).await;
    assert_eq!(
        statuses(&compressed),
        [
            ("access.log".into(), SourceStatus::Unchanged),
            ("access.log.2.gz".into(), SourceStatus::Unchanged),
        ]
    );
    assert_eq!(events().await, 15);

    // copytruncate: a line written after the last run, the copy, the truncation, a new line.
    append(&live, &access_lines(103, 1));
    std::fs::copy(&live, logs.join("access.log.1")).unwrap();
    std::fs::File::create(&live).unwrap();
    append(&live, &access_lines(200, 1));
    let (truncated, errors) = ingest_into(data.path(), &config, &run(&logs)).await;
    assert!(errors.is_empty(), "{errors:?}");
    let by_name = statuses(&truncated);
    assert!(
        by_name.contains(&("access.log".into(), SourceStatus::Truncated)),
        "{by_name:?}"
    );
    assert!(by_name.contains(&("access.log.1".into(), SourceStatus::Renamed)));
    assert_eq!(
        events().await,
        17,
        "the line before the copy and the one after"
    );
    let messages = query(
        data.path(),
        "SELECT count(DISTINCT operation), count(DISTINCT ts) FROM events",
    )
    .await;
    assert_eq!(messages, [["1", "17"]], "no event twice");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_compressed_file_sharing_only_the_first_bytes_is_another_file() {
    let logs = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = Config::parse("", Path::new("t.toml")).unwrap();
    // Over the 4 KiB a fingerprint covers.
    let first = access_lines(0, 100);
    assert!(first.len() > 4096);
    std::fs::write(logs.path().join("access.log"), &first).unwrap();
    let dir = vec![logs.path().to_string_lossy().into_owned()];
    let (_, errors) = ingest_into(data.path(), &config, &dir).await;
    assert!(errors.is_empty(), "{errors:?}");
    // Another host's file: the same first 60 lines, then lines of its own, compressed.
    let other = format!("{}{}", access_lines(0, 60), access_lines(500, 3));
    std::fs::write(logs.path().join("other.log.gz"), gzip(other.as_bytes())).unwrap();
    let (report, errors) = ingest_into(data.path(), &config, &dir).await;
    assert!(errors.is_empty(), "{errors:?}");
    let other = report
        .sources
        .iter()
        .find(|s| s.uri.ends_with("other.log.gz"))
        .unwrap();
    assert_eq!(other.status, SourceStatus::New);
    assert_eq!((other.log.lines, other.log.rows), (63, 63));
    assert_eq!(count(data.path(), "SELECT count(*) FROM events").await, 163);
}

/// logrotate with `compresscmd zstd`: the rotated file compressed with zstd is the file read
/// before (nothing read twice), and a zstd file of its own is read through, every line back.
#[tokio::test(flavor = "multi_thread")]
async fn a_file_compressed_with_zstd_after_rotation_is_recognised() {
    let logs = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = Config::parse("", Path::new("t.toml")).unwrap();
    let dir = vec![logs.path().to_string_lossy().into_owned()];
    let live = logs.path().join("access.log");
    std::fs::write(&live, access_lines(0, 100)).unwrap();
    let (_, errors) = ingest_into(data.path(), &config, &dir).await;
    assert!(errors.is_empty(), "{errors:?}");

    let text = std::fs::read(&live).unwrap();
    std::fs::write(logs.path().join("access.log.1.zst"), zstd(&text)).unwrap();
    std::fs::remove_file(&live).unwrap();
    std::fs::write(
        logs.path().join("other.log.zst"),
        zstd(access_lines(500, 7).as_bytes()),
    )
    .unwrap();
    let (report, errors) = ingest_into(data.path(), &config, &dir).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        statuses(&report),
        [
            ("access.log.1.zst".into(), SourceStatus::Unchanged),
            ("other.log.zst".into(), SourceStatus::New),
        ]
    );
    assert_eq!(count(data.path(), "SELECT count(*) FROM events").await, 107);

    // Read alone, every row's line is found again through the decompressor.
    let alone = tempfile::tempdir().unwrap();
    std::fs::rename(
        logs.path().join("other.log.zst"),
        alone.path().join("other.log.zst"),
    )
    .unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let source = vec![alone.path().to_string_lossy().into_owned()];
    let (_, errors) = ingest_into(fresh.path(), &config, &source).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(assert_lineage(fresh.path()).await, 7);
}
