//! Splitting a line into ordered `(field, value)` pairs, one function per format. The
//! mapping onto `events` columns (in `parse`) is the same for every format.

use std::sync::LazyLock;

use regex::Regex;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde_json::Value;

use super::syslog::parse_syslog;
use super::text::TextParser;
use super::values::parse_duration_text;
pub(crate) use proxies::haproxy_tcp;
pub(crate) use proxies::is_status;
use proxies::{is_count, proxy_fields};

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
    /// journald's JSON export (`journalctl -o json`).
    Journald,
    /// journald's export format (`journalctl -o export`): `KEY=value` lines, an empty line
    /// after each entry (see `journald`).
    JournalExport,
    /// OpenTelemetry OTLP JSON log documents, one per line.
    Otlp,
    /// The W3C extended log format (IIS, CloudFront): `#Fields:` names the columns.
    W3c,
    /// CSV with a header line naming the columns (exports, spreadsheets).
    Csv,
    /// Windows event log records as XML (`wevtutil /f:xml`, `Get-WinEvent`'s `ToXml()`).
    WindowsEvent,
    /// One event per line, indented lines continuing it, for sources with neither times nor
    /// levels (a program's redirected stdout): always untimed, each event stamped with the
    /// source's modification time.
    Lines,
    /// A regex with named capture groups; each group becomes a field.
    Regex(Regex),
}

/// The formats detection chooses among, most specific first (ties go to the earlier).
pub const DETECTED_FORMATS: [LineFormat; 9] = [
    LineFormat::Otlp,
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
    #[error("unknown format {0:?} (expected auto, mixed, json, logfmt, combined, text, syslog, cri, docker, journald, journal-export, otlp, w3c, csv, windows-event, lines or regex:<pattern>)")]
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
            "journal-export" | "export" => Ok(LineFormat::JournalExport),
            "otlp" | "opentelemetry" | "otel" => Ok(LineFormat::Otlp),
            "w3c" | "iis" | "cloudfront" => Ok(LineFormat::W3c),
            "csv" => Ok(LineFormat::Csv),
            "windows-event" | "windows" | "winevent" | "wevtutil" => Ok(LineFormat::WindowsEvent),
            "mixed" => Ok(LineFormat::Mixed),
            "lines" => Ok(LineFormat::Lines),
            other => Err(FormatError::Unknown(other.to_string())),
        }
    }

    /// A format as `ingest_log.format` records it (`LineParser::format_label`): its name, and
    /// whether the source was read untimed (`text untimed`).
    pub fn parse_recorded(label: &str) -> Result<(LineFormat, bool), FormatError> {
        match label.strip_suffix(" untimed") {
            Some(name) => Ok((LineFormat::parse(name)?, true)),
            None => Ok((LineFormat::parse(label)?, false)),
        }
    }

    /// The name the ingest report and `ingest_log.format` use (`mixed`: decided per line).
    pub fn name(&self) -> &'static str {
        match self {
            LineFormat::Auto => "auto",
            LineFormat::Mixed => "mixed",
            LineFormat::Lines => "lines",
            LineFormat::Json => "json",
            LineFormat::Logfmt => "logfmt",
            LineFormat::Combined => "combined",
            LineFormat::Text => "text",
            LineFormat::Syslog => "syslog",
            LineFormat::Cri => "cri",
            LineFormat::Docker => "docker",
            LineFormat::Journald => "journald",
            LineFormat::JournalExport => "journal-export",
            LineFormat::Otlp => "otlp",
            LineFormat::W3c => "w3c",
            LineFormat::Csv => "csv",
            LineFormat::WindowsEvent => "windows-event",
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
    serde_json::from_str::<JsonRecord>(text)
        .map_err(|e| json_error(&e))?
        .into_object()
}

/// A reject reason for a JSON error: its column, and serde's message without the
/// " at line L column C" it appends.
pub(crate) fn json_error(e: &serde_json::Error) -> String {
    let detail = e.to_string();
    let detail = detail.split(" at line ").next().unwrap_or(&detail);
    match e.line() {
        // A document over several lines (see `multiline::json`).
        line if line > 1 => format!(
            "invalid JSON at line {line} of the event, column {}: {detail}",
            e.column()
        ),
        _ => format!("invalid JSON at column {}: {detail}", e.column()),
    }
}

