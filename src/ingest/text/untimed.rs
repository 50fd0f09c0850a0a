//! Lines with no time at all, as programs write them to a terminal or a redirected stdout:
//! Python's `logging.basicConfig` default (`ERROR:app.payments:payment failed`), uvicorn
//! (`INFO:     Started server process [1]`), Maven (`[ERROR] Failed to execute goal ...`),
//! env_logger without its time (`[WARN  my_app] slow`), npm (`npm ERR! code E404`), apt
//! (`E: Unable to locate package`), compilers and CLIs (`error: could not compile`), and
//! `WARN  message` / `ERROR - message`.
//!
//! Such a line starts an event only in a source read as untimed (detection chooses that when
//! most of a source's first lines fit only without a time, see `detect`); there every event is
//! stamped with the source's modification time. The other lines continue the event before
//! them (a Python traceback), as in timed text.

use serde_json::Value;

use super::tokens::{is_name_char, level_and_target, split_pid};
use super::{push_logger, push_message};
use crate::ingest::values::normalize_level;

/// Level words a line may open with bare (`ERROR:`, `WARN  `): upper case only, where prose
/// would not start a line with them.
const BARE_LEVELS: [&str; 10] = [
    "TRACE", "DEBUG", "INFO", "NOTICE", "WARN", "WARNING", "ERROR", "CRITICAL", "FATAL", "SEVERE",
];

/// The levels of .NET's console logger, always followed by `: Category[event id]`.
const DOTNET_LEVELS: [&str; 6] = ["trce", "dbug", "info", "warn", "fail", "crit"];

/// npm's levels after its name: `npm ERR!` (npm 6-9), `npm error` (npm 10), `npm WARN`, ...
const NPM_LEVELS: [(&str, &str); 9] = [
    ("ERR!", "ERROR"),
    ("error", "ERROR"),
    ("WARN", "WARN"),
    ("warn", "WARN"),
    ("notice", "INFO"),
    ("info", "INFO"),
    ("http", "INFO"),
    ("verb", "DEBUG"),
    ("timing", "DEBUG"),
];

/// The level an npm line's second word names (`ERR!`, `WARN`, `notice`, ...).
pub(crate) fn npm_level(word: &str) -> Option<&'static str> {
    NPM_LEVELS
        .iter()
        .find(|(w, _)| *w == word)
        .map(|(_, level)| *level)
}

/// What opens an untimed line: its level, the logger it names, and where the message starts.
#[derive(Debug, PartialEq)]
struct Lead<'a> {
    level: &'static str,
    logger: Option<&'a str>,
    /// .NET's event id after its category (`Shop.Api.Orders[14]`).
    event_id: Option<u64>,
    message: &'a str,
}

/// The level a line opens with, in one of the shapes in the module doc.
fn lead(text: &str) -> Option<Lead<'_>> {
    if let Some(inside) = text.strip_prefix('[') {
        return bracketed(inside);
    }
    if let Some(rest) = text.strip_prefix("npm ") {
        let (word, message) = rest.split_once(' ').unwrap_or((rest, ""));
        let level = npm_level(word)?;
        return Some(Lead {
            event_id: None,
            level,
            logger: Some("npm"),
            message: message.trim_start(),
        });
    }
    // A program's name before a bracketed level: `nginx: [emerg] bind() ... failed`.
    if let Some((program, after)) = text.split_once(": [") {
        let is_name = |b: u8| b.is_ascii_alphanumeric() || b"-_.".contains(&b);
        let named = !program.is_empty() && program.len() <= 32 && program.bytes().all(is_name);
        if let Some(lead) = bracketed(after).filter(|_| named) {
            return Some(Lead {
                logger: Some(program),
                ..lead
            });
        }
    }
    // apt and dpkg: `E: ...`, `W: ...`, `N: ...`.
    if let [letter @ (b'E' | b'W' | b'N' | b'I'), b':', b' ', ..] = text.as_bytes() {
        let level = match letter {
            b'E' => "ERROR",
            b'W' => "WARN",
            _ => "INFO",
        };
        return Some(Lead {
            event_id: None,
            level,
            logger: None,
            message: &text[3..],
        });
    }
    if let Some((_, lead)) = logrus_terminal(text) {
        return Some(lead);
    }
    if let Some((lead, _)) = logcat_brief(text) {
        return Some(lead);
    }
    let word_len = text.bytes().take_while(u8::is_ascii_alphabetic).count();
    let (word, rest) = text.split_at(word_len);
    if BARE_LEVELS.contains(&word) {
        return upper_case_word(word, rest);
    }
    if let Some(lead) = dotnet_console(word, rest) {
        return Some(lead);
    }
    // `error: could not compile`, `warning: unused import` (lower case needs its colon).
    let rest = rest.strip_prefix(": ")?;
    let level = normalize_level(word)
        .filter(|_| ["error", "warning", "warn", "fatal", "info", "debug"].contains(&word))?;
    Some(Lead {
        event_id: None,
        level,
        logger: None,
        message: rest,
    })
}

