//! Turns one line into an event (or a reason it cannot be one).
//!
//! Every format first becomes an ordered list of `(field, value)` pairs; one mapping step then
//! fills the `events` columns and puts every field it did not use into `attributes`, so
//! nothing on a line is lost.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use regex::Regex;
use serde_json::Value;

use super::container::{parse_cri, parse_docker, parse_journald};
use super::formats::{auto_fields, parse_combined, parse_json, parse_logfmt, parse_regex};
pub use super::formats::{FormatError, LineFormat};
use super::settings::{duration_unit_factor, parse_fixed_offset, ComponentRule, FormatSettings};
use super::syslog::parse_syslog;
use super::text::{TextParser, YearHint};

/// One parsed event, ready for the `events` builders.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub ts_micros: i64,
    pub service: String,
    pub component: String,
    pub operation: String,
    pub level: &'static str,
    pub status_code: Option<i32>,
    pub duration_ms: Option<f64>,
    pub outcome: &'static str,
    pub message: String,
    pub trace_id: Option<String>,
    /// A JSON object.
    pub attributes: String,
}

/// Field names tried, in order, when the config does not name a field.
pub(crate) const TS_NAMES: &[&str] = &[
    "ts",
    "timestamp",
    "@timestamp",
    "time",
    "datetime",
    "date",
    "t",
];
const LEVEL_NAMES: &[&str] = &["level", "lvl", "severity", "loglevel", "log.level"];
const SERVICE_NAMES: &[&str] = &["service", "service.name", "app", "application"];
const COMPONENT_NAMES: &[&str] = &["component", "module", "subsystem", "logger"];
const OPERATION_NAMES: &[&str] = &[
    "operation",
    "op",
    "handler",
    "endpoint",
    "route",
    "span",
    "action",
];
const STATUS_NAMES: &[&str] = &["status_code", "status", "http.status", "code", "statusCode"];
/// Duration candidates with the unit their name implies.
const DURATION_NAMES: &[(&str, f64)] = &[
    ("duration_ms", 1.0),
    ("latency_ms", 1.0),
    ("elapsed_ms", 1.0),
    ("response_time_ms", 1.0),
    ("duration_us", 1e-3),
    ("duration_s", 1e3),
    ("request_time", 1e3),
    ("duration", 1.0),
    ("latency", 1.0),
    ("elapsed", 1.0),
    ("took", 1.0),
];
const OUTCOME_NAMES: &[&str] = &["outcome", "result"];
const MESSAGE_NAMES: &[&str] = &["message", "msg", "text", "content", "log"];
const TRACE_NAMES: &[&str] = &["trace_id", "traceId", "trace", "request_id", "req_id"];

/// Which field feeds a column: named in config (exact) or the first candidate present.
#[derive(Debug, Clone)]
enum FieldChoice {
    Named(String),
    Candidates(&'static [&'static str]),
}

impl FieldChoice {
    fn new(named: &Option<String>, candidates: &'static [&'static str]) -> Self {
        match named {
            Some(name) => FieldChoice::Named(name.clone()),
            None => FieldChoice::Candidates(candidates),
        }
    }

    fn find(&self, fields: &[(String, Value)]) -> Option<usize> {
        match self {
            FieldChoice::Named(name) => find_last(fields, name),
            FieldChoice::Candidates(names) => names.iter().find_map(|n| find_last(fields, n)),
        }
    }
}

/// The last occurrence wins (as in JavaScript and most JSON parsers); earlier duplicates are
/// kept in `attributes._duplicate_keys`.
fn find_last(fields: &[(String, Value)], name: &str) -> Option<usize> {
    fields.iter().rposition(|(k, _)| k == name)
}

