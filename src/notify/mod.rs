//! Notifications: `shape run` tells `[[notify]]` targets (a JSON webhook, a Slack incoming
//! webhook, an Alertmanager) when a breach opens, escalates (the healer handed it to a human)
//! and resolves (it left `slo_breaches`, or the healer verified a fix). One message per
//! target, breach and transition, never two:
//!
//! 1. [`transitions`] (pure) compares the breaches of this cycle with what was notified;
//! 2. an intent record per target is written (`_notify/messages/<key>.json`, holding the
//!    exact body), then the breach's notified state (`_notify/breaches/<id>.json`);
//! 3. every intent not yet sent is delivered, with retries and backoff; a sent message is
//!    marked `sent`. A crash before 3 leaves intents that the next cycle delivers; one after
//!    the receiver answered but before `sent` was written resends that message (at least
//!    once: Alertmanager folds repeats by labels).

mod payload;

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use chrono::{DateTime, Utc};
use datafusion::prelude::SessionContext;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::config::Config;
use crate::heal::state::{BreachPhase, HealStore};
use crate::storage::DataStore;

const BREACHES_DIR: &str = "_notify/breaches";
const MESSAGES_DIR: &str = "_notify/messages";
/// Attempts per message within one cycle; a message still unsent is tried again next cycle.
const ATTEMPTS_PER_CYCLE: u32 = 3;
const FIRST_BACKOFF: Duration = Duration::from_millis(250);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(10);

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error(transparent)]
    Config(#[from] crate::config::ConfigError),
    #[error("notify[{index}] ({name}): {message}")]
    Target {
        index: usize,
        name: String,
        message: String,
    },
    #[error("cannot read the breaches to notify: {0}")]
    Query(String),
    #[error(transparent)]
    Storage(#[from] crate::storage::StorageError),
    #[error(transparent)]
    Heal(#[from] crate::heal::HealError),
}

/// Where a target's messages go and in which shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TargetKind {
    /// `POST url` with SHAPE's JSON (event, breach row, link).
    Webhook,
    /// A Slack incoming webhook (`{"text": ...}`).
    Slack,
    /// An Alertmanager: `POST url/api/v2/alerts`, `endsAt` set on resolve.
    Alertmanager,
}

/// One `[[notify]]` entry.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NotifySection {
    pub name: String,
    pub kind: TargetKind,
    /// The URL, or `url_env`: the environment variable holding it (webhook URLs are secrets).
    pub url: Option<String>,
    pub url_env: Option<String>,
}

/// A resolved target.
#[derive(Debug, Clone)]
pub struct Target {
    pub name: String,
    pub kind: TargetKind,
    pub url: String,
}

/// What happened to a breach.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Event {
    Open,
    Escalate,
    Resolve,
}

impl Event {
    pub fn as_str(&self) -> &'static str {
        match self {
            Event::Open => "open",
            Event::Escalate => "escalate",
            Event::Resolve => "resolve",
        }
    }
}

/// A breach as last notified.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Notified {
    pub breach_id: String,
    /// The last event sent for it.
    pub last: Event,
    /// Its `slo_breaches` row when it opened (what resolve messages repeat).
    pub breach: Value,
}

/// One message: written as an intent before it is sent.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Message {
    pub key: String,
    pub target: String,
    pub breach_id: String,
    pub event: Event,
    pub url: String,
    pub body: Value,
    pub sent: bool,
    pub attempts: u32,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// What a cycle sent.
#[derive(Debug, Default)]
pub struct NotifyReport {
    pub sent: Vec<String>,
    pub failed: Vec<String>,
}

impl std::fmt::Display for NotifyReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for s in &self.sent {
            writeln!(f, "notified: {s}")?;
        }
        for s in &self.failed {
            writeln!(
                f,
                "notification not delivered yet (retried next cycle): {s}"
            )?;
        }
        Ok(())
    }
}

/// The targets and the dashboard's address for links.
#[derive(Debug, Clone, Default)]
pub struct Notifier {
    pub targets: Vec<Target>,
    /// `[http] public_url`: links point at `<public_url>/breach/<id>`.
    pub public_url: Option<String>,
}

impl Notifier {
    /// `[[notify]]` and `[http] public_url`; a URL from `url_env` is read now.
    pub fn load(config: &Config) -> Result<Notifier, NotifyError> {
        let sections: Vec<NotifySection> = config.section("notify")?;
        let http: crate::http::HttpSection = config.section("http")?;
        let mut targets: Vec<Target> = Vec::new();
        for (index, section) in sections.into_iter().enumerate() {
            let bad = |message: String| NotifyError::Target {
                index,
                name: section.name.clone(),
                message,
            };
            if section.name.is_empty() || targets.iter().any(|t| t.name == section.name) {
                return Err(bad("the name is empty or repeated".into()));
            }
            let url = match (&section.url, &section.url_env) {
                (Some(url), None) => url.clone(),
                (None, Some(var)) => std::env::var(var)
                    .ok()
                    .filter(|v| !v.is_empty())
                    .ok_or_else(|| bad(format!("url_env {var} is not set")))?,
                _ => return Err(bad("set one of url and url_env".into())),
            };
            let parsed = url::Url::parse(&url).map_err(|e| bad(format!("url: {e}")))?;
            if !matches!(parsed.scheme(), "http" | "https") {
                return Err(bad("url must be http:// or https://".into()));
            }
            targets.push(Target {
                name: section.name,
                kind: section.kind,
                url,
            });
        }
        Ok(Notifier {
            targets,
            public_url: http.public_url.map(|u| u.trim_end_matches('/').to_string()),
        })
    }

