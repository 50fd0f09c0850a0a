//! Detection on generated data against its ground truth, evidence down to source lines,
//! and `shape detect` / `shape trace` from the command line.

use std::path::Path;

use shape::config::Config;
use shape::generate::{GenOptions, GroundTruth};
use shape::query::run_sql;

use crate::common::{decompressed, generated_and_ingested, line_starts, rows, run_shape, text};

fn shape_config() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml")).unwrap()
}

async fn detect_rows(data_dir: &Path, config: &Config, as_of: &str, sql: &str) -> Vec<Vec<String>> {
    let ctx = crate::common::workspace(data_dir, config)
        .context_as_is(&shape::QueryOptions::at(Some(as_of.to_string())))
        .await
        .unwrap();
    rows(&run_sql(&ctx, sql).await.unwrap())
}

fn week(incidents: bool) -> GenOptions {
    GenOptions {
        days: 7,
        events: 300_000,
        incidents,
        ..GenOptions::default()
    }
}

/// The anomaly kind that names each injected incident kind (a throttling storm is a surge of
/// one hot operation).
fn expected_kind(incident_kind: &str) -> &str {
    match incident_kind {
        "throttling_storm" => "traffic_surge",
        other => other,
    }
}

const ANOMALY_SQL: &str = "SELECT anomaly_id, component, operation, kind, severity, \
    to_char(window_start, '%Y-%m-%dT%H:%M:%SZ'), to_char(window_end, '%Y-%m-%dT%H:%M:%SZ') \
    FROM anomalies ORDER BY window_start, anomaly_id";

/// An anomaly explains an incident when it is on the incident's component and overlaps its
/// window, give or take one bucket (anomalies start and end on 15-minute boundaries).
fn overlaps(anomaly: &[String], incident: &shape::generate::Incident) -> bool {
    let t = |s: &str| chrono::DateTime::parse_from_rfc3339(s).unwrap().timestamp();
    let slack = 15 * 60;
    anomaly[1] == incident.component
        && t(&anomaly[5]) < t(&incident.end) + slack
        && t(&anomaly[6]) > t(&incident.start) - slack
}

fn score(anomalies: &[Vec<String>], truth: &GroundTruth) -> (f64, f64) {
    let true_positives = anomalies
        .iter()
        .filter(|a| truth.incidents.iter().any(|i| overlaps(a, i)))
        .count();
    let found = truth
        .incidents
        .iter()
        .filter(|i| {
            anomalies
                .iter()
                .any(|a| overlaps(a, i) && a[3] == expected_kind(i.kind))
        })
        .count();
    let precision = true_positives as f64 / anomalies.len().max(1) as f64;
    let recall = found as f64 / truth.incidents.len() as f64;
    (precision, recall)
}