/// A compiled per-source parser: format, field mapping, component rules.
#[derive(Debug, Clone)]
pub struct LineParser {
    format: LineFormat,
    ts_fields: Option<Vec<String>>,
    ts_format: Option<String>,
    ts_year: Option<i32>,
    tz_offset_secs: i32,
    level: FieldChoice,
    service: FieldChoice,
    component: FieldChoice,
    operation: FieldChoice,
    status: FieldChoice,
    duration_field: Option<String>,
    duration_unit_factor: f64,
    outcome: FieldChoice,
    message: FieldChoice,
    trace_id: FieldChoice,
    default_service: String,
    component_rules: Vec<(String, Regex, String)>,
    /// Years for year-less timestamps, and the text layouts' scanner.
    plain: TextParser,
    /// The format was chosen by detection: reject reasons say so.
    detected: bool,
    /// Fields every line of the source gets first (Kubernetes pod, namespace, container).
    source_fields: Vec<(String, Value)>,
}

impl LineParser {
    /// Settings are validated by `Config::parse`; errors here are for programmatic callers.
    pub fn new(
        settings: &FormatSettings,
        default_service: Option<String>,
        rules: &[ComponentRule],
    ) -> Result<LineParser, FormatError> {
        let tz_offset_secs = settings
            .timezone
            .as_deref()
            .and_then(parse_fixed_offset)
            .unwrap_or(0);
        let component_rules = rules
            .iter()
            .map(|r| {
                Ok((
                    r.field.clone(),
                    Regex::new(&r.pattern)?,
                    r.component.clone(),
                ))
            })
            .collect::<Result<Vec<_>, regex::Error>>()?;
        Ok(LineParser {
            format: LineFormat::parse(settings.format.as_deref().unwrap_or("auto"))?,
            ts_fields: settings.timestamp_field.as_ref().map(|f| f.names()),
            ts_format: settings.timestamp_format.clone(),
            ts_year: settings.timestamp_year,
            tz_offset_secs,
            level: FieldChoice::new(&settings.level_field, LEVEL_NAMES),
            service: FieldChoice::new(&settings.service_field, SERVICE_NAMES),
            component: FieldChoice::new(&settings.component_field, COMPONENT_NAMES),
            operation: FieldChoice::new(&settings.operation_field, OPERATION_NAMES),
            status: FieldChoice::new(&settings.status_field, STATUS_NAMES),
            duration_field: settings.duration_field.clone(),
            duration_unit_factor: settings
                .duration_unit
                .as_deref()
                .and_then(duration_unit_factor)
                .unwrap_or(1.0),
            outcome: FieldChoice::new(&settings.outcome_field, OUTCOME_NAMES),
            message: FieldChoice::new(&settings.message_field, MESSAGE_NAMES),
            trace_id: FieldChoice::new(&settings.trace_id_field, TRACE_NAMES),
            default_service: default_service.unwrap_or_else(|| "unknown".to_string()),
            component_rules,
            plain: TextParser {
                years: YearHint {
                    year: settings.timestamp_year,
                    reference_micros: Utc::now().timestamp_micros(),
                },
            },
            detected: false,
            source_fields: Vec::new(),
        })
    }

    pub fn format(&self) -> &LineFormat {
        &self.format
    }

    /// This parser for one source: year-less timestamps take the source's modification
    /// time as reference, Kubernetes container log names give pod, namespace and container
    /// (the container as service when the config names none).
    pub fn for_source(&self, uri: &str, modified_micros: Option<i64>) -> LineParser {
        let mut parser = self.clone();
        if let Some(modified) = modified_micros {
            parser.plain.years.reference_micros = modified;
        }
        if let Some((pod, namespace, container)) = super::container::kubernetes_names(uri) {
            parser.source_fields = vec![
                ("k8s.pod".to_string(), Value::String(pod)),
                ("k8s.namespace".to_string(), Value::String(namespace)),
                (
                    "k8s.container".to_string(),
                    Value::String(container.clone()),
                ),
            ];
            if parser.default_service == "unknown" {
                parser.default_service = container;
            }
        }
        parser
    }

    /// This parser with a format detection chose.
    pub fn with_detected_format(&self, format: LineFormat) -> LineParser {
        LineParser {
            format,
            detected: true,
            ..self.clone()
        }
    }

