//! glog (Kubernetes components, many Go and C++ daemons: `E1130 14:01:02.123456  1234
//! f.go:12] message`) and CockroachDB's glog-like layout with a two-digit year and tags.

use std::sync::LazyLock;

use regex::Regex;
use serde_json::Value;

use super::{clock, num, push_message, Stamp, TextParser, PLACEHOLDER_YEAR};

/// glog (Kubernetes components, many Go and C++ daemons): `E1130 14:01:02.123456  1234 f.go:12]`.
pub(super) static GLOG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([IWEF])(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?\s+(\d+) ([^\s\]]+)\] ?",
    )
    .expect("valid glog pattern")
});

/// glog's severity letter (`I`, `W`, `E`, `F`).
fn glog_level(letter: &str) -> &'static str {
    match letter {
        "I" => "INFO",
        "W" => "WARN",
        "E" => "ERROR",
        _ => "FATAL",
    }
}

/// CockroachDB (see [`TextParser::cockroach`]).
pub(super) static COCKROACH: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^([IWEF])(\d{2})(\d{2})(\d{2}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))? +(\d+) (\S+:\d+) (?:⋮ )?(?:\[([^\]]*)\] )?(?:\d+ +)?",
    )
    .expect("valid CockroachDB pattern")
});

/// Whether a line can be glog's (`E1130 ...`): the regex runs only then, as most lines are not.
pub(super) fn may_be_glog(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 5 && matches!(b[0], b'I' | b'W' | b'E' | b'F') && b[1].is_ascii_digit()
}

/// A glog header opening a message that another layout carries (the kubelet's lines in a
/// syslog file: `... kubelet[1234]: E1130 14:01:02.123456    1234 pod_workers.go:1298]
/// "Error syncing pod" pod="default/web-1"`): its level, thread id and source location, and
/// the message after it. The wrapper's time stands (it has the year).
pub(super) fn header_in_message(message: &str) -> Option<([(String, Value); 3], &str)> {
    if !may_be_glog(message) {
        return None;
    }
    let c = GLOG.captures(message)?;
    let level = glog_level(c.get(1)?.as_str());
    let tid: u64 = c.get(8)?.as_str().parse().ok()?;
    let header = [
        ("level".to_string(), Value::String(level.to_string())),
        ("tid".to_string(), Value::from(tid)),
        (
            "logger".to_string(),
            Value::String(c.get(9)?.as_str().to_string()),
        ),
    ];
    Some((header, &message[c.get(0)?.end()..]))
}

impl TextParser {
    pub(super) fn glog(&self, text: &str) -> Option<Vec<(String, Value)>> {
        if !may_be_glog(text) {
            return None;
        }
        let Some(c) = GLOG.captures(text) else {
            return self.cockroach(text);
        };
        let time = clock(&c, PLACEHOLDER_YEAR, num(&c, 2)?, [3, 4, 5, 6], 7)?;
        let level = glog_level(c.get(1)?.as_str());
        let tid: u64 = c.get(8)?.as_str().parse().ok()?;
        let end = c.get(0)?.end();
        Some(vec![
            (
                "ts".to_string(),
                self.ts_value(Stamp::Naive {
                    time,
                    has_year: false,
                }),
            ),
            ("level".to_string(), Value::String(level.to_string())),
            ("tid".to_string(), Value::from(tid)),
            (
                "logger".to_string(),
                Value::String(c.get(9)?.as_str().to_string()),
            ),
        ])
        .map(|mut fields| {
            push_klog_message(&text[end..], &mut fields);
            fields
        })
    }
}

/// A glog message; klog's structured ones (Kubernetes 1.19 and later: `"Error syncing pod"
/// err="..." pod="default/web-1"`) give their quoted message unquoted and their pairs.
pub(super) fn push_klog_message(rest: &str, fields: &mut Vec<(String, Value)>) {
    let quoted = rest
        .starts_with('"')
        .then(|| crate::ingest::formats::quoted_value(rest, 1))
        .flatten();
    match quoted {
        Some((message, end)) if rest[end..].is_empty() || rest[end..].starts_with(' ') => {
            super::pairs::pairs_in_message(&rest[end..], fields);
            fields.push(("message".to_string(), Value::String(message)));
        }
        _ => fields.push(("message".to_string(), Value::String(rest.to_string()))),
    }
}

impl TextParser {
    /// CockroachDB's glog-like layout, with a two-digit year and no `]` after the source
    /// location: `E261130 14:01:05.000001 99 kv/replica.go:88 ⋮ [n1,s1] 6  message` (the
    /// tags in brackets kept as `tags`, the entry counter dropped).
    fn cockroach(&self, text: &str) -> Option<Vec<(String, Value)>> {
        let c = COCKROACH.captures(text)?;
        let year = 2000 + i32::try_from(num(&c, 2)?).ok()?;
        let time = clock(&c, year, num(&c, 3)?, [4, 5, 6, 7], 8)?;
        let level = glog_level(c.get(1)?.as_str());
        let stamp = Stamp::Naive {
            time,
            has_year: true,
        };
        let mut fields = vec![
            ("ts".to_string(), self.ts_value(stamp)),
            ("level".to_string(), Value::String(level.to_string())),
            (
                "tid".to_string(),
                Value::from(c.get(9)?.as_str().parse::<u64>().ok()?),
            ),
            (
                "logger".to_string(),
                Value::String(c.get(10)?.as_str().to_string()),
            ),
        ];
        if let Some(tags) = c.get(11) {
            fields.push(("tags".to_string(), Value::String(tags.as_str().to_string())));
        }
        push_message(&text[c.get(0)?.end()..], &mut fields);
        Some(fields)
    }
}
