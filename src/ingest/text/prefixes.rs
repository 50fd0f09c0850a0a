//! Daemons that glue their level to the header with punctuation of their own, where the
//! general header reader (which splits on spaces) would leave the level in the message:
//!
//! ```text
//! 2026-11-30 14:01:02 UTC:10.0.0.5(54321):app@shop:[1234]:ERROR:  duplicate key value ...
//! 2026-11-30 14:01:02,123:ERROR:certbot._internal.error_handler:Encountered exception ...
//! 2026-11-30 14:01:03.456:WARN:oejs.HttpChannel:qtp1234567-56: /api/orders
//! 2026-11-30 14:01:03,456 - url_helper.py[WARNING]: Calling 'http://...' failed
//! 2026-11-30 14:01:03.456789 W | etcdserver: read-only range request took too long
//! 30-Nov-2026 14:01:04.789 general: error: zone example.com/IN: loading failed
//! 2026-11-30 14:01:03 1nAgOH-0005uW-Ga ** bob@example.org R=dnslookup: ... 550 User unknown
//! 2026-11-30 14:01:04.789012: E tensorflow/.../cuda_driver.cc:268] failed call to cuInit
//! [Nov 30 14:01:03] WARNING[1235][C-00000001]: app_dial.c:1234 dial_exec_full: ...
//! ```
//!
//! PostgreSQL with any `log_line_prefix` (Amazon RDS's `%t:%r:%u@%d:[%p]:`, Azure's
//! `%t-%c-`, pgBadger's `%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h `), known by the two
//! spaces PostgreSQL writes after every severity; Python's `%(asctime)s:%(levelname)s:%(name)s:`
//! and Jetty's `StdErrLog`; cloud-init's `file.py[LEVEL]:`; etcd's and CoreOS's capnslog
//! (`W | package:`); BIND's `category: severity:`; Exim's main log, whose delivery marks say
//! what happened to a message (`**` failed, `==` deferred); glog's header after a full time
//! (TensorFlow); Telegraf's `E! [plugin]`; the JVM's GC log; Asterisk's `LEVEL[pid][call]:`;
//! GlusterFS; CouchDB's node and process. Each is ruled out in a few bytes: these are tried on
//! every text line, before the general reader.

use serde_json::Value;

use super::daemons::text;
use super::tokens::is_name_char;
use super::{push_logger, push_message};
use crate::ingest::values::normalize_level;

/// The level a layout's one-letter mark names (`E`, `W!`, `W |`), when the layout writes that
/// letter (`accepted`): `T` trace, `D` debug, `I` and `N` (notice) info, `W`, `E`, and `F`,
/// `C` (critical) and `A` (alert) fatal; `V` (logcat's verbose) trace.
pub(super) fn letter_level(letter: u8, accepted: &[u8]) -> Option<&'static str> {
    if !accepted.contains(&letter) {
        return None;
    }
    Some(match letter {
        b'T' | b'V' => "TRACE",
        b'D' => "DEBUG",
        b'I' | b'N' => "INFO",
        b'W' => "WARN",
        b'E' => "ERROR",
        b'F' | b'C' | b'A' => "FATAL",
        _ => return None,
    })
}

/// Reads what follows a line's time when it is one of the layouts above; `false` (nothing
/// pushed) when it is none.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    glog_after_time(rest, fields)
        || telegraf(rest, fields)
        || jvm_gc(rest, fields)
        || level_with_pid(rest, fields)
        || gluster(rest, fields)
        || erlang_node(rest, fields)
        || colon_separated(rest, fields)
        || capnslog(rest, fields)
        || file_with_level(rest, fields)
        || bind_category(rest, fields)
        || exim(rest, fields)
        || postgres(rest, fields)
}

