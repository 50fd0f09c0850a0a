//! The target repository of `patch` actions (`[heal.repo]`): SHAPE's own clone, driven by
//! the machine's `git` with argv (no shell). Each action starts from the base branch as the
//! remote has it now (fetch, then a hard reset and clean of the work tree), so a clone left
//! dirty by an interrupted action is never built on.
//!
//! git runs with a cleared environment: PATH, no user or system configuration, no terminal
//! prompts. A token for an `https://` remote travels in git's environment
//! configuration (`GIT_CONFIG_KEY_0 = http.extraHeader`), never in argv, the remote URL,
//! output or records.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use serde::Deserialize;

/// How long one git command may take.
const GIT_TIMEOUT: Duration = Duration::from_secs(300);
/// The PATH git sees (its helpers and hooks find their tools there).
const GIT_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

/// `[heal.repo]`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RepoSettings {
    /// Any git URL: `https://github.com/owner/name`, `ssh://...`, `file:///srv/app.git`, or
    /// a local path.
    pub url: String,
    #[serde(default = "default_base")]
    pub base: String,
    /// Where the clone lives (default: `heal-repo` under the data dir, or under the system's
    /// cache directory when the data dir is not local).
    pub workdir: Option<PathBuf>,
    /// Name of the environment variable holding a token for an `https://` remote (default:
    /// `[heal.github] token_env`, when set).
    pub token_env: Option<String>,
    #[serde(default = "default_author")]
    pub author: String,
}

fn default_base() -> String {
    "main".into()
}
fn default_author() -> String {
    "SHAPE <shape@localhost>".into()
}

#[derive(Debug, thiserror::Error)]
pub enum RepoError {
    #[error("git {args} failed in {dir}: {message}")]
    Git {
        args: String,
        dir: PathBuf,
        message: String,
    },
    #[error("cannot start git: {0}")]
    Spawn(std::io::Error),
    #[error("[heal.repo] author {0:?} must look like \"Name <email>\"")]
    Author(String),
}

/// SHAPE's clone of the target repository.
pub struct Repo {
    pub dir: PathBuf,
    settings: RepoSettings,
    token: Option<String>,
}

impl Repo {
    /// The clone at `dir`, made if missing, fetched fresh otherwise.
    pub async fn open(
        settings: &RepoSettings,
        dir: &Path,
        token: Option<String>,
    ) -> Result<Repo, RepoError> {
        author_parts(&settings.author)?;
        let repo = Repo {
            dir: dir.to_path_buf(),
            settings: settings.clone(),
            token,
        };
        if !dir.join(".git").exists() {
            std::fs::create_dir_all(dir).map_err(RepoError::Spawn)?;
            repo.git(&["init", "--quiet"]).await?;
            repo.git(&["remote", "add", "origin", &settings.url])
                .await?;
        } else {
            repo.git(&["remote", "set-url", "origin", &settings.url])
                .await?;
        }
        repo.git(&["fetch", "--quiet", "--prune", "origin"]).await?;
        Ok(repo)
    }

    /// A fresh `branch` at the remote base: whatever the work tree held is gone.
    pub async fn start_branch(&self, branch: &str) -> Result<(), RepoError> {
        let base = format!("origin/{}", self.settings.base);
        self.git(&["checkout", "--quiet", "--force", "-B", branch, &base])
            .await?;
        self.git(&["reset", "--quiet", "--hard", &base]).await?;
        self.git(&["clean", "--quiet", "-fdx"]).await?;
        Ok(())
    }

    /// Commits `files` with `message`; returns the new commit's sha.
    pub async fn commit(&self, files: &[String], message: &str) -> Result<String, RepoError> {
        let mut add = vec!["add", "--"];
        add.extend(files.iter().map(String::as_str));
        self.git(&add).await?;
        self.git(&["commit", "--quiet", "--no-verify", "-m", message])
            .await?;
        self.head().await
    }

    pub async fn head(&self) -> Result<String, RepoError> {
        Ok(self.git(&["rev-parse", "HEAD"]).await?.trim().to_string())
    }

    /// Pushes `branch` (replacing an earlier attempt's branch of the same name).
    pub async fn push(&self, branch: &str) -> Result<(), RepoError> {
        let spec = format!("+refs/heads/{branch}:refs/heads/{branch}");
        self.git(&["push", "--quiet", "origin", &spec]).await?;
        Ok(())
    }

    /// Squash-merges `branch` into the base and pushes the base: how a plain git remote
    /// (no pull requests) takes a validated change. Returns the base's new commit.
    pub async fn merge_into_base(&self, branch: &str, message: &str) -> Result<String, RepoError> {
        self.git(&["fetch", "--quiet", "origin"]).await?;
        self.checkout_base().await?;
        self.git(&["merge", "--quiet", "--squash", branch]).await?;
        self.commit_and_push_base(message).await
    }