/// One JSON value: an object keeps its keys in order, duplicates included; anything else
/// is named (a line may hold several values, see `records`).
pub(crate) enum JsonRecord {
    Object(Vec<(String, Value)>),
    Other(&'static str),
}

impl JsonRecord {
    pub(crate) fn into_object(self) -> Result<Vec<(String, Value)>, String> {
        match self {
            JsonRecord::Object(fields) => Ok(fields),
            JsonRecord::Other(kind) => Err(format!("a JSON {kind}, not an object")),
        }
    }
}

impl<'de> serde::Deserialize<'de> for JsonRecord {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<JsonRecord, D::Error> {
        struct RecordVisitor;
        impl<'de> Visitor<'de> for RecordVisitor {
            type Value = JsonRecord;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON value")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<JsonRecord, A::Error> {
                let mut fields = super::records::field_list(map.size_hint().unwrap_or(12));
                while let Some((key, value)) = map.next_entry::<String, Value>()? {
                    fields.push((key, value));
                }
                Ok(JsonRecord::Object(fields))
            }
            fn visit_seq<A: serde::de::SeqAccess<'de>>(
                self,
                mut seq: A,
            ) -> Result<JsonRecord, A::Error> {
                while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
                Ok(JsonRecord::Other("array"))
            }
            fn visit_str<E>(self, _: &str) -> Result<JsonRecord, E> {
                Ok(JsonRecord::Other("string"))
            }
            fn visit_i64<E>(self, _: i64) -> Result<JsonRecord, E> {
                Ok(JsonRecord::Other("number"))
            }
            fn visit_u64<E>(self, _: u64) -> Result<JsonRecord, E> {
                Ok(JsonRecord::Other("number"))
            }
            fn visit_f64<E>(self, _: f64) -> Result<JsonRecord, E> {
                Ok(JsonRecord::Other("number"))
            }
            fn visit_bool<E>(self, _: bool) -> Result<JsonRecord, E> {
                Ok(JsonRecord::Other("boolean"))
            }
            fn visit_unit<E>(self) -> Result<JsonRecord, E> {
                Ok(JsonRecord::Other("null"))
            }
        }
        d.deserialize_any(RecordVisitor)
    }
}

/// logfmt: `key=value key="quoted \"value\"" flag`. A bare word is a flag set to true.
/// A logfmt quoted value starting after its opening quote (`\"`, `\n`, `\t`, `\r` escapes):
/// its text and the byte after its closing quote; `None` when it is never closed.
pub(crate) fn quoted_value(text: &str, start: usize) -> Option<(String, usize)> {
    let bytes = text.as_bytes();
    let mut value = String::new();
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if i + 1 < bytes.len() => {
                value.push(match bytes[i + 1] {
                    b'n' => '\n',
                    b't' => '\t',
                    b'r' => '\r',
                    other => other as char,
                });
                i += 2;
            }
            b'"' => return Some((value, i + 1)),
            _ => {
                let ch_len = utf8_len(bytes[i]);
                value.push_str(&text[i..i + ch_len]);
                i += ch_len;
            }
        }
    }
    None
}

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
            let Some((value, end)) = quoted_value(text, i + 1) else {
                return Err(format!("logfmt: unterminated quoted value for key `{key}`"));
            };
            i = end;
            value
        } else if let Some(len) = single_quoted_len(&bytes[i..]) {
            // `msg='op=PAM:authentication acct="alice" res=failed'` (Linux audit).
            let value = text[i + 1..i + len - 1].to_string();
            i += len;
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
    super::audit::linux_audit(text, &mut fields);
    Ok(fields)
}

/// The length of a `'single-quoted'` value at the start of `bytes`, quotes included, when its
/// closing quote ends a token.
fn single_quoted_len(bytes: &[u8]) -> Option<usize> {
    if bytes.first() != Some(&b'\'') {
        return None;
    }
    let close = (1..bytes.len())
        .find(|&j| bytes[j] == b'\'' && bytes.get(j + 1).is_none_or(|b| b.is_ascii_whitespace()))?;
    Some(close + 1)
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
        r#""(?P<request>[^"]*)" (?P<status>\d{3}|-) (?P<bytes>\d+|-)"#,
        r#"(?: (?:"(?P<referer>[^"]*)"|-) "(?P<user_agent>[^"]*)")?(?P<rest>.*)$"#
    ))
    .unwrap()
});

/// The same behind what some layouts put first: Apache's `vhost_combined` (`%v:%p`, Debian's
/// `other_vhosts_access.log`), nginx's `$host`, and a client list (`10.0.0.2, 10.0.0.1, 127.0.0.1`
/// or quoted, from `X-Forwarded-For`). Tried only when [`COMBINED`] does not match.
static COMBINED_AFTER_PREFIX: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(&format!(r"^(?P<prefix>.+?) {}", &COMBINED.as_str()[1..])).unwrap()
});

