//! Status and time in the default access-log layouts of the common proxies and load
//! balancers, read around the quoted request (see [`proxy_fields`]).

use serde_json::Value;

/// A three-digit HTTP status (`100`-`599`).
pub(crate) fn is_status(token: &str) -> bool {
    token.len() == 3
        && token.bytes().all(|b| b.is_ascii_digit())
        && (b"12345").contains(&token.as_bytes()[0])
}

pub(super) fn is_count(token: &str) -> bool {
    !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit())
}

/// Status and time where the common proxies' default access-log layouts put them around the
/// quoted request; whether one was recognised:
/// - AWS load balancers (ALB and classic ELB): `... req_s target_s resp_s elb_status
///   target_status rx tx "GET ..."`: the times are seconds (`-1` when there was no target).
/// - HAProxy's HTTP log: `... TR/Tw/Tc/Tr/Ta status bytes ... "GET ..."`: milliseconds,
///   the last the total.
/// - Envoy's default: `"GET ..." status flags rx tx duration ...`: milliseconds.
/// - Amazon S3's server access log: `... REST.GET.OBJECT key "GET ..." status error_code
///   bytes_sent object_size total_time turn_around_time "referer" ...`: milliseconds; the S3
///   operation is the operation (object keys are not routes).
pub(super) fn proxy_fields(before: &str, after: &str, fields: &mut Vec<(String, Value)>) -> bool {
    if let Some((operation, status, total_ms)) = s3_access(before, after) {
        if let Some((_, value)) = fields.iter_mut().rev().find(|(k, _)| k == "operation") {
            *value = Value::String(operation.to_string());
        }
        fields.push(("status".into(), Value::String(status.to_string())));
        if let Some(ms) = total_ms {
            fields.push(("duration_ms".into(), Value::from(ms)));
        }
        return true;
    }
    let mut push = |status: &str, duration_ms: Option<f64>| {
        fields.push(("status".into(), Value::String(status.to_string())));
        if let Some(ms) = duration_ms {
            let value = serde_json::Number::from_f64(ms).map_or(Value::Null, Value::Number);
            fields.push(("duration_ms".into(), value));
        }
    };
    let last: Vec<&str> = before.split_whitespace().rev().take(7).collect();
    if let [tx, rx, target_status, elb_status, resp_s, target_s, req_s] = last[..] {
        let seconds: Option<Vec<f64>> = [req_s, target_s, resp_s]
            .iter()
            .map(|t| match *t {
                // No target answered (a 502, 503 or 504 of the load balancer's own).
                "-1" => Some(-1.0),
                _ => t.contains('.').then(|| t.parse::<f64>().ok()).flatten(),
            })
            .collect();
        let statuses = is_status(elb_status) && (is_status(target_status) || target_status == "-");
        if let (Some(seconds), true, true) = (seconds, statuses, is_count(rx) && is_count(tx)) {
            // In whole microseconds: the sum of three decimals is not exact.
            let total = seconds
                .iter()
                .all(|s| *s >= 0.0)
                .then(|| (seconds.iter().sum::<f64>() * 1e6).round() / 1e3);
            push(elb_status, total);
            return true;
        }
    }
    let tokens: Vec<&str> = before.split_whitespace().collect();
    for pair in tokens.windows(2) {
        let timers: Vec<&str> = pair[0].split('/').collect();
        let numeric = timers.iter().all(|t| {
            t.trim_start_matches('-')
                .bytes()
                .all(|b| b.is_ascii_digit())
                && !t.is_empty()
        });
        if timers.len() == 5 && numeric && is_status(pair[1]) {
            let total = timers[4].parse::<f64>().ok().filter(|t| *t >= 0.0);
            push(pair[1], total);
            return true;
        }
    }
    let next: Vec<&str> = after.split_whitespace().take(5).collect();
    if let [status, flags, rx, tx, duration] = next[..] {
        let flags = flags == "-" || flags.bytes().all(|b| b.is_ascii_uppercase() || b == b',');
        if let (true, Ok(ms)) = (
            is_status(status) && flags && is_count(rx) && is_count(tx),
            duration.parse::<f64>(),
        ) {
            push(status, Some(ms));
            return true;
        }
    }
    if let Some((status, ms)) = istio_access(after) {
        push(status, Some(ms));
        return true;
    }
    false
}

