//! The `shape` command: a thin layer over the library (see `shape --help`).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Parser, Subcommand};

use shape::catalog::{build_context, ContextOptions};
use shape::config::Config;
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
    },
    /// Ingest the committed sample into a temporary data dir and show what SHAPE sees.
    Demo {
        /// Sample directory (default: data/sample).
        #[arg(long)]
        sample: Option<PathBuf>,
    },
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

#[tokio::main]
async fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli).await {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Ingest {
            sources,
            no_progress,
        } => {
            let config = load_config(cli.config.as_ref())?;
            let store = DataStore::open(&cli.data_dir)
                .with_context(|| format!("opening data dir {}", cli.data_dir))?;
            let (report, errors) = ingest(&store, &config, &sources, !no_progress).await?;
            print!("{}", format_report(&report));
            for error in &errors {
                eprintln!("error: {error}");
            }
            Ok(if errors.is_empty() {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Command::Query { sql, format, as_of } => {
            let store = DataStore::open(&cli.data_dir)
                .with_context(|| format!("opening data dir {}", cli.data_dir))?;
            let ctx = build_context(&store, &ContextOptions { as_of }).await?;
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
        Command::Demo { sample } => {
            let sample = sample.unwrap_or_else(shape::demo::default_sample_dir);
            let data_dir = tempfile::tempdir().context("creating a temporary data dir")?;
            let text = shape::demo::run_demo(&sample, data_dir.path()).await?;
            print!("{text}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
