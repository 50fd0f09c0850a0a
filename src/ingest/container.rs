//! Logs wrapped by a container runtime or a log agent: the Kubernetes CRI format, Docker's
//! json-file format and journald's JSON export. The wrapper gives a time and a stream; the
//! payload is the application's own line, parsed again (JSON, logfmt or text), so the app's
//! level, message and fields win over the wrapper's.

use serde_json::Value;

use super::formats::{parse_json, parse_logfmt, LOGFMT_START};
use super::names::{candidacies, feeds, Column, TS_NAMES};
use super::text::TextParser;

/// The application's own fields from a payload.
pub(crate) fn payload_fields(payload: &str, text: &TextParser) -> Vec<(String, Value)> {
    let trimmed = payload.trim_start();
    if trimmed.starts_with('{') {
        if let Ok(fields) = parse_json(trimmed) {
            return fields;
        }
    }
    if LOGFMT_START.is_match(trimmed) {
        if let Ok(fields) = parse_logfmt(trimmed) {
            if fields
                .iter()
                .any(|(k, _)| TS_NAMES.contains(&k.as_str()) || k == "msg" || k == "level")
            {
                return fields;
            }
        }
    }
    // A container runtime's line read raw by a shipper (Fluent Bit's `tail` without its `cri`
    // parser, Vector's or Filebeat's file input on /var/log/containers).
    if is_cri_shaped(trimmed) {
        if let Ok(fields) = parse_cri(trimmed, text) {
            return fields;
        }
    }
    // A syslog line forwarded whole (Cribl's and Splunk's `_raw`, a relay's `message`).
    let month_day = trimmed
        .get(..4)
        .is_some_and(|head| head.ends_with(' ') && super::timestamps::month(&head[..3]).is_some());
    if trimmed.starts_with('<') || month_day {
        if let Ok(fields) = super::syslog::parse_syslog(trimmed, text) {
            return fields;
        }
    }
    text.parse_payload(payload)
}

/// `2026-11-30T14:01:02.1Z stderr F ...`: an RFC 3339 time, then the stream.
fn is_cri_shaped(line: &str) -> bool {
    let Some(space) = line.find(' ') else {
        return false;
    };
    let stream = &line[space + 1..];
    space >= 20
        && line.as_bytes()[4] == b'-'
        && (stream.starts_with("stdout ") || stream.starts_with("stderr "))
}

/// The wrapper's fields followed by the payload's: the wrapper's time is `ts` unless the
/// payload has a time of its own (it is then kept as `wrapper_time_name`).
pub(crate) fn wrapped(
    time: Value,
    wrapper_time_name: &str,
    stream: Option<&str>,
    payload: &str,
    text: &TextParser,
) -> Vec<(String, Value)> {
    // A payload's time without a year (Redis' `19 Sep 18:58:22.134`) takes the wrapper's.
    let dated = (!payload.trim_start().starts_with('{'))
        .then(|| with_wrapper_year(text, &time))
        .flatten();
    let inner = payload_fields(payload, dated.as_ref().unwrap_or(text));
    let payload_has_time = inner.iter().any(|(k, _)| TS_NAMES.contains(&k.as_str()));
    let mut fields = Vec::with_capacity(inner.len() + 2);
    let time_name = if payload_has_time {
        wrapper_time_name
    } else {
        "ts"
    };
    fields.push((time_name.to_string(), time));
    if let Some(stream) = stream {
        fields.push(("stream".to_string(), Value::String(stream.to_string())));
    }
    fields.extend(inner);
    fields
}

/// `text` resolving year-less times against the wrapper's RFC 3339 `time` rather than the
/// file's modification time; `None` when `timestamp_year` is set or the time is not one.
fn with_wrapper_year(text: &TextParser, time: &Value) -> Option<TextParser> {
    if text.years.year.is_some() {
        return None;
    }
    let time = chrono::DateTime::parse_from_rfc3339(time.as_str()?).ok()?;
    let mut dated = *text;
    dated.years.reference_micros = time.timestamp_micros();
    Some(dated)
}

