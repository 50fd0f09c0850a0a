//! Multi-line events inside container runtimes' logs. Kubernetes' CRI runtimes
//! (`<time> <stream> F <payload>`) and Docker's json-file driver
//! (`{"log":"payload\n","stream":"stdout","time":"..."}`) write every line of a container's
//! output as a record of its own, so a Java stack trace or a Python traceback arrives as one
//! record per line, and a line longer than the runtime's buffer (16 KiB) as several partial
//! records (CRI's `P` tag; a Docker `log` without its final `\n`).
//!
//! A partial record is always continued by the next. After a complete record the next joins
//! the event, as agents' multi-line parsers join them (Fluent Bit's `multiline.parser`,
//! Vector's `multiline`), when it comes from the same stream within a second and its payload
//! reads as a continuation: indented (stack frames), a stack trace's own unindented lines
//! (`Caused by:`, `... 12 more`, a traceback's opening and exception lines, a Go panic's dump),
//! or a line without a time after an event whose payload opened with one (the exception's
//! line after `2026-11-30 14:01:02.123 ERROR ... payment failed`). JSON payloads are events
//! of their own.

use std::borrow::Cow;

use super::{continues_stack_trace, Traceback, TRACEBACK};
use crate::ingest::text::starts_text_event;

/// The most a continuation's time may trail the record before it: a stack trace is written at
/// once, a new event is not joined to one minutes old.
const WITHIN_MICROS: i64 = 1_000_000;

/// Which runtime wrote the records.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Runtime {
    Cri,
    Docker,
}

/// One record's parts.
struct Record<'a> {
    time: Cow<'a, [u8]>,
    stream: Cow<'a, [u8]>,
    payload: Cow<'a, [u8]>,
    /// The runtime split a long line here: the next record continues it.
    partial: bool,
}

impl Runtime {
    fn record<'a>(self, line: &'a [u8]) -> Option<Record<'a>> {
        match self {
            Runtime::Cri => {
                let mut parts = line.splitn(4, |b| *b == b' ');
                let (time, stream, tag) = (parts.next()?, parts.next()?, parts.next()?);
                Some(Record {
                    time: Cow::Borrowed(time),
                    stream: Cow::Borrowed(stream),
                    payload: Cow::Borrowed(parts.next()?),
                    partial: tag == b"P" || tag.starts_with(b"P:"),
                })
            }
            Runtime::Docker => docker_as_written(line).or_else(|| {
                let record: DockerRecord = serde_json::from_slice(line).ok()?;
                let partial = !record.log.ends_with('\n');
                let payload = match record.log {
                    Cow::Borrowed(log) => Cow::Borrowed(trim_newline(log.as_bytes())),
                    Cow::Owned(log) => Cow::Owned(trim_newline(log.as_bytes()).to_vec()),
                };
                let bytes = |text: Option<Cow<'a, str>>| match text {
                    Some(Cow::Borrowed(text)) => Cow::Borrowed(text.as_bytes()),
                    Some(Cow::Owned(text)) => Cow::Owned(text.into_bytes()),
                    None => Cow::Borrowed(&b""[..]),
                };
                Some(Record {
                    time: bytes(record.time),
                    stream: bytes(record.stream),
                    payload,
                    partial,
                })
            }),
        }
    }
}

/// The most of a payload the continuation rules look at: its opening words.
const PAYLOAD_HEAD: usize = 1024;

