//! The healing runner through the real binary: injection, crashes, guards, verification, the
//! loop, and GitHub through a fake server on loopback (wiremock).

use std::path::{Path, PathBuf};
use std::process::Output;

use shape::generate::{generate, GenOptions};

use crate::common::{query, run_shape, text};

/// A library whose DB pool is too small (40% of its requests fail) for `minutes` from
/// 2025-11-20 00:00, an SLO on it, and helper scripts. `heal` holds `[heal]` keys and
/// `playbooks` the `[[playbook]]` tables.
pub(crate) struct Scenario {
    dir: tempfile::TempDir,
}

const START: &str = "2025-11-20T00:00:00Z";

impl Scenario {
    pub(crate) fn new(minutes: u64, heal: &str, playbooks: &str) -> Scenario {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let demo = Path::new(env!("CARGO_MANIFEST_DIR")).join("data/demo");
        for file in ["raise-pool.sh", "app.toml"] {
            std::fs::copy(demo.join(file), root.join(file)).unwrap();
        }
        // Appends its arguments (one per line, bracketed) and two env values to calls.txt.
        let record = root.join("record.sh");
        std::fs::write(
            &record,
            "#!/bin/sh\nfor a in \"$@\"; do printf '<%s>\\n' \"$a\"; done >> calls.txt\n\
             printf 'env<%s>\\n' \"$HEAL_COL_SLO_ID\" >> calls.txt\n\
             printf 'token<%s>\\n' \"$SHAPE_TEST_TOKEN\" >> calls.txt\necho recorded\n",
        )
        .unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&record, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(
            root.join("shape.toml"),
            format!(
                "[ingest]\nservice = \"renderx-web\"\n\n[[slo]]\nid = \"library-availability\"\n\
                 component = \"library\"\nsli = \"availability\"\nobjective = 0.99\nwindow = \"30d\"\n\n\
                 [heal]\nallowed_commands = [\"./record.sh\", \"./raise-pool.sh\", \"./test.sh\"]\n{heal}\n\n{playbooks}\n"
            ),
        )
        .unwrap();
        let scenario = Scenario { dir };
        scenario.generate("logs", START, minutes);
        let out = scenario.shape(&["ingest", "logs/*.jsonl"], &[]);
        assert!(out.status.success(), "{}", text(&out.stderr));
        scenario
    }

    pub(crate) fn root(&self) -> &Path {
        self.dir.path()
    }

    /// Logs for `minutes` from `start`, with the app config as it is now.
    pub(crate) fn generate(&self, out: &str, start: &str, minutes: u64) {
        let app = shape::generate::read_app_config(&self.root().join("app.toml")).unwrap();
        generate(
            &self.root().join(out),
            &GenOptions {
                start: chrono::DateTime::parse_from_rfc3339(start).unwrap().into(),
                minutes: Some(minutes),
                events: minutes * 60,
                files: 1,
                incidents: false,
                app_config: app,
                ..GenOptions::default()
            },
        )
        .unwrap();
    }

    pub(crate) fn shape(&self, args: &[&str], env: &[(&str, &str)]) -> Output {
        let mut all = vec!["--config", "shape.toml", "--data-dir", "data"];
        all.extend_from_slice(args);
        run_shape(self.root(), &all, env)
    }

    /// `shape heal --execute` at `as_of` (plus `extra` arguments); asserts success.
    pub(crate) fn heal(&self, as_of: &str, extra: &[&str], env: &[(&str, &str)]) -> String {
        let mut args = vec!["heal", "--execute", "--as-of", as_of];
        args.extend_from_slice(extra);
        let out = self.shape(&args, env);
        assert!(
            out.status.success(),
            "{}\n{}",
            text(&out.stdout),
            text(&out.stderr)
        );
        text(&out.stdout)
    }

    fn calls(&self) -> String {
        std::fs::read_to_string(self.root().join("calls.txt")).unwrap_or_default()
    }

    pub(crate) fn data(&self) -> PathBuf {
        self.root().join("data")
    }

