//! OpenTelemetry logs in OTLP JSON (`ExportLogsServiceRequest`/`LogsData`), as the
//! collector's `file` exporter writes them (one document per line) and its `awss3` exporter
//! (one document per object). Each log record becomes one set of fields: the resource's and
//! the record's attributes under their own keys (`service.name` is a service candidate), the
//! scope's name, then time, level, body, trace and span. A body that is a map is opened into
//! fields, so an app's own `msg` or `level` inside it are found like a JSON line's.

use chrono::{DateTime, SecondsFormat};
use serde_json::{Map, Value};

use super::container::wrapped;
use super::records::Fields;
use super::text::TextParser;

/// One entry per log record: its fields, or why it cannot be an event. `Err` when the
/// document itself is not OTLP logs.
pub(crate) fn otlp_records(
    document: &Fields,
    plain: &TextParser,
) -> Result<Vec<Result<Fields, String>>, String> {
    let Some((_, Value::Array(resource_logs))) =
        document.iter().rev().find(|(k, _)| k == "resourceLogs")
    else {
        return Err("OTLP: `resourceLogs` is not an array".into());
    };
    let mut records = Vec::new();
    for (r, resource_log) in resource_logs.iter().enumerate() {
        let resource = key_values(resource_log.pointer("/resource/attributes"));
        let Some(Value::Array(scope_logs)) = resource_log.get("scopeLogs") else {
            continue;
        };
        for (s, scope_log) in scope_logs.iter().enumerate() {
            let scope = scope_log
                .pointer("/scope/name")
                .and_then(Value::as_str)
                .filter(|name| !name.is_empty());
            let Some(Value::Array(log_records)) = scope_log.get("logRecords") else {
                continue;
            };
            for (l, log_record) in log_records.iter().enumerate() {
                let mut fields = resource.clone();
                if let Some(scope) = scope {
                    fields.push(("otel.scope.name".into(), Value::String(scope.into())));
                }
                records.push(record_fields(log_record, fields, plain).map_err(|why| {
                    format!("OTLP resourceLogs[{r}].scopeLogs[{s}].logRecords[{l}]: {why}")
                }));
            }
        }
    }
    if records.is_empty() {
        return Err("OTLP document with no log records".into());
    }
    Ok(records)
}

/// A log record's fields after its resource's (`fields`).
fn record_fields(record: &Value, mut fields: Fields, plain: &TextParser) -> Result<Fields, String> {
    if !record.is_object() {
        return Err("not an object".into());
    }
    let text = |name: &str| {
        record
            .get(name)
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
    };
    fields.extend(key_values(record.get("attributes")));
    if let Some(name) = text("eventName") {
        fields.push(("event.name".into(), Value::String(name.into())));
    }
    let time = unix_nanos(record.get("timeUnixNano"))?;
    let observed = unix_nanos(record.get("observedTimeUnixNano"))?;
    let Some(ts) = time.or(observed) else {
        return Err("no timeUnixNano or observedTimeUnixNano".into());
    };
    fields.push(("ts".into(), Value::String(rfc3339(ts)?)));
    if let (Some(_), Some(observed)) = (time, observed) {
        fields.push(("observed_time".into(), Value::String(rfc3339(observed)?)));
    }
    let number = record.get("severityNumber").and_then(Value::as_u64);
    let level = text("severityText").or_else(|| number.and_then(severity_word));
    if let Some(word) = level {
        fields.push(("level".into(), Value::String(word.into())));
    }
    if let Some(number) = number.filter(|n| *n > 0) {
        fields.push(("severity_number".into(), number.into()));
    }
    match record.get("body").map(any_value) {
        Some(Value::Object(map)) => fields.extend(map),
        Some(Value::Null) | None => {}
        // No severity: the collector's `filelog` receiver without parsing operators sends
        // the raw line as the body; parsed again, its own time and level win.
        Some(Value::String(s)) if level.is_none() => {
            let at = fields
                .iter()
                .rposition(|(k, _)| k == "ts")
                .expect("ts pushed above");
            let time = fields.remove(at).1;
            let inner = wrapped(time, "otel.time", None, &s, plain);
            fields.extend(inner);
        }
        Some(Value::String(s)) => fields.push(("message".into(), Value::String(s))),
        Some(other) => fields.push(("message".into(), Value::String(other.to_string()))),
    }
    if let Some(trace) = text("traceId") {
        fields.push(("trace_id".into(), Value::String(trace.to_ascii_lowercase())));
    }
    if let Some(span) = text("spanId") {
        fields.push(("span_id".into(), Value::String(span.to_ascii_lowercase())));
    }
    Ok(fields)
}

