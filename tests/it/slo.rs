//! SLOs on generated data: incidents that burn budget show up as breaches, a quiet period
//! shows none, rollups equal raw events (also after growth and a rebuild), definitions fail
//! clearly, and OpenSLO YAML maps onto the same machinery.

use std::path::Path;

use shape::config::Config;
use shape::generate::GenOptions;
use shape::query::run_sql;
use shape::slo::{load_slos, rollup};
use shape::storage::DataStore;

use crate::common::{generated_and_ingested, ingest_into, rows, workspace};

fn example_config() -> Config {
    Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml")).unwrap()
}

async fn context_at(
    data: &Path,
    config: &Config,
    as_of: &str,
) -> (DataStore, datafusion::prelude::SessionContext) {
    let ws = workspace(data, config);
    let ctx = ws
        .context_as_is(&shape::QueryOptions::at(Some(as_of.to_string())))
        .await
        .unwrap();
    (ws.store().clone(), ctx)
}

/// A catch-up as the workspace makes one: from the stored watermarks, which it moves on.
async fn catch_up(
    store: &DataStore,
    ctx: &datafusion::prelude::SessionContext,
    slos: &[shape::slo::SloDefinition],
) -> rollup::RollupReport {
    let mut marks = store.rollup_watermarks().await.unwrap();
    let report = rollup::catch_up(store, ctx, slos, &mut marks)
        .await
        .unwrap();
    store.save_rollup_watermarks(&marks).await.unwrap();
    report
}

async fn sql(ctx: &datafusion::prelude::SessionContext, text: &str) -> Vec<Vec<String>> {
    rows(&run_sql(ctx, text).await.unwrap())
}

