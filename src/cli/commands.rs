//! One function per subcommand: open the workspace, call the library, write the result.

use std::io::Write;
use std::process::ExitCode;

use anyhow::Context;

use super::{
    ClusterCommand, Command, DetectArgs, GenArgs, HealArgs, RunArgs, SloCommand, SuggestArgs,
    TraceArgs, WorkspaceArgs,
};
use crate::detect::TraceStatus;
use crate::heal::{HealEntry, HealOptions, HealReport};
use crate::ingest::format_report;
use crate::query::{format_batches, run_sql, OutputFormat};
use crate::run::{evaluation_time, CycleReport, Workflow};
use crate::server::ServerSection;
use crate::workspace::{QueryOptions, Workspace};

/// Runs `command`; everything it prints goes to `out`.
pub async fn run_command(
    workspace: &WorkspaceArgs,
    command: Command,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    match run(workspace, command, out).await {
        Err(error)
            if error
                .chain()
                .any(|e| e.to_string().contains("Parquet error")) =>
        {
            Err(name_corrupt_files(workspace, error).await)
        }
        result => result,
    }
}

/// DataFusion's error for a broken Parquet file does not say which file: look for it.
async fn name_corrupt_files(workspace: &WorkspaceArgs, error: anyhow::Error) -> anyhow::Error {
    let Ok(ws) = Workspace::open(&workspace.options()) else {
        return error;
    };
    let tables = crate::storage::schema::TABLES;
    match ws.store().corrupt_files(tables, false).await {
        Ok(corrupt) if !corrupt.is_empty() => {
            let names: Vec<&str> = corrupt.iter().map(|c| c.path.as_str()).collect();
            error.context(format!(
                "corrupt file in the data dir: {} (`shape compact --verify` rebuilds what can \
                 be derived again and names the source of the rest)",
                names.join(", ")
            ))
        }
        _ => error,
    }
}

