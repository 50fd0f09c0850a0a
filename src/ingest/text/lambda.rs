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

/// Reads a platform line; `false` (nothing pushed) when `text` is not one.
pub(super) fn read(text: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((kind, rest)) = text.split_once(" RequestId: ") else {
        return false;
    };
    if !matches!(kind, "START" | "END" | "REPORT") {
        return false;
    }
    let request_id = rest.split_whitespace().next().unwrap_or("");
    fields.push((
        "request_id".to_string(),
        Value::String(request_id.to_string()),
    ));
    if kind == "REPORT" {
        for part in rest.split('\t').skip(1) {
            let Some((name, value)) = part.split_once(": ") else {
                continue;
            };
            let value = value.trim();
            match name {
                "Duration" => fields.push((
                    "duration".to_string(),
                    Value::String(value.replace(' ', "")),
                )),
                "Status" => {
                    fields.push((
                        "lambda_status".to_string(),
                        Value::String(value.to_string()),
                    ));
                    fields.push(("level".to_string(), Value::String("ERROR".to_string())));
                }
                _ => {
                    // `Billed Duration: 336 ms` -> `billed_duration_ms: 336`.
                    let Some((number, unit)) = value.split_once(' ') else {
                        continue;
                    };
                    let Ok(number) = number.parse::<f64>() else {
                        continue;
                    };
                    let key = format!(
                        "{}_{}",
                        name.to_ascii_lowercase().replace(' ', "_"),
                        unit.to_ascii_lowercase()
                    );
                    fields.push((
                        key,
                        serde_json::Number::from_f64(number).map_or(Value::Null, Value::Number),
                    ));
                }
            }
        }
    }
    push_message(text, fields);
    true
}
