//! Header fields between pipes after the time (HealthApp and other apps writing
//! `time|field|field|message`).

use serde_json::Value;

use super::tokens::{is_name_char, is_qualified_name};
use super::{push_logger, push_message};
use crate::ingest::values::normalize_level;

/// Header fields between pipes, `|Step_LSC|30002312|message` after the time (HealthApp and
/// other apps writing `time|field|field|message`): each field without spaces is read as a
/// header token is (a level, a pid then a tid, else the logger); the message follows the
/// last one.
pub(super) fn header(piped: &str, fields: &mut Vec<(String, Value)>) {
    let mut at = 0;
    let (mut level, mut numbers, mut logger) = (false, 0, false);
    while let Some(bar) = piped[at..].find('|') {
        let field = &piped[at..at + bar];
        if field.is_empty() || field.contains(char::is_whitespace) {
            break;
        }
        let found_level = if level { None } else { normalize_level(field) };
        if let Some(found) = found_level {
            fields.push(("level".to_string(), Value::String(found.to_string())));
            level = true;
        } else if numbers < 2 && field.bytes().all(|b| b.is_ascii_digit()) {
            let name = if numbers == 0 { "pid" } else { "tid" };
            let value = field.parse::<u64>().map_or(Value::Null, Value::from);
            fields.push((name.to_string(), value));
            numbers += 1;
        } else if !logger && field.chars().all(is_name_char) {
            push_logger(fields, field, None);
            logger = true;
        } else {
            break;
        }
        at += bar + 1;
    }
    push_message(&piped[at..], fields);
}

/// Columns between spaced pipes after the time, as Java brokers' log4j layouts write them:
/// ActiveMQ's `time | LEVEL | message | logger | thread` (its logger a qualified class name
/// after the message) and Karaf's (ServiceMix, Fuse, OpenDaylight) `time | LEVEL | thread |
/// logger | bundle | message`. The event's further lines (a stack trace) join the message.
/// `false` (nothing pushed) for other lines, which the header reader takes.
pub(super) fn spaced_columns(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let (first, more) = match rest.split_once('\n') {
        Some((first, more)) => (first, Some(more)),
        None => (rest, None),
    };
    let columns: Vec<&str> = first.split(" | ").map(str::trim).collect();
    let [level, after @ ..] = &columns[..] else {
        return false;
    };
    let Some(level) = normalize_level(level) else {
        return false;
    };
    // ActiveMQ: a class name in one of the last two columns, the message before it.
    let class_at = after
        .iter()
        .rposition(|column| is_qualified_name(column))
        .filter(|&at| at >= 1 && at + 2 >= after.len());
    let (message, logger, thread, bundle) = match (class_at, after) {
        (Some(at), _) => (after[..at].join(" | "), after[at], after.get(at + 1), None),
        (None, [thread, logger, bundle, message @ ..])
            if !message.is_empty() && !logger.is_empty() && logger.chars().all(is_name_char) =>
        {
            (message.join(" | "), *logger, Some(thread), Some(*bundle))
        }
        _ => return false,
    };
    fields.push(("level".to_string(), Value::String(level.to_string())));
    if let Some(thread) = thread.filter(|thread| !thread.is_empty()) {
        fields.push(("thread".to_string(), Value::String(thread.to_string())));
    }
    if let Some(bundle) = bundle.filter(|bundle| !bundle.is_empty()) {
        fields.push(("bundle".to_string(), Value::String(bundle.to_string())));
    }
    push_logger(fields, logger, None);
    match more {
        Some(more) => push_message(&format!("{message}\n{more}"), fields),
        None => push_message(&message, fields),
    }
    true
}

