//! The `shape` binary: ingest accounting and exit codes, query formats and errors, as-of.

use crate::common::{assert_failed_with, run_shape, text};

#[test]
fn ingest_then_query_in_every_format() {
    let dir = tempfile::tempdir().unwrap();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    std::fs::write(
        logs.join("a.log"),
        "time=2025-11-20T10:00:00Z level=info op=resizeCanvas took=12ms msg=ok\nnot a log line at all\n\n10.0.0.1 - - [20/Nov/2025:10:00:01 +0000] \"GET /x HTTP/1.1\" 500 3 \"-\" \"curl\"\n",
    )
    .unwrap();
    let data = dir.path().join("data");
    let data_arg = data.to_string_lossy().into_owned();
    let out = run_shape(
        dir.path(),
        &["--data-dir", &data_arg, "ingest", "logs"],
        &[],
    );
    let stdout = text(&out.stdout);
    assert!(
        out.status.success(),
        "rejects are a warning: {stdout} {}",
        text(&out.stderr)
    );
    assert!(
        stdout.contains("total: 4 lines = 2 rows + 1 rejects + 1 blank"),
        "{stdout}"
    );
    assert!(
        stdout.contains("reject line 2: unrecognised format"),
        "{stdout}"
    );

    let q = |format: &str| {
        let out = run_shape(
            dir.path(),
            &[
                "--data-dir",
                &data_arg,
                "query",
                "--format",
                format,
                "SELECT operation, status_code, duration_ms FROM events ORDER BY ts",
            ],
            &[],
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    assert!(q("table").contains("| resizeCanvas | "), "{}", q("table"));
    assert_eq!(
        q("csv"),
        "operation,status_code,duration_ms\nresizeCanvas,,12.0\nGET /x,500,\n"
    );
    let json = q("json");
    let first: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(first["operation"], "resizeCanvas");
    assert_eq!(first["duration_ms"], 12.0);
}

#[test]
fn bad_query_and_unreadable_source_fail_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let out = run_shape(
        dir.path(),
        &["--data-dir", &data, "query", "SELECT nope FROM events"],
        &[],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("error:") && stderr.contains("nope"),
        "{stderr}"
    );

    let out = run_shape(
        dir.path(),
        &["--data-dir", &data, "ingest", "missing/*.log"],
        &[],
    );
    assert_failed_with(&out, "no source found for \"missing/*.log\"");

    let out = run_shape(
        dir.path(),
        &["--data-dir", &data, "ingest", "/definitely/not/here.log"],
        &[],
    );
    assert_failed_with(&out, "/definitely/not/here.log");

    std::fs::write(
        dir.path().join("bad.toml"),
        "[ingest]\nmax_line_bytes = \"big\"\n",
    )
    .unwrap();
    std::fs::write(dir.path().join("x.log"), "{}\n").unwrap();
    let out = run_shape(
        dir.path(),
        &[
            "--data-dir",
            &data,
            "--config",
            "bad.toml",
            "ingest",
            "x.log",
        ],
        &[],
    );
    assert!(!out.status.success());
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("bad.toml") && stderr.contains("line 2"),
        "{stderr}"
    );
}

#[test]
fn as_of_per_command_and_per_session() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let out = run_shape(
        dir.path(),
        &[
            "--data-dir",
            &data,
            "query",
            "--format",
            "csv",
            "--as-of",
            "2025-11-23T00:00:00Z",
            "SELECT shape_as_of() AS t",
        ],
        &[],
    );
    assert_eq!(
        text(&out.stdout),
        "t\n2025-11-23T00:00:00Z\n",
        "{}",
        text(&out.stderr)
    );
    let out = run_shape(
        dir.path(),
        &[
            "--data-dir",
            &data,
            "query",
            "--format",
            "csv",
            "SET shape.as_of = '2025-01-02T03:04:05Z'; SELECT shape_as_of() AS t",
        ],
        &[],
    );
    assert_eq!(
        text(&out.stdout),
        "t\n2025-01-02T03:04:05Z\n",
        "{}",
        text(&out.stderr)
    );
    let out = run_shape(
        dir.path(),
        &[
            "--data-dir",
            &data,
            "query",
            "--as-of",
            "someday",
            "SELECT 1",
        ],
        &[],
    );
    assert_failed_with(&out, "invalid shape.as_of");
}

