//! Crash safety: abort at each step of the commit protocol, and `kill -9` mid-run; the next
//! run leaves neither duplicates nor gaps (the tables equal a clean run's).

use std::path::Path;
use std::time::{Duration, Instant};

use shape::generate::{generate, GenOptions};

use crate::common::{query, run_shape, shape_bin, text};

/// Everything that must match a clean run.
async fn summary(data: &Path) -> Vec<Vec<String>> {
    let mut out = query(
        data,
        "SELECT 'events', count(*), count(DISTINCT _source || ':' || CAST(_line AS VARCHAR)), sum(_offset), sum(length(message)) FROM events \
         UNION ALL SELECT 'rejects', count(*), count(DISTINCT _source || ':' || CAST(_line AS VARCHAR)), sum(_offset), sum(length(error)) FROM rejects \
         ORDER BY 1",
    )
    .await;
    out.extend(
        query(
            data,
            "SELECT source, sum(lines), sum(\"rows\"), sum(rejects), sum(blank), max(to_offset) FROM ingest_log GROUP BY source ORDER BY source",
        )
        .await,
    );
    out
}

fn fixture(dir: &Path, events: u64) {
    generate(
        dir,
        &GenOptions {
            days: 1,
            events,
            malformed_rate: 0.001,
            ..GenOptions::default()
        },
    )
    .unwrap();
}

fn ingest_args(data: &Path, logs: &Path) -> Vec<String> {
    vec![
        "--data-dir".into(),
        data.to_string_lossy().into_owned(),
        "ingest".into(),
        format!("{}/*.jsonl", logs.display()),
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn abort_at_each_commit_step_then_rerun_equals_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fixture(&logs, 20_000);
    let clean = dir.path().join("clean");
    let args = ingest_args(&clean, &logs);
    let out = run_shape(
        dir.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected = summary(&clean).await;

    for point in ["after_stage", "after_commit_record", "mid_publish"] {
        let data = dir.path().join(point);
        let args = ingest_args(&data, &logs);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let crashed = run_shape(dir.path(), &args, &[("SHAPE_CRASH_AT", point)]);
        assert!(
            !crashed.status.success(),
            "{point}: the process must have died"
        );
        assert!(
            text(&crashed.stderr).contains(point),
            "{point}: {}",
            text(&crashed.stderr)
        );
        let rerun = run_shape(dir.path(), &args, &[]);
        assert!(rerun.status.success(), "{point}: {}", text(&rerun.stderr));
        let stdout = text(&rerun.stdout);
        if point != "after_stage" {
            assert!(
                stdout.contains("recovered an interrupted run"),
                "{point}: {stdout}"
            );
        }
        assert_eq!(summary(&data).await, expected, "{point}");
        assert!(
            !data.join("_staging").exists(),
            "{point}: staging is cleaned up"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn kill_9_mid_run_then_rerun_equals_clean_run() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    fixture(&logs, 150_000);
    let clean = dir.path().join("clean");
    let args = ingest_args(&clean, &logs);
    let started = Instant::now();
    let out = run_shape(
        dir.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    let full_run = started.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let expected = summary(&clean).await;

    let data = dir.path().join("killed");
    let args = ingest_args(&data, &logs);
    let mut interrupted = 0;
    // Kill at spread-out moments of a run, each time resuming what the last one left.
    for fraction in [0.15, 0.35, 0.55, 0.8] {
        let mut child = std::process::Command::new(shape_bin())
            .args(&args)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(full_run.mul_f64(fraction).max(Duration::from_millis(20)));
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap(); // SIGKILL
            interrupted += 1;
        }
        child.wait().unwrap();
    }
    assert!(
        interrupted >= 2,
        "at least two runs were killed mid-way ({interrupted})"
    );
    let out = run_shape(
        dir.path(),
        &args.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(
        summary(&data).await[..2],
        expected[..2],
        "events and rejects equal a clean run's"
    );
    // ingest_log: per source, the runs add up to the clean run's single run.
    assert_eq!(summary(&data).await[2..], expected[2..]);
}