    /// Parses one line's content (without its terminator). `Err` is the reject reason.
    pub fn parse(&self, content: &[u8]) -> Result<Event, String> {
        if let Some(pos) = memchr::memchr(0, content) {
            return Err(format!(
                "NUL byte at byte {} of the line (binary data is not a log line)",
                pos + 1
            ));
        }
        let text = std::str::from_utf8(content)
            .map_err(|e| format!("invalid UTF-8 at byte {} of the line", e.valid_up_to() + 1))?;
        let fields = self.fields(text);
        let event = fields.and_then(|mut fields| {
            if !self.source_fields.is_empty() {
                let mut all = self.source_fields.clone();
                all.append(&mut fields);
                fields = all;
            }
            self.map_fields(fields)
        });
        match event {
            Err(why) if self.detected => Err(format!(
                "{why} (format {}, detected for this source from its first lines)",
                self.format.name()
            )),
            other => other,
        }
    }

    /// The line's fields in this parser's format.
    pub(crate) fn fields(&self, text: &str) -> Result<Vec<(String, Value)>, String> {
        Ok(match &self.format {
            LineFormat::Json => parse_json(text)?,
            LineFormat::Logfmt => parse_logfmt(text)?,
            LineFormat::Combined => parse_combined(text)
                .ok_or_else(|| "line is not in combined access-log format".to_string())?,
            LineFormat::Regex(regex) => parse_regex(regex, text)?,
            LineFormat::Text => self.plain.parse(text)?,
            LineFormat::Syslog => parse_syslog(text, &self.plain)?,
            LineFormat::Cri => parse_cri(text, &self.plain)?,
            LineFormat::Docker => parse_docker(text, &self.plain)?,
            LineFormat::Journald => parse_journald(text)?,
            LineFormat::Auto | LineFormat::Mixed => auto_fields(text, &self.plain)?,
        })
    }