async fn run(
    workspace: &WorkspaceArgs,
    command: Command,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    let open = || Workspace::open(&workspace.options());
    match command {
        Command::Ingest(args) => {
            let ws = open()?;
            let (report, errors) = ws
                .ingest(&args.sources, args.format.as_deref(), !args.no_progress)
                .await?;
            write!(out, "{}", format_report(&report, &ws.shape_command()))?;
            let rolled = ws.catch_up().await?;
            if !ws.slos().is_empty() {
                writeln!(
                    out,
                    "slo rollups: {} (SLO, run) pairs, {} rows",
                    rolled.slo.pairs, rolled.slo.rows
                )?;
            }
            writeln!(
                out,
                "detect rollups: {} runs, {} rows",
                rolled.detect.runs, rolled.detect.rows
            )?;
            write_deferred(out, &rolled)?;
            for error in &errors {
                eprintln!("error: {error}");
            }
            Ok(exit_code(errors.is_empty()))
        }
        Command::Query(args) => {
            let ws = open()?;
            let options = QueryOptions {
                as_of: args.as_of.as_of,
                minutes_source: args.slo_minutes.into(),
                ..Default::default()
            };
            let ctx = ws.context(&options).await?;
            let batches = run_sql(&ctx, &args.sql).await?;
            write!(out, "{}", format_batches(&batches, args.format)?)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen(args) => generate(workspace, args, out),
        Command::Slo { command } => slo(&open()?, command, out).await,
        Command::Serve(flags) => serve(&open()?, flags).await,
        Command::Rollup { rebuild } => {
            let ws = open()?;
            let report = if rebuild {
                ws.rebuild_rollups().await?
            } else {
                ws.catch_up().await?
            };
            writeln!(
                out,
                "slo rollups: {} (SLO, run) pairs, {} rows, {} files written",
                report.slo.pairs, report.slo.rows, report.slo.files
            )?;
            writeln!(
                out,
                "detect rollups: {} runs, {} rows, {} files written",
                report.detect.runs, report.detect.rows, report.detect.files
            )?;
            write_deferred(out, &report)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Compact { verify } => {
            let ws = open()?;
            if verify {
                let verified = ws.verify_files().await?;
                write!(out, "{verified}")?;
                if !verified.lost.is_empty() {
                    return Ok(ExitCode::FAILURE);
                }
            }
            let report = ws.maintain(chrono::Utc::now(), true).await?;
            write!(out, "{report}")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Detect(DetectArgs {
            as_of,
            min_severity,
        }) => {
            let ws = open()?;
            let options = QueryOptions {
                snapshot_detection: true,
                ..QueryOptions::at(as_of.as_of)
            };
            let ctx = ws.context(&options).await?;
            let report = crate::detect::detect_report(&ctx, &min_severity).await?;
            write!(out, "{report}")?;
            if report.anomalies.is_empty() {
                let lookback = i64::from(ws.detection().settings.lookback_days) * 86_400;
                if let Some(hint) = crate::query::coverage_hint(&ctx, lookback).await? {
                    writeln!(out, "note: {hint}")?;
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Trace(args) => trace(&open()?, args, out).await,
        Command::Heal(args) => heal(&open()?, args, out).await,
        Command::Run(args) => run_loop(&open()?, args, out).await,
        Command::Demo { sample } => {
            let sample = sample.unwrap_or_else(crate::demo::default_sample_dir);
            let text = match &workspace.data_dir {
                Some(dir) => {
                    let path = std::path::Path::new(dir);
                    let empty = path.read_dir().map_or(true, |mut d| d.next().is_none());
                    anyhow::ensure!(
                        empty,
                        "demo writes the sample into --data-dir {dir}, which is not empty: \
                         give a new directory, or none for a temporary one"
                    );
                    crate::demo::run_demo(&sample, path).await?
                }
                None => {
                    let temp = tempfile::tempdir().context("creating a temporary data dir")?;
                    crate::demo::run_demo(&sample, temp.path()).await?
                }
            };
            write!(out, "{text}")?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Worker { listen } => {
            let config = Workspace::load_config(&workspace.options())?;
            let detection = crate::detect::Detection::load(&config)?;
            eprintln!(
                "shape worker {} listening on {listen} (template masks of {})",
                crate::cluster::VERSION,
                config.path().display()
            );
            crate::cluster::serve_worker(listen, detection.masks).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Cluster {
            command: ClusterCommand::Status,
        } => {
            let config = Workspace::load_config(&workspace.options())?;
            let section = config.section::<crate::cluster::ClusterSection>("cluster")?;
            let urls = section.urls()?;
            anyhow::ensure!(
                !urls.is_empty(),
                "no workers: set [cluster] workers in {} or give --workers",
                config.path().display()
            );
            let mut healthy = true;
            for status in crate::cluster::probe(&urls).await {
                let line = match &status.answer {
                    Ok(v) if v == crate::cluster::VERSION => format!("up       SHAPE {v}"),
                    Ok(v) => {
                        healthy = false;
                        format!(
                            "refused  SHAPE {v} (this is SHAPE {})",
                            crate::cluster::VERSION
                        )
                    }
                    Err(message) => {
                        healthy = false;
                        format!("down     {message}")
                    }
                };
                writeln!(out, "{:<32} {line}", status.url.as_str())?;
            }
            Ok(if healthy {
                ExitCode::SUCCESS
            } else {
                ExitCode::from(1)
            })
        }
    }
}

async fn slo(ws: &Workspace, command: SloCommand, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let shape = ws.shape_command();
    match command {
        SloCommand::Status { as_of, format } => {
            let ctx = ws.context(&QueryOptions::at(as_of.as_of.clone())).await?;
            if ws.slos().is_empty() {
                let where_ = match ws.config().file() {
                    Some(file) => {
                        format!("{} has no [[slo]] and no slo_files", file.path.display())
                    }
                    None => "there is no shape.toml here (give one with --config)".to_string(),
                };
                writeln!(out, "No SLOs are configured: {where_}.")?;
                let report = crate::slo::suggest::suggest(&ctx, &Default::default()).await?;
                if report.suggestions.is_empty() {
                    if let Some(hint) = crate::query::coverage_hint(&ctx, 30 * 86_400).await? {
                        writeln!(out, "{hint}")?;
                    }
                } else {
                    writeln!(out, "From the data, `shape slo suggest` proposes:\n")?;
                    write!(
                        out,
                        "{}",
                        crate::slo::suggest::render_table(&report.suggestions)
                    )?;
                    writeln!(
                        out,
                        "\nAdopt them with: {shape} slo suggest --write shape.toml (then edit to taste)"
                    )?;
                }
                return Ok(ExitCode::SUCCESS);
            }
            let batches = run_sql(&ctx, crate::slo::STATUS_REPORT_SQL).await?;
            write!(out, "{}", format_batches(&batches, format)?)?;
            if format == OutputFormat::Table {
                writeln!(out, "{}", crate::slo::STATUS_REPORT_NOTE)?;
                let longest = ws.slos().iter().map(|s| s.nominal_period_seconds()).max();
                if let Some(hint) =
                    crate::query::coverage_hint(&ctx, longest.unwrap_or(86_400)).await?
                {
                    writeln!(out, "note: {hint}")?;
                }
            }
            for warning in crate::slo::explain::unmatched_scopes(&ctx, ws.slos()).await? {
                eprintln!("warning: {warning}");
            }
        }
        SloCommand::Suggest(args) => suggest(ws, args, out).await?,
        SloCommand::Explain { slo_id, as_of } => {
            let slo = ws
                .slos()
                .iter()
                .find(|s| s.slo_id == slo_id)
                .ok_or_else(|| {
                    let ids: Vec<&str> = ws.slos().iter().map(|s| s.slo_id.as_str()).collect();
                    anyhow::anyhow!(
                        "no SLO {slo_id:?}; defined: {}",
                        if ids.is_empty() {
                            "none".to_string()
                        } else {
                            ids.join(", ")
                        }
                    )
                })?;
            let ctx = ws.context(&QueryOptions::at(as_of.as_of)).await?;
            write!(
                out,
                "{}",
                crate::slo::explain::explain(&ctx, slo, ws.slos()).await?
            )?;
            let window = slo.nominal_period_seconds();
            if let Some(hint) = crate::query::coverage_hint(&ctx, window).await? {
                writeln!(out, "note: {hint}")?;
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn suggest(ws: &Workspace, args: SuggestArgs, out: &mut dyn Write) -> anyhow::Result<()> {
    let exclude = args
        .exclude
        .iter()
        .map(|range| crate::slo::suggest::parse_range(range))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| anyhow::anyhow!("invalid --exclude: {e}"))?;
    if let Some(path) = args.write.as_ref().filter(|p| p.exists() && !args.force) {
        anyhow::bail!(
            "{} exists: give --force to replace its [[slo]] tables (its other sections are kept)",
            path.display()
        );
    }
    let ctx = ws
        .context_as_is(&QueryOptions::at(args.as_of.as_of))
        .await?;
    let options = crate::slo::suggest::SuggestOptions {
        exclude,
        keep_anomalies: args.keep_anomalies,
    };
    let report = crate::slo::suggest::suggest(&ctx, &options).await?;
    if report.suggestions.is_empty() {
        writeln!(out, "No component has request traffic to propose SLOs for.")?;
        if let Some(hint) =
            crate::query::coverage_hint(&ctx, crate::slo::suggest::HISTORY_DAYS * 86_400).await?
        {
            writeln!(out, "{hint}")?;
        }
        return Ok(());
    }
    match &args.write {
        Some(path) => {
            write!(
                out,
                "{}",
                crate::slo::suggest::render_table(&report.suggestions)
            )?;
            crate::slo::suggest::write_config(path, &report.suggestions, args.force)
                .map_err(|e| anyhow::anyhow!(e))?;
            writeln!(
                out,
                "\nwrote {} SLOs to {}; see them with: shape --config {} --data-dir {} slo status",
                report.suggestions.len(),
                path.display(),
                crate::common::shell_word(&path.to_string_lossy()),
                crate::common::shell_word(ws.data_dir())
            )?;
        }
        None => write!(out, "{}", crate::slo::suggest::render(&report))?,
    }
    Ok(())
}

fn exit_code(success: bool) -> ExitCode {
    if success {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn generate(
    workspace: &WorkspaceArgs,
    args: GenArgs,
    out: &mut dyn Write,
) -> anyhow::Result<ExitCode> {
    use crate::generate::{generate, read_app_config, GenOptions, APPROX_LINE_BYTES};
    // SHAPE_DATA_DIR in the environment is fine; an explicit flag would be ignored.
    let from_env = std::env::var("SHAPE_DATA_DIR").ok();
    if workspace.data_dir.is_some() && workspace.data_dir != from_env {
        anyhow::bail!("gen writes logs to --out and uses no data dir: drop --data-dir");
    }
    let start = match &args.start {
        Some(text) => chrono::DateTime::parse_from_rfc3339(text)
            .with_context(|| format!("--start {text:?} is not RFC 3339"))?
            .with_timezone(&chrono::Utc),
        None => {
            use chrono::DurationRound;
            let now = chrono::Utc::now();
            let minute = now
                .duration_trunc(chrono::Duration::minutes(1))
                .unwrap_or(now);
            let span = match args.minutes {
                Some(minutes) => chrono::Duration::minutes(minutes as i64),
                None => chrono::Duration::days(i64::from(args.days)),
            };
            minute - span
        }
    };
    let events = match (args.events, &args.size) {
        (Some(n), _) => n,
        (None, Some(size)) => {
            crate::common::parse_size(size).map_err(|m| anyhow::anyhow!("--size: {m}"))?
                / APPROX_LINE_BYTES
        }
        (None, None) => GenOptions::default().events,
    };
    let options = GenOptions {
        seed: args.seed,
        start,
        days: args.days,
        events,
        files: args.files,
        incidents: !args.no_incidents,
        malformed_rate: args.malformed_rate,
        minutes: args.minutes,
        app_config: match &args.app_config {
            Some(path) => read_app_config(path)?,
            None => Default::default(),
        },
    };
    if args.scenario == crate::cli::Scenario::Cascade {
        if args.app_config.is_some() || args.files != 3 || args.malformed_rate > 0.0 {
            anyhow::bail!(
                "--app-config, --files and --malformed-rate apply to the web scenario only"
            );
        }
        let truth = crate::generate::cascade::generate_cascade(&args.out, &options)?;
        writeln!(
            out,
            "wrote {} lines of {} services ({}), shape.toml and incidents.json ({} incidents) to {}\n\
             ingest with: shape --config {} ingest {}",
            truth.lines,
            truth.files.len(),
            truth.files.join(", "),
            truth.incidents.len(),
            args.out.display(),
            args.out.join("shape.toml").display(),
            truth
                .files
                .iter()
                .map(|f| args.out.join(f).display().to_string())
                .collect::<Vec<_>>()
                .join(" ")
        )?;
        return Ok(ExitCode::SUCCESS);
    }
    let truth = generate(&args.out, &options)?;
    writeln!(
        out,
        "wrote {} lines ({} events, {} malformed) in {} files and incidents.json ({} incidents) to {}",
        truth.lines,
        truth.events,
        truth.malformed_lines,
        truth.files.len(),
        truth.incidents.len(),
        args.out.display()
    )?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(ws: &Workspace, flags: ServerSection) -> anyhow::Result<ExitCode> {
    let (http_flag, http_only) = (flags.http.clone(), flags.http_only);
    let settings = ws.server_settings(flags)?;
    let http = ws.http_settings(http_flag, &settings.users)?;
    if http_only && http.is_none() {
        anyhow::bail!("--http-only needs an HTTP address: --http HOST:PORT or [http] listen");
    }
    // Loaded before listening: a bad certificate stops the start, never plaintext.
    let tls = settings
        .tls
        .as_ref()
        .map(crate::server::TlsFiles::acceptor)
        .transpose()?;
    let options = QueryOptions {
        memory_limit: Some(settings.memory_limit),
        ..Default::default()
    };
    let (ctx, proposals) = ws.serving_context(&options).await?;
    let web = match &http {
        Some(http) => {
            let listener = crate::http::bind(http.addr).await?;
            eprintln!(
                "serving the dashboard, the JSON API (/api/v1/openapi.json) and /metrics on {}://{} ({})",
                if tls.is_some() { "https" } else { "http" },
                http.addr,
                if http.users.is_empty() && http.tokens.is_empty() {
                    "loopback only, no credentials"
                } else {
                    "credentials required: the users' basic credentials or a bearer token"
                }
            );
            let router = crate::http::router(ctx.clone(), ws.store().clone(), ws.data_dir(), http);
            Some(tokio::spawn(crate::http::serve_on(
                listener,
                router,
                tls.clone(),
            )))
        }
        None => None,
    };
    if http_only {
        let web = web.expect("checked above");
        web.await??;
        return Ok(ExitCode::SUCCESS);
    }
    let listener = crate::server::bind(settings.addr).await?;
    let addr = settings.addr;
    eprintln!(
        "serving {} over the PostgreSQL wire protocol on {addr} ({}, {}; statement_timeout {}): \
         psql -h {} -p {} -U {}",
        ws.data_dir(),
        if settings.tls.is_some() {
            "TLS required"
        } else {
            "no TLS"
        },
        if settings.users.is_empty() {
            "no users configured: loopback only, no password".to_string()
        } else {
            format!(
                "SCRAM-SHA-256 for {} configured user(s)",
                settings.users.len()
            )
        },
        settings
            .statement_timeout
            .map_or("none".to_string(), |d| format!("{} ms", d.as_millis())),
        addr.ip(),
        addr.port(),
        settings
            .users
            .first()
            .map_or("shape", |(name, _)| name.as_str()),
    );
    if ws.slos().is_empty() {
        eprintln!(
            "note: no SLOs are configured, so the SLO views are empty; the {proposals} SLOs \
             `shape slo suggest` proposes from the data are in the slo_suggestions table \
             (slo_setup_hints tells clients so)"
        );
    }
    crate::server::serve_on(listener, ctx, Some(ws.store().clone()), &settings, tls).await?;
    Ok(ExitCode::SUCCESS)
}

async fn trace(ws: &Workspace, args: TraceArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let ctx = ws.context(&QueryOptions::at(args.as_of)).await?;
    let (lines, total) = crate::detect::trace(&ctx, ws.store(), &args.id, args.limit).await?;
    writeln!(
        out,
        "{}: {total} contributing events{}",
        args.id,
        if (lines.len() as u64) < total {
            format!(" (first {} shown; --limit for more)", lines.len())
        } else {
            String::new()
        }
    )?;
    let mut damaged = 0;
    for line in &lines {
        let note = match &line.status {
            TraceStatus::Intact => String::new(),
            TraceStatus::Changed(why) => {
                damaged += 1;
                format!("  [CHANGED since ingest: {why}]")
            }
            TraceStatus::Vanished(why) => {
                damaged += 1;
                format!("  [VANISHED since ingest: {why}]")
            }
        };
        writeln!(out, "{}{note}", line.location())?;
        match &line.raw {
            Some(raw) => writeln!(out, "    {raw}")?,
            None => writeln!(out, "    (ingested message: {})", line.message)?,
        }
    }
    if damaged == 0 {
        return Ok(ExitCode::SUCCESS);
    }
    eprintln!("warning: {damaged} traced lines no longer read back as ingested");
    Ok(ExitCode::from(3))
}

async fn heal(ws: &Workspace, args: HealArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let healer = ws.healer()?;
    let now = evaluation_time(args.as_of.as_of.as_deref())?;
    let ctx = ws
        .context(&QueryOptions::at(Some(now.to_rfc3339())))
        .await?;
    let options = HealOptions {
        execute: args.execute,
        query: args.query,
        now,
        approve: args.approve,
        approver: args.approver,
    };
    let report = healer.cycle(&ctx, ws.store(), &options).await?;
    write!(out, "{report}")?;
    Ok(ExitCode::SUCCESS)
}

/// `shape run`: one cycle, or one every interval until Ctrl-C. After the first cycle only
/// what changed is printed: new ingests, and report lines that differ from the last cycle's.
async fn run_loop(ws: &Workspace, args: RunArgs, out: &mut dyn Write) -> anyhow::Result<ExitCode> {
    let workflow = Workflow::new(ws)?;
    let every = match args.every.as_deref() {
        None => None,
        Some("") => Some(
            workflow
                .settings
                .every
                .clone()
                .context("--every without a value needs [run] every in the config")?,
        ),
        Some(text) => Some(text.to_string()),
    };
    let interval = every
        .map(|text| {
            crate::common::parse_duration(&text)
                .with_context(|| format!("--every {text:?} is not a duration (e.g. 5m)"))
        })
        .transpose()?;
    let mut previous: Option<Vec<HealEntry>> = None;
    loop {
        let now = evaluation_time(args.as_of.as_deref())?;
        writeln!(out, "cycle at {}", now.to_rfc3339())?;
        match workflow.cycle(now, args.execute, None).await {
            Ok(report) => {
                print_cycle(out, &report, previous.as_deref())?;
                previous = Some(report.heal.entries);
            }
            // In a loop, one bad cycle (a source briefly unreadable) is reported and the
            // next one tries again; a single cycle fails the command.
            Err(e) if interval.is_some() => eprintln!("error: cycle failed: {e}"),
            Err(e) => return Err(e.into()),
        }
        out.flush()?;
        if !wait(interval).await {
            break;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The whole report the first time; then new ingests and the lines that changed.
fn print_cycle(
    out: &mut dyn Write,
    report: &CycleReport,
    previous: Option<&[HealEntry]>,
) -> std::io::Result<()> {
    let Some(before) = previous else {
        return write!(out, "{report}");
    };
    if report.ingested_anything() || !report.ingest_errors.is_empty() {
        write!(out, "{}", report.ingest_text())?;
    }
    let changed = HealReport {
        execute: report.heal.execute,
        rows: report.heal.rows,
        entries: report
            .heal
            .entries
            .iter()
            .filter(|e| !before.contains(e))
            .cloned()
            .collect(),
    };
    write!(out, "{changed}")?;
    let unchanged = report.heal.entries.len() - changed.entries.len();
    if unchanged > 0 {
        writeln!(out, "  ({unchanged} lines as in the last cycle)")?;
    }
    Ok(())
}

/// Sleeps for the interval; false when there is none or Ctrl-C came first.
async fn wait(interval: Option<std::time::Duration>) -> bool {
    let Some(interval) = interval else {
        return false;
    };
    tokio::select! {
        _ = tokio::time::sleep(interval) => true,
        _ = tokio::signal::ctrl_c() => false,
    }
}

/// Says so when the catch-up had to leave the rollups to a later one.
fn write_deferred(out: &mut dyn Write, rolled: &crate::workspace::Rollups) -> std::io::Result<()> {
    if rolled.deferred {
        writeln!(
            out,
            "rollups deferred: another writer holds the data dir; the next catch-up (`shape \
             rollup`, any query, the next `shape run` cycle) rolls them up"
        )?;
    }
    Ok(())
}
