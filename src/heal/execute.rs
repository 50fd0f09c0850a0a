//! The effectful shell: carries out the decisions of `decide`. Every action follows the same
//! crash-safe order: dedup record (`intent`), breach state `healing`, record `started`, the
//! side effect, the `healing_runs` row, record `done`, breach state `verifying` (see
//! `state`). A dry run only describes what it would do.

use std::collections::BTreeMap;
use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use datafusion::prelude::SessionContext;

use super::actions::{post_webhook, run_command, ActionResult, RunResult};
use super::decide::{ladder_step, Decision};
use super::github::{Github, PullRequest};
use super::issue::{diagnose, issue_body, render_template, BreachIssue};
use super::memory;
use super::playbook::{Action, Arg, Playbook};
use super::report::{ActOutcome, HealEntry, RowPlan};
use super::ship::{self, Shipment};
use super::state::{
    ActionPhase, ActionRecord, ApprovalRecord, BreachPhase, BreachState, HealStore, RunRecord,
};
use super::{verify, BreachRow, HealError, HealOptions, Healer};
use crate::common::stable_key;
use crate::storage::crash_point;

/// Environment variables given to a command: `(name, value)`.
type Environment = Vec<(String, String)>;

/// What carrying out decisions needs, gathered once per cycle.
pub(super) struct Executor<'a> {
    pub healer: &'a Healer,
    pub ctx: &'a SessionContext,
    pub heal_store: &'a HealStore<'a>,
    pub options: &'a HealOptions,
    /// The GitHub client (only built with `--execute`), or why it could not be built.
    pub github: Option<Result<Github, String>>,
    /// Breach states, updated as actions are taken.
    pub states: BTreeMap<String, BreachState>,
    /// The kind of each breach's main anomaly (`breach_anomalies` rank 1), recorded with
    /// its actions so that `playbook_effectiveness` learns per kind.
    pub anomaly_kinds: BTreeMap<String, String>,
}

