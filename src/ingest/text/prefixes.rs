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
//! ```
//!
//! PostgreSQL with any `log_line_prefix` (Amazon RDS's `%t:%r:%u@%d:[%p]:`, Azure's
//! `%t-%c-`, pgBadger's `%t [%p]: [%l-1] user=%u,db=%d,app=%a,client=%h `), known by the two
//! spaces PostgreSQL writes after every severity; Python's `%(asctime)s:%(levelname)s:%(name)s:`
//! and Jetty's `StdErrLog`; cloud-init's `file.py[LEVEL]:`; etcd's and CoreOS's capnslog
//! (`W | package:`); BIND's `category: severity:`; Exim's main log, whose delivery marks say
//! what happened to a message (`**` failed, `==` deferred). Each is ruled out in a few bytes:
//! these are tried on every text line.

use serde_json::Value;

use super::tokens::is_name_char;
use super::{push_logger, push_message};
use crate::ingest::values::normalize_level;

fn text(name: &str, value: &str) -> (String, Value) {
    (name.to_string(), Value::String(value.to_string()))
}

/// Reads what follows a line's time when it is one of the layouts above; `false` (nothing
/// pushed) when it is none.
pub(super) fn read(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    glog_after_time(rest, fields)
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
    let level = match bytes[2] {
        b'I' => "INFO",
        b'W' => "WARN",
        b'E' => "ERROR",
        b'F' => "FATAL",
        _ => return false,
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
    let level = match bytes[1] {
        b'T' => "TRACE",
        b'D' => "DEBUG",
        b'I' | b'N' => "INFO",
        b'W' => "WARN",
        b'E' => "ERROR",
        b'C' | b'A' => "FATAL",
        _ => return false,
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

/// capnslog (etcd before 3.4, CoreOS's tools): `W | package: message`, one letter a level.
fn capnslog(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let bytes = rest.as_bytes();
    if !(bytes.len() > 5 && bytes[0] == b' ' && &bytes[2..5] == b" | ") {
        return false;
    }
    let level = match bytes[1] {
        b'C' => "FATAL",
        b'E' => "ERROR",
        b'W' => "WARN",
        b'N' | b'I' => "INFO",
        b'D' => "DEBUG",
        b'T' => "TRACE",
        _ => return false,
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
/// log's type as the operation (`query: example.com IN A +E(0)K`).
fn bind_category(rest: &str, fields: &mut Vec<(String, Value)>) -> bool {
    let trimmed = rest.trim_start();
    let Some((category, after)) = trimmed.split_once(": ") else {
        return false;
    };
    let Some((severity, message)) = after.split_once(": ") else {
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
    let query = message.split_once("query: ").map(|(_, query)| query);
    if let Some([_, "IN", kind]) = query.and_then(|q| {
        let mut words = q.split(' ');
        Some([words.next()?, words.next()?, words.next()?])
    }) {
        fields.push(text("operation", kind));
    }
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
    let parts: Vec<&str> = id.split('-').collect();
    let exim_id = matches!(parts.as_slice(), [a, b, c]
        if a.len() == 6 && (b.len() == 6 || b.len() == 11) && (2..=4).contains(&c.len())
            && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'));
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
mod tests {
    use super::super::tests::{fields, get};

    #[test]
    fn postgres_prefixes_rds_azure_and_pgbadger() {
        let f = fields("2026-11-30 14:01:02 UTC:10.0.0.5(54321):app@shop:[1234]:ERROR:  duplicate key value violates unique constraint \"users_pkey\"");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "pid").unwrap(), "1234");
        assert_eq!(get(&f, "user").unwrap(), "app");
        assert_eq!(get(&f, "database").unwrap(), "shop");
        assert_eq!(get(&f, "client").unwrap(), "10.0.0.5(54321)");
        assert!(get(&f, "message")
            .unwrap()
            .as_str()
            .starts_with("duplicate key"));
        assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:02+00:00");

        let f = fields("2026-11-30 14:01:04 UTC::@:[987]:LOG:  checkpoint starting: time");
        assert_eq!(get(&f, "level").unwrap(), "INFO");
        assert_eq!(get(&f, "pid").unwrap(), "987");
        assert!(get(&f, "user").is_none());
        assert_eq!(get(&f, "message").unwrap(), "checkpoint starting: time");

        let f = fields("2026-11-30 14:01:03 UTC-6571a1b2.4d3-FATAL:  password authentication failed for user \"bob\"");
        assert_eq!(get(&f, "level").unwrap(), "FATAL");
        assert_eq!(get(&f, "session_id").unwrap(), "6571a1b2.4d3");

        let f = fields("2026-11-30 14:01:02 UTC [1234]: [1-1] user=app,db=shop,app=psql,client=10.0.0.5 LOG:  duration: 12.345 ms  statement: select 1");
        assert_eq!(get(&f, "pid").unwrap(), "1234");
        assert_eq!(get(&f, "session_line").unwrap(), "1-1");
        assert_eq!(get(&f, "database").unwrap(), "shop");
        assert_eq!(get(&f, "application_name").unwrap(), "psql");
        assert_eq!(get(&f, "client").unwrap(), "10.0.0.5");
        assert_eq!(get(&f, "duration_ms").unwrap(), "12.345");

        // The long-standing default still reads as it did.
        let f = fields(
            "2026-11-30 14:01:02.123 UTC [1240] app@shop ERROR:  relation \"users\" does not exist",
        );
        assert_eq!(get(&f, "pid").unwrap(), "1240");
        assert_eq!(get(&f, "database").unwrap(), "shop");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
    }

    #[test]
    fn postgres_labels_in_prose_are_the_message() {
        // Two spaces after a label deep in a sentence: not a prefix.
        let f = fields("2026-11-30 14:01:02,123 WARN the nightly job saw this from the replica ERROR:  canceling statement");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert!(get(&f, "message")
            .unwrap()
            .as_str()
            .contains("ERROR:  canceling"));
        // A thread before the label is the general reader's.
        let f = fields("2026-11-30 14:01:02,123 [main] ERROR:  payment failed");
        assert_eq!(get(&f, "thread").unwrap(), "main");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        // PHP's labels are not PostgreSQL's.
        let f = fields("[30-Nov-2026 14:01:02 UTC] PHP Warning:  Undefined variable $x in /app/index.php on line 3");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert!(get(&f, "pid").is_none());
    }

    #[test]
    fn colon_separated_python_and_jetty() {
        let f = fields("2026-11-30 14:01:04,789:ERROR:certbot._internal.error_handler:Encountered exception during recovery: x");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(
            get(&f, "logger").unwrap(),
            "certbot._internal.error_handler"
        );
        assert_eq!(
            get(&f, "message").unwrap(),
            "Encountered exception during recovery: x"
        );
        let f = fields("2026-11-30 14:01:04,789:INFO:root:Result: 5");
        assert_eq!(get(&f, "logger").unwrap(), "root");
        assert_eq!(get(&f, "message").unwrap(), "Result: 5");
        assert!(get(&f, "thread").is_none());
        let f = fields("2026-11-30 14:01:03.456:WARN:oejs.HttpChannel:qtp1234567-56: /api/orders");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert_eq!(get(&f, "logger").unwrap(), "oejs.HttpChannel");
        assert_eq!(get(&f, "thread").unwrap(), "qtp1234567-56");
        assert_eq!(get(&f, "message").unwrap(), "/api/orders");
        let f = fields("2026-11-30 14:01:02.123:INFO::main: Logging initialized @456ms");
        assert!(get(&f, "logger").is_none());
        assert_eq!(get(&f, "thread").unwrap(), "main");
        assert_eq!(get(&f, "message").unwrap(), "Logging initialized @456ms");
        // A time of day followed by a colon and words is no level.
        let f = fields("2026-11-30 14:01:02:hello:world: x");
        assert!(get(&f, "logger").is_none());
    }

    #[test]
    fn capnslog_cloud_init_and_bind() {
        let f = fields("2026-11-30 14:01:04.789012 E | rafthttp: failed to dial 8e9e05c52164694d on stream MsgApp v2");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "logger").unwrap(), "rafthttp");
        assert!(get(&f, "message")
            .unwrap()
            .as_str()
            .starts_with("failed to dial"));
        let f = fields(
            "2026-11-30 14:01:05.000001 N | etcdserver/membership: set the cluster version to 3.3",
        );
        assert_eq!(get(&f, "level").unwrap(), "INFO");
        assert_eq!(get(&f, "logger").unwrap(), "etcdserver/membership");

        let f = fields("2026-11-30 14:01:03,456 - url_helper.py[WARNING]: Calling 'http://169.254.169.254/' failed [0/1s]");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert_eq!(get(&f, "logger").unwrap(), "url_helper.py");
        assert!(get(&f, "message").unwrap().as_str().starts_with("Calling"));

        let f = fields("30-Nov-2026 14:01:02.123 queries: info: client @0x7f1234567890 10.0.0.1#53211 (example.com): query: example.com IN AAAA +E(0)K (10.0.0.2)");
        assert_eq!(get(&f, "level").unwrap(), "INFO");
        assert_eq!(get(&f, "logger").unwrap(), "queries");
        assert_eq!(get(&f, "operation").unwrap(), "AAAA");
        let f = fields("30-Nov-2026 14:01:04.789 general: error: zone example.com/IN: loading from master file failed");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(
            get(&f, "message").unwrap(),
            "zone example.com/IN: loading from master file failed"
        );
        // Prose with two colons is not a category and severity.
        let f = fields("2026-11-30 14:01:02 ERROR cache: miss: key 17");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
    }

    #[test]
    fn cisco_device_lines_with_marks_and_sequence_numbers() {
        for (line, service, level, mnemonic) in [
            ("*Nov 30 14:01:02.123: %LINK-3-UPDOWN: Interface Gi0/1, changed state to down", "LINK", "ERROR", "UPDOWN"),
            (".Nov 30 14:01:03.456 UTC: %SYS-5-CONFIG_I: Configured from console by admin", "SYS", "INFO", "CONFIG_I"),
            ("000125: *Nov 30 14:01:05.001: %SEC-6-IPACCESSLOGP: list 101 denied tcp 10.0.0.1(54321)", "SEC", "INFO", "IPACCESSLOGP"),
            ("Nov 30 2026 14:01:06: %ASA-4-106023: Deny tcp src outside:10.0.0.1/5 dst inside:10.0.0.2/22", "ASA", "WARN", "106023"),
        ] {
            let f = fields(line);
            assert_eq!(get(&f, "service").unwrap(), service, "{line}");
            assert_eq!(get(&f, "level").unwrap(), level, "{line}");
            assert_eq!(get(&f, "mnemonic").unwrap(), mnemonic, "{line}");
            assert!(get(&f, "ts").unwrap().contains("-11-30T14:01:0"), "{f:?}");
        }
        // A mark before something that is not a time starts nothing.
        assert!(super::super::starts_text_event(
            b"*Nov 30 14:01:02.123: %LINK-3-UPDOWN: x"
        ));
        assert!(!super::super::starts_text_event(b"*  something else 14:01"));
        assert!(!super::super::starts_text_event(b".5 seconds later"));
    }

    #[test]
    fn tensorflow_glog_after_the_time() {
        let f = fields("2026-11-30 14:01:04.789012: E tensorflow/compiler/xla/stream_executor/cuda/cuda_driver.cc:268] failed call to cuInit: CUDA_ERROR_NO_DEVICE");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(
            get(&f, "logger").unwrap(),
            "tensorflow/compiler/xla/stream_executor/cuda/cuda_driver.cc"
        );
        assert_eq!(get(&f, "source_line").unwrap(), "268");
        assert_eq!(
            get(&f, "message").unwrap(),
            "failed call to cuInit: CUDA_ERROR_NO_DEVICE"
        );
        // A colon after the time before prose is not glog's.
        let f = fields("2026-11-30 14:01:04: I think so] maybe");
        assert!(get(&f, "source_line").is_none());
    }

    #[test]
    fn more_timestamp_shapes_plex_netlogon_geth() {
        let f = fields("Nov 30, 2026 14:01:03.456 [0x7f1234567891] ERROR - [Transcoder] Transcode runner appears to have died.");
        assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03.456");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        let f = fields("Nov 30, 2026 2:01:02 PM org.apache.catalina.startup.Catalina start");
        assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:02");
        let f = fields(
            "11/30 14:01:03 [CRITICAL] [1234] CORP: NlPrintRpcDebug: Couldn't get EndpointCount",
        );
        assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03");
        assert_eq!(get(&f, "level").unwrap(), "FATAL");
        let f = fields("WARN [11-30|14:01:03.456] Snapshot extension registration failed   peer=1a2b3c4d err=\"peer connected\"");
        assert_eq!(get(&f, "ts").unwrap(), "2026-11-30T14:01:03.456");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        let f = fields("ERROR[11-30|14:01:04.789] Failed to journal state snapshot          err=\"snapshot missing\"");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert!(get(&f, "message").unwrap().starts_with("Failed to journal"));
    }

    #[test]
    fn gluster_and_couchdb() {
        let f = fields("[2026-11-30 14:01:03.456789 +0000] E [MSGID: 106118] [glusterd-handler.c:123:glusterd_op_lock] 0-management: Unable to acquire lock for vol0");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "msgid").unwrap(), "106118");
        assert_eq!(get(&f, "logger").unwrap(), "0-management");
        assert_eq!(
            get(&f, "message").unwrap(),
            "Unable to acquire lock for vol0"
        );
        let f = fields("[2026-11-30 14:01:04.000001 +0000] W [rpc-clnt.c:1234:rpc_clnt_notify] 0-vol0-client-1: disconnected from vol0-client-1");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert_eq!(
            get(&f, "source").unwrap(),
            "rpc-clnt.c:1234:rpc_clnt_notify"
        );

        let f = fields("[notice] 2026-11-30T14:01:02.123456Z couchdb@127.0.0.1 <0.123.0> 8f2a1b2c3d localhost:5984 10.0.0.1 admin GET /_all_dbs 500 ok 12");
        assert_eq!(get(&f, "level").unwrap(), "INFO");
        assert_eq!(get(&f, "node").unwrap(), "couchdb@127.0.0.1");
        assert_eq!(get(&f, "request_id").unwrap(), "8f2a1b2c3d");
        assert_eq!(get(&f, "status").unwrap(), "500");
        assert_eq!(get(&f, "path").unwrap(), "/_all_dbs");
        assert_eq!(get(&f, "duration_ms").unwrap(), "12.0");
        let f = fields("[error] 2026-11-30T14:01:03.456789Z couchdb@127.0.0.1 <0.456.0> -------- Could not open file ./data/_users.couch");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert!(get(&f, "request_id").is_none());
        assert_eq!(
            get(&f, "message").unwrap(),
            "Could not open file ./data/_users.couch"
        );
    }

    #[test]
    fn windows_update_clamav_vllm_and_program_levels() {
        let f = fields("2026/11/30 14:01:03.4567890 1234  5678  Agent          * WARNING: Exit code = 0x8024402C");
        assert_eq!(get(&f, "logger").unwrap(), "Agent");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert_eq!(get(&f, "tid").unwrap(), "5678");
        let f = fields("Mon Nov 30 14:01:04 2026 -> ERROR: Can't open file or directory");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        let f = fields("Mon Nov 30 14:01:03 2026 -> /home/bob/eicar.com: Eicar-Signature FOUND");
        assert_eq!(
            get(&f, "message").unwrap(),
            "/home/bob/eicar.com: Eicar-Signature FOUND"
        );
        let f = fields("ERROR 11-30 14:01:04 [engine.py:160] RuntimeError: CUDA out of memory");
        assert_eq!(get(&f, "logger").unwrap(), "engine.py:160");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        let f = fields("2026-11-30T14:01:04: PM2 error: Error: spawn node ENOENT");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        let f = fields("2026-11-30T14:01:04: PM2 log: App [api:0] online");
        assert!(get(&f, "level").is_none_or(|l| l == "INFO"));
    }

    #[test]
    fn salt_module_brackets() {
        let f = fields("2026-11-30 14:01:03,456 [salt.utils.process                           :987 ][WARNING ][5678] Process did not die with terminate()");
        assert_eq!(get(&f, "logger").unwrap(), "salt.utils.process");
        assert_eq!(get(&f, "source_line").unwrap(), "987");
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        assert_eq!(get(&f, "pid").unwrap(), "5678");
        assert_eq!(
            get(&f, "message").unwrap(),
            "Process did not die with terminate()"
        );
        // Cassandra's thread keeps its number.
        let f = fields(
            "ERROR [CompactionExecutor:2] 2026-11-30 14:01:04,123 CompactionTask.java:244 - failed",
        );
        assert_eq!(get(&f, "thread").unwrap(), "CompactionExecutor:2");
    }

    #[test]
    fn exim_marks() {
        let f = fields("2026-11-30 14:01:03 1nAgOH-0005uW-Ga ** bob@example.org R=dnslookup T=remote_smtp: SMTP error from remote mail server after RCPT TO:<bob@example.org>: 550 5.1.1 User unknown");
        assert_eq!(get(&f, "level").unwrap(), "ERROR");
        assert_eq!(get(&f, "operation").unwrap(), "deliver");
        assert_eq!(get(&f, "message_id").unwrap(), "1nAgOH-0005uW-Ga");
        assert!(get(&f, "message")
            .unwrap()
            .as_str()
            .starts_with("1nAgOH-0005uW-Ga ** bob"));
        let f = fields("2026-11-30 14:01:02 1nAgOH-0005uW-Ga <= www-data@mail.example.com U=www-data P=local S=1234");
        assert_eq!(get(&f, "operation").unwrap(), "receive");
        assert!(get(&f, "level").is_none_or(|l| l == "INFO"));
        let f = fields(
            "2026-11-30 14:01:04 1nAgOI-0005uX-Hb == carol@example.net R=dnslookup defer (-44)",
        );
        assert_eq!(get(&f, "level").unwrap(), "WARN");
        let f = fields("2026-11-30 14:01:03 1nAgOH-0005uW-Ga Completed");
        assert!(get(&f, "operation").is_none());
        assert_eq!(get(&f, "message_id").unwrap(), "1nAgOH-0005uW-Ga");
    }
}
