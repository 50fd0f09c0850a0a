//! A new user's first run, in an empty directory with no `shape.toml`: generated logs end
//! now, `slo status` says there are no SLOs and shows proposals, `slo suggest --write`
//! adopts them (and refuses to overwrite), `slo explain` says why tiers fire or not, a
//! misspelt component is named with its nearest real one, and commands evaluated where
//! there is no data say where the data is.

use crate::common::{run_shape, text};

fn shape_ok(dir: &std::path::Path, args: &[&str]) -> String {
    let out = run_shape(dir, args, &[("SHAPE_DATA_DIR", "data")]);
    assert!(
        out.status.success(),
        "shape {args:?}: {}{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    text(&out.stdout)
}

#[test]
fn quick_start_in_an_empty_directory() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    shape_ok(
        d,
        &["gen", "--out", "logs", "--days", "2", "--events", "30000"],
    );
    let truth: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(d.join("logs/incidents.json")).unwrap())
            .unwrap();
    // the generated window ends at the current time
    let end = chrono::DateTime::parse_from_rfc3339(truth["end"].as_str().unwrap()).unwrap();
    let lag = chrono::Utc::now().signed_duration_since(end);
    assert!(
        lag.num_minutes().abs() <= 2,
        "generated logs end {lag} before now"
    );
    let ingested = shape_ok(d, &["ingest", "logs"]);
    // commands printed for the user carry the options they need
    if ingested.contains("rejected") {
        assert!(
            ingested.contains("see them with: shape --data-dir data query"),
            "{ingested}"
        );
    }
    // a daemon that only logs: no requests, so no SLO proposals for it
    let daemon: String = (1..=30)
        .map(|i| {
            let ts = chrono::Utc::now() - chrono::Duration::minutes(i);
            format!(
                "time={} level=info component=cron msg=\"tick {i}\"\n",
                ts.format("%Y-%m-%dT%H:%M:%SZ")
            )
        })
        .collect();
    std::fs::create_dir(d.join("daemon")).unwrap();
    std::fs::write(d.join("daemon/cron.log"), daemon).unwrap();
    shape_ok(d, &["ingest", "daemon"]);
    let proposals = shape_ok(d, &["slo", "suggest"]);
    let left_out = proposals
        .lines()
        .find(|l| l.starts_with("left out (too little request traffic"))
        .unwrap_or_else(|| panic!("{proposals}"));
    assert!(left_out.ends_with("cron"), "{left_out}");
    assert!(!proposals.contains("component = \"cron\""), "{proposals}");
    assert!(
        proposals.contains("warning: the history covers"),
        "{proposals}"
    );

    let status = shape_ok(d, &["slo", "status"]);
    assert!(status.contains("No SLOs are configured"), "{status}");
    assert!(status.contains("there is no shape.toml here"), "{status}");
    assert!(
        status.contains("canvas") && status.contains("availability"),
        "{status}"
    );
    assert!(
        status.contains("shape --data-dir data slo suggest --write shape.toml"),
        "{status}"
    );

    let wrote = shape_ok(d, &["slo", "suggest", "--write", "shape.toml"]);
    assert!(wrote.contains("wrote"), "{wrote}");
    let config = std::fs::read_to_string(d.join("shape.toml")).unwrap();
    assert!(config.contains("[[slo]]"), "{config}");
    let again = run_shape(
        d,
        &["slo", "suggest", "--write", "shape.toml"],
        &[("SHAPE_DATA_DIR", "data")],
    );
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("--force"),
        "{}",
        text(&again.stderr)
    );

    // now there are SLOs, evaluated now, over data that ends now: no NO_DATA
    let status = shape_ok(d, &["slo", "status"]);
    assert!(status.contains("canvas-availability"), "{status}");
    assert!(!status.contains("NO_DATA"), "{status}");
    let explain = shape_ok(d, &["slo", "explain", "canvas-availability"]);
    assert!(
        explain.contains("burn-rate tiers (catalog 30d)"),
        "{explain}"
    );
    assert!(
        explain.contains("tier 1 page") && (explain.contains("FIRES") || explain.contains("quiet")),
        "{explain}"
    );
    let unknown = run_shape(
        d,
        &["slo", "explain", "nope"],
        &[("SHAPE_DATA_DIR", "data")],
    );
    assert!(text(&unknown.stderr).contains("canvas-availability"));

    // the printed evidence command carries the evaluation time
    let detect = shape_ok(d, &["detect"]);
    if let Some(line) = detect.lines().find(|l| l.contains("evidence: shape trace")) {
        assert!(line.contains("--as-of"), "{line}");
    }

    // evaluated a year ago, where there is no data: say where the data is
    let old = shape_ok(d, &["slo", "status", "--as-of", "2020-01-01T00:00:00Z"]);
    assert!(
        old.contains("note: no events between") && old.contains("look at it with --as-of"),
        "{old}"
    );
}

#[test]
fn misspelt_components_are_named_with_the_nearest() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    shape_ok(
        d,
        &[
            "gen",
            "--out",
            "logs",
            "--days",
            "1",
            "--events",
            "5000",
            "--start",
            "2025-11-16T00:00:00Z",
        ],
    );
    shape_ok(d, &["ingest", "logs"]);
    std::fs::write(
        d.join("shape.toml"),
        "[[slo]]\nid = \"lib\"\ncomponent = \"libary\"\nsli = \"availability\"\nobjective = 0.99\n\n\
         [[slo]]\nid = \"canvas\"\ncomponent = \"canvas\"\nsli = \"availability\"\nobjective = 0.99\n",
    )
    .unwrap();
    let out = run_shape(
        d,
        &["slo", "status", "--as-of", "2025-11-17T00:00:00Z"],
        &[("SHAPE_DATA_DIR", "data")],
    );
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("SLO lib")
            && stderr.contains("line 1")
            && stderr.contains("\"libary\"")
            && stderr.contains("did you mean \"library\""),
        "{stderr}"
    );
    assert!(!stderr.contains("SLO canvas"), "{stderr}");

    // a key that means nothing for the SLI is refused, naming it
    std::fs::write(
        d.join("shape.toml"),
        "[[slo]]\ncomponent = \"canvas\"\nsli = \"availability\"\nobjective = 0.99\nthreshold_ms = 200\n",
    )
    .unwrap();
    let out = run_shape(d, &["slo", "status"], &[("SHAPE_DATA_DIR", "data")]);
    let stderr = text(&out.stderr);
    assert!(!out.status.success());
    assert!(
        stderr.contains("line 5")
            && stderr.contains("threshold_ms")
            && stderr.contains("availability"),
        "{stderr}"
    );
}