    /// A commit on the base that undoes `commit`, pushed; returns the revert's sha.
    pub async fn revert_on_base(&self, commit: &str, message: &str) -> Result<String, RepoError> {
        self.checkout_base().await?;
        self.git(&["clean", "--quiet", "-fdx"]).await?;
        self.git(&["revert", "--no-edit", "--no-commit", commit])
            .await?;
        self.commit_and_push_base(message).await
    }

    /// The local base branch at the remote's base, whatever the work tree held.
    async fn checkout_base(&self) -> Result<(), RepoError> {
        let base = &self.settings.base;
        let remote = format!("origin/{base}");
        self.git(&["checkout", "--quiet", "--force", "-B", base, &remote])
            .await?;
        Ok(())
    }

    /// Commits what is staged on the base and pushes the base; returns the commit.
    async fn commit_and_push_base(&self, message: &str) -> Result<String, RepoError> {
        let base = &self.settings.base;
        self.git(&["commit", "--quiet", "--no-verify", "-m", message])
            .await?;
        let sha = self.head().await?;
        let spec = format!("{base}:refs/heads/{base}");
        self.git(&["push", "--quiet", "origin", &spec]).await?;
        Ok(sha)
    }

    /// A new `branch` from the base with a commit that undoes `commit`, pushed; returns the
    /// revert's sha.
    pub async fn revert_on_branch(
        &self,
        branch: &str,
        commit: &str,
        message: &str,
    ) -> Result<String, RepoError> {
        self.start_branch(branch).await?;
        self.git(&["revert", "--no-edit", "--no-commit", commit])
            .await?;
        self.git(&["commit", "--quiet", "--no-verify", "-m", message])
            .await?;
        let sha = self.head().await?;
        self.push(branch).await?;
        Ok(sha)
    }

    /// Runs git in the clone; stdout on success, a message naming the command otherwise.
    async fn git(&self, args: &[&str]) -> Result<String, RepoError> {
        let (name, email) = author_parts(&self.settings.author)?;
        let mut command = tokio::process::Command::new("git");
        command
            .args(args)
            .current_dir(&self.dir)
            .env_clear()
            .env("PATH", GIT_PATH)
            // No user or system configuration: only what SHAPE sets applies.
            .env("HOME", &self.dir)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .env("LANG", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env("GIT_CONFIG_NOSYSTEM", "1")
            .env("GIT_AUTHOR_NAME", name)
            .env("GIT_AUTHOR_EMAIL", email)
            .env("GIT_COMMITTER_NAME", name)
            .env("GIT_COMMITTER_EMAIL", email)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        if let Some(token) = self
            .token
            .as_deref()
            .filter(|_| self.settings.url.starts_with("https://"))
        {
            use base64::Engine;
            let basic =
                base64::engine::general_purpose::STANDARD.encode(format!("x-access-token:{token}"));
            command
                .env("GIT_CONFIG_COUNT", "1")
                .env("GIT_CONFIG_KEY_0", "http.extraHeader")
                .env(
                    "GIT_CONFIG_VALUE_0",
                    format!("Authorization: Basic {basic}"),
                );
        }
        let failed = |message: String| RepoError::Git {
            args: args.join(" "),
            dir: self.dir.clone(),
            message,
        };
        let child = command.spawn().map_err(RepoError::Spawn)?;
        let out = tokio::time::timeout(GIT_TIMEOUT, child.wait_with_output())
            .await
            .map_err(|_| failed(format!("no answer after {}s", GIT_TIMEOUT.as_secs())))?
            .map_err(RepoError::Spawn)?;
        if !out.status.success() {
            let stderr = String::from_utf8_lossy(&out.stderr);
            let message = stderr.trim().lines().take(5).collect::<Vec<_>>().join("; ");
            return Err(failed(self.scrub(&message)));
        }
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    }

    /// Removes the token from text that may be shown or stored.
    fn scrub(&self, text: &str) -> String {
        match self.token.as_deref().filter(|t| !t.is_empty()) {
            Some(token) => text.replace(token, "***"),
            None => text.to_string(),
        }
    }
}

/// `"Name <email>"` split in two.
fn author_parts(author: &str) -> Result<(&str, &str), RepoError> {
    let bad = || RepoError::Author(author.to_string());
    let (name, rest) = author.split_once('<').ok_or_else(bad)?;
    let email = rest.strip_suffix('>').ok_or_else(bad)?;
    let name = name.trim();
    if name.is_empty() || email.trim().is_empty() {
        return Err(bad());
    }
    Ok((name, email.trim()))
}
