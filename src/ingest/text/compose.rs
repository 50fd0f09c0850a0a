//! `docker compose logs` (and `docker-compose` before it) put each line after its container's
//! name, padded to a common width, and a bar: `web-1  | 2026-11-30 14:01:02,123 ERROR ...`. The
//! line after the bar is the application's, read as a container payload is (JSON, logfmt,
//! syslog or text); the compose service (the name without its replica number) is the service
//! unless the line names one. `kubectl logs --prefix` puts `[pod/<pod>/<container>] ` before
//! each line: the container is the service in the same way, as is pm2's app in `pm2 logs`
//! (`0|api      | line`).

use serde_json::Value;

use super::TextParser;
use crate::ingest::container::payload_fields;
use crate::ingest::names::{feeds, Column};

/// The container's name and the line after `name  | `. The name is one word followed by at
/// least one space (HealthApp's `time|field|` and NLog's `time|LEVEL|` have none, loguru's
/// `time | LEVEL |` has a space inside).
pub(super) fn split(text: &str) -> Option<(&str, &str)> {
    // Compose names start with a letter; most lines start with their time.
    if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let head = &text.as_bytes()[..text.len().min(80)];
    let bar = memchr::memchr(b'|', head)?;
    let padded = &text[..bar];
    let name = padded.trim_end();
    let one_word = !name.is_empty() && !name.contains(char::is_whitespace);
    let rest = text[bar + 1..].strip_prefix(' ')?;
    (one_word && name.len() < padded.len()).then_some((name, rest))
}

/// `web-1` -> `web` (Compose v2), `shop_web_1` -> `shop_web` (v1): the replica number goes.
fn service_of(container: &str) -> &str {
    let stem = container.trim_end_matches(|c: char| c.is_ascii_digit());
    match stem.strip_suffix(['-', '_']) {
        Some(service) if stem.len() < container.len() && !service.is_empty() => service,
        _ => container,
    }
}

/// The line's fields after `compose.container` and, unless the line names a service, the
/// compose service. `None` when the line has no such prefix.
pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    if let Some((pod, container, rest)) = kubectl_prefix(text) {
        let context = [
            ("kubernetes.pod_name", pod),
            ("kubernetes.container_name", container),
        ];
        return Some(prefixed(&context, container, rest, parser));
    }
    if let Some((app, rest)) = pm2_prefix(text) {
        return Some(prefixed(&[("pm2.app", app)], app, rest, parser));
    }
    let (container, rest) = split(text)?;
    let context = [("compose.container", container)];
    Some(prefixed(&context, service_of(container), rest, parser))
}

/// `pm2 logs`: `0|api      | line`, the process id, the app's name padded, a bar.
fn pm2_prefix(text: &str) -> Option<(&str, &str)> {
    let digits = text.bytes().take_while(u8::is_ascii_digit).count();
    let after_id = text[digits..].strip_prefix('|').filter(|_| digits > 0)?;
    let bar = after_id.get(..after_id.len().min(80))?.find(" |")?;
    let app = after_id[..bar].trim_end();
    let line = after_id[bar + 2..].strip_prefix(' ')?;
    (!app.is_empty() && !app.contains(char::is_whitespace)).then_some((app, line))
}

/// `kubectl logs --prefix` (with `--all-containers`, `-l app=...`): `[pod/web-7d9f8-abcde/app]
/// line`: the pod, the container, and the line after them.
fn kubectl_prefix(text: &str) -> Option<(&str, &str, &str)> {
    let (inside, line) = text.strip_prefix("[pod/")?.split_once("] ")?;
    let (pod, container) = inside.split_once('/')?;
    let named = !pod.is_empty() && !container.is_empty();
    (named && !container.contains(['/', ' '])).then_some((pod, container, line))
}

/// The line's fields after the prefix's `context` and, unless the line names one, `service`.
fn prefixed(
    context: &[(&str, &str)],
    service: &str,
    rest: &str,
    parser: &TextParser,
) -> Vec<(String, Value)> {
    let inner = payload_fields(rest, parser);
    let names_service = inner.iter().any(|(k, _)| feeds(k, Column::Service));
    let mut fields = Vec::with_capacity(inner.len() + context.len() + 1);
    for (name, value) in context {
        fields.push((name.to_string(), Value::String(value.to_string())));
    }
    if !names_service {
        fields.push(("service".to_string(), Value::String(service.to_string())));
    }
    fields.extend(inner);
    fields
}

#[cfg(test)]
mod tests {
    use super::super::tests::{parser, value as get};
    use super::*;

    #[test]
    fn kubectl_prefixes_name_the_pod_and_container() {
        let p = parser();
        let f = parse(
            "[pod/web-7d9f8-abcde/app] 2026-11-30T14:01:02.123Z ERROR payment failed",
            &p,
        )
        .unwrap();
        assert_eq!(get(&f, "service").unwrap(), "app");
        assert_eq!(get(&f, "kubernetes.pod_name").unwrap(), "web-7d9f8-abcde");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "message").unwrap(), "payment failed");
        assert!(parse("[pod/] x", &p).is_none());
        assert!(parse("[pod/a/b/c] x", &p).is_none());
    }

    #[test]
    fn the_prefix_names_the_service_and_the_line_is_the_apps() {
        let p = parser();
        let f = parse(
            "web-1  | 2026-11-30 14:01:02,123 ERROR [main] c.e.Checkout - payment failed",
            &p,
        )
        .unwrap();
        assert_eq!(get(&f, "service").unwrap(), "web");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "message").unwrap(), "payment failed");
        let f = parse(
            r#"shop_api_2 | {"ts":"2026-11-30T14:01:02Z","level":"warn","service":"orders","msg":"slow"}"#,
            &p,
        )
        .unwrap();
        assert_eq!(get(&f, "service").unwrap(), "orders", "the line's own");
        assert_eq!(get(&f, "compose.container").unwrap(), "shop_api_2");
        assert_eq!(service_of("redis"), "redis");
        assert_eq!(service_of("db-12"), "db");
        for other in [
            "20171223-22:15:29:606|Step_LSC|30002312|onStandStepChanged 3579",
            "2026-11-30 14:01:02.1234|ERROR|Shop.Checkout|payment failed",
            "2026-11-30 14:01:02.123 | ERROR    | app:pay:88 - declined",
        ] {
            assert!(parse(other, &p).is_none(), "{other}");
        }
    }
}
