//! Compaction and retention: every row kept through a merge, a crash at any step of the merge
//! neither loses nor doubles a row (even for a query run before recovery), queries running
//! during a merge see the old files or the merged one, never both; retention drops whole
//! partitions and records them.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use shape::config::Config;
use shape::generate::{generate, GenOptions};
use shape::query::run_sql;
use shape::QueryOptions;

use crate::common::{ingest_into, query, rows, run_shape, text, workspace};

const CONFIG: &str = r#"
[[slo]]
id = "web-availability"
component = "canvas"
sli = "availability"
objective = 0.99
window = "1d"

[detect]
lookback_days = 1
"#;

fn config(extra: &str) -> Config {
    Config::parse(&format!("{CONFIG}{extra}"), Path::new("shape.toml")).unwrap()
}

/// Every table's rows, as sums a lost or doubled row would move.
const SUMMARY: &str = "\
    SELECT 'events', count(*), count(DISTINCT _source || ':' || CAST(_line AS VARCHAR)), sum(_offset), sum(length(message)) FROM events \
    UNION ALL SELECT 'ingest_log', count(*), count(DISTINCT ingest_id), sum(lines), sum(\"rows\") FROM ingest_log \
    UNION ALL SELECT 'slo_rollups', count(*), count(minute), sum(good), sum(total) FROM slo_rollups \
    UNION ALL SELECT 'detect_rollups', count(*), count(minute), sum(events), sum(errors) FROM detect_rollups \
    ORDER BY 1";

/// Generated logs in `files` files, each ingested on its own (one small file per partition
/// touched, per table), with the rollups caught up after each.
async fn many_small_files(dir: &Path, files: u32) -> std::path::PathBuf {
    let logs = dir.join("logs");
    generate(
        &logs,
        &GenOptions {
            days: 2,
            events: 6_000,
            files,
            ..GenOptions::default()
        },
    )
    .unwrap();
    let data = dir.join("data");
    let config = config("");
    let ws = workspace(&data, &config);
    let mut names: Vec<_> = std::fs::read_dir(&logs)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "jsonl"))
        .collect();
    names.sort();
    for log in names {
        let (_, errors) = ingest_into(&data, &config, &[log.display().to_string()]).await;
        assert!(errors.is_empty(), "{errors:?}");
        ws.context(&QueryOptions::default()).await.unwrap();
    }
    data
}

fn parquet_files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let path = entry.path();
        if path.is_dir() {
            found.extend(parquet_files(&path));
        } else if path.extension().is_some_and(|e| e == "parquet") {
            found.push(path);
        }
    }
    found
}

fn partitions(data: &Path, table: &str) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(data.join(table))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("dt="))
        .collect();
    names.sort();
    names
}

fn compaction_leftovers(data: &Path) -> Vec<String> {
    let mut left: Vec<String> = parquet_files(data)
        .iter()
        .chain(std::iter::once(&data.join("_staging")))
        .filter(|p| p.exists() && p.to_string_lossy().contains("_staging"))
        .map(|p| p.display().to_string())
        .collect();
    for table in ["events", "ingest_log", "slo_rollups", "detect_rollups"] {
        for partition in partitions(data, table) {
            for entry in std::fs::read_dir(data.join(table).join(partition)).unwrap() {
                let name = entry.unwrap().file_name().to_string_lossy().into_owned();
                if name.starts_with("_compaction-") {
                    left.push(name);
                }
            }
        }
    }
    left
}

