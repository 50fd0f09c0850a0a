//! The `shape` command: a thin layer over the library (see `shape --help`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use shape::catalog::{build_context, ContextOptions, MinutesSource};
use shape::config::Config;
use shape::detect::Detection;
use shape::generate::{generate, parse_size, GenOptions, APPROX_LINE_BYTES};
use shape::ingest::{format_report, ingest};
use shape::query::{format_batches, run_sql, OutputFormat};
use shape::storage::DataStore;

#[derive(Parser)]
#[command(
    name = "shape",
    version,
    about = "Service health from logs: ingest with line-level lineage, SQL over Parquet"
)]
struct Cli {
    /// Data dir: a local path or an s3://bucket/prefix URL.
    #[arg(
        long,
        global = true,
        env = "SHAPE_DATA_DIR",
        default_value = "./shape-data"
    )]
    data_dir: String,
    /// Config file (default: ./shape.toml when it exists).
    #[arg(long, global = true, env = "SHAPE_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Ingest log files, directories, globs, .gz files or s3:// objects into the data dir.
    Ingest {
        /// Sources: paths, directories, globs, file://... or s3://bucket/prefix.
        #[arg(required = true)]
        sources: Vec<String>,
        /// Never draw a progress bar (it is only drawn on a terminal anyway).
        #[arg(long)]
        no_progress: bool,
    },
    /// Run SQL over every table and view.
    Query {
        sql: String,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
        /// Evaluation time for windowed views (RFC 3339 or a date); default now.
        #[arg(long)]
        as_of: Option<String>,
        /// Where SLO views read per-minute counts: `rollups` (default) or `raw` events (to
        /// check rollups or measure what they save).
        #[arg(long, value_enum, default_value = "rollups")]
        slo_minutes: SloMinutes,
    },
    /// Generate realistic logs with injected incidents and their ground truth.
    Gen {
        #[arg(long)]
        out: PathBuf,
        #[arg(long, default_value_t = 42)]
        seed: u64,
        /// First day (RFC 3339).
        #[arg(long, default_value = "2025-11-16T00:00:00Z")]
        start: String,
        #[arg(long, default_value_t = 7)]
        days: u32,
        /// Number of request events (approximate).
        #[arg(long, conflicts_with = "size")]
        events: Option<u64>,
        /// Target total size instead of an event count, e.g. 500KB, 20MB, 1GB.
        #[arg(long)]
        size: Option<String>,
        /// Number of log files.
        #[arg(long, default_value_t = 3)]
        files: u32,
        /// Generate healthy traffic only.
        #[arg(long)]
        no_incidents: bool,
        /// Fraction of lines written cut off (malformed), e.g. 0.001.
        #[arg(long, default_value_t = 0.0)]
        malformed_rate: f64,
        /// Generate this many minutes instead of --days whole days.
        #[arg(long)]
        minutes: Option<u64>,
        /// The application's config (TOML, `[component] db_pool_size = N`): a component
        /// with a pool below 8 fails 40% of its requests ("connection pool exhausted").
        #[arg(long)]
        app_config: Option<PathBuf>,
    },
    /// SLOs: status at an evaluation time, or suggestions from history.
    Slo {
        #[command(subcommand)]
        command: SloCommand,
    },
    /// Serve every table and view over the PostgreSQL wire protocol (psql, Grafana, drivers).
    /// Each flag overrides the same key of `[server]` in the config; `[[user]]` entries turn
    /// on SCRAM-SHA-256 password authentication.
    Serve {
        /// Address to listen on [default: 127.0.0.1:5433]; loopback only unless users are
        /// configured.
        #[arg(long)]
        listen: Option<String>,
        /// Memory for running queries [default: 2GB]; a query needing more fails, the server
        /// stays.
        #[arg(long)]
        memory_limit: Option<String>,
        /// Connections served at once [default: 100]; more are refused with SQLSTATE 53300.
        #[arg(long)]
        max_connections: Option<usize>,
        /// Default statement_timeout of each session [default: 60s]; sessions change theirs
        /// with SET statement_timeout. 0 means none.
        #[arg(long)]
        statement_timeout: Option<String>,
        /// TLS certificate chain (PEM); with --tls-key. When TLS is on, plaintext connections
        /// are refused, and a file that cannot be loaded stops the server.
        #[arg(long, requires = "tls_key")]
        tls_cert: Option<String>,
        /// TLS private key (PKCS#8 PEM).
        #[arg(long, requires = "tls_cert")]
        tls_key: Option<String>,
    },
    /// Bring the per-minute SLO rollups up to date (or rebuild them from events).
    Rollup {
        /// Delete every rollup and compute them again from events.
        #[arg(long)]
        rebuild: bool,
    },
    /// Anomalies by severity, with root causes and recommended fixes (the detect views).
    Detect {
        /// Evaluation time (RFC 3339 or a date); default now. The lookback ends here.
        #[arg(long)]
        as_of: Option<String>,
        /// Show anomalies of this severity and above: CRITICAL, HIGH, MEDIUM or LOW.
        #[arg(long, default_value = "LOW")]
        min_severity: String,
    },
    /// Every source line behind an anomaly or breach id, read back from its source.
    Trace {
        /// An anomaly_id (anomalies) or breach_id (slo_breaches).
        id: String,
        /// Evaluation time the id was found at (ids are found within the lookback before it).
        #[arg(long)]
        as_of: Option<String>,
        /// Lines to print at most.
        #[arg(long, default_value_t = 50)]
        limit: usize,
    },
    /// Act on breaches: match playbooks, apply the guards, run actions, verify, record.
    /// Dry run (print the plan, change nothing) unless --execute.
    Heal {
        /// Run the actions (default: dry run).
        #[arg(long)]
        execute: bool,
        /// Breach rows from this SQL instead of slo_breaches (needs breach_id and slo_id).
        #[arg(long)]
        query: Option<String>,
        /// Evaluation time (RFC 3339 or a date); default now.
        #[arg(long)]
        as_of: Option<String>,
        /// In approval mode: a breach id a human approved (repeatable).
        #[arg(long)]
        approve: Vec<String>,
    },
    /// The loop: ingest [run] sources, evaluate, heal, verify; once, or --every DURATION.
    Run {
        /// Repeat every DURATION (e.g. 5m); default: one cycle ([run] every sets a default
        /// only when --every is given without a value).
        #[arg(long, num_args = 0..=1, default_missing_value = "")]
        every: Option<String>,
        /// Run the actions (default: dry run).
        #[arg(long)]
        execute: bool,
        /// Evaluation time of a single cycle (RFC 3339 or a date); default now.
        #[arg(long, conflicts_with = "every")]
        as_of: Option<String>,
    },
    /// Ingest the committed sample into a temporary data dir and show what SHAPE sees.
    Demo {
        /// Sample directory (default: data/sample).
        #[arg(long)]
        sample: Option<PathBuf>,
    },
}

