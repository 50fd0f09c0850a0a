//! A `patch` action from edit to shipped change: SHAPE's clone of `[heal.repo]` is reset to
//! the remote base, the edits make one commit on `shape/heal-<breach_id>` (its message
//! carries the breach, the evidence `file:line` and the recommendation), and the
//! repository's own test command runs on it. Red: nothing leaves the machine, the run is
//! `validation_failed` with the output's tail. Green: the branch is pushed; then a pull
//! request is opened (or updated) when `[heal.github]` is set, or, on a plain git remote with
//! `auto_merge = true`, the change is squash-merged into the base and pushed (a remote with
//! a "merge when tests pass" rule); without it the branch waits for a human.

use std::path::{Path, PathBuf};

use super::actions::{run_command, ActionResult, RunResult};
use super::github::{Checks, Github};
use super::issue::Diagnosis;
use super::patch::{self, Values};
use super::playbook::PatchAction;
use super::repo::{Repo, RepoSettings};
use super::state::{HealStore, ShipSteps};
use super::BreachRow;
use crate::common::stable_key;

/// Evidence lines quoted in a commit message.
const EVIDENCE_LINES: usize = 10;

/// Where the clone of `settings` lives: `workdir` as configured (relative to the config's
/// directory), else `_heal/repo` in a local data dir, else the user's cache directory.
pub fn clone_dir(settings: &RepoSettings, base_dir: &Path, data_dir: Option<&Path>) -> PathBuf {
    if let Some(dir) = &settings.workdir {
        return base_dir.join(dir);
    }
    if let Some(data) = data_dir {
        return data.join("_heal").join("repo");
    }
    let cache = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    cache
        .join("shape")
        .join("heal-repo")
        .join(stable_key(&[&settings.url]))
}

/// What a patch needs besides the action itself.
pub struct Shipment<'a> {
    pub settings: &'a RepoSettings,
    pub dir: PathBuf,
    pub token: Option<String>,
    pub github: Option<&'a Github>,
    pub playbook: &'a str,
    pub description: &'a str,
    /// The pull request's body (breach, diagnosis, marker), made by the caller.
    pub body: String,
    /// Where each step outside this machine is written down as it happens.
    pub journal: Journal<'a>,
}

/// The action's step record (`state::ShipSteps`), rewritten after every push, pull request
/// and merge, each followed by a crash point the tests stop at.
pub struct Journal<'a> {
    pub heal_store: &'a HealStore<'a>,
    pub dedup_key: String,
}

impl Journal<'_> {
    /// Records `steps`; `Err` says what was done but could not be recorded.
    async fn note(&self, steps: &ShipSteps, crash_point: &str) -> Result<(), ActionResult> {
        let written = self.heal_store.put_steps(&self.dedup_key, steps).await;
        crate::storage::crash_point(crash_point);
        written.map_err(|e| {
            ActionResult::failed(format!(
                "{}, but the step record cannot be written: {e}",
                steps.describe()
            ))
        })
    }
}

/// The values `{placeholders}` take: the row's columns and the top recommendation's
/// `recommendation`, `rationale` and `benefit_score`.
pub fn values_of(row: &BreachRow, diagnosis: &Diagnosis) -> Values {
    let mut values: Values = row
        .values
        .iter()
        .filter_map(|(k, v)| Some((k.clone(), v.clone()?)))
        .collect();
    if let Some(best) = diagnosis.recommendations.first() {
        for field in ["recommendation", "rationale", "benefit_score"] {
            let value = match &best[field] {
                serde_json::Value::String(s) => s.clone(),
                serde_json::Value::Null => continue,
                other => other.to_string(),
            };
            values.insert(field.to_string(), value);
        }
    }
    values
}

/// The commit message: what breached, the evidence, and the recommendation.
pub fn commit_message(ship: &Shipment, row: &BreachRow, diagnosis: &Diagnosis) -> String {
    let get = |c: &str| row.get(c).unwrap_or("");
    let mut out = format!(
        "SHAPE heal: {} for {} (breach {})\n\n",
        ship.playbook,
        get("slo_id"),
        get("breach_id")
    );
    if !ship.description.is_empty() {
        out.push_str(&format!("{}\n\n", ship.description));
    }
    out.push_str(&format!(
        "Breach: {} {} of {} ({}), SLI {} against {}, burn rate {}, budget left {}, detected {}\n",
        get("kind"),
        get("severity"),
        get("slo_id"),
        get("component"),
        get("sli_value"),
        get("objective"),
        get("burn_rate"),
        get("budget_remaining"),
        get("detected_at")
    ));
    if let Some(best) = diagnosis.recommendations.first() {
        out.push_str(&format!(
            "Recommendation: {} (benefit {} budget minutes)\n",
            best["recommendation"].as_str().unwrap_or(""),
            best["benefit_score"]
        ));
    }
    if !diagnosis.lines.is_empty() {
        out.push_str(&format!("\nEvidence ({} lines):\n", diagnosis.total_lines));
        for line in diagnosis.lines.iter().take(EVIDENCE_LINES) {
            out.push_str(&format!("  {}\n", line["location"].as_str().unwrap_or("")));
        }
    }
    out
}

