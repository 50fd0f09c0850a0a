//! `shape run`: the loop. One cycle ingests new data from the `[run] sources`, brings the SLO
//! rollups up to date, evaluates every view at one evaluation time, and heals (recover,
//! verify what is due, act or plan). With `--every` it repeats.
//!
//! Killing it at any point is safe: ingest commits atomically and resumes from the last
//! committed offset; the healer writes its dedup record before acting and its breach states
//! after (see `heal::state`), so a restart repeats no action and loses no record.

use std::collections::BTreeSet;
use std::path::Path;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::common::{duration_message, parse_duration_secs};
use crate::heal::{HealOptions, HealReport, Healer};
use crate::ingest::follow::{follow, FollowSettings};
use crate::ingest::{format_report, IngestReport, SourceStatus};
use crate::maintenance::{first_kept_day, MaintenanceReport};
use crate::storage::schema::EVENTS;
use crate::workspace::{QueryOptions, Workspace, WorkspaceError};

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("invalid evaluation time {0:?}: expected RFC 3339 or a date")]
    AsOf(String),
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    #[error(transparent)]
    Slo(#[from] crate::slo::SloError),
    #[error(transparent)]
    Workspace(#[from] WorkspaceError),
    #[error(transparent)]
    Heal(#[from] crate::heal::HealError),
    #[error(transparent)]
    Notify(#[from] crate::notify::NotifyError),
    #[error("invalid [run] {field}: {message}")]
    Setting {
        field: &'static str,
        message: String,
    },
}

/// `[run]` in shape.toml.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSettings {
    /// Sources ingested at the start of every cycle (paths relative to the config file,
    /// globs, s3:// URLs): only new bytes are read.
    pub sources: Vec<String>,
    /// Default interval for `shape run --every`.
    pub every: Option<String>,
    /// After each ingest, expire partitions past `[retention]` and compact partitions that
    /// hold `[compact] min_small_files` small files (see `maintenance`).
    pub compact: bool,
    /// Whether `s3://` sources' keys sort by time, so each cycle lists from a cursor (S3
    /// `start-after`) instead of the whole prefix. Unset: yes for a source whose keys start
    /// with a date below its prefix (see `ingest::cursor`).
    pub ordered_keys: Option<bool>,
    /// How long after a later key an object may still appear under time-ordered keys: the
    /// cursor stays that far behind.
    pub late_arrival: String,
}

impl Default for RunSettings {
    fn default() -> Self {
        RunSettings {
            sources: Vec::new(),
            every: None,
            compact: true,
            ordered_keys: None,
            late_arrival: "15m".to_string(),
        }
    }
}

/// Everything a cycle needs, loaded once.
pub struct Workflow<'a> {
    pub workspace: &'a Workspace,
    pub healer: Healer,
    pub notifier: crate::notify::Notifier,
    pub settings: RunSettings,
}

/// Parses an evaluation time (RFC 3339 or a date); `None` is now.
pub fn evaluation_time(as_of: Option<&str>) -> Result<DateTime<Utc>, RunError> {
    match as_of {
        None => Ok(Utc::now()),
        Some(text) => shape_udfs::parse_as_of(text)
            .ok()
            .and_then(DateTime::from_timestamp_micros)
            .ok_or_else(|| RunError::AsOf(text.to_string())),
    }
}

/// What one cycle did, for printing.
pub struct CycleReport {
    /// `[run] sources` that match nothing yet.
    pub missing: Vec<String>,
    pub ingest: Option<IngestReport>,
    /// Per-source ingest errors (other sources still ran).
    pub ingest_errors: Vec<String>,
    /// What retention and compaction did (empty when nothing was due).
    pub maintenance: MaintenanceReport,
    pub heal: HealReport,
    /// Notifications sent (and not yet delivered) this cycle.
    pub notify: crate::notify::NotifyReport,
    /// How to call SHAPE on this workspace, for the commands the report suggests.
    pub shape_command: String,
}

impl CycleReport {
    /// Whether any source brought new lines this cycle.
    pub fn ingested_anything(&self) -> bool {
        self.ingest.as_ref().is_some_and(|r| {
            r.sources
                .iter()
                .any(|s| s.status != SourceStatus::Unchanged)
        })
    }

    /// The ingest part as text (empty when there was nothing to ingest).
    pub fn ingest_text(&self) -> String {
        let mut text: String = self
            .missing
            .iter()
            .map(|s| format!("no data yet for source {s}\n"))
            .collect();
        if let Some(report) = &self.ingest {
            text.push_str(&format_report(report, &self.shape_command));
        }
        for e in &self.ingest_errors {
            text.push_str(&format!("error: {e}\n"));
        }
        if !self.maintenance.entries.is_empty() {
            text.push_str(&self.maintenance.to_string());
        }
        text
    }
}

impl std::fmt::Display for CycleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}{}{}", self.ingest_text(), self.heal, self.notify)
    }
}