#[derive(Clone, Copy, clap::ValueEnum)]
enum SloMinutes {
    Rollups,
    Raw,
}

#[derive(Subcommand)]
enum SloCommand {
    /// A readable table: SLO, SLI, objective, budget remaining, burn rate, status.
    Status {
        #[arg(long)]
        as_of: Option<String>,
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Propose objectives and latency thresholds per component from history.
    Suggest,
}

/// Config, SLOs, data dir and a session: what most commands start from.
struct Session {
    config: Config,
    slos: Vec<shape::slo::SloDefinition>,
    detection: Detection,
    store: DataStore,
}

impl Session {
    fn open(data_dir: &str, config: Option<&PathBuf>) -> anyhow::Result<Session> {
        let config = load_config(config)?;
        let slos = shape::slo::load_slos(&config)?;
        let detection = Detection::load(&config)?;
        let store =
            DataStore::open(data_dir).with_context(|| format!("opening data dir {data_dir}"))?;
        Ok(Session {
            config,
            slos,
            detection,
            store,
        })
    }

    async fn context(
        &self,
        as_of: Option<String>,
    ) -> anyhow::Result<datafusion::prelude::SessionContext> {
        self.context_from(as_of, MinutesSource::Rollups).await
    }

    async fn context_from(
        &self,
        as_of: Option<String>,
        minutes_source: MinutesSource,
    ) -> anyhow::Result<datafusion::prelude::SessionContext> {
        let options = ContextOptions {
            as_of,
            slos: self.slos.clone(),
            minutes_source,
            memory_limit: None,
            detection: self.detection.clone(),
        };
        Ok(build_context(&self.store, &options).await?)
    }