impl Executor<'_> {
    /// Describes `decision` and, with `--execute`, carries it out.
    pub async fn carry_out(
        &mut self,
        row: &BreachRow,
        decision: Decision,
    ) -> Result<RowPlan, HealError> {
        let execute = self.options.execute;
        let healer = self.healer;
        match decision {
            Decision::Wait(why) => Ok(RowPlan::Wait(why)),
            Decision::Skip {
                playbook,
                attempt,
                guard,
                why,
            } => {
                let p = &healer.playbooks[playbook];
                if execute {
                    let step = ladder_step(p, attempt);
                    let mut run = self.base_run(row, p, step, attempt, guard.as_str());
                    run.action_kind = p.actions[step].kind().into();
                    run.target = healer.describe(&p.actions[step], row);
                    run.result = RunResult::Skipped;
                    run.detail = why.clone();
                    if !self.heal_store.run_recorded(&run).await? {
                        self.heal_store.record_run(&run).await?;
                    }
                }
                Ok(RowPlan::Skip {
                    playbook: p.name.clone(),
                    guard,
                    why,
                })
            }
            Decision::Escalate {
                playbook,
                attempt,
                why,
            } => {
                let p = &healer.playbooks[playbook];
                let done = if execute {
                    Some(self.escalate(row, p, attempt, &why).await?)
                } else {
                    None
                };
                Ok(RowPlan::Escalate {
                    playbook: p.name.clone(),
                    why,
                    done,
                })
            }
            Decision::AskApproval {
                playbook,
                step,
                attempt,
            } => {
                let p = &healer.playbooks[playbook];
                let action = &p.actions[step];
                let target = healer.describe(action, row);
                if execute {
                    self.ask_approval(row, p, step, attempt, &target).await?;
                }
                Ok(RowPlan::AskApproval {
                    playbook: p.name.clone(),
                    step,
                    attempt,
                    kind: action.kind(),
                    target,
                })
            }
            Decision::Act {
                playbook,
                step,
                attempt,
            } => {
                let p = &healer.playbooks[playbook];
                let action = &p.actions[step];
                let target = healer.describe(action, row);
                let outcome = if execute {
                    Some(self.act(row, p, step, attempt, target.clone()).await?)
                } else {
                    None
                };
                Ok(RowPlan::Act {
                    playbook: p.name.clone(),
                    step,
                    attempt,
                    kind: action.kind(),
                    target,
                    outcome,
                })
            }
        }
    }

    /// Opens (or reuses) an escalation issue and marks the breach escalated.
    async fn escalate(
        &mut self,
        row: &BreachRow,
        p: &Playbook,
        attempt: u32,
        why: &str,
    ) -> Result<String, HealError> {
        let breach = row.get("breach_id").unwrap_or("");
        let slo = row.get("slo_id").unwrap_or("");
        let now = self.options.now;
        let mut run = self.base_run(row, p, p.actions.len() - 1, attempt, "escalate");
        run.target = self.healer.github_target("issues");
        run.detail = why.to_string();
        let issue = BreachIssue {
            title: format!("SHAPE escalation: {slo} breach {breach} needs a human"),
            marker: format!("<!-- shape:escalation:{breach} -->"),
            note: why,
            labels: &["shape-escalation".to_string()],
        };
        let without_github = ActionResult {
            result: RunResult::Ok,
            detail: format!("{why} (no [heal.github]: recorded only)"),
            ..Default::default()
        };
        let result = self.ask_human(&issue, row, without_github).await?;
        self.finish_run(&mut run, result).await?;
        let mut state = self
            .states
            .get(breach)
            .cloned()
            .unwrap_or_else(|| BreachState::new(breach, slo, row.get("component"), now));
        state.move_to(BreachPhase::Escalated, now);
        self.heal_store.put_breach(&state).await?;
        self.states.insert(state.breach_id.clone(), state);
        Ok(run.detail)
    }

    /// Asks a human (a GitHub issue) to approve an action; recorded once per attempt.
    async fn ask_approval(
        &mut self,
        row: &BreachRow,
        p: &Playbook,
        step: usize,
        attempt: u32,
        target: &str,
    ) -> Result<(), HealError> {
        let breach = row.get("breach_id").unwrap_or("");
        let slo = row.get("slo_id").unwrap_or("");
        let action = &p.actions[step];
        let mut run = self.base_run(row, p, step, attempt, "approval_request");
        if self.heal_store.run_recorded(&run).await? {
            return Ok(());
        }
        self.heal_store
            .record_approval(&ApprovalRecord {
                approval_id: run.dedup_key.clone(),
                breach_id: breach.to_string(),
                playbook: Some(p.name.clone()),
                requested_at: Some(self.options.now),
                approver: None,
                decided_at: None,
                expires_at: None,
            })
            .await?;
        run.target = target.to_string();
        let why = format!(
            "Approval mode is on. Playbook `{}` would run step {step} ({}): `{}`. \
             To approve, run `shape heal --execute --approve {breach} --as YOUR_NAME`.",
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
        let without_github = ActionResult {
            result: RunResult::AwaitingApproval,
            detail: "approval mode; no [heal.github] to ask through: recorded only".into(),
            ..Default::default()
        };
        let result = self.ask_human(&issue, row, without_github).await?;
        self.finish_run(&mut run, result).await
    }

    /// Opens (or reuses) a GitHub issue asking a human; `without_github` is recorded when no
    /// `[heal.github]` is configured.
    async fn ask_human(
        &self,
        issue: &BreachIssue<'_>,
        row: &BreachRow,
        without_github: ActionResult,
    ) -> Result<ActionResult, HealError> {
        let breach = row.get("breach_id").unwrap_or("");
        Ok(match &self.github {
            Some(Ok(gh)) => {
                issue
                    .open(gh, self.ctx, self.heal_store.store, breach, row)
                    .await?
            }
            Some(Err(e)) => ActionResult::failed(e.clone()),
            None => without_github,
        })
    }

    /// The guarded action: dedup record, breach state, the side effect, the record.
    async fn act(
        &mut self,
        row: &BreachRow,
        p: &Playbook,
        step: usize,
        attempt: u32,
        target: String,
    ) -> Result<ActOutcome, HealError> {
        let (ctx, heal_store, now) = (self.ctx, self.heal_store, self.options.now);
        let action = &p.actions[step];
        let mut run = self.base_run(row, p, step, attempt, action.kind());
        run.target = target;
        if let Some(existing) = heal_store.action(&run.dedup_key).await? {
            return Ok(ActOutcome::AlreadyDone {
                dedup_key: existing.dedup_key,
                phase: existing.phase,
            });
        }
        let breach = run.breach_id.clone();
        let component = row.get("component");
        let window = chrono::Duration::from_std(self.healer.verify_after_of(p)).unwrap_or_default();
        let before = verify::snapshot(ctx, &run.slo_id, component, &(now - window), &now).await?;
        let objective = verify::objective(ctx, &run.slo_id).await?;
        // The breach's causes as they are now: what similar_incidents compares later breaches
        // with (stored before acting; idempotent, named by the run).
        let causes = memory::breach_causes(ctx, &run, now).await?;
        heal_store.record_causes(&causes).await?;
        let mut record = ActionRecord {
            dedup_key: run.dedup_key.clone(),
            phase: ActionPhase::Intent,
            run: run.clone(),
        };
        heal_store.put_action(&record).await?;
        crash_point("heal_after_intent");
        let mut state = self
            .states
            .get(&breach)
            .cloned()
            .unwrap_or_else(|| BreachState::new(&breach, &run.slo_id, component, now));
        state.playbook = Some(p.name.clone());
        state.anomaly_kind = run.anomaly_kind.clone();
        state.attempts = attempt;
        state.last_run_id = Some(run.run_id.clone());
        state.last_step = Some(step);
        state.last_action_at = Some(now);
        state.verify_due = Some(now + window);
        state.before = Some(before);
        state.objective = objective;
        state.move_to(BreachPhase::Healing, now);
        heal_store.put_breach(&state).await?;
        record.phase = ActionPhase::Started;
        heal_store.put_action(&record).await?;

        let result = self.side_effect(row, p, step, attempt, &run).await?;
        crash_point("heal_after_action");
        state.shipped = result.merged_commit.clone();
        state.reverted = None;
        self.finish_run(&mut run, result).await?;
        record.phase = ActionPhase::Done;
        record.run = run.clone();
        heal_store.put_action(&record).await?;
        if run.result == RunResult::ValidationFailed {
            // Nothing was shipped, so nothing to verify: the ladder moves on.
            state.verify_due = None;
            state.move_to(BreachPhase::Open, now);
        } else if run.result == RunResult::ChecksFailed {
            // The repository's CI refused the change: a human decides.
            state.verify_due = None;
            state.move_to(BreachPhase::Escalated, now);
        } else {
            state.move_to(BreachPhase::Verifying, now);
        }
        heal_store.put_breach(&state).await?;
        let verify_at = state.verify_due;
        self.states.insert(state.breach_id.clone(), state);
        Ok(ActOutcome::Finished {
            result: run.result,
            detail: run.detail,
            link: run.link,
            verify_at,
        })
    }

    /// The action itself: a command, a webhook, an issue or a pull request.
    async fn side_effect(
        &self,
        row: &BreachRow,
        p: &Playbook,
        step: usize,
        attempt: u32,
        run: &RunRecord,
    ) -> Result<ActionResult, HealError> {
        let (ctx, store) = (self.ctx, self.heal_store.store);
        let breach = run.breach_id.as_str();
        let action = &p.actions[step];
        let github = match (&self.github, action) {
            (_, Action::Command { .. } | Action::Webhook { .. }) => None,
            (Some(Ok(gh)), _) => Some(gh),
            (Some(Err(e)), _) => return Ok(ActionResult::failed(e.clone())),
            // A patch ships to a plain git remote without GitHub.
            (None, Action::Patch(_)) => None,
            (None, _) => return Ok(ActionResult::failed("no [heal.github] configured")),
        };
        Ok(match action {
            Action::Command {
                timeout,
                max_output_bytes,
                ..
            } => {
                let (argv, env) = self.healer.render_command(action, row).expect("a command");
                run_command(
                    &argv,
                    &env,
                    &self.healer.base_dir,
                    *timeout,
                    *max_output_bytes,
                )
                .await
            }
            Action::Webhook {
                url,
                timeout,
                retries,
            } => {
                let diagnosis = diagnose(ctx, store, breach).await?;
                let body = serde_json::json!({
                    "breach": row.json(),
                    "playbook": p.name,
                    "step": step,
                    "attempt": attempt,
                    "root_causes": diagnosis.root_causes,
                    "recommendations": diagnosis.recommendations,
                    "source_lines": diagnosis.lines,
                    "similar_incidents": diagnosis.similar,
                });
                post_webhook(url, &body, *timeout, *retries, Duration::from_millis(200)).await
            }
            Action::GithubIssue { labels } => {
                let issue = BreachIssue {
                    title: format!(
                        "SHAPE: {} breach of {} ({breach})",
                        row.get("kind").unwrap_or("slo"),
                        run.slo_id,
                    ),
                    marker: format!("<!-- shape:breach:{breach}:{} -->", p.name),
                    note: &p.description,
                    labels,
                };
                let gh = github.expect("checked above");
                issue.open(gh, ctx, store, breach, row).await?
            }
            Action::GithubPr {
                path,
                template,
                base,
                labels,
            } => {
                let diagnosis = diagnose(ctx, store, breach).await?;
                let content = render_template(template, row, &diagnosis);
                let marker = format!("<!-- shape:breach:{breach}:{} -->", p.name);
                let body = issue_body(&marker, row, &diagnosis, &p.description);
                let title = format!("SHAPE heal: {} for {}", p.name, run.slo_id);
                let branch = format!("shape/heal-{breach}");
                let gh = github.expect("checked above");
                gh.open_pull_request(&PullRequest {
                    branch: &branch,
                    base,
                    path,
                    content: &content,
                    title: &title,
                    body: &body,
                    labels,
                })
                .await
            }
            Action::Patch(patch) => {
                let diagnosis = diagnose(ctx, store, breach).await?;
                let marker = format!("<!-- shape:breach:{breach}:{} -->", p.name);
                let body = issue_body(&marker, row, &diagnosis, &p.description);
                let Some(shipment) = self.shipment(p, body, github, &run.dedup_key) else {
                    return Ok(ActionResult::failed("no [heal.repo] configured"));
                };
                ship::ship(&shipment, patch, row, &diagnosis).await
            }
        })
    }

    /// What shipping to `[heal.repo]` needs, or `None` without one.
    fn shipment<'s>(
        &'s self,
        p: &'s Playbook,
        body: String,
        github: Option<&'s Github>,
        dedup_key: &str,
    ) -> Option<Shipment<'s>> {
        let settings = self.healer.settings.repo.as_ref()?;
        let token_env = settings.token_env.clone().or_else(|| {
            let github = self.healer.settings.github.as_ref();
            github.map(|g| g.token_env.clone())
        });
        let data_dir = self.heal_store.store.local_dir();
        Some(Shipment {
            settings,
            dir: ship::clone_dir(settings, &self.healer.base_dir, data_dir),
            token: token_env.and_then(|name| std::env::var(name).ok()),
            github,
            playbook: &p.name,
            description: &p.description,
            body,
            journal: ship::Journal {
                heal_store: self.heal_store,
                dedup_key: dedup_key.to_string(),
            },
        })
    }

    /// Shipped fixes whose verification just failed (`failed`: breach id -> why): each is
    /// reverted on the base branch once, recorded as a `revert` run, and the breach is
    /// escalated to a human.
    pub async fn undo_failed_fixes(
        &mut self,
        failed: &BTreeMap<String, String>,
    ) -> Result<Vec<HealEntry>, HealError> {
        let mut entries = Vec::new();
        let due: Vec<BreachState> = self
            .states
            .values()
            .filter(|s| failed.contains_key(&s.breach_id))
            .filter(|s| s.phase == BreachPhase::Open && s.reverted.is_none())
            .filter(|s| s.shipped.is_some())
            .cloned()
            .collect();
        let healer = self.healer;
        for mut state in due {
            let named = state.playbook.as_deref();
            let Some(p) = healer
                .playbooks
                .iter()
                .find(|p| Some(p.name.as_str()) == named)
            else {
                continue;
            };
            let commit = state.shipped.clone().unwrap_or_default();
            let row = BreachRow {
                values: [
                    ("breach_id", Some(state.breach_id.clone())),
                    ("slo_id", Some(state.slo_id.clone())),
                    ("component", state.component.clone()),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_string(), v))
                .collect(),
            };
            let step = state.last_step.unwrap_or(0);
            let mut run = self.base_run(&row, p, step, state.attempts, "revert");
            if self.heal_store.action(&run.dedup_key).await?.is_some() {
                continue; // an interrupted revert: recovery recorded it, never repeated
            }
            let mut record = ActionRecord {
                dedup_key: run.dedup_key.clone(),
                phase: ActionPhase::Started,
                run: run.clone(),
            };
            self.heal_store.put_action(&record).await?;
            let why = failed[&state.breach_id].as_str();
            let breach = state.breach_id.as_str();
            let body = format!(
                "<!-- shape:revert:{breach} -->\nSHAPE's fix {commit} for breach {breach} did not hold: {why}\n"
            );
            let github = match &self.github {
                Some(Ok(gh)) => Some(gh),
                _ => None,
            };
            let shipment = self.shipment(p, body, github, &run.dedup_key);
            let result = match (shipment, p.actions.get(step)) {
                (Some(shipment), Some(Action::Patch(patch))) => {
                    run.target = format!(
                        "{} {} (revert {commit})",
                        shipment.settings.url, shipment.settings.base
                    );
                    ship::revert(&shipment, patch, &commit, why, breach).await
                }
                _ => ActionResult::failed("no [heal.repo] or patch action to revert with"),
            };
            state.reverted = Some(match &result.merged_commit {
                Some(sha) => sha.clone(),
                None => format!("failed: {}", result.detail),
            });
            let (outcome, detail) = (result.result, result.detail.clone());
            self.finish_run(&mut run, result).await?;
            record.phase = ActionPhase::Done;
            record.run = run;
            self.heal_store.put_action(&record).await?;
            state.move_to(BreachPhase::Escalated, self.options.now);
            self.heal_store.put_breach(&state).await?;
            entries.push(HealEntry::Reverted {
                breach_id: state.breach_id.clone(),
                slo_id: state.slo_id.clone(),
                result: outcome,
                detail,
            });
            self.states.insert(state.breach_id.clone(), state);
        }
        Ok(entries)
    }

    /// The `healing_runs` row of an action before it runs, with the breach's anomaly kind.
    fn base_run(
        &self,
        row: &BreachRow,
        p: &Playbook,
        step: usize,
        attempt: u32,
        kind: &str,
    ) -> RunRecord {
        let mut run = self
            .healer
            .base_run(row, p, step, attempt, kind, self.options);
        let first = self
            .states
            .get(&run.breach_id)
            .and_then(|s| s.anomaly_kind.clone());
        run.anomaly_kind = first.or_else(|| self.anomaly_kinds.get(&run.breach_id).cloned());
        run
    }

    async fn finish_run(&self, run: &mut RunRecord, result: ActionResult) -> Result<(), HealError> {
        run.result = result.result;
        run.detail = result.detail;
        run.exit_code = result.exit_code;
        run.http_status = result.http_status;
        run.output = result.output;
        run.link = result.link;
        run.finished_at = Utc::now();
        self.heal_store.record_run(run).await
    }
}