    pub(crate) async fn runs(&self) -> Vec<Vec<String>> {
        query(
            &self.data(),
            "SELECT action_kind, result, detail, step, attempt, target, link FROM healing_runs ORDER BY finished_at",
        )
        .await
    }

    pub(crate) async fn outcomes(&self) -> Vec<Vec<String>> {
        query(
            &self.data(),
            "SELECT result, step, attempt, sli_before, sli_after, events_after FROM healing_outcomes ORDER BY verified_at",
        )
        .await
    }
}

const RECORD_EVERY_ROW: &str = r#"
[[playbook]]
name = "record"
[[playbook.action]]
kind = "command"
argv = ["./record.sh", "--", "{a}", "{b}", "{c}", "{d}", "{e}"]
"#;

#[tokio::test]
async fn row_values_reach_the_command_as_inert_single_arguments() {
    let s = Scenario::new(60, "", RECORD_EVERY_ROW);
    let hostile =
        "SELECT 'b-1' AS breach_id, 'library-availability' AS slo_id, '; rm -rf /' AS a, \
                   '$(touch pwned)' AS b, '`touch pwned2`' AS c, 'two\nlines' AS d, '--force' AS e";
    let out = s.heal(
        "2025-11-20T01:00:00Z",
        &["--query", hostile],
        &[("SHAPE_TEST_TOKEN", "secret-value")],
    );
    assert!(out.contains("ACT record"), "{out}");
    assert_eq!(
        s.calls(),
        "<-->\n<; rm -rf />\n<$(touch pwned)>\n<`touch pwned2`>\n<two\nlines>\n<--force>\n\
         env<library-availability>\ntoken<>\n",
        "every value arrives as one argument, the environment is cleared"
    );
    for name in ["pwned", "pwned2"] {
        assert!(
            !s.root().join(name).exists(),
            "{name} was created: a shell ran"
        );
    }
    let runs = s.runs().await;
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0][1], "ok");
    assert!(runs[0][5].contains(r#""$(touch pwned)""#), "{:?}", runs[0]);
}

const COUNT_ONCE: &str = r#"
[[playbook]]
name = "count"
[playbook.match]
component = "library"
severity = "page"
[[playbook.action]]
kind = "command"
argv = ["./record.sh", "{slo_id}"]
"#;

#[tokio::test]
async fn a_crash_before_or_after_acting_repeats_nothing_and_records_honestly() {
    // Crash after the dedup record, before acting: nothing ran, so the next run acts once.
    let s = Scenario::new(360, "", COUNT_ONCE);
    let at = "2025-11-20T06:00:00Z";
    let crashed = s.shape(
        &["heal", "--execute", "--as-of", at],
        &[("SHAPE_CRASH_AT", "heal_after_intent")],
    );
    assert!(!crashed.status.success());
    assert_eq!(s.calls(), "", "the crash came before the action");
    let out = s.heal(at, &[], &[]);
    assert!(out.contains("stopped before acting"), "{out}");
    s.heal(at, &[], &[]);
    assert_eq!(
        s.calls()
            .lines()
            .filter(|l| *l == "<library-availability>")
            .count(),
        1
    );
    let runs = s.runs().await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0][1], "ok");

    // Crash after acting, before the result is stored: recorded as unknown, never rerun.
    let s = Scenario::new(360, "", COUNT_ONCE);
    let crashed = s.shape(
        &["heal", "--execute", "--as-of", at],
        &[("SHAPE_CRASH_AT", "heal_after_action")],
    );
    assert!(!crashed.status.success());
    assert_eq!(
        s.calls()
            .lines()
            .filter(|l| *l == "<library-availability>")
            .count(),
        1
    );
    let out = s.heal(at, &[], &[]);
    assert!(out.contains("stopped after starting the action"), "{out}");
    s.heal("2025-11-20T06:05:00Z", &[], &[]);
    assert_eq!(
        s.calls()
            .lines()
            .filter(|l| *l == "<library-availability>")
            .count(),
        1,
        "no action repeated"
    );
    let runs = s.runs().await;
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0][1], "unknown");
    assert!(runs[0][2].contains("may or may not"), "{runs:?}");
}

