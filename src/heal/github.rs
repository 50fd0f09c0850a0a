//! GitHub issues and pull requests through octocrab, against any base URL (tests use a fake
//! server on loopback). Requests go through octocrab's JSON routes (`get`/`post`/`patch`/`put`
//! with `serde_json::Value`), which keeps us independent of its typed models' required
//! fields. Every call is retried on 5xx, timeouts and connection errors; 4xx is final.
//!
//! Idempotency: an issue or PR body carries a marker `<!-- shape:<key> -->`; before creating,
//! open issues (or the PR for the breach's branch) are looked up, and an existing one is
//! reused (issue) or updated (PR), never duplicated.

use std::time::Duration;

use octocrab::Octocrab;
use serde_json::{json, Value};

use super::actions::{ActionResult, RunResult};

/// `[heal.github]`.
#[derive(Debug, Clone, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GithubSettings {
    /// API base URL (GitHub Enterprise or a fake server in tests).
    #[serde(default = "default_api_url")]
    pub api_url: String,
    /// `owner/name`.
    pub repo: String,
    /// Name of the environment variable holding the token (never the token itself).
    #[serde(default = "default_token_env")]
    pub token_env: String,
    #[serde(default = "default_timeout")]
    pub timeout: String,
    #[serde(default = "default_retries")]
    pub retries: u32,
}

fn default_api_url() -> String {
    "https://api.github.com".into()
}
fn default_token_env() -> String {
    "GITHUB_TOKEN".into()
}
fn default_timeout() -> String {
    "10s".into()
}
fn default_retries() -> u32 {
    2
}

/// A pull request that writes one file.
#[derive(Debug, Clone, Copy)]
pub struct PullRequest<'a> {
    /// The branch to commit on (created from `base` when missing).
    pub branch: &'a str,
    pub base: &'a str,
    /// The file written, relative to the repository root, and its new content.
    pub path: &'a str,
    pub content: &'a str,
    pub title: &'a str,
    pub body: &'a str,
    pub labels: &'a [String],
}

pub struct Github {
    crab: Octocrab,
    owner: String,
    repo: String,
    retries: u32,
    backoff: Duration,
}

/// A failed call: the HTTP status if there was a response, and a message without secrets.
#[derive(Debug)]
struct CallError {
    status: Option<u16>,
    message: String,
}

fn call_error(e: octocrab::Error) -> CallError {
    match e {
        octocrab::Error::GitHub { source, .. } => CallError {
            status: Some(source.status_code.as_u16()),
            message: format!("HTTP {}: {}", source.status_code, source.message),
        },
        other => {
            // Transport errors: keep the first line only (no backtrace, no headers).
            let text = other.to_string();
            CallError {
                status: None,
                message: text.lines().next().unwrap_or("").to_string(),
            }
        }
    }
}

impl Github {
    /// Builds a client; the token is read from the environment variable the settings name.
    pub fn new(settings: &GithubSettings, timeout: Duration) -> Result<Github, String> {
        let (owner, repo) = settings
            .repo
            .split_once('/')
            .filter(|(o, r)| !o.is_empty() && !r.is_empty() && !r.contains('/'))
            .ok_or_else(|| format!("[heal.github] repo {:?} must be owner/name", settings.repo))?;
        let token = std::env::var(&settings.token_env).map_err(|_| {
            format!(
                "the GitHub token variable {} is not set in the environment",
                settings.token_env
            )
        })?;
        let crab = Octocrab::builder()
            .base_uri(settings.api_url.as_str())
            .map_err(|e| format!("[heal.github] api_url {:?}: {e}", settings.api_url))?
            .personal_token(token)
            .add_retry_config(octocrab::service::middleware::retry::RetryConfig::None)
            .set_connect_timeout(Some(timeout))
            .set_read_timeout(Some(timeout))
            .set_write_timeout(Some(timeout))
            .build()
            .map_err(|e| format!("cannot build the GitHub client: {}", call_error(e).message))?;
        Ok(Github {
            crab,
            owner: owner.to_string(),
            repo: repo.to_string(),
            retries: settings.retries,
            backoff: Duration::from_millis(200),
        })
    }

