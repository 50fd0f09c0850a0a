//! An application's own log as syslog relays it: rsyslog's `imfile`, or a service under
//! systemd printing to stdout, each of its lines a syslog message of its own:
//!
//! ```text
//! Nov 30 14:01:02 web-1 shop[123]: 2026-11-30 14:01:02,123 ERROR [main] c.a.Checkout - payment failed
//! Nov 30 14:01:02 web-1 shop[123]: java.lang.IllegalStateException: pool exhausted
//! Nov 30 14:01:02 web-1 shop[123]: #011at com.acme.Pool.get(Pool.java:42)
//! Nov 30 14:01:02 web-1 shop[123]: Caused by: java.net.SocketTimeoutException: timed out
//! ```
//!
//! The first line is read as a text line (its time, with the year syslog's leaves out, its
//! level, thread and logger win); the lines of its stack trace (frames, indented by a tab that
//! rsyslog writes as `#011`, `Caused by:`, `... 12 more`, the exception's line) join its event
//! as agents' multi-line rules do, their messages without the syslog header. So does a Python
//! traceback (`Traceback (most recent call last):`, its indented frames and the exception's
//! line after them), followed by the grouper's traceback state in the lines' messages.

use std::borrow::Cow;

use serde_json::Value;

use crate::ingest::multiline::continues_stack_trace;
use crate::ingest::text::{push_message, TextParser};

/// The message, or the application's own log line the message relays: read as a text line
/// with a time and a level, its fields win over the wrapper's, whose time is kept as
/// `syslog_time`.
pub(super) fn push_relayed(message: &str, times: &TextParser, fields: &mut Vec<(String, Value)>) {
    if let Some(app) = opens_with_dated_time(message)
        .then(|| times.parse(message).ok())
        .flatten()
        // Its own level is what makes it the application's line: a dated line without one
        // (macOS' NSLog `2026-11-30 14:01:02.123 Agent[12/0x7000] ...`) stays the message.
        .filter(|app| {
            ["ts", "level"]
                .iter()
                .all(|own| app.iter().any(|(name, _)| name == own))
        })
    {
        for (name, _) in fields.iter_mut() {
            if name == "ts" {
                *name = "syslog_time".to_string();
            }
        }
        fields.retain(|(name, _)| !app.iter().any(|(own, _)| own == name));
        fields.extend(app);
        return;
    }
    push_message(message, fields);
}

/// Whether `message` opens with a date that has its year (`2026-11-30`, `[2026/11/30`): an
/// application's own time, not words that happen to start with a number.
fn opens_with_dated_time(message: &str) -> bool {
    let date = message.strip_prefix('[').unwrap_or(message).as_bytes();
    date.len() > 10
        && date[..4].iter().all(u8::is_ascii_digit)
        && matches!(date[4], b'-' | b'/' | b'.')
        && date[5].is_ascii_digit()
}

/// Whether a syslog line relays a line of a stack trace, which continues the event before it.
pub(crate) fn continues_relayed_trace(line: &[u8]) -> bool {
    message_of(line).is_some_and(is_trace_line)
}

/// What follows a syslog line's tag: the text after its first `: ` (a time's colons have no
/// space after them); empty after a colon that ends the line (`shop[123]:`, a blank line the
/// program printed).
pub(super) fn message_of(line: &[u8]) -> Option<&[u8]> {
    let at = memchr::memchr_iter(b':', line)
        .find(|&at| matches!(line.get(at + 1), Some(b' ') | None))?;
    Some(line.get(at + 2..).unwrap_or_default())
}

pub(super) fn is_trace_line(message: &[u8]) -> bool {
    let indent = indentation(message);
    if indent > 0 {
        let rest = &message[indent..];
        return rest.starts_with(b"at ") || rest.starts_with(b"... ");
    }
    continues_stack_trace(message)
        || is_exception_line(message)
        || message.starts_with(b"Traceback (most recent call last):")
}