/// Edit, commit, validate, and ship when green.
pub async fn ship(
    ship: &Shipment<'_>,
    action: &PatchAction,
    row: &BreachRow,
    diagnosis: &Diagnosis,
) -> ActionResult {
    let breach = row.get("breach_id").unwrap_or("");
    let branch = branch_name("shape/heal-", breach);
    let repo = match Repo::open(ship.settings, &ship.dir, ship.token.clone()).await {
        Ok(repo) => repo,
        Err(e) => return ActionResult::failed(e.to_string()),
    };
    if let Err(e) = repo.start_branch(&branch).await {
        return ActionResult::failed(e.to_string());
    }
    let values = values_of(row, diagnosis);
    let changed = match patch::apply(&repo.dir, &action.edits, &values) {
        Ok(changed) if changed.is_empty() => {
            return ActionResult::failed(format!(
                "the patch changes nothing in {} (already applied?)",
                ship.settings.base
            ))
        }
        Ok(changed) => changed,
        Err(e) => return ActionResult::failed(format!("patch: {e}")),
    };
    let message = commit_message(ship, row, diagnosis);
    let commit = match repo.commit(&changed, &message).await {
        Ok(sha) => sha,
        Err(e) => return ActionResult::failed(e.to_string()),
    };
    let short = &commit[..commit.len().min(12)];
    // The repository's own tests, on exactly what would be pushed.
    let mut argv = action.validate.clone();
    if argv[0].contains('/') && !Path::new(&argv[0]).is_absolute() {
        argv[0] = repo
            .dir
            .join(argv[0].trim_start_matches("./"))
            .display()
            .to_string();
    }
    let tests = run_command(
        &argv,
        &[],
        &repo.dir,
        action.validate_timeout,
        action.max_output_bytes,
    )
    .await;
    if tests.result != RunResult::Ok {
        // The output's last line usually says why; the whole (capped) output is recorded.
        let last = tests
            .output
            .as_deref()
            .and_then(|o| o.lines().rev().find(|l| !l.trim().is_empty()))
            .map(|l| format!(": {}", l.trim()))
            .unwrap_or_default();
        return ActionResult {
            result: RunResult::ValidationFailed,
            detail: format!(
                "validation {:?} failed on {short} ({}{last}): nothing pushed; changed {}",
                action.validate.join(" "),
                tests.detail,
                changed.join(", ")
            ),
            exit_code: tests.exit_code,
            output: tests.output,
            ..Default::default()
        };
    }
    if let Err(e) = repo.push(&branch).await {
        return ActionResult::failed(format!("validated {short}; {e}"));
    }
    let mut steps = ShipSteps {
        branch: branch.clone(),
        pushed: Some(commit.clone()),
        ..ShipSteps::default()
    };
    if let Err(failed) = ship.journal.note(&steps, "ship_after_push").await {
        return failed;
    }
    let title = message.lines().next().unwrap_or("").to_string();
    if let Some(gh) = ship.github {
        let mut result = deliver(gh, ship, action, &mut steps, &title).await;
        result.detail = format!("validated {short}, pushed {branch}; {}", result.detail);
        return result;
    }
    if action.auto_merge {
        let sha = match repo.merge_into_base(&branch, &message).await {
            Ok(sha) => sha,
            Err(e) => {
                return ActionResult::failed(format!("validated and pushed {branch}; merge: {e}"))
            }
        };
        steps.merged = Some(sha.clone());
        if let Err(failed) = ship.journal.note(&steps, "ship_after_merge").await {
            return failed;
        }
        return ActionResult {
            result: RunResult::Ok,
            detail: format!(
                "validated {short}, merged into {} as {}",
                ship.settings.base,
                &sha[..sha.len().min(12)]
            ),
            link: Some(format!("{} {}", ship.settings.url, sha)),
            merged_commit: Some(sha),
            ..Default::default()
        };
    }
    ActionResult {
        result: RunResult::Ok,
        detail: format!("validated {short}, pushed {branch} for review"),
        link: Some(format!("{} {branch}", ship.settings.url)),
        ..Default::default()
    }
}