impl Healer {
    /// The `healing_runs` row of an action, before it runs.
    pub(super) fn base_run(
        &self,
        row: &BreachRow,
        playbook: &Playbook,
        step: usize,
        attempt: u32,
        kind: &str,
        options: &HealOptions,
    ) -> RunRecord {
        let breach = row.get("breach_id").unwrap_or("").to_string();
        let dedup_key = stable_key(&[&playbook.name, &breach, &attempt.to_string(), kind]);
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
            result: RunResult::Planned,
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
            anomaly_kind: None,
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

    /// What an action targets, for the report and the record.
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
            Action::Patch(patch) => {
                let files: Vec<&str> = patch.edits.iter().map(|e| e.file.as_str()).collect();
                match &self.settings.repo {
                    Some(r) => format!(
                        "{} shape/heal-{} -> {} ({}; validated by {:?})",
                        r.url,
                        row.get("breach_id").unwrap_or(""),
                        r.base,
                        files.join(", "),
                        patch.validate.join(" ")
                    ),
                    None => "[heal.repo] not configured".into(),
                }
            }
        }
    }

    fn github_target(&self, what: &str) -> String {
        match &self.settings.github {
            Some(g) => format!("github {} {what}", g.repo),
            None => format!("github (not configured: [heal.github]) {what}"),
        }
    }
}

/// Who acted, for the record.
fn who() -> String {
    let user = std::env::var("USER").unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    format!("shape heal ({user}@{host})")
}