/// PostgreSQL's severities, each written as `SEVERITY:  ` (two spaces).
const POSTGRES_SEVERITIES: [(&str, Option<&str>); 14] = [
    ("LOG", Some("INFO")),
    ("ERROR", Some("ERROR")),
    ("FATAL", Some("FATAL")),
    ("PANIC", Some("FATAL")),
    ("WARNING", Some("WARN")),
    ("NOTICE", Some("INFO")),
    ("INFO", Some("INFO")),
    ("DEBUG", Some("DEBUG")),
    // An error's details, on lines of their own that continue it (see `multiline`).
    ("DETAIL", None),
    ("HINT", None),
    ("CONTEXT", None),
    ("QUERY", None),
    ("STATEMENT", None),
    ("LOCATION", None),
];

/// The severity label in a PostgreSQL line: where it starts and ends (the colon), its level.
pub(super) fn postgres_label(rest: &str) -> Option<(usize, usize, Option<&'static str>)> {
    let window = &rest.as_bytes()[..rest.len().min(200)];
    let mut from = 0;
    while let Some(found) = memchr::memchr(b':', &window[from..]) {
        let colon = from + found;
        from = colon + 1;
        if !window[colon + 1..].starts_with(b"  ") {
            continue;
        }
        let start = window[..colon]
            .iter()
            .rposition(|b| !b.is_ascii_alphanumeric())
            .map_or(0, |i| i + 1);
        // `DEBUG1` to `DEBUG5`.
        let word = rest[start..colon].trim_end_matches(|c: char| c.is_ascii_digit());
        let known = POSTGRES_SEVERITIES.iter().find(|(name, _)| *name == word);
        // The first label is the line's own (a message may quote another).
        return known.map(|(_, level)| (start, colon, *level));
    }
    None
}

/// PostgreSQL: the prefix's parts (`[pid]`, `user@database`, `host(port)`, pgBadger's
/// `user=...,db=...` pairs, a session id), the severity, the message.
fn postgres(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some((start, colon, level)) = postgres_label(rest) else {
        return false;
    };
    let prefix = &rest[..start];
    // Prose before the label (`query failed: ERROR:  ...` quoted in a message) is not a
    // prefix: its parts have no spaces of their own except between them.
    if prefix.split_whitespace().count() > 4 {
        return false;
    }
    // Every part must be one PostgreSQL writes; other layouts (`[main] ERROR:  ...`) are
    // left to the general reader.
    let mut parts = Vec::new();
    for part in prefix.split(|c: char| c.is_whitespace() || c == ':') {
        if !postgres_prefix_part(part.trim_matches('-'), &mut parts) {
            return false;
        }
    }
    fields.append(&mut parts);
    if let Some(level) = level {
        fields.push(text("level", level));
    }
    push_message(&rest[colon + 3..], fields);
    true
}

/// Reads one part of a PostgreSQL prefix into `fields`; `false` when it is none PostgreSQL
/// writes.
fn postgres_prefix_part(part: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let bracketed = part.strip_prefix('[').and_then(|p| p.strip_suffix(']'));
    let inner = bracketed.unwrap_or(part);
    let digits = |n: &str| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit());
    if inner.is_empty() || inner == "@" {
        return true;
    }
    if let Ok(pid) = inner.parse::<u64>() {
        fields.push(("pid".to_string(), Value::from(pid)));
    } else if let Some((session, line)) = inner
        .split_once('-')
        .filter(|(s, l)| digits(s) && digits(l))
    {
        // `%l`, the line's number in its session, as pgBadger's `[%l-1]` writes it.
        fields.push(text("session_line", &format!("{session}-{line}")));
    } else if inner.contains('=') {
        for pair in inner.split(',') {
            let Some((name, value)) = pair.split_once('=') else {
                return false;
            };
            let name = match name {
                "db" => "database",
                "app" => "application_name",
                "client" | "host" => "client",
                "user" => "user",
                _ => return false,
            };
            if !value.is_empty() && value != "[unknown]" {
                fields.push(text(name, value));
            }
        }
    } else if let Some((user, database)) = inner.split_once('@') {
        let names = |s: &str| s == "[unknown]" || s.chars().all(is_name_char);
        if !(names(user) && names(database)) {
            return false;
        }
        for (name, value) in [("user", user), ("database", database)] {
            if !value.is_empty() && value != "[unknown]" {
                fields.push(text(name, value));
            }
        }
    } else if inner.ends_with(')') && inner.contains('(') || inner == "local" {
        // `%r`: the client's host and port, `[local]` for a Unix socket.
        fields.push(text("client", inner));
    } else if inner.contains('.') && inner.chars().all(|c| c.is_ascii_hexdigit() || c == '.') {
        // `%c`: the session id, the backend's start time and pid in hex.
        fields.push(text("session_id", inner));
    } else {
        return false;
    }
    true
}