/// `adb logcat -v brief` and `-v tag`: `E/AndroidRuntime( 1234): message`, `I/Tag: message`
/// (the tag as logger). The lead and the pid.
fn logcat_brief(text: &str) -> Option<(Lead<'_>, Option<u64>)> {
    let [letter, b'/', ..] = text.as_bytes() else {
        return None;
    };
    let level = super::prefixes::letter_level(*letter, b"VDIWEFA")?;
    let after = &text[2..];
    let end = after.find([':', '('])?;
    let tag = after[..end].trim_end();
    let (pid, rest) = match after[end..].strip_prefix('(') {
        Some(inside) => {
            let (pid, rest) = inside.split_once(')')?;
            (Some(pid.trim().parse::<u64>().ok()?), rest)
        }
        None => (None, &after[end..]),
    };
    let message = rest.strip_prefix(':')?;
    // Prose such as `I/O error: ...` has a space in its would-be tag.
    let named = !tag.is_empty() && !tag.contains(char::is_whitespace);
    named.then_some((
        Lead {
            event_id: None,
            level,
            logger: Some(tag),
            message: message.trim_start(),
        },
        pid,
    ))
}

/// logrus' text formatter on a terminal (Docker's tools, many Go programs): `ERRO[0010]
/// Payment failed   error="timeout"`, four letters of level and the whole seconds since the
/// program started. The seconds and the lead.
fn logrus_terminal(text: &str) -> Option<(u64, Lead<'_>)> {
    const LOGRUS_LEVELS: [(&str, &str); 7] = [
        ("PANI", "FATAL"),
        ("FATA", "FATAL"),
        ("ERRO", "ERROR"),
        ("WARN", "WARN"),
        ("INFO", "INFO"),
        ("DEBU", "DEBUG"),
        ("TRAC", "TRACE"),
    ];
    let (word, rest) = text.split_at_checked(4)?;
    let level = LOGRUS_LEVELS.iter().find(|(w, _)| *w == word)?.1;
    let (seconds, message) = rest.strip_prefix('[')?.split_once(']')?;
    let seconds = seconds
        .parse()
        .ok()
        .filter(|_| seconds.bytes().all(|b| b.is_ascii_digit()))?;
    let lead = Lead {
        level,
        logger: None,
        event_id: None,
        message: message.trim_start(),
    };
    Some((seconds, lead))
}

/// .NET's console logger: `fail: Shop.Api.Orders[14]`, the message after it or, by default,
/// on the indented lines below (which continue the event).
fn dotnet_console<'a>(word: &str, rest: &'a str) -> Option<Lead<'a>> {
    if !DOTNET_LEVELS.contains(&word) {
        return None;
    }
    let rest = rest.strip_prefix(": ")?;
    let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
    let (category, event_id) = split_pid(&rest[..end]);
    // `ILogger<Program>` names a category with no namespace: any name will do.
    let named = !category.is_empty() && category.chars().all(is_name_char);
    let event_id = event_id.filter(|_| named)?;
    Some(Lead {
        level: normalize_level(word)?,
        logger: Some(category),
        event_id: Some(event_id),
        message: rest[end..].trim_start(),
    })
}

