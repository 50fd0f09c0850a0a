//! Multi-line events inside Kubernetes CRI logs. The runtime writes every line of a
//! container's output as a record of its own (`<time> <stream> F <payload>`), so a Java stack
//! trace or a Python traceback arrives as one record per line. A record continues the event
//! before it, as agents' multi-line parsers join them (Fluent Bit's `multiline.parser`,
//! Vector's `multiline`), when it comes from the same stream within a second and its payload
//! reads as a continuation: indented (stack frames), a stack trace's own unindented lines
//! (`Caused by:`, `... 12 more`, a traceback's opening and exception lines, a Go panic's dump),
//! or a line without a time after an event whose payload opened with one (the exception's
//! line after `2026-11-30 14:01:02.123 ERROR ... payment failed`). JSON payloads are events
//! of their own.

use super::{Group, Traceback, TRACEBACK};
use crate::ingest::text::starts_text_event;

/// The most a continuation's time may trail the record before it: a stack trace is written at
/// once, a new event is not joined to one minutes old.
const WITHIN_MICROS: i64 = 1_000_000;

/// A CRI line's parts (its `P`/`F` tag aside).
struct Record<'a> {
    time: &'a [u8],
    stream: &'a [u8],
    payload: &'a [u8],
}

fn parts(line: &[u8]) -> Option<Record<'_>> {
    let mut parts = line.splitn(4, |b| *b == b' ');
    let (time, stream, _tag) = (parts.next()?, parts.next()?, parts.next()?);
    Some(Record {
        time,
        stream,
        payload: parts.next()?,
    })
}

/// A CRI line's payload (empty when the line is no CRI line).
pub(super) fn payload(line: &[u8]) -> &[u8] {
    parts(line).map_or(&[], |record| record.payload)
}

/// Whether `line` continues the open group's event (its last record being complete).
pub(super) fn continues(open: &Group, line: &[u8], traceback: Traceback) -> bool {
    let Some(Record {
        time,
        stream,
        payload,
    }) = parts(line)
    else {
        return false;
    };
    // A JSON record is an event of its own, and nothing continues one.
    let first = payload_of_first(open);
    if is_json(payload) || is_json(first) {
        return false;
    }
    let shaped = matches!(payload[0], b' ' | b'\t')
        || CONTINUATIONS.iter().any(|c| payload.starts_with(c))
        || traceback.continued_by(payload)
        || payload.starts_with(TRACEBACK)
        || !starts_text_event(payload) && starts_text_event(first);
    if !shaped {
        return false;
    }
    let last = last_line(&open.content);
    let Some(last) = parts(last) else {
        return false;
    };
    stream == last.stream && within(last.time, time)
}

/// Empty, or a JSON object (or an array of them).
fn is_json(payload: &[u8]) -> bool {
    matches!(payload.first(), None | Some(b'{')) || payload.starts_with(b"[{")
}

const CONTINUATIONS: [&[u8]; 4] = [b"Caused by: ", b"Suppressed: ", b"...", b"--- End of "];

fn payload_of_first(open: &Group) -> &[u8] {
    let first = open
        .content
        .split(|b| *b == b'\n')
        .next()
        .unwrap_or_default();
    payload(first)
}

fn last_line(content: &[u8]) -> &[u8] {
    match memchr::memrchr(b'\n', content) {
        Some(at) => &content[at + 1..],
        None => content,
    }
}

/// Whether `later` is at most a second after `earlier` (RFC 3339 times).
fn within(earlier: &[u8], later: &[u8]) -> bool {
    let micros = |time: &[u8]| {
        let text = std::str::from_utf8(time).ok()?;
        let time = chrono::DateTime::parse_from_rfc3339(text).ok()?;
        Some(time.timestamp_micros())
    };
    match (micros(earlier), micros(later)) {
        (Some(earlier), Some(later)) => (0..=WITHIN_MICROS).contains(&(later - earlier)),
        _ => false,
    }
}