/// The length of a message's indentation: tabs, spaces, and tabs as rsyslog escapes them.
fn indentation(message: &[u8]) -> usize {
    let mut at = 0;
    loop {
        match &message[at..] {
            [b'\t' | b' ', ..] => at += 1,
            [b'#', b'0', b'1', b'1', ..] => at += 4,
            _ => return at,
        }
    }
}

/// `java.lang.IllegalStateException: pool exhausted`, `com.acme.PaymentError`.
fn is_exception_line(message: &[u8]) -> bool {
    let end = message
        .iter()
        .position(|&b| b == b':' || b == b' ')
        .unwrap_or(message.len());
    let name = &message[..end];
    name.contains(&b'.')
        && (name.ends_with(b"Exception") || name.ends_with(b"Error"))
        && name
            .iter()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'$'))
}

/// The message of a headed line inside a group: a trace line it relays (see
/// `continues_relayed_trace`, and a Python traceback's lines, which the grouper follows).
fn relayed(line: &str) -> Option<&[u8]> {
    let line = line.as_bytes();
    super::is_headed(line).then(|| message_of(line)).flatten()
}

/// A group's text with its relayed trace lines reduced to their messages (`#011` back to a
/// tab); its other lines (a macOS message's indented lines) as they are.
pub(super) fn with_relayed_lines(text: &str) -> Cow<'_, str> {
    // Most groups (a macOS message's indented lines) have none: read as they are.
    let Some((first, rest)) = text
        .split_once('\n')
        .filter(|(_, rest)| rest.split('\n').any(|line| relayed(line).is_some()))
    else {
        return Cow::Borrowed(text);
    };
    let mut joined = String::with_capacity(text.len());
    joined.push_str(first);
    for line in rest.split('\n') {
        joined.push('\n');
        match relayed(line) {
            Some(message) => {
                let message = &line[line.len() - message.len()..];
                let indent = indentation(message.as_bytes());
                joined.push_str(&message[..indent].replace("#011", "\t"));
                joined.push_str(&message[indent..]);
            }
            None => joined.push_str(line),
        }
    }
    Cow::Owned(joined)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trace_lines_relayed_by_syslog() {
        for line in [
            "Nov 30 14:01:02 web-1 shop[123]: #011at com.acme.Pool.get(Pool.java:42)",
            "Nov 30 14:01:02 web-1 shop[123]: \tat com.acme.Pool.get(Pool.java:42)",
            "Nov 30 14:01:02 web-1 shop[123]: #011... 12 more",
            "Nov 30 14:01:02 web-1 shop[123]: Caused by: java.net.SocketTimeoutException: x",
            "Nov 30 14:01:02 web-1 shop[123]: java.lang.IllegalStateException: pool exhausted",
            "<14>Nov 30 14:01:02 web-1 shop[123]:     at com.acme.Pool.get(Pool.java:42)",
        ] {
            assert!(continues_relayed_trace(line.as_bytes()), "{line}");
        }
        for line in [
            "Nov 30 14:01:02 web-1 shop[123]: 2026-11-30 14:01:02,123 ERROR [main] c.a.B - x",
            "Nov 30 14:01:02 web-1 sshd[9]: Accepted publickey for bob",
            "Nov 30 14:01:02 web-1 cron[9]: at 14:00 the job ran",
            "Nov 30 14:01:02 web-1 app[9]: Error: disk full",
            "Nov 30 14:01:02 web-1 kernel: usb 1-1: new device",
        ] {
            assert!(!continues_relayed_trace(line.as_bytes()), "{line}");
        }
        let group = "Nov 30 14:01:02 web-1 shop[123]: boom\n\
                     Nov 30 14:01:02 web-1 shop[123]: #011at a.B(B.java:1)\n\
                     \tindented as macOS writes it";
        assert_eq!(
            with_relayed_lines(group),
            "Nov 30 14:01:02 web-1 shop[123]: boom\n\tat a.B(B.java:1)\n\tindented as macOS writes it"
        );
    }
}