/// Combined log format, and what servers append to it (`$request_time`,
/// `$upstream_response_time`, `rt=0.014 uct="0.000"`, a host): the request line also yields
/// `operation` as a route template (`GET /api/products/{id}`), the path itself is kept.
pub(crate) fn parse_combined(text: &str) -> Option<Vec<(String, Value)>> {
    let (regex, caps) = match COMBINED.captures(text) {
        Some(caps) => (&*COMBINED, caps),
        // `] "`, the time's close before the request, or no access-log line at all: most
        // lines a mixed source tries here are turned away without the slower regex.
        None if memchr::memmem::find(text.as_bytes(), b"] \"").is_some() => (
            &*COMBINED_AFTER_PREFIX,
            COMBINED_AFTER_PREFIX.captures(text)?,
        ),
        None => return None,
    };
    let mut fields = Vec::with_capacity(14);
    if let Some(prefix) = caps.name("prefix").map(|m| m.as_str()) {
        prefix_fields(prefix, &mut fields);
    }
    for name in regex.capture_names().flatten() {
        if matches!(name, "request" | "rest" | "prefix") {
            continue;
        }
        // Traefik writes `-` for the status of a request the client gave up on, and an
        // unquoted `-` for an empty referer.
        if let Some(m) = caps
            .name(name)
            .filter(|m| m.as_str() != "-" || name != "status")
        {
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
        // A caching proxy's (Varnish, Squid) absolute target: its path.
        let path = url_path(target);
        fields.push((
            "operation".into(),
            Value::String(format!("{method} {}", route_template(path))),
        ));
        fields.push(("path".into(), Value::String(path.to_string())));
    }
    fields.push(("message".into(), Value::String(request.to_string())));
    access_log_tail(caps.name("rest").map_or("", |m| m.as_str()), &mut fields);
    Some(fields)
}

/// What precedes the client address: a virtual host (`example.com:80`) and/or the clients
/// before it (`10.0.0.2, 10.0.0.1,`).
fn prefix_fields(prefix: &str, fields: &mut Vec<(String, Value)>) {
    let (first, rest) = prefix.split_once(' ').unwrap_or((prefix, ""));
    let is_vhost = !first.starts_with('"') && !first.ends_with(',');
    let clients = if is_vhost {
        fields.push(("vhost".into(), Value::String(first.to_string())));
        rest
    } else {
        prefix
    };
    let clients = clients.trim().trim_matches('"').trim_end_matches(',');
    if !clients.is_empty() {
        fields.push(("forwarded_for".into(), Value::String(clients.to_string())));
    }
}

/// Kubernetes' ingress-nginx default `log-format-upstream` after the combined fields:
/// `$request_length $request_time [$proxy_upstream_name] [$proxy_alternative_upstream_name]
/// $upstream_addr $upstream_response_length $upstream_response_time $upstream_status $req_id`,
/// where each upstream value lists every upstream tried (`10.0.0.1:80, 10.0.0.2:80`).
static INGRESS_NGINX_TAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?P<request_length>\d+) (?P<request_time>[\d.]+|-) \[(?P<proxy_upstream_name>[^\]]*)\] \[(?P<proxy_alternative_upstream_name>[^\]]*)\] (?P<upstreams>.*) (?P<req_id>[0-9a-f]{16,})$").unwrap()
});

fn ingress_nginx_tail(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(caps) = INGRESS_NGINX_TAIL.captures(rest) else {
        return false;
    };
    // Values of several upstreams are joined by `, `: a token ending in a comma continues.
    let mut upstream_values: Vec<String> = Vec::new();
    for token in caps["upstreams"].split(' ') {
        match upstream_values.last_mut() {
            Some(last) if last.ends_with(',') => {
                last.push(' ');
                last.push_str(token);
            }
            _ => upstream_values.push(token.to_string()),
        }
    }
    let names = [
        "upstream_addr",
        "upstream_response_length",
        "upstream_response_time",
        "upstream_status",
    ];
    if upstream_values.len() != names.len() {
        return false;
    }
    let request_time = caps["request_time"].parse::<f64>().ok();
    fields.push((
        "request_length".into(),
        Value::from(caps["request_length"].parse::<u64>().unwrap_or(0)),
    ));
    fields.push((
        "request_time".into(),
        request_time
            .and_then(serde_json::Number::from_f64)
            .map_or(Value::Null, Value::Number),
    ));
    for name in [
        "proxy_upstream_name",
        "proxy_alternative_upstream_name",
        "req_id",
    ] {
        if !caps[name].is_empty() {
            fields.push((name.into(), Value::String(caps[name].to_string())));
        }
    }
    for (name, value) in names.into_iter().zip(upstream_values) {
        if value != "-" {
            fields.push((name.into(), Value::String(value)));
        }
    }
    true
}