impl Workflow<'_> {
    /// The loop over `workspace`, with its healer.
    pub fn new(workspace: &Workspace) -> Result<Workflow<'_>, RunError> {
        let workflow = Workflow {
            workspace,
            healer: workspace.healer()?,
            notifier: crate::notify::Notifier::load(workspace.config())?,
            settings: workspace.config().section("run")?,
        };
        workflow.follow_settings()?;
        Ok(workflow)
    }

    fn follow_settings(&self) -> Result<FollowSettings, RunError> {
        let late = self.settings.late_arrival.trim();
        let late_secs = match late {
            "0" | "0s" => 0,
            _ => parse_duration_secs(late).ok_or_else(|| RunError::Setting {
                field: "late_arrival",
                message: duration_message(late),
            })?,
        };
        let today = Utc::now().date_naive();
        let retention = self.workspace.maintenance().retention_days.get(EVENTS);
        Ok(FollowSettings {
            ordered_keys: self.settings.ordered_keys,
            late_arrival_micros: late_secs * 1_000_000,
            first_kept_day: retention.map(|days| first_kept_day(today, *days)),
        })
    }

    fn source_paths(&self) -> Vec<String> {
        let base = self.workspace.config().base_dir();
        let base = base.as_path();
        self.settings
            .sources
            .iter()
            .map(|s| {
                if s.contains("://") || Path::new(s).is_absolute() {
                    s.clone()
                } else {
                    base.join(s).display().to_string()
                }
            })
            .collect()
    }

    /// One cycle at evaluation time `now` (see the module docs).
    pub async fn cycle(
        &self,
        now: DateTime<Utc>,
        execute: bool,
        query: Option<String>,
    ) -> Result<CycleReport, RunError> {
        // A source that matches nothing yet is normal in a loop (the pipeline has not
        // written it): say so and ingest the rest.
        let settings = self.follow_settings()?;
        let store = self.workspace.store();
        let followed = follow(store, &self.source_paths(), &settings).await?;
        let missing = followed.missing.clone();
        let mut ingest_errors = followed.problems.clone();
        let ingest = if followed.objects.is_empty() {
            None
        } else {
            let objects = followed.objects.clone();
            let (report, errors) = self.workspace.ingest_objects(objects).await?;
            ingest_errors.extend(errors.iter().map(ToString::to_string));
            Some(report)
        };
        let committed: BTreeSet<String> = ingest
            .iter()
            .flat_map(|r| r.sources.iter().map(|s| s.uri.clone()))
            .collect();
        let wall_clock = Utc::now().timestamp_micros();
        followed
            .settle(store, &committed, wall_clock, settings.late_arrival_micros)
            .await?;
        // Retention counts from the wall clock, not the evaluation time: files are old by
        // the calendar, whatever time the views are asked about.
        let maintenance = if self.settings.compact {
            self.workspace.maintain(Utc::now(), false).await?
        } else {
            MaintenanceReport::default()
        };
        let ctx = self
            .workspace
            .context(&QueryOptions::at(Some(now.to_rfc3339())))
            .await?;
        let heal = self
            .healer
            .cycle(
                &ctx,
                self.workspace.store(),
                &HealOptions {
                    execute,
                    query,
                    now,
                    approve: Vec::new(),
                    approver: None,
                },
            )
            .await?;
        // After healing, so that a breach the healer just escalated or resolved says so.
        let notify = self.notifier.cycle(&ctx, store, now).await?;
        Ok(CycleReport {
            missing,
            ingest,
            ingest_errors,
            maintenance,
            heal,
            notify,
            shape_command: self.workspace.shape_command(),
        })
    }
}
