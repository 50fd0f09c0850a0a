//! Running actions: a command without a shell, and a webhook POST with retries.

use std::path::Path;
use std::process::Stdio;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use tokio::io::AsyncReadExt;

/// The `result` of a `healing_runs` row.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RunResult {
    /// Recorded before acting; replaced when the action finishes.
    #[default]
    Planned,
    Ok,
    Failed,
    Timeout,
    /// A guard stopped it (kill switch, blast radius, cooldown).
    Skipped,
    /// Interrupted after it started: it may or may not have completed.
    Unknown,
    /// Approval mode with nobody to ask: recorded only.
    AwaitingApproval,
    /// A patch whose repository tests failed: nothing was pushed.
    ValidationFailed,
    /// A pull request whose checks failed: not merged.
    ChecksFailed,
}

impl RunResult {
    pub fn as_str(self) -> &'static str {
        match self {
            RunResult::Planned => "planned",
            RunResult::Ok => "ok",
            RunResult::Failed => "failed",
            RunResult::Timeout => "timeout",
            RunResult::Skipped => "skipped",
            RunResult::Unknown => "unknown",
            RunResult::AwaitingApproval => "awaiting_approval",
            RunResult::ValidationFailed => "validation_failed",
            RunResult::ChecksFailed => "checks_failed",
        }
    }
}

/// What an action did: the `healing_runs` result fields.
#[derive(Debug, Clone, Default)]
pub struct ActionResult {
    pub result: RunResult,
    pub detail: String,
    pub exit_code: Option<i32>,
    pub http_status: Option<i32>,
    pub output: Option<String>,
    pub link: Option<String>,
    /// The commit a `patch` merged into the base branch (undone if verification fails).
    pub merged_commit: Option<String>,
    /// The pull request it opened or updated.
    pub pull_request: Option<u64>,
}

impl ActionResult {
    pub fn failed(detail: impl Into<String>) -> Self {
        ActionResult {
            result: RunResult::Failed,
            detail: detail.into(),
            ..Default::default()
        }
    }
}

/// The PATH a command sees: the environment is cleared, so nothing from the healer's own
/// environment (tokens, credentials) leaks into it.
const COMMAND_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// Runs `argv` directly (no shell): every element reaches the program as one argument, so
/// `;`, `$(...)`, backticks, newlines and globs in row values are inert text. The
/// environment is cleared and set to `env` plus PATH; stdin is closed; the process is killed
/// after `timeout`; at most `max_output` bytes of stdout and stderr are kept.
pub async fn run_command(
    argv: &[String],
    env: &[(String, String)],
    cwd: &Path,
    timeout: Duration,
    max_output: usize,
) -> ActionResult {
    let mut command = tokio::process::Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .env_clear()
        .env("PATH", COMMAND_PATH)
        .envs(env.iter().map(|(k, v)| (k, v)))
        .current_dir(cwd)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    let mut child = match command.spawn() {
        Ok(child) => child,
        Err(e) => return ActionResult::failed(format!("cannot start {:?}: {e}", argv[0])),
    };
    let stdout = child.stdout.take().expect("piped");
    let stderr = child.stderr.take().expect("piped");
    let collect = async {
        let (out, err) = tokio::join!(
            read_capped(stdout, max_output),
            read_capped(stderr, max_output)
        );
        let status = child.wait().await;
        (out, err, status)
    };
    match tokio::time::timeout(timeout, collect).await {
        Err(_) => ActionResult {
            result: RunResult::Timeout,
            detail: format!("killed after {}s", timeout.as_secs_f64()),
            ..Default::default()
        },
        Ok((out, err, status)) => {
            let mut output = out;
            if !err.is_empty() {
                output.push_str("\n[stderr]\n");
                output.push_str(&err);
            }
            match status {
                Ok(status) => ActionResult {
                    result: if status.success() {
                        RunResult::Ok
                    } else {
                        RunResult::Failed
                    },
                    detail: status.to_string(),
                    exit_code: status.code(),
                    output: Some(output),
                    ..Default::default()
                },
                Err(e) => ActionResult::failed(format!("waiting for the command failed: {e}")),
            }
        }
    }
}

/// Reads a stream to its end, keeping the first `cap` bytes (and saying what was cut).
async fn read_capped(mut reader: impl tokio::io::AsyncRead + Unpin, cap: usize) -> String {
    let mut kept = Vec::new();
    let mut dropped = 0usize;
    let mut buf = [0u8; 8192];
    loop {
        match reader.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => {
                let room = cap.saturating_sub(kept.len()).min(n);
                kept.extend_from_slice(&buf[..room]);
                dropped += n - room;
            }
        }
    }
    let mut text = String::from_utf8_lossy(&kept).into_owned();
    if dropped > 0 {
        text.push_str(&format!("\n[... {dropped} more bytes not kept]"));
    }
    text
}

/// POSTs `body` as JSON; retries timeouts, connection errors and 5xx responses with
/// exponential backoff (`backoff`, doubled each time), `retries` times.
pub async fn post_webhook(
    url: &str,
    body: &serde_json::Value,
    timeout: Duration,
    retries: u32,
    backoff: Duration,
) -> ActionResult {
    let client = match reqwest::Client::builder().timeout(timeout).build() {
        Ok(c) => c,
        Err(e) => return ActionResult::failed(format!("cannot build an HTTP client: {e}")),
    };
    let mut tries = Vec::new();
    for attempt in 0..=retries {
        if attempt > 0 {
            tokio::time::sleep(backoff * 2u32.pow(attempt - 1)).await;
        }
        match client.post(url).json(body).send().await {
            Ok(response) => {
                let status = response.status();
                let text = response.text().await.unwrap_or_default();
                let output = Some(text.chars().take(4096).collect());
                if status.is_success() {
                    return ActionResult {
                        result: RunResult::Ok,
                        detail: format!("HTTP {status} after {} tries", attempt + 1),
                        http_status: Some(i32::from(status.as_u16())),
                        output,
                        ..Default::default()
                    };
                }
                tries.push(format!("HTTP {status}"));
                if !status.is_server_error() {
                    return ActionResult {
                        http_status: Some(i32::from(status.as_u16())),
                        output,
                        ..ActionResult::failed(tries.join(", "))
                    };
                }
            }
            Err(e) if e.is_timeout() => tries.push("timeout".into()),
            Err(e) => tries.push(without_url(&e)),
        }
    }
    ActionResult::failed(format!(
        "gave up after {} tries: {}",
        retries + 1,
        tries.join(", ")
    ))
}

/// reqwest's error text without the URL (it may carry credentials in its query).
fn without_url(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    if let Some(url) = e.url() {
        text = text.replace(url.as_str(), "<url>");
    }
    text
}
