//! The unified log format of TiDB, TiKV, PD and TiFlash (TiKV's RFC "Unified Log Format"):
//! every part in brackets after the time, the message and each field quoted when they hold
//! spaces or brackets.
//!
//! ```text
//! [2026/11/30 14:01:03.234 +00:00] [ERROR] [conn.go:1045] ["command dispatched failed"] [conn=5] [error="[planner:1054]Unknown column 'x'"]
//! ```
//!
//! The level, the source file and line (the logger), the message, then `key=value` fields.
//! The general reader would number the brackets and leave the message empty.

use serde_json::Value;

use super::{push_logger, push_message};
use crate::ingest::formats::quoted_value;
use crate::ingest::names::{self, candidacies};
use crate::ingest::values::normalize_level;

/// Reads the level, source, message and fields; `false` (nothing pushed) for any other layout.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let rest = rest.trim_start();
    // Turned away at the first bracket, cheaply: this is tried on every text line.
    let Some((level, after_level)) = bracket(rest).filter(|(inside, _)| inside.len() <= 5) else {
        return false;
    };
    let Some(level) = normalize_level(level).filter(|_| after_level.starts_with(" [")) else {
        return false;
    };
    let Some((source, after_source)) = bracket(&after_level[1..]) else {
        return false;
    };
    let is_source = source == "<unknown>"
        || source
            .rsplit_once(':')
            .is_some_and(|(file, line)| file.contains('.') && line.parse::<u32>().is_ok());
    let Some(after_source) = after_source.strip_prefix(' ').filter(|_| is_source) else {
        return false;
    };
    let Some((message, mut after)) = part(after_source) else {
        return false;
    };
    let mut pairs = Vec::new();
    while let Some(next) = after.strip_prefix(' ') {
        let Some((pair, later)) = part(next) else {
            break;
        };
        match pair.split_once('=') {
            Some((key, value)) if !key.is_empty() => {
                pairs.push((key.to_string(), value.to_string()))
            }
            _ => break,
        }
        after = later;
    }
    fields.push(("level".to_string(), Value::String(level.to_string())));
    push_logger(fields, source, None);
    for (key, value) in pairs {
        // A field some column reads as its time or message would stand for the line's own.
        let own = candidacies(&key)
            .iter()
            .any(|c| matches!(c.column, names::Column::Ts | names::Column::Message));
        if !own && !fields.iter().any(|(name, _)| *name == key) {
            fields.push((key, Value::String(value)));
        }
    }
    push_message(&message, fields);
    true
}

/// `[inside]` at the start of `text`, unquoted: what it holds and what follows.
fn bracket(text: &str) -> Option<(&str, &str)> {
    let inside = text.strip_prefix('[')?;
    let close = inside.find(']')?;
    Some((&inside[..close], &inside[close + 1..]))
}

/// One bracketed part: `["quoted \"text\""]`, `[key="quoted"]` or `[bare]`; its text
/// (unquoted) and what follows.
fn part(text: &str) -> Option<(String, &str)> {
    let inside = text.strip_prefix('[')?;
    if inside.starts_with('"') {
        let (value, end) = quoted_value(inside, 1)?;
        return Some((value, inside[end..].strip_prefix(']')?));
    }
    // `key="value"`: the value quoted after the key.
    if let Some(eq) = inside
        .find("=\"")
        .filter(|&eq| !inside[..eq].contains([']', ' ']))
    {
        let (value, end) = quoted_value(inside, eq + 2)?;
        let rest = inside[end..].strip_prefix(']')?;
        return Some((format!("{}={value}", &inside[..eq]), rest));
    }
    let (bare, rest) = bracket(text)?;
    Some((bare.to_string(), rest))
}

#[cfg(test)]
mod tests {
    use super::super::tests::{first_value as get, read_rest};
    use super::*;

    fn read_fields(rest: &str) -> Option<Vec<(String, Value)>> {
        read_rest(read, rest)
    }

    #[test]
    fn tidb_lines() {
        let f = read_fields(r#" [ERROR] [conn.go:1045] ["command dispatched failed"] [conn=5] [connInfo="id:5, addr:10.0.0.5:54321"] [error="[planner:1054]Unknown column 'x'"]"#).unwrap();
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "logger").unwrap(), "conn.go:1045");
        assert_eq!(get(&f, "message").unwrap(), "command dispatched failed");
        assert_eq!(get(&f, "conn").unwrap(), "5");
        assert_eq!(get(&f, "connInfo").unwrap(), "id:5, addr:10.0.0.5:54321");
        assert_eq!(
            get(&f, "error").unwrap(),
            "[planner:1054]Unknown column 'x'"
        );
        let f = read_fields(" [WARN] [expensivequery.go:178] [expensive_query] [cost_time=60.1s]")
            .unwrap();
        assert_eq!(get(&f, "message").unwrap(), "expensive_query");
        assert_eq!(get(&f, "cost_time").unwrap(), "60.1s");
        let f = read_fields(r#" [INFO] [<unknown>] ["a \"quoted\" word"]"#).unwrap();
        assert_eq!(get(&f, "message").unwrap(), "a \"quoted\" word");
    }

    #[test]
    fn other_bracketed_layouts_are_left_alone() {
        for rest in [
            " [INFO] [main] c.a.Checkout - started",
            " [INFO] [server.go:123]",
            " [main] [INFO] [x.go:1] [m]",
            " [INFO] server.go:123 [m]",
            r#" [INFO] [x.go:1] ["unclosed]"#,
        ] {
            assert!(read_fields(rest).is_none(), "{rest:?}");
        }
        let line = r#" [INFO] [x.go:1] ["é \"q\""] [k="v é"] [n=1]"#;
        for (at, _) in line.char_indices() {
            let _ = read_fields(&line[..at]);
        }
    }
}