/// `[{"key": k, "value": AnyValue}]` as fields.
fn key_values(list: Option<&Value>) -> Fields {
    let Some(Value::Array(items)) = list else {
        return Vec::new();
    };
    items
        .iter()
        .filter_map(|item| {
            let key = item.get("key")?.as_str()?;
            Some((
                key.to_string(),
                item.get("value").map_or(Value::Null, any_value),
            ))
        })
        .collect()
}

/// An OTLP `AnyValue` as plain JSON: `{"stringValue":"x"}` -> `"x"`, `intValue` (a decimal
/// string in JSON) -> a number, arrays and key-value lists -> arrays and objects.
fn any_value(value: &Value) -> Value {
    let Value::Object(map) = value else {
        return value.clone();
    };
    let Some((kind, inner)) = map.iter().next() else {
        return Value::Null; // an empty AnyValue
    };
    match kind.as_str() {
        "intValue" => match inner {
            Value::String(s) => s.parse::<i64>().map_or(inner.clone(), Value::from),
            other => other.clone(),
        },
        "arrayValue" => match inner.get("values") {
            Some(Value::Array(values)) => Value::Array(values.iter().map(any_value).collect()),
            _ => Value::Array(Vec::new()),
        },
        "kvlistValue" => {
            let entries: Map<String, Value> = key_values(inner.get("values")).into_iter().collect();
            Value::Object(entries)
        }
        // stringValue, boolValue, doubleValue, bytesValue (base64 text)
        _ => inner.clone(),
    }
}

/// A `fixed64` time: a decimal string (as the spec says) or a bare number (as some writers
/// do); 0 means unknown.
fn unix_nanos(value: Option<&Value>) -> Result<Option<u64>, String> {
    let nanos = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::String(s)) => s.trim().parse::<u64>().ok(),
        Some(Value::Number(n)) => n.as_u64(),
        Some(_) => None,
    };
    match nanos {
        Some(0) => Ok(None),
        Some(n) => Ok(Some(n)),
        None => Err(format!(
            "time {} is not a count of nanoseconds",
            value.map(Value::to_string).unwrap_or_default()
        )),
    }
}

fn rfc3339(nanos: u64) -> Result<String, String> {
    let secs = i64::try_from(nanos / 1_000_000_000).map_err(|_| "time out of range")?;
    DateTime::from_timestamp(secs, (nanos % 1_000_000_000) as u32)
        .map(|t| t.to_rfc3339_opts(SecondsFormat::Nanos, true))
        .ok_or_else(|| format!("time {nanos} ns is out of range"))
}