    fn map_fields(&self, fields: Vec<(String, Value)>) -> Result<Event, String> {
        let used = std::cell::RefCell::new(vec![false; fields.len()]);
        let take = |index: Option<usize>| -> Option<usize> {
            let i = index?;
            used.borrow_mut()[i] = true;
            Some(i)
        };

        // Timestamp (required).
        let ts_micros = match &self.ts_fields {
            Some(names) => {
                let mut parts = Vec::with_capacity(names.len());
                for name in names {
                    let i = take(find_last(&fields, name))
                        .ok_or_else(|| format!("missing timestamp field `{name}`"))?;
                    parts.push(value_text(&fields[i].1));
                }
                let joined = parts.join(" ");
                self.parse_ts(&Value::String(joined.clone()))
                    .map_err(|why| {
                        format!(
                            "unparseable timestamp {joined:?} in `{}`: {why}",
                            names.join("`+`")
                        )
                    })?
            }
            None => {
                let i =
                    take(TS_NAMES.iter().find_map(|n| find_last(&fields, n))).ok_or_else(|| {
                        format!("missing timestamp (looked for {})", TS_NAMES.join(", "))
                    })?;
                self.parse_ts(&fields[i].1).map_err(|why| {
                    format!(
                        "unparseable timestamp {} in `{}`: {why}",
                        short_json(&fields[i].1),
                        fields[i].0
                    )
                })?
            }
        };

        let status_code = match take(self.status.find(&fields)) {
            Some(i) => parse_status(&fields[i].1)
                .map_err(|why| format!("field `{}`: {why}", fields[i].0))?,
            None => None,
        };
        let duration_index = match &self.duration_field {
            Some(name) => find_last(&fields, name).map(|i| (i, self.duration_unit_factor)),
            None => DURATION_NAMES
                .iter()
                .find_map(|(n, factor)| find_last(&fields, n).map(|i| (i, *factor))),
        };
        let duration_ms = match duration_index {
            Some((i, factor)) => {
                take(Some(i));
                parse_duration(&fields[i].1, factor)
                    .map_err(|why| format!("field `{}`: {why}", fields[i].0))?
            }
            None => None,
        };

        let mut attributes_extra = serde_json::Map::new();
        let level = match take(self.level.find(&fields)) {
            Some(i) => {
                let raw = value_text(&fields[i].1);
                match normalize_level(&raw) {
                    Some(level) => level,
                    None => {
                        attributes_extra.insert("level_raw".into(), Value::String(raw));
                        level_from_status(status_code)
                    }
                }
            }
            None => level_from_status(status_code),
        };
        let explicit_outcome = match take(self.outcome.find(&fields)) {
            Some(i) => Some(parse_outcome(&fields[i].1).ok_or_else(|| {
                format!(
                    "field `{}`: unknown outcome {}",
                    fields[i].0,
                    short_json(&fields[i].1)
                )
            })?),
            None => None,
        };
        let outcome = explicit_outcome.unwrap_or_else(|| {
            let failed =
                level_rank(level) >= level_rank("ERROR") || status_code.is_some_and(|s| s >= 500);
            if failed {
                "error"
            } else {
                "ok"
            }
        });

        let service = take(self.service.find(&fields))
            .map(|i| value_text(&fields[i].1))
            .unwrap_or_else(|| self.default_service.clone());
        let operation = take(self.operation.find(&fields)).map(|i| value_text(&fields[i].1));
        let message = take(self.message.find(&fields))
            .map(|i| value_text(&fields[i].1))
            .unwrap_or_default();
        let trace_id = take(self.trace_id.find(&fields)).map(|i| value_text(&fields[i].1));
        let component = match take(self.component.find(&fields)) {
            Some(i) => value_text(&fields[i].1),
            None => self
                .component_from_rules(&fields, operation.as_deref(), &message, &service)
                .unwrap_or_else(|| "unknown".to_string()),
        };

        // Everything not mapped, plus earlier duplicates of any key.
        let mut attributes = serde_json::Map::new();
        let mut duplicates = serde_json::Map::new();
        let used = used.into_inner();
        let keys: Vec<String> = fields.iter().map(|(k, _)| k.clone()).collect();
        for (i, (key, value)) in fields.into_iter().enumerate() {
            let superseded = keys[i + 1..].contains(&key);
            if superseded {
                match duplicates
                    .entry(key)
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    Value::Array(items) => items.push(value),
                    _ => unreachable!("duplicate lists are arrays"),
                }
            } else if !used[i] {
                attributes.insert(key, value);
            }
        }
        attributes.extend(attributes_extra);
        if !duplicates.is_empty() {
            attributes.insert("_duplicate_keys".into(), Value::Object(duplicates));
        }