/// CRI (containerd, CRI-O): `2026-11-30T14:01:02.123456789Z stderr F payload`. `P` lines are
/// parts of a long line the runtime split: grouped with the lines up to their `F` (see
/// `multiline`), their payloads are joined. A `P` never followed by its `F` (the file ended)
/// is an event marked `cri_partial`.
pub(crate) fn parse_cri(group: &str, text: &TextParser) -> Result<Vec<(String, Value)>, String> {
    let mut lines = group.split('\n');
    let (time, stream, mut partial, mut payload) = cri_line(lines.next().unwrap_or(""))?;
    let joined;
    if let Some(next) = lines.next() {
        // Partial records join what completes them; complete records of one multi-line
        // event (a stack trace's lines, see `multiline::cri`) join as lines.
        let mut all = payload.to_string();
        for line in std::iter::once(next).chain(lines) {
            let (_, _, more, part) = cri_line(line)?;
            if !partial {
                all.push('\n');
            }
            all.push_str(part);
            partial = more;
        }
        joined = all;
        payload = &joined;
    }
    let mut fields = wrapped(
        Value::String(time.to_string()),
        "container_time",
        Some(stream),
        payload,
        text,
    );
    if partial {
        fields.push(("cri_partial".to_string(), Value::Bool(true)));
    }
    Ok(fields)
}

/// One CRI line: time, stream, whether it is partial, payload.
fn cri_line(line: &str) -> Result<(&str, &str, bool, &str), String> {
    let mut parts = line.splitn(4, ' ');
    let time = parts.next().unwrap_or("");
    let stream = parts.next().unwrap_or("");
    let tag = parts.next().unwrap_or("");
    let payload = parts.next().unwrap_or("");
    if !matches!(stream, "stdout" | "stderr") {
        return Err(format!(
            "CRI: the second field is {stream:?}, not stdout or stderr"
        ));
    }
    if !time.contains('T') || chrono::DateTime::parse_from_rfc3339(time).is_err() {
        return Err(format!("CRI: {time:?} is not an RFC 3339 time"));
    }
    let partial = match tag.split(':').next() {
        Some("F") => false,
        Some("P") => true,
        _ => {
            return Err(format!(
                "CRI: tag {tag:?} is neither F (full) nor P (partial)"
            ))
        }
    };
    Ok((time, stream, partial, payload))
}

/// Docker's json-file driver: `{"log":"payload\n","stream":"stderr","time":"..."}`. A group
/// of several records (a line the driver split, a stack trace's records, see `multiline`)
/// joins their `log`s; the first record gives the time, stream and other fields.
pub(crate) fn parse_docker(group: &str, text: &TextParser) -> Result<Vec<(String, Value)>, String> {
    let mut records = group.split('\n');
    let outer = parse_json(records.next().unwrap_or(""))?;
    let field = |name: &str| outer.iter().rev().find(|(k, _)| k == name).map(|(_, v)| v);
    let Some(Value::String(log)) = field("log") else {
        return Err("docker json-file: no `log` string".to_string());
    };
    let time = field("time")
        .cloned()
        .ok_or("docker json-file: no `time`")?;
    let stream = match field("stream") {
        Some(Value::String(s)) => Some(s.as_str()),
        _ => None,
    };
    let mut payload = String::new();
    push_log(&mut payload, log);
    for (index, record) in records.enumerate() {
        let record = parse_json(record)
            .map_err(|why| format!("docker json-file: record {} of the event: {why}", index + 2))?;
        match record.iter().rev().find(|(k, _)| k == "log") {
            Some((_, Value::String(log))) => push_log(&mut payload, log),
            _ => {
                let at = index + 2;
                return Err(format!(
                    "docker json-file: record {at} of the event has no `log` string"
                ));
            }
        }
    }
    let payload = payload.trim_end_matches('\n');
    let mut fields = wrapped(time, "container_time", stream, payload, text);
    for (key, value) in &outer {
        if !matches!(key.as_str(), "log" | "time" | "stream") {
            fields.push((key.clone(), value.clone()));
        }
    }
    Ok(fields)
}