#[tokio::test(flavor = "multi_thread")]
async fn incidents_breach_and_quiet_periods_do_not() {
    let config = example_config();
    let slos = load_slos(&config).unwrap();
    assert_eq!(
        slos.len(),
        31,
        "six components x five SLIs, plus one operation-level SLO"
    );

    let (_logs, data, truth) = generated_and_ingested(
        &config,
        &GenOptions {
            days: 2,
            events: 120_000,
            ..GenOptions::default()
        },
    )
    .await;
    let (store, ctx) = context_at(data.path(), &config, &truth.end).await;
    let report = catch_up(&store, &ctx, &slos).await;
    assert_eq!(report.pairs, 31);

    // Rollups equal the raw computation, minute by minute, for every SLO.
    let diff = sql(&ctx, "SELECT count(*) FROM ( \
        (SELECT slo_id, minute, good, total FROM slo_minutes EXCEPT SELECT slo_id, minute, good, total FROM slo_minutes_raw) \
        UNION ALL \
        (SELECT slo_id, minute, good, total FROM slo_minutes_raw EXCEPT SELECT slo_id, minute, good, total FROM slo_minutes))").await;
    assert_eq!(diff[0][0], "0");

    // Each incident that burns error or latency budget is a breach of its component soon after
    // it starts; traffic drops burn no error budget (the anomaly layer finds them).
    for incident in truth.incidents.iter().filter(|i| i.kind != "traffic_drop") {
        let start = chrono::DateTime::parse_from_rfc3339(&incident.start).unwrap();
        let as_of = (start + chrono::Duration::minutes(30)).to_rfc3339();
        let (_, ctx) = context_at(data.path(), &config, &as_of).await;
        let breaches = sql(&ctx, &format!(
            "SELECT slo_id, kind, severity FROM slo_breaches WHERE component = '{}' AND kind = 'burn_rate'", incident.component)).await;
        assert!(
            !breaches.is_empty(),
            "{} ({} {}) at {as_of}: no burn-rate breach",
            incident.kind,
            incident.component,
            incident.operation
        );
    }

    // Before the first incident, nothing breaches, at many evaluation times.
    let first = truth
        .incidents
        .iter()
        .map(|i| i.start.clone())
        .min()
        .unwrap();
    let first = chrono::DateTime::parse_from_rfc3339(&first).unwrap();
    for hours in [2, 4, 6] {
        let as_of =
            (first - chrono::Duration::hours(hours) + chrono::Duration::minutes(1)).to_rfc3339();
        let (_, ctx) = context_at(data.path(), &config, &as_of).await;
        let breaches = sql(&ctx, "SELECT slo_id, kind FROM slo_breaches").await;
        assert!(breaches.is_empty(), "quiet period at {as_of}: {breaches:?}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn incident_free_days_have_no_breaches() {
    let config = example_config();
    let (_logs, data, truth) = generated_and_ingested(
        &config,
        &GenOptions {
            days: 3,
            events: 150_000,
            incidents: false,
            ..GenOptions::default()
        },
    )
    .await;
    let start = chrono::DateTime::parse_from_rfc3339(&truth.start).unwrap();
    // From the first full day on: a 30-day SLO over a few night hours of a quiet component
    // (theme: ~300 events) is too young to judge (see README, "SLOs").
    for hours in (24..=72).step_by(12) {
        let as_of = (start + chrono::Duration::hours(hours)).to_rfc3339();
        let (store, ctx) = context_at(data.path(), &config, &as_of).await;
        catch_up(&store, &ctx, &load_slos(&config).unwrap()).await;
        let breaches = sql(
            &ctx,
            "SELECT slo_id, kind, severity, tier, burn_rate FROM slo_breaches",
        )
        .await;
        assert!(breaches.is_empty(), "at {as_of}: {breaches:?}");
        let statuses = sql(&ctx, "SELECT DISTINCT status FROM slo_status").await;
        assert!(
            statuses.iter().all(|s| s[0] == "OK" || s[0] == "WARNING"),
            "{statuses:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn rollups_follow_growth_rebuild_and_definition_changes() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.jsonl");
    let line = |i: u32, outcome: &str| {
        format!("{{\"ts\":\"2025-11-20T10:{:02}:{:02}Z\",\"component\":\"web\",\"outcome\":\"{outcome}\",\"duration_ms\":{i}}}\n", i / 60, i % 60)
    };
    std::fs::write(
        &file,
        (0..100)
            .map(|i| line(i, if i % 10 == 0 { "error" } else { "ok" }))
            .collect::<String>(),
    )
    .unwrap();
    let config_path = dir.path().join("shape.toml");
    let write_config = |threshold: u32| {
        std::fs::write(&config_path, format!(
            "[[slo]]\nid = \"web-avail\"\ncomponent = \"web\"\nsli = \"availability\"\nobjective = 0.99\n\n\
             [[slo]]\nid = \"web-latency\"\ncomponent = \"web\"\nsli = \"latency\"\nthreshold_ms = {threshold}\nobjective = 0.9\n")).unwrap();
        Config::load(&config_path).unwrap()
    };
    let config = write_config(49);
    let sources = [file.to_string_lossy().into_owned()];
    let status = |config: Config| {
        let data = data.path().to_path_buf();
        async move {
            let (store, ctx) = context_at(&data, &config, "2025-11-21T00:00:00Z").await;
            let report = catch_up(&store, &ctx, &load_slos(&config).unwrap()).await;
            (
                report,
                sql(
                    &ctx,
                    "SELECT slo_id, good, total FROM slo_status ORDER BY slo_id",
                )
                .await,
            )
        }
    };
    ingest_into(data.path(), &config, &sources).await;
    let (report, first) = status(config.clone()).await;
    assert_eq!(report.pairs, 2);
    assert_eq!(
        first,
        vec![
            vec!["web-avail", "90", "100"],
            vec!["web-latency", "50", "100"]
        ]
    );
    let (again, _) = status(config.clone()).await;
    assert_eq!(again.pairs, 0, "nothing to redo");

    // Growth: the new run's minutes add to the old ones (same minutes too).
    let mut text = std::fs::read_to_string(&file).unwrap();
    text.push_str(&(100..120).map(|i| line(i, "ok")).collect::<String>());
    text.push_str(&line(5, "error")); // late event in an old minute
    std::fs::write(&file, text).unwrap();
    ingest_into(data.path(), &config, &sources).await;
    let (report, grown) = status(config.clone()).await;
    assert_eq!(report.pairs, 2, "only the new run");
    assert_eq!(
        grown,
        vec![
            vec!["web-avail", "110", "121"],
            vec!["web-latency", "51", "121"]
        ]
    );

    // A changed definition gets new rollups; the old ones are ignored, not mixed in.
    let changed = write_config(99);
    let (report, after) = status(changed.clone()).await;
    assert_eq!(report.pairs, 2, "web-latency for both runs");
    assert_eq!(after[1], vec!["web-latency", "101", "121"]);

    // Rebuild from scratch gives the same answer.
    let (store, ctx) = context_at(data.path(), &changed, "2025-11-21T00:00:00Z").await;
    let mut marks = store.rollup_watermarks().await.unwrap();
    let rebuilt = rollup::rebuild(&store, &ctx, &load_slos(&changed).unwrap(), &mut marks)
        .await
        .unwrap();
    assert_eq!(rebuilt.pairs, 4);
    assert_eq!(
        sql(
            &ctx,
            "SELECT slo_id, good, total FROM slo_status ORDER BY slo_id"
        )
        .await,
        after
    );
}

/// A catch-up rolls up under the writer lock: while another writer holds it the rollups are
/// deferred (the detect views then read the new run from events), and afterwards the
/// watermarks stand at the newest run, which a new run's id always sorts after, even when a
/// watermark is ahead of the clock.
#[tokio::test(flavor = "multi_thread")]
async fn rollups_wait_for_the_writer_and_new_runs_sort_after_the_watermarks() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.jsonl");
    let lines = |from: u32, to: u32| {
        (from..to)
            .map(|i| format!("{{\"ts\":\"2025-11-20T10:{:02}:00Z\",\"component\":\"web\",\"outcome\":\"{}\",\"duration_ms\":5}}\n", i % 60, if i % 4 == 0 { "error" } else { "ok" }))
            .collect::<String>()
    };
    std::fs::write(&file, lines(0, 40)).unwrap();
    let config_path = dir.path().join("shape.toml");
    std::fs::write(
        &config_path,
        "[[slo]]\nid = \"web-avail\"\ncomponent = \"web\"\nsli = \"availability\"\nobjective = 0.99\n",
    )
    .unwrap();
    let config = Config::load(&config_path).unwrap();
    let ws = workspace(data.path(), &config);
    let sources = [file.to_string_lossy().into_owned()];
    let (first, _) = ws.ingest(&sources, None, false).await.unwrap();
    let at = shape::QueryOptions::at(Some("2025-11-21T00:00:00Z".to_string()));
    let totals = |ctx: datafusion::prelude::SessionContext| async move {
        let status = sql(&ctx, "SELECT good, total FROM slo_status").await;
        let events = sql(&ctx, "SELECT sum(events) FROM detect_minutes").await;
        (status[0].clone(), events[0][0].clone())
    };

    let writer = ws.store().lock_for_writing().await.unwrap();
    let (ctx, deferred) = ws.context_and_rollups(&at).await.unwrap();
    assert!(deferred.deferred, "{deferred:?}");
    assert_eq!((deferred.slo.pairs, deferred.detect.runs), (0, 0));
    assert_eq!(deferred.detect_unrolled, vec![first.ingest_id.clone()]);
    assert_eq!(
        totals(ctx).await.1,
        "40",
        "detect views read the run from events"
    );
    writer.release().await.unwrap();

    let (ctx, rolled) = ws.context_and_rollups(&at).await.unwrap();
    assert!(!rolled.deferred);
    assert_eq!((rolled.slo.pairs, rolled.detect.runs), (1, 1));
    assert_eq!(
        totals(ctx).await,
        (vec!["30".into(), "40".into()], "40".into())
    );
    let marks = ws.store().rollup_watermarks().await.unwrap();
    let hash = shape::detect::rollup::settings_hash(ws.detection(), ws.slos());
    assert_eq!(
        marks.through("detect_rollups", &hash),
        Some(first.ingest_id.as_str())
    );
    assert_eq!(marks.newest(), Some(first.ingest_id.as_str()));

    // A watermark ahead of this machine's clock (another writer's clock ran fast).
    let ahead = "29991231T235959999999Z-00000000";
    let mut marks = marks;
    marks.advance("detect_rollups", &hash, ahead);
    ws.store().save_rollup_watermarks(&marks).await.unwrap();
    std::fs::write(&file, lines(0, 60)).unwrap();
    let (second, _) = ws.ingest(&sources, None, false).await.unwrap();
    assert!(second.ingest_id.as_str() > ahead, "{}", second.ingest_id);
    let (ctx, rolled) = ws.context_and_rollups(&at).await.unwrap();
    assert_eq!((rolled.slo.pairs, rolled.detect.runs), (1, 1));
    assert_eq!(
        totals(ctx).await,
        (vec!["45".into(), "60".into()], "60".into())
    );
}

#[test]
fn bad_definitions_name_file_line_and_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shape.toml");
    let check = |text: &str, expect: &[&str]| {
        std::fs::write(&path, text).unwrap();
        let config = Config::load(&path).unwrap();
        let err = load_slos(&config).unwrap_err().to_string();
        for e in expect {
            assert!(err.contains(e), "{err:?} lacks {e:?}");
        }
    };
    check(
        "[[slo]]\ncomponent = \"a\"\nsli = \"availability\"\nobjective = 99.9\n",
        &[
            "shape.toml",
            "line 4",
            "slo[0].objective",
            "objective_percent",
        ],
    );
    check("[[slo]]\ncomponent = \"a\"\nsli = \"availability\"\nobjective = 0.9\n\n[[slo]]\ncomponent = \"b\"\nsli = \"latency\"\nobjective = 0.9\n",
          &["line 6", "slo[1].threshold_ms"]);
    check("[[slo]]\ncomponent = \"a\"\nsli = \"availability\"\nobjective = 0.9\ncalendar = \"month\"\ntimezone = \"Mars/Olympus\"\n",
          &["line 6", "timezone", "IANA"]);
    check(
        "[[slo]]\ncomponent = \"a\"\nsli = \"speed\"\nobjective = 0.9\n",
        &["line 3", "slo[0].sli", "unknown SLI"],
    );
}

#[test]
fn openslo_yaml_maps_onto_events() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("slos.yaml"),
        r#"apiVersion: openslo/v1
kind: SLI
metadata:
  name: saves-ok
spec:
  ratioMetric:
    counter: true
    good:
      metricSource:
        type: shape
        spec:
          query: "outcome = 'ok' AND operation = 'saveItem'"
    total:
      metricSource:
        type: shape
        spec:
          query: "operation = 'saveItem'"
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: library-saves
  labels:
    component: library
spec:
  service: renderx-web
  indicatorRef: saves-ok
  timeWindow:
    - duration: 1M
      isRolling: false
      calendar:
        startTime: "2025-01-01 00:00:00"
        timeZone: Europe/Paris
  budgetingMethod: Timeslices
  objectives:
    - displayName: Good
      target: 0.99
      timeSliceTarget: 0.95
      timeSliceWindow: 5m
---
apiVersion: openslo/v1
kind: SLO
metadata:
  name: canvas-fast
  labels:
    component: canvas
spec:
  service: renderx-web
  indicator:
    metadata:
      name: canvas-latency
    spec:
      thresholdMetric:
        metricSource:
          type: shape
  timeWindow:
    - duration: 28d
      isRolling: true
  budgetingMethod: Occurrences
  objectives:
    - op: lte
      value: 250
      targetPercent: 95
"#,
    )
    .unwrap();
    std::fs::write(
        dir.path().join("shape.toml"),
        "slo_files = [\"slos.yaml\"]\n",
    )
    .unwrap();
    let config = Config::load(&dir.path().join("shape.toml")).unwrap();
    let slos = load_slos(&config).unwrap();
    assert_eq!(slos.len(), 2);
    let saves = &slos[0];
    assert_eq!(
        (
            saves.slo_id.as_str(),
            saves.component.as_str(),
            saves.objective
        ),
        ("library-saves", "library", 0.99)
    );
    assert_eq!(saves.budgeting, shape::slo::Budgeting::Timeslices);
    assert_eq!(
        (saves.timeslice_seconds, saves.timeslice_target),
        (300, 0.95)
    );
    assert_eq!(
        saves.window,
        shape::slo::SloWindow::Calendar {
            unit: "month".into(),
            timezone: "Europe/Paris".into()
        }
    );
    assert!(saves.good_sql().contains("saveItem"));
    let fast = &slos[1];
    assert_eq!(
        (
            fast.sli,
            fast.threshold_ms,
            fast.objective,
            fast.tier_catalog.as_str()
        ),
        (shape::slo::SliKind::Latency, Some(250.0), 0.95, "28d")
    );

    // A broken document names its file, line and field.
    std::fs::write(dir.path().join("slos.yaml"), "apiVersion: openslo/v1\nkind: SLO\nmetadata:\n  name: x\nspec:\n  service: web\n  indicatorRef: nope\n  timeWindow:\n    - duration: 30d\n  budgetingMethod: Occurrences\n  objectives:\n    - target: 0.9\n").unwrap();
    let err = load_slos(&config).unwrap_err().to_string();
    assert!(
        err.contains("slos.yaml") && err.contains("line 7") && err.contains("indicatorRef"),
        "{err}"
    );
}

