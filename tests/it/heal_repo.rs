//! `patch` actions against a real git repository: a bare repository on disk plays the
//! application's remote (`file://`), its own `test.sh` validates each patch.

use std::path::Path;
use std::process::Command;

use crate::common::text;
use crate::heal::Scenario;

/// Runs git in `dir`; panics with its stderr on failure.
fn git(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "app dev")
        .env("GIT_AUTHOR_EMAIL", "dev@example.com")
        .env("GIT_COMMITTER_NAME", "app dev")
        .env("GIT_COMMITTER_EMAIL", "dev@example.com")
        .output()
        .unwrap();
    assert!(out.status.success(), "git {args:?}: {}", text(&out.stderr));
    text(&out.stdout)
}

const POOL_TOML: &str =
    "# the database pool\n[db]\nhost = \"db.internal\"\npool_size = 10 # tuned by hand\n";
const VALUES_YAML: &str = "# deployment\nreplicas: 2 # raised in May\nimage: app:1.4\n";
/// The application's own tests: a pool over 100 connections exhausts the database.
const TEST_SH: &str = "#!/bin/sh\nsize=$(sed -n 's/^pool_size = \\([0-9]*\\).*/\\1/p' config/pool.toml)\n\
    if [ \"$size\" -gt 100 ]; then echo \"pool_size $size is over the database's 100 connections\"; exit 1; fi\n\
    echo \"tests pass (pool_size $size)\"\n";

