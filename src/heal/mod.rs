//! Heal: act on breaches, verify, record, learn (ARCHITECTURE.md, "Healing safety").
//!
//! One cycle ([`Healer::cycle`]):
//! 1. recover what an interrupted cycle left (see [`state`]): nothing is repeated;
//! 2. verify actions whose `verify_after` has passed: re-measure the breached SLI over the
//!    window after the action and record pass, fail or inconclusive in `healing_outcomes`;
//! 3. read the breach rows (`slo_breaches`, or any query with `breach_id` and `slo_id`),
//!    match playbooks, apply the guards, and act (with `--execute`) or print the plan.
//!
//! Guards, in order: kill switch (`[heal] enabled = false` or `SHAPE_HEAL_KILL_SWITCH`),
//! blast radius (more matching rows than `max_rows`: act on none), the breach's phase
//! (verifying, resolved or escalated breaches wait), maximum attempts (then escalate),
//! cooldown per playbook and SLO, approval mode (ask a human instead of running commands or
//! webhooks), and the dedup key (playbook, breach, attempt) written before acting.
//!
//! Time is the evaluation time (`--as-of`, default now), so cooldowns and verification
//! deadlines follow the data being evaluated; wall-clock times are recorded too.

mod actions;
mod decide;
mod execute;
mod github;
mod issue;
pub mod memory;
pub mod patch;
pub mod playbook;
mod recover;
mod repo;
mod report;
mod ship;
pub mod state;
mod verify;

pub use actions::{post_webhook, run_command, ActionResult, RunResult};
pub use decide::{decide_all, Decision, Facts, Guard, Policy, WaitReason};
pub use github::{Github, GithubSettings, PullRequest};
pub use issue::{diagnose, issue_body, render_template, Diagnosis};
pub use playbook::{load_playbooks, Action, Arg, PatchAction, Playbook, Predicate};
pub use repo::RepoSettings;
pub use report::{ActOutcome, HealEntry, HealReport, RowPlan};
pub use verify::{judge, Verdict};

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;
use std::time::Duration;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use serde::Deserialize;

use crate::common::{duration_message, parse_duration};
use crate::config::Config;
use crate::query::{rows_as_text, run_sql};
use crate::storage::DataStore;
use execute::Executor;
use state::HealStore;