/// One record's `log` onto the event's text: a complete line without its `\r`, a split
/// line's part as it is.
fn push_log(payload: &mut String, log: &str) {
    match log.strip_suffix('\n') {
        Some(line) => {
            payload.push_str(line.strip_suffix('\r').unwrap_or(line));
            payload.push('\n');
        }
        None => payload.push_str(log),
    }
}

/// Keys only a log shipper's record has: Vector's `source_type` (its `file` and
/// `kubernetes_logs` sources), the container runtimes' `stream`, the Kubernetes metadata
/// Fluent Bit, Vector and Filebeat add, Beats' `agent` and `input`, Logstash's `@version`.
const SHIPPER_KEYS: [&str; 6] = [
    "source_type",
    "stream",
    "kubernetes",
    "agent",
    "input",
    "@version",
];

/// A shipper's record around an application's raw line. Shippers that read files without
/// parsing them (Vector, Fluent Bit's `tail`, Filebeat, Logstash) put the line in `log` or
/// `message` (Splunk and Cribl in `_raw`) beside their own time and metadata, and no level:
/// such a line is parsed again (JSON, logfmt, syslog or text) when it has a time or a level
/// of its own, and its fields win; the shipper's fields competing with them for a column are
/// kept as `shipper.<name>`. `message` counts only beside a shipper's key (an app's own
/// message is often a plain sentence), as `@message` only beside CloudWatch's `@logStream` or
/// `@log`; `log` and `_raw` are shippers' names. A record that is not such a wrapper comes
/// back unchanged.
pub(crate) fn shipped_line(
    mut fields: Vec<(String, Value)>,
    text: &TextParser,
) -> Vec<(String, Value)> {
    // Docker's fluentd driver names the container as its API does: `/shop_web_1`.
    if let Some((_, Value::String(name))) = fields.iter_mut().find(|(k, _)| k == "container_name") {
        if let Some(bare) = name.strip_prefix('/') {
            *name = bare.to_string();
        }
    }
    let payload_at = |name: &str| fields.iter().rposition(|(k, v)| k == name && v.is_string());
    let Some(at) = payload_at("log")
        .or_else(|| payload_at("_raw"))
        .or_else(|| {
            payload_at("message").filter(|_| {
                fields
                    .iter()
                    .any(|(k, _)| SHIPPER_KEYS.contains(&k.as_str()))
            })
        })
        // CloudWatch Logs Insights' results (and their CSV export): `@message` beside the
        // log stream or group.
        .or_else(|| {
            payload_at("@message")
                .filter(|_| fields.iter().any(|(k, _)| k == "@logStream" || k == "@log"))
        })
    else {
        return fields;
    };
    let has_level = fields
        .iter()
        .any(|(k, v)| feeds(k, Column::Level) || (k == "log" && v.get("level").is_some()));
    if has_level {
        return fields;
    }
    let payload = fields[at].1.as_str().unwrap_or_default();
    let inner = payload_fields(payload.trim_end_matches(['\n', '\r']), text);
    let columns_of = |key: &str| candidacies(key).iter().map(|c| c.column);
    let inner_columns: Vec<Column> = inner.iter().flat_map(|(k, _)| columns_of(k)).collect();
    if !inner_columns.contains(&Column::Ts) && !inner_columns.contains(&Column::Level) {
        return fields;
    }
    let mut out = Vec::with_capacity(fields.len() + inner.len());
    for (i, (key, value)) in fields.into_iter().enumerate() {
        if i == at {
            continue;
        }
        if columns_of(&key).any(|c| inner_columns.contains(&c)) {
            out.push((format!("shipper.{key}"), value));
        } else {
            out.push((key, value));
        }
    }
    out.extend(inner);
    out
}