        Ok(Event {
            ts_micros,
            service,
            component,
            operation: operation.unwrap_or_else(|| "unknown".to_string()),
            level,
            status_code,
            duration_ms,
            outcome,
            message,
            trace_id,
            attributes: Value::Object(attributes).to_string(),
        })
    }

    fn component_from_rules(
        &self,
        fields: &[(String, Value)],
        operation: Option<&str>,
        message: &str,
        service: &str,
    ) -> Option<String> {
        self.component_rules
            .iter()
            .find_map(|(field, regex, component)| {
                let value = match field.as_str() {
                    "operation" => operation.map(str::to_string),
                    "message" => Some(message.to_string()),
                    "service" => Some(service.to_string()),
                    other => find_last(fields, other).map(|i| value_text(&fields[i].1)),
                }?;
                regex.is_match(&value).then(|| component.clone())
            })
    }

    fn parse_ts(&self, value: &Value) -> Result<i64, String> {
        match value {
            Value::Number(n) => n
                .as_f64()
                .and_then(epoch_to_micros)
                .ok_or_else(|| "number out of range for an epoch time".to_string()),
            Value::String(s) => {
                let s = s.trim();
                match &self.ts_format {
                    Some(format) => self.parse_ts_with_format(s, format),
                    None => self.parse_ts_auto(s),
                }
            }
            _ => Err("expected a string or a number".to_string()),
        }
    }

    fn parse_ts_with_format(&self, s: &str, format: &str) -> Result<i64, String> {
        if let Ok(dt) = DateTime::parse_from_str(s, format) {
            return Ok(dt.with_timezone(&Utc).timestamp_micros());
        }
        let naive = match NaiveDateTime::parse_from_str(s, format) {
            Ok(naive) => naive,
            Err(first_error) => {
                // Formats without a year (syslog) need one supplied.
                let year = self.ts_year.unwrap_or(1970);
                NaiveDateTime::parse_from_str(&format!("{year} {s}"), &format!("%Y {format}"))
                    .or_else(|_| {
                        NaiveDate::parse_from_str(s, format)
                            .map(|d| d.and_hms_opt(0, 0, 0).unwrap())
                    })
                    .map_err(|_| format!("does not match format {format:?} ({first_error})"))?
            }
        };
        Ok(self.naive_to_micros(naive))
    }

    fn parse_ts_auto(&self, s: &str) -> Result<i64, String> {
        if let Ok(dt) = DateTime::parse_from_rfc3339(s) {
            return Ok(dt.with_timezone(&Utc).timestamp_micros());
        }
        for format in [
            "%Y-%m-%d %H:%M:%S%.f%:z",
            "%Y-%m-%d %H:%M:%S%.f%z",
            "%d/%b/%Y:%H:%M:%S %z",
        ] {
            if let Ok(dt) = DateTime::parse_from_str(s, format) {
                return Ok(dt.with_timezone(&Utc).timestamp_micros());
            }
        }
        let s_no_z = s.strip_suffix('Z').unwrap_or(s);
        for format in [
            "%Y-%m-%dT%H:%M:%S%.f",
            "%Y-%m-%d %H:%M:%S%.f",
            "%Y-%m-%dT%H:%M",
        ] {
            if let Ok(naive) = NaiveDateTime::parse_from_str(s_no_z, format) {
                return Ok(if s_no_z.len() == s.len() {
                    self.naive_to_micros(naive)
                } else {
                    naive.and_utc().timestamp_micros()
                });
            }
        }
        if let Ok(n) = s.parse::<f64>() {
            return epoch_to_micros(n)
                .ok_or_else(|| "number out of range for an epoch time".into());
        }
        Err(
            "not RFC 3339, `YYYY-MM-DD HH:MM:SS`, access-log time or epoch; set timestamp_format"
                .into(),
        )
    }

    fn naive_to_micros(&self, naive: NaiveDateTime) -> i64 {
        naive.and_utc().timestamp_micros() - i64::from(self.tz_offset_secs) * 1_000_000
    }
}

/// Epoch numbers in s, ms, µs or ns, told apart by magnitude (years 1973..5138 in seconds).
fn epoch_to_micros(n: f64) -> Option<i64> {
    if !n.is_finite() || n < 0.0 {
        return None;
    }
    let micros = if n < 1e11 {
        n * 1e6
    } else if n < 1e14 {
        n * 1e3
    } else if n < 1e17 {
        n
    } else {
        n / 1e3
    };
    (micros < 9.2e18).then_some(micros as i64)
}

fn parse_status(value: &Value) -> Result<Option<i32>, String> {
    let n = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_i64(),
        Value::String(s) if s.trim() == "-" || s.trim().is_empty() => return Ok(None),
        Value::String(s) => s.trim().parse::<i64>().ok(),
        _ => None,
    };
    match n {
        Some(n) if (0..=i32::MAX as i64).contains(&n) => Ok(Some(n as i32)),
        _ => Err(format!(
            "expected an integer status code, got {}",
            short_json(value)
        )),
    }
}