/// The fields servers append after the combined format: `key=value` pairs (quoted or not),
/// bare numbers (request time, then upstream response time, in seconds; a first number
/// without a fraction is Apache's `%D`, microseconds) and words (a host);
/// ingress-nginx's layout (see [`INGRESS_NGINX_TAIL`]) by name.
fn access_log_tail(rest: &str, fields: &mut Vec<(String, Value)>) {
    if ingress_nginx_tail(rest.trim(), fields) {
        return;
    }
    let mut numbers = 0;
    let mut rest = rest.trim();
    // Traefik: `<requests> "<router>" "<backend URL>" <duration>ms`: the time carries its
    // unit, and the bare number counts the router's requests.
    let duration_with_unit = |token: &str| {
        let with_unit = token.ends_with(|c: char| c.is_ascii_alphabetic());
        with_unit.then(|| parse_duration_text(token, 1.0)).flatten()
    };
    let traefik = rest
        .rsplit(' ')
        .next()
        .and_then(duration_with_unit)
        .is_some();
    while !rest.is_empty() {
        // A quote left open (a value cut by the server's own buffer, Tomcat's
        // `X-Forwarded-For="`) runs to the end of the line rather than losing the request.
        let (token, after) = if let Some(quoted) = rest.strip_prefix('"') {
            match quoted.find('"') {
                Some(end) => (&rest[..end + 2], &quoted[end + 1..]),
                None => (rest, ""),
            }
        } else if let Some(eq) = rest.find('=').filter(|&eq| !rest[..eq].contains(' ')) {
            let value = &rest[eq + 1..];
            let len = match value.strip_prefix('"') {
                Some(quoted) => quoted.find('"').map_or(value.len(), |end| end + 2),
                None => value.find(' ').unwrap_or(value.len()),
            };
            (&rest[..eq + 1 + len], &value[len..])
        } else {
            let end = rest.find(' ').unwrap_or(rest.len());
            (&rest[..end], &rest[end..])
        };
        rest = after.trim_start();
        let (key, value) = match token.split_once('=') {
            Some((key, value)) if !token.starts_with('"') => (Some(key), value.trim_matches('"')),
            _ => (None, token.trim_matches('"')),
        };
        if let Some(ms) = key.is_none().then(|| duration_with_unit(value)).flatten() {
            fields.push(("duration_ms".to_string(), Value::from(ms)));
            continue;
        }
        let number = value.parse::<f64>().ok();
        let key = match key {
            None if traefik && number.is_some() => "request_count".to_string(),
            Some("rt" | "request_time") => "request_time".to_string(),
            Some("urt" | "upstream_response_time") => "upstream_response_time".to_string(),
            Some("uct" | "upstream_connect_time") => "upstream_connect_time".to_string(),
            Some("uht" | "upstream_header_time") => "upstream_header_time".to_string(),
            Some(key) => key.to_string(),
            None if number.is_some() || value == "-" => {
                numbers += 1;
                match numbers {
                    // Apache's `%D`: whole microseconds (nginx's `$request_time` always has
                    // its three decimals).
                    1 if is_count(value) => "duration_us".to_string(),
                    1 => "request_time".to_string(),
                    2 => "upstream_response_time".to_string(),
                    n => format!("extra_{n}"),
                }
            }
            None if !fields.iter().any(|(k, _)| k == "host") => "host".to_string(),
            None => format!("extra_{}", fields.len()),
        };
        let value = match number {
            _ if value == "-" => Value::Null,
            Some(n) => serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number),
            None => Value::String(value.to_string()),
        };
        fields.push((key, value));
    }
}

static HTTP_REQUEST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""(GET|POST|PUT|DELETE|PATCH|HEAD|OPTIONS|CONNECT|TRACE) (\S+) HTTP/\d(?:\.\d)?""#)
        .expect("valid request pattern")
});
static STATUS_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\bstatus(?:_code)?[:=] ?(\d{3})\b").expect("valid status pattern")
});
static TIME_IN_TEXT: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:time|duration|took|elapsed)[:=] ?(\d+(?:\.\d+)?)(ms|us|s)?\b")
        .expect("valid time pattern")
});

