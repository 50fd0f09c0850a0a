//! Notifications against fake receivers on loopback (wiremock): a JSON webhook, a Slack
//! incoming webhook that fails once, an Alertmanager. Breaches of the sample week open, one
//! escalates (the healer's state says so), all resolve when they leave `slo_breaches`;
//! each target gets exactly one message per breach and transition, across reruns and an
//! interrupted cycle.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use chrono::{DateTime, Duration, Utc};
use serde_json::Value;
use shape::config::Config;
use shape::heal::state::{BreachPhase, BreachState, HealStore};
use shape::notify::{Notifier, Target, TargetKind};
use shape::workspace::{QueryOptions, Workspace};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::common::ingested_sample;

async fn receiver(at: &str, failures_first: u64) -> MockServer {
    let server = MockServer::start().await;
    if failures_first > 0 {
        Mock::given(method("POST"))
            .and(path(at))
            .respond_with(ResponseTemplate::new(500))
            .up_to_n_times(failures_first)
            .with_priority(1)
            .mount(&server)
            .await;
    }
    Mock::given(method("POST"))
        .and(path(at))
        .respond_with(ResponseTemplate::new(200))
        .with_priority(2)
        .mount(&server)
        .await;
    server
}

fn workspace(data: &str) -> Workspace {
    let config =
        Config::load(&Path::new(env!("CARGO_MANIFEST_DIR")).join("data/shape.toml")).unwrap();
    Workspace::with_config(config, data).unwrap()
}

async fn breach_ids(ws: &Workspace, at: DateTime<Utc>) -> BTreeSet<String> {
    let ctx = ws
        .context(&QueryOptions::at(Some(at.to_rfc3339())))
        .await
        .unwrap();
    let batches = ctx
        .sql("SELECT breach_id FROM slo_breaches")
        .await
        .unwrap()
        .collect()
        .await
        .unwrap();
    shape::query::batches_to_rows(&batches)
        .into_iter()
        .map(|r| r[0].clone())
        .collect()
}

async fn cycle(ws: &Workspace, notifier: &Notifier, at: DateTime<Utc>) {
    let ctx = ws
        .context(&QueryOptions::at(Some(at.to_rfc3339())))
        .await
        .unwrap();
    let report = notifier.cycle(&ctx, ws.store(), at).await.unwrap();
    assert!(report.failed.is_empty(), "{:?}", report.failed);
}

