//! What the healer persists in the data dir, so a crash or a rerun never repeats an action:
//!
//! - `_heal/actions/<dedup_key>.json`: one record per action, written *before* it runs
//!   (`intent`), moved to `started` just before the side effect and to `done` once its
//!   `healing_runs` row is stored. A restart that finds `intent` knows nothing ran; one that
//!   finds `started` knows it may have, records `unknown`, and does not run it again.
//! - `_heal/breaches/<breach_id>.json`: the breach's state (open, healing, verifying,
//!   resolved, escalated), attempts, the pending verification and the "before" figures.
//! - `healing_runs/` and `healing_outcomes/`: append-only Parquet, one small file per record,
//!   named by the record's id, so writing a record twice leaves one file.
//!
//! Every write is a single object put (atomic on local disks and object stores).

use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::verify::Verdict;
use super::{HealError, RunResult};
use crate::storage::schema::{
    HEALING_APPROVALS, HEALING_APPROVALS_SCHEMA, HEALING_CAUSES, HEALING_CAUSES_SCHEMA,
    HEALING_OUTCOMES, HEALING_OUTCOMES_SCHEMA, HEALING_RUNS, HEALING_RUNS_SCHEMA,
};
use crate::storage::{batch_from_records, parquet_bytes, DataStore};

/// Where a breach is in the loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum BreachPhase {
    /// Seen; nothing running (a new breach, or back after a failed verification).
    Open,
    /// An action was recorded and is running (or was interrupted).
    Healing,
    /// An action finished; its verification is due at `verify_due`.
    Verifying,
    /// A verification passed.
    Resolved,
    /// Out of attempts: handed to a human.
    Escalated,
}

impl BreachPhase {
    pub fn as_str(&self) -> &'static str {
        match self {
            BreachPhase::Open => "open",
            BreachPhase::Healing => "healing",
            BreachPhase::Verifying => "verifying",
            BreachPhase::Resolved => "resolved",
            BreachPhase::Escalated => "escalated",
        }
    }
}

/// SLI, budget and health around an action.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct Snapshot {
    pub sli: Option<f64>,
    pub events: i64,
    pub budget_remaining: Option<f64>,
    pub health_score: Option<f64>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct BreachState {
    pub breach_id: String,
    pub slo_id: String,
    pub component: Option<String>,
    pub phase: BreachPhase,
    /// Actions taken for this breach (each ladder rung counts once).
    pub attempts: u32,
    pub playbook: Option<String>,
    /// The last action: its run id, step, evaluation time and the figures before it.
    pub last_run_id: Option<String>,
    pub last_step: Option<usize>,
    pub last_action_at: Option<DateTime<Utc>>,
    pub verify_due: Option<DateTime<Utc>>,
    pub before: Option<Snapshot>,
    pub objective: Option<f64>,
    /// `(phase, when)`: how it got here.
    pub history: Vec<(BreachPhase, DateTime<Utc>)>,
    /// The commit the last action merged into the base branch, undone if its verification
    /// fails; then the revert's own commit (or the failure to make it).
    #[serde(default)]
    pub shipped: Option<String>,
    #[serde(default)]
    pub reverted: Option<String>,
    /// The kind of the breach's main anomaly at its first action: every later action on the
    /// breach is learnt under the same kind, though the ranking may shift as data arrives.
    #[serde(default)]
    pub anomaly_kind: Option<String>,
}

impl BreachState {
    pub fn new(breach_id: &str, slo_id: &str, component: Option<&str>, now: DateTime<Utc>) -> Self {
        BreachState {
            breach_id: breach_id.to_string(),
            slo_id: slo_id.to_string(),
            component: component.map(str::to_string),
            phase: BreachPhase::Open,
            attempts: 0,
            playbook: None,
            last_run_id: None,
            last_step: None,
            last_action_at: None,
            verify_due: None,
            before: None,
            objective: None,
            history: vec![(BreachPhase::Open, now)],
            shipped: None,
            reverted: None,
            anomaly_kind: None,
        }
    }