/// A text message that logs an HTTP request (`"GET /v2/x HTTP/1.1" status: 200 ... time:
/// 0.247`, as OpenStack, gunicorn and many frameworks write): its route as `operation`, its
/// status and its time (seconds unless a unit says otherwise) as fields. The proxies' own
/// access-log layouts around the request are read too (see [`proxy_fields`]).
pub(crate) fn request_in_message(message: &str, fields: &mut Vec<(String, Value)>) {
    // Most messages hold no quoted request: skip the regex (and its capture slots).
    if memchr::memchr(b'"', message.as_bytes()).is_none() {
        return;
    }
    let Some(request) = HTTP_REQUEST.captures(message) else {
        if !unusual_request(message, fields) {
            super::text::dns_query(message, fields);
        }
        return;
    };
    let path = url_path(&request[2]);
    fields.push((
        "operation".into(),
        Value::String(format!("{} {}", &request[1], route_template(path))),
    ));
    fields.push(("path".into(), Value::String(path.to_string())));
    let whole = request.get(0).expect("the whole match");
    let (before, after) = (&message[..whole.start()], &message[whole.end()..]);
    if proxy_fields(before, after, fields) {
        return;
    }
    // `status: 200`, else a status directly after the request (`"GET / HTTP/1.1" 200 512`).
    let direct = after.split_whitespace().next().filter(|t| is_status(t));
    if let Some(status) = STATUS_IN_TEXT.captures(after) {
        fields.push(("status".into(), Value::String(status[1].to_string())));
    } else if let Some(status) = direct {
        fields.push(("status".into(), Value::String(status.to_string())));
    }
    if let Some(time) = TIME_IN_TEXT.captures(after) {
        let unit = time.get(2).map_or("s", |u| u.as_str());
        fields.push((
            "duration".into(),
            Value::String(format!("{}{unit}", &time[1])),
        ));
    }
}

/// A proxy's access-log line whose request is not a well-formed `"METHOD target HTTP/x"`
/// (a scanner's `"GET /a b HTTP/1.1"` with a space in the target, `"-"`, an ALB's
/// `"- http://lb:80-/ "`): the status and time the proxy wrote around it still count, or its
/// 4xx and 5xx answers would drop out of the error rate. Only the first quoted text is taken
/// as the request, and only when [`proxy_fields`] recognises the layout around it; whether it
/// was.
fn unusual_request(message: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((before, rest)) = message.split_once('"') else {
        return false;
    };
    let Some((request, after)) = rest.split_once('"') else {
        return false;
    };
    let mut proxy = Vec::new();
    if !proxy_fields(before, after, &mut proxy) {
        return false;
    }
    let words: Vec<&str> = request.split_whitespace().collect();
    if let [method, target, ..] = words[..] {
        if is_http_method(method) && (target.starts_with('/') || target.contains("://")) {
            let path = url_path(target);
            let operation = format!("{method} {}", route_template(path));
            fields.push(("operation".into(), Value::String(operation)));
            fields.push(("path".into(), Value::String(path.to_string())));
        }
    }
    fields.append(&mut proxy);
    true
}

/// An HTTP method as request logs write it: `GET`, `POST`, `PROPFIND` (upper case, 3 to 7
/// letters).
pub(crate) fn is_http_method(word: &str) -> bool {
    (3..=7).contains(&word.len()) && word.bytes().all(|b| b.is_ascii_uppercase())
}

/// The path of a request target: no query, and for an absolute URL (load balancers log
/// them) no scheme and host.
pub(crate) fn url_path(target: &str) -> &str {
    let target = target.split(['?', '#']).next().unwrap_or("");
    match target.split_once("://") {
        Some((_, rest)) => rest.find('/').map_or("/", |i| &rest[i..]),
        None => target,
    }
}

/// A URL path as a route: segments that are ids (numbers, UUIDs, long hex, long tokens with
/// digits) become `{id}`, so one endpoint is one operation (`/api/products/1274` ->
/// `/api/products/{id}`).
pub(crate) fn route_template(path: &str) -> String {
    path.split('/')
        .map(|segment| {
            if is_id_segment(segment) {
                "{id}"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

fn is_id_segment(segment: &str) -> bool {
    let digits = segment.bytes().filter(u8::is_ascii_digit).count();
    if segment.is_empty() || digits == 0 {
        return false;
    }
    let all_digits = digits == segment.len();
    let hex_like =
        segment.len() >= 16 && segment.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    // `v2`, `v1.1`, `oauth2`: short version-like segments stay.
    all_digits || hex_like || segment.len() >= 8
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

mod proxies;
#[cfg(test)]
mod tests;