/// Keeps the first six columns and the rows without an hour of every SLO rollup file, and
/// forgets that hour rows were stored: a data dir as versions before hour rows wrote it.
fn strip_hour_rows(data: &Path) {
    use datafusion::arrow::compute::{filter_record_batch, is_null};
    use datafusion::parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
    use datafusion::parquet::arrow::ArrowWriter;
    let mut files = vec![data.join("slo_rollups")];
    while let Some(path) = files.pop() {
        if path.is_dir() {
            files.extend(std::fs::read_dir(&path).unwrap().map(|e| e.unwrap().path()));
            continue;
        }
        let reader = ParquetRecordBatchReaderBuilder::try_new(std::fs::File::open(&path).unwrap())
            .unwrap()
            .build()
            .unwrap();
        let batches: Vec<_> = reader
            .map(|batch| {
                let batch = batch.unwrap();
                let minute_rows = is_null(batch.column_by_name("hour").unwrap()).unwrap();
                filter_record_batch(&batch, &minute_rows)
                    .unwrap()
                    .project(&[0, 1, 2, 3, 4, 5])
                    .unwrap()
            })
            .collect();
        let mut writer = ArrowWriter::try_new(
            std::fs::File::create(&path).unwrap(),
            batches[0].schema(),
            None,
        )
        .unwrap();
        for batch in &batches {
            writer.write(batch).unwrap();
        }
        writer.close().unwrap();
    }
    let marks = data.join("_rollup_watermarks.json");
    let mut json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&marks).unwrap()).unwrap();
    json.as_object_mut().unwrap().remove("slo_hours");
    std::fs::write(&marks, serde_json::to_vec(&json).unwrap()).unwrap();
}