#[tokio::test(flavor = "multi_thread")]
async fn compaction_keeps_every_row_while_queries_see_old_or_new_files_never_both() {
    let dir = tempfile::tempdir().unwrap();
    let data = many_small_files(dir.path(), 12).await;
    let before = query(&data, SUMMARY).await;
    let files_before = parquet_files(&data).len();
    let events_partitions = partitions(&data, "events").len();
    assert!(
        files_before >= 12 * events_partitions,
        "{files_before} files"
    );

    // A reader querying all along, on one context (listing is done per query).
    let config = config("");
    let ws = workspace(&data, &config);
    let ctx = ws.context_as_is(&QueryOptions::default()).await.unwrap();
    let expected_events = before[1][1].clone();
    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let stop = stop.clone();
        tokio::spawn(async move {
            let mut seen = Vec::new();
            while !stop.load(Ordering::Relaxed) {
                let counted = rows(&run_sql(&ctx, "SELECT count(*) FROM events").await.unwrap());
                seen.push(counted[0][0].clone());
            }
            seen
        })
    };
    let report = ws.maintain(chrono::Utc::now(), true).await.unwrap();
    stop.store(true, Ordering::Relaxed);
    let seen = reader.await.unwrap();
    assert!(!seen.is_empty());
    assert!(
        seen.iter().all(|c| *c == expected_events),
        "a query during compaction saw {:?} rows, not {expected_events}",
        seen.iter().find(|c| **c != expected_events)
    );

    assert_eq!(query(&data, SUMMARY).await, before);
    let text = report.to_string();
    assert!(text.contains("compact: events/dt="), "{text}");
    assert!(text.contains("compact: detect_rollups/dt="), "{text}");
    for table in ["events", "ingest_log", "slo_rollups", "detect_rollups"] {
        for partition in partitions(&data, table) {
            let files = parquet_files(&data.join(table).join(&partition)).len();
            assert_eq!(files, 1, "{table}/{partition} holds {files} files");
        }
    }
    assert!(compaction_leftovers(&data).is_empty());
    // Merged files are sorted by time.
    for file in parquet_files(&data.join("events")) {
        let reader =
            datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(
                std::fs::File::open(&file).unwrap(),
            )
            .unwrap()
            .build()
            .unwrap();
        let mut last = i64::MIN;
        for batch in reader {
            let batch = batch.unwrap();
            let ts = batch
                .column_by_name("ts")
                .unwrap()
                .as_any()
                .downcast_ref::<datafusion::arrow::array::TimestampMicrosecondArray>()
                .unwrap();
            for t in ts.values().iter() {
                assert!(*t >= last, "{} is not sorted by ts", file.display());
                last = *t;
            }
        }
    }
    let logged = query(
        &data,
        "SELECT table_name, sum(files_before), sum(files_after), sum(\"rows\") FROM maintenance_log \
         WHERE action = 'compact' AND table_name = 'events' GROUP BY table_name",
    )
    .await;
    assert_eq!(logged[0][2], events_partitions.to_string(), "{logged:?}");
    assert_eq!(logged[0][3], expected_events, "{logged:?}");
    // Nothing left to do: a second pass changes nothing.
    let again = ws.maintain(chrono::Utc::now(), true).await.unwrap();
    assert!(again.entries.is_empty(), "{again}");
}

