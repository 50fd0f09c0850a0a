//! `shape run`: the loop. One cycle ingests new data from the `[run] sources`, brings the SLO
//! rollups up to date, evaluates every view at one evaluation time, and heals (recover,
//! verify what is due, act or plan). With `--every` it repeats.
//!
//! Killing it at any point is safe: ingest commits atomically and resumes from the last
//! committed offset; the healer writes its dedup record before acting and its breach states
//! after (see `heal::state`), so a restart repeats no action and loses no record.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::catalog::{build_context, ContextOptions, MinutesSource};
use crate::config::Config;
use crate::detect::Detection;
use crate::heal::{HealOptions, HealReport, Healer};
use crate::ingest::{format_report, ingest};
use crate::slo::SloDefinition;
use crate::storage::DataStore;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    #[error("invalid [run] settings in {path}: {message}")]
    Settings { path: PathBuf, message: String },
    #[error("invalid evaluation time {0:?}: expected RFC 3339 or a date")]
    AsOf(String),
    #[error(transparent)]
    Ingest(#[from] crate::ingest::IngestError),
    #[error(transparent)]
    Slo(#[from] crate::slo::SloError),
    #[error(transparent)]
    Catalog(#[from] crate::catalog::CatalogError),
    #[error(transparent)]
    Heal(#[from] crate::heal::HealError),
}

/// `[run]` in shape.toml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RunSettings {
    /// Sources ingested at the start of every cycle (paths relative to the config file,
    /// globs, s3:// URLs): only new bytes are read.
    pub sources: Vec<String>,
    /// Default interval for `shape run --every`.
    pub every: Option<String>,
}

impl RunSettings {
    pub fn load(config: &Config) -> Result<RunSettings, RunError> {
        let Some(source) = &config.source else {
            return Ok(RunSettings::default());
        };
        match source.table.get("run") {
            None => Ok(RunSettings::default()),
            Some(value) => {
                value
                    .clone()
                    .try_into()
                    .map_err(|e: toml::de::Error| RunError::Settings {
                        path: source.path.clone(),
                        message: e.message().to_string(),
                    })
            }
        }
    }
}

/// Everything a cycle needs, loaded once.
pub struct Workflow {
    pub store: DataStore,
    pub config: Config,
    pub slos: Vec<SloDefinition>,
    pub detection: Detection,
    pub healer: Healer,
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
    pub ingest: Option<String>,
    pub heal: HealReport,
}

impl std::fmt::Display for CycleReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(ingest) = &self.ingest {
            write!(f, "{ingest}")?;
        }
        write!(f, "{}", self.heal)
    }
}

impl Workflow {
    fn source_paths(&self) -> Vec<String> {
        let base = self
            .config
            .source
            .as_ref()
            .and_then(|s| s.path.parent())
            .unwrap_or(Path::new("."));
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
        let mut sources = Vec::new();
        let mut notes = String::new();
        for source in self.source_paths() {
            match crate::ingest::source::resolve(std::slice::from_ref(&source)).await {
                Ok(found) if !found.is_empty() => sources.push(source),
                Ok(_) | Err(crate::ingest::IngestError::NoSourceFound(_)) => {
                    notes.push_str(&format!("no data yet for source {source}\n"));
                }
                Err(e) => return Err(e.into()),
            }
        }
        let ingest_text = if sources.is_empty() {
            (!notes.is_empty()).then_some(notes)
        } else {
            let (report, errors) = ingest(&self.store, &self.config, &sources, false).await?;
            let mut text = notes + &format_report(&report);
            for e in errors {
                text.push_str(&format!("error: {e}\n"));
            }
            Some(text)
        };
        let options = ContextOptions {
            as_of: Some(now.to_rfc3339()),
            slos: self.slos.clone(),
            minutes_source: MinutesSource::Rollups,
            memory_limit: None,
            detection: self.detection.clone(),
        };
        let ctx = build_context(&self.store, &options).await?;
        crate::slo::rollup::catch_up(&self.store, &ctx, &self.slos).await?;
        let heal = self
            .healer
            .cycle(
                &ctx,
                &self.store,
                &HealOptions {
                    execute,
                    query,
                    now,
                    approve: Vec::new(),
                },
            )
            .await?;
        Ok(CycleReport {
            ingest: ingest_text,
            heal,
        })
    }
}
