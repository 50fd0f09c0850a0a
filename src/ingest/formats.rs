//! Splitting a line into ordered `(field, value)` pairs, one function per format. The
//! mapping onto `events` columns (in `parse`) is the same for every format.

use std::fmt::Write as _;
use std::sync::LazyLock;

use regex::Regex;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::syslog::parse_syslog;
use super::text::TextParser;

/// How the lines of a source are split into fields.
#[derive(Debug, Clone)]
pub enum LineFormat {
    /// Chosen per source from its first lines (see `detect`).
    Auto,
    /// Decided per line, for sources whose lines mix formats.
    Mixed,
    Json,
    Logfmt,
    /// Apache/nginx combined log format (optionally followed by a request time in seconds).
    Combined,
    /// Plain-text application logs (`text` module).
    Text,
    /// RFC 5424 and RFC 3164 syslog.
    Syslog,
    /// Kubernetes CRI container logs.
    Cri,
    /// Docker's json-file logs.
    Docker,
    /// journald's JSON export.
    Journald,
    /// A regex with named capture groups; each group becomes a field.
    Regex(Regex),
}

/// The formats detection chooses among, most specific first (ties go to the earlier).
pub const DETECTED_FORMATS: [LineFormat; 8] = [
    LineFormat::Docker,
    LineFormat::Journald,
    LineFormat::Json,
    LineFormat::Cri,
    LineFormat::Combined,
    LineFormat::Syslog,
    LineFormat::Logfmt,
    LineFormat::Text,
];

#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    #[error("unknown format {0:?} (expected auto, mixed, json, logfmt, combined, text, syslog, cri, docker, journald or regex:<pattern>)")]
    Unknown(String),
    #[error("invalid regex: {0}")]
    Regex(#[from] regex::Error),
    #[error("the regex has no named capture groups: name them with (?P<field>...)")]
    NoNamedGroups,
}

impl LineFormat {
    pub fn parse(text: &str) -> Result<LineFormat, FormatError> {
        if let Some(pattern) = text.strip_prefix("regex:") {
            let regex = Regex::new(pattern)?;
            if regex.capture_names().flatten().next().is_none() {
                return Err(FormatError::NoNamedGroups);
            }
            return Ok(LineFormat::Regex(regex));
        }
        match text.to_ascii_lowercase().as_str() {
            "auto" | "" => Ok(LineFormat::Auto),
            "json" | "jsonl" | "ndjson" => Ok(LineFormat::Json),
            "logfmt" => Ok(LineFormat::Logfmt),
            "combined" | "apache" | "nginx" | "clf" => Ok(LineFormat::Combined),
            "text" | "plain" => Ok(LineFormat::Text),
            "syslog" => Ok(LineFormat::Syslog),
            "cri" | "containerd" | "kubernetes" => Ok(LineFormat::Cri),
            "docker" => Ok(LineFormat::Docker),
            "journald" | "journal" => Ok(LineFormat::Journald),
            "mixed" => Ok(LineFormat::Mixed),
            other => Err(FormatError::Unknown(other.to_string())),
        }
    }

    /// The name the ingest report and `ingest_log.format` use (`mixed`: decided per line).
    pub fn name(&self) -> &'static str {
        match self {
            LineFormat::Auto => "auto",
            LineFormat::Mixed => "mixed",
            LineFormat::Json => "json",
            LineFormat::Logfmt => "logfmt",
            LineFormat::Combined => "combined",
            LineFormat::Text => "text",
            LineFormat::Syslog => "syslog",
            LineFormat::Cri => "cri",
            LineFormat::Docker => "docker",
            LineFormat::Journald => "journald",
            LineFormat::Regex(_) => "regex",
        }
    }
}

/// Per line ("mixed" sources): JSON, a combined access-log line, logfmt, syslog with a PRI,
/// else a plain-text line.
pub(crate) fn auto_fields(text: &str, plain: &TextParser) -> Result<Vec<(String, Value)>, String> {
    let trimmed = text.trim_start();
    if trimmed.starts_with(['{', '[']) {
        return parse_json(text);
    }
    if let Some(fields) = parse_combined(text) {
        return Ok(fields);
    }
    if LOGFMT_START.is_match(trimmed) {
        return parse_logfmt(text);
    }
    if trimmed.starts_with('<') {
        if let Ok(fields) = parse_syslog(text, plain) {
            return Ok(fields);
        }
    }
    plain.parse(text).map_err(|why| {
        format!(
            "unrecognised format: not a JSON object, a combined access-log line, key=value \
             pairs, syslog or a text line with a timestamp ({why})"
        )
    })
}

pub(crate) static LOGFMT_START: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"^[A-Za-z_@][\w.@-]*=("|\S)"#).unwrap());