#[tokio::test(flavor = "multi_thread")]
async fn abort_at_each_compaction_step_loses_and_doubles_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let data = many_small_files(dir.path(), 4).await;
    let expected = query(&data, SUMMARY).await;
    let data_arg = data.display().to_string();
    for point in [
        "compact_after_stage",
        "compact_after_record",
        "compact_mid_delete",
        "compact_inputs_deleted",
    ] {
        let copy = dir.path().join(point);
        copy_dir(&data, &copy);
        let copy_arg = copy.display().to_string();
        let args = ["--data-dir", copy_arg.as_str(), "compact"];
        let crashed = run_shape(dir.path(), &args, &[("SHAPE_CRASH_AT", point)]);
        assert!(!crashed.status.success(), "{point}: the process must die");
        assert!(text(&crashed.stderr).contains(point), "{point}");
        // Before any recovery, a query already sees each row once.
        assert_eq!(
            query(&copy, SUMMARY).await,
            expected,
            "{point}, before recovery"
        );
        let rerun = run_shape(dir.path(), &args, &[]);
        assert!(rerun.status.success(), "{point}: {}", text(&rerun.stderr));
        assert_eq!(query(&copy, SUMMARY).await, expected, "{point}, after");
        assert!(
            compaction_leftovers(&copy).is_empty(),
            "{point}: {:?}",
            compaction_leftovers(&copy)
        );
    }
    // An ingest's recovery finishes an interrupted compaction too.
    let point = "compact_after_record";
    let crashed = run_shape(
        dir.path(),
        &["--data-dir", data_arg.as_str(), "compact"],
        &[("SHAPE_CRASH_AT", point)],
    );
    assert!(!crashed.status.success());
    let empty = dir.path().join("empty.jsonl");
    std::fs::write(&empty, "").unwrap();
    let (report, _) = ingest_into(&data, &config(""), &[empty.display().to_string()]).await;
    assert!(report.recovered.0 >= 1, "{:?}", report.recovered);
    assert!(compaction_leftovers(&data).is_empty());
    // The empty source adds its own ingest_log row; nothing else moves.
    let without_log = |rows: Vec<Vec<String>>| -> Vec<Vec<String>> {
        rows.into_iter().filter(|r| r[0] != "ingest_log").collect()
    };
    assert_eq!(
        without_log(query(&data, SUMMARY).await),
        without_log(expected)
    );
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.path().is_dir() {
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), target).unwrap();
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn retention_drops_whole_partitions_and_records_them() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    generate(
        &logs,
        &GenOptions {
            start: chrono::Utc::now() - chrono::Duration::days(5),
            days: 5,
            events: 5_000,
            files: 2,
            ..GenOptions::default()
        },
    )
    .unwrap();
    let data = dir.path().join("data");
    let config = config("[retention]\nevents = \"2d\"\nrejects = \"2d\"\n");
    ingest_into(&data, &config, &[format!("{}/*.jsonl", logs.display())]).await;
    let all = partitions(&data, "events");
    assert!(all.len() >= 5, "{all:?}");
    let ws = workspace(&data, &config);
    let report = ws.maintain(chrono::Utc::now(), false).await.unwrap();
    let kept = partitions(&data, "events");
    let today = chrono::Utc::now().date_naive();
    let yesterday = today - chrono::Duration::days(1);
    let expect: Vec<String> = all
        .iter()
        .filter(|p| **p >= format!("dt={yesterday}"))
        .cloned()
        .collect();
    assert_eq!(kept, expect);
    let dropped = query(
        &data,
        "SELECT partition FROM maintenance_log WHERE action = 'retention' AND table_name = 'events' ORDER BY 1",
    )
    .await;
    let dropped: Vec<String> = dropped.into_iter().map(|r| r[0].clone()).collect();
    assert_eq!(dropped.len(), all.len() - kept.len(), "{report}");
    assert!(dropped.iter().all(|p| !kept.contains(p)));
    assert_eq!(
        query(
            &data,
            "SELECT min(CAST(ts AS DATE)) >= CURRENT_DATE - INTERVAL '1 day' FROM events"
        )
        .await[0][0],
        "true"
    );
}

#[test]
fn a_retention_shorter_than_an_slo_window_is_refused_at_start() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("shape.toml"),
        format!(
            "{}[retention]\nslo_rollups = \"3d\"\ningest_log = \"3d\"\n",
            CONFIG.replace("window = \"1d\"", "window = \"7d\"")
        ),
    )
    .unwrap();
    let out = run_shape(dir.path(), &["--data-dir", "d", "compact"], &[]);
    crate::common::assert_failed_with(&out, "retention.slo_rollups");
    crate::common::assert_failed_with(&out, "SLO web-availability");
}

