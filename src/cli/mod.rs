//! The `shape` command line: flag groups (clap) and one library function per subcommand
//! (in `commands`). The binary only parses flags, starts the runtime and prints errors.
//!
//! Output goes to a writer so that a closed pipe (`shape detect | head`) ends the command
//! quietly instead of panicking.

mod commands;

use std::path::PathBuf;

use clap::{Args, Subcommand};

use crate::query::OutputFormat;
use crate::server::ServerSection;
use crate::workspace::{MinutesSource, WorkspaceOptions};

pub use commands::run_command;

/// Where a command's workspace comes from. Global: given before or after the subcommand.
#[derive(Debug, Clone, Args)]
pub struct WorkspaceArgs {
    /// Data dir: a local path or an s3://bucket/prefix URL [default: ./shape-data].
    #[arg(long, global = true, env = "SHAPE_DATA_DIR")]
    pub data_dir: Option<String>,
    /// Config file [default: ./shape.toml when it exists, else built-in defaults].
    #[arg(long, global = true, env = "SHAPE_CONFIG")]
    pub config: Option<PathBuf>,
    /// Override one config key, e.g. --set detect.lookback_days=30 (repeatable; values in
    /// TOML syntax, bare words are strings).
    #[arg(long = "set", global = true, value_name = "KEY=VALUE")]
    pub overrides: Vec<String>,
    /// Plan over these workers (`shape worker`), comma-separated, e.g.
    /// http://10.0.0.5:8090,http://10.0.0.6:8090; overrides `[cluster] workers`.
    #[arg(long, global = true, value_delimiter = ',', value_name = "URL")]
    pub workers: Vec<String>,
}

impl WorkspaceArgs {
    pub fn options(&self) -> WorkspaceOptions {
        WorkspaceOptions {
            config: self.config.clone(),
            data_dir: self
                .data_dir
                .clone()
                .unwrap_or_else(|| "./shape-data".into()),
            overrides: self
                .overrides
                .iter()
                .cloned()
                .chain((!self.workers.is_empty()).then(|| {
                    let quoted: Vec<String> =
                        self.workers.iter().map(|w| format!("{w:?}")).collect();
                    format!("cluster.workers=[{}]", quoted.join(", "))
                }))
                .collect(),
        }
    }
}