/// A bare `remote.git` under `root` whose main branch holds the application's files.
fn application_remote(root: &Path) -> String {
    let seed = root.join("seed");
    std::fs::create_dir_all(seed.join("config")).unwrap();
    std::fs::create_dir_all(seed.join("deploy")).unwrap();
    std::fs::write(seed.join("config/pool.toml"), POOL_TOML).unwrap();
    std::fs::write(seed.join("deploy/values.yaml"), VALUES_YAML).unwrap();
    std::fs::write(seed.join("test.sh"), TEST_SH).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(seed.join("test.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    git(
        root,
        &[
            "init",
            "--quiet",
            "--bare",
            "--initial-branch=main",
            "remote.git",
        ],
    );
    git(&seed, &["init", "--quiet", "--initial-branch=main"]);
    git(&seed, &["add", "."]);
    git(&seed, &["commit", "--quiet", "-m", "the application"]);
    let url = format!("file://{}", root.join("remote.git").display());
    git(&seed, &["push", "--quiet", &url, "main"]);
    url
}

/// The file at `path` on `branch` of the remote.
fn remote_file(root: &Path, branch: &str, path: &str) -> String {
    git(
        &root.join("remote.git"),
        &["show", &format!("{branch}:{path}")],
    )
}

fn remote_branches(root: &Path) -> String {
    git(&root.join("remote.git"), &["branch", "--list"])
}

/// What a hostile breach row carries: shell, quotes, newlines, paths and placeholders.
const HOSTILE: &str =
    "$(touch pwned) `touch pwned2` \"q\" 'q'\nreplicas: 99 ../../etc/passwd $1 {component}";

fn breach_query() -> String {
    format!(
        "SELECT 'b-1' AS breach_id, 'library-availability' AS slo_id, 'library' AS component, \
         'burn_rate' AS kind, 'page' AS severity, '{}' AS note",
        HOSTILE.replace('\'', "''")
    )
}

/// Library requests from `from` for `minutes`, every 2 s, all answered but each in 3 s.
fn slow_but_available(path: &Path, from: &str, minutes: i64) {
    let start = chrono::DateTime::parse_from_rfc3339(from).unwrap();
    let lines: String = (0..minutes * 30)
        .map(|i| {
            let ts = (start + chrono::Duration::seconds(2 * i)).format("%Y-%m-%dT%H:%M:%SZ");
            format!(
                "{{\"ts\":\"{ts}\",\"level\":\"INFO\",\"service\":\"renderx-web\",\"component\":\"library\",\
                 \"operation\":\"loadAsset\",\"status\":200,\"duration_ms\":3000.0,\"outcome\":\"ok\",\"msg\":\"served slowly\"}}\n"
            )
        })
        .collect();
    std::fs::write(path, lines).unwrap();
}

/// A red patch never leaves the machine; the next rung is validated and merged; its
/// verification restores availability but burns the latency budget (the multi-objective
/// gate fails it), so the merge is reverted on main and the breach escalated.
#[tokio::test]
async fn a_red_patch_is_never_pushed_and_a_green_one_is_merged() {
    let dir = tempfile::tempdir().unwrap();
    let url = application_remote(dir.path());
    let heal = format!(
        "cooldown = \"1m\"\nverify_after = \"30m\"\n\n\
         [heal.repo]\nurl = \"{url}\"\nbase = \"main\"\n"
    );
    // Step 0 raises the pool past what the database allows (the tests say no); step 1
    // raises it within bounds, scales the deployment and notes why, and may merge.
    let playbooks = r#"
[[slo]]
id = "library-latency"
component = "library"
sli = "latency"
threshold_ms = 500
objective = 0.99
window = "30d"

[[playbook]]
name = "pool"
description = "The checkout pool runs dry under load."
[playbook.match]
component = "library"
[[playbook.action]]
kind = "patch"
validate = ["./test.sh"]
[[playbook.action.edit]]
file = "config/pool.toml"
set = "db.pool_size"
value = 500
[[playbook.action]]
kind = "patch"
validate = ["./test.sh"]
auto_merge = true
[[playbook.action.edit]]
file = "config/pool.toml"
set = "db.pool_size"
value = 40
[[playbook.action.edit]]
file = "deploy/values.yaml"
set = "replicas"
value = 3
[[playbook.action.edit]]
file = "deploy/values.yaml"
set = "annotations.shape_note"
value = "{note}"
[[playbook.action.edit]]
file = "config/pool.toml"
replace = 'host = "([^"]*)"'
with = 'host = "$1" # healed: {note}'
"#;
    let s = Scenario::new(6 * 60, &heal, playbooks);
    let query = breach_query();

    // 1. Red: validation fails, nothing reaches the remote, the ladder moves on.
    let out = s.heal("2025-11-20T06:00:00Z", &["--query", &query], &[]);
    assert!(out.contains("ACT pool (step 0, attempt 1)"), "{out}");
    assert!(
        !remote_branches(dir.path()).contains("shape/heal"),
        "pushed a red patch"
    );
    let runs = s.runs().await;
    assert_eq!(runs[0][0..2], ["patch", "validation_failed"], "{runs:?}");
    assert!(runs[0][2].contains("nothing pushed"), "{runs:?}");
    let output = crate::common::query(&s.data(), "SELECT output FROM healing_runs").await;
    assert!(output[0][0].contains("pool_size 500 is over"), "{output:?}");

    // 2. Green: the next step is validated, pushed and merged into main.
    let out = s.heal("2025-11-20T06:02:00Z", &["--query", &query], &[]);
    assert!(out.contains("ACT pool (step 1, attempt 2)"), "{out}");
    let runs = s.runs().await;
    assert_eq!(runs[1][0..2], ["patch", "ok"], "{runs:?}");
    assert!(runs[1][2].contains("merged into main"), "{runs:?}");
    let pool = remote_file(dir.path(), "main", "config/pool.toml");
    let values = remote_file(dir.path(), "main", "deploy/values.yaml");
    // Comments and order kept; the hostile note is one string value, nothing more.
    assert!(
        pool.starts_with("# the database pool\n[db]\nhost = \"db.internal\" # healed: "),
        "{pool}"
    );
    assert!(pool.contains("pool_size = 40 # tuned by hand"), "{pool}");
    assert!(
        values.contains("# deployment") && values.contains("# raised in May"),
        "{values}"
    );
    let parsed: serde_json::Value = serde_norway::from_str(&values).unwrap();
    assert_eq!(parsed["replicas"], 3, "{values}");
    assert_eq!(parsed["annotations"]["shape_note"], HOSTILE, "{values}");
    assert!(!dir.path().join("pwned").exists() && !s.root().join("pwned").exists());
    // The commit says what breached and why.
    let log = git(
        &dir.path().join("remote.git"),
        &["log", "-1", "--format=%an <%ae>%n%B", "main"],
    );
    assert!(
        log.starts_with(
            "SHAPE <shape@localhost>\nSHAPE heal: pool for library-availability (breach b-1)"
        ),
        "{log}"
    );
    assert!(
        log.contains("The checkout pool runs dry under load."),
        "{log}"
    );
    assert!(remote_branches(dir.path()).contains("shape/heal-b-1"));

    // 3. A rerun repeats nothing: the breach is being verified.
    let before = git(&dir.path().join("remote.git"), &["rev-parse", "main"]);
    let out = s.heal("2025-11-20T06:05:00Z", &["--query", &query], &[]);
    assert!(out.contains("wait: verifying"), "{out}");
    assert_eq!(
        git(&dir.path().join("remote.git"), &["rev-parse", "main"]),
        before
    );
    assert_eq!(s.runs().await.len(), 2);

    // 4. After the merge every request succeeds, slowly: availability passes, the latency
    //    SLO of the same component pays for it, so the fix fails and is undone.
    slow_but_available(&s.root().join("after.jsonl"), "2025-11-20T06:00:00Z", 40);
    let out = s.shape(&["ingest", "after.jsonl"], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = s.heal("2025-11-20T06:35:00Z", &["--query", &query], &[]);
    assert!(out.contains("meets the objective"), "{out}");
    assert!(out.contains("but library-latency spent"), "{out}");
    assert!(out.contains("REVERT ok"), "{out}");
    let pool = remote_file(dir.path(), "main", "config/pool.toml");
    assert_eq!(pool, POOL_TOML, "main is back to what it was");
    let log = git(
        &dir.path().join("remote.git"),
        &["log", "-1", "--format=%B", "main"],
    );
    assert!(log.starts_with("Revert SHAPE heal"), "{log}");
    assert!(log.contains("library-latency"), "{log}");
    let runs = s.runs().await;
    assert_eq!(runs.last().unwrap()[0..2], ["revert", "ok"], "{runs:?}");
    let outcomes = s.outcomes().await;
    assert_eq!(outcomes.last().unwrap()[0], "fail", "{outcomes:?}");
    // Escalated: nothing more is tried, and a rerun reverts nothing twice.
    let out = s.heal("2025-11-20T06:40:00Z", &["--query", &query], &[]);
    assert!(out.contains("wait: escalated to a human"), "{out}");
    assert_eq!(s.runs().await.len(), 3);
}

/// A crash between a patch's steps repeats none of them. After the push: the rerun records
/// how far it got and merges nothing. After the merge: the merged commit is kept, so the
/// failed verification still reverts it, once.
#[tokio::test]
async fn a_crash_between_a_patchs_steps_repeats_none_and_keeps_what_was_merged() {
    for (point, merged) in [("ship_after_push", false), ("ship_after_merge", true)] {
        let dir = tempfile::tempdir().unwrap();
        let url = application_remote(dir.path());
        let remote = dir.path().join("remote.git");
        let heal =
            format!("verify_after = \"30m\"\n\n[heal.repo]\nurl = \"{url}\"\nbase = \"main\"\n");
        let playbooks = r#"
[[playbook]]
name = "pool"
[[playbook.action]]
kind = "patch"
validate = ["./test.sh"]
auto_merge = true
[[playbook.action.edit]]
file = "config/pool.toml"
set = "db.pool_size"
value = 40
"#;
        let s = Scenario::new(60, &heal, playbooks);
        let query = breach_query();
        let main_before = git(&remote, &["rev-parse", "main"]);
        let crashed = s.shape(
            &[
                "heal",
                "--execute",
                "--as-of",
                "2025-11-20T01:00:00Z",
                "--query",
                &query,
            ],
            &[("SHAPE_CRASH_AT", point)],
        );
        assert!(!crashed.status.success(), "{point}: did not stop");
        let branch = git(&remote, &["rev-parse", "shape/heal-b-1"]);
        let main_crashed = git(&remote, &["rev-parse", "main"]);
        assert_eq!(main_crashed != main_before, merged, "{point}");

        // The rerun recovers; nothing is pushed or merged again.
        let out = s.heal("2025-11-20T01:01:00Z", &["--query", &query], &[]);
        assert!(out.contains("wait: verifying"), "{point}: {out}");
        assert_eq!(
            git(&remote, &["rev-parse", "main"]),
            main_crashed,
            "{point}"
        );
        assert_eq!(
            git(&remote, &["rev-parse", "shape/heal-b-1"]),
            branch,
            "{point}"
        );
        let runs = s.runs().await;
        assert_eq!(runs.len(), 1, "{point}: {runs:?}");
        let short = &main_crashed.trim()[..12];
        if !merged {
            assert_eq!(runs[0][1], "unknown", "{runs:?}");
            assert!(
                runs[0][2].contains("interrupted after: pushed shape/heal-b-1")
                    && runs[0][2].contains("not repeated"),
                "{runs:?}"
            );
            continue;
        }
        assert_eq!(runs[0][1], "ok", "{runs:?}");
        assert!(
            runs[0][2].contains(&format!("merged as {short}")),
            "{runs:?}"
        );
        // The application never got the fix (its logs keep failing): the verification fails
        // and the merge the crash left is reverted on main.
        s.generate("after", "2025-11-20T01:00:00Z", 40);
        let ingested = s.shape(&["ingest", "after/*.jsonl"], &[]);
        assert!(ingested.status.success(), "{}", text(&ingested.stderr));
        let out = s.heal("2025-11-20T01:35:00Z", &["--query", &query], &[]);
        assert!(out.contains("REVERT ok"), "{out}");
        assert_eq!(
            remote_file(dir.path(), "main", "config/pool.toml"),
            POOL_TOML
        );
        let out = s.heal("2025-11-20T01:40:00Z", &["--query", &query], &[]);
        assert!(out.contains("wait: escalated to a human"), "{out}");
        let kinds: Vec<String> = s.runs().await.iter().map(|r| r[0].clone()).collect();
        assert_eq!(kinds, ["patch", "revert"]);
    }
}

/// `shape heal` with `config` as shape.toml in `dir`: it must fail; its stderr.
fn refused(dir: &Path, config: &str) -> String {
    std::fs::write(dir.join("shape.toml"), config).unwrap();
    let args = ["--config", "shape.toml", "--data-dir", "data", "heal"];
    let out = crate::common::run_shape(dir, &args, &[]);
    assert!(!out.status.success(), "{config}");
    text(&out.stderr)
}

#[test]
fn patch_playbooks_are_checked_at_load() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        (
            "file = \"../outside.toml\"\nset = \"a\"\nvalue = 1",
            "must be relative to the repository",
        ),
        (
            "file = \"conf/{component}.toml\"\nset = \"a\"\nvalue = 1",
            "a patch path is literal",
        ),
        (
            "file = \".git/config\"\nset = \"a\"\nvalue = 1",
            "inside .git",
        ),
        ("file = \"a.ini\"\nset = \"a\"\nvalue = 1", "say `format"),
        (
            "file = \"a.toml\"\nset = \"a\"\nreplace = \"x\"\nwith = \"y\"",
            "exactly one of",
        ),
        (
            "file = \"a.toml\"\nreplace = \"(\"\nwith = \"y\"",
            "replace: regex parse error",
        ),
    ];
    for (edit, message) in cases {
        let config = format!(
            "[heal]\nallowed_commands = [\"./test.sh\"]\n[heal.repo]\nurl = \"file:///nowhere\"\n\n\
             [[playbook]]\nname = \"p\"\n[[playbook.action]]\nkind = \"patch\"\nvalidate = [\"./test.sh\"]\n\
             [[playbook.action.edit]]\n{edit}\n"
        );
        let err = refused(dir.path(), &config);
        assert!(err.contains(message), "{edit}: {err}");
        assert!(
            err.contains("shape.toml:"),
            "names the file and line: {err}"
        );
    }
    // Unvalidated patches and patches without a repository are refused too.
    for (config, message) in [
        ("[heal]\n[heal.repo]\nurl = \"file:///x\"\n[[playbook]]\nname = \"p\"\n[[playbook.action]]\nkind = \"patch\"\n[[playbook.action.edit]]\nfile = \"a.toml\"\nset = \"a\"\nvalue = 1\n", "never shipped untested"),
        ("[heal]\nallowed_commands = [\"make\"]\n[[playbook]]\nname = \"p\"\n[[playbook.action]]\nkind = \"patch\"\nvalidate = [\"make\", \"test\"]\n[[playbook.action.edit]]\nfile = \"a.toml\"\nset = \"a\"\nvalue = 1\n", "[heal.repo] must name the repository"),
    ] {
        let err = refused(dir.path(), config);
        assert!(err.contains(message), "{err}");
    }
}