fn parse_duration(value: &Value, factor_to_ms: f64) -> Result<Option<f64>, String> {
    let ms = match value {
        Value::Null => return Ok(None),
        Value::Number(n) => n.as_f64().map(|v| v * factor_to_ms),
        Value::String(s) => parse_duration_text(s.trim(), factor_to_ms),
        _ => None,
    };
    match ms {
        Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(Some(ms)),
        _ => Err(format!(
            "expected a non-negative duration (number or e.g. \"12ms\", \"1.5s\"), got {}",
            short_json(value)
        )),
    }
}

fn parse_duration_text(s: &str, bare_factor: f64) -> Option<f64> {
    if let Ok(v) = s.parse::<f64>() {
        return Some(v * bare_factor);
    }
    let split = s.find(|c: char| c.is_ascii_alphabetic() || c == 'µ')?;
    let (number, unit) = s.split_at(split);
    let factor = duration_unit_factor(unit.trim()).or(match unit.trim() {
        "m" | "min" => Some(60e3),
        "h" => Some(3600e3),
        _ => None,
    })?;
    number.trim().parse::<f64>().ok().map(|v| v * factor)
}

fn parse_outcome(value: &Value) -> Option<&'static str> {
    match value {
        Value::Bool(true) => Some("ok"),
        Value::Bool(false) => Some("error"),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "ok" | "success" | "succeeded" | "pass" | "passed" | "good" | "true" => Some("ok"),
            "error" | "err" | "failure" | "failed" | "fail" | "bad" | "false" => Some("error"),
            _ => None,
        },
        _ => None,
    }
}

pub fn normalize_level(raw: &str) -> Option<&'static str> {
    let level = match raw.trim().to_ascii_lowercase().as_str() {
        "trace" | "finest" | "finer" => "TRACE",
        "debug" | "dbug" | "fine" | "verbose" => "DEBUG",
        "info" | "information" | "informational" | "notice" | "inf" => "INFO",
        "warn" | "warning" | "wrn" => "WARN",
        "error" | "err" | "eror" | "severe" => "ERROR",
        "fatal" | "critical" | "crit" | "panic" | "alert" | "emerg" | "emergency" => "FATAL",
        _ => return None,
    };
    Some(level)
}

fn level_rank(level: &str) -> u8 {
    match level {
        "TRACE" => 0,
        "DEBUG" => 1,
        "INFO" => 2,
        "WARN" => 3,
        "ERROR" => 4,
        _ => 5,
    }
}

fn level_from_status(status: Option<i32>) -> &'static str {
    match status {
        Some(s) if s >= 500 => "ERROR",
        Some(s) if s >= 400 => "WARN",
        _ => "INFO",
    }
}

/// A value as column text: strings as they are, anything else as compact JSON.
fn value_text(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    }
}

