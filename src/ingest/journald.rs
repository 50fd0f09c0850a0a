//! systemd's journal, in the two forms `journalctl` writes for other programs: JSON
//! (`-o json`, a line per entry) and the export format (`-o export`, what
//! `systemd-journal-remote` and backups read: `KEY=value` lines, an empty line after each
//! entry). Both map the same fields: `__REALTIME_TIMESTAMP` (µs), `PRIORITY` as the level,
//! `SYSLOG_IDENTIFIER` (else the unit) as service, `MESSAGE`, `_PID`, `_HOSTNAME`; every other
//! field goes to `attributes`.
//!
//! In the export format a value that is not one line of text (a multi-line message, binary
//! data) is written as its field name alone on a line, then its size as a little-endian
//! 64-bit number, the bytes and a newline: such a value may hold newlines and empty lines, so
//! the grouper follows sizes (`EntryLines`) to keep an entry whole.

use serde_json::Value;

use super::formats::parse_json;
use super::text::syslog_severity;

/// journald (`journalctl -o json`): `__REALTIME_TIMESTAMP` (µs), `PRIORITY`, the identifier
/// or unit as service, `MESSAGE` (a string, or an array of bytes when it is not UTF-8 text).
pub(crate) fn parse_journald(line: &str) -> Result<Vec<(String, Value)>, String> {
    journal_entry(parse_json(line)?)
}

/// An export-format entry (`journalctl -o export`): its lines, `\n` between them.
pub(crate) fn parse_export(entry: &[u8]) -> Result<Vec<(String, Value)>, String> {
    let mut fields = Vec::new();
    let mut rest = entry;
    while !rest.is_empty() {
        let line_end = memchr::memchr(b'\n', rest).unwrap_or(rest.len());
        let line = &rest[..line_end];
        if let Some(eq) = memchr::memchr(b'=', line) {
            let name = field_name(&line[..eq])?;
            let value = String::from_utf8_lossy(&line[eq + 1..]).into_owned();
            fields.push((name, Value::String(value)));
            rest = rest.get(line_end + 1..).unwrap_or_default();
            continue;
        }
        // A value with its size: the name's line, 8 bytes of size, the bytes, a newline.
        let name = field_name(line)?;
        let sized = rest.get(line_end + 1..).unwrap_or_default();
        let size = sized
            .get(..8)
            .map(|size| u64::from_le_bytes(size.try_into().expect("8 bytes")))
            .ok_or_else(|| format!("journal export: field {name} ends before its size"))?;
        let data = usize::try_from(size)
            .ok()
            .and_then(|size| sized.get(8..8 + size))
            .ok_or_else(|| {
                format!(
                    "journal export: field {name} declares {size} bytes, but the entry holds {}",
                    sized.len() - 8
                )
            })?;
        let value = String::from_utf8_lossy(data).into_owned();
        fields.push((name, Value::String(value)));
        rest = sized.get(8 + data.len() + 1..).unwrap_or_default();
    }
    journal_entry(fields)
}