/// On GitHub: a pull request from the pushed branch of `steps`, merged through the API when
/// `auto_merge` is set and every check on it is green (waiting up to `ci_timeout`).
async fn deliver(
    gh: &Github,
    ship: &Shipment<'_>,
    action: &PatchAction,
    steps: &mut ShipSteps,
    title: &str,
) -> ActionResult {
    let base = &ship.settings.base;
    let (branch, commit) = (
        steps.branch.clone(),
        steps.pushed.clone().unwrap_or_default(),
    );
    let mut result = gh
        .open_or_update_pull_request(&branch, base, title, &ship.body, &action.labels)
        .await;
    let (Some(number), RunResult::Ok) = (result.pull_request, result.result) else {
        return result;
    };
    steps.pull_request = Some(number);
    steps.link = result.link.clone();
    if let Err(failed) = ship.journal.note(steps, "ship_after_pull_request").await {
        return failed;
    }
    if !action.auto_merge {
        result
            .detail
            .push_str("; left for review (auto_merge = false)");
        return result;
    }
    let started = std::time::Instant::now();
    let checks = loop {
        match gh.checks(&commit).await {
            Ok(Checks::Pending) if started.elapsed() < action.ci_timeout => {
                tokio::time::sleep(action.ci_poll).await;
            }
            other => break other,
        }
    };
    match checks {
        Ok(Checks::Green) => match gh.merge_pull_request(number, &commit, title).await {
            Ok(sha) => {
                result.detail = format!("{}; checks green, squash-merged as {sha}", result.detail);
                steps.merged = Some(sha.clone());
                result.merged_commit = Some(sha);
                if let Err(failed) = ship.journal.note(steps, "ship_after_merge").await {
                    return failed;
                }
            }
            Err(e) => {
                result.result = RunResult::Failed;
                result.detail = format!("{}; checks green, {e}", result.detail);
            }
        },
        Ok(Checks::Red(failed)) => {
            result.result = RunResult::ChecksFailed;
            result.detail = format!(
                "{}; checks failed ({}): not merged",
                result.detail,
                failed.join(", ")
            );
        }
        Ok(Checks::Pending) => {
            result.detail = format!(
                "{}; checks still pending after {}s: left for review",
                result.detail,
                action.ci_timeout.as_secs()
            );
        }
        Err(e) => {
            result.result = RunResult::Failed;
            result.detail = format!("{}; {e}", result.detail);
        }
    }
    result
}

/// Undoes `commit` after its verification failed (`why` goes into the message): on GitHub
/// a revert pull request merged under the action's policy, on a plain remote a revert
/// commit pushed to the base.
pub async fn revert(
    ship: &Shipment<'_>,
    action: &PatchAction,
    commit: &str,
    why: &str,
    breach: &str,
) -> ActionResult {
    let repo = match Repo::open(ship.settings, &ship.dir, ship.token.clone()).await {
        Ok(repo) => repo,
        Err(e) => return ActionResult::failed(e.to_string()),
    };
    let short = &commit[..commit.len().min(12)];
    let message = format!(
        "Revert SHAPE heal {short} ({}): verification failed\n\n{why}\n",
        ship.playbook
    );
    if let Some(gh) = ship.github {
        let branch = branch_name("shape/revert-", breach);
        let head = match repo.revert_on_branch(&branch, commit, &message).await {
            Ok(sha) => sha,
            Err(e) => return ActionResult::failed(format!("reverting {short}: {e}")),
        };
        let title = message.lines().next().unwrap_or("").to_string();
        let mut steps = ShipSteps {
            branch: branch.clone(),
            pushed: Some(head),
            ..ShipSteps::default()
        };
        if let Err(failed) = ship.journal.note(&steps, "ship_after_push").await {
            return failed;
        }
        let mut result = deliver(gh, ship, action, &mut steps, &title).await;
        result.detail = format!("revert of {short} pushed on {branch}; {}", result.detail);
        return result;
    }
    let sha = match repo.revert_on_base(commit, &message).await {
        Ok(sha) => sha,
        Err(e) => return ActionResult::failed(format!("reverting {short}: {e}")),
    };
    let steps = ShipSteps {
        branch: ship.settings.base.clone(),
        merged: Some(sha.clone()),
        ..ShipSteps::default()
    };
    if let Err(failed) = ship.journal.note(&steps, "ship_after_merge").await {
        return failed;
    }
    ActionResult {
        result: RunResult::Ok,
        detail: format!(
            "reverted {short} on {} as {}",
            ship.settings.base,
            &sha[..sha.len().min(12)]
        ),
        link: Some(format!("{} {sha}", ship.settings.url)),
        merged_commit: Some(sha),
        ..Default::default()
    }
}

/// `prefix` + the breach id as a git branch name: characters git refuses or a shell would
/// read become `-`, and then a hash of the id keeps different ids apart.
pub fn branch_name(prefix: &str, breach: &str) -> String {
    let clean: String = breach
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '-'
            }
        })
        .take(64)
        .collect();
    if clean == breach && !clean.is_empty() {
        format!("{prefix}{clean}")
    } else {
        format!("{prefix}{clean}-{}", &stable_key(&[breach])[..8])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn branch_names_are_safe_and_distinct() {
        assert_eq!(
            branch_name("shape/heal-", "1ca07ac7dc7212aa"),
            "shape/heal-1ca07ac7dc7212aa"
        );
        let odd = branch_name("shape/heal-", "../x $(id)");
        assert!(odd.starts_with("shape/heal----x---id--"), "{odd}");
        assert_ne!(odd, branch_name("shape/heal-", "../x $(ie)"));
        assert!(branch_name("shape/heal-", "").len() > "shape/heal-".len());
    }
}
