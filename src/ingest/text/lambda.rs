//! AWS Lambda's platform lines, as CloudWatch Logs holds them beside the function's own (and
//! subscriptions and exports deliver them): one `START`, `END` and `REPORT` per invocation.
//!
//! ```text
//! START RequestId: 8f5c1e2a-... Version: $LATEST
//! REPORT RequestId: 8f5c1e2a-...\tDuration: 335.12 ms\tBilled Duration: 336 ms\tMemory Size: 128 MB\tMax Memory Used: 71 MB\tInit Duration: 180.2 ms
//! ```
//!
//! The request id is the trace id (the function's own lines carry the same one); `REPORT`
//! gives the invocation's duration, so a latency SLO reads Lambda's logs without a regex, and
//! its `Status: timeout` (or `error`) marks a failed invocation.

use serde_json::Value;

use super::push_message;

/// The kinds of platform line, as they open it.
const PLATFORM_LINES: [&str; 3] = ["START RequestId: ", "END RequestId: ", "REPORT RequestId: "];

/// Whether `text` is a platform line.
pub(crate) fn is_platform_line(text: &str) -> bool {
    PLATFORM_LINES.iter().any(|kind| text.starts_with(kind))
}

/// Reads a platform line (the message reader adds its fields, see [`platform_fields`]);
/// `false` (nothing pushed) when `text` is not one.
pub(super) fn read(text: &str, fields: &mut Vec<(String, Value)>) -> bool {
    if !is_platform_line(text) {
        return false;
    }
    push_message(text, fields);
    true
}

/// A platform line's fields (not its message); `false` (nothing pushed) when `text` is not
/// one. The `REPORT` line's parts are tab-separated as Lambda writes them, or spaced as a copy
/// or a forwarder may leave them.
pub(super) fn platform_fields(text: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((kind, rest)) = text.split_once(" RequestId: ") else {
        return false;
    };
    if !matches!(kind, "START" | "END" | "REPORT") {
        return false;
    }
    let mut words = rest.split_whitespace();
    let request_id = words.next().unwrap_or("");
    fields.push((
        "request_id".to_string(),
        Value::String(request_id.to_string()),
    ));
    if kind != "REPORT" {
        return true;
    }
    // `Billed Duration: 336 ms`: the name's words up to the one ending with a colon, then the
    // value and its unit.
    let mut name: Vec<&str> = Vec::new();
    while let Some(word) = words.next() {
        let Some(last) = word.strip_suffix(':') else {
            name.push(word);
            continue;
        };
        name.push(last);
        let label = name.join(" ");
        name.clear();
        let Some(value) = words.next() else { break };
        match (label.as_str(), value.parse::<f64>()) {
            ("Status", _) => {
                fields.push((
                    "lambda_status".to_string(),
                    Value::String(value.to_string()),
                ));
                fields.push(("level".to_string(), Value::String("ERROR".to_string())));
            }
            (_, Ok(number)) => {
                let unit = words.next().unwrap_or("");
                if label == "Duration" {
                    fields.push((
                        "duration".to_string(),
                        Value::String(format!("{value}{unit}")),
                    ));
                    continue;
                }
                // `Billed Duration: 336 ms` -> `billed_duration_ms: 336`.
                let key = format!(
                    "{}_{}",
                    label.to_ascii_lowercase().replace(' ', "_"),
                    unit.to_ascii_lowercase()
                );
                fields.push((
                    key,
                    serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number),
                ));
            }
            _ => {}
        }
    }
    true
}
