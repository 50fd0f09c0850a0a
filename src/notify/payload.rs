//! The request each kind of target gets for an event: its URL and JSON body (pure).

use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Value};

use super::{Event, Target, TargetKind};

fn field<'a>(breach: &'a Value, name: &str) -> &'a str {
    breach.get(name).and_then(Value::as_str).unwrap_or("")
}

fn percent(breach: &Value, name: &str) -> String {
    breach
        .get(name)
        .and_then(Value::as_f64)
        .map_or("n/a".to_string(), |v| format!("{:.2}%", v * 100.0))
}

/// The breach page at the time the breach was seen (so the link still works once resolved).
fn link(breach: &Value, public_url: Option<&str>) -> Option<String> {
    let base = public_url?;
    let id = field(breach, "breach_id");
    let at = field(breach, "detected_at");
    let encode = |s: &str| {
        percent_encoding::utf8_percent_encode(s, percent_encoding::NON_ALPHANUMERIC).to_string()
    };
    Some(format!("{base}/breach/{}?as_of={}", encode(id), encode(at)))
}

fn headline(event: Event, breach: &Value) -> String {
    let what = match event {
        Event::Open => "breach opened",
        Event::Escalate => "breach escalated to a human (healing did not resolve it)",
        Event::Resolve => "breach resolved",
    };
    format!(
        "SLO {} ({}): {what}: {} {}, SLI {}, objective {}, budget left {}",
        field(breach, "slo_id"),
        field(breach, "component"),
        field(breach, "kind"),
        field(breach, "severity"),
        percent(breach, "sli_value"),
        percent(breach, "objective"),
        percent(breach, "budget_remaining"),
    )
}

/// One line per past breach like this one (`similar_incidents`, attached on open).
fn similar_text(breach: &Value) -> Option<String> {
    let incidents = breach.get("similar_incidents")?.as_array()?;
    let lines: Vec<String> = incidents
        .iter()
        .map(crate::heal::memory::describe_similar)
        .collect();
    (!lines.is_empty()).then(|| format!("Similar incidents: {}", lines.join(" | ")))
}

/// `(url, body)` for `target`.
pub fn request(
    target: &Target,
    event: Event,
    breach: &Value,
    public_url: Option<&str>,
    now: DateTime<Utc>,
) -> (String, Value) {
    let link = link(breach, public_url);
    let similar = similar_text(breach);
    let text = match &similar {
        Some(similar) => format!("{}\n{similar}", headline(event, breach)),
        None => headline(event, breach),
    };
    let at = now.to_rfc3339_opts(SecondsFormat::Millis, true);
    match target.kind {
        TargetKind::Webhook => (
            target.url.clone(),
            json!({
                "source": "shape",
                "event": event.as_str(),
                "at": at,
                "summary": text,
                "link": link,
                "breach": breach,
            }),
        ),
        TargetKind::Slack => {
            let text = match &link {
                // Slack's link syntax; its text needs <, > and & escaped.
                Some(link) => format!("{} <{link}|details>", slack_escape(&text)),
                None => slack_escape(&text),
            };
            (target.url.clone(), json!({ "text": text }))
        }
        TargetKind::Alertmanager => {
            let mut alert = json!({
                "labels": {
                    "alertname": "ShapeSLOBreach",
                    "breach_id": field(breach, "breach_id"),
                    "slo_id": field(breach, "slo_id"),
                    "component": field(breach, "component"),
                    "kind": field(breach, "kind"),
                    "severity": field(breach, "severity"),
                },
                "annotations": {
                    "summary": text,
                    "escalated": (event == Event::Escalate).to_string(),
                },
                "startsAt": field(breach, "detected_at"),
            });
            if let Some(link) = &link {
                alert["generatorURL"] = json!(link);
            }
            if event == Event::Resolve {
                alert["endsAt"] = json!(at);
            }
            let url = format!("{}/api/v2/alerts", target.url.trim_end_matches('/'));
            (url, json!([alert]))
        }
    }
}

fn slack_escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target(kind: TargetKind) -> Target {
        Target {
            name: "t".into(),
            kind,
            url: "http://127.0.0.1:9093/".into(),
        }
    }

    fn breach() -> Value {
        json!({"breach_id": "b1", "slo_id": "api-availability", "component": "api<1>",
               "kind": "budget_exhausted", "severity": "page", "sli_value": 0.99,
               "objective": 0.995, "budget_remaining": -1.0,
               "detected_at": "2026-12-01T10:00:00.000Z"})
    }

    #[test]
    fn alertmanager_gets_one_alert_and_an_end_on_resolve() {
        let now = DateTime::parse_from_rfc3339("2026-12-01T11:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let (url, body) = request(
            &target(TargetKind::Alertmanager),
            Event::Open,
            &breach(),
            Some("http://shape:8080"),
            now,
        );
        assert_eq!(url, "http://127.0.0.1:9093/api/v2/alerts");
        assert_eq!(body[0]["labels"]["breach_id"], "b1");
        assert_eq!(body[0]["startsAt"], "2026-12-01T10:00:00.000Z");
        assert!(body[0].get("endsAt").is_none());
        assert_eq!(
            body[0]["generatorURL"],
            "http://shape:8080/breach/b1?as_of=2026%2D12%2D01T10%3A00%3A00%2E000Z"
        );
        let (_, body) = request(
            &target(TargetKind::Alertmanager),
            Event::Resolve,
            &breach(),
            None,
            now,
        );
        assert_eq!(body[0]["endsAt"], "2026-12-01T11:00:00.000Z");
    }

    #[test]
    fn slack_text_escapes_and_links() {
        let (_, body) = request(
            &target(TargetKind::Slack),
            Event::Escalate,
            &breach(),
            Some("http://shape:8080"),
            Utc::now(),
        );
        let text = body["text"].as_str().unwrap();
        assert!(text.contains("(api&lt;1&gt;)"), "{text}");
        assert!(text.contains("escalated"), "{text}");
        assert!(text.ends_with("|details>"), "{text}");
    }
}