/// Parses a JSON object keeping every key in order, duplicates included.
pub(crate) fn parse_json(text: &str) -> Result<Vec<(String, Value)>, String> {
    struct Fields(Vec<(String, Value)>);
    struct FieldsVisitor;
    impl<'de> Visitor<'de> for FieldsVisitor {
        type Value = Fields;
        fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
            f.write_str("a JSON object")
        }
        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Fields, A::Error> {
            let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(12));
            while let Some((key, value)) = map.next_entry::<String, Value>()? {
                fields.push((key, value));
            }
            Ok(Fields(fields))
        }
    }
    impl<'de> serde::Deserialize<'de> for Fields {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Fields, D::Error> {
            d.deserialize_map(FieldsVisitor)
        }
    }
    serde_json::from_str::<Fields>(text)
        .map(|f| f.0)
        .map_err(|e| {
            let mut msg = String::new();
            let _ = write!(msg, "invalid JSON at column {}: ", e.column());
            // serde_json appends " at line L column C"; the column is already given.
            let detail = e.to_string();
            let detail = detail.split(" at line ").next().unwrap_or(&detail);
            msg.push_str(detail);
            msg
        })
}

/// logfmt: `key=value key="quoted \"value\"" flag`. A bare word is a flag set to true.
pub(crate) fn parse_logfmt(text: &str) -> Result<Vec<(String, Value)>, String> {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        while i < bytes.len() && bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        if i >= bytes.len() {
            break;
        }
        let key_start = i;
        while i < bytes.len() && bytes[i] != b'=' && !bytes[i].is_ascii_whitespace() {
            if bytes[i] == b'"' {
                return Err(format!("logfmt: unexpected quote at byte {}", i + 1));
            }
            i += 1;
        }
        let key = &text[key_start..i];
        if i >= bytes.len() || bytes[i] != b'=' {
            fields.push((key.to_string(), Value::Bool(true)));
            continue;
        }
        i += 1; // '='
        let value = if i < bytes.len() && bytes[i] == b'"' {
            i += 1;
            let mut value = String::new();
            let mut closed = false;
            while i < bytes.len() {
                match bytes[i] {
                    b'\\' if i + 1 < bytes.len() => {
                        let escaped = bytes[i + 1];
                        value.push(match escaped {
                            b'n' => '\n',
                            b't' => '\t',
                            b'r' => '\r',
                            other => other as char,
                        });
                        i += 2;
                    }
                    b'"' => {
                        closed = true;
                        i += 1;
                        break;
                    }
                    _ => {
                        let ch_len = utf8_len(bytes[i]);
                        value.push_str(&text[i..i + ch_len]);
                        i += ch_len;
                    }
                }
            }
            if !closed {
                return Err(format!("logfmt: unterminated quoted value for key `{key}`"));
            }
            value
        } else {
            let start = i;
            while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
                i += 1;
            }
            text[start..i].to_string()
        };
        fields.push((key.to_string(), Value::String(value)));
    }
    if !fields.iter().any(|(_, v)| v.is_string()) {
        return Err("logfmt: no key=value pairs on the line".to_string());
    }
    Ok(fields)
}

fn utf8_len(first: u8) -> usize {
    match first {
        0x00..=0x7F => 1,
        0xC0..=0xDF => 2,
        0xE0..=0xEF => 3,
        _ => 4,
    }
}

static COMBINED: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(concat!(
        r#"^(?P<remote_addr>\S+) (?P<ident>\S+) (?P<user>\S+) \[(?P<time_local>[^\]]+)\] "#,
        r#""(?P<request>[^"]*)" (?P<status>\d{3}) (?P<bytes>\d+|-)"#,
        r#"(?: "(?P<referer>[^"]*)" "(?P<user_agent>[^"]*)")?(?: (?P<request_time>[\d.]+))?\s*$"#
    ))
    .unwrap()
});

/// Combined log format; the request line also yields `operation` ("GET /path" without the query).
pub(crate) fn parse_combined(text: &str) -> Option<Vec<(String, Value)>> {
    let caps = COMBINED.captures(text)?;
    let mut fields = Vec::with_capacity(12);
    for name in COMBINED.capture_names().flatten() {
        if let Some(m) = caps.name(name) {
            let key = if name == "time_local" {
                "timestamp"
            } else {
                name
            };
            fields.push((key.to_string(), Value::String(m.as_str().to_string())));
        }
    }
    let request = caps.name("request").map(|m| m.as_str()).unwrap_or("");
    let mut parts = request.split(' ');
    if let (Some(method), Some(target)) = (parts.next(), parts.next()) {
        let path = target.split('?').next().unwrap_or(target);
        fields.push((
            "operation".into(),
            Value::String(format!("{method} {path}")),
        ));
    }
    fields.push(("message".into(), Value::String(request.to_string())));
    fields.retain(|(k, _)| k != "request");
    Some(fields)
}

pub(crate) fn parse_regex(regex: &Regex, text: &str) -> Result<Vec<(String, Value)>, String> {
    let caps = regex
        .captures(text)
        .ok_or_else(|| "line does not match the source's regex pattern".to_string())?;
    Ok(regex
        .capture_names()
        .flatten()
        .filter_map(|name| {
            caps.name(name)
                .map(|m| (name.to_string(), Value::String(m.as_str().to_string())))
        })
        .collect())
}
