//! Header fields between pipes after the time (HealthApp and other apps writing
//! `time|field|field|message`).

use serde_json::Value;

use super::tokens::is_name_char;
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
}