    fn route(&self, rest: &str) -> String {
        format!("/repos/{}/{}/{rest}", self.owner, self.repo)
    }

    /// Runs one call with retries on 5xx and transport errors.
    async fn call<F, Fut>(&self, mut f: F) -> Result<Value, CallError>
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = Result<Value, octocrab::Error>>,
    {
        let mut last = None;
        for attempt in 0..=self.retries {
            if attempt > 0 {
                tokio::time::sleep(self.backoff * 2u32.pow(attempt - 1)).await;
            }
            match f().await.map_err(call_error) {
                Ok(v) => return Ok(v),
                Err(e) if e.status.is_some_and(|s| s < 500) => return Err(e),
                Err(e) => last = Some(e),
            }
        }
        let e = last.expect("at least one try");
        Err(CallError {
            status: e.status,
            message: format!("{} (after {} tries)", e.message, self.retries + 1),
        })
    }

    fn failure(e: CallError, step: &str) -> ActionResult {
        ActionResult {
            http_status: e.status.map(i32::from),
            ..ActionResult::failed(format!("{step}: {}", e.message))
        }
    }

    /// Opens an issue unless an open one carries `marker`; returns its URL in `link`.
    pub async fn open_issue(
        &self,
        title: &str,
        body: &str,
        labels: &[String],
        marker: &str,
    ) -> ActionResult {
        let route = self.route("issues?state=open&per_page=100");
        let existing = match self
            .call(|| self.crab.get::<Value, _, ()>(&route, None))
            .await
        {
            Ok(v) => v,
            Err(e) => return Self::failure(e, "listing open issues"),
        };
        if let Some(issue) = existing.as_array().and_then(|issues| {
            issues
                .iter()
                .find(|i| i["body"].as_str().is_some_and(|b| b.contains(marker)))
        }) {
            return ActionResult {
                result: RunResult::Ok,
                detail: format!("issue #{} already open for this breach", issue["number"]),
                link: issue["html_url"].as_str().map(str::to_string),
                ..Default::default()
            };
        }
        let payload = json!({ "title": title, "body": body, "labels": labels });
        let route = self.route("issues");
        match self
            .call(|| self.crab.post::<_, Value>(&route, Some(&payload)))
            .await
        {
            Ok(issue) => ActionResult {
                result: RunResult::Ok,
                detail: format!("opened issue #{}", issue["number"]),
                http_status: Some(201),
                link: issue["html_url"].as_str().map(str::to_string),
                ..Default::default()
            },
            Err(e) => Self::failure(e, "creating the issue"),
        }
    }