/// Python's `%(asctime)s:%(levelname)s:%(name)s:%(message)s` (certbot) and Jetty's
/// `StdErrLog` (`time:LEVEL:logger:thread: message`, the logger abbreviated or empty).
fn colon_separated(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(after) = rest.strip_prefix(':') else {
        return false;
    };
    let Some((word, after)) = after.split_once(':') else {
        return false;
    };
    let Some(level) = normalize_level(word).filter(|_| word.len() >= 3) else {
        return false;
    };
    let Some((logger, message)) = after.split_once(':') else {
        return false;
    };
    if !logger.chars().all(is_name_char) {
        return false;
    }
    fields.push(text("level", level));
    if !logger.is_empty() {
        push_logger(fields, logger, None);
    }
    // Jetty's thread, closed by `: `: a pool's numbered worker or `main` (a message's
    // own `Result: 5` has neither).
    let thread = message.split_once(": ").filter(|(thread, _)| {
        let numbered = thread
            .rsplit_once('-')
            .is_some_and(|(pool, n)| !pool.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        (*thread == "main" || numbered) && thread.chars().all(is_name_char)
    });
    let message = match thread {
        Some((thread, message)) => {
            fields.push(text("thread", thread));
            message
        }
        None => message,
    };
    push_message(message.trim_start(), fields);
    true
}

/// glog's or Abseil's header after a full time, as TensorFlow's C++ core writes it:
/// `2026-11-30 14:01:03.456789: W tensorflow/.../py_utils.cc:38] message`.
fn glog_after_time(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let bytes = rest.as_bytes();
    if !(bytes.len() > 5 && bytes.starts_with(b": ") && bytes[3] == b' ') {
        return false;
    }
    let Some(level) = letter_level(bytes[2], b"IWEF") else {
        return false;
    };
    let Some((location, message)) = rest[4..].split_once("] ") else {
        return false;
    };
    let Some((file, line)) = location.rsplit_once(':') else {
        return false;
    };
    let Ok(line) = line.parse::<u64>() else {
        return false;
    };
    if !file.chars().all(|c| is_name_char(c) || c == '/') {
        return false;
    }
    fields.push(text("level", level));
    push_logger(fields, file, None);
    fields.push(("source_line".to_string(), Value::from(line)));
    push_message(message, fields);
    true
}

/// GlusterFS: `] E [MSGID: 106118] [glusterd-handler.c:123:glusterd_op_lock] 0-management:
/// message`, a letter for the level after the bracketed time, the message id, the source and
/// the translator.
fn gluster(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let bytes = rest.as_bytes();
    if !(bytes.len() > 4 && bytes[0] == b' ' && bytes[2] == b' ' && bytes[3] == b'[') {
        return false;
    }
    let Some(level) = letter_level(bytes[1], b"TDINWECA") else {
        return false;
    };
    let mut after = &rest[3..];
    let mut message_id = None;
    if let Some((id, more)) = after
        .strip_prefix("[MSGID: ")
        .and_then(|a| a.split_once("] "))
    {
        message_id = Some(id);
        after = more;
    }
    let Some((source, message)) = after.strip_prefix('[').and_then(|a| a.split_once("] ")) else {
        return false;
    };
    // `file.c:123:function`.
    if source
        .split(':')
        .nth(1)
        .is_none_or(|n| n.parse::<u64>().is_err())
    {
        return false;
    }
    fields.push(text("level", level));
    if let Some(id) = message_id {
        fields.push(text("msgid", id));
    }
    fields.push(text("source", source));
    match message.split_once(": ") {
        Some((translator, message)) if !translator.contains(' ') => {
            push_logger(fields, translator, None);
            push_message(message, fields);
        }
        _ => push_message(message, fields),
    }
    true
}

/// CouchDB (and other Erlang servers' default): `couchdb@127.0.0.1 <0.123.0> 8f2a1b2c3d
/// message` after `[level] time`: the node, the process, the request id (`--------` outside
/// a request). Its request log (`host client user GET /db 200 ok 12`) gives the request,
/// the status and the time taken.
fn erlang_node(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let trimmed = rest.trim_start();
    let mut words = trimmed.splitn(4, ' ');
    let (Some(node), Some(process), Some(request), Some(message)) =
        (words.next(), words.next(), words.next(), words.next())
    else {
        return false;
    };
    let is_process = process.starts_with('<')
        && process.ends_with('>')
        && process[1..process.len() - 1]
            .split('.')
            .all(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if !(is_process && node.contains('@') && !node.contains(['<', '"'])) {
        return false;
    }
    fields.push(text("node", node));
    fields.push(text("erlang_pid", process));
    if !request.bytes().all(|b| b == b'-') {
        fields.push(text("request_id", request));
    }
    let request_log: Vec<&str> = message.split(' ').collect();
    if let [_host, client, user, method, path, status, "ok", took] = request_log.as_slice() {
        let status = status.parse::<u16>().ok();
        let took = took.parse::<f64>().ok();
        if let (Some(status), Some(took)) = (status, took) {
            fields.push(text("method", method));
            fields.push(text("path", path));
            fields.push(("status".to_string(), Value::from(status)));
            fields.push(("duration_ms".to_string(), Value::from(took)));
            fields.push(text("client", client));
            fields.push(text("user", user));
        }
    }
    push_message(message, fields);
    true
}

/// The JVM's garbage collection log before Java 9 (`-XX:+PrintGCDateStamps`):
/// `<time>: 12.345: [GC (Allocation Failure) [PSYoungGen: ...] ..., 0.0012345 secs] [Times:
/// user=0.01 sys=0.00, real=0.00 secs]`. The seconds since start, the collection as the
/// operation, its pause as the duration; a full collection,
/// which stops the application, is a WARN. The log's other lines after the same prefix
/// (`Total time for which application threads were stopped: 0.0083760 seconds, ...`) keep
/// their message, the stop as the duration.
fn jvm_gc(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(after) = rest.strip_prefix(": ") else {
        return false;
    };
    let Some((uptime, said)) = after.split_once(": ") else {
        return false;
    };
    // The JVM prints the seconds since start with three decimals.
    let millis = uptime.rsplit_once('.').map(|(_, decimals)| decimals.len());
    let Some(uptime) = uptime.parse::<f64>().ok().filter(|_| millis == Some(3)) else {
        return false;
    };
    let Some(collection) = said.strip_prefix('[') else {
        let stopped = said
            .strip_prefix("Total time for which application threads were stopped: ")
            .and_then(|rest| rest.split(' ').next()?.parse::<f64>().ok());
        if stopped.is_none() && !said.starts_with("Application time: ") {
            return false;
        }
        fields.push(("uptime_s".to_string(), Value::from(uptime)));
        push_logger(fields, "gc", None);
        if let Some(seconds) = stopped {
            let ms = (seconds * 1e6).round() / 1e3;
            fields.push(("duration_ms".to_string(), Value::from(ms)));
        }
        push_message(said, fields);
        return true;
    };
    let kind_end = collection.find([',', '[']).unwrap_or(collection.len());
    let kind = collection[..kind_end].trim_end();
    if !(kind.starts_with("GC") || kind.starts_with("Full GC")) {
        return false;
    }
    // ParNew and CMS repeat the date stamp inside: `GC (Allocation Failure) 2018-...: 12.3:`.
    let kind = kind
        .find(|c: char| c.is_ascii_digit())
        .map_or(kind, |digit| kind[..digit].trim_end());
    fields.push(("uptime_s".to_string(), Value::from(uptime)));
    push_logger(fields, "gc", None);
    fields.push(text("operation", kind));
    if kind.starts_with("Full GC") {
        fields.push(text("level", "WARN"));
    }
    let seconds = |text: &str| text.split(' ').next()?.parse::<f64>().ok();
    // The pause the collector measured (`, 0.0012345 secs]`), else the wall time rounded to
    // hundredths (`real=0.12 secs`).
    let pause = collection
        .split_once(" secs]")
        .and_then(|(before, _)| seconds(before.rsplit(", ").next()?))
        .or_else(|| seconds(collection.split_once("real=")?.1));
    if let Some(pause) = pause {
        let ms = (pause * 1e6).round() / 1e3;
        fields.push(("duration_ms".to_string(), Value::from(ms)));
    }
    push_message(collection.strip_suffix(']').unwrap_or(collection), fields);
    true
}

/// A level glued to the process id, and a call or request id after it, as Asterisk writes
/// them: `NOTICE[1234]: chan_sip.c:28712 handle_request_register: message`,
/// `WARNING[1235][C-00000001]: app_dial.c:1234 dial_exec_full: message`.
fn level_with_pid(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let trimmed = rest.trim_start();
    let word_len = trimmed
        .bytes()
        .take(10)
        .take_while(u8::is_ascii_uppercase)
        .count();
    let Some(after_word) = trimmed[word_len..].strip_prefix('[') else {
        return false;
    };
    let Some((pid, after_pid)) = after_word.split_once(']') else {
        return false;
    };
    let (Ok(pid), Some(level)) = (pid.parse::<u64>(), normalize_level(&trimmed[..word_len])) else {
        return false;
    };
    let (call, message) = match after_pid
        .strip_prefix('[')
        .and_then(|a| a.split_once("]: "))
    {
        Some((call, message)) => (Some(call), message),
        None => match after_pid.strip_prefix(": ") {
            Some(message) => (None, message),
            None => return false,
        },
    };
    fields.push(text("level", level));
    fields.push(("pid".to_string(), Value::from(pid)));
    if let Some(call) = call {
        fields.push(text("call_id", call));
    }
    let (location, after_location) = message.split_once(' ').unwrap_or((message, ""));
    if super::tokens::is_source_location(location) {
        push_logger(fields, location, None);
        push_message(after_location, fields);
    } else {
        push_message(message, fields);
    }
    true
}

/// Telegraf (and the CloudWatch agent built on it): `E! [inputs.docker] message`, a letter and
/// an exclamation mark for the level, the plugin in brackets.
fn telegraf(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let bytes = rest.as_bytes();
    if !(bytes.len() > 4 && bytes[0] == b' ' && bytes[2] == b'!' && bytes[3] == b' ') {
        return false;
    }
    let Some(level) = letter_level(bytes[1], b"EWID") else {
        return false;
    };
    fields.push(text("level", level));
    let after = &rest[4..];
    let plugin = after
        .strip_prefix('[')
        .and_then(|a| a.split_once("] "))
        .filter(|(plugin, _)| plugin.chars().all(is_name_char));
    match plugin {
        Some((plugin, message)) => {
            push_logger(fields, plugin, None);
            push_message(message, fields);
        }
        None => push_message(after, fields),
    }
    true
}

/// capnslog (etcd before 3.4, CoreOS's tools): `W | package: message`, one letter a level.
fn capnslog(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let bytes = rest.as_bytes();
    if !(bytes.len() > 5 && bytes[0] == b' ' && &bytes[2..5] == b" | ") {
        return false;
    }
    let Some(level) = letter_level(bytes[1], b"CEWNIDT") else {
        return false;
    };
    fields.push(text("level", level));
    let after = &rest[5..];
    match after.split_once(": ") {
        Some((package, message)) if package.chars().all(|c| is_name_char(c) || c == '/') => {
            push_logger(fields, package, None);
            push_message(message, fields);
        }
        _ => push_message(after, fields),
    }
    true
}

/// cloud-init: `- util.py[WARNING]: message`, the source file with the level in brackets.
fn file_with_level(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let Some(after) = rest.strip_prefix(" - ") else {
        return false;
    };
    let Some((name, message)) = after.split_once("]: ") else {
        return false;
    };
    let Some((file, word)) = name.split_once('[') else {
        return false;
    };
    let Some(level) = normalize_level(word) else {
        return false;
    };
    if file.is_empty() || !file.chars().all(is_name_char) {
        return false;
    }
    fields.push(text("level", level));
    push_logger(fields, file, None);
    push_message(message, fields);
    true
}

/// BIND's `category: severity: message` (`queries: info:`, `general: error:`), with a query
/// log's fields (`client ... query: example.com IN A +E(0)K`, see `dns::bind_query_fields`).
fn bind_category(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let trimmed = rest.trim_start();
    // Both names are short: looked for in the first bytes only, as this runs on every line.
    let head = &trimmed.as_bytes()[..trimmed.len().min(48)];
    let Some(colon) = memchr::memmem::find(head, b": ") else {
        return false;
    };
    let (category, after) = (&trimmed[..colon], &trimmed[colon + 2..]);
    let Some((severity, message)) = after.get(..after.len().min(16)).and_then(|h| {
        let end = h.find(": ")?;
        Some((&after[..end], &after[end + 2..]))
    }) else {
        return false;
    };
    let lower_name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
    };
    // `debug 3` carries its level of detail.
    let word = severity.split(' ').next().unwrap_or("");
    let known = ["critical", "error", "warning", "notice", "info", "debug"];
    if !(lower_name(category) && known.contains(&word)) {
        return false;
    }
    let Some(level) = normalize_level(word) else {
        return false;
    };
    fields.push(text("level", level));
    push_logger(fields, category, None);
    super::dns::bind_query_fields(message, fields);
    push_message(message, fields);
    true
}

/// Exim's main log: a message id (`1nAgOH-0005uW-Ga`, or 4.97's longer `...-0005uWGa...-...`)
/// and a mark: `<=` arrived, `=>` `->` `*>` delivered, `==` deferred (WARN), `**` failed
/// (ERROR). Arrival is the `receive` operation, the rest `deliver`.
fn exim(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let trimmed = rest.trim_start();
    let Some((id, after)) = trimmed.split_once(' ') else {
        return false;
    };
    let mut parts = id.split('-').map(str::len);
    let lengths = [parts.next(), parts.next(), parts.next(), parts.next()];
    let exim_id = matches!(lengths, [Some(6), Some(6 | 11), Some(2..=4), None])
        && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !exim_id {
        return false;
    }
    let mark = after.get(..3).filter(|m| m.ends_with(' '));
    let (operation, level) = match mark.map(str::trim_end) {
        Some("<=") => ("receive", None),
        Some("=>" | "->" | "*>") => ("deliver", None),
        Some("==") => ("deliver", Some("WARN")),
        Some("**") => ("deliver", Some("ERROR")),
        _ => {
            fields.push(text("message_id", id));
            push_message(trimmed, fields);
            return true;
        }
    };
    fields.push(text("message_id", id));
    fields.push(text("operation", operation));
    if let Some(level) = level {
        fields.push(text("level", level));
    }
    push_message(trimmed, fields);
    true
}

#[cfg(test)]
mod tests;
