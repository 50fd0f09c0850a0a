//! Lines a tool prefixed with its own RFC 3339 time: `kubectl logs --timestamps`,
//! `docker logs -t` (`2026-11-30T14:01:02.123456789Z <the app's line>`) and Logstash's `line`
//! codec (`<@timestamp> <host> <message>`, what its S3 and file outputs write by default).
//! The app's own line after the prefix is read as a text line when it opens with a date of
//! its own: its time, level, thread and logger win, the prefix's time stays as
//! `prefix_time`. A stack trace's lines, each prefixed, continue their event (see
//! `starts_text_event`), and the prefixes are taken off them in the event's message.

use std::borrow::Cow;

use serde_json::Value;

use super::TextParser;

/// What follows a line's leading RFC 3339 time and its space (`2026-11-30T14:01:02Z `,
/// fractions of any length, `Z` or a numeric offset), if it has one.
pub(crate) fn payload_after_prefix(line: &[u8]) -> Option<&[u8]> {
    const SHAPE: &[u8; 19] = b"dddd-dd-ddTdd:dd:dd";
    let head = line.get(..19)?;
    let shaped = head.iter().zip(SHAPE).all(|(&b, &s)| match s {
        b'd' => b.is_ascii_digit(),
        s => b == s,
    });
    if !shaped {
        return None;
    }
    let mut at = 19;
    if line.get(at) == Some(&b'.') {
        at += 1;
        while line.get(at).is_some_and(u8::is_ascii_digit) {
            at += 1;
        }
    }
    match line.get(at)? {
        b'Z' => at += 1,
        b'+' | b'-' => {
            let zone = line.get(at + 1..)?;
            let len = match zone {
                [a, b, b':', c, d, ..] if [a, b, c, d].iter().all(|d| d.is_ascii_digit()) => 5,
                [a, b, c, d, ..] if [a, b, c, d].iter().all(|d| d.is_ascii_digit()) => 4,
                _ => return None,
            };
            at += 1 + len;
        }
        _ => return None,
    }
    (line.get(at) == Some(&b' ')).then(|| &line[at + 1..])
}

/// An event whose continuation lines carry the prefix too (a stack trace under
/// `kubectl logs --timestamps`): those lines without it.
pub(super) fn without_prefixes(text: &str) -> Cow<'_, str> {
    let Some((first, rest)) = text.split_once('\n') else {
        return Cow::Borrowed(text);
    };
    let prefixed = |line: &str| payload_after_prefix(line.as_bytes()).is_some();
    if payload_after_prefix(first.as_bytes()).is_none() || !rest.split('\n').any(prefixed) {
        return Cow::Borrowed(text);
    }
    let mut joined = String::with_capacity(text.len());
    joined.push_str(first);
    for line in rest.split('\n') {
        joined.push('\n');
        let payload = payload_after_prefix(line.as_bytes()).map(|p| line.len() - p.len());
        joined.push_str(&line[payload.unwrap_or(0)..]);
    }
    Cow::Owned(joined)
}

/// The app's own line after a prefix (and a Logstash host), read as a text line, when it
/// opens with a date with its year.
pub(super) fn relayed_line(text: &str, parser: &TextParser) -> Option<Vec<(String, Value)>> {
    let payload = payload_after_prefix(text.as_bytes())?;
    let payload = &text[text.len() - payload.len()..];
    let (host, line) = match opens_with_dated_year(payload) {
        true => (None, payload),
        false => {
            let (host, line) = payload.split_once(' ')?;
            let is_host = host.len() <= 64 && !host.contains(['[', '=', ':', '{', '"']);
            (is_host && opens_with_dated_year(line)).then_some((Some(host), line))?
        }
    };
    let mut fields = parser.parse(line).ok()?;
    let prefix_time = text[..text.len() - payload.len()].trim_end();
    fields.push((
        "prefix_time".to_string(),
        Value::String(prefix_time.to_string()),
    ));
    if let Some(host) = host {
        fields.push(("host".to_string(), Value::String(host.to_string())));
    }
    Some(fields)
}

/// `2026-11-30 ...`, `2026/11/30 ...`, `2026-11-30T...`: a date with its year first.
fn opens_with_dated_year(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() >= 10
        && b[..4].iter().all(u8::is_ascii_digit)
        && matches!(b[4], b'-' | b'/')
        && b[5..7].iter().all(u8::is_ascii_digit)
        && b[7] == b[4]
        && b[8..10].iter().all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefixes_of_every_precision_and_zone() {
        for (line, payload) in [
            ("2026-11-30T14:01:02.123456789Z hello", Some("hello")),
            ("2026-11-30T14:01:02Z hello", Some("hello")),
            ("2026-11-30T14:01:02.5+01:00 hello", Some("hello")),
            ("2026-11-30T14:01:02-0800 hello", Some("hello")),
            ("2026-11-30 14:01:02Z hello", None),
            ("2026-11-30T14:01:02 hello", None),
            ("2026-11-30T14:01:02Zhello", None),
        ] {
            let got =
                payload_after_prefix(line.as_bytes()).map(|p| std::str::from_utf8(p).unwrap());
            assert_eq!(got, payload, "{line}");
        }
    }

    #[test]
    fn continuation_lines_lose_their_prefix() {
        let group = "2026-11-30T14:01:02.1Z 2026-11-30 14:01:02,123 ERROR boom\n\
                     2026-11-30T14:01:02.2Z java.lang.IllegalStateException: pool\n\
                     2026-11-30T14:01:02.3Z \tat a.B(B.java:1)";
        assert_eq!(
            without_prefixes(group),
            "2026-11-30T14:01:02.1Z 2026-11-30 14:01:02,123 ERROR boom\n\
             java.lang.IllegalStateException: pool\n\tat a.B(B.java:1)"
        );
        let plain = "2026-11-30T14:01:02Z ERROR boom\n\tat a.B(B.java:1)";
        assert!(matches!(without_prefixes(plain), Cow::Borrowed(_)));
    }
}