    pub fn move_to(&mut self, phase: BreachPhase, at: DateTime<Utc>) {
        if self.phase != phase {
            self.phase = phase;
            self.history.push((phase, at));
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionPhase {
    Intent,
    Started,
    Done,
}

/// The dedup record of one action (see the module docs).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ActionRecord {
    pub dedup_key: String,
    pub phase: ActionPhase,
    /// The `healing_runs` row as planned; `result` and timings are filled when done.
    pub run: RunRecord,
}

/// What a patch has done outside this machine so far, written after each step (push, pull
/// request, merge) to `_heal/steps/<dedup_key>.json`. The action's own record says it started;
/// after a crash this says how far it got: recovery records exactly that, keeps a merged
/// commit (so a failed verification can revert it) and repeats no step.
#[derive(Debug, Clone, Default, Serialize, Deserialize, PartialEq)]
pub struct ShipSteps {
    pub branch: String,
    /// The validated commit that was pushed.
    pub pushed: Option<String>,
    pub pull_request: Option<u64>,
    pub link: Option<String>,
    /// The commit the change (or its revert) became on the base branch.
    pub merged: Option<String>,
}

impl ShipSteps {
    /// The steps done, for a run's detail.
    pub fn describe(&self) -> String {
        let mut done = Vec::new();
        if let Some(commit) = &self.pushed {
            done.push(format!(
                "pushed {} ({})",
                self.branch,
                &commit[..commit.len().min(12)]
            ));
        }
        if let Some(number) = self.pull_request {
            done.push(format!("opened pull request #{number}"));
        }
        if let Some(sha) = &self.merged {
            done.push(format!("merged as {}", &sha[..sha.len().min(12)]));
        }
        if done.is_empty() {
            "nothing left the machine".into()
        } else {
            done.join(", ")
        }
    }
}

/// One `healing_runs` row. Its serde field names are the table's columns
/// (`storage::schema::HEALING_RUNS_SCHEMA`): the batch is built from the record.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RunRecord {
    pub run_id: String,
    pub dedup_key: String,
    pub breach_id: String,
    pub slo_id: String,
    pub component: Option<String>,
    pub playbook: String,
    pub step: i32,
    pub attempt: i32,
    pub action_kind: String,
    pub target: String,
    pub result: RunResult,
    pub detail: String,
    pub exit_code: Option<i32>,
    pub http_status: Option<i32>,
    pub output: Option<String>,
    pub link: Option<String>,
    pub evaluated_at: DateTime<Utc>,
    pub started_at: DateTime<Utc>,
    pub finished_at: DateTime<Utc>,
    pub who: String,
    pub why: String,
    pub breach_json: String,
    #[serde(default)]
    pub anomaly_kind: Option<String>,
}

/// One `healing_approvals` row: a request (no approver) or a human's approval.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApprovalRecord {
    pub approval_id: String,
    pub breach_id: String,
    pub playbook: Option<String>,
    pub requested_at: Option<DateTime<Utc>>,
    pub approver: Option<String>,
    pub decided_at: Option<DateTime<Utc>>,
    pub expires_at: Option<DateTime<Utc>>,
}

/// One `healing_causes` row: a root cause the breach had when an action was taken on it.
/// Its serde field names are the table's columns (`HEALING_CAUSES_SCHEMA`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CauseRecord {
    pub run_id: String,
    pub breach_id: String,
    pub slo_id: String,
    pub component: Option<String>,
    pub recorded_at: DateTime<Utc>,
    pub rank: i64,
    pub operation: Option<String>,
    pub template: Option<String>,
    pub lift: Option<f64>,
}

/// One `healing_outcomes` row, with the SLI, events, budget and health before and after the
/// action. Its serde field names are the table's columns (`HEALING_OUTCOMES_SCHEMA`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct OutcomeRecord {
    pub run_id: String,
    pub breach_id: String,
    pub slo_id: String,
    pub component: Option<String>,
    pub playbook: String,
    pub step: i32,
    pub attempt: i32,
    pub result: Verdict,
    pub detail: String,
    pub verified_at: DateTime<Utc>,
    pub window_start: DateTime<Utc>,
    pub window_end: DateTime<Utc>,
    pub objective: Option<f64>,
    pub sli_before: Option<f64>,
    pub sli_after: Option<f64>,
    pub events_before: i64,
    pub events_after: i64,
    pub budget_before: Option<f64>,
    pub budget_after: Option<f64>,
    pub health_before: Option<f64>,
    pub health_after: Option<f64>,
}

impl OutcomeRecord {
    /// Sets the before and after columns from two snapshots.
    pub fn with_snapshots(mut self, before: &Snapshot, after: &Snapshot) -> Self {
        self.sli_before = before.sli;
        self.sli_after = after.sli;
        self.events_before = before.events;
        self.events_after = after.events;
        self.budget_before = before.budget_remaining;
        self.budget_after = after.budget_remaining;
        self.health_before = before.health_score;
        self.health_after = after.health_score;
        self
    }
}

/// The healer's view of the data dir.
pub struct HealStore<'a> {
    pub store: &'a DataStore,
}

const ACTIONS_DIR: &str = "_heal/actions";
const BREACHES_DIR: &str = "_heal/breaches";
const STEPS_DIR: &str = "_heal/steps";