/// Evaluation time, shared by every command that reads windowed views.
#[derive(Debug, Clone, Args)]
pub struct AsOfArgs {
    /// Evaluation time of windowed views, as PostgreSQL reads a timestamp:
    /// 2025-11-23T00:00:00Z, '2025-11-23 14:08' (UTC unless a zone follows), a date
    /// (midnight UTC), today or yesterday [default: now].
    #[arg(long)]
    pub as_of: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Ingest log files, directories, globs, .gz files or s3:// objects into the data dir.
    Ingest(IngestArgs),
    /// Run SQL over every table and view and print the result.
    Query(QueryArgs),
    /// Generate realistic logs with injected incidents and their ground truth (writes to
    /// --out; uses no data dir).
    Gen(GenArgs),
    /// SLOs: status at an evaluation time, or suggestions from history.
    Slo {
        #[command(subcommand)]
        command: SloCommand,
    },
    /// Serve every table and view over the PostgreSQL wire protocol (psql, Grafana,
    /// drivers). Each flag overrides the same key of `[server]`; `[[user]]` entries turn on
    /// SCRAM-SHA-256 password authentication.
    Serve(ServerSection),
    /// Bring the per-minute SLO and detection rollups up to date (or rebuild them).
    Rollup {
        /// Delete every rollup and compute them again from events [default: only the
        /// missing ones].
        #[arg(long)]
        rebuild: bool,
    },
    /// Keep a data dir small: drop partitions older than `[retention]`, then merge each
    /// partition's small files into large sorted ones (queries meanwhile see the old files
    /// or the merged ones, never both). Recorded in the maintenance_log table.
    Compact {
        /// First read every file to the end: corrupt rollup files are deleted and the
        /// rollups rebuilt; other corrupt files are named with their source (exit 1).
        #[arg(long)]
        verify: bool,
    },
    /// Anomalies by severity, with root causes and recommended fixes (the detect views).
    Detect(DetectArgs),
    /// Every source line behind an anomaly or breach id, read back from its source.
    Trace(TraceArgs),
    /// Act on breaches: match playbooks, apply the guards, run actions, verify, record.
    /// Dry run (print the plan, change nothing) unless --execute.
    Heal(HealArgs),
    /// The loop: ingest [run] sources, evaluate, heal, verify; once, or --every DURATION.
    Run(RunArgs),
    /// Ingest the committed sample into a data dir (a temporary one unless --data-dir is
    /// given) and show what SHAPE sees, end to end.
    Demo {
        /// Sample directory [default: data/sample].
        #[arg(long)]
        sample: Option<PathBuf>,
    },
    /// Run a worker that other SHAPE processes plan queries over (`[cluster] workers`):
    /// SHAPE's functions and settings, local files and S3 (credentials from the standard
    /// AWS environment). It trusts its callers: keep it on loopback or a private network.
    Worker {
        /// Address to listen on.
        #[arg(long, default_value = "127.0.0.1:8090")]
        listen: std::net::SocketAddr,
    },
    /// The workers of `[cluster]`.
    Cluster {
        #[command(subcommand)]
        command: ClusterCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum ClusterCommand {
    /// Each worker of `[cluster] workers` (or --workers): whether it answers and its version.
    /// Exit code 1 when one does not answer or runs another version.
    Status,
}

#[derive(Debug, Args)]
pub struct IngestArgs {
    /// Sources: paths, directories, globs, file://... or s3://bucket/prefix.
    #[arg(required = true)]
    pub sources: Vec<String>,
    /// Never draw a progress bar [default: drawn on a terminal only].
    #[arg(long)]
    pub no_progress: bool,
    /// Read every source in this format instead of detecting it per source (auto, mixed,
    /// json, otlp, docker, journald, journal-export, cri, combined, syslog, logfmt, text, w3c, csv,
    /// windows-event, lines or regex:<pattern>); overrides `format` in the config.
    #[arg(long)]
    pub format: Option<String>,
}

#[derive(Debug, Args)]
pub struct QueryArgs {
    /// The SQL: one statement, or several separated by `;` (the last one's rows print).
    pub sql: String,
    /// Output format.
    #[arg(long, value_enum, default_value = "table")]
    pub format: OutputFormat,
    #[command(flatten)]
    pub as_of: AsOfArgs,
    /// Where SLO and detect views read per-minute counts: the rollups, or raw events (to
    /// check the rollups or measure what they save).
    #[arg(long, value_enum, default_value = "rollups")]
    pub slo_minutes: SloMinutes,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum SloMinutes {
    Rollups,
    Raw,
}

impl From<SloMinutes> for MinutesSource {
    fn from(value: SloMinutes) -> Self {
        match value {
            SloMinutes::Rollups => MinutesSource::Rollups,
            SloMinutes::Raw => MinutesSource::RawEvents,
        }
    }
}

#[derive(Debug, Args)]
pub struct GenArgs {
    /// Directory to write the log files and incidents.json to (created if missing).
    #[arg(long)]
    pub out: PathBuf,
    /// Random seed: the same seed and options give the same logs.
    #[arg(long, default_value_t = 42)]
    pub seed: u64,
    /// First instant (RFC 3339), e.g. 2025-11-16T00:00:00Z for the same bytes on every run
    /// [default: --days before now, so that the logs end at the current time and
    /// commands evaluated "now" see them].
    #[arg(long)]
    pub start: Option<String>,
    /// Days of logs to write.
    #[arg(long, default_value_t = 7)]
    pub days: u32,
    /// Number of request events, approximate [default: 200000].
    #[arg(long, conflicts_with = "size")]
    pub events: Option<u64>,
    /// Target total size instead of an event count, e.g. 500KB, 20MB, 1GB.
    #[arg(long)]
    pub size: Option<String>,
    /// Number of log files.
    #[arg(long, default_value_t = 3)]
    pub files: u32,
    /// Generate healthy traffic only [default: with injected incidents].
    #[arg(long)]
    pub no_incidents: bool,
    /// Fraction of lines written cut off (malformed), e.g. 0.001.
    #[arg(long, default_value_t = 0.0)]
    pub malformed_rate: f64,
    /// Generate this many minutes instead of --days whole days.
    #[arg(long)]
    pub minutes: Option<u64>,
    /// The application's config (TOML, `[component] db_pool_size = N`): a component with a
    /// pool below 8 fails 40% of its requests ("connection pool exhausted") [default: every
    /// pool large enough].
    #[arg(long)]
    pub app_config: Option<PathBuf>,
    /// What to generate: `web`, one service's JSON logs (six components); `cascade`, three
    /// services in a call chain (an nginx access log in front of two JSON services) whose
    /// incidents spread from a root cause to its callers, and a mail worker beside them with
    /// an unrelated incident at the same time, with a `shape.toml` for them.
    #[arg(long, value_enum, default_value = "web")]
    pub scenario: Scenario,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Scenario {
    Web,
    Cascade,
}

#[derive(Debug, Subcommand)]
pub enum SloCommand {
    /// A readable table: SLO, SLI, objective, budget remaining, burn rate, status.
    Status {
        #[command(flatten)]
        as_of: AsOfArgs,
        /// Output format.
        #[arg(long, value_enum, default_value = "table")]
        format: OutputFormat,
    },
    /// Propose objectives and latency thresholds per component from the 30 days before
    /// --as-of, leaving out excluded and anomalous windows.
    Suggest(SuggestArgs),
    /// Why an SLO stands where it does: its window, the counts behind each burn rate, and
    /// why each tier fires, is suppressed or stays quiet.
    Explain {
        /// The SLO's id (see `shape slo status`).
        slo_id: String,
        #[command(flatten)]
        as_of: AsOfArgs,
    },
}

#[derive(Debug, Args)]
pub struct SuggestArgs {
    #[command(flatten)]
    pub as_of: AsOfArgs,
    /// Leave out a window of history, e.g. an incident: FROM..TO (RFC 3339, or
    /// `2025-11-20 14:00` in UTC). Repeatable.
    #[arg(long, value_name = "FROM..TO")]
    pub exclude: Vec<String>,
    /// Keep the windows the detector marks anomalous (left out by default: an SLO should
    /// describe normal service).
    #[arg(long)]
    pub keep_anomalies: bool,
    /// Write the proposals as `[[slo]]` tables to this file (refused if it exists, unless
    /// --force: then its [[slo]] tables are replaced and the rest is kept).
    #[arg(long, value_name = "FILE")]
    pub write: Option<PathBuf>,
    /// Let --write replace the [[slo]] tables of an existing file.
    #[arg(long, requires = "write")]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DetectArgs {
    #[command(flatten)]
    pub as_of: AsOfArgs,
    /// Show anomalies of this severity and above: CRITICAL, HIGH, MEDIUM or LOW.
    #[arg(long, default_value = "LOW")]
    pub min_severity: String,
}

#[derive(Debug, Args)]
pub struct TraceArgs {
    /// An anomaly_id (from `anomalies` or `shape detect`) or a breach_id (`slo_breaches`).
    pub id: String,
    /// Evaluation time the id was found at (ids are found within the lookback before it)
    /// [default: now].
    #[arg(long)]
    pub as_of: Option<String>,
    /// Lines to print at most.
    #[arg(long, default_value_t = 50)]
    pub limit: usize,
}

#[derive(Debug, Args)]
pub struct HealArgs {
    /// Run the actions [default: dry run, nothing is run].
    #[arg(long)]
    pub execute: bool,
    /// Breach rows from this SQL (needs breach_id and slo_id columns) [default: SELECT *
    /// FROM slo_breaches].
    #[arg(long)]
    pub query: Option<String>,
    #[command(flatten)]
    pub as_of: AsOfArgs,
    /// In approval mode: approve this breach (repeatable); with --execute recorded in
    /// healing_approvals and valid for [heal] approval_ttl.
    #[arg(long)]
    pub approve: Vec<String>,
    /// Who approves [default: $USER].
    #[arg(long = "as", value_name = "NAME", requires = "approve")]
    pub approver: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Repeat every DURATION (e.g. 5m); given without a value, [run] every of the config
    /// [default: one cycle].
    #[arg(long, num_args = 0..=1, default_missing_value = "")]
    pub every: Option<String>,
    /// Run the actions [default: dry run, nothing is run].
    #[arg(long)]
    pub execute: bool,
    /// Evaluation time of a single cycle (as --as-of of the other commands) [default: now].
    #[arg(long, conflicts_with = "every")]
    pub as_of: Option<String>,
}