/// Kubernetes names container log files `<pod>_<namespace>_<container>-<64 hex id>.log`
/// (under `/var/log/containers/`), links to the kubelet's own
/// `/var/log/pods/<namespace>_<pod>_<uid>/<container>/<restart>.log` (which node agents
/// read, and whose rotated files are `0.log.20261130-140102` or `.gz`): the pod, namespace and
/// container.
pub(crate) fn kubernetes_names(uri: &str) -> Option<(String, String, String)> {
    let owned = |pod: &str, namespace: &str, container: &str| {
        (!pod.is_empty() && !namespace.is_empty() && !container.is_empty()).then(|| {
            (
                pod.to_string(),
                namespace.to_string(),
                container.to_string(),
            )
        })
    };
    let mut segments = uri.rsplit('/');
    let name = segments.next()?;
    if let Some(stem) = name
        .strip_suffix(".log")
        .or_else(|| name.strip_suffix(".log.gz"))
    {
        let container_file = || {
            let (pod, rest) = stem.split_once('_')?;
            let (namespace, rest) = rest.split_once('_')?;
            let (container, id) = rest.rsplit_once('-')?;
            let is_id = id.len() == 64 && id.bytes().all(|b| b.is_ascii_hexdigit());
            is_id.then(|| owned(pod, namespace, container))?
        };
        if let Some(names) = container_file() {
            return Some(names);
        }
    }
    let restart = name.split('.').next()?;
    let is_pod_log =
        name.contains(".log") && !restart.is_empty() && restart.bytes().all(|b| b.is_ascii_digit());
    let container = segments.next()?;
    let pod_dir = segments.next()?;
    if !is_pod_log || segments.next() != Some("pods") {
        return None;
    }
    let (namespace, rest) = pod_dir.split_once('_')?;
    let (pod, _uid) = rest.rsplit_once('_')?;
    owned(pod, namespace, container)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ingest::text::YearHint;

    fn text() -> TextParser {
        TextParser {
            years: YearHint {
                year: None,
                reference_micros: 1_796_083_200_000_000,
            },
            dates: Default::default(),
        }
    }

    fn get<'a>(fields: &'a [(String, Value)], key: &str) -> Option<&'a Value> {
        fields.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v)
    }

    #[test]
    fn cri_payloads_are_parsed_again() {
        let f = parse_cri(
            r#"2026-11-30T14:01:02.123456789Z stderr F {"level":"warn","msg":"slow query","ms":812}"#,
            &text(),
        )
        .unwrap();
        assert_eq!(
            get(&f, "ts"),
            Some(&Value::from("2026-11-30T14:01:02.123456789Z"))
        );
        assert_eq!(get(&f, "stream"), Some(&Value::from("stderr")));
        assert_eq!(get(&f, "level"), Some(&Value::from("warn")));
        assert_eq!(get(&f, "msg"), Some(&Value::from("slow query")));
        let f = parse_cri(
            "2026-11-30T14:01:02.5Z stdout F 2026-11-30 14:01:02,499 ERROR [main] c.a.Checkout - payment failed",
            &text(),
        )
        .unwrap();
        assert_eq!(
            get(&f, "container_time"),
            Some(&Value::from("2026-11-30T14:01:02.5Z"))
        );
        assert_eq!(get(&f, "ts"), Some(&Value::from("2026-11-30T14:01:02.499")));
        assert_eq!(get(&f, "level"), Some(&Value::from("ERROR")));
        assert_eq!(get(&f, "message"), Some(&Value::from("payment failed")));
        let f = parse_cri(
            "2026-11-30T14:01:02Z stdout P first half \n2026-11-30T14:01:02Z stdout F of a long line",
            &text(),
        )
        .unwrap();
        assert_eq!(get(&f, "cri_partial"), None);
        assert_eq!(
            get(&f, "message"),
            Some(&Value::from("first half of a long line"))
        );
        let f = parse_cri(
            "2026-11-30T14:01:02Z stdout P first half of a long",
            &text(),
        )
        .unwrap();
        assert_eq!(get(&f, "cri_partial"), Some(&Value::Bool(true)));
        assert_eq!(
            get(&f, "message"),
            Some(&Value::from("first half of a long"))
        );
        assert!(parse_cri("2026-11-30T14:01:02Z stdin F x", &text()).is_err());
        assert!(parse_cri("yesterday stdout F x", &text()).is_err());
    }

    #[test]
    fn docker_json_file_keeps_the_apps_level_without_the_newline() {
        let f = parse_docker(
            r#"{"log":"{\"level\":\"warn\",\"message\":\"disk 91% full\"}\n","stream":"stdout","time":"2026-11-30T14:01:02.1Z"}"#,
            &text(),
        )
        .unwrap();
        assert_eq!(get(&f, "level"), Some(&Value::from("warn")));
        assert_eq!(get(&f, "message"), Some(&Value::from("disk 91% full")));
        let f = parse_docker(
            r#"{"log":"plain words\r\n","stream":"stderr","time":"2026-11-30T14:01:02.1Z"}"#,
            &text(),
        )
        .unwrap();
        assert_eq!(get(&f, "message"), Some(&Value::from("plain words")));
        assert!(parse_docker(r#"{"msg":"x"}"#, &text()).is_err());
        let f = parse_docker(
            "{\"log\":\"2026-11-30 14:01:02 ERROR boom\\r\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-30T14:01:02.1Z\"}\n\
             {\"log\":\"\\tat a.B(B.java:1)\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-30T14:01:02.1Z\"}\n\
             {\"log\":\"\\tat a.C(C.ja\",\"stream\":\"stderr\",\"time\":\"2026-11-30T14:01:02.1Z\"}\n\
             {\"log\":\"va:2)\\n\",\"stream\":\"stderr\",\"time\":\"2026-11-30T14:01:02.1Z\"}",
            &text(),
        )
        .unwrap();
        assert_eq!(get(&f, "level"), Some(&Value::from("ERROR")));
        assert_eq!(
            get(&f, "message"),
            Some(&Value::from("boom\n\tat a.B(B.java:1)\n\tat a.C(C.java:2)"))
        );
        // Redis' time has no year: the wrapper's gives it, not the file's.
        let f = parse_docker(
            r#"{"log":"1:M 19 Sep 18:58:22.134 * Background saving terminated\n","stream":"stdout","time":"2018-09-19T18:58:22.13487728Z"}"#,
            &text(),
        )
        .unwrap();
        let ts = get(&f, "ts").unwrap().to_string();
        assert!(ts.contains("2018-09-19"), "{ts}");
        let cut = "{\"log\":\"a\\n\",\"time\":\"2026-11-30T14:01:02.1Z\"}\n{\"log\":";
        let why = parse_docker(cut, &text()).unwrap_err();
        assert!(
            why.starts_with("docker json-file: record 2 of the event"),
            "{why}"
        );
    }

    #[test]
    fn kubernetes_file_names() {
        let id = "a".repeat(64);
        assert_eq!(
            kubernetes_names(&format!(
                "file:///var/log/containers/checkout-7d9f_shop_api-{id}.log"
            )),
            Some(("checkout-7d9f".into(), "shop".into(), "api".into()))
        );
        assert_eq!(kubernetes_names("file:///var/log/app.log"), None);
        for rotated in ["0.log", "3.log.20261130-140102", "0.log.20261130-140102.gz"] {
            assert_eq!(
                kubernetes_names(&format!(
                    "file:///var/log/pods/shop_checkout-7d9f_0f1e2d3c-aaaa-bbbb/api/{rotated}"
                )),
                Some(("checkout-7d9f".into(), "shop".into(), "api".into())),
                "{rotated}"
            );
        }
        assert_eq!(kubernetes_names("file:///srv/pods/a_b_c/api/app.log"), None);
        assert_eq!(
            kubernetes_names("file:///var/log/pods/nouid/api/0.log"),
            None
        );
    }
}