/// A value for an error message, cut to a readable length.
fn short_json(value: &Value) -> String {
    let mut text = value.to_string();
    if text.len() > 60 {
        let mut cut = 57;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push_str("...");
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parser(toml_text: &str) -> LineParser {
        let config =
            crate::config::Config::parse(toml_text, std::path::Path::new("t.toml")).unwrap();
        let config = super::super::IngestConfig::load(&config).unwrap();
        let (settings, service) = config.settings_for("file:///x.log");
        LineParser::new(&settings, service, &config.component_rules).unwrap()
    }

    #[test]
    fn json_maps_columns_and_keeps_the_rest() {
        let p = parser("");
        let e = p
            .parse(br#"{"ts":"2025-11-20T10:00:00.5Z","level":"warning","service":"web","component":"canvas","operation":"resizeCanvas","status":503,"duration_ms":12.5,"msg":"slow","user":"u1","nested":{"a":1}}"#)
            .unwrap();
        assert_eq!(e.ts_micros, 1_763_632_800_500_000);
        assert_eq!(e.level, "WARN");
        assert_eq!(e.status_code, Some(503));
        assert_eq!(e.outcome, "error");
        assert_eq!(e.duration_ms, Some(12.5));
        assert_eq!(e.message, "slow");
        assert_eq!(e.attributes, r#"{"user":"u1","nested":{"a":1}}"#);
    }

    #[test]
    fn reasons_are_specific() {
        let p = parser("");
        let why = |line: &[u8]| p.parse(line).unwrap_err();
        assert!(
            why(br#"{"ts": "2025-11-20T10:00:00Z", "status": "abc"}"#).contains("field `status`")
        );
        assert!(why(br#"{"ts": "yesterday"}"#).contains("unparseable timestamp"));
        assert!(why(br#"{"msg": "no time"}"#).contains("missing timestamp"));
        assert!(why(b"{\"ts\": 1, \"msg\": \"a\xffb\"}").contains("invalid UTF-8 at byte 20"));
        assert!(why(b"{\"a\":\0}").contains("NUL byte at byte 6"));
        assert!(why(br#"{"ts": "2025-11-20T10:00:00Z", "msg": "#).contains("invalid JSON"));
        assert!(why(b"just some words").contains("unrecognised format"));
    }

    #[test]
    fn duplicate_keys_keep_every_value() {
        let p = parser("");
        let e = p
            .parse(br#"{"ts":"2025-11-20T10:00:00Z","level":"INFO","level":"ERROR","x":1,"x":2}"#)
            .unwrap();
        assert_eq!(e.level, "ERROR");
        assert_eq!(
            e.attributes,
            r#"{"x":2,"_duplicate_keys":{"level":["INFO"],"x":[1]}}"#
        );
    }

    #[test]
    fn logfmt_and_epoch() {
        let p = parser("");
        let e = p
            .parse(br#"time=1763632800123 level=error op=createCanvas msg="boom \"x\"" took=1.5s"#)
            .unwrap();
        assert_eq!(e.ts_micros, 1_763_632_800_123_000);
        assert_eq!(e.operation, "createCanvas");
        assert_eq!(e.message, "boom \"x\"");
        assert_eq!(e.duration_ms, Some(1500.0));
        assert_eq!(e.outcome, "error");
    }

    #[test]
    fn combined_access_log() {
        let p = parser("");
        let e = p
            .parse(br#"10.0.0.1 - - [20/Nov/2025:10:00:00 +0100] "GET /api/x?y=1 HTTP/1.1" 502 12 "-" "curl/8" 0.250"#)
            .unwrap();
        assert_eq!(e.ts_micros, 1_763_629_200_000_000);
        assert_eq!(e.operation, "GET /api/x");
        assert_eq!(e.status_code, Some(502));
        assert_eq!(e.duration_ms, Some(250.0));
        assert_eq!(e.level, "ERROR");
    }

    #[test]
    fn regex_with_split_timestamp_and_rules() {
        let p = parser(concat!(
            "[ingest]\nformat = 'regex:^(?P<date>\\d{6}) (?P<time>\\d{6}) (?P<pid>\\d+) (?P<level>\\w+) (?P<op>[^:]+): (?P<message>.*)$'\n",
            "timestamp_field = ['date', 'time']\ntimestamp_format = '%y%m%d %H%M%S'\n",
            "[[component_rule]]\npattern = '^dfs\\.DataNode'\ncomponent = 'datanode'\n"
        ));
        let e = p
            .parse(b"081109 203615 148 INFO dfs.DataNode$PacketResponder: PacketResponder 1 terminating")
            .unwrap();
        assert_eq!(e.component, "datanode");
        assert_eq!(e.operation, "dfs.DataNode$PacketResponder");
        assert_eq!(e.attributes, r#"{"pid":"148"}"#);
        assert_eq!(e.ts_micros, 1_226_262_975_000_000);
    }

    #[test]
    fn timezone_applies_to_naive_times_only() {
        let p = parser("[ingest]\ntimezone = '+02:00'\n");
        let naive = p.parse(br#"{"ts":"2025-11-20 12:00:00"}"#).unwrap();
        let zoned = p.parse(br#"{"ts":"2025-11-20T12:00:00Z"}"#).unwrap();
        assert_eq!(zoned.ts_micros - naive.ts_micros, 7_200_000_000);
    }
}
