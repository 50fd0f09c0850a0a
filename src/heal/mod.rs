//! Heal: act on breaches, verify, record, learn (DESIGN.md section 5).
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
mod github;
pub mod playbook;
pub mod state;
mod verify;

pub use actions::{post_webhook, run_command, ActionResult};
pub use github::{Github, GithubSettings};
pub use playbook::{load_playbooks, parse_duration, Action, Arg, Playbook, Predicate};
pub use verify::judge;

use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::{DateTime, Utc};
use datafusion::arrow::array::RecordBatch;
use datafusion::prelude::SessionContext;
use serde::Deserialize;

use crate::config::Config;
use crate::query::{rows_as_text, run_sql};
use crate::storage::{crash_point, DataStore};
use state::{
    ActionPhase, ActionRecord, BreachPhase, BreachState, HealStore, OutcomeRecord, RunRecord,
};

#[derive(Debug, thiserror::Error)]
pub enum HealError {
    #[error("invalid playbook {path}:{line}: {field}: {message}")]
    Playbook {
        path: PathBuf,
        line: usize,
        field: String,
        message: String,
    },
    #[error("invalid [heal] settings in {path}: {field}: {message}")]
    Settings {
        path: PathBuf,
        field: String,
        message: String,
    },
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
    /// Directories of playbook files (`*.toml`), relative to the config file.
    pub playbook_dirs: Vec<String>,
    pub github: Option<GithubSettings>,
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
            playbook_dirs: vec!["playbooks".into()],
            github: None,
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
    cooldown: Duration,
    verify_after: Duration,
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
    /// Breaches a human approved (approval mode).
    pub approve: Vec<String>,
}

/// One line per decision, plus counts.
#[derive(Debug, Default)]
pub struct HealReport {
    pub execute: bool,
    pub lines: Vec<String>,
    pub rows: usize,
    pub acted: usize,
    pub verified: usize,
    pub skipped: usize,
}

impl fmt::Display for HealReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "heal ({}): {} breach rows, {} actions {}, {} verifications, {} skipped",
            if self.execute {
                "execute"
            } else {
                "dry run: nothing is run; --execute acts"
            },
            self.rows,
            self.acted,
            if self.execute { "taken" } else { "planned" },
            self.verified,
            self.skipped
        )?;
        for line in &self.lines {
            writeln!(f, "  {line}")?;
        }
        Ok(())
    }
}

/// Environment variables given to a command: `(name, value)`.
type Environment = Vec<(String, String)>;

/// One breach row: column name -> text (NULL as `None`).
#[derive(Debug, Clone)]
pub struct BreachRow {
    pub values: BTreeMap<String, Option<String>>,
}

impl BreachRow {
    pub fn get(&self, column: &str) -> Option<&str> {
        self.values.get(column).and_then(|v| v.as_deref())
    }

    fn json(&self) -> serde_json::Value {
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

/// What the guards decided for one row.
#[derive(Debug, Clone)]
enum Decision {
    Act {
        playbook: usize,
        step: usize,
        attempt: u32,
    },
    AskApproval {
        playbook: usize,
        step: usize,
        attempt: u32,
    },
    Escalate {
        playbook: usize,
        attempt: u32,
        why: String,
    },
    /// Recorded once (a guard decision worth keeping): kill switch, blast radius, cooldown.
    Guard {
        playbook: usize,
        attempt: u32,
        guard: &'static str,
        why: String,
    },
    /// Only reported (the breach is waiting, done, or nothing matches).
    Wait(String),
}

/// A short stable hash (hex) of the parts.
fn key(parts: &[&str]) -> String {
    format!(
        "{:016x}",
        crate::storage::fnv1a64(parts.join("\u{1f}").as_bytes())
    )
}

fn who() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("shape heal ({user}@{host})")
}

impl Healer {
    /// `[heal]` and every playbook; errors name the file, line and field.
    pub fn load(config: &Config) -> Result<Healer, HealError> {
        let (settings, path, base_dir) = match &config.source {
            Some(source) => {
                let base = source
                    .path
                    .parent()
                    .map(Path::to_path_buf)
                    .unwrap_or_default();
                let settings = match source.table.get("heal") {
                    Some(value) => value.clone().try_into().map_err(|e: toml::de::Error| {
                        HealError::Settings {
                            path: source.path.clone(),
                            field: "heal".into(),
                            message: e.message().to_string(),
                        }
                    })?,
                    None => HealSettings::default(),
                };
                (settings, source.path.clone(), base)
            }
            None => (
                HealSettings::default(),
                PathBuf::from("shape.toml"),
                PathBuf::from("."),
            ),
        };
        let base_dir = if base_dir.as_os_str().is_empty() {
            PathBuf::from(".")
        } else {
            base_dir
        };
        // Absolute, so commands run in the same place whatever the current directory.
        let base_dir = std::path::absolute(&base_dir).unwrap_or(base_dir);
        let bad = |field: &str, message: String| HealError::Settings {
            path: path.clone(),
            field: format!("heal.{field}"),
            message,
        };
        let duration = |field: &str, text: &str| {
            parse_duration(text)
                .ok_or_else(|| bad(field, format!("{text:?} is not a duration (e.g. 10m)")))
        };
        let cooldown = duration("cooldown", &settings.cooldown)?;
        let verify_after = duration("verify_after", &settings.verify_after)?;
        if settings.max_attempts == 0 {
            return Err(bad("max_attempts", "must be at least 1".into()));
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
                .source
                .as_ref()
                .map(|s| (s.text.as_str(), s.path.as_path(), &s.table)),
            &dirs,
            &load,
        )?;
        Ok(Healer {
            settings,
            playbooks,
            base_dir,
            cooldown,
            verify_after,
            github_timeout,
        })
    }