    /// Writes the file of `pr` on its branch (created from its base if missing) and opens a
    /// pull request, or updates the open one for that branch.
    pub async fn open_pull_request(&self, pr: &PullRequest<'_>) -> ActionResult {
        let PullRequest {
            branch,
            base,
            path,
            content,
            title,
            body,
            labels,
        } = *pr;
        // 1. The branch: from the base's head commit; 422 means it exists already.
        let base_ref = self.route(&format!("git/ref/heads/{base}"));
        let base_sha = match self
            .call(|| self.crab.get::<Value, _, ()>(&base_ref, None))
            .await
        {
            Ok(v) => match v["object"]["sha"].as_str() {
                Some(sha) => sha.to_string(),
                None => return ActionResult::failed(format!("branch {base} has no commit sha")),
            },
            Err(e) => return Self::failure(e, &format!("reading branch {base}")),
        };
        let refs = self.route("git/refs");
        let new_ref = json!({ "ref": format!("refs/heads/{branch}"), "sha": base_sha });
        match self
            .call(|| self.crab.post::<_, Value>(&refs, Some(&new_ref)))
            .await
        {
            Ok(_) => {}
            Err(e) if e.status == Some(422) => {} // the branch exists: reuse it
            Err(e) => return Self::failure(e, &format!("creating branch {branch}")),
        }
        // 2. The file: update needs the current blob sha on the branch (404 = new file).
        let contents = self.route(&format!("contents/{path}"));
        let at_branch = json!({ "ref": branch });
        let current = self
            .call(|| self.crab.get::<Value, _, _>(&contents, Some(&at_branch)))
            .await;
        let sha = match current {
            Ok(v) => v["sha"].as_str().map(str::to_string),
            Err(e) if e.status == Some(404) => None,
            Err(e) => return Self::failure(e, &format!("reading {path}")),
        };
        use base64::Engine;
        let mut file = json!({
            "message": title,
            "content": base64::engine::general_purpose::STANDARD.encode(content),
            "branch": branch,
        });
        if let Some(sha) = sha {
            file["sha"] = json!(sha);
        }
        let commit = match self
            .call(|| self.crab.put::<Value, _, _>(&contents, Some(&file)))
            .await
        {
            Ok(v) => v["commit"]["sha"].as_str().unwrap_or("").to_string(),
            Err(e) => return Self::failure(e, &format!("committing {path}")),
        };
        // 3. The PR: update the open one for this branch, else create it.
        let mut result = self
            .open_or_update_pull_request(branch, base, title, body, labels)
            .await;
        result.detail = format!("{} (commit {commit})", result.detail);
        result
    }

    /// The state of the checks on `sha`: check runs and commit statuses together.
    pub async fn checks(&self, sha: &str) -> Result<Checks, String> {
        let runs_route = self.route(&format!("commits/{sha}/check-runs?per_page=100"));
        let runs = self
            .call(|| self.crab.get::<Value, _, ()>(&runs_route, None))
            .await
            .map_err(|e| format!("reading check runs: {}", e.message))?;
        let status_route = self.route(&format!("commits/{sha}/status"));
        let status = self
            .call(|| self.crab.get::<Value, _, ()>(&status_route, None))
            .await
            .map_err(|e| format!("reading commit statuses: {}", e.message))?;
        Ok(checks_state(&runs, &status))
    }

    /// Squash-merges pull request `number` if its head is still `sha`; returns the merge
    /// commit.
    pub async fn merge_pull_request(
        &self,
        number: u64,
        sha: &str,
        title: &str,
    ) -> Result<String, String> {
        let route = self.route(&format!("pulls/{number}/merge"));
        let body = json!({ "merge_method": "squash", "sha": sha, "commit_title": title });
        let merged = self
            .call(|| self.crab.put::<Value, _, _>(&route, Some(&body)))
            .await
            .map_err(|e| format!("merging pull request #{number}: {}", e.message))?;
        match merged["sha"].as_str() {
            Some(sha) if merged["merged"].as_bool() != Some(false) => Ok(sha.to_string()),
            _ => Err(format!("pull request #{number} was not merged: {merged}")),
        }
    }