/// `[ERROR] message` (Maven, many CLIs), `[WARN  my_app] message` (env_logger without time).
fn bracketed(inside: &str) -> Option<Lead<'_>> {
    let (head, message) = inside.split_once(']')?;
    let head = head.trim();
    let (level, logger) = match level_and_target(head) {
        Some((level, target)) => (level, Some(target)),
        None => (normalize_level(head)?, None),
    };
    Some(Lead {
        event_id: None,
        level,
        logger,
        message: message.trim_start(),
    })
}

/// After an upper-case level word: `:logger:message` (Python), `:     message` (uvicorn),
/// spaces, ` - ` or ` | ` and the message.
fn upper_case_word<'a>(word: &str, rest: &'a str) -> Option<Lead<'a>> {
    let level = normalize_level(word)?;
    if let Some(after) = rest.strip_prefix(':') {
        if after.is_empty() || after.starts_with(char::is_whitespace) {
            return Some(Lead {
                event_id: None,
                level,
                logger: None,
                message: after.trim_start(),
            });
        }
        // `%(levelname)s:%(name)s:%(message)s`: the logger is one word before the next colon.
        let (logger, message) = match after.split_once(':') {
            Some((logger, message)) if !logger.contains(char::is_whitespace) => {
                (Some(logger), message)
            }
            _ => (None, after),
        };
        return Some(Lead {
            event_id: None,
            level,
            logger,
            message,
        });
    }
    if !rest.starts_with(' ') {
        return None;
    }
    let rest = rest.trim_start();
    let message = rest
        .strip_prefix("- ")
        .or_else(|| rest.strip_prefix("| "))
        .unwrap_or(rest);
    Some(Lead {
        event_id: None,
        level,
        logger: None,
        message,
    })
}

/// `ERROR:logger:message` or `ERROR:    message` (an upper-case level and its colon) into
/// `fields`; false, with nothing added, for any other start. Cheap on other lines: the first
/// byte and the byte after the first word decide.
pub(crate) fn read_colon_level(text: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let bytes = text.as_bytes();
    if !bytes.first().is_some_and(u8::is_ascii_uppercase) {
        return false;
    }
    let word_len = bytes
        .iter()
        .take(9)
        .take_while(|b| b.is_ascii_uppercase())
        .count();
    if bytes.get(word_len) != Some(&b':') || !BARE_LEVELS.contains(&&text[..word_len]) {
        return false;
    }
    match parse(text) {
        Some(read) => {
            fields.extend(read);
            true
        }
        None => false,
    }
}

/// The fields of an untimed line (no `ts`: the source's time is added when the event is
/// built), or `None` when it does not open with a level.
pub(crate) fn parse(text: &str) -> Option<Vec<(String, Value)>> {
    let mut fields = crate::ingest::records::field_list(8);
    if let Some(request) = http_request_line(text) {
        request.push_to(&mut fields);
        push_message(text, &mut fields);
        return Some(fields);
    }
    if let Some((seconds, lead)) = logrus_terminal(text) {
        fields.push(("uptime_s".to_string(), Value::from(seconds)));
        push_lead(lead, &mut fields);
        return Some(fields);
    }
    if let Some((lead, pid)) = logcat_brief(text) {
        if let Some(pid) = pid {
            fields.push(("pid".to_string(), Value::from(pid)));
        }
        push_lead(lead, &mut fields);
        return Some(fields);
    }
    let Some((seconds, after)) = uptime(text) else {
        push_lead(lead(text)?, &mut fields);
        return Some(fields);
    };
    fields.push(("uptime_s".to_string(), Value::from(seconds)));
    let after = after.trim_start();
    match lead(after) {
        // Rust's tracing with thread ids (Linkerd's proxy), read by the general header reader:
        // `[     0.001234s]  INFO ThreadId(01) linkerd2_proxy: message`.
        Some(lead) if lead.message.starts_with("ThreadId(") => {
            super::header::peel_header(after, &mut fields)
        }
        // The JVM's tags after its level: `[info][gc,heap] message`.
        Some(lead) => match jvm_tags(lead.message).filter(|_| lead.logger.is_none()) {
            Some((tags, message)) => push_lead(
                Lead {
                    logger: Some(tags),
                    message,
                    ..lead
                },
                &mut fields,
            ),
            None => push_lead(lead, &mut fields),
        },
        None => {
            if let Some((level, marked)) = xorg_marker(after) {
                fields.push(("level".to_string(), Value::String(level.to_string())));
                push_message(marked, &mut fields);
                return Some(fields);
            }
            let message = crate::ingest::syslog::host_and_program(after, &mut fields);
            push_message(message.unwrap_or(after), &mut fields);
        }
    }
    Some(fields)
}