    fn github(&self) -> Option<Result<Github, String>> {
        self.settings
            .github
            .as_ref()
            .map(|g| Github::new(g, self.github_timeout))
    }

    fn cooldown_of(&self, p: &Playbook) -> Duration {
        p.cooldown.unwrap_or(self.cooldown)
    }

    fn verify_after_of(&self, p: &Playbook) -> Duration {
        p.verify_after.unwrap_or(self.verify_after)
    }

    /// One cycle: recover, verify what is due, then plan (and with `execute`, act).
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
            self.recover(ctx, &heal_store, &mut report).await?;
        }
        self.verify_due(ctx, &heal_store, options, &mut report)
            .await?;

        let sql = options
            .query
            .clone()
            .unwrap_or_else(|| "SELECT * FROM slo_breaches ORDER BY slo_id, kind, severity".into());
        let batches = run_sql(ctx, &sql).await?;
        let (columns, rows) = breach_rows(&batches);
        report.rows = rows.len();
        if rows.is_empty() {
            report.lines.push("no breach rows".into());
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
        let mut states: BTreeMap<String, BreachState> = heal_store
            .breaches()
            .await?
            .into_iter()
            .map(|s| (s.breach_id.clone(), s))
            .collect();
        let effectiveness = effectiveness(ctx).await?;
        let chosen = self.choose(&rows, &states, &effectiveness);
        let matching = chosen.iter().flatten().count();
        let github = if options.execute { self.github() } else { None };
        // One decision per SLO and cycle: later rows of an SLO already decided wait.
        let mut decided: BTreeMap<String, String> = BTreeMap::new();
        for (row, chosen) in rows.iter().zip(chosen) {
            let slo = row.get("slo_id").unwrap_or("").to_string();
            let breach = row.get("breach_id").unwrap_or("").to_string();
            let decision = match decided.get(&slo) {
                Some(first) if chosen.is_some() => {
                    Decision::Wait(format!("covered by breach {first} of the same SLO"))
                }
                _ => {
                    self.decide(ctx, row, chosen, matching, &states, options)
                        .await?
                }
            };
            if matches!(
                decision,
                Decision::Act { .. }
                    | Decision::AskApproval { .. }
                    | Decision::Escalate { .. }
                    | Decision::Guard {
                        guard: "cooldown",
                        ..
                    }
            ) {
                decided.insert(slo, breach);
            }
            self.carry_out(
                ctx,
                &heal_store,
                row,
                decision,
                &mut states,
                options,
                github.as_ref(),
                &mut report,
            )
            .await?;
        }
        Ok(report)
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

    /// Candidate playbooks for a row: enabled and matching, by priority, then by past
    /// success rate, then name.
    fn candidates(&self, row: &BreachRow, effectiveness: &BTreeMap<String, f64>) -> Vec<usize> {
        let mut found: Vec<usize> = (0..self.playbooks.len())
            .filter(|&i| {
                let p = &self.playbooks[i];
                p.enabled && p.matches.iter().all(|(c, pred)| pred.matches(row.get(c)))
            })
            .collect();
        let rate = |i: usize| {
            effectiveness
                .get(&self.playbooks[i].name)
                .copied()
                .unwrap_or(0.5)
        };
        found.sort_by(|&a, &b| {
            let (pa, pb) = (&self.playbooks[a], &self.playbooks[b]);
            pb.priority
                .cmp(&pa.priority)
                .then(rate(b).total_cmp(&rate(a)))
                .then(pa.name.cmp(&pb.name))
        });
        found
    }

    /// The playbook for each row: the one its breach started with (one ladder per breach),
    /// else the first candidate.
    fn choose(
        &self,
        rows: &[BreachRow],
        states: &BTreeMap<String, BreachState>,
        effectiveness: &BTreeMap<String, f64>,
    ) -> Vec<Option<usize>> {
        rows.iter()
            .map(|row| {
                let breach = row.get("breach_id").unwrap_or("");
                let sticky = states
                    .get(breach)
                    .and_then(|s| s.playbook.as_ref())
                    .and_then(|name| {
                        self.playbooks
                            .iter()
                            .position(|p| &p.name == name && p.enabled)
                    });
                sticky.or_else(|| self.candidates(row, effectiveness).first().copied())
            })
            .collect()
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

    /// The guards for one row, in order. `states` includes what earlier rows of this cycle
    /// did, so two breach rows of one SLO never both act in one cycle.
    async fn decide(
        &self,
        ctx: &SessionContext,
        row: &BreachRow,
        chosen: Option<usize>,
        matching: usize,
        states: &BTreeMap<String, BreachState>,
        options: &HealOptions,
    ) -> Result<Decision, HealError> {
        let Some(p) = chosen else {
            return Ok(Decision::Wait("no playbook matches".into()));
        };
        let playbook = &self.playbooks[p];
        let breach = row.get("breach_id").unwrap_or("");
        let slo = row.get("slo_id").unwrap_or("");
        let state = states.get(breach);
        let attempt = state.map_or(0, |s| s.attempts) + 1;
        let guard = |guard: &'static str, why: String| {
            Ok(Decision::Guard {
                playbook: p,
                attempt,
                guard,
                why,
            })
        };
        if let Some(why) = self.kill_switch() {
            return guard("kill_switch", why);
        }
        if matching > self.settings.max_rows {
            return guard(
                "blast_radius",
                format!(
                    "blast radius: {matching} rows match playbooks at once (limit [heal] max_rows = {}); acting on none",
                    self.settings.max_rows
                ),
            );
        }
        if let Some(s) = state {
            let wait = match s.phase {
                BreachPhase::Resolved => "resolved (verification passed)".to_string(),
                BreachPhase::Escalated => "escalated to a human".to_string(),
                BreachPhase::Verifying => format!(
                    "verifying {} at {}",
                    s.last_run_id.as_deref().unwrap_or("?"),
                    s.verify_due.map(|t| t.to_rfc3339()).unwrap_or_default()
                ),
                BreachPhase::Healing => "an action is in progress".to_string(),
                BreachPhase::Open => String::new(),
            };
            if !wait.is_empty() {
                return Ok(Decision::Wait(wait));
            }
        }
        // Breach rows of one SLO are one episode (a burn-rate breach's id changes with its
        // window): an action in flight or an escalation covers every row; an open ladder is
        // continued, not restarted; a verified fix covers them while the SLI stays healthy.
        let mut attempt = attempt;
        for other in states
            .values()
            .filter(|s| s.slo_id == slo && s.breach_id != breach)
        {
            match other.phase {
                BreachPhase::Healing | BreachPhase::Verifying | BreachPhase::Escalated => {
                    return Ok(Decision::Wait(format!(
                        "covered by breach {} of the same SLO ({})",
                        other.breach_id,
                        other.phase.as_str()
                    )))
                }
                BreachPhase::Open if other.playbook.as_deref() == Some(&playbook.name) => {
                    attempt = attempt.max(other.attempts + 1);
                }
                BreachPhase::Resolved => {
                    let Some(fixed_at) = other.last_action_at else {
                        continue;
                    };
                    let since = verify::snapshot(ctx, slo, None, &fixed_at, &options.now).await?;
                    let (verdict, detail) =
                        judge(&since, other.objective, self.settings.verify_min_events);
                    if verdict == "pass" {
                        return Ok(Decision::Wait(format!(
                            "healthy since the fix of breach {} at {}: {detail}",
                            other.breach_id,
                            fixed_at.to_rfc3339()
                        )));
                    }
                }
                BreachPhase::Open => {}
            }
        }
        let guard = |guard: &'static str, why: String| {
            Ok(Decision::Guard {
                playbook: p,
                attempt,
                guard,
                why,
            })
        };
        let max = playbook.max_attempts.unwrap_or(self.settings.max_attempts);
        if attempt > max {
            return Ok(Decision::Escalate {
                playbook: p,
                attempt,
                why: format!(
                    "{} attempts made (max_attempts = {max}); escalating to a human",
                    attempt - 1
                ),
            });
        }
        let last = states
            .values()
            .filter(|s| s.slo_id == slo && s.playbook.as_deref() == Some(&playbook.name))
            .filter_map(|s| s.last_action_at)
            .max();
        if let Some(last) = last {
            let until =
                last + chrono::Duration::from_std(self.cooldown_of(playbook)).unwrap_or_default();
            if options.now < until {
                return guard(
                    "cooldown",
                    format!(
                        "cooldown: {} acted on {slo} at {}; next action after {}",
                        playbook.name,
                        last.to_rfc3339(),
                        until.to_rfc3339()
                    ),
                );
            }
        }
        let step = (attempt as usize).min(playbook.actions.len()) - 1;
        let needs_approval = playbook.approval.unwrap_or(self.settings.approval)
            && matches!(
                playbook.actions[step],
                Action::Command { .. } | Action::Webhook { .. }
            )
            && !options.approve.iter().any(|b| b == breach);
        Ok(if needs_approval {
            Decision::AskApproval {
                playbook: p,
                step,
                attempt,
            }
        } else {
            Decision::Act {
                playbook: p,
                step,
                attempt,
            }
        })
    }