#[tokio::test(flavor = "multi_thread")]
async fn injected_incidents_are_found_with_their_kind_and_evidence() {
    let config = shape_config();
    let (logs, data, truth) = generated_and_ingested(&config, &week(true)).await;
    let anomalies = detect_rows(data.path(), &config, &truth.end, ANOMALY_SQL).await;
    let (precision, recall) = score(&anomalies, &truth);
    println!(
        "detection on 7 generated days ({} events, {} incidents): {} anomalies, precision {precision:.3}, recall {recall:.3}",
        truth.events,
        truth.incidents.len(),
        anomalies.len()
    );
    for a in &anomalies {
        println!("  {a:?}");
    }
    for incident in &truth.incidents {
        assert!(
            anomalies
                .iter()
                .any(|a| overlaps(a, incident) && a[3] == expected_kind(incident.kind)),
            "incident {} ({} on {}) not found as {}",
            incident.id,
            incident.kind,
            incident.component,
            expected_kind(incident.kind)
        );
    }
    assert!(precision >= 0.9, "precision {precision}");
    assert!(recall >= 0.9, "recall {recall}");

    // Single-component incidents stay one incident each, first suspect at their component.
    let incidents = detect_rows(
        data.path(),
        &config,
        &truth.end,
        "SELECT incident_id, cause_component, CAST(onset AS VARCHAR) AS began, CAST(window_end AS VARCHAR) AS ended \
         FROM incidents ORDER BY onset",
    )
    .await;
    assert_eq!(incidents.len(), truth.incidents.len(), "{incidents:?}");
    for (found, injected) in incidents.iter().zip(&truth.incidents) {
        assert_eq!(found[1], injected.component, "{found:?} for {injected:?}");
        let overlapping = found[2].replace(' ', "T") < injected.end
            && found[3].replace(' ', "T") > injected.start.replace('Z', "");
        assert!(overlapping, "{found:?} for {injected:?}");
    }

    // Every anomaly has evidence, and every piece of evidence is the source line it claims.
    let evidence = detect_rows(
        data.path(),
        &config,
        &truth.end,
        "SELECT subject_id, _source, _line, _offset, message FROM lineage \
         WHERE subject_kind = 'anomaly' ORDER BY _source, _line",
    )
    .await;
    for a in &anomalies {
        assert!(
            evidence.iter().any(|e| e[0] == a[0]),
            "anomaly {a:?} has no lineage"
        );
    }
    let mut current: Option<(String, Vec<u8>, Vec<u64>)> = None;
    for e in &evidence {
        if current.as_ref().is_none_or(|(s, _, _)| s != &e[1]) {
            let bytes = decompressed(Path::new(e[1].trim_start_matches("file://")));
            let starts = line_starts(&bytes);
            current = Some((e[1].clone(), bytes, starts));
        }
        let (_, bytes, starts) = current.as_ref().unwrap();
        let (line, offset): (usize, u64) = (e[2].parse().unwrap(), e[3].parse().unwrap());
        assert_eq!(starts[line - 1], offset, "{e:?}");
        let end = bytes[offset as usize..]
            .iter()
            .position(|b| *b == b'\n')
            .map_or(bytes.len(), |p| offset as usize + p);
        let raw = String::from_utf8_lossy(&bytes[offset as usize..end]);
        assert!(raw.contains(&e[4]), "{e:?}: line reads {raw}");
    }
    println!(
        "lineage: {} evidence lines checked against their sources",
        evidence.len()
    );

    // Root causes point at real lines too, and every anomaly gets a recommendation.
    let fixes = detect_rows(
        data.path(),
        &config,
        &truth.end,
        "SELECT subject_id, rule_id, benefit_score FROM fix_recommendations WHERE subject_kind = 'anomaly'",
    )
    .await;
    assert_eq!(fixes.len(), anomalies.len(), "{fixes:?}");
    let regression = anomalies
        .iter()
        .find(|a| a[3] == "latency_regression")
        .unwrap();
    let rule = &fixes.iter().find(|f| f[0] == regression[0]).unwrap()[1];
    assert_eq!(
        rule, "rollback-deploy",
        "the regression starts at a deploy marker"
    );
    drop(logs);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_incident_free_week_raises_nothing_critical_or_high() {
    let config = shape_config();
    let (_logs, data, truth) = generated_and_ingested(&config, &week(false)).await;
    let anomalies = detect_rows(data.path(), &config, &truth.end, ANOMALY_SQL).await;
    let serious: Vec<_> = anomalies
        .iter()
        .filter(|a| a[4] == "CRITICAL" || a[4] == "HIGH")
        .collect();
    println!(
        "incident-free week ({} events): {} anomalies, {} CRITICAL or HIGH: {anomalies:?}",
        truth.events,
        anomalies.len(),
        serious.len()
    );
    assert!(serious.is_empty(), "{serious:?}");
    let incidents = detect_rows(
        data.path(),
        &config,
        &truth.end,
        "SELECT incident_id, severity, components FROM incidents WHERE severity <> 'LOW'",
    )
    .await;
    assert!(incidents.is_empty(), "{incidents:?}");
}

/// Checks every hash join of `plan` (EXPLAIN's indented text) that matches times to windows
/// (`ts@` in its filter): its first input, the build side it holds in memory, scans no
/// `events`. Returns how many such joins it checked.
fn window_joins_build_on_windows(plan: &str) -> usize {
    let indent = |line: &str| line.len() - line.trim_start().len();
    let lines: Vec<&str> = plan.lines().collect();
    let mut checked = 0;
    for (i, line) in lines.iter().enumerate() {
        let Some(filter) = line.split_once("filter=").map(|(_, f)| f) else {
            continue;
        };
        let on_ts = filter
            .split(|c: char| !(c.is_alphanumeric() || c == '_' || c == '@'))
            .any(|word| word.starts_with("ts@"));
        if !line.contains("HashJoinExec") || !on_ts {
            continue;
        }
        let child = indent(line) + 2;
        let build: Vec<&&str> = lines[i + 2..]
            .iter()
            .take_while(|l| indent(l) > child)
            .chain(std::iter::once(&lines[i + 1]))
            .collect();
        assert!(
            !build.iter().any(|l| l.contains("/events/")),
            "a hash join builds on the events: {line}\n{build:?}"
        );
        checked += 1;
    }
    checked
}

#[test]
fn detect_and_trace_from_the_command_line() {
    // A copy of the sample: this test changes and removes source files.
    let dir = tempfile::tempdir().unwrap();
    let sample = dir.path().join("sample");
    std::fs::create_dir(&sample).unwrap();
    let repo_sample = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample");
    for entry in std::fs::read_dir(&repo_sample).unwrap() {
        let path = entry.unwrap().path();
        if path
            .file_name()
            .unwrap()
            .to_string_lossy()
            .starts_with("renderx-web-")
        {
            std::fs::copy(&path, sample.join(path.file_name().unwrap())).unwrap();
        }
    }
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/data/shape.toml");
    let shape = |args: &[&str]| {
        let mut all = vec!["--config", config, "--data-dir", &data];
        all.extend_from_slice(args);
        run_shape(dir.path(), &all, &[])
    };
    let out = shape(&["ingest", &sample.to_string_lossy()]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let as_of = "2025-11-17T00:00:00Z";
    let out = shape(&["detect", "--as-of", as_of]);
    let report = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        report.contains("race_condition plugin-host/invokePlugin"),
        "{report}"
    );
    assert!(report.contains("fix (rollback-deploy)"), "{report}");
    // Grouped by incident, the regression's first.
    let heading = report.lines().find(|l| l.starts_with("== INCIDENT"));
    assert!(heading.is_some(), "{report}");

    // The views that match events to anomaly windows, as psql or the dashboard read them (no
    // snapshot): the events are read for the lookback only, and the hash join holds the
    // windows in memory, not the events (a build on the events took 24 GB at 100 M events).
    // The planner swaps join sides only by statistics, which views lack at scale; here the
    // events are small enough to be known smaller, so the order the SQL gives is checked
    // with swapping off.
    for view in ["anomaly_links", "root_cause_candidates"] {
        let sql = format!(
            "SET datafusion.optimizer.join_reordering = false; EXPLAIN SELECT * FROM {view}"
        );
        let out = shape(&["query", "--format", "csv", "--as-of", as_of, &sql]);
        let plan = text(&out.stdout);
        assert!(out.status.success(), "{}", text(&out.stderr));
        assert!(window_joins_build_on_windows(&plan) >= 1, "{view}: {plan}");
        assert!(
            plan.lines().any(|l| l.contains("DataSourceExec")
                && l.contains("/events/")
                && l.contains("predicate=ts@")),
            "{view}: the events are read without a time bound: {plan}"
        );
    }
    let id = report
        .lines()
        // the anomaly's own line (its incident's heading names it as a suspect too)
        .find(|l| l.contains("latency_regression canvas/renderFrame") && l.ends_with(']'))
        .and_then(|l| l.rsplit('[').next())
        .map(|s| s.trim_end_matches(']').to_string())
        .expect("the regression is reported");

    let trace = |id: &str| shape(&["trace", id, "--as-of", as_of, "--limit", "5"]);
    let out = trace(&id);
    let printed = text(&out.stdout);
    assert!(out.status.success(), "{}{printed}", text(&out.stderr));
    assert!(printed.contains("renderx-web-"), "{printed}");
    assert!(
        printed.contains("\"operation\":\"renderFrame\""),
        "{printed}"
    );

    // A changed source and a vanished one are said, not glossed over.
    let traced_file = printed
        .lines()
        .find_map(|l| l.split_once(".jsonl:").map(|(p, _)| format!("{p}.jsonl")))
        .unwrap();
    let original = std::fs::read(&traced_file).unwrap();
    let mut changed = original.clone();
    changed[10] = b'X';
    std::fs::write(&traced_file, &changed).unwrap();
    let out = trace(&id);
    let restored = std::fs::write(&traced_file, &original);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stdout));
    assert!(
        text(&out.stdout).contains("CHANGED since ingest"),
        "{}",
        text(&out.stdout)
    );
    restored.unwrap();

    std::fs::remove_file(&traced_file).unwrap();
    let out = trace(&id);
    std::fs::write(&traced_file, &original).unwrap();
    assert_eq!(out.status.code(), Some(3));
    assert!(
        text(&out.stdout).contains("VANISHED since ingest"),
        "{}",
        text(&out.stdout)
    );

    let out = trace(&id);
    assert!(out.status.success());
    let unknown = trace("0000000000000000");
    crate::common::assert_failed_with(&unknown, "no anomaly or breach has id");
}