    /// Decide, record intents, deliver (see the module docs).
    pub async fn cycle(
        &self,
        ctx: &SessionContext,
        store: &DataStore,
        now: DateTime<Utc>,
    ) -> Result<NotifyReport, NotifyError> {
        if self.targets.is_empty() {
            return Ok(NotifyReport::default());
        }
        self.record_intents(ctx, store, now).await?;
        self.deliver_pending(store).await
    }

    /// Steps 1 and 2: what changed since the last cycle, as intent records.
    pub async fn record_intents(
        &self,
        ctx: &SessionContext,
        store: &DataStore,
        now: DateTime<Utc>,
    ) -> Result<(), NotifyError> {
        let current = current_breaches(ctx).await?;
        let known = known_breaches(store).await?;
        let heal = HealStore { store }.breach_states().await?;
        let phase_is = |phase: BreachPhase| -> BTreeSet<String> {
            heal.values()
                .filter(|s| s.phase == phase)
                .map(|s| s.breach_id.clone())
                .collect()
        };
        let changes = transitions(
            &known,
            &current,
            &phase_is(BreachPhase::Escalated),
            &phase_is(BreachPhase::Resolved),
        );
        // What was done about breaches like the opening ones (the healer's memory): one
        // evaluation for all of them.
        let similar = if changes.iter().any(|(_, e)| *e == Event::Open) {
            crate::heal::memory::similar_incidents(ctx, None)
                .await
                .map_err(|e| NotifyError::Query(e.to_string()))?
        } else {
            Vec::new()
        };
        for (breach_id, event) in changes {
            let mut breach = current
                .get(&breach_id)
                .cloned()
                .or_else(|| known.get(&breach_id).map(|k| k.breach.clone()))
                .unwrap_or(Value::Null);
            if event == Event::Open {
                let mine: Vec<Value> = similar
                    .iter()
                    .filter(|s| s["breach_id"].as_str() == Some(breach_id.as_str()))
                    .cloned()
                    .collect();
                if let (Value::Object(fields), false) = (&mut breach, mine.is_empty()) {
                    fields.insert("similar_incidents".into(), Value::Array(mine));
                }
            }
            for target in &self.targets {
                let key = format!("{}--{breach_id}--{}", target.name, event.as_str());
                let path = format!("{MESSAGES_DIR}/{key}.json");
                if store.exists(&path).await? {
                    continue;
                }
                let (url, body) =
                    payload::request(target, event, &breach, self.public_url.as_deref(), now);
                let message = Message {
                    key,
                    target: target.name.clone(),
                    breach_id: breach_id.clone(),
                    event,
                    url,
                    body,
                    sent: false,
                    attempts: 0,
                    last_error: None,
                    created_at: now,
                };
                store.put_json(&path, &message).await?;
            }
            let notified = Notified {
                breach_id: breach_id.clone(),
                last: event,
                breach,
            };
            store
                .put_json(&format!("{BREACHES_DIR}/{breach_id}.json"), &notified)
                .await?;
        }
        Ok(())
    }

    /// Step 3: every unsent message, oldest first.
    pub async fn deliver_pending(&self, store: &DataStore) -> Result<NotifyReport, NotifyError> {
        let mut pending: Vec<(String, Message)> = Vec::new();
        for path in store.list(MESSAGES_DIR).await? {
            if let Some(message) = store.get_json::<Message>(&path).await? {
                if !message.sent {
                    pending.push((path, message));
                }
            }
        }
        pending.sort_by(|a, b| (a.1.created_at, &a.1.key).cmp(&(b.1.created_at, &b.1.key)));
        let client = reqwest::Client::builder()
            .timeout(REQUEST_TIMEOUT)
            .build()
            .map_err(|e| NotifyError::Query(e.to_string()))?;
        let mut report = NotifyReport::default();
        for (path, mut message) in pending {
            let what = format!(
                "{} {} to {}",
                message.event.as_str(),
                message.breach_id,
                message.target
            );
            let mut backoff = FIRST_BACKOFF;
            for attempt in 0..ATTEMPTS_PER_CYCLE {
                if attempt > 0 {
                    tokio::time::sleep(backoff).await;
                    backoff *= 2;
                }
                message.attempts += 1;
                match send(&client, &message).await {
                    Ok(()) => {
                        message.sent = true;
                        message.last_error = None;
                        break;
                    }
                    Err(e) => message.last_error = Some(e),
                }
            }
            store.put_json(&path, &message).await?;
            if message.sent {
                report.sent.push(what);
            } else {
                report.failed.push(format!(
                    "{what}: {}",
                    message.last_error.as_deref().unwrap_or("?")
                ));
            }
        }
        Ok(report)
    }
}