    fn base_run(
        &self,
        row: &BreachRow,
        playbook: &Playbook,
        step: usize,
        attempt: u32,
        kind: &str,
        options: &HealOptions,
    ) -> RunRecord {
        let breach = row.get("breach_id").unwrap_or("").to_string();
        let dedup_key = key(&[&playbook.name, &breach, &attempt.to_string(), kind]);
        let matched: Vec<String> = playbook
            .matches
            .iter()
            .map(|(c, _)| format!("{c}={}", row.get(c).unwrap_or("NULL")))
            .collect();
        let now = Utc::now();
        RunRecord {
            run_id: dedup_key.clone(),
            dedup_key,
            breach_id: breach,
            slo_id: row.get("slo_id").unwrap_or("").to_string(),
            component: row.get("component").map(str::to_string),
            playbook: playbook.name.clone(),
            step: step as i32,
            attempt: attempt as i32,
            action_kind: kind.to_string(),
            target: String::new(),
            result: "planned".into(),
            detail: String::new(),
            exit_code: None,
            http_status: None,
            output: None,
            link: None,
            evaluated_at: options.now,
            started_at: now,
            finished_at: now,
            who: who(),
            why: format!(
                "playbook {} ({}) matched {}; attempt {attempt}, step {step}",
                playbook.name,
                playbook.origin,
                if matched.is_empty() {
                    "every row".to_string()
                } else {
                    matched.join(", ")
                }
            ),
            breach_json: row.json().to_string(),
        }
    }