#[tokio::test]
async fn failed_verification_climbs_the_ladder_then_cooldown_then_escalation() {
    // The pool stays too small (record.sh fixes nothing): every verification fails.
    let s = Scenario::new(
        8 * 60,
        "cooldown = \"45m\"\nmax_attempts = 2\nverify_after = \"30m\"",
        r#"
[[playbook]]
name = "ladder"
[playbook.match]
component = "library"
severity = "page"
[[playbook.action]]
kind = "command"
argv = ["./record.sh", "first"]
[[playbook.action]]
kind = "command"
argv = ["./record.sh", "second"]
"#,
    );
    let out = s.heal("2025-11-20T06:00:00Z", &[], &[]);
    assert!(out.contains("ACT ladder (step 0, attempt 1)"), "{out}");
    let out = s.heal("2025-11-20T06:10:00Z", &[], &[]);
    assert!(out.contains("wait: verifying"), "{out}");
    let out = s.heal("2025-11-20T06:30:00Z", &[], &[]);
    assert!(out.contains(": fail: SLI"), "{out}");
    assert!(out.contains("SKIP (ladder) cooldown"), "{out}");
    let out = s.heal("2025-11-20T06:50:00Z", &[], &[]);
    assert!(out.contains("ACT ladder (step 1, attempt 2)"), "{out}");
    let out = s.heal("2025-11-20T07:20:00Z", &[], &[]);
    assert!(out.contains(": fail: SLI"), "{out}");
    assert!(out.contains("ESCALATE (ladder) 2 attempts made"), "{out}");
    let out = s.heal("2025-11-20T07:40:00Z", &[], &[]);
    assert!(out.contains("wait: escalated to a human"), "{out}");

    assert_eq!(
        s.calls()
            .lines()
            .filter(|l| l.starts_with("<f") || l.starts_with("<s"))
            .collect::<Vec<_>>(),
        ["<first>", "<second>"]
    );
    let runs = s.runs().await;
    let kinds: Vec<(&str, &str)> = runs
        .iter()
        .map(|r| (r[0].as_str(), r[1].as_str()))
        .collect();
    assert_eq!(
        kinds,
        [
            ("command", "ok"),
            ("command", "skipped"),
            ("command", "ok"),
            ("escalate", "ok")
        ],
        "{runs:?}"
    );
    let outcomes = s.outcomes().await;
    assert_eq!(outcomes.len(), 2);
    assert!(outcomes.iter().all(|o| o[0] == "fail"), "{outcomes:?}");
    let learnt = query(
        &s.data(),
        "SELECT runs, verified_pass, verified_fail, success_rate FROM playbook_effectiveness",
    )
    .await;
    assert_eq!(learnt, [["2", "0", "2", "0.25"]]);
}

#[tokio::test]
async fn no_data_after_the_action_is_inconclusive_never_pass() {
    let s = Scenario::new(360, "verify_after = \"30m\"", COUNT_ONCE);
    s.heal("2025-11-20T06:00:00Z", &[], &[]);
    // The logs end at 06:00: the post-action window is empty.
    let out = s.heal("2025-11-20T06:30:00Z", &[], &[]);
    assert!(out.contains(": inconclusive: 0 events"), "{out}");
    let outcomes = s.outcomes().await;
    assert_eq!(outcomes[0][0], "inconclusive");
    assert_eq!(outcomes[0][4], "NULL", "no SLI after: {outcomes:?}");
}

