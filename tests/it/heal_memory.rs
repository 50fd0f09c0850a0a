//! The healer's memory through the real binary: what an action records about its breach (the
//! main anomaly's kind, the root causes), what `playbook_effectiveness` learns from it, and how
//! a later breach with the same causes is shown the earlier one and what became of it (the
//! plan, the webhook body).

use shape::config::Config;
use shape::query::run_sql;
use shape::workspace::QueryOptions;

use crate::common::{query, rows, text, workspace};
use crate::heal::Scenario;

const PLAYBOOKS: &str = r#"
[[playbook]]
name = "raise-db-pool"
[playbook.match]
component = "library"
severity = "page"
[[playbook.action]]
kind = "command"
argv = ["./raise-pool.sh", "app.toml", "{component}", "20"]
"#;

/// The application's database pool for the library (the generator fails 40% of its requests
/// at 4, none at 20).
fn set_pool(s: &Scenario, size: u32) {
    std::fs::write(
        s.root().join("app.toml"),
        format!("[library]\ndb_pool_size = {size}\n\n[canvas]\ndb_pool_size = 16\n"),
    )
    .unwrap();
}

/// `minutes` of logs from `start` with the pool as it is, ingested.
fn more_logs(s: &Scenario, dir: &str, start: &str, minutes: u64) {
    s.generate(dir, start, minutes);
    let out = s.shape(&["ingest", &format!("{dir}/*.jsonl")], &[]);
    assert!(out.status.success(), "{}", text(&out.stderr));
}

/// SQL over the scenario's data dir with its SLOs, evaluated at `as_of`.
async fn query_at(s: &Scenario, as_of: &str, sql: &str) -> Vec<Vec<String>> {
    let config = Config::load(&s.root().join("shape.toml")).unwrap();
    let ctx = workspace(&s.data(), &config)
        .context(&QueryOptions::at(Some(as_of.to_string())))
        .await
        .unwrap();
    rows(&run_sql(&ctx, sql).await.unwrap())
}

/// An incident: the pool is healthy for `healthy` minutes from `start`, then too small for an
/// hour.
fn incident(s: &Scenario, day: &str, start_hour: u32, healthy: u64) {
    set_pool(s, 20);
    let start = format!("{day}T{start_hour:02}:00:00Z");
    more_logs(s, &format!("healthy-{day}"), &start, healthy);
    set_pool(s, 4);
    let failing = format!("{day}T{:02}:00:00Z", start_hour + (healthy / 60) as u32);
    more_logs(s, &format!("failing-{day}"), &failing, 60);
}

#[test]
fn a_breach_like_a_healed_one_is_shown_what_was_done_and_whether_it_held() {
    crate::common::on_big_stack(shown_what_was_done_and_whether_it_held);
}

async fn shown_what_was_done_and_whether_it_held() {
    // Day 1: 00:00-01:00 failing (the scenario's own logs), 01:00-05:00 healthy, 05:00-06:00
    // failing: an error burst the library's availability SLO breaches over.
    let s = Scenario::new(60, "verify_after = \"30m\"", PLAYBOOKS);
    incident(&s, "2025-11-20", 1, 240);
    let acted_at = "2025-11-20T06:00:00Z";
    let out = s.heal(acted_at, &[], &[]);
    assert!(out.contains("ACT raise-db-pool"), "{out}");
    assert!(!out.contains("similar:"), "no memory yet: {out}");

    // The action recorded its breach's main anomaly kind and root causes as they were.
    let acted = query(
        &s.data(),
        "SELECT breach_id, anomaly_kind FROM healing_runs WHERE action_kind = 'command'",
    )
    .await;
    assert_eq!(acted.len(), 1, "{acted:?}");
    let (breach, kind) = (acted[0][0].clone(), acted[0][1].clone());
    let main = query_at(
        &s,
        acted_at,
        &format!("SELECT kind FROM breach_anomalies WHERE breach_id = '{breach}' AND rank = 1"),
    )
    .await;
    assert_eq!(main, [[kind.clone()]], "breach {breach}");
    let causes_then = query_at(
        &s,
        acted_at,
        &format!("SELECT template FROM root_causes WHERE subject_id = '{breach}' ORDER BY rank"),
    )
    .await;
    let remembered = query(
        &s.data(),
        &format!("SELECT template FROM healing_causes WHERE breach_id = '{breach}' ORDER BY rank"),
    )
    .await;
    assert!(!remembered.is_empty());
    assert_eq!(remembered, causes_then);

    // The app, with the bigger pool, writes healthy logs: the fix is verified, and learnt under
    // the component and the anomaly kind.
    more_logs(&s, "after-fix", "2025-11-20T06:00:00Z", 60);
    let out = s.heal("2025-11-20T06:40:00Z", &[], &[]);
    assert!(out.contains(": pass: SLI"), "{out}");
    let learnt = query(
        &s.data(),
        "SELECT playbook, component, anomaly_kind, runs, verified_pass, verified_fail, success_rate \
         FROM playbook_effectiveness",
    )
    .await;
    assert_eq!(
        learnt,
        [[
            "raise-db-pool",
            "library",
            kind.as_str(),
            "1",
            "1",
            "0",
            "0.6666666666666666"
        ]]
    );

    // Day 2: the same failure. A new breach (another day's id) with the same causes: the plan
    // shows day 1's breach, what was done and that it held.
    incident(&s, "2025-11-21", 3, 120);
    let again = "2025-11-21T06:00:00Z";
    let similar = query_at(
        &s,
        again,
        "SELECT DISTINCT past_breach_id, past_slo_id, actions, outcome, held FROM similar_incidents",
    )
    .await;
    assert_eq!(
        similar,
        [[
            breach.as_str(),
            "library-availability",
            "raise-db-pool command: ok",
            "pass",
            "true"
        ]]
    );
    let out = s.shape(&["heal", "--as-of", again], &[]);
    let plan = text(&out.stdout);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        plan.contains(&format!("similar: {breach} (library-availability")) && plan.contains("held"),
        "{plan}"
    );

    // A webhook playbook sends the memory with the breach.
    let server = wiremock::MockServer::start().await;
    wiremock::Mock::given(wiremock::matchers::method("POST"))
        .respond_with(wiremock::ResponseTemplate::new(200))
        .mount(&server)
        .await;
    let config = std::fs::read_to_string(s.root().join("shape.toml")).unwrap();
    let webhook = format!(
        "[[playbook]]\nname = \"tell-oncall\"\npriority = 10\n[playbook.match]\ncomponent = \"library\"\n\
         [[playbook.action]]\nkind = \"webhook\"\nurl = \"{}/hook\"\n",
        server.uri()
    );
    std::fs::write(s.root().join("shape.toml"), format!("{config}\n{webhook}")).unwrap();
    let out = s.heal(again, &[], &[]);
    assert!(out.contains("ACT tell-oncall"), "{out}");
    let sent = server.received_requests().await.unwrap();
    let body: serde_json::Value = serde_json::from_slice(&sent[0].body).unwrap();
    let incidents = body["similar_incidents"].as_array().unwrap();
    assert_eq!(incidents[0]["past_breach_id"], breach.as_str(), "{body}");
    assert_eq!(incidents[0]["held"], true, "{body}");
    assert!(
        !body["recommendations"].as_array().unwrap().is_empty(),
        "{body}"
    );
}