#[derive(Debug, thiserror::Error)]
pub enum HealError {
    #[error("invalid playbook {path}:{line}: {field}: {message}")]
    Playbook {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the breach query has no {column:?} column (it needs breach_id and slo_id; columns: {columns})")]
    MissingColumn { column: String, columns: String },
    #[error("playbook {playbook} ({origin}) uses column {column:?}, which the breach query does not return (columns: {columns})")]
    UnknownColumn {
        playbook: String,
        origin: String,
        column: String,
        columns: String,
    },
    #[error("corrupt healing state {path}: {message}")]
    State { path: String, message: String },
    #[error("query failed: {0}")]
    Query(#[from] datafusion::error::DataFusionError),
    #[error("{0}")]
    Sql(#[from] crate::query::QueryError),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error("cannot write a healing record: {0}")]
    Parquet(#[from] datafusion::parquet::errors::ParquetError),
    #[error(transparent)]
    Detect(#[from] crate::detect::DetectError),
}

/// `[heal]` in shape.toml. Every field has a default; dry run is the CLI's default.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HealSettings {
    /// The kill switch: `false` stops every action (also `SHAPE_HEAL_KILL_SWITCH=1`).
    pub enabled: bool,
    /// Ask a human (a GitHub issue) instead of running commands and webhooks; approve a
    /// breach with `shape heal --execute --approve BREACH_ID`.
    pub approval: bool,
    /// Executables a command action may start: `argv[0]` must equal one of these.
    pub allowed_commands: Vec<String>,
    /// Blast radius: when more rows than this match a playbook at once, act on none.
    pub max_rows: usize,
    /// No two actions of one playbook on one SLO closer than this.
    pub cooldown: String,
    /// Actions per breach before it is escalated to a human.
    pub max_attempts: u32,
    /// How long after an action its effect is measured (the post-action window).
    pub verify_after: String,
    /// Events the post-action window needs to be judged (fewer: inconclusive).
    pub verify_min_events: i64,
    /// The multi-objective gate: a verification passes only if no other SLO of the component
    /// spent more than this share of its error budget over the same window.
    pub verify_tolerance: f64,
    /// How long a human's approval holds (`shape heal --approve ID --as NAME`).
    pub approval_ttl: String,
    /// Directories of playbook files (`*.toml`), relative to the config file.
    pub playbook_dirs: Vec<String>,
    pub github: Option<GithubSettings>,
    /// The repository `patch` actions change (see `ship`).
    pub repo: Option<RepoSettings>,
}

impl Default for HealSettings {
    fn default() -> Self {
        HealSettings {
            enabled: true,
            approval: false,
            allowed_commands: Vec::new(),
            max_rows: 5,
            cooldown: "10m".into(),
            max_attempts: 3,
            verify_after: "10m".into(),
            verify_min_events: 20,
            verify_tolerance: 0.01,
            approval_ttl: "1h".into(),
            playbook_dirs: vec!["playbooks".into()],
            github: None,
            repo: None,
        }
    }
}

/// The environment variable that stops every action, whatever the config says.
pub const KILL_SWITCH_ENV: &str = "SHAPE_HEAL_KILL_SWITCH";

fn kill_switch_env() -> bool {
    std::env::var(KILL_SWITCH_ENV)
        .is_ok_and(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
}

/// Playbooks, settings and where commands run.
pub struct Healer {
    pub settings: HealSettings,
    pub playbooks: Vec<Playbook>,
    /// The config file's directory: commands run there, relative paths resolve there.
    pub base_dir: PathBuf,
    policy: Policy,
    verify_after: Duration,
    approval_ttl: Duration,
    github_timeout: Duration,
}

/// What a cycle should do.
#[derive(Debug, Clone)]
pub struct HealOptions {
    /// Act (default: print the plan only, touch nothing).
    pub execute: bool,
    /// Breach rows from this SQL instead of `slo_breaches`.
    pub query: Option<String>,
    /// Evaluation time (the context's `as_of`).
    pub now: DateTime<Utc>,
    /// Breaches a human approves now (approval mode): with `execute` recorded in
    /// `healing_approvals`, valid for `[heal] approval_ttl`.
    pub approve: Vec<String>,
    /// Who approves (`--as NAME`; default the user running SHAPE).
    pub approver: Option<String>,
}

/// One breach row: column name -> text (NULL as `None`).
#[derive(Debug, Clone)]
pub struct BreachRow {
    pub values: BTreeMap<String, Option<String>>,
}

impl BreachRow {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values.get(column).and_then(|v| v.as_deref())
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::Value::Object(
            self.values
                .iter()
                .map(|(k, v)| (k.clone(), v.clone().into()))
                .collect(),
        )
    }
}

fn breach_rows(batches: &[RecordBatch]) -> (Vec<String>, Vec<BreachRow>) {
    let Some(first) = batches.first() else {
        return (Vec::new(), Vec::new());
    };
    let columns: Vec<String> = first
        .schema()
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .collect();
    // A sentinel that no text value takes, to tell NULL from empty text.
    const NULL: &str = "\u{0}NULL\u{0}";
    let rows = rows_as_text(batches, NULL)
        .into_iter()
        .map(|values| BreachRow {
            values: columns
                .iter()
                .cloned()
                .zip(values.into_iter().map(|v| (v != NULL).then_some(v)))
                .collect(),
        })
        .collect();
    (columns, rows)
}

impl Healer {
    /// `[heal]` and every playbook; errors name the file, line and field.
    pub fn load(config: &Config) -> Result<Healer, HealError> {
        let settings: HealSettings = config.section("heal")?;
        let base_dir = config.base_dir();
        let duration = |field: &str, text: &str| {
            parse_duration(text)
                .ok_or_else(|| config.invalid(&format!("heal.{field}"), duration_message(text)))
        };
        let cooldown = duration("cooldown", &settings.cooldown)?;
        let verify_after = duration("verify_after", &settings.verify_after)?;
        let approval_ttl = duration("approval_ttl", &settings.approval_ttl)?;
        if !(0.0..=1.0).contains(&settings.verify_tolerance) {
            return Err(config
                .invalid(
                    "heal.verify_tolerance",
                    "must be a share of the budget in [0, 1]",
                )
                .into());
        }
        if settings.max_attempts == 0 {
            return Err(config
                .invalid("heal.max_attempts", "must be at least 1")
                .into());
        }
        let github_timeout = match &settings.github {
            Some(g) => duration("github.timeout", &g.timeout)?,
            None => Duration::from_secs(10),
        };
        let dirs: Vec<PathBuf> = settings
            .playbook_dirs
            .iter()
            .map(|d| base_dir.join(d))
            .collect();
        let load = playbook::LoadContext {
            allowed_commands: &settings.allowed_commands,
        };
        let playbooks = load_playbooks(
            config
                .file()
                .map(|f| (f.text.as_str(), f.path.as_path(), &f.table)),
            &dirs,
            &load,
        )?;
        let mut settings = settings;
        if let Some(repo) = settings.repo.as_mut() {
            // A local path (no scheme, not scp-like host:path) is relative to the config.
            if !repo.url.contains("://") && !repo.url.contains(':') {
                repo.url = base_dir.join(&repo.url).display().to_string();
            }
        }
        let patching = playbooks
            .iter()
            .find(|p| p.actions.iter().any(|a| matches!(a, Action::Patch(_))));
        if let (Some(p), None) = (patching, &settings.repo) {
            return Err(config
                .invalid(
                    "heal.repo",
                    format!(
                        "playbook {} ({}) has a patch action: [heal.repo] must name the repository it changes",
                        p.name, p.origin
                    ),
                )
                .into());
        }
        Ok(Healer {
            policy: Policy {
                max_rows: settings.max_rows,
                max_attempts: settings.max_attempts,
                cooldown,
                approval: settings.approval,
            },
            settings,
            playbooks,
            base_dir,
            verify_after,
            approval_ttl,
            github_timeout,
        })
    }

    fn github(&self) -> Option<Result<Github, String>> {
        self.settings
            .github
            .as_ref()
            .map(|g| Github::new(g, self.github_timeout))
    }

    fn verify_after_of(&self, p: &Playbook) -> Duration {
        p.verify_after.unwrap_or(self.verify_after)
    }

    fn kill_switch(&self) -> Option<String> {
        if kill_switch_env() {
            Some(format!("kill switch: {KILL_SWITCH_ENV} is set"))
        } else if !self.settings.enabled {
            Some("kill switch: [heal] enabled = false".to_string())
        } else {
            None
        }
    }

    /// One cycle: recover, verify what is due, then decide (pure) and, with `execute`, act.
    pub async fn cycle(
        &self,
        ctx: &SessionContext,
        store: &DataStore,
        options: &HealOptions,
    ) -> Result<HealReport, HealError> {
        let _lock = if options.execute {
            Some(store.lock_named(".heal.lock")?)
        } else {
            None
        };
        let heal_store = HealStore { store };
        let mut report = HealReport {
            execute: options.execute,
            ..Default::default()
        };
        if options.execute {
            report.entries.extend(recover::recover(&heal_store).await?);
        }
        let min_events = self.settings.verify_min_events;
        let tolerance = self.settings.verify_tolerance;
        let verified = verify::verify_due(ctx, &heal_store, options, min_events, tolerance).await?;
        let failed: BTreeMap<String, String> = verified
            .iter()
            .filter_map(|e| match e {
                HealEntry::Verified {
                    breach_id,
                    verdict: Verdict::Fail,
                    detail,
                    ..
                } => Some((breach_id.clone(), detail.clone())),
                _ => None,
            })
            .collect();
        report.entries.extend(verified);
        if options.execute && !failed.is_empty() {
            let mut undo = Executor {
                healer: self,
                ctx,
                heal_store: &heal_store,
                options,
                github: self.github(),
                states: heal_store.breach_states().await?,
                anomaly_kinds: BTreeMap::new(),
            };
            report
                .entries
                .extend(undo.undo_failed_fixes(&failed).await?);
        }

        let sql = options
            .query
            .clone()
            .unwrap_or_else(|| "SELECT * FROM slo_breaches ORDER BY slo_id, kind, severity".into());
        let batches = run_sql(ctx, &sql).await?;
        let (columns, rows) = breach_rows(&batches);
        report.rows = rows.len();
        if rows.is_empty() {
            report.entries.push(HealEntry::NoBreachRows);
            return Ok(report);
        }
        for required in ["breach_id", "slo_id"] {
            if !columns.iter().any(|c| c == required) {
                return Err(HealError::MissingColumn {
                    column: required.into(),
                    columns: columns.join(", "),
                });
            }
        }
        self.check_columns(&columns)?;
        let approved = self.approvals(ctx, &heal_store, options).await?;
        let states = heal_store.breach_states().await?;
        let slos: BTreeSet<&str> = rows.iter().filter_map(|r| r.get("slo_id")).collect();
        let healthy =
            verify::healthy_since_fix(ctx, &states, &slos, &options.now, min_events).await?;
        let effectiveness = memory::effectiveness(ctx).await?;
        let decide = |anomaly_kinds: &BTreeMap<String, String>| {
            decide_all(
                &rows,
                &Facts {
                    playbooks: &self.playbooks,
                    policy: &self.policy,
                    states: &states,
                    effectiveness: &effectiveness,
                    anomaly_kinds,
                    healthy_since_fix: &healthy,
                    kill_switch: self.kill_switch(),
                    approved: &approved,
                    now: options.now,
                },
            )
        };
        // Whether a row waits does not depend on anomaly kinds (they only order candidates):
        // the anomalies are evaluated only when something is decided, then decided with them.
        let mut anomaly_kinds = BTreeMap::new();
        let mut decisions = decide(&anomaly_kinds);
        let deciding = decisions.iter().any(|d| !matches!(d, Decision::Wait(_)));
        if deciding {
            anomaly_kinds = memory::anomaly_kinds(ctx).await?;
            decisions = decide(&anomaly_kinds);
        }
        let mut executor = Executor {
            healer: self,
            ctx,
            heal_store: &heal_store,
            options,
            github: if options.execute { self.github() } else { None },
            states,
            anomaly_kinds,
        };
        // The memory too (waiting rows show nothing).
        let similar = if deciding {
            memory::similar_incidents(ctx, None).await?
        } else {
            Vec::new()
        };
        for (row, decision) in rows.iter().zip(decisions) {
            let plan = executor.carry_out(row, decision).await?;
            let breach_id = row.get("breach_id").unwrap_or("").to_string();
            report.entries.push(HealEntry::Row {
                similar: similar
                    .iter()
                    .filter(|s| s["breach_id"].as_str() == Some(breach_id.as_str()))
                    .map(memory::describe_similar)
                    .collect(),
                breach_id,
                slo_id: row.get("slo_id").unwrap_or("").to_string(),
                plan,
            });
        }
        Ok(report)
    }

    /// Records this run's approvals (with `execute`), then the breaches whose approval holds
    /// at `now`: given at or before it and not expired. A dry run counts `--approve` as given.
    async fn approvals(
        &self,
        ctx: &SessionContext,
        heal_store: &HealStore<'_>,
        options: &HealOptions,
    ) -> Result<Vec<String>, HealError> {
        if !options.execute {
            return Ok(options.approve.clone());
        }
        let approver = options
            .approver
            .clone()
            .unwrap_or_else(|| std::env::var("USER").unwrap_or_else(|_| "unknown".into()));
        let ttl = chrono::Duration::from_std(self.approval_ttl).unwrap_or_default();
        for breach in &options.approve {
            let now = options.now;
            heal_store
                .record_approval(&state::ApprovalRecord {
                    approval_id: crate::common::stable_key(&[breach, &approver, &now.to_rfc3339()]),
                    breach_id: breach.clone(),
                    playbook: None,
                    requested_at: None,
                    approver: Some(approver.clone()),
                    decided_at: Some(now),
                    expires_at: Some(now + ttl),
                })
                .await?;
        }
        let at = verify::ts(&options.now);
        let batches = run_sql(
            ctx,
            &format!(
                "SELECT DISTINCT breach_id FROM healing_approvals WHERE approver IS NOT NULL \
                                  AND decided_at <= {at} AND expires_at > {at}"
            ),
        )
        .await?;
        Ok(rows_as_text(&batches, "")
            .into_iter()
            .map(|r| r[0].clone())
            .collect())
    }

    /// Every column a playbook reads must exist in the breach query's result.
    fn check_columns(&self, columns: &[String]) -> Result<(), HealError> {
        for p in self.playbooks.iter().filter(|p| p.enabled) {
            let used = p
                .matches
                .iter()
                .map(|(c, _)| c.as_str())
                .chain(p.actions.iter().flat_map(|a| a.columns()));
            for column in used {
                if !columns.iter().any(|c| c == column) {
                    return Err(HealError::UnknownColumn {
                        playbook: p.name.clone(),
                        origin: p.origin.clone(),
                        column: column.into(),
                        columns: columns.join(", "),
                    });
                }
            }
        }
        Ok(())
    }
}
