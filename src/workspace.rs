//! The one way in. A [`Workspace`] is opened from a config file, a data dir and overrides;
//! it loads and checks every layer's settings once, owns the data store, and is the only
//! place that builds a `SessionContext`, with the SLO rollups caught up first. The CLI, the
//! loop (`shape run`), the demo, the server, the tests and the benches all start here, so
//! every consumer sees the same tables, views and settings.

use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use datafusion::prelude::SessionContext;

use crate::catalog::{add_views, base_context, build_context, CatalogError, ContextOptions};
use crate::config::{Config, ConfigError};
use crate::detect::rollup::DetectRollupReport;
use crate::detect::{DetectError, Detection};
use crate::heal::{HealError, Healer};
use crate::ingest::{IngestConfig, IngestError, IngestReport};
use crate::maintenance::{maintain, Maintenance, MaintenanceReport};
use crate::server::{ServerError, ServerSection, ServerSettings};
use crate::slo::rollup::RollupReport;
use crate::slo::{SloDefinition, SloError};
use crate::storage::{DataStore, StorageError};

pub use crate::catalog::MinutesSource;

#[derive(Debug, thiserror::Error)]
pub enum WorkspaceError {
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error(transparent)]
    Slo(#[from] SloError),
    #[error(transparent)]
    Detect(#[from] DetectError),
    #[error("cannot open data dir {data_dir}: {source}")]
    DataDir {
        data_dir: String,
        source: StorageError,
    },
    #[error(transparent)]
    Catalog(#[from] CatalogError),
    #[error(transparent)]
    Ingest(#[from] IngestError),
    #[error(transparent)]
    Storage(#[from] StorageError),
    #[error("invalid override {0:?}: expected KEY=VALUE, e.g. detect.lookback_days=30")]
    Override(String),
    #[error(transparent)]
    Cluster(#[from] crate::cluster::ClusterError),
}

/// Where a workspace comes from.
#[derive(Debug, Clone, Default)]
pub struct WorkspaceOptions {
    /// The config file; `None`: `./shape.toml` when it exists, else defaults everywhere.
    pub config: Option<PathBuf>,
    /// A local path or an `s3://bucket/prefix` URL.
    pub data_dir: String,
    /// `section.key=value` settings applied over the file (values in TOML syntax; bare
    /// words are strings).
    pub overrides: Vec<String>,
}

/// How a context evaluates.
#[derive(Debug, Clone, Default)]
pub struct QueryOptions {
    /// Evaluation time of windowed views (`shape.as_of`: RFC 3339 or a date); `None`: now.
    pub as_of: Option<String>,
    /// Where the SLO views read per-minute counts.
    pub minutes_source: MinutesSource,
    /// Bytes of the query memory pool; `None`: unbounded.
    pub memory_limit: Option<usize>,
    /// Evaluate `anomalies` and `root_cause_candidates` once, when the context is made, and
    /// let every view that reads them (`root_causes`, `fix_recommendations`, `lineage`) read
    /// those rows: for a report that reads them all at one as-of time (`shape detect`). A
    /// later `SET shape.as_of` does not move them.
    pub snapshot_detection: bool,
}

impl QueryOptions {
    /// Evaluation at `as_of`, everything else as usual.
    pub fn at(as_of: Option<String>) -> QueryOptions {
        QueryOptions {
            as_of,
            ..Default::default()
        }
    }
}

/// A config and a data dir, loaded and checked (see the module docs).
pub struct Workspace {
    config: Config,
    ingest: IngestConfig,
    slos: Vec<SloDefinition>,
    detection: Detection,
    maintenance: Maintenance,
    store: DataStore,
    data_dir: String,
    cluster: crate::cluster::ClusterSection,
    /// The workers, probed on the first context this workspace makes.
    workers: tokio::sync::OnceCell<Option<crate::cluster::LiveWorkers>>,
}

impl Workspace {
    /// Reads the config (with overrides), checks every section, opens the data dir.
    pub fn open(options: &WorkspaceOptions) -> Result<Workspace, WorkspaceError> {
        Self::with_config(Self::load_config(options)?, &options.data_dir)
    }

    /// The config file with the overrides applied (no section checked, no data dir opened):
    /// for commands that use no data dir (`shape worker`, `shape cluster status`).
    pub fn load_config(options: &WorkspaceOptions) -> Result<Config, WorkspaceError> {
        let mut config = match &options.config {
            Some(path) => Config::load(path)?,
            None if Path::new("shape.toml").is_file() => Config::load(Path::new("shape.toml"))?,
            None => Config::default(),
        };
        for text in &options.overrides {
            let (key, value) = text
                .split_once('=')
                .filter(|(k, _)| !k.trim().is_empty())
                .ok_or_else(|| WorkspaceError::Override(text.clone()))?;
            config.set(key.trim(), value.trim())?;
        }
        Ok(config)
    }

    /// A workspace over an already parsed config.
    pub fn with_config(config: Config, data_dir: &str) -> Result<Workspace, WorkspaceError> {
        let ingest = IngestConfig::load(&config)?;
        let slos = crate::slo::load_slos(&config)?;
        let detection = Detection::load(&config)?;
        let maintenance = Maintenance::load(&config, &slos, &detection)?;
        // Checked now, used later: a typo in a section no command of this run reads still
        // stops it, rather than surfacing in the next `shape heal`.
        config.section::<crate::heal::HealSettings>("heal")?;
        config.section::<ServerSection>("server")?;
        config.section::<crate::http::HttpSection>("http")?;
        config.section::<Vec<crate::notify::NotifySection>>("notify")?;
        let cluster = config.section::<crate::cluster::ClusterSection>("cluster")?;
        cluster.urls()?;
        let store = DataStore::open(data_dir).map_err(|source| WorkspaceError::DataDir {
            data_dir: data_dir.to_string(),
            source,
        })?;
        Ok(Workspace {
            config,
            ingest,
            slos,
            detection,
            maintenance,
            store,
            data_dir: data_dir.to_string(),
            cluster,
            workers: tokio::sync::OnceCell::new(),
        })
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    pub fn ingest_config(&self) -> &IngestConfig {
        &self.ingest
    }

    pub fn slos(&self) -> &[SloDefinition] {
        &self.slos
    }

    pub fn detection(&self) -> &Detection {
        &self.detection
    }

    /// `[retention]` and `[compact]`.
    pub fn maintenance(&self) -> &Maintenance {
        &self.maintenance
    }

    /// Drops expired partitions and compacts small files (see `maintenance`), holding the
    /// writer lock (an ingest's recovery must not race a merge). `eager`: merge any two
    /// small files (`shape compact`), else wait for `[compact] min_small_files` (the loop).
    pub async fn maintain(
        &self,
        now: DateTime<Utc>,
        eager: bool,
    ) -> Result<MaintenanceReport, WorkspaceError> {
        let lock = self.store.lock_for_writing().await?;
        // Finishes (or rolls back) what an interrupted ingest or compaction left staged.
        self.store.recover().await?;
        let mut policy = self.maintenance.policy;
        if eager {
            policy.min_small_files = 2;
        }
        let report = maintain(&self.store, &self.maintenance, &policy, now).await?;
        lock.release().await?;
        Ok(report)
    }

    /// Reads every file of every table to the end (`shape compact --verify`). Corrupt
    /// rollup files are deleted and the rollups rebuilt from events; other corrupt files
    /// cannot be derived again and are returned with the source that wrote them.
    pub async fn verify_files(&self) -> Result<Verified, WorkspaceError> {
        use crate::storage::schema::{DETECT_ROLLUPS, SLO_ROLLUPS, TABLES};
        let corrupt = self.store.corrupt_files(TABLES, true).await?;
        let mut verified = Verified::default();
        for file in corrupt {
            if [SLO_ROLLUPS, DETECT_ROLLUPS].contains(&file.table.as_str()) {
                verified.rebuilt.push(file);
            } else {
                let source = self.store.source_of_file(&file.path).await?;
                verified.lost.push((file, source));
            }
        }
        if !verified.rebuilt.is_empty() {
            verified.rollups = Some(self.rebuild_rollups().await?);
        }
        Ok(verified)
    }

    pub fn store(&self) -> &DataStore {
        &self.store
    }

    /// The data dir as given.
    pub fn data_dir(&self) -> &str {
        &self.data_dir
    }

    /// How to call SHAPE on this workspace (`shape --config c.toml --data-dir d`), for the
    /// commands SHAPE prints for the user to run next, so that copying them works.
    pub fn shape_command(&self) -> String {
        use crate::common::shell_word;
        let mut words = vec!["shape".to_string()];
        if let Some(file) = self.config.file() {
            words.push(format!(
                "--config {}",
                shell_word(&file.path.to_string_lossy())
            ));
        }
        words.push(format!("--data-dir {}", shell_word(&self.data_dir)));
        words.join(" ")
    }

    /// `[heal]` and the playbooks (loaded on demand: only healing needs them).
    pub fn healer(&self) -> Result<Healer, HealError> {
        Healer::load(&self.config)
    }

    /// `[server]` and `[[user]]` with command-line `flags` over them.
    pub fn server_settings(&self, flags: ServerSection) -> Result<ServerSettings, ServerError> {
        ServerSettings::load(&self.config, flags)
    }

    /// `[http]` with `--http` over it, for a server whose `[[user]]`s are `users`.
    pub fn http_settings(
        &self,
        flag: Option<String>,
        users: &[(String, String)],
    ) -> Result<Option<crate::http::HttpSettings>, crate::http::HttpError> {
        crate::http::HttpSettings::load(&self.config, flag, users)
    }

    /// Ingests `sources` (see `ingest::ingest`), in `format` when given (else detected per
    /// source); per-source errors are returned beside the report.
    pub async fn ingest(
        &self,
        sources: &[String],
        format: Option<&str>,
        show_progress: bool,
    ) -> Result<(IngestReport, Vec<IngestError>), WorkspaceError> {
        let ingested =
            crate::ingest::ingest(&self.store, &self.config, sources, format, show_progress);
        Ok(ingested.await?)
    }

    /// Ingests objects already resolved (see `ingest::follow`).
    pub async fn ingest_objects(
        &self,
        objects: Vec<crate::ingest::source::SourceObject>,
    ) -> Result<(IngestReport, Vec<IngestError>), WorkspaceError> {
        let ingested =
            crate::ingest::ingest_objects(&self.store, &self.config, objects, None, false);
        Ok(ingested.await?)
    }

    /// A context with the SLO and detection rollups brought up to date first.
    pub async fn context(&self, options: &QueryOptions) -> Result<SessionContext, WorkspaceError> {
        Ok(self.context_and_rollups(options).await?.0)
    }

    /// [`Workspace::context`], with what the rollup catch-ups wrote. The catch-ups run before
    /// the views are made, so the views read the rollups just written.
    pub async fn context_and_rollups(
        &self,
        options: &QueryOptions,
    ) -> Result<(SessionContext, Rollups), WorkspaceError> {
        let context_options = self.context_options(options).await?;
        let ctx = base_context(&self.store, &context_options).await?;
        let rollups = self.catch_up_rollups(&ctx).await?;
        add_views(
            &ctx,
            &context_options,
            &rollups.detect_unrolled,
            rollups.slo_hours_stored,
        )
        .await?;
        Ok((ctx, rollups))
    }

    /// Brings the rollups up to date, for commands that end there (`shape ingest`, `shape
    /// rollup`): the context is the tables and functions only, as making the views (a third
    /// of a second, every SQL file planned) would be work for nobody.
    pub async fn catch_up(&self) -> Result<Rollups, WorkspaceError> {
        let context_options = self.context_options(&QueryOptions::default()).await?;
        let ctx = base_context(&self.store, &context_options).await?;
        self.catch_up_rollups(&ctx).await
    }

    /// Brings the rollups up to date. First a look without the lock (the usual answer:
    /// nothing to do); then, under the writer lock and after finishing what a crashed
    /// writer staged, the same look again (another process may have caught up meanwhile)
    /// and the work. While another writer holds the lock the catch-up is deferred: the
    /// detect views then read the runs not rolled up from events, and the SLO views lack
    /// them until the next catch-up (`shape run` catches up after every ingest).
    async fn catch_up_rollups(&self, ctx: &SessionContext) -> Result<Rollups, WorkspaceError> {
        use crate::detect::rollup as detect;
        use crate::slo::rollup as slo;
        let hash = detect::settings_hash(&self.detection, &self.slos);
        let marks = self.store.rollup_watermarks().await?;
        let detect_plan = detect::plan(ctx, &hash, &marks).await?;
        let settled = slo::plan(ctx, &self.slos, &marks).await?.is_settled(&marks)
            && detect_plan.is_settled(&hash, &marks);
        if settled {
            return Ok(Rollups {
                slo_hours_stored: marks.slo_hours(),
                ..Rollups::default()
            });
        }
        let Some(lock) = self.store.try_lock_for_writing().await? else {
            return Ok(Rollups {
                deferred: true,
                detect_unrolled: detect_plan.missing,
                slo_hours_stored: marks.slo_hours(),
                ..Rollups::default()
            });
        };
        self.store.recover().await?;
        let marks = self.store.rollup_watermarks().await?;
        let rolled = self.roll_up(ctx, marks).await?;
        lock.release().await?;
        Ok(rolled)
    }

    /// Both catch-ups from `marks`, which they move on and which are then saved. Only under
    /// the writer lock.
    async fn roll_up(
        &self,
        ctx: &SessionContext,
        mut marks: crate::storage::Watermarks,
    ) -> Result<Rollups, WorkspaceError> {
        let before = marks.clone();
        let hash = crate::detect::rollup::settings_hash(&self.detection, &self.slos);
        let slo = crate::slo::rollup::catch_up(&self.store, ctx, &self.slos, &mut marks).await?;
        let detect = crate::detect::rollup::catch_up(&self.store, ctx, &hash, &mut marks).await?;
        if marks != before {
            self.store.save_rollup_watermarks(&marks).await?;
        }
        Ok(Rollups {
            slo,
            detect,
            slo_hours_stored: marks.slo_hours(),
            ..Rollups::default()
        })
    }

    /// [`Workspace::context`] for a server: with no SLO configured, the `slo_suggestions`
    /// table holds what `shape slo suggest` proposes from the data, so that clients and
    /// dashboards can show it. Returns the context and the number of proposals.
    pub async fn serving_context(
        &self,
        options: &QueryOptions,
    ) -> Result<(SessionContext, usize), WorkspaceError> {
        let ctx = self.context(options).await?;
        if !self.slos.is_empty() {
            return Ok((ctx, 0));
        }
        let report = crate::slo::suggest::suggest(&ctx, &Default::default()).await?;
        crate::catalog::register_batch(
            &ctx,
            "slo_suggestions",
            crate::slo::suggest::suggestions_batch(&report.suggestions),
        )?;
        Ok((ctx, report.suggestions.len()))
    }

    /// A context over the data dir as it is: no rollups are written (read-only use). The
    /// detect views read the runs not rolled up yet from events.
    pub async fn context_as_is(
        &self,
        options: &QueryOptions,
    ) -> Result<SessionContext, WorkspaceError> {
        Ok(build_context(&self.store, &self.context_options(options).await?).await?)
    }

    async fn context_options(
        &self,
        options: &QueryOptions,
    ) -> Result<ContextOptions, WorkspaceError> {
        Ok(ContextOptions {
            as_of: options.as_of.clone(),
            slos: self.slos.clone(),
            minutes_source: options.minutes_source,
            memory_limit: options.memory_limit,
            detection: self.detection.clone(),
            snapshot_detection: options.snapshot_detection,
            workers: self.workers().await?,
        })
    }

    /// `[cluster]`: the workers every context plans over (probed once per workspace, then
    /// kept up to date in the background), or `None` to plan and run here.
    pub async fn workers(&self) -> Result<Option<crate::cluster::LiveWorkers>, WorkspaceError> {
        Ok(self
            .workers
            .get_or_try_init(|| crate::cluster::connect(&self.cluster))
            .await?
            .clone())
    }

    /// The `[cluster]` section.
    pub fn cluster(&self) -> &crate::cluster::ClusterSection {
        &self.cluster
    }

    /// Deletes every rollup (SLO and detection) and computes them again from events,
    /// holding the writer lock (see `DataStore::lock_for_writing`).
    pub async fn rebuild_rollups(&self) -> Result<Rollups, WorkspaceError> {
        let lock = self.store.lock_for_writing().await?;
        self.store.recover().await?;
        let mut marks = self.store.rollup_watermarks_to_rebuild().await?;
        crate::detect::rollup::delete_all(&self.store, &mut marks).await?;
        crate::slo::rollup::delete_all(&self.store, &mut marks).await?;
        let context_options = self.context_options(&QueryOptions::default()).await?;
        let ctx = base_context(&self.store, &context_options).await?;
        let rolled = self.roll_up(&ctx, marks).await?;
        lock.release().await?;
        Ok(rolled)
    }
}

/// What `verify_files` found.
#[derive(Debug, Default)]
pub struct Verified {
    /// Corrupt rollup files, deleted with the rest of the rollups and rebuilt.
    pub rebuilt: Vec<crate::storage::CorruptFile>,
    /// Corrupt files that cannot be derived again, with the source that wrote them (none
    /// for a merged file).
    pub lost: Vec<(crate::storage::CorruptFile, Option<String>)>,
    pub rollups: Option<Rollups>,
}

impl std::fmt::Display for Verified {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for file in &self.rebuilt {
            writeln!(f, "corrupt: {} ({}): rebuilt", file.path, file.error)?;
        }
        if let Some(rollups) = &self.rollups {
            writeln!(
                f,
                "rollups rebuilt: {} SLO rows, {} detection rows",
                rollups.slo.rows, rollups.detect.rows
            )?;
        }
        for (file, source) in &self.lost {
            let from = match source {
                Some(source) => format!("re-ingest {source} into a new data dir to recover it"),
                None => "a merged file: its sources are in ingest_log".to_string(),
            };
            writeln!(
                f,
                "corrupt: {} ({}): cannot be derived again; {from}",
                file.path, file.error
            )?;
        }
        if self.rebuilt.is_empty() && self.lost.is_empty() {
            writeln!(f, "verify: every file reads to the end")?;
        }
        Ok(())
    }
}

/// What the rollup catch-ups wrote.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Rollups {
    pub slo: RollupReport,
    pub detect: DetectRollupReport,
    /// Another writer held the lock, so nothing was rolled up (see
    /// `Workspace::context_and_rollups`).
    pub deferred: bool,
    /// The runs left without detection rollups (none unless deferred).
    pub detect_unrolled: Vec<String>,
    /// Every SLO rollup has its hour rows (see `slo::rollup`); else the views make them.
    pub slo_hours_stored: bool,
}