#[tokio::test]
async fn blast_radius_kill_switch_dry_run_and_approval_guard_every_action() {
    let s = Scenario::new(60, "max_rows = 2", RECORD_EVERY_ROW);
    let rows = |n: usize| {
        (0..n)
            .map(|i| {
                format!(
                    "SELECT 'b-{i}' AS breach_id, 'library-availability' AS slo_id, 'x' AS a, \
                     'x' AS b, 'x' AS c, 'x' AS d, 'x' AS e"
                )
            })
            .collect::<Vec<_>>()
            .join(" UNION ALL ")
    };
    let at = "2025-11-20T01:00:00Z";
    let out = s.heal(at, &["--query", &rows(3)], &[]);
    assert!(out.contains("blast radius: 3 rows match"), "{out}");
    let out = s.heal(
        at,
        &["--query", &rows(1)],
        &[("SHAPE_HEAL_KILL_SWITCH", "1")],
    );
    assert!(
        out.contains("kill switch: SHAPE_HEAL_KILL_SWITCH is set"),
        "{out}"
    );
    // A dry run plans and changes nothing.
    let out = s.shape(&["heal", "--as-of", at, "--query", &rows(1)], &[]);
    assert!(
        text(&out.stdout).contains("WOULD ACT record"),
        "{}",
        text(&out.stdout)
    );
    assert_eq!(s.calls(), "", "guards and dry runs run nothing");
    let runs = s.runs().await;
    assert_eq!(
        runs.len(),
        4,
        "3 blast-radius skips and 1 kill-switch skip: {runs:?}"
    );
    assert!(runs.iter().all(|r| r[1] == "skipped"));

    // The config's kill switch, then approval mode.
    let config = std::fs::read_to_string(s.root().join("shape.toml")).unwrap();
    let with = |setting: &str| config.replace("max_rows = 2", setting);
    std::fs::write(s.root().join("shape.toml"), with("enabled = false")).unwrap();
    let out = s.heal(at, &["--query", &rows(1)], &[]);
    assert!(out.contains("kill switch: [heal] enabled = false"), "{out}");
    std::fs::write(s.root().join("shape.toml"), with("approval = true")).unwrap();
    let out = s.heal(at, &["--query", &rows(1)], &[]);
    assert!(out.contains("APPROVAL NEEDED"), "{out}");
    assert_eq!(s.calls(), "");
    let out = s.heal(at, &["--query", &rows(1), "--approve", "b-0"], &[]);
    assert!(out.contains("ACT record"), "{out}");
    assert!(s.calls().contains("<x>"));
    let runs = s.runs().await;
    assert!(runs
        .iter()
        .any(|r| r[0] == "approval_request" && r[1] == "awaiting_approval"));
}

#[tokio::test]
async fn shape_run_heals_and_the_next_cycle_verifies_a_pass() {
    let s = Scenario::new(
        360,
        "verify_after = \"30m\"",
        r#"
[run]
sources = ["logs/*.jsonl", "later/*.jsonl"]

[[playbook]]
name = "raise-db-pool"
[playbook.match]
component = "library"
severity = "page"
[[playbook.action]]
kind = "command"
argv = ["./raise-pool.sh", "app.toml", "{component}", "20"]
"#,
    );
    let out = s.shape(
        &["run", "--execute", "--as-of", "2025-11-20T06:00:00Z"],
        &[],
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        text(&out.stdout).contains("ACT raise-db-pool"),
        "{}",
        text(&out.stdout)
    );
    let app = std::fs::read_to_string(s.root().join("app.toml")).unwrap();
    assert!(app.contains("db_pool_size = 20"), "{app}");
    // The application now runs with the bigger pool: healthy logs.
    s.generate("later", "2025-11-20T06:00:00Z", 60);
    let out = s.shape(
        &["run", "--execute", "--as-of", "2025-11-20T06:40:00Z"],
        &[],
    );
    let stdout = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(stdout.contains(": pass: SLI"), "{stdout}");
    let outcome = &s.outcomes().await[0];
    let (before, after): (f64, f64) = (outcome[3].parse().unwrap(), outcome[4].parse().unwrap());
    assert!(before < 0.9 && after >= 0.99, "{outcome:?}");
    let learnt = query(
        &s.data(),
        "SELECT verified_pass, success_rate FROM playbook_effectiveness",
    )
    .await;
    assert_eq!(learnt[0][0], "1");
}

#[test]
fn invalid_playbooks_fail_at_load_with_file_line_and_field() {
    let s = Scenario::new(
        30,
        "",
        "[[playbook]]\nname = \"bad\"\n[[playbook.action]]\nkind = \"command\"\nargv = [\"/bin/sh\", \"-c\", \"{message}\"]\n",
    );
    let out = s.shape(&["heal"], &[]);
    crate::common::assert_failed_with(&out, "shape.toml:");
    crate::common::assert_failed_with(&out, "allowed_commands");
}

