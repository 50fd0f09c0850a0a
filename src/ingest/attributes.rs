//! The `attributes` column: a JSON object of the fields no column took, in their order, with
//! earlier values of a repeated key under `_duplicate_keys` and what the mapping adds (such as
//! `level_raw`).

use serde_json::Value;

/// `attributes` of a record whose fields were mapped (`used[i]`: field `i` feeds a column).
/// The fields are left in `fields` or taken out of it.
pub(crate) fn attributes_json(
    fields: &mut Vec<(String, Value)>,
    used: &[bool],
    extras: serde_json::Map<String, Value>,
) -> String {
    if extras.is_empty() && !has_duplicate_keys(fields) {
        unmapped_json(fields, used)
    } else {
        attributes_with_extras(fields, used, extras)
    }
}

/// Whether a key comes twice. Keys are first sorted into 64 bins by length and ends: most
/// records have no two keys in one bin, and are then answered without comparing any keys.
fn has_duplicate_keys(fields: &[(String, Value)]) -> bool {
    let mut bins = 0u64;
    let mut shared = false;
    for (key, _) in fields {
        let b = key.as_bytes();
        let mix = b.len()
            ^ (b.first().copied().unwrap_or(0) as usize) << 1
            ^ (b.last().copied().unwrap_or(0) as usize) << 3;
        let bit = 1u64 << (mix % 64);
        shared |= bins & bit != 0;
        bins |= bit;
    }
    shared && (1..fields.len()).any(|i| fields[..i].iter().any(|(k, _)| *k == fields[i].0))
}

/// `attributes` of a record with no duplicate keys and nothing to add: the fields no column
/// took, in their order, written as one JSON object (as `serde_json::Map` would write them,
/// without building one).
fn unmapped_json(fields: &[(String, Value)], used: &[bool]) -> String {
    let mut out = Vec::with_capacity(64);
    out.push(b'{');
    for (i, (key, value)) in fields.iter().enumerate() {
        if used[i] {
            continue;
        }
        if out.len() > 1 {
            out.push(b',');
        }
        // Writing a string or a `Value` into a Vec cannot fail.
        serde_json::to_writer(&mut out, key).expect("JSON into memory");
        out.push(b':');
        serde_json::to_writer(&mut out, value).expect("JSON into memory");
    }
    out.push(b'}');
    String::from_utf8(out).expect("serde_json writes UTF-8")
}

/// `attributes` in general: the fields no column took, earlier values of a repeated key under
/// `_duplicate_keys` (the last one is the field's value), and `extras` (such as `level_raw`).
fn attributes_with_extras(
    fields: &mut Vec<(String, Value)>,
    used: &[bool],
    extras: serde_json::Map<String, Value>,
) -> String {
    let mut attributes = serde_json::Map::new();
    let mut duplicates = serde_json::Map::new();
    // A key that comes again later is superseded (found by reference: no key is copied).
    let superseded: Vec<bool> = (0..fields.len())
        .map(|i| fields[i + 1..].iter().any(|(k, _)| *k == fields[i].0))
        .collect();
    for (i, (key, value)) in fields.drain(..).enumerate() {
        if superseded[i] {
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
    attributes.extend(extras);
    if !duplicates.is_empty() {
        attributes.insert("_duplicate_keys".into(), Value::Object(duplicates));
    }
    Value::Object(attributes).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn fields(pairs: &[(&str, Value)]) -> Vec<(String, Value)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.clone()))
            .collect()
    }

    #[test]
    fn written_directly_as_the_general_path_writes_them() {
        let records = [
            fields(&[
                ("ts", json!("2026-11-30T14:01:02Z")),
                ("thread", json!("main \"x\"")),
                ("n", json!(1.5)),
                ("ok", json!(true)),
                ("none", Value::Null),
                ("é", json!("ünïcode\n")),
            ]),
            fields(&[]),
            // Same length and ends: one bin, no duplicate.
            fields(&[("abc", json!(1)), ("axc", json!(2))]),
        ];
        for record in records {
            let used: Vec<bool> = (0..record.len()).map(|i| i == 0).collect();
            let direct = attributes_json(&mut record.clone(), &used, Default::default());
            let general = attributes_with_extras(&mut record.clone(), &used, Default::default());
            assert_eq!(direct, general);
            let parsed: Value = serde_json::from_str(&direct).unwrap();
            assert!(parsed.is_object(), "{direct}");
        }
    }

    #[test]
    fn repeated_keys_and_extras() {
        let record = fields(&[("k", json!(1)), ("level", json!("loud")), ("k", json!(2))]);
        assert!(has_duplicate_keys(&record));
        assert!(!has_duplicate_keys(&record[..2]));
        let mut extras = serde_json::Map::new();
        extras.insert("level_raw".into(), json!("loud"));
        let written = attributes_json(&mut record.clone(), &[false, true, false], extras);
        assert_eq!(
            written,
            r#"{"k":2,"level_raw":"loud","_duplicate_keys":{"k":[1]}}"#
        );
    }
}
