//! Unreal Engine's log (games, dedicated servers, the editor): `[2026.11.30-14.01.02:123][
//! 12]LogNet: Warning: UNetConnection::Tick: Connection TIMED OUT`. The time with dots and a
//! dash, the frame counter, the category (`LogNet`) and a verbosity (`Fatal`, `Error`,
//! `Warning`, `Display`; none for `Log`). Lines without the time (the engine's banner, a
//! callstack) continue the event before them.

use chrono::NaiveDateTime;
use serde_json::Value;

use super::{push_logger, push_message, Stamp, TextParser};

/// The time, the frame counter and where the header ends.
fn header(text: &str) -> Option<(NaiveDateTime, u64, usize)> {
    let bytes = text.as_bytes();
    // `[2026.11.30-14.01.02:123][`: 25 bytes, checked in two before any parsing.
    if bytes.len() < 28 || bytes[0] != b'[' || bytes[5] != b'.' || bytes[11] != b'-' {
        return None;
    }
    let time = NaiveDateTime::parse_from_str(text.get(1..24)?, "%Y.%m.%d-%H.%M.%S:%3f").ok()?;
    let frame_text = text.get(24..)?.strip_prefix("][")?;
    let close = frame_text.find(']')?;
    let frame = frame_text[..close].trim().parse().ok()?;
    Some((time, frame, 24 + 2 + close + 1))
}

/// Whether the line starts such an event.
pub(super) fn starts_event(text: &str) -> bool {
    header(text).is_some()
}

/// The fields of such a line; `None` when the line is not one.
pub(super) fn parse(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    let (time, frame, end) = header(text)?;
    let mut fields = Vec::with_capacity(8);
    let stamp = Stamp::Naive {
        time,
        has_year: true,
    };
    fields.push(("ts".to_string(), parser.ts_value(stamp)));
    fields.push(("frame".to_string(), Value::from(frame)));
    let mut message = &text[end..];
    if let Some((category, after)) = message.split_once(": ") {
        if category.starts_with("Log") && category.bytes().all(|b| b.is_ascii_alphanumeric()) {
            push_logger(&mut fields, category, None);
            message = after;
            let (verbosity, after) = after.split_once(": ").unwrap_or(("", after));
            let level = match verbosity {
                "Fatal" => Some("FATAL"),
                "Error" => Some("ERROR"),
                "Warning" => Some("WARN"),
                "Display" | "Log" => Some("INFO"),
                "Verbose" | "VeryVerbose" => Some("DEBUG"),
                _ => None,
            };
            if let Some(level) = level {
                fields.push(("level".to_string(), Value::String(level.to_string())));
                message = after;
            }
        }
    }
    push_message(message, &mut fields);
    Some(fields)
}

#[cfg(test)]
mod tests {
    use super::super::tests::parser;

    fn get(fields: &[(String, serde_json::Value)], name: &str) -> Option<String> {
        fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| match v {
                serde_json::Value::String(s) => s.clone(),
                other => other.to_string(),
            })
    }

    #[test]
    fn categories_verbosities_and_frames() {
        let parser = parser();
        let f = super::parse(
            "[2026.11.30-14.01.03:789][ 12]LogNet: Warning: UNetConnection::Tick: Connection TIMED OUT",
            &parser,
        )
        .unwrap();
        assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03.789");
        assert_eq!(get(&f, "frame").unwrap(), "12");
        assert_eq!(get(&f, "logger").unwrap(), "LogNet");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert_eq!(
            get(&f, "message").unwrap(),
            "UNetConnection::Tick: Connection TIMED OUT"
        );
        let f = super::parse(
            "[2026.11.30-14.01.04:001][ 13]LogTemp: Player joined",
            &parser,
        )
        .unwrap();
        assert_eq!(get(&f, "logger").unwrap(), "LogTemp");
        assert!(get(&f, "level").is_none());
        assert_eq!(get(&f, "message").unwrap(), "Player joined");
        let f = super::parse(
            "[2026.11.30-14.01.02:456][  0]Message without a category",
            &parser,
        )
        .unwrap();
        assert!(get(&f, "logger").is_none());
    }

    #[test]
    fn other_lines_and_every_cut_are_left_alone() {
        let line = "[2026.11.30-14.01.02:456][  0]LogInit: Error: Failed to load module";
        for (cut, _) in line.char_indices() {
            let _ = super::parse(&line[..cut], &parser());
        }
        assert!(super::starts_event(line));
        for other in [
            "Log file open, 11/30/26 14:01:02",
            "[2026-11-30 14:01:02] [main/INFO]: x",
            "[2026.11.30-14.01.02:456] no frame",
            "[2026.13.30-14.01.02:456][  0]LogInit: bad month",
        ] {
            assert!(!super::starts_event(other), "{other}");
        }
    }
}