    /// The argv and environment of a command action for a row.
    fn render_command(
        &self,
        action: &Action,
        row: &BreachRow,
    ) -> Option<(Vec<String>, Environment)> {
        let Action::Command { argv, env, .. } = action else {
            return None;
        };
        let value = |a: &Arg| match a {
            Arg::Literal(t) => t.clone(),
            Arg::Column(c) => row.get(c).unwrap_or("").to_string(),
        };
        let mut args: Vec<String> = argv.iter().map(value).collect();
        if args[0].contains('/') && !Path::new(&args[0]).is_absolute() {
            let relative = args[0].trim_start_matches("./").to_string();
            args[0] = self.base_dir.join(relative).display().to_string();
        }
        let mut vars: Vec<(String, String)> = row
            .values
            .iter()
            .map(|(k, v)| {
                (
                    format!("HEAL_COL_{}", k.to_ascii_uppercase()),
                    v.clone().unwrap_or_default(),
                )
            })
            .collect();
        vars.extend(env.iter().map(|(k, a)| (k.clone(), value(a))));
        Some((args, vars))
    }

    fn describe(&self, action: &Action, row: &BreachRow) -> String {
        match action {
            Action::Command { .. } => {
                let (argv, _) = self.render_command(action, row).expect("a command");
                serde_json::to_string(&argv).expect("strings serialise")
            }
            Action::Webhook { url, .. } => format!("POST {url}"),
            Action::GithubIssue { .. } => self.github_target("issues"),
            Action::GithubPr { path, base, .. } => self.github_target(&format!(
                "pulls (shape/heal-{} -> {base}, {path})",
                row.get("breach_id").unwrap_or("")
            )),
        }
    }

    fn github_target(&self, what: &str) -> String {
        match &self.settings.github {
            Some(g) => format!("github {} {what}", g.repo),
            None => format!("github (not configured: [heal.github]) {what}"),
        }
    }