async fn send(client: &reqwest::Client, message: &Message) -> Result<(), String> {
    let answer = client
        .post(&message.url)
        .json(&message.body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    if answer.status().is_success() {
        Ok(())
    } else {
        Err(format!("{} answered {}", message.url, answer.status()))
    }
}

/// The pure core: which breaches opened, escalated or resolved. `known` is what was last
/// notified per breach; `current` the breaches at this cycle's evaluation time; `escalated`
/// and `resolved` the breaches the healer moved to those phases. Ordered by breach id, then
/// event.
pub fn transitions(
    known: &BTreeMap<String, Notified>,
    current: &BTreeMap<String, Value>,
    escalated: &BTreeSet<String>,
    resolved: &BTreeSet<String>,
) -> Vec<(String, Event)> {
    let mut out = Vec::new();
    for id in current.keys() {
        match known.get(id).map(|k| k.last) {
            None => out.push((id.clone(), Event::Open)),
            Some(Event::Open) if resolved.contains(id) => out.push((id.clone(), Event::Resolve)),
            Some(Event::Open) if escalated.contains(id) => out.push((id.clone(), Event::Escalate)),
            Some(Event::Escalate) if resolved.contains(id) => {
                out.push((id.clone(), Event::Resolve))
            }
            _ => {}
        }
    }
    for (id, notified) in known {
        if notified.last != Event::Resolve && !current.contains_key(id) {
            out.push((id.clone(), Event::Resolve));
        }
    }
    out.sort();
    out
}

/// `slo_breaches` at the context's evaluation time, by breach id.
async fn current_breaches(ctx: &SessionContext) -> Result<BTreeMap<String, Value>, NotifyError> {
    let failed = |e: datafusion::error::DataFusionError| NotifyError::Query(e.to_string());
    let batches = ctx
        .sql("SELECT * FROM slo_breaches ORDER BY breach_id")
        .await
        .map_err(failed)?
        .collect()
        .await
        .map_err(failed)?;
    let rows =
        crate::http::rows_as_json(&batches).map_err(|e| NotifyError::Query(e.to_string()))?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let id = row.get("breach_id")?.as_str()?.to_string();
            Some((id, Value::Object(row)))
        })
        .collect())
}

async fn known_breaches(store: &DataStore) -> Result<BTreeMap<String, Notified>, NotifyError> {
    let mut out = BTreeMap::new();
    for path in store.list(BREACHES_DIR).await? {
        if let Some(n) = store.get_json::<Notified>(&path).await? {
            out.insert(n.breach_id.clone(), n);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn known(id: &str, last: Event) -> (String, Notified) {
        (
            id.to_string(),
            Notified {
                breach_id: id.to_string(),
                last,
                breach: Value::Null,
            },
        )
    }

    fn set(ids: &[&str]) -> BTreeSet<String> {
        ids.iter().map(|s| s.to_string()).collect()
    }

    fn current(ids: &[&str]) -> BTreeMap<String, Value> {
        ids.iter().map(|s| (s.to_string(), Value::Null)).collect()
    }

    #[test]
    fn a_breach_opens_escalates_and_resolves_once_each() {
        let none = BTreeSet::new();
        let mut state = BTreeMap::new();
        assert_eq!(
            transitions(&state, &current(&["b"]), &none, &none),
            vec![("b".to_string(), Event::Open)]
        );
        state.extend([known("b", Event::Open)]);
        assert!(transitions(&state, &current(&["b"]), &none, &none).is_empty());
        assert_eq!(
            transitions(&state, &current(&["b"]), &set(&["b"]), &none),
            vec![("b".to_string(), Event::Escalate)]
        );
        state.extend([known("b", Event::Escalate)]);
        assert!(transitions(&state, &current(&["b"]), &set(&["b"]), &none).is_empty());
        // Gone from slo_breaches: resolved, then nothing more.
        assert_eq!(
            transitions(&state, &current(&[]), &none, &none),
            vec![("b".to_string(), Event::Resolve)]
        );
        state.extend([known("b", Event::Resolve)]);
        assert!(transitions(&state, &current(&[]), &none, &none).is_empty());
        // Still listed but resolved: not opened again.
        assert!(transitions(&state, &current(&["b"]), &none, &none).is_empty());
    }

    #[test]
    fn a_fix_the_healer_verified_resolves_a_breach_still_listed() {
        let state: BTreeMap<_, _> = [known("a", Event::Open), known("z", Event::Open)].into();
        assert_eq!(
            transitions(
                &state,
                &current(&["a", "z", "new"]),
                &set(&["z"]),
                &set(&["a"])
            ),
            vec![
                ("a".to_string(), Event::Resolve),
                ("new".to_string(), Event::Open),
                ("z".to_string(), Event::Escalate),
            ]
        );
    }
}