/// Istio's default (Envoy 1.16 and later) puts the response code's details, the connection's
/// termination and the upstream's failure reason (quoted) between the flags and the bytes:
/// `"POST /api/pay HTTP/2" 503 UF upstream_reset_before_response_started{...} - "-" 120 91
/// 30 - ...`. The status and the duration in milliseconds.
fn istio_access(after: &str) -> Option<(&str, f64)> {
    // Four words, each with what follows it.
    let mut rest = after;
    let mut word = || {
        let text = rest.trim_start();
        let end = text.find(char::is_whitespace).unwrap_or(text.len());
        rest = &text[end..];
        Some(&text[..end]).filter(|w| !w.is_empty())
    };
    let status = word().filter(|s| is_status(s))?;
    let flags = word()?;
    let flagged = flags == "-" || flags.bytes().all(|b| b.is_ascii_uppercase() || b == b',');
    let (_details, _termination) = (word()?, word()?);
    let reason = rest.trim_start().strip_prefix('"')?;
    let close = reason.find('"')?;
    let next: Vec<&str> = reason[close + 1..].split_whitespace().take(3).collect();
    let [rx, tx, duration] = next[..] else {
        return None;
    };
    let ms = duration.parse::<f64>().ok()?;
    (flagged && is_count(rx) && is_count(tx)).then_some((status, ms))
}

/// S3's operation, status and total time around a quoted request (see [`proxy_fields`]).
fn s3_access<'a>(before: &'a str, after: &'a str) -> Option<(&'a str, &'a str, Option<u64>)> {
    let operation = before.split_whitespace().rev().nth(1)?;
    let (kind, action) = operation.split_once('.')?;
    let s3_operation = matches!(kind, "REST" | "WEBSITE" | "BATCH" | "S3")
        && action
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b == b'.' || b == b'_');
    let next: Vec<&str> = after.split_whitespace().take(7).collect();
    let [status, error_code, bytes, size, total, turnaround, referer] = next[..] else {
        return None;
    };
    let count_or_dash = |t: &str| t == "-" || is_count(t);
    let layout = is_status(status)
        && error_code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && [bytes, size, total, turnaround]
            .into_iter()
            .all(count_or_dash)
        && referer.starts_with('"');
    (s3_operation && layout).then(|| (operation, status, total.parse().ok()))
}

/// HAProxy's TCP log (`option tcplog`): `10.0.0.5:54321 [30/Nov/2026:14:01:02.123] fe_db
/// be_db/db1 1/0/5 1234 -- 1/1/1/1/0 0/0`. The backend and server, the total time `Tt` in
/// milliseconds, the bytes, and the termination state (a session the server side ended or
/// refused, or that timed out there, failed); `false` (nothing pushed) for any other message.
pub(crate) fn haproxy_tcp(message: &str, fields: &mut Vec<(String, Value)>) -> bool {
    // Turned away at the first byte, cheaply: a client's address starts with a digit (or
    // IPv6's hex or colon); this is tried on every message.
    if !message.starts_with(|c: char| c.is_ascii_hexdigit() || c == ':' || c == '[') {
        return false;
    }
    let mut words = message.split_whitespace();
    let (Some(client), Some(accepted)) = (words.next(), words.next()) else {
        return false;
    };
    // Turned away at the first two words, cheaply: this is tried on every syslog message.
    let addressed = client
        .rsplit_once(':')
        .is_some_and(|(_, port)| is_count(port));
    if !addressed || !accepted.starts_with('[') || !accepted.ends_with(']') {
        return false;
    }
    let next: Vec<&str> = words.take(5).collect();
    let [frontend, backend_server, timers, bytes, termination] = next[..] else {
        return false;
    };
    let Some((backend, server)) = backend_server.split_once('/') else {
        return false;
    };
    let timers: Vec<&str> = timers.split('/').collect();
    let timed = timers.len() == 3
        && timers
            .iter()
            .all(|t| is_count(t.strip_prefix('-').unwrap_or(t)));
    if !timed || !is_count(bytes) || termination.len() != 2 {
        return false;
    }
    let text = |name: &str, value: &str| (name.to_string(), Value::String(value.to_string()));
    fields.push(text("frontend", frontend));
    fields.push(text("operation", backend));
    fields.push(text("server", server));
    if let Some(total) = timers[2].parse::<f64>().ok().filter(|t| *t >= 0.0) {
        fields.push(("duration_ms".into(), Value::from(total)));
    }
    fields.push((
        "bytes".into(),
        Value::from(bytes.parse::<u64>().unwrap_or(0)),
    ));
    fields.push(text("termination_state", termination));
    let server_side = matches!(
        termination.as_bytes()[0],
        b'S' | b's' | b'P' | b'R' | b'I' | b'D' | b'K'
    );
    fields.push(text("outcome", if server_side { "error" } else { "ok" }));
    true
}