/// A line of a `lines` source (neither times nor levels): read as an untimed line when it
/// opens with a level, else the whole line is the message (with its pairs).
pub(crate) fn plain_line(text: &str) -> Vec<(String, Value)> {
    parse(text).unwrap_or_else(|| {
        let mut fields = crate::ingest::records::field_list(4);
        push_message(text, &mut fields);
        fields
    })
}

/// Whether a line of a `lines` source starts an event: any line but an indented one (stack
/// frames, wrapped text) and the unindented lines of a stack trace: Java's `Caused by:`,
/// `Suppressed:` and `... 12 more`, .NET's `--- End of stack trace ...`, Python's chained
/// exceptions.
pub(crate) fn starts_plain_event(content: &[u8]) -> bool {
    const PYTHON_CHAINS: [&[u8]; 2] = [
        b"During handling of the above exception",
        b"The above exception was the direct cause",
    ];
    let content = crate::ingest::lines::without_bom(content);
    !matches!(content.first(), Some(b' ' | b'\t'))
        && !crate::ingest::multiline::continues_stack_trace(content)
        && !PYTHON_CHAINS.iter().any(|c| content.starts_with(c))
}

/// The X server's markers after its uptime (`[    12.456] (EE) Failed to load module`): the
/// level and the message after the marker.
fn xorg_marker(text: &str) -> Option<(&'static str, &str)> {
    let (marker, message) = text.split_at_checked(5)?;
    let level = match marker {
        "(EE) " => "ERROR",
        "(WW) " => "WARN",
        "(II) " | "(NI) " | "(==) " | "(**) " | "(++) " | "(--) " | "(!!) " | "(??) " => "INFO",
        _ => return None,
    };
    Some((level, message))
}

/// Seconds in a leading bracket: since boot in the kernel's ring buffer as `dmesg` prints it
/// (`[   12.345678] message`), since start in the JVM's unified logging with its default
/// decorators (`[0.012s][info][gc] message`; also `[12ms]`, `[12345ns]`). The seconds and
/// the rest of the line.
fn uptime(text: &str) -> Option<(f64, &str)> {
    let (inside, rest) = text.strip_prefix('[')?.split_once(']')?;
    let inside = inside.trim_start();
    let (number, seconds_per_unit) = if let Some(n) = inside.strip_suffix("ms") {
        (n, 1e-3)
    } else if let Some(n) = inside.strip_suffix("ns") {
        (n, 1e-9)
    } else if let Some(n) = inside.strip_suffix('s') {
        (n, 1.0)
    } else {
        // Bare, the kernel's: always with a fraction.
        (inside.split_once('.').map(|_| inside)?, 1.0)
    };
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let well_formed = match number.split_once('.') {
        Some((whole, fraction)) => digits(whole) && digits(fraction),
        None => digits(number),
    };
    let value: f64 = number.parse().ok().filter(|_| well_formed)?;
    Some((value * seconds_per_unit, rest))
}