    #[allow(clippy::too_many_arguments)]
    async fn carry_out(
        &self,
        ctx: &SessionContext,
        heal_store: &HealStore<'_>,
        row: &BreachRow,
        decision: Decision,
        states: &mut BTreeMap<String, BreachState>,
        options: &HealOptions,
        github: Option<&Result<Github, String>>,
        report: &mut HealReport,
    ) -> Result<(), HealError> {
        let breach = row.get("breach_id").unwrap_or("");
        let slo = row.get("slo_id").unwrap_or("");
        let label = format!("{breach} {slo}");
        match decision {
            Decision::Wait(why) => {
                report.lines.push(format!("{label}: wait: {why}"));
            }
            Decision::Guard {
                playbook,
                attempt,
                guard,
                why,
            } => {
                report.skipped += 1;
                report.lines.push(format!(
                    "{label}: SKIP ({}) {why}",
                    self.playbooks[playbook].name
                ));
                if options.execute {
                    let p = &self.playbooks[playbook];
                    let step = (attempt as usize).min(p.actions.len()) - 1;
                    let mut run = self.base_run(row, p, step, attempt, guard, options);
                    run.action_kind = p.actions[step].kind().into();
                    run.target = self.describe(&p.actions[step], row);
                    run.result = "skipped".into();
                    run.detail = why;
                    if !heal_store.run_recorded(&run).await? {
                        heal_store.record_run(&run).await?;
                    }
                }
            }
            Decision::Escalate {
                playbook,
                attempt,
                why,
            } => {
                let p = &self.playbooks[playbook];
                report
                    .lines
                    .push(format!("{label}: ESCALATE ({}) {why}", p.name));
                if !options.execute {
                    return Ok(());
                }
                let mut run =
                    self.base_run(row, p, p.actions.len() - 1, attempt, "escalate", options);
                run.target = self.github_target("issues");
                run.detail = why.clone();
                let result = match github {
                    Some(Ok(gh)) => {
                        let issue = BreachIssue {
                            title: format!("SHAPE escalation: {slo} breach {breach} needs a human"),
                            marker: format!("<!-- shape:escalation:{breach} -->"),
                            note: &why,
                            labels: &["shape-escalation".to_string()],
                        };
                        issue.open(gh, ctx, heal_store.store, breach, row).await?
                    }
                    Some(Err(e)) => ActionResult::failed(e.clone()),
                    None => ActionResult {
                        result: "ok".into(),
                        detail: format!("{why} (no [heal.github]: recorded only)"),
                        ..Default::default()
                    },
                };
                self.finish_run(heal_store, &mut run, result).await?;
                let mut state = states.get(breach).cloned().unwrap_or_else(|| {
                    BreachState::new(breach, slo, row.get("component"), options.now)
                });
                state.move_to(BreachPhase::Escalated, options.now);
                heal_store.put_breach(&state).await?;
                states.insert(state.breach_id.clone(), state);
                report
                    .lines
                    .push(format!("    -> escalated: {}", run.detail));
            }
            Decision::AskApproval {
                playbook,
                step,
                attempt,
            } => {
                let p = &self.playbooks[playbook];
                let action = &p.actions[step];
                let target = self.describe(action, row);
                report.lines.push(format!(
                    "{label}: APPROVAL NEEDED ({} step {step}, attempt {attempt}) {} {target}; approve with --approve {breach}",
                    p.name,
                    action.kind()
                ));
                if !options.execute {
                    return Ok(());
                }
                let mut run = self.base_run(row, p, step, attempt, "approval_request", options);
                if heal_store.run_recorded(&run).await? {
                    return Ok(());
                }
                run.target = target.clone();
                let result = match github {
                    Some(Ok(gh)) => {
                        let why = format!(
                            "Approval mode is on. Playbook `{}` would run step {step} ({}): `{}`. \
                             To approve, run `shape heal --execute --approve {breach}`.",
                            p.name,
                            action.kind(),
                            target.replace('`', "'")
                        );
                        let issue = BreachIssue {
                            title: format!("SHAPE approval needed: {} for {slo}", p.name),
                            marker: format!("<!-- shape:approval:{breach}:{} -->", p.name),
                            note: &why,
                            labels: &["shape-approval".to_string()],
                        };
                        issue.open(gh, ctx, heal_store.store, breach, row).await?
                    }
                    Some(Err(e)) => ActionResult::failed(e.clone()),
                    None => ActionResult {
                        result: "awaiting_approval".into(),
                        detail: "approval mode; no [heal.github] to ask through: recorded only"
                            .into(),
                        ..Default::default()
                    },
                };
                self.finish_run(heal_store, &mut run, result).await?;
            }
            Decision::Act {
                playbook,
                step,
                attempt,
            } => {
                let p = &self.playbooks[playbook];
                let action = &p.actions[step];
                let target = self.describe(action, row);
                report.acted += 1;
                report.lines.push(format!(
                    "{label}: {} {} (step {step}, attempt {attempt}) {} {target}",
                    if options.execute { "ACT" } else { "WOULD ACT" },
                    p.name,
                    action.kind()
                ));
                if options.execute {
                    self.act(
                        ctx, heal_store, row, p, step, attempt, target, states, options, github,
                        report,
                    )
                    .await?;
                }
            }
        }
        Ok(())
    }