#[test]
fn gen_is_deterministic_and_demo_runs() {
    let dir = tempfile::tempdir().unwrap();
    for out in ["a", "b"] {
        let o = run_shape(
            dir.path(),
            &["gen", "--out", out, "--days", "1", "--size", "200KB"],
            &[],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    for name in ["renderx-web-1.jsonl", "incidents.json"] {
        assert_eq!(
            std::fs::read(dir.path().join("a").join(name)).unwrap(),
            std::fs::read(dir.path().join("b").join(name)).unwrap()
        );
    }
    let truth: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("a/incidents.json")).unwrap())
            .unwrap();
    let kinds: Vec<_> = truth["incidents"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(
        kinds,
        [
            "latency_regression",
            "error_burst",
            "throttling_storm",
            "race_condition",
            "traffic_drop"
        ]
    );

    let demo = run_shape(
        dir.path(),
        &[
            "demo",
            "--sample",
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample"),
        ],
        &[],
    );
    let stdout = text(&demo.stdout);
    assert!(demo.status.success(), "{}", text(&demo.stderr));
    assert!(
        stdout.contains("total: 30707 lines = 30694 rows + 13 rejects + 0 blank"),
        "{stdout}"
    );
    assert!(stdout.contains("Lineage: the first error"), "{stdout}");
    // The heal part: plan, act (the playbook edits app.toml), verify a pass on new logs.
    for part in [
        "WOULD ACT raise-db-pool",
        "ACT raise-db-pool",
        "app.toml now says library db_pool_size = 20",
        ": pass: SLI",
    ] {
        assert!(stdout.contains(part), "demo lacks {part:?}: {stdout}");
    }
    // Through the repository: a red patch never pushed, a green one merged and verified, a
    // generous one merged, failed by the multi-objective gate and reverted.
    let repo_part = &stdout[stdout.find("Heal through the repository").unwrap()..];
    for part in [
        "-> validation_failed: validation \"./test.sh\" failed",
        "library-availability: verified",
        "but canvas-latency spent",
        "canvas-availability: REVERT ok: reverted",
        "main's app.toml after the revert: [library] db_pool_size = 20 # connections to the database [canvas] db_pool_size = 4 #",
    ] {
        assert!(repo_part.contains(part), "demo lacks {part:?}: {repo_part}");
    }
    assert!(repo_part.contains(": pass: SLI"), "{repo_part}");
    assert!(
        stdout.contains("| canvas-availability        | availability | 0.995     |"),
        "{stdout}"
    );
    assert!(
        stdout.contains("30 minutes into the race_condition incident"),
        "{stdout}"
    );
}

#[test]
fn slo_status_suggest_and_rollup_commands() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data").to_string_lossy().into_owned();
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/data/shape.toml");
    let sample = concat!(env!("CARGO_MANIFEST_DIR"), "/data/sample/*.jsonl*");
    let args = |rest: &[&str]| -> Vec<String> {
        ["--config", config, "--data-dir", &data]
            .iter()
            .chain(rest)
            .map(|s| s.to_string())
            .collect()
    };
    let run = |rest: &[&str]| {
        let a = args(rest);
        let out = run_shape(
            dir.path(),
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            &[],
        );
        assert!(out.status.success(), "{rest:?}: {}", text(&out.stderr));
        text(&out.stdout)
    };
    let ingested = run(&["ingest", sample]);
    assert!(
        ingested.contains("slo rollups: 31 (SLO, run) pairs"),
        "{ingested}"
    );

    let status = run(&[
        "slo",
        "status",
        "--as-of",
        "2025-11-17T00:00:00Z",
        "--format",
        "csv",
    ]);
    let lines: Vec<&str> = status.lines().collect();
    assert_eq!(
        lines[0],
        "slo_id,sli,objective,sli_value,budget_remaining_pct,budget_minutes,burn_rate,status"
    );
    assert_eq!(lines.len(), 32, "{status}");
    assert!(
        lines[1].starts_with("canvas-availability,availability,0.995,")
            && lines[1].ends_with(",BREACHED"),
        "{status}"
    );

    // the sample's day is history as of its end; nothing in it is left out as anomalous
    // when --keep-anomalies is given, so every component gets all five SLIs
    let suggest = run(&[
        "slo",
        "suggest",
        "--as-of",
        "2025-11-17T00:00:00Z",
        "--keep-anomalies",
    ]);
    let count = |sli: &str| {
        suggest
            .lines()
            .filter(|l| l.split_whitespace().nth(1) == Some(sli))
            .count()
    };
    for sli in ["availability", "latency_p95", "error_rate", "latency_tail"] {
        assert_eq!(count(sli), 6, "{sli}: {suggest}");
    }
    // a throughput floor only for components with events in nine minutes of ten
    let floors = count("throughput");
    assert!((1..6).contains(&floors), "{floors} floors: {suggest}");
    assert_eq!(suggest.matches("[[slo]]").count(), 24 + floors, "{suggest}");
    // The suggested config is valid config.
    let pasted = dir.path().join("suggested.toml");
    std::fs::write(
        &pasted,
        suggest
            .split_once("# Ready to paste into shape.toml")
            .and_then(|(_, rest)| rest.split_once('\n'))
            .unwrap()
            .1,
    )
    .unwrap();
    let config = shape::config::Config::load(&pasted).unwrap();
    assert_eq!(shape::slo::load_slos(&config).unwrap().len(), 24 + floors);

    assert!(run(&["rollup"]).contains("0 (SLO, run) pairs"));
    assert!(run(&["rollup", "--rebuild"]).contains("31 (SLO, run) pairs"));
    let again = run(&[
        "slo",
        "status",
        "--as-of",
        "2025-11-17T00:00:00Z",
        "--format",
        "csv",
    ]);
    assert_eq!(again, status, "a rebuild changes nothing");
}
