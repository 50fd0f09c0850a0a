//! `shape demo`: ingest the committed sample into a temporary data dir, print the accounting
//! and a few telling queries (including one event traced back to its exact source line).

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::Config;
use crate::ingest::format_report;
use crate::query::{format_batches, run_sql, OutputFormat};
use crate::workspace::{QueryOptions, Workspace, WorkspaceOptions};

/// Where the sample lives: `./data/sample`, else the source tree this binary was built from.
pub fn default_sample_dir() -> PathBuf {
    let local = PathBuf::from("data/sample");
    if local.is_dir() {
        return local;
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("data/sample")
}

/// The telling queries, with a title each.
pub const DEMO_QUERIES: &[(&str, &str)] = &[
    (
        "Requests, errors and latency per component",
        "SELECT component, count(*) AS requests, \
                sum(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) AS errors, \
                round(100.0 * avg(CASE WHEN outcome = 'error' THEN 1.0 ELSE 0.0 END), 3) AS error_pct, \
                round(approx_percentile_cont(duration_ms, 0.95), 1) AS p95_ms \
         FROM events WHERE operation <> 'deploy' GROUP BY component ORDER BY errors DESC",
    ),
    (
        "Worst 10-minute windows by errors (the injected incidents stand out)",
        "SELECT date_bin(INTERVAL '10 minutes', ts) AS window_start, component, operation, \
                count(*) AS requests, sum(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END) AS errors \
         FROM events GROUP BY 1, 2, 3 ORDER BY errors DESC, window_start LIMIT 5",
    ),
    (
        "10-minute windows whose p95 latency is furthest above the operation's usual p95",
        "WITH w AS (SELECT date_bin(INTERVAL '10 minutes', ts) AS window_start, component, operation, \
                count(*) AS requests, approx_percentile_cont(duration_ms, 0.95) AS p95_ms \
           FROM events WHERE duration_ms IS NOT NULL GROUP BY 1, 2, 3 HAVING count(*) >= 10), \
         usual AS (SELECT operation, approx_percentile_cont(duration_ms, 0.95) AS usual_p95_ms \
           FROM events WHERE duration_ms IS NOT NULL GROUP BY 1) \
         SELECT w.window_start, w.component, w.operation, w.requests, round(w.p95_ms, 1) AS p95_ms, \
                round(u.usual_p95_ms, 1) AS usual_p95_ms, round(w.p95_ms / u.usual_p95_ms, 1) AS times_usual \
         FROM w JOIN usual u ON u.operation = w.operation ORDER BY times_usual DESC LIMIT 5",
    ),
    (
        "Most repeated warnings",
        "SELECT component, message, count(*) AS times FROM events WHERE level = 'WARN' \
         GROUP BY 1, 2 ORDER BY times DESC LIMIT 5",
    ),
    (
        "Rejected lines, with where they came from and why",
        "SELECT _source, _line, _offset, error FROM rejects ORDER BY _source, _line LIMIT 5",
    ),
    (
        "Accounting per source (lines = rows + rejects + blank)",
        "SELECT source, lines, \"rows\", rejects, blank, balanced FROM ingest_summary ORDER BY source",
    ),
];

/// Runs the demo; returns the text to print.
pub async fn run_demo(sample_dir: &Path, data_dir: &Path) -> anyhow::Result<String> {
    let config_path = sample_dir.join("../shape.toml");
    let config = if config_path.is_file() {
        Config::load(&config_path)?
    } else {
        Config::default()
    };
    let workspace = Workspace::with_config(config, &data_dir.to_string_lossy())?;
    let store = workspace.store();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "SHAPE demo: ingesting {} into {}\n",
        sample_dir.display(),
        data_dir.display()
    );
    let source = sample_dir.join("*.jsonl*").to_string_lossy().into_owned();
    let (report, errors) = workspace.ingest(&[source], None, false).await?;
    out.push_str(&format_report(&report, "shape"));
    if let Some(error) = errors.first() {
        anyhow::bail!("demo ingest failed: {error}");
    }
    let slos = workspace.slos();
    // Evaluate SLOs at the end of the sample (its ground truth says when that is).
    let truth: serde_json::Value = std::fs::read(sample_dir.join("incidents.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .unwrap_or_default();
    let as_of = truth["end"].as_str().map(str::to_string);
    let ctx = workspace.context(&QueryOptions::at(as_of.clone())).await?;
    for (title, sql) in DEMO_QUERIES {
        let batches = run_sql(&ctx, sql).await?;
        let _ = write!(
            out,
            "\n== {title}\n{}",
            format_batches(&batches, OutputFormat::Table)?
        );
    }

    if !slos.is_empty() {
        let at = as_of.as_deref().unwrap_or("now");
        let _ = write!(
            out,
            "\n== SLO status at {at} (not OK first)\n{}",
            format_batches(
                &run_sql(&ctx, crate::slo::STATUS_REPORT_SQL).await?,
                OutputFormat::Table
            )?
        );
        let _ = write!(
            out,
            "\n== Component health at {at}\n{}",
            format_batches(
                &run_sql(&ctx, "SELECT component, round(health_score, 1) AS health_score, status, breached, pages_firing, tickets_firing FROM component_health ORDER BY health_score").await?,
                OutputFormat::Table
            )?
        );
        // Each injected incident, 30 minutes in: the burn-rate alerts it set off.
        for incident in truth["incidents"].as_array().into_iter().flatten() {
            let (Some(kind), Some(start)) = (incident["kind"].as_str(), incident["start"].as_str())
            else {
                continue;
            };
            let Ok(start) = chrono::DateTime::parse_from_rfc3339(start) else {
                continue;
            };
            let at = (start + chrono::Duration::minutes(30)).to_rfc3339();
            let ctx = workspace
                .context_as_is(&QueryOptions::at(Some(at.clone())))
                .await?;
            let batches = run_sql(
                &ctx,
                "SELECT breach_id, slo_id, kind, severity, tier, round(burn_rate, 1) AS burn_rate FROM slo_breaches \
                 WHERE kind = 'burn_rate' ORDER BY severity, slo_id, tier",
            )
            .await?;
            let _ = write!(
                out,
                "\n== Breaches at {at}, 30 minutes into the {kind} incident ({} {})\n{}",
                incident["component"].as_str().unwrap_or(""),
                incident["operation"].as_str().unwrap_or(""),
                format_batches(&batches, OutputFormat::Table)?
            );
        }
    }

    // Detect: anomalies with root causes and fixes, and the evidence of the worst one.
    let report = crate::detect::detect_report(&ctx, "MEDIUM").await?;
    let _ = write!(out, "\n== shape detect (MEDIUM and above)\n{report}");
    if let Some((worst, _, _)) = report.anomalies.first() {
        let (lines, total) = crate::detect::trace(&ctx, store, &worst[0], 3).await?;
        let _ = writeln!(
            out,
            "\n== shape trace {}: {total} contributing events, the first {}",
            worst[0],
            lines.len()
        );
        for line in lines {
            let _ = writeln!(
                out,
                "{}\n    {}",
                line.location(),
                line.raw.unwrap_or_default()
            );
        }
    }

    // Lineage: one error event, and its line read back from the source by offset.
    let batches = run_sql(
        &ctx,
        "SELECT _source, _line, _offset, message FROM events WHERE outcome = 'error' \
         ORDER BY ts LIMIT 1",
    )
    .await?;
    if let Some(batch) = batches.iter().find(|b| b.num_rows() > 0) {
        use datafusion::arrow::array::{AsArray, StringArray};
        use datafusion::arrow::datatypes::Int64Type;
        let source = batch
            .column(0)
            .as_any()
            .downcast_ref::<StringArray>()
            .unwrap()
            .value(0);
        let line = batch.column(1).as_primitive::<Int64Type>().value(0);
        let offset = batch.column(2).as_primitive::<Int64Type>().value(0);
        let raw = crate::ingest::source::read_line_at(source, offset as u64).await?;
        let raw = String::from_utf8_lossy(&raw);
        let _ = write!(
            out,
            "\n== Lineage: the first error, traced to its source line\n{}:{line} (byte {offset})\n{raw}\n",
            source.trim_start_matches("file://")
        );
    }
    let demo_dir = sample_dir.join("../demo");
    if demo_dir.join("shape.toml").is_file() {
        heal_demo(&demo_dir, &data_dir.join("heal-demo"), &mut out).await?;
    }
    if demo_dir.join("repo/shape.toml").is_file() {
        repo_demo(
            &demo_dir.join("repo"),
            &data_dir.join("heal-repo-demo"),
            &mut out,
        )
        .await?;
    }
    Ok(out)
}

/// The act part of the loop: an app whose DB pool is too small breaches its SLO; the plan
/// (dry run); the playbook raises the pool in the app's config; the app, now reading the new
/// value, writes healthy logs; the next cycle verifies the fix and records before and after.
async fn heal_demo(demo_dir: &Path, work: &Path, out: &mut String) -> anyhow::Result<()> {
    use crate::run::Workflow;
    std::fs::create_dir_all(work)?;
    for file in ["shape.toml", "app.toml", "raise-pool.sh"] {
        std::fs::copy(demo_dir.join(file), work.join(file))?;
    }
    let app_logs = |dir: &str, start: &str, minutes: u64| {
        app_logs(&work.join("app.toml"), &work.join(dir), start, minutes)
    };
    let pool = || -> String {
        std::fs::read_to_string(work.join("app.toml"))
            .unwrap_or_default()
            .lines()
            .find(|l| l.starts_with("db_pool_size"))
            .unwrap_or("")
            .to_string()
    };
    let _ = writeln!(
        out,
        "\n== Heal: {} (playbook raise-db-pool); library {} in app.toml, 6 hours of its logs",
        work.display(),
        pool()
    );
    app_logs("logs", "2025-11-20T00:00:00Z", 360)?;
    let workspace = demo_workspace(work)?;
    let workflow = Workflow::new(&workspace)?;
    let at = |t: &str| crate::run::evaluation_time(Some(t));
    let plan = workflow
        .cycle(at("2025-11-20T06:00:00Z")?, false, None)
        .await?;
    let _ = write!(out, "\n-- shape run (dry run) at 06:00\n{plan}");
    let acted = workflow
        .cycle(at("2025-11-20T06:00:00Z")?, true, None)
        .await?;
    let _ = write!(out, "\n-- shape run --execute at 06:00\n{}", acted.heal);
    let _ = writeln!(out, "\napp.toml now says library {}", pool());
    app_logs("later", "2025-11-20T06:00:00Z", 60)?;
    let verified = workflow
        .cycle(at("2025-11-20T06:40:00Z")?, true, None)
        .await?;
    let _ = write!(
        out,
        "\n-- the app ran an hour with the new pool; shape run --execute at 06:40\n{verified}"
    );
    let ctx = workspace
        .context_as_is(&QueryOptions::at(Some("2025-11-20T06:40:00Z".into())))
        .await?;
    for (title, sql) in [
        (
            "healing_runs",
            "SELECT playbook, action_kind, result, target, detail FROM healing_runs ORDER BY finished_at",
        ),
        (
            "healing_outcomes (before and after)",
            "SELECT playbook, result, round(sli_before, 4) AS sli_before, round(sli_after, 4) AS sli_after, \
                    events_before, events_after, round(budget_before, 2) AS budget_before, \
                    round(budget_after, 2) AS budget_after FROM healing_outcomes",
        ),
        (
            "playbook_effectiveness",
            "SELECT playbook, component, anomaly_kind, runs, verified_pass, verified_fail, inconclusive, \
                    round(success_rate, 3) AS success_rate, round(mean_improvement, 4) AS mean_improvement \
             FROM playbook_effectiveness",
        ),
    ] {
        let batches = run_sql(&ctx, sql).await?;
        let _ = write!(
            out,
            "\n== {title}\n{}",
            format_batches(&batches, OutputFormat::Table)?
        );
    }
    Ok(())
}

/// Runs git in `dir` for the demo's own setup (the remote and its first commit).
fn demo_git(dir: &Path, args: &[&str]) -> anyhow::Result<String> {
    let out = std::process::Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "app team")
        .env("GIT_AUTHOR_EMAIL", "team@app.example")
        .env("GIT_COMMITTER_NAME", "app team")
        .env("GIT_COMMITTER_EMAIL", "team@app.example")
        .output()?;
    if !out.status.success() {
        anyhow::bail!(
            "git {}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The sequence through the app's repository: a bare `app.git` is the remote and its own
/// `test.sh` validates patches. The library's first patch fails the tests (never pushed), the
/// next is merged, and the app's new logs verify a pass; the canvas's generous patch is
/// merged, slows every canvas request (the database is overloaded), fails the
/// multi-objective gate on canvas-latency, and is reverted.
async fn repo_demo(demo_dir: &Path, work: &Path, out: &mut String) -> anyhow::Result<()> {
    use crate::run::Workflow;
    if std::process::Command::new("git")
        .arg("--version")
        .output()
        .is_err()
    {
        let _ = writeln!(
            out,
            "\n== Heal through the repository: skipped (git is not installed)"
        );
        return Ok(());
    }
    let seed = work.join("seed");
    std::fs::create_dir_all(&seed)?;
    std::fs::copy(demo_dir.join("shape.toml"), work.join("shape.toml"))?;
    for file in ["app.toml", "test.sh"] {
        std::fs::copy(demo_dir.join(file), seed.join(file))?;
    }
    demo_git(
        work,
        &[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=main",
            "app.git",
        ],
    )?;
    demo_git(&seed, &["init", "--quiet", "--initial-branch=main"])?;
    demo_git(&seed, &["add", "."])?;
    demo_git(&seed, &["commit", "--quiet", "-m", "the app"])?;
    demo_git(&seed, &["push", "--quiet", "../app.git", "main"])?;
    let remote = work.join("app.git");
    // What the app runs is what main says.
    let deployed = || -> anyhow::Result<String> { demo_git(&remote, &["show", "main:app.toml"]) };
    let app_logs = |dir: &str, start: &str, minutes: u64| -> anyhow::Result<()> {
        let config = work.join("deployed.toml");
        std::fs::write(&config, deployed()?)?;
        app_logs(&config, &work.join(dir), start, minutes)
    };
    let pools = || -> String {
        deployed()
            .unwrap_or_default()
            .lines()
            .filter(|l| l.starts_with('[') || l.starts_with("db_pool_size"))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let _ = writeln!(
        out,
        "\n== Heal through the repository: {} (remote app.git, validated by its test.sh)\n\
         main's app.toml: {}",
        work.display(),
        pools()
    );
    app_logs("logs", "2025-11-20T00:00:00Z", 360)?;
    let workspace = demo_workspace(work)?;
    let workflow = Workflow::new(&workspace)?;
    let at = |t: &str| crate::run::evaluation_time(Some(t));
    for (time, why) in [
        ("2025-11-20T06:00:00Z", "both pools are exhausted"),
        (
            "2025-11-20T06:11:00Z",
            "the library's next rung, after the cooldown",
        ),
    ] {
        let cycle = workflow.cycle(at(time)?, true, None).await?;
        let _ = write!(
            out,
            "\n-- shape run --execute at {} ({why})\n{}",
            &time[11..16],
            cycle.heal
        );
    }
    let _ = writeln!(out, "\nmain's app.toml now: {}", pools());
    app_logs("later", "2025-11-20T06:00:00Z", 60)?;
    let verified = workflow
        .cycle(at("2025-11-20T06:45:00Z")?, true, None)
        .await?;
    let _ = write!(
        out,
        "\n-- the app ran an hour on main's config; shape run --execute at 06:45\n{}",
        verified.heal
    );
    let _ = write!(
        out,
        "\nmain's app.toml after the revert: {}\n\n== git log of main\n{}",
        pools(),
        demo_git(&remote, &["log", "--format=%h %an: %s", "main"])?
    );
    let ctx = workspace
        .context_as_is(&QueryOptions::at(Some("2025-11-20T06:45:00Z".into())))
        .await?;
    let batches = run_sql(
        &ctx,
        "SELECT playbook, action_kind, result, detail FROM healing_runs ORDER BY finished_at",
    )
    .await?;
    let _ = write!(
        out,
        "\n== healing_runs\n{}",
        format_batches(&batches, OutputFormat::Table)?
    );
    Ok(())
}

/// `minutes` of the demo app's logs from `start` into `dir`, as the app behaves with the
/// settings in `app_config`.
fn app_logs(app_config: &Path, dir: &Path, start: &str, minutes: u64) -> anyhow::Result<()> {
    use crate::generate::{generate, read_app_config, GenOptions};
    let options = GenOptions {
        start: chrono::DateTime::parse_from_rfc3339(start)?.into(),
        minutes: Some(minutes),
        events: minutes * 60,
        files: 1,
        incidents: false,
        app_config: read_app_config(app_config)?,
        ..GenOptions::default()
    };
    generate(dir, &options)?;
    Ok(())
}

/// The workspace of a demo directory: its shape.toml and a data dir inside it.
fn demo_workspace(work: &Path) -> anyhow::Result<Workspace> {
    Ok(Workspace::open(&WorkspaceOptions {
        config: Some(work.join("shape.toml")),
        data_dir: work.join("data").to_string_lossy().into_owned(),
        overrides: Vec::new(),
    })?)
}