#[tokio::test(flavor = "multi_thread")]
async fn corrupt_files_are_named_and_rollups_rebuilt() {
    let dir = tempfile::tempdir().unwrap();
    let data = many_small_files(dir.path(), 2).await;
    let expected = query(&data, SUMMARY).await;
    let data_arg = data.display().to_string();
    // The CLI runs with the same SLOs (a rebuild computes the configured SLOs' rollups).
    std::fs::write(dir.path().join("shape.toml"), CONFIG).unwrap();
    let rollup = parquet_files(&data.join("detect_rollups")).remove(0);
    std::fs::write(&rollup, b"PAR1 torn write").unwrap();
    let rollup_name = rollup.strip_prefix(&data).unwrap().display().to_string();

    let out = run_shape(
        dir.path(),
        &[
            "--data-dir",
            &data_arg,
            "query",
            "SELECT count(*) FROM detect_rollups",
        ],
        &[],
    );
    crate::common::assert_failed_with(&out, &rollup_name);

    let out = run_shape(
        dir.path(),
        &["--data-dir", &data_arg, "compact", "--verify"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(
        stdout.contains(&format!("corrupt: {rollup_name}")),
        "{stdout}"
    );
    assert!(stdout.contains("rollups rebuilt"), "{stdout}");
    assert_eq!(query(&data, SUMMARY).await, expected);

    // A torn watermarks file: every context says which file and how to repair it; the
    // rebuild does.
    std::fs::write(
        data.join("_rollup_watermarks.json"),
        b"{\"tables\": {\"slo_",
    )
    .unwrap();
    let select = ["--data-dir", &data_arg, "query", "SELECT 1"];
    let out = run_shape(dir.path(), &select, &[]);
    crate::common::assert_failed_with(&out, "_rollup_watermarks.json");
    crate::common::assert_failed_with(&out, "shape rollup --rebuild");
    let out = run_shape(
        dir.path(),
        &["--data-dir", &data_arg, "rollup", "--rebuild"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(run_shape(dir.path(), &select, &[]).status.success());
    assert_eq!(query(&data, SUMMARY).await, expected);

    // An events file cannot be derived again: named with the source that wrote it (the
    // files above were merged by the compaction that followed the check; ingest one more).
    let extra = dir.path().join("extra.jsonl");
    std::fs::write(
        &extra,
        "{\"ts\":\"2026-01-05T10:00:00Z\",\"level\":\"error\",\"component\":\"canvas\",\"msg\":\"late\"}\n",
    )
    .unwrap();
    let (_, errors) = ingest_into(&data, &config(""), &[extra.display().to_string()]).await;
    assert!(errors.is_empty(), "{errors:?}");
    let events = parquet_files(&data.join("events"))
        .into_iter()
        .find(|p| !p.to_string_lossy().contains("compact-"))
        .unwrap();
    let length = std::fs::metadata(&events).unwrap().len();
    let bytes = std::fs::read(&events).unwrap();
    std::fs::write(&events, &bytes[..length as usize / 2]).unwrap();
    let out = run_shape(
        dir.path(),
        &["--data-dir", &data_arg, "compact", "--verify"],
        &[],
    );
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let events_name = events.strip_prefix(&data).unwrap().display().to_string();
    assert!(stdout.contains(&events_name), "{stdout}");
    assert!(
        stdout.contains(&format!("re-ingest file://{}", extra.display())),
        "{stdout}"
    );
}

/// A source read in many small commits keeps one commit record per commit only until
/// compaction merges the files they published: then the older records go (the newest stays,
/// and the next ingest reads on from it), and the pruning is recorded.
#[tokio::test(flavor = "multi_thread")]
async fn commit_records_whose_files_were_merged_are_pruned() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let log = dir.path().join("app.jsonl");
    let config = config("");
    let ws = workspace(&data, &config);
    let mut text = String::new();
    let records = |data: &Path| -> usize {
        let dirs = std::fs::read_dir(data.join("_manifest")).unwrap();
        dirs.map(|d| d.unwrap().path())
            .filter(|d| !d.ends_with("_identity"))
            .map(|d| std::fs::read_dir(d).unwrap().count())
            .sum()
    };
    let mut append_and_ingest = |lines: std::ops::Range<u32>| {
        for i in lines {
            text.push_str(&format!(
                "{{\"ts\":\"2026-11-30T10:{:02}:00Z\",\"component\":\"canvas\",\"outcome\":\"ok\",\"message\":\"line {i}\"}}\n",
                i % 60
            ));
        }
        std::fs::write(&log, &text).unwrap();
        let sources = [log.display().to_string()];
        let data = data.clone();
        let config = config.clone();
        async move {
            let (_, errors) = ingest_into(&data, &config, &sources).await;
            assert!(errors.is_empty(), "{errors:?}");
        }
    };
    for round in 0..6 {
        append_and_ingest(round * 10..round * 10 + 10).await;
    }
    assert_eq!(records(&data), 6);

    let report = ws.maintain(chrono::Utc::now(), true).await.unwrap();
    let pruned: Vec<_> = report
        .entries
        .iter()
        .filter(|e| e.action == "prune")
        .collect();
    assert_eq!(pruned.len(), 1, "{report}");
    assert_eq!((pruned[0].files_before, pruned[0].files_after), (6, 1));
    assert_eq!(records(&data), 1);
    assert!(
        report.to_string().contains("6 commit records -> 1"),
        "{report}"
    );

    // The next ingest reads on from the newest record: no line twice, none missed.
    append_and_ingest(60..70).await;
    let counted = query(
        &data,
        "SELECT count(*), count(DISTINCT _line), min(_line), max(_line) FROM events",
    )
    .await;
    assert_eq!(counted[0], vec!["70", "70", "1", "70"]);
    let logged = query(
        &data,
        "SELECT action, partition, files_before, files_after FROM maintenance_log WHERE action = 'prune'",
    )
    .await;
    assert_eq!(logged.len(), 1, "{logged:?}");
    assert!(logged[0][1].starts_with("_manifest/"), "{logged:?}");
}