    /// Opens a pull request from `branch` (already on GitHub) into `base`, or updates the
    /// open one for that branch.
    pub async fn open_or_update_pull_request(
        &self,
        branch: &str,
        base: &str,
        title: &str,
        body: &str,
        labels: &[String],
    ) -> ActionResult {
        let list = self.route(&format!(
            "pulls?state=open&head={}:{branch}&per_page=100",
            self.owner
        ));
        let open = match self
            .call(|| self.crab.get::<Value, _, ()>(&list, None))
            .await
        {
            Ok(v) => v,
            Err(e) => return Self::failure(e, "listing pull requests"),
        };
        let existing = open.as_array().and_then(|prs| {
            prs.iter()
                .find(|p| p["head"]["ref"].as_str() == Some(branch))
                .cloned()
        });
        if let Some(pr) = existing {
            let number = pr["number"].as_u64().unwrap_or(0);
            let route = self.route(&format!("pulls/{number}"));
            let update = json!({ "title": title, "body": body });
            return match self
                .call(|| self.crab.patch::<Value, _, _>(&route, Some(&update)))
                .await
            {
                Ok(pr) => ActionResult {
                    result: RunResult::Ok,
                    detail: format!("updated pull request #{number}"),
                    http_status: Some(200),
                    link: pr["html_url"].as_str().map(str::to_string),
                    pull_request: Some(number),
                    ..Default::default()
                },
                Err(e) => Self::failure(e, &format!("updating pull request #{number}")),
            };
        }
        let route = self.route("pulls");
        let create = json!({ "title": title, "head": branch, "base": base, "body": body });
        let pr = match self
            .call(|| self.crab.post::<_, Value>(&route, Some(&create)))
            .await
        {
            Ok(pr) => pr,
            Err(e) => return Self::failure(e, "creating the pull request"),
        };
        let number = pr["number"].as_u64().unwrap_or(0);
        if !labels.is_empty() {
            // Labels live on the PR's issue; a failure here does not undo the PR.
            let route = self.route(&format!("issues/{number}/labels"));
            let payload = json!({ "labels": labels });
            let _ = self
                .call(|| self.crab.post::<_, Value>(&route, Some(&payload)))
                .await;
        }
        ActionResult {
            result: RunResult::Ok,
            detail: format!("opened pull request #{number}"),
            http_status: Some(201),
            link: pr["html_url"].as_str().map(str::to_string),
            pull_request: Some(number),
            ..Default::default()
        }
    }
}

/// What a pull request's checks say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Checks {
    /// Every check run completed well and the combined status is success (or there is none).
    Green,
    /// Still running, or nothing reported yet.
    Pending,
    /// These failed.
    Red(Vec<String>),
}

/// Check runs (`GET commits/{sha}/check-runs`) and the combined status
/// (`GET commits/{sha}/status`) as one answer. Neutral and skipped runs count as passed.
pub fn checks_state(runs: &Value, status: &Value) -> Checks {
    let mut failed = Vec::new();
    let mut pending = false;
    for run in runs["check_runs"].as_array().into_iter().flatten() {
        let name = run["name"].as_str().unwrap_or("check").to_string();
        match (run["status"].as_str(), run["conclusion"].as_str()) {
            (Some("completed"), Some("success" | "neutral" | "skipped")) => {}
            (Some("completed"), _) => failed.push(name),
            _ => pending = true,
        }
    }
    for context in status["statuses"].as_array().into_iter().flatten() {
        match context["state"].as_str() {
            Some("success") => {}
            Some("pending") | None => pending = true,
            _ => failed.push(context["context"].as_str().unwrap_or("status").to_string()),
        }
    }
    if !failed.is_empty() {
        Checks::Red(failed)
    } else if pending {
        Checks::Pending
    } else {
        Checks::Green
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn checks_combine_runs_and_statuses() {
        let runs = |items: Value| json!({ "check_runs": items });
        let statuses = |items: Value| json!({ "statuses": items });
        let green = json!({ "name": "test", "status": "completed", "conclusion": "success" });
        let skipped = json!({ "name": "lint", "status": "completed", "conclusion": "skipped" });
        let running = json!({ "name": "e2e", "status": "in_progress", "conclusion": null });
        let red = json!({ "name": "build", "status": "completed", "conclusion": "failure" });
        assert_eq!(
            checks_state(&runs(json!([green, skipped])), &statuses(json!([]))),
            Checks::Green
        );
        assert_eq!(checks_state(&runs(json!([])), &json!({})), Checks::Green);
        assert_eq!(
            checks_state(&runs(json!([green, running])), &statuses(json!([]))),
            Checks::Pending
        );
        assert_eq!(
            checks_state(
                &runs(json!([running, red])),
                &statuses(json!([{ "context": "ci/jenkins", "state": "error" }]))
            ),
            Checks::Red(vec!["build".into(), "ci/jenkins".into()])
        );
        assert_eq!(
            checks_state(
                &runs(json!([green])),
                &statuses(json!([{ "context": "deploy", "state": "pending" }]))
            ),
            Checks::Pending
        );
    }
}