/// A Go web framework's request line after its time (Gin's `[GIN] 2026/11/30 - 14:01:02 | 200 |
/// 1.234567ms | 10.0.0.5 | GET "/api/orders/17"`, Fiber's `14:01:03 | 500 | 12.345ms |
/// 10.0.0.6 | POST | /api/pay | boom`): status, latency (with its unit), client, method and
/// path; `false` (nothing pushed) for any other line.
pub(super) fn request(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let line = rest.trim();
    // Turned away at the first byte, cheaply: this is tried on every text line.
    if !line.starts_with("| ") {
        return false;
    }
    let parts: Vec<&str> = line[1..].split('|').map(str::trim).collect();
    let [status, latency, client, request, after @ ..] = &parts[..] else {
        return false;
    };
    let Ok(status) = status.parse::<u16>() else {
        return false;
    };
    let latency_ms = crate::ingest::values::parse_duration_text(latency, f64::NAN)
        .filter(|ms| ms.is_finite() && *ms >= 0.0);
    // Gin: `GET      "/api/orders/17"`; Fiber: the method and the path apart.
    let (method, path) = match request.split_once(char::is_whitespace) {
        Some((method, path)) => (method, path.trim().trim_matches('"')),
        None => (*request, after.first().copied().unwrap_or("")),
    };
    let method_like = crate::ingest::formats::is_http_method(method);
    let (Some(latency_ms), true, true, false) = (
        latency_ms,
        (100..600).contains(&status),
        method_like && path.starts_with('/'),
        client.contains(' '),
    ) else {
        return false;
    };
    fields.push(("method".to_string(), Value::String(method.to_string())));
    fields.push(("path".to_string(), Value::String(path.to_string())));
    fields.push(("status".to_string(), Value::from(status)));
    fields.push(("duration_ms".to_string(), Value::from(latency_ms)));
    fields.push(("client".to_string(), Value::String(client.to_string())));
    fields.push(("message".to_string(), Value::String(line.to_string())));
    true
}

#[cfg(test)]
mod tests {
    use super::super::tests::check;
    use super::*;

    fn read(rest: &str) -> Option<Vec<(String, Value)>> {
        let mut fields = Vec::new();
        request(rest, &mut fields).then_some(fields)
    }

    #[test]
    fn gin_and_fiber_request_lines() {
        let f = read(r#" | 500 |   12.345678ms |       10.0.0.6 | POST     "/api/pay""#).unwrap();
        let get = |name: &str| f.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(get("method").unwrap(), "POST");
        assert_eq!(get("path").unwrap(), "/api/pay");
        assert_eq!(get("status").unwrap(), 500);
        assert_eq!(get("duration_ms").unwrap(), 12.345678);
        let f = read(" | 200 |   1.5s |  10.0.0.5 | GET | /api/orders/17 | -").unwrap();
        let get = |name: &str| f.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone());
        assert_eq!(get("path").unwrap(), "/api/orders/17");
        assert_eq!(get("duration_ms").unwrap(), 1500.0);
        for other in [
            " | 200 | 12 | 10.0.0.5 | GET | /a",
            " | 999 | 1ms | 10.0.0.5 | GET | /a",
            " | 200 | 1ms | 10.0.0.5 | hello | /a",
            "|Step_LSC|30002312|message",
            "",
        ] {
            assert!(read(other).is_none(), "{other:?}");
        }
    }

    #[test]
    fn spaced_pipe_columns_of_activemq_and_karaf() {
        check(
            "2019-11-27 15:09:34,712 | ERROR | Failed to start Apache ActiveMQ (localhost) | org.apache.activemq.broker.BrokerService | main\n\tat a.B.c(B.java:1)",
            &[
                ("level", "ERROR"),
                ("logger", "org.apache.activemq.broker.BrokerService"),
                ("thread", "main"),
                ("message", "Failed to start Apache ActiveMQ (localhost)\n\tat a.B.c(B.java:1)"),
            ],
        );
        check(
            "2019-11-27 15:09:34,538 | INFO  | Page File: x | y | org.apache.activemq.store.PageFile | KahaDB Index Free Page Recovery",
            &[
                ("message", "Page File: x | y"),
                ("thread", "KahaDB Index Free Page Recovery"),
            ],
        );
        check(
            "2026-11-30 14:01:02,123 | WARN  | FelixStartLevel  | BrokerService    | 93 - org.apache.activemq.activemq-osgi - 5.15.9 | Store limit is 102400 mb",
            &[
                ("level", "WARN"),
                ("thread", "FelixStartLevel"),
                ("logger", "BrokerService"),
                ("bundle", "93 - org.apache.activemq.activemq-osgi - 5.15.9"),
                ("message", "Store limit is 102400 mb"),
            ],
        );
        // A logger then a message after one pipe is the header reader's.
        check(
            "2014-01-09 20:03:28,269 -0800 | ERROR | com.example.service.ExampleService - something unexpected",
            &[("level", "ERROR"), ("logger", "com.example.service.ExampleService")],
        );
    }
}