/// OpenTelemetry's severity number ranges.
fn severity_word(number: u64) -> Option<&'static str> {
    Some(match number {
        1..=4 => "TRACE",
        5..=8 => "DEBUG",
        9..=12 => "INFO",
        13..=16 => "WARN",
        17..=20 => "ERROR",
        21..=24 => "FATAL",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(fields: &'a Fields, key: &str) -> Option<&'a Value> {
        fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    fn plain() -> TextParser {
        TextParser {
            years: crate::ingest::text::YearHint {
                year: None,
                reference_micros: 1_764_511_262_000_000,
            },
            dates: Default::default(),
        }
    }

    /// The collector's `filelog` receiver with no parsing operators: the body is the raw line,
    /// with no severity. Its own time and level are read; the collector's time is kept.
    #[test]
    fn raw_lines_as_bodies_are_parsed_again() {
        let doc = document(
            r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"k8s.container.name","value":{"stringValue":"checkout"}}]},"scopeLogs":[{"logRecords":[
              {"observedTimeUnixNano":"1764511300000000000","body":{"stringValue":"2025-11-30 14:01:02,123 ERROR [main] c.e.Checkout - payment failed"},"attributes":[{"key":"log.file.name","value":{"stringValue":"app.log"}}]},
              {"observedTimeUnixNano":"1764511300000000000","body":{"stringValue":"just words"}},
              {"observedTimeUnixNano":"1764511300000000000","severityText":"WARN","body":{"stringValue":"2025-11-30 14:01:02 ERROR not parsed: the record has a level"}}
            ]}]}]}"#,
        );
        let records = otlp_records(&doc, &plain()).unwrap();
        let first = records[0].as_ref().unwrap();
        assert_eq!(get(first, "level").unwrap(), "ERROR");
        assert_eq!(get(first, "message").unwrap(), "payment failed");
        assert_eq!(
            get(first, "otel.time").unwrap(),
            "2025-11-30T14:01:40.000000000Z"
        );
        assert_eq!(get(first, "log.file.name").unwrap(), "app.log");
        assert!(get(first, "ts").is_some_and(|t| t.to_string().contains("14:01:02")));
        let second = records[1].as_ref().unwrap();
        assert_eq!(get(second, "message").unwrap(), "just words");
        assert_eq!(get(second, "ts").unwrap(), "2025-11-30T14:01:40.000000000Z");
        let third = records[2].as_ref().unwrap();
        assert_eq!(get(third, "level").unwrap(), "WARN");
        assert!(get(third, "message")
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("2025-11-30"));
    }

    fn document(text: &str) -> Fields {
        match serde_json::from_str::<Value>(text).unwrap() {
            Value::Object(map) => map.into_iter().collect(),
            _ => unreachable!(),
        }
    }

    #[test]
    fn records_take_resource_scope_and_their_own_fields() {
        let doc = document(
            r#"{"resourceLogs":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"checkout"}},{"key":"host.name","value":{"stringValue":"node-1"}}]},
            "scopeLogs":[{"scope":{"name":"app.payments","version":"1.2"},"logRecords":[
              {"timeUnixNano":"1764511262123456789","observedTimeUnixNano":"1764511262200000000","severityNumber":17,"severityText":"Error","body":{"stringValue":"card declined"},"attributes":[{"key":"http.response.status_code","value":{"intValue":"502"}},{"key":"retry","value":{"boolValue":true}}],"traceId":"5B8EFFF798038103D269B633813FC60C","spanId":"EEE19B7EC3C1B174"},
              {"observedTimeUnixNano":1764511263000000000,"severityNumber":10,"body":{"kvlistValue":{"values":[{"key":"msg","value":{"stringValue":"ok"}},{"key":"n","value":{"doubleValue":1.5}}]}}},
              {"severityNumber":9,"body":{"stringValue":"no time"}}
            ]}]}]}"#,
        );
        let records = otlp_records(&doc, &plain()).unwrap();
        assert_eq!(records.len(), 3);
        let first = records[0].as_ref().unwrap();
        assert_eq!(get(first, "service.name").unwrap(), "checkout");
        assert_eq!(get(first, "otel.scope.name").unwrap(), "app.payments");
        assert_eq!(get(first, "ts").unwrap(), "2025-11-30T14:01:02.123456789Z");
        assert_eq!(get(first, "level").unwrap(), "Error");
        assert_eq!(get(first, "http.response.status_code").unwrap(), 502);
        assert_eq!(get(first, "message").unwrap(), "card declined");
        assert_eq!(
            get(first, "trace_id").unwrap(),
            "5b8efff798038103d269b633813fc60c"
        );
        let second = records[1].as_ref().unwrap();
        assert_eq!(get(second, "level").unwrap(), "INFO");
        assert_eq!(get(second, "msg").unwrap(), "ok");
        assert_eq!(get(second, "ts").unwrap(), "2025-11-30T14:01:03.000000000Z");
        assert_eq!(
            records[2].as_ref().unwrap_err(),
            "OTLP resourceLogs[0].scopeLogs[0].logRecords[2]: no timeUnixNano or observedTimeUnixNano"
        );
    }

    #[test]
    fn documents_without_records_say_so() {
        let records = |text: &str| otlp_records(&document(text), &plain());
        assert!(records(r#"{"resourceLogs":{}}"#).is_err());
        let empty = records(r#"{"resourceLogs":[{"scopeLogs":[]}]}"#);
        assert_eq!(empty.unwrap_err(), "OTLP document with no log records");
        let bad_time = records(
            r#"{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"timeUnixNano":"soon"}]}]}]}"#,
        )
        .unwrap();
        assert!(bad_time[0]
            .as_ref()
            .unwrap_err()
            .contains("\"soon\" is not a count of nanoseconds"));
    }
}