/// (breach id, event) of every request a webhook received, in order.
async fn webhook_events(server: &MockServer) -> Vec<(String, String)> {
    server
        .received_requests()
        .await
        .unwrap()
        .iter()
        .map(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            (
                body["breach"]["breach_id"].as_str().unwrap().to_string(),
                body["event"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn end_of_sample(ws_data: &str) -> DateTime<Utc> {
    let out = crate::common::run_shape(
        Path::new("."),
        &[
            "--config",
            concat!(env!("CARGO_MANIFEST_DIR"), "/data/shape.toml"),
            "--data-dir",
            ws_data,
            "query",
            "--format",
            "csv",
            "SELECT max(ts) FROM events",
        ],
        &[],
    );
    let text = crate::common::text(&out.stdout);
    DateTime::parse_from_rfc3339(text.lines().nth(1).unwrap().trim())
        .unwrap()
        .with_timezone(&Utc)
}

#[tokio::test(flavor = "multi_thread")]
async fn open_escalate_resolve_reach_every_target_exactly_once() {
    let (_dir, data, _) = ingested_sample("renderx-web-*.jsonl");
    let ws = workspace(&data);
    let webhook = receiver("/hook", 0).await;
    let slack = receiver("/services/T0/B0/x", 1).await;
    let alertmanager = receiver("/api/v2/alerts", 0).await;
    let notifier = Notifier {
        targets: vec![
            Target {
                name: "hook".into(),
                kind: TargetKind::Webhook,
                url: format!("{}/hook", webhook.uri()),
            },
            Target {
                name: "slack".into(),
                kind: TargetKind::Slack,
                url: format!("{}/services/T0/B0/x", slack.uri()),
            },
            Target {
                name: "am".into(),
                kind: TargetKind::Alertmanager,
                url: alertmanager.uri(),
            },
        ],
        public_url: Some("http://shape.example:8080".into()),
    };
    let t1 = end_of_sample(&data);
    let breaches = breach_ids(&ws, t1).await;
    assert!(breaches.len() >= 2, "{breaches:?}");

    // Open: one message per breach and target; Slack's first answer is a 500, retried.
    cycle(&ws, &notifier, t1).await;
    let opened = webhook_events(&webhook).await;
    assert_eq!(
        opened
            .iter()
            .map(|(id, _)| id.clone())
            .collect::<BTreeSet<_>>(),
        breaches
    );
    assert!(opened.iter().all(|(_, e)| e == "open"));
    let slack_requests = slack.received_requests().await.unwrap();
    assert_eq!(slack_requests.len(), breaches.len() + 1);
    assert_eq!(
        slack_requests[0].body, slack_requests[1].body,
        "the retry resends"
    );
    assert!(String::from_utf8_lossy(&slack_requests[0].body)
        .contains("http://shape.example:8080/breach/"));

    // A rerun at the same time sends nothing.
    cycle(&ws, &notifier, t1).await;
    assert_eq!(webhook_events(&webhook).await.len(), breaches.len());

    // The healer escalates one breach: one escalate message per target.
    let escalated = breaches.iter().next().unwrap().clone();
    let mut state = BreachState::new(&escalated, "slo", None, t1);
    state.move_to(BreachPhase::Escalated, t1);
    HealStore { store: ws.store() }
        .put_breach(&state)
        .await
        .unwrap();
    cycle(&ws, &notifier, t1).await;
    cycle(&ws, &notifier, t1).await;

    // Weeks later nothing is breached: every breach resolves, once.
    let later = t1 + Duration::days(60);
    assert!(breach_ids(&ws, later).await.is_empty());
    cycle(&ws, &notifier, later).await;
    cycle(&ws, &notifier, later).await;

    let mut per_breach: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for (id, event) in webhook_events(&webhook).await {
        per_breach.entry(id).or_default().push(event);
    }
    for id in &breaches {
        let expected: &[&str] = if *id == escalated {
            &["open", "escalate", "resolve"]
        } else {
            &["open", "resolve"]
        };
        assert_eq!(per_breach[id], expected, "{id}");
    }
    let total: usize = per_breach.values().map(Vec::len).sum();
    assert_eq!(slack.received_requests().await.unwrap().len(), total + 1);
    let alerts = alertmanager.received_requests().await.unwrap();
    assert_eq!(alerts.len(), total);
    let ends: usize = alerts
        .iter()
        .filter(|r| {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            body[0].get("endsAt").is_some()
        })
        .count();
    assert_eq!(ends, breaches.len(), "endsAt on each resolve only");
}

#[tokio::test(flavor = "multi_thread")]
async fn intents_left_by_an_interrupted_cycle_are_delivered_once() {
    let (_dir, data, _) = ingested_sample("renderx-web-1.jsonl");
    let ws = workspace(&data);
    let webhook = receiver("/hook", 0).await;
    let notifier = Notifier {
        targets: vec![Target {
            name: "hook".into(),
            kind: TargetKind::Webhook,
            url: format!("{}/hook", webhook.uri()),
        }],
        public_url: None,
    };
    let t1 = end_of_sample(&data);
    let breaches = breach_ids(&ws, t1).await;
    assert!(!breaches.is_empty());
    // The process dies after writing its intents, before sending anything.
    let ctx = ws
        .context(&QueryOptions::at(Some(t1.to_rfc3339())))
        .await
        .unwrap();
    notifier.record_intents(&ctx, ws.store(), t1).await.unwrap();
    assert!(webhook.received_requests().await.unwrap().is_empty());
    // The restarted loop delivers each of them, once.
    cycle(&ws, &notifier, t1).await;
    cycle(&ws, &notifier, t1).await;
    let delivered = webhook_events(&webhook).await;
    assert_eq!(delivered.len(), breaches.len());
    assert_eq!(
        delivered
            .into_iter()
            .map(|(id, _)| id)
            .collect::<BTreeSet<_>>(),
        breaches
    );
}
