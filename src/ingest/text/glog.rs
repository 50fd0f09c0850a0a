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
            (
                "message".to_string(),
                Value::String(text[end..].to_string()),
            ),
        ])
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