/// The detect views read per-minute rollups: on the generated week they give what the same
/// views computed straight from events give (counts exactly), and `sli_metrics` percentiles
/// from merged sketches are within the sketch's 1% of the exact ones.
#[tokio::test(flavor = "multi_thread")]
async fn detection_rollups_give_what_raw_events_give() {
    let config = shape_config();
    let (_logs, data, truth) = generated_and_ingested(&config, &week(true)).await;
    let ws = crate::common::workspace(data.path(), &config);
    let at = shape::QueryOptions::at(Some(truth.end.clone()));
    let (rolled, written) = ws.context_and_rollups(&at).await.unwrap();
    assert_eq!(written.detect.runs, 1, "{written:?}");
    assert!(written.detect.rows > 1000, "{written:?}");
    let (_, again) = ws.context_and_rollups(&at).await.unwrap();
    assert_eq!(again.detect.runs, 0, "a run is rolled up once: {again:?}");
    let raw_options = shape::QueryOptions {
        minutes_source: shape::workspace::MinutesSource::RawEvents,
        ..at.clone()
    };
    let raw = ws.context_as_is(&raw_options).await.unwrap();
    // Not yet rolled up counts as raw: a context over the data as it is reads the same.
    let q = |ctx: datafusion::prelude::SessionContext, sql: &'static str| async move {
        let mut got = rows(&run_sql(&ctx, sql).await.unwrap());
        got.sort();
        got
    };
    const BUCKETS: &str =
        "SELECT component, operation, bucket, coalesce(template, '-'), events, errors, \
        slow, timed, round(log_latency_sum, 4) FROM anomaly_buckets";
    let from_rollups = q(rolled.clone(), BUCKETS).await;
    assert!(from_rollups.len() > 1000, "{}", from_rollups.len());
    assert_eq!(from_rollups, q(raw.clone(), BUCKETS).await);
    let anomalies = q(rolled.clone(), ANOMALY_SQL).await;
    assert!(!anomalies.is_empty());
    assert_eq!(anomalies, q(raw.clone(), ANOMALY_SQL).await);
    // `shape detect`'s context: anomalies computed once, evidence read only in their windows.
    let snapshot = shape::QueryOptions {
        snapshot_detection: true,
        ..at.clone()
    };
    let snapshot = ws.context(&snapshot).await.unwrap();
    const CAUSES: &str = "SELECT subject_id, rank, operation, template, round(lift, 4), events, \
        sample_source, sample_line FROM root_causes";
    let causes = q(rolled.clone(), CAUSES).await;
    assert!(!causes.is_empty());
    assert_eq!(causes, q(snapshot, CAUSES).await);

    // Percentiles: the three busiest 5-minute buckets of one component, against the exact
    // nearest-rank values of their events.
    let metrics = q(
        rolled,
        "SELECT to_char(time, '%Y-%m-%dT%H:%M:%SZ'), component, requests, p50_ms, p95_ms, p99_ms \
         FROM sli_metrics WHERE component = 'canvas' ORDER BY requests DESC, time LIMIT 3",
    )
    .await;
    assert_eq!(metrics.len(), 3);
    for row in metrics {
        let sql = format!(
            "SELECT duration_ms FROM events WHERE component = 'canvas' AND duration_ms IS NOT NULL \
             AND date_bin(INTERVAL '5 minutes', ts, TIMESTAMP '1970-01-01T00:00:00Z') = TIMESTAMP '{}'",
            row[0]
        );
        let mut durations: Vec<f64> = rows(&run_sql(&raw, &sql).await.unwrap())
            .iter()
            .map(|r| r[0].parse().unwrap())
            .collect();
        durations.sort_by(f64::total_cmp);
        assert_eq!(durations.len().to_string(), row[2], "{row:?}");
        for (q, got) in [(0.5, &row[3]), (0.95, &row[4]), (0.99, &row[5])] {
            let got: f64 = got.parse().unwrap();
            let rank = q * (durations.len() - 1) as f64;
            let (low, high) = (
                durations[rank.floor() as usize],
                durations[rank.ceil() as usize],
            );
            assert!(
                got >= low * 0.99 && got <= high * 1.01,
                "{row:?} q={q}: {got} outside [{low}, {high}] +- 1%"
            );
        }
    }
}