/// A json-file line as the driver writes it, `{"log":"...","stream":"stdout",...,"time":"..."}`,
/// read without a JSON parser: every line of a Docker source passes here. A JSON payload is
/// not unescaped (nothing joins it: `{` stands for it), a text payload's head only. `None`
/// for any other shape (keys in another order, an escape this does not read), which the JSON
/// parser then reads.
fn docker_as_written(line: &[u8]) -> Option<Record<'_>> {
    let body = line.strip_prefix(br#"{"log":""#)?;
    // A quote inside the log is escaped, so the first unescaped `","stream":"` ends it.
    let end = memchr::memmem::find(body, br#"","stream":""#)?;
    let (escaped, after) = (&body[..end], &body[end + br#"","stream":""#.len()..]);
    let stream_end = memchr::memchr(b'"', after)?;
    let stream = &after[..stream_end];
    let time_at = memchr::memmem::find(after, br#""time":""#)? + br#""time":""#.len();
    let time_end = time_at + memchr::memchr(b'"', &after[time_at..])?;
    let newline = ends_with_escaped(escaped, b'n');
    let partial = !newline;
    let mut text = if newline {
        &escaped[..escaped.len() - 2]
    } else {
        escaped
    };
    if ends_with_escaped(text, b'r') {
        text = &text[..text.len() - 2];
    }
    let payload = if text.starts_with(b"{") || text.starts_with(b"[{") {
        Cow::Borrowed(&b"{"[..])
    } else {
        unescaped_head(text)?
    };
    Some(Record {
        time: Cow::Borrowed(&after[time_at..time_end]),
        stream: Cow::Borrowed(stream),
        payload,
        partial,
    })
}

/// Whether JSON string text ends with the escape `\<letter>` (its backslash not itself escaped).
fn ends_with_escaped(text: &[u8], letter: u8) -> bool {
    let Some(before) = text.strip_suffix(&[letter][..]) else {
        return false;
    };
    let backslashes = before.iter().rev().take_while(|&&b| b == b'\\').count();
    backslashes % 2 == 1
}

/// The first `PAYLOAD_HEAD` bytes of JSON string text, unescaped; `None` for a `\u` escape.
fn unescaped_head(text: &[u8]) -> Option<Cow<'_, [u8]>> {
    let head = &text[..text.len().min(PAYLOAD_HEAD)];
    if !head.contains(&b'\\') {
        return Some(Cow::Borrowed(head));
    }
    let mut out = Vec::with_capacity(head.len());
    let mut bytes = head.iter();
    while let Some(&byte) = bytes.next() {
        if byte != b'\\' {
            out.push(byte);
            continue;
        }
        out.push(match bytes.next() {
            Some(b'n') => b'\n',
            Some(b't') => b'\t',
            Some(b'r') => b'\r',
            Some(b'b') => 8,
            Some(b'f') => 12,
            Some(&other @ (b'"' | b'\\' | b'/')) => other,
            // A head cut inside an escape ends here.
            None => break,
            _ => return None,
        });
    }
    Some(Cow::Owned(out))
}

/// The fields of a json-file line that decide its grouping (the parser reads the rest).
#[derive(serde::Deserialize)]
struct DockerRecord<'a> {
    #[serde(borrow)]
    log: Cow<'a, str>,
    #[serde(borrow, default)]
    stream: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    time: Option<Cow<'a, str>>,
}

fn trim_newline(log: &[u8]) -> &[u8] {
    let log = log.strip_suffix(b"\n").unwrap_or(log);
    log.strip_suffix(b"\r").unwrap_or(log)
}

/// What the grouper remembers of the open group's records.
pub struct ContainerLines {
    runtime: Runtime,
    /// The open group's first payload (its event's opening line).
    first_payload: Vec<u8>,
    last_stream: Vec<u8>,
    last_time: Vec<u8>,
    /// The open group's last record is partial: the next record completes it.
    partial: bool,
}

impl ContainerLines {
    pub fn new(runtime: Runtime) -> ContainerLines {
        ContainerLines {
            runtime,
            first_payload: Vec::new(),
            last_stream: Vec::new(),
            last_time: Vec::new(),
            partial: false,
        }
    }

    /// Whether `line` continues the open group (`open`), remembering it as the open group's
    /// last record, and as its first when it does not continue; `traceback` follows the
    /// payloads.
    pub fn continues(&mut self, open: bool, line: &[u8], traceback: &mut Traceback) -> bool {
        let Some(record) = self.runtime.record(line) else {
            *traceback = Traceback::Outside;
            self.partial = false;
            self.last_stream.clear();
            self.first_payload.clear();
            return false;
        };
        let continues = open && (self.partial || self.continuation(&record, *traceback));
        *traceback = traceback.after(&record.payload);
        if !continues {
            self.first_payload.clear();
            self.first_payload.extend_from_slice(&record.payload);
        }
        self.partial = record.partial;
        self.last_stream.clear();
        self.last_stream.extend_from_slice(&record.stream);
        self.last_time.clear();
        self.last_time.extend_from_slice(&record.time);
        continues
    }

    /// Whether a complete record's `record` continues the event before it.
    fn continuation(&self, record: &Record, traceback: Traceback) -> bool {
        let (payload, first) = (&record.payload[..], &self.first_payload[..]);
        // A JSON record is an event of its own, and nothing continues one.
        if is_json(payload) || is_json(first) {
            return false;
        }
        let shaped = matches!(payload[0], b' ' | b'\t')
            || continues_stack_trace(payload)
            || traceback.continued_by(payload)
            || payload.starts_with(TRACEBACK)
            || !starts_text_event(payload) && starts_text_event(first);
        shaped && record.stream == self.last_stream && within(&self.last_time, &record.time)
    }
}

/// Empty, or a JSON object (or an array of them).
fn is_json(payload: &[u8]) -> bool {
    matches!(payload.first(), None | Some(b'{')) || payload.starts_with(b"[{")
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The fast reader agrees with the JSON parser on what grouping needs.
    #[test]
    fn docker_lines_read_as_written_agree_with_the_parser() {
        let lines = [
            r#"{"log":"2026-11-30 14:01:02 ERROR [main] c.a.B - boom\n","stream":"stderr","time":"2026-11-30T14:01:02.1Z"}"#,
            r#"{"log":"\tat a.B(B.java:1)\r\n","stream":"stdout","time":"2026-11-30T14:01:02.2Z"}"#,
            r#"{"log":"said \"hi\" \\ then\n","stream":"stdout","attrs":{"tag":"x"},"time":"2026-11-30T14:01:02.3Z"}"#,
            r#"{"log":"a long line cut","stream":"stdout","time":"2026-11-30T14:01:02.4Z"}"#,
            r#"{"log":"ends in a backslash\\","stream":"stdout","time":"2026-11-30T14:01:02.5Z"}"#,
            r#"{"log":"{\"level\":\"warn\",\"msg\":\"x\"}\n","stream":"stdout","time":"2026-11-30T14:01:02.6Z"}"#,
        ];
        for line in lines {
            let fast = docker_as_written(line.as_bytes()).expect(line);
            let record: DockerRecord = serde_json::from_str(line).unwrap();
            assert_eq!(fast.partial, !record.log.ends_with('\n'), "{line}");
            assert_eq!(
                &fast.stream[..],
                record.stream.unwrap().as_bytes(),
                "{line}"
            );
            assert_eq!(&fast.time[..], record.time.unwrap().as_bytes(), "{line}");
            let payload = trim_newline(record.log.as_bytes());
            if payload.starts_with(b"{") {
                assert_eq!(&fast.payload[..], b"{");
            } else {
                assert_eq!(&fast.payload[..], payload, "{line}");
            }
        }
        // Another key order, or an escape it does not read: the JSON parser's.
        for line in [
            r#"{"stream":"stdout","log":"x\n","time":"2026-11-30T14:01:02Z"}"#,
            r#"{"log":"caf\u00e9\n","stream":"stdout","time":"2026-11-30T14:01:02Z"}"#,
        ] {
            assert!(docker_as_written(line.as_bytes()).is_none(), "{line}");
            assert!(Runtime::Docker.record(line.as_bytes()).is_some(), "{line}");
        }
    }
}