impl HealStore<'_> {
    async fn read_json<T: serde::de::DeserializeOwned>(
        &self,
        relative: &str,
    ) -> Result<Option<T>, HealError> {
        self.store.get_json(relative).await.map_err(|e| match e {
            crate::storage::StorageError::Record { location, message } => HealError::State {
                path: location,
                message,
            },
            other => other.into(),
        })
    }

    async fn write_json<T: Serialize>(&self, relative: &str, value: &T) -> Result<(), HealError> {
        Ok(self.store.put_json(relative, value).await?)
    }

    pub async fn action(&self, dedup_key: &str) -> Result<Option<ActionRecord>, HealError> {
        self.read_json(&format!("{ACTIONS_DIR}/{dedup_key}.json"))
            .await
    }

    pub async fn put_action(&self, record: &ActionRecord) -> Result<(), HealError> {
        self.write_json(&format!("{ACTIONS_DIR}/{}.json", record.dedup_key), record)
            .await
    }

    /// Every action record not yet `done`: what an interrupted run left behind.
    pub async fn unfinished_actions(&self) -> Result<Vec<ActionRecord>, HealError> {
        let mut out = Vec::new();
        for path in self.store.list(ACTIONS_DIR).await? {
            if let Some(record) = self.read_json::<ActionRecord>(&path).await? {
                if record.phase != ActionPhase::Done {
                    out.push(record);
                }
            }
        }
        Ok(out)
    }

    /// The steps a patch action took so far (see [`ShipSteps`]).
    pub async fn steps(&self, dedup_key: &str) -> Result<Option<ShipSteps>, HealError> {
        self.read_json(&format!("{STEPS_DIR}/{dedup_key}.json"))
            .await
    }

    pub async fn put_steps(&self, dedup_key: &str, steps: &ShipSteps) -> Result<(), HealError> {
        self.write_json(&format!("{STEPS_DIR}/{dedup_key}.json"), steps)
            .await
    }

    pub async fn breaches(&self) -> Result<Vec<BreachState>, HealError> {
        let mut out = Vec::new();
        for path in self.store.list(BREACHES_DIR).await? {
            if let Some(state) = self.read_json(&path).await? {
                out.push(state);
            }
        }
        Ok(out)
    }

    /// Every breach state by breach id.
    pub async fn breach_states(&self) -> Result<BTreeMap<String, BreachState>, HealError> {
        Ok(self
            .breaches()
            .await?
            .into_iter()
            .map(|s| (s.breach_id.clone(), s))
            .collect())
    }

    pub async fn put_breach(&self, state: &BreachState) -> Result<(), HealError> {
        self.write_json(&format!("{BREACHES_DIR}/{}.json", state.breach_id), state)
            .await
    }

    fn run_path(run: &RunRecord) -> String {
        format!(
            "{HEALING_RUNS}/dt={}/{}.parquet",
            run.evaluated_at.format("%Y-%m-%d"),
            run.run_id
        )
    }

    pub async fn run_recorded(&self, run: &RunRecord) -> Result<bool, HealError> {
        Ok(self.store.exists(&Self::run_path(run)).await?)
    }

    /// Stores a `healing_runs` row (idempotent: the file is named by the run id).
    pub async fn record_run(&self, run: &RunRecord) -> Result<(), HealError> {
        let batch = batch_from_records(HEALING_RUNS_SCHEMA.clone(), std::slice::from_ref(run))?;
        self.store
            .put(&Self::run_path(run), parquet_bytes(&batch, None)?)
            .await?;
        Ok(())
    }

    /// Stores a `healing_approvals` row (idempotent, named by its id).
    pub async fn record_approval(&self, approval: &ApprovalRecord) -> Result<(), HealError> {
        let day = approval
            .decided_at
            .or(approval.requested_at)
            .unwrap_or_else(Utc::now);
        let path = format!(
            "{HEALING_APPROVALS}/dt={}/{}.parquet",
            day.format("%Y-%m-%d"),
            approval.approval_id
        );
        let schema = HEALING_APPROVALS_SCHEMA.clone();
        let batch = batch_from_records(schema, std::slice::from_ref(approval))?;
        self.store.put(&path, parquet_bytes(&batch, None)?).await?;
        Ok(())
    }

    /// Stores an action's `healing_causes` rows (idempotent: one file named by the run id).
    pub async fn record_causes(&self, causes: &[CauseRecord]) -> Result<(), HealError> {
        let Some(first) = causes.first() else {
            return Ok(());
        };
        let path = format!(
            "{HEALING_CAUSES}/dt={}/{}.parquet",
            first.recorded_at.format("%Y-%m-%d"),
            first.run_id
        );
        let batch = batch_from_records(HEALING_CAUSES_SCHEMA.clone(), causes)?;
        self.store.put(&path, parquet_bytes(&batch, None)?).await?;
        Ok(())
    }

    /// Stores a `healing_outcomes` row (idempotent, named by the run id).
    pub async fn record_outcome(&self, outcome: &OutcomeRecord) -> Result<(), HealError> {
        let path = format!(
            "{HEALING_OUTCOMES}/dt={}/{}.parquet",
            outcome.verified_at.format("%Y-%m-%d"),
            outcome.run_id
        );
        let batch = batch_from_records(
            HEALING_OUTCOMES_SCHEMA.clone(),
            std::slice::from_ref(outcome),
        )?;
        self.store.put(&path, parquet_bytes(&batch, None)?).await?;
        Ok(())
    }
}