mod github {
    use super::*;
    use wiremock::matchers::{body_partial_json, method, path, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TOKEN: &str = "ghp_patchsecret0123456789";

    fn json(status: u16, body: serde_json::Value) -> ResponseTemplate {
        ResponseTemplate::new(status).set_body_json(body)
    }

    /// A fake GitHub for `acme/app` whose check runs answer `runs` in turn (the last one
    /// for every later call), and a scenario whose patch merges when they are green.
    async fn github_with_checks(runs: &[&str]) -> (MockServer, tempfile::TempDir, Scenario) {
        let server = MockServer::start().await;
        let repo = "/repos/acme/app";
        Mock::given(method("GET"))
            .and(path(format!("{repo}/pulls")))
            .respond_with(json(200, serde_json::json!([])))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{repo}/pulls")))
            .respond_with(json(
                201,
                serde_json::json!({"number": 7, "html_url": "https://gh.test/acme/app/pull/7"}),
            ))
            .mount(&server)
            .await;
        let checks = format!(r"^{repo}/commits/[0-9a-f]{{40}}/check-runs$");
        for (i, state) in runs.iter().enumerate() {
            let (status, conclusion) = match *state {
                "pending" => ("in_progress", serde_json::Value::Null),
                other => ("completed", serde_json::json!(other)),
            };
            let mock = Mock::given(method("GET"))
                .and(path_regex(checks.as_str()))
                .respond_with(json(
                    200,
                    serde_json::json!({"check_runs": [
                    {"name": "test", "status": status, "conclusion": conclusion}]}),
                ))
                .with_priority(i as u8 + 1);
            let mock = if i + 1 < runs.len() {
                mock.up_to_n_times(1)
            } else {
                mock
            };
            mock.mount(&server).await;
        }
        Mock::given(method("GET"))
            .and(path_regex(format!(
                r"^{repo}/commits/[0-9a-f]{{40}}/status$"
            )))
            .respond_with(json(
                200,
                serde_json::json!({"state": "success", "statuses": []}),
            ))
            .mount(&server)
            .await;
        let dir = tempfile::tempdir().unwrap();
        let url = application_remote(dir.path());
        let heal = format!(
            "[heal.github]\napi_url = \"{}\"\nrepo = \"acme/app\"\ntoken_env = \"SHAPE_GH_TOKEN\"\n\n\
             [heal.repo]\nurl = \"{url}\"\n",
            server.uri()
        );
        let playbooks = r#"
[[playbook]]
name = "pool"
[[playbook.action]]
kind = "patch"
validate = ["./test.sh"]
auto_merge = true
ci_poll = "1s"
ci_timeout = "60s"
[[playbook.action.edit]]
file = "config/pool.toml"
set = "db.pool_size"
value = 40
"#;
        let s = Scenario::new(60, &heal, playbooks);
        (server, dir, s)
    }

    fn heal_once(s: &Scenario) -> String {
        s.heal(
            "2025-11-20T01:00:00Z",
            &["--query", &breach_query()],
            &[("SHAPE_GH_TOKEN", TOKEN)],
        )
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_pull_request_is_merged_through_the_api_once_its_checks_are_green() {
        let (server, dir, s) = github_with_checks(&["pending", "pending", "success"]).await;
        Mock::given(method("PUT"))
            .and(path("/repos/acme/app/pulls/7/merge"))
            .and(body_partial_json(serde_json::json!({"merge_method": "squash"})))
            .respond_with(json(200, serde_json::json!({"sha": "5eed0000000000000000000000000000000000aa", "merged": true})))
            .expect(1)
            .mount(&server)
            .await;
        let out = tokio::task::block_in_place(|| heal_once(&s));
        let runs = s.runs().await;
        assert_eq!(runs[0][0..2], ["patch", "ok"], "{runs:?}");
        assert!(
            runs[0][2].contains("opened pull request #7; checks green, squash-merged as 5eed"),
            "{runs:?}"
        );
        // The branch reached the remote; the merge names the commit that was validated.
        let head = git(
            &dir.path().join("remote.git"),
            &["rev-parse", "shape/heal-b-1"],
        );
        let requests = server.received_requests().await.unwrap();
        let merge = requests
            .iter()
            .find(|r| r.method.as_str() == "PUT")
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&merge.body).unwrap();
        assert_eq!(body["sha"].as_str(), Some(head.trim()));
        let polls = requests
            .iter()
            .filter(|r| r.url.path().ends_with("/check-runs"))
            .count();
        assert_eq!(polls, 3, "pending twice, then green");
        // The token went to the API only.
        let records = crate::common::query(&s.data(), "SELECT * FROM healing_runs").await;
        let log = git(
            &dir.path().join("remote.git"),
            &["log", "--all", "--format=%B"],
        );
        for text in [out, format!("{records:?}"), log] {
            assert!(!text.contains(TOKEN), "{text}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn red_checks_are_never_merged_and_escalate() {
        let (server, _dir, s) = github_with_checks(&["pending", "failure"]).await;
        Mock::given(method("PUT"))
            .and(path("/repos/acme/app/pulls/7/merge"))
            .respond_with(json(200, serde_json::json!({"sha": "x", "merged": true})))
            .expect(0)
            .mount(&server)
            .await;
        tokio::task::block_in_place(|| heal_once(&s));
        let runs = s.runs().await;
        assert_eq!(runs[0][0..2], ["patch", "checks_failed"], "{runs:?}");
        assert!(
            runs[0][2].contains("checks failed (test): not merged"),
            "{runs:?}"
        );
        let out = tokio::task::block_in_place(|| heal_once(&s));
        assert!(out.contains("wait: escalated to a human"), "{out}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_crash_after_the_pull_request_opens_it_once_and_merges_nothing() {
        let (server, _dir, s) = github_with_checks(&["success"]).await;
        Mock::given(method("PUT"))
            .and(path("/repos/acme/app/pulls/7/merge"))
            .respond_with(json(200, serde_json::json!({"sha": "x", "merged": true})))
            .expect(0)
            .mount(&server)
            .await;
        let crashed = tokio::task::block_in_place(|| {
            s.shape(
                &[
                    "heal",
                    "--execute",
                    "--as-of",
                    "2025-11-20T01:00:00Z",
                    "--query",
                    &breach_query(),
                ],
                &[
                    ("SHAPE_GH_TOKEN", TOKEN),
                    ("SHAPE_CRASH_AT", "ship_after_pull_request"),
                ],
            )
        });
        assert!(!crashed.status.success());
        let out = tokio::task::block_in_place(|| heal_once(&s));
        assert!(out.contains("wait: verifying"), "{out}");
        let runs = s.runs().await;
        assert_eq!(runs.len(), 1, "{runs:?}");
        assert_eq!(runs[0][1], "unknown", "{runs:?}");
        assert!(
            runs[0][2].contains("opened pull request #7") && runs[0][2].contains("left for review"),
            "{runs:?}"
        );
        assert_eq!(runs[0][6], "https://gh.test/acme/app/pull/7", "{runs:?}");
        let opened = server
            .received_requests()
            .await
            .unwrap()
            .iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/pulls"))
            .count();
        assert_eq!(opened, 1, "the pull request was opened once");
    }

    /// GitHub's merge, played on the bare remote: the base fast-forwards to the head the
    /// request names (SHAPE's branches start from the base), and the answer is that commit.
    struct FastForward(std::path::PathBuf);

    impl wiremock::Respond for FastForward {
        fn respond(&self, request: &wiremock::Request) -> ResponseTemplate {
            let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap();
            let sha = body["sha"].as_str().unwrap();
            git(&self.0, &["update-ref", "refs/heads/main", sha]);
            json(200, serde_json::json!({"sha": sha, "merged": true}))
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_merged_fix_that_fails_verification_is_undone_by_a_revert_pull_request() {
        let (server, dir, s) = github_with_checks(&["success"]).await;
        let remote = dir.path().join("remote.git");
        Mock::given(method("PUT"))
            .and(path("/repos/acme/app/pulls/7/merge"))
            .respond_with(FastForward(remote.clone()))
            .expect(2)
            .mount(&server)
            .await;
        tokio::task::block_in_place(|| heal_once(&s));
        assert!(remote_file(dir.path(), "main", "config/pool.toml").contains("pool_size = 40"));
        // The application never took the fix (its logs keep failing): verification fails.
        s.generate("after", "2025-11-20T01:00:00Z", 30);
        let ingested = s.shape(&["ingest", "after/*.jsonl"], &[]);
        assert!(ingested.status.success(), "{}", text(&ingested.stderr));
        let out = tokio::task::block_in_place(|| {
            s.heal(
                "2025-11-20T01:15:00Z",
                &["--query", &breach_query()],
                &[("SHAPE_GH_TOKEN", TOKEN)],
            )
        });
        assert!(out.contains("REVERT ok"), "{out}");
        assert_eq!(
            remote_file(dir.path(), "main", "config/pool.toml"),
            POOL_TOML
        );
        // Two pull requests: the fix, then its revert from its own branch, each merged once.
        let requests = server.received_requests().await.unwrap();
        let opened: Vec<serde_json::Value> = requests
            .iter()
            .filter(|r| r.method.as_str() == "POST" && r.url.path().ends_with("/pulls"))
            .map(|r| serde_json::from_slice(&r.body).unwrap())
            .collect();
        assert_eq!(opened.len(), 2, "{opened:?}");
        assert_eq!(opened[1]["head"], "shape/revert-b-1", "{opened:?}");
        assert!(
            opened[1]["title"]
                .as_str()
                .unwrap()
                .starts_with("Revert SHAPE heal"),
            "{opened:?}"
        );
        let kinds: Vec<String> = s.runs().await.iter().map(|r| r[0].clone()).collect();
        assert_eq!(kinds, ["patch", "revert"]);
    }
}