    /// The guarded action: dedup record, breach state, the side effect, the record.
    #[allow(clippy::too_many_arguments)]
    async fn act(
        &self,
        ctx: &SessionContext,
        heal_store: &HealStore<'_>,
        row: &BreachRow,
        p: &Playbook,
        step: usize,
        attempt: u32,
        target: String,
        states: &mut BTreeMap<String, BreachState>,
        options: &HealOptions,
        github: Option<&Result<Github, String>>,
        report: &mut HealReport,
    ) -> Result<(), HealError> {
        let action = &p.actions[step];
        let mut run = self.base_run(row, p, step, attempt, action.kind(), options);
        run.target = target;
        if let Some(existing) = heal_store.action(&run.dedup_key).await? {
            report.lines.push(format!(
                "    -> already done (dedup key {}, {:?}): not repeated",
                existing.dedup_key, existing.phase
            ));
            return Ok(());
        }
        let breach = run.breach_id.clone();
        let component = row.get("component");
        let window = chrono::Duration::from_std(self.verify_after_of(p)).unwrap_or_default();
        let before = verify::snapshot(
            ctx,
            &run.slo_id,
            component,
            &(options.now - window),
            &options.now,
        )
        .await?;
        let objective = verify::objective(ctx, &run.slo_id).await?;
        let mut record = ActionRecord {
            dedup_key: run.dedup_key.clone(),
            phase: ActionPhase::Intent,
            run: run.clone(),
        };
        heal_store.put_action(&record).await?;
        crash_point("heal_after_intent");
        let mut state = states
            .get(&breach)
            .cloned()
            .unwrap_or_else(|| BreachState::new(&breach, &run.slo_id, component, options.now));
        state.playbook = Some(p.name.clone());
        state.attempts = attempt;
        state.last_run_id = Some(run.run_id.clone());
        state.last_step = Some(step);
        state.last_action_at = Some(options.now);
        state.verify_due = Some(options.now + window);
        state.before = Some(before);
        state.objective = objective;
        state.move_to(BreachPhase::Healing, options.now);
        heal_store.put_breach(&state).await?;
        record.phase = ActionPhase::Started;
        heal_store.put_action(&record).await?;

        let result = match action {
            Action::Command {
                timeout,
                max_output_bytes,
                ..
            } => {
                let (argv, env) = self.render_command(action, row).expect("a command");
                run_command(&argv, &env, &self.base_dir, *timeout, *max_output_bytes).await
            }
            Action::Webhook {
                url,
                timeout,
                retries,
            } => {
                let diagnosis = diagnose(ctx, heal_store.store, &breach).await?;
                let body = serde_json::json!({
                    "breach": row.json(),
                    "playbook": p.name,
                    "step": step,
                    "attempt": attempt,
                    "root_causes": diagnosis.root_causes,
                    "recommendations": diagnosis.recommendations,
                    "source_lines": diagnosis.lines,
                });
                post_webhook(url, &body, *timeout, *retries, Duration::from_millis(200)).await
            }
            Action::GithubIssue { labels } => match github {
                Some(Ok(gh)) => {
                    let issue = BreachIssue {
                        title: format!(
                            "SHAPE: {} breach of {} ({})",
                            row.get("kind").unwrap_or("slo"),
                            run.slo_id,
                            breach
                        ),
                        marker: format!("<!-- shape:breach:{breach}:{} -->", p.name),
                        note: &p.description,
                        labels,
                    };
                    issue.open(gh, ctx, heal_store.store, &breach, row).await?
                }
                Some(Err(e)) => ActionResult::failed(e.clone()),
                None => ActionResult::failed("no [heal.github] configured"),
            },
            Action::GithubPr {
                path,
                template,
                base,
                labels,
            } => match github {
                Some(Ok(gh)) => {
                    let diagnosis = diagnose(ctx, heal_store.store, &breach).await?;
                    let content = render_template(template, row, &diagnosis);
                    let marker = format!("<!-- shape:breach:{breach}:{} -->", p.name);
                    let body = issue_body(&marker, row, &diagnosis, &p.description);
                    let title = format!("SHAPE heal: {} for {}", p.name, run.slo_id);
                    let branch = format!("shape/heal-{breach}");
                    gh.open_pull_request(&branch, base, path, &content, &title, &body, labels)
                        .await
                }
                Some(Err(e)) => ActionResult::failed(e.clone()),
                None => ActionResult::failed("no [heal.github] configured"),
            },
        };
        crash_point("heal_after_action");
        self.finish_run(heal_store, &mut run, result).await?;
        record.phase = ActionPhase::Done;
        record.run = run.clone();
        heal_store.put_action(&record).await?;
        state.move_to(BreachPhase::Verifying, options.now);
        heal_store.put_breach(&state).await?;
        let verify_due = state.verify_due;
        states.insert(state.breach_id.clone(), state);
        report.lines.push(format!(
            "    -> {}: {}{}; verify at {}",
            run.result,
            run.detail,
            run.link
                .as_deref()
                .map(|l| format!(" ({l})"))
                .unwrap_or_default(),
            verify_due.map(|t| t.to_rfc3339()).unwrap_or_default()
        ));
        Ok(())
    }

    async fn finish_run(
        &self,
        heal_store: &HealStore<'_>,
        run: &mut RunRecord,
        result: ActionResult,
    ) -> Result<(), HealError> {
        run.result = result.result;
        run.detail = result.detail;
        run.exit_code = result.exit_code;
        run.http_status = result.http_status;
        run.output = result.output;
        run.link = result.link;
        run.finished_at = Utc::now();
        heal_store.record_run(run).await
    }

    /// Finishes what an interrupted cycle left: an action recorded as intended but never
    /// started is forgotten (it will be planned again); one that started is recorded as
    /// `unknown` and never repeated; its verification tells whether it helped.
    async fn recover(
        &self,
        _ctx: &SessionContext,
        heal_store: &HealStore<'_>,
        report: &mut HealReport,
    ) -> Result<(), HealError> {
        let states: BTreeMap<String, BreachState> = heal_store
            .breaches()
            .await?
            .into_iter()
            .map(|s| (s.breach_id.clone(), s))
            .collect();
        for mut record in heal_store.unfinished_actions().await? {
            let mut state = states.get(&record.run.breach_id).cloned();
            let ours = state
                .as_ref()
                .is_some_and(|s| s.last_run_id.as_deref() == Some(record.run.run_id.as_str()));
            match record.phase {
                ActionPhase::Intent => {
                    heal_store
                        .store
                        .delete(&format!("_heal/actions/{}.json", record.dedup_key))
                        .await?;
                    if let (Some(s), true) = (state.as_mut(), ours) {
                        if s.phase == BreachPhase::Healing {
                            s.attempts = s.attempts.saturating_sub(1);
                            s.last_action_at = None;
                            s.last_run_id = None;
                            s.move_to(BreachPhase::Open, record.run.evaluated_at);
                            heal_store.put_breach(s).await?;
                        }
                    }
                    report.lines.push(format!(
                        "recovered {}: the previous cycle stopped before acting; nothing ran, it will be planned again",
                        record.dedup_key
                    ));
                }
                ActionPhase::Started => {
                    if !heal_store.run_recorded(&record.run).await? {
                        record.run.result = "unknown".into();
                        record.run.detail = "interrupted after the action started: it may or may not have completed; not repeated (verification tells)".into();
                        record.run.finished_at = Utc::now();
                        heal_store.record_run(&record.run).await?;
                    }
                    record.phase = ActionPhase::Done;
                    heal_store.put_action(&record).await?;
                    if let (Some(s), true) = (state.as_mut(), ours) {
                        s.move_to(BreachPhase::Verifying, record.run.evaluated_at);
                        heal_store.put_breach(s).await?;
                    }
                    report.lines.push(format!(
                        "recovered {}: the previous cycle stopped after starting the action; recorded as {}, not repeated",
                        record.dedup_key, record.run.result
                    ));
                }
                ActionPhase::Done => {}
            }
        }
        Ok(())
    }

