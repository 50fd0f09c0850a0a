//! Squid's native access log (`logformat squid`, its default):
//!
//! ```text
//! 1764511262.123    123 10.0.0.1 TCP_MISS/200 1234 GET http://example.com/x - HIER_DIRECT/93.184.216.34 text/html
//! ```
//!
//! time (epoch seconds), elapsed milliseconds, client, result code/status, bytes, method, URL,
//! user (`-`), hierarchy code/peer, content type.

use serde_json::Value;

use super::push_message;
use super::tokens::first_words;
use crate::ingest::formats::{route_template, url_path};

/// Reads what follows the epoch time when it is Squid's layout; `false` (nothing pushed)
/// when it is not.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let mut tokens = rest.split_whitespace();
    let Some([elapsed, client, result, bytes, method, url]) = first_words(tokens.by_ref()) else {
        return false;
    };
    let Some((code, status)) = result.split_once('/') else {
        return false;
    };
    let numbers = |t: &str| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit());
    let squid_code = code.starts_with(|c: char| c.is_ascii_uppercase())
        && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_');
    let method_word = method.bytes().all(|b| b.is_ascii_uppercase());
    if !(numbers(elapsed) && numbers(status) && numbers(bytes) && squid_code && method_word) {
        return false;
    }
    let text = |name: &str, value: &str| (name.to_string(), Value::String(value.to_string()));
    fields.push(text("client", client));
    fields.push(text("result_code", code));
    // Status 000: no reply was sent (an aborted or denied request).
    if status != "000" {
        fields.push(text("status", status));
    }
    fields.push(text("duration", &format!("{elapsed}ms")));
    fields.push((
        "bytes".to_string(),
        Value::from(bytes.parse::<u64>().unwrap_or(0)),
    ));
    let path = url_path(url);
    // CONNECT's target is `host:port`, not a path to template.
    let target = if path.starts_with('/') {
        route_template(path)
    } else {
        path.to_string()
    };
    fields.push(text("operation", &format!("{method} {target}")));
    fields.push(text("path", path));
    for (name, value) in [
        ("user", tokens.next()),
        ("hierarchy", tokens.next()),
        ("content_type", tokens.next()),
    ] {
        if let Some(value) = value.filter(|v| *v != "-") {
            fields.push(text(name, value));
        }
    }
    push_message(rest.trim_start(), fields);
    true
}