    /// Rollups up to date before any SLO view is read.
    async fn catch_up(
        &self,
        ctx: &datafusion::prelude::SessionContext,
    ) -> anyhow::Result<shape::slo::rollup::RollupReport> {
        Ok(shape::slo::rollup::catch_up(&self.store, ctx, &self.slos).await?)
    }
}

fn load_config(path: Option<&PathBuf>) -> anyhow::Result<Config> {
    match path {
        Some(path) => Ok(Config::load(path)?),
        None if std::path::Path::new("shape.toml").is_file() => {
            Ok(Config::load(std::path::Path::new("shape.toml"))?)
        }
        None => Ok(Config::default()),
    }
}

/// mimalloc instead of glibc's malloc: DataFusion plans allocate and free many small objects
/// per statement (session state copies, expressions), which glibc's allocator spent a
/// noticeable share of server CPU on (measured with perf during the PostgreSQL side-by-side).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(shape::THREAD_STACK_BYTES)
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("error: cannot start the async runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let Cli {
        data_dir,
        config,
        command,
    } = cli;
    let open = || Session::open(&data_dir, config.as_ref());
    match command {
        Command::Ingest {
            sources,
            no_progress,
        } => {
            let session = open()?;
            let (report, errors) =
                ingest(&session.store, &session.config, &sources, !no_progress).await?;
            print!("{}", format_report(&report));
            if !session.slos.is_empty() {
                let ctx = session.context(None).await?;
                let rolled = session.catch_up(&ctx).await?;
                println!(
                    "slo rollups: {} (SLO, run) pairs, {} rows",
                    rolled.pairs, rolled.rows
                );
            }
            for error in &errors {
                eprintln!("error: {error}");
            }
            Ok(if errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Query {
            sql,
            format,
            as_of,
            slo_minutes,
        } => {
            let session = open()?;
            let source = match slo_minutes {
                SloMinutes::Rollups => MinutesSource::Rollups,
                SloMinutes::Raw => MinutesSource::RawEvents,
            };
            let ctx = session.context_from(as_of, source).await?;
            session.catch_up(&ctx).await?;
            let batches = run_sql(&ctx, &sql).await?;
            print!("{}", format_batches(&batches, format)?);
            Ok(ExitCode::SUCCESS)
        }
        Command::Gen {
            out,
            seed,
            start,
            days,
            events,
            size,
            files,
            no_incidents,
            malformed_rate,
            minutes,
            app_config,
        } => {
            let start = chrono::DateTime::parse_from_rfc3339(&start)
                .with_context(|| format!("--start {start:?} is not RFC 3339"))?
                .with_timezone(&chrono::Utc);
            let events = match (events, size) {
                (Some(n), _) => n,
                (None, Some(size)) => parse_size(&size)? / APPROX_LINE_BYTES,
                (None, None) => GenOptions::default().events,
            };
            let options = GenOptions {
                seed,
                start,
                days,
                events,
                files,
                incidents: !no_incidents,
                malformed_rate,
                minutes,
                app_config: match &app_config {
                    Some(path) => shape::generate::read_app_config(path)?,
                    None => Default::default(),
                },
            };
            let truth = generate(&out, &options)?;
            println!(
                "wrote {} lines ({} events, {} malformed) in {} files and incidents.json ({} incidents) to {}",
                truth.lines,
                truth.events,
                truth.malformed_lines,
                truth.files.len(),
                truth.incidents.len(),
                out.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Slo { command } => {
            let session = open()?;
            match command {
                SloCommand::Status { as_of, format } => {
                    let ctx = session.context(as_of).await?;
                    session.catch_up(&ctx).await?;
                    let batches = run_sql(&ctx, shape::slo::STATUS_REPORT_SQL).await?;
                    print!("{}", format_batches(&batches, format)?);
                }
                SloCommand::Suggest => {
                    let ctx = session.context(None).await?;
                    let suggestions = shape::slo::suggest::suggest(&ctx).await?;
                    print!("{}", shape::slo::suggest::render(&suggestions));
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Serve {
            listen,
            memory_limit,
            max_connections,
            statement_timeout,
            tls_cert,
            tls_key,
        } => {
            let session = open()?;
            let flags = shape::server::ServerSection {
                listen,
                memory_limit,
                max_connections,
                statement_timeout,
                tls_cert,
                tls_key,
            };
            let settings = shape::server::ServerSettings::load(&session.config, flags)?;
            let options = ContextOptions {
                as_of: None,
                slos: session.slos.clone(),
                minutes_source: MinutesSource::Rollups,
                memory_limit: Some(settings.memory_limit),
                detection: session.detection.clone(),
            };
            // Loaded before listening: a bad certificate stops the start, never plaintext.
            let tls = settings
                .tls
                .as_ref()
                .map(shape::server::TlsFiles::acceptor)
                .transpose()?;
            let ctx = build_context(&session.store, &options).await?;
            session.catch_up(&ctx).await?;
            let listener = shape::server::bind(settings.addr).await?;
            let addr = settings.addr;
            eprintln!(
                "serving {data_dir} over the PostgreSQL wire protocol on {addr} ({}, {}; statement_timeout {}): \
                 psql -h {} -p {} -U {}",
                if settings.tls.is_some() { "TLS required" } else { "no TLS" },
                if settings.users.is_empty() {
                    "no users configured: loopback only, no password".to_string()
                } else {
                    format!("SCRAM-SHA-256 for {} configured user(s)", settings.users.len())
                },
                settings
                    .statement_timeout
                    .map_or("none".to_string(), |d| format!("{} ms", d.as_millis())),
                addr.ip(),
                addr.port(),
                settings.users.first().map_or("shape", |(name, _)| name.as_str()),
            );
            shape::server::serve_on(listener, ctx, &settings, tls).await?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Rollup { rebuild } => {
            let session = open()?;
            let ctx = session.context(None).await?;
            let report = if rebuild {
                shape::slo::rollup::rebuild(&session.store, &ctx, &session.slos).await?
            } else {
                session.catch_up(&ctx).await?
            };
            println!(
                "slo rollups: {} (SLO, run) pairs, {} rows, {} files written",
                report.pairs, report.rows, report.files
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Detect {
            as_of,
            min_severity,
        } => {
            let session = open()?;
            let ctx = session.context(as_of).await?;
            session.catch_up(&ctx).await?;
            let report = shape::detect::detect_report(&ctx, &min_severity).await?;
            print!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Trace { id, as_of, limit } => {
            let session = open()?;
            let ctx = session.context(as_of).await?;
            session.catch_up(&ctx).await?;
            let (lines, total) = shape::detect::trace(&ctx, &session.store, &id, limit).await?;
            println!(
                "{id}: {total} contributing events{}",
                if (lines.len() as u64) < total {
                    format!(" (first {} shown; --limit for more)", lines.len())
                } else {
                    String::new()
                }
            );
            let mut damaged = 0;
            for line in &lines {
                let note = match &line.status {
                    shape::detect::TraceStatus::Intact => String::new(),
                    shape::detect::TraceStatus::Changed(why) => {
                        damaged += 1;
                        format!("  [CHANGED since ingest: {why}]")
                    }
                    shape::detect::TraceStatus::Vanished(why) => {
                        damaged += 1;
                        format!("  [VANISHED since ingest: {why}]")
                    }
                };
                println!("{}{note}", line.location());
                match &line.raw {
                    Some(raw) => println!("    {raw}"),
                    None => println!("    (ingested message: {})", line.message),
                }
            }
            Ok(if damaged == 0 {
                ExitCode::SUCCESS
            } else {
                eprintln!("warning: {damaged} traced lines no longer read back as ingested");
                ExitCode::from(3)
            })
        }
        Command::Heal {
            execute,
            query,
            as_of,
            approve,
        } => {
            let session = open()?;
            let healer = shape::heal::Healer::load(&session.config)?;
            let now = shape::run::evaluation_time(as_of.as_deref())?;
            let ctx = session.context(Some(now.to_rfc3339())).await?;
            session.catch_up(&ctx).await?;
            let options = shape::heal::HealOptions {
                execute,
                query,
                now,
                approve,
            };
            let report = healer.cycle(&ctx, &session.store, &options).await?;
            print!("{report}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Run {
            every,
            execute,
            as_of,
        } => {
            let session = open()?;
            let settings = shape::run::RunSettings::load(&session.config)?;
            let every = match every.as_deref() {
                None => None,
                Some("") => Some(
                    settings
                        .every
                        .clone()
                        .context("--every without a value needs [run] every in the config")?,
                ),
                Some(text) => Some(text.to_string()),
            };
            let interval = every
                .map(|text| {
                    shape::heal::parse_duration(&text)
                        .with_context(|| format!("--every {text:?} is not a duration (e.g. 5m)"))
                })
                .transpose()?;
            let workflow = shape::run::Workflow {
                healer: shape::heal::Healer::load(&session.config)?,
                settings,
                store: session.store,
                config: session.config,
                slos: session.slos,
                detection: session.detection,
            };
            loop {
                let now = shape::run::evaluation_time(as_of.as_deref())?;
                println!("cycle at {}", now.to_rfc3339());
                match workflow.cycle(now, execute, None).await {
                    Ok(report) => print!("{report}"),
                    // In a loop, one bad cycle (a source briefly unreadable) is reported and
                    // the next one tries again; a single cycle fails the command.
                    Err(e) if interval.is_some() => eprintln!("error: cycle failed: {e}"),
                    Err(e) => return Err(e.into()),
                }
                let Some(interval) = interval else { break };
                tokio::select! {
                    _ = tokio::time::sleep(interval) => {}
                    _ = tokio::signal::ctrl_c() => break,
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { sample } => {
            let sample = sample.unwrap_or_else(shape::demo::default_sample_dir);
            let data_dir = tempfile::tempdir().context("creating a temporary data dir")?;
            let text = shape::demo::run_demo(&sample, data_dir.path()).await?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