    /// Verifications whose time has come: pass resolves, fail and inconclusive reopen (the
    /// next attempt climbs the ladder).
    async fn verify_due(
        &self,
        ctx: &SessionContext,
        heal_store: &HealStore<'_>,
        options: &HealOptions,
        report: &mut HealReport,
    ) -> Result<(), HealError> {
        for mut state in heal_store.breaches().await? {
            let (Some(due), Some(acted), Some(run_id)) = (
                state.verify_due,
                state.last_action_at,
                state.last_run_id.clone(),
            ) else {
                continue;
            };
            if state.phase != BreachPhase::Verifying || options.now < due {
                continue;
            }
            let after =
                verify::snapshot(ctx, &state.slo_id, state.component.as_deref(), &acted, &due)
                    .await?;
            let objective = match state.objective {
                Some(o) => Some(o),
                None => verify::objective(ctx, &state.slo_id).await?,
            };
            let (result, detail) = judge(&after, objective, self.settings.verify_min_events);
            report.verified += 1;
            report.lines.push(format!(
                "{} {}: verified {run_id}: {result}: {detail}",
                state.breach_id, state.slo_id
            ));
            if !options.execute {
                continue;
            }
            let outcome = OutcomeRecord {
                run_id: run_id.clone(),
                breach_id: state.breach_id.clone(),
                slo_id: state.slo_id.clone(),
                component: state.component.clone(),
                playbook: state.playbook.clone().unwrap_or_default(),
                step: state.last_step.unwrap_or(0) as i32,
                attempt: state.attempts as i32,
                result: result.into(),
                detail,
                verified_at: options.now,
                window_start: acted,
                window_end: due,
                objective,
                before: state.before.clone().unwrap_or_default(),
                after,
            };
            heal_store.record_outcome(&outcome).await?;
            state.verify_due = None;
            state.move_to(
                if result == "pass" {
                    BreachPhase::Resolved
                } else {
                    BreachPhase::Open
                },
                options.now,
            );
            heal_store.put_breach(&state).await?;
        }
        Ok(())
    }
}

/// Success rate per playbook (Laplace-smoothed) from `playbook_effectiveness`.
async fn effectiveness(ctx: &SessionContext) -> Result<BTreeMap<String, f64>, HealError> {
    let batches = run_sql(
        ctx,
        "SELECT playbook, success_rate FROM playbook_effectiveness",
    )
    .await?;
    Ok(rows_as_text(&batches, "")
        .into_iter()
        .filter_map(|r| Some((r[0].clone(), r[1].parse().ok()?)))
        .collect())
}

/// What the detect layer knows about a breach: for issue and PR bodies and webhooks.
#[derive(Debug, Default)]
pub struct Diagnosis {
    pub root_causes: Vec<serde_json::Value>,
    pub recommendations: Vec<serde_json::Value>,
    pub lines: Vec<serde_json::Value>,
    pub total_lines: u64,
}

/// A GitHub issue about a breach: escalations, approval requests and `github_issue` actions
/// all open (or reuse, by `marker`) one of these, with the breach row, its diagnosis and `note`.
struct BreachIssue<'a> {
    title: String,
    marker: String,
    note: &'a str,
    labels: &'a [String],
}

impl BreachIssue<'_> {
    async fn open(
        &self,
        gh: &Github,
        ctx: &SessionContext,
        store: &DataStore,
        breach_id: &str,
        row: &BreachRow,
    ) -> Result<ActionResult, HealError> {
        let diagnosis = diagnose(ctx, store, breach_id).await?;
        let body = issue_body(&self.marker, row, &diagnosis, self.note);
        Ok(gh
            .open_issue(&self.title, &body, self.labels, &self.marker)
            .await)
    }
}