/// A field's name as the export format allows it: upper-case letters, digits and `_`.
fn field_name(name: &[u8]) -> Result<String, String> {
    if !name.is_empty() && name.iter().all(|&b| is_name_byte(b)) {
        Ok(String::from_utf8_lossy(name).into_owned())
    } else {
        let shown = String::from_utf8_lossy(&name[..name.len().min(40)]).into_owned();
        Err(format!(
            "journal export: {shown:?} is neither `NAME=value` nor a field name before a sized value"
        ))
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_'
}

/// Whether a source's first lines are the export format: an entry's first line is one of the
/// address fields `journalctl` writes first (`__CURSOR=`, `__REALTIME_TIMESTAMP=`), and a
/// `__REALTIME_TIMESTAMP=` follows among them.
pub(crate) fn is_export(sample: &[&[u8]]) -> bool {
    let mut lines = sample.iter().filter(|l| !super::lines::is_blank(l));
    let opens = lines.next().is_some_and(|first| {
        let first = super::lines::without_bom(first);
        first.starts_with(b"__CURSOR=") || first.starts_with(b"__REALTIME_TIMESTAMP=")
    });
    opens
        && sample
            .iter()
            .take(16)
            .any(|line| line.starts_with(b"__REALTIME_TIMESTAMP="))
}

/// Follows an export source's lines for the grouper: which lines belong to the entry before
/// them (the grouper closes an entry at an empty line, unless that line is inside a sized
/// value's bytes).
#[derive(Debug, Default)]
pub struct EntryLines {
    value: SizedValue,
}

#[derive(Debug, Default, PartialEq)]
enum SizedValue {
    /// Between fields.
    #[default]
    None,
    /// After a field name alone on its line: its size's bytes read so far.
    Size(Vec<u8>),
    /// Inside a value: bytes left, counting its closing newline.
    Bytes(u64),
}

impl EntryLines {
    /// Whether the next line is inside a sized value (and so is no entry's end).
    pub fn inside_value(&self) -> bool {
        self.value != SizedValue::None
    }

    /// Takes a line's exact bytes (its newline counted after them).
    pub fn take(&mut self, line: &[u8]) {
        let mut rest = line.len() as u64 + 1;
        let mut at = 0;
        loop {
            match &mut self.value {
                SizedValue::None => {
                    // A field name alone on its line: its value's size and bytes follow.
                    if !line.is_empty() && line.iter().all(|&b| is_name_byte(b)) {
                        self.value = SizedValue::Size(Vec::with_capacity(8));
                    }
                    return;
                }
                SizedValue::Size(size) => {
                    // The size's bytes may themselves hold a newline (a size of 10 is `0a`).
                    while size.len() < 8 && rest > 0 {
                        size.push(line.get(at).copied().unwrap_or(b'\n'));
                        at += 1;
                        rest -= 1;
                    }
                    if size.len() < 8 {
                        return;
                    }
                    let bytes = u64::from_le_bytes(size[..].try_into().expect("8 bytes"));
                    self.value = SizedValue::Bytes(bytes.saturating_add(1));
                }
                SizedValue::Bytes(left) => {
                    *left = left.saturating_sub(rest);
                    if *left == 0 {
                        self.value = SizedValue::None;
                    }
                    return;
                }
            }
        }
    }

    /// A new entry starts (after an empty line, or after a cut one).
    pub fn restart(&mut self) {
        self.value = SizedValue::None;
    }
}

fn journal_entry(entry: Vec<(String, Value)>) -> Result<Vec<(String, Value)>, String> {
    let mut fields = Vec::with_capacity(entry.len());
    let mut time = None;
    let mut identifier = None;
    let mut unit = None;
    for (key, value) in entry {
        match key.as_str() {
            "__REALTIME_TIMESTAMP" => {
                let micros = match &value {
                    Value::String(s) => s.parse::<i64>().ok(),
                    Value::Number(n) => n.as_i64(),
                    _ => None,
                }
                .ok_or("journald: __REALTIME_TIMESTAMP is not a number of microseconds")?;
                time = Some(micros);
            }
            "PRIORITY" => {
                let level = match &value {
                    Value::String(s) => s.parse::<u8>().ok(),
                    Value::Number(n) => n.as_u64().and_then(|n| u8::try_from(n).ok()),
                    _ => None,
                }
                .and_then(syslog_severity);
                match level {
                    Some(level) => fields.push(("level".to_string(), Value::from(level))),
                    None => fields.push(("priority".to_string(), value)),
                }
            }
            "MESSAGE" => {
                let message = match value {
                    Value::Array(bytes) => {
                        let bytes: Vec<u8> = bytes
                            .iter()
                            .filter_map(|b| b.as_u64().and_then(|b| u8::try_from(b).ok()))
                            .collect();
                        Value::String(String::from_utf8_lossy(&bytes).into_owned())
                    }
                    other => other,
                };
                fields.push(("message".to_string(), message));
            }
            "SYSLOG_IDENTIFIER" => identifier = Some(value),
            "_SYSTEMD_UNIT" => {
                unit = Some(value.clone());
                fields.push(("systemd_unit".to_string(), value));
            }
            "_PID" => fields.push(("pid".to_string(), value)),
            "_HOSTNAME" => fields.push(("host".to_string(), value)),
            _ => fields.push((key, value)),
        }
    }
    let micros = time.ok_or("journald: no __REALTIME_TIMESTAMP")?;
    fields.insert(0, ("ts".to_string(), Value::from(micros)));
    let service = identifier.or_else(|| {
        unit.map(|u| match u {
            Value::String(s) => Value::String(s.trim_end_matches(".service").to_string()),
            other => other,
        })
    });
    if let Some(service) = service {
        fields.push(("service".to_string(), service));
    }
    Ok(fields)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn get<'a>(fields: &'a [(String, Value)], name: &str) -> Option<&'a Value> {
        fields.iter().find(|(k, _)| k == name).map(|(_, v)| v)
    }

    #[test]
    fn json_entries() {
        let f = parse_journald(
            r#"{"__REALTIME_TIMESTAMP":"1764511262123456","PRIORITY":"3","SYSLOG_IDENTIFIER":"sshd","_PID":"812","_HOSTNAME":"web-1","MESSAGE":[104,105,255]}"#,
        )
        .unwrap();
        assert_eq!(get(&f, "ts"), Some(&Value::from(1_764_511_262_123_456_i64)));
        assert_eq!(get(&f, "level"), Some(&Value::from("ERROR")));
        assert_eq!(get(&f, "service"), Some(&Value::from("sshd")));
        assert_eq!(get(&f, "message"), Some(&Value::from("hi\u{fffd}")));
        assert!(parse_journald(r#"{"MESSAGE":"x"}"#).is_err());
    }

    /// An entry with a sized value: a two-line message with an empty line inside.
    fn sized_entry() -> Vec<u8> {
        let message = b"Traceback (most recent call last):\n\nKeyError: 'card'";
        let mut entry = b"__CURSOR=s=1;i=2\n__REALTIME_TIMESTAMP=1764511262123456\n\
                          PRIORITY=3\n_SYSTEMD_UNIT=shop.service\nMESSAGE\n"
            .to_vec();
        entry.extend_from_slice(&(message.len() as u64).to_le_bytes());
        entry.extend_from_slice(message);
        entry.extend_from_slice(b"\n_PID=123");
        entry
    }

    #[test]
    fn export_entries_with_text_and_sized_values() {
        let f = parse_export(&sized_entry()).unwrap();
        assert_eq!(get(&f, "ts"), Some(&Value::from(1_764_511_262_123_456_i64)));
        assert_eq!(get(&f, "level"), Some(&Value::from("ERROR")));
        assert_eq!(get(&f, "service"), Some(&Value::from("shop")));
        assert_eq!(get(&f, "pid"), Some(&Value::from("123")));
        assert_eq!(
            get(&f, "message"),
            Some(&Value::from(
                "Traceback (most recent call last):\n\nKeyError: 'card'"
            ))
        );
        assert_eq!(get(&f, "__CURSOR"), Some(&Value::from("s=1;i=2")));
    }

    #[test]
    fn damaged_export_entries_say_what_and_where() {
        let mut cut = sized_entry();
        cut.truncate(cut.len() - 30);
        let why = parse_export(&cut).unwrap_err();
        assert!(why.contains("field MESSAGE declares 52 bytes"), "{why}");
        let why = parse_export(b"__REALTIME_TIMESTAMP=1\nnot a field").unwrap_err();
        assert!(why.contains("\"not a field\" is neither"), "{why}");
        let why = parse_export(b"MESSAGE=x").unwrap_err();
        assert!(why.contains("no __REALTIME_TIMESTAMP"), "{why}");
    }

    #[test]
    fn the_grouper_follows_sized_values_across_lines() {
        let entry = sized_entry();
        let mut lines = EntryLines::default();
        let mut inside = Vec::new();
        for line in entry.split(|&b| b == b'\n') {
            inside.push(lines.inside_value());
            lines.take(line);
        }
        // Lines: cursor, time, priority, unit, `MESSAGE`, size+first line, empty, last, _PID.
        assert_eq!(
            inside,
            [false, false, false, false, false, true, true, true, false]
        );
        assert!(!lines.inside_value());
        // A size whose bytes hold a newline (10 = 0x0a) still counts.
        let mut lines = EntryLines::default();
        lines.take(b"MESSAGE");
        lines.take(b"");
        lines.take(b"\0\0\0\0\0\0\0abcdefghij");
        assert!(!lines.inside_value());
    }

    #[test]
    fn export_sources_are_told_by_their_first_fields() {
        let export: [&[u8]; 3] = [b"__CURSOR=s=1", b"__REALTIME_TIMESTAMP=1", b"MESSAGE=x"];
        assert!(is_export(&export));
        let logfmt: [&[u8]; 2] = [b"ts=2026-11-30T14:01:02Z", b"__REALTIME_TIMESTAMP=1"];
        assert!(!is_export(&logfmt));
    }
}
