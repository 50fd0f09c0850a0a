//! Idempotency, growth and replacement.

use shape::config::Config;
use shape::ingest::SourceStatus;

use crate::common::{assert_lineage, count, gzip, ingest_into, query};

fn lines(range: std::ops::Range<u32>) -> String {
    range
        .map(|i| {
            format!(
                "{{\"ts\":\"2025-11-20T10:{:02}:{:02}Z\",\"msg\":\"event {i}\"}}\n",
                i / 60 % 60,
                i % 60
            )
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn rerun_adds_nothing_growth_is_read_from_the_offset() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.jsonl");
    std::fs::write(&file, lines(0..100)).unwrap();
    let sources = [file.to_string_lossy().into_owned()];
    let config = Config::default();

    let (first, _) = ingest_into(data.path(), &config, &sources).await;
    assert_eq!(first.sources[0].status, SourceStatus::New);
    assert_eq!(first.sources[0].log.rows, 100);

    let (again, _) = ingest_into(data.path(), &config, &sources).await;
    assert_eq!(again.sources[0].status, SourceStatus::Unchanged);
    assert_eq!(count(data.path(), "SELECT count(*) FROM events").await, 100);
    assert_eq!(
        count(data.path(), "SELECT count(*) FROM ingest_log").await,
        1
    );

    // Append: only the new lines are read, numbered on from 101.
    let mut text = lines(0..100);
    text.push_str(&lines(100..150));
    std::fs::write(&file, &text).unwrap();
    let (grown, _) = ingest_into(data.path(), &config, &sources).await;
    assert_eq!(grown.sources[0].status, SourceStatus::Grown);
    assert_eq!(
        (grown.sources[0].log.lines, grown.sources[0].log.from_offset),
        (50, lines(0..100).len() as u64)
    );
    let stats = query(
        data.path(),
        "SELECT count(*), count(DISTINCT _line), min(_line), max(_line) FROM events",
    )
    .await;
    assert_eq!(stats[0], vec!["150", "150", "1", "150"]);

    // Replace: the first bytes change, so the object is read again as a new version.
    std::fs::write(&file, lines(1000..1200)).unwrap();
    let (replaced, _) = ingest_into(data.path(), &config, &sources).await;
    assert_eq!(replaced.sources[0].status, SourceStatus::Replaced);
    assert_eq!(
        (
            replaced.sources[0].log.from_offset,
            replaced.sources[0].log.rows
        ),
        (0, 200)
    );
    let versions = count(
        data.path(),
        "SELECT count(DISTINCT version) FROM ingest_log",
    )
    .await;
    assert_eq!(versions, 2);
    assert_eq!(count(data.path(), "SELECT count(*) FROM events").await, 350);
    let replaced_rows = count(
        data.path(),
        &format!(
            "SELECT count(*) FROM events WHERE _ingest_id = '{}'",
            replaced.ingest_id
        ),
    )
    .await;
    assert_eq!(replaced_rows, 200);

    // Shorter than what was read (truncated, or a shorter file): read again from the start.
    std::fs::write(&file, lines(2000..2010)).unwrap();
    let (truncated, _) = ingest_into(data.path(), &config, &sources).await;
    assert_eq!(truncated.sources[0].status, SourceStatus::Truncated);
    assert_eq!(truncated.sources[0].log.rows, 10);
    assert_eq!(count(data.path(), "SELECT count(*) FROM events").await, 360);
}

#[tokio::test(flavor = "multi_thread")]
async fn gzip_growth_by_appended_member() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.jsonl.gz");
    std::fs::write(&file, gzip(lines(0..40).as_bytes())).unwrap();
    let sources = [file.to_string_lossy().into_owned()];
    let (first, _) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert_eq!(first.sources[0].log.rows, 40);

    let (again, _) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert_eq!(again.sources[0].status, SourceStatus::Unchanged);

    // Log rotation tools append gzip members: the decompressed stream simply grows.
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend(gzip(lines(40..55).as_bytes()));
    std::fs::write(&file, bytes).unwrap();
    let (grown, _) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert_eq!(grown.sources[0].status, SourceStatus::Grown);
    assert_eq!(grown.sources[0].log.rows, 15);
    let stats = query(
        data.path(),
        "SELECT count(*), count(DISTINCT _line), max(_line) FROM events",
    )
    .await;
    assert_eq!(stats[0], vec!["55", "55", "55"]);
    assert_eq!(assert_lineage(data.path()).await, 55);
}

#[tokio::test(flavor = "multi_thread")]
async fn partitions_follow_event_dates_and_prune() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("days.jsonl");
    std::fs::write(
        &file,
        "{\"ts\":\"2025-11-19T23:59:59.999Z\",\"msg\":\"a\"}\n{\"ts\":\"2025-11-20T00:00:00Z\",\"msg\":\"b\"}\n{\"ts\":\"2025-11-21T08:00:00+02:00\",\"msg\":\"c\"}\n",
    )
    .unwrap();
    ingest_into(
        data.path(),
        &Config::default(),
        &[file.to_string_lossy().into_owned()],
    )
    .await;
    let days = query(
        data.path(),
        "SELECT dt, count(*) FROM events GROUP BY dt ORDER BY dt",
    )
    .await;
    assert_eq!(
        days,
        vec![
            vec!["2025-11-19", "1"],
            vec!["2025-11-20", "1"],
            vec!["2025-11-21", "1"]
        ]
    );
    for day in ["2025-11-19", "2025-11-20", "2025-11-21"] {
        let dir = data.path().join(format!("events/dt={day}"));
        let files: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(files.len(), 1, "{day}");
    }
    // The partition filter prunes files: the plan scans one file group only.
    let plan = query(
        data.path(),
        "EXPLAIN SELECT message FROM events WHERE dt = '2025-11-20'",
    )
    .await;
    let physical = plan
        .iter()
        .map(|r| r[1].clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(physical.contains("dt=2025-11-20"), "{physical}");
    assert!(!physical.contains("dt=2025-11-19"), "{physical}");

    // A filter on `ts` alone prunes days too (the listing table is told the `dt` range it
    // implies), and rows at the edges of the range are still found.
    let in_range =
        "ts >= TIMESTAMP '2025-11-19T23:59:59.999Z' AND ts < TIMESTAMP '2025-11-21T00:00:00Z'";
    let plan = query(
        data.path(),
        &format!("EXPLAIN SELECT message FROM events WHERE {in_range}"),
    )
    .await;
    let physical = plan
        .iter()
        .map(|r| r[1].clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(physical.contains("dt=2025-11-19"), "{physical}");
    assert!(physical.contains("dt=2025-11-20"), "{physical}");
    assert!(!physical.contains("dt=2025-11-21"), "{physical}");
    let found = query(
        data.path(),
        &format!("SELECT message FROM events WHERE {in_range} OR ts = TIMESTAMP '2025-11-21T06:00:00Z' ORDER BY ts"),
    )
    .await;
    assert_eq!(found, vec![vec!["a"], vec!["b"], vec!["c"]]);
}

/// A second writer waits for the first (a rollup catch-up or a compaction holds the lock for
/// moments), and is refused, naming the lock, when it is not given back in time.
#[tokio::test(flavor = "multi_thread")]
async fn a_second_writer_waits_for_the_first_then_is_refused() {
    let data = tempfile::tempdir().unwrap();
    let store = shape::storage::DataStore::open(&data.path().to_string_lossy()).unwrap();
    let held = store.lock_for_writing().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a.jsonl");
    std::fs::write(&file, lines(0..3)).unwrap();
    let data_dir = data.path().to_string_lossy().into_owned();
    let source = file.to_string_lossy().into_owned();
    let args = ["--data-dir", data_dir.as_str(), "ingest", source.as_str()];
    let out = crate::common::run_shape(dir.path(), &args, &[("SHAPE_LOCK_WAIT_SECONDS", "1")]);
    crate::common::assert_failed_with(&out, "another shape process is using");

    // Given back while the second one waits: it goes ahead.
    let release = tokio::spawn(async move {
        tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
        held.release().await.unwrap();
    });
    let (report, _) = ingest_into(data.path(), &Config::default(), &[source]).await;
    release.await.unwrap();
    assert_eq!(report.sources[0].log.rows, 3);
}

/// Many small sources in one run (a pipeline's bucket) share their files and one commit:
/// a few files per partition, not two per source; each source still reads on from its own
/// resume point, and a copy of one of them under another name is known as such.
#[tokio::test(flavor = "multi_thread")]
async fn small_sources_of_one_run_share_files_and_read_on_each() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let config = Config::default();
    let per_source = 20u32;
    let name = |i: u32| dir.path().join(format!("part-{i:03}.jsonl"));
    for i in 0..60 {
        std::fs::write(name(i), lines(i * per_source..(i + 1) * per_source)).unwrap();
    }
    let sources = [format!("{}/*.jsonl", dir.path().display())];
    let (first, errors) = ingest_into(data.path(), &config, &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(first.sources.len(), 60);
    assert!(first.sources.iter().all(|s| s.status == SourceStatus::New));
    let files = |table: &str| {
        glob::glob(&format!("{}/{table}/**/*.parquet", data.path().display()))
            .unwrap()
            .count()
    };
    // One event date and one ingest day: one file each (it was 60 and 60).
    assert_eq!((files("events"), files("ingest_log")), (1, 1));
    assert_eq!(
        count(data.path(), "SELECT count(*) FROM events").await,
        1200
    );
    assert_eq!(
        count(data.path(), "SELECT count(DISTINCT source) FROM ingest_log").await,
        60
    );
    assert_lineage(data.path()).await;

    // Nothing new: nothing read. Then every tenth source grows, and a copy of source 7
    // arrives under a new name (its first bytes, over 256 of them, identify it).
    let (again, _) = ingest_into(data.path(), &config, &sources).await;
    assert!(again
        .sources
        .iter()
        .all(|s| s.status == SourceStatus::Unchanged));
    for i in (0..60).step_by(10) {
        let mut text = lines(i * per_source..(i + 1) * per_source);
        text.push_str(&lines(5000 + i..5001 + i));
        std::fs::write(name(i), text).unwrap();
    }
    std::fs::copy(name(7), dir.path().join("copy-of-7.jsonl")).unwrap();
    let (grown, errors) = ingest_into(data.path(), &config, &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    let status = |file: &str| {
        let report = grown
            .sources
            .iter()
            .find(|s| s.uri.ends_with(file))
            .unwrap();
        (report.status.clone(), report.log.rows)
    };
    assert_eq!(status("part-010.jsonl"), (SourceStatus::Grown, 1));
    assert_eq!(status("part-011.jsonl"), (SourceStatus::Unchanged, 0));
    // Nothing past what part-007 held: nothing to read, and said where it reads on from.
    assert_eq!(status("copy-of-7.jsonl"), (SourceStatus::Unchanged, 0));
    let copy = grown
        .sources
        .iter()
        .find(|s| s.uri.ends_with("copy-of-7.jsonl"));
    let read_on_from = copy.unwrap().read_on_from.clone().unwrap_or_default();
    assert!(read_on_from.ends_with("part-007.jsonl"), "{read_on_from}");
    let stats = query(
        data.path(),
        "SELECT count(*), count(DISTINCT _source || ':' || CAST(_line AS VARCHAR)) FROM events",
    )
    .await;
    assert_eq!(stats[0], vec!["1206", "1206"]);
    assert_lineage(data.path()).await;
}

/// A copy of a source read earlier in the same run (not committed yet: its group commits
/// at the end) is known by its first bytes all the same.
#[tokio::test(flavor = "multi_thread")]
async fn a_copy_read_in_the_same_group_is_read_on_from() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.jsonl"), lines(0..30)).unwrap();
    std::fs::copy(dir.path().join("a.jsonl"), dir.path().join("b.jsonl")).unwrap();
    let sources = [format!("{}/*.jsonl", dir.path().display())];
    let (report, errors) = ingest_into(data.path(), &Config::default(), &sources).await;
    assert!(errors.is_empty(), "{errors:?}");
    let statuses: Vec<_> = report.sources.iter().map(|s| s.status.clone()).collect();
    assert_eq!(statuses, vec![SourceStatus::New, SourceStatus::Unchanged]);
    let read_on_from = report.sources[1].read_on_from.clone().unwrap_or_default();
    assert!(read_on_from.ends_with("a.jsonl"), "{read_on_from}");
    assert_eq!(count(data.path(), "SELECT count(*) FROM events").await, 30);
}