/// The JVM's tag set in a bracket (`[gc,heap]`): the tags and the rest of the message.
fn jvm_tags(message: &str) -> Option<(&str, &str)> {
    let (tags, rest) = message.strip_prefix('[')?.split_once(']')?;
    let tag_char = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b',' || b == b'_';
    (!tags.is_empty() && tags.bytes().all(tag_char)).then(|| (tags, rest.trim_start()))
}

fn push_lead(lead: Lead, fields: &mut Vec<(String, Value)>) {
    fields.push(("level".to_string(), Value::String(lead.level.to_string())));
    if let Some(logger) = lead.logger {
        push_logger(fields, logger, None);
    }
    if let Some(event_id) = lead.event_id {
        fields.push(("event_id".to_string(), Value::from(event_id)));
    }
    push_message(lead.message, fields);
}

/// Whether a line of an untimed source starts an event: it opens with a level, or with a time
/// after all (a timed line among untimed ones); a `docker compose logs` line does unless its
/// message is indented.
/// An HTTP request line with no time, as Express's morgan writes it in its `dev` and `tiny`
/// formats (`GET /api/orders/17 500 12.345 ms - 21`, `GET /api/orders/17 500 21 - 12.345
/// ms`): method, path, status and the response time.
struct RequestLine<'a> {
    method: &'a str,
    path: &'a str,
    status: u16,
    duration_ms: Option<f64>,
}

impl RequestLine<'_> {
    fn push_to(&self, fields: &mut Vec<(String, Value)>) {
        fields.push(("method".to_string(), Value::String(self.method.to_string())));
        fields.push(("path".to_string(), Value::String(self.path.to_string())));
        fields.push(("status".to_string(), Value::from(self.status)));
        if let Some(ms) = self.duration_ms {
            fields.push(("duration_ms".to_string(), Value::from(ms)));
        }
    }
}

fn http_request_line(text: &str) -> Option<RequestLine<'_>> {
    const METHODS: [&str; 7] = ["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"];
    let mut words = text.split_ascii_whitespace();
    let method = words.next().filter(|m| METHODS.contains(m))?;
    let path = words.next().filter(|p| p.starts_with('/'))?;
    let status = words
        .next()
        .filter(|s| s.len() == 3)
        .and_then(|s| s.parse::<u16>().ok())
        .filter(|s| (100..600).contains(s))?;
    let rest: Vec<&str> = words.collect();
    let duration_ms = rest
        .windows(2)
        .find(|pair| pair[1] == "ms")
        .and_then(|pair| pair[0].parse::<f64>().ok());
    Some(RequestLine {
        method,
        path,
        status,
        duration_ms,
    })
}