/// Rollups written before hour rows existed: the views make the hours from the minutes until
/// a catch-up stores them (once), and every SLO figure is the same all along, also at an
/// `as_of` inside a minute, whose windows cut through hours at both ends.
#[tokio::test(flavor = "multi_thread")]
async fn rollups_without_hour_rows_get_them_once_and_answer_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let data = tempfile::tempdir().unwrap();
    let file = dir.path().join("app.jsonl");
    let line = |i: u32| {
        let outcome = if i.is_multiple_of(7) || (300..340).contains(&i) {
            "error"
        } else {
            "ok"
        };
        let (minute, second) = (i / 3, i % 3 * 20);
        format!(
            "{{\"ts\":\"2025-11-20T{:02}:{:02}:{second:02}Z\",\"component\":\"web\",\"outcome\":\"{outcome}\",\"duration_ms\":{}}}\n",
            8 + minute / 60,
            minute % 60,
            i % 90
        )
    };
    let config_path = dir.path().join("shape.toml");
    std::fs::write(
        &config_path,
        "[[slo]]\nid = \"avail\"\ncomponent = \"web\"\nsli = \"availability\"\nobjective = 0.9\nwindow = \"2h\"\n\n\
         [[slo]]\nid = \"fast\"\ncomponent = \"web\"\nsli = \"latency\"\nthreshold_ms = 60\nobjective = 0.5\n\
         budgeting = \"timeslices\"\ntimeslice = \"5m\"\ntimeslice_target = 0.6\nwindow = \"3h\"\n\n\
         [[slo]]\nid = \"month\"\ncomponent = \"web\"\nsli = \"availability\"\nobjective = 0.95\nwindow = \"30d\"\n",
    )
    .unwrap();
    let config = Config::load(&config_path).unwrap();
    let ws = workspace(data.path(), &config);
    let sources = [file.to_string_lossy().into_owned()];
    // two runs rolled up one after the other, the second adding to hours of the first
    for lines in [400, 700] {
        std::fs::write(&file, (0..lines).map(line).collect::<String>()).unwrap();
        ws.ingest(&sources, None, false).await.unwrap();
        ws.context(&shape::QueryOptions::default()).await.unwrap();
    }

    let as_ofs = [
        "2025-11-20T10:17:30.25Z",
        "2025-11-20T11:00:00Z",
        "2025-11-20T09:59:59.999999Z",
    ];
    let figures = |ctx: datafusion::prelude::SessionContext| async move {
        let mut out = sql(
            &ctx,
            "SELECT slo_id, good, total, sli_value, status FROM slo_status ORDER BY slo_id",
        )
        .await;
        out.extend(sql(&ctx, "SELECT slo_id, tier, short_events, short_bad_events, long_events, long_bad_events \
                              FROM slo_burn_alerts ORDER BY slo_id, tier").await);
        out.extend(
            sql(
                &ctx,
                "SELECT slo_id, slice, good, total FROM slo_slices ORDER BY slo_id, slice",
            )
            .await,
        );
        out
    };
    let stored_hours = "SELECT count(*) FROM slo_rollups WHERE hour IS NOT NULL";
    let mut before = Vec::new();
    for as_of in as_ofs {
        let at = shape::QueryOptions::at(Some(as_of.to_string()));
        let ctx = ws.context_as_is(&at).await.unwrap();
        // the occurrences SLOs' counts as their minutes give them
        let by_minutes = sql(
            &ctx,
            "SELECT w.slo_id, sum(r.good), sum(r.total) FROM slo_windows w \
             JOIN slo_rollup_rows r ON r.slo_id = w.slo_id AND r.definition_hash = w.rollup_hash \
             WHERE r.minute >= w.window_start AND r.minute < w.window_end AND w.budgeting = 'occurrences' \
             GROUP BY 1 ORDER BY 1",
        )
        .await;
        // every SLO's slices as its minutes give them (slo_slices adds up hours' parts)
        let slices_by_minutes = sql(
            &ctx,
            "SELECT slo_id, slice, sum(good), sum(total), min(minute) FROM slo_window_minutes \
             GROUP BY 1, 2 ORDER BY 1, 2",
        )
        .await;
        assert!(slices_by_minutes.len() > 3, "{slices_by_minutes:?}");
        assert_eq!(
            sql(
                &ctx,
                "SELECT slo_id, slice, good, total, first_minute FROM slo_slices ORDER BY 1, 2"
            )
            .await,
            slices_by_minutes,
            "at {as_of}"
        );
        let figures = figures(ctx).await;
        let by_hours: Vec<Vec<String>> = figures[..3]
            .iter()
            .filter(|row| row[0] != "fast")
            .map(|row| row[..3].to_vec())
            .collect();
        assert_eq!(by_hours, by_minutes, "at {as_of}");
        assert!(by_minutes.iter().all(|row| row[2] != "0"), "{by_minutes:?}");
        before.push(figures);
    }
    let at = |i: usize| shape::QueryOptions::at(Some(as_ofs[i].to_string()));
    let ctx = ws.context_as_is(&at(0)).await.unwrap();
    let hours = sql(&ctx, stored_hours).await[0][0].clone();
    assert_ne!(hours, "0", "ingest writes hour rows");

    strip_hour_rows(data.path());
    for (i, expected) in before.iter().enumerate() {
        let ctx = ws.context_as_is(&at(i)).await.unwrap();
        assert_eq!(sql(&ctx, stored_hours).await[0][0], "0");
        assert_eq!(
            &figures(ctx).await,
            expected,
            "hours made from the minutes, at {}",
            as_ofs[i]
        );
    }

    let (ctx, rolled) = ws.context_and_rollups(&at(0)).await.unwrap();
    assert!(rolled.slo_hours_stored && rolled.slo.rows > 0, "{rolled:?}");
    let added = sql(&ctx, stored_hours).await[0][0].clone();
    assert_ne!(added, "0");
    let same = "SELECT slo_id, definition_hash, hour, sum(good), sum(total) FROM {} GROUP BY 1, 2, 3 ORDER BY 1, 2, 3";
    assert_eq!(
        sql(&ctx, &same.replace("{}", "slo_rollup_hours")).await,
        sql(&ctx, &same.replace("{}", "slo_minute_hours")).await
    );
    for (i, expected) in before.iter().enumerate() {
        let (ctx, again) = ws.context_and_rollups(&at(i)).await.unwrap();
        assert_eq!(again.slo.rows, 0, "added once");
        assert_eq!(sql(&ctx, stored_hours).await[0][0], added);
        assert_eq!(
            &figures(ctx).await,
            expected,
            "stored hours, at {}",
            as_ofs[i]
        );
    }
}