/// Root causes, recommendations and the first source lines behind a breach.
pub async fn diagnose(
    ctx: &SessionContext,
    store: &DataStore,
    breach_id: &str,
) -> Result<Diagnosis, HealError> {
    let id = crate::slo::definition::sql_string(breach_id);
    let causes = run_sql(
        ctx,
        &format!("SELECT rank, template, operation, lift, events, sample_source, sample_line FROM root_causes WHERE subject_id = {id} ORDER BY rank LIMIT 5"),
    )
    .await?;
    let fixes = run_sql(
        ctx,
        &format!("SELECT recommendation, rationale, benefit_score FROM fix_recommendations WHERE subject_id = {id} ORDER BY benefit_score DESC LIMIT 3"),
    )
    .await?;
    let as_json = |batches: &[RecordBatch], names: &[&str]| -> Vec<serde_json::Value> {
        rows_as_text(batches, "")
            .into_iter()
            .map(|r| {
                serde_json::Value::Object(
                    names
                        .iter()
                        .zip(r)
                        .map(|(n, v)| (n.to_string(), v.into()))
                        .collect(),
                )
            })
            .collect()
    };
    let (lines, total) = match crate::detect::trace(ctx, store, breach_id, 10).await {
        Ok(found) => found,
        // A breach with no bad events (e.g. a latency SLO) has no lines to show.
        Err(crate::detect::DetectError::UnknownSubject(_)) => (Vec::new(), 0),
        Err(e) => return Err(e.into()),
    };
    Ok(Diagnosis {
        root_causes: as_json(&causes, &["rank", "template", "operation", "lift", "events", "sample_source", "sample_line"]),
        recommendations: as_json(&fixes, &["recommendation", "rationale", "benefit_score"]),
        lines: lines
            .iter()
            .map(|l| serde_json::json!({ "location": l.location(), "line": l.raw.clone().unwrap_or_else(|| l.message.clone()) }))
            .collect(),
        total_lines: total,
    })
}

/// Text for a Markdown table cell: no pipes, newlines or HTML from row values.
fn cell(text: &str) -> String {
    text.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('`', "'")
}

/// A code fence longer than any run of backticks in `text`, so the text cannot close it.
fn fenced(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    format!("{fence}text\n{text}\n{fence}")
}

/// Issue and PR body: the breach, root causes, the exact source lines, the recommendation.
pub fn issue_body(marker: &str, row: &BreachRow, d: &Diagnosis, note: &str) -> String {
    let mut body = format!(
        "{marker}\n\n{}\n\n### Breach\n\n| column | value |\n|---|---|\n",
        cell(note)
    );
    for (k, v) in &row.values {
        body.push_str(&format!(
            "| {} | {} |\n",
            cell(k),
            cell(v.as_deref().unwrap_or("NULL"))
        ));
    }
    body.push_str("\n### Root causes\n\n");
    if d.root_causes.is_empty() {
        body.push_str("None found by the detect views.\n");
    }
    for c in &d.root_causes {
        body.push_str(&format!(
            "- #{} `{}` in {} (lift {}, {} events; e.g. {}:{})\n",
            c["rank"].as_str().unwrap_or(""),
            cell(c["template"].as_str().unwrap_or("")),
            cell(c["operation"].as_str().unwrap_or("")),
            c["lift"].as_str().unwrap_or(""),
            c["events"].as_str().unwrap_or(""),
            cell(c["sample_source"].as_str().unwrap_or("")),
            c["sample_line"].as_str().unwrap_or(""),
        ));
    }
    body.push_str(&format!(
        "\n### Source lines ({} of {} contributing events)\n\n",
        d.lines.len(),
        d.total_lines
    ));
    let text: Vec<String> = d
        .lines
        .iter()
        .map(|l| {
            format!(
                "{}: {}",
                l["location"].as_str().unwrap_or(""),
                l["line"].as_str().unwrap_or("")
            )
        })
        .collect();
    body.push_str(&fenced(&text.join("\n")));
    body.push_str("\n\n### Recommendation\n\n");
    if d.recommendations.is_empty() {
        body.push_str("None from the fix rules.\n");
    }
    for r in &d.recommendations {
        body.push_str(&format!(
            "- **{}** (benefit {}): {}\n",
            cell(r["recommendation"].as_str().unwrap_or("")),
            r["benefit_score"].as_str().unwrap_or(""),
            cell(r["rationale"].as_str().unwrap_or(""))
        ));
    }
    body
}

/// A fix template: `{column}` from the breach row, `{recommendation}` and `{rationale}` from
/// the best recommendation; other text is kept as written.
pub fn render_template(template: &str, row: &BreachRow, d: &Diagnosis) -> String {
    let mut out = template.to_string();
    for (k, v) in &row.values {
        out = out.replace(&format!("{{{k}}}"), v.as_deref().unwrap_or(""));
    }
    let best = d.recommendations.first();
    for field in ["recommendation", "rationale"] {
        let value = best.and_then(|r| r[field].as_str()).unwrap_or("");
        out = out.replace(&format!("{{{field}}}"), value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fences_cannot_be_closed_by_the_text() {
        let text = "a ```` b";
        let f = fenced(text);
        assert!(f.starts_with("`````text"), "{f}");
        assert_eq!(cell("a|b\n<x>`"), "a\\|b &lt;x&gt;'");
    }
}