pub(crate) fn starts_event(content: &[u8]) -> bool {
    let content = crate::ingest::ansi::strip_escapes(crate::ingest::lines::without_bom(content));
    let Ok(text) = std::str::from_utf8(&content) else {
        return true;
    };
    if let Some((_, message)) = super::compose::split(text) {
        return !message.starts_with(char::is_whitespace);
    }
    lead(text).is_some()
        || uptime(text).is_some()
        || http_request_line(text).is_some()
        || super::starts_text_event(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::super::tests::value;
    use super::*;

    fn read(text: &str) -> Option<(&'static str, Option<&str>, &str)> {
        lead(text).map(|l| (l.level, l.logger, l.message))
    }

    #[test]
    fn the_shapes_programs_write_without_a_time() {
        type Case<'a> = (&'a str, &'static str, Option<&'a str>, &'a str);
        let cases: [Case; 18] = [
            (
                "ERROR:app.payments:payment failed: timeout",
                "ERROR",
                Some("app.payments"),
                "payment failed: timeout",
            ),
            (
                "WARNING:root:disk 91% full",
                "WARN",
                Some("root"),
                "disk 91% full",
            ),
            (
                "INFO:     127.0.0.1:52314 - \"GET / HTTP/1.1\" 200 OK",
                "INFO",
                None,
                "127.0.0.1:52314 - \"GET / HTTP/1.1\" 200 OK",
            ),
            // A logger has no spaces.
            (
                "CRITICAL:Something broke: badly",
                "FATAL",
                None,
                "Something broke: badly",
            ),
            (
                "[ERROR] Failed to execute goal on project shop",
                "ERROR",
                None,
                "Failed to execute goal on project shop",
            ),
            (
                "[WARN  my_app::db] slow query",
                "WARN",
                Some("my_app::db"),
                "slow query",
            ),
            ("npm ERR! code E404", "ERROR", Some("npm"), "code E404"),
            (
                "E: Unable to locate package foo",
                "ERROR",
                None,
                "Unable to locate package foo",
            ),
            (
                "error: could not compile `shop`",
                "ERROR",
                None,
                "could not compile `shop`",
            ),
            ("WARN  pool exhausted", "WARN", None, "pool exhausted"),
            ("ERROR - refused", "ERROR", None, "refused"),
            (
                "ERROR: [pool www] child 12 exited",
                "ERROR",
                None,
                "[pool www] child 12 exited",
            ),
            (
                "nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)",
                "FATAL",
                Some("nginx"),
                "bind() to 0.0.0.0:80 failed (98: Address already in use)",
            ),
            ("[info] ready", "INFO", None, "ready"),
            (
                "fail: Shop.Api.Orders[0] payment failed",
                "ERROR",
                Some("Shop.Api.Orders"),
                "payment failed",
            ),
            ("crit: Program[1]", "FATAL", Some("Program"), ""),
            (
                "E/AndroidRuntime( 1234): FATAL EXCEPTION: main",
                "ERROR",
                Some("AndroidRuntime"),
                "FATAL EXCEPTION: main",
            ),
            ("V/Tag: verbose", "TRACE", Some("Tag"), "verbose"),
        ];
        for (line, level, logger, message) in cases {
            assert_eq!(read(line), Some((level, logger, message)), "{line}");
        }
    }

    #[test]
    fn plain_output_starts_an_event_at_each_unindented_line() {
        for line in [
            "Server listening on port 3000",
            "Error: boom",
            "Traceback (most recent call last):",
        ] {
            assert!(starts_plain_event(line.as_bytes()), "{line}");
        }
        for line in [
            "    at Shop.Orders.Pay() in /src/Orders.cs:line 42",
            "\tat com.shop.Cart.pay(Cart.java:42)",
            "Caused by: java.io.IOException: broken pipe",
            "... 12 more",
            "--- End of stack trace from previous location ---",
            "During handling of the above exception, another exception occurred:",
        ] {
            assert!(!starts_plain_event(line.as_bytes()), "{line}");
        }
        let fields = plain_line("Retrying in 5 seconds");
        assert_eq!(value(&fields, "message").unwrap(), "Retrying in 5 seconds");
        assert_eq!(value(&plain_line("ERROR boom"), "level").unwrap(), "ERROR");
    }

    #[test]
    fn prose_and_continuations_do_not_open_an_event() {
        for line in [
            "Traceback (most recent call last):",
            "  File \"/app/pay.py\", line 42, in charge",
            "TimeoutError: gateway timeout",
            "Information: the server restarted",
            "Error handling is hard",
            "errors: 3",
            "[1/4] Resolving packages...",
            "[main thread] started",
            "INFORMATIVE text",
            "npm install finished",
            "Errno: 5",
            "note: see [1] for details",
            "Processing: [1/4] done",
            "fail: the build",
            "crit: [1] x",
            "I/O error: disk",
            "E/x(abc): y",
            "W/: nothing",
        ] {
            assert_eq!(read(line), None, "{line}");
        }
    }

    #[test]
    fn a_colon_level_after_a_time_is_read_other_starts_are_left() {
        let mut fields = Vec::new();
        assert!(read_colon_level(
            "ERROR:shop.pay:payment failed",
            &mut fields
        ));
        let get = |name: &str| value(&fields, name).cloned();
        assert_eq!(get("level").unwrap(), "ERROR");
        assert_eq!(get("logger").unwrap(), "shop.pay");
        let mut fields = Vec::new();
        for other in [
            "INFO  [main] c.a.App - x",
            "ERROR x",
            "Error: x",
            "HTTP:80 up",
            "",
        ] {
            assert!(!read_colon_level(other, &mut fields), "{other}");
        }
        assert!(fields.is_empty());
    }

    #[test]
    fn events_start_at_levels_times_and_compose_lines() {
        assert!(starts_event(b"ERROR:root:x"));
        assert!(starts_event(b"\x1b[32mINFO\x1b[0m:     started"));
        assert!(starts_event(b"2026-11-30 14:01:02 INFO timed after all"));
        assert!(starts_event(b"api-1  | listening on :8000"));
        assert!(!starts_event(b"api-1  |   File \"x.py\", line 1"));
        assert!(!starts_event(b"Traceback (most recent call last):"));
        assert!(!starts_event(b"    raise TimeoutError()"));
    }

    #[test]
    fn logrus_on_a_terminal() {
        let fields =
            parse("ERRO[0010] Payment failed      error=\"timeout\" duration=1.5s").unwrap();
        let get = |name: &str| value(&fields, name).cloned();
        assert_eq!(get("uptime_s").unwrap(), 10);
        assert_eq!(get("level").unwrap(), "ERROR");
        assert_eq!(get("duration").unwrap(), "1.5s");
        assert!(get("message")
            .unwrap()
            .as_str()
            .unwrap()
            .starts_with("Payment failed"));
        assert!(starts_event(b"WARN[0005] Slow request"));
        for other in ["WARN[x] y", "ERRO[-1] y", "WARN [0005] y", "OOPS[0005] y"] {
            assert!(logrus_terminal(other).is_none(), "{other}");
        }
    }

    #[test]
    fn seconds_since_boot_or_start() {
        let fields = parse("[   12.345678] usb 1-1: new high-speed USB device").unwrap();
        let get = |name: &str| value(&fields, name).cloned();
        assert_eq!(get("uptime_s").unwrap(), 12.345678);
        assert_eq!(
            get("message").unwrap(),
            "usb 1-1: new high-speed USB device"
        );
        assert!(get("level").is_none());
        let fields = parse("[0.012s][warning][gc,alloc] GC(1) Allocation failure").unwrap();
        let get = |name: &str| value(&fields, name).cloned();
        assert_eq!(get("uptime_s").unwrap(), 0.012);
        assert_eq!(get("level").unwrap(), "WARN");
        assert_eq!(get("logger").unwrap(), "gc,alloc");
        assert_eq!(get("message").unwrap(), "GC(1) Allocation failure");
        let fields = parse("[1500ms][info] started").unwrap();
        assert_eq!(value(&fields, "uptime_s").unwrap(), 1.5);
        assert!(starts_event(b"[    0.000000] Linux version 6.1.0"));
        for other in [
            "[12] x",
            "[1.2.3] x",
            "[s] x",
            "[12.5x] x",
            "[.5] x",
            "[-1.0] x",
        ] {
            assert!(uptime(other).is_none(), "{other}");
        }
    }

    #[test]
    fn fields_carry_level_logger_and_the_messages_pairs() {
        let fields = parse("ERROR:shop.pay:charge failed status=502 duration=31ms").unwrap();
        let get = |name: &str| value(&fields, name).cloned();
        assert_eq!(get("level").unwrap(), "ERROR");
        assert_eq!(get("logger").unwrap(), "shop.pay");
        assert_eq!(
            get("message").unwrap(),
            "charge failed status=502 duration=31ms"
        );
        assert!(get("ts").is_none(), "the source's time is added later");
        assert!(parse("just prose").is_none());
        let fields =
            parse("warn: Microsoft.AspNetCore.HttpsPolicy[3]\n      no https port").unwrap();
        let get = |name: &str| value(&fields, name).cloned();
        assert_eq!(get("level").unwrap(), "WARN");
        assert_eq!(get("logger").unwrap(), "Microsoft.AspNetCore.HttpsPolicy");
        assert_eq!(get("event_id").unwrap(), 3);
        assert_eq!(get("message").unwrap(), "no https port");
    }
}