mod github {
    use super::*;
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};

    const TOKEN: &str = "ghp_test_token_never_printed_123";

    fn playbooks(server: &str, timeout: &str) -> (String, String) {
        (
            format!(
                "[heal.github]\napi_url = \"{server}\"\nrepo = \"acme/svc\"\ntoken_env = \"SHAPE_GH_TOKEN\"\n\
                 timeout = \"{timeout}\"\nretries = 2\n"
            ),
            r#"
[[playbook]]
name = "pr-fix"
[playbook.match]
kind = "pr"
[[playbook.action]]
kind = "github_pr"
path = "config/app.toml"
template = "[{component}]\ndb_pool_size = 20 # {slo_id}\n"

[[playbook]]
name = "issue"
[playbook.match]
kind = "issue"
[[playbook.action]]
kind = "github_issue"
labels = ["shape"]
"#
            .to_string(),
        )
    }

    /// A breach row of its own SLO (breaches of one SLO are one episode).
    fn breach(id: &str, kind: &str) -> String {
        format!(
            "SELECT '{id}' AS breach_id, 'slo-{id}' AS slo_id, 'library' AS component, '{kind}' AS kind"
        )
    }

    async fn run(s: &Scenario, query: String) -> (String, String) {
        let root = s.root().to_path_buf();
        let out = tokio::task::spawn_blocking(move || {
            run_shape(
                &root,
                &[
                    "--config",
                    "shape.toml",
                    "--data-dir",
                    "data",
                    "heal",
                    "--execute",
                    "--as-of",
                    "2025-11-20T01:00:00Z",
                    "--query",
                    &query,
                ],
                &[("SHAPE_GH_TOKEN", TOKEN)],
            )
        })
        .await
        .unwrap();
        assert!(out.status.success(), "{}", text(&out.stderr));
        (text(&out.stdout), text(&out.stderr))
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn pull_requests_and_issues_are_created_once_updated_and_retried() {
        let server = MockServer::start().await;
        let repo = "/repos/acme/svc";
        let auth = format!("Bearer {TOKEN}");
        let json = |status: u16, body: serde_json::Value| {
            ResponseTemplate::new(status).set_body_json(body)
        };
        Mock::given(method("GET"))
            .and(path(format!("{repo}/git/ref/heads/main")))
            .and(header("authorization", auth.as_str()))
            .respond_with(json(
                200,
                serde_json::json!({"object": {"sha": "base-sha"}}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{repo}/git/refs")))
            .respond_with(json(201, serde_json::json!({"ref": "refs/heads/x"})))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{repo}/contents/config/app.toml")))
            .respond_with(json(404, serde_json::json!({"message": "Not Found"})))
            .mount(&server)
            .await;
        Mock::given(method("PUT"))
            .and(path(format!("{repo}/contents/config/app.toml")))
            .respond_with(json(201, serde_json::json!({"commit": {"sha": "new-sha"}})))
            .mount(&server)
            .await;
        // Breach b-old already has an open PR: it is updated, not duplicated.
        Mock::given(method("GET"))
            .and(path(format!("{repo}/pulls")))
            .and(query_param("head", "acme:shape/heal-b-old"))
            .respond_with(json(
                200,
                serde_json::json!([{"number": 5, "head": {"ref": "shape/heal-b-old"},
                                    "html_url": "https://gh.test/acme/svc/pull/5"}]),
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{repo}/pulls")))
            .respond_with(json(200, serde_json::json!([])))
            .mount(&server)
            .await;
        Mock::given(method("PATCH"))
            .and(path(format!("{repo}/pulls/5")))
            .respond_with(json(
                200,
                serde_json::json!({"number": 5, "html_url": "https://gh.test/acme/svc/pull/5"}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("POST"))
            .and(path(format!("{repo}/pulls")))
            .respond_with(json(
                201,
                serde_json::json!({"number": 8, "html_url": "https://gh.test/acme/svc/pull/8"}),
            ))
            .mount(&server)
            .await;
        Mock::given(method("GET"))
            .and(path(format!("{repo}/issues")))
            .respond_with(json(200, serde_json::json!([])))
            .mount(&server)
            .await;
        // Issues: the server fails with 500 every time.
        Mock::given(method("POST"))
            .and(path(format!("{repo}/issues")))
            .respond_with(
                ResponseTemplate::new(500).set_body_json(serde_json::json!({"message": "boom"})),
            )
            .mount(&server)
            .await;

        let (heal, playbooks) = playbooks(&server.uri(), "5s");
        let s = Scenario::new(60, &heal, &playbooks);
        let (out, err) = run(&s, breach("b-new", "pr")).await;
        assert!(out.contains("opened pull request #8"), "{out}");
        let (again, _) = run(&s, breach("b-new", "pr")).await;
        assert!(
            again.contains("b-new slo-b-new: wait: verifying"),
            "{again}"
        );
        let (updated, _) = run(&s, breach("b-old", "pr")).await;
        assert!(updated.contains("updated pull request #5"), "{updated}");
        let (failed, _) = run(&s, breach("b-issue", "issue")).await;
        assert!(failed.contains("HTTP 500"), "{failed}");

        let requests = server.received_requests().await.unwrap();
        let count = |m: &str, p: &str| {
            requests
                .iter()
                .filter(|r| r.method.as_str() == m && r.url.path() == p)
                .count()
        };
        assert_eq!(
            count("POST", &format!("{repo}/pulls")),
            1,
            "one PR, never duplicated"
        );
        assert_eq!(count("PATCH", &format!("{repo}/pulls/5")), 1);
        assert_eq!(
            count("POST", &format!("{repo}/git/refs")),
            2,
            "a branch per breach"
        );
        assert_eq!(
            count("POST", &format!("{repo}/issues")),
            3,
            "1 try + 2 retries on 500"
        );
        let pr = requests
            .iter()
            .find(|r| r.method.as_str() == "POST" && r.url.path() == format!("{repo}/pulls"))
            .unwrap();
        let body: serde_json::Value = serde_json::from_slice(&pr.body).unwrap();
        assert_eq!(body["head"], "shape/heal-b-new");
        let text_body = body["body"].as_str().unwrap();
        for part in [
            "shape:breach:b-new:pr-fix",
            "### Breach",
            "### Source lines",
            "### Recommendation",
        ] {
            assert!(
                text_body.contains(part),
                "PR body lacks {part}: {text_body}"
            );
        }
        let put = requests
            .iter()
            .find(|r| r.method.as_str() == "PUT")
            .unwrap();
        let file: serde_json::Value = serde_json::from_slice(&put.body).unwrap();
        use base64::Engine;
        let content = base64::engine::general_purpose::STANDARD
            .decode(file["content"].as_str().unwrap())
            .unwrap();
        assert_eq!(
            String::from_utf8(content).unwrap(),
            "[library]\ndb_pool_size = 20 # slo-b-new\n"
        );

        let runs = s.runs().await;
        let links: Vec<&str> = runs.iter().map(|r| r[6].as_str()).collect();
        assert!(
            links.contains(&"https://gh.test/acme/svc/pull/8"),
            "{runs:?}"
        );
        assert!(runs
            .iter()
            .any(|r| r[1] == "failed" && r[2].contains("after 3 tries")));
        // The token never shows: not in output, not in any column of the tables.
        let everything = query(&s.data(), "SELECT * FROM healing_runs").await;
        for (name, haystack) in [
            ("stdout", out + &again + &updated + &failed),
            ("stderr", err),
            ("healing_runs", format!("{everything:?}")),
        ] {
            assert!(!haystack.contains(TOKEN), "the token leaked into {name}");
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_github_that_times_out_is_retried_then_recorded_as_a_failure() {
        let server = MockServer::start().await;
        Mock::given(method("GET"))
            .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
            .mount(&server)
            .await;
        let (heal, playbooks) = playbooks(&server.uri(), "1s");
        let s = Scenario::new(30, &heal, &playbooks);
        let (out, _) = run(&s, breach("b-slow", "issue")).await;
        assert!(out.contains("after 3 tries"), "{out}");
        let runs = s.runs().await;
        assert_eq!(runs[0][1], "failed");
        assert_eq!(server.received_requests().await.unwrap().len(), 3);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_post_the_breach_and_retry_server_errors_with_backoff() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let server = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(503))
        .up_to_n_times(2)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/hook"))
        .respond_with(ResponseTemplate::new(200).set_body_string("queued"))
        .mount(&server)
        .await;
    let playbook = format!(
        "[[playbook]]\nname = \"hook\"\n[[playbook.action]]\nkind = \"webhook\"\nurl = \"{}/hook\"\nretries = 3\ntimeout = \"5s\"\n",
        server.uri()
    );
    let s = Scenario::new(30, "", &playbook);
    let root = s.root().to_path_buf();
    let out = tokio::task::spawn_blocking(move || {
        run_shape(
            &root,
            &[
                "--config", "shape.toml", "--data-dir", "data", "heal", "--execute", "--as-of",
                "2025-11-20T00:30:00Z", "--query",
                "SELECT 'b-hook' AS breach_id, 'library-availability' AS slo_id, 'library' AS component",
            ],
            &[],
        )
    })
    .await
    .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("HTTP 200 OK after 3 tries"), "{stdout}");
    let requests = server.received_requests().await.unwrap();
    assert_eq!(requests.len(), 3);
    let body: serde_json::Value = serde_json::from_slice(&requests[2].body).unwrap();
    assert_eq!(body["breach"]["breach_id"], "b-hook");
    assert_eq!(body["playbook"], "hook");
    let runs = s.runs().await;
    assert_eq!(runs[0][1], "ok");
}

#[tokio::test]
async fn approvals_are_records_that_name_the_approver_and_expire() {
    let s = Scenario::new(
        60,
        "approval = true\napproval_ttl = \"30m\"",
        RECORD_EVERY_ROW,
    );
    let row = |id: &str| {
        format!(
            "SELECT '{id}' AS breach_id, 'library-availability' AS slo_id, 'x' AS a, 'x' AS b, \
             'x' AS c, 'x' AS d, 'x' AS e"
        )
    };
    let out = s.heal("2025-11-20T01:00:00Z", &["--query", &row("b-1")], &[]);
    assert!(out.contains("APPROVAL NEEDED"), "{out}");
    // Alice approves b-1 (acted on at once) and b-2 (not a breach row yet).
    let approve = ["--approve", "b-1", "--approve", "b-2", "--as", "alice"];
    let b1 = row("b-1");
    let mut args = vec!["--query", b1.as_str()];
    args.extend(approve);
    let out = s.heal("2025-11-20T01:05:00Z", &args, &[]);
    assert!(out.contains("ACT record"), "{out}");
    let approvals = query(
        &s.data(),
        "SELECT breach_id, coalesce(playbook, '-'), coalesce(approver, '-'), \
         CAST(requested_at AS VARCHAR), CAST(expires_at AS VARCHAR) \
         FROM healing_approvals ORDER BY breach_id, approver NULLS FIRST",
    )
    .await;
    let shown: Vec<Vec<&str>> = approvals
        .iter()
        .map(|r| r.iter().map(|v| v.split('.').next().unwrap()).collect())
        .collect();
    assert_eq!(
        shown,
        [
            vec!["b-1", "record", "-", "2025-11-20T01:00:00Z", "NULL"],
            vec!["b-1", "-", "alice", "NULL", "2025-11-20T01:35:00Z"],
            vec!["b-2", "-", "alice", "NULL", "2025-11-20T01:35:00Z"],
        ],
        "{approvals:?}"
    );
    // b-2 breaches an hour later: alice's approval has expired, so nothing runs.
    let calls = s.calls();
    let out = s.heal("2025-11-20T02:05:00Z", &["--query", &row("b-2")], &[]);
    assert!(out.contains("APPROVAL NEEDED"), "{out}");
    assert_eq!(s.calls(), calls, "an expired approval never acts");
}
