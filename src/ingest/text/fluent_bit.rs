//! Fluent Bit's `file` output in its default `out_file` format: `tag: [time, {record}]`, and
//! since Fluent Bit 2.1 `tag: [[time, {metadata}], {record}]`. The record is what the input
//! read (for `tail`, the raw line in `log`), so it is read as a shipper's record (see
//! [`crate::ingest::container::shipped_line`]): an app's own time and level win.

use serde_json::Value;

use super::TextParser;
use crate::ingest::container::shipped_line;

/// The tag and the JSON array after it, when the line starts `tag: [`.
fn split(text: &str) -> Option<(&str, &str)> {
    if !text.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    let tag_len = text
        .bytes()
        .position(|b| b == b':' || b.is_ascii_whitespace())?;
    let rest = text[tag_len..].strip_prefix(": ")?;
    rest.starts_with('[').then(|| (&text[..tag_len], rest))
}

/// Whether the line is such a record (it starts an event).
pub(super) fn starts_event(text: &str) -> bool {
    split(text).is_some_and(|(_, rest)| rest.trim_end().ends_with(']'))
}

/// The record's fields: `ts`, `fluent.tag`, non-empty metadata as `fluent.metadata`, then the
/// record's own. `None` when the line is not such a record.
pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    let (tag, rest) = split(text)?;
    let Ok(Value::Array(parts)) = serde_json::from_str::<Value>(rest) else {
        return None;
    };
    let [head, Value::Object(record)] = <[Value; 2]>::try_from(parts).ok()? else {
        return None;
    };
    let (time, metadata) = match head {
        time @ Value::Number(_) => (time, None),
        Value::Array(pair) => match <[Value; 2]>::try_from(pair).ok()? {
            [time @ Value::Number(_), Value::Object(metadata)] => (time, Some(metadata)),
            _ => return None,
        },
        _ => return None,
    };
    let mut fields = Vec::with_capacity(record.len() + 3);
    fields.push(("ts".to_string(), time));
    fields.push(("fluent.tag".to_string(), Value::String(tag.to_string())));
    if let Some(metadata) = metadata.filter(|m| !m.is_empty()) {
        fields.push(("fluent.metadata".to_string(), Value::Object(metadata)));
    }
    fields.extend(record);
    Some(shipped_line(fields, parser))
}

#[cfg(test)]
mod tests {
    use super::super::tests::parser;
    use super::*;

    #[test]
    fn both_layouts_and_what_is_not_one() {
        let p = parser();
        let old = r#"kube.var.log.containers.checkout: [1764511262.123456, {"log":"payment failed","stream":"stderr"}]"#;
        let fields = parse(old, &p).unwrap();
        assert_eq!(fields[0].1, serde_json::json!(1764511262.123456));
        assert_eq!(fields[1].1, "kube.var.log.containers.checkout");
        assert!(fields.contains(&("log".to_string(), Value::from("payment failed"))));
        let new =
            r#"app.log: [[1764511263.5, {}], {"log":"{\"level\":\"warn\",\"msg\":\"slow\"}"}]"#;
        let fields = parse(new, &p).unwrap();
        assert!(fields.contains(&("level".to_string(), Value::from("warn"))));
        assert!(fields.iter().all(|(k, _)| k != "fluent.metadata"));
        assert!(starts_event(old) && starts_event(new));
        for other in [
            "Nov 30 14:01:02 host app: [1] started",
            "app: [not json]",
            "app: [1764511262, 2]",
            "2026-11-30 app: [1, {}]",
        ] {
            assert!(parse(other, &p).is_none(), "{other}");
        }
    }
}
